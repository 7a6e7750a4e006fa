// Checking a scope against the Odoo it is for: every model exists and every field named in a
// rule exists (fields_get), with the closest name suggested on a typo. Only when Odoo is
// reachable; `--offline` skips it, and an Odoo that cannot be asked is a warning, not an error.
import type { Rule } from '../../src/policy/types.js';
import { isGlob } from '../../src/policy/names.js';
import { OdooClient, UpstreamError } from '../../src/upstream/client.js';
import { isStruct } from '../../src/rpc/values.js';

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
  for (const [model, fields] of fieldsWanted) {
    let known: Record<string, unknown>;
    try {
      const res = await client.executeKw(model, 'fields_get', [], { attributes: ['type'] });
      if (!isStruct(res)) {
        warnings.push(`${model}: fields_get gave no field list; fields not checked`);
        continue;
      }
      known = res;
    } catch (err) {
      if (isUnknownModel(err)) {
        const models = await modelList();
        const guess = models ? closest(model, models) : undefined;
        problems.push(`${model}: no such model${guess ? `, did you mean ${guess}?` : ''}`);
        continue;
      }
      if (err instanceof UpstreamError && (err.kind === 'fault' || err.kind === 'access_denied')) {
        warnings.push(`${model}: could not be checked (${err.message})`);
        continue;
      }
      throw err; // unreachable Odoo: the caller warns once
    }
    for (const f of fields) {
      if (f in known) continue;
      const guess = closest(f, Object.keys(known));
      problems.push(`${model}: no field '${f}'${guess ? `, did you mean ${guess}?` : ''}`);
    }
  }
  return { problems, warnings };
}
