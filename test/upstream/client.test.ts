import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OdooClient, UpstreamError, majorVersion } from '../../src/upstream/client.js';
import { startMiniOdoo } from '../support/mini-odoo.js';

const KEY = 'upstream-test-key-0000000000000000000000';

for (const protocol of ['xmlrpc', 'jsonrpc'] as const) {
  test(`OdooClient over ${protocol}: version, authenticate, execute_kw, and Odoo's faults as UpstreamError`, async (t) => {
    const odoo = await startMiniOdoo({ version: 19, key: KEY });
    t.after(() => odoo.close());
    const client = new OdooClient({ url: `${odoo.url}/`, db: 'acme', login: 'integration@acme.com', key: KEY, protocol });
    assert.equal(majorVersion(await client.version()), 19);
    assert.equal(await client.authenticate(), 7);
    const fields = await client.executeKw('crm.lead', 'fields_get', [], { attributes: ['type'] });
    assert.ok(fields && typeof fields === 'object' && 'email_from' in fields);
    await assert.rejects(client.executeKw('crm.leed', 'fields_get', []), (e: unknown) => {
      assert.ok(e instanceof UpstreamError);
      assert.equal(e.kind, 'fault');
      assert.match(e.message, /Object crm\.leed doesn't exist/);
      return true;
    });
    const wrong = new OdooClient({ url: odoo.url, db: 'acme', login: 'integration@acme.com', key: 'not-the-key', protocol });
    assert.equal(await wrong.authenticate(), false);
    await assert.rejects(wrong.executeKw('crm.lead', 'fields_get', []), (e: unknown) => e instanceof UpstreamError && e.kind === 'access_denied');
    const badDb = new OdooClient({ url: odoo.url, db: 'no_such_db', login: 'x', key: KEY, protocol });
    await assert.rejects(badDb.authenticate(), (e: unknown) => e instanceof UpstreamError && /database "no_such_db" does not exist/.test(e.message) && !e.message.includes(KEY));
  });
}

test('OdooClient: network errors, HTTP errors, non-Odoo answers and timeouts never carry the key', async (t) => {
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/slow')) return; // never answers
    if (req.url?.startsWith('/redirect')) {
      res.writeHead(301, { Location: 'https://elsewhere.example/' }).end();
      return;
    }
    if (req.url?.startsWith('/html')) {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>hello</html>');
      return;
    }
    res.writeHead(404).end('nope');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = (path: string, timeoutMs = 30_000) => new OdooClient({ url: `${base}${path}`, db: 'acme', login: 'x', key: KEY, timeoutMs });
  const check = (kind: string, re: RegExp) => (e: unknown): boolean => {
    assert.ok(e instanceof UpstreamError, String(e));
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, re);
    assert.ok(!e.message.includes(KEY));
    return true;
  };
  await assert.rejects(client('/missing').version(), check('http', /HTTP 404/));
  await assert.rejects(client('/redirect').version(), check('http', /redirect \(HTTP 301\) to https:\/\/elsewhere\.example\//));
  await assert.rejects(client('/html').authenticate(), check('protocol', /is not XML-RPC/));
  await assert.rejects(client('/slow', 200).authenticate(), check('timeout', /did not answer within/));
  await assert.rejects(new OdooClient({ url: 'http://127.0.0.1:9', db: 'a', login: 'x', key: KEY }).version(), check('network', /cannot reach Odoo at http:\/\/127\.0\.0\.1:9.*ECONNREFUSED/));
  assert.throws(() => new OdooClient({ url: 'not a url', db: 'a', login: 'x', key: KEY }), check('protocol', /is not a URL/));
});

test('majorVersion reads server_version_info, saas versions and server_version', () => {
  assert.equal(majorVersion({ server_version_info: [18, 0, 0, 'final', 0, ''] }), 18);
  assert.equal(majorVersion({ server_version_info: ['saas~18', 2, 0, 'final', 0, ''] }), 18);
  assert.equal(majorVersion({ server_version: '17.0+e' }), 17);
  assert.equal(majorVersion({}), undefined);
  assert.equal(majorVersion('18.0'), undefined);
});
