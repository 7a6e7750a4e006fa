// oclif.manifest.json is what oclif trusts to find a command's file without loading the others
// (scripts/manifest.mjs, run by `npm run build`). A stale one would hide a new command, fail on a
// moved one or show old flags in help; this checks it against the commands as built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Plugin } from '@oclif/core';
import { REPO_ROOT } from '../support/cli.js';

const MANIFEST = join(REPO_ROOT, 'oclif.manifest.json');

test('oclif.manifest.json matches the built commands', async () => {
  const onDisk = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  const plugin = new Plugin({ root: REPO_ROOT, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true, isRoot: true });
  await plugin.load();
  assert.deepEqual(onDisk, JSON.parse(JSON.stringify(plugin.manifest)), 'oclif.manifest.json is stale: run npm run build');
});

test('every command keeps its id and is loaded from its own file', () => {
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as { commands: Record<string, { isESM?: boolean; relativePath?: string[] }> };
  const ids = Object.keys(manifest.commands).sort();
  // The ids users type (and scripts call); a file moved under commands/ must not change them.
  assert.deepEqual(ids, ['audit', 'audit:verify', 'check', 'create', 'exec', 'help', 'learn', 'list', 'login', 'logout', 'profiles', 'revoke', 'rotate', 'scope', 'scope:suggest', 'serve', 'show']);
  // The bundled commands (scripts/bundle.mjs), the files bin/run.js runs.
  const commandsDir = join(REPO_ROOT, 'dist', 'cli', 'commands');
  const files = (function walk(dir: string): string[] {
    return readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.js') ? [p] : [];
    });
  })(commandsDir)
    .map((p) => relative(commandsDir, p).split(sep).join('/'))
    .filter((p) => !p.endsWith('-worker.js'));
  // One file per command, and no command file the manifest does not know.
  const fromManifest = ids.map((id) => manifest.commands[id]!.relativePath!.join('/'));
  assert.deepEqual(fromManifest.sort(), files.map((f) => `dist/cli/commands/${f}`).sort());
  for (const id of ids) {
    const c = manifest.commands[id]!;
    // Without both, oclif imports every command to find one.
    assert.equal(c.isESM, true, id);
    assert.ok(Array.isArray(c.relativePath), id);
  }
});
