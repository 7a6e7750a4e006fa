// Odoo domains: parsing the prefix notation (implicit '&' between top-level terms) and evaluating
// it on in-memory records, with the operators of Odoo 18/19 and dotted paths through relations.

import { DateTimeValue, isStruct, numberOf, PyFloat, type RpcValue } from '../../src/rpc/values.js';
import { type FieldDef, type ModelDef, type Stored, type StoredRecord, type Version } from './fields.js';
import { pyRepr, raise } from './raise.js';

export type DomainNode =
  | { kind: 'and' | 'or'; children: DomainNode[] }
  | { kind: 'not'; child: DomainNode }
  | { kind: 'leaf'; path: string; op: string; value: RpcValue; raw: RpcValue[] }
  | { kind: 'const'; value: boolean };

export interface DomainHost {
  version: Version;
  modelDef(name: string): ModelDef;
  valueOf(model: string, rec: StoredRecord, field: string): Stored;
  record(model: string, id: number): StoredRecord | undefined;
  displayName(model: string, id: number): string;
  allRecords(model: string): StoredRecord[];
}

const OPERATORS = new Set(['=', '!=', '<>', '<', '>', '<=', '>=', '=?', 'in', 'not in', 'like', 'not like', 'ilike', 'not ilike', '=like', '=ilike', 'child_of', 'parent_of', 'any', 'not any']);
const NEGATIVE = new Set(['!=', 'not in', 'not like', 'not ilike', 'not any']);

function leafRepr(raw: RpcValue[]): string {
  return pyRepr(raw, true);
}

export function invalidDomain(domain: RpcValue): never {
  throw raise.valueError(`Invalid domain: ${pyRepr(domain)}`);
}

function isLeafLike(t: RpcValue): t is RpcValue[] {
  return Array.isArray(t) && t.length === 3;
}

/** Parses a domain (list in prefix notation) into a tree; consecutive top-level terms are ANDed. */
export function parseDomain(domain: RpcValue, version: Version): DomainNode {
  if (domain === false || domain === null || domain === undefined) return { kind: 'const', value: true };
  if (!Array.isArray(domain)) invalidDomain(domain);
  const tokens = domain;
  const parseAt = (pos: number): [DomainNode, number] => {
    if (pos >= tokens.length) throw raise.valueError(`Domain ${pyRepr(domain)} is syntactically not correct.`);
    const t = tokens[pos]!;
    if (t === '&' || t === '|') {
      const [a, p1] = parseAt(pos + 1);
      const [b, p2] = parseAt(p1);
      return [{ kind: t === '&' ? 'and' : 'or', children: [a, b] }, p2];
    }
    if (t === '!') {
      const [a, p1] = parseAt(pos + 1);
      return [{ kind: 'not', child: a }, p1];
    }
    if (isLeafLike(t)) return [leafNode(t, version), pos + 1];
    throw raise.valueError(version >= 19 ? `Invalid domain term ${pyRepr(t)}` : `Invalid leaf ${pyRepr(t)}`);
  };
  const terms: DomainNode[] = [];
  let pos = 0;
  while (pos < tokens.length) {
    const [n, next] = parseAt(pos);
    terms.push(n);
    pos = next;
  }
  if (terms.length === 0) return { kind: 'const', value: true };
  return terms.length === 1 ? terms[0]! : { kind: 'and', children: terms };
}

function leafNode(t: RpcValue[], version: Version): DomainNode {
  const [left, opRaw, value] = t as [RpcValue, RpcValue, RpcValue];
  // TRUE_LEAF (1, '=', 1) and FALSE_LEAF (0, '=', 1)
  if (typeof left === 'number' && opRaw === '=' && value === 1) return { kind: 'const', value: left === 1 };
  if (typeof left !== 'string' || typeof opRaw !== 'string') throw raise.valueError(version >= 19 ? `Invalid condition ${leafRepr(t)}` : `Invalid leaf ${leafRepr(t)}`);
  let op = opRaw.toLowerCase();
  if (op === '<>') op = '!=';
  if (!OPERATORS.has(op)) throw raise.valueError(version >= 19 ? `Invalid operator ${pyRepr(opRaw)} in condition ${leafRepr(t)}` : `Invalid leaf ${leafRepr(t)}`);
  if (op === '=?') {
    if (value === false || value === null) return { kind: 'const', value: true };
    op = '=';
  }
  return { kind: 'leaf', path: left, op, value, raw: t };
}

