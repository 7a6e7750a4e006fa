import { Args, Flags } from '../../src/cli/oclif.js';
import { RegistryCommand } from '../shared/registry-command.js';
import { CliError, EXIT, usageError } from '../../src/cli/errors.js';
import { requireKey, resolveProfile } from '../../src/registry/registry.js';
import { readLastUsed } from '../../src/registry/usage.js';
import type { KeyRecord, Profile } from '../../src/registry/types.js';
import type { ModelSchema } from '../../src/policy/types.js';
import { formatRule } from '../../src/policy/compact.js';
import { validateLimits } from '../../src/policy/validate.js';
import { suggestScope, suggestionYaml, type LearnedCall, type Suggestion } from '../../src/policy/suggest.js';
import { journalDirs } from '../../src/audit/dirs.js';
import { readJournalBatches, type ReadStats } from '../../src/audit/read.js';
import { readUpstreamKey } from '../../src/secrets/index.js';
import { SecretError } from '../../src/secrets/errors.js';
import { OdooClient, UpstreamError, clientProtocolOf } from '../../src/upstream/client.js';
import { isStruct } from '../../src/rpc/values.js';
import { SCHEMA_ATTRIBUTES } from '../../src/policy/decide.js';
import { schemaFromFieldsGet } from '../../src/policy/schema.js';
import { keyView, type KeyView } from '../shared/view.js';
import { expiresFromFlag } from '../shared/scope-input.js';

export interface ScopeSuggestResult {
  key: KeyView;
  suggestion: Suggestion;
  /** The suggestion as a scope file (what the command prints). */
  yaml: string;
  /** The rules in the compact form. */
  scope: string[];
  applied: boolean;
  /** What could not be done (Odoo not asked for fields, ...). */
  warnings: string[];
}

/** Rounds of asking Odoo for fields: each round may reach models one relation further. */
const SCHEMA_ROUNDS = 4;

export default class ScopeSuggest extends RegistryCommand {
  static override summary = "Print the least scope that would have allowed what a learning key did; --apply makes it the key's scope.";
  static override description =
    "Reads the journal of a key made with `odoo-keys learn` and prints, as a scope file, the rules that allow exactly the calls it made: models, methods, the fields read, written, searched, grouped or ordered on, and a domain where every search used the same constant condition. Notes (YAML comments) say what it left out. Paths through relations and x2many commands need the fields of the models involved: they are asked from Odoo unless --offline. --apply turns the key into a normal scoped key with that scope (learning off; the client keeps its key) and removes the learning expiry unless --expires is given.";
  static override examples = [
    '<%= config.bin %> scope suggest n8n-enrichment',
    '<%= config.bin %> scope suggest n8n-enrichment > n8n.scope.yaml',
    '<%= config.bin %> scope suggest n8n-enrichment --apply --expires 90d',
  ];

  static override args = {
    key: Args.string({ description: 'key name or id (a key made with odoo-keys learn)', required: true }),
  };

  static override flags = {
    apply: Flags.boolean({ description: 'make the suggested scope the key’s scope and end learning mode', default: false }),
    expires: Flags.string({ description: 'with --apply: when the key dies (15m, 24h, 90d or an ISO date); default: no expiry' }),
    journal: Flags.string({ description: 'journal folder (repeatable, one per replica); default: <state home>/journal', multiple: true }),
    offline: Flags.boolean({ description: 'do not ask Odoo for the fields of models reached through relations', default: false }),
  };

