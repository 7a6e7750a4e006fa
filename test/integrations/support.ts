// What the integration tests share: the proxy harness of test/support (the Odoo stand-in, a
// registry whose profile points at it, a running proxy with a clock a test may stop), the example
// scopes read from examples/ and from docs/scopes.md, and child processes for the clients
// (python3, node, the CLI).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Standin } from '../standin/server.js';
import { makeFields, type FieldDef, type ModelDef } from '../standin/fields.js';
import { REPO_ROOT } from '../support/cli.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';
import type { KeyRecord } from '../../src/registry/types.js';
import type { Limits, Rule } from '../../src/policy/types.js';
import { validateLimits, validateRules } from '../../src/policy/validate.js';

export { REPO_ROOT };
export const EXAMPLES = join(REPO_ROOT, 'examples');

export interface Scope {
  rules: Rule[];
  limits: Limits;
}

/** examples/<name>/scope.yaml, checked as `create --scope-file` checks it. */
export function exampleScope(name: string): Scope {
  const data = parse(readFileSync(join(EXAMPLES, name, 'scope.yaml'), 'utf8')) as { rules: unknown; limits?: unknown };
  return { rules: validateRules(data.rules, 'rules'), limits: validateLimits(data.limits, 'limits') };
}

/** The `# example: <name>` blocks of docs/scopes.md. */
export function docExamples(): Map<string, Scope> {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'scopes.md'), 'utf8');
  const out = new Map<string, Scope>();
  for (const m of doc.matchAll(/```yaml\n# example: ([a-z0-9-]+)\n([\s\S]*?)```/g)) {
    const data = parse(m[2]!) as { rules: unknown; limits?: unknown };
    out.set(m[1]!, { rules: validateRules(data.rules, 'rules'), limits: validateLimits(data.limits, 'limits') });
  }
  return out;
}

/** The proxy harness with the profile 'prod', keys added and changed by name with an example's scope. */
export interface World extends Omit<Harness, 'addKey' | 'editKey'> {
  addKey(name: string, scope: Scope): Promise<{ token: string; id: string; name: string }>;
  /** Changes the key called `name`, and reloads the proxy. */
  editKey(name: string, change: (k: KeyRecord) => void): Promise<void>;
}

export async function startWorld(opts: { version?: 18 | 19; studioStats?: boolean } = {}): Promise<World> {
  const h = await startHarness({ version: opts.version, profile: 'prod' });
  // The proxy reads no model until a call needs one, so the model may come after it started.
  if (opts.studioStats) addStatsModel(h.standin);
  return {
    ...h,
    // An empty limits block is left out, as `create --scope-file` leaves it out.
    addKey: (name, scope) => h.addKey({ name, rules: scope.rules, limits: Object.keys(scope.limits).length ? scope.limits : undefined }),
    async editKey(name, change) {
      const key = (await h.store.read()).keys.find((k) => k.name === name);
      if (!key) throw new Error(`no key ${name}`);
      await h.editKey(key.id, change);
      await h.proxy.reload();
    },
  };
}

/**
 * A model made with Odoo Studio, as the design's nightly sync keeps its numbers in: x_saas_stats
 * with a name (the day), a count of customers and of customers with an e-mail address.
 */
function addStatsModel(standin: Standin): void {
  const f = (name: string, type: FieldDef['type'], string: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, type, string, ...extra });
  const own = [
    f('x_name', 'char', 'Day', { required: true }),
    f('x_customers', 'integer', 'Customers'),
    f('x_with_email', 'integer', 'Customers with an e-mail address'),
  ];
  const log = [
    f('create_uid', 'many2one', 'Created by', { relation: 'res.users', readonly: true, copy: false }),
    f('create_date', 'datetime', 'Created on', { readonly: true, copy: false }),
    f('write_uid', 'many2one', 'Last Updated by', { relation: 'res.users', readonly: true, copy: false }),
    f('write_date', 'datetime', 'Last Updated on', { readonly: true, copy: false }),
  ];
  const id = f('id', 'integer', 'ID', { readonly: true, copy: false });
  const display = f('display_name', 'char', 'Display Name', { readonly: true, compute: () => false });
  const fields = standin.version >= 19 ? [id, display, ...own, ...log] : [id, ...own, display, ...log];
  const def: ModelDef = {
    name: 'x_saas_stats',
    description: 'SaaS statistics',
    order: 'id',
    recName: 'x_name',
    fields: makeFields(fields),
    access: { read: ['base.group_user'], write: ['base.group_user'], create: ['base.group_user'], unlink: ['base.group_user'] },
    module: 'studio_customization',
  };
  standin.orm.raw.schema.set(def.name, def);
}

export interface ProcessResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end; secrets go in `env`, never in `args`. */
export function run(command: string, args: string[], env: Record<string, string | undefined>, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const full: NodeJS.ProcessEnv = { ...process.env };
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete full[k];
      else full[k] = v;
    }
    const child = spawn(command, args, { cwd: opts.cwd ?? REPO_ROOT, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The last line of stdout that is a JSON object: what the example scripts print with --json. */
export function lastJson<T = Record<string, any>>(r: ProcessResult): T {
  const line = r.stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no JSON in the output (exit ${r.status}):\n${r.stdout}\n--- stderr:\n${r.stderr}`);
  return JSON.parse(line) as T;
}
