// The stand-in's ORM behaves like Odoo's where the proxy, exec and audit depend on it: domains,
// ordering, defaults (default_* context keys included), required fields, x2many commands,
// access rights per user, chatter tracking, the auditlog imitation, and the method surface.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PyFloat, type RpcStruct, type RpcValue } from '../../src/rpc/values.js';
import { startStandin, type Standin } from './server.js';
import { executeKw, jsonrpc, RpcCallError } from './client.js';

function odooErrorOf(fn: () => unknown): { name: string; message: string } {
  try {
    fn();
  } catch (e) {
    const odoo = (e as { odoo?: { name: string; message: string } }).odoo;
    if (odoo) return odoo;
    throw e;
  }
  assert.fail('expected an Odoo error');
}

async function faultOf(p: Promise<unknown>): Promise<RpcCallError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RpcCallError) return e;
    throw e;
  }
  assert.fail('expected a fault');
}

for (const version of [18, 19] as const) {
  describe(`stand-in ORM, Odoo ${version}.0`, () => {
    let s: Standin;
    const fixed = new Date('2026-12-01T09:30:00Z');
    before(async () => {
      s = await startStandin({ version, clock: () => fixed });
    });
    after(async () => {
      await s.close();
    });
    const deco = version >= 19 ? 9 : 10;
    const integrationPartner = version >= 19 ? 43 : 42;

    describe('domains', () => {
      test('comparison, set and pattern operators', () => {
        const search = (d: RpcValue[], order?: string): number[] => s.orm.search('res.partner', d, { order });
        assert.deepEqual(search([['name', '=', 'Azure Interior']]), [15]);
        assert.deepEqual(search([['name', 'like', 'azure']]), []);
        assert.deepEqual(search([['name', 'ilike', 'azure']]), [15]);
        assert.deepEqual(search([['name', '=ilike', 'azure%']]), [15]);
        assert.deepEqual(search([['name', '=like', 'Azure_Interior']]), [15]);
        assert.deepEqual(search([['id', 'in', [27, 28, 99999]]], 'id'), [27, 28]);
        assert.deepEqual(search([['id', '>', 38], ['id', '<=', 41]], 'id'), [39, 40, 41]);
        assert.deepEqual(search([['id', '>=', 40], ['id', '<', 42]], 'id desc'), [41, 40]);
        const companies = search([['is_company', '=', true]]);
        assert.equal(companies.length, version >= 19 ? 11 : 9);
        assert.equal(search([['is_company', '!=', true]]).length + companies.length, search([]).length);
        assert.ok(!search([['name', 'not ilike', 'a']]).some((id) => s.orm.get('res.partner', id)!.name!.toString().toLowerCase().includes('a')));
        assert.deepEqual(search([['email', '=', false], ['is_company', '=', true]]), version >= 19 ? [42] : []);
        assert.deepEqual(search([['email', 'not in', [false]], ['name', '=', 'x']]), []);
      });

      test('&, | and ! in prefix notation', () => {
        assert.deepEqual(s.orm.search('res.partner', ['|', ['name', '=', 'Azure Interior'], ['name', '=', 'Lumber Inc']], { order: 'id' }), [15, 16]);
        assert.deepEqual(s.orm.search('res.partner', ['&', ['is_company', '=', true], '!', ['id', '!=', 16]]), [16]);
        assert.deepEqual(s.orm.search('res.partner', ['|', '&', ['id', '=', 15], ['is_company', '=', true], ['id', '=', 27]], { order: 'id' }), [15, 27]);
      });

      test('dotted paths, any / not any, child_of, parent_of', () => {
        assert.deepEqual(s.orm.search('crm.lead', [['partner_id.email', '=', 'vauxoo@yourcompany.example.com']]), [22, 19]);
        assert.deepEqual(s.orm.search('crm.lead', [['tag_ids.name', '=', 'Software']]), [14]);
        assert.deepEqual(s.orm.search('crm.lead', [['tag_ids', 'any', [['name', 'ilike', 'soft']]]]), [14]);
        assert.ok(!s.orm.search('crm.lead', [['tag_ids', 'not any', [['name', 'ilike', 'soft']]]]).includes(14));
        assert.deepEqual(s.orm.search('crm.lead', [['partner_id', 'any', [['parent_id', '=', deco]]]]), [16]);
        assert.deepEqual(s.orm.search('res.partner', [['id', 'child_of', 15]]), [15, 27, 34, 28]);
        assert.deepEqual(s.orm.search('res.partner', [['id', 'parent_of', 27]]), [15, 27]);
        assert.deepEqual(s.orm.search('crm.lead', [['partner_id', 'child_of', 15]]), [22, 19]);
        assert.deepEqual(s.orm.search('crm.lead', [['partner_id', 'ilike', 'azure']]), [22, 19]);
      });

      test('archived records need active_test=False or a domain on active', () => {
        assert.deepEqual(s.orm.search('crm.lead', [['id', 'in', [40, 41]]]), []);
        assert.deepEqual(s.orm.search('crm.lead', [['id', 'in', [40, 41]]], { context: { active_test: false } }), [41, 40]);
        assert.deepEqual(s.orm.search('crm.lead', [['active', '=', false]]), [41, 40]);
      });

      test('order (several keys, many2one by its comodel order), limit and offset', () => {
        assert.deepEqual(s.orm.search('crm.lead', [], { order: 'stage_id desc, expected_revenue asc', limit: 2 }), [39, 37]);
        const ids = s.orm.search('res.partner', [['is_company', '=', true]], { order: 'id' });
        assert.deepEqual(s.orm.env().search('res.partner', [['is_company', '=', true]], { order: 'id', offset: 2, limit: 2 }), ids.slice(2, 4));
        assert.deepEqual(s.orm.search('res.partner', [['is_company', '=', true]], { order: 'name desc', limit: 1 }), [1]);
      });

      test('unknown fields and operators are ValueErrors worded like the version', () => {
        const e = odooErrorOf(() => s.orm.search('res.partner', [['nope', '=', 1]]));
        assert.equal(e.name, 'builtins.ValueError');
        assert.equal(e.message, version >= 19 ? "Invalid field res.partner.nope in condition ('nope', '=', 1)" : "Invalid field res.partner.nope in leaf ('nope', '=', 1)");
        assert.equal(odooErrorOf(() => s.orm.search('res.partner', [['name', 'resembles', 'x']])).name, 'builtins.ValueError');
        assert.equal(odooErrorOf(() => s.orm.search('res.partner', [], { order: 'nope' })).message, version >= 19 ? "Invalid field 'nope' in 'res.partner'" : "Invalid field 'nope' on model 'res.partner'");
      });
    });

    describe('create and write', () => {
      test('defaults: field defaults, the current user, and default_* context keys (also in nested creates)', () => {
        const id = s.orm.create('crm.lead', { name: 'defaults', tag_ids: [[0, 0, { name: 'nested-tag' }]] }, { uid: s.users.integration.uid, context: { default_color: 5, default_priority: '2', default_no_such: 1 } });
        const [lead] = s.orm.read('crm.lead', id, ['user_id', 'stage_id', 'type', 'priority', 'color', 'tag_ids', 'create_uid', 'create_date', 'write_date', 'probability']);
        assert.deepEqual(lead!.user_id, [s.users.integration.uid, 'Integration']);
        assert.deepEqual(lead!.create_uid, [s.users.integration.uid, 'Integration']);
        assert.deepEqual(lead!.stage_id, [1, 'New']);
        assert.equal(lead!.type, 'opportunity');
        assert.equal(lead!.priority, '2');
        assert.equal(lead!.color, 5);
        assert.deepEqual(lead!.probability, new PyFloat(10));
        assert.equal(lead!.create_date, '2026-12-01 09:30:00');
        assert.equal(lead!.write_date, '2026-12-01 09:30:00');
        const [tag] = s.orm.read('crm.tag', lead!.tag_ids as number[], ['name', 'color']);
        assert.deepEqual(tag, { id: (lead!.tag_ids as number[])[0], name: 'nested-tag', color: 5 });
        assert.deepEqual(s.orm.call('crm.lead', 'default_get', [['user_id', 'stage_id', 'type', 'priority']], { context: { default_priority: '3' } }), { user_id: 2, stage_id: 1, type: 'opportunity', priority: '3' });
      });

      test('required fields and unknown fields are refused as Odoo does', () => {
        const missing = odooErrorOf(() => s.orm.create('crm.lead', { email_from: 'x@example.com' }));
        assert.equal(missing.name, 'odoo.exceptions.ValidationError');
        assert.match(missing.message, /a mandatory field is not set[\s\S]*Model: Lead\/Opportunity \(crm\.lead\)\nField: Opportunity \(name\)/);
        assert.equal(odooErrorOf(() => s.orm.create('res.partner', { name: false })).message, 'The operation cannot be completed: Contacts require a name');
        assert.equal(odooErrorOf(() => s.orm.write('crm.lead', 14, { nope: 1 })).message, version >= 19 ? "Invalid field 'nope' in 'crm.lead'" : "Invalid field 'nope' on model 'crm.lead'");
        assert.equal(odooErrorOf(() => s.orm.write('crm.lead', 99999, { name: 'x' })).message, 'Record does not exist or has been deleted.\n(Record: crm.lead(99999,), User: 2)');
        assert.equal(odooErrorOf(() => s.orm.write('crm.lead', 14, { partner_id: 99999 })).name, 'odoo.exceptions.ValidationError');
        assert.equal(odooErrorOf(() => s.orm.write('crm.lead', 14, { priority: '9' })).name, 'builtins.ValueError');
      });

      test('many2many commands 0 to 6 and a plain id list', () => {
        const id = s.orm.create('crm.lead', { name: 'm2m', tag_ids: [1, 2] });
        const tags = (): number[] => s.orm.read('crm.lead', id, ['tag_ids'])[0]!.tag_ids as number[];
        assert.deepEqual(tags(), [1, 2]);
        s.orm.write('crm.lead', id, { tag_ids: [[0, 0, { name: 'made-by-command' }]] });
        const made = tags()[2]!;
        assert.equal(s.orm.read('crm.tag', made, ['name'])[0]!.name, 'made-by-command');
        s.orm.write('crm.lead', id, { tag_ids: [[1, made, { name: 'renamed' }]] });
        assert.equal(s.orm.read('crm.tag', made, ['name'])[0]!.name, 'renamed');
        s.orm.write('crm.lead', id, { tag_ids: [[3, 1, 0]] });
        assert.deepEqual(tags(), [2, made]);
        s.orm.write('crm.lead', id, { tag_ids: [[4, 5, 0]] });
        assert.deepEqual(tags(), [2, made, 5]);
        s.orm.write('crm.lead', id, { tag_ids: [[2, made, 0]] });
        assert.deepEqual(tags(), [2, 5]);
        assert.equal(s.orm.get('crm.tag', made), undefined);
        s.orm.write('crm.lead', id, { tag_ids: [[6, 0, [3, 4]]] });
        assert.deepEqual(tags(), [3, 4]);
        s.orm.write('crm.lead', id, { tag_ids: [[5, 0, 0]] });
        assert.deepEqual(tags(), []);
        assert.equal(odooErrorOf(() => s.orm.write('crm.lead', id, { tag_ids: [[4, 99999, 0]] })).name, 'odoo.exceptions.MissingError');
      });

      test('one2many commands on res.partner child_ids and sale.order order_line', () => {
        const company = s.orm.create('res.partner', { name: 'Parent Co', is_company: true, child_ids: [[0, 0, { name: 'Kid One' }], [0, 0, { name: 'Kid Two' }]] });
        const kids = (): number[] => s.orm.read('res.partner', company, ['child_ids'])[0]!.child_ids as number[];
        const [one, two] = kids() as [number, number];
        assert.deepEqual(s.orm.read('res.partner', one, ['parent_id', 'display_name'])[0], { id: one, parent_id: [company, 'Parent Co'], display_name: 'Parent Co, Kid One' });
        s.orm.write('res.partner', company, { child_ids: [[1, two, { function: 'CEO' }]] });
        assert.equal(s.orm.get('res.partner', two)!.function, 'CEO');
        s.orm.write('res.partner', company, { child_ids: [[3, one, 0]] });
        assert.deepEqual(kids(), [two]);
        assert.equal(s.orm.get('res.partner', one)!.parent_id, false);
        s.orm.write('res.partner', company, { child_ids: [[4, one, 0]] });
        assert.deepEqual(kids().sort(), [one, two].sort());
        s.orm.write('res.partner', company, { child_ids: [[6, 0, [one]]] });
        assert.deepEqual(kids(), [one]);
        s.orm.write('res.partner', company, { child_ids: [[2, one, 0]] });
        assert.deepEqual(kids(), []);
        assert.equal(s.orm.get('res.partner', one), undefined);

        const order = s.orm.create('sale.order', { partner_id: 15, order_line: [[0, 0, { product_id: 1, product_uom_qty: 2, price_unit: 70 }], [0, 0, { product_id: 2, product_uom_qty: 1, price_unit: 40.5 }]] });
        const [o] = s.orm.read('sale.order', order, ['order_line', 'amount_total', 'state', 'name']);
        assert.equal((o!.order_line as number[]).length, 2);
        assert.deepEqual(o!.amount_total, new PyFloat(180.5));
        assert.equal(o!.state, 'draft');
        assert.equal(s.orm.call('sale.order', 'action_confirm', [[order]]), true);
        assert.equal(s.orm.read('sale.order', order, ['state'])[0]!.state, 'sale');
        s.orm.unlink('sale.order', order);
        assert.deepEqual(s.orm.search('sale.order.line', [['id', 'in', o!.order_line as number[]]]), []);
      });

      test('product.product _inherits product.template: fields_get, create with and without the link, defaults, writes, search, unlink', () => {
        const fg = s.orm.call('product.product', 'fields_get', [], { attributes: ['related', 'required', 'readonly', 'store', 'sortable', 'type'] }) as Record<string, RpcStruct>;
        assert.deepEqual(fg.name, { readonly: false, related: 'product_tmpl_id.name', required: true, sortable: true, store: false, type: 'char' });
        assert.deepEqual(fg.list_price, { readonly: false, related: 'product_tmpl_id.list_price', required: false, sortable: true, store: false, type: 'float' });
        assert.deepEqual(fg.product_tmpl_id, { readonly: false, required: true, sortable: true, store: true, type: 'many2one' });
        assert.equal(fg.product_variant_count!.readonly, true, "the parent's readonly");
        assert.equal(fg.default_code!.related, undefined, 'the variant\'s own field');
        const tmplOf = (id: number): number => (s.orm.get('product.product', id)!.product_tmpl_id as number);
        const tmpl = (id: number, fields: string[]): RpcStruct => s.orm.read('product.template', id, fields)[0]!;

        // Without the link: a new template with the inherited values and the template's defaults;
        // a default_<field> context key of a template field reaches it too.
        const templates = s.orm.search('product.template', [], { context: { active_test: false } }).length;
        const chair = s.orm.create('product.product', { name: 'Inh Chair', default_code: 'INH1', list_price: 5 }, { context: { default_sale_ok: false } });
        assert.equal(s.orm.search('product.template', [], { context: { active_test: false } }).length, templates + 1);
        assert.deepEqual(tmpl(tmplOf(chair), ['name', 'list_price', 'type', 'sale_ok', 'product_variant_ids']), { id: tmplOf(chair), name: 'Inh Chair', list_price: new PyFloat(5), type: 'consu', sale_ok: false, product_variant_ids: [chair] });
        assert.equal(s.orm.get('product.template', tmplOf(chair))!.default_code, undefined, 'default_code stays on the variant');
        assert.deepEqual(s.orm.read('product.product', chair, ['display_name', 'list_price'])[0], { id: chair, display_name: '[INH1] Inh Chair', list_price: new PyFloat(5) });

        // With the link: the given inherited values are written on that template, and no defaults
        // (avoid_models): its sale_ok stays false, its list_price 5.
        const second = s.orm.create('product.product', { product_tmpl_id: tmplOf(chair), default_code: 'INH2', name: 'Inh Chair renamed' });
        assert.equal(tmplOf(second), tmplOf(chair));
        assert.deepEqual(tmpl(tmplOf(chair), ['name', 'list_price', 'sale_ok', 'product_variant_count']), { id: tmplOf(chair), name: 'Inh Chair renamed', list_price: new PyFloat(5), sale_ok: false, product_variant_count: 2 });
        // A required template field missing: the template's create fails, nothing is created.
        assert.match(odooErrorOf(() => s.orm.create('product.product', { default_code: 'INH0' })).message, /Model: Product \(product\.template\)\nField: Name \(name\)/);
        assert.deepEqual(s.orm.search('product.product', [['default_code', '=', 'INH0']]), []);

        // Writes of inherited fields go to the template; search and order on them go through it.
        s.orm.write('product.product', second, { list_price: 12, barcode: 'B-INH2' });
        assert.deepEqual(tmpl(tmplOf(chair), ['list_price']).list_price, new PyFloat(12));
        assert.deepEqual(s.orm.read('product.product', chair, ['list_price', 'barcode'])[0], { id: chair, list_price: new PyFloat(12), barcode: false });
        assert.deepEqual(s.orm.search('product.product', [['name', '=like', 'Inh Chair%'], ['list_price', '=', 12]], { order: 'default_code desc' }), [second, chair]);
        assert.deepEqual(s.orm.call('product.product', 'name_search', ['Inh Chair ren'], { limit: 1 }), [[chair, '[INH1] Inh Chair renamed']]);

        // A template created on its own gets its variant; unlinking a variant keeps a template
        // that has another, the last one takes the template along; unlinking a template its variants.
        const desk = s.orm.create('product.template', { name: 'Inh Desk', list_price: 300 });
        const [deskVariant] = s.orm.search('product.product', [['product_tmpl_id', '=', desk]]);
        assert.deepEqual(s.orm.read('product.product', deskVariant!, ['name', 'list_price'])[0], { id: deskVariant, name: 'Inh Desk', list_price: new PyFloat(300) });
        const chairTmpl = tmplOf(chair);
        s.orm.unlink('product.product', second);
        assert.ok(s.orm.get('product.template', chairTmpl));
        s.orm.unlink('product.product', chair);
        assert.equal(s.orm.get('product.template', chairTmpl), undefined);
        s.orm.unlink('product.template', desk);
        assert.equal(s.orm.get('product.product', deskVariant!), undefined);
      });

      test('res.users _inherits res.partner: fields_get, create with and without partner_id, reads, search, order and writes through the partner, copy', () => {
        const fg = s.orm.call('res.users', 'fields_get', [], { attributes: ['related', 'required', 'readonly', 'store', 'type', 'relation'] }) as Record<string, RpcStruct>;
        const partnerFg = s.orm.call('res.partner', 'fields_get', [], { attributes: ['type'] }) as Record<string, RpcStruct>;
        // every partner field is on the user; those the user does not define are related partner_id.<name>
        assert.deepEqual(Object.keys(partnerFg).filter((n) => !(n in fg)), []);
        assert.deepEqual(fg.partner_id, { readonly: false, relation: 'res.partner', required: true, store: true, type: 'many2one' });
        assert.deepEqual(fg.name, { readonly: false, related: 'partner_id.name', required: false, store: false, type: 'char' });
        assert.deepEqual(fg.email, { readonly: false, related: 'partner_id.email', required: false, store: false, type: 'char' });
        for (const n of ['lang', 'tz', 'phone', 'street', 'parent_id', 'is_company', 'user_ids']) assert.equal(fg[n]!.related, `partner_id.${n}`, n);
        // the user's own definitions win where res_users.py declares them
        for (const n of ['id', 'login', 'active', 'company_id', 'company_ids', 'share', 'tz_offset', 'create_uid', 'write_date']) assert.equal(fg[n]!.related, undefined, n);
        assert.deepEqual(fg.company_id, { readonly: false, relation: 'res.company', required: true, store: true, type: 'many2one' });
        const related = Object.values(fg).filter((f) => typeof f.related === 'string' && f.related.startsWith('partner_id.')).length;
        assert.ok(related * 2 > Object.keys(partnerFg).length, `${related} of ${Object.keys(partnerFg).length}`);

        // Without partner_id: a partner made of the inherited values (and its defaults, default_<field> included).
        const partners = s.orm.search('res.partner', [], { context: { active_test: false } }).length;
        const ann = s.orm.create('res.users', { name: 'Inh Ann', login: 'inh-ann', email: 'ann@example.com', phone: '+1 555', company_ids: [[6, 0, [1]]] }, { context: { default_function: 'Buyer' } });
        assert.equal(s.orm.search('res.partner', [], { context: { active_test: false } }).length, partners + 1);
        const annPartner = s.orm.get('res.users', ann)!.partner_id as number;
        assert.deepEqual(s.orm.read('res.partner', annPartner, ['name', 'email', 'phone', 'function', 'type', 'active', 'user_ids'])[0], { id: annPartner, name: 'Inh Ann', email: 'ann@example.com', phone: '+1 555', function: 'Buyer', type: 'contact', active: true, user_ids: [ann] });
        assert.equal(s.orm.get('res.users', ann)!.name, undefined, 'name is not stored on the user');
        assert.deepEqual(s.orm.read('res.users', ann, ['name', 'email', 'phone', 'login', 'partner_id', 'display_name'])[0], { id: ann, name: 'Inh Ann', email: 'ann@example.com', phone: '+1 555', login: 'inh-ann', partner_id: [annPartner, 'Inh Ann'], display_name: 'Inh Ann' });
        // The partner's required name: no partner, no user.
        assert.match(odooErrorOf(() => s.orm.create('res.users', { login: 'inh-noname' })).message, /Contacts require a name/);
        assert.deepEqual(s.orm.search('res.users', [['login', '=', 'inh-noname']], { context: { active_test: false } }), []);

        // With partner_id: the given values are written on that partner, none of its defaults; the
        // partner follows the user's active flag (ResUsers.create).
        const bob = s.orm.create('res.partner', { name: 'Inh Bob', email: 'bob@old.example.com', function: 'Chef', active: false });
        const bobUser = s.orm.create('res.users', { partner_id: bob, login: 'inh-bob', email: 'bob@example.com' }, { context: { default_function: 'Buyer' } });
        assert.deepEqual(s.orm.read('res.partner', bob, ['name', 'email', 'function', 'active'])[0], { id: bob, name: 'Inh Bob', email: 'bob@example.com', function: 'Chef', active: true });
        assert.equal(s.orm.search('res.partner', [], { context: { active_test: false } }).length, partners + 2);

        // Writes of inherited fields go to the partner; search and order go through it.
        s.orm.write('res.users', bobUser, { name: 'Inh Bob B', city: 'Ghent', login: 'inh-bob2' });
        assert.deepEqual(s.orm.read('res.partner', bob, ['name', 'city'])[0], { id: bob, name: 'Inh Bob B', city: 'Ghent' });
        assert.equal(s.orm.get('res.users', bobUser)!.login, 'inh-bob2');
        assert.deepEqual(s.orm.search('res.users', [['name', '=like', 'Inh %']], { order: 'name desc' }), [bobUser, ann]);
        assert.deepEqual(s.orm.search('res.users', [['city', '=', 'Ghent']]), [bobUser]);
        assert.deepEqual(s.orm.search('res.users', [['partner_id.email', '=', 'ann@example.com']]), [ann]);

        // copy: a new partner with the copied inherited fields (copy_data leaves the link out); "(copy)" names.
        const [annCopy] = s.orm.call('res.users', 'copy', [ann]) as number[];
        const copyPartner = s.orm.get('res.users', annCopy!)!.partner_id as number;
        assert.notEqual(copyPartner, annPartner);
        assert.deepEqual(s.orm.read('res.users', annCopy!, ['name', 'login', 'email', 'phone'])[0], { id: annCopy, name: 'Inh Ann (copy)', login: 'inh-ann (copy)', email: 'ann@example.com', phone: '+1 555' });

        // The seeded users keep their ids and their partners'.
        const admin = s.orm.read('res.users', 2, ['name', 'login', 'partner_id', 'lang', 'tz'])[0]!;
        assert.deepEqual([admin.login, (admin.partner_id as [number, string])[0], admin.lang, admin.tz], ['admin', 3, 'en_US', false]);
        assert.equal(admin.name, s.orm.get('res.partner', 3)!.name);
        assert.equal((s.orm.read('res.users', version >= 19 ? 7 : 8, ['partner_id'])[0]!.partner_id as [number, string])[0], integrationPartner);
        for (const id of [ann, bobUser, annCopy!]) s.orm.unlink('res.users', id);
      });

      test('ResUsers.write: a true active unarchives the partners, company_id moves those with a company', () => {
        const c2 = version >= 19 ? 2 : s.orm.create('res.company', { name: 'Sync Co', partner_id: s.orm.create('res.partner', { name: 'Sync Co' }) });
        const a = s.orm.create('res.users', { name: 'Sync A', login: 'sync-a', company_ids: [[6, 0, [1, c2]]] });
        const pa = s.orm.get('res.users', a)!.partner_id as number;
        // an active user whose partner was archived: 19.0 unarchives it, 16.0-18.0 only for inactive users
        s.orm.write('res.partner', pa, { active: false });
        s.orm.write('res.users', a, { active: true });
        assert.equal(s.orm.get('res.partner', pa)!.active, version >= 19);
        s.orm.write('res.users', a, { active: false });
        s.orm.write('res.partner', pa, { active: false });
        s.orm.write('res.users', a, { active: true });
        assert.equal(s.orm.get('res.partner', pa)!.active, true, 'an inactive user unarchived unarchives its partner');
        s.orm.write('res.users', a, { active: false });
        assert.equal(s.orm.get('res.partner', pa)!.active, true, 'archiving the user leaves the partner');
        // company_id: a global partner stays global, one with a company follows the user's
        s.orm.write('res.users', a, { active: true, company_id: c2 });
        assert.equal(s.orm.get('res.partner', pa)!.company_id, false);
        s.orm.write('res.partner', pa, { company_id: 1 });
        s.orm.write('res.users', a, { company_id: c2 });
        assert.equal(s.orm.get('res.partner', pa)!.company_id, c2);
        s.orm.unlink('res.users', a);
      });

      test('unlink clears many2one references and many2many links', () => {
        const p = s.orm.create('res.partner', { name: 'Short-lived' });
        const lead = s.orm.create('crm.lead', { name: 'refers to it', partner_id: p });
        s.orm.unlink('res.partner', p);
        assert.equal(s.orm.read('crm.lead', lead, ['partner_id'])[0]!.partner_id, false);
        assert.equal(odooErrorOf(() => s.orm.unlink('res.partner', p)).name, 'odoo.exceptions.MissingError');
      });
    });

    describe('methods', () => {
      test('copy, name_search, name_create, fields_get', () => {
        const [copy] = s.orm.call('res.partner', 'copy', [27], { default: { email: 'copy@example.com' } }) as number[];
        assert.deepEqual(s.orm.read('res.partner', copy!, ['name', 'email', 'parent_id'])[0], { id: copy, name: 'Brandon Freeman (copy)', email: 'copy@example.com', parent_id: [15, 'Azure Interior'] });
        assert.deepEqual(s.orm.call('res.partner', 'name_search', ['Colleen'], { limit: 5 }), [[34, 'Azure Interior, Colleen Diaz']]);
        const [tagId, tagName] = s.orm.call('crm.tag', 'name_create', ['quick tag']) as [number, string];
        assert.equal(tagName, 'quick tag');
        assert.equal(s.orm.get('crm.tag', tagId)!.name, 'quick tag');
        const fg = s.orm.call('res.partner', 'fields_get', [['parent_id', 'child_ids', 'type']], { attributes: ['type', 'relation', 'string', 'relation_field', 'selection'] }) as RpcStruct;
        assert.deepEqual(Object.keys(fg), ['parent_id', 'child_ids', 'type'].filter((k) => k in fg));
        assert.deepEqual(fg.parent_id, { relation: 'res.partner', string: 'Related Company', type: 'many2one' });
        assert.deepEqual(fg.child_ids, { relation: 'res.partner', relation_field: 'parent_id', string: 'Contact', type: 'one2many' });
        // What the proxy asks for: related and depends tell which fields a write may change.
        const schema = s.orm.call('res.partner', 'fields_get', [['name', 'parent_name', 'company_type']], { attributes: ['type', 'related', 'depends'] }) as RpcStruct;
        assert.deepEqual(schema, { name: { depends: [], type: 'char' }, parent_name: { depends: ['parent_id.name'], related: 'parent_id.name', type: 'char' }, company_type: { depends: ['is_company'], type: 'selection' } });
        assert.deepEqual((s.orm.call('crm.lead', 'fields_get', [['email_from']], { attributes: ['depends'] }) as RpcStruct).email_from, { depends: ['partner_id'] });
        assert.deepEqual((s.orm.call('sale.order', 'fields_get', [['amount_total']], { attributes: ['depends'] }) as RpcStruct).amount_total, { depends: ['order_line.price_subtotal'] });
        const full = (s.orm.call('crm.stage', 'fields_get', [], {}) as RpcStruct).name as RpcStruct;
        assert.deepEqual(Object.keys(full), [...Object.keys(full)].sort(), 'attributes in alphabetical order, as Odoo sends them');
        assert.equal(full.required, true);
        assert.equal(full.type, 'char');
      });

      test('read_group: lazy counts and sums, several groupbys, dates by month', () => {
        const groups = s.orm.call('crm.lead', 'read_group', [[['stage_id', '=', 4]], ['expected_revenue:sum'], ['user_id']]) as RpcStruct[];
        assert.deepEqual(groups, [{ user_id: [2, 'Mitchell Admin'], user_id_count: 3, expected_revenue: new PyFloat(23800), __domain: ['&', ['user_id', '=', 2], ['stage_id', '=', 4]] }]);
        const both = s.orm.call('crm.lead', 'read_group', [[['id', 'in', [14, 19]]], ['expected_revenue'], ['stage_id', 'partner_id']], { lazy: false }) as RpcStruct[];
        assert.deepEqual(
          both.map((g) => [g.stage_id, g.partner_id, g.__count]),
          [
            [[1, 'New'], [deco, version >= 19 ? 'Acme Corporation' : 'Deco Addict'], 1],
            [[2, 'Qualified'], [15, 'Azure Interior'], 1],
          ],
        );
        const months = s.orm.call('crm.lead', 'read_group', [[['id', 'in', [14, 15]]], [], ['date_deadline:month']]) as RpcStruct[];
        assert.deepEqual(months.map((g) => [g['date_deadline:month'], g.date_deadline_count]), [['December 2026', 1], [false, 1]]);
        if (version >= 19) {
          const fg = s.orm.call('crm.lead', 'formatted_read_group', [[['stage_id', '=', 4]]], { groupby: ['user_id'], aggregates: ['__count', 'expected_revenue:max'] }) as RpcStruct[];
          assert.deepEqual(fg, [{ user_id: [2, 'Mitchell Admin'], __extra_domain: [['user_id', '=', 2]], __count: 3, 'expected_revenue:max': new PyFloat(9800) }]);
        } else {
          assert.throws(() => s.orm.call('crm.lead', 'formatted_read_group', [[]]), /no public method/);
        }
      });

      test('message_post: an id on 18.0, a list of one id on 19.0; Expected singleton on several records', () => {
        const r = s.orm.call('crm.lead', 'message_post', [[14]], { body: 'hello', message_type: 'comment' });
        const id = version >= 19 ? (r as number[])[0]! : (r as number);
        if (version >= 19) assert.ok(Array.isArray(r) && r.length === 1);
        else assert.equal(typeof r, 'number');
        const [m] = s.orm.read('mail.message', id, ['body', 'model', 'res_id', 'author_id', 'message_type', 'date']);
        assert.deepEqual(m, { id, body: '<p>hello</p>', model: 'crm.lead', res_id: 14, author_id: [3, 'YourCompany, Mitchell Admin'], message_type: 'comment', date: '2026-12-01 09:30:00' });
        assert.ok((s.orm.read('crm.lead', 14, ['message_ids'])[0]!.message_ids as number[]).includes(id));
        assert.equal(odooErrorOf(() => s.orm.call('crm.lead', 'message_post', [[14, 19]], { body: 'x' })).message, 'Expected singleton: crm.lead(14, 19)');
        assert.equal(odooErrorOf(() => s.orm.call('crm.lead', 'message_post', [[14], 'positional'])).message, 'MailThread.message_post() takes 1 positional argument but 2 were given');
      });

      test('actions: action_set_won, action_set_lost, archive', () => {
        const id = s.orm.create('crm.lead', { name: 'to win' });
        assert.equal(s.orm.call('crm.lead', 'action_set_won', [[id]]), true);
        assert.deepEqual(s.orm.read('crm.lead', id, ['stage_id', 'probability', 'date_closed'])[0], { id, stage_id: [4, 'Won'], probability: new PyFloat(100), date_closed: '2026-12-01 09:30:00' });
        assert.equal(s.orm.call('crm.lead', 'action_set_lost', [[id]], { lost_reason_id: 2 }), true);
        assert.deepEqual(s.orm.search('crm.lead', [['id', '=', id]]), []);
        assert.deepEqual(s.orm.read('crm.lead', id, ['active', 'lost_reason_id'])[0], { id, active: false, lost_reason_id: [2, "We don't have people/skills"] });
        assert.equal(s.orm.call('crm.lead', 'action_unarchive', [[id]]), true);
        assert.deepEqual(s.orm.search('crm.lead', [['id', '=', id]]), [id]);
      });

      test('web_search_read and web_read with nested specifications', () => {
        const r = s.orm.call('crm.lead', 'web_search_read', [[['id', 'in', [19, 22]]], { name: {}, partner_id: { fields: { display_name: {}, email: {} } }, tag_ids: { fields: { name: {} } } }]) as RpcStruct;
        assert.equal(r.length, 2);
        const first = (r.records as RpcStruct[])[0]!;
        assert.equal(first.id, 22);
        assert.deepEqual(first.partner_id, { id: 15, display_name: 'Azure Interior', email: 'vauxoo@yourcompany.example.com' });
        assert.deepEqual(first.tag_ids, [{ id: 4, name: 'Information' }]);
        assert.deepEqual(s.orm.call('crm.lead', 'web_read', [[14], { stage_id: {} }]), [{ id: 14, stage_id: { id: 1, display_name: 'New' } }]);
      });
    });

    describe('access rights', () => {
      test('a Sales user is refused where Odoo refuses it, with the version wording', async () => {
        const k = s.users.integration;
        const call = (model: string, method: string, args: unknown[], kw: Record<string, unknown> = {}): Promise<RpcValue> => executeKw(s.url, s.db, k.uid, k.apiKey!, model, method, args, kw);
        const users = await faultOf(call('res.users', 'write', [[2], { name: 'x' }]));
        assert.equal(users.code, 4);
        assert.match(users.message, version >= 19 ? /\t- Access Rights\n/ : /\t- Administration\/Access Rights\n/);
        const stage = await faultOf(call('crm.stage', 'write', [[1], { name: 'x' }]));
        assert.equal(stage.message, `You are not allowed to modify 'CRM Stages' (crm.stage) records.\n\nThis operation is allowed for the following groups:\n\t- ${version >= 19 ? 'Sales / Administrator' : 'Sales/Administrator'}\n\nContact your administrator to request access if necessary.`);
        assert.match((await faultOf(call('mail.tracking.value', 'search_read', [[]], { fields: ['field_id'] }))).message, /'Mail Tracking Value' \(mail.tracking.value\)/);
        // What a Sales user may do.
        assert.deepEqual(await call('res.users', 'read', [[2], ['name']]), [{ id: 2, name: 'Mitchell Admin' }]);
        const lead = (await call('crm.lead', 'create', [{ name: 'by integration' }])) as number;
        assert.equal(await call('crm.lead', 'write', [[lead], { expected_revenue: 10 }]), true);
        assert.equal(await call('crm.lead', 'unlink', [[lead]]), true);
        assert.equal(await call('res.partner', 'write', [[27], { function: 'Buyer' }]), true);
      });
    });

    // The 18.0 demo database has a single company; the 19.0 one has a second (My US Company).
    if (version >= 19) test('multi-company: records of another company are hidden, allowed_company_ids is checked against the user', async () => {
      const other = s.orm.create('crm.lead', { name: 'US company lead', company_id: 2 });
      const k = s.users.integration;
      const a = s.users.admin;
      assert.ok(s.orm.search('crm.lead', [['name', '=', 'US company lead']]).includes(other), 'admin belongs to both companies');
      assert.deepEqual(s.orm.search('crm.lead', [['name', '=', 'US company lead']], { context: { allowed_company_ids: [1] } }), []);
      assert.deepEqual(await executeKw(s.url, s.db, k.uid, k.apiKey!, 'crm.lead', 'search', [[['name', '=', 'US company lead']]]), []);
      const hidden = await faultOf(executeKw(s.url, s.db, k.uid, k.apiKey!, 'crm.lead', 'read', [[other], ['name']]));
      assert.equal(hidden.code, 4);
      assert.match(hidden.message, /^Due to security restrictions, you are not allowed to access 'Lead\/Opportunity' \(crm.lead\) records\.\n\nRecords: US company lead \(id=\d+\)\nUser: Integration \(id=7\)/);
      const foreign = await faultOf(executeKw(s.url, s.db, k.uid, k.apiKey!, 'res.partner', 'search', [[]], { context: { allowed_company_ids: [2] } }));
      assert.deepEqual([foreign.code, foreign.message], [4, 'Access to unauthorized or invalid companies.']);
      assert.equal(((await executeKw(s.url, s.db, a.uid, a.apiKey!, 'crm.lead', 'read', [[other], ['company_id']], { context: { allowed_company_ids: [2, 1] } })) as RpcStruct[])[0]!.company_id?.toString(), '2,My US Company');
    });

    describe('chatter tracking', () => {
      test('writes to tracked crm.lead fields post one message with a tracking value per field: author, date, old and new', async () => {
        const k = s.users.integration;
        const lead = s.orm.create('crm.lead', { name: 'tracked', email_from: 'old@example.com', expected_revenue: 100 });
        const before = s.orm.search('mail.message', [['model', '=', 'crm.lead'], ['res_id', '=', lead]]);
        await executeKw(s.url, s.db, k.uid, k.apiKey!, 'crm.lead', 'write', [[lead], { stage_id: 2, user_id: k.uid, name: 'tracked (renamed)', email_from: 'new@example.com', expected_revenue: 250.5, description: 'not tracked' }]);
        const after = s.orm.search('mail.message', [['model', '=', 'crm.lead'], ['res_id', '=', lead]]);
        const fresh = after.filter((id) => !before.includes(id));
        assert.equal(fresh.length, 1);
        const [msg] = s.orm.read('mail.message', fresh, ['author_id', 'date', 'message_type', 'subtype_id', 'tracking_value_ids']);
        assert.deepEqual(msg!.author_id, [integrationPartner, 'Integration']);
        assert.equal(msg!.date, '2026-12-01 09:30:00');
        assert.equal(msg!.message_type, 'notification');
        assert.deepEqual(msg!.subtype_id, [4, 'Stage Changed']);
        const values = s.orm.searchRead('mail.tracking.value', [['mail_message_id', '=', fresh[0]!]], ['field_id', 'old_value_char', 'new_value_char', 'old_value_integer', 'new_value_integer', 'old_value_float', 'new_value_float'], { order: 'id' });
        const byField = Object.fromEntries(values.map((v) => [(v.field_id as [number, string])[1], v]));
        assert.deepEqual(Object.keys(byField).sort(), ['Email (crm.lead)', 'Expected Revenue (crm.lead)', 'Opportunity (crm.lead)', 'Salesperson (crm.lead)', 'Stage (crm.lead)']);
        assert.equal(byField['Stage (crm.lead)']!.old_value_char, 'New');
        assert.equal(byField['Stage (crm.lead)']!.new_value_char, 'Qualified');
        assert.deepEqual([byField['Stage (crm.lead)']!.old_value_integer, byField['Stage (crm.lead)']!.new_value_integer], [1, 2]);
        assert.deepEqual([byField['Salesperson (crm.lead)']!.old_value_char, byField['Salesperson (crm.lead)']!.new_value_char], ['Mitchell Admin', 'Integration']);
        assert.deepEqual([byField['Opportunity (crm.lead)']!.old_value_char, byField['Opportunity (crm.lead)']!.new_value_char], ['tracked', 'tracked (renamed)']);
        assert.deepEqual([byField['Email (crm.lead)']!.old_value_char, byField['Email (crm.lead)']!.new_value_char], ['old@example.com', 'new@example.com']);
        assert.deepEqual([byField['Expected Revenue (crm.lead)']!.old_value_float, byField['Expected Revenue (crm.lead)']!.new_value_float], [new PyFloat(100), new PyFloat(250.5)]);
        // tracking_value_ids is a Settings-only field: a Sales user reading the message does not get it, and may not ask for it.
        const asSales = (await executeKw(s.url, s.db, k.uid, k.apiKey!, 'mail.message', 'read', [fresh])) as RpcStruct[];
        assert.equal(asSales[0]!.id, fresh[0]);
        assert.ok(!('tracking_value_ids' in asSales[0]!));
        const denied = await faultOf(executeKw(s.url, s.db, k.uid, k.apiKey!, 'mail.message', 'read', [fresh, ['tracking_value_ids']]));
        assert.equal(denied.code, 4);
        assert.match(denied.message, /^You do not have enough rights to access the field "tracking_value_ids" on Message \(mail.message\)\. Please contact your system administrator\.\n\nOperation: read$/);
        assert.equal((msg!.tracking_value_ids as number[]).length, 5);
        // The write is attributed to the writer in write_uid as well.
        assert.deepEqual(s.orm.read('crm.lead', lead, ['write_uid'])[0]!.write_uid, [k.uid, 'Integration']);
        // A write that changes no tracked field posts nothing.
        s.orm.write('crm.lead', lead, { description: 'still not tracked' });
        assert.deepEqual(s.orm.search('mail.message', [['model', '=', 'crm.lead'], ['res_id', '=', lead]]), after);
      });

      test('res.partner name and email are tracked too; admins read tracking values over RPC', async () => {
        s.orm.write('res.partner', 28, { name: 'Nicole Ford-Smith', email: 'nicole@example.com' });
        const [msg] = s.orm.search('mail.message', [['model', '=', 'res.partner'], ['res_id', '=', 28]], { limit: 1 });
        const a = s.users.admin;
        const rows = (await executeKw(s.url, s.db, a.uid, a.apiKey!, 'mail.tracking.value', 'search_read', [[['mail_message_id', '=', msg]]], { fields: ['field_id', 'old_value_char', 'new_value_char'], order: 'id' })) as RpcStruct[];
        assert.deepEqual(
          rows.map((r) => [(r.field_id as [number, string])[1], r.old_value_char, r.new_value_char]).sort(),
          [
            ['Email (res.partner)', 'nicole.ford@example.com', 'nicole@example.com'],
            ['Name (res.partner)', 'Nicole Ford', 'Nicole Ford-Smith'],
          ],
        );
      });
    });

    test('db, common and object services over JSON-RPC', async () => {
      assert.deepEqual(await jsonrpc(s.url, 'db', 'list', []), [s.db]);
      assert.equal(await jsonrpc(s.url, 'common', 'login', [s.db, 'admin', s.users.admin.password]), 2);
      assert.equal(await jsonrpc(s.url, 'common', 'authenticate', [s.db, 'nobody', 'x', {}]), false);
      const e = await faultOf(jsonrpc(s.url, 'object', 'execute_kw', [s.db, 2, s.users.admin.apiKey, 'crm.lead', 'search', [[]], { bogus: 1 }]));
      assert.equal(e.code, 'builtins.TypeError');
      assert.equal(e.message, "BaseModel.search() got an unexpected keyword argument 'bogus'");
      if (version >= 19) {
        // check_access returns None: fine in JSON, a fault in XML-RPC (Odoo marshals with allow_none=False).
        assert.equal(await jsonrpc(s.url, 'object', 'execute_kw', [s.db, 2, s.users.admin.apiKey, 'crm.lead', 'check_access', [[14], 'read']]), null);
        const none = await faultOf(executeKw(s.url, s.db, 2, s.users.admin.apiKey!, 'crm.lead', 'check_access', [[14], 'read']));
        assert.equal(none.code, 1);
        assert.match(none.message, /TypeError: cannot marshal None unless allow_none is enabled\n$/);
      }
    });
  });
}

