// A rule's domain after the call: records created, written, copied or linked must lie inside the
// domains of the rules that allow it (follow-up to issue 3). Every case runs through every call shape
// (execute_kw positional, execute_kw keyword, execute, JSON-2) the call fits.
import { test } from 'node:test';
import { env, key, runCases, SCHEMAS, shapes, XMLIDS, type Case } from './support.js';
import type { ModelSchema, Rule } from '../../src/policy/types.js';
import { PyFloat, type RpcValue } from '../../src/rpc/values.js';
import { decide, propertyNameReach } from '../../src/policy/decide.js';
import assert from 'node:assert/strict';

type Params = [string, RpcValue][];
const char = { type: 'char' };
const create = (vals: RpcValue, context?: Record<string, RpcValue>, model = 'crm.lead') => ({ model, method: 'create', params: [['vals_list', vals]] as Params, ...(context ? { context } : {}) });
const write = (ids: number[], vals: RpcValue, model = 'crm.lead', context?: Record<string, RpcValue>) => ({ model, method: 'write', ids, params: [['vals', vals]] as Params, ...(context ? { context } : {}) });
const copy = (ids: number[], dflt?: RpcValue) => ({ model: 'crm.lead', method: 'copy', ids, params: (dflt === undefined ? [] : [['default', dflt]]) as Params });

const OPPORTUNITY = [['type', '=', 'opportunity']];
const opportunities: Rule = { model: 'crm.lead', methods: ['create', 'write', 'copy', 'web_save', 'web_save_multi', 'name_create', 'load'], domain: OPPORTUNITY };

test('closed: a rule domain constrains create (vals, default_<field>, web_save, name_create, load)', () => {
  const k = key([opportunities]);
  const withDomain = (domain: RpcValue[]) => key([{ ...opportunities, domain }]);
  const cases: Case[] = [
    { name: 'a field of the domain left out: Odoo would pick its default', key: k, call: create({ name: 'x' }), expect: { verdict: 'deny', rule: 0, reason: /vals: the domain \[\["type","=","opportunity"\]\] of rule 0 \(crm.lead: .*\) cannot be shown to hold for the created record: set 'type' explicitly/ } },
    { name: 'a value outside the domain', key: k, call: create({ name: 'x', type: 'lead' }), expect: { verdict: 'deny', reason: /vals: the created record would lie outside the domain/ } },
    { name: 'a value inside the domain', key: k, call: create({ name: 'x', type: 'opportunity' }), expect: { verdict: 'allow', rule: 0, checks: [] } },
    { name: 'default_<field> in the context sets the value', key: k, call: create({ name: 'x' }, { default_type: 'opportunity' }), expect: { verdict: 'allow', rule: 0 } },
    { name: 'default_<field> outside the domain', key: k, call: create({ name: 'x' }, { default_type: 'lead' }), expect: { verdict: 'deny', reason: /would lie outside the domain/ } },
    { name: 'the values win over default_<field>', key: k, call: create({ name: 'x', type: 'lead' }, { default_type: 'opportunity' }), expect: { verdict: 'deny', reason: /would lie outside the domain/ } },
    { name: 'every record of a vals_list', key: k, call: create([{ type: 'opportunity' }, { type: 'lead' }]), expect: { verdict: 'deny', reason: /^vals_list\[1\]: the created record would lie outside/ } },
    { name: 'a later rule whose domain holds allows it', key: key([opportunities, { ...opportunities, domain: [['type', '=', 'lead']] }]), call: create({ type: 'lead' }), expect: { verdict: 'allow', rule: 1 } },
    { name: 'web_save on no records creates one', key: k, call: { model: 'crm.lead', method: 'web_save', ids: [], params: [['vals', { name: 'x' }], ['specification', {}]] }, expect: { verdict: 'deny', reason: /set 'type' explicitly/ } },
    { name: 'web_save creating inside the domain', key: k, call: { model: 'crm.lead', method: 'web_save', ids: [], params: [['vals', { name: 'x', type: 'opportunity' }], ['specification', {}]] }, expect: { verdict: 'allow', checks: [] } },
    { name: 'name_create sets only the name', key: k, call: { model: 'crm.lead', method: 'name_create', params: [['name', 'New']] }, expect: { verdict: 'deny', reason: /name_create: the domain .* cannot be shown to hold for the created record \(name_create sets only the record's name/ } },
    { name: 'name_create with default_<field> for the domain', key: k, call: { model: 'crm.lead', method: 'name_create', params: [['name', 'New']], context: { default_type: 'opportunity' } }, expect: { verdict: 'allow' } },
    { name: 'name_create: the name field takes the name, not its default', key: withDomain([['name', '=', 'Acme']]), call: { model: 'crm.lead', method: 'name_create', params: [['name', 'Evil']], context: { default_name: 'Acme' } }, expect: { verdict: 'deny', reason: /name_create sets only/ } },
    { name: 'load: text rows are not evaluated', key: k, call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'type']], ['data', [['a', 'opportunity']]]] }, expect: { verdict: 'deny', reason: /load: the domain .* cannot be shown to hold for the imported records/ } },
    { name: 'load: default_<field> for a field no column sets', key: k, call: { model: 'crm.lead', method: 'load', params: [['fields', ['name']], ['data', [['a']]]], context: { default_type: 'opportunity' } }, expect: { verdict: 'allow' } },
    { name: 'load: a column overrides default_<field>', key: k, call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'type']], ['data', [['a', 'lead']]]], context: { default_type: 'opportunity' } }, expect: { verdict: 'deny', reason: /imported records/ } },
    // operators and values
    { name: '| : one branch holds', key: withDomain(['|', ['type', '=', 'opportunity'], ['expected_revenue', '>', 1000]]), call: create({ type: 'lead', expected_revenue: 5000 }), expect: { verdict: 'allow' } },
    { name: '| : neither branch holds', key: withDomain(['|', ['type', '=', 'opportunity'], ['expected_revenue', '>', 1000]]), call: create({ type: 'lead', expected_revenue: 500 }), expect: { verdict: 'deny', reason: /would lie outside/ } },
    { name: '! : negation of a known leaf', key: withDomain(['!', ['type', '=', 'lead']]), call: create({ type: 'opportunity' }), expect: { verdict: 'allow' } },
    { name: '! : negation of an unknown leaf stays unknown', key: withDomain(['!', ['type', '=', 'lead']]), call: create({ name: 'x' }), expect: { verdict: 'deny', reason: /set 'type' explicitly/ } },
    { name: '=? with False holds whatever the values', key: withDomain([['user_id', '=?', false]]), call: create({ name: 'x' }), expect: { verdict: 'allow' } },
    { name: '=? with a value is =', key: withDomain([['user_id', '=?', 8]]), call: create({ user_id: 9 }), expect: { verdict: 'deny', reason: /would lie outside/ } },
    { name: 'in', key: withDomain([['priority', 'in', ['2', '3']]]), call: create({ priority: '3' }), expect: { verdict: 'allow' } },
    { name: 'not in', key: withDomain([['priority', 'not in', ['0']]]), call: create({ priority: '0' }), expect: { verdict: 'deny', reason: /would lie outside/ } },
    { name: '!= False on a many2one set to False', key: withDomain([['user_id', '!=', false]]), call: create({ user_id: false }), expect: { verdict: 'deny', reason: /would lie outside/ } },
    { name: '= False on a many2one left empty', key: withDomain([['user_id', '=', false]]), call: create({ user_id: false }), expect: { verdict: 'allow' } },
    { name: 'a boolean', key: withDomain([['active', '=', true]]), call: create({ active: false }), expect: { verdict: 'deny', reason: /would lie outside/ } },
    { name: 'dates compare as dates', key: withDomain([['date_deadline', '>=', '2026-01-01']]), call: create({ date_deadline: '2026-03-01' }), expect: { verdict: 'allow' } },
    { name: 'a date in another format is not evaluated', key: withDomain([['date_deadline', '>=', '2026-01-01']]), call: create({ date_deadline: '1/3/2026' }), expect: { verdict: 'deny', reason: /the leaves on 'date_deadline' cannot be evaluated from the values given/ } },
    { name: 'a float Odoo would round is not evaluated', key: withDomain([['expected_revenue', '>', 0]]), call: create({ expected_revenue: 0.001 }), expect: { verdict: 'deny', reason: /'expected_revenue' cannot be evaluated/ } },
    { name: 'text compared with < is not evaluated (collation)', key: withDomain([['name', '<', 'm']]), call: create({ name: 'a' }), expect: { verdict: 'deny', reason: /cannot be evaluated/ } },
    { name: 'like is not evaluated', key: withDomain([['name', 'ilike', 'acme']]), call: create({ name: 'Acme' }), expect: { verdict: 'deny', reason: /cannot be evaluated/ } },
    { name: 'a readonly computed field keeps no value written to it', key: key([{ model: 'sale.order', methods: ['create'], domain: [['amount_total', '<', 1000]] }]), call: create({ amount_total: 5 }, undefined, 'sale.order'), expect: { verdict: 'deny', reason: /'amount_total' is set by Odoo itself/ } },
    { name: 'an editable computed field keeps the value written', key: withDomain([['probability', '<', 50]]), call: create({ probability: 10 }), expect: { verdict: 'allow' } },
    { name: 'a related field is not evaluated', key: key([{ ...opportunities, domain: [['partner_email', '=', 'a@b.c']] }, { model: 'res.partner', methods: ['write'] }]), call: create({ partner_email: 'a@b.c', partner_id: 3 }), expect: { verdict: 'deny', reason: /cannot be evaluated/ } },
    { name: 'id is not known before the record exists', key: withDomain([['id', '>', 100]]), call: create({ name: 'x' }), expect: { verdict: 'deny', reason: /'id' is set by Odoo itself/ } },
    // a many2one path: the linked record is checked upstream
    { name: 'a path through a many2one set to an id: checked upstream', key: withDomain([['partner_id.customer_rank', '>', 0]]), call: create({ partner_id: 4 }), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [4] }], checkDomains: [[['customer_rank', '>', 0]]] } },
    { name: 'any on a many2one set to an id: checked upstream', key: withDomain([['partner_id', 'any', [['is_company', '=', true]]]]), call: create({ partner_id: 4 }), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [4] }], checkDomains: [[['is_company', '=', true]]] } },
    { name: 'no upstream check on a record the same call writes (it would see the old value)', key: key([{ ...opportunities, domain: [['partner_id.email', '=', 'a@b.c']] }, { model: 'res.partner', methods: ['write'] }]), call: create({ partner_id: 4, partner_email: 'x@y.z' }), expect: { verdict: 'deny', reason: /cannot be shown to hold/ } },
    { name: 'a path through a many2one left out', key: withDomain([['partner_id.customer_rank', '>', 0]]), call: create({ name: 'x' }), expect: { verdict: 'deny', reason: /set 'partner_id' explicitly/ } },
    { name: 'a path not needed when another branch holds: no check', key: withDomain(['|', ['type', '=', 'opportunity'], ['partner_id.customer_rank', '>', 0]]), call: create({ type: 'opportunity', partner_id: 4 }), expect: { verdict: 'allow', checks: [] } },
    // without the schema the engine asks for it rather than refusing
    { name: 'no schema yet: asked for', key: k, call: create({ name: 'x' }), env: { schema: () => undefined }, expect: { verdict: 'need_schema', models: ['crm.lead'] } },
  ];
  runCases(cases);
});

