// A registry pointing at the stand-in (upstream key in a 0600 file), keys minted into it, and
// the proxy started in its own process from that registry.

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegistryStore } from '../../src/registry/store.js';
import { registryPath } from '../../src/registry/paths.js';
import { mintKey } from '../../src/registry/keys.js';
import type { KeyRecord } from '../../src/registry/types.js';
import type { Rule, Limits } from '../../src/policy/types.js';
import type { StandinProcess } from './standin.js';
import type { ProxyChildConfig } from './proxy-child.js';

// BENCH_PROXY_DIST=<another build's dist folder> runs that build's proxy instead (A/B of a fix on any row).
const CHILD = process.env.BENCH_PROXY_DIST ? resolve(process.env.BENCH_PROXY_DIST, 'bench/lib/proxy-child.js') : fileURLToPath(new URL('./proxy-child.js', import.meta.url));

export interface BenchHome {
  root: string;
  home: string;
  stateDir: string;
  store: RegistryStore;
  profile: string;
  /** Adds keys in one registry write; returns their tokens. */
  addKeys(specs: { name: string; rules: Rule[]; limits?: Limits }[]): Promise<{ id: string; token: string; name: string }[]>;
  remove(): void;
}

export async function makeHome(standin: StandinProcess): Promise<BenchHome> {
  const root = mkdtempSync(join(tmpdir(), 'odoo-keys-bench-'));
  const home = join(root, 'config');
  const stateDir = join(root, 'state');
  const keyFile = join(root, 'upstream.key');
  writeFileSync(keyFile, `${standin.integration.apiKey}\n`, { mode: 0o600 });
  const store = new RegistryStore(registryPath(home));
  const profile = 'bench';
  await store.update((reg) => {
    reg.profiles[profile] = { url: standin.url, db: standin.db, login: standin.integration.login, key_file: keyFile } as (typeof reg.profiles)[string];
    reg.default_profile = profile;
  });
  return {
    root,
    home,
    stateDir,
    store,
    profile,
    async addKeys(specs) {
      const out: { id: string; token: string; name: string }[] = [];
      const records: KeyRecord[] = [];
      for (const s of specs) {
        const m = mintKey();
        const r: KeyRecord = { id: m.id, name: s.name, profile, hash: m.hash, created: new Date().toISOString(), rules: s.rules };
        if (s.limits) r.limits = s.limits;
        records.push(r);
        out.push({ id: m.id, token: m.token, name: s.name });
      }
      await store.update((reg) => {
        reg.keys.push(...records);
      });
      return out;
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface ProxyProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Asks the proxy to re-read keys.yaml; resolves with how long that took inside it. */
  reload(): Promise<number>;
  stop(): Promise<void>;
}

export async function startProxyProcess(h: BenchHome, opts: { journal: boolean; proxy?: ProxyChildConfig['proxy']; server?: ProxyChildConfig['server']; execArgv?: string[]; /** Another build's proxy-child.js (A/B comparisons). */ childPath?: string; env?: NodeJS.ProcessEnv }): Promise<ProxyProcess> {
  // The concurrency caps (`--max-concurrent 32`, `--max-concurrent-per-key 8` by default) are the
  // administrator's protection of Odoo's few workers, not a cost of the proxy: with one key and 64
  // clients they would hold 56 calls waiting while direct calls all run. Lifted here, unless a
  // bench sets them, so what is measured is the proxy's own work.
  const proxy: ProxyChildConfig['proxy'] = { maxConcurrent: 1024, maxConcurrentPerKey: 1024, ...opts.proxy };
  const config: ProxyChildConfig = { home: h.home, stateDir: h.stateDir, auditDir: opts.journal ? join(h.stateDir, `journal-${Date.now()}`) : null, proxy, server: opts.server };
  const child = fork(opts.childPath ?? CHILD, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: opts.execArgv ?? [], ...(opts.env ? { env: opts.env } : {}) });
  let nextId = 1;
  const pending = new Map<number, (m: { ms?: number }) => void>();
  const url = await new Promise<string>((resolve, reject) => {
    child.on('message', (m: { ready?: boolean; url?: string; id?: number; ms?: number }) => {
      if (m.ready) resolve(m.url!);
      else if (m.id !== undefined) {
        pending.get(m.id)?.(m);
        pending.delete(m.id);
      }
    });
    child.once('exit', (code) => reject(new Error(`the proxy exited (${code}) before it was ready`)));
  });
  const ask = (cmd: string): Promise<{ ms?: number }> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ cmd, id });
    });
  return {
    url,
    pid: child.pid!,
    child,
    reload: async () => (await ask('reload')).ms!,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await ask('close').catch(() => undefined);
      await exited;
      clearTimeout(t);
    },
  };
}

const BARE = fileURLToPath(new URL('./bare-proxy.js', import.meta.url));

/** The bare pass-through proxy (see bare-proxy.ts) in its own process. */
export async function startBareProxy(upstreamUrl: string, execArgv: string[] = []): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = fork(BARE, [upstreamUrl], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`the bare proxy exited (${code})`)));
  });
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}

/** SIGTERM, and SIGKILL if the process is still there 5 s later; resolves once it has exited. */
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const BIN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));

/**
 * `odoo-keys serve` as users run it (bin/run.js, the bundled CLI, oclif loaded), on a free port,
 * journaling into a folder of its own; stop() sends SIGTERM and waits for it to exit.
 */
export async function startServeProcess(h: BenchHome, opts: { execArgv?: string[] } = {}): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const args = [...(opts.execArgv ?? []), BIN, 'serve', '--listen', '127.0.0.1:0', '--audit-dir', join(h.stateDir, `journal-serve-${Date.now()}`), '--log-level', 'warn'];
  const env: NodeJS.ProcessEnv = { ...process.env, ODOO_KEYS_HOME: h.home, ODOO_KEYS_STATE_HOME: h.stateDir, NO_COLOR: '1' };
  delete env.ODOO_KEYS_PROFILE;
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  const url = await new Promise<string>((resolve, reject) => {
    const look = (d: Buffer): void => {
      said += d.toString();
      const m = /listening on (https?:\/\/\S+)/.exec(said);
      if (m) resolve(m[1]!);
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.once('exit', (code) => reject(new Error(`odoo-keys serve exited (${code}) before it listened: ${said.trim()}`)));
  });
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}
