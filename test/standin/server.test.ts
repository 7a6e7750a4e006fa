// The stand-in's HTTP behaviour: what FACTS.md measured on real Odoo (Connection: close, revoked
// keys cached on /xmlrpc and /jsonrpc, slow wrong keys and fast unknown logins), the fault
// switches (slow, drop, reset mid-response, 502, garbage), the `received` log, and the
// standalone entry point.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { decodeMethodResponse, encodeMethodCall } from '../../src/rpc/xmlrpc.js';
import { DateTimeValue } from '../../src/rpc/values.js';
import { startStandin, type Standin } from './server.js';
import { executeKw, json2, jsonrpc, RpcCallError, xmlrpc } from './client.js';

interface RawAnswer {
  /** Everything received before the server closed the connection. */
  raw: string;
  status: number | null;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection (we never close it first). */
  closedByServer: boolean;
}

/** An HTTP/1.1 request on a raw socket, keep-alive by default, read until the server closes. */
function rawRequest(url: string, method: string, path: string, body = '', headers: Record<string, string> = {}): Promise<RawAnswer> {
  const u = new URL(url);
  const payload = Buffer.from(body, 'utf8');
  const head = [`${method} ${path} HTTP/1.1`, `Host: ${u.host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${payload.length}`, '', ''].join('\r\n');
  return new Promise((resolve) => {
    const sock = connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    let closedByServer = false;
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('end', () => (closedByServer = true));
    sock.on('error', () => (closedByServer = true));
    sock.on('close', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      const lines = split < 0 ? [] : raw.slice(0, split).split('\r\n');
      const status = lines.length ? Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0]!)?.[1]) : null;
      const h: Record<string, string> = {};
      for (const l of lines.slice(1)) h[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
      resolve({ raw, status, headers: h, body: split < 0 ? '' : raw.slice(split + 4), closedByServer });
    });
    sock.write(Buffer.concat([Buffer.from(head, 'latin1'), payload]));
  });
}

function versionCall(): string {
  return encodeMethodCall('version', []);
}

function leadCount(s: Standin): number {
  return s.orm.search('crm.lead', [], { sudo: true }).length;
}

