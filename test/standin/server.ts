// The Odoo stand-in's HTTP side: a real server on 127.0.0.1 that answers like Odoo 18 or 19
// (see core.ts), with switches for the failures a proxy must survive (slow, dropped, reset,
// 502, garbage) and for what was measured on real Odoo (FACTS.md: Connection: close on every
// answer, revoked keys cached on /xmlrpc and /jsonrpc, wrong keys slow and unknown logins fast).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { RpcStruct, RpcValue } from '../../src/rpc/values.js';
import { StandinCore, type HttpAnswer, type ReceivedCall } from './core.js';
import type { Env } from './orm.js';
import { Orm } from './orm.js';
import { buildSchema, finishSchema, GROUP_SETS } from './schema.js';
import { seed, type SeedUser } from './seed.js';
import type { Group, StoredRecord, Version } from './fields.js';
import { callKw, findMethod, methodTable } from './methods.js';
import { OdooRaise } from './raise.js';

/** true: every request; a number n > 0: the next n requests; false or 0: off. */
export type FaultSwitch = boolean | number;

export interface Faults {
  /** Wait this long before answering each request (slow upstream). */
  delayMs: number;
  /** Close the connection after reading the request, without answering. */
  drop: FaultSwitch;
  /** Send the status, headers and part of the body, then destroy the socket. */
  resetMidResponse: FaultSwitch;
  /** Answer 502 Bad Gateway (an HTML page, as a reverse proxy in front of Odoo would). */
  badGateway: FaultSwitch;
  /** Answer 200 with the protocol's Content-Type and a body that is not XML-RPC or JSON. */
  garbage: FaultSwitch;
  /** Revoked API keys keep working on /xmlrpc and /jsonrpc once they were checked there (FACTS.md). */
  revokedKeysWorkWhileCached: boolean;
  /** Delay before refusing a wrong password or key of an existing user (real Odoo: ~320 ms of hashing). */
  wrongKeyDelayMs: number;
  /** Delay before refusing an unknown login (real Odoo: ~7 ms; the difference leaks which logins exist). */
  unknownLoginDelayMs: number;
}

export const DEFAULT_FAULTS: Faults = {
  delayMs: 0,
  drop: false,
  resetMidResponse: false,
  badGateway: false,
  garbage: false,
  revokedKeysWorkWhileCached: false,
  wrongKeyDelayMs: 0,
  unknownLoginDelayMs: 0,
};

/** The timings FACTS.md measured on real Odoo, for tests of timing behaviour (issue 10). */
export const MEASURED_ODOO_TIMINGS: Partial<Faults> = { wrongKeyDelayMs: 320, unknownLoginDelayMs: 7, revokedKeysWorkWhileCached: true };

export interface StandinOptions {
  version: 18 | 19;
  port?: number;
  host?: string;
  faults?: Partial<Faults>;
  /** Added to every answer (on top of faults.delayMs). */
  latencyMs?: number;
  /** Serve XML-RPC and JSON-RPC (default true). false: an Odoo without them (announced after 19): /xmlrpc* and /jsonrpc are 404. */
  rpc?: boolean;
  /** Install the OCA auditlog imitation (auditlog.rule/log/log.line, and ir.module.module 'auditlog' installed). */
  auditlog?: boolean;
  /** Clock for create_date, write_date and message dates. */
  clock?: () => Date;
  /** Keep at most this many entries in `received` (default 10000; 0 keeps none, for benchmarks). */
  logLimit?: number;
  /**
   * Not Odoo: leave connections open after a normal answer. Only for the benchmark that measures
   * what Odoo's Connection: close costs the proxy (bench/rows/reconnect.ts).
   */
  keepAlive?: boolean;
}

export interface StandinUser {
  uid: number;
  login: string;
  /** The user's password (random per start; works where Odoo takes passwords). */
  password: string;
  /** The user's API key (admin and integration: WIRE_KEYS, so recordings replay), or null. */
  apiKey: string | null;
  partnerId: number;
}

export interface CallOptions {
  /** Run as this user (default: admin, uid 2). */
  uid?: number;
  context?: RpcStruct;
  /** Bypass access rights. */
  sudo?: boolean;
}

/** Direct access to the stand-in's data, for test setup and assertions (no RPC involved). */
export interface StandinOrm {
  /** The ORM itself. */
  readonly raw: Orm;
  env(opts?: CallOptions): Env;
  create(model: string, vals: RpcStruct, opts?: CallOptions): number;
  write(model: string, ids: number | number[], vals: RpcStruct, opts?: CallOptions): void;
  unlink(model: string, ids: number | number[], opts?: CallOptions): void;
  read(model: string, ids: number | number[], fields?: string[], opts?: CallOptions): RpcStruct[];
  search(model: string, domain?: RpcValue[], opts?: CallOptions & { limit?: number; order?: string }): number[];
  searchRead(model: string, domain?: RpcValue[], fields?: string[], opts?: CallOptions & { limit?: number; order?: string }): RpcStruct[];
  /** The stored record (live object: mutating it changes the data), or undefined. */
  get(model: string, id: number): StoredRecord | undefined;
  /** Any public method with call_kw semantics (ids first for record methods), as XML-RPC calls it. */
  call(model: string, method: string, args?: RpcValue[], kwargs?: RpcStruct, opts?: CallOptions): RpcValue;
}

