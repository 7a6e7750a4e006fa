// Real Odoo clients run small scenarios against the stand-in: Python's xmlrpc.client (what most
// integration scripts use), and the npm clients odoo-xmlrpc-ts, odoo-await (XML-RPC) and
// @fernandoslim/odoo-jsonrpc (JSON-RPC). Keys reach the Python child through its environment,
// never its command line.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OdooClient } from 'odoo-xmlrpc-ts';
import OdooAwait from 'odoo-await';
import jsonrpcModule from '@fernandoslim/odoo-jsonrpc';
import { startStandin, type Standin } from './server.js';
import { PYTHON_XMLRPC_PRELUDE, pythonCommand, runPython } from '../support/python.js';

const OdooJSONRpc = jsonrpcModule.default;

const PYTHON_SCENARIO = PYTHON_XMLRPC_PRELUDE + String.raw`
out['wrong_key_uid'] = common.authenticate(db, login, 'not-the-key', {})
out['companies'] = models.execute_kw(db, uid, key, 'res.partner', 'search_read', [[['is_company', '=', True]]], {'fields': ['name', 'country_id'], 'limit': 3, 'order': 'id'})
lead = models.execute_kw(db, uid, key, 'crm.lead', 'create', [{'name': 'python lead', 'expected_revenue': 1500.0, 'tag_ids': [(6, 0, [1, 2])]}])
out['created'] = lead
out['write'] = models.execute_kw(db, uid, key, 'crm.lead', 'write', [[lead], {'stage_id': 2, 'description': None}])
out['read'] = models.execute_kw(db, uid, key, 'crm.lead', 'read', [[lead]], {'fields': ['name', 'stage_id', 'expected_revenue', 'tag_ids', 'description']})
try:
    models.execute_kw(db, uid, key, 'res.partner', 'no_such_method', [[]])
except xmlrpc.client.Fault as f:
    out['unknown_method'] = [f.faultCode, f.faultString.strip().split('\n')[-1]]
try:
    models.execute_kw(db, uid, 'not-the-key', 'res.partner', 'search', [[]])
except xmlrpc.client.Fault as f:
    out['wrong_key'] = [f.faultCode, f.faultString]
try:
    models.execute_kw(db, uid, key, 'res.partner', 'write', [[99999999], {'name': 'ghost'}])
except xmlrpc.client.Fault as f:
    out['missing'] = [f.faultCode, f.faultString]
print(json.dumps(out))
`;

