// An activity created the usual way (res_model_id, an ir.model id, and res_id) under a rule whose
// domain pins res_model ([('res_model', '=', 'crm.lead')]): Odoo computes res_model from res_model_id
// (related, stored, precomputed), so the rule's domain is judged on the model that id names
// (env.irModelName; support.ts IR_MODELS: 81 and 90 crm.lead, 82 res.partner, 83 hr.employee,
// 84 res.users, anything else none). Every case runs through every call shape the call fits.
import { test } from 'node:test';
import { key, runCases, SCHEMAS, type Case } from './support.js';
import type { Rule } from '../../src/policy/types.js';
import type { RpcValue } from '../../src/rpc/values.js';

type Params = [string, RpcValue][];
const PINNED = [['res_model', '=', 'crm.lead']];
const LEADS = [['type', '=', 'opportunity']];
const pinnedRule: Rule = { model: 'mail.activity', methods: ['create', 'read', 'write', 'copy', 'name_create'], domain: PINNED };
const leads: Rule = { model: 'crm.lead', methods: ['read'], domain: LEADS };
const k = key([pinnedRule, leads]);
const act = (vals: Record<string, RpcValue>, context?: Record<string, RpcValue>) => ({
  model: 'mail.activity', method: 'create', params: [['vals_list', { summary: 'Call back', activity_type_id: 4, ...vals }]] as Params, ...(context ? { context } : {}),
});
const write = (ids: number[], vals: RpcValue, model = 'mail.activity') => ({ model, method: 'write', ids, params: [['vals', vals]] as Params });
const outside = /would lie outside the domain \[\["res_model","=","crm\.lead"\]\] of rule 0 /;
// What the client is told (the model an ir.model id names is ir.model's, which these keys may not
// read), and the journal's detail (`pins`), which names it.
const told = (id: number) => new RegExp(`\\['res_model_id'\\]: ir\\.model ${id} does not name crm\\.lead, and the domain of rule 0 \\(mail\\.activity: [^)]*\\) pins 'res_model' to crm\\.lead, so the record would lie outside it`);
const pins = (id: number, name: string) => new RegExp(`\\['res_model_id'\\]: ir\\.model ${id} names ${name.replace('.', '\\.')}, and the domain of rule 0 \\(mail\\.activity: [^)]*\\) pins 'res_model' to crm\\.lead, so the record would lie outside it`);

