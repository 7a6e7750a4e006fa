// An Odoo with XML-RPC and JSON-RPC switched off (only JSON-2; they are announced for removal after
// 19): login verifies over JSON-2 and records protocol json2, and the commands that talk to Odoo
// for the admin (create's check, check, audit --odoo) follow the profile's protocol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStandin, type Standin } from '../standin/server.js';
import { OdooClient } from '../../src/upstream/client.js';
import { numberOf } from '../../src/rpc/values.js';
import { foldersWithRegistry, json, runCli, tempFolders, type CliEnv } from '../support/cli.js';
import { writeJournal } from '../audit/fixtures.js';

type Ctx = { after: (fn: () => unknown) => void };

async function json2Only(t: Ctx): Promise<{ odoo: Standin; f: CliEnv; base: string[] }> {
  const odoo = await startStandin({ version: 19, rpc: false });
  t.after(() => odoo.close());
  const f = tempFolders();
  t.after(f.cleanup);
  return { odoo, f, base: ['--url', odoo.url, '--db', odoo.db, '--user', odoo.users.integration.login] };
}

function overRpc(odoo: Standin): string[] {
  return odoo.received.filter((r) => r.path.startsWith('/xmlrpc') || r.path === '/jsonrpc').map((r) => r.path);
}

function keysYaml(f: CliEnv): string {
  return readFileSync(join(f.home, 'keys.yaml'), 'utf8');
}

