// Diagnostic for the flood row: paced valid traffic through the proxy while the same flood is
// aimed at (a) the proxy, (b) a decoy server in another process that answers at once (the
// machine's cores equally busy, the proxy not involved), (c) nothing.
//   node dist/bench/flood-probe.js [rounds]
import { fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { smallSetup, measure } from './rows/small.js';
import { smallCall } from './lib/calls.js';
import { cpuMs } from './lib/proc.js';
import type { FloodConfig, FloodReport } from './lib/flood-child.js';

const CHILD = fileURLToPath(new URL('./lib/flood-child.js', import.meta.url));
const rounds = Number(process.argv[2] ?? 3);
const flood = (cfg: FloodConfig): Promise<FloodReport> =>
  new Promise((resolve) => {
    const child = fork(CHILD, [JSON.stringify(cfg)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m: FloodReport) => resolve(m));
  });
const decoySrc = `const s=require('http').createServer((q,r)=>{q.resume();q.on('end',()=>{r.setHeader('Content-Length','40');r.end('<fault>too many failed attempts</fault>\\n')})});s.listen(0,'127.0.0.1',()=>process.stdout.write(String(s.address().port)+'\\n'))`;
const decoy = spawn(process.execPath, ['-e', decoySrc], { stdio: ['ignore', 'pipe', 'inherit'] });
const decoyPort = await new Promise<string>((r) => decoy.stdout!.once('data', (d: Buffer) => r(d.toString().trim())));
const env = await smallSetup({ journal: true });
const spec = smallCall('xmlrpc', 'search_read', env.viaProxy, env.readId);
const run = () => measure(env.proxy.url, spec, 4, 3000, env.standin, env.proxy, 500, 40);
await measure(env.proxy.url, spec, 8, 1000, env.standin, env.proxy);
for (let r = 0; r < rounds; r++) {
  for (const target of (process.argv[3] ?? 'none,proxy,decoy').split(',') as Array<'none' | 'proxy' | 'decoy'>) {
    let f: Promise<FloodReport> | undefined;
    let p0 = 0;
    if (target !== 'none') {
      const url = target === 'proxy' ? env.proxy.url : `http://127.0.0.1:${decoyPort}`;
      p0 = cpuMs(decoy.pid!);
      f = flood({ url, db: env.standin.db, rate: 1000, keys: 1000, addresses: 50, durationMs: 4800, maxInFlight: 256 });
      await new Promise((res) => setTimeout(res, 300));
    }
    const m = await run();
    const rep = f ? await f : undefined;
    console.log(`round ${r + 1} flood→${target.padEnd(5)} p50 ${m.p50.toFixed(2)} ms p99 ${m.p99.toFixed(2)} ms proxy CPU/valid ${m.proxyCpu.toFixed(2)} ms${rep ? ` flood ${JSON.stringify(rep.answers)}` : ''}${target === 'decoy' ? ` decoy CPU ${(cpuMs(decoy.pid!) - p0).toFixed(0)} ms` : ''}`);
  }
}
decoy.kill();
await env.close();
