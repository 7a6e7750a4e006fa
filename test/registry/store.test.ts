import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync, mkdirSync, utimesSync, chmodSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryStore, parseRegistry, parseRegistryOffThread } from '../../src/registry/store.js';
import { keyStatus } from '../../src/registry/registry.js';
import { RegistryError } from '../../src/registry/errors.js';
import { mintKey } from '../../src/registry/keys.js';
import { PROCESS_SPACE, processStarted } from '../../src/registry/lock.js';
import type { KeyRecord, Registry } from '../../src/registry/types.js';
import { runCli } from '../support/cli.js';
import { Worker, type WorkerOptions } from 'node:worker_threads';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'odoo-keys-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const H1 = `sha256:${'1'.repeat(64)}`;
const H2 = `sha256:${'2'.repeat(64)}`;

/** A hand-written registry with comments, flow style and an unusual order, as a user might keep it. */
const HAND_WRITTEN = `# keys.yaml — profiles and keys; hashes only, so it may live in a private repo
version: 1
profiles:
  prod:                       # the upstream key is in the OS keychain
    url: https://acme.odoo.com
    db: acme
    login: integration@acme.com
keys:
  - id: 7f3a9c2e              # public, appears in the token
    name: website-form
    profile: prod
    hash: ${H1}
    created: 2026-11-28T10:00:00Z
    expires: 2027-02-26T10:00:00Z
    limits: { ips: [203.0.113.0/24], rate: 30/min }
    rules:
      - model: crm.lead
        methods: [create]
        fields: [name, email_from, phone, description]   # what the form sends
  # the nightly job
  - id: 1c0de5a1
    name: nightly-sync
    profile: prod
    hash: ${H2}
    created: 2026-11-28T10:00:00Z
    limits: { hours: "Mon-Sun 01:00-03:00 Europe/Amsterdam" }
    rules:
      - { model: res.partner, methods: [read], fields: [name, email, customer_rank], domain: [[customer_rank, ">", 0]] }
      - { model: x_saas_stats, methods: [read, create, write] }
`;

function newKey(name: string, profile = 'prod'): KeyRecord {
  const k = mintKey();
  return { id: k.id, name, profile, hash: k.hash, created: '2026-11-28T11:00:00Z', rules: [{ model: 'res.partner', methods: ['read'] }] };
}


/** A temporary folder holding HAND_WRITTEN as keys.yaml (mode 0600), and a store on it. */
function handWrittenStore(t: { after: (fn: () => unknown) => void }): { dir: string; file: string; store: RegistryStore } {
  const dir = tempDir(t);
  const file = join(dir, 'keys.yaml');
  writeFileSync(file, HAND_WRITTEN, { mode: 0o600 });
  return { dir, file, store: new RegistryStore(file) };
}
test('a missing registry reads as empty; the first update creates it with mode 0600 in a 0700 folder', async (t) => {
  const dir = join(tempDir(t), 'nested', 'odoo-keys');
  const store = new RegistryStore(join(dir, 'keys.yaml'));
  assert.deepEqual(await store.read(), { version: 1, profiles: {}, keys: [] });
  await store.update((reg) => {
    reg.profiles.prod = { url: 'https://acme.odoo.com', db: 'acme', login: 'i@acme.com' };
    reg.default_profile = 'prod';
  });
  const file = join(dir, 'keys.yaml');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^# keys\.yaml: odoo-keys profiles and keys/);
  assert.match(text, /^version: 1$/m);
  const back = await store.read();
  assert.equal(back.default_profile, 'prod');
  assert.equal(existsSync(`${file}.lock`), false, 'the lock is released');
});

