// Ways to write past a key's scope that the engine closes, tried through the proxy on real sockets
// against the stand-in, on every protocol.
//
// Odoo's default_get applies a `default_<field>` context key to every record created under that
// context, of any model that has the field. For a method outside the standard table (message_post,
// action_confirm...) the engine cannot know which records, of which models, the method creates, so
// no rule can allow such a default: it is refused unless the key's limits.context_keys names it.
// On lines created with command 0 a default fills the fields their values leave out: one rule on the
// comodel must allow the line with those fields, its domain judged with the defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executeKw, json2, jsonrpc, RpcCallError } from '../standin/client.js';
import { startHarness } from '../support/proxy-harness.js';

test('a default_<field> context key on a method outside the standard table is refused on every protocol and never reaches Odoo', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const lead = h.standin.orm.create('crm.lead', { name: 'Opportunity', type: 'opportunity' }) as number;
  const { token } = await h.addKey({ name: 'poster', rules: [{ model: 'crm.lead', methods: ['message_post'], domain: [['type', '=', 'opportunity']] }] });
  const before = h.standin.received.at(-1)?.seq ?? 0;
  const refused = async (what: string, call: () => Promise<unknown>): Promise<void> => {
    const err = await call().then((v) => assert.fail(`${what} was allowed: ${JSON.stringify(v)}`), (e: unknown) => e);
    assert.ok(err instanceof RpcCallError, `${what}: ${String(err)}`);
    assert.match(err.message, /'default_author_id' would apply to whatever records message_post, a method outside the standard table, creates/, what);
  };
  // The message it creates would get an author the caller chose (mail.message.author_id).
  const context = { default_author_id: 3 };
  await refused('xmlrpc', () => executeKw(h.url, h.db, h.uid, token, 'crm.lead', 'message_post', [[lead]], { body: 'hello', context }));
  await refused('jsonrpc', () => jsonrpc(h.url, 'object', 'execute_kw', [h.db, h.uid, token, 'crm.lead', 'message_post', [[lead]], { body: 'hello', context }]));
  await refused('json2', () => json2(h.url, token, 'crm.lead', 'message_post', { ids: [lead], body: 'hello', context }, h.db));

  const forwarded = h.standin.received.filter((c) => c.seq > before && c.body.includes('message_post'));
  assert.deepEqual(forwarded.map((c) => `${c.path} ${c.body}`), [], 'a message_post with a default_<field> reached Odoo');
  const journal = (await h.journal()).filter((e) => e.method === 'message_post' && e.decision === 'deny');
  assert.equal(journal.length, 3, 'each refusal is journaled');
  assert.ok(journal.every((e) => e.limit === 'context_keys' || /context_keys/.test(e.reason ?? '')), JSON.stringify(journal));

  // The same call without the default still goes through.
  // (JSON-2 answers a recordset with its ids.)
  const posted = await json2(h.url, token, 'crm.lead', 'message_post', { ids: [lead], body: 'hello' }, h.db);
  assert.ok(Array.isArray(posted) && posted.length === 1 && typeof posted[0] === 'number', JSON.stringify(posted));
});

test('a default_<field> applied to lines created with command 0 needs one rule allowing the line with that field, its domain judged with the default, on every protocol', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  // Rule 1 allows lines with a product only; rule 2 allows a price too, below 100. A default price of
  // 500 fills the line's price: neither rule allows that line.
  const { token } = await h.addKey({
    name: 'orders',
    rules: [
      { model: 'sale.order', methods: ['create'] },
      { model: 'sale.order.line', methods: ['create'], fields: ['product_id'] },
      { model: 'sale.order.line', methods: ['create'], fields: ['product_id', 'price_unit'], domain: [['price_unit', '<', 100]] },
    ],
  });
  const vals = { partner_id: 1, order_line: [[0, 0, { product_id: 1 }]] };
  const before = h.standin.received.at(-1)?.seq ?? 0;
  const refused = async (what: string, call: () => Promise<unknown>): Promise<void> => {
    const err = await call().then((v) => assert.fail(`${what} was allowed: ${JSON.stringify(v)}`), (e: unknown) => e);
    assert.ok(err instanceof RpcCallError, `${what}: ${String(err)}`);
    assert.match(err.message, /the domain \[\["price_unit","<",100\]\] of rule 2 \(sale\.order\.line: create\) cannot be shown to hold|created record would lie outside the domain \[\["price_unit","<",100\]\]/, what);
  };
  const context = { default_price_unit: 500 };
  await refused('xmlrpc', () => executeKw(h.url, h.db, h.uid, token, 'sale.order', 'create', [[vals]], { context }));
  await refused('jsonrpc', () => jsonrpc(h.url, 'object', 'execute_kw', [h.db, h.uid, token, 'sale.order', 'create', [[vals]], { context }]));
  await refused('json2', () => json2(h.url, token, 'sale.order', 'create', { vals_list: [vals], context }, h.db));
  const forwarded = h.standin.received.filter((c) => c.seq > before && c.body.includes('default_price_unit'));
  assert.deepEqual(forwarded.map((c) => `${c.path} ${c.body}`), [], 'a create whose lines no rule allows reached Odoo');

  // A default price inside rule 2's domain is allowed.
  const created = await json2(h.url, token, 'sale.order', 'create', { vals_list: [vals], context: { default_price_unit: 50 } }, h.db);
  assert.ok(Array.isArray(created) && created.length === 1, JSON.stringify(created));
});
