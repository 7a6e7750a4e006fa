// Colour and tables for people; plain text when NO_COLOR is set or output is not a terminal.
import { createRequire } from 'node:module';
import type { ChalkInstance } from 'chalk';
import type CliTable from 'cli-table3';

// cli-table3 (CommonJS, ~20 ms to load) is required when a table is drawn, not when a command
// starts: --json output and most commands never draw one.
const requireCjs = createRequire(import.meta.url);
let Table: typeof CliTable | undefined;

// chalk (ESM, ~15 ms to load) is loaded only when colour is on: BaseCommand.init() awaits
// loadColour() before run(), so palette() can stay synchronous. With colour off, palette() gives
// PLAIN, which does what chalk does at level 0 (every style returns its text unchanged).
let chalk: typeof import('chalk') | undefined;

export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

/** Loads chalk when stdout or stderr takes colour (see above). */
export async function loadColour(): Promise<void> {
  if (colorEnabled(process.stdout) || colorEnabled(process.stderr)) chalk ??= await import('chalk');
}

/** chalk at level 0 without chalk: `c.bold.red('x')` is 'x', `c.visible('x')` is ''. */
function plainBuilder(empty: boolean): ChalkInstance {
  const MODELS = new Set(['rgb', 'hex', 'ansi256', 'bgRgb', 'bgHex', 'bgAnsi256']);
  const builder: ChalkInstance = new Proxy(function () {}, {
    get: (_target, prop) => {
      if (prop === 'level') return 0;
      if (typeof prop !== 'string') return undefined;
      if (MODELS.has(prop)) return () => builder;
      return prop === 'visible' ? plainBuilder(true) : builder;
    },
    apply: (_target, _this, args: unknown[]) => (empty ? '' : args.length === 1 ? '' + (args[0] as string) : args.join(' ')),
  }) as unknown as ChalkInstance;
  return builder;
}

export const PLAIN: ChalkInstance = plainBuilder(false);

export function palette(stream: NodeJS.WriteStream = process.stdout): ChalkInstance {
  // Colour on but chalk not loaded (code run outside a command): plain rather than a crash.
  if (!colorEnabled(stream) || !chalk) return PLAIN;
  return new chalk.Chalk({ level: 1 });
}

/** A table with a header row; borders drawn in plain characters so it pastes cleanly. */
export function table(head: string[], rows: string[][]): string {
  Table ??= requireCjs('cli-table3') as typeof CliTable;
  const t = new Table({ head, style: { head: [], border: [] }, wordWrap: true });
  for (const r of rows) t.push(r);
  return t.toString();
}