test('client compatibility: under a rule pinning res_model, an activity created by res_model_id is judged on the model that id names', () => {
  const cases: Case[] = [
    // The point: the usual create is allowed, its res_id checked against the lead rule's domain.
    { name: 'res_model_id naming crm.lead: allowed', key: k, call: act({ res_model_id: 81, res_id: 42 }), expect: { verdict: 'allow', rule: 0, checks: [{ model: 'crm.lead', ids: [42] }], checkDomains: [LEADS] } },
    { name: 'another ir.model id naming crm.lead', key: k, call: act({ res_model_id: 90, res_id: 42 }), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [42] }] } },
    { name: 'no rule on crm.lead: any lead, as with res_model', key: key([pinnedRule]), call: act({ res_model_id: 81, res_id: 42 }), expect: { verdict: 'allow', checks: [] } },
    { name: 'not read yet: asked for, not refused', key: k, env: { irModelName: () => undefined }, call: act({ res_model_id: 81, res_id: 42 }), expect: { verdict: 'need_schema', models: [], irModels: [81] } },
    { name: 'not read yet, without res_id: asked for by the domain alone', key: k, env: { irModelName: () => undefined }, call: act({ res_model_id: 81 }), expect: { verdict: 'need_schema', irModels: [81] } },
    // Refused: another model, an id that names none, no model.
    { name: 'res_model_id naming res.partner', key: k, call: act({ res_model_id: 82, res_id: 42 }), expect: { verdict: 'deny', reason: told(82), hides: /res\.partner|res\.users/, detail: pins(82, 'res.partner') } },
    { name: 'res_model_id naming a sensitive model', key: k, call: act({ res_model_id: 84, res_id: 2 }), expect: { verdict: 'deny', reason: told(84), hides: /res\.partner|res\.users/, detail: pins(84, 'res.users') } },
    { name: 'res_model_id naming res.partner, without res_id', key: k, call: act({ res_model_id: 82 }), expect: { verdict: 'deny', reason: told(82), hides: /res\.partner|res\.users/, detail: pins(82, 'res.partner') } },
    { name: 'an ir.model id that does not exist', key: k, call: act({ res_model_id: 999, res_id: 42 }), expect: { verdict: 'deny', reason: /vals\['res_model_id'\]: ir\.model 999 does not exist or cannot be read/ } },
    { name: 'an ir.model id that does not exist, without res_id', key: k, call: act({ res_model_id: 999 }), expect: { verdict: 'deny', reason: /vals\['res_model_id'\]: ir\.model 999 does not exist or cannot be read/ } },
    { name: 'res_model_id False: res_model False is not crm.lead', key: k, call: act({ res_model_id: false, res_id: 42 }), expect: { verdict: 'deny', reason: outside } },
    { name: 'res_model_id not an id', key: k, call: act({ res_model_id: '81', res_id: 42 }), expect: { verdict: 'deny', reason: /"81" is not an ir\.model id/ } },
    { name: 'res_model_id 0', key: k, call: act({ res_model_id: 0 }), expect: { verdict: 'deny', reason: /vals\['res_model_id'\]: 0 is not a record id/ } },
    { name: 'one activity of a vals_list on a partner', key: k, call: { model: 'mail.activity', method: 'create', params: [['vals_list', [{ res_model_id: 81, res_id: 42 }, { res_model_id: 82, res_id: 7 }]]] }, expect: { verdict: 'deny', reason: /^vals_list\[1\]\['res_model_id'\]: ir\.model 82 does not name crm\.lead/, hides: /res\.partner/, detail: /^vals_list\[1\]\['res_model_id'\]: ir\.model 82 names res\.partner/ } },
    // res_model itself given: written through to ir.model (a write there), judged as before.
    { name: 'res_model given too: written through to ir.model, which no rule allows', key: k, call: act({ res_model: 'crm.lead', res_model_id: 81, res_id: 42 }), expect: { verdict: 'deny', reason: /ir\.model/ } },
    // default_res_model_id in the context, judged the same way.
    { name: 'default_res_model_id naming crm.lead: allowed', key: k, call: act({ res_id: 42 }, { default_res_model_id: 81 }), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [42] }] } },
    { name: 'default_res_model_id naming res.partner', key: k, call: act({ res_id: 42 }, { default_res_model_id: 82 }), expect: { verdict: 'deny', reason: /\['(default_)?res_model_id'\]: ir\.model 82 does not name crm\.lead/, hides: /res\.partner/, detail: /context\['default_res_model_id'\]: ir\.model 82 names res\.partner|\['res_model_id'\]: ir\.model 82 names res\.partner/ } },
    { name: 'default_res_model_id that does not exist', key: k, call: act({ res_id: 42 }, { default_res_model_id: 999 }), expect: { verdict: 'deny', reason: /ir\.model 999 does not exist or cannot be read/ } },
    { name: 'default_res_model_id False', key: k, call: act({ res_id: 42 }, { default_res_model_id: false }), expect: { verdict: 'deny', reason: outside } },
    { name: 'the values\' res_model_id over default_res_model_id', key: k, call: act({ res_model_id: 82, res_id: 42 }, { default_res_model_id: 81 }), expect: { verdict: 'deny', reason: told(82), hides: /res\.partner|res\.users/, detail: pins(82, 'res.partner') } },
    // default_<field> values are judged as values of their own (they apply to any record this call
    // creates that leaves the field out), so one naming another model is refused even here.
    { name: 'default_res_model_id naming res.partner under the values\' res_model_id naming crm.lead', key: k, call: act({ res_model_id: 81, res_id: 42 }, { default_res_model_id: 82 }), expect: { verdict: 'deny', reason: /^context\['default_res_model_id'\]: ir\.model 82 does not name crm\.lead/, hides: /res\.partner/, detail: /^context\['default_res_model_id'\]: ir\.model 82 names res\.partner/ } },
    // default_res_model (the related field itself) would be written through: unknown, as before.
    { name: 'default_res_model beside res_model_id: not judged from the id', key: key([pinnedRule, leads, { model: 'ir.model', methods: ['write'], allow_sensitive: true }]), call: act({ res_model_id: 81, res_id: 42 }, { default_res_model: 'crm.lead' }), expect: { verdict: 'deny', reason: /cannot be shown to hold/ } },
  ];
  runCases(cases);
});

test('client compatibility: writes of res_model_id under a rule pinning res_model are judged on the model the written id names', () => {
  const cases: Case[] = [
    { name: 'both, naming crm.lead: allowed (the records checked in the domain, the lead in the lead rule\'s)', key: k, call: write([5], { res_model_id: 81, res_id: 8 }), expect: { verdict: 'allow', checks: [{ model: 'mail.activity', ids: [5] }, { model: 'crm.lead', ids: [8] }], checkDomains: [PINNED, LEADS] } },
    { name: 'res_model_id alone naming crm.lead: the records stay on their lead', key: k, call: write([5], { res_model_id: 81 }), expect: { verdict: 'allow', checks: [{ model: 'mail.activity', ids: [5] }] } },
    { name: 'res_model_id alone naming res.partner: re-points res_id', key: k, call: write([5], { res_model_id: 82 }), expect: { verdict: 'deny', reason: told(82), hides: /res\.partner|res\.users/, detail: pins(82, 'res.partner') } },
    { name: 'both, naming res.partner', key: k, call: write([5], { res_model_id: 82, res_id: 8 }), expect: { verdict: 'deny', reason: told(82), hides: /res\.partner|res\.users/, detail: pins(82, 'res.partner') } },
    { name: 'res_model_id False: out of the domain', key: k, call: write([5], { res_model_id: false }), expect: { verdict: 'deny', reason: /the written values would move the records out of the domain \[\["res_model","=","crm\.lead"\]\] of rule 0/ } },
    { name: 'an ir.model id that does not exist', key: k, call: write([5], { res_model_id: 999 }), expect: { verdict: 'deny', reason: /ir\.model 999 does not exist or cannot be read/ } },
    { name: 'not read yet: asked for', key: k, env: { irModelName: () => undefined }, call: write([5], { res_model_id: 81 }), expect: { verdict: 'need_schema', irModels: [81] } },
    { name: 'res_id alone: the pinned model, as before', key: k, call: write([5], { res_id: 8 }), expect: { verdict: 'allow', checks: [{ model: 'mail.activity', ids: [5] }, { model: 'crm.lead', ids: [8] }] } },
    { name: 'other fields: res_model unchanged, as before', key: k, call: write([5], { summary: 'x' }), expect: { verdict: 'allow', checks: [{ model: 'mail.activity', ids: [5] }] } },
    // copy is not judged from the id (a default_res_model in the context would set res_model): as before.
    { name: 'copy with default res_model_id: refused as before', key: k, call: { model: 'mail.activity', method: 'copy', ids: [5], params: [['default', { res_model_id: 81 }]] }, expect: { verdict: 'deny', reason: /cannot be shown to hold for the copy/ } },
  ];
  runCases(cases);
});

