// Grouping a whole journal for `odoo-keys audit`: the byte scanner feeding a ReportBuilder, with
// big journals split across worker threads by byte ranges (each thread groups its share, the
// partial reports are merged), so a million lines take a fraction of the time on a machine with cores.

import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { JournalFilter, ReadStats } from './read.js';
import { ReportBuilder, type PartialReport, type Report, type ReportOptions } from './report.js';
import { scanFiles, windowFiles, type FilePiece } from './scan.js';

export interface GroupJournalOptions extends ReportOptions {
  /** Most threads to use (default: the machine's parallelism, at most 4). 1 keeps it on this thread. */
  workers?: number;
  /** Only journals larger than this many bytes (in the window) are split (default 64 MB). */
  parallelAboveBytes?: number;
}

/** What a worker is given: the filter's dates as ISO text (structured clone keeps Dates, but be plain). */
export interface GroupTask {
  paths: FilePiece[];
  filter: Omit<JournalFilter, 'since' | 'until'> & { since?: string; until?: string };
  report: Omit<ReportOptions, 'since' | 'until'> & { since?: string; until?: string };
}

export interface GroupAnswer {
  partial: PartialReport;
  unreadable: number;
}

export function plainTask(paths: FilePiece[], filter: JournalFilter, opts: ReportOptions): GroupTask {
  return {
    paths,
    filter: { ...filter, since: filter.since?.toISOString(), until: filter.until?.toISOString() },
    report: { by: opts.by, buckets: opts.buckets, since: opts.since?.toISOString(), until: opts.until?.toISOString() },
  };
}

export function taskFilter(t: GroupTask): JournalFilter {
  return { ...t.filter, since: t.filter.since ? new Date(t.filter.since) : undefined, until: t.filter.until ? new Date(t.filter.until) : undefined };
}

export function taskReportOptions(t: GroupTask): ReportOptions {
  return { by: t.report.by, buckets: t.report.buckets, since: t.report.since ? new Date(t.report.since) : undefined, until: t.report.until ? new Date(t.report.until) : undefined };
}

/**
 * The files cut into `n` shares of equal size, as byte ranges (a file may be split between two
 * shares): whole files left one thread with 4 of 7 days, and it set the time of the whole.
 */
export function shareFiles(files: { path: string; size: number }[], n: number): FilePiece[][] {
  const total = files.reduce((a, f) => a + f.size, 0);
  const per = Math.ceil(total / n);
  const shares: FilePiece[][] = [];
  let share: FilePiece[] = [];
  let room = per;
  for (const f of files) {
    let at = 0;
    while (at < f.size) {
      const take = Math.min(room, f.size - at);
      const end = at + take === f.size ? Infinity : at + take;
      share.push({ path: f.path, start: at, end });
      at += take;
      room -= take;
      if (room === 0 && shares.length < n - 1) {
        shares.push(share);
        share = [];
        room = per;
      }
    }
  }
  if (share.length) shares.push(share);
  return shares;
}

function runWorker(task: GroupTask): Promise<GroupAnswer> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./group-worker.js', import.meta.url), { workerData: task });
    let answered = false;
    w.once('message', (m: GroupAnswer) => {
      answered = true;
      resolve(m);
    });
    w.once('error', reject);
    w.once('exit', (code) => {
      if (!answered) reject(new Error(`a journal grouping thread stopped (exit code ${code}) without an answer`));
    });
  });
}

/** One report over every entry of `dirs` that passes `filter`. */
export async function groupJournal(dirs: string[], filter: JournalFilter, opts: GroupJournalOptions = {}, stats: ReadStats = { unreadable: 0 }): Promise<Report> {
  const paths = await windowFiles(dirs, filter);
  const builder = new ReportBuilder(opts);
  const files = await Promise.all(paths.map(async (path) => ({ path, size: (await stat(path)).size })));
  const total = files.reduce((s, f) => s + f.size, 0);
  const threads = Math.min(opts.workers ?? Math.min(4, availableParallelism()), files.length);
  if (threads <= 1 || total <= (opts.parallelAboveBytes ?? 64 * 1024 * 1024)) {
    await scanFiles(paths, filter, (e, ms) => builder.add(e, ms), stats);
    return builder.report();
  }
  const answers = await Promise.all(shareFiles(files, threads).map((share) => runWorker(plainTask(share, filter, opts))));
  for (const a of answers) {
    builder.merge(a.partial);
    stats.unreadable += a.unreadable;
  }
  return builder.report();
}
