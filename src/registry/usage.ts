// When each key was last used. The proxy sees every call, but rewriting keys.yaml (lock, fsync,
// rename, and every other proxy's reload) on each call would be absurd; instead it keeps the
// times in memory and flushes them every few seconds to stateHome()/last-used.json, a plain
// `{ "<key id>": "<ISO time>" }` object that `list` and `show` read.
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stateHome } from './paths.js';
import { writeFileAtomic } from './atomic.js';
import { KEY_ID_PATTERN } from './keys.js';

export function lastUsedPath(dir: string = stateHome()): string {
  return join(dir, 'last-used.json');
}

function cleanMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  for (const [id, at] of Object.entries(value)) {
    if (KEY_ID_PATTERN.test(id) && typeof at === 'string' && !Number.isNaN(Date.parse(at))) out[id] = at;
  }
  return out;
}

/** Key id -> ISO time of its last use; empty when nothing was recorded (or the file is unreadable: it is advisory). */
export function readLastUsed(dir: string = stateHome()): Record<string, string> {
  try {
    return cleanMap(JSON.parse(readFileSync(lastUsedPath(dir), 'utf8')));
  } catch {
    return {};
  }
}

export interface UsageRecorderOptions {
  /** Folder of last-used.json (default stateHome()). */
  dir?: string;
  /** Flush at most this often (default 5 s). 0 disables the timer: call flush() yourself. */
  intervalMs?: number;
}

export class UsageRecorder {
  private readonly dir: string;
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(opts: UsageRecorderOptions = {}) {
    this.dir = opts.dir ?? stateHome();
    const interval = opts.intervalMs ?? 5_000;
    if (interval > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => undefined), interval);
      this.timer.unref();
    }
  }

  /** Notes a use of a key; cheap, in memory. */
  touch(keyId: string, at: Date = new Date()): void {
    const t = at.getTime();
    if ((this.pending.get(keyId) ?? -Infinity) < t) this.pending.set(keyId, t);
  }

  /**
   * Writes what was noted since the last flush, merged with the file (latest time wins, so
   * several proxies sharing a state folder do not undo each other), atomically.
   */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = (async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      let current: Record<string, string> = {};
      try {
        current = cleanMap(JSON.parse(await readFile(lastUsedPath(this.dir), 'utf8')));
      } catch {
        current = {};
      }
      for (const [id, t] of batch) {
        if (!(id in current) || Date.parse(current[id]!) < t) current[id] = new Date(t).toISOString();
      }
      await writeFileAtomic(lastUsedPath(this.dir), `${JSON.stringify(current, null, 2)}\n`, { mode: 0o600 });
    })();
    try {
      await this.flushing;
    } catch (err) {
      // Put the batch back so the next flush tries again.
      for (const [id, t] of batch) this.touch(id, new Date(t));
      throw err;
    } finally {
      this.flushing = undefined;
    }
  }

  /** Stops the timer and flushes what is left. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}

/** For tests and tools that need the folder to exist. */
export function ensureStateHome(dir: string = stateHome()): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}
