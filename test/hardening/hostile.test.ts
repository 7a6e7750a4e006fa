// Hostile input to every inbound protocol of a running proxy. Each case must get a clean error
// in the protocol's own shape (or the HTTP status the case calls for), reach nothing upstream
// (the stand-in's `received` stays empty), and leave the proxy serving. Then: bodies over the
// limit are refused before they are read whole, slow senders are cut off by the timeouts,
// oversized headers are refused, no prototype is polluted, and memory stays bounded across many
// hostile requests.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { encodeMethodCall, decodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { stringifyJson } from '../../src/rpc/json.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';
import { DEFAULT_DRAIN_BYTES } from '../../src/proxy/server.js';
import { collectGarbage, errorMessage, rawExchange, rawRequest, sleep, type Proto } from './support.js';

interface Case {
  name: string;
  proto: Proto;
  path: string;
  body: string | Buffer;
  headers?: Record<string, string>;
  /** What the error must say (beyond starting with odoo-keys:), when it says something specific. */
  says?: RegExp;
  /** JSON-RPC bodies that are not JSON get Odoo's plain 400 'Invalid JSON data', not an error object. */
  invalidJson?: boolean;
  /** Expected HTTP status for JSON-2 (default: any 4xx). */
  status?: number;
  /** The answer is Odoo's own text for the route (a 404 for a path Odoo does not have), not the proxy's. */
  odooText?: boolean;
}

const JSON_CT = { 'Content-Type': 'application/json' };

