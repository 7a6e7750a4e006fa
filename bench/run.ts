#!/usr/bin/env node
// The benchmarks, on demand (never in CI):
//   npm run bench                 every row
//   npm run bench -- small flood  some rows
//   npm run bench -- --quick      shorter runs, for a quick look
//   npm run bench -- --list       the rows and how long each takes
// Prints markdown to stdout and writes it, with the raw figures as JSON, to bench/out/.

import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { machineInfo, describeMachine, loadNow } from './lib/machine.js';
import type { Row } from './lib/row.js';
import { smallRow, small1msRow, small1msPinnedRow } from './rows/small.js';
import { streamRow, streamPinnedRow } from './rows/stream.js';
import { decideRow } from './rows/decide.js';
import { registryRow } from './rows/registry.js';
import { cliRow } from './rows/cli.js';
import { auditRow } from './rows/audit.js';
import { journalRow } from './rows/journal.js';
import { floodRow } from './rows/flood.js';
import { reconnectRow } from './rows/reconnect.js';
import { remoteRow } from './rows/remote.js';
import { wrkRow } from './rows/wrk.js';

const ROWS: Row[] = [smallRow, small1msRow, small1msPinnedRow, streamRow, streamPinnedRow, decideRow, registryRow, cliRow, auditRow, journalRow, floodRow, reconnectRow, remoteRow, wrkRow];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  if (args.includes('--list') || args.includes('--help')) {
    for (const r of ROWS) process.stdout.write(`${r.id.padEnd(10)} ${r.title} (about ${r.estimate})\n`);
    return;
  }
  const wanted = args.filter((a) => !a.startsWith('--'));
  const unknown = wanted.filter((w) => !ROWS.some((r) => r.id === w));
  if (unknown.length) {
    process.stderr.write(`unknown row(s): ${unknown.join(', ')}; rows: ${ROWS.map((r) => r.id).join(', ')}\n`);
    process.exit(2);
  }
  const rows = wanted.length ? ROWS.filter((r) => wanted.includes(r.id)) : ROWS;
  const machine = machineInfo();
  const started = Date.now();
  const sections: string[] = [`# odoo-keys benchmarks${quick ? ' (quick run)' : ''}`, '', `Machine: ${describeMachine(machine)}`, ''];
  const data: Record<string, unknown> = { machine, quick };
  const log = (line: string): void => void process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  for (const row of rows) {
    log(`${row.id}: ${row.title} (load ${loadNow()})`);
    const t0 = Date.now();
    try {
      const r = await row.run({ quick, log });
      const took = (Date.now() - t0) / 1000;
      sections.push(`## ${row.title} (\`${row.id}\`)`, '', r.markdown, '', `_${took.toFixed(0)} s; load average after: ${loadNow()}_`, '');
      data[row.id] = { took, result: r.data };
      process.stdout.write(`\n## ${row.title}\n\n${r.markdown}\n`);
    } catch (e) {
      const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
      log(`${row.id} failed: ${msg}`);
      sections.push(`## ${row.title} (\`${row.id}\`)`, '', `FAILED: ${msg.split('\n')[0]}`, '');
      data[row.id] = { error: msg };
      process.exitCode = 1;
    }
  }
  const total = (Date.now() - started) / 1000;
  sections.push(`Total: ${total.toFixed(0)} s.`);
  const outDir = fileURLToPath(new URL('../../bench/out/', import.meta.url));
  mkdirSync(outDir, { recursive: true });
  const stamp = machine.date.replace(/[:.]/g, '-');
  writeFileSync(join(outDir, `${stamp}.md`), `${sections.join('\n')}\n`);
  writeFileSync(join(outDir, `${stamp}.json`), `${JSON.stringify(data, null, 1)}\n`);
  log(`done in ${total.toFixed(0)} s; written to bench/out/${stamp}.md and .json`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
