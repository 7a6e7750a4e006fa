// The proxy's request pipeline, independent of the HTTP server around it:
// decode -> authenticate -> limits -> decide -> upstream checks -> forward -> stream -> journal.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import {
  decodeJson2Request,
  decodeJsonRpcRequest,
  decodeXmlRpcRequest,
  RpcDecodeError,
  toOdooCall,
  type OdooCall,
  type Protocol,
  type RpcRequest,
  type XmlRpcRoute,
} from '../rpc/call.js';
import { jsonrpcResultAnswer, xmlrpcResultAnswer, json2ResultAnswer, jsonrpcErrorAnswer, xmlrpcFaultAnswer, odooErrors, type OdooError, type RpcAnswer } from '../rpc/errors.js';
import { parseJson } from '../rpc/json.js';
import { XmlRpcEncodeError } from '../rpc/xmlrpc.js';
import { jsonToJsonRpcResponse, jsonToXmlRpcResponse } from '../rpc/transcode.js';
import { bindCall, toJson2Call, executeKwResult, BindError } from '../policy/bind.js';
import { isStruct, type RpcStruct, type RpcValue } from '../rpc/values.js';
import type { KeyRecord } from '../registry/types.js';
import type { Decision, KeyScope, ModelSchema, PropertiesDefinition, PropertyNameRedaction, ResultRedaction, UpstreamCheck } from '../policy/types.js';
import { decide, linkChanges, propertyNameReach, SCHEMA_ATTRIBUTES } from '../policy/decide.js';
import { READ_PRESET_ANY_VERSION } from '../policy/methods.js';
import { takeToken, recordsAllowance, chargeRecords, refundRecords, parseHours, withinHours, type RateBucket, type RecordsBudget } from '../policy/limits.js';
import { recordsPlan, narrowLimit, recordsCharged, type RecordsPlan } from '../policy/budget.js';
import { currentLinksById, definitionsById, externalIdsFrom, externalIdsRead, irModelNamesById, linksOf, readByIds, readsFor, schemaFromFieldsGet, type LookupRead } from '../policy/schema.js';
import type { Journal } from '../audit/journal.js';
import type { JournalInput } from '../audit/types.js';
import { callUpstream, Cancellation, encodeUpstreamCall, sniffAnswer, summarizeAnswer, UpstreamCallError, UpstreamUnavailable, type AnswerSummary, type UpstreamPool, type UpstreamRequest, type UpstreamTarget, type UpstreamVia, type UpstreamAnswer } from '../upstream/forward.js';
import { fetchVersion, probeViaOf } from '../upstream/probe.js';
import { authenticateKey, scopeOf, stillAdmits, type KeyIndex, type LiveKey } from './keys.js';
import { refusalAnswer, decodeErrorAnswer, type ClientContext, type RefusalKind } from './refusals.js';
import { writeAnswer, type Answer } from './http.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { ConcurrencyLimiter } from './limiter.js';
import { FailureThrottle, NoFailureThrottle, addressSource } from './throttle.js';
import { callFacts, resultIds } from './facts.js';
import { boundEntry } from '../audit/chain.js';

export interface ProxyOptions {
  /** Largest request body accepted (bytes). */
  maxBodyBytes: number;
  /** Deepest nesting of values accepted in a request. */
  maxDepth: number;
  /**
   * Upstream protocol for every profile served: the client's own ('auto'), or always JSON-2 (Odoo 19+
   * without XML-RPC/JSON-RPC). Unset: each profile's own (runtime.ts upstreamProtocolOf, UpstreamTarget.protocol).
   */
  upstreamProtocol?: 'auto' | 'json2';
  /** Answers up to this size are held whole (inspected, journaled, then sent); larger ones stream. */
  inspectBytes: number;
  /** Concurrent upstream calls, per key and in all. */
  maxConcurrentPerKey: number;
  maxConcurrent: number;
  /** How long a call may wait for a free place before it is refused as busy. */
  queueWaitMs: number;
  /** Cache lifetime of fields_get answers used by the scope engine. */
  schemaTtlMs: number;
  /** Largest answer the proxy will hold whole to change it (hiding names). */
  maxRewriteBytes: number;
  /**
   * Failed-attempt throttling (address and key id lockouts). Off for exec's proxy: it serves one
   * in-memory key with a 256-bit secret, and every local user shares its one address, 127.0.0.1.
   */
  throttleFailures: boolean;
}

export const DEFAULT_OPTIONS: ProxyOptions = {
  maxBodyBytes: 10 * 1024 * 1024,
  maxDepth: 100,
  inspectBytes: 256 * 1024,
  maxConcurrentPerKey: 8,
  maxConcurrent: 32,
  queueWaitMs: 2000,
  schemaTtlMs: 5 * 60_000,
  maxRewriteBytes: 64 * 1024 * 1024,
  throttleFailures: true,
};

type Allowed = Extract<Decision, { verdict: 'allow' }>;

/** What replaces a display name the key may not read; the pair keeps its shape for the client. */
export const HIDDEN_NAME = 'odoo-keys: hidden';

/** Everything the pipeline reads; `keys` and `targets` are swapped whole on reload. */
export interface ProxyState {
  keys: KeyIndex;
  /** Upstreams by profile name. */
  targets: Map<string, UpstreamTarget>;
}

export interface ProxyDeps {
  state: () => ProxyState;
  pool: UpstreamPool;
  /** null: journaling off (only for benchmarks measuring its cost). */
  journal: Journal | null;
  log: Logger;
  metrics: Metrics;
  now: () => Date;
  options: ProxyOptions;
  /** Called for each authenticated use of a key (last-used tracking). */
  onKeyUsed?: (keyId: string, at: Date) => void;
  /**
   * Process-wide refusal switch, e.g. while shutting down. Checked when a call arrives and again
   * just before it goes to Odoo; while it refuses, a call already at Odoo is seen through even when
   * its client goes (close() cuts clients off, and the journal must still say what Odoo did).
   */
  refuseAll?: () => string | null;
  /** Told the size of each chunk of a streamed answer once it is passed on (see proxy/garbage.ts). */
  onStreamed?: (bytes: number) => void;
}

/** One request in flight, for the journal and the answer. */
interface Exchange {
  started: bigint;
  ip: string;
  /** The client's throttling source (its address, or its /64 for IPv6; see addressSource). */
  source: string;
  protocol: Protocol;
  legacy: boolean;
  jsonrpcId?: RpcValue;
  /** The database the request names (common.login/authenticate and object calls: their first argument; JSON-2: X-Odoo-Database). */
  db?: string;
  bytesIn: number;
  entry: Partial<JournalInput>;
  /** Told what Odoo answered (undefined when the answer streamed past unread), for budgets. */
  onResult?: (result: RpcValue | undefined) => void;
  /**
   * records_per_hour: records held for this call when it was let through (its most), so that calls
   * in flight together cannot each spend the same remainder; settled when its answer is read.
   */
  recordsHeld?: { keyId: string; held: number; windowStartMs: number };
  /** A grouping under records_per_hour: the records of its domain are counted before it is forwarded. */
  recordsCount?: { keyId: string; perHour: number; model: string; plan: Extract<RecordsPlan, { kind: 'count' }> };
  /** Sent to Odoo (it may have run, whatever happens next). */
  forwarded?: boolean;
  /** Counted against its key's rate (once per call). */
  rateTaken?: boolean;
  /** Its journal line has been handed to the journal. */
  journaled?: boolean;
}

/**
 * What Odoo told about a database (schemas, ir.model names) is kept by its address, database and
 * integration user, not by the profile's name: a profile pointed at another database after a reload
 * must not reuse the first one's answers (ir.model ids, custom fields), and fields_get answers each
 * user differently (fields restricted to groups are left out), so two profiles on one database with
 * different users do not share schemas.
 */
export function cacheKey(target: Pick<UpstreamTarget, 'url' | 'db' | 'uid'>, name: string): string {
  return `${target.url.href}\u0000${target.db}\u0000${target.uid}\u0000${name}`;
}

export class ProxyCore {
  private readonly rate = new Map<string, RateBucket>();
  private readonly records = new Map<string, RecordsBudget>();
  private readonly schemaCache = new Map<string, { until: number; schema: ModelSchema }>();
  /** ir.model id -> the model it names (null: none, kept briefly), by profile: see fetchIrModels. */
  private readonly irModelCache = new Map<string, { until: number; model: string | null }>();
  /** Properties definitions read (see fetchDefinition), by profile: kept briefly, as a definition may change. */
  private readonly definitionCache = new Map<string, { until: number; definition: PropertiesDefinition }>();
  private readonly limiter: ConcurrencyLimiter;
  readonly throttle: FailureThrottle;
  /** Calls dispatched and not yet settled (answered or refused, and journaled): drain() waits for them. */
  private readonly underway = new Set<Promise<void>>();
  /** Set when drain() stops waiting for Odoo: calls still waiting are journaled as not awaited. */
  private answersAbandoned = false;
  /** Set by hurry(): drain() does not wait for Odoo's answers (an operator's second signal). */
  private hurried = false;
  /** Ends the wait of the drain() under way (close() runs once, so there is at most one). */
  private stopWaiting: (() => void) | undefined;

  constructor(private readonly deps: ProxyDeps) {
    this.limiter = new ConcurrencyLimiter(deps.options.maxConcurrent, deps.options.maxConcurrentPerKey, deps.options.queueWaitMs);
    // Off, failed attempts are still refused, counted in metrics and journaled; nothing is locked out.
    this.throttle = deps.options.throttleFailures ? new FailureThrottle() : new NoFailureThrottle();
  }

  /**
   * The profile that answers what names no database (common.version, db.server_version): the first
   * one served (the first --profile, else the default profile). runtime.ts warns at start when the
   * profiles' versions differ.
   */
  private firstTarget(): UpstreamTarget | undefined {
    return this.deps.state().targets.values().next().value as UpstreamTarget | undefined;
  }

  /**
   * The version whose shapes an answer uses before the key (and so the profile) is known: that of
   * the profiles on the database the request names, when they agree; else the first profile's.
   */
  private versionFor(db: string | undefined): number {
    if (db !== undefined) {
      let found: number | undefined;
      let agree = true;
      for (const t of this.deps.state().targets.values()) {
        if (t.db !== db) continue;
        if (found !== undefined && found !== t.version) agree = false;
        found = t.version;
      }
      if (found !== undefined && agree) return found;
    }
    return this.firstTarget()?.version ?? 19;
  }

  /** The refusal of a body too large to read, in the client's protocol (no request id is known). */
  tooLargeAnswer(protocol: Protocol, legacy: boolean, message: string): RpcAnswer {
    return refusalAnswer({ protocol, legacy, version: this.versionFor(undefined) }, 'bad_request', message, 413);
  }

  /**
   * A request whose body could not be read (the client went away mid-body, broken chunked framing):
   * nothing went to Odoo and no answer can be written, but the attempt gets its journal line.
   */
  async bodyUnreadable(protocol: Protocol, legacy: boolean, ip: string, where: Partial<JournalInput>, reason: string): Promise<void> {
    const x = this.exchange(protocol, legacy, ip, 0);
    Object.assign(x.entry, where);
    await this.journalOnly(x, { decision: 'deny', outcome: 'rejected', reason, notes: [CUT_OFF] }, 0);
  }

