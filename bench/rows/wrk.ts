// Row 1 again, with wrk (C, from Debian) as the load generator instead of our Node one: the
// same calls, direct / odoo-keys / bare Node proxy alternating, so the small-call figures do not
// rest on our own generator alone. wrk also takes far less CPU per call than a Node client, and
// on 2 shared cores that CPU is taken from the servers being measured.

import { smallSetup, sideBySideHead, sideBySideRow } from './small.js';
import { startBareProxy } from '../lib/proxy.js';
import { smallCall, type Protocol, type SmallCall } from '../lib/calls.js';
import { runWrk, wrkAvailable, type WrkResult } from '../lib/wrk.js';
import { cpuMs } from '../lib/proc.js';
import { loadNow } from '../lib/machine.js';
import { table } from '../lib/stats.js';
import type { Row, RowOptions } from '../lib/row.js';

interface Side extends WrkResult {
  standinCpu: number;
  proxyCpu: number;
}

interface Cell {
  protocol: Protocol;
  call: SmallCall;
  connections: number;
  rounds: { direct: Side; proxy: Side; bare: Side; load: string }[];
}

export const wrkRow: Row = {
  id: 'wrk',
  title: 'Small calls measured with wrk',
  estimate: '4 min',
  async run(o: RowOptions) {
    if (!wrkAvailable()) {
      o.log('wrk: skipped, wrk is not installed (Debian: apt-get install wrk)');
      return { markdown: 'Skipped: wrk is not installed (Debian: `apt-get install wrk`; the benchmarks never download anything).', data: { skipped: true } };
    }
    const rounds = o.quick ? 1 : 3;
    const durationS = o.quick ? 1 : 2;
    const env = await smallSetup({ journal: true });
    const { standin, proxy, direct, viaProxy, readId } = env;
    const bare = await startBareProxy(standin.url);
    const cells: Cell[] = [];
    const fault = (p: Protocol): string | undefined => (p === 'xmlrpc' ? '<fault>' : undefined);
    const measure = async (url: string, p: Protocol, c: SmallCall, cred: typeof direct, connections: number, durationS: number, proxyPid: number | null): Promise<Side> => {
      let s0 = 0;
      let p0 = 0;
      let s1 = 0;
      let p1 = 0;
      const r = await runWrk({
        url,
        spec: smallCall(p, c, cred, readId),
        connections,
        durationS,
        faultMarker: fault(p),
        onStart: () => ([s0, p0] = [cpuMs(standin.pid), proxyPid ? cpuMs(proxyPid) : 0]),
        onEnd: () => ([s1, p1] = [cpuMs(standin.pid), proxyPid ? cpuMs(proxyPid) : 0]),
      });
      return { ...r, standinCpu: (s1 - s0) / Math.max(1, r.requests), proxyCpu: proxyPid ? (p1 - p0) / Math.max(1, r.requests) : 0 };
    };
    try {
      for (const p of ['xmlrpc', 'json2'] as const) {
        await measure(standin.url, p, 'search_read', direct, 8, 1, null);
        await measure(proxy.url, p, 'search_read', viaProxy, 8, 1, proxy.pid);
        await measure(bare.url, p, 'search_read', direct, 8, 1, bare.pid);
      }
      for (const protocol of ['xmlrpc', 'json2'] as const) {
        for (const call of ['search_read', 'read'] as const) {
          for (const connections of [1, 8, 64]) {
            const cell: Cell = { protocol, call, connections, rounds: [] };
            for (let r = 0; r < rounds; r++) {
              const load = loadNow();
              const sides = [
                ['direct', () => measure(standin.url, protocol, call, direct, connections, durationS, null)],
                ['proxy', () => measure(proxy.url, protocol, call, viaProxy, connections, durationS, proxy.pid)],
                ['bare', () => measure(bare.url, protocol, call, direct, connections, durationS, bare.pid)],
              ] as const;
              // Rotate the order, so a drift in machine load does not favour one side.
              const order = [...sides.slice(r % 3), ...sides.slice(0, r % 3)];
              const got: Record<string, Side> = {};
              for (const [name, f] of order) got[name] = await f();
              const [d, p, b] = [got.direct!, got.proxy!, got.bare!];
              cell.rounds.push({ direct: d, proxy: p, bare: b, load });
              o.log(`wrk ${protocol} ${call} c=${connections} round ${r + 1}: direct ${d.rps.toFixed(0)}/s p50 ${d.p50.toFixed(2)} | proxy ${p.rps.toFixed(0)}/s p50 ${p.p50.toFixed(2)} cpu ${p.proxyCpu.toFixed(3)} | bare ${b.rps.toFixed(0)}/s p50 ${b.p50.toFixed(2)} cpu ${b.proxyCpu.toFixed(3)} | wrk cpu ${p.generatorCpu.toFixed(3)} ms/call | errors ${d.errors}/${p.errors}/${b.errors} | load ${load}`);
            }
            cells.push(cell);
          }
        }
      }
    } finally {
      await bare.stop();
      await env.close();
    }
    return { markdown: render(cells, rounds, durationS), data: cells };
  },
};

function render(cells: Cell[], rounds: number, durationS: number): string {
  const rows = cells.map((c) => sideBySideRow(c.protocol, c.call, c.connections, c.rounds, (med) => [`${med((r) => r.proxy.generatorCpu).toFixed(3)} ms`]));
  return [
    `wrk (Debian's package), one thread; ${rounds} round(s) of ${durationS} s per side after a warm-up; medians over rounds; "added" and "ratio" are paired within a round. In brackets: the bare Node pass-through proxy (bench/lib/bare-proxy.ts). wrk's latency runs from writing a request to reading its answer; a direct call's new connection (the stand-in closes each, as Odoo does) is opened before that.`,
    '',
    table([...sideBySideHead('connections'), 'wrk CPU per call', 'errors'], rows),
  ].join('\n');
}
