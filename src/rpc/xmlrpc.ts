// XML-RPC in both directions, strict on the way in and byte-for-byte Odoo on the way out.
//
// Decoding is a small recursive-descent reader for the XML-RPC subset of XML, not a general XML
// parser: it refuses DOCTYPE (so no entity expansion of any kind), processing instructions,
// unbalanced tags, trailing content, invalid UTF-8, control characters (in requests; answers are
// read with every character Odoo's writer emits), duplicate struct members and `__proto__`, and
// it keeps integers exact. Encoding reproduces Python's
// xmlrpc.client.Marshaller as Odoo configures it (odoo/addons/base/controllers/rpc.py), so a
// client cannot tell our answers from Odoo's.

import { Base64Value, DateTimeValue, FORBIDDEN_KEYS, parsePyDateTime, PyFloat, pyFloatRepr, type RpcStruct, type RpcValue } from './values.js';

export class XmlRpcParseError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'XmlRpcParseError';
  }
}

/**
 * A well-formed request holding a value Python's xmlrpc.client.loads refuses while reading it (a
 * dateTime strptime cannot read): Odoo answers a ValueError fault, before any authentication.
 */
export class XmlRpcValueError extends Error {
  constructor(
    message: string,
    /** The Python exception class. */
    readonly type = 'ValueError',
  ) {
    super(message);
    this.name = 'XmlRpcValueError';
  }
}

export interface MethodCall {
  methodName: string;
  params: RpcValue[];
}

export type MethodResponse =
  | { kind: 'params'; value: RpcValue }
  | { kind: 'fault'; faultCode: RpcValue; faultString: RpcValue };

export interface DecodeOptions {
  /** Deepest nesting of arrays and structs accepted (default 100). */
  maxDepth?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

// Encoding names Python's pyexpat reads as its unknown-encoding handler does (a Python codec that
// maps each byte alone), after Python's normalisation of the name. Expat itself knows only UTF-8,
// ISO-8859-1, US-ASCII and UTF-16. UTF-8's aliases map bytes over 127 to nothing: ASCII only.
const LATIN1_NAMES = new Set(['latin_1', 'latin1', 'latin', 'l1', 'iso8859_1', 'iso_8859_1', 'iso8859', '8859', 'cp819', 'ibm819', 'csisolatin1', 'iso_ir_100', 'iso_8859_1_1987']);
const ASCII_NAMES = new Set(['ascii', 'us_ascii', 'us', '646', 'cp367', 'ibm367', 'csascii', 'iso646_us', 'iso_ir_6', 'ansi_x3.4_1968', 'ansi_x3_4_1968', 'ansi_x3.4_1986', 'iso_646.irv_1991', 'utf_8', 'utf8', 'u8', 'utf', 'cp65001', 'utf8_ucs2', 'utf8_ucs4']);

/** The encoding an XML declaration at the very start of `bytes` names (after a UTF-8 BOM), or null. */
function declaredEncoding(bytes: Uint8Array, start: number): string | null {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.min(bytes.length - start, 512)).toString('latin1');
  const decl = /^<\?xml[ \t\r\n][^>]*?\?>/.exec(head);
  if (!decl) return null;
  const enc = /[ \t\r\n]encoding[ \t\r\n]*=[ \t\r\n]*(?:"([^"]*)"|'([^']*)')/.exec(decl[0]);
  return enc ? (enc[1] ?? enc[2]!) : null;
}

/**
 * The text of an XML-RPC body, its bytes read as expat reads them for Odoo: UTF-8 unless the XML
 * declaration names ISO-8859-1 (each byte one character, U+0000-U+00FF; not windows-1252, which
 * TextDecoder('latin1') would give) or US-ASCII (a byte over 127 is not well-formed). PHP's
 * xmlrpc_encode_request declares iso-8859-1 by default. Whatever the body says, the proxy sends
 * Odoo its own UTF-8 re-encoding of what it read, so Odoo gets exactly what was checked. Other
 * encodings (which pyexpat may read through a Python codec) are refused, never guessed.
 */
