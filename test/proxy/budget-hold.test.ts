// records_per_hour with calls in flight together: each call holds the most it may read when it is
// let through, so a second call cannot spend the same remainder while the first is still upstream;
// what a call did not read (fewer rows, an error) is given back when it ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';
import { gateHolding, type Gate } from '../support/gate.js';

function searchRead(h: Harness<Gate>, token: string, body: Record<string, unknown>): Promise<{ status: number; text: string }> {
  return post(`${h.url}/json/2/res.partner/search_read`, JSON.stringify({ fields: ['name'], ...body }), { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
}

test('two search_reads in flight together cannot both spend the same remainder', async (t) => {
  const h = await startHarness({ version: 19, upstream: gateHolding('search_read') });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'sync', rules: [{ model: 'res.partner', methods: ['read'] }], limits: { records_per_hour: 3 } });
  const first = searchRead(h, token, { domain: [], limit: 3 });
  await h.upstream.arrived; // the first is upstream, holding its 3 records
  const second = await searchRead(h, token, { domain: [], limit: 3 });
  assert.equal(second.status, 429, second.text);
  assert.match(second.text, /has read its 3 records this hour/);
  h.upstream.open();
  const answered = JSON.parse((await first).text) as unknown[];
  assert.equal(answered.length, 3);
  assert.equal(h.upstream.passed.filter((p) => p.endsWith('/search_read')).length, 1, 'the second call reached Odoo');
});

test('a call that reads fewer than it held, or fails, gives the rest back', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'sync', rules: [{ model: 'res.partner', methods: ['read'] }], limits: { records_per_hour: 5 } });
  const call = (body: Record<string, unknown>) => post(`${h.url}/json/2/res.partner/search_read`, JSON.stringify({ fields: ['name'], ...body }), { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
  // Held 5, read 1: 4 left.
  const one = await call({ domain: [['id', '=', 1]], limit: 5 });
  assert.equal((JSON.parse(one.text) as unknown[]).length, 1);
  // Odoo refuses this one (a field that does not exist): it read nothing and keeps nothing.
  const failed = await call({ domain: [['no_such_field', '=', 1]], limit: 5 });
  assert.notEqual(failed.status, 200, failed.text);
  // So 4 are left: a search_read asking for 10 gets 4.
  const rest = await call({ domain: [], limit: 10 });
  assert.equal(rest.status, 200, rest.text);
  assert.equal((JSON.parse(rest.text) as unknown[]).length, 4);
  const spent = await call({ domain: [], limit: 1 });
  assert.equal(spent.status, 429, spent.text);
});

test('a streamed answer is charged its hold whatever its first bytes look like: a JSON-RPC id holding "error" gets nothing back', async (t) => {
  // Answers over 64 bytes stream unread; Odoo echoes the client's id before "result".
  const h = await startHarness({ version: 19, proxy: { inspectBytes: 64 } });
  t.after(() => h.close());
  h.clock.at = new Date();
  const { token } = await h.addKey({ name: 'sync', rules: [{ model: 'res.partner', methods: ['read'] }], limits: { records_per_hour: 5 } });
  const call = async (id: unknown) => {
    const body = { jsonrpc: '2.0', method: 'call', id, params: { service: 'object', method: 'execute_kw', args: [h.db, h.uid, token, 'res.partner', 'search_read', [[]], { fields: ['name'], limit: 5 }] } };
    return JSON.parse((await post(`${h.url}/jsonrpc`, JSON.stringify(body), { 'Content-Type': 'application/json' })).text) as { result?: unknown[]; error?: { data: { message: string } } };
  };
  assert.equal((await call({ error: 1 })).result?.length, 5);
  const again = await call('"error": ');
  assert.match(again.error?.data.message ?? `answered ${again.result?.length} rows`, /has read its 5 records this hour/);
});
