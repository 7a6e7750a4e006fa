// Every way around a scope that the engine closes (issue 3, items 1-12), each tried through every
// call shape: execute_kw positional, execute_kw keyword, execute, JSON-2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key, runCases, expectDecision, env, shapes, type Case } from './support.js';
import { decide, SENSITIVE_MODELS } from '../../src/policy/decide.js';
import type { Rule } from '../../src/policy/types.js';
import { PyFloat } from '../../src/rpc/values.js';

const websiteForm: Rule = { model: 'crm.lead', methods: ['create'], fields: ['name', 'email_from', 'phone', 'description'] };

test('item 1: default_<field> context keys for fields outside the rule', () => {
  const orderRules: Rule[] = [
    { model: 'sale.order', methods: ['create'], fields: ['name', 'partner_id', 'order_line'] },
    { model: 'sale.order.line', methods: ['create'], fields: ['product_id'] },
  ];
  const cases: Case[] = [
    { name: 'default for a field outside the rule', key: key([websiteForm]), call: { model: 'crm.lead', method: 'create', params: [['vals_list', { name: 'x' }]], context: { default_user_id: 5 } }, expect: { verdict: 'deny', reason: /'default_user_id' sets a default for a field that is not in rule 0/, rule: 0 } },
    { name: 'default for a field inside the rule', key: key([websiteForm]), call: { model: 'crm.lead', method: 'create', params: [['vals_list', { name: 'x' }]], context: { default_description: 'web' } }, expect: { verdict: 'allow', rule: 0 } },
    { name: 'default on a read call', key: key([{ model: 'crm.lead', methods: ['read'], fields: ['name'] }]), call: { model: 'crm.lead', method: 'search_read', params: [['domain', []], ['fields', ['name']]], context: { default_stage_id: 1 } }, expect: { verdict: 'deny', reason: /'default_stage_id'/ } },
    { name: 'default also applies to lines created through command 0', key: key(orderRules), call: { model: 'sale.order', method: 'create', params: [['vals_list', [{ partner_id: 3, order_line: [[0, 0, { product_id: 1 }]] }]]], context: { default_name: 'x' } }, expect: { verdict: 'deny', reason: /'default_name' also applies to the sale.order.line records/ } },
    { name: 'default allowed on both models', key: key([orderRules[0]!, { ...orderRules[1]!, fields: ['product_id', 'name'] }]), call: { model: 'sale.order', method: 'create', params: [['vals_list', [{ partner_id: 3, order_line: [[0, 0, { product_id: 1 }]] }]]], context: { default_name: 'x' } }, expect: { verdict: 'allow' } },
    // One rule allows the line's values, another (with a domain) the defaulted field: the line gets
    // price_unit 500 from the default, which neither allows (the second only under 100).
    { name: 'a default on a created line needs one rule allowing the line with it, its domain judged with it', key: key([{ model: 'sale.order', methods: ['create'] }, { model: 'sale.order.line', methods: ['create'], fields: ['product_id'] }, { model: 'sale.order.line', methods: ['create'], fields: ['product_id', 'price_unit'], domain: [['price_unit', '<', 100]] }]), call: { model: 'sale.order', method: 'create', params: [['vals_list', [{ partner_id: 3, order_line: [[0, 0, { product_id: 1 }]] }]]], context: { default_price_unit: 500 } }, expect: { verdict: 'deny', reason: /the domain \[\["price_unit","<",100\]\] of rule 2 \(sale.order.line: create\)/ } },
    { name: 'the same default inside that domain is allowed', key: key([{ model: 'sale.order', methods: ['create'] }, { model: 'sale.order.line', methods: ['create'], fields: ['product_id'] }, { model: 'sale.order.line', methods: ['create'], fields: ['product_id', 'price_unit'], domain: [['price_unit', '<', 100]] }]), call: { model: 'sale.order', method: 'create', params: [['vals_list', [{ partner_id: 3, order_line: [[0, 0, { product_id: 1 }]] }]]], context: { default_price_unit: 50 } }, expect: { verdict: 'allow', rule: 0 } },
    { name: 'default_ key that names no field', key: key([{ model: 'crm.lead', methods: ['create'] }]), call: { model: 'crm.lead', method: 'create', params: [['vals_list', { name: 'x' }]], context: { 'default_x-y': 1 } }, expect: { verdict: 'deny', reason: /does not name a field/ } },
  ];
  runCases(cases);
});

test('item 2: x2many commands in create/write/copy values reach the comodel', () => {
  const order: Rule = { model: 'sale.order', methods: ['create', 'write', 'copy'], fields: ['partner_id', 'order_line', 'tag_ids'] };
  const write = (order_line: unknown, field = 'order_line') => ({ model: 'sale.order', method: 'write', ids: [10], params: [['vals', { [field]: order_line }]] as [string, never][] });
  const cases: Case[] = [
    { name: 'command 0 without a comodel rule', key: key([order]), call: write([[0, 0, { product_id: 1, price_unit: 5 }]]), expect: { verdict: 'deny', reason: /command 0 creates sale.order.line\) needs create on sale.order.line \('price_unit', 'product_id'\), which no rule allows/ } },
    { name: 'command 0 with a comodel rule', key: key([order, { model: 'sale.order.line', methods: ['create'], fields: ['product_id', 'price_unit'] }]), call: write([[0, 0, { product_id: 1, price_unit: 5 }]]), expect: { verdict: 'allow', rule: 0 } },
    { name: 'command 0 with a field the comodel rule lacks', key: key([order, { model: 'sale.order.line', methods: ['create'], fields: ['product_id'] }]), call: write([[0, 0, { product_id: 1, price_unit: 5 }]]), expect: { verdict: 'deny', reason: /needs create on sale.order.line/ } },
    { name: 'command 1 updates a line: comodel write, its id checked against the comodel domain', key: key([order, { model: 'sale.order.line', methods: ['write'], fields: ['price_unit'], domain: [['order_id.state', '=', 'draft']] }]), call: write([[1, 7, { price_unit: 1 }]]), expect: { verdict: 'allow', checks: [{ model: 'sale.order.line', ids: [7] }] } },
    { name: 'command 1 without comodel write', key: key([order, { model: 'sale.order.line', methods: ['create'], fields: ['price_unit'] }]), call: write([[1, 7, { price_unit: 1 }]]), expect: { verdict: 'deny', reason: /needs write on sale.order.line/ } },
    { name: 'command 2 deletes a line: needs unlink', key: key([order]), call: write([[2, 7]]), expect: { verdict: 'deny', reason: /command 2 deletes sale.order.line\) needs unlink/ } },
    { name: 'command 2 with unlink on the comodel', key: key([order, { model: 'sale.order.line', methods: ['unlink'] }]), call: write([[2, 7]]), expect: { verdict: 'allow' } },
    { name: 'command 3 on a one2many may delete the line', key: key([order]), call: write([[3, 7]]), expect: { verdict: 'deny', reason: /command 3 on a one2many/ } },
    { name: 'command 3 on a many2many only unlinks', key: key([order]), call: write([[3, 7]], 'tag_ids'), expect: { verdict: 'allow' } },
    { name: 'command 4 links', key: key([order]), call: write([[4, 7]], 'tag_ids'), expect: { verdict: 'allow' } },
    { name: 'command 5 on a one2many clears (deletes) every line', key: key([order, { model: 'sale.order.line', methods: ['unlink'], domain: [['price_unit', '=', 0]] }]), call: write([[5]]), expect: { verdict: 'deny', reason: /without naming them/ } },
    { name: 'command 6 on a many2many sets links', key: key([order]), call: write([[6, 0, [1, 2]]], 'tag_ids'), expect: { verdict: 'allow' } },
    { name: 'command 6 on a one2many', key: key([order]), call: write([[6, 0, [1, 2]]]), expect: { verdict: 'deny', reason: /command 6 on a one2many/ } },
    { name: 'a bare list of ids on a one2many', key: key([order]), call: write([1, 2]), expect: { verdict: 'deny', reason: /a list of ids replaces the lines/ } },
    { name: 'an unknown command', key: key([order]), call: write([[9, 1]]), expect: { verdict: 'deny', reason: /9 is not an x2many command/ } },
    { name: 'a command with a non-id', key: key([order]), call: write([[4, 'x']], 'tag_ids'), expect: { verdict: 'deny', reason: /"x" is not a record id/ } },
    { name: 'nested: command 0 inside command 0 reaches a third model', key: key([order, { model: 'sale.order.line', methods: ['create'], fields: ['product_id', 'tax_id'] }]), call: { model: 'sale.order', method: 'create', params: [['vals_list', [{ partner_id: 1, order_line: [[0, 0, { product_id: 1, tax_id: [[0, 0, { name: 'VAT', amount: 21 }]] }]] }]]] }, expect: { verdict: 'deny', reason: /needs create on account.tax/ } },
    { name: 'nested: allowed with a rule on the third model', key: key([order, { model: 'sale.order.line', methods: ['create'], fields: ['product_id', 'tax_id'] }, { model: 'account.tax', methods: ['create'] }]), call: { model: 'sale.order', method: 'create', params: [['vals_list', [{ partner_id: 1, order_line: [[0, 0, { product_id: 1, tax_id: [[0, 0, { name: 'VAT', amount: 21 }]] }]] }]]] }, expect: { verdict: 'allow' } },
    { name: 'copy default with commands', key: key([order]), call: { model: 'sale.order', method: 'copy', ids: [10], params: [['default', { order_line: [[0, 0, { name: 'x' }]] }]] }, expect: { verdict: 'deny', reason: /needs create on sale.order.line/ } },
    { name: 'a many2one given a list', key: key([order]), call: write([1, 'x'], 'partner_id'), expect: { verdict: 'deny', reason: /a many2one value must be a record id/ } },
    { name: 'a related field writes through to its target', key: key([{ model: 'crm.lead', methods: ['write'], fields: ['partner_email'] }]), call: { model: 'crm.lead', method: 'write', ids: [1], params: [['vals', { partner_email: 'a@b.c' }]] }, expect: { verdict: 'deny', reason: /related to partner_id.email\) needs write on res.partner \('email'\)/ } },
    { name: 'commands without the schema: ask for it', key: key([order]), call: write([[0, 0, { product_id: 1 }]]), env: { schema: () => undefined }, expect: { verdict: 'need_schema', models: ['sale.order'] } },
  ];
  runCases(cases);
});

