// The real OS keychain: the Secret Service on D-Bus (gnome-keyring here). scripts/test.mjs runs
// the tests inside `dbus-run-session` with an unlocked throw-away keyring and sets
// ODOO_KEYS_TEST_KEYRING=1; without it these tests are skipped, saying why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { json, runCli, tempFolders } from '../support/cli.js';
import { deleteUpstreamKey, probeKeychain, readUpstreamKey, storeUpstreamKey, SecretError, KEYCHAIN_SERVICE, UPSTREAM_KEY_ENV } from '../../src/secrets/index.js';

const SKIP =
  process.env.ODOO_KEYS_TEST_KEYRING === '1'
    ? false
    : 'no Secret Service for this run: ODOO_KEYS_TEST_KEYRING=1 is set by scripts/test.mjs when dbus-run-session and gnome-keyring-daemon are installed (apt-get install -y gnome-keyring dbus libsecret-tools)';

/** What the Secret Service holds, asked with libsecret's own tool (attributes service and username). */
function secretTool(...args: string[]): { status: number | null; stdout: string } {
  const r = spawnSync('secret-tool', args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout };
}

test('the real keychain: store, read through odoo-keys and through secret-tool, delete', { skip: SKIP }, async () => {
  const saved = { kc: process.env.ODOO_KEYS_KEYCHAIN, env: process.env[UPSTREAM_KEY_ENV] };
  delete process.env.ODOO_KEYS_KEYCHAIN;
  delete process.env[UPSTREAM_KEY_ENV];
  const profile = `test-${randomBytes(4).toString('hex')}`;
  const key = randomBytes(20).toString('hex');
  try {
    assert.deepEqual(await probeKeychain(), { ok: true });
    await storeUpstreamKey(profile, key);
    assert.equal(await readUpstreamKey(profile), key);
    assert.equal(await readUpstreamKey({ name: profile, key_source: 'keychain' }), key);
    // It really is in the Secret Service, under service odoo-keys and the profile as account.
    const found = secretTool('lookup', 'service', KEYCHAIN_SERVICE, 'username', profile);
    assert.equal(found.status, 0);
    assert.equal(found.stdout, key);
    // Storing again replaces it.
    const key2 = randomBytes(20).toString('hex');
    await storeUpstreamKey(profile, key2);
    assert.equal(secretTool('lookup', 'service', KEYCHAIN_SERVICE, 'username', profile).stdout, key2);

    assert.equal(await deleteUpstreamKey(profile), true);
    assert.equal(await deleteUpstreamKey(profile), false);
    assert.notEqual(secretTool('lookup', 'service', KEYCHAIN_SERVICE, 'username', profile).status, 0);
    await assert.rejects(readUpstreamKey(profile), (e: unknown) => e instanceof SecretError && e.code === 'no_upstream_key' && e.message.includes(`odoo-keys login ${profile}`));
    // This process's probe leaves nothing behind. Other test files share the Secret Service and
    // probe it at the same moment from their own processes: their entry, still in use, is not a leftover.
    const left = spawnSync('secret-tool', ['search', '--all', 'service', KEYCHAIN_SERVICE], { encoding: 'utf8' });
    assert.ok(!new RegExp(`username = probe-${process.pid}-`).test(left.stdout + left.stderr), left.stdout);
  } finally {
    await deleteUpstreamKey(profile).catch(() => undefined);
    if (saved.kc !== undefined) process.env.ODOO_KEYS_KEYCHAIN = saved.kc;
    if (saved.env !== undefined) process.env[UPSTREAM_KEY_ENV] = saved.env;
  }
});

