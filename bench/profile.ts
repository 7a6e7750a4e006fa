// Profiles the proxy (and optionally the stand-in) under small-call load:
//   node dist/bench/profile.js [--seconds 8] [--concurrency 1] [--proto xmlrpc|json2] [--no-journal] [--out DIR]
// Writes .cpuprofile files (open them in Chrome DevTools) and prints the top self-time functions.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startStandinProcess } from './lib/standin.js';
import { makeHome, startProxyProcess, startBareProxy } from './lib/proxy.js';
import { smallCall, FIELDS } from './lib/calls.js';
import { runLoad } from './lib/load.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '1' },
    proto: { type: 'string', default: 'xmlrpc' },
    call: { type: 'string', default: 'search_read' },
    'no-journal': { type: 'boolean', default: false },
    bare: { type: 'boolean', default: false },
    flood: { type: 'string' },
    out: { type: 'string', default: 'bench/out/profiles' },
  },
});
const out = resolve(values.out!, String(Date.now()));
mkdirSync(out, { recursive: true });
const s = await startStandinProcess();
const h = await makeHome(s);
const [k] = await h.addKeys([{ name: 'bench', rules: [{ model: 'res.partner', methods: ['read'], fields: FIELDS }] }]);
const execArgv = ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', out];
// --bare: profile the bare pass-through proxy instead (the floor), with the upstream key.
const p = values.bare ? await startBareProxy(s.url, execArgv) : await startProxyProcess(h, { journal: !values['no-journal'], execArgv });
const cred = { db: s.db, uid: s.integration.uid, key: values.bare ? s.integration.apiKey : k!.token };
if (values.flood) {
  // --flood RATE: profile the proxy refusing bad keys (the flood row's flood alone).
  const { fork } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const child = fork(fileURLToPath(new URL('./lib/flood-child.js', import.meta.url)), [JSON.stringify({ url: p.url, db: s.db, rate: Number(values.flood), keys: 1000, addresses: 50, durationMs: Number(values.seconds) * 1000, maxInFlight: 256 })]);
  const report = await new Promise((res) => child.once('message', res));
  console.log('flood', JSON.stringify(report));
}
const r = values.flood ? { count: 0, errors: 0, p50: 0, rps: 0 } : await runLoad({ url: p.url, requests: [smallCall(values.proto as 'xmlrpc', values.call as 'read', cred, 3)], concurrency: Number(values.concurrency), durationMs: Number(values.seconds) * 1000, warmupMs: 1000 });
const calls = r.count + Math.round(r.rps); // the warm-up second too
console.log(`calls ${r.count}, errors ${r.errors}, p50 ${r.p50.toFixed(2)} ms`);
await p.stop();
await s.stop();
h.remove();

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
const label = (n: Node): string => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
for (const f of readdirSync(out).filter((n) => n.endsWith('.cpuprofile'))) {
  const prof = JSON.parse(readFileSync(join(out, f), 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Time per sample is the delta to the next sample.
  const selfUs = new Map<number, number>();
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = prof.timeDeltas[i + 1] ?? 0;
    selfUs.set(prof.samples[i]!, (selfUs.get(prof.samples[i]!) ?? 0) + dt);
  }
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    total += us;
    if (n.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    self.set(label(n), (self.get(label(n)) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      incl.set(l, (incl.get(l) ?? 0) + us);
    }
  }
  const busy = total - idle;
  console.log(`\n${join(out, f)}: ${(total / 1e6).toFixed(2)} s profiled, ${(busy / 1e6).toFixed(2)} s busy; per call ${(busy / 1000 / calls).toFixed(3)} ms`);
  const cats = new Map<string, number>();
  for (const [key, us] of self) {
    const file = key.split(' ')[1] ?? '';
    const cat = file.startsWith('dist/src/') ? file.replace(/^dist\/src\/([^/]+)\/([^.:]+).*$/, 'ours: $1/$2') : file.startsWith('node:') ? `node: ${file.replace(/^node:(internal\/)?([^/:]+).*$/, '$2')}` : file.startsWith(':') || file === '' ? `native: ${key.split(' ')[0]}` : `other: ${file.split(':')[0]}`;
    cats.set(cat, (cats.get(cat) ?? 0) + us);
  }
  console.log('self time by source (top 30, ms per call):');
  for (const [cat, us] of [...cats].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / 1000 / calls).toFixed(3)}  ${cat}`);
  console.log('self time (top 25):');
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`);
  console.log('inclusive time, all (top 45):');
  for (const [key, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`);
  console.log('inclusive time, project code (top 30):');
  for (const [key, us] of [...incl].filter(([k]) => k.includes('dist/src') || k.includes('dist/bench')).sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`);
}