function toText(body: Uint8Array | string): string {
  // A str given to Python's parser is read as it is, whatever its declaration says.
  if (typeof body === 'string') return body;
  const bom = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  const name = declaredEncoding(body, bom);
  const kind = name === null ? 'utf8' : encodingKind(name);
  if (kind === 'latin1') return Buffer.from(body.buffer, body.byteOffset + bom, body.length - bom).toString('latin1');
  if (kind === 'ascii') {
    for (let i = bom; i < body.length; i++) if (body[i]! > 0x7f) throw new XmlRpcParseError(`byte 0x${body[i]!.toString(16)} is not US-ASCII, which the body declares (at byte ${i})`, i - bom);
    return Buffer.from(body.buffer, body.byteOffset + bom, body.length - bom).toString('latin1');
  }
  if (kind !== 'utf8') throw new XmlRpcValueError(`the body declares encoding '${clip(name!)}', which odoo-keys does not read: send UTF-8 (or ISO-8859-1, US-ASCII)`);
  try {
    return utf8.decode(body);
  } catch {
    throw new XmlRpcParseError('request body is not valid UTF-8', 0);
  }
}

function encodingKind(name: string): 'utf8' | 'latin1' | 'ascii' | null {
  const lower = name.toLowerCase();
  if (lower === 'utf-8') return 'utf8';
  if (lower === 'iso-8859-1') return 'latin1';
  if (lower === 'us-ascii') return 'ascii';
  // Python's normalize_encoding: runs of other characters than letters, digits and '.' become '_'.
  const py = lower.replace(/[^a-z0-9.]+/g, '_').replace(/^_+|_+$/g, '');
  if (LATIN1_NAMES.has(py)) return 'latin1';
  if (ASCII_NAMES.has(py)) return 'ascii';
  return null;
}

/** A body's text for error messages: as toText reads it, else its UTF-8 with replacements. */
export function xmlBodyText(body: Uint8Array | string): string {
  try {
    return toText(body);
  } catch {
    return typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  }
}

// XML 1.0 Char production, minus what a string can't hold anyway.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const NAME_RE = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const WS_RE = /[ \t\r\n]*/y;
const INT_RE = /^[ \t\r\n]*[+-]?[0-9]+[ \t\r\n]*$/;
const FLOAT_RE = /^[ \t\r\n]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t\r\n]*$/;
const SPECIAL_FLOAT_RE = /^[ \t\r\n]*([+-]?)(inf|infinity|nan)[ \t\r\n]*$/i;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;

class Reader {
  pos = 0;
  private depth = 0;

  constructor(
    private readonly s: string,
    private readonly maxDepth: number,
    /** An answer from Odoo: every character Python's writer emits is read (see decodeMethodResponse). */
    private readonly answer = false,
  ) {
    if (answer) return;
    const bad = INVALID_XML_CHAR.exec(s);
    if (bad) throw new XmlRpcParseError(`control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} is not allowed in XML`, bad.index);
  }

  fail(message: string): never {
    throw new XmlRpcParseError(`${message} (at byte ${this.pos})`, this.pos);
  }

  /** The prolog: optional BOM, optional XML declaration, then whitespace and comments. */
  prolog(): void {
    if (this.s.charCodeAt(0) === 0xfeff) this.pos = 1;
    if (this.s.startsWith('<?xml', this.pos) && /[\s?]/.test(this.s[this.pos + 5] ?? '')) {
      const end = this.s.indexOf('?>', this.pos);
      if (end < 0) this.fail('unterminated XML declaration');
      // Its encoding was applied to the bytes already (toText).
      this.pos = end + 2;
    }
    this.misc();
  }

