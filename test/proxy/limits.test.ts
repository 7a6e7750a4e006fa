// Key limits as the running proxy enforces them, and the proxy's own protections.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeMethodCall, decodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { parseJson } from '../../src/rpc/json.js';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';
import type { IncomingMessage } from 'node:http';
import { clientAddress, DEFAULT_TRUSTED_PROXIES, type ProxyTrust } from '../../src/proxy/http.js';
import { parseCidr } from '../../src/policy/limits.js';
import { silentLogger, type Logger } from '../../src/proxy/log.js';

const partnerRead = [{ model: 'res.partner', methods: ['read'], fields: ['name'] }];

describe('key limits through the proxy', () => {
  let h: Harness;
  before(async () => {
    // One trusted reverse proxy in front: tests choose the client address with X-Forwarded-For.
    h = await startHarness({ version: 19, server: { trustProxyHops: 1 } });
  });
  after(() => h?.close());

  const json2 = (token: string, method: string, body: string, from = '203.0.113.7'): ReturnType<typeof post> =>
    post(`${h.url}/json/2/res.partner/${method}`, body, { Authorization: `bearer ${token}`, 'Content-Type': 'application/json', 'X-Forwarded-For': from });

  test('rate: calls past the rate are refused with 429 (JSON-2) or a fault (XML-RPC), and journaled with the limit', async () => {
    const { token, id } = await h.addKey({ rules: partnerRead, limits: { rate: '3/min' } });
    for (let i = 0; i < 3; i++) assert.equal((await json2(token, 'search_count', '{"domain":[]}')).status, 200);
    const refused = await json2(token, 'search_count', '{"domain":[]}');
    assert.equal(refused.status, 429);
    assert.match((parseJson(refused.text) as { message: string }).message, /is over its rate of 3\/min; retry in \d+ s/);
    const xml = decodeMethodResponse((await post(`${h.url}/xmlrpc/2/object`, encodeMethodCall('execute_kw', [h.db, 1, token, 'res.partner', 'search_count', [[]]]), { 'X-Forwarded-For': '203.0.113.7' })).text);
    assert.ok(xml.kind === 'fault' && xml.faultCode === 2 && /over its rate/.test(String(xml.faultString)));
    const entries = (await h.journal()).filter((e) => e.key === id && e.decision === 'deny');
    assert.ok(entries.length >= 2 && entries.every((e) => e.limit === 'rate'));
  });

  test('ips: only the allowed ranges; a client cannot choose its address beyond the trusted hop', async () => {
    const { token } = await h.addKey({ rules: partnerRead, limits: { ips: ['203.0.113.0/24', '2001:db8::/32'] } });
    assert.equal((await json2(token, 'search_count', '{"domain":[]}', '203.0.113.50')).status, 200);
    assert.equal((await json2(token, 'search_count', '{"domain":[]}', '2001:db8::5')).status, 200);
    const outside = await json2(token, 'search_count', '{"domain":[]}', '198.51.100.1');
    assert.equal(outside.status, 403);
    assert.match(outside.text, /outside the key's allowed addresses/);
    // A forged header from the client is to the left of what the trusted proxy appended: ignored.
    const forged = await json2(token, 'search_count', '{"domain":[]}', '203.0.113.50, 198.51.100.1');
    assert.equal(forged.status, 403);
  });

  test('hours: outside the window the key is refused', async () => {
    const far = (new Date().getUTCHours() + 12) % 24;
    const hh = String(far).padStart(2, '0');
    const { token } = await h.addKey({ rules: partnerRead, limits: { hours: `Mon-Sun ${hh}:00-${hh}:30 UTC` } });
    const r = await json2(token, 'search_count', '{"domain":[]}');
    assert.equal(r.status, 403);
    assert.match(r.text, /outside hours/);
  });

  test('expires: an expired key is refused by the proxy itself', async () => {
    const { token } = await h.addKey({ rules: partnerRead, expires: new Date(Date.now() - 60_000).toISOString() });
    h.standin.clearReceived();
    const r = await json2(token, 'search_count', '{"domain":[]}');
    assert.equal(r.status, 401);
    assert.match(r.text, /expired at/);
    assert.equal(h.standin.received.length, 0);
  });

  test('records_per_hour: searches are narrowed to what is left, then refused', async () => {
    const { token } = await h.addKey({ rules: partnerRead, limits: { records_per_hour: 5 } });
    const first = parseJson((await json2(token, 'search_read', '{"domain":[],"fields":["name"],"limit":3}')).text) as unknown[];
    assert.equal(first.length, 3);
    const second = parseJson((await json2(token, 'search_read', '{"domain":[],"fields":["name"]}')).text) as unknown[];
    assert.equal(second.length, 2, 'narrowed to the 2 records left this hour');
    const third = await json2(token, 'search_read', '{"domain":[],"fields":["name"]}');
    assert.equal(third.status, 429);
    assert.match(third.text, /has read its 5 records this hour/);
  });
});

/** A JSON-2 search_count with `key`, from the address `from` (the harness trusts one X-Forwarded-For hop). */
function countFrom(h: Harness, key: string, from: string): ReturnType<typeof post> {
  return post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${key}`, 'Content-Type': 'application/json', 'X-Forwarded-For': from });
}

describe('the proxy protects Odoo', () => {
  test('failed attempts are throttled per address; other addresses are not slowed', async () => {
    const h = await startHarness({ version: 19, server: { trustProxyHops: 1, metrics: true } });
    try {
      const { token } = await h.addKey({ rules: partnerRead });
      const attempt = (key: string, from: string): ReturnType<typeof post> => countFrom(h, key, from);
      h.standin.clearReceived();
      for (let i = 0; i < 10; i++) assert.equal((await attempt(`odk_0000000${i}_${'A'.repeat(43)}`, '198.51.100.66')).status, 401);
      const locked = await attempt(token, '198.51.100.66');
      assert.equal(locked.status, 429, 'the address is locked out, even with a good key');
      assert.match(locked.text, /too many failed attempts/);
      assert.equal((await attempt(token, '203.0.113.7')).status, 200, 'another address is served');
      assert.equal(h.standin.received.filter((c) => c.protocol === 'json2' && c.method === 'search_count').length, 1, 'no guess reached Odoo');
      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      assert.match(metrics, /odoo_keys_auth_failures_total 10\b/);
      assert.match(metrics, /odoo_keys_throttled_total [1-9]/);
    } finally {
      await h.close();
    }
  });

  test('a locked-out address is refused on every protocol before its request is parsed, each refusal journaled', async () => {
    const h = await startHarness({ version: 19, server: { trustProxyHops: 1 } });
    try {
      const { token } = await h.addKey({ rules: partnerRead });
      const from = '198.51.100.77';
      const fwd = { 'X-Forwarded-For': from };
      const xml = (body: string | Buffer, path = '/xmlrpc/2/object'): ReturnType<typeof post> => post(`${h.url}${path}`, body, { 'Content-Type': 'text/xml', ...fwd });
      const guess = (i: number): string => encodeMethodCall('execute_kw', [h.db, h.uid, `odk_1000000${i}_${'B'.repeat(43)}`, 'res.partner', 'search_count', [[]]]);
      for (let i = 0; i < 10; i++) {
        const r = decodeMethodResponse((await xml(guess(i))).text);
        assert.ok(r.kind === 'fault' && /invalid key|unknown/i.test(String(r.faultString)), `guess ${i} is an auth failure, not yet throttled`);
      }
      h.standin.clearReceived();
      const before = (await h.journal()).length;

      // XML-RPC: a good key, a malformed body and even common.version get the throttled fault (a
      // parse error would show the body was read as XML-RPC first).
      for (const [label, body, path] of [
        ['good key', encodeMethodCall('execute_kw', [h.db, h.uid, token, 'res.partner', 'search_count', [[]]]), '/xmlrpc/2/object'],
        ['malformed XML', '<methodCall><methodName>execute_kw</meth', '/xmlrpc/2/object'],
        ['version', encodeMethodCall('version', []), '/xmlrpc/2/common'],
        ['legacy path', encodeMethodCall('execute_kw', [h.db, h.uid, token, 'res.partner', 'search_count', [[]]]), '/xmlrpc/object'],
      ] as const) {
        const a = await xml(body, path);
        assert.equal(a.status, 200, label);
        const r = decodeMethodResponse(a.text);
        // The unversioned paths carry the message in faultCode, as Odoo's legacy dispatcher does.
        assert.ok(r.kind === 'fault' && /too many failed attempts/.test(String(path === '/xmlrpc/object' ? r.faultCode : r.faultString)), `${label}: ${a.text.slice(0, 200)}`);
      }
      // JSON-RPC: the error object echoes the request's id.
      const jr = await post(`${h.url}/jsonrpc`, JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 'req-42', params: { service: 'object', method: 'execute_kw', args: [h.db, h.uid, token, 'res.partner', 'search_count', [[]]] } }), { 'Content-Type': 'application/json', ...fwd });
      const jv = parseJson(jr.text) as { id: unknown; error?: { data?: { message?: string } } };
      assert.equal(jv.id, 'req-42');
      assert.match(String(jv.error?.data?.message), /too many failed attempts/);
      // JSON-2: 429, whatever the body.
      const j2 = await post(`${h.url}/json/2/res.partner/search_count`, 'not json at all', { Authorization: `bearer ${token}`, 'Content-Type': 'application/json', ...fwd });
      assert.equal(j2.status, 429);
      assert.match(j2.text, /too many failed attempts/);

      assert.equal(h.standin.received.length, 0, 'nothing from the locked-out address reached Odoo');
      const lines = (await h.journal()).slice(before);
      assert.equal(lines.length, 6, 'one journal line per refused attempt');
      for (const l of lines) {
        assert.equal(l.ip, from);
        assert.equal(l.key, null);
        assert.equal(l.decision, 'deny');
        assert.match(String(l.reason), /too many failed attempts/);
      }
      assert.deepEqual(lines.map((l) => l.proto), ['xmlrpc', 'xmlrpc', 'xmlrpc', 'xmlrpc', 'jsonrpc', 'json2']);
      assert.equal(lines[5]!.model, 'res.partner', 'JSON-2 names the model from the path');
      // The same good key from another address still works: the lockout is the address's.
      const other = await post(`${h.url}/xmlrpc/2/object`, encodeMethodCall('execute_kw', [h.db, h.uid, token, 'res.partner', 'search_count', [[]]]), { 'Content-Type': 'text/xml', 'X-Forwarded-For': '203.0.113.9' });
      assert.equal(decodeMethodResponse(other.text).kind, 'params');
    } finally {
      await h.close();
    }
  });

  test('failures spread over many addresses lock the key id out for guesses, never for the right secret', async () => {
    const h = await startHarness({ version: 19, server: { trustProxyHops: 1 } });
    try {
      const { token, id, name } = await h.addKey({ rules: partnerRead });
      const attempt = (key: string, from: string): ReturnType<typeof post> => countFrom(h, key, from);
      const home = '203.0.113.50';
      assert.equal((await attempt(token, home)).status, 200, 'the integration works from its usual address');
      // One wrong secret from each of ten addresses: no address reaches its limit, the key id does.
      for (let i = 0; i < 10; i++) assert.equal((await attempt(`odk_${id}_${'D'.repeat(43)}`, `198.51.100.${100 + i}`)).status, 401);
      const guess = await attempt(`odk_${id}_${'E'.repeat(43)}`, '198.51.100.120');
      assert.equal(guess.status, 429, 'guessing goes on being refused');
      assert.match(guess.text, new RegExp(`too many failed attempts for key id ${id}`));
      // Key ids are public: a lockout that refused the right secret would let anyone lock an
      // integration out (after a restart, from a new address, a daily job past its 24 hours).
      const elsewhere = await attempt(token, '192.0.2.44');
      assert.equal(elsewhere.status, 200, `from an address the key never used, the right secret still gets in: ${elsewhere.text}`);
      assert.equal((await attempt(token, home)).status, 200, 'and from where it authenticated');
      // The guesses are journaled under no key (the caller did not hold it), the id in the reason.
      const lines = (await h.journal()).filter((e) => e.service !== 'common');
      const locked = lines.filter((e) => /for key id/.test(e.reason ?? ''));
      assert.equal(locked.length, 1);
      assert.equal(locked[0]!.key, null);
      assert.equal(lines.filter((e) => e.key === id).every((e) => e.decision === 'allow' && e.name === name), true, 'only the key\'s own calls are journaled under its id');
    } finally {
      await h.close();
    }
  });

  test('an IPv6 guesser cannot dodge the lockout by taking a new address in its /64', async () => {
    const h = await startHarness({ version: 19, server: { trustProxyHops: 1 } });
    try {
      const { token } = await h.addKey({ rules: partnerRead });
      const attempt = (key: string, from: string): ReturnType<typeof post> => countFrom(h, key, from);
      for (let i = 0; i < 10; i++) assert.equal((await attempt(`odk_2000000${i}_${'C'.repeat(43)}`, `2001:db8:aa:bb::${i + 1}`)).status, 401);
      assert.equal((await attempt(token, '2001:db8:aa:bb:1234:5678:9abc:def0')).status, 429, 'a fresh address in the same /64 is locked out');
      assert.equal((await attempt(token, '2001:db8:aa:bc::1')).status, 200, 'the next /64 is served');
    } finally {
      await h.close();
    }
  });

  test("throttleFailures off (exec's proxy): failed attempts lock nothing out, and are still refused, counted and journaled", async () => {
    const h = await startHarness({ version: 19, server: { trustProxyHops: 1, metrics: true }, proxy: { throttleFailures: false } });
    try {
      const { token, id } = await h.addKey({ rules: partnerRead });
      const from = '127.0.0.1';
      assert.equal((await countFrom(h, token, from)).status, 200);
      h.standin.clearReceived();
      const before = (await h.journal()).length;
      // Past both lockouts: made-up keys from the address, and wrong secrets for the key's id.
      for (let i = 0; i < 12; i++) assert.equal((await countFrom(h, `odk_3000000${i % 10}_${'F'.repeat(43)}`, from)).status, 401);
      for (let i = 0; i < 12; i++) assert.equal((await countFrom(h, `odk_${id}_${'G'.repeat(43)}`, `198.51.100.${10 + i}`)).status, 401);
      const after = await countFrom(h, token, from);
      assert.equal(after.status, 200, after.text);
      assert.equal(h.standin.received.filter((c) => c.method === 'search_count').length, 1, 'no failed attempt reached Odoo');
      const lines = (await h.journal()).slice(before);
      const failed = lines.filter((l) => l.decision === 'deny');
      assert.equal(failed.length, 24, 'every failed attempt has its line');
      for (const l of failed) assert.match(String(l.reason), /invalid key/);
      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      assert.match(metrics, /odoo_keys_auth_failures_total 24\b/);
      assert.match(metrics, /odoo_keys_throttled_total 0\b/);
    } finally {
      await h.close();
    }
  });

  test('a per-key concurrency cap: excess calls wait briefly, then get a clear busy error', async () => {
    const h = await startHarness({ version: 19, proxy: { maxConcurrentPerKey: 1, queueWaitMs: 100 } });
    try {
      const { token } = await h.addKey({ rules: partnerRead });
      const { token: other } = await h.addKey({ rules: partnerRead });
      // Warm the schema cache so both calls go straight to Odoo.
      await post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
      h.standin.faults.delayMs = 600;
      const call = (k: string): ReturnType<typeof post> => post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${k}`, 'Content-Type': 'application/json' });
      const [a, b, c] = await Promise.all([call(token), call(token), call(other)]);
      const statuses = [a.status, b.status].sort();
      assert.deepEqual(statuses, [200, 503]);
      assert.match((a.status === 503 ? a : b).text, /too many calls in progress for key/);
      assert.equal(c.status, 200, 'another key is not held up by the first one’s cap');
    } finally {
      await h.close();
    }
  });

  test('/healthz asks Odoo at most once per few seconds however often it is asked, and shows no folder or quoted value', async () => {
    const h = await startHarness({ version: 18 });
    try {
      const before = h.standin.received.length;
      const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(`${h.url}/healthz`).then((r) => r.status)));
      assert.deepEqual([...new Set(answers)], [200]);
      assert.equal(h.standin.received.length - before, 1, 'each /healthz was a call to Odoo');
      // A broken keys.yaml: the answer says so, without the file's path or the rejected value.
      writeFileSync(join(h.home, 'keys.yaml'), 'version: 1\nprofiles:\n  test: { url: x, db: x, login: y }\nkeys: {}\n');
      await h.proxy.reload();
      const broken = await (await fetch(`${h.url}/healthz`)).text();
      assert.match(broken, /last change could not be loaded .*keys\.yaml:4: keys: must be a list of keys/);
      assert.ok(!broken.includes(h.home), broken);
      // The served profile itself unreadable (read per entry since 94cd7df, so the change is in
      // force): every key of it is refused, and the check says so, masking the value.
      writeFileSync(join(h.home, 'keys.yaml'), 'version: 1\nprofiles:\n  test: { url: "ftp://admin:s3cret@example.com", db: x, login: y }\n');
      await h.proxy.reload();
      const res = await fetch(`${h.url}/healthz`);
      const unservable = await res.text();
      assert.equal(res.status, 503, unservable);
      assert.match(unservable, /the profile 'test' served here cannot be read by this version, so every key of it is refused: keys\.yaml:3: profiles\.test\.url: \\"…\\" is not an http\(s\) URL/);
      assert.ok(!unservable.includes('s3cret') && !unservable.includes(h.home), unservable);
    } finally {
      await h.close();
    }
  });

  test('behind a reverse proxy that appends the client address with its port, the client is still told apart', async () => {
    const h = await startHarness({ version: 19, server: { trustProxyHops: 1 } });
    try {
      const { token } = await h.addKey({ name: 'behind-gateway', rules: partnerRead });
      const from = (xff: string, key = token) => post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${key}`, 'Content-Type': 'application/json', 'X-Forwarded-For': xff });
      // One client guessing keys behind the gateway (address with a port) gets locked out...
      for (let i = 0; i < 12; i++) await from('198.51.100.7:5555', `odk_0000000${i % 10}_${'x'.repeat(43)}`);
      assert.equal((await from('198.51.100.7:5555')).status, 429);
      // ...and not the others, with or without a port, IPv4 or IPv6.
      for (const other of ['203.0.113.9:6666', '203.0.113.9', '[2001:db8::1]:443']) assert.equal((await from(other)).status, 200, other);
      // Every call journaled under its client's address, none under the gateway's (the socket's).
      const ips = new Set((await h.journal()).filter((e) => e.service !== 'common').map((e) => e.ip));
      assert.deepEqual([...ips].sort(), ['198.51.100.7', '2001:db8::1', '203.0.113.9']);
    } finally {
      await h.close();
    }
  });

  test('X-Forwarded-For is believed only from a trusted reverse proxy: a client reaching the port directly cannot choose its address', async () => {
    const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
    const log: Logger = { ...silentLogger, warn: (msg, fields) => void warnings.push({ msg, fields }) };
    // The reverse proxy is at 192.0.2.1; this test's client (127.0.0.1) is not it.
    const h = await startHarness({ version: 19, server: { trustProxyHops: 1, trustProxyFrom: ['192.0.2.1/32'] }, log });
    try {
      const { token } = await h.addKey({ name: 'office-only', rules: partnerRead, limits: { ips: ['203.0.113.0/24'] } });
      const forged = await post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${token}`, 'Content-Type': 'application/json', 'X-Forwarded-For': '203.0.113.9' });
      assert.equal(forged.status, 403, forged.text);
      assert.match(forged.text, /outside the key's allowed addresses/);
      const line = (await h.journal()).find((e) => e.service !== 'common');
      assert.equal(line?.ip, '127.0.0.1', 'journaled under the address it came from, not the one it claimed');
      await post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${token}`, 'X-Forwarded-For': '203.0.113.10' });
      const said = warnings.filter((w) => /X-Forwarded-For ignored/.test(w.msg));
      assert.equal(said.length, 1, 'said once per peer');
      assert.equal(said[0]!.fields?.peer, '127.0.0.1');
    } finally {
      await h.close();
    }
  });

  test('clientAddress: the header counts only from a trusted peer, by default the machine itself and private networks', () => {
    const req = (peer: string, xff?: string) => ({ socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;
    const byDefault: ProxyTrust = { hops: 1, from: DEFAULT_TRUSTED_PROXIES.map((c) => parseCidr(c)) };
    assert.equal(clientAddress(req('127.0.0.1', '203.0.113.9'), byDefault), '203.0.113.9');
    assert.equal(clientAddress(req('::ffff:10.1.2.3', '203.0.113.9'), byDefault), '203.0.113.9');
    assert.equal(clientAddress(req('172.17.0.2', '203.0.113.9'), byDefault), '203.0.113.9');
    assert.equal(clientAddress(req('fd00::5', '203.0.113.9'), byDefault), '203.0.113.9');
    assert.equal(clientAddress(req('198.51.100.4', '203.0.113.9'), byDefault), '198.51.100.4', 'a public peer is not believed');
    assert.equal(clientAddress(req('2001:db8::4', '203.0.113.9'), byDefault), '2001:db8::4');
    assert.equal(clientAddress(req('172.32.0.1', '203.0.113.9'), byDefault), '172.32.0.1', '172.32/16 is not private');
    const listed: ProxyTrust = { hops: 1, from: [parseCidr('198.51.100.4')] };
    assert.equal(clientAddress(req('198.51.100.4', '203.0.113.9'), listed), '203.0.113.9');
    assert.equal(clientAddress(req('127.0.0.1', '203.0.113.9'), listed), '127.0.0.1', 'loopback is trusted only by default');
    assert.equal(clientAddress(req('127.0.0.1', '203.0.113.9'), { hops: 0, from: byDefault.from }), '127.0.0.1');
  });

  test('made-up model names under a glob rule cost Odoo one fields_get each at most once, and a call that needs one counts against the rate', async () => {
    const h = await startHarness({ version: 19 });
    try {
      const { token } = await h.addKey({ rules: [{ model: 'crm.*', methods: ['read'], fields: ['name'] }], limits: { rate: '5/min' } });
      const call = (model: string) => post(`${h.url}/json/2/${model}/search_read`, '{"domain":[],"fields":["name"],"limit":1}', { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
      h.standin.clearReceived();
      assert.equal((await call('crm.nope')).status, 403);
      assert.equal((await call('crm.nope')).status, 403);
      const asked = () => h.standin.received.filter((r) => r.method === 'fields_get').length;
      assert.equal(asked(), 1, 'an unknown model is asked about once, then remembered');
      // A refused call that cost Odoo a fields_get counts against the rate (one refused from what
      // the proxy knew does not): the sixth name that needs asking is refused before Odoo is asked.
      for (let i = 0; i < 4; i++) assert.equal((await call(`crm.nope${i}`)).status, 403);
      const over = await call('crm.nope9');
      assert.equal(over.status, 429, over.text);
      assert.match(over.text, /over its rate/);
      assert.equal(asked(), 5);
    } finally {
      await h.close();
    }
  });

  test('/healthz and /metrics', async () => {
    const h = await startHarness({ version: 18, server: { metrics: true } });
    try {
      const health = await fetch(`${h.url}/healthz`);
      assert.equal(health.status, 200);
      const body = (await health.json()) as { ok: boolean; checks: Record<string, { ok: boolean }> };
      assert.equal(body.ok, true);
      assert.deepEqual(Object.keys(body.checks).sort(), ['journal', 'registry', 'upstream:test']);
      const { token } = await h.addKey({ name: 'metered', rules: partnerRead });
      await post(`${h.url}/xmlrpc/2/object`, encodeMethodCall('execute_kw', [h.db, 1, token, 'res.partner', 'search_count', [[]]]));
      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      assert.match(metrics, /odoo_keys_calls_total\{key="[0-9a-f]{8}",decision="allow",outcome="ok"\} 1/);
      assert.match(metrics, /odoo_keys_call_duration_ms_count \d+/);
      assert.match(metrics, /# TYPE odoo_keys_call_duration_ms histogram/);
      // Off unless asked: key ids and profile names are for the operator, not whoever reaches the port.
      const off = await startHarness({ version: 18 });
      try {
        assert.equal((await fetch(`${off.url}/metrics`)).status, 404);
      } finally {
        await off.close();
      }
    } finally {
      await h.close();
    }
  });
});
