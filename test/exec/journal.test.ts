// An exec run leaves its start and end in the journal, even when its command makes no call: who
// ran what under which scope, until when, and how it ended (exit code, signal, TTL, exec
// interrupted). The start line fails closed; `audit` counts neither line as a call. Real child
// processes and real journal files; the commands wait for events, never for a measured time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { execWorld, runExec, startExec, type ExecWorld } from './support.js';
import { BIN, REPO_ROOT, cliEnvironment, runCli, json, type CliResult } from '../support/cli.js';
import { journalLines } from '../support/journal.js';
import type { ExecEndInfo, ExecStartInfo, JournalEntry } from '../../src/audit/types.js';

const SCOPE = ['--scope', 'res.partner:read(name,email)'];
const WAIT = `echo ready; while :; do sleep 0.1; done`;

const CALLS = String.raw`
import os, sys, xmlrpc.client
url, db, key = os.environ['ODOO_URL'], os.environ['ODOO_DB'], os.environ['ODOO_PASSWORD']
objects = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object')
print(objects.execute_kw(db, 7, key, 'res.partner', 'search_count', [[]]), flush=True)
try:
    objects.execute_kw(db, 7, key, 'crm.lead', 'search_count', [[]])
except xmlrpc.client.Fault:
    print('refused', flush=True)
sys.exit(3)
`;

const end = (e: JournalEntry | undefined) => e?.exec as ExecEndInfo;

