// Records of _inherits models (product.product, res.users) created as Odoo's BaseModel.create does:
// without the link the inherited values create the parent (create on it, its domain judged on
// them), with the link they write the record it names (write, that id checked), in every call
// that creates them: create, web_save, command 0 lines, load; and the links it could mistake for
// one (sale.order.line's order_id, res.config.settings' company_id, a few mirrored fields) judged
// as before.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { delegateLinks } from '../../src/policy/inherits.js';
import { decide } from '../../src/policy/decide.js';
import { suggestScope, type LearnedCall } from '../../src/policy/suggest.js';
import type { ModelSchema, Rule } from '../../src/policy/types.js';
import type { RpcStruct, RpcValue } from '../../src/rpc/values.js';
import { SCHEMAS, env, key, runCases, shapes, type CallSpec } from './support.js';
import { standinSchemas } from '../learn/support.js';

const variants: Rule = { model: 'product.product', methods: ['create'] };
const templates: Rule = { model: 'product.template', methods: ['create'] };
const templatesIn3: Rule = { model: 'product.template', methods: ['create'], domain: [['categ_id', '=', 3]] };
const templateWrites: Rule = { model: 'product.template', methods: ['write'] };
const templateWritesIn3: Rule = { model: 'product.template', methods: ['write'], domain: [['categ_id', '=', 3]] };
const create = (vals: RpcValue, model = 'product.product', context?: RpcStruct): CallSpec => ({ model, method: 'create', params: [['vals_list', [vals]]], ...(context ? { context } : {}) });
const chair = { name: 'Chair', default_code: 'C1', list_price: 5 };

test('delegateLinks: product.product and res.users found from fields_get; plain many2ones and mirrors not', () => {
  const of = (m: string): ModelSchema | undefined => SCHEMAS[m];
  assert.deepEqual(delegateLinks(SCHEMAS['product.product']!, of).links.map((l) => [l.field, l.parent]), [['product_tmpl_id', 'product.template']]);
  assert.deepEqual(delegateLinks(SCHEMAS['res.users']!, of).links.map((l) => [l.field, l.parent]), [['partner_id', 'res.partner']]);
  assert.deepEqual(delegateLinks(SCHEMAS['crm.lead']!, of), { links: [], unknown: [] });
  // the parent's schema is needed to tell
  assert.deepEqual(delegateLinks(SCHEMAS['product.product']!, () => undefined).unknown.map((u) => u.parent), ['product.template']);
});

// res.users as the stand-in serves it (fields_get with SCHEMA_ATTRIBUTES, as the proxy asks): every
// res.partner field on the user, the ones res_users.py does not define related partner_id.<name>,
// name and email declared so, active, company_id and tz_offset the user's own.
for (const version of [18, 19] as const) {
  test(`delegateLinks: res.users -> res.partner from the stand-in's fields_get (${version}.0)`, () => {
    const schemaOf = standinSchemas(version);
    const { links, unknown } = delegateLinks(schemaOf('res.users')!, schemaOf);
    assert.deepEqual(unknown, []);
    assert.deepEqual(links.map((l) => [l.field, l.parent]), [['partner_id', 'res.partner']]);
    const inherited = new Set(links[0]!.inherited);
    for (const f of ['name', 'email', 'phone', 'lang', 'tz', 'parent_id', 'street', 'image_1920']) assert.ok(inherited.has(f), f);
    for (const f of ['login', 'active', 'company_id', 'company_ids', 'tz_offset', 'partner_id', 'id', 'create_uid']) assert.ok(!inherited.has(f), f);
    // and product.product -> product.template alike; res.partner and crm.lead have none
    assert.deepEqual(delegateLinks(schemaOf('product.product')!, schemaOf).links.map((l) => [l.field, l.parent]), [['product_tmpl_id', 'product.template']]);
    for (const m of ['res.partner', 'crm.lead', 'sale.order.line', 'res.company']) assert.deepEqual(delegateLinks(schemaOf(m)!, schemaOf).links, [], m);
  });
  const users: Rule = { model: 'res.users', methods: ['create'], allow_sensitive: true };
  const served = { schema: standinSchemas(version), version };
  const ann = { name: 'Ann', login: 'ann', email: 'ann@example.com' };
  test(`res.users creates judged on the stand-in's schemas (${version}.0)`, () => runCases([
    { name: 'a user created creates its partner: create on res.partner needed', key: key([users]), env: served, call: create(ann, 'res.users'), expect: { verdict: 'deny', reason: /creating res\.users also creates its res\.partner \(partner_id\) with 'email', 'name' needs create on res\.partner/ } },
    { name: '... even with no inherited value (the partner made empty)', key: key([users]), env: served, call: create({ login: 'ann' }, 'res.users'), expect: { verdict: 'deny', reason: /creating res\.users also creates its res\.partner \(partner_id\) needs create on res\.partner/ } },
    { name: '... allowed with create on res.partner', key: key([users, { model: 'res.partner', methods: ['create'] }]), env: served, call: create(ann, 'res.users'), expect: { verdict: 'allow', checks: [] } },
    { name: '... the partner rule\'s fields apply to the inherited values', key: key([users, { model: 'res.partner', methods: ['create'], fields: ['name'] }]), env: served, call: create(ann, 'res.users'), expect: { verdict: 'deny', reason: /needs create on res\.partner \('email', 'name'\)/ } },
    { name: 'the user\'s own company_id and active are not the partner\'s', key: key([users, { model: 'res.partner', methods: ['create'], fields: ['name', 'email'] }]), env: served, call: create({ ...ann, company_id: 1, active: true }, 'res.users'), expect: { verdict: 'allow' } },
    { name: 'partner_id named: the inherited values write that partner, its id checked under the write rule\'s domain', key: key([users, { model: 'res.partner', methods: ['write'], domain: [['customer_rank', '>', 0]] }]), env: served, call: create({ ...ann, partner_id: 9 }, 'res.users'), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [9] }], checkDomains: [[['customer_rank', '>', 0]]] } },
    { name: '... and need write there', key: key([users, { model: 'res.partner', methods: ['create'] }]), env: served, call: create({ ...ann, partner_id: 9 }, 'res.users'), expect: { verdict: 'deny', reason: /the inherited values write res\.partner record 9, which its partner_id names needs write on res\.partner/ } },
  ]));
}

