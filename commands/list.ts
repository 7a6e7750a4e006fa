import { Flags } from '../src/cli/oclif.js';
import { RegistryCommand } from './shared/registry-command.js';
import { readLastUsed } from '../src/registry/usage.js';
import { resolveProfile } from '../src/registry/registry.js';
import { keysTable, keyView, type KeyView } from './shared/view.js';

export interface ListResult {
  keys: KeyView[];
}

export default class List extends RegistryCommand {
  static override summary = 'List the keys: scope, limits, expiry, status, last use.';
  static override examples = ['<%= config.bin %> list', '<%= config.bin %> list --profile prod --json', '<%= config.bin %> list --active'];

  static override flags = {
    active: Flags.boolean({ description: 'only keys that work now (not revoked, not expired, not a learning key whose day has not begun here)', default: false }),
  };

  async run(): Promise<ListResult> {
    const { flags } = await this.parse(List);
    const now = new Date();
    const reg = await this.storeFor(flags.home).read();
    const onlyProfile = flags.profile ? resolveProfile(reg, flags.profile).name : undefined;
    const lastUsed = readLastUsed();
    const keys = reg.keys
      .filter((k) => onlyProfile === undefined || k.profile === onlyProfile)
      .map((k) => keyView(k, now, lastUsed))
      .filter((v) => !flags.active || (v.status !== 'revoked' && v.status !== 'expired' && v.status !== 'not_yet'));
    if (keys.length === 0) {
      this.log(reg.keys.length === 0 ? 'No keys yet: odoo-keys create --model <model> --method <method>' : 'No keys match.');
    } else {
      this.log(keysTable(keys, now));
    }
    return { keys };
  }
}
