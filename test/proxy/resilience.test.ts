import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { encodeMethodCall, decodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { registryPath } from '../../src/registry/paths.js';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` passes or `ms` elapse; returns whether it passed. */
async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(50);
  }
  return check();
}

describe('keys change while the proxy runs', () => {
  let h: Harness;
  let token: string;
  let id: string;
  before(async () => {
    h = await startHarness({ version: 19 });
    ({ token, id } = await h.addKey({ name: 'live', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'] }] }));
  });
  after(() => h?.close());

  const search = async (key: string): Promise<ReturnType<typeof decodeMethodResponse>> =>
    decodeMethodResponse((await post(`${h.url}/xmlrpc/2/object`, encodeMethodCall('execute_kw', [h.db, 1, key, 'res.partner', 'search_count', [[]]]))).text);

  test('a revoke from another process takes effect within a second, with no reload call', async () => {
    assert.equal((await search(token)).kind, 'params');
    const t0 = Date.now();
    await h.editKey(id, (k) => {
      k.revoked = new Date().toISOString();
    });
    const refused = await eventually(async () => {
      const r = await search(token);
      return r.kind === 'fault' && r.faultCode === 3;
    }, 3000);
    assert.ok(refused, 'the revoked key was still accepted after 3 s');
    // Not a timing assertion on the proxy's speed: the watch must simply have fired, well before any poll fallback of many seconds.
    assert.ok(Date.now() - t0 < 3000);
  });

  test("a revoked key is refused whatever its time says: a replica whose clock is behind the revoking machine's, a clock stepped back", async () => {
    const { token: other, id: otherId } = await h.addKey({ name: 'skewed', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'] }] });
    assert.equal((await search(other)).kind, 'params');
    // What `revoke` wrote on a machine whose clock is two minutes ahead of this proxy's.
    await h.editKey(otherId, (k) => {
      k.revoked = new Date(Date.now() + 120_000).toISOString().replace(/\.\d+Z$/, 'Z');
    });
    await h.proxy.reload();
    const r = await search(other);
    assert.ok(r.kind === 'fault' && r.faultCode === 3 && /was revoked/.test(String(r.faultString)), JSON.stringify(r));
    const json2 = await post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${other}`, 'Content-Type': 'application/json' });
    assert.equal(json2.status, 401);
  });

  test('a registry that fails to parse is reported and the last good one stays in force', async () => {
    const { token: other } = await h.addKey({ name: 'survivor', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'] }] });
    const path = registryPath(h.home);
    const good = readFileSync(path, 'utf8');
    writeFileSync(path, `${good}\n  - this: [is not: valid\n`);
    assert.ok(await eventually(async () => {
      const health = (await (await fetch(`${h.url}/healthz`)).json()) as { checks: { registry: { ok: boolean } } };
      return health.checks.registry.ok === false;
    }), '/healthz reports the broken registry');
    assert.equal((await search(other)).kind, 'params', 'keys of the last good registry still work');
    writeFileSync(path, good);
    assert.ok(await eventually(async () => {
      const health = (await (await fetch(`${h.url}/healthz`)).json()) as { checks: { registry: { ok: boolean } } };
      return health.checks.registry.ok === true;
    }), 'fixed registry is picked up');
  });

  test('rotation: old secret works during the grace period, then only the new one', async () => {
    const { token: old, id: rid } = await h.addKey({ name: 'rotating', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'] }] });
    const { mintKey } = await import('../../src/registry/keys.js');
    const fresh = mintKey(rid);
    const oldHash = (await h.store.read()).keys.find((k) => k.id === rid)!.hash;
    await h.editKey(rid, (k) => {
      k.previous = { hash: oldHash, until: new Date(Date.now() + 60_000).toISOString() };
      k.hash = fresh.hash;
    });
    await h.proxy.reload();
    assert.equal((await search(old)).kind, 'params');
    assert.equal((await search(fresh.token)).kind, 'params');
    // The journal says which calls still came with the old secret, so the clients yet to move can be
    // found before the grace ends: the report counts them, the calls list marks them.
    const lines = (await h.journal()).filter((e) => e.key === rid);
    assert.deepEqual(lines.map((e) => e.previous_secret ?? false), [true, false]);
    const { groupEntries, callRow } = await import('../../src/audit/report.js');
    const { renderCallsTable, renderReportTable } = await import('../../src/audit/render.js');
    const { Chalk } = await import('chalk');
    const plain = new Chalk({ level: 0 });
    const report = groupEntries(lines);
    assert.equal(report.rows[0]!.previous_secret_calls, 1);
    assert.match(renderReportTable(report, plain), /1 with the previous secret \(rotated\)/);
    const calls = renderCallsTable(lines.map(callRow), plain, false);
    assert.equal(calls.match(/old secret/g)?.length, 1, calls);
    await h.editKey(rid, (k) => {
      k.previous = { hash: oldHash, until: new Date(Date.now() - 1000).toISOString() };
    });
    await h.proxy.reload();
    const r = await search(old);
    assert.ok(r.kind === 'fault' && r.faultCode === 3);
    assert.equal((await search(fresh.token)).kind, 'params');
  });
});

describe('when Odoo misbehaves', () => {
  let h: Harness;
  let token: string;
  before(async () => {
    h = await startHarness({ version: 18, proxy: { inspectBytes: 1024 } });
    ({ token } = await h.addKey({ name: 'sync', rules: [{ model: 'res.partner', methods: ['read'] }] }));
  });
  after(() => h?.close());

  const call = async (): Promise<{ status: number; text: string }> =>
    post(`${h.url}/xmlrpc/2/object`, encodeMethodCall('execute_kw', [h.db, 1, token, 'res.partner', 'search_read', [[]], { fields: ['name', 'email', 'comment'] }]));

  test('Odoo refusing connections gives a clean fault, and the proxy keeps serving', async () => {
    const port = h.standin.port;
    await h.standin.close();
    try {
      const r = decodeMethodResponse((await call()).text);
      assert.ok(r.kind === 'fault' && r.faultCode === 1);
      if (r.kind === 'fault') assert.match(String(r.faultString), /^odoo-keys: .*Odoo refused the connection/);
      const health = await fetch(`${h.url}/healthz`);
      assert.equal(health.status, 503);
    } finally {
      const { startStandin } = await import('../standin/server.js');
      h.standin = await startStandin({ version: 18, port });
    }
    assert.equal(decodeMethodResponse((await call()).text).kind, 'params', 'serving again once Odoo is back');
  });

  test('a connection dropped without an answer, a 502 and garbage are clean errors', async () => {
    h.standin.clearReceived();
    h.standin.faults.drop = 1;
    let r = decodeMethodResponse((await call()).text);
    assert.ok(r.kind === 'fault' && /^odoo-keys: /.test(String(r.faultString)));
    h.standin.faults.badGateway = 1;
    const bad = await call();
    assert.equal(bad.status, 502, 'a reverse proxy error page passes through as the HTTP error it is');
    h.standin.faults.garbage = 1;
    const garbage = await call();
    assert.equal(garbage.status, 200);
    r = decodeMethodResponse((await call()).text);
    assert.equal(r.kind, 'params', 'and the next call works');
    const entries = await h.journal();
    assert.ok(entries.some((e) => e.outcome === 'upstream_error'));
  });

  test('a reset in the middle of a streamed answer cuts the client off rather than passing a truncated answer as whole', async () => {
    h.standin.faults.resetMidResponse = 1;
    await assert.rejects(async () => {
      const res = await fetch(`${h.url}/xmlrpc/2/object`, { method: 'POST', body: encodeMethodCall('execute_kw', [h.db, 1, token, 'res.partner', 'search_read', [[]], { fields: ['name', 'email', 'comment'] }]) });
      await res.text();
    });
    const entries = await h.journal();
    const broken = entries.filter((e) => e.outcome === 'upstream_error' && e.key !== null);
    assert.ok(broken.length >= 1);
    assert.equal(decodeMethodResponse((await call()).text).kind, 'params');
  });

  test('a slow Odoo past the upstream timeout gives a clean timeout error', async () => {
    const slow = await startHarness({ version: 19, upstreamTimeoutMs: 300 });
    try {
      const { token: k } = await slow.addKey({ rules: [{ model: 'res.partner', methods: ['read'] }] });
      slow.standin.faults.delayMs = 1500;
      const r = await post(`${slow.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${k}`, 'Content-Type': 'application/json' });
      assert.equal(r.status, 504);
      assert.match(r.text, /odoo-keys: Odoo did not answer within/);
    } finally {
      await slow.close();
    }
  });
});

describe('fail closed when the journal cannot be written', () => {
  test('calls are refused while the journal folder is unusable, and /healthz says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'odoo-keys-jfail-'));
    const journalDir = join(dir, 'journal');
    const h = await startHarness({ version: 19, auditDir: journalDir });
    try {
      const { token } = await h.addKey({ rules: [{ model: 'res.partner', methods: ['read'] }] });
      const ok = await post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
      assert.equal(ok.status, 200);
      // Replace the folder with a file: every write now fails, whatever the process's rights.
      rmSync(journalDir, { recursive: true, force: true });
      writeFileSync(journalDir, 'not a folder');
      // The first call after the breakage is answered (its line fails after the fact); the journal turns unhealthy.
      await post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
      h.standin.clearReceived();
      const refused = await post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
      assert.equal(refused.status, 503);
      assert.match(refused.text, /audit journal cannot be written/);
      assert.equal(h.standin.received.length, 0, 'the refused call did not reach Odoo');
      // common calls too: authenticate hands out the uid, version reaches Odoo; neither would be journaled.
      for (const fn of ['authenticate', 'version']) {
        const params = fn === 'authenticate' ? [h.db, 'x', token, {}] : [];
        const common = await post(`${h.url}/jsonrpc`, JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service: 'common', method: fn, args: params }, id: 1 }), { 'Content-Type': 'application/json' });
        const v = JSON.parse(common.text) as { result?: unknown; error?: { data: { message: string } } };
        assert.equal(v.result, undefined, `common.${fn} answered while the journal is down: ${common.text}`);
        assert.match(v.error?.data.message ?? '', /audit journal cannot be written/);
      }
      assert.equal(h.standin.received.length, 0, 'the refused common calls did not reach Odoo');
      const health = (await (await fetch(`${h.url}/healthz`)).json()) as { ok: boolean; checks: { journal: { ok: boolean } } };
      assert.equal(health.ok, false);
      assert.equal(health.checks.journal.ok, false);
    } finally {
      rmSync(journalDir, { force: true });
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
