// The registry under writers that die, while a proxy watches it: `kill -9` in the middle of
// rotate, revoke, scope and create leaves the file exactly as it was, and the proxy never sees a
// half-written one. test/registry/concurrency.test.ts covers create alone without a proxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { registryPath } from '../../src/registry/paths.js';
import { partnerRead, startWatchedHarness, status } from './registry-watch.js';
import { BIN, REPO_ROOT, cliEnvironment, json, runCli } from '../support/cli.js';


test('kill -9 in the middle of rotate, revoke, scope and create: the registry is as it was, the proxy never saw a broken file, and the next write recovers', async () => {
  const { h, problems } = await startWatchedHarness();
  try {
    const ctx = { home: h.home, state: h.stateDir, env: { ODOO_KEYS_LOCK_TIMEOUT_MS: '120000' } };
    const { token, name } = await h.addKey({ name: 'victim', rules: partnerRead });
    const path = registryPath(h.home);
    const commands: [string, string[]][] = [
      ['rotate', ['rotate', name]],
      ['revoke', ['revoke', name, '--yes']],
      ['scope', ['scope', name, '--add', 'crm.lead:read(name)', '--offline']],
      ['create', ['create', 'newcomer', '--model', 'crm.lead', '--method', 'read', '--offline']],
    ];
    for (const [what, args] of commands) {
      const good = readFileSync(path, 'utf8');
      const marker = join(h.stateDir, `paused-${what}`);
      mkdirSync(h.stateDir, { recursive: true });
      const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: cliEnvironment({ ...ctx, env: { ...ctx.env, ODOO_KEYS_TEST_PAUSE_WRITE: marker } }), stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, signal) => resolve(signal)));
      const deadline = Date.now() + 120_000; // generous: other tests may be starting 50 processes at once
      while (!existsSync(marker)) {
        if (child.exitCode !== null || Date.now() > deadline) assert.fail(`${what} did not reach the middle of its write (exit ${child.exitCode}): ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(readdirSync(h.home).filter((n) => n.endsWith('.tmp')).length, 1, `${what}: a half-written temporary file exists`);
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 600)); // past the watch's poll: it would have seen a change by now
      assert.equal(readFileSync(path, 'utf8'), good, `${what}: the registry is byte for byte as it was`);
      assert.deepEqual(problems, [], `${what}: the running proxy never saw a broken registry`);
      assert.equal(await status(h, token), 200, `${what}: the key still works as before`);
    }
    // The next writer finds the dead holder's lock and temporary file, takes over and cleans up.
    const rotated = await runCli(ctx, ['rotate', name, '--json']);
    assert.equal(rotated.code, 0, rotated.stderr);
    const fresh = json<{ token: string }>(rotated).token;
    assert.deepEqual(readdirSync(h.home).filter((n) => n !== 'keys.yaml'), [], 'no lock or temporary file left');
    await h.proxy.reload();
    assert.equal(await status(h, fresh), 200);
    assert.equal(await status(h, token), 401);
  } finally {
    await h.close();
  }
});
