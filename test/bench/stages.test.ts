// bench/stages.ts marks each step of a call at fixed places in the compiled code. It is run on
// demand, never in CI, so this test checks on every run that each place is still found exactly once
// in this build (a changed line would otherwise break the tool unseen) and that the marks land.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markBuild } from '../../bench/lib/stages.js';

test('every step bench/stages.ts marks is still found once in the compiled proxy, and the marks land there', (t) => {
  const dist = fileURLToPath(new URL('../../', import.meta.url));
  const copy = mkdtempSync(join(tmpdir(), 'odoo-keys-stages-test-'));
  t.after(() => rmSync(copy, { recursive: true, force: true }));
  cpSync(join(dist, 'src'), join(copy, 'src'), { recursive: true });
  markBuild(copy);
  const core = readFileSync(join(copy, 'src/proxy/core.js'), 'utf8');
  for (const label of ['body read', 'decoded', 'key checked', 'decided', 'encoded for Odoo', 'journal line written', 'answer written to the client socket']) {
    assert.ok(core.includes(`globalThis.__stage?.(${JSON.stringify(label)})`), `no mark '${label}' in core.js`);
  }
  assert.match(readFileSync(join(copy, 'src/upstream/wire.js'), 'utf8'), /globalThis\.__stage\('connected'\)/);
  assert.match(readFileSync(join(copy, 'src/proxy/server.js'), 'utf8'), /globalThis\.__stageStart\(\)/);
  // The build itself is left as it was.
  assert.doesNotMatch(readFileSync(join(dist, 'src/proxy/core.js'), 'utf8'), /__stage/);
});
