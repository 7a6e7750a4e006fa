// What the journal records for learning keys (and only for them): the fields read, searched,
// ordered and grouped on, constant domain leaves, context keys and x2many commands, whatever the
// call shape; never other values.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';
import { encodeMethodCall } from '../../src/rpc/xmlrpc.js';
import { callFacts } from '../../src/proxy/facts.js';
import type { OdooCall } from '../../src/rpc/call.js';
import type { JournalEntry } from '../../src/audit/types.js';

const call = (model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}, entry: OdooCall['entry'] = 'execute_kw'): OdooCall =>
  ({ protocol: 'xmlrpc', entry, db: 'odoo', uid: 8, credential: 'odk_x', model, method, args, kwargs }) as OdooCall;

test('callFacts: learning facts only when asked, for every call shape', () => {
  const sr = call('res.partner', 'search_read', [[['is_company', '=', true], ['email', 'ilike', 'Jane.Doe@example.com']]], { fields: ['name', 'email'], order: 'name desc, id', context: { lang: 'en_US', tracking_disable: true } });
  assert.deepEqual(callFacts(sr, 19), {}, 'nothing beyond ids and written fields for ordinary keys');
  assert.deepEqual(callFacts(sr, 19, { learning: true }), {
    read_fields: ['email', 'name'],
    search_fields: ['email', 'id', 'is_company', 'name'],
    domain_leaves: [['is_company', '=', true]],
    context_keys: ['tracking_disable'],
    // text compared with a field: a name search if email were a relation (suggest reads the schema)
    any_field: ['email'],
  });
  // the same call positionally over execute (n8n), and as JSON-2
  const ex = call('res.partner', 'search_read', [[['is_company', '=', true]], [], 0, 5], {}, 'execute');
  assert.deepEqual(callFacts(ex, 19, { learning: true }), { read_fields: ['*'], search_fields: ['is_company'], domain_leaves: [['is_company', '=', true]] });
  const j2 = { protocol: 'json2', entry: 'json2', db: null, uid: null, credential: 'odk_x', model: 'res.partner', method: 'search_read', args: [], kwargs: { domain: [['is_company', '=', true]], fields: ['name'] } } as unknown as OdooCall;
  assert.deepEqual(callFacts(j2, 19, { learning: true }), { read_fields: ['name'], search_fields: ['is_company'], domain_leaves: [['is_company', '=', true]] });
});

test('callFacts: only simple constants of leaves ANDed at the top are kept', () => {
  const facts = (domain: unknown[]) => callFacts(call('crm.lead', 'search', [domain]), 19, { learning: true }).domain_leaves;
  assert.deepEqual(facts([['type', '=', 'opportunity'], ['probability', '>', 10], ['active', '=', false], ['stage_id', 'in', [1, 2]]]), [
    ['type', '=', 'opportunity'], ['probability', '>', 10], ['active', '=', false], ['stage_id', 'in', [1, 2]],
  ]);
  // names, e-mail addresses, dates, free text: never recorded
  assert.equal(facts([['name', 'ilike', 'Acme Corp'], ['email_from', '=', 'jane@example.com'], ['date_deadline', '<', '2026-01-01'], ['x', '=', 'UPPER']]), undefined);
  // under | or !: not a constraint on every record
  assert.deepEqual(facts(['|', ['type', '=', 'lead'], ['type', '=', 'opportunity'], ['active', '=', true]]), [['active', '=', true]]);
  assert.deepEqual(facts(['!', ['type', '=', 'lead'], '&', ['a', '=', 1], ['b', '=', 2]]), [['a', '=', 1], ['b', '=', 2]]);
  // sub-domains: their paths are recorded, prefixed; their values are not leaves of this model
  const any = callFacts(call('crm.lead', 'search', [[['partner_id', 'any', [['is_company', '=', true]]]]]), 19, { learning: true });
  assert.deepEqual(any.search_fields, ['partner_id', 'partner_id.is_company']);
  assert.equal(any.domain_leaves, undefined);
});

