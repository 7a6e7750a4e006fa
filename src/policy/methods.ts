// Odoo's public ORM entry points, per version (16 to 19): where each parameter sits, which ones are
// read-only (the `read` preset), and what each one touches. Read from odoo/models.py and
// addons/web/models/models.py of 16.0, 17.0, 18.0 and 19.0.
//
// Over execute_kw / execute, a record method takes its ids as the first positional argument; over
// JSON-2 the ids are in the body. Parameters may come positionally or by name (execute_kw kwargs,
// JSON-2 body); `context` is never a parameter here, it travels beside them.

import { numberOf, type RpcValue } from '../rpc/values.js';

export type MethodKind =
  | 'search' // domain -> ids or rows
  | 'read' // ids -> rows
  | 'group' // domain -> groups
  | 'name_search'
  | 'meta' // fields_get, default_get, check_access...: about the model, not its records
  | 'create'
  | 'write'
  | 'unlink'
  | 'copy'
  | 'other';

export interface MethodSignature {
  /** The ids come first (execute_kw/execute) or in the JSON-2 body's `ids`. */
  records: boolean;
  /** Parameter names in positional order, after the ids. */
  params: string[];
  /** Parameters that can only be given by name (Python's `*, x` or **kwargs the method reads). */
  keywordOnly?: string[];
  kind: MethodKind;
}

type Table = Record<string, MethodSignature>;

const sig = (kind: MethodKind, records: boolean, params: string[], keywordOnly?: string[]): MethodSignature =>
  keywordOnly ? { kind, records, params, keywordOnly } : { kind, records, params };

/** Signatures common to 16-19; the per-version tables below override or remove entries. */
const COMMON: Table = {
  search_count: sig('search', false, ['domain', 'limit']),
  search_read: sig('search', false, ['domain', 'fields', 'offset', 'limit', 'order'], ['load']),
  read: sig('read', true, ['fields', 'load']),
  name_search: sig('name_search', false, ['name', 'args', 'operator', 'limit']),
  fields_get: sig('meta', false, ['allfields', 'attributes']),
  read_group: sig('group', false, ['domain', 'fields', 'groupby', 'offset', 'limit', 'orderby', 'lazy']),
  read_progress_bar: sig('group', false, ['domain', 'group_by', 'progress_bar']),
  default_get: sig('meta', false, ['fields_list']),
  check_access_rights: sig('meta', false, ['operation', 'raise_exception']),
  create: sig('create', false, ['vals_list']),
  write: sig('write', true, ['vals']),
  unlink: sig('unlink', true, []),
  copy: sig('copy', true, ['default']),
  copy_data: sig('copy', true, ['default']),
  name_create: sig('create', false, ['name']),
  export_data: sig('read', true, ['fields_to_export']),
  load: sig('create', false, ['fields', 'data']),
  exists: sig('other', true, []),
  get_metadata: sig('other', true, []),
};

const V16: Table = {
  ...COMMON,
  search: sig('search', false, ['domain', 'offset', 'limit', 'order', 'count']),
  name_get: sig('read', true, []),
  web_search_read: sig('search', false, ['domain', 'fields', 'offset', 'limit', 'order', 'count_limit']),
  web_read_group: sig('group', false, ['domain', 'fields', 'groupby', 'limit', 'offset', 'orderby', 'lazy', 'expand', 'expand_limit', 'expand_orderby']),
  onchange: sig('other', true, ['values', 'field_name', 'field_onchange']),
};

const V17: Table = {
  ...COMMON,
  search: sig('search', false, ['domain', 'offset', 'limit', 'order']),
  search_fetch: sig('search', false, ['domain', 'field_names', 'offset', 'limit', 'order']),
  fetch: sig('read', true, ['field_names']),
  web_search_read: sig('search', false, ['domain', 'specification', 'offset', 'limit', 'order', 'count_limit']),
  web_read: sig('read', true, ['specification']),
  web_save: sig('write', true, ['vals', 'specification', 'next_id']),
  web_read_group: sig('group', false, ['domain', 'fields', 'groupby', 'limit', 'offset', 'orderby', 'lazy', 'expand', 'expand_limit', 'expand_orderby']),
  onchange: sig('other', true, ['values', 'field_names', 'fields_spec']),
};

const V18: Table = {
  ...V17,
  web_read_group: sig('group', false, ['domain', 'fields', 'groupby', 'limit', 'offset', 'orderby', 'lazy']),
  web_name_search: sig('name_search', false, ['name', 'specification', 'domain', 'operator', 'limit']),
  has_access: sig('meta', true, ['operation']),
  check_access: sig('meta', true, ['operation']),
};

const V19: Table = {
  ...V18,
  name_search: sig('name_search', false, ['name', 'domain', 'operator', 'limit']),
  default_get: sig('meta', false, ['fields']),
  formatted_read_group: sig('group', false, ['domain', 'groupby', 'aggregates', 'having', 'offset', 'limit', 'order']),
  formatted_read_grouping_sets: sig('group', false, ['domain', 'grouping_sets', 'aggregates'], ['order']),
  web_read_group: sig('group', false, ['domain', 'groupby', 'aggregates', 'limit', 'offset', 'order'], [
    'auto_unfold', 'opening_info', 'unfold_read_specification', 'unfold_read_default_limit', 'groupby_read_specification',
  ]),
  web_save_multi: sig('write', true, ['vals_list', 'specification']),
};

