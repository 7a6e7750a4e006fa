// What the proxy asks Odoo about itself (version, the key's uid) and which Odoo version shapes
// what it answers: `--upstream-protocol json2` in front of an Odoo without XML-RPC and JSON-RPC,
// one serve for profiles of different Odoo versions, and db.server_version.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startStandin, type Standin, type StandinOptions } from '../standin/server.js';
import { RegistryStore } from '../../src/registry/store.js';
import { registryPath } from '../../src/registry/paths.js';
import { mintKey } from '../../src/registry/keys.js';
import { startProxy, type RunningProxy, type RuntimeConfig } from '../../src/proxy/runtime.js';
import { createLogger, silentLogger } from '../../src/proxy/log.js';
import { executeKw, jsonrpc, RpcCallError, xmlrpc } from '../standin/client.js';
import { post } from '../support/proxy-harness.js';
import { encodeMethodCall } from '../../src/rpc/xmlrpc.js';

const RULES = [{ model: 'res.partner', methods: ['read'], fields: ['name'] }];

interface Served {
  proxy: RunningProxy;
  odoo: Record<string, Standin>;
  /** A key per profile, by profile name. */
  tokens: Record<string, string>;
  store: RegistryStore;
  ids: Record<string, string>;
}

type Ctx = { after: (fn: () => Promise<void> | void) => void };

/** Stand-ins named by profile, a registry with one profile and one key on each, and a proxy serving them in that order. */
async function serve(t: Ctx, standins: Record<string, StandinOptions>, config: Partial<RuntimeConfig> = {}): Promise<Served> {
  const root = mkdtempSync(join(tmpdir(), 'odoo-keys-upv-'));
  const odoo: Record<string, Standin> = {};
  t.after(async () => {
    for (const s of Object.values(odoo)) await s.close();
    rmSync(root, { recursive: true, force: true });
  });
  for (const [name, opts] of Object.entries(standins)) odoo[name] = await startStandin(opts);
  const store = new RegistryStore(registryPath(join(root, 'config')));
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  await store.update((reg) => {
    for (const [name, s] of Object.entries(odoo)) {
      const keyFile = join(root, `${name}.key`);
      writeFileSync(keyFile, s.users.integration.apiKey!, { mode: 0o600 });
      reg.profiles[name] = { url: s.url, db: s.db, login: s.users.integration.login, key_file: keyFile } as (typeof reg.profiles)[string];
      reg.default_profile ??= name;
      const k = mintKey();
      tokens[name] = k.token;
      ids[name] = k.id;
      reg.keys.push({ id: k.id, name: `key-${name}`, profile: name, hash: k.hash, created: new Date().toISOString(), rules: RULES });
    }
  });
  const proxy = await startProxy({ home: join(root, 'config'), profiles: Object.keys(odoo), host: '127.0.0.1', port: 0, auditDir: null, stateDir: join(root, 'state'), log: silentLogger, ...config });
  t.after(() => proxy.close(500));
  return { proxy, odoo, tokens, store, ids };
}

test('--upstream-protocol json2 serves an Odoo without XML-RPC and JSON-RPC: start, version, authenticate, calls and /healthz ask it nothing over them', async (t) => {
  const { proxy, odoo, tokens } = await serve(t, { prod: { version: 19, rpc: false } }, { proxy: { upstreamProtocol: 'json2' } });
  const s = odoo.prod!;
  // An XML-RPC client, as unchanged scripts are.
  const version = (await xmlrpc(proxy.url, '/xmlrpc/2/common', 'version', [])) as { server_version: string; server_version_info: unknown[] };
  assert.equal(version.server_version, '19.0');
  assert.deepEqual(version.server_version_info, [19, 0, 0, 'final', 0, '']);
  const uid = await xmlrpc(proxy.url, '/xmlrpc/2/common', 'authenticate', [s.db, 'x', tokens.prod, {}]);
  assert.equal(uid, s.users.integration.uid, 'the uid is the key’s user upstream, learnt over JSON-2');
  assert.equal(await executeKw(proxy.url, s.db, uid as number, tokens.prod!, 'res.partner', 'search_count', [[['id', '=', 15]]]), 1);
  const health = await fetch(`${proxy.url}/healthz`);
  const report = (await health.json()) as { ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> };
  assert.equal(health.status, 200, JSON.stringify(report));
  assert.deepEqual(report.checks['upstream:prod'], { ok: true });
  const overRpc = s.received.filter((r) => r.path.startsWith('/xmlrpc') || r.path === '/jsonrpc');
  assert.deepEqual(overRpc.map((r) => r.path), [], 'nothing was asked over XML-RPC or JSON-RPC');
});

