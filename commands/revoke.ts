import { Args, Flags } from '../src/cli/oclif.js';
import { RegistryCommand } from './shared/registry-command.js';
import { usageError } from '../src/cli/errors.js';
import { interactive } from '../src/cli/tty.js';
import { requireKey } from '../src/registry/registry.js';
import { readLastUsed } from '../src/registry/usage.js';
import { keyView, type KeyView } from './shared/view.js';
import { isoSeconds } from './shared/scope-input.js';

export interface RevokeResult {
  key: KeyView;
  /** True when the key had been revoked before this command (nothing changed). */
  already_revoked: boolean;
}

export default class Revoke extends RegistryCommand {
  static override summary = 'Revoke a key: dead at once, also in a running proxy (within a second).';
  static override examples = ['<%= config.bin %> revoke website-form', '<%= config.bin %> revoke website-form --yes'];

  static override args = {
    key: Args.string({ description: 'key name or id', required: true }),
  };

  static override flags = {
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation (required without a terminal)', default: false }),
  };

  async run(): Promise<RevokeResult> {
    const { args, flags } = await this.parse(Revoke);
    const store = this.storeFor(flags.home);
    const target = requireKey(await store.read(), args.key);
    if (!flags.yes && !target.revoked) {
      if (!interactive()) throw usageError(`revoking '${target.name}' needs confirmation: pass --yes (no terminal to ask on)`, 'missing_flag');
      const { confirm } = await import('@inquirer/prompts');
      const ok = await confirm({ message: `Revoke key ${target.name} (${target.id})? Integrations using it stop working at once.`, default: false });
      if (!ok) throw usageError('not revoked', 'cancelled');
    }
    const now = new Date();
    const out = await store.update((reg) => {
      const key = requireKey(reg, target.id);
      const already = key.revoked !== undefined;
      if (!already) {
        key.revoked = isoSeconds(now);
        delete key.previous;
      }
      return { key: structuredClone(key), already };
    });
    const view = keyView(out.key, now, readLastUsed());
    this.log(out.already ? `Key ${view.name} (${view.id}) was already revoked at ${view.revoked}.` : `Revoked key ${view.name} (${view.id}); it no longer works.`);
    return { key: view, already_revoked: out.already };
  }
}
