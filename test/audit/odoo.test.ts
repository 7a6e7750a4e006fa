// `audit --odoo`'s fetching side against the Odoo stand-in: real RPC, real changes, then attribution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStandin, type Standin } from '../standin/server.js';
import { OdooClient } from '../../src/upstream/client.js';
import { fetchOdooChanges, fromOdooDatetime, toOdooDatetime } from '../../src/audit/odoo.js';
import { attributeChanges, type OdooChange } from '../../src/audit/attribute.js';
import type { JournalEntry, JournalInput } from '../../src/audit/types.js';
import { numberOf } from '../../src/rpc/values.js';

interface Scenario {
  standin: Standin;
  uid: number;
  leadId: number;
  partnerId: number;
  entries: JournalEntry[];
  changes: OdooChange[];
  gaps: string[];
  tracking: boolean;
  auditlog: boolean;
}

const at = (hms: string) => new Date(`2026-11-28T${hms}Z`);

/**
 * website-form creates a lead (10:00), nightly-sync changes its phone (10:05) and a partner's phone
 * (10:15); at 10:10 someone renames the lead with the integration user's key but not through
 * odoo-keys (no journal line).
 */
async function scenario(t: { after: (fn: () => Promise<void>) => void }, opts: { version: 18 | 19; auditlog: boolean; as: 'integration' | 'admin' }): Promise<Scenario> {
  let clock = at('09:00:00');
  const standin = await startStandin({ version: opts.version, auditlog: opts.auditlog, clock: () => clock });
  t.after(() => standin.close());
  const user = standin.users[opts.as];
  const client = new OdooClient({ url: standin.url, db: standin.db, login: user.login, key: user.apiKey! });
  const uid = (await client.authenticate()) as number;
  let seq = 0;
  const entries: JournalEntry[] = [];
  const journal = (x: Partial<JournalInput> & { ts: string }): void => {
    entries.push({ key: null, proto: 'xmlrpc', decision: 'allow', outcome: 'ok', ms: 150, ...x, seq: ++seq, prev: '', hash: '' });
  };
  const web = { key: '7f3a9c2e', name: 'website-form', profile: 'prod' };
  const sync = { key: '1c0de5a1', name: 'nightly-sync', profile: 'prod' };

  clock = at('10:00:00');
  const leadId = numberOf(await client.executeKw('crm.lead', 'create', [{ name: 'Website lead', email_from: 'visitor@example.com' }]))!;
  journal({ ...web, ts: '2026-11-28T10:00:00.120Z', model: 'crm.lead', method: 'create', fields: ['name', 'email_from'], result_ids: [leadId] });
  // A search the website form also makes: reads never explain changes.
  journal({ ...web, ts: '2026-11-28T10:00:30.000Z', model: 'crm.lead', method: 'search_read' });

  clock = at('10:05:00');
  await client.executeKw('crm.lead', 'write', [[leadId], { phone: '+31 20 123 4567' }]);
  journal({ ...sync, ts: '2026-11-28T10:05:00.300Z', model: 'crm.lead', method: 'write', ids: [leadId], fields: ['phone'] });

  clock = at('10:10:00');
  await client.executeKw('crm.lead', 'write', [[leadId], { name: 'Renamed outside odoo-keys' }]);

  clock = at('10:15:00');
  const partnerId = numberOf((await client.executeKw('res.partner', 'search', [[['is_company', '=', true]]], { limit: 1 }) as number[])[0])!;
  await client.executeKw('res.partner', 'write', [[partnerId], { phone: '+31 20 765 4321' }]);
  journal({ ...sync, ts: '2026-11-28T10:15:00.200Z', model: 'res.partner', method: 'write', ids: [partnerId], fields: ['phone'] });
  clock = at('12:00:00');

  const models = [...new Set(entries.map((e) => e.model!))];
  const fetched = await fetchOdooChanges(client, { since: at('09:30:00'), until: at('11:00:00'), uid, models });
  return { standin, uid, leadId, partnerId, entries, ...fetched };
}

const brief = (c: OdooChange) => `${c.kind} ${c.model}/${c.res_id} ${c.at.slice(11, 19)}`;

test('datetimes to and from Odoo', () => {
  assert.equal(toOdooDatetime(new Date('2026-11-28T10:04:05.678Z')), '2026-11-28 10:04:05');
  assert.equal(fromOdooDatetime('2026-11-28 10:04:05'), '2026-11-28T10:04:05Z');
  assert.equal(fromOdooDatetime(false), undefined);
});