for (const version of [18, 19] as const) {
  describe(`real clients against the Odoo ${version}.0 stand-in`, () => {
    let standin: Standin;
    before(async () => {
      standin = await startStandin({ version });
    });
    after(async () => {
      await standin.close();
    });

    const py = pythonCommand();
    test("Python's xmlrpc.client: authenticate, search_read, create, write, read, faults", { skip: py ? false : 'no python3 on this machine' }, async () => {
      // Asynchronously: the stand-in answers from this very process.
      const r = await runPython(py!, PYTHON_SCENARIO, { ODOO_URL: standin.url, ODOO_DB: standin.db, ODOO_USER: 'admin', ODOO_PASSWORD: standin.users.admin.apiKey! });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.version, `${version}.0`);
      assert.equal(out.uid, 2);
      assert.equal(out.wrong_key_uid, false);
      assert.deepEqual(out.companies[0], { id: 1, name: 'YourCompany', country_id: [233, 'United States'] });
      assert.equal(out.companies.length, 3);
      assert.equal(typeof out.created, 'number');
      assert.equal(out.write, true);
      assert.deepEqual(out.read, [{ id: out.created, name: 'python lead', stage_id: [2, 'Qualified'], expected_revenue: 1500.0, tag_ids: [1, 2], description: false }]);
      assert.equal(out.unknown_method[0], 1);
      assert.equal(out.unknown_method[1], version >= 19 ? "AttributeError: The method 'res.partner.no_such_method' does not exist" : "AttributeError: The method 'no_such_method' does not exist on the model 'res.partner'");
      assert.deepEqual(out.wrong_key, [3, 'Access Denied']);
      assert.deepEqual(out.missing, [2, 'Record does not exist or has been deleted.\n(Record: res.partner(99999999,), User: 2)']);
      const created = standin.orm.get('crm.lead', out.created);
      assert.equal(created?.create_uid, 2);
    });

    test('odoo-xmlrpc-ts: authenticate, searchRead, create, write, read, unlink, an error', async () => {
      const client = new OdooClient({ url: standin.url, db: standin.db, username: 'integration', password: standin.users.integration.apiKey! });
      assert.equal(await client.authenticate(), standin.users.integration.uid);
      const partners = await client.searchRead<{ id: number; name: string }>('res.partner', [['name', 'ilike', 'azure']], { fields: ['name'], order: 'id' });
      assert.deepEqual(partners, [{ id: 15, name: 'Azure Interior' }]);
      const id = await client.create('crm.lead', { name: 'from odoo-xmlrpc-ts', email_from: 'ts@example.com' });
      assert.equal(typeof id, 'number');
      assert.equal(await client.write('crm.lead', [id], { expected_revenue: 42.5 }), true);
      const [lead] = await client.read<{ id: number; name: string; expected_revenue: number; user_id: [number, string] }>('crm.lead', [id], ['name', 'expected_revenue', 'user_id']);
      assert.equal(lead!.name, 'from odoo-xmlrpc-ts');
      assert.equal(lead!.expected_revenue, 42.5);
      assert.deepEqual(lead!.user_id, [standin.users.integration.uid, 'Integration']);
      assert.equal(await client.searchCount('crm.lead', [['id', '=', id]]), 1);
      assert.equal(await client.unlink('crm.lead', [id]), true);
      assert.equal(await client.searchCount('crm.lead', [['id', '=', id]]), 0);
      // A Sales user may not read system parameters: the fault reaches the caller.
      await assert.rejects(client.searchRead('ir.config_parameter', [], { fields: ['key'] }), /not allowed to access 'System Parameter'/);
    });

    test('odoo-await: connect, create with x2many actions, read, update, searchRead, delete', async () => {
      const odoo = new OdooAwait({ baseUrl: standin.url, db: standin.db, username: 'admin', password: standin.users.admin.apiKey! });
      assert.equal(await odoo.connect(), 2);
      const id = await odoo.create('crm.lead', { name: 'from odoo-await', tag_ids: { action: 'add', id: [1, 3] } });
      assert.equal(typeof id, 'number');
      let [lead] = await odoo.read<{ tag_ids: number[]; name: string }>('crm.lead', id, ['name', 'tag_ids']);
      assert.deepEqual(lead!.tag_ids, [1, 3]);
      assert.equal(await odoo.update('crm.lead', id, { tag_ids: { action: 'remove', id: 1 } }), true);
      [lead] = await odoo.read<{ tag_ids: number[]; name: string }>('crm.lead', id, ['tag_ids']);
      assert.deepEqual(lead!.tag_ids, [3]);
      const rows = await odoo.searchRead<{ id: number; name: string }>('crm.lead', { name: 'from odoo-await' }, ['name']);
      assert.deepEqual(rows, [{ id, name: 'from odoo-await' }]);
      assert.equal(await odoo.delete('crm.lead', id), true);
      assert.deepEqual(await odoo.searchRead('crm.lead', [['id', '=', id]], ['name']), []);
      const wrong = new OdooAwait({ baseUrl: standin.url, db: standin.db, username: 'admin', password: 'not-the-key' });
      await assert.rejects(wrong.connect());
    });

    test('@fernandoslim/odoo-jsonrpc: API-key connect, searchRead, create, update, action, errors', async () => {
      const url = new URL(standin.url);
      const odoo = new OdooJSONRpc({ baseUrl: `${url.protocol}//${url.hostname}`, port: Number(url.port), db: standin.db, username: 'admin', apiKey: standin.users.admin.apiKey! });
      const auth = await odoo.connect();
      assert.deepEqual(auth, { uid: 2 });
      const rows = await odoo.searchRead<{ id: number; name: string }>('res.partner', [['is_company', '=', true]], ['name'], { limit: 2, order: 'id' });
      assert.deepEqual(rows.map((r) => r.id), [1, version >= 19 ? 8 : 9]);
      const id: number = await odoo.create('crm.lead', { name: 'from odoo-jsonrpc', type: 'opportunity' });
      assert.equal(await odoo.update('crm.lead', id, { priority: '3' }), true);
      assert.equal(await odoo.action('crm.lead', 'action_set_won', [id]), true);
      const [lead] = await odoo.read<{ stage_id: [number, string]; probability: number; priority: string }>('crm.lead', [id], ['stage_id', 'probability', 'priority']);
      assert.deepEqual(lead!.stage_id, [4, 'Won']);
      assert.equal(lead!.probability, 100);
      assert.equal(lead!.priority, '3');
      await assert.rejects(odoo.call_kw('res.partner', '_search', [[]]), version >= 19 ? /Private methods \(such as 'res.partner._search'\)/ : /Private methods \(such as _search\)/);
      await assert.rejects(odoo.call_kw('no.such.model', 'search', [[]]), /Object no.such.model doesn't exist/);
    });
  });
}
