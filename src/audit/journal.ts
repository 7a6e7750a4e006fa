// The journal writer: one JSON line per call, hash-chained, in daily files.
//
// Appends are serialised in arrival order and written in groups (one write per event-loop turn,
// "group commit"), so journaling costs the proxy a hash and a share of one write per call. The
// journal fails closed: when a write fails it turns unhealthy, rejects appends, and the proxy
// refuses calls until a periodic probe (or the next append) shows the folder writable again.

import { promises as fsp, constants as fsConstants, statSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GENESIS, REPLICA_PATTERN, checkChainLine, entryBody, eventBody, journalFileName, parseJournalFileName, sealLine, sideFileName, utcDay } from './chain.js';
import type { ChainFields } from './chain.js';
import type { JournalEntry, JournalEventInput, JournalInput } from './types.js';
import { breakStaleLock, ownerAlive, ownerIsLocal, ownIdentity } from '../registry/lock.js';

export type JournalSync = 'batch' | 'interval' | 'none';

export interface JournalOptions {
  dir: string;
  /** Replica id, part of the file names, so several proxies can share one folder without sharing a file. */
  replica?: string;
  /** fdatasync after every group ('batch'), at most every ~100 ms ('interval', default), or never ('none'). */
  sync?: JournalSync;
  now?: () => Date;
  /** How often an unhealthy journal probes the folder again (default 1000 ms). */
  retryMs?: number;
  /** Called whenever `healthy` changes. */
  onHealthChange?: (healthy: boolean, error: Error | undefined) => void;
}

export type JournalErrorCode = 'journal_unwritable' | 'journal_locked' | 'journal_closed' | 'journal_bad_replica';

export class JournalError extends Error {
  constructor(
    message: string,
    readonly code: JournalErrorCode,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'JournalError';
  }
}

export interface Journal {
  readonly dir: string;
  readonly replica: string | undefined;
  /** False after a failed write or while the folder cannot be written; the proxy refuses calls then. */
  readonly healthy: boolean;
  readonly lastError: Error | undefined;
  /** The seq of the last line written (0 before the first). */
  readonly seq: number;
  /** The file currently written to, when one is open. */
  readonly currentFile: string | undefined;
  /**
   * Adds seq, prev and hash, writes the line; resolves once written (and synced, with sync 'batch').
   * A call's line, or (with `event`) an exec run's start or end, in the same chain.
   */
  append(entry: JournalInput | JournalEventInput): Promise<JournalEntry>;
  /** Waits for every queued append and syncs the file to disk. */
  flush(): Promise<void>;
  /** Flushes, syncs and releases the folder. Appends after close are rejected. */
  close(): Promise<void>;
}

interface Pending {
  input: JournalInput | JournalEventInput;
  resolve: (e: JournalEntry) => void;
  reject: (err: Error) => void;
}

interface ChainState {
  seq: number;
  hash: string;
  /** The newest journal file of this chain, if any. */
  newestDay: string | undefined;
  /** That file ends in the middle of a line (a write cut short by a crash). */
  tornTail: boolean;
}

const SYNC_INTERVAL_MS = 100;
const LOCK_TOUCH_MS = 5_000;
const LOCK_STALE_MS = 30_000;

/** Locks held by this process, so a lock file naming our own pid is known to be ours or stale. */
const locksHeld = new Set<string>();

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function unwritable(dir: string, err: unknown): JournalError {
  return new JournalError(`the journal folder ${dir} cannot be written: ${errMessage(err)}`, 'journal_unwritable', err);
}

/** This process's lock record: a new `since` each time, so a record names one taking of the lock. */
function lockRecord(): string {
  const { pid, host, ...linux } = ownIdentity();
  return JSON.stringify({ pid, host, since: new Date().toISOString(), ...linux }) + '\n';
}

