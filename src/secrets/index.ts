// The upstream API key: OS keychain, environment variable, 0600 file.
export * from './errors.js';
export * from './keychain.js';
export * from './upstream-key.js';
