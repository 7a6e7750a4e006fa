// The engine on real traffic: every object call recorded from Odoo 18 and 19 (../shared/odoo-wire)
// is decoded as the proxy decodes it and decided, and the ones that exercise a rule are pinned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadWire, fillKeys, WIRE_KEYS, type WireExchange } from '../support/wire.js';
import {
  decodeXmlRpcRequest, decodeJsonRpcRequest, decodeJson2Request, matchXmlRpcPath, matchJson2Path, toOdooCall, RpcDecodeError, type OdooCall,
} from '../../src/rpc/call.js';
import { decide } from '../../src/policy/decide.js';
import { bindCall } from '../../src/policy/bind.js';
import type { Decision, Rule } from '../../src/policy/types.js';
import { env, key } from './support.js';

function objectCall(x: WireExchange): OdooCall | null {
  const body = fillKeys(x.request.body);
  try {
    if (x.protocol === 'json2') {
      const route = matchJson2Path(x.request.path);
      if (!route) return null;
      return toOdooCall(decodeJson2Request(route, { authorization: x.request.headers.Authorization ? fillKeys(x.request.headers.Authorization) : undefined, database: x.request.headers['X-Odoo-Database'] }, body));
    }
    const req = x.protocol === 'xmlrpc' ? (() => {
      const route = matchXmlRpcPath(x.request.path);
      return route ? decodeXmlRpcRequest(route, body) : null;
    })() : decodeJsonRpcRequest(body);
    if (!req || req.service !== 'object') return null;
    return toOdooCall(req);
  } catch (e) {
    if (e instanceof RpcDecodeError) return null; // Odoo refuses these before any ORM call
    throw e;
  }
}

const all = loadWire();
const calls = all.map((x) => ({ x, call: objectCall(x) })).filter((c): c is { x: WireExchange; call: OdooCall } => c.call !== null);

test('every recorded object call decodes and is decided without error, never echoing the key', () => {
  assert.ok(calls.length >= 30, `${calls.length} object calls in the recordings`);
  const broad = key([{ model: '*', methods: ['read', 'create', 'write', 'unlink', 'copy', 'message_post', 'action_set_won', 'fields_get'] }]);
  const narrow = key([{ model: 'crm.lead', methods: ['read'], fields: ['name'], domain: [['type', '=', 'lead']], max_limit: 5 }]);
  const seen = new Set<string>();
  for (const { x, call } of calls) {
    for (const k of [broad, narrow]) {
      for (const schema of [undefined, () => undefined]) {
        const d: Decision = decide(k, call, env({ version: Number(x.odoo.slice(0, 2)), ...(schema ? { schema } : {}) }));
        seen.add(d.verdict);
        if (d.verdict === 'deny') {
          for (const secret of Object.values(WIRE_KEYS)) assert.ok(!d.reason.includes(secret), `${x.file}: ${d.reason}`);
        }
      }
    }
  }
  assert.deepEqual([...seen].sort(), ['allow', 'deny', 'need_schema']);
});

function find(file: string): OdooCall {
  const c = calls.find((c) => c.x.file === file);
  assert.ok(c, `${file} is an object call in the recordings`);
  return c.call;
}

test('recordings: n8n execute search_read with fields [] is narrowed, positionally', () => {
  const call = find('18/jsonrpc/08-n8n-execute-search-read.json');
  assert.equal(call.entry, 'execute');
  const d = decide(key([{ model: 'res.partner', methods: ['read'], fields: ['name', 'email'] }]), call, env());
  assert.equal(d.verdict, 'allow');
  if (d.verdict !== 'allow') return;
  assert.equal(d.call.entry, 'execute');
  assert.deepEqual(d.call.args, [[], ['name', 'email'], 0, 1]);
});

test('recordings: create with an o2m command needs a rule on the comodel', () => {
  const call = find('18/xmlrpc/31-create-with-o2m-command.json');
  const lead: Rule = { model: 'crm.lead', methods: ['create'], fields: ['name', 'tag_ids'] };
  const d1 = decide(key([lead]), call, env());
  assert.equal(d1.verdict, 'deny');
  assert.match((d1 as { reason: string }).reason, /command 0 creates crm.tag\) needs create on crm.tag \('name'\)/);
  assert.equal(decide(key([lead, { model: 'crm.tag', methods: ['create'], fields: ['name'] }]), call, env()).verdict, 'allow');
});

test('recordings: create with default_description in the context', () => {
  for (const file of ['18/xmlrpc/32-create-with-context-default.json', '19/json2/24-create-with-context.json']) {
    const call = find(file);
    const d1 = decide(key([{ model: 'crm.lead', methods: ['create'], fields: ['name'] }]), call, env());
    assert.equal(d1.verdict, 'deny', file);
    assert.match((d1 as { reason: string }).reason, /'default_description' sets a default for a field that is not in rule 0/);
    assert.equal(decide(key([{ model: 'crm.lead', methods: ['create'], fields: ['name', 'description'] }]), call, env()).verdict, 'allow', file);
  }
});

test('recordings: message_post on a lead, its id checked against the rule domain', () => {
  const call = find('18/xmlrpc/34-message-post.json');
  const d = decide(key([{ model: 'crm.lead', methods: ['message_post'], domain: [['user_id', '=', 8]] }]), call, env());
  assert.equal(d.verdict, 'allow');
  if (d.verdict !== 'allow') return;
  assert.deepEqual(d.checks.map((c) => [c.model, c.ids]), [['crm.lead', [94]]]);
  assert.deepEqual(bindCall(d.call, 18).extraKwargs, { body: 'hello' });
});