/**
 * Puts `record` at `path` unless a lock is there: written whole to a private file first and linked
 * into place, so a lock is never seen half-written (an empty lock read as stale let a second
 * writer remove a lock being written and take the chain too). Resolves false if a lock is there.
 */
async function placeLock(path: string, record: string): Promise<boolean> {
  const mine = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
  await fsp.writeFile(mine, record, { flag: 'wx', mode: 0o600 });
  try {
    await fsp.link(mine, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    await fsp.rm(mine, { force: true }).catch(() => undefined);
  }
}

/**
 * Takes the folder (for one replica) for this process: two writers on one chain would fork it.
 * Returns the lock record written.
 */
async function acquireLock(path: string, dir: string): Promise<string> {
  // Marked before the lock exists: another journal of this process on the same chain, judging the
  // lock (our pid) meanwhile, must find it held.
  if (locksHeld.has(path)) throw new JournalError(`the journal ${dir} is in use by process ${process.pid} (this one)`, 'journal_locked');
  locksHeld.add(path);
  try {
    const record = lockRecord();
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await placeLock(path, record)) return record;
      let text: string;
      let mtimeMs: number;
      try {
        text = await fsp.readFile(path, 'utf8');
        mtimeMs = (await fsp.stat(path)).mtimeMs;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // gone meanwhile: try again
        throw err;
      }
      let holder: { pid?: unknown; host?: unknown; space?: unknown; started?: unknown } | undefined;
      try {
        holder = (JSON.parse(text) as typeof holder | null) ?? undefined;
      } catch {
        // Unreadable or half-written (an older version wrote it in two steps): judged by its age.
      }
      // The holder's pid is judged here only where it means the same process: this host, boot and
      // pid namespace (a container restarted on a kept volume has a new namespace, and its old pid
      // may belong to another process now). Elsewhere a live holder touches the lock every few
      // seconds, so only an untouched lock is stale.
      const pid = typeof holder?.pid === 'number' ? holder.pid : undefined;
      const here = holder !== undefined && typeof holder.host === 'string' && ownerIsLocal({ host: holder.host, ...(typeof holder.space === 'string' ? { space: holder.space } : {}) });
      const stale =
        pid === undefined || !here
          ? Date.now() - mtimeMs > LOCK_STALE_MS
          : pid === process.pid || !ownerAlive({ pid, started: typeof holder!.started === 'number' ? holder!.started : undefined });
      if (!stale) {
        throw new JournalError(
          `the journal ${dir} is in use by process ${pid ?? '?'} on ${typeof holder?.host === 'string' ? holder.host : '?'}` +
            (here ? '' : ` (another host or pid namespace; its lock was touched ${Math.max(0, Math.round((Date.now() - mtimeMs) / 1000))} s ago: if that process is gone, the lock is taken over once untouched for ${LOCK_STALE_MS / 1000} s)`) +
            // serve has no replica flag (exec picks a free replica itself): a folder is what an operator can give.
            '; give each serve its own journal folder (odoo-keys serve --audit-dir DIR)',
          'journal_locked',
        );
      }
      // Removed only if still what was judged, under a breaker: another process taking over the
      // same stale lock at the same time must not remove ours after we placed it.
      await breakStaleLock(path, text);
    }
    throw new JournalError(`could not take the journal lock ${path} (another process is taking it over)`, 'journal_locked');
  } catch (err) {
    locksHeld.delete(path);
    throw err;
  }
}

