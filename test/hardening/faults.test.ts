// Faults under the running proxy, besides Odoo's (upstream-faults.test.ts): the journal's folder
// or file deleted, replaced or full, and the registry deleted, truncated or replaced. The journal
// must fail closed (calls refused, /healthz says so) or carry on with nothing lost; the registry
// must keep the last good version in force.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';
import { registryPath } from '../../src/registry/paths.js';
import { RegistryStore } from '../../src/registry/store.js';
import { sideFileName } from '../../src/audit/chain.js';
import { BIN, REPO_ROOT, cliEnvironment, freePort } from '../support/cli.js';
import { cliOnStandin } from '../support/cli-standin.js';
import { eventually, sleep } from './support.js';
import { journalLines as readJournal } from '../support/journal.js';

const partnerRead = [{ model: 'res.partner', methods: ['read'], fields: ['name'] }];

async function count(h: Harness, token: string): Promise<{ status: number; text: string }> {
  return post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
}

async function health(url: string): Promise<{ status: number; body: { ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> } }> {
  const r = await fetch(`${url}/healthz`);
  return { status: r.status, body: (await r.json()) as { ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> } };
}


describe('the journal under the running proxy', () => {
  test('its folder deleted: the folder is made again, the chain carries on, and no line written after is lost', async () => {
    const h = await startHarness({ version: 19 });
    try {
      const { token } = await h.addKey({ rules: partnerRead });
      for (let i = 0; i < 3; i++) assert.equal((await count(h, token)).status, 200);
      const before = await h.journal();
      const last = before[before.length - 1]!;
      rmSync(h.journalDir!, { recursive: true, force: true });
      for (let i = 0; i < 3; i++) assert.equal((await count(h, token)).status, 200);
      const after = await h.journal();
      assert.equal(after.length, 3, 'the three calls made after the deletion are in the folder made again');
      assert.deepEqual(after.map((e) => e.seq), [last.seq + 1, last.seq + 2, last.seq + 3], 'numbering goes on');
      assert.equal(after[0]!.prev, last.hash, 'the chain goes on from the last line written before');
      assert.ok(existsSync(join(h.journalDir!, sideFileName('lock'))), 'the lock is taken again');
      assert.equal((await health(h.url)).body.checks.journal!.ok, true);
    } finally {
      await h.close();
    }
  });

  test('its file deleted or moved away: a new file at the path, the chain carries on', async () => {
    const h = await startHarness({ version: 19 });
    try {
      const { token } = await h.addKey({ rules: partnerRead });
      assert.equal((await count(h, token)).status, 200);
      const first = await h.journal();
      const file = h.proxy.journal!.currentFile!;
      renameSync(file, `${file}.moved`);
      assert.equal((await count(h, token)).status, 200);
      const second = await h.journal();
      assert.equal(second.length, 1, 'the call after the move is written at the path');
      assert.equal(second[0]!.prev, first[first.length - 1]!.hash);
      rmSync(file);
      assert.equal((await count(h, token)).status, 200);
      const third = await h.journal();
      assert.equal(third.length, 1);
      assert.equal(third[0]!.prev, second[0]!.hash);
    } finally {
      await h.close();
    }
  });

  test('its file replaced by a link to /dev/null: fail closed rather than write into nothing', async () => {
    const h = await startHarness({ version: 19 });
    try {
      const { token } = await h.addKey({ rules: partnerRead });
      assert.equal((await count(h, token)).status, 200);
      const file = h.proxy.journal!.currentFile!;
      rmSync(file);
      symlinkSync('/dev/null', file);
      // Answered: its line is written after the answer, fails, and turns the journal unhealthy
      // (calls already on their way meanwhile are answered too; their lines go to the log).
      await count(h, token);
      assert.ok(await eventually(() => !h.proxy.journal!.healthy), 'the journal noticed');
      h.standin.clearReceived();
      const refused = await count(h, token);
      assert.equal(refused.status, 503);
      assert.match(refused.text, /audit journal cannot be written/);
      assert.equal(h.standin.received.length, 0, 'the refused call did not reach Odoo');
      const hz = await health(h.url);
      assert.equal(hz.status, 503);
      assert.match(hz.body.checks.journal!.detail ?? '', /not a regular file/);
      // The call that turned it unhealthy ran at Odoo: its line is owed, and a shutdown that still
      // cannot write it says so (serve exits 1).
      await assert.rejects(h.proxy.close(1000), /1 journal line of calls that reached Odoo could not be written/);
    } finally {
      await h.close().catch(() => {});
    }
  });

  test('its folder replaced by a file, then given back: refused meanwhile, then calls are served again and the chain carries on', async () => {
    const h = await startHarness({ version: 19 });
    try {
      const { token } = await h.addKey({ rules: partnerRead });
      assert.equal((await count(h, token)).status, 200);
      const before = await h.journal();
      const dir = h.journalDir!;
      rmSync(dir, { recursive: true, force: true });
      writeFileSync(dir, 'not a folder');
      await count(h, token);
      assert.ok(await eventually(() => !h.proxy.journal!.healthy), 'the journal noticed');
      assert.equal((await count(h, token)).status, 503);
      assert.equal((await health(h.url)).body.checks.journal!.ok, false);
      rmSync(dir);
      mkdirSync(dir);
      assert.ok(await eventually(async () => (await health(h.url)).body.checks.journal!.ok, 10_000), 'the journal recovers by itself');
      assert.equal((await count(h, token)).status, 200);
      const after = await h.journal();
      assert.ok(after.length >= 1);
      assert.ok(after[0]!.seq > before[before.length - 1]!.seq, 'numbering goes on past the lost line');
    } finally {
      await h.close();
    }
  });
});


