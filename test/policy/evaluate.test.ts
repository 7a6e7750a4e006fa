// Evaluating a rule's domain from values (src/policy/evaluate.ts): leaves as Odoo's SQL reads them,
// and the check that a domain holds after a create or a write, against brute force.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { domainTree, domainHoldsAfter, leafTruth, storedValue, type LeafAfter } from '../../src/policy/evaluate.js';
import { PyFloat, type RpcValue } from '../../src/rpc/values.js';
import { normalizeDomain } from '../../src/policy/domain.js';

test('leafTruth: leaves Odoo decides the same way in 16-19, and unknown for the rest', () => {
  const s = (type: string, raw: RpcValue) => storedValue({ type }, raw);
  const rows: [string, RpcValue, string, RpcValue, boolean | undefined][] = [
    // [type, written value, operator, domain value, expected]
    ['char', 'a', '=', 'a', true],
    ['char', 'a', '!=', 'a', false],
    ['char', 'a', '<>', 'b', true],
    ['char', false, '=', false, true], // NULL matches = False
    ['char', false, '!=', 'x', true], // and != 'x' (Odoo adds OR IS NULL)
    ['char', false, 'not in', ['x'], true],
    ['char', false, 'in', ['x', false], true],
    ['char', 'a', '=', false, false],
    ['char', 'a', '!=', false, true],
    ['char', '', '=', false, undefined], // '' and NULL: read differently across versions
    ['char', 'a', '=', '', undefined],
    ['char', 'a', '<', 'b', undefined], // the database collation orders text
    ['char', 'a', 'ilike', 'A', undefined],
    ['selection', 'lead', 'in', ['lead', 'opportunity'], true],
    ['selection', 'lead', 'not in', [], true],
    ['selection', 'lead', 'in', [], false],
    ['selection', 'lead', 'in', 'lead', undefined], // a scalar for 'in'
    ['html', '<p>a</p>', '=', '<p>a</p>', undefined], // sanitised on write
    ['boolean', true, '=', true, true],
    ['boolean', false, '=', false, true],
    ['boolean', false, '!=', false, false],
    ['boolean', false, '!=', true, true],
    ['boolean', 1, '=', true, undefined],
    ['boolean', true, '>', false, undefined],
    ['many2one', 5, '=', 5, true],
    ['many2one', 5, 'in', [1, 5], true],
    ['many2one', 5, '=', 'Acme', undefined], // a name search
    ['many2one', false, '=', false, true],
    ['many2one', false, '!=', 3, true],
    ['many2one', false, '>', 3, undefined], // NULL compared: neither way round under '!'
    ['many2one', 5, '>', 3, true],
    ['integer', 5, '>=', 5, true],
    ['integer', 5, '=', 5.5, undefined], // Odoo converts 5.5 to 5 for an integer column
    ['integer', 0, '=', false, undefined], // Odoo 19 reads 0 as False
    ['integer', false, '=', 0, undefined], // False is stored as 0
    ['integer', 5, '=', '5', undefined],
    ['float', 2, '>', 1, true],
    ['float', new PyFloat(2), '<', new PyFloat(3), true],
    ['float', 0.001, '>', 0, undefined], // rounded to the field's digits
    ['monetary', 10, '<=', 9, false],
    ['date', '2026-03-01', '>=', '2026-01-01', true],
    ['date', '2026-03-01', '<', '2026-01-01', false],
    ['date', '2026-03-01', '>', '2026-01-01 00:00:00', undefined],
    ['datetime', '2026-03-01 10:00:00', '>', '2026-03-01 09:59:59', true],
    ['datetime', '2026-03-01', '>', '2026-01-01', undefined],
    ['date', false, '=', false, true],
    ['date', false, '<', '2026-01-01', undefined],
    ['binary', 'AAAA', '=', 'AAAA', undefined],
    ['char', 'a', 'child_of', 1, undefined],
  ];
  for (const [type, raw, op, value, expected] of rows) {
    assert.equal(leafTruth(type, s(type, raw), op, value), expected, JSON.stringify([type, raw, op, value]));
  }
  // =? : a false value makes the leaf true whatever the field holds, even when nothing is known
  assert.equal(leafTruth('many2one', undefined, '=?', false), true);
  assert.equal(leafTruth('many2one', undefined, '=?', null), true);
  assert.equal(leafTruth('many2one', s('many2one', 4), '=?', 4), true);
  assert.equal(leafTruth('many2one', s('many2one', 4), '=?', 3), false);
  assert.equal(leafTruth('integer', s('integer', 4), '=?', 0), undefined);
  // related fields write through: their value is not the one written
  assert.equal(storedValue({ type: 'char', related: 'partner_id.email' }, 'a@b.c'), undefined);
});

