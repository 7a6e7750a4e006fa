// Small calls on the loopback stand-in through two proxies, one with preconnect off (the http
// default) and one with it on, alternating: what opening connections ahead does for a local Odoo.
//   node dist/bench/preconnect-probe.js [rounds] [clients]
import { startStandinProcess } from './lib/standin.js';
import { makeHome, startProxyProcess } from './lib/proxy.js';
import { smallCall, FIELDS } from './lib/calls.js';
import { measure } from './rows/small.js';
import { median } from './lib/stats.js';
import { loadNow } from './lib/machine.js';

const rounds = Number(process.argv[2] ?? 6);
const clients = Number(process.argv[3] ?? 1);
const standin = await startStandinProcess();
const sides = [];
for (const preconnect of [false, true]) {
  const home = await makeHome(standin);
  await home.store.update((reg) => {
    reg.profiles[home.profile]!.preconnect = preconnect;
  });
  const [k] = await home.addKeys([{ name: 'bench', rules: [{ model: 'res.partner', methods: ['read'], fields: FIELDS }] }]);
  sides.push({ preconnect, home, proxy: await startProxyProcess(home, { journal: true }), token: k!.token, runs: [] as { p50: number; cpu: number; rps: number }[] });
}
for (const proto of ['xmlrpc', 'json2'] as const) {
  for (const s of sides) s.runs.length = 0;
  for (let r = 0; r < rounds; r++) {
    for (const s of r % 2 ? [...sides].reverse() : sides) {
      const spec = smallCall(proto, 'read', { db: standin.db, uid: standin.integration.uid, key: s.token }, 3);
      const m = await measure(s.proxy.url, spec, clients, 2500, standin, s.proxy);
      s.runs.push({ p50: m.p50, cpu: m.proxyCpu, rps: m.rps });
    }
  }
  for (const s of sides) console.log(`${proto} read, ${clients} client(s), preconnect ${s.preconnect ? 'on ' : 'off'}: p50 ${median(s.runs.map((x) => x.p50)).toFixed(3)} ms, proxy CPU ${median(s.runs.map((x) => x.cpu)).toFixed(3)} ms/call, ${median(s.runs.map((x) => x.rps)).toFixed(0)} calls/s | load ${loadNow()}`);
}
for (const s of sides) {
  await s.proxy.stop();
  s.home.remove();
}
await standin.stop();
