// --max-connections: clients cannot take every file descriptor of the proxy (they left it unable to
// read keys.yaml, so a revocation went unread, or to reach Odoo).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { connectionsWithin, limitConnections, openFileLimit, HEALTH_RESERVE } from '../../src/proxy/server.js';
import { silentLogger } from '../../src/proxy/log.js';
import type { Metrics } from '../../src/proxy/metrics.js';
import { startHarness, post } from '../support/proxy-harness.js';
import { pythonCommand, runPython } from '../support/python.js';

test('connectionsWithin keeps descriptors for Odoo and the proxy itself; openFileLimit reads /proc/self/limits', () => {
  assert.equal(connectionsWithin(1024, 64), 1024 - 64 - 128 - HEALTH_RESERVE, 'room for Odoo, the proxy\'s own files and the health reserve');
  assert.equal(connectionsWithin(100, 64), 16, 'a tiny limit still lets a few clients in');
  const limits = (soft: string) => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 4096                 files\n`;
  assert.equal(openFileLimit(() => limits('1024')), 1024);
  assert.equal(openFileLimit(() => limits('unlimited')), undefined);
  assert.equal(openFileLimit(() => 'nothing here'), undefined);
  assert.equal(openFileLimit(() => {
    throw new Error('no /proc');
  }), undefined);
  if (process.platform === 'linux') assert.ok((openFileLimit() ?? 0) > 0, 'this machine reports its limit');
});

/** Opens a TCP connection and resolves once it is open. */
function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with what the server sent before it closed the connection (or null if it stays open for `ms`). */
function closedBy(socket: net.Socket, ms: number): Promise<string | null> {
  return new Promise((resolve) => {
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString()));
    const t = setTimeout(() => resolve(null), ms);
    socket.once('close', () => {
      clearTimeout(t);
      resolve(got);
    });
    socket.on('error', () => undefined);
  });
}

/** Sends one raw request on `socket` and resolves with what comes back until the server closes it or `until` matches. */
function exchange(socket: net.Socket, request: string, until?: RegExp): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const onData = (d: Buffer): void => {
      got += d.toString();
      if (until?.test(got)) finish();
    };
    const finish = (): void => {
      socket.off('data', onData);
      socket.off('close', finish);
      resolve(got);
    };
    socket.on('data', onData);
    socket.once('close', finish);
    socket.on('error', () => undefined);
    socket.write(request);
  });
}

test('past --max-connections: a few more connections are kept for /healthz and /metrics (calls on them get a 503), past those a new one is closed at once; calls go on on the others', async (t) => {
  const h = await startHarness({ version: 19, server: { maxConnections: 2, metrics: true } });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'c', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'] }] });
  const body = JSON.stringify({ domain: [], fields: ['name'], limit: 1 });
  const call = `POST /json/2/res.partner/search_read HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: bearer ${token}\r\nX-Odoo-Database: ${h.db}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const held = [await connect(h.proxy.port), await connect(h.proxy.port)];
  t.after(() => held.forEach((s) => s.destroy()));

  // Past the limit: a liveness probe still gets its answer (the proxy is up), then the connection closes.
  const probe = await connect(h.proxy.port);
  const health = await exchange(probe, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(health, /^HTTP\/1\.1 200/);
  assert.match(health, /"ok":true/);
  assert.match(health, /Connection: close/i);
  const scrape = await exchange(await connect(h.proxy.port), 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(scrape, /^HTTP\/1\.1 200[\s\S]*odoo_keys_in_flight/);
  // A call there is refused, saying why; it never reaches Odoo.
  const before = h.standin.received.length;
  const refused = await exchange(await connect(h.proxy.port), call);
  assert.match(refused, /^HTTP\/1\.1 503/);
  assert.match(refused, /Retry-After: 1/i);
  assert.match(refused, /too many client connections open \(--max-connections 2\)/);
  assert.equal(h.standin.received.length, before);
  assert.equal(h.proxy.metrics.overLimitCalls, 1);
  assert.equal(h.proxy.metrics.droppedConnections, 0);

  // The reserve full too: a new connection is closed without an answer.
  const reserve = await Promise.all(Array.from({ length: HEALTH_RESERVE }, () => connect(h.proxy.port)));
  t.after(() => reserve.forEach((s) => s.destroy()));
  const past = await connect(h.proxy.port);
  assert.equal(await closedBy(past, 5000), '', 'the connection past the reserve is closed without an answer');
  assert.equal(h.proxy.metrics.droppedConnections, 1);

  // A held connection still carries calls.
  const answer = await exchange(held[0]!, call, /\r\n\r\n\[/);
  assert.match(answer, /^HTTP\/1\.1 200/);
  // Once connections end, a new client's call gets in.
  held[1]!.destroy();
  reserve.forEach((s) => s.destroy());
  for (let i = 0; i < 100 && (await new Promise<number>((r) => h.proxy.server.getConnections((_e, n) => r(n)))) > 1; i++) await new Promise((r) => setTimeout(r, 20));
  const r = await post(`${h.url}/json/2/res.partner/search_read`, body, { 'Content-Type': 'application/json', Authorization: `bearer ${token}`, 'X-Odoo-Database': h.db });
  assert.equal(r.status, 200, r.text);
});

test('the health reserve over TLS: the connection counted (TCP) and the request (TLS) are matched; a connection within the limit carries calls, one past it only health checks', async (t) => {
  if (spawnSync('openssl', ['version']).status !== 0) return t.skip('openssl is not installed (.ci/run installs it)');
  const dir = mkdtempSync(join(tmpdir(), 'odoo-keys-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  const h = await startHarness({ version: 19, server: { maxConnections: 1, tls: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) } } });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'c', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'] }] });
  const body = JSON.stringify({ domain: [], fields: ['name'], limit: 1 });
  const call = `POST /json/2/res.partner/search_read HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: bearer ${token}\r\nX-Odoo-Database: ${h.db}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const open = (): Promise<net.Socket> => new Promise((resolve, reject) => {
    const s = tls.connect({ port: h.proxy.port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(s));
    s.once('error', reject);
  });
  const first = await open();
  t.after(() => first.destroy());
  const second = await open();
  assert.match(await exchange(second, call), /^HTTP\/1\.1 503/);
  assert.match(await exchange(await open(), 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 200/);
  assert.match(await exchange(first, call, /\r\n\r\n\[/), /^HTTP\/1\.1 200/);
});

/** Resolves when the server side of the next connection accepted by `server` closes. */
function nextServerSocketClosed(server: import('node:http').Server): Promise<void> {
  return new Promise((resolve) => server.once('connection', (s: net.Socket) => s.once('close', () => resolve())));
}

test('a connection on which no request begins is closed after the header timeout, so silent clients cannot hold the limit and the health reserve for good', { timeout: 30_000 }, async (t) => {
  const h = await startHarness({ version: 19, server: { maxConnections: 1, headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 300 } });
  t.after(() => h.close());
  // Every slot and the whole reserve taken by clients that connect and say nothing.
  const silent = await Promise.all(Array.from({ length: 1 + HEALTH_RESERVE }, () => connect(h.proxy.port)));
  t.after(() => silent.forEach((s) => s.destroy()));
  await Promise.all(silent.map((s) => new Promise((r) => {
    s.on('error', () => undefined);
    s.once('close', r);
    s.resume(); // reads (nothing comes) so the proxy's close is seen
  })));
  // The proxy is reachable again: its liveness probe and a client within the limit get in.
  assert.match(await exchange(await connect(h.proxy.port), 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200/);
});

test('over TLS, a connection that sends no request is closed after the header timeout, also one that never finishes its handshake', { timeout: 30_000 }, async (t) => {
  if (spawnSync('openssl', ['version']).status !== 0) return t.skip('openssl is not installed (.ci/run installs it)');
  const dir = mkdtempSync(join(tmpdir(), 'odoo-keys-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  const h = await startHarness({ version: 19, server: { maxConnections: 1, headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 300, tls: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) } } });
  t.after(() => h.close());
  const silent = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({ port: h.proxy.port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(s));
    s.once('error', reject);
  });
  t.after(() => silent.destroy());
  silent.on('error', () => undefined);
  silent.resume(); // reads (nothing comes) so the proxy's close is seen
  await new Promise((r) => silent.once('close', r));
  // A TCP connection that never starts its handshake is closed too (Node waited 120 s for one by default).
  const closed = nextServerSocketClosed(h.proxy.server);
  const raw = await connect(h.proxy.port);
  t.after(() => raw.destroy());
  await closed;
});

test('a client that is answered 400/408/431 but never reads nor closes does not keep its socket: the proxy closes it after the header timeout', { timeout: 30_000 }, async (t) => {
  const h = await startHarness({ version: 19, server: { maxConnections: 1, headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 300 } });
  t.after(() => h.close());
  for (const request of ['GET /healthz HTTP/1.1\r\n', 'nonsense\r\n\r\n']) {
    const closed = nextServerSocketClosed(h.proxy.server);
    // Paused: the answer and the proxy's FIN are never read, so this side never closes.
    const s = await connect(h.proxy.port);
    t.after(() => s.destroy());
    s.pause();
    s.write(request);
    await closed;
  }
});

test('the health reserve matches a request to its connection by peer address and port, counting: a reset peer back on the same port before the old close is seen stays in the reserve', async () => {
  const server = new EventEmitter();
  const metrics = { droppedConnections: 0 } as unknown as Metrics;
  const overLimit = limitConnections(server as unknown as import('node:http').Server, { log: silentLogger, metrics }, 1);
  const socket = (port: number): net.Socket => Object.assign(new EventEmitter(), { remoteAddress: '::ffff:127.0.0.1', remotePort: port, destroy() {} }) as unknown as net.Socket;
  const request = (s: net.Socket) => ({ socket: s }) as unknown as import('node:http').IncomingMessage;
  const within = socket(40000);
  server.emit('connection', within);
  assert.equal(overLimit(request(within)), false);
  const old = socket(40001);
  server.emit('connection', old);
  assert.equal(overLimit(request(old)), true);
  // The peer reset `old` and came back on the same port; the new connection is accepted first.
  const again = socket(40001);
  server.emit('connection', again);
  old.emit('close');
  assert.equal(overLimit(request(again)), true, 'still in the reserve');
  again.emit('close');
  within.emit('close');
  const next = socket(40001);
  server.emit('connection', next);
  assert.equal(overLimit(request(next)), false, 'within the limit once the others closed');
});

/** What Python's xmlrpc.client raises for an execute_kw with the given model, method and args through the proxy at `url`. */
async function xmlrpcClientSees(python: string, url: string, call: string): Promise<{ kind: string; code?: number; msg: string }> {
  const r = await runPython(python, String.raw`
import json, os, xmlrpc.client
p = xmlrpc.client.ServerProxy(os.environ['PROXY'] + '/xmlrpc/2/object')
try:
    p.execute_kw('db', 2, 'odk_x_y', ${call})
    print(json.dumps({'kind': 'none'}))
except xmlrpc.client.ProtocolError as e:
    print(json.dumps({'kind': 'ProtocolError', 'code': e.errcode, 'msg': e.errmsg}))
except xmlrpc.client.Fault as e:
    print(json.dumps({'kind': 'Fault', 'msg': e.faultString}))
except Exception as e:
    print(json.dumps({'kind': type(e).__name__, 'msg': str(e)}))
`, { PROXY: url });
  try {
    return JSON.parse(r.stdout) as { kind: string; code?: number; msg: string };
  } catch {
    return { kind: 'no answer', msg: r.stdout + r.stderr };
  }
}

test('a call on a connection of the health reserve gets its 503 in its protocol\'s shape, the reason in the body and in the status line: xmlrpc.client says a ProtocolError naming the limit, not a parse error', async (t) => {
  // The held connection sends nothing: the header timeout outlasts Python's start on a busy machine.
  const h = await startHarness({ version: 19, server: { maxConnections: 1, headersTimeoutMs: 25_000, requestTimeoutMs: 30_000 } });
  t.after(() => h.close());
  const held = await connect(h.proxy.port);
  t.after(() => held.destroy());
  const reason = 'too many client connections open (--max-connections 1)';
  const before = h.standin.received.length;
  const ask = (path: string, body: string): Promise<string> => connect(h.proxy.port).then((s) => exchange(s, `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`));
  const split = (raw: string): { status: string; head: string; body: string } => {
    const at = raw.indexOf('\r\n\r\n');
    return { status: raw.slice(0, raw.indexOf('\r\n')), head: raw.slice(0, at), body: raw.slice(at + 4) };
  };
  for (const path of ['/xmlrpc/2/object', '/xmlrpc/object']) {
    const a = split(await ask(path, '<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params></params></methodCall>'));
    assert.match(a.status, /^HTTP\/1\.1 503 odoo-keys: too many client connections open/);
    assert.match(a.head, /Content-Type: text\/xml/i);
    // The legacy paths put the text in faultCode, as Odoo does there.
    assert.match(a.body, /<fault>[\s\S]*too many client connections open \(--max-connections 1\)/);
  }
  const jsonrpc = split(await ask('/jsonrpc', '{"jsonrpc":"2.0","method":"call","params":{},"id":7}'));
  assert.match(jsonrpc.status, /^HTTP\/1\.1 503 /);
  const err = JSON.parse(jsonrpc.body) as { jsonrpc: string; error: { message: string; data: { message: string } } };
  assert.equal(err.jsonrpc, '2.0');
  assert.match(err.error.data.message, /too many client connections open \(--max-connections 1\)/);
  const json2 = split(await ask('/json/2/res.partner/search', '{}'));
  assert.match(json2.status, /^HTTP\/1\.1 503 /);
  assert.match(json2.head, /Retry-After: 1/i);
  assert.match((JSON.parse(json2.body) as { message: string }).message, /too many client connections open \(--max-connections 1\)/);
  // Elsewhere a plain text, as before.
  assert.match(split(await ask('/web/dataset/call_kw', '{}')).body, /^odoo-keys: too many client connections open/);
  assert.equal(h.standin.received.length, before, 'nothing reached Odoo');

  const python = pythonCommand();
  if (!python) return t.diagnostic('python is not installed: xmlrpc.client not checked');
  const seen = await xmlrpcClientSees(python, h.url, "'res.partner', 'search', [[]]");
  assert.equal(seen.kind, 'ProtocolError', JSON.stringify(seen));
  assert.equal(seen.code, 503);
  assert.ok(seen.msg.includes(reason), seen.msg);
});

test('a call with a large body on a connection of the health reserve reads its 503, not a reset: the body is read and dropped up to --max-body; a sender that stalls is closed by the request timeout', { timeout: 60_000 }, async (t) => {
  // The held connection sends nothing: the header timeout must outlast Python's start on a busy
  // machine, or it is closed as silent and the Python call is no longer past the limit.
  const h = await startHarness({ version: 19, server: { maxConnections: 1, maxBodyBytes: 8 * 1024 * 1024, headersTimeoutMs: 25_000, requestTimeoutMs: 30_000 } });
  t.after(() => h.close());
  const held = await connect(h.proxy.port);
  t.after(() => held.destroy());
  // 6 MiB: more than the socket buffers take, so the client is still sending when the 503 is written.
  const body = Buffer.alloc(6 * 1024 * 1024, 0x61);
  const s = await connect(h.proxy.port);
  const outcome = await new Promise<{ got: string; error?: string }>((resolve) => {
    let got = '';
    let error: string | undefined;
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    s.once('close', () => resolve({ got, ...(error ? { error } : {}) }));
    s.write(`POST /json/2/res.partner/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    s.end(body);
  });
  assert.equal(outcome.error, undefined, `the connection was reset: ${outcome.error}`);
  assert.match(outcome.got, /^HTTP\/1\.1 503 [\s\S]*too many client connections open \(--max-connections 1\)/);

  const python = pythonCommand();
  if (python) {
    const seen = await xmlrpcClientSees(python, h.url, "'res.partner', 'create', [{'name': 'a' * (6 * 1024 * 1024)}]");
      assert.equal(seen.kind, 'ProtocolError', JSON.stringify(seen));
    assert.equal(seen.code, 503);
  }

  // A sender that stops mid-body holds its reserve connection no longer than the request timeout.
  const h2 = await startHarness({ version: 19, server: { maxConnections: 1, headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 300 } });
  t.after(() => h2.close());
  const held2 = await connect(h2.proxy.port);
  t.after(() => held2.destroy());
  held2.write('POST /jsonrpc HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n');
  const stalled = await exchange(await connect(h2.proxy.port), 'POST /xmlrpc/2/object HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n<?xml');
  assert.match(stalled, /^HTTP\/1\.1 503 /, 'answered, then closed (exchange resolves on the close)');
});
