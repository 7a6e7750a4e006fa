// Shared by the policy tests: schemas of a small CRM/sales database, an environment, and the four
// ways a client can shape the same call (execute_kw with positional arguments, execute_kw with
// keyword arguments, execute with positional arguments only, JSON-2 named parameters).

import assert from 'node:assert/strict';
import type { OdooCall } from '../../src/rpc/call.js';
import type { RpcStruct, RpcValue } from '../../src/rpc/values.js';
import type { Decision, DecideEnv, KeyScope, ModelSchema, Rule } from '../../src/policy/types.js';
import { decide } from '../../src/policy/decide.js';
import { bindCall } from '../../src/policy/bind.js';
import { signatureOf } from '../../src/policy/methods.js';

const m2o = (relation: string) => ({ type: 'many2one', relation });
const o2m = (relation: string, relation_field: string) => ({ type: 'one2many', relation, relation_field });
const m2m = (relation: string) => ({ type: 'many2many', relation });
const char = { type: 'char' };

/** Fields inherited through an _inherits link: each the parent's, related '<link>.<name>' (filled in below, once the parents are known). */
function inherits(link: string, names: string[]): ModelSchema {
  return Object.fromEntries(names.map((n) => [n, { type: '', related: `${link}.${n}` }]));
}

export const SCHEMAS: Record<string, ModelSchema> = {
  'crm.lead': {
    name: char, email_from: char, phone: char, description: { type: 'html' }, display_name: char, type: { type: 'selection' },
    stage_id: m2o('crm.stage'), partner_id: m2o('res.partner'), user_id: m2o('res.users'), company_id: m2o('res.company'),
    tag_ids: m2m('crm.tag'), activity_ids: o2m('mail.activity', 'res_id'), expected_revenue: { type: 'monetary' },
    date_deadline: { type: 'date' }, create_date: { type: 'datetime' }, write_date: { type: 'datetime' }, active: { type: 'boolean' },
    partner_email: { type: 'char', related: 'partner_id.email' }, lead_properties: { type: 'properties' },
    probability: { type: 'float', depends: ['stage_id'], readonly: false }, priority: { type: 'selection' }, color: { type: 'integer' },
    message_partner_ids: m2m('res.partner'),
  },
  'res.partner': {
    name: char, email: char, phone: char, display_name: char, customer_rank: { type: 'integer' }, vat: char,
    parent_id: m2o('res.partner'), child_ids: o2m('res.partner', 'parent_id'), user_id: m2o('res.users'),
    category_id: m2m('res.partner.category'), company_id: m2o('res.company'),
    is_company: { type: 'boolean' }, company_type: { type: 'selection', depends: ['is_company'] },
  },
  'sale.order': {
    name: char, state: { type: 'selection' }, amount_total: { type: 'monetary', depends: ['order_line.price_subtotal'], readonly: true }, date_order: { type: 'datetime' }, display_name: char,
    partner_id: m2o('res.partner'), user_id: m2o('res.users'), order_line: o2m('sale.order.line', 'order_id'), tag_ids: m2m('crm.tag'),
  },
  'sale.order.line': {
    name: char, product_uom_qty: { type: 'float' }, price_unit: { type: 'float' }, price_subtotal: { type: 'monetary', depends: ['product_uom_qty', 'price_unit', 'tax_id'], readonly: true }, order_id: m2o('sale.order'),
    product_id: m2o('product.product'), tax_id: m2m('account.tax'),
  },
  // _inherits as Odoo declares it (product.product inherits product.template through product_tmpl_id,
  // res.users res.partner through partner_id): the link required, the parent's fields the child does
  // not define itself related '<link>.<same name>' with the parent field's readonly.
  'product.product': {
    product_tmpl_id: { ...m2o('product.template'), required: true }, default_code: char, barcode: char, active: { type: 'boolean' }, display_name: char,
    ...inherits('product_tmpl_id', ['name', 'list_price', 'categ_id', 'description_sale', 'sale_ok', 'type', 'company_id', 'product_variant_ids']),
  },
  'product.template': {
    name: char, display_name: char, default_code: char, active: { type: 'boolean' }, list_price: { type: 'float' }, categ_id: m2o('product.category'), description_sale: { type: 'text' },
    sale_ok: { type: 'boolean' }, type: { type: 'selection' }, company_id: m2o('res.company'), product_variant_ids: o2m('product.product', 'product_tmpl_id'),
  },
  'product.category': { name: char, display_name: char },
  'account.tax': { name: char, amount: { type: 'float' } },
  'crm.stage': { name: char, sequence: { type: 'integer' }, display_name: char },
  'crm.tag': { name: char, color: { type: 'integer' }, display_name: char },
  'res.users': {
    login: char, display_name: char, partner_id: { ...m2o('res.partner'), required: true }, company_id: m2o('res.company'),
    ...inherits('partner_id', ['name', 'email', 'phone', 'customer_rank', 'vat', 'parent_id', 'child_ids', 'user_id', 'category_id', 'is_company', 'company_type']),
  },
  'res.company': { name: char, display_name: char },
  // As Odoo 16-19 declare them: res_id = Many2oneReference(model_field=...); mail.activity's res_model
  // is related to res_model_id.model.
  'mail.activity': { summary: char, note: { type: 'html' }, activity_type_id: m2o('mail.activity.type'), date_deadline: { type: 'date' }, user_id: m2o('res.users'), res_id: { type: 'many2one_reference', model_field: 'res_model' }, res_model: { type: 'char', related: 'res_model_id.model', readonly: true }, res_model_id: m2o('ir.model'), origin_ref: { type: 'reference' } },
  'mail.message': { body: { type: 'html' }, subject: char, model: char, res_id: { type: 'many2one_reference', model_field: 'model' }, partner_ids: m2m('res.partner') },
  'ir.attachment': { name: char, res_model: char, res_id: { type: 'many2one_reference', model_field: 'res_model' } },
  'ir.model': { model: char, name: char },
  'hr.employee': { name: char },
  'x_saas_stats': { x_name: char, x_value: { type: 'integer' } },
};

