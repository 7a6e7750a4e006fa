// Paths Odoo (werkzeug) routes to an RPC controller, or to the session routes that also reach
// execute_kw, written the ways a client may write them: percent-encoded, with a trailing slash or a
// query string, doubled slashes, dot segments, another case, another HTTP method. Each is refused
// before anything reaches Odoo, or carried to Odoo's canonical path as exactly the call checked: the
// proxy builds the upstream path and body itself and never passes on what the client wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startHarness } from '../support/proxy-harness.js';

function send(url: string, method: string, path: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, path, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(method === 'GET' || method === 'HEAD' ? undefined : body);
  });
}

test('RPC paths written another way are refused before Odoo, or carried to the canonical path as the call checked', async (t) => {
  const h = await startHarness({ version: 19 });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'reader', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'] }] });
  const bearer = { 'Content-Type': 'application/json', Authorization: `bearer ${token}`, 'X-Odoo-Database': h.db };
  const readBody = JSON.stringify({ ids: [1], fields: ['name'] });
  const xmlBody = `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params><param><value>${h.db}</value></param><param><value><int>${h.uid}</int></value></param><param><value>${token}</value></param><param><value>res.partner</value></param><param><value>read</value></param><param><value><array><data><value><array><data><value><int>1</int></value></data></array></value></data></array></value></param><param><value><struct><member><name>fields</name><value><array><data><value>name</value></data></array></value></member></struct></value></param></params></methodCall>`;
  const jsonrpc = JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params: { service: 'object', method: 'execute_kw', args: [h.db, h.uid, token, 'res.partner', 'read', [[1]], { fields: ['name'] }] } });
  // The client's calls that reached Odoo after `seq` (the proxy's own schema fetches aside).
  const clientCalls = (seq: number) => h.standin.received.filter((c) => c.seq > seq && c.method !== 'fields_get' && c.function !== 'version');
  const since = (seq: number): string[] => clientCalls(seq).map((c) => `${c.httpMethod} ${c.path}`);

  const refused: [string, string, string, Record<string, string>, number][] = [
    ['POST', '/web/dataset/call_kw', jsonrpc, bearer, 403],
    ['POST', '/web/dataset/call_kw/res.partner/read', jsonrpc, bearer, 403],
    ['POST', '/web/dataset/call_button', jsonrpc, bearer, 403],
    ['POST', '/web/session/authenticate', jsonrpc, bearer, 403],
    ['POST', '/json/1/res.partner/read', readBody, bearer, 404],
    ['POST', '/mcp', jsonrpc, bearer, 404],
    ['POST', '/JSONRPC', jsonrpc, bearer, 404],
    ['POST', '/jsonrpc/', jsonrpc, bearer, 404],
    ['POST', '/XMLRPC/2/object', xmlBody, { 'Content-Type': 'text/xml' }, 404],
    ['POST', '//xmlrpc/2/object', xmlBody, { 'Content-Type': 'text/xml' }, 404],
    ['POST', '/xmlrpc/2/./object', xmlBody, { 'Content-Type': 'text/xml' }, 404],
    ['POST', '/xmlrpc/2/../2/object', xmlBody, { 'Content-Type': 'text/xml' }, 404],
    ['POST', 'http://elsewhere.invalid/xmlrpc/2/object', xmlBody, { 'Content-Type': 'text/xml' }, 404],
    ['POST', '/json/2//res.partner/read', readBody, bearer, 404],
    ['POST', '/json/2/res.partner/read/x', readBody, bearer, 404],
    ['GET', '/xmlrpc/2/object', '', {}, 405],
    ['HEAD', '/xmlrpc/2/object', '', {}, 405],
    ['OPTIONS', '/xmlrpc/2/object', xmlBody, { 'Content-Type': 'text/xml' }, 405],
    ['PUT', '/jsonrpc', jsonrpc, bearer, 405],
    ['GET', '/json/2/res.partner/read', '', bearer, 404],
    ['PATCH', '/json/2/res.partner/read', readBody, bearer, 404],
    ['POST', '/json/2/res.partner/read', readBody, { ...bearer, 'X-HTTP-Method-Override': 'GET' }, 200],
  ];
  for (const [method, path, body, headers, status] of refused) {
    const before = h.standin.received.at(-1)?.seq ?? 0;
    const r = await send(h.url, method, path, body, headers);
    assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
    // The one call allowed above goes to the canonical path; none of the others reaches Odoo.
    assert.deepEqual(since(before), status === 200 ? ['POST /json/2/res.partner/read'] : [], `${method} ${path}`);
  }

  // Names that decode to another model, or to no plain model name, are checked as decoded: denied.
  for (const path of ['/json/2/res%2Eusers/read', '/json/2/res.partner%2F..%2Fres.users/read', '/json/2/res.partner%00/read', '/json/2/RES.PARTNER/read', '/json/2/res.partner/READ', '/json/2/res.partner/read%20']) {
    const before = h.standin.received.at(-1)?.seq ?? 0;
    const r = await send(h.url, 'POST', path, readBody, bearer);
    assert.equal(r.status, 403, `${path}: ${r.text}`);
    assert.deepEqual(since(before), [], path);
  }

  // Carried: Odoo gets the canonical path, the call as checked, and none of the query string.
  const carried: [string, string, Record<string, string>, string][] = [
    ['/json/2/res%2Epartner/read?ids=2&context=%7B%7D', readBody, bearer, 'POST /json/2/res.partner/read'],
    ['/json/2/res.partner/read/', readBody, bearer, 'POST /json/2/res.partner/read'],
    ['/xmlrpc/2/object/?model=res.users', xmlBody, { 'Content-Type': 'text/xml' }, 'POST /xmlrpc/2/object'],
    ['/jsonrpc?service=db', jsonrpc, { 'Content-Type': 'application/json' }, 'POST /jsonrpc'],
  ];
  for (const [path, body, headers, upstream] of carried) {
    const before = h.standin.received.at(-1)?.seq ?? 0;
    const r = await send(h.url, 'POST', path, body, headers);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    const got = clientCalls(before);
    assert.deepEqual(got.map((c) => `${c.httpMethod} ${c.path}`), [upstream], path);
    assert.equal(got[0]!.model, 'res.partner', path);
    assert.equal(got[0]!.method, 'read', path);
  }
  const journaled = (await h.journal()).filter((e) => e.key !== undefined && e.model !== undefined);
  assert.ok(journaled.every((e) => e.decision === 'deny' || (e.model === 'res.partner' && e.method === 'read')), 'every allowed call was journaled as res.partner.read');
});