test('item 3: reads with no field list or an empty one are narrowed to the rule fields', () => {
  const reader = key([{ model: 'crm.lead', methods: ['read'], fields: ['name', 'email_from'] }]);
  const cases: Case[] = [
    { name: 'search_read fields []', key: reader, call: { model: 'crm.lead', method: 'search_read', params: [['domain', []], ['fields', []]] }, expect: { verdict: 'allow', params: { fields: ['name', 'email_from'] } } },
    { name: 'search_read without fields', key: reader, call: { model: 'crm.lead', method: 'search_read', params: [['domain', []]] }, expect: { verdict: 'allow', params: { fields: ['name', 'email_from'] } } },
    { name: 'search_read fields null', key: reader, call: { model: 'crm.lead', method: 'search_read', params: [['domain', []], ['fields', null]] }, expect: { verdict: 'allow', params: { fields: ['name', 'email_from'] } } },
    { name: 'read fields []', key: reader, call: { model: 'crm.lead', method: 'read', ids: [1, 2], params: [['fields', []]] }, expect: { verdict: 'allow', params: { fields: ['name', 'email_from'] } } },
    { name: 'read without fields', key: reader, call: { model: 'crm.lead', method: 'read', ids: [1] }, expect: { verdict: 'allow', params: { fields: ['name', 'email_from'] } } },
    { name: 'read a field outside the rule', key: reader, call: { model: 'crm.lead', method: 'read', ids: [1], params: [['fields', ['name', 'phone']]] }, expect: { verdict: 'deny', reason: /field 'phone' is not in rule 0 \(crm.lead: read\) \(read\)/ } },
    { name: 'a rule with an empty field list reads only ids', key: key([{ model: 'crm.lead', methods: ['read'], fields: [] }]), call: { model: 'crm.lead', method: 'search_read', params: [['domain', []], ['fields', []]] }, expect: { verdict: 'allow', params: { fields: ['id'] } } },
    { name: 'rule fields the schema lacks are left out of the narrowed list', key: key([{ model: 'crm.lead', methods: ['read'], fields: ['name', 'x_gone'] }]), call: { model: 'crm.lead', method: 'search_read', params: [['domain', []]] }, expect: { verdict: 'allow', params: { fields: ['name'] } } },
    { name: 'web_read with an empty specification reads ids only', key: reader, call: { model: 'crm.lead', method: 'web_read', ids: [1], params: [['specification', {}]] }, expect: { verdict: 'allow' } },
    { name: 'fetch with no field names', key: reader, call: { model: 'crm.lead', method: 'fetch', ids: [1], params: [['field_names', null]] }, expect: { verdict: 'allow', params: { field_names: ['name', 'email_from'] } } },
    { name: 'web_search_read on 16 with fields []', key: reader, env: { version: 16 }, call: { model: 'crm.lead', method: 'web_search_read', params: [['domain', []], ['fields', []]] }, expect: { verdict: 'allow', params: { fields: ['name', 'email_from'] } } },
    { name: 'a field the schema does not know', key: key([{ model: 'crm.lead', methods: ['read'] }]), call: { model: 'crm.lead', method: 'read', ids: [1], params: [['fields', ['x_nope']]] }, expect: { verdict: 'deny', reason: /crm.lead has no field 'x_nope'/ } },
    { name: 'no field list on a rule without one: all fields, names hidden where needed', key: key([{ model: 'crm.lead', methods: ['read'] }]), call: { model: 'crm.lead', method: 'search_read', params: [['domain', []]] }, expect: { verdict: 'allow', redactions: [{ fields: ['stage_id'], comodel: 'crm.stage' }, { fields: ['company_id'], comodel: 'res.company' }, { fields: ['partner_id'], comodel: 'res.partner' }, { fields: ['user_id'], comodel: 'res.users' }, { properties: ['lead_properties'] }] } },
  ];
  runCases(cases);
});