describe('stand-in HTTP behaviour (Odoo 19.0)', () => {
  let s: Standin;
  before(async () => {
    s = await startStandin({ version: 19 });
  });
  after(async () => {
    await s.close();
  });

  test('every answer says Connection: close and the server closes the socket after answering', async () => {
    const ok = await rawRequest(s.url, 'POST', '/xmlrpc/2/common', versionCall(), { 'Content-Type': 'text/xml' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.connection, 'close');
    assert.ok(ok.closedByServer, 'the server closed the keep-alive connection');
    assert.equal(decodeMethodResponse(ok.body).kind, 'params');
    const notFound = await rawRequest(s.url, 'GET', '/xmlrpc/2/object');
    assert.equal(notFound.status, 405);
    assert.equal(notFound.headers.connection, 'close');
    assert.equal(notFound.headers.allow, 'POST, OPTIONS');
    assert.ok(notFound.closedByServer);
    const options = await rawRequest(s.url, 'OPTIONS', '/xmlrpc/2/object');
    assert.deepEqual([options.status, options.headers.allow, options.body], [200, 'POST, OPTIONS', '']);
  });

  test('keepAlive (benchmarks only, not Odoo): two calls answered on one connection, without Connection: close', async () => {
    const k = await startStandin({ version: 19, keepAlive: true });
    try {
      const u = new URL(k.url);
      const call = versionCall();
      const one = `POST /xmlrpc/2/common HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(call)}\r\n\r\n${call}`;
      const raw = await new Promise<string>((resolve, reject) => {
        const sock = connect(Number(u.port), u.hostname);
        let text = '';
        sock.on('data', (c: Buffer) => {
          text += c.toString('utf8');
          if ((text.match(/<\/methodResponse>/g) ?? []).length === 2) {
            sock.destroy();
            resolve(text);
          }
        });
        sock.on('error', reject);
        sock.on('close', () => resolve(text));
        sock.write(one + one);
      });
      assert.equal((raw.match(/^HTTP\/1\.1 200 /gm) ?? []).length, 2, 'both calls answered on the one connection');
      assert.doesNotMatch(raw, /^connection: close/im);
    } finally {
      await k.close();
    }
  });

  test('drop: the connection closes without an answer, the call never runs; a count limits it', async () => {
    const before = leadCount(s);
    s.faults.drop = 1;
    const body = encodeMethodCall('execute_kw', [s.db, 2, s.users.admin.apiKey, 'crm.lead', 'create', [{ name: 'dropped' }]]);
    const dropped = await rawRequest(s.url, 'POST', '/xmlrpc/2/object', body, { 'Content-Type': 'text/xml' });
    assert.equal(dropped.raw, '');
    assert.ok(dropped.closedByServer);
    assert.equal(leadCount(s), before);
    const entry = s.received[s.received.length - 1]!;
    assert.equal(entry.fault, 'drop');
    assert.equal(entry.status, undefined);
    assert.equal(s.faults.drop, 0);
    const next = await rawRequest(s.url, 'POST', '/xmlrpc/2/object', body, { 'Content-Type': 'text/xml' });
    assert.equal(next.status, 200);
    assert.equal(leadCount(s), before + 1);
  });

  test('resetMidResponse: status and headers, part of the body, then the socket is destroyed (the call did run)', async () => {
    const before = leadCount(s);
    s.faults.resetMidResponse = 1;
    const body = encodeMethodCall('execute_kw', [s.db, 2, s.users.admin.apiKey, 'crm.lead', 'search_read', [[]], { fields: ['name', 'description'] }]);
    const cut = await rawRequest(s.url, 'POST', '/xmlrpc/2/object', body, { 'Content-Type': 'text/xml' });
    assert.equal(cut.status, 200);
    assert.ok(Buffer.byteLength(cut.body) < Number(cut.headers['content-length']), 'fewer bytes than Content-Length announced');
    assert.ok(Buffer.byteLength(cut.body) > 0);
    assert.equal(s.received[s.received.length - 1]!.fault, 'resetMidResponse');
    assert.equal(leadCount(s), before);
  });

  test('badGateway answers 502 and garbage answers 200 with an unparsable body; neither reaches the ORM', async () => {
    s.faults.badGateway = 1;
    const bad = await rawRequest(s.url, 'POST', '/jsonrpc', JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service: 'db', method: 'list', args: [] }, id: 1 }), { 'Content-Type': 'application/json' });
    assert.equal(bad.status, 502);
    assert.match(bad.body, /502 Bad Gateway/);
    s.faults.garbage = true;
    try {
      const junk = await rawRequest(s.url, 'POST', '/xmlrpc/2/common', versionCall(), { 'Content-Type': 'text/xml' });
      assert.equal(junk.status, 200);
      assert.equal(junk.headers['content-type'], 'text/xml; charset=utf-8');
      assert.throws(() => decodeMethodResponse(junk.body));
      await assert.rejects(jsonrpc(s.url, 'db', 'list', []));
    } finally {
      s.faults.garbage = false;
    }
    assert.deepEqual(await jsonrpc(s.url, 'db', 'list', []), ['odoo19']);
  });

  test('delayMs: the request is received and held before it is answered', async () => {
    s.faults.delayMs = 400;
    const seen = s.received.length;
    let settled = false;
    const pending = xmlrpc(s.url, '/xmlrpc/2/common', 'version', []).finally(() => (settled = true));
    while (s.received.length === seen) await new Promise((r) => setTimeout(r, 5));
    s.faults.delayMs = 0;
    assert.equal(settled, false, 'no answer yet while the delay runs');
    const v = (await pending) as Record<string, unknown>;
    assert.equal(v.server_version, '19.0');
  });

  test('received: protocol, path, service, function, model, method, uid and the raw body of every request', async () => {
    s.clearReceived();
    const k = s.users.integration;
    await executeKw(s.url, s.db, k.uid, k.apiKey!, 'res.partner', 'search_count', [[]]);
    await jsonrpc(s.url, 'object', 'execute', [s.db, k.uid, k.apiKey, 'crm.lead', 'search', []]);
    await json2(s.url, k.apiKey, 'crm.stage', 'search_read', { domain: [], fields: ['name'] });
    await assert.rejects(executeKw(s.url, s.db, k.uid, 'wrong-key', 'res.partner', 'search', [[]]));
    await assert.rejects(json2(s.url, 'wrong-key', 'res.partner', 'search', { domain: [] }));
    const r = s.received;
    assert.equal(r.length, 5);
    assert.deepEqual([r[0]!.protocol, r[0]!.path, r[0]!.service, r[0]!.function, r[0]!.model, r[0]!.method, r[0]!.uid, r[0]!.status], ['xmlrpc', '/xmlrpc/2/object', 'object', 'execute_kw', 'res.partner', 'search_count', k.uid, 200]);
    assert.match(r[0]!.body, /<methodName>execute_kw<\/methodName>/);
    assert.deepEqual([r[1]!.protocol, r[1]!.function, r[1]!.model, r[1]!.method, r[1]!.uid], ['jsonrpc', 'execute', 'crm.lead', 'search', k.uid]);
    assert.deepEqual([r[2]!.protocol, r[2]!.path, r[2]!.model, r[2]!.method, r[2]!.uid], ['json2', '/json/2/crm.stage/search_read', 'crm.stage', 'search_read', k.uid]);
    assert.equal(r[3]!.uid, undefined, 'a refused key never becomes a user');
    assert.equal(r[3]!.error, 'odoo.exceptions.AccessDenied');
    assert.deepEqual([r[4]!.status, r[4]!.uid, r[4]!.error], [401, undefined, 'werkzeug.exceptions.Unauthorized']);
  });

  test('routes Odoo does not serve here: session routes 404, /json/2 catch-all 404 as JSON', async () => {
    const session = await rawRequest(s.url, 'POST', '/web/dataset/call_kw', '{}', { 'Content-Type': 'application/json' });
    assert.equal(session.status, 404);
    assert.equal(session.headers['content-type'], 'text/html; charset=utf-8');
    const put = await rawRequest(s.url, 'PUT', '/json/2/res.partner/search', '{}', { 'Content-Type': 'application/json' });
    assert.equal(put.status, 404);
    assert.match(put.body, /Did you mean POST \/json\/2\/<model>\/<method>\?/);
    const legacy = (await xmlrpc(s.url, '/xmlrpc/object', 'execute_kw', [s.db, 2, s.users.admin.apiKey, 'res.partner', 'search_count', [[['id', '=', 15]]]])) as number;
    assert.equal(legacy, 1);
  });

  test("what Python reads as nothing: execute_kw kwargs '' or 0, limit/offset ''; a dateTime domain value is a datetime", async () => {
    const k = s.users.admin;
    const call = (args: unknown[], kw?: unknown) => xmlrpc(s.url, '/xmlrpc/2/object', 'execute_kw', [s.db, k.uid, k.apiKey, 'res.partner', 'search_read', args, ...(kw === undefined ? [] : [kw])]);
    const all = ((await call([[]], { fields: ['name'] })) as unknown[]).length;
    for (const kw of ['', 0, []]) assert.equal(((await call([[], ['name']], kw)) as unknown[]).length, all, JSON.stringify(kw));
    assert.equal(((await call([[]], { fields: ['name'], limit: '', offset: '', context: '' })) as unknown[]).length, all);
    assert.equal(((await call([[['write_date', '>=', new DateTimeValue('20000101T00:00:00')]]], { fields: ['name'] })) as unknown[]).length, all);
    assert.equal(((await call([[['write_date', '>=', new DateTimeValue('29990101T00:00:00')]]], { fields: ['name'] })) as unknown[]).length, 0);
  });

  test('a JSON route refuses a body that does not say it is JSON (415, as Odoo picks its dispatcher by Content-Type)', async () => {
    const rpc = await rawRequest(s.url, 'POST', '/jsonrpc', '{"jsonrpc":"2.0","method":"call","params":{"service":"db","method":"list","args":[]}}', { 'Content-Type': 'text/plain' });
    assert.equal(rpc.status, 415);
    assert.equal(rpc.headers.accept, 'application/json, application/json-rpc');
    assert.match(rpc.body, /Request inferred type is compatible with \[&#39;http&#39;\] but &#39;\/jsonrpc&#39; is type=&#39;jsonrpc&#39;/);
    const j2 = await rawRequest(s.url, 'POST', '/json/2/res.partner/search_count', '{"domain":[]}', { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `bearer ${s.users.admin.apiKey}` });
    assert.equal(j2.status, 415);
    assert.equal(j2.headers.accept, 'application/json');
    // No body at all is fine for JSON-2 (no arguments).
    const empty = await rawRequest(s.url, 'POST', '/json/2/res.partner/fields_get', '', { Authorization: `bearer ${s.users.admin.apiKey}` });
    assert.equal(empty.status, 200);
  });

  test('addUser and addApiKey: a new user authenticates with its key on every protocol', async () => {
    const u = s.addUser({ login: 'robot@example.com', name: 'Robot', groups: 'sales' });
    assert.equal(await xmlrpc(s.url, '/xmlrpc/2/common', 'authenticate', [s.db, u.login, u.apiKey, {}]), u.uid);
    assert.equal(await jsonrpc(s.url, 'common', 'login', [s.db, u.login, u.password]), u.uid);
    assert.deepEqual(await json2(s.url, u.apiKey, 'res.users', 'read', { ids: [u.uid], fields: ['name', 'login'] }), [{ id: u.uid, name: 'Robot', login: 'robot@example.com' }]);
    const second = s.addApiKey(u.login);
    assert.equal(await json2(s.url, second, 'res.partner', 'search_count', { domain: [['id', '=', 15]] }), 1);
    // Passwords are not API keys: JSON-2 takes keys only.
    const e = await json2(s.url, u.password, 'res.partner', 'search_count', { domain: [] }).catch((x: unknown) => x);
    assert.ok(e instanceof RpcCallError && e.status === 401);
  });
});

