// Does unchanged client code still work under the scope a careful admin would give it? The calls
// real clients send (Odoo's import columns through load, Python import scripts, odoo-await's and
// Python's many2many writes, an MCP server's reads, a website form, n8n, a nightly cron), each
// decided under the scope of docs/scopes.md and docs/integrations.md. Refusals that guard a real
// way around a scope are asserted too, with the reason naming what to grant or what to send instead.

import test from 'node:test';
import assert from 'node:assert/strict';
import type { RpcValue } from '../../src/rpc/values.js';
import type { ModelSchema, Rule } from '../../src/policy/types.js';
import { decide, linkChanges } from '../../src/policy/decide.js';
import { importExportPath } from '../../src/policy/names.js';
import { env, key, runCases, SCHEMAS, shapes, type Case, type CallSpec } from './support.js';

const char = { type: 'char' };
const schemas: Record<string, ModelSchema> = { ...SCHEMAS, 'res.partner.category': { name: char, display_name: char } };
const schema = { schema: (m: string) => schemas[m] };

const load = (model: string, fields: string[], data: RpcValue[][], context?: Record<string, RpcValue>): CallSpec => ({ model, method: 'load', params: [['fields', fields], ['data', data]], ...(context ? { context } : {}) });
const write = (model: string, ids: number[], vals: Record<string, RpcValue>): CallSpec => ({ model, method: 'write', ids, params: [['vals', vals]] });
const create = (model: string, vals: RpcValue): CallSpec => ({ model, method: 'create', params: [['vals_list', vals]] });

// --- Imports: Python scripts calling load, and the columns Odoo's import screen sends ---------------

// docs/scopes.md "One-off import", widened to contacts: create and load, tags looked up by name.
const contactImport: Rule[] = [
  { model: 'res.partner', methods: ['create', 'load'], fields: ['name', 'email', 'phone', 'category_id', 'parent_id'] },
  { model: 'res.partner.category', methods: ['read'] },
];
// base_import's sale order import: the order's customer, lines with product, quantity and price.
const orderImport: Rule[] = [
  { model: 'sale.order', methods: ['create', 'load'], fields: ['partner_id', 'order_line'] },
  { model: 'sale.order.line', methods: ['create'], fields: ['product_id', 'product_uom_qty', 'price_unit', 'name', 'tax_id'] },
  { model: 'product.product', methods: ['read'] },
  { model: 'res.partner', methods: ['read'] },
  { model: 'account.tax', methods: ['read'], domain: [['amount', '<', 25]] },
];
const oneOffImport: Rule[] = [
  { model: 'crm.lead', methods: ['create', 'load'], fields: ['name', 'email_from', 'phone', 'partner_id', 'tag_ids'] },
  { model: 'crm.tag', methods: ['read', 'create'], fields: ['name', 'display_name'] },
  { model: 'res.partner', methods: ['read'], fields: ['name', 'display_name'] },
];
// A key that links only customers (a read rule with a domain on res.partner).
const leadImport: Rule[] = [
  { model: 'crm.lead', methods: ['create', 'load', 'read', 'export_data'], fields: ['name', 'partner_id', 'email_from'] },
  { model: 'res.partner', methods: ['read'], domain: [['customer_rank', '>', 0]] },
];

