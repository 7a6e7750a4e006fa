import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJournal, readJournalBatches, compileFilter, type JournalFilter, type ReadStats } from '../../src/audit/read.js';
import type { JournalEntry } from '../../src/audit/types.js';
import { sampleInputs, tempDir, writeJournal, type TimedInput } from './fixtures.js';

async function all(dirs: string[], filter: JournalFilter = {}, stats?: ReadStats): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  for await (const e of readJournal(dirs, filter, stats)) out.push(e);
  return out;
}

const tsOf = (es: JournalEntry[]) => es.map((e) => e.ts);

test('several folders and replicas are merged in time order', async (t) => {
  const root = tempDir(t);
  const a = join(root, 'a');
  const b = join(root, 'b');
  const inputs = sampleInputs();
  // Replica 1 takes the even calls, replica 2 (another folder) the odd, replica 3 shares folder a.
  await writeJournal(a, inputs.filter((_, i) => i % 3 === 0), { replica: 'r1' });
  await writeJournal(b, inputs.filter((_, i) => i % 3 === 1), { replica: 'r2' });
  await writeJournal(a, inputs.filter((_, i) => i % 3 === 2), { replica: 'r3' });
  const merged = await all([a, b]);
  assert.deepEqual(tsOf(merged), inputs.map((x) => x.ts));
  // The batch form gives the same, with each chain's own seq.
  const batches: JournalEntry[] = [];
  for await (const batch of readJournalBatches([b, a])) batches.push(...batch);
  assert.deepEqual(tsOf(batches), inputs.map((x) => x.ts));
});

test('filters: window, key by id or name, model glob, method, denied, errors', async (t) => {
  const dir = tempDir(t);
  await writeJournal(dir, sampleInputs());
  const names = async (f: JournalFilter) => (await all([dir], f)).map((e) => `${e.name ?? '?'}:${e.method ?? e.function}`);
  assert.equal((await all([dir])).length, 13);
  assert.deepEqual(await names({ since: new Date('2026-11-24T08:00:00Z'), until: new Date('2026-11-25T10:00:00Z') }), [
    'exec-import:create',
    'exec-import:unlink',
  ]);
  assert.deepEqual(await names({ keys: ['nightly-sync'] }), (await names({ keys: ['1c0de5a1'] })));
  assert.equal((await names({ keys: ['nightly-sync'] })).length, 4);
  assert.deepEqual(await names({ keys: ['nobody'] }), []);
  assert.deepEqual(await names({ models: ['x_*'] }), ['nightly-sync:write', 'nightly-sync:unlink', 'nightly-sync:create']);
  assert.deepEqual(await names({ models: ['sale.order', 'product.*'] }), ['assistant:search_read', 'assistant:action_confirm', 'exec-import:create', 'exec-import:unlink']);
  assert.deepEqual(await names({ methods: ['common.authenticate'] }), ['?:authenticate']);
  assert.deepEqual(await names({ methods: ['authenticate'] }), ['?:authenticate']);
  assert.deepEqual(await names({ methods: ['unlink'], keys: ['exec-import'] }), ['exec-import:unlink']);
  assert.deepEqual(await names({ denied: true }), ['website-form:write', '?:authenticate', 'exec-import:unlink']);
  assert.deepEqual(await names({ errors: true }), ['nightly-sync:unlink', 'nightly-sync:create']);
  assert.deepEqual(await names({ denied: true, errors: true }), ['website-form:write', 'nightly-sync:unlink', 'nightly-sync:create', '?:authenticate', 'exec-import:unlink']);
  // The same predicate works on entries in memory.
  const p = compileFilter({ models: ['crm.lead'], denied: true });
  assert.equal((await all([dir])).filter(p).length, 1);
});

test('a call journaled just after midnight with an earlier ts is found by a window on the earlier day', async (t) => {
  const dir = tempDir(t);
  const late: TimedInput = { ...sampleInputs()[0]!, ts: '2026-11-20T23:59:59.500Z' };
  // The journal's clock is past midnight, so the line goes into the next day's file.
  await writeJournal(dir, [{ ...late, ts: '2026-11-21T00:00:01.000Z' }]);
  const { openJournal } = await import('../../src/audit/journal.js');
  const j = await openJournal({ dir, now: () => new Date('2026-11-21T00:00:02Z') });
  await j.append(late);
  await j.close();
  const found = await all([dir], { since: new Date('2026-11-20T23:00:00Z'), until: new Date('2026-11-21T00:00:00Z') });
  assert.deepEqual(tsOf(found), ['2026-11-20T23:59:59.500Z']);
});

