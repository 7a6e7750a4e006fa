import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync, writeFileSync, unlinkSync, truncateSync, statSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sealLine } from '../../src/audit/chain.js';
import { parseExpectedHead, verifyJournal, type VerifyProblem } from '../../src/audit/verify.js';
import type { JournalEntry } from '../../src/audit/types.js';
import { tempDir, writeJournal, type TimedInput } from './fixtures.js';
import { openJournal } from '../../src/audit/journal.js';

const DAYS = ['2026-11-20', '2026-11-21', '2026-11-22'];

/** 8 calls a day for 3 days, with a restart in the middle of the second day. */
function inputs(): TimedInput[] {
  const out: TimedInput[] = [];
  for (const day of DAYS) {
    for (let i = 0; i < 8; i++) {
      out.push({ ts: `${day}T1${i}:00:00.000Z`, key: '7f3a9c2e', name: 'website-form', proto: 'json2', model: 'crm.lead', method: 'create', decision: 'allow', rule: 0, outcome: 'ok', result_ids: [100 + out.length], ms: 10 });
    }
  }
  return out;
}

let pristine: string | undefined;
let pristineEntries: JournalEntry[] = [];

/** A fresh copy of one intact journal per test. */
async function journal(t: { after: (fn: () => void) => void }): Promise<string> {
  if (!pristine) {
    pristine = tempDir({ after: () => undefined }, 'odoo-keys-verify-pristine-');
    pristineEntries = await writeJournal(pristine, inputs(), { restartAt: [12], sync: 'batch' });
  }
  const dir = join(tempDir(t), 'journal');
  cpSync(pristine, dir, { recursive: true });
  return dir;
}

const file = (dir: string, day: string) => join(dir, `${day}.jsonl`);
const readLinesOf = (path: string) => readFileSync(path, 'utf8').split('\n').slice(0, -1);
const writeLines = (path: string, lines: string[]) => writeFileSync(path, lines.map((l) => l + '\n').join(''));

async function problems(dir: string): Promise<VerifyProblem[]> {
  const v = await verifyJournal(dir);
  assert.equal(v.ok, v.chains.every((c) => c.problems.length === 0));
  return v.chains.flatMap((c) => c.problems);
}

const brief = (ps: VerifyProblem[]) => ps.map((p) => `${p.kind} ${p.file}:${p.line}`);

test('an intact journal across daily files and a restart verifies', async (t) => {
  const dir = await journal(t);
  const v = await verifyJournal(dir);
  assert.ok(v.ok);
  assert.equal(v.chains.length, 1);
  const c = v.chains[0]!;
  assert.deepEqual([c.files, c.lines, c.firstSeq, c.lastSeq, c.problemCount], [3, 24, 1, 24, 0]);
  assert.equal(c.firstTs, '2026-11-20T10:00:00.000Z');
  assert.equal(c.lastTs, '2026-11-22T17:00:00.000Z');
});

test('a changed line is named by file and line', async (t) => {
  const dir = await journal(t);
  const f = file(dir, '2026-11-21');
  const ls = readLinesOf(f);
  ls[2] = ls[2]!.replace('"result_ids":[110]', '"result_ids":[999]');
  writeLines(f, ls);
  const ps = await problems(dir);
  assert.deepEqual(brief(ps), ['changed 2026-11-21.jsonl:3']);
  assert.match(ps[0]!.message, /line 3 \(seq 11\) was changed: its text no longer matches its hash/);
});

test('a changed line with a recomputed hash is caught by the next line', async (t) => {
  const dir = await journal(t);
  const f = file(dir, '2026-11-21');
  const ls = readLinesOf(f);
  const e = JSON.parse(ls[2]!) as JournalEntry;
  const { hash: _drop, ...body } = { ...e, result_ids: [999] };
  ls[2] = sealLine(body).line.trimEnd();
  writeLines(f, ls);
  const ps = await problems(dir);
  assert.deepEqual(brief(ps), ['changed 2026-11-21.jsonl:4']);
  assert.match(ps[0]!.message, /does not chain to 2026-11-21.jsonl:3/);
});

