// Issue 10's row: a flood of 1,000 bad keys alongside valid traffic. Valid clients (XML-RPC
// search_read from 127.0.0.1, saturating and paced) through the proxy, without and with a flood
// of calls carrying 1,000 distinct unknown keys from 50 other addresses at a fixed rate (in its
// own process); valid traffic's p50 and throughput, before and during.

import { smallSetup, measure, type Measured } from './small.js';
import { smallCall } from '../lib/calls.js';
import { loadNow } from '../lib/machine.js';
import { median, ms, pct, num, table } from '../lib/stats.js';
import type { Row, RowOptions } from '../lib/row.js';
import type { FloodReport } from '../lib/flood-child.js';
import { startDecoy, startFlood } from '../lib/flood.js';

export const floodRow: Row = {
  id: 'flood',
  title: 'A flood of 1,000 bad keys alongside valid traffic (issue 10)',
  estimate: '2.5 min',
  async run(o: RowOptions) {
    const rounds = o.quick ? 1 : 5;
    const durationMs = o.quick ? 2000 : 3000;
    const rate = 1000;
    const env = await smallSetup({ journal: true });
    const decoy = await startDecoy();
    const spec = smallCall('xmlrpc', 'search_read', env.viaProxy, env.readId);
    // Two kinds of valid traffic: clients sending as fast as answers come (the machine's 2 cores
    // saturated, so any other work, the flood generator's own included, slows them), and steady
    // integrations at 100 calls/s in all (about what Odoo itself serves over XML-RPC, FACTS.md),
    // which leave the cores room and show what the flood does to a proxy that is not saturated.
    const profiles = [
      { id: 'saturating', label: '8 clients, each sending as soon as its answer is in', concurrency: 8, intervalMs: undefined },
      { id: 'paced', label: '4 clients at 25 calls/s each (100 calls/s)', concurrency: 4, intervalMs: 40 },
    ] as const;
    type Result = { quiet: Measured; flooded: Measured; decoyed: Measured; flood: FloodReport & { cpuMs: number }; load: string };
    const results = new Map<string, Result[]>(profiles.map((p) => [p.id, []]));
    try {
      await measure(env.proxy.url, spec, 8, 3000, env.standin, env.proxy); // warm-up: JIT, connections
      for (let r = 0; r < rounds; r++) {
        for (const prof of profiles) {
          const load = loadNow();
          const run = () => measure(env.proxy.url, spec, prof.concurrency, durationMs, env.standin, env.proxy, 500, prof.intervalMs);
          const floodedRun = async (target = env.proxy.url) => {
            const flood = startFlood({ url: target, db: env.standin.db, rate, keys: 1000, addresses: 50, durationMs: durationMs + 1500, maxInFlight: 256 });
            await new Promise((res) => setTimeout(res, 300)); // the flood under way before the window opens
            const m = await run();
            return { m, flood: await flood };
          };
          let quiet: Measured;
          let flooded: { m: Measured; flood: FloodReport & { cpuMs: number } };
          if (r % 2 === 0) {
            quiet = await run();
            flooded = await floodedRun();
          } else {
            flooded = await floodedRun();
            quiet = await run();
          }
          const decoyed = (await floodedRun(decoy.url)).m;
          results.get(prof.id)!.push({ quiet, flooded: flooded.m, decoyed, flood: flooded.flood, load });
          o.log(`flood round ${r + 1} (${prof.id}): quiet p50 ${quiet.p50.toFixed(2)} ms ${quiet.rps.toFixed(0)}/s | flooded p50 ${flooded.m.p50.toFixed(2)} ms ${flooded.m.rps.toFixed(0)}/s | flood at the decoy: p50 ${decoyed.p50.toFixed(2)} ms ${decoyed.rps.toFixed(0)}/s | flood sent ${flooded.flood.sent} (${(flooded.flood.sent / (flooded.flood.elapsedMs / 1000)).toFixed(0)}/s), skipped ${flooded.flood.skipped}, answers ${JSON.stringify(flooded.flood.answers)} | load ${load}`);
        }
      }
    } finally {
      decoy.child.kill();
      await env.close();
    }
    const all = [...results.values()].flat();
    const answers: Record<string, number> = {};
    for (const x of all) for (const [k, v] of Object.entries(x.flood.answers)) answers[k] = (answers[k] ?? 0) + v;
    const rows: string[][] = [];
    for (const prof of profiles) {
      const rs = results.get(prof.id)!;
      const med = (f: (x: Result) => number): number => median(rs.map(f));
      rows.push(
        [prof.label, 'without flood', ms(med((x) => x.quiet.p50)), ms(med((x) => x.quiet.p99)), num(med((x) => x.quiet.rps)), `${med((x) => x.quiet.proxyCpu).toFixed(2)} ms`, `${med((x) => x.quiet.standinCpu).toFixed(2)} ms`],
        ['', 'with flood', ms(med((x) => x.flooded.p50)), ms(med((x) => x.flooded.p99)), num(med((x) => x.flooded.rps)), `${med((x) => x.flooded.proxyCpu).toFixed(2)} ms (flood included)`, `${med((x) => x.flooded.standinCpu).toFixed(2)} ms`],
        ['', 'change', pct(med((x) => x.flooded.p50 / x.quiet.p50 - 1)).replace(/^(\d)/, '+$1'), '', pct(med((x) => x.flooded.rps / x.quiet.rps - 1)).replace(/^(\d)/, '+$1'), '', ''],
        ['', 'control: the flood at a decoy server', ms(med((x) => x.decoyed.p50)), ms(med((x) => x.decoyed.p99)), num(med((x) => x.decoyed.rps)), `${med((x) => x.decoyed.proxyCpu).toFixed(2)} ms`, `${med((x) => x.decoyed.standinCpu).toFixed(2)} ms`],
        ['', 'change', pct(med((x) => x.decoyed.p50 / x.quiet.p50 - 1)).replace(/^(\d)/, '+$1'), '', pct(med((x) => x.decoyed.rps / x.quiet.rps - 1)).replace(/^(\d)/, '+$1'), '', ''],
      );
    }
    const med = (f: (x: Result) => number): number => median(all.map(f));
    const markdown = [
      `Valid: XML-RPC search_read of 10 from 127.0.0.1, ${durationMs / 1000} s windows, in two kinds: saturating clients and paced ones. Flood: ${rate} calls/s, each with one of 1,000 distinct unknown odk_ keys, from 50 addresses (127.0.0.2-51), open loop, at most 256 in flight, in its own process (raw keep-alive sockets, requests built once, so it takes as little of the shared cores as it can). Control: the same flood aimed at a minimal node:http server in another process instead of the proxy (the cores as busy, the proxy not involved). ${rounds} round(s), quiet and flooded alternating, the control last; medians; each change is paired within a round.`,
      '',
      table(['valid traffic', '', 'valid p50', 'valid p99', 'valid calls/s', 'proxy CPU per valid call', 'stand-in CPU per valid call'], rows),
      '',
      `CPU per flood call: the proxy about ${med((x) => ((x.flooded.proxyCpu * x.flooded.count - x.quiet.proxyCpu * x.flooded.count) / (x.flood.sent * (durationMs / (durationMs + 1500))))).toFixed(2)} ms (its CPU in the flooded window beyond what the valid calls cost in the quiet one, over the flood calls in the window), the flood's own process ${med((x) => x.flood.cpuMs / x.flood.sent).toFixed(2)} ms. All of it comes out of the same 2 cores as the valid clients, the proxy and the stand-in.`,
      '',
      `Flood answers, all rounds: ${Object.entries(answers).map(([k, v]) => `${k} ${v}`).join(', ')} (sent ${all.reduce((a, x) => a + x.flood.sent, 0)}, not sent because 256 were in flight: ${all.reduce((a, x) => a + x.flood.skipped, 0)}). None reached the stand-in: bad keys are refused by the proxy itself (test/proxy/shield.test.ts proves it).`,
    ].join('\n');
    return { markdown, data: Object.fromEntries(results) };
  },
};
