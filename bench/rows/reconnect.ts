// Issue 10, point 4: what Odoo's Connection: close costs the proxy. Odoo closes every connection
// after its answer, so the proxy opens a new upstream connection per call. Two stand-ins, one
// closing like Odoo and one (not like Odoo) keeping connections open, each behind its own proxy;
// the same calls through both, alternating rounds.

import { startStandinProcess, type StandinProcess } from '../lib/standin.js';
import { makeHome, startProxyProcess, type ProxyProcess } from '../lib/proxy.js';
import { smallCall, FIELDS } from '../lib/calls.js';
import { measure, type Measured } from './small.js';
import { loadNow } from '../lib/machine.js';
import { median, ms, pct, num, table } from '../lib/stats.js';
import type { Row, RowOptions } from '../lib/row.js';

interface Side {
  standin: StandinProcess;
  proxy: ProxyProcess;
  token: string;
  remove(): void;
}

async function side(keepAlive: boolean): Promise<Side> {
  const standin = await startStandinProcess({ keepAlive });
  const home = await makeHome(standin);
  const [k] = await home.addKeys([{ name: 'bench-reconnect', rules: [{ model: 'res.partner', methods: ['read'], fields: FIELDS }] }]);
  const proxy = await startProxyProcess(home, { journal: true });
  return { standin, proxy, token: k!.token, remove: () => home.remove() };
}

export const reconnectRow: Row = {
  id: 'reconnect',
  title: "Reconnect cost: Odoo's Connection: close vs an upstream that keeps connections open (issue 10)",
  estimate: '1 min',
  async run(o: RowOptions) {
    const rounds = o.quick ? 1 : 3;
    const durationMs = o.quick ? 1500 : 2500;
    const closing = await side(false);
    const open = await side(true);
    type Result = { clients: number; close: Measured; keep: Measured; load: string };
    const results: Result[] = [];
    try {
      const spec = (s: Side) => smallCall('xmlrpc', 'read', { db: s.standin.db, uid: s.standin.integration.uid, key: s.token }, 3);
      for (const s of [closing, open]) await measure(s.proxy.url, spec(s), 8, 1000, s.standin, s.proxy);
      for (let r = 0; r < rounds; r++) {
        for (const clients of [1, 8]) {
          const load = loadNow();
          const run = (s: Side) => measure(s.proxy.url, spec(s), clients, durationMs, s.standin, s.proxy);
          let a: Measured;
          let b: Measured;
          if (r % 2 === 0) {
            a = await run(closing);
            b = await run(open);
          } else {
            b = await run(open);
            a = await run(closing);
          }
          results.push({ clients, close: a, keep: b, load });
          o.log(`reconnect round ${r + 1}, ${clients} client(s): close p50 ${a.p50.toFixed(2)} ms cpu ${a.proxyCpu.toFixed(3)} | keep-alive p50 ${b.p50.toFixed(2)} ms cpu ${b.proxyCpu.toFixed(3)} | load ${load}`);
        }
      }
    } finally {
      for (const s of [closing, open]) {
        await s.proxy.stop();
        await s.standin.stop();
        s.remove();
      }
    }
    const rows: string[][] = [];
    for (const clients of [1, 8]) {
      const rs = results.filter((x) => x.clients === clients);
      const med = (f: (x: Result) => number): number => median(rs.map(f));
      rows.push(
        [String(clients), 'closes every connection (as Odoo)', num(med((x) => x.close.rps)), ms(med((x) => x.close.p50)), `${med((x) => x.close.proxyCpu).toFixed(3)} ms`, `${med((x) => x.close.standinCpu).toFixed(3)} ms`],
        ['', 'keeps connections open (not Odoo)', num(med((x) => x.keep.rps)), ms(med((x) => x.keep.p50)), `${med((x) => x.keep.proxyCpu).toFixed(3)} ms`, `${med((x) => x.keep.standinCpu).toFixed(3)} ms`],
        ['', "what Odoo's close costs", pct(med((x) => x.close.rps / x.keep.rps - 1)), `+${ms(med((x) => x.close.p50 - x.keep.p50))}`, `+${med((x) => x.close.proxyCpu - x.keep.proxyCpu).toFixed(3)} ms`, ''],
      );
    }
    const markdown = [
      `XML-RPC read of one partner through the proxy, ${durationMs / 1000} s per side, ${rounds} round(s) alternating at 1 and 8 clients (clients keep their connection to the proxy open); medians; differences paired within a round. Each side has its own stand-in and proxy.`,
      '',
      table(['clients', 'upstream', 'calls/s', 'p50', 'proxy CPU per call', 'stand-in CPU per call'], rows),
    ].join('\n');
    return { markdown, data: results };
  },
};
