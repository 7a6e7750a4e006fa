// The decide fuzz on an _inherits pair: product.product inherits product.template through
// product_tmpl_id (test/policy/support.ts's SCHEMAS, shaped as Odoo declares them). Calls create
// variants with and without the link (in the values, false, default_product_tmpl_id, load link
// columns in every spelling), copy and name_create them, and create templates with command 0
// variant lines; keys hold create / write rules on both models, with and without field lists and
// domains. The oracle for ALLOWED calls is an independent reading of Odoo's BaseModel.create
// (17.0-19.0: `if not data['stored'].get(link)` creates the parent with the inherited values,
// else `parent.write(inherited)` when there are any; _add_missing_default_values fills every
// parent default when default_<link> supplies the link), BaseModel.copy_data (the link left out)
// and ir.fields.converter.db_id_for (how load link cells name a parent):
// - a template created: a create rule there covering the inherited fields set (values and the
//   context's default_<field>), and under a domain one the known values satisfy;
// - a named template written: a write rule covering those fields, and under a domain that id
//   among the decision's checks;
// - default_<link>: a write rule there without a field list and without a domain;
// - copy: create on the template without a field list or domain; name_create likewise (under
//   default_<link> a write), its domain judged with the name unknown.
// Existing variants written (write, web_save with ids, load rows naming a variant by `id` or `.id`;
// read in odoo/orm/models.py of a master after 19.0 and a 19.0 copy: load, _convert_records,
// _load_records, _load_records_write, write; web_save in a 17.0-era addons/web/models/models.py:
// `if self: self.write(vals) else: self = self.create(vals)`): the inherited values go through the related
// field's inverse to the template the variant has, or to the one the same values link it to (the
// link is written first): a write rule there covering them, and under domains that id checked (the
// variant's own template is not named, so never checked); rows updating also need write on the
// variant. load's `module` context places bare external ids (rows and link cells); a '.id' cell
// Python reads as false (0) is no id (19.0: `if record.get('.id')`), so that row creates;
// import_set_empty_fields / import_skip_records naming the link may leave any link cell empty
// (a reference matching nothing), which creates the template.

import fc from 'fast-check';
import type { Decision, KeyScope, Rule } from '../../src/policy/types.js';
import { isStruct, type RpcStruct, type RpcValue } from '../../src/rpc/values.js';
import { SCHEMAS, XMLIDS } from '../policy/support.js';
import { allowProblems, callOf, decideLooked, globMatches, type CallSpec, type FuzzTarget } from './targets.js';

const P = 'product.product';
const T = 'product.template';
const LINK = 'product_tmpl_id';
const INHERITED = Object.keys(SCHEMAS[P]!).filter((f) => SCHEMAS[P]![f]!.related === `${LINK}.${f}`);
const OWN = ['default_code', 'barcode', 'active'];
const TEMPLATE_FIELDS = Object.keys(SCHEMAS[T]!);
/** The fuzz's external ids: the policy tests' and a few templates by load's default module. */
const IDS: Record<string, { model: string; id: number }> = {
  ...XMLIDS, '__import__.tmpl7': { model: T, id: 7 }, '__import__.prod9': { model: P, id: 9 },
  '__export__.product_product_9_ab': { model: P, id: 9 }, '__export__.product_template_7_cd': { model: T, id: 7 },
};
/** Python's truth of a value (load's `if record.get('.id')`, `if xid`). */
const pyTrue = (v: RpcValue | undefined): boolean => !(v === undefined || v === null || v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0));

const VALUES: Record<string, RpcValue[]> = {
  name: ['acme', 'x', false], list_price: [0, 5, -1], sale_ok: [true, false], type: ['consu', 'service'], categ_id: [1, 3, false],
  company_id: [1, false], description_sale: ['d'], default_code: ['C1', false], barcode: ['123'], active: [true, false],
};
const LINK_VALUES: RpcValue[] = [false, null, 0, 4, 7, '4', [4]];
const DOMAINS: RpcValue[][] = [[['list_price', '>', 0]], [['sale_ok', '=', true]], [['id', '>', 3]], [['name', '=', 'acme']], [['categ_id', '=', 3]]];

