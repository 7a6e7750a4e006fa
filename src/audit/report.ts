// Reports over journal entries: pure functions, fed in batches so a million lines stay cheap.

import type { LightEntry } from './fastparse.js';
import type { ExecEndInfo, ExecStartInfo, JournalEntry, JournalEvent, TemporaryRun } from './types.js';
import { formatDuration } from '../cli/time.js';

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
  /** Calls made with the key's previous secret (a rotation's grace period): clients yet to move to the new one. */
  previous_secret_calls: number;
  /** by=key, temporary `exec` keys: who ran them (distinct runs, at most 5). */
  temporary?: TemporaryRun[];
  /** by=key, temporary `exec` keys: the run's start and end lines (a key that made no call has a row for them). */
  run?: ExecRunSummary;
}

/** An exec run as its start and end lines tell it (each exec run has a key id of its own). */
export interface ExecRunSummary {
  /** The start line's time; null when the window or the journal holds no start line. */
  started: string | null;
  /** When the key was to stop working, from the start line. */
  expires: string | null;
  /** The end line's time; null when there is none (exec still running, or killed with SIGKILL). */
  ended: string | null;
  /** The end line's account: exit code, signal, ttl_expired, calls, duration. */
  end: ExecEndInfo | null;
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

/** A group's state as plain data, to carry a partial report between threads and merge it. */
export interface GroupState {
  label: string;
  key: string | null | undefined;
  name: string | null | undefined;
  profile: string | undefined;
  counts: [calls: number, allowed: number, denied: number, odooErrors: number, upstreamErrors: number, created: number, written: number, deleted: number, previousSecret: number];
  ips: string[];
  first: number;
  last: number;
  ms: Float64Array;
  perMinute: [number, number][];
  learning: boolean;
  temporary: TemporaryRun[];
  run: ExecRunSummary | undefined;
}

/** What one ReportBuilder gathered, for merging into another (see ReportBuilder.merge). */
export interface PartialReport {
  groups: GroupState[];
  first: number;
  last: number;
}

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
  previousSecret = 0;
  ips = new Set<string>();
  /** First and last call, ms since the epoch. */
  first = Infinity;
  last = -Infinity;
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
  run: ExecRunSummary | undefined;

  constructor(readonly label: string) {}

  addTemporary(t: TemporaryRun): void {
    const id = `${t.user}\u0000${t.host}\u0000${t.cwd}\u0000${t.command}`;
    if (this.temporary.length < 5 && !this.tempSeen.has(id)) {
      this.tempSeen.add(id);
      this.temporary.push({ user: t.user, host: t.host, cwd: t.cwd, command: t.command });
    }
  }

  /** A run's start or end line (or another part's summary of them): the earliest start, the latest end. */
  addRun(o: ExecRunSummary): void {
    const r = (this.run ??= { started: null, expires: null, ended: null, end: null });
    if (o.started !== null && (r.started === null || o.started < r.started)) {
      r.started = o.started;
      r.expires = o.expires;
    }
    if (o.ended !== null && (r.ended === null || o.ended >= r.ended)) {
      r.ended = o.ended;
      r.end = o.end;
    }
  }

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

  state(): GroupState {
    this.flushMinute();
    return {
      label: this.label,
      key: this.key,
      name: this.name,
      profile: this.profile,
      counts: [this.calls, this.allowed, this.denied, this.odoo_errors, this.upstream_errors, this.created, this.written, this.deleted, this.previousSecret],
      ips: [...this.ips],
      first: this.first,
      last: this.last,
      ms: this.ms.slice(0, this.msCount),
      perMinute: [...this.perMinute],
      learning: this.learning,
      temporary: this.temporary,
      run: this.run,
    };
  }

