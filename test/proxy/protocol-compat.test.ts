// Requests real clients send that Odoo takes, through the proxy: an XML-RPC dateTime carried to a
// JSON-2-only Odoo, a JSON-2 call with no body, a body over --max-body from a client that sends it
// whole before reading, an XML-RPC body in ISO-8859-1 (PHP's default), and a None result for an
// XML-RPC client of a JSON-2-only Odoo.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { decodeMethodResponse, encodeMethodCall } from '../../src/rpc/xmlrpc.js';
import { DateTimeValue } from '../../src/rpc/values.js';
import { decodeJson2Request, RpcDecodeError } from '../../src/rpc/call.js';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';
import { rawExchange } from '../hardening/support.js';
import { runPython } from '../support/python.js';

function fault(text: string): { faultCode: unknown; faultString: string } | null {
  const r = decodeMethodResponse(text);
  return r.kind === 'fault' ? { faultCode: r.faultCode, faultString: String(r.faultString) } : null;
}

function lastLine(s: string): string {
  return s.trim().split('\n').at(-1)!;
}

function executeKw(h: Harness, key: string, model: string, method: string, args: unknown[], kw?: Record<string, unknown>): string {
  return encodeMethodCall('execute_kw', [h.db, h.uid, key, model, method, args, ...(kw ? [kw] : [])]);
}

describe('to a JSON-2-only Odoo (--upstream-protocol json2)', () => {
  let h: Harness;
  let token: string;
  before(async () => {
    h = await startHarness({ version: 19, proxy: { upstreamProtocol: 'json2' } });
    ({ token } = await h.addKey({ name: 'j2', rules: [{ model: 'crm.lead', methods: ['read', 'write'] }, { model: 'res.partner', methods: ['read', 'check_access'] }] }));
  });
  after(() => h?.close());

  test("an XML-RPC dateTime reaches Odoo as the datetime Odoo's XML-RPC would have made of it", async () => {
    const before = h.standin.received.at(-1)?.seq ?? 0;
    const r = await post(`${h.url}/xmlrpc/2/object`, executeKw(h, token, 'crm.lead', 'write', [[2], { date_deadline: new DateTimeValue('20300102T03:04:05') }]), { 'Content-Type': 'text/xml' });
    assert.equal(fault(r.text), null, r.text);
    const sent = h.standin.received.filter((c) => c.seq > before && c.path === '/json/2/crm.lead/write');
    assert.equal(sent.length, 1);
    assert.match(sent[0]!.body, /"date_deadline":"2030-01-02 03:04:05"/);
    const read = await post(`${h.url}/xmlrpc/2/object`, executeKw(h, token, 'crm.lead', 'read', [[2]], { fields: ['date_deadline'] }), { 'Content-Type': 'text/xml' });
    assert.match(read.text, /2030-01-02/);
  });

  test("a method that returns None: the fault Odoo's XML-RPC gives (allow_none=False), on both XML-RPC paths; JSON-RPC gets null", async () => {
    const body = executeKw(h, token, 'res.partner', 'check_access', [[3], 'read']);
    const direct = await post(`${h.standin.url}/xmlrpc/2/object`, executeKw(h, h.standin.users.integration.apiKey!, 'res.partner', 'check_access', [[3], 'read']), { 'Content-Type': 'text/xml' });
    const odoo = fault(direct.text)!;
    assert.equal(lastLine(odoo.faultString), 'TypeError: cannot marshal None unless allow_none is enabled', 'the stand-in answers as Odoo does');
    const r = await post(`${h.url}/xmlrpc/2/object`, body, { 'Content-Type': 'text/xml' });
    assert.equal(r.status, 200);
    const f = fault(r.text);
    assert.ok(f, r.text);
    assert.equal(f.faultCode, odoo.faultCode);
    assert.equal(lastLine(f.faultString), lastLine(odoo.faultString));
    const legacy = fault((await post(`${h.url}/xmlrpc/object`, body, { 'Content-Type': 'text/xml' })).text);
    assert.equal(legacy?.faultCode, 'cannot marshal None unless allow_none is enabled');
    const envelope = { jsonrpc: '2.0', method: 'call', id: 5, params: { service: 'object', method: 'execute_kw', args: [h.db, h.uid, token, 'res.partner', 'check_access', [[3], 'read']] } };
    const j = await post(`${h.url}/jsonrpc`, JSON.stringify(envelope), { 'Content-Type': 'application/json' });
    assert.deepEqual(JSON.parse(j.text), { jsonrpc: '2.0', id: 5, result: null });
    const line = (await h.journal()).filter((e) => e.method === 'check_access' && e.proto === 'xmlrpc').at(-1)!;
    assert.equal(line.decision, 'allow', 'the call ran at Odoo, and the journal says so');
    assert.equal(line.outcome, 'odoo_error');
    assert.deepEqual(line.error, { name: 'TypeError', message: 'cannot marshal None unless allow_none is enabled' });
  });
});

