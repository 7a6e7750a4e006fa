// Turning command-line flags into rules and limits: --model/--method/--fields/--domain,
// --scope (compact form), --scope-file (YAML), --ip/--hours/--rate/--expires.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { Flags } from '../../src/cli/oclif.js';
import type { Limits, Rule } from '../../src/policy/types.js';
import { parseCompactScope, rulesFromFlags } from '../../src/policy/compact.js';
import { ScopeValidationError, validateLimits, validateRules } from '../../src/policy/validate.js';
import { LimitSyntaxError, parseCidr, parseHours, parseRate } from '../../src/policy/limits.js';
import { isGlob } from '../../src/policy/names.js';
import { parseJson, JsonParseError } from '../../src/rpc/json.js';
import type { RpcValue } from '../../src/rpc/values.js';
import { usageError } from '../../src/cli/errors.js';
import { parseInstant } from '../../src/cli/time.js';
import { lineOfPath } from '../../src/registry/store.js';

/** The flags that describe rules, shared by create (and scope for --fields/--domain). */
export const ruleFlags = {
  model: Flags.string({ description: 'model the key may use (repeatable, or a comma list); globs such as crm.* allowed', multiple: true, helpGroup: 'SCOPE' }),
  method: Flags.string({ description: 'method or preset: read, create, write, unlink, or a name such as action_confirm (repeatable, or a comma list)', multiple: true, helpGroup: 'SCOPE' }),
  fields: Flags.string({ description: 'the only fields the rules may touch (comma list, repeatable)', multiple: true, helpGroup: 'SCOPE' }),
  domain: Flags.string({ description: 'the records the rules reach, an Odoo domain as JSON, e.g. \'[["user_id","=",7]]\'', helpGroup: 'SCOPE' }),
  'max-limit': Flags.integer({ description: 'largest number of records one search may return', min: 1, helpGroup: 'SCOPE' }),
  'allow-sensitive': Flags.boolean({ description: 'confirm that rules naming a sensitive model exactly (res.users, ir.config_parameter, ...) may reach it', default: false, helpGroup: 'SCOPE' }),
};

export const limitFlags = {
  ip: Flags.string({ description: 'client addresses allowed, CIDR (IPv4 or IPv6; repeatable)', multiple: true, helpGroup: 'LIMITS' }),
  hours: Flags.string({ description: "when calls are allowed, e.g. 'Mon-Fri 07:00-19:00 Europe/Amsterdam'", helpGroup: 'LIMITS' }),
  rate: Flags.string({ description: 'calls allowed per period, e.g. 120/min, 1000/h', helpGroup: 'LIMITS' }),
  expires: Flags.string({ description: 'when the key dies: 15m, 24h, 90d, or an ISO date such as 2027-02-26', helpGroup: 'LIMITS' }),
};

export function parseDomainFlag(text: string | undefined, flag = '--domain'): RpcValue[] | undefined {
  if (text === undefined) return undefined;
  let v: RpcValue;
  try {
    v = parseJson(text);
  } catch (err) {
    if (err instanceof JsonParseError) throw usageError(`${flag}: not valid JSON (${err.message}); write a domain such as '[["user_id","=",7]]'`, 'bad_domain');
    throw err;
  }
  if (!Array.isArray(v)) throw usageError(`${flag}: a domain is a JSON list, e.g. '[["user_id","=",7]]'`, 'bad_domain');
  if (v.length === 0) throw usageError(`${flag}: the domain is empty, which reaches every record; name the records with at least one leaf (to remove a rule's domain: odoo-keys scope <key> --clear domain)`, 'bad_domain');
  return v;
}

