// What real clients send that Odoo reads one way and a naive check another: contexts and keyword
// arguments Python reads as false, datetimes in domains, the uid the proxy handed out sent back in
// the context, '' as a limit or offset; and empty limits in a key that must not read as "no limit".

import test from 'node:test';
import assert from 'node:assert/strict';
import { decodeXmlRpcRequest, toOdooCall, RpcDecodeError, type OdooCall } from '../../src/rpc/call.js';
import { DateTimeValue, PyFloat, type RpcStruct, type RpcValue } from '../../src/rpc/values.js';
import { decide } from '../../src/policy/decide.js';
import { validateLimits, validateRule, ScopeValidationError } from '../../src/policy/validate.js';
import { parseCompactScope } from '../../src/policy/compact.js';
import { leafTruth, storedValue } from '../../src/policy/evaluate.js';
import type { Decision, Rule } from '../../src/policy/types.js';
import { env as baseEnv, key, SCHEMAS } from './support.js';
import type { DecideEnv } from '../../src/policy/types.js';

// res.partner with its log-access dates, which a nightly sync filters on.
const PARTNER = { ...SCHEMAS['res.partner'], write_date: { type: 'datetime' }, create_date: { type: 'datetime' }, create_uid: { type: 'many2one', relation: 'res.users' } };
const env = (over: Partial<DecideEnv> = {}): DecideEnv => baseEnv({ schema: (m) => (m === 'res.partner' ? PARTNER : SCHEMAS[m]), ...over });

function kwCall(model: string, method: string, args: RpcValue[], kwargs: RpcStruct): OdooCall {
  return { protocol: 'xmlrpc', entry: 'execute_kw', db: 'odoo', uid: 2, credential: 'odk_x_y', model, method, args, kwargs };
}

function allowed(d: Decision): Extract<Decision, { verdict: 'allow' }> {
  assert.equal(d.verdict, 'allow', d.verdict === 'deny' ? d.reason : d.verdict);
  return d as Extract<Decision, { verdict: 'allow' }>;
}

const reader = key([{ model: 'res.partner', methods: ['read'], fields: ['name', 'email', 'is_company', 'write_date', 'create_date'] }]);

/** An execute_kw body as node-xmlrpc writes it: `kw` members given as raw XML values. */
function xmlBody(kw: Record<string, string>): string {
  const members = Object.entries(kw).map(([k, v]) => `<member><name>${k}</name>${v}</member>`).join('');
  return `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params>
<param><value><string>odoo</string></value></param><param><value><int>2</int></value></param>
<param><value><string>odk_x_y</string></value></param><param><value><string>res.partner</string></value></param>
<param><value><string>search_read</string></value></param>
<param><value><array><data><value><array><data><value><array><data><value><string>is_company</string></value><value><string>=</string></value><value><boolean>1</boolean></value></data></array></value></data></array></value></data></array></value></param>
<param><value><struct>${members}</struct></value></param></params></methodCall>`;
}

test('a context Python reads as false is no context (odoo-await sends a missing one as <value/>)', () => {
  // odoo-await's searchRead(model, domain, fields, {offset: 0, limit: 2, order: 'id'}).
  const call = toOdooCall(decodeXmlRpcRequest({ legacy: false, service: 'object' }, xmlBody({
    fields: '<value><array><data><value><string>name</string></value></data></array></value>',
    offset: '<value><int>0</int></value>', limit: '<value><int>2</int></value>', order: '<value><string>id</string></value>', context: '<value/>',
  })));
  assert.equal(Object.hasOwn(call.kwargs, 'context'), false, "the '' context is dropped: Odoo reads it as none, and so is what goes upstream");
  const d = allowed(decide(reader, call, env()));
  assert.equal(Object.hasOwn(d.call.kwargs, 'context'), false);

  for (const falsy of ['', 0, new PyFloat(0), [], null, false, {}] as RpcValue[]) {
    const label = JSON.stringify(falsy);
    allowed(decide(reader, kwCall('res.partner', 'search_read', [[]], { fields: ['name'], context: falsy }), env()));
    // JSON-2 passes its context to with_context, which reads '' and [] as empty (and refuses 0 itself).
    const j2: OdooCall = { protocol: 'json2', entry: 'json2', db: null, uid: null, credential: 'odk_x_y', model: 'res.partner', method: 'search_read', args: [], kwargs: { domain: [], fields: ['name'] }, context: falsy };
    assert.equal(decide(reader, j2, env({ version: 19 })).verdict, 'allow', label);
  }
  // Python reads these as true: still not a dictionary.
  for (const truthy of ['en_US', 1, new PyFloat(Number.NaN), [['lang', 'fr_FR']]] as RpcValue[]) {
    const d2 = decide(reader, kwCall('res.partner', 'search_read', [[]], { fields: ['name'], context: truthy }), env());
    assert.equal(d2.verdict, 'deny', JSON.stringify(truthy));
    assert.match((d2 as { reason: string }).reason, /context must be a dictionary/);
  }
});

