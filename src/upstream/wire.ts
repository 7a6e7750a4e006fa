// HTTP/1.1 requests to Odoo on plain sockets (net, tls): the request written in one go, the
// answer read by AnswerParser and handed on as a stream with back-pressure. Sockets an answer
// leaves open (a reverse proxy in front of Odoo may keep them) wait for the next call; Odoo's
// own `Connection: close` answers close theirs. node:http's client did the same at about twice
// the CPU per call (bench/RESULTS.md, row 1: ClientRequest, the agent, IncomingMessage).

import net from 'node:net';
import tls from 'node:tls';
import { Readable } from 'node:stream';
import { AnswerParser, type AnswerHeaders } from './answer.js';

/** An answer from Odoo: status and headers, the body as a stream (read it, or destroy it). */
export class UpstreamAnswer extends Readable {
  /** Set once the whole body has come in (as IncomingMessage.complete). */
  complete = false;

  constructor(
    readonly statusCode: number,
    readonly headers: AnswerHeaders,
    private readonly onRead: () => void,
    private readonly onDestroy: () => void,
  ) {
    super();
  }

  override _read(): void {
    this.onRead();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.onDestroy();
    // As IncomingMessage: 'error' only to a listener. A failure in the read that brought the head
    // (a bad chunk right after it) comes before the caller could listen, and an unheard 'error'
    // ends the process. The error stays the stream's (readableErrored): a later reader gets it.
    cb(this.listenerCount('error') > 0 ? err : null);
  }
}

export interface WireRequest {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface ExchangeOptions {
  /** No answer within this time, or no byte of it for this long once it started: ETIMEDOUT. */
  timeoutMs: number;
  /** The error for a timeout, before the answer started or after. */
  timeoutError(answerStarted: boolean): Error;
  /** Called with a function that stops the exchange (the client went away). */
  onCancel?: (stop: (e: Error) => void) => void;
  /** On a new connection, never a kept one (the retry after ReusedSocketClosed: the other kept ones may be as stale). */
  fresh?: boolean;
  /** false: this exchange opens no spare (a health check every few seconds would open one in vain each time). */
  openAhead?: boolean;
}

/** A socket that was reused and found closed before any byte of answer (retry on a fresh one). */
export class ReusedSocketClosed extends Error {
  constructor(
    override readonly cause: NodeJS.ErrnoException,
    /**
     * false: the socket broke before its set-up ended (a spare taken while it connected), so no byte
     * of the request left: any call may go out on a new connection, one that may change data too.
     */
    readonly sent = true,
  ) {
    super(cause.message);
  }
}

/**
 * Kept on a socket once its own listeners are gone: a TLS socket closed during its handshake emits
 * 'error' a tick after 'end', and an unheard 'error' ends the process.
 */
function ignoreError(): void {}

const INVALID_PATH = /[^\u0021-\u00ff]/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** How long a socket left open by an answer waits for the next call. */
const IDLE_MS = 4000;
/**
 * How long a connection opened ahead (a spare) waits for a call. Under Odoo's own 2 s: a prefork
 * worker that accepted it waits that long for a request, then closes it (ODOO_HTTP_SOCKET_TIMEOUT).
 */
const SPARE_MS = 1500;
/** Most spares kept open to one origin at once. */
const MAX_SPARES = 8;

interface Waiter {
  resolve(): void;
  reject(e: Error): void;
}

/** A socket waiting for a call: left open by an answer, or opened ahead (a spare). */
export interface IdleSocket {
  socket: net.Socket;
  /** Opened ahead, not left open by an answer. */
  spare: boolean;
  /** Connected (and for TLS, through its handshake): a spare taken before it was is a sign of too few. */
  ready: boolean;
  /** Takes the socket out of its idle watch, for a call. */
  take(): net.Socket;
}

/** The sockets to one origin (scheme, host, port). */
class Origin {
  readonly idle: IdleSocket[] = [];
  readonly waiting: Waiter[] = [];
  /** Sockets carrying (or connecting for) a call. */
  busy = 0;
  /** The last TLS session, to resume on the next connection (Odoo closes each). */
  session: Buffer | undefined;
  /** Keep connections open ahead of the calls (openAhead). */
  spare = false;
  /** The last answer closed its connection (as Odoo's all do): calls need new ones. */
  closes = false;
  /** How many spares to keep: one more each time a call found its spare still connecting, one less each time one waited in vain. */
  spareTarget = 1;