/** Whether a leaf anywhere in the domain is on `field` (for active_test). */
export function mentionsField(node: DomainNode, field: string): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.children.some((c) => mentionsField(c, field));
    case 'not':
      return mentionsField(node.child, field);
    case 'leaf':
      return node.path === field || node.path.startsWith(`${field}.`);
    default:
      return false;
  }
}

/** Checks every path of the domain names real fields (Odoo does so before running the query). */
export function validateDomain(host: DomainHost, model: string, node: DomainNode): void {
  switch (node.kind) {
    case 'and':
    case 'or':
      for (const c of node.children) validateDomain(host, model, c);
      return;
    case 'not':
      return validateDomain(host, model, node.child);
    case 'leaf': {
      let cur = host.modelDef(model);
      const parts = node.path.split('.');
      for (let i = 0; i < parts.length; i++) {
        const f = cur.fields.get(parts[i]!);
        if (!f) throw invalidFieldInLeaf(host.version, cur.name, parts[i]!, node.raw);
        if (i < parts.length - 1) {
          if (!f.relation || f.opaque) throw invalidFieldInLeaf(host.version, cur.name, parts.slice(i).join('.'), node.raw);
          cur = host.modelDef(f.relation);
        } else if ((node.op === 'any' || node.op === 'not any') && f.relation && !f.opaque) {
          validateDomain(host, f.relation, parseDomain(node.value, host.version));
        }
      }
      return;
    }
    default:
  }
}

function invalidFieldInLeaf(version: Version, model: string, field: string, raw: RpcValue[]) {
  return raise.valueError(version >= 19 ? `Invalid field ${model}.${field} in condition ${leafRepr(raw)}` : `Invalid field ${model}.${field} in leaf ${leafRepr(raw)}`);
}

export function evaluate(host: DomainHost, model: string, rec: StoredRecord, node: DomainNode): boolean {
  switch (node.kind) {
    case 'const':
      return node.value;
    case 'and':
      return node.children.every((c) => evaluate(host, model, rec, c));
    case 'or':
      return node.children.some((c) => evaluate(host, model, rec, c));
    case 'not':
      return !evaluate(host, model, rec, node.child);
    case 'leaf':
      return evalLeaf(host, model, rec, node.path.split('.'), node.op, node.value);
  }
}

function positiveOf(op: string): string {
  return op === '!=' ? '=' : op === 'not in' ? 'in' : op === 'not like' ? 'like' : op === 'not ilike' ? 'ilike' : op === 'not any' ? 'any' : op;
}

function evalLeaf(host: DomainHost, model: string, rec: StoredRecord, path: string[], op: string, value: RpcValue): boolean {
  const def = host.modelDef(model);
  const f = def.fields.get(path[0]!)!;
  if (path.length > 1) {
    const comodel = f.relation!;
    const targets = relatedIds(host, model, rec, f).map((id) => host.record(comodel, id)).filter((r): r is StoredRecord => !!r);
    if (f.type === 'many2one') {
      if (targets.length === 0) return NEGATIVE.has(op);
      return evalLeaf(host, comodel, targets[0]!, path.slice(1), op, value);
    }
    // x2many: "some related record matches"; negative operators mean "no related record matches the positive one".
    if (NEGATIVE.has(op)) return !targets.some((t) => evalLeaf(host, comodel, t, path.slice(1), positiveOf(op), value));
    return targets.some((t) => evalLeaf(host, comodel, t, path.slice(1), op, value));
  }
  if (op === 'any' || op === 'not any') {
    const comodel = f.relation!;
    const sub = parseDomain(value, host.version);
    const hit = relatedIds(host, model, rec, f).some((id) => {
      const r = host.record(comodel, id);
      return !!r && evaluate(host, comodel, r, sub);
    });
    return op === 'any' ? hit : !hit;
  }
  if (op === 'child_of' || op === 'parent_of') return evalHierarchy(host, model, rec, f, op, value);
  if (f.relation && !f.opaque) return evalRelational(host, model, rec, f, op, value);
  return evalScalar(f, host.valueOf(model, rec, f.name), op, columnValue(f, value));
}

