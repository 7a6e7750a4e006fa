// Who made the changes Odoo recorded: each change made by the integration user is matched to the
// journaled call that touched the same record at the same time. Pure: the journal entries and
// Odoo's records come in, the attribution goes out (src/audit/odoo.ts fetches the changes).
//
// Odoo only knows its one integration user; the journal knows which key made each call. A change
// no journaled call explains means someone used the upstream credentials outside odoo-keys.

import type { LightEntry } from './fastparse.js';
import type { TemporaryRun } from './types.js';

export type ChangeKind = 'create' | 'write' | 'unlink' | 'message';
/** Where Odoo keeps the record of a change. */
export type ChangeSource = 'create_uid' | 'write_uid' | 'tracking' | 'message' | 'auditlog';

export type ChangeValue = string | number | boolean | null;

export interface FieldChange {
  /** Technical name, e.g. `stage_id`. */
  field: string;
  /** The field's label, when Odoo gave it. */
  label?: string;
  old: ChangeValue;
  new: ChangeValue;
}

/** One change Odoo recorded as made by the integration user. */
export interface OdooChange {
  model: string;
  res_id: number;
  kind: ChangeKind;
  /** ISO 8601 UTC (Odoo keeps seconds). */
  at: string;
  sources: ChangeSource[];
  /** Field-level old and new values, where Odoo has them (tracking values, auditlog lines). */
  fields?: FieldChange[];
  /** The record's display name, where known. */
  record_name?: string;
  /** Odoo records behind the change, e.g. `mail.message/541`, `auditlog.log/12`. */
  refs?: string[];
}

/** The journaled call a change is attributed to. */
export interface MatchedCall {
  seq: number;
  ts: string;
  key: string | null;
  name: string | null;
  model: string | undefined;
  method: string | undefined;
  ids: number[];
  result_ids: number[];
  /** How many ids the call named or made beyond those its line lists (see JournalInput.more). */
  more?: Record<string, number>;
}

export interface AttributedChange {
  change: OdooChange;
  call: MatchedCall;
  /**
   * 'record': the call named this record (its ids or the ids it created). 'unlisted': no call's
   * line lists the record, but a call on its model at that moment named (or made) more records
   * than its line lists (`more`): the record may be one of those. 'time': no call named the
   * record, but a call that changes data ran at the same moment: probably a side effect (lines
   * created with an order, a related record updated), shown as such.
   */
  match: 'record' | 'unlisted' | 'time';
  /** How far the change lies outside the call's own span, in ms (0 when inside it). */
  offset_ms: number;
}

export interface KeyAttribution {
  key: string | null;
  name: string | null;
  temporary?: TemporaryRun;
  changes: AttributedChange[];
}

export interface Attribution {
  toleranceMs: number;
  /** One entry per key that made changes, busiest first. */
  keys: KeyAttribution[];
  /** Changes by the integration user that no journaled call explains. */
  unexplained: OdooChange[];
}

export const UNEXPLAINED_WARNING =
  'changes made by the integration user that no journaled call explains: the upstream credentials may be in use outside odoo-keys';

/** Methods that never change data: a change is never attributed to them by time alone. */
const READ_ONLY = new Set([
  'read', 'search', 'search_read', 'search_count', 'name_search', 'fields_get', 'read_group', 'formatted_read_group',
  'web_search_read', 'web_read', 'web_read_group', 'name_get', 'default_get', 'check_access_rights', 'check_access', 'has_access',
  'get_views', 'load_views', 'search_fetch', 'read_progress_bar', 'get_formview_id', 'exists',
]);

const KIND_RANK: Record<ChangeKind, number> = { create: 3, unlink: 2, write: 1, message: 0 };
const SOURCE_ORDER: ChangeSource[] = ['auditlog', 'tracking', 'create_uid', 'write_uid', 'message'];

/** Odoo stores datetimes to the second: a change stamped `10:04:05` happened in [10:04:05, 10:04:06). */
const ODOO_PRECISION_MS = 1000;
/** Records of one change kept in several places (tracking, auditlog, write_date) lie this close together. */
const SAME_CHANGE_MS = 2000;

