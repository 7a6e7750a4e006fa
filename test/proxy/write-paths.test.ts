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
import { rewritingUpstream } from '../support/rewriting-upstream.js';
import { PYTHON_XMLRPC_PRELUDE, pythonCommand, runPython } from '../support/python.js';

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

// A key limited to some tags (res.partner.category named 'Web...') writing partners' category_id:
// Odoo's many2many commands 3, 5 and 6 (and a bare id list, and False) remove links, 5 and 6 every
// current one (Many2many.write_real), so the key could drop the VIP tag it cannot even read. The
// removed links must lie inside the comodel rule's domain, as linked ones must: command 3's id is
// counted upstream, the current links of the records 5 and 6 rewrite are read upstream first.
const PYTHON_UNLINK = PYTHON_XMLRPC_PRELUDE + String.raw`
ids = json.loads(os.environ['IDS'])
p, child, web_only, vip, web1, web2 = ids['p'], ids['child'], ids['web_only'], ids['vip'], ids['web1'], ids['web2']
def attempt(name, rid, vals):
    try:
        out[name] = ['allowed', models.execute_kw(db, uid, key, 'res.partner', 'write', [[rid], vals])]
    except xmlrpc.client.Fault as f:
        out[name] = ['refused', f.faultString]
attempt('command 3 on VIP', p, {'category_id': [(3, vip)]})
attempt('command 5', p, {'category_id': [(5,)]})
attempt('command 6', p, {'category_id': [(6, 0, [web1, web2])]})
attempt('bare ids', p, {'category_id': [web1, web2]})
attempt('False', p, {'category_id': False})
attempt('nested in command 1', p, {'child_ids': [(1, child, {'category_id': [(6, 0, [web1])]})]})
attempt('nested command 0 with 5', p, {'child_ids': [(0, 0, {'name': 'new child', 'category_id': [(5,), (4, web1)]})]})
attempt('command 3 on Web 1', p, {'category_id': [(3, web1)]})
attempt('command 4 on Web 1', p, {'category_id': [(4, web1)]})
attempt('command 6 on Web links only', web_only, {'category_id': [(6, 0, [web2])]})
print(json.dumps(out))
`;

test('many2many commands 3, 5, 6, a bare id list and False remove only links to records inside the comodel rule domain, through Python xmlrpc.client, JSON-RPC and JSON-2', async (t) => {
  const python = pythonCommand();
  if (!python) return t.skip('no python');
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const orm = h.standin.orm;
  const cat = (name: string, active = true) => orm.create('res.partner.category', { name, active }, { sudo: true }) as number;
  const vip = cat('VIP');
  const oldVip = cat('Old VIP');
  orm.write('res.partner.category', [oldVip], { active: false }, { sudo: true });
  const web1 = cat('Web Shop');
  const web2 = cat('Web Lead');
  const p = orm.create('res.partner', { name: 'Tagged', category_id: [[6, 0, [vip, web1]]] }, { sudo: true }) as number;
  const child = orm.create('res.partner', { name: 'Child', parent_id: p, category_id: [[6, 0, [vip]]] }, { sudo: true }) as number;
  const webOnly = orm.create('res.partner', { name: 'Linked to Web tags only', category_id: [[6, 0, [web1]]] }, { sudo: true }) as number;
  const archivedOnly = orm.create('res.partner', { name: 'Archived tag', category_id: [[6, 0, [oldVip]]] }, { sudo: true }) as number;
  const tags = (id: number): number[] => [...((orm.get('res.partner', id)!.category_id as number[]) ?? [])].sort((a, b) => a - b);
  const { token } = await h.addKey({
    name: 'web-tagger',
    rules: [
      { model: 'res.partner', methods: ['write', 'create'], fields: ['name', 'category_id', 'child_ids'] },
      { model: 'res.partner.category', methods: ['read'], domain: [['name', '=like', 'Web%']] },
    ],
  });
  const r = await runPython(python, PYTHON_UNLINK, { ODOO_URL: h.url, ODOO_DB: h.db, ODOO_USER: 'anything', ODOO_PASSWORD: token, IDS: JSON.stringify({ p, child, web_only: webOnly, vip, web1, web2 }) });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, [string, unknown]>;
  const outside = /removes links to res\.partner\.category records outside the domain of rule 1 \(res\.partner\.category: read\)/;
  for (const name of ['command 3 on VIP', 'command 5', 'command 6', 'bare ids', 'False', 'nested in command 1']) {
    assert.equal(out[name]![0], 'refused', `${name}: ${JSON.stringify(out[name])}`);
    assert.match(String(out[name]![1]), outside, name);
  }
  // Links the key reaches: removed and added as before; a line created with command 0 has no links to lose.
  for (const name of ['nested command 0 with 5', 'command 3 on Web 1', 'command 4 on Web 1', 'command 6 on Web links only']) assert.deepEqual(out[name], ['allowed', true], name);
  assert.deepEqual(tags(p), [vip, web1].sort((a, b) => a - b), 'the refused writes left the VIP tag (and Web 1, removed and added back)');
  assert.deepEqual(tags(child), [vip], 'the child keeps its VIP tag');
  assert.deepEqual(tags(webOnly), [web2], 'command 6 on a record linked only to Web tags went through');

  // JSON-RPC and JSON-2 (the proxy reads the links in the call's protocol); an archived tag counts.
  const refused = async (what: string, call: () => Promise<unknown>): Promise<void> => {
    const err = await call().then((v) => assert.fail(`${what} was allowed: ${JSON.stringify(v)}`), (e: unknown) => e);
    assert.ok(err instanceof RpcCallError, `${what}: ${String(err)}`);
    assert.match(err.message, outside, what);
  };
  await refused('jsonrpc command 5', () => jsonrpc(h.url, 'object', 'execute_kw', [h.db, h.uid, token, 'res.partner', 'write', [[p], { category_id: [[5]] }]]));
  await refused('json2 command 6', () => json2(h.url, token, 'res.partner', 'write', { ids: [p], vals: { category_id: [[6, 0, [web2]]] } }, h.db));
  await refused('json2 an archived tag', () => json2(h.url, token, 'res.partner', 'write', { ids: [archivedOnly], vals: { category_id: [[5]] } }, h.db));
  assert.deepEqual(tags(p), [vip, web1].sort((a, b) => a - b));
  assert.deepEqual(tags(archivedOnly), [oldVip]);
  const journal = (await h.journal()).filter((e) => e.method === 'write' && e.decision === 'deny');
  assert.equal(journal.length, 9, `each refusal is journaled: ${JSON.stringify(journal)}`);

  // A key whose rule on the comodel has no domain: every command works exactly as before.
  const { token: free } = await h.addKey({ name: 'any-tagger', rules: [{ model: 'res.partner', methods: ['write'], fields: ['category_id'] }, { model: 'res.partner.category', methods: ['read'] }] });
  assert.equal(await json2(h.url, free, 'res.partner', 'write', { ids: [p], vals: { category_id: [[6, 0, [web2]]] } }, h.db), true);
  assert.deepEqual(tags(p), [web2]);
});