export interface Standin {
  url: string;
  host: string;
  port: number;
  db: string;
  version: Version;
  users: { admin: StandinUser; integration: StandinUser; demo: StandinUser; portal: StandinUser } & Record<string, StandinUser>;
  /** Every request received, in order (see ReceivedCall). */
  received: ReceivedCall[];
  /** Mutable at run time. */
  faults: Faults;
  orm: StandinOrm;
  /** Whether the OCA auditlog imitation is installed. */
  auditlog: boolean;
  /** Revokes a user's API keys (all, or the one given). JSON-2 and authenticate refuse it at once. */
  revokeKey(user: string | number, key?: string): void;
  /** Gives a user a new API key and returns it. */
  addApiKey(user: string | number, key?: string): string;
  /** Creates a user (res.users + res.partner) with a password and an API key. */
  addUser(opts: { login: string; name?: string; groups?: 'admin' | 'sales' | 'portal'; password?: string; apiKey?: string | null }): StandinUser;
  /** Empties Odoo's RPC credential cache (an unrelated cache clear, in FACTS.md's words). */
  clearCredentialCache(): void;
  /** Empties `received`. */
  clearReceived(): void;
  close(): Promise<void>;
}

const BAD_GATEWAY_HTML = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
const MAX_BODY = 64 * 1024 * 1024;

function takeSwitch(faults: Faults, key: 'drop' | 'resetMidResponse' | 'badGateway' | 'garbage'): boolean {
  const v = faults[key];
  if (v === true) return true;
  if (typeof v === 'number' && v > 0) {
    faults[key] = v - 1;
    return true;
  }
  return false;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// Unref'd: an answer held back (faults.delayMs) must not keep a test's process alive once the
// stand-in is closed; while it is open, its server does.
const sleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((r) => setTimeout(r, ms).unref()) : Promise.resolve());

function send(res: ServerResponse, answer: HttpAnswer): void {
  res.setHeader('Server', 'Werkzeug/3.0.1 Python/3.11.2');
  for (const [k, v] of answer.headers) res.setHeader(k, v);
  res.writeHead(answer.status);
  res.end(answer.body);
}

