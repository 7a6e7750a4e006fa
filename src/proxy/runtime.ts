// A running proxy: registry and keys, upstream targets with their real credentials, journal,
// HTTP server, hot reload, last-used tracking and a clean drain. `serve` and `exec` both start
// one; exec adds its temporary in-memory key.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type http from 'node:http';
import { RegistryStore, type RegistrySnapshot } from '../registry/store.js';
import { registryPath, stateHome } from '../registry/paths.js';
import { preconnectsShared, resolveProfile } from '../registry/registry.js';
import type { Profile, Registry } from '../registry/types.js';
import { UsageRecorder } from '../registry/usage.js';
import { readUpstreamKey, UPSTREAM_KEY_ENV } from '../secrets/index.js';
import { openJournal, pruneJournal, type Journal } from '../audit/journal.js';
import { UpstreamCallError, UpstreamPool, type UpstreamTarget } from '../upstream/forward.js';
import { fetchLogin, fetchUid, fetchVersion, probeViaOf } from '../upstream/probe.js';
import { majorVersion } from '../upstream/client.js';
import type { RpcValue } from '../rpc/values.js';
import { ProxyCore, DEFAULT_OPTIONS, type ProxyOptions, type ProxyState, upstreamMessage } from './core.js';
import { connectionsWithin, createProxyServer, listen, openFileLimit, DEFAULT_SERVER_OPTIONS, type HealthReport, type ServerOptions } from './server.js';
import { KeyIndex, type LiveKey } from './keys.js';
import { Metrics } from './metrics.js';
import { COLLECT_EVERY_BYTES, streamedGarbage, youngCollector } from './garbage.js';
import type { Logger } from './log.js';

export interface RuntimeConfig {
  /** Folder of keys.yaml. */
  home: string;
  /** Profiles to serve; empty: the default profile. */
  profiles: string[];
  host: string;
  port: number;
  /** Journal folder; default `<stateDir>/journal`. null: no journal (benchmarks only). */
  auditDir?: string | null;
  /** A journal already opened (exec takes a free replica of the folder itself); close() closes it. */
  journal?: Journal;
  /** Folder for last-used times and the default journal (default stateHome()). */
  stateDir?: string;
  /** Remove whole journal files older than this (ms). */
  retainMs?: number;
  /** No answer from Odoo within this time: the call fails with a clean timeout error (default 120 s). */
  upstreamTimeoutMs?: number;
  /** Upstream key file, for headless servers (else env or keychain, see src/secrets). */
  upstreamKeyFile?: string;
  proxy?: Partial<ProxyOptions>;
  server?: Partial<ServerOptions>;
  /** exec's in-memory keys, added to the registry's. */
  temporaryKeys?: LiveKey[];
  /**
   * Accept the registry's keys (default true). exec turns this off: its proxy, on 127.0.0.1 for one
   * command, accepts the temporary key alone, so it widens nothing for other local processes.
   */
  registryKeys?: boolean;
  /** Watch keys.yaml and apply changes while running (default true). */
  watch?: boolean;
  /** keys.yaml as the caller just read it (exec); else startProxy reads it. Changes since are applied. */
  registry?: RegistrySnapshot;
  log: Logger;
  now?: () => Date;
  /** How spent buffers of streamed answers are collected (default: a young-generation collection every 2 MB; see garbage.ts). */
  streamedGarbage?: { collect: () => void; everyBytes: number };
}

export interface RunningProxy {
  url: string;
  host: string;
  port: number;
  server: http.Server;
  /** Client connections allowed at once (--max-connections or the default), undefined: no bound. */
  maxConnections: number | undefined;
  core: ProxyCore;
  journal: Journal | null;
  metrics: Metrics;
  /** Re-reads keys.yaml now (SIGHUP); keeps the last good registry on error. */
  reload(): Promise<void>;
  /** Swaps the temporary keys (exec kills its key by removing it). */
  setTemporaryKeys(keys: LiveKey[]): void;
  /**
   * Stops accepting and refuses calls not yet at Odoo; lets calls in flight finish with their client
   * (up to `graceMs`), then cuts clients off and waits for Odoo's answers to the calls it still
   * holds (up to `answerWaitMs`, default SHUTDOWN_ANSWER_WAIT_MS or the upstream timeout if
   * shorter), so every call has its journal line; then closes the pool and the journal. hurry()
   * ends both waits early. `onAnswerWait` is told how many calls are still under way when the
   * second wait begins.
   */
  close(graceMs?: number, answerWaitMs?: number, opts?: CloseOptions): Promise<void>;
  /**
   * Shortens a close() under way (or the next one): clients still connected are cut off now, and
   * Odoo's answers are not waited for, so calls still at Odoo are journaled as not awaited. Every
   * call still gets its line, and the journal is closed as usual. For an operator's second signal
   * (serve), or a signal while exec waits for calls its command left at Odoo.
   */
  hurry(): void;
  health(): Promise<HealthReport>;
}

