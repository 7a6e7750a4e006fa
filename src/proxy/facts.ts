// What the journal records about a call: the record ids it named and the names of the fields it
// wrote (never their values), read through the scope engine's argument binding so every call
// shape (execute_kw, execute, JSON-2) gives the same answer.

import type { OdooCall } from '../rpc/call.js';
import { isStruct, type RpcValue } from '../rpc/values.js';
import { bindCall } from '../policy/bind.js';

export interface CallFacts {
  ids?: number[];
  fields?: string[];
}

const MAX_IDS = 1000;

function idList(v: RpcValue | undefined): number[] | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return [v];
  if (!Array.isArray(v)) return undefined;
  const ids = v.filter((x): x is number => typeof x === 'number' && Number.isInteger(x));
  return ids.length ? ids.slice(0, MAX_IDS) : undefined;
}

function writtenNames(vals: RpcValue | undefined): string[] {
  const rows = Array.isArray(vals) ? vals : [vals];
  const names = new Set<string>();
  for (const row of rows) if (isStruct(row)) for (const k of Object.keys(row)) names.add(k);
  return [...names].sort();
}

export function callFacts(call: OdooCall, version: number): CallFacts {
  let b;
  try {
    b = bindCall(call, version);
  } catch {
    return {};
  }
  const out: CallFacts = {};
  const ids = idList(b.ids);
  if (ids) out.ids = ids;
  const vals = b.params.vals_list ?? b.params.vals ?? (call.method === 'copy' ? b.params.default : undefined);
  const fields = writtenNames(vals);
  if (fields.length) out.fields = fields;
  return out;
}

/** Ids of the records a create made, from its result (a bare id, or a list for a list of values). */
export function resultIds(call: OdooCall, result: RpcValue | undefined): number[] | undefined {
  if (!['create', 'copy', 'name_create'].includes(call.method)) return undefined;
  if (call.method === 'name_create' && Array.isArray(result)) return idList(result[0]);
  return idList(result);
}