test('edits keep the user\'s comments, order and flow style; only what changed is touched', async (t) => {
  const { file, store } = handWrittenStore(t);
  const added = newKey('ai-assistant');
  await store.update((reg) => {
    reg.keys.push(added);
    reg.keys[0]!.limits = { ...reg.keys[0]!.limits, rate: '60/min' };
  });
  const text = readFileSync(file, 'utf8');
  // The yaml library re-renders spacing (flow collections as `{a: [b]}`, one space before a
  // trailing comment) and puts a comment that followed `key:` of a block on the next line.
  // Every comment and every value stays, in the order written.
  const unpadded = (s: string): string => s.replace(/([{[]) +/g, '$1').replace(/ +([}\]])/g, '$1');
  let at = 0;
  for (const line of HAND_WRITTEN.split('\n')) {
    if (line.includes('rate: 30/min') || line.trim() === '') continue; // the one value that changed
    const hash = line.indexOf(' #') >= 0 ? line.indexOf(' #') : line.trimStart().startsWith('#') ? line.indexOf('#') : -1;
    const content = unpadded((hash >= 0 ? line.slice(0, hash) : line).trimEnd());
    const comment = hash >= 0 ? line.slice(hash).trim() : '';
    if (content.trim()) {
      const found = text.indexOf(content, at);
      assert.ok(found >= 0, `kept, in order: ${content}`);
      at = found;
    }
    if (comment) assert.ok(text.includes(comment), `comment kept: ${comment}`);
  }
  assert.match(text, /limits: \{ips: \[203\.0\.113\.0\/24\], rate: 60\/min\}/);
  assert.ok(text.indexOf('website-form') < text.indexOf('nightly-sync') && text.indexOf('nightly-sync') < text.indexOf('ai-assistant'));
  const reg = await store.read();
  assert.deepEqual(reg.keys.map((k) => k.name), ['website-form', 'nightly-sync', 'ai-assistant']);
  assert.deepEqual(reg.keys[2], added);
  assert.deepEqual(reg.keys[1]!.rules[0]!.domain, [['customer_rank', '>', 0]]);

  // Removing a key removes its lines and nothing else.
  await store.update((reg) => {
    reg.keys = reg.keys.filter((k) => k.name !== 'website-form');
  });
  const after = readFileSync(file, 'utf8');
  assert.ok(!after.includes('website-form'));
  assert.ok(after.includes('# the nightly job'));
  assert.ok(after.includes('# keys.yaml — profiles and keys; hashes only, so it may live in a private repo'));
  assert.ok(after.includes('# the upstream key is in the OS keychain'));
});

test('an update that changes nothing does not rewrite the file', async (t) => {
  const file = join(tempDir(t), 'keys.yaml');
  writeFileSync(file, HAND_WRITTEN, { mode: 0o600 });
  const before = statSync(file);
  const out = await new RegistryStore(file).update((reg) => reg.keys.length);
  assert.equal(out, 2);
  assert.equal(statSync(file).ino, before.ino);
  assert.equal(readFileSync(file, 'utf8'), HAND_WRITTEN);
});

const CORRUPTIONS: Array<{ what: string; text: string; line: number; field?: string; code: string; message: RegExp }> = [
  { what: 'truncated in the middle of a hash', text: HAND_WRITTEN.slice(0, HAND_WRITTEN.indexOf(H1) + 20), line: 9, field: 'keys[0]', code: 'registry_invalid', message: /keys\[0\]: the key needs created/ },
  { what: 'a hash cut short', text: HAND_WRITTEN.replace(H1, H1.slice(0, 30)), line: 12, field: 'keys[0].hash', code: 'registry_invalid', message: /keys\[0\]\.hash: must be sha256:/ },
  { what: 'truncated inside a flow mapping', text: HAND_WRITTEN.slice(0, HAND_WRITTEN.indexOf('rate: 30/min')), line: 15, code: 'registry_malformed', message: /not valid YAML/ },
  { what: 'malformed YAML (bad indentation)', text: HAND_WRITTEN.replace('    db: acme', '  db: acme\n     x'), line: 6, code: 'registry_malformed', message: /not valid YAML/ },
  { what: 'a duplicate key in a mapping', text: HAND_WRITTEN.replace('    db: acme', '    db: acme\n    db: other'), line: 7, code: 'registry_malformed', message: /not valid YAML/ },
  { what: 'a bad rule (private method)', text: HAND_WRITTEN.replace('methods: [create]', 'methods: [create, _compute]'), line: 18, field: 'keys[0].rules[0].methods[1]', code: 'registry_invalid', message: /keys\[0\]\.rules\[0\]\.methods\[1\]: '_compute': methods beginning with '_' are private/ },
  { what: 'a bad limit', text: HAND_WRITTEN.replace('rate: 30/min', 'rate: lots'), line: 15, field: 'keys[0].limits.rate', code: 'registry_invalid', message: /keys\[0\]\.limits\.rate:/ },
  { what: 'a misspelt field', text: HAND_WRITTEN.replace('    expires: 2027', '    expire: 2027'), line: 14, field: 'keys[0].expire', code: 'registry_invalid', message: /keys\[0\]\.expire: unknown field 'expire'/ },
  { what: 'an unknown version', text: HAND_WRITTEN.replace('version: 1', 'version: 2'), line: 2, field: 'version', code: 'registry_version', message: /unknown registry version 2; this odoo-keys reads version 1/ },
  { what: 'an empty file', text: '', line: 1, field: 'version', code: 'registry_malformed', message: /the registry is empty/ },
];

