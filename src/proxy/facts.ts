// What the journal records about a call: the record ids it named and the names of the fields it
// wrote (never their values), read through the scope engine's argument binding so every call
// shape (execute_kw, execute, JSON-2) gives the same answer.

import type { OdooCall } from '../rpc/call.js';
import { isStruct, PyFloat, type RpcStruct, type RpcValue } from '../rpc/values.js';
import { bindCall, type BoundCall } from '../policy/bind.js';
import { nameSearchMatchesAll } from '../policy/methods.js';
import { importExportPath } from '../policy/names.js';
import { domainShapeProblem, HIERARCHY_OPERATORS, isConstantLeaf, normalizeDomain, SUBDOMAIN_OPERATORS } from '../policy/domain.js';
import { HARMLESS_CONTEXT_KEYS, isNameSearchLeaf, loadCellMayName, loadCellNames, namedIn } from '../policy/decide.js';
import { pyFalsy } from '../rpc/call.js';
import type { JournalConstant, JournalDomainLeaf, JournalInput, JournalX2many } from '../audit/types.js';

/** Journal members read from the call itself (learning keys get more: see learningFacts). */
export type CallFacts = Pick<JournalInput, 'ids' | 'fields' | 'read_fields' | 'search_fields' | 'domain_leaves' | 'context_keys' | 'x2many' | 'any_field' | 'unset_fields' | 'empty_fields'>;

// Every id and name is collected here, however many: the journal keeps the first of each list
// and counts the rest (`more`, see src/audit/chain.ts), so reports count them all.
function idList(v: RpcValue | undefined): number[] | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return [v];
  if (!Array.isArray(v)) return undefined;
  const ids = v.filter((x): x is number => typeof x === 'number' && Number.isInteger(x));
  return ids.length ? ids : undefined;
}

function writtenNames(vals: RpcValue | undefined): string[] {
  const rows = Array.isArray(vals) ? vals : [vals];
  const names = new Set<string>();
  for (const row of rows) if (isStruct(row)) for (const k of Object.keys(row)) names.add(k);
  return [...names].sort();
}

/** load's columns (`tag_ids/id`, `partner_id/.id`): the fields they write. */
function loadColumns(columns: RpcValue | undefined): string[] {
  if (!Array.isArray(columns)) return [];
  const names = new Set<string>();
  for (const c of columns) if (typeof c === 'string' && c !== '') names.add(importExportPath(c)[0]!);
  return [...names].sort();
}

/**
 * The journal's facts about a call. With `learning`, also what `scope suggest` learns from: the
 * fields read, searched, ordered and grouped on, constant domain leaves, context keys and x2many
 * commands (see JournalInput).
 */
export function callFacts(call: OdooCall, version: number, opts: { learning?: boolean } = {}): CallFacts {
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
  const fields = call.method === 'load' ? loadColumns(b.params.fields) : writtenNames(vals);
  if (fields.length) out.fields = fields;
  if (opts.learning) learningFacts(b, out, version);
  return out;
}

/** Ids of the records a create made, from its result (a bare id, or a list for a list of values). */
export function resultIds(call: OdooCall, result: RpcValue | undefined): number[] | undefined {
  if (!['create', 'copy', 'name_create'].includes(call.method)) return undefined;
  if (call.method === 'name_create' && Array.isArray(result)) return idList(result[0]);
  return idList(result);
}

// -------------------------------------------------------------------------------------------------
// Learning keys (issue 11): what `odoo-keys scope suggest` needs to propose the least scope.
// Names of fields, paths and context keys; of values, only the simple constants of domain leaves.

function addPath(set: Set<string>, path: unknown): void {
  if (typeof path !== 'string') return;
  const p = path.trim().replace(/\//g, '.');
  if (/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(p)) set.add(p);
}

/** `name desc, id` / `amount:sum desc` -> the fields (prefixed with the relation path of a sub-specification). */
function orderFields(set: Set<string>, order: RpcValue | undefined, prefix = ''): void {
  if (typeof order !== 'string') return;
  for (const part of order.split(',')) {
    const term = part.trim().split(/\s+/)[0];
    // `total:sum(amount)` orders by the aggregate of amount
    const inner = term ? /\(([^)]*)\)/.exec(term) : null;
    addPath(set, prefix + ((inner ? inner[1] : term?.split(':')[0]) ?? ''));
  }
}

