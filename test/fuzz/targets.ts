// Fuzz targets (fast-check properties) for the XML-RPC and JSON decoders, the request decoders and
// the scope engine, seeded from the recorded Odoo traffic in ../shared/odoo-wire. Run for a set
// time by test/fuzz/run.ts (`npm run fuzz -- --seconds 60`); a short fixed-seed run of each is part
// of the normal tests (test/hardening/fuzz.test.ts).
//
// Invariants:
// - decoders: no crash, no exception but the codec's own error class; what they accept has no
//   `__proto__` member, nests no deeper than the limit, and survives re-encoding unchanged; the
//   JSON reader agrees with JSON.parse except where it is stricter on purpose;
// - decide(): never throws; never allows a call outside the rule it names (model, method,
//   sensitive models, fields read/written/searched/ordered/grouped, context keys, companies,
//   max_limit, the rule's domain on searches); mutating an allowed call to step outside the scope
//   never yields an allow from a rule that does not cover it. `load` (Odoo's import) too: external
//   ids decide asks for are looked up in FUZZ_XMLIDS and it decides again, as the proxy does (one
//   look-up per call); an allowed load writes only fields a rule allows (write where rows update
//   records), and every record it updates or links that the key's rules limit to domains is
//   checked upstream or known to be inside (loadProblems).

import fc from 'fast-check';
import { decodeMethodCall, decodeMethodResponse, encodeMethodCall, XmlRpcParseError } from '../../src/rpc/xmlrpc.js';
import { parseJson, stringifyJson, JsonParseError } from '../../src/rpc/json.js';
import { decodeJson2Request, decodeJsonRpcRequest, decodeXmlRpcRequest, matchJson2Path, matchXmlRpcPath, RpcDecodeError, toOdooCall, type OdooCall } from '../../src/rpc/call.js';
import { Base64Value, DateTimeValue, PyFloat, isStruct, type RpcStruct, type RpcValue } from '../../src/rpc/values.js';
import { decide, HARMLESS_CONTEXT_KEYS, SENSITIVE_MODELS } from '../../src/policy/decide.js';
import { bindCall } from '../../src/policy/bind.js';
import type { Decision, DecideEnv, KeyScope, ModelSchema, PropertiesDefinition, Rule, UpstreamCheck } from '../../src/policy/types.js';
import { fillKeys, loadWire } from '../support/wire.js';

// ---------------------------------------------------------------------------------------------
// The seed corpus: every recorded request body.

export interface Corpus {
  xml: Buffer[];
  json: Buffer[];
  json2: { path: string; body: Buffer }[];
  /** Object calls decoded from the recordings (every protocol). */
  calls: OdooCall[];
}

export function loadCorpus(): Corpus {
  const xml: Buffer[] = [];
  const json: Buffer[] = [];
  const json2: { path: string; body: Buffer }[] = [];
  const calls: OdooCall[] = [];
  for (const w of loadWire()) {
    const body = Buffer.from(fillKeys(w.request.body), 'utf8');
    try {
      if (w.protocol === 'xmlrpc') {
        xml.push(body);
        const route = matchXmlRpcPath(w.request.path);
        if (route) calls.push(toOdooCall(decodeXmlRpcRequest(route, body)));
      } else if (w.protocol === 'jsonrpc') {
        json.push(body);
        calls.push(toOdooCall(decodeJsonRpcRequest(body)));
      } else {
        json2.push({ path: w.request.path, body });
        json.push(body);
        const route = matchJson2Path(w.request.path);
        if (route) calls.push(toOdooCall(decodeJson2Request(route, { authorization: fillKeys(w.request.headers.Authorization ?? ''), database: w.request.headers['X-Odoo-Database'] }, body)));
      }
    } catch (e) {
      if (!(e instanceof RpcDecodeError)) throw e; // recordings of malformed requests are seeds too
    }
  }
  return { xml, json, json2, calls };
}

// ---------------------------------------------------------------------------------------------
// Byte-level mutation of seeds, with dictionaries of what hostile input is made of.

const XML_TOKENS = [
  '<!DOCTYPE m [<!ENTITY e "x">]>', '&e;', '<!ENTITY % p SYSTEM "file:///etc/passwd">', '&lol9;', '<?pi x?>', '<![CDATA[', ']]>', '<!--', '-->',
  '<value>', '</value>', '<struct>', '</struct>', '<member><name>__proto__</name><value><int>1</int></value></member>', '<member>', '<name>', '</name>',
  '<array><data>', '</data></array>', '<int>99999999999999999999</int>', '<i8>9223372036854775808</i8>', '<double>nan</double>', '<double>1e400</double>',
  '<nil/>', '<boolean>2</boolean>', '<base64>!!</base64>', '<dateTime.iso8601>x</dateTime.iso8601>', '&#0;', '&#x110000;', '&#xD800;', '&amp;', '&lt;',
  '\uFEFF', '\u0000', '\uFFFF', '<x:value>', '</x:value>', ' a="1"', '<methodName>execute</methodName>', '<param>', '</param>', '"', "'", '>', '<',
];
const JSON_TOKENS = [
  '"__proto__":', '"constructor":', '{', '}', '[', ']', ',', ':', '"', '\\', '\\u0000', '\\ud800', '\\u', '1e999', '-0', 'NaN', 'Infinity', '-Infinity',
  '9007199254740993', '0.1', '1.0', 'true', 'false', 'null', '"args":', '"params":', '"service":"db",', '"context":{', '\uFEFF', '\u0000', ' ', '\t',
];

type Op =
  | { k: 'flip'; at: number; bit: number }
  | { k: 'byte'; at: number; v: number }
  | { k: 'insert'; at: number; bytes: Uint8Array }
  | { k: 'token'; at: number; t: string }
  | { k: 'delete'; at: number; len: number }
  | { k: 'dup'; at: number; len: number; to: number }
  | { k: 'truncate'; at: number }
  | { k: 'splice'; other: number; at: number; from: number };

function opArb(tokens: string[]): fc.Arbitrary<Op> {
  const at = fc.nat();
  return fc.oneof(
    fc.record({ k: fc.constant('flip' as const), at, bit: fc.nat(7) }),
    fc.record({ k: fc.constant('byte' as const), at, v: fc.nat(255) }),
    fc.record({ k: fc.constant('insert' as const), at, bytes: fc.uint8Array({ maxLength: 8 }) }),
    { arbitrary: fc.record({ k: fc.constant('token' as const), at, t: fc.constantFrom(...tokens) }), weight: 3 },
    fc.record({ k: fc.constant('delete' as const), at, len: fc.nat(64) }),
    fc.record({ k: fc.constant('dup' as const), at, len: fc.nat(256), to: fc.nat() }),
    fc.record({ k: fc.constant('truncate' as const), at }),
    fc.record({ k: fc.constant('splice' as const), other: fc.nat(), at, from: fc.nat() }),
  );
}

function applyOps(seed: Buffer, ops: Op[], seeds: Buffer[]): Buffer {
  let b = seed;
  for (const op of ops) {
    const pos = b.length === 0 ? 0 : op.at % (b.length + 1);
    switch (op.k) {
      case 'flip':
        if (b.length) {
          b = Buffer.from(b);
          const i = op.at % b.length;
          b[i] = b[i]! ^ (1 << op.bit);
        }
        break;
      case 'byte':
        if (b.length) {
          b = Buffer.from(b);
          b[op.at % b.length] = op.v;
        }
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, pos), Buffer.from(op.bytes), b.subarray(pos)]);
        break;
      case 'token':
        b = Buffer.concat([b.subarray(0, pos), Buffer.from(op.t, 'utf8'), b.subarray(pos)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, pos), b.subarray(pos + op.len)]);
        break;
      case 'dup': {
        const part = b.subarray(pos, pos + op.len);
        const to = b.length === 0 ? 0 : op.to % (b.length + 1);
        b = Buffer.concat([b.subarray(0, to), part, b.subarray(to)]);
        break;
      }
      case 'truncate':
        b = b.subarray(0, pos);
        break;
      case 'splice': {
        const other = seeds[op.other % seeds.length]!;
        const from = other.length === 0 ? 0 : op.from % other.length;
        b = Buffer.concat([b.subarray(0, pos), other.subarray(from)]);
        break;
      }
    }
  }
  return b;
}

/** A seed with a few mutations applied (fast-check shrinks towards fewer, smaller ones). */
export function mutated(seeds: Buffer[], tokens: string[]): fc.Arbitrary<Buffer> {
  return fc.tuple(fc.nat(Math.max(0, seeds.length - 1)), fc.array(opArb(tokens), { minLength: 1, maxLength: 6 })).map(([i, ops]) => applyOps(seeds[i] ?? Buffer.alloc(0), ops, seeds));
}

/** Nested brackets and elements, deeper than any limit, with junk around. */
function deepArb(kind: 'xml' | 'json'): fc.Arbitrary<Buffer> {
  return fc.tuple(fc.integer({ min: 90, max: 3000 }), fc.constantFrom('array', 'struct', 'mixed')).map(([n, k]) => {
    if (kind === 'json') {
      const open = k === 'array' ? '[' : k === 'struct' ? '{"a":' : '[{"a":';
      const close = k === 'array' ? ']' : k === 'struct' ? '}' : '}]';
      return Buffer.from(`{"jsonrpc":"2.0","params":{"service":"object","method":"execute_kw","args":${open.repeat(n)}1${close.repeat(n)}}}`);
    }
    const open = k === 'array' ? '<value><array><data>' : k === 'struct' ? '<value><struct><member><name>a</name>' : '<value><array><data><value><struct><member><name>a</name>';
    const close = k === 'array' ? '</data></array></value>' : k === 'struct' ? '</member></struct></value>' : '</member></struct></value></data></array></value>';
    return Buffer.from(`<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params><param>${open.repeat(n)}<value>1</value>${close.repeat(n)}</param></params></methodCall>`);
  });
}