  constructor(
    readonly secure: boolean,
    readonly host: string,
    readonly port: number,
    /** The Host header: the URL's host, brackets and non-default port kept. */
    readonly hostHeader: string,
  ) {}
}

export class Connections {
  private readonly origins = new Map<string, Origin>();
  private readonly sockets = new Set<net.Socket>();
  private closed = false;
  /** Set by stopOpeningAhead(): no more spares (shutdown waits for the calls in flight). */
  private noSpares = false;
  /** Spares opened, and taken by a call (the rest timed out or broke unused). */
  readonly spares = { opened: 0, taken: 0 };

  constructor(private readonly maxSockets: number) {}

  /**
   * Sends one request and resolves with the answer once its head is in. Rejects with
   * ReusedSocketClosed when a kept socket turned out closed before any byte of answer, with
   * AnswerFormatError for an answer that is not HTTP, and with the socket's error otherwise.
   */
  async exchange(url: URL, req: WireRequest, opts: ExchangeOptions): Promise<UpstreamAnswer> {
    // Closed (shutdown gave up on the calls at Odoo): nothing new goes out, not even the retry of
    // a read whose kept socket close() just destroyed.
    if (this.closed) throw closedError();
    const bytes = requestBytes(url, req);
    const origin = this.originOf(url);
    let stopped: Error | undefined;
    let stopNow: ((e: Error) => void) | undefined;
    opts.onCancel?.((e) => {
      stopped ??= e;
      stopNow?.(e);
    });
    if (stopped) throw stopped;
    // A waiting call is handed its place by the call that frees it (freeSlot).
    if (origin.busy >= this.maxSockets) {
      await new Promise<void>((resolve, reject) => {
        const w: Waiter = { resolve, reject };
        origin.waiting.push(w);
        stopNow = (e) => {
          const i = origin.waiting.indexOf(w);
          if (i >= 0) origin.waiting.splice(i, 1);
          reject(e);
        };
      });
    } else origin.busy++;
    if (stopped) {
      this.freeSlot(origin);
      throw stopped;
    }
    // An exchange that opens no spare takes none either: it would leave the next call without one.
    const kept = opts.fresh ? undefined : pickIdle(origin.idle, opts.openAhead !== false);
    // A spare counts as reused: the server may have closed it unasked (ReusedSocketClosed).
    const reused = kept !== undefined;
    if (kept?.spare) {
      this.spares.taken++;
      if (!kept.ready) origin.spareTarget = Math.min(MAX_SPARES, origin.spareTarget + 1);
    }
    const socket = kept ? kept.take() : this.connect(origin);
    // Nothing is written before a socket's set-up ends: a spare taken while it still connected (kept.ready false then) sends nothing if it breaks before that.
    const upYet = (): boolean => kept === undefined || kept.ready;
    const answer = this.run(origin, socket, reused, upYet, bytes, opts, (stop) => {
      stopNow = stop;
      if (stopped) stop(stopped);
    });
    // The next call's connection starts now, a whole call ahead of it; after this call's request
    // went out (run writes it at once), so the spare's connect is not on this call's way.
    this.topUpSpares(origin, opts);
    return answer;
  }

  /**
   * Whether to keep connections to this origin open ahead of the calls. Odoo closes every
   * connection after its answer, so each call pays the TCP (and TLS) set-up, a round trip or two to
   * a remote Odoo. A spare is opened each time a call takes a connection, so its set-up runs while
   * that call does; calls that find their spare still connecting raise the number kept (up to
   * MAX_SPARES, for set-ups longer than a call), spares that wait SPARE_MS in vain lower it. Each
   * spare is the connection a later call would have opened anyway: a busy proxy opens no more than
   * before, an idle one closes its spares after SPARE_MS.
   */
  openAhead(url: URL, on: boolean): void {
    this.originOf(url).spare = on;
  }

  /**
   * Opens no more spares, and closes those waiting: from the start of shutdown, when no new call
   * goes out, each answer still coming in would otherwise open one that nobody takes (and that an
   * Odoo prefork worker waits on). Calls in flight go on.
   */
  stopOpeningAhead(): void {
    this.noSpares = true;
    for (const o of this.origins.values()) {
      for (let i = o.idle.length - 1; i >= 0; i--) {
        const e = o.idle[i]!;
        if (!e.spare) continue;
        o.idle.splice(i, 1);
        e.take();
        e.socket.on('error', ignoreError);
        e.socket.destroy();
      }
    }
  }

  /** Closes every socket, busy or idle. */
  close(): void {
    this.noSpares = true;
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    for (const o of this.origins.values()) {
      o.idle.length = 0;
      for (const w of o.waiting.splice(0)) w.reject(closedError());
    }
  }

  private originOf(url: URL): Origin {
    const secure = url.protocol === 'https:';
    const key = `${url.protocol}//${url.host}`;
    let o = this.origins.get(key);
    if (!o) {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      o = new Origin(secure, host, Number(url.port || (secure ? 443 : 80)), url.host);
      this.origins.set(key, o);
    }
    return o;
  }

