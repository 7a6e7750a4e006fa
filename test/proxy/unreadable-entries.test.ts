// keys.yaml entries a proxy cannot read (a field written by a newer odoo-keys, a typo): that entry
// is refused, alone, and every other change in the file is taken, a revocation above all.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { encodeMethodCall, decodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { registryPath } from '../../src/registry/paths.js';
import { silentLogger, type Logger } from '../../src/proxy/log.js';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';

/** keys.yaml edited as a newer odoo-keys (or a hand) would: not through this version's store, which refuses what it does not know. */
function editFile(home: string, edit: (doc: ReturnType<typeof parseDocument>) => void): void {
  const path = registryPath(home);
  const doc = parseDocument(readFileSync(path, 'utf8'));
  edit(doc);
  writeFileSync(path, doc.toString());
}

function keyIndex(doc: ReturnType<typeof parseDocument>, id: string): number {
  const keys = (doc.toJS() as { keys: Array<{ id: string }> }).keys;
  const i = keys.findIndex((k) => k.id === id);
  assert.ok(i >= 0, `key ${id} in keys.yaml`);
  return i;
}

describe('entries of keys.yaml this version cannot read', () => {
  let h: Harness;
  const errors: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
  const log: Logger = { ...silentLogger, error: (msg, fields) => void errors.push({ msg, fields }) };
  const rules = [{ model: 'res.partner', methods: ['read'], fields: ['name'] }];
  let revoked: { token: string; id: string };
  let future: { token: string; id: string };
  let bystander: { token: string; id: string };

  before(async () => {
    h = await startHarness({ version: 19, log, server: { metrics: true } });
    revoked = await h.addKey({ name: 'to-revoke', rules });
    future = await h.addKey({ name: 'newer-field', rules });
    bystander = await h.addKey({ name: 'bystander', rules });
  });
  after(() => h?.close());

  const count = async (token: string): Promise<ReturnType<typeof decodeMethodResponse>> =>
    decodeMethodResponse((await post(`${h.url}/xmlrpc/2/object`, encodeMethodCall('execute_kw', [h.db, 1, token, 'res.partner', 'search_count', [[]]]))).text);

  test('a revocation written beside a field this version does not know is in force; only that key is refused; health stays up', async () => {
    for (const k of [revoked, future, bystander]) assert.equal((await count(k.token)).kind, 'params');
    const counted = (): number => h.standin.received.filter((c) => c.method === 'search_count').length;
    const callsBefore = counted();
    // One write, as a newer odoo-keys would make it: a revocation, and a new limit on another key.
    editFile(h.home, (doc) => {
      doc.setIn(['keys', keyIndex(doc, revoked.id), 'revoked'], new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
      doc.setIn(['keys', keyIndex(doc, future.id), 'max_records'], 100);
    });
    await h.proxy.reload();

    const r = await count(revoked.token);
    assert.ok(r.kind === 'fault' && /was revoked/.test(String(r.faultString)), `the revocation is in force: ${JSON.stringify(r)}`);
    const f = await count(future.token);
    assert.ok(f.kind === 'fault' && f.faultCode === 3, JSON.stringify(f));
    assert.match(String(f.faultString), /key 'newer-field' \([0-9a-f]{8}\) cannot be used: its entry in keys\.yaml \(keys\[\d\]\.max_records\) cannot be read by this odoo-keys/);
    assert.doesNotMatch(String(f.faultString), /100/, 'the value is in the log, not in the answer');
    // JSON-2 too, with its status.
    const json2 = await post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${future.token}`, 'Content-Type': 'application/json' });
    assert.equal(json2.status, 401);
    assert.match(json2.text, /cannot be read by this odoo-keys/);
    assert.equal((await count(bystander.token)).kind, 'params', 'the other keys are served');
    assert.equal(counted() - callsBefore, 1, "only the bystander's call reached Odoo");

    // Whoever does not hold its secret learns nothing: the same answer as any wrong key.
    const wrong = await count(`odk_${future.id}_${'A'.repeat(43)}`);
    assert.ok(wrong.kind === 'fault' && /invalid key/.test(String(wrong.faultString)) && !/cannot be read/.test(String(wrong.faultString)), JSON.stringify(wrong));

    // The log says what and where (file and line); the journal names the key and the field path.
    const said = errors.find((e) => e.fields?.key === future.id);
    assert.ok(said, JSON.stringify(errors));
    assert.match(String(said.fields!.problem), /keys\.yaml:\d+: keys\[\d\]\.max_records: unknown field 'max_records'/);
    const line = (await h.journal()).filter((e) => e.key === future.id && e.outcome === 'rejected')[0]!;
    assert.equal(line.outcome, 'rejected');
    assert.match(String(line.reason), /keys\[\d\]\.max_records/);
    assert.equal(line.profile, undefined);

    // Serving the file as written, with one key refused, is healthy; the count is there to alert on.
    const health = (await (await fetch(`${h.url}/healthz`)).json()) as { ok: boolean; checks: { registry: { ok: boolean; detail: string } } };
    assert.equal(health.checks.registry.ok, true);
    assert.match(health.checks.registry.detail, /1 refused: their entries in keys\.yaml cannot be read/);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    assert.match(metrics, /^odoo_keys_keys_refused 1$/m);
    assert.match(metrics, /^odoo_keys_keys_loaded 2$/m);

    // Once the field is gone (the replica upgraded, the typo mended), the key works again.
    editFile(h.home, (doc) => doc.deleteIn(['keys', keyIndex(doc, future.id), 'max_records']));
    await h.proxy.reload();
    assert.equal((await count(future.token)).kind, 'params');
    assert.match(await (await fetch(`${h.url}/metrics`)).text(), /^odoo_keys_keys_refused 0$/m);
  });

  test("a profile this version cannot read: every key of it is refused, the file's other changes are taken", async () => {
    const other = await h.addKey({ name: 'second', rules });
    editFile(h.home, (doc) => {
      doc.setIn(['profiles', h.profile, 'failover_url'], 'https://standby.example.com');
      doc.setIn(['keys', keyIndex(doc, other.id), 'description'], 'changed beside it');
    });
    await h.proxy.reload();
    const r = await count(other.token);
    assert.ok(r.kind === 'fault' && /its entry in keys\.yaml \(keys\[\d\]\.profile\) cannot be read/.test(String(r.faultString)), JSON.stringify(r));
    assert.ok(errors.some((e) => e.fields?.profile === h.profile && /failover_url/.test(String(e.fields.problem))), JSON.stringify(errors));
    // Every key of the profile this proxy serves is refused: not a healthy replica.
    const health = (await (await fetch(`${h.url}/healthz`)).json()) as { ok: boolean; checks: { registry: { ok: boolean; detail: string } } };
    assert.equal(health.checks.registry.ok, false);
    assert.match(health.checks.registry.detail, /the profile '.*' served here cannot be read by this version, so every key of it is refused: keys\.yaml:\d+: profiles\..*\.failover_url: unknown field/);
    editFile(h.home, (doc) => doc.deleteIn(['profiles', h.profile, 'failover_url']));
    await h.proxy.reload();
    assert.equal((await count(other.token)).kind, 'params');
    assert.equal(((await (await fetch(`${h.url}/healthz`)).json()) as { checks: { registry: { ok: boolean } } }).checks.registry.ok, true);
  });

  test('a key whose id itself cannot be read is an unknown key; two entries with one id are both refused', async () => {
    const a = await h.addKey({ name: 'dup-a', rules });
    const b = await h.addKey({ name: 'dup-b', rules });
    editFile(h.home, (doc) => doc.setIn(['keys', keyIndex(doc, b.id), 'id'], a.id));
    await h.proxy.reload();
    // Which of the two the file meant is not the proxy's guess to make: both secrets are refused.
    for (const k of [a, b]) {
      const r = await count(k.token);
      assert.ok(r.kind === 'fault' && /invalid key/.test(String(r.faultString)), JSON.stringify(r));
    }
    assert.ok(errors.some((e) => /the id .* is used twice/.test(String(e.fields?.problem))));
    editFile(h.home, (doc) => doc.setIn(['keys', keyIndex(doc, a.id) + 1, 'id'], 12345678));
    await h.proxy.reload();
    assert.equal((await count(a.token)).kind, 'params');
    const u = await count(b.token);
    assert.ok(u.kind === 'fault' && /invalid key/.test(String(u.faultString)), JSON.stringify(u));
    assert.ok(errors.some((e) => e.msg.includes('not even its id')));
    // No token names it, but it is an entry set aside all the same: what an alert on the count sees.
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    assert.match(metrics, /^odoo_keys_keys_refused 1$/m);
    const health = (await (await fetch(`${h.url}/healthz`)).json()) as { checks: { registry: { detail: string } } };
    assert.match(health.checks.registry.detail, /; 1 refused/);
  });
});

describe('an id two entries of keys.yaml share', () => {
  let h2: Harness;
  const rules = [{ model: 'res.partner', methods: ['read'], fields: ['name'] }];
  before(async () => {
    h2 = await startHarness({ version: 19 });
  });
  after(() => h2?.close());
  const count2 = async (token: string): Promise<ReturnType<typeof decodeMethodResponse>> =>
    decodeMethodResponse((await post(`${h2.url}/xmlrpc/2/object`, encodeMethodCall('execute_kw', [h2.db, 1, token, 'res.partner', 'search_count', [[]]]))).text);

  test("an id two entries share: their holders' calls are no guesses, so their address is not locked out for the other keys", async (t) => {
    const a = await h2.addKey({ name: 'shared-a', rules });
    const b = await h2.addKey({ name: 'shared-b', rules });
    const other = await h2.addKey({ name: 'same-host', rules });
    // Put back after (the store refuses to edit a file with an id used twice).
    const text = readFileSync(registryPath(h2.home), 'utf8');
    t.after(() => writeFileSync(registryPath(h2.home), text));
    editFile(h2.home, (doc) => doc.setIn(['keys', keyIndex(doc, b.id), 'id'], a.id));
    await h2.proxy.reload();
    // A sync on the same host goes on calling with the key it holds: no secret can match an id set
    // aside twice (it is answered as an invalid key), so no call of it is a guess that could succeed.
    for (let i = 0; i < 12; i++) {
      const r = await count2(i % 2 ? a.token : b.token);
      assert.ok(r.kind === 'fault' && /invalid key/.test(String(r.faultString)), JSON.stringify(r));
    }
    const r = await count2(other.token);
    assert.equal(r.kind, 'params', `the host's other keys are served, not throttled: ${JSON.stringify(r)}`);
  });

  test("a rotation's old secret, in its grace, on an entry set aside: told why, not counted as guessing", async () => {
    const rotated = await h2.addKey({ name: 'rotated', rules });
    const other = await h2.addKey({ name: 'same-host-2', rules });
    const { mintKey } = await import('../../src/registry/keys.js');
    const fresh = mintKey(rotated.id);
    const oldHash = (await h2.store.read()).keys.find((k) => k.id === rotated.id)!.hash;
    await h2.editKey(rotated.id, (k) => {
      k.previous = { hash: oldHash, until: new Date(Date.now() + 3_600_000).toISOString() };
      k.hash = fresh.hash;
    });
    editFile(h2.home, (doc) => doc.setIn(['keys', keyIndex(doc, rotated.id), 'max_records'], 10));
    await h2.proxy.reload();
    for (let i = 0; i < 12; i++) {
      const r = await count2(rotated.token);
      assert.ok(r.kind === 'fault' && /key 'rotated' \([0-9a-f]{8}\) cannot be used: its entry in keys\.yaml/.test(String(r.faultString)), JSON.stringify(r));
    }
    const r = await count2(other.token);
    assert.equal(r.kind, 'params', `the host's other keys are served, not throttled: ${JSON.stringify(r)}`);
  });
});