test('imports: what Python load scripts and the import screen send, under the scope a careful admin gives', () => {
  const cases: Case[] = [
    { name: 'contacts with tags by name (a name search on the tags)', key: key(contactImport), env: schema, call: load('res.partner', ['name', 'email', 'category_id'], [['Acme', 'info@acme.test', 'Customer,VIP'], ['Jane', 'jane@acme.test', '']]), expect: { verdict: 'allow', checks: [] } },
    { name: 'contacts with their company by external id (an export re-imported)', key: key(contactImport), env: schema, call: load('res.partner', ['name', 'parent_id/id'], [['Jane', '__export__.res_partner_7_0a1b2c3d']]), expect: { verdict: 'allow', checks: [] } },
    { name: 'an upsert by external id needs write (a row naming an existing record updates it)', key: key(contactImport), env: schema, call: load('res.partner', ['id', 'name', 'email'], [['contact_1', 'Acme', 'info@acme.test']]), expect: { verdict: 'deny', reason: /load column 'id' \(rows naming existing res\.partner records update them\) needs write on res\.partner/ } },
    { name: '... allowed once the key may write those fields', key: key([{ ...contactImport[0]!, methods: ['create', 'write', 'load'] }, contactImport[1]!]), env: schema, call: load('res.partner', ['id', 'name', 'email'], [['contact_1', 'Acme', 'info@acme.test']]), expect: { verdict: 'allow', checks: [] } },
    // docs/scopes.md "One-off import": leads with their company and tags by database id
    { name: 'leads with company and tags by database id (the one-off-import scope)', key: key(oneOffImport), call: load('crm.lead', ['name', 'email_from', 'partner_id/.id', 'tag_ids/.id'], [['Lead', 'a@b.test', '7', '1,2']]), expect: { verdict: 'allow', checks: [] } },
    { name: '... tags by name: a name search on crm.tag, which a rule with a field list does not allow (refused rightly, naming it)', key: key(oneOffImport), call: load('crm.lead', ['name', 'tag_ids'], [['Lead', 'Web;VIP']]), expect: { verdict: 'deny', reason: /load column 'tag_ids' \(a many2many given by name is a name search on crm\.tag\)/ } },
    // sale orders as the import screen maps them: lines as continuation rows with empty order cells
    { name: 'sale orders with lines by product name', key: key(orderImport), call: load('sale.order', ['partner_id', 'order_line/product_id', 'order_line/product_uom_qty', 'order_line/price_unit'], [['Azure Interior', 'Desk', '2', '100'], ['', 'Chair', '1', '50']]), expect: { verdict: 'allow', checks: [] } },
    { name: 'sale orders with lines by product external id', key: key(orderImport), call: load('sale.order', ['partner_id/id', 'order_line/product_id/id', 'order_line/product_uom_qty'], [['base.res_partner_2', 'product.product_product_4', '3']]), expect: { verdict: 'allow', checks: [] } },
    // The earlier review's case: a line column ending in /.id on NEW lines links taxes; it updates no line.
    { name: 'new lines with taxes by database id (order_line/tax_id/.id with order_line/name): the tax ids are checked, no line is updated', key: key(orderImport), call: load('sale.order', ['partner_id/.id', 'order_line/name', 'order_line/product_id/.id', 'order_line/tax_id/.id'], [['9', 'Desk', '4', '1,2'], ['', 'Chair', '5', '2']]), expect: { verdict: 'allow', checks: [{ model: 'account.tax', ids: [1, 2] }] } },
    { name: 'a line column naming lines by id does update them: write on the lines is needed', key: key(orderImport), call: load('sale.order', ['partner_id/.id', 'order_line/.id', 'order_line/product_uom_qty'], [['9', '31', '4']]), expect: { verdict: 'deny', reason: /load column 'order_line\/\.id' \(links existing sale\.order\.line lines .*\) needs write on sale\.order\.line/ } },
  ];
  runCases(cases);
});

test("imports: the column spellings Odoo reads as id paths ('partner_id.id', 'partner_id:id') are judged as 'partner_id/.id' and 'partner_id/id'", () => {
  // Odoo's load and export_data split columns with fix_import_export_id_paths: older scripts write
  // 'parent_id:id' and 'parent_id.id'. Refused outright before, as not field names.
  assert.deepEqual(importExportPath('parent_id:id'), ['parent_id', 'id']);
  assert.deepEqual(importExportPath('parent_id.id'), ['parent_id', '.id']);
  assert.deepEqual(importExportPath('order_line/product_id.id'), ['order_line', 'product_id', '.id']);
  assert.deepEqual(importExportPath('order_line/product_id:id'), ['order_line', 'product_id', 'id']);
  assert.deepEqual(importExportPath('.id'), ['.id'], 'the record\'s own database id stays');
  assert.deepEqual(importExportPath('a.id.id'), ['a', '.id.id'], 'as re.sub: left to right, no overlap');
  const cases: Case[] = [
    { name: "load 'parent_id:id' (external ids, no domain on the comodel)", key: key(contactImport), env: schema, call: load('res.partner', ['name', 'parent_id:id'], [['Jane', 'base.main_partner']]), expect: { verdict: 'allow', checks: [] } },
    { name: "load 'parent_id.id' (database ids)", key: key(contactImport), env: schema, call: load('res.partner', ['name', 'parent_id.id'], [['Jane', '7']]), expect: { verdict: 'allow', checks: [] } },
    { name: "load 'order_line/product_id:id'", key: key(orderImport), call: load('sale.order', ['partner_id.id', 'order_line/product_id:id', 'order_line/product_uom_qty'], [['9', 'product.product_product_4', '1']]), expect: { verdict: 'allow', checks: [] } },
    // ... and checked exactly as the canonical spelling: the closed ways stay closed.
    { name: "load 'partner_id.id' links ids checked against the partner rule's domain", key: key(leadImport), call: load('crm.lead', ['name', 'partner_id.id'], [['a', '4']]), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [4] }] } },
    { name: "load 'partner_id:id' checked like 'partner_id/id': the record its external id names, against the partner rule's domain", key: key(leadImport), call: load('crm.lead', ['name', 'partner_id:id'], [['a', 'base.res_partner_1']]), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [9] }] } },
    { name: "load 'partner_id.id' beside 'partner_id/.id' is one column named twice", key: key(leadImport), call: load('crm.lead', ['partner_id.id', 'partner_id/.id'], [['4', '5']]), expect: { verdict: 'deny', reason: /appears twice/ } },
    { name: "load 'x.id' is 'x/.id': its field is checked like any column", key: key(leadImport), call: load('crm.lead', ['name', 'x.id'], [['a', '1']]), expect: { verdict: 'deny', reason: /field 'x' is not in rule 0/ } },
    { name: "export_data 'partner_id.id' (database ids, writes nothing)", key: key(leadImport), call: { model: 'crm.lead', method: 'export_data', ids: [1], params: [['fields_to_export', ['name', 'partner_id.id']]] }, expect: { verdict: 'allow' } },
    { name: "export_data 'partner_id:id' writes external ids: needs create on ir.model.data", key: key(leadImport), call: { model: 'crm.lead', method: 'export_data', ids: [1], params: [['fields_to_export', ['name', 'partner_id:id']]] }, expect: { verdict: 'deny', reason: /fields_to_export 'partner_id:id' \(external ids: Odoo creates one in ir\.model\.data .*'partner_id\/\.id' gives the database id.*reaches ir\.model\.data/ } },
  ];
  runCases(cases);
});

