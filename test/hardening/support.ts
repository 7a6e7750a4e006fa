// Shared by the hardening tests and the soak script: raw sockets (for what fetch will not send),
// an upstream that misbehaves on demand in front of the stand-in, and resource probes.

import net from 'node:net';
import http from 'node:http';
import { readdirSync, readlinkSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startHarness, type Harness, type HarnessOptions } from '../support/proxy-harness.js';
import { decodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { parseJson } from '../../src/rpc/json.js';
import { isStruct } from '../../src/rpc/values.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` passes or `ms` elapse; returns whether it passed. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000, every = 50): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(every);
  }
  return check();
}

export interface RawResult {
  /** Everything the server sent before closing (or before `ms` elapsed). */
  text: string;
  status: number | null;
  /** The server closed the connection (rather than the guard running out). */
  closed: boolean;
  /** Bytes the client managed to write before the server stopped it (or the script ended). */
  written: number;
}

/**
 * Opens a raw TCP connection, runs `script` with a writer, and collects what the server answers
 * until it closes the connection or `guardMs` elapse (then the client closes it). The script may
 * keep writing for as long as it likes; writes after the server closed are dropped.
 */
export function rawExchange(port: number, script: (io: { write: (data: string | Buffer) => boolean; closed: () => boolean; drain: () => Promise<void> }) => Promise<void> | void, guardMs = 20_000): Promise<RawResult> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    let written = 0;
    let done = false;
    const finish = (byServer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(guard);
      closed = byServer;
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : null, closed: byServer, written });
    };
    const guard = setTimeout(() => finish(false), guardMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      const io = {
        write: (data: string | Buffer): boolean => {
          if (closed || done || socket.destroyed) return false;
          const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
          written += b.length;
          return socket.write(b);
        },
        closed: () => done || socket.destroyed,
        drain: () =>
          new Promise<void>((r) => {
            if (done || socket.destroyed || !socket.writableNeedDrain) return r();
            const t = setInterval(() => {
              if (done || socket.destroyed || !socket.writableNeedDrain) {
                clearInterval(t);
                r();
              }
            }, 5);
          }),
      };
      Promise.resolve(script(io)).catch(() => undefined);
    });
  });
}

