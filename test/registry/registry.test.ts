import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findKey, keyStatus, learningTooLong, preconnects, preconnectsShared, requireKey, resolveProfile, validateRegistry, emptyRegistry } from '../../src/registry/registry.js';
import { NotFoundError } from '../../src/registry/errors.js';
import { ScopeValidationError } from '../../src/policy/validate.js';
import type { KeyRecord, Registry } from '../../src/registry/types.js';

const HASH = `sha256:${'a'.repeat(64)}`;

function key(over: Partial<KeyRecord> = {}): KeyRecord {
  return { id: '7f3a9c2e', name: 'website-form', profile: 'prod', hash: HASH, created: '2026-11-01T00:00:00Z', rules: [], ...over };
}

function registry(over: Partial<Registry> = {}): Registry {
  return { version: 1, profiles: { prod: { url: 'https://acme.odoo.com', db: 'acme', login: 'i@acme.com' } }, keys: [], ...over };
}

test('keyStatus: revoked, expired, rotating, expiring soon, learning, active', () => {
  const now = new Date('2026-11-28T10:00:00Z');
  assert.equal(keyStatus(key(), now), 'active');
  assert.equal(keyStatus(key({ revoked: '2026-11-28T09:00:00Z', expires: '2026-11-01T00:00:00Z' }), now), 'revoked');
  assert.equal(keyStatus(key({ expires: '2026-11-28T10:00:00Z' }), now), 'expired');
  assert.equal(keyStatus(key({ expires: '2026-12-01T00:00:00Z' }), now), 'expiring');
  assert.equal(keyStatus(key({ expires: '2027-02-01T00:00:00Z' }), now), 'active');
  assert.equal(keyStatus(key({ previous: { hash: HASH, until: '2026-11-29T10:00:00Z' } }), now), 'rotating');
  assert.equal(keyStatus(key({ previous: { hash: HASH, until: '2026-11-28T09:59:59Z' } }), now), 'active');
  assert.equal(keyStatus(key({ learning: true }), now), 'learning');
  // A revocation dated after `now` is in force all the same: its time is the revoking machine's clock.
  assert.equal(keyStatus(key({ revoked: '2026-11-29T00:00:00Z' }), now), 'revoked');
});

test('findKey: by name first, then by id', () => {
  const a = key({ id: '11111111', name: 'a' });
  const b = key({ id: '22222222', name: '11111111' });
  const reg = registry({ keys: [a, b] });
  assert.equal(findKey(reg, 'a'), a);
  assert.equal(findKey(reg, '22222222'), b);
  assert.equal(findKey(reg, '11111111'), b, 'a name wins over an id');
  assert.equal(findKey(reg, 'nope'), undefined);
});

test('resolveProfile: named, default, the only one, and clear errors', () => {
  const two = registry({ profiles: { prod: registry().profiles.prod!, staging: { url: 'https://s.odoo.com', db: 's', login: 'x' } } });
  assert.equal(resolveProfile(registry()).name, 'prod', 'the only profile');
  assert.equal(resolveProfile(two, 'staging').name, 'staging');
  assert.equal(resolveProfile({ ...two, default_profile: 'staging' }).name, 'staging');
  assert.throws(() => resolveProfile(two), (e: unknown) => e instanceof NotFoundError && e.code === 'no_profile' && /--profile/.test(e.message));
  assert.throws(() => resolveProfile(two, 'nope'), (e: unknown) => e instanceof NotFoundError && e.code === 'profile_not_found' && /prod, staging/.test(e.message));
  assert.throws(() => resolveProfile(emptyRegistry()), (e: unknown) => e instanceof NotFoundError && /odoo-keys login/.test(e.message));
});