  private connect(origin: Origin): net.Socket {
    const socket = origin.secure
      ? tls.connect({ host: origin.host, port: origin.port, ...(net.isIP(origin.host) ? {} : { servername: origin.host }), ...(origin.session ? { session: origin.session } : {}) })
      : net.connect({ host: origin.host, port: origin.port });
    if (origin.secure) {
      const offered = origin.session;
      let got: Buffer | undefined;
      let up = false;
      socket.on('session', (s: Buffer) => (origin.session = got = s));
      socket.once('secureConnect', () => (up = true));
      // A connection that failed before its handshake ended (cut, a certificate refused) may have
      // failed on the session it offered, or left one from a peer that was not trusted: the next
      // connection starts afresh. Heard only here; the socket's users have their own listeners.
      socket.on('error', () => {
        if (!up && (origin.session === offered || origin.session === got)) origin.session = undefined;
      });
    }
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  }

  /** One request and its answer on `socket`; gives the socket back (or closes it) when done. */
  private run(origin: Origin, socket: net.Socket, reused: boolean, upYet: () => boolean, bytes: Buffer[], opts: ExchangeOptions, setStop: (stop: (e: Error) => void) => void): Promise<UpstreamAnswer> {
    return new Promise<UpstreamAnswer>((resolve, reject) => {
      let answer: UpstreamAnswer | undefined;
      let keepAlive = false;
      let released = false;
      const parser = new AnswerParser({
        head: (h) => {
          keepAlive = h.keepAlive;
          // Learnt from the first answer: connections to this origin close after each call.
          origin.closes = !keepAlive;
          this.topUpSpares(origin, opts);
          answer = new UpstreamAnswer(
            h.status,
            h.headers,
            () => {
              if (!released) socket.resume();
            },
            () => {
              if (!answer!.complete) release(false);
            },
          );
          resolve(answer);
        },
        body: (piece) => {
          if (!answer!.push(piece)) socket.pause();
        },
        end: () => {
          answer!.complete = true;
          answer!.push(null);
        },
      });
      const fail = (e: Error): void => {
        if (released) return;
        release(false);
        if (answer) answer.destroy(e);
        else reject(e);
      };
      const hangUp = (): NodeJS.ErrnoException => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      const onData = (chunk: Buffer): void => {
        try {
          parser.feed(chunk);
        } catch (e) {
          return fail(e as Error);
        }
        // Bytes after the end of the answer: the socket's next answer could not be told apart. A
        // request not yet written whole (answered early): the next one would follow the rest of it.
        if (parser.done) release(keepAlive && parser.trailing === 0 && socket.writableLength === 0);
      };
      const onEnd = (): void => {
        if (released) return;
        if (reused && !parser.started) return fail(new ReusedSocketClosed(hangUp(), upYet()));
        try {
          parser.finish();
        } catch (e) {
          return fail(parser.started ? (e as Error) : hangUp());
        }
        release(false);
      };
      const onError = (e: NodeJS.ErrnoException): void => {
        // Other errors (refused, a certificate refused) are what a new connection would meet: said as they are.
        if (reused && !parser.started && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) return fail(new ReusedSocketClosed(e, upYet()));
        fail(e);
      };
      const onTimeout = (): void => fail(opts.timeoutError(answer !== undefined));
      const release = (keep: boolean): void => {
        if (released) return;
        released = true;
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('error', onError);
        socket.off('close', onEnd);
        socket.off('timeout', onTimeout);
        if (keep && !socket.destroyed) this.keepIdle(origin, socket);
        else {
          socket.on('error', ignoreError);
          socket.destroy();
        }
        this.freeSlot(origin);
      };
      setStop(fail);
      if (released) return;
      socket.on('data', onData);
      socket.on('end', onEnd);
      socket.on('error', onError);
      socket.on('close', onEnd);
      socket.on('timeout', onTimeout);
      socket.setTimeout(opts.timeoutMs);
      socket.resume();
      if (bytes.length === 1) socket.write(bytes[0]!);
      else {
        socket.cork();
        for (const b of bytes) socket.write(b);
        socket.uncork();
      }
    });
  }

  /** A call's place among the origin's sockets, handed to the next waiting call if any (so none overtakes it). */
  private freeSlot(origin: Origin): void {
    const next = origin.waiting.shift();
    if (next) next.resolve();
    else origin.busy--;
  }

