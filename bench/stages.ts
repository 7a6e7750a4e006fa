// Where a call's time goes inside the proxy, step by step, at one client: row 1's added p50 is a
// latency, which a CPU profile (bench/profile.ts) does not break down in order.
//   node dist/bench/stages.js [--proto xmlrpc|json2] [--call read|search_read] [--seconds 8] [--latency-ms 0]
// Copies this build's dist/ to bench/out/dist-stages, puts a timestamp at each step of a call in the
// copy (at fixed places in the compiled code: it stops if one is gone, so the list below follows
// the source), runs that proxy against the stand-in with one client, and prints the median time
// from each mark to the next. The marks cost about a microsecond each; the copy is not the product.
// One client only: with several, calls interleave and the marks of one call mix with another's.

import { cpSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
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

const T = (label: string): string => `globalThis.__stage?.(${JSON.stringify(label)});`;

/** [file under dist/src, anchor (must occur exactly once), where the mark goes, label]. */
const MARKS: [string, string, 'before' | 'after', string][] = [
  ['proxy/core.js', '            rpc = decodeXmlRpcRequest(', 'before', 'body read'],
  ['proxy/core.js', '            rpc = decodeJson2Request(', 'before', 'body read'],
  ['proxy/core.js', '    async handleObjectCall(x, call, res) {\n', 'after', 'decoded'],
  ['proxy/core.js', '        const auth = this.authenticate(x, call.credential, now);\n', 'after', 'key checked'],
  ['proxy/core.js', '        const scope = scopeOf(key);\n', 'after', 'call facts read'],
  ['proxy/core.js', '    async forward(x, res, target, call, decision) {\n', 'after', 'decided'],
  ['proxy/core.js', '                upRes = await this.deps.pool.send(', 'before', 'encoded for Odoo'],
  ['upstream/wire.js', '            : net.connect({ host: origin.host, port: origin.port });\n', 'after', 'connecting'],
  ['proxy/core.js', '                ({ head, ended } = await readHead(iterator, limit));', 'before', "Odoo's answer head in"],
  ['proxy/core.js', '                ({ head, ended } = await readHead(iterator, limit));', 'after', 'answer read whole'],
  ['proxy/core.js', '            await this.deps.journal.append(bounded);', 'before', 'journal line built'],
  ['proxy/core.js', '            await this.deps.journal.append(bounded);', 'after', 'journal line written'],
  ['proxy/core.js', '        writeAnswer(res, answer);\n', 'after', 'answer written to the client socket'],
];

// The recorder: a list of marks per call, started when the request is routed; written to a file
// on SIGUSR2.
const RECORDER = `
const __calls = [];
let __call = null;
globalThis.__stage = (label) => { if (__call) __call.push([label, process.hrtime.bigint()]); };
globalThis.__stageStart = () => { __call = [['request routed', process.hrtime.bigint()]]; __calls.push(__call); };
process.on('SIGUSR2', () => {
  const out = __calls.map((c) => c.map(([l, t]) => [l, Number(t - c[0][1]) / 1000]));
  import('node:fs').then((fs) => fs.writeFileSync(process.env.STAGES_OUT, JSON.stringify(out)));
});
`;

function patch(dist: string): void {
  const files = new Map<string, string>();
  const read = (f: string): string => files.get(f) ?? readFileSync(join(dist, 'src', f), 'utf8');
  const server = read('proxy/server.js');
  const routeAnchor = 'async function route(deps, opts, addressOf, req, res) {\n';
  if (server.split(routeAnchor).length !== 2) throw new Error(`stages: anchor not found once in proxy/server.js: ${JSON.stringify(routeAnchor)} (the source changed: update bench/stages.ts)`);
  files.set('proxy/server.js', server.replace(routeAnchor, `${RECORDER}${routeAnchor}    globalThis.__stageStart();\n    res.once('finish', () => globalThis.__stage('answer handed to the kernel'));\n`));
  for (const [file, anchor, where, label] of MARKS) {
    const text = read(file);
    if (text.split(anchor).length !== 2) throw new Error(`stages: anchor not found once in ${file}: ${JSON.stringify(anchor)} (the source changed: update bench/stages.ts)`);
    files.set(file, text.replace(anchor, where === 'before' ? `${T(label)}${anchor}` : `${anchor}${T(label)}`));
  }
  // The connect's end: a listener on the socket just made.
  const wire = files.get('upstream/wire.js')!;
  files.set('upstream/wire.js', wire.replace(`${T('connecting')}`, `${T('connecting')} socket.once('connect', () => globalThis.__stage('connected'));`));
  for (const [f, text] of files) writeFileSync(join(dist, 'src', f), text);
}

const dist = resolve(fileURLToPath(new URL('../', import.meta.url)));
const copy = resolve(dist, '../bench/out/dist-stages');
rmSync(copy, { recursive: true, force: true });
cpSync(dist, copy, { recursive: true });
patch(copy);

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
