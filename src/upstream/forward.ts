// Carrying calls to Odoo: one connection pool per upstream, requests encoded in the protocol
// chosen for the upstream, answers streamed back while their first bytes are inspected.
//
// Odoo answers every RPC with `Connection: close` (FACTS.md), so there is nothing to reuse after
// an answer; the pool still keeps idle sockets for the moments between requests (a reverse proxy
// in front of Odoo may keep connections open), and a read-only request that fails on a reused
// socket before any byte of answer is retried once on a fresh one.

import { Readable } from 'node:stream';
import { AnswerFormatError } from './answer.js';
import { Connections, ReusedSocketClosed, type UpstreamAnswer } from './wire.js';

export type { UpstreamAnswer } from './wire.js';
import { JSON2_RESERVED_KEYS, type OdooCall } from '../rpc/call.js';
import { encodeMethodCall, decodeMethodResponse } from '../rpc/xmlrpc.js';
import { parseJson, stringifyJson } from '../rpc/json.js';
import { isStruct, type RpcStruct, type RpcValue } from '../rpc/values.js';

/** Where and as whom allowed calls go: a profile with its real credentials. */
export interface UpstreamTarget {
  profile: string;
  url: URL;
  db: string;
  uid: number;
  /** The integration user's API key. Never logged, never in an error message. */
  key: string;
  /** Odoo major version (from common.version). */
  version: number;
  /** How calls go to this Odoo: in the client's own protocol ('auto'), or always JSON-2 (an Odoo without XML-RPC/JSON-RPC). */
  protocol: 'auto' | 'json2';
}

/** The wire format used toward Odoo for one call. */
export type UpstreamVia = 'xmlrpc' | 'xmlrpc-legacy' | 'jsonrpc' | 'json2';

export interface UpstreamRequest {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export class UpstreamUnavailable extends Error {
  constructor(
    message: string,
    cause?: unknown,
    readonly code?: string,
  ) {
    super(message, { cause });
    this.name = 'UpstreamUnavailable';
  }
}

/** Encodes an ORM call for Odoo, with the real database, uid and key in place of the client's. */
/** The path Odoo's routes hang under (a URL's path prefix, without its trailing slashes). */
export function basePathOf(url: URL): string {
  return url.pathname.replace(/\/+$/, '');
}

export function encodeUpstreamCall(target: Pick<UpstreamTarget, 'url' | 'db' | 'uid' | 'key'>, call: OdooCall, via: UpstreamVia, jsonrpcId?: RpcValue): UpstreamRequest {
  const base = basePathOf(target.url);
  if (via === 'json2') {
    // Checked before (decodeJson2Request, json2Params); here too, because a keyword argument named
    // ids, model or method would silently replace what was checked. The proxy's own calls pass
    // their context as a keyword argument: only a second context is refused.
    for (const name of Object.keys(call.kwargs)) {
      if (JSON2_RESERVED_KEYS.has(name) && (name !== 'context' || call.context !== undefined)) {
        throw new Error(`refusing to send ${call.model}.${call.method} to Odoo: keyword argument '${name}' is reserved in a JSON-2 body`);
      }
    }
    const body: RpcStruct = {};
    if (call.ids !== undefined) body.ids = call.ids;
    Object.assign(body, call.kwargs);
    if (call.context !== undefined) body.context = call.context;
    return {
      path: `${base}/json/2/${encodeURIComponent(call.model)}/${encodeURIComponent(call.method)}`,
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        Authorization: `bearer ${target.key}`,
        'X-Odoo-Database': target.db,
      },
      body: Buffer.from(stringifyJson(body, { style: 'compact' })),
    };
  }
  // Every object call goes as execute_kw: `execute` is execute_kw with no keyword arguments,
  // and a narrowed call may need keyword arguments the client did not send.
  const params: RpcValue[] = [target.db, target.uid, target.key, call.model, call.method, call.args, call.kwargs];
  if (via === 'jsonrpc') {
    const envelope = { jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args: params }, id: jsonrpcId ?? null };
    return { path: `${base}/jsonrpc`, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(stringifyJson(envelope, { style: 'compact' })) };
  }
  return {
    path: `${base}${via === 'xmlrpc-legacy' ? '/xmlrpc/object' : '/xmlrpc/2/object'}`,
    headers: { 'Content-Type': 'text/xml' },
    body: Buffer.from(encodeMethodCall('execute_kw', params)),
  };
}

