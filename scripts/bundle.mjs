#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli/main.js and one entry per command in dist/commands) with
// oclif, yaml and the other dependencies into dist/cli, the code bin/run.js runs. Why: a cold
// `odoo-keys list` spent about 100 ms of its start resolving, reading and compiling some 250 small
// module files (oclif alone is ~100 CommonJS files); a bundle is a few files, and code splitting
// keeps a command's run to the code it uses (bench/cli-startup.md has the figures).
//
// Left out of the bundle: @napi-rs/keyring (a native addon, loaded from node_modules when the
// keychain is used), cli-table3 (required through createRequire when a table is drawn, see
// src/cli/style.ts) and typescript (oclif asks for it only to run .ts commands, which we never do).
//
// Worker threads are started with new URL('./x-worker.js', import.meta.url): in the bundle,
// import.meta.url is the file the calling code ended up in, so each worker is bundled (on its own,
// as it runs in its own thread) next to every output file that names it. The build fails if a file
// names a worker this script cannot find.
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(dist, 'cli');

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const commandsDir = join(dist, 'commands');
const commands = walk(commandsDir)
  .filter((p) => p.endsWith('.js'))
  .map((p) => relative(commandsDir, p).split(sep).join('/'))
  .filter((p) => !p.startsWith('shared/') && p !== 'index.js');
if (commands.length === 0) throw new Error('no commands in dist/commands: run tsc first');

rmSync(out, { recursive: true, force: true });

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@napi-rs/keyring', 'cli-table3', 'typescript'],
  // oclif and its dependencies are CommonJS: in an ES module they need a require of their own.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
};

const main = await build({
  ...common,
  entryPoints: [{ in: join(dist, 'src/cli/main.js'), out: 'main' }, ...commands.map((c) => ({ in: join(commandsDir, c), out: `commands/${c.replace(/\.js$/, '')}` }))],
  splitting: true,
  outdir: out,
  chunkNames: 'chunk-[hash]',
});

// Workers: every output that names one gets it beside itself.
const workerSources = new Map(walk(join(dist, 'src')).filter((p) => p.endsWith('-worker.js')).map((p) => [basename(p), p]));
const wanted = new Map(); // output path -> source
for (const file of Object.keys(main.metafile.outputs).filter((f) => f.endsWith('.js'))) {
  const text = readFileSync(join(root, file), 'utf8');
  for (const m of text.matchAll(/new URL\(\s*["']\.\/([\w.-]+-worker\.js)["']\s*,\s*import\.meta\.url\s*\)/g)) {
    const src = workerSources.get(m[1]);
    if (!src) throw new Error(`${file} starts a worker ${m[1]} that is not in dist/src`);
    wanted.set(join(root, dirname(file), m[1]), src);
  }
}
for (const [target, src] of wanted) {
  await build({ ...common, entryPoints: [src], outfile: target });
}

const bytes = Object.entries(main.metafile.outputs).filter(([f]) => f.endsWith('.js')).reduce((n, [, o]) => n + o.bytes, 0);
console.log(`dist/cli: ${commands.length} commands, ${wanted.size} worker file(s), ${(bytes / 1024).toFixed(0)} KB`);
