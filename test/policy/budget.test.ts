// How records_per_hour charges each kind of method (src/policy/budget.ts), in every shape a
// client can give a call (execute_kw positional and keyword, execute, JSON-2) and on 16 to 19.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordsPlan, narrowLimit, recordsCharged, type RecordsPlan } from '../../src/policy/budget.js';
import { READ_METHODS } from '../../src/policy/methods.js';
import { bindCall } from '../../src/policy/bind.js';
import type { RpcValue } from '../../src/rpc/values.js';
import { shapes, type CallSpec } from './support.js';

const VERSIONS = [16, 17, 18, 19] as const;

/** A call of each read-preset method, with what it needs to bind on `version`. */
function readCall(method: string, version: number): CallSpec {
  const model = 'res.partner';
  const domainParam = version >= 19 ? 'domain' : 'args';
  const specs: Record<string, CallSpec> = {
    search: { model, method, params: [['domain', []]] },
    search_read: { model, method, params: [['domain', []], ['fields', ['name']]] },
    search_fetch: { model, method, params: [['domain', []], ['field_names', ['name']]] },
    web_search_read: { model, method, params: version >= 17 ? [['domain', []], ['specification', { name: {} }]] : [['domain', []], ['fields', ['name']]] },
    read: { model, method, ids: [1, 2], params: [['fields', ['name']]] },
    fetch: { model, method, ids: [1, 2], params: [['field_names', ['name']]] },
    name_get: { model, method, ids: [1, 2] },
    web_read: { model, method, ids: [1, 2], params: [['specification', { name: {} }]] },
    name_search: { model, method, params: [['name', ''], [domainParam, []]] },
    web_name_search: { model, method, params: [['name', ''], ['specification', { display_name: {} }]] },
    read_group: { model, method, params: [['domain', []], ['fields', ['email:array_agg']], ['groupby', ['id']]] },
    web_read_group: { model, method, params: version >= 19 ? [['domain', []], ['groupby', ['id']], ['aggregates', ['email:array_agg']]] : [['domain', []], ['fields', ['email:array_agg']], ['groupby', ['id']]] },
    formatted_read_group: { model, method, params: [['domain', []], ['groupby', ['id']], ['aggregates', ['email:array_agg']]] },
    formatted_read_grouping_sets: { model, method, params: [['domain', []], ['grouping_sets', [['id']]], ['aggregates', ['email:array_agg']]] },
    read_progress_bar: { model, method, params: [['domain', []], ['group_by', 'email'], ['progress_bar', { field: 'is_company', colors: {} }]] },
  };
  const spec = specs[method];
  if (!spec) throw new Error(`no call written for ${method}`);
  return spec;
}

const FREE_READS = new Set(['search_count', 'fields_get']);
const GROUPINGS = new Set(['read_group', 'web_read_group', 'formatted_read_group', 'formatted_read_grouping_sets', 'read_progress_bar']);

test('every read-preset method that returns records is charged, on 16 to 19, in every shape', () => {
  for (const v of VERSIONS) {
    for (const method of READ_METHODS[v]) {
      if (FREE_READS.has(method)) continue;
      for (const { shape, call } of shapes(readCall(method, v), v)) {
        const plan = recordsPlan(call, v);
        const where = `${v} ${method} [${shape}]: ${JSON.stringify(plan)}`;
        if (GROUPINGS.has(method)) assert.equal(plan.kind, 'count', where);
        else if (method === 'name_search' || method === 'web_name_search') assert.deepEqual(plan, { kind: 'limit', odooDefault: 100 }, where);
        else if (['read', 'fetch', 'name_get', 'web_read'].includes(method)) assert.deepEqual(plan, { kind: 'ids', count: 2 }, where);
        else assert.deepEqual(plan, { kind: 'limit', odooDefault: null }, where);
      }
    }
  }
});