// ---------------------------------------------------------------------------------------------
// Checks on what a decoder accepted.

const MAX_DEPTH = 100;

/** Nesting depth of arrays and structs (a scalar is 0). */
function depth(v: RpcValue): number {
  let d = 0;
  const stack: [RpcValue, number][] = [[v, 0]];
  while (stack.length) {
    const [x, n] = stack.pop()!;
    if (Array.isArray(x)) {
      d = Math.max(d, n + 1);
      for (const y of x) stack.push([y, n + 1]);
    } else if (isStruct(x)) {
      d = Math.max(d, n + 1);
      if (Object.getPrototypeOf(x) !== Object.prototype) throw new Error('a decoded struct has another prototype');
      if (Object.prototype.hasOwnProperty.call(x, '__proto__')) throw new Error('a decoded struct has a __proto__ member');
      for (const y of Object.values(x)) stack.push([y, n + 1]);
    }
  }
  return d;
}

/** A comparable form of a value (floats, base64 and dates tagged; a float's -0 and NaN kept apart). */
export function canon(v: unknown): unknown {
  if (v instanceof PyFloat) return ['f', Object.is(v.value, -0) ? '-0' : String(v.value)];
  if (v instanceof Base64Value) return ['b', v.base64];
  if (v instanceof DateTimeValue) return ['d', v.iso];
  // An integer -0 is Python's 0 (ints have no sign of zero); a float keeps it (-0.0).
  if (typeof v === 'number') return ['n', String(v)];
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') return Object.entries(v).map(([k, x]) => [k, canon(x)]);
  return v;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

function onlyError<T>(fn: () => T, ...allowed: (new (...args: never[]) => Error)[]): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (allowed.some((cls) => e instanceof cls)) return undefined;
    throw e;
  }
}

function checkXmlBody(body: Buffer): void {
  const call = onlyError(() => decodeMethodCall(body, { maxDepth: MAX_DEPTH }), XmlRpcParseError);
  if (call) {
    for (const p of call.params) if (depth(p) > MAX_DEPTH) throw new Error(`accepted nesting of ${depth(p)}`);
    // What was accepted is re-encoded (as the proxy does upstream) and reads back the same.
    const again = decodeMethodCall(encodeMethodCall(call.methodName, call.params), { maxDepth: MAX_DEPTH + 1 });
    if (again.methodName !== call.methodName || !same(again.params, call.params)) throw new Error('re-encoding changed the call');
  }
  onlyError(() => decodeMethodResponse(body), XmlRpcParseError);
  for (const path of ['/xmlrpc/2/object', '/xmlrpc/common']) {
    const rpc = onlyError(() => decodeXmlRpcRequest(matchXmlRpcPath(path)!, body, { maxDepth: MAX_DEPTH }), RpcDecodeError);
    if (rpc && rpc.service === 'object') onlyError(() => toOdooCall(rpc), RpcDecodeError);
  }
}

/** The strictness parseJson adds to JSON.parse on purpose. */
const STRICTER = /duplicate property|is not allowed|nested deeper|too large to handle exactly|not valid UTF-8/;

function checkJsonBody(body: Buffer): void {
  const v = onlyError(() => parseJson(body, { maxDepth: MAX_DEPTH }), JsonParseError);
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    text = undefined;
  }
  let native: unknown;
  let nativeOk = false;
  if (text !== undefined) {
    try {
      native = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      nativeOk = true;
    } catch {
      nativeOk = false;
    }
  }
  if (v !== undefined) {
    if (depth(v) > MAX_DEPTH) throw new Error(`accepted nesting of ${depth(v)}`);
    const again = parseJson(stringifyJson(v), { maxDepth: MAX_DEPTH + 1 });
    if (!same(again, v)) throw new Error('re-serialising changed the value');
    if (nativeOk) {
      if (!same(plainNumbers(v), plainNumbers(native))) throw new Error('parseJson and JSON.parse read the same text differently');
    } else if (!/NaN|Infinity/.test(text ?? '')) {
      throw new Error('parseJson accepted what JSON.parse refuses (beyond NaN and Infinity)');
    }
  } else if (nativeOk) {
    // Refused although JSON.parse reads it: only for the reasons parseJson is stricter.
    let reason = '';
    try {
      parseJson(body, { maxDepth: MAX_DEPTH });
    } catch (e) {
      reason = (e as Error).message;
    }
    if (!STRICTER.test(reason)) throw new Error(`parseJson refused valid JSON: ${reason}`);
  }
  const rpc = onlyError(() => decodeJsonRpcRequest(body, { maxDepth: MAX_DEPTH }), RpcDecodeError);
  if (rpc && rpc.service === 'object') onlyError(() => toOdooCall(rpc), RpcDecodeError);
  const j2 = onlyError(() => decodeJson2Request({ model: 'res.partner', method: 'search_read' }, { authorization: 'bearer x' }, body, { maxDepth: MAX_DEPTH }), RpcDecodeError);
  if (j2) onlyError(() => toOdooCall(j2), RpcDecodeError);
}

function plainNumbers(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(plainNumbers);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainNumbers(x)]));
  return v;
}

// ---------------------------------------------------------------------------------------------
// Generated values for round trips.

// eslint-disable-next-line no-control-regex
const XML_BAD = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const rpcValueArb: fc.Arbitrary<RpcValue> = fc.letrec<{ v: RpcValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double().map((d) => (Number.isInteger(d) ? new PyFloat(d) : d)),
    fc.string({ unit: 'binary' }).filter((s) => !XML_BAD.test(s)),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary' }).filter((s) => s !== '__proto__' && !XML_BAD.test(s)), tie('v'), { maxKeys: 4 }),
  ),
})).v;

// ---------------------------------------------------------------------------------------------
// The scope engine: a small database, keys over it, calls in every shape, and an oracle.

const char = { type: 'char' };
const m2o = (relation: string): { type: string; relation: string } => ({ type: 'many2one', relation });
export const FUZZ_SCHEMAS: Record<string, ModelSchema> = {
  'crm.lead': { name: char, email_from: char, phone: char, description: { type: 'html' }, display_name: char, type: { type: 'selection' }, partner_id: m2o('res.partner'), user_id: m2o('res.users'), tag_ids: { type: 'many2many', relation: 'crm.tag' }, expected_revenue: { type: 'monetary' }, active: { type: 'boolean' }, company_id: m2o('res.company') },
  'res.partner': { name: char, email: char, phone: char, display_name: char, customer_rank: { type: 'integer' }, is_company: { type: 'boolean' }, parent_id: m2o('res.partner'), child_ids: { type: 'one2many', relation: 'res.partner', relation_field: 'parent_id' }, user_id: m2o('res.users') },
  'crm.tag': { name: char, color: { type: 'integer' }, display_name: char },
  'res.users': { name: char, login: char, display_name: char, partner_id: m2o('res.partner') },
  'res.company': { name: char, display_name: char },
};
const MODELS = Object.keys(FUZZ_SCHEMAS);
const ODD_MODELS = ['crm.lead ', 'CRM.LEAD', 'crm..lead', 'crm.lead\u200b', '*', 'crm.*', 'res.users.apikeys', 'ir.config_parameter', '', 'x_custom'];
const ALL_FIELDS = [...new Set(Object.values(FUZZ_SCHEMAS).flatMap((s) => Object.keys(s))), 'id', 'secret_field', 'password'];
const METHODS = ['search', 'search_read', 'read', 'search_count', 'name_search', 'fields_get', 'read_group', 'web_search_read', 'web_read', 'search_fetch', 'fetch', 'create', 'write', 'unlink', 'copy', 'name_create', 'export_data', 'default_get', 'action_confirm', 'message_post', 'load'];
const ODD_METHODS = ['_read', 'READ', 'read\u200b', 'read ', 'search_read\n', 'ѕearch', '__init__', 'sudo', 'with_user', ''];
const RULE_METHODS = ['read', 'create', 'write', 'unlink', 'copy', 'search_read', 'name_search', 'action_confirm', 'message_post', 'export_data', 'load'];
const CONTEXT_KEYS = ['lang', 'tz', 'bin_size', 'active_test', 'tracking_disable', 'uid', 'su', 'allowed_company_ids', 'default_name', 'default_email_from', 'default_secret_field', 'active_ids', 'company_id'];

// load (Odoo's import): columns, rows of text cells, external ids in a small ir.model.data.
/**
 * The fuzz database's ir.model.data: external id -> the record it names. Cells also name external
 * ids no record has (`nope`, `base.nope`) and ones naming another model's record (`t1` under
 * `partner_id/id`); the proxy answers decide's need_schema `xmlids` from this table.
 */
