// The journal's `detail` member (the full reason of a refusal whose `reason`, what the client was
// told, withholds facts read upstream): written in its place, read by every reader, old lines unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chalk } from 'chalk';
import { checkLine, entryBody, sealLine } from '../../src/audit/chain.js';
import { LineView } from '../../src/audit/scan.js';
import { parseLightEntry } from '../../src/audit/fastparse.js';
import { callRow } from '../../src/audit/report.js';
import { callCsvLine, CALLS_CSV_HEADER, renderCallsTable } from '../../src/audit/render.js';
import type { JournalEntry, JournalInput } from '../../src/audit/types.js';

const plain = new Chalk({ level: 0 });
const TS = '2026-11-30T07:00:00.000Z';
const denied: JournalInput = {
  key: 'k1', name: 'lead-loader', proto: 'xmlrpc', model: 'crm.lead', method: 'load', decision: 'deny', rule: 0, outcome: 'denied', ms: 1,
  reason: "load column 'id': the external id 'x.y' names a record of another model than crm.lead",
};

test('journal detail: written after reason, hashed with the line, read on the fast path and by JSON; older lines read as before', () => {
  const line = (input: JournalInput): string => sealLine(entryBody(input, TS, 3, '0'.repeat(64))).line.trimEnd();
  const withDetail = line({ ...denied, detail: "load column 'id': the external id 'x.y' names a res.partner record (7), not a crm.lead one" });
  const old = line(denied);
  assert.match(withDetail, /"reason":"[^"]*","detail":"[^"]*res\.partner record \(7\)[^"]*","outcome"/);
  assert.doesNotMatch(old, /detail/);
  for (const l of [withDetail, old]) {
    const c = checkLine(l);
    assert.ok(c.ok, l);
    // The reports' byte scanner takes both lines in the writer's form (no fallback to JSON.parse).
    const view = new LineView();
    const buf = Buffer.from(l);
    assert.equal(view.reset(buf, 0, buf.length), true, `fast path: ${l}`);
    assert.deepEqual([view.model, view.method, view.rule, view.outcome], ['crm.lead', 'load', 0, 'denied']);
    assert.equal(parseLightEntry(l)?.outcome, 'denied');
  }
  const [now, before] = [withDetail, old].map((l) => callRow(JSON.parse(l) as JournalEntry));
  assert.match(now!.detail!, /res\.partner record \(7\)/);
  assert.equal(before!.detail, null);
  // The administrator's table shows the full reason; CSV carries it as its last column.
  assert.match(renderCallsTable([now!], plain, true), /res\.partner/);
  assert.match(renderCallsTable([before!], plain, true), /another model than/);
  assert.equal(CALLS_CSV_HEADER.at(-1), 'detail');
  assert.match(callCsvLine(now!), /res\.partner record \(7\), not a crm\.lead one"?$/);
  assert.match(callCsvLine(before!), /,$/);
});
