// Small calls on the loopback stand-in through two proxies, one with preconnect off (the http
// default) and one with it on, alternating with direct calls: what opening connections ahead does
// for a local Odoo. latency-ms: the stand-in waits that long (a timer, no CPU) before each answer.
//   node dist/bench/preconnect-probe.js [rounds] [clients] [latency-ms]
import { startStandinProcess } from './lib/standin.js';
import { makeHome, startProxyProcess } from './lib/proxy.js';
import { smallCall, FIELDS } from './lib/calls.js';
import { measure } from './rows/small.js';
import { median } from './lib/stats.js';
import { loadNow } from './lib/machine.js';

const rounds = Number(process.argv[2] ?? 6);
const clients = Number(process.argv[3] ?? 1);
const latencyMs = Number(process.argv[4] ?? 0);
const standin = await startStandinProcess({ latencyMs });
const sides = [];
for (const preconnect of [false, true]) {
  const home = await makeHome(standin);
  await home.store.update((reg) => {
    reg.profiles[home.profile]!.preconnect = preconnect;
  });
  const [k] = await home.addKeys([{ name: 'bench', rules: [{ model: 'res.partner', methods: ['read'], fields: FIELDS }] }]);
  sides.push({ preconnect, home, proxy: await startProxyProcess(home, { journal: true }), token: k!.token, runs: [] as { p50: number; cpu: number; rps: number; added: number; ratio: number }[] });
}
for (const proto of ['xmlrpc', 'json2'] as const) {
  for (const s of sides) s.runs.length = 0;
  const direct: { p50: number; rps: number }[] = [];
  const directSpec = smallCall(proto, 'read', { db: standin.db, uid: standin.integration.uid, key: standin.integration.apiKey }, 3);
  for (let r = 0; r < rounds; r++) {
    const d = await measure(standin.url, directSpec, clients, 2500, standin, null);
    direct.push({ p50: d.p50, rps: d.rps });
    for (const s of r % 2 ? [...sides].reverse() : sides) {
      const spec = smallCall(proto, 'read', { db: standin.db, uid: standin.integration.uid, key: s.token }, 3);
      const m = await measure(s.proxy.url, spec, clients, 2500, standin, s.proxy);
      // Paired with this round's direct run, so a drift in machine load does not count.
      s.runs.push({ p50: m.p50, cpu: m.proxyCpu, rps: m.rps, added: m.p50 - d.p50, ratio: m.rps / d.rps });
    }
  }
  console.log(`${proto} read, ${clients} client(s), upstream +${latencyMs} ms, direct: p50 ${median(direct.map((x) => x.p50)).toFixed(3)} ms, ${median(direct.map((x) => x.rps)).toFixed(0)} calls/s`);
  for (const s of sides) console.log(`${proto} read, ${clients} client(s), preconnect ${s.preconnect ? 'on ' : 'off'}: p50 ${median(s.runs.map((x) => x.p50)).toFixed(3)} ms (added ${median(s.runs.map((x) => x.added)).toFixed(3)}), proxy CPU ${median(s.runs.map((x) => x.cpu)).toFixed(3)} ms/call, ${median(s.runs.map((x) => x.rps)).toFixed(0)} calls/s (${(100 * median(s.runs.map((x) => x.ratio))).toFixed(0)}% of direct) | load ${loadNow()}`);
}
for (const s of sides) {
  await s.proxy.stop();
  s.home.remove();
}
await standin.stop();