test('validateRegistry refuses what would quietly weaken a key, naming the field', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ ...registry(), keys: [{ ...key(), expire: '2027-01-01' }] }, /^keys\[0\]\.expire: unknown field/],
    [{ ...registry(), keys: [{ ...key(), id: 12345678 }] }, /^keys\[0\]\.id: .*in quotes/],
    [{ ...registry(), keys: [{ ...key(), profile: 'nope' }] }, /^keys\[0\]\.profile: no profile named 'nope'/],
    [{ ...registry(), keys: [{ ...key(), hash: 'sha256:abc' }] }, /^keys\[0\]\.hash:/],
    [{ ...registry(), keys: [{ ...key(), expires: 'soon' }] }, /^keys\[0\]\.expires:/],
    [{ ...registry(), keys: [{ ...key(), rules: [{ model: 'crm.lead', methods: ['_search'] }] }] }, /^keys\[0\]\.rules\[0\]\.methods\[0\]:/],
    [{ ...registry(), keys: [{ ...key(), limits: { ips: ['10.0.0.1/8'] } }] }, /^keys\[0\]\.limits\.ips\[0\]:/],
    [{ ...registry(), keys: [key(), key({ name: 'other' })] }, /^keys\[1\]\.id: the id 7f3a9c2e is used twice/],
    [{ ...registry(), keys: [key(), key({ id: '00000001' })] }, /^keys\[1\]\.name: the name 'website-form' is used twice/],
    [{ ...registry(), default_profile: 'nope' }, /^default_profile:/],
    [{ ...registry(), profiles: { prod: { url: 'ftp://x', db: 'a', login: 'b' } } }, /^profiles\.prod\.url:/],
    [{ ...registry(), profiles: { prod: { url: 'https://x', db: 'a', login: 'b', preconnect: 'yes' } } }, /^profiles\.prod\.preconnect: must be true or false, not string "yes"/],
    [{ ...registry(), extra: 1 }, /^extra: unknown field/],
    [{ ...registry(), version: 2 }, /^version: unknown registry version 2/],
    [{ profiles: {} }, /^version: missing/],
    // A time without a zone is read in each machine's own zone; a date that does not exist rolls over.
    [{ ...registry(), keys: [key({ revoked: '2026-11-29T04:00:00' })] }, /^keys\[0\]\.revoked: .*has no time zone/],
    [{ ...registry(), keys: [key({ expires: '2027-02-30T00:00:00Z' })] }, /^keys\[0\]\.expires: .*is not a date that exists/],
    [{ ...registry(), keys: [key({ previous: { hash: `sha256:${'1'.repeat(64)}`, until: '2027-02-31' } })] }, /^keys\[0\]\.previous\.until: .*is not a date that exists/],
    // A learning key (it may do whatever the Odoo user may) must end within a day of its creation.
    [{ ...registry(), keys: [key({ learning: true })] }, /^keys\[0\]\.expires: a learning key must expire/],
    [{ ...registry(), keys: [key({ learning: true, created: '2026-11-28T10:00:00Z', expires: '2026-11-29T10:00:01Z' })] }, /^keys\[0\]\.expires: a learning key expires at most 24h after/],
    // A name that is another key's id: `revoke <id>` would find the other key.
    [{ ...registry(), keys: [key(), key({ id: '00000001', name: '7f3a9c2e' })] }, /^keys\[1\]\.name: the name '7f3a9c2e' is the id of keys\[0\]/],
    // Names of Object.prototype are not profiles.
    [{ ...registry(), keys: [key({ profile: 'toString' })] }, /^keys\[0\]\.profile: no profile named 'toString'/],
    [{ ...registry(), default_profile: 'constructor' }, /^default_profile: no profile named 'constructor'/],
  ];
  for (const [value, re] of cases) {
    assert.throws(() => validateRegistry(value), (e: unknown) => e instanceof ScopeValidationError && re.test(e.message), re.source);
  }
  const ok = validateRegistry({ ...registry(), keys: [key({ limits: { rate: '30/min' }, rules: [{ model: 'crm.lead', methods: ['create'] }] })] });
  assert.equal(ok.keys[0]!.limits?.rate, '30/min');
  // Still accepted: a date alone (UTC midnight everywhere), an offset, a learning key of exactly a day, a key named as its own id.
  const fine = validateRegistry({ ...registry(), keys: [key({ expires: '2027-02-28', revoked: '2027-03-01T10:00:00+01:00' }), key({ id: '00000001', name: '00000001', learning: true, created: '2026-11-28T10:00:00Z', expires: '2026-11-29T10:00:00Z' })] });
  assert.equal(fine.keys.length, 2);
});

