// keys.yaml on disk: reading (parse + validate, errors with file, line and field), updating
// (lock, re-read, change, atomic write that keeps the user's comments and order) and watching
// (for the proxy's hot reload).
import { existsSync, readFileSync, statSync, watch as fsWatch, type FSWatcher, type Stats } from 'node:fs';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Document, LineCounter, parseDocument, type Node } from 'yaml';
import { ScopeValidationError } from '../policy/validate.js';
import { REGISTRY_VERSION, type Registry } from './types.js';
import { emptyRegistry, validateRegistry } from './registry.js';
import { RegistryError, type RegistryErrorCode } from './errors.js';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { FileLock, LockTimeoutError, pidAlive, type LockHandle, type LockOptions } from './lock.js';
import { isTempFileOf, writeFileAtomic, writeTarget } from './atomic.js';
import { plain, syncNode } from './yaml-sync.js';

const HEADER =
  ' keys.yaml: odoo-keys profiles and keys. It holds hashes only, never a secret or an upstream key,\n' +
  ' so it may live in a private repository. Comments and order are kept when odoo-keys edits it.';

const TO_STRING = { lineWidth: 0, flowCollectionPadding: false, indentSeq: true } as const;

/** `keys[3].rules[0]` -> ['keys', 3, 'rules', 0]; `profiles["a.b"].url` -> ['profiles', 'a.b', 'url']. */
export function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\.?([^.[\]]+)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < path.length && (m = re.exec(path))) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(m[2].replace(/\\(.)/g, '$1'));
    else out.push(m[3]!);
  }
  return out;
}

interface Loaded {
  /** null when the file does not exist yet. */
  text: string | null;
  doc: Document;
  registry: Registry;
}

function lineOf(lc: LineCounter, node: unknown): number | undefined {
  const range = (node as Node | undefined)?.range;
  return range ? lc.linePos(range[0]).line : undefined;
}

/** The line of the deepest node along `path` (a validation path such as `rules[2].fields`) that exists. */
export function lineOfPath(doc: Document, lc: LineCounter, path: string): number | undefined {
  const segs = pathSegments(path);
  for (let n = segs.length; n > 0; n--) {
    const node = doc.getIn(segs.slice(0, n), true);
    const line = lineOf(lc, node);
    if (line !== undefined) return line;
  }
  return lineOf(lc, doc.contents) ?? 1;
}

/**
 * Parses and checks registry text; throws RegistryError naming file, line and field. `perEntry`
 * (a proxy's read): entries that cannot be read are set aside in `registry.refused`, each problem
 * with its file and line (validateRegistry says why).
 */
export function parseRegistry(text: string, file: string, perEntry = false): { doc: Document; registry: Registry } {
  if (text.trim() === '') {
    throw new RegistryError(`${file}:1: the registry is empty; it must start with 'version: ${REGISTRY_VERSION}' (delete the file to start afresh)`, 'registry_malformed', file, 1, 'version');
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, keepSourceTokens: false, version: '1.2' });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line;
    const what = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new RegistryError(`${file}:${line}: not valid YAML: ${what}`, 'registry_malformed', file, line);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new RegistryError(`${file}: not usable YAML: ${(err as Error).message}`, 'registry_malformed', file);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'version' in value) {
    const v = (value as { version: unknown }).version;
    if (v !== REGISTRY_VERSION) {
      const line = lineOfPath(doc, lc, 'version');
      throw new RegistryError(
        `${file}:${line}: version: unknown registry version ${JSON.stringify(v)}; this odoo-keys reads version ${REGISTRY_VERSION} (was the file written by a newer odoo-keys?)`,
        'registry_version',
        file,
        line,
        'version',
      );
    }
  }
  try {
    const registry = validateRegistry(value, perEntry);
    for (const r of [...(registry.refused?.keys ?? []), ...(registry.refused?.profiles ?? [])]) r.problem = `${file}:${lineOfPath(doc, lc, r.path)}: ${r.problem}`;
    return { doc, registry };
  } catch (err) {
    if (!(err instanceof ScopeValidationError)) throw err;
    const line = lineOfPath(doc, lc, err.path);
    const field = err.path || undefined;
    throw new RegistryError(`${file}:${line}: ${err.message}`, 'registry_invalid', file, line, field);
  }
}

