import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKeyFile, readUpstreamKey, SecretError, UPSTREAM_KEY_ENV } from '../../src/secrets/index.js';
import { REPO_ROOT } from '../support/cli.js';

const KEY = 'a1f0c3e2d4b5a6978899aabbccddeeff00112233';

function dir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'odoo-keys-secrets-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Runs fn with some environment variables set (and restores them). */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function isSecretError(code: string, re: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof SecretError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, re);
    assert.ok(!e.message.includes(KEY), 'the key is never in a message');
    return true;
  };
}

test('a key file with mode 0600 is read (trailing newline dropped); any other mode is refused, saying why', async (t) => {
  const d = dir(t);
  const file = join(d, 'prod.key');
  writeFileSync(file, `${KEY}\n`, { mode: 0o600 });
  assert.equal(await readKeyFile(file), KEY);
  for (const mode of [0o644, 0o640, 0o604, 0o660]) {
    chmodSync(file, mode);
    await assert.rejects(readKeyFile(file), isSecretError('key_file_insecure', new RegExp(`mode 0${mode.toString(8)}: others on this machine could read it.*chmod 600`)));
  }
  chmodSync(file, 0o400);
  assert.equal(await readKeyFile(file), KEY, 'read-only for the owner is fine');
});

test('key files that are empty, missing, a folder, or hold more than a key are refused', async (t) => {
  const d = dir(t);
  const empty = join(d, 'empty');
  writeFileSync(empty, '\n', { mode: 0o600 });
  await assert.rejects(readKeyFile(empty), isSecretError('key_file_unreadable', /is empty/));
  await assert.rejects(readKeyFile(join(d, 'missing')), isSecretError('key_file_unreadable', /ENOENT/));
  const folder = join(d, 'folder');
  mkdirSync(folder, { mode: 0o700 });
  await assert.rejects(readKeyFile(folder), isSecretError('key_file_unreadable', /not a regular file/));
  const two = join(d, 'two');
  writeFileSync(two, `${KEY}\nsomething else\n`, { mode: 0o600 });
  await assert.rejects(readKeyFile(two), isSecretError('key_file_unreadable', /only the key/));
});

test('lookup order: key file (given or recorded), then the environment variable (for profiles with key_source env or none), then the keychain', async (t) => {
  const d = dir(t);
  const file = join(d, 'prod.key');
  writeFileSync(file, 'from-the-file\n', { mode: 0o600 });
  await withEnv({ [UPSTREAM_KEY_ENV]: 'from-the-env', ODOO_KEYS_KEYCHAIN: 'off' }, async () => {
    assert.equal(await readUpstreamKey('prod', { keyFile: file }), 'from-the-file');
    assert.equal(await readUpstreamKey({ name: 'prod', key_file: file }), 'from-the-file');
    assert.equal(await readUpstreamKey('prod'), 'from-the-env');
    assert.equal(await readUpstreamKey({ name: 'prod', key_source: 'env' }), 'from-the-env');
    // The variable is not for a profile that records the keychain (it would be sent to that
    // profile's Odoo): the keychain is asked, and the error says the variable was not used.
    await assert.rejects(
      readUpstreamKey({ name: 'other', key_source: 'keychain' }),
      isSecretError('no_upstream_key', /ODOO_KEYS_UPSTREAM_KEY is set but not used: profile 'other' records key_source: keychain/),
    );
    await assert.rejects(readUpstreamKey({ name: 'other', key_source: 'file' }), isSecretError('no_upstream_key', /records key_source: file but no key_file/));
  });
  await withEnv({ [UPSTREAM_KEY_ENV]: '  \n', ODOO_KEYS_KEYCHAIN: 'off' }, async () => {
    await assert.rejects(readUpstreamKey('prod'), isSecretError('no_upstream_key', /keychain is disabled.*ODOO_KEYS_UPSTREAM_KEY.*--upstream-key-file/));
    await assert.rejects(readUpstreamKey({ name: 'prod', key_source: 'env' }), isSecretError('no_upstream_key', /takes its upstream key from ODOO_KEYS_UPSTREAM_KEY, which is not set/));
  });
});

/** Runs a snippet against the compiled secrets module in a child with the given environment. */
function inChild(code: string, env: Record<string, string | undefined>): { stdout: string; stderr: string; status: number | null } {
  const full = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete full[k];
    else full[k] = v;
  }
  const mod = join(REPO_ROOT, 'dist', 'src', 'secrets', 'index.js');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(mod)});\n${code}`], { env: full, encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

test('no keychain at all (no D-Bus session): the probe says why, and a lookup fails with the fallbacks named', () => {
  const noBus = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/odoo-keys-test-bus', ODOO_KEYS_KEYCHAIN: undefined, [UPSTREAM_KEY_ENV]: undefined };
  const probe = inChild('console.log(JSON.stringify(await m.probeKeychain()));', noBus);
  assert.equal(probe.status, 0, probe.stderr);
  const result = JSON.parse(probe.stdout) as { ok: boolean; reason?: string };
  assert.equal(result.ok, false);
  assert.ok(result.reason && result.reason.length > 5, `a reason: ${result.reason}`);

  const lookup = inChild("try { await m.readUpstreamKey('prod'); console.log('found'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }", noBus);
  const err = JSON.parse(lookup.stdout) as { code: string; message: string };
  assert.equal(err.code, 'keychain_unavailable');
  assert.match(err.message, /OS keychain could not be used/);
  assert.match(err.message, /ODOO_KEYS_UPSTREAM_KEY/);
  assert.match(err.message, /--upstream-key-file/);

  const disabled = inChild('console.log(JSON.stringify(await m.probeKeychain()));', { ODOO_KEYS_KEYCHAIN: 'off' });
  assert.deepEqual(JSON.parse(disabled.stdout), { ok: false, reason: 'disabled by ODOO_KEYS_KEYCHAIN=off' });
});
