// A client that hangs up while its call is at Odoo: the proxy stops the upstream call too (it
// would hold a socket and a place under the key's caps for nothing) and journals what happened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startHarness } from '../support/proxy-harness.js';
import { gateHolding } from '../support/gate.js';

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
