// The decide fuzz on pseudo-relational fields: `reference` ('res.partner,4'), `many2one_reference`
// (`res_id` with its model field: ir.attachment's and mail.activity's `res_model`, mail.message's
// `model`; mail.activity's res_model set through `res_model_id`, an ir.model id), and `properties`
// (crm.lead's `lead_properties`, defined on crm.team's `lead_properties_definition`). Calls create,
// write and web_save such values (and load them as cells); keys hold rules on the models involved,
// with and without field lists, domains, allow_sensitive and a companies limit. decide runs as the
// proxy runs it (decideLooked on a FuzzWorld that answers ir.model ids, definitions and the leads'
// current team only once asked).
//
// The oracle for ALLOWED calls is an independent reading of Odoo's fields (19.0 layout, as stored:
// odoo/orm/fields_reference.py at 09fcf20, odoo/orm/fields_properties.py at 00aa9fb and an earlier
// version of it without 19.0's several-containers check; Integer in odoo/orm/fields_numeric.py; the
// import converter's `_str_to_reference` (the cell as given), `_str_to_integer` and
// `_str_to_properties` (a JSON list) in odoo/addons/base/models/ir_fields.py):
// - Reference.convert_to_cache: a falsy value stores nothing; a string is `model,id` split on ',' (two
//   parts exactly, the model as written, Python's int() of the id), stored only when that record
//   exists (an id above 0); anything else raises. It links record `id` of `model`: any model.
// - Many2oneReference is an Integer: int(value or 0) (digits with spaces or underscores, a float
//   truncated, true is 1, a dict's 'id'); the record it links is of the model the record's
//   model_field holds after the write: the same values, else (creates) the context's default, else
//   (writes) the record's current one. mail.activity's res_model is related to res_model_id.model.
// - Properties: a dict (or JSON text of one) stores {name: value}; a list stores each entry's value
//   (`_remove_display_name` reduces [id, name] pairs), and with `definition_changed` /
//   `definition_deleted` on an entry, Properties.write writes the list (values dropped) as the
//   definition of the lead's team, as the user. Values are read by the team's definition: a
//   many2one property's integer links a record of its comodel, a many2many's list of integers
//   several (true is not an id: the existence query fails).
// - PropertiesDefinition: a many2one / many2many property's `default` links records of its comodel
//   (Odoo puts it in every lead created under the team); a property whose type or comodel a write
//   changes re-reads the values leads already store under that name (nothing clears them).
// A link steps outside the key when the linked model is sensitive and, for a field naming any model
// (reference, many2one_reference), no rule names it exactly with allow_sensitive; when it is
// res.company and the id is outside the key's companies; when every rule reaching the model has a
// domain and no upstream check names the id. A definition written through a lead needs a write rule
// on crm.team covering lead_properties_definition (under a domain, the team checked).

import fc from 'fast-check';
import type { Decision, KeyScope, Rule } from '../../src/policy/types.js';
import { isStruct, type RpcStruct, type RpcValue } from '../../src/rpc/values.js';
import { propertiesDefinitionFrom } from '../../src/policy/schema.js';
import { SENSITIVE_MODELS } from '../../src/policy/decide.js';
import { SCHEMAS } from '../policy/support.js';
import { allowProblems, callOf, decideLooked, globMatches, type CallSpec, type FuzzTarget, type FuzzWorld } from './targets.js';

const SENSITIVE = new Set(SENSITIVE_MODELS);
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

// ---------------------------------------------------------------------------------------------
// The world: the models, ir.model ids, team definitions and the leads' teams.

const char = { type: 'char' };
export const REFS_SCHEMAS: FuzzWorld['schemas'] = {
  ...SCHEMAS,
  'crm.lead': {
    ...SCHEMAS['crm.lead'],
    team_id: { type: 'many2one', relation: 'crm.team' },
    lead_properties: { type: 'properties', definition_record: 'team_id', definition_record_field: 'lead_properties_definition' },
    source_ref: { type: 'reference' },
  },
  'crm.team': { name: char, display_name: char, lead_properties_definition: { type: 'properties_definition' } },
  'ir.config_parameter': { key: char, value: char },
};
/** ir.model ids: 999 names nothing. */
export const REFS_IR_MODELS: Record<number, string> = { 81: 'crm.lead', 82: 'res.partner', 83: 'hr.employee', 84: 'res.users', 86: 'ir.config_parameter', 87: 'res.company', 88: 'crm.tag' };
/** Team definitions as Odoo stores them (lists); team 3's cannot be read; team 4 names 'dup' twice. */
export const TEAM_DEFS: Record<number, RpcValue[] | null> = {
  1: [
    { name: 'count', type: 'integer', string: 'Count' },
    { name: 'contact', type: 'many2one', comodel: 'res.partner', string: 'Contact' },
    { name: 'helpers', type: 'many2many', comodel: 'res.partner', string: 'Helpers' },
    { name: 'tag', type: 'many2one', comodel: 'crm.tag', string: 'Tag' },
    { name: 'company', type: 'many2one', comodel: 'res.company', string: 'Company' },
    { name: 'boss', type: 'many2one', comodel: 'res.users', string: 'Boss' },
  ],
  2: [{ name: 'count', type: 'many2one', comodel: 'res.partner', string: 'Count' }],
  3: null,
  4: [{ name: 'dup', type: 'integer', string: 'A' }, { name: 'dup', type: 'many2one', comodel: 'res.partner', string: 'B' }],
  5: [],
};
/** The leads' current team (false: none); a lead not here does not exist. */
export const LEAD_TEAMS: Record<number, number | false> = { 1: 1, 2: 1, 3: 2, 4: false, 5: 3, 6: 4 };

