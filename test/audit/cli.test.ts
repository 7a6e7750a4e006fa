// The audit commands as a user runs them: child processes, real files, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliEnv } from '../support/cli.js';
import { sampleInputs, tempDir, writeJournal } from './fixtures.js';

const WINDOW = ['--since', '2026-11-01', '--until', '2026-12-01'];

/** Config and state folders of the CLI, removed after the test. */
function folders(t: { after: (fn: () => void) => void }): CliEnv {
  return { home: tempDir(t), state: tempDir(t) };
}

/** Folders whose state folder's journal holds the sample calls. */
async function foldersWithJournal(t: { after: (fn: () => void) => void }): Promise<CliEnv & { journal: string }> {
  const cli = folders(t);
  const journal = join(cli.state, 'journal');
  await writeJournal(journal, sampleInputs());
  return { ...cli, journal };
}

test('audit reads <ODOO_KEYS_STATE_HOME>/journal and shows one row per key, plain without colour', async (t) => {
  const cli = await foldersWithJournal(t);
  const r = await runCli(cli, ['audit', ...WINDOW]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /website-form \(7f3a9c2e\)/);
  assert.match(r.stdout, /nightly-sync \(1c0de5a1\)/);
  assert.match(r.stdout, /!! LEARNING/);
  assert.match(r.stdout, /exec by alice@laptop: python import\.py --all/);
  assert.match(r.stdout, /13 calls from 2026-11-01 00:00:00 to 2026-12-01 00:00:00 UTC: 10 allowed, 3 denied, 2 errors/);
  assert.doesNotMatch(r.stdout, /\x1b\[/);
  const coloured = await runCli({ ...cli, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } }, ['audit', ...WINDOW]);
  assert.match(coloured.stdout, /\x1b\[31m1\x1b\[39m/, 'denials in red when colour is on');
});

test('audit --json and --format json give the report; --format csv gives rows', async (t) => {
  const cli = await foldersWithJournal(t);
  const j = await runCli(cli, ['audit', ...WINDOW, '--json']);
  assert.equal(j.code, 0, j.stderr);
  const report = JSON.parse(j.stdout);
  assert.equal(report.by, 'key');
  assert.equal(report.rows.length, 5);
  assert.deepEqual(report.totals, { calls: 13, allowed: 10, denied: 3, odoo_errors: 1, upstream_errors: 1 });
  assert.deepEqual(report.journal, [join(cli.state, 'journal')]);
  const f = await runCli(cli, ['audit', ...WINDOW, '--format', 'json']);
  assert.deepEqual(JSON.parse(f.stdout), report);
  const csv = await runCli(cli, ['audit', ...WINDOW, '--by', 'model', '--format', 'csv']);
  assert.equal(csv.code, 0, csv.stderr);
  const lines = csv.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^group,key,name,/);
  assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), ['crm.lead', 'x_saas_stats', 'product.product', 'sale.order', '(common)', 'res.partner']);
});

test('audit --by day|ip|method in a table', async (t) => {
  const cli = await foldersWithJournal(t);
  const day = await runCli(cli, ['audit', ...WINDOW, '--by', 'day']);
  assert.match(day.stdout, /│ day +│/);
  assert.match(day.stdout, /2026-11-21 +│ 4 /);
  const ip = await runCli(cli, ['audit', ...WINDOW, '--by', 'ip', '--json']);
  assert.equal(JSON.parse(ip.stdout).rows.length, 6);
  const method = await runCli(cli, ['audit', ...WINDOW, '--by', 'method', '--json']);
  assert.ok(JSON.parse(method.stdout).rows.some((r: { group: string }) => r.group === 'common.authenticate'));
  const bad = await runCli(cli, ['audit', '--by', 'colour']);
  assert.equal(bad.code, 2);
});