test('a removed line: the gap is reported at the line after it', async (t) => {
  const dir = await journal(t);
  const f = file(dir, '2026-11-21');
  const ls = readLinesOf(f);
  ls.splice(4, 1);
  writeLines(f, ls);
  const ps = await problems(dir);
  assert.deepEqual(brief(ps), ['removed 2026-11-21.jsonl:5']);
  assert.match(ps[0]!.message, /1 line is missing before line 5 \(seq 13\)/);
});

test('a removed file in the middle is reported across the files', async (t) => {
  const dir = await journal(t);
  unlinkSync(file(dir, '2026-11-21'));
  const ps = await problems(dir);
  assert.deepEqual(brief(ps), ['removed 2026-11-22.jsonl:1']);
  assert.match(ps[0]!.message, /8 lines are missing before line 1 \(seq 9–16\), between 2026-11-20.jsonl and 2026-11-22.jsonl/);
});

test('a folder in place of a day file: verify reports the missing lines, audit reads the rest (no EISDIR)', async (t) => {
  const dir = await journal(t);
  unlinkSync(file(dir, '2026-11-21'));
  mkdirSync(file(dir, '2026-11-21'));
  assert.deepEqual(brief(await problems(dir)), ['removed 2026-11-22.jsonl:1']);
  const { groupJournal } = await import('../../src/audit/group.js');
  const report = await groupJournal([dir], {}, { by: 'day', workers: 1 });
  assert.ok(report.totals.calls > 0);
});

test('an inserted line (forged, with a valid hash of its own) is reported, once', async (t) => {
  const dir = await journal(t);
  const f = file(dir, '2026-11-20');
  const ls = readLinesOf(f);
  const forged = sealLine({ ...(JSON.parse(ls[3]!) as JournalEntry), seq: 50, method: 'unlink', hash: undefined } as unknown as Omit<JournalEntry, 'hash'>).line.trimEnd();
  ls.splice(4, 0, forged);
  writeLines(f, ls);
  const ps = await problems(dir);
  assert.deepEqual(brief(ps), ['inserted 2026-11-20.jsonl:5']);
});

test('an inserted copy of an earlier line is reported', async (t) => {
  const dir = await journal(t);
  const f = file(dir, '2026-11-20');
  const ls = readLinesOf(f);
  ls.splice(5, 0, ls[1]!);
  writeLines(f, ls);
  const ps = await problems(dir);
  assert.deepEqual(brief(ps), ['inserted 2026-11-20.jsonl:6']);
  assert.match(ps[0]!.message, /claims seq 2 \(already used\)/);
});

test('a duplicated line is reported as such', async (t) => {
  const dir = await journal(t);
  const f = file(dir, '2026-11-22');
  const ls = readLinesOf(f);
  ls.splice(3, 0, ls[2]!);
  writeLines(f, ls);
  const ps = await problems(dir);
  assert.deepEqual(brief(ps), ['duplicated 2026-11-22.jsonl:4']);
});

test('two swapped lines are reported once, as reordered', async (t) => {
  const dir = await journal(t);
  const f = file(dir, '2026-11-21');
  const ls = readLinesOf(f);
  [ls[5], ls[6]] = [ls[6]!, ls[5]!];
  writeLines(f, ls);
  const ps = await problems(dir);
  assert.deepEqual(brief(ps), ['reordered 2026-11-21.jsonl:6']);
  assert.match(ps[0]!.message, /line 6 has seq 15, but seq 14 comes later, at 2026-11-21.jsonl:7/);
});

test('two swapped lines at the very end are still reordered, not inserted', async (t) => {
  const dir = await journal(t);
  const f = file(dir, '2026-11-22');
  const ls = readLinesOf(f);
  [ls[6], ls[7]] = [ls[7]!, ls[6]!];
  writeLines(f, ls);
  assert.deepEqual(brief(await problems(dir)), ['reordered 2026-11-22.jsonl:7']);
});

test('a journal cut in the middle of its last line is truncated', async (t) => {
  const dir = await journal(t);
  const f = file(dir, '2026-11-22');
  truncateSync(f, statSync(f).size - 40);
  const ps = await problems(dir);
  assert.deepEqual(brief(ps), ['truncated 2026-11-22.jsonl:8']);
});

test('whole lines cut from the end are caught by the head record', async (t) => {
  const dir = await journal(t);
  const f = file(dir, '2026-11-22');
  const ls = readLinesOf(f);
  writeLines(f, ls.slice(0, 5));
  const ps = await problems(dir);
  assert.deepEqual(brief(ps), ['end_missing 2026-11-22.jsonl:5']);
  assert.match(ps[0]!.message, /ends at seq 21 .* but seq 24 was written .*: 3 lines were removed from the end/);
});

