// A short, fixed-seed run of every fuzz target (test/fuzz/targets.ts, test/fuzz/proxy-target.ts);
// `npm run fuzz -- --seconds 60` runs them for longer with fresh seeds. Also: the oracle the
// scope-engine targets rely on does flag what it must (else those targets could never fail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { allowProblems, callOf, loadCorpus, TARGETS, type CallSpec } from '../fuzz/targets.js';
import { fuzzProxy } from '../fuzz/proxy-target.js';
import { INHERITS_TARGETS, inheritsProblems } from '../fuzz/inherits-target.js';
import { REFS_TARGETS, refsProblems } from '../fuzz/refs-target.js';
import type { Decision, KeyScope, UpstreamCheck } from '../../src/policy/types.js';
import type { RpcValue } from '../../src/rpc/values.js';

const SEED = 20261128;
const corpus = loadCorpus();

test('the seed corpus holds every recorded request', () => {
  assert.ok(corpus.xml.length > 50 && corpus.json.length > 30, `${corpus.xml.length} XML-RPC, ${corpus.json.length} JSON`);
  assert.ok(corpus.calls.length > 50, `${corpus.calls.length} object calls decoded`);
});

for (const target of [...TARGETS, ...INHERITS_TARGETS, ...REFS_TARGETS]) {
  test(`fuzz, fixed seed: ${target.name} (${target.quickRuns} runs)`, () => {
    fc.assert(target.property(corpus), { seed: SEED, numRuns: target.quickRuns });
  });
}

test('fuzz, fixed seed: the running proxy forwards nothing unauthenticated and lets no exception escape (300 requests)', async () => {
  const r = await fuzzProxy({ seed: SEED, numRuns: 300 });
  assert.ok(r.requests >= 250, `${r.requests} requests sent`);
  // The requests reach every kind of refusal, not just one.
  assert.ok(Object.keys(r.statuses).length >= 3, JSON.stringify(r.statuses));
});

test('the scope oracle flags an allow that steps outside its rule, in each way it checks', () => {
  const key: KeyScope = {
    id: '7f3a9c2e',
    name: 'k',
    rules: [{ model: 'res.partner', methods: ['read'], fields: ['name', 'email'], domain: [['customer_rank', '>', 0]], max_limit: 10 }],
    limits: { companies: [1] },
  };
  const spec = (over: Partial<CallSpec>): CallSpec => ({ model: 'res.partner', method: 'search_read', entry: 'json2', params: { domain: [], fields: ['name'], limit: 5 }, positional: 0, ...over });
  const allow = (call: ReturnType<typeof callOf>): Extract<Decision, { verdict: 'allow' }> => ({ verdict: 'allow', rule: 0, call, checks: [], redactions: [], notes: [] });
  // The client's call, and the call forwarded: its domain with the rule's ANDed in.
  const client = callOf(spec({ params: { domain: [['name', '=', 'x']], fields: ['name'], limit: 5 } }));
  const forwarded = callOf(spec({ params: { domain: ['&', ['name', '=', 'x'], ['customer_rank', '>', 0]], fields: ['name'], limit: 5 } }));
  assert.deepEqual(allowProblems(key, client, allow(forwarded), 19), [], 'a call inside the rule passes');
  const cases: [string, ReturnType<typeof callOf>, RegExp][] = [
    ['a field outside', callOf(spec({ params: { domain: [['customer_rank', '>', 0]], fields: ['name', 'phone'], limit: 5 } })), /fields names phone/],
    ['a domain on a field outside', callOf(spec({ params: { domain: [['phone', '=', 'x'], ['customer_rank', '>', 0]], fields: ['name'], limit: 5 } })), /domain names phone/],
    ['an order on a field outside', callOf(spec({ params: { domain: [['customer_rank', '>', 0]], fields: ['name'], limit: 5, order: 'phone desc' } })), /order names phone/],
    ["the rule's domain left out", callOf(spec({ params: { domain: [], fields: ['name'], limit: 5 } })), /domain leaf/],
    ['a limit over max_limit', callOf(spec({ params: { domain: [['customer_rank', '>', 0]], fields: ['name'], limit: 50 } })), /max_limit/],
    ['a method outside', callOf(spec({ method: 'write', params: { vals: { name: 'x' } }, ids: [1] })), /outside rule methods/],
    ['another model', callOf(spec({ model: 'res.users' })), /outside rule model|sensitive/],
    ['a risky context key', callOf(spec({ params: { domain: [['customer_rank', '>', 0]], fields: ['name'], limit: 5 }, context: { active_test: false } })), /context key active_test/],
    ['another company', callOf(spec({ params: { domain: [['customer_rank', '>', 0]], fields: ['name'], limit: 5 }, context: { allowed_company_ids: [2] } })), /allowed_company_ids/],
    ['a read of every field', callOf(spec({ method: 'read', ids: [1], params: { fields: [] } })), /every field|not checked/],
  ];
  for (const [what, call, says] of cases) {
    const problems = allowProblems(key, call, allow(call), 19);
    assert.ok(problems.some((p) => says.test(p)), `${what}: ${JSON.stringify(problems)}`);
  }
  // Through relations: a rule of its own is needed on the comodel.
  const leads: KeyScope = { id: '7f3a9c2e', name: 'k', rules: [{ model: 'crm.lead', methods: ['read', 'create'] }], limits: {} };
  const path = callOf({ model: 'crm.lead', method: 'search_read', entry: 'json2', params: { domain: [['partner_id.email', '=', 'x']], fields: ['name'] }, positional: 0 });
  assert.ok(allowProblems(leads, path, allow(path), 19).some((p) => /domain path partner_id.email reads res.partner/.test(p)));
  const command = callOf({ model: 'crm.lead', method: 'create', entry: 'json2', params: { vals_list: [{ name: 'x', tag_ids: [[0, 0, { name: 'new tag' }]] }] }, positional: 0 });
  assert.ok(allowProblems(leads, command, allow(command), 19).some((p) => /command 0 on tag_ids \(crm.tag\)/.test(p)));
  const withTags: KeyScope = { ...leads, rules: [...leads.rules, { model: 'crm.tag', methods: ['create'], fields: ['name'] }] };
  assert.deepEqual(allowProblems(withTags, command, allow(command), 19), [], 'and with that rule, none');
});