test('client compatibility: activity_ids lines under a rule pinning res_model are judged on the model their res_model_id names', () => {
  const leadLines: Rule = { model: 'crm.lead', methods: ['write'], fields: ['activity_ids'] };
  const lines = (vals: Record<string, RpcValue>) => write([5], { activity_ids: [[0, 0, { summary: 's', ...vals }]] }, 'crm.lead');
  const cases: Case[] = [
    { name: 'a line naming crm.lead: allowed', key: key([leadLines, pinnedRule]), call: lines({ res_model_id: 81 }), expect: { verdict: 'allow' } },
    { name: 'a line naming hr.employee', key: key([leadLines, pinnedRule]), call: lines({ res_model_id: 83 }), expect: { verdict: 'deny', reason: /activity_ids'\]\[0\] \(command 0 creates mail\.activity\): the created record would lie outside the domain \[\["res_model","=","crm\.lead"\]\] of rule 1 / } },
    { name: 'a line whose ir.model id does not exist', key: key([leadLines, pinnedRule]), call: lines({ res_model_id: 999 }), expect: { verdict: 'deny', reason: /cannot be shown to hold for the created record: 'res_model_id' is ir\.model 999, which does not exist or cannot be read, so 'res_model' is not known/ } },
    { name: 'a line with res_model_id False', key: key([leadLines, pinnedRule]), call: lines({ res_model_id: false }), expect: { verdict: 'deny', reason: /the created record would lie outside the domain/ } },
    { name: 'a line not read yet: asked for', key: key([leadLines, pinnedRule]), env: { irModelName: () => undefined }, call: lines({ res_model_id: 81 }), expect: { verdict: 'need_schema', irModels: [81] } },
  ];
  runCases(cases);
});

test('domains on other related fields are judged as before (only a char related to an ir.model many2one\'s `model` is read)', () => {
  // mail.activity with a char related to ir.model's name, and one related to a partner's field named `model`.
  const schema = (m: string) => (m === 'mail.activity'
    ? { ...SCHEMAS['mail.activity'], res_model_name: { type: 'char', related: 'res_model_id.name' }, partner_id: { type: 'many2one', relation: 'res.partner' }, partner_model: { type: 'char', related: 'partner_id.model' } }
    : SCHEMAS[m]);
  const never = () => { throw new Error('irModelName asked for a field that is not an ir.model name'); };
  const cases: Case[] = [
    { name: 'a char related to ir.model\'s name', key: key([{ model: 'mail.activity', methods: ['create'], domain: [['res_model_name', '=', 'Lead']] }]), env: { schema, irModelName: never }, call: act({ res_model_id: 81 }), expect: { verdict: 'deny', reason: /set 'res_model_name' explicitly/ } },
    { name: 'a char related to another model\'s `model` field', key: key([{ model: 'mail.activity', methods: ['create'], domain: [['partner_model', '=', 'crm.lead']] }]), env: { schema, irModelName: never }, call: act({ partner_id: 3 }), expect: { verdict: 'deny', reason: /set 'partner_model' explicitly/ } },
    { name: 'crm.lead\'s partner_email (related to partner_id.email)', key: key([{ model: 'crm.lead', methods: ['create'], domain: [['partner_email', '=', 'a@b.c']] }]), env: { irModelName: never }, call: { model: 'crm.lead', method: 'create', params: [['vals_list', { name: 'x', partner_id: 3 }]] }, expect: { verdict: 'deny', reason: /set 'partner_email' explicitly/ } },
    { name: 'res_model_id.model as a path: checked upstream on the ir.model record, as before', key: key([{ model: 'mail.activity', methods: ['create'], domain: [['res_model_id.model', '=', 'crm.lead']] }]), call: act({ res_model_id: 81 }), expect: { verdict: 'allow', checks: [{ model: 'ir.model', ids: [81] }] } },
  ];
  runCases(cases);
});
