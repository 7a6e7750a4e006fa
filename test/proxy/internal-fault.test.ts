// A fault inside the proxy after Odoo answered must not lose the call's journal line: the call ran
// at Odoo. The client gets an error in its own protocol, not a bare 500. No answer Odoo gives
// makes the proxy fail any more (a None for an XML-RPC client now gets the fault Odoo's XML-RPC
// gives: test/proxy/protocol-compat.test.ts), so the fault is made: the re-encoding of a JSON-2
// answer for an XML-RPC client throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, post } from '../support/proxy-harness.js';
import { encodeMethodCall, decodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { ProxyCore } from '../../src/proxy/core.js';

test('an answer the proxy cannot re-encode for its client: the call is journaled (it ran), the client gets a fault', async (t) => {
  const h = await startHarness({ version: 19, proxy: { upstreamProtocol: 'json2' } });
  t.after(() => h.close());
  const proto = ProxyCore.prototype as unknown as { resultAsOdoo: (...a: unknown[]) => unknown };
  const real = proto.resultAsOdoo;
  proto.resultAsOdoo = () => {
    throw new Error('cannot re-encode (made by the test)');
  };
  t.after(() => {
    proto.resultAsOdoo = real;
  });
  const { token, id } = await h.addKey({ name: 'script', rules: [{ model: 'res.partner', methods: ['read', 'check_access'] }] });
  h.standin.clearReceived();
  // Odoo 19's check_access returns None: JSON-2 answers null.
  const r = await post(`${h.url}/xmlrpc/2/object`, encodeMethodCall('execute_kw', [h.db, 1, token, 'res.partner', 'check_access', [[1], 'read']]));
  assert.equal(h.standin.received.filter((c) => c.method === 'check_access').length, 1, 'the call reached Odoo');
  const answer = decodeMethodResponse(r.text);
  assert.equal(answer.kind, 'fault', r.text);
  const lines = (await h.journal()).filter((e) => e.method === 'check_access');
  assert.equal(lines.length, 1, 'one journal line for a call that ran');
  assert.equal(lines[0]!.key, id);
  assert.equal(lines[0]!.decision, 'allow');
  assert.equal(lines[0]!.outcome, 'upstream_error');
  assert.match(lines[0]!.reason ?? '', /the call ran/);
});
