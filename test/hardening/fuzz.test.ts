// A short, fixed-seed run of every fuzz target (test/fuzz/targets.ts, test/fuzz/proxy-target.ts);
// `npm run fuzz -- --seconds 60` runs them for longer with fresh seeds. Also: the oracle the
// scope-engine targets rely on does flag what it must (else those targets could never fail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { allowProblems, callOf, loadCorpus, TARGETS, type CallSpec } from '../fuzz/targets.js';
import { fuzzProxy } from '../fuzz/proxy-target.js';
import type { Decision, KeyScope } from '../../src/policy/types.js';

const SEED = 20261128;
const corpus = loadCorpus();

test('the seed corpus holds every recorded request', () => {
  assert.ok(corpus.xml.length > 50 && corpus.json.length > 30, `${corpus.xml.length} XML-RPC, ${corpus.json.length} JSON`);
  assert.ok(corpus.calls.length > 50, `${corpus.calls.length} object calls decoded`);
});

for (const target of TARGETS) {
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