test('a learning key whose end is more than its day away (created moved ahead by hand, or this clock behind) is not yet valid (not_yet) until then, and the file loads', () => {
  const now = new Date('2026-11-28T10:00:00Z');
  const far = key({ name: 'learner', learning: true, created: '2031-11-28T10:00:00Z', expires: '2031-11-29T10:00:00Z' });
  // The file loads: refusing it on a replica whose clock is behind would hold back a revocation beside the key.
  const reg = validateRegistry({ ...registry(), keys: [key({ id: '00000001', name: 'other', revoked: '2026-11-28T09:00:00Z' }), far] });
  assert.equal(keyStatus(reg.keys[0]!, now), 'revoked');
  assert.equal(keyStatus(reg.keys[1]!, now), 'not_yet');
  assert.equal(learningTooLong(far, now), true);
  // A clock a little behind the machine that made it is fine; so is any other key's future `created`.
  const drift = key({ learning: true, created: '2026-11-28T10:04:00Z', expires: '2026-11-29T10:04:00Z' });
  assert.equal(keyStatus(drift, now), 'learning');
  assert.equal(keyStatus(key({ created: '2031-01-01T00:00:00Z' }), now), 'active');
});

test('requireKey: a token given for a name is refused without its secret, naming its id', () => {
  const k = key({ id: '7f3a9c2e' });
  const token = `odk_7f3a9c2e_${'A'.repeat(43)}`;
  assert.throws(
    () => requireKey(registry({ keys: [k] }), token),
    (e: unknown) => e instanceof NotFoundError && e.code === 'key_not_found' && !e.message.includes('AAAA') && /that is a key's token \(odk_7f3a9c2e_…\), a secret: give the key's name or id \(7f3a9c2e\) instead/.test(e.message),
  );
  // Cut short or with an upper-cased id, still a secret's beginning: never echoed.
  assert.throws(() => requireKey(registry(), 'odk_7F3A9C2E_secretpart'), (e: unknown) => e instanceof NotFoundError && !e.message.includes('secretpart') && /\(7f3a9c2e\)/.test(e.message));
  // With a space pasted before it, or inside other text: the same.
  for (const given of [` ${token}`, `key=${token}`]) assert.throws(() => requireKey(registry(), given), (e: unknown) => e instanceof NotFoundError && !e.message.includes('AAAA') && /\(7f3a9c2e\)/.test(e.message));
  assert.throws(() => requireKey(registry(), 'nope'), (e: unknown) => e instanceof NotFoundError && /no key named 'nope'/.test(e.message));
});

test('preconnect for profiles sharing one origin: a recorded setting beats the default, off beats on', () => {
  assert.equal(preconnectsShared([{ url: 'https://a' }, { url: 'https://a/odoo' }]), true);
  assert.equal(preconnectsShared([{ url: 'http://a' }, { url: 'http://a' }]), false);
  assert.equal(preconnectsShared([{ url: 'https://a', preconnect: true }, { url: 'https://a', preconnect: false }]), false);
  assert.equal(preconnectsShared([{ url: 'https://a', preconnect: false }, { url: 'https://a' }]), false);
  assert.equal(preconnectsShared([{ url: 'http://a', preconnect: true }, { url: 'http://a' }]), true, 'an http front server turned on by one profile');
});

test('preconnect: as the profile says, else on for https (a front server ends TLS) and off for http (maybe Odoo itself)', () => {
  assert.equal(preconnects({ url: 'https://acme.odoo.com' }), true);
  assert.equal(preconnects({ url: 'http://localhost:8069' }), false);
  assert.equal(preconnects({ url: 'https://acme.odoo.com', preconnect: false }), false);
  assert.equal(preconnects({ url: 'http://nginx.lan', preconnect: true }), true);
  const reg = validateRegistry({ ...registry(), profiles: { prod: { url: 'http://x', db: 'a', login: 'b', preconnect: true } } });
  assert.equal(reg.profiles.prod!.preconnect, true);
});