/** `date:month`, `partner_id.country_id` -> the field paths grouped on. */
function groupbyFields(set: Set<string>, groupby: RpcValue | undefined): void {
  const list = typeof groupby === 'string' ? [groupby] : Array.isArray(groupby) ? groupby : [];
  for (const g of list) if (typeof g === 'string') addPath(set, g.split(':')[0]);
}

/** `expected_revenue:sum`, `total:sum(amount)`, `__count` -> the fields aggregated. */
function aggregateFields(set: Set<string>, aggregates: RpcValue | undefined): void {
  if (!Array.isArray(aggregates)) return;
  for (const a of aggregates) {
    if (typeof a !== 'string' || a === '__count') continue;
    const inner = /\(([^)]*)\)/.exec(a);
    addPath(set, inner ? inner[1] : a.split(':')[0]);
  }
}

/** A relation path from the call's model, `id` for the model itself (see JournalInput.any_field). */
function relationPath(prefix: string, rest: string[]): string {
  const path = prefix + rest.join('.');
  return path.replace(/\.$/, '') || 'id';
}

/**
 * Every field path a domain's leaves name, sub-domains of `any` prefixed with their path; in `any`,
 * the relations whose records a leaf may match on any field (as decide's domain check asks).
 */
function domainFields(set: Set<string>, domain: RpcValue | undefined, anyField: Set<string> | null = null, prefix = '', depth = 0): void {
  if (!Array.isArray(domain) || depth > 8) return;
  for (const item of domain) {
    if (!Array.isArray(item) || item.length !== 3 || typeof item[0] !== 'string') continue;
    const op = typeof item[1] === 'string' ? item[1].toLowerCase() : '';
    addPath(set, prefix + item[0]);
    if (SUBDOMAIN_OPERATORS.has(op)) {
      domainFields(set, item[2], anyField, `${prefix}${item[0]}.`, depth + 1);
      continue;
    }
    if (!anyField) continue;
    const segments = item[0].split('.');
    const last = segments[segments.length - 1]!;
    if (HIERARCHY_OPERATORS.has(op)) {
      // child_of / parent_of walk the hierarchy of the field's comodel (of the model itself for `id`).
      anyField.add(relationPath(prefix, segments.length === 1 && last === 'id' ? [] : segments));
    } else if (isNameSearchLeaf(last, op, item[2] as RpcValue)) {
      // display_name: the model owning it; text compared with a relation: the relation's comodel.
      anyField.add(relationPath(prefix, last === 'display_name' ? segments.slice(0, -1) : segments));
    }
  }
}

const CODE = /^[a-z][a-z0-9_]{0,39}$/;