describe('the OCA auditlog imitation', () => {
  test('off by default: the models do not exist and the module is not installed', async () => {
    const s = await startStandin({ version: 19 });
    try {
      const a = s.users.admin;
      const e = await faultOf(executeKw(s.url, s.db, a.uid, a.apiKey!, 'auditlog.log', 'search', [[]]));
      assert.equal(e.message, "Object auditlog.log doesn't exist");
      assert.deepEqual(await executeKw(s.url, s.db, a.uid, a.apiKey!, 'ir.module.module', 'search_read', [[['name', '=', 'auditlog']]], { fields: ['state'] }), []);
      assert.deepEqual(await executeKw(s.url, s.db, a.uid, a.apiKey!, 'ir.model', 'search', [[['model', '=', 'auditlog.log']]]), []);
    } finally {
      await s.close();
    }
  });

  for (const version of [18, 19] as const) {
    test(`on (Odoo ${version}.0): installed, and writes through RPC leave auditlog.log lines with old and new values`, async () => {
      const s = await startStandin({ version, auditlog: true });
      try {
        const k = s.users.integration;
        const a = s.users.admin;
        assert.deepEqual(await executeKw(s.url, s.db, k.uid, k.apiKey!, 'ir.module.module', 'search_read', [[['name', '=', 'auditlog']]], { fields: ['name', 'state'] }), [{ id: 13, name: 'auditlog', state: 'installed' }]);
        assert.equal(((await executeKw(s.url, s.db, k.uid, k.apiKey!, 'ir.model', 'search', [[['model', '=', 'auditlog.log']]])) as number[]).length, 1);
        const lead = (await executeKw(s.url, s.db, k.uid, k.apiKey!, 'crm.lead', 'create', [{ name: 'audited' }])) as number;
        await executeKw(s.url, s.db, k.uid, k.apiKey!, 'crm.lead', 'write', [[lead], { name: 'audited twice', stage_id: 3 }]);
        const logs = (await executeKw(s.url, s.db, a.uid, a.apiKey!, 'auditlog.log', 'search_read', [[['res_id', '=', lead], ['model_model', '=', 'crm.lead']]], { fields: ['method', 'user_id', 'name', 'line_ids'], order: 'id' })) as RpcStruct[];
        assert.deepEqual(logs.map((l) => [l.method, l.user_id]), [['create', [k.uid, 'Integration']], ['write', [k.uid, 'Integration']]]);
        const lines = (await executeKw(s.url, s.db, k.uid, k.apiKey!, 'auditlog.log.line', 'search_read', [[['log_id', '=', logs[1]!.id as number]]], { fields: ['field_name', 'old_value_text', 'new_value_text'], order: 'id' })) as RpcStruct[];
        assert.deepEqual(lines.map((l) => [l.field_name, l.old_value_text, l.new_value_text]), [['name', 'audited', 'audited twice'], ['stage_id', 'New', 'Proposition']]);
        // Only Settings administrators may change the rules.
        assert.equal((await faultOf(executeKw(s.url, s.db, k.uid, k.apiKey!, 'auditlog.rule', 'write', [[1], { state: 'draft' }]))).code, 4);
      } finally {
        await s.close();
      }
    });
  }
});
