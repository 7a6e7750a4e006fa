// Streaming translation of JSON-2 answers for XML-RPC and JSON-RPC clients, so an old script can
// reach an Odoo that speaks only JSON-2 without the proxy holding a large answer whole.
//
// JSON -> XML-RPC goes through an incremental JSON tokenizer that keeps only the current token
// (one string at most) in memory. JSON -> JSON-RPC needs no parsing: the bare JSON-2 result is
// wrapped in the envelope as it passes.

import { Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { escapeXml } from './xmlrpc.js';
import { pyFloatRepr } from './values.js';
import { stringifyJson } from './json.js';

export class TranscodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TranscodeError';
  }
}

// `first`: just opened (a closing bracket may follow); `key`/`value`: after a comma (one must follow).
type Frame = { kind: 'object'; state: 'first' | 'key' | 'colon' | 'value' | 'comma' } | { kind: 'array'; state: 'first' | 'value' | 'comma' };

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g;
const MAXINT = 2 ** 31 - 1;
const MININT = -(2 ** 31);

/**
 * Incremental JSON -> XML-RPC value writer. Feed text with `write`, finish with `end`; output goes
 * to `emit` as it is produced. Refuses malformed JSON and nesting past `maxDepth`.
 */
export class JsonToXmlRpcWriter {
  private readonly stack: Frame[] = [];
  private buf = '';
  private done = false;

  constructor(
    private readonly emit: (xml: string) => void,
    private readonly maxDepth = 512,
  ) {}

  write(text: string): void {
    this.buf += text;
    this.drain(false);
  }

  end(): void {
    this.drain(true);
    if (!this.done) throw new TranscodeError('the JSON answer ended early');
    if (this.buf.trim() !== '') throw new TranscodeError('unexpected content after the JSON answer');
  }

  /** Consumes complete tokens from the buffer; keeps an incomplete one for the next chunk. */
  private drain(final: boolean): void {
    let i = 0;
    const s = this.buf;
    const n = s.length;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        i++;
        continue;
      }
      if (this.done) throw new TranscodeError('unexpected content after the JSON answer');
      const top = this.stack[this.stack.length - 1];
      const ch = s[i]!;
      if (top?.kind === 'object' && top.state === 'colon') {
        if (ch !== ':') throw new TranscodeError("expected ':'");
        top.state = 'value';
        i++;
        continue;
      }
      if (top && top.state === 'comma') {
        if (ch === ',') {
          top.state = top.kind === 'object' ? 'key' : 'value';
          i++;
          continue;
        }
        if ((ch === '}' && top.kind === 'object') || (ch === ']' && top.kind === 'array')) {
          this.close();
          i++;
          continue;
        }
        throw new TranscodeError(`expected ',' or a closing bracket, found '${ch}'`);
      }
      if (top?.kind === 'object' && (top.state === 'key' || top.state === 'first')) {
        if (ch === '}' && top.state === 'first') {
          this.close();
          i++;
          continue;
        }
        if (ch !== '"') throw new TranscodeError('expected a property name');
        const end = scanString(s, i);
        if (end < 0) break; // incomplete: wait for more
        const key = unescapeJson(s.slice(i + 1, end));
        this.emit(`<member>\n<name>${escapeXml(key)}</name>\n`);
        top.state = 'colon';
        i = end + 1;
        continue;
      }
      if (top?.kind === 'array' && top.state === 'first' && ch === ']') {
        this.close();
        i++;
        continue;
      }
      // A value.
      if (ch === '{') {
        this.open({ kind: 'object', state: 'first' });
        this.emit('<value><struct>\n');
        i++;
        continue;
      }
      if (ch === '[') {
        this.open({ kind: 'array', state: 'first' });
        this.emit('<value><array><data>\n');
        i++;
        continue;
      }
      if (ch === '"') {
        const end = scanString(s, i);
        if (end < 0) break;
        this.scalar(`<value><string>${escapeXml(unescapeJson(s.slice(i + 1, end)).replace(CONTROL_CHARS, ''))}</string></value>\n`);
        i = end + 1;
        continue;
      }
      const lit = /^(?:true|false|null|NaN|-?Infinity|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(s.slice(i, i + 400));
      if (!lit || (i + lit[0].length === n && !final)) {
        if (!lit && (final || n - i > 400)) throw new TranscodeError(`unexpected '${ch}' in the JSON answer`);
        break; // a number or literal may continue in the next chunk
      }
      this.scalar(literalXml(lit[0]));
      i += lit[0].length;
    }
    this.buf = s.slice(i);
    if (final && this.buf.trim() !== '' && !this.done) throw new TranscodeError('the JSON answer ended inside a value');
  }

  private open(frame: Frame): void {
    if (this.stack.length >= this.maxDepth) throw new TranscodeError(`the answer nests deeper than ${this.maxDepth} levels`);
    this.stack.push(frame);
  }

  private close(): void {
    const f = this.stack.pop()!;
    this.emit(f.kind === 'object' ? '</struct></value>\n' : '</data></array></value>\n');
    this.afterValue();
  }

  private scalar(xml: string): void {
    this.emit(xml);
    this.afterValue();
  }

  private afterValue(): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      this.done = true;
      return;
    }
    if (top.kind === 'object') this.emit('</member>\n');
    top.state = 'comma';
  }
}

