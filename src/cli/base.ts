// What every command shares: --json, --profile, the registry home, errors as exit codes.
import { Command, Flags, Errors, type Interfaces } from './oclif.js';
import { CliError, EXIT } from './errors.js';
import { loadColour } from './style.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    profile: Flags.string({
      description: 'profile (Odoo connection) to use; default: the registry default profile',
      env: 'ODOO_KEYS_PROFILE',
      helpGroup: 'GLOBAL',
    }),
    home: Flags.string({
      description: 'folder holding keys.yaml (default: $ODOO_KEYS_HOME or $XDG_CONFIG_HOME/odoo-keys)',
      env: 'ODOO_KEYS_HOME',
      helpGroup: 'GLOBAL',
    }),
  };

  protected override async init(): Promise<void> {
    await super.init();
    // palette() is synchronous; chalk is loaded here, and only when colour is on.
    await loadColour();
  }

  /**
   * Errors become a message on stderr (or a JSON object with --json) and the documented exit
   * code, never a stack trace, for anything the user can act on.
   */
  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    // A deliberate this.exit(n) (check's exit 3 on deny) is not an error to report, in JSON or not.
    if (err instanceof Errors.ExitError) throw err;
    if (err instanceof CliError) {
      if (this.jsonEnabled()) this.logJson({ error: { code: err.code, message: err.message } });
      else this.logToStderr(`odoo-keys: ${err.message}`);
      this.exit(err.exitCode);
    }
    // oclif's own parse errors (unknown flag, missing argument) are usage errors.
    if (err instanceof Errors.CLIError && !(err instanceof Errors.ExitError)) {
      const parseError = /Parse|Flag|Arg|Nonexistent|Required/.test(err.constructor.name) || err.oclif?.exit === 2;
      if (parseError) {
        if (this.jsonEnabled()) this.logJson({ error: { code: 'usage', message: err.message } });
        else this.logToStderr(`odoo-keys: ${err.message}`);
        this.exit(EXIT.USAGE);
      }
    }
    return super.catch(err);
  }
}
