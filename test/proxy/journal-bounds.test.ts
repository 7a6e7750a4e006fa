// What one call can make the journal hold. Clients choose the names in a call (the keys of create
// values even when the scope denies the create, context keys, fields read) and how many ids it
// names: each line is bounded whatever they send, and what a list left out is counted, not lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';
import { groupJournal } from '../../src/audit/group.js';
import { createLogger } from '../../src/proxy/log.js';

function json2(h: Harness, token: string, model: string, method: string, body: unknown): ReturnType<typeof post> {
  return post(`${h.url}/json/2/${model}/${method}`, JSON.stringify(body), { 'content-type': 'application/json', authorization: `bearer ${token}`, 'x-odoo-database': h.db });
}

function journalBytes(dir: string): number {
  return readdirSync(dir).filter((f) => f.endsWith('.jsonl')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

test('a denied create with 600 field names, three of them 100,000 characters long: a line of at most 500 names of 256 characters, the rest counted', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'reader', rules: [{ model: 'res.partner', methods: ['read'] }] });
  const vals: Record<string, number> = {};
  for (let i = 0; i < 3; i++) vals[`${i}`.padEnd(100_000, 'x')] = 1;
  for (let i = 0; i < 597; i++) vals[`f${String(i).padStart(3, '0')}`] = 1;
  const r = await json2(h, token, 'res.partner', 'create', { vals_list: [vals] });
  assert.equal(r.status, 403, r.text);
  const [line] = await h.journal();
  assert.equal(line!.decision, 'deny');
  assert.equal(line!.fields!.length, 500);
  assert.deepEqual(line!.more, { fields: 100 });
  assert.ok(line!.fields!.every((f) => f.length <= 256));
  assert.ok(line!.fields!.some((f) => /^0x+\.\.\. \(100000 characters\)$/.test(f)), line!.fields!.slice(0, 3).join('\n'));
  assert.ok(journalBytes(h.journalDir!) < 150_000, `${journalBytes(h.journalDir!)} bytes for one call`);
});

test("a learning key's lists are bounded too: fields read, context keys, x2many lines", async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'learner', rules: [], learning: true, expires: new Date(Date.now() + 3_600_000).toISOString() });
  const long = (p: string, i: number) => `${p}${i}_`.padEnd(1000, 'y');
  const fields = Array.from({ length: 700 }, (_, i) => long('f', i));
  const context = Object.fromEntries(Array.from({ length: 700 }, (_, i) => [long('c', i), 1]));
  await json2(h, token, 'res.partner', 'search_read', { domain: [], fields, limit: 1, context });
  const lineVals = Object.fromEntries(Array.from({ length: 520 }, (_, i) => [`l${i}`, 1]));
  const x2many = Object.fromEntries(Array.from({ length: 510 }, (_, i) => [long('x', i), [[0, 0, lineVals]]]));
  await json2(h, token, 'res.partner', 'create', { vals_list: [{ name: 'n', ...x2many }] });
  const [read, create] = await h.journal();
  assert.equal(read!.read_fields!.length, 500);
  assert.equal(read!.context_keys!.length, 500);
  assert.ok([...read!.read_fields!, ...read!.context_keys!].every((f) => f.length <= 256));
  assert.deepEqual(read!.more, { read_fields: 200, context_keys: 200 });
  assert.equal(create!.x2many!.length, 500);
  assert.ok(create!.x2many!.every((x) => x.field.length <= 256));
  // The lines' fields of all x2many items share one list's room: nested lists cannot multiply.
  assert.deepEqual(create!.x2many!.map((x) => x.fields.length).reduce((a, b) => a + b), 500);
  assert.deepEqual(create!.more, { fields: 11, x2many: 10, 'x2many.fields': 500 * 520 - 500 });
  assert.ok(journalBytes(h.journalDir!) < 700_000, `${journalBytes(h.journalDir!)} bytes for two calls`);
});

test('a create and an unlink of 1500 records: each line lists 1000 ids and counts the other 500; audit counts 1500', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'sync', rules: [{ model: 'res.partner', methods: ['read', 'create', 'unlink'] }] });
  const made = await json2(h, token, 'res.partner', 'create', { vals_list: Array.from({ length: 1500 }, (_, i) => ({ name: `p${i}` })) });
  const ids = JSON.parse(made.text) as number[];
  assert.equal(ids.length, 1500);
  assert.equal((await json2(h, token, 'res.partner', 'unlink', { ids })).status, 200);
  const [create, unlink] = await h.journal();
  assert.deepEqual([create!.result_ids!.length, create!.more], [1000, { result_ids: 500 }]);
  assert.deepEqual(create!.result_ids, ids.slice(0, 1000));
  assert.deepEqual([unlink!.ids!.length, unlink!.more], [1000, { ids: 500 }]);
  const report = await groupJournal([h.journalDir!], {}, { by: 'key', workers: 1 });
  assert.deepEqual(report.rows.map((r) => [r.name, r.created, r.deleted]), [['sync', 1500, 1500]]);
});

test('when the journal cannot be written, the log line that carries the entry is bounded the same way', async (t) => {
  const logged: string[] = [];
  const h = await startHarness({ version: 19, log: createLogger('info', (l) => logged.push(l)) });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'reader', rules: [{ model: 'res.partner', methods: ['read'] }] });
  const dir = h.journalDir!;
  rmSync(dir, { recursive: true, force: true });
  writeFileSync(dir, 'not a folder');
  const vals = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`${i}`.padEnd(100_000, 'x'), 1]));
  await json2(h, token, 'res.partner', 'create', { vals_list: [vals] });
  await json2(h, token, 'res.partner', 'create', { vals_list: [vals] });
  const failures = logged.filter((l) => l.includes('journal write failed'));
  for (const l of failures) assert.ok(l.length < 20_000, `a log line of ${l.length} characters`);
  // The first create gets its fields journaled (and fails to be); once the journal is known to be
  // down, calls are refused before their fields are looked at.
  const withFields = failures.map((l) => (JSON.parse(l) as { entry: { fields?: string[] } }).entry.fields).filter((f) => f !== undefined);
  assert.ok(withFields.length >= 1, logged.join(''));
  for (const fields of withFields) assert.ok(fields.every((f) => f.length <= 256));
  rmSync(dir);
});