  /** Whitespace and comments between elements; anything else that is not a tag is an error. */
  misc(): void {
    for (;;) {
      WS_RE.lastIndex = this.pos;
      WS_RE.exec(this.s);
      this.pos = WS_RE.lastIndex;
      if (this.s.startsWith('<!--', this.pos)) {
        this.comment();
        continue;
      }
      if (this.s.startsWith('<!', this.pos)) this.fail(this.s.startsWith('<!DOCTYPE', this.pos) ? 'DOCTYPE is not allowed' : 'markup declarations are not allowed');
      if (this.s.startsWith('<?', this.pos)) this.fail('processing instructions are not allowed');
      return;
    }
  }

  comment(): void {
    const end = this.s.indexOf('-->', this.pos + 4);
    if (end < 0) this.fail('unterminated comment');
    this.pos = end + 3;
  }

  end(): void {
    this.misc();
    if (this.pos !== this.s.length) this.fail('unexpected content after the document element');
  }

  /** Reads `<name ...>` or `<name .../>`; returns the local name (prefix stripped, as Python does). */
  open(): { name: string; empty: boolean } {
    if (this.s[this.pos] !== '<' || this.s[this.pos + 1] === '/') this.fail('expected an element');
    const start = this.pos + 1;
    NAME_RE.lastIndex = start;
    if (!NAME_RE.test(this.s)) this.fail('invalid element name');
    const qname = this.s.slice(start, NAME_RE.lastIndex);
    this.pos = NAME_RE.lastIndex;
    // Most tags have no attributes: skip the attribute scan when the tag ends right here.
    if (this.s.charCodeAt(this.pos) !== GT) this.attributes();
    let empty = false;
    if (this.s.startsWith('/>', this.pos)) {
      empty = true;
      this.pos += 2;
    } else if (this.s[this.pos] === '>') {
      this.pos += 1;
    } else {
      this.fail(`malformed start tag <${qname}>`);
    }
    const colon = qname.lastIndexOf(':');
    return { name: colon >= 0 ? qname.slice(colon + 1) : qname, empty };
  }

  private attributes(): void {
    for (;;) {
      WS_RE.lastIndex = this.pos;
      WS_RE.exec(this.s);
      const afterWs = WS_RE.lastIndex;
      const c = this.s[afterWs];
      if (c === '>' || c === '/') {
        this.pos = afterWs;
        return;
      }
      if (afterWs === this.pos) this.fail('expected whitespace before an attribute');
      NAME_RE.lastIndex = afterWs;
      if (!NAME_RE.exec(this.s)) this.fail('malformed attribute');
      this.pos = NAME_RE.lastIndex;
      WS_RE.lastIndex = this.pos;
      WS_RE.exec(this.s);
      this.pos = WS_RE.lastIndex;
      if (this.s[this.pos] !== '=') this.fail('malformed attribute');
      this.pos += 1;
      WS_RE.lastIndex = this.pos;
      WS_RE.exec(this.s);
      this.pos = WS_RE.lastIndex;
      const q = this.s[this.pos];
      if (q !== '"' && q !== "'") this.fail('attribute value must be quoted');
      const close = this.s.indexOf(q, this.pos + 1);
      if (close < 0) this.fail('unterminated attribute value');
      const raw = this.s.slice(this.pos + 1, close);
      if (raw.includes('<')) this.fail("'<' in attribute value");
      decodeEntities(raw, this.pos + 1);
      this.pos = close + 1;
    }
  }

  expectOpen(name: string): boolean {
    // The usual case, `<name>` exactly: the name pattern would read just `name` (the `>` ends it),
    // so the result is open()'s, without a regex, a slice or an object per tag.
    const after = this.pos + 1 + name.length;
    if (this.s.charCodeAt(this.pos) === LT && this.s.charCodeAt(after) === GT && this.s.startsWith(name, this.pos + 1)) {
      this.pos = after + 1;
      return false;
    }
    const tag = this.open();
    if (tag.name !== name) this.fail(`expected <${name}>, found <${tag.name}>`);
    return tag.empty;
  }

