// The journal's on-disk format, shared by the writer, the reader and `verify`.
//
// One JSON object per line. Each line ends with `,"hash":"<sha256 hex>"}` where the hash covers the
// line's own text without that member (so verify checks the exact bytes written, no re-serialising),
// and the text includes `prev`, the hash of the line before: a chain across daily files and restarts.

import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import type { JournalDomainLeaf, JournalEntry, JournalInput } from './types.js';

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

/**
 * Every text member goes through this: a key pasted where a model, method or field name belongs (or
 * into a path, a command, a context key) is still never written out whole.
 */
function text(v: unknown): string {
  return redactSecrets(String(v));
}

function numberList(list: unknown): number[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
}

function isConstant(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string';
}

/** Only leaves of the documented shape, their string values checked for secrets like every other text. */
function constantLeaves(leaves: JournalDomainLeaf[]): JournalDomainLeaf[] {
  const out: JournalDomainLeaf[] = [];
  for (const l of leaves) {
    if (!Array.isArray(l) || l.length !== 3 || typeof l[0] !== 'string' || typeof l[1] !== 'string') continue;
    const v = l[2];
    if (Array.isArray(v) ? !v.every(isConstant) : !isConstant(v)) continue;
    const clean = (x: string | number | boolean | null): string | number | boolean | null => (typeof x === 'string' ? redactSecrets(x) : x);
    out.push([l[0], l[1], Array.isArray(v) ? v.map(clean) : clean(v)]);
  }
  return out;
}

/**
 * The entry's members in a fixed order, and only the documented ones: whatever else a caller
 * passes (a credential by mistake, field values) is dropped rather than journaled. Absent members
 * are left out, so the entry handed back equals the line read back. (Members are added one by one
 * rather than deleted afterwards: deleting would turn every entry into a slow dictionary object.)
 */
export function entryBody(input: JournalInput, ts: string, seq: number, prev: string): Omit<JournalEntry, 'hash'> {
  const e: Record<string, unknown> = { ts, seq, key: input.key ?? null };
  if (input.name !== undefined) e.name = input.name === null ? null : text(input.name);
  if (input.profile !== undefined) e.profile = text(input.profile);
  if (input.ip !== undefined) e.ip = input.ip;
  e.proto = input.proto;
  if (input.service !== undefined) e.service = text(input.service);
  if (input.function !== undefined) e.function = text(input.function);
  if (input.model !== undefined) e.model = text(input.model);
  if (input.method !== undefined) e.method = text(input.method);
  const ids = numberList(input.ids);
  if (ids !== undefined) e.ids = ids;
  if (input.fields !== undefined) e.fields = input.fields.map(text);
  if (input.read_fields !== undefined) e.read_fields = input.read_fields.map(text);
  if (input.search_fields !== undefined) e.search_fields = input.search_fields.map(text);
  if (input.domain_leaves !== undefined) e.domain_leaves = constantLeaves(input.domain_leaves);
  if (input.context_keys !== undefined) e.context_keys = input.context_keys.map(text);
  if (input.x2many !== undefined) e.x2many = input.x2many.map((x) => ({ field: text(x.field), ops: numberList(x.ops) ?? [], fields: x.fields.map(text) }));
  e.decision = input.decision;
  if (input.rule !== undefined) e.rule = input.rule;
  if (input.limit !== undefined) e.limit = input.limit;
  if (input.reason !== undefined) e.reason = text(input.reason);
  e.outcome = input.outcome;
  if (input.error) e.error = { name: text(input.error.name), message: text(input.error.message) };
  const resultIds = numberList(input.result_ids);
  if (resultIds !== undefined) e.result_ids = resultIds;
  if (typeof input.ms === 'number' && Number.isFinite(input.ms)) e.ms = Math.round(input.ms * 10) / 10;
  if (input.bytes_in !== undefined) e.bytes_in = input.bytes_in;
  if (input.bytes_out !== undefined) e.bytes_out = input.bytes_out;
  if (input.notes !== undefined) e.notes = input.notes.map(text);
  if (input.temporary) {
    e.temporary = {
      user: text(input.temporary.user),
      host: text(input.temporary.host),
      cwd: text(input.temporary.cwd),
      command: text(input.temporary.command),
    };
  }
  if (input.learning) e.learning = true;
  e.prev = prev;
  return e as unknown as Omit<JournalEntry, 'hash'>;
}

// crypto.hash (Node 20.12+) is the one-shot form, about twice as fast for lines this short.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : createHash('sha256').update(text).digest('hex');
}

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
