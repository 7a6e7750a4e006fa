// Errors of the registry layer. They carry what a person needs to fix the file (file, line,
// field) and a stable code; the commands turn them into exit codes (5 for the registry, 4 for a
// name that does not exist).

export type RegistryErrorCode =
  | 'registry_malformed'
  | 'registry_invalid'
  | 'registry_version'
  | 'registry_locked'
  | 'registry_write'
  | 'registry_read';

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly code: RegistryErrorCode,
    /** The registry file. */
    readonly file: string,
    /** 1-based line of the problem, when known. */
    readonly line?: number,
    /** Path to the bad value, e.g. `keys[3].rules[0].fields[1]`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** A key or profile named on the command line (or by a client) that the registry does not hold. */
export class NotFoundError extends Error {
  constructor(
    message: string,
    readonly code: 'key_not_found' | 'profile_not_found' | 'no_profile',
  ) {
    super(message);
    this.name = 'NotFoundError';
  }
}
