import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { startStandin } from '../standin/server.js';
import { RegistryStore } from '../../src/registry/store.js';
import { registryPath } from '../../src/registry/paths.js';
import { mintKey } from '../../src/registry/keys.js';
import { startProxy, StartupError } from '../../src/proxy/runtime.js';
import { silentLogger } from '../../src/proxy/log.js';
import { post } from '../support/proxy-harness.js';
import { connectionsWithin, openFileLimit } from '../../src/proxy/server.js';

const RULES = [{ model: 'res.partner', methods: ['read'], fields: ['name'] }];

/** A stand-in, and a registry whose profile 'p' points at it with the given keys (read on res.partner). */
async function registryOnStandin(t: { after: (fn: () => Promise<void>) => void }, names: string[]): Promise<{ root: string; store: RegistryStore; keys: ReturnType<typeof mintKey>[] }> {
  const odoo = await startStandin({ version: 19 });
  const root = mkdtempSync(join(tmpdir(), 'odoo-keys-rt-'));
  t.after(async () => {
    await odoo.close();
    rmSync(root, { recursive: true, force: true });
  });
  const keyFile = join(root, 'k');
  writeFileSync(keyFile, odoo.users.integration.apiKey!, { mode: 0o600 });
  const store = new RegistryStore(registryPath(join(root, 'config')));
  const keys = names.map(() => mintKey());
  await store.update((reg) => {
    reg.profiles.p = { url: odoo.url, db: odoo.db, login: 'integration', key_file: keyFile } as (typeof reg.profiles)[string];
    reg.default_profile = 'p';
    names.forEach((name, i) => reg.keys.push({ id: keys[i]!.id, name, profile: 'p', hash: keys[i]!.hash, created: new Date().toISOString(), rules: RULES }));
  });
  return { root, store, keys };
}

test('registryKeys: false (exec’s proxy) accepts its temporary key alone, not the registry’s keys', async (t) => {
  const { root, keys: [stored] } = await registryOnStandin(t, ['stored']);
  const rules = RULES;
  const temp = mintKey();
  const proxy = await startProxy({
    home: join(root, 'config'),
    profiles: [],
    host: '127.0.0.1',
    port: 0,
    auditDir: null,
    stateDir: join(root, 'state'),
    temporaryKeys: [{ record: { id: temp.id, name: 'exec', profile: 'p', hash: temp.hash, created: new Date().toISOString(), rules }, temporary: { user: 'u', host: 'h', cwd: '/', command: 'x' } }],
    registryKeys: false,
    watch: false,
    log: silentLogger,
  });
  t.after(() => proxy.close(500));
  const call = (k: string): ReturnType<typeof post> => post(`${proxy.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${k}`, 'Content-Type': 'application/json' });
  assert.equal((await call(temp.token)).status, 200);
  assert.equal((await call(stored!.token)).status, 401, 'a registry key is not accepted by exec’s proxy');
});

test('a key revoked while the proxy was starting (after keys.yaml was read) is refused from the first call', async (t) => {
  const { root, store, keys: [key, other] } = await registryOnStandin(t, ['sync', 'other']);
  // The proxy read keys.yaml, then (while it logged in upstream, say) the key was revoked.
  const snapshot = await store.readSnapshot();
  await store.update((reg) => {
    reg.keys.find((k) => k.id === key!.id)!.revoked = new Date(Date.now() - 1000).toISOString();
  });
  const proxy = await startProxy({ home: join(root, 'config'), profiles: [], host: '127.0.0.1', port: 0, auditDir: null, stateDir: join(root, 'state'), registry: snapshot, log: silentLogger });
  t.after(() => proxy.close(500));
  const call = (k: string): ReturnType<typeof post> => post(`${proxy.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${k}`, 'Content-Type': 'application/json' });
  // At once: no waiting for the watch to notice.
  assert.equal((await call(key!.token)).status, 401, 'the key revoked after the read still works');
  assert.equal((await call(other!.token)).status, 200);
});