  close(name: string): void {
    // The usual case, `</name>` exactly, without a regex or a string made.
    const after = this.pos + 2 + name.length;
    if (this.s.charCodeAt(this.pos) === LT && this.s.charCodeAt(this.pos + 1) === SLASH && this.s.startsWith(name, this.pos + 2) && this.s.charCodeAt(after) === GT) {
      this.pos = after + 1;
      return;
    }
    if (!this.s.startsWith('</', this.pos)) this.fail(`expected </${name}>`);
    NAME_RE.lastIndex = this.pos + 2;
    const m = NAME_RE.exec(this.s);
    if (!m) this.fail('malformed end tag');
    const colon = m[0].lastIndexOf(':');
    const local = colon >= 0 ? m[0].slice(colon + 1) : m[0];
    if (local !== name) this.fail(`expected </${name}>, found </${m[0]}>`);
    this.pos = NAME_RE.lastIndex;
    WS_RE.lastIndex = this.pos;
    WS_RE.exec(this.s);
    this.pos = WS_RE.lastIndex;
    if (this.s[this.pos] !== '>') this.fail('malformed end tag');
    this.pos += 1;
  }

  atClose(): boolean {
    return this.s.startsWith('</', this.pos);
  }

  /** Character data up to the next tag, with entities, character references, CDATA and comments. */
  text(): string {
    let out = '';
    for (;;) {
      const lt = this.s.indexOf('<', this.pos);
      if (lt < 0) this.fail('unexpected end of document');
      if (lt > this.pos) {
        out += decodeEntities(this.s.slice(this.pos, lt), this.pos);
        this.pos = lt;
      }
      if (this.s.startsWith('<!--', this.pos)) {
        this.comment();
        continue;
      }
      if (this.s.startsWith('<![CDATA[', this.pos)) {
        const end = this.s.indexOf(']]>', this.pos + 9);
        if (end < 0) this.fail('unterminated CDATA section');
        out += endOfLines(this.s.slice(this.pos + 9, end));
        this.pos = end + 3;
        continue;
      }
      if (this.s.startsWith('<!', this.pos)) this.fail(this.s.startsWith('<!DOCTYPE', this.pos) ? 'DOCTYPE is not allowed' : 'markup declarations are not allowed');
      if (this.s.startsWith('<?', this.pos)) this.fail('processing instructions are not allowed');
      return out;
    }
  }

  /** Text that may only be whitespace (between structural elements). */
  blank(): void {
    // The usual case: whitespace, then a tag that is not a comment, CDATA, DOCTYPE or PI.
    let next = this.pos;
    if (this.s.charCodeAt(next) !== LT) {
      WS_RE.lastIndex = next;
      WS_RE.test(this.s);
      next = WS_RE.lastIndex;
    }
    if (this.s.charCodeAt(next) === LT) {
      const c = this.s.charCodeAt(next + 1);
      if (c !== BANG && c !== QUESTION) {
        this.pos = next;
        return;
      }
    }
    const t = this.text();
    if (!/^[ \t\r\n]*$/.test(t)) this.fail('unexpected text between elements');
  }

  /** The content of `<tag>...</tag>` as text, after its start tag was read. */
  leaf(name: string, empty: boolean): string {
    if (empty) return '';
    const t = this.text();
    this.close(name);
    return t;
  }

  /** A `<value>`, its start tag already read. */
  value(empty: boolean): RpcValue {
    if (empty) return '';
    const t = this.text();
    if (this.atClose()) {
      this.close('value');
      return t;
    }
    if (!/^[ \t\r\n]*$/.test(t)) this.fail('unexpected text before a typed value');
    const tag = this.open();
    const v = this.typed(tag.name, tag.empty);
    this.blank();
    this.close('value');
    return v;
  }

