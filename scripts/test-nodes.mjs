#!/usr/bin/env node
// Runs the whole test suite (the build in dist/, as `npm test` left it) again under the other Node
// majors the tool must keep working on. Their official binaries come from the npm registry
// (the `node-linux-<arch>` packages that npm's own `node` package installs), fetched once into
// node_modules/.cache: the only registries these machines reach are npm and Debian's, whose
// nodejs is older than 20.
//   node scripts/test-nodes.mjs [version ...]      (default: the versions below)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve, dirname, delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';

// Exact versions, so a run is repeatable; raise them on purpose.
const VERSIONS = ['22.23.5', '24.22.3'];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, 'node_modules', '.cache', 'odoo-keys-nodes');
const versions = process.argv.length > 2 ? process.argv.slice(2) : VERSIONS;

if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
  console.error(`test-nodes: Node binaries from npm are fetched for linux x64 and arm64 only, not ${process.platform} ${process.arch}`);
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'test'))) {
  console.error('test-nodes: dist/test not found: run `npm run build` first (npm test does)');
  process.exit(2);
}

/** The folder holding bin/node for `version`, fetched and unpacked on first use. */
function nodeHome(version) {
  const home = join(cache, version);
  if (existsSync(join(home, 'bin', 'node'))) return home;
  const pkg = `node-linux-${process.arch}@${version}`;
  const tmp = join(cache, `${version}.part`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const pack = spawnSync('npm', ['pack', pkg, '--pack-destination', tmp, '--silent'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (pack.status !== 0 || !tgz) throw new Error(`npm pack ${pkg} failed (exit ${pack.status})`);
    const unpacked = join(tmp, 'unpacked');
    mkdirSync(unpacked);
    const tar = spawnSync('tar', ['-xzf', join(tmp, tgz), '-C', unpacked, '--strip-components=1'], { stdio: 'inherit' });
    if (tar.status !== 0) throw new Error(`could not unpack ${tgz}`);
    rmSync(home, { recursive: true, force: true });
    renameSync(unpacked, home);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return home;
}

const results = [];
for (const version of versions) {
  let bin;
  try {
    bin = join(nodeHome(version), 'bin');
  } catch (e) {
    console.error(`test-nodes: Node ${version}: ${e.message}`);
    results.push({ version: `v${version}`, ok: false, status: 'not fetched' });
    continue;
  }
  const seen = spawnSync(join(bin, 'node'), ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (seen !== `v${version}`) throw new Error(`${bin}/node says ${seen}, not v${version}`);
  console.log(`\n# test-nodes: the suite under Node ${seen}`);
  // PATH first: the CLI, proxies and stand-ins the tests start as child processes run on it too.
  const r = spawnSync(join(bin, 'node'), [join(root, 'scripts', 'test.mjs')], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
  });
  results.push({ version: seen, ok: r.status === 0, status: r.status });
}
console.log('');
for (const r of results) console.log(`# test-nodes: Node ${r.version}: ${r.ok ? 'passed' : `FAILED (${typeof r.status === 'string' ? r.status : `exit ${r.status}`})`}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
