// load with external ids (an export re-imported, a script naming records by 'module.name') under a
// key whose rules limit the linked model to a domain: through the proxy, against the stand-in
// (which answers ir.model.data and load as Odoo does). The proxy looks the external ids up in one
// ir.model.data search_read per call, whatever the number of rows, and judges them as the records
// they name: allowed inside the domain, refused outside it, for another model, or when none has them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executeKw, json2, RpcCallError } from '../standin/client.js';
import { startHarness } from '../support/proxy-harness.js';
import { PYTHON_XMLRPC_PRELUDE, pythonCommand, runPython } from '../support/python.js';
import type { RpcValue } from '../../src/rpc/values.js';

test('load by external ids: judged as the records ir.model.data names (one look-up per call); Python xmlrpc.client imports through the proxy', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const orm = h.standin.orm;
  const tag = (name: string): number => orm.create('res.partner.category', { name }) as number;
  const xid = (module: string, name: string, model: string, resId: number): void => void orm.create('ir.model.data', { module, name, model, res_id: resId });
  const vip = tag('VIP xid');
  const shop = tag('Web Shop xid');
  const lead = tag('Web Lead xid');
  xid('__export__', 'res_partner_category_vip', 'res.partner.category', vip);
  xid('__export__', 'res_partner_category_shop', 'res.partner.category', shop);
  xid('__import__', 'web_lead', 'res.partner.category', lead);
  const acme = orm.create('res.partner', { name: 'Acme xid', category_id: [[6, 0, [vip, shop]]] }) as number;
  xid('__export__', 'res_partner_acme', 'res.partner', acme);
  const { token } = await h.addKey({
    name: 'tag-keeper',
    rules: [
      { model: 'res.partner', methods: ['read', 'create', 'write', 'load'], fields: ['name', 'category_id'] },
      { model: 'res.partner.category', methods: ['read'], domain: [['name', '=like', 'Web%']] },
    ],
  });
  const load = (fields: string[], data: RpcValue[][]): Promise<RpcValue> => executeKw(h.url, h.db, h.uid, token, 'res.partner', 'load', [fields, data]);
  const lookUps = (): number => h.standin.received.filter((r) => r.model === 'ir.model.data').length;
  const loads = (): number => h.standin.received.filter((r) => r.method === 'load').length;
  const refused = async (what: string, call: () => Promise<unknown>, reason: RegExp): Promise<void> => {
    const before = loads();
    const err = await call().then((v) => assert.fail(`${what} was allowed: ${JSON.stringify(v)}`), (e: unknown) => e);
    assert.ok(err instanceof RpcCallError, `${what}: ${String(err)}`);
    assert.match(err.message, reason, what);
    assert.equal(loads(), before, `${what}: the load reached Odoo`);
  };
  const tagsOf = (id: number): number[] => (orm.read('res.partner', id, ['category_id'])[0]!.category_id as number[]).slice().sort((a, b) => a - b);

  // The export re-imported: Acme keeps VIP (a tag the key cannot reach) exactly as exported and gets
  // Web Lead (named without a module: __import__.web_lead); a new row creates a partner with its id.
  const fields = ['id', 'name', 'category_id/id'];
  let before = lookUps();
  const res = (await load(fields, [
    ['__export__.res_partner_acme', 'Acme renamed', '__export__.res_partner_category_vip,__export__.res_partner_category_shop,web_lead'],
    ['__import__.newco', 'NewCo xid', '__export__.res_partner_category_shop'],
  ])) as { ids: number[] | false; messages: unknown[] };
  assert.deepEqual(res.messages, []);
  assert.ok(Array.isArray(res.ids) && res.ids.length === 2 && res.ids[0] === acme, JSON.stringify(res));
  assert.equal(lookUps() - before, 1, 'one ir.model.data look-up for the call');
  assert.equal(orm.read('res.partner', acme, ['name'])[0]!.name, 'Acme renamed');
  assert.deepEqual(tagsOf(acme), [vip, shop, lead].sort((a, b) => a - b));
  const newco = (res.ids as number[])[1]!;
  assert.deepEqual(tagsOf(newco), [shop]);
  assert.equal(orm.search('ir.model.data', [['module', '=', '__import__'], ['name', '=', 'newco'], ['res_id', '=', newco]]).length, 1, 'the new external id was written');

  // Refused before anything reaches Odoo's load: VIP dropped from Acme (a link outside the domain
  // removed), VIP given to a new partner, a tag of another model (a crm.tag), an external id no record has.
  await refused('VIP dropped', () => load(fields, [['__export__.res_partner_acme', 'Acme', '__export__.res_partner_category_shop']]), /removes links to res\.partner\.category records outside the domain/);
  await refused('VIP given', () => load(fields, [['__import__.other', 'Other', '__export__.res_partner_category_vip']]), /links res\.partner\.category records outside the domain/);
  // The same text for both: what an external id names is ir.model.data's, which this key may not read.
  await refused('a crm.tag', () => load(fields, [['__import__.other', 'Other', 'sales_team.categ_oppor1']]), /^(?!.*crm\.tag).*the external id 'sales_team\.categ_oppor1' names no res\.partner\.category record \(Odoo fails the row/);
  await refused('no such tag', () => load(fields, [['__import__.other', 'Other', '__export__.res_partner_category_none']]), /the external id '__export__\.res_partner_category_none' names no res\.partner\.category record \(Odoo fails the row/);
  assert.deepEqual(tagsOf(acme), [vip, shop, lead].sort((a, b) => a - b), 'Acme\'s tags changed');
  // A partner's external id pointed at another record since the last call: judged by where it points now (not cached).
  orm.write('ir.model.data', orm.search('ir.model.data', [['name', '=', 'res_partner_category_shop']]), { res_id: vip });
  await refused('repointed', () => load(fields, [['__import__.other2', 'Other', '__export__.res_partner_category_shop']]), /links res\.partner\.category records outside the domain/);
  orm.write('ir.model.data', orm.search('ir.model.data', [['name', '=', 'res_partner_category_shop']]), { res_id: shop });

  // Many rows, many external ids: still one look-up (JSON-2 too).
  const rows: RpcValue[][] = Array.from({ length: 60 }, (_, i) => [`__import__.bulk_${i}`, `Bulk ${i}`, i % 2 ? 'web_lead' : '__export__.res_partner_category_shop']);
  before = lookUps();
  const bulk = (await json2(h.url, token, 'res.partner', 'load', { fields, data: rows }, h.db)) as { ids: number[] };
  assert.equal(bulk.ids.length, 60);
  assert.equal(lookUps() - before, 1, 'one look-up for 60 rows');

  // Python's xmlrpc.client, unchanged import code: the same kind of file.
  const python = pythonCommand();
  if (!python) return t.skip('no python');
  const script = PYTHON_XMLRPC_PRELUDE + String.raw`
res = models.execute_kw(db, uid, key, 'res.partner', 'load', [['id', 'name', 'category_id/id'], [['__export__.res_partner_acme', 'Acme from Python', '__export__.res_partner_category_vip,web_lead'], ['py_partner', 'Py Partner', 'web_lead']]])
out['load'] = res
try:
    models.execute_kw(db, uid, key, 'res.partner', 'load', [['id', 'name', 'category_id/id'], [['py_other', 'X', '__export__.res_partner_category_vip']]])
except xmlrpc.client.Fault as f:
    out['denied'] = f.faultString
print(json.dumps(out))
`;
  before = lookUps();
  const r = await runPython(python, script, { ODOO_URL: h.url, ODOO_DB: h.db, ODOO_USER: 'anything', ODOO_PASSWORD: token });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { load: { ids: number[]; messages: unknown[] }; denied: string };
  assert.deepEqual(out.load.messages, []);
  assert.equal(out.load.ids[0], acme);
  assert.equal(orm.read('res.partner', acme, ['name'])[0]!.name, 'Acme from Python');
  assert.deepEqual(tagsOf(acme), [vip, lead].sort((a, b) => a - b), 'Acme\'s tags: VIP kept, Web Shop dropped, Web Lead');
  assert.match(out.denied, /links res\.partner\.category records outside the domain/);
  assert.equal(lookUps() - before, 2, 'one look-up per load call');
});
