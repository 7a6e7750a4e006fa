// Row 7: journal cost. Two proxies on the same stand-in, one journaling every call (the
// default: group commit, fdatasync at most every ~100 ms), one with the journal off; alternating
// rounds of XML-RPC search_read at 8 clients.

import { startStandinProcess } from '../lib/standin.js';
import { makeHome, startProxyProcess } from '../lib/proxy.js';
import { smallCall, FIELDS } from '../lib/calls.js';
import { measure, type Measured } from './small.js';
import { loadNow } from '../lib/machine.js';
import { median, ms, pct, num, table } from '../lib/stats.js';
import type { Row, RowOptions } from '../lib/row.js';

export const journalRow: Row = {
  id: 'journal',
  title: 'Journal cost: on vs off',
  estimate: '1 min',
  async run(o: RowOptions) {
    const rounds = o.quick ? 2 : 5;
    const durationMs = o.quick ? 1500 : 3000;
    const standin = await startStandinProcess();
    const home = await makeHome(standin);
    const results: { on: Measured; off: Measured; load: string }[] = [];
    try {
      const [k] = await home.addKeys([{ name: 'bench-journal', rules: [{ model: 'res.partner', methods: ['read'], fields: FIELDS }] }]);
      const on = await startProxyProcess(home, { journal: true });
      const off = await startProxyProcess(home, { journal: false });
      try {
        const spec = smallCall('xmlrpc', 'search_read', { db: standin.db, uid: standin.integration.uid, key: k!.token }, 3);
        await measure(on.url, spec, 8, 1000, standin, on);
        await measure(off.url, spec, 8, 1000, standin, off);
        for (let r = 0; r < rounds; r++) {
          const load = loadNow();
          let a: Measured;
          let b: Measured;
          if (r % 2 === 0) {
            a = await measure(on.url, spec, 8, durationMs, standin, on);
            b = await measure(off.url, spec, 8, durationMs, standin, off);
          } else {
            b = await measure(off.url, spec, 8, durationMs, standin, off);
            a = await measure(on.url, spec, 8, durationMs, standin, on);
          }
          results.push({ on: a, off: b, load });
          o.log(`journal round ${r + 1}: on ${a.rps.toFixed(0)}/s p50 ${a.p50.toFixed(2)} cpu ${a.proxyCpu.toFixed(3)} | off ${b.rps.toFixed(0)}/s p50 ${b.p50.toFixed(2)} cpu ${b.proxyCpu.toFixed(3)} | load ${load}`);
        }
      } finally {
        await on.stop();
        await off.stop();
      }
    } finally {
      await standin.stop();
      home.remove();
    }
    const med = (f: (x: (typeof results)[number]) => number): number => median(results.map(f));
    const markdown = [
      `XML-RPC search_read of 10, 8 clients, ${durationMs / 1000} s per side, ${rounds} rounds alternating; medians; differences paired within a round.`,
      '',
      table(
        ['journal', 'calls/s', 'p50', 'p99', 'proxy CPU per call'],
        [
          ['off', num(med((x) => x.off.rps)), ms(med((x) => x.off.p50)), ms(med((x) => x.off.p99)), `${med((x) => x.off.proxyCpu).toFixed(3)} ms`],
          ['on', num(med((x) => x.on.rps)), ms(med((x) => x.on.p50)), ms(med((x) => x.on.p99)), `${med((x) => x.on.proxyCpu).toFixed(3)} ms`],
          ['difference (on vs off)', pct(med((x) => x.on.rps / x.off.rps - 1)), pct(med((x) => x.on.p50 / x.off.p50 - 1)), '', pct(med((x) => x.on.proxyCpu / x.off.proxyCpu - 1))],
        ],
      ),
      '',
      `Per round, throughput on/off: ${results.map((x) => pct(x.on.rps / x.off.rps)).join(', ')}.`,
    ].join('\n');
    return { markdown, data: results };
  },
};