test('domainTree: implicit ANDs, operators, constants; malformed domains are null', () => {
  const t = domainTree([['a', '=', 1], '|', ['b', '=', 2], '!', ['c', '<>', 3]])!;
  assert.deepEqual(t.leaves.map((l) => [l.index, l.path, l.operator]), [[0, 'a', '='], [1, 'b', '='], [2, 'c', '!=']]);
  assert.equal(t.root.kind, 'and');
  assert.equal(domainTree([])!.root.kind, 'const');
  assert.equal(domainTree(['|', ['a', '=', 1]]), null);
  assert.equal(domainTree([['a', '=', 1], '&']), null);
});

test('domainHoldsAfter: create, write, and reasoning across branches', () => {
  const tree = (d: RpcValue[]) => domainTree(d)!;
  const A = ['a', '=', 1];
  const B = ['b', '=', 1];
  const C = ['c', '=', 1];
  const holds = (d: RpcValue[], after: LeafAfter[], heldBefore: boolean) => domainHoldsAfter(tree(d), (i) => after[i], heldBefore);
  // create: every leaf must be decided
  assert.equal(holds([A, B], [true, true], false), true);
  assert.equal(holds([A, B], [true, undefined], false), false);
  assert.equal(holds(['|', A, B], [true, undefined], false), true);
  assert.equal(holds(['|', A, '!', A], [undefined, undefined], false), true, 'a tautology holds whatever a is');
  // write: kept leaves keep the value they had when the domain held
  assert.equal(holds([A, B], ['same', true], true), true);
  assert.equal(holds([A, B], ['same', undefined], true), false);
  assert.equal(holds(['|', A, B], ['same', false], true), false, 'the record may have been inside through b only');
  assert.equal(holds(['|', A, '&', B, C], ['same', true, 'same'], true), true, 'through b and c, c kept and b still true');
  assert.equal(holds(['|', A, '&', B, C], ['same', false, 'same'], true), false);
  assert.equal(holds(['!', A], ['same'], true), true);
});

/** Random domains over leaves 0..n-1, and what the engine is told about each leaf. */
const domainArb = (n: number): fc.Arbitrary<RpcValue[]> => {
  const leaf = fc.nat({ max: n - 1 }).map((i): RpcValue[] => [[`f${i}`, '=', 1]]);
  const node: fc.Memo<RpcValue[]> = fc.memo((depth) =>
    depth <= 1
      ? leaf
      : fc.oneof(
          { arbitrary: leaf, weight: 2 },
          fc.tuple(fc.constantFrom('&', '|'), node(depth - 1), node(depth - 1)).map(([op, l, r]) => [op, ...l, ...r]),
          node(depth - 1).map((x) => ['!', ...x]),
        ),
  );
  return node(4);
};

