// The HTTP(S) server: routes Odoo's RPC paths to the pipeline, refuses everything else, and
// bounds what a client can hold (body size, header size, slow senders, idle sockets).

import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { matchJson2Path, matchXmlRpcPath, type Protocol } from '../rpc/call.js';
import { json2ErrorAnswer, odooErrors, werkzeugHtmlAnswer } from '../rpc/errors.js';
import { BodyTooLarge, BodyUnreadable, clientAddress, DEFAULT_TRUSTED_PROXIES, discardBody, normalizeIp, readRequestBody, writeAnswer, type ProxyTrust } from './http.js';
import { cidrContains, parseCidr } from '../policy/limits.js';
import type { ProxyCore } from './core.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

export interface ServerOptions {
  /** Trusted reverse proxies in front (X-Forwarded-For hops to believe). */
  trustProxyHops: number;
  /** Addresses (CIDR) of those reverse proxies; default DEFAULT_TRUSTED_PROXIES. */
  trustProxyFrom?: readonly string[];
  /** Serve GET /metrics (key ids, profile names and counts, to whoever reaches the port): off unless asked. */
  metrics?: boolean;
  maxBodyBytes: number;
  /**
   * How much more of a body over maxBodyBytes is read and dropped so that the client, still
   * sending, can read the refusal; past it the connection is closed. Never held in memory.
   */
  drainBytes?: number;
  /** Whole request (headers and body) must arrive within this time. */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxHeaderBytes: number;
  /**
   * Client connections open at once. Leaves file descriptors for what the proxy itself must open:
   * Odoo, the journal, keys.yaml (see connectionsWithin). Past it, HEALTH_RESERVE more connections
   * are kept for /healthz and /metrics (calls on them get a 503); past those, new ones are closed.
   */
  maxConnections?: number;
  tls?: { cert: Buffer; key: Buffer };
}

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  trustProxyHops: 0,
  maxBodyBytes: 10 * 1024 * 1024,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
};

export interface HealthReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface ServerDeps {
  core: ProxyCore;
  log: Logger;
  metrics: Metrics;
  health: () => Promise<HealthReport>;
  /** Extra gauges for /metrics. */
  gauges?: () => Record<string, number>;
  /** Extra counters for /metrics. */
  counters?: () => Record<string, number>;
}

const PLAIN = { 'Content-Type': 'text/plain; charset=utf-8' };

/** The HTTP parse error that ended a connection mid-body, by socket (set by the clientError handler). */
const framingErrors = new WeakMap<net.Socket, Error>();

/**
 * Connections accepted past --max-connections for health checks and /metrics: a liveness probe that
 * could not get in while clients held every connection would have a busy proxy restarted, dropping
 * every call in flight. Counted in connectionsWithin's budget.
 */
export const HEALTH_RESERVE = 8;

export function createProxyServer(deps: ServerDeps, opts: ServerOptions): http.Server {
  const addresses = clientAddresses(deps, opts);
  const serverOpts: http.ServerOptions = {
    requestTimeout: opts.requestTimeoutMs,
    headersTimeout: opts.headersTimeoutMs,
    keepAliveTimeout: opts.keepAliveTimeoutMs,
    maxHeaderSize: opts.maxHeaderBytes,
    // Node checks the two timeouts above only this often (30 s by default), so a slow sender
    // held its socket for up to 30 s past them; check about four times per header timeout.
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(Math.min(opts.headersTimeoutMs, opts.requestTimeoutMs) / 4))),
  };
  let overLimit: (req: http.IncomingMessage) => boolean = () => false;
  const routeOverLimit = overLimitRouter(deps, opts, addresses);
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    (overLimit(req) ? routeOverLimit(req, res) : route(deps, opts, addresses, req, res)).catch((err: unknown) => {
      deps.log.error('request failed', { error: err instanceof Error ? err.message : String(err), path: safePath(req.url) });
      if (!res.headersSent) writeAnswer(res, { status: 500, headers: PLAIN, body: 'odoo-keys: internal error\n' });
      else res.destroy();
    });
  };
  // A TLS handshake gets the header timeout too (Node's default is 120 s), so a client that
  // connects and never finishes one cannot hold a connection long.
  const server = opts.tls ? https.createServer({ ...serverOpts, handshakeTimeout: opts.headersTimeoutMs, cert: opts.tls.cert, key: opts.tls.key }, handler) : http.createServer(serverOpts, handler);
  if (opts.maxConnections !== undefined) overLimit = limitConnections(server, deps, opts.maxConnections);
  if (!opts.tls) closeSilentConnections(server, opts.headersTimeoutMs);
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // A body's broken framing comes here first; the request then only sees 'aborted'. Kept so
    // that its journal line says what was wrong (route, BodyUnreadable).
    if (err.code?.startsWith('HPE_')) framingErrors.set(socket as net.Socket, err);
    // Oversized headers, malformed requests, timeouts: answer if the socket still can, then close.
    if (socket.writable && !(socket as { _httpMessage?: unknown })._httpMessage) {
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      // end() only half-closes (an HTTP server allows half-open sockets): the client gets the time
      // to read the answer, not forever. One that never reads nor closes held the socket, and a
      // slot of --max-connections, for good.
      const linger = setTimeout(() => socket.destroy(), opts.headersTimeoutMs);
      linger.unref();
      socket.once('close', () => clearTimeout(linger));
    } else {
      socket.destroy();
    }
  });
  return server;
}