export const REFS_WORLD: FuzzWorld = {
  schemas: REFS_SCHEMAS,
  xmlids: {},
  irModels: REFS_IR_MODELS,
  definitions: (m, id, f) => (m === 'crm.team' && f === 'lead_properties_definition' && own(TEAM_DEFS, String(id)) && TEAM_DEFS[id] ? propertiesDefinitionFrom(TEAM_DEFS[id]!) : null),
  current: (m, f, ids) => (m === 'crm.lead' && f === 'team_id' ? ids.filter((id) => own(LEAD_TEAMS, String(id))).map((id) => LEAD_TEAMS[id]!) : null),
};

// ---------------------------------------------------------------------------------------------
// Calls.

const REF_VALUES: RpcValue[] = [
  'res.partner,4', 'res.partner,12', 'crm.lead,7', 'res.users,2', 'ir.config_parameter,1', 'res.company,2', 'res.company,1', 'hr.employee,3', 'crm.tag,9',
  false, '', null, 'res.partner', 'res.partner,x', 'res.partner,4,5', ',4', 'res.partner, 4', 'res.partner,4_0', 'res.partner,-1', 'res.partner,0',
  'res.users,+2', 'res.users, 2 ', 4, ['res.partner', 4], 'RES.PARTNER,4', 'res.partner ,4', 'res.users,2.0', 'res.users,٢',
];
const RES_IDS: RpcValue[] = [7, '7', ' 7', '7_0', 7.9, true, { id: 7 }, 0, false, -1, 'x', 2, 12, '2', 1, null];
const MODEL_NAMES: RpcValue[] = ['crm.lead', 'res.partner', 'res.users', 'hr.employee', 'ir.config_parameter', 'res.company', 'crm.tag', false, '', 'crm lead;', 'res.users '];
const IR_MODEL_IDS: RpcValue[] = [81, 82, 83, 84, 86, 87, 999, false, '84'];
const pair = (id: number, name: string): RpcValue => [id, name];
const PROP_DICTS: RpcValue[] = [
  { count: 5 }, { count: 4 }, { contact: 4 }, { contact: 12 }, { helpers: [4, 12] }, { tag: 9 }, { company: 2 }, { company: 1 }, { boss: 2 }, { unknown: 4 },
  { contact: true }, { contact: [4, 'Bob'] }, { dup: 4 }, { contact: 0 }, { contact: false }, { helpers: [] }, { contact: '4' },
];
const entry = (name: string, type: string, value: RpcValue, more: RpcStruct = {}): RpcStruct => ({ name, type, string: name, value, ...more });
const PROP_LISTS: RpcValue[] = [
  [entry('contact', 'many2one', 4, { comodel: 'res.partner' })],
  [entry('contact', 'many2one', pair(12, 'Bob'), { comodel: 'res.partner' })],
  [entry('helpers', 'many2many', [pair(4, 'A'), pair(12, 'B')], { comodel: 'res.partner' })],
  [entry('contact', 'integer', 12)],
  [entry('count', 'integer', 4)],
  [entry('tag', 'many2one', 9, { comodel: 'crm.tag' })],
  [entry('boss', 'char', 2)],
  [entry('contact', 'many2one', 4, { comodel: 'res.partner', definition_changed: true })],
  [entry('fresh', 'many2one', 2, { comodel: 'res.users', definition_changed: true })],
  [entry('count', 'integer', 4), entry('contact', 'many2one', false, { comodel: 'res.partner', definition_deleted: true })],
  [entry('contact', 'many2one', 4, { comodel: 'res.partner', definition_changed: 1 })],
  [entry('fresh', 'integer', 7, { definition_changed: true })],
];
const propValueArb: fc.Arbitrary<RpcValue> = fc.oneof(
  { arbitrary: fc.constantFrom(...PROP_DICTS), weight: 4 },
  { arbitrary: fc.constantFrom(...PROP_LISTS), weight: 3 },
  { arbitrary: fc.constantFrom(...PROP_DICTS, ...PROP_LISTS).map((v) => JSON.stringify(v)), weight: 2 },
  fc.constantFrom<RpcValue>(false, '', [], '[]', 'nope', '{"count": NaN}'),
);
const defEntry = (name: string, type: string, more: RpcStruct = {}): RpcStruct => ({ name, type, string: name, ...more });
const DEFINITIONS: RpcValue[] = [
  [defEntry('contact', 'many2one', { comodel: 'res.partner', default: 4 })],
  [defEntry('contact', 'many2one', { comodel: 'res.partner', default: pair(12, 'Bob') })],
  [defEntry('helpers', 'many2many', { comodel: 'res.partner', default: [4, 12] })],
  [defEntry('helpers', 'many2many', { comodel: 'res.partner', default: [pair(4, 'A')] })],
  [defEntry('count', 'many2one', { comodel: 'res.partner' })],
  [defEntry('count', 'integer')],
  [defEntry('contact', 'many2one', { comodel: 'crm.tag' })],
  [defEntry('contact', 'many2one', { comodel: 'res.partner' })],
  [defEntry('company', 'many2one', { comodel: 'res.company', default: 2 })],
  [defEntry('boss', 'many2one', { comodel: 'res.users', default: 2 })],
  [defEntry('fresh', 'many2one', { comodel: 'res.partner', default: 12 })],
  [defEntry('odd', 'many2one', { default: 4 })],
  [defEntry('contact', 'many2many', { comodel: 'res.partner' })],
  [],
];
const definitionArb: fc.Arbitrary<RpcValue> = fc.oneof({ arbitrary: fc.constantFrom(...DEFINITIONS), weight: 4 }, fc.constantFrom(...DEFINITIONS).map((v) => JSON.stringify(v)), fc.constant<RpcValue>(false));

