#!/usr/bin/env node
// The main job on an embedded default, with no Odoo of your own: starts the Odoo stand-in (the
// test double of Odoo 19, in its own process), logs in to it, mints a scoped key for a website
// form, runs `odoo-keys serve` on 127.0.0.1:8169 with the registry and journal as files, makes
// an allowed and a refused call with Python's xmlrpc.client, and shows the audit. The proxy then
// keeps running until Ctrl-C (`--once` stops after the walk-through).
//
// Everything lives in a temporary folder (ODOO_KEYS_HOME / ODOO_KEYS_STATE_HOME); your own
// keys.yaml and keychain are not touched.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'run.js');
const standinMain = join(root, 'dist', 'test', 'standin', 'main.js');
const once = process.argv.includes('--once');
const wanted = Number((process.argv.find((a) => a.startsWith('--port=')) ?? '--port=8169').slice(7));

if (!existsSync(standinMain)) {
  console.error('dist/ is missing: run `npm run build` first (npm run demo does).');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'odoo-keys-demo-'));
const env = { ...process.env, ODOO_KEYS_HOME: join(work, 'config'), ODOO_KEYS_STATE_HOME: join(work, 'state'), ODOO_KEYS_KEYCHAIN: 'off', NO_COLOR: process.env.NO_COLOR ?? '' };
delete env.ODOO_KEYS_PROFILE;
delete env.ODOO_KEYS_UPSTREAM_KEY;
const children = [];
const cleanup = () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
};
process.on('exit', cleanup);

const step = (text) => console.log(`\n\x1b[1m== ${text}\x1b[0m`);
function cli(args, { quiet = false } = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
  if (!quiet) process.stdout.write(r.stdout);
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`odoo-keys ${args[0]} failed (exit ${r.status})`);
  }
  return r.stdout;
}
function portFree(port) {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}
function lineFrom(child, stream, pattern) {
  return new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error(`no ${pattern} from ${child.spawnargs.join(' ')}:\n${buf}`)), 20000);
    child[stream].on('data', (d) => {
      buf += d;
      const m = pattern.exec(buf);
      if (m) {
        clearTimeout(timer);
        res(m);
      }
    });
  });
}

try {
  step('1. An Odoo 19 to talk to (the stand-in from test/standin, in its own process)');
  const odoo = spawn(process.execPath, [standinMain, '--version', '19', '--port', '0', '--json', '--print-keys'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(odoo);
  odoo.stdout.setEncoding('utf8');
  const info = JSON.parse((await lineFrom(odoo, 'stdout', /^\{.*\}\s*$/m))[0]);
  const integration = info.users.integration;
  console.log(`Odoo stand-in at ${info.url}, database ${info.db}, integration user ${integration.login}`);

  step('2. odoo-keys login: the integration user’s API key goes to a 0600 file (no keychain in this demo)');
  const keyFile = join(work, 'upstream.key');
  writeFileSync(keyFile, `${integration.apiKey}\n`, { mode: 0o600 });
  cli(['login', 'demo', '--url', info.url, '--db', info.db, '--user', integration.login, '--upstream-key-file', keyFile]);

  step('3. odoo-keys create: a key for a website form, create on crm.lead with three fields');
  const created = JSON.parse(cli(['create', 'website-form', '--scope', 'crm.lead:create(name,email_from,phone)', '--rate', '30/min', '--expires', '90d', '--json'], { quiet: true }));
  const token = created.token;
  console.log(`minted ${created.key.id} (${created.key.summary}); keys.yaml holds only its hash. The key, shown once:\n  ${token}`);

  step('4. odoo-keys serve: the proxy, with keys.yaml watched and every call journaled');
  const port = wanted === 0 || !(await portFree(wanted)) ? 0 : wanted;
  const serve = spawn(process.execPath, [bin, 'serve', '--listen', `127.0.0.1:${port}`, '--log-level', 'warn'], { env, stdio: ['ignore', 'inherit', 'pipe'] });
  children.push(serve);
  serve.stderr.setEncoding('utf8');
  const url = (await lineFrom(serve, 'stderr', /listening on (http:\/\/[^\s]+)/))[1];
  serve.stderr.pipe(process.stderr);
  console.log(`proxy at ${url}`);

  step('5. A Python xmlrpc.client script, unchanged but for the URL and the key');
  const py = `
import os, xmlrpc.client
url, db, key = os.environ['ODOO_URL'], os.environ['ODOO_DB'], os.environ['ODOO_API_KEY']
uid = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/common').authenticate(db, 'website', key, {})
models = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object')
lead = models.execute_kw(db, uid, key, 'crm.lead', 'create', [{'name': 'Website enquiry', 'email_from': 'visitor@example.com'}])
print('allowed: created crm.lead', lead)
try:
    models.execute_kw(db, uid, key, 'crm.lead', 'create', [{'name': 'x', 'user_id': 2}])
except xmlrpc.client.Fault as f:
    print('refused:', f.faultString)
try:
    models.execute_kw(db, uid, key, 'res.partner', 'search_read', [[]], {'fields': ['name', 'email']})
except xmlrpc.client.Fault as f:
    print('refused:', f.faultString)
`;
  const r = spawnSync('python3', ['-c', py], { env: { ...process.env, ODOO_URL: url, ODOO_DB: info.db, ODOO_API_KEY: token }, encoding: 'utf8' });
  process.stdout.write(r.stdout);
  if (r.status !== 0) process.stderr.write(r.stderr);

  step('6. odoo-keys audit: who did what, grouped by key (from the hash-chained journal)');
  cli(['audit', '--since', '1h']);
  cli(['audit', 'verify']);

  if (once) {
    serve.kill('SIGTERM');
    await new Promise((res) => serve.on('exit', res));
    console.log('\ndone (--once).');
    process.exit(0);
  }
  step('The proxy keeps running. Try it:');
  console.log(`  KEY=<the key printed in step 3>`);
  console.log(`  python3 -c "import os, xmlrpc.client as x; print(x.ServerProxy('${url}/xmlrpc/2/object').execute_kw('${info.db}', 1, os.environ['KEY'], 'crm.lead', 'create', [{'name': 'hi'}]))"`);
  console.log(`  odoo-keys commands against this demo: ODOO_KEYS_HOME=${env.ODOO_KEYS_HOME} ODOO_KEYS_STATE_HOME=${env.ODOO_KEYS_STATE_HOME} node bin/run.js list`);
  console.log('  Ctrl-C stops everything and removes the temporary folder.');
  await new Promise((res) => {
    process.on('SIGINT', res);
    process.on('SIGTERM', res);
  });
} catch (e) {
  console.error(`demo failed: ${e.message}`);
  process.exitCode = 1;
}
cleanup();
process.exit(process.exitCode ?? 0);
