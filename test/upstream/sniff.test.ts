// sniffAnswer judges an answer from its first bytes (a large one streams unread). A JSON-RPC
// answer starts with the id the client chose, so only a top-level "result" or "error" counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sniffAnswer } from '../../src/upstream/forward.js';

test('JSON-RPC: the top-level member decides, not a word inside the client’s id', () => {
  const cases: Array<[string, ReturnType<typeof sniffAnswer>]> = [
    ['{"jsonrpc": "2.0", "id": 1, "result": [1, 2]}', 'ok'],
    ['{"jsonrpc": "2.0", "id": 1, "error": {"code": 0}}', 'odoo_error'],
    ['{"jsonrpc": "2.0", "id": {"error": 1}, "result": []}', 'ok'],
    ['{"jsonrpc": "2.0", "id": "\\"error\\": ", "result": []}', 'ok'],
    ['{"jsonrpc": "2.0", "id": ["result", {"result": [1]}], "error": {}}', 'odoo_error'],
    ['{"jsonrpc": "2.0", "id": "a \\\\", "result": 1}', 'ok'],
    ['{"jsonrpc": "2.0", "id": null, "result": false}', 'ok'],
    ['{"jsonrpc": "2.0", "id": -1.5e3, "error": {}}', 'odoo_error'],
    ['{"jsonrpc": "2.0", "id": "ünïcode", "result": 1}', 'ok'],
    ['{"jsonrpc": "2.0", "id": {"error": [1, ', 'unknown'],
    ['[{"result": 1}]', 'unknown'],
    ['', 'unknown'],
  ];
  for (const [text, kind] of cases) assert.equal(sniffAnswer('jsonrpc', 200, Buffer.from(text)), kind, text);
  assert.equal(sniffAnswer('jsonrpc', 200, Buffer.from(`{"jsonrpc": "2.0", "id": "${'x'.repeat(5000)}", "result": 1}`)), 'unknown', 'an id past the bytes looked at');
});
