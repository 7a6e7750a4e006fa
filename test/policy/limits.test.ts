import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectDecision, key } from './support.js';
import {
  parseRate, takeToken, recordsAllowance, chargeRecords, parseHours, withinHours, localTime, parseCidr, cidrContains, ipAllowed, parseIp, type RateBucket,
} from '../../src/policy/limits.js';

const anyRead = [{ model: 'crm.lead', methods: ['read'] }];
const call = { model: 'crm.lead', method: 'search', params: [['domain', []]] as [string, never][] };

test('expires: dead at the instant, refused with the limit named', () => {
  const k = key(anyRead, { expires: '2026-11-30T10:00:00Z' });
  expectDecision(k, call, { verdict: 'allow' }, { now: new Date('2026-11-30T09:59:59.999Z') });
  expectDecision(k, call, { verdict: 'deny', reason: /the key expired at 2026-11-30T10:00:00.000Z/, limit: 'expires' }, { now: new Date('2026-11-30T10:00:00Z') });
  expectDecision(key(anyRead, { expires: 'soon' }), call, { verdict: 'deny', limit: 'expires', reason: /not a valid time/ });
});

test('ips: CIDR v4 and v6, IPv4-mapped IPv6 compared as IPv4', () => {
  const k = key(anyRead, { limits: { ips: ['203.0.113.0/24', '2001:db8::/32'] } });
  const allowed = ['203.0.113.7', '203.0.113.255', '::ffff:203.0.113.9', '::FFFF:cb00:7109', '2001:db8::1', '2001:0db8:ffff::', '[2001:db8::5]'];
  const refused = ['203.0.114.1', '10.0.0.1', '2001:db9::1', '::1', '::203.0.113.7', 'localhost', '', '203.0.113.07', '2001:db8::1::2'];
  for (const ip of allowed) expectDecision(k, call, { verdict: 'allow' }, { ip }, ip);
  for (const ip of refused) expectDecision(k, call, { verdict: 'deny', limit: 'ips', reason: /is outside the key's allowed addresses \(203.0.113.0\/24, 2001:db8::\/32\)/ }, { ip }, ip);
  // a mapped range in the limit matches plain IPv4 clients
  expectDecision(key(anyRead, { limits: { ips: ['::ffff:10.0.0.0/104'] } }), call, { verdict: 'allow' }, { ip: '10.9.8.7' });
  expectDecision(key(anyRead, { limits: { ips: ['0.0.0.0/0'] } }), call, { verdict: 'allow' }, { ip: '198.51.100.1' });
  expectDecision(key(anyRead, { limits: { ips: ['0.0.0.0/0'] } }), call, { verdict: 'deny', limit: 'ips' }, { ip: '2001:db8::1' });
  assert.deepEqual(parseIp('::ffff:1.2.3.4'), { family: 4, value: 0x01020304n });
  assert.equal(cidrContains('fe80::/10', 'fe80::1%eth0'), true);
  assert.equal(ipAllowed([parseCidr('192.0.2.1')], '192.0.2.1'), true);
  assert.equal(ipAllowed(['192.0.2.1'], '192.0.2.2'), false);
});

test('hours: days and hours in an IANA zone, on the wall clock, across DST in Europe/Amsterdam', () => {
  const office = 'Mon-Fri 08:00-18:00 Europe/Amsterdam';
  const h = parseHours(office);
  const cases: [string, boolean][] = [
    ['2026-11-30T07:00:00Z', true], // Monday 08:00 CET (UTC+1)
    ['2026-11-30T06:59:59Z', false],
    ['2026-11-30T16:59:00Z', true], // 17:59
    ['2026-11-30T17:00:00Z', false], // 18:00: end is exclusive
    ['2026-11-28T10:00:00Z', false], // Saturday
    ['2026-07-06T06:00:00Z', true], // Monday 08:00 CEST (UTC+2)
    ['2026-07-06T05:59:00Z', false],
    ['2026-07-06T16:00:00Z', false], // 18:00 CEST
  ];
  for (const [at, inside] of cases) assert.equal(withinHours(h, new Date(at)), inside, at);
  // Night window on the DST nights: 2026-03-29 (spring forward 02:00->03:00) and 2026-10-25 (03:00->02:00), both Sundays.
  const night = parseHours('Sun 01:00-03:00 Europe/Amsterdam');
  const nightCases: [string, boolean, string][] = [
    ['2026-03-29T00:00:00Z', true, '01:00 CET'],
    ['2026-03-29T00:59:59Z', true, '01:59:59 CET'],
    ['2026-03-29T01:00:00Z', false, '03:00 CEST: the window lasted one hour'],
    ['2026-10-24T23:30:00Z', true, '01:30 CEST'],
    ['2026-10-25T00:30:00Z', true, '02:30 CEST (first)'],
    ['2026-10-25T01:30:00Z', true, '02:30 CET (second): the window lasts three hours'],
    ['2026-10-25T02:00:00Z', false, '03:00 CET'],
  ];
  for (const [at, inside, why] of nightCases) assert.equal(withinHours(night, new Date(at)), inside, `${at} ${why}`);
  assert.deepEqual(localTime(new Date('2026-03-29T01:00:00Z'), 'Europe/Amsterdam'), { day: 6, minutes: 180 });
  // past midnight: Fri 22:00-02:00 covers Saturday 01:00
  const late = parseHours('Fri 22:00-02:00 UTC');
  assert.equal(withinHours(late, new Date('2026-11-27T23:00:00Z')), true);
  assert.equal(withinHours(late, new Date('2026-11-28T01:59:00Z')), true);
  assert.equal(withinHours(late, new Date('2026-11-28T02:00:00Z')), false);
  assert.equal(withinHours(late, new Date('2026-11-27T21:00:00Z')), false);
  // several windows, day lists, wrap-around day ranges, 24:00
  const mixed = parseHours('Mon,Wed 09:00-12:00; Sat-Sun 00:00-24:00 America/New_York');
  assert.equal(withinHours(mixed, new Date('2026-12-02T15:00:00Z')), true); // Wed 10:00 EST
  assert.equal(withinHours(mixed, new Date('2026-12-01T15:00:00Z')), false); // Tue
  assert.equal(withinHours(mixed, new Date('2026-11-29T04:59:00Z')), true); // Sat 23:59
  assert.deepEqual(parseHours('Fri-Mon 09:00-10:00 UTC').windows[0]!.days, [0, 4, 5, 6]);
  // through decide
  const k = key(anyRead, { limits: { hours: office } });
  expectDecision(k, call, { verdict: 'allow' }, { now: new Date('2026-11-30T07:00:00Z') });
  expectDecision(k, call, { verdict: 'deny', limit: 'hours', reason: /^outside hours Mon-Fri 08:00-18:00 Europe\/Amsterdam$/ }, { now: new Date('2026-11-28T10:00:00Z') });
});

test('rate: a token bucket, pure, with a retry time', () => {
  assert.deepEqual(parseRate('60/min'), { count: 60, periodMs: 60_000 });
  assert.deepEqual(parseRate('1000/h'), { count: 1000, periodMs: 3_600_000 });
  assert.deepEqual(parseRate('5/s'), { count: 5, periodMs: 1000 });
  let bucket: RateBucket | undefined;
  const t0 = 1_000_000;
  for (let i = 0; i < 3; i++) {
    const r = takeToken(bucket, '3/min', t0);
    assert.equal(r.ok, true, `burst ${i}`);
    bucket = r.bucket;
  }
  const refused = takeToken(bucket, '3/min', t0);
  assert.equal(refused.ok, false);
  assert.equal(refused.retryAfterMs, 20_000);
  const later = takeToken(refused.bucket, '3/min', t0 + 20_000);
  assert.equal(later.ok, true, 'one token back after a third of a minute');
  assert.equal(takeToken(later.bucket, '3/min', t0 + 20_000).ok, false);
  const frozen = JSON.stringify(later.bucket);
  takeToken(later.bucket, '3/min', t0 + 90_000);
  assert.equal(JSON.stringify(later.bucket), frozen, 'the state passed in is not changed');
  assert.equal(takeToken(later.bucket, '3/min', t0 - 60_000).ok, false, 'a clock step backwards refills nothing');
  assert.equal(takeToken({ tokens: 0, updatedMs: t0 }, '3/min', t0 + 3_600_000).bucket.tokens, 2, 'refill stops at the capacity');
});

test('records per hour: an allowance and a charge, per clock hour', () => {
  const hour = Date.UTC(2026, 10, 30, 10);
  let a = recordsAllowance(undefined, 1000, hour + 5);
  assert.equal(a.allowed, 1000);
  let b = chargeRecords(a.budget, 800, hour + 10);
  a = recordsAllowance(b, 1000, hour + 20);
  assert.equal(a.allowed, 200);
  b = chargeRecords(b, 250, hour + 30);
  a = recordsAllowance(b, 1000, hour + 40);
  assert.equal(a.allowed, 0);
  assert.equal(a.retryAfterMs, 3_600_000 - 40);
  a = recordsAllowance(b, 1000, hour + 3_600_000);
  assert.equal(a.allowed, 1000, 'a new hour starts afresh');
});
