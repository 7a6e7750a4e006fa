import { Args, Flags } from '../src/cli/oclif.js';
import { RegistryCommand } from './shared/registry-command.js';
import { CliError, EXIT, usageError } from '../src/cli/errors.js';
import { formatDuration, parseDuration } from '../src/cli/time.js';
import { palette } from '../src/cli/style.js';
import { LEARNING_MAX_HOURS, newKeyNameProblem, resolveProfile } from '../src/registry/registry.js';
import { mintKey } from '../src/registry/keys.js';
import { readLastUsed } from '../src/registry/usage.js';
import type { KeyRecord } from '../src/registry/types.js';
import { keyView, type KeyView } from './shared/view.js';
import { isoSeconds, limitsFromFlags } from './shared/scope-input.js';
import { DEFAULT_PROXY_URL } from './create.js';
import { limitFlags } from './shared/scope-input.js';

export interface LearnResult {
  key: KeyView;
  /** The key itself, `odk_<id>_<secret>`: shown this once, never stored. */
  token: string;
  client: { url: string; db: string; login: string };
  /** When learning ends on its own (the key expires). */
  expires: string;
}

/** A learning key may do what the Odoo user may: it must not live long. */
export const MAX_LEARNING_TTL_MS = LEARNING_MAX_HOURS * 3_600_000;

export default class Learn extends RegistryCommand {
  static override summary = 'Issue a key in learning mode: it may do what the Odoo user may (except sensitive models), every call is recorded, and it expires on its own.';
  static override description =
    'Point the integration at the proxy with this key and let it run as it normally does. Then `odoo-keys scope suggest <name>` prints the least scope that would have allowed exactly the calls it made, and `--apply` turns the key into a normal scoped key with that scope (the client keeps its key). A learning key never reaches the sensitive models (res.users, ir.config_parameter, ...), never calls private methods, and is refused once its TTL has passed.';
  static override examples = [
    '<%= config.bin %> learn n8n-enrichment --ttl 30m',
    '<%= config.bin %> learn nightly-sync --ttl 2h --profile prod --ip 10.0.0.0/24',
  ];

  static override args = {
    name: Args.string({ description: 'name of the new key (the scope learned is applied to it later)', required: true }),
  };

  static override flags = {
    ttl: Flags.string({ description: `how long the key learns before it expires (at most ${formatDuration(MAX_LEARNING_TTL_MS)})`, default: '30m' }),
    ip: limitFlags.ip,
    description: Flags.string({ description: 'a note for the operator' }),
  };

  async run(): Promise<LearnResult> {
    const { args, flags } = await this.parse(Learn);
    const name = args.name;
    const problem = newKeyNameProblem(name);
    if (problem) throw usageError(problem, 'bad_name');
    const ttlMs = parseDuration(flags.ttl, '--ttl');
    if (ttlMs > MAX_LEARNING_TTL_MS) {
      throw usageError(`--ttl: at most ${formatDuration(MAX_LEARNING_TTL_MS)}: a learning key may do whatever the Odoo user may; learn again if the client needs more time`, 'bad_duration');
    }
    const limits = limitsFromFlags({ ip: flags.ip });
    const now = new Date();
    const expires = isoSeconds(new Date(now.getTime() + ttlMs));
    const store = this.storeFor(flags.home);
    const before = await store.read();
    const profile = resolveProfile(before, flags.profile);

    const created = await store.update((reg) => {
      const current = resolveProfile(reg, profile.name);
      if (reg.keys.some((k) => k.name === name)) throw new CliError(`a key named '${name}' exists already (odoo-keys show ${name})`, 'name_taken', EXIT.USAGE);
      const ids = new Set(reg.keys.map((k) => k.id));
      let minted = mintKey();
      while (ids.has(minted.id)) minted = mintKey();
      const record: KeyRecord = {
        id: minted.id,
        name,
        profile: current.name,
        hash: minted.hash,
        created: isoSeconds(now),
        expires,
        learning: true,
        rules: [],
      };
      if (flags.description) record.description = flags.description;
      if (Object.keys(limits).length) record.limits = limits;
      reg.keys.push(record);
      return { record, token: minted.token };
    });

    const view = keyView(created.record, now, readLastUsed());
    const c = palette();
    const loud = (s: string): string => c.bold.yellow(s);
    this.log(loud(`!! LEARNING KEY ${view.name} (id ${view.id}, profile ${view.profile})`));
    this.log(loud(`!! It may do whatever the Odoo user ${profile.login} may, except the sensitive models; every call is recorded.`));
    this.log(loud(`!! It stops working at ${expires} (in ${formatDuration(ttlMs)}).`));
    this.log('');
    this.log(`  ${created.token}`);
    this.log('');
    this.log('Shown only this once; odoo-keys keeps just its hash. Configure the client with it, with the proxy (odoo-keys serve) as the Odoo URL:');
    this.log(`  url ${DEFAULT_PROXY_URL}  database ${profile.db}  login ${view.name}  API key: the key above`);
    this.log(`Run the client as it normally runs, then: odoo-keys scope suggest ${view.name}   (and --apply to keep that scope)`);
    return { key: view, token: created.token, client: { url: DEFAULT_PROXY_URL, db: profile.db, login: view.name }, expires };
  }
}
