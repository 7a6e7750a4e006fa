// What the stand-in does with one HTTP request, independent of sockets: route it like Odoo's
// controllers (/xmlrpc/2/*, /xmlrpc/*, /jsonrpc, /json/2/*), authenticate, run the object service
// on the ORM, and render the answer or the error exactly in the protocol's and version's shape.

import {
  json2ErrorAnswer,
  json2ResultAnswer,
  jsonrpcErrorAnswer,
  jsonrpcInvalidJsonAnswer,
  jsonrpcResultAnswer,
  odooErrors,
  werkzeugHtmlAnswer,
  xmlrpcFaultAnswer,
  xmlrpcResultAnswer,
  type OdooError,
  type RpcAnswer,
} from '../../src/rpc/errors.js';
import { bearerToken, expatMessage, matchJson2Path, matchXmlRpcPath, pyFalsy } from '../../src/rpc/call.js';
import { parseJson, JsonParseError } from '../../src/rpc/json.js';
import { decodeMethodCall, XmlRpcParseError, XmlRpcEncodeError, XmlRpcValueError } from '../../src/rpc/xmlrpc.js';
import { isStruct, PyFloat, type RpcStruct, type RpcValue } from '../../src/rpc/values.js';
import type { Version } from './fields.js';
import { Orm } from './orm.js';
import { callJson2, callKw, findMethod, methodTable } from './methods.js';
import { OdooRaise, pyRepr, pyTypeName, raise } from './raise.js';
import { traceback, type Entry } from './traceback.js';

export type Protocol = 'xmlrpc' | 'jsonrpc' | 'json2' | 'http';

/** One request the stand-in received, as tests inspect it (did a denied call reach Odoo?). */
export interface ReceivedCall {
  seq: number;
  at: string;
  protocol: Protocol;
  httpMethod: string;
  path: string;
  /** 'common', 'object', 'db' (JSON-2: 'object'). */
  service?: string;
  /** execute_kw, execute, authenticate, version... (JSON-2: the ORM method). */
  function?: string;
  db?: string | null;
  model?: string;
  method?: string;
  /** The user the call ran as, once authenticated. */
  uid?: number;
  login?: string;
  /** HTTP status answered (absent when the connection was dropped). */
  status?: number;
  /** XML-RPC fault code / JSON error name, when the answer was an error. */
  error?: string;
  /** The fault switch applied to this request, if any. */
  fault?: string;
  headers: Record<string, string>;
  /** The raw request body (UTF-8). */
  body: string;
}