test('--upstream-protocol json2: a key Odoo refuses, or a database it does not have, stops the start with a clear error', async (t) => {
  const odoo = await startStandin({ version: 19, rpc: false });
  const root = mkdtempSync(join(tmpdir(), 'odoo-keys-upv-'));
  t.after(async () => {
    await odoo.close();
    rmSync(root, { recursive: true, force: true });
  });
  const keyFile = join(root, 'k');
  writeFileSync(keyFile, 'not-a-key-of-this-odoo', { mode: 0o600 });
  const store = new RegistryStore(registryPath(join(root, 'config')));
  await store.update((reg) => {
    reg.profiles.prod = { url: odoo.url, db: odoo.db, login: 'integration', key_file: keyFile } as (typeof reg.profiles)[string];
    reg.profiles.other = { url: odoo.url, db: 'no_such_db', login: 'integration', key_file: keyFile } as (typeof reg.profiles)[string];
    reg.default_profile = 'prod';
  });
  const start = (profile: string): Promise<RunningProxy> => startProxy({ home: join(root, 'config'), profiles: [profile], host: '127.0.0.1', port: 0, auditDir: null, stateDir: join(root, 'state'), log: silentLogger, proxy: { upstreamProtocol: 'json2' } });
  await assert.rejects(start('prod'), /profile 'prod': Odoo refused the upstream key for integration on odoo19/);
  writeFileSync(keyFile, odoo.users.integration.apiKey!, { mode: 0o600 });
  await assert.rejects(start('other'), /profile 'other': Odoo refused to authenticate .*no such database on this Odoo/);
});

test('profiles of different Odoo versions: a call that names a database gets its profile’s error shapes; the start warns that version() answers the first profile’s', async (t) => {
  const lines: string[] = [];
  const { proxy, odoo, tokens, store, ids } = await serve(t, { prod: { version: 19 }, p18: { version: 18 } }, { log: createLogger('info', (l) => lines.push(l)) });
  const warning = lines.map((l) => JSON.parse(l) as { level: string; msg: string }).find((l) => l.level === 'warn');
  assert.ok(warning, `no warning among ${lines.join('')}`);
  assert.match(warning.msg, /different Odoo versions \(prod: Odoo 19, p18: Odoo 18\).*answer prod's.*one serve per Odoo version/);

  // common.version names no database: the first profile's, as the warning said.
  assert.equal(((await jsonrpc(proxy.url, 'common', 'version', [])) as { server_version: string }).server_version, '19.0');

  /** A JSON-RPC execute_kw with a wrong key naming `db`: the error object's code (18: 200, 19: 0). */
  const wrongKeyCode = async (db: string, key = 'wrong-key-0000000000000000000000000000'): Promise<unknown> => {
    const body = { jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args: [db, 8, key, 'res.partner', 'search_count', [[]]] }, id: 1 };
    const r = await post(`${proxy.url}/jsonrpc`, JSON.stringify(body), { 'Content-Type': 'application/json' });
    const error = (JSON.parse(r.text) as { error: { code: number; data: Record<string, unknown> } }).error;
    return { code: error.code, data: Object.keys(error.data) };
  };
  const shape18 = { code: 200, data: ['name', 'debug', 'message', 'arguments', 'context'] };
  const shape19 = { code: 0, data: ['name', 'message', 'arguments', 'context', 'debug'] };
  assert.deepEqual(await wrongKeyCode(odoo.p18!.db), shape18, 'an Odoo 18 client gets Odoo 18’s error object');
  assert.deepEqual(await wrongKeyCode(odoo.prod!.db), shape19);
  assert.deepEqual(await wrongKeyCode('no_such_db'), shape19, 'a database no profile has: the first profile’s');

  // XML-RPC: Odoo 18 sends X-Content-Type-Options on faults, 19 does not.
  const faultHeader = async (db: string): Promise<string | null> => {
    const r = await fetch(`${proxy.url}/xmlrpc/2/object`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: encodeMethodCall('execute_kw', [db, 8, 'wrong-key-0000000000000000000000000000', 'res.partner', 'search_count', [[]]]) });
    assert.match(await r.text(), /<fault>/);
    return r.headers.get('x-content-type-options');
  };
  assert.equal(await faultHeader(odoo.p18!.db), 'nosniff');
  assert.equal(await faultHeader(odoo.prod!.db), null);

  // A revoked key is known: its profile's shapes, whatever database the call names.
  await store.update((reg) => {
    reg.keys.find((k) => k.id === ids.p18)!.revoked = new Date(Date.now() - 1000).toISOString();
  });
  await proxy.reload();
  assert.deepEqual(await wrongKeyCode('no_such_db', tokens.p18), shape18, 'the revoked key’s own profile shapes its refusal');
});