export async function startStandin(opts: StandinOptions): Promise<Standin> {
  const version = opts.version;
  const schema = buildSchema(version, { auditlog: opts.auditlog });
  finishSchema(schema);
  const orm = new Orm({ version, schema, clock: opts.clock });
  const seeded = seed(orm, { auditlog: opts.auditlog });
  const faults: Faults = { ...DEFAULT_FAULTS, ...opts.faults };
  const db = `odoo${version}`;
  const core = new StandinCore({
    version,
    db,
    orm,
    logLimit: opts.logLimit,
    rpc: opts.rpc,
    auth: {
      get revokedKeysWorkWhileCached() {
        return faults.revokedKeysWorkWhileCached;
      },
      get wrongKeyDelayMs() {
        return faults.wrongKeyDelayMs;
      },
      get unknownLoginDelayMs() {
        return faults.unknownLoginDelayMs;
      },
    },
  });
  const latency = opts.latencyMs ?? 0;
  const sockets = new Set<Socket>();

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const entry = core.newEntry(req.method ?? 'GET', req.url ?? '/', headers, body.toString('utf8'));
    const wait = (): Promise<void> => sleep(faults.delayMs + latency);
    if (takeSwitch(faults, 'drop')) {
      entry.fault = 'drop';
      await wait();
      req.socket.destroy();
      return;
    }
    if (takeSwitch(faults, 'badGateway')) {
      entry.fault = 'badGateway';
      entry.status = 502;
      await wait();
      send(res, { status: 502, headers: [['Content-Type', 'text/html'], ['Content-Length', String(Buffer.byteLength(BAD_GATEWAY_HTML))], ['Connection', 'close']], body: BAD_GATEWAY_HTML });
      return;
    }
    if (takeSwitch(faults, 'garbage')) {
      entry.fault = 'garbage';
      entry.status = 200;
      await wait();
      const type = entry.protocol === 'xmlrpc' ? 'text/xml; charset=utf-8' : 'application/json; charset=utf-8';
      const junk = `\u0000garbage ${randomBytes(8).toString('hex')} <not{valid"\n`;
      send(res, { status: 200, headers: [['Content-Type', type], ['Content-Length', String(Buffer.byteLength(junk))], ['Connection', 'close']], body: junk });
      return;
    }
    const reset = takeSwitch(faults, 'resetMidResponse');
    let answer: HttpAnswer;
    try {
      answer = await core.handle(req.method ?? 'GET', req.url ?? '/', headers, body, entry);
    } catch (e) {
      const text = `stand-in internal error: ${e instanceof Error ? e.stack : String(e)}`;
      answer = { status: 500, headers: [['Content-Type', 'text/plain; charset=utf-8'], ['Content-Length', String(Buffer.byteLength(text))], ['Connection', 'close']], body: text };
      entry.status = 500;
    }
    await wait();
    if (reset) {
      entry.fault = 'resetMidResponse';
      const bytes = Buffer.from(answer.body, 'utf8');
      res.setHeader('Server', 'Werkzeug/3.0.1 Python/3.11.2');
      for (const [k, v] of answer.headers) res.setHeader(k, v);
      res.writeHead(answer.status);
      res.write(bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2))), () => res.socket?.destroy());
      return;
    }
    send(res, opts.keepAlive ? { ...answer, headers: answer.headers.filter(([k]) => k !== 'Connection') } : answer);
  };

  const server: Server = createServer((req, res) => {
    handler(req, res).catch(() => req.socket.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const toUser = (u: SeedUser): StandinUser => ({ uid: u.uid, login: u.login, password: u.password, apiKey: u.apiKey, partnerId: u.partnerId });
  const users: Standin['users'] = {
    admin: toUser(seeded.users.admin),
    integration: toUser(seeded.users.integration),
    demo: toUser(seeded.users.demo),
    portal: toUser(seeded.users.portal),
  };
  const uidOf = (user: string | number): number => {
    if (typeof user === 'number') return user;
    if (users[user]) return users[user]!.uid;
    const rec = orm.allRecords('res.users').find((u) => u.login === user);
    if (!rec) throw new Error(`no such stand-in user: ${user}`);
    return rec.id;
  };
  const methods = methodTable(version);
  const envOf = (o: CallOptions = {}): Env => {
    const env = orm.env(o.uid ?? 2, o.context ?? {});
    return o.sudo ? env.sudo() : env;
  };
  const list = (ids: number | number[]): number[] => (Array.isArray(ids) ? ids : [ids]);
  const unwrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof OdooRaise) throw Object.assign(new Error(`${e.error.name}: ${e.error.message}`), { odoo: e.error });
      throw e;
    }
  };
  const ormApi: StandinOrm = {
    raw: orm,
    env: envOf,
    create: (model, vals, o) => unwrap(() => envOf(o).create(model, [vals])[0]!),
    write: (model, ids, vals, o) => void unwrap(() => envOf(o).write(model, list(ids), vals)),
    unlink: (model, ids, o) => void unwrap(() => envOf(o).unlink(model, list(ids))),
    read: (model, ids, fields, o) => unwrap(() => envOf(o).read(model, list(ids), fields ?? null)),
    search: (model, domain = [], o = {}) => unwrap(() => envOf(o).search(model, domain, { limit: o.limit, order: o.order })),
    searchRead: (model, domain = [], fields, o = {}) =>
      unwrap(() => {
        const env = envOf(o);
        return env.read(model, env.search(model, domain, { limit: o.limit, order: o.order }), fields ?? null);
      }),
    get: (model, id) => orm.record(model, id),
    call: (model, method, args = [], kwargs = {}, o) =>
      unwrap(() => {
        const def = orm.modelDef(model);
        const spec = findMethod(methods, def, method);
        if (!spec) throw new Error(`no public method ${model}.${method} in the stand-in`);
        return callKw(envOf(o), def, method, spec, args, kwargs);
      }),
  };

  const standin: Standin = {
    url: `http://${host}:${port}`,
    host,
    port,
    db,
    version,
    users,
    received: core.received,
    faults,
    orm: ormApi,
    auditlog: Boolean(opts.auditlog),
    revokeKey(user, key) {
      const c = orm.credentials.get(uidOf(user));
      if (!c) return;
      for (const k of c.apiKeys) if (key === undefined || k.key === key) k.revoked = true;
    },
    addApiKey(user, key) {
      const uid = uidOf(user);
      const c = orm.credentials.get(uid) ?? { password: randomBytes(12).toString('base64url'), apiKeys: [] };
      const k = key ?? randomBytes(20).toString('hex');
      c.apiKeys.push({ key: k, name: 'added', revoked: false });
      orm.credentials.set(uid, c);
      return k;
    },
    addUser({ login, name, groups = 'sales', password, apiKey }) {
      const su = orm.env(1, {}, true);
      const partnerId = su.create('res.partner', [{ name: name ?? login, email: login.includes('@') ? login : false }])[0]!;
      const uid = su.create('res.users', [{ login, partner_id: partnerId, company_id: 1, company_ids: [[6, 0, [1]]] }])[0]!;
      orm.record('res.users', uid)!.share = groups === 'portal';
      orm.userGroups.set(uid, new Set<Group>(GROUP_SETS[groups]));
      const user: StandinUser = { uid, login, password: password ?? randomBytes(12).toString('base64url'), apiKey: apiKey === undefined ? randomBytes(20).toString('hex') : apiKey, partnerId };
      orm.credentials.set(uid, { password: user.password, apiKeys: user.apiKey ? [{ key: user.apiKey, name: 'added', revoked: false }] : [] });
      users[login] = user;
      return user;
    },
    clearCredentialCache: () => core.clearCredentialCache(),
    clearReceived: () => void core.received.splice(0, core.received.length),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
  return standin;
}

export type { ReceivedCall } from './core.js';
