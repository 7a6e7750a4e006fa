// Runs the real CLI (`node bin/run.js ...`) as a child process, with no TTY and its own
// config and state folders, the way a user or a script would.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Standin } from '../standin/server.js';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/test/support/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = join(REPO_ROOT, 'bin', 'run.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  /** Config folder (keys.yaml). */
  home: string;
  /** State folder (last-used.json, journal). */
  state: string;
  /** Extra environment (undefined removes a variable). */
  env?: Record<string, string | undefined>;
}

/** Environment variables of the test runner that must not leak into a CLI under test. */
const SCRUBBED = ['ODOO_KEYS_HOME', 'ODOO_KEYS_STATE_HOME', 'ODOO_KEYS_PROFILE', 'ODOO_KEYS_UPSTREAM_KEY', 'ODOO_KEYS_TEST_PAUSE_WRITE', 'FORCE_COLOR', 'ODOO_KEYS_KEYCHAIN'];

export function cliEnvironment(ctx: CliEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of SCRUBBED) delete env[k];
  // No keychain unless a test asks for one: tests must not depend on (or touch) the desktop's.
  Object.assign(env, { ODOO_KEYS_HOME: ctx.home, ODOO_KEYS_STATE_HOME: ctx.state, NO_COLOR: '1', ODOO_KEYS_KEYCHAIN: 'off' });
  for (const [k, v] of Object.entries(ctx.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `odoo-keys <args>`; `input` is written to stdin (which is a pipe, never a TTY) and closed. */
export function runCli(ctx: CliEnv, args: string[], input = ''): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: cliEnvironment(ctx), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Parses the --json output of a run (stdout holds exactly one JSON document). */
export function json<T = any>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n--- stderr:\n${r.stderr}`);
  }
}

/** Fresh config and state folders, removed by the returned cleanup. */
export function tempFolders(prefix = 'odoo-keys-test-'): CliEnv & { cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return {
    home: join(root, 'config'),
    state: join(root, 'state'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Fresh config and state folders, removed after the test, with `registry` as keys.yaml (0600). */
export function foldersWithRegistry(t: { after: (fn: () => unknown) => void }, registry: string): CliEnv & { registryFile: string } {
  const f = tempFolders();
  t.after(f.cleanup);
  mkdirSync(f.home, { recursive: true });
  const registryFile = join(f.home, 'keys.yaml');
  writeFileSync(registryFile, registry, { mode: 0o600 });
  return { home: f.home, state: f.state, registryFile };
}

/** Whether `script` (util-linux) is there to give a child a pseudo-terminal. */
export function ptyAvailable(): boolean {
  return spawnSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' }).status === 0;
}

export const PTY_SKIP = ptyAvailable() ? false : 'no `script` command (util-linux) to run the CLI on a pseudo-terminal';

/**
 * Runs `odoo-keys <args>` on a pseudo-terminal (through `script`), answering prompts: each time
 * the output shows `step.expect`, `step.send` is typed. Output is the terminal's (escape codes
 * included). Arguments must not hold secrets: they end up on script's command line.
 */
export function runCliInPty(ctx: CliEnv, args: string[], steps: { expect: string; send: string }[]): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const env = cliEnvironment(ctx);
    env.TERM = 'dumb';
    env.SHELL = '/bin/sh';
    // `exec`: the shell `script` starts must not stay between the terminal and the CLI. A
    // non-interactive dash dies of the Ctrl-C it shares with the CLI's process group, and its
    // 130 then stands for the CLI's own exit code.
    const child = spawn('script', ['-q', '-e', '-c', `exec ${quoted}`, '/dev/null'], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let next = 0;
    let seenUpTo = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      while (next < steps.length) {
        const at = stdout.indexOf(steps[next]!.expect, seenUpTo);
        if (at < 0) break;
        seenUpTo = at + steps[next]!.expect.length;
        child.stdin.write(steps[next]!.send);
        next++;
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // A prompt that never shows would leave the child waiting for input for ever.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      child.stdin.destroy();
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** A port free on 127.0.0.1 now, for a child process that must be told its port up front. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * `odoo-keys login prod` against an Odoo (or the stand-in) as its integration user, the API key in a
 * 0600 file beside the config folder (no keychain needed). Throws with the CLI's stderr on failure.
 */
export async function loginWithKeyFile(ctx: CliEnv, odoo: Pick<Standin, 'url' | 'db' | 'users'>): Promise<void> {
  if (!odoo.users.integration.apiKey) throw new Error('the integration user has no API key');
  const keyFile = join(ctx.home, '..', 'upstream.key');
  writeFileSync(keyFile, `${odoo.users.integration.apiKey}\n`, { mode: 0o600 });
  const login = await runCli(ctx, ['login', 'prod', '--url', odoo.url, '--db', odoo.db, '--user', odoo.users.integration.login, '--upstream-key-file', keyFile]);
  if (login.code !== 0) throw new Error(`login failed (exit ${login.code}): ${login.stderr}`);
}
