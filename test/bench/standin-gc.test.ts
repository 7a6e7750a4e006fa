// The stream row starts each transfer from a collected stand-in heap: the stand-in, run with
// --expose-gc, collects on SIGUSR2 and says when it is done; without the flag there is no such
// signal handler, and asking for it is an error rather than a wait that never ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStandinProcess } from '../../bench/lib/standin.js';

test('stand-in: gc() runs a full collection and resolves when it is done, once per request (two asked at once: one signal at a time, as two could arrive as one)', { timeout: 30_000 }, async (t) => {
  const s = await startStandinProcess({ exposeGc: true });
  t.after(() => s.stop());
  const [a, b] = await Promise.all([s.gc(), s.gc()]);
  assert.ok(typeof a === 'number' && a >= 0 && typeof b === 'number' && b >= 0);
  // Still serving afterwards.
  const r = await fetch(`${s.url}/web/webclient/version_info`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"jsonrpc":"2.0","method":"call","params":{}}' });
  assert.equal(r.status, 200);
});

test('stand-in: gc() without exposeGc is refused at once', async (t) => {
  const s = await startStandinProcess();
  t.after(() => s.stop());
  await assert.rejects(s.gc(), /not started with exposeGc/);
});
