// Row 5: CLI start-up. `odoo-keys --version` and `odoo-keys list` cold (a new process each run),
// median of several runs, against a bare `node -e 0`; `exec -- true` against `true` alone.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startStandinProcess } from '../lib/standin.js';
import { makeHome } from '../lib/proxy.js';
import { median, ms, dms, table } from '../lib/stats.js';
import type { Row, RowOptions } from '../lib/row.js';

const BIN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));

interface Timing {
  runs: number[];
  status: number | null;
  stderr: string;
}

function time(cmd: string, args: string[], env: NodeJS.ProcessEnv, runs: number): Timing {
  const out: number[] = [];
  let status: number | null = 0;
  let stderr = '';
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    out.push(performance.now() - t0);
    status = r.status;
    stderr = r.stderr;
    if (r.status !== 0) break;
  }
  return { runs: out, status, stderr };
}

export const cliRow: Row = {
  id: 'cli',
  title: 'CLI start-up',
  estimate: '1 min',
  async run(o: RowOptions) {
    const runs = o.quick ? 3 : 10;
    const standin = await startStandinProcess();
    const home = await makeHome(standin);
    try {
      await home.addKeys(Array.from({ length: 10 }, (_, i) => ({ name: `integration-${i}`, rules: [{ model: 'res.partner', methods: ['read'], fields: ['name', 'email'] }] })));
      const env: NodeJS.ProcessEnv = { ...process.env, ODOO_KEYS_HOME: home.home, ODOO_KEYS_STATE_HOME: home.stateDir, NO_COLOR: '1' };
      delete env.ODOO_KEYS_PROFILE;
      const node = process.execPath;
      const cases: { what: string; t: Timing; base: Timing; baseName: string; target?: number }[] = [];
      const nodeBase = time(node, ['-e', '0'], env, runs);
      cases.push({ what: '`odoo-keys --version`', t: time(node, [BIN, '--version'], env, runs), base: nodeBase, baseName: '`node -e 0`', target: 250 });
      cases.push({ what: '`odoo-keys list` (10 keys)', t: time(node, [BIN, 'list'], env, runs), base: nodeBase, baseName: '`node -e 0`', target: 250 });
      const help = spawnSync(node, [BIN, 'exec', '--help'], { env, encoding: 'utf8' });
      let execNote = '';
      if (help.status === 0) {
        const trueBase = time('true', [], env, runs);
        const t = time(node, [BIN, 'exec', '--model', 'res.partner', '--method', 'read', '--audit-dir', join(home.stateDir, 'exec-journal'), '--', 'true'], env, runs);
        cases.push({ what: '`odoo-keys exec --model res.partner --method read -- true`', t, base: trueBase, baseName: '`true`', target: 400 });
      } else {
        execNote = '`exec` is not available in this build: pending.';
      }
      for (const c of cases) o.log(`cli ${c.what}: ${c.t.runs.map((x) => x.toFixed(0)).join(' ')} ms (status ${c.t.status})`);
      const rows = cases.map((c) => {
        const failed = c.t.status !== 0;
        const med = median(c.t.runs);
        return [
          c.what,
          failed ? `FAILED (exit ${c.t.status}): ${c.t.stderr.trim().split('\n')[0]}` : ms(med),
          ms(c.t.runs[0]!),
          `${ms(Math.min(...c.t.runs))} - ${ms(Math.max(...c.t.runs))}`,
          `${c.baseName} ${ms(median(c.base.runs))}`,
          dms(med - median(c.base.runs)),
          c.target ? `${c.target} ms: ${med < c.target ? 'met' : 'missed'}` : '',
        ];
      });
      const markdown = [
        `Each run is a new process (cold start of Node and the CLI; the file cache is warm after the first). ${runs} runs; median, first run, range. exec's time includes starting its local proxy, logging in upstream (the stand-in), running \`true\` and closing the journal.`,
        '',
        table(['command', 'median', 'first run', 'range', 'baseline (median)', 'difference', 'target'], rows),
        ...(execNote ? ['', execNote] : []),
      ].join('\n');
      return { markdown, data: cases.map((c) => ({ what: c.what, runs: c.t.runs, status: c.t.status, base: c.base.runs })) };
    } finally {
      home.remove();
      await standin.stop();
    }
  },
};
