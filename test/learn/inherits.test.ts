// Learning on an `_inherits` model (product.product _inherits product.template): the scope
// `scope suggest` builds from the journal must be what decide() then requires for the same calls,
// no less (every learned call allowed) and no more (each rule and each field of it needed by some
// call). Through the proxy's own pipeline: callFacts -> the sealed journal line -> suggestScope,
// with the stand-in's fields_get as the schemas, on Odoo 18 and 19, in every call shape.
//
// The cases decide has (RuleEval.delegatedCreate, defaultParentWrite, nameCreateParents, load):
// the link left out (create on the template), given (write on it), given false (create), mixed
// within one vals_list or one load; default_product_tmpl_id (write on every template field);
// name_create with and without it; load link cells Odoo reads as no link.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../../src/policy/decide.js';
import { suggestScope, type Suggestion } from '../../src/policy/suggest.js';
import { shapes, type CallSpec } from '../policy/support.js';
import { LEARNING, journaled, learnEnv, standinSchemas } from './support.js';
import type { OdooCall } from '../../src/rpc/call.js';
import type { DecideEnv, KeyScope, ModelSchema, Rule } from '../../src/policy/types.js';
import type { RpcStruct, RpcValue } from '../../src/rpc/values.js';

function callsOf(spec: CallSpec, version: number): OdooCall[] {
  return shapes(spec, version).filter(({ shape }) => shape !== 'json2' || version >= 19).map(({ call }) => call);
}

/** Why `rules` do not allow `calls` (null: they all pass). */
function refusal(rules: Rule[], calls: OdooCall[], version: number, schema: DecideEnv['schema'], limits: KeyScope['limits'] = {}): string | null {
  const key: KeyScope = { id: 'a1b2c3d4', name: 'learned', rules, limits };
  for (const call of calls) {
    const d = decide(key, call, learnEnv(version, schema));
    if (d.verdict !== 'allow') return `${call.protocol}/${call.entry}: ${d.verdict === 'deny' ? d.reason : `needs ${d.models.join(', ')}`}`;
  }
  return null;
}

function learn(calls: OdooCall[], version: number, schema: DecideEnv['schema']): Suggestion {
  for (const call of calls) assert.equal(decide(LEARNING, call, learnEnv(version, schema)).verdict, 'allow', `learning mode refuses ${call.model}.${call.method}`);
  return suggestScope(calls.map((call, i) => journaled(call, version, i)), { version, schema });
}

/**
 * The suggested rules allow every call, and none is more than needed: without any one rule, or
 * any one field of a rule's list, some call is refused.
 */
function exact(s: Suggestion, calls: OdooCall[], version: number, schema: DecideEnv['schema']): string[] {
  const problems: string[] = [];
  const r = refusal(s.rules, calls, version, schema, s.limits);
  if (r) problems.push(`refused under the suggestion: ${r}`);
  s.rules.forEach((rule, i) => {
    const without = s.rules.filter((_, j) => j !== i);
    if (refusal(without, calls, version, schema, s.limits) === null) problems.push(`rule ${i} ${JSON.stringify(rule)} is not needed`);
    for (const f of rule.fields ?? []) {
      const narrower = s.rules.map((x, j) => (j === i ? { ...x, fields: x.fields!.filter((g) => g !== f) } : x));
      if (refusal(narrower, calls, version, schema, s.limits) === null) problems.push(`field '${f}' of rule ${i} ${JSON.stringify(rule)} is not needed`);
    }
  });
  return problems;
}

const create = (vals: RpcStruct[], context?: RpcStruct): CallSpec => ({ model: 'product.product', method: 'create', params: [['vals_list', vals as RpcValue]], ...(context ? { context } : {}) });
const load = (fields: string[], data: string[][], context?: RpcStruct): CallSpec => ({ model: 'product.product', method: 'load', params: [['fields', fields], ['data', data]], ...(context ? { context } : {}) });
const nameCreate = (context?: RpcStruct): CallSpec => ({ model: 'product.product', method: 'name_create', params: [['name', 'Chair']], ...(context ? { context } : {}) });

interface Case {
  name: string;
  specs: CallSpec[];
  versions?: number[];
  /** The rules on product.template suggest must give (the product.product rules are the call's own). */
  template: Rule[];
}

const tmpl = (methods: string[], fields?: string[]): Rule => ({ model: 'product.template', methods, ...(fields ? { fields } : {}) });

