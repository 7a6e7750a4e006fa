// records_per_hour through the running proxy: every method that hands back records is charged,
// over every protocol and on Odoo 18 and 19, so a key refused a search_read cannot read the same
// records through name_search or a grouping (src/policy/budget.ts says how each kind is charged).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMethodCall, decodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { parseJson } from '../../src/rpc/json.js';
import { READ_METHODS } from '../../src/policy/methods.js';
import type { RpcValue } from '../../src/rpc/values.js';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';

const partners = [{ model: 'res.partner', methods: ['read'] }];

/** One call through the proxy, over the protocol named: `ok` and the result, or the error's text. */
type Outcome = { ok: true; result: RpcValue; status: number } | { ok: false; message: string; status: number };

function client(h: Harness, token: string) {
  const json2 = async (method: string, body: Record<string, RpcValue>): Promise<Outcome> => {
    const r = await post(`${h.url}/json/2/res.partner/${method}`, JSON.stringify(body), { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
    const v = parseJson(r.text) as RpcValue;
    if (r.status === 200) return { ok: true, result: v, status: r.status };
    return { ok: false, message: String((v as { message?: string }).message), status: r.status };
  };
  const xmlrpc = async (method: string, args: RpcValue[], kwargs: Record<string, RpcValue> = {}): Promise<Outcome> => {
    const r = await post(`${h.url}/xmlrpc/2/object`, encodeMethodCall('execute_kw', [h.db, h.uid, token, 'res.partner', method, args, kwargs]), { 'Content-Type': 'text/xml' });
    const v = decodeMethodResponse(r.text);
    if (v.kind === 'fault') return { ok: false, message: String(v.faultString), status: Number(v.faultCode) };
    return { ok: true, result: v.value, status: r.status };
  };
  const jsonrpc = async (method: string, args: RpcValue[], kwargs: Record<string, RpcValue> = {}): Promise<Outcome> => {
    const body = { jsonrpc: '2.0', method: 'call', id: 7, params: { service: 'object', method: 'execute_kw', args: [h.db, h.uid, token, 'res.partner', method, args, kwargs] } };
    const r = await post(`${h.url}/jsonrpc`, JSON.stringify(body), { 'Content-Type': 'application/json' });
    const v = parseJson(r.text) as { result?: RpcValue; error?: { data?: { message?: string } } };
    if (v.error) return { ok: false, message: String(v.error.data?.message), status: r.status };
    return { ok: true, result: v.result ?? null, status: r.status };
  };
  return { json2, xmlrpc, jsonrpc };
}

function rows(o: Outcome, label: string): RpcValue[] {
  assert.ok(o.ok, `${label}: refused: ${o.ok ? '' : o.message}`);
  assert.ok(Array.isArray(o.result), `${label}: not a list`);
  return o.result;
}

function refused(o: Outcome, pattern: RegExp, label: string): void {
  assert.ok(!o.ok, `${label}: answered ${JSON.stringify(o.ok ? o.result : null)?.slice(0, 200)}`);
  assert.match(o.message, pattern, label);
}

const SPENT = /has read its \d+ records this hour/;
const COVERS_MORE = /may read \d+ more records this hour, and this call's groups cover more/;

describe('records_per_hour charges every method that returns records (Odoo 19)', () => {
  let h: Harness;
  let some: number[];
  before(async () => {
    h = await startHarness({ version: 19 });
    // A stopped clock: the budget's hour cannot turn over in the middle of a test.
    h.clock.at = new Date();
    some = h.standin.orm.search('res.partner', [['email', '!=', false]], { limit: 3 });
  });
  after(() => h?.close());

  test('name_search is narrowed to the records left, then refused once they are spent (JSON-2, XML-RPC)', async () => {
    const { token, id } = await h.addKey({ rules: partners, limits: { records_per_hour: 3 } });
    const c = client(h, token);
    assert.equal(rows(await c.json2('name_search', { name: '', limit: 100 }), 'JSON-2 name_search').length, 3, 'narrowed to the 3 records of the budget');
    refused(await c.xmlrpc('name_search', [''], { limit: 100 }), SPENT, 'XML-RPC name_search after the budget is spent');
    refused(await c.json2('web_name_search', { name: '', specification: { display_name: {} } }), SPENT, 'web_name_search too');
    const lines = (await h.journal()).filter((e) => e.key === id && e.decision === 'deny');
    assert.equal(lines.length, 2);
    assert.ok(lines.every((e) => e.limit === 'records_per_hour'));
  });

  test('read_group with array_agg: refused when its groups would cover more records than are left, else charged the records they cover (XML-RPC, JSON-2)', async () => {
    const { token } = await h.addKey({ rules: partners, limits: { records_per_hour: 5 } });
    const c = client(h, token);
    h.standin.clearReceived();
    const all = await c.xmlrpc('read_group', [[], ['email:array_agg'], ['id']]);
    refused(all, COVERS_MORE, 'every partner grouped by id');
    assert.equal(h.standin.received.filter((r) => r.method === 'read_group').length, 0, 'the grouping never reached Odoo');
    assert.equal(h.standin.received.filter((r) => r.method === 'search_count').length, 1, 'its records were counted first');

    const three = rows(await c.json2('read_group', { domain: [['id', 'in', some]], fields: ['email:array_agg'], groupby: ['id'] }), 'three partners grouped by id');
    assert.equal(three.length, 3);
    assert.equal(rows(await c.json2('search_read', { domain: [], fields: ['name'] }), 'search_read after').length, 2, 'the 3 grouped records were charged: 2 left');
    refused(await c.xmlrpc('read_group', [[['id', '=', some[0]!]], ['email:array_agg'], ['id']]), SPENT, 'read_group once spent');
  });

  test('formatted_read_group, whose groups have no count unless asked: charged the records of its domain (JSON-RPC, JSON-2)', async () => {
    const { token } = await h.addKey({ rules: partners, limits: { records_per_hour: 4 } });
    const c = client(h, token);
    refused(await c.jsonrpc('formatted_read_group', [[]], { groupby: ['id'], aggregates: ['email:array_agg'] }), COVERS_MORE, 'every partner grouped by id');
    const groups = rows(await c.json2('formatted_read_group', { domain: [['id', 'in', some]], groupby: ['id'], aggregates: ['email:array_agg'] }), 'three partners');
    assert.equal(groups.length, 3);
    assert.ok(groups.every((g) => !('__count' in (g as object))), 'the answer itself carries no count');
    refused(await c.json2('formatted_read_group', { domain: [['id', 'in', some]], groupby: ['id'], aggregates: ['__count'] }), COVERS_MORE, 'charged 3 of 4: three records with 1 left');
    assert.equal(rows(await c.jsonrpc('formatted_read_group', [[['id', '=', some[0]!]]], { groupby: ['id'], aggregates: ['email:array_agg'] }), 'one record').length, 1);
    refused(await c.jsonrpc('search_read', [[]], { fields: ['name'] }), SPENT, 'search_read once spent');
  });

  test('once the budget is spent, every read-preset method that returns records is refused before it reaches Odoo; counts and fields_get stay free', async () => {
    const { token } = await h.addKey({ rules: partners, limits: { records_per_hour: 1 } });
    const c = client(h, token);
    assert.equal(rows(await c.json2('search_read', { domain: [], fields: ['name'] }), 'spending the budget').length, 1);
    const first = some[0]!;
    const bodies: Record<string, Record<string, RpcValue>> = {
      search: { domain: [] },
      search_read: { domain: [], fields: ['name'] },
      read: { ids: [first], fields: ['name'] },
      name_search: { name: '' },
      read_group: { domain: [], fields: [], groupby: ['is_company'] },
      web_search_read: { domain: [], specification: { name: {} } },
      web_read: { ids: [first], specification: { name: {} } },
      web_read_group: { domain: [], groupby: ['is_company'], aggregates: [] },
      read_progress_bar: { domain: [], group_by: 'is_company', progress_bar: { field: 'is_company', colors: {} } },
      search_fetch: { domain: [], field_names: ['name'] },
      fetch: { ids: [first], field_names: ['name'] },
      web_name_search: { name: '', specification: { display_name: {} } },
      formatted_read_group: { domain: [], groupby: ['is_company'], aggregates: [] },
      formatted_read_grouping_sets: { domain: [], grouping_sets: [['is_company']], aggregates: [] },
    };
    const free = new Set(['search_count', 'fields_get']);
    assert.deepEqual(new Set(Object.keys(bodies)), new Set(READ_METHODS[19].filter((m) => !free.has(m))), 'every method of the read preset is tried');
    h.standin.clearReceived();
    for (const [method, body] of Object.entries(bodies)) {
      const o = await c.json2(method, body);
      refused(o, SPENT, method);
      assert.equal(o.status, 429, method);
    }
    assert.deepEqual(h.standin.received.map((r) => r.method), [], 'none reached Odoo');
    assert.ok((await c.json2('search_count', { domain: [] })).ok, 'search_count is a number, not records');
    assert.ok((await c.json2('fields_get', { attributes: ['type'] })).ok, 'fields_get describes the model');
  });

  test('a grouping Odoo cannot count is refused, not forwarded', async () => {
    const { token } = await h.addKey({ rules: partners, limits: { records_per_hour: 50 } });
    const c = client(h, token);
    h.standin.clearReceived();
    h.standin.faults.drop = 1;
    const o = await c.json2('formatted_read_group', { domain: [], groupby: ['id'], aggregates: ['email:array_agg'] });
    assert.ok(!o.ok, 'refused');
    assert.match(o.message, /could not count/);
    assert.equal(h.standin.received.length, 1, 'one request reached Odoo');
    assert.equal(h.standin.received[0]!.fault, 'drop');
    // The count goes in the call's own protocol (JSON-2 here): the method is in the path.
    assert.match(h.standin.received[0]!.path, /\/json\/2\/res\.partner\/search_count$/, 'it was the count');
  });
});

describe('records_per_hour on Odoo 18 method names', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ version: 18 });
    h.clock.at = new Date();
  });
  after(() => h?.close());

  test('name_search with its positional args and limit, and read_group, are charged (XML-RPC, JSON-RPC)', async () => {
    const { token } = await h.addKey({ rules: partners, limits: { records_per_hour: 3 } });
    const c = client(h, token);
    refused(await c.jsonrpc('read_group', [[], ['email:array_agg'], ['id']]), COVERS_MORE, 'every partner grouped by id');
    assert.equal(rows(await c.xmlrpc('name_search', ['', [], 'ilike', 100]), 'positional limit 100').length, 3, 'narrowed where it was given');
    refused(await c.jsonrpc('name_search', [''], { args: [], limit: 1 }), SPENT, 'name_search once spent');
    refused(await c.xmlrpc('read_group', [[['id', '=', 1]], ['email:array_agg'], ['id']]), SPENT, 'read_group once spent');
  });
});
