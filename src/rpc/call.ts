// One normalized shape for an RPC, whatever protocol carried it.
//
// Decoding happens in two steps: the wire format into an RpcRequest (which service and function,
// with what raw parameters), then an object-service request into an OdooCall (model, method,
// arguments), the shape the scope engine decides on and the upstream side re-encodes.

import { parseJson, JsonParseError } from './json.js';
import { decodeMethodCall, xmlBodyText, XmlRpcParseError, XmlRpcValueError } from './xmlrpc.js';
import { isStruct, PyFloat, type RpcStruct, type RpcValue } from './values.js';
import { odooErrors, type OdooError } from './errors.js';

export type Protocol = 'xmlrpc' | 'jsonrpc' | 'json2';

/** A request as it arrived: decoded, not yet interpreted. */
export interface RpcRequest {
  protocol: Protocol;
  /** XML-RPC on the unversioned /xmlrpc/<service> paths (string fault codes). */
  legacy: boolean;
  /** 'common', 'object', 'db', ... ('object' for JSON-2). */
  service: string;
  /** XML-RPC methodName or JSON-RPC params.method ('execute_kw', 'authenticate', ...); JSON-2: the ORM method. */
  function: string;
  /** XML-RPC params or JSON-RPC params.args; empty for JSON-2. */
  params: RpcValue[];
  /** JSON-RPC: the request id, echoed in the answer. */
  jsonrpcId?: RpcValue;
  /** JSON-2 only. */
  json2?: Json2Request;
}

export interface Json2Request {
  model: string;
  method: string;
  /** The request body: named parameters, plus `ids` and `context`. */
  body: RpcStruct;
  /** The key from `Authorization: bearer <key>`, or null. */
  bearer: string | null;
  /** X-Odoo-Database, or null when absent. */
  database: string | null;
}

/** An ORM call (object service), the shape the scope engine decides on. */
export interface OdooCall {
  protocol: Protocol;
  /** How the client called: execute_kw(db, uid, key, model, method, args, kw), execute(db, uid, key, model, method, *args), or JSON-2. */
  entry: 'execute_kw' | 'execute' | 'json2';
  /** The database the client named; null for JSON-2 without X-Odoo-Database. */
  db: string | null;
  /** The uid the client sent (never trusted; replaced upstream); null for JSON-2. */
  uid: RpcValue;
  /** The key the client presented, as a password or bearer token. */
  credential: string | null;
  model: string;
  method: string;
  /** Positional arguments: execute_kw's args, execute's trailing params; empty for JSON-2. For record methods the ids come first. */
  args: RpcValue[];
  /** Keyword arguments: execute_kw's kw (with `context` inside); empty for execute; JSON-2's named parameters without `ids` and `context`. */
  kwargs: RpcStruct;
  /** JSON-2 only: the body's `ids`, when present. */
  ids?: RpcValue;
  /** JSON-2 only: the body's `context`, when present. */
  context?: RpcValue;
}

/** A request the proxy cannot even interpret, with the Odoo-shaped error to answer. */
export class RpcDecodeError extends Error {
  constructor(
    readonly error: OdooError,
    /** For JSON-RPC: the HTTP-level "Invalid JSON data" answer rather than an error object. */
    readonly invalidJson = false,
    readonly jsonrpcId?: RpcValue,
  ) {
    super(error.message);
    this.name = 'RpcDecodeError';
  }
}

export interface DecodeLimits {
  maxDepth?: number;
  /** Odoo major version whose wording errors use (18.0 says `RPC.jsonrpc()`, 19.0 `JSONRPC.jsonrpc()`); default 19. */
  version?: number;
}

/**
 * expat's message for a body that is not well-formed XML, as Odoo's traceback ends: "no element
 * found: line 5, column 0" for a truncated or empty body (recordings xmlrpc/38 and 39), else
 * "not well-formed (invalid token): line L, column C" at the place our reader stopped.
 */
export function expatMessage(body: Uint8Array | string, e: XmlRpcParseError): string {
  const text = xmlBodyText(body);
  const truncated = /unexpected end|empty XML-RPC body|unterminated/.test(e.message) || e.offset >= text.length;
  const pos = truncated ? text.length : Math.min(e.offset, text.length);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - (before.lastIndexOf('\n') + 1);
  return truncated ? `no element found: line ${line}, column ${col}` : `not well-formed (invalid token): line ${line}, column ${col}`;
}

export interface XmlRpcRoute {
  legacy: boolean;
  service: string;
}

/** /xmlrpc/2/<service> and the legacy /xmlrpc/<service>; null for anything else. */
export function matchXmlRpcPath(path: string): XmlRpcRoute | null {
  const m = /^\/xmlrpc\/(2\/)?([^/]+)\/?$/.exec(path);
  if (!m) return null;
  return { legacy: m[1] === undefined, service: m[2]! };
}

