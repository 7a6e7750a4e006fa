// Review (review5) of res.users' own writes of its partner (PARENT_SYNC) and of load's '.id' cells
// Python reads as false, as an attacker: each case is one way of reaching those writes, with the
// verdict Odoo's behaviour requires. res_users.py read on 19.0 (odoo/addons/base/models/res_users.py:
// create, write) and on 17.0/18.0 (write's toggle_active of archived partners); load read in
// odoo/orm/models.py (19.0: _extract_records, _convert_records `if record.get('.id')`, load).
import { test } from 'node:test';
import type { ModelSchema, Rule } from '../../src/policy/types.js';
import type { RpcStruct, RpcValue } from '../../src/rpc/values.js';
import { PyFloat } from '../../src/rpc/values.js';
import { key, runCases, type CallSpec } from './support.js';
import { standinSchemas } from '../learn/support.js';

const users: Rule = { model: 'res.users', methods: ['create', 'write', 'copy', 'load', 'web_save', 'name_create'], allow_sensitive: true };
const partnerCreate: Rule = { model: 'res.partner', methods: ['create'] };
const partnerWrite = (fields?: string[], domain?: RpcValue[]): Rule => ({ model: 'res.partner', methods: ['write'], ...(fields ? { fields } : {}), ...(domain ? { domain } : {}) });
const both = partnerWrite(['active', 'company_id']);
const create = (vals: RpcStruct, context?: RpcStruct): CallSpec => ({ model: 'res.users', method: 'create', params: [['vals_list', [vals]]], ...(context ? { context } : {}) });
const write = (vals: RpcStruct, ids = [6]): CallSpec => ({ model: 'res.users', method: 'write', ids, params: [['vals', vals]] });
const load = (model: string, fields: string[], data: RpcValue[][], context?: RpcStruct): CallSpec => ({ model, method: 'load', params: [['fields', fields], ['data', data]], ...(context ? { context } : {}) });
const served = { schema: standinSchemas(19), version: 19 as const };