test('closed: records created through command 0 lie inside the comodel rule domain', () => {
  const order: Rule = { model: 'sale.order', methods: ['create', 'write'], fields: ['partner_id', 'order_line'] };
  const lines = (domain: RpcValue[]): Rule => ({ model: 'sale.order.line', methods: ['create'], fields: ['product_id', 'price_unit', 'name'], domain });
  const withLine = (line: RpcValue) => create([{ partner_id: 3, order_line: [[0, 0, line]] }], undefined, 'sale.order');
  const cases: Case[] = [
    { name: 'a line inside the domain', key: key([order, lines([['price_unit', '>', 0]])]), call: withLine({ product_id: 1, price_unit: 5 }), expect: { verdict: 'allow', rule: 0 } },
    { name: 'a line outside the domain', key: key([order, lines([['price_unit', '>', 0]])]), call: withLine({ product_id: 1, price_unit: 0 }), expect: { verdict: 'deny', reason: /command 0 creates sale.order.line\): the created record would lie outside the domain \[\["price_unit",">",0\]\] of rule 1/ } },
    { name: 'a line leaving the domain field out', key: key([order, lines([['price_unit', '>', 0]])]), call: withLine({ product_id: 1 }), expect: { verdict: 'deny', reason: /set 'price_unit' explicitly/ } },
    { name: 'the inverse field is set by Odoo, not by the values', key: key([order, { ...lines([['order_id', '=', 5]]), fields: ['product_id', 'order_id'] }]), call: withLine({ product_id: 1, order_id: 5 }), expect: { verdict: 'deny', reason: /'order_id' is set by Odoo itself/ } },
    { name: 'another comodel rule whose domain holds', key: key([order, lines([['price_unit', '>', 100]]), lines([['price_unit', '>', 0]])]), call: withLine({ product_id: 1, price_unit: 5 }), expect: { verdict: 'allow' } },
    { name: 'a comodel rule without a domain', key: key([order, lines([['price_unit', '>', 100]]), lines([])]), call: withLine({ product_id: 1, price_unit: 5 }), expect: { verdict: 'allow' } },
    { name: 'default_<field> applies to the lines too', key: key([{ ...order, fields: [...order.fields!, 'name'] }, lines([['name', '=', 'std']])]), call: create([{ partner_id: 3, order_line: [[0, 0, { product_id: 1 }]] }], { default_name: 'std' }, 'sale.order'), expect: { verdict: 'allow' } },
    { name: 'default_<field> on the lines outside the domain', key: key([{ ...order, fields: [...order.fields!, 'name'] }, lines([['name', '=', 'std']])]), call: create([{ partner_id: 3, order_line: [[0, 0, { product_id: 1 }]] }], { default_name: 'odd' }, 'sale.order'), expect: { verdict: 'deny', reason: /command 0 creates sale.order.line\): the created record would lie outside/ } },
    { name: 'command 0 in a write', key: key([order, lines([['price_unit', '>', 0]])]), call: write([9], { order_line: [[0, 0, { price_unit: 0 }]] }, 'sale.order'), expect: { verdict: 'deny', reason: /would lie outside the domain/ } },
  ];
  runCases(cases);
});

test('closed: a write must not move a record out of its rule domain', () => {
  const k = key([opportunities]);
  const w = (domain: RpcValue[], more: Partial<Rule> = {}) => key([{ ...opportunities, domain, ...more }]);
  const cases: Case[] = [
    { name: 'writing the domain field out of it', key: k, call: write([1, 2], { type: 'lead' }), expect: { verdict: 'deny', rule: 0, reason: /^vals: the written values would move the records out of the domain \[\["type","=","opportunity"\]\] of rule 0/ } },
    { name: 'writing the domain field inside it', key: k, call: write([1], { type: 'opportunity' }), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [1] }] } },
    { name: 'writing other fields keeps the leaf', key: k, call: write([1], { name: 'y', expected_revenue: 3 }), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [1] }] } },
    { name: '| : the record may have been inside only through the branch written away', key: w(['|', ['type', '=', 'opportunity'], ['user_id', '=', 8]]), call: write([1], { user_id: 9 }), expect: { verdict: 'deny', reason: /the written values may move records out of the domain .* \(a record inside it through its leaves on 'user_id' would leave it\)/ } },
    { name: '| : writing the branch to true', key: w(['|', ['type', '=', 'opportunity'], ['user_id', '=', 8]]), call: write([1], { user_id: 8 }), expect: { verdict: 'allow' } },
    { name: '& of | : an untouched branch still holds', key: w(['|', ['type', '=', 'opportunity'], '&', ['stage_id', '=', 1], ['user_id', '=', 8]]), call: write([1], { stage_id: 1 }), expect: { verdict: 'allow' } },
    { name: 'a computed field that depends on the written field', key: w([['probability', '>=', 50]]), call: write([1], { stage_id: 4 }), expect: { verdict: 'deny', reason: /the written values change 'probability' through computed or related fields/ } },
    { name: 'a computed field that does not depend on it', key: w([['probability', '>=', 50]]), call: write([1], { name: 'x' }), expect: { verdict: 'allow' } },
    { name: 'write_date is set by Odoo on every write', key: w([['write_date', '<', '2026-01-01 00:00:00']]), call: write([1], { name: 'x' }), expect: { verdict: 'deny', reason: /'write_date' is set by Odoo itself/ } },
    { name: 'a path through a written many2one: the new record checked upstream', key: w([['partner_id.customer_rank', '>', 0]]), call: write([1], { partner_id: 4 }), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [1] }, { model: 'res.partner', ids: [4] }] } },
    { name: 'a path through a many2one written empty', key: w([['partner_id.customer_rank', '>', 0]]), call: write([1], { partner_id: false }), expect: { verdict: 'deny', reason: /the leaves on 'partner_id.customer_rank' cannot be evaluated/ } },
    { name: 'records of another model updated through a command may be behind any path', key: key([{ ...opportunities, domain: [['partner_id.customer_rank', '>', 0]] }, { model: 'res.partner', methods: ['write'] }]), call: write([1], { message_partner_ids: [[1, 4, { customer_rank: 0 }]] }), expect: { verdict: 'deny', reason: /the call also writes or deletes records of other models, which may be the ones behind 'partner_id.customer_rank'/ } },
    { name: 'links only (command 4 on a many2many) leave other paths alone', key: key([{ ...opportunities, domain: [['partner_id.customer_rank', '>', 0]] }]), call: write([1], { message_partner_ids: [[4, 4]] }), expect: { verdict: 'allow' } },
    { name: 'an x2many written changes paths through it', key: w([['tag_ids.name', '=', 'vip']]), call: write([1], { tag_ids: [[6, 0, [1]]] }), expect: { verdict: 'deny', reason: /cannot be shown to hold/ } },
    { name: 'web_save on records is a write', key: k, call: { model: 'crm.lead', method: 'web_save', ids: [1], params: [['vals', { type: 'lead' }], ['specification', {}]] }, expect: { verdict: 'deny', reason: /would move the records out/ } },
    { name: '19: web_save_multi writes each record', key: k, env: { version: 19 }, call: { model: 'crm.lead', method: 'web_save_multi', ids: [1, 2], params: [['vals_list', [{ name: 'a' }, { type: 'lead' }]], ['specification', {}]] }, expect: { verdict: 'deny', reason: /^vals_list\[1\]: the written values would move/ } },
    { name: 'sale.order: order lines change the computed total', key: key([{ model: 'sale.order', methods: ['write'], domain: [['amount_total', '<', 1000]] }, { model: 'sale.order.line', methods: ['create'] }]), call: write([3], { order_line: [[0, 0, { price_unit: 5000 }]] }, 'sale.order'), expect: { verdict: 'deny', reason: /'amount_total'/ } },
  ];
  runCases(cases);
});

test('closed: command 1 and links must not move lines out of the comodel rule domain', () => {
  const order: Rule = { model: 'sale.order', methods: ['write'], fields: ['order_line', 'tag_ids'] };
  const lineWrite = (domain: RpcValue[], fields = ['price_unit', 'order_id']): Rule => ({ model: 'sale.order.line', methods: ['write', 'unlink'], fields, domain });
  const w = (order_line: RpcValue) => write([9], { order_line }, 'sale.order');
  const cases: Case[] = [
    { name: 'command 1 moving a line out', key: key([order, lineWrite([['price_unit', '>', 0]])]), call: w([[1, 7, { price_unit: 0 }]]), expect: { verdict: 'deny', reason: /command 1 updates sale.order.line\): the written values would move the records out of the domain/ } },
    { name: 'command 1 keeping the line inside', key: key([order, lineWrite([['price_unit', '>', 0]])]), call: w([[1, 7, { price_unit: 3 }]]), expect: { verdict: 'allow', checks: [{ model: 'sale.order.line', ids: [7] }] } },
    { name: 'command 4 on a one2many writes the line\'s inverse field: needs write there', key: key([order]), call: w([[4, 7]]), expect: { verdict: 'deny', reason: /command 4 on a one2many moves the sale.order.line lines to this record, writing their 'order_id'\) needs write on sale.order.line \('order_id'\)/ } },
    { name: 'command 4 on a one2many with a write rule: the line checked', key: key([order, lineWrite([['price_unit', '>', 0]])]), call: w([[4, 7]]), expect: { verdict: 'allow', checks: [{ model: 'sale.order.line', ids: [7] }] } }, // the link and the write ask the same check: asked once
    { name: 'command 4 on a one2many when the comodel domain tests the inverse field', key: key([order, lineWrite([['order_id', '=', 9]])]), call: w([[4, 7]]), expect: { verdict: 'deny', reason: /'order_id' is set by Odoo itself/ } },
    { name: 'command 6 on a one2many moves the lines too', key: key([order, { model: 'sale.order.line', methods: ['write', 'unlink'] }]), call: w([[6, 0, [7, 8]]]), expect: { verdict: 'allow', checks: [] } },
    { name: 'command 6 on a one2many without write on the lines', key: key([order, { model: 'sale.order.line', methods: ['unlink'] }]), call: w([[6, 0, [7, 8]]]), expect: { verdict: 'deny', reason: /command 6 on a one2many moves the sale.order.line lines/ } },
  ];
  runCases(cases);
});

test('closed: copy keeps the copy inside the rule domain', () => {
  const k = key([opportunities]);
  const c = (domain: RpcValue[]) => key([{ ...opportunities, domain }]);
  const cases: Case[] = [
    { name: 'a default that moves the copy out', key: k, call: copy([5], { type: 'lead' }), expect: { verdict: 'deny', reason: /^default: the copy would lie outside the domain/ } },
    { name: 'a default inside the domain', key: k, call: copy([5], { type: 'opportunity', name: 'x' }), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [5] }] } },
    { name: 'no default: the original was checked upstream', key: k, call: copy([5]), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [5] }] } },
    { name: 'computed fields are not copied', key: c([['probability', '>', 0]]), call: copy([5], { name: 'x' }), expect: { verdict: 'deny', reason: /set 'probability' in default \(Odoo does not copy computed, related and one2many fields/ } },
    { name: 'computed fields set in default', key: c([['probability', '>', 0]]), call: copy([5], { probability: 60 }), expect: { verdict: 'allow' } },
    { name: 'default_<field> in the context sets fields Odoo does not copy', key: k, call: { ...copy([5], { name: 'x' }), context: { default_type: 'lead' } }, expect: { verdict: 'deny', reason: /set 'type' in default/ } },
    { name: 'default_<field> in the context, the field set in default', key: k, call: { ...copy([5], { type: 'opportunity' }), context: { default_type: 'lead' } }, expect: { verdict: 'allow' } },
    { name: 'create_date is the copy\'s own', key: c([['create_date', '<', '2026-01-01 00:00:00']]), call: copy([5]), expect: { verdict: 'deny', reason: /'create_date' is set by Odoo itself/ } },
    { name: 'the copy has a new id', key: c([['id', 'in', [5]]]), call: copy([5]), expect: { verdict: 'deny', reason: /'id' is set by Odoo itself/ } },
  ];
  runCases(cases);
});

