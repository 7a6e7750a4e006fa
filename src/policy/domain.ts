// Odoo domains: shape checks, walking the leaves, and ANDing two domains together.
//
// A domain is a list in prefix (Polish) notation: leaves `[path, operator, value]` and the
// operators '&', '|' (two operands) and '!' (one). Consecutive expressions are implicitly ANDed.
// `any` / `not any` leaves (Odoo 17+) carry a sub-domain on the comodel as their value.

import { DateTimeValue, isStruct, numberOf, PyFloat, type RpcValue } from '../rpc/values.js';
import { isFieldPath } from './names.js';

/** Leaf operators Odoo 16-19 accept (compared lower-cased, as Odoo itself normalises them). */
export const LEAF_OPERATORS: ReadonlySet<string> = new Set([
  '=', '!=', '<>', '<=', '<', '>', '>=', '=?', '=like', '=ilike', 'like', 'not like', 'ilike', 'not ilike',
  'in', 'not in', 'child_of', 'parent_of', 'any', 'not any', 'any!', 'not any!',
]);

/** Operators whose value is a sub-domain on the field's comodel. */
export const SUBDOMAIN_OPERATORS: ReadonlySet<string> = new Set(['any', 'not any', 'any!', 'not any!']);

/** Operators that walk a hierarchy (parent_path): they reveal structure but read no field value. */
export const HIERARCHY_OPERATORS: ReadonlySet<string> = new Set(['child_of', 'parent_of']);

export interface DomainLeaf {
  path: string;
  /** Lower-cased operator. */
  operator: string;
  value: RpcValue;
  /** Index of the leaf within its domain. */
  index: number;
}

/** `[1, '=', 1]` and `[0, '=', 1]`: Odoo's TRUE_LEAF and FALSE_LEAF. */
export function isConstantLeaf(item: RpcValue): boolean {
  return Array.isArray(item) && item.length === 3 && (numberOf(item[0]) === 1 || numberOf(item[0]) === 0) && item[1] === '=' && numberOf(item[2]) === 1;
}

/** What is wrong with a domain's shape, with the index path from the domain (`[2][0]`), or null. */
export function domainShapeProblem(domain: unknown, depth = 0): { at: string; message: string } | null {
  if (depth > 16) return { at: '', message: 'sub-domains are nested too deeply' };
  if (!Array.isArray(domain)) return { at: '', message: 'a domain must be a list' };
  // Right to left: each leaf pushes one expression; '&'/'|' take two and give one; '!' takes one.
  let stack = 0;
  for (let i = domain.length - 1; i >= 0; i--) {
    const item = domain[i] as RpcValue;
    if (item === '&' || item === '|') {
      if (stack < 2) return { at: `[${i}]`, message: `operator '${item}' needs two operands after it` };
      stack -= 1;
      continue;
    }
    if (item === '!') {
      if (stack < 1) return { at: `[${i}]`, message: "operator '!' needs an operand after it" };
      continue;
    }
    if (typeof item === 'string') return { at: `[${i}]`, message: `'${item}' is not a domain operator ('&', '|' or '!')` };
    if (!Array.isArray(item) || item.length !== 3) return { at: `[${i}]`, message: 'a domain leaf must be a list of three: [field, operator, value]' };
    stack += 1;
    if (isConstantLeaf(item)) continue;
    const [path, op, value] = item;
    if (!isFieldPath(path)) return { at: `[${i}][0]`, message: `${JSON.stringify(path)} is not a field name or dotted path` };
    if (typeof op !== 'string' || !LEAF_OPERATORS.has(op.toLowerCase())) return { at: `[${i}][1]`, message: `${JSON.stringify(op)} is not a domain operator` };
    if (SUBDOMAIN_OPERATORS.has(op.toLowerCase())) {
      const inner = domainShapeProblem(value, depth + 1);
      if (inner) return { at: `[${i}][2]${inner.at}`, message: inner.message };
    } else {
      const bad = valueProblem(value);
      if (bad) return { at: `[${i}][2]${bad.at}`, message: bad.message };
    }
  }
  return null;
}

/**
 * Leaf values: scalars or flat lists of scalars (for `in`). An XML-RPC dateTime is a scalar: Odoo
 * reads XML-RPC with use_datetime=True, so the ORM gets a datetime (`write_date >= datetime(...)`).
 */
function valueProblem(value: RpcValue): { at: string; message: string } | null {
  const scalar = (v: RpcValue): boolean =>
    v === null || typeof v === 'boolean' || typeof v === 'string' || v instanceof PyFloat || v instanceof DateTimeValue || (typeof v === 'number' && Number.isFinite(v));
  if (scalar(value)) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!scalar(value[i]!)) return { at: `[${i}]`, message: 'values in a domain list must be numbers, strings, dates and times, booleans or null' };
    return null;
  }
  if (isStruct(value)) return { at: '', message: 'a domain value cannot be a dictionary' };
  return { at: '', message: 'this value cannot appear in a domain' };
}

/** The leaves of a well-formed domain (constant leaves skipped), top level only. */
export function domainLeaves(domain: RpcValue[]): DomainLeaf[] {
  const out: DomainLeaf[] = [];
  domain.forEach((item, index) => {
    if (!Array.isArray(item) || isConstantLeaf(item)) return;
    out.push({ path: item[0] as string, operator: String(item[1]).toLowerCase(), value: item[2] as RpcValue, index });
  });
  return out;
}

/** Prefixes the implicit '&' operators so that the domain is one expression (Odoo's normalize_domain). */
export function normalizeDomain(domain: RpcValue[]): RpcValue[] {
  if (domain.length === 0) return [[1, '=', 1]];
  const out: RpcValue[] = [];
  let expected = 1;
  for (const item of domain) {
    if (expected === 0) {
      out.unshift('&');
      expected = 1;
    }
    if (item === '&' || item === '|') expected += 1;
    else if (item !== '!') expected -= 1;
    out.push(item);
  }
  return out;
}

/** `a AND b`, as Odoo's expression.AND would build it; an empty side is left out. */
export function andDomains(a: RpcValue[], b: RpcValue[]): RpcValue[] {
  if (a.length === 0) return [...b];
  if (b.length === 0) return [...a];
  return ['&', ...normalizeDomain(a), ...normalizeDomain(b)];
}

/** `a OR b OR ...`, as Odoo's expression.OR would build it (for a list of non-empty domains). */
export function orDomains(domains: RpcValue[][]): RpcValue[] {
  if (domains.length === 0) return [[0, '=', 1]];
  if (domains.length === 1) return [...domains[0]!];
  const out: RpcValue[] = [];
  for (let i = 1; i < domains.length; i++) out.push('|');
  for (const d of domains) out.push(...normalizeDomain(d));
  return out;
}