const valsArb: fc.Arbitrary<RpcStruct> = fc
  .tuple(fc.subarray([...INHERITED.filter((f) => f !== 'product_variant_ids'), ...OWN]), fc.nat(), fc.nat(LINK_VALUES.length + 3))
  .map(([fields, pick, link]) => {
    const vals: RpcStruct = {};
    fields.forEach((f, i) => (vals[f] = VALUES[f]![(pick + i) % VALUES[f]!.length]!));
    if (link < LINK_VALUES.length) vals[LINK] = LINK_VALUES[link]!;
    return vals;
  });
const contextArb: fc.Arbitrary<RpcStruct | undefined> = fc.option(
  fc.record({ default_product_tmpl_id: fc.constantFrom<RpcValue>(4, 7, 0, false), default_name: fc.constantFrom<RpcValue>('acme', 'x'), default_list_price: fc.constantFrom<RpcValue>(5, 0), default_sale_ok: fc.boolean(), default_categ_id: fc.constantFrom<RpcValue>(3, 1), default_default_code: fc.constant<RpcValue>('C9'), lang: fc.constant<RpcValue>('fr_FR') }, { requiredKeys: [] }) as fc.Arbitrary<RpcStruct>,
  { nil: undefined, freq: 3 },
);

// load: columns of product.product, link cells in every spelling db_id_for reads.
const LOAD_PLAIN = ['name', 'list_price', 'sale_ok', 'default_code', 'barcode', 'categ_id/.id'];
const LINK_COLUMNS = ['product_tmpl_id', 'product_tmpl_id/id', 'product_tmpl_id/.id', 'product_tmpl_id.id', 'product_tmpl_id:id'];
const CELLS: Record<string, RpcValue[]> = {
  '.id': ['', false, null, '0', 'false', 'no', 'No', 'FALSE', '4', ' 4', '7', 'x', '-1', 4, 0, '1.5'],
  id: ['', false, '0', 'false', 'no', 'NO', 'product.product_template_4', '__import__.tmpl7', 'tmpl7', 'nope', 'base.nope', 'product.product_product_4', '4', 'product_template_4', 'product_template_7_cd', '__export__.product_template_7_cd'],
  name: ['', false, 'acme', '0', 'no'],
  plain: ['', false, 'acme', '5', '0', 'true', 'no', 'x'],
  rowId: ['', 'prod_new', 'product.product_product_4', 'prod9', 'product_product_4', 'product_product_9_ab', '__export__.product_product_9_ab', 'tmpl7'],
  rowDbId: ['', '4', 'x', 0, '0', ' 9', 9, false],
};
const loadArb = fc.record({
  plain: fc.subarray(LOAD_PLAIN),
  link: fc.nat(LINK_COLUMNS.length + 2), // beyond: no link column
  idCol: fc.constantFrom('none', 'id', '.id'),
  rows: fc.array(fc.array(fc.nat(), { minLength: 9, maxLength: 9 }), { minLength: 1, maxLength: 3 }),
});
/** load's own context keys: the module bare external ids are in, and the keys that let a reference match nothing. */
const loadContextArb: fc.Arbitrary<RpcStruct> = fc.record({
  module: fc.constantFrom<RpcValue>('__export__', 'product', '__import__'),
  import_set_empty_fields: fc.constantFrom<RpcValue>([LINK], LINK, ['name'], []),
  import_skip_records: fc.constantFrom<RpcValue>([LINK], ['name']),
}, { requiredKeys: [] }) as fc.Arbitrary<RpcStruct>;

/** Odoo's reading of a link column's path: 'a.id' is 'a/.id', 'a:id' is 'a/id'. */
const linkRef = (col: string): 'name' | 'id' | '.id' => (col === LINK ? 'name' : col.endsWith('.id') && !col.endsWith('/id') ? '.id' : col.endsWith(':id') ? 'id' : col.split('/')[1] === '.id' ? '.id' : 'id');

function loadSpec(s: { plain: string[]; link: number; idCol: string; rows: number[][] }): Record<string, RpcValue> {
  const fields = [...s.plain, ...(s.link < LINK_COLUMNS.length ? [LINK_COLUMNS[s.link]!] : []), ...(s.idCol === 'none' ? [] : [s.idCol])];
  const data = s.rows.map((row) =>
    fields.map((f, j) => {
      const list = f === 'id' ? CELLS.rowId! : f === '.id' ? CELLS.rowDbId! : LINK_COLUMNS.includes(f) ? CELLS[linkRef(f)]! : f === 'categ_id/.id' ? CELLS['.id']! : CELLS.plain!;
      return list[row[j]! % list.length]!;
    }),
  );
  return { fields, data };
}

