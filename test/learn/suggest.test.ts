// suggestScope: journal entries of a learning key -> the least scope that allows them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { suggestScope, suggestionYaml, type LearnedCall } from '../../src/policy/suggest.js';
import { validateLimits, validateRules } from '../../src/policy/validate.js';
import type { ModelSchema } from '../../src/policy/types.js';

let clock = Date.parse('2026-11-28T10:00:00Z');
function e(model: string, method: string, more: Partial<LearnedCall> = {}): LearnedCall {
  clock += 7_000;
  return { ts: new Date(clock).toISOString(), ip: '127.0.0.1', model, method, decision: 'allow', outcome: 'ok', learning: true, ...more };
}

test('n8n contacts: fields [] reads every field, records read by id keep the constant leaf out of the domain', () => {
  const s = suggestScope([
    e('res.partner', 'search_read', { read_fields: ['*'], search_fields: ['is_company'], domain_leaves: [['is_company', '=', true]] }),
    e('res.partner', 'create', { fields: ['email', 'is_company', 'name'] }),
    e('res.partner', 'read', { ids: [61], read_fields: ['*'] }),
    e('res.partner', 'write', { ids: [61], fields: ['phone', 'vat'] }),
  ]);
  assert.deepEqual(s.rules, [
    { model: 'res.partner', methods: ['read'] },
    { model: 'res.partner', methods: ['create'], fields: ['email', 'is_company', 'name'] },
    { model: 'res.partner', methods: ['write'], fields: ['phone', 'vat'] },
  ]);
  assert.deepEqual(s.limits, {});
  assert.ok(s.notes.some((n) => /res\.partner: read with every field \(read with no field list; search_read with no field list\)/.test(n)), s.notes.join('\n'));
  assert.ok(s.notes.some((n) => /every search used \[\["is_company","=",true\]\], but it is not made the read rule's domain because records were also read by id/.test(n)));
  assert.equal(s.seen.calls, 4);
  assert.equal(s.seen.peak_per_minute, 4);
  assert.deepEqual(s.seen.ips, ['127.0.0.1']);
});

test('searches that all carry the same constant leaf give the read rule its domain; fields read and searched are the field list', () => {
  const s = suggestScope([
    e('res.partner', 'search_read', { read_fields: ['email', 'name'], search_fields: ['customer_rank', 'name'], domain_leaves: [['customer_rank', '>', 0], ['active', '=', true]] }),
    e('res.partner', 'search_count', { search_fields: ['customer_rank'], domain_leaves: [['customer_rank', '>', 0]] }),
    e('res.partner', 'fields_get', {}),
  ]);
  assert.deepEqual(s.rules, [{ model: 'res.partner', methods: ['read'], fields: ['customer_rank', 'email', 'name'], domain: [['customer_rank', '>', 0]] }]);
  // a search without the leaf: no domain
  const t = suggestScope([
    e('res.partner', 'search_read', { read_fields: ['name'], search_fields: ['customer_rank'], domain_leaves: [['customer_rank', '>', 0]] }),
    e('res.partner', 'search_read', { read_fields: ['name'] }),
  ]);
  assert.deepEqual(t.rules, [{ model: 'res.partner', methods: ['read'], fields: ['customer_rank', 'name'] }]);
});

test('create and write with the same fields merge; unlink and other methods by name; default_<field> is written; other context keys become limits', () => {
  const s = suggestScope([
    e('crm.lead', 'create', { fields: ['description', 'name'], context_keys: ['default_type', 'tracking_disable'] }),
    e('crm.lead', 'write', { fields: ['description', 'name', 'type'] }),
    e('crm.lead', 'unlink', { ids: [3] }),
    e('crm.lead', 'action_set_won', { ids: [3] }),
    e('crm.lead', 'message_post', { ids: [3], context_keys: ['lang', 'allowed_company_ids'] }),
  ]);
  assert.deepEqual(s.rules, [
    { model: 'crm.lead', methods: ['create', 'write'], fields: ['description', 'name', 'type'] },
    { model: 'crm.lead', methods: ['unlink', 'action_set_won', 'message_post'] },
  ]);
  assert.deepEqual(s.limits, { context_keys: ['tracking_disable'] });
});

test('paths and x2many commands reach other models through their schemas; without them, a note and missing_schemas', () => {
  const calls = [
    e('crm.lead', 'search_read', { read_fields: ['name', 'partner_id'], search_fields: ['partner_id.country_id.code', 'date_deadline.year_number'] }),
    e('crm.lead', 'create', { fields: ['name', 'tag_ids'], x2many: [{ field: 'tag_ids', ops: [0, 4], fields: ['name'] }] }),
    e('crm.lead', 'write', { fields: ['order_line'], x2many: [{ field: 'order_line', ops: [1, 3], fields: ['price_unit'] }] }),
  ];
  const blind = suggestScope(calls);
  assert.deepEqual(blind.missing_schemas, ['crm.lead']);
  assert.ok(blind.notes.some((n) => /crm\.lead: date_deadline\.year_number, partner_id\.country_id\.code reach other models/.test(n)), blind.notes.join('\n'));
  assert.ok(blind.notes.some((n) => /crm\.lead\.tag_ids was written with x2many commands \(0, 4\)/.test(n)));
  const schemas: Record<string, ModelSchema> = {
    'crm.lead': { partner_id: { type: 'many2one', relation: 'res.partner' }, date_deadline: { type: 'date' }, tag_ids: { type: 'many2many', relation: 'crm.tag' }, order_line: { type: 'one2many', relation: 'x.line', relation_field: 'lead_id' } },
    'res.partner': { country_id: { type: 'many2one', relation: 'res.country' } },
  };
  const s = suggestScope(calls, { schema: (m) => schemas[m] });
  // the lines' own fields may be related or _inherits fields (a parent created or written): asked for
  assert.deepEqual(s.missing_schemas, ['crm.tag', 'x.line']);
  assert.ok(s.notes.some((n) => /res\.partner: read\(display_name\) added: the client read crm\.lead\.partner_id and got the names of its records/.test(n)), s.notes.join('\n'));
  // A sensitive comodel (res.users): a rule there needs an explicit allow_sensitive, so it is said, not suggested.
  const users = suggestScope([e('crm.lead', 'search_read', { read_fields: ['name', 'user_id'] })], { schema: (m) => (m === 'crm.lead' ? { user_id: { type: 'many2one', relation: 'res.users' } } : undefined) });
  assert.deepEqual(users.rules, [{ model: 'crm.lead', methods: ['read'], fields: ['name', 'user_id'] }]);
  assert.ok(users.notes.some((n) => /res\.users: the client read crm\.lead\.user_id and got the names of its records; res\.users is a sensitive model, so no rule is suggested/.test(n)), users.notes.join('\n'));
  assert.deepEqual(s.rules, [
    { model: 'crm.lead', methods: ['read'], fields: ['date_deadline', 'name', 'partner_id'] },
    { model: 'crm.lead', methods: ['create'], fields: ['name', 'tag_ids'] },
    { model: 'crm.lead', methods: ['write'], fields: ['order_line'] },
    { model: 'crm.tag', methods: ['create'], fields: ['name'] },
    { model: 'res.country', methods: ['read'], fields: ['code'] },
    // partner_id was read: its names showed, so res.partner's display_name is readable too.
    { model: 'res.partner', methods: ['read'], fields: ['country_id', 'display_name'] },
    { model: 'x.line', methods: ['write'], fields: ['price_unit'] },
    { model: 'x.line', methods: ['unlink'] },
  ]);
});

test('calls refused while learning and calls of other keys or modes are left out; refusals are noted', () => {
  const s = suggestScope([
    e('res.users', 'search_read', { decision: 'deny', outcome: 'denied', reason: 'res.users is a sensitive model, which learning keys never reach' }),
    e('res.partner', 'search', { learning: false }),
    e('res.partner', 'read', { read_fields: ['name'], outcome: 'odoo_error' }),
    { ts: '2026-11-28T10:00:00Z', decision: 'allow', outcome: 'ok', learning: true }, // common.authenticate
  ]);
  assert.deepEqual(s.rules, [{ model: 'res.partner', methods: ['read'], fields: ['name'] }]);
  assert.equal(s.seen.denied, 1);
  assert.equal(s.seen.odoo_errors, 1);
  assert.ok(s.notes.some((n) => /refused even while learning, so left out: res\.users\.search_read \(1 call\): res\.users is a sensitive model/.test(n)));
  assert.deepEqual(suggestScope([]).rules, []);
});

test('the read preset of the version decides what is a read', () => {
  const calls = [e('crm.lead', 'formatted_read_group', { search_fields: ['stage_id'] })];
  assert.deepEqual(suggestScope(calls, { version: 19 }).rules, [{ model: 'crm.lead', methods: ['read'], fields: ['stage_id'] }]);
  assert.deepEqual(suggestScope(calls, { version: 18 }).rules, [{ model: 'crm.lead', methods: ['formatted_read_group'] }]);
});

test('a call whose journal line left names out is said to be covered only in part', () => {
  const s = suggestScope([e('res.partner', 'read', { ids: [1], read_fields: ['name'], more: { read_fields: 120, ids: 5 } }), e('res.partner', 'unlink', { ids: [1], more: { ids: 5 } })]);
  assert.deepEqual(s.notes.filter((n) => /more fields, context keys or domain values than a journal line keeps/.test(n)), [
    'res.partner.read: 1 call named more fields, context keys or domain values than a journal line keeps (500 per list), so the rules may lack some of them, and no domain is inferred from those searches',
  ]);
});

test('a search whose journal line cut its domain values gives the rule no domain (a cut `not in` would widen it, a cut `in` narrow it)', () => {
  const s = suggestScope([
    e('crm.lead', 'search_read', { read_fields: ['name'], search_fields: ['state'], domain_leaves: [['state', 'not in', []]], more: { 'domain_leaves.values': 20 } }),
    e('crm.lead', 'search_read', { read_fields: ['name'], search_fields: ['state'], domain_leaves: [['state', 'not in', []]], more: { 'domain_leaves.values': 20 } }),
  ]);
  assert.deepEqual(s.rules, [{ model: 'crm.lead', methods: ['read'], fields: ['name', 'state'] }]);
  assert.ok(s.notes.some((n) => /no domain is inferred from those searches/.test(n)), s.notes.join('\n'));
});

test('a name that is not a field name is left out of the rules with a note (keys.yaml would refuse the whole suggestion)', () => {
  const s = suggestScope([e('res.partner', 'create', { fields: ['name', 'a b', 'email'] }), e('res.partner', 'search_read', { read_fields: ['name', 'x\ny'] })]);
  assert.deepEqual(s.rules, [
    { model: 'res.partner', methods: ['read'], fields: ['name'] },
    { model: 'res.partner', methods: ['create'], fields: ['email', 'name'] },
  ]);
  assert.equal(s.notes.filter((n) => /not a field name .* left out/.test(n)).length, 2, s.notes.join('\n'));
  assert.deepEqual(validateRules(s.rules, 'rules'), s.rules);
});

test('suggestionYaml is a scope file that gives back the same rules and limits, notes as comments', () => {
  const s = suggestScope([
    e('res.partner', 'search_read', { read_fields: ['name'], search_fields: ['type'], domain_leaves: [['type', 'in', ['contact', 'invoice']]] }),
    e('crm.lead', 'create', { fields: ['name'], context_keys: ['mail_create_nolog'] }),
    e('res.users', 'read', { decision: 'deny', outcome: 'denied', reason: 'sensitive: "quoted" # hash' }),
  ]);
  const text = suggestionYaml(s, ['Suggested scope for key x']);
  assert.match(text, /^# Suggested scope for key x\nrules:\n {2}- \{ model: crm\.lead, methods: \[ create \], fields: \[ name \] \}\n/);
  const back = parse(text) as { rules: unknown; limits: unknown };
  assert.deepEqual(validateRules(back.rules, 'rules'), s.rules);
  assert.deepEqual(validateLimits(back.limits, 'limits'), s.limits);
  assert.deepEqual(Object.keys(back), ['rules', 'limits'], 'notes are comments only');
  assert.match(text, /# - refused even while learning/);
  assert.equal(parse(suggestionYaml(suggestScope([]))).rules.length, 0);
  // A refused call's model and reason are the client's: a CR must not end the comment (YAML reads
  // what follows as a new line), an escape must not reach the terminal.
  const forged = suggestionYaml(suggestScope([e('res.users', 'read', { decision: 'deny', outcome: 'denied', reason: 'x\rlimits: { ips: [0.0.0.0/0] }\u001b[2K' })]));
  assert.deepEqual(Object.keys(parse(forged) as object), ['rules']);
  assert.doesNotMatch(forged, /[\r\u001b]/);
  assert.match(forged, /x\\x0dlimits: \{ ips/);
});
