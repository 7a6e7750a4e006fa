// Atomic replacement of a file: the new content goes to a temporary file in the same folder,
// is flushed to disk, renamed over the old one, and the folder entry is flushed too. A crash at
// any point leaves either the old file or the new one, never a mix. A path that is a symlink
// stays one: the file it points to is replaced (keys.yaml linked into a repository is edited there).
import { renameSync } from 'node:fs';
import { lstat, open, readlink, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface AtomicWriteOptions {
  /** File mode of the result (default 0600: only the owner reads it). */
  mode?: number;
  /**
   * Called with the temporary file half written, before the rest and the rename. Tests use it to
   * kill a writer at the worst moment; production code passes nothing.
   */
  midWrite?: () => Promise<void>;
  /**
   * Called with the new content flushed, just before the rename and with nothing else running in
   * between (both synchronous): throwing there leaves the old file and removes the temporary one.
   */
  beforeRename?: () => void;
}

/**
 * The file a write to `path` must replace: `path` itself, or, through any symlinks (also one that
 * points to a file not there yet), the file at the end of them.
 */
export async function writeTarget(path: string): Promise<string> {
  let at = path;
  for (let hops = 0; hops < 40; hops++) {
    let isLink: boolean;
    try {
      isLink = (await lstat(at)).isSymbolicLink();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return at;
      throw err;
    }
    if (!isLink) return at;
    at = resolve(dirname(at), await readlink(at));
  }
  throw Object.assign(new Error(`${path}: too many levels of symbolic links`), { code: 'ELOOP' });
}

/** Temporary files are `.<name>.<pid>.<random>.tmp` beside the target. */
export function isTempFileOf(target: string, candidate: string): boolean {
  return candidate.startsWith(`.${basename(target)}.`) && candidate.endsWith('.tmp');
}

export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Some file systems refuse to open or fsync a folder; the rename itself is still atomic.
  } finally {
    await fh?.close();
  }
}

export async function writeFileAtomic(linkOrPath: string, data: string, opts: AtomicWriteOptions = {}): Promise<void> {
  const mode = opts.mode ?? 0o600;
  const path = await writeTarget(linkOrPath);
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const bytes = Buffer.from(data, 'utf8');
  const fh = await open(tmp, 'wx', mode);
  try {
    try {
      await fh.chmod(mode); // the umask may have narrowed the mode at creation; never widened
      const half = opts.midWrite ? Math.floor(bytes.length / 2) : bytes.length;
      await fh.write(bytes, 0, half, 0);
      if (opts.midWrite) {
        await fh.sync();
        await opts.midWrite();
        await fh.write(bytes, half, bytes.length - half, half);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    opts.beforeRename?.();
    renameSync(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
}