test('the newest file removed is caught by the head record too', async (t) => {
  const dir = await journal(t);
  unlinkSync(file(dir, '2026-11-22'));
  assert.deepEqual(brief(await problems(dir)), ['end_missing 2026-11-21.jsonl:8']);
  // Every file gone, only the head left.
  unlinkSync(file(dir, '2026-11-21'));
  unlinkSync(file(dir, '2026-11-20'));
  const v = await verifyJournal(dir);
  assert.equal(v.ok, false);
  assert.match(v.chains[0]!.problems[0]!.message, /24 lines were removed/);
});

test('a line that is not JSON, and an empty line, are reported where they are', async (t) => {
  const dir = await journal(t);
  const f = file(dir, '2026-11-20');
  const ls = readLinesOf(f);
  ls[1] = 'garbage';
  ls.splice(4, 0, '');
  writeLines(f, ls);
  assert.deepEqual(brief(await problems(dir)), ['not_an_entry 2026-11-20.jsonl:2', 'not_an_entry 2026-11-20.jsonl:5']);
});

test('the first line removed is start_missing; the entries go on verifying after each problem', async (t) => {
  const dir = await journal(t);
  const f = file(dir, '2026-11-20');
  const ls = readLinesOf(f);
  writeLines(f, ls.slice(1));
  const g = file(dir, '2026-11-22');
  const gl = readLinesOf(g);
  gl[0] = gl[0]!.replace('"ms":10', '"ms":11');
  writeLines(g, gl);
  const v = await verifyJournal(dir);
  assert.equal(v.ok, false);
  assert.deepEqual(brief(v.chains[0]!.problems), ['start_missing 2026-11-20.jsonl:1', 'changed 2026-11-22.jsonl:1']);
  assert.equal(v.chains[0]!.problemCount, 2);
});

test('several folders and replicas: each chain is checked on its own', async (t) => {
  const a = await journal(t);
  const b = join(tempDir(t), 'b');
  await writeJournal(b, inputs().slice(0, 5), { replica: 'r1' });
  await writeJournal(b, inputs().slice(0, 3), { replica: 'r2' });
  const f = join(b, '2026-11-20.r2.jsonl');
  const ls = readLinesOf(f);
  writeLines(f, [ls[0]!, ls[2]!]);
  const v = await verifyJournal([a, b]);
  assert.equal(v.ok, false);
  assert.deepEqual(v.chains.map((c) => [c.replica ?? '-', c.ok]), [['-', true], ['r1', true], ['r2', false]]);
  assert.deepEqual(brief(v.chains[2]!.problems), ['removed 2026-11-20.r2.jsonl:2']);
  assert.equal(pristineEntries.length, 24);
});

test('a folder with no journal file (emptied, only its lock or probe left) or no folder at all is no_journal, unless allowed', async (t) => {
  const dir = await journal(t);
  for (const name of readdirSync(dir)) unlinkSync(join(dir, name));
  writeFileSync(join(dir, '.lock.json'), '{"pid":1,"host":"h"}\n');
  writeFileSync(join(dir, '.probe'), ' ');
  const v = await verifyJournal(dir);
  assert.equal(v.ok, false);
  assert.deepEqual(v.chains.map((c) => [c.dir, c.problems.map((p) => p.kind)]), [[dir, ['no_journal']]]);
  assert.match(v.chains[0]!.problems[0]!.message, /holds no journal file: the journal was removed, or no proxy has written here yet/);
  assert.deepEqual(await verifyJournal(dir, { allowEmpty: true }), { ok: true, chains: [] });
  const gone = join(dir, 'nope');
  assert.deepEqual(brief(v.chains[0]!.problems), ['no_journal -:0']);
  assert.match((await verifyJournal(gone)).chains[0]!.problems[0]!.message, /does not exist/);
  assert.ok((await verifyJournal(gone, { allowEmpty: true })).ok);
  // Another folder that does hold a journal does not make up for an empty one.
  const other = await journal(t);
  assert.deepEqual((await verifyJournal([other, dir])).chains.map((c) => [c.dir, c.ok]), [[dir, false], [other, true]]);
});

