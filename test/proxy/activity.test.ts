// An activity is created the usual way, by res_model_id (an ir.model id) and res_id, not by res_model:
// the proxy reads which model the ir.model id names (ir.model read of `model`, in the call's
// protocol, cached) and checks res_id against the key's rules on that model, as it does for
// res_model. Through Python's xmlrpc.client against the stand-in (mail.activity as Odoo 17-19
// declare it), then JSON-RPC and JSON-2: an activity on the key's own leads goes through; one on a
// lead outside the rule's domain, on a partner outside the partner rule's domain, on a user (a
// sensitive model) or on an ir.model id that does not exist is refused, and nothing is created.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executeKw, json2, jsonrpc, RpcCallError } from '../standin/client.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';
import { PYTHON_XMLRPC_PRELUDE, pythonCommand, runPython } from '../support/python.js';
import { rewritingUpstream } from '../support/rewriting-upstream.js';
import { cacheKey } from '../../src/proxy/core.js';

// Each attempt's outcome by name: ['allowed', result] or ['refused', the fault's text] (see outcomes()).
const PYTHON_ATTEMPTS = PYTHON_XMLRPC_PRELUDE + String.raw`
ids = json.loads(os.environ['IDS'])
def attempt(name, fn):
    try:
        out[name] = ['allowed', fn()]
    except xmlrpc.client.Fault as f:
        out[name] = ['refused', f.faultString]
`;

const PYTHON_ACTIVITIES = PYTHON_ATTEMPTS + String.raw`
def schedule(model_id, res_id, summary, **kw):
    vals = {'res_model_id': model_id, 'res_id': res_id, 'summary': summary, 'note': '<p>Call them back</p>', 'date_deadline': '2026-12-01'}
    return models.execute_kw(db, uid, key, 'mail.activity', 'create', [vals], kw)
attempt('my lead', lambda: schedule(ids['lead_model'], ids['mine'], 'Follow up'))
attempt('my lead again', lambda: schedule(ids['lead_model'], ids['mine'], 'Second follow up'))
attempt('a lead outside the domain', lambda: schedule(ids['lead_model'], ids['other'], 'Peek'))
attempt('a partner outside the domain', lambda: schedule(ids['partner_model'], ids['stranger'], 'Peek'))
attempt('a customer', lambda: schedule(ids['partner_model'], ids['customer'], 'Call'))
attempt('a user', lambda: schedule(ids['users_model'], 2, 'Peek'))
attempt('an ir.model id that does not exist', lambda: schedule(99999, ids['mine'], 'Peek'))
attempt('default_res_model_id', lambda: models.execute_kw(db, uid, key, 'mail.activity', 'create', [{'res_id': ids['other'], 'summary': 'Peek', 'date_deadline': '2026-12-01'}], {'context': {'default_res_model_id': ids['lead_model']}}))
attempt('re-point with res_model_id alone', lambda: models.execute_kw(db, uid, key, 'mail.activity', 'write', [[out['my lead'][1]], {'res_model_id': ids['partner_model']}]))
print(json.dumps(out))
`;

/** Two leads (one inside the key's lead rule), partners, and the ir.model ids of the models used. */
function activityWorld(h: Harness) {
  const orm = h.standin.orm;
  const mine = orm.create('crm.lead', { name: 'Mine', type: 'opportunity' }, { sudo: true }) as number;
  const other = orm.create('crm.lead', { name: 'Not mine', type: 'lead' }, { sudo: true }) as number;
  const customer = orm.create('res.partner', { name: 'Customer', customer_rank: 1 }, { sudo: true }) as number;
  const stranger = orm.create('res.partner', { name: 'Stranger', customer_rank: 0 }, { sudo: true }) as number;
  const modelId = (m: string): number => orm.raw.irModelIds.get(m)!;
  const ids = { lead_model: modelId('crm.lead'), partner_model: modelId('res.partner'), users_model: modelId('res.users'), mine, other, customer, stranger };
  assert.ok(ids.lead_model && ids.partner_model && ids.users_model, 'the stand-in has ir.model records');
  return { orm, ids };
}

/** The Python script's outcomes by name: allowed (its result) or refused (matching a reason). */
function outcomes(stdout: string) {
  const out = JSON.parse(stdout) as Record<string, [string, unknown]>;
  const allowed = (name: string): unknown => {
    assert.equal(out[name]?.[0], 'allowed', `${name}: ${JSON.stringify(out[name])}`);
    return out[name]![1];
  };
  const refused = (name: string, reason: RegExp): void => {
    assert.equal(out[name]?.[0], 'refused', `${name}: ${JSON.stringify(out[name])}`);
    assert.match(String(out[name]![1]), reason, name);
  };
  return { allowed, refused };
}