test('closed: linking records the key may not reach (many2one ids, commands 4 and 6, references)', () => {
  const CUSTOMERS = [['customer_rank', '>', 0]];
  const lead: Rule = { model: 'crm.lead', methods: ['create', 'write', 'copy', 'load'], fields: ['name', 'partner_id', 'tag_ids'] };
  const customers: Rule = { model: 'res.partner', methods: ['read'], fields: ['name', 'display_name'], domain: CUSTOMERS };
  const tags: Rule = { model: 'crm.tag', methods: ['read'], domain: [['color', '=', 1]] };
  const cases: Case[] = [
    { name: 'a many2one id in create values', key: key([lead, customers]), call: create({ name: 'x', partner_id: 4 }), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [4] }], checkDomains: [CUSTOMERS] } },
    { name: 'a many2one id in write values', key: key([lead, customers]), call: write([1], { partner_id: 4 }), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [4] }] } },
    { name: 'a many2one id in copy default', key: key([lead, customers]), call: copy([1], { partner_id: 4 }), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [4] }] } },
    { name: 'a many2one set to False links nothing', key: key([lead, customers]), call: create({ name: 'x', partner_id: false }), expect: { verdict: 'allow', checks: [] } },
    { name: 'several rules with domains: the ids must lie inside one of them', key: key([lead, customers, { ...customers, methods: ['write'], domain: [['is_company', '=', true]] }]), call: create({ partner_id: 4 }), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [4] }], checkDomains: [['|', ['customer_rank', '>', 0], ['is_company', '=', true]]] } },
    { name: 'a rule without a domain on the comodel: no check', key: key([lead, customers, { model: 'res.partner', methods: ['read'], fields: ['name'] }]), call: create({ partner_id: 4 }), expect: { verdict: 'allow', checks: [] } },
    { name: 'no rule at all on the comodel: the field alone decides', key: key([lead]), call: create({ partner_id: 4 }), expect: { verdict: 'allow', checks: [] } },
    { name: 'command 4 on a many2many', key: key([lead, tags]), call: write([1], { tag_ids: [[4, 7]] }), expect: { verdict: 'allow', checks: [{ model: 'crm.tag', ids: [7] }], checkDomains: [[['color', '=', 1]]] } },
    { name: 'command 6 on a many2many', key: key([lead, tags]), call: write([1], { tag_ids: [[6, 0, [7, 8, 7]]] }), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [1], field: 'tag_ids', comodel: 'crm.tag', set: [7, 8] }] } },
    { name: 'a bare list of ids on a many2many', key: key([lead, tags]), call: create({ name: 'x', tag_ids: [7, 8] }), expect: { verdict: 'allow', checks: [{ model: 'crm.tag', ids: [7, 8] }] } },
    { name: 'nested: a many2one inside a command 0 line', key: key([{ model: 'sale.order', methods: ['create'], fields: ['order_line'] }, { model: 'sale.order.line', methods: ['create'], fields: ['product_id'] }, { model: 'product.product', methods: ['read'], domain: [['list_price', '>', 0]] }]), call: create({ order_line: [[0, 0, { product_id: 12 }]] }, undefined, 'sale.order'), expect: { verdict: 'allow', checks: [{ model: 'product.product', ids: [12] }] } },
    { name: 'default_<field> in the context links too', key: key([lead, customers]), call: create({ name: 'x' }, { default_partner_id: 4 }), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [4] }] } },
    { name: 'a reference value', key: key([{ model: 'mail.activity', methods: ['create'] }, customers]), call: create({ summary: 'x', origin_ref: 'res.partner,4' }, undefined, 'mail.activity'), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [4] }] } },
    { name: 'a reference that is not one', key: key([{ model: 'mail.activity', methods: ['create'] }]), call: create({ origin_ref: 'res.partner;4' }, undefined, 'mail.activity'), expect: { verdict: 'deny', reason: /is not a reference/ } },
    { name: 'a reference to a sensitive model no rule names', key: key([{ model: 'mail.activity', methods: ['create'] }]), call: create({ origin_ref: 'res.users,2' }, undefined, 'mail.activity'), expect: { verdict: 'deny', reason: /links a record of res.users, a sensitive model/ } },
    { name: 'load: database ids in a /.id column', key: key([lead, customers]), call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'partner_id/.id']], ['data', [['a', '4'], ['b', '5'], ['c', '']]]] }, expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [4, 5] }] } },
    { name: 'a company outside the key\'s companies', key: key([lead, { model: 'res.partner', methods: ['write'], fields: ['company_id'] }], { limits: { companies: [1, 3] } }), call: write([4], { company_id: 2 }, 'res.partner'), expect: { verdict: 'deny', limit: 'companies', reason: /vals\['company_id'\] puts records in company 2, outside the key's companies \(1, 3\)/ } },
    { name: 'a company inside the key\'s companies', key: key([lead, { model: 'res.partner', methods: ['write'], fields: ['company_id'] }], { limits: { companies: [1, 3] } }), call: write([4], { company_id: 3 }, 'res.partner'), expect: { verdict: 'allow' } },
    { name: 'load: external ids, the records ir.model.data says they name, checked like database ids', key: key([lead, customers]), call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'partner_id/id']], ['data', [['a', 'base.res_partner_1'], ['b', '__export__.res_partner_7_0a1b2c3d'], ['c', '']]]] }, expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [9, 7] }] } },
    { name: 'load: external ids not looked up yet: every one the call names asked for at once', key: key([lead, customers]), env: { externalId: () => undefined }, call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'partner_id/id']], ['data', [['a', 'base.res_partner_1'], ['b', 'contact_1'], ['c', 'base.res_partner_1']]]] }, expect: { verdict: 'need_schema', models: [], xmlids: ['__import__.contact_1', 'base.res_partner_1'] } },
    { name: 'load: an external id no record has (Odoo fails the row)', key: key([lead, customers]), call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'partner_id/id']], ['data', [['a', 'base.res_partner_1'], ['b', 'base.no_such_partner']]]] }, expect: { verdict: 'deny', reason: /load column 'partner_id\/id': the external id 'base\.no_such_partner' names no res\.partner record \(Odoo fails the row/, detail: /load column 'partner_id\/id' names the external id 'base\.no_such_partner', which no res\.partner record has/ } },
    { name: 'load: an external id of another model (Odoo fails the row)', key: key([lead, customers]), call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'partner_id/id']], ['data', [['a', 'base.main_company']]]] }, expect: { verdict: 'deny', reason: /the external id 'base\.main_company' names no res\.partner record \(Odoo fails the row/, hides: /res\.company/, detail: /the external id 'base\.main_company' names a res\.company record \(1\), not a res\.partner one/ } },
    { name: "load: a cell Odoo reads as no reference ('0', 'False', 'no') links nothing", key: key([lead, customers]), call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'partner_id/id']], ['data', [['a', '0'], ['b', 'False'], ['c', 'NO']]]] }, expect: { verdict: 'allow', checks: [] } },
    { name: 'load: no domain on the comodel, a key that may read ir.model.data: nothing looked up', key: key([lead, { model: 'ir.model.data', methods: ['read'], allow_sensitive: true }]), env: { externalId: () => { throw new Error('looked up'); } }, call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'partner_id/id']], ['data', [['a', 'base.res_partner_1']]]] }, expect: { verdict: 'allow', checks: [] } },
    // review6: forwarded, Odoo's answer to an external id of another model names that model; a key
    // that may not read ir.model.data has its cells looked up and that one refused without it.
    { name: 'load: no domain on the comodel: the record an external id names looked up', key: key([lead]), call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'partner_id/id']], ['data', [['a', 'base.res_partner_1']]]] }, expect: { verdict: 'allow', checks: [] } },
    { name: '... one of another model refused, without the model', key: key([lead]), call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'partner_id/id']], ['data', [['a', 'base.main_company']]]] }, expect: { verdict: 'deny', reason: /the external id 'base\.main_company' names no res\.partner record \(Odoo fails the row/, hides: /res\.company/, detail: /names a res\.company record \(1\), not a res\.partner one/ } },
    { name: '... one no record has: Odoo\'s to answer (it names no model)', key: key([lead]), call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'partner_id/id']], ['data', [['a', 'base.no_such_partner']]]] }, expect: { verdict: 'allow', checks: [] } },
    { name: 'load: a many2one of one2many lines by database id', key: key([{ model: 'sale.order', methods: ['load'], fields: ['name', 'order_line'] }, { model: 'sale.order.line', methods: ['create', 'write'], fields: ['name', 'product_id'] }, { model: 'product.product', methods: ['read'], domain: [['list_price', '>', 0]] }]), call: { model: 'sale.order', method: 'load', params: [['fields', ['name', 'order_line/name', 'order_line/product_id/.id']], ['data', [['a', 'l1', '12'], ['', 'l2', '13']]]] }, expect: { verdict: 'allow', checks: [{ model: 'product.product', ids: [12, 13] }] } },
    { name: 'load: a /.id cell that is not ids', key: key([lead, customers]), call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'partner_id/.id']], ['data', [['a', '4 OR 1=1']]]] }, expect: { verdict: 'deny', reason: /is not a record id/ } },
  ];
  runCases(cases);
});

