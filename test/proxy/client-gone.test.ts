// A client that hangs up while its call is at Odoo: the proxy stops the upstream call too (it
// would hold a socket and a place under the key's caps for nothing) and journals what happened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startHarness, post } from '../support/proxy-harness.js';
import { gateHolding } from '../support/gate.js';
import { mintKey } from '../../src/registry/keys.js';
import { temporaryLiveKey } from '../../src/exec/key.js';

/** Resolves with `p`, or rejects with `message` when it has not settled after `ms`. */
function within<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

test('a client gone while its call is upstream: the upstream call is dropped and journaled as cancelled', async (t) => {
  const h = await startHarness({ version: 19, upstream: gateHolding('search_read') });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'reader', rules: [{ model: 'res.partner', methods: ['read'] }] });
  const url = new URL(`${h.url}/json/2/res.partner/search_read`);
  const req = http.request(url, { method: 'POST', headers: { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' } });
  req.on('error', () => {});
  req.end(JSON.stringify({ domain: [], fields: ['name'] }));
  await h.upstream.arrived;
  req.destroy();
  await within(h.upstream.droppedWhileHeld, 10_000, 'the proxy kept the upstream call open after its client went away');
  let line;
  for (let i = 0; i < 200 && !line; i++) {
    line = (await h.journal()).find((e) => e.method === 'search_read');
    if (!line) await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(line, 'no journal line for the cancelled call');
  assert.equal(line.decision, 'allow');
  assert.equal(line.outcome, 'upstream_error');
  assert.match(`${line.error?.message ?? ''} ${line.reason ?? ''}`, /cancel/);
  // The proxy still serves the key afterwards (the call's place under the caps was given back).
  h.upstream.open();
  const again = await fetch(url, { method: 'POST', headers: { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ domain: [], fields: ['name'], limit: 1 }) });
  assert.equal(again.status, 200);
});

test('a client gone while its call waited in the key\'s queue: the call is not sent to Odoo, and is journaled', async (t) => {
  const h = await startHarness({ version: 19, proxy: { maxConcurrentPerKey: 1, queueWaitMs: 60_000 }, upstream: gateHolding('write') });
  t.after(() => h.close());
  const { token, id } = await h.addKey({ name: 'sync', rules: [{ model: 'res.partner', methods: ['read', 'write'] }] });
  const headers = { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' };
  const first = fetch(`${h.url}/json/2/res.partner/write`, { method: 'POST', headers, body: JSON.stringify({ ids: [1], vals: { name: 'first' } }) });
  await h.upstream.arrived;
  const req = http.request(new URL(`${h.url}/json/2/res.partner/write`), { method: 'POST', headers });
  req.on('error', () => {});
  req.end(JSON.stringify({ ids: [3], vals: { name: 'for nobody' } }));
  while (h.proxy.core.queuedFor(id) === 0) await new Promise((r) => setTimeout(r, 5));
  const connections = (): Promise<number> => new Promise((r) => h.proxy.server.getConnections((_e, n) => r(n)));
  const before = await connections();
  req.destroy();
  // The proxy has seen the client go once its connection is closed on the proxy's side.
  for (let i = 0; i < 1000 && (await connections()) >= before; i++) await new Promise((r) => setTimeout(r, 5));
  h.upstream.open();
  assert.equal((await first).status, 200);
  let line;
  for (let i = 0; i < 200 && !line; i++) {
    line = (await h.journal()).find((e) => /went away before the call was sent/.test(e.reason ?? ''));
    if (!line) await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(line, 'no journal line for the call whose client went away');
  assert.equal(h.upstream.passed.filter((p) => p.endsWith('/write')).length, 1, 'the second write reached Odoo after its client had gone');
  assert.notEqual(h.standin.orm.get('res.partner', 3)?.name, 'for nobody');
});

test('a key whose hours ended while its call waited: refused before it is sent', async (t) => {
  const h = await startHarness({ version: 19, proxy: { maxConcurrentPerKey: 1, queueWaitMs: 60_000 }, upstream: gateHolding('write') });
  t.after(() => h.close());
  h.clock.at = new Date('2026-12-01T16:59:00Z');
  const { token, id } = await h.addKey({ name: 'daytime', rules: [{ model: 'res.partner', methods: ['read', 'write'] }], limits: { hours: 'Mon-Fri 09:00-17:00 UTC' } });
  const write = (rec: number, name: string) => post(`${h.url}/json/2/res.partner/write`, JSON.stringify({ ids: [rec], vals: { name } }), { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
  const first = write(1, 'first');
  await h.upstream.arrived;
  const second = write(3, 'after hours');
  while (h.proxy.core.queuedFor(id) === 0) await new Promise((r) => setTimeout(r, 5));
  h.clock.at = new Date('2026-12-01T17:01:00Z');
  h.upstream.open();
  assert.equal((await first).status, 200);
  const r = await second;
  assert.equal(r.status, 403, r.text);
  assert.match(r.text, /outside hours Mon-Fri 09:00-17:00 UTC \(the window closed while this call waited\)/);
  assert.equal(h.upstream.passed.filter((p) => p.endsWith('/write')).length, 1, 'the waiting call was sent after its hours');
});

test('exec --key NAME --hours: the narrowing hours are checked again right before the call is sent', async (t) => {
  const h = await startHarness({ version: 19, proxy: { maxConcurrentPerKey: 1, queueWaitMs: 60_000 }, upstream: gateHolding('write') });
  t.after(() => h.close());
  h.clock.at = new Date('2026-12-01T16:59:00Z');
  const { id: baseId } = await h.addKey({ name: 'sync', rules: [{ model: 'res.partner', methods: ['read', 'write'] }] });
  const base = (await h.store.read()).keys.find((k) => k.id === baseId)!;
  const minted = mintKey();
  const identity = { id: minted.id, hash: minted.hash, name: 'script+exec', profile: base.profile, created: '2026-12-01T16:00:00Z', ttlExpires: '2026-12-02T16:00:00Z', origin: { user: 'u', host: 'h', cwd: '/', command: 'script' } };
  h.proxy.setTemporaryKeys([temporaryLiveKey(identity, { rules: [], limits: { hours: 'Mon-Fri 09:00-17:00 UTC' } }, base)]);
  const write = (rec: number, name: string) => post(`${h.url}/json/2/res.partner/write`, JSON.stringify({ ids: [rec], vals: { name } }), { Authorization: `bearer ${minted.token}`, 'Content-Type': 'application/json' });
  const first = write(1, 'first');
  await h.upstream.arrived;
  const second = write(3, 'after hours');
  while (h.proxy.core.queuedFor(minted.id) === 0) await new Promise((r) => setTimeout(r, 5));
  h.clock.at = new Date('2026-12-01T17:01:00Z');
  h.upstream.open();
  assert.equal((await first).status, 200);
  const r = await second;
  assert.equal(r.status, 403, r.text);
  assert.match(r.text, /the window closed while this call waited/);
  assert.equal(h.upstream.passed.filter((p) => p.endsWith('/write')).length, 1);
});

/** odoo_keys_upstream_errors_total of the proxy's one profile (0 when none was counted). */
function upstreamErrors(metrics: { render(): string }): number {
  return Number(/^odoo_keys_upstream_errors_total\{[^}]*\} (\d+)$/m.exec(metrics.render())?.[1] ?? 0);
}

test('a client gone in the middle of a streamed answer: journaled with what Odoo answered and where it was cut, not as Odoo failing', async (t) => {
  const { startFaultyHarness, rawRequest } = await import('../hardening/support.js');
  const net = await import('node:net');
  const h = await startFaultyHarness({ version: 19 });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'reader', rules: [{ model: 'res.partner', methods: ['read'] }] });
  const headers = { 'Content-Type': 'application/json', Authorization: `bearer ${token}` };
  const body = JSON.stringify({ domain: [], fields: ['name'] });
  assert.equal((await post(`${h.url}/json/2/res.partner/search_read`, body, headers)).status, 200, 'warm: schema cached');
  const errorsBefore = upstreamErrors(h.proxy.metrics);
  for (const fault of ['endless', 'stallAfterHeaders'] as const) {
    h.upstream.arm(fault, 1);
    const client = net.connect(h.proxy.port, '127.0.0.1');
    client.on('error', () => undefined);
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.write(rawRequest('POST', '/json/2/res.partner/search_read', headers, body));
    // endless: the answer is streaming; stallAfterHeaders: the proxy is waiting for Odoo's body.
    if (fault === 'endless') await new Promise((r) => client.once('data', r));
    else await new Promise<void>((r) => void until(() => h.upstream.faulted === 2, r));
    client.destroy();
    await closed;
  }
  let lines: Awaited<ReturnType<typeof h.journal>> = [];
  for (let i = 0; i < 400 && lines.length < 3; i++) {
    lines = (await h.journal()).filter((e) => e.method === 'search_read');
    if (lines.length < 3) await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(lines.length, 3, 'one line per call');
  const [, streamed, waiting] = lines;
  assert.equal(streamed!.outcome, 'ok', `the streamed answer journaled as ${streamed!.outcome}: ${JSON.stringify(streamed!.error)}`);
  assert.ok(streamed!.notes?.some((n) => /did not reach the client: its connection was closed after \d+ bytes/.test(n)), JSON.stringify(streamed));
  assert.equal(waiting!.error?.name, 'ClientGone', JSON.stringify(waiting));
  assert.match(waiting!.error?.message ?? '', /client went away before Odoo answered/);
  assert.equal(upstreamErrors(h.proxy.metrics), errorsBefore, 'a client hanging up is not counted as Odoo failing');
  assert.equal(h.proxy.metrics.inFlight, 0, 'the places under the caps came back');
});

/** Calls `done` once `cond` holds (polled). */
async function until(cond: () => boolean, done: () => void): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  done();
}

test('a request body that breaks (the client hangs up mid-body, broken chunked framing) is journaled as rejected with a sentence saying so, not Node\'s raw text; nothing reaches Odoo', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'c', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'] }] });
  const before = h.standin.received.length;
  /** Sends `raw`, then (with `hangUp`) closes once the proxy has it; resolves when the connection is closed. */
  const send = (raw: string, hangUp?: 'end' | 'reset'): Promise<void> =>
    new Promise((resolve) => {
      const s = net.connect(h.proxy.port, '127.0.0.1', () => s.write(raw, () => (hangUp === 'end' ? s.end() : hangUp === 'reset' ? s.resetAndDestroy() : undefined)));
      s.on('error', () => undefined);
      s.resume();
      s.once('close', () => resolve());
    });
  const head = (path: string): string => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: bearer ${token}\r\nX-Odoo-Database: ${h.db}\r\n`;
  await send(`${head('/json/2/res.partner/search_read')}Transfer-Encoding: chunked\r\n\r\n5\r\n{"dom\r\nzz\r\nxx\r\n`);
  // Closed (FIN) mid-body, then reset mid-body.
  await send(`${head('/xmlrpc/2/object')}Content-Length: 1000\r\n\r\n<?xml version="1.0"?><methodCall>`, 'end');
  const wait = async (n: number): Promise<unknown[]> => {
    // The journal line is written after the connection closed.
    let lines = await h.journal();
    for (let i = 0; lines.length < n; i++) {
      assert.ok(i < 5000, `journal: ${JSON.stringify(lines)}`);
      await new Promise((r) => setTimeout(r, 2));
      lines = await h.journal();
    }
    return lines;
  };
  await wait(2);
  await send(`${head('/jsonrpc')}Content-Length: 1000\r\n\r\n{"jsonrpc"`, 'reset');
  const lines = await wait(3);
  const of = (proto: string): Record<string, unknown> => (lines as Record<string, unknown>[]).find((l) => l.proto === proto)!;
  const [chunked, hungUp, reset] = [of('json2'), of('xmlrpc'), of('jsonrpc')];
  assert.deepEqual({ proto: reset!.proto, outcome: reset!.outcome, reason: reset!.reason }, { proto: 'jsonrpc', outcome: 'rejected', reason: 'the client closed the connection before its request body was complete' });
  assert.deepEqual(
    { proto: chunked!.proto, model: chunked!.model, method: chunked!.method, decision: chunked!.decision, outcome: chunked!.outcome, ip: chunked!.ip },
    { proto: 'json2', model: 'res.partner', method: 'search_read', decision: 'deny', outcome: 'rejected', ip: '127.0.0.1' },
  );
  assert.equal(chunked!.reason, "the request body's HTTP framing is broken (invalid character in chunk size); it was not read");
  assert.deepEqual({ proto: hungUp!.proto, service: hungUp!.service, outcome: hungUp!.outcome }, { proto: 'xmlrpc', service: 'object', outcome: 'rejected' });
  assert.equal(hungUp!.reason, 'the client closed the connection before its request body was complete');
  assert.equal(h.standin.received.length, before, 'nothing reached Odoo');
});
