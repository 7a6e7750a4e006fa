// Which key made a call: the live set of keys (from the registry, plus exec's temporary ones)
// and authentication of a presented `odk_` token against it.

import type { KeyRecord, RefusedKey } from '../registry/types.js';
import type { KeyScope } from '../policy/types.js';
import { parseToken, secretMatches } from '../registry/keys.js';
import { learningTooLong, LEARNING_MAX_HOURS } from '../registry/registry.js';

/** Who started a temporary key (`odoo-keys exec`), for the journal. */
export interface TemporaryOrigin {
  user: string;
  host: string;
  cwd: string;
  command: string;
}

export interface LiveKey {
  record: KeyRecord;
  /** Set for exec's in-memory keys. */
  temporary?: TemporaryOrigin;
  /**
   * A second scope the call must also pass (exec --key K with narrowing flags: the call needs
   * K's scope and the flags' scope both).
   */
  narrowing?: KeyScope;
  /**
   * Set for a key whose entry in keys.yaml this odoo-keys cannot read (registry.refused): every
   * call with it is refused. Its record holds only its id, name and hash, and no rule.
   */
  refused?: Pick<RefusedKey, 'path' | 'problem'>;
}

/** An immutable snapshot; a registry change builds a new one and swaps it in. */
export class KeyIndex {
  private readonly byId = new Map<string, LiveKey>();

  constructor(records: readonly KeyRecord[], temporary: readonly LiveKey[] = [], refused: readonly RefusedKey[] = []) {
    // Every entry set aside counts, also one whose id could not be read (no token names it, so it
    // is not in byId) and each of two sharing an id: an alert on the count must see them.
    this.refusedEntries = refused.length;
    for (const r of records) this.byId.set(r.id, { record: r });
    for (const r of refused) {
      if (r.id === undefined) continue; // no token names it: refused as an unknown key
      // No rule: should a path ever skip the refusal below, deny by default still holds.
      // An id two entries share (validateRegistry refuses both): neither secret is told why.
      const hash = this.byId.get(r.id)?.refused ? DECOY_HASH : (r.hash ?? DECOY_HASH);
      const record: KeyRecord = { id: r.id, name: r.name ?? r.id, profile: '', hash, created: '', rules: [] };
      // A client still on a rotation's old secret is told why too, rather than counted as guessing
      // (its retries would lock its address out for the other keys used from there).
      if (r.previous && hash !== DECOY_HASH) record.previous = r.previous;
      this.byId.set(r.id, { record, refused: { path: r.path, problem: r.problem } });
    }
    for (const t of temporary) this.byId.set(t.record.id, t);
  }

  private refusedEntries: number;

  /** Entries of keys.yaml that could not be read: their keys are refused at every call. */
  get refused(): number {
    return this.refusedEntries;
  }

  /** Keys that may be used (registry and temporary ones), those refused left out. */
  get served(): number {
    // Counted once: /healthz and /metrics ask at every scrape, of up to 10,000 keys.
    if (this.servedCount === undefined) {
      let n = 0;
      for (const k of this.byId.values()) if (!k.refused) n++;
      this.servedCount = n;
    }
    return this.servedCount;
  }

  private servedCount: number | undefined;

  get(id: string): LiveKey | undefined {
    return this.byId.get(id);
  }

  /** A copy with other temporary keys (exec adds its own to whatever the registry holds). */
  withTemporary(temporary: readonly LiveKey[]): KeyIndex {
    const next = new KeyIndex([]);
    next.refusedEntries = this.refusedEntries;
    for (const [id, k] of this.byId) if (!k.temporary) next.byId.set(id, k);
    for (const t of temporary) next.byId.set(t.record.id, t);
    return next;
  }
}

export type AuthFailure = 'missing' | 'malformed' | 'unknown' | 'revoked' | 'expired' | 'unreadable';

export type AuthResult =
  | { ok: true; key: LiveKey; viaPrevious: boolean }
  | { ok: false; failure: AuthFailure; key?: LiveKey; message: string };

// A hash compared when the id is unknown, so that "no such key" and "wrong secret" take the
// same time and a caller cannot learn which ids exist.
const DECOY_HASH = 'sha256:0000000000000000000000000000000000000000000000000000000000000000';

/**
 * Authenticates a presented credential. Unknown id and wrong secret give the same answer in the
 * same time; revoked and expired keys are named only to a caller who holds their secret.
 */
