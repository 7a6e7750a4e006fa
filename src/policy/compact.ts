// The compact scope form used on the command line (`--scope`, `scope --add/--remove`).
//
// Grammar (whitespace allowed around `,` and inside the parentheses):
//
//   scope   := model [ ':' item { ',' item } ] { ' ' option }
//   item    := method { '+' method } [ '(' [ field { ',' field } ] ')' ]
//   option  := 'domain=' <JSON list> | 'max_limit=' <positive integer> | 'allow_sensitive' [ '=true' | '=false' ]
//
// A field list belongs to the method(s) right before it: `crm.lead:read,write(stage_id,description)`
// allows read on any field and write on stage_id and description only (two rules).
// `m1+m2(f1,f2)` gives several methods one field list; items whose field lists hold the same
// fields become one rule, so `read(name),write(name)` and `read+write(name)` are the same rule.
// `read()` is an empty field list (no field at all). Options apply to every rule of the spec:
//
//   res.partner:read(name,email,customer_rank) domain=[["customer_rank",">",0]] max_limit=500
//   res.users:read(name,login) allow_sensitive
//
// A bare model (`crm.lead`) has no methods: it is only meaningful to removeFromScope (the whole
// model goes). formatRule() writes the form parseCompactScope() reads back to the same rule.

import { parseJson, stringifyJson, JsonParseError } from '../rpc/json.js';
import { PyFloat, type RpcValue } from '../rpc/values.js';
import type { Limits, Rule } from './types.js';
import { isFieldName, isMethodName, isModelPattern, modelMatches, isGlob } from './names.js';
import { domainShapeProblem } from './domain.js';
import { ScopeValidationError } from './validate.js';
import { READ_PRESET_ANY_VERSION } from './methods.js';

/** A --scope text that does not follow the grammar; the message shows where. */
export class ScopeSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly spec: string,
    /** 0-based offset into spec where the problem is. */
    readonly offset: number,
  ) {
    super(`${reason} at column ${offset + 1} of scope '${spec}'\n  ${spec}\n  ${' '.repeat(offset)}^`);
    this.name = 'ScopeSyntaxError';
  }
}

/** A scope edit that cannot be done as asked (the message says what to do instead). */
export class ScopeEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScopeEditError';
  }
}

class Reader {
  pos = 0;
  constructor(readonly s: string) {}
  fail(reason: string, at = this.pos): never {
    throw new ScopeSyntaxError(reason, this.s, at);
  }
  ws(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos]!)) this.pos++;
  }
  peek(): string {
    return this.s[this.pos] ?? '';
  }
  /** Reads characters up to (not including) any of the stop characters or whitespace. */
  token(stop: string): string {
    const start = this.pos;
    while (this.pos < this.s.length && !stop.includes(this.s[this.pos]!) && !/\s/.test(this.s[this.pos]!)) this.pos++;
    return this.s.slice(start, this.pos);
  }
}

function sameFieldSet(a: string[] | undefined, b: string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((f) => sa.has(f));
}

function methodProblem(name: string): string {
  if (name === '') return 'expected a method name';
  if (name.startsWith('_')) return `'${name}': methods beginning with '_' are private and never callable`;
  return `'${name}' is not a method name (ASCII letters, digits and '_')`;
}

/** Floats in a domain are kept as plain numbers in rules (the JSON reader gives PyFloat). */
function plainNumbers(v: RpcValue): RpcValue {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(plainNumbers);
  return v;
}

