import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json, runCli, tempFolders } from '../support/cli.js';
import { startMiniOdoo, type MiniOdoo } from '../support/mini-odoo.js';
import { RegistryStore } from '../../src/registry/store.js';
import { parseToken, secretMatches } from '../../src/registry/keys.js';

const KEY = 'upstream-test-key-0000000000000000000000';

/** A registry with profile prod pointing at `url`, its key in a 0600 file. */
async function setup(t: { after: (fn: () => unknown) => void }, withOdoo = true) {
  const f = tempFolders();
  t.after(f.cleanup);
  let odoo: MiniOdoo | undefined;
  if (withOdoo) {
    odoo = await startMiniOdoo({ key: KEY });
    t.after(() => odoo!.close());
  }
  mkdirSync(f.home, { recursive: true });
  mkdirSync(f.state, { recursive: true });
  const keyFile = join(f.state, 'prod.key');
  writeFileSync(keyFile, KEY, { mode: 0o600 });
  writeFileSync(
    join(f.home, 'keys.yaml'),
    `version: 1\nprofiles:\n  prod:\n    url: ${odoo?.url ?? 'http://127.0.0.1:9'}\n    db: acme\n    login: integration@acme.com\n    key_source: file\n    key_file: ${keyFile}\nkeys: []\n`,
    { mode: 0o600 },
  );
  const store = new RegistryStore(join(f.home, 'keys.yaml'));
  return { f, odoo, store };
}