/** The last complete, hash-shaped entry of a file, reading backwards so a big file costs little. */
async function readLastEntry(path: string): Promise<{ entry: ChainFields | undefined; tornTail: boolean; size: number }> {
  const fh = await fsp.open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size === 0) return { entry: undefined, tornTail: false, size };
    const chunk = 64 * 1024;
    let pos = size;
    let text = '';
    let tornTail: boolean | undefined;
    let pending: Buffer = Buffer.alloc(0);
    while (pos > 0) {
      const len = Math.min(chunk, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, pos);
      pending = Buffer.concat([buf, pending]);
      // Decode only from a line start, so a multi-byte character is never cut.
      const firstNl = pos === 0 ? -1 : pending.indexOf(0x0a);
      if (pos > 0 && firstNl < 0) continue;
      text = pending.subarray(firstNl + 1).toString('utf8');
      if (tornTail === undefined) tornTail = !text.endsWith('\n');
      const lines = text.split('\n');
      const unended = lines.pop()!;
      if (unended !== '') {
        // A crash can lose just the final newline of a complete line. Its hash proves it whole, so
        // the chain goes on from it (openDay adds the newline); dropping it would number the next
        // line after it but chain it to the line before, which verify reads as a rewritten line.
        const c = checkChainLine(unended);
        if (c.ok && Number.isSafeInteger(c.entry.seq)) return { entry: c.entry, tornTail: true, size };
      }
      for (let i = lines.length - 1; i >= 0; i--) {
        const entry = checkChainLine(lines[i]!).entry;
        if (entry && Number.isSafeInteger(entry.seq) && typeof entry.hash === 'string') {
          return { entry, tornTail, size };
        }
      }
      pending = pending.subarray(0, firstNl + 1);
    }
    return { entry: undefined, tornTail: tornTail ?? false, size };
  } finally {
    await fh.close();
  }
}

async function readJsonFile<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fsp.readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The head record: the last seq and hash known to be on disk, to tell a truncated journal from a short one. */
export interface HeadRecord {
  seq: number;
  hash: string;
  ts: string;
  file: string;
}

/** Written by pruneJournal: where the removed part of the chain ended. */
export interface PrunedRecord {
  seq: number;
  hash: string;
  through: string;
  at: string;
}

/** The journal files of one chain (replica), oldest first. */
export async function chainFiles(dir: string, replica: string | undefined): Promise<{ name: string; day: string }[]> {
  const names = await fsp.readdir(dir);
  return names
    .map((name) => ({ name, parsed: parseJournalFileName(name) }))
    .filter((x) => x.parsed && x.parsed.replica === replica)
    .map((x) => ({ name: x.name, day: x.parsed!.day }))
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

async function loadChainState(dir: string, replica: string | undefined): Promise<ChainState> {
  const files = await chainFiles(dir, replica);
  const newestDay = files.length ? files[files.length - 1]!.day : undefined;
  let seq = 0;
  let hash = GENESIS;
  let tornTail = false;
  for (let i = files.length - 1; i >= 0; i--) {
    const last = await readLastEntry(join(dir, files[i]!.name));
    if (i === files.length - 1) tornTail = last.tornTail;
    if (last.entry) {
      seq = last.entry.seq;
      hash = last.entry.hash;
      break;
    }
  }
  // A head record ahead of the files means lines were cut off the end while the proxy was down:
  // continue numbering after the head so the gap stays visible to `verify` instead of being papered over.
  const head = await readJsonFile<HeadRecord>(join(dir, sideFileName('head', replica)));
  if (head && Number.isSafeInteger(head.seq) && head.seq > seq) {
    if (seq === 0) hash = typeof head.hash === 'string' ? head.hash : hash;
    seq = head.seq;
  }
  if (seq === 0) {
    const pruned = await readJsonFile<PrunedRecord>(join(dir, sideFileName('pruned', replica)));
    if (pruned && Number.isSafeInteger(pruned.seq) && typeof pruned.hash === 'string') {
      seq = pruned.seq;
      hash = pruned.hash;
    }
  }
  return { seq, hash, newestDay, tornTail };
}

/**
 * Writes a group in the event loop, not through the thread pool: a group is a few KB going to the
 * page cache (microseconds), while a thread-pool round trip (queue, futex wake-ups, completion
 * event) cost more than the write itself on every call (bench/, journal row). fdatasync, which
 * can take long, stays off the event loop.
 */
function writeAll(fh: FileHandle, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) {
    const bytesWritten = writeSync(fh.fd, buf, off, buf.length - off);
    if (bytesWritten <= 0) throw new Error('write returned no progress');
    off += bytesWritten;
  }
}

