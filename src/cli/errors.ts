// Errors a command reports to the user: a message, a stable code for --json, and an exit code.

/** Documented exit codes (README "Exit codes"). */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  /** Bad or missing flag or argument; a value that needed a prompt without a TTY. */
  USAGE: 2,
  /** `check`: the call is denied. `audit verify`: the journal's chain is broken. */
  DENIED: 3,
  /** The key or profile named does not exist. */
  NOT_FOUND: 4,
  /** The registry file is malformed, of an unknown version, or could not be locked or written. */
  REGISTRY: 5,
  /** Odoo refused or could not be reached; the keychain could not be used. */
  UPSTREAM: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    message: string,
    /** Stable machine-readable code for --json output, e.g. 'missing_flag', 'key_not_found'. */
    readonly code: string,
    readonly exitCode: ExitCode = EXIT.FAILURE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string, code = 'usage'): CliError => new CliError(message, code, EXIT.USAGE);
export const notFound = (message: string, code = 'not_found'): CliError => new CliError(message, code, EXIT.NOT_FOUND);
