import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RegistryStore } from '../../src/registry/store.js';
import { parseToken, secretMatches } from '../../src/registry/keys.js';
import { BIN, REPO_ROOT, cliEnvironment, foldersWithRegistry, json, runCli } from '../support/cli.js';

const PROFILE = `version: 1
profiles:
  prod:
    url: http://127.0.0.1:9
    db: acme
    login: integration@acme.com
keys: []
`;

test('50 create commands started at once leave 50 keys, each token matching its hash, and a valid file', async (t) => {
  const f = foldersWithRegistry(t, PROFILE);
  const runs = await Promise.all(
    Array.from({ length: 50 }, (_, i) => runCli(f, ['create', ...(i % 2 ? [] : [`parallel-${i}`]), '--model', 'crm.lead', '--method', 'create', '--offline', '--json'])),
  );
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  const reg = await new RegistryStore(join(f.home, 'keys.yaml')).read();
  assert.equal(reg.keys.length, 50);
  assert.equal(new Set(reg.keys.map((k) => k.id)).size, 50);
  assert.equal(new Set(reg.keys.map((k) => k.name)).size, 50);
  for (const r of runs) {
    const out = json(r);
    const parsed = parseToken(out.token);
    assert.ok(parsed);
    const stored = reg.keys.find((k) => k.id === parsed.id);
    assert.ok(stored, `key ${parsed.id} is in the file`);
    assert.equal(secretMatches(parsed.secret, stored.hash), true);
    assert.equal(stored.name, out.key.name);
  }
  // The 25 unnamed keys got distinct generated names.
  assert.equal(reg.keys.filter((k) => k.name.startsWith('crm-lead-create')).length, 25);
  assert.equal(statSync(join(f.home, 'keys.yaml')).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(f.home).sort(), ['keys.yaml']);
});

test('kill -9 in the middle of a write leaves the registry as it was; the next write recovers the lock and cleans up', async (t) => {
  const f = foldersWithRegistry(t, PROFILE);
  const file = f.registryFile;
  const first = await runCli(f, ['create', 'before', '--model', 'crm.lead', '--method', 'read', '--offline']);
  assert.equal(first.code, 0, first.stderr);
  const good = readFileSync(file, 'utf8');

  // A create that stops half way through writing its temporary file (test hook), then dies.
  const marker = join(f.state, 'paused');
  mkdirSync(f.state, { recursive: true });
  const child = spawn(process.execPath, [BIN, 'create', 'doomed', '--model', 'crm.lead', '--method', 'read', '--offline'], {
    cwd: REPO_ROOT,
    env: cliEnvironment({ ...f, env: { ODOO_KEYS_TEST_PAUSE_WRITE: marker } }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (existsSync(marker)) {
        clearInterval(poll);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(poll);
        reject(new Error(`the writer exited early: ${stderr}`));
      }
    }, 20);
  });
  assert.equal(readFileSync(marker, 'utf8'), String(child.pid));
  const leftovers = readdirSync(f.home).filter((n) => n.endsWith('.tmp'));
  assert.equal(leftovers.length, 1, 'a half-written temporary file exists');
  assert.ok(existsSync(`${file}.lock`), 'the writer holds the lock');
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');

  // The registry is the old one, intact; the lock and the temporary file are left behind.
  assert.equal(readFileSync(file, 'utf8'), good);
  assert.deepEqual((await new RegistryStore(file).read()).keys.map((k) => k.name), ['before']);
  assert.ok(existsSync(`${file}.lock`));

  // The next command sees the lock's owner is dead, takes over, and removes the leftovers.
  const after = await runCli(f, ['create', 'after', '--model', 'crm.lead', '--method', 'read', '--offline']);
  assert.equal(after.code, 0, after.stderr);
  assert.deepEqual((await new RegistryStore(file).read()).keys.map((k) => k.name), ['before', 'after']);
  assert.deepEqual(readdirSync(f.home), ['keys.yaml']);
});