class FileJournal implements Journal {
  readonly dir: string;
  readonly replica: string | undefined;
  private readonly sync: JournalSync;
  private readonly now: () => Date;
  private readonly retryMs: number;
  private readonly onHealthChange: JournalOptions['onHealthChange'];

  private _healthy = false;
  private _lastError: Error | undefined;
  private state: ChainState | undefined;
  private fh: FileHandle | undefined;
  private fileDay: string | undefined;
  /** Inode and device of the open file, to tell whether it is still the one at its path. */
  private fileId: { ino: number; dev: number } | undefined;
  /** The path of the open file, kept so the check below does not build it again. */
  private filePath: string | undefined;
  /** Size of the current file after the last successful write: a failed write is cut back to it. */
  private goodSize = 0;
  /** Set after a failed write whose cut-back could not be done then (the file is cut on reopening). */
  private cutTo: { day: string; size: number } | undefined;
  private lockPath: string;
  private lockHeld = false;
  /** The lock record this journal wrote, and the lock file's inode: what says the lock is still ours. */
  private lockRecord = '';
  private lockIno = -1;

  private queue: Pending[] = [];
  private flushQueued = false;
  private ops: Promise<void> = Promise.resolve();
  private closed = false;

  private unsynced = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private lockTimer: NodeJS.Timeout | undefined;
  private synced: { seq: number; hash: string; ts: string; file: string } | undefined;
  private headWritten = 0;

  constructor(opts: JournalOptions) {
    this.dir = opts.dir;
    this.replica = opts.replica;
    this.sync = opts.sync ?? 'interval';
    this.now = opts.now ?? (() => new Date());
    this.retryMs = opts.retryMs ?? 1000;
    this.onHealthChange = opts.onHealthChange;
    this.lockPath = join(this.dir, sideFileName('lock', this.replica));
  }

  get healthy(): boolean {
    return this._healthy && !this.closed;
  }
  get lastError(): Error | undefined {
    return this._lastError;
  }
  get seq(): number {
    return this.state?.seq ?? 0;
  }
  get currentFile(): string | undefined {
    return this.fileDay ? join(this.dir, journalFileName(this.fileDay, this.replica)) : undefined;
  }

  private setHealth(healthy: boolean, error: Error | undefined): void {
    const changed = healthy !== this._healthy;
    this._healthy = healthy;
    this._lastError = error;
    if (changed) this.onHealthChange?.(healthy, error);
  }

  /**
   * Makes the journal writable: folder, lock, chain state, today's file. Throws when it cannot
   * (a lock held by another process throws a 'journal_locked' error).
   */
  private async ready(probe: boolean): Promise<void> {
    try {
      await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw unwritable(this.dir, err);
    }
    if (!this.lockHeld) {
      try {
        this.lockRecord = await acquireLock(this.lockPath, this.dir);
        this.lockIno = statSync(this.lockPath).ino;
      } catch (err) {
        if (err instanceof JournalError) throw err;
        throw unwritable(this.dir, err);
      }
      this.lockHeld = true;
      this.lockTimer = setInterval(() => void this.run(() => this.touchLock()), LOCK_TOUCH_MS);
      this.lockTimer.unref();
    }
    try {
      if (!this.state) this.state = await loadChainState(this.dir, this.replica);
      if (probe) {
        // Opening a file proves little (a full disk still opens files): write and sync a block.
        const probePath = join(this.dir, this.replica ? `.probe.${this.replica}` : '.probe');
        const ph = await fsp.open(probePath, 'w', 0o600);
        try {
          writeAll(ph, Buffer.alloc(4096, 0x20));
          await ph.datasync();
        } finally {
          await ph.close();
          await fsp.rm(probePath, { force: true });
        }
      }
      if (!this.fh) await this.openDay(this.dayFor(this.now()));
    } catch (err) {
      await this.dropHandle();
      throw err instanceof JournalError ? err : unwritable(this.dir, err);
    }
  }