// --- many2many writes: odoo-await, Python cron syncs ---------------------------------------------

// docs/scopes.md: a key limited to some tags (read with a domain) that maintains leads' tags.
const TAGS = [['color', '=', 1]];
const tagger: Rule[] = [
  { model: 'crm.lead', methods: ['create', 'write', 'read'], fields: ['name', 'email_from', 'tag_ids'] },
  { model: 'crm.tag', methods: ['read'], domain: TAGS },
];
const links = (ids: number[], set?: number[]) => ({ model: 'crm.lead', ids, field: 'tag_ids', comodel: 'crm.tag', ...(set ? { set } : {}) });

test('many2many writes as clients send them: a set (command 6, bare ids) checks only the links it adds and removes', () => {
  const cases: Case[] = [
    // odoo-await: {tag_ids: {action: 'replace', id: [...]}} -> [[6, 0, ids]]; Python: [(6, 0, ids)]
    { name: 'odoo-await create with replace: links to check, none to remove', key: key(tagger), call: create('crm.lead', { name: 'x', tag_ids: [[6, 0, [7, 8]]] }), expect: { verdict: 'allow', checks: [{ model: 'crm.tag', ids: [7, 8] }] } },
    { name: 'odoo-await update with replace: one check, of what changes', key: key(tagger), call: write('crm.lead', [1], { tag_ids: [[6, 0, [7, 9]]] }), expect: { verdict: 'allow', checks: [links([1], [7, 9])], checkDomains: [TAGS] } },
    { name: 'a cron writing back the list it read (bare ids)', key: key(tagger), call: write('crm.lead', [1, 2], { tag_ids: [7, 9] }), expect: { verdict: 'allow', checks: [links([1, 2], [7, 9])] } },
    { name: 'command 6 tuple as Python sends it, three members', key: key(tagger), call: write('crm.lead', [1], { tag_ids: [[6, false, [9]]] }), expect: { verdict: 'allow', checks: [links([1], [9])] } },
    { name: 'odoo-await add ([4, id, 0])', key: key(tagger), call: write('crm.lead', [1], { tag_ids: [[4, 9, 0]] }), expect: { verdict: 'allow', checks: [{ model: 'crm.tag', ids: [9] }] } },
    { name: 'odoo-await remove ([3, id, 0])', key: key(tagger), call: write('crm.lead', [1], { tag_ids: [[3, 9, 0]] }), expect: { verdict: 'allow', checks: [{ model: 'crm.tag', ids: [9] }] } },
    { name: 'odoo-await clear ([5, 0, 0]): every current link, read first', key: key(tagger), call: write('crm.lead', [1], { tag_ids: [[5, 0, 0]] }), expect: { verdict: 'allow', checks: [links([1])] } },
    // Several commands: the set is not the final one, so the checks stay as they were.
    { name: 'command 6 followed by 4: every current link, and the ids linked', key: key(tagger), call: write('crm.lead', [1], { tag_ids: [[6, 0, [7]], [4, 9]] }), expect: { verdict: 'allow', checks: [links([1]), { model: 'crm.tag', ids: [7] }, { model: 'crm.tag', ids: [9] }] } },
    { name: 'an empty list changes nothing (no command)', key: key(tagger), call: write('crm.lead', [1], { tag_ids: [] }), expect: { verdict: 'allow', checks: [] } },
    // Unchanged where no check applies, or where the links cannot be read.
    { name: 'a tag rule without a domain: no check', key: key([tagger[0]!, { model: 'crm.tag', methods: ['read'] }]), call: write('crm.lead', [1], { tag_ids: [[6, 0, [7, 9]]] }), expect: { verdict: 'allow', checks: [] } },
    { name: 'command 6 on a one2many still needs unlink on the lines', key: key([{ model: 'sale.order', methods: ['write'], fields: ['order_line'] }, { model: 'sale.order.line', methods: ['write'], fields: ['order_id'] }]), call: write('sale.order', [1], { order_line: [[6, 0, [3]]] }), expect: { verdict: 'deny', reason: /command 6 on a one2many may delete the sale\.order\.line lines it leaves out/ } },
  ];
  runCases(cases);
});

