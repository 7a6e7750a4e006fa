import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  parseCompactScope, formatRule, rulesFromFlags, addToScope, removeFromScope, describeRules, ScopeSyntaxError, ScopeEditError,
} from '../../src/policy/compact.js';
import { ScopeValidationError, validateRules } from '../../src/policy/validate.js';
import type { Rule } from '../../src/policy/types.js';

test('compact: per-method field lists, shared lists merge into one rule', () => {
  const cases: [string, Rule[]][] = [
    ['sale.order:read', [{ model: 'sale.order', methods: ['read'] }]],
    ['res.partner:read(name,email)', [{ model: 'res.partner', methods: ['read'], fields: ['name', 'email'] }]],
    ['crm.lead:read,write(stage_id,description)', [
      { model: 'crm.lead', methods: ['read'] },
      { model: 'crm.lead', methods: ['write'], fields: ['stage_id', 'description'] },
    ]],
    ['crm.lead:read(name),write(name)', [{ model: 'crm.lead', methods: ['read', 'write'], fields: ['name'] }]],
    ['crm.lead:read+write(name,email)', [{ model: 'crm.lead', methods: ['read', 'write'], fields: ['name', 'email'] }]],
    ['crm.lead:read(a,b),write(b,a)', [{ model: 'crm.lead', methods: ['read', 'write'], fields: ['a', 'b'] }]],
    ['crm.lead:read()', [{ model: 'crm.lead', methods: ['read'], fields: [] }]],
    ['  crm.lead:read( name , email ) , unlink  ', [
      { model: 'crm.lead', methods: ['read'], fields: ['name', 'email'] },
      { model: 'crm.lead', methods: ['unlink'] },
    ]],
    ['crm.*:read', [{ model: 'crm.*', methods: ['read'] }]],
    ['crm.lead', [{ model: 'crm.lead', methods: [] }]],
    ['res.partner:read(name) domain=[["customer_rank",">",0]] max_limit=500', [
      { model: 'res.partner', methods: ['read'], fields: ['name'], domain: [['customer_rank', '>', 0]], max_limit: 500 },
    ]],
    ['res.partner:read domain=[["x", "=", 1.5], "|", ["a","=","b c"], ["a","=","]"]]', [
      { model: 'res.partner', methods: ['read'], domain: [['x', '=', 1.5], '|', ['a', '=', 'b c'], ['a', '=', ']']] },
    ]],
    ['res.users:read(name,login) allow_sensitive', [{ model: 'res.users', methods: ['read'], fields: ['name', 'login'], allow_sensitive: true }]],
    ['res.users:read allow_sensitive=false', [{ model: 'res.users', methods: ['read'], allow_sensitive: false }]],
    ['crm.lead:action_set_won,message_post', [{ model: 'crm.lead', methods: ['action_set_won', 'message_post'] }]],
  ];
  for (const [spec, expected] of cases) assert.deepEqual(parseCompactScope(spec), expected, spec);
});

test('compact: syntax errors say where', () => {
  const cases: [string, RegExp, number][] = [
    ['', /at least a model/, 0],
    ['Crm.lead:read', /'Crm.lead' is not a model name/, 0],
    ['crm lead:read', /unexpected 'l'|unknown option 'lead:read'/, 4],
    ['crm.lead:_compute_x', /private and never callable/, 9],
    ['crm.lead:read(partner_id.email)', /dotted paths are not allowed/, 14],
    ['crm.lead:read(name', /expected ',' or '\)'/, 18],
    ['crm.lead:read(name,)', /expected a field name/, 19],
    ['crm.lead:', /expected a method name/, 9],
    ['crm.lead:read domain=[["a","=",1]', /not closed/, 21],
    ['crm.lead:read domain={"a":1}', /JSON list/, 21],
    ['crm.lead:read domain=[["a","=",]]', /not valid JSON/, 31],
    ['crm.lead:read domain=[["a","~",1]]', /not a domain operator/, 21],
    ['crm.lead:read max_limit=0', /positive integer/, 24],
    ['crm.lead:read max_limit=5 max_limit=6', /given twice/, 26],
    ['crm.lead:read sudo', /unknown option 'sudo'/, 14],
    ['crm.lead:rеad', /not a method name/, 9], // Cyrillic е
    ['crm.lead:read (name)', /field list must follow its method name/, 14],
  ];
  for (const [spec, re, offset] of cases) {
    assert.throws(() => parseCompactScope(spec), (e: unknown) => {
      assert.ok(e instanceof ScopeSyntaxError, spec);
      assert.match(e.message, re, spec);
      assert.equal(e.offset, offset, `${spec}: ${e.message}`);
      assert.ok(e.message.includes(`\n  ${spec}\n  ${' '.repeat(offset)}^`), spec);
      return true;
    });
  }
});

