// Shutdown (RunningProxy.close, what `serve` does on SIGTERM and `exec` when its command ends):
// nothing reaches Odoo without a journal line, and no call under way loses its line. A call not
// yet at Odoo when shutdown begins is refused; a call at Odoo when the grace period ends is seen
// through and journaled with what Odoo answered; one Odoo never answers is journaled as not awaited.
// hurry() (`serve`'s second signal) ends both waits at once, and still loses no line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';
import { journalLines } from '../support/journal.js';
import { rawRequest, startFaultyHarness } from '../hardening/support.js';
import type { JournalEntry } from '../../src/audit/types.js';
import { createLogger } from '../../src/proxy/log.js';

const RULES = [{ model: 'res.partner', methods: ['read', 'write', 'search_read'] }];
/** A close() that hangs fails its test instead of holding up the run. */
const GUARD = { timeout: 60_000 };

/** Waits until `cond` holds (what the test waits for happens on another socket or in the proxy). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), `never happened: ${what}`);
}

/** A JSON-2 write of one partner's name; resolves with the HTTP status, or 'cut off' when the connection was closed. */
function write(h: Harness, token: string, id: number, name: string): Promise<number | 'cut off'> {
  return post(`${h.url}/json/2/res.partner/write`, JSON.stringify({ ids: [id], vals: { name } }), { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' }).then(
    (r) => r.status,
    () => 'cut off',
  );
}

/** The journal as written by the closed proxy: the lines of writes to `id`. */
function writesTo(h: Harness, id: number): JournalEntry[] {
  return journalLines(h.journalDir!).filter((e) => e.method === 'write' && e.ids?.[0] === id);
}

/** A key, a first call (the schema is cached, so later calls go straight to their place and Odoo), then Odoo slowed. */
async function slowOdoo(h: Harness, delayMs: number): Promise<string> {
  const { token } = await h.addKey({ rules: RULES });
  assert.equal(await write(h, token, 1, 'warm'), 200);
  h.standin.faults.delayMs = delayMs;
  return token;
}

/** A write of partner 1 sent and known to be at Odoo (slowed by slowOdoo); `call` settles with its answer. */
async function writeAtOdoo(h: Harness, token: string, name: string): Promise<{ call: Promise<number | 'cut off'> }> {
  const seen = h.standin.received.length;
  const call = write(h, token, 1, name);
  await until(() => h.standin.received.length > seen, `the call '${name}' reached Odoo`);
  return { call };
}

test('a call waiting for its place when shutdown begins is refused and journaled, and never reaches Odoo', GUARD, async (t) => {
  // One place per key, and a wait for it far longer than the test: the second call is still
  // waiting when close() begins, whatever the machine's speed.
  const h = await startHarness({ version: 19, proxy: { maxConcurrentPerKey: 1, queueWaitMs: 60_000 } });
  t.after(() => h.close());
  const token = await slowOdoo(h, 3000);
  const partner3 = h.standin.orm.get('res.partner', 3)!.name;
  const seen = h.standin.received.length;
  const { call: first } = await writeAtOdoo(h, token, 'first, at Odoo');
  const queued = write(h, token, 3, 'queued during shutdown');
  await until(() => h.proxy.core.callsUnderway === 2, 'the second call is under way, waiting for the place');

  await h.proxy.close(100);
  await Promise.all([first, queued]);
  assert.equal(h.standin.received.length, seen + 1, 'only the first call reached Odoo');
  assert.equal(h.standin.orm.get('res.partner', 3)!.name, partner3, 'the queued write was not carried out');
  const lines = writesTo(h, 3);
  assert.equal(lines.length, 1, 'the queued call has its journal line');
  assert.equal(lines[0]!.decision, 'deny');
  assert.equal(lines[0]!.outcome, 'rejected');
  assert.equal(lines[0]!.reason, 'the proxy is shutting down');
  assert.equal(h.proxy.core.callsUnderway, 0);
});

test('the call at Odoo when the grace period ends is journaled with what Odoo answered, not as an upstream error', GUARD, async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const token = await slowOdoo(h, 3000);
  const { call } = await writeAtOdoo(h, token, 'written during shutdown');

  await h.proxy.close(100);
  assert.equal(await call, 'cut off', 'the grace period ended before Odoo answered');
  assert.equal(h.standin.orm.get('res.partner', 1)!.name, 'written during shutdown', 'Odoo carried out the write');
  const lines = writesTo(h, 1).slice(1); // after the warm-up write
  assert.equal(lines.length, 1, 'the call has its journal line');
  assert.equal(lines[0]!.decision, 'allow');
  assert.equal(lines[0]!.outcome, 'ok', `journaled as ${lines[0]!.outcome}: ${lines[0]!.reason ?? ''}`);
  assert.ok(lines[0]!.notes?.some((n) => /did not reach the client/.test(n)), 'the line says the client never got the answer');
});

test('close() ends even when Odoo does not answer within the wait after the grace period; the call is journaled as not awaited', GUARD, async (t) => {
  // The upstream timeout (default 120 s) is far beyond the wait given to close(): the line must
  // come from close() giving up, not from the pool's own timeout.
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const token = await slowOdoo(h, 5000);
  const { call } = await writeAtOdoo(h, token, 'never answered');

  await h.proxy.close(50, 200);
  assert.equal(await call, 'cut off');
  const lines = writesTo(h, 1).slice(1);
  assert.equal(lines.length, 1, 'the call has its journal line');
  assert.equal(lines[0]!.decision, 'allow', 'it was forwarded');
  assert.equal(lines[0]!.outcome, 'upstream_error');
  assert.equal(lines[0]!.error?.name, 'NotAwaited', JSON.stringify(lines[0]));
  assert.match(lines[0]!.reason ?? '', /not awaited, so whether Odoo carried out the call is not known/);
  assert.equal(h.proxy.core.callsUnderway, 0);
});

