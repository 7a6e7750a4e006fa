// The journal failing under a running proxy: a call that already reached Odoo keeps its line
// (written once the journal works again), and a call not yet sent is not sent while its line
// could not be written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { startHarness, post } from '../support/proxy-harness.js';
import { gateHolding } from '../support/gate.js';
import { journalLines } from '../support/journal.js';
import { verifyJournal } from '../../src/audit/verify.js';

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), `never happened: ${what}`);
}

/** Moves the journal folder away and puts a file in its place: every write fails, even as root. */
function breakJournal(dir: string): () => void {
  renameSync(dir, `${dir}.away`);
  writeFileSync(dir, 'not a folder');
  return () => {
    rmSync(dir, { force: true });
    renameSync(`${dir}.away`, dir);
  };
}

test('a call answered by Odoo while the journal failed gets its line once the journal can be written again', async (t) => {
  const h = await startHarness({ version: 19, upstream: gateHolding('write') });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'sync', rules: [{ model: 'res.partner', methods: ['read', 'write'] }] });
  const headers = { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' };
  assert.equal((await post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', headers)).status, 200);
  const write = post(`${h.url}/json/2/res.partner/write`, JSON.stringify({ ids: [2], vals: { name: 'written while the disk was full' } }), headers);
  await h.upstream.arrived;
  const repair = breakJournal(h.journalDir!);
  h.upstream.open();
  // Odoo carried out the write, so the client gets Odoo's answer; the proxy then refuses calls.
  assert.equal((await write).status, 200);
  assert.equal(h.standin.orm.get('res.partner', 2)?.name, 'written while the disk was full');
  assert.equal(h.proxy.journal!.healthy, false);
  assert.equal((await post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', headers)).status, 503);
  repair();
  await until(() => h.proxy.journal!.healthy && h.proxy.core.linesOwed === 0, 'the journal recovered and the owed line was written');
  await h.proxy.journal!.flush();
  const lines = journalLines(h.journalDir!);
  const written = lines.filter((e) => e.method === 'write');
  assert.equal(written.length, 1, `the write that ran at Odoo has exactly one line: ${JSON.stringify(lines.map((e) => [e.seq, e.method, e.outcome]))}`);
  assert.equal(written[0]!.outcome, 'ok');
  assert.deepEqual(written[0]!.ids, [2]);
  assert.ok(written[0]!.notes?.some((n) => /journaled late/.test(n)), JSON.stringify(written[0]));
  const v = await verifyJournal(h.journalDir!);
  assert.ok(v.ok, JSON.stringify(v.chains[0]?.problems));
});

test('a call waiting for its place when the journal fails is refused, never sent to Odoo', async (t) => {
  const h = await startHarness({ version: 19, proxy: { maxConcurrentPerKey: 1, queueWaitMs: 60_000 }, upstream: gateHolding('write') });
  t.after(() => h.close());
  const { token, id } = await h.addKey({ name: 'sync', rules: [{ model: 'res.partner', methods: ['read', 'write'] }] });
  const headers = { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' };
  const first = post(`${h.url}/json/2/res.partner/write`, JSON.stringify({ ids: [1], vals: { name: 'first' } }), headers);
  await h.upstream.arrived;
  const second = post(`${h.url}/json/2/res.partner/write`, JSON.stringify({ ids: [3], vals: { name: 'sent with no line' } }), headers);
  await until(() => h.proxy.core.queuedFor(id) === 1, 'the second write waits for its place');
  const repair = breakJournal(h.journalDir!);
  // Any call's line now fails to be written: the journal turns unhealthy while the second write waits.
  await post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: 'bearer odk_00000000_nope', 'Content-Type': 'application/json' });
  await until(() => !h.proxy.journal!.healthy, 'the journal turned unhealthy');
  h.upstream.open();
  assert.equal((await first).status, 200);
  const refused = await second;
  assert.equal(refused.status, 503);
  assert.match(refused.text, /audit journal cannot be written/);
  assert.deepEqual(h.upstream.passed.filter((p) => p.endsWith('/write')).length, 1, 'the second write reached Odoo with no journal to record it');
  assert.notEqual(h.standin.orm.get('res.partner', 3)?.name, 'sent with no line');
  repair();
  await until(() => h.proxy.journal!.healthy && h.proxy.core.linesOwed === 0, 'the first write\'s owed line was written');
});

test('a shutdown while the journal still fails says so: close() rejects naming the lines only in the log (serve then exits 1)', async (t) => {
  const h = await startHarness({ version: 19, upstream: gateHolding('write') });
  // The harness's own close() gets the same outcome, already seen below.
  t.after(() => h.close().catch(() => {}));
  const { token } = await h.addKey({ name: 'sync', rules: [{ model: 'res.partner', methods: ['read', 'write'] }] });
  const headers = { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' };
  const write = post(`${h.url}/json/2/res.partner/write`, JSON.stringify({ ids: [2], vals: { name: 'written, line owed' } }), headers);
  await h.upstream.arrived;
  breakJournal(h.journalDir!); // left broken: the harness's folder goes with it
  h.upstream.open();
  assert.equal((await write).status, 200);
  assert.equal(h.proxy.core.linesOwed, 1);
  await assert.rejects(h.proxy.close(500), /1 journal line of calls that reached Odoo could not be written \(the journal was failing\): they are in the proxy's log/);
  await assert.rejects(h.proxy.close(500), /1 journal line/, 'a second close() gets the first one\'s outcome');
});
