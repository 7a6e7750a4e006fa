// The upstream API key of a profile: the real integration user's key that the proxy and the
// commands use to talk to Odoo. Looked up in this order:
//   1. a key file: given (serve --upstream-key-file), or recorded in the profile as key_file;
//   2. $ODOO_KEYS_UPSTREAM_KEY, but only for a profile whose key_source is env or not recorded: one
//      variable must not override a profile that `login` put in the keychain, or it would be sent to
//      that profile's Odoo (another customer's, say);
//   3. the OS keychain, service odoo-keys, account keychain_account (recorded by login; unique to
//      the registry), else, for a profile stored before that existed, the bare profile name.
// The registry may record WHERE the key is, never the key.
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Profile } from '../registry/types.js';
import { SecretError } from './errors.js';
import { keychainDelete, keychainDisabled, keychainRead, keychainStore } from './keychain.js';

export const UPSTREAM_KEY_ENV = 'ODOO_KEYS_UPSTREAM_KEY';
const MAX_KEY_FILE_BYTES = 4096;

/** A profile, or a bare name (read as a profile with nothing recorded: legacy keychain account). */
export type ProfileRef = string | Pick<Profile, 'name' | 'key_file' | 'key_source' | 'keychain_account'>;

function nameOf(p: ProfileRef): string {
  return typeof p === 'string' ? p : p.name;
}

/** A fresh keychain account for a profile: the name for people browsing the keychain, random for uniqueness across registries. */
export function newKeychainAccount(profileName: string): string {
  return `${profileName}:${randomBytes(8).toString('hex')}`;
}

/**
 * The keychain account that holds (or may hold) the profile's key: the recorded one; else, for a
 * profile stored before accounts were recorded and keeping its key in the keychain, the bare
 * profile name (where older versions put it); else none. A profile with a key file or the
 * variable and no recorded account has nothing in the keychain that is surely its own.
 */
export function keychainAccountOf(profile: ProfileRef): string | undefined {
  if (typeof profile === 'string') return profile;
  if (profile.keychain_account) return profile.keychain_account;
  return (profile.key_source ?? 'keychain') === 'keychain' ? profile.name : undefined;
}

/** A key typed or piped in: surrounding whitespace and a final newline are not part of it. */
export function cleanKeyText(text: string): string {
  return text.replace(/^\s+|\s+$/g, '');
}

/**
 * Reads a key file, refusing one that others could read: the key is as good as Odoo's password
 * for the integration user.
 */
export async function readKeyFile(path: string): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new SecretError(`cannot read the upstream key file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'key_file_unreadable');
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new SecretError(`the upstream key file ${path} is not a regular file`, 'key_file_unreadable');
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new SecretError(
        `the upstream key file ${path} has mode ${mode}: others on this machine could read it; it must be readable by its owner only (chmod 600 ${path})`,
        'key_file_insecure',
      );
    }
    if (st.size > MAX_KEY_FILE_BYTES) throw new SecretError(`the upstream key file ${path} is larger than ${MAX_KEY_FILE_BYTES} bytes: it should hold only the key`, 'key_file_unreadable');
    const key = cleanKeyText((await fh.readFile()).toString('utf8'));
    if (key === '') throw new SecretError(`the upstream key file ${path} is empty`, 'key_file_unreadable');
    if (/\s/.test(key)) throw new SecretError(`the upstream key file ${path} should hold only the key, on one line`, 'key_file_unreadable');
    return key;
  } finally {
    await fh.close();
  }
}

function envKey(): string | undefined {
  const v = process.env[UPSTREAM_KEY_ENV];
  return v !== undefined && cleanKeyText(v) !== '' ? cleanKeyText(v) : undefined;
}

/** Stores a profile's upstream key in the OS keychain under keychainAccountOf(profile) (and checks it can be read back). */
export async function storeUpstreamKey(profile: ProfileRef, key: string): Promise<void> {
  const account = keychainAccountOf(profile);
  if (account === undefined) throw new Error(`profile '${nameOf(profile)}' has no keychain account`);
  await keychainStore(account, key);
}

/** Finds a profile's upstream key (see the file comment for the order). Never logs it. */
export async function readUpstreamKey(profile: ProfileRef, opts: { keyFile?: string } = {}): Promise<string> {
  const name = nameOf(profile);
  const keyFile = opts.keyFile ?? (typeof profile === 'string' ? undefined : profile.key_file);
  if (keyFile) return readKeyFile(keyFile);
  const source = typeof profile === 'string' ? undefined : profile.key_source;
  const fromEnv = envKey();
  if (fromEnv && (source === undefined || source === 'env')) return fromEnv;
  if (source === 'file') throw new SecretError(`profile '${name}' records key_source: file but no key_file; run odoo-keys login ${name} --upstream-key-file PATH`, 'no_upstream_key');
  // Logged out: not even the variable stands in, as it would send some other key to this Odoo.
  if (source === 'none') throw new SecretError(`profile '${name}' has no upstream key: it was logged out (odoo-keys logout ${name}); run odoo-keys login ${name}`, 'no_upstream_key');
  // A profile that records the keychain says so when the variable is set but not used, so nobody
  // wonders why it was ignored.
  const ignored = fromEnv ? ` (${UPSTREAM_KEY_ENV} is set but not used: profile '${name}' records key_source: keychain; to use the variable for it, run odoo-keys login ${name} with it set and no --upstream-key-stdin)` : '';
  const fallbacks = `set ${UPSTREAM_KEY_ENV} and run odoo-keys login ${name} (records key_source: env), or record a key file (mode 0600) with: odoo-keys login ${name} --upstream-key-file PATH`;
  if (source === 'env') throw new SecretError(`profile '${name}' takes its upstream key from ${UPSTREAM_KEY_ENV}, which is not set`, 'no_upstream_key');
  if (keychainDisabled()) throw new SecretError(`no upstream key for profile '${name}': the keychain is disabled (ODOO_KEYS_KEYCHAIN=off)${ignored}; ${fallbacks}`, 'no_upstream_key');
  const account = keychainAccountOf(profile) ?? name;
  let stored: string | null;
  try {
    stored = await keychainRead(account);
  } catch (err) {
    throw new SecretError(`no upstream key for profile '${name}': ${(err as Error).message}${ignored}; on a machine without a keychain, ${fallbacks}`, 'keychain_unavailable');
  }
  if (stored === null || stored === '') {
    throw new SecretError(`no upstream key for profile '${name}' in the OS keychain (account ${account})${ignored}: run odoo-keys login ${name}, or ${fallbacks}`, 'no_upstream_key');
  }
  return stored;
}

/** Removes a profile's key from the keychain (keychainAccountOf); false when none was stored or it has no account. */
export async function deleteUpstreamKey(profile: ProfileRef): Promise<boolean> {
  const account = keychainAccountOf(profile);
  return account === undefined ? false : keychainDelete(account);
}

/** Removes the entry under one keychain account (a profile's previous one); false when there was none. */
export async function deleteKeychainAccount(account: string): Promise<boolean> {
  return keychainDelete(account);
}