function splitComma(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

export function fieldsFlag(values: string[] | undefined): string[] | undefined {
  return values === undefined ? undefined : splitComma(values);
}

/** Rules from --model/--method/--fields/--domain/--max-limit (none when --model and --method are both absent). */
export function rulesFromRuleFlags(f: { model?: string[]; method?: string[]; fields?: string[]; domain?: string; 'max-limit'?: number; 'allow-sensitive'?: boolean }): Rule[] {
  const anyRuleFlag = f.model !== undefined || f.method !== undefined || f.fields !== undefined || f.domain !== undefined || f['max-limit'] !== undefined;
  if (!anyRuleFlag) return [];
  if (f.model === undefined) throw usageError('missing --model: --method, --fields, --domain and --max-limit describe a rule for the models given with --model', 'missing_flag');
  if (f.method === undefined) throw usageError(`missing --method for --model ${f.model.join(',')} (a method name or a preset: read, create, write, unlink)`, 'missing_flag');
  return rulesFromFlags({
    models: f.model,
    methods: f.method,
    fields: fieldsFlag(f.fields),
    domain: parseDomainFlag(f.domain),
    maxLimit: f['max-limit'],
    allowSensitive: f['allow-sensitive'] ?? false,
  });
}

/** Rules from repeated --scope 'model:methods(fields)'. */
export function rulesFromScopeFlags(specs: string[] | undefined): Rule[] {
  return (specs ?? []).flatMap((s) => parseCompactScope(s));
}

/** --allow-sensitive confirms the rules that name a model exactly (globs never reach sensitive models). */
export function applyAllowSensitive(rules: Rule[], allow: boolean): Rule[] {
  if (!allow) return rules;
  return rules.map((r) => (isGlob(r.model) ? r : { ...r, allow_sensitive: true }));
}

/**
 * A --scope-file: YAML (or JSON) holding a list of rules, or a mapping with `rules:` and
 * optionally `limits:`. A bad rule is reported with the file, line and field.
 */
export async function readScopeFile(path: string): Promise<{ rules: Rule[]; limits: Limits }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw usageError(`--scope-file: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'bad_scope_file');
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw usageError(`${path}:${e.linePos?.[0]?.line ?? 1}: not valid YAML: ${e.message.split('\n')[0]}`, 'bad_scope_file');
  }
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  try {
    if (Array.isArray(value)) return { rules: validateRules(value, ''), limits: {} };
    if (value && typeof value === 'object') {
      const v = value as Record<string, unknown>;
      const extra = Object.keys(v).filter((k) => k !== 'rules' && k !== 'limits');
      if (extra.length) throw new ScopeValidationError(extra[0]!, `unknown key '${extra[0]}' (a scope file holds rules: and limits:)`);
      return { rules: validateRules(v.rules ?? [], 'rules'), limits: validateLimits(v.limits, 'limits') };
    }
    throw new ScopeValidationError('', 'a scope file holds a list of rules, or a mapping with rules: and limits:');
  } catch (err) {
    if (!(err instanceof ScopeValidationError)) throw err;
    const line = err.path ? lineOfPath(doc, lc, err.path) : 1;
    const where = err.path ? `${err.path.replace(/^\./, '')}: ` : '';
    throw usageError(`${path}:${line ?? 1}: ${where}${err.problem}`, 'bad_scope_file');
  }
}

function viaUsage<T>(flag: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof LimitSyntaxError) throw usageError(`${flag}: ${err.message}`, 'bad_limit');
    throw err;
  }
}

/** Limits from --ip/--hours/--rate, checked, on top of `base`. */
export function limitsFromFlags(f: { ip?: string[]; hours?: string; rate?: string }, base: Limits = {}): Limits {
  const out: Limits = { ...base };
  if (f.ip !== undefined) {
    const ips = splitComma(f.ip);
    // `--ip "$WEB_IPS"` with the variable unset must not remove the limit: refused, never "no limit".
    if (ips.length === 0) throw usageError('--ip: no address given; name at least one address or CIDR range (to remove the address limit: odoo-keys scope <key> --clear ips)', 'bad_limit');
    ips.forEach((ip) => viaUsage('--ip', () => parseCidr(ip)));
    out.ips = [...new Set(ips)];
  }
  if (f.hours !== undefined) {
    viaUsage('--hours', () => parseHours(f.hours!));
    out.hours = f.hours.trim();
  }
  if (f.rate !== undefined) {
    viaUsage('--rate', () => parseRate(f.rate!));
    out.rate = f.rate.trim();
  }
  return validateLimits(out, 'limits');
}

/** --expires as an ISO instant (seconds precision), refusing a time already past. */
export function expiresFromFlag(text: string | undefined, now: Date): string | undefined {
  if (text === undefined) return undefined;
  const at = parseInstant(text, now, '--expires');
  if (at.getTime() <= now.getTime()) throw usageError(`--expires: ${at.toISOString()} is already past`, 'bad_time');
  return isoSeconds(at);
}

/** ISO 8601 without milliseconds: what the registry stores. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