test('a grouping is counted on its own domain (the one decide left, rule domain ANDed in) and with its context', () => {
  const domain = ['&', ['is_company', '=', true], ['email', 'ilike', '@example.com']];
  for (const v of [18, 19]) {
    for (const method of ['read_group', 'formatted_read_group', 'read_progress_bar']) {
      if (method === 'formatted_read_group' && v < 19) continue;
      const base = readCall(method, v);
      const spec: CallSpec = { ...base, params: base.params!.map(([k, val]) => [k, k === 'domain' ? domain : val]), context: { active_test: false } };
      for (const { shape, call } of shapes(spec, v)) {
        const expected: RecordsPlan = shape === 'execute' ? { kind: 'count', domain } : { kind: 'count', domain, context: { active_test: false } };
        assert.deepEqual(recordsPlan(call, v), expected, `${v} ${method} [${shape}]`);
      }
    }
  }
});

test('a grouping is charged the records counted, whatever its answer says (a read_group alias can overwrite the count key; formatted_read_group has none unless asked)', () => {
  const plan: RecordsPlan = { kind: 'count', domain: [] };
  const spoofed: RpcValue = [{ id: 1, id_count: 0, email: ['a@example.com'] }, { id: 2, id_count: 0, email: ['b@example.com'] }];
  assert.equal(recordsCharged(plan, spoofed, 7), 7);
  assert.equal(recordsCharged(plan, [{ id: 1, __extra_domain: [['id', '=', 1]], 'email:array_agg': ['a@example.com'] }], 7), 7);
  assert.equal(recordsCharged(plan, { 'Azure Interior': { true: 0 } }, 7), 7, 'read_progress_bar: its keys cover every record');
  assert.equal(recordsCharged(plan, undefined, 7), 7, 'streamed');
});

test('name_search and web_name_search: the limit is narrowed to what is left where the client put it, never widened past Odoo\'s 100', () => {
  for (const v of [17, 18, 19]) {
    for (const method of v >= 18 ? ['name_search', 'web_name_search'] : ['name_search']) {
      const base = readCall(method, v);
      for (const limit of [undefined, 100, 0, false]) {
        const spec: CallSpec = { ...base, params: [...base.params!, ...(limit === undefined ? [] : [['limit', limit] as [string, RpcValue]])] };
        for (const { shape, call } of shapes(spec, v)) {
          const where = `${v} ${method} limit ${String(limit)} [${shape}]`;
          const plan = recordsPlan(call, v);
          assert.ok(plan.kind === 'limit', where);
          const few = narrowLimit(call, v, 3, plan.odooDefault);
          assert.deepEqual([few.narrowed, few.bound, bindCall(few.call, v).params.limit], [true, 3, 3], where);
          const many = narrowLimit(call, v, 500, plan.odooDefault);
          if (limit === 100 || limit === undefined) {
            assert.deepEqual([many.narrowed, many.bound], [false, 100], `${where}: Odoo's own 100 stays`);
            assert.equal(many.call, call);
          } else {
            // 0, false and None given are "no limit" to Odoo: kept within the budget.
            assert.deepEqual([many.narrowed, many.bound, bindCall(many.call, v).params.limit], [true, 500, 500], where);
          }
        }
      }
    }
  }
});

test('a positional name_search limit (18: name, args, operator, limit) is narrowed in its place', () => {
  const call = shapes({ model: 'res.partner', method: 'name_search', params: [['name', ''], ['args', []], ['operator', 'ilike'], ['limit', 100]] }, 18).find((s) => s.shape === 'execute')!.call;
  const n = narrowLimit(call, 18, 2, 100);
  assert.equal(n.call.entry, 'execute');
  assert.deepEqual(n.call.args, ['', [], 'ilike', 2]);
});