test('disk full (writes fail with EFBIG under a file-size limit): `serve` fails closed, says so on /healthz and in its log, and forwards nothing', async (t) => {
  const world = await cliOnStandin(t);
  const { odoo, folders: f, token } = world;
  const port = await freePort();
  // No file of this process may grow past 3 blocks (1.5 to 3 KB, by shell): a few journal lines,
  // and never the journal's 4 KB write probe, as on a full disk.
  const child = (world.child = spawn('sh', ['-c', 'ulimit -f 3 && exec "$0" "$@"', process.execPath, BIN, 'serve', '--listen', `127.0.0.1:${port}`], { cwd: REPO_ROOT, env: cliEnvironment(f), stdio: ['ignore', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  assert.ok(await eventually(() => /proxy listening/.test(stderr), 20_000), stderr);
  let calls = 0;
  const call = (): Promise<{ status: number; text: string }> => {
    calls++;
    return post(`${url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
  };
  let answered = 0;
  let refused = false;
  for (let i = 0; i < 40 && !refused; i++) {
    const r = await call();
    if (r.status === 200) answered++;
    else if (r.status === 503 && /audit journal cannot be written/.test(r.text)) refused = true;
    else assert.fail(`unexpected answer: ${r.status} ${r.text}`);
  }
  assert.ok(refused && answered > 0, `calls were refused once the file could not grow (answered ${answered})`);
  // From then on nothing is forwarded, and /healthz says why.
  odoo.clearReceived();
  for (let i = 0; i < 5; i++) assert.equal((await call()).status, 503);
  await sleep(1500); // past the journal's retry probe, which must fail too
  assert.equal((await call()).status, 503);
  assert.equal(odoo.received.filter((c) => c.function !== 'version').length, 0, 'nothing reached Odoo');
  const hz = await health(url);
  assert.equal(hz.status, 503);
  assert.equal(hz.body.checks.journal!.ok, false);
  assert.match(hz.body.checks.journal!.detail ?? '', /too large|EFBIG/i);
  // Every call is accounted for: its line is in the journal, whole and chained (the failed group
  // was cut back), or the log says its line could not be written (with the entry, never a secret).
  const lines = readJournal(join(f.state, 'journal'));
  for (let i = 1; i < lines.length; i++) assert.equal(lines[i]!.prev, lines[i - 1]!.hash);
  assert.ok(await eventually(() => lines.length + (stderr.match(/journal write failed; refusing calls until it recovers/g) ?? []).length === calls, 5000), `${lines.length} lines and ${(stderr.match(/journal write failed/g) ?? []).length} logged failures for ${calls} calls`);
  assert.ok(!stderr.includes(token.split('_')[2]!), 'no secret in the log');
});

describe('the registry under the running proxy: the last good one stays in force', () => {
  const cases: { what: string; breakIt: (path: string) => void; says: RegExp }[] = [
    { what: 'deleted', breakIt: (p) => rmSync(p), says: /disappeared/ },
    { what: 'truncated to nothing', breakIt: (p) => truncateSync(p, 0), says: /empty/ },
    { what: 'cut in the middle of a key', breakIt: (p) => writeFileSync(p, readFileSync(p, 'utf8').replace(/(\n {4}rules:)[\s\S]*$/, '$1\n      - model: res.partner\n        methods: [')), says: /not valid YAML|YAML/ },
    { what: 'replaced by a folder', breakIt: (p) => (rmSync(p), mkdirSync(p)), says: /EISDIR|illegal operation|directory/ },
    { what: 'replaced by a file of another version', breakIt: (p) => writeFileSync(p, readFileSync(p, 'utf8').replace(/^version: 1$/m, 'version: 2')), says: /unknown registry version/ },
  ];
  for (const c of cases) {
    test(`${c.what}: keys keep working as they were, /healthz reports it, and a good file is taken up again`, async () => {
      const h = await startHarness({ version: 19 });
      try {
        const { token } = await h.addKey({ rules: partnerRead });
        const { token: revoked, id: revokedId } = await h.addKey({ rules: partnerRead });
        await h.editKey(revokedId, (k) => {
          k.revoked = new Date().toISOString();
        });
        await h.proxy.reload();
        const path = registryPath(h.home);
        const good = readFileSync(path, 'utf8');
        c.breakIt(path);
        assert.ok(await eventually(async () => (await health(h.url)).body.checks.registry!.ok === false, 5000), 'the broken registry is reported');
        assert.match((await health(h.url)).body.checks.registry!.detail ?? '', c.says);
        assert.equal((await count(h, token)).status, 200, 'a key of the last good registry still works');
        assert.equal((await count(h, revoked)).status, 401, 'a key revoked in the last good registry stays revoked');
        await h.proxy.reload(); // SIGHUP: the same
        assert.equal((await count(h, token)).status, 200);
        assert.equal((await count(h, revoked)).status, 401);
        rmSync(path, { recursive: true, force: true });
        writeFileSync(path, good, { mode: 0o600 });
        assert.ok(await eventually(async () => (await health(h.url)).body.checks.registry!.ok, 5000), 'the good file is taken up again');
        assert.equal((await count(h, token)).status, 200);
      } finally {
        await h.close();
      }
    });
  }

  test('a reload right after a change puts that change in force, even while the watch is reading the file (a revocation is never undone by an older read)', async () => {
    const h = await startHarness({ version: 19 });
    try {
      const { token, id } = await h.addKey({ rules: partnerRead });
      // Revoke and reinstate in quick turns, each followed at once by a reload (SIGHUP), while the
      // watch reacts to the same writes: what is in force must be the file as last written.
      for (let i = 0; i < 40; i++) {
        const revoke = i % 2 === 0;
        await h.editKey(id, (k) => {
          if (revoke) k.revoked = new Date(Date.now() - 1000).toISOString();
          else delete k.revoked;
        });
        await h.proxy.reload();
        assert.equal((await count(h, token)).status, revoke ? 401 : 200, `turn ${i}: ${revoke ? 'revoked' : 'reinstated'}`);
      }
    } finally {
      await h.close();
    }
  });

  test('replaced whole by another valid file (a rename, as editors and config tools do): the new one is in force within a second or two', async () => {
    const h = await startHarness({ version: 19 });
    try {
      const { token, id } = await h.addKey({ rules: partnerRead });
      const path = registryPath(h.home);
      // The new version is prepared beside it, then renamed over it (a new file, not a write into the old one).
      const draft = join(h.home, 'draft', 'keys.yaml');
      mkdirSync(join(h.home, 'draft'));
      writeFileSync(draft, readFileSync(path));
      await new RegistryStore(draft).update((reg) => {
        reg.keys.find((k) => k.id === id)!.revoked = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      });
      renameSync(draft, path);
      assert.ok(await eventually(async () => (await count(h, token)).status === 401, 5000), 'the revocation in the replacing file took effect');
      assert.equal((await health(h.url)).body.checks.registry!.ok, true);
    } finally {
      await h.close();
    }
  });
});
