// The small calls the benchmarks send, encoded once: search_read of 10 partners and read of one,
// over XML-RPC (execute_kw) and JSON-2, with either the upstream key (direct) or an odk_ key.

import http from 'node:http';
import { encodeMethodCall } from '../../src/rpc/xmlrpc.js';
import type { RequestSpec } from './load.js';

export type Protocol = 'xmlrpc' | 'json2';
export type SmallCall = 'search_read' | 'read';

export const FIELDS = ['name', 'email', 'phone', 'city'];

export interface Credentials {
  db: string;
  uid: number;
  /** The upstream API key (direct) or an odk_ token (through the proxy). */
  key: string;
}

export function xmlrpcCall(c: Credentials, model: string, method: string, args: unknown[], kwargs: Record<string, unknown>): RequestSpec {
  return {
    path: '/xmlrpc/2/object',
    headers: { 'Content-Type': 'text/xml' },
    body: Buffer.from(encodeMethodCall('execute_kw', [c.db, c.uid, c.key, model, method, args, kwargs])),
  };
}

export function json2Call(c: Credentials, model: string, method: string, body: Record<string, unknown>): RequestSpec {
  return {
    path: `/json/2/${model}/${method}`,
    headers: { 'Content-Type': 'application/json; charset=utf-8', Authorization: `bearer ${c.key}`, 'X-Odoo-Database': c.db },
    body: Buffer.from(JSON.stringify(body)),
  };
}

export function smallCall(protocol: Protocol, call: SmallCall, c: Credentials, readId: number): RequestSpec {
  if (protocol === 'xmlrpc') {
    return call === 'search_read'
      ? xmlrpcCall(c, 'res.partner', 'search_read', [[]], { fields: FIELDS, limit: 10, order: 'id' })
      : xmlrpcCall(c, 'res.partner', 'read', [[readId]], { fields: FIELDS });
  }
  return call === 'search_read' ? json2Call(c, 'res.partner', 'search_read', { domain: [], fields: FIELDS, limit: 10, order: 'id' }) : json2Call(c, 'res.partner', 'read', { ids: [readId], fields: FIELDS });
}

/** Sends one request on a fresh connection and returns its status and body (setup and sanity checks). */
export function sendOnce(url: string, spec: RequestSpec): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname: u.hostname, port: u.port, method: 'POST', path: spec.path, headers: { ...spec.headers, 'Content-Length': String(spec.body.length) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(spec.body);
  });
}