test('files outside the window are not read; unreadable lines inside it are counted', async (t) => {
  const dir = tempDir(t);
  await writeJournal(dir, sampleInputs());
  appendFileSync(join(dir, '2026-11-20.jsonl'), 'not json\n');
  const skipped: ReadStats = { unreadable: 0 };
  assert.equal((await all([dir], { since: new Date('2026-11-23T00:00:00Z') }, skipped)).length, 5);
  assert.equal(skipped.unreadable, 0, 'the 2026-11-20 file was read although the window starts on 2026-11-23');
  const read: ReadStats = { unreadable: 0 };
  assert.equal((await all([dir], {}, read)).length, 13);
  assert.equal(read.unreadable, 1);
});

test('stopping early closes the files (no error, no hang)', async (t) => {
  const a = join(tempDir(t), 'a');
  const b = join(tempDir(t), 'b');
  await writeJournal(a, sampleInputs(), { replica: 'x' });
  await writeJournal(b, sampleInputs(), { replica: 'y' });
  let n = 0;
  for await (const _ of readJournal([a, b])) if (++n === 3) break;
  assert.equal(n, 3);
});

test('groupJournal: the same report on one thread and split across worker threads', async (t) => {
  const { groupJournal } = await import('../../src/audit/group.js');
  const dir = tempDir(t);
  await writeJournal(dir, sampleInputs(), { replica: 'a' });
  await writeJournal(dir, sampleInputs().map((x) => ({ ...x, ts: x.ts.replace('2026-11-2', '2026-10-2') })), { replica: 'b' });
  appendFileSync(join(dir, '2026-11-21.a.jsonl'), 'not json\n');
  const opts = { by: 'key' as const, since: new Date('2026-10-01T00:00:00Z'), until: new Date('2026-12-01T00:00:00Z') };
  const filter = { since: opts.since, until: opts.until };
  const one: ReadStats = { unreadable: 0 };
  const single = await groupJournal([dir], filter, { ...opts, workers: 1 }, one);
  const many: ReadStats = { unreadable: 0 };
  const split = await groupJournal([dir], filter, { ...opts, workers: 3, parallelAboveBytes: 0 }, many);
  assert.deepEqual(split, single);
  assert.equal(single.totals.calls, 26);
  assert.deepEqual([one.unreadable, many.unreadable], [1, 1]);
  const denied = await groupJournal([dir], { ...filter, denied: true }, { ...opts, workers: 2, parallelAboveBytes: 0 });
  assert.equal(denied.totals.calls, 6);
});

test('scanFiles over byte ranges: cut anywhere (at, before and after a newline, inside a line), two pieces read every line exactly once', async (t) => {
  const { scanFiles } = await import('../../src/audit/scan.js');
  const { readFileSync, readdirSync, writeFileSync } = await import('node:fs');
  const dir = tempDir(t);
  await writeJournal(dir, sampleInputs().slice(0, 6), {});
  const file = join(dir, readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()[0]!);
  // A line the fast path cannot take (a backslash), an unreadable one, and a last line cut short.
  const good = readFileSync(file, 'utf8').trim().split('\n');
  const escaped = good[1]!.replace('"method":"', '"method":"a\\\\b');
  const text = [good[0], escaped, 'not json', ...good.slice(2)].join('\n') + '\n' + good[good.length - 1]!.slice(0, 40);
  writeFileSync(file, text);
  const collect = async (pieces: Parameters<typeof scanFiles>[0]) => {
    const seen: string[] = [];
    const stats: ReadStats = { unreadable: 0 };
    await scanFiles(pieces, {}, (e, ms) => seen.push(`${ms} ${e.seq} ${e.method}`), stats);
    return { seen, unreadable: stats.unreadable };
  };
  const whole = await collect([file]);
  assert.equal(whole.seen.length, good.length);
  assert.equal(whole.unreadable, 2, 'the unreadable line and the cut-short one');
  const size = Buffer.byteLength(text);
  for (let cut = 0; cut <= size; cut++) {
    const split = await collect([{ path: file, start: 0, end: cut }, { path: file, start: cut, end: Infinity }]);
    assert.deepEqual(split, whole, `cut at byte ${cut} (${JSON.stringify(text.slice(Math.max(0, cut - 3), cut + 3))})`);
  }
  // Three pieces, and a share function that spreads bytes evenly.
  const { shareFiles } = await import('../../src/audit/group.js');
  const shares = shareFiles([{ path: file, size }, { path: file, size }], 3);
  assert.equal(shares.length, 3);
  const both = await collect(shares.flat());
  assert.deepEqual(both.seen, [...whole.seen, ...whole.seen]);
});
