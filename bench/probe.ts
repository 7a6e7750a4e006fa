// Quick probe: CPU per call of the stand-in, a bare Node pass-through proxy and odoo-keys.
import { startBareProxy } from './lib/proxy.js';
import { smallSetup, measure } from './rows/small.js';
import { smallCall } from './lib/calls.js';
import { loadNow } from './lib/machine.js';

const proto = (process.argv[2] ?? 'xmlrpc') as 'xmlrpc';
const call = (process.argv[3] ?? 'read') as 'read';
const conc = Number(process.argv[4] ?? 1);
const env = await smallSetup({ journal: process.argv[5] !== 'nojournal' });
const bare = await startBareProxy(env.standin.url);
const targets = [
  ['direct', env.standin.url, env.direct, null],
  ['bare', bare.url, env.direct, { pid: bare.pid }],
  ['odoo-keys', env.proxy.url, env.viaProxy, env.proxy],
] as const;
for (let round = 0; round < 4; round++) {
  for (const [name, url, cred, p] of targets) {
    const m = await measure(url, smallCall(proto, call, cred, env.readId), conc, 2500, env.standin, p as never);
    if (round > 0) console.log(`${name.padEnd(10)} ${m.rps.toFixed(0).padStart(5)}/s p50 ${m.p50.toFixed(2)} p99 ${m.p99.toFixed(2)} standin ${m.standinCpu.toFixed(3)} proxy ${m.proxyCpu.toFixed(3)} ms/call  load ${loadNow()}`);
  }
}
await bare.stop();
await env.close();