const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined, freq: 2 });
const struct = (o: Record<string, RpcValue | undefined>): RpcStruct => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as RpcStruct;

/** Values per model: the pseudo-relational fields and a plain one. */
const valsArb: Record<string, fc.Arbitrary<RpcStruct>> = {
  'ir.attachment': fc.record({ name: opt(fc.constant<RpcValue>('a')), res_model: opt(fc.constantFrom(...MODEL_NAMES)), res_id: opt(fc.constantFrom(...RES_IDS)) }).map(struct),
  'mail.message': fc.record({ body: opt(fc.constant<RpcValue>('b')), model: opt(fc.constantFrom(...MODEL_NAMES)), res_id: opt(fc.constantFrom(...RES_IDS)) }).map(struct),
  'mail.activity': fc.record({ summary: opt(fc.constant<RpcValue>('s')), res_model_id: opt(fc.constantFrom(...IR_MODEL_IDS)), res_id: opt(fc.constantFrom(...RES_IDS)), origin_ref: opt(fc.constantFrom(...REF_VALUES)) }).map(struct),
  'crm.lead': fc.record({ name: opt(fc.constant<RpcValue>('x')), type: opt(fc.constantFrom<RpcValue>('opportunity', 'lead')), team_id: opt(fc.constantFrom<RpcValue>(1, 2, 3, 4, 5, false)), lead_properties: opt(propValueArb), source_ref: opt(fc.constantFrom(...REF_VALUES)) }).map(struct),
  'crm.team': fc.record({ name: opt(fc.constant<RpcValue>('t')), lead_properties_definition: definitionArb }).map(struct),
};
const IDS: Record<string, RpcValue[]> = { 'ir.attachment': [[5], [5, 6]], 'mail.message': [[9]], 'mail.activity': [[11], [11, 12]], 'crm.lead': [[1], [1, 2], [3], [1, 3], [4], [5], [6], [99]], 'crm.team': [[1], [2], [3], [1, 2], [5]] };
const contextArb: Record<string, fc.Arbitrary<RpcStruct | undefined>> = {
  'ir.attachment': opt(fc.record({ default_res_model: fc.constantFrom(...MODEL_NAMES), default_res_id: fc.constantFrom<RpcValue>(7, 2, '2') }, { requiredKeys: [] }).map(struct)),
  'mail.message': opt(fc.record({ default_model: fc.constantFrom(...MODEL_NAMES), default_res_id: fc.constantFrom<RpcValue>(7, 2) }, { requiredKeys: [] }).map(struct)),
  'mail.activity': opt(fc.record({ default_res_model_id: fc.constantFrom(...IR_MODEL_IDS), default_res_id: fc.constantFrom<RpcValue>(7, 2), default_origin_ref: fc.constantFrom(...REF_VALUES) }, { requiredKeys: [] }).map(struct)),
  'crm.lead': opt(fc.record({ default_team_id: fc.constantFrom<RpcValue>(1, 2, 3, 4, false), default_source_ref: fc.constantFrom(...REF_VALUES), default_lead_properties: fc.constantFrom(...PROP_DICTS) }, { requiredKeys: [] }).map(struct)),
  'crm.team': fc.constant(undefined),
};