test('create, web_save, write and res.users', () => runCases([
  { name: 'create without the link: the inherited values create a product.template, which needs create there', key: key([variants]), call: create(chair), expect: { verdict: 'deny', reason: /vals_list\[0\]: creating product\.product also creates its product\.template \(product_tmpl_id\) with 'list_price', 'name' needs create on product\.template/ } },
  { name: '... allowed by create on product.template (no write needed)', key: key([variants, templates]), call: create(chair), expect: { verdict: 'allow', checks: [] } },
  { name: '... write on product.template (what it took before) is not create', key: key([variants, templateWrites]), call: create(chair), expect: { verdict: 'deny', reason: /needs create on product\.template \('list_price', 'name'\)/ } },
  { name: '... the template rule\'s fields apply to the inherited values', key: key([variants, { ...templates, fields: ['name'] }]), call: create(chair), expect: { verdict: 'deny', reason: /needs create on product\.template \('list_price', 'name'\)/ } },
  { name: '... the variant rule still has to allow the inherited fields', key: key([{ ...variants, fields: ['default_code', 'name'] }, templates]), call: create(chair), expect: { verdict: 'deny', reason: /field 'list_price' is not in rule 0/ } },
  { name: 'the template rule\'s domain judged on the values: inside', key: key([variants, templatesIn3]), call: create({ ...chair, categ_id: 3 }), expect: { verdict: 'allow', checks: [] } },
  { name: '... outside', key: key([variants, templatesIn3]), call: create({ ...chair, categ_id: 4 }), expect: { verdict: 'deny', reason: /creating product\.product also creates its product\.template .*would lie outside|creating product\.product also creates its product\.template .*categ_id/ } },
  { name: '... left out (Odoo\'s default unknown)', key: key([variants, templatesIn3]), call: create(chair), expect: { verdict: 'deny', reason: /cannot be shown to hold for the created record/ } },
  { name: '... filled by default_categ_id (the parent\'s create takes the context\'s defaults)', key: key([variants, templatesIn3]), call: create(chair, 'product.product', { default_categ_id: 3 }), expect: { verdict: 'allow' } },
  { name: '... a default for a template field needs it in the template rule', key: key([variants, { ...templates, fields: ['list_price', 'name'] }]), call: create(chair, 'product.product', { default_sale_ok: true }), expect: { verdict: 'deny', reason: /'sale_ok'/ } },
  { name: 'a create with no inherited value still creates a template: create needed there', key: key([variants]), call: create({ default_code: 'C2' }), expect: { verdict: 'deny', reason: /creating product\.product also creates its product\.template \(product_tmpl_id\) needs create on product\.template \(no field\)/ } },
  { name: '... allowed with it', key: key([variants, templates]), call: create({ default_code: 'C2' }), expect: { verdict: 'allow' } },
  { name: '... the link given false creates one too', key: key([variants]), call: create({ default_code: 'C2', product_tmpl_id: false }), expect: { verdict: 'deny', reason: /needs create on product\.template/ } },
  { name: 'the link in the values: the inherited values write that template, its id checked against the write rule\'s domain', key: key([variants, templateWritesIn3]), call: create({ ...chair, product_tmpl_id: 7 }), expect: { verdict: 'allow', checks: [{ model: 'product.template', ids: [7] }], checkDomains: [[['categ_id', '=', 3]]] } },
  { name: '... and need write there', key: key([variants, templates]), call: create({ ...chair, product_tmpl_id: 7 }), expect: { verdict: 'deny', reason: /the inherited values write product\.template record 7, which its product_tmpl_id names needs write on product\.template \('list_price', 'name'\)/ } },
  { name: '... the write must keep the template inside the domain', key: key([variants, templateWritesIn3]), call: create({ name: 'Chair', categ_id: 4, product_tmpl_id: 7 }), expect: { verdict: 'deny', reason: /product\.template record 7/ } },
  { name: '... no inherited value: nothing written there (the link checked as any link)', key: key([variants]), call: create({ default_code: 'C3', product_tmpl_id: 7 }), expect: { verdict: 'allow', checks: [] } },
  { name: 'default_product_tmpl_id: Odoo writes every template default too, so write on every field without a domain', key: key([variants, templateWrites]), call: create(chair, 'product.product', { default_product_tmpl_id: 7 }), expect: { verdict: 'allow' } },
  { name: '... refused under a domain', key: key([variants, templateWritesIn3]), call: create(chair, 'product.product', { default_product_tmpl_id: 7 }), expect: { verdict: 'deny', reason: /context 'default_product_tmpl_id' names product\.template record 7 .*domain cannot be checked against/ } },
  { name: '... refused with a field list', key: key([variants, { ...templateWrites, fields: ['list_price', 'name'] }]), call: create(chair, 'product.product', { default_product_tmpl_id: 7 }), expect: { verdict: 'deny', reason: /needs write on product\.template \(every field\)/ } },
  { name: 'web_save without ids creates: the same', key: key([{ model: 'product.product', methods: ['web_save'] }]), call: { model: 'product.product', method: 'web_save', ids: [], params: [['vals', chair], ['specification', {}]] }, expect: { verdict: 'deny', reason: /vals: creating product\.product also creates its product\.template/ } },
  { name: '... allowed with create on product.template', key: key([{ model: 'product.product', methods: ['web_save'] }, templates]), call: { model: 'product.product', method: 'web_save', ids: [], params: [['vals', chair], ['specification', {}]] }, expect: { verdict: 'allow' } },
  { name: 'web_save on a record writes through as before', key: key([{ model: 'product.product', methods: ['web_save'] }, templates]), call: { model: 'product.product', method: 'web_save', ids: [4], params: [['vals', { list_price: 6 }], ['specification', {}]] }, expect: { verdict: 'deny', reason: /needs write on product\.template/ } },
  { name: 'write writes through as before', key: key([{ model: 'product.product', methods: ['write'] }, templateWritesIn3]), call: { model: 'product.product', method: 'write', ids: [4], params: [['vals', { list_price: 6 }]] }, expect: { verdict: 'deny', reason: /without naming them/ } },
  { name: 'res.users: a user created creates its res.partner', key: key([{ model: 'res.users', methods: ['create'], allow_sensitive: true }]), call: create({ name: 'Ann', login: 'ann', email: 'ann@example.com' }, 'res.users'), expect: { verdict: 'deny', reason: /creating res\.users also creates its res\.partner \(partner_id\) with 'email', 'name' needs create on res\.partner/ } },
  { name: '... allowed with create on res.partner', key: key([{ model: 'res.users', methods: ['create'], allow_sensitive: true }, { model: 'res.partner', methods: ['create'] }]), call: create({ name: 'Ann', login: 'ann', email: 'ann@example.com' }, 'res.users'), expect: { verdict: 'allow' } },
  { name: '... its partner\'s links judged on res.partner (a parent_id outside the partner rules\' domain)', key: key([{ model: 'res.users', methods: ['create'], allow_sensitive: true }, { model: 'res.partner', methods: ['create'], domain: [['customer_rank', '>', 0]] }, { model: 'res.partner', methods: ['read'], domain: [['is_company', '=', true]] }]), call: create({ name: 'Ann', login: 'ann', parent_id: 9, customer_rank: 1 }, 'res.users'), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [9] }] } },
  { name: 'the template\'s schema not known yet: asked for', key: key([variants, templates]), env: { schema: (m) => (m === 'product.template' ? undefined : SCHEMAS[m]) }, call: create(chair), expect: { verdict: 'need_schema', models: ['product.template'] } },
]));