test('audit --key NAME --calls lists that key\'s calls; filters combine', async (t) => {
  const cli = await foldersWithJournal(t);
  const table = await runCli(cli, ['audit', ...WINDOW, '--key', 'website-form', '--calls']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /limit ips: address 198\.51\.100\.1 is outside 203\.0\.113\.0\/24/);
  assert.match(table.stdout, /-> 512/);
  assert.doesNotMatch(table.stdout, /nightly-sync/);
  const byId = await runCli(cli, ['audit', ...WINDOW, '--key', '7f3a9c2e', '--calls', '--json']);
  assert.equal(JSON.parse(byId.stdout).calls.length, 4);
  const problems = await runCli(cli, ['audit', ...WINDOW, '--denied', '--errors', '--calls', '--json']);
  assert.deepEqual(JSON.parse(problems.stdout).calls.map((c: { method: string }) => c.method), ['write', 'unlink', 'create', 'common.authenticate', 'unlink']);
  const narrowed = await runCli(cli, ['audit', ...WINDOW, '--model', 'x_*', '--method', 'unlink', '--errors', '--calls', '--format', 'csv']);
  const rows = narrowed.stdout.trimEnd().split('\n');
  assert.equal(rows.length, 2, `exit ${narrowed.code}, stderr: ${narrowed.stderr}`);
  assert.match(rows[1]!, /,nightly-sync,10\.0\.0\.5,xmlrpc,unlink,x_saas_stats,4 5,,allow,rule 1,,odoo_error,odoo\.exceptions\.AccessError: You are not allowed to delete,/);
  const nobody = await runCli(cli, ['audit', ...WINDOW, '--key', 'nobody']);
  assert.equal(nobody.code, 0);
  assert.match(nobody.stderr, /no calls by nobody match/);
  // A token pasted for --key: refused, and its secret not echoed.
  const pasted = await runCli(cli, ['audit', ...WINDOW, '--key', 'odk_7f3a9c2e_SuperSecretValue123']);
  assert.notEqual(pasted.code, 0);
  assert.ok(!`${pasted.stdout}${pasted.stderr}`.includes('SuperSecret'), pasted.stderr);
  assert.match(pasted.stderr, /--key: that is a key's token \(odk_7f3a9c2e_…\), a secret: give the key's name or id \(7f3a9c2e\) instead/);
});

test('audit --key with a name keys.yaml does not hold says so (a typo reads as "no calls"); a known key with no calls, or no keys.yaml at all, gets no such note', async (t) => {
  const cli = await foldersWithJournal(t);
  const typo = await runCli(cli, ['audit', ...WINDOW, '--key', 'websiteform']);
  assert.equal(typo.code, 0);
  assert.match(typo.stderr, /no calls by websiteform match/);
  assert.doesNotMatch(typo.stderr, /keys\.yaml/, 'no keys.yaml here (a log host): nothing to compare with');
  writeFileSync(
    join(cli.home, 'keys.yaml'),
    'version: 1\nprofiles:\n  prod: { url: "http://127.0.0.1:9", db: acme, login: x }\nkeys:\n  - { id: 0a1b2c3d, name: quiet-key, profile: prod, hash: "sha256:' + '0'.repeat(64) + '", created: "2026-11-01T00:00:00Z", rules: [{ model: crm.lead, methods: [read] }] }\n',
    { mode: 0o600 },
  );
  const named = await runCli(cli, ['audit', ...WINDOW, '--key', 'websiteform']);
  assert.equal(named.code, 0);
  assert.match(named.stderr, /keys\.yaml has no key named 'websiteform' and none with that id \(a typo\? odoo-keys list shows the keys\)/);
  const quiet = await runCli(cli, ['audit', ...WINDOW, '--key', 'quiet-key']);
  assert.match(quiet.stderr, /no calls by quiet-key match/);
  assert.doesNotMatch(quiet.stderr, /keys\.yaml has no key/);
  const byId = await runCli(cli, ['audit', ...WINDOW, '--key', '0a1b2c3d']);
  assert.doesNotMatch(byId.stderr, /keys\.yaml has no key/);
});