test('startProxy refuses $ODOO_KEYS_UPSTREAM_KEY when two served profiles would take it (the one key would go to each one’s Odoo)', async (t) => {
  const { root, store } = await registryOnStandin(t, []);
  await store.update((reg) => {
    reg.profiles.q = { url: 'http://127.0.0.1:9', db: 'other', login: 'someone' };
    reg.profiles.r = { url: 'http://127.0.0.1:9', db: 'third', login: 'someone', key_source: 'env' };
    // Logged out: takes nothing, not even the variable.
    reg.profiles.s = { url: 'http://127.0.0.1:9', db: 'fourth', login: 'someone', key_source: 'none' };
  });
  const before = process.env.ODOO_KEYS_UPSTREAM_KEY;
  process.env.ODOO_KEYS_UPSTREAM_KEY = 'KEY-OF-ONE-ODOO';
  t.after(() => {
    if (before === undefined) delete process.env.ODOO_KEYS_UPSTREAM_KEY;
    else process.env.ODOO_KEYS_UPSTREAM_KEY = before;
  });
  const start = (profiles: string[]) => startProxy({ home: join(root, 'config'), profiles, host: '127.0.0.1', port: 0, auditDir: null, stateDir: join(root, 'state'), watch: false, log: silentLogger });
  // q records no key source, r records env: both would take the variable.
  // The message must not read as if `key_source: none` (logged out) took the variable.
  await assert.rejects(start(['p', 'q', 'r', 's']), (e: unknown) => e instanceof StartupError && /ODOO_KEYS_UPSTREAM_KEY is one key, and profiles 'q', 'r' would all take it \(key_source env, or no key_source recorded\)/.test(e.message));
  // p has its own key file: with q alone taking the variable, nothing goes where it should not (q's Odoo is not there).
  await assert.rejects(start(['p', 'q']), (e: unknown) => !/would all take it/.test((e as Error).message));
});

test('startProxy refuses one upstream key file for several profiles (it would be sent to each one’s Odoo)', async (t) => {
  const { root, store } = await registryOnStandin(t, []);
  await store.update((reg) => {
    reg.profiles.q = { url: 'http://127.0.0.1:9', db: 'other', login: 'someone' };
  });
  await assert.rejects(
    startProxy({ home: join(root, 'config'), profiles: ['p', 'q'], host: '127.0.0.1', port: 0, auditDir: null, stateDir: join(root, 'state'), upstreamKeyFile: join(root, 'k'), watch: false, log: silentLogger }),
    (e: unknown) => e instanceof StartupError && /an upstream key file is for one profile, not 2/.test(e.message),
  );
});

test('profiles sharing one Odoo origin with preconnect on and off: off for all, whatever their order, and said', async (t) => {
  const { root, store, keys: [key] } = await registryOnStandin(t, ['reader']);
  await store.update((reg) => {
    // An http Odoo's prefork workers would wait on spares: q's operator turned them off.
    reg.profiles.q = { ...reg.profiles.p!, preconnect: false };
    reg.profiles.p!.preconnect = true;
  });
  for (const order of [['q', 'p'], ['p', 'q']]) {
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (msg: string) => void warnings.push(msg) };
    const proxy = await startProxy({ home: join(root, 'config'), profiles: order, host: '127.0.0.1', port: 0, auditDir: null, stateDir: join(root, 'state'), watch: false, log, server: { metrics: true } });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await post(`${proxy.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${key!.token}`, 'Content-Type': 'application/json' });
        assert.equal(r.status, 200);
      }
      const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
      assert.match(metrics, /^odoo_keys_upstream_spares_opened_total 0$/m, `served as ${order.join(', ')}`);
      assert.ok(warnings.some((w) => /profiles 'q', 'p'|profiles 'p', 'q'/.test(w) && /preconnect both on and off: it is off/.test(w)), warnings.join('\n'));
    } finally {
      await proxy.close(500);
    }
  }
});

test('the default --max-connections leaves room for a pool of sockets to each Odoo served, not one in all', { skip: openFileLimit() === undefined ? 'no open-files limit here' : false }, async (t) => {
  const { root, store } = await registryOnStandin(t, []);
  const other = await startStandin({ version: 19 });
  t.after(() => other.close());
  await store.update((reg) => {
    reg.profiles.q = { ...reg.profiles.p!, url: other.url, key_file: join(root, 'k2') };
    reg.profiles.r = { ...reg.profiles.p! }; // the same Odoo as p: no second pool
  });
  writeFileSync(join(root, 'k2'), other.users.integration.apiKey!, { mode: 0o600 });
  const limit = openFileLimit()!;
  for (const [profiles, origins] of [[['p'], 1], [['p', 'r'], 1], [['p', 'q', 'r'], 2]] as const) {
    const proxy = await startProxy({ home: join(root, 'config'), profiles: [...profiles], host: '127.0.0.1', port: 0, auditDir: null, stateDir: join(root, 'state'), watch: false, log: silentLogger });
    try {
      // 64 sockets to each origin (the pool's maxSockets by default).
      assert.equal(proxy.maxConnections, connectionsWithin(limit, 64 * origins), profiles.join(', '));
    } finally {
      await proxy.close(500);
    }
  }
});