export const FUZZ_XMLIDS: Record<string, { model: string; id: number }> = {
  '__import__.p1': { model: 'res.partner', id: 5 },
  '__import__.p2': { model: 'res.partner', id: 12 },
  '__export__.res_partner_7_ab12': { model: 'res.partner', id: 7 },
  'base.main_partner': { model: 'res.partner', id: 1 },
  'mymod.p3': { model: 'res.partner', id: 3 },
  '__import__.t1': { model: 'crm.tag', id: 2 },
  '__import__.t2': { model: 'crm.tag', id: 9 },
  '__import__.lead1': { model: 'crm.lead', id: 4 },
  '__export__.crm_lead_15_cd34': { model: 'crm.lead', id: 15 },
  '__import__.u1': { model: 'res.users', id: 2 },
  'base.main_company': { model: 'res.company', id: 1 },
  '__import__.c2': { model: 'res.company', id: 2 },
  'mymod.nope': { model: 'res.partner', id: 40 },
};
const LOAD_CONTEXT_KEYS = ['update_many2many', 'import_set_empty_fields', 'import_skip_records', 'module', 'name_create_enabled_fields'];
/** Columns per model (every spelling Odoo reads), and odd ones: unknown fields, paths through no relation. */
const LOAD_COLUMNS: Record<string, string[]> = {
  'crm.lead': ['name', 'email_from', 'type', 'id', '.id', 'partner_id', 'partner_id/id', 'partner_id/.id', 'partner_id.id', 'partner_id:id', 'tag_ids', 'tag_ids/id', 'tag_ids/.id', 'tag_ids.id', 'tag_ids:id', 'user_id/.id', 'user_id/id', 'company_id', 'company_id/.id', 'company_id/id'],
  'res.partner': ['name', 'email', 'customer_rank', 'id', '.id', 'parent_id', 'parent_id/id', 'parent_id/.id', 'parent_id.id', 'child_ids', 'child_ids/name', 'child_ids/email', 'child_ids/id', 'child_ids/.id', 'child_ids/parent_id/id', 'child_ids/parent_id/.id', 'child_ids/user_id/.id', 'user_id/.id'],
};
const ODD_LOAD_COLUMNS = ['nofield', 'secret_field', 'name/id', 'id/id', '.id/x', 'child_ids/secret_field', 'partner_id/name', 'email/.id'];
const XMLID_CELLS = ['p1', 'p2', '__import__.p1', 'base.main_partner', '__export__.res_partner_7_ab12', 'mymod.p3', 'nope', 'base.nope', 't1', 't2', 't1,t2', 't1,nope', 'p1,p2', 'lead1',
  '__export__.crm_lead_15_cd34', 'u1', 'c2', 'base.main_company', '0', 'false', 'no', 'FALSE', 'p1,0', ' p1', 'lead9', 'p1,t1', ''];