test('audit --calls: --json is written a batch at a time, byte for byte what JSON.stringify gives; ids past a line\'s 1000 are counted', async (t) => {
  const cli = folders(t);
  const journal = join(cli.state, 'journal');
  const inputs = sampleInputs();
  // A line that lists 1000 of the 1500 ids an unlink named.
  inputs.push({ ...inputs[0]!, ts: '2026-11-25T11:00:00.000Z', method: 'unlink', ids: Array.from({ length: 1500 }, (_, i) => i + 1), result_ids: undefined });
  await writeJournal(journal, inputs);
  for (const args of [['--json'], ['--format', 'json']]) {
    const r = await runCli(cli, ['audit', ...WINDOW, '--calls', ...args]);
    assert.equal(r.code, 0, r.stderr);
    const value = JSON.parse(r.stdout) as { since: string; calls: { ids: number[]; more: Record<string, number> | null }[] };
    assert.equal(r.stdout, `${JSON.stringify(value, null, 2)}\n`);
    assert.equal(value.calls.length, 14);
    assert.deepEqual([value.calls[13]!.ids.length, value.calls[13]!.more], [1000, { ids: 500 }]);
    assert.equal(value.calls[0]!.more, null);
  }
  const none = await runCli(cli, ['audit', '--since', '2020-01-01', '--until', '2020-01-02', '--calls', '--json']);
  assert.equal(none.stdout, `${JSON.stringify(JSON.parse(none.stdout), null, 2)}\n`);
  assert.deepEqual(JSON.parse(none.stdout).calls, []);
  const table = await runCli(cli, ['audit', ...WINDOW, '--calls', '--method', 'unlink', '--key', 'website-form']);
  assert.match(table.stdout, /1,2,3,4,5,6 \+1494/);
  const csv = await runCli(cli, ['audit', ...WINDOW, '--calls', '--format', 'csv', '--method', 'unlink', '--key', 'website-form']);
  assert.match(csv.stdout.split('\n')[0]!, /,temporary,more,previous_secret,event,detail$/);
  assert.match(csv.stdout.split('\n')[1]!, /,ids:500,false,,$/);
  const report = await runCli(cli, ['audit', ...WINDOW, '--json']);
  assert.equal((JSON.parse(report.stdout).rows as { name: string; deleted: number }[]).find((r) => r.name === 'website-form')!.deleted, 1500);
});

test('audit merges several --journal folders in time order', async (t) => {
  const cli = folders(t);
  const root = tempDir(t);
  const inputs = sampleInputs();
  await writeJournal(join(root, 'a'), inputs.filter((_, i) => i % 2 === 0), { replica: 'a' });
  await writeJournal(join(root, 'b'), inputs.filter((_, i) => i % 2 === 1), { replica: 'b' });
  const r = await runCli(cli, ['audit', ...WINDOW, '--calls', '--json', '--journal', join(root, 'a'), '--journal', join(root, 'b')]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).calls.map((c: { ts: string }) => c.ts), inputs.map((x) => x.ts));
});

test('audit defaults to the last 7 days', async (t) => {
  const cli = folders(t);
  const { state } = cli;
  const now = Date.now();
  const base = sampleInputs()[0]!;
  await writeJournal(join(state, 'journal'), [
    { ...base, ts: new Date(now - 10 * 86_400_000).toISOString(), key: 'aaaaaaaa', name: 'old' },
    { ...base, ts: new Date(now - 86_400_000).toISOString(), key: 'bbbbbbbb', name: 'recent' },
  ]);
  const r = await runCli(cli, ['audit', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).rows.map((x: { name: string }) => x.name), ['recent']);
});

