// A flood of bad keys, in its own process so it does not share the valid clients' event loop:
// XML-RPC execute_kw calls, each with one of `keys` distinct well-formed but unknown odk_ keys,
// sent at `rate` per second from several source addresses (127.0.0.2, 127.0.0.3, ...), for
// `durationMs`. Reports how the proxy answered over IPC.
//
// On raw keep-alive sockets with requests built once, not node:http: the flood shares the 2 cores
// with the proxy and the valid clients, and node:http's client cost about 0.38 ms of CPU per call,
// three times what the proxy spends refusing it. A real attacker's CPU is on another machine; the
// less of it the generator takes here, the more the figure shows what the flood costs the proxy.

import net from 'node:net';
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
  const port = Number(u.port);
  const requests = Array.from({ length: c.keys }, () => {
    const body = Buffer.from(encodeMethodCall('execute_kw', [c.db, 7, badToken(), 'res.partner', 'search_read', [[]], { fields: ['name'], limit: 10 }]));
    const head = `POST /xmlrpc/2/object HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: text/xml\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`;
    return Buffer.concat([Buffer.from(head, 'latin1'), body]);
  });
  const answers: Record<string, number> = {};
  let sent = 0;
  let skipped = 0;
  let inFlight = 0;
  const count = (k: string): void => void (answers[k] = (answers[k] ?? 0) + 1);

  // As node:http's keep-alive Agent with maxSockets 8 would: up to 8 connections per address,
  // one request at a time on each, the rest waiting in the address's queue.
  interface Conn {
    socket: net.Socket;
    busy: boolean;
    buf: Buffer;
  }
  interface Source {
    addr: string;
    conns: Conn[];
    waiting: Buffer[];
  }
  const MAX_SOCKETS = 8;
  const sources: Source[] = Array.from({ length: c.addresses }, (_, i) => ({ addr: `127.0.0.${2 + i}`, conns: [], waiting: [] }));

  const send = (src: Source, conn: Conn, req: Buffer): void => {
    conn.busy = true;
    conn.socket.write(req);
  };
  const next = (src: Source, conn: Conn): void => {
    conn.busy = false;
    const req = src.waiting.shift();
    if (req) send(src, conn, req);
  };
  const drop = (src: Source, conn: Conn, why: string): void => {
    const i = src.conns.indexOf(conn);
    if (i < 0) return;
    src.conns.splice(i, 1);
    if (conn.busy) {
      inFlight--;
      count(why);
    }
    conn.socket.destroy();
    // Requests waiting for this address get a fresh connection.
    const req = src.waiting.shift();
    if (req) open(src, req);
  };
  const open = (src: Source, req: Buffer): void => {
    const socket = net.connect({ host: u.hostname, port, localAddress: src.addr });
    socket.setNoDelay(true);
    const conn: Conn = { socket, busy: false, buf: Buffer.alloc(0) };
    src.conns.push(conn);
    send(src, conn, req);
    socket.on('data', (chunk: Buffer) => {
      conn.buf = conn.buf.length ? Buffer.concat([conn.buf, chunk]) : chunk;
      for (;;) {
        const end = conn.buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = conn.buf.toString('latin1', 0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
        if (!Number.isFinite(length)) return drop(src, conn, 'no content-length');
        if (conn.buf.length < end + 4 + length) return;
        const status = Number(head.slice(9, 12));
        const text = conn.buf.toString('utf8', end + 4, end + 4 + length);
        conn.buf = conn.buf.subarray(end + 4 + length);
        inFlight--;
        conn.busy = false;
        count(status !== 200 ? `HTTP ${status}` : text.includes('too many failed attempts') ? 'throttled' : text.includes('invalid key') ? 'invalid key' : text.includes('<fault>') ? 'other fault' : 'ANSWERED');
        if (/\r\nconnection: *close/i.test(head)) return drop(src, conn, 'closed');
        next(src, conn);
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => drop(src, conn, e.code ?? 'error'));
    socket.on('close', () => drop(src, conn, 'closed mid-answer'));
  };
  const fire = (i: number): void => {
    const src = sources[i % sources.length]!;
    const req = requests[i % requests.length]!;
    inFlight++;
    const idle = src.conns.find((k) => !k.busy);
    if (idle) send(src, idle, req);
    else if (src.conns.length < MAX_SOCKETS) open(src, req);
    else src.waiting.push(req);
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
  for (const src of sources) for (const k of src.conns) k.socket.destroy();
  const report: FloodReport = { sent, skipped, answers, elapsedMs: performance.now() - t0 };
  process.send!(report, () => process.exit(0));
}

main().catch((e: unknown) => {
  process.stderr.write(`flood failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