/** The Odoo major version a table is chosen by (below 16 is read as 16, above 19 as 19). */
export function tableVersion(version: number): 16 | 17 | 18 | 19 {
  if (!Number.isFinite(version) || version <= 16) return 16;
  if (version >= 19) return 19;
  return Math.floor(version) as 17 | 18;
}

const TABLES: Record<16 | 17 | 18 | 19, Table> = { 16: V16, 17: V17, 18: V18, 19: V19 };

/** The signature of a standard ORM method on an Odoo version, or undefined for other methods. */
export function signatureOf(method: string, version: number): MethodSignature | undefined {
  const t = TABLES[tableVersion(version)];
  return Object.prototype.hasOwnProperty.call(t, method) ? t[method] : undefined;
}

/** The read-only public entry points of each version: what the `read` preset allows. */
export const READ_METHODS: Readonly<Record<16 | 17 | 18 | 19, readonly string[]>> = {
  16: ['search', 'search_read', 'read', 'search_count', 'name_search', 'name_get', 'fields_get', 'read_group', 'web_search_read', 'web_read_group', 'read_progress_bar'],
  17: ['search', 'search_read', 'read', 'search_count', 'name_search', 'fields_get', 'read_group', 'web_search_read', 'web_read', 'web_read_group', 'read_progress_bar', 'search_fetch', 'fetch'],
  18: ['search', 'search_read', 'read', 'search_count', 'name_search', 'fields_get', 'read_group', 'web_search_read', 'web_read', 'web_read_group', 'read_progress_bar', 'search_fetch', 'fetch', 'web_name_search'],
  19: ['search', 'search_read', 'read', 'search_count', 'name_search', 'fields_get', 'read_group', 'web_search_read', 'web_read', 'web_read_group', 'read_progress_bar', 'search_fetch', 'fetch', 'web_name_search', 'formatted_read_group', 'formatted_read_grouping_sets'],
};

/** Every method any version's `read` preset holds (for scope edits, which know no version). */
export const READ_PRESET_ANY_VERSION: ReadonlySet<string> = new Set(Object.values(READ_METHODS).flat());

/**
 * The most rows Odoo returns for a `limit` parameter as given (undefined: not given). The method's
 * own default applies only when none is given; 0, false, null and '' given mean no limit (null here):
 * Odoo's Query writes `LIMIT` only for a truthy limit.
 */
export function odooLimit(given: RpcValue | undefined, methodDefault: number | null): number | null {
  if (given === undefined) return methodDefault;
  const n = numberOf(given);
  return n !== undefined && n > 0 ? n : null;
}

/**
 * A flag parameter (count, expand, auto_unfold) as Odoo reads it: Python truthiness. JavaScript's
 * disagrees on NaN (true in Python), [], {} and 0.0 (false in Python), so a flag holding anything
 * but a boolean, null or an integer is 'unclear': callers refuse it or take the stricter reading.
 */
export function odooFlag(given: RpcValue | undefined): boolean | 'unclear' {
  if (given === undefined || given === null || given === false) return false;
  if (given === true) return true;
  if (typeof given === 'number' && Number.isInteger(given)) return given !== 0;
  return 'unclear';
}

/**
 * Whether a name_search's text leaves the search open (every record matches): only an empty text
 * (or None, False) with like / ilike (Odoo 17's _name_search skips '', an empty pattern is TRUE in
 * SQL, and 19 optimises it away). Anything else is `display_name <operator> name`, a search on the
 * fields the model picks: name_search('', operator='!=') lists the res.partner records whose
 * email, vat and ref are all set.
 */
export function nameSearchMatchesAll(name: RpcValue | undefined, operator: RpcValue | undefined): boolean {
  const op = typeof operator === 'string' ? operator.toLowerCase() : operator === undefined ? 'ilike' : '';
  return (name === undefined || name === null || name === false || name === '') && (op === 'ilike' || op === 'like');
}

/** The presets a rule may name. `create`, `write`, `unlink` are the methods of the same name. */
export const PRESETS = ['read', 'create', 'write', 'unlink'] as const;

/** The methods a rule's method list allows on a version (the `read` preset expanded). */
export function expandMethods(methods: readonly string[], version: number): Set<string> {
  const out = new Set<string>();
  for (const m of methods) {
    if (m === 'read') for (const r of READ_METHODS[tableVersion(version)]) out.add(r);
    else out.add(m);
  }
  return out;
}

/** The method names the tables and presets know, on any version: the standard ORM entry points. */
export const KNOWN_METHODS: ReadonlySet<string> = new Set<string>([...PRESETS, ...READ_PRESET_ANY_VERSION, ...Object.values(TABLES).flatMap((t) => Object.keys(t))]);
