// A small buffered Odoo client for the commands (login, create, check, audit): common.version,
// authenticate and execute_kw over XML-RPC (default; every Odoo up to 19 has it), JSON-RPC, or
// JSON-2 for an Odoo without them (XML-RPC and JSON-RPC are announced for removal after 19), with
// the strict codecs from src/rpc. JSON-2 goes through the proxy's own pieces (probe.ts for the
// version and the key's user, bind.ts to name execute_kw's arguments), not a copy of them. The
// proxy's streaming forwarder is a different thing (forward.ts).
//
// Errors are UpstreamError: the Odoo fault (code and message) or the network cause. The key never
// appears in an error: it is scrubbed from anything that came back, just in case.
import http from 'node:http';
import https from 'node:https';
import { encodeMethodCall, decodeMethodResponse, XmlRpcParseError } from '../rpc/xmlrpc.js';
import { parseJson, stringifyJson, JsonParseError } from '../rpc/json.js';
import { isStruct, numberOf, type RpcStruct, type RpcValue } from '../rpc/values.js';
import type { OdooCall } from '../rpc/call.js';
import { executeKwResult, toJson2Call } from '../policy/bind.js';
import { basePathOf, sendCall, UpstreamCallError, UpstreamPool, UpstreamUnavailable } from './forward.js';
import { fetchLogin, fetchUid, fetchVersion } from './probe.js';

export type UpstreamErrorKind = 'fault' | 'access_denied' | 'http' | 'network' | 'timeout' | 'protocol';

export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly kind: UpstreamErrorKind,
    readonly details: {
      /** XML-RPC faultCode (int on /xmlrpc/2), or the JSON-RPC error code. */
      faultCode?: RpcValue;
      /** Python exception class, e.g. `odoo.exceptions.AccessError` (JSON-RPC gives it; XML-RPC only for codes 2-4). */
      odooName?: string;
      /** HTTP status, for kind 'http'. */
      status?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/** How the commands talk to a profile's Odoo. */
export type ClientProtocol = 'xmlrpc' | 'jsonrpc' | 'json2';

/**
 * The protocol for a profile's recorded `protocol`: json2 and jsonrpc as recorded; auto (or none)
 * is XML-RPC, which every Odoo up to 19 has.
 */
export function clientProtocolOf(recorded: string | undefined): ClientProtocol {
  return recorded === 'json2' || recorded === 'jsonrpc' ? recorded : 'xmlrpc';
}

export interface OdooClientOptions {
  /** Base URL of the Odoo server, e.g. https://acme.odoo.com (a path prefix is kept). */
  url: string;
  db: string;
  login: string;
  /** The integration user's API key (or password). */
  key: string;
  protocol?: ClientProtocol;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** Largest answer accepted (default 64 MiB). */
  maxResponseBytes?: number;
}

/** The Odoo major version from a common.version() answer (server_version_info[0], else server_version). */
export function majorVersion(info: RpcValue): number | undefined {
  if (!isStruct(info)) return undefined;
  const vi = info.server_version_info;
  if (Array.isArray(vi) && vi.length > 0) {
    const n = numberOf(vi[0]);
    if (n !== undefined && Number.isInteger(n)) return n;
    // saas~18.2 style: the first element is a string such as 'saas~18'
    const m = typeof vi[0] === 'string' ? /(\d+)/.exec(vi[0]) : null;
    if (m) return Number(m[1]);
  }
  const sv = typeof info.server_version === 'string' ? /(\d+)\./.exec(info.server_version) : null;
  return sv ? Number(sv[1]) : undefined;
}

/** The last line of a Python traceback (`ValueError: ...`), or the text itself when it is one line. */
function lastTracebackLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length <= 1) return text.trim();
  return lines[lines.length - 1]!;
}

export class OdooClient {
  readonly url: URL;
  readonly db: string;
  readonly login: string;
  readonly protocol: ClientProtocol;
  /**
   * JSON-2 only, after authenticate(): why the key's login could not be compared with `login`
   * (Odoo refused to read it); undefined when it was compared (or XML-RPC/JSON-RPC checked it).
   */
  loginUnchecked: string | undefined;
  private readonly key: string;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private uid: number | undefined;
  private nextId = 1;
  /** JSON-2: the connections, and the major version execute_kw's arguments are named for. */
  private pool: UpstreamPool | undefined;
  private major: number | undefined;

