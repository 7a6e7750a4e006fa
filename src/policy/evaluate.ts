// A rule's domain evaluated on the values a call writes, without asking Odoo: does a record created
// with these values lie inside the domain, and does a write (or a copy) keep a record inside it?
//
// Each leaf is true, false, or unknown (undefined). Only what the values decide for certain is
// decided: the operators =, !=, <>, in, not in, <, <=, >, >=, =? on plain stored fields, with values
// of the field's own type. Everything else (paths, like, child_of, any, related fields, x2many, text
// compared with <, floats that Odoo would round, empty strings) is unknown, and the caller refuses a
// domain it cannot show to hold.
//
// Why boolean logic is sound here: Odoo (16 to 19) turns =, !=, in and not in into NULL-safe SQL (a
// NULL column matches `= False`, `!= 'x'` and `not in [...]`) and pushes '!' down into the leaves, so
// these leaves are plainly true or false. An inequality on a NULL column is false both ways round
// in SQL (and Odoo 19 lets it match a numeric field's 0): such a leaf is left unknown.

import { DateTimeValue, numberOf, type RpcValue } from '../rpc/values.js';
import type { FieldInfo } from './types.js';
import { isConstantLeaf, normalizeDomain } from './domain.js';

/** true, false, or undefined when the values do not decide. */
export type Truth = boolean | undefined;

export interface DomainLeafNode {
  kind: 'leaf';
  /** Position among the domain's leaves (0, 1, ...), left to right. */
  index: number;
  path: string;
  /** Lower-cased; `<>` is read as `!=`. */
  operator: string;
  value: RpcValue;
}

export type DomainNode =
  | { kind: 'and' | 'or'; left: DomainNode; right: DomainNode }
  | { kind: 'not'; arg: DomainNode }
  | { kind: 'const'; value: boolean }
  | DomainLeafNode;

export interface DomainTree {
  root: DomainNode;
  leaves: DomainLeafNode[];
}

/** The expression tree of a well-formed domain (implicit ANDs made explicit); null when malformed. */
export function domainTree(domain: RpcValue[]): DomainTree | null {
  const items = normalizeDomain(domain);
  const leaves: DomainLeafNode[] = [];
  let pos = 0;
  const parse = (depth: number): DomainNode | null => {
    if (pos >= items.length || depth > 200) return null;
    const item = items[pos++]!;
    if (item === '&' || item === '|') {
      const left = parse(depth + 1);
      const right = left && parse(depth + 1);
      return left && right ? { kind: item === '&' ? 'and' : 'or', left, right } : null;
    }
    if (item === '!') {
      const arg = parse(depth + 1);
      return arg ? { kind: 'not', arg } : null;
    }
    if (isConstantLeaf(item)) return { kind: 'const', value: numberOf((item as RpcValue[])[0]) === 1 };
    if (!Array.isArray(item) || item.length !== 3 || typeof item[0] !== 'string' || typeof item[1] !== 'string') return null;
    const op = item[1].toLowerCase();
    const leaf: DomainLeafNode = { kind: 'leaf', index: leaves.length, path: item[0], operator: op === '<>' ? '!=' : op, value: item[2]! };
    leaves.push(leaf);
    return leaf;
  };
  const root = parse(0);
  if (!root || pos !== items.length) return null;
  return { root, leaves };
}

function evalBool(node: DomainNode, leaf: (i: number) => boolean): boolean {
  switch (node.kind) {
    case 'and':
      return evalBool(node.left, leaf) && evalBool(node.right, leaf);
    case 'or':
      return evalBool(node.left, leaf) || evalBool(node.right, leaf);
    case 'not':
      return !evalBool(node.arg, leaf);
    case 'const':
      return node.value;
    case 'leaf':
      return leaf(node.index);
  }
}

/** Kleene's three-valued logic: true only when true whatever the unknown leaves are. */
function evalKleene(node: DomainNode, leaf: (i: number) => Truth): Truth {
  switch (node.kind) {
    case 'and': {
      const l = evalKleene(node.left, leaf);
      if (l === false) return false;
      const r = evalKleene(node.right, leaf);
      if (r === false) return false;
      return l === true && r === true ? true : undefined;
    }
    case 'or': {
      const l = evalKleene(node.left, leaf);
      if (l === true) return true;
      const r = evalKleene(node.right, leaf);
      if (r === true) return true;
      return l === false && r === false ? false : undefined;
    }
    case 'not': {
      const t = evalKleene(node.arg, leaf);
      return t === undefined ? undefined : !t;
    }
    case 'const':
      return node.value;
    case 'leaf':
      return leaf(node.index);
  }
}