  /** A refusal for want of room (the connection limit), in the client's protocol (no request id is known). */
  unavailableAnswer(protocol: Protocol, legacy: boolean, message: string): RpcAnswer {
    return refusalAnswer({ protocol, legacy, version: this.versionFor(undefined) }, 'unavailable', message);
  }

  private ctx(x: Exchange, version?: number): ClientContext {
    return { protocol: x.protocol, legacy: x.legacy, version: version ?? this.versionFor(x.db), jsonrpcId: x.jsonrpcId };
  }

  // ------------------------------------------------------------------------------------------
  // Entry points, one per protocol. `body` has been read within the size limit by the server.

  async handleXmlRpc(route: XmlRpcRoute, req: IncomingMessage, res: ServerResponse, body: Buffer, ip: string): Promise<void> {
    const x = this.exchange('xmlrpc', route.legacy, ip, body.length);
    if (this.lockedOut(x)) return this.refuseLockedOut(x, res, { service: route.service });
    let rpc: RpcRequest;
    try {
      rpc = decodeXmlRpcRequest(route, body, { maxDepth: this.deps.options.maxDepth });
    } catch (e) {
      return this.decodeFailed(x, res, e, { service: route.service });
    }
    return this.dispatch(x, rpc, res);
  }

  async handleJsonRpc(req: IncomingMessage, res: ServerResponse, body: Buffer, ip: string): Promise<void> {
    const x = this.exchange('jsonrpc', false, ip, body.length);
    let rpc: RpcRequest;
    try {
      rpc = decodeJsonRpcRequest(body, { maxDepth: this.deps.options.maxDepth });
    } catch (e) {
      if (e instanceof RpcDecodeError) x.jsonrpcId = e.jsonrpcId;
      return this.decodeFailed(x, res, e, {});
    }
    x.jsonrpcId = rpc.jsonrpcId;
    x.db = namedDatabase(rpc);
    // Parsed first, unlike the other protocols: the refusal must echo the request's id.
    if (this.lockedOut(x)) return this.refuseLockedOut(x, res, { service: rpc.service, function: rpc.function });
    return this.dispatch(x, rpc, res);
  }

  async handleJson2(route: { model: string; method: string }, req: IncomingMessage, res: ServerResponse, body: Buffer, ip: string): Promise<void> {
    const x = this.exchange('json2', false, ip, body.length);
    const database = req.headers['x-odoo-database'];
    if (typeof database === 'string') x.db = database;
    if (this.lockedOut(x)) return this.refuseLockedOut(x, res, { model: route.model, method: route.method });
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    let rpc: RpcRequest;
    try {
      rpc = decodeJson2Request(route, { authorization: header('authorization'), database: header('x-odoo-database') }, body, { maxDepth: this.deps.options.maxDepth });
    } catch (e) {
      return this.decodeFailed(x, res, e, { model: route.model, method: route.method });
    }
    return this.dispatch(x, rpc, res);
  }

  private exchange(protocol: Protocol, legacy: boolean, ip: string, bytesIn: number): Exchange {
    return { started: process.hrtime.bigint(), ip, source: addressSource(ip), protocol, legacy, bytesIn, entry: {} };
  }

  private async decodeFailed(x: Exchange, res: ServerResponse, e: unknown, where: Partial<JournalInput>): Promise<void> {
    if (!(e instanceof RpcDecodeError)) throw e;
    const message = clip(e.error.message, TEXT_CLIP);
    const answer = decodeErrorAnswer(this.ctx(x), { ...e.error, message }, e.invalidJson);
    Object.assign(x.entry, where);
    await this.finish(x, res, answer, { decision: 'deny', outcome: 'rejected', reason: `malformed request: ${message}` });
  }

  /**
   * Runs a decoded call, counted as under way until it settles. (The refusals made before this
   * point hand their line to the journal before their first await, so closing the journal keeps it.)
   */
  private dispatch(x: Exchange, rpc: RpcRequest, res: ServerResponse): Promise<void> {
    x.db = namedDatabase(rpc);
    const call = this.dispatchCall(x, rpc, res).catch((e: unknown) => this.failedInside(x, res, e));
    this.underway.add(call);
    const settled = (): void => void this.underway.delete(call);
    call.then(settled, settled);
    return call;
  }

  /**
   * A fault of the proxy's own (a bug; an answer it could not re-encode): the call may already have
   * run at Odoo, so it still gets its journal line, and the client an error in its own protocol.
   */
  private async failedInside(x: Exchange, res: ServerResponse, e: unknown): Promise<void> {
    const message = e instanceof Error ? e.message : String(e);
    this.deps.log.error('call failed inside the proxy', { error: message, key: x.entry.key ?? null, model: x.entry.model, method: x.entry.method });
    if (x.journaled) {
      if (!res.headersSent) writeAnswer(res, { status: 500, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'odoo-keys: internal error\n' });
      else res.destroy();
      return;
    }
    const said = x.forwarded ? 'internal error after Odoo answered (the call ran)' : 'internal error';
    if (res.headersSent) {
      res.destroy();
      return this.journalOnly(x, { decision: x.forwarded ? 'allow' : 'deny', outcome: 'upstream_error', reason: `${said}: ${message}` }, 0);
    }
    return this.refuse(x, res, 'upstream', `${said}; see the proxy's log`, { decision: x.forwarded ? 'allow' : 'deny', reason: `${said}: ${message}` }, undefined, 'upstream_error', 500);
  }

  private async dispatchCall(x: Exchange, rpc: RpcRequest, res: ServerResponse): Promise<void> {
    const refusal = this.deps.refuseAll?.();
    if (refusal) return this.refuse(x, res, 'unavailable', refusal, {});
    // Fail closed: no journal, no call (common ones too: authenticate hands out the uid).
    if (this.deps.journal && !this.deps.journal.healthy) return this.refuse(x, res, 'unavailable', JOURNAL_DOWN, {});
    // Owed lines go first, so the chain keeps the order the calls ran in.
    if (this.owed.length) void this.repay();
    if (rpc.service === 'common') return this.handleCommon(x, rpc, res);
    if (rpc.service === 'db' && rpc.function === 'server_version') return this.answerServerVersion(x, rpc, res);
    if (rpc.service !== 'object') {
      x.entry.service = rpc.service;
      x.entry.function = rpc.function;
      return this.refuse(x, res, 'not_carried', `the '${rpc.service}' service is not available through odoo-keys`, {});
    }
    let call: OdooCall;
    try {
      call = toOdooCall(rpc);
    } catch (e) {
      if (e instanceof RpcDecodeError) return this.decodeFailed(x, res, e, { service: 'object', function: rpc.function });
      throw e;
    }
    return this.handleObjectCall(x, call, res);
  }

  // ------------------------------------------------------------------------------------------
  // common: version, login, authenticate. The key stands where the password was; the uid handed
  // back is the real upstream user's, so client code that uses uid in domains keeps working.

  private async handleCommon(x: Exchange, rpc: RpcRequest, res: ServerResponse): Promise<void> {
    x.entry.service = 'common';
    x.entry.function = rpc.function;
    const p = rpc.params;
    switch (rpc.function) {
      case 'version':
        return this.answerVersion(x, res);
      case 'login':
      case 'authenticate': {
        const [db, , credential] = p;
        const now = this.deps.now();
        const auth = this.authenticate(x, typeof credential === 'string' ? credential : null, now);
        if ('lockedOut' in auth) return this.refuse(x, res, 'throttled', auth.lockedOut, {});
        if (!auth.ok) {
          // Odoo answers a wrong password with False, not an error; so does the proxy.
          return this.finish(x, res, this.result(x, false), { decision: 'deny', outcome: 'denied', reason: auth.message.replace(/^odoo-keys: /, '') });
        }
        const target = this.deps.state().targets.get(auth.key.record.profile);
        if (!target) return this.refuse(x, res, 'upstream', `key '${auth.key.record.name}' belongs to profile '${auth.key.record.profile}', which this proxy does not serve`, {});
        if (typeof db !== 'string' || db !== target.db) {
          return this.refuse(x, res, 'denied', `unknown database '${typeof db === 'string' ? db.slice(0, 64) : String(db)}' for key '${auth.key.record.name}'`, {}, target.version);
        }
        return this.finish(x, res, this.result(x, target.uid, target.version), { decision: 'allow', outcome: 'ok' });
      }
      default:
        return this.refuse(x, res, 'not_carried', `common.${rpc.function.slice(0, 64)} is not available through odoo-keys`, {});
    }
  }

  /** Odoo's version struct per profile, asked again after a minute (an upgrade shows). */
  private readonly versionCache = new Map<string, { at: number; value: RpcValue }>();

  /** Odoo's common.version() struct for the first profile (version() names no database), or an answer refusing. */
  private async upstreamVersion(x: Exchange, res: ServerResponse): Promise<{ target: UpstreamTarget; value: RpcValue } | null> {
    const target = this.firstTarget();
    if (!target) {
      await this.refuse(x, res, 'upstream', 'no upstream is configured', {});
      return null;
    }
    const now = Date.now();
    let cached = this.versionCache.get(target.profile);
    if (!cached || now - cached.at > 60_000) {
      try {
        // Asked the way the proxy talks to that Odoo: a JSON-2-only Odoo may have no XML-RPC.
        cached = { at: now, value: await fetchVersion(this.deps.pool, target.url, probeViaOf(target.protocol)) };
        this.versionCache.set(target.profile, cached);
      } catch (e) {
        await this.refuseUpstream(x, res, target, '', e);
        return null;
      }
    }
    return { target, value: cached.value };
  }

  private async answerVersion(x: Exchange, res: ServerResponse): Promise<void> {
    const v = await this.upstreamVersion(x, res);
    if (v) return this.finish(x, res, this.result(x, v.value, v.target.version), { decision: 'allow', outcome: 'ok' });
  }

  /**
   * db.server_version: Odoo answers it without a key (odoo/service/db.py, exp_server_version:
   * release.version, the server_version of common.version). erppeek asks it on connect. The rest
   * of the db service (list, create, drop, dump...) stays refused.
   */
  private async answerServerVersion(x: Exchange, rpc: RpcRequest, res: ServerResponse): Promise<void> {
    x.entry.service = 'db';
    x.entry.function = rpc.function;
    if (rpc.params.length) return this.refuse(x, res, 'bad_request', `db.server_version takes no arguments (${rpc.params.length} given)`, {});
    const v = await this.upstreamVersion(x, res);
    if (!v) return;
    const info = isStruct(v.value) ? v.value : {};
    if (typeof info.server_version !== 'string') return this.refuse(x, res, 'upstream', "Odoo's version answer has no server_version", {}, v.target.version, 'upstream_error');
    return this.finish(x, res, this.result(x, info.server_version, v.target.version), { decision: 'allow', outcome: 'ok' });
  }

  private result(x: Exchange, value: unknown, version?: number): RpcAnswer {
    if (x.protocol === 'jsonrpc') return jsonrpcResultAnswer(x.jsonrpcId, value);
    if (x.protocol === 'json2') return json2ResultAnswer(value);
    void version;
    return xmlrpcResultAnswer(value);
  }

  // ------------------------------------------------------------------------------------------
  // Authentication with failed-attempt throttling.

