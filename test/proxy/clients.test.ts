// Real client code, unchanged, pointed at the proxy with an odk_ key where it had an Odoo key:
// Python's xmlrpc.client, the npm clients odoo-xmlrpc-ts, odoo-await and
// @fernandoslim/odoo-jsonrpc, and the exact requests of n8n's Odoo node.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { OdooClient } from 'odoo-xmlrpc-ts';
import OdooAwait from 'odoo-await';
import jsonrpcModule from '@fernandoslim/odoo-jsonrpc';
import { parseJson, stringifyJson } from '../../src/rpc/json.js';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';
import { PYTHON_XMLRPC_PRELUDE, runPython } from '../support/python.js';

const OdooJSONRpc = jsonrpcModule.default;

const PYTHON = PYTHON_XMLRPC_PRELUDE + String.raw`
out['partners'] = models.execute_kw(db, uid, key, 'res.partner', 'search_read', [[['is_company', '=', True]]], {'fields': ['name'], 'limit': 2, 'order': 'id'})
lead = models.execute_kw(db, uid, key, 'crm.lead', 'create', [{'name': 'python via proxy', 'email_from': 'py@example.com'}])
out['created'] = lead
out['write'] = models.execute_kw(db, uid, key, 'crm.lead', 'write', [[lead], {'description': 'edited'}])
out['read'] = models.execute_kw(db, uid, key, 'crm.lead', 'read', [[lead]], {'fields': ['name', 'email_from']})
# A nightly sync's filter (Odoo reads XML-RPC with use_datetime=True: the ORM gets a datetime), the
# context res.users.context_get hands out (uid included) sent back, and a context given as ''.
import datetime
out['since_2000'] = models.execute_kw(db, uid, key, 'res.partner', 'search_read', [[['write_date', '>=', datetime.datetime(2000, 1, 1)]]], {'fields': ['name'], 'limit': 2, 'order': 'id'})
out['since_2999'] = models.execute_kw(db, uid, key, 'res.partner', 'search_count', [[['write_date', '>=', datetime.datetime(2999, 1, 1)]]])
out['context_uid'] = models.execute_kw(db, uid, key, 'res.partner', 'search_count', [[['is_company', '=', True]]], {'context': {'lang': 'en_US', 'tz': False, 'uid': uid}})
try:
    models.execute_kw(db, uid, key, 'res.partner', 'search_count', [[]], {'context': {'uid': uid + 1}})
except xmlrpc.client.Fault as f:
    out['other_uid'] = f.faultString
out['context_empty'] = models.execute_kw(db, uid, key, 'res.partner', 'search_count', [[['is_company', '=', True]]], {'context': ''})
try:
    models.execute_kw(db, uid, key, 'crm.lead', 'unlink', [[lead]])
except xmlrpc.client.Fault as f:
    out['denied'] = [f.faultCode, f.faultString]
try:
    models.execute_kw(db, uid, key + 'x', 'res.partner', 'search', [[]])
except xmlrpc.client.Fault as f:
    out['bad_key'] = [f.faultCode, f.faultString]
print(json.dumps(out))
`;

const RULES = [
  { model: 'res.partner', methods: ['read'], fields: ['name', 'email', 'is_company', 'phone', 'write_date'] },
  { model: 'crm.lead', methods: ['read', 'create', 'write'], fields: ['name', 'email_from', 'description', 'priority', 'expected_revenue'] },
];