/** Starts the parser thread (a test passes one that fails). */
export type StartWorker = (url: URL, options: WorkerOptions) => Worker;

const defaultStartWorker: StartWorker = (url, options) => new Worker(url, options);

/**
 * parseRegistry in a worker thread, for a process that must keep serving meanwhile: the yaml
 * library parses about 1 MB/s, so a registry of 10,000 keys (3.3 MB) held a proxy's event
 * loop for 3-4 s at every change (bench/RESULTS.md, registry row). Small files are parsed in place.
 * A thread that cannot start or dies (out of file descriptors or memory) gets the parse done in
 * place instead: a slow parse is better than a change, a revocation perhaps, left unread.
 */
export async function parseRegistryOffThread(text: string, file: string, inPlaceBelow = OFF_THREAD_FROM, startWorker: StartWorker = defaultStartWorker, perEntry = false): Promise<Registry> {
  if (text.length < inPlaceBelow) return parseRegistry(text, file, perEntry).registry;
  let answer: ParseAnswer;
  try {
    answer = await new Promise<ParseAnswer>((resolve, reject) => {
      const w = startWorker(new URL('./parse-worker.js', import.meta.url), { workerData: { text, file, perEntry } });
      w.once('message', (m: ParseAnswer) => {
        resolve(m);
        void w.terminate();
      });
      w.once('error', reject);
      // Also exit 0 with no answer: a promise left pending would hold the watch's queue for ever.
      w.once('exit', (code) => reject(new Error(`the registry parser thread stopped (exit ${code}) without an answer`)));
    });
  } catch {
    return parseRegistry(text, file, perEntry).registry;
  }
  if (answer.ok) return answer.registry;
  const e = answer.error;
  throw new RegistryError(e.message, e.code, e.file, e.line, e.field);
}

/** Below this many characters (about 300 keys) a parse takes less than starting a thread. */
const OFF_THREAD_FROM = 100_000;

type ParseAnswer =
  | { ok: true; registry: Registry }
  | { ok: false; error: { message: string; code: RegistryErrorCode; file: string; line?: number; field?: string } };

/** What a new key record looks like in the file: fields in a fixed, readable order. */
const KEY_ORDER = ['id', 'name', 'profile', 'description', 'hash', 'created', 'expires', 'revoked', 'previous', 'learning', 'limits', 'rules'];
const PROFILE_ORDER = ['url', 'db', 'login', 'protocol', 'preconnect', 'version', 'uid', 'key_source', 'key_file', 'keychain_account'];

function ordered<T extends object>(obj: T, order: string[]): T {
  const src = obj as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of order) if (src[k] !== undefined) out[k] = src[k];
  for (const k of Object.keys(src)) if (!(k in out) && src[k] !== undefined) out[k] = src[k];
  return out as T;
}

function canonical(reg: Registry): Registry {
  const profiles: Registry['profiles'] = {};
  for (const [name, p] of Object.entries(reg.profiles)) profiles[name] = ordered(p, PROFILE_ORDER);
  return {
    version: reg.version,
    ...(reg.default_profile !== undefined ? { default_profile: reg.default_profile } : {}),
    profiles,
    keys: reg.keys.map((k) => ordered(k, KEY_ORDER)),
  };
}

function sleepForever(): Promise<never> {
  return new Promise(() => {
    setInterval(() => undefined, 1 << 30);
  });
}

export interface StoreOptions extends LockOptions {}

export class RegistryStore {
  readonly lockPath: string;

  constructor(
    readonly path: string,
    private readonly opts: StoreOptions = {},
  ) {
    this.lockPath = `${path}.lock`;
  }

