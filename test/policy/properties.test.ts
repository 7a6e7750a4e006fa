// Properties of decide() over generated keys and calls (fast-check):
// - removing a rule never turns a deny into an allow;
// - adding a field to a rule never turns an allow into a deny;
// - the decision does not depend on the order of keys in a dictionary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decide } from '../../src/policy/decide.js';
import { bindCall } from '../../src/policy/bind.js';
import type { Decision, KeyScope, Rule } from '../../src/policy/types.js';
import type { RpcStruct, RpcValue } from '../../src/rpc/values.js';
import { isStruct } from '../../src/rpc/values.js';
import { SCHEMAS, env, key, shapes, type CallSpec } from './support.js';

const MODELS = ['crm.lead', 'res.partner', 'sale.order', 'sale.order.line', 'crm.tag'];
const fieldsOf = (m: string): string[] => Object.keys(SCHEMAS[m]!);
const ALL_FIELDS = [...new Set(MODELS.flatMap(fieldsOf))].sort();

const ruleFor = (favourite: string): fc.Arbitrary<Rule> => fc
  .record({
    model: fc.oneof({ arbitrary: fc.constant(favourite), weight: 4 }, { arbitrary: fc.constantFrom(...MODELS, '*', 'crm.*', 'sale.*'), weight: 3 }),
    methods: fc.uniqueArray(fc.constantFrom('read', 'create', 'write', 'unlink', 'copy', 'search_read', 'name_search', 'web_save', 'search'), { minLength: 1, maxLength: 6 }),
    fields: fc.option(fc.uniqueArray(fc.constantFrom(...ALL_FIELDS), { minLength: 2, maxLength: 14 }), { nil: undefined, freq: 2 }),
    domain: fc.option(fc.constantFrom([['name', '!=', false]], [['id', '>', 3]]), { nil: undefined, freq: 2 }),
    max_limit: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
  })
  .map((r) => {
    const out: Rule = { model: r.model, methods: r.methods };
    if (r.fields !== undefined) out.fields = r.fields;
    if (r.domain !== undefined) out.domain = r.domain as unknown as RpcValue[];
    if (r.max_limit !== undefined) out.max_limit = r.max_limit;
    return out;
  });

const keyFor = (model: string): fc.Arbitrary<KeyScope> => fc.array(ruleFor(model), { minLength: 1, maxLength: 5 }).map((rules) => key(rules));

function fieldArb(model: string): fc.Arbitrary<string> {
  return fc.constantFrom(...fieldsOf(model));
}

function leafArb(model: string): fc.Arbitrary<RpcValue> {
  const f = fieldArb(model);
  return fc.oneof(
    fc.tuple(f, fc.constantFrom('=', '!=', 'in', '>'), fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constant(false), fc.constant([1, 2]))),
    fc.tuple(f, fc.constantFrom('ilike', '='), fc.constantFrom('acme', 'x')),
    fc.tuple(fc.constantFrom('partner_id.name', 'partner_id.email', 'user_id.login', 'stage_id.name'), fc.constant('='), fc.constant('x')),
    fc.tuple(fc.constant('partner_id'), fc.constantFrom('any', 'not any'), fc.constantFrom([['name', '=', 'x']], [['email', 'ilike', 'y']])),
  ) as fc.Arbitrary<RpcValue>;
}

function valsArb(model: string, depth = 0): fc.Arbitrary<RpcStruct> {
  const schema = SCHEMAS[model]!;
  return fc.uniqueArray(fieldArb(model), { maxLength: 4 }).chain((fields) =>
    fc.tuple(
      ...fields.map((f): fc.Arbitrary<RpcValue> => {
        const info = schema[f]!;
        if ((info.type === 'one2many' || info.type === 'many2many') && info.relation && SCHEMAS[info.relation] && depth < 1) {
          const sub = valsArb(info.relation, depth + 1);
          return fc.array(
            fc.oneof(
              sub.map((v) => [0, 0, v] as RpcValue),
              fc.tuple(fc.integer({ min: 1, max: 9 }), sub).map(([id, v]) => [1, id, v] as RpcValue),
              fc.integer({ min: 1, max: 9 }).map((id) => [2, id] as RpcValue),
              fc.integer({ min: 1, max: 9 }).map((id) => [4, id] as RpcValue),
              fc.constant([6, 0, [1, 2]] as RpcValue),
              fc.constant([5] as RpcValue),
            ),
            { maxLength: 2 },
          );
        }
        if (info.type === 'many2one') return fc.integer({ min: 1, max: 9 });
        return fc.constantFrom('x', 1, false);
      }),
    ).map((values) => Object.fromEntries(fields.map((f, i) => [f, values[i]!]))),
  );
}

