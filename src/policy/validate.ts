// Checks scopes that come from outside (keys.yaml, a --scope-file, JSON from a flag) and returns
// them in canonical form: every problem is reported with the path to the value, e.g.
// `keys[3].rules[0].fields[1]: 'e-mail' is not a field name`.

import { isStruct, PyFloat, type RpcValue } from '../rpc/values.js';
import type { Limits, Rule } from './types.js';
import { isFieldName, isMethodName, isModelPattern } from './names.js';
import { domainShapeProblem } from './domain.js';
import { LimitSyntaxError, parseCidr, parseHours, parseRate } from './limits.js';

export { parseCidr, parseHours, parseRate, LimitSyntaxError } from './limits.js';

export class ScopeValidationError extends Error {
  constructor(
    /** Where the bad value is, e.g. `keys[3].rules[0].fields[1]`. */
    readonly path: string,
    /** What is wrong with it, without the path. */
    readonly problem: string,
  ) {
    super(path ? `${path}: ${problem}` : problem);
    this.name = 'ScopeValidationError';
  }
}

const RULE_KEYS = ['model', 'methods', 'fields', 'domain', 'max_limit', 'allow_sensitive'];
const LIMIT_KEYS = ['ips', 'hours', 'rate', 'companies', 'records_per_hour', 'context_keys'];

/** A context key name (`default_partner_id`, `tz`): ASCII identifier. */
const CONTEXT_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function unknownKeys(obj: Record<string, unknown>, allowed: string[], path: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new ScopeValidationError(`${path}.${k}`, `unknown key '${k}' (expected one of: ${allowed.join(', ')})`);
  }
}

function positiveInteger(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new ScopeValidationError(path, `must be a positive integer, not ${describe(v)}`);
  return v;
}

function stringList(v: unknown, path: string, check: (s: string, p: string) => void): string[] {
  if (!Array.isArray(v)) throw new ScopeValidationError(path, `must be a list, not ${describe(v)}`);
  const out: string[] = [];
  v.forEach((item, i) => {
    if (typeof item !== 'string') throw new ScopeValidationError(`${path}[${i}]`, `must be a string, not ${describe(item)}`);
    check(item, `${path}[${i}]`);
    if (!out.includes(item)) out.push(item);
  });
  return out;
}

/** Domain values from YAML: plain numbers; PyFloat (from JSON) becomes a number too. */
function plainDomain(v: RpcValue): RpcValue {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(plainDomain);
  if (typeof v === 'number' && Object.is(v, -0)) return 0;
  return v;
}

/** Checks a domain from a rule or flag; returns it with floats as plain numbers. */
export function validateDomain(value: unknown, path: string): RpcValue[] {
  const problem = domainShapeProblem(value);
  if (problem) throw new ScopeValidationError(`${path}${problem.at}`, problem.message);
  return (value as RpcValue[]).map(plainDomain);
}

/** Checks one rule and returns it in canonical form (duplicates removed, keys in order). */
export function validateRule(value: unknown, path: string): Rule {
  if (!isStruct(value)) throw new ScopeValidationError(path, `a rule must be a mapping with model and methods, not ${describe(value)}`);
  const v = value as Record<string, unknown>;
  unknownKeys(v, RULE_KEYS, path);
  if (!('model' in v)) throw new ScopeValidationError(path, 'a rule needs a model');
  if (typeof v.model !== 'string' || !isModelPattern(v.model)) {
    throw new ScopeValidationError(`${path}.model`, `${describe(v.model)} is not a model name or glob (lowercase letters, digits, '_', '.', and '*' in globs)`);
  }
  if (!('methods' in v)) throw new ScopeValidationError(path, 'a rule needs methods (names, or the presets read, create, write, unlink)');
  const methods = stringList(v.methods, `${path}.methods`, (m, p) => {
    if (m.startsWith('_')) throw new ScopeValidationError(p, `'${m}': methods beginning with '_' are private and never callable`);
    if (!isMethodName(m)) throw new ScopeValidationError(p, `${JSON.stringify(m)} is not a method name (ASCII letters, digits and '_')`);
  });
  if (methods.length === 0) throw new ScopeValidationError(`${path}.methods`, 'must name at least one method');
  const rule: Rule = { model: v.model, methods };
  if (v.fields !== undefined) {
    rule.fields = stringList(v.fields, `${path}.fields`, (f, p) => {
      if (!isFieldName(f)) throw new ScopeValidationError(p, `${JSON.stringify(f)} is not a field name${String(f).includes('.') ? ' (a rule lists fields of its own model; no dotted paths)' : ''}`);
    });
  }
  if (v.domain !== undefined) {
    rule.domain = validateDomain(v.domain, `${path}.domain`);
    // An empty domain reaches every record, like none: refused, so that an empty value never
    // silently lifts a limit (`--domain "[$FILTER]"` with the variable unset).
    if (rule.domain.length === 0) throw new ScopeValidationError(`${path}.domain`, 'is empty, which reaches every record; name the records with at least one leaf, or leave domain out (odoo-keys scope <key> --clear domain)');
  }
  if (v.max_limit !== undefined) rule.max_limit = positiveInteger(v.max_limit, `${path}.max_limit`);
  if (v.allow_sensitive !== undefined) {
    if (typeof v.allow_sensitive !== 'boolean') throw new ScopeValidationError(`${path}.allow_sensitive`, `must be true or false, not ${describe(v.allow_sensitive)}`);
    rule.allow_sensitive = v.allow_sensitive;
  }
  return rule;
}

