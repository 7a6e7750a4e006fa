// The OS keychain through @napi-rs/keyring: macOS Keychain, Windows Credential Manager, and on
// Linux the Secret Service (GNOME Keyring, KWallet) over D-Bus. Service `odoo-keys`, account =
// profile name (the Secret Service item carries the attributes service=odoo-keys and
// username=<profile>).
//
// On Linux the entry is pinned to the Secret Service: the library's fallback, the kernel keyring
// (keyutils), lives in kernel memory (gone after a reboot) and is tied to the login session, so a
// key stored there by `login` in a terminal might never be seen by a `serve` started by systemd.
// Better to say "no keychain" and point at the headless fallbacks than to store a key that
// quietly vanishes.
import { randomBytes } from 'node:crypto';
import type { AsyncEntry, EntryOptions } from '@napi-rs/keyring';
import { SecretError } from './errors.js';

export const KEYCHAIN_SERVICE = 'odoo-keys';
const TIMEOUT_MS = 30_000;

/** $ODOO_KEYS_KEYCHAIN=off keeps odoo-keys away from the OS keychain (CI, servers, tests). */
export function keychainDisabled(): boolean {
  return ['off', '0', 'false', 'no'].includes((process.env.ODOO_KEYS_KEYCHAIN ?? '').toLowerCase());
}

function entryOptions(): EntryOptions | undefined {
  return process.platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined;
}

function reasonOf(err: unknown): string {
  const e = err as Error & { cause?: unknown };
  let msg = e?.message ?? String(err);
  // The library nests the D-Bus cause; its innermost message is the useful one.
  let c: unknown = e?.cause;
  while (c instanceof Error) {
    msg = c.message;
    c = (c as Error & { cause?: unknown }).cause;
  }
  if (/DBUS_SESSION_BUS_ADDRESS|autolaunch|org\.freedesktop\.DBus|ServiceUnknown|secrets/i.test(msg)) {
    return `no Secret Service on the D-Bus session (${msg.split('\n')[0]})`;
  }
  return msg.split('\n')[0]!;
}

function unavailable(what: string, err: unknown): SecretError {
  return new SecretError(`the OS keychain could not be used to ${what}: ${reasonOf(err)}`, 'keychain_unavailable');
}

// The native module is loaded on first use, not at start-up: about 50-100 ms that most commands
// (list, show, --version, ...) never need. A failed load (no prebuilt binary for this platform)
// rejects inside the callers' try blocks, so it is reported as keychain_unavailable like any other
// keychain failure; the rejection is not cached, so a later call tries again.
let keyring: Promise<typeof import('@napi-rs/keyring')> | undefined;

function loadKeyring(): Promise<typeof import('@napi-rs/keyring')> {
  keyring ??= import('@napi-rs/keyring').catch((err: unknown) => {
    keyring = undefined;
    throw err;
  });
  return keyring;
}

async function entry(account: string): Promise<AsyncEntry> {
  if (keychainDisabled()) throw new Error('disabled by ODOO_KEYS_KEYCHAIN=off');
  const { AsyncEntry } = await loadKeyring();
  return new AsyncEntry(KEYCHAIN_SERVICE, account, entryOptions());
}

/** Stores a profile's upstream key and reads it back to be sure it is there. */
export async function keychainStore(account: string, secret: string): Promise<void> {
  let e: AsyncEntry;
  try {
    e = await entry(account);
    await e.setPassword(secret, AbortSignal.timeout(TIMEOUT_MS));
  } catch (err) {
    throw unavailable('store the upstream key', err);
  }
  let back: string | null;
  try {
    back = await e.getPassword(AbortSignal.timeout(TIMEOUT_MS));
  } catch (err) {
    throw unavailable('read back the upstream key', err);
  }
  if (back !== secret) throw new SecretError('the OS keychain accepted the upstream key but did not give it back', 'keychain_unavailable');
}

/** The stored secret, or null when the keychain works and holds none for this account. */
export async function keychainRead(account: string): Promise<string | null> {
  try {
    return await (await entry(account)).getPassword(AbortSignal.timeout(TIMEOUT_MS));
  } catch (err) {
    throw unavailable('read the upstream key', err);
  }
}

/** Deletes the secret; false when there was none. */
export async function keychainDelete(account: string): Promise<boolean> {
  try {
    return await (await entry(account)).deleteCredential(AbortSignal.timeout(TIMEOUT_MS));
  } catch (err) {
    throw unavailable('delete the upstream key', err);
  }
}

/**
 * Whether the keychain really works here: a write, a read that must return what was written, and
 * a delete, under a throw-away account. A `null` read alone proves nothing (an unreachable store
 * and an empty one can look the same).
 */
export async function probeKeychain(): Promise<{ ok: boolean; reason?: string }> {
  if (keychainDisabled()) return { ok: false, reason: 'disabled by ODOO_KEYS_KEYCHAIN=off' };
  const account = `probe-${process.pid}-${randomBytes(6).toString('hex')}`;
  const value = randomBytes(16).toString('hex');
  let e: AsyncEntry;
  try {
    e = await entry(account);
    await e.setPassword(value, AbortSignal.timeout(10_000));
  } catch (err) {
    return { ok: false, reason: reasonOf(err) };
  }
  try {
    const back = await e.getPassword(AbortSignal.timeout(10_000));
    if (back !== value) return { ok: false, reason: back === null ? 'a value written could not be read back' : 'a different value came back' };
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: reasonOf(err) };
  } finally {
    await e.deleteCredential(AbortSignal.timeout(10_000)).catch(() => undefined);
  }
}
