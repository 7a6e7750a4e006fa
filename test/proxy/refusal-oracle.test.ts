// Refusals must not be an oracle on facts the proxy reads upstream as the integration user. A key
// allowed to load crm.lead, with no rule on ir.model.data, names external ids of other models'
// records: the refusal it gets says what to fix, but not which model or record an external id names
// (ir.model.data's), while the journal line keeps the full reason for the administrator in `detail`.
// And a key's own ids outside its domain get the same answer whether the record exists or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executeKw, RpcCallError } from '../standin/client.js';
import { post, startHarness } from '../support/proxy-harness.js';
import { rewritingUpstream } from '../support/rewriting-upstream.js';
import { encodeMethodCall } from '../../src/rpc/xmlrpc.js';
import type { RpcValue } from '../../src/rpc/values.js';

test('refusals withhold what external ids name from a key that may not read ir.model.data; the journal keeps it', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const orm = h.standin.orm;
  const xid = (module: string, name: string, model: string, resId: number): void => void orm.create('ir.model.data', { module, name, model, res_id: resId });
  const secret = orm.create('res.partner', { name: 'Secret Holding' }) as number;
  xid('__export__', 'secret_holding', 'res.partner', secret);
  const tag = orm.create('res.partner.category', { name: 'Hidden tag' }) as number;
  xid('__export__', 'hidden_tag', 'res.partner.category', tag);
  const theirs = orm.create('crm.lead', { name: 'Their lead', type: 'opportunity' }) as number;
  xid('__import__', 'their_lead', 'crm.lead', theirs);
  // Imports leads (no write: rows naming an existing record are looked up); partners it links must be customers.
  const rules = [
    { model: 'crm.lead', methods: ['create', 'load'], fields: ['name', 'partner_id'] },
    { model: 'res.partner', methods: ['read'], fields: ['name'], domain: [['customer_rank', '>', 0]] },
  ];
  const { token } = await h.addKey({ name: 'lead-loader', rules });
  const { token: reader } = await h.addKey({ name: 'xid-reader', rules: [...rules, { model: 'ir.model.data', methods: ['read'], allow_sensitive: true }] });
  // Imports and updates leads of type 'lead' only (the created ones get it from default_type).
  const { token: typed } = await h.addKey({ name: 'typed-loader', rules: [{ model: 'crm.lead', methods: ['create', 'write', 'load'], fields: ['name', 'type'], domain: [['type', '=', 'lead']] }] });
  const load = (key: string, fields: string[], data: RpcValue[][], context?: Record<string, RpcValue>): Promise<RpcValue> =>
    executeKw(h.url, h.db, h.uid, key, 'crm.lead', 'load', [fields, data], context ? { context } : {});
  const refusal = async (what: string, call: () => Promise<unknown>): Promise<string> => {
    const err = await call().then((v) => assert.fail(`${what} was allowed: ${JSON.stringify(v)}`), (e: unknown) => e);
    assert.ok(err instanceof RpcCallError, `${what}: ${String(err)}`);
    return err.message;
  };
  const lastLine = async () => (await h.journal()).at(-1)!;
  const hides = (message: string, what: string, ...facts: RegExp[]): void => {
    for (const f of facts) assert.doesNotMatch(message, f, `${what}: the client is told a fact read upstream`);
  };

  // The 'id' column names a res.partner record: refused (Odoo refuses the row), without its model or id.
  const partnerRow = await refusal('id of a partner', () => load(token, ['id', 'name'], [['__export__.secret_holding', 'Web lead']]));
  assert.match(partnerRow, /load column 'id': the external id '__export__\.secret_holding' names a record of another model than crm\.lead \(Odoo refuses the row\); use an external id no record has/);
  hides(partnerRow, 'id of a partner', /res\.partner/, new RegExp(`\\b${secret}\\b`));
  let line = await lastLine();
  assert.equal(line.decision, 'deny');
  assert.match(line.reason!, /names a record of another model than crm\.lead/, 'the journal keeps what the client was told');
  assert.match(line.detail!, new RegExp(`the external id '__export__\\.secret_holding' names a res\\.partner record \\(${secret}\\), not a crm\\.lead one`), 'the journal keeps the fact');

  // A link cell naming a tag, and one naming nothing: the client is told the same, the journal tells them apart.
  const aTag = await refusal('a tag as partner', () => load(token, ['name', 'partner_id/id'], [['Web lead', '__export__.hidden_tag']]));
  const none = await refusal('no such partner', () => load(token, ['name', 'partner_id/id'], [['Web lead', '__export__.no_such_thing']]));
  assert.match(aTag, /load column 'partner_id\/id': the external id '__export__\.hidden_tag' names no res\.partner record \(Odoo fails the row/);
  hides(aTag, 'a tag as partner', /res\.partner\.category/, new RegExp(`record \\(?${tag}\\b`));
  assert.equal(aTag.replace('hidden_tag', 'X'), none.replace('no_such_thing', 'X'), 'another model and no record read the same to the client');
  line = await lastLine();
  assert.match(line.detail!, /'__export__\.no_such_thing', which no res\.partner record has/);
  const lines = await h.journal();
  assert.match(lines.at(-2)!.detail!, new RegExp(`'__export__\\.hidden_tag' names a res\\.partner\\.category record \\(${tag}\\)`));

  // A row naming an existing lead outside the domain (an update): refused without the lead's id.
  const update = await refusal('a lead outside the domain', () => load(typed, ['id', 'name'], [['__import__.new_one', 'Web a'], ['__import__.their_lead', 'Web b']], { default_type: 'lead' }));
  assert.match(update, /load column 'id' updates existing records \(data\[1\]: '__import__\.their_lead' names an existing crm\.lead record\), and rule 0 \(crm\.lead: [^)]*\) limits crm\.lead to a domain/);
  hides(update, 'a lead outside the domain', new RegExp(`record ${theirs}\\b`));
  assert.match((await lastLine()).detail!, new RegExp(`names crm\\.lead record ${theirs}\\)`));

  // A key that may read ir.model.data is told the fact itself (nothing withheld, no detail).
  const told = await refusal('reader: id of a partner', () => load(reader, ['id', 'name'], [['__export__.secret_holding', 'Web lead']]));
  assert.match(told, new RegExp(`names a res\\.partner record \\(${secret}\\), not a crm\\.lead one`));
  line = await lastLine();
  assert.equal(line.detail, undefined);
  assert.match(line.reason!, /names a res\.partner record/);

  // Nothing of these reached Odoo's load.
  assert.equal(h.standin.received.filter((r) => r.method === 'load').length, 0);
});

