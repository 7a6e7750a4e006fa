// Does unchanged client code still work under the scope a careful admin would give it? The calls
// real clients send (Odoo's import columns through load, Python import scripts, odoo-await's and
// Python's many2many writes, an MCP server's reads, a website form, n8n, a nightly cron), each
// decided under the scope of docs/scopes.md and docs/integrations.md. Refusals that guard a real
// way around a scope are asserted too, with the reason naming what to grant or what to send instead.

import test from 'node:test';
import assert from 'node:assert/strict';
import type { RpcValue } from '../../src/rpc/values.js';
import type { ModelSchema, Rule } from '../../src/policy/types.js';
import { linkChanges } from '../../src/policy/decide.js';
import { key, runCases, SCHEMAS, type Case, type CallSpec } from './support.js';

const char = { type: 'char' };
const schemas: Record<string, ModelSchema> = { ...SCHEMAS, 'res.partner.category': { name: char, display_name: char } };
const schema = { schema: (m: string) => schemas[m] };

const load = (model: string, fields: string[], data: RpcValue[][], context?: Record<string, RpcValue>): CallSpec => ({ model, method: 'load', params: [['fields', fields], ['data', data]], ...(context ? { context } : {}) });
const write = (model: string, ids: number[], vals: Record<string, RpcValue>): CallSpec => ({ model, method: 'write', ids, params: [['vals', vals]] });
const create = (model: string, vals: RpcValue): CallSpec => ({ model, method: 'create', params: [['vals_list', vals]] });

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
