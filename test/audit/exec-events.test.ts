// An exec run's start and end lines (`event`): in the hash chain, never counted as calls by any
// reader (the byte scanner, the light and full parsers, --calls, filters), shown as the key's run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openJournal } from '../../src/audit/journal.js';
import { verifyJournal } from '../../src/audit/verify.js';
import { groupJournal } from '../../src/audit/group.js';
import { readJournal, readReportBatches, compileFilter } from '../../src/audit/read.js';
import { parseLightEntry } from '../../src/audit/fastparse.js';
import { callRow, groupEntries, type Report } from '../../src/audit/report.js';
import { callCsvLine, renderCallsTable, renderReportCsv, renderReportTable } from '../../src/audit/render.js';
import { formatRuleForJournal } from '../../src/policy/compact.js';
import type { JournalEntry, JournalEventInput, JournalInput } from '../../src/audit/types.js';
import { tempDir } from './fixtures.js';
import { Chalk } from 'chalk';

const plain = new Chalk({ level: 0 });
const who = { user: 'alice', host: 'laptop', cwd: '/home/alice', command: 'python3' };
const run = (id: string) => ({ key: id, name: 'exec-python3', profile: 'prod', temporary: who });
const call = (ts: string, key: string, decision: 'allow' | 'deny' = 'allow'): JournalInput & { ts: string } => ({
  ts, key, name: key === 'e1e1e1e1' ? 'exec-python3' : 'website-form', profile: 'prod', ip: '127.0.0.1', proto: 'xmlrpc', model: 'res.partner',
  method: 'search_read', decision, outcome: decision === 'allow' ? 'ok' : 'denied', ms: 5, ...(key === 'e1e1e1e1' ? { temporary: who } : {}),
});

/** A website-form call, a run with two calls (one denied) ending with exit 3, and a run that made no call. */
function inputs(): (JournalInput | JournalEventInput)[] {
  return [
    call('2026-11-24T08:00:00.000Z', '7f3a9c2e'),
    { ...run('e1e1e1e1'), ts: '2026-11-24T09:00:00.000Z', event: 'exec_start', exec: { expires: '2026-11-24T09:15:00.000Z', ttl_ms: 900_000, scope: ['res.partner:read(name)'] } },
    call('2026-11-24T09:00:01.000Z', 'e1e1e1e1'),
    call('2026-11-24T09:00:02.000Z', 'e1e1e1e1', 'deny'),
    { ...run('e1e1e1e1'), ts: '2026-11-24T09:00:03.000Z', event: 'exec_end', exec: { how: 'exited', exit_code: 3, calls: 2, denied: 1, ms: 3000 } },
    { ...run('e2e2e2e2'), ts: '2026-11-24T10:00:00.000Z', event: 'exec_start', exec: { expires: '2026-11-24T10:00:02.000Z', ttl_ms: 2000, scope: ['res.partner:read(name) domain on email'], kill_on_expiry: true } },
    { ...run('e2e2e2e2'), ts: '2026-11-24T10:00:02.500Z', event: 'exec_end', exec: { how: 'signal', exit_code: 143, signal: 'SIGTERM', ttl_expired: true, killed_on_expiry: true, calls: 0, denied: 0, ms: 2500 } },
  ];
}

async function journal(t: { after: (fn: () => void) => void }): Promise<{ dir: string; entries: JournalEntry[] }> {
  const dir = join(tempDir(t), 'journal');
  let clock = new Date('2026-11-24T08:00:00.000Z');
  const j = await openJournal({ dir, replica: 'exec', sync: 'none', now: () => clock });
  const entries: JournalEntry[] = [];
  for (const i of inputs()) {
    clock = new Date(i.ts!);
    entries.push(await j.append(i));
  }
  await j.close();
  return { dir, entries };
}

const WINDOW = { since: new Date('2026-11-24T00:00:00Z'), until: new Date('2026-11-25T00:00:00Z') };

function checkByKey(r: Report): void {
  // Three calls in all: the four run lines count in no figure.
  assert.deepEqual(r.totals, { calls: 3, allowed: 2, denied: 1, odoo_errors: 0, upstream_errors: 0 });
  const ran = r.rows.find((x) => x.key === 'e1e1e1e1')!;
  assert.deepEqual([ran.calls, ran.allowed, ran.denied, ran.ms_median], [2, 1, 1, 5]);
  assert.deepEqual(ran.run, { started: '2026-11-24T09:00:00.000Z', expires: '2026-11-24T09:15:00.000Z', ended: '2026-11-24T09:00:03.000Z', end: { how: 'exited', exit_code: 3, calls: 2, denied: 1, ms: 3000 } });
  // The run that made no call has a row of its own: that it ran, and how it ended.
  const quiet = r.rows.find((x) => x.key === 'e2e2e2e2')!;
  assert.deepEqual([quiet.name, quiet.calls, quiet.allowed, quiet.denied, quiet.first_seen, quiet.last_seen], ['exec-python3', 0, 0, 0, '2026-11-24T10:00:00.000Z', '2026-11-24T10:00:02.500Z']);
  assert.equal(quiet.run?.end?.signal, 'SIGTERM');
  assert.equal(quiet.run?.end?.ttl_expired, true);
  assert.deepEqual(quiet.temporary, [who]);
}

