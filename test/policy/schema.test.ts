import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schemaFromFieldsGet } from '../../src/policy/schema.js';
import { parseJson } from '../../src/rpc/json.js';
import { loadWire } from '../support/wire.js';

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
