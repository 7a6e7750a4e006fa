// A model's schema for the scope engine, from Odoo's fields_get answer (asked for with
// SCHEMA_ATTRIBUTES). One reading for the proxy and `check`, so both decide alike.
import { isStruct, type RpcValue } from '../rpc/values.js';
import type { FieldInfo, ModelSchema } from './types.js';

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
    schema[name] = f;
  }
  return schema;
}