const ID_CELLS: RpcValue[] = ['1', '5', '7', '12', '2', '9', '2,9', '3, 4', '0', '-1', 'x', 5, 7, 0, 1.5, '9007199254740993', '', false];
const PLAIN_CELLS: RpcValue[] = ['', false, null, 'acme', 'a@b.c', 'opportunity', 'lead', '3', true, 'p1'];
const ANY_CELLS: RpcValue[] = [...XMLID_CELLS, ...ID_CELLS, ...PLAIN_CELLS, [1], { a: 1 }, 12.5];
/** A cell seed: mostly a cell of the column's kind (external id, database id, text), now and then anything. */
const loadCellArb = fc.tuple(fc.nat(11), fc.nat(999));
function loadCell(col: string, [kind, i]: [number, number]): RpcValue {
  const list = kind === 0 ? ANY_CELLS : col === 'id' || /[/:]id$/.test(col) ? XMLID_CELLS : col === '.id' || /[/.]\.?id$/.test(col) ? ID_CELLS : PLAIN_CELLS;
  return list[i % list.length]!;
}
const loadContextArb: fc.Arbitrary<RpcValue | undefined> = fc.option(
  fc.record(
    {
      update_many2many: fc.constantFrom<RpcValue>(true, false, 1),
      import_set_empty_fields: fc.constantFrom<RpcValue>(['tag_ids'], ['child_ids'], 'tag_ids', ['partner_id'], []),
      import_skip_records: fc.constantFrom<RpcValue>(['tag_ids'], ['child_ids']),
      module: fc.constantFrom<RpcValue>('mymod', '__export__', '__import__', false, 'base'),
      name_create_enabled_fields: fc.constantFrom<RpcValue>({ partner_id: true }, { tag_ids: true }, {}, true),
      lang: fc.constant<RpcValue>('fr_FR'),
      default_type: fc.constantFrom<RpcValue>('opportunity', 'lead'),
      default_customer_rank: fc.constantFrom<RpcValue>(0, 1),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<RpcValue>,
  { nil: undefined, freq: 2 },
);
/** Seeds of a load's fields and data, made into columns of the call's model in callSpecArb. */
const loadParamsArb = fc.record({
  picks: fc.uniqueArray(fc.nat(999), { minLength: 1, maxLength: 4 }),
  odd: fc.nat(5),
  rows: fc.array(fc.array(loadCellArb, { minLength: 5, maxLength: 5 }), { minLength: 1, maxLength: 4 }),
  ragged: fc.nat(15),
});
function loadParams(model: string, seed: { picks: number[]; odd: number; rows: [number, number][][]; ragged: number }): { fields: RpcValue; data: RpcValue } {
  const list = [...(LOAD_COLUMNS[model] ?? LOAD_COLUMNS['crm.lead']!), ...(seed.odd === 0 ? ODD_LOAD_COLUMNS : [])];
  const cols = [...new Set(seed.picks.map((i) => list[i % list.length]!))];
  const data = seed.rows.map((row) => (seed.ragged === 0 ? row : row.slice(0, cols.length)).map((c, j) => loadCell(cols[j] ?? '', c)));
  return { fields: cols, data };
}

const fieldArb = fc.constantFrom(...ALL_FIELDS);
const pathArb = fc.oneof({ arbitrary: fieldArb, weight: 4 }, fc.constantFrom('partner_id.email', 'partner_id.name', 'user_id.login', 'parent_id.email', 'tag_ids.name', 'create_date.year_number'));
const scalarArb: fc.Arbitrary<RpcValue> = fc.oneof(fc.constantFrom<RpcValue>(false, true, null, 'x', 'acme', '', 0, 1, 7), fc.integer({ min: -3, max: 50 }));
const leafArb: fc.Arbitrary<RpcValue> = fc.oneof(
  { arbitrary: fc.tuple(pathArb, fc.constantFrom('=', '!=', 'in', 'not in', 'ilike', '>', '<=', '=?', 'child_of', 'any', 'not any', 'ILIKE'), fc.oneof(scalarArb, fc.constant<RpcValue>([1, 2]))).map((t) => [...t] as RpcValue), weight: 6 },
  fc.tuple(fc.constantFrom('partner_id', 'tag_ids'), fc.constantFrom('any', 'not any'), fc.constantFrom<RpcValue>([['name', '=', 'x']], [['email', 'ilike', 'y']], [['secret_field', '=', 1]])).map((t) => [...t] as RpcValue),
  fc.constantFrom<RpcValue>('&', '|', '!', [1, '=', 1], [0, '=', 1]),
);
const domainArb: fc.Arbitrary<RpcValue> = fc.array(leafArb, { maxLength: 4 });
const fieldsArb: fc.Arbitrary<RpcValue> = fc.oneof(fc.uniqueArray(fieldArb, { maxLength: 4 }), fc.constant<RpcValue>([]), fc.constant<RpcValue>(false), fc.uniqueArray(fc.constantFrom('name:count', 'expected_revenue:sum', 'total:sum(expected_revenue)', '__count'), { maxLength: 2 }));
const valsArb: fc.Arbitrary<RpcValue> = fc.dictionary(
  fc.constantFrom(...ALL_FIELDS.filter((f) => f !== 'id')),
  fc.oneof(
    { arbitrary: scalarArb, weight: 4 },
    fc.constantFrom<RpcValue>([[0, 0, { name: 'x' }]], [[1, 3, { email: 'y' }]], [[2, 3]], [[4, 3]], [[6, 0, [1, 2]]], [[5]], [[0, 0, { secret_field: 1 }]]),
  ),
  { maxKeys: 4 },
);
const contextArb: fc.Arbitrary<RpcValue | undefined> = fc.option(
  fc.dictionary(fc.constantFrom(...CONTEXT_KEYS), fc.oneof(scalarArb, fc.constant<RpcValue>([1]), fc.constant<RpcValue>([1, 2, 3])), { maxKeys: 3 }) as fc.Arbitrary<RpcValue>,
  { nil: undefined, freq: 2 },
);
const idsArb: fc.Arbitrary<RpcValue> = fc.oneof(fc.uniqueArray(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 20 }), fc.constant<RpcValue>([]));

/** Parameters by name, as a client might send them (the engine binds them per method). */
const paramsArb: fc.Arbitrary<Record<string, RpcValue>> = fc.record(
  {
    domain: domainArb,
    fields: fieldsArb,
    limit: fc.oneof(fc.integer({ min: 0, max: 500 }), fc.constant(null)),
    offset: fc.nat(20),
    order: fc.constantFrom<RpcValue>('name', 'email desc, id', 'secret_field', 'partner_id.name', 'name asc, phone desc', 'id'),
    groupby: fc.oneof(fc.uniqueArray(fc.constantFrom('name', 'partner_id', 'user_id', 'secret_field', 'create_date:month'), { maxLength: 2 }), fc.constantFrom<RpcValue>('name', 'user_id')),
    vals: valsArb,
    vals_list: fc.oneof(fc.array(valsArb, { minLength: 1, maxLength: 2 }), valsArb),
    default: valsArb,
    name: fc.constantFrom<RpcValue>('', 'acme', 'x'),
    args: domainArb,
    specification: fc.dictionary(fieldArb, fc.constantFrom<RpcValue>({}, { fields: { display_name: {} } }, { fields: { secret_field: {} } }), { maxKeys: 3 }),
    field_names: fc.uniqueArray(fieldArb, { maxLength: 3 }),
    allfields: fc.uniqueArray(fieldArb, { maxLength: 3 }),
    fields_to_export: fc.uniqueArray(fc.constantFrom('name', 'partner_id/name', 'secret_field', 'tag_ids/id', 'email_from'), { maxLength: 3 }),
    junk: rpcValueArb,
  },
  { requiredKeys: [] },
);

const ruleArb: fc.Arbitrary<Rule> = fc
  .record({
    model: fc.oneof({ arbitrary: fc.constantFrom(...MODELS), weight: 5 }, fc.constantFrom('crm.*', 'res.*', '*', 'res.users.apikeys')),
    methods: fc.uniqueArray(fc.constantFrom(...RULE_METHODS), { minLength: 1, maxLength: 4 }),
    fields: fc.option(fc.uniqueArray(fc.constantFrom(...ALL_FIELDS.filter((f) => f !== 'id' && f !== 'secret_field' && f !== 'password')), { minLength: 0, maxLength: 6 }), { nil: undefined, freq: 3 }),
    domain: fc.option(fc.constantFrom<RpcValue[]>([['type', '=', 'opportunity']], [['customer_rank', '>', 0]], [['id', '>', 3]]), { nil: undefined, freq: 3 }),
    max_limit: fc.option(fc.integer({ min: 1, max: 80 }), { nil: undefined, freq: 3 }),
    allow_sensitive: fc.option(fc.boolean(), { nil: undefined, freq: 4 }),
  })
  .map((r) => {
    const out: Rule = { model: r.model, methods: r.methods };
    if (r.fields !== undefined) out.fields = r.fields;
    if (r.domain !== undefined) out.domain = r.domain;
    if (r.max_limit !== undefined) out.max_limit = r.max_limit;
    if (r.allow_sensitive !== undefined) out.allow_sensitive = r.allow_sensitive;
    return out;
  });

const keyArb: fc.Arbitrary<KeyScope> = fc
  .record({
    rules: fc.array(ruleArb, { minLength: 1, maxLength: 4 }),
    companies: fc.option(fc.constantFrom<number[]>([1], [1, 2]), { nil: undefined, freq: 4 }),
    context_keys: fc.option(fc.constantFrom<string[]>(['active_test'], ['tracking_disable'], ['update_many2many'], LOAD_CONTEXT_KEYS), { nil: undefined, freq: 5 }),
  })
  .map(({ rules, companies, context_keys }) => ({ id: '7f3a9c2e', name: 'fuzz', rules, limits: { ...(companies ? { companies } : {}), ...(context_keys ? { context_keys } : {}) } }));

/** Field names a spec's parameters mention (first path segments), for keys built around it. */
function specFields(spec: { method: string; params: Record<string, RpcValue> }): string[] {
  const p = spec.params;
  const out = new Set<string>([
    ...(spec.method === 'load' ? loadHeads(p.fields) : listFields(p.fields)), ...listFields(p.field_names), ...listFields(p.allfields), ...listFields(p.groupby), ...listFields(p.order),
    ...keysOf(p.vals), ...keysOf(p.vals_list), ...keysOf(p.default), ...keysOf(p.specification), ...domainFields(p.domain), ...domainFields(p.args),
    ...(Array.isArray(p.fields_to_export) ? p.fields_to_export.filter((x): x is string => typeof x === 'string').map((x) => x.split('/')[0]!) : []),
  ]);
  for (const f of ['id', '__count', '']) out.delete(f);
  return [...out];
}

const LIMITED_COMODELS: Rule[] = [
  { model: 'res.partner', methods: ['read', 'create', 'write'], domain: [['customer_rank', '>', 0]] },
  { model: 'crm.tag', methods: ['read'], domain: [['id', '>', 3]] },
  { model: 'res.partner', methods: ['read', 'write'], domain: [['id', '>', 3]] },
  { model: 'res.company', methods: ['read'], domain: [['id', '=', 1]] },
];

/** A key whose first rule is built around the call (its model or a glob, its method or a preset, its fields and more), then random rules. */
export function keyAround(spec: CallSpec): fc.Arbitrary<KeyScope> {
  const used = specFields(spec);
  return fc
    .tuple(
      keyArb,
      fc.constantFrom('exact', 'glob', 'star'),
      fc.boolean(),
      fc.option(fc.subarray(ALL_FIELDS.filter((f) => f !== 'id')), { nil: undefined, freq: 3 }),
      fc.boolean(),
      fc.constantFrom<'none' | 'write' | 'write in a domain'>('none', 'write', 'write in a domain'),
      fc.nat(),
    )
    .map(([key, how, preset, extra, dropOne, writer, pick]) => {
      const model = how === 'exact' || !/^[a-z]/.test(spec.model) ? spec.model : how === 'glob' ? `${spec.model.split('.')[0]}.*` : '*';
      const methods = preset && (READ_PRESET[19] ?? []).includes(spec.method) ? ['read'] : [spec.method];
      const rule: Rule = { model, methods };
      if (extra !== undefined) rule.fields = [...new Set([...(dropOne ? used.slice(1) : used), ...extra])].filter((f) => f !== 'secret_field' && f !== 'password');
      // A load updating records needs write as well: a rule for that now and then, on the same fields.
      if (spec.method === 'load') {
        const write: Rule[] = writer === 'none' ? [] : [{ model, methods: ['write'], ...(rule.fields ? { fields: rule.fields } : {}), ...(writer === 'write in a domain' ? { domain: [['id', '>', 3]] } : {}) }];
        // Rules limiting the linked models to domains, so that links must be checked upstream.
        return { ...key, rules: [rule, ...write, ...LIMITED_COMODELS.slice(0, pick % 5), ...key.rules] };
      }
      return { ...key, rules: [rule, ...key.rules] };
    });
}

export interface CallSpec {
  model: string;
  method: string;
  entry: 'execute_kw' | 'execute' | 'json2';
  ids?: RpcValue;
  params: Record<string, RpcValue>;
  context?: RpcValue;
  /** How many of the (method's) parameters go positionally, for execute_kw. */
  positional: number;
}

const ORDER: Record<string, string[]> = {
  search: ['domain', 'offset', 'limit', 'order'],
  search_read: ['domain', 'fields', 'offset', 'limit', 'order'],
  search_count: ['domain', 'limit'],
  read: ['fields'],
  name_search: ['name', 'args'],
  read_group: ['domain', 'fields', 'groupby', 'offset', 'limit', 'orderby'],
  create: ['vals_list'],
  write: ['vals'],
  copy: ['default'],
  fields_get: ['allfields'],
  export_data: ['fields_to_export'],
  web_read: ['specification'],
  web_search_read: ['domain', 'specification'],
  search_fetch: ['domain', 'field_names'],
  fetch: ['field_names'],
  load: ['fields', 'data'],
};
const RECORD_METHODS = new Set(['read', 'write', 'unlink', 'copy', 'export_data', 'web_read', 'fetch', 'action_confirm', 'message_post']);

export const callSpecArb: fc.Arbitrary<CallSpec> = fc
  .record({
    model: fc.oneof({ arbitrary: fc.constantFrom(...MODELS), weight: 8 }, fc.constantFrom(...ODD_MODELS)),
    method: fc.oneof({ arbitrary: fc.constantFrom(...METHODS), weight: 8 }, fc.constantFrom(...ODD_METHODS), { arbitrary: fc.constant('load'), weight: 2 }),
    entry: fc.constantFrom('execute_kw' as const, 'execute' as const, 'json2' as const),
    ids: idsArb,
    params: paramsArb,
    context: contextArb,
    positional: fc.nat(3),
      load: loadParamsArb,
    loadContext: loadContextArb,
  })
  .map((c) => {
    if (c.method === 'load') {
      const params: Record<string, RpcValue> = loadParams(c.model, c.load);
      if ('junk' in c.params && c.positional === 3 && c.load.odd === 0) params.junk = c.params.junk!;
      const spec: CallSpec = { model: c.model, method: c.method, entry: c.entry, params, positional: c.positional };
      const context = c.loadContext ?? c.context;
      if (context !== undefined) spec.context = context;
      return spec;
    }
    // Keep mostly the parameters the method takes (a few strays test the binder), in its order.
    const wanted = ORDER[c.method] ?? [];
    const params: Record<string, RpcValue> = {};
    for (const name of wanted) if (name in c.params) params[name] = c.params[name]!;
    if ('junk' in c.params && c.positional === 3) params[Object.keys(c.params)[0] ?? 'junk'] = c.params.junk!;
    const spec: CallSpec = { model: c.model, method: c.method, entry: c.entry, params, positional: c.positional };
    if (RECORD_METHODS.has(c.method) || c.method === 'read') spec.ids = c.ids;
    if (c.context !== undefined) spec.context = c.context;
    return spec;
  });

const TOKEN = 'odk_7f3a9c2e_FuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuz';

/** The call a client would send for a spec, in the spec's shape. */
export function callOf(spec: CallSpec): OdooCall {
  const names = (ORDER[spec.method] ?? Object.keys(spec.params)).filter((n) => n in spec.params);
  const extra = Object.keys(spec.params).filter((n) => !names.includes(n));
  if (spec.entry === 'json2') {
    const call: OdooCall = { protocol: 'json2', entry: 'json2', db: 'odoo19', uid: null, credential: TOKEN, model: spec.model, method: spec.method, args: [], kwargs: { ...spec.params } };
    if (spec.ids !== undefined) call.ids = spec.ids;
    if (spec.context !== undefined) call.context = spec.context;
    return call;
  }
  const args: RpcValue[] = [];
  if (spec.ids !== undefined) args.push(spec.ids);
  const kwargs: RpcStruct = {};
  if (spec.entry === 'execute') {
    for (const n of names) args.push(spec.params[n]!);
  } else {
    names.forEach((n, i) => {
      if (i < spec.positional) args.push(spec.params[n]!);
      else kwargs[n] = spec.params[n]!;
    });
    for (const n of extra) kwargs[n] = spec.params[n]!;
    if (spec.context !== undefined) kwargs.context = spec.context;
  }
  return { protocol: 'xmlrpc', entry: spec.entry, db: 'odoo19', uid: 2, credential: TOKEN, model: spec.model, method: spec.method, args, kwargs };
}

/** The database a fuzz target decides against: models' fields and ir.model.data's external ids. */
export interface FuzzWorld {
  schemas: Record<string, ModelSchema>;
  xmlids: Record<string, { model: string; id: number }>;
  /** ir.model ids and the model each names (one not here does not exist); answered when decide asks (need_schema irModels). */
  irModels?: Record<number, string>;
  /** The properties definition `field` of record `id` of `model` holds (null: it cannot be read); answered when asked (need_schema definitions). */
  definitions?: (model: string, id: number, field: string) => PropertiesDefinition | null;
  /** The many2one `field` of records `ids` (one entry per record found); answered when asked (need_schema current). */
  current?: (model: string, field: string, ids: readonly number[]) => (number | false)[] | null;
}
const FUZZ_WORLD: FuzzWorld = { schemas: FUZZ_SCHEMAS, xmlids: FUZZ_XMLIDS };

/** The fuzz env; `looked` holds the external ids the proxy has looked up in the world's ir.model.data for this call. */
function envFor(version: number, looked: ReadonlySet<string> = new Set(), world: FuzzWorld = FUZZ_WORLD, read: ReadonlySet<string> = new Set()): DecideEnv {
  const { irModels, definitions, current } = world;
  return {
    ip: '203.0.113.7', now: new Date('2026-11-30T10:00:00Z'), version, schema: (m) => world.schemas[m],
    externalId: (x) => (looked.has(x) ? (Object.prototype.hasOwnProperty.call(world.xmlids, x) ? world.xmlids[x]! : null) : undefined),
    // What the proxy reads upstream for a need_schema, given only once asked for (as the proxy's decideWithSchema).
    ...(irModels ? { irModelName: (id: number) => (read.has(`ir ${id}`) ? (Object.prototype.hasOwnProperty.call(irModels, id) ? irModels[id]! : null) : undefined) } : {}),
    ...(definitions ? { propertiesDefinition: (m: string, id: number, f: string, fresh?: boolean) => (read.has(defKey(m, id, f, fresh)) ? definitions(m, id, f) : undefined) } : {}),
    ...(current ? { currentLinks: (m: string, f: string, ids: readonly number[]) => (read.has(curKey(m, f, ids)) ? current(m, f, ids) : undefined) } : {}),
  };
}
const defKey = (m: string, id: number, f: string, fresh?: boolean): string => `def ${m} ${id} ${f}${fresh ? ' fresh' : ''}`;
const curKey = (m: string, f: string, ids: readonly number[]): string => `cur ${m} ${f} ${ids.join(',')}`;

/**
 * decide() as the proxy runs it: external ids it asks for (need_schema `xmlids`) are looked up in
 * FUZZ_XMLIDS and it decides again. Problems: an external id asked for twice, or a second look-up
 * (every external id of a call is asked for at once).
 */
export function decideLooked(key: KeyScope, call: OdooCall, version: number, base: Partial<DecideEnv> = {}, world: FuzzWorld = FUZZ_WORLD): { d: Decision; problems: string[] } {
  const looked = new Set<string>();
  const read = new Set<string>();
  const problems: string[] = [];
  let xmlidRounds = 0;
  for (let round = 0; ; round++) {
    const d = decide(key, call, { ...envFor(version, looked, world, read), ...base });
    if (d.verdict !== 'need_schema') return { d, problems };
    // ir.model ids, properties definitions and current many2one values, where the world has them.
    const reads = [
      ...(world.irModels ? (d.irModels ?? []).map((id) => `ir ${id}`) : []),
      ...(world.definitions ? (d.definitions ?? []).map((q) => defKey(q.model, q.id, q.field, q.fresh)) : []),
      ...(world.current ? (d.current ?? []).map((q) => curKey(q.model, q.field, q.ids)) : []),
    ];
    if (!d.xmlids?.length && !reads.length) return { d, problems };
    const readAgain = reads.filter((r) => read.has(r));
    if (readAgain.length) problems.push(`asked again for what was read: ${readAgain.join('; ')}`);
    const again = (d.xmlids ?? []).filter((x) => looked.has(x));
    if (again.length) problems.push(`asked again for external ids already looked up: ${again.join(', ')}`);
    if (d.xmlids?.length && xmlidRounds++ > 0) problems.push(`a second look-up of external ids (${d.xmlids.join(', ')})`);
    // The proxy stops after 8 rounds (decideWithSchema).
    if (again.length || readAgain.length || round > 7) return { d, problems };
    for (const x of d.xmlids ?? []) looked.add(x);
    for (const r of reads) read.add(r);
  }
}

const READ_PRESET: Record<number, string[]> = {
  18: ['search', 'search_read', 'read', 'search_count', 'name_search', 'fields_get', 'read_group', 'web_search_read', 'web_read', 'web_read_group', 'read_progress_bar', 'search_fetch', 'fetch', 'web_name_search'],
  19: ['search', 'search_read', 'read', 'search_count', 'name_search', 'fields_get', 'read_group', 'web_search_read', 'web_read', 'web_read_group', 'read_progress_bar', 'search_fetch', 'fetch', 'web_name_search', 'formatted_read_group', 'formatted_read_grouping_sets'],
};
const SENSITIVE = new Set(SENSITIVE_MODELS);
const SEARCHES = new Set(['search', 'search_read', 'search_count', 'web_search_read', 'search_fetch', 'read_group', 'name_search']);

export function globMatches(pattern: string, model: string): boolean {
  if (!pattern.includes('*')) return pattern === model;
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.]/g, '\\.')).join('.*')}$`).test(model);
}

/** Field names a domain's top-level leaves name (the first segment of each path). */
function domainFields(d: RpcValue | undefined): string[] {
  if (!Array.isArray(d)) return [];
  const out: string[] = [];
  for (const leaf of d) if (Array.isArray(leaf) && leaf.length === 3 && typeof leaf[0] === 'string') out.push(leaf[0].split('.')[0]!);
  return out;
}

function keysOf(v: RpcValue | undefined): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => keysOf(x));
  return v !== undefined && isStruct(v) ? Object.keys(v) : [];
}

/** Field names in a list of `f`, `f:agg`, `alias:agg(f)`, `f:granularity`, `a.b` entries. */
function listFields(v: RpcValue | undefined): string[] {
  const items = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  return items.map((s) => {
    const t = s.trim();
    const agg = /^\w+:\w+\((\w+)\)$/.exec(t);
    return (agg ? agg[1]! : t.split(':')[0]!).split('.')[0]!.split(/\s+/)[0]!;
  });
}

/** Load columns as Odoo splits them (fix_import_export_id_paths: 'a.id' is 'a/.id', 'a:id' is 'a/id'). */
function loadColumns(fields: RpcValue | undefined): string[][] {
  return (Array.isArray(fields) ? fields : []).map((f) => String(f).replace(/([^/])\.id/g, '$1/.id').replace(/([^/]):id/g, '$1/id').split('/'));
}

/** The fields a load writes on the imported model: its columns' first segments, but `id` and `.id`. */
function loadHeads(fields: RpcValue | undefined): string[] {
  return [...new Set(loadColumns(fields).map((s) => s[0]!))].filter((h) => h !== 'id' && h !== '.id');
}

/**
 * Problems with an allowed load (Odoo's import), read from docs/scopes.md's load row and Odoo's
 * BaseModel.load / ir.fields.converter, independently of the engine: every column's field in the
 * rule; rows naming existing records (`.id`, an external id ir.model.data has for a record of the
 * model, or one named on two rows) need a write rule with those fields, and under a domain their
 * records checked upstream; records linked by `/.id` and `/id` cells (external ids resolved in
 * FUZZ_XMLIDS), on the model and its lines, checked upstream wherever every rule on their model has
 * a domain, and none unresolved; many2many links of updated records read upstream; relations by
 * name a name search on a comodel rule without a domain; lines created or linked by a rule there;
 * external ids in another module need create on ir.model.data; created records inside the rule's
 * domain only through the context's default_<field>; companies inside the key's.
 */
function loadProblems(key: KeyScope, rule: Rule, model: string, params: Record<string, RpcValue>, context: RpcValue | undefined, checks: UpstreamCheck[]): string[] {
  const p: string[] = [];
  const { fields, data } = params;
  if (!Array.isArray(fields) || fields.some((f) => typeof f !== 'string') || !Array.isArray(data) || data.some((r) => !Array.isArray(r))) return ['a load whose columns or rows are not lists was allowed'];
  const rows = data as RpcValue[][];
  const ctx = isStruct(context ?? null) ? (context as RpcStruct) : {};
  const module = ctx.module === undefined ? '__import__' : ctx.module;
  if (typeof module !== 'string') return [`a load under context module ${JSON.stringify(module)} was allowed`];
  const cols = loadColumns(fields);
  const heads = loadHeads(fields);
  const schema = FUZZ_SCHEMAS[model] ?? {};
  const empty = (v: RpcValue | undefined): boolean => v === undefined || v === null || v === false || v === '';
  const full = (x: string): string => (x.includes('.') ? x : `${module}.${x}`);
  const reaches = (r: Rule, m: string): boolean => globMatches(r.model, m) && (!SENSITIVE.has(m) || (!r.model.includes('*') && r.allow_sensitive === true));
  const covers = (r: Rule, m: string, op: string, fs: string[] | undefined): boolean =>
    reaches(r, m) && r.methods.includes(op) && (fs === undefined ? !r.fields : !r.fields || fs.every((f) => r.fields!.includes(f)));
  const domainOnly = (m: string): boolean => {
    const rs = key.rules.filter((r) => reaches(r, m));
    return rs.length > 0 && rs.every((r) => !!r.domain && r.domain.length > 0);
  };
  const checked = (m: string, id: number): boolean =>
    checks.some((c) => (c.kind === 'ids_in_domain' && c.model === m && c.ids.includes(id)) || (c.kind === 'links_in_domain' && c.comodel === m && !!c.set && (c.set.ids.includes(id) || !!c.set.rows?.some((r) => r.ids.includes(id)))));
  const companies = key.limits.companies;
  // Fields written on the imported model.
  if (rule.fields) for (const h of heads) if (!rule.fields.includes(h)) p.push(`load column '${h}' is outside rule fields ${JSON.stringify(rule.fields)}`);
  for (const s of cols) if (s[0] !== 'id' && s[0] !== '.id' && s.length > 1 && !(schema[s[0]!]?.relation)) p.push(`load column '${s.join('/')}' goes through '${s[0]}', which is no relation`);
  for (const s of cols) if ((s[0] === 'id' || s[0] === '.id') && s.length > 1) p.push(`load column '${s.join('/')}' is no column`);
  // External ids written into ir.model.data: outside __import__ and __export__ they need create there.
  cols.forEach((s, i) => {
    if (!(s.length === 1 && s[0] === 'id') && !(s.length === 2 && s[1] === 'id' && schema[s[0]!]?.type === 'one2many')) return;
    for (const row of rows) {
      const cell = row[i];
      if (empty(cell)) continue;
      if (typeof cell !== 'string') p.push(`load column '${s.join('/')}': ${JSON.stringify(cell)} was taken as an external id`);
      const owner = String(cell).includes('.') ? String(cell).split('.')[0]! : module;
      if (owner !== '__import__' && owner !== '__export__' && !key.rules.some((r) => covers(r, 'ir.model.data', 'create', []))) p.push(`load column '${s.join('/')}' names the external id ${JSON.stringify(cell)} in module '${owner}' without create on ir.model.data`);
    }
  });
  // The records rows update: an external id wins over '.id'.
  const idCol = cols.findIndex((s) => s.length === 1 && s[0] === 'id');
  const dbCol = cols.findIndex((s) => s.length === 1 && s[0] === '.id');
  const owners: (number | null)[] = [];
  const seen = new Set<string>();
  const freeWrite = key.rules.some((r) => covers(r, model, 'write', heads) && !(r.domain && r.domain.length));
  let unnamed = false; // a row updating a record not known here (an external id named twice, a '.id' cell that is no id)
  for (const row of rows) {
    const x = idCol >= 0 ? row[idCol] : undefined;
    if (!empty(x)) {
      const xmlid = full(String(x));
      if (seen.has(xmlid)) unnamed = true;
      seen.add(xmlid);
      const rec = Object.prototype.hasOwnProperty.call(FUZZ_XMLIDS, xmlid) ? FUZZ_XMLIDS[xmlid]! : undefined;
      // Odoo refuses that row; it matters only where the engine must tell updates from creates.
      if (rec && rec.model !== model && !(freeWrite && !(rule.domain && rule.domain.length))) p.push(`a row's external id ${xmlid} names a ${rec.model} record, not a ${model} one`);
      owners.push(rec && rec.model === model ? rec.id : null);
      continue;
    }
    const y = dbCol >= 0 ? row[dbCol] : undefined;
    if (empty(y)) {
      owners.push(null);
      continue;
    }
    const n = typeof y === 'number' || typeof y === 'string' ? Number(String(y).trim()) : NaN;
    // A cell that is no id: Odoo fails the row, or updates a record nobody can name here.
    if (!Number.isSafeInteger(n) || n <= 0) unnamed = true;
    owners.push(Number.isSafeInteger(n) && n > 0 ? n : null);
  }
  const updated = [...new Set(owners.filter((o): o is number => o !== null))];
  const creates = owners.some((o, r) => o === null && (dbCol < 0 || empty(rows[r]![dbCol]) || (idCol >= 0 && !empty(rows[r]![idCol]))));
  if (updated.length || unnamed) {
    if (rule.domain && rule.domain.length) p.push(`rows update ${model} records (${updated.join(', ') || 'named twice'}) under the load rule's domain`);
    const writers = key.rules.filter((r) => covers(r, model, 'write', heads));
    if (!writers.length) p.push(`rows update ${model} records (${updated.join(', ') || 'an external id named twice'}) without a write rule on ${JSON.stringify(heads)}`);
    else if (!writers.some((r) => !r.domain || r.domain.length === 0)) {
      if (unnamed) p.push(`a row updates a ${model} record not known before the call (an external id named twice, or a '.id' cell that is no id), under write rules with domains`);
      for (const id of updated) if (!checks.some((c) => c.kind === 'ids_in_domain' && c.model === model && c.ids.includes(id))) p.push(`row updating ${model} ${id} is not checked against the write rule's domain`);
    }
  }
  // Created records inside the rule's domain: only through default_<field> for fields no column sets.
  /** The leaves of `domain` that records created with columns `set` may not satisfy (a context default_<field> decides the others). */
  const openLeaves = (domain: RpcValue[], set: string[]): RpcValue[] =>
    domain.filter((leaf) => {
      const [f, op, v] = Array.isArray(leaf) ? leaf : [];
      const dv = typeof f === 'string' ? ctx[`default_${f}`] : undefined;
      return !(typeof f === 'string' && !set.includes(f) && dv !== undefined && ((op === '=' && dv === v) || (op === '>' && typeof dv === 'number' && typeof v === 'number' && dv > v)));
    });
  if (creates && rule.domain && rule.domain.length) {
    for (const leaf of openLeaves(rule.domain, heads)) p.push(`rows create ${model} records that may lie outside the rule's domain leaf ${JSON.stringify(leaf)}`);
  }
  /** Ids a link cell names, by database id or external id (resolved); unresolvable ones are problems. */
  const idsOfCell = (cell: RpcValue | undefined, col: string, ref: string, several: boolean, comodel: string, strict = true): number[] => {
    if (empty(cell)) return [];
    const out: number[] = [];
    for (const part of several ? String(cell).split(',') : [String(cell)]) {
      if (ref === '.id') {
        const n = Number(part.trim());
        if (!/^\s*[0-9]+\s*$/.test(part) || !Number.isSafeInteger(n) || n <= 0) strict && p.push(`load column '${col}': ${JSON.stringify(cell)} was taken as record ids`);
        else out.push(n);
      } else {
        if (['', '0', 'false', 'no'].includes(part.toLowerCase())) continue;
        if (typeof cell !== 'string' && strict) p.push(`load column '${col}': ${JSON.stringify(cell)} was taken as an external id`);
        const rec = Object.prototype.hasOwnProperty.call(FUZZ_XMLIDS, full(part)) ? FUZZ_XMLIDS[full(part)]! : undefined;
        if (!rec || rec.model !== comodel) strict && p.push(`load column '${col}' links ${full(part)}, which names ${rec ? `a ${rec.model} record` : 'no record'}, not a ${comodel} one`);
        else out.push(rec.id);
      }
    }
    return out;
  };
  /** A many2one / many2many column (on the model or its lines): by name a name search, by id links. */
  const linkColumn = (col: string, i: number, info: { type: string; relation?: string }, ref: string | undefined, owned: (number | null)[] | null): void => {
    const comodel = info.relation!;
    const cells = rows.map((row) => row[i]);
    if (ref === undefined) {
      if (cells.some((c) => !empty(c)) && !key.rules.some((r) => covers(r, comodel, 'read', undefined) && !r.domain)) p.push(`load column '${col}' names ${comodel} records by name without a rule reading all of them`);
      if (cells.some((c) => !empty(c)) && comodel === 'res.company' && companies) p.push(`load column '${col}' names companies by name under a companies limit`);
      return;
    }
    // Unreadable or unresolved cells only matter where links are checked (Odoo fails the row otherwise).
    const limited = domainOnly(comodel) || (comodel === 'res.company' && !!companies);
    const ids = cells.flatMap((c) => idsOfCell(c, col, ref, info.type === 'many2many', comodel, limited));
    if (comodel === 'res.company' && companies) for (const id of ids) if (!companies.includes(id)) p.push(`load column '${col}' links company ${id}, outside the key's companies`);
    if (!domainOnly(comodel)) return;
    for (const id of ids) if (!checked(comodel, id)) p.push(`load column '${col}' links ${comodel} ${id} unchecked, while every rule there has a domain`);
    // A many2many cell sets the links of the record its row updates: the links it removes are read upstream.
    if (info.type === 'many2many' && owned) {
      for (const o of owned) if (o !== null && !checks.some((c) => c.kind === 'links_in_domain' && c.field === col.split('/')[0] && c.ids.includes(o))) p.push(`load column '${col}' replaces the ${comodel} links of ${model} ${o} without reading them upstream`);
    }
  };
  cols.forEach((s, i) => {
    const [head, ...rest] = s;
    const info = schema[head!];
    if (!info?.relation) return;
    const col = s.join('/');
    if (info.type !== 'one2many') {
      if (rest.length <= 1) linkColumn(col, i, info, rest[0], owners);
      return;
    }
    // One2many lines: sub-fields create lines; a reference links (moves) existing lines and updates them.
    const lineModel = info.relation;
    const line = FUZZ_SCHEMAS[lineModel] ?? {};
    const subs = [...new Set(cols.filter((t) => t[0] === head && t.length > 1 && t[1] !== 'id' && t[1] !== '.id').map((t) => t[1]!))];
    if (rest.length === 0 || rest[0] === 'id' || rest[0] === '.id') {
      const changed = [...(info.relation_field ? [info.relation_field] : []), ...subs];
      const writers = key.rules.filter((r) => covers(r, lineModel, 'write', changed));
      if (!writers.length) p.push(`load column '${col}' moves ${lineModel} lines without a write rule on ${JSON.stringify(changed)}`);
      else if (!writers.some((r) => !r.domain)) {
        if (rest[0] !== '.id') p.push(`load column '${col}' writes ${lineModel} lines it names ${rest[0] ? 'by external id' : 'by name'} under write rules with domains`);
        else for (const id of rows.flatMap((row) => idsOfCell(row[i], col, '.id', true, lineModel))) if (!checks.some((c) => c.kind === 'ids_in_domain' && c.model === lineModel && c.ids.includes(id))) p.push(`load column '${col}' writes ${lineModel} ${id} unchecked`);
      }
      if (rest.length === 0 && rows.some((row) => !empty(row[i])) && !key.rules.some((r) => covers(r, lineModel, 'read', undefined) && !r.domain)) p.push(`load column '${col}' names ${lineModel} lines by name without a rule reading all of them`);
      if (rest[0] === 'id') for (const row of rows) for (const part of empty(row[i]) ? [] : String(row[i]).split(',')) {
        const rec = FUZZ_XMLIDS[full(part)];
        if (rec && rec.model !== lineModel && !['', '0', 'false', 'no'].includes(part.toLowerCase())) p.push(`load column '${col}' names ${full(part)}, a ${rec.model} record, as a ${lineModel} line`);
      }
      return;
    }
    const inverse = info.relation_field ? [info.relation_field] : [];
    if (rest[0] === subs[0] && !key.rules.some((r) => covers(r, lineModel, 'create', subs) && (!r.domain || openLeaves(r.domain, [...subs, ...inverse]).length === 0))) p.push(`load columns ${JSON.stringify(subs)} create ${lineModel} lines without a create rule there on those fields whose domain they are known to lie inside`);
    const subInfo = line[rest[0]!];
    if (subInfo?.relation && subInfo.type !== 'one2many' && rest.length <= 2) linkColumn(col, i, subInfo, rest[1], null);
    if (rest.length > 1 && !subInfo?.relation) p.push(`load column '${col}' goes through '${rest[0]}', which is no relation`);
  });
  return p;
}