// load: columns per model, cells as text (and now and then not).
const LOAD_COLUMNS: Record<string, string[]> = {
  'ir.attachment': ['name', 'res_model', 'res_id', '.id'],
  'mail.activity': ['summary', 'res_model_id/.id', 'res_id', 'origin_ref', '.id'],
  'crm.lead': ['name', 'team_id/.id', 'lead_properties', 'source_ref', '.id'],
};
const CELLS: Record<string, RpcValue[]> = {
  name: ['a', ''], summary: ['s'], res_model: MODEL_NAMES.map((m) => (m === false ? '' : m)), res_id: ['7', ' 7', '2', '0', '', 'x', '7_0', 7, '-1', '12'],
  'res_model_id/.id': ['81', '84', '86', '999', '', '82', 84], origin_ref: REF_VALUES.filter((v) => typeof v === 'string'), source_ref: REF_VALUES.filter((v) => typeof v === 'string'),
  'team_id/.id': ['1', '2', '3', '', '4'], lead_properties: [...PROP_LISTS, ...PROP_DICTS].map((v) => JSON.stringify(v)).concat(['']), '.id': ['', '5', '11', '1', '3', '6', 0],
};
const loadArb = (model: string): fc.Arbitrary<Record<string, RpcValue>> =>
  fc.tuple(fc.subarray(LOAD_COLUMNS[model]!, { minLength: 1 }), fc.array(fc.array(fc.nat(), { minLength: 5, maxLength: 5 }), { minLength: 1, maxLength: 3 })).map(([fields, rows]) => ({
    fields,
    data: rows.map((row) => fields.map((f, j) => CELLS[f]![row[j]! % CELLS[f]!.length]!)),
  }));

const MODELS = ['ir.attachment', 'mail.message', 'mail.activity', 'crm.lead', 'crm.team'];
export const refsSpecArb: fc.Arbitrary<CallSpec> = fc
  .constantFrom(...MODELS, 'crm.lead', 'mail.activity', 'ir.attachment')
  .chain((model) =>
    fc.record({
      model: fc.constant(model),
      kind: fc.constantFrom(...(LOAD_COLUMNS[model] ? ['create', 'write', 'web_save', 'web_save ids', 'load'] : ['create', 'write', 'web_save', 'web_save ids'])),
      entry: fc.constantFrom('execute_kw' as const, 'execute' as const, 'json2' as const),
      vals: fc.array(valsArb[model]!, { minLength: 1, maxLength: 2 }),
      ids: fc.constantFrom(...IDS[model]!),
      context: contextArb[model]!,
      load: LOAD_COLUMNS[model] ? loadArb(model) : fc.constant({}),
      positional: fc.nat(1),
    }),
  )
  .map((c): CallSpec => {
    const base = { model: c.model, entry: c.entry, positional: c.positional, ...(c.context ? { context: c.context as RpcValue } : {}) };
    switch (c.kind) {
      case 'create':
        return { ...base, method: 'create', params: { vals_list: c.vals } };
      case 'write':
        return { ...base, method: 'write', ids: c.ids, params: { vals: c.vals[0]! } };
      case 'web_save':
        return { ...base, method: 'web_save', ids: [], params: { vals: c.vals[0]!, specification: {} } };
      case 'web_save ids':
        return { ...base, method: 'web_save', ids: c.ids, params: { vals: c.vals[0]!, specification: {} } };
      default:
        return { ...base, method: 'load', params: c.load };
    }
  });

// ---------------------------------------------------------------------------------------------
// Keys.

const DOMAINS: Record<string, RpcValue[][]> = {
  'ir.attachment': [[['res_model', '=', 'crm.lead']], [['name', '=', 'a']]],
  'mail.message': [[['model', '=', 'crm.lead']]],
  'mail.activity': [[['res_model', '=', 'crm.lead']], [['summary', '=', 's']]],
  'crm.lead': [[['type', '=', 'opportunity']], [['id', '>', 3]]],
  'crm.team': [[['id', '>', 3]]],
};
/** Rules on the models a value may link: with and without domains, sensitive ones confirmed or not. */
const LINKED_RULES: Rule[] = [
  { model: 'res.partner', methods: ['read'], domain: [['customer_rank', '>', 0]] },
  { model: 'res.partner', methods: ['read'] },
  { model: 'crm.lead', methods: ['read'], domain: [['type', '=', 'opportunity']] },
  { model: 'hr.employee', methods: ['read'], domain: [['name', '=', 'me']] },
  { model: 'res.users', methods: ['read'], allow_sensitive: true },
  { model: 'res.users', methods: ['read'], allow_sensitive: true, domain: [['id', '=', 2]] },
  { model: 'res.users', methods: ['read'], domain: [['id', '=', 2]] },
  { model: 'ir.config_parameter', methods: ['read'], allow_sensitive: true, domain: [['key', '=', 'x']] },
  { model: 'res.company', methods: ['read'], domain: [['id', '=', 1]] },
  { model: 'crm.tag', methods: ['read'], domain: [['id', '>', 3]] },
  { model: 'crm.team', methods: ['write'], fields: ['lead_properties_definition'] },
  { model: 'crm.team', methods: ['write'], fields: ['lead_properties_definition'], domain: [['id', '>', 3]] },
  { model: 'crm.*', methods: ['read'] },
  { model: 'res.*', methods: ['read'], domain: [['id', '>', 3]] },
  { model: 'ir.model', methods: ['read'], allow_sensitive: true },
];

