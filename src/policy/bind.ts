// Binding a call to its method's parameters: whatever shape the client used (execute_kw positional
// or keyword arguments, execute's positional-only arguments, JSON-2 named parameters), the engine
// sees the same named parameters, ids and context. rebuildCall() turns a (possibly rewritten)
// binding back into an OdooCall; the proxy also uses the pair to carry an XML-RPC call to a
// JSON-2-only upstream (bindCall on the XML-RPC call, then json2Params on the result).

import { JSON2_RESERVED_KEYS, type OdooCall } from '../rpc/call.js';
import { isStruct, type RpcStruct, type RpcValue } from '../rpc/values.js';
import { signatureOf, type MethodSignature } from './methods.js';

export interface BoundCall {
  call: OdooCall;
  /** Undefined for methods outside the standard table (action_confirm, message_post, ...). */
  signature: MethodSignature | undefined;
  /** The record ids: execute_kw/execute's first argument for record methods, JSON-2's `ids`. */
  ids: RpcValue | undefined;
  /** Named parameters, whether the client gave them by position or by name. */
  params: Record<string, RpcValue>;
  /** How many parameters (after the ids) the client gave by position; they are rebuilt the same way. */
  positional: number;
  /** The context: execute_kw's kwargs.context or JSON-2's `context`. */
  context: RpcValue | undefined;
  /** For methods outside the table: positional arguments after the ids, and keyword arguments, as given. */
  extraArgs: RpcValue[];
  extraKwargs: RpcStruct;
}

export class BindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BindError';
  }
}

/** Whether `o` has `k` as its own property (a field name, not one of Object's). */
export function own(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/**
 * Maps a call onto its method's named parameters for an Odoo version. Throws BindError (with the
 * reason Odoo would give a TypeError for) when arguments do not fit the signature: too many
 * positional arguments, an unknown keyword, or one given twice.
 */
export function bindCall(call: OdooCall, version: number): BoundCall {
  const signature = signatureOf(call.method, version);
  const kwargs: RpcStruct = { ...call.kwargs };
  let context: RpcValue | undefined;
  if (call.entry === 'json2') {
    context = call.context;
  } else if (own(kwargs, 'context')) {
    context = kwargs.context;
    delete kwargs.context;
  }
  let args = [...call.args];
  let ids: RpcValue | undefined;
  if (call.entry === 'json2') {
    ids = call.ids;
  } else if (signature ? signature.records : args.length > 0) {
    // Record methods take their ids first (Odoo's call_kw_multi); for methods outside the table
    // the first argument is taken as ids, as Odoo does for any method not marked @api.model.
    if (signature && args.length === 0) throw new BindError(`${call.method} works on records: the record ids must come first`);
    ids = args.shift();
  }
  if (!signature) {
    return { call, signature, ids, params: {}, positional: 0, context, extraArgs: args, extraKwargs: kwargs };
  }
  const params: Record<string, RpcValue> = {};
  if (args.length > signature.params.length) {
    throw new BindError(`${call.method}() takes ${signature.params.length} argument${signature.params.length === 1 ? '' : 's'} after the ids, but ${args.length} were given`);
  }
  args.forEach((v, i) => {
    params[signature.params[i]!] = v;
  });
  for (const name of Object.keys(kwargs).sort()) {
    if (!signature.params.includes(name) && !(signature.keywordOnly ?? []).includes(name)) {
      throw new BindError(`${call.method}() got an unexpected keyword argument '${name}'`);
    }
    if (own(params, name)) throw new BindError(`${call.method}() got multiple values for argument '${name}'`);
    params[name] = kwargs[name]!;
  }
  return { call, signature, ids, params, positional: args.length, context, extraArgs: [], extraKwargs: {} };
}

/**
 * The call a binding stands for: positional parameters stay positional, the others go by name.
 * A rewrite that adds a keyword argument to an `execute` call turns it into `execute_kw` (the proxy
 * forwards object calls upstream as execute_kw or JSON-2 anyway).
 */
export function rebuildCall(b: BoundCall): OdooCall {
  const c = b.call;
  const out: OdooCall = { ...c, args: [], kwargs: {} };
  delete out.ids;
  delete out.context;
  if (c.entry === 'json2') {
    out.kwargs = b.signature ? { ...b.params } : { ...b.extraKwargs };
    if (b.ids !== undefined) out.ids = b.ids;
    if (b.context !== undefined) out.context = b.context;
    return out;
  }
  const args: RpcValue[] = [];
  const kwargs: RpcStruct = {};
  if (b.ids !== undefined) args.push(b.ids);
  if (b.signature) {
    const names = b.signature.params;
    for (let i = 0; i < b.positional; i++) args.push(own(b.params, names[i]!) ? b.params[names[i]!]! : null);
    for (const [k, v] of Object.entries(b.params)) {
      const i = names.indexOf(k);
      if (i < 0 || i >= b.positional) kwargs[k] = v;
    }
  } else {
    args.push(...b.extraArgs);
    Object.assign(kwargs, b.extraKwargs);
  }
  if (b.context !== undefined) kwargs.context = b.context;
  out.args = args;
  out.kwargs = kwargs;
  if (c.entry === 'execute' && Object.keys(kwargs).length > 0) out.entry = 'execute_kw';
  return out;
}

/** JSON-2 named parameters for a binding (ids and context included), for a JSON-2-only upstream. */
export function json2Params(b: BoundCall): RpcStruct {
  // A keyword argument named like a key the JSON-2 body reserves would replace the checked ids or
  // context, or the model and method, once it is in the body: such a call cannot be carried.
  for (const name of Object.keys(b.signature ? b.params : b.extraKwargs)) {
    if (JSON2_RESERVED_KEYS.has(name)) throw new BindError(`a keyword argument named '${name}' cannot be carried in a JSON-2 body, where '${name}' means something else`);
  }
  const body: RpcStruct = {};
  if (b.ids !== undefined) body.ids = b.ids;
  if (b.signature) Object.assign(body, b.params);
  else {
    if (b.extraArgs.length > 0) throw new BindError(`${b.call.method} was called with positional arguments, which JSON-2 cannot carry for a method the engine does not know`);
    Object.assign(body, b.extraKwargs);
  }
  if (b.context !== undefined) body.context = b.context;
  return body;
}

/** The call as JSON-2 named parameters, for a JSON-2-only upstream. Throws BindError when it cannot be mapped. */
export function toJson2Call(call: OdooCall, version: number): OdooCall {
  const { ids, context, ...named } = json2Params(bindCall(call, version));
  const out: OdooCall = { ...call, entry: 'json2', args: [], kwargs: named };
  if (ids !== undefined) out.ids = ids;
  if (context !== undefined) out.context = context;
  return out;
}

/**
 * A JSON-2 result as execute_kw would have given it. The one difference that matters: JSON-2's
 * create always answers a list, execute_kw's create answers a bare id for a single dict.
 */
export function executeKwResult(call: OdooCall, version: number, result: RpcValue): RpcValue {
  if (call.method !== 'create' || !Array.isArray(result) || result.length !== 1) return result;
  try {
    const vals = bindCall(call, version).params.vals_list;
    return isStruct(vals) ? result[0]! : result;
  } catch {
    return result;
  }
}

export function isStructValue(v: RpcValue | undefined): v is RpcStruct {
  return v !== undefined && isStruct(v);
}
