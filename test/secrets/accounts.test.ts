// Keychain accounts per registry, with the real Secret Service (see keychain.test.ts): two homes
// with a profile of the same name never share an entry; entries stored under the bare profile name
// by older versions keep working and move on the next login; an entry left behind by a move to a
// key file is deleted, by login or else by logout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json, runCli, tempFolders, type CliEnv } from '../support/cli.js';
import { startMiniOdoo } from '../support/mini-odoo.js';

const SKIP = process.env.ODOO_KEYS_TEST_KEYRING === '1' ? false : 'no Secret Service for this run: ODOO_KEYS_TEST_KEYRING=1 is set by scripts/test.mjs inside dbus-run-session with gnome-keyring';

/** The CLI with the real keychain (the test support turns it off by default). */
const KEYCHAIN = { ODOO_KEYS_KEYCHAIN: undefined };

/** What the Secret Service holds under service odoo-keys and this account, or null. */
function lookup(account: string): string | null {
  const r = spawnSync('secret-tool', ['lookup', 'service', 'odoo-keys', 'username', account], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : null;
}

/**
 * The secrets of every odoo-keys entry of this profile name (bare, or `<profile>:<id>`), whatever
 * the account. secret-tool prints attributes on stderr, apart from the rest, so the item is known
 * by its label, which @napi-rs/keyring makes `keyring:<account>@<service>`.
 */
function entriesOf(profile: string): string[] {
  // secret-tool itself can fail under a loaded test run (a D-Bus call timing out): that is retried,
  // and said if it persists, rather than read as an empty keychain.
  let r = spawnSync('secret-tool', ['search', '--all', 'service', 'odoo-keys'], { encoding: 'utf8' });
  for (let attempt = 1; r.status !== 0 && attempt < 4; attempt++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250 * attempt);
    r = spawnSync('secret-tool', ['search', '--all', 'service', 'odoo-keys'], { encoding: 'utf8' });
  }
  assert.equal(r.status, 0, `secret-tool search failed: ${r.stderr || r.error?.message || `status ${r.status}`}`);
  const out: string[] = [];
  for (const block of r.stdout.split(/^\[/m)) {
    const account = /^label = keyring:(.*)@odoo-keys$/m.exec(block)?.[1];
    const secret = /^secret = (.*)$/m.exec(block)?.[1];
    if (account !== undefined && secret !== undefined && (account === profile || account.startsWith(`${profile}:`))) out.push(secret);
  }
  return out.sort();
}

/** Stores an entry the way versions before keychain_account did: account = the bare profile name. */
function storeLegacy(account: string, key: string): void {
  const r = spawnSync('secret-tool', ['store', '--label', `keyring:${account}@odoo-keys`, 'service', 'odoo-keys', 'username', account], { input: key, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

function home(t: { after: (fn: () => unknown) => void }): CliEnv {
  const f = tempFolders();
  t.after(f.cleanup);
  return { home: f.home, state: f.state, env: KEYCHAIN };
}

function yamlOf(ctx: CliEnv): string {
  return readFileSync(join(ctx.home, 'keys.yaml'), 'utf8');
}

/** Clears every account the registry of ctx records, and the bare name, after the test. */
function clearAfter(t: { after: (fn: () => unknown) => void }, ctx: CliEnv, profile: string): void {
  t.after(() => {
    let yaml = '';
    try {
      yaml = yamlOf(ctx);
    } catch {
      // no registry: nothing recorded
    }
    for (const m of yaml.matchAll(/keychain_account: (\S+)/g)) spawnSync('secret-tool', ['clear', 'service', 'odoo-keys', 'username', m[1]!]);
    spawnSync('secret-tool', ['clear', 'service', 'odoo-keys', 'username', profile]);
  });
}

/** `create` checks the scope against the profile's Odoo with the upstream key: a typo is an error only when Odoo accepted the key. */
async function odooAcceptsTheKey(ctx: CliEnv): Promise<void> {
  const r = await runCli(ctx, ['create', '--model', 'crm.leed', '--method', 'read']);
  assert.equal(r.code, 2, `the key was refused by this home's Odoo:\n${r.stderr}`);
  assert.match(r.stderr, /crm\.leed: no such model/);
}

test('two homes with a profile of the same name: each keeps its own keychain entry; one logout leaves the other alone', { skip: SKIP }, async (t) => {
  const profile = `kc-${randomBytes(4).toString('hex')}`;
  const [keyA, keyB] = [`key-of-customer-a-${randomBytes(8).toString('hex')}`, `key-of-customer-b-${randomBytes(8).toString('hex')}`];
  const odooA = await startMiniOdoo({ key: keyA });
  t.after(() => odooA.close());
  const odooB = await startMiniOdoo({ key: keyB });
  t.after(() => odooB.close());
  const a = home(t);
  const b = home(t);
  clearAfter(t, a, profile);
  clearAfter(t, b, profile);

  const loginA = await runCli(a, ['login', profile, '--url', odooA.url, '--db', 'acme', '--user', 'integration@acme.com', '--upstream-key-stdin', '--json'], keyA);
  assert.equal(loginA.code, 0, loginA.stderr);
  const loginB = await runCli(b, ['login', profile, '--url', odooB.url, '--db', 'acme', '--user', 'integration@acme.com', '--upstream-key-stdin', '--json'], keyB);
  assert.equal(loginB.code, 0, loginB.stderr);
  // Home A still sends A's key to A's Odoo (before: B's login had overwritten the shared entry).
  await odooAcceptsTheKey(a);
  await odooAcceptsTheKey(b);
  // The logins' own words on where they kept the key, should the keychain have been unusable under load.
  const said = (r: { stdout: string }): string => { try { return String((JSON.parse(r.stdout) as { key_source?: string }).key_source); } catch { return r.stdout.slice(0, 200); } };
  assert.deepEqual(entriesOf(profile), [keyA, keyB].sort(), `two entries, one per home (the logins kept the key in: ${said(loginA)}, ${said(loginB)})`);

  const out = await runCli(b, ['logout', profile, '--json']);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(json(out).keychain_deleted, true);
  assert.deepEqual(entriesOf(profile), [keyA], "B's logout deleted B's key, not A's");
  await odooAcceptsTheKey(a);
  // B's profile says it was logged out (it pointed at a keychain entry that is gone), and whatever
  // needs the key says so; a login records a key again.
  const shown = await runCli(b, ['profiles', '--json']);
  assert.equal((json(shown).profiles as { key_source: string }[])[0]!.key_source, 'none');
  assert.match((await runCli(b, ['profiles'])).stdout, new RegExp(`none \\(logged out: odoo-keys login ${profile}\\)`));
  const needsKey = await runCli(b, ['create', 'probe', '--model', 'crm.lead', '--method', 'read']);
  assert.match(needsKey.stderr, new RegExp(`profile '${profile}' has no upstream key: it was logged out`), needsKey.stderr);
  const again = await runCli(b, ['login', profile, '--url', odooB.url, '--db', 'acme', '--user', 'integration@acme.com', '--upstream-key-stdin', '--json'], keyB);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(json(again).key_source, 'keychain');
  await odooAcceptsTheKey(b);

  // Where: an account of each registry's own, recorded in its keys.yaml.
  const [accountA, accountB] = [json(loginA).keychain_account as string, json(loginB).keychain_account as string];
  assert.notEqual(accountA, accountB);
  assert.equal(lookup(accountA), keyA);
  assert.equal(lookup(profile), null, 'nothing under the bare profile name, which both homes would share');
  assert.ok(yamlOf(a).includes(`keychain_account: ${accountA}`));
});

test('an entry under the bare profile name (older versions) is still read, and moves to an account of its own on the next login', { skip: SKIP }, async (t) => {
  const profile = `legacy-${randomBytes(4).toString('hex')}`;
  const key = `legacy-key-${randomBytes(8).toString('hex')}`;
  const odoo = await startMiniOdoo({ key });
  t.after(() => odoo.close());
  const ctx = home(t);
  clearAfter(t, ctx, profile);
  mkdirSync(ctx.home, { recursive: true });
  writeFileSync(join(ctx.home, 'keys.yaml'), `version: 1\nprofiles:\n  ${profile}:\n    url: ${odoo.url}\n    db: acme\n    login: integration@acme.com\n    key_source: keychain\nkeys: []\n`, { mode: 0o600 });
  storeLegacy(profile, key);

  await odooAcceptsTheKey(ctx);

  const again = await runCli(ctx, ['login', profile, '--upstream-key-stdin', '--json'], key);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(lookup(profile), null, 'the entry under the bare name was moved');
  assert.deepEqual(entriesOf(profile), [key], 'moved, not lost');
  const account = json(again).keychain_account as string;
  assert.match(account, new RegExp(`^${profile}:[0-9a-f]{16}$`));
  assert.deepEqual(json(again).warnings, []);
  assert.equal(lookup(account), key);
  assert.equal(lookup(profile), null, 'the entry under the bare name was moved, not copied');
  assert.ok(yamlOf(ctx).includes(`keychain_account: ${account}`));
  await odooAcceptsTheKey(ctx);

  // Once an account is recorded, an entry that shows up under the bare name (another home's, written
  // by an older version) is never read for this profile.
  storeLegacy(profile, 'someone-elses-key');
  spawnSync('secret-tool', ['clear', 'service', 'odoo-keys', 'username', account]);
  const r = await runCli(ctx, ['create', '--model', 'crm.lead', '--method', 'read', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(json(r).warnings.join('\n'), new RegExp(`no upstream key for profile '${profile}' in the OS keychain \\(account ${account}\\)`));
});

test('moving a profile from the keychain to a key file deletes its keychain entry; logout --forget then finds none', { skip: SKIP }, async (t) => {
  const profile = `linger-${randomBytes(4).toString('hex')}`;
  const ctx = home(t);
  clearAfter(t, ctx, profile);
  const base = ['--url', 'https://acme.example', '--db', 'acme', '--user', 'i', '--no-verify'];
  const first = await runCli(ctx, ['login', profile, ...base, '--upstream-key-stdin', '--json'], 'OLD-UPSTREAM-KEY');
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(entriesOf(profile), ['OLD-UPSTREAM-KEY']);

  mkdirSync(ctx.state, { recursive: true });
  const file = join(ctx.state, 'prod.key');
  writeFileSync(file, 'NEW-UPSTREAM-KEY\n', { mode: 0o600 });
  const moved = await runCli(ctx, ['login', profile, ...base, '--upstream-key-file', file, '--json']);
  assert.equal(moved.code, 0, moved.stderr);
  assert.deepEqual(entriesOf(profile), [], 'the old key does not linger in the keychain');
  assert.deepEqual(json(moved).warnings, []);
  assert.ok(!yamlOf(ctx).includes('keychain_account'), yamlOf(ctx));

  const out = await runCli(ctx, ['logout', profile, '--forget', '--json']);
  assert.equal(out.code, 0, out.stderr);
  assert.deepEqual(json(out), { profile, keychain_deleted: false, forgotten: true });

  // The same from an entry under the bare name (stored by an older version).
  const legacy = `${profile}-old`;
  clearAfter(t, ctx, legacy);
  writeFileSync(join(ctx.home, 'keys.yaml'), `version: 1\nprofiles:\n  ${legacy}:\n    url: https://acme.example\n    db: acme\n    login: i\n    key_source: keychain\nkeys: []\n`, { mode: 0o600 });
  storeLegacy(legacy, 'OLD-UPSTREAM-KEY');
  // The bare name's entry holds another key than the file's: it may be another registry's (older
  // versions shared it), so it stays, with a warning saying why.
  const movedLegacy = await runCli(ctx, ['login', legacy, '--no-verify', '--upstream-key-file', file, '--json']);
  assert.equal(movedLegacy.code, 0, movedLegacy.stderr);
  assert.deepEqual(entriesOf(legacy), ['OLD-UPSTREAM-KEY']);
  assert.match((json(movedLegacy).warnings as string[]).join('\n'), new RegExp(`left the OS keychain entry of the bare name '${legacy}'`));
  assert.ok(!yamlOf(ctx).includes('keychain_account'), 'logout is not pointed at an entry that may be another registry\'s');
  // Holding the very key moved to the file, it is this registry's to remove.
  const same = `${profile}-same`;
  clearAfter(t, ctx, same);
  writeFileSync(join(ctx.home, 'keys.yaml'), `version: 1\nprofiles:\n  ${same}:\n    url: https://acme.example\n    db: acme\n    login: i\n    key_source: keychain\nkeys: []\n`, { mode: 0o600 });
  storeLegacy(same, 'NEW-UPSTREAM-KEY');
  const movedSame = await runCli(ctx, ['login', same, '--no-verify', '--upstream-key-file', file]);
  assert.equal(movedSame.code, 0, movedSame.stderr);
  assert.deepEqual(entriesOf(same), []);
});

test("a login moving an older profile to an account of its own leaves the bare name's entry when it holds another key (another registry's)", { skip: SKIP }, async (t) => {
  const profile = `shared-${randomBytes(4).toString('hex')}`;
  const a = home(t);
  clearAfter(t, a, profile);
  mkdirSync(a.home, { recursive: true });
  writeFileSync(join(a.home, 'keys.yaml'), `version: 1\nprofiles:\n  ${profile}:\n    url: https://a.example\n    db: a\n    login: i\n    key_source: keychain\nkeys: []\n`, { mode: 0o600 });
  // Home B (an older version) logged in last: the bare name holds B's key.
  storeLegacy(profile, 'KEY-OF-B');
  const r = await runCli(a, ['login', profile, '--no-verify', '--upstream-key-stdin', '--json'], 'KEY-OF-A');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lookup(profile), 'KEY-OF-B', "B's key is still where B reads it");
  assert.equal(lookup(json(r).keychain_account as string), 'KEY-OF-A');
  assert.match((json(r).warnings as string[]).join('\n'), /holds another key than the one given/);
});

test('an entry that could not be deleted when the profile moved to a key file is recorded, and logout deletes it', { skip: SKIP }, async (t) => {
  const profile = `left-${randomBytes(4).toString('hex')}`;
  const ctx = home(t);
  clearAfter(t, ctx, profile);
  const base = ['--url', 'https://acme.example', '--db', 'acme', '--user', 'i', '--no-verify'];
  const first = await runCli(ctx, ['login', profile, ...base, '--upstream-key-stdin', '--json'], 'OLD-UPSTREAM-KEY');
  assert.equal(first.code, 0, first.stderr);
  const account = (json(first).keychain_account as string | undefined) ?? profile;

  mkdirSync(ctx.state, { recursive: true });
  const file = join(ctx.state, 'prod.key');
  writeFileSync(file, 'NEW-UPSTREAM-KEY\n', { mode: 0o600 });
  // No keychain for this login: the move succeeds, the old entry stays, and keys.yaml says where.
  const moved = await runCli({ ...ctx, env: { ODOO_KEYS_KEYCHAIN: 'off' } }, ['login', profile, ...base, '--upstream-key-file', file]);
  assert.equal(moved.code, 0, moved.stderr);
  assert.deepEqual(entriesOf(profile), ['OLD-UPSTREAM-KEY']);

  // The key file is what the profile uses now; logout still deletes the entry it left behind.
  const out = await runCli(ctx, ['logout', profile, '--json']);
  assert.equal(out.code, 0, out.stderr);
  assert.deepEqual(json(out), { profile, keychain_deleted: true, forgotten: false });
  assert.deepEqual(entriesOf(profile), []);
  assert.ok(!yamlOf(ctx).includes('keychain_account'), yamlOf(ctx));
  assert.match(moved.stderr, new RegExp(`warning: the OS keychain could not be cleared of the old upstream key of ${profile}, if any \\(service odoo-keys, account ${account}\\).*odoo-keys logout ${profile} removes it`));
});
