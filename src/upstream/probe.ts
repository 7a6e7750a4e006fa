// What the proxy asks Odoo about itself, outside any client's call: the server's version (at start,
// for common.version and db.server_version, for /healthz) and the uid of the profile's key.
//
// Over XML-RPC where the proxy talks XML-RPC; with `--upstream-protocol json2` without XML-RPC and
// JSON-RPC at all, since that Odoo may not have them (announced for removal after 19):
// - the version from POST /web/webclient/version_info (the web client's own route, auth='none',
//   answering odoo.service.common.exp_version(), the struct common.version gives);
// - the uid from JSON-2 res.users/context_get (public, @api.model, any user may call it; Odoo's
//   res_users.py sets context['uid'] = self.env.uid, the key's own user);
// - that user's login from JSON-2 res.users/read (a user may read its own login: it is among
//   res.users' SELF_READABLE_FIELDS), since a JSON-2 key names no login: without it, a key of
//   another user would be taken for the profile's.

import { isStruct, type RpcValue } from '../rpc/values.js';
import type { OdooCall } from '../rpc/call.js';
import { stringifyJson } from '../rpc/json.js';
import { basePathOf, encodeCommonCall, encodeUpstreamCall, odooFailure, readBody, sendCall, summarizeAnswer, UpstreamCallError, UpstreamUnavailable, type UpstreamPool, type UpstreamRequest, type UpstreamTarget } from './forward.js';

/** How the proxy reaches Odoo for its own questions. */
export type ProbeVia = 'xmlrpc' | 'json2';

/** How the proxy asks an Odoo about itself, by the upstream protocol of its profile (json2: it may have no XML-RPC). */
export function probeViaOf(protocol: 'auto' | 'json2'): ProbeVia {
  return protocol === 'json2' ? 'json2' : 'xmlrpc';
}

const SMALL = 1024 * 1024;
/** The proxy's own questions (at start, /healthz every few seconds) open no connection ahead: none would be used. */
const PROBE = { openAhead: false } as const;

/** The request for Odoo's version struct (server_version, server_version_info, ...). */
export function versionRequest(url: URL, via: ProbeVia): UpstreamRequest {
  if (via === 'xmlrpc') return encodeCommonCall({ url }, 'version', [], 'xmlrpc');
  const envelope = { jsonrpc: '2.0', method: 'call', params: {}, id: null };
  return { path: `${basePathOf(url)}/web/webclient/version_info`, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(stringifyJson(envelope, { style: 'compact' })) };
}

/**
 * Odoo's version struct. Throws UpstreamUnavailable when Odoo cannot be reached, UpstreamCallError
 * when it answers with an error (an HTTP 404 page included).
 */
export async function fetchVersion(pool: UpstreamPool, url: URL, via: ProbeVia): Promise<RpcValue> {
  const res = await pool.send(url, versionRequest(url, via), PROBE);
  // version_info is a JSON-RPC route: its answer reads like /jsonrpc's.
  const s = summarizeAnswer(via === 'xmlrpc' ? 'xmlrpc' : 'jsonrpc', res.statusCode ?? 0, await readBody(res, SMALL));
  if (s.outcome !== 'ok') throw odooFailure(s, 'version failed');
  return s.result ?? null;
}

/** The uid the profile's key logs in as; false when Odoo refuses the key (or the login and key). */
export async function fetchUid(pool: UpstreamPool, target: Pick<UpstreamTarget, 'url' | 'db' | 'key'>, login: string, via: ProbeVia): Promise<number | false> {
  if (via === 'xmlrpc') {
    const res = await pool.send(target.url, encodeCommonCall(target, 'authenticate', [target.db, login, target.key, {}], 'xmlrpc'), PROBE);
    const s = summarizeAnswer('xmlrpc', res.statusCode ?? 0, await readBody(res, SMALL));
    if (s.outcome !== 'ok') throw odooFailure(s, 'authenticate failed');
    return typeof s.result === 'number' ? s.result : false;
  }
  const contextGet: OdooCall = { protocol: 'json2', entry: 'json2', db: target.db, uid: null, credential: null, model: 'res.users', method: 'context_get', args: [], kwargs: {} };
  const res = await pool.send(target.url, encodeUpstreamCall({ ...target, uid: 0 }, contextGet, 'json2'), PROBE);
  const status = res.statusCode ?? 0;
  const body = await readBody(res, SMALL);
  // JSON-2 answers an unknown key 401 (recording json2/11); the JSON-2 login does not involve a login name.
  if (status === 401) return false;
  const json = (res.headers['content-type'] ?? '').startsWith('application/json');
  // An unknown database is an HTML 404 before any JSON-2 handling (recording json2/12).
  if (status === 404 && !json) throw new UpstreamCallError(`HTTP 404 for /json/2 with database '${target.db}': no such database on this Odoo, or no JSON-2 (Odoo 19 or later is needed)`);
  if (!json) throw new UpstreamUnavailable(`Odoo could not be reached (HTTP ${status})`, undefined, `HTTP_${status}`);
  const s = summarizeAnswer('json2', status, body);
  if (s.outcome !== 'ok') throw odooFailure(s, `HTTP ${status}`);
  const uid = isStruct(s.result) ? s.result.uid : undefined;
  if (typeof uid !== 'number' || !Number.isSafeInteger(uid) || uid < 1) throw new UpstreamCallError('res.users.context_get answered without a user id');
  return uid;
}

/**
 * The login of the key's user over JSON-2: `{ login }`, or `{ unreadable }` with Odoo's reason when
 * the key may not read it (an AccessError). Throws like fetchUid otherwise.
 */
export async function fetchLogin(pool: UpstreamPool, target: Pick<UpstreamTarget, 'url' | 'db' | 'key'>, uid: number): Promise<{ login: string } | { unreadable: string }> {
  const call: OdooCall = { protocol: 'json2', entry: 'json2', db: target.db, uid: null, credential: null, model: 'res.users', method: 'read', args: [], ids: [uid], kwargs: { fields: ['login'] } };
  let rows: RpcValue;
  try {
    rows = await sendCall(pool, { ...target, uid }, call, 'json2', SMALL);
  } catch (e) {
    if (e instanceof UpstreamCallError && /^AccessError:/.test(e.message)) return { unreadable: e.message };
    throw e;
  }
  const row = Array.isArray(rows) ? rows[0] : undefined;
  const login = isStruct(row) && row.id === uid ? row.login : undefined;
  if (typeof login !== 'string') throw new UpstreamCallError(`res.users.read of uid ${uid} answered without its login`);
  return { login };
}