describe('an Odoo 19 without XML-RPC and JSON-RPC (rpc: false)', () => {
  let s: Standin;
  before(async () => {
    s = await startStandin({ version: 19, rpc: false });
  });
  after(() => s.close());

  test('/xmlrpc* and /jsonrpc are 404 pages; the version and the key’s uid stay reachable without them', async () => {
    for (const path of ['/xmlrpc/2/common', '/xmlrpc/common', '/jsonrpc']) {
      const r = await rawRequest(s.url, 'POST', path, '{}', { 'Content-Type': path === '/jsonrpc' ? 'application/json' : 'text/xml' });
      assert.equal(r.status, 404, path);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    }
    // The web client's route (auth='none'): common.version's struct in a JSON-RPC envelope.
    const v = await rawRequest(s.url, 'POST', '/web/webclient/version_info', '{"jsonrpc":"2.0","method":"call","params":{},"id":4}', { 'Content-Type': 'application/json' });
    assert.equal(v.status, 200);
    assert.deepEqual(JSON.parse(v.body), { jsonrpc: '2.0', id: 4, result: { server_version: '19.0', server_version_info: [19, 0, 0, 'final', 0, ''], server_serie: '19.0', protocol_version: 1 } });
    // res.users.context_get: lang, tz, then the key's own uid (res_users.py).
    const ctx = await json2(s.url, s.users.integration.apiKey, 'res.users', 'context_get', {}, s.db);
    assert.deepEqual(Object.keys(ctx as object), ['lang', 'tz', 'uid']);
    assert.equal((ctx as { uid: number }).uid, s.users.integration.uid);
  });
});

