import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeChanges, mergeChanges, type OdooChange } from '../../src/audit/attribute.js';
import type { JournalEntry, JournalInput } from '../../src/audit/types.js';

let seq = 0;
function entry(x: Partial<JournalInput> & { ts: string }): JournalEntry {
  return { key: '7f3a9c2e', name: 'website-form', proto: 'json2', decision: 'allow', outcome: 'ok', ms: 200, ...x, seq: ++seq, prev: '', hash: '' };
}
const change = (x: Partial<OdooChange> & { at: string; res_id: number }): OdooChange => ({ model: 'crm.lead', kind: 'write', sources: ['write_uid'], ...x });

const web = (x: Partial<JournalInput> & { ts: string }) => entry({ key: '7f3a9c2e', name: 'website-form', ...x });
const sync = (x: Partial<JournalInput> & { ts: string }) => entry({ key: '1c0de5a1', name: 'nightly-sync', ...x });

test('a creation is matched through the ids the call created, despite Odoo dropping the milliseconds', () => {
  const calls = [web({ ts: '2026-11-28T10:04:05.420Z', model: 'crm.lead', method: 'create', result_ids: [42] })];
  const a = attributeChanges(calls, [change({ kind: 'create', res_id: 42, at: '2026-11-28T10:04:05Z', sources: ['create_uid'] })], 5000);
  assert.equal(a.unexplained.length, 0);
  assert.equal(a.keys.length, 1);
  assert.equal(a.keys[0]!.name, 'website-form');
  assert.deepEqual(a.keys[0]!.changes.map((c) => [c.match, c.offset_ms, c.call.method, c.call.result_ids]), [['record', 0, 'create', [42]]]);
});

test('writes go to the key whose call named the record closest in time; fields are kept', () => {
  const calls = [
    web({ ts: '2026-11-28T10:00:00.500Z', model: 'crm.lead', method: 'write', ids: [7] }),
    sync({ ts: '2026-11-28T10:00:30.100Z', model: 'crm.lead', method: 'write', ids: [7, 8] }),
  ];
  const changes = [
    change({ res_id: 7, at: '2026-11-28T10:00:00Z', sources: ['tracking'], fields: [{ field: 'stage_id', label: 'Stage', old: 'New', new: 'Won' }] }),
    change({ res_id: 7, at: '2026-11-28T10:00:30Z', sources: ['tracking'], fields: [{ field: 'priority', old: '0', new: '2' }] }),
    change({ res_id: 8, at: '2026-11-28T10:00:29Z' }),
  ];
  const a = attributeChanges(calls, changes, 5000);
  assert.equal(a.unexplained.length, 0);
  const byName = Object.fromEntries(a.keys.map((k) => [k.name, k.changes.map((c) => `${c.change.res_id}@${c.change.at.slice(14, 19)}`)]));
  assert.deepEqual(byName, { 'website-form': ['7@00:00'], 'nightly-sync': ['8@00:29', '7@00:30'] });
  assert.deepEqual(a.keys.find((k) => k.name === 'website-form')!.changes[0]!.change.fields, [{ field: 'stage_id', label: 'Stage', old: 'New', new: 'Won' }]);
  // nightly-sync made two changes: it comes first.
  assert.equal(a.keys[0]!.name, 'nightly-sync');
});

test('outside the tolerance, or with no call at all, a change is unexplained', () => {
  const calls = [web({ ts: '2026-11-28T10:00:00.000Z', ms: 100, model: 'crm.lead', method: 'write', ids: [7] })];
  const far = change({ res_id: 7, at: '2026-11-28T10:00:10Z' });
  const other = change({ model: 'res.partner', res_id: 3, at: '2026-11-28T12:00:00Z' });
  const a = attributeChanges(calls, [far, other], 5000);
  assert.deepEqual(a.keys, []);
  assert.deepEqual(a.unexplained.map((c) => `${c.model}/${c.res_id}`), ['crm.lead/7', 'res.partner/3']);
  // A wider tolerance reaches the call (10 s after it ended).
  assert.equal(attributeChanges(calls, [far], 11_000).unexplained.length, 0);
});

test('denied calls and calls Odoo refused explain nothing; an upstream error (maybe committed) does', () => {
  const at = '2026-11-28T10:00:00Z';
  const denied = web({ ts: '2026-11-28T10:00:00.300Z', model: 'crm.lead', method: 'write', ids: [7], decision: 'deny', outcome: 'denied' });
  const refused = web({ ts: '2026-11-28T10:00:00.300Z', model: 'crm.lead', method: 'write', ids: [7], outcome: 'odoo_error' });
  assert.equal(attributeChanges([denied, refused], [change({ res_id: 7, at })]).unexplained.length, 1);
  const lost = web({ ts: '2026-11-28T10:00:00.300Z', model: 'crm.lead', method: 'write', ids: [7], outcome: 'upstream_error' });
  assert.equal(attributeChanges([lost], [change({ res_id: 7, at })]).keys.length, 1);
});

test('a creation is not explained by a call that only named the record', () => {
  const calls = [web({ ts: '2026-11-28T10:00:00.300Z', model: 'crm.lead', method: 'read', ids: [42] })];
  const a = attributeChanges(calls, [change({ kind: 'create', res_id: 42, at: '2026-11-28T10:00:00Z', sources: ['create_uid'] })]);
  assert.equal(a.unexplained.length, 1);
});