describe('XML-RPC requests Odoo reads', () => {
  let h: Harness;
  let token: string;
  before(async () => {
    h = await startHarness({ version: 19 });
    ({ token } = await h.addKey({ name: 'xml', rules: [{ model: 'res.partner', methods: ['read', 'create'] }, { model: 'crm.lead', methods: ['write'] }] }));
  });
  after(() => h?.close());

  test('a body declaring ISO-8859-1 (PHP) is read in it, and Odoo gets the same text in UTF-8', async () => {
    const before = h.standin.received.at(-1)?.seq ?? 0;
    const xml = executeKw(h, token, 'res.partner', 'create', [{ name: 'Caf\u00e9 \u00c0 la \u00bd' }]).replace("<?xml version='1.0'?>", '<?xml version="1.0" encoding="iso-8859-1"?>');
    const r = await post(`${h.url}/xmlrpc/2/object`, Buffer.from(xml, 'latin1'), { 'Content-Type': 'text/xml' });
    assert.equal(fault(r.text), null, r.text);
    const sent = h.standin.received.filter((c) => c.seq > before && c.method === 'create');
    assert.equal(sent.length, 1);
    assert.match(sent[0]!.body, /<string>Caf\u00e9 \u00c0 la \u00bd<\/string>/);
    assert.doesNotMatch(sent[0]!.body, /iso-8859-1/);
    const id = decodeMethodResponse(r.text);
    assert.equal(id.kind, 'params');
    const read = await post(`${h.url}/xmlrpc/2/object`, executeKw(h, token, 'res.partner', 'read', [[id.kind === 'params' ? id.value : 0]], { fields: ['name'] }), { 'Content-Type': 'text/xml' });
    assert.match(read.text, /Caf\u00e9 \u00c0 la \u00bd/);
  });

  test('a body declaring US-ASCII with a byte over 127 is not well-formed (as expat says), and never reaches Odoo', async () => {
    const before = h.standin.received.at(-1)?.seq ?? 0;
    const xml = executeKw(h, token, 'res.partner', 'create', [{ name: 'Caf\u00e9' }]).replace("<?xml version='1.0'?>", '<?xml version="1.0" encoding="us-ascii"?>');
    const r = await post(`${h.url}/xmlrpc/2/object`, Buffer.from(xml, 'latin1'), { 'Content-Type': 'text/xml' });
    assert.match(fault(r.text)?.faultString ?? r.text, /^odoo-keys: not well-formed \(invalid token\)/);
    const windows = await post(`${h.url}/xmlrpc/2/object`, Buffer.from(xml.replace('us-ascii', 'windows-1252'), 'latin1'), { 'Content-Type': 'text/xml' });
    assert.match(fault(windows.text)?.faultString ?? windows.text, /declares encoding 'windows-1252', which odoo-keys does not read: send UTF-8/);
    assert.deepEqual(h.standin.received.filter((c) => c.seq > before), []);
  });

  test("a dateTime Python's strptime refuses gets Odoo's ValueError before anything else, and never reaches Odoo", async () => {
    const before = h.standin.received.at(-1)?.seq ?? 0;
    for (const [text, says] of [
      ['20300102T03:04:05Z', 'unconverted data remains: Z'],
      ['2030-01-02T03:04:05', "time data '2030-01-02T03:04:05' does not match format '%Y%m%dT%H:%M:%S'"],
    ] as const) {
      const body = executeKw(h, token, 'crm.lead', 'write', [[2], { date_deadline: new DateTimeValue(text) }]);
      const odoo = fault((await post(`${h.standin.url}/xmlrpc/2/object`, body, { 'Content-Type': 'text/xml' })).text);
      const mine = fault((await post(`${h.url}/xmlrpc/2/object`, body, { 'Content-Type': 'text/xml' })).text);
      assert.equal(lastLine(odoo?.faultString ?? ''), `ValueError: ${says}`, 'the stand-in answers as Odoo does');
      assert.equal(mine?.faultCode, 1);
      assert.equal(mine?.faultString, `odoo-keys: ${says}\n`);
    }
    assert.equal(h.standin.received.filter((c) => c.seq > before).length, 2, 'only the two calls made to the stand-in directly reached it');
  });
});

describe('JSON-2 with no body', () => {
  test('is decoded as no parameters, as Odoo 19 does (it parses only when Content-Length > 0); whitespace is still a parse error', () => {
    const req = decodeJson2Request({ model: 'res.partner', method: 'fields_get' }, { authorization: 'bearer k' }, Buffer.alloc(0));
    assert.deepEqual(req.json2?.body, {});
    assert.throws(() => decodeJson2Request({ model: 'res.partner', method: 'fields_get' }, {}, Buffer.from(' ')), (e: unknown) => e instanceof RpcDecodeError && /could not parse the body as json/.test(e.message));
  });

  test('through the proxy: answered 200 as Odoo answers it', async (t) => {
    const h = await startHarness({ version: 19 });
    t.after(() => h.close());
    const { token } = await h.addKey({ name: 'j2', rules: [{ model: 'res.partner', methods: ['read'] }] });
    const headers = { Authorization: `bearer ${token}`, 'X-Odoo-Database': h.db, 'Content-Type': 'application/json' };
    const r = await post(`${h.url}/json/2/res.partner/fields_get`, '', headers);
    assert.equal(r.status, 200, r.text);
    assert.ok('name' in (JSON.parse(r.text) as Record<string, unknown>));
  });
});

