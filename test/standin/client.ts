// A minimal client for tests: XML-RPC, JSON-RPC and JSON-2 calls against a stand-in (or a proxy
// in front of it), returning the decoded result or throwing an RpcCallError that carries what
// came back (fault code and string, JSON-RPC error data, JSON-2 status and body).

import { decodeMethodResponse, encodeMethodCall } from '../../src/rpc/xmlrpc.js';
import { parseJson } from '../../src/rpc/json.js';
import { isStruct, type RpcStruct, type RpcValue } from '../../src/rpc/values.js';

export class RpcCallError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** XML-RPC faultCode; JSON-RPC error.data.name; JSON-2 body.name. */
    readonly code: RpcValue,
    readonly body: string,
  ) {
    super(message);
    this.name = 'RpcCallError';
  }
}

export async function xmlrpc(baseUrl: string, path: string, method: string, params: unknown[]): Promise<RpcValue> {
  const res = await fetch(new URL(path, baseUrl), { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: encodeMethodCall(method, params) });
  const text = await res.text();
  if (res.status !== 200) throw new RpcCallError(`HTTP ${res.status}`, res.status, null, text);
  const r = decodeMethodResponse(text);
  if (r.kind === 'fault') throw new RpcCallError(String(r.faultString), 200, r.faultCode, text);
  return r.value;
}

/** execute_kw over /xmlrpc/2/object. */
export function executeKw(baseUrl: string, db: string, uid: number, key: string, model: string, method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): Promise<RpcValue> {
  return xmlrpc(baseUrl, '/xmlrpc/2/object', 'execute_kw', [db, uid, key, model, method, args, kwargs]);
}

export async function jsonrpc(baseUrl: string, service: string, method: string, args: unknown[]): Promise<RpcValue> {
  const res = await fetch(new URL('/jsonrpc', baseUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id: 1 }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new RpcCallError(`HTTP ${res.status}`, res.status, null, text);
  const v = parseJson(text);
  if (isStruct(v) && isStruct(v.error)) {
    const data = isStruct(v.error.data) ? v.error.data : {};
    throw new RpcCallError(String(data.message ?? v.error.message), 200, data.name ?? null, text);
  }
  return isStruct(v) ? (v.result ?? null) : null;
}

export async function json2(baseUrl: string, key: string | null, model: string, method: string, body: RpcStruct = {}, db?: string): Promise<RpcValue> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
  if (key !== null) headers.Authorization = `bearer ${key}`;
  if (db) headers['X-Odoo-Database'] = db;
  const res = await fetch(new URL(`/json/2/${model}/${method}`, baseUrl), { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 200) {
    let name: RpcValue = null;
    let message = `HTTP ${res.status}`;
    try {
      const v = parseJson(text);
      if (isStruct(v)) {
        name = v.name ?? null;
        message = String(v.message ?? message);
      }
    } catch {
      // an HTML page (unknown database)
    }
    throw new RpcCallError(message, res.status, name, text);
  }
  return parseJson(text);
}
