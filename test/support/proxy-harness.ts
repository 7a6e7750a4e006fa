// A stand-in Odoo, a registry with one profile pointing at it (or at an upstream a test puts in
// front of it), and a running proxy with a clock a test may stop: what the proxy, exec, client,
// integration and hardening tests share.

import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startStandin, type Standin, type StandinOptions } from '../standin/server.js';
import { RegistryStore } from '../../src/registry/store.js';
import { registryPath } from '../../src/registry/paths.js';
import { mintKey } from '../../src/registry/keys.js';
import type { KeyRecord } from '../../src/registry/types.js';
import type { Limits, Rule } from '../../src/policy/types.js';
import type { JournalEntry } from '../../src/audit/types.js';
import { startProxy, type RunningProxy, type RuntimeConfig } from '../../src/proxy/runtime.js';
import { createLogger, silentLogger, type Logger } from '../../src/proxy/log.js';
import { journalLines } from './journal.js';

/**
 * What stands where Odoo is in place of the stand-in, passing calls on to it: a test puts one there
 * to make the upstream misbehave (test/hardening's faulty upstream).
 */
export interface Upstream {
  url: string;
  close(): Promise<void>;
}

export interface HarnessOptions<U extends Upstream | undefined = undefined> {
  version?: 18 | 19;
  standin?: Partial<StandinOptions>;
  proxy?: RuntimeConfig['proxy'];
  server?: RuntimeConfig['server'];
  /** null: no journal. Default: a temp folder. */
  auditDir?: string | null;
  log?: Logger;
  /** Profile name (default 'test'). */
  profile?: string;
  upstreamTimeoutMs?: number;
  /** Starts what the profile points at instead of the stand-in (default: the stand-in itself); closed after the proxy. */
  upstream?: (standin: Standin) => Promise<U>;
}

export interface Harness<U extends Upstream | undefined = undefined> {
  standin: Standin;
  /** What `upstream` started, in front of the stand-in; undefined when the proxy talks to the stand-in. */
  upstream: U;
  proxy: RunningProxy;
  /** http://127.0.0.1:PORT of the proxy. */
  url: string;
  db: string;
  /** The integration user's uid upstream: what authenticate through the proxy must answer. */
  uid: number;
  /** Config folder (keys.yaml) and state folder: what the CLI gets as ODOO_KEYS_HOME / ODOO_KEYS_STATE_HOME. */
  home: string;
  stateDir: string;
  journalDir: string | null;
  store: RegistryStore;
  profile: string;
  /** The proxy's clock: a fixed instant while set, the real time while null. */
  clock: { at: Date | null };
  /** Adds a key to the registry (as `create` would) and returns its token. */
  addKey(opts: { name?: string; rules: Rule[]; limits?: Limits; expires?: string; learning?: boolean }): Promise<{ token: string; id: string; name: string }>;
  /** Changes a key in the registry (as `scope`, `rotate` or `revoke` would). */
  editKey(id: string, change: (k: KeyRecord) => void): Promise<void>;
  /** Every journal line written so far (flushes first). */
  journal(): Promise<JournalEntry[]>;
  close(): Promise<void>;
}

let counter = 0;

export async function startHarness<U extends Upstream | undefined = undefined>(opts: HarnessOptions<U> = {}): Promise<Harness<U>> {
  const version = opts.version ?? 19;
  const standin = await startStandin({ version, ...opts.standin });
  let upstream: U;
  try {
    // U is undefined exactly when no `upstream` is given.
    upstream = (opts.upstream ? await opts.upstream(standin) : undefined) as U;
  } catch (e) {
    await standin.close();
    throw e;
  }
  const root = mkdtempSync(join(tmpdir(), 'odoo-keys-harness-'));
  const home = join(root, 'config');
  const stateDir = join(root, 'state');
  const journalDir = opts.auditDir === undefined ? join(stateDir, 'journal') : opts.auditDir;
  const keyFile = join(root, 'upstream.key');
  writeFileSync(keyFile, `${standin.users.integration.apiKey}\n`, { mode: 0o600 });
  const profile = opts.profile ?? 'test';
  const store = new RegistryStore(registryPath(home));
  await store.update((reg) => {
    reg.profiles[profile] = { url: upstream?.url ?? standin.url, db: standin.db, login: standin.users.integration.login, key_file: keyFile } as (typeof reg.profiles)[string];
    reg.default_profile = profile;
  });
  const clock: Harness['clock'] = { at: null };
  let proxy: RunningProxy;
  try {
    proxy = await startProxy({
      home,
      profiles: [profile],
      host: '127.0.0.1',
      port: 0,
      auditDir: journalDir,
      stateDir,
      upstreamTimeoutMs: opts.upstreamTimeoutMs,
      proxy: opts.proxy,
      server: opts.server,
      log: opts.log ?? (process.env.ODOO_KEYS_TEST_LOG ? createLogger('debug') : silentLogger),
      now: () => clock.at ?? new Date(),
    });
  } catch (e) {
    await upstream?.close();
    await standin.close();
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  const h: Harness<U> = {
    standin,
    upstream,
    proxy,
    url: proxy.url,
    db: standin.db,
    uid: standin.users.integration.uid,
    home,
    stateDir,
    journalDir,
    store,
    profile,
    clock,
    async addKey(k) {
      const minted = mintKey();
      const name = k.name ?? `key-${++counter}`;
      const record: KeyRecord = { id: minted.id, name, profile, hash: minted.hash, created: new Date().toISOString(), rules: k.rules };
      if (k.limits) record.limits = k.limits;
      if (k.expires) record.expires = k.expires;
      if (k.learning) record.learning = true;
      await store.update((reg) => {
        reg.keys.push(record);
      });
      await proxy.reload();
      return { token: minted.token, id: minted.id, name };
    },
    async editKey(id, change) {
      await store.update((reg) => {
        const k = reg.keys.find((x) => x.id === id);
        if (!k) throw new Error(`no key ${id}`);
        change(k);
      });
    },
    async journal() {
      if (!journalDir || !proxy.journal) return [];
      await proxy.journal.flush();
      return journalLines(journalDir);
    },
    async close() {
      await proxy.close(1000);
      await upstream?.close();
      await h.standin.close(); // the test may have replaced it (an Odoo restart)
      rmSync(root, { recursive: true, force: true });
    },
  };
  return h;
}

/** POSTs a body and returns status, headers and text. */
export async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const r = await fetch(url, { method: 'POST', body, headers });
  return { status: r.status, headers: r.headers, text: await r.text() };
}