test('audit: usage errors exit 2; no journal yet is not an error', async (t) => {
  const cli = folders(t);
  const { state } = cli;
  const badSince = await runCli(cli, ['audit', '--since', 'yesterday']);
  assert.equal(badSince.code, 2);
  assert.match(badSince.stderr, /--since: 'yesterday' is not a duration/);
  const missing = await runCli(cli, ['audit', '--journal', join(state, 'nope')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--journal: .*nope does not exist/);
  const backwards = await runCli(cli, ['audit', '--since', '2026-11-10', '--until', '2026-11-01']);
  assert.equal(backwards.code, 2);
  const none = await runCli(cli, ['audit']);
  assert.equal(none.code, 0);
  assert.match(none.stderr, /no journal yet at .*journal/);
});

test('audit verify: exit 0 when intact, 3 when broken, with the place named; --json keeps the exit code', async (t) => {
  const cli = await foldersWithJournal(t);
  const { state, journal } = cli;
  const ok = await runCli(cli, ['audit', 'verify']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^intact {2}.*journal: 13 lines in 6 files, seq 1–13/);
  const f = join(journal, '2026-11-21.jsonl');
  const lines = readFileSync(f, 'utf8').split('\n');
  lines[1] = lines[1]!.replace('"ids":[1,2,3]', '"ids":[1,2,3,4]');
  writeFileSync(f, lines.join('\n'));
  const broken = await runCli(cli, ['audit', 'verify', '--journal', journal]);
  assert.equal(broken.code, 3);
  assert.match(broken.stdout, /BROKEN/);
  assert.match(broken.stdout, /changed {2}2026-11-21\.jsonl:2: line 2 \(seq 5\) was changed/);
  const json = await runCli(cli, ['audit', 'verify', '--json']);
  assert.equal(json.code, 3);
  const result = JSON.parse(json.stdout);
  assert.equal(result.ok, false);
  assert.deepEqual(result.chains[0].problems[0], { kind: 'changed', file: '2026-11-21.jsonl', line: 2, seq: 5, message: 'line 2 (seq 5) was changed: its text no longer matches its hash' });
  const missing = await runCli(cli, ['audit', 'verify', '--journal', join(state, 'nope')]);
  assert.equal(missing.code, 2);
});

test('audit verify: a wiped journal (empty folder, or no default folder) exits 3 unless --allow-empty; the head printed is what --expect-head takes', async (t) => {
  const cli = await foldersWithJournal(t);
  const { journal } = cli;
  const ok = await runCli(cli, ['audit', 'verify']);
  const head = /^ {2}head (\d+:[0-9a-f]{64})$/m.exec(ok.stdout)?.[1];
  assert.ok(head, ok.stdout);
  assert.equal((await runCli(cli, ['audit', 'verify', '--expect-head', head])).code, 0);
  // The last line cut and the head record rewritten to match it: only the kept head sees it.
  const f = join(journal, '2026-11-25.jsonl');
  const last = readFileSync(join(journal, '2026-11-24.jsonl'), 'utf8').trimEnd().split('\n').at(-1)!;
  const e = JSON.parse(last) as { seq: number; hash: string; ts: string };
  rmSync(f);
  writeFileSync(join(journal, '.head.json'), JSON.stringify({ seq: e.seq, hash: e.hash, ts: e.ts, file: '2026-11-24.jsonl' }));
  assert.equal((await runCli(cli, ['audit', 'verify'])).code, 0);
  const cut = await runCli(cli, ['audit', 'verify', '--expect-head', head]);
  assert.equal(cut.code, 3);
  assert.match(cut.stdout, /end_missing .*ends at seq 12, but seq 13 was written \(--expect-head\)/);
  assert.equal((await runCli(cli, ['audit', 'verify', '--expect-head', '13:abc'])).code, 2);
  // Every file gone, only the lock left.
  for (const name of readdirSync(journal)) rmSync(join(journal, name));
  writeFileSync(join(journal, '.lock.json'), '{}');
  const empty = await runCli(cli, ['audit', 'verify']);
  assert.equal(empty.code, 3, empty.stdout);
  assert.match(empty.stdout, /BROKEN .*journal: 0 lines in 0 files, no entries\n {2}no_journal {2}-:0: the folder holds no journal file/);
  const json = await runCli(cli, ['audit', 'verify', '--json']);
  assert.equal(json.code, 3);
  assert.equal(JSON.parse(json.stdout).chains[0].problems[0].kind, 'no_journal');
  const allowed = await runCli(cli, ['audit', 'verify', '--allow-empty']);
  assert.equal(allowed.code, 0, allowed.stdout);
  assert.match(allowed.stdout, /no journal files found/);
  // No default folder at all.
  rmSync(journal, { recursive: true });
  const none = await runCli(cli, ['audit', 'verify']);
  assert.equal(none.code, 3);
  assert.match(none.stdout, /no_journal .*the folder does not exist/);
  const fresh = await runCli(cli, ['audit', 'verify', '--allow-empty']);
  assert.equal(fresh.code, 0);
  assert.match(fresh.stderr, /no journal yet at/);
});