test('free: counts, search with count (16), meta, creates, writes, deletes, copies, exists and methods outside the table', () => {
  const free: [CallSpec, number][] = [
    [{ model: 'res.partner', method: 'search_count', params: [['domain', []]] }, 19],
    [{ model: 'res.partner', method: 'search', params: [['domain', []], ['count', true]] }, 16],
    [{ model: 'res.partner', method: 'fields_get', params: [['attributes', ['type']]] }, 19],
    [{ model: 'res.partner', method: 'default_get', params: [['fields', ['name']]] }, 19],
    [{ model: 'res.partner', method: 'create', params: [['vals_list', [{ name: 'x' }]]] }, 19],
    [{ model: 'res.partner', method: 'name_create', params: [['name', 'x']] }, 19],
    [{ model: 'res.partner', method: 'write', ids: [1], params: [['vals', { name: 'x' }]] }, 19],
    [{ model: 'res.partner', method: 'unlink', ids: [1] }, 19],
    [{ model: 'res.partner', method: 'copy', ids: [1] }, 19],
    [{ model: 'res.partner', method: 'exists', ids: [1, 2] }, 19],
    [{ model: 'res.partner', method: 'onchange', ids: [], params: [['values', {}], ['field_names', []], ['fields_spec', { name: {} }]] }, 19],
    [{ model: 'crm.lead', method: 'action_set_won', ids: [1] }, 19],
  ];
  for (const [spec, v] of free) {
    for (const { shape, call } of shapes(spec, v)) assert.deepEqual(recordsPlan(call, v), { kind: 'free' }, `${v} ${spec.method} [${shape}]`);
  }
});

test('record methods that answer with their records are charged their ids: export_data, copy_data, get_metadata, web_save (one when it creates), onchange on records', () => {
  const cases: [CallSpec, number][] = [
    [{ model: 'res.partner', method: 'export_data', ids: [1, 2, 3], params: [['fields_to_export', ['name']]] }, 3],
    [{ model: 'res.partner', method: 'copy_data', ids: [1, 2] }, 2],
    [{ model: 'res.partner', method: 'get_metadata', ids: [1, 2] }, 2],
    [{ model: 'res.partner', method: 'web_save', ids: [4, 5], params: [['vals', {}], ['specification', { email: {} }]] }, 2],
    [{ model: 'res.partner', method: 'web_save', ids: [], params: [['vals', { name: 'x' }], ['specification', { email: {} }]] }, 1],
    [{ model: 'res.partner', method: 'web_save_multi', ids: [4, 5, 6], params: [['vals_list', [{}, {}, {}]], ['specification', { email: {} }]] }, 3],
    [{ model: 'res.partner', method: 'onchange', ids: [4], params: [['values', {}], ['field_names', []], ['fields_spec', { email: {} }]] }, 1],
  ];
  for (const [spec, count] of cases) {
    for (const { shape, call } of shapes(spec, 19)) assert.deepEqual(recordsPlan(call, 19), { kind: 'ids', count }, `${spec.method} [${shape}]`);
  }
});

test('searches and reads are charged the rows answered; an answer streamed past unread, the most it could hold', () => {
  const limit: RecordsPlan = { kind: 'limit', odooDefault: null };
  assert.equal(recordsCharged(limit, [[1, 'a'], [2, 'b']], 5), 2, 'name_search pairs');
  assert.equal(recordsCharged(limit, { length: 40, records: [{ id: 1 }] }, 5), 1, 'web_search_read counts its records, not its length');
  assert.equal(recordsCharged(limit, undefined, 5), 5);
  const ids: RecordsPlan = { kind: 'ids', count: 3 };
  assert.equal(recordsCharged(ids, [{ id: 1 }, { id: 2 }], 3), 2);
  assert.equal(recordsCharged(ids, { datas: [['a'], ['b'], ['c']] }, 3), 3, 'export_data: the ids asked for');
  assert.equal(recordsCharged(ids, null, 3), 3, 'fetch answers None');
  assert.equal(recordsCharged({ kind: 'free' }, [{ id: 1 }], 0), 0);
});
