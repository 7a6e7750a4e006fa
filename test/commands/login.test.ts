import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json, runCli, tempFolders } from '../support/cli.js';
import { startMiniOdoo } from '../support/mini-odoo.js';

const KEY = 'upstream-test-key-0000000000000000000000';

async function setup(t: { after: (fn: () => unknown) => void }, version: 18 | 19 = 18) {
  const f = tempFolders();
  t.after(f.cleanup);
  const odoo = await startMiniOdoo({ version, key: KEY });
  t.after(() => odoo.close());
  mkdirSync(f.state, { recursive: true });
  const keyFile = join(f.state, 'prod.key');
  writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
  const base = ['--url', odoo.url, '--db', 'acme', '--user', 'integration@acme.com'];
  return { f, odoo, keyFile, base };
}

function assertNoKey(...texts: string[]): void {
  for (const t of texts) assert.ok(!t.includes(KEY), 'the upstream key is never printed or stored');
}

test('login with a 0600 key file: verified against Odoo, profile stored with where the key is, never the key', async (t) => {
  const { f, odoo, keyFile, base } = await setup(t);
  const r = await runCli(f, ['login', 'prod', ...base, '--upstream-key-file', keyFile, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(json(r), {
    profile: 'prod',
    url: odoo.url,
    db: 'acme',
    login: 'integration@acme.com',
    verified: true,
    uid: 7,
    version: 18,
    protocol: null,
    preconnect: false,
    key_source: 'file',
    key_file: keyFile,
    keychain_account: null,
    default: true,
    warnings: [],
  });
  assert.deepEqual(odoo.calls.map((c) => `${c.service}.${c.method}`), ['common.version', 'common.authenticate']);
  const yaml = readFileSync(join(f.home, 'keys.yaml'), 'utf8');
  assert.match(yaml, /default_profile: prod/);
  assert.match(yaml, new RegExp(`key_file: ${keyFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  assertNoKey(r.stdout, r.stderr, yaml);

  // Human output says where the key is.
  const again = await runCli(f, ['login', 'prod', '--upstream-key-file', keyFile]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /Profile prod \(default\): .* database acme as integration@acme\.com \(uid 7, Odoo 18\)/);
  assert.match(again.stdout, new RegExp(`read from ${keyFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} when needed`));
});

test('login: a second profile is not the default unless --default; Odoo 19 is recognised', async (t) => {
  const { f, keyFile, base } = await setup(t, 19);
  assert.equal((await runCli(f, ['login', 'prod', ...base, '--upstream-key-file', keyFile])).code, 0);
  const staging = await runCli(f, ['login', 'staging', ...base, '--upstream-key-file', keyFile, '--json']);
  assert.equal(json(staging).default, false);
  assert.equal(json(staging).version, 19);
  const promoted = await runCli(f, ['login', 'staging', '--default', '--upstream-key-file', keyFile, '--json']);
  assert.equal(json(promoted).default, true);
  assert.match(readFileSync(join(f.home, 'keys.yaml'), 'utf8'), /default_profile: staging/);
});

test('login with the key in ODOO_KEYS_UPSTREAM_KEY records key_source env', async (t) => {
  const { f, base } = await setup(t);
  const r = await runCli({ ...f, env: { ODOO_KEYS_UPSTREAM_KEY: KEY } }, ['login', 'prod', ...base, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(json(r).key_source, 'env');
  const yaml = readFileSync(join(f.home, 'keys.yaml'), 'utf8');
  assert.match(yaml, /key_source: env/);
  assertNoKey(r.stdout, r.stderr, yaml);
});

test('login refuses a key file others can read (exit 6), and writes nothing', async (t) => {
  const { f, odoo, keyFile, base } = await setup(t);
  chmodSync(keyFile, 0o644);
  const r = await runCli(f, ['login', 'prod', ...base, '--upstream-key-file', keyFile]);
  assert.equal(r.code, 6);
  assert.match(r.stderr, /has mode 0644: others on this machine could read it; it must be readable by its owner only \(chmod 600 /);
  assert.equal(odoo.calls.length, 0);
  assert.throws(() => readFileSync(join(f.home, 'keys.yaml')));
});

test('login: a wrong key, a wrong database or an unreachable Odoo is exit 6 and stores nothing', async (t) => {
  const { f, odoo, base } = await setup(t);
  const wrong = await runCli({ ...f, env: { ODOO_KEYS_UPSTREAM_KEY: 'not-the-key' } }, ['login', 'prod', ...base, '--json']);
  assert.equal(wrong.code, 6);
  assert.deepEqual(json(wrong), { error: { code: 'upstream_refused', message: `Odoo at ${odoo.url} refused login 'integration@acme.com' on database 'acme' with this API key` } });

  const wrongDb = await runCli({ ...f, env: { ODOO_KEYS_UPSTREAM_KEY: KEY } }, ['login', 'prod', '--url', odoo.url, '--db', 'no_such_db', '--user', 'integration@acme.com']);
  assert.equal(wrongDb.code, 6);
  assert.match(wrongDb.stderr, /database "no_such_db" does not exist/);

  const down = await runCli({ ...f, env: { ODOO_KEYS_UPSTREAM_KEY: KEY } }, ['login', 'prod', '--url', 'http://127.0.0.1:9', '--db', 'acme', '--user', 'x']);
  assert.equal(down.code, 6);
  assert.match(down.stderr, /cannot reach Odoo at http:\/\/127\.0\.0\.1:9/);
  assertNoKey(wrong.stdout, wrong.stderr, wrongDb.stderr, down.stderr);
  assert.throws(() => readFileSync(join(f.home, 'keys.yaml')));

  // --no-verify stores without asking Odoo.
  const before = odoo.calls.length;
  const unverified = await runCli({ ...f, env: { ODOO_KEYS_UPSTREAM_KEY: 'anything' } }, ['login', 'prod', ...base, '--no-verify', '--json']);
  assert.equal(unverified.code, 0, unverified.stderr);
  assert.equal(json(unverified).verified, false);
  assert.equal(json(unverified).uid, null);
  assert.equal(odoo.calls.length, before);
});

test('login without a terminal: a missing value is an error naming its flag (exit 2)', async (t) => {
  const { f, odoo, keyFile } = await setup(t);
  const cases: Array<[string[], RegExp]> = [
    [['login', 'prod', '--db', 'acme', '--user', 'u', '--upstream-key-file', keyFile], /missing --url \(no terminal to ask on\)/],
    [['login', 'prod', '--url', odoo.url, '--user', 'u', '--upstream-key-file', keyFile], /missing --db/],
    [['login', 'prod', '--url', odoo.url, '--db', 'acme', '--upstream-key-file', keyFile], /missing --user/],
    [['login', 'prod', '--url', odoo.url, '--db', 'acme', '--user', 'u'], /missing the upstream API key \(no terminal to ask on\): pipe it with --upstream-key-stdin, give --upstream-key-file PATH \(mode 0600\), or set ODOO_KEYS_UPSTREAM_KEY/],
    [['login', 'prod', '--url', 'ftp://x', '--db', 'acme', '--user', 'u', '--upstream-key-file', keyFile], /--url: 'ftp:\/\/x' must start with https:\/\/ or http:\/\//],
    [['login', 'bad name', '--url', odoo.url, '--db', 'acme', '--user', 'u', '--upstream-key-file', keyFile], /'bad name' is not a valid profile name/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(f, args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    const j = await runCli(f, [...args, '--json']);
    assert.equal(j.code, 2);
    assert.match(json(j).error.message, re);
  }
  assert.equal(odoo.calls.length, 0);
});

test('login --upstream-key-stdin without a usable keychain says so and names the headless fallbacks (exit 6)', async (t) => {
  const { f, odoo, base } = await setup(t);
  const noBus = { ODOO_KEYS_KEYCHAIN: undefined, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/odoo-keys-test-bus' };
  for (const env of [noBus, { ODOO_KEYS_KEYCHAIN: 'off' }]) {
    const r = await runCli({ ...f, env }, ['login', 'prod', ...base, '--upstream-key-stdin'], `${KEY}\n`);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /no OS keychain is usable here \(.+\)\. On a machine without one, keep the key in a file only you can read and pass --upstream-key-file PATH \(chmod 600 PATH\), or set ODOO_KEYS_UPSTREAM_KEY/);
    assertNoKey(r.stdout, r.stderr);
  }
  assert.equal(odoo.calls.length, 0, 'nothing is sent to Odoo before the key has somewhere to go');
});

const KEYRING_SKIP =
  process.env.ODOO_KEYS_TEST_KEYRING === '1'
    ? false
    : 'no Secret Service for this run: ODOO_KEYS_TEST_KEYRING=1 is set by scripts/test.mjs inside dbus-run-session with gnome-keyring';

test('login --upstream-key-stdin stores the key in the real keychain (secret-tool finds it), not in keys.yaml', { skip: KEYRING_SKIP }, async (t) => {
  const { f, base } = await setup(t);
  const profile = `login-${randomBytes(4).toString('hex')}`;
  const env = { ODOO_KEYS_KEYCHAIN: undefined };
  const r = await runCli({ ...f, env }, ['login', profile, ...base, '--upstream-key-stdin', '--json'], `${KEY}\n`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(json(r).key_source, 'keychain');
  // The account is this registry's own: the profile name and a random id, recorded in keys.yaml.
  const account = json(r).keychain_account as string;
  t.after(() => spawnSync('secret-tool', ['clear', 'service', 'odoo-keys', 'username', account]));
  assert.match(account, new RegExp(`^${profile}:[0-9a-f]{16}$`));
  const found = spawnSync('secret-tool', ['lookup', 'service', 'odoo-keys', 'username', account], { encoding: 'utf8' });
  assert.equal(found.stdout, KEY);
  const yaml = readFileSync(join(f.home, 'keys.yaml'), 'utf8');
  assert.match(yaml, /key_source: keychain/);
  assert.ok(yaml.includes(`keychain_account: ${account}`), yaml);
  assertNoKey(r.stdout, r.stderr, yaml);

  // create finds the key in the keychain and checks the scope against Odoo with it.
  const c = await runCli({ ...f, env }, ['create', '--model', 'crm.leed', '--method', 'read']);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /crm\.leed: no such model, did you mean crm\.lead\?/);
});

test("an older profile moved off the keychain where the keychain cannot be read: the bare name's entry is neither deleted nor recorded (it may be another registry's)", async (t) => {
  const f = tempFolders();
  t.after(f.cleanup);
  mkdirSync(f.home, { recursive: true });
  writeFileSync(join(f.home, 'keys.yaml'), 'version: 1\nprofiles:\n  prod:\n    url: https://acme.example\n    db: acme\n    login: i\n    key_source: keychain\nkeys: []\n', { mode: 0o600 });
  const r = await runCli({ home: f.home, state: f.state, env: { ODOO_KEYS_KEYCHAIN: 'off', ODOO_KEYS_UPSTREAM_KEY: 'KEY-OF-A' } }, ['login', 'prod', '--no-verify', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match((json(r).warnings as string[]).join('\n'), /left the OS keychain entry of the bare name 'prod' .* alone: the keychain could not be read here/);
  const yaml = readFileSync(join(f.home, 'keys.yaml'), 'utf8');
  assert.doesNotMatch(yaml, /keychain_account/, 'the shared bare name is never recorded as this registry\'s account');
  assert.match(yaml, /key_source: env/);
});