/** The fields a spec writes on its own model (load: its columns' heads). */
function specFields(spec: CallSpec): string[] {
  if (spec.method === 'load') return [...new Set((spec.params.fields as string[]).map((f) => f.split('/')[0]!).filter((f) => f !== '.id'))];
  const vals = spec.method === 'create' ? (spec.params.vals_list as RpcStruct[]) : [spec.params.vals as RpcStruct];
  return [...new Set(vals.flatMap((v) => Object.keys(v)))];
}

export function refsKeyAround(spec: CallSpec): fc.Arbitrary<KeyScope> {
  return fc
    .tuple(fc.boolean(), fc.boolean(), fc.option(fc.constantFrom(...(DOMAINS[spec.model] ?? [[]])), { nil: undefined, freq: 3 }), fc.subarray(LINKED_RULES, { maxLength: 4 }), fc.option(fc.constantFrom<number[]>([1], [1, 2]), { nil: undefined, freq: 4 }), fc.boolean(), fc.boolean())
    .map(([listed, sensitive, domain, linked, companies, write, defaults]) => {
      // The call's method, and for load and web_save with ids write too (load rows by .id update).
      const methods = [...new Set([spec.method, ...(write ? ['write', 'create'] : [])])];
      const fields = [...specFields(spec), 'display_name', ...(defaults ? ['res_model', 'model', 'res_id', 'res_model_id', 'team_id', 'source_ref', 'origin_ref', 'lead_properties'] : [])];
      const first: Rule = { model: spec.model, methods, ...(listed ? { fields: [...new Set(fields)] } : {}), ...(domain && domain.length ? { domain } : {}), ...(sensitive || spec.model === 'ir.attachment' ? { allow_sensitive: true } : {}) };
      return { id: '7f3a9c2e', name: 'fuzz-refs', rules: [first, ...linked], limits: companies ? { companies } : {} };
    });
}

export function decideRefs(key: KeyScope, spec: CallSpec, version: number): { d: Decision; problems: string[] } {
  return decideLooked(key, callOf(spec), version, {}, REFS_WORLD);
}

// ---------------------------------------------------------------------------------------------
// The oracle.