/** A complete request, written by hand (headers exactly as given). */
export function rawRequest(method: string, path: string, headers: Record<string, string>, body: string | Buffer = ''): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (!Object.keys(headers).some((k) => /^(content-length|transfer-encoding)$/i.test(k))) lines.push(`Content-Length: ${b.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), b]);
}

// ---------------------------------------------------------------------------------------------
// An upstream that misbehaves on demand: it stands where Odoo is and passes requests through to
// the stand-in, except when a fault is armed.

export type UpstreamFault =
  /** Accept the request and never answer. */
  | 'hang'
  /** Answer the status line and headers, part of the body, then go silent (connection kept open). */
  | 'stallMidBody'
  /** Answer status and headers, then nothing, connection kept open. */
  | 'stallAfterHeaders'
  /** Something that is not HTTP at all, then close. */
  | 'notHttp'
  /** Close the connection as soon as the request arrived, without a byte. */
  | 'closeAtOnce'
  /** Status and headers, a chunk, then a TCP reset. */
  | 'resetMidBody'
  /** 200 with an answer that never ends, as fast as the reader takes it. */
  | 'endless'
  /** Pass the request on to Odoo, wait for its answer, then close the connection without a byte (a reverse proxy dying mid-call). */
  | 'passThenDrop'
  /** Status and headers of a chunked answer and a chunk-size line that is not one, in a single write (one read at the proxy). */
  | 'badChunk';

export interface FaultyUpstream {
  url: string;
  port: number;
  /** Arms a fault for the next `times` requests that match `when` (default: any object call). */
  arm(fault: UpstreamFault, times?: number, when?: (path: string, body: string) => boolean): void;
  disarm(): void;
  /** Requests that hit an armed fault. */
  faulted: number;
  /** Connections currently open toward this upstream (from the proxy). */
  openConnections(): number;
  /** Bytes sent by 'endless' answers so far. */
  endlessBytes: number;
  close(): Promise<void>;
}

/** A call a client made, not the proxy's own bookkeeping (version, authenticate, fields_get). */
export function isClientCall(path: string, body: string): boolean {
  return !/fields_get|<methodName>(version|authenticate|login)<|"method": ?"(version|authenticate|login)"/.test(`${path}\n${body}`);
}

/**
 * `keepAlive`: keep connections to the proxy open between answers, as a reverse proxy in front of
 * Odoo does (Odoo itself, and so the stand-in, close each), so the proxy reuses them.
 */
export async function startFaultyUpstream(target: string, opts: { keepAlive?: boolean } = {}): Promise<FaultyUpstream> {
  const to = new URL(target);
  const sockets = new Set<net.Socket>();
  let armed: { fault: UpstreamFault; times: number; when: (path: string, body: string) => boolean } | null = null;
  const state = { faulted: 0, endlessBytes: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      if (armed && armed.times > 0 && armed.when(path, body.toString('utf8'))) {
        armed.times--;
        state.faulted++;
        return misbehave(armed.fault, req, res, body);
      }
      passOn(req, res, body);
    });
  });
  const passOn = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, then?: (answer: Buffer) => void): void => {
    const up = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url ?? '/', headers: req.headers }, (r) => {
      if (then) {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => then(Buffer.concat(chunks)));
        return;
      }
      const headers = { ...r.headers };
      if (opts.keepAlive) delete headers.connection;
      res.writeHead(r.statusCode ?? 502, headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    up.end(body);
  };
  const misbehave = (fault: UpstreamFault, req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void => {
    const socket = req.socket;
    switch (fault) {
      case 'passThenDrop':
        return passOn(req, res, body, () => socket.destroy());
      case 'hang':
        return;
      case 'stallAfterHeaders':
        res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': '100000' });
        res.flushHeaders();
        return;
      case 'stallMidBody':
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': '100000' });
        res.write('{"jsonrpc": "2.0", "id": 1, "result": [');
        return;
      case 'notHttp':
        socket.end('SSH-2.0-OpenSSH_9.6\r\n\u0000\u0001garbage that is not HTTP\r\n');
        return;
      case 'closeAtOnce':
        socket.destroy();
        return;
      case 'badChunk':
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\nnot a size\r\n');
        return;
      case 'resetMidBody':
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': '100000' });
        res.write('{"jsonrpc": "2.0", "id": 1, "result": [1, 2, 3', () => socket.resetAndDestroy());
        return;
      case 'endless': {
        const type = /^\/json\/2\//.test(req.url ?? '') || /^\/jsonrpc/.test(req.url ?? '') ? 'application/json; charset=utf-8' : 'text/xml; charset=utf-8';
        res.writeHead(200, { 'Content-Type': type });
        const block = Buffer.alloc(64 * 1024, 0x20);
        const pump = (): void => {
          while (!res.destroyed) {
            state.endlessBytes += block.length;
            if (!res.write(block)) {
              res.once('drain', pump);
              return;
            }
          }
        };
        res.on('close', () => undefined);
        pump();
        return;
      }
    }
  };
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    arm(fault, times = 1, when = isClientCall) {
      armed = { fault, times, when };
    },
    disarm() {
      armed = null;
    },
    get faulted() {
      return state.faulted;
    },
    get endlessBytes() {
      return state.endlessBytes;
    },
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Resource probes (Linux /proc; other systems report what they can).

/** Resident memory of a process in bytes (this one by default). */
export function rssBytes(pid: number | 'self' = 'self'): number {
  if (pid === 'self') return process.memoryUsage().rss;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Open file descriptors of a process, and how many of them are sockets. */
export function fdCounts(pid: number | 'self' = 'self'): { fds: number; sockets: number } {
  const dir = `/proc/${pid}/fd`;
  let fds = 0;
  let sockets = 0;
  for (const name of readdirSync(dir)) {
    let target = '';
    try {
      target = readlinkSync(`${dir}/${name}`);
    } catch {
      continue; // closed between readdir and readlink
    }
    fds++;
    if (target.startsWith('socket:')) sockets++;
  }
  return { fds, sockets };
}

let gcFn: (() => void) | undefined;
/** Runs a full garbage collection (V8's gc made callable at run time), so memory figures mean something. */
export function collectGarbage(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

// ---------------------------------------------------------------------------------------------
// The proxy harness of test/support with the faulty upstream between the proxy and the stand-in.

export type FaultyHarness = Harness<FaultyUpstream>;

export function startFaultyHarness(opts: Omit<HarnessOptions, 'upstream'> & { keepAlive?: boolean } = {}): Promise<FaultyHarness> {
  const { keepAlive, ...rest } = opts;
  return startHarness({ ...rest, upstream: (standin) => startFaultyUpstream(standin.url, { keepAlive }) });
}

// ---------------------------------------------------------------------------------------------
// Answers: what an error said, in each protocol's shape.


export type Proto = 'xmlrpc' | 'jsonrpc' | 'json2';

/**
 * The message of an error answer in the protocol's own shape (XML-RPC fault, JSON-RPC error
 * object, JSON-2 error body), or null when the answer is not an error in that shape.
 */
export function errorMessage(proto: Proto, status: number, text: string): string | null {
  try {
    if (proto === 'xmlrpc') {
      if (status !== 200) return null;
      const r = decodeMethodResponse(text);
      return r.kind === 'fault' ? `${String(r.faultCode)} ${String(r.faultString)}` : null;
    }
    const v = parseJson(text);
    if (proto === 'jsonrpc') {
      if (status !== 200 || !isStruct(v) || !isStruct(v.error) || !isStruct(v.error.data)) return null;
      return String(v.error.data.message);
    }
    if (status < 400 || !isStruct(v) || typeof v.message !== 'string' || typeof v.name !== 'string') return null;
    return v.message;
  } catch {
    return null;
  }
}