test('item 4: domain leaves, order, groupby and aggregates on fields outside the rule, dotted paths, any', () => {
  const rules: Rule[] = [
    { model: 'crm.lead', methods: ['read'], fields: ['name', 'partner_id', 'stage_id', 'expected_revenue', 'date_deadline', 'display_name'] },
    { model: 'res.partner', methods: ['read'], fields: ['name', 'display_name'] },
  ];
  const k = key(rules);
  const search = (domain: unknown, more: [string, unknown][] = []) => ({ model: 'crm.lead', method: 'search_read', params: [['domain', domain], ['fields', ['name']], ...more] as [string, never][] });
  const cases: Case[] = [
    { name: 'leaf on a field outside the rule', key: k, call: search([['email_from', '=', 'a@b.c']]), expect: { verdict: 'deny', reason: /field 'email_from' is not in rule 0 .* \(searched\)/ } },
    { name: 'leaf under | and !', key: k, call: search(['|', ['name', '=', 'x'], '!', ['phone', '=', '1']]), expect: { verdict: 'deny', reason: /field 'phone'/ } },
    { name: 'dotted path to a comodel field no rule allows', key: k, call: search([['partner_id.email', '=', 'a@b.c']]), expect: { verdict: 'deny', reason: /domain\[0\] on 'partner_id.email' needs read on res.partner \('email'\)/ } },
    { name: 'dotted path to an allowed comodel field', key: k, call: search([['partner_id.name', 'ilike', 'acme']]), expect: { verdict: 'allow' } },
    { name: 'dotted path through a comodel limited by a domain', key: key([rules[0]!, { ...rules[1]!, domain: [['customer_rank', '>', 0]] }]), call: search([['partner_id.name', 'ilike', 'acme']]), expect: { verdict: 'deny', reason: /limits to a domain/ } },
    { name: 'a comodel rule without a domain is preferred, whatever the order', key: key([rules[0]!, { ...rules[1]!, domain: [['customer_rank', '>', 0]] }, rules[1]!]), call: search([['partner_id.name', 'ilike', 'acme']]), expect: { verdict: 'allow', rule: 0 } },
    { name: 'the refusing rule is the candidate, not the comodel rule named in the reason', key: key([rules[0]!, { ...rules[1]!, domain: [['customer_rank', '>', 0]] }]), call: search([['partner_id.name', 'ilike', 'acme']]), expect: { verdict: 'deny', rule: 0, reason: /rule 1 \(res.partner: read\) limits to a domain/ } },
    { name: 'dotted path on a field that is not a relation', key: k, call: search([['name.foo', '=', 1]]), expect: { verdict: 'deny', reason: /'name' on crm.lead is not a relation/ } },
    { name: 'any sub-domain on a forbidden comodel field', key: k, call: search([['partner_id', 'any', [['email', '=', 'a@b.c']]]]), expect: { verdict: 'deny', reason: /needs read on res.partner \('email'\)/ } },
    { name: 'not any sub-domain', key: k, call: search([['partner_id', 'not any', [['vat', '!=', false]]]]), expect: { verdict: 'deny', reason: /needs read on res.partner \('vat'\)/ } },
    { name: 'ANY in upper case is still a sub-domain', key: k, call: search([['partner_id', 'ANY', [['email', '=', 'a@b.c']]]]), expect: { verdict: 'deny', reason: /needs read on res.partner \('email'\)/ } },
    { name: 'any on allowed comodel fields', key: k, call: search([['partner_id', 'any', [['name', '=', 'Acme']]]]), expect: { verdict: 'allow' } },
    { name: 'text compared with a many2one is a name search on the comodel', key: k, call: search([['partner_id', 'ilike', 'gmail.com']]), expect: { verdict: 'deny', reason: /name search on res.partner/ } },
    { name: 'ids compared with a many2one', key: k, call: search([['partner_id', 'in', [1, 2]]]), expect: { verdict: 'allow' } },
    { name: 'display_name search matches fields the model chooses', key: k, call: search([['display_name', 'ilike', 'x']]), expect: { verdict: 'deny', reason: /display name search/ } },
    // Odoo hands every operator to _search_display_name, inequalities too: display_name >= 'j'
    // ranges over res.partner's email, vat, ref; 16-18 make a relation's < a name search.
    ...(['<', '<=', '>', '>='] as const).flatMap((op): Case[] => [
      { name: `display_name ${op} text is a display name search`, key: k, call: search([['display_name', op, 'john@']]), expect: { verdict: 'deny', reason: /display name search/ } },
      { name: `a many2one ${op} text is a name search on the comodel`, key: k, env: { version: 17 }, call: search([['partner_id', op, 'a@b.c']]), expect: { verdict: 'deny', reason: /name search on res.partner/ } },
    ]),
    { name: 'a path ending in display_name compared by >', key: k, call: search([['partner_id.display_name', '>', 'a']]), expect: { verdict: 'deny', reason: /display name search/ } },
    // Not only text: _search_display_name converts any value for the fields the model picks
    // (display_name ilike 3100 matches vat and ref; != False says whether email, vat, ref are all
    // set), and 18/19 turn a like pattern that is not a string into one (partner_id ilike 42).
    ...([['ilike', 3100], ['not ilike', 7], ['=', 3100], ['>=', 5], ['!=', false], ['=', null], ['in', [1, 2]], ['=', true], ['ilike', new PyFloat(0.5)]] as const).map(([op, v]): Case => (
      { name: `display_name ${op} ${JSON.stringify(v)} is a display name search`, key: k, call: search([['display_name', op, v]]), expect: { verdict: 'deny', reason: /display name search/ } })),
    { name: 'a path ending in display_name compared with a number', key: k, call: search([['partner_id.display_name', 'ilike', 42]]), expect: { verdict: 'deny', reason: /display name search/ } },
    ...(['ilike', 'like', 'not ilike', 'not like'] as const).map((op): Case => (
      { name: `a many2one ${op} a number is a name search on the comodel`, key: k, call: search([['partner_id', op, 42]]), expect: { verdict: 'deny', reason: /name search on res.partner/ } })),
    { name: 'a many2many ilike a list is a name search on the comodel', key: key([{ ...rules[0]!, fields: [...rules[0]!.fields!, 'tag_ids'] }, { model: 'crm.tag', methods: ['read'], fields: ['name', 'display_name'] }]), call: search([['tag_ids', 'ilike', [1]]]), expect: { verdict: 'deny', reason: /name search on crm.tag/ } },
    { name: 'a many2one ilike an empty pattern is no name search (Odoo: is set)', key: k, call: search([['partner_id', 'ilike', false]]), expect: { verdict: 'allow' } },
    { name: 'a many2one compared with an id by <', key: k, call: search([['partner_id', '<', 5]]), expect: { verdict: 'allow' } },
    { name: 'child_of walks a hierarchy', key: k, call: search([['partner_id', 'child_of', 1]]), expect: { verdict: 'deny', reason: /child_of walks the res.partner hierarchy/ } },
    { name: 'a date part of an allowed field', key: k, call: search([['date_deadline.year_number', '=', 2026]]), expect: { verdict: 'allow' } },
    { name: 'malformed domain', key: k, call: search(['|', ['name', '=', 'x']]), expect: { verdict: 'deny', reason: /two operands/ } },
    { name: 'order on a field outside the rule', key: k, call: search([], [['order', 'email_from desc']]), expect: { verdict: 'deny', reason: /field 'email_from' is not in rule 0 .*\(ordered by\)/ } },
    { name: 'order on a dotted path', key: k, call: search([], [['order', 'name, partner_id.email']]), expect: { verdict: 'deny', reason: /needs read on res.partner \('email'\)/ } },
    { name: 'order that is not an order', key: k, call: search([], [['order', 'name; DROP TABLE crm_lead']]), expect: { verdict: 'deny', reason: /is not an order term/ } },
    { name: 'allowed order', key: k, call: search([], [['order', 'expected_revenue DESC NULLS LAST, "name" asc']]), expect: { verdict: 'allow' } },
    { name: 'read_group by a field outside the rule', key: k, call: { model: 'crm.lead', method: 'read_group', params: [['domain', []], ['fields', ['expected_revenue:sum']], ['groupby', ['email_from']]] }, expect: { verdict: 'deny', reason: /field 'email_from' .*\(grouped by\)/ } },
    { name: 'read_group by a dotted path', key: k, call: { model: 'crm.lead', method: 'read_group', params: [['domain', []], ['fields', ['expected_revenue:sum']], ['groupby', ['partner_id.email']]] }, expect: { verdict: 'deny', reason: /needs read on res.partner \('email'\)/ } },
    { name: 'read_group aggregating a field outside the rule', key: k, call: { model: 'crm.lead', method: 'read_group', params: [['domain', []], ['fields', ['phone:max']], ['groupby', ['stage_id']]] }, expect: { verdict: 'deny', reason: /field 'phone' .*\(aggregated\)/ } },
    { name: 'read_group alias:agg(field) naming a forbidden field', key: k, call: { model: 'crm.lead', method: 'read_group', params: [['domain', []], ['fields', ['total:max(phone)']], ['groupby', ['stage_id']]] }, expect: { verdict: 'deny', reason: /field 'phone'/ } },
    { name: 'read_group ordered by a forbidden aggregate', key: k, call: { model: 'crm.lead', method: 'read_group', params: [['domain', []], ['fields', ['expected_revenue:sum']], ['groupby', ['stage_id']], ['offset', 0], ['limit', null], ['orderby', 'phone:max desc']] }, expect: { verdict: 'deny', reason: /field 'phone'/ } },
    // A build whose read_group takes (domain, groupby, aggregates, having, offset, limit, order)
    // would read a having where this signature has offset, an order where it has lazy.
    { name: 'read_group with a having where offset belongs', key: k, call: { model: 'crm.lead', method: 'read_group', params: [['domain', []], ['fields', ['id']], ['groupby', []], ['offset', [['email_from:max', '>=', 'm']]], ['limit', 0], ['orderby', null], ['lazy', 'email_from:max desc']] }, expect: { verdict: 'deny', reason: /offset must be a non-negative integer/ } },
    { name: 'read_group with an order where lazy belongs', key: k, call: { model: 'crm.lead', method: 'read_group', params: [['domain', []], ['fields', ['expected_revenue:sum']], ['groupby', ['stage_id']], ['offset', 0], ['limit', null], ['orderby', null], ['lazy', 'email_from:max desc']] }, expect: { verdict: 'deny', reason: /lazy must be true or false/ } },
    { name: 'read_group within the rule', key: k, call: { model: 'crm.lead', method: 'read_group', params: [['domain', []], ['fields', ['expected_revenue:sum']], ['groupby', ['stage_id', 'date_deadline:month']]] }, expect: { verdict: 'allow' } },
    { name: '19: formatted_read_group aggregates', key: k, env: { version: 19 }, call: { model: 'crm.lead', method: 'formatted_read_group', params: [['domain', []], ['groupby', ['stage_id']], ['aggregates', ['phone:count_distinct']]] }, expect: { verdict: 'deny', reason: /field 'phone' .*\(aggregated\)/ } },
    { name: '19: formatted_read_group having', key: k, env: { version: 19 }, call: { model: 'crm.lead', method: 'formatted_read_group', params: [['domain', []], ['groupby', ['stage_id']], ['aggregates', ['__count']], ['having', [['phone:count', '>', 1]]]] }, expect: { verdict: 'deny', reason: /field 'phone'/ } },
    { name: '19: formatted_read_group within the rule', key: k, env: { version: 19 }, call: { model: 'crm.lead', method: 'formatted_read_group', params: [['domain', [['name', 'ilike', 'a']]], ['groupby', ['stage_id']], ['aggregates', ['expected_revenue:sum', '__count']]] }, expect: { verdict: 'allow' } },
    { name: '19: formatted_read_grouping_sets by a forbidden field', key: k, env: { version: 19 }, call: { model: 'crm.lead', method: 'formatted_read_grouping_sets', params: [['domain', []], ['grouping_sets', [['stage_id'], ['email_from']]], ['aggregates', ['__count']]] }, expect: { verdict: 'deny', reason: /field 'email_from'/ } },
  ];
  runCases(cases);
});

