// What a call costs under `records_per_hour`, and how the proxy keeps it within what is left before
// forwarding it. Pure: the budget itself is limits.ts's, the counting upstream is the proxy's.
//
// Every method that hands back records is charged, whatever protocol carried it, so that a key
// refused a search_read cannot read the same records through name_search or a grouping:
// - searches (search, search_read, search_fetch, web_search_read, name_search, web_name_search):
//   their limit is narrowed to what is left; charged the rows returned;
// - record methods that return their records' data (read, fetch, name_get, web_read, export_data,
//   copy_data, get_metadata, web_save, web_save_multi, onchange on records): refused for more ids
//   than what is left; charged the rows returned (the ids asked for when the answer is not a list);
// - groupings (read_group, web_read_group, formatted_read_group, formatted_read_grouping_sets,
//   read_progress_bar): their groups can cover every record of the domain (`array_agg`, a groupby
//   on `id`, progress-bar keys), and how many is not in every answer (formatted_read_group has a
//   count only when asked for `__count`, read_group's count key can be overwritten by an aggregate
//   alias). So the records of the domain are counted upstream first: refused when more than what
//   is left, else charged that count.
// Counts (search_count, search with count), meta methods, creates, writes and deletes are free.

import type { OdooCall } from '../rpc/call.js';
import { isStruct, type RpcValue } from '../rpc/values.js';
import { bindCall, rebuildCall } from './bind.js';
import { odooFlag, odooLimit, signatureOf } from './methods.js';

export type RecordsPlan =
  /** Returns no records. */
  | { kind: 'free' }
  /** A search: the limit is narrowed to what is left. `odooDefault`: Odoo's limit when none is given (null: none). */
  | { kind: 'limit'; odooDefault: number | null }
  /** A record method returning its records: `count` ids (refused when more than what is left). */
  | { kind: 'ids'; count: number }
  /** A grouping: the records of `domain` (with the call's context) are counted upstream first. */
  | { kind: 'count'; domain: RpcValue[]; context?: RpcValue };

/** Record methods outside the `read` kind that answer with their records' data. */
const DATA_RETURNING = new Set(['copy_data', 'get_metadata', 'web_save', 'web_save_multi', 'onchange']);

/** How a decided call is charged on an Odoo version. */
export function recordsPlan(call: OdooCall, version: number): RecordsPlan {
  const sig = signatureOf(call.method, version);
  // Methods outside the standard table: what they return is unknown (a documented limit).
  if (!sig) return { kind: 'free' };
  const b = bindCall(call, version);
  const p = b.params;
  switch (sig.kind) {
    case 'search':
      // An unclear count flag is charged as a search: decide() refuses it anyway.
      if (call.method === 'search_count' || (call.method === 'search' && odooFlag(p.count) === true)) return { kind: 'free' };
      return { kind: 'limit', odooDefault: null };
    case 'name_search':
      return { kind: 'limit', odooDefault: 100 };
    case 'group': {
      const domain = Array.isArray(p.domain) ? p.domain : [];
      return b.context !== undefined ? { kind: 'count', domain, context: b.context } : { kind: 'count', domain };
    }
    case 'read':
      return { kind: 'ids', count: idCount(b.ids) };
    default: {
      if (!DATA_RETURNING.has(call.method)) return { kind: 'free' };
      const count = idCount(b.ids);
      // web_save on no records creates one and answers its data; onchange on no records reads none.
      if (call.method === 'web_save') return { kind: 'ids', count: Math.max(1, count) };
      return count === 0 ? { kind: 'free' } : { kind: 'ids', count };
    }
  }
}

function idCount(ids: RpcValue | undefined): number {
  if (Array.isArray(ids)) return ids.length;
  return ids === undefined || ids === null || ids === false ? 0 : 1;
}

/**
 * A search's limit kept within `allowed`: unchanged when the client's limit (or Odoo's default)
 * already is, else set to `allowed`. `bound` is the most rows the forwarded call can return.
 */
export function narrowLimit(call: OdooCall, version: number, allowed: number, odooDefault: number | null): { call: OdooCall; bound: number; narrowed: boolean } {
  const b = bindCall(call, version);
  const effective = odooLimit(b.params.limit, odooDefault);
  if (effective !== null && effective <= allowed) return { call, bound: effective, narrowed: false };
  b.params.limit = allowed;
  return { call: rebuildCall(b), bound: allowed, narrowed: true };
}

/**
 * The records an answer is charged. `result` undefined: the answer streamed past unread, charged
 * `bound` (the most the call could return: the narrowed limit, the ids, the counted records).
 */
export function recordsCharged(plan: RecordsPlan, result: RpcValue | undefined, bound: number): number {
  if (plan.kind === 'free') return 0;
  if (plan.kind === 'count' || result === undefined) return bound;
  if (Array.isArray(result)) return result.length;
  if (plan.kind === 'limit' && isStruct(result) && Array.isArray(result.records)) return result.records.length; // web_search_read
  return bound;
}
