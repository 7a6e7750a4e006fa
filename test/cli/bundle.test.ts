// bin/run.js runs the bundle in dist/cli (scripts/bundle.mjs), not the tsc output the unit tests
// import. Every CLI test goes through it; these check what those cannot reach cheaply: that the
// worker threads the bundle starts exist where it looks for them and work as the unbundled ones do,
// and that the bundle loads nothing from outside it but Node and the packages left out on purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import { builtinModules } from 'node:module';
import { REPO_ROOT } from '../support/cli.js';
import { plainTask } from '../../src/audit/group.js';
import { sampleInputs, tempDir, writeJournal } from '../audit/fixtures.js';

const BUNDLE = join(REPO_ROOT, 'dist', 'cli');
const UNBUNDLED = join(REPO_ROOT, 'dist', 'src');

function bundleFiles(dir = BUNDLE): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? bundleFiles(p) : p.endsWith('.js') ? [p] : [];
  });
}

function runWorker(file: string, workerData: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const w = new Worker(file, { workerData });
    w.once('message', (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`${relative(REPO_ROOT, file)} exited (${code}) without an answer`)));
  });
}

const WORKER_REF = /new URL\(\s*["']\.\/([\w.-]+-worker\.js)["']\s*,\s*import\.meta\.url\s*\)/g;

test('every worker the bundle starts is a file beside the code that starts it', () => {
  const refs = bundleFiles().flatMap((f) => [...readFileSync(f, 'utf8').matchAll(WORKER_REF)].map((m) => ({ from: f, worker: join(dirname(f), m[1]!) })));
  // Both of them: the registry parser (serve, on a large keys.yaml) and the journal grouping (audit).
  assert.deepEqual([...new Set(refs.map((r) => r.worker.replace(/.*\//, '')))].sort(), ['group-worker.js', 'parse-worker.js']);
  for (const r of refs) assert.ok(existsSync(r.worker), `${relative(REPO_ROOT, r.from)} starts ${relative(REPO_ROOT, r.worker)}, which is missing`);
});

test('the bundled registry parser answers as the unbundled one, for a good file and a bad one', async () => {
  const h = `sha256:${'1'.repeat(64)}`;
  const good = `version: 1
profiles:
  prod: { url: https://acme.odoo.com, db: acme, login: integration@acme.com }
keys:
  - id: 7f3a9c2e
    name: website-form
    profile: prod
    hash: ${h}
    created: 2026-11-28T10:00:00Z
    limits: { ips: [203.0.113.0/24], rate: 30/min }
    rules:
      - { model: crm.lead, methods: [create], fields: [name, email_from] }
`;
  const bad = good.replace('methods: [create]', 'methods: [_private]');
  for (const text of [good, bad]) {
    const bundled = await runWorker(join(BUNDLE, 'parse-worker.js'), { text, file: 'keys.yaml' });
    const unbundled = await runWorker(join(UNBUNDLED, 'registry', 'parse-worker.js'), { text, file: 'keys.yaml' });
    assert.deepEqual(bundled, unbundled);
  }
  const answer = (await runWorker(join(BUNDLE, 'parse-worker.js'), { text: good, file: 'keys.yaml' })) as { ok: boolean; registry: { keys: { name: string }[] } };
  assert.equal(answer.ok, true);
  assert.deepEqual(answer.registry.keys.map((k) => k.name), ['website-form']);
});

test('the bundled journal grouping answers as the unbundled one', async (t) => {
  const dir = tempDir(t);
  await writeJournal(dir, sampleInputs());
  const paths = readdirSync(dir).map((n) => ({ path: join(dir, n), start: 0, end: statSync(join(dir, n)).size }));
  const task = plainTask(paths, {}, { by: 'key' });
  const [worker] = bundleFiles().filter((f) => f.endsWith('group-worker.js'));
  assert.ok(worker, 'no group-worker.js in the bundle');
  const bundled = (await runWorker(worker, task)) as { partial: { groups: unknown[] } };
  const unbundled = await runWorker(join(UNBUNDLED, 'audit', 'group-worker.js'), task);
  assert.deepEqual(bundled, unbundled);
  assert.ok(bundled.partial.groups.length > 1, 'the journal grouped into nothing');
});

test('the bundle imports nothing but Node and the keychain addon (a native module, left out on purpose)', () => {
  const outside = new Set<string>();
  for (const f of bundleFiles()) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\s[^;]*?from\s*"([^"]+)"|(?:^|[\s;])import\s*"([^"]+)"|import\("([^"]+)"\)/gm)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (!spec.startsWith('.')) outside.add(spec.replace(/^node:/, ''));
    }
  }
  const notNode = [...outside].filter((s) => !builtinModules.includes(s)).sort();
  assert.deepEqual(notNode, ['@napi-rs/keyring']);
});

