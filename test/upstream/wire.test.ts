// The proxy's upstream connections (src/upstream/wire.ts behind UpstreamPool), on real sockets:
// a socket is used again only when the answer allows it, a full pool makes calls wait their
// turn (and a cancelled wait gives nothing away), a request is never written with a header that
// could split it, a slow reader slows Odoo's socket rather than filling memory, and HTTPS works
// with the system's trust store, resuming TLS sessions since Odoo closes every connection. With
// openAhead, the connection for the next call is opened while an answer that closes its own comes
// in (Odoo's every answer), and a spare the server dropped is treated as a stale kept socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cancellation, UpstreamPool, readBody, type UpstreamRequest } from '../../src/upstream/forward.js';
import { pickIdle, type IdleSocket } from '../../src/upstream/wire.js';
import { pythonCommand } from '../support/python.js';

const REQ: UpstreamRequest = { path: '/xmlrpc/2/object', headers: { 'Content-Type': 'text/xml' }, body: Buffer.from('<methodCall/>') };

/** A raw HTTP server: `answer(request, socket, n)` writes whatever it likes; counts connections and requests. */
async function rawServer(answer: (request: string, socket: net.Socket, n: number) => void): Promise<{ url: URL; server: net.Server; connections: number; requests: string[]; sockets: net.Socket[]; close(): Promise<void> }> {
  const state = { connections: 0, requests: [] as string[], sockets: [] as net.Socket[] };
  const server = net.createServer((s) => {
    state.connections++;
    state.sockets.push(s);
    s.on('error', () => {});
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      // One request: head, then Content-Length bytes.
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        const request = buf.slice(0, end + 4 + len);
        buf = buf.slice(end + 4 + len);
        state.requests.push(request);
        answer(request, s, state.requests.length);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`);
  return Object.assign(state, {
    url,
    server,
    close: () =>
      new Promise<void>((r) => {
        for (const s of state.sockets) s.destroy();
        if (server.listening) server.close(() => r());
        else r();
      }),
  });
}

/** Waits for `cond`; fails (rather than hangs) if it has not come true in 10 s. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; !cond(); i++) {
    assert.ok(i < 5000, `never came true: ${cond}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Which connection (1, 2, ...) each request came in on. */
function connectionOf(s: { sockets: net.Socket[] }, sock: net.Socket): number {
  return s.sockets.indexOf(sock) + 1;
}

const ok = (body: string, extra = ''): string => `HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

test('a socket is used again only when the answer leaves it open and ends where it says', async (t) => {
  const pool = new UpstreamPool({ maxSockets: 4 });
  t.after(() => pool.close());
  const text = async (): Promise<string> => (await readBody(await pool.send(s.url, REQ), 1e6)).toString();

  // Kept alive (a reverse proxy in front of Odoo): one connection for three calls.
  let mode = 'keep';
  const s = await rawServer((_req, sock, n) => {
    if (mode === 'keep') sock.write(ok(`answer ${n}`));
    // Connection: close, the socket left open by the server: the answer alone says not to reuse it.
    else if (mode === 'close') sock.write(ok(`answer ${n}`, 'Connection: close\r\n'));
    // An answer followed by bytes no request asked for: the socket cannot be trusted again.
    else sock.write(ok(`answer ${n}`) + 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nextra');
  });
  t.after(() => s.close());
  assert.equal(await text(), 'answer 1');
  assert.equal(await text(), 'answer 2');
  assert.equal(await text(), 'answer 3');
  assert.equal(s.connections, 1, 'kept-alive answers: the same socket');
  // The request as written: one head, Host and a length, the body.
  assert.match(s.requests[0]!, /^POST \/xmlrpc\/2\/object HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nContent-Type: text\/xml\r\nContent-Length: 13\r\nUser-Agent: odoo-keys\r\nConnection: keep-alive\r\n\r\n<methodCall\/>$/);

  mode = 'close';
  assert.equal(await text(), 'answer 4');
  assert.equal(await text(), 'answer 5');
  assert.equal(await text(), 'answer 6');
  assert.equal(s.connections, 3, 'Connection: close (as Odoo answers): the kept socket carried one more call, then a new one each');

  mode = 'trailing';
  const before = s.connections;
  assert.equal(await text(), 'answer 7');
  assert.equal(await text(), 'answer 8');
  assert.equal(s.connections, before + 2, 'bytes after an answer: that socket is not used again');
});

test('a kept socket the server closed while idle: a read is sent again on a fresh one, a create is not', async (t) => {
  const pool = new UpstreamPool({ maxSockets: 4 });
  t.after(() => pool.close());
  // The server answers, keeps the socket, and drops it the moment the next request comes in.
  const s = await rawServer((_req, sock) => {
    if ((sock as net.Socket & { used?: boolean }).used) return void sock.destroy();
    (sock as net.Socket & { used?: boolean }).used = true;
    sock.write(ok('first'));
  });
  t.after(() => s.close());
  assert.equal((await readBody(await pool.send(s.url, REQ), 1e6)).toString(), 'first');
  assert.equal((await readBody(await pool.send(s.url, REQ, { mayRepeat: true }), 1e6)).toString(), 'first', 'sent again on a new socket');
  assert.equal(pool.stats.retriedOnReusedSocket, 1);
  await assert.rejects(pool.send(s.url, REQ, { mayRepeat: false }), /not sent again, as it may change data/);
  assert.equal(pool.stats.retriedOnReusedSocket, 1);
});

test('the read sent again after a stale kept socket goes on a new connection, not on another kept one', async (t) => {
  const pool = new UpstreamPool({ maxSockets: 4 });
  t.after(() => pool.close());
  const held: net.Socket[] = [];
  // Each connection answers its first request (kept alive) and is dropped at its second, as a
  // reverse proxy that closed its idle connections all at once, the close not yet seen here.
  const s = await rawServer((_req, sock, n) => {
    if ((sock as net.Socket & { used?: boolean }).used) return void sock.destroy();
    (sock as net.Socket & { used?: boolean }).used = true;
    if (n <= 2) return void held.push(sock);
    sock.write(ok('on a new connection'));
  });
  t.after(() => s.close());
  // Two calls at once: two connections, both kept.
  const first = pool.send(s.url, REQ);
  const second = pool.send(s.url, REQ);
  while (held.length < 2) await new Promise((r) => setTimeout(r, 5));
  for (const sock of held) sock.write(ok('kept'));
  await Promise.all([readBody(await first, 1e6), readBody(await second, 1e6)]);
  assert.equal((await readBody(await pool.send(s.url, REQ, { mayRepeat: true }), 1e6)).toString(), 'on a new connection');
  assert.equal(pool.stats.retriedOnReusedSocket, 1);
  assert.equal(s.connections, 3);
});

test('once closed, nothing more goes out: not even the retry of a read whose kept socket close() destroyed', async (t) => {
  const pool = new UpstreamPool({ maxSockets: 4 });
  t.after(() => pool.close());
  // Answers the first request on a connection; the next one is never answered (still at Odoo).
  const s = await rawServer((_req, sock, n) => {
    if (n === 1) sock.write(ok('kept'));
  });
  t.after(() => s.close());
  await readBody(await pool.send(s.url, REQ), 1e6);
  const atOdoo = pool.send(s.url, REQ, { mayRepeat: true });
  while (s.requests.length < 2) await new Promise((r) => setTimeout(r, 5));
  pool.close();
  await assert.rejects(atOdoo, /Odoo closed the connection without answering/);
  await assert.rejects(pool.send(s.url, REQ), /Odoo closed the connection without answering/);
  assert.equal(s.connections, 1, 'no connection after close()');
  assert.equal(s.requests.length, 2);
});

test('a socket whose request was answered before it was written whole is not used again', async (t) => {
  // The timeout only bounds the failure: a call sent behind the unread body is never answered.
  const pool = new UpstreamPool({ maxSockets: 4, timeoutMs: 2000 });
  t.after(() => pool.close());
  // Answers (kept alive) as soon as the head is in, then stops reading: the body is never taken.
  const sockets: net.Socket[] = [];
  const server = net.createServer((sock) => {
    sockets.push(sock);
    sock.on('error', () => {});
    sock.once('data', () => {
      sock.pause();
      sock.write(ok('early'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        for (const sock of sockets) sock.destroy();
        server.close(() => r());
      }),
  );
  const url = new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`);
  const big = { ...REQ, body: Buffer.alloc(32 * 1024 * 1024, 120) };
  assert.equal((await readBody(await pool.send(url, big), 1e6)).toString(), 'early');
  assert.equal((await readBody(await pool.send(url, REQ), 1e6)).toString(), 'early', 'on a socket of its own');
  assert.equal(sockets.length, 2);
});

