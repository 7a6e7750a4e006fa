// Row 6: audit grouping of one million journal lines by key. Runs bench/audit-million.js (the
// audit engineer's benchmark: writes the lines through the real journal writer, then groups),
// then times `odoo-keys audit --by key` on the same journal end to end, against `wc -l` reading
// the same bytes (the floor: no parsing at all).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, ms, table } from '../lib/stats.js';
import type { Row, RowOptions } from '../lib/row.js';

const AUDIT_MILLION = fileURLToPath(new URL('../audit-million.js', import.meta.url));
const BIN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const c = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code) => resolve({ code, out, err, ms: performance.now() - t0 }));
  });
}

export const auditRow: Row = {
  id: 'audit',
  title: 'Audit: grouping one million journal lines by key',
  estimate: '2 min',
  async run(o: RowOptions) {
    const lines = o.quick ? 200_000 : 1_000_000;
    const reps = o.quick ? 1 : 3;
    const root = mkdtempSync(join(tmpdir(), 'odoo-keys-bench-audit-'));
    const dir = join(root, 'journal');
    try {
      const a = await run(process.execPath, [AUDIT_MILLION, '--lines', String(lines), '--dir', dir, '--keep']);
      if (a.code !== 0) throw new Error(`audit-million failed (${a.code}): ${a.err.slice(0, 400)}`);
      const report = a.out.trim().split('\n');
      for (const l of report) o.log(`audit: ${l}`);
      const files = readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl'))
        .map((f) => join(dir, f));
      const wc: number[] = [];
      const cli: number[] = [];
      let cliOut = '';
      const env: NodeJS.ProcessEnv = { ...process.env, ODOO_KEYS_HOME: join(root, 'config'), ODOO_KEYS_STATE_HOME: join(root, 'state'), NO_COLOR: '1' };
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        spawnSync('wc', ['-l', ...files], { stdio: 'ignore' });
        wc.push(performance.now() - t0);
        const c = await run(process.execPath, [BIN, 'audit', '--journal', dir, '--since', '2026-11-20', '--until', '2026-11-30', '--by', 'key', '--json'], env);
        if (c.code !== 0) throw new Error(`odoo-keys audit failed (${c.code}): ${c.err.slice(0, 400)}`);
        cliOut = c.out;
        cli.push(c.ms);
        o.log(`audit: odoo-keys audit --by key ${c.ms.toFixed(0)} ms, wc -l ${wc[wc.length - 1]!.toFixed(0)} ms`);
      }
      let grouped = '';
      try {
        const j = JSON.parse(cliOut) as { totals?: { calls?: number }; rows?: unknown[] };
        grouped = `${j.totals?.calls ?? '?'} lines into ${j.rows?.length ?? '?'} rows`;
      } catch {
        grouped = 'output not JSON';
      }
      const markdown = [
        `bench/audit-million.js (${lines.toLocaleString('en-US')} lines) reported:`,
        '',
        ...report.map((l) => `    ${l}`),
        '',
        table(
          ['what', `median of ${reps}`, 'baseline', 'target'],
          [[`\`odoo-keys audit --by key --json\` on that journal, end to end (a new process; ${grouped})`, ms(median(cli)), `\`wc -l\` on the same files: ${ms(median(wc))}`, `3 s: ${median(cli) < 3000 ? 'met' : 'missed'}`]],
        ),
      ].join('\n');
      return { markdown, data: { lines, report, cli, wc } };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};