/** Python's int() of a string: spaces around, a sign, digits with single underscores (ASCII, Arabic-Indic and fullwidth digits here). */
function pyInt(s: string): number | undefined {
  const t = s.trim().replace(/[\u0660-\u0669]/g, (c) => String(c.charCodeAt(0) - 0x660)).replace(/[\u06f0-\u06f9]/g, (c) => String(c.charCodeAt(0) - 0x6f0)).replace(/[\uff10-\uff19]/g, (c) => String(c.charCodeAt(0) - 0xff10));
  if (!/^[+-]?[0-9]+(_[0-9]+)*$/.test(t)) return undefined;
  const n = Number(t.replace(/_/g, ''));
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Integer.convert_to_cache: int(value or 0); undefined when Odoo raises. */
function odooInt(v: RpcValue | undefined): number | undefined {
  if (v === undefined || v === null || v === false || v === '' || v === 0) return 0;
  if (v === true) return 1;
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : undefined;
  if (typeof v === 'string') return pyInt(v);
  if (isStruct(v)) return typeof v.id === 'number' ? Math.trunc(v.id) : v.id === undefined || v.id === false || v.id === null ? 0 : undefined;
  return undefined;
}

/** The record a reference value links (Reference.convert_to_cache), or null when none (or Odoo raises). */
function referenceOf(v: RpcValue | undefined): { model: string; id: number } | null {
  if (typeof v !== 'string' || v === '') return null;
  const parts = v.split(',');
  if (parts.length !== 2) return null;
  const id = pyInt(parts[1]!);
  if (id === undefined || id <= 0 || !/^[a-z_][a-z0-9_]*(\.[a-z0-9_]+)*$/.test(parts[0]!)) return null;
  return { model: parts[0]!, id };
}

type Link = { model: string; ids: number[]; anyModel: boolean; why: string };

/** One create or write of `vals` on `model`: the links it makes and the definitions it writes. */
interface Write {
  model: string;
  vals: RpcStruct;
  /** The records written (writes), or undefined (creates). */
  ids?: number[];
  /** Context defaults (creates): field -> value. */
  defaults: RpcStruct;
}

const MODEL_FIELD: Record<string, string> = { 'ir.attachment': 'res_model', 'mail.message': 'model', 'mail.activity': 'res_model' };

/** Problems with one write, given the deciding rule (its domain may pin a model field) and the checks. */
function writeProblems(key: KeyScope, d: Extract<Decision, { verdict: 'allow' }>, w: Write): string[] {
  const p: string[] = [];
  const links: Link[] = [];
  const rule = key.rules[d.rule];
  const has = (f: string): boolean => own(w.vals, f) || (!w.ids && own(w.defaults, f));
  const val = (f: string): RpcValue | undefined => (own(w.vals, f) ? w.vals[f] : !w.ids ? w.defaults[f] : undefined);
  const where = w.ids ? `${w.model} ${JSON.stringify(w.ids)}` : `a new ${w.model}`;
  // Reference fields.
  for (const [f, info] of Object.entries(REFS_SCHEMAS[w.model] ?? {})) {
    if (info.type !== 'reference' || !has(f)) continue;
    const r = referenceOf(val(f));
    if (r) links.push({ model: r.model, ids: [r.id], anyModel: true, why: `${where}'s ${f} ${JSON.stringify(val(f))}` });
  }
  // Many2one references: the model the record holds after the write.
  const mf = MODEL_FIELD[w.model];
  if (mf) {
    /** The model the written record's model field holds: a name, null (none), or undefined (not known here). */
    const modelAfter = (): string | null | undefined => {
      if (w.model === 'mail.activity') {
        if (!has('res_model_id')) return pinned();
        const id = val('res_model_id');
        if (id === false || id === null || id === 0) return null;
        return typeof id === 'number' && own(REFS_IR_MODELS, String(id)) ? REFS_IR_MODELS[id]! : null; // a missing ir.model fails the write
      }
      if (!has(mf)) return pinned();
      const m = val(mf);
      return typeof m === 'string' && m !== '' ? m : null;
    };
    /** The model a rule's domain pins for the records written (checked against it), else unknown. */
    const pinned = (): string | null | undefined => {
      if (!w.ids) return null; // a create without one: no model
      const dom = rule?.domain ?? [];
      if (dom.some((x) => !Array.isArray(x))) return undefined;
      const leaf = dom.find((x) => Array.isArray(x) && x[0] === mf) as RpcValue[] | undefined;
      if (!leaf || leaf[1] !== '=' || typeof leaf[2] !== 'string') return undefined;
      const checked = w.ids.every((id) => d.checks.some((c) => c.kind === 'ids_in_domain' && c.model === w.model && c.ids.includes(id) && JSON.stringify(c.domain).includes(JSON.stringify(leaf))));
      return checked ? (leaf[2] as string) : undefined;
    };
    const model = modelAfter();
    if (has('res_id')) {
      const id = odooInt(val('res_id'));
      if (id !== undefined && id > 0) {
        if (model === undefined) p.push(`${where}'s res_id ${JSON.stringify(val('res_id'))} links record ${id} of a model not known before the call (its current ${mf})`);
        else if (model !== null) links.push({ model, ids: [id], anyModel: true, why: `${where}'s res_id ${JSON.stringify(val('res_id'))} (${mf} ${model})` });
      }
    } else if (w.ids && (has(mf) || (w.model === 'mail.activity' && has('res_model_id'))) && model !== null) {
      // The model changed under the current id, which is not known here: any record of that model.
      // Under a rule pinning the model the records (checked) already have, the same model re-points nothing.
      if (model !== undefined && pinned() === model) {
        // nothing
      } else if (model === undefined) p.push(`${where}'s ${mf} changes to a model not known here, under its current res_id`);
      else {
        const l = linkProblems(key, d, { model, ids: [-1], anyModel: true, why: `${where}'s ${mf} ${model}, under the current res_id (not known here)` });
        p.push(...l);
      }
    }
  }
  // Properties values on leads, read by the team's definition after the write.
  if (w.model === 'crm.lead' && has('lead_properties')) {
    const v = val('lead_properties');
    const parsed = typeof v === 'string' ? parseJson(v) : v;
    const list = Array.isArray(parsed) ? parsed : undefined;
    // Teams after the write: the values', else the default (creates) or the records' current ones.
    let teams: (number | false | 'unknown')[];
    if (own(w.vals, 'team_id')) teams = [typeof w.vals.team_id === 'number' && w.vals.team_id > 0 ? w.vals.team_id : false];
    else if (!w.ids) teams = typeof w.defaults.team_id === 'number' && w.defaults.team_id > 0 ? [w.defaults.team_id] : own(w.defaults, 'team_id') ? [false] : ['unknown'];
    else teams = w.ids.filter((id) => own(LEAD_TEAMS, String(id))).map((id) => LEAD_TEAMS[id]!);
    const changed = list?.some((e) => isStruct(e) && (truthy(e.definition_changed) || truthy(e.definition_deleted)));
    if (changed) {
      for (const t of teams) {
        if (t === false) continue;
        const writers = key.rules.filter((r) => reaches(r, 'crm.team') && r.methods.includes('write') && (!r.fields || r.fields.includes('lead_properties_definition')));
        if (!writers.length) p.push(`${where}'s lead_properties list changes the definition of team ${t}, and no write rule on crm.team lead_properties_definition allows it`);
        else if (!writers.some((r) => !r.domain?.length) && (t === 'unknown' || !d.checks.some((c) => c.kind === 'ids_in_domain' && c.model === 'crm.team' && c.ids.includes(t)))) p.push(`${where}'s lead_properties list changes the definition of team ${t} under write rules with domains, unchecked`);
      }
    }
    const stored = storedProperties(parsed);
    if (stored) {
      for (const t of teams) {
        if (t === false) continue;
        // The definition the values are read by: the list's own where it rewrites it, else the team's.
        const defs: (RpcValue[] | null)[] = changed ? [list!.filter((e) => isStruct(e) && !truthy(e.definition_deleted))] : t === 'unknown' ? Object.values(TEAM_DEFS) : [TEAM_DEFS[t] ?? null];
        for (const def of defs) {
          if (def === null) {
            // Unknown comodels: a problem only where some model's links are checked.
            if (Object.values(stored).some(idLike) && Object.keys(REFS_SCHEMAS).some((m) => linkChecked(key, m))) p.push(`${where}'s lead_properties ${JSON.stringify(stored)} under team ${t}, whose definition is not known: id-like values may link anything`);
            continue;
          }
          for (const [name, x] of Object.entries(stored)) {
            for (const e of def) {
              if (!isStruct(e) || e.name !== name || typeof e.comodel !== 'string') continue;
              const ids = e.type === 'many2one' ? (isId(x) ? [x as number] : []) : e.type === 'many2many' && Array.isArray(x) && x.every(isId) ? (x as number[]) : [];
              if (ids.length) links.push({ model: e.comodel, ids, anyModel: false, why: `${where}'s property ${name} (${e.type} ${e.comodel}, team ${t})` });
            }
          }
        }
      }
    }
  }
  // A definition written on teams: defaults link; retyped properties re-read the values stored.
  if (w.model === 'crm.team' && has('lead_properties_definition')) {
    const v = val('lead_properties_definition');
    const def = typeof v === 'string' ? parseJson(v) : v;
    if (Array.isArray(def)) {
      for (const e of def) {
        if (!isStruct(e) || typeof e.comodel !== 'string' || !['many2one', 'many2many'].includes(String(e.type))) continue;
        const dflt = e.default;
        const ids = e.type === 'many2one' ? (Array.isArray(dflt) && isId(dflt[0]) ? [dflt[0] as number] : isId(dflt) ? [dflt as number] : []) : Array.isArray(dflt) ? dflt.map((x) => (Array.isArray(x) ? x[0] : x)).filter(isId) as number[] : [];
        if (ids.length) links.push({ model: e.comodel, ids, anyModel: false, why: `${where}'s definition default of ${String(e.name)}` });
        if (!w.ids || !linkChecked(key, e.comodel)) continue;
        for (const t of w.ids) {
          const now = TEAM_DEFS[t];
          if (now === undefined) continue; // no such team: the write fails
          if (now === null) {
            p.push(`team ${t}'s definition is not known, and ${String(e.name)} becomes a ${String(e.type)} of ${e.comodel}, whose links are checked`);
            continue;
          }
          const same = now.filter((x) => isStruct(x) && x.name === e.name);
          if (same.length && !same.every((x) => isStruct(x) && x.type === e.type && x.comodel === e.comodel)) p.push(`team ${t}'s property ${String(e.name)} is retyped to a ${String(e.type)} of ${e.comodel}: the values leads store under it become links, unchecked`);
        }
      }
    }
  }
  for (const l of links) p.push(...linkProblems(key, d, l));
  return p;
}

const truthy = (v: RpcValue | undefined): boolean => !(v === undefined || v === null || v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0) || (isStruct(v) && Object.keys(v).length === 0));
const isId = (v: RpcValue | undefined): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
// What a many2one (an integer) or many2many (a list of integers) property may read as ids.
const idLike = (v: RpcValue): boolean => isId(v) || (Array.isArray(v) && v.length > 0 && v.every(isId));
function parseJson(s: string): RpcValue | undefined {
  try {
    return JSON.parse(s) as RpcValue;
  } catch {
    return undefined;
  }
}