test('callFacts: reads, groups, names, writes and commands', () => {
  const L = { learning: true };
  assert.deepEqual(callFacts(call('crm.lead', 'read', [[1, 2]]), 19, L), { ids: [1, 2], read_fields: ['*'] });
  assert.deepEqual(callFacts(call('crm.lead', 'web_read', [[1]], { specification: { name: {}, partner_id: { fields: { email: {} } } } }), 19, L), { ids: [1], read_fields: ['name', 'partner_id', 'partner_id.email'] });
  assert.deepEqual(callFacts(call('crm.lead', 'read_group', [[['type', '=', 'opportunity']], ['expected_revenue:sum'], ['stage_id']], { orderby: 'stage_id' }), 18, L), {
    read_fields: ['stage_id'],
    search_fields: ['expected_revenue', 'stage_id', 'type'],
    domain_leaves: [['type', '=', 'opportunity']],
    any_field: ['type'],
  });
  assert.deepEqual(callFacts(call('res.partner', 'name_search', ['Azure']), 19, L), { read_fields: ['*', 'display_name'] });
  // An empty name with '=' (or '!=', '=like'...) searches the fields the model picks too: the
  // suggested rule must let it, as the engine asks (no field list).
  assert.deepEqual(callFacts(call('res.partner', 'name_search', [''], { operator: '=' }), 19, L), { read_fields: ['*', 'display_name'] });
  assert.deepEqual(callFacts(call('res.partner', 'name_search', [''], { operator: 'ilike' }), 19, L), { read_fields: ['display_name'] });
  assert.deepEqual(callFacts(call('crm.lead', 'fields_get', [], { attributes: ['type'] }), 19, L), {});
  assert.deepEqual(callFacts(call('crm.lead', 'fields_get', [['name', 'stage_id']]), 19, L), { read_fields: ['name', 'stage_id'] });
  assert.deepEqual(callFacts(call('crm.lead', 'create', [[{ name: 'L', tag_ids: [[0, 0, { name: 'new', color: 2 }], [4, 3]] }]], { context: { default_type: 'lead' } }), 19, L), {
    fields: ['name', 'tag_ids'],
    context_keys: ['default_type'],
    x2many: [{ field: 'tag_ids', ops: [0, 4], fields: ['color', 'name'] }],
  });
  assert.deepEqual(callFacts(call('crm.lead', 'load', [['name', 'tag_ids/id', 'partner_id/.id'], [['a', 'x', '3']]]), 19), { fields: ['name', 'partner_id', 'tag_ids'] });
  assert.deepEqual(callFacts(call('crm.lead', 'export_data', [[5], ['name', 'partner_id/name', 'tag_ids/id']]), 19, L), { ids: [5], read_fields: ['name', 'partner_id.name', 'tag_ids.id'] });
});

