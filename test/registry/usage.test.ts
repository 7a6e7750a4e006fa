import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageRecorder, lastUsedPath, readLastUsed } from '../../src/registry/usage.js';

function dir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'odoo-keys-usage-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return join(d, 'state');
}

test('touches stay in memory until flush; flush writes last-used.json (0600) with the latest time per key', async (t) => {
  const d = dir(t);
  const u = new UsageRecorder({ dir: d, intervalMs: 0 });
  u.touch('7f3a9c2e', new Date('2026-11-28T10:00:00Z'));
  u.touch('7f3a9c2e', new Date('2026-11-28T09:00:00Z')); // older: ignored
  u.touch('1c0de5a1', new Date('2026-11-28T08:00:00Z'));
  assert.deepEqual(readLastUsed(d), {});
  await u.flush();
  assert.deepEqual(readLastUsed(d), { '7f3a9c2e': '2026-11-28T10:00:00.000Z', '1c0de5a1': '2026-11-28T08:00:00.000Z' });
  assert.equal(statSync(lastUsedPath(d)).mode & 0o777, 0o600);
  await u.close();
});

test('two recorders sharing a state folder (two proxies) merge instead of undoing each other', async (t) => {
  const d = dir(t);
  const a = new UsageRecorder({ dir: d, intervalMs: 0 });
  const b = new UsageRecorder({ dir: d, intervalMs: 0 });
  a.touch('aaaaaaaa', new Date('2026-11-28T10:00:00Z'));
  a.touch('cccccccc', new Date('2026-11-28T12:00:00Z'));
  await a.flush();
  b.touch('bbbbbbbb', new Date('2026-11-28T11:00:00Z'));
  b.touch('cccccccc', new Date('2026-11-28T09:00:00Z')); // older than what a wrote
  await b.close();
  assert.deepEqual(readLastUsed(d), {
    aaaaaaaa: '2026-11-28T10:00:00.000Z',
    cccccccc: '2026-11-28T12:00:00.000Z',
    bbbbbbbb: '2026-11-28T11:00:00.000Z',
  });
  await a.close();
});

test('an unreadable or odd last-used file reads as nothing known, and is replaced on the next flush', async (t) => {
  const d = dir(t);
  mkdirSync(d, { recursive: true });
  writeFileSync(lastUsedPath(d), '{not json');
  assert.deepEqual(readLastUsed(d), {});
  writeFileSync(lastUsedPath(d), JSON.stringify({ '7f3a9c2e': 'yesterday', ZZ: '2026-11-28T10:00:00Z', '1c0de5a1': '2026-11-28T10:00:00Z' }));
  assert.deepEqual(readLastUsed(d), { '1c0de5a1': '2026-11-28T10:00:00Z' });
  const u = new UsageRecorder({ dir: d, intervalMs: 0 });
  u.touch('7f3a9c2e', new Date('2026-11-28T11:00:00Z'));
  await u.close();
  assert.deepEqual(JSON.parse(readFileSync(lastUsedPath(d), 'utf8')), { '1c0de5a1': '2026-11-28T10:00:00Z', '7f3a9c2e': '2026-11-28T11:00:00.000Z' });
});

test('the timer flushes on its own', async (t) => {
  const d = dir(t);
  const u = new UsageRecorder({ dir: d, intervalMs: 20 });
  t.after(() => u.close());
  u.touch('7f3a9c2e', new Date('2026-11-28T10:00:00Z'));
  for (let i = 0; i < 500 && !readLastUsed(d)['7f3a9c2e']; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(readLastUsed(d)['7f3a9c2e'], '2026-11-28T10:00:00.000Z');
});
