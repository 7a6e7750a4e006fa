// AnswerParser reads Odoo's answers off the proxy's upstream sockets in place of node:http's
// client. node:http is the oracle: the same bytes, written by a raw server, must give the same
// status, headers and body through both, however the bytes are split across reads; answers
// node:http refuses, or that could make one answer read as two, are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { AnswerFormatError, AnswerParser, MAX_HEAD_BYTES, type AnswerHead } from '../../src/upstream/answer.js';
import { loadWire } from '../support/wire.js';

interface Parsed {
  head?: AnswerHead;
  body: Buffer;
  ended: boolean;
  trailing: number;
}

/** Feeds `bytes` cut at `cuts` (then the connection's end); the error thrown, if any. */
function parse(bytes: Buffer, cuts: number[] = [], closeAtEnd = true): Parsed & { error?: string } {
  const out: Parsed = { body: Buffer.alloc(0), ended: false, trailing: 0 };
  const pieces: Buffer[] = [];
  const p = new AnswerParser({ head: (h) => (out.head = h), body: (b) => pieces.push(b), end: () => (out.ended = true) });
  let from = 0;
  try {
    for (const c of [...new Set(cuts)].sort((a, b) => a - b).concat(bytes.length)) {
      if (c < from || c > bytes.length) continue;
      p.feed(bytes.subarray(from, c));
      from = c;
    }
    if (closeAtEnd) p.finish();
  } catch (e) {
    assert.ok(e instanceof AnswerFormatError, `only AnswerFormatError is thrown, got ${String(e)}`);
    return { ...out, body: Buffer.concat(pieces), trailing: p.trailing, error: e.message };
  }
  return { ...out, body: Buffer.concat(pieces), trailing: p.trailing };
}

/** What node:http's client makes of the same bytes, written by a raw server that then closes. */
async function nodeReads(bytes: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer } | { error: string }> {
  const server = net.createServer((s) => {
    s.once('data', () => s.end(bytes));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    return await new Promise((resolve) => {
      const req = http.request({ port, host: '127.0.0.1', method: 'POST', agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (e) => resolve({ error: e.message }));
      });
      req.on('error', (e) => resolve({ error: e.message }));
      req.end('x');
    });
  } finally {
    server.close();
  }
}

const answer = (head: string, body: string | Buffer = ''): Buffer => Buffer.concat([Buffer.from(head.replace(/\n/g, '\r\n') + '\r\n', 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body)]);

const READABLE: Array<[string, Buffer]> = [
  ['Content-Length, Connection: close (Odoo)', answer('HTTP/1.1 200 OK\nContent-Type: text/xml; charset=utf-8\nContent-Length: 11\nConnection: close\n', 'hello world')],
  ['chunked with extensions and trailers', answer('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n', '5;name=val\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n')],
  ['chunked, upper-case hex, no trailers', answer('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n', '1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n')],
  ['up to the close (no length)', answer('HTTP/1.0 200 OK\nContent-Type: application/json\n', '{"a": [1, 2, 3]}')],
  ['HTTP/1.1 up to the close', answer('HTTP/1.1 502 Bad Gateway\nContent-Type: text/html\nConnection: close\n', '<html>502</html>')],
  ['100 Continue, then the answer', answer('HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\nContent-Length: 2\n', 'ok')],
  ['103 Early Hints, then the answer', answer('HTTP/1.1 103 Early Hints\nLink: </a.css>; rel=preload\n\nHTTP/1.1 404 NOT FOUND\nContent-Length: 9\n', 'not found')],
  ['204 has no body', answer('HTTP/1.1 204 No Content\n')],
  ['a zero length', answer('HTTP/1.1 200 OK\nContent-Length: 0\n')],
  ['repeated headers', answer('HTTP/1.1 401 UNAUTHORIZED\nWWW-Authenticate: Bearer realm="a"\nWWW-Authenticate: Basic\nContent-Length: 3\nContent-Type: a\nContent-Type: b\n', 'no!')],
  ['no reason phrase, odd spacing around values', answer('HTTP/1.1 200 \nContent-Length:   4  \nX-Empty:\n', 'abcd')],
  ['binary body, bytes past 0x7f in a header', answer('HTTP/1.1 200 OK\nContent-Length: 4\nX-Latin: caf\xe9\n', Buffer.from([0, 255, 13, 10]))],
];

