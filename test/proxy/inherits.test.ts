// Creating products through the proxy: product.product `_inherits` product.template, so Odoo turns
// a product's name and price into a create of its template, or, when the values name a template
// (product_tmpl_id), into a write on that template. An unchanged Python script (xmlrpc.client) and a
// JSON-2 call create a product under scoped keys, against the stand-in (which creates and writes the
// templates as Odoo does): refused without create on product.template, allowed with it (the template
// really made), and a create naming a template outside the template write rule's domain refused by
// the proxy's id check upstream, before the create reaches Odoo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { json2, RpcCallError } from '../standin/client.js';
import { startHarness } from '../support/proxy-harness.js';
import { PYTHON_XMLRPC_PRELUDE, pythonCommand, runPython } from '../support/python.js';
import { PyFloat } from '../../src/rpc/values.js';

// The script an integration runs, unchanged whatever the key may do: one product from PRODUCT_*
// (with PRODUCT_TMPL_ID when it adds a variant to an existing template); the id, or the fault.
const CREATE_PRODUCT = PYTHON_XMLRPC_PRELUDE + String.raw`
vals = {'name': os.environ['PRODUCT_NAME'], 'default_code': os.environ['PRODUCT_CODE'], 'list_price': float(os.environ['PRODUCT_PRICE'])}
if os.environ.get('PRODUCT_TMPL_ID'):
    vals['product_tmpl_id'] = int(os.environ['PRODUCT_TMPL_ID'])
try:
    out['id'] = models.execute_kw(db, uid, key, 'product.product', 'create', [vals])
except xmlrpc.client.Fault as f:
    out['fault'] = f.faultString
print(json.dumps(out))
`;