test('a key\'s own ids outside its domain: the same refusal whether the record exists or not', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const orm = h.standin.orm;
  const outside = orm.create('crm.lead', { name: 'Not yours', type: 'opportunity' }) as number;
  const missing = outside + 100_000;
  const { token } = await h.addKey({ name: 'web-leads', rules: [{ model: 'crm.lead', methods: ['read', 'write'], fields: ['name', 'type'], domain: [['type', '=', 'lead']] }] });
  const answer = async (ids: number[], method: string, args: RpcValue[]): Promise<string> => {
    const err = await executeKw(h.url, h.db, h.uid, token, 'crm.lead', method, [ids, ...args]).then((v) => assert.fail(`allowed: ${JSON.stringify(v)}`), (e: unknown) => e);
    assert.ok(err instanceof RpcCallError, String(err));
    return err.message;
  };
  const calls: [string, RpcValue[]][] = [['write', [{ name: 'Web x' }]], ['read', [['name']]]];
  for (const [method, args] of calls) {
    const there = await answer([outside], method, args);
    const gone = await answer([missing], method, args);
    assert.match(there, new RegExp(`${method} on crm\\.lead records outside rule 0`));
    assert.equal(there, gone, `${method}: a missing id and one outside the domain read the same`);
  }
});

// Found in review6: a property value written on the key's own ids made the proxy read their
// team_id (the definition record) as the integration user before the id check, so a lead outside
// the key's domain answered one way when it has a team (allowed, then refused by the id check),
// another when it has none, and a third when it does not exist. Those reads are now made inside the
// rule's domain: every lead outside it reads as a missing one.
test('property values on the key\'s own ids outside its domain: the same refusal whether the lead exists, has a team or not', async (t) => {
  const upstream = rewritingUpstream((_url, body) => {
    if (body.includes('"fields_get"') && body.includes('"crm.lead"')) {
      return (a) => {
        const parsed = JSON.parse(a.text) as { result?: Record<string, Record<string, RpcValue>> };
        const lp = parsed.result?.lead_properties;
        if (lp) Object.assign(lp, { definition_record: 'team_id', definition_record_field: 'lead_properties_definition' });
        return { status: a.status, text: JSON.stringify(parsed) };
      };
    }
    if (body.includes('"crm.team"') && body.includes('"lead_properties_definition"')) {
      return (a) => {
        const parsed = JSON.parse(a.text) as { id?: RpcValue };
        return { status: 200, text: JSON.stringify({ jsonrpc: '2.0', id: parsed.id ?? null, result: [{ id: 1, lead_properties_definition: [{ name: 'p_count', string: 'Count', type: 'integer' }] }] }) };
      };
    }
    return undefined;
  });
  const h = await startHarness({ version: 19, upstream });
  t.after(() => h.close());
  const orm = h.standin.orm;
  const inTeam = orm.create('crm.lead', { name: 'Theirs, team 1', type: 'opportunity', team_id: 1 }) as number;
  const noTeam = orm.create('crm.lead', { name: 'Theirs, no team', type: 'opportunity', team_id: false }) as number;
  const mine = orm.create('crm.lead', { name: 'Mine', type: 'lead', team_id: 1 }) as number;
  const missing = Math.max(inTeam, noTeam, mine) + 100_000;
  const rules = [
    { model: 'crm.lead', methods: ['read', 'write'], fields: ['name', 'lead_properties'], domain: [['type', '=', 'lead']] },
    { model: 'res.partner', methods: ['read'], domain: [['customer_rank', '>', 0]] },
  ];
  const { token } = await h.addKey({ name: 'web-leads-props', rules });
  // JSON-RPC: the rewriting upstream answers JSON (the proxy's own reads go in the call's protocol).
  const write = async (id: number): Promise<{ result?: RpcValue; error?: { message: string; data?: { message?: string } } }> => {
    const r = await post(`${h.url}/jsonrpc`, JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params: { service: 'object', method: 'execute_kw', args: [h.db, h.uid, token, 'crm.lead', 'write', [[id], { lead_properties: { p_count: 42 } }], {}] } }), { 'Content-Type': 'application/json' });
    return JSON.parse(r.text) as { result?: RpcValue };
  };
  const answer = async (id: number): Promise<{ message: string; calls: number }> => {
    const before = h.standin.received.length;
    const r = await write(id);
    assert.ok(r.error, `lead ${id}: allowed: ${JSON.stringify(r)}`);
    return { message: JSON.stringify(r.error).replaceAll(String(id), 'N'), calls: h.standin.received.length - before };
  };
  await answer(missing); // the schemas read once, kept
  const gone = await answer(missing);
  for (const [what, id] of [['a lead of team 1', inTeam], ['a lead of no team', noTeam]] as const) {
    const there = await answer(id);
    assert.equal(there.message, gone.message, `${what} outside the domain reads as a missing one`);
    assert.equal(there.calls, gone.calls, `${what}: as many calls to Odoo as for a missing one`);
  }
  assert.ok(!h.standin.received.some((r) => r.method === 'write'), 'no write reached Odoo');
  // Not too strict: the key's own lead inside the domain is written, judged by its team's definition.
  assert.equal((await write(mine)).result, true);
  assert.deepEqual(orm.get('crm.lead', mine)?.lead_properties, { p_count: 42 });
});