test('closed: unlinking records the key may not reach (many2many commands 3, 5, 6, bare ids, False)', () => {
  // A key whose rules on the comodel all have domains may link only records inside them, and
  // (here) unlink only those too: Many2many.write_real drops every current link on 5 and 6.
  const TAGS = [['color', '=', 1]];
  const lead: Rule = { model: 'crm.lead', methods: ['create', 'write', 'copy', 'web_save', 'web_save_multi', 'load'], fields: ['name', 'tag_ids', 'partner_id', 'partner_category_ids'] };
  const tags: Rule = { model: 'crm.tag', methods: ['read'], domain: TAGS };
  const links = (ids: number[], model = 'crm.lead', field = 'tag_ids', comodel = 'crm.tag') => ({ model, ids, field, comodel });
  const order: Rule = { model: 'sale.order', methods: ['create', 'write'], fields: ['order_line', 'tag_ids'] };
  const line: Rule = { model: 'sale.order.line', methods: ['create', 'write'], fields: ['tax_id', 'name'] };
  const taxes: Rule = { model: 'account.tax', methods: ['read'], domain: [['amount', '<', 25]] };
  const loadOrder: Rule = { model: 'sale.order', methods: ['load'], fields: ['name', 'order_line'] };
  // Lines linked by reference move from their old order: write on the inverse field too.
  const movedLine: Rule = { ...line, fields: [...line.fields!, 'order_id'] };
  const loadSO = (fields: string[], data: string[][]) => ({ model: 'sale.order', method: 'load', params: [['fields', fields], ['data', data]] as [string, RpcValue][] });
  const related: Record<string, ModelSchema> = { ...SCHEMAS, 'crm.lead': { ...SCHEMAS['crm.lead']!, partner_category_ids: { type: 'many2many', relation: 'res.partner.category', related: 'partner_id.category_id' } }, 'res.partner.category': { name: char } };
  const cases: Case[] = [
    { name: 'command 3: the unlinked id must lie inside the domain', key: key([lead, tags]), call: write([1], { tag_ids: [[3, 7]] }), expect: { verdict: 'allow', checks: [{ model: 'crm.tag', ids: [7] }], checkDomains: [TAGS] } },
    { name: 'command 5: every current link of the written records', key: key([lead, tags]), call: write([1, 2], { tag_ids: [[5]] }), expect: { verdict: 'allow', checks: [links([1, 2])], checkDomains: [TAGS] } },
    { name: 'command 5 written as [5, 0, 0]', key: key([lead, tags]), call: write([1], { tag_ids: [[5, 0, 0]] }), expect: { verdict: 'allow', checks: [links([1])] } },
    { name: 'command 6: the links it removes and adds (one check: the current links read, then compared with the new ones)', key: key([lead, tags]), call: write([3], { tag_ids: [[6, 0, [7]]] }), expect: { verdict: 'allow', checks: [{ ...links([3]), set: [7] }] } },
    { name: 'command 6 with an empty list', key: key([lead, tags]), call: write([3], { tag_ids: [[6, 0, []]] }), expect: { verdict: 'allow', checks: [{ ...links([3]), set: [] }] } },
    { name: 'a bare list of ids on a write replaces the links', key: key([lead, tags]), call: write([3], { tag_ids: [7, 8] }), expect: { verdict: 'allow', checks: [{ ...links([3]), set: [7, 8] }] } },
    { name: 'False clears the links (Command.clear)', key: key([lead, tags]), call: write([3], { tag_ids: false }), expect: { verdict: 'allow', checks: [links([3])] } },
    { name: 'None clears them too', key: key([lead, tags]), call: write([3], { tag_ids: null }), expect: { verdict: 'allow', checks: [links([3])] } },
    { name: 'several rules with domains: the links must lie inside one of them', key: key([lead, tags, { ...tags, methods: ['write'], domain: [['color', '=', 2]] }]), call: write([1], { tag_ids: [[5]] }), expect: { verdict: 'allow', checks: [links([1])], checkDomains: [['|', ['color', '=', 1], ['color', '=', 2]]] } },
    { name: 'a create has no links to remove', key: key([lead, tags]), call: create({ name: 'x', tag_ids: [[5], [6, 0, [7]]] }), expect: { verdict: 'allow', checks: [{ model: 'crm.tag', ids: [7] }] } },
    { name: 'False on a create clears nothing', key: key([lead, tags]), call: create({ name: 'x', tag_ids: false }), expect: { verdict: 'allow', checks: [] } },
    { name: 'a copy default sets the links of the new record only', key: key([lead, tags]), call: copy([1], { tag_ids: [[6, 0, [7]]] }), expect: { verdict: 'allow', checks: [{ model: 'crm.tag', ids: [7] }] } },
    { name: 'a default_<field> applies to created records only', key: key([lead, tags]), call: create({ name: 'x' }, { default_tag_ids: [[6, 0, [7]]] }), expect: { verdict: 'allow', checks: [{ model: 'crm.tag', ids: [7] }] } },
    { name: 'web_save on records', key: key([lead, tags]), call: { model: 'crm.lead', method: 'web_save', ids: [4], params: [['vals', { tag_ids: [[6, 0, [7]]] }], ['specification', {}]] }, expect: { verdict: 'allow', checks: [{ ...links([4]), set: [7] }] } },
    { name: 'web_save on no records creates one', key: key([lead, tags]), call: { model: 'crm.lead', method: 'web_save', ids: [], params: [['vals', { tag_ids: [[6, 0, [7]]] }], ['specification', {}]] }, expect: { verdict: 'allow', checks: [{ model: 'crm.tag', ids: [7] }] } },
    { name: 'web_save_multi (19): every record\'s links', key: key([lead, tags]), env: { version: 19 }, call: { model: 'crm.lead', method: 'web_save_multi', ids: [4, 5], params: [['vals_list', [{ tag_ids: [[5]] }, { name: 'x' }]], ['specification', {}]] }, expect: { verdict: 'allow', checks: [links([4, 5])] } },
    // unchanged where the operator chose it: no domain on the comodel, or no rule there
    { name: 'a comodel rule without a domain: no check, as before', key: key([lead, tags, { model: 'crm.tag', methods: ['read'] }]), call: write([1], { tag_ids: [[3, 9], [5], [6, 0, [7]], [4, 8]] }), expect: { verdict: 'allow', checks: [] } },
    { name: 'no rule on the comodel: no check, as before', key: key([lead]), call: write([1], { tag_ids: [[3, 9], [5], [6, 0, [7]], 8] }), expect: { verdict: 'allow', checks: [] } },
    // nested in command 0 / 1 lines
    { name: 'nested: command 6 in a line updated with command 1 (the line\'s links)', key: key([order, line, taxes]), call: write([5], { order_line: [[1, 11, { tax_id: [[6, 0, [3]]] }]] }, 'sale.order'), expect: { verdict: 'allow', checks: [{ ...links([11], 'sale.order.line', 'tax_id', 'account.tax'), set: [3] }] } },
    { name: 'nested: command 3 in a line updated with command 1', key: key([order, line, taxes]), call: write([5], { order_line: [[1, 11, { tax_id: [[3, 4]] }]] }, 'sale.order'), expect: { verdict: 'allow', checks: [{ model: 'account.tax', ids: [4] }] } },
    { name: 'nested: a bare list in a line updated with command 1', key: key([order, line, taxes]), call: write([5], { order_line: [[1, 11, { tax_id: [3] }]] }, 'sale.order'), expect: { verdict: 'allow', checks: [{ ...links([11], 'sale.order.line', 'tax_id', 'account.tax'), set: [3] }] } },
    { name: 'nested: command 5 in a line created with command 0 removes nothing', key: key([order, line, taxes]), call: write([5], { order_line: [[0, 0, { name: 'x', tax_id: [[5], [4, 3]] }]] }, 'sale.order'), expect: { verdict: 'allow', checks: [{ model: 'account.tax', ids: [3] }] } },
    // a related many2many writes through to another record, whose links the engine cannot read
    { name: 'a related many2many: command 6 refused, naming 3 and 4', key: key([lead, { model: 'res.partner', methods: ['write'], fields: ['category_id'] }, { model: 'res.partner.category', methods: ['read'], domain: [['name', '=like', 'Web%']] }]), env: { schema: (m) => related[m] }, call: write([1], { partner_category_ids: [[6, 0, [2]]] }), expect: { verdict: 'deny', reason: /vals\['partner_category_ids'\]\[0\] \(command 6 removes the current links it leaves out\) removes every current link of crm.lead.partner_category_ids, .*\(a related field: the links belong to another record\).*command 3 .*command 4/ } },
    { name: 'a related many2many: also on a create', key: key([lead, { model: 'res.partner', methods: ['write'], fields: ['category_id'] }, { model: 'res.partner.category', methods: ['read'], domain: [['name', '=like', 'Web%']] }]), env: { schema: (m) => related[m] }, call: create({ name: 'x', partner_id: 3, partner_category_ids: [[5]] }), expect: { verdict: 'deny', reason: /a related field/ } },
    { name: 'a related many2many: command 3 and 4 checked by id', key: key([lead, { model: 'res.partner', methods: ['write'], fields: ['category_id'] }, { model: 'res.partner.category', methods: ['read'], domain: [['name', '=like', 'Web%']] }]), env: { schema: (m) => related[m] }, call: write([1], { partner_category_ids: [[3, 5], [4, 2]] }), expect: { verdict: 'allow', checks: [{ model: 'res.partner.category', ids: [5] }, { model: 'res.partner.category', ids: [2] }] } },
    // load writes a many2many column as command 6 on the records its rows update
    // Each row sets the links of its own record (an empty cell: none), checked by what it changes; new rows link.
    { name: 'load: a many2many column on rows that update records by database id: row by row, the links each changes', key: key([lead, tags]), call: { model: 'crm.lead', method: 'load', params: [['fields', ['.id', 'tag_ids/.id']], ['data', [['1', '7'], ['', '8'], ['2', ''], ['1', '7,9']]]] }, expect: { verdict: 'allow', checks: [{ ...links([1, 2]), set: [7, 9], rows: [{ id: 1, ids: [7] }, { id: 2, ids: [] }, { id: 1, ids: [7, 9] }] }, { model: 'crm.tag', ids: [8] }], checkDomains: [TAGS, TAGS] } },
    { name: 'load under update_many2many: cells add (no link removed), an empty cell still clears', key: key([lead, tags], { limits: { context_keys: ['update_many2many'] } }), call: { model: 'crm.lead', method: 'load', params: [['fields', ['.id', 'tag_ids/.id']], ['data', [['1', '7'], ['2', '']]]], context: { update_many2many: 1 } }, expect: { verdict: 'allow', checks: [{ ...links([1]), set: [7], rows: [{ id: 1, ids: [7] }], adds: true }, links([2])], checkDomains: [TAGS, TAGS] } },
    { name: 'load: a related many2many column is still refused (its links belong to another record)', key: key([{ ...lead, fields: [...lead.fields!, 'partner_category_ids'] }, { model: 'res.partner', methods: ['write'], fields: ['category_id'] }, { model: 'res.partner.category', methods: ['read'], domain: [['name', '=like', 'Web%']] }]), env: { schema: (m) => related[m] }, call: { model: 'crm.lead', method: 'load', params: [['fields', ['.id', 'partner_category_ids/.id']], ['data', [['1', '2']]]] }, expect: { verdict: 'deny', reason: /a related field/ } },
    { name: 'load: a many2many column on rows that update records by external id: row by row, like .id rows (a new external id creates)', key: key([lead, tags]), call: { model: 'crm.lead', method: 'load', params: [['fields', ['id', 'tag_ids/.id']], ['data', [['lead_4', '7'], ['lead_1', '8'], ['__export__.crm_lead_4_0a1b2c3d', '7,9']]]] }, expect: { verdict: 'allow', checks: [{ ...links([4]), set: [7, 9], rows: [{ id: 4, ids: [7] }, { id: 4, ids: [7, 9] }] }, { model: 'crm.tag', ids: [8] }], checkDomains: [TAGS, TAGS] } },
    { name: 'load: ... and tags by external id too', key: key([lead, tags]), call: { model: 'crm.lead', method: 'load', params: [['fields', ['id', 'tag_ids/id']], ['data', [['lead_4', 'crm.tag_1,__export__.crm_tag_3_aa'], ['lead_1', 'crm.tag_1']]]] }, expect: { verdict: 'allow', checks: [{ ...links([4]), set: [1, 3], rows: [{ id: 4, ids: [1, 3] }] }, { model: 'crm.tag', ids: [1] }], checkDomains: [TAGS, TAGS] } },
    { name: 'load: a many2many column on new rows', key: key([lead, tags]), call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'tag_ids/.id']], ['data', [['a', '7']]]] }, expect: { verdict: 'allow', checks: [{ model: 'crm.tag', ids: [7] }] } },
    // ... and so on the one2many lines it updates (order_line/.id): Odoo's converter gives such a
    // line Command.update(id, {tax_id: [Command.set(ids)]}); the lines' links are checked as above.
    { name: 'load: a many2many column of one2many lines named by id', key: key([loadOrder, movedLine, taxes]), call: loadSO(['name', 'order_line/.id', 'order_line/tax_id/.id'], [['a', '11', '3']]), expect: { verdict: 'deny', reason: /load column 'order_line\/tax_id\/.id' replaces the account.tax links of the existing records the rows update/ } },
    { name: 'load: ... by external id', key: key([loadOrder, movedLine, taxes]), call: loadSO(['name', 'order_line/id', 'order_line/tax_id/.id'], [['a', '__export__.sale_order_line_11', '3']]), expect: { verdict: 'deny', reason: /replaces the account.tax links/ } },
    { name: 'load: a many2many column of new one2many lines links ids checked against the domain', key: key([loadOrder, movedLine, taxes]), call: loadSO(['name', 'order_line/name', 'order_line/tax_id/.id'], [['a', 'l1', '3,4'], ['', 'l2', '5']]), expect: { verdict: 'allow', checks: [{ model: 'account.tax', ids: [3, 4, 5] }] } },
    { name: 'load: a line column linking by external id: the records they name, checked', key: key([loadOrder, movedLine, taxes]), call: loadSO(['name', 'order_line/name', 'order_line/tax_id/id'], [['a', 'l1', 'account.tax_21']]), expect: { verdict: 'allow', checks: [{ model: 'account.tax', ids: [21] }] } },
    { name: 'load: a line column that is not ids', key: key([loadOrder, movedLine, taxes]), call: loadSO(['name', 'order_line/name', 'order_line/tax_id/.id'], [['a', 'l1', '3 OR 1=1']]), expect: { verdict: 'deny', reason: /is not a list of record ids/ } },
    { name: 'load: line columns with no domain on the comodel: no check, as before', key: key([loadOrder, movedLine]), call: loadSO(['name', 'order_line/.id', 'order_line/tax_id/.id'], [['a', '11', '3']]), expect: { verdict: 'allow', checks: [] } },
  ];
  runCases(cases);
});

