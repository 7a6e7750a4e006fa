// Errors about the upstream API key. Messages say where the key was looked for and what to do;
// they never contain the key.
export type SecretErrorCode = 'keychain_unavailable' | 'no_upstream_key' | 'key_file_insecure' | 'key_file_unreadable';

export class SecretError extends Error {
  constructor(
    message: string,
    readonly code: SecretErrorCode,
  ) {
    super(message);
    this.name = 'SecretError';
  }
}
