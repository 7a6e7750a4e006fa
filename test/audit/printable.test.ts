// Text that clients choose (model and method names before any key is checked, reasons, Odoo's
// messages) reaches audit's tables and CSV: nothing in it may act on a terminal or a spreadsheet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { printable } from '../../src/cli/printable.js';
import { groupEntries, callRow } from '../../src/audit/report.js';
import { renderAttribution, renderCallsTable, renderReportTable, renderVerify, csvField, callCsvLine, renderReportCsv } from '../../src/audit/render.js';
import type { JournalEntry } from '../../src/audit/types.js';
import { runCli } from '../support/cli.js';
import { tempDir, writeJournal, type TimedInput } from './fixtures.js';

const plain = new Chalk({ level: 0 });
const ESC = '\u001b';
/** Erase the line, move up, erase, set the window title, conceal what follows. */
const HOSTILE_MODEL = `res.partner${ESC}[2K${ESC}[1A${ESC}[2K${ESC}]0;owned${ESC}\\${ESC}[8m`;
const HOSTILE_METHOD = 'unlink\n(forged line)\u202e\u200b\u0085\u007f';
const HOSTILE_TEXT = `${ESC}]8;;http://evil.example${ESC}\\click${ESC}]8;;${ESC}\\ \r\u2028\u2066`;

/** Anything a terminal acts on or hides, except the newlines the tables themselves draw. */
const ACTS_ON_TERMINAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Cf}\u2028\u2029]/u;

const hostile: TimedInput[] = [
  { ts: '2026-11-20T09:00:00.000Z', key: null, name: null, ip: '192.0.2.1', proto: 'jsonrpc', model: HOSTILE_MODEL, method: HOSTILE_METHOD, ids: [1], decision: 'deny', reason: `unknown key ${HOSTILE_TEXT}`, outcome: 'rejected' },
  { ts: '2026-11-20T09:01:00.000Z', key: 'abcd1234', name: 'reader', ip: '192.0.2.2', proto: 'json2', model: 'res.partner', method: 'read', ids: [1], decision: 'allow', rule: 0, outcome: 'odoo_error', error: { name: `ValueError${ESC}[2K`, message: `Invalid field ${HOSTILE_TEXT}` } },
  { ts: '2026-11-20T09:02:00.000Z', key: 'abcd1234', name: 'reader', ip: '192.0.2.2', proto: 'json2', model: '=HYPERLINK("http://evil.example","x")', method: '@SUM(1+1)', decision: 'deny', reason: '+cmd|calc', outcome: 'denied', temporary: { user: 'u', host: 'h', cwd: '/', command: `-x${ESC}[2J` } },
];

const entries = (): JournalEntry[] => hostile.map((x, i) => ({ ...x, seq: i + 1, prev: '', hash: '' }));

test('printable: controls, DEL, C1, bidi and other invisible format characters are shown as escapes; other text is left alone', () => {
  assert.equal(printable('res.partner'), 'res.partner');
  assert.equal(printable('Café – 東京 ✓'), 'Café – 東京 ✓');
  assert.equal(printable(`a${ESC}[2Kb`), 'a\\x1b[2Kb');
  assert.equal(printable('a\nb\tc\r'), 'a\\x0ab\\x09c\\x0d');
  assert.equal(printable('\u007f\u0085\u009b'), '\\x7f\\x85\\x9b');
  assert.equal(printable('\u202eevil\u202c'), '\\u{202e}evil\\u{202c}');
  assert.equal(printable('\u200b\u200d\u2066\u2069\ufeff\u00ad\u2028\u2029'), '\\u{200b}\\u{200d}\\u{2066}\\u{2069}\\u{feff}\\xad\\u{2028}\\u{2029}');
  assert.equal(printable('\u{e0041}'), '\\u{e0041}');
  assert.equal(printable('\ud800x'), '\\u{d800}x');
});

