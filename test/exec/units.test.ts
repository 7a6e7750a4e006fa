// The pure parts of exec: the child's environment, the temporary key's scope, exit codes and
// command lookup, the terminal check, the dry-run view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnvironment, enclosingExec, execVariables, maskedVariables, maskToken, EXEC_MARKER } from '../../src/exec/environment.js';
import { deathTime, refreshedLiveKey, stricterRate, temporaryKeyName, temporaryLiveKey, type TemporaryIdentity } from '../../src/exec/key.js';
import { exitCodeOf, findCommand, inTerminalForeground, spawnProblem } from '../../src/exec/process.js';
import { dryRunText, dryRunView } from '../../src/exec/view.js';
import { mintKey, TOKEN_SCAN_PATTERN } from '../../src/registry/keys.js';
import type { KeyRecord } from '../../src/registry/types.js';
import { authenticateKey, KeyIndex } from '../../src/proxy/keys.js';
import { callFromCheckArgs } from '../../src/policy/check.js';
import { decide } from '../../src/policy/decide.js';
import { env as policyEnv } from '../policy/support.js';

const minted = mintKey('1a2b3c4d');
const vars = execVariables({ url: 'http://127.0.0.1:4242', db: 'acme', login: 'integration@acme.com', token: minted.token, expiresAt: '2026-11-28T10:15:00.000Z', keyId: '1a2b3c4d' });

test('the variables: both names of each, the key in ODOO_PASSWORD and ODOO_API_KEY, the marker', () => {
  assert.deepEqual(vars, {
    ODOO_URL: 'http://127.0.0.1:4242',
    ODOO_DB: 'acme',
    ODOO_DATABASE: 'acme',
    ODOO_USERNAME: 'integration@acme.com',
    ODOO_USER: 'integration@acme.com',
    ODOO_PASSWORD: minted.token,
    ODOO_API_KEY: minted.token,
    ODOO_KEYS_EXPIRES_AT: '2026-11-28T10:15:00.000Z',
    ODOO_KEYS_EXEC: '1a2b3c4d',
  });
});

test('the child environment: same-named variables replaced, the upstream key withheld, the rest kept', () => {
  const base = { PATH: '/usr/bin', HOME: '/home/u', ODOO_URL: 'https://acme.odoo.com', ODOO_PASSWORD: 'the-real-password', ODOO_KEYS_UPSTREAM_KEY: 'real-upstream-key', ODOO_KEYS_EXEC: 'deadbeef', ODOO_OTHER: 'kept', UNSET: undefined };
  const env = childEnvironment(base, vars, 'linux');
  assert.equal(env.PATH, '/usr/bin');
  assert.equal(env.ODOO_OTHER, 'kept');
  assert.equal(env.ODOO_URL, 'http://127.0.0.1:4242');
  assert.equal(env.ODOO_PASSWORD, minted.token);
  assert.equal(env.ODOO_KEYS_EXEC, '1a2b3c4d');
  assert.ok(!('ODOO_KEYS_UPSTREAM_KEY' in env));
  assert.ok(!('UNSET' in env));
  assert.ok(!Object.values(env).includes('the-real-password'));
  assert.ok(!Object.values(env).includes('real-upstream-key'));
  // On Windows names are case-insensitive: a lower-case one must not survive beside the new one.
  const win = childEnvironment({ Odoo_Password: 'old', odoo_keys_upstream_key: 'k', Path: 'C:\\' }, vars, 'win32');
  assert.deepEqual(Object.keys(win).filter((k) => k.toUpperCase() === 'ODOO_PASSWORD'), ['ODOO_PASSWORD']);
  assert.ok(!Object.keys(win).some((k) => k.toUpperCase() === 'ODOO_KEYS_UPSTREAM_KEY'));
  assert.equal(win.Path, 'C:\\');
  // On Linux they are different variables.
  assert.equal(childEnvironment({ odoo_password: 'x' }, vars, 'linux').odoo_password, 'x');
});

