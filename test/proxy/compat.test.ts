// Unchanged client code through the proxy, under the scope a careful admin gives: a nightly cron in
// Python's xmlrpc.client that reads a partner's tags, adds one and writes the list back with
// (6, 0, ids), as most sync scripts do, on partners that carry tags the key cannot reach. Only the
// links such a write adds or removes must lie inside the tag rule's domain; links it keeps are not
// touched by Odoo (Many2many.write_real inserts and deletes the difference) and are not refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { json2, jsonrpc, RpcCallError } from '../standin/client.js';
import { startHarness } from '../support/proxy-harness.js';
import { PYTHON_XMLRPC_PRELUDE, pythonCommand, runPython } from '../support/python.js';

const PYTHON_CRON = PYTHON_XMLRPC_PRELUDE + String.raw`
ids = json.loads(os.environ['IDS'])
p, web_only, vip, web1, web2 = ids['p'], ids['web_only'], ids['vip'], ids['web1'], ids['web2']
def attempt(name, fn):
    try:
        out[name] = ['allowed', fn()]
    except xmlrpc.client.Fault as f:
        out[name] = ['refused', f.faultString]
def read_tags(rid):
    return models.execute_kw(db, uid, key, 'res.partner', 'read', [[rid]], {'fields': ['category_id']})[0]['category_id']
def add_tag(rid, tag):
    current = read_tags(rid)
    return models.execute_kw(db, uid, key, 'res.partner', 'write', [[rid], {'category_id': [(6, 0, current + [tag])]}])
attempt('search_read', lambda: [r['name'] for r in models.execute_kw(db, uid, key, 'res.partner', 'search_read', [[['id', '=', p]]], {'fields': ['name', 'category_id']})])
attempt('read, add a Web tag, write the list back', lambda: add_tag(p, web2))
out['tags after'] = sorted(read_tags(p))
attempt('write back a bare list dropping Web 2', lambda: models.execute_kw(db, uid, key, 'res.partner', 'write', [[p], {'category_id': [vip, web1]}]))
attempt('drop VIP with (6, 0, ids)', lambda: models.execute_kw(db, uid, key, 'res.partner', 'write', [[p], {'category_id': [(6, 0, [web1])]}]))
attempt('add VIP where it is not', lambda: models.execute_kw(db, uid, key, 'res.partner', 'write', [[web_only], {'category_id': [(6, 0, [vip, web1])]}]))
attempt('keep VIP on one record, add it to another', lambda: models.execute_kw(db, uid, key, 'res.partner', 'write', [[p, web_only], {'category_id': [(6, 0, [vip, web1])]}]))
attempt('create with (6, 0, ids)', lambda: models.execute_kw(db, uid, key, 'res.partner', 'create', [{'name': 'New', 'category_id': [(6, 0, [web1])]}]))
attempt('create linking VIP', lambda: models.execute_kw(db, uid, key, 'res.partner', 'create', [{'name': 'New VIP', 'category_id': [(6, 0, [vip])]}]))
print(json.dumps(out))
`;

test('a cron that reads tags, adds one and writes the list back with (6, 0, ids) works on records with tags outside the key\'s; dropping or adding those is refused (Python xmlrpc.client, JSON-RPC, JSON-2)', async (t) => {
  const python = pythonCommand();
  if (!python) return t.skip('no python');
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const orm = h.standin.orm;
  const cat = (name: string) => orm.create('res.partner.category', { name }, { sudo: true }) as number;
  const vip = cat('VIP');
  const web1 = cat('Web Shop');
  const web2 = cat('Web Lead');
  const p = orm.create('res.partner', { name: 'Tagged', category_id: [[6, 0, [vip, web1]]] }, { sudo: true }) as number;
  const webOnly = orm.create('res.partner', { name: 'Web only', category_id: [[6, 0, [web1]]] }, { sudo: true }) as number;
  const tags = (id: number): number[] => [...((orm.get('res.partner', id)!.category_id as number[]) ?? [])].sort((a, b) => a - b);
  const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);
  const { token } = await h.addKey({
    name: 'tag-sync',
    rules: [
      { model: 'res.partner', methods: ['read', 'write', 'create'], fields: ['name', 'category_id'] },
      { model: 'res.partner.category', methods: ['read'], domain: [['name', '=like', 'Web%']] },
    ],
  });
  const r = await runPython(python, PYTHON_CRON, { ODOO_URL: h.url, ODOO_DB: h.db, ODOO_USER: 'anything', ODOO_PASSWORD: token, IDS: JSON.stringify({ p, web_only: webOnly, vip, web1, web2 }) });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(out['search_read'], ['allowed', ['Tagged']]);
  assert.deepEqual(out['read, add a Web tag, write the list back'], ['allowed', true], 'VIP is written back unchanged: allowed');
  assert.deepEqual(out['tags after'], sorted([vip, web1, web2]));
  assert.deepEqual(out['write back a bare list dropping Web 2'], ['allowed', true], 'removing a Web tag, keeping VIP');
  const removes = /removes links to res\.partner\.category records outside the domain of rule 1 \(res\.partner\.category: read\)/;
  const adds = /links res\.partner\.category records outside the domain of rule 1 \(res\.partner\.category: read\)/;
  const refused = (name: string, reason: RegExp): void => {
    const got = out[name] as [string, string];
    assert.equal(got[0], 'refused', `${name}: ${JSON.stringify(got)}`);
    assert.match(got[1], reason, name);
  };
  refused('drop VIP with (6, 0, ids)', removes);
  refused('add VIP where it is not', adds);
  refused('keep VIP on one record, add it to another', adds);
  refused('create linking VIP', adds);
  assert.equal((out['create with (6, 0, ids)'] as unknown[])[0], 'allowed');
  assert.deepEqual(tags(p), sorted([vip, web1]), 'the refused writes left VIP on the partner');
  assert.deepEqual(tags(webOnly), [web1], 'and gave it to no other');

  // The same over JSON-RPC and JSON-2 (the proxy reads the links in the call's protocol).
  assert.equal(await jsonrpc(h.url, 'object', 'execute_kw', [h.db, h.uid, token, 'res.partner', 'write', [[p], { category_id: [[6, 0, [vip, web1, web2]]] }]]), true);
  assert.deepEqual(tags(p), sorted([vip, web1, web2]));
  assert.equal(await json2(h.url, token, 'res.partner', 'write', { ids: [p], vals: { category_id: [vip, web2] } }, h.db), true);
  assert.deepEqual(tags(p), sorted([vip, web2]));
  for (const [what, call, reason] of [
    ['jsonrpc drop VIP', () => jsonrpc(h.url, 'object', 'execute_kw', [h.db, h.uid, token, 'res.partner', 'write', [[p], { category_id: [[6, 0, [web2]]] }]]), removes],
    ['json2 add VIP', () => json2(h.url, token, 'res.partner', 'write', { ids: [webOnly], vals: { category_id: [[6, 0, [vip, web1]]] } }, h.db), adds],
  ] as [string, () => Promise<unknown>, RegExp][]) {
    const err = await call().then((v) => assert.fail(`${what} was allowed: ${JSON.stringify(v)}`), (e: unknown) => e);
    assert.ok(err instanceof RpcCallError, `${what}: ${String(err)}`);
    assert.match(err.message, reason, what);
  }
  assert.deepEqual(tags(p), sorted([vip, web2]));
  assert.deepEqual(tags(webOnly), [web1]);
});
