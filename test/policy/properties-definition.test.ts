// Relational property values judged by the property's real definition, read upstream from the record
// holding it (fields_get's definition_record / definition_record_field: crm.lead's team_id, crm.team's
// lead_properties_definition; Properties in 19.0's odoo/orm/fields_properties.py, 16-18's odoo/fields.py).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, expectDecision, key, runCases, SCHEMAS, shapes, type Case } from './support.js';
import { decide } from '../../src/policy/decide.js';
import { currentLinksById, currentLinksFrom, definitionsById, linksOf, propertiesDefinitionFrom } from '../../src/policy/schema.js';
import type { DecideEnv, ModelSchema, PropertiesDefinition, Rule } from '../../src/policy/types.js';
import type { RpcValue } from '../../src/rpc/values.js';

type Params = [string, RpcValue][];

const schemas: Record<string, ModelSchema> = {
  ...SCHEMAS,
  'crm.lead': {
    ...SCHEMAS['crm.lead'],
    team_id: { type: 'many2one', relation: 'crm.team' },
    lead_properties: { type: 'properties', definition_record: 'team_id', definition_record_field: 'lead_properties_definition' },
  },
  'crm.team': { name: { type: 'char' }, lead_properties_definition: { type: 'properties_definition' } },
};

// Team 1 holds an integer, a many2one and a many2many to res.partner, a many2one to crm.tag (no rule
// of the key reaches it) and one to res.company; team 2 calls 'count' a many2one to res.partner; team
// 3's definition cannot be read; team 4 names 'dup' twice with different types.
// Team 1's definition as Odoo stores it (a list of property definitions).
const TEAM1: Record<string, RpcValue>[] = [
  { name: 'count', type: 'integer', string: 'Count' },
  { name: 'contact', type: 'many2one', comodel: 'res.partner', string: 'Contact' },
  { name: 'helpers', type: 'many2many', comodel: 'res.partner', string: 'Helpers' },
  { name: 'tag', type: 'many2one', comodel: 'crm.tag', string: 'Tag' },
  { name: 'company', type: 'many2one', comodel: 'res.company', string: 'Company' },
  { name: 'odd', type: 'many2one', string: 'No comodel' },
];
const DEFINITIONS: Record<number, PropertiesDefinition | null> = {
  1: propertiesDefinitionFrom(TEAM1),
  2: propertiesDefinitionFrom([{ name: 'count', type: 'many2one', comodel: 'res.partner', string: 'Count' }]),
  3: null,
  4: propertiesDefinitionFrom([{ name: 'dup', type: 'integer' }, { name: 'dup', type: 'many2one', comodel: 'res.partner' }]),
};
// Leads' current team_id: 1 and 2 in team 1, 3 in team 2, 4 in none, 5 in team 3, 6 in team 4.
const TEAMS: Record<number, number | false> = { 1: 1, 2: 1, 3: 2, 4: false, 5: 3, 6: 4 };

const over: Partial<DecideEnv> = {
  schema: (m) => schemas[m],
  propertiesDefinition: (m, id, f) => (m === 'crm.team' && f === 'lead_properties_definition' && id in DEFINITIONS ? DEFINITIONS[id]! : null),
  currentLinks: (m, f, ids) => (m === 'crm.lead' && f === 'team_id' ? ids.filter((id) => id in TEAMS).map((id) => TEAMS[id]!) : null),
};

const leads: Rule = { model: 'crm.lead', methods: ['create', 'write', 'copy', 'web_save', 'load'], fields: ['name', 'team_id', 'lead_properties'] };
const customers: Rule = { model: 'res.partner', methods: ['read'], domain: [['customer_rank', '>', 0]] };
const k = key([leads, customers]);
const companies = key([leads], { limits: { companies: [1] } });
const create = (vals: RpcValue, context?: Record<string, RpcValue>) => ({ model: 'crm.lead', method: 'create', params: [['vals_list', vals]] as Params, ...(context ? { context } : {}) });
const write = (ids: number[], vals: RpcValue) => ({ model: 'crm.lead', method: 'write', ids, params: [['vals', vals]] as Params });
const partnerCheck = (ids: number[]) => ({ verdict: 'allow' as const, checks: [{ model: 'res.partner', ids }], checkDomains: [[['customer_rank', '>', 0]]] });
const refused = (why: RegExp | string) => ({ verdict: 'deny' as const, reason: new RegExp(`is given a record id or a list of ids, and .*${typeof why === 'string' ? why : why.source}`) });
/**
 * Refused on facts read upstream that this key may not read (it has no rule reading crm.team's
 * definitions, nor the leads' team_id): the client is told `told`, the journal's detail says `why`.
 */