// review6: every path a refusal takes to the client (XML-RPC faults on /xmlrpc/2/object and the
// legacy /xmlrpc/object, JSON-RPC's error message and data, JSON-2's error body, the HTTP status and
// headers) carries what decide told, never its detail: an external id naming a tag and one naming
// nothing give byte-identical answers (the two names have one length), with as many upstream calls.
test('an external id of another model and one no record has: the same status, headers, body and upstream calls on every protocol', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const orm = h.standin.orm;
  const tag = orm.create('res.partner.category', { name: 'Hidden tag' }) as number;
  orm.create('ir.model.data', { module: '__export__', name: 'hidden_tag', model: 'res.partner.category', res_id: tag });
  const loads = { model: 'crm.lead', methods: ['create', 'load'], fields: ['name', 'partner_id'] };
  // Partners it links must be customers: every external id is looked up and judged by the proxy.
  const { token: checked } = await h.addKey({ name: 'lead-loader', rules: [loads, { model: 'res.partner', methods: ['read'], domain: [['customer_rank', '>', 0]] }] });
  // No rule on res.partner: it may link any partner, so Odoo resolves the external ids itself.
  const { token: free } = await h.addKey({ name: 'lead-loader-free', rules: [loads] });
  let token = checked;
  const args = (xid: string): RpcValue[] => [['name', 'partner_id/id'], [['Web lead', `__export__.${xid}`]]];
  const xml = (path: string, method: string, params: unknown[]) => post(`${h.url}${path}`, encodeMethodCall(method, params), { 'Content-Type': 'text/xml' });
  const ways: [string, (xid: string) => ReturnType<typeof post>][] = [
    ['xmlrpc/2/object execute_kw', (x) => xml('/xmlrpc/2/object', 'execute_kw', [h.db, h.uid, token, 'crm.lead', 'load', args(x), {}])],
    ['xmlrpc/2/object execute', (x) => xml('/xmlrpc/2/object', 'execute', [h.db, h.uid, token, 'crm.lead', 'load', ...args(x)])],
    ['legacy xmlrpc/object', (x) => xml('/xmlrpc/object', 'execute_kw', [h.db, h.uid, token, 'crm.lead', 'load', args(x), {}])],
    ['jsonrpc', (x) => post(`${h.url}/jsonrpc`, JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params: { service: 'object', method: 'execute_kw', args: [h.db, h.uid, token, 'crm.lead', 'load', args(x), {}] } }), { 'Content-Type': 'application/json' })],
    ['json2', (x) => post(`${h.url}/json/2/crm.lead/load`, JSON.stringify({ fields: args(x)[0], data: args(x)[1] }), { 'Content-Type': 'application/json', Authorization: `bearer ${token}`, 'X-Odoo-Database': h.db })],
  ];
  const seen = (r: Awaited<ReturnType<typeof post>>, xid: string) => ({
    status: r.status,
    headers: [...r.headers].filter(([k]) => k !== 'date').map(([k, v]) => `${k}: ${v}`).sort(),
    body: r.text.replaceAll(xid, 'XID'),
  });
  for (const [way, send] of ways) {
    await send('nothing_xx'); // the schemas read once, kept
    const before = h.standin.received.length;
    const other = seen(await send('hidden_tag'), 'hidden_tag');
    const middle = h.standin.received.length;
    const none = seen(await send('nothing_xx'), 'nothing_xx');
    assert.equal(middle - before, h.standin.received.length - middle, `${way}: as many upstream calls`);
    assert.deepEqual(other, none, `${way}: the answers differ`);
    assert.match(other.body, /names no res\.partner record/, `${way}: the refusal`);
    assert.doesNotMatch(other.body, /res\.partner\.category|Hidden tag/, `${way}: the detail reached the client`);
    assert.doesNotMatch(other.body, new RegExp(`\\(${tag}\\)`), `${way}: the tag's id reached the client`);
  }
  // The journal has both facts apart.
  assert.ok((await h.journal()).some((l) => /names a res\.partner\.category record/.test(l.detail ?? '')));

  // Without a rule on res.partner the proxy has no check to make, and Odoo's own answer to an
  // external id of another model names it ("Invalid external ID ...: expected model 'res.partner',
  // found 'res.partner.category'"): the proxy looks the cells up and refuses that one without it.
  // One no record has still goes to Odoo, whose answer names no model.
  token = free;
  for (const [way, send] of ways) {
    const other = await send('hidden_tag');
    assert.match(other.text, /names no res\.partner record/, `${way}: refused by the proxy`);
    assert.doesNotMatch(other.text, /res\.partner\.category|Hidden tag/, `${way}: the model reached the client`);
    assert.doesNotMatch((await send('nothing_xx')).text, /res\.partner\.category/, way);
  }
  assert.equal(h.standin.received.filter((r) => r.method === 'load' && JSON.stringify(r).includes('hidden_tag')).length, 0, 'no load naming the tag reached Odoo');
});