test('every readable answer reads as node:http reads it, however it is split across reads', async () => {
  const cases = [...READABLE];
  // Real Odoo 18 and 19 answers, with the headers they came with (the length of the body as
  // recorded: some recordings shortened a traceback).
  for (const w of loadWire()) {
    const body = Buffer.from(w.response.body);
    const headers = Object.entries(w.response.headers).map(([k, v]) => `${k}: ${k.toLowerCase() === 'content-length' ? body.length : v}`);
    cases.push([`recording ${w.file}`, answer([`HTTP/1.1 ${w.response.status} X`, ...headers].join('\n') + '\n', body)]);
  }
  assert.ok(cases.length > 40, 'the recordings are there');
  for (const [name, bytes] of cases) {
    const oracle = await nodeReads(bytes);
    assert.ok(!('error' in oracle), `${name}: node:http reads it (${'error' in oracle ? oracle.error : ''})`);
    const cutsList = bytes.length < 400 ? Array.from({ length: bytes.length + 1 }, (_, i) => [i]).concat([Array.from({ length: bytes.length }, (_, i) => i)]) : [[], [1], [bytes.length >> 1], [bytes.indexOf('\r\n\r\n') + 2]];
    for (const cuts of cutsList) {
      const got = parse(bytes, cuts);
      assert.equal(got.error, undefined, `${name} cut at ${cuts.join(',')}`);
      assert.equal(got.head!.status, oracle.status, name);
      for (const [k, v] of Object.entries(oracle.headers)) {
        if (k === 'connection' || k === 'transfer-encoding') continue;
        assert.equal(got.head!.headers[k], v, `${name}: header ${k}`);
      }
      assert.ok(got.body.equals(oracle.body), `${name} cut at ${cuts.join(',')}: body ${JSON.stringify(got.body.toString('latin1'))} vs ${JSON.stringify(oracle.body.toString('latin1'))}`);
      assert.ok(got.ended, name);
    }
  }
});

test('generated bodies in every framing, cut anywhere, come out byte for byte', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.constantFrom('length', 'chunked', 'close'), fc.array(fc.nat(4000), { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 6 }), (raw, framing, cuts, chunkSizes) => {
      const body = Buffer.from(raw);
      let bytes: Buffer;
      if (framing === 'length') bytes = answer(`HTTP/1.1 200 OK\nContent-Length: ${body.length}\n`, body);
      else if (framing === 'close') bytes = answer('HTTP/1.1 200 OK\nConnection: close\n', body);
      else {
        const parts: Buffer[] = [];
        for (let i = 0, k = 0; i < body.length; k++) {
          const n = Math.min(chunkSizes[k % chunkSizes.length]!, body.length - i);
          parts.push(Buffer.from(`${n.toString(16)}\r\n`), body.subarray(i, i + n), Buffer.from('\r\n'));
          i += n;
        }
        bytes = answer('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n', Buffer.concat([...parts, Buffer.from('0\r\n\r\n')]));
      }
      const got = parse(bytes, cuts);
      assert.equal(got.error, undefined);
      assert.ok(got.body.equals(body));
      assert.ok(got.ended);
      assert.equal(got.head!.keepAlive, framing !== 'close');
    }),
    { numRuns: 400 },
  );
});

test('keep-alive only when the answer says so and its end is known', () => {
  const keep = (bytes: Buffer): boolean => parse(bytes, [], false).head!.keepAlive;
  assert.equal(keep(answer('HTTP/1.1 200 OK\nContent-Length: 0\n')), true);
  assert.equal(keep(answer('HTTP/1.1 200 OK\nContent-Length: 0\nConnection: close\n')), false, 'Odoo closes every connection');
  assert.equal(keep(answer('HTTP/1.1 200 OK\nContent-Length: 0\nConnection: Keep-Alive, CLOSE\n')), false);
  assert.equal(keep(answer('HTTP/1.0 200 OK\nContent-Length: 0\nConnection: keep-alive\n')), false, 'HTTP/1.0: not kept');
  assert.equal(keep(answer('HTTP/1.1 200 OK\n', 'to the close')), false, 'no length: the body runs to the close');
  assert.equal(keep(answer('HTTP/1.1 200 OK\nTransfer-Encoding: gzip\n', 'x')), false, 'not chunked last: to the close');
  // Bytes after the end of an answer are counted, for the socket not to be used again.
  assert.equal(parse(answer('HTTP/1.1 200 OK\nContent-Length: 2\n', 'okHTTP/1.1 200 OK\r\n'), [], false).trailing, 17);
});