test('login --protocol json2 on an Odoo without XML-RPC: verified over JSON-2, protocol json2 recorded, nothing asked over XML-RPC or JSON-RPC', async (t) => {
  const { odoo, f, base } = await json2Only(t);
  const key = odoo.users.integration.apiKey!;
  const r = await runCli({ ...f, env: { ODOO_KEYS_UPSTREAM_KEY: key } }, ['login', 'prod', ...base, '--protocol', 'json2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = json(r);
  assert.deepEqual([out.verified, out.uid, out.version, out.protocol, out.warnings], [true, odoo.users.integration.uid, 19, 'json2', []]);
  assert.match(keysYaml(f), /login: integration\n {4}protocol: json2\n {4}version: 19\n {4}uid: 7\n/);
  assert.deepEqual(overRpc(odoo), []);
  // The key's user was asked for and its login read, over JSON-2.
  assert.deepEqual(
    odoo.received.filter((c) => c.path.startsWith('/json/2/')).map((c) => c.path),
    ['/json/2/res.users/context_get', '/json/2/res.users/read'],
  );
  assert.ok(!r.stdout.includes(key) && !r.stderr.includes(key));

  // A re-login keeps the recorded protocol, as it keeps the url.
  const again = await runCli({ ...f, env: { ODOO_KEYS_UPSTREAM_KEY: key } }, ['login', 'prod']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /as integration \(uid 7, Odoo 19, over JSON-2\)/);
  assert.match(keysYaml(f), /protocol: json2/);
  const listed = await runCli(f, ['profiles', '--json']);
  assert.equal(json(listed).profiles[0].protocol, 'json2');
  assert.match((await runCli(f, ['profiles'])).stdout, /\b19 \(json2\)/);
});

test('login without --protocol: XML-RPC answering 404 on Odoo 19 falls back to JSON-2 and records json2, saying so; a named protocol does not fall back', async (t) => {
  const { odoo, f, base } = await json2Only(t);
  const env = { ODOO_KEYS_UPSTREAM_KEY: odoo.users.integration.apiKey! };
  const r = await runCli({ ...f, env }, ['login', 'prod', ...base]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\(uid 7, Odoo 19, over JSON-2\)/);
  assert.match(r.stdout, /XML-RPC answered HTTP 404 and Odoo 19 answered over JSON-2: this Odoo has no XML-RPC, so the profile records protocol json2/);
  assert.match(keysYaml(f), /protocol: json2/);

  const named = await runCli({ ...f, env }, ['login', 'other', ...base, '--protocol', 'auto', '--json']);
  assert.equal(named.code, 6);
  assert.equal(json(named).error.code, 'upstream_error');
  assert.match(json(named).error.message, /answered \/xmlrpc\/2\/common with HTTP 404.*needs --protocol json2/);
  assert.doesNotMatch(keysYaml(f), /other:/, 'nothing stored');

  // A protocol named at an earlier login is named still: a re-login does not fall back from it
  // (one 404 from a reverse proxy must not turn the profile to JSON-2 for good).
  const recorded = await runCli({ ...f, env }, ['login', 'named', ...base, '--protocol', 'xmlrpc', '--no-verify']);
  assert.equal(recorded.code, 0, recorded.stderr);
  const again = await runCli({ ...f, env }, ['login', 'named', ...base, '--json']);
  assert.equal(again.code, 6, again.stdout);
  assert.match(json(again).error.message, /HTTP 404.*needs --protocol json2/);
  assert.match(keysYaml(f), /named:[\s\S]*protocol: xmlrpc/);
});

test('login over JSON-2: a key of another user is refused (JSON-2 logs in by key alone); the key of a portal user is checked by its own login', async (t) => {
  const { odoo, f, base } = await json2Only(t);
  // The admin's key given for the integration user's login.
  const wrong = await runCli({ ...f, env: { ODOO_KEYS_UPSTREAM_KEY: odoo.users.admin.apiKey! } }, ['login', 'prod', ...base, '--protocol', 'json2', '--json']);
  assert.equal(wrong.code, 6);
  assert.deepEqual(json(wrong).error, {
    code: 'upstream_refused',
    message: `this API key is the key of Odoo user 'admin' (uid ${odoo.users.admin.uid}) on database '${odoo.db}', not of 'integration'`,
  });
  assert.throws(() => keysYaml(f), 'nothing stored');
  // Without --protocol (the fallback) too.
  const fallback = await runCli({ ...f, env: { ODOO_KEYS_UPSTREAM_KEY: odoo.users.admin.apiKey! } }, ['login', 'prod', ...base]);
  assert.equal(fallback.code, 6);
  assert.match(fallback.stderr, /the key of Odoo user 'admin'/);

  // Even a portal user, who may not read res.users, reads its own login (Odoo's SELF_READABLE_FIELDS):
  // its key is checked like any other, with no warning.
  const portal = odoo.addUser({ login: 'shop-portal', groups: 'portal' });
  const r = await runCli({ ...f, env: { ODOO_KEYS_UPSTREAM_KEY: portal.apiKey! } }, ['login', 'shop', '--url', odoo.url, '--db', odoo.db, '--user', 'shop-portal', '--protocol', 'json2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = json(r);
  assert.equal(out.uid, portal.uid);
  assert.deepEqual(out.warnings, []);
  const other = await runCli({ ...f, env: { ODOO_KEYS_UPSTREAM_KEY: portal.apiKey! } }, ['login', 'shop2', '--url', odoo.url, '--db', odoo.db, '--user', 'integration', '--protocol', 'json2', '--json']);
  assert.equal(other.code, 6);
  assert.match(json(other).error.message, /the key of Odoo user 'shop-portal'/);
});

test('create and check on a json2 profile ask Odoo over JSON-2: a typo is still an error naming the closest match', async (t) => {
  const { odoo, f, base } = await json2Only(t);
  const cli = { ...f, env: { ODOO_KEYS_UPSTREAM_KEY: odoo.users.integration.apiKey! } };
  assert.equal((await runCli(cli, ['login', 'prod', ...base, '--protocol', 'json2'])).code, 0);
  const model = await runCli(cli, ['create', '--scope', 'res.partnr:read']);
  assert.equal(model.code, 2, model.stderr);
  assert.match(model.stderr, /res\.partnr: no such model, did you mean res\.partner\?/);
  const field = await runCli(cli, ['create', '--scope', 'res.partner:read(nam)']);
  assert.equal(field.code, 2, field.stderr);
  assert.match(field.stderr, /res\.partner: no field 'nam', did you mean name\?/);
  const made = await runCli(cli, ['create', 'sync', '--scope', 'res.partner:read', '--json']);
  assert.equal(made.code, 0, made.stderr);
  assert.deepEqual(json(made).warnings, []);

  // check follows a relation: it needs res.partner's fields from Odoo, over JSON-2.
  const checked = await runCli(cli, ['check', 'sync', 'res.partner', 'search_read', '--kwargs', '{"domain": [["parent_id.name", "=", "x"]], "fields": ["name"]}', '--json']);
  assert.equal(checked.code, 0, checked.stdout + checked.stderr);
  assert.equal(json(checked).verdict, 'allow');
  assert.deepEqual(overRpc(odoo), []);
});

test('audit --odoo on a json2 profile reads Odoo over JSON-2; a stored key of another user is refused', async (t) => {
  let clock = new Date('2026-11-28T10:00:00Z');
  const odoo = await startStandin({ version: 19, rpc: false, auditlog: true, clock: () => clock });
  t.after(() => odoo.close());
  const integration = odoo.users.integration;
  const client = new OdooClient({ url: odoo.url, db: odoo.db, login: integration.login, key: integration.apiKey!, protocol: 'json2' });
  const leadId = numberOf(await client.executeKw('crm.lead', 'create', [{ name: 'Website lead' }]));
  assert.ok(leadId);
  const folders = foldersWithRegistry(
    t,
    `version: 1\ndefault_profile: prod\nprofiles:\n  prod:\n    url: ${odoo.url}\n    db: ${odoo.db}\n    login: ${integration.login}\n    protocol: json2\nkeys: []\n`,
  );
  await writeJournal(join(folders.state, 'journal'), [
    { proto: 'json2', profile: 'prod', decision: 'allow', outcome: 'ok', ms: 120, ts: '2026-11-28T10:00:00.100Z', key: '7f3a9c2e', name: 'website-form', model: 'crm.lead', method: 'create', fields: ['name'], result_ids: [leadId] },
  ]);
  const window = ['--since', '2026-11-28T09:30:00Z', '--until', '2026-11-28T11:00:00Z'];
  odoo.clearReceived();
  const r = await runCli({ ...folders, env: { ODOO_KEYS_UPSTREAM_KEY: integration.apiKey! } }, ['audit', '--odoo', ...window, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.uid, integration.uid);
  assert.deepEqual(out.keys.map((k: { name: string; changes: unknown[] }) => [k.name, k.changes.length]), [['website-form', 1]]);
  assert.equal(out.unexplained.length, 0);
  assert.deepEqual(overRpc(odoo), []);

  const other = await runCli({ ...folders, env: { ODOO_KEYS_UPSTREAM_KEY: odoo.users.admin.apiKey! } }, ['audit', '--odoo', ...window]);
  assert.equal(other.code, 6);
  assert.match(other.stderr, /this API key is the key of Odoo user 'admin'/);
  clock = new Date();
});

test('login --no-verify --protocol json2 records the protocol without asking Odoo', async (t) => {
  const { odoo, f, base } = await json2Only(t);
  const keyFile = join(f.home, '..', 'k');
  writeFileSync(keyFile, 'anything', { mode: 0o600 });
  const r = await runCli(f, ['login', 'prod', ...base, '--protocol', 'json2', '--no-verify', '--upstream-key-file', keyFile, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(json(r).protocol, 'json2');
  assert.match(keysYaml(f), /protocol: json2/);
  assert.equal(odoo.received.length, 0);
});
