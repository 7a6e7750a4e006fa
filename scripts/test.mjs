#!/usr/bin/env node
// Runs the compiled tests with Node's own runner, so CI sees its summary line.
//
// Node 20's runner does not expand globs, so the files are listed here. When a Secret Service can
// be started (dbus-run-session and gnome-keyring-daemon installed) and none is running, the whole
// run is re-executed inside a fresh D-Bus session with an unlocked, throw-away keyring, so the
// keychain tests use the real thing. Arguments narrow the run to files whose path contains them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(root, 'dist', 'test');

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

const KEYRING_PASSWORD = 'odoo-keys-test';

/**
 * A private session bus whose only activatable service is an unlocked gnome-keyring: D-Bus starts
 * it on the first call, and again if it goes away mid-run (it did, rarely, and the bus's standard
 * service file then started a locked one whose unlock prompt cannot open headless, so the keychain
 * tests read nothing). Each start is logged, so the run can say when that happened and why.
 */
function privateBus(dir) {
  const log = join(dir, 'secret-service.log');
  const services = join(dir, 'services');
  mkdirSync(services);
  const start = join(dir, 'secret-service.sh');
  writeFileSync(start, [
    '#!/bin/sh',
    `echo "started $(date +%T.%N) pid $$" >> '${log}'`,
    `printf %s '${KEYRING_PASSWORD}' | exec gnome-keyring-daemon --foreground --unlock --components=secrets >> '${log}' 2>&1`,
    '',
  ].join('\n'), { mode: 0o755 });
  writeFileSync(join(services, 'org.freedesktop.secrets.service'), `[D-BUS Service]\nName=org.freedesktop.secrets\nExec=${start}\n`);
  // Debian's session bus, with our service directory in place of the standard ones.
  const standard = readFileSync('/usr/share/dbus-1/session.conf', 'utf8');
  const config = join(dir, 'session.conf');
  writeFileSync(config, standard
    .replace(/<standard_session_servicedirs\s*\/>/, `<servicedir>${services}</servicedir>`)
    .replace('<includedir>session.d</includedir>', '<includedir>/usr/share/dbus-1/session.d</includedir>'));
  return { config, log };
}

if (!process.env.ODOO_KEYS_TEST_IN_DBUS && !process.env.DBUS_SESSION_BUS_ADDRESS && which('dbus-run-session') && which('gnome-keyring-daemon') && existsSync('/usr/share/dbus-1/session.conf')) {
  const dir = mkdtempSync(join(tmpdir(), 'odoo-keys-keyring-'));
  const bus = privateBus(dir);
  const data = join(dir, 'data');
  mkdirSync(data);
  const r = spawnSync('dbus-run-session', [`--config-file=${bus.config}`, '--', process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, ODOO_KEYS_TEST_IN_DBUS: '1', ODOO_KEYS_TEST_KEYRING: '1', ODOO_KEYS_TEST_KEYRING_LOG: bus.log, XDG_DATA_HOME: data },
  });
  const log = existsSync(bus.log) ? readFileSync(bus.log, 'utf8') : '';
  const starts = log.split('\n').filter((l) => l.startsWith('started ')).length;
  if (starts > 1) {
    console.error(`# the Secret Service was started ${starts} times in this run: it went away and D-Bus started it again, unlocked. Its log:`);
    console.error(log.trimEnd().replace(/^/gm, '#   '));
  }
  rmSync(dir, { recursive: true, force: true });
  process.exit(r.status ?? 1);
}

if (process.env.ODOO_KEYS_TEST_KEYRING_LOG) {
  // Started before the tests, so a broken keyring shows here rather than as failing keychain tests.
  const s = spawnSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.StartServiceByName', 'string:org.freedesktop.secrets', 'uint32:0'], { encoding: 'utf8' });
  if (s.status !== 0) {
    const log = existsSync(process.env.ODOO_KEYS_TEST_KEYRING_LOG) ? readFileSync(process.env.ODOO_KEYS_TEST_KEYRING_LOG, 'utf8') : '';
    console.error(`could not start the test's Secret Service (gnome-keyring-daemon): ${(s.stderr || s.error?.message || '').trim()}\n${log}`);
    process.exit(2);
  }
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
