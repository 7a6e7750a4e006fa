// The README's main command (`npm run demo`) keeps working: run its walk-through once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './support/cli.js';

test('npm run demo: stand-in, login, create, serve, an allowed and two refused calls, audit, verify', () => {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'demo.mjs'), '--once', '--port=0'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /allowed: created crm\.lead \d+/);
  assert.match(r.stdout, /refused: odoo-keys: key 'website-form' may not call crm\.lead\.create: field 'user_id'/);
  assert.match(r.stdout, /refused: odoo-keys: key 'website-form' may not call res\.partner\.search_read/);
  assert.match(r.stdout, /website-form \([0-9a-f]{8}\)\s*│\s*4\s*│\s*2\s*│\s*2/);
  assert.match(r.stdout, /intact .* 4 lines/);
});
