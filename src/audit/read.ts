// Reading the journal: streams entries from one or several folders (several proxy replicas),
// merged in time order, filtered on the way, never holding a whole journal in memory.

import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { parseJournalFileName } from './chain.js';
import { parseFullEntry, parseLightEntry, type LightEntry } from './fastparse.js';
import type { JournalEntry } from './types.js';

export interface JournalFilter {
  /** Entries at or after this instant. */
  since?: Date;
  /** Entries before this instant. */
  until?: Date;
  /** Key ids or names (any of them). */
  keys?: string[];
  /** Model names or globs such as `crm.*` (any of them). */
  models?: string[];
  /** ORM method names, or `service.function` / function names for other calls (any of them). */
  methods?: string[];
  /**
   * Only denied calls; with `errors` too: denied calls or errors. (A model or method filter, or
   * either of these, leaves out exec's run lines, which have none of them; a key filter keeps them.)
   */
  denied?: boolean;
  /** Only calls Odoo answered with an error or that failed upstream; with `denied` too: either. */
  errors?: boolean;
}

/** One chain of daily files: a folder, or one replica within a folder. */
export interface JournalSource {
  dir: string;
  replica: string | undefined;
  /** File names, oldest first. */
  files: { name: string; day: string }[];
}

/** Lists the chains in each folder. A missing folder is an error the caller words. */
export async function journalSources(dirs: string[]): Promise<JournalSource[]> {
  const sources: JournalSource[] = [];
  for (const dir of dirs) {
    const entries = await fsp.readdir(dir, { withFileTypes: true });
    const chains = new Map<string, JournalSource>();
    for (const entry of entries) {
      // A folder (or anything else) named like a day file is not one: reading it failed with EISDIR
      // and ended the report. Skipped, a day it should have held shows as a gap in `audit verify`.
      if (!entry.isFile()) continue;
      const name = entry.name;
      const p = parseJournalFileName(name);
      if (!p) continue;
      const k = p.replica ?? '';
      if (!chains.has(k)) chains.set(k, { dir, replica: p.replica, files: [] });
      chains.get(k)!.files.push({ name, day: p.day });
    }
    for (const c of [...chains.values()].sort((a, b) => (a.replica ?? '').localeCompare(b.replica ?? ''))) {
      c.files.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
      sources.push(c);
    }
  }
  return sources;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

export type EntryPredicate = (e: LightEntry) => boolean;

/** The filter as one predicate (the window included). */
export function compileFilter(filter: JournalFilter): EntryPredicate {
  const since = filter.since?.toISOString();
  const until = filter.until?.toISOString();
  const keys = filter.keys?.length ? new Set(filter.keys) : undefined;
  const models = filter.models?.length ? filter.models.map(globToRegExp) : undefined;
  const methods = filter.methods?.length ? new Set(filter.methods) : undefined;
  const denied = Boolean(filter.denied);
  const errors = Boolean(filter.errors);
  return (e) => {
    if (since !== undefined && e.ts < since) return false;
    if (until !== undefined && e.ts >= until) return false;
    if (keys && !((e.key != null && keys.has(e.key)) || (e.name != null && keys.has(e.name)))) return false;
    if (models && !(e.model !== undefined && models.some((re) => re.test(e.model!)))) return false;
    if (methods) {
      const fn = e.function !== undefined ? (e.service !== undefined ? `${e.service}.${e.function}` : e.function) : undefined;
      if (!((e.method !== undefined && methods.has(e.method)) || (e.function !== undefined && methods.has(e.function)) || (fn !== undefined && methods.has(fn)))) return false;
    }
    if (denied || errors) {
      // An exec run's start and end lines (event) are neither: they have no decision or outcome.
      const isDenied = e.decision === 'deny';
      const isError = e.outcome === 'odoo_error' || e.outcome === 'upstream_error';
      if (!((denied && isDenied) || (errors && isError))) return false;
    }
    return true;
  };
}

const DAY_MS = 86_400_000;

/** The files of a chain that can hold entries in the window (a day's margin for calls across midnight). */
export function filesInWindow(source: JournalSource, filter: JournalFilter): { name: string; day: string }[] {
  const sinceDay = filter.since ? new Date(filter.since.getTime() - DAY_MS).toISOString().slice(0, 10) : undefined;
  const untilDay = filter.until ? new Date(filter.until.getTime() + DAY_MS).toISOString().slice(0, 10) : undefined;
  return source.files.filter((f, i) => {
    if (untilDay !== undefined && f.day > untilDay) return false;
    // A file holds entries up to the day the next one starts.
    const next = source.files[i + 1];
    if (sinceDay !== undefined && next && next.day < sinceDay) return false;
    return true;
  });
}

export interface LineChunk {
  lines: string[];
  /** 1-based number of the first line in `lines` within its file. */
  firstLine: number;
  file: string;
}

/**
 * The lines of a file in chunks. A last line without its newline (a write cut short) is still
 * given, and reported through `onTorn` with its line number.
 */
export async function* readLines(path: string, onTorn?: (line: number) => void): AsyncGenerator<LineChunk> {
  const fh = await fsp.open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let lineNo = 1;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      const text = rest + decoder.write(buf.subarray(0, bytesRead));
      const lines = text.split('\n');
      rest = lines.pop()!;
      if (lines.length) {
        yield { lines, firstLine: lineNo, file: path };
        lineNo += lines.length;
      }
    }
    rest += decoder.end();
    if (rest !== '') {
      onTorn?.(lineNo);
      yield { lines: [rest], firstLine: lineNo, file: path };
    }
  } finally {
    await fh.close();
  }
}