for (const c of CORRUPTIONS) {
  test(`corruption, ${c.what}: read and update fail naming file, line and field; the file is left as it was`, async (t) => {
    const file = join(tempDir(t), 'keys.yaml');
    writeFileSync(file, c.text, { mode: 0o600 });
    const store = new RegistryStore(file);
    const check = (e: unknown): boolean => {
      assert.ok(e instanceof RegistryError, String(e));
      assert.equal(e.code, c.code);
      assert.equal(e.file, file);
      assert.equal(e.line, c.line, e.message);
      if (c.field) assert.equal(e.field, c.field);
      assert.ok(e.message.startsWith(`${file}:${c.line}: `), e.message);
      assert.match(e.message, c.message);
      return true;
    };
    await assert.rejects(store.read(), check);
    let called = false;
    await assert.rejects(
      store.update(() => {
        called = true;
      }),
      check,
    );
    assert.equal(called, false);
    assert.equal(readFileSync(file, 'utf8'), c.text);
    assert.equal(existsSync(`${file}.lock`), false);
  });
}

test('a mutation that throws, or that would leave an invalid registry, writes nothing and releases the lock', async (t) => {
  const file = join(tempDir(t), 'keys.yaml');
  writeFileSync(file, HAND_WRITTEN, { mode: 0o600 });
  const store = new RegistryStore(file, { timeoutMs: 2000 });
  await assert.rejects(
    store.update((reg) => {
      reg.keys.pop();
      throw new Error('changed my mind');
    }),
    /changed my mind/,
  );
  await assert.rejects(
    store.update((reg) => {
      reg.keys.push({ ...newKey('website-form') }); // a second key with the same name
    }),
    (e: unknown) => e instanceof RegistryError && e.code === 'registry_invalid' && /used twice/.test(e.message),
  );
  assert.equal(readFileSync(file, 'utf8'), HAND_WRITTEN);
  assert.equal(await store.update((reg) => reg.keys.length), 2, 'the lock was released');
});

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('a stale lock left by a killed process is recovered; a live holder is waited for, then reported', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'keys.yaml');
  writeFileSync(file, HAND_WRITTEN, { mode: 0o600 });
  const lock = `${file}.lock`;
  const store = new RegistryStore(file, { timeoutMs: 1500 });

  writeFileSync(lock, JSON.stringify({ pid: deadPid(), host: hostname(), token: 'dead', since: Date.now() }));
  await store.update((reg) => reg.keys.push(newKey('after-dead-holder')));
  assert.equal(existsSync(lock), false);

  // Garbage in an old lock file (a holder killed while writing it) is stale too.
  writeFileSync(lock, '{"pid":');
  const old = new Date(Date.now() - 120_000);
  utimesSync(lock, old, old);
  await store.update((reg) => reg.keys.push(newKey('after-garbage')));

  // Held by a live process (this one, another token): the update waits, then gives up naming the holder.
  const live = JSON.stringify({ pid: process.pid, host: hostname(), token: 'live', since: Date.now() });
  writeFileSync(lock, live);
  await assert.rejects(
    store.update(() => assert.fail('must not run without the lock')),
    (e: unknown) => e instanceof RegistryError && e.code === 'registry_locked' && e.message.includes(`process ${process.pid}`),
  );
  assert.equal(readFileSync(lock, 'utf8'), live, 'a live lock is never broken');

  // Old but held by a live process of this machine (a writer stopped with Ctrl-Z, a suspended
  // laptop): never broken for its age; it would write over whatever came after when it goes on.
  const ancientLive = JSON.stringify({ pid: process.pid, host: hostname(), token: 'ancient', since: Date.now() - 10 * 60_000 });
  writeFileSync(lock, ancientLive);
  const old10 = new Date(Date.now() - 10 * 60_000);
  utimesSync(lock, old10, old10);
  await assert.rejects(
    store.update(() => assert.fail('must not run without the lock')),
    (e: unknown) => e instanceof RegistryError && e.code === 'registry_locked' && /Ctrl-Z/.test(e.message),
  );
  assert.equal(readFileSync(lock, 'utf8'), ancientLive, 'a live lock is never broken, however old');

  // The same host name, another pid namespace or boot (two containers sharing the folder): its
  // pid means nothing here, so it is judged by age only: waited for while young, broken when old.
  const elsewhere = { pid: deadPid(), host: hostname(), token: 'container', space: 'another-boot/pid:[1]' };
  writeFileSync(lock, JSON.stringify({ ...elsewhere, since: Date.now() }));
  await assert.rejects(store.update(() => assert.fail('must not run without the lock')), (e: unknown) => e instanceof RegistryError && e.code === 'registry_locked');
  writeFileSync(lock, JSON.stringify({ ...elsewhere, since: Date.now() - 10 * 60_000 }));
  await store.update((reg) => reg.keys.push(newKey('after-other-container')));
  // Another host's lock, old: broken.
  writeFileSync(lock, JSON.stringify({ pid: process.pid, host: `not-${hostname()}`, token: 'remote', since: Date.now() - 10 * 60_000 }));
  await store.update((reg) => reg.keys.push(newKey('after-remote')));
  assert.deepEqual((await store.read()).keys.map((k) => k.name).slice(2), ['after-dead-holder', 'after-garbage', 'after-other-container', 'after-remote']);
});

