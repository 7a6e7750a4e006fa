// Faults of the upstream, through every protocol: Odoo hanging, stalling in the middle of an
// answer, answering something that is not HTTP, closing or resetting the connection, or sending
// an answer that never ends. test/proxy/resilience.test.ts covers a refused connection, a drop, a
// 502, garbage bodies, a reset mid-stream (XML-RPC) and a slow answer (JSON-2); this file adds the
// rest (and a broken chunk in the very read that brought the answer's head), each protocol, and what must hold after each: a clean error in the client's protocol, one
// journal line, no place held in the concurrency caps, and the next call served.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { encodeMethodCall, decodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { stringifyJson, parseJson } from '../../src/rpc/json.js';
import { errorMessage, eventually, rawRequest, startFaultyHarness, type FaultyHarness, type Proto, type UpstreamFault } from './support.js';

const PROTOCOLS: Proto[] = ['xmlrpc', 'jsonrpc', 'json2'];

function request(h: FaultyHarness, proto: Proto, token: string, method = 'search_count', args: unknown[] = [[]]): { path: string; body: string; headers: Record<string, string> } {
  if (proto === 'xmlrpc') return { path: '/xmlrpc/2/object', body: encodeMethodCall('execute_kw', [h.db, 2, token, 'res.partner', method, args]), headers: { 'Content-Type': 'text/xml' } };
  if (proto === 'jsonrpc') {
    return {
      path: '/jsonrpc',
      body: stringifyJson({ jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args: [h.db, 2, token, 'res.partner', method, args] }, id: 1 }),
      headers: { 'Content-Type': 'application/json' },
    };
  }
  const body = method === 'search_count' ? { domain: (args as unknown[])[0] } : { domain: (args as unknown[])[0], fields: ['name'] };
  return { path: `/json/2/res.partner/${method}`, body: stringifyJson(body), headers: { 'Content-Type': 'application/json', Authorization: `bearer ${token}`, 'X-Odoo-Database': h.db } };
}

