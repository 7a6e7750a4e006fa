import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync, appendFileSync, truncateSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { openJournal, pruneJournal, JournalError } from '../../src/audit/journal.js';
import { PROCESS_SPACE, processStarted } from '../../src/registry/lock.js';
import { GENESIS, boundEntry, checkLine, redactSecrets } from '../../src/audit/chain.js';
import fc from 'fast-check';
import { verifyJournal } from '../../src/audit/verify.js';
import type { JournalInput } from '../../src/audit/types.js';
import { ROOT, sampleInputs, tempDir, writeJournal } from './fixtures.js';

const call = (n: number): JournalInput => ({ key: '7f3a9c2e', name: 'website-form', proto: 'json2', model: 'crm.lead', method: 'create', decision: 'allow', rule: 0, outcome: 'ok', result_ids: [n], ms: 1 });

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean);
}

async function waitFor(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('each line carries seq, prev and its own hash; files are daily (UTC), 0600 in a 0700 folder', async (t) => {
  const dir = join(tempDir(t), 'state', 'journal');
  const entries = await writeJournal(dir, sampleInputs());
  assert.deepEqual(entries.map((e) => e.seq), entries.map((_, i) => i + 1));
  assert.equal(entries[0]!.prev, GENESIS);
  for (let i = 1; i < entries.length; i++) assert.equal(entries[i]!.prev, entries[i - 1]!.hash);
  const files = readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort();
  assert.deepEqual(files, ['2026-11-20.jsonl', '2026-11-21.jsonl', '2026-11-22.jsonl', '2026-11-23.jsonl', '2026-11-24.jsonl', '2026-11-25.jsonl']);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  for (const f of files) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
  const first = lines(join(dir, '2026-11-20.jsonl'))[0]!;
  const checked = checkLine(first);
  assert.ok(checked.ok);
  assert.deepEqual(checked.entry, { ...entries[0] });
  // The documented member order: ts and seq first, prev and hash last.
  assert.match(first, /^\{"ts":"2026-11-20T09:00:00.000Z","seq":1,"key":"7f3a9c2e","name":"website-form",.*"prev":"0{64}","hash":"[0-9a-f]{64}"\}$/);
});

test('only documented members are written, and key-shaped text is redacted', async (t) => {
  const dir = tempDir(t);
  const j = await openJournal({ dir });
  t.after(() => j.close());
  const secret = 'odk_7f3a9c2e_' + 'S3cr3tS3cr3tS3cr3tS3cr3tS3cr3t';
  const e = await j.append({
    ...call(1),
    decision: 'deny',
    outcome: 'denied',
    reason: `bad credential ${secret}`,
    error: { name: 'AccessDenied', message: `key ${secret} refused` },
    notes: [`saw ${secret}`],
    temporary: { user: 'u', host: 'h', cwd: '/', command: `curl -u ${secret}` },
    // Not part of the entry: must never reach the file.
    ...({ password: 'hunter2', vals: { email: 'a@b.c' } } as object),
  });
  await j.flush();
  const text = readFileSync(j.currentFile!, 'utf8');
  assert.ok(!text.includes('S3cr3t'), 'secret leaked');
  assert.ok(!text.includes('hunter2') && !text.includes('a@b.c'), 'unknown members leaked');
  assert.match(text, /odk_7f3a9c2e_\[redacted\]/);
  assert.equal(e.reason, 'bad credential odk_7f3a9c2e_[redacted]');
});

test('a key pasted into any text member (model, method, field names, context keys, paths) is redacted', async (t) => {
  const dir = tempDir(t);
  const j = await openJournal({ dir });
  t.after(() => j.close());
  const secret = 'odk_7f3a9c2e_' + 'S3cr3tS3cr3tS3cr3tS3cr3tS3cr3t';
  await j.append({
    ...call(1),
    name: secret,
    profile: secret,
    service: secret,
    function: secret,
    model: secret,
    method: secret,
    fields: [secret],
    read_fields: [secret],
    search_fields: [secret],
    context_keys: [secret],
    x2many: [{ field: secret, ops: [0], fields: [secret] }],
    domain_leaves: [['name', '=', secret]],
    decision: 'deny',
    outcome: 'denied',
    error: { name: secret, message: 'x' },
    temporary: { user: secret, host: secret, cwd: `/home/${secret}`, command: 'x' },
  });
  await j.flush();
  const text = readFileSync(j.currentFile!, 'utf8');
  assert.ok(!text.includes('S3cr3t'), `secret leaked: ${text}`);
  assert.equal(text.match(/odk_7f3a9c2e_\[redacted\]/g)?.length, 17); // every member above
});

test('a line is bounded whatever a caller passes: names cut to 256 characters, lists to 500 (ids to 1000), the rest counted in more', async (t) => {
  const dir = tempDir(t);
  const j = await openJournal({ dir });
  t.after(() => j.close());
  const huge = 'x'.repeat(1_000_000);
  const many = (n: number, p = 'f') => Array.from({ length: n }, (_, i) => `${p}${i}`);
  const secret = 'odk_7f3a9c2e_' + 'S3cr3tS3cr3tS3cr3tS3cr3tS3cr3t';
  const input: JournalInput = {
    ...call(1),
    ip: huge,
    model: huge,
    method: 'y'.repeat(220) + secret + ' ' + 'z'.repeat(30), // a key across the cut is redacted, never cut in half
    ids: Array.from({ length: 1500 }, (_, i) => i + 1),
    result_ids: Array.from({ length: 1001 }, (_, i) => i + 1),
    fields: [huge, ...many(600)],
    read_fields: many(501),
    search_fields: many(500),
    context_keys: [...many(700), huge],
    x2many: [...Array.from({ length: 510 }, (_, i) => ({ field: `x${i}${huge}`, ops: [0, 1, 4], fields: many(300) }))],
    domain_leaves: [...Array.from({ length: 600 }, (_, i) => [`p${i}`, 'in', many(20, 'v')] as [string, string, string[]])],
    decision: 'deny',
    reason: huge,
    outcome: 'denied',
    error: { name: huge, message: huge },
    notes: [...many(60, huge)],
    // A count a caller passed (a line bounded before) is kept and added to; anything else in it is dropped.
    more: { fields: 7, bogus: 3, ids: -1 } as Record<string, number>,
  };
  const e = await j.append(input);
  await j.flush();
  const line = readFileSync(j.currentFile!, 'utf8');
  assert.ok(line.length < 1_000_000, `${line.length} characters`);
  assert.ok(!line.includes('S3cr3t'));
  const back = JSON.parse(line) as JournalInput;
  assert.equal(back.model, `${'x'.repeat(256 - '... (1000000 characters)'.length)}... (1000000 characters)`);
  for (const name of [back.ip!, back.model!, back.method!, back.error!.name, ...back.fields!, ...back.context_keys!, ...back.x2many!.map((x) => x.field)]) assert.ok(name.length <= 256, name.slice(0, 40));
  for (const text of [back.reason!, back.error!.message, ...back.notes!]) assert.ok(text.length <= 4096);
  assert.match(back.method!, /^y{220}odk_7f3a9c2e_\[re\.\.\. \(274 characters\)$/);
  assert.ok(!line.includes('S3c'));
  assert.deepEqual(
    [back.ids!.length, back.result_ids!.length, back.fields!.length, back.read_fields!.length, back.search_fields!.length, back.context_keys!.length, back.x2many!.length, back.domain_leaves!.length, back.notes!.length],
    [1000, 1000, 500, 500, 500, 500, 500, 500, 50],
  );
  assert.equal(back.x2many!.reduce((n, x) => n + x.fields.length, 0), 500, 'the lists inside x2many share one list\'s room');
  assert.equal(back.domain_leaves!.reduce((n, l) => n + (l[2] as string[]).length, 0), 500);
  assert.deepEqual(back.more, {
    ids: 500,
    fields: 7 + 101,
    read_fields: 1,
    context_keys: 201,
    x2many: 10,
    'x2many.ops': 500 * 3 - 500,
    'x2many.fields': 500 * 300 - 500,
    domain_leaves: 100,
    'domain_leaves.values': 500 * 20 - 500,
    result_ids: 1,
    notes: 10,
  });
  // What the proxy bounds first is written as it is: bounding twice changes nothing.
  const once = boundEntry(input);
  assert.deepEqual(boundEntry(once), once);
  const { seq: _s, prev: _p, hash: _h, ts: _t, ...written } = e;
  const { ts: _t2, ...bounded } = once;
  assert.deepEqual(bounded, written);
});

test('redactSecrets skips the regular expression only for text that cannot match it (property)', () => {
  // The pattern as documented (odk_<id>_<secret>, any case): the oracle the fast path must agree with.
  const keyLike = /odk_([0-9a-z]{1,32})_[A-Za-z0-9_\-+/=]{6,}/gi;
  const pieces = fc.constantFrom('odk_', 'ODK_', 'oDk_', 'Odk', 'od', 'k_', '_', 'o', 'd', 'k', 'K', '7f3a9c2e', 'S3cr3tS3', '+/=', ' ', 'é', 'x');
  fc.assert(
    fc.property(fc.array(pieces, { maxLength: 24 }), (parts) => {
      const text = parts.join('');
      assert.equal(redactSecrets(text), text.replace(keyLike, 'odk_$1_[redacted]'));
    }),
    { numRuns: 20_000, seed: 20261129 },
  );
});

test('concurrent appends keep arrival order, seq and chain intact (group commit)', async (t) => {
  const dir = tempDir(t);
  const j = await openJournal({ dir, sync: 'batch' });
  const results = await Promise.all(Array.from({ length: 2000 }, (_, i) => j.append(call(i))));
  // A second wave while the first group may still be writing.
  const more = await Promise.all(Array.from({ length: 500 }, (_, i) => j.append(call(2000 + i))));
  await j.close();
  const all = [...results, ...more];
  assert.deepEqual(all.map((e) => e.seq), all.map((_, i) => i + 1));
  assert.deepEqual(all.map((e) => e.result_ids![0]), all.map((_, i) => i));
  const file = lines(join(dir, readdirSync(dir).find((n) => n.endsWith('.jsonl'))!));
  assert.equal(file.length, 2500);
  const v = await verifyJournal(dir);
  assert.ok(v.ok, JSON.stringify(v.chains[0]?.problems));
  assert.equal(v.chains[0]!.lastSeq, 2500);
});

test('the chain continues across restarts and daily files, in every sync mode', async (t) => {
  for (const sync of ['batch', 'interval', 'none'] as const) {
    const dir = tempDir(t);
    const inputs = sampleInputs();
    const entries = await writeJournal(dir, inputs, { sync, restartAt: [3, 4, 9] });
    assert.deepEqual(entries.map((e) => e.seq), inputs.map((_, i) => i + 1), sync);
    const v = await verifyJournal(dir);
    assert.ok(v.ok, `${sync}: ${JSON.stringify(v.chains[0]?.problems)}`);
    assert.equal(v.chains[0]!.lastSeq, inputs.length);
  }
});

test('replicas write their own files and chains in one folder', async (t) => {
  const dir = tempDir(t);
  const clock = () => new Date('2026-11-28T10:00:00Z');
  const a = await openJournal({ dir, replica: 'a', now: clock });
  const b = await openJournal({ dir, replica: 'b', now: clock });
  await Promise.all([a.append(call(1)), b.append(call(2)), a.append(call(3))]);
  await a.close();
  await b.close();
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort(), ['2026-11-28.a.jsonl', '2026-11-28.b.jsonl']);
  const v = await verifyJournal(dir);
  assert.ok(v.ok);
  assert.deepEqual(v.chains.map((c) => [c.replica, c.lastSeq]), [['a', 2], ['b', 1]]);
  await assert.rejects(openJournal({ dir, replica: '../x' }), (e: unknown) => e instanceof JournalError && e.code === 'journal_bad_replica');
});

test('one writer per chain: a second live writer is refused, a dead one\'s lock is taken over', async (t) => {
  const dir = tempDir(t);
  const j = await openJournal({ dir });
  await assert.rejects(openJournal({ dir }), (e: unknown) => e instanceof JournalError && e.code === 'journal_locked' && /in use by process \d+/.test(e.message));
  const other = await openJournal({ dir, replica: 'r2' });
  await other.close();
  await j.close();
  const again = await openJournal({ dir });
  await again.close();
  // A lock left by a process that has exited (killed, crashed).
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  writeFileSync(join(dir, '.lock.json'), JSON.stringify({ pid: Number(dead.stdout.trim()), host: hostname(), since: new Date().toISOString() }));
  const taken = await openJournal({ dir });
  assert.ok(taken.healthy);
  await taken.close();
  assert.equal(existsSync(join(dir, '.lock.json')), false, 'close releases the lock');
});

test('a journal lock whose pid now belongs to another process, or left by another pid namespace (a restarted container) and no longer touched, is taken over; a live writer is not', { skip: processStarted(process.pid) === undefined && 'no /proc here' }, async (t) => {
  const dir = tempDir(t);
  mkdirSync(dir, { recursive: true });
  const lockFile = join(dir, '.lock.json');
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => other.kill());
  await new Promise((r) => other.once('spawn', r));
  const started = processStarted(other.pid!)!;
  const holder = { pid: other.pid!, host: hostname(), since: new Date().toISOString(), ...(PROCESS_SPACE ? { space: PROCESS_SPACE } : {}) };
  // The writer is that very process: refused.
  writeFileSync(lockFile, JSON.stringify({ ...holder, started }));
  await assert.rejects(openJournal({ dir }), (e: unknown) => e instanceof JournalError && e.code === 'journal_locked');
  // The writer started before the process that has its pid now: it is gone.
  writeFileSync(lockFile, JSON.stringify({ ...holder, started: started - 1 }));
  const taken = await openJournal({ dir });
  assert.ok(taken.healthy);
  await taken.close();
  // Another pid namespace (a container restarted on the same volume): its pid means nothing here,
  // even one alive here. Touched lately: a live writer there, refused; untouched for a minute: taken.
  const elsewhere = { pid: process.pid === 1 ? 2 : 1, host: hostname(), since: new Date().toISOString(), space: 'another-boot/pid:[1]' };
  writeFileSync(lockFile, JSON.stringify(elsewhere));
  await assert.rejects(openJournal({ dir }), (e: unknown) => e instanceof JournalError && e.code === 'journal_locked' && /another host or pid namespace; its lock was touched \d+ s ago: if that process is gone, the lock is taken over once untouched for 30 s/.test(e.message));
  const old = new Date(Date.now() - 60_000);
  utimesSync(lockFile, old, old);
  const again = await openJournal({ dir });
  assert.ok(again.healthy);
  await again.close();
});