  /**
   * Opens spares until the origin has its target of them (connected or connecting), within
   * maxSockets: the open-files budget (proxy/runtime.ts, connectionsWithin) counts that many sockets
   * to each origin, and a spare beside maxSockets calls could be taken by none until one ends. Only
   * for an origin with openAhead on whose answers close their connections, and not for an exchange
   * sent with `openAhead: false`.
   */
  private topUpSpares(origin: Origin, opts: ExchangeOptions): void {
    if (!origin.spare || !origin.closes || opts.openAhead === false || this.noSpares) return;
    let have = 0;
    let open = origin.busy;
    for (const e of origin.idle) {
      if (e.socket.destroyed) continue;
      open++;
      if (e.spare) have++;
    }
    for (; have < origin.spareTarget && open < this.maxSockets; have++, open++) {
      this.spares.opened++;
      // Idle at once, while it connects: a call that comes before the handshake ends waits for it
      // there, and a failed connect ('error', the idle watch) only drops it.
      const socket = this.connect(origin);
      const entry = this.keepIdle(origin, socket, true);
      socket.once(origin.secure ? 'secureConnect' : 'connect', () => (entry.ready = true));
    }
  }

  /** Keeps a socket for the next call to this origin, closing it when the server does or after IDLE_MS (SPARE_MS for a spare). */
  private keepIdle(origin: Origin, socket: net.Socket, spare = false): IdleSocket {
    const entry: IdleSocket = {
      socket,
      spare,
      ready: !spare,
      take: () => {
        socket.ref();
        socket.off('timeout', onTimeout);
        socket.off('end', drop);
        socket.off('error', drop);
        socket.off('data', drop);
        return socket;
      },
    };
    function drop(): void {
      const i = origin.idle.indexOf(entry);
      if (i >= 0) origin.idle.splice(i, 1);
      entry.take();
      socket.on('error', ignoreError);
      socket.destroy();
    }
    function wasted(): void {
      // A spare that waited in vain: fewer will do.
      origin.spareTarget = Math.max(1, origin.spareTarget - 1);
      drop();
    }
    const onTimeout = spare ? wasted : drop;
    socket.setTimeout(spare ? SPARE_MS : IDLE_MS);
    socket.on('timeout', onTimeout);
    socket.on('end', drop);
    socket.on('error', drop);
    // Bytes from a server between answers answer nothing: the socket cannot be trusted.
    socket.on('data', drop);
    socket.resume();
    // As node:http's agent: a kept socket does not keep the process alive (a CLI command would
    // wait out IDLE_MS after its last call to an Odoo behind a keep-alive reverse proxy).
    socket.unref();
    origin.idle.push(entry);
    return entry;
  }
}

/**
 * The idle socket a call takes, out of the origin's list: the last one an answer left open (the
 * likeliest still open), else the oldest spare that is through its set-up, else the oldest spare
 * (the nearest to being through it); no spare when `spares` is false. Closed ones are dropped on the way.
 */
export function pickIdle(idle: IdleSocket[], spares = true): IdleSocket | undefined {
  let pick = -1;
  for (let i = idle.length - 1; i >= 0; i--) {
    const e = idle[i]!;
    if (e.socket.destroyed) {
      idle.splice(i, 1);
      e.take();
      if (pick > i) pick--;
      continue;
    }
    if (!e.spare) {
      if (pick < 0 || idle[pick]!.spare) pick = i;
    } else if (!spares) continue;
    else if (pick < 0 || (idle[pick]!.spare && (e.ready || !idle[pick]!.ready))) pick = i;
  }
  return pick < 0 ? undefined : idle.splice(pick, 1)[0];
}

function closedError(): NodeJS.ErrnoException {
  return Object.assign(new Error('the connections to Odoo were closed'), { code: 'ECONNRESET' });
}

/** The request as bytes: head (validated like node:http does) and body, one buffer when small. */
function requestBytes(url: URL, req: WireRequest): Buffer[] {
  if (INVALID_PATH.test(req.path)) throw new TypeError(`refusing to send a request to Odoo: its path holds a character HTTP cannot carry`);
  let head = `POST ${req.path} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  for (const [name, value] of Object.entries(req.headers)) {
    if (!TOKEN.test(name)) throw new TypeError(`refusing to send a request to Odoo: '${name}' is not a header name`);
    // A CR or LF in a value would start another header (or another request): node:http refuses these too.
    if (BAD_VALUE.test(value)) throw new TypeError(`refusing to send a request to Odoo: its ${name} header holds a character HTTP cannot carry`);
    head += `${name}: ${value}\r\n`;
  }
  head += `Content-Length: ${req.body.length}\r\nUser-Agent: odoo-keys\r\nConnection: keep-alive\r\n\r\n`;
  const h = Buffer.from(head, 'latin1');
  return req.body.length <= 16 * 1024 ? [Buffer.concat([h, req.body])] : [h, req.body];
}