  private typed(name: string, empty: boolean): RpcValue {
    switch (name) {
      case 'int':
      case 'i4':
      case 'i8':
      case 'i1':
      case 'i2':
      case 'biginteger': {
        const t = this.leaf(name, empty);
        if (!INT_RE.test(t)) this.fail(`invalid integer '${clip(t)}'`);
        const n = Number(t.trim());
        if (!Number.isSafeInteger(n)) this.fail(`integer ${clip(t.trim())} is out of the exact range`);
        return n;
      }
      case 'boolean': {
        const t = this.leaf(name, empty);
        if (t === '0') return false;
        if (t === '1') return true;
        return this.fail(`bad boolean value '${clip(t)}'`);
      }
      case 'double':
      case 'float':
      case 'bigdecimal': {
        const t = this.leaf(name, empty);
        let n: number;
        const special = SPECIAL_FLOAT_RE.exec(t);
        if (special) n = special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
        else if (FLOAT_RE.test(t)) n = Number(t.trim());
        else return this.fail(`invalid double '${clip(t)}'`);
        return Number.isInteger(n) ? new PyFloat(n) : n;
      }
      case 'string':
        return this.leaf(name, empty);
      case 'nil':
        this.leaf(name, empty);
        return null;
      case 'dateTime.iso8601': {
        const t = this.leaf(name, empty);
        if (!this.answer) {
          // As Odoo reads it (strptime on the text as it stands): what is checked is what Odoo runs
          // with, and a call carried to JSON-2 gets the datetime Odoo's XML-RPC would have made.
          const d = parsePyDateTime(t);
          if (typeof d === 'string') throw new XmlRpcValueError(d);
        }
        return new DateTimeValue(t.trim());
      }
      case 'base64': {
        const t = this.leaf(name, empty).replace(/[ \t\r\n]+/g, '');
        if (!BASE64_RE.test(t)) this.fail('invalid base64 data');
        return new Base64Value(t);
      }
      case 'array':
        return this.array(empty);
      case 'struct':
        return this.struct(empty);
      default:
        return this.fail(`unknown value type <${name}>`);
    }
  }

  private enter(): void {
    this.depth += 1;
    if (this.depth > this.maxDepth) this.fail(`values nested deeper than ${this.maxDepth} levels`);
  }

  private array(empty: boolean): RpcValue[] {
    const out: RpcValue[] = [];
    if (empty) return out;
    this.enter();
    this.blank();
    const dataEmpty = this.expectOpen('data');
    if (!dataEmpty) {
      for (;;) {
        this.blank();
        if (this.atClose()) break;
        out.push(this.value(this.expectOpen('value')));
      }
      this.close('data');
    }
    this.blank();
    this.close('array');
    this.depth -= 1;
    return out;
  }

  private struct(empty: boolean): RpcStruct {
    const out: RpcStruct = {};
    if (empty) return out;
    this.enter();
    for (;;) {
      this.blank();
      if (this.atClose()) break;
      if (this.expectOpen('member')) this.fail('empty <member>');
      this.blank();
      const name = this.leaf('name', this.expectOpen('name'));
      if (FORBIDDEN_KEYS.has(name)) this.fail(`struct member name '${name}' is not allowed`);
      if (Object.prototype.hasOwnProperty.call(out, name)) this.fail(`duplicate struct member '${clip(name)}'`);
      this.blank();
      out[name] = this.value(this.expectOpen('value'));
      this.blank();
      this.close('member');
    }
    this.close('struct');
    this.depth -= 1;
    return out;
  }
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

const ENTITY: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * XML's end-of-line handling, which expat (so Odoo, and Python's client) applies before anything
 * else: a raw CR LF or lone CR is read as LF. Only `&#13;` stands for a CR. Without it the proxy
 * checked "a\r\nb" where Odoo would read "a\nb".
 */
function endOfLines(raw: string): string {
  return raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
}

