// Row 2: a large search_read (about 200 MB) streamed through the proxy, vs the same call direct:
// time to first and last byte, and the proxy's peak memory. The proxy is `odoo-keys serve` as users
// run it (bin/run.js: the bundled CLI with oclif loaded, not the bench's bare proxy-child), so its
// memory is what a deployment sees; peak from the kernel's high-water mark, plus RSS sampled every
// 10 ms during each transfer.

import http from 'node:http';
import { startStandinProcess, type StandinProcess } from '../lib/standin.js';
import { makeHome, startServeProcess, startBareProxy } from '../lib/proxy.js';
import { xmlrpcCall, json2Call, sendOnce, type Credentials } from '../lib/calls.js';
import type { RequestSpec } from '../lib/load.js';
import { cpuMs, peakRssBytes, pinProxiesApart, rssBytes, sampleRss } from '../lib/proc.js';
import { loadNow } from '../lib/machine.js';
import { median, ms, mb, ratio, table } from '../lib/stats.js';
import type { Row, RowOptions } from '../lib/row.js';

const REF = 'bench-big';

/** Sends one request and reads the answer to the end, keeping nothing. */
function transfer(url: string, spec: RequestSpec): Promise<{ status: number; bytes: number; firstByteMs: number; totalMs: number; head: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first = 0;
    let bytes = 0;
    let head = '';
    const req = http.request({ hostname: u.hostname, port: u.port, method: 'POST', path: spec.path, headers: { ...spec.headers, 'Content-Length': String(spec.body.length) }, agent: false }, (res) => {
      res.on('data', (c: Buffer) => {
        if (!first) first = performance.now();
        if (head.length < 200) head += c.subarray(0, 200).toString('latin1');
        bytes += c.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, firstByteMs: first - t0, totalMs: performance.now() - t0, head }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(spec.body);
  });
}

/** Creates `records` partners whose notes hold `perRecord` bytes of plain text (no XML escaping needed). */
async function seed(standin: StandinProcess, records: number, perRecord: number, log: (l: string) => void): Promise<void> {
  const admin: Credentials = { db: standin.db, uid: standin.admin.uid, key: standin.admin.apiKey };
  const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ';
  const text = words.repeat(Math.ceil(perRecord / words.length)).slice(0, perRecord);
  const batch = 20;
  const t0 = performance.now();
  for (let i = 0; i < records; i += batch) {
    const vals = Array.from({ length: Math.min(batch, records - i) }, (_, j) => ({ name: `Bench partner ${i + j}`, ref: REF, comment: `<p>${i + j} ${text}</p>` }));
    const r = await sendOnce(standin.url, xmlrpcCall(admin, 'res.partner', 'create', [vals], {}));
    if (r.status !== 200 || r.text.includes('<fault>')) throw new Error(`seeding failed: ${r.text.slice(0, 300)}`);
  }
  log(`stream: seeded ${records} partners of ${(perRecord / 1024).toFixed(0)} KB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

interface Transfer {
  protocol: 'xmlrpc' | 'json2';
  round: number;
  load: string;
  direct: { bytes: number; firstByteMs: number; totalMs: number };
  proxy: { bytes: number; firstByteMs: number; totalMs: number; maxSampledRss: number; maxSampledAnon: number; cpuMs: number };
  /** The bare Node pass-through proxy (the floor), same call. */
  bare: { bytes: number; firstByteMs: number; totalMs: number; maxSampledRss: number; maxSampledAnon: number; cpuMs: number };
}

/**
 * Row 2. `pinned`: the proxies on a CPU of their own, the stand-in and the client (this process) on
 * the others, for direct transfers too, as in row `small-1ms-pinned`: on 2 shared CPUs the proxy's
 * copy of every byte competes with the stand-in building the answer and the client reading it.
 */
function streamRowOf(id: string, title: string, pinned: boolean): Row {
  return {
    id,
    title,
    estimate: '1.5-3 min',
    async run(o: RowOptions) {
      const rounds = o.quick ? 1 : 5;
      const records = o.quick ? 500 : 2000;
      const perRecord = 100 * 1024;
      // Each transfer starts with a full collection in the stand-in: building a 200 MB answer on the
      // garbage of the one before made the same build take 0.9 to 2.1 s from one transfer to the next.
      const standin = await startStandinProcess({ exposeGc: true });
      const home = await makeHome(standin);
      const transfers: Transfer[] = [];
      let idleRss = 0;
      let peak = 0;
      let bareIdleRss = 0;
      let barePeak = 0;
      let split = '';
      try {
        await seed(standin, records, perRecord, o.log);
        const [k] = await home.addKeys([{ name: 'bench-stream', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name', 'comment', 'ref'] }] }]);
        const proxy = await startServeProcess(home);
        const bare = await startBareProxy(standin.url);
        let restore: (() => void) | undefined;
        try {
          if (pinned) {
            const pinning = pinProxiesApart(id, [proxy.pid, bare.pid], [standin.pid]);
            split = pinning.split;
            restore = pinning.restore;
            o.log(split);
          }
          const direct: Credentials = { db: standin.db, uid: standin.integration.uid, key: standin.integration.apiKey };
          const viaProxy: Credentials = { ...direct, key: k!.token };
          const spec = (p: 'xmlrpc' | 'json2', c: Credentials): RequestSpec =>
            p === 'xmlrpc'
              ? xmlrpcCall(c, 'res.partner', 'search_read', [[['ref', '=', REF]]], { fields: ['name', 'comment'], order: 'id' })
              : json2Call(c, 'res.partner', 'search_read', { domain: [['ref', '=', REF]], fields: ['name', 'comment'], order: 'id' });
          // A small call first, so the proxy has its schema and its code is loaded: the idle baseline.
          await sendOnce(proxy.url, xmlrpcCall(viaProxy, 'res.partner', 'search_read', [[['id', '=', 3]]], { fields: ['name'] }));
          idleRss = rssBytes(proxy.pid);
          await sendOnce(bare.url, xmlrpcCall(direct, 'res.partner', 'search_read', [[['id', '=', 3]]], { fields: ['name'] }));
          bareIdleRss = rssBytes(bare.pid);
          for (const protocol of o.quick ? (['xmlrpc'] as const) : (['xmlrpc', 'json2'] as const)) {
            for (let r = 0; r < rounds; r++) {
              const load = loadNow();
              const runDirect = async () => {
                await standin.gc();
                return transfer(standin.url, spec(protocol, direct));
              };
              // A transfer through a proxy process, with its memory sampled and its CPU counted.
              const through = async (p: { pid: number; url: string }, creds: typeof direct) => {
                await standin.gc();
                const sampler = sampleRss(p.pid, 10);
                const c0 = cpuMs(p.pid);
                const t = await transfer(p.url, spec(protocol, creds));
                const m = sampler.stop();
                return { ...t, maxSampledRss: m.maxBytes, maxSampledAnon: m.maxAnonBytes, cpuMs: cpuMs(p.pid) - c0 };
              };
              const runProxy = () => through(proxy, viaProxy);
              const runBare = () => through(bare, direct);
              let d;
              let p;
              let b;
              if (r % 2 === 0) {
                d = await runDirect();
                p = await runProxy();
                b = await runBare();
              } else {
                b = await runBare();
                p = await runProxy();
                d = await runDirect();
              }
              if (d.status !== 200 || p.status !== 200) throw new Error(`large search_read failed: direct ${d.status}, proxy ${p.status}: ${p.head}`);
              if (d.bytes !== p.bytes) throw new Error(`the proxy passed ${p.bytes} bytes where Odoo sent ${d.bytes}`);
              transfers.push({ protocol, round: r, load, direct: { bytes: d.bytes, firstByteMs: d.firstByteMs, totalMs: d.totalMs }, proxy: { bytes: p.bytes, firstByteMs: p.firstByteMs, totalMs: p.totalMs, maxSampledRss: p.maxSampledRss, maxSampledAnon: p.maxSampledAnon, cpuMs: p.cpuMs }, bare: { bytes: b.bytes, firstByteMs: b.firstByteMs, totalMs: b.totalMs, maxSampledRss: b.maxSampledRss, maxSampledAnon: b.maxSampledAnon, cpuMs: b.cpuMs } });
              o.log(`stream ${protocol} round ${r + 1}: ${mb(d.bytes)}; direct ${d.totalMs.toFixed(0)} ms, proxy ${p.totalMs.toFixed(0)} ms (ratio ${(p.totalMs / d.totalMs).toFixed(2)}), bare ${b.totalMs.toFixed(0)} ms; CPU proxy ${p.cpuMs.toFixed(0)} ms, bare ${b.cpuMs.toFixed(0)} ms; RSS max proxy ${mb(p.maxSampledRss)}, bare ${mb(b.maxSampledRss)}; load ${load}`);
            }
          }
          peak = peakRssBytes(proxy.pid);
          barePeak = peakRssBytes(bare.pid);
        } finally {
          restore?.();
          await bare.stop();
          await proxy.stop();
        }
      } finally {
        await standin.stop();
        home.remove();
      }
      const rows = (['xmlrpc', 'json2'] as const)
        .map((protocol) => {
          const ts = transfers.filter((t) => t.protocol === protocol);
          if (!ts.length) return null;
          return [
            protocol === 'xmlrpc' ? 'XML-RPC' : 'JSON-2',
            mb(ts[0]!.direct.bytes),
            `${ms(median(ts.map((t) => t.direct.firstByteMs)))} / ${ms(median(ts.map((t) => t.proxy.firstByteMs)))}`,
            `${ms(median(ts.map((t) => t.direct.totalMs)))} / ${ms(median(ts.map((t) => t.proxy.totalMs)))}`,
            ratio(median(ts.map((t) => t.proxy.totalMs / t.direct.totalMs))),
            `${ms(median(ts.map((t) => t.direct.totalMs - t.direct.firstByteMs)))} / ${ms(median(ts.map((t) => t.proxy.totalMs - t.proxy.firstByteMs)))}`,
            `${ms(median(ts.map((t) => t.bare.totalMs)))} (${ratio(median(ts.map((t) => t.bare.totalMs / t.direct.totalMs)))})`,
            `${mb(Math.max(...ts.map((t) => t.proxy.maxSampledRss)))} / ${mb(Math.max(...ts.map((t) => t.bare.maxSampledRss)))}`,
            `${mb(Math.max(...ts.map((t) => t.proxy.maxSampledAnon)))} / ${mb(Math.max(...ts.map((t) => t.bare.maxSampledAnon)))}`,
            `${ms(median(ts.map((t) => t.proxy.cpuMs)))} / ${ms(median(ts.map((t) => t.bare.cpuMs)))}`,
          ];
        })
        .filter((r): r is string[] => r !== null);
      const markdown = [
        `${split}${records} partners with ${perRecord / 1024} KB of notes each, read with one search_read (fields name, comment); ${rounds} round(s) per protocol, direct and proxied alternating; medians; ratio paired within a round. The stand-in, like Odoo, builds the whole answer before its first byte; before each transfer it runs a full garbage collection (not timed), so every build starts from the same heap.`,
        '',
        table(['protocol', 'answer', 'first byte direct / proxy', 'last byte direct / proxy', 'time ratio proxy/direct', 'first to last byte direct / proxy', 'bare Node proxy, last byte (ratio)', 'RSS max sampled: proxy / bare', 'of which private (RssAnon): proxy / bare', 'CPU per transfer: proxy / bare'], rows),
        '',
        `odoo-keys serve (bin/run.js, as users run it): RSS ${mb(idleRss)} before the transfers, peak (VmHWM, whole life of the process) ${mb(peak)}. Bare Node pass-through proxy (bench/lib/bare-proxy.ts, the floor): ${mb(bareIdleRss)} before, peak ${mb(barePeak)}. RSS counts the node binary and libraries mapped from disk (about 40 MB, shared by every Node process); the private part is what the process itself allocated (heap, buffers, stacks).`,
      ].join('\n');
      return { markdown, data: { records, perRecord, idleRss, peak, bareIdleRss, barePeak, transfers, pinned } };
    },
  };
}

export const streamRow = streamRowOf('stream', 'Large answer streamed (search_read of about 200 MB)', false);
export const streamPinnedRow = streamRowOf('stream-pinned', 'Large answer streamed (search_read of about 200 MB), the proxy on a CPU of its own', true);
