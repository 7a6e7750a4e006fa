// Answers the proxy must read (to hide names, charge records, translate, journal created ids):
// every legitimate answer Odoo writes is read, and one that still cannot be is refused, never
// passed on unread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMethodCall } from '../../src/rpc/xmlrpc.js';
import { HIDDEN_NAME } from '../../src/proxy/core.js';
import type { Standin } from '../standin/server.js';
import { startHarness, post, type Harness, type Upstream } from '../support/proxy-harness.js';
import { rewritingUpstream } from '../support/rewriting-upstream.js';

const leadReader = { name: 'lead-reader', rules: [{ model: 'crm.lead', methods: ['read', 'write'], fields: ['name', 'partner_id'] }], limits: { records_per_hour: 5 } };

/** search_read over XML-RPC, read from the raw text (the rows' partner pairs), not with the proxy's own reader. */
async function xmlSearchRead(h: Harness<Upstream | undefined>, token: string, limit: number): Promise<{ status: number; text: string; partners: string[] }> {
  const body = encodeMethodCall('execute_kw', [h.db, h.uid, token, 'crm.lead', 'search_read', [[['partner_id', '!=', false]]], { fields: ['name', 'partner_id'], limit, order: 'id' }]);
  const r = await post(`${h.url}/xmlrpc/2/object`, body, { 'Content-Type': 'text/xml' });
  const partners = [...r.text.matchAll(/<name>partner_id<\/name>\s*<value><array><data>\s*<value><int>\d+<\/int><\/value>\s*<value><string>([^<]*)<\/string>/g)].map((m) => m[1]!);
  return { status: r.status, text: r.text, partners };
}

test('a record whose name holds U+FFFF (Odoo writes it raw in XML-RPC): names are still hidden and the records charged', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  h.clock.at = new Date(); // the budget's hour cannot turn over mid-test
  const { token } = await h.addKey(leadReader);
  const [first] = h.standin.orm.search('crm.lead', [['partner_id', '!=', false]], { order: 'id', limit: 1 });
  // The key itself may write the name; JSON carries U+FFFF, and Odoo stores it.
  const w = await post(`${h.url}/jsonrpc`, JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params: { service: 'object', method: 'execute_kw', args: [h.db, h.uid, token, 'crm.lead', 'write', [[first], { name: 'x\uffff' }], {}] } }), { 'Content-Type': 'application/json' });
  assert.match(w.text, /"result": true/);

  const two = await xmlSearchRead(h, token, 2);
  assert.equal(two.status, 200);
  assert.ok(two.text.includes('<string>x\uffff</string>'), two.text.slice(0, 400));
  assert.deepEqual(two.partners, [HIDDEN_NAME, HIDDEN_NAME], 'partner names passed on');
  const line = (await h.journal()).filter((e) => e.method === 'search_read').at(-1);
  assert.equal(line?.outcome, 'ok');
  // 2 of 5 read: a search_read asking for 10 gets the 3 left, then nothing.
  assert.equal((await xmlSearchRead(h, token, 10)).partners.length, 3);
  assert.match((await xmlSearchRead(h, token, 1)).text, /has read its 5 records this hour/);
});

/**
 * Stands where Odoo is and passes calls on to the stand-in; while armed, the answer to a call whose
 * body names `method` is changed by `rewrite` (what Odoo writes for data the stand-in cannot hold).
 */
interface Rewriter extends Upstream {
  armed: boolean;
}

function rewriting(method: string, rewrite: (body: string) => string): (standin: Standin) => Promise<Rewriter> {
  return async (standin) => {
    const up = { armed: true } as Rewriter;
    const started = await rewritingUpstream((url, body) => (up.armed && `${url} ${body}`.includes(method) ? (a) => ({ status: a.status, text: rewrite(a.text) }) : undefined))(standin);
    return Object.assign(up, started);
  };
}

