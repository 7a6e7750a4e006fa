// Atomic replacement of a file: the new content goes to a temporary file in the same folder,
// is flushed to disk, renamed over the old one, and the folder entry is flushed too. A crash at
// any point leaves either the old file or the new one, never a mix.
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface AtomicWriteOptions {
  /** File mode of the result (default 0600: only the owner reads it). */
  mode?: number;
  /**
   * Called with the temporary file half written, before the rest and the rename. Tests use it to
   * kill a writer at the worst moment; production code passes nothing.
   */
  midWrite?: () => Promise<void>;
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

export async function writeFileAtomic(path: string, data: string, opts: AtomicWriteOptions = {}): Promise<void> {
  const mode = opts.mode ?? 0o600;
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
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
}