test('a full pool makes calls wait their turn; a call cancelled while waiting gives no place away', async (t) => {
  const pool = new UpstreamPool({ maxSockets: 2 });
  t.after(() => pool.close());
  const held: net.Socket[] = [];
  const s = await rawServer((_req, sock) => held.push(sock));
  t.after(() => s.close());
  const first = pool.send(s.url, REQ);
  const second = pool.send(s.url, REQ);
  const cancelled = new Cancellation();
  const third = pool.send(s.url, REQ, { cancellation: cancelled });
  const fourth = pool.send(s.url, REQ);
  await until(() => held.length === 2);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(s.connections, 2, 'no more than maxSockets at once');
  cancelled.cancel();
  await assert.rejects(third, /cancelled/);
  held.shift()!.end(ok('one', 'Connection: close\r\n'));
  assert.equal((await readBody(await first, 1e6)).toString(), 'one');
  await until(() => held.length === 2);
  assert.equal(s.connections, 3, 'the freed place went to the next waiting call, not to the cancelled one');
  held.shift()!.end(ok('two', 'Connection: close\r\n'));
  held.shift()!.end(ok('four', 'Connection: close\r\n'));
  assert.equal((await readBody(await second, 1e6)).toString(), 'two');
  assert.equal((await readBody(await fourth, 1e6)).toString(), 'four');
  // Every place came back: two calls at once still go out together.
  const a = pool.send(s.url, REQ);
  const b = pool.send(s.url, REQ);
  await until(() => held.length === 2);
  for (const sock of held.splice(0)) sock.end(ok('again', 'Connection: close\r\n'));
  await Promise.all([a, b]);
});