  async run(): Promise<ScopeSuggestResult> {
    const { args, flags } = await this.parse(ScopeSuggest);
    const now = new Date();
    if (flags.expires !== undefined && !flags.apply) throw usageError('--expires goes with --apply', 'usage');
    const expires = expiresFromFlag(flags.expires, now);
    const store = this.storeFor(flags.home);
    const reg = await store.read();
    const key = requireKey(reg, args.key);
    const profile = resolveProfile(reg, key.profile);
    if (flags.apply && !key.learning) {
      throw new CliError(`key '${key.name}' is not in learning mode: --apply only turns a learning key into a scoped key (change this one with odoo-keys scope ${key.name})`, 'not_learning', EXIT.USAGE);
    }

    const entries = await this.learnedCalls(key, flags.journal);
    const warnings: string[] = [];
    const warn = (m: string): void => {
      warnings.push(m);
      this.logToStderr(`odoo-keys: warning: ${m}`);
    };
    const schemas = new Map<string, ModelSchema>();
    const options = { version: profile.version, schema: (m: string) => schemas.get(m) };
    let suggestion = suggestScope(entries, options);
    if (!flags.offline && suggestion.missing_schemas.length) {
      const asked = new Set<string>();
      const client = await this.client(profile, warn);
      for (let round = 0; client && round < SCHEMA_ROUNDS; round++) {
        const wanted = suggestion.missing_schemas.filter((m) => !asked.has(m));
        if (!wanted.length) break;
        for (const model of wanted) {
          asked.add(model);
          const schema = await fieldsOf(client, model, warn);
          if (schema) schemas.set(model, schema);
        }
        suggestion = suggestScope(entries, options);
      }
    }

    const learnedAt = `learned from ${suggestion.seen.calls} call${suggestion.seen.calls === 1 ? '' : 's'}${suggestion.seen.first ? ` between ${suggestion.seen.first} and ${suggestion.seen.last}` : ''}`;
    const heading = [
      `Suggested scope for key '${key.name}' (${key.id}), ${learnedAt}.`,
      flags.apply
        ? `Applied to ${key.name} by odoo-keys scope suggest --apply.`
        : key.learning
          ? `Keep it: odoo-keys scope suggest ${key.name} --apply   (or: odoo-keys create <name> --scope-file <this file>)`
          : // --apply would be refused: the key left learning mode (applied already, or by hand).
            `${key.name} is no longer in learning mode (see its scope: odoo-keys show ${key.name}); to use this one: odoo-keys create <name> --scope-file <this file>`,
    ];
    const yaml = suggestionYaml(suggestion, heading);
    if (suggestion.seen.calls === 0) {
      const dead = key.expires !== undefined && Date.parse(key.expires) <= now.getTime();
      const why = `no call made with key '${key.name}' in learning mode is in the journal${dead ? ' (the key has expired)' : ''}: run the client with it through the proxy first`;
      if (flags.apply) throw new CliError(`nothing to apply: ${why}`, 'nothing_learned', EXIT.USAGE);
      this.logToStderr(`odoo-keys: ${why}`);
    }

    let record: KeyRecord = key;
    if (flags.apply) {
      record = await store.update((r) => {
        const k = requireKey(r, key.id);
        if (!k.learning) throw new CliError(`key '${k.name}' left learning mode meanwhile; nothing applied`, 'not_learning', EXIT.USAGE);
        k.rules = suggestion.rules;
        const limits = validateLimits({ ...(k.limits ?? {}), ...suggestion.limits }, 'limits');
        if (Object.keys(limits).length) k.limits = limits;
        else delete k.limits;
        delete k.learning;
        if (expires !== undefined) k.expires = expires;
        else delete k.expires;
        return structuredClone(k);
      });
    }
    const view = keyView(record, now, readLastUsed());
    this.log(yaml.trimEnd());
    if (flags.apply) {
      this.logToStderr(`odoo-keys: ${view.name} is now a scoped key (learning off), ${view.expires ? `expiring ${view.expires}` : 'with no expiry (odoo-keys scope ' + view.name + ' --expires 90d sets one)'}; a running proxy applies it within a second. Its rules:`);
      for (const r of view.scope) this.logToStderr(`  ${r}`);
    }
    return { key: view, suggestion, yaml, scope: suggestion.rules.map(formatRule), applied: flags.apply, warnings };
  }

  private async learnedCalls(key: KeyRecord, journal: string[] | undefined): Promise<LearnedCall[]> {
    const { dirs, missingDefault } = await journalDirs(journal);
    if (missingDefault) this.logToStderr(`odoo-keys: no journal yet at ${missingDefault} (no proxy has run with this state folder)`);
    const out: LearnedCall[] = [];
    const stats: ReadStats = { unreadable: 0 };
    const since = new Date(Date.parse(key.created) - 1000);
    for await (const batch of readJournalBatches(dirs, { keys: [key.id], since }, stats)) {
      // Calls only: exec's run lines (event) carry no learning facts.
      for (const e of batch) if (e.key === key.id && e.learning && e.event === undefined) out.push(e as LearnedCall);
    }
    if (stats.unreadable) this.logToStderr(`odoo-keys: ${stats.unreadable} journal line${stats.unreadable === 1 ? '' : 's'} could not be read; run \`odoo-keys audit verify\``);
    return out;
  }

  private async client(profile: Profile, warn: (m: string) => void): Promise<OdooClient | undefined> {
    try {
      const key = await readUpstreamKey(profile);
      return new OdooClient({ url: profile.url, db: profile.db, login: profile.login, key, protocol: clientProtocolOf(profile.protocol), timeoutMs: 15_000 });
    } catch (err) {
      if (err instanceof SecretError) {
        warn(`fields of related models not read from Odoo: ${err.message} (--offline skips this)`);
        return undefined;
      }
      throw err;
    }
  }
}

async function fieldsOf(client: OdooClient, model: string, warn: (m: string) => void): Promise<ModelSchema | undefined> {
  try {
    // What the proxy asks for to decide (relation_field: lines moved by commands 4 and 6 write it;
    // related: writing a related field writes the field it follows), read the same way.
    const res = await client.executeKw(model, 'fields_get', [], { attributes: [...SCHEMA_ATTRIBUTES] });
    if (!isStruct(res)) return undefined;
    return schemaFromFieldsGet(res);
  } catch (err) {
    if (err instanceof UpstreamError) {
      warn(`fields of ${model} not read from Odoo: ${err.message}`);
      return undefined;
    }
    throw err;
  }
}
