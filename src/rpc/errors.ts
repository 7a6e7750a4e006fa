// Odoo's errors, described once and rendered in each protocol's own shape, as Odoo 18 and 19
// render them (see ../shared/odoo-wire/README.md, "What the recordings show"). The proxy uses
// these for its own refusals so that clients report them like any Odoo error; the test stand-in
// uses them to answer like Odoo.

import { encodeFault, encodeMethodResponse } from './xmlrpc.js';
import { stringifyJson } from './json.js';
import type { RpcStruct, RpcValue } from './values.js';

/** Odoo major version, as far as the wire format is concerned (16 and 17 answer like 18). */
export type WireVersion = number;

export interface OdooError {
  /** Python exception class path: 'odoo.exceptions.AccessError', 'builtins.ValueError', 'werkzeug.exceptions.NotFound'. */
  name: string;
  message: string;
  /** HTTP status of a werkzeug HTTP exception (JSON-2 puts it in `arguments`). */
  httpStatus?: number;
  /** Traceback text; when absent, the last line alone (`Type: message\n`) stands in for it. */
  debug?: string;
  context?: RpcStruct;
}

export interface RpcAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const HTTP_REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function httpReason(status: number): string {
  return HTTP_REASON[status] ?? 'Error';
}

// Constructors for the errors the proxy and the stand-in raise.
export const odooErrors = {
  accessDenied: (message = 'Access Denied'): OdooError => ({ name: 'odoo.exceptions.AccessDenied', message }),
  accessError: (message: string): OdooError => ({ name: 'odoo.exceptions.AccessError', message }),
  userError: (message: string): OdooError => ({ name: 'odoo.exceptions.UserError', message }),
  validationError: (message: string): OdooError => ({ name: 'odoo.exceptions.ValidationError', message }),
  missingError: (message: string): OdooError => ({ name: 'odoo.exceptions.MissingError', message }),
  /** A Python builtin exception (TypeError, ValueError, KeyError...): fault code 1, JSON-2 status 500. */
  builtin: (type: string, message: string): OdooError => ({ name: `builtins.${type}`, message }),
  /** A werkzeug HTTP exception (JSON-2 statuses such as 401, 404, 422, 429). */
  http: (status: number, message: string): OdooError => ({
    name: `werkzeug.exceptions.${httpReason(status).replace(/ /g, '')}`,
    message,
    httpStatus: status,
  }),
};

/** The short class name: 'AccessError', 'ValueError', 'NotFound'. */
export function shortName(err: OdooError): string {
  return err.name.slice(err.name.lastIndexOf('.') + 1);
}

/** The last line of the traceback, as Python prints it. */
export function tracebackLastLine(err: OdooError): string {
  const type = err.name.startsWith('builtins.') ? shortName(err) : err.name;
  const message = err.httpStatus ? `${err.httpStatus} ${httpReason(err.httpStatus)}: ${err.message}` : err.message;
  return `${type}: ${message}\n`;
}

function debugText(err: OdooError): string {
  return err.debug ?? tracebackLastLine(err);
}

const USER_ERRORS = new Set(['UserError', 'ValidationError', 'MissingError', 'RedirectWarning', 'CacheMiss']);

function isOdooException(err: OdooError, ...names: string[]): boolean {
  return err.name.startsWith('odoo.exceptions.') && names.includes(shortName(err));
}

/** faultCode and faultString as rpc.py's xmlrpc_handle_exception_int / _string compute them. */
export function xmlrpcFaultOf(err: OdooError, legacy: boolean): { faultCode: number | string; faultString: string } {
  const n = shortName(err);
  const odoo = err.name.startsWith('odoo.exceptions.');
  if (!legacy) {
    if (odoo && n === 'AccessError') return { faultCode: 4, faultString: err.message };
    if (odoo && n === 'AccessDenied') return { faultCode: 3, faultString: err.message };
    if (odoo && USER_ERRORS.has(n)) return { faultCode: 2, faultString: err.message };
    return { faultCode: 1, faultString: debugText(err) };
  }
  if (isOdooException(err, 'RedirectWarning')) return { faultCode: `warning -- Warning\n\n${err.message}`, faultString: '' };
  if (isOdooException(err, 'MissingError')) return { faultCode: `warning -- MissingError\n\n${err.message}`, faultString: '' };
  if (isOdooException(err, 'AccessError')) return { faultCode: `warning -- AccessError\n\n${err.message}`, faultString: '' };
  if (isOdooException(err, 'AccessDenied')) return { faultCode: 'AccessDenied', faultString: err.message };
  if (odoo && USER_ERRORS.has(n)) return { faultCode: `warning -- UserError\n\n${err.message}`, faultString: '' };
  return { faultCode: err.message, faultString: debugText(err) };
}