test('a kept socket does not hold the process open (a CLI command ends when its work does)', async (t) => {
  const s = await rawServer((_req, sock) => sock.write(ok('kept')));
  t.after(() => s.close());
  // The child makes one call to a server that keeps the socket, and says at beforeExit (when
  // nothing is left to run) whether the socket was still kept: a kept socket that held the
  // process open would first have to be dropped after its idle time.
  const forward = fileURLToPath(new URL('../../src/upstream/forward.js', import.meta.url));
  const script = `
    import { UpstreamPool, readBody } from ${JSON.stringify(forward)};
    const pool = new UpstreamPool();
    const text = (await readBody(await pool.send(new URL(${JSON.stringify(s.url.href)}), { path: '/', headers: {}, body: Buffer.from('x') }), 1e6)).toString();
    process.once('beforeExit', () => console.log(JSON.stringify({ text, kept: pool.connections.sockets.size })));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(stdout), { text: 'kept', kept: 1 });
});

test('a header value with CR or LF is refused before anything is sent', async (t) => {
  const pool = new UpstreamPool();
  t.after(() => pool.close());
  const s = await rawServer((_req, sock) => sock.end(ok('x')));
  t.after(() => s.close());
  for (const db of ['prod\r\nX-Injected: 1', 'prod\nGET / HTTP/1.1', 'prod\u0100']) {
    await assert.rejects(pool.send(s.url, { ...REQ, headers: { 'X-Odoo-Database': db } }), /X-Odoo-Database header holds a character HTTP cannot carry/);
  }
  await assert.rejects(pool.send(s.url, { ...REQ, path: '/json/2/a b' }), /path holds a character HTTP cannot carry/);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(s.connections, 0, 'nothing reached the server');
});

test('a reader that stops reading stops Odoo\'s socket, rather than holding the answer in memory', async (t) => {
  const pool = new UpstreamPool();
  t.after(() => pool.close());
  const size = 64 * 1024 * 1024;
  let flushed = false;
  const s = await rawServer((_req, sock) => {
    sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`);
    const piece = Buffer.alloc(1024 * 1024, 97);
    for (let i = 0; i < 64; i++) sock.write(piece);
    // Called once every byte is in the kernel: the reader's side took them all.
    sock.end(() => (flushed = true));
  });
  t.after(() => s.close());
  const answer = await pool.send(s.url, REQ);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(flushed, false, 'the server could write all 64 MB while nothing was read');
  assert.ok(answer.readableLength < 4 * 1024 * 1024, `held in memory: ${answer.readableLength} bytes`);
  assert.equal((await readBody(answer, size)).length, size, 'then read whole');
  assert.equal(answer.complete, true);
});