test("a name search or hierarchy walk through a relation to the call's own model reaches records outside the rule's domain", () => {
  // parent_id ilike 'x' is parent_id.display_name ilike 'x': it searches the parents, which the
  // rule's domain does not filter (the names a read would hide), as parent_id.email = 'x' would.
  const limited = key([{ model: 'res.partner', methods: ['read'], domain: [['customer_rank', '>', 0]] }]);
  const open = key([{ model: 'res.partner', methods: ['read'] }]);
  const search = (domain: unknown) => ({ model: 'res.partner', method: 'search', params: [['domain', domain]] as [string, never][] });
  const cases: Case[] = [
    { name: 'a many2one to the same model compared with text', key: limited, call: search([['parent_id', 'ilike', 'secret']]), expect: { verdict: 'deny', reason: /on 'parent_id' \(text compared with a relation is a name search on res.partner\) reads res.partner records that rule 0 .* limits to a domain/ } },
    { name: 'a one2many to the same model compared with text', key: limited, call: search([['child_ids', 'ilike', 'secret']]), expect: { verdict: 'deny', reason: /limits to a domain/ } },
    { name: 'a path ending in display_name through the same model', key: limited, call: search([['parent_id.display_name', 'ilike', 'secret']]), expect: { verdict: 'deny', reason: /limits to a domain/ } },
    { name: 'child_of through a relation to the same model', key: limited, call: search([['parent_id', 'child_of', 'secret']]), expect: { verdict: 'deny', reason: /child_of walks the res.partner hierarchy\) reads res.partner records that rule 0 .* limits to a domain/ } },
    { name: 'the records themselves: display_name, id child_of (the domain is ANDed in)', key: limited, call: search(['|', ['display_name', 'ilike', 'x'], ['id', 'child_of', 5]]), expect: { verdict: 'allow' } },
    { name: 'without a domain the relation reaches nothing hidden', key: open, call: search([['parent_id', 'ilike', 'secret'], ['parent_id', 'child_of', 1]]), expect: { verdict: 'allow' } },
  ];
  runCases(cases);
});

test('item 5: name_search, read_group and search_count as oracles', () => {
  const domain = [['type', '=', 'lead']];
  const listed = key([{ model: 'crm.lead', methods: ['read'], fields: ['name', 'display_name'], domain }]);
  const open = key([{ model: 'crm.lead', methods: ['read'], domain }]);
  const cases: Case[] = [
    { name: 'name_search with text, rule lists fields', key: listed, call: { model: 'crm.lead', method: 'name_search', params: [['name', 'gmail']] }, expect: { verdict: 'deny', reason: /name_search with a search text/ } },
    { name: 'name_search with text, rule without a field list: domain ANDed', key: open, call: { model: 'crm.lead', method: 'name_search', params: [['name', 'gmail']] }, expect: { verdict: 'allow', params: { args: domain } } },
    { name: 'name_search without text: domain ANDed into args', key: listed, call: { model: 'crm.lead', method: 'name_search', params: [['name', ''], ['args', [['name', '!=', false]]]] }, expect: { verdict: 'allow', params: { args: ['&', ['name', '!=', false], ['type', '=', 'lead']] } } },
    { name: '19: name_search domain parameter', key: listed, env: { version: 19 }, call: { model: 'crm.lead', method: 'name_search', params: [['name', '']] }, expect: { verdict: 'allow', params: { domain } } },
    { name: 'name_search needs display_name', key: key([{ model: 'crm.lead', methods: ['read'], fields: ['name'] }]), call: { model: 'crm.lead', method: 'name_search', params: [['name', '']] }, expect: { verdict: 'deny', reason: /field 'display_name'/ } },
    // Only '' (or None, False) with like / ilike matches every record; with '=', '!=', '=like'...
    // it is `display_name <op> ''`, a search on the fields the model picks (email, vat, ref...).
    ...([['', '='], ['', '!='], [false, '!='], [null, '='], ['', '=like'], ['', '=ilike'], ['', 'not ilike'], [false, 'not like']] as const).map(([name, operator]): Case => (
      { name: `name_search ${JSON.stringify(name)} with operator ${operator} is a display name search`, key: listed, call: { model: 'crm.lead', method: 'name_search', params: [['name', name], ['args', []], ['operator', operator]] }, expect: { verdict: 'deny', reason: /name_search with .* and operator '.*' \(it matches fields the model chooses/ } })),
    ...([['', 'ilike'], [false, 'like'], [null, 'ILIKE']] as const).map(([name, operator]): Case => (
      { name: `name_search ${JSON.stringify(name)} with operator ${operator} matches every record`, key: listed, call: { model: 'crm.lead', method: 'name_search', params: [['name', name], ['args', []], ['operator', operator]] }, expect: { verdict: 'allow' } })),
    { name: '18: web_name_search with an empty text and operator =', key: listed, env: { version: 18 }, call: { model: 'crm.lead', method: 'web_name_search', params: [['name', ''], ['specification', { display_name: {} }], ['domain', []], ['operator', '=']] }, expect: { verdict: 'deny', reason: /web_name_search with '' and operator '='/ } },
    { name: 'name_search with an odd operator', key: open, call: { model: 'crm.lead', method: 'name_search', params: [['name', 'x'], ['args', []], ['operator', 'child_of']] }, expect: { verdict: 'deny', reason: /not a name_search operator/ } },
    { name: 'name_search args on a forbidden field', key: listed, call: { model: 'crm.lead', method: 'name_search', params: [['name', ''], ['args', [['email_from', '=', 'x']]]] }, expect: { verdict: 'deny', reason: /field 'email_from'/ } },
    { name: 'search_count gets the rule domain', key: listed, call: { model: 'crm.lead', method: 'search_count', params: [['domain', []]] }, expect: { verdict: 'allow', params: { domain } } },
    { name: 'search_count on a forbidden field', key: listed, call: { model: 'crm.lead', method: 'search_count', params: [['domain', [['email_from', 'ilike', '@gmail']]]] }, expect: { verdict: 'deny', reason: /field 'email_from'/ } },
    { name: 'read_group gets the rule domain; empty fields become the group counts', key: listed, call: { model: 'crm.lead', method: 'read_group', params: [['domain', []], ['fields', []], ['groupby', ['name']]] }, expect: { verdict: 'allow', params: { domain, fields: ['name'] } } },
    { name: 'search gets the rule domain, normalised', key: listed, call: { model: 'crm.lead', method: 'search', params: [['domain', [['name', '=', 'a'], ['name', '=', 'b']]]] }, expect: { verdict: 'allow', params: { domain: ['&', '&', ['name', '=', 'a'], ['name', '=', 'b'], ['type', '=', 'lead']] } } },
  ];
  runCases(cases);
});

test('item 6: copy with a default dict, write and unlink on ids outside the domain', () => {
  const domain = [['user_id', '=', 8]];
  const k = key([{ model: 'crm.lead', methods: ['write', 'unlink', 'copy'], fields: ['name', 'description'], domain }]);
  const cases: Case[] = [
    { name: 'write: every id checked upstream', key: k, call: { model: 'crm.lead', method: 'write', ids: [1, 2], params: [['vals', { name: 'x' }]] }, expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [1, 2] }] } },
    { name: 'write: a single id', key: k, call: { model: 'crm.lead', method: 'write', ids: 3, params: [['vals', { name: 'x' }]] }, expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [3] }] } },
    { name: 'write: a field that would move the record out', key: k, call: { model: 'crm.lead', method: 'write', ids: [1], params: [['vals', { user_id: 9 }]] }, expect: { verdict: 'deny', reason: /field 'user_id' .*\(written\)/ } },
    { name: 'write: ids that are not ids', key: k, call: { model: 'crm.lead', method: 'write', ids: ['1 OR 1=1'], params: [['vals', { name: 'x' }]] }, expect: { verdict: 'deny', reason: /is not a record id/ } },
    { name: 'unlink: ids checked', key: k, call: { model: 'crm.lead', method: 'unlink', ids: [5] }, expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [5] }] } },
    { name: 'copy: ids checked, default within the rule', key: k, call: { model: 'crm.lead', method: 'copy', ids: [5], params: [['default', { name: 'copy' }]] }, expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [5] }] } },
    { name: 'copy: default outside the rule', key: k, call: { model: 'crm.lead', method: 'copy', ids: [5], params: [['default', { user_id: 1 }]] }, expect: { verdict: 'deny', reason: /field 'user_id' .*\(set by copy default\)/ } },
    { name: 'copy_data returns every field', key: key([{ model: 'crm.lead', methods: ['copy_data'], fields: ['name'] }]), call: { model: 'crm.lead', method: 'copy_data', ids: [5] }, expect: { verdict: 'deny', reason: /copy_data returns the values of every copied field/ } },
    { name: 'record method without ids', key: k, call: { model: 'crm.lead', method: 'unlink', ids: [] }, expect: { verdict: 'allow', checks: [] } },
  ];
  runCases(cases);
});