export const inheritsSpecArb: fc.Arbitrary<CallSpec> = fc
  .record({
    kind: fc.constantFrom('create', 'create', 'web_save', 'load', 'load', 'load', 'copy', 'name_create', 'template', 'write', 'web_save ids'),
    entry: fc.constantFrom('execute_kw' as const, 'execute' as const, 'json2' as const),
    vals: fc.array(valsArb, { minLength: 1, maxLength: 3 }),
    context: contextArb,
    load: loadArb,
    loadContext: fc.option(loadContextArb, { nil: undefined, freq: 2 }),
    writeIds: fc.constantFrom<RpcValue>([4], [4, 9], [9]),
    lines: fc.array(valsArb, { minLength: 1, maxLength: 2 }),
    copyIds: fc.constantFrom<RpcValue>([4], [4, 9], 4),
    positional: fc.nat(1),
  })
  .map((c): CallSpec => {
    const base = { entry: c.entry, positional: c.positional, ...(c.context ? { context: c.context as RpcValue } : {}) };
    switch (c.kind) {
      case 'create':
        return { ...base, model: P, method: 'create', params: { vals_list: c.vals } };
      case 'web_save':
        return { ...base, model: P, method: 'web_save', ids: [], params: { vals: c.vals[0]!, specification: {} } };
      case 'load': {
        const context = c.loadContext ? { ...(c.context ?? {}), ...c.loadContext } : c.context;
        return { ...base, ...(context ? { context: context as RpcValue } : {}), model: P, method: 'load', params: loadSpec(c.load) };
      }
      case 'write':
        return { ...base, model: P, method: 'write', ids: c.writeIds, params: { vals: c.vals[0]! } };
      case 'web_save ids':
        return { ...base, model: P, method: 'web_save', ids: c.writeIds, params: { vals: c.vals[0]!, specification: {} } };
      case 'copy':
        return { ...base, model: P, method: 'copy', ids: c.copyIds, params: Object.keys(c.vals[0]!).length ? { default: c.vals[0]! } : {} };
      case 'name_create':
        return { ...base, model: P, method: 'name_create', params: { name: 'Chair' } };
      default: {
        // A template with variant lines: each line's inherited values write the template being created.
        const vals: RpcStruct = { name: 'T', list_price: 5, product_variant_ids: c.lines.map((l) => [0, 0, l] as RpcValue) };
        return { ...base, model: T, method: 'create', params: { vals_list: [vals] } };
      }
    }
  });

const templateRuleArb: fc.Arbitrary<Rule> = fc
  .record({
    model: fc.constantFrom<string>(T, T, T, 'product.*'),
    methods: fc.constantFrom<string[]>(['create'], ['write'], ['create', 'write']),
    fields: fc.option(fc.subarray(TEMPLATE_FIELDS, { minLength: 1 }), { nil: undefined, freq: 2 }),
    domain: fc.option(fc.constantFrom(...DOMAINS), { nil: undefined, freq: 2 }),
  })
  .map((r) => ({ model: r.model, methods: r.methods, ...(r.fields ? { fields: r.fields } : {}), ...(r.domain ? { domain: r.domain } : {}) }));

const variantWriteArb: fc.Arbitrary<Rule> = fc.constantFrom<Rule>(
  { model: P, methods: ['write'] },
  { model: P, methods: ['write'], fields: [...OWN, 'name', 'list_price', 'sale_ok', LINK] },
  { model: P, methods: ['write'], domain: [['default_code', '=', 'C1']] },
);

