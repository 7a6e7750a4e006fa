// `odoo-keys audit --odoo` as a user runs it: a child process against the Odoo stand-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startStandin } from '../standin/server.js';
import { OdooClient } from '../../src/upstream/client.js';
import { numberOf } from '../../src/rpc/values.js';
import { foldersWithRegistry, runCli, type CliEnv } from '../support/cli.js';
import { writeJournal, type TimedInput } from './fixtures.js';

test('audit --odoo: changes per key from the stand-in, the outside change listed loudly, exit codes for missing profile and refused key', async (t) => {
  let clock = new Date('2026-11-28T10:00:00Z');
  const standin = await startStandin({ version: 18, auditlog: true, clock: () => clock });
  t.after(() => standin.close());
  const integration = standin.users.integration;
  const client = new OdooClient({ url: standin.url, db: standin.db, login: integration.login, key: integration.apiKey! });
  const leadId = numberOf(await client.executeKw('crm.lead', 'create', [{ name: 'Website lead' }]))!;
  clock = new Date('2026-11-28T10:05:00Z');
  await client.executeKw('crm.lead', 'write', [[leadId], { phone: '+31 20 123 4567' }]);
  clock = new Date('2026-11-28T10:10:00Z');
  await client.executeKw('crm.lead', 'write', [[leadId], { name: 'Renamed outside odoo-keys' }]);

  const folders = foldersWithRegistry(
    t,
    `version: 1\ndefault_profile: prod\nprofiles:\n  prod:\n    url: ${standin.url}\n    db: ${standin.db}\n    login: ${integration.login}\nkeys: []\n`,
  );
  const base = { proto: 'xmlrpc' as const, profile: 'prod', decision: 'allow' as const, outcome: 'ok' as const, ms: 120 };
  const calls: TimedInput[] = [
    { ...base, ts: '2026-11-28T10:00:00.100Z', key: '7f3a9c2e', name: 'website-form', model: 'crm.lead', method: 'create', fields: ['name'], result_ids: [leadId] },
    { ...base, ts: '2026-11-28T10:05:00.200Z', key: '1c0de5a1', name: 'nightly-sync', model: 'crm.lead', method: 'write', ids: [leadId], fields: ['phone'] },
  ];
  await writeJournal(join(folders.state, 'journal'), calls);
  const cli: CliEnv = { ...folders, env: { ODOO_KEYS_UPSTREAM_KEY: integration.apiKey! } };
  const window = ['--since', '2026-11-28T09:30:00Z', '--until', '2026-11-28T11:00:00Z'];

  const table = await runCli(cli, ['audit', '--odoo', ...window]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /Changes by integration \(uid \d+\) in http:\/\/127\.0\.0\.1:\d+ from 2026-11-28 09:30:00 to 2026-11-28 11:00:00 UTC \(chatter, auditlog, creations and last writes\)/);
  assert.match(table.stdout, /website-form \(7f3a9c2e\): 1 change/);
  assert.match(table.stdout, /nightly-sync \(1c0de5a1\): 1 change/);
  assert.match(table.stdout, /phone: – -> \+31 20 123 4567/);
  assert.match(table.stdout, /!! 1 change by the integration user matches no journaled call: the upstream credentials may be in use outside odoo-keys/);
  assert.match(table.stdout, /name: Website lead -> Renamed outside odoo-keys/);
  assert.match(table.stderr, /note: field-level old and new values from chatter are not shown: reading tracking values/);
  assert.ok(!table.stdout.includes(integration.apiKey!) && !table.stderr.includes(integration.apiKey!), 'the upstream key never appears');

  const json = await runCli(cli, ['audit', '--odoo', ...window, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const r = JSON.parse(json.stdout);
  assert.deepEqual([r.profile, r.auditlog, r.tracking, r.toleranceMs], ['prod', true, false, 5000]);
  assert.deepEqual(r.keys.map((k: { name: string; changes: unknown[] }) => [k.name, k.changes.length]), [['nightly-sync', 1], ['website-form', 1]]);
  assert.equal(r.unexplained.length, 1);
  assert.match(r.warning, /upstream credentials may be in use outside odoo-keys/);
  assert.match(json.stderr, /!! 1 change by the integration user/);

  const onlyWeb = await runCli(cli, ['audit', '--odoo', ...window, '--key', 'website-form', '--format', 'csv']);
  const rows = onlyWeb.stdout.trimEnd().split('\n');
  assert.match(rows[0]!, /^key,name,at,model,res_id,/);
  assert.deepEqual(rows.slice(1).map((l) => l.split(',').slice(0, 2).join(',') + ',' + l.split(',')[9]), ['7f3a9c2e,website-form,record', ',,unexplained']);

  const noProfile = await runCli(cli, ['audit', '--odoo', ...window, '--profile', 'staging']);
  assert.equal(noProfile.code, 4);
  assert.match(noProfile.stderr, /no profile named 'staging'/);
  const refused = await runCli({ ...cli, env: { ODOO_KEYS_UPSTREAM_KEY: 'not-the-key-0123456789' } }, ['audit', '--odoo', ...window]);
  assert.equal(refused.code, 6);
  assert.ok(!refused.stderr.includes('not-the-key-0123456789'));
  const both = await runCli(cli, ['audit', '--odoo', '--calls']);
  assert.equal(both.code, 2);
});