const fieldName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,12}$/);
const methodName = fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,14}$/);
const modelName = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}(\.[a-z0-9_]{1,8}){0,2}$/), fc.constantFrom('*', 'crm.*', 'x_*', '*.line'));
const scalar = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }).filter((x) => !Object.is(x, -0)),
  fc.string({ maxLength: 10 }),
  fc.boolean(),
  fc.constant(null),
);
const leaf = fc.tuple(
  fc.array(fieldName, { minLength: 1, maxLength: 3 }).map((p) => p.join('.')),
  fc.constantFrom('=', '!=', '<', '>=', 'ilike', 'not in', 'in', 'child_of', '=like'),
  fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })),
);
// An empty domain is refused (it would reach every record), so a generated one has a leaf.
const domain = fc.array(leaf, { minLength: 1, maxLength: 3 }).chain((leaves) =>
  fc.boolean().map((or) => (or && leaves.length >= 2 ? ['|', ...leaves] : leaves)),
);
export const ruleArb: fc.Arbitrary<Rule> = fc.record(
  {
    model: modelName,
    methods: fc.uniqueArray(methodName, { minLength: 1, maxLength: 4 }),
    fields: fc.uniqueArray(fieldName, { maxLength: 5 }),
    domain,
    max_limit: fc.integer({ min: 1, max: 1e9 }),
    allow_sensitive: fc.boolean(),
  },
  { requiredKeys: ['model', 'methods'] },
).map((r) => ({ ...r }) as Rule); // fc.record builds null-prototype objects

test('compact: parseCompactScope(formatRule(r)) deep-equals [r] (property)', () => {
  fc.assert(
    fc.property(ruleArb, (r) => {
      const valid = validateRules([r], 'r')[0]!;
      assert.deepEqual(valid, r, 'the generator makes valid, canonical rules');
      assert.deepEqual(parseCompactScope(formatRule(r)), [r], formatRule(r));
    }),
    { numRuns: 500 },
  );
});

test('rulesFromFlags: repeatable flags and comma lists', () => {
  assert.deepEqual(rulesFromFlags({ models: ['crm.lead'], methods: ['create'], fields: ['name,email_from', 'phone'] }), [
    { model: 'crm.lead', methods: ['create'], fields: ['name', 'email_from', 'phone'] },
  ]);
  assert.deepEqual(rulesFromFlags({ models: ['crm.lead,res.partner'], methods: ['read', 'write'], domain: [['active', '=', true]], maxLimit: 50, allowSensitive: false }), [
    { model: 'crm.lead', methods: ['read', 'write'], domain: [['active', '=', true]], max_limit: 50 },
    { model: 'res.partner', methods: ['read', 'write'], domain: [['active', '=', true]], max_limit: 50 },
  ]);
  assert.deepEqual(rulesFromFlags({ models: ['res.users'], methods: ['read'], allowSensitive: true }), [{ model: 'res.users', methods: ['read'], allow_sensitive: true }]);
  const bad: [Parameters<typeof rulesFromFlags>[0], RegExp][] = [
    [{ models: [], methods: ['read'] }, /--model: at least one model/],
    [{ models: ['crm.lead'], methods: [] }, /--method: at least one method/],
    [{ models: ['crm lead'], methods: ['read'] }, /--model: 'crm lead' is not a model/],
    [{ models: ['crm.lead'], methods: ['_unlink'] }, /--method: '_unlink': methods beginning with '_'/],
    [{ models: ['crm.lead'], methods: ['read'], fields: ['a.b'] }, /--fields: 'a.b' is not a field name/],
    [{ models: ['crm.lead'], methods: ['read'], domain: [['a', 'nope', 1]] }, /--domain\[0\]\[1\]/],
    [{ models: ['crm.lead'], methods: ['read'], maxLimit: 0 }, /--max-limit/],
  ];
  for (const [o, re] of bad) assert.throws(() => rulesFromFlags(o), (e: unknown) => e instanceof ScopeValidationError && re.test(e.message), re.source);
});

