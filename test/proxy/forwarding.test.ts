import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMethodCall, decodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { stringifyJson, parseJson } from '../../src/rpc/json.js';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';

for (const version of [18, 19] as const) {
  describe(`proxy in front of Odoo ${version}`, () => {
    let h: Harness;
    let token: string;
    let realKey: string;
    before(async () => {
      h = await startHarness({ version });
      realKey = h.standin.users.integration.apiKey!;
      ({ token } = await h.addKey({
        name: 'reader',
        rules: [
          { model: 'res.partner', methods: ['read'], fields: ['name', 'email', 'is_company', 'country_id'] },
          { model: 'crm.lead', methods: ['read', 'create', 'write'], fields: ['name', 'email_from', 'description', 'stage_id'] },
        ],
      }));
    });
    after(() => h?.close());

    const xml = (key: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}, model = 'res.partner'): string =>
      encodeMethodCall('execute_kw', [h.db, h.uid, key, model, method, args, kwargs]);

    test('an allowed XML-RPC call answers byte for byte what Odoo answers directly', async () => {
      const kwargs = { fields: ['name', 'email', 'is_company'], limit: 5, order: 'id' };
      const direct = await post(`${h.standin.url}/xmlrpc/2/object`, xml(realKey, 'search_read', [[['is_company', '=', true]]], kwargs), { 'Content-Type': 'text/xml' });
      const viaProxy = await post(`${h.url}/xmlrpc/2/object`, xml(token, 'search_read', [[['is_company', '=', true]]], kwargs), { 'Content-Type': 'text/xml' });
      assert.equal(viaProxy.status, 200);
      assert.equal(viaProxy.text, direct.text);
      assert.equal(viaProxy.headers.get('content-type'), direct.headers.get('content-type'));
      const r = decodeMethodResponse(viaProxy.text);
      assert.equal(r.kind, 'params');
    });

    test('many2one names of records the key may not read are hidden; a rule on the comodel shows them', async () => {
      const kwargs = { fields: ['name', 'country_id'], limit: 3, order: 'id' };
      const viaProxy = decodeMethodResponse((await post(`${h.url}/xmlrpc/2/object`, xml(token, 'search_read', [[['is_company', '=', true]]], kwargs))).text);
      assert.equal(viaProxy.kind, 'params');
      const rows = (viaProxy.kind === 'params' ? viaProxy.value : []) as Array<{ country_id: unknown }>;
      assert.ok(rows.length > 0);
      for (const r of rows) assert.deepEqual(r.country_id, [233, 'odoo-keys: hidden']);
      const { token: withCountries } = await h.addKey({
        name: 'reader-with-countries',
        rules: [
          { model: 'res.partner', methods: ['read'], fields: ['name', 'is_company', 'country_id'] },
          { model: 'res.country', methods: ['read'], fields: ['name', 'display_name'] },
        ],
      });
      const shown = await post(`${h.url}/xmlrpc/2/object`, xml(withCountries, 'search_read', [[['is_company', '=', true]]], kwargs));
      const direct = await post(`${h.standin.url}/xmlrpc/2/object`, xml(realKey, 'search_read', [[['is_company', '=', true]]], kwargs));
      assert.equal(shown.text, direct.text);
    });

    test('an allowed JSON-RPC call answers what Odoo answers directly', async () => {
      const envelope = (key: string): string =>
        stringifyJson({ jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args: [h.db, h.uid, key, 'res.partner', 'search_read', [[['is_company', '=', true]]], { fields: ['name', 'email'], limit: 3, order: 'id' }] }, id: 42 }, { style: 'compact' });
      const direct = await post(`${h.standin.url}/jsonrpc`, envelope(realKey), { 'Content-Type': 'application/json' });
      const viaProxy = await post(`${h.url}/jsonrpc`, envelope(token), { 'Content-Type': 'application/json' });
      assert.equal(viaProxy.text, direct.text);
      assert.equal((parseJson(viaProxy.text) as { id: number }).id, 42);
    });

    test('authenticate answers the real upstream uid for a valid key and False otherwise', async () => {
      const auth = (key: string, db = h.db): string => encodeMethodCall('authenticate', [db, 'whoever', key, {}]);
      const ok = decodeMethodResponse((await post(`${h.url}/xmlrpc/2/common`, auth(token))).text);
      assert.deepEqual(ok, { kind: 'params', value: h.uid });
      const wrong = decodeMethodResponse((await post(`${h.url}/xmlrpc/2/common`, auth(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')))).text);
      assert.deepEqual(wrong, { kind: 'params', value: false });
      const upstreamKey = decodeMethodResponse((await post(`${h.url}/xmlrpc/2/common`, auth(realKey))).text);
      assert.deepEqual(upstreamKey, { kind: 'params', value: false }, 'the real upstream key is not a proxy key');
      const wrongDb = decodeMethodResponse((await post(`${h.url}/xmlrpc/2/common`, auth(token, 'no_such_db'))).text);
      assert.equal(wrongDb.kind, 'fault');
    });

    test('a denied call never reaches Odoo and says which key and why, in the protocol’s own shape', async () => {
      h.standin.clearReceived();
      const unlink = await post(`${h.url}/xmlrpc/2/object`, xml(token, 'unlink', [[1]], {}, 'crm.lead'));
      const fault = decodeMethodResponse(unlink.text);
      assert.equal(fault.kind, 'fault');
      if (fault.kind === 'fault') {
        assert.equal(fault.faultCode, 4);
        assert.match(String(fault.faultString), /^odoo-keys: key 'reader' may not call crm\.lead\.unlink: /);
      }
      const legacy = decodeMethodResponse((await post(`${h.url}/xmlrpc/object`, xml(token, 'unlink', [[1]], {}, 'crm.lead'))).text);
      assert.ok(legacy.kind === 'fault' && String(legacy.faultCode).startsWith('warning -- AccessError\n\nodoo-keys: key \'reader\''));
      const jsonrpc = await post(`${h.url}/jsonrpc`, stringifyJson({ jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args: [h.db, h.uid, token, 'res.users', 'search_read', [[]], {}] }, id: 7 }));
      const err = parseJson(jsonrpc.text) as { id: number; error: { code: number; data: { name: string; message: string } } };
      assert.equal(err.id, 7);
      assert.equal(err.error.code, version >= 19 ? 0 : 200);
      assert.equal(err.error.data.name, 'odoo.exceptions.AccessError');
      assert.match(err.error.data.message, /^odoo-keys: key 'reader' may not call res\.users\.search_read/);
      assert.equal(h.standin.received.filter((c) => c.service === 'object' && c.method !== 'fields_get').length, 0, 'nothing but schema look-ups reached Odoo');
    });

    test('unknown, malformed and revoked keys are refused by the proxy itself', async () => {
      h.standin.clearReceived();
      for (const bad of ['odk_00000000_' + 'A'.repeat(43), 'not-a-key', '']) {
        const r = decodeMethodResponse((await post(`${h.url}/xmlrpc/2/object`, xml(bad, 'search', [[]]))).text);
        assert.ok(r.kind === 'fault' && r.faultCode === 3, bad);
        if (r.kind === 'fault') assert.match(String(r.faultString), /^odoo-keys: /);
      }
      const { token: dead, id } = await h.addKey({ name: 'soon-dead', rules: [{ model: 'res.partner', methods: ['read'] }] });
      await h.editKey(id, (k) => {
        k.revoked = new Date(Date.now() - 1000).toISOString();
      });
      await h.proxy.reload();
      const r = decodeMethodResponse((await post(`${h.url}/xmlrpc/2/object`, xml(dead, 'search', [[]]))).text);
      assert.ok(r.kind === 'fault' && r.faultCode === 3);
      if (r.kind === 'fault') assert.match(String(r.faultString), /key 'soon-dead' \(\w{8}\) was revoked/);
      assert.equal(h.standin.received.length, 0, 'no bad key reached Odoo');
    });

    test('the db service, other services and session routes are refused', async () => {
      const db = decodeMethodResponse((await post(`${h.url}/xmlrpc/2/db`, encodeMethodCall('list', []))).text);
      assert.ok(db.kind === 'fault' && /odoo-keys: the 'db' service is not available/.test(String(db.faultString)));
      const jdb = parseJson((await post(`${h.url}/jsonrpc`, stringifyJson({ jsonrpc: '2.0', method: 'call', params: { service: 'db', method: 'list', args: [] }, id: 1 }))).text) as { error: { data: { message: string } } };
      assert.match(jdb.error.data.message, /'db' service is not available/);
      const web = await post(`${h.url}/web/dataset/call_kw`, '{}', { 'Content-Type': 'application/json' });
      assert.equal(web.status, 403);
      assert.match(web.text, /session routes/);
      const get = await fetch(`${h.url}/xmlrpc/2/object`);
      assert.equal(get.status, 405);
      assert.equal(get.headers.get('allow'), 'POST, OPTIONS');
    });

    test('every call is journaled under its key, with no secret in the journal', async () => {
      const entries = await h.journal();
      assert.ok(entries.length >= 5);
      const allowed = entries.filter((e) => e.decision === 'allow' && e.model === 'res.partner' && e.name === 'reader');
      assert.ok(allowed.length >= 3);
      assert.ok(allowed.every((e) => e.key && e.outcome === 'ok' && ['xmlrpc', 'jsonrpc'].includes(e.proto)));
      const denied = entries.filter((e) => e.decision === 'deny' && e.name === 'reader');
      assert.ok(denied.some((e) => e.model === 'crm.lead' && e.method === 'unlink' && e.outcome === 'denied' && /unlink/.test(e.reason ?? '')));
      const hidden = entries.find((e) => e.name === 'reader' && (e.notes ?? []).some((n) => /names hidden in country_id/.test(n)));
      assert.ok(hidden, 'the journal says which names were hidden');
      const text = JSON.stringify(entries);
      assert.ok(!text.includes(token.split('_')[2]!), 'the scoped secret is not journaled');
      assert.ok(!text.includes(realKey), 'the upstream key is not journaled');
    });
  });
}

describe('JSON-2 through the proxy (Odoo 19)', () => {
  let h: Harness;
  let token: string;
  before(async () => {
    h = await startHarness({ version: 19 });
    ({ token } = await h.addKey({ name: 'assistant', rules: [{ model: 'crm.lead', methods: ['read', 'create', 'write'], fields: ['name', 'email_from', 'description', 'stage_id'] }] }));
  });
  after(() => h?.close());

  const json2 = (key: string | null, model: string, method: string, body: unknown, url = h.url): Promise<{ status: number; headers: Headers; text: string }> =>
    post(`${url}/json/2/${model}/${method}`, stringifyJson(body, { style: 'compact' }), {
      'Content-Type': 'application/json; charset=utf-8',
      ...(key ? { Authorization: `bearer ${key}` } : {}),
      'X-Odoo-Database': h.db,
    });

  test('create, read and write work and answer like Odoo', async () => {
    const created = await json2(token, 'crm.lead', 'create', { vals_list: [{ name: 'via proxy', email_from: 'a@example.com' }] });
    assert.equal(created.status, 200);
    const ids = parseJson(created.text) as number[];
    assert.equal(ids.length, 1);
    const direct = await json2(h.standin.users.integration.apiKey, 'crm.lead', 'read', { ids, fields: ['name', 'email_from'] }, h.standin.url);
    const proxied = await json2(token, 'crm.lead', 'read', { ids, fields: ['name', 'email_from'] });
    assert.equal(proxied.text, direct.text);
    const written = await json2(token, 'crm.lead', 'write', { ids, vals: { description: 'hello' } });
    assert.equal(written.text, 'true');
    const entries = await h.journal();
    const c = entries.find((e) => e.method === 'create' && e.proto === 'json2');
    assert.deepEqual(c?.result_ids, ids);
    assert.deepEqual(c?.fields, ['email_from', 'name']);
  });

  test('a missing or unknown bearer key is a 401 with WWW-Authenticate, like Odoo', async () => {
    for (const key of [null, 'odk_12345678_' + 'x'.repeat(43)]) {
      const r = await json2(key, 'crm.lead', 'search_count', { domain: [] });
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer ');
      assert.match((parseJson(r.text) as { message: string }).message, /^odoo-keys: /);
    }
  });

  test('a denied call is a 403 AccessError', async () => {
    const r = await json2(token, 'crm.lead', 'unlink', { ids: [1] });
    assert.equal(r.status, 403);
    const body = parseJson(r.text) as { name: string; message: string };
    assert.equal(body.name, 'odoo.exceptions.AccessError');
    assert.match(body.message, /key 'assistant' may not call crm\.lead\.unlink/);
  });
});