export interface HttpAnswer {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

export interface AuthBehaviour {
  /** Revoked API keys keep working on /xmlrpc and /jsonrpc once checked there (Odoo's check cache). */
  revokedKeysWorkWhileCached: boolean;
  /** Delay before refusing a wrong password or key for an existing user (Odoo hashes: ~0.32 s). */
  wrongKeyDelayMs: number;
  /** Delay before refusing an unknown login (Odoo answers fast: ~7 ms). */
  unknownLoginDelayMs: number;
}

const SERVER_VERSION: Record<Version, RpcStruct> = {
  18: { server_version: '18.0', server_version_info: [18, 0, 0, 'final', 0, ''], server_serie: '18.0', protocol_version: 1 },
  19: { server_version: '19.0', server_version_info: [19, 0, 0, 'final', 0, ''], server_serie: '19.0', protocol_version: 1 },
};

const NO_DB_HTML =
  '<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>No database is selected and the requested URL was not found in the server-wide controllers.</p>\n<p>Please verify the hostname, <a href=/web/login>login</a> and try again.</p>\n\n<!-- Alternatively, use the X-Odoo-Database header. -->\n';

const sleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

/** Headers in the order Odoo (werkzeug) sends them; Content-Length placed as recorded. */
function httpAnswer(a: RpcAnswer, layout: 'xml' | 'json' | 'html'): HttpAnswer {
  const length = String(Buffer.byteLength(a.body, 'utf8'));
  const out: Array<[string, string]> = [];
  const h = a.headers;
  if (layout === 'json') {
    if (h['WWW-Authenticate'] !== undefined) out.push(['WWW-Authenticate', h['WWW-Authenticate']]);
    out.push(['Content-Length', length]);
    out.push(['Content-Type', h['Content-Type']!]);
  } else {
    out.push(['Content-Type', h['Content-Type']!]);
    if (h.Allow) out.push(['Allow', h.Allow]);
    out.push(['Content-Length', length]);
  }
  if (h['X-Content-Type-Options']) out.push(['X-Content-Type-Options', h['X-Content-Type-Options']]);
  out.push(['Connection', 'close']);
  return { status: a.status, headers: out, body: a.body };
}

/** The message Python's json module gives for a body it cannot parse ("Expecting value: line 1 column 1 (char 0)"). */
function pythonJsonError(text: string, offset: number): string {
  // Python reports the start of the token it could not read; our parser may stop inside it.
  let pos = Math.min(Math.max(offset, 0), text.length);
  while (pos > 0 && /[A-Za-z0-9+\-.]/.test(text[pos - 1]!)) pos--;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - (before.lastIndexOf('\n') + 1) + 1;
  return `Expecting value: line ${line} column ${col} (char ${pos})`;
}

const JSONRPC_MIMETYPES = ['application/json', 'application/json-rpc'];

function mimetypeOf(headers: Record<string, string>): string {
  return (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** werkzeug's 415 page, as Odoo raises it when a request's Content-Type does not suit the route's type. */
function unsupportedMediaType(route: string, type: string, accept: string[]): HttpAnswer {
  const description = `Request inferred type is compatible with ['http'] but '${route}' is type='${type}'.\n\nPlease verify the Content-Type request header and try again.`;
  const escaped = description.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
  const page = werkzeugHtmlAnswer(415, escaped);
  const length = String(Buffer.byteLength(page.body, 'utf8'));
  return { status: 415, headers: [['Content-Type', 'text/html; charset=utf-8'], ['Content-Length', length], ['Accept', accept.join(', ')], ['Connection', 'close']], body: page.body };
}

export class StandinCore {
  readonly version: Version;
  readonly db: string;
  readonly orm: Orm;
  readonly auth: AuthBehaviour;
  readonly received: ReceivedCall[] = [];
  /** Keep at most this many entries in `received` (0 keeps none). */
  logLimit: number;
  private seq = 0;
  private readonly methods;
  /** (uid, key) pairs that passed the RPC credential check: Odoo's ormcache on res.users.check. */
  private readonly checkCache = new Set<string>();

  /** XML-RPC and JSON-RPC served (false: an Odoo without them, as announced after 19: their paths are 404). */
  readonly rpc: boolean;

  constructor(opts: { version: Version; db: string; orm: Orm; auth: AuthBehaviour; logLimit?: number; rpc?: boolean }) {
    this.version = opts.version;
    this.rpc = opts.rpc ?? true;
    this.db = opts.db;
    this.orm = opts.orm;
    this.auth = opts.auth;
    this.logLimit = opts.logLimit ?? 10_000;
    this.methods = methodTable(opts.version);
  }

  newEntry(httpMethod: string, path: string, headers: Record<string, string>, body: string): ReceivedCall {
    const protocol: Protocol = path.startsWith('/xmlrpc') ? 'xmlrpc' : path === '/jsonrpc' ? 'jsonrpc' : path === '/json/2' || path.startsWith('/json/2/') ? 'json2' : 'http';
    const entry: ReceivedCall = { seq: ++this.seq, at: new Date().toISOString(), protocol, httpMethod, path, headers, body };
    if (this.logLimit > 0) {
      this.received.push(entry);
      if (this.received.length > this.logLimit) this.received.splice(0, this.received.length - this.logLimit);
    }
    return entry;
  }

  /** Forgets the RPC credential cache (what an unrelated cache clear does in Odoo). */
  clearCredentialCache(): void {
    this.checkCache.clear();
  }

  async handle(httpMethod: string, rawPath: string, headers: Record<string, string>, body: Buffer, entry: ReceivedCall): Promise<HttpAnswer> {
    const path = rawPath.split('?')[0]!;
    const route = matchXmlRpcPath(path);
    let answer: HttpAnswer;
    if (route && this.rpc) answer = await this.handleXmlRpc(httpMethod, route, body, entry);
    else if (path === '/jsonrpc' && this.rpc) answer = await this.handleJsonRpc(headers, body, entry);
    else if (path === '/web/webclient/version_info' && httpMethod === 'POST') answer = this.versionInfo(headers, body);
    else if (this.version >= 19 && (path === '/json/2' || path.startsWith('/json/2/'))) answer = await this.handleJson2(httpMethod, path, headers, body, entry);
    else answer = httpAnswer(werkzeugHtmlAnswer(404, 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.'), 'html');
    entry.status = answer.status;
    return answer;
  }

  // -- errors --------------------------------------------------------------------------

  private toOdooError(e: unknown, entry: Entry): OdooError {
    if (e instanceof OdooRaise) {
      const err: OdooError = { ...e.error };
      err.debug = traceback(this.version, entry, err, e.frames);
      return err;
    }
    const err = odooErrors.builtin('Exception', e instanceof Error ? e.message : String(e));
    err.debug = traceback(this.version, entry, err);
    return err;
  }

  // -- XML-RPC -------------------------------------------------------------------------

  private async handleXmlRpc(httpMethod: string, route: { legacy: boolean; service: string }, body: Buffer, entry: ReceivedCall): Promise<HttpAnswer> {
    if (httpMethod === 'OPTIONS') {
      // werkzeug's automatic OPTIONS answer for a POST-only route.
      return { status: 200, headers: [['Content-Type', 'text/plain; charset=utf-8'], ['Allow', 'POST, OPTIONS'], ['Content-Length', '0'], ['Connection', 'close']], body: '' };
    }
    if (httpMethod !== 'POST') {
      return httpAnswer(werkzeugHtmlAnswer(405, 'The method is not allowed for the requested URL.', { Allow: 'POST, OPTIONS' }), 'html');
    }
    entry.service = route.service;
    let methodName: string;
    let params: RpcValue[];
    try {
      ({ methodName, params } = decodeMethodCall(body));
    } catch (e) {
      if (e instanceof XmlRpcValueError) {
        // A dateTime strptime cannot read: loads raises it while reading, before any dispatch.
        const err: OdooError = odooErrors.builtin(e.type, e.message);
        err.debug = traceback(this.version, 'xmlrpc-datetime', err);
        entry.error = err.name;
        return httpAnswer(xmlrpcFaultAnswer(err, { legacy: route.legacy, version: this.version }), 'xml');
      }
      if (!(e instanceof XmlRpcParseError)) throw e;
      const err: OdooError = { name: 'xml.parsers.expat.ExpatError', message: expatMessage(body, e) };
      err.debug = traceback(this.version, 'xmlrpc-parse', err);
      entry.error = err.name;
      return httpAnswer(xmlrpcFaultAnswer(err, { legacy: route.legacy, version: this.version }), 'xml');
    }
    entry.function = methodName;
    try {
      const result = await this.dispatchRpc(route.service, methodName, params, entry);
      try {
        return httpAnswer(xmlrpcResultAnswer(result), 'xml');
      } catch (e) {
        if (!(e instanceof XmlRpcEncodeError)) throw e;
        const type = e.message.startsWith('int exceeds') ? 'OverflowError' : 'TypeError';
        throw raise.builtin(type, e.message, [['/usr/lib/python3.11/xmlrpc/client.py', 1030, 'dumps', 'data = m.dumps(params)']]);
      }
    } catch (e) {
      const err = e instanceof OdooRaise && e.error.name === 'odoo.exceptions.AccessDenied' ? e.error : this.toOdooError(e, route.service === 'object' ? 'xmlrpc' : 'common');
      const answer = xmlrpcFaultAnswer(err, { legacy: route.legacy, version: this.version });
      entry.error = String(err.name);
      return httpAnswer(answer, 'xml');
    }
  }

  // -- JSON-RPC ------------------------------------------------------------------------

  /** A JSON-RPC route's envelope, or Odoo's answer when the request is not one (media type, JSON). */
  private jsonRpcEnvelope(route: string, headers: Record<string, string>, body: Buffer): { envelope: RpcStruct } | { refused: HttpAnswer } {
    if (!JSONRPC_MIMETYPES.includes(mimetypeOf(headers))) return { refused: unsupportedMediaType(route, this.version >= 19 ? 'jsonrpc' : 'json', JSONRPC_MIMETYPES) };
    let envelope: RpcValue;
    try {
      envelope = parseJson(body);
    } catch (e) {
      if (!(e instanceof JsonParseError)) throw e;
      return { refused: httpAnswer(jsonrpcInvalidJsonAnswer(), 'html') };
    }
    if (!isStruct(envelope)) return { refused: httpAnswer(jsonrpcInvalidJsonAnswer(), 'html') };
    return { envelope };
  }

  private async handleJsonRpc(headers: Record<string, string>, body: Buffer, entry: ReceivedCall): Promise<HttpAnswer> {
    const read = this.jsonRpcEnvelope('/jsonrpc', headers, body);
    if ('refused' in read) return read.refused;
    const envelope = read.envelope;
    const id = envelope.id;
    const params = envelope.params;
    const cls = this.version >= 19 ? 'JSONRPC' : 'RPC';
    try {
      if (!isStruct(params)) throw raise.typeError(`${cls}.jsonrpc() missing 3 required positional arguments: 'service', 'method', and 'args'`);
      const missing = ['service', 'method', 'args'].filter((k) => !(k in params));
      if (missing.length) {
        const q = missing.map((k) => `'${k}'`);
        const list = q.length === 1 ? q[0] : q.length === 2 ? `${q[0]} and ${q[1]}` : `${q[0]}, ${q[1]}, and ${q[2]}`;
        throw raise.typeError(`${cls}.jsonrpc() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`);
      }
      // Other members of params are dropped by Odoo's route_wrapper (params_ok), not refused.
      entry.service = String(params.service);
      entry.function = String(params.method);
      if (!Array.isArray(params.args)) throw raise.typeError(`${pyRepr(params.args)} is not a list of arguments`);
      const result = await this.dispatchRpc(String(params.service), String(params.method), params.args, entry);
      return httpAnswer(jsonrpcResultAnswer(id, result), 'json');
    } catch (e) {
      let err: OdooError;
      if (e instanceof OdooRaise && e.error.name === 'odoo.exceptions.AccessDenied' && this.version >= 19) err = { ...e.error, debug: 'odoo.exceptions.AccessDenied: Access Denied\n' };
      else err = this.toOdooError(e, 'jsonrpc');
      entry.error = err.name;
      return httpAnswer(jsonrpcErrorAnswer(id, err, this.version), 'json');
    }
  }

  // -- /web/webclient/version_info ----------------------------------------------------------

  /**
   * The web client's version route (addons/web/controllers/webclient.py: type='jsonrpc' on 19,
   * 'json' on 18, auth='none'), answering odoo.service.common.exp_version(): common.version's struct
   * in a JSON-RPC envelope. Not in the recordings; built from Odoo's source. It is in the web module,
   * not in the rpc one, so an Odoo without XML-RPC and JSON-RPC still has it.
   */
  private versionInfo(headers: Record<string, string>, body: Buffer): HttpAnswer {
    const read = this.jsonRpcEnvelope('/web/webclient/version_info', headers, body);
    if ('refused' in read) return read.refused;
    const envelope = read.envelope;
    return httpAnswer(jsonrpcResultAnswer(envelope.id, SERVER_VERSION[this.version]), 'json');
  }

  // -- the RPC services (common, db, object) ---------------------------------------------

  private checkDb(db: RpcValue): void {
    if (db !== this.db) {
      throw raise.other(
        'psycopg2.OperationalError',
        `connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  database ${JSON.stringify(String(db))} does not exist\n`,
        [['/usr/lib/python3/dist-packages/psycopg2/__init__.py', 122, 'connect', 'conn = _connect(dsn, connection_factory=connection_factory, **kwasync)']],
      );
    }
  }

  private async dispatchRpc(service: string, fn: string, params: RpcValue[], entry: ReceivedCall): Promise<RpcValue> {
    switch (service) {
      case 'common':
        return this.common(fn, params, entry);
      case 'db':
        return this.dbService(fn, params);
      case 'object':
        return this.object(fn, params, entry);
      default:
        throw raise.builtin('KeyError', pyRepr(service));
    }
  }

  private arity(fn: string, params: RpcValue[], names: string[]): void {
    if (params.length > names.length) throw raise.typeError(`exp_${fn}() takes ${names.length} positional argument${names.length === 1 ? '' : 's'} but ${params.length} were given`);
    const missing = names.slice(params.length);
    if (missing.length) {
      const q = missing.map((n) => `'${n}'`);
      const list = q.length === 1 ? q[0] : q.length === 2 ? `${q[0]} and ${q[1]}` : `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
      throw raise.typeError(`exp_${fn}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`);
    }
  }

  private async common(fn: string, params: RpcValue[], entry: ReceivedCall): Promise<RpcValue> {
    switch (fn) {
      case 'version':
        return SERVER_VERSION[this.version];
      case 'about':
        return 'See http://openerp.com';
      case 'login':
        this.arity(fn, params, ['db', 'login', 'password']);
        return this.authenticate(params[0]!, params[1]!, params[2]!, entry);
      case 'authenticate':
        this.arity(fn, params, ['db', 'login', 'password', 'user_agent_env']);
        return this.authenticate(params[0]!, params[1]!, params[2]!, entry);
      default:
        throw raise.builtin('Exception', `Method not found: ${fn}`);
    }
  }

  private dbService(fn: string, params: RpcValue[]): RpcValue {
    switch (fn) {
      case 'list':
        return [this.db];
      case 'server_version':
        return String(SERVER_VERSION[this.version].server_version);
      case 'db_exist':
        return params[0] === this.db;
      case 'list_lang':
        return [['en_US', 'English (US)']];
      default:
        throw raise.accessDenied();
    }
  }

  private userByLogin(login: RpcValue): number | undefined {
    for (const u of this.orm.allRecords('res.users')) if (u.active !== false && u.login === login) return u.id;
    return undefined;
  }

  /** Password or a live API key of that user. */
  private matches(uid: number, secret: RpcValue): boolean {
    const c = this.orm.credentials.get(uid);
    if (!c || typeof secret !== 'string' || secret === '') return false;
    return c.password === secret || c.apiKeys.some((k) => !k.revoked && k.key === secret);
  }

  private async authenticate(db: RpcValue, login: RpcValue, password: RpcValue, entry: ReceivedCall): Promise<RpcValue> {
    this.checkDb(db);
    entry.db = String(db);
    if (typeof login === 'string') entry.login = login;
    const uid = this.userByLogin(login);
    if (uid === undefined) {
      await sleep(this.auth.unknownLoginDelayMs);
      return false;
    }
    if (!this.matches(uid, password)) {
      await sleep(this.auth.wrongKeyDelayMs);
      return false;
    }
    entry.uid = uid;
    return uid;
  }

  /** odoo.service.security.check: the uid must exist, the password or key must be right (or cached). */
  private async checkCredentials(uid: number, secret: RpcValue): Promise<void> {
    const user = this.orm.record('res.users', uid);
    if (!user) throw raise.missingError(`Record does not exist or has been deleted.\n(Record: res.users(${uid},), User: ${uid})`);
    const cacheKey = `${uid}\u0000${String(secret)}`;
    if (user.active !== false && this.matches(uid, secret)) {
      this.checkCache.add(cacheKey);
      return;
    }
    if (this.auth.revokedKeysWorkWhileCached && this.checkCache.has(cacheKey) && user.active !== false) return;
    await sleep(this.auth.wrongKeyDelayMs);
    throw raise.accessDenied();
  }

  private pyInt(v: RpcValue): number {
    if (typeof v === 'number') return Math.trunc(v);
    if (v instanceof PyFloat) return Math.trunc(v.value);
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return Number(v);
    if (typeof v === 'string') throw raise.valueError(`invalid literal for int() with base 10: ${pyRepr(v)}`);
    throw raise.typeError(`int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(v)}'`);
  }

  private async object(fn: string, params: RpcValue[], entry: ReceivedCall): Promise<RpcValue> {
    if (params.length < 3) throw raise.builtin('IndexError', 'list index out of range');
    const [db, rawUid, secret] = params as [RpcValue, RpcValue, RpcValue];
    const uid = this.pyInt(rawUid);
    this.checkDb(db);
    entry.db = String(db);
    await this.checkCredentials(uid, secret);
    entry.uid = uid;
    if (fn !== 'execute' && fn !== 'execute_kw') throw raise.builtin('NameError', `Method not available ${fn}`);
    const rest = params.slice(3);
    let modelName: RpcValue;
    let method: RpcValue;
    let args: RpcValue[];
    let kwargs: RpcStruct = {};
    const fnName = this.version >= 19 ? 'odoo.service.model.execute_kw' : 'execute_kw';
    if (fn === 'execute_kw') {
      if (rest.length < 3) {
        const names = ['obj', 'method', 'args'].slice(rest.length).map((n) => `'${n}'`);
        const list = names.length === 1 ? names[0] : names.length === 2 ? `${names[0]} and ${names[1]}` : `${names[0]}, ${names[1]}, and ${names[2]}`;
        throw raise.typeError(`${fnName}() missing ${names.length} required positional argument${names.length > 1 ? 's' : ''}: ${list}`);
      }
      if (rest.length > 4) throw raise.typeError(`${fnName}() takes from 5 to 6 positional arguments but ${rest.length + 2} were given`);
      [modelName, method] = rest as [RpcValue, RpcValue];
      const rawArgs = rest[2]!;
      const rawKw = rest[3];
      if (!Array.isArray(rawArgs)) {
        if (typeof rawArgs === 'string') args = [...rawArgs];
        else throw raise.typeError(`odoo.service.model.execute() argument after * must be an iterable, not ${pyTypeName(rawArgs)}`);
      } else args = rawArgs;
      if (!pyFalsy(rawKw)) { // execute_kw: `**(kw or {})`
        if (!isStruct(rawKw)) throw raise.typeError(`odoo.service.model.execute() argument after ** must be a mapping, not ${pyTypeName(rawKw)}`);
        kwargs = rawKw;
      }
    } else {
      if (rest.length < 2) throw raise.typeError(`execute() missing ${2 - rest.length} required positional argument${rest.length === 0 ? 's' : ''}: ${rest.length === 0 ? "'obj' and 'method'" : "'method'"}`);
      [modelName, method] = rest as [RpcValue, RpcValue];
      args = rest.slice(2);
    }
    if (typeof modelName === 'string') entry.model = modelName;
    if (typeof method === 'string') entry.method = method;
    if (typeof method !== 'string') throw raise.typeError(`attribute name must be string, not '${pyTypeName(method)}'`);
    // 18.0 refuses private methods before looking the model up; 19.0 after.
    if (this.version < 19 && method.startsWith('_')) throw raise.accessError(`Private methods (such as ${method}) cannot be called remotely.`, [['/opt/odoo/odoo/models.py', 158, 'check_method_name', "raise AccessError(_lt('Private methods (such as %s) cannot be called remotely.', name))"]]);
    const model = typeof modelName === 'string' ? this.orm.model(modelName) : undefined;
    if (!model) throw raise.userError(`Object ${typeof modelName === 'string' ? modelName : pyRepr(modelName)} doesn't exist`, [['/opt/odoo/odoo/service/model.py', 51, 'execute_cr', 'raise UserError(env._("Object %s doesn\'t exist", obj))']]);
    if (this.version >= 19 && method.startsWith('_')) throw raise.accessError(`Private methods (such as '${model.name}.${method}') cannot be called remotely.`, [['/opt/odoo/odoo/service/model.py', 62, 'get_public_method', "raise AccessError(f\"Private methods (such as '{model._name}.{name}') cannot be called remotely.\")"]]);
    const spec = findMethod(this.methods, model, method);
    if (!spec) {
      throw raise.builtin(
        'AttributeError',
        this.version >= 19 ? `The method '${model.name}.${method}' does not exist` : `The method '${method}' does not exist on the model '${model.name}'`,
        [['/opt/odoo/odoo/api.py', 500, 'call_kw', "raise AttributeError(f\"The method '{name}' does not exist on the model '{model._name}'\")"]],
      );
    }
    const env = this.orm.env(uid);
    return callKw(env, model, method, spec, args, kwargs);
  }

  // -- JSON-2 --------------------------------------------------------------------------

  private async handleJson2(httpMethod: string, path: string, headers: Record<string, string>, body: Buffer, entry: ReceivedCall): Promise<HttpAnswer> {
    entry.service = 'object';
    const dbHeader = headers['x-odoo-database'];
    if (dbHeader !== undefined && dbHeader !== this.db) {
      return httpAnswer({ status: 404, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: NO_DB_HTML }, 'html');
    }
    entry.db = this.db;
    // The json2 dispatcher takes a JSON body or none at all (Odoo picks the dispatcher before authenticating).
    if (body.length > 0 && mimetypeOf(headers) !== 'application/json') return unsupportedMediaType('/json/2/<model>/<method>', 'json2', ['application/json']);
    const route = matchJson2Path(path);
    const fail = (e: unknown, where: Entry): HttpAnswer => {
      const err = this.toOdooError(e, where);
      entry.error = err.name;
      return httpAnswer(json2ErrorAnswer(err), 'json');
    };
    if (!route || httpMethod !== 'POST') {
      if (!['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].includes(httpMethod)) {
        return httpAnswer(werkzeugHtmlAnswer(405, 'The method is not allowed for the requested URL.', { Allow: 'DELETE, GET, PATCH, POST, PUT' }), 'html');
      }
      return fail(raise.http(404, 'Did you mean POST /json/2/<model>/<method>?', [['/opt/odoo/addons/rpc/controllers/json2.py', 44, 'web_json_2_404', 'raise request.not_found(e)']]), 'json2');
    }
    entry.model = route.model;
    entry.method = route.method;
    entry.function = route.method;
    // Authentication (auth='bearer') comes before the body is read.
    const authorization = headers.authorization;
    if (!authorization) return fail(raise.http(401, 'User not authenticated, use an API Key with a Bearer Authorization header.'), 'json2-auth');
    const token = bearerToken(authorization);
    const uid = token ? this.uidForApiKey(token) : undefined;
    if (uid === undefined) return fail(raise.http(401, 'Invalid apikey'), 'json2-auth');
    entry.uid = uid;
    let parsed: RpcValue;
    const text = body.toString('utf8');
    try {
      parsed = body.length === 0 ? {} : parseJson(body);
    } catch (e) {
      if (!(e instanceof JsonParseError)) throw e;
      return fail(raise.http(400, `could not parse the body as json: ${pythonJsonError(text, e.offset)}`), 'json2');
    }
    const named: RpcStruct = isStruct(parsed) ? parsed : {};
    try {
      const model = this.orm.model(route.model);
      if (!model) throw raise.http(404, `the model ${pyRepr(route.model)} does not exist`);
      if (route.method.startsWith('_')) throw raise.accessError(`Private methods (such as '${model.name}.${route.method}') cannot be called remotely.`);
      const spec = findMethod(this.methods, model, route.method);
      if (!spec) throw raise.http(404, `The method '${model.name}.${route.method}' does not exist`);
      const result = callJson2(this.orm.env(uid), model, route.method, spec, named);
      return httpAnswer(json2ResultAnswer(result), 'json');
    } catch (e) {
      return fail(e, 'json2');
    }
  }

  /** JSON-2 takes API keys only (no passwords), and a revoked key at once. */
  private uidForApiKey(key: string): number | undefined {
    for (const [uid, c] of this.orm.credentials) {
      if (c.apiKeys.some((k) => !k.revoked && k.key === key) && this.orm.record('res.users', uid)?.active !== false) return uid;
    }
    return undefined;
  }
}