/** The end offset of the JSON list starting at `start` (brackets matched outside strings). */
function jsonListEnd(r: Reader, start: number): number {
  const s = r.s;
  if (s[start] !== '[') r.fail('domain= must be followed by a JSON list, e.g. domain=[["active","=",true]]', start);
  let depth = 0;
  let inString = false;
  for (let i = start; i < s.length; i++) {
    const c = s[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[') depth++;
    else if (c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return r.fail('the domain list is not closed', start);
}

/** Parses one compact scope into rules; throws ScopeSyntaxError showing where it is wrong. */
export function parseCompactScope(spec: string): Rule[] {
  const r = new Reader(String(spec));
  r.ws();
  if (r.pos >= r.s.length) r.fail('a scope needs at least a model name, e.g. crm.lead:read');
  const modelStart = r.pos;
  const model = r.token(':');
  if (!isModelPattern(model)) {
    r.fail(`'${model}' is not a model name or glob (lowercase letters, digits, '_', '.', and '*' in globs)`, modelStart);
  }
  const groups: { methods: string[]; fields?: string[] }[] = [];
  if (r.peek() === ':') {
    r.pos++;
    for (;;) {
      r.ws();
      const methods: string[] = [];
      for (;;) {
        const at = r.pos;
        const name = r.token(',+()');
        if (!isMethodName(name)) r.fail(methodProblem(name), at);
        if (!methods.includes(name)) methods.push(name);
        if (r.peek() !== '+') break;
        r.pos++;
      }
      let fields: string[] | undefined;
      if (r.peek() === '(') {
        r.pos++;
        fields = [];
        r.ws();
        if (r.peek() !== ')') {
          for (;;) {
            r.ws();
            const at = r.pos;
            const f = r.token(',()');
            if (f.includes('.')) r.fail(`'${f}': a rule lists fields of its own model; dotted paths are not allowed here`, at);
            if (!isFieldName(f)) r.fail(f === '' ? 'expected a field name' : `'${f}' is not a field name`, at);
            if (!fields.includes(f)) fields.push(f);
            r.ws();
            if (r.peek() === ',') {
              r.pos++;
              continue;
            }
            break;
          }
        }
        if (r.peek() !== ')') r.fail("expected ',' or ')' in the field list");
        r.pos++;
      }
      const same = groups.find((g) => sameFieldSet(g.fields, fields));
      if (same) for (const m of methods) {
        if (!same.methods.includes(m)) same.methods.push(m);
      }
      else groups.push(fields === undefined ? { methods } : { methods, fields });
      const save = r.pos;
      r.ws();
      if (r.peek() === ',') {
        r.pos++;
        continue;
      }
      r.pos = save;
      break;
    }
  }
  const options: Pick<Rule, 'domain' | 'max_limit' | 'allow_sensitive'> = {};
  for (;;) {
    const before = r.pos;
    r.ws();
    if (r.pos >= r.s.length) break;
    if (r.peek() === '(') r.fail('a field list must follow its method name with no space, e.g. read(name,email)');
    if (r.pos === before) r.fail(`unexpected '${r.peek()}'`);
    const at = r.pos;
    if (r.s.startsWith('domain=', r.pos)) {
      if (options.domain !== undefined) r.fail('domain= is given twice', at);
      const start = r.pos + 'domain='.length;
      const end = jsonListEnd(r, start);
      let parsed: RpcValue;
      try {
        parsed = parseJson(r.s.slice(start, end));
      } catch (e) {
        if (e instanceof JsonParseError) r.fail(`the domain is not valid JSON (${e.message.replace(/ at position \d+$/, '')})`, start + e.offset);
        throw e;
      }
      const problem = domainShapeProblem(parsed);
      if (problem) r.fail(`domain${problem.at}: ${problem.message}`, start);
      if ((parsed as RpcValue[]).length === 0) r.fail('domain=[] is empty, which reaches every record; leave domain= out, or name the records with at least one leaf', start);
      options.domain = (parsed as RpcValue[]).map(plainNumbers);
      r.pos = end;
    } else if (r.s.startsWith('max_limit=', r.pos)) {
      if (options.max_limit !== undefined) r.fail('max_limit= is given twice', at);
      r.pos += 'max_limit='.length;
      const digitsAt = r.pos;
      const digits = r.token('');
      if (!/^[1-9][0-9]*$/.test(digits) || !Number.isSafeInteger(Number(digits))) r.fail('max_limit must be a positive integer', digitsAt);
      options.max_limit = Number(digits);
    } else {
      const word = r.token('');
      if (word === 'allow_sensitive' || word === 'allow_sensitive=true') options.allow_sensitive = true;
      else if (word === 'allow_sensitive=false') options.allow_sensitive = false;
      else r.fail(`unknown option '${word}' (expected domain=..., max_limit=N or allow_sensitive)`, at);
    }
  }
  if (groups.length === 0) return [{ model, methods: [], ...options }];
  return groups.map((g) => ({ model, methods: g.methods, ...(g.fields !== undefined ? { fields: g.fields } : {}), ...options }));
}

/** The compact form of one rule; parseCompactScope(formatRule(r)) gives back [r]. */
export function formatRule(rule: Rule): string {
  let out = rule.model;
  if (rule.methods.length > 0) {
    out += rule.fields === undefined ? `:${rule.methods.join(',')}` : `:${rule.methods.join('+')}(${rule.fields.join(',')})`;
  }
  if (rule.domain !== undefined) out += ` domain=${stringifyJson(rule.domain, { style: 'compact' })}`;
  if (rule.max_limit !== undefined) out += ` max_limit=${rule.max_limit}`;
  if (rule.allow_sensitive === true) out += ' allow_sensitive';
  else if (rule.allow_sensitive === false) out += ' allow_sensitive=false';
  return out;
}

function splitList(values: string[]): string[] {
  return values.flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/**
 * Rules from `create`'s repeatable flags (`--model a,b --method read --fields x,y`): one rule per
 * model, each with all the methods, fields, domain and max_limit given.
 */
export function rulesFromFlags(o: { models: string[]; methods: string[]; fields?: string[]; domain?: RpcValue[]; maxLimit?: number; allowSensitive?: boolean }): Rule[] {
  const models = splitList(o.models);
  const methods = [...new Set(splitList(o.methods))];
  if (models.length === 0) throw new ScopeValidationError('--model', 'at least one model is needed');
  if (methods.length === 0) throw new ScopeValidationError('--method', 'at least one method is needed (or a preset: read, create, write, unlink)');
  models.forEach((m) => {
    if (!isModelPattern(m)) throw new ScopeValidationError('--model', `'${m}' is not a model name or glob`);
  });
  methods.forEach((m) => {
    if (!isMethodName(m)) throw new ScopeValidationError('--method', methodProblem(m));
  });
  let fields: string[] | undefined;
  if (o.fields !== undefined) {
    fields = [...new Set(splitList(o.fields))];
    fields.forEach((f) => {
      if (!isFieldName(f)) throw new ScopeValidationError('--fields', `'${f}' is not a field name`);
    });
  }
  if (o.domain !== undefined) {
    const problem = domainShapeProblem(o.domain);
    if (problem) throw new ScopeValidationError(`--domain${problem.at}`, problem.message);
  }
  if (o.maxLimit !== undefined && (!Number.isSafeInteger(o.maxLimit) || o.maxLimit < 1)) throw new ScopeValidationError('--max-limit', 'must be a positive integer');
  return [...new Set(models)].map((model) => ({
    model,
    methods: [...methods],
    ...(fields !== undefined ? { fields: [...fields] } : {}),
    ...(o.domain !== undefined ? { domain: o.domain.map(plainNumbers) } : {}),
    ...(o.maxLimit !== undefined ? { max_limit: o.maxLimit } : {}),
    ...(o.allowSensitive ? { allow_sensitive: true } : {}),
  }));
}

function canonicalDomain(d: RpcValue[] | undefined): string {
  return d === undefined ? '' : stringifyJson(d, { style: 'compact' });
}

function sameTarget(a: Rule, b: Rule): boolean {
  return (
    a.model === b.model &&
    sameFieldSet(a.fields, b.fields) &&
    canonicalDomain(a.domain) === canonicalDomain(b.domain) &&
    a.max_limit === b.max_limit &&
    (a.allow_sensitive ?? false) === (b.allow_sensitive ?? false)
  );
}

function copyRule(r: Rule): Rule {
  return structuredCloneRule(r);
}

function structuredCloneRule(r: Rule): Rule {
  const out: Rule = { model: r.model, methods: [...r.methods] };
  if (r.fields !== undefined) out.fields = [...r.fields];
  if (r.domain !== undefined) out.domain = JSON.parse(JSON.stringify(r.domain)) as RpcValue[];
  if (r.max_limit !== undefined) out.max_limit = r.max_limit;
  if (r.allow_sensitive !== undefined) out.allow_sensitive = r.allow_sensitive;
  return out;
}

/**
 * Adds rules to a scope: each one merges its methods into a rule with the same model, fields (as a
 * set), domain, max_limit and allow_sensitive, or is appended. Pure: returns a new list.
 */
export function addToScope(rules: Rule[], add: Rule[]): Rule[] {
  const out = rules.map(copyRule);
  for (const a of add) {
    if (a.methods.length === 0) throw new ScopeEditError(`'${a.model}' names no methods to add; write model:methods, e.g. ${a.model}:read`);
    const target = out.find((r) => sameTarget(r, a));
    if (target) {
      for (const m of a.methods) if (!target.methods.includes(m)) target.methods.push(m);
    } else out.push(copyRule(a));
  }
  return out;
}

/**
 * Takes methods away from a model's rules (`crm.lead:unlink`), or every rule of a model (`crm.lead`).
 * Rules left without methods are dropped. Refuses, rather than silently doing nothing: a spec with
 * fields or options (remove the methods and add them back narrower), a method that a rule allows
 * only through the `read` preset, and a spec that matches no rule.
 */
export function removeFromScope(rules: Rule[], remove: Rule[]): Rule[] {
  let out = rules.map(copyRule);
  for (const rm of remove) {
    const label = formatRule(rm);
    if (rm.fields !== undefined || rm.domain !== undefined || rm.max_limit !== undefined || rm.allow_sensitive !== undefined) {
      throw new ScopeEditError(`'${label}': --remove takes model:methods only; to narrow fields or records, remove the methods and add them back with the fields or domain you want`);
    }
    if (rm.methods.length === 0) {
      const before = out.length;
      out = out.filter((r) => r.model !== rm.model);
      if (out.length === before) throw new ScopeEditError(`no rule names the model '${rm.model}'${globNote(out, rm.model)}`);
      stillGranted(out, rm.model, undefined, label);
      continue;
    }
    let matched = false;
    for (const r of out) {
      if (r.model !== rm.model) continue;
      for (const m of rm.methods) {
        if (r.methods.includes(m)) matched = true;
        else if (r.methods.includes('read') && !rm.methods.includes('read') && READ_PRESET_ANY_VERSION.has(m)) {
          throw new ScopeEditError(`'${r.model}' allows ${m} through the 'read' preset; remove 'read' and add back the read methods you want (e.g. ${r.model}:search_read,read)`);
        }
      }
      r.methods = r.methods.filter((m) => !rm.methods.includes(m));
    }
    if (!matched) throw new ScopeEditError(`no rule allows ${rm.methods.join(', ')} on '${rm.model}'${globNote(out, rm.model)}`);
    out = out.filter((r) => r.methods.length > 0);
    stillGranted(out, rm.model, rm.methods, label);
  }
  return out;
}

/**
 * Refuses a removal that a glob rule left in place undoes: `--remove crm.lead:unlink` while
 * `crm.*:unlink` remains would report the method gone and leave it allowed.
 */
function stillGranted(rules: Rule[], model: string, methods: string[] | undefined, label: string): void {
  if (isGlob(model)) return;
  for (const r of rules) {
    if (!isGlob(r.model) || !modelMatches(r.model, model)) continue;
    const kept = methods === undefined ? r.methods : methods.filter((m) => r.methods.includes(m) || (r.methods.includes('read') && READ_PRESET_ANY_VERSION.has(m)));
    if (kept.length) throw new ScopeEditError(`'${label}': the rule '${formatRule(r)}' would still allow ${kept.join(', ')} on '${model}'; edit that rule (narrow its model or remove the methods there) first`);
  }
}

function globNote(rules: Rule[], model: string): string {
  const globs = rules.filter((r) => isGlob(r.model) && !isGlob(model) && modelMatches(r.model, model)).map((r) => r.model);
  return globs.length ? ` (it is covered by the glob ${globs.map((g) => `'${g}'`).join(', ')}; edit that rule instead)` : '';
}

/** A one-line summary of a scope, for `list`. */
export function describeRules(rules: Rule[]): string {
  if (rules.length === 0) return 'no rules (denies everything)';
  return rules
    .map((r) => {
      let s = `${r.model}:${r.methods.join(',')}`;
      if (r.fields !== undefined) s += r.fields.length <= 3 ? `(${r.fields.join(',')})` : `(${r.fields.length} fields)`;
      if (r.domain !== undefined && r.domain.length > 0) s += ' [domain]';
      if (r.max_limit !== undefined) s += ` max ${r.max_limit}`;
      if (r.allow_sensitive) s += ' !sensitive';
      return s;
    })
    .join('; ');
}

/**
 * A rule in compact form for the journal (exec's start line): as formatRule, but a domain is named
 * by the field paths it tests, never by its values: a domain constant may be data (an e-mail
 * address, a name), and the journal keeps no field values.
 */
export function formatRuleForJournal(rule: Rule): string {
  const { domain, ...rest } = rule;
  let out = formatRule(rest);
  if (domain !== undefined) {
    const paths = new Set<string>();
    for (const leaf of domain) if (Array.isArray(leaf) && typeof leaf[0] === 'string') paths.add(leaf[0]);
    out += paths.size ? ` domain on ${[...paths].join(',')}` : ' domain';
  }
  return out;
}

/** A key's limits as short lines (`rate 30/min`): settings of the key, no record's data. */
export function formatLimits(limits: Limits): string[] {
  const out: string[] = [];
  if (limits.rate !== undefined) out.push(`rate ${limits.rate}`);
  if (limits.records_per_hour !== undefined) out.push(`records_per_hour ${limits.records_per_hour}`);
  if (limits.hours !== undefined) out.push(`hours ${limits.hours}`);
  if (limits.ips !== undefined) out.push(`ips ${limits.ips.join(',')}`);
  if (limits.companies !== undefined) out.push(`companies ${limits.companies.join(',')}`);
  if (limits.context_keys !== undefined) out.push(`context_keys ${limits.context_keys.join(',')}`);
  return out;
}