/** A key around the spec: its method on its model (all its fields, or none listed), then template and variant rules. */
export function inheritsKeyAround(spec: CallSpec): fc.Arbitrary<KeyScope> {
  return fc.tuple(fc.boolean(), fc.array(templateRuleArb, { minLength: 0, maxLength: 3 }), fc.boolean(), fc.boolean(), fc.option(variantWriteArb, { nil: undefined }), fc.boolean()).map(([listed, rules, variantCreate, allTemplate, variantWrite, xmlids]) => {
    const fields = [...new Set([...Object.keys(SCHEMAS[spec.model]!), ...INHERITED])];
    const first: Rule = { model: spec.model, methods: [spec.method], ...(listed ? { fields } : {}) };
    const extra: Rule[] = spec.model === T ? [{ model: P, methods: ['create'], ...(variantCreate ? {} : { fields: [...OWN, LINK, 'name'] }) }] : [];
    // load rows updating variants need write on them; external ids in a module need create on ir.model.data.
    if (spec.method === 'load' && variantWrite) extra.push(variantWrite);
    if (spec.method === 'load' && xmlids) extra.push({ model: 'ir.model.data', methods: ['create'], allow_sensitive: true });
    if (allTemplate && spec.model === T) rules = [...rules, { model: T, methods: ['create'] }];
    return { id: '7f3a9c2e', name: 'fuzz-inherits', rules: [first, ...extra, ...rules], limits: {} };
  });
}

/** decide() as the proxy runs it: the external ids it asks for looked up in IDS, then again. */
export function decideInherits(key: KeyScope, spec: CallSpec, version: number): Decision {
  return decideLooked(key, callOf(spec), version, {}, { schemas: SCHEMAS, xmlids: IDS }).d;
}

const pyFalsy = (v: RpcValue | undefined): boolean => v === undefined || v === null || v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0);
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Whether `known` (the values a created or written template certainly has) satisfies every leaf of `domain`. */
function holds(domain: RpcValue[], known: RpcStruct): boolean {
  return domain.every((leaf) => {
    const [f, op, v] = leaf as [string, string, RpcValue];
    if (f === 'id' || !own(known, f)) return false;
    const x = known[f];
    return op === '=' ? x === v : op === '>' ? typeof x === 'number' && typeof v === 'number' && x > v : false;
  });
}

/** A load cell of a plain template column as the converter reads it (float, boolean, char). */
function cellValue(field: string, cell: RpcValue | undefined): RpcValue | undefined {
  if (cell === '' || cell === false || cell === null || cell === undefined) return false;
  const type = SCHEMAS[T]![field]?.type;
  if (type === 'float') return /^-?[0-9]+(\.[0-9]+)?$/.test(String(cell)) ? Number(cell) : undefined;
  if (type === 'boolean') return ['0', 'false', 'no'].includes(String(cell).toLowerCase()) ? false : ['1', 'true', 'yes'].includes(String(cell).toLowerCase()) ? true : undefined;
  return typeof cell === 'string' ? cell : undefined;
}

/** What Odoo does to templates for one created or written variant (and, for load updates, to the variant). */
type Effect =
  | { kind: 'create'; fields: string[]; known: RpcStruct; textUnknown?: boolean; anyField?: boolean; noDomain?: boolean }
  | { kind: 'write'; id: number | undefined; fields: string[]; known: RpcStruct; perField?: boolean }
  | { kind: 'write all' }
  | { kind: 'variant write'; id: number | undefined; fields: string[] }
  | { kind: 'external id'; xmlid: string };