  /** The key a credential names, or why not; a lockout comes back as the refusal's message. */
  private authenticate(x: Exchange, credential: string | null, now: Date): ReturnType<typeof authenticateKey> | { lockedOut: string } {
    const t = now.getTime();
    if (this.throttle.blockedFor([x.source], t) > 0) {
      this.deps.metrics.throttled++;
      x.entry.key = null;
      return { lockedOut: LOCKED_OUT };
    }
    const auth = authenticateKey(this.deps.state().keys, credential, now);
    if (auth.ok) {
      // The right secret gets in even while its key id is locked out: key ids are public, so a
      // lockout that refused it would let anyone who knows an id lock its integration out, and a
      // 256-bit secret is not guessed however many tries are let through.
      this.describeKey(x, auth.key);
      // A rotation's old secret, still in its grace period: the journal shows who has yet to move.
      if (auth.viaPrevious) x.entry.previous_secret = true;
      this.throttle.vouch(auth.key.record.id, x.source, t);
      this.deps.onKeyUsed?.(auth.key.record.id, now);
      return auth;
    }
    const idHint = /^odk_([0-9a-f]{8})_/.exec(credential ?? '')?.[1];
    // The key id's own lockout spares an address the key recently authenticated from (throttle.ts).
    const sources = idHint && !this.throttle.vouchedFor(idHint, x.source, t) ? [x.source, `key:${idHint}`] : [x.source];
    if (auth.failure === 'unknown' && idHint && sources.length > 1 && this.throttle.blockedFor([`key:${idHint}`], t) > 0) {
      // Guessing at a locked-out key id goes on being refused as throttled. The caller did not
      // hold the key: the line names no key (the id it tried is in the reason).
      this.deps.metrics.throttled++;
      x.entry.key = null;
      return { lockedOut: `too many failed attempts for key id ${idHint} from many addresses; try again later` };
    }
    this.deps.metrics.authFailures++;
    // Revoked, expired and unreadable keys were presented with their real secret: not a guess.
    if (auth.failure !== 'revoked' && auth.failure !== 'expired' && auth.failure !== 'unreadable') this.throttle.fail(sources, t);
    if (auth.key) this.describeKey(x, auth.key);
    else x.entry.key = null;
    return auth;
  }

  /** Whether the client's address is locked out for failed attempts (the key id is checked later, once parsed). */
  private lockedOut(x: Exchange): boolean {
    return this.throttle.blockedFor([x.source], this.deps.now().getTime()) > 0;
  }

  private readonly lockedOutAnswers = new Map<string, Answer>();

  /**
   * Refuses a call from a locked-out address before its request is parsed or its key looked at:
   * the answer is built once per protocol, so a flood of bad keys costs the proxy little more than
   * the HTTP exchange and its journal line, and Odoo nothing. (Holding such lines back to write
   * them in batches was tried: the bursts of answers it made slowed valid calls more; bench/.)
   */
  private refuseLockedOut(x: Exchange, res: ServerResponse, where: Partial<JournalInput>): Promise<void> {
    this.deps.metrics.throttled++;
    x.entry.key = null;
    Object.assign(x.entry, where);
    const ctx = this.ctx(x);
    let answer: Answer | undefined;
    if (x.protocol === 'jsonrpc') answer = refusalAnswer(ctx, 'throttled', LOCKED_OUT);
    else {
      const cacheKey = `${x.protocol}:${x.legacy}:${ctx.version}`;
      answer = this.lockedOutAnswers.get(cacheKey);
      if (!answer) {
        const a = refusalAnswer(ctx, 'throttled', LOCKED_OUT);
        answer = { ...a, body: Buffer.from(a.body) };
        this.lockedOutAnswers.set(cacheKey, answer);
      }
    }
    return this.finish(x, res, answer, { decision: 'deny', outcome: 'rejected', reason: LOCKED_OUT });
  }

  /** Calls of a key waiting for a place under its concurrency cap (tests wait on it). */
  queuedFor(keyId: string): number {
    return this.limiter.queuedFor(keyId);
  }

  private describeKey(x: Exchange, k: LiveKey): void {
    x.entry.key = k.record.id;
    x.entry.name = k.record.name;
    if (k.record.profile !== '') x.entry.profile = k.record.profile; // '' for an unreadable entry (refused)
    if (k.temporary) x.entry.temporary = k.temporary;
    if (k.record.learning) x.entry.learning = true;
  }

  // ------------------------------------------------------------------------------------------
  // object: the scoped ORM call.

  private async handleObjectCall(x: Exchange, call: OdooCall, res: ServerResponse): Promise<void> {
    x.entry.model = call.model;
    x.entry.method = call.method;
    const now = this.deps.now();
    const keysAtAuth = this.deps.state().keys;
    const auth = this.authenticate(x, call.credential, now);
    if ('lockedOut' in auth) return this.refuse(x, res, 'throttled', auth.lockedOut, {});
    if (!auth.ok) {
      // A revoked or expired key is known: its profile's version shapes the error.
      const known = auth.key ? this.deps.state().targets.get(auth.key.record.profile)?.version : undefined;
      return this.refuse(x, res, 'auth', auth.message, {}, known);
    }
    const key = auth.key;
    const record = key.record;
    const target = this.deps.state().targets.get(record.profile);
    if (!target) return this.refuse(x, res, 'upstream', `key '${record.name}' belongs to profile '${record.profile}', which this proxy does not serve`, {});
    const v = target.version;
    if (call.db !== null && call.db !== target.db) {
      return this.refuse(x, res, 'denied', `unknown database '${call.db.slice(0, 64)}' for key '${record.name}'`, {}, v);
    }
    // Learning keys also journal what `scope suggest` learns from (names and simple constants only).
    Object.assign(x.entry, callFacts(call, v, { learning: record.learning === true }));


    const scope = scopeOf(key);
    let decision: Decision;
    try {
      decision = await this.decideWithSchema(x, scope, call, now, target, record);
      if (decision.verdict === 'allow' && key.narrowing) decision = combine(decision, await this.decideWithSchema(x, key.narrowing, decision.call, now, target, record));
    } catch (e) {
      if (e instanceof NoPlace) return this.refuseNoPlace(x, res, record, v);
      if (e instanceof ShuttingDown) return this.refuse(x, res, 'unavailable', e.message, {}, v);
      if (e instanceof OverRate) return this.refuseOverRate(x, res, record, e.retryAfterMs, v);
      return this.refuseUpstream(x, res, target, SCOPE_CHECK_FAILED, e);
    }
    if (decision.verdict === 'deny') {
      // The client gets `reason`; `detail`, with the facts it withholds, goes to the journal only.
      return this.refuse(x, res, 'denied', `key '${record.name}' may not call ${call.model}.${call.method}: ${decision.reason}`, { rule: decision.rule, limit: decision.limit, reason: decision.reason, detail: decision.detail }, v, 'denied');
    }
    if (decision.verdict !== 'allow') throw new Error('unreachable: decide did not settle');
    x.entry.rule = decision.rule;
    if (decision.notes.length) x.entry.notes = decision.notes;

    const retryAfterMs = this.takeRate(x, record, now);
    if (retryAfterMs !== null) return this.refuseOverRate(x, res, record, retryAfterMs, v);

    const perHour = record.limits?.records_per_hour;
    if (perHour) {
      const budgeted = this.applyRecordsBudget(x, record.id, perHour, decision, v, now);
      if (typeof budgeted === 'string') {
        this.deps.metrics.throttled++;
        return this.refuse(x, res, 'throttled', `key '${record.name}' ${budgeted}`, { limit: 'records_per_hour', reason: budgeted }, v, 'denied');
      }
      decision = budgeted;
    }

    try {
      return await this.admitAndForward(x, res, key, keysAtAuth, auth.viaPrevious, call, decision, target);
    } finally {
      // A call that ended without an answer read (refused after its hold, an error) read nothing.
      this.settleRecords(x, 0);
    }
  }

  /** Concurrency caps, the engine's checks against Odoo, the key checked again, then forward. */
  private async admitAndForward(x: Exchange, res: ServerResponse, key: LiveKey, keysAtAuth: KeyIndex, viaPrevious: boolean, call: OdooCall, decision: Allowed, target: UpstreamTarget): Promise<void> {
    const record = key.record;
    const v = target.version;
    const release = await this.limiter.acquire(record.id);
    if (!release) return this.refuseNoPlace(x, res, record, v);
    this.deps.metrics.inFlight++;
    try {
      const late = this.refusedLate(x, res, v);
      if (late) return await late;
      for (const check of decision.checks) {
        let failure: string | null;
        try {
          failure = await this.runCheck(target, check, this.internalVia(x, target), decision.call);
        } catch (e) {
          // Odoo unreachable or failing: the call cannot be checked, so it is refused (and journaled).
          return await this.refuseUpstream(x, res, target, SCOPE_CHECK_FAILED, e);
        }
        if (failure) return await this.refuse(x, res, 'denied', `key '${record.name}' may not call ${call.model}.${call.method}: ${failure}`, { rule: decision.rule, reason: failure }, v, 'denied');
      }
      if (x.recordsCount && (await this.countForBudget(x, res, target, record.name))) return;
      // The waits above (queue, checks against Odoo) can be long: shutdown may have begun, and a
      // key revoked, expired or re-scoped meanwhile does not get this call through on its old standing.
      const lateToo = this.refusedLate(x, res, v);
      if (lateToo) return await lateToo;
      const at = this.deps.now();
      const lapse = stillAdmits(keysAtAuth, this.deps.state().keys, key, viaPrevious, call.credential, at);
      if (lapse) return await this.refuse(x, res, 'auth', lapse, { reason: lapse.replace(/^odoo-keys: /, '') }, v);
      // The key's own hours, and exec's narrowing --hours.
      const hours = [record.limits?.hours, key.narrowing?.limits?.hours].find((h) => h && !withinHours(parseHours(h), at));
      if (hours) {
        const why = `outside hours ${hours} (the window closed while this call waited)`;
        return await this.refuse(x, res, 'denied', `key '${record.name}' may not call ${call.model}.${call.method}: ${why}`, { limit: 'hours', reason: why }, v, 'denied');
      }
      // A client gone while its call waited: no one to answer, and a create must not run for nobody.
      if (res.destroyed) return await this.refuse(x, res, 'unavailable', 'the client went away before the call was sent to Odoo', { reason: 'the client went away before the call was sent to Odoo' }, v);
      await this.forward(x, res, target, decision.call, decision);
    } finally {
      this.deps.metrics.inFlight--;
      release();
    }
  }

