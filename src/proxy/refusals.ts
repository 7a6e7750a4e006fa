// The proxy's own answers (refusals, upstream trouble) in the protocol the client spoke, shaped
// as Odoo shapes its errors, so every client reports them normally. The text always starts with
// `odoo-keys:` so a person can tell the proxy from Odoo.

import type { Protocol } from '../rpc/call.js';
import type { RpcValue } from '../rpc/values.js';
import { jsonrpcErrorAnswer, json2ErrorAnswer, xmlrpcFaultAnswer, jsonrpcInvalidJsonAnswer, odooErrors, type OdooError, type RpcAnswer } from '../rpc/errors.js';

export type RefusalKind =
  /** Missing, unknown, malformed, revoked or expired key: AccessDenied / 401. */
  | 'auth'
  /** The scope does not allow the call: AccessError / 403. */
  | 'denied'
  /** Too many calls or failed attempts: 429 on JSON-2. */
  | 'throttled'
  /** Concurrency cap reached, journal not writable, shutting down: 503 on JSON-2. */
  | 'unavailable'
  /** The request cannot be interpreted: 400 / 422. */
  | 'bad_request'
  /** Odoo could not be reached or broke: 502 / 504 on JSON-2. */
  | 'upstream'
  /** A route or service the proxy never carries (db service, session routes): 403 / 404. */
  | 'not_carried';

export interface ClientContext {
  protocol: Protocol;
  legacy: boolean;
  /** Odoo major version whose error shapes to use. */
  version: number;
  jsonrpcId?: RpcValue;
}

function errorFor(kind: RefusalKind, message: string, protocol: Protocol, httpStatus?: number): OdooError {
  const text = message.startsWith('odoo-keys:') ? message : `odoo-keys: ${message}`;
  // For the proxy's own errors there is no traceback; the message stands in for it, so an
  // XML-RPC faultString (code 1) and a JSON debug member read as the message itself.
  const own = (e: OdooError): OdooError => ({ ...e, debug: `${text}\n` });
  if (protocol === 'json2') {
    switch (kind) {
      case 'auth':
        return own(odooErrors.http(401, text));
      case 'denied':
        return own(odooErrors.accessError(text));
      case 'throttled':
        return own(odooErrors.http(429, text));
      case 'unavailable':
        return own(odooErrors.http(503, text));
      case 'bad_request':
        return own(odooErrors.http(httpStatus ?? 400, text));
      case 'upstream':
        return own(odooErrors.http(httpStatus ?? 502, text));
      case 'not_carried':
        return own(odooErrors.http(httpStatus ?? 403, text));
    }
  }
  switch (kind) {
    case 'auth':
      return own(odooErrors.accessDenied(text));
    case 'denied':
    case 'not_carried':
      return own(odooErrors.accessError(text));
    case 'throttled':
    case 'unavailable':
      return own(odooErrors.userError(text));
    case 'bad_request':
      return own(odooErrors.builtin('ValueError', text));
    case 'upstream':
      return own(odooErrors.builtin('ConnectionError', text));
  }
}

export function refusalAnswer(ctx: ClientContext, kind: RefusalKind, message: string, httpStatus?: number): RpcAnswer {
  const err = errorFor(kind, message, ctx.protocol, httpStatus);
  if (ctx.protocol === 'json2') return json2ErrorAnswer(err);
  if (ctx.protocol === 'jsonrpc') return jsonrpcErrorAnswer(ctx.jsonrpcId, err, ctx.version);
  return xmlrpcFaultAnswer(err, { legacy: ctx.legacy, version: ctx.version });
}

/** An Odoo-shaped error the decoder produced (malformed XML, missing params...). */
export function decodeErrorAnswer(ctx: ClientContext, err: OdooError, invalidJson: boolean): RpcAnswer {
  if (ctx.protocol === 'jsonrpc' && invalidJson) return jsonrpcInvalidJsonAnswer();
  const own: OdooError = { ...err, message: `odoo-keys: ${err.message}`, debug: `odoo-keys: ${err.message}\n` };
  if (ctx.protocol === 'json2') return json2ErrorAnswer(own);
  if (ctx.protocol === 'jsonrpc') return jsonrpcErrorAnswer(ctx.jsonrpcId, own, ctx.version);
  return xmlrpcFaultAnswer(own, { legacy: ctx.legacy, version: ctx.version });
}
