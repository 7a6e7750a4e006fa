// The fast path for reports: journal lines read as bytes, never decoded whole.
//
// Grouping a million lines is dominated by decoding text and building objects, not by counting.
// Here each line stays in the read buffer: one pass over its bytes notes where each member's value
// lies, and a LineView hands out only the values a report asks for, made into strings on demand
// (and reused: keys, names, addresses and models repeat). The writer JSON-encodes every string, so a
// line without a backslash has no escape anywhere and every `"` delimits a string; any other line
// (an escape, an unknown member, another shape) is read with JSON.parse instead, so results never
// differ. The pass is plain JavaScript on purpose: on these machines a call into Buffer's native
// methods costs as much as walking a hundred bytes. Reports do not depend on the order entries come
// in, so chains are read one after the other, without a merge.

import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFullEntry, type LightEntry } from './fastparse.js';
import { compileFilter, journalSources, filesInWindow, type JournalFilter, type ReadStats } from './read.js';
import type { JournalDecision, JournalEntry, JournalOutcome, JournalProto, TemporaryRun } from './types.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;

// Members in the writer's order; their index is their slot in a LineView.
const MEMBERS = [
  'ts', 'seq', 'key', 'name', 'profile', 'ip', 'proto', 'service', 'function', 'model', 'method', 'ids', 'fields', 'decision',
  'rule', 'limit', 'reason', 'detail', 'outcome', 'error', 'result_ids', 'ms', 'bytes_in', 'bytes_out', 'notes', 'more', 'temporary', 'learning',
  'previous_secret', 'prev', 'hash',
] as const;
type Member = (typeof MEMBERS)[number];
const SLOT = Object.fromEntries(MEMBERS.map((m, i) => [m, i])) as Record<Member, number>;
const N = MEMBERS.length;
const NAME_CODES = MEMBERS.map((m) => Array.from(m, (ch) => ch.charCodeAt(0)));
/** Slot by first letter and length of the name (unique among the members); the whole name is checked after. */
const BY_CODE = new Map<number, number>(MEMBERS.map((m, i) => [m.charCodeAt(0) * 64 + m.length, i]));

/** `,"prev":"<64 hex>","hash":"<64 hex>"}`: how the writer ends every line. */
const PREV_MARK = Array.from(',"prev":"', (c) => c.charCodeAt(0));
const HASH_MARK = Array.from('","hash":"', (c) => c.charCodeAt(0));
const TAIL_LENGTH = PREV_MARK.length + 64 + HASH_MARK.length + 64 + 2;
const TS_PREFIX = Array.from('{"ts":"', (c) => c.charCodeAt(0));

const DECISIONS: Record<number, JournalDecision> = { 5: 'allow', 4: 'deny' };
const PROTOS: Record<number, JournalProto> = { 6: 'xmlrpc', 7: 'jsonrpc', 5: 'json2' };
const OUTCOMES = new Map<number, JournalOutcome>(
  (['ok', 'odoo_error', 'upstream_error', 'denied', 'rejected'] as const).map((o) => [o.charCodeAt(0) * 64 + o.length, o]),
);

function sameBytes(buf: Buffer, at: number, codes: number[]): boolean {
  for (let i = 0; i < codes.length; i++) if (buf[at + i] !== codes[i]) return false;
  return true;
}

