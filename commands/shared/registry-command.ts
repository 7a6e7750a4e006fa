// What the key commands share: the registry store for --home, and the mapping from the errors
// of src/ (registry, secrets, upstream, scope language) to CliError and the documented exit codes.
import { BaseCommand } from '../../src/cli/base.js';
import { CliError, EXIT } from '../../src/cli/errors.js';
import { configHome, registryPath } from '../../src/registry/paths.js';
import { RegistryStore } from '../../src/registry/store.js';
import { NotFoundError, RegistryError } from '../../src/registry/errors.js';
import { SecretError } from '../../src/secrets/errors.js';
import type { UpstreamError } from '../../src/upstream/client.js';
import { ScopeEditError, ScopeSyntaxError } from '../../src/policy/compact.js';
import { ScopeValidationError } from '../../src/policy/validate.js';
import { LimitSyntaxError } from '../../src/policy/limits.js';

/**
 * Known by its name, not by instanceof: importing the class would load the Odoo client (node:https,
 * the XML-RPC and JSON codecs) at the start of every command, ~20 ms, and only the commands that
 * import the client themselves can throw one.
 */
function isUpstreamError(err: unknown): err is UpstreamError {
  return err instanceof Error && err.name === 'UpstreamError' && typeof (err as { kind?: unknown }).kind === 'string';
}

/** The documented exit code and --json error code for any error the key commands raise. */
export function toCliError(err: unknown): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof RegistryError) return new CliError(err.message, err.code, EXIT.REGISTRY);
  if (err instanceof NotFoundError) return new CliError(err.message, err.code, EXIT.NOT_FOUND);
  if (err instanceof SecretError) return new CliError(err.message, err.code, EXIT.UPSTREAM);
  if (isUpstreamError(err)) return new CliError(err.message, err.kind === 'access_denied' ? 'upstream_refused' : 'upstream_error', EXIT.UPSTREAM);
  if (err instanceof ScopeSyntaxError) return new CliError(err.message, 'bad_scope', EXIT.USAGE);
  if (err instanceof ScopeValidationError) return new CliError(err.message, 'bad_scope', EXIT.USAGE);
  if (err instanceof ScopeEditError) return new CliError(err.message, 'bad_scope_edit', EXIT.USAGE);
  if (err instanceof LimitSyntaxError) return new CliError(err.message, 'bad_limit', EXIT.USAGE);
  return err;
}

export abstract class RegistryCommand extends BaseCommand {
  protected storeFor(home: string | undefined): RegistryStore {
    return new RegistryStore(registryPath(configHome(home)));
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    return super.catch(toCliError(err) as Error);
  }
}