test('review5: res.users create on a partner, in every spelling of the partner (19.0)', () => runCases([
  // Many2one values: an integral float is that id (Odoo's create casts it in SQL); others refused.
  { name: 'partner_id 9.0 is partner 9: its active and company_id written', key: key([users, partnerCreate]), env: served, call: create({ login: 'ann', partner_id: 9.0 }), expect: { verdict: 'deny', reason: /creating res\.users on res\.partner record 9.*needs write on res\.partner \('active', 'company_id'\)/ } },
  ...(['9', [9, 'Azure'], true, { id: 9 }] as RpcValue[]).map((v) => ({ name: `partner_id ${JSON.stringify(v)}: refused, not read as no partner`, key: key([users, partnerCreate]), env: served, call: create({ login: 'ann', partner_id: v }), expect: { verdict: 'deny' as const, reason: /many2one value must be a record id/ } })),
  // partner_id False in the values: BaseModel.create makes a partner (a default_partner_id fills
  // only missing keys), judged as created.
  { name: 'partner_id false: a partner is created, create on res.partner is enough', key: key([users, partnerCreate]), env: served, call: create({ login: 'ann', partner_id: false }, { default_partner_id: 9 }), expect: { verdict: 'allow', checks: [] } },
  // default_active false makes the user, so the named partner, archived.
  { name: 'default_active false on a named partner: judged archived against the write rule\'s domain', key: key([users, partnerWrite(['active', 'company_id'], [['active', '=', true]])]), env: served, call: create({ login: 'ann', partner_id: 9 }, { default_active: false }), expect: { verdict: 'deny', reason: /res\.partner record 9.*would move the records out/ } },
  { name: 'name_create under default_partner_id: the user is created on it (write on every field)', key: key([users, partnerCreate, both]), env: served, call: { model: 'res.users', method: 'name_create', params: [['name', 'Ann']], context: { default_partner_id: 9 } }, expect: { verdict: 'deny', reason: /needs write on res\.partner \(every field\)/ } },
  // One2many command 0 lines get the owner in their inverse, whatever the line says.
  { name: 'user_ids command 0 naming another partner: created on the owner (9)', key: key([partnerWrite(['user_ids']), users]), env: served, call: { model: 'res.partner', method: 'write', ids: [9], params: [['vals', { user_ids: [[0, 0, { login: 'ann', partner_id: 10 }]] }]] }, expect: { verdict: 'deny', reason: /creating res\.users on res\.partner record 9, which its partner_id names/ } },
  { name: '... allowed with write on active and company_id, partner 9 checked', key: key([partnerWrite(['user_ids'], [['customer_rank', '>', 0]]), users, both]), env: served, call: { model: 'res.partner', method: 'write', ids: [9], params: [['vals', { user_ids: [[0, 0, { login: 'ann' }]] }]] }, expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [9] }] } },
  // Stricter than Odoo (scopes.md known limits): the line's user writes the partner the call creates.
  { name: 'stricter: a user_ids line on a partner being created needs write on active and company_id', key: key([{ ...partnerCreate, fields: ['name', 'user_ids'] }, users]), env: served, call: { model: 'res.partner', method: 'create', params: [['vals_list', [{ name: 'P', user_ids: [[0, 0, { login: 'ann' }]] }]]] }, expect: { verdict: 'deny', reason: /the res\.partner record the line's partner_id names \(the record being created\).*needs write on res\.partner \('active', 'company_id'\)/ } },
  // copy: default partner_id names the partner (written), partner_id false makes a new one.
  { name: 'copy with default partner_id 9: allowed with write on both, no domain', key: key([users, partnerCreate, both]), env: served, call: { model: 'res.users', method: 'copy', ids: [6], params: [['default', { login: 'ann2', partner_id: 9 }]] }, expect: { verdict: 'allow' } },
  // Stricter than Odoo (scopes.md known limits): copy_data copies no partner when default names
  // one, yet the copy still needs create on res.partner (copyParents does not look at default).
  { name: '... stricter: create on res.partner still needed', key: key([users, both]), env: served, call: { model: 'res.users', method: 'copy', ids: [6], params: [['default', { login: 'ann2', partner_id: 9 }]] }, expect: { verdict: 'deny', reason: /copies their res\.partner \(partner_id\), every field of it: that needs create on res\.partner/ } },
  { name: 'copy with default partner_id false: a new partner (create on res.partner)', key: key([users]), env: served, call: { model: 'res.users', method: 'copy', ids: [6], params: [['default', { login: 'ann2', partner_id: false }]] }, expect: { verdict: 'deny', reason: /needs create on res\.partner/ } },
  { name: 'copy under a partner create rule with a domain: the copied partner cannot be judged', key: key([users, { ...partnerCreate, domain: [['active', '=', true]] }]), env: served, call: { model: 'res.users', method: 'copy', ids: [6], params: [] }, expect: { verdict: 'deny', reason: /cannot be checked against/ } },
  // load: partners named by name or external id, and rows mixing updates and creates.
  ...([['partner_id', 'Azure Interior'], ['partner_id/id', 'base.res_partner_1'], ['partner_id/.id', '9']] as const).map(([col, cell]) => ({ name: `load column ${col}: rows naming a partner need write on both without a domain`, key: key([users, partnerCreate, partnerWrite(['active', 'company_id'], [['customer_rank', '>', 0]])]), env: served, call: load('res.users', ['login', col], [['ann', cell]]), expect: { verdict: 'deny' as const, reason: /load column 'partner_id': rows naming res\.partner records create res\.users records on them/ } })),
  { name: 'load: an update row beside a create row naming a partner', key: key([users, partnerCreate]), env: served, call: load('res.users', ['.id', 'login', 'partner_id/.id'], [['6', 'x', ''], ['', 'ann', '9']]), expect: { verdict: 'deny', reason: /rows naming res\.partner records create res\.users records on them/ } },
]));

