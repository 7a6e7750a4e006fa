import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { foldersWithRegistry, json, runCli } from '../support/cli.js';

test('profiles lists connections and where each upstream key is; logout --forget removes an unused profile only', async (t) => {
  const f = foldersWithRegistry(
    t,
    `version: 1
default_profile: prod
profiles:
  prod: { url: "https://acme.odoo.com", db: acme, login: i@acme.com, version: 18, uid: 7, key_source: file, key_file: /etc/odoo-keys/prod.key }
  staging: { url: "https://staging.acme.com", db: staging, login: i@acme.com, key_source: env }
  hand: { url: "https://hand.acme.com", db: hand, login: i@acme.com, key_source: none, key_file: /etc/odoo-keys/hand.key }
keys:
  - { id: "10000001", name: a, profile: prod, hash: "sha256:${'1'.repeat(64)}", created: "2026-11-28T10:00:00Z", rules: [] }
`,
  );
  const file = f.registryFile;
  const r = await runCli(f, ['profiles', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(json(r), {
    profiles: [
      { name: 'prod', url: 'https://acme.odoo.com', db: 'acme', login: 'i@acme.com', default: true, version: 18, uid: 7, protocol: null, preconnect: true, key_source: 'file', key_file: '/etc/odoo-keys/prod.key', keys: 1 },
      { name: 'staging', url: 'https://staging.acme.com', db: 'staging', login: 'i@acme.com', default: false, version: null, uid: null, protocol: null, preconnect: true, key_source: 'env', key_file: null, keys: 0 },
      { name: 'hand', url: 'https://hand.acme.com', db: 'hand', login: 'i@acme.com', default: false, version: null, uid: null, protocol: null, preconnect: true, key_source: 'none', key_file: '/etc/odoo-keys/hand.key', keys: 0 },
    ],
  });
  const human = await runCli(f, ['profiles']);
  assert.match(human.stdout, /prod \(default\)/);
  assert.match(human.stdout, /file \/etc\/odoo-keys\/prod\.key/);
  // A key file is what serve uses, whatever key_source says (hand-written): shown as such.
  assert.match(human.stdout, /file \/etc\/odoo-keys\/hand\.key/);
  assert.doesNotMatch(human.stdout, /logged out/);

  const inUse = await runCli(f, ['logout', 'prod', '--forget', '--json']);
  assert.equal(inUse.code, 2);
  assert.equal(json(inUse).error.code, 'profile_in_use');
  const gone = await runCli(f, ['logout', 'staging', '--forget', '--json']);
  assert.equal(gone.code, 0, gone.stderr);
  assert.deepEqual(json(gone), { profile: 'staging', keychain_deleted: false, forgotten: true });
  assert.ok(!readFileSync(file, 'utf8').includes('staging'));
  assert.equal((await runCli(f, ['logout', 'nope'])).code, 4);
});
