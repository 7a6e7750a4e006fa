// Reading Odoo's HTTP/1.1 answers off a socket: the status line and headers, then the body as
// its framing says (Content-Length, chunked, or up to the close), handed on piece by piece.
// Pure: bytes in, callbacks out. Written for the proxy's upstream leg, where node:http's client
// cost a quarter of a bare pass-through proxy's CPU per call (bench/RESULTS.md, row 1); strict
// where node:http is (one Content-Length, no obs-fold, CRLF line ends) and stricter where a
// lenient reading could let one answer pass for another (Transfer-Encoding with Content-Length).

/** Header names in lower case, as node:http gives them; repeated ones joined with ', ' (set-cookie too: nothing here reads it). */
export type AnswerHeaders = Record<string, string | undefined>;

export interface AnswerHead {
  status: number;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: number;
  headers: AnswerHeaders;
  /** The connection may carry another request once this answer has been read whole. */
  keepAlive: boolean;
}

export interface AnswerSink {
  head(head: AnswerHead): void;
  body(piece: Buffer): void;
  end(): void;
}

/** An answer that is not HTTP as Odoo or a reverse proxy writes it. */
export class AnswerFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnswerFormatError';
  }
}

/** Head sections larger than this are refused (node:http's default limit is 16 KB). */
export const MAX_HEAD_BYTES = 64 * 1024;
/** A chunk-size line (with extensions) or a trailer section larger than this is refused. */
const MAX_LINE_BYTES = 4096;

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [^\r\n]*)?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const CRLF_CRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const HTTP1 = Buffer.from('HTTP/1.');
// What node:http keeps only the first of (a second one of these is dropped); others are joined.
const FIRST_ONLY = new Set(['content-type', 'content-length', 'user-agent', 'referer', 'host', 'authorization', 'proxy-authorization', 'if-modified-since', 'if-unmodified-since', 'from', 'location', 'max-forwards', 'retry-after', 'etag', 'last-modified', 'server', 'age', 'expires']);

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close' | 'done';

export class AnswerParser {
  private state: State = 'head';
  /** Bytes of a head, a chunk-size line or trailers not yet complete. */
  private pending: Buffer | undefined;
  private remaining = 0;
  /** Bytes that came after the end of the answer (a server that wrote more than one answer). */
  trailing = 0;
  /** Whether any byte of an answer came in. */
  started = false;

  constructor(private readonly sink: AnswerSink) {}

  get done(): boolean {
    return this.state === 'done';
  }

  /** Whether the body runs to the close of the connection (its end is the socket's end). */
  get untilClose(): boolean {
    return this.state === 'close';
  }

  /** Reads the next bytes of the connection. Throws AnswerFormatError. */
  feed(chunk: Buffer): void {
    if (chunk.length) this.started = true;
    let data = chunk;
    while (data.length) {
      switch (this.state) {
        case 'head':
          data = this.readHead(data);
          break;
        case 'length':
          data = this.passBody(data);
          if (this.remaining === 0) this.finishMessage();
          break;
        case 'chunk-size':
          data = this.readChunkSize(data);
          break;
        case 'chunk-data':
          data = this.passBody(data);
          if (this.remaining === 0) {
            this.state = 'chunk-end';
            this.remaining = 2;
          }
          break;
        case 'chunk-end': {
          // The CRLF after a chunk's data, possibly split across reads.
          const want = CRLF.subarray(2 - this.remaining);
          const n = Math.min(this.remaining, data.length);
          if (!data.subarray(0, n).equals(want.subarray(0, n))) throw new AnswerFormatError('a chunk of the answer does not end with CRLF');
          this.remaining -= n;
          data = data.subarray(n);
          if (this.remaining === 0) this.state = 'chunk-size';
          break;
        }
        case 'trailers':
          data = this.readTrailers(data);
          break;
        case 'close':
          this.sink.body(data);
          data = data.subarray(data.length);
          break;
        case 'done':
          this.trailing += data.length;
          data = data.subarray(data.length);
          break;
      }
    }
  }

  /** The connection ended: an answer that runs to the close ends here; any other is cut short. */
  finish(): void {
    if (this.state === 'close') {
      this.state = 'done';
      this.sink.end();
      return;
    }
    if (this.state === 'done') return;
    throw new AnswerFormatError(this.state === 'head' ? (this.started ? 'the connection closed in the middle of the answer\'s headers' : 'the connection closed without an answer') : 'the connection closed before the end of the answer');
  }

  /** Hands on up to `remaining` bytes of body (a slice, not a copy); returns what follows them. */
  private passBody(data: Buffer): Buffer {
    const n = Math.min(this.remaining, data.length);
    this.remaining -= n;
    this.sink.body(n === data.length ? data : data.subarray(0, n));
    return data.subarray(n);
  }

  private take(data: Buffer): Buffer {
    if (!this.pending) return data;
    const all = Buffer.concat([this.pending, data]);
    this.pending = undefined;
    return all;
  }

