// What native Odoo gets wrong on its RPC endpoints (FACTS.md), imitated by the stand-in, and the
// proxy's behaviour in front of it (issue 10).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { encodeMethodCall, decodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { authenticateKey, KeyIndex } from '../../src/proxy/keys.js';
import { mintKey, secretMatches } from '../../src/registry/keys.js';
import type { KeyRecord } from '../../src/registry/types.js';
import { startHarness, post } from '../support/proxy-harness.js';

const partnerRead = [{ model: 'res.partner', methods: ['read'], fields: ['name'] }];

describe('1. bad keys are refused by the proxy itself, with the same work whatever the reason', () => {
  test('no such id, wrong secret, malformed, missing, revoked, expired: each compares exactly two hashes', () => {
    const now = new Date('2026-11-28T12:00:00Z');
    const live = mintKey();
    const revoked = mintKey();
    const expired = mintKey();
    const rec = (m: ReturnType<typeof mintKey>, extra: Partial<KeyRecord> = {}): KeyRecord => ({ id: m.id, name: `k-${m.id}`, profile: 'p', hash: m.hash, created: now.toISOString(), rules: [], ...extra });
    const index = new KeyIndex([rec(live), rec(revoked, { revoked: '2026-11-01T00:00:00Z' }), rec(expired, { expires: '2026-11-01T00:00:00Z' })]);
    const wrongSecret = `odk_${live.id}_${'Z'.repeat(43)}`;
    const unknownId = `odk_${live.id === 'ffffffff' ? 'eeeeeeee' : 'ffffffff'}_${live.token.split('_')[2]}`;
    const cases: Array<[string, string | null, string]> = [
      ['valid', live.token, 'ok'],
      ['no such id', unknownId, 'unknown'],
      ['wrong secret', wrongSecret, 'unknown'],
      ['malformed', 'odk_nothex!_abc', 'malformed'],
      ['missing', null, 'missing'],
      ['revoked', revoked.token, 'revoked'],
      ['expired', expired.token, 'expired'],
    ];
    const messages = new Map<string, string>();
    for (const [label, credential, expected] of cases) {
      let compares = 0;
      const counting = (s: string, h: string): boolean => {
        compares++;
        return secretMatches(s, h);
      };
      const r = authenticateKey(index, credential, now, counting);
      assert.equal(r.ok ? 'ok' : r.failure, expected, label);
      assert.equal(compares, 2, `${label}: ${compares} hash comparisons`);
      if (!r.ok) messages.set(label, r.message);
    }
    assert.equal(messages.get('no such id'), messages.get('wrong secret'), 'an unknown id and a wrong secret look the same');
    assert.ok(!messages.get('wrong secret')!.includes(live.id), 'the refusal does not confirm the id exists');
  });
});