test('exec run lines are in the hash chain: verify passes, and fails when one is changed or removed', async (t) => {
  const { dir, entries } = await journal(t);
  assert.deepEqual(entries.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal((await verifyJournal(dir)).ok, true);
  const file = join(dir, readdirSync(dir).find((n) => n.endsWith('.jsonl'))!);
  const pristine = readFileSync(file, 'utf8');
  const lines = pristine.split('\n').slice(0, -1);
  assert.equal(lines.length, 7);
  assert.doesNotMatch(lines[4]!, /"decision"|"outcome"|"proto"/, 'a run line is not a call');

  writeFileSync(file, pristine.replace('"exit_code":3', '"exit_code":0'));
  let v = await verifyJournal(dir);
  assert.equal(v.ok, false);
  assert.deepEqual(v.chains[0]!.problems.map((p) => [p.kind, p.line]), [['changed', 5]]);

  writeFileSync(file, [...lines.slice(0, 5), ...lines.slice(6)].map((l) => l + '\n').join(''));
  v = await verifyJournal(dir);
  assert.equal(v.ok, false);
  assert.deepEqual(v.chains[0]!.problems.map((p) => p.kind), ['removed']);
});

test('audit by key: run lines count as no call, and a run with no call has its row with how it ended (scanner, light and full parsers)', async (t) => {
  const { dir } = await journal(t);
  // The byte scanner (LineView), as `odoo-keys audit` reads.
  checkByKey(await groupJournal([dir], WINDOW, { by: 'key', ...WINDOW, workers: 1 }));
  // The light parser and the full parser.
  const light = [];
  for await (const b of readReportBatches([dir], WINDOW)) light.push(...b);
  checkByKey(groupEntries(light, { by: 'key', ...WINDOW }));
  const full = [];
  for await (const e of readJournal([dir], WINDOW)) full.push(e);
  checkByKey(groupEntries(full, { by: 'key', ...WINDOW }));
  assert.equal(parseLightEntry(readFileSync(join(dir, readdirSync(dir).find((n) => n.endsWith('.jsonl'))!), 'utf8').split('\n')[1]!)?.event, 'exec_start');
  // Other groupings have no row for them at all.
  for (const by of ['model', 'method', 'day', 'ip'] as const) {
    const r = await groupJournal([dir], WINDOW, { by, ...WINDOW, workers: 1 });
    assert.equal(r.totals.calls, 3, by);
    assert.equal(r.rows.reduce((n, x) => n + x.calls, 0), 3, by);
    assert.ok(r.rows.every((x) => x.calls > 0), `${by}: ${JSON.stringify(r.rows.map((x) => x.group))}`);
  }
  const report = await groupJournal([dir], WINDOW, { by: 'key', ...WINDOW, workers: 1 });
  const table = renderReportTable(report, plain);
  assert.match(table, /run 2026-11-24 09:00:00 to 2026-11-24 09:00:03: exit 3, after 3s, 2 calls \(1 not allowed\)/);
  assert.match(table, /run 2026-11-24 10:00:00 to 2026-11-24 10:00:02: killed by SIGTERM \(exit 143\), after 3s, 0 calls, ttl expired, stopped at expiry/);
  assert.match(table, /^3 calls from /m);
  assert.match(renderReportCsv(report), /e2e2e2e2,e2e2e2e2,exec-python3,prod,0,0,0,.*,2026-11-24T10:00:00.000Z,2026-11-24T10:00:02.500Z,143,SIGTERM,true\n/);
});

test('audit --calls: run lines are rows of their own, with no decision or outcome; filters on calls leave them out', async (t) => {
  const { dir, entries } = await journal(t);
  const rows = entries.map(callRow);
  assert.deepEqual(rows.map((r) => r.event), [null, 'exec_start', null, null, 'exec_end', 'exec_start', 'exec_end']);
  const end = rows[4]!;
  assert.deepEqual([end.decision, end.outcome, end.method, end.reason], [null, '', '', 'exit 3, after 3s, 2 calls (1 not allowed)']);
  assert.match(rows[5]!.reason!, /^ttl 2s, until 2026-11-24T10:00:02.000Z; scope res\.partner:read\(name\) domain on email; kill on expiry$/);
  const text = renderCallsTable(rows, plain, true);
  assert.match(text, /exec started/);
  assert.match(text, /exec ended/);
  assert.match(callCsvLine(end), /,exec_end,$/);
  // --denied, --errors, --model and --method select calls: run lines have none of those.
  for (const f of [{ denied: true }, { errors: true }, { models: ['res.partner'] }, { methods: ['search_read'] }]) {
    const keep = compileFilter(f);
    assert.ok(entries.filter(keep).every((e) => e.event === undefined), JSON.stringify(f));
  }
  // --key keeps them (by id or name).
  assert.equal(entries.filter(compileFilter({ keys: ['e2e2e2e2'] })).length, 2);
  assert.ok(dir);
});

test('the start line names a domain by its fields, never its values', () => {
  const s = formatRuleForJournal({ model: 'res.partner', methods: ['read'], fields: ['name'], domain: ['|', ['email', '=', 'bob@example.com'], ['customer_rank', '>', 0]] });
  assert.equal(s, 'res.partner:read(name) domain on email,customer_rank');
});