export function xmlrpcResultAnswer(value: unknown): RpcAnswer {
  return {
    status: 200,
    headers: { 'Content-Type': 'text/xml; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
    body: encodeMethodResponse(value),
  };
}

export function xmlrpcFaultAnswer(err: OdooError, opts: { legacy: boolean; version: WireVersion }): RpcAnswer {
  const f = xmlrpcFaultOf(err, opts.legacy);
  const headers: Record<string, string> = { 'Content-Type': 'text/xml; charset=utf-8' };
  // 18.0 sends nosniff on faults too; 19.0 does not.
  if (opts.version < 19) headers['X-Content-Type-Options'] = 'nosniff';
  return { status: 200, headers, body: encodeFault(f.faultCode, f.faultString) };
}

/** The `error` member of a JSON-RPC answer, with data's keys in the version's order. */
export function jsonrpcErrorObject(err: OdooError, version: WireVersion): RpcStruct {
  const args: RpcValue[] = err.httpStatus ? [err.message, err.httpStatus] : [err.message];
  const context: RpcStruct = err.context ?? {};
  const name = err.name;
  const data: RpcStruct =
    version >= 19
      ? { name, message: err.message, arguments: args, context, debug: debugText(err) }
      : { name, debug: debugText(err), message: err.message, arguments: args, context };
  const message = shortName(err) === 'SessionExpiredException' ? 'Odoo Session Expired' : 'Odoo Server Error';
  return { code: version >= 19 ? 0 : 200, message, data };
}

export function jsonrpcResultAnswer(id: RpcValue | undefined, result: unknown): RpcAnswer {
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
    body: stringifyJson({ jsonrpc: '2.0', id: id ?? null, result }),
  };
}

export function jsonrpcErrorAnswer(id: RpcValue | undefined, err: OdooError, version: WireVersion): RpcAnswer {
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: stringifyJson({ jsonrpc: '2.0', id: id ?? null, error: jsonrpcErrorObject(err, version) }),
  };
}

/** /jsonrpc's answer to a body that is not JSON: HTTP 400, plain text. */
export function jsonrpcInvalidJsonAnswer(): RpcAnswer {
  return { status: 400, headers: { 'Content-Type': 'text/html; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }, body: 'Invalid JSON data' };
}

/** The HTTP status JSON-2 gives an exception (addons/rpc/controllers/json2.py and http.py). */
export function json2Status(err: OdooError): number {
  if (err.httpStatus) return err.httpStatus;
  const n = shortName(err);
  if (err.name.startsWith('odoo.exceptions.')) {
    if (n === 'AccessError') return 403;
    if (n === 'AccessDenied') return 401;
    if (n === 'MissingError') return 404;
    if (USER_ERRORS.has(n)) return 422;
  }
  return 500;
}

export function json2ResultAnswer(result: unknown): RpcAnswer {
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
    body: stringifyJson(result),
  };
}

export function json2ErrorAnswer(err: OdooError): RpcAnswer {
  const status = json2Status(err);
  const args: RpcValue[] = err.httpStatus ? [err.message, err.httpStatus] : [err.message];
  const headers: Record<string, string> = {};
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer ';
  headers['Content-Type'] = 'application/json; charset=utf-8';
  return {
    status,
    headers,
    body: stringifyJson({ name: err.name, message: err.message, arguments: args, context: err.context ?? {}, debug: debugText(err) }),
  };
}

/** werkzeug's HTML error page (405 on a GET to /xmlrpc, 404 for an unknown database). */
export function werkzeugHtmlAnswer(status: number, description: string, extraHeaders: Record<string, string> = {}): RpcAnswer {
  const body = `<!doctype html>\n<html lang=en>\n<title>${status} ${httpReason(status)}</title>\n<h1>${httpReason(status)}</h1>\n<p>${description}</p>\n`;
  return { status, headers: { 'Content-Type': 'text/html; charset=utf-8', ...extraHeaders }, body };
}