/**
 * Closes a plain connection on which no request has begun within the header timeout: Node starts
 * that timeout at a request's first byte, so a client that connected and sent nothing held its
 * socket, and a slot of --max-connections or of the health reserve, for good. (Over TLS, Node
 * already times out a connection silent after its handshake; the handshake has handshakeTimeout.)
 * One timer per connection, nothing per call.
 */
function closeSilentConnections(server: http.Server, ms: number): void {
  server.on('connection', (socket: net.Socket) => {
    const timer = setTimeout(() => {
      if (socket.bytesRead === 0) socket.destroy();
    }, ms);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
}

/**
 * Counts client connections (TCP, before any TLS handshake) and says which requests came on one
 * accepted past `max`: those are in the health reserve. Past the reserve, new connections are
 * closed at once.
 */
export function limitConnections(server: Pick<http.Server, 'on'>, deps: Pick<ServerDeps, 'log' | 'metrics'>, max: number): (req: http.IncomingMessage) => boolean {
  let open = 0;
  // A TLS request's socket is not the TCP socket counted here; the peer's address and port name
  // the connection in both.
  // Counted, not a set: a peer whose connection was reset can come back on the same port before
  // the old socket's 'close' is seen, and that close must not take the new one out of the reserve.
  const reserved = new Map<string, number>();
  const peer = (s: net.Socket): string => `${s.remoteAddress}|${s.remotePort}`;
  let warnedAt = -Infinity;
  const warn = (): void => {
    if (Date.now() - warnedAt < 60_000) return;
    warnedAt = Date.now();
    deps.log.warn(`connection limit reached: calls on new connections get a 503, and past ${HEALTH_RESERVE} more (kept for /healthz and /metrics) new connections are closed, until some end (--max-connections)`, { max });
  };
  server.on('connection', (socket: net.Socket) => {
    if (open >= max + HEALTH_RESERVE) {
      socket.destroy();
      deps.metrics.droppedConnections++;
      warn();
      return;
    }
    open++;
    const id = open > max ? peer(socket) : undefined;
    if (id === undefined) {
      socket.once('close', () => open--);
      return;
    }
    warn();
    reserved.set(id, (reserved.get(id) ?? 0) + 1);
    socket.once('close', () => {
      open--;
      const n = reserved.get(id)! - 1;
      if (n > 0) reserved.set(id, n);
      else reserved.delete(id);
    });
  });
  return (req) => reserved.size > 0 && reserved.has(peer(req.socket));
}

/**
 * A request on a connection of the health reserve: /healthz and /metrics are answered as usual,
 * anything else gets a 503 (the connection limit is reached) and the connection closes. An RPC
 * path gets it in its protocol's shape (an XML-RPC fault, a JSON-RPC error, a JSON-2 body), so a
 * client reports the reason rather than failing to parse a plain text; the reason is in the status
 * line too, since xmlrpc.client and urllib show only that for a status other than 200. The
 * answers are made once per protocol: the reserve must cost next to nothing.
 */
function overLimitRouter(deps: ServerDeps, opts: ServerOptions, addressOf: (req: http.IncomingMessage) => string): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
  const message = `odoo-keys: too many client connections open (--max-connections ${opts.maxConnections}); try again when one ends`;
  const answers = new Map<string, { headers: Record<string, string>; body: Buffer }>();
  const answerFor = (path: string): { headers: Record<string, string>; body: Buffer } => {
    const xml = matchXmlRpcPath(path);
    const protocol = rpcProtocolOf(path, xml);
    const key = `${protocol}|${xml?.legacy ?? false}`;
    let a = answers.get(key);
    if (!a) {
      const rpc = protocol ? deps.core.unavailableAnswer(protocol, xml?.legacy ?? false, message) : undefined;
      a = rpc ? { headers: rpc.headers, body: Buffer.from(rpc.body) } : { headers: PLAIN, body: Buffer.from(`${message}\n`) };
      answers.set(key, a);
    }
    return a;
  };
  return async (req, res) => {
    res.shouldKeepAlive = false;
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/healthz' || path === '/metrics') return route(deps, opts, addressOf, req, res);
    deps.metrics.overLimitCalls++;
    const a = answerFor(path);
    res.writeHead(503, message, { ...a.headers, 'Content-Length': String(a.body.length), 'Retry-After': '1', Connection: 'close' });
    res.write(a.body);
    // Read (and drop) the body first, as refuseTooLarge does: closing on unread bytes resets the
    // connection, and a client still sending (Python's xmlrpc.client) sees a broken pipe instead of
    // the answer. Up to --max-body (any body the proxy would carry); nothing kept, and the request
    // timeout bounds the time.
    await discardBody(req, 0, opts.maxBodyBytes);
    res.end();
  };
}

/** The RPC protocol a path speaks; undefined for any other path. */
function rpcProtocolOf(path: string, xml: ReturnType<typeof matchXmlRpcPath>): Protocol | undefined {
  return xml ? 'xmlrpc' : path === '/jsonrpc' ? 'jsonrpc' : path.startsWith('/json/2') ? 'json2' : undefined;
}

function safePath(url: string | undefined): string {
  return (url ?? '').slice(0, 200);
}

/** The client address of a request, X-Forwarded-For believed only from trusted reverse proxies. */
function clientAddresses(deps: ServerDeps, opts: ServerOptions): (req: http.IncomingMessage) => string {
  const trust: ProxyTrust = { hops: opts.trustProxyHops, from: (opts.trustProxyFrom ?? DEFAULT_TRUSTED_PROXIES).map((c) => parseCidr(c)) };
  // Said once per peer (up to a bound): a reverse proxy left out of --trust-proxy-from would
  // otherwise make every client look like it, silently.
  const warned = new Set<string>();
  return (req) => {
    if (trust.hops > 0 && req.headers['x-forwarded-for'] !== undefined) {
      const peer = normalizeIp(req.socket.remoteAddress ?? '');
      if (!trust.from.some((c) => cidrContains(c, peer)) && !warned.has(peer) && warned.size < 100) {
        warned.add(peer);
        deps.log.warn('X-Forwarded-For ignored: the peer is not a trusted reverse proxy (--trust-proxy-from)', { peer });
      }
    }
    return clientAddress(req, trust);
  };
}

async function route(deps: ServerDeps, opts: ServerOptions, addressOf: (req: http.IncomingMessage) => string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  const method = req.method ?? 'GET';

  if (path === '/healthz' && (method === 'GET' || method === 'HEAD')) {
    const h = await deps.health();
    writeAnswer(res, { status: h.ok ? 200 : 503, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }, body: `${JSON.stringify(h)}\n` });
    return;
  }
  if (path === '/metrics' && method === 'GET' && opts.metrics) {
    writeAnswer(res, { status: 200, headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }, body: deps.metrics.render(deps.gauges?.() ?? {}, deps.counters?.() ?? {}) });
    return;
  }

  const xml = matchXmlRpcPath(path);
  const json2 = path.startsWith('/json/2') ? matchJson2Path(path) : null;
  if (xml || path === '/jsonrpc' || path.startsWith('/json/2')) {
    if (method !== 'POST') {
      req.resume();
      if (path.startsWith('/json/2')) {
        // As Odoo's JSON-2 controller answers anything but a POST to /json/2/<model>/<method>.
        writeAnswer(res, json2ErrorAnswer({ ...odooErrors.http(404, 'Did you mean POST /json/2/<model>/<method>?'), debug: 'odoo-keys: only POST /json/2/<model>/<method> is carried\n' }));
      } else {
        writeAnswer(res, werkzeugHtmlAnswer(405, 'The method is not allowed for the requested URL.', { Allow: 'POST, OPTIONS' }));
      }
      return;
    }
    if (path.startsWith('/json/2') && !json2) {
      req.resume();
      writeAnswer(res, json2ErrorAnswer({ ...odooErrors.http(404, 'Did you mean POST /json/2/<model>/<method>?'), debug: 'odoo-keys: only POST /json/2/<model>/<method> is carried\n' }));
      return;
    }
    // Before the body: a connection that breaks in it no longer knows its peer.
    const ip = addressOf(req);
    let body: Buffer;
    try {
      body = await readRequestBody(req, opts.maxBodyBytes);
    } catch (e) {
      const protocol = rpcProtocolOf(path, xml) ?? 'json2';
      if (e instanceof BodyTooLarge) {
        deps.metrics.throttled++;
        return refuseTooLarge(deps, opts, req, res, e, protocol, xml?.legacy ?? false);
      }
      // The connection is gone or its framing broken: no answer can be written, but the attempt is
      // journaled (nothing went to Odoo), with a sentence rather than Node's raw text.
      const framing = framingErrors.get(req.socket);
      res.destroy();
      if (!(e instanceof BodyUnreadable)) throw e;
      const where = xml ? { service: xml.service } : json2 ? { model: json2.model, method: json2.method } : {};
      return deps.core.bodyUnreadable(protocol, xml?.legacy ?? false, ip, where, (framing ? new BodyUnreadable(framing) : e).message);
    }
    if (xml) return deps.core.handleXmlRpc(xml, req, res, body, ip);
    if (json2) return deps.core.handleJson2(json2, req, res, body, ip);
    return deps.core.handleJsonRpc(req, res, body, ip);
  }

  req.resume();
  if (path.startsWith('/web/') || path === '/web') {
    writeAnswer(res, {
      status: 403,
      headers: PLAIN,
      body: 'odoo-keys: session routes (/web/...) are refused; call /xmlrpc/2/object, /jsonrpc or /json/2/<model>/<method> with an odk_ key\n',
    });
    return;
  }
  writeAnswer(res, { status: 404, headers: PLAIN, body: 'odoo-keys: not found; this proxy carries /xmlrpc/2/*, /xmlrpc/*, /jsonrpc and /json/2/<model>/<method>\n' });
}

