// Faults of the upstream, through every protocol: Odoo hanging, stalling in the middle of an
// answer, answering something that is not HTTP, closing or resetting the connection, or sending
// an answer that never ends. test/proxy/resilience.test.ts covers a refused connection, a drop, a
// 502, garbage bodies, a reset mid-stream (XML-RPC) and a slow answer (JSON-2); this file adds the
// rest, each protocol, and what must hold after each: a clean error in the client's protocol, one
// journal line, no place held in the concurrency caps, and the next call served.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMethodCall, decodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { stringifyJson, parseJson } from '../../src/rpc/json.js';
import { errorMessage, eventually, startFaultyHarness, type FaultyHarness, type Proto, type UpstreamFault } from './support.js';

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

const FAULTS: UpstreamFault[] = ['hang', 'stallAfterHeaders', 'stallMidBody', 'notHttp', 'closeAtOnce', 'resetMidBody'];

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
        const token = await h.addKey([{ model: 'res.partner', methods: ['read'], fields: ['name'] }]);
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
