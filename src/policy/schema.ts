// A model's schema for the scope engine, from Odoo's fields_get answer (asked for with
// SCHEMA_ATTRIBUTES). One reading for the proxy and `check`, so both decide alike.
import { isStruct, type RpcStruct, type RpcValue } from '../rpc/values.js';
import type { FieldInfo, ModelSchema, PropertiesDefinition } from './types.js';

export function schemaFromFieldsGet(answer: RpcValue): ModelSchema {
  const schema: ModelSchema = {};
  if (!isStruct(answer)) return schema;
  for (const [name, info] of Object.entries(answer)) {
    if (!isStruct(info)) continue;
    const f: FieldInfo = { type: String(info.type ?? '') };
    if (typeof info.relation === 'string' && info.relation) f.relation = info.relation;
    if (typeof info.relation_field === 'string' && info.relation_field) f.relation_field = info.relation_field;
    if (typeof info.related === 'string' && info.related) f.related = info.related;
    if (Array.isArray(info.depends)) f.depends = info.depends.filter((d): d is string => typeof d === 'string');
    if (typeof info.readonly === 'boolean') f.readonly = info.readonly;
    if (info.required === true) f.required = true;
    if (typeof info.model_field === 'string' && info.model_field) f.model_field = info.model_field;
    if (typeof info.definition_record === 'string' && info.definition_record) f.definition_record = info.definition_record;
    if (typeof info.definition_record_field === 'string' && info.definition_record_field) f.definition_record_field = info.definition_record_field;
    schema[name] = f;
  }
  return schema;
}

/**
 * A properties definition from a read of the field holding it (crm.team's
 * `lead_properties_definition`: a list of `{name, type, comodel, ...}`), or null when the answer is
 * not one. A name given twice with different types or comodels (Odoo merges a value into every
 * entry of its name, Properties._dict_to_list) is `ambiguous`, which links nothing the engine can
 * name. Keyed without a prototype: names come from Odoo's data.
 */
export function propertiesDefinitionFrom(value: RpcValue | undefined): PropertiesDefinition | null {
  const out: PropertiesDefinition = Object.create(null) as PropertiesDefinition;
  if (value === false || value === null || value === undefined) return out; // no definition
  if (!Array.isArray(value)) return null;
  for (const d of value) {
    if (!isStruct(d)) return null;
    if (typeof d.name !== 'string') continue;
    const p = { type: String(d.type ?? ''), ...(typeof d.comodel === 'string' && d.comodel ? { comodel: d.comodel } : {}) };
    const seen = out[d.name];
    out[d.name] = seen && (seen.type !== p.type || seen.comodel !== p.comodel) ? { type: 'ambiguous' } : p;
  }
  return out;
}

/** The many2one `field` of each row of a search_read (`[id, name]`, an id, or false), or null when a row is not one. */
export function currentLinksFrom(rows: RpcValue, field: string): (number | false)[] | null {
  if (!Array.isArray(rows)) return null;
  const out: (number | false)[] = [];
  for (const r of rows) {
    if (!isStruct(r)) return null;
    const v = r[field];
    if (v === false || v === null || v === undefined) out.push(false);
    else if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) out.push(v);
    else if (Array.isArray(v) && typeof v[0] === 'number' && Number.isSafeInteger(v[0]) && v[0] > 0) out.push(v[0]);
    else return null;
  }
  return out;
}

/**
 * The properties definitions in `field` of the rows of one search_read by ids (`[['id', 'in', ids]]`),
 * by id: null for an id no row answers or whose value is not a definition. One read for every
 * definition record a call names, however many.
 */
export function definitionsById(rows: RpcValue, field: string, ids: readonly number[]): Map<number, PropertiesDefinition | null> {
  const out = new Map<number, PropertiesDefinition | null>(ids.map((id) => [id, null]));
  if (!Array.isArray(rows)) return out;
  for (const r of rows) {
    if (!isStruct(r) || typeof r.id !== 'number' || !out.has(r.id)) continue;
    out.set(r.id, propertiesDefinitionFrom(r[field]));
  }
  return out;
}

/**
 * The many2one `field` of the rows of one search_read by ids, by id (an id, false when empty, null
 * when the value is not one), or null when the answer is not a list of rows. `linksOf` picks one
 * query's records from it.
 */
export function currentLinksById(rows: RpcValue, field: string): Map<number, number | false | null> | null {
  if (!Array.isArray(rows)) return null;
  const out = new Map<number, number | false | null>();
  for (const r of rows) {
    if (!isStruct(r) || typeof r.id !== 'number') return null;
    const one = currentLinksFrom([r], field);
    out.set(r.id, one === null ? null : one[0]!);
  }
  return out;
}

/** The current links of `ids` (one entry per record found, as currentLinksFrom), or null when one cannot be read. */
export function linksOf(byId: ReadonlyMap<number, number | false | null> | null, ids: readonly number[]): (number | false)[] | null {
  if (!byId) return null;
  const out: (number | false)[] = [];
  for (const id of ids) {
    if (!byId.has(id)) continue;
    const v = byId.get(id)!;
    if (v === null) return null;
    out.push(v);
  }
  return out;
}

/**
 * The model each ir.model id names, from one ir.model search_read of `model` by id (`[['id', 'in',
 * ids]]`): null for an id no row answers (no such record, or not readable), or when the answer is
 * not a list of rows. The proxy and `check` read it alike.
 */
