import { Args, Flags } from '../src/cli/oclif.js';
import { RegistryCommand } from './shared/registry-command.js';
import { CliError, EXIT } from '../src/cli/errors.js';
import { resolveProfile } from '../src/registry/registry.js';
import { deleteKeychainAccount, keychainAccountOf, KEYCHAIN_SERVICE } from '../src/secrets/index.js';

export interface LogoutResult {
  profile: string;
  /** Whether an upstream key was removed from the OS keychain. */
  keychain_deleted: boolean;
  /** Whether the profile was removed from keys.yaml (--forget). */
  forgotten: boolean;
}

export default class Logout extends RegistryCommand {
  static override summary = "Remove a profile's upstream key from the OS keychain (and with --forget, the profile).";
  static override description = 'Keys of the profile stop working in a proxy once it can no longer read the upstream key. --forget also removes the profile from keys.yaml; it is refused while keys still use it (revoke them and remove them from keys.yaml first). The keychain entry is the profile\'s own account (keychain_account in keys.yaml, also one left behind by a move to a key file), or for a profile stored by an older version the bare profile name. A key file or $ODOO_KEYS_UPSTREAM_KEY is left alone: delete it yourself.';
  static override examples = ['<%= config.bin %> logout staging', '<%= config.bin %> logout staging --forget'];

  static override args = {
    profile: Args.string({ description: 'profile name (default: --profile, else the default profile)' }),
  };

  static override flags = {
    forget: Flags.boolean({ description: 'also remove the profile from keys.yaml', default: false }),
  };

  async run(): Promise<LogoutResult> {
    const { args, flags } = await this.parse(Logout);
    const store = this.storeFor(flags.home);
    const profile = resolveProfile(await store.read(), args.profile ?? flags.profile);
    // The profile's keychain entry, whatever its key source now: one left behind by a move to a key
    // file or the variable is recorded too (see login). Only the profile's own account is touched,
    // never a bare profile name another registry may use.
    const account = keychainAccountOf(profile);
    const fromKeychain = (profile.key_source ?? 'keychain') === 'keychain';
    let deleted = false;
    let kept: string | undefined;
    if (account !== undefined) {
      try {
        deleted = await deleteKeychainAccount(account);
      } catch (err) {
        // The profile needs the keychain: say so. A leftover must not block --forget of a profile
        // that moved to a key file because there is no keychain here.
        if (fromKeychain) throw err;
        kept = `the OS keychain could not be cleared of the old upstream key of ${profile.name}, if any (service ${KEYCHAIN_SERVICE}, account ${account}): ${(err as Error).message}`;
      }
    }
    if (!fromKeychain && account !== undefined && kept === undefined && !flags.forget) {
      await store.update((reg) => {
        const p = reg.profiles[profile.name];
        if (p?.keychain_account === account) delete p.keychain_account;
      });
    }
    // A keychain profile has no key now: `profiles` and `serve` say it was logged out, rather than
    // pointing at a keychain entry that is gone.
    if (fromKeychain && !flags.forget) {
      await store.update((reg) => {
        const p = reg.profiles[profile.name];
        if (!p || (p.key_source ?? 'keychain') !== 'keychain' || p.keychain_account !== profile.keychain_account) return;
        p.key_source = 'none';
        delete p.keychain_account;
      });
    }
    if (flags.forget) {
      await store.update((reg) => {
        const users = reg.keys.filter((k) => k.profile === profile.name);
        if (users.length) {
          throw new CliError(`profile '${profile.name}' is used by ${users.length} key(s) (${users.slice(0, 5).map((k) => k.name).join(', ')}); remove them from keys.yaml first`, 'profile_in_use', EXIT.USAGE);
        }
        delete reg.profiles[profile.name];
        if (reg.default_profile === profile.name) {
          const rest = Object.keys(reg.profiles);
          if (rest.length) reg.default_profile = rest[0];
          else delete reg.default_profile;
        }
      });
    }
    this.log(
      `${deleted ? `Removed the upstream key of ${profile.name} from the OS keychain.` : `No upstream key of ${profile.name} in the OS keychain.`}` +
        (flags.forget ? ` Profile ${profile.name} removed from keys.yaml.` : ''),
    );
    if (kept !== undefined) this.logToStderr(`odoo-keys: warning: ${kept}`);
    return { profile: profile.name, keychain_deleted: deleted, forgotten: flags.forget };
  }
}
