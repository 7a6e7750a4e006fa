// What Odoo reads from the bytes the proxy forwards must be the call the scope engine checked. The
// proxy never passes a client's bytes on: it re-encodes the decoded call (XML-RPC, JSON-RPC, or
// JSON-2 for a JSON-2-only Odoo), so a parse differential on the client's side cannot reach Odoo,
// but one in the proxy's own writers would: a character dropped or changed, a float written as
// another, a key order or a type lost. Here seeded values go through each writer and are read back
// by Python's own readers, as Odoo reads them (xmlrpc.client.loads(use_datetime=True), json.loads).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { encodeUpstreamCall, type UpstreamVia } from '../../src/upstream/forward.js';
import { toJson2Call } from '../../src/policy/bind.js';
import { Base64Value, DateTimeValue, PyFloat, pyFloatRepr, type RpcStruct, type RpcValue } from '../../src/rpc/values.js';
import type { OdooCall } from '../../src/rpc/call.js';

type Tagged = null | boolean | { i: string } | { f: string } | { s: string } | { dt: string } | { b: string } | Tagged[] | { d: [string, Tagged][] };

/** A value as Odoo holds it once read from `via`: the terms the Python side below writes. */
function expected(v: RpcValue, via: UpstreamVia): Tagged {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return { i: String(v) };
  if (typeof v === 'string') return { s: v };
  if (v instanceof PyFloat) return { f: pyFloatRepr(v.value) };
  // XML-RPC gives Odoo a datetime and an xmlrpc.client.Binary; JSON their text (DateTimeValue.toJSON).
  if (v instanceof DateTimeValue) return via === 'xmlrpc' ? { dt: v.iso } : { s: v.toJSON() };
  if (v instanceof Base64Value) return via === 'xmlrpc' ? { b: v.base64 } : { s: v.base64 };
  if (Array.isArray(v)) return v.map((x) => expected(x, via));
  return { d: Object.entries(v).map(([k, x]): [string, Tagged] => [k, expected(x, via)]) };
}

/** The upstream requests read by Python: the model, the method, and the arguments Odoo gets. */
function pythonReads(requests: { via: UpstreamVia; path: string; body: string }[]): unknown[] {
  const script = String.raw`
import base64, datetime, json, sys, urllib.parse, xmlrpc.client
def tag(v):
    if v is None or isinstance(v, bool): return v
    if isinstance(v, int): return {'i': str(v)}
    if isinstance(v, float): return {'f': repr(v)}
    if isinstance(v, str): return {'s': v}
    if isinstance(v, datetime.datetime): return {'dt': '%04d%02d%02dT%02d:%02d:%02d' % (v.year, v.month, v.day, v.hour, v.minute, v.second)}
    if isinstance(v, xmlrpc.client.Binary): return {'b': base64.b64encode(v.data).decode()}
    if isinstance(v, list): return [tag(x) for x in v]
    if isinstance(v, dict): return {'d': [[k, tag(x)] for k, x in v.items()]}
    return {'unexpected': repr(v)}
out = []
for r in json.load(sys.stdin):
    raw = base64.b64decode(r['body'])
    if r['via'] == 'xmlrpc':
        params, method = xmlrpc.client.loads(raw, use_datetime=True)
        out.append([method, params[3], params[4], tag(params[5]), tag(params[6])])
    elif r['via'] == 'jsonrpc':
        p = json.loads(raw)['params']
        out.append([p['method'], p['args'][3], p['args'][4], tag(p['args'][5]), tag(p['args'][6])])
    else:
        model, method = [urllib.parse.unquote(s) for s in r['path'].split('/')[-2:]]
        out.append(['json2', model, method, tag(json.loads(raw))])
print(json.dumps(out))
`;
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(requests), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as unknown[];
}

