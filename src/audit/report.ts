// Reports over journal entries: pure functions, fed in batches so a million lines stay cheap.

import type { LightEntry } from './fastparse.js';
import type { JournalEntry, TemporaryRun } from './types.js';

export type GroupBy = 'key' | 'model' | 'method' | 'day' | 'ip';
export const GROUP_BY: readonly GroupBy[] = ['key', 'model', 'method', 'day', 'ip'];

export interface ReportRow {
  /** The group's value: key id ('(unknown key)' for keys nobody recognised), model, method, day or address. */
  group: string;
  /** by=key: the key's id (null for unknown keys) and latest name. */
  key?: string | null;
  name?: string | null;
  profile?: string;
  calls: number;
  allowed: number;
  denied: number;
  /** Odoo answered with an error. */
  odoo_errors: number;
  /** Odoo could not be reached or answered garbage. */
  upstream_errors: number;
  /** Records made by create, touched by write, removed by unlink (successful calls). */
  created: number;
  written: number;
  deleted: number;
  /** Distinct client addresses. */
  ips: number;
  first_seen: string;
  last_seen: string;
  /** Latency in ms over calls that report one (null when none do). */
  ms_median: number | null;
  ms_p95: number | null;
  /** Calls per bucket over the report's window, oldest first, and the same drawn as a sparkline. */
  activity: number[];
  sparkline: string;
  /** A learning-mode key (or calls made in learning mode): allowed without rules. */
  learning: boolean;
  /** by=key, temporary `exec` keys: who ran them (distinct runs, at most 5). */
  temporary?: TemporaryRun[];
}

export interface Report {
  by: GroupBy;
  /** The window the activity buckets span (the report's since/until, else first/last entry). */
  window: { since: string | null; until: string | null };
  totals: { calls: number; allowed: number; denied: number; odoo_errors: number; upstream_errors: number };
  rows: ReportRow[];
}

export interface ReportOptions {
  by?: GroupBy;
  since?: Date;
  until?: Date;
  /** Sparkline width (default 16). */
  buckets?: number;
}

const UNKNOWN_KEY = '(unknown key)';
const MINUTE = 60_000;

class Group {
  key: string | null | undefined;
  name: string | null | undefined;
  profile: string | undefined;
  calls = 0;
  allowed = 0;
  denied = 0;
  odoo_errors = 0;
  upstream_errors = 0;
  created = 0;
  written = 0;
  deleted = 0;
  ips = new Set<string>();
  first = '';
  last = '';
  ms = new Float64Array(64);
  msCount = 0;
  /** Calls per minute since the epoch: rebucketed to the window at the end, so the window need not be known up front. */
  perMinute = new Map<number, number>();
  /** The minute being counted (entries mostly come in time order, so most adds touch only these). */
  minute = NaN;
  minuteCount = 0;
  learning = false;
  temporary: TemporaryRun[] = [];
  tempSeen = new Set<string>();

  constructor(readonly label: string) {}

  countMinute(minute: number): void {
    if (minute === this.minute) {
      this.minuteCount++;
      return;
    }
    this.flushMinute();
    this.minute = minute;
    this.minuteCount = 1;
  }

  flushMinute(): void {
    if (this.minuteCount) this.perMinute.set(this.minute, (this.perMinute.get(this.minute) ?? 0) + this.minuteCount);
    this.minuteCount = 0;
  }

  addMs(v: number): void {
    if (this.msCount === this.ms.length) {
      const grown = new Float64Array(this.ms.length * 2);
      grown.set(this.ms);
      this.ms = grown;
    }
    this.ms[this.msCount++] = v;
  }
}

function groupLabel(e: LightEntry, by: GroupBy): string {
  switch (by) {
    case 'key':
      return e.key ?? UNKNOWN_KEY;
    case 'model':
      return e.model ?? (e.service !== undefined ? `(${e.service})` : '(no model)');
    case 'method':
      return e.method ?? (e.function !== undefined ? (e.service !== undefined ? `${e.service}.${e.function}` : e.function) : '(none)');
    case 'day':
      return e.ts.slice(0, 10);
    case 'ip':
      return e.ip ?? '(unknown)';
  }
}