test('tables: nothing a client chose acts on the terminal (calls, by key, by model, by method, verify, --odoo)', () => {
  const es = entries();
  const outputs = [
    renderCallsTable(es.map(callRow), plain, true),
    renderReportTable(groupEntries(es), plain),
    renderReportTable(groupEntries(es, { by: 'model' }), plain),
    renderReportTable(groupEntries(es, { by: 'method' }), plain),
    renderVerify({ ok: false, chains: [{ dir: '/j', replica: undefined, files: 1, lines: 1, firstSeq: 1, lastSeq: 1, firstTs: `2026${ESC}[2K`, lastTs: undefined, lastHash: undefined, prunedThrough: undefined, ok: false, problems: [{ kind: 'end_missing', file: `x${ESC}[2K`, line: 0, message: `seq 9 was written (${HOSTILE_TEXT})` }], problemCount: 1 }] }, plain),
    renderAttribution(
      {
        toleranceMs: 5000,
        keys: [{ key: 'abcd1234', name: `reader${ESC}[8m`, changes: [{ change: { model: HOSTILE_MODEL, res_id: 1, kind: 'write', at: '2026-11-20T09:01:00Z', sources: ['tracking'], record_name: HOSTILE_TEXT, fields: [{ field: `name${ESC}[2K`, old: HOSTILE_TEXT, new: HOSTILE_METHOD }] }, call: { seq: 2, ts: '2026-11-20T09:01:00.000Z', key: 'abcd1234', name: 'reader', model: HOSTILE_MODEL, method: HOSTILE_METHOD, ids: [1], result_ids: [] }, match: 'record', offset_ms: 0 }] }],
        unexplained: [{ model: HOSTILE_MODEL, res_id: 2, kind: 'write', at: '2026-11-20T09:01:00Z', sources: ['write_uid'], record_name: HOSTILE_TEXT }],
      },
      plain,
    ),
  ];
  for (const out of outputs) {
    const bad = ACTS_ON_TERMINAL.exec(out);
    assert.equal(bad, null, `U+${bad?.[0].codePointAt(0)?.toString(16)} reached the output:\n${out}`);
  }
  const calls = outputs[0]!;
  assert.match(calls, /res\.partner\\x1b\[2K\\x1b\[1A/);
  assert.match(calls, /unlink\\x0a\(forged line\)\\u\{202e\}/);
  // The forged line is not a row of its own: no line of the table starts with it.
  assert.doesNotMatch(calls, /^\(forged line\)/m);
  assert.match(calls, /odoo_error: ValueError\\x1b\[2K: Invalid field \\x1b\]8;;http/);
  assert.match(outputs[2]!, /res\.partner\\x1b\[2K/);
  assert.match(outputs[3]!, /unlink\\x0a\(forged line\)/);
});

test('CSV: a field that a sheet would run as a formula starts with a quote; numbers and other text are as they were', () => {
  assert.equal(csvField('=1+1'), "'=1+1");
  assert.equal(csvField('+cmd|calc'), "'+cmd|calc");
  assert.equal(csvField('-2+3'), "'-2+3");
  assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvField('\t=1'), "'\t=1");
  assert.equal(csvField('\r=1'), `"'\r=1"`);
  assert.equal(csvField('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
  assert.equal(csvField(-1), '-1');
  assert.equal(csvField('res.partner'), 'res.partner');
  assert.equal(csvField('a=b'), 'a=b');
  const line = callCsvLine(callRow(entries()[2]!));
  assert.match(line, /,'@SUM\(1\+1\),"'=HYPERLINK\(""http:\/\/evil\.example"",""x""\)",/);
  assert.match(line, /,'\+cmd\|calc,/);
  assert.match(renderReportCsv(groupEntries(entries(), { by: 'model' })), /^"'=HYPERLINK/m);
});

test('audit on a journal with hostile names: tables and CSV are safe, --json gives the text exactly', async (t) => {
  const state = tempDir(t);
  const cli = { home: tempDir(t), state };
  await writeJournal(join(state, 'journal'), hostile);
  const window = ['--since', '2026-11-01', '--until', '2026-12-01'];
  for (const args of [['--calls'], ['--by', 'model'], ['--by', 'method'], []]) {
    const r = await runCli(cli, ['audit', ...window, ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(ACTS_ON_TERMINAL.exec(r.stdout), null, `audit ${args.join(' ')}:\n${r.stdout}`);
    assert.doesNotMatch(r.stdout, /\x1b/);
  }
  const csv = await runCli(cli, ['audit', ...window, '--calls', '--format', 'csv']);
  assert.doesNotMatch(csv.stdout, /(^|,)"?[=+@-]/m);
  const json = await runCli(cli, ['audit', ...window, '--calls', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const calls = JSON.parse(json.stdout).calls as { model: string; method: string; reason: string; error: string | null }[];
  assert.deepEqual(calls.map((c) => c.model), [HOSTILE_MODEL, 'res.partner', hostile[2]!.model]);
  assert.equal(calls[0]!.method, HOSTILE_METHOD);
  assert.equal(calls[0]!.reason, `unknown key ${HOSTILE_TEXT}`);
  assert.equal(calls[1]!.error, `ValueError${ESC}[2K: Invalid field ${HOSTILE_TEXT}`);
  const byModel = await runCli(cli, ['audit', ...window, '--by', 'model', '--json']);
  assert.ok((JSON.parse(byModel.stdout).rows as { group: string }[]).some((r) => r.group === HOSTILE_MODEL));
});