test('closed: False on a one2many is command 5 (it may delete every line)', () => {
  const order: Rule = { model: 'sale.order', methods: ['create', 'write'], fields: ['order_line', 'name'] };
  const cases: Case[] = [
    { name: 'a write: needs unlink on the lines', key: key([order]), call: write([5], { order_line: false }, 'sale.order'), expect: { verdict: 'deny', reason: /vals\['order_line'\] \(false is command 5: on a one2many it may delete every sale.order.line line\) needs unlink on sale.order.line/ } },
    { name: 'a write with an unlink rule limited to a domain', key: key([order, { model: 'sale.order.line', methods: ['unlink'], domain: [['price_unit', '<', 100]] }]), call: write([5], { order_line: null }, 'sale.order'), expect: { verdict: 'deny', reason: /would unlink sale.order.line records without naming them/ } },
    { name: 'a write with an unlink rule', key: key([order, { model: 'sale.order.line', methods: ['unlink'] }]), call: write([5], { order_line: false }, 'sale.order'), expect: { verdict: 'allow' } },
    { name: 'a create has no lines yet', key: key([order]), call: create({ name: 'x', order_line: false }, undefined, 'sale.order'), expect: { verdict: 'allow' } },
  ];
  runCases(cases);
});

test('closed: default_<field> values are values (commands, links, related fields)', () => {
  const lead: Rule = { model: 'crm.lead', methods: ['create', 'read'], fields: ['name', 'tag_ids', 'partner_email'] };
  const cases: Case[] = [
    { name: 'a command 0 in a default creates comodel records', key: key([lead]), call: create({ name: 'x' }, { default_tag_ids: [[0, 0, { name: 'vip' }]] }), expect: { verdict: 'deny', reason: /context\['default_tag_ids'\] \(on crm.lead\)\['tag_ids'\]\[0\] \(command 0 creates crm.tag\) needs create on crm.tag/ } },
    { name: 'a command 0 in a default with a rule there', key: key([lead, { model: 'crm.tag', methods: ['create'] }]), call: create({ name: 'x' }, { default_tag_ids: [[0, 0, { name: 'vip' }]] }), expect: { verdict: 'allow' } },
    { name: 'a related field in a default writes through', key: key([lead]), call: create({ name: 'x' }, { default_partner_email: 'a@b.c' }), expect: { verdict: 'deny', reason: /related to partner_id.email\) needs write on res.partner/ } },
    { name: 'a default on a call that creates nothing only passes the allowlist', key: key([lead]), call: { model: 'crm.lead', method: 'search_read', params: [['domain', []], ['fields', ['name']]], context: { default_tag_ids: [[0, 0, { name: 'vip' }]] } }, expect: { verdict: 'allow' } },
  ];
  runCases(cases);
});

test('closed: a properties value that rewrites the definition on the parent record', () => {
  const k = key([{ model: 'crm.lead', methods: ['create', 'write'], fields: ['name', 'lead_properties'] }]);
  const definitions = [{ name: 'a1b2', type: 'char', string: 'Code', value: 'x', definition_changed: true }];
  const cases: Case[] = [
    { name: 'definition_changed in a write', key: k, call: write([1], { lead_properties: definitions }), expect: { verdict: 'deny', reason: /vals\['lead_properties'\] changes the properties definition on the parent record/ } },
    { name: 'definition_deleted in a create', key: k, call: create({ name: 'x', lead_properties: [{ name: 'a1b2', type: 'char', definition_deleted: true }] }), expect: { verdict: 'deny', reason: /changes the properties definition/ } },
    { name: 'the same list as JSON text', key: k, call: write([1], { lead_properties: JSON.stringify(definitions) }), expect: { verdict: 'deny', reason: /changes the properties definition/ } },
    // Python's json.loads (Properties.write) also reads NaN, Infinity and -Infinity, which JSON.parse refuses
    { name: 'JSON text only Python reads', key: k, call: write([1], { lead_properties: JSON.stringify(definitions).replace('"value":"x"', '"value":NaN') }), expect: { verdict: 'deny', reason: /vals\['lead_properties'\] is not JSON the engine can read/ } },
    { name: 'values only (a dictionary) are a plain write', key: k, call: write([1], { lead_properties: { a1b2: 'x' } }), expect: { verdict: 'allow' } },
    { name: 'a list without the flags only sets values', key: k, call: write([1], { lead_properties: [{ name: 'a1b2', type: 'char', value: 'y' }] }), expect: { verdict: 'allow' } },
  ];
  runCases(cases);
});