test('an activity created by res_model_id is checked against the rules on the model that ir.model id names (Python xmlrpc.client, JSON-RPC, JSON-2)', async (t) => {
  const python = pythonCommand();
  if (!python) return t.skip('no python');
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const { orm, ids } = activityWorld(h);
  const { mine, other, customer, stranger } = ids;
  const { token } = await h.addKey({
    name: 'activities',
    rules: [
      { model: 'mail.activity', methods: ['create', 'write'], fields: ['summary', 'note', 'res_model_id', 'res_id', 'date_deadline', 'activity_type_id', 'user_id'] },
      { model: 'crm.lead', methods: ['read'], domain: [['type', '=', 'opportunity']] },
      { model: 'res.partner', methods: ['read'], domain: [['customer_rank', '>', 0]] },
    ],
  });
  const activitiesOn = (model: string, id: number): number => orm.search('mail.activity', [['res_model', '=', model], ['res_id', '=', id]], { sudo: true }).length;
  const irModelReads = (): number => h.standin.received.filter((r) => r.model === 'ir.model' && (r.method === 'read' || r.method === 'search_read')).length;

  const r = await runPython(python, PYTHON_ACTIVITIES, { ODOO_URL: h.url, ODOO_DB: h.db, ODOO_USER: 'anything', ODOO_PASSWORD: token, IDS: JSON.stringify(ids) });
  assert.equal(r.status, 0, r.stderr);
  const { allowed, refused } = outcomes(r.stdout);
  // An ordinary activity on the key's own lead goes through, as clients create it.
  const created = allowed('my lead');
  assert.equal(typeof created, 'number');
  assert.equal(typeof allowed('my lead again'), 'number');
  assert.equal(typeof allowed('a customer'), 'number');
  // The model behind the ir.model id, and the rule on it, are not told to a key that may not read ir.model (review6).
  refused('a lead outside the domain', /^(?!.*crm\.lead).*vals\['res_id'\] \(of the model in 'res_model'\) links a record of the model ir\.model \d+ names outside the domains of the key's rules on it/);
  refused('a partner outside the domain', /^(?!.*res\.partner).*links a record of the model ir\.model \d+ names outside the domains of the key's rules on it/);
  // The model an ir.model id names is ir.model's, which this key may not read: not told (the journal's detail has it).
  refused('a user', /^(?!.*res\.users).*links a record of the model ir\.model \d+ names, a sensitive model no rule names with allow_sensitive/);
  refused('an ir.model id that does not exist', /vals\['res_model_id'\]: ir\.model 99999 does not exist or cannot be read/);
  refused('default_res_model_id', /^(?!.*crm\.lead).*links a record of the model ir\.model \d+ names outside the domains of the key's rules on it/);
  refused('re-point with res_model_id alone', /vals\['res_model_id'\] changes the model of the record mail\.activity\.res_id links without 'res_id'/);
  assert.equal(activitiesOn('crm.lead', other), 0, 'an activity was put on a lead outside the domain');
  assert.equal(activitiesOn('res.partner', stranger), 0, 'an activity was put on a partner outside the domain');
  assert.equal(activitiesOn('res.users', 2), 0, 'an activity was put on a user');
  assert.equal(activitiesOn('crm.lead', mine), 2);
  const [row] = orm.read('mail.activity', created as number, ['res_model', 'res_id', 'summary'], { sudo: true });
  assert.deepEqual([row!.res_model, row!.res_id, row!.summary], ['crm.lead', mine, 'Follow up'], 'the activity was not created as sent, or was re-pointed');

  // An ir.model id's model never changes: read once, then cached.
  const reads = irModelReads();
  assert.ok(reads >= 1, 'the proxy read ir.model');
  await executeKw(h.url, h.db, h.uid, token, 'mail.activity', 'create', [{ res_model_id: ids.lead_model, res_id: mine, summary: 'Cached', date_deadline: '2026-12-01' }]);
  assert.equal(irModelReads(), reads, 'the ir.model id was read again');

  // The same over JSON-RPC and JSON-2 (the proxy reads ir.model in the call's protocol).
  const outside = { res_model_id: ids.lead_model, res_id: other, summary: 'Peek', date_deadline: '2026-12-01' };
  const links = /^(?!.*crm\.lead).*links a record of the model ir\.model \d+ names outside the domains of the key's rules on it/;
  for (const [name, call] of [
    ['jsonrpc', () => jsonrpc(h.url, 'object', 'execute_kw', [h.db, h.uid, token, 'mail.activity', 'create', [outside]])],
    ['json2', () => json2(h.url, token, 'mail.activity', 'create', { vals_list: [outside] }, h.db)],
  ] as const) {
    const err = await call().then((v) => assert.fail(`${name} was allowed: ${JSON.stringify(v)}`), (e: unknown) => e);
    assert.ok(err instanceof RpcCallError, `${name}: ${String(err)}`);
    assert.match(err.message, links, name);
  }
  const viaJson2 = (await json2(h.url, token, 'mail.activity', 'create', { vals_list: [{ res_model_id: ids.partner_model, res_id: customer, summary: 'JSON-2', date_deadline: '2026-12-01' }] }, h.db)) as number[];
  assert.equal(viaJson2.length, 1);
  assert.equal(activitiesOn('crm.lead', other), 0);
});

// Under a rule scoping activities the natural way, by a domain that pins res_model, the usual create
// (res_model_id and res_id) is judged on the model the ir.model id names: Odoo computes res_model
// from res_model_id. An activity on the key's lead goes through; one whose res_model_id names a
// partner or a user, an ir.model id that does not exist, or res_model_id False is refused, and a
// written res_model_id is judged the same way.
const PYTHON_PINNED = PYTHON_ATTEMPTS + String.raw`
def create(vals, **kw):
    return models.execute_kw(db, uid, key, 'mail.activity', 'create', [dict({'summary': 'Call back', 'date_deadline': '2026-12-01'}, **vals)], kw)
def write(ids_, vals):
    return models.execute_kw(db, uid, key, 'mail.activity', 'write', [ids_, vals])
attempt('my lead', lambda: create({'res_model_id': ids['lead_model'], 'res_id': ids['mine']}))
attempt('a partner', lambda: create({'res_model_id': ids['partner_model'], 'res_id': ids['customer']}))
attempt('a user', lambda: create({'res_model_id': ids['users_model'], 'res_id': 2}))
attempt('an ir.model id that does not exist', lambda: create({'res_model_id': 99999, 'res_id': ids['mine']}))
attempt('res_model_id False', lambda: create({'res_model_id': False, 'res_id': ids['mine']}))
attempt('a lead outside the lead rule', lambda: create({'res_model_id': ids['lead_model'], 'res_id': ids['other']}))
attempt('default_res_model_id of leads', lambda: create({'res_id': ids['mine']}, context={'default_res_model_id': ids['lead_model']}))
attempt('default_res_model_id of partners', lambda: create({'res_id': ids['customer']}, context={'default_res_model_id': ids['partner_model']}))
if out['my lead'][0] == 'allowed':
    attempt('write res_model_id of leads', lambda: write([out['my lead'][1]], {'res_model_id': ids['lead_model'], 'summary': 'Rescheduled'}))
    attempt('write res_model_id of partners', lambda: write([out['my lead'][1]], {'res_model_id': ids['partner_model']}))
    attempt('write res_model_id False', lambda: write([out['my lead'][1]], {'res_model_id': False}))
print(json.dumps(out))
`;

test('under a rule whose domain pins res_model, an activity created by res_model_id is judged on the model that ir.model id names (Python xmlrpc.client)', async (t) => {
  const python = pythonCommand();
  if (!python) return t.skip('no python');
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const { orm, ids } = activityWorld(h);
  const { mine } = ids;
  const { token } = await h.addKey({
    name: 'pinned-activities',
    rules: [
      { model: 'mail.activity', methods: ['create', 'read', 'write'], domain: [['res_model', '=', 'crm.lead']] },
      { model: 'crm.lead', methods: ['read'], domain: [['type', '=', 'opportunity']] },
    ],
  });
  const r = await runPython(python, PYTHON_PINNED, { ODOO_URL: h.url, ODOO_DB: h.db, ODOO_USER: 'anything', ODOO_PASSWORD: token, IDS: JSON.stringify(ids) });
  assert.equal(r.status, 0, r.stderr);
  const { allowed, refused } = outcomes(r.stdout);
  const created = allowed('my lead');
  assert.equal(typeof created, 'number');
  assert.equal(typeof allowed('default_res_model_id of leads'), 'number');
  assert.equal(allowed('write res_model_id of leads'), true);
  // Told without the model the ir.model id names (ir.model's, which this key may not read).
  const pins = (m: string) => new RegExp(`^(?!.*${m.replace('.', '\\.')}).*ir\\.model ${ids[m === 'res.partner' ? 'partner_model' : 'users_model']} does not name crm\\.lead, and the domain of rule 0 \\(mail\\.activity: [^)]*\\) pins 'res_model' to crm\\.lead`);
  refused('a partner', pins('res.partner'));
  refused('a user', pins('res.users'));
  refused('an ir.model id that does not exist', /vals\['res_model_id'\]: ir\.model 99999 does not exist or cannot be read/);
  refused('res_model_id False', /the created record would lie outside the domain \[\["res_model","=","crm\.lead"\]\] of rule 0/);
  refused('a lead outside the lead rule', /^(?!.*crm\.lead).*links a record of the model ir\.model \d+ names outside the domains of the key's rules on it/);
  refused('default_res_model_id of partners', pins('res.partner'));
  refused('write res_model_id of partners', pins('res.partner'));
  refused('write res_model_id False', /the written values would move the records out of the domain \[\["res_model","=","crm\.lead"\]\] of rule 0/);
  // Nothing but the two activities on the key's lead was created, and the written one stayed there.
  const all = orm.search('mail.activity', [], { sudo: true });
  const rows = orm.read('mail.activity', all, ['res_model', 'res_id', 'summary'], { sudo: true });
  assert.deepEqual(rows.map((x) => [x.res_model, x.res_id]).sort(), [['crm.lead', mine], ['crm.lead', mine]]);
  assert.ok(rows.some((x) => x.id === created && x.summary === 'Rescheduled'), 'the allowed write did not reach Odoo');
});

// Odoo refuses a batch as a whole (an AccessError when a record rule hides one ir.model row): the
// proxy must not then ask again id by id, or one call naming thousands of ids costs Odoo thousands.
test('ir.model ids cost Odoo one ir.model call whatever it answers: 200 ids in one create, Odoo refusing the look-up, one call and a refusal', async (t) => {
  const asked: string[] = [];
  let refuse = true;
  const h = await startHarness({
    version: 19,
    upstream: rewritingUpstream((url) => {
      if (!url.startsWith('/json/2/ir.model/')) return undefined;
      asked.push(url);
      if (!refuse) return undefined;
      return () => ({ status: 403, text: JSON.stringify({ name: 'odoo.exceptions.AccessError', message: 'no access', arguments: ['no access'], context: {}, debug: '' }) });
    }),
  });
  t.after(() => h.close());
  const orm = h.standin.orm;
  const mine = orm.create('crm.lead', { name: 'Mine', type: 'opportunity' }, { sudo: true }) as number;
  const { token } = await h.addKey({
    name: 'activities-refused-lookup',
    rules: [
      { model: 'mail.activity', methods: ['create'], fields: ['summary', 'res_model_id', 'res_id', 'date_deadline'] },
      { model: 'crm.lead', methods: ['read'], domain: [['type', '=', 'opportunity']] },
    ],
  });
  const leadModel = orm.raw.irModelIds.get('crm.lead')!;
  const vals = [leadModel, ...Array.from({ length: 199 }, (_, i) => 900_000 + i)].map((id) => ({ res_model_id: id, res_id: mine, summary: 'x', date_deadline: '2026-12-01' }));
  const err = await json2(h.url, token, 'mail.activity', 'create', { vals_list: vals }, h.db).then(
    (v) => assert.fail(`allowed: ${JSON.stringify(v)}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof RpcCallError, String(err));
  assert.match(err.message, /ir\.model \d+ does not exist or cannot be read/);
  assert.equal(asked.length, 1, `the proxy asked Odoo about ir.model ${asked.length} times`);
  assert.equal(orm.search('mail.activity', [['res_id', '=', mine]], { sudo: true }).length, 0, 'an activity was created');

  // A refused look-up is not remembered: once Odoo answers again, so does the proxy.
  refuse = false;
  const made = await json2(h.url, token, 'mail.activity', 'create', { vals_list: [vals[0]] }, h.db);
  assert.equal((made as number[]).length, 1, 'the activity on my lead was refused after Odoo answered again');
  assert.equal(asked.length, 2);
});

test("what Odoo told is cached per address, database and integration user: fields_get answers each user differently, and another database numbers its ir.model records differently", () => {
  const base = { url: new URL('https://odoo.example.com/'), db: 'prod', uid: 7 };
  const key = cacheKey(base, 'res.partner');
  assert.notEqual(cacheKey({ ...base, uid: 8 }, 'res.partner'), key, 'two integration users share a schema');
  assert.notEqual(cacheKey({ ...base, db: 'staging' }, 'res.partner'), key, 'two databases share a schema');
  assert.notEqual(cacheKey({ ...base, url: new URL('https://other.example.com/') }, 'res.partner'), key, 'two servers share a schema');
  assert.equal(cacheKey({ ...base }, 'res.partner'), key);
});