test('review5: res.users write of active / company_id, in every spelling (19.0)', () => runCases([
  // `if vals.get('active')`: Python's truth of the raw value.
  ...(['0', 1, [0], 'False'] as RpcValue[]).map((v) => ({ name: `active ${JSON.stringify(v)} is true in Python: unarchives the partners`, key: key([users]), env: served, call: write({ active: v }), expect: { verdict: 'deny' as const, reason: /unarchives the users' res\.partner records/ } })),
  ...([[], null, 0, ''] as RpcValue[]).map((v) => ({ name: `active ${JSON.stringify(v)} is false in Python: no partner written`, key: key([users]), env: served, call: write({ active: v }), expect: { verdict: 'allow' as const } })),
  // `if 'company_id' in vals`: any value, False included.
  { name: 'company_id false is still in vals: the partners are written', key: key([users]), env: served, call: write({ company_id: false }), expect: { verdict: 'deny', reason: /moves the users' res\.partner records/ } },
  { name: 'web_save_multi on users: the same', key: key([{ ...users, methods: ['web_save_multi'] }]), env: served, call: { model: 'res.users', method: 'web_save_multi', ids: [6], params: [['vals_list', [{ active: true }]], ['specification', {}]] }, expect: { verdict: 'deny', reason: /unarchives the users' res\.partner records/ } },
  { name: 'command 1 on a partner\'s user_ids writing company_id', key: key([partnerWrite(['user_ids']), users]), env: served, call: { model: 'res.partner', method: 'write', ids: [9], params: [['vals', { user_ids: [[1, 6, { company_id: 2 }]] }]] }, expect: { verdict: 'deny', reason: /command 1 updates res\.users\)\['company_id'\]: Odoo's res\.users write of 'company_id' moves/ } },
  // Stricter than Odoo (scopes.md known limits): load cells are text, not evaluated.
  { name: 'stricter: a load update with active \'False\' still needs write on res.partner active', key: key([users]), env: served, call: load('res.users', ['.id', 'active'], [['6', 'False']]), expect: { verdict: 'deny', reason: /needs write on res\.partner \('active'\)/ } },
  { name: 'load update by .id with company_id/id', key: key([users]), env: served, call: load('res.users', ['.id', 'company_id/id'], [['6', 'base.main_company']]), expect: { verdict: 'deny', reason: /writes the users' res\.partner records\) needs write on res\.partner \('company_id'\)/ } },
  // toggle_active, action_archive, action_unarchive are outside the standard table: no preset
  // holds them (19.0's action_unarchive writes active, 16.0-18.0's toggle_active also toggles
  // archived partners); a rule naming them is trusted with what they do (a documented limit).
  ...['toggle_active', 'action_unarchive', 'action_archive'].map((m) => ({ name: `${m} is not in the write preset`, key: key([users]), env: served, call: { model: 'res.users', method: m, ids: [6] }, expect: { verdict: 'deny' as const, reason: /no rule allows/ } })),
]));

// The hole: a related field whose path ends on res.users' active or company_id writes the user
// (Field._inverse_related: `target[field.name] = value`, ResUsers.write), which then writes the
// users' partners; the related write was judged on res.users alone.
const linked: ModelSchema = {
  user_id: { type: 'many2one', relation: 'res.users' },
  x_user_active: { type: 'boolean', related: 'user_id.active', readonly: false },
  x_user_company_id: { type: 'many2one', relation: 'res.company', related: 'user_id.company_id', readonly: false },
  x_user_login: { type: 'char', related: 'user_id.login', readonly: false },
};
const withLinked = { schema: (m: string) => (m === 'x_user_link' ? linked : standinSchemas(19)(m)), version: 19 as const };
const linkRule: Rule = { model: 'x_user_link', methods: ['write', 'create', 'load'] };
const linkWrite = (vals: RpcStruct): CallSpec => ({ model: 'x_user_link', method: 'write', ids: [3], params: [['vals', vals]] });

test('review5: a related field ending on res.users active / company_id writes the users\' partners (19.0)', () => runCases([
  { name: 'related user_id.active written true: unarchives the user\'s partner', key: key([linkRule, users]), env: withLinked, call: linkWrite({ x_user_active: true }), expect: { verdict: 'deny', reason: /x_user_active'\] \(related to user_id\.active\)\['active'\]: Odoo's res\.users write of a true 'active' unarchives the users' res\.partner records \(partner_id\) needs write on res\.partner \('active'\)/ } },
  { name: '... allowed with write on res.partner active, no domain', key: key([linkRule, users, partnerWrite(['active'])]), env: withLinked, call: linkWrite({ x_user_active: true }), expect: { verdict: 'allow' } },
  { name: '... written false: no partner written', key: key([linkRule, users]), env: withLinked, call: linkWrite({ x_user_active: false }), expect: { verdict: 'allow' } },
  { name: 'related user_id.company_id: moves the user\'s partner', key: key([linkRule, users]), env: withLinked, call: linkWrite({ x_user_company_id: 1 }), expect: { verdict: 'deny', reason: /Odoo's res\.users write of 'company_id' moves the users' res\.partner records .*needs write on res\.partner \('company_id'\)/ } },
  { name: 'created with it: the related field writes the linked user too', key: key([linkRule, users]), env: withLinked, call: { model: 'x_user_link', method: 'create', params: [['vals_list', [{ user_id: 6, x_user_active: true }]]] }, expect: { verdict: 'deny', reason: /unarchives the users' res\.partner records/ } },
  { name: 'a load column of it (its cells text: judged as true)', key: key([linkRule, users]), env: withLinked, call: load('x_user_link', ['.id', 'x_user_active'], [['3', 'True']]), expect: { verdict: 'deny', reason: /load column 'x_user_active' \(related to user_id\.active\)\['active'\]: Odoo's res\.users write of a true 'active' unarchives/ } },
  { name: 'another related field of res.users writes no partner', key: key([linkRule, users]), env: withLinked, call: linkWrite({ x_user_login: 'ann' }), expect: { verdict: 'allow' } },
]));

// load's '.id' cells: 19.0's _convert_records takes one only where Python reads it as true; a row
// without one creates. The falsy spellings of each protocol (JSON null, false, 0, 0.0, [], {}, '';
// XML-RPC <double>0.0</double>, <nil/>, an empty array or struct) and rows shorter than the columns.
const falsy: [string, RpcValue][] = [['empty text', ''], ['false', false], ['null', null], ['0', 0], ['0.0 (a double)', new PyFloat(0)], ['[]', []], ['{}', {}]];
const loader: Rule = { model: 'product.product', methods: ['load', 'write'] };
const templateWrites: Rule = { model: 'product.template', methods: ['write'] };
const partnerWrites = partnerWrite();

test("review5: load '.id' cells Python reads as false create, on _inherits models and others", () => runCases([
  ...falsy.flatMap(([label, cell]) => [
    { name: `product.product '.id' ${label} in every row: the template is created`, key: key([loader, templateWrites]), call: load('product.product', ['.id', 'name'], [[cell, 'Chair']]), expect: { verdict: 'deny' as const, reason: /rows creating product\.product records also create their product\.template \(product_tmpl_id\) with 'name' needs create on product\.template/ } },
    { name: `product.product: an update row, then '.id' ${label}`, key: key([loader, templateWrites]), call: load('product.product', ['.id', 'name'], [['4', 'Chair'], [cell, 'Desk']]), expect: { verdict: 'deny' as const, reason: /also create their product\.template/ } },
    { name: `res.users '.id' ${label}: the partner is created`, key: key([{ ...users, methods: ['load', 'write'] }, partnerWrites]), env: served, call: load('res.users', ['.id', 'login', 'name'], [[cell, 'ann', 'Ann']]), expect: { verdict: 'deny' as const, reason: /rows creating res\.users records also create their res\.partner \(partner_id\) with 'name' needs create on res\.partner/ } },
    { name: `res.users '.id' ${label} on a named partner: its active and company_id written`, key: key([{ ...users, methods: ['load', 'write'] }, partnerWrite(['name'])]), env: served, call: load('res.users', ['.id', 'login', 'partner_id/.id'], [[cell, 'ann', '9']]), expect: { verdict: 'deny' as const, reason: /rows naming res\.partner records create res\.users records on them/ } },
    // Without _inherits the row creates a record: load itself allows that, no write needed. Stricter
    // than 19.0 (scopes.md known limits): a 0, 0.0, [] or {} cell is taken as naming a record.
    cell === '' || cell === false || cell === null
      ? { name: `crm.lead '.id' ${label}: a create, which a rule naming load allows`, key: key([{ model: 'crm.lead', methods: ['load'] }]), call: load('crm.lead', ['.id', 'name'], [[cell, 'X']]), expect: { verdict: 'allow' as const } }
      : { name: `crm.lead '.id' ${label}: stricter, judged as an update (write needed)`, key: key([{ model: 'crm.lead', methods: ['load'] }]), call: load('crm.lead', ['.id', 'name'], [[cell, 'X']]), expect: { verdict: 'deny' as const, reason: /rows naming existing crm\.lead records update them\) needs write on crm\.lead/ } },
  ]),
  { name: 'product.product: a row shorter than the columns has no \'.id\' (creates)', key: key([loader, templateWrites]), call: load('product.product', ['.id', 'name'], [['4', 'Chair'], []]), expect: { verdict: 'deny', reason: /also create their product\.template/ } },
  // Cells Python reads as true: int() of them names a record (' 4', '٤', '4_0' are ints to
  // Python, True is 1) or fails the row ('0', ' ', 'False'): a write on the model either way.
  ...(['4', ' 4', 4, '٤', '4_0', true, '0', ' ', 'False'] as RpcValue[]).map((cell) => ({ name: `crm.lead '.id' ${JSON.stringify(cell)}: an update, write needed`, key: key([{ model: 'crm.lead', methods: ['load', 'create'] }]), call: load('crm.lead', ['.id', 'name'], [[cell, 'X']]), expect: { verdict: 'deny' as const, reason: /load column '\.id' \(rows naming existing crm\.lead records update them\) needs write on crm\.lead/ } })),
  ...(['٤', '4_0', true] as RpcValue[]).map((cell) => ({ name: `crm.lead '.id' ${JSON.stringify(cell)} under a domain: refused (the record is not known)`, key: key([{ model: 'crm.lead', methods: ['load', 'write'], domain: [['type', '=', 'lead']] }]), call: load('crm.lead', ['.id', 'name'], [[cell, 'X']]), expect: { verdict: 'deny' as const, reason: /updates existing records by id/ } })),
]));