test('an unchanged Python script creates products through scoped keys: a create of product.template without the link, a write of the named template with it (id checked upstream); JSON-2 alike', async (t) => {
  const python = pythonCommand();
  if (!python) return t.skip('no python');
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const orm = h.standin.orm;
  // Creating products takes Sales / Administrator in Odoo (sale's ir.model.access.csv); the
  // operator gave the integration user that group.
  orm.raw.userGroups.get(h.uid)!.add('sales_team.group_sale_manager');

  const creates = (): number => h.standin.received.filter((r) => r.model === 'product.product' && r.method === 'create').length;
  const templates = (): number => orm.search('product.template', [], { context: { active_test: false } }).length;
  const run = async (token: string, product: { name: string; code: string; price: number; tmpl?: number }): Promise<{ uid: number; id?: number; fault?: string }> => {
    const r = await runPython(python, CREATE_PRODUCT, {
      ODOO_URL: h.url,
      ODOO_DB: h.db,
      ODOO_USER: 'anything',
      ODOO_PASSWORD: token,
      PRODUCT_NAME: product.name,
      PRODUCT_CODE: product.code,
      PRODUCT_PRICE: String(product.price),
      PRODUCT_TMPL_ID: product.tmpl ? String(product.tmpl) : '',
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { uid: number; id?: number; fault?: string };
  };

  // product.product: create alone. Odoo would create a product.template with the name and the
  // price: refused, naming that create, before anything reaches Odoo.
  const variantOnly = await h.addKey({ name: 'variants-only', rules: [{ model: 'product.product', methods: ['create'] }] });
  let before = { creates: creates(), templates: templates() };
  const refused = await run(variantOnly.token, { name: 'Py Chair', code: 'PY-1', price: 5 });
  assert.equal(refused.uid, h.uid);
  assert.equal(refused.id, undefined, 'the create was allowed');
  assert.match(refused.fault ?? '', /key 'variants-only' may not call product\.product\.create: vals: creating product\.product also creates its product\.template \(product_tmpl_id\) with 'list_price', 'name' needs create on product\.template/, refused.fault);
  assert.equal(creates(), before.creates, 'the create reached Odoo');
  assert.equal(templates(), before.templates);

  // With product.template: create added, the same script creates the product and its template.
  const catalogue = await h.addKey({ name: 'catalogue', rules: [{ model: 'product.product', methods: ['create'] }, { model: 'product.template', methods: ['create'] }] });
  before = { creates: creates(), templates: templates() };
  const made = await run(catalogue.token, { name: 'Py Chair', code: 'PY-1', price: 5 });
  assert.equal(made.fault, undefined, made.fault);
  assert.equal(typeof made.id, 'number');
  assert.equal(creates(), before.creates + 1);
  assert.equal(templates(), before.templates + 1);
  const [variant] = orm.read('product.product', made.id!, ['product_tmpl_id', 'default_code']);
  const tmplId = (variant!.product_tmpl_id as [number, string])[0];
  assert.equal(variant!.default_code, 'PY-1');
  assert.deepEqual(orm.read('product.template', tmplId, ['name', 'list_price', 'product_variant_ids'])[0], { id: tmplId, name: 'Py Chair', list_price: new PyFloat(5), product_variant_ids: [made.id] });

  // A variant of an existing template (product_tmpl_id in the values): Odoo writes the name and the
  // price on that template. The key may write the templates its integration user created only (a
  // domain on a field the values do not set); the proxy counts the named one upstream under that
  // domain: Office Chair's template, from the demo data, is outside it.
  const officeChairTmpl = orm.read('product.product', 1, ['product_tmpl_id'])[0]!.product_tmpl_id as [number, string];
  assert.equal(officeChairTmpl[1], 'Office Chair');
  const variants = await h.addKey({ name: 'variants', rules: [{ model: 'product.product', methods: ['create'] }, { model: 'product.template', methods: ['write'], domain: [['create_uid', '=', h.uid]] }] });
  before = { creates: creates(), templates: templates() };
  const idChecks = (): number => h.standin.received.filter((r) => r.model === 'product.template' && r.method === 'search_count').length;
  const checksBefore = idChecks();
  const outside = await run(variants.token, { name: 'Office Chair, blue', code: 'OC-BLUE', price: 75, tmpl: officeChairTmpl[0] });
  assert.equal(outside.id, undefined, 'the create was allowed');
  assert.match(outside.fault ?? '', /the inherited values write product\.template record 1, which its product_tmpl_id names: write on product\.template records outside rule 1 \(product\.template: write\)'s domain/, outside.fault);
  assert.equal(idChecks() - checksBefore, 1, 'one look-up of the named template upstream');
  assert.equal(h.standin.received.filter((r) => r.model === 'product.template').at(-1)!.method, 'search_count');
  assert.equal(creates(), before.creates, 'the create reached Odoo');
  assert.equal(orm.read('product.template', officeChairTmpl[0], ['name'])[0]!.name, 'Office Chair', 'the template was renamed');
  // Inside the domain the same script adds the variant and renames the template.
  const inside = await run(variants.token, { name: 'Py Chair v2', code: 'PY-2', price: 6, tmpl: tmplId });
  assert.equal(inside.fault, undefined, inside.fault);
  assert.equal(templates(), before.templates, 'a template was created');
  assert.equal((orm.read('product.product', inside.id!, ['product_tmpl_id'])[0]!.product_tmpl_id as [number, string])[0], tmplId);
  assert.deepEqual(orm.read('product.template', tmplId, ['name', 'product_variant_count'])[0], { id: tmplId, name: 'Py Chair v2', product_variant_count: 2 });

  // JSON-2 (no npm client the other tests use speaks it: the raw call, as compat.test.ts makes it).
  before = { creates: creates(), templates: templates() };
  const err = await json2(h.url, variantOnly.token, 'product.product', 'create', { vals_list: [{ name: 'J2 Lamp', default_code: 'J2-1', list_price: 40 }] }, h.db).then(
    (v) => assert.fail(`allowed: ${JSON.stringify(v)}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof RpcCallError, String(err));
  assert.match(err.message, /creating product\.product also creates its product\.template \(product_tmpl_id\) with 'list_price', 'name' needs create on product\.template/);
  assert.equal(creates(), before.creates);
  const ids = (await json2(h.url, catalogue.token, 'product.product', 'create', { vals_list: [{ name: 'J2 Lamp', default_code: 'J2-1', list_price: 40 }] }, h.db)) as number[];
  assert.equal(ids.length, 1);
  assert.equal(templates(), before.templates + 1);
  const j2Tmpl = (orm.read('product.product', ids[0]!, ['product_tmpl_id'])[0]!.product_tmpl_id as [number, string])[0];
  assert.equal(orm.read('product.template', j2Tmpl, ['name'])[0]!.name, 'J2 Lamp');
});
