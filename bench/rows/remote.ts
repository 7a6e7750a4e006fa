// A remote Odoo (Odoo Online, Odoo.sh, a server in another data centre): small calls over a link
// with a round trip of RTT_MS, TLS ended by a front server (lib/remote-child.ts), the client next
// to the proxy. Odoo closes every connection after its answer, so a client going to it directly
// pays a TCP connect and a TLS handshake, one round trip each, on every call; the proxy keeps its
// clients' connections open, and with preconnect (the default for https) has the next call's
// connection to Odoo made during the answer before. Direct, proxy without and with preconnect,
// alternating rounds.

import { execFileSync, fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStandinProcess, type StandinProcess } from '../lib/standin.js';
import { makeHome, startProxyProcess, type ProxyProcess, type BenchHome } from '../lib/proxy.js';
import { smallCall, FIELDS } from '../lib/calls.js';
import { runLoad } from '../lib/load.js';
import { loadNow } from '../lib/machine.js';
import { median, ms, num, ratio, table } from '../lib/stats.js';
import type { Row, RowOptions } from '../lib/row.js';

const RTT_MS = 20;
const REMOTE = fileURLToPath(new URL('../lib/remote-child.js', import.meta.url));

type Side = 'direct' | 'proxy' | 'preconnect';
interface Measure {
  p50: number;
  p99: number;
  rps: number;
  errors: number;
}

async function startRemote(standin: StandinProcess, dir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(REMOTE, [JSON.stringify({ upstream: standin.url, rttMs: RTT_MS, key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem') })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`the remote Odoo exited (${code})`)));
  });
  return { url: `https://localhost:${port}`, child };
}

async function proxyFor(standin: StandinProcess, url: string, preconnect: boolean, caFile: string): Promise<{ home: BenchHome; proxy: ProxyProcess; token: string }> {
  const home = await makeHome({ ...standin, url });
  await home.store.update((reg) => {
    reg.profiles[home.profile]!.preconnect = preconnect;
  });
  const [k] = await home.addKeys([{ name: 'bench-remote', rules: [{ model: 'res.partner', methods: ['read'], fields: FIELDS }] }]);
  const proxy = await startProxyProcess(home, { journal: true, env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile } });
  return { home, proxy, token: k!.token };
}

export const remoteRow: Row = {
  id: 'remote',
  title: `A remote Odoo: ${RTT_MS} ms round trip, TLS, Connection: close; direct vs the proxy without and with preconnect`,
  estimate: '1.5 min',
  async run(o: RowOptions) {
    if (spawnSync('openssl', ['version']).status !== 0) return { markdown: 'Skipped: openssl is not installed (`apt-get install openssl`).', data: null };
    const rounds = o.quick ? 1 : 3;
    const durationMs = o.quick ? 2000 : 4000;
    const dir = mkdtempSync(join(tmpdir(), 'odoo-keys-bench-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
    const ca = readFileSync(join(dir, 'cert.pem'));
    const standin = await startStandinProcess();
    const remote = await startRemote(standin, dir);
    const off = await proxyFor(standin, remote.url, false, join(dir, 'cert.pem'));
    const on = await proxyFor(standin, remote.url, true, join(dir, 'cert.pem'));
    const results: { clients: number; side: Side; m: Measure; load: string }[] = [];
    try {
      const direct = { db: standin.db, uid: standin.integration.uid, key: standin.integration.apiKey };
      const run = async (side: Side, clients: number): Promise<Measure> => {
        const via = side === 'direct' ? null : side === 'proxy' ? off : on;
        const spec = smallCall('xmlrpc', 'read', via ? { ...direct, key: via.token } : direct, 3);
        const r = await runLoad({ url: via ? via.proxy.url : remote.url, requests: [spec], concurrency: clients, durationMs, warmupMs: 500, ca });
        return { p50: r.p50, p99: r.p99, rps: r.rps, errors: r.errors };
      };
      const order: Side[] = ['direct', 'proxy', 'preconnect'];
      for (let r = 0; r < rounds; r++) {
        for (const clients of [1, 4]) {
          const load = loadNow();
          // Each round starts with another side, so none always runs first.
          for (let i = 0; i < order.length; i++) {
            const side = order[(i + r) % order.length]!;
            const m = await run(side, clients);
            results.push({ clients, side, m, load });
            o.log(`remote round ${r + 1}, ${clients} client(s), ${side}: p50 ${m.p50.toFixed(1)} ms, ${m.rps.toFixed(0)} calls/s, errors ${m.errors} | load ${load}`);
          }
        }
      }
    } finally {
      for (const p of [off, on]) {
        await p.proxy.stop();
        p.home.remove();
      }
      remote.child.kill();
      await standin.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    const rows: string[][] = [];
    for (const clients of [1, 4]) {
      const of = (side: Side, f: (m: Measure) => number): number => median(results.filter((x) => x.clients === clients && x.side === side).map((x) => f(x.m)));
      const d = of('direct', (m) => m.p50);
      for (const side of ['direct', 'proxy', 'preconnect'] as Side[]) {
        const label = side === 'direct' ? 'direct (a new TCP + TLS connection per call)' : side === 'proxy' ? 'odoo-keys, preconnect off' : 'odoo-keys, preconnect on (https default)';
        rows.push([side === 'direct' ? String(clients) : '', label, ms(of(side, (m) => m.p50)), side === 'direct' ? '' : ratio(of(side, (m) => m.p50) / d), ms(of(side, (m) => m.p99)), num(of(side, (m) => m.rps)), String(of(side, (m) => m.errors))]);
      }
    }
    const markdown = [
      `XML-RPC read of one partner, ${RTT_MS} ms round trip between the client's machine and Odoo (a relay adds half each way and the TCP handshake's round trip), TLS 1.3 ended by a front server, the stand-in answering \`Connection: close\` as Odoo. ${rounds} round(s) of ${durationMs / 1000} s per side, medians. The proxy runs on the client's machine (no delay between them) and journals every call.`,
      '',
      table(['clients', 'path', 'p50', 'p50 vs direct', 'p99', 'calls/s', 'errors'], rows),
    ].join('\n');
    return { markdown, data: results };
  },
};