function specArb(model: string): fc.Arbitrary<RpcStruct> {
  return fc.uniqueArray(fieldArb(model), { maxLength: 3 }).chain((fields) =>
    fc.tuple(...fields.map((f) => {
      const info = SCHEMAS[model]![f]!;
      if (info.relation && SCHEMAS[info.relation]) return fc.constantFrom<RpcValue>({}, { fields: { display_name: {} } }, { fields: { name: {} } });
      return fc.constant<RpcValue>({});
    })).map((vals) => Object.fromEntries(fields.map((f, i) => [f, vals[i]!]))),
  );
}

const contextArb: fc.Arbitrary<RpcStruct | undefined> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 3 },
  { arbitrary: fc.constantFrom<RpcStruct>({ lang: 'nl_NL', tz: 'UTC' }, { default_name: 'x' }, { default_user_id: 2, lang: 'en_US' }, { tracking_disable: true }, { bin_size: true, lang: 'fr_FR' }), weight: 2 },
);

const callArb: fc.Arbitrary<CallSpec> = fc.constantFrom(...MODELS).chain((model) => {
  const ids = fc.uniqueArray(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 3 });
  const fields = fc.uniqueArray(fieldArb(model), { maxLength: 3 });
  const domain = fc.array(leafArb(model), { maxLength: 3 });
  const calls: fc.Arbitrary<Omit<CallSpec, 'model' | 'context'>>[] = [
    fc.tuple(domain, fields, fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined })).map(([d, f, limit]) => ({
      method: 'search_read', params: [['domain', d], ['fields', f], ...(limit !== undefined ? [['offset', 0], ['limit', limit]] : [])] as [string, RpcValue][],
    })),
    fc.tuple(ids, fields).map(([i, f]) => ({ method: 'read', ids: i, params: [['fields', f]] as [string, RpcValue][] })),
    valsArb(model).map((v) => ({ method: 'create', params: [['vals_list', [v]]] as [string, RpcValue][] })),
    fc.tuple(ids, valsArb(model)).map(([i, v]) => ({ method: 'write', ids: i, params: [['vals', v]] as [string, RpcValue][] })),
    ids.map((i) => ({ method: 'unlink', ids: i })),
    fc.tuple(fc.constantFrom('', 'acme'), domain).map(([name, d]) => ({ method: 'name_search', params: [['name', name], ['args', d]] as [string, RpcValue][] })),
    fc.tuple(ids, specArb(model)).map(([i, s]) => ({ method: 'web_read', ids: i, params: [['specification', s]] as [string, RpcValue][] })),
    fc.tuple(ids, valsArb(model)).map(([i, v]) => ({ method: 'copy', ids: i, params: [['default', v]] as [string, RpcValue][] })),
  ];
  return fc.tuple(fc.oneof(...calls), contextArb).map(([c, context]) => ({ model, ...c, ...(context ? { context } : {}) }));
});

const shapeIndex = fc.nat({ max: 3 });

/** A call, a key whose rules mostly name the call's model, and a call shape. */
const scenarioArb: fc.Arbitrary<[KeyScope, CallSpec, number]> = callArb.chain((spec) => fc.tuple(keyFor(spec.model), fc.constant(spec), shapeIndex));

function decideIn(k: KeyScope, spec: CallSpec, i: number): Decision {
  const all = shapes(spec);
  return decide(k, all[i % all.length]!.call, env());
}

