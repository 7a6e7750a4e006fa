// HTTP plumbing for the proxy: bodies read within a limit, the client's address, answers written.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { cidrContains, type Cidr } from '../policy/limits.js';

export class BodyTooLarge extends Error {
  constructor(
    readonly limit: number,
    /** Bytes of the body read (and dropped) before it was refused. */
    readonly received = 0,
  ) {
    super(`request body is larger than ${limit} bytes`);
    this.name = 'BodyTooLarge';
  }
}

/**
 * A request body that could not be read whole: the client went away mid-body, or its chunked
 * framing was broken. The message is a sentence for the journal; Node's own text ("aborted",
 * "Parse Error: Invalid character in chunk size") is the cause.
 */
export class BodyUnreadable extends Error {
  constructor(cause: unknown) {
    super(bodyFailure(cause), { cause });
    this.name = 'BodyUnreadable';
  }
}

function bodyFailure(e: unknown): string {
  const err = e as NodeJS.ErrnoException | undefined;
  const code = typeof err?.code === 'string' ? err.code : '';
  const text = err instanceof Error ? err.message : String(e);
  // HPE_INVALID_EOF_STATE: the client half-closed (FIN) before the body's end.
  if (code === 'ECONNRESET' || code === 'HPE_INVALID_EOF_STATE' || text === 'aborted') return 'the client closed the connection before its request body was complete';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'the request body did not arrive within the request timeout';
  if (code.startsWith('HPE_')) {
    const detail = text.replace(/^Parse Error:?\s*/i, '') || code;
    return `the request body's HTTP framing is broken (${detail.charAt(0).toLowerCase()}${detail.slice(1)}); it was not read`;
  }
  return `the request body could not be read (${code || text})`;
}

/**
 * Reads a request body, refusing it as soon as it passes `limit` (before it is read whole when
 * Content-Length says so up front).
 */
export function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) {
        cleanup();
        req.resume(); // drain without keeping anything
        reject(new BodyTooLarge(limit, size));
        return;
      }
      chunks.push(c);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(new BodyUnreadable(e));
    };
    const onAborted = (): void => {
      cleanup();
      reject(new BodyUnreadable(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/**
 * Reads the rest of a refused body and drops it, up to `bound` more bytes: a client that sends its
 * whole body before reading (Python's xmlrpc.client, most HTTP libraries) gets a broken pipe, not
 * the answer, when the server closes on a body it has not read. True when the body ended; false
 * when it is (or says it is) longer than the bound, or the client went away: then the caller closes.
 * Nothing is kept, so the bound costs bandwidth and time (requestTimeout still applies), never memory.
 */
export function discardBody(req: IncomingMessage, alreadyRead: number, bound: number): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared - alreadyRead > bound) return Promise.resolve(false);
  return new Promise((resolve) => {
    let dropped = 0;
    const done = (ended: boolean): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onFailed);
      req.off('aborted', onFailed);
      req.off('close', onFailed);
      resolve(ended);
    };
    const onData = (c: Buffer): void => {
      dropped += c.length;
      if (dropped > bound) {
        req.pause();
        done(false);
      }
    };
    const onEnd = (): void => done(true);
    const onFailed = (): void => done(req.complete);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onFailed);
    req.on('aborted', onFailed);
    req.on('close', onFailed);
    req.resume();
  });
}

/** Parses `--max-body 10mb` style sizes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not a size (use e.g. 512kb, 10mb)`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult = unit.startsWith('g') ? 1024 ** 3 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('k') ? 1024 : 1;
  return Math.floor(Number(m[1]) * mult);
}

/** Normalises an address: IPv4-mapped IPv6 (::ffff:1.2.3.4) becomes plain IPv4. */
export function normalizeIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : ip;
}

/**
 * Where a reverse proxy in front of odoo-keys usually sits: the machine itself and private
 * networks (a container bridge, a cluster). Only such peers are believed about X-Forwarded-For
 * unless --trust-proxy-from names others: a client that reaches the port directly from anywhere
 * else cannot choose its address.
 */
export const DEFAULT_TRUSTED_PROXIES: readonly string[] = ['127.0.0.0/8', '::1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

/** Who is believed about X-Forwarded-For, and how many hops of it. */
export interface ProxyTrust {
  hops: number;
  from: readonly Cidr[];
}

/**
 * The client's address. With `hops` > 0 the proxy sits behind that many trusted reverse
 * proxies, each appending to X-Forwarded-For; the address they saw is taken from the right, so a
 * client cannot choose its address by sending the header itself. The header counts only when it
 * comes from a trusted peer (`from`).
 */
export function clientAddress(req: IncomingMessage, trust: ProxyTrust): string {
  const socketIp = normalizeIp(req.socket.remoteAddress ?? '');
  if (trust.hops <= 0) return socketIp;
  const header = req.headers['x-forwarded-for'];
  if (header === undefined || !trust.from.some((c) => cidrContains(c, socketIp))) return socketIp;
  const list = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const candidate = list[list.length - trust.hops];
  const address = candidate === undefined ? undefined : withoutPort(candidate);
  if (address && isIP(normalizeIp(address))) return normalizeIp(address);
  return socketIp;
}

/**
 * Some reverse proxies (Azure Application Gateway, IIS ARR) append `1.2.3.4:5678` or
 * `[2001:db8::1]:443`: without the port the entry is the client's address. Left as it was, it
 * failed isIP and every client was counted as the reverse proxy itself (one lockout for all).
 */
function withoutPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  return v4 ? v4[1]! : entry;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export function writeAnswer(res: ServerResponse, a: Answer): number {
  const body = typeof a.body === 'string' ? Buffer.from(a.body) : a.body;
  if (!res.headersSent) {
    res.writeHead(a.status, { ...a.headers, 'Content-Length': String(body.length) });
  }
  res.end(body);
  return body.length;
}