/** Index of the closing quote of the string starting at `start`, or -1 if not in the buffer yet. */
function scanString(s: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const q = s.indexOf('"', i);
    if (q < 0) return -1;
    let backslashes = 0;
    for (let j = q - 1; j > start && s.charCodeAt(j) === 0x5c; j--) backslashes++;
    if (backslashes % 2 === 0) return q;
    i = q + 1;
  }
}

function unescapeJson(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    throw new TranscodeError('invalid string escape in the JSON answer');
  }
}

function literalXml(tok: string): string {
  switch (tok) {
    case 'true':
      return '<value><boolean>1</boolean></value>\n';
    case 'false':
      return '<value><boolean>0</boolean></value>\n';
    case 'null':
      return '<value><nil/></value>';
    case 'NaN':
      return '<value><double>nan</double></value>\n';
    case 'Infinity':
      return '<value><double>inf</double></value>\n';
    case '-Infinity':
      return '<value><double>-inf</double></value>\n';
  }
  if (/[.eE]/.test(tok)) return `<value><double>${pyFloatRepr(Number(tok))}</double></value>\n`;
  const n = Number(tok);
  if (n <= MAXINT && n >= MININT) return `<value><int>${tok}</int></value>\n`;
  // Odoo itself cannot send these over XML-RPC; the i8 extension carries them to Python's client.
  return `<value><i8>${tok}</i8></value>\n`;
}

/** Transform: a JSON-2 success body in, an XML-RPC methodResponse (as Odoo writes it) out. */
export function jsonToXmlRpcResponse(maxDepth = 512): Transform {
  const decoder = new StringDecoder('utf8');
  let out: string[] = [];
  const writer = new JsonToXmlRpcWriter((x) => out.push(x), maxDepth);
  let headSent = false;
  const flush = (t: Transform): void => {
    if (!headSent) {
      t.push('<?xml version="1.0"?>\n<methodResponse>\n<params>\n<param>\n');
      headSent = true;
    }
    if (out.length) {
      t.push(out.join(''));
      out = [];
    }
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      try {
        writer.write(decoder.write(chunk));
        flush(this);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        writer.write(decoder.end());
        writer.end();
        flush(this);
        this.push('</param>\n</params>\n\n</methodResponse>\n');
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  });
}

/** Transform: a JSON-2 success body in, a JSON-RPC answer `{"jsonrpc": "2.0", "id": .., "result": ..}` out. */
export function jsonToJsonRpcResponse(id: unknown): Transform {
  let first = true;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (first) {
        this.push(`{"jsonrpc": "2.0", "id": ${stringifyJson(id ?? null)}, "result": `);
        first = false;
      }
      cb(null, chunk);
    },
    flush(cb: TransformCallback) {
      if (first) this.push(`{"jsonrpc": "2.0", "id": ${stringifyJson(id ?? null)}, "result": `);
      this.push('}');
      cb();
    },
  });
}