  private async load(perEntry = false): Promise<Loaded> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { text: null, doc: new Document(), registry: emptyRegistry() };
      throw new RegistryError(`${this.path}: cannot read: ${(err as Error).message}`, 'registry_read', this.path);
    }
    return { text, ...parseRegistry(text, this.path, perEntry) };
  }

  /** The registry as it is on disk (an empty one when the file does not exist yet). */
  async read(): Promise<Registry> {
    return (await this.load()).registry;
  }

  /**
   * The registry and the text it was read from (null: no file yet). Give the text to watch() as
   * `since`, so that a change made between this read and the start of the watch is not missed.
   * `perEntry`: for a proxy, which refuses only the entries it cannot read (never for a writer).
   */
  async readSnapshot({ perEntry = false }: { perEntry?: boolean } = {}): Promise<RegistrySnapshot> {
    const { registry, text } = await this.load(perEntry);
    return { registry, text };
  }

  /**
   * Changes the registry under the lock: re-reads it, hands a copy to `mutate`, checks the
   * result and writes it atomically, keeping the user's comments and order. Whatever `mutate`
   * returns is passed back. A malformed file is reported and left exactly as it was.
   *
   * Just before the rename the lock must still be ours and the file what was read: a writer
   * stalled long enough for its lock to be taken over (another host's writer after 60 s, or
   * someone deleting it), or a hand edit saved meanwhile, would otherwise put back what was
   * read, a revoked key with it. Then the edit starts over on the file as it is now, so `mutate`
   * may be called more than once: it must change only the registry it is given.
   */
  async update<T>(mutate: (reg: Registry) => T | Promise<T>): Promise<T> {
    const dir = dirname(this.path);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new RegistryError(`${dir}: cannot create the folder: ${(err as Error).message}`, 'registry_write', this.path);
    }
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.updateOnce(mutate);
      if (outcome.done) return outcome.result;
      if (attempt >= UPDATE_ATTEMPTS) {
        throw new RegistryError(
          `${this.path}: not written: ${outcome.why} while this command was changing it, ${UPDATE_ATTEMPTS} times; nothing was lost, run the command again`,
          'registry_locked',
          this.path,
        );
      }
    }
  }

  private async updateOnce<T>(mutate: (reg: Registry) => T | Promise<T>): Promise<{ done: true; result: T } | { done: false; why: string }> {
    let lock: LockHandle;
    try {
      lock = await new FileLock(this.lockPath, this.opts).acquire();
    } catch (err) {
      if (err instanceof LockTimeoutError) throw new RegistryError(err.message, 'registry_locked', this.path);
      throw new RegistryError(`${this.lockPath}: cannot lock: ${(err as Error).message}`, 'registry_locked', this.path);
    }
    try {
      await this.removeLeftoverTempFiles();
      const loaded = await this.load();
      const draft = structuredClone(loaded.registry);
      const result = await mutate(draft);
      let next: Registry;
      try {
        next = validateRegistry(plain(canonical(draft)));
      } catch (err) {
        if (err instanceof ScopeValidationError) throw new RegistryError(`refusing to write ${this.path}: ${err.message}`, 'registry_invalid', this.path, undefined, err.path);
        throw err;
      }
      // Nothing changed: leave the file alone (re-rendering would only touch its spacing).
      if (JSON.stringify(next) === JSON.stringify(loaded.registry)) return { done: true, result };
      const doc = loaded.doc;
      if (loaded.text === null) doc.commentBefore = HEADER;
      doc.contents = syncNode(doc, doc.contents, plain(canonical(next))) as typeof doc.contents;
      const text = doc.toString(TO_STRING);
      if (text === loaded.text) return { done: true, result };
      let why: string | undefined;
      const beforeRename = (): void => {
        if (!lock.held()) why = `its lock ${this.lockPath} was taken over or removed`;
        else if (readTextSync(this.path) !== loaded.text) why = 'it was changed by another program';
        if (why !== undefined) throw new StaleDraft();
      };
      try {
        await writeFileAtomic(this.path, text, { mode: 0o600, midWrite: this.testPauseHook(), beforeRename });
      } catch (err) {
        if (err instanceof StaleDraft) return { done: false, why: why! };
        throw new RegistryError(`${this.path}: cannot write: ${(err as Error).message}`, 'registry_write', this.path);
      }
      return { done: true, result };
    } finally {
      await lock();
    }
  }

  /**
   * Only the lock holder writes temporary files, so any found under the lock are leftovers of a
   * killed writer; so are the owner records (`keys.yaml.lock.<pid>.<token>`) of dead processes.
   * A symlinked keys.yaml has its temporary files beside the file it points to.
   */
  private async removeLeftoverTempFiles(): Promise<void> {
    const dir = dirname(this.path);
    const names = await readdir(dir).catch(() => [] as string[]);
    const ownerPrefix = `${basename(this.lockPath)}.`;
    const leftovers = names.filter((n) => {
      if (isTempFileOf(this.path, n)) return true;
      const m = n.startsWith(ownerPrefix) ? /^(\d+)\.[0-9a-f]+$/.exec(n.slice(ownerPrefix.length)) : null;
      if (m === null || pidAlive(Number(m[1]))) return false;
      // Old as well as dead here: a process of another host sharing the folder may be mid-acquire.
      const st = statSyncOrUndefined(join(dir, n));
      return st !== undefined && Date.now() - st.mtimeMs > 60_000;
    });
    const paths = leftovers.map((n) => join(dir, n));
    const target = await writeTarget(this.path).catch(() => this.path);
    if (target !== this.path) {
      const there = await readdir(dirname(target)).catch(() => [] as string[]);
      paths.push(...there.filter((n) => isTempFileOf(target, n)).map((n) => join(dirname(target), n)));
    }
    await Promise.all(paths.map((p) => unlink(p).catch(() => undefined)));
  }

  /**
   * Test hook: with ODOO_KEYS_TEST_PAUSE_WRITE=<marker file>, a write stops half way through its
   * temporary file, writes the marker and waits forever, so a test can kill it with -9 there.
   */
  private testPauseHook(): (() => Promise<void>) | undefined {
    const marker = process.env.ODOO_KEYS_TEST_PAUSE_WRITE;
    if (!marker) return undefined;
    return async () => {
      await writeFileAtomic(marker, String(process.pid)); // whole, so the test never reads it half written
      await sleepForever();
    };
  }

  /**
   * Calls onChange with the new registry within about a second of another process changing the
   * file (fs.watch on the folder, which survives atomic renames, plus a stat poll in case events
   * are lost). A file that does not parse goes to onError and onChange is not called: the caller
   * keeps the last good registry. Returns a function that stops watching, with `checkNow()`: read
   * the file at once, through the same queue (a reload). Reads never overlap, so a read that began
   * before a change can never be taken up after the change was.
   *
   * A read or a parse that fails for want of resources (out of file descriptors, a parser thread
   * that cannot start) says nothing about the file: it is tried again, sooner at first, until it
   * succeeds, since nothing else may happen to the file to prompt it and a revocation in it must
   * not wait for the next edit. A file that is itself bad waits for a change, or for checkNow(),
   * which parses it again whenever the last pass ended in an error.
   */
  watch(
    onChange: (reg: Registry) => void,
    onError: (err: Error) => void,
    // readText: how the file is read (a test holds a read in flight with it, or makes it fail).
    // parseInPlaceBelow: files at least this long are parsed in a worker thread.
    // startWorker: how that thread is started (a test makes it fail).
    // since: the text the caller's registry was read from (readSnapshot): a file that differs from
    // it now is a change, reported at once. Without it, changes count from the start of the watch.
    // retryMs: the first wait before trying a failed read again; it doubles up to retryMaxMs.
    // perEntry: entries that cannot be read are set aside in `refused` (validateRegistry), the rest applies.
    opts: {
      perEntry?: boolean;
      pollMs?: number;
      readText?: (path: string) => Promise<string>;
      parseInPlaceBelow?: number;
      startWorker?: StartWorker;
      since?: string | null;
      retryMs?: number;
      retryMaxMs?: number;
    } = {},
  ): RegistryWatch {
    const readText = opts.readText ?? ((path: string) => readFile(path, 'utf8'));
    const retryFirst = opts.retryMs ?? 100;
    const retryMax = opts.retryMaxMs ?? 2_000;
    const dir = dirname(this.path);
    const name = basename(this.path);
    const onDisk = existsSync(this.path) ? safeRead(this.path) : null;
    // The text whose registry is in force (the caller's, or the last one handed to onChange).
    let lastText: string | null | undefined = opts.since !== undefined ? opts.since : onDisk;
    // The last text found bad (or null: the file was missing): reported once, until it changes or checkNow().
    let badText: string | null | undefined;
    // The last pass ended in an error: the file is read and parsed whatever it holds.
    let failing = false;
    let lastStat = statKey(this.path);
    let stopped = false;
    let running = false;
    let again = false;
    let forced = false;
    let debounce: NodeJS.Timeout | undefined;
    let retry: NodeJS.Timeout | undefined;
    let retryDelay = retryFirst;

    const retryLater = (): void => {
      if (stopped || retry !== undefined) return;
      retry = setTimeout(() => {
        retry = undefined;
        void check();
      }, retryDelay);
      retry.unref();
      retryDelay = Math.min(retryDelay * 2, retryMax);
    };

    // The pass in progress: a check asked for meanwhile makes it read once more, and waits for it.
    let pass: Promise<void> = Promise.resolve();
    const check = (): Promise<void> => {
      if (stopped) return Promise.resolve();
      if (running) {
        again = true;
        return pass;
      }
      running = true;
      pass = runPass();
      return pass;
    };
    const fail = (err: Error, transient: boolean): void => {
      failing = true;
      if (!stopped) onError(err);
      if (transient) retryLater();
    };
    const runPass = async (): Promise<void> => {
      try {
        do {
          again = false;
          const force = forced;
          forced = false;
          lastStat = statKey(this.path);
          let text: string | null;
          try {
            text = await readText(this.path);
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code !== 'ENOENT') {
              // A folder in its place or a file it may not read is there until someone changes it
              // (the poll sees that): reported once, not every 2 s. Anything else (out of
              // descriptors, a network file system's ESTALE or EIO) may pass by itself: tried again.
              fail(err as Error, code === undefined || !LASTING_READ_ERRORS.has(code));
              continue;
            }
            text = null;
          }
          if (text === lastText && !failing) continue;
          if (text === badText && !force) continue;
          if (text === null) {
            badText = null;
            fail(new RegistryError(`${this.path}: the registry file disappeared; keeping the last good one`, 'registry_read', this.path), false);
            continue;
          }
          let reg: Registry;
          try {
            reg = await parseRegistryOffThread(text, this.path, opts.parseInPlaceBelow, opts.startWorker, opts.perEntry);
          } catch (err) {
            const aboutTheFile = err instanceof RegistryError;
            if (aboutTheFile) badText = text;
            fail(err as Error, !aboutTheFile);
            continue;
          }
          lastText = text;
          badText = undefined;
          failing = false;
          retryDelay = retryFirst;
          if (!stopped) onChange(reg);
        } while (again && !stopped);
      } catch (err) {
        // onChange or onError threw (a bug there): reported, and the next checkNow() applies the file again.
        failing = true;
        if (!stopped) onError(err as Error);
      } finally {
        running = false;
      }
    };
    const schedule = (): void => {
      if (stopped) return;
      clearTimeout(debounce);
      debounce = setTimeout(() => void check(), 25);
      debounce.unref();
    };

    let watcher: FSWatcher | undefined;
    try {
      watcher = fsWatch(dir, { persistent: false }, (_event, filename) => {
        if (filename === null || filename === name) schedule();
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      watcher = undefined; // the poll below still works
    }
    const poll = setInterval(() => {
      const s = statKey(this.path);
      if (s !== lastStat) schedule();
    }, opts.pollMs ?? 500);
    poll.unref();
    // Changed between the caller's read and now: read it through the queue like any change.
    if (onDisk !== lastText) schedule();

    const stop = (): void => {
      stopped = true;
      clearInterval(poll);
      clearTimeout(debounce);
      clearTimeout(retry);
      watcher?.close();
    };
    return Object.assign(stop, {
      checkNow: (): Promise<void> => {
        clearTimeout(debounce);
        forced = true;
        return check();
      },
    });
  }
}

/** A registry as read, with the text it came from (null: the file did not exist). */
export interface RegistrySnapshot {
  registry: Registry;
  text: string | null;
}

/** A running watch of keys.yaml: call it to stop; `checkNow()` reads the file at once. */
export type RegistryWatch = (() => void) & { checkNow(): Promise<void> };

/** How often update() starts over on a file changed under it before it gives up. */
const UPDATE_ATTEMPTS = 5;

/** Thrown from beforeRename: the draft was made from a file that is no longer there. */
class StaleDraft extends Error {}

/** The file's text, null when it does not exist (an unreadable file never equals a text read). */
function readTextSync(path: string): string | null | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? null : undefined;
  }
}

function safeRead(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function statSyncOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Read errors that stay until someone changes the path (then the poll sees it): not retried. */
const LASTING_READ_ERRORS = new Set(['EISDIR', 'EACCES', 'EPERM', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);

function statKey(path: string): string {
  try {
    const s = statSync(path);
    // ctime too: a chmod that makes an unreadable file readable changes nothing else.
    return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch {
    return 'missing';
  }
}