export interface ReadStats {
  /** Lines that are not journal entries (verify says why). */
  unreadable: number;
}

const TS_PREFIX = '{"ts":"';

/** The entries of one chain, in file order, filtered, in batches. */
async function* sourceBatches<T extends LightEntry>(
  source: JournalSource,
  filter: JournalFilter,
  keep: EntryPredicate,
  stats: ReadStats,
  parse: (line: string) => T | undefined,
): AsyncGenerator<T[]> {
  const since = filter.since?.toISOString();
  const until = filter.until?.toISOString();
  for (const f of filesInWindow(source, filter)) {
    for await (const chunk of readLines(join(source.dir, f.name))) {
      const out: T[] = [];
      for (const line of chunk.lines) {
        if (line === '') continue;
        // The writer puts ts first, in one fixed format: the window is checked before parsing.
        if (line.startsWith(TS_PREFIX) && line.charCodeAt(31) === 34) {
          const ts = line.slice(7, 31);
          if ((since !== undefined && ts < since) || (until !== undefined && ts >= until)) continue;
        }
        const e = parse(line);
        if (e === undefined) {
          stats.unreadable++;
          continue;
        }
        if (keep(e)) out.push(e);
      }
      if (out.length) yield out;
    }
  }
}

/** Merges sorted batch streams by ts. Each chain is in time order already; the merge is k-way over them. */
async function* mergeBatches<T extends LightEntry>(streams: AsyncGenerator<T[]>[]): AsyncGenerator<T[]> {
  if (streams.length === 1) {
    yield* streams[0]!;
    return;
  }
  interface Head {
    stream: AsyncGenerator<T[]>;
    batch: T[];
    i: number;
  }
  const heads: Head[] = [];
  for (const stream of streams) {
    const r = await stream.next();
    if (!r.done && r.value.length) heads.push({ stream, batch: r.value, i: 0 });
  }
  const OUT = 4096;
  let out: T[] = [];
  try {
    while (heads.length) {
      let min = 0;
      for (let h = 1; h < heads.length; h++) {
        if (heads[h]!.batch[heads[h]!.i]!.ts < heads[min]!.batch[heads[min]!.i]!.ts) min = h;
      }
      const head = heads[min]!;
      out.push(head.batch[head.i++]!);
      if (head.i >= head.batch.length) {
        const r = await head.stream.next();
        if (r.done || !r.value.length) heads.splice(min, 1);
        else {
          head.batch = r.value;
          head.i = 0;
        }
      }
      if (out.length >= OUT) {
        yield out;
        out = [];
      }
    }
    if (out.length) yield out;
  } finally {
    // A consumer that stops early must not leave files open.
    for (const h of heads) await h.stream.return(undefined);
  }
}

/** Entries of every chain in `dirs`, merged in time order and filtered, in batches (the fast path for reports). */
export async function* readJournalBatches(dirs: string[], filter: JournalFilter = {}, stats: ReadStats = { unreadable: 0 }): AsyncGenerator<JournalEntry[]> {
  const keep = compileFilter(filter);
  const sources = await journalSources(dirs);
  yield* mergeBatches(sources.map((s) => sourceBatches(s, filter, keep, stats, parseFullEntry)));
}

/**
 * Like readJournalBatches, but each entry holds only what reports and filters use (no field
 * names, reasons, messages or hashes): several times cheaper per line, for grouping big journals.
 */
export async function* readReportBatches(dirs: string[], filter: JournalFilter = {}, stats: ReadStats = { unreadable: 0 }): AsyncGenerator<LightEntry[]> {
  const keep = compileFilter(filter);
  const sources = await journalSources(dirs);
  yield* mergeBatches(sources.map((s) => sourceBatches(s, filter, keep, stats, parseLightEntry)));
}

/** Entries of every chain in `dirs`, merged in time order and filtered, one at a time. */
export async function* readJournal(dirs: string[], filter: JournalFilter = {}, stats?: ReadStats): AsyncGenerator<JournalEntry> {
  for await (const batch of readJournalBatches(dirs, filter, stats)) yield* batch;
}
