// The failed-attempt throttle on its own: who counts as one source, when a source is locked out,
// and that its memory stays bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureThrottle, addressSource } from '../../src/proxy/throttle.js';

test('an IPv4 address is its own source; an IPv6 address counts with its whole /64', () => {
  assert.equal(addressSource('203.0.113.7'), 'ip:203.0.113.7');
  assert.notEqual(addressSource('203.0.113.7'), addressSource('203.0.113.8'));
  const same = ['2001:db8:1:2::1', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0db8:0001:0002:0:0:0:9', '2001:DB8:1:2::a:b', '2001:db8:1:2::1%eth0', '2001:db8:1:2::192.0.2.1'];
  for (const ip of same) assert.equal(addressSource(ip), 'ip6:2001:db8:1:2::/64', ip);
  assert.notEqual(addressSource('2001:db8:1:3::1'), addressSource('2001:db8:1:2::1'), 'the next /64 is another source');
  assert.equal(addressSource('::1'), 'ip6:0:0:0:0::/64');
  assert.equal(addressSource('fe80::1'), 'ip6:fe80:0:0:0::/64');
  assert.equal(addressSource('2001:db8::'), 'ip6:2001:db8:0:0::/64');
  assert.equal(addressSource('1:2:3:4:5:6:7:8'), 'ip6:1:2:3:4::/64');
});

test('ten failures in the window lock a source out for the lockout time; older failures do not count', () => {
  const t = new FailureThrottle({ maxFailures: 10, windowMs: 60_000, lockoutMs: 60_000, maxEntries: 100 });
  const s = ['ip:198.51.100.1'];
  for (let i = 0; i < 9; i++) t.fail(s, 1000 + i);
  assert.equal(t.blockedFor(s, 2000), 0, 'nine failures: not yet');
  t.fail(s, 2000);
  assert.equal(t.blockedFor(s, 2000), 60_000);
  assert.equal(t.blockedFor(['ip:198.51.100.2'], 2000), 0, 'another source is not affected');
  assert.equal(t.blockedFor(s, 62_000), 0, 'the lockout ends');
  // Failures spread wider than the window never add up to a lockout.
  const slow = ['ip:198.51.100.3'];
  for (let i = 0; i < 30; i++) t.fail(slow, 100_000 + i * 7_000);
  assert.equal(t.blockedFor(slow, 100_000 + 29 * 7_000), 0);
});

test('memory is bounded: past maxEntries the least recently failing source is forgotten', () => {
  const t = new FailureThrottle({ maxFailures: 2, windowMs: 60_000, lockoutMs: 60_000, maxEntries: 3 });
  for (const n of [1, 2, 3, 4]) t.fail([`ip:10.0.0.${n}`], 0);
  assert.equal(t.size, 3);
  t.fail(['ip:10.0.0.1'], 1); // forgotten, so this is its first failure again
  assert.equal(t.blockedFor(['ip:10.0.0.1'], 1), 0);
  t.fail(['ip:10.0.0.4'], 1); // still tracked: its second failure locks it out
  assert.ok(t.blockedFor(['ip:10.0.0.4'], 1) > 0);
});

test('a vouched address is remembered for a day, and the memory of vouches is bounded', () => {
  const t = new FailureThrottle({ maxFailures: 10, windowMs: 60_000, lockoutMs: 60_000, maxEntries: 2 });
  t.vouch('aaaaaaaa', 'ip:203.0.113.1', 0);
  assert.ok(t.vouchedFor('aaaaaaaa', 'ip:203.0.113.1', 1000));
  assert.ok(!t.vouchedFor('aaaaaaaa', 'ip:203.0.113.2', 1000), 'another address is not vouched for');
  assert.ok(!t.vouchedFor('bbbbbbbb', 'ip:203.0.113.1', 1000), 'nor another key at the same address');
  assert.ok(!t.vouchedFor('aaaaaaaa', 'ip:203.0.113.1', 24 * 3600_000), 'a day later it has lapsed');
  t.vouch('bbbbbbbb', 'ip:203.0.113.1', 10);
  t.vouch('cccccccc', 'ip:203.0.113.1', 20);
  assert.ok(!t.vouchedFor('aaaaaaaa', 'ip:203.0.113.1', 30), 'the oldest vouch made room');
  assert.ok(t.vouchedFor('cccccccc', 'ip:203.0.113.1', 30));
});