/**
 * Odoo reads an XML-RPC dateTime as a datetime and converts it for the column (convert_to_column):
 * '2000-01-01 00:00:00' for a datetime or text field, its day for a date field (Date.to_date).
 */
function columnValue(f: FieldDef, value: RpcValue): RpcValue {
  const one = (v: RpcValue): RpcValue => {
    if (!(v instanceof DateTimeValue)) return v;
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2}:\d{2}:\d{2})$/.exec(v.iso);
    if (!m) throw raise.valueError(`time data ${pyRepr(v.iso)} does not match format '%Y%m%dT%H:%M:%S'`);
    return f.type === 'date' ? `${m[1]}-${m[2]}-${m[3]}` : `${m[1]}-${m[2]}-${m[3]} ${m[4]}`;
  };
  return Array.isArray(value) ? value.map(one) : one(value);
}

function relatedIds(host: DomainHost, model: string, rec: StoredRecord, f: FieldDef): number[] {
  const v = f.name === 'id' ? rec.id : host.valueOf(model, rec, f.name);
  if (f.type === 'many2one') return typeof v === 'number' && v ? [v] : [];
  return Array.isArray(v) ? (v.filter((x) => typeof x === 'number') as number[]) : [];
}

function asList(value: RpcValue): RpcValue[] {
  if (Array.isArray(value)) return value;
  return [value];
}

function likeRegex(pattern: string, wrap: boolean, insensitive: boolean): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '%') re += '.*';
    else if (ch === '_') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(wrap ? `^.*${re}.*$` : `^${re}$`, insensitive ? 'is' : 's');
}

function likeMatch(text: string, op: string, value: RpcValue): boolean {
  const pattern = value === false || value === null ? '' : String(value instanceof PyFloat ? value.value : value);
  const wrap = op === 'like' || op === 'ilike';
  const insensitive = op === 'ilike' || op === '=ilike';
  return likeRegex(pattern, wrap, insensitive).test(text);
}

function evalRelational(host: DomainHost, model: string, rec: StoredRecord, f: FieldDef, op: string, value: RpcValue): boolean {
  const ids = relatedIds(host, model, rec, f);
  const comodel = f.relation!;
  const names = (): string[] => ids.map((id) => host.displayName(comodel, id));
  const byName = typeof value === 'string' || (Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === 'string'));
  switch (op) {
    case '=':
    case '!=': {
      let hit: boolean;
      if (value === false || value === null) hit = ids.length === 0;
      else if (typeof value === 'string') hit = names().some((n) => n === value);
      else if (Array.isArray(value)) hit = value.some((v) => ids.includes(numberOf(v) ?? NaN));
      else hit = ids.includes(numberOf(value) ?? NaN);
      return op === '=' ? hit : !hit;
    }
    case 'in':
    case 'not in': {
      const list = asList(value);
      let hit: boolean;
      if (byName) hit = names().some((n) => list.includes(n));
      else hit = (list.includes(false) && ids.length === 0) || list.some((v) => ids.includes(numberOf(v) ?? NaN));
      return op === 'in' ? hit : !hit;
    }
    case 'like':
    case 'ilike':
    case '=like':
    case '=ilike':
      return names().some((n) => likeMatch(n, op, value));
    case 'not like':
    case 'not ilike':
      return !names().some((n) => likeMatch(n, positiveOf(op), value));
    default: {
      // Comparisons on a many2one compare the id, as SQL does.
      if (f.type !== 'many2one' || ids.length === 0) return false;
      return compare(ids[0]!, op, value);
    }
  }
}

