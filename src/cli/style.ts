// Colour and tables for people; plain text when NO_COLOR is set or output is not a terminal.
import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';

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
  const t = new Table({ head, style: { head: [], border: [] }, wordWrap: true });
  for (const r of rows) t.push(r);
  return t.toString();
}