test('callFacts: what reaches other models (name searches, nested specifications and commands, load columns)', () => {
  const L = { learning: true };
  const search = (domain: unknown[]) => callFacts(call('crm.lead', 'search', [domain]), 19, L);
  assert.deepEqual(search([['stage_id', 'ilike', 'won'], ['partner_id.display_name', 'ilike', 'x'], ['id', 'child_of', 3], ['partner_id', 'any', [['parent_id', 'child_of', 1]]], ['company_id', '=', 1]]).any_field, ['id', 'partner_id', 'partner_id.parent_id', 'stage_id']);
  assert.equal(search([['stage_id', '=', 2], ['stage_id', 'in', [1, 2]]]).any_field, undefined, 'ids compared with a relation are no name search');
  const spec = callFacts(call('crm.lead', 'web_search_read', [[]], { specification: { tag_ids: { fields: { name: {} }, order: 'color desc', context: { active_test: false } } } }), 19, L);
  assert.deepEqual(spec, { read_fields: ['tag_ids', 'tag_ids.name'], search_fields: ['tag_ids.color'], context_keys: ['active_test'] });
  const nested = callFacts(call('res.partner', 'create', [[{ name: 'P', child_ids: [[0, 0, { name: 'C', category_id: [[0, 0, { name: 'VIP' }]] }], 9] }]]), 19, L);
  assert.deepEqual(nested.x2many, [{ field: 'child_ids', ops: [0, 6], fields: ['category_id', 'name'] }, { field: 'child_ids.category_id', ops: [0], fields: ['name'] }]);
  const load = callFacts(call('sale.order', 'load', [['partner_id', 'order_line/product_id', 'order_line/product_uom_qty', 'tag_ids/id'], [['Azure', 'Desk', '1', 'x']]]), 19, L);
  assert.deepEqual(load.any_field, ['order_line.product_id', 'order_line.product_uom_qty', 'partner_id']);
  assert.deepEqual(load.x2many, [{ field: 'order_line', ops: [0], fields: ['product_id', 'product_uom_qty'] }]);
  const bar = callFacts(call('crm.lead', 'read_progress_bar', [[], 'stage_id', { field: 'activity_state', colors: {}, sum_field: 'expected_revenue' }]), 19, L);
  assert.deepEqual(bar.search_fields, ['activity_state', 'expected_revenue', 'stage_id']);
  const having = callFacts(call('crm.lead', 'formatted_read_group', [[], ['partner_id.country_id']], { aggregates: ['__count'], having: [['probability:avg', '>', 1]] }), 19, L);
  assert.deepEqual(having.search_fields, ['partner_id.country_id', 'probability']);
  assert.deepEqual(having.read_fields, ['partner_id.country_id'], 'a group shows what it groups on');
});

test('callFacts: the fields records created leave unset (what tells an _inherits parent named from one created)', () => {
  const L = { learning: true };
  const create = (vals: unknown) => callFacts(call('product.product', 'create', [vals]), 19, L);
  assert.deepEqual(create([{ name: 'A', product_tmpl_id: 1 }]), { fields: ['name', 'product_tmpl_id'] });
  // one record without the link, one with it false: unset in both, set in neither
  assert.deepEqual(create([{ name: 'A' }, { name: 'B', product_tmpl_id: false }]), { fields: ['name', 'product_tmpl_id'], unset_fields: ['product_tmpl_id'], empty_fields: ['product_tmpl_id'] });
  assert.deepEqual(create([{ name: 'A', product_tmpl_id: 3 }, { name: '', product_tmpl_id: 0 }]), { fields: ['name', 'product_tmpl_id'], unset_fields: ['name', 'product_tmpl_id'] });
  assert.deepEqual(create({ name: 'A', product_tmpl_id: null }), { fields: ['name', 'product_tmpl_id'], unset_fields: ['product_tmpl_id'], empty_fields: ['product_tmpl_id'] });
  assert.equal(callFacts(call('product.product', 'create', [[{ name: 'A' }, {}]]), 19).unset_fields, undefined, 'learning keys only');
  // load: cells naming nothing as decide reads them ('0', 'false', 'no', a bare external id)
  const load = (fields: string[], data: string[][]) => {
    const f = callFacts(call('product.product', 'load', [fields, data]), 19, L);
    return { fields: f.fields, ...(f.unset_fields ? { unset_fields: f.unset_fields } : {}), ...(f.empty_fields ? { empty_fields: f.empty_fields } : {}) };
  };
  assert.deepEqual(load(['name', 'product_tmpl_id/.id'], [['A', '3'], ['B', '0']]), { fields: ['name', 'product_tmpl_id'], unset_fields: ['product_tmpl_id'] });
  assert.deepEqual(load(['name', 'product_tmpl_id/id'], [['B', ''], ['C', 'FALSE'], ['D', '0']]), { fields: ['name', 'product_tmpl_id'], unset_fields: ['product_tmpl_id'], empty_fields: ['product_tmpl_id'] });
  // a bare external id may be a language's "no" or name `__import__.nein`: unset, yet maybe set
  assert.deepEqual(load(['name', 'product_tmpl_id/id'], [['A', 'nein'], ['B', '']]), { fields: ['name', 'product_tmpl_id'], unset_fields: ['product_tmpl_id'] });
  // a reference under import_set_empty_fields may match nothing and be left empty
  const importing = callFacts(call('product.product', 'load', [['name', 'product_tmpl_id/.id'], [['A', '3']]], { context: { import_file: true, import_set_empty_fields: ['product_tmpl_id'] } }), 19, L);
  assert.deepEqual(importing.unset_fields, ['product_tmpl_id']);
  assert.equal(importing.empty_fields, undefined);
  assert.deepEqual(load(['name', 'product_tmpl_id/id'], [['A', 'product.tmpl_1']]), { fields: ['name', 'product_tmpl_id'] });
  assert.deepEqual(load(['.id', 'name'], [['4', 'A'], ['', 'B']]), { fields: ['.id', 'name'], unset_fields: ['.id'] });
  // web_save creates only without ids; writes say nothing
  assert.deepEqual(callFacts(call('product.product', 'web_save', [[], { name: 'A', product_tmpl_id: false }, {}]), 19, L).unset_fields, ['product_tmpl_id']);
  assert.equal(callFacts(call('product.product', 'web_save', [[4], { name: 'A', product_tmpl_id: false }, {}]), 19, L).unset_fields, undefined);
  assert.equal(callFacts(call('product.product', 'write', [[4], { product_tmpl_id: false }]), 19, L).unset_fields, undefined);
});