test('linkChanges: per record, the links a set removes and the ids it adds; a link kept is neither', () => {
  // VIP (1) is outside the key's tags, Web (2, 3) inside. A cron read [1, 2] and writes [1, 2, 3].
  assert.deepEqual(linkChanges([10], [{ id: 10, links: [1, 2] }], [1, 2, 3]), { removed: [], added: [3] });
  // It drops VIP: removed.
  assert.deepEqual(linkChanges([10], [{ id: 10, links: [1, 2] }], [2, 3]), { removed: [1], added: [3] });
  // Two records: VIP is kept on one, added to the other.
  assert.deepEqual(linkChanges([10, 11], [{ id: 10, links: [1, 2] }, { id: 11, links: [2] }], [1, 2]), { removed: [], added: [1] });
  // A record missing from the answer, or answered twice, is taken as linked to nothing.
  assert.deepEqual(linkChanges([10, 11], [{ id: 10, links: [1] }], [1]), { removed: [], added: [1] });
  assert.deepEqual(linkChanges([10], [{ id: 10, links: [1] }, { id: 10, links: [1] }], [1]), { removed: [], added: [1] });
  assert.deepEqual(linkChanges([10], [{ id: '10', links: [1] }], [1]), { removed: [], added: [1] });
  // An empty set removes every link.
  assert.deepEqual(linkChanges([10], [{ id: 10, links: [1, 2] }], []), { removed: [1, 2], added: [] });
});

test('linkChanges: row by row (load), and adding only (update_many2many)', () => {
  // Partner 10 has VIP (1) and Web (2); partner 11 has Web (2).
  const current = [{ id: 10, links: [1, 2] }, { id: 11, links: [2] }];
  // Each record compared with its own row: 10 keeps VIP, 11 gets Web 2 (3).
  assert.deepEqual(linkChanges([10, 11], current, { ids: [1, 2, 3], rows: [{ id: 10, ids: [1, 2] }, { id: 11, ids: [2, 3] }] }), { removed: [], added: [3] });
  // The same ids given to every record would have added VIP to 11.
  assert.deepEqual(linkChanges([10, 11], current, [1, 2, 3]), { removed: [], added: [3, 1] });
  // 10's row drops VIP; 11's row adds it.
  assert.deepEqual(linkChanges([10, 11], current, { ids: [2, 1], rows: [{ id: 10, ids: [2] }, { id: 11, ids: [2, 1] }] }), { removed: [1], added: [1] });
  // A record in two rows: each row against the links read before the call (VIP dropped by the first row).
  assert.deepEqual(linkChanges([10], [current[0]!], { ids: [2, 1], rows: [{ id: 10, ids: [2] }, { id: 10, ids: [1, 2] }] }), { removed: [1], added: [] });
  // Adding only: nothing removed, ids the record lacks added.
  assert.deepEqual(linkChanges([10, 11], current, { ids: [3, 1], rows: [{ id: 10, ids: [3] }, { id: 11, ids: [1] }], adds: true }), { removed: [], added: [3, 1] });
  assert.deepEqual(linkChanges([10], [current[0]!], { ids: [1], rows: [{ id: 10, ids: [1] }], adds: true }), { removed: [], added: [] });
  // A read row for a record no row names loses every link; a record not answered gains every id.
  assert.deepEqual(linkChanges([10], current, { ids: [1, 2], rows: [{ id: 10, ids: [1, 2] }] }), { removed: [2], added: [] });
  assert.deepEqual(linkChanges([12], current, { ids: [2], rows: [{ id: 12, ids: [2] }] }), { removed: [1, 2], added: [2] });
});