test('serve starts on a keys.yaml holding an entry this version cannot read: that key refused, the rest served; the served profile itself unreadable is a clear refusal to start', async (t) => {
  const { root, keys: [newer, plain] } = await registryOnStandin(t, ['newer', 'plain']);
  const path = registryPath(join(root, 'config'));
  const edit = (change: (doc: ReturnType<typeof parseDocument>) => void): void => {
    const doc = parseDocument(readFileSync(path, 'utf8'));
    change(doc);
    writeFileSync(path, doc.toString());
  };
  // A replica restarted after a newer odoo-keys wrote a field: it must come up (a crash loop would
  // stop every integration it serves), refusing what it cannot read.
  edit((doc) => doc.setIn(['keys', 0, 'max_records'], 10));
  const errors: string[] = [];
  const proxy = await startProxy({ home: join(root, 'config'), profiles: [], host: '127.0.0.1', port: 0, auditDir: null, stateDir: join(root, 'state'), watch: false, log: { ...silentLogger, error: (_m, f) => void errors.push(String(f?.problem)) } });
  t.after(() => proxy.close(500));
  const call = (k: string): ReturnType<typeof post> => post(`${proxy.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${k}`, 'Content-Type': 'application/json' });
  assert.equal((await call(plain!.token)).status, 200);
  const refused = await call(newer!.token);
  assert.equal(refused.status, 401);
  assert.match(refused.text, /cannot be read by this odoo-keys/);
  assert.ok(errors.some((e) => /keys\.yaml:\d+: keys\[0\]\.max_records: unknown field/.test(e)), JSON.stringify(errors));

  edit((doc) => doc.setIn(['profiles', 'p', 'failover_url'], 'https://b.example.com'));
  await assert.rejects(
    startProxy({ home: join(root, 'config'), profiles: [], host: '127.0.0.1', port: 0, auditDir: null, stateDir: join(root, 'state'), watch: false, log: silentLogger }),
    (e: unknown) => /the profile 'p' cannot be read by this odoo-keys: .*keys\.yaml:\d+: profiles\.p\.failover_url: unknown field/.test((e as Error).message),
  );
});

test('shutdown opens no spare connection to Odoo: the answer to a call in flight during close() does not open one, the one waiting is closed', async (t) => {
  const odoo = await startStandin({ version: 19 });
  t.after(() => odoo.close());
  // Counts the TCP connections made to Odoo.
  const sockets: net.Socket[] = [];
  const counter = net.createServer((client) => {
    sockets.push(client);
    const back = net.connect(Number(new URL(odoo.url).port), '127.0.0.1');
    sockets.push(back);
    for (const s of [client, back]) s.on('error', () => undefined);
    client.pipe(back).pipe(client);
    back.on('close', () => client.destroy());
    client.on('close', () => back.destroy());
  });
  await new Promise<void>((r) => counter.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    counter.close();
  });
  let connections = 0;
  counter.on('connection', () => connections++);
  const root = mkdtempSync(join(tmpdir(), 'odoo-keys-rt-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const keyFile = join(root, 'k');
  writeFileSync(keyFile, odoo.users.integration.apiKey!, { mode: 0o600 });
  const store = new RegistryStore(registryPath(join(root, 'config')));
  const key = mintKey();
  await store.update((reg) => {
    reg.profiles.p = { url: `http://127.0.0.1:${(counter.address() as net.AddressInfo).port}`, db: odoo.db, login: 'integration', key_file: keyFile, preconnect: true } as (typeof reg.profiles)[string];
    reg.default_profile = 'p';
    reg.keys.push({ id: key.id, name: 'reader', profile: 'p', hash: key.hash, created: new Date().toISOString(), rules: RULES });
  });
  const proxy = await startProxy({ home: join(root, 'config'), profiles: [], host: '127.0.0.1', port: 0, auditDir: null, stateDir: join(root, 'state'), watch: false, log: silentLogger });
  t.after(() => proxy.close(0));
  const call = (): Promise<{ status: number }> => post(`${proxy.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${key.token}`, 'Content-Type': 'application/json' });
  assert.equal((await call()).status, 200);
  // The next call is held at Odoo while the proxy shuts down, longer than a spare waits for a call
  // (SPARE_MS): the spare it opened is gone by the time its answer comes, so that answer would open another.
  odoo.faults.delayMs = 2000;
  const before = odoo.received.length;
  const inFlight = call();
  for (let i = 0; odoo.received.length === before; i++) {
    assert.ok(i < 5000, 'the call never reached Odoo');
    await new Promise((r) => setTimeout(r, 2));
  }
  const atClose = connections;
  const closed = proxy.close(5000);
  assert.equal((await inFlight).status, 200, 'the call in flight is answered');
  await closed;
  // Let any connection opened at the answer reach the counter.
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(connections, atClose, 'no connection opened to Odoo after shutdown began');
});
