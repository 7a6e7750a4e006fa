import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { jsonToXmlRpcResponse, jsonToJsonRpcResponse, JsonToXmlRpcWriter, TranscodeError } from '../../src/rpc/transcode.js';
import { encodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { parseJson, stringifyJson } from '../../src/rpc/json.js';
import { loadWire } from '../support/wire.js';

async function run(t: ReturnType<typeof jsonToXmlRpcResponse>, body: Buffer, chunk: number): Promise<string> {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += chunk) parts.push(body.subarray(i, i + chunk));
  const out: Buffer[] = [];
  await pipeline(Readable.from(parts), t, async function* (src) {
    for await (const c of src) out.push(Buffer.from(c));
  });
  return Buffer.concat(out).toString('utf8');
}

const answers = loadWire({ version: '19', protocol: 'json2' }).filter((e) => e.response.status === 200);

test('each recorded JSON-2 answer becomes the XML-RPC answer Odoo would give, in any chunking', async () => {
  for (const ex of answers) {
    const body = Buffer.from(ex.response.body);
    const expected = encodeMethodResponse(parseJson(body), { allowNone: true, bigInt: 'i8' });
    for (const chunk of [1, 7, 4096, body.length]) {
      assert.equal(await run(jsonToXmlRpcResponse(), body, chunk), expected, `${ex.file} in chunks of ${chunk}`);
    }
  }
});

test('the same search over JSON-2 and XML-RPC gives byte-identical XML after translation', async () => {
  const json2 = answers.find((e) => e.file.endsWith('01-search-read.json'))!;
  const xml = loadWire({ version: '19', protocol: 'xmlrpc' }).find((e) => e.file.endsWith('07-search-read-fields.json'))!;
  assert.equal(await run(jsonToXmlRpcResponse(), Buffer.from(json2.response.body), 5), xml.response.body);
});

test('JSON-RPC wrapping keeps the result untouched', async () => {
  const ex = answers[0]!;
  const out = await run(jsonToJsonRpcResponse(7) as ReturnType<typeof jsonToXmlRpcResponse>, Buffer.from(ex.response.body), 3);
  assert.equal(out, stringifyJson({ jsonrpc: '2.0', id: 7, result: parseJson(ex.response.body) }));
});

test('malformed JSON answers are refused, not half-translated silently', () => {
  for (const bad of ['{"a":1,}', '[1,]', '{"a" 1}', '[1 2]', '{"a":1}}', 'nope', '[', '{"a":']) {
    const w = new JsonToXmlRpcWriter(() => {});
    assert.throws(() => {
      w.write(bad);
      w.end();
    }, TranscodeError, bad);
  }
  const deep = new JsonToXmlRpcWriter(() => {}, 10);
  assert.throws(() => deep.write('['.repeat(11)), /deeper than 10/);
});

test('numbers keep their kind: ints, floats, big ints, and Python-style float text', () => {
  let out = '';
  const w = new JsonToXmlRpcWriter((x) => (out += x));
  w.write('[1, 1.0, 2.5e-7, 3000000000, -0.0, null, "a\\u00e9<"]');
  w.end();
  assert.equal(out, '<value><array><data>\n<value><int>1</int></value>\n<value><double>1.0</double></value>\n<value><double>2.5e-07</double></value>\n<value><i8>3000000000</i8></value>\n<value><double>-0.0</double></value>\n<value><nil/></value><value><string>aé&lt;</string></value>\n</data></array></value>\n');
});
