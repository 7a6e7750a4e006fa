import { Args } from '../src/cli/oclif.js';
import { RegistryCommand } from './shared/registry-command.js';
import { readLastUsed } from '../src/registry/usage.js';
import { requireKey } from '../src/registry/registry.js';
import { keyDetails, keyView, type KeyView } from './shared/view.js';

export interface ShowResult {
  key: KeyView;
}

export default class Show extends RegistryCommand {
  static override summary = 'Show one key: its rules, limits, status and last use.';
  static override examples = ['<%= config.bin %> show website-form', '<%= config.bin %> show 7f3a9c2e --json'];

  static override args = {
    key: Args.string({ description: 'key name or id', required: true }),
  };

  async run(): Promise<ShowResult> {
    const { args, flags } = await this.parse(Show);
    const now = new Date();
    const reg = await this.storeFor(flags.home).read();
    const key = keyView(requireKey(reg, args.key), now, readLastUsed());
    this.log(keyDetails(key, now));
    return { key };
  }
}