  absorb(o: GroupState): void {
    const c = o.counts;
    this.calls += c[0];
    this.allowed += c[1];
    this.denied += c[2];
    this.odoo_errors += c[3];
    this.upstream_errors += c[4];
    this.created += c[5];
    this.written += c[6];
    this.deleted += c[7];
    this.previousSecret += c[8];
    for (const ip of o.ips) this.ips.add(ip);
    if (o.first < this.first) this.first = o.first;
    // The newest name wins, as within one builder.
    if (o.last >= this.last) {
      this.last = o.last;
      this.key = o.key;
      this.name = o.name;
      if (o.profile !== undefined) this.profile = o.profile;
    }
    for (const v of o.ms) this.addMs(v);
    this.flushMinute();
    for (const [m, n] of o.perMinute) this.perMinute.set(m, (this.perMinute.get(m) ?? 0) + n);
    if (o.learning) this.learning = true;
    for (const t of o.temporary) this.addTemporary(t);
    if (o.run) this.addRun(o.run);
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

function groupLabel(e: LightEntry, by: GroupBy, day: () => string): string {
  switch (by) {
    case 'key':
      return e.key ?? UNKNOWN_KEY;
    case 'model':
      return e.model ?? (e.service !== undefined ? `(${e.service})` : '(no model)');
    case 'method':
      return e.method ?? (e.function !== undefined ? (e.service !== undefined ? `${e.service}.${e.function}` : e.function) : '(none)');
    case 'day':
      return day();
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
/** The day group of lines whose ts is not a time. */
export const NO_DATE = '(no valid time)';

export class ReportBuilder {
  private readonly groups = new Map<string, Group>();
  private readonly by: GroupBy;
  private first = Infinity;
  private last = -Infinity;
  /** The day label of the last entry, remade only when the day changes. */
  private dayNumber = NaN;
  private dayLabel = '';
  private tsNow = 0;
  private readonly day = (): string => {
    const d = Math.floor(this.tsNow / 86_400_000);
    if (d !== this.dayNumber) {
      this.dayNumber = d;
      // A line whose ts is not a time (hand-made, damaged: `audit verify` names it) gets a group of
      // its own rather than a RangeError that ends the report.
      this.dayLabel = Number.isFinite(d) ? new Date(d * 86_400_000).toISOString().slice(0, 10) : NO_DATE;
    }
    return this.dayLabel;
  };

  constructor(private readonly opts: ReportOptions = {}) {
    this.by = opts.by ?? 'key';
  }

  /** Adds one entry; `tsMs` is its ts in ms when the caller has it already (else ts is parsed). */
  add(e: LightEntry, tsMs?: number): void {
    const t = tsMs ?? Date.parse(e.ts);
    if (e.event !== undefined) {
      // An exec run's start or end: not a call, so it counts in no figure; a report by key shows it
      // as the run of the key (whose row it makes when the command made no call).
      if (this.by === 'key') this.addRunLine(e, t);
      return;
    }
    this.tsNow = t;
    const g = this.placed(e, t, groupLabel(e, this.by, this.day));
    g.calls++;
    if (e.decision === 'allow') g.allowed++;
    else g.denied++;
    const outcome = e.outcome;
    if (outcome === 'odoo_error') g.odoo_errors++;
    else if (outcome === 'upstream_error') g.upstream_errors++;
    else if (outcome === 'ok') {
      const method = e.method;
      // A line lists at most 1000 ids; `more` counts the others.
      if (method === 'create') g.created += e.result_ids ? e.result_ids.length + (e.more?.result_ids ?? 0) : 1;
      else if (method === 'write') g.written += (e.ids?.length ?? 0) + (e.more?.ids ?? 0);
      else if (method === 'unlink') g.deleted += (e.ids?.length ?? 0) + (e.more?.ids ?? 0);
    }
    const ip = e.ip;
    if (ip !== undefined) g.ips.add(ip);
    const ms = e.ms;
    if (typeof ms === 'number') g.addMs(ms);
    g.countMinute(Math.floor(t / MINUTE));
    // The mark says "allowed without rules": a group of another kind (an address, a day) whose
    // learning key's calls were all denied (limits, lockouts) has none of those.
    if (e.learning && (this.by === 'key' || e.decision === 'allow')) g.learning = true;
    if (e.previous_secret) g.previousSecret++;
  }

  /**
   * The entry's group (made when new), with its time counted in the group's span and the report's.
   * By key, the newest line names the key (keys can be renamed; ts order is not assumed) and who ran
   * a temporary key is noted.
   */
  private placed(e: LightEntry, t: number, label: string): Group {
    let g = this.groups.get(label);
    if (!g) {
      g = new Group(label);
      this.groups.set(label, g);
    }
    if (t < g.first) g.first = t;
    if (t >= g.last) {
      g.last = t;
      if (this.by === 'key') {
        g.key = e.key;
        g.name = e.name ?? null;
        if (e.profile !== undefined) g.profile = e.profile;
      }
    }
    if (t < this.first) this.first = t;
    if (t > this.last) this.last = t;
    if (this.by === 'key' && e.temporary) g.addTemporary(e.temporary);
    return g;
  }

  /** An exec start or end line, in a report by key: the key's row (seen from start to end) and its run. */
  private addRunLine(e: LightEntry, t: number): void {
    const g = this.placed(e, t, groupLabel(e, 'key', this.day));
    if (e.event === 'exec_start') g.addRun({ started: e.ts, expires: (e.exec as ExecStartInfo | undefined)?.expires ?? null, ended: null, end: null });
    else if (e.event === 'exec_end') g.addRun({ started: null, expires: null, ended: e.ts, end: (e.exec as ExecEndInfo | undefined) ?? null });
  }

  addAll(entries: Iterable<LightEntry>): void {
    for (const e of entries) this.add(e);
  }

  /** What this builder gathered, as plain data (structured-clone safe). */
  partial(): PartialReport {
    return { groups: [...this.groups.values()].map((g) => g.state()), first: this.first, last: this.last };
  }

  /** Adds what another builder (of the same grouping) gathered. */
  merge(p: PartialReport): void {
    for (const o of p.groups) {
      let g = this.groups.get(o.label);
      if (!g) {
        g = new Group(o.label);
        this.groups.set(o.label, g);
      }
      g.absorb(o);
    }
    if (p.first < this.first) this.first = p.first;
    if (p.last > this.last) this.last = p.last;
  }

  report(): Report {
    const nBuckets = Math.max(1, this.opts.buckets ?? 16);
    const iso = (ms: number): string | null => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
    const since = this.opts.since?.toISOString() ?? iso(this.first);
    const until = this.opts.until?.toISOString() ?? iso(this.last);
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
        first_seen: iso(g.first)!,
        last_seen: iso(g.last)!,
        ms_median: ms.length ? quantile(ms, 0.5) : null,
        ms_p95: ms.length ? quantile(ms, 0.95) : null,
        activity,
        sparkline: sparkline(activity),
        learning: g.learning,
        previous_secret_calls: g.previousSecret,
      };
      if (this.by === 'key') {
        row.key = g.key ?? null;
        row.name = g.key == null ? UNKNOWN_KEY : g.name ?? null;
        if (g.profile !== undefined) row.profile = g.profile;
        if (g.temporary.length) row.temporary = g.temporary;
        if (g.run) row.run = g.run;
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

/** How a run ended, in words: `exit 0`, `killed by SIGTERM (exit 143)`, `not started (command_not_found, exit 127)`. */
export function describeEnd(end: ExecEndInfo): string {
  const parts = [end.how === 'signal' ? `killed by ${end.signal ?? 'a signal'} (exit ${end.exit_code})` : end.how === 'not_started' ? `not started (${end.problem ?? 'error'}, exit ${end.exit_code})` : `exit ${end.exit_code}`];
  parts.push(`after ${formatDuration(end.ms)}`);
  parts.push(`${end.calls} call${end.calls === 1 ? '' : 's'}${end.denied ? ` (${end.denied} not allowed)` : ''}`);
  if (end.ttl_expired) parts.push('ttl expired');
  if (end.revoked) parts.push('--key revoked');
  if (end.killed_on_expiry) parts.push('stopped at expiry');
  if (end.interrupted) parts.push(`exec got ${end.interrupted}`);
  return parts.join(', ');
}

/** A start line in words: the TTL, the expiry and the scope. */
export function describeStart(start: ExecStartInfo): string {
  const parts = [`ttl ${formatDuration(start.ttl_ms)}, until ${start.expires}`];
  if (start.from_key) parts.push(`scope of key ${start.from_key.name} (${start.from_key.id})`);
  parts.push(`scope ${start.scope.join('; ') || '(none)'}`);
  if (start.narrowed_by?.length) parts.push(`narrowed by ${start.narrowed_by.join('; ')}`);
  if (start.limits?.length) parts.push(start.limits.join(', '));
  if (start.learning) parts.push('learning');
  if (start.kill_on_expiry) parts.push('kill on expiry');
  return parts.join('; ');
}

/** A run's row note: `run 2026-11-28 10:04:05 to 10:04:09: exit 0, after 4s, 3 calls`. */
export function describeRun(run: ExecRunSummary): string {
  const at = (iso: string | null): string => (iso ? iso.slice(0, 19).replace('T', ' ') : '?');
  if (run.ended === null) return `run started ${at(run.started)}, no end line (exec still running, or it was killed)`;
  return `run ${at(run.started)} to ${at(run.ended)}${run.end ? `: ${describeEnd(run.end)}` : ''}`;
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
  /** The ids the journal lists (at most 1000: `more` counts the others). */
  ids: number[];
  fields: string[];
  /** null on an exec run's start and end rows (they are not calls). */
  decision: 'allow' | 'deny' | null;
  /** Which rule allowed it (`rule 0`) or which limit denied it (`limit rate`). */
  rule: string | null;
  reason: string | null;
  /** The full reason where the client was told less (`reason`): the facts withheld from it. */
  detail: string | null;
  outcome: string;
  error: string | null;
  result_ids: number[];
  ms: number | null;
  learning: boolean;
  /** The caller used the key's previous secret (a rotation's grace period). */
  previous_secret: boolean;
  temporary: string | null;
  /** How many items each list left out (`{ ids: 500 }`), null when none did. */
  more: Record<string, number> | null;
  /** exec_start or exec_end: a row for an exec run's start or end, not a call (null for calls). */
  event: JournalEvent | null;
  /** With event: the line's account of the run (its scope and TTL, or how it ended). */
  exec: ExecStartInfo | ExecEndInfo | null;
}

export function callRow(e: JournalEntry): CallRow {
  if (e.event !== undefined) return runRow(e);
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
    detail: e.detail ?? null,
    outcome: e.outcome,
    error: e.error ? `${e.error.name}: ${e.error.message}` : null,
    result_ids: e.result_ids ?? [],
    ms: e.ms ?? null,
    learning: Boolean(e.learning),
    previous_secret: Boolean(e.previous_secret),
    temporary: e.temporary ? temporaryLabel(e.temporary) : null,
    more: e.more ?? null,
    event: null,
    exec: null,
  };
}

/** Who ran a temporary key, as `--calls` shows it: `user@host: command`. */
function temporaryLabel(t: TemporaryRun): string {
  return `${t.user}@${t.host}: ${t.command}`;
}

/** An exec run's start or end as a row of `--calls`: in its place in time, with no decision or outcome. */
function runRow(e: JournalEntry): CallRow {
  const start = e.event === 'exec_start' ? (e.exec as ExecStartInfo | undefined) : undefined;
  const end = e.event === 'exec_end' ? (e.exec as ExecEndInfo | undefined) : undefined;
  return {
    ts: e.ts,
    key: e.key,
    name: e.name ?? null,
    ip: null,
    proto: '',
    method: '',
    model: null,
    ids: [],
    fields: [],
    decision: null,
    rule: null,
    reason: start ? describeStart(start) : end ? describeEnd(end) : null,
    detail: null,
    outcome: '',
    error: null,
    result_ids: [],
    ms: end?.ms ?? null,
    learning: false,
    previous_secret: false,
    temporary: e.temporary ? temporaryLabel(e.temporary) : null,
    more: e.more ?? null,
    event: e.event ?? null,
    exec: e.exec ?? null,
  };
}