for (const version of [18, 19] as const) {
  describe(`real clients through the proxy (Odoo ${version})`, () => {
    let h: Harness;
    let token: string;
    before(async () => {
      h = await startHarness({ version });
      ({ token } = await h.addKey({ name: 'clients', rules: RULES }));
    });
    after(() => h?.close());

    test("Python's xmlrpc.client: version, authenticate, search_read, create, write, read, a denial and a bad key", async () => {
      const r = await runPython('python3', PYTHON, { ODOO_URL: h.url, ODOO_DB: h.db, ODOO_USER: 'anything', ODOO_PASSWORD: token });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      assert.equal(out.version, `${version}.0`);
      assert.equal(out.uid, h.uid, 'the uid handed back is the real upstream user’s');
      assert.equal((out.partners as unknown[]).length, 2);
      assert.equal(typeof out.created, 'number');
      assert.equal(out.write, true);
      assert.deepEqual(out.read, [{ id: out.created, name: 'python via proxy', email_from: 'py@example.com' }]);
      const [code, text] = out.denied as [number, string];
      assert.equal(code, 4);
      assert.match(text, /^odoo-keys: key 'clients' may not call crm\.lead\.unlink/);
      assert.equal((out.bad_key as [number, string])[0], 3);
      assert.equal((out.since_2000 as unknown[]).length, 2, 'a datetime in a domain reaches Odoo as a datetime');
      assert.equal(out.since_2999, 0);
      assert.equal(typeof out.context_uid, 'number', "the uid the proxy handed out, sent back in the context, is allowed");
      assert.match(out.other_uid as string, /context key 'uid' is not allowed/);
      assert.equal(out.context_empty, out.context_uid, "a '' context is no context");
    });

    test('odoo-xmlrpc-ts (XML-RPC)', async () => {
      const client = new OdooClient({ url: h.url, db: h.db, username: 'anything', password: token });
      const rows = await client.searchRead<{ id: number; name: string }>('res.partner', [['is_company', '=', true]], { fields: ['name'], limit: 2, order: 'id' });
      assert.equal(rows.length, 2);
      const id = await client.create('crm.lead', { name: 'ts via proxy' });
      assert.equal(await client.write('crm.lead', [id], { priority: '2' }), true);
      await assert.rejects(client.searchRead('res.users', [], { fields: ['login'] }), /odoo-keys: key 'clients' may not call res\.users\.search_read/);
      // A JavaScript Date goes as <dateTime.iso8601>.
      const since = await client.searchRead<{ id: number }>('res.partner', [['write_date', '>=', new Date('2000-01-01T00:00:00Z')]], { fields: ['name'], limit: 2, order: 'id' });
      assert.equal(since.length, 2);
    });

    test('odoo-await (XML-RPC)', async () => {
      const odoo = new OdooAwait({ baseUrl: h.url, db: h.db, username: 'anything', password: token });
      assert.equal(await odoo.connect(), h.uid);
      const id = await odoo.create('crm.lead', { name: 'await via proxy', email_from: 'aw@example.com' });
      const [lead] = await odoo.read<{ name: string; email_from: string }>('crm.lead', id, ['name', 'email_from']);
      assert.equal(lead!.name, 'await via proxy');
      assert.equal(await odoo.update('crm.lead', id, { description: 'x' }), true);
      await assert.rejects(odoo.delete('crm.lead', id), /odoo-keys/);
      // Options without a context: node-xmlrpc writes the missing one as <value/>, which Odoo reads as ''.
      const rows = await odoo.searchRead<{ id: number; name: string }>('res.partner', [['is_company', '=', true]], ['name'], { offset: 0, limit: 2, order: 'id' });
      assert.equal(rows.length, 2);
      const wrong = new OdooAwait({ baseUrl: h.url, db: h.db, username: 'anything', password: 'odk_00000000_' + '0'.repeat(43) });
      await assert.rejects(wrong.connect());
    });

    test('@fernandoslim/odoo-jsonrpc (JSON-RPC)', async () => {
      const url = new URL(h.url);
      const odoo = new OdooJSONRpc({ baseUrl: `${url.protocol}//${url.hostname}`, port: Number(url.port), db: h.db, username: 'anything', apiKey: token });
      assert.deepEqual(await odoo.connect(), { uid: h.uid });
      const rows = await odoo.searchRead<{ id: number; name: string }>('res.partner', [['is_company', '=', true]], ['name'], { limit: 2, order: 'id' });
      assert.equal(rows.length, 2);
      const id: number = await odoo.create('crm.lead', { name: 'jsonrpc via proxy' });
      assert.equal(await odoo.update('crm.lead', id, { priority: '3' }), true);
      await assert.rejects(odoo.delete('crm.lead', id), /odoo-keys: key 'clients' may not call crm\.lead\.unlink/);
    });

    test("n8n's Odoo node requests (common.login, then object.execute with positional arguments and fields [])", async () => {
      // The bodies n8n-nodes-base's Odoo GenericFunctions build, byte for byte in shape.
      const rpc = async (service: string, method: string, args: unknown[]): Promise<{ result?: unknown; error?: { data: { message: string } } }> =>
        parseJson((await post(`${h.url}/jsonrpc`, stringifyJson({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id: Math.floor(Math.random() * 100) }, { style: 'compact' }), { 'User-Agent': 'n8n', Connection: 'keep-alive', Accept: '*/*', 'Content-Type': 'application/json' })).text) as never;
      const login = await rpc('common', 'login', [h.db, 'integration@example.com', token]);
      assert.equal(login.result, h.uid);
      const uid = login.result as number;
      const created = await rpc('object', 'execute', [h.db, uid, token, 'crm.lead', 'create', { name: 'from n8n', email_from: 'n8n@example.com' }]);
      assert.equal(typeof created.result, 'number', JSON.stringify(created));
      const got = await rpc('object', 'execute', [h.db, uid, token, 'crm.lead', 'read', [created.result], []]);
      const row = (got.result as Array<Record<string, unknown>>)[0]!;
      assert.deepEqual(Object.keys(row).sort(), ['description', 'email_from', 'expected_revenue', 'id', 'name', 'priority'], 'fields [] is narrowed to the rule fields');
      const all = await rpc('object', 'execute', [h.db, uid, token, 'res.partner', 'search_read', [['is_company', '=', true]], [], 0, 0]);
      assert.ok((all.result as unknown[]).length > 0, JSON.stringify(all).slice(0, 300));
      const updated = await rpc('object', 'execute', [h.db, uid, token, 'crm.lead', 'write', [created.result], { description: 'enriched' }]);
      assert.equal(updated.result, true);
      const deleted = await rpc('object', 'execute', [h.db, uid, token, 'crm.lead', 'unlink', [created.result]]);
      assert.match(deleted.error!.data.message, /^odoo-keys: key 'clients' may not call crm\.lead\.unlink/);
      const fields = await rpc('object', 'execute', [h.db, uid, token, 'crm.lead', 'fields_get', [], ['string', 'type', 'help', 'required', 'name']]);
      assert.ok(fields.result && typeof fields.result === 'object', JSON.stringify(fields).slice(0, 300));
    });
  });
}

