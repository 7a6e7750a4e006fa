// The audit commands as a user runs them: child processes, real files, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, sampleInputs, tempDir, writeJournal } from './fixtures.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const WINDOW = ['--since', '2026-11-01', '--until', '2026-12-01'];

async function stateWithJournal(t: { after: (fn: () => void) => void }): Promise<{ state: string; journal: string }> {
  const state = tempDir(t);
  const journal = join(state, 'journal');
  await writeJournal(journal, sampleInputs());
  return { state, journal };
}

test('audit reads <ODOO_KEYS_STATE_HOME>/journal and shows one row per key, plain without colour', async (t) => {
  const { state } = await stateWithJournal(t);
  const r = await run(['audit', ...WINDOW], { ODOO_KEYS_STATE_HOME: state });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /website-form \(7f3a9c2e\)/);
  assert.match(r.stdout, /nightly-sync \(1c0de5a1\)/);
  assert.match(r.stdout, /!! LEARNING/);
  assert.match(r.stdout, /exec by alice@laptop: python import\.py --all/);
  assert.match(r.stdout, /13 calls from 2026-11-01 00:00:00 to 2026-12-01 00:00:00 UTC: 10 allowed, 3 denied, 2 errors/);
  assert.doesNotMatch(r.stdout, /\x1b\[/);
  const coloured = await run(['audit', ...WINDOW], { ODOO_KEYS_STATE_HOME: state, NO_COLOR: undefined, FORCE_COLOR: '1' });
  assert.match(coloured.stdout, /\x1b\[31m1\x1b\[39m/, 'denials in red when colour is on');
});

test('audit --json and --format json give the report; --format csv gives rows', async (t) => {
  const { state } = await stateWithJournal(t);
  const env = { ODOO_KEYS_STATE_HOME: state };
  const j = await run(['audit', ...WINDOW, '--json'], env);
  assert.equal(j.code, 0, j.stderr);
  const report = JSON.parse(j.stdout);
  assert.equal(report.by, 'key');
  assert.equal(report.rows.length, 5);
  assert.deepEqual(report.totals, { calls: 13, allowed: 10, denied: 3, odoo_errors: 1, upstream_errors: 1 });
  assert.deepEqual(report.journal, [join(state, 'journal')]);
  const f = await run(['audit', ...WINDOW, '--format', 'json'], env);
  assert.deepEqual(JSON.parse(f.stdout), report);
  const csv = await run(['audit', ...WINDOW, '--by', 'model', '--format', 'csv'], env);
  assert.equal(csv.code, 0, csv.stderr);
  const lines = csv.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^group,key,name,/);
  assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), ['crm.lead', 'x_saas_stats', 'product.product', 'sale.order', '(common)', 'res.partner']);
});

test('audit --by day|ip|method in a table', async (t) => {
  const { state } = await stateWithJournal(t);
  const env = { ODOO_KEYS_STATE_HOME: state };
  const day = await run(['audit', ...WINDOW, '--by', 'day'], env);
  assert.match(day.stdout, /│ day +│/);
  assert.match(day.stdout, /2026-11-21 +│ 4 /);
  const ip = await run(['audit', ...WINDOW, '--by', 'ip', '--json'], env);
  assert.equal(JSON.parse(ip.stdout).rows.length, 6);
  const method = await run(['audit', ...WINDOW, '--by', 'method', '--json'], env);
  assert.ok(JSON.parse(method.stdout).rows.some((r: { group: string }) => r.group === 'common.authenticate'));
  const bad = await run(['audit', '--by', 'colour'], env);
  assert.equal(bad.code, 2);
});