  /** Today's UTC day, never earlier than the newest file (a clock stepping back must not reorder files). */
  private dayFor(now: Date): string {
    const today = utcDay(now);
    const newest = this.fileDay ?? this.state?.newestDay;
    return newest && newest > today ? newest : today;
  }

  private async openDay(day: string): Promise<void> {
    const path = join(this.dir, journalFileName(day, this.replica));
    const fh = await fsp.open(path, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT, 0o600);
    try {
      const st = await fh.stat();
      // A symlink to /dev/null (or any device) in its place would swallow every line unseen.
      if (!st.isFile()) throw new Error(`${path} is not a regular file`);
      let size = st.size;
      if (this.cutTo && this.cutTo.day === day && size > this.cutTo.size) {
        // Our own failed write left part of a group behind: those appends were rejected, cut them off.
        await fh.truncate(this.cutTo.size);
        size = this.cutTo.size;
      } else if (size > 0 && this.state?.tornTail && day === this.state.newestDay) {
        // A crash cut the last line short. Keep it (verify will show it) but start on a fresh line.
        writeAll(fh, Buffer.from('\n'));
        size += 1;
      }
      if (this.state) this.state.tornTail = false;
      this.cutTo = undefined;
      this.fh = fh;
      this.fileDay = day;
      this.fileId = { ino: st.ino, dev: st.dev };
      this.filePath = path;
      this.goodSize = size;
      if (this.state && (!this.state.newestDay || day > this.state.newestDay)) this.state.newestDay = day;
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Whether the open file is still the one at its path (not deleted, moved or replaced): the path
   * names the inode that was opened. A stat in the event loop, not an fstat and a stat through the
   * thread pool (those were about half of what journaling cost per call, bench/, journal row).
   */
  private stillAtPath(): boolean {
    if (!this.fh || !this.filePath || !this.fileId) return true;
    try {
      const atPath = statSync(this.filePath);
      return atPath.ino === this.fileId.ino && atPath.dev === this.fileId.dev;
    } catch {
      return false;
    }
  }

  /**
   * A lock file gone (its folder made again, or the file removed): put ours back. Someone else's
   * there means another process took the chain meanwhile: this journal stops writing.
   */
  private async relock(): Promise<void> {
    if (!this.lockHeld) return;
    if (await placeLock(this.lockPath, this.lockRecord).catch(() => false)) {
      this.lockIno = statSync(this.lockPath).ino;
      return;
    }
    const text = await fsp.readFile(this.lockPath, 'utf8').catch(() => undefined);
    if (text !== this.lockRecord) this.loseLock();
  }

  /**
   * Every few seconds: says the writer is alive (a process of another host or pid namespace judges
   * the lock by its age), once sure the lock is still ours. A lock taken over (its writer judged
   * gone: stopped, suspended, or a clock step) must not be touched, nor written under: two writers
   * would fork the chain.
   */
  private async touchLock(): Promise<void> {
    if (!this.lockHeld || this.closed) return;
    let text: string | undefined;
    try {
      text = await fsp.readFile(this.lockPath, 'utf8');
    } catch {
      return this.relock();
    }
    if (text !== this.lockRecord) return this.loseLock();
    const t = new Date();
    await fsp.utimes(this.lockPath, t, t).catch(() => undefined);
  }

  /** Whether the lock file is still the one this journal placed (a stat, as stillAtPath). */
  private lockStillOurs(): boolean {
    try {
      return statSync(this.lockPath).ino === this.lockIno;
    } catch {
      return true; // gone: put back by relock or touchLock, which see whose it is
    }
  }

  /** Another process holds this chain now: refuse appends (fail closed) until the lock is free again. */
  private loseLock(): void {
    if (!this.lockHeld) return;
    if (this.lockTimer) clearInterval(this.lockTimer);
    this.lockTimer = undefined;
    this.lockHeld = false;
    locksHeld.delete(this.lockPath);
    // Whatever the other writer appended is read again before this one writes any more.
    this.state = undefined;
    const fh = this.fh;
    this.fh = undefined;
    this.fileDay = undefined;
    void fh?.close().catch(() => undefined);
    this.markFailed(new JournalError(`the journal lock ${this.lockPath} was taken over by another process: appends are refused until it is free again`, 'journal_locked'));
  }

  private async dropHandle(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    if (fh) await fh.close().catch(() => undefined);
  }

  private markFailed(err: Error): void {
    this.setHealth(false, err);
    if (!this.retryTimer && !this.closed) {
      this.retryTimer = setInterval(() => {
        void this.run(async () => {
          if (this._healthy || this.closed) return this.stopRetry();
          try {
            await this.ready(true);
            this.stopRetry();
            this.setHealth(true, undefined);
          } catch (e) {
            this._lastError = e as Error;
          }
        });
      }, this.retryMs);
      this.retryTimer.unref();
    }
  }

  private stopRetry(): void {
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Serialises every file operation (group writes, syncs, rollovers, close). */
  private run(task: () => Promise<void>): Promise<void> {
    const next = this.ops.then(task, task);
    this.ops = next.catch(() => undefined);
    return next;
  }

  async init(): Promise<void> {
    try {
      await this.ready(false);
      this.setHealth(true, undefined);
    } catch (err) {
      if (err instanceof JournalError && (err.code === 'journal_locked' || err.code === 'journal_bad_replica')) throw err;
      this.markFailed(err as Error);
    }
  }

  append(input: JournalInput | JournalEventInput): Promise<JournalEntry> {
    if (this.closed) return Promise.reject(new JournalError('the journal is closed', 'journal_closed'));
    return new Promise<JournalEntry>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.flushQueued) {
        this.flushQueued = true;
        setImmediate(() => this.run(() => this.writeGroup()).catch(() => undefined));
      }
    });
  }