/** Character data with its references decoded and its line ends read as XML reads them. */
function decodeEntities(raw: string, offset: number): string {
  if (!raw.includes('&')) return endOfLines(raw);
  // Line ends are matched here too, so that a reference's offset is its place in the raw text.
  return raw.replace(/&([^;&]*);?|\r\n?/g, (whole, ref: string | undefined, at: number) => {
    if (ref === undefined) return '\n';
    if (!whole.endsWith(';')) throw new XmlRpcParseError(`unterminated entity reference (at byte ${offset + at})`, offset + at);
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      const valid = /^#(x[0-9A-Fa-f]+|[0-9]+)$/.test(ref) && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
      const ch = valid ? String.fromCodePoint(code) : '';
      if (!valid || INVALID_XML_CHAR.test(ch)) throw new XmlRpcParseError(`invalid character reference &${ref}; (at byte ${offset + at})`, offset + at);
      return ch;
    }
    const e = ENTITY[ref];
    if (e === undefined) throw new XmlRpcParseError(`undefined entity &${clip(ref)}; (at byte ${offset + at})`, offset + at);
    return e;
  });
}

/** Decodes an XML-RPC request body (`<methodCall>`). Throws XmlRpcParseError on anything malformed. */
export function decodeMethodCall(body: Uint8Array | string, opts: DecodeOptions = {}): MethodCall {
  const text = toText(body);
  if (text.trim() === '') throw new XmlRpcParseError('empty XML-RPC body', 0);
  const r = new Reader(text, opts.maxDepth ?? 100);
  r.prolog();
  if (r.expectOpen('methodCall')) r.fail('empty <methodCall>');
  r.blank();
  const methodName = r.leaf('methodName', r.expectOpen('methodName'));
  const params: RpcValue[] = [];
  r.blank();
  if (!r.atClose()) {
    const empty = r.expectOpen('params');
    if (!empty) {
      for (;;) {
        r.blank();
        if (r.atClose()) break;
        if (r.expectOpen('param')) r.fail('empty <param>');
        r.blank();
        params.push(r.value(r.expectOpen('value')));
        r.blank();
        r.close('param');
      }
      r.close('params');
    }
    r.blank();
  }
  r.close('methodCall');
  r.end();
  return { methodName, params };
}

/**
 * Decodes an XML-RPC response body (`<methodResponse>`), a result or a fault. Unlike a request,
 * any character is read raw: Odoo's writer drops C0 controls but tab, LF and CR from strings only
 * (not from member names, which may be data: read_progress_bar's keys), and writes U+FFFE and
 * U+FFFF as they are, so a record named "x\uFFFF" is in a legitimate answer that the proxy must
 * read to hide names in it and charge its records. (Python's own client cannot read such an
 * answer: expat refuses the character raw and as a reference.) Character references stay strict:
 * Python's writer never writes one.
 */
export function decodeMethodResponse(body: Uint8Array | string, opts: DecodeOptions = {}): MethodResponse {
  const text = toText(body);
  const r = new Reader(text, opts.maxDepth ?? 100, true);
  r.prolog();
  if (r.expectOpen('methodResponse')) r.fail('empty <methodResponse>');
  r.blank();
  const tag = r.open();
  let out: MethodResponse;
  if (tag.name === 'params' && !tag.empty) {
    r.blank();
    if (r.expectOpen('param')) r.fail('empty <param>');
    r.blank();
    const value = r.value(r.expectOpen('value'));
    r.blank();
    r.close('param');
    r.blank();
    r.close('params');
    out = { kind: 'params', value };
  } else if (tag.name === 'fault' && !tag.empty) {
    r.blank();
    const v = r.value(r.expectOpen('value'));
    r.blank();
    r.close('fault');
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !('faultCode' in v)) r.fail('fault is not a struct with faultCode');
    const s = v as RpcStruct;
    out = { kind: 'fault', faultCode: s.faultCode ?? null, faultString: s.faultString ?? '' };
  } else {
    return r.fail(`expected <params> or <fault>, found <${tag.name}>`);
  }
  r.blank();
  r.close('methodResponse');
  r.end();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Encoding, as Python's xmlrpc.client.Marshaller writes it.