test('a lock whose pid now belongs to another process (started later: the pid was reused) is stale; the process that took it is waited for', { skip: processStarted(process.pid) === undefined && 'no /proc here' }, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'keys.yaml');
  writeFileSync(file, HAND_WRITTEN, { mode: 0o600 });
  const lock = `${file}.lock`;
  const store = new RegistryStore(file, { timeoutMs: 800 });
  // A live process of this machine stands for whatever program got the dead writer's pid.
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => other.kill());
  await new Promise((r) => other.once('spawn', r));
  const started = processStarted(other.pid!)!;
  const owner = { pid: other.pid!, host: hostname(), token: 'reused', since: Date.now(), ...(PROCESS_SPACE ? { space: PROCESS_SPACE } : {}) };
  // The lock's owner is that very process: waited for, never broken.
  writeFileSync(lock, JSON.stringify({ ...owner, started }));
  await assert.rejects(store.update(() => assert.fail('must not run without the lock')), (e: unknown) => e instanceof RegistryError && e.code === 'registry_locked');
  // The lock's owner started earlier than the process now holding its pid: gone, so the lock is taken.
  writeFileSync(lock, JSON.stringify({ ...owner, started: started - 1 }));
  await store.update((reg) => reg.keys.push(newKey('after-reused-pid')));
  assert.equal(existsSync(lock), false);
  assert.ok((await store.read()).keys.some((k) => k.name === 'after-reused-pid'));
});

test('update: a writer whose lock was taken over while it worked does not write its stale draft; it starts over on the newer file', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'keys.yaml');
  writeFileSync(file, HAND_WRITTEN, { mode: 0o600 });
  const slow = new RegistryStore(file);
  let calls = 0;
  const result = await slow.update(async (reg) => {
    calls++;
    if (calls === 1) {
      // Stalled past the lock's staleness (as another host's writer would judge it): the lock is
      // broken, and another writer revokes a key meanwhile.
      rmSync(`${file}.lock`);
      await new RegistryStore(file).update((r) => {
        r.keys.find((k) => k.name === 'website-form')!.revoked = '2026-11-29T00:00:00Z';
      });
    }
    reg.keys.push(newKey(`slow-${calls}`));
    return calls;
  });
  assert.equal(result, 2, 'the edit was made again on the file as the other writer left it');
  const after = await slow.read();
  assert.equal(after.keys.find((k) => k.name === 'website-form')!.revoked, '2026-11-29T00:00:00Z', 'the revocation stands');
  assert.deepEqual(after.keys.map((k) => k.name), ['website-form', 'nightly-sync', 'slow-2']);
  assert.equal(existsSync(`${file}.lock`), false, 'the lock is released');
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temporary file left');
});

