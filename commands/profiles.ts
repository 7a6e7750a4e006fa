import { RegistryCommand } from './shared/registry-command.js';
import { table } from '../src/cli/style.js';
import { preconnects } from '../src/registry/registry.js';

export interface ProfileView {
  name: string;
  url: string;
  db: string;
  login: string;
  default: boolean;
  version: number | null;
  uid: number | null;
  /** The recorded upstream protocol (null: none, i.e. auto): json2 for an Odoo reached over JSON-2 only. */
  protocol: string | null;
  /** Whether serve keeps a connection to this Odoo open ahead of the next call (recorded, else on for https). */
  preconnect: boolean;
  key_source: 'keychain' | 'env' | 'file' | 'none';
  key_file: string | null;
  keys: number;
}

export interface ProfilesResult {
  profiles: ProfileView[];
}

export default class Profiles extends RegistryCommand {
  static override summary = 'List the Odoo connections (profiles) and where each upstream key is kept.';
  static override examples = ['<%= config.bin %> profiles', '<%= config.bin %> profiles --json'];

  async run(): Promise<ProfilesResult> {
    const { flags } = await this.parse(Profiles);
    const reg = await this.storeFor(flags.home).read();
    const profiles: ProfileView[] = Object.entries(reg.profiles).map(([name, p]) => ({
      name,
      url: p.url,
      db: p.db,
      login: p.login,
      default: reg.default_profile === name || (reg.default_profile === undefined && Object.keys(reg.profiles).length === 1),
      version: p.version ?? null,
      uid: p.uid ?? null,
      protocol: p.protocol ?? null,
      preconnect: preconnects(p),
      key_source: p.key_source ?? 'keychain',
      key_file: p.key_file ?? null,
      keys: reg.keys.filter((k) => k.profile === name).length,
    }));
    if (profiles.length === 0) this.log('No profiles yet: odoo-keys login <profile> --url ... --db ... --user ...');
    else {
      this.log(
        table(
          ['profile', 'url', 'database', 'login', 'odoo', 'upstream key', 'keys'],
          profiles.map((p) => [
            p.name + (p.default ? ' (default)' : ''),
            p.url,
            p.db,
            p.login,
            (p.version === null ? '?' : String(p.version)) + (p.protocol && p.protocol !== 'auto' ? ` (${p.protocol})` : ''),
            p.key_source === 'file' || p.key_file ? `file ${p.key_file}` : p.key_source === 'env' ? '$ODOO_KEYS_UPSTREAM_KEY' : p.key_source === 'none' ? `none (logged out: odoo-keys login ${p.name})` : 'OS keychain',
            String(p.keys),
          ]),
        ),
      );
    }
    return { profiles };
  }
}