test('an answer cut short, or not HTTP: a clear error, on the stream or before it', async (t) => {
  const pool = new UpstreamPool();
  t.after(() => pool.close());
  let mode = '';
  const s = await rawServer((_req, sock) => {
    if (mode === 'short') sock.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this');
    else if (mode === 'garbage') sock.end('<html>hello</html>');
    else if (mode === 'nothing') sock.end();
  });
  t.after(() => s.close());
  mode = 'short';
  const answer = await pool.send(s.url, REQ);
  await assert.rejects(readBody(answer, 1e6), /closed before the end of the answer/);
  assert.equal(answer.complete, false);
  mode = 'garbage';
  await assert.rejects(pool.send(s.url, REQ), /Odoo's answer could not be read: the answer does not start with an HTTP\/1\.x status line/);
  mode = 'nothing';
  await assert.rejects(pool.send(s.url, REQ), /Odoo closed the connection without answering/);
});

test('an answer that breaks in the read that brought its head: the error waits for its reader, the process lives', async (t) => {
  const pool = new UpstreamPool({ maxSockets: 1 });
  t.after(() => pool.close());
  let mode = 'bad';
  // One write: the head and a chunk-size line that is not one reach the client in one read, so the
  // answer fails before its caller (resumed later, on a promise) could listen for 'error'.
  const s = await rawServer((_req, sock) => {
    if (mode === 'bad') sock.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nnot a size\r\n');
    else sock.end(ok('fine', 'Connection: close\r\n'));
  });
  t.after(() => s.close());
  const answer = await pool.send(s.url, REQ);
  await assert.rejects(readBody(answer, 1e6), /a chunk of the answer has no valid size/);
  assert.equal(answer.complete, false);
  assert.equal(answer.destroyed, true);
  mode = 'good';
  assert.equal((await readBody(await pool.send(s.url, REQ), 1e6)).toString(), 'fine', 'its place came back');
});

test('HTTPS: the system trust store (NODE_EXTRA_CA_CERTS), the host name checked, TLS sessions resumed', async (t) => {
  const openssl = spawnSync('openssl', ['version']);
  if (openssl.status !== 0) return t.skip('openssl is not installed (.ci/run installs it)');
  const dir = mkdtempSync(join(tmpdir(), 'odoo-keys-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  const resumed: boolean[] = [];
  const server = tls.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (sock) => {
    resumed.push(sock.isSessionReused());
    sock.on('error', () => {});
    sock.once('data', () => sock.end(ok('over tls', 'Connection: close\r\n')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;

  // Not trusted here (this process was started without the certificate): refused, clearly.
  const pool = new UpstreamPool();
  t.after(() => pool.close());
  await assert.rejects(pool.send(new URL(`https://localhost:${port}/`), REQ), /Odoo could not be reached \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/);

  // A process started with the certificate in NODE_EXTRA_CA_CERTS, as an administrator with a
  // private CA runs serve: three calls, the later ones on resumed sessions; the wrong name refused.
  const forward = fileURLToPath(new URL('../../src/upstream/forward.js', import.meta.url));
  const script = `
    import { UpstreamPool, readBody } from ${JSON.stringify(forward)};
    const pool = new UpstreamPool();
    const req = { path: '/xmlrpc/2/object', headers: {}, body: Buffer.from('x') };
    const out = [];
    for (let i = 0; i < 3; i++) out.push((await readBody(await pool.send(new URL('https://localhost:${port}/'), req), 1e6)).toString());
    try { await pool.send(new URL('https://127.0.0.1:${port}/'), req); out.push('no error'); } catch (e) { out.push(e.message); }
    pool.close();
    console.log(JSON.stringify(out));`;
  // Not execFileSync: the TLS server answers from this process's event loop.
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') }, encoding: 'utf8' });
  const out = JSON.parse(stdout) as string[];
  assert.deepEqual(out.slice(0, 3), ['over tls', 'over tls', 'over tls']);
  assert.match(out[3]!, /Odoo could not be reached \(ERR_TLS_CERT_ALTNAME_INVALID\)/, 'a certificate for another name is refused');
  assert.deepEqual(resumed.slice(0, 3), [false, true, true], 'the second and third connections resumed the first one\'s TLS session');

  // With connections opened ahead (the default for https): the TLS handshake of the next call's
  // connection is done during the answer before it, and resumes the session too.
  resumed.length = 0;
  const ahead = `
    import { UpstreamPool, readBody } from ${JSON.stringify(forward)};
    const pool = new UpstreamPool();
    const url = new URL('https://localhost:${port}/');
    pool.openAhead(url, true);
    const out = [];
    for (let i = 0; i < 3; i++) out.push((await readBody(await pool.send(url, { path: '/', headers: {}, body: Buffer.from('x') }), 1e6)).toString());
    console.log(JSON.stringify({ out, spares: pool.spares }));
    pool.close();`;
  const second = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', ahead], { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') }, encoding: 'utf8' });
  const got = JSON.parse(second.stdout) as { out: string[]; spares: { opened: number; taken: number } };
  assert.deepEqual(got.out, ['over tls', 'over tls', 'over tls']);
  assert.equal(got.spares.taken, 2, 'the second and third calls went out on spares');
  assert.deepEqual(resumed.slice(0, 3), [false, true, true], 'the spares resumed the TLS session');
});

test('openAhead: each call goes out on a connection opened while an earlier call ran; none without it, none beside kept connections', async (t) => {
  const pool = new UpstreamPool({ maxSockets: 4 });
  t.after(() => pool.close());
  const on: number[] = [];
  let close = true;
  const s = await rawServer((_req, sock) => {
    on.push(connectionOf(s, sock));
    // As Odoo: Connection: close, then the server closes.
    if (close) sock.end(ok('odoo', 'Connection: close\r\n'));
    else sock.write(ok('kept'));
  });
  t.after(() => s.close());
  const call = async (): Promise<string> => (await readBody(await pool.send(s.url, REQ), 1e6)).toString();

  // Off (the default): a connection per call, made when the call comes.
  await call();
  await call();
  assert.deepEqual([s.connections, on], [2, [1, 2]]);
  assert.deepEqual(pool.spares, { opened: 0, taken: 0 });

  pool.openAhead(s.url, true);
  await call();
  // That answer closed its connection: a spare opens before any next call.
  await until(() => s.connections === 4);
  assert.deepEqual(on, [1, 2, 3], 'nothing was sent on the spare');
  for (let i = 0; i < 3; i++) await call();
  assert.equal(pool.spares.taken, 3, 'each of the three calls found a spare waiting');
  assert.equal(new Set(on).size, on.length, 'each on a connection of its own, as Odoo closes them');
  assert.ok(on.slice(3).every((c) => c >= 4), 'none on a connection made before openAhead');

  // Answers that keep their connection open need no spares: the kept one carries the next calls.
  close = false;
  await call();
  const opened = pool.spares.opened;
  await call();
  await call();
  assert.equal(on.at(-1), on.at(-2));
  assert.equal(on.at(-2), on.at(-3), 'the three calls on one kept connection');
  assert.equal(pool.spares.opened, opened, 'no spare opened beside a kept connection');
});

test("a call sent with openAhead false (the proxy's own checks, /healthz) opens no spare and takes none", async (t) => {
  const pool = new UpstreamPool({ maxSockets: 4 });
  t.after(() => pool.close());
  const s = await rawServer((_req, sock) => sock.end(ok('odoo', 'Connection: close\r\n')));
  t.after(() => s.close());
  pool.openAhead(s.url, true);
  const check = async (): Promise<string> => (await readBody(await pool.send(s.url, REQ, { openAhead: false }), 1e6)).toString();
  await check();
  await check();
  assert.deepEqual([s.connections, pool.spares.opened], [2, 0]);
  await readBody(await pool.send(s.url, REQ), 1e6);
  assert.equal(pool.spares.opened, 1, 'a call of a client does');
  await until(() => s.connections === 4);
  // A check now goes on a connection of its own and leaves the spare to the next client's call.
  await check();
  assert.deepEqual([s.connections, pool.spares.taken], [5, 0]);
  await readBody(await pool.send(s.url, REQ), 1e6);
  assert.equal(pool.spares.taken, 1);
});

test('spares count in maxSockets: with every place taken by a call at Odoo, none is opened beside them', async (t) => {
  const pool = new UpstreamPool({ maxSockets: 2 });
  t.after(() => pool.close());
  const held: net.Socket[] = [];
  // The first call is answered at once (it teaches Connection: close), the next two are held at Odoo.
  const s = await rawServer((_req, sock, n) => (n === 2 || n === 3 ? void held.push(sock) : sock.end(ok('odoo', 'Connection: close\r\n'))));
  t.after(() => s.close());
  // Not yet destroyed (a closed one leaves the set at its 'close', a tick later).
  const open = (): number => [...(pool as unknown as { connections: { sockets: Set<net.Socket> } }).connections.sockets].filter((x) => !x.destroyed).length;
  pool.openAhead(s.url, true);
  await readBody(await pool.send(s.url, REQ), 1e6);
  const calls = [pool.send(s.url, REQ), pool.send(s.url, REQ)];
  // The open-files budget (runtime.ts, connectionsWithin) counts maxSockets to each origin, spares included.
  assert.ok(open() <= 2, `${open()} sockets to one origin with maxSockets 2`);
  await until(() => held.length === 2);
  assert.ok(open() <= 2, `${open()} sockets to one origin with maxSockets 2`);
  for (const sock of held) sock.end(ok('late', 'Connection: close\r\n'));
  for (const c of calls) assert.equal((await readBody(await c, 1e6)).toString(), 'late');
  // Places free again: the next call opens its spare as before.
  const before = pool.spares.opened;
  await readBody(await pool.send(s.url, REQ), 1e6);
  assert.ok(pool.spares.opened > before);
});

test('a spare nobody takes is closed after a short wait and does not hold the process open', async (t) => {
  const s = await rawServer((_req, sock) => sock.end(ok('odoo', 'Connection: close\r\n')));
  t.after(() => s.close());
  const pool = new UpstreamPool({ maxSockets: 4 });
  t.after(() => pool.close());
  pool.openAhead(s.url, true);
  await readBody(await pool.send(s.url, REQ), 1e6);
  await until(() => s.connections === 2);
  // The server sees the spare closed (after SPARE_MS, under Odoo's own 2 s), never used.
  await new Promise((r) => s.sockets[1]!.once('close', r));
  assert.deepEqual([s.requests.length, pool.spares.taken], [1, 0]);

  // In a process of its own (a CLI command, exec): at beforeExit the spare is still open, so it did
  // not keep the process alive until its wait ran out.
  const forward = fileURLToPath(new URL('../../src/upstream/forward.js', import.meta.url));
  const script = `
    import { UpstreamPool, readBody } from ${JSON.stringify(forward)};
    const pool = new UpstreamPool();
    const url = new URL(${JSON.stringify(s.url.href)});
    pool.openAhead(url, true);
    await readBody(await pool.send(url, { path: '/', headers: {}, body: Buffer.from('x') }), 1e6);
    await new Promise((r) => setTimeout(r, 50));
    process.once('beforeExit', () => console.log(JSON.stringify({ open: pool.connections.sockets.size, spares: pool.spares })));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(stdout), { open: 1, spares: { opened: 1, taken: 0 } });
});

test('a spare the server dropped: not taken when the drop was seen; else a read is sent again on a new connection and a create is not', async (t) => {
  const pool = new UpstreamPool({ maxSockets: 4 });
  t.after(() => pool.close());
  // dropNext: the server drops the connection the next request comes in on, without answering.
  let dropNext = false;
  const s = await rawServer((_req, sock) => {
    if (dropNext) {
      dropNext = false;
      return void sock.destroy();
    }
    sock.end(ok('odoo', 'Connection: close\r\n'));
  });
  t.after(() => s.close());
  pool.openAhead(s.url, true);
  const open = (): number => (pool as unknown as { connections: { sockets: Set<unknown> } }).connections.sockets.size;
  const call = async (mayRepeat?: boolean): Promise<string> => (await readBody(await pool.send(s.url, REQ, mayRepeat === undefined ? {} : { mayRepeat }), 1e6)).toString();

  await call();
  await until(() => s.connections === 2);
  // The server closes the spare before any call comes (an idle timeout shorter than ours).
  s.sockets[1]!.end();
  await until(() => open() === 0);
  assert.equal(await call(), 'odoo');
  assert.deepEqual([s.requests.length, pool.stats.retriedOnReusedSocket, pool.spares.taken], [2, 0, 0], 'went out on a new connection at once');

  // Dropped as the request arrives (the server's close and the call crossed): a read is sent again.
  dropNext = true;
  assert.equal(await call(true), 'odoo');
  assert.deepEqual([pool.stats.retriedOnReusedSocket, pool.spares.taken], [1, 1]);
  // A create is not: it may have reached Odoo through a front server before the connection broke.
  dropNext = true;
  await assert.rejects(call(false), /not sent again, as it may change data/);
  assert.deepEqual([pool.stats.retriedOnReusedSocket, pool.spares.taken], [1, 2]);
});

test('a spare that cannot connect (Odoo went down) is dropped quietly; the next call says Odoo refused the connection', async (t) => {
  const pool = new UpstreamPool({ maxSockets: 4 });
  t.after(() => pool.close());
  let server: net.Server | undefined;
  const s = await rawServer((_req, sock) => {
    // Odoo stops listening while it answers: the spare opened during this answer is refused.
    server!.close();
    sock.end(ok('last', 'Connection: close\r\n'));
  });
  t.after(() => s.close());
  server = s.server;
  pool.openAhead(s.url, true);
  assert.equal((await readBody(await pool.send(s.url, REQ), 1e6)).toString(), 'last');
  await until(() => pool.spares.opened === 1 && (pool as unknown as { connections: { sockets: Set<unknown> } }).connections.sockets.size === 0);
  await assert.rejects(pool.send(s.url, REQ), /Odoo refused the connection/);
  assert.equal(s.connections, 1);
});

/**
 * A TLS Odoo behind a TCP front whose plan says, per connection (1, 2, ...): 'good' (to the trusted
 * server), 'bad' (to one whose certificate is trusted by nobody), or 'hold' + what next: the front
 * holds that connection's TLS handshake until the next connection comes in (the pool opens one right
 * after a call took a spare: the call took it while its set-up was still running), then 'cut's it
 * or passes it on to the 'bad' server; 'cut' closes it at once. Runs `script` in a process that
 * trusts the good certificate, and writes "held" to its stdin once the front holds a connection:
 * the front knows connections only by the order they come in, so a script whose plan holds one
 * waits for that line before it opens any other (waitHeld).
 */
async function tlsFront(t: import('node:test').TestContext, plan: (n: number) => 'good' | 'bad' | 'cut' | 'hold-cut' | 'hold-bad'): Promise<{ run(script: (url: string, forward: string) => string): Promise<unknown>; requests: () => number; resumed: boolean[] } | undefined> {
  if (spawnSync('openssl', ['version']).status !== 0) return void t.skip('openssl is not installed (.ci/run installs it)');
  const dir = mkdtempSync(join(tmpdir(), 'odoo-keys-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cert = (name: string): { key: Buffer; cert: Buffer } => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, `${name}.key`)), cert: readFileSync(join(dir, `${name}.pem`)) };
  };
  let requests = 0;
  // Every socket of the front and its servers, closed at the end (a half-closed pipe would hold the test process).
  const sockets: net.Socket[] = [];
  const answering = (sock: tls.TLSSocket): void => {
    sockets.push(sock);
    sock.on('error', () => {});
    sock.once('data', () => {
      requests++;
      sock.end(ok('over tls', 'Connection: close\r\n'));
    });
  };
  /** Per connection the good server took: whether it resumed a TLS session. */
  const resumed: boolean[] = [];
  const good = tls.createServer(cert('good'), (sock) => {
    resumed.push(sock.isSessionReused());
    answering(sock);
  });
  const bad = tls.createServer(cert('bad'), answering);
  bad.on('tlsClientError', () => {});
  for (const s of [good, bad]) {
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    t.after(() => s.close());
  }
  const pipeTo = (client: net.Socket, server: tls.Server): void => {
    const back = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    sockets.push(back);
    back.on('error', () => client.destroy());
    back.on('close', () => client.destroy());
    client.on('close', () => back.destroy());
    client.pipe(back).pipe(client);
  };
  let n = 0;
  let held: { sock: net.Socket; then: 'cut' | 'bad' } | undefined;
  /** Tells the running script that the front holds a connection. */
  let onHold: (() => void) | undefined;
  const front = net.createServer((client) => {
    sockets.push(client);
    client.on('error', () => {});
    // A connection after a held one: the call that took the held one is under way.
    if (held) {
      const h = held;
      held = undefined;
      if (h.then === 'cut') h.sock.destroy();
      else pipeTo(h.sock, bad);
    }
    const step = plan(++n);
    if (step === 'cut') client.destroy();
    else if (step === 'good' || step === 'bad') pipeTo(client, step === 'good' ? good : bad);
    else {
      held = { sock: client, then: step === 'hold-cut' ? 'cut' : 'bad' };
      onHold?.();
    }
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    front.close();
  });
  const url = `https://localhost:${(front.address() as net.AddressInfo).port}/`;
  const forward = fileURLToPath(new URL('../../src/upstream/forward.js', import.meta.url));
  return {
    requests: () => requests,
    resumed,
    async run(script) {
      // Each run counts its connections from 1.
      n = 0;
      // Not execFileSync: the servers answer from this process's event loop.
      const child = promisify(execFile)(process.execPath, ['--input-type=module', '-e', script(url, forward)], { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'good.pem') }, encoding: 'utf8' });
      // A script that reads no stdin may have ended before a write to it.
      child.child.stdin!.on('error', () => {});
      onHold = () => child.child.stdin!.end('held\n');
      try {
        return JSON.parse((await child).stdout);
      } finally {
        onHold = undefined;
      }
    },
  };
}

/** In a tlsFront script: waits until the front holds a connection (its "held" line on stdin). */
const waitHeld = `await new Promise((r) => process.stdin.once('data', r)); process.stdin.destroy();`;

/**
 * The child's calls: a read (learns Connection: close, opens a spare), then one more call, create or
 * read, once the front holds the spare. Sent at once, that call's own spares raced the first one to
 * the front (each connect starts with an asynchronous look-up of localhost): one of them could come
 * in as connection 2 and be held in its place, and the call then went out on the spare, let through.
 */
const twoCalls = (url: string, forward: string, mayRepeat: boolean): string => `
  import { UpstreamPool, readBody } from ${JSON.stringify(forward)};
  const pool = new UpstreamPool();
  const url = new URL(${JSON.stringify(url)});
  pool.openAhead(url, true);
  const req = { path: '/', headers: {}, body: Buffer.from('x') };
  const out = [(await readBody(await pool.send(url, req), 1e6)).toString()];
  ${waitHeld}
  try { out.push((await readBody(await pool.send(url, req, { mayRepeat: ${mayRepeat} }), 1e6)).toString()); } catch (e) { out.push(e.message); }
  console.log(JSON.stringify({ out, retried: pool.stats.retriedOnReusedSocket, taken: pool.spares.taken }));
  pool.close();`;

test('a TLS connection closed by the server during its handshake: a clear error, and the process lives (the socket\'s late error is heard)', async (t) => {
  // A front server that closes connections before TLS starts (overloaded, or refusing this client).
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const pool = new UpstreamPool({ maxSockets: 4 });
  t.after(() => pool.close());
  const url = new URL(`https://127.0.0.1:${(server.address() as net.AddressInfo).port}/`);
  await assert.rejects(pool.send(url, REQ), /Odoo closed the connection without answering/);
  // The TLS socket's 'error' comes a tick after its 'end': give it the time to come.
  await new Promise((r) => setImmediate(r));
  await assert.rejects(pool.send(url, REQ, { mayRepeat: false }), /Odoo closed the connection without answering/);
  await new Promise((r) => setImmediate(r));
});

test('a spare the server closes during its handshake, before any call takes it, is dropped quietly: the process lives', async (t) => {
  const front = await tlsFront(t, (n) => (n === 2 ? 'cut' : 'good'));
  if (!front) return;
  const got = await front.run(
    (url, forward) => `
    import { UpstreamPool, readBody } from ${JSON.stringify(forward)};
    const pool = new UpstreamPool();
    const url = new URL(${JSON.stringify(url)});
    pool.openAhead(url, true);
    const req = { path: '/', headers: {}, body: Buffer.from('x') };
    const out = [(await readBody(await pool.send(url, req), 1e6)).toString()];
    while (pool.connections.sockets.size > 0) await new Promise((r) => setTimeout(r, 2));
    await new Promise((r) => setImmediate(r));
    out.push((await readBody(await pool.send(url, req, { mayRepeat: false }), 1e6)).toString());
    console.log(JSON.stringify({ out, taken: pool.spares.taken }));
    pool.close();`,
  );
  assert.deepEqual(got, { out: ['over tls', 'over tls'], taken: 0 });
});

test('a spare taken while its set-up still ran, whose set-up then broke: nothing was sent, so even a create goes out on a new connection', async (t) => {
  const front = await tlsFront(t, (n) => (n === 2 ? 'hold-cut' : 'good'));
  if (!front) return;
  // Connection 2 is the spare the first answer opened; the create, sent once the front holds it,
  // takes it mid-handshake, and the front cuts it before the handshake ends: no byte of the request
  // could have left.
  const got = (await front.run((url, forward) => twoCalls(url, forward, false))) as { out: string[]; retried: number; taken: number };
  assert.deepEqual(got, { out: ['over tls', 'over tls'], retried: 1, taken: 1 }, 'not "not sent again, as it may have reached Odoo"');
  assert.equal(front.requests(), 2, 'the create reached Odoo once');
});

test('a spare whose certificate fails, taken mid-handshake or not: the call fails saying so, and is not sent again', async (t) => {
  // 2: taken while its handshake runs, which then meets an untrusted certificate; every later one too.
  const front = await tlsFront(t, (n) => (n === 1 ? 'good' : n === 2 ? 'hold-bad' : 'bad'));
  if (!front) return;
  for (const mayRepeat of [true, false]) {
    const got = (await front.run((url, forward) => twoCalls(url, forward, mayRepeat))) as { out: string[]; retried: number; taken: number };
    assert.equal(got.out[0], 'over tls');
    assert.match(got.out[1]!, /Odoo could not be reached \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/);
    assert.deepEqual([got.retried, got.taken], [0, 1]);
  }
  assert.equal(front.requests(), 2, 'only the first calls (one per run) reached Odoo');
});

test('close() closes the spare too', async (t) => {
  const pool = new UpstreamPool({ maxSockets: 4 });
  const s = await rawServer((_req, sock) => sock.end(ok('odoo', 'Connection: close\r\n')));
  t.after(() => s.close());
  pool.openAhead(s.url, true);
  await readBody(await pool.send(s.url, REQ), 1e6);
  await until(() => s.connections === 2);
  const closed = new Promise((r) => s.sockets[1]!.once('close', r));
  pool.close();
  await closed;
  assert.equal(s.requests.length, 1);
  await assert.rejects(pool.send(s.url, REQ), /closed/);
  assert.equal(s.connections, 2, 'and no spare after close');
});

test('the idle socket a call takes: the last one an answer left open, else the oldest spare through its set-up, else the oldest spare; closed ones dropped', () => {
  const entry = (name: string, spare: boolean, ready: boolean, destroyed = false): IdleSocket & { name: string } => ({ name, spare, ready, socket: { destroyed } as net.Socket, take: () => ({}) as net.Socket });
  const names = (list: IdleSocket[]): string[] => list.map((e) => (e as IdleSocket & { name: string }).name);
  const pick = (list: IdleSocket[], spares = true): string | undefined => (pickIdle(list, spares) as (IdleSocket & { name: string }) | undefined)?.name;

  // Oldest first, as the list holds them.
  let idle: IdleSocket[] = [entry('spare1', true, true), entry('kept1', false, true), entry('spare2', true, true), entry('kept2', false, true)];
  assert.equal(pick(idle), 'kept2');
  assert.equal(pick(idle), 'kept1');
  assert.deepEqual(names(idle), ['spare1', 'spare2']);
  assert.equal(pick(idle), 'spare1', 'the oldest spare: the likeliest through its set-up');

  idle = [entry('connecting1', true, false), entry('ready', true, true), entry('connecting2', true, false)];
  assert.equal(pick(idle), 'ready', 'a spare through its set-up before an older one still in it');
  assert.equal(pick(idle), 'connecting1');

  idle = [entry('spare', true, true), entry('kept', false, true)];
  assert.equal(pick(idle, false), 'kept');
  assert.equal(pick(idle, false), undefined, 'no spare for an exchange that opens none');
  assert.deepEqual(names(idle), ['spare']);

  idle = [entry('gone', false, true, true), entry('spare', true, false), entry('gone too', true, true, true)];
  assert.equal(pick(idle), 'spare');
  assert.deepEqual(names(idle), [], 'closed sockets are dropped on the way');
  assert.equal(pick(idle), undefined);
});

test('stopOpeningAhead (shutdown): the spare waiting is closed, and an answer still coming in opens none; the call in flight ends as usual', async (t) => {
  const pool = new UpstreamPool({ maxSockets: 4 });
  t.after(() => pool.close());
  const held: net.Socket[] = [];
  // The first call is answered at once (it teaches Connection: close); the second is held at Odoo.
  const s = await rawServer((_req, sock, n) => (n === 2 ? void held.push(sock) : sock.end(ok('odoo', 'Connection: close\r\n'))));
  t.after(() => s.close());
  pool.openAhead(s.url, true);
  await readBody(await pool.send(s.url, REQ), 1e6);
  const inFlight = pool.send(s.url, REQ);
  await until(() => held.length === 1);
  // The second call took the first spare and opened the next one (or two).
  await until(() => s.connections >= 3);
  pool.stopOpeningAhead();
  // Every spare closed: only the held call's connection is left.
  await until(() => s.sockets.every((x) => x === held[0] || x.destroyed));
  const opened = pool.spares.opened;
  const connections = s.connections;
  assert.ok(opened >= 2);
  held[0]!.end(ok('late', 'Connection: close\r\n'));
  assert.equal((await readBody(await inFlight, 1e6)).toString(), 'late');
  // A spare the answer opened would be connection 4: a call made now (none is, in a shutdown) shows it was not.
  assert.equal(pool.spares.opened, opened, 'no spare opened by the answer that came in after');
  assert.equal((await readBody(await pool.send(s.url, REQ), 1e6)).toString(), 'odoo');
  assert.equal(s.connections, connections + 1, 'that call on a connection of its own, the first since');
  assert.equal(pool.spares.opened, opened, 'and none opened after it');
});

test('a spare still connecting when a CLI command ends (exec closes its pool) is destroyed by close(): it does not hold the process open', async (t) => {
  const python = pythonCommand();
  if (!python) return t.skip('python is not installed (the listener whose connects hang is a Python socket)');
  // A listener that answers one call and then fills its accept queue (backlog 0, never accepting),
  // so that the kernel drops later SYNs: the spare that answer opens stays connecting.
  const server = spawn(python, ['-c', String.raw`
import socket, sys, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
buf = b''
while b'\r\n\r\n' not in buf: buf += c.recv(65536)
filler = socket.create_connection(('127.0.0.1', s.getsockname()[1]))
c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'); c.close()
sys.stdin.read()
`], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => server.kill());
  const port = await new Promise<string>((resolve) => server.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
  const forward = fileURLToPath(new URL('../../src/upstream/forward.js', import.meta.url));
  // The child says at exit whether the spare's own wait (SPARE_MS) ran out first: it would have, had
  // the connecting socket held the process open until then.
  const script = `
    import { UpstreamPool, readBody } from ${JSON.stringify(forward)};
    const pool = new UpstreamPool();
    const url = new URL('http://127.0.0.1:${port}/');
    pool.openAhead(url, true);
    const text = (await readBody(await pool.send(url, { path: '/', headers: {}, body: Buffer.from('x') }), 1e6)).toString();
    const spare = [...pool.connections.sockets].at(-1);
    let timedOut = false;
    spare.on('timeout', () => (timedOut = true));
    const connecting = spare.connecting;
    pool.close();
    process.on('exit', () => console.log(JSON.stringify({ text, connecting, timedOut })));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(stdout), { text: 'ok', connecting: true, timedOut: false });
});

test('a TLS connection that failed (cut during its handshake, or a certificate refused) drops the session kept for resumption: the next connection does a full handshake', async (t) => {
  for (const failure of ['cut', 'bad'] as const) {
    const front = await tlsFront(t, (n) => (n === 2 ? failure : 'good'));
    if (!front) return;
    const got = (await front.run(
      (url, forward) => `
      import { UpstreamPool, readBody } from ${JSON.stringify(forward)};
      const pool = new UpstreamPool();
      const url = new URL(${JSON.stringify(url)});
      const req = { path: '/', headers: {}, body: Buffer.from('x') };
      const out = [];
      for (let i = 0; i < 4; i++) {
        try { out.push((await readBody(await pool.send(url, req, { mayRepeat: false }), 1e6)).toString()); } catch (e) { out.push('failed'); }
      }
      console.log(JSON.stringify(out));
      pool.close();`,
    )) as string[];
    assert.deepEqual(got, ['over tls', 'failed', 'over tls', 'over tls'], failure);
    // Connections 1, 3 and 4 reached the good server: 3 after the failure starts afresh, 4 resumes 3's session.
    assert.deepEqual(front.resumed, [false, false, true], `after a connection that was ${failure === 'cut' ? 'cut' : 'refused its certificate'}`);
  }
});
