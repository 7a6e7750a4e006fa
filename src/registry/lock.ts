// A lock file beside the registry that serialises writers across processes.
//
// Taking it: write our owner record to a private temporary file and hard-link it to the lock
// path; link() fails if the lock exists, so exactly one process wins, and the lock never exists
// without its content. A lock whose owner is gone (this machine, pid no longer alive, e.g. killed
// with -9, or alive but started after the lock was taken: the pid was reused) is stale. A live
// owner's lock is never broken for its age: a writer stopped with Ctrl-Z, a suspended laptop or a
// stalled fsync would lose it and then write over a newer file.
// Only a lock from elsewhere (another host, boot or pid namespace: its pid means nothing here)
// goes stale with age (`staleMs`); the store checks the lock is still its own before it renames.
// Breaking a stale lock is itself guarded by a short-lived `.break` lock and a re-read, so two
// processes can never both break the same lock and then remove each other's fresh one.
import { readFileSync, readlinkSync } from 'node:fs';
import { link, open, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

export interface LockOwner {
  pid: number;
  host: string;
  token: string;
  /** ms since the epoch. */
  since: number;
  /** Linux: boot id and pid namespace, so a pid is only judged where it means the same process. */
  space?: string;
  /** Linux: when the owner started (clock ticks after boot), so a reused pid is not taken for it. */
  started?: number;
}

export interface LockOptions {
  /** Give up after this long (default 30 s, or $ODOO_KEYS_LOCK_TIMEOUT_MS): 50 writers at once on a busy machine queue for a few seconds. */
  timeoutMs?: number;
  /** A lock from another host, boot or pid namespace older than this is stale (default 60 s). Writers hold it for milliseconds. */
  staleMs?: number;
}

export class LockTimeoutError extends Error {
  constructor(
    readonly lockPath: string,
    readonly owner: LockOwner | undefined,
  ) {
    super(
      `could not lock ${lockPath}: held by ${owner ? `process ${owner.pid} on ${owner.host} since ${new Date(owner.since).toISOString()}` : 'another process'}` +
        ' (a stopped odoo-keys command, e.g. after Ctrl-Z, holds it until it goes on or ends; if none is running, delete the lock file)',
    );
    this.name = 'LockTimeoutError';
  }
}

const BREAKER_STALE_MS = 5_000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Whether a process of this machine is alive (EPERM: alive, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When a process of this machine started, in clock ticks after boot (Linux, /proc/<pid>/stat field
 * 22), or undefined (not Linux, gone, or hidden from us). A pid is reused after its process ends;
 * its start time is not, so pid and start time together name one process.
 */
export function processStarted(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name (field 2) is in parentheses and may hold spaces or ')': count from the last ')'.
    const v = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isSafeInteger(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** This process's start time (Linux), read once. */
export const PROCESS_STARTED = processStarted(process.pid);

/**
 * Whether the process a lock names still runs here: its pid is alive and, where the lock recorded
 * a start time and /proc shows one, it is the same process (not a later one given the same pid).
 */
export function ownerAlive(owner: { pid: number; started?: number | undefined }): boolean {
  if (!pidAlive(owner.pid)) return false;
  if (owner.started === undefined) return true;
  const now = processStarted(owner.pid);
  return now === undefined || now === owner.started;
}

function readSpace(): string | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return `${boot}/${readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return undefined; // not Linux: the hostname alone says whether a pid is ours to check
  }
}

/** This process's boot and pid namespace (Linux), read once. */
export const PROCESS_SPACE = readSpace();

/** What names this process in a lock record: pid and host, and on Linux its pid namespace and start time. */
export function ownIdentity(): Pick<LockOwner, 'pid' | 'host' | 'space' | 'started'> {
  return { pid: process.pid, host: hostname(), ...(PROCESS_SPACE !== undefined ? { space: PROCESS_SPACE } : {}), ...(PROCESS_STARTED !== undefined ? { started: PROCESS_STARTED } : {}) };
}

/**
 * Whether the owner's pid can be checked here: same host name, and (where both know it) the same
 * boot and pid namespace. Two containers with one host name sharing the folder differ in the latter.
 */
export function ownerIsLocal(owner: Pick<LockOwner, 'host' | 'space'>): boolean {
  if (owner.host !== hostname()) return false;
  return owner.space === undefined || PROCESS_SPACE === undefined || owner.space === PROCESS_SPACE;
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as LockOwner;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.token === 'string' && typeof o.since === 'number' && (o.space === undefined || typeof o.space === 'string') && (o.started === undefined || typeof o.started === 'number')) return o;
  } catch {
    /* not an owner record */
  }
  return undefined;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A held lock: call it to release; `held()` says whether it is still ours. */
export type LockHandle = (() => Promise<void>) & { held(): boolean };

export class FileLock {
  private readonly timeoutMs: number;
  private readonly staleMs: number;

  constructor(
    readonly path: string,
    opts: LockOptions = {},
  ) {
    const envTimeout = Number(process.env.ODOO_KEYS_LOCK_TIMEOUT_MS);
    this.timeoutMs = opts.timeoutMs ?? (envTimeout > 0 ? envTimeout : 30_000);
    this.staleMs = opts.staleMs ?? 60_000;
  }

  /** Whether the lock described by `text` (last modified at `mtimeMs`) may be broken. */
  isStale(text: string, mtimeMs: number, now = Date.now()): boolean {
    const owner = parseOwner(text);
    if (!owner) return now - mtimeMs > this.staleMs;
    // Here the process says it all, whatever the age (a lock of an older version, without a start
    // time, whose pid another program now has keeps the lock until the operator removes it: the
    // timeout message says how).
    if (ownerIsLocal(owner)) return !ownerAlive(owner);
    return now - owner.since > this.staleMs;
  }

  /**
   * Takes the lock, waiting for other holders; returns the function that releases it, with
   * `held()`: whether the lock is still this one (it is, unless someone judged it stale or deleted it).
   */
  async acquire(): Promise<LockHandle> {
    const owner: LockOwner = { ...ownIdentity(), token: randomBytes(12).toString('hex'), since: Date.now() };
    const record = JSON.stringify(owner);
    const mine = `${this.path}.${process.pid}.${owner.token}`;
    const deadline = Date.now() + this.timeoutMs;
    let delay = 2;
    await writeFile(mine, record, { mode: 0o600 });
    try {
      for (;;) {
        try {
          await link(mine, this.path);
          const release = async (): Promise<void> => {
            // Remove the lock only if it is still ours (it is, unless it was judged stale).
            if ((await readText(this.path)) === record) await unlink(this.path).catch(() => undefined);
          };
          // Synchronous, so a caller can check and rename with nothing else running in between.
          const held = (): boolean => {
            try {
              return readFileSync(this.path, 'utf8') === record;
            } catch {
              return false;
            }
          };
          return Object.assign(release, { held });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        const held = await readText(this.path);
        if (held !== undefined) {
          const st = await stat(this.path).catch(() => undefined);
          if (st && this.isStale(held, st.mtimeMs)) {
            await breakStaleLock(this.path, held);
            continue;
          }
        }
        if (Date.now() > deadline) throw new LockTimeoutError(this.path, held === undefined ? undefined : parseOwner(held));
        await sleep(delay + Math.random() * delay);
        delay = Math.min(delay * 2, 50);
      }
    } finally {
      await unlink(mine).catch(() => undefined);
    }
  }
}

/**
 * Removes the lock at `path` if it still holds exactly `observed`, under a `.break` lock: two
 * processes that both judged one lock stale must not both remove it (the second would remove the
 * first one's fresh lock, and both would go on as its holder). Returns without removing anything
 * while another process breaks it.
 */
export async function breakStaleLock(path: string, observed: string): Promise<void> {
  const breaker = `${path}.break`;
  let fh;
  try {
    fh = await open(breaker, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Someone else is breaking it; a breaker left by a killed process goes after a few seconds.
    const st = await stat(breaker).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > BREAKER_STALE_MS) await unlink(breaker).catch(() => undefined);
    await sleep(5);
    return;
  }
  try {
    await fh.close();
    if ((await readText(path)) === observed) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}