// --- An export with tags by database id, edited and imported back with load ------------------------

// A key limited to the Web tags that maintains contacts' tags. VIP (1) is outside the key's tags,
// Web Shop (2) and Web Lead (3) inside. Partners 10 (VIP, Web Shop) and 11 (Web Shop).
const WEB_TAGS = [['name', '=like', 'Web%']];
const VIP = 1;
const WEB_SHOP = 2;
const WEB_LEAD = 3;
const tagKeeper: Rule[] = [
  { model: 'res.partner', methods: ['read', 'create', 'write', 'load', 'export_data'], fields: ['name', 'category_id'] },
  { model: 'res.partner.category', methods: ['read'], domain: WEB_TAGS },
];
const partnerTags: Record<number, number[]> = { 10: [VIP, WEB_SHOP], 11: [WEB_SHOP] };
const insideWeb = new Set([WEB_SHOP, WEB_LEAD]);
/** The external ids an export gives those partners and tags (and one a script wrote without a module, kept in __import__). */
const TAG_XIDS: Record<string, { model: string; id: number }> = {
  '__export__.res_partner_10_aa11': { model: 'res.partner', id: 10 },
  '__export__.res_partner_11_bb22': { model: 'res.partner', id: 11 },
  '__export__.res_partner_category_1_cc33': { model: 'res.partner.category', id: VIP },
  '__export__.res_partner_category_2_dd44': { model: 'res.partner.category', id: WEB_SHOP },
  '__import__.web_lead': { model: 'res.partner.category', id: WEB_LEAD },
  '__import__.vip': { model: 'res.partner.category', id: VIP },
};

/**
 * The call's outcome once the proxy has made the upstream checks the decision asks for, as
 * ProxyCore.runCheck makes them: links_in_domain reads the partners' current tags (partnerTags) and
 * counts the links removed and added (or, without `set`, every current link) inside the domain;
 * ids_in_domain counts the ids. Every shape of the call must come out the same.
 */
function importOutcome(spec: CallSpec, limits: Record<string, unknown> = {}): string {
  const outcomes = new Set<string>();
  for (const { call } of shapes(spec)) {
    const d = decide(key(tagKeeper, { limits }), call, env({ schema: (m) => schemas[m], externalId: (x) => TAG_XIDS[x] ?? null }));
    if (d.verdict !== 'allow') {
      // What the client is told, and (after ' | detail: ') what the journal keeps where it withholds facts.
      outcomes.add(d.verdict === 'deny' ? `refused: ${d.reason}${d.detail !== undefined ? ` | detail: ${d.detail}` : ''}` : d.verdict);
      continue;
    }
    let refusal: string | null = null;
    for (const c of d.checks) {
      assert.deepEqual(c.domain, WEB_TAGS);
      let ids: number[] = c.ids;
      let reason = c.reason;
      if (c.kind === 'links_in_domain') {
        const rows = [...new Set(c.ids)].filter((id) => partnerTags[id]).map((id) => ({ id, links: partnerTags[id]! }));
        if (c.set) {
          const { removed, added } = linkChanges([...new Set(c.ids)], rows, c.set);
          const out = removed.find((id) => !insideWeb.has(id)) !== undefined ? c.reason : added.find((id) => !insideWeb.has(id)) !== undefined ? c.set.reason : null;
          refusal ??= out;
          continue;
        }
        ids = rows.flatMap((r) => r.links);
      }
      if (ids.some((id) => !insideWeb.has(id))) refusal ??= reason;
      reason = '';
    }
    outcomes.add(refusal ? `refused: ${refusal}` : 'allowed');
  }
  assert.equal(outcomes.size, 1, [...outcomes].join(' / '));
  return [...outcomes][0]!;
}