/**
 * Problems with an allow: what in the forwarded call lies outside the rule that allowed it. An
 * independent, deliberately simple reading of docs/scopes.md (over-approximations are fine: a
 * finding is investigated, then either the engine or this oracle is corrected).
 */
export function allowProblems(key: KeyScope, client: OdooCall, d: Extract<Decision, { verdict: 'allow' }>, version: number): string[] {
  const p: string[] = [];
  const rule = key.rules[d.rule];
  if (!rule) return [`allowed by rule ${d.rule}, which does not exist`];
  const model = client.model;
  const method = client.method;
  if (d.call.model !== model || d.call.method !== method) p.push('the forwarded call is on another model or method');
  if (!globMatches(rule.model, model)) p.push(`model ${model} is outside rule model ${rule.model}`);
  if (method.startsWith('_') || !/^[A-Za-z][A-Za-z0-9_]*$/.test(method)) p.push(`method ${JSON.stringify(method)} is not a plain public name`);
  if (!/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/.test(model)) p.push(`model ${JSON.stringify(model)} is not a plain name`);
  if (!(rule.methods.includes(method) || (rule.methods.includes('read') && (READ_PRESET[version] ?? READ_PRESET[19]!).includes(method)))) p.push(`method ${method} is outside rule methods ${rule.methods.join(',')}`);
  if (SENSITIVE.has(model) && (rule.model.includes('*') || rule.allow_sensitive !== true)) p.push(`sensitive model ${model} without an exact confirmed rule`);
  let fwd: ReturnType<typeof bindCall>;
  let orig: ReturnType<typeof bindCall>;
  try {
    fwd = bindCall(d.call, version);
    orig = bindCall(client, version);
  } catch (e) {
    return [...p, `the forwarded call does not bind: ${(e as Error).message}`];
  }
  // Context keys.
  const ctx = fwd.context;
  if (ctx !== undefined && ctx !== null && ctx !== false) {
    if (!isStruct(ctx)) p.push('context is not a dictionary');
    else {
      for (const k of Object.keys(ctx)) {
        const ok = HARMLESS_CONTEXT_KEYS.includes(k) || k === 'allowed_company_ids' || (key.limits.context_keys ?? []).includes(k) || (k.startsWith('default_') && (!rule.fields || rule.fields.includes(k.slice(8))));
        if (!ok) p.push(`context key ${k} is not allowed`);
      }
      const companies = key.limits.companies;
      const acid = ctx.allowed_company_ids;
      if (companies && acid !== undefined && (!Array.isArray(acid) || acid.some((c) => typeof c !== 'number' || !companies.includes(c)))) p.push(`allowed_company_ids ${JSON.stringify(acid)} outside ${JSON.stringify(companies)}`);
    }
  }
  if (method === 'load' && fwd.signature) return [...p, ...loadProblems(key, rule, model, fwd.params, fwd.context, d.checks)];
  if (!fwd.signature) return p; // methods outside the table: only their records are checked (docs/scopes.md)
  const params = fwd.params;
  // Fields.
  if (rule.fields) {
    const allowed = new Set([...rule.fields, 'id', '__count']);
    const touched: [string, string][] = [];
    for (const f of listFields(params.fields)) touched.push(['fields', f]);
    for (const f of listFields(params.field_names)) touched.push(['field_names', f]);
    for (const f of listFields(params.allfields)) touched.push(['allfields', f]);
    for (const f of listFields(params.groupby)) touched.push(['groupby', f]);
    for (const f of listFields(params.order)) touched.push(['order', f]);
    for (const f of listFields(params.orderby)) touched.push(['orderby', f]);
    for (const f of keysOf(params.vals)) touched.push(['vals', f]);
    for (const f of keysOf(params.vals_list)) touched.push(['vals_list', f]);
    for (const f of keysOf(params.default)) touched.push(['default', f]);
    for (const f of keysOf(params.specification)) touched.push(['specification', f]);
    // The client's own domain (the forwarded one also holds the rule's domain, which may name other fields).
    for (const f of domainFields(orig.params.domain)) touched.push(['domain', f]);
    for (const f of domainFields(orig.params.args)) touched.push(['args', f]);
    for (const [where, f] of touched) if (f && !allowed.has(f)) p.push(`${where} names ${f}, outside rule fields ${JSON.stringify(rule.fields)}`);
    if ((fwd.signature.kind === 'read' || method === 'search_read') && ['fields', 'field_names'].every((n) => !(n in params) || params[n] === false || params[n] === null || (Array.isArray(params[n]) && (params[n] as RpcValue[]).length === 0))) {
      if (method !== 'export_data' && method !== 'web_read') p.push('a read with no field list (every field) was forwarded under a field list');
    }
  }
  // Through relations: a dotted path in the client's domain reads the comodel; x2many commands in
  // written values create, update or delete records of the comodel; a specification reads it.
  // Each needs a rule of its own on the comodel (docs/scopes.md, "Domains" and "x2many commands").
  const schema = FUZZ_SCHEMAS[model] ?? {};
  const comodelRule = (comodel: string, needs: string, field?: string): boolean =>
    key.rules.some((r) => {
      if (!globMatches(r.model, comodel)) return false;
      if (SENSITIVE.has(comodel) && (r.model.includes('*') || r.allow_sensitive !== true)) return false;
      const methods = needs === 'read' ? (r.methods.includes('read') || r.methods.some((m) => ['search_read', 'read', 'search', 'name_search'].includes(m))) : r.methods.includes(needs);
      return methods && (field === undefined || !r.fields || r.fields.includes(field));
    });
  const leaves = [...(Array.isArray(orig.params.domain) ? orig.params.domain : []), ...(Array.isArray(orig.params.args) ? orig.params.args : [])];
  for (const leaf of leaves) {
    if (!Array.isArray(leaf) || leaf.length !== 3 || typeof leaf[0] !== 'string' || !leaf[0].includes('.')) continue;
    const [head, next] = leaf[0].split('.') as [string, string];
    const comodel = schema[head]?.relation;
    if (comodel && FUZZ_SCHEMAS[comodel] && !comodelRule(comodel, 'read', next)) p.push(`domain path ${leaf[0]} reads ${comodel}.${next} without a rule there`);
  }
  const valsLists = [params.vals, params.default, ...(Array.isArray(params.vals_list) ? params.vals_list : [params.vals_list])].filter((v): v is RpcStruct => v !== undefined && isStruct(v));
  for (const vals of valsLists) {
    for (const [f, v] of Object.entries(vals)) {
      const info = schema[f];
      if (!info?.relation || !Array.isArray(v) || !FUZZ_SCHEMAS[info.relation]) continue;
      for (const cmd of v) {
        if (!Array.isArray(cmd) || typeof cmd[0] !== 'number') continue;
        const inner = isStruct(cmd[2] ?? null) ? Object.keys(cmd[2] as RpcStruct) : [];
        const need = cmd[0] === 0 ? 'create' : cmd[0] === 1 ? 'write' : cmd[0] === 2 || (info.type === 'one2many' && [3, 5, 6].includes(cmd[0])) ? 'unlink' : null;
        if (!need) continue;
        if (!comodelRule(info.relation, need) || inner.some((x) => !comodelRule(info.relation!, need, x))) p.push(`command ${cmd[0]} on ${f} (${info.relation}) without a ${need} rule there covering ${JSON.stringify(inner)}`);
      }
    }
  }
  if (isStruct(params.specification ?? null)) {
    for (const [f, sub] of Object.entries(params.specification as RpcStruct)) {
      const comodel = schema[f]?.relation;
      if (!comodel || !FUZZ_SCHEMAS[comodel] || !isStruct(sub) || !isStruct(sub.fields ?? null)) continue;
      for (const g of Object.keys(sub.fields as RpcStruct)) if (!comodelRule(comodel, 'read', g)) p.push(`specification ${f}.${g} reads ${comodel} without a rule there`);
    }
  }
  // Searches: the rule's domain ANDed in, the limit capped.
  if (SEARCHES.has(method) && method !== 'name_search') {
    const dom = JSON.stringify(params.domain ?? params.args ?? []);
    for (const leaf of rule.domain ?? []) if (!dom.includes(JSON.stringify(leaf))) p.push(`the rule's domain leaf ${JSON.stringify(leaf)} is missing from the forwarded search`);
    if (rule.max_limit && method !== 'search_count' && method !== 'read_group') {
      const limit = params.limit;
      if (typeof limit !== 'number' || limit <= 0 || limit > rule.max_limit) p.push(`limit ${JSON.stringify(limit)} passes max_limit ${rule.max_limit}`);
    }
  }
  // Records named by id: checked upstream against the rule's domain.
  if (rule.domain && fwd.signature.records) {
    const ids = Array.isArray(fwd.ids) ? fwd.ids : fwd.ids === undefined || fwd.ids === false ? [] : [fwd.ids];
    if (ids.length > 0 && !d.checks.some((c) => c.model === model && JSON.stringify(c.domain).includes(JSON.stringify(rule.domain![0])))) p.push(`ids ${JSON.stringify(ids)} are not checked against the rule's domain`);
  }
  return p;
}