describe('an XML-RPC client carried to a JSON-2-only Odoo (--upstream-protocol json2)', () => {
  let h: Harness;
  let token: string;
  before(async () => {
    h = await startHarness({ version: 19, proxy: { upstreamProtocol: 'json2' } });
    ({ token } = await h.addKey({ name: 'old-script', rules: RULES }));
  });
  after(() => h?.close());

  test("Python's xmlrpc.client works unchanged, and Odoo sees only JSON-2 object calls", async () => {
    h.standin.clearReceived();
    const r = await runPython('python3', PYTHON, { ODOO_URL: h.url, ODOO_DB: h.db, ODOO_USER: 'anything', ODOO_PASSWORD: token });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out.uid, h.uid);
    assert.equal((out.partners as unknown[]).length, 2);
    assert.deepEqual(out.read, [{ id: out.created, name: 'python via proxy', email_from: 'py@example.com' }]);
    assert.equal((out.denied as [number, string])[0], 4);
    const objectCalls = h.standin.received.filter((c) => c.service === 'object' || c.protocol === 'json2');
    assert.ok(objectCalls.length >= 4);
    assert.ok(objectCalls.every((c) => c.protocol === 'json2'), JSON.stringify(objectCalls.map((c) => [c.protocol, c.method])));
  });

  test('a JSON-2 error comes back as the fault an XML-RPC client expects', async () => {
    const { encodeMethodCall, decodeMethodResponse } = await import('../../src/rpc/xmlrpc.js');
    const r = decodeMethodResponse((await post(`${h.url}/xmlrpc/2/object`, encodeMethodCall('execute_kw', [h.db, 1, token, 'crm.lead', 'write', [[99999999], { name: 'ghost' }]]))).text);
    assert.equal(r.kind, 'fault');
    if (r.kind === 'fault') assert.ok([2, 4].includes(r.faultCode as number), JSON.stringify(r));
  });
});