test('a change in the same second as the end of the window (audit --odoo run right after it) is not missed', async (t) => {
  let clock = at('10:20:00');
  const standin = await startStandin({ version: 19, clock: () => clock });
  t.after(() => standin.close());
  const user = standin.users.integration;
  const client = new OdooClient({ url: standin.url, db: standin.db, login: user.login, key: user.apiKey! });
  const uid = (await client.authenticate()) as number;
  const leadId = numberOf(await client.executeKw('crm.lead', 'create', [{ name: 'Made outside odoo-keys' }]))!;
  // Odoo stores 10:20:00; the audit runs at 10:20:00.600, its default end of the window.
  clock = at('10:20:00.600');
  const fetched = await fetchOdooChanges(client, { since: at('10:00:00'), until: at('10:20:00.600'), uid, models: ['crm.lead'] });
  assert.deepEqual(fetched.changes.filter((c) => c.res_id === leadId).map(brief), [`create crm.lead/${leadId} 10:20:00`, `message crm.lead/${leadId} 10:20:00`], 'creations and chatter both');
});

for (const version of [18, 19] as const) {
  test(`Odoo ${version}, standard modules only, as a non-admin integration user: changes attributed, the outside one loud, tracking values a stated gap`, async (t) => {
    const s = await scenario(t, { version, auditlog: false, as: 'integration' });
    assert.equal(s.auditlog, false);
    assert.equal(s.tracking, false);
    assert.ok(s.gaps.some((g) => /tracking values \(mail\.tracking\.value\) needs the Settings/.test(g)), s.gaps.join('\n'));
    const a = attributeChanges(s.entries, s.changes, 5000);
    const byKey = Object.fromEntries(a.keys.map((k) => [k.name, k.changes.map((c) => brief(c.change))]));
    assert.deepEqual(byKey, {
      'website-form': [`create crm.lead/${s.leadId} 10:00:00`],
      'nightly-sync': [`write crm.lead/${s.leadId} 10:05:00`, `write res.partner/${s.partnerId} 10:15:00`],
    });
    assert.deepEqual(a.unexplained.map(brief), [`write crm.lead/${s.leadId} 10:10:00`]);
    for (const k of a.keys) for (const c of k.changes) assert.equal(c.match, 'record');
    // The creation was seen both as create_uid and as its chatter message, merged into one.
    const creation = a.keys.find((k) => k.name === 'website-form')!.changes[0]!.change;
    assert.ok(creation.sources.includes('create_uid'));
  });
}

test('with the OCA auditlog module installed: detected, and its lines give field-level old and new values', async (t) => {
  const s = await scenario(t, { version: 18, auditlog: true, as: 'integration' });
  assert.equal(s.auditlog, true);
  const a = attributeChanges(s.entries, s.changes, 5000);
  const sync = a.keys.find((k) => k.name === 'nightly-sync')!;
  const phone = sync.changes.find((c) => c.change.model === 'crm.lead')!.change;
  assert.ok(phone.sources.includes('auditlog'));
  assert.deepEqual(phone.fields?.find((f) => f.field === 'phone'), { field: 'phone', label: 'Phone', old: null, new: '+31 20 123 4567' });
  const outside = a.unexplained[0]!;
  assert.equal(brief(outside), `write crm.lead/${s.leadId} 10:10:00`);
  assert.deepEqual(outside.fields?.find((f) => f.field === 'name'), { field: 'name', label: 'Opportunity', old: 'Website lead', new: 'Renamed outside odoo-keys' });
});

test('an integration user with Settings rights also gets chatter tracking values', async (t) => {
  const s = await scenario(t, { version: 19, auditlog: false, as: 'admin' });
  assert.equal(s.tracking, true, s.gaps.join('\n'));
  const a = attributeChanges(s.entries, s.changes, 5000);
  const outside = a.unexplained.find((c) => c.model === 'crm.lead')!;
  assert.ok(outside.sources.includes('tracking'));
  assert.deepEqual(outside.fields?.find((f) => f.field === 'name'), { field: 'name', label: 'Opportunity', old: 'Website lead', new: 'Renamed outside odoo-keys' });
  const partner = a.keys.find((k) => k.name === 'nightly-sync')!.changes.find((c) => c.change.model === 'res.partner')!.change;
  assert.equal(partner.fields?.find((f) => f.field === 'phone')?.new, '+31 20 765 4321');
});
