// examples/: one folder per integration of the design, each with the key's scope, a README saying
// what to change in the client, and a script; the scopes are the ones docs/scopes.md shows (and
// tests in test/policy/examples.test.ts), and the READMEs quote them unchanged.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EXAMPLES, REPO_ROOT, docExamples, exampleScope } from './support.js';
import { validateLimits, validateRules } from '../../src/policy/validate.js';
import { TOKEN_SCAN_PATTERN } from '../../src/registry/keys.js';

const FIVE: Record<string, string> = {
  'ai-assistant': 'mcp_tools.py',
  'website-form': 'form_handler.mjs',
  'nightly-sync': 'sync_stats.py',
  'n8n-enrichment': 'n8n_node.cjs',
  'one-off-import': 'import_leads.py',
};

test('examples/ holds the five integrations, each with scope.yaml, README.md and its script', () => {
  assert.deepEqual(readdirSync(EXAMPLES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort(), Object.keys(FIVE).sort());
  for (const [name, script] of Object.entries(FIVE)) {
    for (const f of ['scope.yaml', 'README.md', script]) assert.ok(existsSync(join(EXAMPLES, name, f)), `${name}/${f}`);
  }
});

test('each scope.yaml is the docs/scopes.md example of the same name', () => {
  const docs = docExamples();
  assert.deepEqual([...docs.keys()].sort(), Object.keys(FIVE).sort());
  for (const name of Object.keys(FIVE)) assert.deepEqual(exampleScope(name), docs.get(name), name);
});

test('each README quotes its scope unchanged', () => {
  for (const name of Object.keys(FIVE)) {
    const readme = readFileSync(join(EXAMPLES, name, 'README.md'), 'utf8');
    const block = /```yaml\n([\s\S]*?)```/.exec(readme);
    assert.ok(block, `${name}/README.md has a yaml block`);
    const data = parse(block[1]!) as { rules: unknown; limits?: unknown };
    assert.deepEqual({ rules: validateRules(data.rules, 'rules'), limits: validateLimits(data.limits, 'limits') }, exampleScope(name), name);
  }
});

test('docs/integrations.md links every recipe, and no example holds a key', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'integrations.md'), 'utf8');
  for (const name of Object.keys(FIVE)) assert.match(doc, new RegExp(`\\]\\(\\.\\./examples/${name}/\\)`), name);
  for (const name of Object.keys(FIVE)) {
    for (const f of readdirSync(join(EXAMPLES, name))) {
      assert.doesNotMatch(readFileSync(join(EXAMPLES, name, f), 'utf8'), new RegExp(TOKEN_SCAN_PATTERN.source), `${name}/${f}`);
    }
  }
});