test("imports: an export with tags by database id ('category_id/.id') imported back: each row is checked by the links it changes on its own record", () => {
  const fields = ['.id', 'name', 'category_id/.id'];
  const removes = /^refused: load column 'category_id\/\.id' \(a many2many cell sets the links of the record its row updates\) removes links to res\.partner\.category records outside the domain of rule 1/;
  const adds = /^refused: load column 'category_id\/\.id' .*links res\.partner\.category records outside the domain of rule 1/;
  // The round trip: partner 10 keeps VIP exactly as exported, a Web tag added; 11 unchanged.
  assert.equal(importOutcome(load('res.partner', fields, [['10', 'Acme', `${VIP},${WEB_SHOP},${WEB_LEAD}`], ['11', 'Jane', `${WEB_SHOP}`]])), 'allowed');
  // Cells in another order, with spaces, and as a number: the same ids.
  assert.equal(importOutcome(load('res.partner', fields, [['10', 'Acme', ` ${WEB_SHOP} , ${VIP}`], [11, 'Jane', WEB_SHOP]])), 'allowed');
  // A row dropping VIP, one adding it to a partner without it, an empty cell (False: clears VIP).
  assert.match(importOutcome(load('res.partner', fields, [['10', 'Acme', `${WEB_SHOP}`], ['11', 'Jane', `${WEB_SHOP}`]])), removes);
  assert.match(importOutcome(load('res.partner', fields, [['10', 'Acme', `${VIP},${WEB_SHOP}`], ['11', 'Jane', `${WEB_SHOP},${VIP}`]])), adds);
  assert.match(importOutcome(load('res.partner', fields, [['10', 'Acme', '']])), removes);
  // VIP kept on 10 cannot be carried to 11 in the same file.
  assert.match(importOutcome(load('res.partner', fields, [['11', 'Jane', `${VIP},${WEB_SHOP}`], ['10', 'Acme', `${VIP},${WEB_SHOP}`]])), adds);
  // Two rows for one partner: each is a write of its own (the first drops VIP, the second puts it back).
  assert.match(importOutcome(load('res.partner', fields, [['10', 'Acme', `${WEB_SHOP}`], ['10', 'Acme', `${VIP},${WEB_SHOP}`]])), removes);
  assert.equal(importOutcome(load('res.partner', fields, [['10', 'Acme', `${VIP},${WEB_SHOP}`], ['10', 'Acme', `${VIP},${WEB_LEAD}`]])), 'allowed');
  // New rows (no '.id') have nothing to remove; VIP named there is linked.
  assert.equal(importOutcome(load('res.partner', fields, [['10', 'Acme', `${VIP},${WEB_SHOP}`], ['', 'New', `${WEB_LEAD}`]])), 'allowed');
  assert.match(importOutcome(load('res.partner', fields, [['10', 'Acme', `${VIP},${WEB_SHOP}`], ['', 'New', `${VIP}`]])), /^refused: load column 'category_id\/\.id' links res\.partner\.category records outside/);
});

