import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chalk } from 'chalk';
import { groupEntries, callRow, sparkline, ReportBuilder, NO_DATE, type ReportRow } from '../../src/audit/report.js';
import { renderReportTable, renderCallsTable, renderReportCsv, csvField, CALLS_CSV_HEADER, callCsvLine, renderVerify } from '../../src/audit/render.js';
import type { JournalEntry } from '../../src/audit/types.js';
import { sampleInputs } from './fixtures.js';

/** The sample as entries (the chain members do not matter to reports). */
function entries(): JournalEntry[] {
  return sampleInputs().map((x, i) => ({ ...x, seq: i + 1, prev: '', hash: '' }));
}

const plain = new Chalk({ level: 0 });
const coloured = new Chalk({ level: 1 });

function row(rows: ReportRow[], group: string): ReportRow {
  const r = rows.find((x) => x.group === group);
  assert.ok(r, `no row ${group} in ${rows.map((x) => x.group).join(', ')}`);
  return r;
}

test('by key: counts, records, addresses, latency, first and last seen', () => {
  const report = groupEntries(entries(), { by: 'key' });
  assert.deepEqual(report.totals, { calls: 13, allowed: 10, denied: 3, odoo_errors: 1, upstream_errors: 1 });
  const web = row(report.rows, '7f3a9c2e');
  assert.deepEqual(
    [web.key, web.name, web.profile, web.calls, web.allowed, web.denied, web.created, web.written, web.deleted, web.ips],
    ['7f3a9c2e', 'website-form', 'prod', 4, 3, 1, 3, 0, 0, 3],
  );
  assert.equal(web.first_seen, '2026-11-20T09:00:00.000Z');
  assert.equal(web.last_seen, '2026-11-25T10:00:00.000Z');
  // ms 14, 20, 1, 16: nearest-rank median 14, p95 20.
  assert.deepEqual([web.ms_median, web.ms_p95], [14, 20]);
  const sync = row(report.rows, '1c0de5a1');
  // The failed unlink and the failed create change nothing.
  assert.deepEqual([sync.calls, sync.odoo_errors, sync.upstream_errors, sync.created, sync.written, sync.deleted, sync.ips], [4, 1, 1, 0, 3, 0, 1]);
  const unknown = row(report.rows, '(unknown key)');
  assert.deepEqual([unknown.key, unknown.name, unknown.denied], [null, '(unknown key)', 1]);
  assert.equal(row(report.rows, 'c0ffee01').learning, true);
  assert.equal(web.learning, false);
  const exec = row(report.rows, 'e1e2e3e4');
  assert.deepEqual(exec.temporary, [{ user: 'alice', host: 'laptop', cwd: '/home/alice/import', command: 'python import.py --all' }]);
  assert.equal(exec.created, 3);
  // Busiest first.
  assert.deepEqual(report.rows.map((r) => r.calls), [4, 4, 2, 2, 1]);
});

test('by model, method, day and address', () => {
  const byModel = groupEntries(entries(), { by: 'model' });
  assert.deepEqual(
    byModel.rows.map((r) => [r.group, r.calls]),
    [['crm.lead', 4], ['x_saas_stats', 3], ['product.product', 2], ['sale.order', 2], ['(common)', 1], ['res.partner', 1]],
  );
  assert.equal(byModel.rows[0]!.key, undefined, 'key columns only for by=key');
  const byMethod = groupEntries(entries(), { by: 'method' });
  assert.deepEqual(
    byMethod.rows.map((r) => [r.group, r.calls]),
    [['create', 5], ['search_read', 2], ['unlink', 2], ['write', 2], ['action_confirm', 1], ['common.authenticate', 1]],
  );
  assert.equal(row(byMethod.rows, 'action_confirm').learning, true);
  const byDay = groupEntries(entries(), { by: 'day' });
  assert.deepEqual(
    byDay.rows.map((r) => [r.group, r.calls]),
    [['2026-11-20', 3], ['2026-11-21', 4], ['2026-11-22', 1], ['2026-11-23', 2], ['2026-11-24', 2], ['2026-11-25', 1]],
  );
  const byIp = groupEntries(entries(), { by: 'ip' });
  assert.deepEqual(row(byIp.rows, '127.0.0.1').calls, 4);
  assert.deepEqual(row(byIp.rows, '10.0.0.5').calls, 4);
  assert.equal(byIp.rows.length, 6);
  // "Allowed without rules" marks a group of calls only if a learning key's call there was allowed:
  // one whose calls were all refused (a limit, a lockout) has none.
  const denied = { ts: '2026-11-26T10:00:00.000Z', seq: 99, prev: '', hash: '', key: 'c0ffee01', name: 'assistant', ip: '192.0.2.9', proto: 'json2' as const, model: 'sale.order', method: 'read', decision: 'deny' as const, limit: 'hours', outcome: 'denied' as const, learning: true };
  const withDenied = groupEntries([...entries(), denied], { by: 'ip' });
  assert.equal(row(withDenied.rows, '192.0.2.9').learning, false);
  assert.equal(row(withDenied.rows, '127.0.0.1').learning, true);
  assert.doesNotMatch(renderReportTable(withDenied, plain).split('192.0.2.9')[1]!.split('\n')[1] ?? '', /LEARNING/);
  assert.equal(row(groupEntries([denied], { by: 'key' }).rows, 'c0ffee01').learning, true, 'by key the mark says what the key is');
});

