// A stand-in Odoo, a registry with one profile pointing at it (or at an upstream a test puts in
// front of it), and a running proxy with a clock a test may stop: what the proxy, exec, client,
// integration and hardening tests share.

import { join } from 'node:path';
import { startStandin, type Standin, type StandinOptions } from '../standin/server.js';
import type { RegistryStore } from '../../src/registry/store.js';
import type { JournalEntry } from '../../src/audit/types.js';
import { startProxy, type RunningProxy, type RuntimeConfig } from '../../src/proxy/runtime.js';
import { createLogger, silentLogger, type Logger } from '../../src/proxy/log.js';
import { journalLines } from './journal.js';
import { standinProfile, type StandinProfile } from './standin-profile.js';

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
  streamedGarbage?: RuntimeConfig['streamedGarbage'];
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
  /** Adds a key to the registry (as `create` would), has the proxy take it up, and returns its token. */
  addKey: StandinProfile['addKey'];
  /** Changes a key in the registry (as `scope`, `rotate` or `revoke` would). */
  editKey: StandinProfile['editKey'];
  /** Every journal line written so far (flushes first). */
  journal(): Promise<JournalEntry[]>;
  close(): Promise<void>;
}

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
  const registry = await standinProfile(standin, { profile: opts.profile, url: upstream?.url, prefix: 'odoo-keys-harness-' });
  const { home, state: stateDir, profile } = registry;
  const journalDir = opts.auditDir === undefined ? join(stateDir, 'journal') : opts.auditDir;
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
      streamedGarbage: opts.streamedGarbage,
      proxy: opts.proxy,
      server: opts.server,
      log: opts.log ?? (process.env.ODOO_KEYS_TEST_LOG ? createLogger('debug') : silentLogger),
      now: () => clock.at ?? new Date(),
    });
  } catch (e) {
    await upstream?.close();
    await standin.close();
    registry.cleanup();
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
    store: registry.store,
    profile,
    clock,
    async addKey(k) {
      const added = await registry.addKey(k);
      await proxy.reload();
      return added;
    },
    editKey: registry.editKey,
    async journal() {
      if (!journalDir || !proxy.journal) return [];
      await proxy.journal.flush();
      return journalLines(journalDir);
    },
    async close() {
      try {
        await proxy.close(1000);
      } finally {
        // Also when the proxy's close() reports lost journal lines: nothing is left open.
        await upstream?.close();
        await h.standin.close(); // the test may have replaced it (an Odoo restart)
        registry.cleanup();
      }
    },
  };
  return h;
}

/** POSTs a body and returns status, headers and text. */
export async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const r = await fetch(url, { method: 'POST', body, headers });
  return { status: r.status, headers: r.headers, text: await r.text() };
}
