import { test } from 'node:test';
import assert from 'node:assert/strict';
import { externalIdsFrom, schemaFromFieldsGet, xmlidLookupDomain } from '../../src/policy/schema.js';
import { parseJson } from '../../src/rpc/json.js';
import { loadWire } from '../support/wire.js';
import type { RpcValue } from '../../src/rpc/values.js';

test('schemaFromFieldsGet keeps what the engine uses and nothing else', () => {
  const s = schemaFromFieldsGet({
    partner_id: { type: 'many2one', relation: 'res.partner', string: 'Customer', required: false },
    line_ids: { type: 'one2many', relation: 'sale.order.line', relation_field: 'order_id' },
    partner_email: { type: 'char', related: 'partner_id.email', readonly: true },
    amount: { type: 'monetary', depends: ['line_ids.price', 7], readonly: true },
    broken: 'not a struct',
    no_type: {},
  });
  assert.deepEqual(s, {
    partner_id: { type: 'many2one', relation: 'res.partner' },
    line_ids: { type: 'one2many', relation: 'sale.order.line', relation_field: 'order_id' },
    partner_email: { type: 'char', related: 'partner_id.email', readonly: true },
    amount: { type: 'monetary', depends: ['line_ids.price'], readonly: true },
    no_type: { type: '' },
  });
  assert.deepEqual(schemaFromFieldsGet(false), {});
});

test('a recorded fields_get answer gives relations for every relational field', () => {
  const ex = loadWire({ version: '19', protocol: 'json2' }).find((e) => e.file.endsWith('04-fields-get.json'))!;
  const s = schemaFromFieldsGet(parseJson(ex.response.body));
  assert.equal(s.stage_id?.relation, 'crm.stage');
  assert.equal(s.order_ids?.type, 'one2many');
  assert.ok(Object.values(s).every((f) => !['many2one', 'one2many', 'many2many'].includes(f.type) || typeof f.relation === 'string'));
});

test('external ids: one ir.model.data search for all of them (by module, names in it), and the records the rows name', () => {
  assert.deepEqual(xmlidLookupDomain(['base.main_partner', '__import__.a', 'base.main_company', '__import__.a', 'a.b.c']), [
    '|', '|',
    '&', ['module', '=', '__import__'], ['name', 'in', ['a']],
    '&', ['module', '=', 'a'], ['name', 'in', ['b.c']],
    '&', ['module', '=', 'base'], ['name', 'in', ['main_company', 'main_partner']],
  ]);
  assert.deepEqual(xmlidLookupDomain(['base.x']), ['&', ['module', '=', 'base'], ['name', 'in', ['x']]]);
  assert.deepEqual(xmlidLookupDomain(['no_module']), [['id', '=', 0]], 'a name without a module names nothing');
  const rows = [
    { id: 1, module: 'base', name: 'main_partner', model: 'res.partner', res_id: 3 },
    { id: 2, module: 'a', name: 'b.c', model: 'crm.tag', res_id: 9 },
    { id: 3, module: 'base', name: 'unasked', model: 'res.partner', res_id: 4 },
    { id: 4, module: 'base', name: 'main_company', model: 'res.company', res_id: false },
  ];
  assert.deepEqual([...externalIdsFrom(rows, ['base.main_partner', 'a.b.c', 'base.main_company', '__import__.a'])!], [
    ['base.main_partner', { model: 'res.partner', id: 3 }],
    ['a.b.c', { model: 'crm.tag', id: 9 }],
    ['base.main_company', null],
    ['__import__.a', null],
  ]);
  assert.deepEqual([...externalIdsFrom([], ['base.x'])!], [['base.x', null]], 'no row: none has it');
  // An answer that cannot be read is no answer (null: the call is refused), never "none has it",
  // which would judge an 'id' row updating a record as one creating a record.
  for (const [what, answer] of [
    ['not a list', false],
    ['a dictionary', { records: rows }],
    ['a row that is not a dictionary', [...rows, 'base.x']],
    ['a row without its module', [{ name: 'x', model: 'res.partner', res_id: 3 }]],
    ['a res_id that is not an id', [{ module: 'base', name: 'x', model: 'res.partner', res_id: '3' }]],
    ['a negative res_id', [{ module: 'base', name: 'x', model: 'res.partner', res_id: -3 }]],
    ['no model', [{ module: 'base', name: 'x', res_id: 3 }]],
    ['the same external id twice', [{ module: 'base', name: 'x', model: 'res.partner', res_id: 3 }, { module: 'base', name: 'x', model: 'res.partner', res_id: 4 }]],
  ] as [string, RpcValue][]) {
    assert.equal(externalIdsFrom(answer, ['base.x']), null, what);
  }
});