test('the scope oracle flags an allowed load that writes, updates or links outside the key, in each way it checks', () => {
  const key: KeyScope = {
    id: '7f3a9c2e',
    name: 'k',
    rules: [
      { model: 'crm.lead', methods: ['load'], fields: ['name', 'partner_id', 'tag_ids'] },
      { model: 'res.partner', methods: ['read'], domain: [['customer_rank', '>', 0]] },
      { model: 'crm.tag', methods: ['read'], domain: [['id', '>', 3]] },
    ],
    limits: { companies: [1] },
  };
  const load = (fields: string[], data: RpcValue[][], context?: RpcValue): ReturnType<typeof callOf> =>
    callOf({ model: 'crm.lead', method: 'load', entry: 'json2', params: { fields, data }, positional: 0, ...(context ? { context } : {}) });
  const allow = (call: ReturnType<typeof callOf>, checks: UpstreamCheck[] = []): Extract<Decision, { verdict: 'allow' }> => ({ verdict: 'allow', rule: 0, call, checks, redactions: [], notes: [] });
  // Linked records checked upstream (p1 is res.partner 5 in the fuzz ir.model.data): none.
  const linked = load(['name', 'partner_id/id', 'tag_ids/.id'], [['x', 'p1', '9,2']]);
  const checks: UpstreamCheck[] = [
    { kind: 'ids_in_domain', model: 'res.partner', ids: [5], domain: [['customer_rank', '>', 0]], reason: 'r' },
    { kind: 'ids_in_domain', model: 'crm.tag', ids: [9, 2], domain: [['id', '>', 3]], reason: 'r' },
  ];
  assert.deepEqual(allowProblems(key, linked, allow(linked, checks), 19), [], 'a load inside the key passes');
  const cases: [string, ReturnType<typeof callOf>, RegExp][] = [
    ['a column outside the fields', load(['name', 'email_from'], [['x', 'y']]), /load column 'email_from' is outside rule fields/],
    ['an unchecked link by external id', linked, /links res.partner 5 unchecked/],
    ['an external id of another model', load(['partner_id/id'], [['t1']]), /names a crm.tag record, not a res.partner one/],
    ['an external id no record has', load(['partner_id/id'], [['nope']]), /names no record/],
    ['rows updating by .id without write', load(['.id', 'name'], [['4', 'x']]), /rows update crm.lead records \(4\) without a write rule/],
    ['rows updating by external id without write', load(['id', 'name'], [['lead1', 'x']]), /rows update crm.lead records \(4\) without a write rule/],
    ['an external id in another module', load(['id', 'name'], [['mymod.x', 'x']]), /in module 'mymod' without create on ir.model.data/],
    ['a company outside the key', load(['company_id/.id'], [['2']]), /links company 2, outside the key's companies/],
  ];
  for (const [what, call, says] of cases) {
    const problems = allowProblems(key, call, allow(call), 19);
    assert.ok(problems.some((p) => says.test(p)), `${what}: ${JSON.stringify(problems)}`);
  }
  // A write rule under a domain: the updated records must be checked against it.
  const writes: KeyScope = { ...key, rules: [...key.rules, { model: 'crm.lead', methods: ['write'], domain: [['type', '=', 'opportunity']] }] };
  const update = load(['id', 'name'], [['__export__.crm_lead_15_cd34', 'x']]);
  assert.ok(allowProblems(writes, update, allow(update), 19).some((p) => /row updating crm.lead 15 is not checked/.test(p)));
  assert.deepEqual(allowProblems(writes, update, allow(update, [{ kind: 'ids_in_domain', model: 'crm.lead', ids: [15], domain: [['type', '=', 'opportunity']], reason: 'r' }]), 19), []);
});

test('the _inherits oracle flags a template created or written outside the key, in each way it checks', () => {
  const P = 'product.product';
  const T = 'product.template';
  const variants = { model: P, methods: ['create', 'web_save', 'copy', 'name_create', 'load'] };
  const k = (...rules: KeyScope['rules']): KeyScope => ({ id: '7f3a9c2e', name: 'k', rules: [variants, ...rules], limits: {} });
  const allow = (spec: CallSpec, checks: UpstreamCheck[] = []): Extract<Decision, { verdict: 'allow' }> => ({ verdict: 'allow', rule: 0, call: callOf(spec), checks, redactions: [], notes: [] });
  const create = (vals: Record<string, RpcValue>, context?: Record<string, RpcValue>): CallSpec => ({ model: P, method: 'create', entry: 'json2', positional: 0, params: { vals_list: [vals] }, ...(context ? { context } : {}) });
  const load = (fields: string[], row: RpcValue[], context?: Record<string, RpcValue>): CallSpec => ({ model: P, method: 'load', entry: 'json2', positional: 0, params: { fields, data: [row] }, ...(context ? { context } : {}) });
  const write = (ids: number[], vals: Record<string, RpcValue>): CallSpec => ({ model: P, method: 'write', entry: 'json2', positional: 0, ids, params: { vals } });
  const webSave = (ids: number[], vals: Record<string, RpcValue>): CallSpec => ({ model: P, method: 'web_save', entry: 'json2', positional: 0, ids, params: { vals, specification: {} } });
  const pWrite = { model: P, methods: ['write'] };
  const imd = { model: 'ir.model.data', methods: ['create'], allow_sensitive: true };
  const in3 = [['categ_id', '=', 3]];
  const check7: UpstreamCheck = { kind: 'ids_in_domain', model: T, ids: [7], domain: in3, reason: 'r' };
  const cases: [string, KeyScope, CallSpec, UpstreamCheck[], RegExp | null][] = [
    ['no link: a template created, create there allows it', k({ model: T, methods: ['create'] }), create({ name: 'x' }), [], null],
    ['... no create rule there', k({ model: T, methods: ['write'] }), create({ name: 'x' }), [], /template is created/],
    ['... the link false creates one too', k(), create({ product_tmpl_id: false }), [], /template is created/],
    ["... a context default's field outside the rule's fields", k({ model: T, methods: ['create'], fields: ['name'] }), create({ name: 'x' }, { default_list_price: 5 }), [], /template is created/],
    ['... a domain the values do not show to hold', k({ model: T, methods: ['create'], domain: in3 }), create({ name: 'x' }), [], /template is created/],
    ['... a domain they do', k({ model: T, methods: ['create'], domain: in3 }), create({ name: 'x', categ_id: 3 }), [], null],
    ['the link given: its template written, no write rule', k({ model: T, methods: ['create'] }), create({ name: 'x', product_tmpl_id: 7 }), [], /no write rule there covers/],
    ['... under a domain, unchecked', k({ model: T, methods: ['write'], domain: in3 }), create({ name: 'x', product_tmpl_id: 7 }), [], /no check names it/],
    ['... checked', k({ model: T, methods: ['write'], domain: in3 }), create({ name: 'x', product_tmpl_id: 7 }), [check7], null],
    ['default_product_tmpl_id: a write rule with fields is not enough', k({ model: T, methods: ['write'], fields: ['name'] }), create({ name: 'x' }, { default_product_tmpl_id: 7 }), [], /default_product_tmpl_id/],
    ['copy: a create rule with a domain is not enough', k({ model: T, methods: ['create'], domain: in3 }), { model: P, method: 'copy', entry: 'json2', positional: 0, ids: [4], params: {} }, [], /without a domain/],
    ['name_create: the name is not known for the domain', k({ model: T, methods: ['create'], domain: [['name', '=', 'Chair']] }), { model: P, method: 'name_create', entry: 'json2', positional: 0, params: { name: 'Chair' }, context: { default_name: 'Chair' } }, [], /template is created/],
    ['load: an empty link cell creates the template', k({ model: T, methods: ['write'] }), load(['name', 'product_tmpl_id/.id'], ['x', '']), [], /template is created/],
    ["... 'No' under /id too", k({ model: T, methods: ['write'] }), load(['name', 'product_tmpl_id/id'], ['x', 'No']), [], /template is created/],
    ['... a bare external id may be a language\'s "no"', k({ model: T, methods: ['write'] }), load(['name', 'product_tmpl_id:id'], ['x', 'tmpl7']), [], /template is created/],
    ['... a link cell naming template 7 writes it, unchecked under a domain', k({ model: T, methods: ['write'], domain: in3 }), load(['name', 'product_tmpl_id.id'], ['x', ' 7']), [], /template 7 .*no check names it/],
    ['... no link column, default_product_tmpl_id: every field written', k({ model: T, methods: ['write'], domain: in3 }), load(['name'], ['x'], { default_product_tmpl_id: 7 }), [], /default_product_tmpl_id/],
    // Existing variants written (fuzzinh): load rows updating them, write, web_save with ids.
    ['load: a row updating variant 4 by .id writes its template: no write rule there', k(pWrite, { model: T, methods: ['create'] }), load(['.id', 'name'], ['4', 'x']), [], /template \(not named\) is written 'name' and no write rule there covers it/],
    ['... under a domain there: the variant\'s own template is not named', k(pWrite, { model: T, methods: ['write'], domain: in3 }), load(['.id', 'name'], ['4', 'x']), [], /template \(not named\) .*no check names it/],
    ['... no write rule on product.product', k({ model: T, methods: ['write'] }), load(['.id', 'name'], ['4', 'x']), [], /variant 4 is updated with \["name"\] and no write rule on product\.product/],
    ['... under a domain there, unchecked', k({ ...pWrite, domain: [['default_code', '=', 'C1']] }, { model: T, methods: ['write'] }), load(['.id', 'name'], ['4', 'x']), [], /variant 4 is updated under write rules with domains/],
    ["... the row's link cell names template 7: written there, checked", k(pWrite, { model: T, methods: ['write'], domain: in3 }), load(['.id', 'name', 'product_tmpl_id/.id'], ['4', 'x', '7']), [check7], null],
    ["... a '.id' of 0 is no id: the row creates its template", k(pWrite, { model: T, methods: ['write'] }), load(['.id', 'name'], [0, 'x']), [], /template is created/],
    ["... module 'product': a bare external id there names variant 4", k(pWrite, imd, { model: T, methods: ['create'] }), load(['id', 'name'], ['product_product_4', 'x'], { module: 'product' }), [], /template \(not named\) is written 'name' and no write rule/],
    ['... a new external id in that module needs create on ir.model.data', k({ model: T, methods: ['create'] }), load(['id', 'name'], ['new1', 'x'], { module: 'product' }), [], /product\.new1 goes into ir\.model\.data/],
    ['import_set_empty_fields naming the link: a cell naming template 7 may match nothing, creating one', k({ model: T, methods: ['write'] }), load(['name', 'product_tmpl_id/.id'], ['x', '7'], { import_set_empty_fields: ['product_tmpl_id'] }), [], /template is created/],
    ["write: inherited values write the variants' templates, no write rule there", k({ model: T, methods: ['create'] }), write([4], { name: 'x' }), [], /template \(not named\) is written 'name' and no write rule/],
    ['... under a domain: not named, so not checked', k({ model: T, methods: ['write'], domain: in3 }), write([4], { name: 'x' }), [], /template \(not named\) .*no check names it/],
    ['... each field by a write rule of its own (Odoo writes them one by one)', k({ model: T, methods: ['write'], fields: ['name'] }, { model: T, methods: ['write'], fields: ['list_price'] }), write([4], { name: 'x', list_price: 5 }), [], null],
    ['web_save with ids: the link in the values names the template written, checked', k({ model: T, methods: ['write'], domain: in3 }), webSave([4], { name: 'x', product_tmpl_id: 7 }), [check7], null],
    ['... unchecked', k({ model: T, methods: ['write'], domain: in3 }), webSave([4], { name: 'x', product_tmpl_id: 7 }), [], /template 7 .*no check names it/],
  ];
  for (const [what, key, spec, checks, says] of cases) {
    const problems = inheritsProblems(key, spec, allow(spec, checks));
    if (says) assert.ok(problems.some((x) => says.test(x)), `${what}: ${JSON.stringify(problems)}`);
    else assert.deepEqual(problems, [], what);
  }
});

test('the reference / many2one_reference / properties oracle flags a link outside the key, in each way it checks', () => {
  const k = (rules: KeyScope['rules'], companies?: number[]): KeyScope => ({ id: '7f3a9c2e', name: 'k', rules, limits: companies ? { companies } : {} });
  const allow = (spec: CallSpec, checks: UpstreamCheck[] = []): Extract<Decision, { verdict: 'allow' }> => ({ verdict: 'allow', rule: 0, call: callOf(spec), checks, redactions: [], notes: [] });
  const create = (model: string, vals: Record<string, RpcValue>, context?: Record<string, RpcValue>): CallSpec => ({ model, method: 'create', entry: 'json2', positional: 0, params: { vals_list: [vals] }, ...(context ? { context } : {}) });
  const write = (model: string, ids: number[], vals: Record<string, RpcValue>): CallSpec => ({ model, method: 'write', entry: 'json2', positional: 0, ids, params: { vals } });
  const load = (model: string, fields: string[], row: RpcValue[]): CallSpec => ({ model, method: 'load', entry: 'json2', positional: 0, params: { fields, data: [row] } });
  const check = (model: string, ids: number[], domain: RpcValue[] = [['x', '=', 1]]): UpstreamCheck => ({ kind: 'ids_in_domain', model, ids, domain, reason: 'r' });
  const att = { model: 'ir.attachment', methods: ['create', 'write', 'load'], allow_sensitive: true };
  const act = { model: 'mail.activity', methods: ['create', 'write'] };
  const leads = { model: 'crm.lead', methods: ['create', 'write', 'load'] };
  const teams = { model: 'crm.team', methods: ['write'] };
  const customers = { model: 'res.partner', methods: ['read'], domain: [['customer_rank', '>', 0]] };
  const pinned = { ...act, domain: [['res_model', '=', 'crm.lead']] };
  const leadRule = { model: 'crm.lead', methods: ['read'], domain: [['type', '=', 'opportunity']] };
  const contact = (value: RpcValue, more: Record<string, RpcValue> = {}): RpcValue => [{ name: 'contact', type: 'many2one', comodel: 'res.partner', string: 'c', value, ...more }];
  const cases: [string, KeyScope, CallSpec, UpstreamCheck[], RegExp | null][] = [
    ['reference: a sensitive model no rule confirms', k([act]), create('mail.activity', { origin_ref: 'res.users,2' }), [], /reaches res\.users, a sensitive model/],
    ['... Python\'s int() reads spaces and underscores', k([act]), create('mail.activity', { origin_ref: 'ir.config_parameter, 1_0 ' }), [], /reaches ir\.config_parameter/],
    ['... a rule confirming it, without a domain', k([act, { model: 'res.users', methods: ['read'], allow_sensitive: true }]), create('mail.activity', { origin_ref: 'res.users,2' }), [], null],
    ['... malformed: Odoo raises, nothing linked', k([act]), create('mail.activity', { origin_ref: 'res.users,2,3' }), [], null],
    ['... a partner under domains, unchecked', k([leads, customers]), write('crm.lead', [1], { source_ref: 'res.partner,4' }), [], /links res\.partner 4, while every rule there has a domain/],
    ['... checked', k([leads, customers]), write('crm.lead', [1], { source_ref: 'res.partner,4' }), [check('res.partner', [4])], null],
    ['... a company outside the key\'s', k([leads], [1]), create('crm.lead', { source_ref: 'res.company,2' }), [], /links company 2, outside/],
    ['... as a context default on create', k([leads]), create('crm.lead', { name: 'x' }, { default_source_ref: 'res.users,2' }), [], /reaches res\.users/],
    ['many2one_reference: res_id with res_model naming a sensitive model', k([att]), create('ir.attachment', { res_model: 'res.users', res_id: 2 }), [], /res_id 2 \(res_model res\.users\) reaches res\.users/],
    ['... the model from the context default, the id true (int(True) is 1)', k([att, leadRule]), create('ir.attachment', { res_id: true }, { default_res_model: 'crm.lead' }), [], /links crm\.lead 1, while every rule there has a domain/],
    ['... res_id alone on a write: the current model is not known', k([att]), write('ir.attachment', [5], { res_id: 7 }), [], /links record 7 of a model not known/],
    ['... under a rule pinning res_model, the records checked', k([{ ...att, domain: [['res_model', '=', 'crm.lead']] }]), write('ir.attachment', [5], { res_id: 7 }), [check('ir.attachment', [5], [['res_model', '=', 'crm.lead']])], null],
    ['... res_model alone re-points the current id', k([att, { model: 'hr.employee', methods: ['read'], domain: [['name', '=', 'me']] }]), write('ir.attachment', [5], { res_model: 'hr.employee' }), [], /links hr\.employee \(not known here\)/],
    ['... mail.activity through res_model_id (84 names res.users)', k([act]), create('mail.activity', { res_model_id: 84, res_id: 2 }), [], /reaches res\.users/],
    ['... res_model_id alone, the rule pinning the same model: nothing re-pointed', k([pinned, leadRule]), write('mail.activity', [11], { res_model_id: 81 }), [check('mail.activity', [11], [['res_model', '=', 'crm.lead']])], null],
    ['... load rows: res_id cells read by int()', k([att]), load('ir.attachment', ['res_model', 'res_id'], ['res.users', ' 2']), [], /reaches res\.users/],
    ['properties: a many2one property by the team\'s definition, unchecked', k([leads, customers]), write('crm.lead', [1], { lead_properties: { contact: 12 } }), [], /property contact \(many2one res\.partner, team 1\) links res\.partner 12/],
    ['... team 2 calls count a many2one to res.partner', k([leads, customers]), write('crm.lead', [3], { lead_properties: { count: 12 } }), [], /property count .* links res\.partner 12/],
    ['... the list form, an [id, name] pair', k([leads, customers]), write('crm.lead', [1], { lead_properties: contact([12, 'Bob']) }), [], /links res\.partner 12/],
    ['... an integer property links nothing', k([leads, customers]), write('crm.lead', [1], { lead_properties: { count: 12 } }), [], null],
    ['... a create without a team: any definition', k([leads, customers]), create('crm.lead', { lead_properties: { count: 12 } }), [], /links res\.partner 12/],
    ['... a definition that cannot be read, links checked somewhere', k([leads, customers]), write('crm.lead', [5], { lead_properties: { x: 12 } }), [], /whose definition is not known/],
    ['... definition_changed: a write of the team\'s definition, no rule there', k([leads]), write('crm.lead', [1], { lead_properties: contact(4, { definition_changed: true }) }), [], /changes the definition of team 1, and no write rule on crm\.team/],
    ['... definition_deleted, a rule with a domain there, unchecked', k([leads, { ...teams, domain: [['id', '>', 3]] }]), write('crm.lead', [1], { lead_properties: contact(false, { definition_deleted: true }) }), [], /changes the definition of team 1 under write rules with domains/],
    ['... as JSON text', k([leads]), write('crm.lead', [1], { lead_properties: JSON.stringify(contact(4, { definition_changed: true })) }), [], /changes the definition of team 1/],
    ['... with a write rule on the definition', k([leads, teams]), write('crm.lead', [1], { lead_properties: contact(4, { definition_changed: true }) }), [], null],
    ['definitions: a default linking a partner under domains, unchecked', k([teams, customers]), write('crm.team', [1], { lead_properties_definition: [{ name: 'contact', type: 'many2one', comodel: 'res.partner', default: [12, 'Bob'] }] }), [], /definition default of contact links res\.partner 12/],
    ['... a retype of count (integer) into a many2one to res.partner', k([teams, customers]), write('crm.team', [1], { lead_properties_definition: [{ name: 'count', type: 'many2one', comodel: 'res.partner' }] }), [], /property count is retyped/],
    ['... the same property kept', k([teams, customers]), write('crm.team', [1], { lead_properties_definition: [{ name: 'contact', type: 'many2one', comodel: 'res.partner' }] }), [], null],
  ];
  for (const [what, key, spec, checks, says] of cases) {
    const problems = refsProblems(key, spec, allow(spec, checks));
    if (says) assert.ok(problems.some((x) => says.test(x)), `${what}: ${JSON.stringify(problems)}`);
    else assert.deepEqual(problems, [], what);
  }
});