test('an answer the proxy must read and cannot (a __proto__ member) is refused, not passed on, and its records hold is charged (XML-RPC)', async (t) => {
  // What Python's Marshaller writes for a record holding a '__proto__' key (a Json field, say).
  const h = await startHarness({ version: 19, upstream: rewriting('search_read', (b) => b.replace('<value><struct>\n', '<value><struct>\n<member>\n<name>__proto__</name>\n<value><string>x</string></value>\n</member>\n')) });
  t.after(() => h.close());
  h.clock.at = new Date();
  const { token } = await h.addKey(leadReader);
  const r = await xmlSearchRead(h, token, 2);
  assert.match(r.text, /<name>faultString<\/name>/, r.text.slice(0, 300));
  assert.match(r.text, /could not be read \(struct member name '__proto__' is not allowed \(at byte \d+\)\), and the proxy must read it to hide names in it and charge the records it holds: it is not passed on/);
  assert.ok(!r.text.includes('<name>partner_id</name>'), "Odoo's answer was passed on");
  const line = (await h.journal()).filter((e) => e.method === 'search_read').at(-1);
  assert.equal(line?.decision, 'allow');
  assert.equal(line?.outcome, 'upstream_error');
  assert.equal(line?.error?.name, 'UnreadableAnswer');
  assert.match(line?.error?.message ?? '', /__proto__/);
  // The 2 held stay spent: 3 of 5 are left.
  h.upstream.armed = false;
  assert.equal((await xmlSearchRead(h, token, 10)).partners.length, 3);
});

test('an answer nested deeper than the reader takes is refused with 502 on JSON-2, and its records hold is charged', async (t) => {
  const deep = `${'['.repeat(101)}${']'.repeat(101)}`;
  const h = await startHarness({ version: 19, upstream: rewriting('search_read', (b) => b.replace(/^\[\{/, `[{"x": ${deep}, `)) });
  t.after(() => h.close());
  h.clock.at = new Date();
  const { token } = await h.addKey(leadReader);
  const call = (limit: number) => post(`${h.url}/json/2/crm.lead/search_read`, JSON.stringify({ domain: [['partner_id', '!=', false]], fields: ['name', 'partner_id'], limit }), { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
  const r = await call(2);
  assert.equal(r.status, 502, r.text.slice(0, 300));
  assert.match(r.text, /could not be read \(values nested deeper than 100 levels/);
  assert.ok(!r.text.includes('partner_id'), "Odoo's answer was passed on");
  const line = (await h.journal()).filter((e) => e.method === 'search_read').at(-1);
  assert.equal(line?.outcome, 'upstream_error');
  assert.equal(line?.error?.name, 'UnreadableAnswer');
  h.upstream.armed = false;
  const rest = await call(10);
  assert.equal(rest.status, 200, rest.text.slice(0, 300));
  assert.equal((JSON.parse(rest.text) as unknown[]).length, 3);
});

test("the journal says what Odoo answered, whatever the client's JSON-RPC id holds (answers held whole and streamed)", async (t) => {
  // Answers over 512 bytes stream unread; a failed write's answer is smaller and held whole.
  const h = await startHarness({ version: 19, proxy: { inspectBytes: 512 } });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'w', rules: [{ model: 'crm.lead', methods: ['read', 'write'], fields: ['name'] }] });
  const call = (id: unknown, method: string, args: unknown[], kwargs: Record<string, unknown> = {}) =>
    post(`${h.url}/jsonrpc`, JSON.stringify({ jsonrpc: '2.0', method: 'call', id, params: { service: 'object', method: 'execute_kw', args: [h.db, h.uid, token, 'crm.lead', method, args, kwargs] } }), { 'Content-Type': 'application/json' });
  for (const id of [{ result: 1 }, '"result": ']) {
    const r = await call(id, 'write', [[99999999], { name: 'x' }]);
    assert.match(r.text, /MissingError/);
    const line = (await h.journal()).filter((e) => e.method === 'write').at(-1);
    assert.equal(line?.outcome, 'odoo_error', `id ${JSON.stringify(id)}`);
  }
  for (const id of [{ error: 1 }, '"error": ']) {
    const r = await call(id, 'search_read', [[]], { fields: ['name'], limit: 20 });
    assert.ok(r.text.length > 512 && r.text.includes('"result": ['), r.text.slice(0, 200));
    const line = (await h.journal()).filter((e) => e.method === 'search_read').at(-1);
    assert.equal(line?.outcome, 'ok', `id ${JSON.stringify(id)}`);
  }
});
