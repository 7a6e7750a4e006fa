import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMethodCall, decodeMethodResponse, encodeMethodCall, encodeMethodResponse, encodeFault, XmlRpcEncodeError, XmlRpcParseError, XmlRpcValueError } from '../../src/rpc/xmlrpc.js';
import { PyFloat, pyFloatRepr } from '../../src/rpc/values.js';
import { loadWire, fillKeys } from '../support/wire.js';

const xmlExchanges = loadWire({ protocol: 'xmlrpc' }).filter((e) => e.request.method === 'POST');

test('every recorded XML-RPC request decodes and re-encodes to the same bytes', () => {
  let n = 0;
  for (const ex of xmlExchanges) {
    const body = fillKeys(ex.request.body);
    if (!body.includes('</methodCall>')) continue; // the malformed and empty bodies: covered below
    const call = decodeMethodCall(body);
    assert.equal(encodeMethodCall(call.methodName, call.params), body, ex.file);
    n++;
  }
  assert.ok(n >= 90, `only ${n} requests checked`);
});

test('every recorded XML-RPC response decodes and re-encodes to the same bytes', () => {
  let n = 0;
  for (const ex of xmlExchanges) {
    if (!ex.response.headers['Content-Type']?.startsWith('text/xml')) continue;
    const res = decodeMethodResponse(ex.response.body);
    const again = res.kind === 'params' ? encodeMethodResponse(res.value) : encodeFault(res.faultCode as number | string, res.faultString as string);
    assert.equal(again, ex.response.body, ex.file);
    n++;
  }
  assert.ok(n >= 90, `only ${n} responses checked`);
});

test('the recorded malformed and empty bodies are refused', () => {
  for (const ex of xmlExchanges.filter((e) => /malformed|empty-body/.test(e.file))) {
    assert.throws(() => decodeMethodCall(ex.request.body), XmlRpcParseError, ex.file);
  }
});

const call = (inner: string) => `<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n${inner}</param>\n</params>\n</methodCall>\n`;

test('hostile and malformed XML is refused with a clear reason', () => {
  const cases: Array<[string, RegExp]> = [
    [`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><methodCall><methodName>m</methodName></methodCall>`, /DOCTYPE/],
    [call('<value><string>&a;</string></value>'), /undefined entity/],
    [call('<value><string>x</value>'), /expected <\/string>/],
    [call('<value><int>1</int></value>') + '<junk/>', /after the document element/],
    [call('<value><struct><member><name>__proto__</name><value>x</value></member></struct></value>'), /not allowed/],
    [call('<value><struct><member><name>a</name><value>1</value></member><member><name>a</name><value>2</value></member></struct></value>'), /duplicate struct member/],
    [call('<value><int>99999999999999999999</int></value>'), /exact range/],
    [call('<value><int>1.5</int></value>'), /invalid integer/],
    [call('<value><boolean>true</boolean></value>'), /bad boolean/],
    [call('<value><string>\u0001</string></value>'), /control character/],
    [call('<value><string>&#1;</string></value>'), /invalid character reference/],
    [call('<value><blob>x</blob></value>'), /unknown value type/],
    [call('<?pi x?><value>x</value>'), /processing instructions/],
    ['', /empty/],
  ];
  for (const [body, re] of cases) assert.throws(() => decodeMethodCall(body), (e: unknown) => e instanceof XmlRpcParseError && re.test(e.message), body.slice(0, 80));
  assert.throws(() => decodeMethodCall(Buffer.from([0x3c, 0xff, 0xfe])), /not valid UTF-8/);
  // ISO-8859-1 and US-ASCII are read as expat reads them (test/rpc/python-reference.test.ts); other encodings are refused.
  assert.throws(() => decodeMethodCall(Buffer.from(`<?xml version="1.0" encoding="windows-1252"?><methodCall><methodName>m</methodName></methodCall>`)), (e: unknown) => e instanceof XmlRpcValueError && /declares encoding 'windows-1252', which odoo-keys does not read/.test(e.message));
});

test("answers are read with every character Odoo's writer emits; requests stay strict", () => {
  // Python's xmlrpc.client.dumps(({'k\x01ey': 'a\uffffb\ufffe'},), methodresponse=True), byte for
  // byte: Odoo drops C0 controls from strings only, and writes U+FFFE and U+FFFF raw.
  const body = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>k\x01ey</name>\n<value><string>a\uffffb\ufffe</string></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n";
  const r = decodeMethodResponse(body);
  assert.deepEqual(r.kind === 'params' && r.value, { 'k\x01ey': 'a\uffffb\ufffe' });
  // The proxy writes them back as Odoo does (see CONTROL_CHARS in xmlrpc.ts).
  assert.ok(encodeMethodResponse({ 'k\x01ey': 'a\uffffb\ufffe' }).includes('<member>\n<name>k\x01ey</name>\n<value><string>a\uffffb\ufffe</string></value>\n</member>'));
  for (const bad of ['\uffff', '\ufffe', '\x01']) {
    assert.throws(() => decodeMethodCall(call(`<value><string>${bad}</string></value>`)), /control character/, JSON.stringify(bad));
  }
});

test('deep nesting is refused at the depth limit, not by a stack overflow', () => {
  const depth = 10000;
  const body = call('<value><array><data>'.repeat(depth) + '</data></array></value>'.repeat(depth));
  assert.throws(() => decodeMethodCall(body), /nested deeper than 100/);
  const ok = call('<value><array><data>'.repeat(50) + '</data></array></value>'.repeat(50));
  assert.doesNotThrow(() => decodeMethodCall(ok));
});

