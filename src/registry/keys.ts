// Scoped keys: `odk_<id>_<secret>`. The id is public (lookup, logs, journal); the secret is 256
// random bits written in base62 so the whole token is one word that secret scanners can match
// with `odk_[0-9a-f]{8}_[0-9A-Za-z]{43}`. Only a SHA-256 of the secret is ever stored: for a
// 256-bit random secret a plain hash is enough (nothing to brute-force), and it is cheap to check
// on every proxied call.
import crypto, { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'odk_';
/** A whole token, anchored; capture groups: id, secret. */
export const TOKEN_PATTERN = /^odk_([0-9a-f]{8})_([0-9A-Za-z]{43})$/;
/** The pattern a secret scanner looks for in text (unanchored, global). */
export const TOKEN_SCAN_PATTERN = /odk_[0-9a-f]{8}_[0-9A-Za-z]{43}/g;
export const KEY_ID_PATTERN = /^[0-9a-f]{8}$/;
export const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 62^43 > 2^256, so 43 base62 digits hold any 256-bit number. */
const SECRET_LENGTH = 43;

function base62(bytes: Buffer, length: number): string {
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = BASE62[Number(n % 62n)]! + out;
    n /= 62n;
  }
  return out.padStart(length, '0');
}

export function newKeyId(): string {
  return randomBytes(4).toString('hex');
}

export function hashSecret(secret: string): string {
  return `sha256:${sha256Hex(secret)}`;
}

/** A fresh key. `token` is what the user gets once; `hash` is what the registry keeps. */
export function mintKey(id: string = newKeyId()): { id: string; secret: string; token: string; hash: string } {
  if (!KEY_ID_PATTERN.test(id)) throw new Error('a key id is 8 lowercase hex characters');
  const secret = base62(randomBytes(32), SECRET_LENGTH);
  return { id, secret, token: `${TOKEN_PREFIX}${id}_${secret}`, hash: hashSecret(secret) };
}

/** Splits a token into id and secret; null for anything that is not exactly a token. */
export function parseToken(text: string): { id: string; secret: string } | null {
  if (typeof text !== 'string') return null;
  const m = TOKEN_PATTERN.exec(text);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

const DUMMY_DIGEST = '0'.repeat(64);

// crypto.hash (Node 20.12+) hashes without building a Hash object: with a hex digest it is about a
// third of createHash().update().digest()'s CPU for text this short. Used for every proxied call's
// key (twice) and journal line.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** SHA-256 of the UTF-8 text, in hex. */
export function sha256Hex(text: string): string {
  return oneShotHash ? oneShotHash('sha256', text, 'hex') : createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Whether a secret hashes to the stored hash, in constant time. A malformed stored hash still
 * costs one hash and one comparison, so the answer's timing says nothing about the registry.
 */
export function secretMatches(secret: string, hash: string): boolean {
  const actual = Buffer.from(sha256Hex(String(secret)), 'hex');
  const wellFormed = typeof hash === 'string' && HASH_PATTERN.test(hash);
  const expected = Buffer.from(wellFormed ? hash.slice('sha256:'.length) : DUMMY_DIGEST, 'hex');
  const equal = timingSafeEqual(actual, expected);
  return wellFormed && equal;
}