/** What a properties value stores ({name: value}), or null when Odoo raises or stores nothing. */
function storedProperties(v: RpcValue | undefined): RpcStruct | null {
  if (!truthy(v)) return null;
  if (isStruct(v)) return v;
  if (!Array.isArray(v)) return null;
  const out: RpcStruct = {};
  for (const e of v) {
    if (!isStruct(e)) return null; // _list_to_dict raises
    if (typeof e.name !== 'string' || !e.name) {
      if (truthy(e.definition_changed)) continue; // a name is generated: nothing stored under a known one
      return null;
    }
    let x = e.value;
    if (x === undefined || x === null) continue;
    // _remove_display_name
    if (e.type === 'many2one' && Array.isArray(x) && x.length === 2 && typeof x[0] === 'number' && (typeof x[1] === 'string' || x[1] === null)) x = x[0];
    else if (e.type === 'many2many' && Array.isArray(x) && x.length > 0 && x.every((y) => Array.isArray(y))) x = x.map((y) => (y as RpcValue[])[0]!);
    if (!(['integer', 'float'].includes(String(e.type)) && x === 0)) x = truthy(x) ? x : false;
    out[e.name] = x;
  }
  return out;
}

const reaches = (r: Rule, m: string): boolean => globMatches(r.model, m) && (!SENSITIVE.has(m) || (!r.model.includes('*') && r.allow_sensitive === true));

/** Whether links to `model` are limited: every rule reaching it has a domain, or the companies limit on res.company. */
function linkChecked(key: KeyScope, model: string): boolean {
  if (model === 'res.company' && key.limits.companies) return true;
  const rs = key.rules.filter((r) => reaches(r, model));
  return rs.length > 0 && rs.every((r) => !!r.domain?.length);
}

