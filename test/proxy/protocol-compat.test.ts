// Requests real clients send that Odoo takes, through the proxy: an XML-RPC dateTime carried to a
// JSON-2-only Odoo, a JSON-2 call with no body, a body over --max-body from a client that sends it
// whole before reading, an XML-RPC body in ISO-8859-1 (PHP's default), and a None result for an
// XML-RPC client of a JSON-2-only Odoo.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { decodeMethodResponse, encodeMethodCall } from '../../src/rpc/xmlrpc.js';
import { DateTimeValue } from '../../src/rpc/values.js';
import { decodeJson2Request, RpcDecodeError } from '../../src/rpc/call.js';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';
import { rawExchange } from '../hardening/support.js';
import { runPython } from '../support/python.js';

function fault(text: string): { faultCode: unknown; faultString: string } | null {
  const r = decodeMethodResponse(text);
  return r.kind === 'fault' ? { faultCode: r.faultCode, faultString: String(r.faultString) } : null;
}

function lastLine(s: string): string {
  return s.trim().split('\n').at(-1)!;
}

function executeKw(h: Harness, key: string, model: string, method: string, args: unknown[], kw?: Record<string, unknown>): string {
  return encodeMethodCall('execute_kw', [h.db, h.uid, key, model, method, args, ...(kw ? [kw] : [])]);
}

describe('JSON-2 with no body', () => {
  test('is decoded as no parameters, as Odoo 19 does (it parses only when Content-Length > 0); whitespace is still a parse error', () => {
    const req = decodeJson2Request({ model: 'res.partner', method: 'fields_get' }, { authorization: 'bearer k' }, Buffer.alloc(0));
    assert.deepEqual(req.json2?.body, {});
    assert.throws(() => decodeJson2Request({ model: 'res.partner', method: 'fields_get' }, {}, Buffer.from(' ')), (e: unknown) => e instanceof RpcDecodeError && /could not parse the body as json/.test(e.message));
  });

  test('through the proxy: answered 200 as Odoo answers it', async (t) => {
    const h = await startHarness({ version: 19 });
    t.after(() => h.close());
    const { token } = await h.addKey({ name: 'j2', rules: [{ model: 'res.partner', methods: ['read'] }] });
    const headers = { Authorization: `bearer ${token}`, 'X-Odoo-Database': h.db, 'Content-Type': 'application/json' };
    const r = await post(`${h.url}/json/2/res.partner/fields_get`, '', headers);
    assert.equal(r.status, 200, r.text);
    assert.ok('name' in (JSON.parse(r.text) as Record<string, unknown>));
  });
});