test('a keychain library that cannot be loaded: keychain_unavailable where the keychain is needed, nothing elsewhere', async (t) => {
  // @napi-rs/keyring is a native module (a prebuilt binary per platform) and is loaded only when the
  // keychain is used. A platform without a binary must not break the commands that never touch it.
  const ctx = tempFolders();
  t.after(ctx.cleanup);
  // A module resolve hook, loaded with --import, that refuses @napi-rs/keyring as a missing binary would.
  const hooks = join(dirname(ctx.home), 'no-keyring.mjs');
  writeFileSync(
    hooks,
    [
      "import { register } from 'node:module';",
      "register('data:text/javascript,' + encodeURIComponent(`export async function resolve(spec, ctx, next) {",
      "  if (spec === '@napi-rs/keyring') throw Object.assign(new Error('no prebuilt binary for this platform (test)'), { code: 'ERR_MODULE_NOT_FOUND' });",
      '  return next(spec, ctx);',
      '}`));',
    ].join('\n'),
  );
  const env = { NODE_OPTIONS: `--import=${pathToFileURL(hooks).href}`, ODOO_KEYS_KEYCHAIN: undefined };
  const listed = await runCli({ ...ctx, env }, ['list', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(json(listed), { keys: [] });
  const login = await runCli({ ...ctx, env }, ['login', 'p', '--url', 'http://127.0.0.1:9', '--db', 'd', '--user', 'u', '--upstream-key-stdin', '--no-verify', '--json'], 'not-a-real-key\n');
  assert.equal(login.code, 6, login.stdout + login.stderr);
  const err = json(login).error;
  assert.equal(err.code, 'keychain_unavailable');
  assert.match(err.message, /no prebuilt binary for this platform \(test\)/);
  assert.ok(!err.message.includes('not-a-real-key'));
});

test('the real keychain: $ODOO_KEYS_UPSTREAM_KEY does not override a profile that records key_source: keychain', { skip: SKIP }, async () => {
  // One variable, several profiles: sent to every profile's Odoo it would hand one customer's key
  // to another's server. It is for profiles with key_source env or none only.
  const saved = { kc: process.env.ODOO_KEYS_KEYCHAIN, env: process.env[UPSTREAM_KEY_ENV] };
  delete process.env.ODOO_KEYS_KEYCHAIN;
  process.env[UPSTREAM_KEY_ENV] = 'SECRET-OF-PROFILE-PROD';
  const other = { name: `other-${randomBytes(4).toString('hex')}`, key_source: 'keychain' as const };
  const withAccount = { ...other, keychain_account: `${other.name}:${randomBytes(8).toString('hex')}` };
  const key = randomBytes(20).toString('hex');
  try {
    await storeUpstreamKey(withAccount, key);
    assert.equal(secretTool('lookup', 'service', KEYCHAIN_SERVICE, 'username', withAccount.keychain_account).stdout, key);
    assert.equal(await readUpstreamKey(withAccount), key);
    // Recorded account, nothing there: an error naming the account, not the variable's key.
    await deleteUpstreamKey(withAccount);
    await assert.rejects(readUpstreamKey(withAccount), (e: unknown) => e instanceof SecretError && e.code === 'no_upstream_key' && e.message.includes(`account ${withAccount.keychain_account}`) && e.message.includes('is set but not used'));
    // A profile stored before accounts were recorded reads the bare name.
    await storeUpstreamKey(other.name, key);
    assert.equal(await readUpstreamKey(other), key);
    // key_source env, or none recorded: the variable.
    assert.equal(await readUpstreamKey({ name: other.name, key_source: 'env' }), 'SECRET-OF-PROFILE-PROD');
    assert.equal(await readUpstreamKey({ name: other.name }), 'SECRET-OF-PROFILE-PROD');
  } finally {
    await deleteUpstreamKey(withAccount).catch(() => undefined);
    await deleteUpstreamKey(other.name).catch(() => undefined);
    if (saved.kc !== undefined) process.env.ODOO_KEYS_KEYCHAIN = saved.kc;
    if (saved.env !== undefined) process.env[UPSTREAM_KEY_ENV] = saved.env;
    else delete process.env[UPSTREAM_KEY_ENV];
  }
});