describe('2-3. revoked keys and floods of bad keys', () => {
  test('native Odoo keeps accepting a revoked key on /xmlrpc while cached; the proxy refuses a revoked key at once', async () => {
    const h = await startHarness({ version: 19, standin: { faults: { revokedKeysWorkWhileCached: true } } });
    try {
      // Native: the admin's API key, used once, then revoked, still works on /xmlrpc.
      const admin = h.standin.users.admin;
      const native = (): Promise<ReturnType<typeof decodeMethodResponse>> =>
        post(`${h.standin.url}/xmlrpc/2/object`, encodeMethodCall('execute_kw', [h.db, admin.uid, admin.apiKey, 'res.partner', 'search_count', [[]]])).then((r) => decodeMethodResponse(r.text));
      assert.equal((await native()).kind, 'params');
      h.standin.revokeKey('admin');
      assert.equal((await native()).kind, 'params', 'the stand-in imitates Odoo: the revoked native key still works');

      // Through the proxy: revoked in the registry by another process, refused within a second.
      const { token, id } = await h.addKey({ rules: partnerRead });
      const viaProxy = (): Promise<ReturnType<typeof decodeMethodResponse>> =>
        post(`${h.url}/xmlrpc/2/object`, encodeMethodCall('execute_kw', [h.db, 1, token, 'res.partner', 'search_count', [[]]])).then((r) => decodeMethodResponse(r.text));
      assert.equal((await viaProxy()).kind, 'params');
      await h.editKey(id, (k) => {
        k.revoked = new Date().toISOString();
      });
      let refused = false;
      for (let i = 0; i < 40 && !refused; i++) {
        const r = await viaProxy();
        refused = r.kind === 'fault' && r.faultCode === 3;
        if (!refused) await new Promise((res) => setTimeout(res, 50));
      }
      assert.ok(refused, 'refused within 2 s of the revoke');
    } finally {
      await h.close();
    }
  });

  test('a flood of bad keys from many addresses reaches Odoo not once, while a valid client is served', async () => {
    const h = await startHarness({ version: 19, server: { trustProxyHops: 1 }, standin: { faults: { wrongKeyDelayMs: 320 } } });
    try {
      const { token } = await h.addKey({ rules: partnerRead });
      h.standin.clearReceived();
      const bad = Array.from({ length: 300 }, (_, i) =>
        post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer odk_${(i % 16).toString(16).repeat(8)}_${'B'.repeat(43)}`, 'Content-Type': 'application/json', 'X-Forwarded-For': `198.51.${i % 200}.${i % 250}` }),
      );
      const good = post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${token}`, 'Content-Type': 'application/json', 'X-Forwarded-For': '203.0.113.7' });
      const results = await Promise.all(bad);
      const odd = results.filter((r) => r.status !== 401 && r.status !== 429).map((r) => `${r.status} ${r.text.slice(0, 120)}`);
      assert.deepEqual(odd, [], 'every bad key is refused as unauthenticated or throttled');
      assert.equal((await good).status, 200);
      const reached = h.standin.received.filter((c) => c.protocol === 'json2');
      assert.equal(reached.length, 1, 'only the valid call reached Odoo');
    } finally {
      await h.close();
    }
  });
});

describe('3-4. concurrency caps and Odoo closing every connection', () => {
  test('a global cap across keys: one integration cannot take all of Odoo’s workers', async () => {
    const h = await startHarness({ version: 19, proxy: { maxConcurrent: 2, maxConcurrentPerKey: 2, queueWaitMs: 100 } });
    try {
      const keys = await Promise.all([1, 2, 3].map(() => h.addKey({ rules: partnerRead })));
      await post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${keys[0]!.token}`, 'Content-Type': 'application/json' });
      h.standin.faults.delayMs = 600;
      const rs = await Promise.all(keys.map((k) => post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${k.token}`, 'Content-Type': 'application/json' })));
      assert.deepEqual(rs.map((r) => r.status).sort(), [200, 200, 503]);
    } finally {
      await h.close();
    }
  });

  test('Odoo answers Connection: close every time; the proxy never fails on a closed socket and keeps the client’s connection open', async () => {
    const h = await startHarness({ version: 18 });
    try {
      const { token } = await h.addKey({ rules: partnerRead });
      const body = encodeMethodCall('execute_kw', [h.db, 1, token, 'res.partner', 'search_count', [[]]]);
      const direct = await fetch(`${h.standin.url}/xmlrpc/2/common`, { method: 'POST', body: encodeMethodCall('version', []) });
      assert.equal(direct.headers.get('connection'), 'close', 'the stand-in closes like Odoo');
      // Many calls, many at once, over the same few client connections.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
      let connections = 0;
      const count = (): void => {
        connections++;
      };
      h.proxy.server.on('connection', count);
      const one = (): Promise<string> =>
        new Promise((resolve, reject) => {
          const req = http.request(`${h.url}/xmlrpc/2/object`, { method: 'POST', agent, headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
            assert.notEqual(res.headers.connection, 'close');
            let t = '';
            res.setEncoding('utf8').on('data', (c: string) => (t += c)).on('end', () => resolve(t)).on('error', reject);
          });
          req.on('error', reject);
          req.end(body);
        });
      const answers: string[] = [];
      for (let round = 0; round < 10; round++) answers.push(...(await Promise.all(Array.from({ length: 20 }, one))));
      agent.destroy();
      h.proxy.server.off('connection', count);
      assert.equal(answers.length, 200);
      assert.ok(answers.every((a) => decodeMethodResponse(a).kind === 'params'));
      assert.ok(connections <= 8, `200 calls came over ${connections} client connections`);
      assert.ok(h.standin.received.length >= 200, 'each call still reached Odoo on a connection of its own');
    } finally {
      await h.close();
    }
  });
});
