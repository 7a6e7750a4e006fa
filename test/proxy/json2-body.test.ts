// A JSON-2 body holds the method's keyword arguments plus `ids` and `context`; Odoo's controller
// also takes `model` and `method` as parameters, and some Odoo 19 builds let the body's replace the
// URL's. A call must never be checked as one thing and run as another: `model`/`method` in a JSON-2
// body are refused, and a call translated to JSON-2 for a JSON-2-only Odoo cannot smuggle a keyword
// argument named ids, context, model or method into the body, where it would replace what was checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringifyJson } from '../../src/rpc/json.js';
import { encodeUpstreamCall, type UpstreamTarget } from '../../src/upstream/forward.js';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';

function json2(h: Harness, key: string, model: string, method: string, body: unknown): Promise<{ status: number; text: string }> {
  return post(`${h.url}/json/2/${model}/${method}`, stringifyJson(body as never, { style: 'compact' }), { 'Content-Type': 'application/json; charset=utf-8', Authorization: `bearer ${key}`, 'X-Odoo-Database': h.db });
}

/** The calls of `method` Odoo received after `seq` (the proxy's own checks, search_count, aside). */
function forwardedSince(h: Harness, seq: number, method: string): string[] {
  return h.standin.received.filter((c) => c.seq > seq && c.path.startsWith('/json/2/') && c.path.endsWith(`/${method}`)).map((c) => `${c.path} ${c.body}`);
}

test('JSON-2: a body naming model or method is refused and never reaches Odoo', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'poster', rules: [{ model: 'res.partner', methods: ['read', 'message_post'] }] });
  const before = h.standin.received.at(-1)?.seq ?? 0;
  for (const smuggled of [{ model: 'res.users', method: 'write' }, { model: 'res.users' }, { method: 'unlink' }]) {
    const r = await json2(h, token, 'res.partner', 'message_post', { ids: [1], body: 'hello', ...smuggled });
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /must not name '(model|method)'/);
  }
  assert.deepEqual(forwardedSince(h, before, 'message_post'), [], 'a body naming model or method was sent to Odoo');
  const refused = (await h.journal()).filter((e) => e.method === 'message_post' && e.decision === 'deny');
  assert.equal(refused.length, 3, 'each refusal is journaled');
  assert.ok(refused.every((e) => /must not name '(model|method)'/.test(e.reason ?? '')));
  // The same call without them goes through: only the smuggling is refused.
  const ok = await json2(h, token, 'res.partner', 'read', { ids: [1], fields: ['name'] });
  assert.equal(ok.status, 200, ok.text);
});

test('to a JSON-2-only Odoo: a keyword argument named ids, model or method is refused, not put in the body', async (t) => {
  const h = await startHarness({ version: 19, proxy: { upstreamProtocol: 'json2' } });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'poster', rules: [{ model: 'res.partner', methods: ['message_post', 'read'], domain: [['id', '=', 1]] }] });
  const before = h.standin.received.at(-1)?.seq ?? 0;
  for (const extra of [{ ids: [3] }, { model: 'res.users' }, { method: 'unlink' }]) {
    const envelope = { jsonrpc: '2.0', method: 'call', id: 7, params: { service: 'object', method: 'execute_kw', args: [h.db, h.uid, token, 'res.partner', 'message_post', [[1]], { body: 'hello', ...extra }] } };
    const r = await post(`${h.url}/jsonrpc`, JSON.stringify(envelope), { 'Content-Type': 'application/json' });
    const answer = JSON.parse(r.text) as { error?: { data: { message: string } } };
    assert.ok(answer.error, `allowed: ${r.text}`);
    assert.match(answer.error.data.message, new RegExp(`keyword argument named '${Object.keys(extra)[0]}' cannot be carried`));
  }
  assert.deepEqual(forwardedSince(h, before, 'message_post'), [], 'the translated call was sent to Odoo');
  const journal = await h.journal();
  assert.equal(journal.filter((e) => e.method === 'message_post' && e.decision === 'deny').length, 3, 'each refusal is journaled');
});

test('the upstream encoder refuses a JSON-2 call whose keyword arguments would replace ids, model, method or the context', () => {
  const target = { url: new URL('http://odoo.invalid'), db: 'd', uid: 2, key: 'k', profile: 'p', version: 19 } as unknown as UpstreamTarget;
  const call = { protocol: 'json2' as const, entry: 'json2' as const, db: 'd', uid: null, credential: 'c', model: 'res.partner', method: 'write', args: [], ids: [1] };
  for (const name of ['ids', 'model', 'method']) {
    assert.throws(() => encodeUpstreamCall(target, { ...call, kwargs: { vals: { name: 'x' }, [name]: [3] } }, 'json2'), new RegExp(`keyword argument '${name}' is reserved`));
  }
  // A context as keyword argument (how the proxy's own calls pass it) is sent as the body's context,
  // but not beside a context of the call's own.
  assert.throws(() => encodeUpstreamCall(target, { ...call, context: { lang: 'en_US' }, kwargs: { context: { active_test: false } } }, 'json2'), /keyword argument 'context' is reserved/);
  assert.deepEqual(JSON.parse(encodeUpstreamCall(target, { ...call, kwargs: { context: { lang: 'en_US' } } }, 'json2').body.toString()), { ids: [1], context: { lang: 'en_US' } });
  const body = JSON.parse(encodeUpstreamCall(target, { ...call, kwargs: { vals: { name: 'x' } } }, 'json2').body.toString()) as Record<string, unknown>;
  assert.deepEqual(body, { ids: [1], vals: { name: 'x' } });
});
