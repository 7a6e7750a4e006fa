// Reading journal lines for reports without JSON.parse, for the common case.
//
// The writer JSON-encodes every string, so a line without a backslash has no escaped character
// anywhere: every `"` delimits a string. Such a line is scanned member by member here, keeping
// only what reports and filters use and skipping the rest (field names, reasons, messages,
// hashes) without building strings for them: a few times cheaper than JSON.parse, which would
// otherwise dominate a million-line report. Anything unexpected (an escape, an unknown member,
// a malformed value) falls back to JSON.parse, so the result is always what JSON.parse gives.

import type { JournalEntry } from './types.js';

/** What reports and filters read from an entry. A full JournalEntry is one too. */
export type LightEntry = Omit<JournalEntry, 'prev' | 'hash' | 'fields' | 'reason' | 'detail' | 'error' | 'notes' | 'bytes_in' | 'bytes_out'>;

/** One journal line read whole with JSON.parse (undefined when the line is not an entry). */
export function parseFullEntry(line: string): JournalEntry | undefined {
  try {
    const e = JSON.parse(line) as JournalEntry;
    return typeof e === 'object' && e !== null && !Array.isArray(e) && typeof e.ts === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

/** Index just past the `]` or `}` closing the array or object opening at `pos` (no escapes in the line). */
function closeOf(line: string, pos: number): number {
  let depth = 0;
  for (let i = pos; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 34) {
      i = line.indexOf('"', i + 1);
      if (i < 0) return -1;
    } else if (c === 91 || c === 123) depth++;
    else if (c === 93 || c === 125) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

// Member names told apart by first character and length, without making a string of them.
const code = (name: string): number => name.charCodeAt(0) * 64 + name.length;
const M = {
  ts: code('ts'), seq: code('seq'), key: code('key'), name: code('name'), profile: code('profile'), ip: code('ip'),
  proto: code('proto'), service: code('service'), function: code('function'), model: code('model'), method: code('method'),
  ids: code('ids'), decision: code('decision'), rule: code('rule'), limit: code('limit'), outcome: code('outcome'),
  result_ids: code('result_ids'), ms: code('ms'), more: code('more'), temporary: code('temporary'), learning: code('learning'),
  previous_secret: code('previous_secret'),
  // Skipped: fields, reason, detail, error, bytes_in, bytes_out, notes, prev, hash. Not here on purpose:
  // `event` and `exec` (an exec run's start and end lines, two per run): such a line is read with
  // JSON.parse, so its `event` is always seen and no report takes it for a call.
  fields: code('fields'), reason: code('reason'), detail: code('detail'), error: code('error'), bytes_in: code('bytes_in'), bytes_out: code('bytes_out'),
  notes: code('notes'), prev: code('prev'), hash: code('hash'),
} as const;
const KEPT_STRING = new Map<number, string>([
  [M.ts, 'ts'], [M.key, 'key'], [M.name, 'name'], [M.profile, 'profile'], [M.ip, 'ip'], [M.proto, 'proto'], [M.service, 'service'],
  [M.function, 'function'], [M.model, 'model'], [M.method, 'method'], [M.decision, 'decision'], [M.limit, 'limit'], [M.outcome, 'outcome'],
]);
const KEPT_NUMBER = new Map<number, string>([[M.seq, 'seq'], [M.rule, 'rule'], [M.ms, 'ms']]);
const KEPT_STRUCT = new Map<number, string>([[M.ids, 'ids'], [M.result_ids, 'result_ids'], [M.more, 'more'], [M.temporary, 'temporary']]);
const SKIPPED = new Set<number>([M.fields, M.reason, M.detail, M.error, M.bytes_in, M.bytes_out, M.notes, M.prev, M.hash]);
/** The full name behind each code: another name with the same first letter and length is not this member. */
const NAME_OF = new Map<number, string>(Object.entries(M).map(([name, id]) => [id, name]));

/**
 * One journal line as the members reports use (undefined when the line is not an entry). Lines
 * this scanner does not expect are read with JSON.parse instead, whole.
 */
export function parseLightEntry(line: string): LightEntry | undefined {
  if (line.charCodeAt(0) !== 123 || line.indexOf('\\') !== -1) return parseFullEntry(line);
  const e: Record<string, unknown> = {};
  let pos = 1;
  const n = line.length;
  for (;;) {
    if (line.charCodeAt(pos) !== 34) return parseFullEntry(line);
    const nameEnd = line.indexOf('"', pos + 1);
    if (nameEnd < 0 || line.charCodeAt(nameEnd + 1) !== 58) return parseFullEntry(line);
    const id = line.charCodeAt(pos + 1) * 64 + (nameEnd - pos - 1);
    const known = NAME_OF.get(id);
    if (known === undefined || !line.startsWith(known, pos + 1)) return parseFullEntry(line);
    pos = nameEnd + 2;
    const c = line.charCodeAt(pos);
    let end: number;
    if (c === 34) {
      end = line.indexOf('"', pos + 1);
      if (end < 0) return parseFullEntry(line);
      const prop = KEPT_STRING.get(id);
      if (prop !== undefined) e[prop] = line.slice(pos + 1, end);
      else if (!SKIPPED.has(id)) return parseFullEntry(line);
      end++;
    } else if (c === 91 || c === 123) {
      end = closeOf(line, pos);
      if (end < 0) return parseFullEntry(line);
      const prop = KEPT_STRUCT.get(id);
      if (prop !== undefined) {
        if (end - pos === 2 && c === 91) e[prop] = [];
        else {
          try {
            e[prop] = JSON.parse(line.slice(pos, end));
          } catch {
            return parseFullEntry(line);
          }
        }
      } else if (!SKIPPED.has(id)) return parseFullEntry(line);
    } else {
      end = pos;
      while (end < n) {
        const d = line.charCodeAt(end);
        if (d === 44 || d === 125) break;
        end++;
      }
      if (c === 110) {
        // null: only key and name may be null.
        if (end - pos !== 4 || !line.startsWith('null', pos)) return parseFullEntry(line);
        if (id === M.key) e.key = null;
        else if (id === M.name) e.name = null;
        else return parseFullEntry(line);
      } else if (c === 116 || c === 102) {
        const v = line.slice(pos, end);
        if (v !== 'true' && v !== 'false') return parseFullEntry(line);
        if (id === M.learning) e.learning = v === 'true';
        else if (id === M.previous_secret) e.previous_secret = v === 'true';
        else return parseFullEntry(line);
      } else {
        const prop = KEPT_NUMBER.get(id);
        if (prop !== undefined) {
          const v = Number(line.slice(pos, end));
          if (end === pos || Number.isNaN(v)) return parseFullEntry(line);
          e[prop] = v;
        } else if (!SKIPPED.has(id)) return parseFullEntry(line);
      }
    }
    const sep = line.charCodeAt(end);
    if (sep === 44) pos = end + 1;
    else if (sep === 125 && end === n - 1) break;
    else return parseFullEntry(line);
  }
  if (typeof e.ts !== 'string' || typeof e.seq !== 'number') return parseFullEntry(line);
  return e as unknown as LightEntry;
}
