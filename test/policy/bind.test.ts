import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindCall, rebuildCall, json2Params, BindError } from '../../src/policy/bind.js';
import { signatureOf, READ_METHODS, expandMethods } from '../../src/policy/methods.js';
import { callFromCheckArgs, CheckArgsError, describeDecision } from '../../src/policy/check.js';
import { decide } from '../../src/policy/decide.js';
import { shapes, env, key } from './support.js';
import type { OdooCall } from '../../src/rpc/call.js';

test('bindCall: every shape binds to the same parameters, ids and context', () => {
  const spec = { model: 'crm.lead', method: 'read', ids: [1, 2], params: [['fields', ['name']], ['load', null]] as [string, never][] };
  for (const { shape, call } of shapes(spec)) {
    const b = bindCall(call, 18);
    assert.deepEqual(b.ids, [1, 2], shape);
    assert.deepEqual(b.params, { fields: ['name'], load: null }, shape);
  }
  const withCtx = shapes({ model: 'crm.lead', method: 'search_read', params: [['domain', []]], context: { lang: 'nl_NL' } });
  for (const { shape, call } of withCtx) assert.deepEqual(bindCall(call, 18).context, { lang: 'nl_NL' }, shape);
});

test('bindCall: signatures per version (name_search args/domain, search count, default_get)', () => {
  const ns = (version: number) => bindCall({ protocol: 'xmlrpc', entry: 'execute', db: 'd', uid: 1, credential: 'k', model: 'res.partner', method: 'name_search', args: ['acme', [['x', '=', 1]]], kwargs: {} }, version).params;
  assert.deepEqual(ns(18), { name: 'acme', args: [['x', '=', 1]] });
  assert.deepEqual(ns(19), { name: 'acme', domain: [['x', '=', 1]] });
  assert.equal(signatureOf('search', 16)!.params.includes('count'), true);
  assert.equal(signatureOf('search', 17)!.params.includes('count'), false);
  assert.equal(signatureOf('default_get', 19)!.params[0], 'fields');
  assert.equal(signatureOf('name_get', 17), undefined);
  assert.equal(signatureOf('formatted_read_group', 18), undefined);
  assert.ok(READ_METHODS[19].includes('formatted_read_group'));
  assert.ok(!READ_METHODS[18].includes('formatted_read_group'));
  assert.ok(expandMethods(['read'], 15).has('name_get'), 'below 16 reads as 16');
  assert.ok(expandMethods(['read'], 20).has('formatted_read_group'), 'above 19 reads as 19');
  assert.equal(signatureOf('constructor', 18), undefined, 'no prototype lookups');
});

test('bindCall: what Odoo would refuse with a TypeError', () => {
  const base: OdooCall = { protocol: 'xmlrpc', entry: 'execute_kw', db: 'd', uid: 1, credential: 'k', model: 'crm.lead', method: 'search_read', args: [], kwargs: {} };
  assert.throws(() => bindCall({ ...base, args: [[], [], 0, 1, '', 5] }, 18), (e: unknown) => e instanceof BindError && /takes 5 arguments after the ids, but 6 were given/.test(e.message));
  assert.throws(() => bindCall({ ...base, kwargs: { domian: [] } }, 18), /unexpected keyword argument 'domian'/);
  assert.throws(() => bindCall({ ...base, args: [[]], kwargs: { domain: [] } }, 18), /multiple values for argument 'domain'/);
  assert.throws(() => bindCall({ ...base, method: 'read', args: [] }, 18), /the record ids must come first/);
  const d = decide(key([{ model: 'crm.lead', methods: ['read'] }]), { ...base, kwargs: { domian: [] } }, env());
  assert.equal(d.verdict, 'deny');
});

test('rebuildCall: positional stays positional, rewrites go by name; execute becomes execute_kw when needed', () => {
  const exec: OdooCall = { protocol: 'xmlrpc', entry: 'execute', db: 'd', uid: 1, credential: 'k', model: 'crm.lead', method: 'search_read', args: [[['a', '=', 1]], ['name']], kwargs: {} };
  const b = bindCall(exec, 18);
  assert.deepEqual(rebuildCall(b), exec, 'unchanged binding, unchanged call');
  b.params.limit = 5;
  b.params.domain = ['&', ['a', '=', 1], ['b', '=', 2]];
  const r = rebuildCall(b);
  assert.equal(r.entry, 'execute_kw');
  assert.deepEqual(r.args, [['&', ['a', '=', 1], ['b', '=', 2]], ['name']]);
  assert.deepEqual(r.kwargs, { limit: 5 });
  const j: OdooCall = { protocol: 'json2', entry: 'json2', db: null, uid: null, credential: 'k', model: 'crm.lead', method: 'write', args: [], kwargs: { vals: { name: 'x' } }, ids: [1], context: { lang: 'en_US' } };
  assert.deepEqual(rebuildCall(bindCall(j, 19)), j);
  // carrying an XML-RPC call to a JSON-2-only upstream
  const x: OdooCall = { protocol: 'xmlrpc', entry: 'execute_kw', db: 'd', uid: 1, credential: 'k', model: 'crm.lead', method: 'write', args: [[1, 2], { name: 'x' }], kwargs: { context: { tz: 'UTC' } } };
  assert.deepEqual(json2Params(bindCall(x, 19)), { ids: [1, 2], vals: { name: 'x' }, context: { tz: 'UTC' } });
  const custom: OdooCall = { ...x, method: 'action_confirm', args: [[3]], kwargs: {} };
  assert.deepEqual(json2Params(bindCall(custom, 19)), { ids: [3] });
  assert.throws(() => json2Params(bindCall({ ...custom, args: [[3], 'extra'] }, 19)), /positional arguments/);
});

test('callFromCheckArgs and describeDecision: what `check` prints', () => {
  const c = callFromCheckArgs({ model: 'crm.lead', method: 'search_read', args: '[[["name","ilike","a"]]]', kwargs: '{"fields":[]}', context: '{"lang":"nl_NL"}' });
  assert.equal(c.entry, 'execute_kw');
  assert.deepEqual(c.kwargs, { fields: [], context: { lang: 'nl_NL' } });
  assert.throws(() => callFromCheckArgs({ model: 'm', method: 'x', args: '{' }), (e: unknown) => e instanceof CheckArgsError && e.flag === '--args');
  assert.throws(() => callFromCheckArgs({ model: 'm', method: 'x', kwargs: '[]' }), /--kwargs: must be a JSON object/);
  assert.throws(() => callFromCheckArgs({ model: 'm', method: 'x', kwargs: '{"context":{}}', context: '{}' }), /given twice/);
  const k = key([{ model: 'crm.lead', methods: ['read'], fields: ['name'], max_limit: 10 }]);
  assert.match(describeDecision(decide(k, c, env())), /^ALLOW by rule 0: limit narrowed to 10/);
  assert.match(describeDecision(decide(k, callFromCheckArgs({ model: 'crm.lead', method: 'unlink', args: '[[1]]' }), env())), /^DENY: no rule allows unlink on crm.lead/);
  assert.match(describeDecision(decide(k, c, env({ schema: () => undefined }))), /^NEED SCHEMA: the fields of crm.lead/);
});