test("execute_kw's keyword arguments: any value Python reads as false is none (`**(kw or {})`)", () => {
  const head = ['odoo', 2, 'odk_x_y', 'res.partner', 'search', [[]]] as RpcValue[];
  for (const kw of ['', 0, new PyFloat(0), [], null, false] as RpcValue[]) {
    const c = toOdooCall({ protocol: 'xmlrpc', legacy: false, service: 'object', function: 'execute_kw', params: [...head, kw] });
    assert.deepEqual(c.kwargs, {}, JSON.stringify(kw));
  }
  for (const kw of ['x', 1, [1]] as RpcValue[]) {
    assert.throws(() => toOdooCall({ protocol: 'xmlrpc', legacy: false, service: 'object', function: 'execute_kw', params: [...head, kw] }), RpcDecodeError, JSON.stringify(kw));
  }
  // A context that is a dictionary stays, empty or not.
  const c = toOdooCall({ protocol: 'xmlrpc', legacy: false, service: 'object', function: 'execute_kw', params: [...head, { context: { lang: 'nl_NL' } }] });
  assert.deepEqual(c.kwargs, { context: { lang: 'nl_NL' } });
});

test("context['uid'] is allowed only when it is the upstream uid the proxy hands out", () => {
  const call = (uid: RpcValue) => kwCall('res.partner', 'search', [[]], { context: { lang: 'en_US', tz: 'Europe/Brussels', uid } });
  allowed(decide(reader, call(7), env({ upstreamUid: 7 })));
  for (const [uid, over] of [[2, { upstreamUid: 7 }], [1, { upstreamUid: 7 }], ['7', { upstreamUid: 7 }], [new PyFloat(7), { upstreamUid: 7 }], [true, { upstreamUid: 1 }], [7, {}]] as const) {
    const d = decide(reader, call(uid as RpcValue), env(over));
    assert.equal(d.verdict, 'deny', `${JSON.stringify(uid)} with ${JSON.stringify(over)}`);
    assert.match((d as { reason: string }).reason, /'uid' is not allowed \(it claims another user/);
  }
});

test('a dateTime in a domain leaf is a value like any scalar, forwarded unchanged', () => {
  const since = new DateTimeValue('20000101T00:00:00');
  const d = allowed(decide(reader, kwCall('res.partner', 'search_read', [[['write_date', '>=', since]]], { fields: ['name'], limit: 2 }), env()));
  assert.equal((d.call.args[0] as RpcValue[][])[0]![2], since);
  allowed(decide(reader, kwCall('res.partner', 'search_count', [[['create_date', 'in', [since, false]]]], {}), env()));
  // Still checked as a leaf: the field must be in the rule.
  const outside = decide(reader, kwCall('res.partner', 'search', [[['create_uid.login', '>=', since]]], {}), env());
  assert.equal(outside.verdict, 'deny');
  // Against a relation or display_name a datetime is compared as text: a name search, which a rule
  // listing fields does not allow (it would match fields the model picks: email, vat...).
  const named = key([{ model: 'res.partner', methods: ['read'], fields: ['name', 'display_name', 'parent_id'] }]);
  for (const path of ['display_name', 'parent_id']) {
    const n = decide(named, kwCall('res.partner', 'search', [[[path, '>=', since]]], {}), env());
    assert.equal(n.verdict, 'deny', path);
    assert.match((n as { reason: string }).reason, /name search|display name search/, path);
  }
  // A rule's own domain is still ANDed in around it.
  const limited = key([{ model: 'res.partner', methods: ['read'], fields: ['name', 'write_date'], domain: [['customer_rank', '>', 0]] }]);
  const l = allowed(decide(limited, kwCall('res.partner', 'search', [[['write_date', '>=', since]]], {}), env()));
  assert.deepEqual(l.call.args[0], ['&', ['write_date', '>=', since], ['customer_rank', '>', 0]]);
});

test('a dateTime written is compared with a rule domain as Odoo stores it', () => {
  const dt = { type: 'datetime' };
  const at = storedValue(dt, new DateTimeValue('20300102T03:04:05'));
  assert.deepEqual(at, { value: '2030-01-02 03:04:05' });
  assert.equal(leafTruth('datetime', at, '>=', '2030-01-01 00:00:00'), true);
  assert.equal(leafTruth('datetime', at, '<', '2030-01-01 00:00:00'), false);
  assert.equal(leafTruth('datetime', at, '=', '2030-01-02 03:04:05'), true);
  // A date field keeps the day (Date.to_date); text Odoo would refuse stays unknown.
  assert.deepEqual(storedValue({ type: 'date' }, new DateTimeValue('20300102T03:04:05')), { value: '2030-01-02' });
  for (const bad of ['2030-01-02T03:04:05', '20300231T00:00:00', '20301302T00:00:00', '00000101T00:00:00', '20300102T24:00:00']) {
    assert.equal(storedValue(dt, new DateTimeValue(bad)), undefined, bad);
  }
  // Through decide: a create whose datetime puts the record inside the rule's domain is allowed.
  const k = key([{ model: 'crm.lead', methods: ['create'], domain: [['date_deadline', '>=', '2030-01-01']] }]);
  allowed(decide(k, kwCall('crm.lead', 'create', [{ name: 'x', date_deadline: new DateTimeValue('20300102T00:00:00') }], {}), env()));
  const before = decide(k, kwCall('crm.lead', 'create', [{ name: 'x', date_deadline: new DateTimeValue('20291231T23:59:59') }], {}), env());
  assert.equal(before.verdict, 'deny');
});

test("limit and offset '': no limit to Odoo, so max_limit narrows it like a missing one", () => {
  const capped = key([{ model: 'res.partner', methods: ['read'], fields: ['name', 'display_name'], max_limit: 5 }]);
  const d = allowed(decide(capped, kwCall('res.partner', 'search_read', [[]], { fields: ['name'], limit: '', offset: '' }), env()));
  assert.equal(d.call.kwargs.limit, 5);
  assert.equal(d.call.kwargs.offset, '');
  const n = allowed(decide(capped, kwCall('res.partner', 'name_search', [], { name: '', limit: '' }), env()));
  assert.equal(n.call.kwargs.limit, 5);
  // Without max_limit the '' goes on as given: Odoo reads it as no limit.
  const free = allowed(decide(reader, kwCall('res.partner', 'search_read', [[]], { fields: ['name'], limit: '' }), env()));
  assert.equal(free.call.kwargs.limit, '');
  allowed(decide(reader, kwCall('res.partner', 'read_group', [[], ['name'], ['name']], { offset: '' }), env()));
  // Text that is not empty is still refused.
  assert.equal(decide(capped, kwCall('res.partner', 'search_read', [[]], { fields: ['name'], limit: '5' }), env()).verdict, 'deny');
});

test('an empty list never lifts a limit: ips, companies and a rule domain', () => {
  assert.throws(() => validateLimits({ ips: [] }, 'limits'), (e: unknown) => e instanceof ScopeValidationError && e.path === 'limits.ips' && /at least one address/.test(e.problem));
  assert.throws(() => validateLimits({ companies: [] }, 'limits'), (e: unknown) => e instanceof ScopeValidationError && e.path === 'limits.companies');
  assert.deepEqual(validateLimits({ ips: ['203.0.113.0/24'], companies: [1] }, 'limits'), { ips: ['203.0.113.0/24'], companies: [1] });
  assert.throws(() => validateRule({ model: 'res.partner', methods: ['read'], domain: [] }, 'r'), (e: unknown) => e instanceof ScopeValidationError && e.path === 'r.domain' && /every record/.test(e.problem));
  assert.throws(() => parseCompactScope('res.partner:read domain=[]'), /empty, which reaches every record/);
  // A key that holds an empty list anyway (built in memory) fails closed.
  const rules: Rule[] = [{ model: 'res.partner', methods: ['read'] }];
  const call = kwCall('res.partner', 'search', [[]], {});
  const ips = decide(key(rules, { limits: { ips: [] } }), call, env());
  assert.equal(ips.verdict, 'deny');
  assert.equal((ips as { limit?: string }).limit, 'ips');
  const companies = decide(key(rules, { limits: { companies: [] } }), call, env());
  assert.equal(companies.verdict, 'deny');
  assert.equal((companies as { limit?: string }).limit, 'companies');
});