test('item 7: allowed_company_ids outside the key companies', () => {
  const k = key([{ model: 'crm.lead', methods: ['read'] }], { limits: { companies: [1, 3] } });
  const call = (context?: Record<string, never> | Record<string, unknown>) => ({ model: 'crm.lead', method: 'search', params: [['domain', []]] as [string, never][], ...(context ? { context: context as never } : {}) });
  const cases: Case[] = [
    { name: 'inside', key: k, call: call({ allowed_company_ids: [3, 1] }), expect: { verdict: 'allow', context: { allowed_company_ids: [3, 1] } } },
    { name: 'one company outside', key: k, call: call({ allowed_company_ids: [1, 2] }), expect: { verdict: 'deny', reason: /company 2 in allowed_company_ids is outside the key's companies \(1, 3\)/, limit: 'companies' } },
    { name: 'not a list', key: k, call: call({ allowed_company_ids: 2 }), expect: { verdict: 'deny', limit: 'companies' } },
    { name: 'empty list', key: k, call: call({ allowed_company_ids: [] }), expect: { verdict: 'deny', limit: 'companies' } },
    { name: 'absent: the key companies are set', key: k, call: call(), expect: { verdict: 'allow', context: { allowed_company_ids: [1, 3] } } },
    { name: 'absent with other context: merged', key: k, call: call({ lang: 'nl_NL' }), expect: { verdict: 'allow', context: { lang: 'nl_NL', allowed_company_ids: [1, 3] } } },
    { name: 'inside a web_read specification context', key: k, call: { model: 'crm.lead', method: 'web_read', ids: [1], params: [['specification', { partner_id: { fields: { name: {} }, context: { allowed_company_ids: [2] } } }]] }, expect: { verdict: 'deny', limit: 'companies' } },
    { name: 'no companies limit: passed through', key: key([{ model: 'crm.lead', methods: ['read'] }]), call: call({ allowed_company_ids: [7] }), expect: { verdict: 'allow', context: { allowed_company_ids: [7] } } },
  ];
  runCases(cases);
});

test('item 8: method and model name tricks', () => {
  const k = key([{ model: 'crm.lead', methods: ['read', 'write'] }]);
  const badMethods: [string, RegExp][] = [
    ['Read', /no rule allows Read on crm.lead/],
    ['READ', /no rule allows READ/],
    ['read ', /not a plain ASCII method name/],
    [' read', /not a plain ASCII method name/],
    ['r\u0435ad', /'r\\u0435ad' is not a plain ASCII method name/],
    ['search_read\u200b', /search_read\\u200b/],
    ['read\n', /\\u000a/],
    ['_read', /private/],
    ['__init__', /private/],
    ['_write', /private/],
    ['read.x', /not a plain ASCII method name/],
    ['', /not a plain ASCII method name/],
  ];
  for (const [method, reason] of badMethods) expectDecision(k, { model: 'crm.lead', method, ids: [1] }, { verdict: 'deny', reason }, {}, JSON.stringify(method));
  const badModels = ['crm.lead ', 'CRM.lead', 'crm.lead\u0000', 'crm/lead', 'crm.l\u0435ad', 'crm..lead', '.crm.lead', 'crm.lead.', '*'];
  for (const model of badModels) expectDecision(k, { model, method: 'search', params: [['domain', []]] }, { verdict: 'deny', reason: /not a plain Odoo model name/ }, {}, JSON.stringify(model));
  // The same method through execute and execute_kw decides alike (covered by every case above); a
  // glob model in a rule still matches only real names.
  expectDecision(key([{ model: 'crm.*', methods: ['read'] }]), { model: 'crm.lead', method: 'search', params: [['domain', []]] }, { verdict: 'allow' });
  expectDecision(key([{ model: 'crm.*', methods: ['read'] }]), { model: 'crmxlead', method: 'search', params: [['domain', []]] }, { verdict: 'deny', reason: /no rule allows/ });
});

test('item 9: context keys are allowed by an allowlist, never a blocklist', () => {
  const k = key([{ model: 'crm.lead', methods: ['read', 'create'] }]);
  const create = (context: Record<string, unknown>) => ({ model: 'crm.lead', method: 'create', params: [['vals_list', { name: 'x' }]] as [string, never][], context: context as never });
  const cases: Case[] = [];
  for (const [k2, why] of [['tracking_disable', /silences Odoo's change tracking/], ['mail_notrack', /field tracking/], ['mail_create_nolog', /'record created' log/], ['mail_create_nosubscribe', /follower/], ['active_test', /archived/], ['uid', /claims another user/], ['some_new_key', /is not allowed; the key's limits.context_keys can allow it/]] as const) {
    cases.push({ name: `${k2} refused`, key: k, call: create({ [k2]: false }), expect: { verdict: 'deny', reason: why, limit: 'context_keys' } });
  }
  cases.push(
    { name: 'tracking_disable allowed by limits.context_keys', key: key(k.rules, { limits: { context_keys: ['tracking_disable'] } }), call: create({ tracking_disable: true }), expect: { verdict: 'allow' } },
    { name: 'lang, tz, bin_size are harmless', key: k, call: create({ lang: 'nl_NL', tz: 'Europe/Amsterdam', bin_size: true }), expect: { verdict: 'allow' } },
    { name: 'lang of the wrong type', key: k, call: create({ lang: { x: 1 } }), expect: { verdict: 'deny', reason: /'lang' has a value of the wrong type/ } },
    { name: 'a context that is not a dictionary', key: k, call: create('en_US' as never), expect: { verdict: 'deny', reason: /context must be a dictionary/ } },
    { name: 'a context that is a non-empty list', key: k, call: create([['uid', 1]] as never), expect: { verdict: 'deny', reason: /context must be a dictionary/ } },
    { name: 'active_test inside a web_read specification', key: k, call: { model: 'crm.lead', method: 'web_read', ids: [1], params: [['specification', { tag_ids: { fields: { name: {} }, context: { active_test: false } } }]] }, expect: { verdict: 'deny', reason: /active_test/ } },
  );
  runCases(cases);
});

test('item 10: methods that read or write through a specification or a path', () => {
  const rules: Rule[] = [
    { model: 'crm.lead', methods: ['read', 'web_save', 'export_data', 'load', 'onchange', 'name_create'], fields: ['name', 'partner_id', 'stage_id', 'user_id', 'tag_ids'] },
    { model: 'res.partner', methods: ['read'], fields: ['name', 'display_name'] },
    { model: 'crm.stage', methods: ['read'] },
  ];
  const k = key(rules);
  const cases: Case[] = [
    { name: 'web_read: many2one display_name on an allowed comodel', key: k, call: { model: 'crm.lead', method: 'web_read', ids: [1], params: [['specification', { name: {}, partner_id: { fields: { display_name: {} } } }]] }, expect: { verdict: 'allow' } },
    { name: 'web_read: a comodel field no rule allows', key: k, call: { model: 'crm.lead', method: 'web_read', ids: [1], params: [['specification', { partner_id: { fields: { email: {} } } }]] }, expect: { verdict: 'deny', reason: /specification\['partner_id'\] needs read on res.partner \('email'\)/ } },
    { name: 'web_read: a sensitive comodel', key: k, call: { model: 'crm.lead', method: 'web_read', ids: [1], params: [['specification', { user_id: { fields: { display_name: {} } } }]] }, expect: { verdict: 'deny', reason: /reaches res.users, a sensitive model/ } },
    { name: 'web_read: x2many order on a forbidden comodel field', key: k, call: { model: 'crm.lead', method: 'web_read', ids: [1], params: [['specification', { tag_ids: { fields: {}, order: 'color desc' } }]] }, expect: { verdict: 'deny', reason: /needs read on crm.tag/ } },
    { name: 'web_read: unknown specification keys', key: k, call: { model: 'crm.lead', method: 'web_read', ids: [1], params: [['specification', { name: { domain: [] } }]] }, expect: { verdict: 'deny', reason: /has 'domain', which the engine does not know/ } },
    { name: 'web_read: fields under a field that is not a relation', key: k, call: { model: 'crm.lead', method: 'web_read', ids: [1], params: [['specification', { name: { fields: { x: {} } } }]] }, expect: { verdict: 'deny', reason: /not a many2one, one2many or many2many/ } },
    { name: 'web_search_read: specification and domain', key: k, call: { model: 'crm.lead', method: 'web_search_read', params: [['domain', [['stage_id.name', '=', 'Won']]], ['specification', { name: {}, stage_id: { fields: { display_name: {} } } }]] }, expect: { verdict: 'allow' } },
    { name: 'web_save: reads back through the specification', key: k, call: { model: 'crm.lead', method: 'web_save', ids: [1], params: [['vals', { name: 'x' }], ['specification', { partner_id: { fields: { email: {} } } }]] }, expect: { verdict: 'deny', reason: /needs read on res.partner \('email'\)/ } },
    { name: 'web_save: next_id is checked like the ids', key: key([{ ...rules[0]!, domain: [['user_id', '=', 8]] }]), call: { model: 'crm.lead', method: 'web_save', ids: [1], params: [['vals', { name: 'x' }], ['specification', {}], ['next_id', 99]] }, expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [1] }, { model: 'crm.lead', ids: [99] }] } },
    { name: 'export_data: partner_id/email', key: k, call: { model: 'crm.lead', method: 'export_data', ids: [1], params: [['fields_to_export', ['name', 'partner_id/email']]] }, expect: { verdict: 'deny', reason: /fields_to_export 'partner_id\/email' needs read on res.partner \('email'\)/ } },
    { name: 'export_data: a reference field exports the display name of a record of any model', key: key([{ model: 'mail.activity', methods: ['read', 'export_data'], fields: ['summary', 'origin_ref'] }]), call: { model: 'mail.activity', method: 'export_data', ids: [1], params: [['fields_to_export', ['summary', 'origin_ref']]] }, expect: { verdict: 'deny', reason: /a reference field exports the display name/ } },
    { name: 'export_data: a reference field read is model,id only', key: key([{ model: 'mail.activity', methods: ['read', 'export_data'], fields: ['summary', 'origin_ref'] }]), call: { model: 'mail.activity', method: 'read', ids: [1], params: [['fields', ['summary', 'origin_ref']]] }, expect: { verdict: 'allow' } },
    { name: 'export_data: allowed paths and database ids', key: k, call: { model: 'crm.lead', method: 'export_data', ids: [1], params: [['fields_to_export', ['.id', 'name', 'partner_id/name', 'partner_id/.id', 'stage_id/.id']]] }, expect: { verdict: 'allow' } },
    { name: 'load: partner_id/email', key: k, call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'partner_id/email']], ['data', [['a', 'b@c.d']]]] }, expect: { verdict: 'deny', reason: /only one2many lines can be imported with sub-fields/ } },
    { name: 'load: a many2one by name is a name search on the comodel', key: k, call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'partner_id']], ['data', [['a', 'Acme']]]] }, expect: { verdict: 'deny', reason: /name search on res.partner/ } },
    { name: 'load: a many2one by id', key: k, call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'partner_id/id']], ['data', [['a', 'base.res_partner_1']]]] }, expect: { verdict: 'allow' } },
    { name: 'load: updating by id under a domain', key: key([{ ...rules[0]!, domain: [['user_id', '=', 8]] }]), call: { model: 'crm.lead', method: 'load', params: [['fields', ['.id', 'name']], ['data', [['1', 'a']]]] }, expect: { verdict: 'deny', reason: /updates existing records by id/ } },
    { name: 'load: a field outside the rule', key: k, call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'email_from']], ['data', []]] }, expect: { verdict: 'deny', reason: /field 'email_from' .*\(imported\)/ } },
    { name: 'name_create with a field list', key: k, call: { model: 'crm.lead', method: 'name_create', params: [['name', 'New']] }, expect: { verdict: 'deny', reason: /name_create writes the model's name field/ } },
    { name: 'name_create without a field list', key: key([{ model: 'crm.lead', methods: ['name_create'] }]), call: { model: 'crm.lead', method: 'name_create', params: [['name', 'New']] }, expect: { verdict: 'allow' } },
    { name: '17+: onchange reads through fields_spec', key: k, call: { model: 'crm.lead', method: 'onchange', ids: [], params: [['values', { name: 'x' }], ['field_names', ['name']], ['fields_spec', { partner_id: { fields: { email: {} } } }]] }, expect: { verdict: 'deny', reason: /fields_spec\['partner_id'\] needs read on res.partner/ } },
    { name: '17+: onchange values outside the rule', key: k, call: { model: 'crm.lead', method: 'onchange', ids: [], params: [['values', { email_from: 'x' }], ['field_names', []], ['fields_spec', {}]] }, expect: { verdict: 'deny', reason: /field 'email_from'/ } },
    // 16's onchange answers many2one values as [id, display_name], also in x2many lines: hidden
    // when the key may not read the comodel's names (res.users is sensitive; crm.stage is open).
    { name: '16: onchange hides the names of many2one values the key may not read', key: k, env: { version: 16 }, call: { model: 'crm.lead', method: 'onchange', ids: [1], params: [['values', { name: 'x' }], ['field_name', 'name'], ['field_onchange', { name: '1', user_id: '', stage_id: '', partner_id: '' }]] }, expect: { verdict: 'allow', redactions: [{ fields: ['user_id'], comodel: 'res.users' }] } },
    { name: '16: onchange hides names in x2many lines too', key: key([{ model: 'sale.order', methods: ['onchange'], fields: ['name', 'order_line'] }, { model: 'sale.order.line', methods: ['read'], fields: ['product_id'] }]), env: { version: 16 }, call: { model: 'sale.order', method: 'onchange', ids: [], params: [['values', { name: 'x' }], ['field_name', 'name'], ['field_onchange', { name: '1', order_line: '', 'order_line.product_id': '' }]] }, expect: { verdict: 'allow', redactions: [{ fields: ['product_id'], comodel: 'product.product' }] } },
    { name: '16: onchange field_onchange paths', key: k, env: { version: 16 }, call: { model: 'crm.lead', method: 'onchange', ids: [], params: [['values', { name: 'x' }], ['field_name', 'name'], ['field_onchange', { name: '1', 'partner_id.email': '' }]] }, expect: { verdict: 'deny', reason: /needs read on res.partner \('email'\)/ } },
    { name: 'read: many2one names of unreadable comodels are hidden', key: k, call: { model: 'crm.lead', method: 'read', ids: [1], params: [['fields', ['name', 'user_id', 'stage_id', 'partner_id']]] }, expect: { verdict: 'allow', redactions: [{ fields: ['user_id'], comodel: 'res.users' }] } },
    { name: 'read: names hidden outside a comodel domain', key: key([rules[0]!, { ...rules[1]!, domain: [['customer_rank', '>', 0]] }, rules[2]!]), call: { model: 'crm.lead', method: 'search_read', params: [['domain', []], ['fields', ['partner_id']]] }, expect: { verdict: 'allow', redactions: [{ fields: ['partner_id'], comodel: 'res.partner', domain: [['customer_rank', '>', 0]] }] } },
    { name: 'read with load=None returns ids: nothing to hide', key: k, call: { model: 'crm.lead', method: 'read', ids: [1], params: [['fields', ['user_id']], ['load', null]] }, expect: { verdict: 'allow', redactions: [] } },
    { name: 'export_data: a relational column exports the comodel display names', key: k, call: { model: 'crm.lead', method: 'export_data', ids: [1], params: [['fields_to_export', ['name', 'user_id']]] }, expect: { verdict: 'deny', reason: /exports res.users display names\) reaches res.users, a sensitive model/ } },
    { name: 'export_data: a readable relational column', key: k, call: { model: 'crm.lead', method: 'export_data', ids: [1], params: [['fields_to_export', ['name', 'partner_id', 'stage_id']]] }, expect: { verdict: 'allow' } },
    { name: 'read_group by a path: the names at its end are hidden', key: key([{ ...rules[0]!, fields: [...rules[0]!.fields!, 'partner_id'] }, { model: 'res.partner', methods: ['read'], fields: ['user_id', 'name'] }]), call: { model: 'crm.lead', method: 'read_group', params: [['domain', []], ['fields', []], ['groupby', ['partner_id.user_id']]] }, expect: { verdict: 'allow', params: { fields: ['partner_id'] }, redactions: [{ fields: ['partner_id.user_id'], comodel: 'res.users' }] } },
    { name: 'read_group by a many2one: group names hidden', key: k, call: { model: 'crm.lead', method: 'read_group', params: [['domain', []], ['fields', []], ['groupby', ['user_id']]] }, expect: { verdict: 'allow', redactions: [{ fields: ['user_id'], comodel: 'res.users' }] } },
  ];
  runCases(cases);
});