test('create --model crm.lead --method create, exactly: a name is generated, the key printed once with how to use it', async (t) => {
  const { f, odoo, store } = await setup(t);
  const r = await runCli(f, ['create', '--model', 'crm.lead', '--method', 'create']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const tokens = r.stdout.match(/odk_[0-9a-f]{8}_[0-9A-Za-z]{43}/g);
  assert.equal(tokens?.length, 1, 'the key appears exactly once');
  assert.match(r.stdout, /^Created key crm-lead-create \(id [0-9a-f]{8}, profile prod\): crm\.lead:create$/m);
  assert.match(r.stdout, /Shown only this once/);
  assert.match(r.stdout, /url http:\/\/127\.0\.0\.1:8169 {2}database acme {2}login crm-lead-create {2}API key: the key above/);
  const reg = await store.read();
  assert.equal(reg.keys.length, 1);
  const parsed = parseToken(tokens![0]!)!;
  assert.equal(reg.keys[0]!.id, parsed.id);
  assert.equal(secretMatches(parsed.secret, reg.keys[0]!.hash), true);
  assert.ok(!readFileSync(join(f.home, 'keys.yaml'), 'utf8').includes(parsed.secret), 'only the hash is stored');
  assert.deepEqual(
    odoo!.calls.map((c) => `${c.service}.${c.method}${c.modelMethod ? ` ${c.model}.${c.modelMethod}` : ''}`),
    ['common.authenticate', 'object.execute_kw crm.lead.fields_get'],
    'the model was checked with fields_get',
  );
  // The same command again: a second generated name.
  const again = await runCli(f, ['create', '--model', 'crm.lead', '--method', 'create', '--json']);
  assert.equal(json(again).key.name, 'crm-lead-create-2');
});

test('create --json: the documented shape, with limits, expiry and several rules', async (t) => {
  const { f, store } = await setup(t);
  const r = await runCli(f, [
    'create', 'website-form', '--model', 'crm.lead', '--method', 'create', '--fields', 'name,email_from', '--fields', 'phone',
    '--ip', '203.0.113.0/24', '--ip', '2001:db8::/32', '--expires', '90d', '--rate', '30/min', '--hours', 'Mon-Fri 07:00-19:00 Europe/Amsterdam',
    '--scope', 'res.partner:read(name,email)', '--description', 'the public form', '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = json(r);
  assert.deepEqual(Object.keys(out), ['key', 'token', 'client', 'warnings']);
  assert.deepEqual(Object.keys(out.key), ['id', 'name', 'profile', 'status', 'description', 'created', 'expires', 'revoked', 'previous_valid_until', 'last_used', 'learning', 'scope', 'summary', 'rules', 'limits']);
  assert.match(out.token, /^odk_[0-9a-f]{8}_[0-9A-Za-z]{43}$/);
  assert.equal(out.key.name, 'website-form');
  assert.equal(out.key.status, 'active');
  assert.equal(out.key.description, 'the public form');
  assert.deepEqual(out.key.scope, ['crm.lead:create(name,email_from,phone)', 'res.partner:read(name,email)']);
  assert.deepEqual(out.key.limits, { ips: ['203.0.113.0/24', '2001:db8::/32'], hours: 'Mon-Fri 07:00-19:00 Europe/Amsterdam', rate: '30/min' });
  const days = (Date.parse(out.key.expires) - Date.parse(out.key.created)) / 86_400_000;
  assert.ok(days > 89.9 && days < 90.1, String(days));
  assert.deepEqual(out.client, { url: 'http://127.0.0.1:8169', db: 'acme', login: 'website-form' });
  assert.deepEqual(out.warnings, []);
  const stored = (await store.read()).keys[0]!;
  assert.deepEqual(stored.rules, out.key.rules);
  assert.equal(stored.expires, out.key.expires);
});

test('create checks models and fields against Odoo and names the closest match on a typo (exit 2, nothing stored)', async (t) => {
  const { f, store } = await setup(t);
  const model = await runCli(f, ['create', 'x', '--model', 'crm.leed', '--method', 'create']);
  assert.equal(model.code, 2);
  assert.match(model.stderr, /crm\.leed: no such model, did you mean crm\.lead\?/);
  const field = await runCli(f, ['create', 'x', '--scope', 'crm.lead:create(name,emial_from)', '--json']);
  assert.equal(field.code, 2);
  assert.equal(json(field).error.code, 'unknown_name');
  assert.match(json(field).error.message, /crm\.lead: no field 'emial_from', did you mean email_from\?/);
  const far = await runCli(f, ['create', 'x', '--model', 'zzz.qqq', '--method', 'read']);
  assert.match(far.stderr, /zzz\.qqq: no such model\n/, 'no suggestion when nothing is close');
  assert.equal((await store.read()).keys.length, 0);
  // --offline skips the check.
  const offline = await runCli(f, ['create', 'x', '--model', 'crm.leed', '--method', 'create', '--offline']);
  assert.equal(offline.code, 0, offline.stderr);
});

test('create and scope warn about a method name one slip away from a standard one (it is kept as written)', async (t) => {
  const { f, store } = await setup(t);
  const r = await runCli(f, ['create', 'x', '--model', 'crm.lead', '--method', 'creat,raed,load,action_confirm', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(json(r).warnings, [
    "crm.lead: 'creat' is not a standard method (a rule allows it as written); did you mean create?",
    "crm.lead: 'raed' is not a standard method (a rule allows it as written); did you mean read?",
  ]);
  assert.deepEqual((await store.read()).keys[0]!.rules[0]!.methods, ['creat', 'raed', 'load', 'action_confirm']);
  const offline = await runCli(f, ['create', 'y', '--model', 'crm.lead', '--method', 'wirte', '--offline']);
  assert.equal(offline.code, 0, offline.stderr);
  assert.match(offline.stderr, /^odoo-keys: warning: crm\.lead: 'wirte' is not a standard method .*did you mean write\?/);
  const scope = await runCli(f, ['scope', 'y', '--add', 'crm.lead:unlnk', '--offline']);
  assert.equal(scope.code, 0, scope.stderr);
  assert.match(scope.stderr, /crm\.lead: 'unlnk' is not a standard method .*did you mean unlink\?/);
  const clean = await runCli(f, ['create', 'z', '--model', 'crm.lead', '--method', 'read,create,message_post']);
  assert.equal(clean.stderr, '');
});

test('create with Odoo unreachable: a warning, and the key is created', async (t) => {
  const { f } = await setup(t, false);
  const r = await runCli(f, ['create', 'x', '--model', 'crm.lead', '--method', 'read', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(json(r).warnings[0], /models and fields not checked against Odoo: cannot reach Odoo at http:\/\/127\.0\.0\.1:9.*--offline skips this check/);
  const human = await runCli(f, ['create', 'y', '--model', 'crm.lead', '--method', 'read']);
  assert.match(human.stderr, /^odoo-keys: warning: models and fields not checked against Odoo/);
});

test('create --scope-file: rules and limits from YAML; a bad rule is reported with file, line and field', async (t) => {
  const { f } = await setup(t);
  const good = join(f.state, 'rules.yaml');
  writeFileSync(good, `rules:\n  - model: sale.order\n    methods: [read]\n    fields: [name, state]\n  - { model: crm.lead, methods: [create], fields: [name] }\nlimits:\n  rate: 10/min\n`);
  const r = await runCli(f, ['create', 'from-file', '--scope-file', good, '--allow-sensitive', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(json(r).key.scope, ['sale.order:read(name,state) allow_sensitive', 'crm.lead:create(name) allow_sensitive']);
  assert.deepEqual(json(r).key.limits, { rate: '10/min' });

  const bad = join(f.state, 'bad.yaml');
  writeFileSync(bad, `- model: sale.order\n  methods: [read]\n- model: crm.lead\n  methods:\n    - create\n    - _compute_x\n`);
  const e = await runCli(f, ['create', 'bad', '--scope-file', bad]);
  assert.equal(e.code, 2);
  assert.match(e.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:6: \\[1\\]\\.methods\\[1\\]: '_compute_x': methods beginning with '_' are private`));
});

test('create: bad or missing values are usage errors naming the flag (exit 2); no profile is exit 4', async (t) => {
  const { f, store } = await setup(t);
  const cases: Array<[string[], RegExp]> = [
    [['create', 'x'], /missing a scope: give --model and --method, --scope 'model:methods', or --scope-file \(no terminal to ask on\)/],
    [['create', 'x', '--model', 'crm.lead'], /missing --method for --model crm\.lead/],
    [['create', 'x', '--method', 'read'], /missing --model/],
    [['create', 'x', '--model', 'crm.lead', '--method', '_search'], /methods beginning with '_' are private/],
    [['create', 'x', '--scope', 'crm.lead:read(name'], /at column \d+ of scope 'crm\.lead:read\(name'/],
    [['create', 'x', '--model', 'crm.lead', '--method', 'read', '--ip', '10.0.0.1/8'], /--ip: '10\.0\.0\.1\/8' has host bits set; did you mean 10\.0\.0\.0\/8\?/],
    [['create', 'x', '--model', 'crm.lead', '--method', 'read', '--rate', 'fast'], /--rate: 'fast' is not a rate/],
    [['create', 'x', '--model', 'crm.lead', '--method', 'read', '--hours', 'Mon-Fri 9-5'], /--hours: /],
    [['create', 'x', '--model', 'crm.lead', '--method', 'read', '--expires', '2001-01-01'], /--expires: 2001-01-01T00:00:00\.000Z is already past/],
    [['create', 'x', '--model', 'crm.lead', '--method', 'read', '--expires', 'soonish'], /--expires: 'soonish' is not a duration/],
    [['create', 'x', '--model', 'crm.lead', '--method', 'read', '--domain', '[["a"'], /--domain: not valid JSON/],
    [['create', 'bad name!', '--model', 'crm.lead', '--method', 'read'], /'bad name!' is not a valid key name/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(f, [...args, '--offline']);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
  }
  assert.equal((await runCli(f, ['create', 'dup', '--model', 'crm.lead', '--method', 'read', '--offline'])).code, 0);
  const dup = await runCli(f, ['create', 'dup', '--model', 'crm.lead', '--method', 'read', '--offline', '--json']);
  assert.equal(dup.code, 2);
  assert.equal(json(dup).error.code, 'name_taken');
  const noProfile = await runCli(f, ['create', 'y', '--model', 'crm.lead', '--method', 'read', '--profile', 'nope', '--json']);
  assert.equal(noProfile.code, 4);
  assert.equal(json(noProfile).error.code, 'profile_not_found');
  assert.deepEqual((await store.read()).keys.map((k) => k.name), ['dup']);

  const empty = tempFolders();
  t.after(empty.cleanup);
  const none = await runCli(empty, ['create', '--model', 'crm.lead', '--method', 'read']);
  assert.equal(none.code, 4);
  assert.match(none.stderr, /no profile yet: connect to Odoo first with: odoo-keys login/);
});

test('create --domain and --max-limit land in the rule; --allow-sensitive marks exact models only', async (t) => {
  const { f } = await setup(t);
  const r = await runCli(f, ['create', 'mine', '--model', 'crm.lead,res.partner', '--method', 'read', '--domain', '[["user_id","=",7]]', '--max-limit', '50', '--offline', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(json(r).key.rules, [
    { model: 'crm.lead', methods: ['read'], domain: [['user_id', '=', 7]], max_limit: 50 },
    { model: 'res.partner', methods: ['read'], domain: [['user_id', '=', 7]], max_limit: 50 },
  ]);
  const s = await runCli(f, ['create', 'sens', '--scope', 'res.users:read(name)', '--scope', 'crm.*:read', '--allow-sensitive', '--offline', '--json']);
  assert.deepEqual(json(s).key.rules, [
    { model: 'res.users', methods: ['read'], fields: ['name'], allow_sensitive: true },
    { model: 'crm.*', methods: ['read'] },
  ]);
});

test('create refuses a token given as the name (with a space before it too), never echoing its secret', async (t) => {
  const f = tempFolders();
  t.after(f.cleanup);
  mkdirSync(f.home, { recursive: true });
  writeFileSync(join(f.home, 'keys.yaml'), 'version: 1\nprofiles:\n  prod:\n    url: https://acme.example\n    db: acme\n    login: i\n    key_source: env\nkeys: []\n', { mode: 0o600 });
  for (const name of ['odk_0123abcd_SuperSecretValue123456789', ' odk_0123abcd_SuperSecretValue123456789', 'svc-odk_0123abcd_sync']) {
    const r = await runCli(f, ['create', name, '--model', 'crm.lead', '--method', 'read', '--offline', '--json']);
    assert.equal(r.code, 2, r.stdout);
    assert.ok(!`${r.stdout}${r.stderr}`.includes('SuperSecret'), r.stdout);
    assert.match(json(r).error.message, /that is a key's token \(odk_0123abcd_…\)/);
  }
});
