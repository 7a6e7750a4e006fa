// many2one_reference values (`res_id` beside the char field its fields_get `model_field` names,
// `res_model` / mail.message's `model`) link a record of any model: checked like a reference value.
// Every case runs through every call shape the call fits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, key, runCases, SCHEMAS, shapes, type Case } from './support.js';
import { decide } from '../../src/policy/decide.js';
import type { Rule } from '../../src/policy/types.js';
import type { RpcValue } from '../../src/rpc/values.js';

type Params = [string, RpcValue][];
const create = (vals: RpcValue, model = 'ir.attachment', context?: Record<string, RpcValue>) => ({ model, method: 'create', params: [['vals_list', vals]] as Params, ...(context ? { context } : {}) });
const write = (ids: number[], vals: RpcValue, model = 'ir.attachment') => ({ model, method: 'write', ids, params: [['vals', vals]] as Params });
const load = (fields: string[], data: RpcValue[][], model = 'ir.attachment') => ({ model, method: 'load', params: [['fields', fields], ['data', data]] as Params });

const LEADS = [['type', '=', 'opportunity']];
const attachments: Rule = { model: 'ir.attachment', methods: ['create', 'write', 'copy', 'web_save', 'load', 'name_create'], allow_sensitive: true };
const leads: Rule = { model: 'crm.lead', methods: ['read'], domain: LEADS };
const messages: Rule = { model: 'mail.message', methods: ['create', 'write'], fields: ['body', 'model', 'res_id'] };
const employees: Rule = { model: 'hr.employee', methods: ['read'], domain: [['name', '=', 'me']] };
const ONLY_LEADS = [['res_model', '=', 'crm.lead']];