/** Encodes a common-service call (version, authenticate) for Odoo. */
export function encodeCommonCall(target: Pick<UpstreamTarget, 'url'>, fn: string, params: RpcValue[], via: 'xmlrpc' | 'jsonrpc'): UpstreamRequest {
  const base = basePathOf(target.url);
  if (via === 'jsonrpc') {
    const envelope = { jsonrpc: '2.0', method: 'call', params: { service: 'common', method: fn, args: params }, id: null };
    return { path: `${base}/jsonrpc`, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(stringifyJson(envelope, { style: 'compact' })) };
  }
  return { path: `${base}/xmlrpc/2/common`, headers: { 'Content-Type': 'text/xml' }, body: Buffer.from(encodeMethodCall(fn, params)) };
}

export interface PoolOptions {
  /** Most sockets open to one upstream at once. */
  maxSockets?: number;
  /** No answer headers within this time: the call fails cleanly. */
  timeoutMs?: number;
}

/**
 * Lets a caller stop a call in flight (its client went away). A plain callback, not an
 * AbortSignal: a signal per call (controller, event target, listeners added and removed by
 * node:http) was 2% of the proxy's CPU on a small call.
 */
export class Cancellation {
  private stop: (() => void) | undefined;
  cancelled = false;

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.stop?.();
  }

  /** What cancel() does for the attempt now running (at once if already cancelled). */
  onCancel(stop: () => void): void {
    this.stop = stop;
    if (this.cancelled) stop();
  }
}

/** The error a cancelled call ends with (as an aborted fetch's). */
function cancelledError(): Error {
  return Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}

export interface SendOptions {
  /** Stops the call when its client goes away. */
  cancellation?: Cancellation;
  /**
   * Whether the request may be sent again when a kept-alive socket turns out closed before any
   * answer. Usually the server had closed it idle and never saw the request, but a reverse proxy
   * in front of Odoo may have passed it on before the socket broke: a call that may change data
   * (a create) is not repeated. Default true.
   */
  mayRepeat?: boolean;
  /** false: no connection is opened ahead for this call's sake (the proxy's own checks of Odoo). Default true. */
  openAhead?: boolean;
}

/** Connection pools to the upstreams, shared by every call the proxy forwards. */
export class UpstreamPool {
  private readonly connections: Connections;
  readonly timeoutMs: number;
  /** Counters for /metrics and the benchmarks. */
  readonly stats = { requests: 0, retriedOnReusedSocket: 0, failures: 0 };

  constructor(opts: PoolOptions = {}) {
    this.connections = new Connections(opts.maxSockets ?? 64);
    this.timeoutMs = opts.timeoutMs ?? 120_000;
  }

  /** Sends a request; resolves with the answer's headers and a body stream (not yet read). */
  async send(url: URL, req: UpstreamRequest, opts: SendOptions = {}): Promise<UpstreamAnswer> {
    this.stats.requests++;
    try {
      return await this.attempt(url, req, opts.cancellation, false, opts.openAhead);
    } catch (e) {
      if (e instanceof ReusedSocketClosed) {
        // Not sent (a spare that broke in its set-up): a new connection is what the call would have had without it.
        if (opts.mayRepeat !== false || !e.sent) {
          this.stats.retriedOnReusedSocket++;
          try {
            return await this.attempt(url, req, opts.cancellation, true, opts.openAhead);
          } catch (again) {
            this.stats.failures++;
            throw again instanceof ReusedSocketClosed ? unavailable(again.cause) : again;
          }
        }
        this.stats.failures++;
        throw new UpstreamUnavailable(`${describeNetworkError(e.cause)}; the call was not sent again, as it may change data and may have reached Odoo`, e.cause, e.cause.code);
      }
      this.stats.failures++;
      throw e;
    }
  }