describe('hostile input through the running proxy', () => {
  let h: Harness;
  let token: string;
  /** Connections made to a listener that external entities point at. */
  let entityHits = 0;
  let entityServer: net.Server;
  let entityPort = 0;

  before(async () => {
    // One trusted hop: each case comes from an address of its own, so the failed-attempt throttle
    // (tested in test/proxy/limits.test.ts) does not turn later cases into 429s.
    h = await startHarness({ version: 19, server: { trustProxyHops: 1 } });
    ({ token } = await h.addKey({ name: 'target', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'] }] }));
    entityServer = net.createServer((s) => {
      entityHits++;
      s.destroy();
    });
    await new Promise<void>((r) => entityServer.listen(0, '127.0.0.1', r));
    entityPort = (entityServer.address() as net.AddressInfo).port;
  });
  after(async () => {
    await h?.close();
    await new Promise<void>((r) => entityServer?.close(() => r()));
  });

  // ------------------------------------------------------------------------------------------
  // Builders. `token` is a valid key: many cases carry it, so that a lenient decoder would let
  // the call through (an entity that expands to the key, a duplicate that hides a second call).

  const s = (text: string): string => `<value><string>${text}</string></value>`;
  const param = (v: string): string => `<param>${v}</param>`;
  const emptyDomain = '<value><array><data><value><array><data></data></array></value></data></array></value>';
  const xmlExecuteKw = (key: string, model = 'res.partner', method = 'search_count', prolog = "<?xml version='1.0'?>\n"): string =>
    `${prolog}<methodCall><methodName>execute_kw</methodName><params>${[s(h.db), '<value><int>2</int></value>', s(key), s(model), s(method), emptyDomain].map(param).join('')}</params></methodCall>`;
  const jsonrpc = (args: unknown[], service = 'object', method = 'execute_kw'): string => stringifyJson({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id: 1 });
  const ek = (model: string, method: string, args: unknown[] = [[]], kwargs?: Record<string, unknown>): unknown[] => [h.db, 2, token, model, method, args, ...(kwargs ? [kwargs] : [])];
  const deepXml = (n: number, open: string, close: string): string => `${open.repeat(n)}<value><int>1</int></value>${close.repeat(n)}`;

  function xmlCases(): Case[] {
    const lol = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`)].join('');
    const cases: Case[] = [
      { name: 'DOCTYPE with an internal entity that expands to the key', body: xmlExecuteKw('&k;', 'res.partner', 'search_count', `<?xml version="1.0"?>\n<!DOCTYPE methodCall [<!ENTITY k "${token}">]>\n`), says: /not well-formed/ },
      { name: 'billion laughs', body: xmlExecuteKw('&lol9;', 'res.partner', 'search_count', `<?xml version="1.0"?>\n<!DOCTYPE lolz [${lol}]>\n`) },
      { name: 'external entity (file)', body: xmlExecuteKw('&xxe;', 'res.partner', 'search_count', '<?xml version="1.0"?>\n<!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n') },
      { name: 'external parameter entity (network)', body: xmlExecuteKw(token, 'res.partner', 'search_count', `<?xml version="1.0"?>\n<!DOCTYPE m [<!ENTITY % ext SYSTEM "http://127.0.0.1:${entityPort}/x"> %ext;]>\n`) },
      { name: 'an entity reference without any DOCTYPE', body: xmlExecuteKw('&k;') },
      { name: 'a character reference to NUL', body: xmlExecuteKw(`${token}&#0;`) },
      { name: 'processing instruction', body: xmlExecuteKw(token, 'res.partner', 'search_count', '<?xml version="1.0"?>\n<?xml-stylesheet href="http://127.0.0.1/x"?>\n') },
      { name: '10,000 nested arrays', body: `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params><param>${deepXml(10_000, '<value><array><data>', '</data></array></value>')}</param></params></methodCall>`, says: /not well-formed/ },
      { name: '10,000 nested structs', body: `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params><param>${deepXml(10_000, '<value><struct><member><name>a</name>', '</member></struct></value>')}</param></params></methodCall>` },
      { name: '10,000 nested unknown elements', body: `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params><param><value>${'<x>'.repeat(10_000)}${'</x>'.repeat(10_000)}</value></param></params></methodCall>` },
      { name: 'an integer of 100,000 digits', body: xmlExecuteKw(token).replace('<int>2</int>', `<int>${'9'.repeat(100_000)}</int>`) },
      { name: 'an i8 past 64 bits', body: xmlExecuteKw(token).replace('<int>2</int>', '<i8>9223372036854775808</i8>') },
      { name: 'a 4 MB string where the key goes', body: xmlExecuteKw('k'.repeat(4 * 1024 * 1024)), says: /invalid key|Access Denied|AccessDenied/ },
      { name: 'invalid UTF-8', body: Buffer.concat([Buffer.from(xmlExecuteKw(token).slice(0, 80)), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(xmlExecuteKw(token).slice(80))]) },
      { name: 'UTF-16 with a byte order mark', body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xmlExecuteKw(token), 'utf16le')]) },
      { name: 'a declared encoding the proxy does not read (UTF-8, ISO-8859-1, US-ASCII are)', body: xmlExecuteKw(token, 'res.partner', 'search_count', '<?xml version="1.0" encoding="windows-1252"?>\n') },
      { name: 'a struct member given twice (context)', body: xmlExecuteKw(token).replace('</params>', `${param('<value><struct><member><name>context</name><value><struct></struct></value></member><member><name>context</name><value><struct><member><name>active_test</name><value><boolean>0</boolean></value></member></struct></value></member></struct></value>')}</params>`) },
      { name: 'a __proto__ struct member', body: xmlExecuteKw(token).replace('</params>', `${param('<value><struct><member><name>__proto__</name><value><struct><member><name>polluted</name><value><boolean>1</boolean></value></member></struct></value></member></struct></value>')}</params>`) },
      { name: 'system.multicall', body: encodeMethodCall('system.multicall', [[{ methodName: 'execute_kw', params: ek('res.partner', 'search_count') }]]) },
      { name: 'a control character in the method name', body: xmlExecuteKw(token).replace('<methodName>execute_kw', '<methodName>execute_kw\u0001') },
      { name: 'methodName in another case', body: xmlExecuteKw(token).replace('<methodName>execute_kw', '<methodName>EXECUTE_KW') },
      { name: 'a truncated body', body: xmlExecuteKw(token).slice(0, 120) },
      { name: 'an empty body', body: '' },
    ].map((c) => ({ ...c, proto: 'xmlrpc' as const, path: '/xmlrpc/2/object', headers: { 'Content-Type': 'text/xml' } }));
    // Odd model and method names, with a valid key that may read res.partner.
    const methods = ['_read_group', 'SEARCH_COUNT', 'search_count\u200b', 'search_count ', ' search_count', 'search_count\n', 'search\tcount', 'ѕearch_count', 'x'.repeat(100_000), 'search_count.__class__'];
    for (const m of methods) cases.push({ name: `method ${JSON.stringify(m.slice(0, 30))}`, proto: 'xmlrpc', path: '/xmlrpc/2/object', body: encodeMethodCall('execute_kw', ek('res.partner', m)), says: /may not call|private|not a plain|no rule allows/ });
    const models = ['res.partner ', 'RES.PARTNER', '../res.partner', 'res.partner.', 'res..partner', 'res.partner*', '*', 'res.users', 'res.partner\u200b'];
    for (const m of models) cases.push({ name: `model ${JSON.stringify(m)}`, proto: 'xmlrpc', path: '/xmlrpc/2/object', body: encodeMethodCall('execute_kw', ek(m, 'search_count')), says: /may not call|not a plain|no rule allows|sensitive/ });
    cases.push({ name: 'a non-string method', proto: 'xmlrpc', path: '/xmlrpc/2/object', body: encodeMethodCall('execute_kw', [h.db, 2, token, 'res.partner', 5, [[]]]) });
    cases.push({ name: 'the db service', proto: 'xmlrpc', path: '/xmlrpc/2/db', body: encodeMethodCall('drop', ['admin', h.db]) });
    cases.push({ name: 'the db service, legacy path', proto: 'xmlrpc', path: '/xmlrpc/db', body: encodeMethodCall('list', []) });
    cases.push({ name: 'a percent-encoded service name', proto: 'xmlrpc', path: '/xmlrpc/2/%64b', body: encodeMethodCall('list', []) });
    cases.push({ name: 'a service that does not exist', proto: 'xmlrpc', path: '/xmlrpc/2/report', body: encodeMethodCall('render_report', [h.db, 2, token, 'x', [1]]) });
    return cases;
  }

  function jsonrpcCases(): Case[] {
    const valid = jsonrpc(ek('res.partner', 'search_count'));
    const cases: Case[] = [
      { name: 'params given twice (the second reaching the db service)', body: valid.replace(/, "id": 1}$/, ', "params": {"service": "db", "method": "drop", "args": ["admin", "x"]}, "id": 1}'), invalidJson: true },
      { name: 'a keyword argument given twice', body: jsonrpc(ek('res.partner', 'search_read', [[]], { fields: ['name'] })).replace('"fields": ["name"]', '"fields": ["name"], "fields": []'), invalidJson: true },
      { name: '__proto__ at the top', body: valid.replace('{"jsonrpc"', '{"__proto__": {"polluted": true}, "jsonrpc"'), invalidJson: true },
      { name: '__proto__ in the context', body: jsonrpc(ek('res.partner', 'search_count', [[]], { context: {} })).replace('"context": {}', '"context": {"__proto__": {"active_test": false}}'), invalidJson: true },
      { name: 'constructor.prototype in the context', body: jsonrpc(ek('res.partner', 'search_count', [[]], { context: { constructor: { prototype: { polluted: true } } } })), says: /context/ },
      { name: '10,000 nested lists', body: `{"jsonrpc":"2.0","method":"call","params":{"service":"object","method":"execute_kw","args":${'['.repeat(10_000)}${']'.repeat(10_000)}},"id":1}`, invalidJson: true },
      { name: '10,000 nested objects', body: `{"jsonrpc":"2.0","id":1,"params":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`, invalidJson: true },
      { name: 'an integer of 100,000 digits', body: valid.replace('"args": [', `"args": [${'9'.repeat(100_000)}, `), invalidJson: true },
      { name: 'invalid UTF-8', body: Buffer.concat([Buffer.from(valid.slice(0, 40)), Buffer.from([0xc0, 0xaf, 0xff]), Buffer.from(valid.slice(40))]), invalidJson: true },
      { name: 'not an object', body: `[${valid}]`, invalidJson: true },
      { name: 'a form post instead of JSON', body: 'service=object&method=execute_kw&args=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, invalidJson: true },
      { name: 'multipart instead of JSON', body: '--b\r\nContent-Disposition: form-data; name="params"\r\n\r\nx\r\n--b--\r\n', headers: { 'Content-Type': 'multipart/form-data; boundary=b' }, invalidJson: true },
      { name: 'the db service', body: jsonrpc(['admin', h.db], 'db', 'drop'), says: /db/ },
      { name: 'a NUL in the method name', body: jsonrpc(ek('res.partner', 'search_count\u0000')), says: /not a plain/ },
      { name: 'a NUL in the model name', body: jsonrpc(ek('res.partner\u0000', 'search_count')), says: /not a plain/ },
      { name: 'fullwidth letters in the method name', body: jsonrpc(ek('res.partner', 'ｓｅａｒｃｈ_count')), says: /not a plain/ },
      { name: 'args that are not a list', body: stringifyJson({ jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args: { 0: h.db } }, id: 1 }) },
      { name: 'a key that differs from a valid one in its last character', body: jsonrpc([h.db, 2, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, 'res.partner', 'search_count', [[]]]), says: /invalid key|Access Denied/ },
    ].map((c) => ({ headers: JSON_CT, ...c, proto: 'jsonrpc' as const, path: '/jsonrpc' }));
    return cases;
  }

  function json2Cases(): Case[] {
    const auth = { ...JSON_CT, Authorization: `bearer ${token}`, 'X-Odoo-Database': h.db };
    const cases: Case[] = [
      { name: 'a parameter given twice', path: '/json/2/res.partner/search_read', body: '{"domain": [], "fields": ["name"], "fields": []}', status: 400 },
      { name: '__proto__ in the body', path: '/json/2/res.partner/search_count', body: '{"domain": [], "__proto__": {"polluted": true}}', status: 400 },
      { name: '10,000 nested lists in the domain', path: '/json/2/res.partner/search_count', body: `{"domain": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`, status: 400 },
      { name: 'invalid UTF-8', path: '/json/2/res.partner/search_count', body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), status: 400 },
      { name: 'a private method', path: '/json/2/res.partner/_search', body: '{"domain": []}', status: 403 },
      { name: 'a NUL after the method name', path: '/json/2/res.partner/search_count%00', body: '{"domain": []}', status: 403 },
      { name: 'a model path that climbs', path: '/json/2/res.partner%2F..%2Fres.users/search_count', body: '{"domain": []}', status: 403 },
      { name: 'an extra path segment', path: '/json/2/res.partner/search_count/x', body: '{"domain": []}', status: 404, odooText: true },
      { name: 'broken percent-encoding', path: '/json/2/%E0%A4%A/search_count', body: '{"domain": []}', status: 404, odooText: true },
      { name: 'a sensitive model', path: '/json/2/res.users.apikeys/search_count', body: '{"domain": []}', status: 403 },
      { name: 'a wrong database', path: '/json/2/res.partner/search_count', body: '{"domain": []}', headers: { ...auth, 'X-Odoo-Database': 'postgres' }, status: 403 },
    ].map((c) => ({ headers: auth, ...c, proto: 'json2' as const }));
    const badAuth: [string, Record<string, string>][] = [
      ['no Authorization', { ...JSON_CT }],
      ['Basic instead of bearer', { ...JSON_CT, Authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` }],
      ['two tokens', { ...JSON_CT, Authorization: `bearer ${token} ${token}` }],
      ['the key in another case', { ...JSON_CT, Authorization: `bearer ${token.toUpperCase()}` }],
      ['the key with a character more', { ...JSON_CT, Authorization: `bearer ${token}x` }],
      ['the key cut short', { ...JSON_CT, Authorization: `bearer ${token.slice(0, -1)}` }],
    ];
    for (const [name, headers] of badAuth) cases.push({ name, proto: 'json2', path: '/json/2/res.partner/search_count', body: '{"domain": []}', headers, status: 401 });
    return cases;
  }

  let client = 0;
  async function check(c: Case): Promise<void> {
    client++;
    const from = `10.${(client >> 16) & 255}.${(client >> 8) & 255}.${client & 255}`;
    const res = await fetch(`${h.url}${c.path}`, { method: 'POST', body: c.body, headers: { ...c.headers, 'X-Forwarded-For': from }, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    const label = `${c.proto}: ${c.name}`;
    if (c.invalidJson) {
      assert.equal(res.status, 400, `${label}: HTTP ${res.status} ${text.slice(0, 200)}`);
      assert.equal(text, 'Invalid JSON data', label);
      return;
    }
    const message = errorMessage(c.proto, res.status, text);
    assert.ok(message !== null, `${label}: not a clean error: HTTP ${res.status} ${text.slice(0, 300)}`);
    if (!c.odooText) assert.match(message, /odoo-keys: /, label);
    if (c.says) assert.match(message, c.says, label);
    if (c.status !== undefined) assert.equal(res.status, c.status, `${label}: ${message}`);
    assert.ok(!/root:x?:0:0/.test(text), `${label}: a local file leaked into the answer`);
    assert.ok(text.length < 64 * 1024, `${label}: the error echoes ${text.length} bytes`);
  }

  async function runCases(cases: Case[]): Promise<void> {
    h.standin.clearReceived();
    const before = (await h.journal()).length;
    for (const c of cases) await check(c);
    assert.deepEqual(h.standin.received.map((r) => `${r.path} ${r.function ?? ''} ${r.method ?? ''}`), [], 'nothing reached Odoo');
    // Every call is journaled once (a path that is no route at all is not a call), and a client's
    // megabyte name does not make a megabyte line.
    const lines = (await h.journal()).slice(before);
    assert.equal(lines.length, cases.filter((c) => !c.odooText).length, 'one journal line per call');
    for (const l of lines) assert.ok(JSON.stringify(l).length < 16 * 1024, `a journal line of ${JSON.stringify(l).length} bytes: ${JSON.stringify(l).slice(0, 300)}`);
  }

  test('XML-RPC: DOCTYPE, entities (internal, billion laughs, external), deep nesting, huge values, bad encodings, duplicates, odd names', async () => {
    await runCases(xmlCases());
    assert.equal(entityHits, 0, 'no external entity was fetched');
  });

  test('JSON-RPC: duplicate keys, __proto__, deep nesting, huge numbers, bad encodings, wrong content types, odd names, near-miss keys', async () => {
    await runCases(jsonrpcCases());
  });

  test('JSON-2: duplicate parameters, __proto__, deep nesting, bad encodings, odd paths, bad bearer headers', async () => {
    await runCases(json2Cases());
  });

  test('no prototype was polluted, and the proxy still serves every protocol', async () => {
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const xml = decodeMethodResponse((await (await fetch(`${h.url}/xmlrpc/2/object`, { method: 'POST', body: xmlExecuteKw(token) })).text()));
    assert.equal(xml.kind, 'params');
    const j = (await (await fetch(`${h.url}/jsonrpc`, { method: 'POST', body: jsonrpc(ek('res.partner', 'search_count')), headers: JSON_CT })).json()) as { result?: number };
    assert.equal(typeof j.result, 'number');
    const j2 = await fetch(`${h.url}/json/2/res.partner/search_count`, { method: 'POST', body: '{"domain": []}', headers: { ...JSON_CT, Authorization: `bearer ${token}` } });
    assert.equal(j2.status, 200);
    assert.equal((await (await fetch(`${h.url}/healthz`)).json() as { ok: boolean }).ok, true);
  });

  // ------------------------------------------------------------------------------------------
  // Bodies, headers and senders, on raw sockets (fetch would not send these).

  test('a Content-Length past the limit and the drain bound is refused from the headers alone, before any byte of body is sent, and closed', async () => {
    // Within the bound the proxy reads the body (and drops it) before closing: test/proxy/protocol-compat.test.ts.
    for (const length of [10 * 1024 * 1024 + DEFAULT_DRAIN_BYTES + 1, 10 * 1024 ** 3, Number.MAX_SAFE_INTEGER]) {
      let headerBytes = 0;
      const r = await rawExchange(h.proxy.port, (io) => {
        const head = `POST /jsonrpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
        headerBytes = head.length;
        io.write(head); // and not one byte of the body
      });
      assert.equal(r.status, 200, `Content-Length ${length}: ${r.text.slice(0, 200)}`); // a JSON-RPC error, as the proxy's other refusals
      assert.equal(r.written, headerBytes, 'the answer came while the client had sent only headers');
      assert.match(r.text, /odoo-keys: request body larger than/);
      assert.equal(r.closed, true, 'and the connection is closed');
    }
  });

  test('a chunked body that never ends is cut past the limit and the drain bound: refused and the connection closed while the client is still sending', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    const r = await rawExchange(h.proxy.port, async (io) => {
      io.write('POST /xmlrpc/2/object HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n');
      while (!io.closed()) {
        io.write(frame);
        await io.drain();
      }
    }, 60_000);
    assert.equal(r.closed, true, 'the server closed the connection (the client never stopped on its own)');
    // The fault is sent; a client still sending when the server closes may get a reset that drops
    // it (past the drain bound the server reads no more), so it may not see the answer.
    assert.ok(r.status === 200 || (r.status === null && r.text === ''), r.text.slice(0, 200));
    // Whatever the kernel's socket buffers took on top of the 10 MB limit and the drain bound, the server did not read on and on.
    assert.ok(r.written < 10 * 1024 * 1024 + DEFAULT_DRAIN_BYTES + 64 * 1024 * 1024, `the client got ${r.written} bytes out before being cut off`);
  });

  test('oversized headers get 431 and the connection closed; so does a request with both Content-Length and chunked', async () => {
    const big = await rawExchange(h.proxy.port, (io) => {
      io.write(`POST /jsonrpc HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\nContent-Length: 0\r\n\r\n`);
    });
    assert.equal(big.status, 431);
    assert.equal(big.closed, true);
    const many = await rawExchange(h.proxy.port, (io) => {
      io.write(`POST /jsonrpc HTTP/1.1\r\nHost: 127.0.0.1\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\nContent-Length: 0\r\n\r\n`);
    });
    assert.equal(many.status, 431);
    const smuggle = await rawExchange(h.proxy.port, (io) => {
      io.write('POST /jsonrpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    });
    assert.equal(smuggle.status, 400);
    assert.equal(smuggle.closed, true);
  });

  test('slow senders are cut off by the header and request timeouts, long before they finish', async (t) => {
    // A proxy of its own with short timeouts: the other tests send 4 MB bodies to a busy machine,
    // which a 2 s request timeout would cut off too.
    const tight = await startHarness({ version: 19, server: { headersTimeoutMs: 1000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 1000 } });
    t.after(() => tight.close());
    // Headers trickled one line every 250 ms: 40 lines would take 10 s; the header timeout is 1 s.
    let headersDone = false;
    const slowHeaders = await rawExchange(tight.proxy.port, async (io) => {
      io.write('POST /jsonrpc HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      for (let i = 0; i < 40; i++) {
        if (io.closed()) return;
        io.write(`X-Slow-${i}: x\r\n`);
        await sleep(250);
      }
      if (io.write('Content-Length: 0\r\n\r\n')) headersDone = true;
    });
    assert.equal(slowHeaders.closed, true, 'closed by the server');
    assert.equal(headersDone, false, 'the slow headers were cut off before they were complete');
    // A body trickled one byte every 100 ms: 100 bytes would take 10 s; the request timeout is 2 s.
    const body = jsonrpc(ek('res.partner', 'search_count')).padEnd(100, ' ').slice(0, 100);
    let bodyDone = false;
    const slowBody = await rawExchange(tight.proxy.port, async (io) => {
      io.write(`POST /jsonrpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`);
      for (const ch of body) {
        if (io.closed()) return;
        io.write(ch);
        await sleep(100);
      }
      bodyDone = !io.closed();
    });
    assert.equal(slowBody.closed, true, 'closed by the server');
    assert.equal(bodyDone, false, 'the slow body was cut off before it was complete');
    assert.ok(!/^HTTP\/1\.1 200/.test(slowBody.text), 'the trickled request was not served');
    // A connection that sends nothing at all.
    const idle = await rawExchange(tight.proxy.port, () => undefined, 10_000);
    assert.equal(idle.closed, true, 'an idle connection is closed');
    assert.deepEqual(tight.standin.received.filter((r) => r.function !== 'version' && r.function !== 'authenticate').map((r) => r.path), [], 'nothing reached Odoo');
  });

  test('memory stays bounded across many hostile requests (and the proxy keeps serving)', async () => {
    h.standin.clearReceived();
    const heavy: Case[] = [
      ...xmlCases().filter((c) => /billion|10,000|4 MB|100,000 digits/.test(c.name)),
      ...jsonrpcCases().filter((c) => /10,000|100,000/.test(c.name)),
      { name: 'a 4 MB JSON-2 body of duplicate keys', proto: 'json2', path: '/json/2/res.partner/search_count', body: `{"domain": [], "x": "${'y'.repeat(4 * 1024 * 1024)}", "x": 1}`, headers: { ...JSON_CT, Authorization: `bearer ${token}` }, status: 400 },
      { name: 'a 4 MB invalid UTF-8 XML-RPC body', proto: 'xmlrpc', path: '/xmlrpc/2/object', body: Buffer.concat([Buffer.from(xmlExecuteKw(token).slice(0, 60)), Buffer.alloc(4 * 1024 * 1024, 0xff)]) },
    ];
    const sentPerRound = heavy.reduce((n, c) => n + Buffer.byteLength(c.body), 0);
    const round = async (): Promise<void> => {
      await Promise.all([0, 1].map(async (lane) => {
        for (let i = lane; i < heavy.length; i += 2) await check(heavy[i]!);
      }));
    };
    await round(); // warm: code compiled, pools and caches filled
    await round();
    collectGarbage();
    const rss0 = process.memoryUsage().rss;
    const heap0 = process.memoryUsage().heapUsed;
    const rounds = 16;
    for (let i = 0; i < rounds; i++) await round();
    collectGarbage();
    await sleep(100);
    collectGarbage();
    const rss1 = process.memoryUsage().rss;
    const heap1 = process.memoryUsage().heapUsed;
    const sent = sentPerRound * rounds;
    const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;
    const note = `sent ${mb(sent)} of hostile bodies; RSS ${mb(rss0)} -> ${mb(rss1)}, heap ${mb(heap0)} -> ${mb(heap1)}`;
    assert.ok(sent > 200 * 1024 * 1024, note);
    // Generous bounds (this process also runs the client and the stand-in); a leak of the bodies
    // would grow by about what was sent.
    assert.ok(rss1 - rss0 < 160 * 1024 * 1024, `RSS grew: ${note}`);
    assert.ok(heap1 - heap0 < 48 * 1024 * 1024, `heap grew: ${note}`);
    assert.equal(h.standin.received.filter((r) => r.function !== 'version').length, 0, 'nothing reached Odoo');
    const j2 = await fetch(`${h.url}/json/2/res.partner/search_count`, { method: 'POST', body: '{"domain": []}', headers: { ...JSON_CT, Authorization: `bearer ${token}` } });
    assert.equal(j2.status, 200);
  });
});