test('a large answer streaming when the grace period ends is journaled with its outcome, not as an upstream error', GUARD, async (t) => {
  // An answer that never ends, to a client that reads its first bytes and then nothing: the
  // stream is still going when close() cuts the client off.
  const h = await startFaultyHarness({ version: 19 });
  t.after(() => h.close());
  const { token } = await h.addKey({ rules: RULES });
  const body = JSON.stringify({ domain: [], fields: ['name'] });
  const headers = { 'Content-Type': 'application/json', Authorization: `bearer ${token}` };
  assert.equal((await post(`${h.url}/json/2/res.partner/search_read`, body, headers)).status, 200, 'warm: schema cached');
  h.upstream.arm('endless', 1);
  const client = net.connect(h.proxy.port, '127.0.0.1');
  client.on('error', () => undefined);
  const streaming = new Promise<void>((resolve) => client.once('data', () => resolve()));
  const closed = new Promise<void>((resolve) => client.on('close', () => resolve()));
  client.write(rawRequest('POST', '/json/2/res.partner/search_read', headers, body));
  await streaming;
  client.pause();

  await h.proxy.close(100);
  client.resume(); // a paused socket does not report its end
  await closed;
  const lines = journalLines(h.journalDir!).filter((e) => e.method === 'search_read');
  assert.equal(lines.length, 2, 'the warm-up call and the streamed one');
  assert.equal(lines[1]!.decision, 'allow');
  assert.equal(lines[1]!.outcome, 'ok', `journaled as ${lines[1]!.outcome}: ${lines[1]!.error?.message ?? ''}`);
  assert.ok(lines[1]!.notes?.some((n) => /did not reach the client: its connection was closed after \d+ bytes/.test(n)), JSON.stringify(lines[1]));
});

test('a call waiting for its place to fetch a schema when shutdown begins: refused as shutting down, nothing sent to Odoo', GUARD, async () => {
  const { gateHolding } = await import('../support/gate.js');
  const h = await startHarness({ version: 19, upstream: gateHolding('search_read'), proxy: { maxConcurrentPerKey: 1, queueWaitMs: 30_000 } });
  try {
    const { token, id } = await h.addKey({ rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'] }, { model: 'crm.*', methods: ['read'], fields: ['name'] }] });
    const call = (model: string) => post(`${h.url}/json/2/${model}/search_read`, '{"domain":[],"fields":["name"],"limit":1}', { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
    const a = call('res.partner');
    await h.upstream.arrived;
    const b = call('crm.nope');
    await until(() => h.proxy.core.queuedFor(id) === 1, 'the second call waits for its place');
    const closing = h.proxy.close(3000);
    await new Promise((r) => setTimeout(r, 50));
    h.upstream.open();
    const [ra, rb] = await Promise.all([a, b]);
    await closing;
    assert.equal(ra.status, 200);
    assert.equal(rb.status, 503, rb.text);
    assert.match(rb.text, /shutting down|shut down/);
    assert.deepEqual(h.upstream.passed.filter((p) => p.includes('crm.nope')), [], 'a schema fetch reached Odoo after shutdown began');
  } finally {
    await h.close();
  }
});


for (const when of ['during the grace period', 'while Odoo\'s answers are awaited'] as const) {
  test(`hurry() ${when}: close() stops waiting, the call at Odoo is journaled as not awaited, the chain holds`, GUARD, async (t) => {
    // Odoo takes a minute and close() would wait a minute for the grace and another for the
    // answer: close() ends within GUARD only because hurry() ended both waits.
    const logged: { level: string; msg: string }[] = [];
    const h = await startHarness({ version: 19, log: createLogger('debug', (l) => void logged.push(JSON.parse(l) as { level: string; msg: string })) });
    t.after(() => h.close());
    const warned = (pattern: RegExp): boolean => logged.some((l) => l.level === 'warn' && pattern.test(l.msg));
    const token = await slowOdoo(h, 60_000);
    const { call } = await writeAtOdoo(h, token, 'hurried');

    const grace = when === 'during the grace period' ? 60_000 : 50;
    const closing = h.proxy.close(grace, 60_000);
    // Past the grace period once the client is cut off; close() then waits for Odoo's answer.
    if (when !== 'during the grace period') assert.equal(await call, 'cut off', 'the grace period ended');
    assert.equal(h.proxy.core.callsUnderway, 1, 'the call is still under way');
    h.proxy.hurry();
    h.proxy.hurry(); // a third signal: nothing more happens
    await closing;

    assert.equal(await call, 'cut off', 'the client was cut off');
    const lines = writesTo(h, 1).slice(1);
    assert.equal(lines.length, 1, 'the call has its journal line');
    assert.equal(lines[0]!.decision, 'allow', 'it was forwarded');
    assert.equal(lines[0]!.outcome, 'upstream_error');
    assert.equal(lines[0]!.error?.name, 'NotAwaited', JSON.stringify(lines[0]));
    assert.equal(h.proxy.core.callsUnderway, 0);
    assert.ok(warned(/shutdown hurried/), 'the log says the answers were not awaited because of hurry()');
    assert.ok(!warned(/did not answer calls in flight in time/), 'not because a wait ran out');
    const { verifyJournal } = await import('../../src/audit/verify.js');
    assert.equal((await verifyJournal(h.journalDir!)).ok, true, 'the chain is intact');
  });
}