test('answers that are not HTTP, or could read as two, are refused with a reason', async () => {
  const refused: Array<[string, Buffer, RegExp]> = [
    ['Transfer-Encoding and Content-Length together', answer('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nContent-Length: 5\n', '5\r\nhello\r\n0\r\n\r\n'), /both Transfer-Encoding and Content-Length/],
    ['two different Content-Length', answer('HTTP/1.1 200 OK\nContent-Length: 5\nContent-Length: 6\n', 'hello!'), /two Content-Length headers/],
    ['the same Content-Length twice', answer('HTTP/1.1 200 OK\nContent-Length: 5\nContent-Length: 5\n', 'hello'), /two Content-Length headers/],
    ['two lengths in one header', answer('HTTP/1.1 200 OK\nContent-Length: 5, 6\n', 'hello!'), /invalid Content-Length/],
    ['a negative length', answer('HTTP/1.1 200 OK\nContent-Length: -1\n', 'x'), /invalid Content-Length/],
    ['a length in hex', answer('HTTP/1.1 200 OK\nContent-Length: 0x5\n', 'hello'), /invalid Content-Length/],
    ['a chunk size that is not hex', answer('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n', 'zz\r\nhello\r\n0\r\n\r\n'), /no valid size/],
    ['a chunk size beyond reason', answer('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n', 'fffffffffffffffff\r\nx'), /no valid size/],
    ['a chunk without its CRLF', answer('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n', '2\r\nhello\r\n0\r\n\r\n'), /does not end with CRLF/],
    ['a folded header', answer('HTTP/1.1 200 OK\nX-A: one\n two\nContent-Length: 0\n'), /folds a header/],
    ['a header without a colon', answer('HTTP/1.1 200 OK\nnot a header\nContent-Length: 0\n'), /not `name: value`/],
    ['a space before the colon', answer('HTTP/1.1 200 OK\nContent-Length : 5\n', 'hello'), /not `name: value`/],
    ['a bare LF inside a value', answer('HTTP/1.1 200 OK\nX-A: a\rb\nContent-Length: 0\n'), /control character/],
    ['not HTTP at all', Buffer.from('SSH-2.0-OpenSSH_9.2\r\n\r\n'), /does not start with an HTTP\/1\.x status line/],
    ['HTTP/2 preface', Buffer.from('HTTP/2 200\r\n\r\n'), /status line/],
    ['switching protocols', answer('HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n'), /switches protocols/],
    ['headers without end', Buffer.from(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}`), /headers are larger than/],
    ['cut short: fewer bytes than the length', answer('HTTP/1.1 200 OK\nContent-Length: 10\n', 'hello'), /closed before the end of the answer/],
    ['cut short: chunked without its last chunk', answer('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n', '5\r\nhello\r\n'), /closed before the end of the answer/],
    ['cut short in the headers', Buffer.from('HTTP/1.1 200 OK\r\nContent-Le'), /in the middle of the answer's headers/],
    ['nothing at all', Buffer.alloc(0), /closed without an answer/],
  ];
  for (const [name, bytes, why] of refused) {
    for (const cuts of [[], [1], [bytes.length >> 1], [bytes.length - 1]]) {
      const got = parse(bytes, cuts);
      assert.match(got.error ?? '(read)', why, `${name} cut at ${cuts.join(',')}`);
    }
  }
  // node:http refuses the ones that are not about where an answer ends, too.
  for (const [name, bytes] of refused.filter(([n]) => /two different|same Content-Length|two lengths|negative|not hex|not HTTP|folded|without a colon|space before/.test(n))) {
    const oracle = await nodeReads(bytes);
    assert.ok('error' in oracle, `node:http reads '${name}' too leniently: ${JSON.stringify(oracle)}`);
  }
});
