// The journal's on-disk format, shared by the writer, the reader and `verify`.
//
// One JSON object per line. Each line ends with `,"hash":"<sha256 hex>"}` where the hash covers the
// line's own text without that member (so verify checks the exact bytes written, no re-serialising),
// and the text includes `prev`, the hash of the line before: a chain across daily files and restarts.

import { sha256Hex } from '../registry/keys.js';
import type { ExecEndInfo, ExecStartInfo, JournalDomainLeaf, JournalEntry, JournalEventInput, JournalInput } from './types.js';

/** `prev` of the very first line of a chain. */
export const GENESIS = '0'.repeat(64);

const HASH_SUFFIX_LENGTH = ',"hash":"'.length + 64 + '"}'.length;
const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;

/** Replica ids become part of file names: keep them to a safe alphabet. */
export const REPLICA_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** `2026-11-28.jsonl` or `2026-11-28.<replica>.jsonl`. */
export const JOURNAL_FILE = /^(\d{4}-\d{2}-\d{2})(?:\.([A-Za-z0-9_-]{1,64}))?\.jsonl$/;

export function journalFileName(day: string, replica?: string): string {
  return replica ? `${day}.${replica}.jsonl` : `${day}.jsonl`;
}

/** Small bookkeeping files beside the journal, one per chain. */
export function sideFileName(kind: 'head' | 'pruned' | 'lock', replica?: string): string {
  return replica ? `.${kind}.${replica}.json` : `.${kind}.json`;
}

/** The UTC day of an instant, `YYYY-MM-DD`. */
export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** A chain's label for messages: the replica id, or 'default'. */
export function chainLabel(replica: string | undefined): string {
  return replica ?? '(no replica)';
}

export interface ParsedFileName {
  day: string;
  replica: string | undefined;
}

export function parseJournalFileName(name: string): ParsedFileName | null {
  const m = JOURNAL_FILE.exec(name);
  return m ? { day: m[1]!, replica: m[2] } : null;
}

// Something shaped like a scoped key (`odk_<id>_<secret>`) must never reach the journal, even
// when a client pastes one into a field that ends up in an error message.
const KEY_LIKE = /odk_([0-9a-z]{1,32})_[A-Za-z0-9_\-+/=]{6,}/gi;

export function redactSecrets(text: string): string {
  return mayHoldKey(text) ? text.replace(KEY_LIKE, 'odk_$1_[redacted]') : text;
}

/**
 * Whether `text` has 'odk_' in any case, without the regular expression: every member of every
 * journal line passes here, and the plain scan costs a tenth of a regex replace that finds nothing.
 */
function mayHoldKey(text: string): boolean {
  for (let i = text.indexOf('_', 3); i !== -1; i = text.indexOf('_', i + 1)) {
    // `| 0x20` folds ASCII upper case to lower case.
    if ((text.charCodeAt(i - 1) | 0x20) === 0x6b && (text.charCodeAt(i - 2) | 0x20) === 0x64 && (text.charCodeAt(i - 3) | 0x20) === 0x6f) return true;
  }
  return false;
}

// Bounds on a line. Clients choose most of what a line holds (model and method names before any
// key is checked, the keys of create/write values even in a call the scope denies, context keys,
// ids), so without bounds one call could write a line as large as its request body (10 MB), and
// the journal would grow by that much per call. Names are cut to NAME_MAX characters, sentences to
// TEXT_MAX, each list to LIST_MAX items (IDS_MAX for record ids; the lists inside x2many items and
// domain leaves share LIST_MAX between them, so they cannot multiply); how many items a list left
// out is kept in `more`, so reports still count them. A line stays within a few MB whatever a
// client sends (a list of names: about 130 KB of ASCII, up to about 770 KB when every character is
// a control character that JSON escapes in 6 bytes).

/** Longest name a line keeps: a model, method, field, context key, error name. */
export const NAME_MAX = 256;
/** Longest sentence a line keeps: a reason, an error message, a note. */
export const TEXT_MAX = 4096;
/** Most items a list of names keeps. */
export const LIST_MAX = 500;
/** Most notes a line keeps (the scope engine writes a few per call). */
export const NOTES_MAX = 50;
/**
 * Most record ids a line lists (ids, result_ids). Every id would bound a line only by the request
 * body (a denied call could name a million); the count of the others is in `more`, and
 * attribution treats such a call as one that may have named any record of its model.
 */
export const IDS_MAX = 1000;

/**
 * `s` cut to at most `max` characters, saying how long it was. Idempotent: what it gives is never
 * longer than `max`, so clipping twice (the proxy, then the journal) changes nothing more.
 */
