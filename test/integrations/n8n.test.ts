// The n8n enrichment of examples/n8n-enrichment, in the default test run: the requests n8n's Odoo
// node makes, built here exactly as n8n-nodes-base 2.40.2 builds them
// (dist/nodes/Odoo/v2/transport/index.js: JSON-2 with a bearer key for the "Odoo API (API Key)"
// credential, /jsonrpc common.login then object.execute with positional arguments for the "Odoo
// API" credential), through the proxy with the example key. The node's own code runs in the opt-in
// `npm run test:n8n` (scripts/test-n8n.sh), which installs n8n-nodes-base.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { exampleScope, startWorld, type World } from './support.js';

type Body = Record<string, unknown>;

/** n8n's transport, reduced to the requests it sends (same URLs, headers, bodies, argument order). */
class N8nOdooTransport {
  constructor(
    private readonly cred: { url: string; db: string; username: string; password: string },
    private readonly mode: 'odooApiKeyApi' | 'odooApi',
  ) {}

  // bodyToRpcArgs, as in the transport
  private static rpcArgs(method: string, body: Body): unknown[] {
    switch (method) {
      case 'create':
        return [(body.vals_list as Body[] | undefined)?.[0] ?? body];
      case 'read':
        return [body.ids, body.fields ?? []];
      case 'search_read':
        return body.limit !== undefined ? [body.domain ?? [], body.fields ?? [], body.offset ?? 0, body.limit] : [body.domain ?? [], body.fields ?? [], body.offset ?? 0];
      case 'write':
        return [body.ids, body.vals ?? {}];
      case 'unlink':
        return [body.ids];
      default:
        return [body];
    }
  }

  private async jsonrpc(params: Body): Promise<unknown> {
    const r = await fetch(`${this.cred.url}/jsonrpc`, {
      method: 'POST',
      headers: { Connection: 'keep-alive', Accept: '*/*', 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: Math.floor(Math.random() * 100), params }),
    });
    const answer = (await r.json()) as { result?: unknown; error?: { data: { message: string } } };
    if (answer.error) throw new Error(answer.error.data.message);
    return answer.result;
  }

  async request(model: string, method: string, body: Body): Promise<any> {
    if (this.mode === 'odooApiKeyApi') {
      const r = await fetch(`${this.cred.url}/json/2/${model}/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Odoo-Database': this.cred.db, Authorization: `bearer ${this.cred.password}` },
        body: JSON.stringify(body),
      });
      const answer = (await r.json()) as { message?: string };
      if (!r.ok) throw new Error(answer.message ?? `HTTP ${r.status}`);
      return answer;
    }
    const uid = await this.jsonrpc({ service: 'common', method: 'login', args: [this.cred.db, this.cred.username, this.cred.password] });
    return this.jsonrpc({ service: 'object', method: 'execute', args: [this.cred.db, uid, this.cred.password, model, method, ...N8nOdooTransport.rpcArgs(method, body)] });
  }
}

for (const [version, mode] of [[19, 'odooApiKeyApi'], [18, 'odooApi']] as const) {
  describe(`n8n's Odoo node requests, ${mode === 'odooApi' ? '/jsonrpc' : 'JSON-2'} (Odoo ${version}), with the n8n-enrichment key`, () => {
    let w: World;
    let n8n: N8nOdooTransport;
    let companies: number[];
    let person: number;
    before(async () => {
      w = await startWorld({ version });
      const { token } = await w.addKey('n8n-enrichment', exampleScope('n8n-enrichment'));
      n8n = new N8nOdooTransport({ url: w.url, db: w.db, username: 'integration@example.com', password: token }, mode);
      companies = w.standin.orm.search('res.partner', [['is_company', '=', true]], { order: 'id' });
      person = w.standin.orm.search('res.partner', [['is_company', '=', false], ['type', '=', 'contact']], { order: 'id' })[0]!;
    });
    after(() => w?.close());

    test('Contact > Get Many with no field list: companies only, the four fields', async () => {
      const rows = (await n8n.request('res.partner', 'search_read', { domain: [], fields: [], offset: 0, limit: 50 })) as Body[];
      assert.equal(rows.length, Math.min(50, companies.length));
      for (const row of rows) {
        assert.deepEqual(Object.keys(row).sort(), ['email', 'id', 'name', 'phone', 'vat']);
        assert.ok(companies.includes(row.id as number), `${row.id} is a company`);
      }
      // Return All (no limit) is cut to max_limit
      const all = (await n8n.request('res.partner', 'search_read', { domain: [], fields: ['name'], offset: 0 })) as Body[];
      assert.equal(all.length, Math.min(200, companies.length));
    });

    test('Contact > Get and Update on a company: phone and VAT filled in', async () => {
      const id = companies[0]!;
      const [row] = (await n8n.request('res.partner', 'read', { ids: [id], fields: [] })) as Body[];
      assert.equal(row!.id, id);
      assert.equal(await n8n.request('res.partner', 'write', { ids: [id], vals: { phone: '+31 20 555 0199', vat: 'NL000099998B57' } }), true);
      assert.deepEqual(w.standin.orm.read('res.partner', id, ['phone', 'vat']), [{ id, phone: '+31 20 555 0199', vat: 'NL000099998B57' }]);
      const entry = (await w.journal()).filter((e) => e.method === 'write' && e.decision === 'allow').at(-1)!;
      assert.equal(entry.name, 'n8n-enrichment');
      assert.deepEqual(entry.fields, ['phone', 'vat']);
      assert.deepEqual(entry.ids, [id]);
    });

    test('what the workflow may not do: people, e-mail addresses, creating and deleting', async () => {
      const seen = w.standin.received.length;
      await assert.rejects(n8n.request('res.partner', 'read', { ids: [person], fields: [] }), /may not call res\.partner\.read/);
      await assert.rejects(n8n.request('res.partner', 'write', { ids: [person], vals: { phone: '0' } }), /may not call res\.partner\.write/);
      await assert.rejects(n8n.request('res.partner', 'write', { ids: [companies[0]], vals: { email: 'x@example.com' } }), /may not call res\.partner\.write: .*field 'email'/);
      await assert.rejects(n8n.request('res.partner', 'create', { vals_list: [{ name: 'New Co', is_company: true }] }), /may not call res\.partner\.create/);
      await assert.rejects(n8n.request('res.partner', 'unlink', { ids: [companies[0]] }), /may not call res\.partner\.unlink/);
      // the id checks ask Odoo (a count) and the refused calls themselves never reach it
      const reached = w.standin.received.slice(seen).filter((c) => c.method === 'write' || c.method === 'create' || c.method === 'unlink' || c.method === 'read');
      assert.deepEqual(reached, []);
    });
  });
}
