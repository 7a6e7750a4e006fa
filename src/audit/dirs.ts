// Which journal folders a command reads: the --journal flags, else <state home>/journal.
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { usageError } from '../cli/errors.js';
import { stateHome } from '../registry/paths.js';

/** The default journal folder: <state home>/journal. */
export function defaultJournalDir(): string {
  return join(stateHome(), 'journal');
}

/**
 * The folders to read. A folder named with --journal must exist (a typo is a usage error); a
 * missing default folder only means no proxy has run yet, so it is returned in `missingDefault`.
 */
export async function journalDirs(flagDirs: string[] | undefined): Promise<{ dirs: string[]; missingDefault?: string }> {
  if (flagDirs && flagDirs.length) {
    const dirs = [...new Set(flagDirs.map((d) => resolve(d)))];
    for (const d of dirs) {
      const st = await fsp.stat(d).catch(() => undefined);
      if (!st) throw usageError(`--journal: ${d} does not exist`, 'journal_not_found');
      if (!st.isDirectory()) throw usageError(`--journal: ${d} is not a folder`, 'journal_not_found');
    }
    return { dirs };
  }
  const d = defaultJournalDir();
  const st = await fsp.stat(d).catch(() => undefined);
  if (!st?.isDirectory()) return { dirs: [], missingDefault: d };
  return { dirs: [d] };
}