export function clipText(s: string, max: number): string {
  if (s.length <= max) return s;
  const tail = `... (${s.length} characters)`;
  let keep = Math.max(0, max - tail.length);
  // Never half a surrogate pair.
  if (keep > 0 && (s.charCodeAt(keep - 1) & 0xfc00) === 0xd800) keep--;
  return s.slice(0, keep) + tail;
}

/**
 * Every text member goes through this: a key pasted where a model, method or field name belongs (or
 * into a path, a command, a context key) is still never written out whole. Redacted before it is
 * clipped, so a cut never leaves part of a secret unredacted.
 */
function text(v: unknown, max = NAME_MAX): string {
  return clipText(redactSecrets(String(v)), max);
}

/** Where each list's left-out items are counted while a line is built. */
type More = Record<string, number>;

function countMore(more: More, member: string, n: number): void {
  if (n > 0) more[member] = (more[member] ?? 0) + n;
}

/** At most `max` items of `list`, the rest counted in `more` under `member`. A non-list is an error. */
function capped<T>(list: T[], max: number, more: More, member: string): T[] {
  if (!Array.isArray(list)) throw new TypeError(`${member} is not a list`);
  if (list.length <= max) return list;
  countMore(more, member, list.length - max);
  return list.slice(0, max);
}

function names(list: string[], more: More, member: string, max = NAME_MAX, items = LIST_MAX): string[] {
  return capped(list, items, more, member).map((x) => text(x, max));
}

/** What the lists inside the items of one list (x2many fields, leaf values) may still hold together. */
interface Budget {
  left: number;
}

function shared<T>(list: T[], budget: Budget, more: More, member: string): T[] {
  const kept = capped(list, budget.left, more, member);
  budget.left -= kept.length;
  return kept;
}

function numberList(list: unknown, more: More, member: string, max = IDS_MAX): number[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const numbers = list.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return capped(numbers, max, more, member);
}

function isConstant(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string';
}

/** Only leaves of the documented shape, their string values checked for secrets like every other text. */
function constantLeaves(leaves: JournalDomainLeaf[], more: More): JournalDomainLeaf[] {
  const out: JournalDomainLeaf[] = [];
  const values: Budget = { left: LIST_MAX };
  for (const l of capped(leaves, LIST_MAX, more, 'domain_leaves')) {
    if (!Array.isArray(l) || l.length !== 3 || typeof l[0] !== 'string' || typeof l[1] !== 'string') continue;
    const v = l[2];
    if (Array.isArray(v) ? !v.every(isConstant) : !isConstant(v)) continue;
    const clean = (x: string | number | boolean | null): string | number | boolean | null => (typeof x === 'string' ? text(x) : x);
    out.push([text(l[0]), text(l[1]), Array.isArray(v) ? shared(v, values, more, 'domain_leaves.values').map(clean) : clean(v)]);
  }
  return out;
}

/** The members `more` may name (a line's own lists, and the lists inside x2many and domain_leaves). */
const MORE_MEMBERS = new Set(['ids', 'fields', 'read_fields', 'search_fields', 'domain_leaves', 'domain_leaves.values', 'context_keys', 'x2many', 'x2many.ops', 'x2many.fields', 'any_field', 'unset_fields', 'empty_fields', 'result_ids', 'notes']);

/** Counts a caller passed in `more` (a line bounded once already), the well-formed ones. */
function moreFrom(input: unknown): More {
  const more: More = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return more;
  for (const [k, n] of Object.entries(input)) if (MORE_MEMBERS.has(k) && Number.isSafeInteger(n) && (n as number) > 0) more[k] = n as number;
  return more;
}

/**
 * The entry's members in a fixed order, and only the documented ones: whatever else a caller
 * passes (a credential by mistake, field values) is dropped rather than journaled. Absent members
 * are left out, so the entry handed back equals the line read back. (Members are added one by one
 * rather than deleted afterwards: deleting would turn every entry into a slow dictionary object.)
 */
