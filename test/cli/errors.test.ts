// toCliError maps the errors of src/ to the documented codes; UpstreamError is recognised by its
// name (commands/shared/registry-command.ts does not import the Odoo client), so check it maps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toCliError } from '../../commands/shared/registry-command.js';
import { CliError, EXIT } from '../../src/cli/errors.js';
import { UpstreamError } from '../../src/upstream/client.js';

test('an UpstreamError becomes upstream_refused or upstream_error, exit 6', () => {
  const refused = toCliError(new UpstreamError('Odoo refused the key', 'access_denied'));
  assert.ok(refused instanceof CliError);
  assert.deepEqual([refused.code, refused.exitCode, refused.message], ['upstream_refused', EXIT.UPSTREAM, 'Odoo refused the key']);
  for (const kind of ['fault', 'http', 'network', 'timeout', 'protocol'] as const) {
    const e = toCliError(new UpstreamError(`failed: ${kind}`, kind));
    assert.ok(e instanceof CliError, kind);
    assert.deepEqual([e.code, e.exitCode], ['upstream_error', EXIT.UPSTREAM], kind);
  }
});

test('other errors are left alone', () => {
  const plain = new Error('boom');
  assert.equal(toCliError(plain), plain);
  const named = Object.assign(new Error('not one'), { name: 'UpstreamError' });
  assert.equal(toCliError(named), named);
});