  constructor(opts: OdooClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new UpstreamError(`'${opts.url}' is not a URL (e.g. https://acme.odoo.com)`, 'protocol');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UpstreamError(`'${opts.url}' is not an http(s) URL`, 'protocol');
    this.url = url;
    this.db = opts.db;
    this.login = opts.login;
    this.key = opts.key;
    this.protocol = opts.protocol ?? 'xmlrpc';
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxBytes = opts.maxResponseBytes ?? 64 * 1024 * 1024;
  }

  private scrub(text: string): string {
    return this.key.length >= 4 ? text.split(this.key).join('***') : text;
  }

  private endpoint(path: string): URL {
    const base = basePathOf(this.url);
    const u = new URL(this.url.href);
    u.pathname = `${base}${path}`;
    u.search = '';
    u.hash = '';
    return u;
  }

  /** One HTTP POST, buffered. */
  private post(path: string, contentType: string, body: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    const target = this.endpoint(path);
    const lib = target.protocol === 'https:' ? https : http;
    const payload = Buffer.from(body, 'utf8');
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (err: Error | null, value?: { status: number; headers: http.IncomingHttpHeaders; body: Buffer }): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(value!);
      };
      const req = lib.request(
        target,
        { method: 'POST', headers: { 'Content-Type': contentType, 'Content-Length': payload.length, Accept: '*/*', 'User-Agent': 'odoo-keys' } },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > this.maxBytes) {
              req.destroy();
              done(new UpstreamError(`the answer from ${target.host} is larger than ${this.maxBytes} bytes`, 'protocol'));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => done(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', (err) => done(new UpstreamError(`reading the answer from ${target.host} failed: ${err.message}`, 'network', { cause: err })));
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        done(new UpstreamError(`Odoo at ${target.origin} did not answer within ${Math.round(this.timeoutMs / 1000)} s`, 'timeout'));
      }, this.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ? ` (${err.code})` : '';
        done(new UpstreamError(`cannot reach Odoo at ${target.origin}: ${this.scrub(err.message)}${code}`, 'network', { cause: err }));
      });
      req.end(payload);
    });
  }

  private httpProblem(status: number, headers: http.IncomingHttpHeaders, path: string): UpstreamError {
    if (status >= 300 && status < 400 && headers.location) {
      return new UpstreamError(`Odoo answered ${path} with a redirect (HTTP ${status}) to ${headers.location}: use that address as the profile URL`, 'http', { status });
    }
    const hint = status === 404 ? ' (is this the Odoo server address, and is the database name right?)' : '';
    return new UpstreamError(`Odoo answered ${path} with HTTP ${status}${hint}`, 'http', { status });
  }

  private async xmlrpc(service: 'common' | 'object', method: string, params: unknown[]): Promise<RpcValue> {
    const path = `/xmlrpc/2/${service}`;
    const res = await this.post(path, 'text/xml', encodeMethodCall(method, params));
    if (res.status !== 200) throw this.httpProblem(res.status, res.headers, path);
    let answer;
    try {
      answer = decodeMethodResponse(res.body);
    } catch (err) {
      if (err instanceof XmlRpcParseError) throw new UpstreamError(`the answer to ${service}.${method} is not XML-RPC (${err.message}): is ${this.url.origin} an Odoo server?`, 'protocol', { cause: err });
      throw err;
    }
    if (answer.kind === 'params') return answer.value;
    const code = answer.faultCode;
    const text = typeof answer.faultString === 'string' ? answer.faultString : String(answer.faultString);
    if (code === 3 || code === 'AccessDenied') throw new UpstreamError('Odoo refused the credentials (Access Denied)', 'access_denied', { faultCode: code, odooName: 'odoo.exceptions.AccessDenied' });
    const names: Record<number, string> = { 2: 'odoo.exceptions.UserError', 4: 'odoo.exceptions.AccessError' };
    const message = code === 1 ? lastTracebackLine(text) : typeof code === 'string' && text === '' ? code.replace(/^warning -- \w+\n\n/, '') : text;
    throw new UpstreamError(`Odoo fault ${typeof code === 'number' ? code : JSON.stringify(code)}: ${this.scrub(message)}`, 'fault', {
      faultCode: code,
      ...(typeof code === 'number' && names[code] ? { odooName: names[code] } : {}),
    });
  }

  private async jsonrpc(service: 'common' | 'object', method: string, args: unknown[]): Promise<RpcValue> {
    const id = this.nextId++;
    const res = await this.post('/jsonrpc', 'application/json', stringifyJson({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id }, { style: 'compact' }));
    if (res.status !== 200) throw this.httpProblem(res.status, res.headers, '/jsonrpc');
    let answer: RpcValue;
    try {
      answer = parseJson(res.body);
    } catch (err) {
      if (err instanceof JsonParseError) throw new UpstreamError(`the answer to ${service}.${method} is not JSON (${err.message}): is ${this.url.origin} an Odoo server?`, 'protocol', { cause: err });
      throw err;
    }
    if (!isStruct(answer)) throw new UpstreamError(`the answer to ${service}.${method} is not a JSON-RPC object`, 'protocol');
    if ('result' in answer) return answer.result ?? null;
    const error = answer.error;
    if (!isStruct(error)) throw new UpstreamError(`the answer to ${service}.${method} has neither result nor error`, 'protocol');
    const data = isStruct(error.data) ? error.data : {};
    const name = typeof data.name === 'string' ? data.name : undefined;
    const message = typeof data.message === 'string' ? data.message : typeof error.message === 'string' ? error.message : 'unknown error';
    if (name === 'odoo.exceptions.AccessDenied') throw new UpstreamError('Odoo refused the credentials (Access Denied)', 'access_denied', { faultCode: error.code ?? null, odooName: name });
    throw new UpstreamError(`Odoo error${name ? ` ${name.slice(name.lastIndexOf('.') + 1)}` : ''}: ${this.scrub(message)}`, 'fault', {
      faultCode: error.code ?? null,
      ...(name ? { odooName: name } : {}),
    });
  }

  private call(service: 'common' | 'object', method: string, args: unknown[]): Promise<RpcValue> {
    return this.protocol === 'jsonrpc' ? this.jsonrpc(service, method, args) : this.xmlrpc(service, method, args);
  }

  /** common.version(): server_version, server_version_info, protocol_version... (no credentials needed). */
  async version(): Promise<RpcStruct> {
    const v = this.protocol === 'json2' ? await this.json2((pool) => fetchVersion(pool, this.url, 'json2')) : await this.call('common', 'version', []);
    if (!isStruct(v)) throw new UpstreamError('common.version did not answer with a struct: is this an Odoo server?', 'protocol');
    this.major = majorVersion(v);
    return v;
  }

  /** common.authenticate(db, login, key, {}): the uid, or false when Odoo refuses the login and key. */
  async authenticate(): Promise<number | false> {
    if (this.protocol === 'json2') return this.authenticateJson2();
    const r = await this.call('common', 'authenticate', [this.db, this.login, this.key, {}]);
    if (r === false) return false;
    const uid = numberOf(r);
    if (uid === undefined || !Number.isSafeInteger(uid) || uid < 1) throw new UpstreamError('authenticate answered with something that is not a user id', 'protocol');
    this.uid = uid;
    return uid;
  }

  /** object.execute_kw(db, uid, key, model, method, args, kwargs), authenticating first when needed. */
  async executeKw(model: string, method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): Promise<RpcValue> {
    if (this.protocol === 'json2') return this.executeJson2(model, method, args as RpcValue[], kwargs as RpcStruct);
    if (this.uid === undefined) {
      const uid = await this.authenticate();
      if (uid === false) throw new UpstreamError(`Odoo refused login '${this.login}' on database '${this.db}' with this key`, 'access_denied');
    }
    return this.call('object', 'execute_kw', [this.db, this.uid, this.key, model, method, args, kwargs]);
  }

  // -- JSON-2 -----------------------------------------------------------------------------------

  /** Runs `fn` with the JSON-2 connections; Odoo's errors and the network's become UpstreamErrors. */
  private async json2<T>(fn: (pool: UpstreamPool) => Promise<T>): Promise<T> {
    this.pool ??= new UpstreamPool({ maxSockets: 4, timeoutMs: this.timeoutMs });
    try {
      return await fn(this.pool);
    } catch (err) {
      if (err instanceof UpstreamUnavailable) {
        const kind = err.code === 'ETIMEDOUT' ? 'timeout' : 'network';
        throw new UpstreamError(`cannot reach Odoo at ${this.url.origin}: ${this.scrub(err.message)}`, kind, { cause: err });
      }
      if (err instanceof UpstreamCallError) {
        if (/^Unauthorized:/.test(err.message)) throw new UpstreamError('Odoo refused the API key (JSON-2: Invalid apikey)', 'access_denied', { odooName: 'werkzeug.exceptions.Unauthorized' });
        throw new UpstreamError(`Odoo error ${this.scrub(err.message)}`, 'fault', { cause: err });
      }
      throw err;
    }
  }

  /**
   * JSON-2 logs in by the key alone, so the key's user is asked for (res.users.context_get) and its
   * login compared with the profile's: a key of another user must not pass for this login's.
   */
  private async authenticateJson2(): Promise<number | false> {
    const target = { url: this.url, db: this.db, key: this.key };
    const uid = await this.json2((pool) => fetchUid(pool, target, this.login, 'json2'));
    if (uid === false) return false;
    const found = await this.json2((pool) => fetchLogin(pool, target, uid));
    if ('unreadable' in found) this.loginUnchecked = this.scrub(found.unreadable);
    else {
      this.loginUnchecked = undefined;
      if (found.login !== this.login) {
        throw new UpstreamError(`this API key is the key of Odoo user '${found.login}' (uid ${uid}) on database '${this.db}', not of '${this.login}'`, 'access_denied');
      }
    }
    this.uid = uid;
    return uid;
  }

  /** execute_kw's positional and keyword arguments as JSON-2 named parameters (bind.ts, per Odoo version). */
  private async executeJson2(model: string, method: string, args: RpcValue[], kwargs: RpcStruct): Promise<RpcValue> {
    if (this.major === undefined) await this.version();
    const call: OdooCall = { protocol: 'xmlrpc', entry: 'execute_kw', db: this.db, uid: null, credential: null, model, method, args, kwargs };
    const version = this.major ?? 19;
    const named = toJson2Call(call, version);
    const result = await this.json2((pool) => sendCall(pool, { url: this.url, db: this.db, uid: this.uid ?? 0, key: this.key }, named, 'json2', this.maxBytes));
    return executeKwResult(call, version, result);
  }
}