test('values decode to exact types', () => {
  const { params } = decodeMethodCall(call('<value><struct><member><name>a</name><value><i8>9007199254740991</i8></value></member><member><name>b</name><value><double>1.0</double></value></member><member><name>c</name><value><double>2.5</double></value></member><member><name>d</name><value>bare &amp; text</value></member><member><name>e</name><value><nil/></value></member><member><name>f</name><value><string><![CDATA[<x>]]></string></value></member></struct></value>'));
  const v = params[0] as Record<string, unknown>;
  assert.equal(v.a, 9007199254740991);
  assert.ok(v.b instanceof PyFloat && v.b.value === 1);
  assert.equal(v.c, 2.5);
  assert.equal(v.d, 'bare & text');
  assert.equal(v.e, null);
  assert.equal(v.f, '<x>');
});

test('line ends are read as expat reads them: a raw CR LF or CR is a LF, only &#13; is a CR', () => {
  // What Python's xmlrpc.client.loads gives for the same text (checked with CPython 3.11).
  const { params } = decodeMethodCall(call('<value><string>a\r\nb\rc<![CDATA[d\r\ne\rf]]>&#13;g\r</string></value>'));
  assert.equal(params[0], 'a\nb\ncd\ne\nf\rg\n');
  assert.equal(decodeMethodCall(call('<value>x\r\ny &amp; z\r</value>')).params[0], 'x\ny & z\n');
  const res = decodeMethodResponse(encodeMethodResponse({ name: 'a\r\nb' }));
  assert.deepEqual(res.kind === 'params' && res.value, { name: 'a\nb' });
});

test('a request is never changed on the way: a CR goes as &#13;, a character XML cannot carry is refused, not dropped', () => {
  const body = encodeMethodCall('execute_kw', [{ 'a\rb': ['x\r\ny', 'tab\tand\nLF'] }]);
  assert.match(body, /<name>a&#13;b<\/name>/);
  assert.match(body, /<string>x&#13;\ny<\/string>/);
  assert.deepEqual(decodeMethodCall(body).params, [{ 'a\rb': ['x\r\ny', 'tab\tand\nLF'] }]);
  for (const bad of ['e\u0001', '\u0000', 'a\u000bb', '\u001f', 'x\uffff', '\ufffe', 'lone \ud800', 'lone \udc00']) {
    assert.throws(() => encodeMethodCall('m', [[['name', 'not ilike', bad]]]), (e: unknown) => e instanceof XmlRpcEncodeError && /cannot carry the character U\+[0-9A-F]{4}/.test(e.message), JSON.stringify(bad));
    assert.throws(() => encodeMethodCall('m', [{ [bad]: 1 }]), XmlRpcEncodeError, `member name ${JSON.stringify(bad)}`);
    assert.throws(() => encodeMethodCall(bad, []), XmlRpcEncodeError, `method name ${JSON.stringify(bad)}`);
  }
  // The message never quotes the string (it may be a key).
  assert.throws(() => encodeMethodCall('m', ['odk_secret\u0001']), (e: unknown) => e instanceof Error && !e.message.includes('odk_secret'));
  // A pair of surrogates is one character, carried as it is.
  assert.equal(decodeMethodCall(encodeMethodCall('m', ['\u{1F600}'])).params[0], '\u{1F600}');
});

test('Python float repr is reproduced', () => {
  const cases: Array<[number, string]> = [[1, '1.0'], [0.1, '0.1'], [1e16, '1e+16'], [1234.5, '1234.5'], [0.0001, '0.0001'], [0.00001, '1e-05'], [-2.5e-7, '-2.5e-07'], [123456789012345.6, '123456789012345.6'], [1e22, '1e+22'], [0, '0.0']];
  for (const [x, s] of cases) assert.equal(pyFloatRepr(x), s, String(x));
});

test('answers are encoded as Odoo writes them: None is refused, big ints overflow, control characters are dropped', () => {
  assert.throws(() => encodeMethodResponse(null), /cannot marshal None/);
  assert.throws(() => encodeMethodResponse(2 ** 31), /int exceeds XML-RPC limits/);
  assert.match(encodeMethodResponse('a\u0001b<'), /<string>ab&lt;<\/string>/);
  assert.match(encodeMethodResponse(2 ** 31, { bigInt: 'i8' }), /<i8>2147483648<\/i8>/);
});

test('a start tag is read the same whether it is exactly the expected one or not (the fast path for `<name>`)', () => {
  const wrap = (v: string): string => `<?xml version="1.0"?><methodCall><methodName>m</methodName><params><param>${v}</param></params></methodCall>`;
  const read = (v: string): unknown => {
    try {
      return decodeMethodCall(wrap(v)).params;
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.deepEqual(read('<value><int>1</int></value>'), [1]);
  assert.deepEqual(read('<value ><int>1</int></value>'), [1]);
  assert.deepEqual(read('<value\n><int>1</int></value>'), [1]);
  assert.deepEqual(read('<x:value><int>1</int></x:value>'), [1], 'a prefix is dropped, as Python does');
  assert.deepEqual(read('<value/>'), ['']);
  assert.deepEqual(read('\n <value>x</value>\n'), ['x']);
  assert.equal(read('<valuex><int>1</int></valuex>'), 'expected <value>, found <valuex> (at byte 82)');
  assert.equal(read('<valu><int>1</int></valu>'), 'expected <value>, found <valu> (at byte 80)');
  assert.deepEqual(read('<value><!-- c --><int>1</int></value>'), [1]);
  assert.deepEqual(read('<!-- c --><value><int>1</int></value>'), [1]);
});
