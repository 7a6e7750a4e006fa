// Every line of a journal folder, read from outside the proxy (flush first where one is running).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JournalEntry } from '../../src/audit/types.js';

/** Every entry of the folder's day files, in file order; none when the folder does not exist. */
export function journalLines(dir: string): JournalEntry[] {
  const out: JournalEntry[] = [];
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) if (line.trim()) out.push(JSON.parse(line) as JournalEntry);
  }
  return out;
}
