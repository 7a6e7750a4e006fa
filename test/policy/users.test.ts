// res.users' own create and write write its partner beyond BaseModel's _inherits (res_users.py,
// 16.0-19.0; src/policy/inherits.ts PARENT_SYNC): create sets the partner's `active` to the user's
// and, where the partner has a company, its `company_id` to the user's; write of a true `active`
// unarchives the users' partners, of `company_id` moves them. Each case tries one way of reaching a
// partner the key's res.partner rules do not allow through those writes, on the stand-in's schemas.
import { test } from 'node:test';
import type { Rule } from '../../src/policy/types.js';
import type { RpcStruct, RpcValue } from '../../src/rpc/values.js';
import { key, runCases, type CallSpec } from './support.js';
import { standinSchemas } from '../learn/support.js';

const users: Rule = { model: 'res.users', methods: ['create', 'write', 'copy', 'load', 'web_save'], allow_sensitive: true };
const partnerCreate: Rule = { model: 'res.partner', methods: ['create'] };
const partnerWrite = (fields?: string[], domain?: RpcValue[]): Rule => ({ model: 'res.partner', methods: ['write'], ...(fields ? { fields } : {}), ...(domain ? { domain } : {}) });
const create = (vals: RpcStruct, context?: RpcStruct): CallSpec => ({ model: 'res.users', method: 'create', params: [['vals_list', [vals]]], ...(context ? { context } : {}) });
const write = (vals: RpcStruct, ids = [6]): CallSpec => ({ model: 'res.users', method: 'write', ids, params: [['vals', vals]] });
const ann = { name: 'Ann', login: 'ann', email: 'ann@example.com' };
const customers = [['customer_rank', '>', 0]];

