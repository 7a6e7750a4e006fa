import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { hashSecret, mintKey, parseToken, secretMatches, TOKEN_PATTERN, TOKEN_SCAN_PATTERN } from '../../src/registry/keys.js';

test('a minted key: odk_<8 hex>_<43 base62>, the hash is sha256 of the secret', () => {
  const k = mintKey();
  assert.match(k.token, /^odk_[0-9a-f]{8}_[0-9A-Za-z]{43}$/);
  assert.match(k.token, TOKEN_PATTERN);
  assert.equal(k.token, `odk_${k.id}_${k.secret}`);
  assert.equal(k.hash, hashSecret(k.secret));
  assert.match(k.hash, /^sha256:[0-9a-f]{64}$/);
  assert.ok(!k.hash.includes(k.secret));
  assert.deepEqual(parseToken(k.token), { id: k.id, secret: k.secret });
  // A scanner finds it inside other text.
  const found = `export KEY=${k.token}; echo`.match(TOKEN_SCAN_PATTERN);
  assert.deepEqual(found, [k.token]);
});

test('secrets are 256 random bits: distinct, and every base62 digit shows up', () => {
  const seen = new Set<string>();
  const chars = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const { secret } = mintKey();
    assert.equal(secret.length, 43);
    seen.add(secret);
    for (const c of secret) chars.add(c);
  }
  assert.equal(seen.size, 2000);
  assert.equal(chars.size, 62);
});

test('parseToken is strict', () => {
  // An id with letters: an all-digit id (2% of minted ones) reads the same upper-cased.
  const k = mintKey('abcdef12');
  const bad = [
    '',
    k.token.toUpperCase(),
    ` ${k.token}`,
    `${k.token} `,
    `${k.token}\n`,
    `${k.token}x`,
    k.token.slice(0, -1),
    k.token.replace('odk_', 'odx_'),
    `odk_${k.id.toUpperCase()}_${k.secret}`,
    `odk_${k.id}-${k.secret}`,
    `odk_${k.id}_${k.secret.slice(0, 42)}!`,
    `odk_1234567_${k.secret}`,
  ];
  for (const b of bad) assert.equal(parseToken(b), null, JSON.stringify(b));
  assert.equal(parseToken(undefined as unknown as string), null);
  assert.equal(parseToken(42 as unknown as string), null);
});

test('secretMatches: right secret only; malformed stored hashes are false, never a throw', () => {
  const k = mintKey();
  assert.equal(secretMatches(k.secret, k.hash), true);
  assert.equal(secretMatches(mintKey().secret, k.hash), false);
  assert.equal(secretMatches(k.secret.slice(0, -1), k.hash), false);
  for (const h of ['', 'sha256:', 'sha256:zz', k.hash.toUpperCase(), k.hash.slice(0, -2), `${k.hash}00`, 'md5:abc', null, undefined, 42]) {
    assert.equal(secretMatches(k.secret, h as unknown as string), false, String(h));
  }
});

test('secretMatches agrees with hashSecret for any text, and with a SHA-256 made the long way (property)', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), fc.string(), (secret, other) => {
      const stored = hashSecret(secret);
      assert.equal(stored, `sha256:${createHash('sha256').update(Buffer.from(secret, 'utf8')).digest('hex')}`);
      assert.equal(secretMatches(secret, stored), true);
      assert.equal(secretMatches(other, stored), other === secret || Buffer.from(other, 'utf8').equals(Buffer.from(secret, 'utf8')));
    }),
  );
});

test('mintKey keeps a given id (rotation) and refuses a malformed one', () => {
  const k = mintKey('7f3a9c2e');
  assert.equal(k.id, '7f3a9c2e');
  assert.throws(() => mintKey('7F3A9C2E'));
  assert.throws(() => mintKey('123'));
});
