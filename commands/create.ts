import { Args, Flags } from '../src/cli/oclif.js';
import { RegistryCommand } from './shared/registry-command.js';
import { CliError, EXIT, usageError } from '../src/cli/errors.js';
import { interactive } from '../src/cli/tty.js';
import { newKeyNameProblem, resolveProfile } from '../src/registry/registry.js';
import { mintKey } from '../src/registry/keys.js';
import { readLastUsed } from '../src/registry/usage.js';
import type { KeyRecord, Profile } from '../src/registry/types.js';
import type { Limits, Rule } from '../src/policy/types.js';
import { addToScope } from '../src/policy/compact.js';
import { readUpstreamKey } from '../src/secrets/index.js';
import { OdooClient, UpstreamError, clientProtocolOf } from '../src/upstream/client.js';
import { SecretError } from '../src/secrets/errors.js';
import { keyView, type KeyView } from './shared/view.js';
import {
  applyAllowSensitive,
  expiresFromFlag,
  isoSeconds,
  limitFlags,
  limitsFromFlags,
  readScopeFile,
  ruleFlags,
  rulesFromRuleFlags,
  rulesFromScopeFlags,
} from './shared/scope-input.js';
import { checkScopeAgainstOdoo, methodTypoWarnings } from './shared/model-check.js';

export interface CreateResult {
  key: KeyView;
  /** The key itself, `odk_<id>_<secret>`: shown this once, never stored. */
  token: string;
  /** What a client configures to use it through the proxy. */
  client: { url: string; db: string; login: string };
  /** What could not be checked against Odoo (empty with --offline or when everything was checked). */
  warnings: string[];
}

/** The proxy's default address (`odoo-keys serve` without --listen). */
export const DEFAULT_PROXY_URL = 'http://127.0.0.1:8169';

/** `crm-lead-create` from the first rule: a readable default name. */
export function generatedName(rules: Rule[]): string {
  const r = rules[0];
  if (!r) return 'key';
  const base = `${r.model.replace(/\*/g, 'any').replace(/[^A-Za-z0-9]+/g, '-')}-${r.methods.slice(0, 2).join('-')}`.replace(/-+/g, '-').replace(/^-|-$/g, '');
  return (base || 'key').slice(0, 56);
}