export function authenticateKey(index: KeyIndex, credential: string | null | undefined, now: Date, compare: (secret: string, hash: string) => boolean = secretMatches): AuthResult {
  if (!credential) {
    compare('x', DECOY_HASH);
    compare('x', DECOY_HASH);
    return { ok: false, failure: 'missing', message: 'odoo-keys: no key given (use an odk_ key as the password or bearer token)' };
  }
  const token = parseToken(credential);
  if (!token) {
    compare('x', DECOY_HASH);
    compare('x', DECOY_HASH);
    return { ok: false, failure: 'malformed', message: 'odoo-keys: invalid key' };
  }
  const key = index.get(token.id);
  const current = compare(token.secret, key?.record.hash ?? DECOY_HASH);
  const prev = key?.record.previous;
  // Always compare twice, so the time tells neither whether the id exists nor whether a rotation is in progress.
  const previous = compare(token.secret, prev?.hash ?? DECOY_HASH) && prev !== undefined && Date.parse(prev.until) > now.getTime();
  if (key?.refused && key.record.hash === DECOY_HASH) {
    // An entry set aside without a hash to check (an id two entries share, a hash unreadable): no
    // secret can match, so no call with it is a guess that could succeed. Answered as an invalid
    // key, but not counted as a failed attempt: its holders' retries must not lock their address
    // out for the other keys used from there.
    return { ok: false, failure: 'unreadable', message: 'odoo-keys: invalid key' };
  }
  if (!key || (!current && !previous)) return { ok: false, failure: 'unknown', message: 'odoo-keys: invalid key' };
  const ended = lapsed(key, false, now);
  if (ended) return { ok: false, key, ...ended };
  return { ok: true, key, viaPrevious: !current };
}

/**
 * Why a key that was authenticated no longer admits a call at `now`: revoked, expired, or (when the
 * caller used the previous secret of a rotation) past that secret's grace period. Null: still good.
 */
export function lapsed(key: LiveKey, viaPrevious: boolean, now: Date): { failure: 'revoked' | 'expired' | 'unknown' | 'unreadable'; message: string } | null {
  const r = key.record;
  // Told only to whoever holds its secret, as revoked is; what is wrong with the entry is in the
  // proxy's log (it may quote keys.yaml), not in the answer.
  if (key.refused) {
    return { failure: 'unreadable', message: `odoo-keys: key '${r.name}' (${r.id}) cannot be used: its entry in keys.yaml (${key.refused.path}) cannot be read by this odoo-keys (a typo, or written by a newer version); the proxy's log says why` };
  }
  // Any revocation is in force, whatever its time: it is when `revoke` ran, by that machine's clock,
  // and a proxy whose clock is behind (another replica, a clock stepped back) must not wait for it.
  if (r.revoked !== undefined) {
    return { failure: 'revoked', message: `odoo-keys: key '${r.name}' (${r.id}) was revoked at ${r.revoked}` };
  }
  if (r.expires && Date.parse(r.expires) <= now.getTime()) {
    const what = key.temporary ? 'temporary key expired' : `key '${r.name}' (${r.id}) expired at ${r.expires}`;
    return { failure: 'expired', message: `odoo-keys: ${what}` };
  }
  if (learningTooLong(r, now)) {
    return { failure: 'expired', message: `odoo-keys: learning key '${r.name}' (${r.id}) ends at ${r.expires}, more than ${LEARNING_MAX_HOURS}h from now: its created time (${r.created}) is ahead of this machine's clock` };
  }
  if (viaPrevious && !(r.previous && Date.parse(r.previous.until) > now.getTime())) {
    return { failure: 'unknown', message: 'odoo-keys: invalid key' };
  }
  return null;
}

/**
 * A call authenticated against `then` waits (schema fetch, per-key queue, domain checks against Odoo)
 * before it is forwarded; meanwhile its key may have been revoked, may have expired, or may have had
 * its scope changed. Checked again right before forwarding: a reason to refuse, or null. Cheap when
 * nothing was reloaded (the same index): only the key's own times are compared.
 */
export function stillAdmits(then: KeyIndex, now: KeyIndex, key: LiveKey, viaPrevious: boolean, credential: string | null | undefined, at: Date): string | null {
  if (now === then) return lapsed(key, viaPrevious, at)?.message ?? null;
  const again = authenticateKey(now, credential, at);
  if (!again.ok) return again.message;
  if (again.key !== key && scopeFingerprint(again.key) !== scopeFingerprint(key)) {
    return `odoo-keys: the scope of key '${key.record.name}' changed while this call waited; send it again`;
  }
  return null;
}

/** What decides a call for a key: its rules, limits, expiry, learning mode and exec's narrowing. */
function scopeFingerprint(k: LiveKey): string {
  const r = k.record;
  return JSON.stringify([r.rules, r.limits ?? null, r.expires ?? null, r.learning ?? false, r.profile, k.narrowing ?? null]);
}

/** What the scope engine needs of a key. */
export function scopeOf(k: LiveKey): KeyScope {
  const r = k.record;
  const scope: KeyScope = { id: r.id, name: r.name, rules: r.rules, limits: r.limits ?? {} };
  if (r.expires) scope.expires = r.expires;
  if (r.learning) scope.learning = true;
  return scope;
}
