// What the exec tests share: an Odoo stand-in, a registry whose profile points at it (the
// upstream key in a 0600 file), and `odoo-keys exec` run as a real child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStandin, type Standin } from '../standin/server.js';
import { BIN, REPO_ROOT, cliEnvironment, type CliEnv, type CliResult } from '../support/cli.js';
import { standinProfile, type StandinProfile } from '../support/standin-profile.js';
import type { RegistryStore } from '../../src/registry/store.js';
import type { JournalEntry } from '../../src/audit/types.js';
import { journalLines } from '../support/journal.js';

export interface ExecWorld extends CliEnv {
  standin: Standin;
  store: RegistryStore;
  /** A folder for scripts and marker files. */
  dir: string;
  journalDir: string;
  /** Adds a key to keys.yaml (as create would); returns its name, id and token. */
  addKey: StandinProfile['addKey'];
  journal(): JournalEntry[];
  /** Every file under the config and state folders, as text. */
  allFilesText(): string;
  /** Writes a script file and returns its path. */
  script(name: string, text: string, mode?: number): string;
  close(): Promise<void>;
}

export async function execWorld(version: 18 | 19 = 19): Promise<ExecWorld> {
  const standin = await startStandin({ version });
  const registry = await standinProfile(standin, { prefix: 'odoo-keys-exec-' });
  const { home, state } = registry;
  const dir = join(home, '..', 'work');
  mkdirSync(dir, { recursive: true });
  mkdirSync(state, { recursive: true });
  const journalDir = join(state, 'journal');
  const walk = (d: string): string[] => (existsSync(d) ? readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)])) : []);
  return {
    home,
    state,
    standin,
    store: registry.store,
    dir,
    journalDir,
    addKey: registry.addKey,
    journal() {
      return journalLines(journalDir);
    },
    allFilesText() {
      return [...walk(home), ...walk(state)].map((p) => readFileSync(p, 'latin1')).join('\n');
    },
    script(name, text, mode = 0o755) {
      const p = join(dir, name);
      writeFileSync(p, text, { mode });
      return p;
    },
    async close() {
      await standin.close();
      registry.cleanup();
    },
  };
}

export interface RunningExec {
  child: ChildProcess;
  /** Output so far. */
  out(): { stdout: string; stderr: string };
  /** Resolves once stdout (or stderr) has matched. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<RegExpMatchArray>;
  done: Promise<CliResult>;
}

/**
 * Starts `odoo-keys exec <args>` with pipes for stdin, stdout and stderr. `detached` puts it in a
 * session of its own (no controlling terminal, and a process group the test can kill whole).
 */
export function startExec(world: CliEnv, args: string[], opts: { env?: Record<string, string | undefined>; detached?: boolean } = {}): RunningExec {
  const child = spawn(process.execPath, [BIN, 'exec', ...args], { cwd: REPO_ROOT, env: cliEnvironment({ ...world, env: opts.env }), stdio: ['pipe', 'pipe', 'pipe'], detached: opts.detached ?? false });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; stream: 'stdout' | 'stderr'; resolve: (m: RegExpMatchArray) => void }[] = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      const m = (w.stream === 'stdout' ? stdout : stderr).match(w.pattern);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    check();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    check();
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const w of waiters) w.resolve(Object.assign([] as unknown as RegExpMatchArray, { missing: true }));
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    out: () => ({ stdout, stderr }),
    waitFor(pattern, stream = 'stdout') {
      return new Promise((resolve, reject) => {
        const m = (stream === 'stdout' ? stdout : stderr).match(pattern);
        if (m) return resolve(m);
        waiters.push({
          pattern,
          stream,
          resolve: (found) => ((found as unknown as { missing?: boolean }).missing ? reject(new Error(`exec ended before ${pattern} showed:\n${stdout}\n--- stderr:\n${stderr}`)) : resolve(found)),
        });
      });
    },
    done,
  };
}

/** Runs `odoo-keys exec <args>` to the end; stdin is closed at once. */
export function runExec(world: CliEnv, args: string[], opts: { env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  const r = startExec(world, args, opts);
  r.child.stdin!.end();
  return r.done;
}

/** Whether a process is still there (it may be a zombie of ours: kill(0) says yes then). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
