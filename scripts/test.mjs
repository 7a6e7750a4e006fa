#!/usr/bin/env node
// Runs the compiled tests with Node's own runner, so CI sees its summary line.
//
// Node 20's runner does not expand globs, so the files are listed here. When a Secret Service can
// be started (dbus-run-session and gnome-keyring-daemon installed) and none is running, the whole
// run is re-executed inside a fresh D-Bus session with an unlocked, throw-away keyring, so the
// keychain tests use the real thing. Arguments narrow the run to files whose path contains them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(root, 'dist', 'test');

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

if (!process.env.ODOO_KEYS_TEST_IN_DBUS && !process.env.DBUS_SESSION_BUS_ADDRESS && which('dbus-run-session') && which('gnome-keyring-daemon')) {
  const data = mkdtempSync(join(tmpdir(), 'odoo-keys-keyring-'));
  const inner = 'echo -n "odoo-keys-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$0" "$@"';
  const r = spawnSync('dbus-run-session', ['--', 'sh', '-c', inner, process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, ODOO_KEYS_TEST_IN_DBUS: '1', ODOO_KEYS_TEST_KEYRING: '1', XDG_DATA_HOME: data },
  });
  rmSync(data, { recursive: true, force: true });
  process.exit(r.status ?? 1);
}

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

if (!existsSync(testDir)) {
  console.error('dist/test not found: run `npm run build` first (npm test does)');
  process.exit(2);
}
const filters = process.argv.slice(2);
const files = walk(testDir).sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(2);
}
const concurrency = process.env.ODOO_KEYS_TEST_CONCURRENCY ?? '4';
// TAP's summary (`# tests N`, `# pass N`) whenever the output is not a terminal, as Node 20 and 22
// write it there by default: Node 24 writes the spec reporter's (`ℹ tests N`) instead.
const reporter = process.stdout.isTTY ? [] : ['--test-reporter=tap'];
const r = spawnSync(process.execPath, ['--test', '--enable-source-maps', `--test-concurrency=${concurrency}`, ...reporter, ...files], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
