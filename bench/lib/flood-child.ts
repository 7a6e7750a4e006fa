// A flood of bad keys, in its own process so it does not share the valid clients' event loop:
// XML-RPC execute_kw calls, each with one of `keys` distinct well-formed but unknown odk_ keys,
// sent at `rate` per second from several source addresses (127.0.0.2, 127.0.0.3, ...), for
// `durationMs`. Reports how the proxy answered over IPC.

import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { encodeMethodCall } from '../../src/rpc/xmlrpc.js';

export interface FloodConfig {
  url: string;
  db: string;
  rate: number;
  keys: number;
  addresses: number;
  durationMs: number;
  maxInFlight: number;
}

export interface FloodReport {
  sent: number;
  skipped: number;
  answers: Record<string, number>;
  elapsedMs: number;
}

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function badToken(): string {
  const secret = Array.from(randomBytes(43), (b) => B62[b % 62]).join('');
  return `odk_${randomBytes(4).toString('hex')}_${secret}`;
}

async function main(): Promise<void> {
  const c = JSON.parse(process.argv[2]!) as FloodConfig;
  const u = new URL(c.url);
  const bodies = Array.from({ length: c.keys }, () => Buffer.from(encodeMethodCall('execute_kw', [c.db, 7, badToken(), 'res.partner', 'search_read', [[]], { fields: ['name'], limit: 10 }])));
  const sources = Array.from({ length: c.addresses }, (_, i) => ({ addr: `127.0.0.${2 + i}`, agent: new http.Agent({ keepAlive: true, maxSockets: 8 }) }));
  const answers: Record<string, number> = {};
  let sent = 0;
  let skipped = 0;
  let inFlight = 0;
  const count = (k: string): void => void (answers[k] = (answers[k] ?? 0) + 1);
  const fire = (i: number): void => {
    const src = sources[i % sources.length]!;
    const body = bodies[i % bodies.length]!;
    inFlight++;
    const req = http.request({ hostname: u.hostname, port: u.port, method: 'POST', path: '/xmlrpc/2/object', localAddress: src.addr, agent: src.agent, headers: { 'Content-Type': 'text/xml', 'Content-Length': String(body.length) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        inFlight--;
        count(res.statusCode !== 200 ? `HTTP ${res.statusCode}` : text.includes('too many failed attempts') ? 'throttled' : text.includes('invalid key') ? 'invalid key' : text.includes('<fault>') ? 'other fault' : 'ANSWERED');
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      inFlight--;
      count(e.code ?? 'error');
    });
    req.end(body);
  };
  const t0 = performance.now();
  // Open loop: the schedule does not wait for answers (an attacker does not either).
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = performance.now() - t0;
      if (elapsed >= c.durationMs) {
        clearInterval(tick);
        resolve();
        return;
      }
      const due = Math.floor((elapsed / 1000) * c.rate);
      while (sent + skipped < due) {
        if (inFlight >= c.maxInFlight) skipped++;
        else fire(sent++);
      }
    }, 5);
  });
  const deadline = performance.now() + 5000;
  while (inFlight > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const report: FloodReport = { sent, skipped, answers, elapsedMs: performance.now() - t0 };
  process.send!(report, () => process.exit(0));
}

main().catch((e: unknown) => {
  process.stderr.write(`flood failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
