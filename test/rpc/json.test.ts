import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson, stringifyJson, JsonParseError } from '../../src/rpc/json.js';
import { PyFloat } from '../../src/rpc/values.js';
import { loadWire, fillKeys } from '../support/wire.js';

test('every recorded JSON request and JSON response body parses, and answers re-serialise to the same bytes', () => {
  let bodies = 0;
  for (const ex of loadWire().filter((e) => e.protocol !== 'xmlrpc')) {
    if (ex.request.body && !/not-json/.test(ex.file)) {
      parseJson(fillKeys(ex.request.body));
      bodies++;
    }
    if (ex.response.headers['Content-Type']?.startsWith('application/json')) {
      const v = parseJson(ex.response.body);
      // Odoo writes its answers with Python's json.dumps defaults, which we reproduce.
      assert.equal(stringifyJson(v), ex.response.body, ex.file);
      bodies++;
    }
  }
  assert.ok(bodies > 60, `only ${bodies} bodies checked`);
});

test('strict parsing refuses what could confuse a policy check', () => {
  const cases: Array<[string, RegExp]> = [
    ['{"a":1,"a":2}', /duplicate property 'a'/],
    ['{"__proto__":{"x":1}}', /'__proto__' is not allowed/],
    ['[1,]', /unexpected character/],
    ['{"a":1} x', /after the JSON value/],
    ['12345678901234567890', /too large/],
    ['', /empty/],
    ['"\u0001"', /control character/],
    ['{"a":"\\x"}', /invalid escape/],
    ['[' .repeat(5000) + ']'.repeat(5000), /nested deeper than 100/],
  ];
  for (const [body, re] of cases) assert.throws(() => parseJson(body), (e: unknown) => e instanceof JsonParseError && re.test(e.message), body.slice(0, 40));
  assert.throws(() => parseJson(Buffer.from([0x22, 0xc3, 0x28, 0x22])), /not valid UTF-8/);
});

test('floats stay floats and integers stay exact', () => {
  const v = parseJson('{"a":1.0,"b":2.5,"c":3,"d":1e2,"e":-0.0}') as Record<string, unknown>;
  assert.ok(v.a instanceof PyFloat && v.a.value === 1);
  assert.equal(v.b, 2.5);
  assert.equal(v.c, 3);
  assert.ok(v.d instanceof PyFloat && v.d.value === 100);
  assert.equal(stringifyJson(v), '{"a": 1.0, "b": 2.5, "c": 3, "d": 100.0, "e": -0.0}');
  assert.equal(stringifyJson(v, { style: 'compact' }), '{"a":1.0,"b":2.5,"c":3,"d":100.0,"e":-0.0}');
  assert.equal(stringifyJson({ s: 'é\n"' }), '{"s": "é\\n\\""}');
  assert.equal(stringifyJson({ s: 'é' }, { ensureAscii: true }), '{"s": "\\u00e9"}');
});