test('profiles of one Odoo version: no warning at start', async (t) => {
  const lines: string[] = [];
  await serve(t, { a: { version: 19 }, b: { version: 19 } }, { log: createLogger('info', (l) => lines.push(l)) });
  assert.deepEqual(lines.filter((l) => (JSON.parse(l) as { level: string }).level === 'warn'), []);
});

test('db.server_version answers the first profile’s server version, over XML-RPC and JSON-RPC; the rest of the db service stays refused', async (t) => {
  const { proxy, odoo } = await serve(t, { p18: { version: 18 }, prod: { version: 19 } });
  assert.equal(await xmlrpc(proxy.url, '/xmlrpc/2/db', 'server_version', []), '18.0');
  assert.equal(await xmlrpc(proxy.url, '/xmlrpc/db', 'server_version', []), '18.0');
  assert.equal(await jsonrpc(proxy.url, 'db', 'server_version', []), '18.0');
  assert.equal(((await xmlrpc(proxy.url, '/xmlrpc/2/common', 'version', [])) as { server_version: string }).server_version, '18.0', 'the same profile as common.version');
  const extra = await xmlrpc(proxy.url, '/xmlrpc/2/db', 'server_version', ['x']).catch((e: unknown) => e);
  assert.ok(extra instanceof RpcCallError && /db\.server_version takes no arguments/.test(extra.message), String(extra));
  for (const fn of ['list', 'db_exist', 'list_lang']) {
    const e = await jsonrpc(proxy.url, 'db', fn, fn === 'db_exist' ? [odoo.prod!.db] : []).catch((x: unknown) => x);
    assert.ok(e instanceof RpcCallError && /not available through odoo-keys/.test(e.message), `db.${fn}: ${String(e)}`);
  }
  // Odoo was asked for the version, never for the db service.
  assert.deepEqual([...odoo.p18!.received, ...odoo.prod!.received].filter((r) => r.service === 'db'), []);
});

