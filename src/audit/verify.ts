// `odoo-keys audit verify`: walks every hash chain in a journal folder and says where it breaks.
//
// Each line must hash to its own `hash`, carry the next `seq`, and name the line before in `prev`.
// At the first line that does not, a short look-ahead tells a changed line from removed, inserted,
// duplicated or reordered ones; the walk then resynchronises and goes on counting problems.

import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { GENESIS, checkChainLine, parseJournalFileName, sideFileName, type ChainCheck } from './chain.js';
import type { HeadRecord, PrunedRecord } from './journal.js';
import { journalSources, readLines, type JournalSource } from './read.js';

export type ProblemKind =
  | 'changed'
  | 'removed'
  | 'inserted'
  | 'duplicated'
  | 'reordered'
  | 'truncated'
  | 'not_an_entry'
  | 'start_missing'
  | 'end_missing'
  | 'no_journal';

export interface VerifyProblem {
  kind: ProblemKind;
  /** The journal file (name within the folder) and 1-based line number. */
  file: string;
  line: number;
  seq?: number;
  message: string;
}

export interface ChainReport {
  dir: string;
  replica: string | undefined;
  files: number;
  /** Lines read, entries or not. */
  lines: number;
  firstSeq: number | undefined;
  lastSeq: number | undefined;
  firstTs: string | undefined;
  lastTs: string | undefined;
  /** The hash of the last entry: with lastSeq, what to keep elsewhere and give back as --expect-head. */
  lastHash: string | undefined;
  /** Entries up to this seq were removed by retention (pruneJournal). */
  prunedThrough: number | undefined;
  ok: boolean;
  /** The first problems found (at most 20); `problemCount` counts them all. */
  problems: VerifyProblem[];
  problemCount: number;
}

export interface VerifyResult {
  ok: boolean;
  chains: ChainReport[];
}

/** A chain's last seq and hash as recorded elsewhere (`--expect-head [<replica>:]<seq>:<hash>`). */
export interface ExpectedHead {
  replica: string | undefined;
  seq: number;
  hash: string;
}

export interface VerifyOptions {
  /** A folder with no journal file (or a folder that does not exist) is not a problem. */
  allowEmpty?: boolean;
  /** Entries each chain must still hold, as recorded elsewhere: lines cut off the end with the head record rewritten are caught. */
  expectHeads?: ExpectedHead[];
}

/** Parses `[<replica>:]<seq>:<hash>` as `audit verify` prints it; undefined when malformed. */
export function parseExpectedHead(text: string): ExpectedHead | undefined {
  const m = /^(?:([A-Za-z0-9_-]{1,64}):)?(\d{1,15}):([0-9a-f]{64})$/.exec(text.trim());
  return m ? { replica: m[1], seq: Number(m[2]), hash: m[3]! } : undefined;
}

const LOOKAHEAD = 256;
const MAX_LISTED = 20;