export class XmlRpcEncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlRpcEncodeError';
  }
}

const MAXINT = 2 ** 31 - 1;
const MININT = -(2 ** 31);

export interface EncodeOptions {
  /**
   * How strings are written. 'answer' (the default): as Odoo writes its answers, C0 control
   * characters but tab, LF and CR dropped, everything else raw. 'request': exactly, never changed:
   * CR as `&#13;` (a raw CR reaches Odoo as LF), and a character XML cannot carry at all is an
   * XmlRpcEncodeError, not dropped. encodeMethodCall always writes requests so.
   */
  strings?: 'answer' | 'request';
  /** Python's allow_none. Odoo answers with allow_none=False: a None result is a fault. */
  allowNone?: boolean;
  /**
   * What to do with an integer outside 32 bits: 'throw' as Python does ("int exceeds XML-RPC
   * limits"), or write it as `<i8>` (which Python's client reads back as an int).
   */
  bigInt?: 'throw' | 'i8';
}

/**
 * Odoo's dump_unicode drops C0 control characters (XML 1.0 forbids them) except tab, LF, CR.
 * U+FFFE and U+FFFF, which XML forbids too, it writes raw, and so does the proxy in the answers it
 * writes (names hidden, JSON-2 translated): Python's client cannot read them (expat refuses them,
 * raw or as references), so such an answer fails there exactly as Odoo's own does, and is the same
 * whether the proxy rewrote it or passed Odoo's bytes on. Dropping them would change values only in
 * the answers that happen to be rewritten; clients that do read them get what Odoo sent.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g;

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A string of an answer, as Odoo writes it: for answers only (a request is never changed: requestString). */
function encodeString(s: string): string {
  return escapeXml(s.replace(CONTROL_CHARS, ''));
}

// What a request's strings may need: markup to escape, a CR, or a character XML cannot carry
// (C0 controls, U+FFFE, U+FFFF, a surrogate that may be lone). The usual string has none.
// eslint-disable-next-line no-control-regex
const REQUEST_SPECIAL = /[\u0000-\u0008\u000B-\u001F&<>\uD800-\uDFFF\uFFFE\uFFFF]/;
// eslint-disable-next-line no-control-regex
const UNCARRIED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A string of a request, exactly: the proxy forwards calls and counts domains with what it
 * checked, so nothing may be dropped or turned into something else on the way. Odoo's expat
 * refuses these characters raw and as references alike, and UTF-8 cannot hold a lone surrogate:
 * such a call cannot be sent as XML-RPC at all. The message names the character, never the string
 * (it may be a key).
 */
function requestString(s: string): string {
  if (!REQUEST_SPECIAL.test(s)) return s;
  const bad = UNCARRIED.exec(s);
  if (bad) throw new XmlRpcEncodeError(`XML-RPC cannot carry the character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}, which a string of the call holds`);
  return escapeXml(s).replace(/\r/g, '&#13;');
}

