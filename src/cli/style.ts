// Colour and tables for people; plain text when NO_COLOR is set or output is not a terminal.
import { createRequire } from 'node:module';
import { Chalk, type ChalkInstance } from 'chalk';
import type CliTable from 'cli-table3';

// cli-table3 (CommonJS, ~20 ms to load) is required when a table is drawn, not when a command
// starts: --json output and most commands never draw one.
const requireCjs = createRequire(import.meta.url);
let Table: typeof CliTable | undefined;

export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

export function palette(stream: NodeJS.WriteStream = process.stdout): ChalkInstance {
  return new Chalk({ level: colorEnabled(stream) ? 1 : 0 });
}

/** A table with a header row; borders drawn in plain characters so it pastes cleanly. */
export function table(head: string[], rows: string[][]): string {
  Table ??= requireCjs('cli-table3') as typeof CliTable;
  const t = new Table({ head, style: { head: [], border: [] }, wordWrap: true });
  for (const r of rows) t.push(r);
  return t.toString();
}