interface Rec {
  file: string;
  line: number;
  check: ChainCheck;
  empty: boolean;
  /** The file's last line had no newline. */
  torn: boolean;
  /** Index of the file in the chain, to word removals across files. */
  fileIndex: number;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fsp.readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function where(r: { file: string; line: number }): string {
  return `${r.file}:${r.line}`;
}

function emptyReport(dir: string, replica: string | undefined): ChainReport {
  return { dir, replica, files: 0, lines: 0, firstSeq: undefined, lastSeq: undefined, firstTs: undefined, lastTs: undefined, lastHash: undefined, prunedThrough: undefined, ok: true, problems: [], problemCount: 0 };
}

/** What an expected head would report against one chain, if no chain of its replica holds it. */
interface UnmetHead {
  head: ExpectedHead;
  kind: ProblemKind;
  at: { file: string; line: number };
  message: string;
  seq: number;
}

async function verifyChain(source: JournalSource, expected: ExpectedHead[] = []): Promise<{ report: ChainReport; unmet: UnmetHead[] }> {
  const report: ChainReport = {
    dir: source.dir,
    replica: source.replica,
    files: source.files.length,
    lines: 0,
    firstSeq: undefined,
    lastSeq: undefined,
    firstTs: undefined,
    lastTs: undefined,
    lastHash: undefined,
    prunedThrough: undefined,
    ok: true,
    problems: [],
    problemCount: 0,
  };
  /** The hash of the entry at each expected seq, as found. */
  const seen = new Map<number, string>(expected.map((x) => [x.seq, '']));
  const pruned = await readJson<PrunedRecord>(join(source.dir, sideFileName('pruned', source.replica)));
  const head = await readJson<HeadRecord>(join(source.dir, sideFileName('head', source.replica)));

  const problem = (kind: ProblemKind, r: { file: string; line: number }, message: string, seq?: number): void => {
    report.ok = false;
    report.problemCount++;
    if (report.problems.length < MAX_LISTED) report.problems.push({ kind, file: r.file, line: r.line, seq, message });
  };

  // Chain position: the seq expected next and the hash the next line must name.
  let expectSeq = 0;
  let expectPrev = '';
  let started = false;
  let lastAccepted: { rec: Rec; prev: string; hash: string; seq: number } | undefined;
  /** Records already explained by a reorder report, skipped without a second report. */
  const displaced = new Set<Rec>();

  const buf: Rec[] = [];
  let bufStart = 0;

  /** Unreadable lines just passed: they may have been entries, so the next seq may skip that many. */
  let unreadableRun = 0;

  const accept = (r: Rec, seq: number, prev: string, hash: string, ts: string): void => {
    unreadableRun = 0;
    expectSeq = seq + 1;
    expectPrev = hash;
    lastAccepted = { rec: r, prev, hash, seq };
    report.lastSeq = seq;
    report.lastTs = ts;
    report.lastHash = hash;
    if (seen.get(seq) === '') seen.set(seq, hash);
  };

  const processOne = (i: number): void => {
    const r = buf[i]!;
    if (displaced.has(r)) {
      displaced.delete(r);
      return;
    }
    const c = r.check;
    if (r.empty || (!c.ok && c.problem !== 'hash_mismatch')) unreadableRun++;
    if (r.empty) return problem('not_an_entry', r, `line ${r.line} is empty: a line was added or a line's text removed`);
    if (!c.ok && (c.problem === 'not_json' || c.problem === 'no_hash' || c.problem === 'bad_fields')) {
      const isLast = i === buf.length - 1;
      if (r.torn && isLast) return problem('truncated', r, `line ${r.line} is incomplete: the journal was cut short in the middle of a line (a crash during a write, or a truncation)`);
      return problem(
        'not_an_entry',
        r,
        r.torn
          ? `line ${r.line} is incomplete (a write was cut short)`
          : `line ${r.line} is not a journal entry: it was changed, or left incomplete by a crash`,
      );
    }
    const e = c.entry!;
    if (report.firstSeq === undefined) {
      report.firstSeq = e.seq;
      report.firstTs = e.ts;
    }
    if (!c.ok) {
      // hash_mismatch: the text was edited after it was written.
      problem('changed', r, `line ${r.line} (seq ${e.seq}) was changed: its text no longer matches its hash`, e.seq);
      started = true;
      accept(r, Number.isSafeInteger(e.seq) ? e.seq : expectSeq, e.prev, e.hash, e.ts);
      return;
    }
    if (!started) {
      started = true;
      if (e.seq === 1 && e.prev === GENESIS) return accept(r, e.seq, e.prev, e.hash, e.ts);
      if (pruned && pruned.seq + 1 === e.seq && pruned.hash === e.prev) {
        // Retention removes whole files of days past, never the newest: a record that explains a
        // cut inside a file, or through a day not older than what remains, was not written by it.
        const through = typeof pruned.through === 'string' ? parseJournalFileName(pruned.through) : null;
        const remaining = parseJournalFileName(r.file);
        const unlike =
          r.line !== 1
            ? `entries before line ${r.line} of ${r.file} were removed, but retention removes whole files only`
            : !through || through.replica !== source.replica
              ? `it names ${JSON.stringify(pruned.through)}, not a journal file of this chain`
              : remaining && through.day >= remaining.day
                ? `it names ${pruned.through}, which is not older than ${r.file}, the oldest file left, and retention never removes the newest file`
                : undefined;
        if (unlike === undefined) {
          report.prunedThrough = pruned.seq;
          return accept(r, e.seq, e.prev, e.hash, e.ts);
        }
        problem(
          'start_missing',
          r,
          `the chain starts at seq ${e.seq}, and the retention record (${sideFileName('pruned', source.replica)}) says entries through seq ${pruned.seq} were removed, but ${unlike}: entries were removed by hand and the record written to hide it`,
          e.seq,
        );
        return accept(r, e.seq, e.prev, e.hash, e.ts);
      }
      problem(
        'start_missing',
        r,
        pruned
          ? `the chain starts at seq ${e.seq} but retention removed entries only through seq ${pruned.seq} (${pruned.through}): entries before line ${r.line} were removed`
          : `the chain starts at seq ${e.seq}, not 1, and no retention record explains the earlier entries: the oldest file or lines were removed`,
        e.seq,
      );
      return accept(r, e.seq, e.prev, e.hash, e.ts);
    }
    if (e.seq === expectSeq && e.prev === expectPrev) return accept(r, e.seq, e.prev, e.hash, e.ts);
    // Lines already reported as unreadable stood for the entries skipped here.
    if (unreadableRun > 0 && e.seq > expectSeq && e.seq - expectSeq <= unreadableRun) return accept(r, e.seq, e.prev, e.hash, e.ts);
    const before = lastAccepted ? where(lastAccepted.rec) : 'the line before';
    if (e.seq === expectSeq) {
      problem('changed', r, `line ${r.line} (seq ${e.seq}) does not chain to ${before}: that line was rewritten (with a new hash) or replaced`, e.seq);
      return accept(r, e.seq, e.prev, e.hash, e.ts);
    }
    const next = buf[i + 1];
    const nextEntry = next?.check.ok ? next.check.entry : undefined;
    if (e.seq > expectSeq) {
      // The expected line further on means lines were swapped, not removed.
      for (let j = i + 1; j < buf.length && j <= i + LOOKAHEAD; j++) {
        const cj = buf[j]!.check;
        if (cj.ok && cj.entry.seq === expectSeq) {
          const followsIt = e.prev === cj.entry.hash;
          const skipsIt = j === i + 1 && cj.entry.prev === expectPrev;
          const after = buf[j + 1]?.check;
          const chainGoesOn = skipsIt && (!after || (after.ok && after.entry.prev === cj.entry.hash && after.entry.seq === expectSeq + 1));
          if (!followsIt && chainGoesOn) {
            // The chain continues right past this line: it was inserted.
            return problem('inserted', r, `line ${r.line} was inserted: it claims seq ${e.seq}, and the chain goes on without it`, e.seq);
          }
          problem('reordered', r, `lines are out of order: line ${r.line} has seq ${e.seq}, but seq ${expectSeq} comes later, at ${where(buf[j]!)}`, e.seq);
          displaced.add(buf[j]!);
          return accept(r, e.seq, e.prev, e.hash, e.ts);
        }
      }
      const missing = e.seq - expectSeq;
      const acrossFiles = lastAccepted && lastAccepted.rec.fileIndex !== r.fileIndex;
      problem(
        'removed',
        r,
        `${missing} line${missing === 1 ? ' is' : 's are'} missing before line ${r.line} (seq ${expectSeq}${missing > 1 ? `–${e.seq - 1}` : ''})` +
          (acrossFiles ? `, between ${lastAccepted!.rec.file} and ${r.file} (a whole file may have been removed)` : ''),
        e.seq,
      );
      return accept(r, e.seq, e.prev, e.hash, e.ts);
    }
    // e.seq < expectSeq: a number seen already.
    if (lastAccepted && e.hash === lastAccepted.hash) {
      return problem('duplicated', r, `line ${r.line} repeats ${before} (seq ${e.seq})`, e.seq);
    }
    if (nextEntry && nextEntry.seq === expectSeq && nextEntry.prev === expectPrev) {
      return problem('inserted', r, `line ${r.line} was inserted: it claims seq ${e.seq} (already used), and the chain goes on without it`, e.seq);
    }
    if (lastAccepted && e.seq === lastAccepted.seq && e.prev === lastAccepted.prev) {
      // Two lines claim the same place; the one the next line names is the original.
      const currentIsOriginal = nextEntry ? nextEntry.prev === e.hash : false;
      problem(
        'inserted',
        r,
        `${before} and line ${r.line} both claim seq ${e.seq} after the same line: ${currentIsOriginal ? before : `line ${r.line}`} was inserted`,
        e.seq,
      );
      if (currentIsOriginal) accept(r, e.seq, e.prev, e.hash, e.ts);
      return;
    }
    problem('reordered', r, `line ${r.line} has seq ${e.seq} where seq ${expectSeq} was expected: lines were inserted or reordered`, e.seq);
    accept(r, e.seq, e.prev, e.hash, e.ts);
  };

  for (let fi = 0; fi < source.files.length; fi++) {
    const f = source.files[fi]!;
    let tornLine = -1;
    const path = join(source.dir, f.name);
    for await (const chunk of readLines(path, (n) => (tornLine = n))) {
      for (let k = 0; k < chunk.lines.length; k++) {
        const text = chunk.lines[k]!;
        const lineNo = chunk.firstLine + k;
        buf.push({ file: f.name, line: lineNo, check: text === '' ? { ok: false, problem: 'not_json' } : checkChainLine(text), empty: text === '', torn: false, fileIndex: fi });
        report.lines++;
        while (buf.length - bufStart > LOOKAHEAD + 2) processOne(bufStart++);
        if (bufStart > 4096) {
          buf.splice(0, bufStart);
          bufStart = 0;
        }
      }
    }
    if (tornLine > 0) {
      const last = buf[buf.length - 1];
      if (last && last.file === f.name && last.line === tornLine) last.torn = true;
    }
  }
  // The torn-tail rule looks at whether a record is the chain's very last.
  const end = buf.length;
  while (bufStart < end) processOne(bufStart++);
  const lastRec = buf[end - 1];

  if (head && Number.isSafeInteger(head.seq)) {
    const lastSeq = report.lastSeq ?? 0;
    const at = lastRec ? where(lastRec) : `${source.dir} (no journal files)`;
    // A last line cut mid-way is reported as truncated already; it was the head's entry.
    const explainedByTorn = lastRec?.torn && head.seq - lastSeq <= 1;
    if (head.seq > lastSeq && !explainedByTorn) {
      problem(
        'end_missing',
        lastRec ?? { file: head.file ?? '-', line: 0 },
        `the journal ends at seq ${lastSeq} (${at}) but seq ${head.seq} was written (${head.file} at ${head.ts}): ` +
          `${head.seq - lastSeq} line${head.seq - lastSeq === 1 ? ' was' : 's were'} removed from the end`,
        lastSeq,
      );
    } else if (head.seq === lastSeq && lastAccepted && lastAccepted.hash !== head.hash) {
      problem('changed', lastAccepted.rec, `the last line (seq ${lastSeq}) is not the one that was written: its hash differs from the head record`, lastSeq);
    }
  }
  // Heads recorded elsewhere: the head record lives in the folder, so whoever cut lines off the end
  // could rewrite it too; a value kept away from the folder cannot be.
  // Reported by the caller, which knows whether another folder's chain of the same replica holds it.
  const unmet: UnmetHead[] = [];
  for (const x of expected) {
    const found = seen.get(x.seq);
    const lastSeq = report.lastSeq ?? 0;
    const at = lastRec ?? { file: '-', line: 0 };
    if (found === x.hash) continue;
    if (!found && x.seq > lastSeq) {
      unmet.push({ head: x, kind: 'end_missing', at, seq: lastSeq, message: `the journal ends at seq ${lastSeq}, but seq ${x.seq} was written (--expect-head): ${x.seq - lastSeq} line${x.seq - lastSeq === 1 ? ' was' : 's were'} removed from the end` });
    } else {
      unmet.push({ head: x, kind: 'changed', at, seq: x.seq, message: `the entry at seq ${x.seq} is ${found ? 'not the one recorded (--expect-head): its hash differs' : 'missing'}: the chain was rewritten from there or before` });
    }
  }
  return { report, unmet };
}

/**
 * Verifies every chain in each folder (each replica is its own chain). A folder with no journal
 * file at all (emptied, or only its lock or probe file left), or one that does not exist, is a
 * problem unless `allowEmpty`: a wiped journal must not pass as an intact one.
 */
export async function verifyJournal(dirs: string | string[], opts: VerifyOptions = {}): Promise<VerifyResult> {
  const list = Array.isArray(dirs) ? dirs : [dirs];
  const present: string[] = [];
  const chains: ChainReport[] = [];
  for (const dir of list) {
    const st = await fsp.stat(dir).catch(() => undefined);
    if (st?.isDirectory()) present.push(dir);
    else if (!opts.allowEmpty) chains.push(noJournal(dir, 'the folder does not exist'));
  }
  const sources = await journalSources(present);
  // A head record without any file left: the whole chain was removed.
  for (const dir of present) {
    for (const name of await fsp.readdir(dir)) {
      const m = /^\.head(?:\.([A-Za-z0-9_-]{1,64}))?\.json$/.exec(name);
      if (!m) continue;
      const replica = m[1];
      if (!sources.some((s) => s.dir === dir && s.replica === replica)) sources.push({ dir, replica, files: [] });
    }
    if (!opts.allowEmpty && !sources.some((s) => s.dir === dir)) chains.push(noJournal(dir, 'the folder holds no journal file'));
  }
  const expected = opts.expectHeads ?? [];
  const verified: { report: ChainReport; unmet: UnmetHead[] }[] = [];
  for (const s of sources) verified.push(await verifyChain(s, expected.filter((x) => x.replica === s.replica)));
  // Several folders (one per replica, each unnamed) hold chains of the same replica name, and the
  // printed head does not say which folder it came from: a head is met when any of them holds it.
  for (const v of verified) {
    for (const u of v.unmet) {
      if (verified.some((o) => o.report.replica === u.head.replica && !o.unmet.some((w) => w.head === u.head))) continue;
      v.report.ok = false;
      v.report.problemCount++;
      if (v.report.problems.length < MAX_LISTED) v.report.problems.push({ kind: u.kind, file: u.at.file, line: u.at.line, seq: u.seq, message: u.message });
    }
    chains.push(v.report);
  }
  // An expected head whose chain has no file in any folder: all of it is gone.
  for (const x of expected) {
    if (sources.some((s) => s.replica === x.replica)) continue;
    const c = emptyReport(list[0] ?? '-', x.replica);
    c.ok = false;
    c.problemCount = 1;
    c.problems.push({ kind: 'end_missing', file: '-', line: 0, seq: 0, message: `no file of this chain is left, but seq ${x.seq} was written (--expect-head): the whole chain was removed` });
    chains.push(c);
  }
  return { ok: chains.every((c) => c.ok), chains };
}

function noJournal(dir: string, why: string): ChainReport {
  const c = emptyReport(dir, undefined);
  c.ok = false;
  c.problemCount = 1;
  c.problems.push({
    kind: 'no_journal',
    file: '-',
    line: 0,
    message: `${why}: the journal was removed, or no proxy has written here yet (\`audit verify --allow-empty\` where that is expected)`,
  });
  return c;
}