export interface ConnectionCheck {
  /** The key's user; false when Odoo refused the login and key. */
  uid: number | false;
  version: number | undefined;
  /** The protocol that answered. */
  protocol: ClientProtocol;
  /** Set when XML-RPC or JSON-RPC answered 404 and JSON-2 answered instead: what was seen. */
  fellBack?: string;
  /** JSON-2: why the key's login could not be compared with the profile's. */
  loginUnchecked?: string;
}

/**
 * What login verifies: Odoo's version and the uid of the login and key, over `opts.protocol`. With
 * `fallback`, an XML-RPC or JSON-RPC endpoint answering 404 on an Odoo 19+ that answers over JSON-2
 * (one where they were switched off or removed) is checked over JSON-2 instead.
 */
export async function checkConnection(opts: OdooClientOptions & { fallback: boolean }): Promise<ConnectionCheck> {
  let client = new OdooClient(opts);
  let info: RpcStruct;
  let fellBack: string | undefined;
  try {
    info = await client.version();
  } catch (err) {
    const missing = err instanceof UpstreamError && err.kind === 'http' && err.details.status === 404;
    if (!opts.fallback || client.protocol === 'json2' || !missing) throw err;
    const json2 = new OdooClient({ ...opts, protocol: 'json2' });
    let other: RpcStruct;
    try {
      other = await json2.version();
    } catch {
      throw err;
    }
    const v = majorVersion(other);
    if (v === undefined || v < 19) throw err;
    fellBack = `${client.protocol === 'jsonrpc' ? 'JSON-RPC' : 'XML-RPC'} answered HTTP 404 and Odoo ${v} answered over JSON-2`;
    client = json2;
    info = other;
  }
  const version = majorVersion(info);
  if (client.protocol === 'json2' && version !== undefined && version < 19) {
    throw new UpstreamError(`Odoo at ${client.url.origin} is Odoo ${version}: JSON-2 needs Odoo 19 or later (log in without --protocol json2)`, 'protocol');
  }
  const uid = await client.authenticate();
  return { uid, version, protocol: client.protocol, ...(fellBack ? { fellBack } : {}), ...(client.loginUnchecked ? { loginUnchecked: client.loginUnchecked } : {}) };
}