test('by day: a line whose ts is not a time gets a group of its own, not a crash', () => {
  const good = entries()[0]!;
  const report = groupEntries([good, { ...good, ts: 'zz' }, { ...good, ts: '' }], { by: 'day' });
  assert.deepEqual(report.rows.map((r) => [r.group, r.calls]).sort(), [[good.ts.slice(0, 10), 1], [NO_DATE, 2]].sort());
});

test('activity: buckets over the window sum to the calls; the sparkline scales to the busiest bucket', () => {
  const since = new Date('2026-11-20T00:00:00Z');
  const until = new Date('2026-11-28T00:00:00Z');
  const report = groupEntries(entries(), { by: 'key', since, until, buckets: 8 });
  assert.deepEqual(report.window, { since: since.toISOString(), until: until.toISOString() });
  const web = row(report.rows, '7f3a9c2e');
  // One bucket per day: three calls on day 0, one on day 5.
  assert.deepEqual(web.activity, [3, 0, 0, 0, 0, 1, 0, 0]);
  assert.equal(web.sparkline, '█    ▃  ');
  for (const r of report.rows) assert.equal(r.activity.reduce((a, b) => a + b, 0), r.calls);
  assert.equal(sparkline([0, 1, 2, 4, 8]), ' ▁▂▄█');
  assert.equal(sparkline([0, 0]), '  ');
  // Without a window the entries' own span is used.
  const open = groupEntries(entries(), { buckets: 4 });
  assert.deepEqual(open.window, { since: '2026-11-20T09:00:00.000Z', until: '2026-11-25T10:00:00.000Z' });
});

test('entries in any order give the same report; a renamed key shows its newest name', () => {
  const es = entries();
  const b = new ReportBuilder({ by: 'key' });
  b.addAll([...es].reverse());
  b.add({ ...es[0]!, ts: '2026-11-26T00:00:00.000Z', name: 'contact-form', seq: 99 });
  const r = b.report();
  const web = row(r.rows, '7f3a9c2e');
  assert.equal(web.name, 'contact-form');
  assert.equal(web.calls, 5);
  assert.equal(web.first_seen, '2026-11-20T09:00:00.000Z');
  assert.deepEqual(groupEntries([]).rows, []);
});

test('calls: one row per call with rule or limit, reason and outcome', () => {
  const es = entries();
  assert.deepEqual(callRow(es[2]!), {
    ts: '2026-11-20T09:06:00.000Z', key: '7f3a9c2e', name: 'website-form', ip: '198.51.100.1', proto: 'json2', method: 'write',
    model: 'crm.lead', ids: [512], fields: [], decision: 'deny', rule: 'limit ips', reason: 'address 198.51.100.1 is outside 203.0.113.0/24', detail: null,
    outcome: 'denied', error: null, result_ids: [], ms: 1, learning: false, previous_secret: false, temporary: null, more: null,
    event: null, exec: null,
  });
  assert.equal(callRow(es[7]!).method, 'common.authenticate');
  assert.equal(callRow(es[5]!).error, 'odoo.exceptions.AccessError: You are not allowed to delete');
  assert.equal(callRow(es[10]!).temporary, 'alice@laptop: python import.py --all');
});