test('masking keeps the public id and hides the secret', () => {
  assert.equal(maskToken(minted.token), 'odk_1a2b3c4d_********');
  assert.equal(maskToken('not a token'), '********');
  const masked = maskedVariables(vars);
  assert.equal(masked.ODOO_PASSWORD, 'odk_1a2b3c4d_********');
  assert.equal(masked.ODOO_API_KEY, 'odk_1a2b3c4d_********');
  assert.equal(masked.ODOO_URL, vars.ODOO_URL);
  assert.doesNotMatch(JSON.stringify(masked), TOKEN_SCAN_PATTERN);
});

test('the nesting marker', () => {
  assert.equal(enclosingExec({}), undefined);
  assert.equal(enclosingExec({ [EXEC_MARKER]: '' }), undefined);
  assert.equal(enclosingExec({ [EXEC_MARKER]: '1a2b3c4d' }), '1a2b3c4d');
});

const identity: TemporaryIdentity = {
  id: '1a2b3c4d',
  hash: minted.hash,
  name: 'exec-import.py',
  profile: 'prod',
  created: '2026-11-28T10:00:00.000Z',
  ttlExpires: '2026-11-28T10:15:00.000Z',
  origin: { user: 'ann', host: 'laptop', cwd: '/home/ann', command: './import.py' },
};
const flagRules = [{ model: 'res.partner', methods: ['read'], fields: ['name'] }];
const baseKey: KeyRecord = {
  id: 'b45e0000',
  name: 'nightly-sync',
  profile: 'prod',
  hash: mintKey('b45e0000').hash,
  created: '2026-01-01T00:00:00Z',
  expires: '2027-01-01T00:00:00Z',
  limits: { rate: '100/min', hours: 'Mon-Sun 00:00-24:00 UTC' },
  rules: [{ model: 'res.partner', methods: ['read', 'write'] }, { model: 'crm.lead', methods: ['read'] }],
};

test('names: exec-<program>, or <key>+exec', () => {
  assert.equal(temporaryKeyName('python3'), 'exec-python3');
  assert.equal(temporaryKeyName('/opt/imports/run import.sh'), 'exec-run-import.sh');
  assert.equal(temporaryKeyName('python3', { name: 'nightly-sync' }), 'nightly-sync+exec');
});

test('a temporary key from flags: their rules and limits, the TTL, the origin; no narrowing', () => {
  const k = temporaryLiveKey(identity, { rules: flagRules, limits: { rate: '10/min' } });
  assert.equal(k.record.id, '1a2b3c4d');
  assert.equal(k.record.expires, identity.ttlExpires);
  assert.deepEqual(k.record.rules, flagRules);
  assert.deepEqual(k.record.limits, { rate: '10/min' });
  assert.deepEqual(k.temporary, identity.origin);
  assert.equal(k.narrowing, undefined);
  // The proxy takes it as the temporary key it is, and refuses it after the TTL with the documented words.
  const index = new KeyIndex([], [k]);
  assert.equal(authenticateKey(index, minted.token, new Date('2026-11-28T10:14:59Z')).ok, true);
  const late = authenticateKey(index, minted.token, new Date('2026-11-28T10:15:00Z'));
  assert.equal(late.ok, false);
  assert.equal(!late.ok && late.message, 'odoo-keys: temporary key expired');
});

