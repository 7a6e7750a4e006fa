// Where a call's time goes inside the proxy, step by step, at one client: row 1's added p50 is a
// latency, which a CPU profile (bench/profile.ts) does not break down in order.
//   node dist/bench/stages.js [--proto xmlrpc|json2] [--call read|search_read] [--seconds 8] [--latency-ms 0]
// Copies this build's dist/ to bench/out/dist-stages, puts a timestamp at each step of a call in the
// copy (at fixed places in the compiled code, listed in lib/stages.ts: it stops if one is gone, and
// test/bench/stages.test.ts checks them on every test run), runs that proxy against the stand-in with one client, and prints the median time
// from each mark to the next. The marks cost about a microsecond each; the copy is not the product.
// One client only: with several, calls interleave and the marks of one call mix with another's.

import { cpSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { markBuild } from './lib/stages.js';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { startStandinProcess } from './lib/standin.js';
import { makeHome, startProxyProcess, startBareProxy } from './lib/proxy.js';
import { smallCall, FIELDS, type Protocol, type SmallCall } from './lib/calls.js';
import { runLoad } from './lib/load.js';
import { percentile, sleep, table } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    proto: { type: 'string', default: 'xmlrpc' },
    call: { type: 'string', default: 'read' },
    seconds: { type: 'string', default: '8' },
    'latency-ms': { type: 'string', default: '0' },
  },
});

const dist = resolve(fileURLToPath(new URL('../', import.meta.url)));
const copy = resolve(dist, '../bench/out/dist-stages');
rmSync(copy, { recursive: true, force: true });
cpSync(dist, copy, { recursive: true });
markBuild(copy);

const latencyMs = Number(values['latency-ms']);
const standin = await startStandinProcess(latencyMs > 0 ? { latencyMs } : {});
const home = await makeHome(standin);
const outFile = join(tmpdir(), `odoo-keys-stages-${process.pid}.json`);
try {
  const [k] = await home.addKeys([{ name: 'bench-stages', rules: [{ model: 'res.partner', methods: ['read'], fields: FIELDS }] }]);
  const proto = values.proto as Protocol;
  const call = values.call as SmallCall;
  const durationMs = Number(values.seconds) * 1000;
  const proxy = await startProxyProcess(home, { journal: true, childPath: join(copy, 'bench/lib/proxy-child.js'), env: { ...process.env, STAGES_OUT: outFile } });
  const bare = await startBareProxy(standin.url);
  let through;
  let direct;
  let viaBare;
  try {
    through = await runLoad({ url: proxy.url, requests: [smallCall(proto, call, { db: standin.db, uid: standin.integration.uid, key: k!.token }, 3)], concurrency: 1, durationMs, warmupMs: 1000 });
    process.kill(proxy.pid, 'SIGUSR2');
    for (let i = 0; i < 50 && !existsSync(outFile); i++) await sleep(100);
    const upstreamCred = { db: standin.db, uid: standin.integration.uid, key: standin.integration.apiKey };
    direct = await runLoad({ url: standin.url, requests: [smallCall(proto, call, upstreamCred, 3)], concurrency: 1, durationMs: durationMs / 2, warmupMs: 1000 });
    viaBare = await runLoad({ url: bare.url, requests: [smallCall(proto, call, upstreamCred, 3)], concurrency: 1, durationMs: durationMs / 2, warmupMs: 1000 });
  } finally {
    await proxy.stop();
    await bare.stop();
  }
  const calls = (JSON.parse(readFileSync(outFile, 'utf8')) as [string, number][][]).slice(500);
  // Steps in the order the marks came, from the calls that passed every mark in the usual order.
  const order = calls[Math.floor(calls.length / 2)]!.map(([l]) => l);
  const complete = calls.filter((c) => c.length === order.length && c.every(([l], i) => l === order[i]));
  const rows: string[][] = [];
  for (let i = 1; i < order.length; i++) {
    const d = Float64Array.from(complete.map((c) => c[i]![1] - c[i - 1]![1])).sort();
    rows.push([`${order[i - 1]} → ${order[i]}`, percentile(d, 50).toFixed(1), percentile(d, 90).toFixed(1)]);
  }
  const total = Float64Array.from(complete.map((c) => c[c.length - 1]![1])).sort();
  rows.push(['**request routed → answer handed to the kernel**', `**${percentile(total, 50).toFixed(1)}**`, `**${percentile(total, 90).toFixed(1)}**`]);
  process.stdout.write(
    [
      `${proto} ${call}, one client, ${values.seconds} s, stand-in ${latencyMs > 0 ? `waiting ${latencyMs} ms per answer` : 'answering at once'}; ${complete.length} calls with every mark (of ${calls.length} after 500 to warm up).`,
      `p50 end to end at the client: direct ${direct.p50.toFixed(3)} ms, bare Node proxy ${viaBare.p50.toFixed(3)} ms, odoo-keys (with the marks) ${through.p50.toFixed(3)} ms.`,
      '',
      table(['step', 'median µs', 'p90 µs'], rows),
      '',
    ].join('\n'),
  );
} finally {
  await standin.stop();
  home.remove();
  rmSync(outFile, { force: true });
}