  private async attempt(url: URL, req: UpstreamRequest, cancellation: Cancellation | undefined, fresh: boolean, openAhead: boolean | undefined): Promise<UpstreamAnswer> {
    const seconds = Math.round(this.timeoutMs / 1000);
    try {
      return await this.connections.exchange(url, req, {
        timeoutMs: this.timeoutMs,
        // Until the answer starts: no answer within the time. After: no byte of it for that long
        // (Odoo stalled in the middle, or the client stopped reading and back-pressure stopped us),
        // so a stalled answer cannot hold a call, a socket and a place in the caps for ever.
        timeoutError: (started) => new UpstreamUnavailable(started ? `no byte of Odoo's answer came through for ${seconds} s` : `Odoo did not answer within ${seconds} s`, undefined, 'ETIMEDOUT'),
        ...(cancellation ? { onCancel: (stop: (e: Error) => void) => cancellation.onCancel(() => stop(cancelledError())) } : {}),
        fresh,
        ...(openAhead === undefined ? {} : { openAhead }),
      });
    } catch (e) {
      if (e instanceof ReusedSocketClosed || e instanceof UpstreamUnavailable) throw e;
      if (e instanceof AnswerFormatError) throw new UpstreamUnavailable(`Odoo's answer could not be read: ${e.message}`, e, 'BAD_ANSWER');
      throw unavailable(e as NodeJS.ErrnoException);
    }
  }

  /** Keep a connection to this Odoo open ahead of the next call (Connections.openAhead). */
  openAhead(url: URL, on: boolean): void {
    this.connections.openAhead(url, on);
  }

  /** Opens no more connections ahead and closes those waiting (shutdown; Connections.stopOpeningAhead). */
  stopOpeningAhead(): void {
    this.connections.stopOpeningAhead();
  }

  /** Connections opened ahead, and how many of them a call took. */
  get spares(): { readonly opened: number; readonly taken: number } {
    return this.connections.spares;
  }

  close(): void {
    this.connections.close();
  }
}

function unavailable(err: NodeJS.ErrnoException): UpstreamUnavailable {
  return new UpstreamUnavailable(describeNetworkError(err), err, err.code);
}

function describeNetworkError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'Odoo refused the connection';
    case 'ECONNRESET':
      return 'Odoo closed the connection without answering';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'Odoo host name could not be resolved';
    case 'ETIMEDOUT':
      return 'connecting to Odoo timed out';
    case 'ABORT_ERR':
      return 'the call was cancelled';
    default:
      return `Odoo could not be reached (${err.code ?? err.message})`;
  }
}