/** The terms a domain ANDs together (a node that is not an AND is one term). */
export function conjuncts(node: DomainNode): DomainNode[] {
  return node.kind === 'and' ? [...conjuncts(node.left), ...conjuncts(node.right)] : [node];
}

function leavesOf(node: DomainNode): number[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return [...leavesOf(node.left), ...leavesOf(node.right)];
    case 'not':
      return leavesOf(node.arg);
    case 'const':
      return [];
    case 'leaf':
      return [node.index];
  }
}

/** What a leaf is on the record after the call: its truth (undefined: unknown), or 'same' as before. */
export type LeafAfter = Truth | 'same';

/** Beyond this many free leaves the exact check gives way to three-valued logic (sound, coarser). */
const MAX_FREE_LEAVES = 12;

/**
 * Whether the domain holds on every record the call can leave behind.
 *
 * `after(i)` says what leaf i is afterwards. With `heldBefore` (a write or copy of records checked
 * upstream to lie inside the domain), a leaf that stays the 'same' keeps its old value and the
 * domain held on the old values; the old values of the other leaves are unknown. Distinct leaves are
 * treated as independent (even `a = 1` and `a = 2`), which only ever considers more cases: the
 * answer may refuse too much, never allow too much.
 */
export function domainHoldsAfter(tree: DomainTree, after: (i: number) => LeafAfter, heldBefore: boolean): boolean {
  // Identical leaves are one variable (they are true or false together); distinct ones are free.
  const varOf: number[] = [];
  const keys = new Map<string, number>();
  const varState: LeafAfter[] = [];
  tree.leaves.forEach((l, i) => {
    const k = JSON.stringify([l.path, l.operator, l.value]);
    if (!keys.has(k)) {
      keys.set(k, varState.length);
      varState.push(after(i));
    }
    varOf.push(keys.get(k)!);
  });
  const same: number[] = [];
  const changed: number[] = [];
  const free: number[] = [];
  varState.forEach((s, v) => {
    if (s === 'same' && heldBefore) same.push(v);
    else {
      changed.push(v);
      if (s === undefined || s === 'same') free.push(v);
    }
  });
  if (same.length + Math.max(heldBefore ? changed.length : 0, free.length) > MAX_FREE_LEAVES) {
    // Three-valued logic: a top-level conjunct whose leaves all stay the same held before and still does.
    return conjuncts(tree.root).every((c) => {
      const ls = leavesOf(c);
      if (heldBefore && ls.length > 0 && ls.every((i) => varState[varOf[i]!] === 'same')) return true;
      return evalKleene(c, (i) => {
        const s = varState[varOf[i]!];
        return s === 'same' ? undefined : s;
      }) === true;
    });
  }
  const bit = new Map<number, number>(); // variable -> bit position within its group
  same.forEach((v, k) => bit.set(v, k));
  const changedBit = new Map<number, number>();
  changed.forEach((v, k) => changedBit.set(v, k));
  const freeBit = new Map<number, number>();
  free.forEach((v, k) => freeBit.set(v, k));
  const isSame = new Set(same);
  for (let s = 0; s < 1 << same.length; s++) {
    const sameValue = (v: number): boolean => ((s >> bit.get(v)!) & 1) === 1;
    if (heldBefore) {
      let possible = false;
      for (let w = 0; w < 1 << changed.length && !possible; w++) {
        possible = evalBool(tree.root, (i) => {
          const v = varOf[i]!;
          return isSame.has(v) ? sameValue(v) : ((w >> changedBit.get(v)!) & 1) === 1;
        });
      }
      if (!possible) continue; // no record could have been inside the domain with these values
    }
    for (let f = 0; f < 1 << free.length; f++) {
      const ok = evalBool(tree.root, (i) => {
        const v = varOf[i]!;
        if (isSame.has(v)) return sameValue(v);
        if (freeBit.has(v)) return ((f >> freeBit.get(v)!) & 1) === 1;
        return varState[v] === true;
      });
      if (!ok) return false;
    }
  }
  return true;
}

// -------------------------------------------------------------------------------------------------
// Leaves on values

/** How Odoo stores and compares a field type, for the types the engine evaluates. */
type Family = 'bool' | 'id' | 'int' | 'float' | 'text' | 'date' | 'datetime';