describe('what FACTS.md measured on real Odoo', () => {
  test('revokedKeysWorkWhileCached: a revoked key keeps working on /xmlrpc and /jsonrpc once checked; authenticate and JSON-2 refuse it at once', async () => {
    const s = await startStandin({ version: 19, faults: { revokedKeysWorkWhileCached: true } });
    try {
      const k = s.users.integration;
      assert.equal(await executeKw(s.url, s.db, k.uid, k.apiKey!, 'res.partner', 'search_count', [[['id', '=', 15]]]), 1);
      s.revokeKey('integration');
      assert.equal(await executeKw(s.url, s.db, k.uid, k.apiKey!, 'res.partner', 'search_count', [[['id', '=', 15]]]), 1);
      assert.equal(await jsonrpc(s.url, 'object', 'execute_kw', [s.db, k.uid, k.apiKey, 'res.partner', 'search_count', [[['id', '=', 15]]]]), 1);
      assert.equal(await xmlrpc(s.url, '/xmlrpc/2/common', 'authenticate', [s.db, k.login, k.apiKey, {}]), false);
      await assert.rejects(json2(s.url, k.apiKey, 'res.partner', 'search_count', { domain: [] }), (e: unknown) => e instanceof RpcCallError && e.status === 401 && e.message === 'Invalid apikey');
      s.clearCredentialCache();
      await assert.rejects(executeKw(s.url, s.db, k.uid, k.apiKey!, 'res.partner', 'search_count', [[]]), (e: unknown) => e instanceof RpcCallError && e.code === 3);
      // A key revoked before it was ever used is refused even in this mode.
      const fresh = s.addApiKey('admin');
      s.revokeKey('admin', fresh);
      await assert.rejects(executeKw(s.url, s.db, 2, fresh, 'res.partner', 'search_count', [[]]), (e: unknown) => e instanceof RpcCallError && e.code === 3);
    } finally {
      await s.close();
    }
  });

  test('by default a revoked key is refused at once everywhere', async () => {
    const s = await startStandin({ version: 18 });
    try {
      const k = s.users.integration;
      assert.equal(await executeKw(s.url, s.db, k.uid, k.apiKey!, 'res.partner', 'search_count', [[['id', '=', 15]]]), 1);
      s.revokeKey(k.uid);
      await assert.rejects(executeKw(s.url, s.db, k.uid, k.apiKey!, 'res.partner', 'search_count', [[]]), (e: unknown) => e instanceof RpcCallError && e.code === 3 && e.message === 'Access Denied');
    } finally {
      await s.close();
    }
  });

  test('a wrong key for an existing login is refused after the unknown login (the timing leak)', async () => {
    const s = await startStandin({ version: 18, faults: { wrongKeyDelayMs: 300, unknownLoginDelayMs: 0 } });
    try {
      const order: string[] = [];
      await Promise.all([
        xmlrpc(s.url, '/xmlrpc/2/common', 'authenticate', [s.db, 'admin', 'wrong-key', {}]).then((v) => order.push(`wrong key: ${v}`)),
        xmlrpc(s.url, '/xmlrpc/2/common', 'authenticate', [s.db, 'nobody', 'wrong-key', {}]).then((v) => order.push(`unknown login: ${v}`)),
      ]);
      assert.deepEqual(order, ['unknown login: false', 'wrong key: false']);
    } finally {
      await s.close();
    }
  });
});