test('closed: a many2one_reference id is checked against the model its model field names', () => {
  const cases: Case[] = [
    // create: the model comes from the values
    { name: 'create: the lead linked is checked against the lead rule\'s domain', key: key([attachments, leads]), call: create({ name: 'a', res_model: 'crm.lead', res_id: 7 }), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [7] }], checkDomains: [LEADS] } },
    { name: 'create: a model the key has no rule on is the operator\'s choice (as a many2one)', key: key([attachments]), call: create({ name: 'a', res_model: 'hr.employee', res_id: 3 }), expect: { verdict: 'allow', checks: [] } },
    { name: 'create: an employee under a rule with a domain is checked', key: key([attachments, employees]), call: create({ name: 'a', res_model: 'hr.employee', res_id: 3 }), expect: { verdict: 'allow', checks: [{ model: 'hr.employee', ids: [3] }] } },
    { name: 'create: a sensitive model no rule names', key: key([attachments]), call: create({ name: 'a', res_model: 'res.users', res_id: 2 }), expect: { verdict: 'deny', reason: /vals\['res_id'\] \(of the model in 'res_model'\) links a record of res\.users, a sensitive model no rule names with allow_sensitive/ } },
    { name: 'create: a company outside the key\'s companies', key: key([attachments], { limits: { companies: [1] } }), call: create({ name: 'a', res_model: 'res.company', res_id: 2 }), expect: { verdict: 'deny', limit: 'companies', reason: /puts records in company 2/ } },
    { name: 'create: res_id without the model', key: key([attachments, leads]), call: create({ name: 'a', res_id: 7 }), expect: { verdict: 'deny', reason: /vals\['res_id'\] links record 7 of no model the values name \('res_model' is not given\); send 'res_model' and 'res_id' together/ } },
    { name: 'create: a model name that is not one', key: key([attachments]), call: create({ res_model: 'crm lead;', res_id: 7 }), expect: { verdict: 'deny', reason: /is not a model name/ } },
    { name: 'create: an id that is not one', key: key([attachments]), call: create({ res_model: 'crm.lead', res_id: '7_0' }), expect: { verdict: 'deny', reason: /vals\['res_id'\]: "7_0" is not a record id/ } },
    { name: 'create: an id sent as digits (as form tools send it) is that id, checked', key: key([attachments, leads]), call: create({ name: 'a', res_model: 'crm.lead', res_id: '7' }), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [7] }] } },
    { name: 'create: ... and refused when it names a sensitive record', key: key([attachments]), call: create({ name: 'a', res_model: 'res.users', res_id: '2' }), expect: { verdict: 'deny', reason: /links a record of res\.users/ } },
    { name: 'create: no id links nothing', key: key([attachments, leads]), call: create({ name: 'a', res_model: 'crm.lead', res_id: 0 }), expect: { verdict: 'allow', checks: [] } },
    { name: 'create: every record of a vals_list', key: key([attachments, leads]), call: create([{ res_model: 'crm.lead', res_id: 7 }, { res_model: 'res.users', res_id: 2 }]), expect: { verdict: 'deny', reason: /^vals_list\[1\]\['res_id'\]/ } },
    // defaults: default_<field> fills what the values leave out
    { name: 'default_res_model names the model of res_id', key: key([attachments, leads]), call: create({ name: 'a', res_id: 7 }, 'ir.attachment', { default_res_model: 'crm.lead' }), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [7] }] } },
    { name: 'default_res_id with default_res_model inside the domain: one check, not the same one twice', key: key([attachments, leads]), call: create({ name: 'a' }, 'ir.attachment', { default_res_model: 'crm.lead', default_res_id: 7 }), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [7] }] } },
    { name: 'default_res_id with default_res_model: checked', key: key([attachments]), call: create({ name: 'a' }, 'ir.attachment', { default_res_model: 'res.users', default_res_id: 2 }), expect: { verdict: 'deny', reason: /links a record of res\.users/ } },
    { name: 'default_res_id alone', key: key([attachments]), call: create({ name: 'a' }, 'ir.attachment', { default_res_id: 2 }), expect: { verdict: 'deny', reason: /'res_model' is not given/ } },
    { name: 'default_res_id under name_create, whose values the engine does not see', key: key([attachments]), call: { model: 'ir.attachment', method: 'name_create', params: [['name', 'x']], context: { default_res_id: 2 } }, expect: { verdict: 'deny', reason: /context\['default_res_id'\] links record 2 of no model/ } },
    // write: each field alone re-points the other
    { name: 'write: both fields: checked', key: key([attachments, leads]), call: write([5], { res_model: 'crm.lead', res_id: 8 }), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [8] }] } },
    { name: 'write: res_id alone (the record\'s current model decides)', key: key([attachments, leads]), call: write([5], { res_id: 8 }), expect: { verdict: 'deny', reason: /vals\['res_id'\] sets the id of a record of the model held in 'res_model' without 'res_model'.*send 'res_model' and 'res_id' together/ } },
    { name: 'write: res_model alone re-points the current id', key: key([attachments]), call: write([5], { res_model: 'hr.employee' }), expect: { verdict: 'deny', reason: /vals\['res_model'\] changes the model of the record ir\.attachment\.res_id links without 'res_id'/ } },
    { name: 'write: res_id False unlinks', key: key([attachments]), call: write([5], { res_id: false }), expect: { verdict: 'allow' } },
    { name: 'write: a rule whose domain pins the model', key: key([{ ...attachments, domain: ONLY_LEADS }, leads]), call: write([5], { res_id: 8 }), expect: { verdict: 'allow', checks: [{ model: 'ir.attachment', ids: [5] }, { model: 'crm.lead', ids: [8] }], checkDomains: [ONLY_LEADS, LEADS] } },
    { name: 'write: a domain pinning it under | does not pin', key: key([{ ...attachments, domain: ['|', ['res_model', '=', 'crm.lead'], ['name', '=', 'x']] }, leads]), call: write([5], { res_id: 8 }), expect: { verdict: 'deny', reason: /without 'res_model'/ } },
    { name: 'write: res_model changed under a pinning domain leaves it', key: key([{ ...attachments, domain: ONLY_LEADS }]), call: write([5], { res_model: 'hr.employee' }), expect: { verdict: 'deny', reason: /would move the records out of the domain/ } },
    { name: 'web_save on records: res_id alone', key: key([attachments, leads]), call: { model: 'ir.attachment', method: 'web_save', ids: [5], params: [['vals', { res_id: 8 }], ['specification', {}]] }, expect: { verdict: 'deny', reason: /without 'res_model'/ } },
    { name: 'web_save creating: both checked', key: key([attachments]), call: { model: 'ir.attachment', method: 'web_save', ids: [], params: [['vals', { res_model: 'res.users', res_id: 2 }], ['specification', {}]] }, expect: { verdict: 'deny', reason: /links a record of res\.users/ } },
    { name: 'copy: default res_id keeps the original\'s model', key: key([attachments, leads]), call: { model: 'ir.attachment', method: 'copy', ids: [5], params: [['default', { res_id: 8 }]] }, expect: { verdict: 'deny', reason: /default\['res_id'\] sets the id .* without 'res_model'/ } },
    // mail.message's model field is `model`
    { name: 'mail.message create on an employee under a domain', key: key([messages, employees]), call: create({ body: 'x', model: 'hr.employee', res_id: 3 }, 'mail.message'), expect: { verdict: 'allow', checks: [{ model: 'hr.employee', ids: [3] }] } },
    { name: 'mail.message write of res_id alone', key: key([messages]), call: write([9], { res_id: 3 }, 'mail.message'), expect: { verdict: 'deny', reason: /send 'model' and 'res_id' together/ } },
    // mail.activity: res_model is related to res_model_id.model (see the res_model_id test below)
    // (under a rule pinning res_model, judged on the model res_model_id names: test/policy/m2oref-pinned)
    { name: 'mail.activity under a rule pinning res_model', key: key([{ model: 'mail.activity', methods: ['create'], fields: ['summary', 'res_model_id', 'res_id', 'res_model'], domain: ONLY_LEADS }, leads]), call: create({ summary: 's', res_model_id: 90, res_id: 3 }, 'mail.activity'), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [3] }] } },
    // lines of a one2many whose inverse is the many2one_reference (crm.lead.activity_ids)
    { name: 'activity lines of a lead naming another model', key: key([{ model: 'crm.lead', methods: ['write'], fields: ['activity_ids'] }, { model: 'mail.activity', methods: ['create'], fields: ['summary', 'res_model', 'res_model_id', 'res_id'] }, { model: 'ir.model', methods: ['write'], allow_sensitive: true }]), call: write([5], { activity_ids: [[0, 0, { summary: 's', res_model: 'hr.employee' }]] }, 'crm.lead'), expect: { verdict: 'deny', reason: /activity_ids'\]\[0\].*\['res_model'\]: the line's 'res_id' is set to the crm\.lead record, so 'res_model' must be 'crm\.lead'/ } },
    { name: 'activity lines linked with command 4 write res_id alone', key: key([{ model: 'crm.lead', methods: ['write'], fields: ['activity_ids'] }, { model: 'mail.activity', methods: ['write', 'unlink'], fields: ['res_id'] }]), call: write([5], { activity_ids: [[4, 11]] }, 'crm.lead'), expect: { verdict: 'deny', reason: /moves mail\.activity lines by writing 'res_id' alone/ } },
    // load: row by row
    { name: 'load: both columns, row by row', key: key([attachments, leads]), call: load(['name', 'res_model', 'res_id'], [['a', 'crm.lead', '7'], ['b', 'res.users', '2']]), expect: { verdict: 'deny', reason: /load data\[1\]\['res_id'\] \(of the model in 'res_model'\) links a record of res\.users/ } },
    { name: 'load: both columns checked', key: key([attachments, leads]), call: load(['name', 'res_model', 'res_id'], [['a', 'crm.lead', '7'], ['b', '', '']]), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [7] }] } },
    { name: 'load: res_id without res_model', key: key([attachments]), call: load(['name', 'res_id'], [['a', '7']]), expect: { verdict: 'deny', reason: /load data\[0\]\['res_id'\] links record 7 of no model/ } },
    { name: 'load: a res_id cell that is not an id', key: key([attachments]), call: load(['res_model', 'res_id'], [['crm.lead', 'x7']]), expect: { verdict: 'deny', reason: /load column 'res_id': 'x7' is not a record id/ } },
    { name: 'load: rows updating records by .id with res_model alone', key: key([attachments]), call: load(['.id', 'res_model'], [['5', 'hr.employee']]), expect: { verdict: 'deny', reason: /changes the model of the record/ } },
    { name: 'load: activity lines with res_model', key: key([{ model: 'crm.lead', methods: ['load'], fields: ['name', 'activity_ids'] }, { model: 'mail.activity', methods: ['create'] }]), call: load(['name', 'activity_ids/summary', 'activity_ids/res_model'], [['a', 's', 'hr.employee']], 'crm.lead'), expect: { verdict: 'deny', reason: /load column 'activity_ids\/res_model' sets a many2one_reference pair/ } },
    { name: 'load: activity lines by .id move them by res_id alone', key: key([{ model: 'crm.lead', methods: ['load'], fields: ['name', 'activity_ids'] }, { model: 'mail.activity', methods: ['create', 'write'] }]), call: load(['name', 'activity_ids/.id'], [['a', '11']], 'crm.lead'), expect: { verdict: 'deny', reason: /links existing mail\.activity lines by writing 'res_id' alone/ } },
  ];
  runCases(cases);
});