/** decide() on a spec, in every version this fuzzer knows; returns the problems found. */
export function decideProblems(key: KeyScope, spec: CallSpec): string[] {
  const problems: string[] = [];
  for (const version of [18, 19]) {
    const call = callOf(spec);
    let d: Decision;
    try {
      const r = decideLooked(key, call, version);
      d = r.d;
      for (const x of r.problems) problems.push(`${version}: ${x}`);
    } catch (e) {
      return [`decide threw on ${version}: ${(e as Error).stack}`];
    }
    if (d.verdict === 'need_schema' && d.models.some((m) => m in FUZZ_SCHEMAS)) problems.push(`need_schema for ${d.models.join(', ')}, whose schema was given`);
    if (d.verdict === 'deny' && (typeof d.reason !== 'string' || d.reason.includes(TOKEN) || d.reason.includes(TOKEN.slice(13)))) problems.push('a denial reason is missing or quotes the key');
    if (d.verdict === 'allow') for (const x of allowProblems(key, call, d, version)) problems.push(`${version}: ${x}`);
  }
  return problems;
}

/** Ways to step an allowed call outside its scope. */
export type Mutation = 'unlisted field' | 'private method' | 'method case' | 'method look-alike' | 'other model' | 'sensitive model' | 'risky context' | 'company';

