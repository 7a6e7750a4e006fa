import { Args, Flags } from '../src/cli/oclif.js';
import { RegistryCommand } from './shared/registry-command.js';
import { CliError, EXIT } from '../src/cli/errors.js';
import { parseDuration, formatDuration } from '../src/cli/time.js';
import { keyStatus, requireKey } from '../src/registry/registry.js';
import { mintKey } from '../src/registry/keys.js';
import { readLastUsed } from '../src/registry/usage.js';
import { keyView, type KeyView } from './shared/view.js';
import { isoSeconds } from './shared/scope-input.js';

export interface RotateResult {
  key: KeyView;
  /** The new key, `odk_<id>_<secret>` (same id): shown this once. */
  token: string;
  /** Until when the old secret still works; null when it stopped at once. */
  previous_valid_until: string | null;
}

export default class Rotate extends RegistryCommand {
  static override summary = 'Give a key a new secret; the old one keeps working for the grace period.';
  static override description = 'The key keeps its id, name, scope and limits. Without --grace the old secret stops working at once (also in a running proxy, within a second).';
  static override examples = ['<%= config.bin %> rotate website-form --grace 24h', '<%= config.bin %> rotate nightly-sync'];

  static override args = {
    key: Args.string({ description: 'key name or id', required: true }),
  };

  static override flags = {
    grace: Flags.string({ description: 'how long the old secret stays valid, e.g. 1h, 24h, 7d (default: it stops now)' }),
  };

  async run(): Promise<RotateResult> {
    const { args, flags } = await this.parse(Rotate);
    const graceMs = flags.grace === undefined ? 0 : parseDuration(flags.grace, '--grace');
    const now = new Date();
    const store = this.storeFor(flags.home);
    const out = await store.update((reg) => {
      const key = requireKey(reg, args.key);
      const status = keyStatus(key, now);
      if (status === 'revoked') throw new CliError(`key '${key.name}' is revoked; create a new one instead`, 'key_revoked', EXIT.USAGE);
      if (status === 'not_yet') throw new CliError(`learning key '${key.name}' ends more than a day from now (its created time is ahead of this clock); fix created/expires in keys.yaml`, 'key_not_yet', EXIT.USAGE);
      if (status === 'expired') throw new CliError(`key '${key.name}' has expired; extend it first with: odoo-keys scope ${key.name} --expires 90d`, 'key_expired', EXIT.USAGE);
      let minted = mintKey(key.id);
      while (minted.hash === key.hash) minted = mintKey(key.id);
      if (graceMs > 0) {
        let until = new Date(now.getTime() + graceMs);
        if (key.expires && Date.parse(key.expires) < until.getTime()) until = new Date(Date.parse(key.expires));
        key.previous = { hash: key.hash, until: isoSeconds(until) };
      } else {
        delete key.previous;
      }
      key.hash = minted.hash;
      return { key: structuredClone(key), token: minted.token };
    });
    const view = keyView(out.key, now, readLastUsed());
    const until = out.key.previous?.until ?? null;
    this.log(`New secret for ${view.name} (id ${view.id}):`);
    this.log('');
    this.log(`  ${out.token}`);
    this.log('');
    this.log('Shown only this once; odoo-keys keeps just its hash.');
    this.log(until ? `The old secret keeps working until ${until} (${formatDuration(Date.parse(until) - now.getTime())}), then only the new one does.` : 'The old secret no longer works.');
    return { key: view, token: out.token, previous_valid_until: until };
  }
}