test('a journal lock being written (empty or cut short) is not taken over until it is old: two writers starting together both took the chain', async (t) => {
  const dir = tempDir(t);
  mkdirSync(dir, { recursive: true });
  const lockFile = join(dir, '.lock.json');
  const locked = (e: unknown) => e instanceof JournalError && e.code === 'journal_locked';
  // What a writer that has just created the lock and not yet written it (an older version wrote in two steps) leaves.
  for (const text of ['', '{"pid":']) {
    writeFileSync(lockFile, text);
    await assert.rejects(openJournal({ dir }), locked);
    assert.equal(readFileSync(lockFile, 'utf8'), text, 'left in place');
  }
  // Left that way for a minute: its writer died while writing it.
  const old = new Date(Date.now() - 60_000);
  utimesSync(lockFile, old, old);
  const j = await openJournal({ dir });
  assert.ok(j.healthy);
  await j.close();
  // No private copy of a lock record is left behind.
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.lock')), []);
});

test('a stale journal lock another process is breaking right now is left to it: two takers of one stale lock both held the chain', async (t) => {
  const dir = tempDir(t);
  mkdirSync(dir, { recursive: true });
  const lockFile = join(dir, '.lock.json');
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const theirs = JSON.stringify({ pid: Number(dead.stdout.trim()), host: hostname(), since: new Date().toISOString() });
  writeFileSync(lockFile, theirs);
  // The other taker's breaker: it judged the same lock stale and is replacing it with its own.
  writeFileSync(`${lockFile}.break`, '');
  await assert.rejects(openJournal({ dir }), (e: unknown) => e instanceof JournalError && e.code === 'journal_locked');
  assert.equal(readFileSync(lockFile, 'utf8'), theirs, 'not removed under the other taker');
  unlinkSync(`${lockFile}.break`);
  const j = await openJournal({ dir });
  assert.ok(j.healthy);
  await j.close();
});