/** A call with a guard far longer than the upstream timeout: it fails the test instead of hanging it. */
async function call(h: FaultyHarness, proto: Proto, token: string): Promise<{ status: number; text: string }> {
  const r = request(h, proto, token);
  const res = await fetch(`${h.url}${r.path}`, { method: 'POST', body: r.body, headers: r.headers, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, text: await res.text() };
}

function succeeded(proto: Proto, r: { status: number; text: string }): boolean {
  if (r.status !== 200) return false;
  if (proto === 'xmlrpc') return decodeMethodResponse(r.text).kind === 'params';
  const v = parseJson(r.text) as Record<string, unknown>;
  return proto === 'jsonrpc' ? 'result' in v : typeof v === 'number';
}

const FAULTS: UpstreamFault[] = ['hang', 'stallAfterHeaders', 'stallMidBody', 'notHttp', 'closeAtOnce', 'resetMidBody', 'badChunk'];

describe('Odoo misbehaving, through each protocol', () => {
  let h: FaultyHarness;
  before(async () => {
    h = await startFaultyHarness({ version: 19, upstreamTimeoutMs: 400 });
  });
  after(() => h?.close());

  for (const fault of FAULTS) {
    test(`${fault}: a clean error in the client's protocol, one journal line, and the next call is served`, async () => {
      for (const proto of PROTOCOLS) {
        // A key of its own, so its journal lines are told apart from any other call's.
        const { token } = await h.addKey({ rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'] }] });
        const id = token.split('_')[1]!;
        assert.ok(succeeded(proto, await call(h, proto, token)), `${proto} works before the fault`);
        const before = (await h.journal()).filter((e) => e.key === id).length;
        // Armed twice: a request that fails on a reused socket before any answer is retried once.
        h.upstream.arm(fault, 2);
        const r = await call(h, proto, token);
        h.upstream.disarm();
        const message = errorMessage(proto, r.status, r.text);
        assert.ok(message !== null, `${fault} over ${proto}: not an error in ${proto}'s shape: HTTP ${r.status} ${r.text.slice(0, 200)}`);
        assert.match(message, /odoo-keys: /, `${fault} over ${proto}: the proxy's own error`);
        if (proto === 'json2') assert.ok([502, 504].includes(r.status), `${fault} over json2: HTTP ${r.status}`);
        const lines = (await h.journal()).filter((e) => e.key === id).slice(before);
        assert.equal(lines.length, 1, `${fault} over ${proto}: one journal line for the call`);
        assert.equal(lines[0]!.outcome, 'upstream_error');
        assert.equal(lines[0]!.decision, 'allow');
        assert.ok(succeeded(proto, await call(h, proto, token)), `${fault} over ${proto}: the next call is served`);
      }
      assert.ok(await eventually(() => h.proxy.metrics.inFlight === 0), 'no call left in flight');
    });
  }
});

describe('an answer that never ends', () => {
  test('is streamed with back-pressure (never held whole), and a client that stops reading cannot hold its place for ever', async () => {
    const h = await startFaultyHarness({ version: 19, upstreamTimeoutMs: 500, proxy: { maxConcurrentPerKey: 1, queueWaitMs: 50 } });
    try {
      const { token } = await h.addKey({ rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'] }] });
      assert.ok(succeeded('json2', await call(h, 'json2', token)), 'warm: schema cached');
      h.upstream.arm('endless', 1);
      const r = request(h, 'json2', token, 'search_read', [[]]);
      // A client that sends its call and then reads nothing at all.
      const stuck = net.connect(h.proxy.port, '127.0.0.1');
      stuck.on('error', () => undefined);
      stuck.pause();
      const closed = new Promise<void>((resolve) => stuck.on('close', () => resolve()));
      stuck.write(rawRequest('POST', r.path, r.headers, r.body));
      // Odoo keeps sending until the proxy stops reading (kernel buffers fill): the proxy's memory
      // does not take the answer whole.
      let last = -1;
      assert.ok(
        await eventually(async () => {
          const now = h.upstream.endlessBytes;
          const flat = now > 0 && now === last;
          last = now;
          return flat;
        }, 20_000, 300),
        'the endless answer was throttled by back-pressure',
      );
      assert.ok(h.upstream.endlessBytes < 256 * 1024 * 1024, `the proxy took ${h.upstream.endlessBytes} bytes of an answer nobody reads`);
      // The stalled stream ends after the upstream timeout and frees the key's only place.
      assert.ok(await eventually(async () => succeeded('json2', await call(h, 'json2', token)), 15_000, 200), 'the key is served again once the stalled answer was cut');
      // What reached the stuck client ends without the end of the answer: it was cut, not finished.
      let received = 0;
      stuck.on('data', (d: Buffer) => (received += d.length));
      stuck.resume();
      await closed;
      assert.ok(received > 0);
      const lines = (await h.journal()).filter((e) => e.method === 'search_read');
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.outcome, 'upstream_error');
      assert.ok(await eventually(() => h.upstream.openConnections() <= 1, 5000), 'the connection carrying the endless answer was closed');
    } finally {
      await h.close();
    }
  });
});

describe('a kept-alive connection to Odoo that breaks before the answer', () => {
  // A reverse proxy in front of Odoo keeps connections open; one that dies after passing a call
  // on leaves the proxy with a broken reused socket and no answer: the call may have run.
  const post = async (h: FaultyHarness, token: string, method: string, body: unknown): Promise<{ status: number; text: string }> => {
    const res = await fetch(`${h.url}/json/2/res.partner/${method}`, { method: 'POST', body: stringifyJson(body as never), headers: { 'Content-Type': 'application/json', Authorization: `bearer ${token}`, 'X-Odoo-Database': h.db }, signal: AbortSignal.timeout(15_000) });
    return { status: res.status, text: await res.text() };
  };

  test('a create is not sent again (it ran once), a read is', async (t) => {
    const h = await startFaultyHarness({ version: 19, keepAlive: true });
    t.after(() => h.close());
    const { token } = await h.addKey({ rules: [{ model: 'res.partner', methods: ['read', 'create'], fields: ['name'] }] });
    assert.equal((await post(h, token, 'search_count', { domain: [] })).status, 200, 'warm: a kept-alive connection to reuse');
    h.upstream.arm('passThenDrop', 1, (path) => path.endsWith('/create'));
    const created = await post(h, token, 'create', { vals_list: [{ name: 'Only once' }] });
    assert.equal(h.upstream.faulted, 1);
    assert.equal(h.standin.orm.search('res.partner', [['name', '=', 'Only once']]).length, 1, 'the create ran twice');
    assert.equal(created.status, 502, created.text);
    assert.match(created.text, /not sent again, as it may change data and may have reached Odoo/);
    const line = (await h.journal()).find((e) => e.method === 'create');
    assert.equal(line?.outcome, 'upstream_error');

    assert.equal((await post(h, token, 'search_count', { domain: [] })).status, 200, 'warm again');
    h.upstream.arm('passThenDrop', 1, (path) => path.endsWith('/search_read'));
    const read = await post(h, token, 'search_read', { domain: [['name', '=', 'Only once']], fields: ['name'] });
    assert.equal(h.upstream.faulted, 2);
    assert.equal(read.status, 200, `a read is sent again on a fresh connection: ${read.text}`);
    assert.equal((parseJson(read.text) as unknown[]).length, 1);
  });
});
