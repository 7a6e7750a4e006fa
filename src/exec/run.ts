// Running one command under a temporary key: a proxy on 127.0.0.1 inside this process holding
// the key in memory, the child with its variables, signals forwarded, the TTL enforced, and
// everything torn down when the child ends. The key never leaves this process's memory but
// through the child's environment, so whatever way exec ends (SIGKILL included) the key is gone.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { openJournal, JournalError, type Journal } from '../audit/journal.js';
import { startProxy, type RunningProxy } from '../proxy/runtime.js';
import type { LiveKey, TemporaryOrigin } from '../proxy/keys.js';
import type { Logger } from '../proxy/log.js';
import { RegistryStore, type RegistrySnapshot } from '../registry/store.js';
import { registryPath } from '../registry/paths.js';
import type { Profile } from '../registry/types.js';
import { formatDuration } from '../cli/time.js';
import { childEnvironment, execVariables } from './environment.js';
import { deathTime, refreshedLiveKey, startInfo, temporaryLiveKey, type FlagScope, type TemporaryIdentity } from './key.js';
import type { ExecEndInfo } from '../audit/types.js';
import { exitCodeOf, FORWARDED_SIGNALS, inTerminalForeground, spawnProblem, type CommandProblem, type ForwardedSignal } from './process.js';

export interface ExecPlan {
  /** Folder of keys.yaml. */
  home: string;
  /** keys.yaml as exec read it (the --key and the profile came from it); changes since are applied. */
  registry: RegistrySnapshot;
  /** State folder (last-used.json). */
  stateDir: string;
  /** Journal folder. */
  auditDir: string;
  profile: Profile;
  /** The program as typed, and its arguments. */
  command: string;
  args: string[];
  /** Where findCommand found it. */
  commandPath: string;
  identity: TemporaryIdentity;
  /** `odk_<id>_<secret>`: goes to the child's environment and nowhere else. */
  token: string;
  flags: FlagScope;
  /** --key NAME's id: its scope changes, revocation and removal follow into the temporary key. */
  baseKeyId?: string;
  killOnExpiry: boolean;
  killGraceMs: number;
  log: Logger;
  /** exec's own messages (stderr), such as the expiry notice. */
  notice: (message: string) => void;
}

export type ExecOutcome = { exitCode: number } | { exitCode: number; problem: CommandProblem };

/** Who started the key, for the journal: the program's name only (its arguments may carry data). */
export function temporaryOrigin(command: string): TemporaryOrigin {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the environment, else the numeric uid.
    user = process.env.USER ?? process.env.LOGNAME ?? String(process.getuid?.() ?? 'unknown');
  }
  return { user, host: hostname(), cwd: process.cwd(), command };
}

/**
 * The journal folder's `exec` chain, or the next free one (`exec-2`, ...) when other execs are
 * running: one writer per chain, and sequential runs continue one chain instead of leaving a
 * file each. `serve` writes its own chain in the same folder, so `audit` reads both.
 */
export async function openExecJournal(dir: string): Promise<Journal> {
  const replicas = ['exec', ...Array.from({ length: 15 }, (_, i) => `exec-${i + 2}`), `exec-${process.pid}`];
  let last: unknown;
  for (const replica of replicas) {
    try {
      return await openJournal({ dir, replica });
    } catch (e) {
      if (!(e instanceof JournalError && e.code === 'journal_locked')) throw e;
      last = e;
    }
  }
  throw last;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** setTimeout for an instant that may be more than 24.8 days away. */
function timerAt(atMs: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const wait = atMs - Date.now();
    if (wait > MAX_TIMER_MS) timer = setTimeout(arm, MAX_TIMER_MS);
    else timer = setTimeout(fn, Math.max(0, wait));
    timer.unref();
  };
  if (Number.isFinite(atMs)) arm();
  return () => clearTimeout(timer);
}

function readProcStat(): string | null {
  try {
    return readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return null;
  }
}

/** Ctrl-C already reached the child from the terminal (same foreground process group). */
function terminalSentIt(signal: ForwardedSignal): boolean {
  if (signal !== 'SIGINT') return false;
  const stat = readProcStat();
  const fg = stat === null ? null : inTerminalForeground(stat);
  // Without /proc: a terminal on stdin is the best hint that Ctrl-C came from it.
  return fg ?? Boolean(process.stdin.isTTY);
}

/**
 * Starts the proxy, runs the command, and resolves with exec's exit code once the child has
 * ended and the key and the proxy are gone. Rejects only when the proxy cannot be started
 * (nothing was run then).
 */
