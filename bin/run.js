#!/usr/bin/env node
// Entry point: runs the compiled CLI (npm run build first when working from a clone).
import { readFileSync } from 'node:fs';
import { arch, platform, release } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * `odoo-keys --version` without loading oclif (some 150 ms of a 250 ms budget): the line oclif
 * prints, its Config.userAgent (`name/version platform-arch node-vX`), from the same package.json.
 * test/cli/version.test.ts compares it byte for byte with what oclif itself prints. Whatever could
 * make oclif's answer differ sends the run to oclif: an init hook or a plugin in package.json, and
 * WSL (where oclif names the platform "wsl").
 */
function versionLine() {
  if (process.argv[2] !== '--version') return undefined;
  let pjson;
  try {
    pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  } catch {
    return undefined;
  }
  const oclif = pjson.oclif ?? {};
  if (oclif.hooks || oclif.plugins || oclif.devPlugins || typeof pjson.name !== 'string' || typeof pjson.version !== 'string') return undefined;
  if (platform() === 'linux' && mightBeWsl()) return undefined;
  return `${pjson.name}/${pjson.version} ${platform()}-${arch() === 'ia32' ? 'x86' : arch()} node-${process.version}`;
}

/** Where is-wsl (oclif's test) could say yes; false means it says no. */
function mightBeWsl() {
  if (release().toLowerCase().includes('microsoft')) return true;
  try {
    return readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft');
  } catch {
    return false;
  }
}

const version = versionLine();
if (version !== undefined) {
  console.log(version); // as oclif writes it (console.log ignores a closed stdout, as there)
} else {
  // The bundle npm run build writes (scripts/bundle.mjs): oclif, the commands and their dependencies
  // in a few files instead of some 250 small modules.
  const { main } = await import('../dist/cli/main.js');
  await main(fileURLToPath(import.meta.url));
}
