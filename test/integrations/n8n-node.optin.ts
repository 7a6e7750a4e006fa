// Opt-in (`npm run test:n8n`, scripts/test-n8n.sh): n8n's own Odoo node code, from n8n-nodes-base
// installed into a temporary folder ($N8N_MODULES), through the proxy. Not a *.test.ts file, so
// the default run never loads it (it would need a download); run without N8N_MODULES it fails.
//
// - examples/n8n-enrichment/n8n_node.cjs, the example's runnable script, with the example key;
// - the contact operations create, get, update and get-many under a learning key, the scope
//   `scope suggest` proposes for them (printed), `--apply`, the same run passing under it and a
//   delete refused; on Odoo 19 with the API-key credential (JSON-2) and on Odoo 18 with the
//   password credential (/jsonrpc).

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { EXAMPLES, exampleScope, lastJson, run, startWorld, type World } from './support.js';
import { runCli, json } from '../support/cli.js';

const modules = process.env.N8N_MODULES;
if (!modules) throw new Error('N8N_MODULES is not set: run `npm run test:n8n`, which installs n8n-nodes-base and n8n-workflow into a temporary folder');
const require = createRequire(import.meta.url);
const n8n = require(join(EXAMPLES, 'n8n-enrichment', 'n8n_node.cjs')) as {
  credentialsFromEnv(env: Record<string, string>): unknown;
  runContact(operation: string, params: Record<string, unknown>, creds: unknown): Promise<Record<string, any>[]>;
  errorText(e: unknown): string;
};
const nodesBase = createRequire(join(modules, 'noop.js'))('n8n-nodes-base/package.json') as { version: string };

test(`n8n-nodes-base ${nodesBase.version} is the one installed`, () => {
  assert.equal(nodesBase.version, process.env.N8N_NODES_BASE_VERSION ?? '2.40.2');
});

for (const [version, credential] of [[19, 'odooApiKeyApi'], [18, 'odooApi']] as const) {
  describe(`n8n's Odoo node (${credential}, Odoo ${version})`, () => {
    let w: World;
    before(async () => {
      w = await startWorld({ version });
    });
    after(() => w?.close());
    const creds = (token: string): unknown => n8n.credentialsFromEnv({ ODOO_URL: w.url, ODOO_DB: w.db, ODOO_USER: 'n8n@example.com', ODOO_API_KEY: token, N8N_CREDENTIAL: credential });

    test('the enrichment example: Get Many companies, Update phone and VAT; an e-mail update is refused', async () => {
      const { token } = await w.addKey('n8n-enrichment', exampleScope('n8n-enrichment'));
      const r = await run(process.execPath, [join(EXAMPLES, 'n8n-enrichment', 'n8n_node.cjs'), '--json'], { ODOO_URL: w.url, ODOO_DB: w.db, ODOO_API_KEY: token, N8N_CREDENTIAL: credential, N8N_MODULES: modules });
      assert.equal(r.status, 0, r.stderr);
      const out = lastJson(r);
      assert.equal(out.read, w.standin.orm.search('res.partner', [['is_company', '=', true]]).length);
      assert.ok(out.updated.length >= 2, JSON.stringify(out));
      for (const u of out.updated) assert.deepEqual(w.standin.orm.read('res.partner', u.id, ['phone', 'vat']), [{ id: u.id, phone: u.phone, vat: u.vat }]);
      await assert.rejects(
        n8n.runContact('update', { contactId: { __rl: true, mode: 'id', value: String(out.updated[0].id) }, fieldsToSend: { mappingMode: 'defineBelow', value: { email: 'x@example.com' } } }, creds(token)),
        (e: unknown) => /may not call res\.partner\.write: .*field 'email'/.test(n8n.errorText(e)),
      );
    });

    test('learn -> create, get, update contacts -> scope suggest -> --apply -> the same run passes; a delete is refused', async (t) => {
      const cli = { home: w.home, state: w.stateDir };
      const learned = await runCli(cli, ['learn', 'n8n-contacts', '--ttl', '30m', '--json']);
      assert.equal(learned.code, 0, learned.stderr);
      const token = json(learned).token as string;
      await w.proxy.reload();
      const workflow = async (tag: string): Promise<number> => {
        const many = await n8n.runContact('getAll', { returnAll: false, limit: 5, filters: {}, options: { fieldsList: ['name', 'email'] } }, creds(token));
        assert.ok(many.length > 0);
        const [created] = await n8n.runContact('create', { fieldsToSend: { mappingMode: 'defineBelow', value: { name: `n8n ${tag}`, email: `${tag}@example.com` } } }, creds(token));
        const id = created!.id as number;
        const [got] = await n8n.runContact('get', { contactId: { __rl: true, mode: 'id', value: String(id) }, options: {} }, creds(token));
        assert.equal(got!.name, `n8n ${tag}`);
        await n8n.runContact('update', { contactId: { __rl: true, mode: 'id', value: String(id) }, fieldsToSend: { mappingMode: 'defineBelow', value: { phone: '+31 20 555 0123' } } }, creds(token));
        assert.equal(w.standin.orm.read('res.partner', id, ['phone'])[0]!.phone, '+31 20 555 0123');
        return id;
      };
      await workflow('learning');
      const suggested = await runCli(cli, ['scope', 'suggest', 'n8n-contacts']);
      assert.equal(suggested.code, 0, suggested.stderr);
      t.diagnostic(`the scope n8n's Odoo node needs for create, get, update and get-many on contacts (${credential}, Odoo ${version}):`);
      for (const line of suggested.stdout.trimEnd().split('\n')) t.diagnostic(`  ${line}`);
      assert.match(suggested.stdout, /model: res\.partner, methods: \[ read \] \}/, 'get sends fields: [] (every field)');
      assert.match(suggested.stdout, /model: res\.partner, methods: \[ create \], fields: \[ email, name \] \}/);
      assert.match(suggested.stdout, /model: res\.partner, methods: \[ write \], fields: \[ phone \] \}/);
      const applied = await runCli(cli, ['scope', 'suggest', 'n8n-contacts', '--apply']);
      assert.equal(applied.code, 0, applied.stderr);
      await w.proxy.reload();
      const id = await workflow('applied');
      await assert.rejects(n8n.runContact('delete', { contactId: { __rl: true, mode: 'id', value: String(id) } }, creds(token)), (e: unknown) => /may not call res\.partner\.unlink/.test(n8n.errorText(e)));
      const after = (await w.journal()).filter((e) => e.name === 'n8n-contacts');
      assert.ok(after.some((e) => e.learning) && after.some((e) => !e.learning && e.decision === 'allow' && e.rule !== undefined && e.rule >= 0));
    });
  });
}
