// The soak of test/hardening/soak.ts, bounded by a number of calls rather than time (so a busy
// machine only makes it slower): `odoo-keys serve` as a child process under a mix of protocols,
// allowed and denied calls; every call journaled exactly once, the chain verifies, and the
// proxy's memory, file descriptors and sockets are flat. `npm run soak -- --minutes 5` runs the
// long version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak, verdicts } from './soak.js';

test('soak (1,500 calls, 8 at a time): every call journaled once, chain verified, memory, descriptors and sockets flat', async () => {
  const lines: string[] = [];
  const report = await runSoak({ calls: 1500, rate: 0, concurrency: 8, sampleEveryMs: 2000, log: (l) => lines.push(l) });
  assert.equal(report.calls, 1500);
  for (const v of verdicts(report)) assert.ok(v.ok, `${v.name}: ${v.detail}\n${lines.join('\n')}`);
  assert.ok(Object.keys(report.byKind).length >= 8, 'the mix reached every kind of call');
});