  private async writeGroup(): Promise<void> {
    this.flushQueued = false;
    const group = this.queue;
    this.queue = [];
    if (group.length === 0) return;
    const fail = (err: Error): void => {
      for (const p of group) p.reject(err);
    };
    if (this.closed && !this.fh) return fail(new JournalError('the journal is closed', 'journal_closed'));
    if (!this._healthy) {
      // A retry on demand: the write below is the real probe.
      try {
        await this.ready(false);
      } catch (err) {
        const e = err instanceof JournalError ? err : unwritable(this.dir, err);
        this._lastError = e;
        return fail(e);
      }
    }
    if (this.fh && !this.lockStillOurs()) {
      // Cheap (a stat per group); touchLock reads the record itself every few seconds.
      this.loseLock();
      return fail(this._lastError!);
    }
    if (this.fh && !this.stillAtPath()) {
      // The folder or the file was deleted, moved or replaced while open: lines written to the
      // open descriptor would vanish with it, unseen. Reopen at the path (a deleted folder is made
      // again and the chain goes on there); a path that cannot be a folder any more fails closed.
      await this.dropHandle();
      this.cutTo = undefined;
      try {
        await this.ready(false);
        await this.relock();
        if (!this.lockHeld) throw this._lastError!;
      } catch (err) {
        const e = err instanceof JournalError ? err : unwritable(this.dir, err);
        this.markFailed(e);
        return fail(e);
      }
    }
    const now = this.now();
    const state = this.state!;
    try {
      const day = this.dayFor(now);
      if (!this.fh || day !== this.fileDay) await this.rollTo(day);
    } catch (err) {
      const e = unwritable(this.dir, err);
      await this.dropHandle();
      this.markFailed(e);
      return fail(e);
    }
    const nowIso = now.toISOString();
    let seq = state.seq;
    let prev = state.hash;
    let text = '';
    const entries: JournalEntry[] = [];
    const written: Pending[] = [];
    for (const p of group) {
      let body: Omit<JournalEntry, 'hash'>;
      let sealed: { line: string; hash: string };
      try {
        const ts = normaliseTs(p.input.ts) ?? nowIso;
        body = 'event' in p.input ? eventBody(p.input, ts, seq + 1, prev) : entryBody(p.input, ts, seq + 1, prev);
        sealed = sealLine(body);
      } catch (err) {
        // A malformed entry is refused on its own; it takes no seq and does not stop the others.
        p.reject(new TypeError(`journal entry refused: ${errMessage(err)}`));
        continue;
      }
      seq++;
      text += sealed.line;
      prev = sealed.hash;
      (body as JournalEntry).hash = sealed.hash;
      entries.push(body as JournalEntry);
      written.push(p);
    }
    if (written.length === 0) return;
    const buf = Buffer.from(text, 'utf8');
    try {
      writeAll(this.fh!, buf);
      if (this.sync === 'batch') await this.fh!.datasync();
    } catch (err) {
      const e = unwritable(this.dir, err);
      this.cutTo = { day: this.fileDay!, size: this.goodSize };
      await this.fh?.truncate(this.goodSize).catch(() => undefined);
      await this.dropHandle();
      this.markFailed(e);
      return fail(e);
    }
    this.goodSize += buf.length;
    state.seq = seq;
    state.hash = prev;
    if (!this._healthy) {
      this.stopRetry();
      this.setHealth(true, undefined);
    }
    const last = entries[entries.length - 1]!;
    const mark = { seq, hash: prev, ts: last.ts, file: journalFileName(this.fileDay!, this.replica) };
    if (this.sync === 'batch') this.synced = mark;
    else this.unsynced = true;
    this.scheduleSync(mark);
    for (let i = 0; i < written.length; i++) written[i]!.resolve(entries[i]!);
  }

