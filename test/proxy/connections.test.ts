// --max-connections: clients cannot take every file descriptor of the proxy (they left it unable to
// read keys.yaml, so a revocation went unread, or to reach Odoo).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { connectionsWithin, openFileLimit } from '../../src/proxy/server.js';
import { startHarness, post } from '../support/proxy-harness.js';

test('connectionsWithin keeps descriptors for Odoo and the proxy itself; openFileLimit reads /proc/self/limits', () => {
  assert.equal(connectionsWithin(1024, 64), 832);
  assert.equal(connectionsWithin(100, 64), 16, 'a tiny limit still lets a few clients in');
  const limits = (soft: string) => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 4096                 files\n`;
  assert.equal(openFileLimit(() => limits('1024')), 1024);
  assert.equal(openFileLimit(() => limits('unlimited')), undefined);
  assert.equal(openFileLimit(() => 'nothing here'), undefined);
  assert.equal(openFileLimit(() => {
    throw new Error('no /proc');
  }), undefined);
  if (process.platform === 'linux') assert.ok((openFileLimit() ?? 0) > 0, 'this machine reports its limit');
});

/** Opens a TCP connection and resolves once it is open. */
function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with what the server sent before it closed the connection (or null if it stays open for `ms`). */
function closedBy(socket: net.Socket, ms: number): Promise<string | null> {
  return new Promise((resolve) => {
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString()));
    const t = setTimeout(() => resolve(null), ms);
    socket.once('close', () => {
      clearTimeout(t);
      resolve(got);
    });
    socket.on('error', () => undefined);
  });
}

test('past --max-connections a new connection is closed at once; calls go on on the others and once one ends', async (t) => {
  const h = await startHarness({ version: 19, server: { maxConnections: 2 } });
  t.after(() => h.close());
  const { token } = await h.addKey({ name: 'c', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'] }] });
  const held = [await connect(h.proxy.port), await connect(h.proxy.port)];
  t.after(() => held.forEach((s) => s.destroy()));
  const third = await connect(h.proxy.port);
  assert.equal(await closedBy(third, 5000), '', 'the connection past the limit is closed without an answer');
  assert.equal(h.proxy.metrics.droppedConnections, 1);
  // A held connection still carries calls.
  const body = JSON.stringify({ domain: [], fields: ['name'], limit: 1 });
  const answer = await new Promise<string>((resolve) => {
    let got = '';
    held[0]!.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('\r\n\r\n[')) resolve(got);
    });
    held[0]!.write(`POST /json/2/res.partner/search_read HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: bearer ${token}\r\nX-Odoo-Database: ${h.db}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
  assert.match(answer, /^HTTP\/1\.1 200/);
  // Once a connection ends, a new client gets in.
  held[1]!.destroy();
  for (let i = 0; i < 100 && (await new Promise<number>((r) => h.proxy.server.getConnections((_e, n) => r(n)))) > 1; i++) await new Promise((r) => setTimeout(r, 20));
  const r = await post(`${h.url}/json/2/res.partner/search_read`, body, { 'Content-Type': 'application/json', Authorization: `bearer ${token}`, 'X-Odoo-Database': h.db });
  assert.equal(r.status, 200, r.text);
});