test('a writer whose journal lock was taken over (judged gone: stopped, suspended, a clock step) stops writing, does not touch the new lock and does not remove it', async (t) => {
  const dir = tempDir(t);
  const lockFile = join(dir, '.lock.json');
  const j = await openJournal({ dir });
  t.after(() => j.close());
  await j.append(call(1));
  // Another container on the same volume found the lock untouched for 30 s and took it over.
  const theirs = JSON.stringify({ pid: 1, host: hostname(), since: new Date().toISOString(), space: 'another-boot/pid:[1]' }) + '\n';
  writeFileSync(`${lockFile}.theirs`, theirs);
  unlinkSync(lockFile);
  renameSync(`${lockFile}.theirs`, lockFile);
  await assert.rejects(j.append(call(2)), (e: unknown) => e instanceof JournalError && e.code === 'journal_locked' && /taken over by another process/.test(e.message));
  assert.equal(j.healthy, false);
  await j.close();
  assert.equal(readFileSync(lockFile, 'utf8'), theirs, 'the other writer\'s lock is left alone');
  const lines = readFileSync(join(dir, readdirSync(dir).find((n) => n.endsWith('.jsonl'))!), 'utf8').trim().split('\n');
  assert.equal(lines.length, 1, 'nothing written under the other writer');
});