export function entryBody(input: JournalInput, ts: string, seq: number, prev: string): Omit<JournalEntry, 'hash'> {
  const more = input.more === undefined ? {} : moreFrom(input.more);
  const e: Record<string, unknown> = { ts, seq, key: input.key ?? null };
  if (input.name !== undefined) e.name = input.name === null ? null : text(input.name);
  if (input.profile !== undefined) e.profile = text(input.profile);
  if (input.ip !== undefined) e.ip = text(input.ip);
  e.proto = input.proto;
  if (input.service !== undefined) e.service = text(input.service);
  if (input.function !== undefined) e.function = text(input.function);
  if (input.model !== undefined) e.model = text(input.model);
  if (input.method !== undefined) e.method = text(input.method);
  const ids = numberList(input.ids, more, 'ids');
  if (ids !== undefined) e.ids = ids;
  if (input.fields !== undefined) e.fields = names(input.fields, more, 'fields');
  if (input.read_fields !== undefined) e.read_fields = names(input.read_fields, more, 'read_fields');
  if (input.search_fields !== undefined) e.search_fields = names(input.search_fields, more, 'search_fields');
  if (input.domain_leaves !== undefined) e.domain_leaves = constantLeaves(input.domain_leaves, more);
  if (input.context_keys !== undefined) e.context_keys = names(input.context_keys, more, 'context_keys');
  if (input.x2many !== undefined) {
    const ops: Budget = { left: LIST_MAX };
    const fields: Budget = { left: LIST_MAX };
    e.x2many = capped(input.x2many, LIST_MAX, more, 'x2many').map((x) => ({
      field: text(x.field),
      ops: Array.isArray(x.ops) ? shared(x.ops.filter((n) => typeof n === 'number' && Number.isFinite(n)), ops, more, 'x2many.ops') : [],
      fields: shared(x.fields, fields, more, 'x2many.fields').map((f) => text(f)),
    }));
  }
  if (input.any_field !== undefined) e.any_field = names(input.any_field, more, 'any_field');
  if (input.unset_fields !== undefined) e.unset_fields = names(input.unset_fields, more, 'unset_fields');
  if (input.empty_fields !== undefined) e.empty_fields = names(input.empty_fields, more, 'empty_fields');
  e.decision = input.decision;
  if (input.rule !== undefined) e.rule = input.rule;
  if (input.limit !== undefined) e.limit = text(input.limit);
  if (input.reason !== undefined) e.reason = text(input.reason, TEXT_MAX);
  if (input.detail !== undefined) e.detail = text(input.detail, TEXT_MAX);
  e.outcome = input.outcome;
  if (input.error) e.error = { name: text(input.error.name), message: text(input.error.message, TEXT_MAX) };
  const resultIds = numberList(input.result_ids, more, 'result_ids');
  if (resultIds !== undefined) e.result_ids = resultIds;
  if (typeof input.ms === 'number' && Number.isFinite(input.ms)) e.ms = Math.round(input.ms * 10) / 10;
  if (input.bytes_in !== undefined) e.bytes_in = input.bytes_in;
  if (input.bytes_out !== undefined) e.bytes_out = input.bytes_out;
  if (input.notes !== undefined) e.notes = names(input.notes, more, 'notes', TEXT_MAX, NOTES_MAX);
  // After every list, so it counts what each left out.
  if (Object.keys(more).length) e.more = more;
  if (input.temporary) {
    e.temporary = {
      user: text(input.temporary.user),
      host: text(input.temporary.host),
      cwd: text(input.temporary.cwd, TEXT_MAX),
      command: text(input.temporary.command, TEXT_MAX),
    };
  }
  if (input.learning) e.learning = true;
  if (input.previous_secret) e.previous_secret = true;
  e.prev = prev;
  return e as unknown as Omit<JournalEntry, 'hash'>;
}

const EVENTS = new Set(['exec_start', 'exec_end']);
const END_HOWS = new Set(['exited', 'signal', 'not_started']);

function count(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new TypeError(`${what} is not a count`);
  return n;
}

/**
 * An exec run's start or end line: a fixed shape, documented members only, bounded and redacted
 * like a call's. No proto, decision or outcome: it is not a call, and no reader may count it as one.
 */
export function eventBody(input: JournalEventInput, ts: string, seq: number, prev: string): Omit<JournalEntry, 'hash'> {
  if (!EVENTS.has(input.event)) throw new TypeError(`unknown event ${String(input.event)}`);
  if (typeof input.key !== 'string' || typeof input.name !== 'string' || !input.temporary || !input.exec) throw new TypeError('an exec event needs key, name, temporary and exec');
  const more: More = {};
  const e: Record<string, unknown> = { ts, seq, key: text(input.key), name: text(input.name) };
  if (input.profile !== undefined) e.profile = text(input.profile);
  e.event = input.event;
  const x: Record<string, unknown> = {};
  if (input.event === 'exec_start') {
    const s = input.exec as ExecStartInfo;
    x.expires = text(s.expires);
    x.ttl_ms = count(s.ttl_ms, 'ttl_ms');
    x.scope = names(s.scope, more, 'scope', TEXT_MAX);
    if (s.limits !== undefined) x.limits = names(s.limits, more, 'limits', TEXT_MAX);
    if (s.from_key !== undefined) x.from_key = { id: text(s.from_key.id), name: text(s.from_key.name) };
    if (s.narrowed_by !== undefined) x.narrowed_by = names(s.narrowed_by, more, 'narrowed_by', TEXT_MAX);
    if (s.learning) x.learning = true;
    if (s.kill_on_expiry) x.kill_on_expiry = true;
  } else {
    const d = input.exec as ExecEndInfo;
    if (!END_HOWS.has(d.how)) throw new TypeError(`unknown end ${String(d.how)}`);
    x.how = d.how;
    if (!Number.isSafeInteger(d.exit_code)) throw new TypeError('exit_code is not an integer');
    x.exit_code = d.exit_code;
    if (d.signal !== undefined) x.signal = text(d.signal);
    if (d.problem !== undefined) x.problem = text(d.problem);
    if (d.ttl_expired) x.ttl_expired = true;
    if (d.revoked) x.revoked = true;
    if (d.killed_on_expiry) x.killed_on_expiry = true;
    if (d.interrupted !== undefined) x.interrupted = text(d.interrupted);
    x.calls = count(d.calls, 'calls');
    x.denied = count(d.denied, 'denied');
    x.ms = Math.round(count(d.ms, 'ms') * 10) / 10;
  }
  e.exec = x;
  if (Object.keys(more).length) e.more = more;
  const t = input.temporary;
  e.temporary = { user: text(t.user), host: text(t.host), cwd: text(t.cwd, TEXT_MAX), command: text(t.command, TEXT_MAX) };
  e.prev = prev;
  return e as unknown as Omit<JournalEntry, 'hash'>;
}