  private readHead(data: Buffer): Buffer {
    const from = this.pending ? Math.max(0, this.pending.length - 3) : 0;
    const all = this.take(data);
    // Not HTTP (an HTML page over a raw port, another protocol): said at once, not at the close.
    const n = Math.min(all.length, HTTP1.length);
    if (!all.subarray(0, n).equals(HTTP1.subarray(0, n))) throw new AnswerFormatError('the answer does not start with an HTTP/1.x status line');
    const at = all.indexOf(CRLF_CRLF, from);
    if (at < 0) {
      if (all.length > MAX_HEAD_BYTES) throw new AnswerFormatError(`the answer's headers are larger than ${MAX_HEAD_BYTES} bytes`);
      this.pending = all;
      return all.subarray(all.length);
    }
    if (at > MAX_HEAD_BYTES) throw new AnswerFormatError(`the answer's headers are larger than ${MAX_HEAD_BYTES} bytes`);
    const head = parseHead(all.toString('latin1', 0, at));
    const rest = all.subarray(at + 4);
    if (head.status < 200) {
      // 100 Continue, 103 Early Hints: an interim answer; the real one follows.
      if (head.status === 101) throw new AnswerFormatError('the answer switches protocols (HTTP 101)');
      return rest;
    }
    const framing = framingOf(head);
    head.keepAlive = head.keepAlive && framing !== 'close';
    this.sink.head(head);
    if (framing === 'none') this.finishMessage();
    else if (framing === 'chunked') this.state = 'chunk-size';
    else if (framing === 'close') this.state = 'close';
    else {
      this.remaining = framing;
      if (framing === 0) this.finishMessage();
      else this.state = 'length';
    }
    return rest;
  }

  private readChunkSize(data: Buffer): Buffer {
    const from = this.pending ? Math.max(0, this.pending.length - 1) : 0;
    const all = this.take(data);
    const at = all.indexOf(CRLF, from);
    if (at < 0) {
      if (all.length > MAX_LINE_BYTES) throw new AnswerFormatError('a chunk-size line of the answer is too long');
      this.pending = all;
      return all.subarray(all.length);
    }
    const line = all.toString('latin1', 0, at);
    const m = /^([0-9a-fA-F]{1,12})[\t ]*(?:;.*)?$/.exec(line);
    if (!m) throw new AnswerFormatError('a chunk of the answer has no valid size');
    const size = parseInt(m[1]!, 16);
    if (size === 0) this.state = 'trailers';
    else {
      this.state = 'chunk-data';
      this.remaining = size;
    }
    return all.subarray(at + 2);
  }

  private readTrailers(data: Buffer): Buffer {
    const all = this.take(data);
    // No trailers: the empty line at once. Trailers are read and dropped (node:http does not pass them on either).
    if (all.length >= 2 && all[0] === 13 && all[1] === 10) {
      this.finishMessage();
      return all.subarray(2);
    }
    const at = all.indexOf(CRLF_CRLF);
    if (at < 0) {
      if (all.length > MAX_LINE_BYTES) throw new AnswerFormatError("the answer's trailers are too long");
      this.pending = all;
      return all.subarray(all.length);
    }
    this.finishMessage();
    return all.subarray(at + 4);
  }

  private finishMessage(): void {
    this.state = 'done';
    this.sink.end();
  }
}

/** Parses the head of an answer (status line and header lines, without the empty line). */
export function parseHead(text: string): AnswerHead {
  const lines = text.split('\r\n');
  const m = STATUS_LINE.exec(lines[0]!);
  if (!m) throw new AnswerFormatError(`the answer does not start with an HTTP/1.x status line`);
  const headers: AnswerHeaders = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line[0] === ' ' || line[0] === '\t') throw new AnswerFormatError('the answer folds a header over several lines');
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).toLowerCase() : '';
    if (!TOKEN.test(name)) throw new AnswerFormatError('the answer has a header line that is not `name: value`');
    const value = line.slice(colon + 1).replace(/^[\t ]+|[\t ]+$/g, '');
    if (BAD_VALUE.test(value)) throw new AnswerFormatError(`the answer's ${name} header holds a control character`);
    if (name === 'content-length') {
      // One length, once (as node:http): a second one, even equal, or a list makes the end ambiguous.
      if (headers['content-length'] !== undefined) throw new AnswerFormatError('the answer has two Content-Length headers');
      if (!/^\d{1,15}$/.test(value)) throw new AnswerFormatError('the answer has an invalid Content-Length');
      headers['content-length'] = value;
    } else if (headers[name] === undefined) headers[name] = value;
    else if (!FIRST_ONLY.has(name)) headers[name] = `${headers[name]}, ${value}`;
  }
  const minor = Number(m[1]);
  const tokens = String(headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim());
  const keepAlive = minor === 1 ? !tokens.includes('close') : false;
  return { status: Number(m[2]), minor, headers, keepAlive };
}

/** How the body of an answer is delimited: no body, a length, chunked, or up to the close. */
function framingOf(head: AnswerHead): 'none' | 'chunked' | 'close' | number {
  if (head.status === 204 || head.status === 304) return 'none';
  const te = head.headers['transfer-encoding'];
  if (typeof te === 'string') {
    // Both at once is how one answer is made to read as two (RFC 9112 6.3): refused.
    if (head.headers['content-length'] !== undefined) throw new AnswerFormatError('the answer has both Transfer-Encoding and Content-Length');
    const codings = te.toLowerCase().split(',').map((c) => c.trim());
    return codings[codings.length - 1] === 'chunked' ? 'chunked' : 'close';
  }
  const cl = head.headers['content-length'];
  if (typeof cl === 'string') return Number(cl);
  return 'close';
}