function uniqueName(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** Checks the scope against Odoo when it can be reached; typos are errors, anything else a warning. */
export async function checkAgainstOdoo(profile: Profile, rules: Rule[], warn: (msg: string) => void): Promise<void> {
  let key: string;
  try {
    key = await readUpstreamKey(profile);
  } catch (err) {
    if (err instanceof SecretError) {
      warn(`models and fields not checked against Odoo: ${err.message} (--offline skips this check)`);
      return;
    }
    throw err;
  }
  const client = new OdooClient({ url: profile.url, db: profile.db, login: profile.login, key, protocol: clientProtocolOf(profile.protocol), timeoutMs: 15_000 });
  try {
    const check = await checkScopeAgainstOdoo(client, rules);
    for (const w of check.warnings) warn(w);
    if (check.problems.length) throw usageError(`${check.problems.join('\n')}\n(checked against ${profile.url}; --offline skips this check)`, 'unknown_name');
  } catch (err) {
    if (err instanceof UpstreamError) {
      warn(`models and fields not checked against Odoo: ${err.message} (--offline skips this check)`);
      return;
    }
    throw err;
  }
}

export default class Create extends RegistryCommand {
  static override summary = 'Create a scoped key; it is printed once, only its hash is stored.';
  static override description =
    'A key holds rules (model, methods, fields, records) and limits (addresses, hours, rate, expiry). Give rules with --model/--method (and --fields, --domain), with --scope in the compact form, or with --scope-file. Models and fields are checked against Odoo when it can be reached (--offline skips that). Without a name one is made up from the first rule (or asked for on a terminal).';
  static override examples = [
    '<%= config.bin %> create --model crm.lead --method create',
    '<%= config.bin %> create website-form --model crm.lead --method create --fields name,email_from,phone --ip 203.0.113.0/24 --expires 90d',
    "<%= config.bin %> create ai-assistant --scope 'sale.order:read' --scope 'crm.lead:read,write(stage_id,description)' --hours 'Mon-Fri 07:00-19:00 Europe/Amsterdam' --rate 120/min",
  ];

  static override args = {
    name: Args.string({ description: 'key name (default: made up from the first rule, or asked for on a terminal)' }),
  };

  static override flags = {
    ...ruleFlags,
    scope: Flags.string({ description: "a rule in the compact form 'model:methods(fields)', e.g. 'crm.lead:read,write(stage_id)' (repeatable)", multiple: true, helpGroup: 'SCOPE' }),
    'scope-file': Flags.string({ description: 'YAML file with a list of rules (or rules: and limits:)', helpGroup: 'SCOPE' }),
    ...limitFlags,
    description: Flags.string({ description: 'a note for the operator' }),
    offline: Flags.boolean({ description: 'do not check models and fields against Odoo', default: false }),
  };

  async run(): Promise<CreateResult> {
    const { args, flags } = await this.parse(Create);
    const now = new Date();
    const store = this.storeFor(flags.home);
    const before = await store.read();
    const profile = resolveProfile(before, flags.profile);

    let ruleFlagValues = { model: flags.model, method: flags.method };
    const noScopeGiven = !flags.model && !flags.method && !flags.scope && !flags['scope-file'] && !flags.fields && !flags.domain;
    if (noScopeGiven) {
      if (!interactive()) {
        throw usageError("missing a scope: give --model and --method, --scope 'model:methods', or --scope-file (no terminal to ask on)", 'missing_flag');
      }
      const { input } = await import('@inquirer/prompts');
      const model = await input({ message: 'Model (e.g. crm.lead):', required: true });
      const method = await input({ message: 'Methods (read, create, write, unlink or names, comma separated):', default: 'read' });
      ruleFlagValues = { model: [model], method: [method] };
    }

    const fromFile = flags['scope-file'] ? await readScopeFile(flags['scope-file']) : { rules: [] as Rule[], limits: {} as Limits };
    const collected = [
      ...rulesFromRuleFlags({ ...flags, ...ruleFlagValues }),
      ...applyAllowSensitive(rulesFromScopeFlags(flags.scope), flags['allow-sensitive']),
      ...applyAllowSensitive(fromFile.rules, flags['allow-sensitive']),
    ];
    const rules = addToScope([], collected);
    if (rules.length === 0) throw usageError('the scope is empty: a key without rules can do nothing', 'missing_flag');
    const limits = limitsFromFlags(flags, fromFile.limits);
    const expires = expiresFromFlag(flags.expires, now);

    let name = args.name;
    if (name === undefined && interactive()) {
      const { input } = await import('@inquirer/prompts');
      const suggestion = generatedName(rules);
      name = (await input({ message: 'Key name:', default: before.keys.some((k) => k.name === suggestion) ? undefined : suggestion, required: true })).trim();
    }
    if (name !== undefined) {
      const problem = newKeyNameProblem(name);
      if (problem) throw usageError(problem, 'bad_name');
      if (before.keys.some((k) => k.name === name)) throw new CliError(`a key named '${name}' exists already (odoo-keys show ${name})`, 'name_taken', EXIT.USAGE);
    }

    const warnings: string[] = [];
    const warn = (m: string): void => {
      warnings.push(m);
      this.logToStderr(`odoo-keys: warning: ${m}`);
    };
    for (const w of methodTypoWarnings(rules)) warn(w);
    if (!flags.offline) await checkAgainstOdoo(profile, rules, warn);

    const created = await store.update((reg) => {
      const current = resolveProfile(reg, profile.name); // still there?
      const names = new Set(reg.keys.map((k) => k.name));
      if (name !== undefined && names.has(name)) throw new CliError(`a key named '${name}' exists already (odoo-keys show ${name})`, 'name_taken', EXIT.USAGE);
      const ids = new Set(reg.keys.map((k) => k.id));
      let minted = mintKey();
      while (ids.has(minted.id)) minted = mintKey();
      const record: KeyRecord = {
        id: minted.id,
        name: name ?? uniqueName(generatedName(rules), names),
        profile: current.name,
        hash: minted.hash,
        created: isoSeconds(now),
        rules,
      };
      if (flags.description) record.description = flags.description;
      if (expires) record.expires = expires;
      if (Object.keys(limits).length) record.limits = limits;
      reg.keys.push(record);
      return { record, token: minted.token };
    });

    const view = keyView(created.record, now, readLastUsed());
    const result: CreateResult = { key: view, token: created.token, client: { url: DEFAULT_PROXY_URL, db: profile.db, login: view.name }, warnings };
    this.log(`Created key ${view.name} (id ${view.id}, profile ${view.profile}): ${view.summary}${view.expires ? `, expires ${view.expires}` : ''}`);
    this.log('');
    this.log(`  ${created.token}`);
    this.log('');
    this.log('Shown only this once; odoo-keys keeps just its hash. A client uses it as the Odoo API key, with the proxy (odoo-keys serve) as the Odoo URL:');
    this.log(`  url ${DEFAULT_PROXY_URL}  database ${profile.db}  login ${view.name}  API key: the key above`);
    return result;
  }
}