// Inherited fields take the parent field's type, comodel and readonly (BaseModel._add_inherited_fields).
for (const child of Object.values(SCHEMAS)) {
  for (const [name, info] of Object.entries(child)) {
    if (info.type !== '' || !info.related) continue;
    const [link] = info.related.split('.');
    const parent = SCHEMAS[child[link!]!.relation!]![name]!;
    child[name] = { ...parent, related: info.related };
  }
}

/** ir.model ids and the models they name (ir.model's `model`), as the proxy reads them; an id not here does not exist. */
export const IR_MODELS: Record<number, string> = { 81: 'crm.lead', 82: 'res.partner', 83: 'hr.employee', 84: 'res.users', 85: 'sale.order', 90: 'crm.lead' };

/** External ids and the records they name (ir.model.data's model and res_id), as the proxy looks them up; one not here does not exist. */
export const XMLIDS: Record<string, { model: string; id: number }> = {
  'base.main_company': { model: 'res.company', id: 1 },
  'base.company_2': { model: 'res.company', id: 2 },
  'base.main_partner': { model: 'res.partner', id: 1 },
  'base.res_partner_1': { model: 'res.partner', id: 9 },
  'base.res_partner_2': { model: 'res.partner', id: 10 },
  '__export__.res_partner_7_0a1b2c3d': { model: 'res.partner', id: 7 },
  '__import__.contact_1': { model: 'res.partner', id: 21 },
  '__import__.lead_4': { model: 'crm.lead', id: 4 },
  '__export__.crm_lead_4_0a1b2c3d': { model: 'crm.lead', id: 4 },
  'crm.tag_1': { model: 'crm.tag', id: 1 },
  '__import__.tag_2': { model: 'crm.tag', id: 2 },
  '__export__.crm_tag_3_aa': { model: 'crm.tag', id: 3 },
  'product.product_product_4': { model: 'product.product', id: 4 },
  'product.product_template_4': { model: 'product.template', id: 4 },
  'account.tax_21': { model: 'account.tax', id: 21 },
  'crm.model_crm_lead': { model: 'ir.model', id: 81 },
};

export function env(over: Partial<DecideEnv> = {}): DecideEnv {
  return { ip: '203.0.113.7', now: new Date('2026-11-30T10:00:00Z'), version: 18, schema: (m) => SCHEMAS[m], irModelName: (id) => IR_MODELS[id] ?? null, externalId: (x) => XMLIDS[x] ?? null, ...over };
}