test('fail closed: a journal path that cannot be a folder leaves the journal unhealthy and appends rejected', async (t) => {
  const parent = tempDir(t);
  const notADir = join(parent, 'file');
  writeFileSync(notADir, 'x');
  const changes: boolean[] = [];
  const j = await openJournal({ dir: join(notADir, 'journal'), retryMs: 20, onHealthChange: (h) => changes.push(h) });
  t.after(() => j.close());
  assert.equal(j.healthy, false);
  assert.match(j.lastError!.message, /cannot be written: .*ENOTDIR/);
  await assert.rejects(j.append(call(1)), (e: unknown) => e instanceof JournalError && e.code === 'journal_unwritable' && /ENOTDIR/.test(e.message));
  assert.equal(j.healthy, false);
  // Once the path can be a folder, the periodic retry makes the journal healthy again.
  unlinkSync(notADir);
  await waitFor(() => j.healthy, 'recovery');
  const e = await j.append(call(2));
  assert.equal(e.seq, 1);
  assert.deepEqual(changes, [true]);
});

test('fail closed: a write the kernel refuses (file size limit, EFBIG) turns the journal unhealthy; the cut group leaves no trace', async (t) => {
  const dir = tempDir(t);
  // The limit applies to every file the child writes; SIGXFSZ is ignored so the write fails instead.
  const child = spawnSync('sh', ['-c', `trap '' XFSZ; ulimit -f 64; exec "$0" "$@"`, process.execPath, join(ROOT, 'dist', 'test', 'audit', 'fsize-child.js'), dir], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const r = JSON.parse(child.stdout) as Record<string, unknown>;
  assert.ok((r.written as number) > 10, `only ${r.written} lines fitted`);
  assert.match(r.firstError as string, /cannot be written: .*EFBIG/);
  assert.equal(r.healthyAfterFailure, false);
  assert.match(r.lastError as string, /EFBIG/);
  assert.match(r.secondError as string, /EFBIG/, 'the append after the failure retried and was refused too');
  assert.equal(r.seqAfter, (r.written as number) + 1, 'rejected appends take no seq');
  assert.equal(r.healthyAtEnd, true);
  assert.deepEqual(r.health, [true, false, true]);
  // The group the limit cut in the middle was cut back: every line left is whole and chained.
  const v = await verifyJournal(dir);
  assert.ok(v.ok, JSON.stringify(v.chains[0]?.problems));
  assert.equal(v.chains[0]!.lastSeq, r.seqAfter);
});

test('fail closed: a full disk (a 64 KB tmpfs) turns the journal unhealthy; freeing space brings it back', async (t) => {
  const mnt = mkdtempSync(join(tmpdir(), 'odoo-keys-tmpfs-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    rmSync(mnt, { recursive: true, force: true });
    return t.skip(`a tmpfs cannot be mounted here (${(mounted.stderr || mounted.error?.message || '').trim()}); the EFBIG test covers a refused write`);
  }
  const dir = join(mnt, 'journal');
  const health: boolean[] = [];
  const j = await openJournal({ dir, sync: 'batch', retryMs: 20, onHealthChange: (h) => health.push(h) });
  t.after(async () => {
    await j.close();
    spawnSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });
  await j.append(call(1));
  // Fill the disk.
  const filler = join(mnt, 'filler');
  try {
    for (let i = 0; i < 1000; i++) appendFileSync(filler, Buffer.alloc(4096, 1));
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  const failed = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => j.append(call(100 + i))));
  assert.ok(failed.some((f) => f.status === 'rejected' && /ENOSPC/.test(String(f.reason?.message))), 'a write failed with ENOSPC');
  assert.equal(j.healthy, false);
  assert.match(j.lastError!.message, /ENOSPC/);
  unlinkSync(filler);
  await waitFor(() => j.healthy, 'recovery once there is room');
  const e = await j.append(call(2));
  await j.close();
  const v = await verifyJournal(dir);
  assert.ok(v.ok, JSON.stringify(v.chains[0]?.problems));
  assert.equal(v.chains[0]!.lastSeq, e.seq);
  assert.deepEqual(health, [true, false, true]);
});

test('a write cut short by a crash: the writer starts a fresh line, and verify shows the torn one', async (t) => {
  const dir = tempDir(t);
  const inputs = sampleInputs().slice(0, 3);
  await writeJournal(dir, inputs);
  const file = join(dir, '2026-11-20.jsonl');
  appendFileSync(file, '{"ts":"2026-11-20T09:07:00.000Z","seq":4,"key":"7f3');
  const j = await openJournal({ dir, now: () => new Date('2026-11-20T09:08:00Z') });
  const e = await j.append(call(9));
  await j.close();
  assert.equal(e.seq, 4);
  const fileLines = readFileSync(file, 'utf8').split('\n');
  assert.equal(fileLines[3], '{"ts":"2026-11-20T09:07:00.000Z","seq":4,"key":"7f3');
  assert.ok(checkLine(fileLines[4]!).ok);
  const v = await verifyJournal(dir);
  assert.equal(v.ok, false);
  assert.deepEqual(v.chains[0]!.problems.map((p) => [p.kind, p.line]), [['not_an_entry', 4]]);
});

test('a crash that lost only the final newline: the writer chains to that complete line, and verify passes', async (t) => {
  const dir = tempDir(t);
  await writeJournal(dir, sampleInputs().slice(0, 3), { sync: 'batch' });
  const file = join(dir, '2026-11-20.jsonl');
  truncateSync(file, statSync(file).size - 1);
  const j = await openJournal({ dir, now: () => new Date('2026-11-20T10:00:00Z') });
  assert.equal(j.seq, 3);
  const e = await j.append(call(1));
  await j.close();
  assert.equal(e.seq, 4);
  assert.deepEqual(lines(file).map((l) => checkLine(l).ok), [true, true, true, true]);
  const v = await verifyJournal(dir);
  assert.ok(v.ok, JSON.stringify(v.chains[0]?.problems));
  // Not yet written after: the line without its newline verifies too.
  truncateSync(file, statSync(file).size - 1);
  assert.ok((await verifyJournal(dir)).ok);
});

test('lines cut off the end while the proxy was down stay visible: numbering resumes after the head record', async (t) => {
  const dir = tempDir(t);
  await writeJournal(dir, sampleInputs().slice(0, 3), { sync: 'batch' });
  const file = join(dir, '2026-11-20.jsonl');
  const keep = lines(file).slice(0, 2).join('\n') + '\n';
  truncateSync(file, Buffer.byteLength(keep));
  const j = await openJournal({ dir, now: () => new Date('2026-11-20T10:00:00Z') });
  const e = await j.append(call(1));
  await j.close();
  assert.equal(e.seq, 4);
  const v = await verifyJournal(dir);
  assert.equal(v.ok, false);
  assert.equal(v.chains[0]!.problems[0]!.kind, 'removed');
  assert.match(v.chains[0]!.problems[0]!.message, /1 line is missing before line 3 \(seq 3\)/);
});

test('a clock stepping back never reopens an older file', async (t) => {
  const dir = tempDir(t);
  let clock = new Date('2026-11-28T10:00:00Z');
  const j = await openJournal({ dir, now: () => clock });
  await j.append(call(1));
  clock = new Date('2026-11-27T23:00:00Z');
  await j.append(call(2));
  await j.close();
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.jsonl')), ['2026-11-28.jsonl']);
  assert.equal(lines(join(dir, '2026-11-28.jsonl')).length, 2);
});

test('appends after close are rejected; close is idempotent', async (t) => {
  const j = await openJournal({ dir: tempDir(t) });
  await j.append(call(1));
  await j.close();
  await j.close();
  await assert.rejects(j.append(call(2)), (e: unknown) => e instanceof JournalError && e.code === 'journal_closed');
  assert.equal(j.healthy, false);
});

test('retention removes whole files past the age, never the newest, and verify still holds', async (t) => {
  const dir = tempDir(t);
  await writeJournal(dir, sampleInputs());
  // 2026-11-28T12:00: files whose day ended more than 4 days before (2026-11-20, -21, -22, -23) go.
  const removed = await pruneJournal(dir, 4 * 86_400_000 + 12 * 3_600_000, new Date('2026-11-28T12:00:00Z'));
  assert.deepEqual(removed.sort(), ['2026-11-20.jsonl', '2026-11-21.jsonl', '2026-11-22.jsonl', '2026-11-23.jsonl']);
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort(), ['2026-11-24.jsonl', '2026-11-25.jsonl']);
  const v = await verifyJournal(dir);
  assert.ok(v.ok, JSON.stringify(v.chains[0]?.problems));
  assert.equal(v.chains[0]!.prunedThrough, 10);
  // Even with a zero age, the newest file of a chain stays.
  assert.deepEqual(await pruneJournal(dir, 1, new Date('2030-01-01T00:00:00Z')), ['2026-11-24.jsonl']);
  assert.deepEqual(await pruneJournal(join(dir, 'nope'), 1), []);
  // Writing goes on from the pruned chain.
  const j = await openJournal({ dir, now: () => new Date('2026-11-29T00:00:00Z') });
  assert.equal((await j.append(call(1))).seq, 14);
  await j.close();
  assert.ok((await verifyJournal(dir)).ok);
});

