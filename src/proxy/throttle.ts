// Throttling of failed key attempts, per client address and per key id, so guessing keys costs
// the guesser time and costs Odoo nothing (native Odoo never throttles /xmlrpc or /jsonrpc).
// Memory is bounded: past `maxEntries` tracked sources, the oldest are forgotten.
//
// A key id is public (it is in logs and journals), so anyone could lock a key out by failing with
// its id. An address where the key recently authenticated is vouched for: the key id's lockout
// does not apply there (its own address lockout still does), so the integration keeps working
// while guessers elsewhere are refused.

import { isIPv6 } from 'node:net';

export interface ThrottleOptions {
  /** Failures allowed within the window before the source is locked out. */
  maxFailures: number;
  windowMs: number;
  /** How long a source stays locked out. */
  lockoutMs: number;
  maxEntries: number;
}

interface Entry {
  failures: number[];
  lockedUntil: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = { maxFailures: 10, windowMs: 60_000, lockoutMs: 60_000, maxEntries: 100_000 };

/** How long a successful authentication vouches for its address. */
export const VOUCH_MS = 24 * 60 * 60_000;

export class FailureThrottle {
  private readonly entries = new Map<string, Entry>();
  /** `<key id> <address source>` → last successful authentication (ms). */
  private readonly vouched = new Map<string, number>();

  constructor(private readonly opts: ThrottleOptions = DEFAULT_THROTTLE) {}

  /** Milliseconds until any of these sources may try again; 0 when none is locked out. */
  blockedFor(sources: readonly string[], nowMs: number): number {
    let wait = 0;
    for (const s of sources) {
      const e = this.entries.get(s);
      if (e && e.lockedUntil > nowMs) wait = Math.max(wait, e.lockedUntil - nowMs);
    }
    return wait;
  }

  /** Records one failed attempt from each source. */
  fail(sources: readonly string[], nowMs: number): void {
    for (const s of sources) {
      let e = this.entries.get(s);
      if (!e) {
        if (this.entries.size >= this.opts.maxEntries) {
          const oldest = this.entries.keys().next().value;
          if (oldest !== undefined) this.entries.delete(oldest);
        }
        e = { failures: [], lockedUntil: 0 };
      } else {
        this.entries.delete(s); // re-insert: Map order then tracks recency
      }
      e.failures = e.failures.filter((t) => t > nowMs - this.opts.windowMs);
      e.failures.push(nowMs);
      if (e.failures.length >= this.opts.maxFailures) {
        e.lockedUntil = nowMs + this.opts.lockoutMs;
        e.failures = [];
      }
      this.entries.set(s, e);
    }
  }

  /** Remembers that this key authenticated from this address. */
  vouch(keyId: string, address: string, nowMs: number): void {
    const k = `${keyId} ${address}`;
    this.vouched.delete(k); // re-insert: Map order then tracks recency
    if (this.vouched.size >= this.opts.maxEntries) {
      const oldest = this.vouched.keys().next().value;
      if (oldest !== undefined) this.vouched.delete(oldest);
    }
    this.vouched.set(k, nowMs);
  }

  /** Whether this key authenticated from this address within VOUCH_MS. */
  vouchedFor(keyId: string, address: string, nowMs: number): boolean {
    const at = this.vouched.get(`${keyId} ${address}`);
    return at !== undefined && nowMs - at < VOUCH_MS;
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * A throttle that never counts and never locks out, for a proxy that serves only keys nobody can
 * guess and whose clients all share one address (exec's proxy on 127.0.0.1): there, lockouts
 * protect nothing and let any local user lock the command out.
 */
export class NoFailureThrottle extends FailureThrottle {
  override blockedFor(): number {
    return 0;
  }

  override fail(): void {}

  override vouch(): void {}

  override vouchedFor(): boolean {
    return false;
  }
}

/**
 * The throttling source for a client address. IPv4: the address. IPv6: its /64 network, since
 * one host is routinely given a whole /64 and could take a fresh address for every guess.
 */
export function addressSource(ip: string): string {
  if (!ip.includes(':')) return `ip:${ip}`; // IPv4, the usual case, on every call
  const bare = ip.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) names an interface, not a host
  if (!isIPv6(bare)) return `ip:${ip}`;
  return `ip6:${ipv6Hextets(bare).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, lowercase without leading zeros. */
function ipv6Hextets(ip: string): string[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') as [string, string] : [ip, undefined];
  const groups = (part: string | undefined): string[] => {
    if (!part) return [];
    const out: string[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        // An IPv4 address in the last 32 bits.
        const [a, b, c, d] = g.split('.').map(Number) as [number, number, number, number];
        out.push(((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
      } else out.push(parseInt(g, 16).toString(16));
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  if (tail === undefined) return h;
  return [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
}