// Odoo 16-19 BaseModel._export_rows: a column whose path ends in `id` (`id`, `partner_id/id`, and
// for many2many lines `tag_ids/id`) runs __ensure_xml_id on the records it reaches, which inserts
// an __export__.<table>_<id>_<hash> row into ir_model_data by SQL for each one that has none,
// whatever the user's rights: a read-only key would write. `.id` exports the database id only.
test('item 10: export_data external id columns write ir.model.data rows: refused unless a rule may create there', () => {
  const lead: Rule = { model: 'crm.lead', methods: ['read', 'export_data'], fields: ['name', 'partner_id', 'stage_id', 'tag_ids'] };
  const readOthers: Rule[] = [{ model: 'res.partner', methods: ['read'], fields: ['name', 'display_name'] }, { model: 'crm.stage', methods: ['read'] }, { model: 'crm.tag', methods: ['read'] }];
  const k = key([lead, ...readOthers]);
  const exp = (...cols: string[]) => ({ model: 'crm.lead', method: 'export_data', ids: [1, 2], params: [['fields_to_export', cols]] as [string, never][] });
  const imd = (more: Partial<Rule>): Rule => ({ model: 'ir.model.data', methods: ['create'], allow_sensitive: true, ...more });
  const cases: Case[] = [];
  for (const version of [16, 17, 18, 19]) {
    const e = { version };
    cases.push(
      { name: `${version}: the record's own external id`, key: k, env: e, call: exp('id', 'name'), expect: { verdict: 'deny', reason: /^fields_to_export 'id' \(external ids: Odoo creates one in ir\.model\.data for each crm\.lead record without one; '\.id' gives the database id and writes nothing\) reaches ir\.model\.data, a sensitive model no rule names with allow_sensitive$/ } },
      { name: `${version}: a many2one's external id`, key: k, env: e, call: exp('name', 'partner_id/id'), expect: { verdict: 'deny', reason: /fields_to_export 'partner_id\/id' \(external ids: Odoo creates one in ir\.model\.data for each res\.partner record without one; 'partner_id\/\.id' gives the database id/ } },
      { name: `${version}: a many2many's external ids (import-compatible export)`, key: k, env: e, call: exp('name', 'tag_ids/id'), expect: { verdict: 'deny', reason: /'tag_ids\/id' \(external ids: Odoo creates one in ir\.model\.data for each crm\.tag record/ } },
      { name: `${version}: 'id' after a database id column is still refused`, key: k, env: e, call: exp('.id', 'stage_id/.id', 'stage_id/id'), expect: { verdict: 'deny', reason: /'stage_id\/id' \(external ids/ } },
      { name: `${version}: database ids, plain fields and relational display names write nothing`, key: k, env: e, call: exp('.id', 'name', 'partner_id', 'partner_id/.id', 'partner_id/name', 'stage_id', 'tag_ids', 'tag_ids/.id'), expect: { verdict: 'allow' } },
    );
  }
  cases.push(
    { name: 'a rule naming ir.model.data without create', key: key([lead, ...readOthers, { model: 'ir.model.data', methods: ['read'], allow_sensitive: true }]), call: exp('partner_id/id'), expect: { verdict: 'deny', reason: /'partner_id\/\.id' gives the database id and writes nothing\) needs create on ir\.model\.data \('module', 'model', 'name', 'res_id'\), which no rule allows/ } },
    { name: 'a rule allowing create on ir.model.data without allow_sensitive', key: key([lead, ...readOthers, imd({ allow_sensitive: false })]), call: exp('id'), expect: { verdict: 'deny', reason: /reaches ir\.model\.data, a sensitive model/ } },
    { name: 'a rule allowing create on ir.model.data fields other than those written', key: key([lead, ...readOthers, imd({ fields: ['module', 'name'] })]), call: exp('id'), expect: { verdict: 'deny', reason: /needs create on ir\.model\.data/ } },
    { name: 'a rule allowing create on ir.model.data under a domain', key: key([lead, ...readOthers, imd({ domain: [['module', '=', '__export__']] })]), call: exp('id'), expect: { verdict: 'deny', reason: /creates ir\.model\.data records, and rule 4 .* limits ir\.model\.data to a domain/ } },
    { name: 'a key that may create ir.model.data exports external ids', key: key([lead, ...readOthers, imd({})]), call: exp('id', 'name', 'partner_id/id', 'tag_ids/id'), expect: { verdict: 'allow', rule: 0 } },
    { name: 'a learning key: never an external id column (ir.model.data is sensitive)', key: key([], { learning: true }), call: exp('id', 'name'), expect: { verdict: 'deny', reason: /fields_to_export 'id' .*reaches ir\.model\.data, a sensitive model, which learning keys never reach/ } },
    { name: 'a learning key: database ids', key: key([], { learning: true }), call: exp('.id', 'name', 'partner_id/.id'), expect: { verdict: 'allow', rule: -1 } },
  );
  runCases(cases);
});

test('item 11: sensitive models need an exact rule with allow_sensitive; globs never reach them', () => {
  for (const model of SENSITIVE_MODELS) {
    for (const glob of ['*', `${model.split('.')[0]}.*`]) {
      expectDecision(key([{ model: glob, methods: ['read'] }]), { model, method: 'search', params: [['domain', []]] }, { verdict: 'deny', reason: new RegExp(`${model.replace(/\./g, '\\.')} is a sensitive model, which the glob`) }, {}, `${glob} on ${model}`);
    }
    expectDecision(key([{ model, methods: ['read'] }]), { model, method: 'search', params: [['domain', []]] }, { verdict: 'deny', reason: /names it but was not confirmed with allow_sensitive/ }, {}, `exact ${model}`);
  }
  expectDecision(key([{ model: 'res.users', methods: ['read'], allow_sensitive: true }]), { model: 'res.users', method: 'search_read', params: [['domain', []], ['fields', ['name', 'login']]] }, { verdict: 'allow' });
  expectDecision(key([{ model: '*', methods: ['read'] }]), { model: 'crm.lead', method: 'search', params: [['domain', [['user_id.login', '=', 'admin']]]] }, { verdict: 'deny', reason: /reaches res.users, a sensitive model/ });
  expectDecision(key([], { learning: true }), { model: 'res.users', method: 'search', params: [['domain', []]] }, { verdict: 'deny', reason: /learning keys never reach/ });
  expectDecision(key([], { learning: true }), { model: 'crm.lead', method: 'search', params: [['domain', []]] }, { verdict: 'allow', rule: -1 });
  expectDecision(key([], { learning: true }), { model: 'crm.lead', method: '_unlink' }, { verdict: 'deny', reason: /private/ });
  // Nor through relations: a specification, a domain path, an order, x2many-style values on a many2one.
  const learning = key([], { learning: true });
  const through: [string, unknown][] = [
    ['a web_read specification', { model: 'crm.lead', method: 'web_read', ids: [1], params: [['specification', { name: {}, user_id: { fields: { login: {} } } }]] }],
    ['a domain path', { model: 'crm.lead', method: 'search_read', params: [['domain', [['user_id.login', '=like', 'a%']]], ['fields', ['name']]] }],
    ['an order path', { model: 'crm.lead', method: 'search_read', params: [['domain', []], ['fields', ['name']], ['order', 'user_id.login']] }],
    ['a groupby path', { model: 'crm.lead', method: 'read_group', params: [['domain', []], ['fields', ['name']], ['groupby', ['user_id.login']]] }],
    ['an export path', { model: 'crm.lead', method: 'export_data', ids: [1], params: [['fields_to_export', ['name', 'user_id/login']]] }],
  ];
  for (const [what, call] of through) expectDecision(learning, call as never, { verdict: 'deny', reason: /res\.users.*learning keys never reach/ }, {}, what);
  // Everything else stays open to a learning key, relations to other models included.
  expectDecision(learning, { model: 'crm.lead', method: 'search_read', params: [['domain', [['partner_id.email', 'ilike', 'x']]], ['fields', ['name', 'user_id']]] }, { verdict: 'allow', rule: -1 });
});

test('item 12: unbounded reads are narrowed to max_limit', () => {
  const k = key([{ model: 'crm.lead', methods: ['read'], max_limit: 100 }]);
  const sr = (more: [string, unknown][]) => ({ model: 'crm.lead', method: 'search_read', params: [['domain', []], ['fields', ['name']], ...more] as [string, never][] });
  const cases: Case[] = [
    { name: 'no limit', key: k, call: sr([]), expect: { verdict: 'allow', params: { limit: 100 } } },
    { name: 'a larger limit', key: k, call: sr([['offset', 0], ['limit', 5000]]), expect: { verdict: 'allow', params: { limit: 100 } } },
    { name: 'a smaller limit is kept', key: k, call: sr([['offset', 0], ['limit', 10]]), expect: { verdict: 'allow', params: { limit: 10 } } },
    { name: 'limit 0 means none to Odoo', key: k, call: sr([['offset', 0], ['limit', 0]]), expect: { verdict: 'allow', params: { limit: 100 } } },
    { name: 'limit false', key: k, call: sr([['offset', 0], ['limit', false]]), expect: { verdict: 'allow', params: { limit: 100 } } },
    { name: 'a negative limit', key: k, call: sr([['offset', 0], ['limit', -1]]), expect: { verdict: 'deny', reason: /limit must be a non-negative integer/ } },
    { name: 'search', key: k, call: { model: 'crm.lead', method: 'search', params: [['domain', []]] }, expect: { verdict: 'allow', params: { limit: 100 } } },
    { name: 'name_search default 100 is within', key: k, call: { model: 'crm.lead', method: 'name_search', params: [['name', '']] }, expect: { verdict: 'allow', params: {} } },
    { name: 'name_search default 100 over a smaller max', key: key([{ model: 'crm.lead', methods: ['read'], max_limit: 20 }]), call: { model: 'crm.lead', method: 'name_search', params: [['name', '']] }, expect: { verdict: 'allow', params: { limit: 20 } } },
    { name: 'read on more ids than max_limit', key: key([{ model: 'crm.lead', methods: ['read'], max_limit: 2 }]), call: { model: 'crm.lead', method: 'read', ids: [1, 2, 3], params: [['fields', ['name']]] }, expect: { verdict: 'deny', reason: /read on 3 records is more than rule 0 .* allows at once \(max_limit 2\)/ } },
    { name: 'web_search_read', key: k, call: { model: 'crm.lead', method: 'web_search_read', params: [['domain', []], ['specification', { name: {} }]] }, expect: { verdict: 'allow', params: { limit: 100 } } },
    { name: '16: search with count is not capped', key: k, env: { version: 16 }, call: { model: 'crm.lead', method: 'search', params: [['domain', []], ['offset', 0], ['limit', null], ['order', null], ['count', true]] }, expect: { verdict: 'allow', params: { limit: null } } },
  ];
  runCases(cases);
});

test('flags are read as Odoo reads them (Python truthiness): NaN, [], {} and 0.0 are refused, not guessed', () => {
  const k = key([{ model: 'crm.lead', methods: ['read'], fields: ['name', 'stage_id'], max_limit: 100 }]);
  const nan = new PyFloat(Number.NaN);
  // Python: NaN is true, [] / {} / 0.0 are false; JavaScript reads each the other way.
  const unclear: [string, unknown][] = [['NaN', nan], ['a bare NaN number', Number.NaN], ['[]', []], ['{}', {}], ['0.0', new PyFloat(0)], ['a string', 'yes']];
  const unfold = (v: unknown) => ({ model: 'crm.lead', method: 'web_read_group', params: [['domain', []], ['groupby', ['stage_id']], ['aggregates', ['__count']], ['auto_unfold', v], ['unfold_read_specification', { email_from: {} }]] as [string, never][] });
  const expand = (v: unknown) => ({ model: 'crm.lead', method: 'web_read_group', params: [['domain', []], ['fields', ['stage_id']], ['groupby', ['stage_id']], ['limit', 80], ['offset', 0], ['orderby', ''], ['lazy', true], ['expand', v]] as [string, never][] });
  const count = (v: unknown) => ({ model: 'crm.lead', method: 'search', params: [['domain', []], ['offset', 0], ['limit', null], ['order', null], ['count', v]] as [string, never][] });
  const cases: Case[] = [
    ...unclear.map(([label, v]): Case => ({ name: `19: auto_unfold ${label}`, key: k, env: { version: 19 }, call: unfold(v), expect: { verdict: 'deny', reason: /auto_unfold must be true or false/ } })),
    ...unclear.map(([label, v]): Case => ({ name: `16: web_read_group expand ${label}`, key: k, env: { version: 16 }, call: expand(v), expect: { verdict: 'deny', reason: /expand must be true or false/ } })),
    ...unclear.map(([label, v]): Case => ({ name: `16: search count ${label}`, key: k, env: { version: 16 }, call: count(v), expect: { verdict: 'deny', reason: /count must be true or false/ } })),
    { name: '19: auto_unfold 1 unfolds (its specification is checked)', key: k, env: { version: 19 }, call: unfold(1), expect: { verdict: 'deny', reason: /field 'email_from'/ } },
    { name: '19: auto_unfold 0 does not', key: k, env: { version: 19 }, call: unfold(0), expect: { verdict: 'allow' } },
    { name: '16: search count 0 is a search, capped', key: k, env: { version: 16 }, call: count(0), expect: { verdict: 'allow', params: { limit: 100 } } },
    { name: '16: search count null is a search, capped', key: k, env: { version: 16 }, call: count(null), expect: { verdict: 'allow', params: { limit: 100 } } },
  ];
  runCases(cases);
});

test('methods outside the table: named by the rule, their records checked against the domain', () => {
  const k = key([{ model: 'sale.order', methods: ['action_confirm'], domain: [['state', '=', 'draft']] }]);
  expectDecision(k, { model: 'sale.order', method: 'action_confirm', ids: [4, 5] }, { verdict: 'allow', checks: [{ model: 'sale.order', ids: [4, 5] }] });
  expectDecision(k, { model: 'sale.order', method: 'action_confirm', ids: { x: 1 } as never }, { verdict: 'deny', reason: /not a list of record ids/ });
  expectDecision(key([{ model: 'sale.order', methods: ['action_confirm'] }]), { model: 'sale.order', method: 'action_confirm', ids: [4] }, { verdict: 'allow', checks: [] });
  // execute_kw with no ids at all for a method the engine does not know, under a domain
  const d = decide(k, { protocol: 'xmlrpc', entry: 'execute_kw', db: 'o', uid: 1, credential: 'x', model: 'sale.order', method: 'action_confirm', args: [], kwargs: {} }, env());
  assert.equal(d.verdict, 'deny');
  assert.match((d as { reason: string }).reason, /names no records/);
});

test('methods outside the table: a default_<field> context key is refused, since Odoo applies it to every record the method creates, of any model', () => {
  // message_post creates a mail.message (and followers, notifications), action_confirm pickings and
  // moves: default_get reads default_<field> for each of them. The rule lists no fields, so the
  // key's own model allowed every default before; which models the method creates is not known.
  const poster = key([{ model: 'crm.lead', methods: ['message_post'], domain: [['type', '=', 'opportunity']] }]);
  const post = (context: Record<string, never | number | string>) => ({ model: 'crm.lead', method: 'message_post', ids: [5], params: [['body', 'hello']] as [string, never][], context });
  expectDecision(poster, post({ default_author_id: 3 as never }), { verdict: 'deny', reason: /'default_author_id' would apply to whatever records message_post, a method outside the standard table, creates/, limit: 'context_keys' });
  expectDecision(poster, post({ default_message_type: 'comment' as never }), { verdict: 'deny', limit: 'context_keys' });
  const confirmer = key([{ model: 'sale.order', methods: ['action_confirm'], fields: ['partner_id'] }]);
  expectDecision(confirmer, { model: 'sale.order', method: 'action_confirm', ids: [4], context: { default_partner_id: 9 } }, { verdict: 'deny', reason: /'default_partner_id' would apply to whatever records action_confirm/, limit: 'context_keys' });
  // The operator can still allow one by name; harmless keys and no context are unchanged.
  expectDecision(key(poster.rules, { limits: { context_keys: ['default_author_id'] } }), post({ default_author_id: 3 as never }), { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [5] }] });
  expectDecision(poster, post({ lang: 'nl_NL' as never }), { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [5] }] });
  // Standard methods keep their checks: a create's default for a field of the rule is allowed.
  expectDecision(key([websiteForm]), { model: 'crm.lead', method: 'create', params: [['vals_list', [{ name: 'x' }]]], context: { default_phone: '1' } }, { verdict: 'allow' });
});