describe('the standalone entry (dist/test/standin/main.js)', () => {
  const main = join(dirname(fileURLToPath(import.meta.url)), 'main.js');

  function run(args: string[]): Promise<{ line: string; stop: () => Promise<number | null> }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.on('error', reject);
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          resolve({
            line: out.slice(0, nl),
            stop: () =>
              new Promise((r) => {
                child.on('exit', (code) => r(code));
                child.kill('SIGTERM');
              }),
          });
        }
      });
      child.on('exit', (code) => reject(new Error(`main.js exited with ${code} before printing`)));
    });
  }

  test('prints URL, database and logins, never keys unless --print-keys; serves until SIGTERM', async () => {
    const { line, stop } = await run(['--version', '18', '--port', '0', '--json', '--fast']);
    const info = JSON.parse(line) as { url: string; db: string; users: Record<string, Record<string, unknown>> };
    try {
      assert.equal(info.db, 'odoo18');
      assert.deepEqual(info.users.admin, { login: 'admin', uid: 2 });
      assert.ok(!line.includes('apiKey') && !line.includes('password'));
      const v = (await xmlrpc(info.url, '/xmlrpc/2/common', 'version', [])) as Record<string, unknown>;
      assert.equal(v.server_version, '18.0');
    } finally {
      assert.equal(await stop(), 0);
    }
    const withKeys = await run(['--version', '19', '--port', '0', '--json', '--print-keys']);
    try {
      const i = JSON.parse(withKeys.line) as { users: Record<string, { apiKey: string | null; login: string }> };
      assert.equal(typeof i.users.integration!.apiKey, 'string');
    } finally {
      assert.equal(await withKeys.stop(), 0);
    }
  });
});
