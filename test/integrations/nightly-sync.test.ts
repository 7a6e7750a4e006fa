// The nightly stats sync of examples/nightly-sync: the unchanged Python script (xmlrpc.client)
// through the proxy with the example's key, inside and outside its hours, on Odoo 18 and 19.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, exampleScope, lastJson, run, startWorld, type World } from './support.js';

const SCRIPT = join(EXAMPLES, 'nightly-sync', 'sync_stats.py');

for (const version of [18, 19] as const) {
  describe(`nightly sync with python3 xmlrpc.client (Odoo ${version})`, () => {
    let w: World;
    let token: string;
    const env = (): Record<string, string> => ({ ODOO_URL: w.url, ODOO_DB: w.db, ODOO_USER: 'nightly-sync', ODOO_API_KEY: token, STATS_DAY: '2026-11-30' });
    before(async () => {
      w = await startWorld({ version, studioStats: true });
      ({ token } = await w.addKey('nightly-sync', exampleScope('nightly-sync')));
    });
    after(() => w?.close());

    test('at 01:30 Amsterdam time it counts customers and creates, then updates, the day’s record', async () => {
      w.clock.at = new Date('2026-11-30T00:30:00Z'); // 01:30 in Amsterdam (CET)
      const customers = w.standin.orm.search('res.partner', [['customer_rank', '>', 0]]).length;
      assert.ok(customers > 0);
      const first = await run('python3', [SCRIPT, '--json'], env());
      assert.equal(first.status, 0, first.stderr);
      const out = lastJson(first);
      assert.equal(out.customers, customers);
      assert.equal(out.action, 'created');
      const withEmail = w.standin.orm.searchRead('res.partner', [['customer_rank', '>', 0]], ['email']).filter((r) => r.email).length;
      assert.deepEqual(w.standin.orm.read('x_saas_stats', out.record as number, ['x_name', 'x_customers', 'x_with_email']), [
        { id: out.record, x_name: '2026-11-30', x_customers: customers, x_with_email: withEmail },
      ]);
      const again = lastJson(await run('python3', [SCRIPT, '--json'], env()));
      assert.equal(again.action, 'updated');
      assert.equal(again.record, out.record);
      assert.equal(w.standin.orm.search('x_saas_stats', []).length, 1);
      // Odoo saw every call made as the real integration user, and the journal names the key.
      const journal = (await w.journal()).filter((e) => e.model);
      assert.ok(journal.length >= 6);
      assert.ok(journal.every((e) => e.name === 'nightly-sync' && e.decision === 'allow'), JSON.stringify(journal.filter((e) => e.decision !== 'allow')));
    });

    test('at 10:00 the same script is refused with an ordinary XML-RPC fault, and Odoo never hears of it', async () => {
      w.clock.at = new Date('2026-11-30T10:00:00Z');
      w.standin.clearReceived();
      const r = await run('python3', [SCRIPT], env());
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /^Odoo refused: odoo-keys: key 'nightly-sync' may not .*outside hours Mon-Sun 01:00-03:00 Europe\/Amsterdam/m);
      assert.equal(w.standin.received.filter((c) => c.model).length, 0, 'no object call reached Odoo');
    });

    test('the key reads nothing beyond its scope: other fields, non-customers and other models are refused', async () => {
      w.clock.at = new Date('2026-11-30T01:00:00Z');
      const probe = String.raw`
import os, xmlrpc.client, json
url, db, key = os.environ['ODOO_URL'], os.environ['ODOO_DB'], os.environ['ODOO_API_KEY']
m = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object', allow_none=True)
out = {}
def attempt(name, *args, **kw):
    try:
        out[name] = ['ok', m.execute_kw(db, 2, key, *args, kw)]
    except xmlrpc.client.Fault as f:
        out[name] = ['fault', f.faultString]
attempt('phone', 'res.partner', 'search_read', [[]], fields=['name', 'phone'])
attempt('all', 'res.partner', 'search_read', [[]], fields=['name'])
attempt('leads', 'crm.lead', 'search_count', [[]])
attempt('unlink', 'x_saas_stats', 'unlink', [[1]])
print(json.dumps(out))
`;
      const out = lastJson<Record<string, [string, unknown]>>(await run('python3', ['-c', probe], env()));
      assert.equal(out.phone![0], 'fault');
      assert.match(String(out.phone![1]), /field 'phone'/);
      // a search with no condition gets the rule's domain: customers only
      assert.equal(out.all![0], 'ok');
      const names = (out.all![1] as { name: string }[]).length;
      assert.equal(names, w.standin.orm.search('res.partner', [['customer_rank', '>', 0]]).length);
      assert.match(String(out.leads![1]), /may not call crm\.lead\.search_count/);
      assert.match(String(out.unlink![1]), /may not call x_saas_stats\.unlink/);
    });
  });
}
