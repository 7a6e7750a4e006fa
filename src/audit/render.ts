// Reports as text: tables for people (colour only where the terminal takes it), CSV for sheets.
//
// Every text that comes from the journal or from Odoo goes through printable() before it is styled
// or put in a cell: clients choose much of it (src/cli/printable.ts says why). JSON output is left
// as it is (JSON escapes every control character), CSV keeps the text but not a formula.

import type { ChalkInstance } from 'chalk';
import { table } from '../cli/style.js';
import { printable } from '../cli/printable.js';
import { describeRun, type CallRow, type Report, type ReportRow } from './report.js';
import type { VerifyResult } from './verify.js';
import type { Attribution, FieldChange, OdooChange } from './attribute.js';

/** `2026-11-28 10:04:05` (UTC) from an ISO instant. */
export function shortTime(iso: string | null | undefined): string {
  return iso ? printable(String(iso).slice(0, 19).replace('T', ' ')) : '-';
}

function ms(v: number | null): string {
  if (v === null) return '-';
  return v >= 100 ? String(Math.round(v)) : v.toFixed(1);
}

/** The first ids and how many others (`unlisted`: those the line counts in `more` without listing them). */
function idsText(ids: number[], unlisted = 0, max = 6): string {
  if (ids.length === 0 && unlisted === 0) return '';
  const others = Math.max(0, ids.length - max) + unlisted;
  // Ids read from a hand-made line may be anything: printable as all journal text.
  return printable(`${ids.slice(0, max).join(',')}${others ? ` +${others}` : ''}`);
}

export const LEARNING_MARK = '!! LEARNING: allowed without rules';

function keyCell(row: ReportRow, c: ChalkInstance): string {
  const lines: string[] = [];
  if (row.key == null) lines.push(c.red(printable(row.name ?? '(unknown key)')));
  else lines.push(printable(row.name ? `${row.name} (${row.key})` : row.key));
  if (row.learning) lines.push(c.bold.yellow(LEARNING_MARK));
  if (row.previous_secret_calls) lines.push(c.yellow(`${row.previous_secret_calls} with the previous secret (rotated)`));
  for (const t of row.temporary ?? []) lines.push(c.cyan(printable(`exec by ${t.user}@${t.host}: ${t.command}`)));
  if (row.run) lines.push(c.cyan(printable(describeRun(row.run))));
  return lines.join('\n');
}

export function renderReportTable(report: Report, c: ChalkInstance): string {
  const head = [
    report.by === 'key' ? 'key' : report.by,
    'calls',
    'allowed',
    'denied',
    'errors',
    'records c/w/d',
    'IPs',
    'first seen',
    'last seen',
    'p50 ms',
    'p95 ms',
    'activity',
  ];
  const rows = report.rows.map((r) => {
    const errors = r.odoo_errors + r.upstream_errors;
    let label = report.by === 'key' ? keyCell(r, c) : printable(r.group);
    if (report.by !== 'key' && r.learning) label += `\n${c.bold.yellow(LEARNING_MARK)}`;
    return [
      label,
      String(r.calls),
      String(r.allowed),
      r.denied ? c.red(String(r.denied)) : '0',
      errors ? c.yellow(r.upstream_errors ? `${errors} (${r.upstream_errors} upstream)` : String(errors)) : '0',
      `${r.created}/${r.written}/${r.deleted}`,
      String(r.ips),
      shortTime(r.first_seen),
      shortTime(r.last_seen),
      ms(r.ms_median),
      ms(r.ms_p95),
      r.sparkline,
    ];
  });
  const t = report.totals;
  const summary =
    `${t.calls} call${t.calls === 1 ? '' : 's'} from ${shortTime(report.window.since)} to ${shortTime(report.window.until)} UTC: ` +
    `${t.allowed} allowed, ${t.denied ? c.red(`${t.denied} denied`) : '0 denied'}, ` +
    `${t.odoo_errors + t.upstream_errors ? c.yellow(`${t.odoo_errors + t.upstream_errors} errors`) : '0 errors'}`;
  return `${table(head, rows)}\n${summary}`;
}