test('a temporary key from --key: its rules, limits and earlier expiry; flags narrow it; the stricter rate', () => {
  const plain = temporaryLiveKey(identity, { rules: [], limits: {} }, baseKey);
  assert.deepEqual(plain.record.rules, baseKey.rules);
  assert.deepEqual(plain.record.limits, baseKey.limits);
  assert.equal(plain.record.expires, identity.ttlExpires, 'the TTL comes first');
  assert.equal(plain.narrowing, undefined);

  const soon = temporaryLiveKey(identity, { rules: [], limits: {} }, { ...baseKey, expires: '2026-11-28T10:05:00Z' });
  assert.equal(soon.record.expires, '2026-11-28T10:05:00Z', "the key's own expiry comes first");

  const narrowed = temporaryLiveKey(identity, { rules: flagRules, limits: { rate: '10/min', hours: 'Mon-Fri 08:00-18:00 UTC' } }, baseKey);
  assert.deepEqual(narrowed.record.rules, baseKey.rules);
  assert.equal(narrowed.record.limits?.rate, '10/min');
  assert.deepEqual(narrowed.narrowing?.rules, flagRules);
  assert.deepEqual(narrowed.narrowing?.limits, { hours: 'Mon-Fri 08:00-18:00 UTC' });

  // Limits only: the base rules stand in, so only the limits narrow.
  const limitsOnly = temporaryLiveKey(identity, { rules: [], limits: { hours: 'Mon-Fri 08:00-18:00 UTC' } }, baseKey);
  assert.deepEqual(limitsOnly.narrowing?.rules, baseKey.rules);
  // A looser flag rate does not loosen the key's.
  assert.equal(temporaryLiveKey(identity, { rules: [], limits: { rate: '1000/min' } }, baseKey).record.limits?.rate, '100/min');
  // records_per_hour is counted on the record alone too: the smaller one is folded in.
  const budget = (mine: number | undefined, flag: number | undefined): number | undefined =>
    temporaryLiveKey(identity, { rules: [], limits: flag === undefined ? {} : { records_per_hour: flag } }, { ...baseKey, limits: mine === undefined ? {} : { records_per_hour: mine } }).record.limits?.records_per_hour;
  assert.equal(budget(1000, 2), 2);
  assert.equal(budget(2, 1000), 2);
  assert.equal(budget(undefined, 5), 5);
  assert.equal(budget(5, undefined), 5);
  // A base key in learning mode stays so; a revoked one is revoked.
  assert.equal(temporaryLiveKey(identity, { rules: [], limits: {} }, { ...baseKey, learning: true }).record.learning, true);
  assert.equal(temporaryLiveKey(identity, { rules: [], limits: {} }, { ...baseKey, revoked: '2026-11-28T10:01:00Z' }).record.revoked, '2026-11-28T10:01:00Z');
});

test('a learning --key narrowed by limits alone: the narrowing learns as the key does, it does not refuse everything', () => {
  const learner: KeyRecord = { ...baseKey, rules: [], limits: {}, learning: true };
  const call = callFromCheckArgs({ model: 'res.partner', method: 'search_read', args: '[[]]', kwargs: '{"fields": ["name"]}' });
  const e = policyEnv({ now: new Date('2026-11-28T10:00:00Z') });
  const hours = temporaryLiveKey(identity, { rules: [], limits: { hours: 'Mon-Sun 00:00-24:00 UTC' } }, learner);
  assert.equal(hours.narrowing?.learning, true);
  assert.equal(decide(hours.narrowing!, call, e).verdict, 'allow');
  // Outside the flags' hours it is refused all the same.
  const never = temporaryLiveKey(identity, { rules: [], limits: { hours: 'Sat 00:00-00:01 UTC' } }, learner);
  assert.equal(decide(never.narrowing!, call, e).verdict, 'deny');
  // Rules given as flags narrow a learning key to them: the narrowing does not learn.
  const ruled = temporaryLiveKey(identity, { rules: [{ model: 'crm.lead', methods: ['read'] }], limits: {} }, learner);
  assert.equal(ruled.narrowing?.learning, undefined);
  assert.equal(decide(ruled.narrowing!, call, e).verdict, 'deny');
});