test('update: a hand edit saved while a command edits the file is kept; a file that keeps changing is reported, not overwritten', async (t) => {
  const { dir, file, store } = handWrittenStore(t);
  let calls = 0;
  await store.update((reg) => {
    if (calls++ === 0) writeFileSync(file, readFileSync(file, 'utf8').replace('name: nightly-sync', 'name: nightly-sync-renamed'));
    reg.keys.push(newKey('added'));
  });
  assert.deepEqual((await store.read()).keys.map((k) => k.name), ['website-form', 'nightly-sync-renamed', 'added']);

  // Changed under every attempt: a clear error, the last hand edit left as it is.
  let n = 0;
  await assert.rejects(
    store.update((reg) => {
      writeFileSync(file, readFileSync(file, 'utf8').replace(/# the nightly job.*\n/, `# the nightly job ${++n}\n`));
      reg.keys.push(newKey('never'));
    }),
    (e: unknown) => e instanceof RegistryError && e.code === 'registry_locked' && /changed by another program/.test(e.message) && /run the command again/.test(e.message),
  );
  assert.ok(n > 1);
  assert.match(readFileSync(file, 'utf8'), new RegExp(`# the nightly job ${n}\n`));
  assert.equal((await store.read()).keys.some((k) => k.name === 'never'), false);
  assert.equal(existsSync(`${file}.lock`), false);
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
});

test('update: a symlinked keys.yaml stays a link; the file it points to is the one changed', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'repo'));
  mkdirSync(join(dir, 'config'));
  const target = join(dir, 'repo', 'keys.yaml');
  const link = join(dir, 'config', 'keys.yaml');
  writeFileSync(target, HAND_WRITTEN, { mode: 0o600 });
  symlinkSync('../repo/keys.yaml', link);
  const store = new RegistryStore(link);
  await store.update((reg) => {
    reg.keys.find((k) => k.name === 'website-form')!.revoked = '2026-11-29T00:00:00Z';
  });
  assert.ok(lstatSync(link).isSymbolicLink(), 'still a link');
  assert.equal(readlinkSync(link), '../repo/keys.yaml');
  assert.equal((await new RegistryStore(target).read()).keys[0]!.revoked, '2026-11-29T00:00:00Z', 'the repository copy is revoked');
  assert.match(readFileSync(target, 'utf8'), /# the nightly job/, 'comments kept');
  assert.deepEqual([...readdirSync(join(dir, 'repo')), ...readdirSync(join(dir, 'config'))].filter((n) => n.endsWith('.tmp')), []);

  // A link to a file not there yet: the first write creates that file, the link stays.
  const dangling = join(dir, 'config', 'other.yaml');
  symlinkSync('../repo/other.yaml', dangling);
  await new RegistryStore(dangling).update((reg) => {
    reg.profiles.prod = { url: 'https://acme.odoo.com', db: 'acme', login: 'i@acme.com' };
  });
  assert.ok(lstatSync(dangling).isSymbolicLink());
  assert.match(readFileSync(join(dir, 'repo', 'other.yaml'), 'utf8'), /acme\.odoo\.com/);
});

