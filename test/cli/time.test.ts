import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseInstant, formatDuration } from '../../src/cli/time.js';

test('durations', () => {
  assert.equal(parseDuration('15m'), 900_000);
  assert.equal(parseDuration('24h'), 86_400_000);
  assert.equal(parseDuration('90d'), 90 * 86_400_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  for (const bad of ['', '15', 'm', '-5m', '0m', '5 parsecs', '5mm']) assert.throws(() => parseDuration(bad, '--ttl'), /--ttl: .* is not a duration/, bad);
});

test('instants: relative and absolute, zone-less read as UTC', () => {
  const now = new Date('2026-11-28T10:00:00Z');
  assert.equal(parseInstant('90d', now).toISOString(), '2027-02-26T10:00:00.000Z');
  assert.equal(parseInstant('7d', now, 'since', 'past').toISOString(), '2026-11-21T10:00:00.000Z');
  assert.equal(parseInstant('2027-01-01', now).toISOString(), '2027-01-01T00:00:00.000Z');
  assert.equal(parseInstant('2027-01-01T12:00:00+01:00', now).toISOString(), '2027-01-01T11:00:00.000Z');
  assert.throws(() => parseInstant('2027-13-45', now, '--expires'), /not a valid date/);
  assert.equal(formatDuration(90_061_000), '1d1h');
});

test('a date that does not exist and a duration past what a date can hold are usage errors, not a rollover or a RangeError', () => {
  const now = new Date('2026-11-29T00:00:00Z');
  for (const text of ['2027-02-30', '2027-02-29T10:00:00Z', '2027-04-31']) assert.throws(() => parseInstant(text, now, '--expires'), /--expires: '.*' is not a valid date/, text);
  assert.equal(parseInstant('2028-02-29', now, '--expires').toISOString(), '2028-02-29T00:00:00.000Z');
  assert.throws(() => parseDuration('99999999d', '--grace'), /--grace: '99999999d' is longer than 100 years/);
  assert.throws(() => parseInstant('99999999d', now, '--expires'), /longer than 100 years/);
});