  /**
   * records_per_hour (how each kind of method is charged: src/policy/budget.ts): a search's limit
   * is narrowed to what the hour's budget has left, a read of more ids than that is refused, a
   * grouping is counted before it is forwarded (countForBudget), and what the answer held is
   * charged afterwards (a streamed answer, not read, is charged the most it could hold).
   */
  private applyRecordsBudget(x: Exchange, keyId: string, perHour: number, decision: Allowed, version: number, now: Date): Allowed | string {
    const plan = recordsPlan(decision.call, version);
    if (plan.kind === 'free') return decision;
    const { allowed, retryAfterMs } = this.recordsLeft(keyId, perHour, now.getTime());
    if (allowed <= 0) return spentMessage(perHour, retryAfterMs);
    if (plan.kind === 'count') {
      // Counted upstream inside the concurrency caps, like the engine's id checks.
      x.recordsCount = { keyId, perHour, model: decision.call.model, plan };
      return decision;
    }
    let out = decision;
    let bound: number;
    if (plan.kind === 'limit') {
      const n = narrowLimit(decision.call, version, allowed, plan.odooDefault);
      bound = n.bound;
      if (n.narrowed) {
        out = { ...decision, call: n.call, notes: [...decision.notes, `limit narrowed to ${allowed} (records left this hour)`] };
        x.entry.notes = out.notes;
      }
    } else {
      if (plan.count > allowed) return `may read ${allowed} more records this hour, not ${plan.count}`;
      bound = plan.count;
    }
    this.chargeOnResult(x, keyId, plan, bound);
    return out;
  }

  /**
   * Counts the records a grouping covers before it goes upstream; refuses it (and answers) when
   * they are more than the hour's budget has left. Returns whether it refused.
   */
  private async countForBudget(x: Exchange, res: ServerResponse, target: UpstreamTarget, keyName: string): Promise<boolean> {
    const { keyId, perHour, model, plan } = x.recordsCount!;
    const v = target.version;
    const refuseOver = async (reason: string): Promise<boolean> => {
      this.deps.metrics.throttled++;
      await this.refuse(x, res, 'throttled', `key '${keyName}' ${reason}`, { limit: 'records_per_hour', reason }, v, 'denied');
      return true;
    };
    // Read again: other calls of the key may have been charged while this one waited.
    const { allowed, retryAfterMs } = this.recordsLeft(keyId, perHour, this.deps.now().getTime());
    if (allowed <= 0) return refuseOver(spentMessage(perHour, retryAfterMs));
    let covered: RpcValue;
    try {
      // One more than what is left is enough to know it is too many, and bounds Odoo's work.
      const kwargs: RpcStruct = { domain: plan.domain, limit: allowed + 1, ...(plan.context !== undefined ? { context: plan.context } : {}) };
      covered = await callUpstream(this.deps.pool, target, model, 'search_count', [], kwargs, this.internalVia(x, target));
    } catch (e) {
      await this.refuseUpstream(x, res, target, 'the records budget needs the number of records this call covers, and Odoo could not count them: ', e);
      return true;
    }
    if (typeof covered !== 'number' || !Number.isInteger(covered) || covered < 0) {
      await this.refuse(x, res, 'upstream', 'the records budget needs the number of records this call covers, and Odoo did not answer a count', {}, v, 'upstream_error');
      return true;
    }
    if (covered > allowed) return refuseOver(`may read ${allowed} more records this hour, and this call's groups cover more`);
    this.chargeOnResult(x, keyId, plan, covered);
    return false;
  }

  /** What the key's hour has left (holds of calls in flight counted as spent); starts a new hour when due. */
  private recordsLeft(keyId: string, perHour: number, nowMs: number): { allowed: number; retryAfterMs: number } {
    const { allowed, budget, retryAfterMs } = recordsAllowance(this.records.get(keyId), perHour, nowMs);
    this.records.set(keyId, budget);
    return { allowed, retryAfterMs };
  }

  /** Holds `bound` records now; the answer settles what was really read (recordsCharged). */
  private chargeOnResult(x: Exchange, keyId: string, plan: RecordsPlan, bound: number): void {
    const nowMs = this.deps.now().getTime();
    const budget = chargeRecords(this.records.get(keyId), bound, nowMs);
    this.records.set(keyId, budget);
    x.recordsHeld = { keyId, held: bound, windowStartMs: budget.windowStartMs };
    x.onResult = (result) => this.settleRecords(x, recordsCharged(plan, result, bound));
  }

  /** Turns the call's hold into what it read: the rest is given back, any excess charged. Once. */
  private settleRecords(x: Exchange, read: number): void {
    const h = x.recordsHeld;
    if (!h) return;
    x.recordsHeld = undefined;
    if (read > h.held) this.records.set(h.keyId, chargeRecords(this.records.get(h.keyId), read - h.held, this.deps.now().getTime()));
    else if (read < h.held) {
      const after = refundRecords(this.records.get(h.keyId), h.held - read, h.windowStartMs);
      if (after) this.records.set(h.keyId, after);
    }
  }

  /**
   * One call's place under its key's rate, taken once per call: null when taken (or no rate),
   * else how long until the next. A call counts when it is allowed, or as soon as checking it
   * costs Odoo a schema fetch, allowed or not: a glob rule (crm.*) would otherwise let a key make
   * Odoo answer fields_get for made-up model names past its rate.
   */
  private takeRate(x: Exchange, record: KeyRecord, now: Date): number | null {
    const rate = record.limits?.rate;
    if (!rate || x.rateTaken) return null;
    const r = takeToken(this.rate.get(record.id), rate, now.getTime());
    this.rate.set(record.id, r.bucket);
    if (!r.ok) return r.retryAfterMs;
    x.rateTaken = true;
    return null;
  }

  /** No place under the concurrency caps within the wait (for the call, or for its schema fetches). */
  private refuseNoPlace(x: Exchange, res: ServerResponse, record: KeyRecord, version: number): Promise<void> {
    this.deps.metrics.throttled++;
    return this.refuse(x, res, 'unavailable', `too many calls in progress for key '${record.name}'; retry shortly`, { reason: 'concurrency cap' }, version);
  }

  private refuseOverRate(x: Exchange, res: ServerResponse, record: KeyRecord, retryAfterMs: number, version: number): Promise<void> {
    this.deps.metrics.throttled++;
    const rate = record.limits?.rate ?? '';
    return this.refuse(x, res, 'throttled', `key '${record.name}' is over its rate of ${rate}; retry in ${Math.ceil(retryAfterMs / 1000)} s`, { limit: 'rate', reason: `over rate ${rate}` }, version, 'denied');
  }

  /** decide(), fetching the schemas it asks for (bounded: a scope cannot make it loop). */
  private async decideWithSchema(x: Exchange, scope: KeyScope, call: OdooCall, now: Date, target: UpstreamTarget, record: KeyRecord): Promise<Decision> {
    const fetched = new Map<string, ModelSchema>();
    const fetchedIr = new Map<number, string | null>();
    // Properties definitions and the written records' definition records, read for this call only
    // (definitions also cached briefly); null when they could not be read.
    const fetchedDefs = new Map<string, PropertiesDefinition | null>();
    const fetchedCurrent = new Map<string, (number | false)[] | null>();
    // External ids looked up for this call only (an external id can be pointed at another record).
    const fetchedXmlids = new Map<string, { model: string; id: number } | null>();
    // A fresh definition (read for this call, not from the cache) is kept apart from a cached one.
    const inside = (within?: RpcValue[]): string => (within ? `\u0000${JSON.stringify(within)}` : '');
    const defKey = (model: string, id: number, field: string, fresh?: boolean, within?: RpcValue[]): string => `${model}\u0000${id}\u0000${field}${fresh ? '\u0000fresh' : ''}${inside(within)}`;
    const curKey = (model: string, field: string, ids: readonly number[], within?: RpcValue[]): string => `${model}\u0000${field}\u0000${ids.join(',')}${inside(within)}`;
    const via = this.internalVia(x, target);
    for (let round = 0; round < 8; round++) {
      const d = decide(scope, call, {
        ip: x.ip, now, version: target.version, upstreamUid: target.uid,
        schema: (m) => fetched.get(m) ?? this.cachedSchema(target, m),
        irModelName: (id) => (fetchedIr.has(id) ? fetchedIr.get(id) : this.cachedIrModel(target, id)),
        // A definition read within a domain is never taken from the cache: the cache does not know the domain.
        propertiesDefinition: (m, id, f, fresh, within) => (fetchedDefs.has(defKey(m, id, f, fresh, within)) ? fetchedDefs.get(defKey(m, id, f, fresh, within)) : fresh || within ? undefined : this.cachedDefinition(target, m, id, f)),
        currentLinks: (m, f, ids, within) => fetchedCurrent.get(curKey(m, f, ids, within)),
        externalId: (xmlid) => fetchedXmlids.get(xmlid),
      });
      if (d.verdict !== 'need_schema') return d;
      const missing = d.models.filter((m) => !fetched.has(m));
      const missingIr = (d.irModels ?? []).filter((id) => !fetchedIr.has(id));
      const missingDefs = (d.definitions ?? []).filter((q) => !fetchedDefs.has(defKey(q.model, q.id, q.field, q.fresh, q.within)));
      const missingCurrent = (d.current ?? []).filter((q) => !fetchedCurrent.has(curKey(q.model, q.field, q.ids, q.within)));
      const missingXmlids = (d.xmlids ?? []).filter((x) => !fetchedXmlids.has(x));
      if (missing.length === 0 && missingIr.length === 0 && missingDefs.length === 0 && missingCurrent.length === 0 && missingXmlids.length === 0) {
        return { verdict: 'deny', reason: d.models.length ? `the fields of ${d.models.join(', ')} could not be read` : d.irModels?.length ? `the models of ir.model ${d.irModels.join(', ')} could not be read` : d.xmlids?.length ? 'the external ids could not be looked up' : 'the properties definitions could not be read' };
      }
      const retryAfterMs = this.takeRate(x, record, now);
      if (retryAfterMs !== null) throw new OverRate(retryAfterMs);
      // Fetches are calls to Odoo: made under the key's and the proxy's concurrency caps.
      const release = await this.limiter.acquire(record.id);
      if (!release) throw new NoPlace();
      // The wait for a place may have outlasted the proxy's run: nothing goes to Odoo once shutdown began.
      const closing = this.deps.refuseAll?.();
      if (closing) {
        release();
        throw new ShuttingDown(closing);
      }
      try {
        for (const m of missing) fetched.set(m, await this.fetchSchema(target, m, via));
        if (missingIr.length) for (const [id, model] of await this.fetchIrModels(target, missingIr, via)) fetchedIr.set(id, model);
        // One read per model and field, whatever the number of records or teams the call names (a
        // create of many leads in many teams, many command lines): a call cannot multiply Odoo calls.
        for (const read of readsFor(missingCurrent)) {
          const byId = await this.fetchCurrentLinks(target, read.model, read.field, read.ids, via, read.within);
          for (const q of read.queries) fetchedCurrent.set(curKey(q.model, q.field, q.ids, q.within), linksOf(byId, q.ids));
        }
        for (const read of readsFor(missingDefs)) {
          const found = await this.fetchDefinitions(target, read.model, read.field, read.ids, via, read.fresh, read.within);
          for (const q of read.queries) fetchedDefs.set(defKey(q.model, q.id, q.field, q.fresh, q.within), found.get(q.id) ?? null);
        }
        if (missingXmlids.length) {
          const found = await this.fetchExternalIds(target, missingXmlids, via);
          // Not looked up (Odoo refused): refused, never taken as "no such external id" (which creates).
          if (!found) return { verdict: 'deny', reason: `the external ids the call names could not be looked up in ir.model.data (${missingXmlids.slice(0, 3).join(', ')}${missingXmlids.length > 3 ? ', ...' : ''})` };
          for (const [x, r] of found) fetchedXmlids.set(x, r);
        }
      } finally {
        release();
      }
    }
    return { verdict: 'deny', reason: 'the call reaches too many related models to check' };
  }

