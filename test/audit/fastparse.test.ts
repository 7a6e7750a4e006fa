// The fast line readers must agree with JSON.parse on everything the writer can produce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkChainLine, checkLine, entryBody, sealLine, GENESIS } from '../../src/audit/chain.js';
import { parseLightEntry } from '../../src/audit/fastparse.js';
import { LineView } from '../../src/audit/scan.js';
import type { JournalInput } from '../../src/audit/types.js';

const LIGHT = ['ts', 'seq', 'key', 'name', 'profile', 'ip', 'proto', 'service', 'function', 'model', 'method', 'ids', 'decision', 'rule', 'limit', 'outcome', 'result_ids', 'ms', 'more', 'temporary', 'learning', 'previous_secret'];

function project(o: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of LIGHT) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

// Text that is hard on a scanner: quotes, backslashes, brackets, member-like text, unicode.
const nasty = fc.oneof(
  fc.string(),
  fc.constantFrom('', 'a"b', 'back\\slash', '[x]', '{y}', ',"outcome":"ok"', '"prev":"', 'naïve ☃ 😀', 'line\nbreak', 'null', 'true', '-1e5', ']'),
  fc.string({ unit: 'grapheme' }),
);
const ids = fc.array(fc.integer({ min: 0, max: 2 ** 31 }), { maxLength: 6 });

const input: fc.Arbitrary<JournalInput> = fc.record(
  {
    key: fc.oneof(fc.constant(null), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 8, maxLength: 8 })),
    name: fc.oneof(fc.constant(null), nasty),
    profile: nasty,
    ip: nasty,
    proto: fc.constantFrom('xmlrpc' as const, 'jsonrpc' as const, 'json2' as const),
    service: nasty,
    function: nasty,
    model: nasty,
    method: nasty,
    ids,
    fields: fc.array(nasty, { maxLength: 4 }),
    decision: fc.constantFrom('allow' as const, 'deny' as const),
    rule: fc.nat(20),
    limit: nasty,
    reason: nasty,
    outcome: fc.constantFrom('ok' as const, 'odoo_error' as const, 'upstream_error' as const, 'denied' as const, 'rejected' as const),
    error: fc.record({ name: nasty, message: nasty }),
    result_ids: ids,
    ms: fc.double({ min: 0, max: 1e6, noNaN: true }),
    bytes_in: fc.nat(),
    bytes_out: fc.nat(),
    notes: fc.array(nasty, { maxLength: 3 }),
    // Counts of what lists left out, as a proxy bounded it before (the writer keeps the well-formed ones).
    more: fc.dictionary(fc.constantFrom('ids', 'result_ids', 'fields', 'x2many.fields', 'bogus'), fc.integer({ min: -1, max: 2 ** 40 })),
    temporary: fc.record({ user: nasty, host: nasty, cwd: nasty, command: nasty }),
    learning: fc.boolean(),
    previous_secret: fc.boolean(),
  },
  { requiredKeys: ['key', 'proto', 'decision', 'outcome'] },
);

const sealed = fc.tuple(input, fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), fc.integer({ min: 1, max: 2 ** 40 })).map(([i, d, seq]) => {
  const { line } = sealLine(entryBody(i, d.toISOString(), seq, GENESIS));
  return line.slice(0, -1);
});

test('parseLightEntry gives what JSON.parse gives, for every member reports use', () => {
  fc.assert(
    fc.property(sealed, (line) => {
      assert.deepEqual(project(parseLightEntry(line)!), project(JSON.parse(line)));
    }),
    { numRuns: 2000 },
  );
});

test('LineView reads what JSON.parse reads, for every member reports use (lines without escapes)', () => {
  const view = new LineView();
  let viewed = 0;
  fc.assert(
    fc.property(sealed, fc.string({ maxLength: 40 }), (line, junk) => {
      // The line sits in a bigger buffer, between other bytes, as it does in a read chunk.
      const before = Buffer.from(junk.replace(/\n/g, ' ') + '\n');
      const buf = Buffer.concat([before, Buffer.from(line), Buffer.from('\n{"ts":"x"}\n')]);
      const start = before.length;
      const end = start + Buffer.byteLength(line);
      if (line.includes('\\')) return;
      assert.equal(view.reset(buf, start, end), true, line);
      viewed++;
      assert.deepEqual(project(view), project(JSON.parse(line)));
      assert.equal(view.tsMs, Date.parse(JSON.parse(line).ts));
    }),
    { numRuns: 2000 },
  );
  assert.ok(viewed > 100, `only ${viewed} lines without a backslash were tried`);
});

test('checkChainLine agrees with checkLine on sealed lines and on tampered ones', () => {
  fc.assert(
    fc.property(sealed, fc.nat(), fc.integer({ min: 32, max: 126 }), (line, at, code) => {
      const fast = checkChainLine(line);
      const slow = checkLine(line);
      assert.ok(fast.ok && slow.ok);
      assert.deepEqual(fast.entry, { ts: slow.entry.ts, seq: slow.entry.seq, prev: slow.entry.prev, hash: slow.entry.hash });
      const i = at % line.length;
      const tampered = line.slice(0, i) + String.fromCharCode(code) + line.slice(i + 1);
      if (tampered !== line) {
        assert.equal(checkChainLine(tampered).ok, false, tampered);
        assert.equal(checkLine(tampered).ok, false, tampered);
      }
    }),
    { numRuns: 1000 },
  );
});

test('parseLightEntry: lines that are not entries', () => {
  for (const bad of ['', 'x', '[]', '{}', '{"ts":1}', '{"seq":1}', 'null', '{"ts":"2026-01-01T00:00:00.000Z","seq":1', '{"ts":"a","seq":1,"key":nul}']) {
    assert.equal(parseLightEntry(bad), undefined, bad);
  }
  // Not the writer's shape but an entry all the same (other tools, older versions): read by JSON.parse.
  const foreign = '{"seq":3,"ts":"2026-01-01T00:00:00.000Z","key":"ab","extra":{"x":[1]}}';
  assert.deepEqual(project(parseLightEntry(foreign)!), project(JSON.parse(foreign)));
  const lookalike = '{"ts":"2026-01-01T00:00:00.000Z","seq":3,"kex":"ab"}';
  assert.equal(parseLightEntry(lookalike)!.key, undefined);
});

test('LineView: non-ASCII text is never mistaken for text whose char codes equal its bytes', () => {
  const view = new LineView();
  const read = (name: string) => {
    const buf = Buffer.from(sealLine(entryBody({ key: 'aaaaaaaa', name, proto: 'json2', decision: 'allow', outcome: 'ok' }, '2026-11-28T10:00:00.000Z', 1, GENESIS)).line.trimEnd());
    assert.ok(view.reset(buf, 0, buf.length));
    return view.name;
  };
  // 'Ã©' is C3 83 C2 A9 in UTF-8; its char codes (C3 A9) are the UTF-8 bytes of 'é'.
  for (const [a, b] of [['Ã©', 'é'], ['é', 'Ã©'], ['prod', 'prod'], ['naïve', 'naive']]) {
    assert.equal(read(a!), a);
    assert.equal(read(b!), b);
  }
});