test('serve takes the upstream protocol from each profile: protocol json2 (as login records it) serves an Odoo without XML-RPC with no --upstream-protocol, beside an Odoo 18 over XML-RPC in the same serve; a key now of another uid than login recorded stops the start', async (t) => {
  const odoo = await startStandin({ version: 19, rpc: false });
  const old = await startStandin({ version: 18 });
  const root = mkdtempSync(join(tmpdir(), 'odoo-keys-upv-'));
  t.after(async () => {
    await odoo.close();
    await old.close();
    rmSync(root, { recursive: true, force: true });
  });
  const keyFile = (name: string, key: string): string => {
    const file = join(root, name);
    writeFileSync(file, key, { mode: 0o600 });
    return file;
  };
  const integration = odoo.users.integration;
  const k = mintKey();
  const k18 = mintKey();
  const store = new RegistryStore(registryPath(join(root, 'config')));
  await store.update((reg) => {
    reg.profiles.prod = { url: odoo.url, db: odoo.db, login: integration.login, protocol: 'json2', uid: integration.uid, key_file: keyFile('prod.key', integration.apiKey!) } as (typeof reg.profiles)[string];
    reg.profiles.p18 = { url: old.url, db: old.db, login: old.users.integration.login, key_file: keyFile('p18.key', old.users.integration.apiKey!) } as (typeof reg.profiles)[string];
    reg.profiles.swapped = { url: odoo.url, db: odoo.db, login: integration.login, protocol: 'json2', uid: integration.uid, key_file: keyFile('swapped.key', odoo.users.admin.apiKey!) } as (typeof reg.profiles)[string];
    // login --no-verify records no uid: the key's user is then checked by its login.
    reg.profiles.unverified = { url: odoo.url, db: odoo.db, login: integration.login, protocol: 'json2', key_file: keyFile('unverified.key', odoo.users.admin.apiKey!) } as (typeof reg.profiles)[string];
    reg.default_profile = 'prod';
    reg.keys.push({ id: k.id, name: 'sync', profile: 'prod', hash: k.hash, created: new Date().toISOString(), rules: RULES });
    reg.keys.push({ id: k18.id, name: 'sync18', profile: 'p18', hash: k18.hash, created: new Date().toISOString(), rules: RULES });
  });
  const start = (profiles: string[], proxy: RuntimeConfig['proxy'] = {}): Promise<RunningProxy> =>
    startProxy({ home: join(root, 'config'), profiles, host: '127.0.0.1', port: 0, auditDir: null, stateDir: join(root, 'state'), log: silentLogger, proxy });

  const proxy = await start(['prod']);
  t.after(() => proxy.close(500));
  const uid = await xmlrpc(proxy.url, '/xmlrpc/2/common', 'authenticate', [odoo.db, 'x', k.token, {}]);
  assert.equal(uid, integration.uid);
  assert.equal(await executeKw(proxy.url, odoo.db, uid as number, k.token, 'res.partner', 'search_count', [[['id', '=', 15]]]), 1, 'an XML-RPC client carried over JSON-2');
  assert.deepEqual(odoo.received.filter((r) => r.path.startsWith('/xmlrpc') || r.path === '/jsonrpc').map((r) => r.path), []);

  /** The start's error; a proxy that started anyway is closed after the test (it would hold the run open). */
  const refusal = (started: Promise<RunningProxy>): Promise<string> =>
    started.then(
      (p) => {
        t.after(() => p.close(500));
        return 'started';
      },
      (e: Error) => e.message,
    );
  // Both in one serve, each in its own protocol: prod (no XML-RPC) over JSON-2, the Odoo 18 over XML-RPC.
  odoo.received.length = 0;
  old.received.length = 0;
  const both = await start(['prod', 'p18']);
  t.after(() => both.close(500));
  assert.equal(await executeKw(both.url, odoo.db, integration.uid, k.token, 'res.partner', 'search_count', [[['id', '=', 15]]]), 1);
  assert.equal(await executeKw(both.url, old.db, old.users.integration.uid, k18.token, 'res.partner', 'search_count', [[['id', '=', 15]]]), 1);
  const paths = (s: typeof odoo): string[] => [...new Set(s.received.map((r) => r.path.replace(/\/json\/2\/.*/, '/json/2/…')))].sort();
  assert.deepEqual(paths(odoo), ['/json/2/…', '/web/webclient/version_info'], 'prod: JSON-2 only, also for its version');
  assert.deepEqual(paths(old), ['/xmlrpc/2/common', '/xmlrpc/2/object'], 'the Odoo 18: XML-RPC, as before');
  assert.equal((await both.health()).ok, true, '/healthz asks each Odoo in its own protocol');
  // Named, the flag wins over the profiles: auto asks prod over XML-RPC, which it does not have.
  assert.match(await refusal(start(['prod', 'p18'], { upstreamProtocol: 'auto' })), /profile 'prod'/);
  assert.match(await refusal(start(['swapped'])), /profile 'swapped': the upstream key is of Odoo uid 2, but login recorded uid 7 for integration; run 'odoo-keys login swapped' again/);
  assert.match(await refusal(start(['unverified'])), /profile 'unverified': the upstream key is of Odoo user 'admin' \(uid 2\), not 'integration'/);
});
