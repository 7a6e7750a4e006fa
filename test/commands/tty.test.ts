// Prompts on a real (pseudo-)terminal: they appear only there, and answer what the flags would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { foldersWithRegistry, PTY_SKIP, runCliInPty, tempFolders } from '../support/cli.js';
import { RegistryStore } from '../../src/registry/store.js';
import { startMiniOdoo } from '../support/mini-odoo.js';

const KEY = 'upstream-test-key-0000000000000000000000';
const ENTER = '\r';

function setup(t: { after: (fn: () => unknown) => void }) {
  const f = foldersWithRegistry(
    t,
    `version: 1\nprofiles:\n  prod: { url: "http://127.0.0.1:9", db: acme, login: i@acme.com }\nkeys:\n  - { id: "10000001", name: a, profile: prod, hash: "sha256:${'1'.repeat(64)}", created: "2026-11-28T10:00:00Z", rules: [] }\n`,
  );
  return { f, store: new RegistryStore(f.registryFile) };
}

test('revoke on a terminal asks first: no keeps the key, yes revokes it', { skip: PTY_SKIP }, async (t) => {
  const { f, store } = setup(t);
  const no = await runCliInPty(f, ['revoke', 'a'], [{ expect: 'Revoke key a (10000001)?', send: `n${ENTER}` }]);
  assert.equal(no.code, 2, no.stdout);
  assert.equal((await store.read()).keys[0]!.revoked, undefined);
  const yes = await runCliInPty(f, ['revoke', 'a'], [{ expect: 'Revoke key a (10000001)?', send: `y${ENTER}` }]);
  assert.equal(yes.code, 0, yes.stdout);
  assert.match(yes.stdout, /Revoked key a \(10000001\)/);
  assert.ok((await store.read()).keys[0]!.revoked);
});

test('create on a terminal asks for the scope and the name when they are not given', { skip: PTY_SKIP }, async (t) => {
  const { f, store } = setup(t);
  const r = await runCliInPty(f, ['create', '--offline'], [
    { expect: 'Model', send: `res.partner${ENTER}` },
    { expect: 'Methods', send: `read${ENTER}` },
    { expect: 'Key name:', send: `from-the-terminal${ENTER}` },
  ]);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /Created key from-the-terminal/);
  const key = (await store.read()).keys.find((k) => k.name === 'from-the-terminal');
  assert.deepEqual(key?.rules, [{ model: 'res.partner', methods: ['read'] }]);
});

test('login on a terminal asks for url, database and user; without a keychain it stops before asking for the key', { skip: PTY_SKIP }, async (t) => {
  const f = tempFolders();
  t.after(f.cleanup);
  const r = await runCliInPty({ ...f, env: { ODOO_KEYS_KEYCHAIN: 'off' } }, ['login', 'prod'], [
    { expect: 'Odoo URL', send: `https://acme.odoo.com${ENTER}` },
    { expect: 'Database:', send: `acme${ENTER}` },
    { expect: 'Login of the integration user:', send: `i@acme.com${ENTER}` },
  ]);
  assert.equal(r.code, 6, r.stdout);
  assert.match(r.stdout, /no OS keychain is usable here/);
  assert.ok(!r.stdout.includes('API key of'), 'the key is not asked for');
});

test('login on a terminal asks for the key with a masked prompt and stores it in the real keychain', { skip: PTY_SKIP || (process.env.ODOO_KEYS_TEST_KEYRING === '1' ? false : 'no Secret Service for this run (ODOO_KEYS_TEST_KEYRING=1 is set by scripts/test.mjs)') }, async (t) => {
  const f = tempFolders();
  t.after(f.cleanup);
  const odoo = await startMiniOdoo({ key: KEY });
  t.after(() => odoo.close());
  const profile = `tty-${randomBytes(4).toString('hex')}`;
  const r = await runCliInPty({ ...f, env: { ODOO_KEYS_KEYCHAIN: undefined } }, ['login', profile, '--url', odoo.url, '--db', 'acme', '--user', 'integration@acme.com'], [
    { expect: 'API key of integration@acme.com:', send: `${KEY}${ENTER}` },
  ]);
  assert.equal(r.code, 0, r.stdout);
  assert.ok(!r.stdout.includes(KEY), 'the key is not echoed');
  assert.ok(r.stdout.includes('*'.repeat(8)), 'a mask is shown');
  const yaml = readFileSync(join(f.home, 'keys.yaml'), 'utf8');
  const account = new RegExp(`keychain_account: (${profile}:[0-9a-f]{16})`).exec(yaml)?.[1];
  assert.ok(account, yaml);
  t.after(() => spawnSync('secret-tool', ['clear', 'service', 'odoo-keys', 'username', account]));
  assert.equal(spawnSync('secret-tool', ['lookup', 'service', 'odoo-keys', 'username', account], { encoding: 'utf8' }).stdout, KEY);
  assert.ok(!yaml.includes(KEY));
});