  private cachedSchema(target: UpstreamTarget, model: string): ModelSchema | undefined {
    const c = this.schemaCache.get(cacheKey(target, model));
    return c && Date.now() < c.until ? c.schema : undefined;
  }

  private async fetchSchema(target: UpstreamTarget, model: string, via: UpstreamVia): Promise<ModelSchema> {
    const cached = this.cachedSchema(target, model);
    if (cached) return cached;
    let v: RpcValue;
    try {
      v = await callUpstream(this.deps.pool, target, model, 'fields_get', [], { attributes: [...SCHEMA_ATTRIBUTES] }, via);
    } catch (e) {
      // An unknown model or one the integration user cannot see: an empty schema, so the
      // engine denies with "no such field" rather than the proxy failing. Cached like any other,
      // or a glob rule (crm.*) would let a key make Odoo answer one fields_get per made-up name.
      if (!(e instanceof UpstreamCallError)) throw e;
      this.cacheSchema(cacheKey(target, model), {}, Math.min(this.deps.options.schemaTtlMs, UNKNOWN_MODEL_TTL_MS));
      return {};
    }
    const schema = schemaFromFieldsGet(v);
    this.cacheSchema(cacheKey(target, model), schema, this.deps.options.schemaTtlMs);
    return schema;
  }

  private cachedIrModel(target: UpstreamTarget, id: number): string | null | undefined {
    const c = this.irModelCache.get(cacheKey(target, String(id)));
    return c && Date.now() < c.until ? c.model : undefined;
  }

  /**
   * Which model each ir.model id names (a many2one_reference set through one, mail.activity's
   * res_model_id): one ir.model `search_read` of `model` by id, as the integration user, in the
   * call's protocol like the other internal calls. A search, not a read: read raises for the whole
   * batch when one id does not exist, and reading each id alone then would let one call with
   * thousands of made-up ids cost Odoo thousands of calls. An id not found (no such record, or not
   * readable) is null, which the engine refuses. Kept as long as a schema (an ir.model record's
   * model never changes, but a database restored or a profile pointed at another one numbers its
   * models differently); null only briefly, as an unknown model's schema is. Bounded like the
   * schema cache.
   */
  private async fetchIrModels(target: UpstreamTarget, ids: number[], via: UpstreamVia): Promise<Map<number, string | null>> {
    const out = new Map<number, string | null>();
    const todo = new Set<number>();
    for (const id of ids) {
      const cached = this.cachedIrModel(target, id);
      if (cached === undefined) todo.add(id);
      else out.set(id, cached);
    }
    if (todo.size === 0) return out;
    let rows: RpcValue;
    try {
      rows = await this.lookUp(target, readByIds('ir.model', ['model'], [...todo]), via);
    } catch (e) {
      // Odoo refused (an error, or a user who cannot read ir.model): none is known, so this call is
      // refused; nothing is kept, so the next call asks again rather than being refused for a minute.
      if (!(e instanceof UpstreamCallError)) throw e;
      for (const id of todo) out.set(id, null);
      return out;
    }
    for (const [id, model] of irModelNamesById(rows, todo)) {
      out.set(id, model);
      this.cacheIrModel(cacheKey(target, String(id)), model, model === null ? Math.min(this.deps.options.schemaTtlMs, UNKNOWN_MODEL_TTL_MS) : this.deps.options.schemaTtlMs);
    }
    return out;
  }

  /** One look-up before deciding (schema.ts builds it, as for `check`), as the integration user in the call's protocol. */
  private lookUp(target: UpstreamTarget, read: LookupRead, via: UpstreamVia): Promise<RpcValue> {
    return callUpstream(this.deps.pool, target, read.model, 'search_read', [], read.kwargs, via);
  }

  private cachedDefinition(target: UpstreamTarget, model: string, id: number, field: string): PropertiesDefinition | undefined {
    const c = this.definitionCache.get(cacheKey(target, `${model}\u0000${id}\u0000${field}`));
    return c && Date.now() < c.until ? c.definition : undefined;
  }

  /**
   * The properties definitions held in `field` of records `ids` of `model` (crm.team 3's
   * `lead_properties_definition`), read as the integration user in the call's protocol (one
   * search_read by ids for those not cached: archived records hold definitions too). Kept briefly (a
   * minute at most): a property retyped from integer to many2one is judged by its new type soon
   * after. `fresh`: read whatever the cache holds (the current definition a definition write is
   * judged against; the answer still refreshes the cache). null (not kept) when Odoo refuses or no
   * such record is found: the engine then refuses the values.
   */
  private async fetchDefinitions(target: UpstreamTarget, model: string, field: string, ids: number[], via: UpstreamVia, fresh = false, within?: RpcValue[]): Promise<Map<number, PropertiesDefinition | null>> {
    const out = new Map<number, PropertiesDefinition | null>();
    const toRead: number[] = [];
    for (const id of new Set(ids)) {
      const cached = fresh || within ? undefined : this.cachedDefinition(target, model, id, field);
      if (cached) out.set(id, cached);
      else toRead.push(id);
    }
    if (toRead.length === 0) return out;
    toRead.sort((a, b) => a - b);
    let rows: RpcValue;
    try {
      rows = await this.lookUp(target, readByIds(model, [field], toRead, within), via);
    } catch (e) {
      if (!(e instanceof UpstreamCallError)) throw e;
      for (const id of toRead) out.set(id, null);
      return out;
    }
    for (const [id, definition] of definitionsById(rows, field, toRead)) {
      out.set(id, definition);
      if (!definition) continue;
      const key = cacheKey(target, `${model}\u0000${id}\u0000${field}`);
      this.definitionCache.delete(key);
      if (this.definitionCache.size >= SCHEMA_CACHE_MAX) this.definitionCache.delete(this.definitionCache.keys().next().value!);
      this.definitionCache.set(key, { until: Date.now() + Math.min(this.deps.options.schemaTtlMs, UNKNOWN_MODEL_TTL_MS), definition });
    }
    return out;
  }

  /**
   * The many2one `field` of records `ids` of `model` (the records a write changes; their team holds
   * the properties definition), by id, read as the integration user: never cached, a write changes
   * it. null when Odoo refuses.
   */
  private async fetchCurrentLinks(target: UpstreamTarget, model: string, field: string, ids: number[], via: UpstreamVia, within?: RpcValue[]): Promise<Map<number, number | false | null> | null> {
    try {
      const rows = await this.lookUp(target, readByIds(model, [field], ids, within), via);
      return currentLinksById(rows, field);
    } catch (e) {
      if (!(e instanceof UpstreamCallError)) throw e;
      return null;
    }
  }

  /**
   * The records external ids name (load's `id` and `/id` columns): one ir.model.data search_read
   * for all of them (by module and name, reading model and res_id), as the integration user in the
   * call's protocol. Never cached: an external id can be pointed at another record, and whether one
   * exists decides whether a row creates or updates. null when Odoo refuses (the call is refused
   * then: a look-up that failed, or an answer externalIdsFrom cannot read, must not read as "no
   * such external id").
   */
  private async fetchExternalIds(target: UpstreamTarget, xmlids: string[], via: UpstreamVia): Promise<Map<string, { model: string; id: number } | null> | null> {
    try {
      const rows = await this.lookUp(target, externalIdsRead(xmlids), via);
      return externalIdsFrom(rows, xmlids);
    } catch (e) {
      if (!(e instanceof UpstreamCallError)) throw e;
      return null;
    }
  }

  private cacheIrModel(key: string, model: string | null, ttlMs: number): void {
    this.irModelCache.delete(key);
    if (this.irModelCache.size >= SCHEMA_CACHE_MAX) this.irModelCache.delete(this.irModelCache.keys().next().value!);
    this.irModelCache.set(key, { until: Date.now() + ttlMs, model });
  }

  /** Bounded: made-up model names must not grow the cache for ever (the oldest entry goes first). */
  private cacheSchema(key: string, schema: ModelSchema, ttlMs: number): void {
    this.schemaCache.delete(key);
    if (this.schemaCache.size >= SCHEMA_CACHE_MAX) this.schemaCache.delete(this.schemaCache.keys().next().value!);
    this.schemaCache.set(key, { until: Date.now() + ttlMs, schema });
  }

  /**
   * The protocol of the proxy's own calls made for a client's call (schemas, id checks, budget
   * counts, which names to hide): the one the call itself goes in. They hold the client's values
   * (a domain, its context, a model name), and each protocol carries only what its format can:
   * a JSON-RPC client's "e\u0001" has no XML-RPC form, so a count sent as XML-RPC could only fail
   * (or, before the encoder refused, count a domain without it). In the call's own protocol, Odoo
   * counts and checks exactly the values it then runs the call with, and an upstream that takes
   * the call takes these too. Odoo before 19 has no JSON-2: a JSON-2 client's call gets Odoo's own
   * 404 there, and the checks before it go as XML-RPC, as they did.
   */
  private internalVia(x: Exchange, target: UpstreamTarget): UpstreamVia {
    const via = this.viaFor(x, target);
    if (via === 'xmlrpc-legacy') return 'xmlrpc';
    if (via === 'json2' && target.version < 19 && target.protocol !== 'json2') return 'xmlrpc';
    return via;
  }

  /**
   * A check asked for by the engine: every id must lie inside the domain; for links_in_domain the
   * ids are first read: the records a many2many field of the written records links to now.
   */
  private async runCheck(target: UpstreamTarget, check: UpstreamCheck, via: UpstreamVia, call: OdooCall): Promise<string | null> {
    let model = check.model;
    let ids = [...new Set(check.ids)];
    if (ids.length === 0) return null;
    if (check.kind === 'links_in_domain') {
      const rows = await this.currentLinks(target, check, ids, via, call);
      if (check.set) {
        // The write sets each record's links to `set` (or adds them): only the links it removes and adds change.
        const { removed, added } = linkChanges(ids, rows, check.set);
        return (await this.countInDomain(target, check.comodel, removed, check.domain, check.reason, via)) ?? (await this.countInDomain(target, check.comodel, added, check.domain, check.set.reason, via));
      }
      ids = [...new Set(rows.flatMap((r) => r.links))];
      model = check.comodel;
    }
    return this.countInDomain(target, model, ids, check.domain, check.reason, via);
  }

  /** Counts `ids` of `model` inside `domain` upstream: null when all are, else `reason`. */
  private async countInDomain(target: UpstreamTarget, model: string, ids: number[], checkDomain: RpcValue[], reason: string, via: UpstreamVia): Promise<string | null> {
    if (ids.length === 0) return null;
    // Odoo reads a list of terms as their AND, so prefixing the id leaf narrows the rule's domain.
    const domain: RpcValue[] = [['id', 'in', ids], ...checkDomain];
    const count = await callUpstream(this.deps.pool, target, model, 'search_count', [], { domain, context: { active_test: false } }, via);
    if (count === ids.length) return null;
    return reason;
  }

