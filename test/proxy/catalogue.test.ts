// The scope engine's catalogue of ways around a scope (docs/scopes.md), tried through the running
// proxy in every call shape a client can use (XML-RPC execute_kw positional and keyword, execute,
// JSON-RPC, JSON-2), against the Odoo 19 stand-in: each is refused, and nothing but the proxy's
// own look-ups (fields_get, id checks) reaches Odoo.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { OdooCall } from '../../src/rpc/call.js';
import { PyFloat } from '../../src/rpc/values.js';
import { encodeMethodCall, decodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { parseJson, stringifyJson } from '../../src/rpc/json.js';
import type { Rule, Limits } from '../../src/policy/types.js';
import { shapes, type CallSpec } from '../policy/support.js';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';

type Outcome = { refused: true; message: string } | { refused: false; result: unknown };

/** Sends an OdooCall as the client would put it on the wire, with `token` as the credential. */
async function send(h: Harness, token: string, call: OdooCall, viaJsonRpc: boolean): Promise<Outcome> {
  if (call.entry === 'json2') {
    const body: Record<string, unknown> = { ...call.kwargs };
    if (call.ids !== undefined) body.ids = call.ids;
    if (call.context !== undefined) body.context = call.context;
    const r = await post(`${h.url}/json/2/${encodeURIComponent(call.model)}/${encodeURIComponent(call.method)}`, stringifyJson(body, { style: 'compact' }), { Authorization: `bearer ${token}`, 'X-Odoo-Database': h.db, 'Content-Type': 'application/json' });
    if (r.status === 200) return { refused: false, result: parseJson(r.text) };
    return { refused: true, message: (parseJson(r.text) as { message: string }).message };
  }
  const params = call.entry === 'execute' ? [h.db, 1, token, call.model, call.method, ...call.args] : [h.db, 1, token, call.model, call.method, call.args, call.kwargs];
  if (viaJsonRpc) {
    const r = await post(`${h.url}/jsonrpc`, stringifyJson({ jsonrpc: '2.0', method: 'call', params: { service: 'object', method: call.entry, args: params }, id: 1 }));
    const v = parseJson(r.text) as { result?: unknown; error?: { data: { message: string } } };
    return v.error ? { refused: true, message: v.error.data.message } : { refused: false, result: v.result };
  }
  const r = decodeMethodResponse((await post(`${h.url}/xmlrpc/2/object`, encodeMethodCall(call.entry, params))).text);
  return r.kind === 'fault' ? { refused: true, message: String(r.faultString) } : { refused: false, result: r.value };
}

interface Case {
  item: string;
  rules: Rule[];
  limits?: Limits;
  /** The call, or a function that makes the records it needs in the stand-in first. */
  call: CallSpec | ((h: Harness) => CallSpec);
  reason: RegExp;
  /** Upstream methods the proxy's own checks may call besides fields_get and search_count. */
  lookups?: string[];
}

/** A partner tagged VIP and Web Shop, for a key whose rule on the tags reaches only 'Web%' ones. */
function taggedPartner(h: Harness): { partner: number; vip: number; web: number } {
  const orm = h.standin.orm;
  const vip = orm.create('res.partner.category', { name: 'VIP' }, { sudo: true }) as number;
  const web = orm.create('res.partner.category', { name: 'Web Shop' }, { sudo: true }) as number;
  const partner = orm.create('res.partner', { name: 'Tagged', category_id: [[6, 0, [vip, web]]] }, { sudo: true }) as number;
  return { partner, vip, web };
}
const webTagger: Rule[] = [
  { model: 'res.partner', methods: ['write'], fields: ['name', 'category_id'] },
  { model: 'res.partner.category', methods: ['read'], domain: [['name', '=like', 'Web%']] },
];
const outsideWebTags = /removes links to res\.partner\.category records outside the domain of rule 1 \(res\.partner\.category: read\)/;
const importer: Rule = { model: 'crm.lead', methods: ['create', 'load'], fields: ['name', 'partner_id'] };
const customers: Rule = { model: 'res.partner', methods: ['read'], domain: [['customer_rank', '>', 0]] };

const lead: Rule = { model: 'crm.lead', methods: ['create', 'read'], fields: ['name', 'email_from', 'tag_ids'] };
const partnerNames: Rule = { model: 'res.partner', methods: ['read'], fields: ['name'] };

const CASES: Case[] = [
  { item: '1 default_<field> for a field outside the rule', rules: [lead], call: { model: 'crm.lead', method: 'create', params: [['vals_list', { name: 'x' }]], context: { default_user_id: 2 } }, reason: /default_user_id/ },
  { item: '2 x2many command 0 creating records of another model', rules: [lead], call: { model: 'crm.lead', method: 'create', params: [['vals_list', { name: 'x', tag_ids: [[0, 0, { name: 'vip' }]] }]] }, reason: /crm\.tag/ },
  { item: '4 domain leaf on a field outside the rule', rules: [partnerNames], call: { model: 'res.partner', method: 'search_read', params: [['domain', [['email', 'ilike', '@']]], ['fields', ['name']]] }, reason: /email/ },
  { item: '4 order on a field outside the rule', rules: [partnerNames], call: { model: 'res.partner', method: 'search_read', params: [['domain', []], ['fields', ['name']], ['order', 'email desc']] }, reason: /email/ },
  { item: '4 dotted path through a relation', rules: [{ model: 'crm.lead', methods: ['read'], fields: ['name', 'partner_id'] }], call: { model: 'crm.lead', method: 'search', params: [['domain', [['partner_id.email', 'ilike', 'x']]]] }, reason: /email/ },
  { item: '4 display_name compared by >= (a range over the fields the name search matches)', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name', 'display_name'] }], call: { model: 'res.partner', method: 'search_count', params: [['domain', [['display_name', '>=', 'john@']]]] }, reason: /display name search/ },
  { item: '4 auto_unfold NaN (true to Odoo, false to JavaScript) unfolding a specification outside the rule', rules: [{ model: 'crm.lead', methods: ['read'], fields: ['name', 'stage_id'] }], call: { model: 'crm.lead', method: 'web_read_group', params: [['domain', []], ['groupby', ['stage_id']], ['aggregates', ['__count']], ['auto_unfold', new PyFloat(Number.NaN)], ['unfold_read_specification', { email_from: {} }]] }, reason: /auto_unfold must be true or false/ },
  { item: '5 read_group grouping by a field outside the rule', rules: [partnerNames], call: { model: 'res.partner', method: 'read_group', params: [['domain', []], ['fields', ['name']], ['groupby', ['email']]] }, reason: /email/ },
  { item: '6 copy with a default outside the rule', rules: [{ model: 'res.partner', methods: ['read', 'copy'], fields: ['name'] }], call: { model: 'res.partner', method: 'copy', ids: [10], params: [['default', { email: 'x@y.z' }]] }, reason: /email/ },
  { item: '7 allowed_company_ids outside the key companies', rules: [partnerNames], limits: { companies: [1] }, call: { model: 'res.partner', method: 'search_read', params: [['domain', []], ['fields', ['name']]], context: { allowed_company_ids: [2] } }, reason: /compan/ },
  { item: '8 method name with a capital letter', rules: [partnerNames], call: { model: 'res.partner', method: 'Search', params: [['x', []]] }, reason: /./ },
  { item: '8 method name with a look-alike letter', rules: [{ model: 'res.partner', methods: ['read'] }], call: { model: 'res.partner', method: 'se\u0430rch', params: [['x', []]] }, reason: /./ },
  { item: '8 private method', rules: [{ model: 'res.partner', methods: ['read'] }], call: { model: 'res.partner', method: '_search', params: [['x', []]] }, reason: /./ },
  { item: '9 context key that silences tracking', rules: [lead], call: { model: 'crm.lead', method: 'create', params: [['vals_list', { name: 'x' }]], context: { tracking_disable: true } }, reason: /tracking_disable/ },
  { item: '9 active_test reaching archived records', rules: [partnerNames], call: { model: 'res.partner', method: 'search_read', params: [['domain', []], ['fields', ['name']]], context: { active_test: false } }, reason: /active_test/ },
  { item: '10 export_data through a relation path', rules: [{ model: 'crm.lead', methods: ['read', 'export_data'], fields: ['name', 'partner_id'] }], call: { model: 'crm.lead', method: 'export_data', ids: [1], params: [['fields_to_export', ['name', 'partner_id/email']]] }, reason: /email|partner/ },
  // Odoo's export of an external id column creates the missing ones in ir.model.data (a write by a read-only key).
  { item: '10 export_data of external ids (id, partner_id/id) writes ir.model.data', rules: [{ model: 'crm.lead', methods: ['read', 'export_data'], fields: ['name', 'partner_id'] }, { model: 'res.partner', methods: ['read'] }], call: { model: 'crm.lead', method: 'export_data', ids: [1], params: [['fields_to_export', ['name', 'partner_id/id']]] }, reason: /'partner_id\/id' \(external ids: Odoo creates one in ir\.model\.data for each res\.partner record without one; 'partner_id\/\.id' gives the database id and writes nothing\) reaches ir\.model\.data/ },
  // load (Odoo's import): rows by id update records, one2many references move lines, rows must be lists.
  { item: '10 load rows naming records by .id update them, without write', rules: [importer], call: { model: 'crm.lead', method: 'load', params: [['fields', ['.id', 'name']], ['data', [['1', 'renamed']]]] }, reason: /load column '\.id' \(rows naming existing crm\.lead records update them\) needs write on crm\.lead/ },
  { item: '10 load external ids in another module\'s namespace write ir.model.data there', rules: [{ ...importer, methods: ['create', 'write', 'load'] }], call: { model: 'crm.lead', method: 'load', params: [['fields', ['id', 'name']], ['data', [['base.planted', 'x']]]] }, reason: /names the external id 'base\.planted' in module 'base' .*reaches ir\.model\.data/ },
  { item: '10 load lines/.id moves order lines from their order, without write on order_id', rules: [{ model: 'sale.order', methods: ['create', 'load'], fields: ['name', 'order_line'] }, { model: 'sale.order.line', methods: ['create', 'write'], fields: ['name', 'price_unit'] }], call: { model: 'sale.order', method: 'load', params: [['fields', ['name', 'order_line/.id']], ['data', [['SO', '1']]]] }, reason: /moving them from their old parent by writing their 'order_id'\) needs write on sale\.order\.line \('order_id'\)/ },
  { item: '10 load a row that is a string (Odoo pairs the columns with its characters: partner 7)', rules: [importer, customers], call: { model: 'crm.lead', method: 'load', params: [['fields', ['partner_id/.id']], ['data', ['7']]] }, reason: /data\[0\] must be a list of cells/ },
  { item: '10 load a related column writes the record it is related to', rules: [{ model: 'res.partner', methods: ['create', 'load'], fields: ['name', 'parent_name'] }], call: { model: 'res.partner', method: 'load', params: [['fields', ['name', 'parent_name']], ['data', [['x', 'Renamed parent']]]] }, reason: /load column 'parent_name' \(related to parent_id\.name\) needs write on res\.partner/ },
  { item: '10 load a properties column rewriting the definition on the container record', rules: [{ model: 'res.partner', methods: ['create', 'load'], fields: ['name', 'properties'] }], call: { model: 'res.partner', method: 'load', params: [['fields', ['name', 'properties']], ['data', [['x', JSON.stringify([{ name: 'a1b2', type: 'char', string: 'Planted', definition_changed: true }])]]]] }, reason: /load column 'properties' changes the properties definition on the parent record/ },
  // many2many commands remove links too: only to records the key reaches (the proxy reads them first)
  { item: '2 many2many command 3 removing a link outside the comodel rule domain', rules: webTagger, call: (h) => { const t = taggedPartner(h); return { model: 'res.partner', method: 'write', ids: [t.partner], params: [['vals', { category_id: [[3, t.vip]] }]] }; }, reason: outsideWebTags },
  { item: '2 many2many command 5 removing every link, some outside the comodel rule domain', rules: webTagger, lookups: ['read'], call: (h) => { const t = taggedPartner(h); return { model: 'res.partner', method: 'write', ids: [t.partner], params: [['vals', { category_id: [[5]] }]] }; }, reason: outsideWebTags },
  { item: '2 many2many command 6 replacing links, some outside the comodel rule domain', rules: webTagger, lookups: ['read'], call: (h) => { const t = taggedPartner(h); return { model: 'res.partner', method: 'write', ids: [t.partner], params: [['vals', { category_id: [[6, 0, [t.web]]] }]] }; }, reason: outsideWebTags },
  // load: a one2many line named by id gets its many2many set to the cell's ids (Command.set), dropping links outside the tag rule's domain.
  { item: '2 load of a many2many column on one2many lines named by id (child_ids/category_id/.id)', rules: [{ model: 'res.partner', methods: ['load', 'create', 'write'], fields: ['name', 'child_ids', 'category_id', 'parent_id'] }, { model: 'res.partner.category', methods: ['read'], domain: [['name', '=like', 'Web%']] }], call: { model: 'res.partner', method: 'load', params: [['fields', ['name', 'child_ids/.id', 'child_ids/category_id/.id']], ['data', [['x', '10', '1']]]] }, reason: /load column 'child_ids\/category_id\/\.id' replaces the res\.partner\.category links of the existing records the rows update/ },
  { item: '11 a sensitive model behind a glob', rules: [{ model: '*', methods: ['read'] }], call: { model: 'res.users', method: 'search_read', params: [['domain', []], ['fields', ['login']]] }, reason: /sensitive|res\.users/ },
  { item: '11 ir.config_parameter behind ir.*', rules: [{ model: 'ir.*', methods: ['read'] }], call: { model: 'ir.config_parameter', method: 'search_read', params: [['domain', []], ['fields', ['key', 'value']]] }, reason: /./ },
  { item: 'unlink without the method', rules: [lead], call: { model: 'crm.lead', method: 'unlink', ids: [1] }, reason: /unlink/ },
];

describe('the catalogue of ways around a scope, through the proxy', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ version: 19 });
  });
  after(() => h?.close());

  for (const c of CASES) {
    test(`item ${c.item}`, async () => {
      const { token, name } = await h.addKey({ rules: c.rules, ...(c.limits ? { limits: c.limits } : {}) });
      const spec = typeof c.call === 'function' ? c.call(h) : c.call;
      const allowed = ['fields_get', 'search_count', ...(c.lookups ?? [])];
      for (const { shape, call } of shapes(spec, 19)) {
        for (const viaJsonRpc of call.entry === 'json2' ? [false] : [false, true]) {
          h.standin.clearReceived();
          const out = await send(h, token, call, viaJsonRpc);
          const where = `${shape}${viaJsonRpc ? ' over JSON-RPC' : ''}`;
          assert.ok(out.refused, `${where}: allowed: ${JSON.stringify(out)}`);
          if (out.refused) {
            assert.match(out.message, new RegExp(`^odoo-keys: key '${name}' may not call`), where);
            assert.match(out.message, c.reason, where);
          }
          const reached = h.standin.received.filter((r) => r.service === 'object' && !allowed.includes(r.method ?? ''));
          assert.deepEqual(reached.map((r) => `${r.model}.${r.method}`), [], `${where}: reached Odoo`);
        }
      }
    });
  }

  test('item 3: an empty field list is narrowed to the rule fields, and the answer holds only those', async () => {
    const { token } = await h.addKey({ rules: [{ model: 'res.partner', methods: ['read'], fields: ['name', 'email'] }] });
    for (const { shape, call } of shapes({ model: 'res.partner', method: 'search_read', params: [['domain', []], ['fields', []], ['limit', 3]] }, 19)) {
      const out = await send(h, token, call, false);
      assert.ok(!out.refused, shape);
      if (!out.refused) {
        const rows = out.result as Array<Record<string, unknown>>;
        assert.ok(rows.length > 0, shape);
        for (const r of rows) assert.deepEqual(Object.keys(r).sort(), ['email', 'id', 'name'], shape);
      }
    }
  });

  test('item 6: write on ids outside the rule domain is refused after an upstream count, and the write never happens', async () => {
    const { token } = await h.addKey({ rules: [{ model: 'res.partner', methods: ['read', 'write'], fields: ['name', 'is_company'], domain: [['is_company', '=', true]] }] });
    const person = h.standin.orm.search('res.partner', [['is_company', '=', false]], { limit: 1 })[0]!;
    const before = h.standin.orm.read('res.partner', person, ['name'])[0]!.name;
    h.standin.clearReceived();
    const out = await send(h, token, { protocol: 'xmlrpc', entry: 'execute_kw', db: h.db, uid: 1, credential: token, model: 'res.partner', method: 'write', args: [[person], { name: 'hijacked' }], kwargs: {} }, false);
    assert.ok(out.refused);
    assert.equal(h.standin.orm.read('res.partner', person, ['name'])[0]!.name, before);
    assert.deepEqual(h.standin.received.filter((r) => r.method === 'write'), []);
    assert.ok(h.standin.received.some((r) => r.method === 'search_count'), 'the ids were counted upstream first');
  });

  test('item 12: a search without a limit is narrowed to max_limit', async () => {
    const { token } = await h.addKey({ rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'], max_limit: 2 }] });
    for (const { shape, call } of shapes({ model: 'res.partner', method: 'search_read', params: [['domain', []], ['fields', ['name']]] }, 19)) {
      const out = await send(h, token, call, false);
      assert.ok(!out.refused, shape);
      if (!out.refused) assert.equal((out.result as unknown[]).length, 2, shape);
    }
  });
});