test('closed: relational property values linking records outside the key\'s rules (writes) and showing their names (reads)', () => {
  // Properties (odoo/orm/fields_properties.py, 19.0): Odoo stores {name: value} only; the type and
  // comodel are the parent record's definition's, and a list of definitions' own type / comodel are
  // not checked against it (_list_to_dict). So a value Odoo can read as record ids is refused where
  // links are checked: a rule with a domain, or a companies limit.
  const leads: Rule = { model: 'crm.lead', methods: ['create', 'write', 'copy', 'web_save', 'load', 'read', 'web_read', 'search_read', 'read_group'], fields: ['name', 'lead_properties'] };
  const customers: Rule = { model: 'res.partner', methods: ['read'], domain: [['customer_rank', '>', 0]] };
  const k = key([leads, customers]);
  const free = key([leads]);
  const companies = key([leads], { limits: { companies: [1] } });
  // SCHEMAS' lead_properties has no definition_record, so no definition can be read: every id-like
  // value is refused (test/policy/properties-definition.test.ts judges them by a definition).
  const refused = /property 'a1b2' is given a record id or a list of ids, and (fields_get names no many2one holding the definition|whether that links a record, and of which model, is set by the property's definition on another record)/;
  const m2o = (value: RpcValue, comodel = 'res.partner', type = 'many2one'): RpcValue => [{ name: 'a1b2', type, comodel, string: 'Contact', value }];
  const load = (cell: string) => ({ model: 'crm.lead', method: 'load', params: [['fields', ['name', 'lead_properties']], ['data', [['x', cell]]]] as Params });
  const read = (fields: RpcValue, load?: RpcValue) => ({ model: 'crm.lead', method: 'read', ids: [1], params: [['fields', fields], ...(load === undefined ? [] : [['load', load]])] as Params });
  const cases: Case[] = [
    // writes: every way a properties value reaches Odoo
    { name: 'a partner id in the dict form (write)', key: k, call: write([1], { lead_properties: { a1b2: 42 } }), expect: { verdict: 'deny', reason: refused } },
    { name: '... in a create', key: k, call: create({ name: 'x', lead_properties: { a1b2: 42 } }), expect: { verdict: 'deny', reason: refused } },
    { name: '... as JSON text', key: k, call: write([1], { lead_properties: '{"a1b2": 42}' }), expect: { verdict: 'deny', reason: refused } },
    { name: '... ids of a many2many property', key: k, call: write([1], { lead_properties: { a1b2: [7, 8] } }), expect: { verdict: 'deny', reason: refused } },
    { name: '... in copy\'s default', key: k, call: copy([1], { lead_properties: { a1b2: 42 } }), expect: { verdict: 'deny', reason: refused } },
    { name: '... in default_lead_properties', key: k, call: create({ name: 'x' }, { default_lead_properties: { a1b2: 42 } }), expect: { verdict: 'deny', reason: refused } },
    { name: '... in default_lead_properties.<property> (Properties._add_default_values reads it)', key: k, call: create({ name: 'x' }, { 'default_lead_properties.a1b2': 42 }), expect: { verdict: 'deny', reason: /does not name a field/ } },
    { name: '... in web_save', key: k, call: { model: 'crm.lead', method: 'web_save', ids: [1], params: [['vals', { lead_properties: { a1b2: 42 } }], ['specification', {}]] }, expect: { verdict: 'deny', reason: refused } },
    { name: '... in a load cell', key: k, call: load('{"a1b2": 42}'), expect: { verdict: 'deny', reason: refused } },
    { name: 'the list form, as the web client writes it ([id, name] reduced to the id)', key: k, call: write([1], { lead_properties: m2o([42, 'Bob']) }), expect: { verdict: 'deny', reason: refused } },
    { name: 'the list form naming a comodel the key may link freely (Odoo keeps only the value)', key: k, call: write([1], { lead_properties: m2o(42, 'crm.tag') }), expect: { verdict: 'deny', reason: refused } },
    { name: 'the list form calling it an integer property (the type is not checked either)', key: k, call: write([1], { lead_properties: m2o(42, 'res.partner', 'integer') }), expect: { verdict: 'deny', reason: refused } },
    { name: 'the list form, many2many pairs', key: k, call: write([1], { lead_properties: m2o([[7, 'A'], [8, 'B']], 'res.partner', 'many2many') }), expect: { verdict: 'deny', reason: refused } },
    { name: 'the list form, a default taken when no value is given', key: k, call: create({ name: 'x', lead_properties: [{ name: 'a1b2', type: 'many2one', comodel: 'res.partner', default: 42 }] }), expect: { verdict: 'deny', reason: refused } },
    { name: 'a companies limit alone (the property may link res.company)', key: companies, call: write([1], { lead_properties: { a1b2: 3 } }), expect: { verdict: 'deny', reason: /property 'a1b2' is given a record id .* this key's companies limit requires/ } },
    // ordinary properties still pass, and so do ids where no link is checked (as for many2one fields)
    { name: 'text, boolean, selection, tags, date, float, 0 and negative numbers pass', key: k, call: write([1], { lead_properties: { t: 'x', b: true, s: 'red', tags: ['a', 'b'], d: '2026-01-01', f: new PyFloat(3), z: 0, n: -4, e: false, l: [] } }), expect: { verdict: 'allow' } },
    { name: 'the same in the list form', key: k, call: write([1], { lead_properties: [{ name: 't', type: 'char', value: 'x' }, { name: 'tags', type: 'tags', value: ['a'] }, { name: 'p', type: 'many2one', comodel: 'res.partner', value: false }] }), expect: { verdict: 'allow' } },
    { name: 'an id under a key that checks no link', key: free, call: write([1], { lead_properties: { a1b2: 42 } }), expect: { verdict: 'allow' } },
    { name: 'a load cell with text only', key: k, call: load('{"a1b2": "x"}'), expect: { verdict: 'allow' } },
    // reads: the answer's relational property values have their names judged per comodel
    { name: 'read of a properties field', key: k, call: read(['name', 'lead_properties']), expect: { verdict: 'allow', redactions: [{ properties: ['lead_properties'] }] } },
    { name: 'read with the rule\'s fields (no list)', key: k, call: read([]), expect: { verdict: 'allow', redactions: [{ properties: ['lead_properties'] }] } },
    { name: 'read with load None answers ids without names', key: k, call: read(['lead_properties'], null), expect: { verdict: 'allow', redactions: [] } },
    { name: 'search_read', key: k, call: { model: 'crm.lead', method: 'search_read', params: [['domain', []], ['fields', ['lead_properties']]] }, expect: { verdict: 'allow', redactions: [{ properties: ['lead_properties'] }] } },
    { name: 'web_read of a properties field', key: k, call: { model: 'crm.lead', method: 'web_read', ids: [1], params: [['specification', { name: {}, lead_properties: {} }]] }, expect: { verdict: 'allow', redactions: [{ properties: ['lead_properties'] }] } },
    { name: 'web_save answering it', key: k, call: { model: 'crm.lead', method: 'web_save', ids: [1], params: [['vals', { name: 'y' }], ['specification', { lead_properties: {} }]] }, expect: { verdict: 'allow', redactions: [{ properties: ['lead_properties'] }] } },
    { name: 'a read without it hides nothing', key: k, call: read(['name']), expect: { verdict: 'allow', redactions: [] } },
    { name: 'groups by a property are keyed [id, name] of a comodel the answer does not name: all hidden', key: k, call: { model: 'crm.lead', method: 'read_group', params: [['domain', []], ['fields', ['name']], ['groupby', ['lead_properties.a1b2']]] }, expect: { verdict: 'allow', redactions: [{ fields: ['lead_properties.a1b2'], comodel: undefined }] } },
  ];
  runCases(cases);
});

test('propertyNameReach: the names of a comodel a key may read, chosen as for a many2one field', () => {
  const readers = [{ model: 'crm.*' }, { model: 'res.users', allow_sensitive: true, domain: [['share', '=', false]] }, { model: 'res.partner', domain: [['customer_rank', '>', 0]] }, { model: 'res.*' }];
  assert.deepEqual(propertyNameReach(readers, 'crm.tag'), { all: true });
  assert.deepEqual(propertyNameReach(readers, 'res.partner'), { domain: [['customer_rank', '>', 0]] });
  assert.deepEqual(propertyNameReach(readers, 'res.users'), { domain: [['share', '=', false]] });
  assert.deepEqual(propertyNameReach(readers, 'res.country'), { all: true });
  assert.equal(propertyNameReach(readers, 'ir.config_parameter'), undefined);
  // globs never reach sensitive models, nor does a rule without allow_sensitive
  assert.equal(propertyNameReach([{ model: 'res.*' }, { model: 'res.users' }], 'res.users'), undefined);
  // readers come free ones first (decide orders them): the first that matches decides
  assert.deepEqual(propertyNameReach([{ model: 'res.partner' }, { model: 'res.partner', domain: [['id', '=', 1]] }], 'res.partner'), { all: true });
});

test('closed: load (Odoo\'s import) goes around no scope: rows updating by id, external ids, lines linked by reference, nested links, related columns, rows that are not lists, name_create', () => {
  // BaseModel.load / ir.fields.converter (Odoo 17-19): an `id` or `.id` column updates the records
  // it names; a one2many reference (by name, `/id`, `/.id`) links the existing line (moving it) and
  // updates it; `lines/field/.id` links records of the line's comodel.
  const load = (fields: RpcValue[], data: RpcValue, model = 'crm.lead', context?: Record<string, RpcValue>) => ({ model, method: 'load', params: [['fields', fields], ['data', data]] as Params, ...(context ? { context } : {}) });
  const importer: Rule = { model: 'crm.lead', methods: ['create', 'load'], fields: ['name', 'email_from', 'partner_id', 'tag_ids', 'partner_email', 'company_id'] };
  const writer: Rule = { ...importer, methods: ['create', 'write', 'load'] };
  const imd: Rule = { model: 'ir.model.data', methods: ['create'], allow_sensitive: true };
  const order: Rule = { model: 'sale.order', methods: ['create', 'load'], fields: ['name', 'order_line'] };
  const lines: Rule = { model: 'sale.order.line', methods: ['create', 'write'], fields: ['name', 'price_unit', 'product_id', 'tax_id'] };
  const movable: Rule = { ...lines, fields: [...lines.fields!, 'order_id'] };
  const products: Rule = { model: 'product.product', methods: ['read'], domain: [['list_price', '>', 0]] };
  const taxes: Rule = { model: 'account.tax', methods: ['read'], domain: [['amount', '<', 25]] };
  const customers: Rule = { model: 'res.partner', methods: ['read'], domain: [['customer_rank', '>', 0]] };
  const activities: Rule = { model: 'mail.activity', methods: ['create', 'load'], fields: ['summary', 'origin_ref'] };
  const readLines: Rule = { model: 'sale.order.line', methods: ['read'] };
  const movingOnly: Rule = { model: 'sale.order.line', methods: ['write'], fields: ['order_id'] };
  const setEmptyKeys = ['import_file', 'import_set_empty_fields'];
  // product.product as fields_get reports it: inherited fields are related to the template's field of the same name.
  const variants: Rule = { model: 'product.product', methods: ['create', 'load'], fields: ['name', 'default_code', 'product_tmpl_id'] };
  const templates: Rule = { model: 'product.template', methods: ['write'], fields: ['name'] };
  const inheritsSchemas: Record<string, ModelSchema> = { ...SCHEMAS, 'product.product': { ...SCHEMAS['product.product']!, name: { type: 'char', related: 'product_tmpl_id.name' }, list_price: { type: 'float', related: 'product_tmpl_id.list_price' }, product_tmpl_id: { type: 'many2one', relation: 'product.template' } }, 'product.template': { name: { type: 'char' }, list_price: { type: 'float' } } };
  const INHERITS_XMLIDS: Record<string, { model: string; id: number }> = { ...XMLIDS, '__import__.p_1_product_template': { model: 'product.template', id: 5 }, 'base.main_product_template': { model: 'res.partner', id: 1 } };
  const inherits = { schema: (m: string) => inheritsSchemas[m], externalId: (x: string) => INHERITS_XMLIDS[x] ?? null };
  const cases: Case[] = [
    // 1. rows naming existing records (id, .id) update them: a write, with those fields
    { name: 'an id column left empty (new rows only) updates nothing: no write needed', key: key([importer]), call: load(['id', 'name'], [['', 'x'], [false, 'y']]), expect: { verdict: 'allow' } },
    { name: '... nor does an empty .id column, also under a domain', key: key([{ ...importer, fields: [...importer.fields!, 'type'], domain: [['type', '=', 'lead']] }]), call: load(['.id', 'name'], [['', 'x']], 'crm.lead', { default_type: 'lead' }), expect: { verdict: 'allow' } },
    { name: '... but one cell naming a record is an update', key: key([importer]), call: load(['id', 'name'], [['', 'x'], ['lead_4', 'y']]), expect: { verdict: 'deny', reason: /needs write on crm\.lead/ } },
    { name: '.id rows update records: refused without write', key: key([importer]), call: load(['.id', 'name'], [['4', 'x']]), expect: { verdict: 'deny', reason: /load column '\.id' \(rows naming existing crm\.lead records update them\) needs write on crm\.lead \('name'\)/ } },
    { name: 'id rows update the records that have those external ids: refused without write', key: key([importer]), call: load(['id', 'name'], [['lead_4', 'x']]), expect: { verdict: 'deny', reason: /load column 'id' \(rows naming existing crm\.lead records update them\) needs write on crm\.lead/ } },
    { name: 'external ids no record has create records (looked up): no write needed', key: key([importer]), call: load(['id', 'name'], [['lead_9', 'x'], ['__export__.crm_lead_77_ff', 'y']]), expect: { verdict: 'allow' } },
    { name: '... not looked up yet: asked for', key: key([importer]), env: { externalId: () => undefined }, call: load(['id', 'name'], [['lead_9', 'x']]), expect: { verdict: 'need_schema', xmlids: ['__import__.lead_9'] } },
    { name: 'an external id of another model in the id column, where it is looked up (Odoo refuses the row)', key: key([importer]), call: load(['id', 'name'], [['__import__.contact_1', 'x']]), expect: { verdict: 'deny', reason: /load column 'id': the external id '__import__\.contact_1' names a record of another model than crm\.lead \(Odoo refuses the row\)/, hides: /res\.partner|\b21\b/, detail: /load column 'id': the external id '__import__\.contact_1' names a res\.partner record \(21\), not a crm\.lead one/ } },
    { name: 'under a domain: a row naming an existing record by external id is an update, refused', key: key([{ ...writer, fields: [...writer.fields!, 'type'], domain: [['type', '=', 'lead']] }]), call: load(['id', 'name'], [['lead_9', 'x'], ['lead_4', 'y']], 'crm.lead', { default_type: 'lead' }), expect: { verdict: 'deny', reason: /load column 'id' updates existing records \(data\[1\]: '__import__\.lead_4' names an existing crm\.lead record\), and rule 0 .* limits crm\.lead to a domain/, hides: /record 4/, detail: /load column 'id' updates existing records \(data\[1\]: '__import__\.lead_4' names crm\.lead record 4\), and rule 0 .* limits crm\.lead to a domain/ } },
    { name: '... new external ids create records, judged as created ones', key: key([{ ...writer, fields: [...writer.fields!, 'type'], domain: [['type', '=', 'lead']] }]), call: load(['id', 'name'], [['lead_9', 'x'], ['lead_10', 'y']], 'crm.lead', { default_type: 'lead' }), expect: { verdict: 'allow' } },
    // The same new external id on two rows: the first creates the record, and after a flush (a later
    // cell linking that external id, or naming a record of the model by name) the second updates it.
    { name: 'an external id no record has, named on two rows: the later may update what the first creates, refused without write', key: key([importer]), call: load(['id', 'name'], [['lead_9', 'x'], ['__import__.lead_9', 'y']]), expect: { verdict: 'deny', reason: /load column 'id' \(rows naming existing crm\.lead records update them\) needs write on crm\.lead/ } },
    { name: '... with write: allowed', key: key([writer]), call: load(['id', 'name'], [['lead_9', 'x'], ['lead_9', 'y']]), expect: { verdict: 'allow' } },
    { name: '... under a domain: refused', key: key([{ ...writer, fields: [...writer.fields!, 'type'], domain: [['type', '=', 'lead']] }]), call: load(['id', 'name'], [['lead_9', 'x'], ['lead_10', 'y'], ['lead_9', 'z']], 'crm.lead', { default_type: 'lead' }), expect: { verdict: 'deny', reason: /load column 'id' names '__import__\.lead_9' again at data\[2\] .*limits crm\.lead to a domain/ } },
    { name: 'the write must allow every imported field', key: key([importer, { model: 'crm.lead', methods: ['write'], fields: ['name'] }]), call: load(['.id', 'name', 'email_from'], [['4', 'x', 'y']]), expect: { verdict: 'deny', reason: /needs write on crm\.lead \('name', 'email_from'\)/ } },
    { name: 'a write rule with a domain cannot be shown to hold', key: key([importer, { model: 'crm.lead', methods: ['write'], domain: [['type', '=', 'lead']] }]), call: load(['.id', 'name'], [['4', 'x']]), expect: { verdict: 'deny', reason: /would write crm\.lead records without naming them/ } },
    { name: 'with write: allowed', key: key([writer]), call: load(['.id', 'name'], [['4', 'x']]), expect: { verdict: 'allow', checks: [] } },
    // external ids: a new one is written into ir.model.data in its module's namespace
    { name: 'external ids without a module go to __import__', key: key([writer]), call: load(['id', 'name'], [['lead_4', 'x'], ['__import__.lead_5', 'y']]), expect: { verdict: 'allow' } },
    { name: 'external ids an export gave (__export__) are in no module either', key: key([writer]), call: load(['id', 'name'], [['__export__.crm_lead_4_0a1b2c3d', 'x']]), expect: { verdict: 'allow' } },
    { name: 'a module named like them is still a module', key: key([writer]), call: load(['id', 'name'], [['__export__x.lead_5', 'y']]), expect: { verdict: 'deny', reason: /in module '__export__x'/ } },
    { name: 'an external id in another module\'s namespace needs create on ir.model.data', key: key([writer]), call: load(['id', 'name'], [['lead_4', 'x'], ['base.lead_5', 'y']]), expect: { verdict: 'deny', reason: /load column 'id' names the external id 'base\.lead_5' in module 'base' .*reaches ir\.model\.data, a sensitive model/ } },
    { name: 'the context\'s module puts names without one there', key: key([writer], { limits: { context_keys: ['module'] } }), call: load(['id', 'name'], [['lead_4', 'x']], 'crm.lead', { module: 'sale' }), expect: { verdict: 'deny', reason: /'sale\.lead_4' in module 'sale'/ } },
    { name: 'a module that is False or null is no module name (Odoo would write False.lead_4)', key: key([writer], { limits: { context_keys: ['module'] } }), call: load(['id', 'name'], [['lead_4', 'x']], 'crm.lead', { module: false }), expect: { verdict: 'deny', reason: /context key 'module' must be a module name/ } },
    { name: '... null likewise', key: key([writer], { limits: { context_keys: ['module'] } }), call: load(['id', 'name'], [['lead_4', 'x']], 'crm.lead', { module: null }), expect: { verdict: 'deny', reason: /context key 'module' must be a module name/ } },
    { name: 'module is not an allowed context key by default', key: key([writer]), call: load(['name'], [['x']], 'crm.lead', { module: 'sale' }), expect: { verdict: 'deny', limit: 'context_keys', reason: /context key 'module' is not allowed \(it puts the external ids load creates in that module/ } },
    { name: 'a rule allowing create on ir.model.data', key: key([writer, imd]), call: load(['id', 'name'], [['base.lead_5', 'y']]), expect: { verdict: 'allow' } },
    { name: 'an external id that is not text', key: key([writer]), call: load(['id', 'name'], [[5, 'y']]), expect: { verdict: 'deny', reason: /load column 'id': 5 is not an external id/ } },
    // 4. one2many references link (move) existing lines: write on their inverse field
    { name: 'lines/.id moves lines from their order: refused without write on order_id', key: key([order, lines]), call: load(['name', 'order_line/.id'], [['SO', '11']], 'sale.order'), expect: { verdict: 'deny', reason: /load column 'order_line\/\.id' \(links existing sale\.order\.line lines to the imported records, moving them from their old parent by writing their 'order_id'\) needs write on sale\.order\.line \('order_id'\)/ } },
    { name: 'lines by name are found by a name search, then moved', key: key([order, lines, { model: 'sale.order.line', methods: ['read'] }]), call: load(['name', 'order_line'], [['SO', 'Line A']], 'sale.order'), expect: { verdict: 'deny', reason: /load column 'order_line' \(links existing .*needs write on sale\.order\.line \('order_id'\)/ } },
    { name: 'lines/id: the lines with those external ids', key: key([order, lines]), call: load(['name', 'order_line/id', 'order_line/price_unit'], [['SO', 'line_11', '5']], 'sale.order'), expect: { verdict: 'deny', reason: /load column 'order_line\/id' .*and updates them with 'price_unit'\) needs write on sale\.order\.line \('order_id', 'price_unit'\)/ } },
    { name: 'with write on order_id: allowed', key: key([order, movable]), call: load(['name', 'order_line/.id', 'order_line/price_unit'], [['SO', '11', '5']], 'sale.order'), expect: { verdict: 'allow', checks: [] } },
    { name: 'lines under a domain: the ids checked, the sub-fields written left open', key: key([order, { ...movable, domain: [['price_unit', '<', 100]] }]), call: load(['name', 'order_line/.id'], [['SO', '11,12']], 'sale.order'), expect: { verdict: 'allow', checks: [{ model: 'sale.order.line', ids: [11, 12] }] } }, // the link and the write ask the same check: asked once
    { name: 'lines under a domain updated on its field', key: key([order, { ...movable, domain: [['price_unit', '<', 100]] }]), call: load(['name', 'order_line/.id', 'order_line/price_unit'], [['SO', '11', '500']], 'sale.order'), expect: { verdict: 'deny', reason: /cannot be shown to hold/ } },
    { name: 'new lines only need create', key: key([order, lines]), call: load(['name', 'order_line/name', 'order_line/price_unit'], [['SO', 'a', '5'], ['', 'b', '6']], 'sale.order'), expect: { verdict: 'allow' } },
    { name: 'new lines: one rule allows the whole line', key: key([order, { ...lines, fields: ['name'] }, { ...lines, fields: ['price_unit'] }]), call: load(['name', 'order_line/name', 'order_line/price_unit'], [['SO', 'a', '5']], 'sale.order'), expect: { verdict: 'deny', reason: /needs create on sale\.order\.line \('name', 'price_unit'\)/ } },
    // nested links in lines: checked like links on the imported model
    { name: 'lines/product_id/.id links products: checked against the product rules\' domains', key: key([order, lines, products]), call: load(['name', 'order_line/name', 'order_line/product_id/.id'], [['SO', 'a', '12']], 'sale.order'), expect: { verdict: 'allow', checks: [{ model: 'product.product', ids: [12] }], checkDomains: [[['list_price', '>', 0]]] } },
    { name: 'lines/product_id/id: the products those external ids name, checked', key: key([order, lines, products]), call: load(['name', 'order_line/name', 'order_line/product_id/id'], [['SO', 'a', 'product.product_product_4']], 'sale.order'), expect: { verdict: 'allow', checks: [{ model: 'product.product', ids: [4] }], checkDomains: [[['list_price', '>', 0]]] } },
    // order_line/id naming another model's record: db_id_for raises, _str_to_one2many creates a line
    // with that external id, and _update_xmlids' upsert takes it from the record it named.
    { name: 'lines by an external id of another model\'s record: Odoo creates a line and moves the external id to it, refused', key: key([order, movable]), call: load(['name', 'order_line/id', 'order_line/name'], [['SO', '__export__.res_partner_7_0a1b2c3d', 'a']], 'sale.order'), expect: { verdict: 'deny', reason: /load column 'order_line\/id' names the external id '__export__\.res_partner_7_0a1b2c3d', which names a record of another model than sale\.order\.line: Odoo creates a sale\.order\.line line instead and moves that external id to it/, hides: /res\.partner record/, detail: /load column 'order_line\/id' names the external id '__export__\.res_partner_7_0a1b2c3d', which names a res\.partner record \(7\): Odoo creates a sale\.order\.line line instead and moves that external id to it/ } },
    { name: '... named without a module, in a cell listing lines', key: key([order, movable]), call: load(['name', 'order_line/id'], [['SO', 'line_new,contact_1']], 'sale.order'), expect: { verdict: 'deny', reason: /'__import__\.contact_1', which names a record of another model than sale\.order\.line/, hides: /res\.partner record/, detail: /'__import__\.contact_1', which names a res\.partner record/ } },
    { name: '... a new external id creates a line with it, as before', key: key([order, movable]), call: load(['name', 'order_line/id', 'order_line/name'], [['SO', 'line_new', 'a']], 'sale.order'), expect: { verdict: 'allow' } },
    { name: '... looked up with the call\'s other external ids', key: key([order, movable]), env: { externalId: () => undefined }, call: load(['name', 'order_line/id', 'order_line/name'], [['SO', 'line_new', 'a'], ['', '0', 'b']], 'sale.order'), expect: { verdict: 'need_schema', xmlids: ['__import__.line_new'] } },
    // _inherits: a row creating a product.product with an external id also creates its template,
    // which _load_records names '<external id>_product_template' with the same upsert.
    { name: 'an _inherits model\'s row creating a record: the parent\'s external id \'<id>_product_template\' naming another record is refused (the upsert would move it)', key: key([variants, templates]), env: inherits, call: load(['id', 'name'], [['p_new', 'A'], ['p_1', 'B']], 'product.product'), expect: { verdict: 'deny', reason: /load data\[1\] creates a product\.product record with the external id '__import__\.p_1', and Odoo names the product_tmpl_id record it creates with it '__import__\.p_1_product_template', which already names a record: ir\.model\.data/, hides: /record 5/, detail: /load data\[1\] creates a product\.product record with the external id '__import__\.p_1', and Odoo names the product_tmpl_id record it creates with it '__import__\.p_1_product_template', which names product\.template record 5/ } },
    { name: '... also in another module\'s namespace, whatever model it names', key: key([variants, templates, imd]), env: inherits, call: load(['id', 'name'], [['base.main', 'A']], 'product.product'), expect: { verdict: 'deny', reason: /'base\.main_product_template', which already names a record/, hides: /res\.partner/, detail: /'base\.main_product_template', which names res\.partner record 1/ } },
    { name: '... not where the row names its template (Odoo creates none), nor for a new parent name, and looked up with the call\'s other external ids', key: key([variants, templates]), env: inherits, call: load(['id', 'name', 'product_tmpl_id/.id'], [['p_1', 'A', '5'], ['p_2', 'B', '']], 'product.product'), expect: { verdict: 'allow' } },
    { name: '... asked for in the one look-up', key: key([variants, templates, imd]), env: { ...inherits, externalId: () => undefined }, call: load(['id', 'name'], [['p_1', 'A'], ['base.main', 'B']], 'product.product'), expect: { verdict: 'need_schema', xmlids: ['__import__.p_1', '__import__.p_1_product_template', 'base.main', 'base.main_product_template'] } },
    { name: '... rows updating records write no parent name', key: key([{ ...variants, methods: ['create', 'write', 'load'] }, templates]), env: { ...inherits, externalId: (x: string) => ({ ...INHERITS_XMLIDS, '__import__.p_1': { model: 'product.product', id: 4 } })[x] ?? null }, call: load(['id', 'name'], [['p_1', 'A']], 'product.product'), expect: { verdict: 'allow' } },
    { name: 'lines/product_id/id naming no product', key: key([order, lines, products]), call: load(['name', 'order_line/name', 'order_line/product_id/id'], [['SO', 'a', 'product.p_12']], 'sale.order'), expect: { verdict: 'deny', reason: /load column 'order_line\/product_id\/id': the external id 'product\.p_12' names no product\.product record/, detail: /load column 'order_line\/product_id\/id' names the external id 'product\.p_12', which no product\.product record has/ } },
    { name: 'lines/tax_id/.id on lines linked by reference replaces their links', key: key([order, movable, taxes]), call: load(['name', 'order_line/.id', 'order_line/tax_id/.id'], [['SO', '11', '3']], 'sale.order'), expect: { verdict: 'deny', reason: /load column 'order_line\/tax_id\/\.id' replaces the account\.tax links/ } },
    { name: 'lines/tax_id/.id on new lines', key: key([order, lines, taxes]), call: load(['name', 'order_line/name', 'order_line/tax_id/.id'], [['SO', 'a', '3,4']], 'sale.order'), expect: { verdict: 'allow', checks: [{ model: 'account.tax', ids: [3, 4] }] } },
    { name: 'lines/name/.id: name is not a relation', key: key([order, lines]), call: load(['name', 'order_line/name/.id'], [['SO', '3']], 'sale.order'), expect: { verdict: 'deny', reason: /'name' is not a relation/ } },
    // 6. a related column writes through to the record it is related to
    { name: 'a related column writes the partner', key: key([importer]), call: load(['name', 'partner_email'], [['a', 'x@y.z']]), expect: { verdict: 'deny', reason: /load column 'partner_email' \(related to partner_id\.email\) needs write on res\.partner \('email'\)/ } },
    // rows and fields that are not lists: Odoo pairs the columns with a string's characters
    { name: 'a row that is a string', key: key([importer, customers]), call: load(['partner_id/.id'], ['7']), expect: { verdict: 'deny', reason: /data\[0\] must be a list of cells/ } },
    { name: 'fields as a string', key: key([importer]), call: load('name' as unknown as RpcValue[], [['a']]), expect: { verdict: 'deny', reason: /fields must be a list of columns/ } },
    // Odoo's fix_import_export_id_paths: judged as the column Odoo reads, its link checked (it was refused as no field name)
    { name: 'a column Odoo rewrites (partner_id.id is partner_id/.id): its link is checked', key: key([importer, customers]), call: load(['name', 'partner_id.id'], [['a', '7']]), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [7] }], checkDomains: [[['customer_rank', '>', 0]]] } },
    { name: 'a column Odoo rewrites (partner_id:id is partner_id/id): the record its external id names, checked', key: key([importer, customers]), call: load(['name', 'partner_id:id'], [['a', 'base.res_partner_1']]), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [9] }], checkDomains: [[['customer_rank', '>', 0]]] } },
    { name: 'a column given twice', key: key([importer, customers]), call: load(['partner_id/.id', 'partner_id/.id'], [['4', '7']]), expect: { verdict: 'deny', reason: /'partner_id\/\.id' appears twice/ } },
    // 3. name_create_enabled_fields: a name no record has creates one
    { name: 'name_create_enabled_fields creates partners: needs create there', key: key([importer, { model: 'res.partner', methods: ['read'] }], { limits: { context_keys: ['name_create_enabled_fields'] } }), call: load(['name', 'partner_id'], [['a', 'Acme']], 'crm.lead', { name_create_enabled_fields: { partner_id: true } }), expect: { verdict: 'deny', reason: /load column 'partner_id' \(name_create_enabled_fields: .*\) needs create on res\.partner \(every field\)/ } },
    { name: 'name_create_enabled_fields with create on the comodel', key: key([importer, { model: 'res.partner', methods: ['read', 'create'] }], { limits: { context_keys: ['name_create_enabled_fields'] } }), call: load(['name', 'partner_id'], [['a', 'Acme']], 'crm.lead', { name_create_enabled_fields: { partner_id: true } }), expect: { verdict: 'allow' } },
    { name: 'name_create_enabled_fields on a line\'s relation', key: key([order, lines, { model: 'product.product', methods: ['read'] }], { limits: { context_keys: ['name_create_enabled_fields'] } }), call: load(['name', 'order_line/product_id'], [['SO', 'Desk']], 'sale.order', { name_create_enabled_fields: { 'order_line/product_id': true } }), expect: { verdict: 'deny', reason: /needs create on product\.product/ } },
    // import_set_empty_fields / import_skip_records: a one2many reference that matches nothing is
    // no error there (db_id_for, under import_file) and _str_to_one2many creates the line from the
    // row's sub-fields instead, an empty line when there are none: create on the line model
    { name: 'import_set_empty_fields on a one2many by name: a name that matches nothing creates an empty line, which needs create', key: key([order, readLines, movingOnly], { limits: { context_keys: setEmptyKeys } }), call: load(['name', 'order_line'], [['SO', 'No such line']], 'sale.order', { import_file: true, import_set_empty_fields: ['order_line'] }), expect: { verdict: 'deny', reason: /load column 'order_line' \(creates sale\.order\.line lines; order_line is named in import_set_empty_fields or import_skip_records, so a reference that matches no line creates an empty one\) needs create on sale\.order\.line \(no field\)/ } },
    { name: '... by database id likewise', key: key([order, movingOnly], { limits: { context_keys: setEmptyKeys } }), call: load(['name', 'order_line/.id'], [['SO', '999999']], 'sale.order', { import_file: true, import_set_empty_fields: ['order_line'] }), expect: { verdict: 'deny', reason: /load column 'order_line\/\.id' \(creates sale\.order\.line lines; .*\) needs create on sale\.order\.line/ } },
    { name: '... and under import_skip_records (the row is kept: its one2many value is a list, never None)', key: key([order, readLines, movingOnly], { limits: { context_keys: [...setEmptyKeys, 'import_skip_records'] } }), call: load(['name', 'order_line'], [['SO', 'No such line']], 'sale.order', { import_file: true, import_skip_records: ['order_line'] }), expect: { verdict: 'deny', reason: /needs create on sale\.order\.line/ } },
    { name: '... import_skip_records makes even a line id that exists a new line (db_id_for reads \'11\' with _str_to_boolean, which gives None for the column it names), also without import_file', key: key([order, movingOnly], { limits: { context_keys: ['import_skip_records'] } }), call: load(['name', 'order_line/.id'], [['SO', '11']], 'sale.order', { import_skip_records: ['order_line'] }), expect: { verdict: 'deny', reason: /load column 'order_line\/\.id' \(creates sale\.order\.line lines; .*\) needs create on sale\.order\.line/ } },
    { name: '... a string names the columns it contains (Python\'s `in` on a string)', key: key([order, readLines, movingOnly], { limits: { context_keys: setEmptyKeys } }), call: load(['name', 'order_line'], [['SO', 'No such line']], 'sale.order', { import_file: true, import_set_empty_fields: 'partner_id,order_line' }), expect: { verdict: 'deny', reason: /needs create on sale\.order\.line/ } },
    { name: '... the empty line judged against the line rule\'s domain', key: key([order, readLines, movingOnly, { model: 'sale.order.line', methods: ['create'], domain: [['name', '=', 'std']] }], { limits: { context_keys: setEmptyKeys } }), call: load(['name', 'order_line'], [['SO', 'No such line']], 'sale.order', { import_file: true, import_set_empty_fields: ['order_line'] }), expect: { verdict: 'deny', reason: /load column 'order_line' \(creates sale\.order\.line lines; .*cannot be shown to hold for the created record/ } },
    { name: '... with create on the lines: allowed', key: key([order, readLines, movable], { limits: { context_keys: setEmptyKeys } }), call: load(['name', 'order_line'], [['SO', 'No such line']], 'sale.order', { import_file: true, import_set_empty_fields: ['order_line'] }), expect: { verdict: 'allow' } },
    { name: '... without the context key the lines are only linked, as before', key: key([order, readLines, movingOnly], { limits: { context_keys: setEmptyKeys } }), call: load(['name', 'order_line'], [['SO', 'Line A']], 'sale.order', { import_file: true }), expect: { verdict: 'allow' } },
    { name: '... nor when it names other columns', key: key([order, readLines, movingOnly], { limits: { context_keys: setEmptyKeys } }), call: load(['name', 'order_line'], [['SO', 'Line A']], 'sale.order', { import_file: true, import_set_empty_fields: ['partner_id', 'order_line/product_id'] }), expect: { verdict: 'allow' } },
    // companies: only database ids can be checked against the key's companies
    { name: 'company_id/.id outside the key\'s companies', key: key([importer], { limits: { companies: [1] } }), call: load(['name', 'company_id/.id'], [['a', '2']]), expect: { verdict: 'deny', limit: 'companies', reason: /puts records in company 2/ } },
    { name: 'company_id/id: the company its external id names, inside the key\'s companies', key: key([importer], { limits: { companies: [1] } }), call: load(['name', 'company_id/id'], [['a', 'base.main_company']]), expect: { verdict: 'allow', checks: [] } },
    { name: 'company_id/id naming a company outside them', key: key([importer], { limits: { companies: [1] } }), call: load(['name', 'company_id/id'], [['a', 'base.main_company'], ['b', 'base.company_2']]), expect: { verdict: 'deny', limit: 'companies', reason: /load column 'company_id\/id' names by external id a company outside the key's companies \(1\)/, detail: /load column 'company_id\/id' puts records in company 2, outside the key's companies \(1\)/, hides: /company 2\b/ } },
    // The company an external id names is ir.model.data's: told where a rule reads it without a domain.
    { name: 'company_id/id naming a company outside them, to a key reading ir.model.data', key: key([importer, { model: 'ir.model.data', methods: ['read'], allow_sensitive: true }], { limits: { companies: [1] } }), call: load(['name', 'company_id/id'], [['a', 'base.company_2']]), expect: { verdict: 'deny', limit: 'companies', reason: /load column 'company_id\/id' puts records in company 2, outside the key's companies \(1\)/ } },
    { name: 'company_id by name still cannot be checked', key: key([importer], { limits: { companies: [1] } }), call: load(['name', 'company_id'], [['a', 'YourCompany']]), expect: { verdict: 'deny', limit: 'companies', reason: /names companies by name/ } },
    // a reference column is written as given (ir.fields.converter._str_id): it links the record it names
    { name: 'a reference column links the record it names: checked like a linked id', key: key([activities, customers]), call: load(['summary', 'origin_ref'], [['x', 'res.partner,4'], ['y', '']], 'mail.activity'), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [4] }], checkDomains: [[['customer_rank', '>', 0]]] } },
    { name: 'a reference column to a sensitive model no rule names', key: key([activities]), call: load(['summary', 'origin_ref'], [['x', 'res.users,2']], 'mail.activity'), expect: { verdict: 'deny', reason: /load column 'origin_ref' links a record of res\.users, a sensitive model/ } },
    { name: 'a reference column to a company outside the key\'s companies', key: key([activities], { limits: { companies: [1] } }), call: load(['summary', 'origin_ref'], [['x', 'res.company,2']], 'mail.activity'), expect: { verdict: 'deny', limit: 'companies', reason: /load column 'origin_ref' puts records in company 2/ } },
    { name: 'a reference cell that is not one', key: key([activities]), call: load(['summary', 'origin_ref'], [['x', 'res.partner;4']], 'mail.activity'), expect: { verdict: 'deny', reason: /load column 'origin_ref': 'res\.partner;4' is not a reference/ } },
    { name: 'a reference cell that is not text', key: key([activities]), call: load(['summary', 'origin_ref'], [['x', 4]], 'mail.activity'), expect: { verdict: 'deny', reason: /load column 'origin_ref': 4 is not a reference/ } },
    { name: 'a reference column of one2many lines', key: key([{ ...importer, fields: ['name', 'activity_ids'] }, activities]), call: load(['name', 'activity_ids/summary', 'activity_ids/origin_ref'], [['a', 's', 'res.users,2']]), expect: { verdict: 'deny', reason: /load column 'activity_ids\/origin_ref' links a record of res\.users/ } },
    // a properties column is parsed as JSON (_str_to_properties) and written as a list of definitions
    { name: 'a properties column rewriting the definition on the container record', key: key([{ ...importer, fields: ['name', 'lead_properties'] }]), call: load(['name', 'lead_properties'], [['a', JSON.stringify([{ name: 'a1b2', type: 'char', string: 'Code', value: 'x', definition_changed: true }])]]), expect: { verdict: 'deny', reason: /load column 'lead_properties' changes the properties definition on the parent record/ } },
    { name: 'a properties cell only Python\'s json reads', key: key([{ ...importer, fields: ['name', 'lead_properties'] }]), call: load(['name', 'lead_properties'], [['a', '[{"name": "a1b2", "type": "char", "string": "Code", "value": NaN, "definition_changed": true}]']]), expect: { verdict: 'deny', reason: /load column 'lead_properties' is not JSON the engine can read/ } },
    { name: 'a properties column with values only', key: key([{ ...importer, fields: ['name', 'lead_properties'] }]), call: load(['name', 'lead_properties'], [['a', JSON.stringify([{ name: 'a1b2', type: 'char', string: 'Code', value: 'x' }])]]), expect: { verdict: 'allow' } },
  ];
  runCases(cases);
});

