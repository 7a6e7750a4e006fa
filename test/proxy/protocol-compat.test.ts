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