export function renderCallsTable(calls: CallRow[], c: ChalkInstance, withKey: boolean): string {
  const head = ['time (UTC)', ...(withKey ? ['key'] : []), 'from', 'method', 'model', 'ids', 'decision', 'rule / reason', 'outcome'];
  const rows = calls.map((r) => {
    const keyLabel = r.key == null ? c.red('(unknown key)') : printable(r.name ? `${r.name} (${r.key})` : r.key);
    // The administrator's view: the full reason where the client was told less.
    const why = printable([r.rule, r.detail ?? r.reason].filter(Boolean).join(': '));
    const outcome = r.event !== null ? '' : r.outcome === 'ok' ? 'ok' : r.outcome === 'denied' || r.outcome === 'rejected' ? c.red(r.outcome) : c.yellow(printable(r.error ? `${r.outcome}: ${r.error}` : r.outcome));
    const unlistedResults = r.more?.result_ids ?? 0;
    const ids = [idsText(r.ids, r.more?.ids ?? 0), r.result_ids.length || unlistedResults ? `-> ${idsText(r.result_ids, unlistedResults)}` : ''].filter(Boolean).join(' ');
    return [
      shortTime(r.ts),
      ...(withKey ? [keyLabel + (r.learning ? `\n${c.bold.yellow('!! LEARNING')}` : '') + (r.temporary ? `\n${c.cyan(printable(`exec by ${r.temporary}`))}` : '')] : []),
      // Who, beyond the key: one key may be used from several places (web servers, a laptop), and
      // during a rotation's grace period some of them may still hold the old secret.
      printable(r.ip ?? '') + (r.previous_secret ? `\n${c.yellow('old secret')}` : ''),
      // An exec run's start and end are rows of their own, not calls: no decision, no outcome.
      r.event === 'exec_start' ? c.cyan('exec started') : r.event === 'exec_end' ? c.cyan('exec ended') : printable(r.method),
      printable(r.model ?? ''),
      ids,
      r.decision === null ? '' : r.decision === 'deny' ? c.red('deny') : 'allow',
      why,
      outcome,
    ];
  });
  return table(head, rows);
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Text starting with
 * = + - @ (or a tab or CR, which some sheets skip first) would run as a formula when the file is
 * opened in a spreadsheet, and clients choose much of it: a leading ' makes it text (OWASP).
 */
export function csvField(v: unknown): string {
  let s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(' ') : String(v);
  if (typeof v !== 'number' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: unknown[]): string {
  return fields.map(csvField).join(',');
}

export const REPORT_CSV_HEADER = [
  'group', 'key', 'name', 'profile', 'calls', 'allowed', 'denied', 'odoo_errors', 'upstream_errors', 'created', 'written',
  'deleted', 'ips', 'first_seen', 'last_seen', 'ms_median', 'ms_p95', 'activity', 'learning', 'temporary', 'previous_secret_calls',
  'run_started', 'run_ended', 'run_exit_code', 'run_signal', 'run_ttl_expired',
];

export function renderReportCsv(report: Report): string {
  const lines = [csvLine(REPORT_CSV_HEADER)];
  for (const r of report.rows) {
    lines.push(
      csvLine([
        r.group, r.key, r.name, r.profile, r.calls, r.allowed, r.denied, r.odoo_errors, r.upstream_errors, r.created, r.written,
        r.deleted, r.ips, r.first_seen, r.last_seen, r.ms_median, r.ms_p95, r.activity, r.learning,
        (r.temporary ?? []).map((t) => `${t.user}@${t.host}: ${t.command}`).join('; '), r.previous_secret_calls,
        r.run?.started, r.run?.ended, r.run?.end?.exit_code, r.run?.end?.signal, r.run?.end ? Boolean(r.run.end.ttl_expired) : null,
      ]),
    );
  }
  return lines.join('\n') + '\n';
}

/** New columns go last, so the columns before them are where they always were. */
export const CALLS_CSV_HEADER = [
  'ts', 'key', 'name', 'ip', 'proto', 'method', 'model', 'ids', 'fields', 'decision', 'rule', 'reason', 'outcome', 'error',
  'result_ids', 'ms', 'learning', 'temporary', 'more', 'previous_secret', 'event', 'detail',
];

export function callCsvLine(r: CallRow): string {
  return csvLine([
    r.ts, r.key, r.name, r.ip, r.proto, r.method, r.model, r.ids, r.fields, r.decision, r.rule, r.reason, r.outcome, r.error,
    r.result_ids, r.ms, r.learning, r.temporary, r.more ? Object.entries(r.more).map(([k, n]) => `${k}:${n}`).join(' ') : '', r.previous_secret, r.event, r.detail,
  ]);
}

export function renderVerify(result: VerifyResult, c: ChalkInstance): string {
  const out: string[] = [];
  for (const ch of result.chains) {
    const label = printable(`${ch.dir}${ch.replica ? ` [replica ${ch.replica}]` : ''}`);
    const span =
      ch.firstSeq !== undefined
        ? `seq ${ch.firstSeq}–${ch.lastSeq} (${shortTime(ch.firstTs)} to ${shortTime(ch.lastTs)} UTC)`
        : 'no entries';
    const pruned = ch.prunedThrough !== undefined ? `; entries through seq ${ch.prunedThrough} removed by retention` : '';
    // The last entry, in the form --expect-head takes back: kept elsewhere, it catches a cut end whose head record was rewritten too.
    const head = ch.lastSeq !== undefined && ch.lastHash ? `\n  head ${printable(`${ch.replica ? `${ch.replica}:` : ''}${ch.lastSeq}:${ch.lastHash}`)}` : '';
    if (ch.ok) {
      out.push(`${c.green('intact')}  ${label}: ${ch.lines} line${ch.lines === 1 ? '' : 's'} in ${ch.files} file${ch.files === 1 ? '' : 's'}, ${span}${pruned}${head}`);
      continue;
    }
    out.push(`${c.red.bold('BROKEN')}  ${label}: ${ch.lines} lines in ${ch.files} files, ${span}${pruned}${head}`);
    // Messages quote the side files (.head, .pruned), which anyone who can write the folder can write.
    for (const p of ch.problems) out.push(`  ${c.red(p.kind)}  ${printable(`${p.file}:${p.line}: ${p.message}`)}`);
    if (ch.problemCount > ch.problems.length) out.push(`  ... and ${ch.problemCount - ch.problems.length} more`);
    if (ch.problemCount > 1) out.push(c.dim('  (after each problem the check resynchronises; later problems may follow from the first)'));
  }
  if (result.chains.length === 0) out.push('no journal files found');
  return out.join('\n');
}

// -- audit --odoo ------------------------------------------------------------------------------

/** A value from Odoo on one line, at most `max` characters before escaping. */
function short(v: unknown, max = 60): string {
  const s = v === null || v === undefined || v === false ? '–' : String(v);
  const one = s.replace(/\s+/g, ' ');
  return printable(one.length > max ? `${one.slice(0, max - 1)}…` : one);
}

export function fieldsText(fields: FieldChange[] | undefined): string {
  return (fields ?? []).map((f) => `${printable(f.field)}: ${short(f.old)} -> ${short(f.new)}`).join('\n');
}

function changeCells(c: OdooChange): string[] {
  return [
    shortTime(c.at),
    `${printable(`${c.model}/${c.res_id}`)}${c.record_name ? `\n${short(c.record_name, 40)}` : ''}`,
    `${printable(c.kind)}\n(${printable(c.sources.join(', '))})`,
    fieldsText(c.fields),
  ];
}

export function unexplainedBanner(n: number): string {
  return `!! ${n} change${n === 1 ? '' : 's'} by the integration user match${n === 1 ? 'es' : ''} no journaled call: the upstream credentials may be in use outside odoo-keys`;
}

export function renderAttribution(a: Attribution, c: ChalkInstance): string {
  const out: string[] = [];
  for (const k of a.keys) {
    const who = printable(k.key == null ? '(unknown key)' : k.name ? `${k.name} (${k.key})` : k.key);
    out.push(c.bold(`${who}: ${k.changes.length} change${k.changes.length === 1 ? '' : 's'}`) + (k.temporary ? c.cyan(printable(`  exec by ${k.temporary.user}@${k.temporary.host}: ${k.temporary.command}`)) : ''));
    const rows = k.changes.map((x) => [
      ...changeCells(x.change),
      `${printable(`seq ${x.call.seq} ${x.call.method ?? ''} ${x.call.model ?? ''}`)}\n${shortTime(x.call.ts)}` +
        (x.match === 'time' ? `\n${c.yellow('by time only (side effect?)')}` : x.match === 'unlisted' ? `\n${c.yellow('one of the ids its line does not list')}` : ''),
    ]);
    out.push(table(['time (UTC)', 'record', 'change', 'fields (old -> new)', 'journaled call'], rows));
  }
  if (a.unexplained.length) {
    out.push(c.red.bold(unexplainedBanner(a.unexplained.length)));
    out.push(table(['time (UTC)', 'record', 'change', 'fields (old -> new)'], a.unexplained.map((x) => changeCells(x).map((cell) => c.red(cell)))));
  }
  return out.join('\n');
}

export const ATTRIBUTION_CSV_HEADER = ['key', 'name', 'at', 'model', 'res_id', 'record_name', 'kind', 'sources', 'fields', 'match', 'call_seq', 'call_ts', 'call_method', 'call_model'];

export function renderAttributionCsv(a: Attribution): string {
  const lines = [csvLine(ATTRIBUTION_CSV_HEADER)];
  const fields = (f: FieldChange[] | undefined) => (f ?? []).map((x) => `${x.field}: ${x.old ?? ''} -> ${x.new ?? ''}`).join('; ');
  for (const k of a.keys) {
    for (const x of k.changes) {
      const ch = x.change;
      lines.push(csvLine([k.key, k.name, ch.at, ch.model, ch.res_id, ch.record_name, ch.kind, ch.sources, fields(ch.fields), x.match, x.call.seq, x.call.ts, x.call.method, x.call.model]));
    }
  }
  for (const ch of a.unexplained) lines.push(csvLine(['', '', ch.at, ch.model, ch.res_id, ch.record_name, ch.kind, ch.sources, fields(ch.fields), 'unexplained', '', '', '', '']));
  return lines.join('\n') + '\n';
}