test("imports: the same export by external ids ('id', 'category_id/id'): rows update the records ir.model.data names, checked row by row like '.id' rows", () => {
  const fields = ['id', 'name', 'category_id/id'];
  const [p10, p11] = ['__export__.res_partner_10_aa11', '__export__.res_partner_11_bb22'];
  const [vip, shop] = ['__export__.res_partner_category_1_cc33', '__export__.res_partner_category_2_dd44'];
  const removes = /^refused: load column 'category_id\/id' \(a many2many cell sets the links of the record its row updates\) removes links to res\.partner\.category records outside the domain of rule 1/;
  const adds = /^refused: load column 'category_id\/id' .*links res\.partner\.category records outside the domain of rule 1/;
  // The round trip: 10 keeps VIP as exported and gets Web Lead (a name without a module: __import__.web_lead).
  assert.equal(importOutcome(load('res.partner', fields, [[p10, 'Acme', `${vip},${shop},web_lead`], [p11, 'Jane', shop]])), 'allowed');
  // Dropping VIP from 10, giving it to 11, clearing 10 ('0' is no reference, as Odoo reads it).
  assert.match(importOutcome(load('res.partner', fields, [[p10, 'Acme', shop]])), removes);
  assert.match(importOutcome(load('res.partner', fields, [[p11, 'Jane', `${shop},${vip}`]])), adds);
  assert.match(importOutcome(load('res.partner', fields, [[p10, 'Acme', '0']])), removes);
  // A new external id creates a partner: VIP named there is linked.
  assert.equal(importOutcome(load('res.partner', fields, [['__import__.new_1', 'New', shop]])), 'allowed');
  assert.match(importOutcome(load('res.partner', fields, [['new_2', 'New', vip]])), /^refused: load column 'category_id\/id' links res\.partner\.category records outside/);
  // VIP kept on 10 by a name without a module ('vip'): a language the database has may read it as
  // "no" (no link, so VIP would go), so it counts as named, not kept: refused as a removal.
  assert.match(importOutcome(load('res.partner', fields, [[p10, 'Acme', `vip,${shop}`]])), removes);
  assert.equal(importOutcome(load('res.partner', fields, [[p10, 'Acme', `${vip},${shop}`]])), 'allowed');
  // The external id wins over '.id' (load passes '.id' on only for rows without one).
  assert.match(importOutcome(load('res.partner', ['id', '.id', 'category_id/id'], [[p10, '11', shop]])), removes);
  // Missing, or of another model: Odoo fails the row; refused. The client is told the same for both
  // (what an external id names is ir.model.data's, which this key may not read); the journal's detail says which.
  assert.match(importOutcome(load('res.partner', fields, [[p10, 'Acme', `${vip},__export__.res_partner_category_9_zz`]])), /^refused: load column 'category_id\/id': the external id '__export__\.res_partner_category_9_zz' names no res\.partner\.category record \(Odoo fails the row.* \| detail: .*which no res\.partner\.category record has/);
  assert.match(importOutcome(load('res.partner', fields, [[p10, 'Acme', p11]])), /^refused: load column 'category_id\/id': the external id '__export__\.res_partner_11_bb22' names no res\.partner\.category record \(Odoo fails the row[^|]* \| detail: .*names a res\.partner record \(\d+\), not a res\.partner\.category one/);
  assert.match(importOutcome(load('res.partner', fields, [[vip, 'Acme', shop]])), /^refused: load column 'id': the external id '__export__\.res_partner_category_1_cc33' names a record of another model than res\.partner \(Odoo refuses the row\)[^|]* \| detail: .*names a res\.partner\.category record \(\d+\), not a res\.partner one/);
});

test('imports: update_many2many makes load add links (Command.link), so only the ids a record lacks are checked; an empty cell still clears', () => {
  const fields = ['.id', 'category_id/.id'];
  const allowed = { context_keys: ['update_many2many'] };
  const ctx = { update_many2many: true };
  // Adding a Web tag to a partner that has VIP: nothing is removed.
  assert.equal(importOutcome(load('res.partner', fields, [['10', `${WEB_LEAD}`]], ctx), allowed), 'allowed');
  // VIP named where it already is: no change.
  assert.equal(importOutcome(load('res.partner', fields, [['10', `${VIP},${WEB_LEAD}`]], ctx), allowed), 'allowed');
  // Adding VIP to a partner without it.
  assert.match(importOutcome(load('res.partner', fields, [['11', `${VIP}`]], ctx), allowed), /^refused: load column 'category_id\/\.id' \(a many2many cell adds links to the record its row updates \(update_many2many\)\) links res\.partner\.category records outside/);
  // An empty cell is False before update_many2many is read: every link of the record goes (VIP too).
  assert.match(importOutcome(load('res.partner', fields, [['10', '']], ctx), allowed), /^refused: load column 'category_id\/\.id' \(an empty many2many cell clears the links of the record its row updates\) removes links to res\.partner\.category records outside/);
  assert.equal(importOutcome(load('res.partner', fields, [['11', ''], ['10', `${WEB_LEAD}`]], ctx), allowed), 'allowed');
  // A falsy update_many2many replaces, as without it.
  assert.match(importOutcome(load('res.partner', fields, [['10', `${WEB_LEAD}`]], { update_many2many: false }), allowed), /removes links to res\.partner\.category records outside/);
});

test('imports: a many2many column named in import_set_empty_fields / import_skip_records is not checked row by row (a kept id may not be kept)', () => {
  // ir_fields.py _str_to_many2many: under import_set_empty_fields an id db_id_for's search misses
  // (VIP archived) is dropped, so '1,2' sets the links to [2] and VIP goes; under
  // import_skip_records _str_to_boolean reads '2' as no reference (False) for every id but '1'.
  // The cell's ids are then not what Odoo writes: every current link must be reachable, as before.
  const fields = ['.id', 'category_id/.id'];
  const keys = { context_keys: ['import_set_empty_fields', 'import_skip_records', 'update_many2many'] };
  const cell = `${VIP},${WEB_SHOP}`;
  const every = /^refused: load column 'category_id\/\.id' \(a many2many cell replaces the links of the records the rows update\) removes links to res\.partner\.category records outside/;
  const contexts: Record<string, RpcValue>[] = [{ import_set_empty_fields: ['category_id'] }, { import_skip_records: ['category_id'] }, { import_set_empty_fields: 'category_id/name' }, { import_skip_records: ['category_id'], update_many2many: true }];
  for (const ctx of contexts) {
    assert.match(importOutcome(load('res.partner', fields, [['10', cell]], ctx), keys), every, JSON.stringify(ctx));
  }
  // Named for another column, the cell is checked row by row as usual.
  assert.equal(importOutcome(load('res.partner', fields, [['10', cell]], { import_set_empty_fields: ['parent_id'] }), keys), 'allowed');
  // A partner whose links are all inside the key's tags may still be imported under them.
  assert.equal(importOutcome(load('res.partner', fields, [['11', `${WEB_SHOP},${WEB_LEAD}`]], { import_set_empty_fields: ['category_id'] }), keys), 'allowed');
});

// --- MCP server, website form, n8n: the recipes' scopes (docs/scopes.md examples) -----------------

const aiAssistant: Rule[] = [
  { model: 'crm.lead', methods: ['read'], fields: ['name', 'type', 'partner_id', 'stage_id', 'user_id', 'expected_revenue', 'date_deadline', 'priority', 'display_name'], max_limit: 80 },
  { model: 'crm.lead', methods: ['write'], fields: ['stage_id', 'priority'], domain: [['type', '=', 'opportunity']] },
  { model: 'crm.lead', methods: ['message_post'], domain: [['type', '=', 'opportunity']] },
  { model: 'crm.stage', methods: ['read'], fields: ['name', 'sequence', 'display_name'] },
  { model: 'res.partner', methods: ['read'], fields: ['name', 'display_name'], max_limit: 80 },
];
const websiteForm: Rule[] = [{ model: 'crm.lead', methods: ['create'], fields: ['name', 'email_from', 'phone', 'description'] }];
const n8n: Rule[] = [
  { model: 'res.partner', methods: ['read'], fields: ['name', 'email', 'phone', 'vat'], domain: [['is_company', '=', true]], max_limit: 200 },
  { model: 'res.partner', methods: ['write'], fields: ['phone', 'vat'], domain: [['is_company', '=', true]] },
];

test('MCP server, website form and n8n calls under their recipes', () => {
  const cases: Case[] = [
    { name: 'MCP search_read opportunities (limit narrowed)', key: key(aiAssistant), call: { model: 'crm.lead', method: 'search_read', params: [['domain', [['type', '=', 'opportunity']]], ['fields', ['name', 'stage_id', 'expected_revenue']], ['limit', 200]] }, expect: { verdict: 'allow', params: { limit: 80 } } },
    { name: 'MCP read by id', key: key(aiAssistant), call: { model: 'crm.lead', method: 'read', ids: [1, 2], params: [['fields', ['name', 'partner_id', 'stage_id']]] }, expect: { verdict: 'allow' } },
    { name: 'MCP fields_get with attributes', key: key(aiAssistant), call: { model: 'crm.lead', method: 'fields_get', params: [['allfields', null], ['attributes', ['string', 'type', 'help', 'required']]] }, expect: { verdict: 'allow' } },
    { name: 'MCP search_count', key: key(aiAssistant), call: { model: 'crm.lead', method: 'search_count', params: [['domain', [['stage_id', '=', 3]]]] }, expect: { verdict: 'allow' } },
    { name: 'MCP name_search on partners: refused rightly (it matches email, vat, ref), naming the rule it needs', key: key(aiAssistant), call: { model: 'res.partner', method: 'name_search', params: [['name', 'Acme'], ['args', []], ['operator', 'ilike'], ['limit', 8]] }, expect: { verdict: 'deny', reason: /name_search with a search text .*rule 4 \(res\.partner: read\) lists fields, and this can match any field of res\.partner/ } },
    { name: 'MCP moves an opportunity to a stage', key: key(aiAssistant), call: write('crm.lead', [1], { stage_id: 3 }), expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [1] }] } },
    { name: 'MCP logs a note', key: key(aiAssistant), call: { model: 'crm.lead', method: 'message_post', ids: [1], params: [['body', 'Called, interested'], ['message_type', 'comment']] }, expect: { verdict: 'allow' } },
    { name: 'website form create (one dict)', key: key(websiteForm), call: create('crm.lead', { name: 'Quote request', email_from: 'a@b.test', phone: '+31 20 000', description: '<p>hi</p>' }), expect: { verdict: 'allow', checks: [] } },
    { name: 'website form create (a list, as 17+ clients send)', key: key(websiteForm), call: create('crm.lead', [{ name: 'Quote request', email_from: 'a@b.test' }]), expect: { verdict: 'allow', checks: [] } },
    { name: 'n8n getAll: search_read with fields [] narrowed to the rule', key: key(n8n), call: { model: 'res.partner', method: 'search_read', params: [['domain', []], ['fields', []], ['offset', 0], ['limit', 50]] }, expect: { verdict: 'allow', params: { fields: ['name', 'email', 'phone', 'vat'] } } },
    { name: 'n8n update', key: key(n8n), call: write('res.partner', [5], { phone: '+31 20 111' }), expect: { verdict: 'allow', checks: [{ model: 'res.partner', ids: [5] }] } },
  ];
  runCases(cases);
});