test('removing the oldest file by hand (not by retention) breaks verify', async (t) => {
  const dir = tempDir(t);
  await writeJournal(dir, sampleInputs());
  unlinkSync(join(dir, '2026-11-20.jsonl'));
  const v = await verifyJournal(dir);
  assert.equal(v.ok, false);
  assert.equal(v.chains[0]!.problems[0]!.kind, 'start_missing');
  assert.match(v.chains[0]!.problems[0]!.message, /starts at seq 4, not 1/);
});

test('a folder that exists but is a journal of nothing opens healthy and writes from seq 1', async (t) => {
  const dir = join(tempDir(t), 'j');
  mkdirSync(dir, { mode: 0o755 });
  const j = await openJournal({ dir });
  assert.ok(j.healthy);
  assert.equal(j.seq, 0);
  assert.equal((await j.append(call(1))).seq, 1);
  await j.close();
});

test('a malformed entry is refused on its own; the others in its group are written', async (t) => {
  const dir = tempDir(t);
  const j = await openJournal({ dir });
  t.after(() => j.close());
  const results = await Promise.allSettled([j.append(call(1)), j.append({ ...call(2), fields: 'name' as unknown as string[] }), j.append(call(3))]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.match(String((results[1] as PromiseRejectedResult).reason), /journal entry refused/);
  assert.deepEqual(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.seq] : [])), [1, 2]);
  assert.ok(j.healthy);
  await j.close();
  assert.ok((await verifyJournal(dir)).ok);
});