test('addToScope merges into the same model+fields+domain, else appends; never mutates', () => {
  const rules: Rule[] = [{ model: 'crm.lead', methods: ['read'], fields: ['name', 'email_from'] }];
  const frozen = JSON.stringify(rules);
  assert.deepEqual(addToScope(rules, parseCompactScope('crm.lead:write(email_from,name)')), [{ model: 'crm.lead', methods: ['read', 'write'], fields: ['name', 'email_from'] }]);
  assert.deepEqual(addToScope(rules, parseCompactScope('crm.lead:read')), [rules[0], { model: 'crm.lead', methods: ['read'] }]);
  assert.deepEqual(addToScope(rules, parseCompactScope('crm.lead:read(name,email_from) max_limit=5')).length, 2);
  assert.deepEqual(addToScope(rules, parseCompactScope('crm.lead:read(name,email_from)')), rules, 'adding what is there changes nothing');
  assert.equal(JSON.stringify(rules), frozen);
  assert.throws(() => addToScope(rules, parseCompactScope('crm.lead')), ScopeEditError);
});

test('removeFromScope takes methods away, drops empty rules, refuses what it cannot do', () => {
  const rules = [
    ...parseCompactScope('crm.lead:read,write(stage_id,description)'),
    ...parseCompactScope('crm.lead:unlink'),
    ...parseCompactScope('res.partner:read(name,email)'),
    ...parseCompactScope('sale.*:read'),
  ];
  const frozen = JSON.stringify(rules);
  assert.deepEqual(describeRules(removeFromScope(rules, parseCompactScope('crm.lead:unlink'))), 'crm.lead:read; crm.lead:write(stage_id,description); res.partner:read(name,email); sale.*:read');
  assert.deepEqual(describeRules(removeFromScope(rules, parseCompactScope('crm.lead'))), 'res.partner:read(name,email); sale.*:read');
  assert.deepEqual(describeRules(removeFromScope(rules, parseCompactScope('crm.lead:read,write'))), 'crm.lead:unlink; res.partner:read(name,email); sale.*:read');
  assert.equal(JSON.stringify(rules), frozen);
  const refused: [string, RegExp][] = [
    ['crm.lead:search_count', /allows search_count through the 'read' preset/],
    ['crm.lead:write(stage_id)', /--remove takes model:methods only/],
    ['crm.lead:copy', /no rule allows copy on 'crm.lead'/],
    ['sale.order:read', /covered by the glob 'sale\.\*'/],
    ['stock.move', /no rule names the model 'stock.move'/],
  ];
  for (const [spec, re] of refused) assert.throws(() => removeFromScope(rules, parseCompactScope(spec)), (e: unknown) => e instanceof ScopeEditError && re.test(e.message), spec);
});

test('removeFromScope refuses a removal that a glob rule left in place would undo', () => {
  const rules = [...parseCompactScope('crm.*:read,unlink'), ...parseCompactScope('crm.lead:read,unlink'), ...parseCompactScope('res.*:read')];
  const refused: [string, RegExp][] = [
    ['crm.lead:unlink', /the rule 'crm\.\*:read,unlink' would still allow unlink on 'crm\.lead'/],
    ['crm.lead', /the rule 'crm\.\*:read,unlink' would still allow read, unlink on 'crm\.lead'/],
    // Through the read preset of the glob rule.
    ['crm.lead:read', /would still allow read on 'crm\.lead'/],
  ];
  for (const [spec, re] of refused) assert.throws(() => removeFromScope(rules, parseCompactScope(spec)), (e: unknown) => e instanceof ScopeEditError && re.test(e.message), spec);
  // A glob that does not grant what is removed is no obstacle.
  assert.equal(describeRules(removeFromScope([...parseCompactScope('res.*:read'), ...parseCompactScope('res.partner:write')], parseCompactScope('res.partner:write'))), 'res.*:read');
});

test('describeRules: one line', () => {
  assert.equal(describeRules([]), 'no rules (denies everything)');
  assert.equal(
    describeRules([
      { model: 'crm.lead', methods: ['create'], fields: ['name', 'email_from', 'phone', 'description'] },
      { model: 'res.partner', methods: ['read'], fields: ['name'], domain: [['customer_rank', '>', 0]], max_limit: 100 },
      { model: 'res.users', methods: ['read'], allow_sensitive: true },
    ]),
    'crm.lead:create(4 fields); res.partner:read(name) [domain] max 100; res.users:read !sensitive',
  );
});