test('schemas: asked for only when needed, and all at once', () => {
  const noSchema = { schema: () => undefined };
  const k = key([{ model: 'crm.lead', methods: ['read'], fields: ['name', 'partner_id'] }, { model: 'res.partner', methods: ['read'], fields: ['name'] }]);
  expectDecision(k, { model: 'crm.lead', method: 'search', params: [['domain', [['name', '!=', false], ['partner_id', 'in', [1]]]]] }, { verdict: 'allow' }, noSchema, 'a plain search needs no schema');
  expectDecision(k, { model: 'crm.lead', method: 'search', params: [['domain', [['name', '=', 'x']]]] }, { verdict: 'need_schema', models: ['crm.lead'] }, noSchema, 'text in a leaf: is the field a relation (a name search)?');
  expectDecision(k, { model: 'crm.lead', method: 'search_read', params: [['domain', []], ['fields', ['name']]] }, { verdict: 'need_schema', models: ['crm.lead'] }, noSchema, 'a read needs the schema to hide names');
  expectDecision(k, { model: 'crm.lead', method: 'search', params: [['domain', [['partner_id.name', '=', 'x']]]] }, { verdict: 'need_schema', models: ['crm.lead'] }, noSchema, 'a dotted path');
  expectDecision(k, { model: 'crm.lead', method: 'search', params: [['domain', [['email_from', '=', 'x']]]] }, { verdict: 'deny', reason: /email_from/ }, noSchema, 'a denial that needs no schema is given at once');
  const partial = { schema: (m: string) => (m === 'crm.lead' ? SCHEMA_LEAD : undefined) };
  expectDecision(k, { model: 'crm.lead', method: 'search', params: [['domain', [['partner_id', 'any', [['name', 'ilike', 'x'], ['parent_id.name', '=', 'y']]]]]] }, { verdict: 'deny', reason: /parent_id/ }, partial);
  expectDecision(key([{ model: 'crm.lead', methods: ['read'] }, { model: 'res.partner', methods: ['read'] }]), { model: 'crm.lead', method: 'search', params: [['domain', [['partner_id', 'any', [['parent_id.name', '=', 'y']]]]]] }, { verdict: 'need_schema', models: ['res.partner'] }, partial);
});

import { SCHEMAS } from './support.js';
const SCHEMA_LEAD = SCHEMAS['crm.lead'];

test('shapes: the harness really produces four distinct call shapes', () => {
  const s = shapes({ model: 'crm.lead', method: 'search_read', params: [['domain', []], ['fields', ['name']]] });
  assert.deepEqual(s.map((x) => x.shape), ['execute_kw positional', 'execute_kw keyword', 'execute', 'json2']);
  assert.deepEqual(s[0]!.call.args, [[], ['name']]);
  assert.deepEqual(s[1]!.call.kwargs, { domain: [], fields: ['name'] });
  assert.equal(s[2]!.call.entry, 'execute');
  assert.deepEqual(s[3]!.call.kwargs, { domain: [], fields: ['name'] });
});
