// Spent buffers of large streamed answers are collected every few MB (src/proxy/garbage.ts).
// What this saves is measured by the bench (row 2); here: the counting, that the collector is a
// real collection on this Node, and that the proxy reports what it streams and only that.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { streamedGarbage, youngCollector } from '../../src/proxy/garbage.js';
import { startHarness, post } from '../support/proxy-harness.js';

test('streamedGarbage collects once per everyBytes passed, counted over all answers together', () => {
  let collections = 0;
  const passed = streamedGarbage(() => collections++, 1000);
  passed(999);
  assert.equal(collections, 0);
  passed(1);
  assert.equal(collections, 1);
  // Another answer's chunks count towards the same total.
  for (let i = 0; i < 10; i++) passed(300);
  assert.equal(collections, 3);
  passed(5000);
  assert.equal(collections, 4, 'one big chunk is one collection, not five');
});

test('youngCollector gives a real collection on this Node and leaves gc hidden from later contexts', async () => {
  const collect = youngCollector();
  assert.equal(typeof collect, 'function', 'this Node gives no gc(): the proxy would let spent buffers pile up');
  assert.equal(vm.runInNewContext('typeof gc'), 'undefined', '--expose-gc was left on');
  // Buffers the size of socket reads, referred to by nothing once made. Without a collection
  // V8 would keep them (32 MB is under the growth at which it collects for such memory).
  const MB = 1024 * 1024;
  const before = process.memoryUsage().arrayBuffers;
  (() => {
    for (let i = 0; i < 32; i++) Buffer.allocUnsafeSlow(MB).fill(1);
  })();
  assert.ok(process.memoryUsage().arrayBuffers >= before + 30 * MB);
  collect!();
  // Freed memory is swept off the main thread: wait for it (a bounded poll, not a timing).
  for (let i = 0; i < 200 && process.memoryUsage().arrayBuffers > before + 8 * MB; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(process.memoryUsage().arrayBuffers <= before + 8 * MB, `spent buffers still held: ${((process.memoryUsage().arrayBuffers - before) / MB).toFixed(0)} MB`);
});

test('the proxy reports the bytes of streamed answers to its collector, not those of answers held whole', async (t) => {
  let collections = 0;
  // Answers over 512 bytes stream; a collection every 1000 bytes streamed.
  const h = await startHarness({ version: 19, proxy: { inspectBytes: 512 }, streamedGarbage: { collect: () => collections++, everyBytes: 1000 } });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'r', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name', 'email', 'comment'] }] });
  const call = (limit: number) =>
    post(`${h.url}/json/2/res.partner/search_read`, JSON.stringify({ domain: [], fields: ['name', 'email', 'comment'], limit }), { 'Content-Type': 'application/json', Authorization: `bearer ${token}`, 'X-Odoo-Database': h.db });
  const small = await call(1);
  assert.equal(small.status, 200);
  assert.ok(small.text.length < 512, `a one-record answer is held whole (${small.text.length} bytes)`);
  assert.equal(collections, 0, 'an answer held whole is not streamed garbage');
  const big = await call(80);
  assert.equal(big.status, 200);
  assert.ok(big.text.length > 3000, `the answer streams (${big.text.length} bytes)`);
  assert.equal((JSON.parse(big.text) as unknown[]).length > 1, true, 'the streamed answer arrives whole');
  assert.ok(collections >= 1 && collections <= Math.ceil(big.text.length / 1000), `${collections} collection(s) for ${big.text.length} bytes`);
});
