// A model's schema for the scope engine, from Odoo's fields_get answer (asked for with
// SCHEMA_ATTRIBUTES). One reading for the proxy and `check`, so both decide alike.
import { isStruct, type RpcValue } from '../rpc/values.js';
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