test('perEntry (a proxy reading keys.yaml): what it cannot read is set aside, alone; a writer (strict) still refuses the whole file', () => {
  const staging = { url: 'https://s.odoo.com', db: 's', login: 'x' };
  const file = {
    ...registry({ profiles: { prod: registry().profiles.prod!, staging: { ...staging, failover: 'https://b' } } as Registry['profiles'] }),
    default_profile: 'staging',
    keys: [
      key({ id: '00000001', name: 'revoked', revoked: '2026-11-28T09:00:00Z' }),
      { ...key({ id: '00000002', name: 'newer' }), max_records: 10 },
      key({ id: '00000003', name: 'typo', rules: [{ model: 'res.partner', methods: ['read'], feilds: ['name'] } as never] }),
      key({ id: '00000004', name: 'on-staging', profile: 'staging' }),
      { name: 'no-id', profile: 'prod', hash: HASH, created: '2026-11-01T00:00:00Z', rules: [] },
      key({ id: '00000005', name: 'fine' }),
    ],
  };
  assert.throws(() => validateRegistry(file), (e: unknown) => e instanceof ScopeValidationError && /failover/.test(e.message));
  const reg = validateRegistry(file, true);
  assert.deepEqual(reg.keys.map((k) => k.name), ['revoked', 'fine']);
  assert.equal(reg.keys[0]!.revoked, '2026-11-28T09:00:00Z', 'the revocation beside them is read');
  assert.deepEqual(Object.keys(reg.profiles), ['prod']);
  assert.deepEqual(reg.refused!.profiles.map((p) => [p.name, p.path]), [['staging', 'profiles.staging.failover']]);
  const refused = reg.refused!.keys;
  assert.deepEqual(refused.map((r) => [r.id, r.name, r.path]), [
    ['00000002', 'newer', 'keys[1].max_records'],
    ['00000003', 'typo', 'keys[2].rules[0].feilds'],
    ['00000004', 'on-staging', 'keys[3].profile'],
    [undefined, 'no-id', 'keys[4]'],
  ]);
  assert.ok(refused.every((r) => r.id === undefined || r.hash === HASH), 'the hash is kept, so its holder can be told why');
  assert.match(refused[0]!.problem, /unknown field 'max_records'.*a field of a newer odoo-keys/);
  assert.match(refused[2]!.problem, /the profile 'staging' cannot be read/);
  // The default profile may be one set aside: a proxy asked for it says why it cannot serve it.
  assert.throws(() => resolveProfile(reg), /the profile 'staging' cannot be read by this odoo-keys: profiles\.staging\.failover: unknown field/);
  assert.throws(() => resolveProfile(reg, 'staging'), /cannot be read by this odoo-keys/);
  assert.equal(resolveProfile(reg, 'prod').name, 'prod');
  // Nothing set aside: no `refused` at all.
  assert.equal(validateRegistry(registry({ keys: [key()] }), true).refused, undefined);
});

test('perEntry: an id or a name two entries share sets both aside (which one the file meant is not guessed); so does a name that is an id', () => {
  const file = registry({ keys: [key({ id: '00000001', name: 'a' }), key({ id: '00000001', name: 'b' }), key({ id: '00000002', name: 'c' }), key({ id: '00000003', name: 'c' }), key({ id: '00000004', name: 'd' }), key({ id: '00000005', name: '00000004' })] });
  assert.throws(() => validateRegistry(file), /used twice/);
  const reg = validateRegistry(file, true);
  assert.deepEqual(reg.keys.map((k) => k.name), ['d']);
  assert.deepEqual(reg.refused!.keys.map((r) => r.path), ['keys[0].id', 'keys[1].id', 'keys[2].name', 'keys[3].name', 'keys[5].name']);
  // The file's own shape stays all or nothing.
  assert.throws(() => validateRegistry({ ...registry(), future: true }, true), /unknown field 'future'/);
  assert.throws(() => validateRegistry({ ...registry(), keys: { a: 1 } }, true), /must be a list of keys/);
});