describe('a body over --max-body', () => {
  const LIMIT = 64 * 1024;
  let h: Harness;
  let token: string;
  before(async () => {
    h = await startHarness({ version: 19, server: { maxBodyBytes: LIMIT, drainBytes: 32 * 1024 * 1024 } });
    ({ token } = await h.addKey({ name: 'big', rules: [{ model: 'res.partner', methods: ['read', 'write'] }] }));
  });
  after(() => h?.close());

  test("Python's xmlrpc.client, which sends the whole body before reading: gets a fault, not a broken pipe", async () => {
    const script = String.raw`
import json, os, xmlrpc.client
m = xmlrpc.client.ServerProxy(os.environ['ODOO_URL'] + '/xmlrpc/2/object', allow_none=True)
try:
    m.execute_kw(os.environ['ODOO_DB'], 2, os.environ['ODOO_PASSWORD'], 'res.partner', 'write', [[3], {'comment': 'A' * (20 * 1024 * 1024)}])
    print(json.dumps({'ok': True}))
except xmlrpc.client.Fault as f:
    print(json.dumps({'fault': [f.faultCode, f.faultString]}))
except Exception as e:
    print(json.dumps({'error': type(e).__name__ + ': ' + str(e)}))
`;
    const r = await runPython('python3', script, { ODOO_URL: h.url, ODOO_DB: h.db, ODOO_PASSWORD: token });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { fault: [1, `odoo-keys: request body larger than ${LIMIT} bytes (--max-body)\n`] });
  });

  async function sendWhole(path: string, headers: string, body: Buffer, chunked = false): Promise<{ status: number | null; text: string; closed: boolean }> {
    return rawExchange(h.proxy.port, async (io) => {
      io.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}${chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${body.length}`}\r\n\r\n`);
      for (let at = 0; at < body.length && !io.closed(); at += 256 * 1024) {
        const piece = body.subarray(at, at + 256 * 1024);
        io.write(chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
        await io.drain();
      }
      if (chunked) io.write('0\r\n\r\n');
    }, 60_000);
  }

  function bodyOf(text: string): string {
    return text.slice(text.indexOf('\r\n\r\n') + 4);
  }

  test('JSON-RPC and JSON-2 clients that send it whole read an answer in their protocol; then the connection is closed', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 0x20);
    const j = await sendWhole('/jsonrpc', 'Content-Type: application/json\r\n', big);
    assert.equal(j.status, 200, j.text.slice(0, 300));
    const error = (JSON.parse(bodyOf(j.text)) as { id: unknown; error: { data: { message: string } } });
    assert.equal(error.id, null);
    assert.equal(error.error.data.message, `odoo-keys: request body larger than ${LIMIT} bytes (--max-body)`);
    assert.equal(j.closed, true);
    const j2 = await sendWhole('/json/2/res.partner/write', `Content-Type: application/json\r\nAuthorization: bearer ${token}\r\n`, big);
    assert.equal(j2.status, 413, j2.text.slice(0, 300));
    const e2 = JSON.parse(bodyOf(j2.text)) as { name: string; message: string };
    assert.equal(e2.name, 'werkzeug.exceptions.RequestEntityTooLarge');
    assert.match(e2.message, /request body larger than 65536 bytes/);
    assert.equal(j2.closed, true);
  });

  test('a chunked body is answered the same way once it ends within the drain bound', async () => {
    const r = await sendWhole('/xmlrpc/2/object', 'Content-Type: text/xml\r\n', Buffer.alloc(4 * 1024 * 1024, 0x61), true);
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.equal(fault(bodyOf(r.text))?.faultString, `odoo-keys: request body larger than ${LIMIT} bytes (--max-body)\n`);
    assert.equal(r.closed, true);
  });

  test('the answer is sent from the headers alone, before the body; the connection closes once the body is in', async (t) => {
    const socket = net.connect(h.proxy.port, '127.0.0.1');
    t.after(() => socket.destroy());
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const received: Buffer[] = [];
    let gotAnswer!: () => void;
    const answered = new Promise<void>((r) => (gotAnswer = r));
    socket.on('data', (d: Buffer) => {
      received.push(d);
      const text = Buffer.concat(received).toString('utf8');
      const m = /Content-Length: (\d+)\r\n/i.exec(text);
      if (m && text.includes('\r\n\r\n') && Buffer.byteLength(bodyOf(text)) >= Number(m[1])) gotAnswer();
    });
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    const length = 2 * 1024 * 1024;
    socket.write(`POST /xmlrpc/2/object HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: ${length}\r\n\r\n`);
    await answered; // not one byte of the body sent yet
    assert.match(Buffer.concat(received).toString('utf8'), /request body larger than 65536 bytes/);
    let ended = false;
    void closed.then(() => (ended = true));
    socket.write(Buffer.alloc(length - 1, 0x61));
    await new Promise<void>((r) => setImmediate(r));
    assert.equal(ended, false, 'still open while the body is not all in');
    socket.write('a');
    await closed;
  });
});