/** Reads a whole answer body, refusing one larger than `maxBytes`. */
export async function readBody(stream: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      stream.destroy();
      throw new UpstreamUnavailable(`Odoo's answer is larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** What an answer said, learnt from its first bytes (and all of it when small). */
export interface AnswerSummary {
  outcome: 'ok' | 'odoo_error';
  /**
   * Why a 200 answer could not be read (not the protocol's shape, a `__proto__` member, nested
   * past the limit), without the values it quotes. Such an answer may hold a result: a caller that
   * needs the result must not take it for an error answer, nor pass it on as one (core.ts answerWhole).
   */
  unreadable?: string;
  /** Odoo's exception (short class name) and first line of its message, for an error. */
  error?: { name: string; message: string };
  /** The result, when the answer was small enough to keep whole (for created ids). */
  result?: RpcValue;
}

/**
 * Reads an Odoo answer held whole: was it a result or an error, and what. `via` is the protocol
 * the answer came in.
 */
export function summarizeAnswer(via: UpstreamVia, status: number, body: Buffer): AnswerSummary {
  try {
    if (via === 'json2') {
      const v = parseJson(body);
      if (status === 200) return { outcome: 'ok', result: v };
      if (isStruct(v)) return { outcome: 'odoo_error', error: { name: shortExceptionName(String(v.name ?? 'Error')), message: firstLine(String(v.message ?? '')) } };
      return { outcome: 'odoo_error', error: { name: 'HTTPError', message: `HTTP ${status}` } };
    }
    if (via === 'jsonrpc') {
      if (status !== 200) return { outcome: 'odoo_error', error: { name: 'HTTPError', message: `HTTP ${status}` } };
      const v = parseJson(body);
      if (isStruct(v) && isStruct(v.error)) {
        const data = isStruct(v.error.data) ? v.error.data : {};
        return { outcome: 'odoo_error', error: { name: shortExceptionName(String(data.name ?? 'Error')), message: firstLine(String(data.message ?? v.error.message ?? '')) } };
      }
      return { outcome: 'ok', result: isStruct(v) ? v.result ?? null : null };
    }
    if (status !== 200) return { outcome: 'odoo_error', error: { name: 'HTTPError', message: `HTTP ${status}` } };
    const r = decodeMethodResponse(body);
    if (r.kind === 'fault') return { outcome: 'odoo_error', error: faultError(r.faultCode, r.faultString) };
    return { outcome: 'ok', result: r.value };
  } catch (e) {
    const why = withoutData(e);
    return { outcome: 'odoo_error', ...(status === 200 ? { unreadable: why } : {}), error: { name: 'UnreadableAnswer', message: `an answer that could not be read (HTTP ${status}): ${why}` } };
  }
}

/** Sniffs whether a (possibly large, streamed) answer is an error, from its first bytes. */
export function sniffAnswer(via: UpstreamVia, status: number, head: Buffer): 'ok' | 'odoo_error' | 'unknown' {
  if (via === 'json2') return status === 200 ? 'ok' : 'odoo_error';
  if (status !== 200) return 'odoo_error';
  if (via === 'jsonrpc') return jsonRpcKind(head.subarray(0, 4096).toString('latin1'));
  const text = head.subarray(0, 512).toString('latin1');
  const m = /<(params|fault)>/.exec(text);
  return m ? (m[1] === 'fault' ? 'odoo_error' : 'ok') : 'unknown';
}

/**
 * A reader's error without the text it quotes, which may be a field value (the journal holds no
 * values): "duplicate struct member '…'". `__proto__` is kept, being no one's data.
 */
function withoutData(e: unknown): string {
  const message = e instanceof Error ? e.message : 'unknown error';
  return message.replace(/'.*'/s, (quoted) => (quoted === "'__proto__'" ? quoted : "'…'"));
}

/**
 * Whether a JSON-RPC answer is a result or an error, from the first of its top-level members
 * named so. Members before it are skipped whole: Odoo writes the client's `id` first, and an id
 * such as {"error": 1} or "\"result\": " holds either word. (Bytes as latin1: every character
 * that matters here is ASCII, and no byte of a UTF-8 sequence is.) 'unknown' when the head ends
 * before, or is not an object.
 */
function jsonRpcKind(text: string): 'ok' | 'odoo_error' | 'unknown' {
  let i = skipJsonSpace(text, 0);
  if (text[i] !== '{') return 'unknown';
  for (i = skipJsonSpace(text, i + 1); text[i] === '"'; i = skipJsonSpace(text, i + 1)) {
    const keyEnd = jsonStringEnd(text, i);
    if (keyEnd < 0) return 'unknown';
    const key = text.slice(i + 1, keyEnd);
    i = skipJsonSpace(text, keyEnd + 1);
    if (text[i] !== ':') return 'unknown';
    if (key === 'result') return 'ok';
    if (key === 'error') return 'odoo_error';
    i = skipJsonValue(text, skipJsonSpace(text, i + 1));
    if (i < 0) return 'unknown';
    i = skipJsonSpace(text, i);
    if (text[i] !== ',') return 'unknown';
  }
  return 'unknown';
}

function skipJsonSpace(text: string, i: number): number {
  while (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t') i++;
  return i;
}

/** The index of the quote closing the string that opens at `i`, or -1. */
function jsonStringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j;
  }
  return -1;
}

/** The index just after the value that starts at `i`, or -1 when the text ends first. */
function skipJsonValue(text: string, i: number): number {
  if (text[i] === '"') {
    const end = jsonStringEnd(text, i);
    return end < 0 ? -1 : end + 1;
  }
  if (text[i] === '{' || text[i] === '[') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const c = text[j];
      if (c === '"') {
        j = jsonStringEnd(text, j);
        if (j < 0) return -1;
      } else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  while (j < text.length && !/[,}\]\s]/.test(text[j]!)) j++;
  return j < text.length && j > i ? j : -1;
}

const FAULT_NAMES: Record<number, string> = { 2: 'UserError', 3: 'AccessDenied', 4: 'AccessError' };

/** Names an XML-RPC fault: the code on /xmlrpc/2, the traceback's last line for code 1, the legacy string codes. */
function faultError(code: RpcValue, text: RpcValue): { name: string; message: string } {
  if (typeof code === 'number') {
    if (FAULT_NAMES[code]) return { name: FAULT_NAMES[code]!, message: firstLine(String(text)) };
    const last = lastLine(String(text));
    const m = /^([\w.]+): (.*)$/.exec(last);
    return m ? { name: shortExceptionName(m[1]!), message: firstLine(m[2]!) } : { name: 'Fault', message: firstLine(last) };
  }
  const s = String(code);
  const w = /^warning -- (\w+)\n\n([\s\S]*)$/.exec(s);
  if (w) return { name: w[1]!, message: firstLine(w[2]!) };
  if (s === 'AccessDenied') return { name: 'AccessDenied', message: firstLine(String(text)) };
  return { name: 'Fault', message: firstLine(s) };
}

function shortExceptionName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

function lastLine(s: string): string {
  const lines = s.trimEnd().split('\n');
  return lines[lines.length - 1] ?? '';
}

/**
 * A buffered call for the proxy's own needs (authenticate at start, fields_get for the scope
 * engine, the id checks). Throws UpstreamUnavailable on network failure and UpstreamCallError
 * when Odoo answers with an error.
 */
export async function callUpstream(pool: UpstreamPool, target: UpstreamTarget, model: string, method: string, args: RpcValue[], kwargs: RpcStruct, via: UpstreamVia = 'xmlrpc', maxBytes = 64 * 1024 * 1024): Promise<RpcValue> {
  const call: OdooCall = { protocol: via === 'json2' ? 'json2' : via === 'jsonrpc' ? 'jsonrpc' : 'xmlrpc', entry: via === 'json2' ? 'json2' : 'execute_kw', db: target.db, uid: target.uid, credential: null, model, method, args: via === 'json2' ? [] : args, kwargs };
  if (via === 'json2' && args.length) call.ids = args[0]!;
  return sendCall(pool, target, call, via, maxBytes);
}

/** callUpstream for a call already in the shape `via` carries (JSON-2: named parameters, ids, context). */
export async function sendCall(pool: UpstreamPool, target: Pick<UpstreamTarget, 'url' | 'db' | 'uid' | 'key'>, call: OdooCall, via: UpstreamVia, maxBytes = 64 * 1024 * 1024): Promise<RpcValue> {
  const res = await pool.send(target.url, encodeUpstreamCall(target, call, via, 1));
  const body = await readBody(res, maxBytes);
  const status = res.statusCode ?? 0;
  // An HTTP error that is not Odoo's own answer (a reverse proxy's 502 page, a JSON-2 error
  // without its JSON body) means Odoo was not reached, not that the call failed.
  const odooAnswered = via === 'json2' ? (res.headers['content-type'] ?? '').startsWith('application/json') : status === 200;
  if (!odooAnswered) throw new UpstreamUnavailable(`Odoo could not be reached (HTTP ${status})`, undefined, `HTTP_${status}`);
  const summary = summarizeAnswer(via, status, body);
  if (summary.outcome !== 'ok') throw odooFailure(summary, 'Odoo answered with an error');
  return summary.result ?? null;
}

export class UpstreamCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamCallError';
  }
}

/** The error for an answer that is not ok: Odoo's `name: message`, or `fallback` when it gave none. */
export function odooFailure(summary: AnswerSummary, fallback: string): UpstreamCallError {
  return new UpstreamCallError(summary.error ? `${summary.error.name}: ${summary.error.message}` : fallback);
}