/** The template effects of an allowed call, read from Odoo (not from the engine). */
function effectsOf(spec: CallSpec): Effect[] {
  // `execute` carries no context (callOf drops it).
  const ctx: RpcStruct = spec.entry !== 'execute' && isStruct(spec.context ?? null) ? (spec.context as RpcStruct) : {};
  const defaults: RpcStruct = Object.fromEntries(Object.entries(ctx).filter(([k]) => k.startsWith('default_')).map(([k, v]) => [k.slice(8), v]));
  const defaultLink = !pyFalsy(defaults[LINK]);
  const inheritedDefaults = (set: string[]): RpcStruct => Object.fromEntries(INHERITED.filter((f) => !set.includes(f) && own(defaults, f)).map((f) => [f, defaults[f]!]));
  /** A variant created with `vals` (`link`: the link its line's inverse gives, the template being created). */
  const created = (vals: RpcStruct, line?: RpcStruct): Effect[] => {
    const set = INHERITED.filter((f) => own(vals, f));
    const values: RpcStruct = Object.fromEntries(set.map((f) => [f, vals[f]!]));
    if (line) return set.length ? [{ kind: 'write', id: undefined, fields: set, known: { ...line, ...values } }] : [];
    if (own(vals, LINK) ? pyFalsy(vals[LINK]) : !defaultLink) {
      const dv = inheritedDefaults(set);
      return [{ kind: 'create', fields: [...set, ...Object.keys(dv)], known: { ...dv, ...values } }];
    }
    if (!own(vals, LINK)) return [{ kind: 'write all' }];
    return set.length && typeof vals[LINK] === 'number' ? [{ kind: 'write', id: vals[LINK] as number, fields: set, known: values }] : [];
  };
  /**
   * Existing variants written with `vals` (write, web_save with ids): BaseModel.write writes the link
   * first (stored), then the inherited fields through their inverse (_inverse_related: the record
   * the link names after it), as the user. So the template the values link, else each variant's own
   * (not named in the call).
   */
  const written = (vals: RpcStruct): Effect[] => {
    const set = INHERITED.filter((f) => own(vals, f));
    if (!set.length) return [];
    const to = typeof vals[LINK] === 'number' && (vals[LINK] as number) > 0 ? (vals[LINK] as number) : undefined;
    // Each inherited field is its own inverse (a write of that one field), so judged field by field.
    return [{ kind: 'write', id: to, fields: set, known: Object.fromEntries(set.map((f) => [f, vals[f]!])), perField: true }];
  };
  const p = spec.params;
  const hasIds = Array.isArray(spec.ids) ? spec.ids.length > 0 : spec.ids !== undefined && pyTrue(spec.ids);
  switch (spec.method) {
    case 'create':
      if (spec.model === T) {
        const tvals = (p.vals_list as RpcStruct[])[0]!;
        return (tvals.product_variant_ids as RpcValue[]).flatMap((cmd) => created((cmd as RpcValue[])[2] as RpcStruct, Object.fromEntries(Object.entries(tvals).filter(([f]) => f !== 'product_variant_ids'))));
      }
      return (Array.isArray(p.vals_list) ? (p.vals_list as RpcStruct[]) : [p.vals_list as RpcStruct]).flatMap((v) => created(v));
    case 'web_save':
      // odoo/addons/web/models/models.py web_save: `if self: self.write(vals) else: self = self.create(vals)`.
      return hasIds ? written(p.vals as RpcStruct) : created(p.vals as RpcStruct);
    case 'write':
      return written(p.vals as RpcStruct);
    case 'copy':
      return [{ kind: 'create', fields: [], known: {}, anyField: true, noDomain: true }];
    case 'name_create':
      return defaultLink ? [{ kind: 'write all' }] : [{ kind: 'create', fields: [], known: inheritedDefaults([]), anyField: true, textUnknown: true }];
    case 'load': {
      const fields = p.fields as string[];
      const rows = p.data as RpcValue[][];
      // load: context.get('module', '__import__') for external ids without a module, rows and cells alike.
      const module = typeof ctx.module === 'string' ? ctx.module : '__import__';
      const full = (x: string): string => (x.includes('.') ? x : `${module}.${x}`);
      const named = (x: string): { model: string; id: number } | undefined => (own(IDS, full(x)) ? IDS[full(x)] : undefined);
      // A reference in the link column that matches nothing is left empty under these keys (db_id_for).
      const unmatched = ['import_set_empty_fields', 'import_skip_records'].some((k) => {
        const v = ctx[k];
        return Array.isArray(v) ? v.includes(LINK) : typeof v === 'string' && v.includes(LINK);
      });
      const linkIndex = fields.findIndex((f) => LINK_COLUMNS.includes(f));
      const heads = fields.filter((f) => INHERITED.includes(f));
      const columns = [...new Set(fields.filter((f) => f !== 'id' && f !== '.id').map((f) => f.split('/')[0]!.replace(/[.:]id$/, '')))];
      const out: Effect[] = [];
      // New external ids outside __import__ / __export__ go into ir.model.data (the engine asks create there for any).
      if (fields.includes('id')) {
        for (const row of rows) {
          const x = row[fields.indexOf('id')];
          if (typeof x === 'string' && x !== '' && !['__import__', '__export__'].includes(full(x).split('.')[0]!)) out.push({ kind: 'external id', xmlid: full(x) });
        }
      }
      for (const row of rows) {
        const at = (f: string): RpcValue | undefined => row[fields.indexOf(f)];
        const known: RpcStruct = {};
        for (const h of heads) {
          const v = cellValue(h, at(h));
          if (v !== undefined) known[h] = v;
        }
        // The template a row's link cell names: a number, undefined (by name, or not known here), or
        // null (a cell db_id_for reads as no link, or, under the keys above, any reference).
        const cell = linkIndex >= 0 ? row[linkIndex] : undefined;
        const ref = linkIndex >= 0 ? linkRef(fields[linkIndex]!) : undefined;
        const noLink = cell === '' || cell === false || cell === null || cell === undefined || (ref !== 'name' && typeof cell === 'string' && ['0', 'false', 'no'].includes(cell.toLowerCase()));
        const linkId = ((): number | undefined => {
          if (noLink || ref === 'name') return undefined;
          if (ref === '.id') {
            const n = typeof cell === 'number' ? cell : /^\s*[0-9]+\s*$/.test(String(cell)) ? Number(cell) : NaN;
            return Number.isSafeInteger(n) && n > 0 ? n : undefined;
          }
          const rec = named(String(cell));
          return rec?.model === T ? rec.id : undefined;
        })();
        // The variant the row updates: its external id (wins), else a '.id' cell Python reads as true.
        const xid = fields.includes('id') ? at('id') : undefined;
        let updates: number | undefined | 'no';
        if (pyTrue(xid)) {
          const rec = typeof xid === 'string' ? named(xid) : undefined;
          if (rec && rec.model !== P) continue; // _load_records raises: the load fails
          updates = rec ? rec.id : 'no';
        } else if (fields.includes('.id') && pyTrue(at('.id'))) {
          const n = Number(String(at('.id')).trim());
          // int() of it, then search([('id', '=', it)]): anything else fails the load.
          if (!Number.isSafeInteger(n) || n <= 0 || !/^\s*-?[0-9]+\s*$/.test(String(at('.id')))) continue;
          updates = n;
        } else updates = 'no';
        if (updates !== 'no') {
          // _load_records_write: record.write(values), the link cell's value among them.
          out.push({ kind: 'variant write', id: updates, fields: columns });
          if (heads.length) out.push({ kind: 'write', id: linkId, fields: heads, known, perField: true });
          continue;
        }
        const dv = inheritedDefaults(heads);
        const creates = (): void => void out.push({ kind: 'create', fields: [...heads, ...Object.keys(dv)], known: { ...dv, ...known } });
        if (linkIndex < 0) {
          if (defaultLink) out.push({ kind: 'write all' });
          else creates();
          continue;
        }
        // db_id_for: empty and _str_to_boolean's false words ('', '0', 'false', 'no') name no record.
        if (noLink) {
          creates();
          continue;
        }
        if (unmatched) creates();
        // A bare external id may be an installed language's "no" (db_id_for then links nothing).
        else if (ref === 'id' && !String(cell).includes('.')) creates();
        if (heads.length && (ref === 'name' || linkId !== undefined)) out.push({ kind: 'write', id: linkId, fields: heads, known, perField: true });
      }
      return out;
    }
  }
  return [];
}