describe('exec runs in the journal', { concurrency: true }, () => {
  let w: ExecWorld;
  let n = 0;
  /** A journal folder of its own per test: each test reads only its runs. */
  const folder = (): string => join(w.dir, `journal-${++n}`);
  before(async () => {
    w = await execWorld(19);
  });
  after(() => w.close());

  test('a command that makes no call leaves a start and an end line; audit shows the run and counts no call; verify checks them', async () => {
    const dir = folder();
    const r = await runExec(w, [...SCOPE, '--ttl', '10m', '--audit-dir', dir, '--', 'true']);
    assert.equal(r.code, 0, r.stderr);
    const lines = journalLines(dir);
    assert.deepEqual(lines.map((e) => e.event), ['exec_start', 'exec_end']);
    const [start, stop] = lines as [JournalEntry, JournalEntry];
    assert.equal(start.key, stop.key);
    assert.match(start.key!, /^[0-9a-f]{8}$/);
    assert.equal(start.name, 'exec-true');
    assert.deepEqual(start.temporary, { user: userInfo().username, host: hostname(), cwd: REPO_ROOT, command: 'true' });
    for (const e of lines) for (const m of ['decision', 'outcome', 'proto', 'ms']) assert.equal(m in e, false, `${m} on a run line`);
    const s = start.exec as ExecStartInfo;
    assert.deepEqual(s.scope, ['res.partner:read(name,email)']);
    assert.equal(s.ttl_ms, 600_000);
    assert.ok(Date.parse(s.expires) > Date.parse(start.ts));
    assert.deepEqual({ ...end(stop), ms: 0 }, { how: 'exited', exit_code: 0, calls: 0, denied: 0, ms: 0 });

    const report = await runCli(w, ['audit', '--journal', dir, '--json']);
    assert.equal(report.code, 0, report.stderr);
    const value = json(report);
    assert.equal(value.totals.calls, 0);
    assert.equal(value.rows.length, 1);
    assert.deepEqual([value.rows[0].key, value.rows[0].calls, value.rows[0].run.started, value.rows[0].run.ended, value.rows[0].run.end.exit_code], [start.key, 0, start.ts, stop.ts, 0]);
    const table = await runCli(w, ['audit', '--journal', dir]);
    assert.match(table.stdout, /exec by .*: true .*\n.* run \S+ \S+ to \S+ \S+: exit 0, after \d+s, 0 calls /);
    const calls = json(await runCli(w, ['audit', '--journal', dir, '--calls', '--json']));
    assert.deepEqual(calls.calls.map((c: { event: string; decision: string | null }) => [c.event, c.decision]), [['exec_start', null], ['exec_end', null]]);

    const verify = await runCli(w, ['audit', 'verify', '--journal', dir]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.jsonl'))!);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('"exit_code":0', '"exit_code":1'));
    const tampered = await runCli(w, ['audit', 'verify', '--journal', dir, '--json']);
    assert.equal(tampered.code, 3);
    assert.deepEqual(json(tampered).chains[0].problems.map((p: { kind: string; line: number }) => [p.kind, p.line]), [['changed', 2]]);
    // The end line removed (the head record still says it was written).
    writeFileSync(file, text.split('\n')[0] + '\n');
    const cut = await runCli(w, ['audit', 'verify', '--journal', dir, '--json']);
    assert.equal(cut.code, 3);
    assert.deepEqual(json(cut).chains[0].problems.map((p: { kind: string }) => p.kind), ['end_missing']);
  });

  test("the command's exit code and its calls: counted on the end line, and audit's totals are the calls only", async () => {
    const dir = folder();
    const r = await runExec(w, [...SCOPE, '--audit-dir', dir, '--', 'python3', w.script('calls-exit-3.py', CALLS)]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^\d+\nrefused\n$/);
    const lines = journalLines(dir);
    assert.deepEqual(lines.map((e) => e.event ?? e.decision), ['exec_start', 'allow', 'deny', 'exec_end']);
    assert.deepEqual({ ...end(lines[3]), ms: 0 }, { how: 'exited', exit_code: 3, calls: 2, denied: 1, ms: 0 });
    const value = json(await runCli(w, ['audit', '--journal', dir, '--json']));
    assert.deepEqual(value.totals, { calls: 2, allowed: 1, denied: 1, odoo_errors: 0, upstream_errors: 0 });
    assert.deepEqual([value.rows[0].calls, value.rows[0].run.end.exit_code], [2, 3]);
    for (const by of ['model', 'method', 'day', 'ip']) {
      const rows = json(await runCli(w, ['audit', '--journal', dir, '--json', '--by', by])).rows as { calls: number }[];
      assert.equal(rows.reduce((a, x) => a + x.calls, 0), 2, by);
    }
  });

  test('a command killed by a signal: the signal is recorded; a signal to exec is recorded as interrupted', async () => {
    const dir = folder();
    const self = await runExec(w, [...SCOPE, '--audit-dir', dir, '--', 'sh', '-c', 'kill -KILL $$']);
    assert.equal(self.code, 137, self.stderr);
    const run = startExec(w, [...SCOPE, '--audit-dir', dir, '--', 'sh', '-c', WAIT]);
    await run.waitFor(/^ready$/m);
    run.child.kill('SIGTERM');
    const r = await run.done;
    assert.equal(r.code, 143, r.stderr);
    const ends = journalLines(dir).filter((e) => e.event === 'exec_end').map(end);
    assert.deepEqual(ends.map((x) => [x.how, x.signal, x.exit_code, x.interrupted]), [
      ['signal', 'SIGKILL', 137, undefined],
      ['signal', 'SIGTERM', 143, 'SIGTERM'],
    ]);
  });

  test('the TTL reached: ttl_expired on the end line, and killed_on_expiry with --kill-on-expiry', async () => {
    const dir = folder();
    const r = await runExec(w, [...SCOPE, '--ttl', '2s', '--kill-on-expiry', '--audit-dir', dir, '--', 'sh', '-c', WAIT]);
    assert.equal(r.code, 143, r.stderr);
    const lines = journalLines(dir);
    assert.equal((lines[0]!.exec as ExecStartInfo).kill_on_expiry, true);
    const e = end(lines.at(-1));
    assert.deepEqual([e.how, e.signal, e.ttl_expired, e.killed_on_expiry], ['signal', 'SIGTERM', true, true]);
  });

  test('a start line that cannot be written: exec refuses, runs nothing, and the journal is left as it was', async () => {
    const dir = folder();
    // A run before, so that today's file exists and is larger than the limit set below.
    for (let i = 0; i < 3; i++) assert.equal((await runExec(w, [...SCOPE, '--audit-dir', dir, '--', 'true'])).code, 0);
    const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.exec.jsonl'))!);
    const before = readFileSync(file, 'utf8');
    const blocks = Math.floor(statSync(file).size / 1024);
    assert.ok(blocks >= 1, 'the journal file is larger than the limit');
    const marker = join(w.dir, 'ran-despite-journal');
    // A file size limit (bash counts 1024-byte blocks; Node ignores SIGXFSZ): the lock and head
    // files are small enough, but an append to the journal file fails in the kernel (EFBIG).
    const r = await new Promise<CliResult>((resolve, reject) => {
      const child = spawn('bash', ['-c', `ulimit -f ${blocks}; exec "$@"`, 'bash', process.execPath, BIN, 'exec', ...SCOPE, '--audit-dir', dir, '--', 'sh', '-c', `touch ${marker}`], {
        cwd: REPO_ROOT,
        env: cliEnvironment(w),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^odoo-keys: the journal cannot be written, nothing was run: .*start line/);
    assert.equal(existsSync(marker), false, 'the command never ran');
    assert.equal(readFileSync(file, 'utf8'), before);
    const verify = await runCli(w, ['audit', 'verify', '--journal', dir]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    mkdirSync(dir, { recursive: true });
  });
});