test('a many2one_reference whose model field fields_get does not report is refused, not passed', () => {
  const schema = (m: string) => (m === 'ir.attachment' ? { name: { type: 'char' }, res_model: { type: 'char' }, res_id: { type: 'many2one_reference' } } : undefined);
  runCases([
    { name: 'no model_field', key: key([attachments]), env: { schema }, call: create({ res_model: 'crm.lead', res_id: 7 }), expect: { verdict: 'deny', reason: /whose model field fields_get does not report/ } },
  ]);
});

// mail.activity's res_model is related to res_model_id.model (Odoo 17-19: Char(related='res_model_id.model',
// precompute=True, store=True, readonly=True); res_id = Many2oneReference(model_field='res_model')):
// clients create activities by res_model_id, an ir.model id, whose model the proxy reads
// (env.irModelName; support.ts IR_MODELS: 81 crm.lead, 83 hr.employee, 84 res.users, 999 none).
test('closed: an activity set through res_model_id (an ir.model id) is checked against the model that id names', () => {
  const activities: Rule = { model: 'mail.activity', methods: ['create', 'write', 'load'], fields: ['summary', 'note', 'res_model_id', 'res_id', 'activity_type_id', 'date_deadline', 'user_id'] };
  const act = (vals: Record<string, RpcValue>, context?: Record<string, RpcValue>) => create({ summary: 'Call back', activity_type_id: 2, ...vals }, 'mail.activity', context);
  const leadLines = { model: 'crm.lead', methods: ['write'], fields: ['activity_ids'] };
  const lineRule: Rule = { model: 'mail.activity', methods: ['create'], fields: ['summary', 'res_model_id'] };
  const cases: Case[] = [
    { name: 'a lead: checked against the lead rule\'s domain (outside it, the proxy\'s check refuses)', key: key([activities, leads]), call: act({ res_model_id: 81, res_id: 7 }), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [7] }], checkDomains: [LEADS] } },
    { name: 'an employee under a rule with a domain: checked there', key: key([activities, leads, employees]), call: act({ res_model_id: 83, res_id: 3 }), expect: { verdict: 'allow', checks: [{ model: 'hr.employee', ids: [3] }], checkDomains: [[['name', '=', 'me']]] } },
    { name: 'a model the key has no rule on: as with res_model (the operator\'s choice, like a many2one)', key: key([activities, leads]), call: act({ res_model_id: 83, res_id: 3 }), expect: { verdict: 'allow', checks: [] } },
    { name: 'a sensitive model no rule names', key: key([activities, leads]), call: act({ res_model_id: 84, res_id: 2 }), expect: { verdict: 'deny', reason: /vals\['res_id'\] \(of the model in 'res_model'\) links a record of the model ir\.model 84 names, a sensitive model no rule names with allow_sensitive/, hides: /res\.users/, detail: /vals\['res_id'\] \(of the model in 'res_model'\) links a record of res\.users, a sensitive model no rule names with allow_sensitive/ } },
    { name: 'an ir.model id that does not exist (or cannot be read): refused', key: key([activities, leads]), call: act({ res_model_id: 999, res_id: 7 }), expect: { verdict: 'deny', reason: /vals\['res_model_id'\]: ir\.model 999 does not exist or cannot be read/ } },
    { name: 'an ir.model id not read yet: asked for', key: key([activities, leads]), env: { irModelName: () => undefined }, call: act({ res_model_id: 81, res_id: 7 }), expect: { verdict: 'need_schema', models: [], irModels: [81] } },
    { name: 'a company outside the key\'s companies', key: key([activities], { limits: { companies: [1] } }), call: act({ res_model_id: 86, res_id: 2 }), env: { irModelName: (id) => (id === 86 ? 'res.company' : null) }, expect: { verdict: 'deny', limit: 'companies', reason: /vals\['res_id'\] \(of the model in 'res_model'\) links a record of the model ir\.model 86 names outside the key's limits/, detail: /puts records in company 2, outside the key's companies \(1\)/, hides: /compan/ } },
    { name: '... told as it is to a key that may read ir.model', key: key([activities, { model: 'ir.model', methods: ['read'], allow_sensitive: true }], { limits: { companies: [1] } }), call: act({ res_model_id: 86, res_id: 2 }), env: { irModelName: (id) => (id === 86 ? 'res.company' : null) }, expect: { verdict: 'deny', limit: 'companies', reason: /puts records in company 2/ } },
    { name: 'res_id sent as digits: that id, checked', key: key([activities, leads]), call: act({ res_model_id: 81, res_id: '7' }), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [7] }] } },
    { name: 'res_model_id that is not an id', key: key([activities, leads]), call: act({ res_model_id: '81', res_id: 7 }), expect: { verdict: 'deny', reason: /vals\['res_model_id'\]: "81" is not an ir\.model id/ } },
    { name: 'res_model_id False: no model, the id names no record (as an empty res_model)', key: key([activities, leads]), call: act({ res_model_id: false, res_id: 7 }), expect: { verdict: 'allow', checks: [] } },
    { name: 'every activity of a vals_list', key: key([activities, leads]), call: create([{ res_model_id: 81, res_id: 7 }, { res_model_id: 84, res_id: 2 }], 'mail.activity'), expect: { verdict: 'deny', reason: /^vals_list\[1\]\['res_id'\].*the model ir\.model 84 names, a sensitive model/, hides: /res\.users/, detail: /^vals_list\[1\]\['res_id'\].*res\.users/ } },
    { name: 'res_model and res_model_id both given: checked against each', key: key([{ ...activities, fields: [...activities.fields!, 'res_model'] }, leads, { model: 'ir.model', methods: ['write'], allow_sensitive: true }]), call: act({ res_model: 'crm.lead', res_model_id: 84, res_id: 2 }), expect: { verdict: 'deny', reason: /links a record of the model ir\.model 84 names, a sensitive model/, hides: /res\.users/, detail: /links a record of res\.users/ } },
    // defaults
    { name: 'default_res_model_id names the model of res_id', key: key([activities, leads]), call: act({ res_id: 7 }, { default_res_model_id: 81 }), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [7] }] } },
    { name: 'default_res_model_id with default_res_id on a sensitive model', key: key([activities, leads]), call: act({}, { default_res_model_id: 84, default_res_id: 2 }), expect: { verdict: 'deny', reason: /links a record of the model ir\.model 84 names/, hides: /res\.users/, detail: /links a record of res\.users/ } },
    { name: 'default_res_model_id that does not exist', key: key([activities, leads]), call: act({ res_id: 7 }, { default_res_model_id: 999 }), expect: { verdict: 'deny', reason: /ir\.model 999 does not exist/ } },
    // write: res_model_id alone re-points res_id
    { name: 'write: res_model_id alone re-points the current id', key: key([activities]), call: write([5], { res_model_id: 83 }, 'mail.activity'), expect: { verdict: 'deny', reason: /vals\['res_model_id'\] changes the model of the record mail\.activity\.res_id links without 'res_id'/ } },
    { name: 'write: res_id alone', key: key([activities, leads]), call: write([5], { res_id: 8 }, 'mail.activity'), expect: { verdict: 'deny', reason: /without 'res_model'/ } },
    { name: 'write: both: checked', key: key([activities, leads]), call: write([5], { res_model_id: 81, res_id: 8 }, 'mail.activity'), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [8] }] } },
    { name: 'write: both, a sensitive model', key: key([activities, leads]), call: write([5], { res_model_id: 84, res_id: 2 }, 'mail.activity'), expect: { verdict: 'deny', reason: /links a record of the model ir\.model 84 names/, hides: /res\.users/, detail: /links a record of res\.users/ } },
    { name: 'write: res_model_id False alone (no model)', key: key([activities]), call: write([5], { res_model_id: false }, 'mail.activity'), expect: { verdict: 'allow' } },
    // activity_ids lines: Odoo sets res_id to the parent, so res_model_id must name the parent's model
    { name: 'lines: res_model_id naming another model', key: key([leadLines, lineRule]), call: write([5], { activity_ids: [[0, 0, { summary: 's', res_model_id: 83 }]] }, 'crm.lead'), expect: { verdict: 'deny', reason: /activity_ids'\]\[0\].*\['res_model_id'\]: the line's 'res_id' is set to the crm\.lead record, so 'res_model_id' must name crm\.lead, and ir\.model 83 names another model/, hides: /hr\.employee/, detail: /activity_ids'\]\[0\].*\['res_model_id'\]: the line's 'res_id' is set to the crm\.lead record, so 'res_model_id' must name crm\.lead, not hr\.employee \(ir\.model 83\)/ } },
    { name: 'lines: res_model_id naming the parent\'s model', key: key([leadLines, lineRule]), call: write([5], { activity_ids: [[0, 0, { summary: 's', res_model_id: 81 }]] }, 'crm.lead'), expect: { verdict: 'allow' } },
    { name: 'lines: an ir.model id that does not exist', key: key([leadLines, lineRule]), call: write([5], { activity_ids: [[0, 0, { summary: 's', res_model_id: 999 }]] }, 'crm.lead'), expect: { verdict: 'deny', reason: /ir\.model 999 does not exist/ } },
    { name: 'lines: not read yet: asked for', key: key([leadLines, lineRule]), env: { irModelName: () => undefined }, call: write([5], { activity_ids: [[0, 0, { summary: 's', res_model_id: 81 }]] }, 'crm.lead'), expect: { verdict: 'need_schema', irModels: [81] } },
    { name: 'lines: default_res_model_id naming another model', key: key([{ ...leadLines, fields: ['activity_ids', 'res_model_id'] }, lineRule]), call: { ...write([5], { activity_ids: [[0, 0, { summary: 's' }]] }, 'crm.lead'), context: { default_res_model_id: 83 } }, expect: { verdict: 'deny', reason: /must name crm\.lead, and ir\.model 83 names another model/, hides: /hr\.employee/, detail: /must name crm\.lead, not hr\.employee/ } },
    // load: by database id, checked; by name or external id, not resolvable here: refused
    { name: 'load: res_model_id/.id and res_id, row by row', key: key([activities, leads]), call: load(['summary', 'res_model_id/.id', 'res_id'], [['a', '81', '7'], ['b', '84', '2']], 'mail.activity'), expect: { verdict: 'deny', reason: /load data\[1\]\['res_id'\] \(of the model in 'res_model'\) links a record of the model ir\.model 84 names/, hides: /res\.users/, detail: /load data\[1\]\['res_id'\] \(of the model in 'res_model'\) links a record of res\.users/ } },
    { name: 'load: res_model_id/.id checked', key: key([activities, leads]), call: load(['summary', 'res_model_id/.id', 'res_id'], [['a', '81', '7']], 'mail.activity'), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [7] }] } },
    { name: 'load: res_model_id/.id that does not exist', key: key([activities, leads]), call: load(['summary', 'res_model_id/.id', 'res_id'], [['a', '999', '7']], 'mail.activity'), expect: { verdict: 'deny', reason: /load data\[0\]\['res_model_id'\]: ir\.model 999 does not exist/ } },
    { name: 'load: res_model_id by name', key: key([activities, leads, { model: 'ir.model', methods: ['read'], allow_sensitive: true }]), call: load(['summary', 'res_model_id', 'res_id'], [['a', 'Lead/Opportunity', '7']], 'mail.activity'), expect: { verdict: 'deny', reason: /load column 'res_model_id' names the ir\.model of mail\.activity records by name, which the engine cannot resolve.*use 'res_model_id\/\.id'/ } },
    { name: 'load: res_model_id by external id', key: key([activities, leads]), call: load(['summary', 'res_model_id/id', 'res_id'], [['a', 'crm.model_crm_lead', '7']], 'mail.activity'), expect: { verdict: 'deny', reason: /load column 'res_model_id\/id' names the ir\.model of mail\.activity records by external id/ } },
    { name: 'load: default_res_model_id for the rows', key: key([activities, leads]), call: { ...load(['summary', 'res_id'], [['a', '2']], 'mail.activity'), context: { default_res_model_id: 84 } }, expect: { verdict: 'deny', reason: /load data\[0\]\['res_id'\].*the model ir\.model 84 names/, hides: /res\.users/, detail: /load data\[0\]\['res_id'\].*res\.users/ } },
  ];
  runCases(cases);
});