export function irModelNamesById(rows: RpcValue, ids: Iterable<number>): Map<number, string | null> {
  const out = new Map<number, string | null>([...ids].map((id) => [id, null]));
  if (!Array.isArray(rows)) return out;
  for (const r of rows) if (isStruct(r) && typeof r.id === 'number' && out.has(r.id) && typeof r.model === 'string') out.set(r.id, r.model);
  return out;
}

/**
 * need_schema's `current` and `definitions` queries grouped into the reads that answer them: one
 * search_read per model and field (and, for definitions, per `fresh`), whatever the number of
 * records or definition records a call names, so one call cannot multiply Odoo calls. Each group
 * comes with the ids to read (sorted, once each). The proxy and `check` read alike.
 */
export function readsFor<Q extends { model: string; field: string; fresh?: boolean; within?: RpcValue[] } & ({ ids: readonly number[] } | { id: number })>(queries: readonly Q[]): { model: string; field: string; fresh: boolean; within?: RpcValue[]; ids: number[]; queries: Q[] }[] {
  const groups = new Map<string, { model: string; field: string; fresh: boolean; within?: RpcValue[]; ids: Set<number>; queries: Q[] }>();
  for (const q of queries) {
    // One read per domain too: records read inside a rule's domain only (`within`) are not read with others.
    const key = `${q.model}\u0000${q.field}${q.fresh ? '\u0000fresh' : ''}${q.within ? `\u0000${JSON.stringify(q.within)}` : ''}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { model: q.model, field: q.field, fresh: !!q.fresh, ...(q.within ? { within: q.within } : {}), ids: new Set(), queries: [] }));
    g.queries.push(q);
    for (const id of 'ids' in q ? q.ids : [q.id]) g.ids.add(id);
  }
  return [...groups.values()].map((g) => ({ ...g, ids: [...g.ids].sort((a, b) => a - b) }));
}

/** A search_read Odoo is asked before a call is decided: the model and its keyword arguments, the same from the proxy and `check`. */
export interface LookupRead {
  model: string;
  kwargs: RpcStruct;
}

/**
 * `fields` of the records `ids` of `model`, archived ones too (ir.model names, properties
 * definitions, current links); with `within`, only those inside that domain (Odoo reads a list of
 * terms as their AND, as the id checks count them).
 */
export function readByIds(model: string, fields: readonly string[], ids: readonly number[], within?: readonly RpcValue[]): LookupRead {
  return { model, kwargs: { domain: [['id', 'in', [...ids]], ...(within ?? [])], fields: [...fields], context: { active_test: false } } };
}

/** The ir.model.data rows of `xmlids`, all in one search (xmlidLookupDomain), read as externalIdsFrom reads them. */
export function externalIdsRead(xmlids: Iterable<string>): LookupRead {
  return { model: 'ir.model.data', kwargs: { domain: xmlidLookupDomain(xmlids), fields: [...XMLID_FIELDS] } };
}

/** The fields an external id look-up reads from ir.model.data. */
export const XMLID_FIELDS = ['module', 'name', 'model', 'res_id'] as const;

/**
 * The ir.model.data domain finding every external id of `xmlids` (`module.name`, split at the first
 * '.' as Odoo's _xmlid_to_record_id and _lookup_xmlids split it) in one search: per module, the
 * names in it, OR'ed. Names without a '.' are left out (they name nothing).
 */
export function xmlidLookupDomain(xmlids: Iterable<string>): RpcValue[] {
  const byModule = new Map<string, Set<string>>();
  for (const x of xmlids) {
    const dot = x.indexOf('.');
    if (dot < 0) continue;
    const names = byModule.get(x.slice(0, dot)) ?? new Set<string>();
    names.add(x.slice(dot + 1));
    byModule.set(x.slice(0, dot), names);
  }
  const leaves = [...byModule].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([module, names]): RpcValue[] => ['&', ['module', '=', module], ['name', 'in', [...names].sort()]]);
  if (leaves.length === 0) return [['id', '=', 0]];
  return [...Array<RpcValue>(leaves.length - 1).fill('|'), ...leaves.flat()];
}

/**
 * The record each external id names, from one ir.model.data search_read with XMLID_FIELDS over
 * xmlidLookupDomain: `{model, id}`, or null for an external id no row answers (or one whose res_id
 * is empty: Odoo's load then creates, its `/id` links find nothing). Rows for external ids not asked
 * for are ignored. null for the whole answer when it is not a list of such rows, or a row answering
 * one asked for is malformed or contradicts another: "none has it" makes an `id` row a create, so an
 * answer the engine cannot read must fail the call, never read as that. The proxy and `check` read alike.
 */
export function externalIdsFrom(rows: RpcValue, xmlids: Iterable<string>): Map<string, { model: string; id: number } | null> | null {
  const out = new Map<string, { model: string; id: number } | null>([...xmlids].map((x) => [x, null]));
  if (!Array.isArray(rows)) return null;
  const answered = new Set<string>();
  for (const r of rows) {
    if (!isStruct(r) || typeof r.module !== 'string' || typeof r.name !== 'string') return null;
    const x = `${r.module}.${r.name}`;
    if (!out.has(x)) continue;
    if (answered.has(x)) return null;
    answered.add(x);
    if (r.res_id === false || r.res_id === null || r.res_id === 0) continue;
    if (typeof r.model !== 'string' || typeof r.res_id !== 'number' || !Number.isSafeInteger(r.res_id) || r.res_id < 0) return null;
    out.set(x, { model: r.model, id: r.res_id });
  }
  return out;
}