export function key(rules: Rule[], more: Partial<KeyScope> = {}): KeyScope {
  return { id: '7f3a9c2e', name: 'test-key', rules, limits: {}, ...more };
}

/** Python defaults used to fill gaps when a call is written with positional arguments only. */
const DEFAULTS: Record<string, RpcValue> = {
  domain: [], args: null, fields: null, offset: 0, limit: null, order: null, count: false, load: '_classic_read', name: '',
  operator: 'ilike', allfields: null, attributes: null, groupby: [], orderby: false, lazy: true, specification: {},
  count_limit: null, field_names: null, default: null, aggregates: [], having: [], next_id: null, fields_list: null,
};

export type Shape = 'execute_kw positional' | 'execute_kw keyword' | 'execute' | 'json2';

export interface CallSpec {
  model: string;
  method: string;
  /** Record ids (record methods). */
  ids?: RpcValue;
  /** Parameters by name; for methods outside the table, in positional order. */
  params?: [string, RpcValue][];
  context?: RpcStruct;
}

const SECRET = 'odk_7f3a9c2e_S3cretS3cretS3cretS3cretS3cretS3cretS3c';

/** The same call in every shape a client can use (execute cannot carry a context: left out then). */
export function shapes(spec: CallSpec, version = 18): { shape: Shape; call: OdooCall }[] {
  const sig = signatureOf(spec.method, version);
  const named: RpcStruct = Object.fromEntries(spec.params ?? []);
  const head = { db: 'odoo', uid: 8, credential: SECRET, model: spec.model, method: spec.method };
  const idsArgs = spec.ids !== undefined ? [spec.ids] : [];
  let positional: RpcValue[];
  if (sig) {
    const order = sig.params;
    const given = (spec.params ?? []).map(([k]) => k);
    const keywordOnly = given.filter((k) => !order.includes(k));
    const last = Math.max(-1, ...given.filter((k) => order.includes(k)).map((k) => order.indexOf(k)));
    positional = order.slice(0, last + 1).map((k) => {
      if (k in named) return named[k]!;
      if (!(k in DEFAULTS)) throw new Error(`no default for ${k}`);
      return DEFAULTS[k]!;
    });
    if (keywordOnly.length) positional = []; // keyword-only parameters: the positional shapes cannot carry them
  } else positional = (spec.params ?? []).map(([, v]) => v);
  const out: { shape: Shape; call: OdooCall }[] = [];
  const ctx: RpcStruct = spec.context !== undefined ? { context: spec.context } : {};
  const kwOnly = sig ? (spec.params ?? []).some(([k]) => !sig.params.includes(k)) : false;
  if (!kwOnly) out.push({ shape: 'execute_kw positional', call: { protocol: 'xmlrpc', entry: 'execute_kw', ...head, args: [...idsArgs, ...positional], kwargs: { ...ctx } } });
  out.push({ shape: 'execute_kw keyword', call: { protocol: 'jsonrpc', entry: 'execute_kw', ...head, args: [...idsArgs], kwargs: { ...named, ...ctx } } });
  if (spec.context === undefined && !kwOnly) out.push({ shape: 'execute', call: { protocol: 'xmlrpc', entry: 'execute', ...head, args: [...idsArgs, ...positional], kwargs: {} } });
  const j: OdooCall = { protocol: 'json2', entry: 'json2', db: 'odoo', uid: null, credential: SECRET, model: spec.model, method: spec.method, args: [], kwargs: { ...named } };
  if (spec.ids !== undefined) j.ids = spec.ids;
  if (spec.context !== undefined) j.context = spec.context;
  out.push({ shape: 'json2', call: j });
  return out;
}

