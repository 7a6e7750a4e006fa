// JSON in both directions for /jsonrpc and /json/2.
//
// Parsing is strict where JSON.parse is lax in ways that matter to a policy check: a duplicate
// key (which one would Odoo see?), `__proto__`, nesting past a limit, integers that a JavaScript
// number cannot hold exactly. Floats written with a point or exponent stay floats (PyFloat) so
// they go upstream as Python would read them. Serialising mimics Python's json.dumps, which is
// what Odoo uses for its answers.

import { FORBIDDEN_KEYS, PyFloat, pyFloatRepr, Base64Value, DateTimeValue, type RpcStruct, type RpcValue } from './values.js';

export class JsonParseError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'JsonParseError';
  }
}

export interface JsonParseOptions {
  /** Deepest nesting of arrays and objects accepted (default 100). */
  maxDepth?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeUtf8(body: Uint8Array | string): string {
  if (typeof body === 'string') return body;
  try {
    return utf8.decode(body);
  } catch {
    throw new JsonParseError('body is not valid UTF-8', 0);
  }
}

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class JsonReader {
  pos = 0;
  private depth = 0;
  constructor(
    private readonly s: string,
    private readonly maxDepth: number,
  ) {}

  fail(message: string): never {
    throw new JsonParseError(`${message} at position ${this.pos}`, this.pos);
  }

  ws(): void {
    const s = this.s;
    let p = this.pos;
    for (;;) {
      const c = s.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  document(): RpcValue {
    if (this.s.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.ws();
    if (this.pos >= this.s.length) this.fail('empty JSON document');
    const v = this.value();
    this.ws();
    if (this.pos !== this.s.length) this.fail('unexpected content after the JSON value');
    return v;
  }

  value(): RpcValue {
    const c = this.s[this.pos];
    switch (c) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      case 'N':
        return this.literal('NaN', NaN); // Python's json accepts and writes these
      case 'I':
        return this.literal('Infinity', Infinity);
      default:
        if (c === '-' && this.s.startsWith('-Infinity', this.pos)) return this.literal('-Infinity', -Infinity);
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
        return this.fail(c === undefined ? 'unexpected end of JSON' : `unexpected character '${c}'`);
    }
  }

  private literal<T extends RpcValue>(word: string, v: T): T {
    if (!this.s.startsWith(word, this.pos)) this.fail(`invalid literal`);
    this.pos += word.length;
    return v;
  }

  private number(): RpcValue {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.s);
    if (!m) this.fail('invalid number');
    this.pos = NUMBER_RE.lastIndex;
    const n = Number(m[0]);
    if (m[1] === undefined && m[2] === undefined) {
      if (!Number.isSafeInteger(n)) this.fail(`integer ${m[0].slice(0, 30)} is too large to handle exactly`);
      return n;
    }
    return Number.isInteger(n) ? new PyFloat(n) : n;
  }

  string(): string {
    const s = this.s;
    let p = this.pos + 1;
    let out = '';
    let start = p;
    for (;;) {
      const c = s.charCodeAt(p);
      if (Number.isNaN(c)) {
        this.pos = p;
        this.fail('unterminated string');
      }
      if (c === 0x22) break;
      if (c < 0x20) {
        this.pos = p;
        this.fail('control character in string');
      }
      if (c === 0x5c) {
        out += s.slice(start, p);
        const e = s[p + 1];
        if (e === 'u') {
          const hex = s.slice(p + 2, p + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.pos = p;
            this.fail('invalid \\u escape');
          }
          out += String.fromCharCode(parseInt(hex, 16));
          p += 6;
        } else {
          const r = e === undefined ? undefined : ESCAPES[e];
          if (r === undefined) {
            this.pos = p;
            this.fail('invalid escape');
          }
          out += r;
          p += 2;
        }
        start = p;
        continue;
      }
      p++;
    }
    out += s.slice(start, p);
    this.pos = p + 1;
    return out;
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) this.fail(`values nested deeper than ${this.maxDepth} levels`);
  }

  private array(): RpcValue[] {
    this.enter();
    this.pos++;
    const out: RpcValue[] = [];
    this.ws();
    if (this.s[this.pos] === ']') {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value());
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        break;
      }
      this.fail("expected ',' or ']'");
    }
    this.depth--;
    return out;
  }

  private object(): RpcStruct {
    this.enter();
    this.pos++;
    const out: RpcStruct = {};
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') this.fail('expected a property name');
      const keyAt = this.pos;
      const key = this.string();
      if (FORBIDDEN_KEYS.has(key)) {
        this.pos = keyAt;
        this.fail(`property name '${key}' is not allowed`);
      }
      if (Object.prototype.hasOwnProperty.call(out, key)) {
        this.pos = keyAt;
        this.fail(`duplicate property '${key.slice(0, 40)}'`);
      }
      this.ws();
      if (this.s[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      this.ws();
      out[key] = this.value();
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        break;
      }
      this.fail("expected ',' or '}'");
    }
    this.depth--;
    return out;
  }
}