test('table: names, learning and exec marks, plain without colour and coloured denials with it', () => {
  const report = groupEntries(entries());
  const text = renderReportTable(report, plain);
  assert.doesNotMatch(text, /\x1b\[/);
  assert.match(text, /website-form \(7f3a9c2e\)/);
  assert.match(text, /!! LEARNING: allowed without rules/);
  assert.match(text, /exec by alice@laptop: python import.py --all/);
  assert.match(text, /\(unknown key\)/);
  assert.match(text, /13 calls from 2026-11-20 09:00:00 to 2026-11-25 10:00:00 UTC: 10 allowed, 3 denied, 2 errors/);
  const colour = renderReportTable(report, coloured);
  assert.match(colour, /\x1b\[31m1\x1b\[39m/, 'denied count in red');
  assert.match(colour, /\x1b\[33m2 \(1 upstream\)\x1b\[39m/, 'errors in yellow');
  const calls = renderCallsTable(entries().map(callRow), plain, true);
  assert.match(calls, /limit ips: address 198\.51\.100\.1 is outside/);
  assert.match(calls, /odoo_error: odoo\.exceptions\.AccessError/);
  assert.match(calls, /-> 901,902,903/);
  assert.doesNotMatch(calls, /\x1b\[/);
  assert.match(renderCallsTable(entries().map(callRow), coloured, false), /\x1b\[31mdeny\x1b\[39m/);
});

test('CSV: one header, one line per row, RFC 4180 quoting', () => {
  const csv = renderReportCsv(groupEntries(entries()));
  const lines = csv.trimEnd().split('\n');
  assert.equal(lines.length, 6);
  assert.match(lines[0]!, /^group,key,name,profile,calls,allowed,denied,/);
  assert.match(csv, /e1e2e3e4,e1e2e3e4,exec-import,prod,2,1,1,.*,alice@laptop: python import.py --all,0,,,,,\n/);
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField(null), '');
  assert.equal(csvField([1, 2]), '1 2');
  const call = callCsvLine(callRow(entries()[2]!));
  assert.equal(call.split(',').length >= CALLS_CSV_HEADER.length, true);
  assert.match(call, /^2026-11-20T09:06:00.000Z,7f3a9c2e,website-form,198\.51\.100\.1,json2,write,crm\.lead,512,,deny,limit ips,/);
});

test('verify output: intact and broken chains', () => {
  const text = renderVerify(
    {
      ok: false,
      chains: [
        { dir: '/j', replica: undefined, files: 2, lines: 10, firstSeq: 1, lastSeq: 10, firstTs: '2026-11-20T00:00:00.000Z', lastTs: '2026-11-21T00:00:00.000Z', lastHash: 'a'.repeat(64), prunedThrough: undefined, ok: true, problems: [], problemCount: 0 },
        { dir: '/j', replica: 'b', files: 1, lines: 3, firstSeq: 1, lastSeq: 3, firstTs: undefined, lastTs: undefined, lastHash: 'b'.repeat(64), prunedThrough: undefined, ok: false, problems: [{ kind: 'changed', file: 'x.jsonl', line: 2, seq: 2, message: 'line 2 (seq 2) was changed' }], problemCount: 1 },
      ],
    },
    plain,
  );
  assert.match(text, /^intact {2}\/j: 10 lines in 2 files, seq 1–10/m);
  assert.match(text, /^BROKEN {2}\/j \[replica b\]/m);
  assert.match(text, /^ {2}changed {2}x\.jsonl:2: line 2 \(seq 2\) was changed$/m);
  // The head, in the form --expect-head takes back.
  assert.match(text, /^ {2}head 10:a{64}$/m);
  assert.match(text, /^ {2}head b:3:b{64}$/m);
});

test('partial reports merge to the same report as one builder', () => {
  const es = entries();
  const whole = groupEntries(es, { by: 'key', since: new Date('2026-11-20T00:00:00Z'), until: new Date('2026-11-26T00:00:00Z') });
  const a = new ReportBuilder({ by: 'key', since: new Date('2026-11-20T00:00:00Z'), until: new Date('2026-11-26T00:00:00Z') });
  const b = new ReportBuilder({ by: 'key' });
  es.forEach((e, i) => (i % 2 ? a : b).add(e));
  a.merge(structuredClone(b.partial()));
  assert.deepEqual(a.report(), whole);
});