// Lines: product.template's product_variant_ids (inverse product_tmpl_id, the link) write their
// owner; a one2many to product.product through another field creates templates.
const tmplWrite = (vals: RpcStruct): CallSpec => ({ model: 'product.template', method: 'write', ids: [5], params: [['vals', vals]] });
const kits: Record<string, ModelSchema> = {
  ...SCHEMAS,
  'x.kit': { name: { type: 'char' }, variant_ids: { type: 'one2many', relation: 'product.product', relation_field: 'x_kit_id' } },
  'product.product': { ...SCHEMAS['product.product']!, x_kit_id: { type: 'many2one', relation: 'x.kit' } },
};
test('command 0 lines', () => runCases([
  { name: 'command 0 lines of product_variant_ids write the template being written (its id checked)', key: key([templateWritesIn3, variants]), call: tmplWrite({ product_variant_ids: [[0, 0, { default_code: 'V1', list_price: 4 }]] }), expect: { verdict: 'allow', checks: [{ model: 'product.template', ids: [5] }] } },
  { name: '... no create on product.template needed for them', key: key([{ ...templateWrites, fields: ['product_variant_ids', 'list_price'] }, variants]), call: tmplWrite({ product_variant_ids: [[0, 0, { default_code: 'V1', list_price: 4 }]] }), expect: { verdict: 'allow' } },
  { name: '... on a template being created: written without an id, refused under a domain as before', key: key([templates, variants, templateWritesIn3]), call: create({ name: 'T', product_variant_ids: [[0, 0, { default_code: 'V1', list_price: 4 }]] }, 'product.template'), expect: { verdict: 'deny', reason: /the inherited values write the product\.template record the line's product_tmpl_id names \(the record being created\) would write product\.template records without naming them/ } },
  { name: 'command 0 lines through another one2many create their templates', key: key([{ model: 'x.kit', methods: ['create'] }, variants]), env: { schema: (m) => kits[m] }, call: create({ name: 'K', variant_ids: [[0, 0, { default_code: 'V1', list_price: 4 }]] }, 'x.kit'), expect: { verdict: 'deny', reason: /command 0 creates product\.product\): creating product\.product also creates its product\.template \(product_tmpl_id\) with 'list_price' needs create on product\.template/ } },
  { name: '... allowed with create there', key: key([{ model: 'x.kit', methods: ['create'] }, variants, templates]), env: { schema: (m) => kits[m] }, call: create({ name: 'K', variant_ids: [[0, 0, { default_code: 'V1', list_price: 4 }]] }, 'x.kit'), expect: { verdict: 'allow' } },
]));

// load: rows creating records create their templates.
const load = (fields: string[], data: RpcValue[][], context?: RpcStruct): CallSpec => ({ model: 'product.product', method: 'load', params: [['fields', fields], ['data', data]], ...(context ? { context } : {}) });
const loader: Rule = { model: 'product.product', methods: ['load'] };
test('load', () => runCases([
  { name: 'load: rows creating variants create templates with the inherited columns', key: key([loader, templateWrites]), call: load(['default_code', 'name', 'list_price'], [['A', 'Chair', '5']]), expect: { verdict: 'deny', reason: /load: rows creating product\.product records also create their product\.template \(product_tmpl_id\) with 'list_price', 'name' needs create on product\.template/ } },
  { name: '... allowed by create on product.template', key: key([loader, templates]), call: load(['default_code', 'name', 'list_price'], [['A', 'Chair', '5']]), expect: { verdict: 'allow' } },
  { name: '... under a domain there: only defaults can show it holds', key: key([loader, templatesIn3]), call: load(['default_code', 'name'], [['A', 'Chair']]), expect: { verdict: 'deny', reason: /the product\.template records the rows create/ } },
  { name: '... with default_categ_id inside it', key: key([loader, templatesIn3]), call: load(['default_code', 'name'], [['A', 'Chair']], { default_categ_id: 3 }), expect: { verdict: 'allow' } },
  { name: '... rows naming their template write it as before (and rows without one create one)', key: key([loader, templates]), call: load(['default_code', 'name', 'product_tmpl_id/.id'], [['A', 'Chair', '5']]), expect: { verdict: 'deny', reason: /load column 'name' \(related to product_tmpl_id\.name\) needs write on product\.template/ } },
  { name: '... rows updating by .id write through as before', key: key([loader, templates]), call: load(['.id', 'name'], [['4', 'Chair']]), expect: { verdict: 'deny', reason: /needs write on product\.template/ } },
]));

// Links that are not _inherits links stay as strict as before.
const mirrors: Record<string, ModelSchema> = {
  ...SCHEMAS,
  // sale.order.line's currency_id related to order_id.currency_id; order_id required
  'sale.order': { ...SCHEMAS['sale.order']!, currency_id: { type: 'many2one', relation: 'res.currency' } },
  'sale.order.line': { ...SCHEMAS['sale.order.line']!, order_id: { type: 'many2one', relation: 'sale.order', required: true }, currency_id: { type: 'many2one', relation: 'res.currency', related: 'order_id.currency_id', readonly: false } },
  // res.config.settings-like: a required company_id (default: the current company) and editable mirrors of some company fields
  'x.settings': { company_id: { type: 'many2one', relation: 'res.company', required: true }, name: { type: 'char', related: 'company_id.name', readonly: false }, display_name: { type: 'char', related: 'company_id.display_name', readonly: false } },
  'res.company': { ...SCHEMAS['res.company']!, email: { type: 'char', readonly: false }, phone: { type: 'char', readonly: false }, vat: { type: 'char', readonly: false } },
  // every field of a small parent mirrored, as plain related fields (readonly, unlike inherited ones)
  'x.region': { name: { type: 'char', readonly: false }, code: { type: 'char', readonly: false } },
  'x.site': { region_id: { type: 'many2one', relation: 'x.region', required: true }, name: { type: 'char', related: 'region_id.name', readonly: true }, code: { type: 'char', related: 'region_id.code', readonly: true } },
};
test('links that are not _inherits links', () => runCases([
  { name: 'sale.order.line: order_id is no parent; currency_id writes order 10 through, needs write there without a domain', key: key([{ model: 'sale.order.line', methods: ['create'] }, { model: 'sale.order', methods: ['create', 'write'], domain: [['state', '=', 'draft']] }]), env: { schema: (m) => mirrors[m] }, call: create({ order_id: 10, currency_id: 2, name: 'L' }, 'sale.order.line'), expect: { verdict: 'deny', reason: /vals_list\[0\]\['currency_id'\] \(related to order_id\.currency_id\) would write sale\.order records without naming them/ } },
  { name: 'res.config.settings-like mirrors: company_id filled by a default is no parent created; write on res.company needed', key: key([{ model: 'x.settings', methods: ['create'] }, { model: 'res.company', methods: ['create'] }]), env: { schema: (m) => mirrors[m] }, call: create({ name: 'Acme' }, 'x.settings'), expect: { verdict: 'deny', reason: /\['name'\] \(related to company_id\.name\) needs write on res\.company/ } },
  { name: '... under a domain refused as before', key: key([{ model: 'x.settings', methods: ['create'] }, { model: 'res.company', methods: ['write', 'create'], domain: [['id', '=', 1]] }]), env: { schema: (m) => mirrors[m] }, call: create({ name: 'Acme' }, 'x.settings'), expect: { verdict: 'deny', reason: /without naming them/ } },
  { name: 'every field of a parent mirrored read-only (not as Odoo inherits): no parent created', key: key([{ model: 'x.site', methods: ['create'] }, { model: 'x.region', methods: ['create'] }]), env: { schema: (m) => mirrors[m] }, call: create({ name: 'S', code: 'C' }, 'x.site'), expect: { verdict: 'deny', reason: /needs write on x\.region/ } },
  { name: '... nor with a link that is not required', key: key([{ model: 'x.site', methods: ['create'] }, { model: 'x.region', methods: ['create'] }]), env: { schema: (m) => (m === 'x.site' ? { ...mirrors['x.site']!, region_id: { type: 'many2one', relation: 'x.region' }, name: { type: 'char', related: 'region_id.name', readonly: false }, code: { type: 'char', related: 'region_id.code', readonly: false } } : mirrors[m]) }, call: create({ name: 'S', code: 'C' }, 'x.site'), expect: { verdict: 'deny', reason: /needs write on x\.region/ } },
]));

test('suggest proposes what decide then requires: create on the template for created variants, write where the link is given', () => {
  let clock = Date.parse('2026-11-28T10:00:00Z');
  const e = (model: string, method: string, more: Partial<LearnedCall> = {}): LearnedCall => ({ ts: new Date((clock += 7000)).toISOString(), ip: '127.0.0.1', model, method, decision: 'allow', outcome: 'ok', learning: true, ...more });
  const s = suggestScope([e('product.product', 'create', { fields: ['default_code', 'list_price', 'name'] })], { version: 18, schema: (m) => SCHEMAS[m] });
  assert.deepEqual(s.rules, [
    { model: 'product.product', methods: ['create'], fields: ['default_code', 'list_price', 'name'] },
    { model: 'product.template', methods: ['create'], fields: ['list_price', 'name'] },
  ]);
  const d = decide(key(s.rules), shapes(create(chair), 18)[0]!.call, env());
  assert.equal(d.verdict, 'allow', JSON.stringify(d));
  const w = suggestScope([e('product.product', 'create', { fields: ['list_price', 'product_tmpl_id'] })], { version: 18, schema: (m) => SCHEMAS[m] });
  assert.deepEqual(w.rules, [
    { model: 'product.product', methods: ['create'], fields: ['list_price', 'product_tmpl_id'] },
    { model: 'product.template', methods: ['write'], fields: ['list_price'] },
  ]);
  assert.equal(decide(key(w.rules), shapes(create({ list_price: 3, product_tmpl_id: 7 }), 18)[0]!.call, env()).verdict, 'allow');
});

// Review (inhrev): the context's defaults for inherited fields under default_<link> are written on
// the parent it names (Odoo's default_get fills them on the child, BaseModel.create writes them
// there): their commands and links are judged as values written on that record.
const categoriesIn3: Rule = { model: 'product.category', methods: ['read'], domain: [['id', '=', 3]] };
test('default_<link> with defaults for inherited fields', () => runCases([
  { name: 'a command 2 in default_product_variant_ids deletes a variant: needs unlink there', key: key([variants, templateWrites]), call: create(chair, 'product.product', { default_product_tmpl_id: 7, default_product_variant_ids: [[2, 44, 0]] }), expect: { verdict: 'deny', reason: /context 'default_product_tmpl_id' names product\.template record 7 .*\['product_variant_ids'\]\[0\] \(command 2 deletes product\.product\) needs unlink on product\.product/ } },
  { name: '... a link in default_categ_id checked as in the values', key: key([variants, templateWrites, categoriesIn3]), call: create(chair, 'product.product', { default_product_tmpl_id: 7, default_categ_id: 999 }), expect: { verdict: 'allow', checks: [{ model: 'product.category', ids: [999] }] } },
  { name: '... the same on web_save without ids', key: key([{ model: 'product.product', methods: ['web_save'] }, templateWrites]), call: { model: 'product.product', method: 'web_save', ids: [], params: [['vals', chair], ['specification', {}]], context: { default_product_tmpl_id: 7, default_product_variant_ids: [[2, 44, 0]] } }, expect: { verdict: 'deny', reason: /command 2 deletes product\.product.*needs unlink on product\.product/ } },
  { name: '... a value given beats the default (Odoo applies no default for it)', key: key([variants, templateWrites, categoriesIn3]), call: create({ ...chair, categ_id: 3 }, 'product.product', { default_product_tmpl_id: 7, default_categ_id: 999 }), expect: { verdict: 'allow', checks: [{ model: 'product.category', ids: [3] }] } },
]));

// Review (inhrev): load's link cells that Odoo's db_id_for reads as no link (_str_to_boolean: '0',
// 'false', 'no' in any case, for '.id' and 'id'; a bare external id may be a language's "no") name no parent: the row creates one.
test('load: link cells Odoo reads as false create the parent', () => runCases([
  ...['0', 'false', 'False', 'no', 'NO'].map((cell) => ({ name: `product_tmpl_id/.id '${cell}'`, key: key([loader, templateWrites]), call: load(['default_code', 'name', 'product_tmpl_id/.id'], [['A', 'Chair', cell]]), expect: { verdict: 'deny' as const, reason: /rows creating product\.product records also create their product\.template \(product_tmpl_id\) with 'name' needs create on product\.template/ } })),
  ...['0', 'false', 'no'].map((cell) => ({ name: `product_tmpl_id/id '${cell}'`, key: key([loader, templateWrites]), call: load(['default_code', 'name', 'product_tmpl_id/id'], [['A', 'Chair', cell]]), expect: { verdict: 'deny' as const, reason: /also create their product\.template \(product_tmpl_id\) with 'name' needs create on product\.template/ } })),
  { name: '... also with no inherited column', key: key([loader]), call: load(['default_code', 'product_tmpl_id/.id'], [['A', '0']]), expect: { verdict: 'deny', reason: /also create their product\.template \(product_tmpl_id\) needs create on product\.template \(no field\)/ } },
  { name: '... a bare external id may be an installed language\'s "no" (Odoo\'s _str_to_boolean reads its translations too)', key: key([loader, templateWrites]), call: load(['default_code', 'name', 'product_tmpl_id/id'], [['A', 'Chair', 'nein']]), expect: { verdict: 'deny', reason: /also create their product\.template \(product_tmpl_id\) with 'name' needs create on product\.template/ } },
  { name: '... an empty link cell puts False in the values: default_product_tmpl_id does not fill it, a template is created', key: key([loader, templateWrites]), call: load(['name', 'product_tmpl_id/.id'], [['Chair', '']], { default_product_tmpl_id: 5 }), expect: { verdict: 'deny', reason: /also create their product\.template \(product_tmpl_id\) with 'name' needs create on product\.template/ } },
  { name: '... a real id in every row still names it (write through as before)', key: key([loader, templateWrites]), call: load(['default_code', 'name', 'product_tmpl_id/.id'], [['A', 'Chair', '5']]), expect: { verdict: 'allow' } },
  // Second review (inh2): where no row names a template and none updates a record, the inherited
  // columns go to the templates created only, as without a link column: nothing written through.
  { name: '... no row naming one: create on product.template alone allows it', key: key([loader, templates]), call: load(['default_code', 'name', 'product_tmpl_id/id'], [['A', 'Chair', ''], ['B', 'Desk', 'false']]), expect: { verdict: 'allow' } },
  { name: '... one row naming one: its inherited values write it (write needed too)', key: key([loader, templates]), call: load(['default_code', 'name', 'product_tmpl_id/.id'], [['A', 'Chair', '5'], ['B', 'Desk', '0']]), expect: { verdict: 'deny', reason: /load column 'name' \(related to product_tmpl_id\.name\) needs write on product\.template/ } },
  { name: '... rows updating by .id write through even where no row names one', key: key([loader, templates, { model: 'product.product', methods: ['write'] }]), call: load(['.id', 'name', 'product_tmpl_id/.id'], [['4', 'Chair', '0'], ['', 'Desk', '0']]), expect: { verdict: 'deny', reason: /needs write on product\.template/ } },
]));

// Review (inhrev): load under default_<link> writes every parent default on the record it names, as
// create does (a write rule on every field without a domain there).
test('load: default_<link> writes the parent it names, as create', () => runCases([
  { name: 'no inherited column: still a write of every template default on record 5', key: key([loader]), call: load(['default_code'], [['A']], { default_product_tmpl_id: 5 }), expect: { verdict: 'deny', reason: /context 'default_product_tmpl_id' names product\.template record 5 .*needs write on product\.template \(every field\)/ } },
  { name: '... a field list on the template write rule is not enough', key: key([loader, { ...templateWrites, fields: ['name'] }]), call: load(['default_code', 'name'], [['A', 'X']], { default_product_tmpl_id: 5 }), expect: { verdict: 'deny', reason: /needs write on product\.template \(every field\)/ } },
  { name: '... allowed with write on every field', key: key([loader, templateWrites]), call: load(['default_code', 'name'], [['A', 'X']], { default_product_tmpl_id: 5 }), expect: { verdict: 'allow' } },
  { name: '... rows all updating by .id take no default', key: key([loader, { model: 'product.product', methods: ['write'] }, templateWrites]), call: load(['.id', 'default_code'], [['4', 'A']], { default_product_tmpl_id: 5 }), expect: { verdict: 'allow' } },
]));

// Review (inhrev): name_create on an _inherits model creates `{_rec_name: name}` (BaseModel.name_create),
// and product.product's name is inherited: a template is created with it, or, under
// default_product_tmpl_id, that template is renamed and takes every template default.
const nameCreate = (context?: RpcStruct): CallSpec => ({ model: 'product.product', method: 'name_create', params: [['name', 'Chair']], ...(context ? { context } : {}) });
const namer: Rule = { model: 'product.product', methods: ['name_create'] };
test('name_create on an _inherits model', () => runCases([
  { name: 'default_product_tmpl_id: renames that template and writes its defaults: write on every field needed there', key: key([namer]), call: nameCreate({ default_product_tmpl_id: 5 }), expect: { verdict: 'deny', reason: /name_create: context 'default_product_tmpl_id' names product\.template record 5 .*needs write on product\.template \(every field\)/ } },
  { name: '... refused under a domain there', key: key([namer, templateWritesIn3]), call: nameCreate({ default_product_tmpl_id: 5 }), expect: { verdict: 'deny', reason: /domain cannot be checked against/ } },
  { name: '... allowed by write on every field', key: key([namer, templateWrites]), call: nameCreate({ default_product_tmpl_id: 5 }), expect: { verdict: 'allow' } },
  { name: 'without it a template is created (its name field unknown here: create on every field)', key: key([namer]), call: nameCreate(), expect: { verdict: 'deny', reason: /name_create: creating product\.product also creates its product\.template \(product_tmpl_id; with the name, if the name field is inherited\) needs create on product\.template \(every field\)/ } },
  { name: '... a field list there is not enough', key: key([namer, { ...templates, fields: ['name'] }]), call: nameCreate(), expect: { verdict: 'deny', reason: /needs create on product\.template \(every field\)/ } },
  { name: '... allowed with create on product.template', key: key([namer, templates]), call: nameCreate(), expect: { verdict: 'allow' } },
  { name: '... under a domain there, only defaults can show it holds', key: key([namer, templatesIn3]), call: nameCreate(), expect: { verdict: 'deny', reason: /product\.template/ } },
  { name: '... with default_categ_id inside it', key: key([namer, templatesIn3]), call: nameCreate({ default_categ_id: 3 }), expect: { verdict: 'allow' } },
  { name: 'the schema is asked for first', key: key([namer, templates]), env: { schema: () => undefined }, call: nameCreate(), expect: { verdict: 'need_schema', models: ['product.product'] } },
  { name: 'a model without _inherits judged as before', key: key([{ model: 'crm.lead', methods: ['name_create'] }]), call: { model: 'crm.lead', method: 'name_create', params: [['name', 'L']] }, expect: { verdict: 'allow' } },
]));

// Second review (inh2): a key limited to companies: product.template's company_id, inherited on
// product.product, set through the template created or written, is checked as on a direct create
// of product.template (a link to res.company outside the key's companies is refused).
const inCompany1 = { limits: { companies: [1] } };
test('companies limit: the inherited company_id', () => runCases([
  { name: 'direct create of product.template in company 2: refused (the reference)', key: key([templates], inCompany1), call: create({ name: 'T', company_id: 2 }, 'product.template'), expect: { verdict: 'deny', limit: 'companies', reason: /company 2, outside the key's companies/ } },
  { name: 'a variant without the link: the template created in company 2 refused', key: key([variants, templates], inCompany1), call: create({ ...chair, company_id: 2 }), expect: { verdict: 'deny', limit: 'companies', reason: /creating product\.product also creates its product\.template .*company 2, outside the key's companies/ } },
  { name: '... in company 1 allowed', key: key([variants, templates], inCompany1), call: create({ ...chair, company_id: 1 }), expect: { verdict: 'allow' } },
  { name: 'a variant with the link: the template written into company 2 refused', key: key([variants, templateWrites], inCompany1), call: create({ default_code: 'C', company_id: 2, product_tmpl_id: 7 }), expect: { verdict: 'deny', limit: 'companies', reason: /company 2, outside the key's companies/ } },
  { name: 'default_company_id 2 on the template created: refused', key: key([variants, templates], inCompany1), call: create(chair, 'product.product', { default_company_id: 2 }), expect: { verdict: 'deny', limit: 'companies', reason: /company 2, outside the key's companies/ } },
  { name: 'default_company_id 2 under default_product_tmpl_id (written on the template): refused', key: key([variants, templateWrites], inCompany1), call: create(chair, 'product.product', { default_product_tmpl_id: 7, default_company_id: 2 }), expect: { verdict: 'deny', limit: 'companies', reason: /company 2, outside the key's companies/ } },
  { name: 'load company_id/.id 2 on rows creating templates: refused', key: key([loader, templates], inCompany1), call: load(['default_code', 'name', 'company_id/.id'], [['A', 'Chair', '2']]), expect: { verdict: 'deny', limit: 'companies', reason: /company 2, outside the key's companies/ } },
  { name: 'load company_id/id base.company_2: looked up, then refused', key: key([loader, templates], inCompany1), call: load(['default_code', 'name', 'company_id/id'], [['A', 'Chair', 'base.company_2']]), expect: { verdict: 'deny', limit: 'companies', reason: /names by external id a company outside the key's companies/, detail: /company 2, outside the key's companies/, hides: /company 2\b/ } },
  { name: 'load company_id/id base.main_company: allowed', key: key([loader, templates], inCompany1), call: load(['default_code', 'name', 'company_id/id'], [['A', 'Chair', 'base.main_company']]), expect: { verdict: 'allow' } },
  { name: 'load company_id by name: refused under the limit', key: key([loader, templates], inCompany1), call: load(['default_code', 'name', 'company_id'], [['A', 'Chair', 'My Company']]), expect: { verdict: 'deny', limit: 'companies', reason: /names companies by name/ } },
  { name: 'load with a link column, company_id/.id 2 written through to the template: refused', key: key([loader, templateWrites], inCompany1), call: load(['default_code', 'company_id/.id', 'product_tmpl_id/.id'], [['A', '2', '5']]), expect: { verdict: 'deny', limit: 'companies', reason: /company 2, outside the key's companies/ } },
]));

// Second review (inh2): load link cells the engine cannot read either way. A bare external id
// ('nein') may be an installed language's "no" (no link: a template created) or `__import__.nein`
// naming a template (its inherited columns written there): both asked for. Under
// import_set_empty_fields / import_skip_records naming the link, a reference that matches nothing
// is left empty (db_id_for), so a template is created even for a cell that names one.
const importing = { limits: { context_keys: ['import_file', 'import_set_empty_fields'] } };
test('load: link cells that may or may not name a template', () => runCases([
  { name: "a bare external id: create on product.template alone is not enough (it may name __import__.nein, written through)", key: key([loader, templates]), call: load(['default_code', 'name', 'product_tmpl_id/id'], [['A', 'Chair', 'nein']]), expect: { verdict: 'deny', reason: /load column 'name' \(related to product_tmpl_id\.name\) needs write on product\.template/ } },
  { name: '... with create and write: allowed', key: key([loader, templates, templateWrites]), call: load(['default_code', 'name', 'product_tmpl_id/id'], [['A', 'Chair', 'nein']]), expect: { verdict: 'allow' } },
  { name: 'import_set_empty_fields naming the link: a cell naming a template may be left empty, so create there is needed', key: key([loader, templateWrites], importing), call: load(['default_code', 'name', 'product_tmpl_id/.id'], [['A', 'Chair', '5']], { import_file: true, import_set_empty_fields: ['product_tmpl_id'] }), expect: { verdict: 'deny', reason: /also create their product\.template \(product_tmpl_id\) with 'name' needs create on product\.template/ } },
  { name: '... the same by external id', key: key([loader, templateWrites]), call: load(['default_code', 'name', 'product_tmpl_id/id'], [['A', 'Chair', 'product.product_template_4']]), env: {}, expect: { verdict: 'allow' } },
  { name: '... by external id under import_set_empty_fields', key: key([loader, templateWrites], importing), call: load(['default_code', 'name', 'product_tmpl_id/id'], [['A', 'Chair', 'product.product_template_4']], { import_file: true, import_set_empty_fields: ['product_tmpl_id'] }), expect: { verdict: 'deny', reason: /needs create on product\.template/ } },
  { name: '... with both: allowed', key: key([loader, templates, templateWrites], importing), call: load(['default_code', 'name', 'product_tmpl_id/.id'], [['A', 'Chair', '5']], { import_file: true, import_set_empty_fields: ['product_tmpl_id'] }), expect: { verdict: 'allow' } },
  // external ids of the link column: looked up where the template rules have a domain, judged as links
  { name: 'a template by external id under a write rule with a domain: looked up, its id checked against the domain (no inherited column)', key: key([loader, templateWritesIn3]), call: load(['default_code', 'product_tmpl_id/id'], [['A', 'product.product_template_4']]), expect: { verdict: 'allow', checks: [{ model: 'product.template', ids: [4] }], checkDomains: [[['categ_id', '=', 3]]] } },
  { name: '... one no record has: refused (Odoo fails the row)', key: key([loader, templateWritesIn3]), env: { externalId: () => null }, call: load(['default_code', 'product_tmpl_id/id'], [['A', 'product.missing']]), expect: { verdict: 'deny', reason: /product\.missing/ } },
  { name: '... one of another model: refused', key: key([loader, templateWritesIn3]), call: load(['default_code', 'product_tmpl_id/id'], [['A', 'base.main_partner']]), expect: { verdict: 'deny', reason: /the external id 'base\.main_partner' names no product\.template record/, hides: /res\.partner/, detail: /base\.main_partner.*res\.partner|res\.partner.*base\.main_partner/ } },
  { name: '... inherited columns written through to a template named by external id under a domain: refused (not read row by row)', key: key([loader, templateWritesIn3]), call: load(['default_code', 'name', 'product_tmpl_id/id'], [['A', 'Chair', 'product.product_template_4']]), expect: { verdict: 'deny', reason: /would write product\.template records without naming them/ } },
]));

// BaseModel.copy_data leaves the link out (a new parent with every copied field), and product's own
// copy copies the variant's template itself: create on the parent on every field, no domain.
test('copy on an _inherits model copies the parent', () => {
  const copier: Rule = { model: 'product.product', methods: ['copy'] };
  const copy = (def?: RpcStruct): CallSpec => ({ model: 'product.product', method: 'copy', ids: [4], params: def === undefined ? [] : [['default', def]] });
  runCases([
    { name: 'copy alone: refused, naming create on product.template', key: key([copier]), call: copy(), expect: { verdict: 'deny', reason: /copying product\.product records also copies their product\.template \(product_tmpl_id\), every field of it: that needs create on product\.template \(every field\)/ } },
    { name: '... allowed with create on product.template', key: key([copier, templates]), call: copy(), expect: { verdict: 'allow' } },
    { name: '... not with a field list there (which fields are copied is known upstream only)', key: key([copier, { ...templates, fields: ['name', 'list_price'] }]), call: copy(), expect: { verdict: 'deny', reason: /needs create on product\.template \(every field\)/ } },
    { name: '... not under a domain there', key: key([copier, templatesIn3]), call: copy(), expect: { verdict: 'deny', reason: /domain cannot be checked against/ } },
    { name: '... write on product.template is not create', key: key([copier, templateWrites]), call: copy({ default_code: 'C9' }), expect: { verdict: 'deny', reason: /needs create on product\.template/ } },
    { name: 'res.users: copying a user copies its partner', key: key([{ model: 'res.users', methods: ['copy'], allow_sensitive: true }]), call: { model: 'res.users', method: 'copy', ids: [5], params: [] }, expect: { verdict: 'deny', reason: /also copies their res\.partner \(partner_id\)/ } },
    { name: 'a model without _inherits copies as before', key: key([{ model: 'crm.lead', methods: ['copy'] }]), call: { model: 'crm.lead', method: 'copy', ids: [4], params: [] }, expect: { verdict: 'allow' } },
  ]);
});

// Fuzz (fuzzinh): 19.0's _convert_records takes a '.id' cell only when Python reads it as true
// (`if record.get('.id')`): a 0 is no id, so that row creates a variant and its template. A load whose
// every '.id' cell was 0 passed as an update, with write on product.template alone.
test("load: a '.id' cell 0 is no id: the row creates its template", () => runCases([
  ...[0, new Array<RpcValue>()].map((cell) => ({ name: `'.id' ${JSON.stringify(cell)} in every row: create on product.template needed`, key: key([loader, templateWrites, { model: 'product.product', methods: ['write'] }]), call: load(['.id', 'name'], [[cell, 'Chair']]), expect: { verdict: 'deny' as const, reason: /rows creating product\.product records also create their product\.template \(product_tmpl_id\) with 'name' needs create on product\.template/ } })),
  { name: "... '4' in every row still updates (write through as before)", key: key([loader, templateWrites, { model: 'product.product', methods: ['write'] }]), call: load(['.id', 'name'], [['4', 'Chair']]), expect: { verdict: 'allow' } },
]));