describe('the journal of a learning key, through the proxy', () => {
  let h: Harness;
  let learning: { token: string; id: string };
  let plain: { token: string; id: string };
  before(async () => {
    h = await startHarness({ version: 19 });
    learning = await h.addKey({ name: 'learner', rules: [], learning: true, expires: new Date(Date.now() + 3_600_000).toISOString() });
    plain = await h.addKey({ name: 'plain', rules: [{ model: 'res.partner', methods: ['read'] }] });
  });
  after(() => h?.close());

  test('learning calls carry what suggest needs; the same call with a scoped key does not', async () => {
    const body = (token: string) => encodeMethodCall('execute_kw', [h.db, h.uid, token, 'res.partner', 'search_read', [[['is_company', '=', true], ['email', 'ilike', 'example.com']]], { fields: ['name', 'phone'], limit: 3 }]);
    for (const t of [learning.token, plain.token]) assert.equal((await post(`${h.url}/xmlrpc/2/object`, body(t))).status, 200);
    const denied = await post(`${h.url}/xmlrpc/2/object`, encodeMethodCall('execute_kw', [h.db, h.uid, learning.token, 'res.users', 'search_read', [[]], { fields: ['login'] }]));
    assert.match(denied.text, /sensitive model, which learning keys never reach/);
    const j = await h.journal();
    const mine = j.filter((e) => e.key === learning.id) as JournalEntry[];
    assert.equal(mine.length, 2);
    assert.equal(mine[0]!.learning, true);
    assert.deepEqual(mine[0]!.read_fields, ['name', 'phone']);
    assert.deepEqual(mine[0]!.search_fields, ['email', 'is_company']);
    assert.deepEqual(mine[0]!.domain_leaves, [['is_company', '=', true]]);
    assert.equal(mine[1]!.decision, 'deny');
    const theirs = j.find((e) => e.key === plain.id)!;
    for (const k of ['read_fields', 'search_fields', 'domain_leaves', 'context_keys', 'x2many']) assert.equal(k in theirs, false, k);
    assert.doesNotMatch(JSON.stringify(j), /example\.com/, 'a domain value that is not a simple code never reaches the journal');
  });
});