// Characters where writers and readers disagree most often: XML's own, line ends (expat turns a raw
// CR into LF), what XML cannot carry (NUL, U+FFFE, lone surrogates: the XML-RPC writer refuses them),
// JSON's escapes, and look-alikes of ASCII.
const PIECES = ['a', 'Z', '0', ' ', '\t', '\n', '\r', '\r\n', '&', '<', '>', ']]>', '"', "'", '\\', '/', '&amp;', '&#13;', '\u0085', '\u2028', '\u00a0',
  '\ufeff', '\u{1f600}', '\u0000', '\u0001', '\u001f', '\u007f', '\ufffe', '\uffff', '\ud800', '\udc00', 'é', '\u0430', '\u000b', '\u000c', '\u200b'];
const FLOATS = [0, -0, 1, 0.1, 1e16, 1e-7, 5e-324, 1.7976931348623157e308, 2 ** 53, 123456789.125, -2.5, NaN, Infinity, -Infinity];
const INTS = [0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1)];

function generator(seed: number): (depth?: number) => RpcValue {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const text = (): string => Array.from({ length: Math.floor(rnd() * 6) }, () => pick(PIECES)).join('');
  const value = (depth = 0): RpcValue => {
    const r = rnd();
    if (depth > 3 || r < 0.5) {
      return pick<() => RpcValue>([
        text,
        () => pick(INTS),
        () => new PyFloat(pick(FLOATS)),
        () => rnd() < 0.5,
        () => null,
        () => new DateTimeValue(pick(['20261128T10:00:00', '00010101T00:00:00', '99991231T23:59:59'])),
        () => new Base64Value(pick(['', 'AA==', 'aGVsbG8=', '/+8='])),
      ])();
    }
    if (r < 0.75) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
    const o: RpcStruct = {};
    for (let i = Math.floor(rnd() * 4); i > 0; i--) o[pick(['1', '02', 'name', text()])] = value(depth + 1);
    return o;
  };
  return value;
}

test("what Odoo reads from the proxy's upstream request is the call that was checked (Python's readers, every upstream protocol)", () => {
  const value = generator(20261129);
  const target = { url: new URL('http://odoo.invalid/'), db: 'db', uid: 2, key: 'upstream-key' };
  const requests: { via: UpstreamVia; path: string; body: string }[] = [];
  const wanted: unknown[] = [];
  let refused = 0;
  for (let n = 0; n < 1500; n++) {
    const v = value();
    // A method outside the engine's table: its arguments go as given, positionally and by name.
    const call: OdooCall = { protocol: 'xmlrpc', entry: 'execute_kw', db: 'db', uid: 2, credential: 'odk_x', model: 'res.partner', method: 'message_post', args: [[n + 1]], kwargs: { body: v, context: { lang: 'en_US' } } };
    for (const via of ['xmlrpc', 'jsonrpc', 'json2'] as const) {
      let encoded;
      try {
        encoded = encodeUpstreamCall(target, via === 'json2' ? toJson2Call(call, 19) : call, via);
      } catch (e) {
        // The XML-RPC writer refuses, rather than changes, a character XML cannot carry.
        assert.equal(via, 'xmlrpc', `${via} refused ${JSON.stringify(v)}: ${String(e)}`);
        assert.match(String(e), /XML-RPC cannot carry the character U\+/);
        refused++;
        continue;
      }
      requests.push({ via, path: encoded.path, body: encoded.body.toString('base64') });
      const kwargs = expected(call.kwargs, via);
      wanted.push(via === 'json2' ? ['json2', 'res.partner', 'message_post', { d: [['ids', [{ i: String(n + 1) }]], ['body', expected(v, via)], ['context', { d: [['lang', { s: 'en_US' }]] }]] }] : ['execute_kw', 'res.partner', 'message_post', expected(call.args, via), kwargs]);
    }
  }
  const read = pythonReads(requests);
  assert.equal(read.length, wanted.length);
  read.forEach((r, i) => assert.deepEqual(r, wanted[i], `${requests[i]!.via} request ${i}`));
  // Most values hold a character XML cannot carry somewhere; enough go through every writer.
  assert.ok(requests.length - 1500 * 2 > 200, `only ${requests.length - 3000 + refused} XML-RPC requests were written (${refused} refused)`);
});
