// Answers the proxy must read (to hide names, charge records, translate, journal created ids):
// every legitimate answer Odoo writes is read, and one that still cannot be is refused, never
// passed on unread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMethodCall } from '../../src/rpc/xmlrpc.js';
import { HIDDEN_NAME } from '../../src/proxy/core.js';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';

const leadReader = { name: 'lead-reader', rules: [{ model: 'crm.lead', methods: ['read', 'write'], fields: ['name', 'partner_id'] }], limits: { records_per_hour: 5 } };

/** search_read over XML-RPC, read from the raw text (the rows' partner pairs), not with the proxy's own reader. */
async function xmlSearchRead(h: Harness, token: string, limit: number): Promise<{ status: number; text: string; partners: string[] }> {
  const body = encodeMethodCall('execute_kw', [h.db, h.uid, token, 'crm.lead', 'search_read', [[['partner_id', '!=', false]]], { fields: ['name', 'partner_id'], limit, order: 'id' }]);
  const r = await post(`${h.url}/xmlrpc/2/object`, body, { 'Content-Type': 'text/xml' });
  const partners = [...r.text.matchAll(/<name>partner_id<\/name>\s*<value><array><data>\s*<value><int>\d+<\/int><\/value>\s*<value><string>([^<]*)<\/string>/g)].map((m) => m[1]!);
  return { status: r.status, text: r.text, partners };
}

test('a record whose name holds U+FFFF (Odoo writes it raw in XML-RPC): names are still hidden and the records charged', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  h.clock.at = new Date(); // the budget's hour cannot turn over mid-test
  const { token } = await h.addKey(leadReader);
  const [first] = h.standin.orm.search('crm.lead', [['partner_id', '!=', false]], { order: 'id', limit: 1 });
  // The key itself may write the name; JSON carries U+FFFF, and Odoo stores it.
  const w = await post(`${h.url}/jsonrpc`, JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params: { service: 'object', method: 'execute_kw', args: [h.db, h.uid, token, 'crm.lead', 'write', [[first], { name: 'x\uffff' }], {}] } }), { 'Content-Type': 'application/json' });
  assert.match(w.text, /"result": true/);

  const two = await xmlSearchRead(h, token, 2);
  assert.equal(two.status, 200);
  assert.ok(two.text.includes('<string>x\uffff</string>'), two.text.slice(0, 400));
  assert.deepEqual(two.partners, [HIDDEN_NAME, HIDDEN_NAME], 'partner names passed on');
  const line = (await h.journal()).filter((e) => e.method === 'search_read').at(-1);
  assert.equal(line?.outcome, 'ok');
  // 2 of 5 read: a search_read asking for 10 gets the 3 left, then nothing.
  assert.equal((await xmlSearchRead(h, token, 10)).partners.length, 3);
  assert.match((await xmlSearchRead(h, token, 1)).text, /has read its 5 records this hour/);
});