test('audit --key NAME --calls lists that key\'s calls; filters combine', async (t) => {
  const { state } = await stateWithJournal(t);
  const env = { ODOO_KEYS_STATE_HOME: state };
  const table = await run(['audit', ...WINDOW, '--key', 'website-form', '--calls'], env);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /limit ips: address 198\.51\.100\.1 is outside 203\.0\.113\.0\/24/);
  assert.match(table.stdout, /-> 512/);
  assert.doesNotMatch(table.stdout, /nightly-sync/);
  const byId = await run(['audit', ...WINDOW, '--key', '7f3a9c2e', '--calls', '--json'], env);
  assert.equal(JSON.parse(byId.stdout).calls.length, 4);
  const problems = await run(['audit', ...WINDOW, '--denied', '--errors', '--calls', '--json'], env);
  assert.deepEqual(JSON.parse(problems.stdout).calls.map((c: { method: string }) => c.method), ['write', 'unlink', 'create', 'common.authenticate', 'unlink']);
  const narrowed = await run(['audit', ...WINDOW, '--model', 'x_*', '--method', 'unlink', '--errors', '--calls', '--format', 'csv'], env);
  const rows = narrowed.stdout.trimEnd().split('\n');
  assert.equal(rows.length, 2, `exit ${narrowed.code}, stderr: ${narrowed.stderr}`);
  assert.match(rows[1]!, /,nightly-sync,10\.0\.0\.5,xmlrpc,unlink,x_saas_stats,4 5,,allow,rule 1,,odoo_error,odoo\.exceptions\.AccessError: You are not allowed to delete,/);
  const nobody = await run(['audit', ...WINDOW, '--key', 'nobody'], env);
  assert.equal(nobody.code, 0);
  assert.match(nobody.stderr, /no calls by nobody match/);
});

test('audit merges several --journal folders in time order', async (t) => {
  const root = tempDir(t);
  const inputs = sampleInputs();
  await writeJournal(join(root, 'a'), inputs.filter((_, i) => i % 2 === 0), { replica: 'a' });
  await writeJournal(join(root, 'b'), inputs.filter((_, i) => i % 2 === 1), { replica: 'b' });
  const r = await run(['audit', ...WINDOW, '--calls', '--json', '--journal', join(root, 'a'), '--journal', join(root, 'b')]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).calls.map((c: { ts: string }) => c.ts), inputs.map((x) => x.ts));
});

test('audit defaults to the last 7 days', async (t) => {
  const state = tempDir(t);
  const now = Date.now();
  const base = sampleInputs()[0]!;
  await writeJournal(join(state, 'journal'), [
    { ...base, ts: new Date(now - 10 * 86_400_000).toISOString(), key: 'aaaaaaaa', name: 'old' },
    { ...base, ts: new Date(now - 86_400_000).toISOString(), key: 'bbbbbbbb', name: 'recent' },
  ]);
  const r = await run(['audit', '--json'], { ODOO_KEYS_STATE_HOME: state });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).rows.map((x: { name: string }) => x.name), ['recent']);
});

test('audit: usage errors exit 2; no journal yet is not an error', async (t) => {
  const state = tempDir(t);
  const badSince = await run(['audit', '--since', 'yesterday'], { ODOO_KEYS_STATE_HOME: state });
  assert.equal(badSince.code, 2);
  assert.match(badSince.stderr, /--since: 'yesterday' is not a duration/);
  const missing = await run(['audit', '--journal', join(state, 'nope')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--journal: .*nope does not exist/);
  const backwards = await run(['audit', '--since', '2026-11-10', '--until', '2026-11-01'], { ODOO_KEYS_STATE_HOME: state });
  assert.equal(backwards.code, 2);
  const none = await run(['audit'], { ODOO_KEYS_STATE_HOME: state });
  assert.equal(none.code, 0);
  assert.match(none.stderr, /no journal yet at .*journal/);
});

test('audit verify: exit 0 when intact, 3 when broken, with the place named; --json keeps the exit code', async (t) => {
  const { state, journal } = await stateWithJournal(t);
  const env = { ODOO_KEYS_STATE_HOME: state };
  const ok = await run(['audit', 'verify'], env);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^intact {2}.*journal: 13 lines in 6 files, seq 1–13/);
  const f = join(journal, '2026-11-21.jsonl');
  const lines = readFileSync(f, 'utf8').split('\n');
  lines[1] = lines[1]!.replace('"ids":[1,2,3]', '"ids":[1,2,3,4]');
  writeFileSync(f, lines.join('\n'));
  const broken = await run(['audit', 'verify', '--journal', journal], env);
  assert.equal(broken.code, 3);
  assert.match(broken.stdout, /BROKEN/);
  assert.match(broken.stdout, /changed {2}2026-11-21\.jsonl:2: line 2 \(seq 5\) was changed/);
  const json = await run(['audit', 'verify', '--json'], env);
  assert.equal(json.code, 3);
  const result = JSON.parse(json.stdout);
  assert.equal(result.ok, false);
  assert.deepEqual(result.chains[0].problems[0], { kind: 'changed', file: '2026-11-21.jsonl', line: 2, seq: 5, message: 'line 2 (seq 5) was changed: its text no longer matches its hash' });
  const missing = await run(['audit', 'verify', '--journal', join(state, 'nope')]);
  assert.equal(missing.code, 2);
});