/** Problems with an allowed call's template effects. */
export function inheritsProblems(key: KeyScope, spec: CallSpec, d: Extract<Decision, { verdict: 'allow' }>): string[] {
  const p: string[] = [];
  const on = (op: string): Rule[] => key.rules.filter((r) => globMatches(r.model, T) && r.methods.includes(op));
  const covers = (r: Rule, fs: string[] | undefined): boolean => !r.fields || (fs !== undefined && fs.every((f) => r.fields!.includes(f)));
  const checked = (id: number): boolean => d.checks.some((c) => c.kind === 'ids_in_domain' && c.model === T && c.ids.includes(id));
  for (const e of effectsOf(spec)) {
    if (e.kind === 'variant write') {
      // A load row updating a variant: write on product.product with the row's columns, under domains that id checked.
      const rules = key.rules.filter((r) => globMatches(r.model, P) && r.methods.includes('write') && covers(r, e.fields));
      if (!rules.length) p.push(`variant ${e.id ?? '(named twice)'} is updated with ${JSON.stringify(e.fields)} and no write rule on ${P} covers them`);
      else if (!rules.some((r) => !r.domain) && (e.id === undefined || !d.checks.some((c) => c.kind === 'ids_in_domain' && c.model === P && c.ids.includes(e.id!)))) p.push(`variant ${e.id} is updated under write rules with domains, and no check names it`);
      continue;
    }
    if (e.kind === 'external id') {
      if (!key.rules.some((r) => r.model === 'ir.model.data' && r.methods.includes('create') && r.allow_sensitive === true)) p.push(`the external id ${e.xmlid} goes into ir.model.data, and no rule allows create there`);
      continue;
    }
    if (e.kind === 'write all') {
      if (!on('write').some((r) => !r.fields && !r.domain)) p.push('default_product_tmpl_id: Odoo writes every template field with a default, and no write rule there without fields and domain allows it');
    } else if (e.kind === 'create') {
      const known = e.textUnknown ? Object.fromEntries(Object.entries(e.known).filter(([f]) => !['char', 'text', 'html'].includes(SCHEMAS[T]![f]?.type ?? ''))) : e.known;
      const ok = on('create').some((r) => covers(r, e.anyField ? undefined : e.fields) && (!r.domain || (!e.noDomain && holds(r.domain, known))));
      if (!ok) p.push(`a template is created with ${JSON.stringify(e.anyField ? 'every field' : e.fields)} (known ${JSON.stringify(known)}) and no create rule there allows it${e.noDomain ? ' without a domain' : ' inside its domain'}`);
    } else if (e.perField) {
      // Inherited fields are written one by one (each its own inverse; load's columns likewise),
      // each judged on its own: every field a write rule, and where its rules all have domains, the
      // id checked (a variant's own template, not named in the call, never is).
      for (const f of e.fields) {
        const rules = on('write').filter((r) => covers(r, [f]));
        if (!rules.length) p.push(`template ${e.id ?? '(not named)'} is written '${f}' and no write rule there covers it`);
        else if (!rules.some((r) => !r.domain) && (e.id === undefined || !checked(e.id))) p.push(`template ${e.id ?? '(not named)'} is written '${f}' under write rules with domains, and no check names it`);
      }
    } else {
      const rules = on('write').filter((r) => covers(r, e.fields));
      if (!rules.length) p.push(`template ${e.id ?? '(unnamed)'} is written ${JSON.stringify(e.fields)} and no write rule there covers them`);
      else if (!rules.some((r) => !r.domain)) {
        if (e.id === undefined) {
          // Only the template being created can be written unnamed under a domain: what the line writes over it must keep it inside.
          if (spec.model !== T || !rules.some((r) => holds(r.domain!, e.known))) p.push(`an unnamed template is written ${JSON.stringify(e.fields)} under write rules with domains (known ${JSON.stringify(e.known)})`);
        } else if (!checked(e.id)) p.push(`template ${e.id} is written ${JSON.stringify(e.fields)} under write rules with domains, and no check names it`);
      }
    }
  }
  return p;
}