export interface Expect {
  verdict: Decision['verdict'];
  /** Matched against what the client is told. */
  reason?: RegExp;
  /** Matched against the full reason the journal keeps (`detail`); given, the decision must have one. */
  detail?: RegExp;
  /** Must not match what the client is told: facts read upstream that the key may not read. */
  hides?: RegExp;
  rule?: number;
  limit?: string;
  /** Parameters of the forwarded call (bound by name, whatever the shape) that must equal these. */
  params?: Record<string, RpcValue>;
  context?: RpcValue;
  /** The checks in order; a links_in_domain check also names the field and its comodel, and the ids it sets the links to when it does. */
  checks?: ({ model: string; ids: number[] } | { model: string; ids: number[]; field: string; comodel: string; set?: number[]; rows?: { id: number; ids: number[] }[]; adds?: boolean })[];
  /** The domains of the checks, in the same order (compared only when given). */
  checkDomains?: RpcValue[][];
  redactions?: ({ fields: string[]; comodel: string | undefined; domain?: RpcValue[] } | { properties: string[] })[];
  models?: string[];
  /** need_schema: the ir.model ids whose model the proxy must read. */
  irModels?: number[];
  /** need_schema: the external ids the proxy must look up. */
  xmlids?: string[];
}

/** Decides the call in every shape and checks each decision against the expectation. */
export function expectDecision(k: KeyScope, spec: CallSpec, e: Expect, over: Partial<DecideEnv> = {}, label = ''): void {
  const en = env(over);
  for (const { shape, call } of shapes(spec, en.version)) {
    const frozen = JSON.stringify(call);
    const d = decide(k, call, en);
    const where = `${label || `${spec.model}.${spec.method}`} [${shape}]: ${JSON.stringify(d)}`;
    assert.equal(JSON.stringify(call), frozen, `${where}: the input call was changed`);
    assert.equal(d.verdict, e.verdict, where);
    if (d.verdict === 'deny') {
      if (e.reason) assert.match(d.reason, e.reason, where);
      if (e.detail) assert.match(d.detail ?? '(no detail)', e.detail, `${where}: detail`);
      if (e.hides) assert.doesNotMatch(d.reason, e.hides, `${where}: the client is told a fact it may not read`);
      assert.ok(!d.reason.includes(SECRET), `${where}: the reason echoes the credential`);
      assert.ok(!(d.detail ?? '').includes(SECRET), `${where}: the detail echoes the credential`);
      if (e.limit !== undefined) assert.equal(d.limit, e.limit, where);
      if (e.rule !== undefined) assert.equal(d.rule, e.rule, where);
    }
    if (d.verdict === 'need_schema' && e.models) assert.deepEqual(d.models, e.models, where);
    if (d.verdict === 'need_schema' && e.irModels) assert.deepEqual(d.irModels ?? [], e.irModels, `${where}: ir.model ids asked for`);
    if (d.verdict === 'need_schema' && e.xmlids) assert.deepEqual(d.xmlids ?? [], e.xmlids, `${where}: external ids asked for`);
    if (d.verdict === 'allow') {
      if (e.rule !== undefined) assert.equal(d.rule, e.rule, where);
      const bound = bindCall(d.call, en.version);
      for (const [p, v] of Object.entries(e.params ?? {})) assert.deepEqual(bound.params[p], v, `${where}: parameter ${p}`);
      if ('context' in e) assert.deepEqual(bound.context, e.context, `${where}: context`);
      if (e.checks) assert.deepEqual(d.checks.map((c) => (c.kind === 'links_in_domain' ? { model: c.model, ids: c.ids, field: c.field, comodel: c.comodel, ...(c.set ? { set: c.set.ids } : {}), ...(c.set?.rows ? { rows: c.set.rows } : {}), ...(c.set?.adds ? { adds: true } : {}) } : { model: c.model, ids: c.ids })), e.checks, `${where}: checks`);
      if (e.checkDomains) assert.deepEqual(d.checks.map((c) => c.domain), e.checkDomains, `${where}: check domains`);
      if (e.redactions) assert.deepEqual(d.redactions.map((r) => (r.kind === 'property_names' ? { properties: r.fields } : { fields: r.fields, comodel: r.comodel, ...(r.domain ? { domain: r.domain } : {}) })), e.redactions, `${where}: redactions`);
      assert.equal(d.call.credential, call.credential, `${where}: the forwarded call keeps the client's credential for the proxy to replace`);
    }
  }
}

export interface Case {
  name: string;
  key: KeyScope;
  call: CallSpec;
  expect: Expect;
  env?: Partial<DecideEnv>;
}

export function runCases(cases: Case[]): void {
  for (const c of cases) expectDecision(c.key, c.call, c.expect, c.env ?? {}, c.name);
}