const withheld = (why: string, told: string) => ({ ...refused(told), detail: refused(why).reason, hides: new RegExp(why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });
const HIDDEN_DEFINITION = 'which this key may not read, does not make it a link the engine can check';
const HIDDEN_TEAM = "does not give one definition the engine can judge the value by; send 'team_id' with the value";

test('properties: integer properties are written under keys with domains; relational ones are checked by the real definition', () => {
  const cases: Case[] = [
    // the client compatibility this is for: integer properties
    { name: 'an integer property (write)', key: k, call: write([1], { lead_properties: { count: 42 } }), expect: { verdict: 'allow', checks: [] } },
    { name: '... on two leads of one team', key: k, call: write([1, 2], { lead_properties: { count: 42 } }), expect: { verdict: 'allow', checks: [] } },
    { name: '... in a create with team_id', key: k, call: create({ name: 'x', team_id: 1, lead_properties: { count: 42 } }), expect: { verdict: 'allow', checks: [] } },
    { name: '... in a create with default_team_id', key: k, call: create({ name: 'x', lead_properties: { count: 42 } }, { default_team_id: 1 }), expect: { verdict: 'allow', checks: [] } },
    { name: '... as JSON text', key: k, call: write([1], { lead_properties: '{"count": 42}' }), expect: { verdict: 'allow', checks: [] } },
    { name: '... in web_save', key: k, call: { model: 'crm.lead', method: 'web_save', ids: [1], params: [['vals', { lead_properties: { count: 42 } }], ['specification', {}]] }, expect: { verdict: 'allow', checks: [] } },
    { name: '... under a companies limit', key: companies, call: write([1], { lead_properties: { count: 3 } }), expect: { verdict: 'allow', checks: [] } },
    // relational properties: their ids checked like a many2one field's on the real comodel
    { name: 'a many2one property to res.partner: the id checked against the partner rule', key: k, call: write([1], { lead_properties: { contact: 42 } }), expect: partnerCheck([42]) },
    { name: 'a many2many property', key: k, call: write([1], { lead_properties: { helpers: [7, 8] } }), expect: partnerCheck([7, 8]) },
    { name: 'in a create', key: k, call: create({ name: 'x', team_id: 1, lead_properties: { contact: 42 } }), expect: partnerCheck([42]) },
    { name: 'a many2one to a model no rule reaches links freely, as a many2one field does', key: k, call: write([1], { lead_properties: { tag: 5 } }), expect: { verdict: 'allow', checks: [] } },
    { name: 'a many2one to res.company under a companies limit: another company refused', key: companies, call: write([1], { lead_properties: { company: 3 } }), expect: { verdict: 'deny', limit: 'companies', reason: /property 'company' .*puts records in company 3/ } },
    { name: '... the key\'s company passes', key: companies, call: write([1], { lead_properties: { company: 1 } }), expect: { verdict: 'allow' } },
    { name: 'a relational property whose definition names no comodel', key: k, call: write([1], { lead_properties: { odd: 4 } }), expect: withheld('makes it a many2one of no model', HIDDEN_DEFINITION) },
    // the list form's own type and comodel prove nothing: the real definition judges
    { name: 'list form calling a many2one an integer of crm.tag', key: k, call: write([1], { lead_properties: [{ name: 'contact', type: 'integer', comodel: 'crm.tag', value: 42 }] }), expect: partnerCheck([42]) },
    { name: 'list form calling an integer a many2one ([id, name] reduced, as Odoo does)', key: k, call: write([1], { lead_properties: [{ name: 'count', type: 'many2one', comodel: 'res.partner', value: [42, 'Bob'] }] }), expect: { verdict: 'allow', checks: [] } },
    { name: 'list form, the web client\'s many2many pairs', key: k, call: write([1], { lead_properties: [{ name: 'helpers', type: 'many2many', comodel: 'res.partner', value: [[7, 'A'], [8, 'B']] }] }), expect: partnerCheck([7, 8]) },
    { name: 'list form, a default taken on create', key: k, call: create({ name: 'x', team_id: 1, lead_properties: [{ name: 'contact', type: 'char', default: 42 }] }), expect: partnerCheck([42]) },
    // the definition record: the values' own, else the records' current one
    { name: 'write: the records\' team decides (team 2 calls \'count\' a many2one)', key: k, call: write([3], { lead_properties: { count: 42 } }), expect: partnerCheck([42]) },
    { name: 'write setting team_id with it: the new team decides', key: k, call: write([3], { team_id: 1, lead_properties: { count: 42 } }), expect: { verdict: 'allow', checks: [] } },
    { name: '... and the other way round', key: k, call: write([1], { team_id: 2, lead_properties: { count: 42 } }), expect: partnerCheck([42]) },
    { name: 'create: values win over default_team_id', key: k, call: create({ name: 'x', team_id: 2, lead_properties: { count: 42 } }, { default_team_id: 1 }), expect: partnerCheck([42]) },
    // names the definition does not hold: dropped on create (dict), stored otherwise
    { name: 'create, dict form: a name not in the definition is dropped by Odoo', key: k, call: create({ name: 'x', team_id: 1, lead_properties: { ghost: 42 } }), expect: { verdict: 'allow', checks: [] } },
    { name: 'create, list form: kept, refused', key: k, call: create({ name: 'x', team_id: 1, lead_properties: [{ name: 'ghost', type: 'integer', value: 42 }] }), expect: withheld('names no such property', HIDDEN_DEFINITION) },
    { name: 'write: stored, refused', key: k, call: write([1], { lead_properties: { ghost: 42 } }), expect: withheld('names no such property', HIDDEN_DEFINITION) },
    { name: 'a name the definition gives two types', key: k, call: write([6], { lead_properties: { dup: 42 } }), expect: withheld('names it twice, as different types', HIDDEN_DEFINITION) },
    // the definition cannot be known: refused as before
    { name: 'create without team_id (Odoo may set it itself)', key: k, call: create({ name: 'x', lead_properties: { count: 42 } }), expect: refused("'team_id', whose crm.team record holds the property's definition, is not given") },
    { name: 'create with team_id False', key: k, call: create({ name: 'x', team_id: false, lead_properties: { count: 42 } }), expect: refused("'team_id' is given as false") },
    { name: 'write on leads of different teams', key: k, call: write([1, 3], { lead_properties: { count: 42 } }), expect: withheld("have different 'team_id'", HIDDEN_TEAM) },
    { name: 'write on leads some without a team', key: k, call: write([1, 4], { lead_properties: { count: 42 } }), expect: withheld("have different 'team_id'", HIDDEN_TEAM) },
    { name: 'write on a lead without a team (the value would link once a team is set)', key: k, call: write([4], { lead_properties: { count: 42 } }), expect: withheld("have no 'team_id'", HIDDEN_TEAM) },
    { name: 'write on a lead whose team\'s definition cannot be read', key: k, call: write([5], { lead_properties: { count: 42 } }), expect: refused('could not be read') },
    { name: 'write on a lead that cannot be read', key: k, call: write([99], { lead_properties: { count: 42 } }), expect: refused('could not be read') },
    { name: 'copy\'s default (the original\'s team is not looked up)', key: k, call: { model: 'crm.lead', method: 'copy', ids: [1], params: [['default', { lead_properties: { count: 42 } }]] }, expect: refused('cannot be known here') },
    { name: 'a load cell', key: k, call: { model: 'crm.lead', method: 'load', params: [['fields', ['name', 'lead_properties']], ['data', [['x', '{"count": 42}']]]] }, expect: refused('cannot be known here') },
    { name: 'default_lead_properties in the context', key: k, call: create({ name: 'x', team_id: 1 }, { default_lead_properties: { count: 42 } }), expect: refused('cannot be known here') },
  ];
  runCases(cases.map((c) => ({ ...c, env: over })));
});

test('properties: without definition_record in fields_get, id-like values are refused as before', () => {
  // SCHEMAS' lead_properties has no definition_record (an Odoo answering without it).
  expectDecision(k, write([1], { lead_properties: { count: 42 } }), refused('fields_get names no many2one holding the definition'), { ...over, schema: (m) => SCHEMAS[m] });
});

test('properties: decide asks for the records\' team, then the definition, and nothing when no value looks like ids', () => {
  const e = env({ schema: (m) => schemas[m] });
  for (const { shape, call } of shapes(write([2, 1, 2], { lead_properties: { count: 42 } }))) {
    const d = decide(k, call, e);
    assert.equal(d.verdict, 'need_schema', shape);
    if (d.verdict !== 'need_schema') continue;
    assert.deepEqual(d.current, [{ model: 'crm.lead', field: 'team_id', ids: [1, 2] }], shape);
    assert.equal(d.definitions, undefined, shape);
    const d2 = decide(k, call, { ...e, currentLinks: over.currentLinks! });
    assert.equal(d2.verdict, 'need_schema', shape);
    if (d2.verdict === 'need_schema') assert.deepEqual(d2.definitions, [{ model: 'crm.team', id: 1, field: 'lead_properties_definition' }], shape);
  }
  for (const { call } of shapes(create({ name: 'x', team_id: 7, lead_properties: { count: 42 } }))) {
    const d = decide(k, call, e);
    assert.equal(d.verdict, 'need_schema');
    if (d.verdict === 'need_schema') assert.deepEqual([d.current, d.definitions], [undefined, [{ model: 'crm.team', id: 7, field: 'lead_properties_definition' }]]);
  }
  // text, or a key that checks no link: nothing is read
  for (const [kk, vals] of [[k, { lead_properties: { count: 'x' } }], [key([leads]), { lead_properties: { count: 42 } }]] as const) {
    for (const { call } of shapes(write([1], vals))) assert.equal(decide(kk, call, e).verdict, 'allow');
  }
});

test('propertiesDefinitionFrom and currentLinksFrom read what Odoo answers', () => {
  const d = propertiesDefinitionFrom([{ name: 'a', type: 'many2one', comodel: 'res.partner', string: 'A', default: [3, 'X'] }, { name: 'b', type: 'integer' }, { type: 'char' }, { name: '__proto__', type: 'integer' }]);
  assert.deepEqual({ ...d }, { a: { type: 'many2one', comodel: 'res.partner' }, b: { type: 'integer' }, ['__proto__']: { type: 'integer' } });
  assert.equal(Object.getPrototypeOf(d), null);
  assert.deepEqual({ ...propertiesDefinitionFrom(false) }, {});
  assert.equal(propertiesDefinitionFrom('x'), null);
  assert.equal(propertiesDefinitionFrom([1]), null);
  assert.deepEqual({ ...propertiesDefinitionFrom([{ name: 'a', type: 'integer' }, { name: 'a', type: 'many2one', comodel: 'res.partner' }]) }, { a: { type: 'ambiguous' } });
  assert.deepEqual(currentLinksFrom([{ id: 1, team_id: [3, 'Europe'] }, { id: 2, team_id: false }, { id: 3, team_id: 4 }], 'team_id'), [3, false, 4]);
  assert.equal(currentLinksFrom([{ id: 1, team_id: 'x' }], 'team_id'), null);
  assert.equal(currentLinksFrom({}, 'team_id'), null);
  // read in one search_read by ids (the proxy and check): by id, records not found left out
  const defs = definitionsById([{ id: 2, f: [{ name: 'a', type: 'integer' }] }, { id: 3, f: 'x' }, { id: 9, f: [] }], 'f', [1, 2, 3]);
  assert.deepEqual([...defs.keys()], [1, 2, 3]);
  assert.deepEqual([defs.get(1), { ...defs.get(2) }, defs.get(3)], [null, { a: { type: 'integer' } }, null]);
  assert.deepEqual([...definitionsById(false, 'f', [4])], [[4, null]]);
  const byId = currentLinksById([{ id: 1, team_id: [3, 'Europe'] }, { id: 2, team_id: false }, { id: 5, team_id: 'x' }], 'team_id');
  assert.deepEqual(linksOf(byId, [1, 2]), [3, false]);
  assert.deepEqual(linksOf(byId, [1, 4]), [3], 'a record not found is left out (the engine then sees fewer)');
  assert.equal(linksOf(byId, [1, 5]), null);
  assert.equal(linksOf(currentLinksById({}, 'team_id'), [1]), null);
});

test('properties definitions: defaults are names in read answers and links in writes', () => {
  // PropertiesDefinition.convert_to_read answers a definition's many2one / many2many defaults as
  // [id, display_name] (crm.team's lead_properties_definition, 16-19), and Odoo puts a default in
  // every lead created under that definition (Properties._add_default_values).
  const teams: Rule = { model: 'crm.team', methods: ['read', 'write', 'create'], fields: ['name', 'lead_properties_definition'] };
  const kt = key([teams, customers]);
  const redaction = { kind: 'property_names', fields: ['lead_properties_definition'], readers: [{ model: 'res.partner', domain: [['customer_rank', '>', 0]] }] };
  for (const spec of [
    { model: 'crm.team', method: 'read', ids: [1], params: [['fields', ['name', 'lead_properties_definition']]] as Params },
    { model: 'crm.team', method: 'search_read', params: [['domain', []], ['fields', ['lead_properties_definition']]] as Params },
    { model: 'crm.team', method: 'web_read', ids: [1], params: [['specification', { lead_properties_definition: {} }]] as Params },
  ]) {
    for (const { shape, call } of shapes(spec, 19)) {
      const d = decide(kt, call, env({ ...over, version: 19 }));
      assert.equal(d.verdict, 'allow', `${spec.method} ${shape}`);
      if (d.verdict === 'allow') assert.deepEqual(d.redactions, [redaction], `${spec.method} ${shape}`);
    }
  }
  const def = (extra: Record<string, RpcValue>, name = 'contact') => ({ model: 'crm.team', method: 'write', ids: [1], params: [['vals', { lead_properties_definition: [{ name, string: 'Contact', ...extra }] }]] as Params });
  const cases: Case[] = [
    { name: 'a many2one default', key: kt, call: def({ type: 'many2one', comodel: 'res.partner', default: 42 }), expect: partnerCheck([42]) },
    { name: '... as the web client sends it, [id, name]', key: kt, call: def({ type: 'many2one', comodel: 'res.partner', default: [42, 'Bob'] }), expect: partnerCheck([42]) },
    { name: 'a many2many default', key: kt, call: def({ type: 'many2many', comodel: 'res.partner', default: [[7, 'A'], [8, 'B']] }, 'helpers'), expect: partnerCheck([7, 8]) },
    { name: 'as JSON text', key: kt, call: { ...def({}), params: [['vals', { lead_properties_definition: JSON.stringify([{ name: 'contact', type: 'many2one', comodel: 'res.partner', default: 42 }]) }]] }, expect: partnerCheck([42]) },
    { name: 'in a create', key: kt, call: { model: 'crm.team', method: 'create', params: [['vals_list', { name: 'T', lead_properties_definition: [{ name: 'contact', type: 'many2one', comodel: 'res.partner', default: 42 }] }]] }, expect: partnerCheck([42]) },
    { name: 'a default of no model', key: kt, call: def({ type: 'many2one', default: 42 }), expect: { verdict: 'deny', reason: /has a default of record ids and no model/ } },
    { name: 'an integer default links nothing', key: kt, call: def({ type: 'integer', default: 42 }), expect: { verdict: 'allow', checks: [] } },
    { name: 'a many2one without default', key: kt, call: def({ type: 'many2one', comodel: 'res.partner' }), expect: { verdict: 'allow', checks: [] } },
    { name: 'a comodel no rule reaches links freely', key: kt, call: def({ type: 'many2one', comodel: 'crm.tag', default: 5 }), expect: { verdict: 'allow', checks: [] } },
  ];
  runCases(cases.map((c) => ({ ...c, env: { ...over, version: 19 } })));
});

test('properties definitions: a definition written cannot retype a property into links over the values leads already store', () => {
  // Odoo keeps only {name: value} on each lead and reads it by the definition of the moment (19.0
  // fields_properties.py: _dict_to_list, _parse_json_types keeps an integer as a many2one id): an
  // integer property retyped to many2one links, on every lead that stored a number, that record.
  const teams: Rule = { model: 'crm.team', methods: ['read', 'write', 'create', 'copy', 'web_save'], fields: ['name', 'lead_properties_definition'] };
  const kt = key([teams, customers]);
  const kc = key([teams], { limits: { companies: [1] } });
  const team1 = TEAM1;
  // Team 1's definition with property `name` replaced by `to` (removed when `to` is null).
  const with1 = (name: string, to: Record<string, RpcValue> | null): RpcValue[] => team1.flatMap((d) => (d.name !== name ? [d] : to === null ? [] : [{ ...d, ...to }])) as RpcValue[];
  const writeDef = (ids: number[], value: RpcValue, method = 'write') =>
    method === 'web_save'
      ? { model: 'crm.team', method, ids, params: [['vals', { lead_properties_definition: value }], ['specification', {}]] as Params }
      : { model: 'crm.team', method, ids, params: [['vals', { lead_properties_definition: value }]] as Params };
  const retyped = (name: string, to: string) => ({ verdict: 'deny' as const, reason: new RegExp(`property '${name}' is .* would become a ${to}.*create the property under a new name`) });
  const ok = { verdict: 'allow' as const, checks: [] };
  const toPartner = { type: 'many2one', comodel: 'res.partner' };
  const cases: Case[] = [
    // the ways to make stored numbers links
    { name: 'an integer property retyped to a many2one of res.partner', key: kt, call: writeDef([1], with1('count', toPartner)), expect: retyped('count', 'many2one of res.partner') },
    { name: '... to a many2many', key: kt, call: writeDef([1], with1('count', { type: 'many2many', comodel: 'res.partner' })), expect: retyped('count', 'many2many of res.partner') },
    { name: '... as JSON text', key: kt, call: writeDef([1], JSON.stringify(with1('count', toPartner))), expect: retyped('count', 'many2one of res.partner') },
    { name: '... in web_save', key: kt, call: writeDef([1], with1('count', toPartner), 'web_save'), expect: retyped('count', 'many2one of res.partner') },
    { name: '... deleted and added again under the same name in one write', key: kt, call: writeDef([1], [...with1('count', null), { name: 'count', string: 'Count', ...toPartner }]), expect: retyped('count', 'many2one of res.partner') },
    { name: '... the definition alone, every other property gone', key: kt, call: writeDef([1], [{ name: 'count', ...toPartner }]), expect: retyped('count', 'many2one of res.partner') },
    { name: 'a comodel changed (crm.tag, which no rule reaches, to res.partner)', key: kt, call: writeDef([1], with1('tag', { comodel: 'res.partner' })), expect: retyped('tag', 'many2one of res.partner') },
    { name: 'a many2one without comodel given one', key: kt, call: writeDef([1], with1('odd', { comodel: 'res.partner' })), expect: retyped('odd', 'many2one of res.partner') },
    { name: 'a many2one made a many2many of the same comodel', key: kt, call: writeDef([1], with1('contact', { type: 'many2many' })), expect: retyped('contact', 'many2many of res.partner') },
    { name: 'two teams, one holding the integer', key: kt, call: writeDef([2, 1], [{ name: 'count', ...toPartner }]), expect: retyped('count', 'many2one of res.partner') },
    { name: 'a name the current definition gives two types', key: kt, call: writeDef([4], [{ name: 'dup', ...toPartner }]), expect: { verdict: 'deny', reason: /property 'dup' is named twice/ } },
    { name: 'res.company under a companies limit', key: kc, call: writeDef([1], with1('count', { type: 'many2one', comodel: 'res.company' })), expect: retyped('count', 'many2one of res.company') },
    { name: 'a current definition that cannot be read', key: kt, call: writeDef([3], [{ name: 'count', ...toPartner }]), expect: { verdict: 'deny', reason: /current definition in crm.team 3's 'lead_properties_definition' could not be read/ } },
    { name: 'a comodel the engine cannot read', key: kt, call: writeDef([1], with1('count', { type: 'many2one', comodel: ['res.partner'] })), expect: { verdict: 'deny', reason: /names a comodel the engine cannot read/ } },
    // ordinary edits pass
    { name: 'the definition written back unchanged', key: kt, call: writeDef([1], team1 as RpcValue[]), expect: ok },
    { name: 'a text property added', key: kt, call: writeDef([1], [...team1, { name: 'note', type: 'char', string: 'Note' }] as RpcValue[]), expect: ok },
    { name: 'a label renamed', key: kt, call: writeDef([1], with1('contact', { string: 'Person' })), expect: ok },
    { name: 'a many2one property added under a new name', key: kt, call: writeDef([1], [...team1, { name: 'buyer', string: 'Buyer', ...toPartner }] as RpcValue[]), expect: ok },
    { name: 'a property deleted', key: kt, call: writeDef([1], with1('count', null)), expect: ok },
    { name: 'an integer retyped to char (links nothing)', key: kt, call: writeDef([1], with1('count', { type: 'char' })), expect: ok },
    { name: 'a relational property retyped to integer', key: kt, call: writeDef([1], [...with1('contact', null), { name: 'contact', type: 'integer', string: 'Contact' }]), expect: ok },
    { name: 'team 2 already calls count a many2one of res.partner', key: kt, call: writeDef([2], [{ name: 'count', ...toPartner }]), expect: ok },
    { name: 'retyped to a comodel no rule of the key reaches (links freely, as a many2one field)', key: kt, call: writeDef([1], with1('count', { type: 'many2one', comodel: 'crm.tag' })), expect: ok },
    { name: 'retyped to res.company without a companies limit (no rule reaches it)', key: kt, call: writeDef([1], with1('count', { type: 'many2one', comodel: 'res.company' })), expect: ok },
    { name: 'retyped to a many2one of no comodel (links nothing)', key: kt, call: writeDef([1], with1('count', { type: 'many2one' })), expect: ok },
    { name: 'a key whose rules check no link', key: key([teams]), call: writeDef([1], with1('count', toPartner)), expect: ok },
    { name: 'a team created (no values stored yet)', key: kt, call: { model: 'crm.team', method: 'create', params: [['vals_list', { name: 'T', lead_properties_definition: [{ name: 'count', ...toPartner }] }]] as Params }, expect: ok },
    { name: 'a team copied with a definition in default (a new record)', key: kt, call: { model: 'crm.team', method: 'copy', ids: [1], params: [['default', { lead_properties_definition: [{ name: 'count', ...toPartner }] }]] as Params }, expect: ok },
  ];
  runCases(cases.map((c) => ({ ...c, env: { ...over, version: 19 } })));
  // The current definition is asked for fresh (never a cached one), per team written.
  for (const { shape, call } of shapes(writeDef([2, 1], [{ name: 'count', ...toPartner }]), 19)) {
    const d = decide(kt, call, env({ schema: (m) => schemas[m], version: 19 }));
    assert.equal(d.verdict, 'need_schema', shape);
    if (d.verdict === 'need_schema') assert.deepEqual(d.definitions, [1, 2].map((id) => ({ model: 'crm.team', id, field: 'lead_properties_definition', fresh: true })), shape);
    const cachedOnly: DecideEnv['propertiesDefinition'] = (m, id, f, fresh) => (fresh ? undefined : over.propertiesDefinition!(m, id, f));
    assert.equal(decide(kt, call, env({ ...over, version: 19, propertiesDefinition: cachedOnly })).verdict, 'need_schema', `${shape}: a cached definition does not do`);
  }
});

test('properties definitions: a load column writing a definition is refused where links are checked (its retypes and defaults are judged only in writes)', () => {
  const teams: Rule = { model: 'crm.team', methods: ['load', 'write'], fields: ['name', 'lead_properties_definition'] };
  const retype = JSON.stringify([{ name: 'count', type: 'many2one', comodel: 'res.partner', string: 'Count' }]);
  const load = (cells: RpcValue[][]) => ({ model: 'crm.team', method: 'load', params: [['fields', ['.id', 'lead_properties_definition']], ['data', cells]] as Params });
  const refusedHere = (limit: string) => ({ verdict: 'deny' as const, reason: new RegExp(`load column 'lead_properties_definition' writes a properties definition .* this key's ${limit}`) });
  expectDecision(key([teams, customers]), load([['1', retype]]), refusedHere('rules with a domain'), over, 'a retype under a partner domain');
  expectDecision(key([teams], { limits: { companies: [1] } }), load([['1', retype]]), refusedHere('companies limit'), over, 'a retype under a companies limit');
  // Nothing to check where any record may be linked, and an empty cell writes no definition.
  expectDecision(key([teams]), load([['1', retype]]), { verdict: 'allow' }, over, 'a key that may link anything');
  expectDecision(key([teams, customers]), load([['1', '']]), { verdict: 'allow' }, over, 'an empty cell');
});

// review6: what the proxy reads on the records written before deciding (their team_id, a team's
// current definition) is read inside the rule's domain, so a record outside it reads as a missing one
// (the id check upstream answers both alike): the refusal tells nothing of records outside the domain.
test('properties: the written records\' definition record and current definition are read inside the rule\'s domain', () => {
  const TYPE = [['type', '=', 'lead']];
  const TEAMS_MINE = [['name', '=', 'Mine']];
  const leadsIn: Rule = { ...leads, domain: TYPE };
  const teamsIn: Rule = { model: 'crm.team', methods: ['write'], fields: ['lead_properties_definition'], domain: TEAMS_MINE };
  const ask = (k: ReturnType<typeof key>, spec: Parameters<typeof shapes>[0]) => decide(k, shapes(spec, 19)[0]!.call, env({ version: 19, schema: (m) => schemas[m] }));
  const lead = ask(key([leadsIn, customers]), write([5], { lead_properties: { count: 42 } }));
  assert.equal(lead.verdict, 'need_schema', JSON.stringify(lead));
  if (lead.verdict === 'need_schema') assert.deepEqual(lead.current, [{ model: 'crm.lead', field: 'team_id', ids: [5], within: TYPE }]);
  const free = ask(key([leads, customers]), write([5], { lead_properties: { count: 42 } }));
  if (free.verdict === 'need_schema') assert.deepEqual(free.current, [{ model: 'crm.lead', field: 'team_id', ids: [5] }], 'no domain: read as before');
  else assert.fail(JSON.stringify(free));
  const retype = ask(key([teamsIn, customers]), { model: 'crm.team', method: 'write', ids: [7], params: [['vals', { lead_properties_definition: [{ name: 'count', type: 'many2one', comodel: 'res.partner' }] }]] });
  assert.equal(retype.verdict, 'need_schema', JSON.stringify(retype));
  if (retype.verdict === 'need_schema') assert.deepEqual(retype.definitions, [{ model: 'crm.team', id: 7, field: 'lead_properties_definition', fresh: true, within: TEAMS_MINE }]);
  // Read inside the domain, a lead outside it is not found: refused as a missing one is.
  const over2: Partial<DecideEnv> = { ...over, currentLinks: (m, f, ids, within) => (within ? [] : ids.filter((id) => id in TEAMS).map((id) => TEAMS[id]!)) };
  for (const id of [1, 999]) expectDecision(key([leadsIn, customers]), write([id], { lead_properties: { count: 42 } }), refused("the records' 'team_id', which holds the property's definition, could not be read"), over2, `lead ${id} outside the domain`);
});
