// Writing a changed registry back into the YAML document it was read from, touching only what
// changed: unchanged nodes (with their comments, quoting and flow or block style) stay as they
// are, removed entries go, new entries are inserted where their canonical order puts them.
import { isMap, isScalar, isSeq, type Document, type Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';

type Plain = null | boolean | number | string | Plain[] | { [k: string]: Plain };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Lists of scalars read best in flow style (`methods: [read, write]`). */
function styleNew(node: Node): Node {
  if (isSeq(node)) {
    node.flow = node.items.every((i) => isScalar(i)); // also `[]`: an empty block list reads badly
    node.items.forEach((i) => styleNew(i as Node));
  } else if (isMap(node)) {
    for (const p of node.items) if (p.value) styleNew(p.value as Node);
  }
  return node;
}

function create(doc: Document, value: unknown): Node {
  return styleNew(doc.createNode(value) as Node);
}

function keyOf(pair: Pair): unknown {
  return isScalar(pair.key) ? pair.key.value : pair.key;
}

function idOf(node: unknown): unknown {
  return isMap(node) ? node.get('id') : undefined;
}

/** Brings `node` in line with `value` and returns the node to keep (the same one when possible). */
export function syncNode(doc: Document, node: unknown, value: unknown): Node {
  if (isPlainObject(value)) {
    if (!isMap(node)) return create(doc, value);
    const map = node as YAMLMap;
    map.items = map.items.filter((p) => {
      const k = keyOf(p);
      return typeof k === 'string' && value[k] !== undefined;
    });
    const order = Object.keys(value).filter((k) => value[k] !== undefined);
    order.forEach((k, i) => {
      const pair = map.items.find((p) => keyOf(p) === k);
      if (pair) {
        pair.value = syncNode(doc, pair.value, value[k]);
        return;
      }
      const fresh = doc.createPair(k, null) as Pair;
      fresh.value = create(doc, value[k]);
      // Insert after the closest preceding key (in the value's order) that the map already has.
      let at = 0;
      for (let j = i - 1; j >= 0; j--) {
        const idx = map.items.findIndex((p) => keyOf(p) === order[j]);
        if (idx >= 0) {
          at = idx + 1;
          break;
        }
      }
      map.items.splice(at, 0, fresh);
    });
    return map;
  }
  if (Array.isArray(value)) {
    if (!isSeq(node)) return create(doc, value);
    const seq = node as YAMLSeq;
    const old = [...seq.items];
    const used = new Set<number>();
    const take = (i: number): unknown => {
      used.add(i);
      return old[i];
    };
    const next: unknown[] = new Array(value.length);
    // 1. Records with an id (keys) follow their id. 2. Unchanged items keep their node.
    value.forEach((v, i) => {
      const id = isPlainObject(v) ? v.id : undefined;
      if (typeof id === 'string') {
        const j = old.findIndex((n, k) => !used.has(k) && idOf(n) === id);
        if (j >= 0) next[i] = syncNode(doc, take(j), v);
        return;
      }
      const j = old.findIndex((n, k) => !used.has(k) && deepEqual(nodeValue(n), v));
      if (j >= 0) next[i] = take(j);
    });
    // 3. The rest edit the node at the same position when it is free, else get a new one.
    value.forEach((v, i) => {
      if (next[i] !== undefined) return;
      const sameIdRecord = isPlainObject(v) && typeof v.id === 'string';
      if (!sameIdRecord && i < old.length && !used.has(i) && idOf(old[i]) === undefined) next[i] = syncNode(doc, take(i), v);
      else next[i] = create(doc, v);
    });
    seq.items = next;
    // A list that was empty (`keys: []`) and now holds mappings reads better as a block.
    if (seq.flow && next.some((n) => isMap(n) || isSeq(n)) && old.length === 0) seq.flow = false;
    return seq;
  }
  if (isScalar(node)) {
    if (node.value !== value) (node as Scalar).value = value;
    return node;
  }
  return create(doc, value);
}

function nodeValue(n: unknown): unknown {
  if (n && typeof n === 'object' && 'toJSON' in n && typeof (n as { toJSON: unknown }).toJSON === 'function') {
    return (n as { toJSON: () => unknown }).toJSON();
  }
  return n;
}

/** Drops `undefined` members so the sync sees only what is there. */
export function plain(value: unknown): Plain {
  return JSON.parse(JSON.stringify(value)) as Plain;
}