/**
 * The entry as the journal would write it, without its place in the chain: bounded, redacted,
 * documented members only. The proxy bounds an entry with this before anything else sees it (its
 * log line when the journal cannot be written, too). Throws on a malformed entry, as append rejects it.
 */
export function boundEntry(input: JournalInput): JournalInput {
  const { seq: _seq, prev: _prev, ts, ...rest } = entryBody(input, input.ts ?? '', 0, '');
  return input.ts === undefined ? rest : { ts, ...rest };
}

export { sha256Hex };

/** The line to write (with its trailing newline) and its hash. */
export function sealLine(body: Omit<JournalEntry, 'hash'>): { line: string; hash: string } {
  const text = JSON.stringify(body);
  const hash = sha256Hex(text);
  return { line: `${text.slice(0, -1)},"hash":"${hash}"}\n`, hash };
}

export type LineCheck =
  | { ok: true; entry: JournalEntry }
  | { ok: false; problem: 'not_json' | 'no_hash' | 'hash_mismatch' | 'bad_fields'; entry?: JournalEntry };

/** Checks one line (without its newline) against its own hash and the shape of an entry. */
export function checkLine(line: string): LineCheck {
  const m = HASH_SUFFIX.exec(line);
  let entry: JournalEntry;
  try {
    entry = JSON.parse(line) as JournalEntry;
  } catch {
    return { ok: false, problem: m ? 'not_json' : 'no_hash' };
  }
  if (!m || typeof entry !== 'object' || entry === null) return { ok: false, problem: 'no_hash' };
  const body = `${line.slice(0, -HASH_SUFFIX_LENGTH)}}`;
  if (sha256Hex(body) !== m[1]) return { ok: false, problem: 'hash_mismatch', entry };
  if (!Number.isSafeInteger(entry.seq) || typeof entry.prev !== 'string' || typeof entry.ts !== 'string') {
    return { ok: false, problem: 'bad_fields', entry };
  }
  return { ok: true, entry };
}

/** The members a hash chain is made of. */
export type ChainFields = Pick<JournalEntry, 'ts' | 'seq' | 'prev' | 'hash'>;

export type ChainCheck =
  | { ok: true; entry: ChainFields }
  | { ok: false; problem: 'not_json' | 'no_hash' | 'hash_mismatch' | 'bad_fields'; entry?: ChainFields };

const TAIL_LENGTH = ',"prev":"'.length + 64 + '","hash":"'.length + 64 + '"}'.length;
const CHAIN_TAIL = /^,"prev":"([0-9a-f]{64})","hash":"([0-9a-f]{64})"\}$/;
const CHAIN_HEAD = /^\{"ts":"([0-9T:.Z-]{20,30})","seq":(\d{1,15}),/;

/**
 * checkLine for `verify`, without JSON.parse: a line shaped as the writer writes it has ts and seq
 * first and prev and hash last, and its hash proves the rest is what was written. Lines of any
 * other shape go through checkLine. The hash is checked either way.
 */
export function checkChainLine(line: string): ChainCheck {
  const head = CHAIN_HEAD.exec(line);
  const tail = line.length > TAIL_LENGTH ? CHAIN_TAIL.exec(line.slice(-TAIL_LENGTH)) : null;
  if (!head || !tail) {
    const c = checkLine(line);
    return c.ok ? { ok: true, entry: c.entry } : c;
  }
  const entry: ChainFields = { ts: head[1]!, seq: Number(head[2]), prev: tail[1]!, hash: tail[2]! };
  const body = `${line.slice(0, -HASH_SUFFIX_LENGTH)}}`;
  if (sha256Hex(body) !== entry.hash) return { ok: false, problem: 'hash_mismatch', entry };
  return { ok: true, entry };
}
