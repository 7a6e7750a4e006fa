import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { foldersWithRegistry, json, runCli, type CliEnv } from '../support/cli.js';
import { RegistryStore } from '../../src/registry/store.js';
import { mintKey, parseToken, secretMatches } from '../../src/registry/keys.js';
import { UsageRecorder } from '../../src/registry/usage.js';

const H = (c: string): string => `sha256:${c.repeat(64)}`;

/** A registry with two profiles and keys in every state. */
function registryText(now: Date): string {
  const at = (days: number): string => new Date(now.getTime() + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `# my keys
version: 1
default_profile: prod
profiles:
  prod:
    url: http://127.0.0.1:9
    db: acme
    login: integration@acme.com
  staging:
    url: http://127.0.0.1:9
    db: staging
    login: integration@acme.com
keys:
  - id: "10000001"
    name: website-form   # the public form
    profile: prod
    hash: ${H('1')}
    created: ${at(-30)}
    expires: ${at(60)}
    limits: { ips: [203.0.113.0/24], rate: 30/min }
    rules:
      - { model: crm.lead, methods: [create], fields: [name, email_from, phone] }
      - { model: crm.lead, methods: [unlink] }
  - id: "10000002"
    name: soon
    profile: prod
    hash: ${H('2')}
    created: ${at(-30)}
    expires: ${at(2)}
    rules: [{ model: res.partner, methods: [read] }]
  - id: "10000003"
    name: old
    profile: prod
    hash: ${H('3')}
    created: ${at(-30)}
    expires: ${at(-1)}
    rules: [{ model: res.partner, methods: [read] }]
  - id: "10000004"
    name: gone
    profile: staging
    hash: ${H('4')}
    created: ${at(-30)}
    revoked: ${at(-2)}
    rules: [{ model: res.partner, methods: [read] }]
`;
}

function setup(t: { after: (fn: () => unknown) => void }): { f: CliEnv; file: string; store: RegistryStore } {
  const f = foldersWithRegistry(t, registryText(new Date()));
  return { f, file: f.registryFile, store: new RegistryStore(f.registryFile) };
}

test('list: a table of every key with its status; --json; --profile and --active filter; last use from the state folder', async (t) => {
  const { f } = setup(t);
  const usage = new UsageRecorder({ dir: f.state, intervalMs: 0 });
  const usedAt = new Date(Date.now() - 3_600_000);
  usage.touch('10000001', usedAt);
  await usage.close();

  const r = await runCli(f, ['list']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!/\u001b\[/.test(r.stdout), 'no colours without a TTY');
  for (const [name, status] of [['website-form', 'active'], ['soon', 'expiring soon'], ['old', 'expired'], ['gone', 'revoked']]) {
    const row = r.stdout.split('\n').find((l) => l.includes(`│ ${name} `));
    assert.ok(row, name);
    assert.ok(row.includes(status), `${name}: ${row}`);
  }
  assert.match(r.stdout, /crm\.lead:create\(name,email_from,phone\); crm\.lead:unlink/);
  assert.match(r.stdout, /rate 30\/min; ips 203\.0\.113\.0\/24/);
  assert.ok(r.stdout.includes(`${usedAt.toISOString().slice(0, 16).replace('T', ' ')}Z (`), 'last used shown');

  const j = json(await runCli(f, ['list', '--json']));
  assert.deepEqual(Object.keys(j), ['keys']);
  assert.deepEqual(j.keys.map((k: { name: string; status: string }) => [k.name, k.status]), [['website-form', 'active'], ['soon', 'expiring'], ['old', 'expired'], ['gone', 'revoked']]);
  assert.equal(j.keys[0].last_used, usedAt.toISOString());
  assert.equal(j.keys[1].last_used, null);

  assert.deepEqual(json(await runCli(f, ['list', '--profile', 'staging', '--json'])).keys.map((k: { name: string }) => k.name), ['gone']);
  assert.deepEqual(json(await runCli(f, ['list', '--active', '--json'])).keys.map((k: { name: string }) => k.name), ['website-form', 'soon']);
  const noProfile = await runCli(f, ['list', '--profile', 'nope']);
  assert.equal(noProfile.code, 4);
});

test('show: by name or id; --json; an unknown key is exit 4', async (t) => {
  const { f } = setup(t);
  const r = await runCli(f, ['show', 'website-form']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^website-form {2}\(id 10000001, profile prod\)$/m);
  assert.match(r.stdout, /status +active/);
  assert.match(r.stdout, /limits +rate 30\/min; ips 203\.0\.113\.0\/24/);
  assert.match(r.stdout, /│ 0 +│ crm\.lead +│ create +│ name, email_from, phone +│ all/);
  const byId = json(await runCli(f, ['show', '10000004', '--json']));
  assert.deepEqual(Object.keys(byId), ['key']);
  assert.equal(byId.key.name, 'gone');
  assert.equal(byId.key.status, 'revoked');
  assert.match(byId.key.revoked, /^\d{4}-\d{2}-\d{2}T/);
  const missing = await runCli(f, ['show', 'nope', '--json']);
  assert.equal(missing.code, 4);
  assert.deepEqual(json(missing), { error: { code: 'key_not_found', message: "no key named 'nope' (odoo-keys list shows the keys)" } });
  const noArg = await runCli(f, ['show']);
  assert.equal(noArg.code, 2);
});

test('scope: --add, --remove, --fields and limits; prints what changed; comments in the file stay', async (t) => {
  const { f, file, store } = setup(t);
  const r = await runCli(f, ['scope', 'website-form', '--add', 'res.partner:read(name,email)', '--remove', 'crm.lead:unlink', '--rate', '60/min', '--offline']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Changed website-form (10000001):\n  - crm.lead:unlink\n  + res.partner:read(name,email)\n  rate: 30/min -> 60/min\n');
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes('# my keys') && text.includes('# the public form'));

  const j = json(await runCli(f, ['scope', 'website-form', '--model', 'crm.lead', '--fields', 'name,email_from', '--clear', 'ips', '--expires', '2099-01-01', '--json']));
  assert.deepEqual(Object.keys(j), ['key', 'changes']);
  assert.deepEqual(j.changes.added, ['crm.lead:create(name,email_from)']);
  assert.deepEqual(j.changes.removed, ['crm.lead:create(name,email_from,phone)']);
  assert.deepEqual(j.changes.limits.ips, { from: ['203.0.113.0/24'], to: null });
  assert.equal(j.changes.limits.expires.to, '2099-01-01T00:00:00Z');
  const key = (await store.read()).keys[0]!;
  assert.deepEqual(key.rules, [{ model: 'crm.lead', methods: ['create'], fields: ['name', 'email_from'] }, { model: 'res.partner', methods: ['read'], fields: ['name', 'email'] }]);
  assert.deepEqual(key.limits, { rate: '60/min' });

  const same = await runCli(f, ['scope', 'website-form', '--rate', '60/min']);
  assert.equal(same.stdout, 'No change to website-form.\n');
});

test('scope: edits that cannot be done are usage errors and leave the file alone', async (t) => {
  const { f, file } = setup(t);
  const before = readFileSync(file, 'utf8');
  const cases: Array<[string[], RegExp]> = [
    [['scope', 'website-form'], /nothing to change/],
    [['scope', 'website-form', '--remove', 'sale.order:read'], /no rule (allows|names)/],
    [['scope', 'website-form', '--fields', 'name'], /--model: the key has 2 rules/],
    [['scope', 'website-form', '--model', 'res.users', '--fields', 'name'], /--model: the key has no rule for 'res\.users'/],
    [['scope', 'website-form', '--add', 'crm.lead'], /names no methods to add/],
    [['scope', 'website-form', '--ip', 'not-an-ip'], /--ip: /],
    // `--ip "$WEB_IPS"` with the variable unset must not lift the address limit.
    [['scope', 'website-form', '--ip', ''], /--ip: no address given/],
    [['scope', 'website-form', '--ip', ','], /--ip: no address given/],
    [['create', 'open-form', '--scope', 'crm.lead:create', '--ip', ' '], /--ip: no address given/],
    [['scope', 'website-form', '--model', 'crm.lead', '--domain', '[]'], /--domain: the domain is empty, which reaches every record/],
    [['scope', 'website-form', '--clear', 'everything'], /Expected --clear=everything to be one of/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(f, [...args, '--offline']);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
  }
  assert.equal((await runCli(f, ['scope', 'nope', '--rate', '1/s'])).code, 4);
  assert.equal(readFileSync(file, 'utf8'), before);
});

test('rotate: a new secret for the same id; with --grace the old one stays valid until then; revoked keys refuse', async (t) => {
  const { f, store } = setup(t);
  const r = await runCli(f, ['rotate', 'website-form', '--grace', '24h', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = json(r);
  assert.deepEqual(Object.keys(out), ['key', 'token', 'previous_valid_until']);
  const parsed = parseToken(out.token)!;
  assert.equal(parsed.id, '10000001');
  let key = (await store.read()).keys[0]!;
  assert.equal(secretMatches(parsed.secret, key.hash), true);
  assert.equal(key.previous?.hash, H('1'));
  assert.equal(key.previous?.until, out.previous_valid_until);
  const hours = (Date.parse(out.previous_valid_until) - Date.now()) / 3_600_000;
  assert.ok(hours > 23.9 && hours <= 24, String(hours));
  assert.equal(out.key.status, 'rotating');
  // show says where to see who still uses the old secret.
  assert.match((await runCli(f, ['show', 'website-form'])).stdout, /old secret valid until .* \(who still uses it: odoo-keys audit --key website-form --calls\)/);

  const human = await runCli(f, ['rotate', 'website-form']);
  assert.equal(human.code, 0, human.stderr);
  assert.equal(human.stdout.match(/odk_10000001_[0-9A-Za-z]{43}/g)?.length, 1);
  assert.match(human.stdout, /The old secret no longer works\./);
  key = (await store.read()).keys[0]!;
  assert.equal(key.previous, undefined, 'without --grace the old secret dies at once');
  assert.equal(secretMatches(parsed.secret, key.hash), false);

  const revoked = await runCli(f, ['rotate', 'gone', '--json']);
  assert.equal(revoked.code, 2);
  assert.equal(json(revoked).error.code, 'key_revoked');
  const expired = await runCli(f, ['rotate', 'old']);
  assert.equal(expired.code, 2);
  assert.match(expired.stderr, /has expired; extend it first with: odoo-keys scope old --expires 90d/);
  assert.equal((await runCli(f, ['rotate', 'website-form', '--grace', 'a while'])).code, 2);
});

test('revoke: refuses without --yes when there is no terminal; --yes revokes at once; again is harmless', async (t) => {
  const { f, file, store } = setup(t);
  const before = readFileSync(file, 'utf8');
  const ask = await runCli(f, ['revoke', 'website-form']);
  assert.equal(ask.code, 2);
  assert.match(ask.stderr, /revoking 'website-form' needs confirmation: pass --yes \(no terminal to ask on\)/);
  assert.equal(readFileSync(file, 'utf8'), before);

  const r = await runCli(f, ['revoke', 'website-form', '--yes', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = json(r);
  assert.deepEqual(Object.keys(out), ['key', 'already_revoked']);
  assert.equal(out.already_revoked, false);
  assert.equal(out.key.status, 'revoked');
  assert.equal((await store.read()).keys[0]!.revoked, out.key.revoked);

  const again = await runCli(f, ['revoke', 'website-form', '-y']);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /was already revoked at/);
  assert.equal((await runCli(f, ['revoke', 'nope', '--yes'])).code, 4);

  // A whole token pasted in place of the name: refused without echoing its secret, naming the id.
  const minted = mintKey('10000002');
  for (const args of [['revoke', minted.token, '--yes'], ['revoke', minted.token, '--yes', '--json'], ['show', minted.token]]) {
    const pasted = await runCli(f, args);
    assert.equal(pasted.code, 4, args.join(' '));
    assert.ok(!`${pasted.stdout}${pasted.stderr}`.includes(minted.secret), 'the secret is never echoed');
    assert.match(`${pasted.stdout}${pasted.stderr}`, /that is a key's token \(odk_10000002_…\), a secret: give the key's name or id \(10000002\) instead/);
  }
  assert.equal((await store.read()).keys.find((k) => k.id === '10000002')!.revoked, undefined, 'nothing revoked');

  // Revoked on a machine whose clock is ahead of this one's: revoked already, its time kept.
  const later = new Date(Date.now() + 120_000).toISOString().replace(/\.\d+Z$/, 'Z');
  await store.update((reg) => {
    reg.keys.find((k) => k.name === 'soon')!.revoked = later;
  });
  const skewed = json(await runCli(f, ['revoke', 'soon', '--yes', '--json']));
  assert.equal(skewed.already_revoked, true);
  assert.equal(skewed.key.status, 'revoked');
  assert.equal((await store.read()).keys.find((k) => k.name === 'soon')!.revoked, later);
});

test('a malformed or unknown-version registry: every command fails with exit 5 naming file and line, and changes nothing', async (t) => {
  const { f, file } = setup(t);
  const bad = registryText(new Date()).replace('methods: [unlink]', 'methods: [unlink, _private]');
  writeFileSync(file, bad);
  const commands = [
    ['list'],
    ['show', 'website-form'],
    ['create', 'x', '--model', 'crm.lead', '--method', 'read', '--offline'],
    ['scope', 'website-form', '--rate', '1/s'],
    ['rotate', 'website-form'],
    ['revoke', 'website-form', '--yes'],
    ['login', 'prod', '--no-verify'],
  ];
  for (const args of commands) {
    const r = await runCli({ ...f, env: { ODOO_KEYS_UPSTREAM_KEY: 'x' } }, args);
    assert.equal(r.code, 5, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:23: keys\\[0\\]\\.rules\\[1\\]\\.methods\\[1\\]: '_private'`));
  }
  const j = await runCli(f, ['list', '--json']);
  assert.equal(json(j).error.code, 'registry_invalid');
  assert.equal(readFileSync(file, 'utf8'), bad);

  writeFileSync(file, bad.replace('version: 1', 'version: 7'));
  const v = await runCli(f, ['list', '--json']);
  assert.equal(v.code, 5);
  assert.equal(json(v).error.code, 'registry_version');
  assert.match(json(v).error.message, /:2: version: unknown registry version 7/);
});

test('a learning key whose end is more than a day away (created moved ahead) shows as not yet valid; exec and check refuse it', async (t) => {
  const k = mintKey();
  const created = new Date(Date.now() + 3 * 3_600_000);
  const expires = new Date(created.getTime() + 24 * 3_600_000);
  const f = foldersWithRegistry(
    t,
    `version: 1\ndefault_profile: prod\nprofiles:\n  prod:\n    url: http://127.0.0.1:9\n    db: acme\n    login: integration\n    key_source: env\n    uid: 7\n    version: 19\nkeys:\n  - id: \"${k.id}\"\n    name: learner\n    profile: prod\n    hash: ${k.hash}\n    created: ${created.toISOString()}\n    expires: ${expires.toISOString()}\n    learning: true\n    rules: []\n`,
  );
  const shown = await runCli(f, ['show', 'learner', '--json']);
  assert.equal(shown.code, 0, shown.stderr);
  assert.equal(json(shown).key.status, 'not_yet');
  const listed = await runCli(f, ['list']);
  assert.match(listed.stdout, /not yet \(clock\)/);
  const active = await runCli(f, ['list', '--active']);
  assert.doesNotMatch(active.stdout, /learner/, 'a key that does not work now is not listed as active');
  const ran = await runCli({ ...f, env: { ODOO_KEYS_UPSTREAM_KEY: 'x' } }, ['exec', '--key', 'learner', '--', 'true']);
  assert.notEqual(ran.code, 0);
  assert.match(ran.stderr, /learning key 'learner' ends at .*, more than a day from now by this machine's clock/);
});