/** /json/2/<model>/<method>; null when the path is not of that form. */
export function matchJson2Path(path: string): { model: string; method: string } | null {
  const m = /^\/json\/2\/([^/]+)\/([^/]+)\/?$/.exec(path);
  if (!m) return null;
  try {
    return { model: decodeURIComponent(m[1]!), method: decodeURIComponent(m[2]!) };
  } catch {
    return null;
  }
}

export function decodeXmlRpcRequest(route: XmlRpcRoute, body: Uint8Array | string, limits: DecodeLimits = {}): RpcRequest {
  try {
    const { methodName, params } = decodeMethodCall(body, limits);
    return { protocol: 'xmlrpc', legacy: route.legacy, service: route.service, function: methodName, params };
  } catch (e) {
    if (e instanceof XmlRpcParseError) throw new RpcDecodeError({ name: 'xml.parsers.expat.ExpatError', message: expatMessage(body, e) });
    if (e instanceof XmlRpcValueError) throw new RpcDecodeError(odooErrors.builtin(e.type, e.message));
    throw e;
  }
}

export function decodeJsonRpcRequest(body: Uint8Array | string, limits: DecodeLimits = {}): RpcRequest {
  let envelope: RpcValue;
  try {
    envelope = parseJson(body, limits);
  } catch (e) {
    if (e instanceof JsonParseError) throw new RpcDecodeError(odooErrors.builtin('ValueError', e.message), true);
    throw e;
  }
  if (!isStruct(envelope)) throw new RpcDecodeError(odooErrors.builtin('ValueError', 'the JSON-RPC request must be an object'), true);
  const id = envelope.id;
  const p = envelope.params;
  const cls = (limits.version ?? 19) >= 19 ? 'JSONRPC' : 'RPC';
  if (!isStruct(p)) {
    throw new RpcDecodeError(odooErrors.builtin('TypeError', `${cls}.jsonrpc() missing 3 required positional arguments: 'service', 'method', and 'args'`), false, id);
  }
  const missing = ['service', 'method', 'args'].filter((k) => !(k in p));
  if (missing.length) {
    const names = missing.map((k) => `'${k}'`);
    const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')}${names.length > 2 ? ',' : ''} and ${names[names.length - 1]}`;
    throw new RpcDecodeError(odooErrors.builtin('TypeError', `${cls}.jsonrpc() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`), false, id);
  }
  if (typeof p.service !== 'string' || typeof p.method !== 'string') throw new RpcDecodeError(odooErrors.builtin('TypeError', 'service and method must be strings'), false, id);
  if (!Array.isArray(p.args)) throw new RpcDecodeError(odooErrors.builtin('TypeError', 'args must be a list'), false, id);
  return { protocol: 'jsonrpc', legacy: false, service: p.service, function: p.method, params: p.args, jsonrpcId: id };
}

/** The key from an `Authorization: bearer <key>` header (scheme case-insensitive), or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1]! : null;
}

/** The JSON-2 controller's own parameters that name what is called: never accepted in a body. */
export const JSON2_ROUTE_PARAMS = ['model', 'method'] as const;

/** Every key of a JSON-2 body that is not a keyword argument of the method called. */
export const JSON2_RESERVED_KEYS: ReadonlySet<string> = new Set(['ids', 'context', ...JSON2_ROUTE_PARAMS]);

export function decodeJson2Request(
  route: { model: string; method: string },
  headers: { authorization?: string; database?: string },
  body: Uint8Array | string,
  limits: DecodeLimits = {},
): RpcRequest {
  let parsed: RpcValue = {};
  try {
    // Odoo's Json2Dispatcher parses the body only when Content-Length is over 0: an empty body
    // calls the method with no parameters (a whitespace-only one is still a parse error).
    if (body.length > 0) parsed = parseJson(body, limits);
  } catch (e) {
    if (e instanceof JsonParseError) throw new RpcDecodeError(odooErrors.http(400, `could not parse the body as json: ${e.message}`));
    throw e;
  }
  // Odoo ignores a non-object body and then fails to bind the arguments (recording json2/21).
  const named: RpcStruct = isStruct(parsed) ? parsed : {};
  // Odoo's JSON-2 controller takes `model` and `method` as parameters too, and some Odoo 19 builds
  // let the body's replace the URL's: the proxy would check one model and Odoo run another. No
  // method can receive them as arguments (the controller takes them), so they are refused.
  for (const name of JSON2_ROUTE_PARAMS) {
    if (Object.hasOwn(named, name)) throw new RpcDecodeError(odooErrors.http(400, `the body must not name '${name}': on /json/2/<model>/<method> the URL names the model and the method`));
  }
  return {
    protocol: 'json2',
    legacy: false,
    service: 'object',
    function: route.method,
    params: [],
    json2: { model: route.model, method: route.method, body: named, bearer: bearerToken(headers.authorization), database: headers.database ?? null },
  };
}