function familyOf(type: string): Family | undefined {
  switch (type) {
    case 'boolean':
      return 'bool';
    case 'many2one':
      return 'id';
    case 'integer':
      return 'int';
    case 'float':
    case 'monetary':
      return 'float';
    case 'char':
    case 'text':
    case 'selection':
      return 'text';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    default:
      return undefined; // html (sanitised), binary, json, properties, reference, x2many...
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/**
 * A non-false value of the family's own type, as Odoo would store and compare it; undefined when
 * Odoo would convert it (a float it rounds to the field's digits, '5' for an integer, a date for a
 * datetime) or read it otherwise (text for a many2one is a name search).
 */
function scalarOf(f: Family, v: RpcValue): boolean | number | string | undefined {
  switch (f) {
    case 'bool':
      return typeof v === 'boolean' ? v : undefined;
    case 'id':
      return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
    case 'int':
    case 'float': {
      if (typeof v === 'boolean') return undefined;
      const n = numberOf(v);
      return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
    }
    case 'text':
      return typeof v === 'string' && v !== '' ? v : undefined;
    case 'date':
      if (v instanceof DateTimeValue) return xmlrpcDateTime(v)?.slice(0, 10); // Date.to_date: value.date()
      return typeof v === 'string' && DATE.test(v) ? v : undefined;
    case 'datetime':
      if (v instanceof DateTimeValue) return xmlrpcDateTime(v);
      return typeof v === 'string' && DATETIME.test(v) ? v : undefined;
  }
}

/**
 * An XML-RPC dateTime as Odoo stores and compares it ('2030-01-02 00:00:00'): Odoo reads it with
 * strptime('%Y%m%dT%H:%M:%S') into a naive datetime; any other text Odoo refuses, and it stays unknown.
 */
function xmlrpcDateTime(v: DateTimeValue): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(v.iso);
  if (!m || m[1] === '0000') return undefined; // Python's datetime starts at year 1
  const text = `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
  // A day or time that does not exist (20260231T25:00:00) is refused by Odoo: unknown here.
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 19).replace('T', ' ') === text ? text : undefined;
}

/** A field's value after it is written: NULL, a value, or undefined when the engine cannot tell. */
export type Stored = { null: true } | { value: boolean | number | string };

/** What Odoo stores for `raw` written to a field (create/write values, `default_<field>`, copy's `default`). */
export function storedValue(info: FieldInfo, raw: RpcValue): Stored | undefined {
  if (info.related) return undefined; // written through to another record (an ir.model name the caller reads: decide's domainAfter)
  const f = familyOf(info.type);
  if (!f) return undefined;
  if (raw === false || raw === null) {
    if (f === 'bool') return { value: false };
    if (f === 'int' || f === 'float') return undefined; // stored as 0, which Odoo 19 also reads as False
    return { null: true };
  }
  const v = scalarOf(f, raw);
  return v === undefined ? undefined : { value: v };
}

function equals(f: Family, stored: Stored, v: RpcValue): Truth {
  if (v === false || v === null) {
    if (f === 'int' || f === 'float') return undefined;
    if ('null' in stored) return true;
    return f === 'bool' ? stored.value === false : false;
  }
  const d = scalarOf(f, v);
  if (d === undefined) return undefined;
  if ('null' in stored) return false;
  return stored.value === d;
}

/** Operators whose leaves the engine evaluates from values. */
export const EVALUATED_OPERATORS: ReadonlySet<string> = new Set(['=', '!=', 'in', 'not in', '<', '<=', '>', '>=', '=?']);

/**
 * A leaf `[field, operator, value]` on a field of type `type` whose stored value is `stored`
 * (undefined: not known). `=?` with a false or null value is true whatever the field holds.
 */
export function leafTruth(type: string, stored: Stored | undefined, operator: string, value: RpcValue): Truth {
  let op = operator === '<>' ? '!=' : operator;
  if (op === '=?') {
    if (value === false || value === null) return true;
    if (value === 0 || value === '' || (Array.isArray(value) && value.length === 0)) return undefined; // falsy in Python: read differently across versions
    op = '=';
  }
  const f = familyOf(type);
  if (!f || stored === undefined) return undefined;
  switch (op) {
    case '=':
    case '!=': {
      if (Array.isArray(value)) return undefined;
      const t = equals(f, stored, value);
      return op === '=' || t === undefined ? t : !t;
    }
    case 'in':
    case 'not in': {
      if (!Array.isArray(value)) return undefined;
      let any: Truth = false;
      for (const v of value) {
        const t = equals(f, stored, v);
        if (t === true) {
          any = true;
          break;
        }
        if (t === undefined) any = undefined;
      }
      return op === 'in' || any === undefined ? any : !any;
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if ('null' in stored) return undefined;
      if (f === 'bool' || f === 'text') return undefined; // text order is the database collation's
      if (value === false || value === null) return undefined;
      const d = scalarOf(f, value);
      const s = stored.value;
      if (d === undefined || typeof d !== typeof s) return undefined;
      if (op === '<') return s < d;
      if (op === '<=') return s <= d;
      if (op === '>') return s > d;
      return s >= d;
    }
    default:
      return undefined;
  }
}