function waitFor<T>(what: string, register: (resolve: (v: T) => void) => void, ms = 15_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    register((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

test('watch: reports changes made by another process, keeps quiet on a bad file and reports it instead', async (t) => {
  const dir = tempDir(t);
  const home = join(dir, 'config');
  mkdirSync(home);
  const file = join(home, 'keys.yaml');
  writeFileSync(file, HAND_WRITTEN, { mode: 0o600 });
  const store = new RegistryStore(file);
  const changes: Registry[] = [];
  const errors: Error[] = [];
  let onChange: ((r: Registry) => void) | undefined;
  let onError: ((e: Error) => void) | undefined;
  const stop = store.watch(
    (reg) => {
      changes.push(reg);
      onChange?.(reg);
    },
    (err) => {
      errors.push(err);
      onError?.(err);
    },
  );
  t.after(stop);

  // Another process revokes a key through the CLI (atomic rename underneath).
  const changed = waitFor<Registry>('the revoke', (r) => (onChange = r));
  const revoke = await runCli({ home, state: join(dir, 'state') }, ['revoke', 'website-form', '--yes']);
  assert.equal(revoke.code, 0, revoke.stderr);
  const reg = await changed;
  assert.ok(reg.keys.find((k) => k.name === 'website-form')!.revoked);

  // A broken file: onError, not onChange.
  const count = changes.length;
  const failed = waitFor<Error>('the error', (r) => (onError = r));
  const good = readFileSync(file, 'utf8');
  writeFileSync(file, good.replace('version: 1', 'version: 1\n  : : ['));
  const err = await failed;
  assert.ok(err instanceof RegistryError && err.code === 'registry_malformed', err.message);
  assert.equal(changes.length, count);

  // Fixed again: onChange with the good content.
  const back = waitFor<Registry>('the fix', (r) => (onChange = r));
  writeFileSync(file, good.replace('website-form', 'website-form-2'));
  assert.equal((await back).keys[0]!.name, 'website-form-2');
  assert.equal(errors.length, 1);
});

test('watch from a snapshot: a change made after the read and before the watch began is reported; none when there was none', async (t) => {
  const { dir, file, store } = handWrittenStore(t);
  const snapshot = await store.readSnapshot();
  assert.equal(snapshot.text, HAND_WRITTEN);
  assert.deepEqual(snapshot.registry, await store.read());

  // Unchanged since the read: nothing to report (checkNow reads the file through the same queue).
  const quiet: Registry[] = [];
  const stopQuiet = store.watch((reg) => quiet.push(reg), (err) => assert.fail(err), { since: snapshot.text });
  t.after(stopQuiet);
  await stopQuiet.checkNow();
  assert.deepEqual(quiet, []);
  stopQuiet();

  // Revoked between the read and the watch: reported at the first check, with nothing else changing.
  await store.update((reg) => {
    reg.keys.find((k) => k.name === 'website-form')!.revoked = '2026-11-29T00:00:00.000Z';
  });
  const changes: Registry[] = [];
  const stop = store.watch((reg) => changes.push(reg), (err) => assert.fail(err), { since: snapshot.text });
  t.after(stop);
  await stop.checkNow();
  assert.equal(changes.length, 1);
  assert.equal(changes[0]!.keys.find((k) => k.name === 'website-form')!.revoked, '2026-11-29T00:00:00.000Z');

  // And without checkNow, the watch reads it on its own (its timers are unref'd: hold the loop open).
  const keepAlive = setInterval(() => {}, 1000);
  t.after(() => clearInterval(keepAlive));
  const later: Registry[] = [];
  const reported = new Promise<void>((resolve) => {
    const s = store.watch(
      (reg) => {
        later.push(reg);
        resolve();
      },
      (err) => assert.fail(err),
      { since: snapshot.text },
    );
    t.after(s);
  });
  await reported;
  assert.ok(later[0]!.keys.find((k) => k.name === 'website-form')!.revoked);

  // A file created after a read that found none (since: null) is a change too.
  const fresh = new RegistryStore(join(dir, 'later.yaml'));
  const none = await fresh.readSnapshot();
  assert.equal(none.text, null);
  writeFileSync(fresh.path, HAND_WRITTEN, { mode: 0o600 });
  const created: Registry[] = [];
  const stopFresh = fresh.watch((reg) => created.push(reg), (err) => assert.fail(err), { since: none.text });
  t.after(stopFresh);
  await stopFresh.checkNow();
  assert.equal(created.length, 1);
});

test('watch: checkNow() while a read is in flight waits for it and reads again, so the file as last written is what stays in force', async (t) => {
  const { file, store } = handWrittenStore(t);
  const changes: Registry[] = [];
  let held: (() => void) | undefined;
  let readStarted: () => void = () => {};
  const started = new Promise<void>((r) => (readStarted = r));
  let reads = 0;
  const stop = store.watch(
    (reg) => changes.push(reg),
    (err) => assert.fail(err),
    {
      // The first read takes the file as it is, then is held until the test lets it finish.
      readText: async (path) => {
        const text = readFileSync(path, 'utf8');
        if (reads++ === 0) {
          readStarted();
          await new Promise<void>((r) => (held = r));
        }
        return text;
      },
    },
  );
  t.after(stop);
  const good = readFileSync(file, 'utf8');
  writeFileSync(file, good.replace('website-form', 'renamed-form'));
  const first = stop.checkNow();
  await started; // the watch is reading the renamed file, and is held
  // Meanwhile the key is revoked and a reload asked for.
  await new RegistryStore(file).update((reg) => {
    reg.keys.find((k) => k.name === 'renamed-form')!.revoked = '2026-01-01T00:00:00Z';
  });
  const reloaded = stop.checkNow();
  held!();
  await Promise.all([first, reloaded]);
  const last = (): Registry => changes[changes.length - 1]!;
  assert.ok(last().keys.find((k) => k.name === 'renamed-form')!.revoked, 'the reload ends with the revocation in force');
  // And the held read, older than the revocation, never comes back over it.
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(last().keys.find((k) => k.name === 'renamed-form')!.revoked, 'still revoked');
  assert.ok(reads >= 2, 'the file was read again after the held read');
});

test('parseRegistryOffThread: the same registry as a parse in place, and the same error (message, code, line, field) for a bad file', async () => {
  const inPlace = parseRegistry(HAND_WRITTEN, 'keys.yaml').registry;
  assert.deepEqual(await parseRegistryOffThread(HAND_WRITTEN, 'keys.yaml', 0), inPlace);
  for (const bad of [HAND_WRITTEN.replace('version: 1', 'version: 1\n  : : ['), HAND_WRITTEN.replace('methods: [create]', 'methods: [_private]'), '']) {
    let expected: unknown;
    try {
      parseRegistry(bad, 'keys.yaml');
    } catch (e) {
      expected = e;
    }
    assert.ok(expected instanceof RegistryError, 'the in-place parse refuses it');
    await assert.rejects(parseRegistryOffThread(bad, 'keys.yaml', 0), (e: unknown) => {
      assert.ok(e instanceof RegistryError);
      assert.deepEqual([e.message, e.code, e.file, e.line, e.field], [expected.message, expected.code, expected.file, expected.line, expected.field]);
      return true;
    });
  }
});

test('watch: a large registry is parsed off the event loop, which keeps turning meanwhile', async (t) => {
  const { file, store } = handWrittenStore(t);
  const changes: Registry[] = [];
  const stop = store.watch((reg) => changes.push(reg), (err) => assert.fail(err), { parseInPlaceBelow: 0 });
  t.after(stop);
  await store.update((reg) => {
    for (let i = 0; i < 2000; i++) {
      const m = mintKey();
      reg.keys.push({ id: m.id, name: `bulk-${i}`, profile: reg.keys[0]!.profile, hash: m.hash, created: '2026-11-01T10:00:00.000Z', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'] }] });
    }
  });
  // Count event-loop turns while the watch reads and parses the new file.
  let turns = 0;
  const ticker = setInterval(() => turns++, 1);
  const t0 = performance.now();
  await stop.checkNow();
  const took = performance.now() - t0;
  clearInterval(ticker);
  assert.equal(changes[changes.length - 1]!.keys.length, 2000 + parseRegistry(HAND_WRITTEN, 'k').registry.keys.length);
  // In place, the loop would not turn at all until the parse is over.
  assert.ok(turns >= 10, `the event loop turned ${turns} times in ${took.toFixed(0)} ms of parsing`);
});

function emfile(): NodeJS.ErrnoException {
  return Object.assign(new Error('EMFILE: too many open files, open'), { code: 'EMFILE' });
}

for (const code of ['EMFILE', 'ESTALE', 'EIO']) {
  test(`watch: a read that fails with ${code} (out of descriptors, a network file system) is tried again until it succeeds; the revocation arrives with nothing else happening`, async (t) => {
  const { file, store } = handWrittenStore(t);
  let exhausted = true;
  let failedReads = 0;
  let onError: ((e: Error) => void) | undefined;
  let onChange: ((r: Registry) => void) | undefined;
  const stop = store.watch(
    (reg) => onChange?.(reg),
    (err) => onError?.(err),
    {
      since: HAND_WRITTEN,
      readText: async (path) => {
        if (exhausted) {
          failedReads++;
          throw Object.assign(new Error(`${code}: read failed, open`), { code });
        }
        return readFileSync(path, 'utf8');
      },
    },
  );
  t.after(stop);
  const failed = waitFor<Error>('the failed read', (r) => (onError = r));
  await store.update((reg) => {
    reg.keys.find((k) => k.name === 'website-form')!.revoked = '2026-11-29T00:00:00Z';
  });
  assert.equal((await failed).message, `${code}: read failed, open`);
  // Descriptors are free again; the file does not change any more and nobody asks for a reload.
  const changed = waitFor<Registry>('the revocation', (r) => (onChange = r));
  exhausted = false;
  assert.equal((await changed).keys.find((k) => k.name === 'website-form')!.revoked, '2026-11-29T00:00:00Z');
  assert.ok(failedReads >= 1);
});
}

test('watch: a read that fails for a lasting reason (a folder in its place, no permission) is reported once, not every retry, and a fix is taken up', async (t) => {
  const { file, store } = handWrittenStore(t);
  let reads = 0;
  let denied = true;
  const errors: Error[] = [];
  let onChange: ((r: Registry) => void) | undefined;
  const stop = store.watch(
    (reg) => onChange?.(reg),
    (err) => errors.push(err),
    {
      since: HAND_WRITTEN,
      readText: async (path) => {
        reads++;
        if (denied) throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
        return readFileSync(path, 'utf8');
      },
    },
  );
  t.after(stop);
  writeFileSync(file, `${HAND_WRITTEN}\n`);
  for (let i = 0; i < 200 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(errors.length, 1);
  // Retries would come at 100, 200, 400 and 800 ms: none comes.
  await new Promise((r) => setTimeout(r, 1600));
  assert.equal(errors.length, 1, errors.map((e) => e.message).join('; '));
  assert.equal(reads, 1);
  // The admin fixes the permission (a chmod changes only the file's ctime): the file is read.
  const changed = waitFor<Registry>('the file read after the fix', (r) => (onChange = r));
  denied = false;
  chmodSync(file, 0o600);
  assert.equal((await changed).keys.length, 2);
});

test('watch: a parser thread that cannot start (EMFILE) or dies gets the parse done in place; the change is not lost', async (t) => {
  const { file, store } = handWrittenStore(t);
  const changes: Registry[] = [];
  const errors: Error[] = [];
  let starts = 0;
  const stop = store.watch((reg) => changes.push(reg), (err) => errors.push(err), {
    since: HAND_WRITTEN,
    parseInPlaceBelow: 0,
    startWorker: () => {
      starts++;
      throw emfile();
    },
  });
  t.after(stop);
  await store.update((reg) => {
    reg.keys.find((k) => k.name === 'website-form')!.revoked = '2026-11-29T00:00:00Z';
  });
  await stop.checkNow();
  await stop.checkNow(); // as SIGHUP would, in case the first found nothing
  assert.ok(starts >= 1, 'a thread was asked for');
  assert.deepEqual(errors, []);
  assert.equal(changes.at(-1)?.keys.find((k) => k.name === 'website-form')!.revoked, '2026-11-29T00:00:00Z');

  // A thread that starts, then fails (its module cannot be loaded): the same.
  const inPlace = parseRegistry(HAND_WRITTEN, 'keys.yaml').registry;
  const broken = (_url: URL, options: WorkerOptions): Worker => new Worker(new URL('file:///nonexistent/odoo-keys-parse-worker.js'), options);
  assert.deepEqual(await parseRegistryOffThread(HAND_WRITTEN, 'keys.yaml', 0, broken), inPlace);
  // A bad file is still reported as such, with its line, by the parse in place.
  await assert.rejects(parseRegistryOffThread(HAND_WRITTEN.replace('methods: [create]', 'methods: [_private]'), 'keys.yaml', 0, broken), (e: unknown) => e instanceof RegistryError && e.code === 'registry_invalid' && e.line !== undefined);
});

test('watch: checkNow() parses the file again while an error stands, even when the file has not changed', async (t) => {
  const { file, store } = handWrittenStore(t);
  const changes: Registry[] = [];
  const errors: Error[] = [];
  const stop = store.watch((reg) => changes.push(reg), (err) => errors.push(err), { since: HAND_WRITTEN });
  t.after(stop);
  writeFileSync(file, HAND_WRITTEN.replace('version: 1', 'version: 1\n  : : ['));
  await stop.checkNow();
  assert.equal(errors.length, 1);
  // A reload (SIGHUP) says again what is wrong, rather than nothing.
  await stop.checkNow();
  assert.equal(errors.length, 2);
  assert.equal(changes.length, 0);
  // With nothing wrong, a reload of an unchanged file reports nothing.
  writeFileSync(file, HAND_WRITTEN);
  await stop.checkNow();
  assert.equal(changes.length, 1);
  await stop.checkNow();
  assert.equal(changes.length, 1);
  assert.equal(errors.length, 2);
});

test('a learning key made to start in the future by hand does not stop the file from loading (a revocation beside it counts)', () => {
  const text = HAND_WRITTEN.replace('    created: 2026-11-28T10:00:00Z\n    expires: 2027-02-26T10:00:00Z', '    created: 2099-01-01T00:00:00Z\n    expires: 2099-01-02T00:00:00Z\n    learning: true');
  assert.notEqual(text, HAND_WRITTEN);
  const { registry: reg } = parseRegistry(text, 'keys.yaml');
  assert.equal(keyStatus(reg.keys[0]!, new Date('2026-11-29T00:00:00Z')), 'not_yet');
});

test('perEntry: an entry set aside carries its file and line; the same from the parser thread as in place', async () => {
  const text = HAND_WRITTEN.replace('    limits: { hours:', '    max_records: 10\n    limits: { hours:');
  assert.notEqual(text, HAND_WRITTEN);
  assert.throws(() => parseRegistry(text, 'keys.yaml'), (e: unknown) => e instanceof RegistryError && e.line === 26 && /max_records/.test(e.message));
  const inPlace = parseRegistry(text, 'keys.yaml', true).registry;
  assert.deepEqual(inPlace.keys.map((k) => k.name), ['website-form']);
  assert.deepEqual(inPlace.refused!.keys.map((r) => [r.id, r.path]), [['1c0de5a1', 'keys[1].max_records']]);
  assert.match(inPlace.refused!.keys[0]!.problem, /^keys\.yaml:26: keys\[1\]\.max_records: unknown field 'max_records'/);
  // In a worker thread (files of 100 KB and more): the same registry, refused entries included.
  assert.deepEqual(await parseRegistryOffThread(text, 'keys.yaml', 0, undefined, true), inPlace);
  await assert.rejects(parseRegistryOffThread(text, 'keys.yaml', 0), (e: unknown) => e instanceof RegistryError && e.line === 26);
});
