// The Odoo stand-in in its own process (the upstream must not share the proxy's or the load
// generator's event loop), with --fast: no request log, no added latency.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const MAIN = fileURLToPath(new URL('../../test/standin/main.js', import.meta.url));

export interface StandinProcess {
  url: string;
  db: string;
  version: number;
  pid: number;
  /** The integration user's uid and API key (the upstream credentials the proxy uses). */
  integration: { uid: number; login: string; apiKey: string };
  admin: { uid: number; login: string; apiKey: string };
  child: ChildProcess;
  /** A full garbage collection in the stand-in, awaited (started with `exposeGc`); resolves with its ms. */
  gc(): Promise<number>;
  stop(): Promise<void>;
}

export async function startStandinProcess(opts: { version?: 18 | 19; latencyMs?: number; keepAlive?: boolean; exposeGc?: boolean } = {}): Promise<StandinProcess> {
  const args = [MAIN, '--version', String(opts.version ?? 19), '--port', '0', '--json', '--print-keys'];
  if (opts.keepAlive) args.push('--keep-alive');
  // --fast forces no latency; with a latency the request log is bounded anyway (1000 entries).
  if (opts.latencyMs) args.push('--latency', String(opts.latencyMs));
  else args.push('--fast');
  const child = spawn(process.execPath, [...(opts.exposeGc ? ['--expose-gc'] : []), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  // The first line says where it listens; later ones answer gc().
  const rl = createInterface({ input: child.stdout! });
  const collected: ((ms: number) => void)[] = [];
  let gcChain: Promise<void> = Promise.resolve();
  const first = await new Promise<string>((resolve, reject) => {
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the stand-in exited (${code}) before it was ready`)));
  });
  rl.on('line', (l) => {
    const m = JSON.parse(l) as { gc?: number };
    if (typeof m.gc === 'number') collected.shift()?.(m.gc);
  });
  const info = JSON.parse(first) as { url: string; db: string; version: number; users: Record<string, { uid: number; login: string; apiKey: string }> };
  return {
    url: info.url,
    db: info.db,
    version: info.version,
    pid: child.pid!,
    integration: info.users.integration!,
    admin: info.users.admin!,
    child,
    gc: () => {
      if (!opts.exposeGc) return Promise.reject(new Error('the stand-in was not started with exposeGc'));
      // One signal at a time: two SIGUSR2 sent before the first is handled arrive as one.
      const next = gcChain.then(
        () =>
          new Promise<number>((resolve) => {
            collected.push(resolve);
            child.kill('SIGUSR2');
          }),
      );
      gcChain = next.then(
        () => undefined,
        () => undefined,
      );
      return next;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
