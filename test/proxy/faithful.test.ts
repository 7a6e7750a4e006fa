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