/**
 * Interprets an object-service request as an ORM call. Shapes that Odoo itself would reject
 * (too few arguments, wrong types) raise an RpcDecodeError with the error Odoo would give.
 */
export function toOdooCall(req: RpcRequest): OdooCall {
  if (req.protocol === 'json2') {
    const j = req.json2!;
    const { ids, context, ...named } = j.body;
    const call: OdooCall = { protocol: 'json2', entry: 'json2', db: j.database, uid: null, credential: j.bearer, model: j.model, method: j.method, args: [], kwargs: named };
    if ('ids' in j.body) call.ids = ids as RpcValue;
    if ('context' in j.body) call.context = context as RpcValue;
    return call;
  }
  if (req.service !== 'object') throw new RpcDecodeError(odooErrors.builtin('ValueError', `not an object-service call: ${req.service}`));
  const p = req.params;
  if (req.function === 'execute_kw') {
    if (p.length < 6) throw new RpcDecodeError(odooErrors.builtin('TypeError', `execute_kw() missing ${6 - p.length} required positional argument${6 - p.length > 1 ? 's' : ''}`));
    if (p.length > 7) throw new RpcDecodeError(odooErrors.builtin('TypeError', `execute_kw() takes from 6 to 7 positional arguments but ${p.length} were given`));
    const [db, uid, credential, model, method, args, kwargs] = p;
    checkHead(db, credential, model, method);
    if (!Array.isArray(args)) throw new RpcDecodeError(odooErrors.builtin('TypeError', 'execute_kw: args must be a list'));
    // Odoo's execute_kw runs `**(kw or {})`: any value Python reads as false is no keyword arguments.
    if (!pyFalsy(kwargs) && !isStruct(kwargs)) throw new RpcDecodeError(odooErrors.builtin('TypeError', 'execute_kw: kwargs must be a dictionary'));
    return { protocol: req.protocol, entry: 'execute_kw', db: db as string, uid: uid ?? null, credential: credential as string, model: model as string, method: method as string, args, kwargs: withoutFalsyContext(isStruct(kwargs) ? kwargs : {}) };
  }
  if (req.function === 'execute') {
    if (p.length < 5) throw new RpcDecodeError(odooErrors.builtin('TypeError', `execute() missing ${5 - p.length} required positional argument${5 - p.length > 1 ? 's' : ''}`));
    const [db, uid, credential, model, method, ...args] = p;
    checkHead(db, credential, model, method);
    return { protocol: req.protocol, entry: 'execute', db: db as string, uid: uid ?? null, credential: credential as string, model: model as string, method: method as string, args, kwargs: {} };
  }
  throw new RpcDecodeError(odooErrors.builtin('AttributeError', `module 'odoo.service.model' has no attribute 'exp_${req.function}'`));
}

/**
 * Whether Python reads a decoded value as false: None, False, 0, 0.0, '', [] and {}. A base64 or
 * dateTime value is an object Python always reads as true (xmlrpc.client.Binary, datetime); NaN is true.
 */
export function pyFalsy(v: RpcValue | undefined): boolean {
  if (v === undefined || v === null || v === false || v === '') return true;
  if (typeof v === 'number') return v === 0;
  if (v instanceof PyFloat) return v.value === 0;
  if (Array.isArray(v)) return v.length === 0;
  if (isStruct(v)) return Object.keys(v).length === 0;
  return false;
}

/**
 * execute_kw's keyword arguments without a `context` that Odoo reads as none (call_kw:
 * `kwargs.pop('context', None) or {}`): odoo-await sends a missing one as `<value/>`, read as ''.
 * Dropped rather than kept, so that what goes upstream (also re-encoded as JSON-2, where Odoo would
 * refuse a 0 or a False) is plainly what the engine checked: no context.
 */
function withoutFalsyContext(kwargs: RpcStruct): RpcStruct {
  if (!Object.hasOwn(kwargs, 'context') || isStruct(kwargs.context) || !pyFalsy(kwargs.context)) return kwargs;
  const { context: _dropped, ...rest } = kwargs;
  return rest;
}

function checkHead(db: RpcValue | undefined, credential: RpcValue | undefined, model: RpcValue | undefined, method: RpcValue | undefined): void {
  if (typeof db !== 'string') throw new RpcDecodeError(odooErrors.builtin('TypeError', 'the database name must be a string'));
  if (typeof credential !== 'string') throw new RpcDecodeError(odooErrors.accessDenied());
  if (typeof model !== 'string') throw new RpcDecodeError(odooErrors.builtin('TypeError', 'the model name must be a string'));
  if (typeof method !== 'string') throw new RpcDecodeError(odooErrors.builtin('TypeError', 'the method name must be a string'));
}
