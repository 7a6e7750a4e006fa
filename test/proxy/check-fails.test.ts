// The engine's checks against Odoo (are these ids inside the rule's domain?) run before a call is
// forwarded. When Odoo cannot answer them, the call is refused as an upstream error and journaled,
// like every other refusal, not dropped as an internal error with no journal line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, post } from '../support/proxy-harness.js';

test('a domain check that Odoo cannot answer: the call is refused, journaled, not forwarded', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'scoped', rules: [{ model: 'res.partner', methods: ['read', 'write'], domain: [['id', '<', 100]] }] });
  const write = () => post(`${h.url}/json/2/res.partner/write`, JSON.stringify({ ids: [1], vals: { name: 'checked first' } }), { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
  // A first write fetches the schema (decide needs it) and runs the check: both answered.
  assert.equal((await write()).status, 200);
  await post(`${h.url}/json/2/res.partner/write`, JSON.stringify({ ids: [1], vals: { name: 'before' } }), { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
  const seq = h.standin.received.at(-1)!.seq;
  h.standin.faults.drop = 1; // the next request Odoo gets (the check's search_count) is dropped
  const r = await write();
  assert.equal(r.status, 502, r.text);
  assert.match(r.text, /the scope check needed Odoo and could not get it/);
  assert.equal(h.standin.orm.get('res.partner', 1)?.name, 'before');
  assert.equal(h.standin.received.filter((c) => c.seq > seq).length, 1, 'more than the (dropped) check reached Odoo');
  const line = (await h.journal()).filter((e) => e.method === 'write').at(-1);
  assert.ok(line, 'no journal line for the refused call');
  assert.equal(line.decision, 'deny');
  assert.equal(line.outcome, 'upstream_error');
});
