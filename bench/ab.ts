// A/B comparison of two builds of the proxy against the same stand-in, alternating, for
// before/after figures of a performance fix:
//   cp -r dist bench/out/dist-A   (before the change)   ... change, build ...
//   node dist/bench/ab.js bench/out/dist-A dist [--proto xmlrpc] [--call read] [--concurrency 1] [--rounds 6] [--seconds 2.5] [--no-journal]
// Or one build with two sets of Node options (`--b-node-options=--max-semi-space-size=32`; the same for A):
//   node dist/bench/ab.js dist dist --b-node-options='...'
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startStandinProcess } from './lib/standin.js';
import { makeHome, startProxyProcess } from './lib/proxy.js';
import { smallCall, sendOnce, xmlrpcCall, FIELDS } from './lib/calls.js';
import { measure } from './rows/small.js';
import { loadNow } from './lib/machine.js';
import { median } from './lib/stats.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    proto: { type: 'string', default: 'xmlrpc' },
    call: { type: 'string', default: 'read' },
    concurrency: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '2.5' },
    'no-journal': { type: 'boolean', default: false },
    /** Seed this many partners with 100 KB notes and compare on reading them all (streaming). */
    big: { type: 'string' },
    /** Node options (space-separated) for A's or B's proxy process. */
    'a-node-options': { type: 'string', default: '' },
    'b-node-options': { type: 'string', default: '' },
  },
});
const [a, b] = positionals.map((d) => resolve(d, 'bench/lib/proxy-child.js'));
if (!a || !b) throw new Error('usage: ab.js <distA> <distB>');
const s = await startStandinProcess();
const h = await makeHome(s);
const [k] = await h.addKeys([{ name: 'bench-ab', rules: [{ model: 'res.partner', methods: ['read'], fields: [...FIELDS, 'comment', 'ref'] }] }]);
const nodeOptions = (v: string | undefined): string[] => (v ?? '').split(' ').filter(Boolean);
const pa = await startProxyProcess(h, { journal: !values['no-journal'], childPath: a, execArgv: nodeOptions(values['a-node-options']) });
const pb = await startProxyProcess(h, { journal: !values['no-journal'], childPath: b, execArgv: nodeOptions(values['b-node-options']) });
let spec = smallCall(values.proto as 'xmlrpc', values.call as 'read', { db: s.db, uid: s.integration.uid, key: k!.token }, 3);
if (values.big) {
  const text = 'lorem ipsum dolor sit amet '.repeat(4000);
  const admin = { db: s.db, uid: s.admin.uid, key: s.admin.apiKey };
  for (let i = 0; i < Number(values.big); i += 20) await sendOnce(s.url, xmlrpcCall(admin, 'res.partner', 'create', [Array.from({ length: 20 }, (_, j) => ({ name: `big ${i + j}`, ref: 'big', comment: text }))], {}));
  spec = xmlrpcCall({ db: s.db, uid: s.integration.uid, key: k!.token }, 'res.partner', 'search_read', [[['ref', '=', 'big']]], { fields: ['name', 'comment'] });
}
const c = Number(values.concurrency);
const ms = Number(values.seconds) * 1000;
await measure(pa.url, spec, c, 1500, s, pa);
await measure(pb.url, spec, c, 1500, s, pb);
const res = { A: [] as { cpu: number; p50: number; rps: number }[], B: [] as { cpu: number; p50: number; rps: number }[] };
for (let r = 0; r < Number(values.rounds); r++) {
  const order = r % 2 ? (['B', 'A'] as const) : (['A', 'B'] as const);
  for (const which of order) {
    const p = which === 'A' ? pa : pb;
    const m = await measure(p.url, spec, c, ms, s, p);
    res[which].push({ cpu: m.proxyCpu, p50: m.p50, rps: m.rps });
    console.log(`${which} cpu/call ${m.proxyCpu.toFixed(3)} ms  p50 ${m.p50.toFixed(2)} ms  ${m.rps.toFixed(0)}/s  errors ${m.errors}  load ${loadNow()}`);
  }
}
for (const which of ['A', 'B'] as const) {
  const xs = res[which];
  console.log(`${which}: median proxy CPU per call ${median(xs.map((x) => x.cpu)).toFixed(3)} ms, p50 ${median(xs.map((x) => x.p50)).toFixed(2)} ms, ${median(xs.map((x) => x.rps)).toFixed(0)} calls/s`);
}
await pa.stop();
await pb.stop();
await s.stop();
h.remove();
