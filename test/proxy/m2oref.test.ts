// A many2one_reference id (mail.message's res_id, whose model is in `model`) links a record of the
// model the values name: through the proxy, against the stand-in (which answers fields_get's
// model_field as Odoo does), on every protocol. The partner rule's domain decides which partners a
// message may be attached to; res_id written alone is refused, the record's current model unknown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executeKw, json2, jsonrpc, RpcCallError } from '../standin/client.js';
import { startHarness } from '../support/proxy-harness.js';

test('a message attached by model and res_id is checked against the rules on that model, on every protocol; res_id alone is refused', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const customer = h.standin.orm.create('res.partner', { name: 'Customer', customer_rank: 1 }) as number;
  const other = h.standin.orm.create('res.partner', { name: 'Not a customer', customer_rank: 0 }) as number;
  const { token } = await h.addKey({
    name: 'notes',
    rules: [
      { model: 'mail.message', methods: ['create', 'write'], fields: ['body', 'model', 'res_id'] },
      { model: 'res.partner', methods: ['read'], domain: [['customer_rank', '>', 0]] },
    ],
  });
  const refused = async (what: string, call: () => Promise<unknown>, reason: RegExp): Promise<void> => {
    const err = await call().then((v) => assert.fail(`${what} was allowed: ${JSON.stringify(v)}`), (e: unknown) => e);
    assert.ok(err instanceof RpcCallError, `${what}: ${String(err)}`);
    assert.match(err.message, reason, what);
  };
  const count = (): number => h.standin.orm.search('mail.message', [['model', '=', 'res.partner'], ['res_id', '=', other]]).length;
  const before = count();
  const outside = { body: 'x', model: 'res.partner', res_id: other };
  const links = /res_id'\] \(of the model in 'model'\) links res\.partner records outside the domain/;
  await refused('xmlrpc', () => executeKw(h.url, h.db, h.uid, token, 'mail.message', 'create', [outside]), links);
  await refused('jsonrpc', () => jsonrpc(h.url, 'object', 'execute_kw', [h.db, h.uid, token, 'mail.message', 'create', [outside]]), links);
  await refused('json2', () => json2(h.url, token, 'mail.message', 'create', { vals_list: [outside] }, h.db), links);
  assert.equal(count(), before, 'a message was attached to a partner outside the domain');

  const id = (await executeKw(h.url, h.db, h.uid, token, 'mail.message', 'create', [{ body: 'x', model: 'res.partner', res_id: customer }])) as number;
  assert.equal(typeof id, 'number');
  const sent = { res_id: other };
  await refused('write res_id alone', () => executeKw(h.url, h.db, h.uid, token, 'mail.message', 'write', [[id], sent]), /without 'model'.*send 'model' and 'res_id' together/);
  await refused('write model alone', () => executeKw(h.url, h.db, h.uid, token, 'mail.message', 'write', [[id], { model: 'crm.lead' }]), /changes the model of the record mail\.message\.res_id links without 'res_id'/);
  const [row] = h.standin.orm.read('mail.message', id, ['model', 'res_id']);
  assert.deepEqual([row!.model, row!.res_id], ['res.partner', customer], 'the message was re-pointed');
  assert.equal(await executeKw(h.url, h.db, h.uid, token, 'mail.message', 'write', [[id], { model: 'res.partner', res_id: customer, body: 'y' }]), true);
});