for (const version of [18, 19] as const) {
  const served = { schema: standinSchemas(version), version };
  test(`res.users create on a named partner writes its active and company_id (${version}.0)`, () => runCases([
    // The probe that found it: no res.partner rule at all, allowed with no check.
    { name: 'partner_id named, no inherited value: Odoo writes its active (and company): refused without write on res.partner', key: key([users]), env: served, call: create({ login: 'ann', partner_id: 9 }), expect: { verdict: 'deny', reason: /creating res\.users on res\.partner record 9, which its partner_id names: Odoo's res\.users create then writes there 'active' \(the user's\).*needs write on res\.partner \('active', 'company_id'\)/ } },
    { name: '... create on res.partner is not write', key: key([users, partnerCreate]), env: served, call: create({ login: 'ann', partner_id: 9 }), expect: { verdict: 'deny', reason: /needs write on res\.partner \('active', 'company_id'\)/ } },
    { name: '... write on active alone is not enough: whether the partner has a company is known only upstream', key: key([users, partnerWrite(['active'])]), env: served, call: create({ login: 'ann', partner_id: 9 }), expect: { verdict: 'deny', reason: /needs write on res\.partner \('active', 'company_id'\)/ } },
    { name: '... allowed with write on both, the id checked against the rule\'s domain', key: key([users, partnerWrite(['active', 'company_id'], customers)]), env: served, call: create({ login: 'ann', partner_id: 9 }), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [9] }], checkDomains: [customers] } },
    { name: '... the domain judged on the values written: an active partner only, and the user created inactive', key: key([users, partnerWrite(['active', 'company_id'], [['active', '=', true]])]), env: served, call: create({ login: 'ann', partner_id: 9, active: false }), expect: { verdict: 'deny', reason: /res\.partner record 9/ } },
    { name: '... and with the user\'s company, where the partner has one', key: key([users, partnerWrite(['active', 'company_id'], [['company_id', '=', 1]])]), env: served, call: create({ login: 'ann', partner_id: 9, company_id: 2 }), expect: { verdict: 'deny', reason: /res\.partner record 9/ } },
    { name: '... inside it with the user\'s company the domain\'s', key: key([users, partnerWrite(['active', 'company_id'], [['company_id', '=', 1]])]), env: served, call: create({ login: 'ann', partner_id: 9, company_id: 1 }), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [9] }] } },
    { name: 'inherited values beside it: both writes needed, each id checked', key: key([users, partnerWrite(['name', 'email'], customers)]), env: served, call: create({ ...ann, partner_id: 9 }), expect: { verdict: 'deny', reason: /needs write on res\.partner \('active', 'company_id'\)/ } },
    { name: 'default_partner_id: write on every field without a domain, as before (it covers active and company_id)', key: key([users, partnerWrite(['active', 'company_id'])]), env: served, call: create({ login: 'ann' }, { default_partner_id: 9 }), expect: { verdict: 'deny', reason: /needs write on res\.partner \(every field\)/ } },
    { name: 'web_save without ids on a named partner: the same', key: key([users]), env: served, call: { model: 'res.users', method: 'web_save', ids: [], params: [['vals', { login: 'ann', partner_id: 9 }], ['specification', {}]] }, expect: { verdict: 'deny', reason: /needs write on res\.partner \('active', 'company_id'\)/ } },
    { name: 'copy with default partner_id: the copy is created on it', key: key([users, { model: 'res.partner', methods: ['create'] }]), env: served, call: { model: 'res.users', method: 'copy', ids: [6], params: [['default', { login: 'ann2', partner_id: 9 }]] }, expect: { verdict: 'deny', reason: /default: creating res\.users on res\.partner record 9.*needs write on res\.partner \('active', 'company_id'\)/ } },
    { name: '... under a domain the copy\'s active and company are the original\'s, not known', key: key([users, partnerCreate, partnerWrite(['active', 'company_id'], [['active', '=', true]])]), env: served, call: { model: 'res.users', method: 'copy', ids: [6], params: [['default', { login: 'ann2', partner_id: 9 }]] }, expect: { verdict: 'deny', reason: /res\.partner record 9/ } },
    { name: 'load rows naming partners: a write without a domain', key: key([users, partnerWrite(['active', 'company_id'], customers)]), env: served, call: { model: 'res.users', method: 'load', params: [['fields', ['login', 'partner_id/.id']], ['data', [['ann', '9']]]] }, expect: { verdict: 'deny', reason: /load column 'partner_id': rows naming res\.partner records create res\.users records on them.*without naming them/ } },
    { name: '... allowed by one without', key: key([users, partnerWrite(['active', 'company_id'])]), env: served, call: { model: 'res.users', method: 'load', params: [['fields', ['login', 'partner_id/.id']], ['data', [['ann', '9']]]] }, expect: { verdict: 'allow' } },
  ]));

  test(`res.users create of its own partner: Odoo's writes judged as that partner's create values (${version}.0)`, () => runCases([
    { name: 'no more than create on res.partner with the inherited values (active true, no default_company_id)', key: key([users, { ...partnerCreate, fields: ['name', 'email'] }]), env: served, call: create({ ...ann, active: true, company_id: 1 }), expect: { verdict: 'allow', checks: [] } },
    { name: 'a user created inactive archives the partner it creates: active among the create rule\'s fields', key: key([users, { ...partnerCreate, fields: ['name', 'email'] }]), env: served, call: create({ ...ann, active: false }), expect: { verdict: 'deny', reason: /creating res\.users also creates its res\.partner \(partner_id\) with 'email', 'name', 'active' needs create on res\.partner/ } },
    { name: '... and the create rule\'s domain judged on it', key: key([users, { ...partnerCreate, domain: [['active', '=', true]] }]), env: served, call: create({ ...ann, active: false }), expect: { verdict: 'deny', reason: /creating res\.users also creates its res\.partner/ } },
    { name: '... allowed with active in the rule', key: key([users, { ...partnerCreate, fields: ['name', 'email', 'active'] }]), env: served, call: create({ ...ann, active: false }), expect: { verdict: 'allow' } },
    { name: 'under default_company_id the partner gets a company, then the user\'s: judged as created with it', key: key([users, { ...partnerCreate, domain: [['company_id', '=', 1]] }]), env: served, call: create({ ...ann, company_id: 2 }, { default_company_id: 1 }), expect: { verdict: 'deny', reason: /creating res\.users also creates its res\.partner/ } },
    { name: '... the same company: inside', key: key([users, { ...partnerCreate, domain: [['company_id', '=', 1]] }]), env: served, call: create({ ...ann, company_id: 1 }, { default_company_id: 1 }), expect: { verdict: 'allow' } },
  ]));

  test(`res.users write of active / company_id writes the users' partners (${version}.0)`, () => runCases([
    { name: 'active true unarchives the partners: refused without write on res.partner active', key: key([users]), env: served, call: write({ active: true }), expect: { verdict: 'deny', reason: /vals\['active'\]: Odoo's res\.users write of a true 'active' unarchives the users' res\.partner records \(partner_id\) needs write on res\.partner \('active'\)/ } },
    { name: '... the partners are not named: a rule with a domain cannot be checked', key: key([users, partnerWrite(['active'], customers)]), env: served, call: write({ active: true }), expect: { verdict: 'deny', reason: /without naming them/ } },
    { name: '... allowed by a rule without a domain', key: key([users, partnerWrite(['active'])]), env: served, call: write({ active: true }), expect: { verdict: 'allow' } },
    { name: 'active false touches no partner', key: key([users]), env: served, call: write({ active: false }), expect: { verdict: 'allow' } },
    { name: 'company_id moves the partners that have a company', key: key([users, partnerWrite(['active'])]), env: served, call: write({ company_id: 1 }), expect: { verdict: 'deny', reason: /vals\['company_id'\]: Odoo's res\.users write of 'company_id' moves the users' res\.partner records .* needs write on res\.partner \('company_id'\)/ } },
    { name: '... allowed with write on it', key: key([users, partnerWrite(['company_id'])]), env: served, call: write({ company_id: 1 }), expect: { verdict: 'allow' } },
    { name: 'web_save on records: the same', key: key([users]), env: served, call: { model: 'res.users', method: 'web_save', ids: [6], params: [['vals', { active: true }], ['specification', {}]] }, expect: { verdict: 'deny', reason: /needs write on res\.partner \('active'\)/ } },
    { name: 'command 1 on a partner\'s user_ids writes those users: the same', key: key([{ model: 'res.partner', methods: ['write'], fields: ['user_ids'] }, users]), env: served, call: { model: 'res.partner', method: 'write', ids: [9], params: [['vals', { user_ids: [[1, 6, { active: true }]] }]] }, expect: { verdict: 'deny', reason: /command 1 updates res\.users\)\['active'\]: Odoo's res\.users write of a true 'active' unarchives/ } },
    { name: 'load updating users by id: the same', key: key([users]), env: served, call: { model: 'res.users', method: 'load', params: [['fields', ['.id', 'company_id/.id']], ['data', [['6', '1']]]] }, expect: { verdict: 'deny', reason: /writes the users' res\.partner records\) needs write on res\.partner \('company_id'\)/ } },
  ]));
}
