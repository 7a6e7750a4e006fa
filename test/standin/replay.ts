// Replaying recorded exchanges against a server, and comparing answers the way the recordings'
// README allows: exactly, except for what it lists as volatile (created ids, dates, database-
// dependent counts and lists, server_version*, tracebacks: only their last line counts).

import { connect } from 'node:net';
import { decodeMethodResponse, encodeFault, encodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { parseJson, stringifyJson } from '../../src/rpc/json.js';
import { isStruct, type RpcValue } from '../../src/rpc/values.js';
import type { WireExchange } from '../support/wire.js';

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends one recorded request (method, path, recorded headers, given body) over a raw socket and
 * reads the raw answer, so header values come back byte for byte (Node's HTTP client trims them,
 * which would hide the trailing space of `WWW-Authenticate: Bearer `).
 */
export function send(baseUrl: string, ex: WireExchange, body: string, headers: Record<string, string> = ex.request.headers): Promise<HttpResult> {
  const url = new URL(ex.request.path, baseUrl);
  const payload = Buffer.from(body, 'utf8');
  const lines = [`${ex.request.method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (payload.length || ex.request.method === 'POST') lines.push(`Content-Length: ${payload.length}`);
  lines.push('Connection: close', '', '');
  return new Promise((resolve, reject) => {
    const sock = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', reject);
    sock.on('end', () => {
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error('no HTTP header in the answer'));
      const head = raw.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0]!)?.[1] ?? 0);
      const h: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        h[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).replace(/^ /, '');
      }
      resolve({ status, headers: h, body: raw.subarray(split + 4).toString('utf8') });
    });
    sock.write(Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), payload]));
  });
}

/** The part of a traceback that is not volatile: the lines after the last frame (`Type: message`, possibly several lines). */
export function tracebackTail(s: string): string {
  if (!s.includes('Traceback (most recent call last):')) return s;
  const lines = s.split('\n');
  let last = -1;
  lines.forEach((l, i) => {
    if (l.startsWith('  ')) last = i;
  });
  return lines.slice(last + 1).join('\n');
}

export type Volatile = (path: string[], value: RpcValue) => boolean;

const DATE_KEYS = new Set(['create_date', 'write_date', 'date_deadline', 'calendar_last_notif_ack', 'date_open', 'date_closed', 'date_last_stage_update', 'date']);
const DB_LISTS = new Set(['message_ids', 'website_message_ids']);
const VERSION_KEYS = new Set(['server_version', 'server_version_info', 'server_serie']);

/** What the README calls volatile, wherever it appears. */
export const alwaysVolatile: Volatile = (path, value) => {
  const key = path[path.length - 1] ?? '';
  if (DATE_KEYS.has(key) && typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) return true;
  if (DB_LISTS.has(key)) return true;
  if (VERSION_KEYS.has(key)) return true;
  return false;
};

export interface Normalized {
  /** Re-encoded text with volatile parts replaced; compare these. */
  text: string;
  /** Whether anything was replaced (if not, the raw bodies must be equal byte for byte). */
  replaced: boolean;
}

function walk(v: RpcValue, path: string[], volatile: Volatile, state: { replaced: boolean }): RpcValue {
  if (volatile(path, v)) {
    state.replaced = true;
    // Keep the shape (list of the same length, a number stays a number) so structure still counts.
    if (Array.isArray(v)) return v.map(() => '<volatile>');
    return '<volatile>';
  }
  if (path[path.length - 1] === 'debug' && typeof v === 'string') {
    const tail = tracebackTail(v);
    if (tail !== v) state.replaced = true;
    return tail;
  }
  if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, String(i)], volatile, state));
  if (isStruct(v)) {
    const out: Record<string, RpcValue> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x, [...path, k], volatile, state);
    return out;
  }
  return v;
}

/** Decodes a body by its content type, replaces volatile values and tracebacks, and re-encodes it. */
export function normalize(body: string, contentType: string, volatile: Volatile): Normalized {
  const state = { replaced: false };
  if (contentType.startsWith('text/xml')) {
    const r = decodeMethodResponse(body);
    if (r.kind === 'fault') {
      const fs = typeof r.faultString === 'string' ? tracebackTail(r.faultString) : r.faultString;
      if (fs !== r.faultString) state.replaced = true;
      return { text: encodeFault(r.faultCode as number | string, String(fs)), replaced: state.replaced };
    }
    return { text: encodeMethodResponse(walk(r.value, ['result'], volatile, state), { allowNone: true }), replaced: state.replaced };
  }
  if (contentType.startsWith('application/json')) {
    const v = parseJson(body);
    const top = isStruct(v) && 'jsonrpc' in v ? walk(v, [], (p, x) => (p.length >= 1 && p[0] === 'result' ? volatile(p, x) : p.length === 1 && p[0] === 'id' ? false : volatile(p, x)), state) : walk(v, ['result'], volatile, state);
    return { text: stringifyJson(top), replaced: state.replaced };
  }
  return { text: body, replaced: false };
}
