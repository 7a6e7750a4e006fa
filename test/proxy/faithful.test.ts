// What the proxy checked is what reaches Odoo: no string of a call, or of the proxy's own calls
// made for it (budget counts, id checks), is changed on the way by an encoder that drops what its
// format cannot carry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMethodCall, decodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { startHarness, post } from '../support/proxy-harness.js';

test("a rule's domain holding a character XML-RPC cannot carry: the call is refused and journaled, not sent with the domain changed", async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  // Dropping the U+0001 would turn "not ilike 'Gemini\u0001'" into "not ilike 'Gemini'".
  const { token } = await h.addKey({ name: 'odd-rule', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'], domain: [['name', 'not ilike', 'Gemini\u0001']] }] });
  const seq = h.standin.received.at(-1)?.seq ?? 0;
  const r = await post(`${h.url}/xmlrpc/2/object`, encodeMethodCall('execute_kw', [h.db, h.uid, token, 'res.partner', 'search_read', [[]], { fields: ['name'] }]), { 'Content-Type': 'text/xml' });
  const answer = decodeMethodResponse(r.text);
  assert.equal(answer.kind, 'fault', r.text.slice(0, 300));
  assert.match(String(answer.kind === 'fault' && answer.faultString), /cannot carry res\.partner\.search_read to Odoo: XML-RPC cannot carry the character U\+0001/);
  const sent = h.standin.received.filter((c) => c.seq > seq && c.method === 'search_read');
  assert.deepEqual(sent, [], 'the call reached Odoo');
  const line = (await h.journal()).filter((e) => e.method === 'search_read').at(-1);
  assert.ok(line, 'no journal line');
  assert.equal(line.decision, 'deny');
  assert.equal(line.outcome, 'rejected');
});

test("a grouping's records are counted in the call's own protocol, with the client's domain exactly (JSON-RPC, JSON-2)", async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  h.clock.at = new Date(); // the budget's hour cannot turn over mid-test
  const { token } = await h.addKey({ name: 'grouper', rules: [{ model: 'crm.lead', methods: ['read'], fields: ['name'] }], limits: { records_per_hour: 3 } });
  // Every lead matches; without its U+0001 the domain matches almost none (the count the key got).
  const domain = [['name', 'not ilike', 'e\u0001'], ['name', 'not ilike', 'o\u0001']];
  const calls = {
    jsonrpc: () =>
      post(`${h.url}/jsonrpc`, JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params: { service: 'object', method: 'execute_kw', args: [h.db, h.uid, token, 'crm.lead', 'read_group', [domain, ['name'], ['name']], { lazy: false }] } }), { 'Content-Type': 'application/json' }),
    json2: () => post(`${h.url}/json/2/crm.lead/read_group`, JSON.stringify({ domain, fields: ['name'], groupby: ['name'], lazy: false }), { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' }),
  };
  for (const [protocol, call] of Object.entries(calls)) {
    const seq = h.standin.received.at(-1)?.seq ?? 0;
    const r = await call();
    assert.match(r.text, /may read 3 more records this hour, and this call's groups cover more/, `${protocol}: ${r.text.slice(0, 300)}`);
    const sent = h.standin.received.filter((c) => c.seq > seq);
    assert.deepEqual(sent.filter((c) => c.method === 'read_group'), [], `${protocol}: the grouping reached Odoo`);
    const counts = sent.filter((c) => c.method === 'search_count');
    assert.equal(counts.length, 1, `${protocol}: ${sent.map((c) => c.path).join(', ')}`);
    assert.equal(counts[0]!.protocol, protocol, `${protocol}: the count went as ${counts[0]!.protocol}`);
    assert.ok(counts[0]!.body.includes('"e\\u0001"') && counts[0]!.body.includes('"o\\u0001"'), `${protocol}: the count's domain was changed: ${counts[0]!.body}`);
  }
});

test("a JSON-2 call to Odoo 18, which has no JSON-2, gets Odoo's own 404 (its checks go as XML-RPC, not as JSON-2)", async (t) => {
  const h = await startHarness({ version: 18 });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'r', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'] }] });
  const r = await post(`${h.url}/json/2/res.partner/search_read`, JSON.stringify({ domain: [], fields: ['name'], limit: 1 }), { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
  assert.equal(r.status, 404, r.text.slice(0, 300));
  assert.match(r.text, /<title>404 Not Found<\/title>/);
});
