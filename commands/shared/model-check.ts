// Checking a scope against the Odoo it is for: every model exists and every field named in a
// rule, in its field list or in its domain (each step of a dotted path, following relations),
// exists (fields_get), with the closest name suggested on a typo: a misspelt domain field makes
// Odoo refuse every call the rule allows. Only when Odoo is
// reachable; `--offline` skips it, and an Odoo that cannot be asked is a warning, not an error.
import type { Rule } from '../../src/policy/types.js';
import { isGlob, modelMatches } from '../../src/policy/names.js';
import { OdooClient, UpstreamError } from '../../src/upstream/client.js';
import { isStruct } from '../../src/rpc/values.js';
import { domainLeaves } from '../../src/policy/domain.js';
import { KNOWN_METHODS } from '../../src/policy/methods.js';

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate within a sensible distance, for "did you mean ...?". */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const limit = Math.max(2, Math.floor(word.length / 3));
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD || (d === bestD && best !== undefined && c < best)) {
      best = c;
      bestD = d;
    }
  }
  return bestD <= limit ? best : undefined;
}

/** Whether `a` becomes `b` by one slip: a letter added, dropped or changed, or two neighbours swapped. */
function oneSlipApart(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/**
 * Method names one slip away from a standard one (`creat`, `raed`): a rule may name any public
 * method, so these are taken as written, and the key would then be refused the call it was made
 * for. Odoo cannot be asked which methods a model has, hence a warning rather than an error.
 */
export function methodTypoWarnings(rules: Rule[]): string[] {
  const out: string[] = [];
  for (const r of rules) {
    for (const m of r.methods) {
      if (KNOWN_METHODS.has(m)) continue;
      const meant = [...KNOWN_METHODS].filter((k) => oneSlipApart(m, k)).sort()[0];
      if (meant) out.push(`${r.model}: '${m}' is not a standard method (a rule allows it as written); did you mean ${meant}?`);
    }
  }
  return [...new Set(out)];
}

export interface ScopeCheck {
  /** Typos: the scope names something Odoo does not have. */
  problems: string[];
  /** Things that could not be checked (no access, Odoo unreachable). */
  warnings: string[];
}

function isUnknownModel(err: unknown): boolean {
  return err instanceof UpstreamError && err.kind === 'fault' && /doesn't exist|does not exist/.test(err.message) && !/method/.test(err.message);
}

/** Checks models and fields of `rules` against Odoo through `client`. */
export async function checkScopeAgainstOdoo(client: OdooClient, rules: Rule[]): Promise<ScopeCheck> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const fieldsWanted = new Map<string, Set<string>>();
  for (const r of rules) {
    if (isGlob(r.model)) continue;
    const set = fieldsWanted.get(r.model) ?? new Set<string>();
    for (const f of r.fields ?? []) set.add(f);
    fieldsWanted.set(r.model, set);
  }
  let allModels: string[] | null | undefined;
  const modelList = async (): Promise<string[] | null> => {
    if (allModels !== undefined) return allModels;
    try {
      const rows = await client.executeKw('ir.model', 'search_read', [[]], { fields: ['model'] });
      allModels = Array.isArray(rows) ? rows.flatMap((r) => (isStruct(r) && typeof r.model === 'string' ? [r.model] : [])) : null;
    } catch {
      allModels = null;
    }
    return allModels;
  };
  // Each model's fields (null: could not be described, already reported), asked once.
  const described = new Map<string, Record<string, unknown> | null>();
  const fieldsOf = async (model: string): Promise<Record<string, unknown> | null> => {
    if (described.has(model)) return described.get(model)!;
    let known: Record<string, unknown> | null = null;
    try {
      const res = await client.executeKw(model, 'fields_get', [], { attributes: ['type', 'relation'] });
      if (isStruct(res)) known = res;
      else warnings.push(`${model}: fields_get gave no field list; fields not checked`);
    } catch (err) {
      if (isUnknownModel(err)) {
        const models = await modelList();
        const guess = models ? closest(model, models) : undefined;
        problems.push(`${model}: no such model${guess ? `, did you mean ${guess}?` : ''}`);
      } else if (err instanceof UpstreamError && (err.kind === 'fault' || err.kind === 'access_denied')) {
        warnings.push(`${model}: could not be checked (${err.message})`);
      } else {
        throw err; // unreachable Odoo: the caller warns once
      }
    }
    described.set(model, known);
    return known;
  };
  // A pattern that matches no model is likely a typo (crm.leads*), but a module installed later may
  // bring one: a warning, not an error.
  for (const pattern of new Set(rules.filter((r) => isGlob(r.model)).map((r) => r.model))) {
    const models = await modelList();
    if (models && !models.some((m) => modelMatches(pattern, m))) {
      const guess = closest(pattern.replace(/\*+$/, ''), models);
      warnings.push(`${pattern}: matches no model of this Odoo (yet)${guess ? `; did you mean ${guess}?` : ''}`);
    }
  }
  for (const [model, fields] of fieldsWanted) {
    const known = await fieldsOf(model);
    if (!known) continue;
    for (const f of fields) {
      if (f in known) continue;
      const guess = closest(f, Object.keys(known));
      problems.push(`${model}: no field '${f}'${guess ? `, did you mean ${guess}?` : ''}`);
    }
  }
  for (const r of rules) {
    if (isGlob(r.model) || !r.domain) continue;
    for (const leaf of domainLeaves(r.domain)) {
      if (typeof leaf.path !== 'string') continue;
      let model = r.model;
      for (const step of leaf.path.split('.')) {
        const known = await fieldsOf(model);
        if (!known) break;
        const def = known[step];
        if (def === undefined) {
          const guess = closest(step, Object.keys(known));
          problems.push(`${model}: no field '${step}' (domain of ${r.model}: '${leaf.path}')${guess ? `, did you mean ${guess}?` : ''}`);
          break;
        }
        const relation = isStruct(def) && typeof def.relation === 'string' && def.relation ? def.relation : null;
        if (!relation) break; // not a relation: Odoo itself reads what follows (properties, dates)
        model = relation;
      }
    }
  }
  return { problems: [...new Set(problems)], warnings: [...new Set(warnings)] };
}