test('a retention record does not hide lines cut by hand where it cannot be retention\'s: a cut inside a line, a day not older than what is left, another chain\'s file', async (t) => {
  const cases: { what: string; cut: (dir: string) => { seq: number; hash: string }; through: string; says: RegExp }[] = [
    {
      what: 'the oldest file cut by bytes, in the middle of its fifth line',
      cut: (dir) => {
        const f = file(dir, '2026-11-20');
        const ls = readLinesOf(f);
        writeLines(f, [ls[4]!.slice(10), ...ls.slice(5)]);
        return JSON.parse(ls[4]!) as JournalEntry;
      },
      through: '2026-11-19.jsonl',
      says: /entries before line 2 of 2026-11-20\.jsonl were removed, but retention removes whole files only/,
    },
    {
      what: 'a whole file removed, the record naming the day left',
      cut: (dir) => {
        const ls = readLinesOf(file(dir, '2026-11-20'));
        unlinkSync(file(dir, '2026-11-20'));
        return JSON.parse(ls[7]!) as JournalEntry;
      },
      through: '2026-11-21.jsonl',
      says: /names 2026-11-21\.jsonl, which is not older than 2026-11-21\.jsonl, the oldest file left/,
    },
    {
      what: 'a whole file removed, the record naming today',
      cut: (dir) => {
        const ls = readLinesOf(file(dir, '2026-11-20'));
        unlinkSync(file(dir, '2026-11-20'));
        return JSON.parse(ls[7]!) as JournalEntry;
      },
      through: 'today',
      says: /names "today", not a journal file of this chain/,
    },
    {
      what: "a whole file removed, the record naming another replica's file",
      cut: (dir) => {
        const ls = readLinesOf(file(dir, '2026-11-20'));
        unlinkSync(file(dir, '2026-11-20'));
        return JSON.parse(ls[7]!) as JournalEntry;
      },
      through: '2026-11-20.r2.jsonl',
      says: /not a journal file of this chain/,
    },
  ];
  for (const c of cases) {
    const dir = await journal(t);
    const last = c.cut(dir);
    writeFileSync(join(dir, '.pruned.json'), JSON.stringify({ seq: last.seq, hash: last.hash, through: c.through, at: new Date().toISOString() }));
    const v = await verifyJournal(dir);
    assert.equal(v.ok, false, c.what);
    const missing = v.chains[0]!.problems.filter((p) => p.kind !== 'not_an_entry');
    assert.deepEqual(missing.map((p) => p.kind), ['start_missing'], c.what);
    assert.match(missing[0]!.message, c.says, c.what);
    assert.equal(v.chains[0]!.prunedThrough, undefined);
  }
  // What retention itself writes still verifies.
  const dir = await journal(t);
  const ls = readLinesOf(file(dir, '2026-11-20'));
  unlinkSync(file(dir, '2026-11-20'));
  const last = JSON.parse(ls[7]!) as JournalEntry;
  writeFileSync(join(dir, '.pruned.json'), JSON.stringify({ seq: last.seq, hash: last.hash, through: '2026-11-20.jsonl', at: new Date().toISOString() }));
  const v = await verifyJournal(dir);
  assert.ok(v.ok, JSON.stringify(v.chains[0]!.problems));
  assert.equal(v.chains[0]!.prunedThrough, 8);
});