/** Parses a JSON body strictly (see the file comment). */
export function parseJson(body: Uint8Array | string, opts: JsonParseOptions = {}): RpcValue {
  return new JsonReader(decodeUtf8(body), opts.maxDepth ?? 100).document();
}

export interface JsonStringifyOptions {
  /** Python's default separators `", "` and `": "` (Odoo's answers), or compact `","` `":"`. */
  style?: 'python' | 'compact';
  /** Python's ensure_ascii (default false, as Odoo's make_json_response). */
  ensureAscii?: boolean;
}

function quote(s: string, ensureAscii: boolean): string {
  const q = JSON.stringify(s);
  return ensureAscii ? q.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : q;
}

/** Serialises like Python's json.dumps: float repr, NaN/Infinity, key order kept. */
export function stringifyJson(value: unknown, opts: JsonStringifyOptions = {}): string {
  const python = (opts.style ?? 'python') === 'python';
  const itemSep = python ? ', ' : ',';
  const keySep = python ? ': ' : ':';
  const ascii = opts.ensureAscii ?? false;
  const out: string[] = [];
  const seen = new Set<object>();
  const write = (v: unknown): void => {
    if (v === null || v === undefined) {
      out.push('null');
      return;
    }
    switch (typeof v) {
      case 'boolean':
        out.push(v ? 'true' : 'false');
        return;
      case 'number':
        if (Number.isNaN(v)) out.push('NaN');
        else if (!Number.isFinite(v)) out.push(v > 0 ? 'Infinity' : '-Infinity');
        else if (Number.isInteger(v)) out.push(Number.isSafeInteger(v) || Math.abs(v) < 1e21 ? String(v) : pyFloatRepr(v));
        else out.push(pyFloatRepr(v));
        return;
      case 'bigint':
        out.push(v.toString());
        return;
      case 'string':
        out.push(quote(v, ascii));
        return;
      case 'object':
        break;
      default:
        throw new TypeError(`Object of type ${typeof v} is not JSON serializable`);
    }
    if (v instanceof PyFloat) {
      if (Number.isFinite(v.value)) out.push(pyFloatRepr(v.value));
      else write(v.value);
      return;
    }
    if (v instanceof Base64Value) return write(v.base64);
    if (v instanceof DateTimeValue) return write(v.toJSON()); // as Odoo's JSON layers take a datetime
    const obj = v as object;
    if (seen.has(obj)) throw new TypeError('Circular reference detected');
    seen.add(obj);
    if (Array.isArray(obj)) {
      out.push('[');
      obj.forEach((item, i) => {
        if (i) out.push(itemSep);
        write(item);
      });
      out.push(']');
    } else {
      out.push('{');
      let first = true;
      for (const [k, item] of Object.entries(obj)) {
        if (item === undefined) continue;
        if (!first) out.push(itemSep);
        first = false;
        out.push(quote(k, ascii), keySep);
        write(item);
      }
      out.push('}');
    }
    seen.delete(obj);
  };
  write(value);
  return out.join('');
}
