// Ways to read past a key's field list or domain that the engine closes, tried through the proxy
// on real sockets against the stand-in.
//
// A name search is not only text compared with a relation or display_name. Odoo searches
// display_name through the fields the model picks (res.partner: email, vat, ref...) whatever the
// value (a number is converted for them, False compares their emptiness), 18/19 turn a like pattern
// that is not a string into one (`partner_id ilike 4711` is a name search for '4711'), and
// name_search('', operator='=') is `display_name = ''`. Each needs the rule a name search needs.
//
// get_metadata is read(['create_uid', 'create_date', 'write_uid', 'write_date']): those fields must
// be allowed, and the names of the users (res.users, a sensitive model) are hidden as in a read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executeKw, json2, jsonrpc, RpcCallError } from '../standin/client.js';
import { startHarness } from '../support/proxy-harness.js';

test('a name search spelt without text (a number, False, an empty name with =) is refused on every protocol and never reaches Odoo', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  // A partner the key may not reach (customer_rank 0, outside the partner rule's domain), whose
  // name holds what the attacker is after, on a lead the key may read.
  const secret = h.standin.orm.create('res.partner', { name: 'Hidden 4711', customer_rank: 0 }) as number;
  const lead = h.standin.orm.create('crm.lead', { name: 'Lead of a hidden partner', partner_id: secret }) as number;
  const { token } = await h.addKey({
    name: 'reader',
    rules: [
      { model: 'crm.lead', methods: ['read'], fields: ['name', 'partner_id', 'display_name'] },
      { model: 'res.partner', methods: ['read'], fields: ['name', 'display_name'], domain: [['customer_rank', '>', 0]] },
    ],
  });
  const before = h.standin.received.at(-1)?.seq ?? 0;
  const refused = async (what: string, call: () => Promise<unknown>, reason: RegExp): Promise<void> => {
    const err = await call().then((v) => assert.fail(`${what} was allowed: ${JSON.stringify(v)}`), (e: unknown) => e);
    assert.ok(err instanceof RpcCallError, `${what}: ${String(err)}`);
    assert.match(err.message, reason, what);
  };
  // XML-RPC: which leads' partners have '4711' in their name (a partner outside the rule's domain).
  await refused('xmlrpc partner_id ilike 4711', () => executeKw(h.url, h.db, h.uid, token, 'crm.lead', 'search_read', [[['partner_id', 'ilike', 4711]]], { fields: ['name'] }), /name search on res.partner/);
  // JSON-RPC: which partners have email, vat and ref all set.
  await refused('jsonrpc display_name != False', () => jsonrpc(h.url, 'object', 'execute_kw', [h.db, h.uid, token, 'res.partner', 'search_count', [[['display_name', '!=', false]]]]), /display name search/);
  // JSON-2 (Odoo 19's body): the same through name_search with an empty name and '='.
  await refused('json2 name_search "" =', () => json2(h.url, token, 'res.partner', 'name_search', { name: '', operator: '=', domain: [] }, h.db), /name_search with '' and operator '='/);

  const forwarded = h.standin.received.filter((c) => c.seq > before && (c.body.includes('4711') || c.body.includes('display_name') || c.path.endsWith('/name_search')));
  assert.deepEqual(forwarded.map((c) => `${c.path} ${c.body}`), [], 'a name search outside the scope reached Odoo');
  const journal = (await h.journal()).filter((e) => e.decision === 'deny');
  assert.equal(journal.length, 3, 'each refusal is journaled');

  // What the scope does allow still goes through: the lead by id, a name_search that names nothing.
  const read = await executeKw(h.url, h.db, h.uid, token, 'crm.lead', 'search_read', [[['id', '=', lead]]], { fields: ['name'] });
  assert.deepEqual(read, [{ id: lead, name: 'Lead of a hidden partner' }]);
  const all = await json2(h.url, token, 'res.partner', 'name_search', { name: '', domain: [['id', '=', secret]] }, h.db);
  assert.deepEqual(all, [], "the rule's domain still hides the partner");
});

test("get_metadata reads who created and last wrote the records: those fields must be allowed, and the users' names are hidden", async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const lead = h.standin.orm.create('crm.lead', { name: 'Metadata lead' }) as number;
  const narrow = await h.addKey({ name: 'narrow', rules: [{ model: 'crm.lead', methods: ['read', 'get_metadata'], fields: ['name'] }] });
  const before = h.standin.received.at(-1)?.seq ?? 0;
  const err = await executeKw(h.url, h.db, h.uid, narrow.token, 'crm.lead', 'get_metadata', [[lead]]).then((v) => assert.fail(`allowed: ${JSON.stringify(v)}`), (e: unknown) => e);
  assert.ok(err instanceof RpcCallError, String(err));
  assert.match(err.message, /field 'create_uid' is not in rule 0/);
  assert.deepEqual(h.standin.received.filter((c) => c.seq > before && c.body.includes('get_metadata')).map((c) => c.body), [], 'get_metadata reached Odoo');
  // With the fields allowed, the dates come back and the names of res.users (a sensitive model no
  // rule names) are hidden, as in any read.
  const wide = await h.addKey({ name: 'wide', rules: [{ model: 'crm.lead', methods: ['get_metadata'], fields: ['name', 'create_uid', 'create_date', 'write_uid', 'write_date'] }] });
  const [meta] = (await json2(h.url, wide.token, 'crm.lead', 'get_metadata', { ids: [lead] }, h.db)) as Record<string, unknown>[];
  assert.equal(typeof (meta!.create_uid as unknown[])[0], 'number');
  assert.equal(typeof (meta!.write_uid as unknown[])[0], 'number');
  assert.match(String((meta!.create_uid as unknown[])[1]), /hidden/);
  assert.match(String((meta!.write_uid as unknown[])[1]), /hidden/);
  assert.equal(typeof meta!.create_date, 'string');
});

test("a name search through a relation to the call's own model does not reach past the rule's domain", async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  // The parent lies outside the rule's domain (customer_rank 0): a read hides its name.
  const hidden = h.standin.orm.create('res.partner', { name: 'Hidden Holding 4711', customer_rank: 0, is_company: true }) as number;
  const kid = h.standin.orm.create('res.partner', { name: 'Visible Kid', customer_rank: 1, parent_id: hidden }) as number;
  const { token } = await h.addKey({ name: 'customers', rules: [{ model: 'res.partner', methods: ['read'], domain: [['customer_rank', '>', 0]] }] });
  const [row] = (await executeKw(h.url, h.db, h.uid, token, 'res.partner', 'read', [[kid]], { fields: ['parent_id'] })) as Record<string, unknown>[];
  assert.match(String((row!.parent_id as unknown[])[1]), /hidden/, "the parent's name is hidden in a read");
  const before = h.standin.received.at(-1)?.seq ?? 0;
  const err = await executeKw(h.url, h.db, h.uid, token, 'res.partner', 'search_read', [[['parent_id', 'ilike', '4711']]], { fields: ['name'] }).then((v) => assert.fail(`allowed: ${JSON.stringify(v)}`), (e: unknown) => e);
  assert.ok(err instanceof RpcCallError, String(err));
  assert.match(err.message, /name search on res.partner\) reads res.partner records that rule 0 \(res.partner: read\) limits to a domain/);
  assert.deepEqual(h.standin.received.filter((c) => c.seq > before && c.body.includes('4711')).map((c) => c.body), [], 'the search reached Odoo');
});