  /** 'interval': one fdatasync at most every ~100 ms; every mode but 'none' then refreshes the head record. */
  private pendingMark: { seq: number; hash: string; ts: string; file: string } | undefined;
  private scheduleSync(mark: { seq: number; hash: string; ts: string; file: string }): void {
    if (this.sync === 'none') return;
    this.pendingMark = mark;
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      this.run(() => this.syncNow()).catch(() => undefined);
    }, SYNC_INTERVAL_MS);
    this.syncTimer.unref();
  }

  private async syncNow(): Promise<void> {
    if (this.sync === 'none' || !this.fh) return;
    if (this.unsynced) {
      try {
        await this.fh.datasync();
      } catch (err) {
        const e = unwritable(this.dir, err);
        await this.dropHandle();
        this.markFailed(e);
        return;
      }
      this.unsynced = false;
      if (this.pendingMark) this.synced = this.pendingMark;
    }
    await this.writeHead();
  }

  private async writeHead(): Promise<void> {
    const mark = this.synced;
    if (!mark || mark.seq === this.headWritten) return;
    const path = join(this.dir, sideFileName('head', this.replica));
    const tmp = `${path}.tmp`;
    try {
      await fsp.writeFile(tmp, JSON.stringify(mark) + '\n', { mode: 0o600 });
      await fsp.rename(tmp, path);
      this.headWritten = mark.seq;
    } catch {
      // The head record only sharpens `verify`; the journal itself is what must not fail silently.
    }
  }

  private async rollTo(day: string): Promise<void> {
    if (this.fh) {
      if (this.sync !== 'none' && this.unsynced) {
        await this.fh.datasync();
        this.unsynced = false;
        if (this.pendingMark) this.synced = this.pendingMark;
      }
      await this.dropHandle();
    }
    await this.openDay(day);
  }

  flush(): Promise<void> {
    return this.run(async () => {
      if (this.queue.length > 0) await this.writeGroup();
      if (this.fh && this.unsynced) {
        try {
          await this.fh.datasync();
          this.unsynced = false;
          if (this.pendingMark) this.synced = this.pendingMark;
        } catch (err) {
          const e = unwritable(this.dir, err);
          await this.dropHandle();
          this.markFailed(e);
          throw e;
        }
      }
      if (this.sync !== 'none') await this.writeHead();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return this.ops;
    await this.flush().catch(() => undefined);
    this.closed = true;
    await this.run(async () => {
      if (this.queue.length) {
        for (const p of this.queue.splice(0)) p.reject(new JournalError('the journal is closed', 'journal_closed'));
      }
      await this.dropHandle();
      if (this.syncTimer) clearTimeout(this.syncTimer);
      this.stopRetry();
      if (this.lockTimer) clearInterval(this.lockTimer);
      if (this.lockHeld) {
        locksHeld.delete(this.lockPath);
        // Only our own: a lock another process took over is its.
        if ((await fsp.readFile(this.lockPath, 'utf8').catch(() => undefined)) === this.lockRecord) await fsp.rm(this.lockPath, { force: true }).catch(() => undefined);
        this.lockHeld = false;
      }
    });
  }
}

function normaliseTs(ts: string | undefined): string | undefined {
  if (ts === undefined) return undefined;
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/**
 * Opens (creating as needed) the journal in `dir`. Resolves even when the folder cannot be
 * written (the journal is then unhealthy and keeps retrying); rejects when another live process
 * holds the same folder and replica, or the replica id is not usable in a file name.
 */
export async function openJournal(opts: JournalOptions): Promise<Journal> {
  if (opts.replica !== undefined && !REPLICA_PATTERN.test(opts.replica)) {
    throw new JournalError(`replica id '${opts.replica}' may use only letters, digits, '-' and '_' (at most 64)`, 'journal_bad_replica');
  }
  const journal = new FileJournal(opts);
  await journal.init();
  return journal;
}

/**
 * Removes whole journal files whose day ended more than `olderThanMs` before `now`, never the
 * newest file of a chain. Records where the removed part of each chain ended (.pruned*.json) so
 * `verify` can tell retention from a deleted file. Returns the names removed.
 */
export async function pruneJournal(dir: string, olderThanMs: number, now: Date = new Date()): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const cutoff = now.getTime() - olderThanMs;
  const byChain = new Map<string, { name: string; day: string; replica: string | undefined }[]>();
  for (const name of names) {
    const p = parseJournalFileName(name);
    if (!p) continue;
    const k = p.replica ?? '';
    if (!byChain.has(k)) byChain.set(k, []);
    byChain.get(k)!.push({ name, day: p.day, replica: p.replica });
  }
  const removed: string[] = [];
  for (const files of byChain.values()) {
    files.sort((a, b) => (a.day < b.day ? -1 : 1));
    const doomed = files.slice(0, -1).filter((f) => Date.parse(`${f.day}T00:00:00Z`) + 86_400_000 <= cutoff);
    if (doomed.length === 0) continue;
    const replica = doomed[0]!.replica;
    // The last entry of the newest doomed file anchors what remains.
    let anchor: ChainFields | undefined;
    for (let i = doomed.length - 1; i >= 0 && !anchor; i--) anchor = (await readLastEntry(join(dir, doomed[i]!.name))).entry;
    if (anchor) {
      const record: PrunedRecord = { seq: anchor.seq, hash: anchor.hash, through: doomed[doomed.length - 1]!.name, at: now.toISOString() };
      const path = join(dir, sideFileName('pruned', replica));
      await fsp.writeFile(`${path}.tmp`, JSON.stringify(record) + '\n', { mode: 0o600 });
      await fsp.rename(`${path}.tmp`, path);
    }
    for (const f of doomed) {
      await fsp.rm(join(dir, f.name), { force: true });
      removed.push(f.name);
    }
  }
  return removed;
}