/** A link outside the key: a sensitive model reached, a company outside, an id under domains unchecked (-1: an id not known here). */
function linkProblems(key: KeyScope, d: Extract<Decision, { verdict: 'allow' }>, l: Link): string[] {
  const p: string[] = [];
  const ids = l.ids.filter((i) => i > 0 || i === -1);
  if (!ids.length) return p;
  if (l.anyModel && SENSITIVE.has(l.model) && !key.rules.some((r) => r.model === l.model && r.allow_sensitive === true)) p.push(`${l.why} reaches ${l.model}, a sensitive model no rule names with allow_sensitive`);
  const companies = key.limits.companies;
  if (l.model === 'res.company' && companies) for (const id of ids) if (!companies.includes(id)) p.push(`${l.why} links company ${id === -1 ? '(not known here)' : id}, outside the key's companies ${JSON.stringify(companies)}`);
  const rs = key.rules.filter((r) => reaches(r, l.model));
  if (rs.length && rs.every((r) => !!r.domain?.length)) {
    for (const id of ids) if (id === -1 || !d.checks.some((c) => c.kind === 'ids_in_domain' && c.model === l.model && c.ids.includes(id))) p.push(`${l.why} links ${l.model} ${id === -1 ? '(not known here)' : id}, while every rule there has a domain, and no check names it`);
  }
  return p;
}

/** The creates and writes an allowed call makes (load rows read as the converter reads their cells). */
function writesOf(spec: CallSpec): Write[] {
  const ctx: RpcStruct = spec.entry !== 'execute' && isStruct(spec.context ?? null) ? (spec.context as RpcStruct) : {};
  const defaults: RpcStruct = Object.fromEntries(Object.entries(ctx).filter(([k]) => k.startsWith('default_')).map(([k, v]) => [k.slice(8), v]));
  const ids = Array.isArray(spec.ids) ? (spec.ids as number[]) : [];
  const p = spec.params;
  switch (spec.method) {
    case 'create':
      return (p.vals_list as RpcStruct[]).map((vals) => ({ model: spec.model, vals, defaults }));
    case 'write':
      return [{ model: spec.model, vals: p.vals as RpcStruct, ids, defaults }];
    case 'web_save':
      // addons/web/models/models.py web_save: `if self: self.write(vals) else: self.create(vals)`.
      return [{ model: spec.model, vals: p.vals as RpcStruct, ...(ids.length ? { ids } : {}), defaults }];
    case 'load': {
      const fields = p.fields as string[];
      const out: Write[] = [];
      for (const row of p.data as RpcValue[][]) {
        const vals: RpcStruct = {};
        let id: number | undefined;
        fields.forEach((f, j) => {
          const cell = row[j];
          const empty = cell === '' || cell === false || cell === null || cell === undefined;
          if (f === '.id') {
            const n = empty ? 0 : odooInt(cell);
            if (n) id = n;
            return;
          }
          const head = f.split('/')[0]!;
          if (empty) vals[head] = false;
          else if (f.endsWith('/.id')) vals[head] = odooInt(cell) ?? false;
          else if (head === 'res_id') vals[head] = odooInt(cell) ?? false;
          else if (head === 'lead_properties') vals[head] = typeof cell === 'string' ? (parseJson(cell) ?? false) : cell!;
          else vals[head] = cell!;
        });
        out.push(id ? { model: spec.model, vals, ids: [id], defaults } : { model: spec.model, vals, defaults });
      }
      return out;
    }
  }
  return [];
}

/** Problems with an allowed call's pseudo-relational values. */
export function refsProblems(key: KeyScope, spec: CallSpec, d: Extract<Decision, { verdict: 'allow' }>): string[] {
  return writesOf(spec).flatMap((w) => writeProblems(key, d, w));
}

function problemsFor(key: KeyScope, spec: CallSpec): string[] {
  const out: string[] = [];
  for (const version of [18, 19]) {
    let r: { d: Decision; problems: string[] };
    try {
      r = decideRefs(key, spec, version);
    } catch (e) {
      return [`decide threw on ${version}: ${(e as Error).stack}`];
    }
    const d = r.d;
    for (const x of r.problems) out.push(`${version}: ${x}`);
    if (d.verdict === 'need_schema') out.push(`${version}: need_schema ${JSON.stringify(d)}, all answered`);
    if (d.verdict !== 'allow') continue;
    for (const x of refsProblems(key, spec, d)) out.push(`${version}: ${x}`);
    if (spec.method !== 'load') for (const x of allowProblems(key, callOf(spec), d, version)) out.push(`${version}: ${x}`);
  }
  return out;
}

export const REFS_TARGETS: FuzzTarget[] = [
  {
    name: 'decide: reference, many2one_reference and properties values never link outside the key',
    quickRuns: 1000,
    property: () =>
      fc.property(refsSpecArb.chain((spec) => fc.tuple(refsKeyAround(spec), fc.constant(spec))), ([key, spec]) => {
        const problems = problemsFor(key, spec);
        if (problems.length) throw new Error(problems.join('\n'));
      }),
  },
];

