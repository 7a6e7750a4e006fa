// exec's temporary key: a KeyRecord that lives in exec's memory only (never in keys.yaml), with
// the scope of the flags, or of an existing key (--key NAME) narrowed by the flags. Pure, but for
// the random secret, which the caller mints.

import { basename } from 'node:path';
import type { KeyRecord } from '../registry/types.js';
import type { KeyScope, Limits, Rule } from '../policy/types.js';
import { parseRate } from '../policy/limits.js';
import { formatLimits, formatRuleForJournal } from '../policy/compact.js';
import type { ExecStartInfo } from '../audit/types.js';
import type { LiveKey, TemporaryOrigin } from '../proxy/keys.js';

/** A scope given on the command line (rules and limits), possibly empty. */
export interface FlagScope {
  rules: Rule[];
  limits: Limits;
}

/** What identifies one temporary key; fixed for its whole life, while --key NAME's scope may change. */
export interface TemporaryIdentity {
  id: string;
  hash: string;
  name: string;
  profile: string;
  /** ISO 8601. */
  created: string;
  /** ISO 8601: now + ttl. */
  ttlExpires: string;
  origin: TemporaryOrigin;
}

/** `exec-import.py`, or `nightly-sync+exec` for a key derived from `--key nightly-sync`. */
export function temporaryKeyName(command: string, base?: Pick<KeyRecord, 'name'>): string {
  if (base) return `${base.name}+exec`;
  const program = basename(command).replace(/[^A-Za-z0-9._@-]+/g, '-').slice(0, 56);
  return `exec-${program || 'command'}`;
}

/** The rate that allows fewer calls over time (on a tie, the smaller burst). */
export function stricterRate(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const ra = parseRate(a);
  const rb = parseRate(b);
  const pa = ra.count / ra.periodMs;
  const pb = rb.count / rb.periodMs;
  if (pa !== pb) return pa < pb ? a : b;
  return ra.count <= rb.count ? a : b;
}

function earlier(a: string, b: string | undefined): string {
  return b !== undefined && Date.parse(b) < Date.parse(a) ? b : a;
}

function hasLimits(l: Limits): boolean {
  return Object.keys(l).length > 0;
}

/**
 * The temporary key as the proxy sees it. Without a base key its scope is the flags'. With one
 * it has the base key's rules and limits, its earlier expiry and its revocation; the flags become
 * a second scope every call must also pass (`narrowing`). The proxy counts `rate` and
 * `records_per_hour` on the record only (never the narrowing's), so those given by flag or scope
 * file are folded into the record's (the stricter one wins).
 */
export function temporaryLiveKey(identity: TemporaryIdentity, flags: FlagScope, base?: KeyRecord): LiveKey {
  const record: KeyRecord = {
    id: identity.id,
    name: identity.name,
    profile: identity.profile,
    hash: identity.hash,
    created: identity.created,
    expires: identity.ttlExpires,
    rules: flags.rules,
    description: 'temporary key of odoo-keys exec',
  };
  if (!base) {
    if (hasLimits(flags.limits)) record.limits = flags.limits;
    return { record, temporary: identity.origin };
  }
  record.rules = base.rules;
  record.expires = earlier(identity.ttlExpires, base.expires);
  if (base.revoked !== undefined) record.revoked = base.revoked;
  if (base.learning) record.learning = true;
  const { rate: flagRate, records_per_hour: flagRecords, ...flagLimits } = flags.limits;
  const limits: Limits = { ...(base.limits ?? {}) };
  const rate = stricterRate(base.limits?.rate, flagRate);
  if (rate !== undefined) limits.rate = rate;
  const records = [base.limits?.records_per_hour, flagRecords].filter((n): n is number => n !== undefined);
  if (records.length) limits.records_per_hour = Math.min(...records);
  if (hasLimits(limits)) record.limits = limits;
  const live: LiveKey = { record, temporary: identity.origin };
  if (flags.rules.length > 0 || hasLimits(flagLimits)) {
    // Limits alone narrow nothing about rules: the base key's own rules stand in, so only the limits
    // bite; for a learning key (no rules) its learning mode stands in, else it would allow nothing.
    const narrowing: KeyScope = { id: identity.id, name: identity.name, rules: flags.rules.length > 0 ? flags.rules : base.rules, limits: flagLimits };
    if (flags.rules.length === 0 && base.learning) narrowing.learning = true;
    live.narrowing = narrowing;
  }
  return live;
}

/**
 * The temporary key after keys.yaml changed: --key NAME's new scope applies, and a NAME that was
 * revoked or removed takes the temporary key down with it.
 */
export function refreshedLiveKey(identity: TemporaryIdentity, flags: FlagScope, base: KeyRecord | undefined, now: Date): LiveKey {
  if (base) return temporaryLiveKey(identity, flags, base);
  const dead = temporaryLiveKey(identity, flags, undefined);
  dead.record.revoked = now.toISOString();
  return dead;
}

/**
 * When the key stops working (TTL, or the base key's own expiry or revocation), if it ever does. A
 * revocation is in force at once, even one dated after `nowMs` (another machine's clock).
 */
export function deathTime(key: LiveKey, nowMs: number): number {
  const r = key.record;
  const ends = [r.expires, r.revoked].filter((t): t is string => t !== undefined).map((t) => Date.parse(t));
  if (r.revoked !== undefined) ends.push(nowMs);
  return ends.length ? Math.min(...ends) : Number.POSITIVE_INFINITY;
}

/**
 * What exec's start line says about the temporary key: its scope in compact form (domains named
 * by their fields, never their values), limits, expiry and where the scope came from.
 */
export function startInfo(identity: TemporaryIdentity, key: LiveKey, base: Pick<KeyRecord, 'id' | 'name'> | undefined, killOnExpiry: boolean): ExecStartInfo {
  const r = key.record;
  const info: ExecStartInfo = {
    expires: r.expires ?? identity.ttlExpires,
    ttl_ms: Date.parse(identity.ttlExpires) - Date.parse(identity.created),
    scope: r.rules.map(formatRuleForJournal),
  };
  const limits = formatLimits(r.limits ?? {});
  if (limits.length) info.limits = limits;
  if (base) info.from_key = { id: base.id, name: base.name };
  if (key.narrowing) {
    info.narrowed_by = [...key.narrowing.rules.map(formatRuleForJournal), ...formatLimits(key.narrowing.limits)];
  }
  if (r.learning) info.learning = true;
  if (killOnExpiry) info.kill_on_expiry = true;
  return info;
}