  /**
   * The links a many2many write would remove: the field as Odoo's own write reads it before
   * changing it (Many2many.write_real reads through Many2many.read, archived records included:
   * active_test off), as the same upstream user and in the call's companies, so the same record
   * rules hide the same links from both. A link this read cannot see, the write cannot remove.
   */
  private async currentLinks(target: UpstreamTarget, check: Extract<UpstreamCheck, { kind: 'links_in_domain' }>, ids: number[], via: UpstreamVia, call: OdooCall): Promise<{ id: unknown; links: number[] }[]> {
    const context: RpcStruct = { active_test: false };
    const callContext = bindCall(call, target.version).context;
    if (isStruct(callContext) && callContext.allowed_company_ids !== undefined) context.allowed_company_ids = callContext.allowed_company_ids;
    const rows = await callUpstream(this.deps.pool, target, check.model, 'read', [ids], { fields: [check.field], context }, via);
    if (!Array.isArray(rows)) throw new UpstreamCallError(`read of ${check.model}.${check.field} did not answer a list`);
    return rows.map((row) => {
      const v = isStruct(row) ? row[check.field] : undefined;
      if (!Array.isArray(v) || !v.every((id) => typeof id === 'number')) throw new UpstreamCallError(`read of ${check.model}.${check.field} did not answer a list of ids`);
      return { id: (row as RpcStruct).id, links: v as number[] };
    });
  }

  // ------------------------------------------------------------------------------------------
  // Forwarding and streaming the answer back.

  private viaFor(x: Exchange, target: UpstreamTarget): UpstreamVia {
    if (x.protocol === 'json2' || target.protocol === 'json2') return 'json2';
    if (x.protocol === 'jsonrpc') return 'jsonrpc';
    return x.legacy ? 'xmlrpc-legacy' : 'xmlrpc';
  }