/** Nearest-rank quantile over the first `n` values (sorted in place). */
function quantile(sorted: Float64Array, q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

const SPARK = '▁▂▃▄▅▆▇█';

/** Calls per bucket drawn with block characters, scaled to the row's busiest bucket ('█'); an empty bucket is a space. */
export function sparkline(counts: number[]): string {
  const max = Math.max(0, ...counts);
  if (max === 0) return ' '.repeat(counts.length);
  return counts.map((c) => (c <= 0 ? ' ' : SPARK[Math.min(SPARK.length - 1, Math.ceil((c / max) * SPARK.length) - 1)]!)).join('');
}

/** Accumulates entries (in any order) into one row per group. */
export class ReportBuilder {
  private readonly groups = new Map<string, Group>();
  private readonly by: GroupBy;
  private first = '';
  private last = '';
  /** `2026-11-28T10:04` of the last entry and its minute number: Date.parse once per minute, not per entry. */
  private minutePrefix = '';
  private minuteNumber = 0;

  constructor(private readonly opts: ReportOptions = {}) {
    this.by = opts.by ?? 'key';
  }

  add(e: LightEntry): void {
    const label = groupLabel(e, this.by);
    let g = this.groups.get(label);
    if (!g) {
      g = new Group(label);
      this.groups.set(label, g);
    }
    g.calls++;
    if (e.decision === 'allow') g.allowed++;
    else g.denied++;
    if (e.outcome === 'odoo_error') g.odoo_errors++;
    else if (e.outcome === 'upstream_error') g.upstream_errors++;
    if (e.outcome === 'ok') {
      if (e.method === 'create') g.created += e.result_ids ? e.result_ids.length : 1;
      else if (e.method === 'write') g.written += e.ids ? e.ids.length : 0;
      else if (e.method === 'unlink') g.deleted += e.ids ? e.ids.length : 0;
    }
    if (e.ip !== undefined) g.ips.add(e.ip);
    const ts = e.ts;
    if (g.first === '' || ts < g.first) g.first = ts;
    if (ts > g.last) g.last = ts;
    if (this.first === '' || ts < this.first) this.first = ts;
    if (ts > this.last) this.last = ts;
    if (typeof e.ms === 'number') g.addMs(e.ms);
    if (!(this.minutePrefix !== '' && ts.startsWith(this.minutePrefix))) {
      this.minutePrefix = ts.slice(0, 16);
      this.minuteNumber = Math.floor(Date.parse(ts) / MINUTE);
    }
    g.countMinute(this.minuteNumber);
    if (this.by === 'key') {
      // The newest name wins (keys can be renamed); ts order is not assumed.
      if (g.name === undefined || ts >= g.last) {
        g.key = e.key;
        g.name = e.name ?? null;
        if (e.profile !== undefined) g.profile = e.profile;
      }
      if (e.temporary && g.temporary.length < 5) {
        const t = e.temporary;
        const id = `${t.user}\u0000${t.host}\u0000${t.cwd}\u0000${t.command}`;
        if (!g.tempSeen.has(id)) {
          g.tempSeen.add(id);
          g.temporary.push({ user: t.user, host: t.host, cwd: t.cwd, command: t.command });
        }
      }
    }
    if (e.learning) g.learning = true;
  }

  addAll(entries: Iterable<LightEntry>): void {
    for (const e of entries) this.add(e);
  }

  report(): Report {
    const nBuckets = Math.max(1, this.opts.buckets ?? 16);
    const since = this.opts.since?.toISOString() ?? (this.first || null);
    const until = this.opts.until?.toISOString() ?? (this.last || null);
    const startMin = since ? Math.floor(Date.parse(since) / MINUTE) : 0;
    const endMin = until ? Math.floor(Date.parse(until) / MINUTE) : 0;
    const span = Math.max(1, endMin - startMin + 1);
    const totals = { calls: 0, allowed: 0, denied: 0, odoo_errors: 0, upstream_errors: 0 };
    const rows: ReportRow[] = [];
    for (const g of this.groups.values()) {
      g.flushMinute();
      const activity = new Array<number>(nBuckets).fill(0);
      for (const [minute, count] of g.perMinute) {
        const b = Math.floor(((minute - startMin) / span) * nBuckets);
        activity[Math.min(nBuckets - 1, Math.max(0, b))]! += count;
      }
      const ms = g.ms.subarray(0, g.msCount).sort();
      const row: ReportRow = {
        group: g.label,
        calls: g.calls,
        allowed: g.allowed,
        denied: g.denied,
        odoo_errors: g.odoo_errors,
        upstream_errors: g.upstream_errors,
        created: g.created,
        written: g.written,
        deleted: g.deleted,
        ips: g.ips.size,
        first_seen: g.first,
        last_seen: g.last,
        ms_median: ms.length ? quantile(ms, 0.5) : null,
        ms_p95: ms.length ? quantile(ms, 0.95) : null,
        activity,
        sparkline: sparkline(activity),
        learning: g.learning,
      };
      if (this.by === 'key') {
        row.key = g.key ?? null;
        row.name = g.key == null ? UNKNOWN_KEY : g.name ?? null;
        if (g.profile !== undefined) row.profile = g.profile;
        if (g.temporary.length) row.temporary = g.temporary;
      }
      rows.push(row);
      totals.calls += g.calls;
      totals.allowed += g.allowed;
      totals.denied += g.denied;
      totals.odoo_errors += g.odoo_errors;
      totals.upstream_errors += g.upstream_errors;
    }
    if (this.by === 'day') rows.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
    else rows.sort((a, b) => b.calls - a.calls || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
    return { by: this.by, window: { since, until }, totals, rows };
  }
}

/** One report over a list of entries. */
export function groupEntries(entries: Iterable<LightEntry>, opts: ReportOptions = {}): Report {
  const b = new ReportBuilder(opts);
  b.addAll(entries);
  return b.report();
}

/** A call as `--calls` lists it. */
export interface CallRow {
  ts: string;
  key: string | null;
  name: string | null;
  ip: string | null;
  proto: string;
  /** The ORM method, or `service.function` for other calls. */
  method: string;
  model: string | null;
  ids: number[];
  fields: string[];
  decision: 'allow' | 'deny';
  /** Which rule allowed it (`rule 0`) or which limit denied it (`limit rate`). */
  rule: string | null;
  reason: string | null;
  outcome: string;
  error: string | null;
  result_ids: number[];
  ms: number | null;
  learning: boolean;
  temporary: string | null;
}

export function callRow(e: JournalEntry): CallRow {
  const method = e.method ?? (e.function !== undefined ? (e.service !== undefined ? `${e.service}.${e.function}` : e.function) : '');
  return {
    ts: e.ts,
    key: e.key,
    name: e.name ?? null,
    ip: e.ip ?? null,
    proto: e.proto,
    method,
    model: e.model ?? null,
    ids: e.ids ?? [],
    fields: e.fields ?? [],
    decision: e.decision,
    rule: e.rule !== undefined ? `rule ${e.rule}` : e.limit !== undefined ? `limit ${e.limit}` : null,
    reason: e.reason ?? null,
    outcome: e.outcome,
    error: e.error ? `${e.error.name}: ${e.error.message}` : null,
    result_ids: e.result_ids ?? [],
    ms: e.ms ?? null,
    learning: Boolean(e.learning),
    temporary: e.temporary ? `${e.temporary.user}@${e.temporary.host}: ${e.temporary.command}` : null,
  };
}