// The read of the current links (links_in_domain) must fail closed whatever Odoo answers: a
// version or protocol answering many2many values as [id, name] pairs, a row without the field, a
// non-list, an error. An upstream in front of the stand-in rewrites the answer to the proxy's own
// read of res.partner (JSON-2 upstream: POST /json/2/res.partner/read); the write must not go through.
test('the read of the links a many2many write removes fails closed on answers that are not lists of ids (pairs, a missing field, a non-list, an error)', async (t) => {
  let rewrite: ((text: string) => { status: number; text: string }) | null = null;
  const reads: string[] = [];
  const h = await startHarness({
    version: 19,
    upstream: rewritingUpstream((url, body) => {
      if (url !== '/json/2/res.partner/read') return undefined;
      reads.push(body);
      return rewrite ? (a) => rewrite!(a.text) : undefined;
    }),
  });
  t.after(() => h.close());
  const orm = h.standin.orm;
  const vip = orm.create('res.partner.category', { name: 'VIP' }, { sudo: true }) as number;
  const web = orm.create('res.partner.category', { name: 'Web Shop' }, { sudo: true }) as number;
  const p = orm.create('res.partner', { name: 'Tagged', category_id: [[6, 0, [vip, web]]] }, { sudo: true }) as number;
  const { token } = await h.addKey({
    name: 'web-tagger',
    rules: [
      { model: 'res.partner', methods: ['write'], fields: ['category_id'] },
      { model: 'res.partner.category', methods: ['read'], domain: [['name', '=like', 'Web%']] },
    ],
  });
  const rows = (text: string) => JSON.parse(text) as Record<string, unknown>[];
  const answers: [string, (text: string) => { status: number; text: string }, RegExp][] = [
    ['[id, name] pairs', (text) => ({ status: 200, text: JSON.stringify(rows(text).map((r) => ({ ...r, category_id: (r.category_id as number[]).map((id) => [id, `tag ${id}`]) }))) }), /did not answer a list of ids/],
    ['a row without the field', (text) => ({ status: 200, text: JSON.stringify(rows(text).map((r) => ({ id: r.id }))) }), /did not answer a list of ids/],
    ['False for the field', (text) => ({ status: 200, text: JSON.stringify(rows(text).map((r) => ({ ...r, category_id: false }))) }), /did not answer a list of ids/],
    ['a dictionary instead of rows', (text) => ({ status: 200, text: JSON.stringify({ [String(p)]: rows(text)[0] }) }), /did not answer a list/],
    ['an error', () => ({ status: 403, text: JSON.stringify({ name: 'odoo.exceptions.AccessError', message: 'no access', arguments: ['no access'], context: {}, debug: '' }) }), /the scope check needed Odoo and could not get it: .*AccessError/],
  ];
  for (const [what, answer, reason] of answers) {
    rewrite = answer;
    const err = await json2(h.url, token, 'res.partner', 'write', { ids: [p], vals: { category_id: [[6, 0, [web]]] } }, h.db).then((v) => assert.fail(`${what}: allowed: ${JSON.stringify(v)}`), (e: unknown) => e);
    assert.ok(err instanceof RpcCallError, `${what}: ${String(err)}`);
    assert.match(err.message, reason, what);
    assert.deepEqual([...(orm.get('res.partner', p)!.category_id as number[])].sort((a, b) => a - b), [vip, web].sort((a, b) => a - b), `${what}: the VIP tag is still there`);
  }
  // The read asked for the field alone, archived links included, without the client's other context keys.
  assert.equal(reads.length, answers.length);
  const sent = JSON.parse(reads[0]!) as { ids: number[]; fields: string[]; context: Record<string, unknown> };
  assert.deepEqual([sent.ids, sent.fields, sent.context], [[p], ['category_id'], { active_test: false }]);
  // Odoo's own answer: the VIP link is outside the domain, refused as such.
  rewrite = null;
  await assert.rejects(json2(h.url, token, 'res.partner', 'write', { ids: [p], vals: { category_id: [[6, 0, [web]]] } }, h.db), /removes links to res\.partner\.category records outside the domain/);
});