/** Default ServerOptions.drainBytes. */
export const DEFAULT_DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * A body over --max-body, refused in the client's protocol (an XML-RPC fault, a JSON-RPC error, a
 * JSON-2 413) as the proxy's other refusals are. The answer is written at once (a client waiting
 * for it before sending gets it), but the response ends, and the connection closes, only once the
 * rest of the body was read and dropped: closing on unread bytes makes the kernel reset the
 * connection, and a client still sending (Python's xmlrpc.client) then sees a broken pipe, not the
 * answer. Past the drain bound the connection is closed anyway.
 */
async function refuseTooLarge(deps: ServerDeps, opts: ServerOptions, req: http.IncomingMessage, res: http.ServerResponse, e: BodyTooLarge, protocol: 'xmlrpc' | 'jsonrpc' | 'json2', legacy: boolean): Promise<void> {
  const answer = deps.core.tooLargeAnswer(protocol, legacy, `request body larger than ${opts.maxBodyBytes} bytes (--max-body)`);
  const body = Buffer.from(answer.body);
  res.writeHead(answer.status, { ...answer.headers, 'Content-Length': String(body.length), Connection: 'close' });
  res.write(body);
  await discardBody(req, e.received, opts.drainBytes ?? DEFAULT_DRAIN_BYTES);
  res.end();
}

/** Listens on `host:port` (port 0: any free port) and resolves with the bound address. */
export function listen(server: http.Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** `127.0.0.1:8169`, `:8169`, `[::1]:8169`, `8169`. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*))?:?(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not host:port`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`port ${port} is out of range`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/**
 * How many client connections a proxy may hold with `fdLimit` file descriptors: the rest is kept
 * for its sockets to Odoo (`upstreamSockets`) and a margin for its own files (journal, keys.yaml and
 * its parser thread, last-used times, stdio, Node's own). Without a bound, clients that open
 * connections until the process runs out left it unable to read keys.yaml (a revocation unread)
 * or to reach Odoo.
 */
export function connectionsWithin(fdLimit: number, upstreamSockets: number): number {
  return Math.max(16, fdLimit - upstreamSockets - 128 - HEALTH_RESERVE);
}

/** This process's limit on open files (Linux: /proc/self/limits), or undefined where unknown. */
export function openFileLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(read());
    if (!m) return undefined;
    return m[1] === 'unlimited' ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}