// load's one2many columns create lines (crm.lead's activity_ids, mail.activity's res_id) with the
// parent's id in their many2one_reference inverse; the model half cannot come from a column (refused
// above), but the context's default_<field> applies to the lines Odoo creates (default_get), as it
// does to command 0 lines: it must name the imported model, or the line links another model's record
// that has the parent's id (chosen by a '.id' column that updates an existing record).
test('closed: load lines take the context\'s default model field, which must name the imported model', () => {
  const leadsLoad: Rule = { model: 'crm.lead', methods: ['load'] };
  const anyActivity: Rule = { model: 'mail.activity', methods: ['create'] };
  const anyMessage: Rule = { model: 'mail.message', methods: ['create'] };
  const withMessages = (m: string) => (m === 'crm.lead' ? { ...SCHEMAS['crm.lead'], message_ids: { type: 'one2many', relation: 'mail.message', relation_field: 'res_id' } } : SCHEMAS[m]);
  const lines = (fields: string[], data: RpcValue[][], context: Record<string, RpcValue>) => ({ ...load(fields, data, 'crm.lead'), context });
  const k = key([leadsLoad, anyActivity, anyMessage]);
  const cases: Case[] = [
    { name: 'default_res_model_id naming crm.lead: allowed', key: k, call: lines(['name', 'activity_ids/summary'], [['a', 's']], { default_res_model_id: 81 }), expect: { verdict: 'allow' } },
    { name: 'default_res_model_id naming res.partner', key: k, call: lines(['name', 'activity_ids/summary'], [['a', 's']], { default_res_model_id: 82 }), expect: { verdict: 'deny', reason: /^load column 'activity_ids' \(creates mail\.activity lines\): context\['default_res_model_id'\]: the line's 'res_id' is set to the crm\.lead record, so 'res_model_id' must name crm\.lead, and ir\.model 82 names another model/, hides: /res\.partner/, detail: /^load column 'activity_ids' \(creates mail\.activity lines\): context\['default_res_model_id'\]: the line's 'res_id' is set to the crm\.lead record, so 'res_model_id' must name crm\.lead, not res\.partner \(ir\.model 82\)/ } },
    { name: 'default_res_model_id naming res.users, rows updating leads by .id', key: key([{ model: 'crm.lead', methods: ['load', 'write'] }, anyActivity, anyMessage]), call: lines(['.id', 'activity_ids/summary'], [['2', 's']], { default_res_model_id: 84 }), expect: { verdict: 'deny', reason: /context\['default_res_model_id'\]: .*must name crm\.lead, and ir\.model 84 names another model/, hides: /res\.users/, detail: /context\['default_res_model_id'\]: .*not res\.users \(ir\.model 84\)/ } },
    { name: 'default_res_model_id that does not exist', key: k, call: lines(['name', 'activity_ids/summary'], [['a', 's']], { default_res_model_id: 999 }), expect: { verdict: 'deny', reason: /ir\.model 999 does not exist or cannot be read/ } },
    { name: 'default_res_model_id not read yet: asked for', key: k, env: { irModelName: () => undefined }, call: lines(['name', 'activity_ids/summary'], [['a', 's']], { default_res_model_id: 82 }), expect: { verdict: 'need_schema', irModels: [82] } },
    { name: 'default_res_model naming res.partner', key: key([leadsLoad, anyActivity, anyMessage, { model: 'ir.model', methods: ['write'], allow_sensitive: true }]), call: lines(['name', 'activity_ids/summary'], [['a', 's']], { default_res_model: 'res.partner' }), expect: { verdict: 'deny', reason: /context\['default_res_model'\]: the line's 'res_id' is set to the crm\.lead record, so 'res_model' must be 'crm\.lead', not 'res\.partner'/ } },
    { name: 'mail.message lines with default_model res.partner', key: k, env: { schema: withMessages }, call: lines(['name', 'message_ids/body'], [['a', 'b']], { default_model: 'res.partner' }), expect: { verdict: 'deny', reason: /^load column 'message_ids' \(creates mail\.message lines\): context\['default_model'\]: the line's 'res_id' is set to the crm\.lead record, so 'model' must be 'crm\.lead', not 'res\.partner'/ } },
    { name: 'mail.message lines with default_model crm.lead: allowed', key: k, env: { schema: withMessages }, call: lines(['name', 'message_ids/body'], [['a', 'b']], { default_model: 'crm.lead' }), expect: { verdict: 'allow' } },
  ];
  runCases(cases);
});

// The upstream check's refusal goes to the client as it is: where an ir.model id named the model,
// it must not name the model (nor the rule on it, whose label names it) to a key that may not read ir.model.
test('an activity set through res_model_id: the check\'s refusal does not tell which model the ir.model id names', () => {
  const activities: Rule = { model: 'mail.activity', methods: ['create'], fields: ['summary', 'res_model_id', 'res_id', 'activity_type_id'] };
  const call = (vals: Record<string, RpcValue>) => create({ summary: 'Call back', activity_type_id: 2, ...vals }, 'mail.activity');
  for (const { shape, call: c } of shapes(call({ res_model_id: 81, res_id: 7 }))) {
    const d = decide(key([activities, leads]), c, env());
    assert.equal(d.verdict, 'allow', shape);
    if (d.verdict !== 'allow') continue;
    assert.deepEqual(d.checks.map((k) => k.model), ['crm.lead'], shape);
    assert.match(d.checks[0]!.reason, /links a record of the model ir\.model 81 names outside the domains of the key's rules on it/, shape);
    assert.doesNotMatch(d.checks[0]!.reason, /crm\.lead/, `${shape}: the check's refusal names the model`);
    // A key that may read ir.model is told the rule, as before.
    const told = decide(key([activities, leads, { model: 'ir.model', methods: ['read'], allow_sensitive: true }]), c, env());
    assert.equal(told.verdict, 'allow', shape);
    if (told.verdict === 'allow') assert.match(told.checks[0]!.reason, /links crm\.lead records outside the domain of rule 1/, shape);
    // The model named by the client (res_model) is its own: told as before.
    const named = decide(key([attachments, leads]), shapes(create({ name: 'a', res_model: 'crm.lead', res_id: 7 }))[0]!.call, env());
    assert.equal(named.verdict, 'allow', shape);
    if (named.verdict === 'allow') assert.match(named.checks[0]!.reason, /links crm\.lead records outside/, shape);
  }
});