test('property: removing a rule never turns a deny into an allow', () => {
  fc.assert(
    fc.property(scenarioArb, ([k, spec, i]) => {
      const d = decideIn(k, spec, i);
      if (d.verdict !== 'deny') return;
      for (let r = 0; r < k.rules.length; r++) {
        const fewer = { ...k, rules: k.rules.filter((_, j) => j !== r) };
        const d2 = decideIn(fewer, spec, i);
        assert.notEqual(d2.verdict, 'allow', `removing rule ${r} allowed: ${JSON.stringify({ rules: k.rules, spec, before: d })}`);
      }
    }),
    { numRuns: 400 },
  );
});

test('property: adding a field to a rule never turns an allow into a deny', () => {
  fc.assert(
    fc.property(scenarioArb, fc.nat(), fc.constantFrom(...ALL_FIELDS), ([k, spec, i], which, extra) => {
      const d = decideIn(k, spec, i);
      if (d.verdict !== 'allow') return;
      const r = which % k.rules.length;
      const rule = k.rules[r]!;
      if (rule.fields === undefined || rule.fields.includes(extra)) return;
      const more = { ...k, rules: k.rules.map((x, j) => (j === r ? { ...x, fields: [...x.fields!, extra] } : x)) };
      const d2 = decideIn(more, spec, i);
      assert.equal(d2.verdict, 'allow', `adding '${extra}' to rule ${r}: ${JSON.stringify({ rules: k.rules, spec, after: d2 })}`);
    }),
    { numRuns: 400 },
  );
});

/** Rebuilds every dictionary with its keys in another order (lists keep theirs). */
function permuteKeys(v: RpcValue, seed: number): RpcValue {
  if (Array.isArray(v)) return v.map((x, i) => permuteKeys(x, seed + i + 1));
  if (isStruct(v)) {
    const keys = Object.keys(v);
    const order = keys.map((k2, i) => [k2, ((i + 1) * 2654435761 + seed) % 1000003] as const).sort((a, b) => a[1] - b[1]).map(([k2]) => k2);
    if (order.join() === keys.join() && keys.length > 1) order.reverse();
    return Object.fromEntries(order.map((k2) => [k2, permuteKeys(v[k2]!, seed + 7)]));
  }
  return v;
}

/** A decision in a form where key order does not show (dictionaries compared with sorted keys). */
function canonical(d: Decision): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k2) => [k2, sort((v as Record<string, unknown>)[k2])]));
    return v;
  };
  if (d.verdict !== 'allow') return JSON.stringify(sort(d));
  const b = bindCall(d.call, 18);
  return JSON.stringify(sort({ ...d, call: { params: b.params, ids: b.ids, context: b.context } }));
}

test('property: the decision does not depend on the order of keys in a dictionary', () => {
  fc.assert(
    fc.property(scenarioArb, fc.nat(), ([k, spec, i], seed) => {
      const permuted: CallSpec = {
        ...spec,
        params: spec.params?.map(([n, v]) => [n, permuteKeys(v, seed)] as [string, RpcValue]),
        ...(spec.context ? { context: permuteKeys(spec.context, seed) as RpcStruct } : {}),
      };
      // the keyword shapes also see the parameters themselves in another order
      if (permuted.params) permuted.params = [...permuted.params].reverse();
      const d1 = decideIn(k, spec, i);
      const d2 = decideIn(k, permuted, i === 0 ? 1 : i);
      const d1b = decideIn(k, spec, i === 0 ? 1 : i);
      assert.equal(canonical(d2), canonical(d1b), JSON.stringify({ rules: k.rules, spec }));
      assert.equal(d1.verdict, d1b.verdict);
    }),
    { numRuns: 400 },
  );
});

test('the generators above produce both verdicts often enough for the properties to mean something', () => {
  const counts = { allow: 0, deny: 0, need_schema: 0 };
  const methods = new Set<string>();
  for (const [k, spec, i] of fc.sample(scenarioArb, { numRuns: 600, seed: 42 })) {
    const d = decideIn(k, spec, i);
    counts[d.verdict]++;
    if (d.verdict === 'allow') methods.add(spec.method);
  }
  assert.ok(counts.allow >= 120, JSON.stringify(counts));
  assert.ok(counts.deny >= 60, JSON.stringify(counts));
  assert.equal(counts.need_schema, 0, 'every schema is known');
  assert.ok(methods.size >= 6, `allowed methods: ${[...methods].join(', ')}`);
});
