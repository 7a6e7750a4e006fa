// The registry under a crowd of writers, while a proxy watches it: 50 CLI writers of every kind
// at once all land, the file stays valid throughout, and the proxy ends with exactly their
// result. test/registry/concurrency.test.ts covers 50 creates alone without a proxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { registryPath } from '../../src/registry/paths.js';
import { partnerRead, startWatchedHarness, status } from './registry-watch.js';
import { parseRegistry } from '../../src/registry/store.js';
import { parseToken, secretMatches } from '../../src/registry/keys.js';
import { json, runCli } from '../support/cli.js';


test('50 CLI writers at once (create, rotate, revoke, scope): every change lands, the file stays valid throughout, and the proxy ends with exactly their result', async () => {
  const { h, problems } = await startWatchedHarness();
  try {
    // 50 processes on a small machine queue a while for the lock: give them longer than the default 30 s.
    const ctx = { home: h.home, state: h.stateDir, env: { ODOO_KEYS_LOCK_TIMEOUT_MS: '120000' } };
    const existing: { token: string; id: string; name: string }[] = [];
    for (let i = 0; i < 30; i++) existing.push(await h.addKey({ name: `pre-${i}`, rules: partnerRead }));
    const jobs: { kind: string; index: number; args: string[] }[] = [];
    for (let i = 0; i < 20; i++) jobs.push({ kind: 'create', index: i, args: ['create', `new-${i}`, '--scope', 'res.partner:read(name)', '--offline', '--json'] });
    for (let i = 0; i < 10; i++) jobs.push({ kind: 'rotate', index: i, args: ['rotate', existing[i]!.name, '--json'] });
    for (let i = 10; i < 20; i++) jobs.push({ kind: 'revoke', index: i, args: ['revoke', existing[i]!.name, '--yes', '--json'] });
    for (let i = 20; i < 30; i++) jobs.push({ kind: 'scope', index: i, args: ['scope', existing[i]!.name, '--add', 'crm.lead:read(name)', '--offline', '--json'] });
    const runs = await Promise.all(jobs.map((j) => runCli(ctx, j.args)));
    runs.forEach((r, i) => assert.equal(r.code, 0, `${jobs[i]!.args.join(' ')}: ${r.stdout} ${r.stderr}`));
    assert.deepEqual(problems, [], 'the running proxy never saw a broken registry');

    const text = readFileSync(registryPath(h.home), 'utf8');
    const { registry } = parseRegistry(text, 'keys.yaml');
    assert.equal(registry.keys.length, 50);
    const byName = new Map(registry.keys.map((k) => [k.name, k]));
    const created: string[] = [];
    const rotated: string[] = [];
    jobs.forEach((j, i) => {
      const out = json<{ token?: string }>(runs[i]!);
      if (j.kind === 'create') {
        const k = byName.get(`new-${j.index}`)!;
        assert.ok(k, `new-${j.index} is in the file`);
        const p = parseToken(out.token!)!;
        assert.equal(p.id, k.id);
        assert.equal(secretMatches(p.secret, k.hash), true);
        created.push(out.token!);
      } else if (j.kind === 'rotate') {
        const k = byName.get(existing[j.index]!.name)!;
        assert.equal(secretMatches(parseToken(out.token!)!.secret, k.hash), true, `${k.name}: the stored hash is the new secret's`);
        rotated.push(out.token!);
      } else if (j.kind === 'revoke') {
        assert.ok(byName.get(existing[j.index]!.name)!.revoked, `${existing[j.index]!.name} is revoked`);
      } else {
        assert.ok(byName.get(existing[j.index]!.name)!.rules.some((r) => r.model === 'crm.lead'), `${existing[j.index]!.name} gained its rule`);
      }
    });
    assert.deepEqual(readdirSync(h.home).filter((n) => n !== 'keys.yaml'), [], 'no lock or temporary file left');

    // The proxy (watching, no reload asked) ends with exactly that registry.
    let settled = false;
    for (let i = 0; i < 50 && !settled; i++) {
      settled = (await status(h, created[19]!)) === 200 && (await status(h, existing[10]!.token)) === 401;
      if (!settled) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(settled, 'the proxy took up the final registry by itself');
    for (const t of created) assert.equal(await status(h, t), 200);
    for (const t of rotated) assert.equal(await status(h, t), 200);
    for (let i = 0; i < 10; i++) assert.equal(await status(h, existing[i]!.token), 401, 'an old secret stops at rotation');
    for (let i = 10; i < 20; i++) assert.equal(await status(h, existing[i]!.token), 401, 'revoked');
    for (let i = 20; i < 30; i++) assert.equal(await status(h, existing[i]!.token), 200, 'scope changed, key alive');
  } finally {
    await h.close();
  }
});