/**
 * One change per record and moment, whatever number of Odoo records tell of it: a write seen in
 * chatter tracking, in auditlog and in write_date is one write; a creation's "created" message is
 * part of the creation. Field changes are united (the first record of each field wins).
 */
export function mergeChanges(changes: OdooChange[]): OdooChange[] {
  const sorted = [...changes].sort((a, b) =>
    a.model < b.model ? -1 : a.model > b.model ? 1 : a.res_id - b.res_id || Date.parse(a.at) - Date.parse(b.at),
  );
  const out: OdooChange[] = [];
  for (const c of sorted) {
    const last = out[out.length - 1];
    if (last && last.model === c.model && last.res_id === c.res_id && Date.parse(c.at) - Date.parse(last.at) <= SAME_CHANGE_MS) {
      if (KIND_RANK[c.kind] > KIND_RANK[last.kind]) last.kind = c.kind;
      if (Date.parse(c.at) < Date.parse(last.at)) last.at = c.at;
      last.sources = [...new Set([...last.sources, ...c.sources])].sort((x, y) => SOURCE_ORDER.indexOf(x) - SOURCE_ORDER.indexOf(y));
      if (c.fields?.length) {
        const have = new Map((last.fields ?? []).map((f) => [f.field, f]));
        for (const f of c.fields) if (!have.has(f.field)) have.set(f.field, f);
        last.fields = [...have.values()];
      }
      if (last.record_name === undefined && c.record_name !== undefined) last.record_name = c.record_name;
      if (c.refs?.length) last.refs = [...new Set([...(last.refs ?? []), ...c.refs])];
      continue;
    }
    out.push({ ...c, sources: [...c.sources], fields: c.fields ? [...c.fields] : undefined, refs: c.refs ? [...c.refs] : undefined });
    if (out[out.length - 1]!.fields === undefined) delete out[out.length - 1]!.fields;
    if (out[out.length - 1]!.refs === undefined) delete out[out.length - 1]!.refs;
  }
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

interface Candidate {
  entry: LightEntry;
  start: number;
  end: number;
}

/** The call that best explains a change so far: the nearest in time, then the best method fit, then the one that ended later. */
class Closest {
  best: Candidate | undefined;
  offset = Infinity;
  private fit = -1;

  offer(c: Candidate, offset: number, fit: number): void {
    if (offset < this.offset || (offset === this.offset && (fit > this.fit || (fit === this.fit && c.end > this.best!.end)))) {
      this.best = c;
      this.offset = offset;
      this.fit = fit;
    }
  }
}

function offsetMs(c: Candidate, at: number): number {
  // The change's own span is [at, at + 1 s) because Odoo drops the milliseconds.
  if (at + ODOO_PRECISION_MS <= c.start) return c.start - (at + ODOO_PRECISION_MS);
  if (at > c.end) return at - c.end;
  return 0;
}

function matchedCall(e: LightEntry): MatchedCall {
  return {
    seq: e.seq,
    ts: e.ts,
    key: e.key,
    name: e.name ?? null,
    model: e.model,
    method: e.method,
    ids: e.ids ?? [],
    result_ids: e.result_ids ?? [],
    ...(e.more ? { more: { ...e.more } } : {}),
  };
}

/** How well a call's method fits the change: the better fit wins among calls equally close in time. */
function methodFit(kind: ChangeKind, e: LightEntry, resId: number): number {
  if (kind === 'create') return e.result_ids?.includes(resId) ? 2 : 0;
  if (kind === 'unlink') return e.method === 'unlink' ? 2 : 1;
  if (kind === 'write') return e.method === 'write' ? 2 : 1;
  return e.method === 'message_post' ? 2 : 1;
}

/**
 * Attributes each change to the journaled call that touched the same model and record within
 * `toleranceMs` (creations through the ids the call created). `changes` must be the integration
 * user's changes only; `entries` the journal over (at least) the same window. Calls that were
 * denied or failed in Odoo (rolled back) explain nothing.
 */
export function attributeChanges(entries: Iterable<LightEntry>, changes: OdooChange[], toleranceMs = 5000): Attribution {
  const byRecord = new Map<string, Candidate[]>();
  /** By model: calls whose line lists only some of the ids they named or made (the others counted in `more`). */
  const unlisted = new Map<string, Candidate[]>();
  const writers: Candidate[] = [];
  for (const e of entries) {
    // An exec run's start and end lines (event) changed nothing in Odoo.
    if (e.event !== undefined || e.decision !== 'allow' || (e.outcome !== 'ok' && e.outcome !== 'upstream_error')) continue;
    const end = Date.parse(e.ts);
    if (Number.isNaN(end)) continue;
    const c: Candidate = { entry: e, start: end - Math.max(0, e.ms ?? 0), end };
    if (e.model !== undefined) {
      for (const id of new Set([...(e.ids ?? []), ...(e.result_ids ?? [])])) {
        const k = `${e.model}#${id}`;
        let list = byRecord.get(k);
        if (!list) byRecord.set(k, (list = []));
        list.push(c);
      }
      if (e.more?.ids || e.more?.result_ids) {
        let list = unlisted.get(e.model);
        if (!list) unlisted.set(e.model, (list = []));
        list.push(c);
      }
    }
    if (e.method === undefined || !READ_ONLY.has(e.method)) writers.push(c);
  }
  writers.sort((a, b) => a.start - b.start);
  const longest = writers.reduce((m, c) => Math.max(m, c.end - c.start), 0);
  /** First writer that can lie within reach of `at` (binary search on start). */
  const firstWriter = (at: number): number => {
    const from = at - toleranceMs - longest - ODOO_PRECISION_MS;
    let lo = 0;
    let hi = writers.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (writers[mid]!.start < from) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const perKey = new Map<string, KeyAttribution>();
  const unexplained: OdooChange[] = [];
  const attribute = (change: OdooChange, c: Candidate, match: AttributedChange['match'], offset: number): void => {
    const e = c.entry;
    const k = e.key ?? '';
    let ka = perKey.get(k);
    if (!ka) {
      ka = { key: e.key, name: e.name ?? null, changes: [] };
      if (e.temporary) ka.temporary = e.temporary;
      perKey.set(k, ka);
    }
    ka.changes.push({ change, call: matchedCall(e), match, offset_ms: offset });
  };

  for (const change of mergeChanges(changes)) {
    const at = Date.parse(change.at);
    const byId = new Closest();
    for (const c of byRecord.get(`${change.model}#${change.res_id}`) ?? []) {
      const off = offsetMs(c, at);
      if (off > toleranceMs) continue;
      const fit = methodFit(change.kind, c.entry, change.res_id);
      if (change.kind === 'create' && fit === 0) continue; // a creation is explained by the call that made the id
      byId.offer(c, off, fit);
    }
    if (byId.best) {
      attribute(change, byId.best, 'record', byId.offset);
      continue;
    }
    // A call on the model whose line could not list every id may have named the record: that
    // explains it better than any call that merely ran at the same time (another key's, perhaps).
    const byUnlisted = new Closest();
    for (const c of unlisted.get(change.model) ?? []) {
      const more = c.entry.more!;
      if (change.kind === 'create' ? !more.result_ids : !more.ids && !more.result_ids) continue;
      const off = offsetMs(c, at);
      if (off > toleranceMs) continue;
      byUnlisted.offer(c, off, change.kind === 'create' ? 2 : methodFit(change.kind, c.entry, change.res_id));
    }
    if (byUnlisted.best) {
      attribute(change, byUnlisted.best, 'unlisted', byUnlisted.offset);
      continue;
    }
    // No call named the record: a call that writes, running at that moment, probably caused it.
    const byTime = new Closest();
    for (let i = firstWriter(at); i < writers.length; i++) {
      const c = writers[i]!;
      if (c.start - toleranceMs - ODOO_PRECISION_MS > at) break;
      const off = offsetMs(c, at);
      if (off > toleranceMs) continue;
      byTime.offer(c, off, 0);
    }
    if (byTime.best) attribute(change, byTime.best, 'time', byTime.offset);
    else unexplained.push(change);
  }
  const keys = [...perKey.values()].sort((a, b) => b.changes.length - a.changes.length || String(a.name).localeCompare(String(b.name)));
  return { toleranceMs, keys, unexplained };
}