export async function runExec(plan: ExecPlan): Promise<ExecOutcome> {
  const store = new RegistryStore(registryPath(plan.home));
  let base = plan.baseKeyId === undefined ? undefined : plan.registry.registry.keys.find((k) => k.id === plan.baseKeyId);
  let key: LiveKey = plan.baseKeyId === undefined ? temporaryLiveKey(plan.identity, plan.flags) : refreshedLiveKey(plan.identity, plan.flags, base, new Date());

  const journal = await openExecJournal(plan.auditDir);
  if (!journal.healthy) {
    // The proxy would refuse every call (fail closed): better to say so before running anything.
    const why = journal.lastError?.message ?? 'not writable';
    await journal.close();
    throw new JournalError(`the journal ${plan.auditDir} cannot be written: ${why}`, 'journal_unwritable');
  }
  let proxy: RunningProxy;
  try {
    proxy = await startProxy({
      home: plan.home,
      profiles: [plan.profile.name],
      host: '127.0.0.1',
      port: 0,
      auditDir: plan.auditDir,
      journal,
      stateDir: plan.stateDir,
      registry: plan.registry,
      temporaryKeys: [key],
      registryKeys: false,
      watch: false,
      log: plan.log,
      // Any local user can reach this port and every caller is 127.0.0.1: ten made-up keys would
      // lock the command out. The one key here has a 256-bit secret; there is nothing to throttle.
      proxy: { throttleFailures: false },
    });
  } catch (e) {
    await journal.close();
    throw e;
  }

  const env = childEnvironment(
    process.env,
    execVariables({ url: proxy.url, db: plan.profile.db, login: plan.profile.login, token: plan.token, expiresAt: plan.identity.ttlExpires, keyId: plan.identity.id }),
  );

  const cleanups: (() => void)[] = [];
  /** Set once the child has ended and the proxy waits for Odoo's answers to calls still in flight. */
  let waitingForCalls = false;
  // The --key's changes follow into the temporary key: counted from exec's own read of keys.yaml,
  // and checked once more before the command starts, so it never starts with a key revoked meanwhile.
  let armDeathOnChange = false;
  if (plan.baseKeyId !== undefined) {
    const watch = store.watch(
      (reg) => {
        base = reg.keys.find((k) => k.id === plan.baseKeyId);
        key = refreshedLiveKey(plan.identity, plan.flags, base, new Date());
        proxy.setTemporaryKeys([key]);
        if (armDeathOnChange) armDeath();
      },
      (err) => plan.log.warn('keys.yaml change could not be read; the temporary key keeps its scope', { error: err.message }),
      // Per entry: another key's unreadable entry must not hold back a change to this one; this
      // one's own unreadable entry ends the temporary key, as its removal would.
      { since: plan.registry.text, perEntry: true },
    );
    cleanups.push(watch);
    await watch.checkNow();
  }

  // The run's start line, before the command starts: who ran what under which scope, until when.
  // Fail closed, as for calls: a run the journal cannot show does not start.
  const startedAt = process.hrtime.bigint();
  const runLine = { key: plan.identity.id, name: plan.identity.name, profile: plan.identity.profile, temporary: plan.identity.origin };
  try {
    await journal.append({ ...runLine, event: 'exec_start', exec: startInfo(plan.identity, key, base, plan.killOnExpiry) });
  } catch (e) {
    for (const c of cleanups) c();
    await proxy.close(0, 0).catch(() => undefined);
    throw new JournalError(`the journal ${plan.auditDir} cannot be written (the run's start line): ${(e as Error).message}`, 'journal_unwritable', e);
  }

  /** How the run went, for its end line. */
  let endedBy: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let interrupted: string | undefined;
  let killedOnExpiry = false;
  // Signals: forwarded, never fatal to exec, which must outlive the child to clean up. Once the
  // child has ended they stay caught until the proxy is closed: a second Ctrl-C while exec waits
  // for calls still at Odoo (from processes the command left running) would otherwise kill exec
  // and lose their journal lines and the command's exit code; it only stops the wait.
  // Caught before the command starts: until a listener is in place a signal's default action ends
  // exec at once, and one sent as soon as the command shows it runs (a test's SIGTERM after the
  // command's first line, a quick Ctrl-C on a loaded machine) left the command running without its
  // proxy, holding exec's output open. No listener runs before the spawn below (same tick).
  let child: ChildProcess;
  let hurried = false;
  const signalCleanups: (() => void)[] = [];
  for (const signal of FORWARDED_SIGNALS) {
    const forward = (): void => {
      if (child.pid === undefined) return;
      if (child.exitCode !== null || child.signalCode !== null) {
        if (waitingForCalls && !hurried) {
          hurried = true;
          plan.notice('not waiting any longer: the calls still at Odoo are journaled as not awaited');
          proxy.hurry();
        }
        return;
      }
      interrupted ??= signal;
      if (terminalSentIt(signal)) {
        plan.log.debug('signal not forwarded: the terminal sent it to the command as well', { signal });
        return;
      }
      plan.log.debug('signal forwarded to the command', { signal });
      try {
        child.kill(signal);
      } catch {
        // Gone in the meantime.
      }
    };
    process.on(signal, forward);
    signalCleanups.push(() => process.off(signal, forward));
  }
  child = spawn(plan.commandPath, plan.args, { argv0: plan.command, stdio: 'inherit', env });
  const ended = new Promise<ExecOutcome>((resolve) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      // The program could not be started (it went away since it was found, or the kernel refused
      // it). Later errors (a signal that could not be sent) change nothing.
      if (child.pid === undefined) {
        const problem = spawnProblem(plan.command, err);
        resolve({ exitCode: problem.exitCode, problem });
      }
    });
    child.once('exit', (code, signal) => {
      if (child.pid === undefined) return;
      endedBy = { code, signal };
      resolve({ exitCode: exitCodeOf(code, signal) });
    });
  });

  // A crash of exec itself (not a signal: those are handled) must not leave the command running
  // without its proxy; SIGKILL cannot be caught, and then the key dies with exec's memory.
  const onExit = (): void => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) child.kill('SIGTERM');
  };
  process.on('exit', onExit);
  cleanups.push(() => process.off('exit', onExit));

  // The TTL, and the base key's own end: a notice, and with --kill-on-expiry SIGTERM then SIGKILL.
  let cancelDeath = (): void => {};
  let killTimer: NodeJS.Timeout | undefined;
  let announced = false;
  const armDeath = (): void => {
    cancelDeath();
    cancelDeath = timerAt(deathTime(key, Date.now()), () => {
      // Re-armed on every keys.yaml change: the key dies once, and is announced once.
      if (announced) return;
      announced = true;
      const revoked = key.record.revoked !== undefined;
      const what = revoked ? 'the temporary key was revoked (its --key was revoked or removed, or its entry in keys.yaml can no longer be read)' : 'the temporary key expired';
      if (!plan.killOnExpiry) {
        plan.notice(`${what}; calls through it are refused from now on`);
        return;
      }
      plan.notice(`${what}; stopping ${plan.command} (SIGTERM, then SIGKILL after ${formatDuration(plan.killGraceMs)})`);
      killedOnExpiry = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, plan.killGraceMs);
      killTimer.unref();
    });
  };
  armDeath();
  armDeathOnChange = true;
  cleanups.push(() => cancelDeath());
  cleanups.push(() => killTimer && clearTimeout(killTimer));

  const outcome = await ended;
  for (const c of cleanups) c();
  // The key first (calls of anything the command left behind are refused at once), then the proxy.
  proxy.setTemporaryKeys([]);
  /** The run's end line, once every call of the run has its line (so it comes after them). */
  const endLine = async (): Promise<void> => {
    const nowMs = Date.now();
    const { calls, denied } = proxy.metrics.callsOf(plan.identity.id);
    const info: ExecEndInfo = {
      how: 'problem' in outcome ? 'not_started' : endedBy?.signal ? 'signal' : 'exited',
      exit_code: outcome.exitCode,
      calls,
      denied,
      ms: Number(process.hrtime.bigint() - startedAt) / 1e6,
    };
    if (endedBy?.signal) info.signal = endedBy.signal;
    if ('problem' in outcome) info.problem = outcome.problem.code;
    // The TTL (or --key's own expiry) reached while the command ran, whether or not a call noticed.
    if (key.record.expires !== undefined && Date.parse(key.record.expires) <= nowMs) info.ttl_expired = true;
    if (key.record.revoked !== undefined) info.revoked = true;
    if (killedOnExpiry) info.killed_on_expiry = true;
    if (interrupted !== undefined) info.interrupted = interrupted;
    try {
      await journal.append({ ...runLine, event: 'exec_end', exec: info });
    } catch (e) {
      // The command has run: its exit code stays exec's; the missing line is said, not hidden.
      plan.notice(`the journal has no end line for this run (exit code ${outcome.exitCode}): ${(e as Error).message}`);
    }
  };
  try {
    await proxy.close(1000, undefined, {
      beforeJournalClose: endLine,
      onAnswerWait: (calls) => {
        waitingForCalls = true;
        plan.notice(`${plan.command} ended; waiting for Odoo to answer ${calls === 1 ? '1 call' : `${calls} calls`} still in flight, so that the journal says what Odoo did (Ctrl-C to stop waiting)`);
      },
    });
  } catch (e) {
    // The journal misses calls (they are in the log): said, but the command's exit code stays
    // exec's, as scripts and cron rely on it.
    plan.notice(`the journal is incomplete: ${(e as Error).message}`);
  } finally {
    for (const c of signalCleanups) c();
  }
  return outcome;
}