  private async forward(x: Exchange, res: ServerResponse, target: UpstreamTarget, call: OdooCall, decision: Allowed): Promise<void> {
    const via = this.viaFor(x, target);
    let upCall = call;
    if (via === 'json2' && x.protocol !== 'json2') {
      // An XML-RPC or JSON-RPC client carried to a JSON-2-only Odoo: named parameters upstream.
      try {
        upCall = toJson2Call(call, target.version);
      } catch (e) {
        if (e instanceof BindError) return this.refuse(x, res, 'bad_request', `cannot carry ${call.model}.${call.method} to a JSON-2-only Odoo: ${e.message}`, {}, target.version);
        throw e;
      }
    }
    let upReq: UpstreamRequest;
    try {
      upReq = encodeUpstreamCall(target, upCall, via, x.jsonrpcId);
    } catch (e) {
      // A value XML-RPC cannot carry (from a rule's domain, say): refused, never sent changed.
      if (e instanceof XmlRpcEncodeError) return this.refuse(x, res, 'bad_request', `cannot carry ${call.model}.${call.method} to Odoo: ${e.message}`, {}, target.version);
      throw e;
    }
    const cancellation = new Cancellation();
    // 'close' also comes after an answer was sent whole (while the journal line is written):
    // only a client gone before the end aborts, as aborting costs an AbortError and its stack.
    // Not while shutting down: the call is at Odoo, and its line must say what Odoo answered.
    const onClientGone = (): void => {
      if (!res.writableFinished && !this.deps.refuseAll?.()) cancellation.cancel();
    };
    res.once('close', onClientGone);
    try {
      let upRes: UpstreamAnswer;
      try {
        x.forwarded = true;
        upRes = await this.deps.pool.send(target.url, upReq, { cancellation, mayRepeat: READ_PRESET_ANY_VERSION.has(upCall.method) });
      } catch (e) {
        if (this.answersAbandoned) return await this.refuseNotAwaited(x, res, target);
        if (cancellation.cancelled) return await this.clientGoneAtOdoo(x, res, target);
        this.deps.log.warn('upstream call failed', { profile: target.profile, key: x.entry.key, error: upstreamMessage(e) });
        return await this.refuseUpstream(x, res, target, '', e, { decision: 'allow' }, e instanceof UpstreamUnavailable && e.code === 'ETIMEDOUT' ? 504 : 502);
      }
      const status = upRes.statusCode ?? 502;
      // Answers that must be changed (names hidden) are held whole, up to a bound.
      const holdAll = decision.redactions.length > 0;
      const limit = holdAll ? this.deps.options.maxRewriteBytes : this.deps.options.inspectBytes;
      const iterator = upRes[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      let head: Buffer;
      let ended: boolean;
      try {
        ({ head, ended } = await readHead(iterator, limit));
      } catch (e) {
        if (this.answersAbandoned) return await this.refuseNotAwaited(x, res, target);
        if (cancellation.cancelled) return await this.clientGoneAtOdoo(x, res, target);
        return await this.refuseUpstream(x, res, target, "Odoo's answer broke off: ", e, { decision: 'allow' }, 502);
      }
      if (!ended && holdAll) {
        upRes.destroy();
        return await this.refuse(x, res, 'denied', `the answer is larger than ${this.deps.options.maxRewriteBytes} bytes and names in it must be hidden; ask for fewer records or fields`, { decision: 'allow' }, target.version, 'denied');
      }
      if (ended) return await this.answerWhole(x, res, target, call, decision, via, status, upRes.headers, head);
      return await this.answerStreamed(x, res, target, via, status, upRes, iterator, head);
    } finally {
      res.off('close', onClientGone);
    }
  }

  /** A whole answer in hand: summarise, hide names if asked, translate if needed, send, journal. */
  private async answerWhole(x: Exchange, res: ServerResponse, target: UpstreamTarget, call: OdooCall, decision: Allowed, via: UpstreamVia, status: number, upHeaders: UpstreamAnswer['headers'], body: Buffer): Promise<void> {
    const translated = via === 'json2' && x.protocol !== 'json2';
    // Decoding a whole answer is a fifth of the proxy's work on a small XML-RPC call; it is done
    // only when the result is used (budgets, created ids, hidden names, translation) or when the
    // answer is not plainly a complete successful one (errors are journaled with their name).
    const needResult = x.onResult !== undefined || decision.redactions.length > 0 || translated || RESULT_ID_METHODS.has(call.method);
    const summary: AnswerSummary = !needResult && plainlyOk(via, status, body) ? { outcome: 'ok' } : summarizeAnswer(via, status, body);
    if (needResult && summary.unreadable !== undefined) {
      // Passed on unread, it would go out with names unhidden and its records uncharged. Odoo may
      // have read (or made) what it holds, so the hold is charged whole, not given back.
      const purposes = [
        ...(decision.redactions.length ? ['hide names in it'] : []),
        ...(x.onResult ? ['charge the records it holds'] : []),
        ...(translated ? ['translate it for this client'] : []),
        ...(RESULT_ID_METHODS.has(call.method) ? ['journal the ids it created'] : []),
      ];
      x.onResult?.(undefined);
      this.deps.metrics.observeUpstreamError(target.profile);
      const message = `Odoo answered, but its answer could not be read (${summary.unreadable}), and the proxy must read it to ${purposes.join(' and ')}: it is not passed on. Odoo may have carried out the call.`;
      return this.refuse(x, res, 'upstream', message, { decision: 'allow', error: summary.error }, target.version, 'upstream_error', 502);
    }
    if (summary.outcome === 'ok') x.onResult?.(summary.result);
    const created = summary.outcome === 'ok' ? resultIds(call, summary.result) : undefined;
    const journal: Partial<JournalInput> = { decision: 'allow', outcome: summary.outcome, ...(summary.error ? { error: summary.error } : {}), ...(created ? { result_ids: created } : {}) };
    let answer: Answer = { status, headers: passHeaders(upHeaders), body };
    if (summary.outcome === 'ok' && decision.redactions.length) {
      let result = summary.result ?? null;
      try {
        result = await this.redact(target, result, decision.redactions, this.internalVia(x, target));
      } catch (e) {
        return this.refuseUpstream(x, res, target, 'names in the answer must be hidden and Odoo could not be asked which: ', e, { decision: 'allow' });
      }
      answer = this.resultAsOdoo(x, result, target.version, journal);
      journal.notes = [...(journal.notes ?? x.entry.notes ?? []), `names hidden in ${decision.redactions.flatMap((r) => r.fields).join(', ')}`];
    } else if (translated) {
      answer = summary.outcome === 'ok' ? this.resultAsOdoo(x, executeKwResult(call, target.version, summary.result ?? null), target.version, journal) : this.translatedError(x, target, body, status);
    }
    return this.finish(x, res, answer, journal);
  }

  /**
   * A result the proxy writes itself (translated from JSON-2, names hidden), answered as Odoo's own
   * XML-RPC would: Odoo marshals with allow_none=False after the call ran, so a None anywhere is
   * a TypeError fault (code 1) and an int outside 32 bits an OverflowError, not a proxy error.
   */
  private resultAsOdoo(x: Exchange, value: RpcValue, version: number, journal: Partial<JournalInput>): RpcAnswer {
    try {
      return this.result(x, value);
    } catch (e) {
      if (!(e instanceof XmlRpcEncodeError) || x.protocol !== 'xmlrpc') throw e;
      const type = e.message.startsWith('int exceeds') ? 'OverflowError' : 'TypeError';
      // Journaled as the fault Odoo's XML-RPC would have answered (and the proxy then journals) is.
      journal.outcome = 'odoo_error';
      journal.error = { name: type, message: e.message };
      journal.notes = [...(journal.notes ?? x.entry.notes ?? []), `the call ran; answered as Odoo's XML-RPC does: ${type}: ${e.message}`];
      return xmlrpcFaultAnswer(odooErrors.builtin(type, e.message), { legacy: x.legacy, version });
    }
  }

  /** A large answer: judged by its head, streamed with back-pressure (translated on the fly if needed). */
  private async answerStreamed(x: Exchange, res: ServerResponse, target: UpstreamTarget, via: UpstreamVia, status: number, upRes: UpstreamAnswer, iterator: AsyncIterator<Buffer>, head: Buffer): Promise<void> {
    const translated = via === 'json2' && x.protocol !== 'json2';
    const sniffed = sniffAnswer(via, status, head);
    let bytesOut = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytesOut += chunk.length;
        cb(null, chunk);
      },
    });
    const stages: Transform[] = [];
    if (translated) {
      if (status !== 200) {
        // JSON-2 errors are small; one this large is not an answer we can vouch for.
        upRes.destroy();
        return this.refuse(x, res, 'upstream', `Odoo answered HTTP ${status} with an unusually large body`, { decision: 'allow' }, target.version, 'upstream_error');
      }
      stages.push(x.protocol === 'jsonrpc' ? jsonToJsonRpcResponse(x.jsonrpcId) : jsonToXmlRpcResponse(this.deps.options.maxDepth * 4));
      res.writeHead(200, x.protocol === 'jsonrpc' ? { 'Content-Type': 'application/json; charset=utf-8' } : { 'Content-Type': 'text/xml; charset=utf-8' });
    } else {
      // Nothing is changed, so Odoo's Content-Length (when sent) stays true.
      res.writeHead(status, passHeaders(upRes.headers));
    }
    let outcome: JournalInput['outcome'] = sniffed === 'odoo_error' ? 'odoo_error' : 'ok';
    // Not read, so charged the most it could hold, whatever its first bytes suggest: a 200 that
    // looks like an error may still hold records (a JSON-RPC id, which the client chooses, comes
    // before "result"). Only a non-200 answer, which never holds a result, gives the hold back.
    if (status === 200) x.onResult?.(undefined);
    let error: JournalInput['error'];
    let notes: string[] | undefined;
    // Odoo's side ending early (a reset, or the upstream timeout of a stalled answer) while the
    // client is not reading would leave the pipeline waiting on the client for ever, holding the
    // call's place in the caps: cut the client off then.
    let broke: unknown;
    const onUpstreamError = (e: unknown): void => {
      broke = e;
    };
    // Which side ended it first: a client that hangs up (or close() cutting it off) is not Odoo
    // failing; its line keeps what Odoo answered and says the answer did not reach the client.
    let upstreamEnded = false;
    let clientClosed = res.destroyed;
    const onUpstreamClosed = (): void => {
      if (upRes.complete) return;
      if (!clientClosed) upstreamEnded = true;
      res.destroy();
    };
    const onClientClosed = (): void => {
      if (broke === undefined && !upstreamEnded && !res.writableFinished) clientClosed = true;
    };
    upRes.once('error', onUpstreamError);
    upRes.once('close', onUpstreamClosed);
    res.once('close', onClientClosed);
    try {
      // Untranslated answers are counted as they pass: no stage between Odoo and the client.
      const counted = !stages[0];
      const onStreamed = this.deps.onStreamed;
      const source = (async function* all() {
        if (counted) bytesOut += head.length;
        yield head;
        onStreamed?.(head.length);
        for (;;) {
          const next = await iterator.next();
          if (next.done) return;
          if (counted) bytesOut += next.value.length;
          yield next.value;
          onStreamed?.(next.value.length);
        }
      })();
      if (stages[0]) await pipeline(source, stages[0], counter, res);
      else await pipeline(source, res);
    } catch (e) {
      if (clientClosed) {
        // The client went away, or close() cut it off: Odoo's side did not fail, so the outcome
        // stays as it began (and it is no upstream error in the metrics).
        notes = [...(x.entry.notes ?? []), `${CUT_OFF} after ${bytesOut} bytes`];
      } else {
        outcome = 'upstream_error';
        error = { name: 'UpstreamBroke', message: `answer broke off after ${bytesOut} bytes: ${upstreamMessage(broke ?? e)}` };
        this.deps.metrics.observeUpstreamError(target.profile);
      }
      upRes.destroy();
      res.destroy();
    } finally {
      upRes.off('error', onUpstreamError);
      upRes.off('close', onUpstreamClosed);
      res.off('close', onClientClosed);
    }
    await this.journalOnly(x, { decision: 'allow', outcome, ...(error ? { error } : {}), ...(notes ? { notes } : {}) }, bytesOut);
  }

  /** A JSON-2 error body, re-rendered for the XML-RPC or JSON-RPC client that made the call. */
  private translatedError(x: Exchange, target: UpstreamTarget, body: Buffer, status: number): Answer {
    let err: OdooError = odooErrors.builtin('ConnectionError', `odoo-keys: Odoo answered HTTP ${status}`);
    try {
      const v = parseJson(body);
      if (isStruct(v) && typeof v.name === 'string' && typeof v.message === 'string') {
        err = { name: v.name, message: v.message, ...(typeof v.debug === 'string' ? { debug: v.debug } : {}) };
      }
    } catch {
      // keep the generic error
    }
    if (x.protocol === 'jsonrpc') return jsonrpcErrorAnswer(x.jsonrpcId, err, target.version);
    return xmlrpcFaultAnswer(err, { legacy: x.legacy, version: target.version });
  }

  /** Hides the display names of many2one pairs the key may not read (see ResultRedaction). */
  private async redact(target: UpstreamTarget, result: RpcValue, redactions: readonly ResultRedaction[], via: UpstreamVia): Promise<RpcValue> {
    for (const r of redactions) {
      if (r.kind === 'property_names') {
        await this.redactProperties(target, result, r, via);
        continue;
      }
      const pairs = collectPairs(result, new Set(r.fields));
      if (pairs.length === 0) continue;
      let visible = new Set<number>();
      if (r.domain && r.comodel) {
        const ids = [...new Set(pairs.map((p) => p[0] as number))];
        const found = await callUpstream(this.deps.pool, target, r.comodel, 'search', [], { domain: [['id', 'in', ids], ...r.domain], context: { active_test: false } }, via);
        visible = new Set(Array.isArray(found) ? found.filter((n): n is number => typeof n === 'number') : []);
      }
      for (const p of pairs) if (!visible.has(p[0] as number)) p[1] = HIDDEN_NAME;
    }
    return result;
  }

  /** Names in relational property values, judged per comodel the values name beside them. */
  private async redactProperties(target: UpstreamTarget, result: RpcValue, r: PropertyNameRedaction, via: UpstreamVia): Promise<void> {
    const byComodel = new Map<string, RpcValue[][]>();
    for (const { comodel, pair } of collectPropertyPairs(result, new Set(r.fields))) {
      const list = byComodel.get(comodel) ?? [];
      list.push(pair);
      byComodel.set(comodel, list);
    }
    for (const [comodel, pairs] of byComodel) {
      const reach = propertyNameReach(r.readers, comodel);
      if (reach && 'all' in reach) continue;
      let visible = new Set<number>();
      if (reach) {
        const ids = [...new Set(pairs.map((p) => p[0] as number))];
        const found = await callUpstream(this.deps.pool, target, comodel, 'search', [], { domain: [['id', 'in', ids], ...reach.domain], context: { active_test: false } }, via);
        visible = new Set(Array.isArray(found) ? found.filter((n): n is number => typeof n === 'number') : []);
      }
      for (const p of pairs) if (!visible.has(p[0] as number)) p[1] = HIDDEN_NAME;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Ends of the pipeline.

  /** Odoo failed (unreachable, timed out, broke off): counted, and the call refused as an upstream error. */
  private refuseUpstream(x: Exchange, res: ServerResponse, target: UpstreamTarget, what: string, e: unknown, extra: Partial<JournalInput> & { decision?: 'allow' | 'deny' } = {}, httpStatus?: number): Promise<void> {
    this.deps.metrics.observeUpstreamError(target.profile);
    return this.refuse(x, res, 'upstream', `${what}${upstreamMessage(e)}`, extra, target.version, 'upstream_error', httpStatus);
  }

  private async refuse(
    x: Exchange,
    res: ServerResponse,
    kind: RefusalKind,
    message: string,
    extra: Partial<JournalInput> & { decision?: 'allow' | 'deny' },
    version?: number,
    outcome: JournalInput['outcome'] = 'rejected',
    httpStatus?: number,
  ): Promise<void> {
    message = clip(message, TEXT_CLIP);
    const answer = refusalAnswer(this.ctx(x, version), kind, message, httpStatus);
    const clean: Partial<JournalInput> = {};
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) (clean as Record<string, unknown>)[k] = v;
    return this.finish(x, res, answer, { decision: 'deny', outcome, reason: message.replace(/^odoo-keys: /, ''), ...clean });
  }

  /**
   * Journals the exchange, then sends the answer held whole. In that order, a client holding an
   * answer knows its line was written, or else that the journal has turned unhealthy and its next
   * call is refused (fail closed); answering first let the next call through before the failed
   * write was noticed.
   */
  private async finish(x: Exchange, res: ServerResponse, answer: Answer, result: Partial<JournalInput> & { status?: number }): Promise<void> {
    // The line says when the answer had nowhere to go (a client cut off by close(), say).
    if (res.destroyed) result = { ...result, notes: [...(result.notes ?? x.entry.notes ?? []), CUT_OFF] };
    await this.journalOnly(x, { ...result, status: answer.status }, Buffer.byteLength(answer.body));
    writeAnswer(res, answer);
  }

  private async journalOnly(x: Exchange, result: Partial<JournalInput> & { status?: number }, bytesOut: number): Promise<void> {
    x.journaled = true;
    const ms = Number(process.hrtime.bigint() - x.started) / 1e6;
    const { status: _status, ...rest } = result;
    const entry: JournalInput = {
      ts: this.deps.now().toISOString(),
      key: null,
      ip: x.ip,
      proto: x.protocol,
      decision: 'deny',
      outcome: 'rejected',
      ...x.entry,
      ...rest,
      ms: Math.round(ms * 100) / 100,
      bytes_in: x.bytesIn,
      bytes_out: bytesOut,
    } as JournalInput;
    if (typeof entry.reason === 'string') entry.reason = clip(entry.reason, TEXT_CLIP);
    if (typeof entry.detail === 'string') entry.detail = clip(entry.detail, TEXT_CLIP);
    if (entry.error) entry.error = { ...entry.error, message: clip(entry.error.message, TEXT_CLIP) };
    // Names and lists the client chose (even in a call the scope denied: the keys of create values,
    // context keys, ids) bounded as the journal bounds them, before the log line below sees them.
    let bounded = entry;
    try {
      bounded = boundEntry(entry);
    } catch {
      // Malformed: append refuses it and the log line says why.
    }
    this.deps.metrics.observeCall(entry.key ?? '-', entry.decision, entry.outcome, ms);
    if (!this.deps.journal) return;
    try {
      await this.deps.journal.append(bounded);
    } catch (e) {
      // From now on the journal is unhealthy and calls are refused. A call that reached Odoo
      // happened whatever the disk says: its line is owed, written once the journal works again.
      const owed = x.forwarded === true;
      this.deps.log.error(owed ? 'journal write failed; refusing calls until it recovers (the call reached Odoo: its line is kept and written then)' : 'journal write failed; refusing calls until it recovers', { error: (e as Error).message, entry: bounded });
      if (owed) this.owe(bounded, (e as Error).message);
    }
  }

  /**
   * Lines of calls that reached Odoo and could not be written: kept in memory (bounded: only calls
   * in flight when the journal failed can land here, since no call is forwarded while it is
   * unhealthy) and written, in order and ahead of any new call, once it is healthy again.
   */
  private readonly owed: JournalInput[] = [];
  private owedDropped = 0;
  private owedTimer: NodeJS.Timeout | undefined;

  /** Lines owed to the journal (tests and shutdown look). */
  get linesOwed(): number {
    return this.owed.length;
  }

  private owe(entry: JournalInput, error: string): void {
    if (this.owed.length >= OWED_MAX) {
      this.owedDropped++;
      return;
    }
    const note = `journaled late: the journal could not be written when the call ended (${clip(error, 256)})`;
    this.owed.push({ ...entry, notes: [...(entry.notes ?? []), note] });
    if (!this.owedTimer) {
      // Not only on the next call: a quiet proxy must not hold the lines until it is stopped.
      this.owedTimer = setInterval(() => void this.repay(), 1000);
      this.owedTimer.unref();
    }
  }

  /**
   * Writes the owed lines when the journal is healthy (or, `lastChance` at shutdown, tries anyway:
   * a write is the journal's own probe); on failure they stay owed, in order.
   */
  async repay(lastChance = false): Promise<void> {
    const journal = this.deps.journal;
    if (!journal || this.owed.length === 0 || (!journal.healthy && !lastChance)) return;
    const lines = this.owed.splice(0);
    const results = await Promise.allSettled(lines.map((l) => journal.append(l)));
    // Only a journal that failed again keeps them owed; a line it refuses as malformed never fits.
    const failed = lines.filter((_, i) => {
      const r = results[i]!;
      return r.status === 'rejected' && !(r.reason instanceof TypeError);
    });
    this.owed.unshift(...failed);
    if (this.owed.length === 0) {
      clearInterval(this.owedTimer);
      this.owedTimer = undefined;
      if (this.owedDropped) {
        this.deps.log.error('journal lines of calls that reached Odoo were lost: more were owed than could be kept', { lost: this.owedDropped, kept: OWED_MAX });
        this.owedDropped = 0;
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Shutdown: refuseAll refuses new calls; drain() sees the ones under way through.

  /** Calls dispatched and not yet answered or refused, and journaled. */
  get callsUnderway(): number {
    return this.underway.size;
  }

  /**
   * Refuses a call that got this far after shutdown began (it waited for its place, or ran its
   * checks): nothing of it goes to Odoo, so nothing reaches Odoo that close() would not wait for.
   * Likewise a journal that failed meanwhile: a call is not sent when its line may not be written.
   */
  private refusedLate(x: Exchange, res: ServerResponse, version: number): Promise<void> | null {
    const refusal = this.deps.refuseAll?.() ?? (this.deps.journal && !this.deps.journal.healthy ? JOURNAL_DOWN : null);
    return refusal ? this.refuse(x, res, 'unavailable', refusal, {}, version) : null;
  }

  /**
   * The client hung up while its call was at Odoo, and the call was cancelled: Odoo may have carried
   * it out. Not Odoo's failure, so not counted as an upstream error.
   */
  private clientGoneAtOdoo(x: Exchange, res: ServerResponse, target: UpstreamTarget): Promise<void> {
    return this.refuse(x, res, 'upstream', CLIENT_GONE, { decision: 'allow', error: { name: 'ClientGone', message: CLIENT_GONE } }, target.version, 'upstream_error');
  }

  private refuseNotAwaited(x: Exchange, res: ServerResponse, target: UpstreamTarget): Promise<void> {
    return this.refuse(x, res, 'upstream', NOT_AWAITED, { decision: 'allow', error: { name: 'NotAwaited', message: NOT_AWAITED } }, target.version, 'upstream_error');
  }

  /**
   * Stops waiting for Odoo now: a drain() under way (or to come) gives up on the answers at once
   * and journals the calls still at Odoo as not awaited, exactly as when its wait runs out.
   */
  hurry(): void {
    this.hurried = true;
    this.stopWaiting?.();
  }

  /**
   * Waits, while refuseAll refuses, until every call under way has settled with its journal line.
   * Calls not yet at Odoo are refused on their way, so what is waited for is Odoo's answers. After
   * `answerWaitMs` (or at once, after hurry()) the upstream pool is closed: calls still waiting on
   * Odoo are journaled as not awaited (Odoo may or may not have carried them out), not dropped.
   */
  async drain(answerWaitMs: number): Promise<void> {
    const settled = async (): Promise<'settled'> => {
      while (this.underway.size > 0) await Promise.allSettled([...this.underway]);
      return 'settled';
    };
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<'cap'>((resolve) => {
      if (this.hurried) return resolve('cap');
      timer = setTimeout(() => resolve('cap'), answerWaitMs);
      this.stopWaiting = () => resolve('cap');
    });
    const first = await Promise.race([settled(), cap]);
    clearTimeout(timer);
    this.stopWaiting = undefined;
    if (first === 'settled' || this.underway.size === 0) return;
    if (this.hurried) this.deps.log.warn("shutdown hurried: Odoo's answers to calls in flight are not awaited; they are journaled as not awaited", { calls: this.underway.size });
    else this.deps.log.warn('Odoo did not answer calls in flight in time; they are journaled as not awaited', { calls: this.underway.size, waited_ms: answerWaitMs });
    this.answersAbandoned = true;
    this.deps.pool.close();
    await settled();
  }
}

const LOCKED_OUT = 'too many failed attempts from this address; try again later';
/** Models whose fields the proxy keeps (an Odoo with every app installed has about 1,500). */
const SCHEMA_CACHE_MAX = 5000;
/** A model Odoo would not describe (unknown, or hidden from the integration user) is asked about again after this. */
const UNKNOWN_MODEL_TTL_MS = 60_000;

/** No place under the concurrency caps for a call's schema fetches. */
class NoPlace extends Error {}

/** Shutdown began while a call waited for its place to fetch schemas. */
class ShuttingDown extends Error {}

/** The key's rate is spent before a call's schema fetches. */
class OverRate extends Error {
  constructor(readonly retryAfterMs: number) {
    super('over rate');
  }
}

/** Owed journal lines kept in memory at most (see ProxyCore.owe). */
const OWED_MAX = 10_000;
const JOURNAL_DOWN = 'the audit journal cannot be written, so calls are refused until it can';
const CLIENT_GONE = 'the client went away before Odoo answered; the call to Odoo was cancelled, and whether Odoo carried it out is not known';
const CUT_OFF = 'the answer did not reach the client: its connection was closed';
/** Why a call was refused when a check the engine asked for could not be run against Odoo. */
const SCOPE_CHECK_FAILED = 'the scope check needed Odoo and could not get it: ';
const NOT_AWAITED = 'the proxy shut down before Odoo answered: the answer was not awaited, so whether Odoo carried out the call is not known';
const TEXT_CLIP = 2048;

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}... (${s.length} characters)` : s;
}

function spentMessage(perHour: number, retryAfterMs: number): string {
  return `has read its ${perHour} records this hour; retry in ${Math.ceil(retryAfterMs / 60_000)} min`;
}

/** Both scopes must allow: the second decides on the call as the first left it. */
function combine(first: Allowed, second: Decision): Decision {
  const narrower = (r: string): string => `${r} (the temporary key's narrower scope)`;
  if (second.verdict !== 'allow') return second.verdict === 'deny' ? { ...second, reason: narrower(second.reason), ...(second.detail !== undefined ? { detail: narrower(second.detail) } : {}) } : second;
  return {
    verdict: 'allow',
    rule: first.rule,
    call: second.call,
    checks: [...first.checks, ...second.checks],
    redactions: [...first.redactions, ...second.redactions],
    notes: [...first.notes, ...second.notes],
  };
}

/** Methods whose result the journal keeps (the ids they created): see resultIds. */
const RESULT_ID_METHODS = new Set(['create', 'copy', 'name_create']);

/**
 * Whether a whole XML-RPC or JSON-RPC answer is a successful one, from its first bytes and its
 * end, without decoding it. JSON-2 answers are always decoded (a 200 says nothing of the body).
 */
function plainlyOk(via: UpstreamVia, status: number, body: Buffer): boolean {
  if (via === 'json2' || status !== 200 || sniffAnswer(via, status, body) !== 'ok') return false;
  let end = body.length;
  while (end > 0 && (body[end - 1] === 0x0a || body[end - 1] === 0x0d || body[end - 1] === 0x20 || body[end - 1] === 0x09)) end--;
  if (via === 'jsonrpc') return end > 0 && body[end - 1] === 0x7d; // '}'
  const close = '</methodResponse>';
  return end >= close.length && body.toString('latin1', end - close.length, end) === close;
}

/** Reads up to `limit` bytes; `ended` tells whether that was the whole answer. */
async function readHead(iterator: AsyncIterator<Buffer>, limit: number): Promise<{ head: Buffer; ended: boolean }> {
  const parts: Buffer[] = [];
  let size = 0;
  while (size < limit) {
    const next = await iterator.next();
    if (next.done) return { head: Buffer.concat(parts, size), ended: true };
    parts.push(next.value);
    size += next.value.length;
  }
  return { head: Buffer.concat(parts, size), ended: false };
}

/** Every `[id, name]` pair held by one of `fields` anywhere in a result (rows, groups, nested records). */
function collectPairs(v: RpcValue, fields: ReadonlySet<string>, out: RpcValue[][] = [], depth = 0): RpcValue[][] {
  if (depth > 64) return out;
  if (Array.isArray(v)) {
    for (const item of v) collectPairs(item, fields, out, depth + 1);
  } else if (isStruct(v)) {
    for (const [k, item] of Object.entries(v)) {
      if (fields.has(k) && Array.isArray(item) && item.length === 2 && typeof item[0] === 'number' && typeof item[1] === 'string') out.push(item);
      else if (typeof item === 'object' && item !== null) collectPairs(item, fields, out, depth + 1);
    }
  }
  return out;
}

/**
 * The `[id, name]` pairs of many2one / many2many property values (`value` and `default`) held by one
 * of `fields` anywhere in a result, each with the comodel its definition names beside it.
 */
function collectPropertyPairs(v: RpcValue, fields: ReadonlySet<string>, out: { comodel: string; pair: RpcValue[] }[] = [], depth = 0): { comodel: string; pair: RpcValue[] }[] {
  if (depth > 64) return out;
  const isPair = (p: RpcValue): p is RpcValue[] => Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'string';
  if (Array.isArray(v)) {
    for (const item of v) collectPropertyPairs(item, fields, out, depth + 1);
  } else if (isStruct(v)) {
    for (const [k, item] of Object.entries(v)) {
      if (fields.has(k) && Array.isArray(item)) {
        for (const d of item) {
          if (!isStruct(d) || typeof d.comodel !== 'string' || (d.type !== 'many2one' && d.type !== 'many2many')) continue;
          for (const key of ['value', 'default']) {
            const val = d[key];
            if (d.type === 'many2one' && val !== undefined && isPair(val)) out.push({ comodel: d.comodel, pair: val });
            else if (d.type === 'many2many' && Array.isArray(val)) for (const p of val) if (isPair(p)) out.push({ comodel: d.comodel, pair: p });
          }
        }
      } else if (typeof item === 'object' && item !== null) collectPropertyPairs(item, fields, out, depth + 1);
    }
  }
  return out;
}

/** Answer headers worth passing on (as Node names them, as they are sent); hop-by-hop ones and cookies never are. */
const PASSED_HEADERS: readonly (readonly [string, string])[] = [
  ['content-type', 'Content-Type'],
  ['content-length', 'Content-Length'],
  ['x-content-type-options', 'X-Content-Type-Options'],
  ['www-authenticate', 'WWW-Authenticate'],
  ['retry-after', 'Retry-After'],
];

function passHeaders(h: UpstreamAnswer['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, sent] of PASSED_HEADERS) {
    const v = h[name];
    if (typeof v === 'string') out[sent] = v;
  }
  return out;
}

/** The database a request names, where it names one (see Exchange.db). */
function namedDatabase(rpc: RpcRequest): string | undefined {
  if (rpc.json2) return rpc.json2.database ?? undefined;
  const named = rpc.service === 'object' || (rpc.service === 'common' && (rpc.function === 'login' || rpc.function === 'authenticate'));
  return named && typeof rpc.params[0] === 'string' ? rpc.params[0] : undefined;
}

export function upstreamMessage(e: unknown): string {
  if (e instanceof UpstreamUnavailable) return e.message;
  if (e instanceof UpstreamCallError) return `Odoo answered: ${e.message}`;
  if (e instanceof Error && e.name === 'AbortError') return 'the client went away';
  return e instanceof Error ? e.message : String(e);
}
