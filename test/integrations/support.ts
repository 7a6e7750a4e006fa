// What the integration tests share: the Odoo stand-in, a registry whose profile points at it, a
// running proxy (with a clock a test may stop), the example scopes read from examples/ and from
// docs/scopes.md, and child processes for the clients (python3, node, the CLI).

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parse } from 'yaml';
import { startStandin, type Standin } from '../standin/server.js';
import { makeFields, type FieldDef, type ModelDef } from '../standin/fields.js';
import { REPO_ROOT } from '../support/cli.js';
import { RegistryStore } from '../../src/registry/store.js';
import { registryPath } from '../../src/registry/paths.js';
import { mintKey } from '../../src/registry/keys.js';
import type { KeyRecord } from '../../src/registry/types.js';
import type { Limits, Rule } from '../../src/policy/types.js';
import { validateLimits, validateRules } from '../../src/policy/validate.js';
import type { JournalEntry } from '../../src/audit/types.js';
import { startProxy, type RunningProxy } from '../../src/proxy/runtime.js';
import { createLogger, silentLogger } from '../../src/proxy/log.js';
import { journalLines } from '../support/journal.js';

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

export interface World {
  standin: Standin;
  proxy: RunningProxy;
  /** http://127.0.0.1:PORT of the proxy. */
  url: string;
  db: string;
  uid: number;
  /** Config folder (keys.yaml) and state folder (journal): what the CLI gets as ODOO_KEYS_HOME / ODOO_KEYS_STATE_HOME. */
  home: string;
  state: string;
  journalDir: string;
  store: RegistryStore;
  /** The proxy's clock: a fixed instant while set, the real time while null. */
  clock: { at: Date | null };
  addKey(name: string, scope: Scope, extra?: Partial<KeyRecord>): Promise<{ token: string; id: string; name: string }>;
  editKey(name: string, change: (k: KeyRecord) => void): Promise<void>;
  /** Every journal line so far (flushed first). */
  journal(): Promise<JournalEntry[]>;
  close(): Promise<void>;
}

export async function startWorld(opts: { version?: 18 | 19; studioStats?: boolean } = {}): Promise<World> {
  const version = opts.version ?? 19;
  const standin = await startStandin({ version });
  if (opts.studioStats) addStatsModel(standin);
  const root = mkdtempSync(join(tmpdir(), 'odoo-keys-integration-'));
  const home = join(root, 'config');
  const state = join(root, 'state');
  mkdirSync(state, { recursive: true });
  const journalDir = join(state, 'journal');
  const keyFile = join(root, 'upstream.key');
  writeFileSync(keyFile, `${standin.users.integration.apiKey}\n`, { mode: 0o600 });
  const store = new RegistryStore(registryPath(home));
  await store.update((reg) => {
    reg.profiles.prod = { url: standin.url, db: standin.db, login: standin.users.integration.login, key_file: keyFile } as (typeof reg.profiles)[string];
    reg.default_profile = 'prod';
  });
  const clock: World['clock'] = { at: null };
  let proxy: RunningProxy;
  try {
    proxy = await startProxy({
      home,
      profiles: ['prod'],
      host: '127.0.0.1',
      port: 0,
      auditDir: journalDir,
      stateDir: state,
      log: process.env.ODOO_KEYS_TEST_LOG ? createLogger('debug') : silentLogger,
      now: () => clock.at ?? new Date(),
    });
  } catch (e) {
    await standin.close();
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  const world: World = {
    standin,
    proxy,
    url: proxy.url,
    db: standin.db,
    uid: standin.users.integration.uid,
    home,
    state,
    journalDir,
    store,
    clock,
    async addKey(name, scope, extra = {}) {
      const m = mintKey();
      const record: KeyRecord = { id: m.id, name, profile: 'prod', hash: m.hash, created: new Date().toISOString(), rules: scope.rules, ...extra };
      if (Object.keys(scope.limits).length) record.limits = scope.limits;
      await store.update((reg) => {
        reg.keys.push(record);
      });
      await proxy.reload();
      return { token: m.token, id: m.id, name };
    },
    async editKey(name, change) {
      await store.update((reg) => {
        const k = reg.keys.find((x) => x.name === name);
        if (!k) throw new Error(`no key ${name}`);
        change(k);
      });
      await proxy.reload();
    },
    async journal() {
      await proxy.journal?.flush();
      return journalLines(journalDir);
    },
    async close() {
      await proxy.close(1000);
      await standin.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return world;
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
