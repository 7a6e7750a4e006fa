#!/usr/bin/env node
// Writes oclif.manifest.json: every command's id, flags, args, help text, and the file it lives in
// (relativePath, isESM). With it oclif answers `--version` and `--help` without importing any
// command, and `odoo-keys list` imports list.js alone (the "pattern" strategy in package.json; the
// `oclif manifest` command does the same, but its package is large and not needed for this).
//
// A manifest that disagrees with dist/commands would break commands quietly (a new command missing,
// a moved one failing to load, help showing old flags), so it is build output and never edited:
// `npm run build` runs `manifest.mjs --clean` first (removes the manifest and dist/commands, so a
// failed tsc or a renamed command cannot leave a stale one behind; with no manifest oclif scans the
// commands itself, slower but right), then tsc, then this script. test/cli/manifest.test.ts checks
// the manifest against the commands.
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, 'oclif.manifest.json');

if (process.argv.includes('--clean')) {
  rmSync(file, { force: true });
  rmSync(join(root, 'dist', 'commands'), { recursive: true, force: true });
  rmSync(join(root, 'dist', 'cli'), { recursive: true, force: true });
  process.exit(0);
}

// Imported only here: --clean must work before anything is built.
const { Plugin } = await import('@oclif/core');
const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true, isRoot: true });
await plugin.load();
const ids = Object.keys(plugin.manifest.commands);
if (ids.length === 0) throw new Error(`no commands found under ${plugin.pjson.oclif.commands.target}: build first`);
for (const [id, c] of Object.entries(plugin.manifest.commands)) {
  // Without these two oclif would load every command to find one (see cachedCommandCanBeUsed).
  if (!c.isESM || !Array.isArray(c.relativePath)) throw new Error(`manifest entry ${id} lacks isESM/relativePath`);
}
writeFileSync(file, JSON.stringify(plugin.manifest, null, 2) + '\n');
console.log(`oclif.manifest.json: ${ids.length} commands (${ids.sort().join(', ')})`);
