// The upstream API key of a profile: the real integration user's key that the proxy and the
// commands use to talk to Odoo. Looked up in this order: a key file (given, or recorded in the
// profile as key_file), $ODOO_KEYS_UPSTREAM_KEY, the OS keychain (service odoo-keys, account =
// profile). The registry may record WHERE the key is, never the key.
import { open } from 'node:fs/promises';
import type { Profile } from '../registry/types.js';
import { SecretError } from './errors.js';
import { keychainDelete, keychainDisabled, keychainRead, keychainStore } from './keychain.js';

export const UPSTREAM_KEY_ENV = 'ODOO_KEYS_UPSTREAM_KEY';
const MAX_KEY_FILE_BYTES = 4096;

type ProfileRef = string | Pick<Profile, 'name' | 'key_file' | 'key_source'>;

function nameOf(p: ProfileRef): string {
  return typeof p === 'string' ? p : p.name;
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

/** Stores a profile's upstream key in the OS keychain (and checks it can be read back). */
export async function storeUpstreamKey(profile: ProfileRef, key: string): Promise<void> {
  await keychainStore(nameOf(profile), key);
}

/** Finds a profile's upstream key (see the file comment for the order). Never logs it. */
export async function readUpstreamKey(profile: ProfileRef, opts: { keyFile?: string } = {}): Promise<string> {
  const name = nameOf(profile);
  const keyFile = opts.keyFile ?? (typeof profile === 'string' ? undefined : profile.key_file);
  if (keyFile) return readKeyFile(keyFile);
  const fromEnv = envKey();
  if (fromEnv) return fromEnv;
  const source = typeof profile === 'string' ? undefined : profile.key_source;
  const fallbacks = `set ${UPSTREAM_KEY_ENV}, or record a key file (mode 0600) with: odoo-keys login ${name} --upstream-key-file PATH`;
  if (source === 'env') throw new SecretError(`profile '${name}' takes its upstream key from ${UPSTREAM_KEY_ENV}, which is not set`, 'no_upstream_key');
  if (keychainDisabled()) throw new SecretError(`no upstream key for profile '${name}': the keychain is disabled (ODOO_KEYS_KEYCHAIN=off); ${fallbacks}`, 'no_upstream_key');
  let stored: string | null;
  try {
    stored = await keychainRead(name);
  } catch (err) {
    throw new SecretError(`no upstream key for profile '${name}': ${(err as Error).message}; on a machine without a keychain, ${fallbacks}`, 'keychain_unavailable');
  }
  if (stored === null || stored === '') {
    throw new SecretError(`no upstream key for profile '${name}' in the OS keychain: run odoo-keys login ${name}, or ${fallbacks}`, 'no_upstream_key');
  }
  return stored;
}

/** Removes a profile's key from the keychain; false when none was stored. */
export async function deleteUpstreamKey(profile: ProfileRef): Promise<boolean> {
  return keychainDelete(nameOf(profile));
}