/** Writes one value as Python's Marshaller.__dump does, appending to `out`. */
export function encodeValue(v: unknown, out: string[], opts: EncodeOptions = {}, seen: Set<object> = new Set()): void {
  if (v === null || v === undefined) {
    if (!opts.allowNone) throw new XmlRpcEncodeError('cannot marshal None unless allow_none is enabled');
    out.push('<value><nil/></value>');
    return;
  }
  switch (typeof v) {
    case 'boolean':
      out.push(v ? '<value><boolean>1</boolean></value>\n' : '<value><boolean>0</boolean></value>\n');
      return;
    case 'number':
      if (Number.isInteger(v)) {
        if (v <= MAXINT && v >= MININT) {
          out.push(`<value><int>${v}</int></value>\n`);
          return;
        }
        if (opts.bigInt === 'i8' && Number.isSafeInteger(v)) {
          out.push(`<value><i8>${v}</i8></value>\n`);
          return;
        }
        if (Number.isSafeInteger(v)) throw new XmlRpcEncodeError('int exceeds XML-RPC limits');
      }
      out.push(`<value><double>${pyFloatRepr(v)}</double></value>\n`);
      return;
    case 'bigint':
      if (v <= BigInt(MAXINT) && v >= BigInt(MININT)) out.push(`<value><int>${v}</int></value>\n`);
      else if (opts.bigInt === 'i8') out.push(`<value><i8>${v}</i8></value>\n`);
      else throw new XmlRpcEncodeError('int exceeds XML-RPC limits');
      return;
    case 'string':
      out.push(`<value><string>${opts.strings === 'request' ? requestString(v) : encodeString(v)}</string></value>\n`);
      return;
    case 'object':
      break;
    default:
      throw new XmlRpcEncodeError(`cannot marshal ${typeof v} objects`);
  }
  if (v instanceof PyFloat) {
    out.push(`<value><double>${pyFloatRepr(v.value)}</double></value>\n`);
    return;
  }
  if (v instanceof Base64Value) {
    out.push(`<value><base64>\n${v.base64}\n</base64></value>\n`);
    return;
  }
  if (v instanceof DateTimeValue) {
    out.push(`<value><dateTime.iso8601>${opts.strings === 'request' ? requestString(v.iso) : escapeXml(v.iso)}</dateTime.iso8601></value>\n`);
    return;
  }
  if (seen.has(v as object)) throw new XmlRpcEncodeError('cannot marshal recursive sequences');
  seen.add(v as object);
  if (Array.isArray(v)) {
    out.push('<value><array><data>\n');
    for (const item of v) encodeValue(item, out, opts, seen);
    out.push('</data></array></value>\n');
  } else {
    out.push('<value><struct>\n');
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      if (item === undefined) continue;
      // Member names as Odoo writes them in answers: escaped, nothing dropped (Python's dump_struct).
      out.push(`<member>\n<name>${opts.strings === 'request' ? requestString(k) : escapeXml(k)}</name>\n`);
      encodeValue(item, out, opts, seen);
      out.push('</member>\n');
    }
    out.push('</struct></value>\n');
  }
  seen.delete(v as object);
}

/**
 * A request body as Python's xmlrpc.client.ServerProxy sends it (allow_none=True), except that
 * no string is changed: a CR goes as `&#13;` (Python writes it raw, and expat reads LF), and a
 * character XML cannot carry throws XmlRpcEncodeError (see requestString).
 */
export function encodeMethodCall(methodName: string, params: readonly unknown[], opts: EncodeOptions = { allowNone: true, bigInt: 'i8' }): string {
  const exact: EncodeOptions = { ...opts, strings: 'request' };
  const out: string[] = ["<?xml version='1.0'?>\n<methodCall>\n<methodName>", requestString(methodName), '</methodName>\n<params>\n'];
  for (const p of params) {
    out.push('<param>\n');
    encodeValue(p, out, exact);
    out.push('</param>\n');
  }
  out.push('</params>\n</methodCall>\n');
  return out.join('');
}

/** A successful answer exactly as Odoo writes it (rpc.py dumps()). */
export function encodeMethodResponse(value: unknown, opts: EncodeOptions = {}): string {
  const out: string[] = ['<?xml version="1.0"?>\n<methodResponse>\n<params>\n<param>\n'];
  encodeValue(value, out, opts);
  out.push('</param>\n</params>\n\n</methodResponse>\n');
  return out.join('');
}

/** A fault exactly as Odoo writes it: faultCode then faultString, int codes on /xmlrpc/2, strings on /xmlrpc. */
export function encodeFault(faultCode: number | string, faultString: string): string {
  const out: string[] = ['<?xml version="1.0"?>\n<methodResponse>\n<fault>\n'];
  encodeValue({ faultCode, faultString }, out, {});
  out.push('</fault>\n\n</methodResponse>\n');
  return out.join('');
}
