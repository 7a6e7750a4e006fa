// The CLI logged in to a stand-in Odoo with one key made by `create`: where the tests of `serve`
// run as a child process start.

import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { startStandin, type Standin } from '../standin/server.js';
import { json, loginWithKeyFile, runCli, tempFolders, type CliEnv } from './cli.js';

export interface CliOnStandin {
  odoo: Standin;
  folders: CliEnv;
  /** The token of the key 'sync' (res.partner:read(name)). */
  token: string;
  /** The child process the test starts: killed after the test, before the stand-in closes and the folders go. */
  child?: ChildProcess;
}

export async function cliOnStandin(t: { after: (fn: () => unknown) => void }): Promise<CliOnStandin> {
  const odoo = await startStandin({ version: 19 });
  const f = tempFolders();
  const world: CliOnStandin = { odoo, folders: f, token: '' };
  t.after(async () => {
    world.child?.kill('SIGKILL');
    await odoo.close();
    f.cleanup();
  });
  await loginWithKeyFile(f, odoo);
  const created = await runCli(f, ['create', 'sync', '--scope', 'res.partner:read(name)', '--json']);
  assert.equal(created.code, 0, created.stderr);
  world.token = json<{ token: string }>(created).token;
  return world;
}