export interface CloseOptions {
  /** Called when close() starts waiting for Odoo's answers, with the number of calls under way. */
  onAnswerWait?: (calls: number) => void;
  /**
   * Called once every call has its line, before the journal closes: exec writes its run's end line
   * there, so it comes after the run's last call in the chain.
   */
  beforeJournalClose?: () => Promise<void>;
}

/**
 * How long close() waits, after the grace period, for Odoo to answer calls already forwarded. Their
 * lines must say what Odoo did, so they are waited for, but not for ever: past this the line says
 * the answer was not awaited. 30 s: a call still running 10 s (the grace) into shutdown is already a
 * long one, and 40 s in all stays well inside a service manager's stop timeout (systemd's 90 s),
 * after which SIGKILL would lose those lines altogether. A shorter upstream timeout bounds it too:
 * by then the pool has given up on the call itself.
 */
export const SHUTDOWN_ANSWER_WAIT_MS = 30_000;

export class StartupError extends Error {
  /** 'journal': the journal could not be opened (not Odoo's doing, so not the upstream exit code). */
  constructor(
    message: string,
    readonly source?: 'journal',
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

/**
 * Logs in upstream once: the real uid and Odoo's version, from the profile's own credentials, asked
 * the way the proxy talks to that Odoo (probe.ts: without XML-RPC and JSON-RPC for `json2`).
 */
async function connectTarget(pool: UpstreamPool, profile: Profile, key: string, protocol: UpstreamTarget['protocol'], log: Logger): Promise<UpstreamTarget> {
  const via = probeViaOf(protocol);
  let url: URL;
  try {
    url = new URL(profile.url);
  } catch {
    throw new StartupError(`profile '${profile.name}': '${profile.url}' is not a URL`);
  }
  try {
    let info: RpcValue = null;
    try {
      info = await fetchVersion(pool, url, via);
    } catch (e) {
      // An Odoo that answers but not this question: the version login recorded serves (as before).
      if (!(e instanceof UpstreamCallError)) throw e;
      log.warn("Odoo did not tell its version; using the one recorded at login", { profile: profile.name, error: e.message });
    }
    const version = majorVersion(info) ?? profile.version ?? 19;
    let uid: number | false;
    try {
      uid = await fetchUid(pool, { url, db: profile.db, key }, profile.login, via);
    } catch (e) {
      if (e instanceof UpstreamCallError) throw new StartupError(`profile '${profile.name}': Odoo refused to authenticate (${e.message})`);
      throw e;
    }
    if (uid === false) throw new StartupError(`profile '${profile.name}': Odoo refused the upstream key for ${profile.login} on ${profile.db}; run 'odoo-keys login ${profile.name}' again`);
    // JSON-2 names no login: a key now of another user than the one login checked is refused.
    if (via === 'json2' && typeof profile.uid === 'number' && uid !== profile.uid) {
      throw new StartupError(`profile '${profile.name}': the upstream key is of Odoo uid ${uid}, but login recorded uid ${profile.uid} for ${profile.login}; run 'odoo-keys login ${profile.name}' again`);
    }
    // No uid recorded (login --no-verify): the key's user is checked by its login instead.
    if (via === 'json2' && typeof profile.uid !== 'number') {
      const user = await fetchLogin(pool, { url, db: profile.db, key }, uid);
      if ('login' in user && user.login !== profile.login) {
        throw new StartupError(`profile '${profile.name}': the upstream key is of Odoo user '${user.login}' (uid ${uid}), not '${profile.login}'; run 'odoo-keys login ${profile.name}' with ${profile.login}'s key`);
      }
      if ('unreadable' in user) log.warn("the upstream key's user could not be checked against the profile's login", { profile: profile.name, uid, error: user.unreadable });
    }
    return { profile: profile.name, url, db: profile.db, uid, key, version, protocol };
  } catch (e) {
    if (e instanceof StartupError) throw e;
    // Odoo unreachable at start: serve with what login recorded; calls fail cleanly until it is back.
    if (typeof profile.uid === 'number') {
      log.warn('Odoo unreachable at start; using the uid and version recorded at login', { profile: profile.name, error: upstreamMessage(e) });
      return { profile: profile.name, url, db: profile.db, uid: profile.uid, key, version: profile.version ?? 19, protocol };
    }
    throw new StartupError(`profile '${profile.name}': ${upstreamMessage(e)}`);
  }
}

/** Client connections allowed when --max-connections is not given: what the open-files limit leaves. */
function maxConnectionsByDefault(upstreamSockets: number): number | undefined {
  const limit = openFileLimit();
  return limit === undefined ? undefined : connectionsWithin(limit, upstreamSockets);
}

/**
 * The upstream protocol of a profile when --upstream-protocol is not given: json2 for a profile that
 * records protocol json2 (login records it for an Odoo without XML-RPC, where 'auto' could not even
 * start), else auto. Each profile has its own, so one serve carries an Odoo 19 without XML-RPC and
 * an Odoo 16 side by side.
 */
export function upstreamProtocolOf(profile: Profile, given?: ProxyOptions['upstreamProtocol']): UpstreamTarget['protocol'] {
  return given ?? (profile.protocol === 'json2' ? 'json2' : 'auto');
}

/**
 * The startup warning for profiles of different Odoo versions, or null. A call that names a database
 * gets its profile's version (core.ts versionFor); common.version and db.server_version name none, so
 * they answer the first profile's, and a client that reads version() to choose how to talk to Odoo
 * may choose wrong for the others.
 */
export function versionsDiffer(targets: Map<string, UpstreamTarget>): string | null {
  const all = [...targets.values()];
  if (new Set(all.map((t) => t.version)).size < 2) return null;
  const first = all[0]!;
  const list = all.map((t) => `${t.profile}: Odoo ${t.version}`).join(', ');
  return `the profiles served run different Odoo versions (${list}): common.version and db.server_version name no database and answer ${first.profile}'s (Odoo ${first.version}, the first profile); calls that name a database get their profile's version. Run one serve per Odoo version if clients read version()`;
}

/**
 * A registry error as /healthz shows it to anyone who can reach the port: the reason and the line
 * stay, the folder (a home directory) and quoted values (a URL with a password, say) do not.
 */
function publicDetail(message: string, registryFile: string): string {
  return message.split(registryFile).join(basename(registryFile)).replace(/"(?:[^"\\]|\\.)*"/g, '"…"');
}

/** How long one /healthz check of Odoo answers for (see `health` in startProxy). */
const HEALTH_CACHE_MS = 5_000;

export async function startProxy(config: RuntimeConfig): Promise<RunningProxy> {
  const log = config.log;
  const now = config.now ?? (() => new Date());
  const store = new RegistryStore(registryPath(config.home));
  let snapshot: RegistrySnapshot;
  try {
    // Per entry: an entry this version cannot read (a newer version's field, a typo) is refused
    // alone, with its key, and the rest is served (validateRegistry says why).
    snapshot = config.registry ?? (await store.readSnapshot({ perEntry: true }));
  } catch (e) {
    throw new StartupError((e as Error).message);
  }
  let registry: Registry = snapshot.registry;
  const names = config.profiles.length ? config.profiles : [resolveProfile(registry).name];
  // One key file holds one key; given for several profiles it would go to each one's Odoo.
  if (config.upstreamKeyFile && new Set(names).size > 1) throw new StartupError(`an upstream key file is for one profile, not ${new Set(names).size}: record a key file for each with odoo-keys login <profile> --upstream-key-file PATH`);
  // Likewise the variable: it is one key, taken by every profile that records key_source env or no
  // key_source at all (profiles written by hand or by older versions; never `none`, a logged-out
  // one); served for two or more, it would go to each one's Odoo.
  if (process.env[UPSTREAM_KEY_ENV] && new Set(names).size > 1) {
    const takers = [...new Set(names)].map((n) => resolveProfile(registry, n)).filter((p) => (p.key_source === undefined || p.key_source === 'env') && !p.key_file);
    if (takers.length > 1) {
      throw new StartupError(
        `${UPSTREAM_KEY_ENV} is one key, and profiles ${takers.map((p) => `'${p.name}'`).join(', ')} would all take it (key_source env, or no key_source recorded): it would go to each one's Odoo. Serve them apart, or record each one's key elsewhere: odoo-keys login <profile> (keychain) or --upstream-key-file PATH`,
      );
    }
  }
  const upstreamSockets = Math.max(64, (config.proxy?.maxConcurrent ?? DEFAULT_OPTIONS.maxConcurrent) * 2);
  const pool = new UpstreamPool({ maxSockets: upstreamSockets, timeoutMs: config.upstreamTimeoutMs });
  const targets = new Map<string, UpstreamTarget>();
  /** The served profiles by origin: one pool of spares each (preconnectsShared). */
  const byOrigin = new Map<string, { url: URL; profiles: Profile[] }>();
  for (const name of names) {
    const profile = resolveProfile(registry, name);
    let key: string;
    try {
      key = await readUpstreamKey(profile, config.upstreamKeyFile ? { keyFile: config.upstreamKeyFile } : {});
    } catch (e) {
      pool.close();
      throw new StartupError(`profile '${profile.name}': ${(e as Error).message}`);
    }
    try {
      const target = await connectTarget(pool, profile, key, upstreamProtocolOf(profile, config.proxy?.upstreamProtocol), log);
      const at = byOrigin.get(target.url.origin) ?? { url: target.url, profiles: [] };
      at.profiles.push(profile);
      byOrigin.set(target.url.origin, at);
      targets.set(profile.name, target);
    } catch (e) {
      pool.close();
      throw e;
    }
  }

  for (const { url, profiles } of byOrigin.values()) {
    const on = preconnectsShared(profiles);
    pool.openAhead(url, on);
    if (new Set(profiles.map((p) => p.preconnect).filter((v) => v !== undefined)).size > 1) {
      log.warn(`profiles ${profiles.map((p) => `'${p.name}'`).join(', ')} share ${url.origin} and record preconnect both on and off: it is ${on ? 'on' : 'off'} for all of them`, { origin: url.origin });
    }
  }

  const mixed = versionsDiffer(targets);
  if (mixed) log.warn(mixed, { profiles: Object.fromEntries([...targets.values()].map((t) => [t.profile, t.version])) });

  const stateDir = config.stateDir ?? stateHome();
  const auditDir = config.auditDir === undefined ? join(stateDir, 'journal') : config.auditDir;
  let journal: Journal | null;
  try {
    journal = config.journal ?? (auditDir === null ? null : await openJournal({ dir: auditDir }));
  } catch (e) {
    pool.close();
    throw new StartupError(`the journal cannot be opened in ${auditDir}: ${(e as Error).message}`, 'journal');
  }
  const usage = new UsageRecorder({ dir: stateDir });
  const metrics = new Metrics();
  let temporary = config.temporaryKeys ?? [];
  const keyIndex = (reg: Registry): KeyIndex => (config.registryKeys === false ? new KeyIndex([], temporary) : new KeyIndex(reg.keys, temporary, reg.refused?.keys));
  /** Each entry set aside, said in the log at every load that still has it (its text may quote keys.yaml: log only). */
  const logRefused = (reg: Registry): void => {
    if (config.registryKeys === false) return;
    for (const p of reg.refused?.profiles ?? []) log.error('a profile in keys.yaml cannot be read by this odoo-keys; its keys are refused', { profile: p.name, problem: p.problem });
    for (const k of reg.refused?.keys ?? []) {
      log.error(k.id ? 'a key in keys.yaml cannot be read by this odoo-keys; calls with it are refused' : 'a key in keys.yaml cannot be read by this odoo-keys, not even its id', { key: k.id ?? null, name: k.name ?? null, problem: k.problem });
    }
  };
  logRefused(registry);
  let state: ProxyState = { keys: keyIndex(registry), targets };
  let registryError: string | null = null;
  let closing = false;
  let hurried = false;
  /** Ends close()'s grace period now (cuts clients off); set while the grace period runs. */
  let endGrace: (() => void) | undefined;

  const applyRegistry = (reg: Registry): void => {
    registry = reg;
    state = { keys: keyIndex(reg), targets };
    registryError = null;
    log.info('registry loaded', { keys: reg.keys.length, ...(reg.refused ? { refused: reg.refused.keys.length } : {}) });
    logRefused(reg);
  };

  const collect = config.streamedGarbage ?? { collect: youngCollector(), everyBytes: COLLECT_EVERY_BYTES };
  const core = new ProxyCore({
    state: () => state,
    pool,
    journal,
    log,
    metrics,
    now,
    options: { ...DEFAULT_OPTIONS, ...config.proxy },
    // exec's temporary keys live in memory only; last-used.json would collect their ids for ever.
    onKeyUsed: (id, at) => {
      if (!state.keys.get(id)?.temporary) usage.touch(id, at);
    },
    refuseAll: () => (closing ? 'the proxy is shutting down' : null),
    onStreamed: collect.collect ? streamedGarbage(collect.collect, collect.everyBytes) : undefined,
  });

  // /healthz needs no key: whoever reaches the port may ask. Its check of Odoo is shared by all
  // who ask within HEALTH_CACHE_MS (else each GET was a call to Odoo, unthrottled, unjournaled);
  // the registry's error text (a file path, a rejected value) stays in the log.
  let upstreamChecked: { at: number; checks: Promise<HealthReport['checks']> } | undefined;
  const checkUpstreams = async (): Promise<HealthReport['checks']> => {
    const checks: HealthReport['checks'] = {};
    for (const t of targets.values()) {
      try {
        await fetchVersion(pool, t.url, probeViaOf(t.protocol));
        checks[`upstream:${t.profile}`] = { ok: true };
      } catch (e) {
        checks[`upstream:${t.profile}`] = { ok: false, detail: upstreamMessage(e) };
      }
    }
    return checks;
  };
  const health = async (): Promise<HealthReport> => {
    const checks: HealthReport['checks'] = {};
    // Keys set aside leave the proxy healthy: it serves the file as written, those keys refused
    // (fail closed); taking every replica out of a load balancer for one key would stop them all.
    // A profile it serves set aside is not: every call for it is refused.
    const refused = state.keys.refused;
    const loaded = `${state.keys.served} keys${refused ? `; ${refused} refused: their entries in keys.yaml cannot be read by this version (see the log)` : ''}`;
    const servedUnreadable = config.registryKeys === false ? undefined : registry.refused?.profiles.find((p) => targets.has(p.name));
    checks.registry = registryError
      ? { ok: false, detail: `last change could not be loaded (the previous one is in force): ${publicDetail(registryError, store.path)}` }
      : servedUnreadable
        ? { ok: false, detail: `the profile '${servedUnreadable.name}' served here cannot be read by this version, so every key of it is refused: ${publicDetail(servedUnreadable.problem, store.path)}` }
        : { ok: true, detail: loaded };
    checks.journal = !journal ? { ok: true, detail: 'off' } : journal.healthy ? { ok: true } : { ok: false, detail: journal.lastError?.message ?? 'not writable' };
    const at = Date.now();
    if (!upstreamChecked || at - upstreamChecked.at >= HEALTH_CACHE_MS) upstreamChecked = { at, checks: checkUpstreams() };
    Object.assign(checks, await upstreamChecked.checks);
    return { ok: Object.values(checks).every((c) => c.ok), checks };
  };

  // maxSockets is per origin (one pool of sockets to each Odoo served): each origin gets its share.
  const maxConnections = config.server?.maxConnections ?? maxConnectionsByDefault(upstreamSockets * byOrigin.size);
  const server = createProxyServer(
    { core, log, metrics, health, gauges: () => ({ odoo_keys_keys_loaded: state.keys.served, odoo_keys_keys_refused: state.keys.refused, odoo_keys_journal_healthy: journal ? Number(journal.healthy) : 1 }),
      counters: () => ({ odoo_keys_upstream_spares_opened_total: pool.spares.opened, odoo_keys_upstream_spares_taken_total: pool.spares.taken }),
    },
    {
      ...DEFAULT_SERVER_OPTIONS,
      ...config.server,
      maxBodyBytes: config.proxy?.maxBodyBytes ?? config.server?.maxBodyBytes ?? DEFAULT_SERVER_OPTIONS.maxBodyBytes,
      ...(maxConnections !== undefined ? { maxConnections } : {}),
    },
  );
  const watch =
    config.watch === false
      ? null
      : store.watch(
          applyRegistry,
          (err) => {
            registryError = err.message;
            log.error('registry change could not be loaded; the previous registry stays in force', { error: err.message });
          },
          // From the text read above: a key revoked while the proxy was logging in upstream counts.
          { since: snapshot.text, perEntry: true },
        );

  // Before the first call is taken: keys.yaml as it is now, not as it was before logging in upstream.
  await watch?.checkNow();
  let addr: Awaited<ReturnType<typeof listen>>;
  try {
    addr = await listen(server, config.host, config.port);
  } catch (e) {
    watch?.();
    throw e;
  }
  const hostForUrl = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `${config.server?.tls ? 'https' : 'http'}://${hostForUrl}:${addr.port}`;
  log.info('proxy listening', { url, profiles: [...targets.keys()], journal: auditDir ?? 'off' });

  let pruneTimer: NodeJS.Timeout | undefined;
  if (config.retainMs && auditDir) {
    const prune = (): void => {
      pruneJournal(auditDir, config.retainMs!, now()).then(
        (removed) => removed.length && log.info('journal files past retention removed', { files: removed }),
        (e: Error) => log.warn('journal retention failed', { error: e.message }),
      );
    };
    prune();
    pruneTimer = setInterval(prune, 3_600_000);
    pruneTimer.unref();
  }

  let closed: Promise<void> | undefined;
  /** RunningProxy.close, run once. */
  const closeOnce = async (graceMs: number, answerWaitMs: number, { onAnswerWait, beforeJournalClose }: CloseOptions): Promise<void> => {
    closing = true;
    // No call goes out from here on: the answers still coming in must not open spares.
    pool.stopOpeningAhead();
    watch?.();
    if (pruneTimer) clearInterval(pruneTimer);
    await new Promise<void>((resolve) => {
      const cutOff = (): void => {
        clearTimeout(timer);
        server.closeAllConnections();
        resolve();
      };
      const timer = setTimeout(cutOff, graceMs);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
      endGrace = cutOff;
      if (hurried) cutOff();
    });
    endGrace = undefined;
    // Calls under way (some still waiting for a place, some at Odoo) settle and are journaled
    // before the pool and the journal close under them.
    if (core.callsUnderway > 0) onAnswerWait?.(core.callsUnderway);
    await core.drain(answerWaitMs);
    // Lines owed from a journal outage: written now if it works again (else they are in the log).
    await core.repay(true);
    const lost = core.linesOwed;
    if (lost) log.error('journal lines of calls that reached Odoo could not be written before shutdown; they are in this log', { lines: lost });
    pool.close();
    await usage.close().catch((e: Error) => log.warn('could not record last-used times', { error: e.message }));
    await beforeJournalClose?.().catch((e: Error) => log.error('closing journal line could not be written', { error: e.message }));
    if (journal) await journal.close();
    // Said, not only logged: a service manager (and exec) must see that the journal misses calls.
    if (lost) throw new Error(`${lost === 1 ? '1 journal line' : `${lost} journal lines`} of calls that reached Odoo could not be written (the journal was failing): they are in the proxy's log`);
  };

  return {
    url,
    host: addr.address,
    port: addr.port,
    server,
    maxConnections,
    core,
    journal,
    metrics,
    health,
    async reload() {
      // Through the watch's queue when there is one: a read of the watch begun before the last
      // change, ending after this reload, would otherwise put the older registry back in force
      // (a revocation undone until the next change).
      if (watch) return watch.checkNow();
      try {
        // store.read() takes a missing file for a new, empty registry (right for the first
        // `create`); for a running proxy a vanished registry is an error, like the watch says.
        if (!existsSync(store.path)) throw new Error(`${store.path}: the registry file disappeared; keeping the last good one`);
        applyRegistry((await store.readSnapshot({ perEntry: true })).registry);
      } catch (e) {
        registryError = (e as Error).message;
        log.error('registry could not be reloaded; the previous registry stays in force', { error: registryError });
      }
    },
    setTemporaryKeys(keys) {
      temporary = keys;
      state = { keys: state.keys.withTemporary(keys), targets };
    },
    close(graceMs = 10_000, answerWaitMs = Math.min(pool.timeoutMs, SHUTDOWN_ANSWER_WAIT_MS), opts: CloseOptions = {}) {
      // Once: a second close() (a caller's cleanup after serve's) gets the first one's outcome.
      closed ??= closeOnce(graceMs, answerWaitMs, opts);
      return closed;
    },
    hurry() {
      if (hurried) return;
      hurried = true;
      // The grace period first (calls still streaming to their clients end, as they would at its
      // end), then Odoo's answers: core.drain stops waiting, now or as soon as it starts.
      endGrace?.();
      core.hurry();
    },
  };
}

/** Reads a TLS certificate and key pair for `serve --tls-cert --tls-key`. */
export async function readTls(certFile: string, keyFile: string): Promise<{ cert: Buffer; key: Buffer }> {
  return { cert: await readFile(certFile), key: await readFile(keyFile) };
}
