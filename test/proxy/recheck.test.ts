// A call is authenticated, then may wait: for a place under its key's concurrency cap, for a
// schema, for the domain checks Odoo answers. A key revoked, expired or re-scoped meanwhile must
// not get the waiting call through on its old standing: the key is checked again right before the
// call is forwarded. Here the first call is held at a gate in front of Odoo, the second waits in
// the key's queue, the key changes, then the gate opens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, post, type Harness } from '../support/proxy-harness.js';
import { gateHolding, type Gate } from '../support/gate.js';

async function queuedCall(h: Harness<Gate>, change: (id: string) => Promise<void>): Promise<{ first: number; second: { status: number; text: string } }> {
  const { token, id } = await h.addKey({ name: 'sync', rules: [{ model: 'res.partner', methods: ['read', 'write'] }], expires: new Date(Date.now() + 3_600_000).toISOString() });
  const write = (rec: number, name: string) => post(`${h.url}/json/2/res.partner/write`, JSON.stringify({ ids: [rec], vals: { name } }), { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' });
  const first = write(1, 'first');
  await h.upstream.arrived;
  const second = write(3, 'second');
  while (h.proxy.core.queuedFor(id) === 0) await new Promise((r) => setTimeout(r, 5));
  await change(id);
  h.upstream.open();
  return { first: (await first).status, second: await second };
}

const secondReachedOdoo = (h: Harness<Gate>): number => h.upstream.passed.filter((p) => p.endsWith('/write')).length - 1;

test('a key revoked while its call waited in the queue: the call is refused, not forwarded', async (t) => {
  const h = await startHarness({ version: 19, proxy: { maxConcurrentPerKey: 1, queueWaitMs: 60_000 }, upstream: gateHolding('write') });
  t.after(() => h.close());
  const r = await queuedCall(h, async (id) => {
    await h.editKey(id, (k) => {
      k.revoked = new Date(Date.now() - 1000).toISOString();
    });
    await h.proxy.reload();
  });
  assert.equal(r.first, 200);
  assert.equal(r.second.status, 401, r.second.text);
  assert.match(r.second.text, /was revoked at/);
  assert.equal(secondReachedOdoo(h), 0, 'the waiting call was forwarded after the revocation');
  assert.equal(h.standin.orm.get('res.partner', 3)?.name === 'second', false);
  const refused = (await h.journal()).filter((e) => e.method === 'write' && e.decision === 'deny');
  assert.equal(refused.length, 1);
  assert.match(refused[0]!.reason ?? '', /was revoked at/);
});

test('a key whose scope lost the method while its call waited: the call is refused, not forwarded', async (t) => {
  const h = await startHarness({ version: 19, proxy: { maxConcurrentPerKey: 1, queueWaitMs: 60_000 }, upstream: gateHolding('write') });
  t.after(() => h.close());
  const r = await queuedCall(h, async (id) => {
    await h.editKey(id, (k) => {
      k.rules = [{ model: 'res.partner', methods: ['read'] }];
    });
    await h.proxy.reload();
  });
  assert.equal(r.first, 200);
  assert.notEqual(r.second.status, 200, r.second.text);
  assert.match(r.second.text, /scope of key 'sync' changed while this call waited/);
  assert.equal(secondReachedOdoo(h), 0, 'the waiting call was forwarded under the old scope');
});

test('a key that expired while its call waited: the call is refused, not forwarded', async (t) => {
  const h = await startHarness({ version: 19, proxy: { maxConcurrentPerKey: 1, queueWaitMs: 60_000 }, upstream: gateHolding('write') });
  t.after(() => h.close());
  h.clock.at = new Date();
  const r = await queuedCall(h, async () => {
    h.clock.at = new Date(Date.now() + 7_200_000); // past the key's expiry (in an hour)
  });
  assert.equal(r.first, 200);
  assert.equal(r.second.status, 401, r.second.text);
  assert.match(r.second.text, /expired at/);
  assert.equal(secondReachedOdoo(h), 0, 'the waiting call was forwarded after the key expired');
});

test('an unrelated change while a call waits does not refuse it', async (t) => {
  const h = await startHarness({ version: 19, proxy: { maxConcurrentPerKey: 1, queueWaitMs: 60_000 }, upstream: gateHolding('write') });
  t.after(() => h.close());
  const r = await queuedCall(h, async () => {
    await h.addKey({ name: 'another', rules: [{ model: 'crm.lead', methods: ['read'] }] }); // reloads the proxy
  });
  assert.equal(r.first, 200);
  assert.equal(r.second.status, 200, r.second.text);
  assert.equal(secondReachedOdoo(h), 1);
});

test('stillAdmits: the previous secret of a rotation stops at the end of its grace, even for a call already authenticated', async () => {
  const { KeyIndex, authenticateKey, stillAdmits } = await import('../../src/proxy/keys.js');
  const { mintKey } = await import('../../src/registry/keys.js');
  const old = mintKey();
  const current = mintKey(old.id);
  const graceEnds = new Date('2026-11-29T12:00:00Z');
  const record = { id: old.id, name: 'rotated', profile: 'p', hash: current.hash, created: '2026-11-01T00:00:00Z', rules: [{ model: 'res.partner', methods: ['read'] }], previous: { hash: old.hash, until: graceEnds.toISOString() } };
  const index = new KeyIndex([record]);
  const before = new Date(graceEnds.getTime() - 1000);
  const auth = authenticateKey(index, old.token, before);
  assert.ok(auth.ok && auth.viaPrevious);
  assert.equal(stillAdmits(index, index, auth.key, true, old.token, before), null);
  assert.equal(stillAdmits(index, index, auth.key, true, old.token, graceEnds), 'odoo-keys: invalid key');
  // The new secret is not affected; nor is a reload that changed nothing of this key.
  const reloaded = new KeyIndex([{ ...record }]);
  const byNew = authenticateKey(index, current.token, graceEnds);
  assert.ok(byNew.ok && !byNew.viaPrevious);
  assert.equal(stillAdmits(index, reloaded, byNew.key, false, current.token, graceEnds), null);
});

test('a learning key whose end is more than a day away is refused by the proxy, even one already authenticated', async () => {
  const { KeyIndex, authenticateKey, stillAdmits } = await import('../../src/proxy/keys.js');
  const { mintKey } = await import('../../src/registry/keys.js');
  const minted = mintKey();
  const now = new Date('2026-11-29T12:00:00Z');
  const base = { id: minted.id, name: 'learner', profile: 'p', hash: minted.hash, learning: true, rules: [] };
  // created moved two years ahead by hand: its day would end in 2028.
  const moved = new KeyIndex([{ ...base, created: '2028-11-29T12:00:00Z', expires: '2028-11-30T12:00:00Z' }]);
  const refused = authenticateKey(moved, minted.token, now);
  assert.ok(!refused.ok && refused.failure === 'expired' && /more than 24h from now/.test(refused.message), JSON.stringify(refused));
  // Made here a minute ago: served; the same key moved ahead while a call waited: refused before it is sent.
  const genuine = new KeyIndex([{ ...base, created: '2026-11-29T11:59:00Z', expires: '2026-11-30T11:59:00Z' }]);
  const auth = authenticateKey(genuine, minted.token, now);
  assert.ok(auth.ok);
  assert.match(stillAdmits(genuine, moved, auth.key, false, minted.token, now) ?? '', /more than 24h from now/);
});