/** Brute force over the fields behind the leaves: f0..fn-1, each true or false. */
function bruteForce(domain: RpcValue[], fields: number, after: LeafAfter[], heldBefore: boolean): boolean {
  const t = domainTree(domain)!;
  const fieldOf = (i: number) => Number((t.leaves[i]!.path).slice(1));
  const evalWith = (value: (field: number) => boolean): boolean => {
    const go = (node: typeof t.root): boolean => {
      switch (node.kind) {
        case 'and': return go(node.left) && go(node.right);
        case 'or': return go(node.left) || go(node.right);
        case 'not': return !go(node.arg);
        case 'const': return node.value;
        case 'leaf': return value(fieldOf(node.index));
      }
    };
    return go(t.root);
  };
  // What a field's leaves say after the call; a field's leaves all share one state here.
  const state = (field: number): LeafAfter => {
    const i = t.leaves.findIndex((l) => fieldOf(l.index) === field);
    return i < 0 ? 'same' : after[i]!;
  };
  for (let old = 0; old < 1 << fields; old++) {
    const oldValue = (f: number) => ((old >> f) & 1) === 1;
    if (heldBefore && !evalWith(oldValue)) continue;
    for (let fresh = 0; fresh < 1 << fields; fresh++) {
      const newValue = (f: number): boolean => {
        const s = state(f);
        if (s === 'same' && heldBefore) return oldValue(f);
        if (s === true || s === false) return s;
        return ((fresh >> f) & 1) === 1;
      };
      if (!evalWith(newValue)) return false;
    }
  }
  return true;
}

let paddedAccepted = 0;
test('property: domainHoldsAfter never says a domain holds when some record would lie outside it (also past the exact-check size)', () => {
  const states: fc.Arbitrary<LeafAfter> = fc.constantFrom<LeafAfter>(true, false, undefined, 'same');
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.boolean(), fc.nat(), (n, heldBefore, seed) => {
      const [domain] = fc.sample(domainArb(n), { numRuns: 1, seed });
      const t = domainTree(domain!)!;
      // one state per field, shared by all of the field's leaves (as the engine derives them)
      const [perField] = fc.sample(fc.array(states, { minLength: n, maxLength: n }), { numRuns: 1, seed: seed + 1 });
      const after = t.leaves.map((l) => perField![Number(l.path.slice(1))]!);
      const engine = domainHoldsAfter(t, (i) => after[i]!, heldBefore);
      if (engine) assert.ok(bruteForce(domain!, n, after, heldBefore), JSON.stringify({ domain, after, heldBefore }));
      // The same domain ANDed with (p1 | ... | p13 | true), which changes nothing but has more than
      // 12 unknown leaves, takes the three-valued path: still sound.
      const k = t.leaves.length;
      const padded: RpcValue[] = ['&', ...normalizeDomain(domain!), ...Array.from({ length: 13 }, () => '|'), ...Array.from({ length: 13 }, (_, i) => [`p${i}`, '=', 1] as RpcValue), ['t', '=', 1]];
      const engineP = domainHoldsAfter(domainTree(padded)!, (i) => (i < k ? after[i]! : i < k + 13 ? undefined : true), heldBefore);
      if (engineP) assert.ok(bruteForce(domain!, n, after, heldBefore), `padded: ${JSON.stringify({ domain, after, heldBefore })}`);
      if (engineP) paddedAccepted++;
    }),
    { numRuns: 600 },
  );
  assert.ok(paddedAccepted > 20, `the three-valued path accepted only ${paddedAccepted} domains: the property would mean little`);
});

test('domainHoldsAfter: the exact check accepts what three-valued logic cannot, within its size', () => {
  const t = domainTree(['|', ['a', '=', 1], '!', ['a', '=', 1]])!;
  assert.equal(domainHoldsAfter(t, () => undefined, false), true);
  // Identical leaves are one variable; distinct ones are independent, even on the same field.
  assert.equal(domainHoldsAfter(domainTree(['|', ['a', '=', 1], '!', ['a', '=', 2]])!, () => undefined, false), false);
  // (a | !a) & (p0 | ... | p12 | true): past 12 unknown leaves three-valued logic decides, and refuses.
  const big = domainTree(['&', '|', ['a', '=', 1], '!', ['a', '=', 1], ...Array.from({ length: 13 }, () => '|'), ...Array.from({ length: 13 }, (_, i) => [`p${i}`, '=', 1] as RpcValue), ['t', '=', 1]])!;
  assert.equal(domainHoldsAfter(big, (i) => (i === 15 ? true : undefined), false), false, 'past 12 free leaves: three-valued logic, which refuses');
  assert.equal(domainHoldsAfter(big, (i) => (i === 15 || i === 0 ? true : undefined), false), true, 'and accepts what it can show');
});