test('a side effect on another model is attributed by time to a call that writes, and marked so; reads never', () => {
  const order = sync({ ts: '2026-11-28T10:00:01.000Z', ms: 900, model: 'sale.order', method: 'create', result_ids: [5] });
  const reader = web({ ts: '2026-11-28T10:00:00.500Z', model: 'res.partner', method: 'search_read' });
  const line = change({ model: 'sale.order.line', kind: 'create', res_id: 11, at: '2026-11-28T10:00:00Z', sources: ['create_uid'] });
  const a = attributeChanges([reader, order], [line]);
  assert.equal(a.unexplained.length, 0);
  assert.deepEqual(a.keys.map((k) => [k.name, k.changes[0]!.match]), [['nightly-sync', 'time']]);
  assert.equal(attributeChanges([reader], [line]).unexplained.length, 1);
});

test('one change told by tracking, auditlog and write_date is merged; a creation absorbs its "created" message', () => {
  const merged = mergeChanges([
    change({ res_id: 7, at: '2026-11-28T10:00:01Z', sources: ['write_uid'] }),
    change({ res_id: 7, at: '2026-11-28T10:00:00Z', sources: ['tracking'], fields: [{ field: 'stage_id', old: 'New', new: 'Won' }], refs: ['mail.message/541'] }),
    change({ res_id: 7, at: '2026-11-28T10:00:00Z', sources: ['auditlog'], fields: [{ field: 'stage_id', old: 'New', new: 'Won' }, { field: 'probability', old: 10, new: 100 }], refs: ['auditlog.log/3'] }),
    change({ res_id: 9, kind: 'create', at: '2026-11-28T11:00:00Z', sources: ['create_uid'], record_name: 'Big deal' }),
    change({ res_id: 9, kind: 'message', at: '2026-11-28T11:00:01Z', sources: ['message'], refs: ['mail.message/542'] }),
    change({ res_id: 9, at: '2026-11-28T12:00:00Z', sources: ['write_uid'] }),
  ]);
  assert.equal(merged.length, 3);
  assert.deepEqual(merged[0], {
    model: 'crm.lead', res_id: 7, kind: 'write', at: '2026-11-28T10:00:00Z', sources: ['auditlog', 'tracking', 'write_uid'],
    fields: [{ field: 'stage_id', old: 'New', new: 'Won' }, { field: 'probability', old: 10, new: 100 }], refs: ['mail.message/541', 'auditlog.log/3'],
  });
  assert.deepEqual([merged[1]!.kind, merged[1]!.sources, merged[1]!.record_name, merged[1]!.refs], ['create', ['create_uid', 'message'], 'Big deal', ['mail.message/542']]);
  assert.deepEqual([merged[2]!.kind, merged[2]!.at], ['write', '2026-11-28T12:00:00Z']);
});

test('temporary exec keys carry who ran them', () => {
  const temporary = { user: 'alice', host: 'laptop', cwd: '/tmp', command: 'python fix.py' };
  const calls = [entry({ key: 'e1e2e3e4', name: 'exec-fix', ts: '2026-11-28T10:00:00.300Z', model: 'res.partner', method: 'write', ids: [3], temporary })];
  const a = attributeChanges(calls, [change({ model: 'res.partner', res_id: 3, at: '2026-11-28T10:00:00Z' })]);
  assert.deepEqual(a.keys[0]!.temporary, temporary);
});

test('a call whose line lists only its first 1000 ids explains changes to the others before a call that merely ran at the time', () => {
  const ids = Array.from({ length: 1500 }, (_, i) => i + 1);
  const calls = [
    // The journal lists 1000 of the ids A wrote and counts the other 500.
    web({ ts: '2026-11-28T10:00:02.000Z', model: 'res.partner', method: 'write', ids: ids.slice(0, 1000), more: { ids: 500 }, ms: 2000 }),
    sync({ ts: '2026-11-28T10:00:03.000Z', model: 'res.partner', method: 'write', ids: [99999], ms: 4000 }),
    // A create of 1200 records: 1000 listed.
    sync({ ts: '2026-11-28T10:10:01.000Z', model: 'res.partner', method: 'create', result_ids: ids.slice(0, 1000).map((i) => i + 5000), more: { result_ids: 200 }, ms: 900 }),
  ];
  const changes = [
    change({ model: 'res.partner', res_id: 500, at: '2026-11-28T10:00:01Z' }),
    change({ model: 'res.partner', res_id: 1200, at: '2026-11-28T10:00:01Z' }),
    change({ model: 'res.partner', res_id: 99999, at: '2026-11-28T10:00:01Z' }),
    change({ model: 'res.partner', res_id: 6100, kind: 'create', at: '2026-11-28T10:10:00Z', sources: ['create_uid'] }),
    // Another model: a side effect, by time only, as before.
    change({ model: 'crm.lead', res_id: 3, at: '2026-11-28T10:00:01Z' }),
  ];
  const a = attributeChanges(calls, changes, 5000);
  const got = a.keys.flatMap((k) => k.changes.map((c) => `${c.change.model}/${c.change.res_id} -> ${k.name} (${c.match})`)).sort();
  assert.deepEqual(got, [
    'crm.lead/3 -> nightly-sync (time)',
    'res.partner/1200 -> website-form (unlisted)',
    'res.partner/500 -> website-form (record)',
    'res.partner/6100 -> nightly-sync (unlisted)',
    'res.partner/99999 -> nightly-sync (record)',
  ]);
  assert.deepEqual(a.keys.find((k) => k.name === 'website-form')!.changes.find((c) => c.change.res_id === 1200)!.call.more, { ids: 500 });
  assert.equal(a.unexplained.length, 0);
});