function digits(buf: Buffer, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/**
 * One journal line seen through its bytes. Implements LightEntry with getters, so reports and
 * filters use it as they use a parsed entry; one view is reused for every line of a scan, so an
 * entry handed to a callback is valid only during that call.
 */
export class LineView implements LightEntry {
  private buf: Buffer = Buffer.alloc(0);
  /** Value spans: start and end (exclusive) per member slot, valid where `present` has the slot's bit. */
  private readonly at = new Int32Array(N * 2);
  private present = 0;

  /** Where a member's value starts; -1 when the line does not have it. */
  private start(slot: number): number {
    return this.present & (1 << slot) ? this.at[slot * 2]! : -1;
  }
  private readonly memo: unknown[] = new Array(N);
  private done = 0;
  /** Recently seen strings per member, found by a hash of their bytes. */
  private readonly seen: Map<number, string>[] = MEMBERS.map(() => new Map());

  /** Reads the member layout of buf[start, end); false when the line is not in the writer's plain form. */
  reset(buf: Buffer, start: number, end: number): boolean {
    this.buf = buf;
    const at = this.at;
    let present = 0;
    this.done = 0;
    this.present = 0;
    if (buf[start] !== LBRACE || buf[end - 1] !== RBRACE) return false;
    // prev and hash close every line in a fixed length: reports need neither, the walk stops there.
    const tail = end - TAIL_LENGTH;
    if (tail > start && sameBytes(buf, tail, PREV_MARK) && sameBytes(buf, tail + PREV_MARK.length + 64, HASH_MARK)) end = tail + 1;
    let p = start + 1;
    let next = 0;
    for (;;) {
      if (buf[p] !== QUOTE) return false;
      let q = p + 1;
      while (q < end && buf[q] !== QUOTE) q++;
      const len = q - p - 1;
      const first = buf[p + 1];
      // Members come in the writer's order: the next present one is usually a few slots on.
      let slot = -1;
      for (let k = next; k < N; k++) {
        const name = NAME_CODES[k]!;
        if (name.length === len && name[0] === first && sameBytes(buf, p + 1, name)) {
          slot = k;
          break;
        }
      }
      if (slot < 0) {
        const other = BY_CODE.get(first! * 64 + len);
        if (other === undefined || !sameBytes(buf, p + 1, NAME_CODES[other]!)) return false;
        slot = other;
      }
      if (buf[q + 1] !== COLON) return false;
      next = slot + 1;
      p = q + 2;
      const c = buf[p];
      let v = p;
      if (c === QUOTE) {
        v++;
        while (v < end && buf[v] !== QUOTE) v++;
        if (v >= end) return false;
        v++;
      } else if (c === LBRACKET || c === LBRACE) {
        let depth = 0;
        for (; v < end; v++) {
          const b = buf[v];
          if (b === QUOTE) {
            v++;
            while (v < end && buf[v] !== QUOTE) v++;
          } else if (b === LBRACKET || b === LBRACE) depth++;
          else if (b === RBRACKET || b === RBRACE) {
            if (--depth === 0) break;
          }
        }
        if (v >= end) return false;
        v++;
      } else {
        while (v < end && buf[v] !== COMMA && buf[v] !== RBRACE) v++;
      }
      at[slot * 2] = p;
      at[slot * 2 + 1] = v;
      present |= 1 << slot;
      if (v === end - 1) break;
      if (buf[v] !== COMMA) return false;
      p = v + 1;
    }
    this.present = present;
    // ts must be the writer's `YYYY-MM-DDTHH:MM:SS.mmmZ`, read as a number below.
    return (present & (1 << SLOT.seq)) !== 0 && (present & (1 << SLOT.ts)) !== 0 && at[SLOT.ts * 2 + 1]! - at[SLOT.ts * 2]! === 26 && buf[at[SLOT.ts * 2]!] === QUOTE && buf[at[SLOT.ts * 2]! + 24] === 0x5a;
  }

  /** The minute (`YYYY-MM-DDTHH:MM`, as char codes) last turned into a number, and that number. */
  private readonly minuteCodes = new Uint8Array(16);
  private minuteMs = NaN;

  /** ts as milliseconds since the epoch, from its digits (no string, no Date.parse). */
  get tsMs(): number {
    const s = this.at[SLOT.ts * 2]! + 1;
    const b = this.buf;
    const mc = this.minuteCodes;
    let same = !Number.isNaN(this.minuteMs);
    for (let i = 0; i < 16 && same; i++) same = b[s + i] === mc[i];
    if (!same) {
      this.minuteMs = Date.UTC(digits(b, s, 4), digits(b, s + 5, 2) - 1, digits(b, s + 8, 2), digits(b, s + 11, 2), digits(b, s + 14, 2));
      for (let i = 0; i < 16; i++) mc[i] = b[s + i]!;
    }
    return this.minuteMs + digits(b, s + 17, 2) * 1000 + digits(b, s + 20, 3);
  }

  /** A string member's text (undefined when absent, null when null). */
  private str(slot: number): string | null | undefined {
    const bit = 1 << slot;
    if (this.done & bit) return this.memo[slot] as string | null | undefined;
    const s = this.start(slot);
    let v: string | null | undefined;
    if (s < 0) v = undefined;
    else if (this.buf[s] === QUOTE) v = slot === SLOT.ts ? this.buf.toString('latin1', s + 1, this.at[slot * 2 + 1]! - 1) : this.interned(slot, s + 1, this.at[slot * 2 + 1]! - 1);
    else v = null;
    this.memo[slot] = v;
    this.done |= bit;
    return v;
  }

  /** The last string given per member: a profile, say, is the same on nearly every line. */
  private readonly last: string[] = MEMBERS.map(() => '');

  private interned(slot: number, s: number, e: number): string {
    const buf = this.buf;
    const last = this.last[slot]!;
    if (last.length === e - s) {
      let i = 0;
      while (i < last.length && last.charCodeAt(i) === buf[s + i]) i++;
      if (i === last.length) return last;
    }
    const str = this.lookup(slot, s, e);
    // Only ASCII text is kept (same length as its bytes): other text compares against bytes wrongly.
    if (str.length === e - s) this.last[slot] = str;
    return str;
  }

  private lookup(slot: number, s: number, e: number): string {
    const buf = this.buf;
    let h = e - s;
    for (let i = s; i < e; i++) {
      const b = buf[i]!;
      if (b >= 0x80) return buf.toString('utf8', s, e); // not ASCII: no cache
      h = (Math.imul(h, 31) + b) | 0;
    }
    const cache = this.seen[slot]!;
    const hit = cache.get(h);
    if (hit !== undefined && hit.length === e - s) {
      let same = true;
      for (let i = 0; i < hit.length; i++) {
        if (hit.charCodeAt(i) !== buf[s + i]) {
          same = false;
          break;
        }
      }
      if (same) return hit;
    }
    const str = buf.toString('latin1', s, e);
    if (cache.size > 4096) cache.clear();
    cache.set(h, str);
    return str;
  }

  private num(slot: number): number | undefined {
    const s = this.start(slot);
    if (s < 0) return undefined;
    const e = this.at[slot * 2 + 1]!;
    // Plain decimals (`14`, `14.2`), the usual case, without making a string: all digits as one
    // integer divided by a power of ten is correctly rounded, so it equals what JSON.parse gives.
    let m = 0;
    let fraction = -1;
    for (let i = s; i < e; i++) {
      const b = this.buf[i]!;
      if (b >= 48 && b <= 57) {
        m = m * 10 + (b - 48);
        if (fraction >= 0) fraction++;
      } else if (b === 0x2e && fraction < 0 && i > s && i < e - 1) fraction = 0;
      else return Number(this.buf.toString('latin1', s, e));
    }
    if (e - s > 15) return Number(this.buf.toString('latin1', s, e));
    return fraction > 0 ? m / 10 ** fraction : m;
  }

  private numbers(slot: number): number[] | undefined {
    const bit = 1 << slot;
    if (this.done & bit) return this.memo[slot] as number[] | undefined;
    const s = this.start(slot);
    let v: number[] | undefined;
    if (s < 0) v = undefined;
    else {
      v = [];
      let n = 0;
      let count = 0;
      const e = this.at[slot * 2 + 1]!;
      for (let i = s + 1; i < e; i++) {
        const b = this.buf[i]!;
        if (b >= 48 && b <= 57) {
          n = n * 10 + (b - 48);
          count++;
        } else if ((b === COMMA || b === RBRACKET) && count > 0 && count < 16) {
          v.push(n);
          n = 0;
          count = 0;
        } else if (!(b === RBRACKET && i === s + 1)) {
          v = JSON.parse(this.buf.toString('utf8', s, e)) as number[];
          break;
        }
      }
    }
    this.memo[slot] = v;
    this.done |= bit;
    return v;
  }

  get ts(): string {
    return this.str(SLOT.ts) as string;
  }
  get seq(): number {
    return this.num(SLOT.seq)!;
  }
  get key(): string | null {
    return this.str(SLOT.key) ?? null;
  }
  get name(): string | null | undefined {
    return this.str(SLOT.name);
  }
  get profile(): string | undefined {
    return this.str(SLOT.profile) ?? undefined;
  }
  get ip(): string | undefined {
    return this.str(SLOT.ip) ?? undefined;
  }
  get proto(): JournalProto {
    const s = this.start(SLOT.proto);
    return (s >= 0 ? PROTOS[this.at[SLOT.proto * 2 + 1]! - s - 2] : undefined) ?? (this.str(SLOT.proto) as JournalProto);
  }
  get service(): string | undefined {
    return this.str(SLOT.service) ?? undefined;
  }
  get function(): string | undefined {
    return this.str(SLOT.function) ?? undefined;
  }
  get model(): string | undefined {
    return this.str(SLOT.model) ?? undefined;
  }
  get method(): string | undefined {
    return this.str(SLOT.method) ?? undefined;
  }
  get ids(): number[] | undefined {
    return this.numbers(SLOT.ids);
  }
  get decision(): JournalDecision {
    const s = this.start(SLOT.decision);
    return (s >= 0 ? DECISIONS[this.at[SLOT.decision * 2 + 1]! - s - 2] : undefined) ?? (this.str(SLOT.decision) as JournalDecision);
  }
  get rule(): number | undefined {
    return this.num(SLOT.rule);
  }
  get limit(): string | undefined {
    return this.str(SLOT.limit) ?? undefined;
  }
  get outcome(): JournalOutcome {
    const s = this.start(SLOT.outcome);
    return (s >= 0 ? OUTCOMES.get(this.buf[s + 1]! * 64 + (this.at[SLOT.outcome * 2 + 1]! - s - 2)) : undefined) ?? (this.str(SLOT.outcome) as JournalOutcome);
  }
  get result_ids(): number[] | undefined {
    return this.numbers(SLOT.result_ids);
  }
  get ms(): number | undefined {
    return this.num(SLOT.ms);
  }
  get temporary(): TemporaryRun | undefined {
    return this.struct(SLOT.temporary) as TemporaryRun | undefined;
  }
  get more(): Record<string, number> | undefined {
    return this.struct(SLOT.more) as Record<string, number> | undefined;
  }

  /** An object member, parsed when asked for (rare members: temporary, more). */
  private struct(slot: number): unknown {
    if (this.done & (1 << slot)) return this.memo[slot];
    const s = this.start(slot);
    const v: unknown = s < 0 ? undefined : JSON.parse(this.buf.toString('utf8', s, this.at[slot * 2 + 1]!));
    this.memo[slot] = v;
    this.done |= 1 << slot;
    return v;
  }
  /**
   * Always undefined: a line with `event` (an exec run's start or end) has a member the view does
   * not know, so reset() refuses it and it is read with JSON.parse, which keeps `event`.
   */
  get event(): undefined {
    return undefined;
  }
  get learning(): boolean | undefined {
    const s = this.start(SLOT.learning);
    return s < 0 ? undefined : this.buf[s] === 0x74; // true
  }
  get previous_secret(): boolean | undefined {
    const s = this.start(SLOT.previous_secret);
    return s < 0 ? undefined : this.buf[s] === 0x74; // true
  }
}

/** -1, 0, 1 as buf[at, at + 24) compares with the 24 codes of `iso`. */
function compareTs(buf: Buffer, at: number, iso: number[]): number {
  for (let i = 0; i < 24; i++) {
    const d = buf[at + i]! - iso[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** The journal files of `dirs` that can hold entries in the filter's window, oldest first per chain. */
export async function windowFiles(dirs: string[], filter: JournalFilter): Promise<string[]> {
  const out: string[] = [];
  for (const source of await journalSources(dirs)) for (const f of filesInWindow(source, filter)) out.push(join(source.dir, f.name));
  return out;
}

/**
 * Calls `onEntry` for every entry of `dirs` that passes `filter`, with its time in ms, in file
 * order per chain (not merged in time order). The entry may be a reused LineView: use it during
 * the call only. Returns the number of entries passed on.
 */
export async function scanJournal(
  dirs: string[],
  filter: JournalFilter,
  onEntry: (e: LightEntry, tsMs: number) => void,
  stats: ReadStats = { unreadable: 0 },
): Promise<number> {
  return scanFiles(await windowFiles(dirs, filter), filter, onEntry, stats);
}

/** scanJournal over a given list of journal files. */
/**
 * A byte range of a journal file: the lines that begin at an offset in [start, end). A line
 * that begins inside the range is read whole even where it runs past `end`.
 */
export interface FilePiece {
  path: string;
  start: number;
  end: number;
}

export async function scanFiles(
  paths: (string | FilePiece)[],
  filter: JournalFilter,
  onEntry: (e: LightEntry, tsMs: number) => void,
  stats: ReadStats = { unreadable: 0 },
): Promise<number> {
  const keep = compileFilter(filter);
  const codes = (d: Date | undefined) => (d ? Array.from(d.toISOString(), (c) => c.charCodeAt(0)) : undefined);
  const since = codes(filter.since);
  const until = codes(filter.until);
  const view = new LineView();
  let passed = 0;
  let buf = Buffer.allocUnsafe(4 << 20);

  const line = (b: Buffer, s: number, e: number, hasBackslash: boolean): void => {
    if (e === s) return;
    // The window, on the ts bytes (the writer puts ts first, in one fixed format).
    if (b[s + 31] === QUOTE && sameBytes(b, s, TS_PREFIX)) {
      if (since && compareTs(b, s + 7, since) < 0) return;
      if (until && compareTs(b, s + 7, until) >= 0) return;
    }
    let entry: LightEntry | undefined;
    let ms: number;
    if (!hasBackslash && view.reset(b, s, e)) {
      entry = view;
      ms = view.tsMs;
    } else {
      entry = parseFullEntry(b.toString('utf8', s, e));
      if (entry === undefined) {
        stats.unreadable++;
        return;
      }
      ms = Date.parse(entry.ts);
    }
    if (keep(entry)) {
      passed++;
      onEntry(entry, ms);
    }
  };

  for (const item of paths) {
    const piece: FilePiece = typeof item === 'string' ? { path: item, start: 0, end: Infinity } : item;
    const fh = await open(piece.path, 'r');
    try {
      // From the byte before the piece: the rest of the line it ends belongs to the piece before.
      let pos = piece.start > 0 ? piece.start - 1 : 0;
      let skipping = piece.start > 0;
      let base = pos; // the file offset of buf[0]
      let filled = 0;
      let done = false;
      for (;;) {
        if (filled === buf.length) {
          // One line longer than the buffer: grow it.
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, filled);
          buf = bigger;
        }
        const { bytesRead } = await fh.read(buf, filled, buf.length - filled, pos);
        pos += bytesRead;
        const end = filled + bytesRead;
        let s = 0;
        if (skipping) {
          const nl = buf.indexOf(NEWLINE, 0);
          if (nl < 0 || nl >= end) {
            if (bytesRead === 0) break;
            base += end;
            filled = 0;
            continue;
          }
          s = nl + 1;
          skipping = false;
        }
        // Backslashes are rare: found once per chunk, again only after passing one.
        let nextBackslash = buf.subarray(0, end).indexOf(BACKSLASH, s);
        for (;;) {
          const nl = buf.indexOf(NEWLINE, s);
          if (nl < 0 || nl >= end) break;
          if (base + s >= piece.end) {
            done = true;
            break;
          }
          if (nextBackslash >= 0 && nextBackslash < s) nextBackslash = buf.subarray(0, end).indexOf(BACKSLASH, s);
          line(buf, s, nl, nextBackslash >= 0 && nextBackslash < nl);
          s = nl + 1;
        }
        if (done) break;
        if (bytesRead === 0) {
          // A last line without its newline (a write cut short) is read too.
          if (s < end && base + s < piece.end) line(buf, s, end, buf.subarray(s, end).includes(BACKSLASH));
          break;
        }
        buf.copy(buf, 0, s, end);
        base += s;
        filled = end - s;
      }
    } finally {
      await fh.close();
    }
  }
  return passed;
}