export function mutateSpec(spec: CallSpec, m: Mutation, pick: number): CallSpec {
  const out: CallSpec = { ...spec, params: { ...spec.params } };
  switch (m) {
    case 'unlisted field': {
      const where = ['fields', 'domain', 'order', 'vals', 'vals_list', 'default', 'groupby'][pick % 7]!;
      if (where === 'fields') out.params.fields = [...(Array.isArray(spec.params.fields) ? spec.params.fields : []), 'secret_field'];
      else if (where === 'domain') out.params.domain = [...(Array.isArray(spec.params.domain) ? spec.params.domain : []), ['secret_field', '=', 1]];
      else if (where === 'order') out.params.order = 'secret_field desc';
      else if (where === 'groupby') out.params.groupby = ['secret_field'];
      else out.params[where] = { ...(isStruct(spec.params[where] ?? null) ? (spec.params[where] as RpcStruct) : {}), secret_field: 'x' };
      break;
    }
    case 'private method':
      out.method = `_${spec.method}`;
      break;
    case 'method case':
      out.method = spec.method.toUpperCase();
      break;
    case 'method look-alike':
      out.method = ['\u200b', ' ', '\n', '\u0000'][pick % 4]! + spec.method;
      break;
    case 'other model':
      out.model = ['crm.leads', 'crm.lead.x', 'res.partners', 'mail.message'][pick % 4]!;
      break;
    case 'sensitive model':
      out.model = ['res.users.apikeys', 'ir.config_parameter', 'res.users', 'ir.model.access'][pick % 4]!;
      break;
    case 'risky context':
      out.context = { ...(isStruct(spec.context ?? null) ? (spec.context as RpcStruct) : {}), [['su', 'uid', 'active_test', 'tracking_disable'][pick % 4]!]: true };
      if (out.entry === 'execute') out.entry = 'execute_kw';
      break;
    case 'company':
      out.context = { ...(isStruct(spec.context ?? null) ? (spec.context as RpcStruct) : {}), allowed_company_ids: [99] };
      if (out.entry === 'execute') out.entry = 'execute_kw';
      break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The targets.

export interface FuzzTarget {
  name: string;
  /** Runs for the short, fixed-seed run in the normal tests. */
  quickRuns: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  property(corpus: Corpus): fc.IProperty<any>;
}

export const TARGETS: FuzzTarget[] = [
  {
    name: 'xml-rpc decoder: mutated recordings',
    quickRuns: 1500,
    property: (c) => fc.property(fc.oneof({ arbitrary: mutated(c.xml, XML_TOKENS), weight: 9 }, deepArb('xml')), (body) => checkXmlBody(body)),
  },
  {
    name: 'xml-rpc decoder: generated values survive encode and decode',
    quickRuns: 400,
    property: () =>
      fc.property(fc.tuple(fc.string({ unit: 'binary-ascii' }).filter((s) => !XML_BAD.test(s)), fc.array(rpcValueArb, { maxLength: 4 })), ([name, params]) => {
        const back = decodeMethodCall(encodeMethodCall(name, params));
        if (back.methodName !== name || !same(back.params, params)) throw new Error('a value did not survive XML-RPC');
      }),
  },
  {
    name: 'json decoder: mutated recordings',
    quickRuns: 1500,
    property: (c) => fc.property(fc.oneof({ arbitrary: mutated(c.json, JSON_TOKENS), weight: 9 }, deepArb('json')), (body) => checkJsonBody(body)),
  },
  {
    name: 'json decoder: generated JSON agrees with JSON.parse',
    quickRuns: 400,
    property: () => fc.property(fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))), (body) => checkJsonBody(body)),
  },
  {
    name: 'decide: generated keys and calls never allow outside the rule',
    quickRuns: 1500,
    property: () =>
      fc.property(fc.tuple(keyArb, callSpecArb), ([key, spec]) => {
        const problems = decideProblems(key, spec);
        if (problems.length) throw new Error(problems.join('\n'));
      }),
  },
  {
    name: 'decide: keys built around the call never allow outside the rule',
    quickRuns: 1500,
    property: () =>
      fc.property(callSpecArb.chain((spec) => fc.tuple(keyAround(spec), fc.constant(spec))), ([key, spec]) => {
        const problems = decideProblems(key, spec);
        if (problems.length) throw new Error(problems.join('\n'));
      }),
  },
  {
    name: 'decide: allowed calls mutated to step outside stay outside',
    quickRuns: 800,
    property: () =>
      fc.property(
        fc.tuple(callSpecArb.chain((spec) => fc.tuple(keyAround(spec), fc.constant(spec))), fc.constantFrom<Mutation>('unlisted field', 'private method', 'method case', 'method look-alike', 'other model', 'sensitive model', 'risky context', 'company'), fc.nat()),
        ([[key, spec], m, pick]) => {
          // No rule confirmed for sensitive models here: stepping onto one must then always be refused.
          const ruled: KeyScope = { ...key, rules: key.rules.map(({ allow_sensitive: _a, ...r }) => r) };
          const d = decideLooked(ruled, callOf(spec), 19).d;
          if (d.verdict !== 'allow') return; // only allowed calls are mutated
          const bad = mutateSpec(spec, m, pick);
          const d2 = decideLooked(ruled, callOf(bad), 19).d;
          if (d2.verdict !== 'allow') return;
          const problems = allowProblems(ruled, callOf(bad), d2, 19);
          // Stepping to another model, a private or look-alike method, or a sensitive model is never allowed at all.
          if (['private method', 'method look-alike', 'sensitive model'].includes(m)) problems.push(`${m} was allowed`);
          if (m === 'other model' && !ruled.rules.some((r) => globMatches(r.model, bad.model))) problems.push('a model no rule names was allowed');
          if (m === 'method case' && bad.method !== spec.method && !ruled.rules.some((r) => r.methods.includes(bad.method))) problems.push('a method in another case was allowed');
          if (problems.length) throw new Error(`${m}: ${problems.join('\n')}`);
        },
      ),
  },
  {
    name: 'decide: calls of the recordings, with keys around them',
    quickRuns: 600,
    property: (c) =>
      fc.property(fc.tuple(fc.nat(Math.max(0, c.calls.length - 1)), keyArb, fc.boolean()), ([i, key, exact]) => {
        const call = c.calls[i]!;
        // A key whose first rule names the recorded call's model and method (often enough to allow).
        const rule: Rule = { model: exact ? call.model : `${call.model.split('.')[0]}.*`, methods: [call.method], ...(key.rules[0]!.fields ? { fields: key.rules[0]!.fields } : {}) };
        const k: KeyScope = { ...key, rules: [rule, ...key.rules] };
        for (const version of [18, 19]) {
          let d: Decision;
          try {
            d = decideLooked(k, call, version, { schema: (m) => FUZZ_SCHEMAS[m] ?? {} }).d;
          } catch (e) {
            throw new Error(`decide threw: ${(e as Error).stack}`);
          }
          if (d.verdict === 'allow') {
            const problems = allowProblems(k, call, d, version);
            if (problems.length) throw new Error(problems.join('\n'));
          }
        }
      }),
  },
];