test('--expect-head: lines cut off the end are caught even with the head record rewritten or deleted; a rewritten chain too', async (t) => {
  const dir = await journal(t);
  const intact = await verifyJournal(dir);
  const head = { replica: undefined, seq: intact.chains[0]!.lastSeq!, hash: intact.chains[0]!.lastHash! };
  assert.deepEqual(head, { replica: undefined, seq: 24, hash: pristineEntries[23]!.hash });
  assert.ok((await verifyJournal(dir, { expectHeads: [head] })).ok);
  // A later head is fine: the chain only goes on.
  const earlier = { replica: undefined, seq: 20, hash: pristineEntries[19]!.hash };
  assert.ok((await verifyJournal(dir, { expectHeads: [earlier] })).ok);
  // The last 3 lines cut and the head record rewritten to match: only the kept value sees it.
  const f = file(dir, '2026-11-22');
  const ls = readLinesOf(f);
  writeLines(f, ls.slice(0, 5));
  const e = JSON.parse(ls[4]!) as JournalEntry;
  writeFileSync(join(dir, '.head.json'), JSON.stringify({ seq: e.seq, hash: e.hash, ts: e.ts, file: '2026-11-22.jsonl' }));
  assert.ok((await verifyJournal(dir)).ok, 'the head record cannot tell');
  const v = await verifyJournal(dir, { expectHeads: [head] });
  assert.deepEqual(brief(v.chains[0]!.problems), ['end_missing 2026-11-22.jsonl:5']);
  assert.match(v.chains[0]!.problems[0]!.message, /ends at seq 21, but seq 24 was written \(--expect-head\): 3 lines were removed from the end/);
  unlinkSync(join(dir, '.head.json'));
  assert.equal((await verifyJournal(dir, { expectHeads: [head] })).ok, false);
  // The chain rewritten from seq 20 on (new hashes): the entry at 20 is not the one recorded.
  const other = await journal(t);
  const g = file(other, '2026-11-22');
  const gl = readLinesOf(g);
  let prev = (JSON.parse(gl[2]!) as JournalEntry).hash;
  for (let i = 3; i < gl.length; i++) {
    const { hash: _h, ...body } = { ...(JSON.parse(gl[i]!) as JournalEntry), prev, ms: 99 };
    const sealed = sealLine(body);
    gl[i] = sealed.line.trimEnd();
    prev = sealed.hash;
  }
  writeLines(g, gl);
  unlinkSync(join(other, '.head.json'));
  assert.ok((await verifyJournal(other)).ok, 'a rewrite with new hashes verifies on its own');
  const r = await verifyJournal(other, { expectHeads: [earlier] });
  assert.equal(r.ok, false);
  assert.match(r.chains[0]!.problems[0]!.message, /the entry at seq 20 is not the one recorded \(--expect-head\): its hash differs/);
  // A replica named that has no file anywhere: the whole chain is gone.
  const lost = await verifyJournal(other, { expectHeads: [{ replica: 'r9', seq: 3, hash: 'a'.repeat(64) }] });
  assert.deepEqual(lost.chains.map((c) => [c.replica ?? '-', c.ok]), [['-', true], ['r9', false]]);
  assert.deepEqual(parseExpectedHead(`r1:12:${'a'.repeat(64)}`), { replica: 'r1', seq: 12, hash: 'a'.repeat(64) });
  assert.deepEqual(parseExpectedHead(`12:${'a'.repeat(64)}`), { replica: undefined, seq: 12, hash: 'a'.repeat(64) });
  assert.equal(parseExpectedHead('12:abc'), undefined);
});

test('--expect-head with one folder per replica: each printed head is met by its own folder, a cut one still caught', async (t) => {
  const dirs = [tempDir(t), tempDir(t)];
  for (const [i, dir] of dirs.entries()) {
    const j = await openJournal({ dir });
    for (let n = 0; n < 3 + i; n++) await j.append({ ts: new Date().toISOString(), key: null, proto: 'json2', decision: 'deny', outcome: 'rejected' });
    await j.close();
  }
  const heads = (await verifyJournal(dirs)).chains.map((c) => ({ replica: c.replica, seq: c.lastSeq!, hash: c.lastHash! }));
  assert.deepEqual(heads.map((h) => h.seq).sort(), [3, 4]);
  const both = await verifyJournal(dirs, { expectHeads: heads });
  assert.ok(both.ok, JSON.stringify(both.chains.map((c) => c.problems)));
  // Cut the last line of the folder whose head is seq 4 (and drop its head record): caught.
  const longer = both.chains.find((c) => c.lastSeq === 4)!.dir;
  const f = join(longer, readdirSync(longer).find((n) => n.endsWith('.jsonl'))!);
  const lines = readFileSync(f, 'utf8').split('\n').filter(Boolean);
  writeFileSync(f, `${lines.slice(0, 3).join('\n')}\n`);
  for (const n of readdirSync(longer)) if (n.startsWith('.head')) unlinkSync(join(longer, n));
  const cut = await verifyJournal(dirs, { expectHeads: heads });
  assert.equal(cut.ok, false);
  assert.ok(cut.chains.some((c) => c.problems.some((p) => p.kind === 'end_missing' && /seq 4 was written/.test(p.message))));
});
