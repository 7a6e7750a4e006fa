// Diagnostic for the flood row: paced valid traffic through the proxy while the same flood is
// aimed at (a) the proxy, (b) a decoy server in another process that answers at once (the
// machine's cores equally busy, the proxy not involved), (c) nothing.
//   node dist/bench/flood-probe.js [rounds]
import { smallSetup, measure } from './rows/small.js';
import { smallCall } from './lib/calls.js';
import { cpuMs } from './lib/proc.js';
import { startDecoy, startFlood } from './lib/flood.js';
import type { FloodReport } from './lib/flood-child.js';

const rounds = Number(process.argv[2] ?? 3);
const decoy = await startDecoy();
const env = await smallSetup({ journal: true });
const spec = smallCall('xmlrpc', 'search_read', env.viaProxy, env.readId);
const run = () => measure(env.proxy.url, spec, 4, 3000, env.standin, env.proxy, 500, 40);
await measure(env.proxy.url, spec, 8, 1000, env.standin, env.proxy);
for (let r = 0; r < rounds; r++) {
  for (const target of (process.argv[3] ?? 'none,proxy,decoy').split(',') as Array<'none' | 'proxy' | 'decoy'>) {
    let f: Promise<FloodReport> | undefined;
    let p0 = 0;
    if (target !== 'none') {
      const url = target === 'proxy' ? env.proxy.url : decoy.url;
      p0 = cpuMs(decoy.child.pid!);
      f = startFlood({ url, db: env.standin.db, rate: 1000, keys: 1000, addresses: 50, durationMs: 4800, maxInFlight: 256 });
      await new Promise((res) => setTimeout(res, 300));
    }
    const m = await run();
    const rep = f ? await f : undefined;
    console.log(`round ${r + 1} flood→${target.padEnd(5)} p50 ${m.p50.toFixed(2)} ms p99 ${m.p99.toFixed(2)} ms proxy CPU/valid ${m.proxyCpu.toFixed(2)} ms${rep ? ` flood ${JSON.stringify(rep.answers)}` : ''}${target === 'decoy' ? ` decoy CPU ${(cpuMs(decoy.child.pid!) - p0).toFixed(0)} ms` : ''}`);
  }
}
decoy.child.kill();
await env.close();