test('refreshing from keys.yaml: scope changes follow, a removed base key kills the temporary one', () => {
  const changed = refreshedLiveKey(identity, { rules: [], limits: {} }, { ...baseKey, rules: [{ model: 'sale.order', methods: ['read'] }] }, new Date());
  assert.deepEqual(changed.record.rules, [{ model: 'sale.order', methods: ['read'] }]);
  const now = new Date('2026-11-28T10:02:00Z');
  const gone = refreshedLiveKey(identity, { rules: [], limits: {} }, undefined, now);
  assert.equal(gone.record.revoked, now.toISOString());
  assert.equal(deathTime(gone, now.getTime()), now.getTime());
  const r = authenticateKey(new KeyIndex([], [gone]), minted.token, new Date('2026-11-28T10:03:00Z'));
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.failure, 'revoked');
});

test('stricterRate: fewer calls over time wins, then the smaller burst', () => {
  assert.equal(stricterRate(undefined, '5/s'), '5/s');
  assert.equal(stricterRate('5/s', undefined), '5/s');
  assert.equal(stricterRate('120/min', '1000/h'), '1000/h');
  assert.equal(stricterRate('60/min', '1/s'), '1/s');
  assert.equal(stricterRate('60/min', '3600/h'), '60/min');
});

test('deathTime: the earlier of expiry and revocation; a revocation dated later is in force now', () => {
  const k = temporaryLiveKey(identity, { rules: flagRules, limits: {} });
  const now = Date.parse('2026-11-28T10:02:00Z');
  assert.equal(deathTime(k, now), Date.parse(identity.ttlExpires));
  k.record.revoked = '2026-11-28T10:01:00Z';
  assert.equal(deathTime(k, now), Date.parse('2026-11-28T10:01:00Z'));
  // Revoked on a machine whose clock is ahead of this one's.
  k.record.revoked = '2026-11-28T10:05:00Z';
  assert.equal(deathTime(k, now), now);
});

test('exit codes as a shell reports them', () => {
  assert.equal(exitCodeOf(0, null), 0);
  assert.equal(exitCodeOf(3, null), 3);
  assert.equal(exitCodeOf(null, 'SIGTERM'), 143);
  assert.equal(exitCodeOf(null, 'SIGINT'), 130);
  assert.equal(exitCodeOf(null, 'SIGKILL'), 137);
  assert.equal(exitCodeOf(null, 'SIGHUP'), 129);
  const enoent = Object.assign(new Error('spawn x ENOENT'), { code: 'ENOENT' });
  assert.deepEqual(spawnProblem('x', enoent), { exitCode: 127, code: 'command_not_found', message: 'x: command not found' });
  assert.equal(spawnProblem('x', Object.assign(new Error('EACCES'), { code: 'EACCES' })).exitCode, 126);
  assert.equal(spawnProblem('x', Object.assign(new Error('ENOEXEC'), { code: 'ENOEXEC' })).exitCode, 126);
});