function simpleConstant(v: RpcValue): v is string | number | boolean | null {
  if (v === null || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (v instanceof PyFloat) return false;
  return typeof v === 'string' && CODE.test(v);
}

/**
 * The leaves ANDed at the top of a domain (reached from the root through '&' only), when their
 * value is a simple constant. Leaves under '|' or '!' do not constrain every record, so they are left out.
 */
function constantTopLeaves(domain: RpcValue | undefined): JournalDomainLeaf[] {
  if (!Array.isArray(domain) || domain.length === 0 || domainShapeProblem(domain) !== null) return [];
  const items = normalizeDomain(domain);
  const out: JournalDomainLeaf[] = [];
  let i = 0;
  const walk = (anded: boolean): void => {
    const item = items[i++];
    if (item === '&' || item === '|') {
      walk(anded && item === '&');
      walk(anded && item === '&');
      return;
    }
    if (item === '!') {
      walk(false);
      return;
    }
    if (!anded || !Array.isArray(item) || isConstantLeaf(item)) return;
    const [path, op, value] = item as [string, string, RpcValue];
    if (SUBDOMAIN_OPERATORS.has(op.toLowerCase())) return;
    if (Array.isArray(value) ? value.length <= 20 && value.every(simpleConstant) : simpleConstant(value)) {
      out.push([path, op.toLowerCase(), (Array.isArray(value) ? [...value] : value) as JournalConstant]);
    }
  };
  while (i < items.length) walk(true);
  return out;
}

/**
 * A specification's fields as paths (`partner_id.country_id.code`: sub-specifications read the
 * comodel), the comodel fields their `order` names, and the context keys they carry.
 */
function specKeys(read: Set<string>, spec: RpcValue | undefined, search: Set<string>, contextKeys: Set<string>, prefix = '', depth = 0): boolean {
  if (!isStruct(spec) || depth > 8) return false;
  for (const [k, sub] of Object.entries(spec)) {
    addPath(read, prefix + k);
    if (!isStruct(sub)) continue;
    if (isStruct(sub.context)) for (const c of Object.keys(sub.context)) contextKeys.add(c);
    orderFields(search, sub.order, `${prefix}${k}.`);
    specKeys(read, sub.fields, search, contextKeys, `${prefix}${k}.`, depth + 1);
  }
  return true;
}

/** A field list: the names, or `*` when it is missing or empty (Odoo then reads every field). */
function fieldList(set: Set<string>, list: RpcValue | undefined): void {
  if (Array.isArray(list) && list.length > 0) for (const f of list) addPath(set, f);
  else set.add('*');
}

type Commands = Map<string, { ops: Set<number>; fields: Set<string> }>;

function commandsOf(byField: Commands, field: string): { ops: Set<number>; fields: Set<string> } {
  const x = byField.get(field) ?? { ops: new Set<number>(), fields: new Set<string>() };
  byField.set(field, x);
  return x;
}

/**
 * x2many commands in values, by field; commands inside the values of commands 0 and 1 (lines with
 * lines of their own) by their path (`child_ids.category_id`). A bare id in the list sets the
 * relation as command 6 does.
 */
function x2manyCommands(vals: RpcValue | undefined, byField: Commands = new Map(), prefix = '', depth = 0): Commands {
  const rows = Array.isArray(vals) ? vals : [vals];
  if (depth > 8) return byField;
  for (const row of rows) {
    if (!isStruct(row)) continue;
    for (const [field, v] of Object.entries(row)) {
      if (!Array.isArray(v)) continue;
      for (const cmd of v) {
        if (typeof cmd === 'number' && Number.isInteger(cmd)) {
          commandsOf(byField, prefix + field).ops.add(6);
          continue;
        }
        if (!Array.isArray(cmd) || typeof cmd[0] !== 'number' || !Number.isInteger(cmd[0]) || cmd[0] < 0 || cmd[0] > 6) continue;
        const x = commandsOf(byField, prefix + field);
        x.ops.add(cmd[0]);
        if ((cmd[0] === 0 || cmd[0] === 1) && isStruct(cmd[2] as RpcValue)) {
          for (const k of Object.keys(cmd[2] as RpcStruct)) x.fields.add(k);
          x2manyCommands(cmd[2], byField, `${prefix}${field}.`, depth + 1);
        }
      }
    }
  }
  return byField;
}

function x2manyList(byField: Commands): JournalX2many[] {
  return [...byField].sort(([a], [b]) => (a < b ? -1 : 1)).map(([field, x]) => ({ field, ops: [...x.ops].sort(), fields: [...x.fields].sort() }));
}

/**
 * load's columns: a relation given by name (`partner_id`, `order_line/product_id`) is a name search
 * on its comodel; one2many line columns (`order_line/product_uom_qty`) create lines, as command 0
 * does (`order_line/id` updates them, as command 1). `x/id`, `x/.id` only link records.
 */
function loadFacts(columns: RpcValue | undefined, anyField: Set<string>, byField: Commands): void {
  if (!Array.isArray(columns)) return;
  for (const col of columns) {
    if (typeof col !== 'string') continue;
    const [head, ...rest] = importExportPath(col);
    if (!head || head === 'id' || head === '.id') continue;
    if (rest.length === 0) {
      anyField.add(head); // kept only where head turns out to be a relation (suggest reads the schema)
      continue;
    }
    if (rest.length === 1 && (rest[0] === 'id' || rest[0] === '.id')) continue;
    const x = commandsOf(byField, head);
    const sub = rest.filter((r) => r !== 'id' && r !== '.id');
    if (rest.includes('id') || rest.includes('.id')) x.ops.add(1);
    x.ops.add(0);
    if (sub[0]) {
      x.fields.add(sub[0]);
      if (rest.length === 1) anyField.add(`${head}.${sub[0]}`);
    }
  }
}

function learningFacts(b: BoundCall, out: CallFacts, version: number): void {
  const p = b.params;
  const method = b.call.method;
  const kind = b.signature?.kind;
  const read = new Set<string>();
  const search = new Set<string>();
  const anyField = new Set<string>();
  const contextKeys = new Set<string>();
  const commands: Commands = new Map();
  let domain: RpcValue | undefined;
  if (kind === 'search' || kind === 'group') domain = p.domain;
  if (kind === 'name_search') domain = p.args ?? p.domain;
  domainFields(search, domain, anyField);
  orderFields(search, p.order ?? p.orderby);
  groupbyFields(search, p.groupby ?? p.group_by);
  // Groups show their values (a many2one's [id, name]): what they group on is read, too (but
  // read_progress_bar keys its groups by id from 17 on).
  if (kind === 'group' && (method !== 'read_progress_bar' || version < 17)) groupbyFields(read, p.groupby ?? p.group_by);
  const spec = (v: RpcValue | undefined): boolean => specKeys(read, v, search, contextKeys);
  switch (method) {
    case 'search_read':
    case 'read':
      fieldList(read, p.fields);
      break;
    case 'search_fetch':
    case 'fetch':
      fieldList(read, p.field_names);
      break;
    case 'web_search_read':
    case 'web_read':
    case 'web_save':
    case 'web_save_multi':
      if (!spec(p.specification)) fieldList(read, p.fields);
      break;
    case 'onchange':
      spec(p.fields_spec);
      if (isStruct(p.field_onchange)) for (const k of Object.keys(p.field_onchange)) addPath(read, k);
      break;
    case 'web_name_search':
      if (!spec(p.specification)) read.add('display_name');
      if (!nameSearchMatchesAll(p.name, p.operator)) read.add('*');
      break;
    case 'name_search':
      read.add('display_name');
      if (!nameSearchMatchesAll(p.name, p.operator)) read.add('*'); // matches fields the model chooses
      break;
    case 'name_get':
      read.add('display_name');
      break;
    case 'export_data':
      // `tag_ids/id` (external ids) and `stage_id/.id` stay paths ending in `.id`: only a relational
      // column without them exports its records' display names.
      if (Array.isArray(p.fields_to_export)) for (const f of p.fields_to_export) addPath(read, typeof f === 'string' ? importExportPath(f).join('/').replace(/\/\.id$/, '/id') : f);
      break;
    case 'fields_get':
      if (Array.isArray(p.allfields) && p.allfields.length) for (const f of p.allfields) addPath(read, f);
      break;
    case 'default_get':
      if (Array.isArray(p.fields_list ?? p.fields)) for (const f of (p.fields_list ?? p.fields) as RpcValue[]) addPath(read, f);
      break;
    case 'read_group':
    case 'web_read_group':
      if (Array.isArray(p.fields)) for (const f of p.fields) if (typeof f === 'string') aggregateFields(search, [f]);
      aggregateFields(search, p.aggregates);
      break;
    case 'formatted_read_group':
    case 'formatted_read_grouping_sets':
      aggregateFields(search, p.aggregates);
      // having's leaves name aggregates (`expected_revenue:sum`)
      if (Array.isArray(p.having)) for (const leaf of p.having) if (Array.isArray(leaf) && typeof leaf[0] === 'string') aggregateFields(search, [leaf[0]]);
      if (Array.isArray(p.grouping_sets)) for (const g of p.grouping_sets) {
        groupbyFields(search, g);
        groupbyFields(read, g);
      }
      break;
    case 'read_progress_bar':
      if (isStruct(p.progress_bar)) {
        addPath(search, p.progress_bar.field);
        addPath(search, p.progress_bar.sum_field);
      }
      break;
    case 'load':
      loadFacts(p.fields, anyField, commands);
      break;
  }
  if (method === 'web_read_group') {
    spec(p.unfold_read_specification);
    // {groupby field: its comodel's specification}
    if (isStruct(p.groupby_read_specification)) for (const [g, sub] of Object.entries(p.groupby_read_specification)) spec({ [g]: { fields: sub } });
  }
  if (read.size) out.read_fields = [...read].sort();
  if (search.size) out.search_fields = [...search].sort();
  const leaves = constantTopLeaves(domain);
  if (leaves.length) out.domain_leaves = leaves;
  if (isStruct(b.context)) for (const k of Object.keys(b.context)) contextKeys.add(k);
  const keys = [...contextKeys].filter((k) => !HARMLESS_CONTEXT_KEYS.includes(k)).sort();
  if (keys.length) out.context_keys = keys;
  const vals = p.vals_list ?? p.vals ?? (method === 'copy' ? p.default : undefined);
  const x2many = x2manyList(x2manyCommands(vals, commands));
  if (x2many.length) out.x2many = x2many;
  if (anyField.size) out.any_field = [...anyField].sort();
  unsetFacts(b, out);
}

/**
 * The fields (of `fields`) that some record a call creates leaves unset, and those no record sets:
 * what tells `scope suggest` whether the records of an `_inherits` model named their parent (a
 * write there) or not (a parent created), as decide reads each record (RuleEval.delegatedCreate,
 * load's link cells). Unset: left out of a record's values or given a value Python reads as false;
 * in a load, a row whose cells in the field's columns do not certainly name a record
 * (loadCellNames; any reference, under import_set_empty_fields / import_skip_records naming the
 * field, as one that matches nothing is left empty). Not set: no cell that may name one
 * (loadCellMayName: a bare external id may).
 */
function unsetFacts(b: BoundCall, out: CallFacts): void {
  const p = b.params;
  const method = b.call.method;
  const fields = out.fields ?? [];
  if (fields.length === 0) return;
  // For each row, the fields it certainly sets, and those it may set.
  let rows: { sure: Set<string>; may: Set<string> }[];
  if (method === 'create' || (method === 'web_save' && idList(b.ids) === undefined)) {
    const list = method === 'create' && Array.isArray(p.vals_list) ? p.vals_list : [method === 'create' ? p.vals_list : p.vals];
    rows = list.map((vals) => {
      const set = new Set(isStruct(vals) ? Object.keys(vals).filter((k) => !pyFalsy(vals[k]!)) : []);
      return { sure: set, may: set };
    });
  } else if (method === 'load' && Array.isArray(p.fields) && Array.isArray(p.data)) {
    const ctx = isStruct(b.context) ? b.context : {};
    const unmatched = (head: string): boolean => ['import_set_empty_fields', 'import_skip_records'].some((k) => namedIn(ctx[k] ?? null, head));
    const columns = p.fields.map((c) => (typeof c === 'string' && c !== '' ? importExportPath(c) : null));
    rows = p.data.map((row) => {
      const sure = new Set<string>();
      const may = new Set<string>();
      if (!Array.isArray(row)) return { sure, may };
      columns.forEach((path, i) => {
        if (!path) return;
        const rest = path.slice(1);
        if (loadCellMayName(row[i], rest)) may.add(path[0]!);
        if (loadCellNames(row[i], rest) && !unmatched(path[0]!)) sure.add(path[0]!);
      });
      return { sure, may };
    });
  } else return;
  const unset = fields.filter((f) => rows.some((r) => !r.sure.has(f)));
  if (unset.length) out.unset_fields = unset;
  const none = unset.filter((f) => rows.every((r) => !r.may.has(f)));
  if (none.length) out.empty_fields = none;
}