test('load: the external ids of a call are asked for once, not again for each cell not looked up yet (n look-ups for n external ids, not n²)', () => {
  // 20,000 external ids took 15 s of the proxy's one thread when each cell not looked up asked for all of them again.
  const rules: Rule[] = [{ model: 'crm.lead', methods: ['create', 'load'], fields: ['name', 'partner_id', 'tag_ids'] }, { model: 'res.partner', methods: ['read'], domain: [['customer_rank', '>', 0]] }, { model: 'crm.tag', methods: ['read'], domain: [['color', '=', 1]] }];
  const n = 400;
  for (const [fields, row] of [[['name', 'partner_id/id'], (i: number) => ['a', `base.p_${i}`]], [['id', 'name', 'tag_ids/id'], (i: number) => [`lead_${i}`, 'a', `base.t_${i},base.t_${i + 1}`]]] as [string[], (i: number) => string[]][]) {
    const call = shapes({ model: 'crm.lead', method: 'load', params: [['fields', fields], ['data', Array.from({ length: n }, (_, i) => row(i))]] })[0]!.call;
    let asked = 0;
    const d = decide(key(rules), call, env({ externalId: () => void asked++ }));
    assert.equal(d.verdict, 'need_schema', fields.join());
    assert.ok(d.verdict === 'need_schema' && d.xmlids!.length >= n, `${fields.join()}: every external id asked for`);
    assert.ok(asked <= 10 * n, `${fields.join()}: ${asked} look-ups for ${n} rows`);
  }
});