const CASES: Case[] = [
  { name: 'create without the link: create on the template', specs: [create([{ name: 'Chair', default_code: 'C1', list_price: 5 }])], template: [tmpl(['create'], ['list_price', 'name'])] },
  { name: 'create with the link: write on the template it names', specs: [create([{ default_code: 'C2', list_price: 3, product_tmpl_id: 1 }])], template: [tmpl(['write'], ['list_price'])] },
  { name: 'the link given false: a template created, nothing written', specs: [create([{ name: 'Chair', product_tmpl_id: false }])], template: [tmpl(['create'], ['name'])] },
  { name: 'one vals_list, a record with the link and one without: both', specs: [create([{ name: 'Chair', product_tmpl_id: 1 }, { name: 'Desk' }])], template: [tmpl(['create', 'write'], ['name'])] },
  { name: 'default_product_tmpl_id: write on every template field', specs: [create([{ default_code: 'C3', list_price: 4 }], { default_product_tmpl_id: 1 })], template: [tmpl(['write'])] },
  { name: 'default_product_tmpl_id with the link given in the values: a write of the given values only', specs: [create([{ default_code: 'C3', list_price: 4, product_tmpl_id: 2 }], { default_product_tmpl_id: 1 })], template: [tmpl(['write'], ['list_price'])] },
  { name: 'web_save without ids creates', versions: [19], specs: [{ model: 'product.product', method: 'web_save', ids: [], params: [['vals', { name: 'Chair' }], ['specification', {}]] }], template: [tmpl(['create'], ['name'])] },
  { name: 'web_save without ids under default_product_tmpl_id', versions: [19], specs: [{ model: 'product.product', method: 'web_save', ids: [], params: [['vals', { name: 'Chair' }], ['specification', {}]], context: { default_product_tmpl_id: 1 } }], template: [tmpl(['write'])] },
  { name: 'name_create: a template created (its name field unknown: every field)', specs: [nameCreate()], template: [tmpl(['create'])] },
  { name: 'name_create under default_product_tmpl_id: that template written (every field)', specs: [nameCreate({ default_product_tmpl_id: 1 })], template: [tmpl(['write'])] },
  { name: 'load without a link column: create on the template', specs: [load(['default_code', 'name', 'list_price'], [['A', 'Chair', '5']])], template: [tmpl(['create'], ['list_price', 'name'])] },
  { name: 'load with a link in every row: write through', specs: [load(['default_code', 'name', 'product_tmpl_id/.id'], [['A', 'Chair', '1']])], template: [tmpl(['write'], ['name'])] },
  { name: "load whose link cell is '0' (no link): create", specs: [load(['default_code', 'name', 'product_tmpl_id/.id'], [['A', 'Chair', '0']])], template: [tmpl(['create'], ['name'])] },
  { name: 'load whose link cells are empty or false: create', specs: [load(['default_code', 'name', 'product_tmpl_id/id'], [['A', 'Chair', ''], ['B', 'Desk', 'false']])], template: [tmpl(['create'], ['name'])] },
  { name: 'load mixing rows with and without a link: both', specs: [load(['default_code', 'name', 'product_tmpl_id/.id'], [['A', 'Chair', '1'], ['B', 'Desk', '']])], template: [tmpl(['create', 'write'], ['name'])] },
  { name: 'load whose link cell is a bare external id (a language\'s "no", or __import__.<it>): both', specs: [load(['default_code', 'name', 'product_tmpl_id/id'], [['A', 'Chair', 'nein']])], template: [tmpl(['create', 'write'], ['name'])] },
  { name: 'load naming the link in import_set_empty_fields (a reference matching nothing is left empty): both', specs: [load(['default_code', 'name', 'product_tmpl_id/.id'], [['A', 'Chair', '1']], { import_file: true, import_set_empty_fields: ['product_tmpl_id'] })], template: [tmpl(['create', 'write'], ['name'])] },
  { name: 'load under default_product_tmpl_id without a link column: write on every template field', specs: [load(['default_code', 'name'], [['A', 'Chair']], { default_product_tmpl_id: 1 })], template: [tmpl(['write'])] },
  { name: 'load updating every row by .id: write through, no template created', specs: [load(['.id', 'name'], [['1', 'Chair']])], template: [tmpl(['write'], ['name'])] },
  { name: 'copy: the template copied on every field (create there without a field list)', specs: [{ model: 'product.product', method: 'copy', ids: [1], params: [] }], template: [tmpl(['create'])] },
  { name: 'command 0 lines of product_variant_ids write the template being written', specs: [{ model: 'product.template', method: 'write', ids: [1], params: [['vals', { product_variant_ids: [[0, 0, { default_code: 'V1', list_price: 4 }]] }]] }], template: [tmpl(['write'], ['list_price', 'product_variant_ids'])] },
];

for (const version of [18, 19] as const) {
  const schema = standinSchemas(version);
  test(`Odoo ${version}: learned calls on product.product get exactly the product.template rules decide requires`, () => {
    const problems: string[] = [];
    for (const c of CASES) {
      if (c.versions && !c.versions.includes(version)) continue;
      const calls = c.specs.flatMap((s) => callsOf(s, version));
      const s = learn(calls, version, schema);
      if (s.missing_schemas.length) problems.push(`${c.name}: missing schemas ${s.missing_schemas.join(', ')}`);
      const got = s.rules.filter((r) => r.model === 'product.template' && !r.methods.includes('read'));
      const want = c.template;
      const own = c.specs.every((sp) => sp.model === 'product.template');
      // product.template's own call (the command 0 case) merges with the rule its lines need
      if (!own) {
        try {
          assert.deepEqual(got, want);
        } catch {
          problems.push(`${c.name}: product.template rules ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
        }
      }
      for (const p of exact(s, calls, version, schema)) problems.push(`${c.name}: ${p}\n    suggested: ${JSON.stringify(s.rules)}`);
    }
    assert.deepEqual(problems, []);
  });
}

test('suggest asks for the created model\'s fields, then its parent\'s, as `scope suggest` fetches them round by round (a create learned alone got no template rule)', () => {
  const all = standinSchemas(19);
  const calls = callsOf(create([{ name: 'Chair', default_code: 'C1' }]), 19);
  const entries = calls.map((call, i) => journaled(call, 19, i));
  const known = new Map<string, ModelSchema>();
  const asked: string[][] = [];
  let s = suggestScope(entries, { version: 19, schema: (m) => known.get(m) });
  while (s.missing_schemas.length && asked.length < 4) {
    asked.push(s.missing_schemas);
    for (const m of s.missing_schemas) known.set(m, all(m)!);
    s = suggestScope(entries, { version: 19, schema: (m) => known.get(m) });
  }
  assert.deepEqual(asked, [['product.product'], ['product.template']]);
  assert.deepEqual(s.rules, [
    { model: 'product.product', methods: ['create'], fields: ['default_code', 'name'] },
    { model: 'product.template', methods: ['create'], fields: ['name'] },
  ]);
  assert.equal(refusal(s.rules, calls, 19, all), null);
});