function problemsFor(key: KeyScope, spec: CallSpec): string[] {
  const out: string[] = [];
  for (const version of [18, 19]) {
    let d: Decision;
    try {
      d = decideInherits(key, spec, version);
    } catch (e) {
      return [`decide threw on ${version}: ${(e as Error).stack}`];
    }
    if (d.verdict === 'need_schema') out.push(`${version}: need_schema for ${d.models.join(', ')} ${JSON.stringify(d.xmlids ?? [])}, all given`);
    if (d.verdict !== 'allow') continue;
    for (const x of inheritsProblems(key, spec, d)) out.push(`${version}: ${x}`);
    // The general oracle too, on what it knows of these models (rule model, method, fields, context
    // keys); not on load, whose columns it reads with the other targets' schemas.
    if (spec.method !== 'load') for (const x of allowProblems(key, callOf(spec), d, version)) out.push(`${version}: ${x}`);
  }
  return out;
}

export const INHERITS_TARGETS: FuzzTarget[] = [
  {
    name: 'decide: _inherits creates (product.product / product.template) never allow a parent create or write no rule covers',
    quickRuns: 1000,
    property: () =>
      fc.property(inheritsSpecArb.chain((spec) => fc.tuple(inheritsKeyAround(spec), fc.constant(spec))), ([key, spec]) => {
        const problems = problemsFor(key, spec);
        if (problems.length) throw new Error(problems.join('\n'));
      }),
  },
];
