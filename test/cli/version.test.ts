// bin/run.js answers `--version` itself, without loading oclif (start-up time, issue 8). Its
// answer must be oclif's, byte for byte: compared here with oclif's own run for this package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { BIN, REPO_ROOT } from '../support/cli.js';

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** oclif itself (its execute, as bin/run.js calls it) answering for this package. */
function oclifAnswer(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const script = `import { execute } from '@oclif/core/execute'; await execute({ args: ${JSON.stringify(args)}, dir: ${JSON.stringify(pathToFileURL(BIN).href)} });`;
  return run(['--input-type=module', '-e', script]);
}

for (const args of [['--version'], ['--version', '--json'], ['--version', 'list']]) {
  test(`odoo-keys ${args.join(' ')}: oclif's answer, byte for byte`, () => {
    const ours = run([BIN, ...args]);
    const theirs = oclifAnswer(args);
    assert.equal(theirs.status, 0, theirs.stderr);
    assert.match(theirs.stdout, /^odoo-keys\/\d+\.\d+\.\d+\S* \S+-\S+ node-v\d+\.\d+\.\d+\n$/);
    assert.deepEqual(ours, theirs);
  });
}
