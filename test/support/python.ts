// Python's xmlrpc.client run as a child process: what integration scripts mostly use.

import { spawn, spawnSync } from 'node:child_process';

/**
 * The start of a scenario for xmlrpc.client: connects with ODOO_URL, ODOO_DB, ODOO_USER and
 * ODOO_PASSWORD from the environment (the key travels there, never on a command line), puts the
 * server version and the uid authenticate answers in `out`, and leaves `models` for execute_kw.
 * The scenario goes on from there and ends with print(json.dumps(out)).
 */
export const PYTHON_XMLRPC_PRELUDE = String.raw`
import json, os, xmlrpc.client
url, db, login, key = os.environ['ODOO_URL'], os.environ['ODOO_DB'], os.environ['ODOO_USER'], os.environ['ODOO_PASSWORD']
out = {}
common = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/common')
out['version'] = common.version()['server_version']
uid = common.authenticate(db, login, key, {})
out['uid'] = uid
models = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object', allow_none=True)
`;

/**
 * Runs `cmd -c script` with `env` added to this process's environment, asynchronously (a stand-in
 * in this very process must go on answering); killed after 30 s.
 */
export function runPython(cmd: string, script: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, ['-c', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** python3, or else python, where either runs; null where neither does. */
export function pythonCommand(): string | null {
  for (const cmd of ['python3', 'python']) if (spawnSync(cmd, ['--version']).status === 0) return cmd;
  return null;
}