test('findCommand: paths, PATH order, not found (127), not executable or a folder (126)', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'odoo-keys-exec-find-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const a = join(root, 'a');
  const b = join(root, 'b');
  mkdirSync(a);
  mkdirSync(b);
  writeFileSync(join(a, 'tool'), 'data, not a program\n', { mode: 0o644 });
  writeFileSync(join(b, 'tool'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  writeFileSync(join(a, 'only-data'), 'x\n', { mode: 0o644 });
  mkdirSync(join(a, 'folder'));
  const PATH = [a, b].join(':');
  // A non-executable match is passed over for a runnable one later on PATH, as execvp does.
  assert.deepEqual(findCommand('tool', PATH, root, 'linux'), { path: join(b, 'tool') });
  const onlyData = findCommand('only-data', PATH, root, 'linux');
  assert.ok('problem' in onlyData && onlyData.problem.exitCode === 126 && /permission denied/.test(onlyData.problem.message));
  const folder = findCommand('folder', PATH, root, 'linux');
  assert.ok('problem' in folder && folder.problem.exitCode === 126);
  const missing = findCommand('no-such-tool', PATH, root, 'linux');
  assert.ok('problem' in missing && missing.problem.exitCode === 127 && missing.problem.message === 'no-such-tool: command not found');
  // With a slash: a path from the working folder, PATH not consulted.
  assert.deepEqual(findCommand('./b/tool', '', root, 'linux'), { path: join(b, 'tool') });
  const relData = findCommand('a/tool', PATH, root, 'linux');
  assert.ok('problem' in relData && relData.problem.exitCode === 126);
  const relMissing = findCommand('./tool', PATH, root, 'linux');
  assert.ok('problem' in relMissing && relMissing.problem.exitCode === 127);
  // An empty PATH entry is the working folder.
  chmodSync(join(a, 'only-data'), 0o755);
  assert.deepEqual(findCommand('only-data', `${b}:`, a, 'linux'), { path: join(a, 'only-data') });
});

test('inTerminalForeground reads /proc/self/stat, names with spaces and parentheses included', () => {
  // pid (comm) state ppid pgrp session tty_nr tpgid ...
  assert.equal(inTerminalForeground('4242 (node) S 4000 4242 4000 34816 4242 4194304 0 0'), true);
  assert.equal(inTerminalForeground('4242 (node) S 4000 4242 4000 34816 5000 4194304 0 0'), false, 'a background job');
  assert.equal(inTerminalForeground('4242 (node) S 4000 4242 4242 0 -1 4194304 0 0'), false, 'no terminal');
  assert.equal(inTerminalForeground('4242 (my (odd) name) S 4000 4242 4000 34816 4242 0'), true);
  assert.equal(inTerminalForeground('garbage'), null);
});

test('the dry-run view: scope, narrowing, variables with the key masked', () => {
  const key = temporaryLiveKey(identity, { rules: flagRules, limits: {} }, baseKey);
  const view = dryRunView({
    command: 'python3',
    args: ['import.py', 'leads file.csv'],
    found: { path: '/usr/bin/python3' },
    profile: { name: 'prod', url: 'https://acme.odoo.com', db: 'acme', login: 'integration@acme.com' },
    key,
    token: minted.token,
    fromKey: 'nightly-sync',
    killOnExpiry: true,
    killGraceMs: 10_000,
    withheld: ['ODOO_KEYS_UPSTREAM_KEY'],
  });
  assert.equal(view.key.from_key, 'nightly-sync');
  assert.deepEqual(view.key.scope, ['res.partner:read,write', 'crm.lead:read']);
  assert.deepEqual(view.key.narrowing?.scope, ['res.partner:read(name)']);
  assert.equal(view.variables.ODOO_PASSWORD, 'odk_1a2b3c4d_********');
  assert.equal(view.variables.ODOO_URL, 'http://127.0.0.1:<port>');
  assert.deepEqual(view.kill_on_expiry, { grace_ms: 10_000 });
  const text = dryRunText(view, new Date('2026-11-28T10:00:00Z'));
  assert.doesNotMatch(JSON.stringify(view) + text, TOKEN_SCAN_PATTERN);
  assert.ok(!text.includes(minted.secret));
  assert.match(text, /exec would run {2}python3 import\.py 'leads file\.csv'/);
  assert.match(text, /expires {5}2026-11-28T10:15:00\.000Z \(in 15m\); then SIGTERM, and SIGKILL 10s later/);
  assert.match(text, /Narrowed by the flags \(a call needs both\):\n {2}res\.partner:read\(name\)/);
  assert.match(text, /ODOO_KEYS_UPSTREAM_KEY is not passed on/);
  const notFound = dryRunView({ ...{ command: 'nope', args: [], profile: { name: 'p', url: 'u', db: 'd', login: 'l' }, key, token: minted.token, killOnExpiry: false, killGraceMs: 0, withheld: [] }, found: { problem: { exitCode: 127, code: 'command_not_found', message: 'nope: command not found' } } });
  assert.deepEqual(notFound.command.problem, { code: 'command_not_found', message: 'nope: command not found', exit_code: 127 });
  assert.match(dryRunText(notFound, new Date()), /nope: command not found \(exec would exit 127\)/);
});