function evalHierarchy(host: DomainHost, model: string, rec: StoredRecord, f: FieldDef, op: string, value: RpcValue): boolean {
  const target = f.name === 'id' ? model : f.relation;
  if (!target) return false;
  const tdef = host.modelDef(target);
  const parentField = tdef.parentName;
  const wanted = new Set<number>();
  for (const v of asList(value)) {
    if (typeof v === 'number') wanted.add(v);
    else if (typeof v === 'string') for (const r of host.allRecords(target)) if (host.displayName(target, r.id) === v) wanted.add(r.id);
  }
  const ids = f.name === 'id' ? [rec.id] : relatedIds(host, model, rec, f);
  const ancestors = (id: number): number[] => {
    const out: number[] = [];
    let cur = host.record(target, id);
    for (let i = 0; cur && i < 50; i++) {
      out.push(cur.id);
      const p = parentField ? cur[parentField] : false;
      cur = typeof p === 'number' ? host.record(target, p) : undefined;
    }
    return out;
  };
  if (op === 'child_of') return ids.some((id) => ancestors(id).some((a) => wanted.has(a)));
  // parent_of: the record is an ancestor (or itself) of one of the wanted records.
  return ids.some((id) => [...wanted].some((w) => ancestors(w).includes(id)));
}

function isNull(v: Stored): boolean {
  return v === false || v === null || v === undefined;
}

function compare(v: Stored, op: string, value: RpcValue): boolean {
  if (isNull(v) || value === false || value === null) return false;
  const a = numberOf(v) ?? v;
  const b = numberOf(value) ?? value;
  if (typeof a === 'number' && typeof b === 'number') {
    return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
  }
  const sa = String(a);
  const sb = String(b);
  return op === '<' ? sa < sb : op === '>' ? sa > sb : op === '<=' ? sa <= sb : sa >= sb;
}

function sameValue(f: FieldDef, v: Stored, value: RpcValue): boolean {
  if (value === false || value === null) {
    if (f.type === 'boolean') return v === false || v === null;
    return isNull(v);
  }
  if (value === true) return v === true;
  const a = numberOf(v);
  const b = numberOf(value);
  if (a !== undefined && b !== undefined) return a === b;
  if (f.type === 'boolean') return Boolean(v) === Boolean(numberOf(value) ?? value);
  if (isStruct(value) || Array.isArray(value)) return false;
  return v === value || (typeof v === 'string' && String(value) === v);
}

function evalScalar(f: FieldDef, v: Stored, op: string, value: RpcValue): boolean {
  switch (op) {
    case '=':
      return sameValue(f, v, value);
    case '!=':
      return !sameValue(f, v, value);
    case 'in':
      return asList(value).some((x) => sameValue(f, v, x));
    case 'not in':
      return !asList(value).some((x) => sameValue(f, v, x));
    case '<':
    case '>':
    case '<=':
    case '>=':
      return compare(v, op, value);
    case 'like':
    case 'ilike':
    case '=like':
    case '=ilike':
      if (isNull(v)) return false;
      return likeMatch(textOf(v), op, value);
    case 'not like':
    case 'not ilike':
      if (isNull(v)) return true;
      return !likeMatch(textOf(v), positiveOf(op), value);
    default:
      return false;
  }
}

function textOf(v: Stored): string {
  if (v instanceof PyFloat) return String(v.value);
  if (Array.isArray(v) && v.length === 2 && typeof v[1] === 'string') return v[1];
  return String(v);
}

/** AND of two domains in prefix form, as Odoo's expression.AND builds it. */
export function andDomains(a: RpcValue[], b: RpcValue[]): RpcValue[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const norm = (d: RpcValue[]): RpcValue[] => {
    // implicit '&' between top-level terms made explicit
    let count = 0;
    let expected = 1;
    const out: RpcValue[] = [];
    for (const t of d) {
      if (expected === 0) {
        out.unshift('&');
        expected = 1;
      }
      if (t === '&' || t === '|') expected += 1;
      else if (t !== '!') expected -= 1;
      out.push(t);
      count++;
    }
    return count ? out : d;
  };
  return ['&', ...norm(a), ...norm(b)];
}