/** Checks a list of rules (keys.yaml `rules:`, a --scope-file); `path` names the list. */
export function validateRules(value: unknown, path: string): Rule[] {
  if (!Array.isArray(value)) throw new ScopeValidationError(path, `rules must be a list, not ${describe(value)}`);
  return value.map((r, i) => validateRule(r, `${path}[${i}]`));
}

function viaLimitSyntax<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof LimitSyntaxError) throw new ScopeValidationError(path, e.message);
    throw e;
  }
}

/** Checks a key's limits (absent or null means none); returns a canonical copy. */
export function validateLimits(value: unknown, path: string): Limits {
  if (value === undefined || value === null) return {};
  if (!isStruct(value)) throw new ScopeValidationError(path, `limits must be a mapping, not ${describe(value)}`);
  const v = value as Record<string, unknown>;
  unknownKeys(v, LIMIT_KEYS, path);
  const out: Limits = {};
  if (v.ips !== undefined) {
    out.ips = stringList(v.ips, `${path}.ips`, (s, p) => viaLimitSyntax(p, () => parseCidr(s)));
    // An empty list would read as "no address limit" (an unset $IPS in a deploy script): refused.
    if (out.ips.length === 0) throw new ScopeValidationError(`${path}.ips`, 'must list at least one address or CIDR range; to remove the address limit, leave ips out (odoo-keys scope <key> --clear ips)');
  }
  if (v.hours !== undefined) {
    if (typeof v.hours !== 'string') throw new ScopeValidationError(`${path}.hours`, `must be a string such as 'Mon-Fri 08:00-18:00 Europe/Amsterdam', not ${describe(v.hours)}`);
    viaLimitSyntax(`${path}.hours`, () => parseHours(v.hours as string));
    out.hours = v.hours;
  }
  if (v.rate !== undefined) {
    if (typeof v.rate !== 'string') throw new ScopeValidationError(`${path}.rate`, `must be a string such as '60/min', not ${describe(v.rate)}`);
    viaLimitSyntax(`${path}.rate`, () => parseRate(v.rate as string));
    out.rate = v.rate;
  }
  if (v.companies !== undefined) {
    if (!Array.isArray(v.companies)) throw new ScopeValidationError(`${path}.companies`, `must be a list of company ids, not ${describe(v.companies)}`);
    out.companies = [...new Set(v.companies.map((c, i) => positiveInteger(c, `${path}.companies[${i}]`)))];
    if (out.companies.length === 0) throw new ScopeValidationError(`${path}.companies`, 'must list at least one company id; to remove the company limit, leave companies out');
  }
  if (v.records_per_hour !== undefined) out.records_per_hour = positiveInteger(v.records_per_hour, `${path}.records_per_hour`);
  if (v.context_keys !== undefined) {
    out.context_keys = stringList(v.context_keys, `${path}.context_keys`, (k, p) => {
      if (!CONTEXT_KEY.test(k)) throw new ScopeValidationError(p, `${JSON.stringify(k)} is not a context key name`);
    });
  }
  return out;
}
