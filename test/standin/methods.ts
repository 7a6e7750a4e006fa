// The public model methods the stand-in serves, with their Python signatures, and the two ways
// Odoo calls them: call_kw (XML-RPC and JSON-RPC: positional args with the ids first for record
// methods, Python's own TypeError messages) and JSON-2 (named arguments bound with
// inspect.signature, ids and context apart, 422 on binding errors).

import { isStruct, numberOf, type RpcStruct, type RpcValue } from '../../src/rpc/values.js';
import { Env } from './orm.js';
import type { ModelDef, Version } from './fields.js';
import { pyRepr, raise } from './raise.js';

export interface Param {
  name: string;
  /** Absent: required. */
  default?: RpcValue;
  kwOnly?: boolean;
}

/** A method result that is a recordset: call_kw and JSON-2 turn it into its ids. */
export class Recordset {
  constructor(
    readonly model: string,
    readonly ids: number[],
  ) {}
}

export type MethodResult = RpcValue | Recordset;

export interface MethodSpec {
  /** @api.model (no ids), @api.model_create_multi, or a record method (ids first). */
  api: 'model' | 'model_create' | 'records';
  params: Param[];
  /** The method takes **kwargs. */
  varKw?: boolean;
  /** Python class that defines it, for TypeError messages ("UtmMixin.default_get() takes ..."). */
  owner: (model: ModelDef) => string;
  run: (env: Env, model: string, ids: number[], a: Record<string, RpcValue>, extra: RpcStruct) => MethodResult;
}

const req = (name: string): Param => ({ name });
const opt = (name: string, def: RpcValue): Param => ({ name, default: def });
const base = (): string => 'BaseModel';

function num(v: RpcValue, fallback: number | null): number | null {
  // '' as limit or offset reaches Odoo's Query, which writes LIMIT / OFFSET only when truthy.
  if (v === null || v === false || v === undefined || v === '') return fallback;
  const n = numberOf(v);
  if (n === undefined) throw raise.typeError(`'${typeof v === 'string' ? 'str' : 'list'}' object cannot be interpreted as an integer`);
  return n;
}

function orderOf(v: RpcValue): string | null {
  if (v === null || v === false || v === undefined) return null;
  if (typeof v !== 'string') throw raise.valueError(`Invalid "order" specified (${pyRepr(v)}).`);
  return v;
}

function domainArg(v: RpcValue): RpcValue {
  if (v === null || v === false || v === undefined) return [];
  if (!Array.isArray(v)) throw raise.valueError(`Invalid domain: ${pyRepr(v)}`);
  return v;
}

/** Every method, by name; `available` says which models offer it. */
export function methodTable(version: Version): Map<string, MethodSpec & { available?: (m: ModelDef) => boolean }> {
  const t = new Map<string, MethodSpec & { available?: (m: ModelDef) => boolean }>();
  t.set('create', {
    api: 'model_create',
    params: [req('vals_list')],
    owner: base,
    run: (env, model, _ids, a) => {
      const v = a.vals_list!;
      const list = isStruct(v) ? [v] : Array.isArray(v) ? v : null;
      if (!list) throw raise.builtin('AttributeError', `'${typeof v === 'string' ? 'str' : typeof v === 'number' ? 'int' : 'bool'}' object has no attribute 'items'`);
      return new Recordset(model, env.create(model, list as RpcStruct[]));
    },
  });
  t.set('load', {
    api: 'model',
    params: [req('fields'), req('data')],
    owner: base,
    run: (env, model, _ids, a) => env.load(model, a.fields!, a.data!),
  });
  t.set('search', {
    api: 'model',
    params: [req('domain'), opt('offset', 0), opt('limit', null), opt('order', null)],
    owner: base,
    run: (env, model, _ids, a) => new Recordset(model, env.search(model, domainArg(a.domain!), { offset: num(a.offset!, 0)!, limit: num(a.limit!, null), order: orderOf(a.order!) })),
  });
  t.set('search_count', {
    api: 'model',
    params: [req('domain'), opt('limit', null)],
    owner: base,
    run: (env, model, _ids, a) => env.searchCount(model, domainArg(a.domain!), num(a.limit!, null)),
  });
  t.set('search_read', {
    api: 'model',
    params: [opt('domain', null), opt('fields', null), opt('offset', 0), opt('limit', null), opt('order', null)],
    varKw: true,
    owner: base,
    run: (env, model, _ids, a, extra) => {
      const ids = env.search(model, domainArg(a.domain!), { offset: num(a.offset!, 0)!, limit: num(a.limit!, null), order: orderOf(a.order!) });
      if (!ids.length) return [];
      return env.read(model, ids, a.fields!, 'load' in extra ? extra.load! : '_classic_read');
    },
  });
  t.set('read', {
    api: 'records',
    params: [opt('fields', null), opt('load', '_classic_read')],
    owner: base,
    run: (env, model, ids, a) => env.read(model, ids, a.fields!, a.load!),
  });
  t.set('write', { api: 'records', params: [req('vals')], owner: base, run: (env, model, ids, a) => env.write(model, ids, a.vals as RpcStruct) });
  t.set('unlink', { api: 'records', params: [], owner: base, run: (env, model, ids) => env.unlink(model, ids) });
  t.set('copy', { api: 'records', params: [opt('default', null)], owner: base, run: (env, model, ids, a) => new Recordset(model, env.copy(model, ids, a.default!)) });
  // BaseModel.get_metadata: read(LOG_ACCESS_COLUMNS) plus the records' external ids (none here).
  t.set('get_metadata', {
    api: 'records',
    params: [],
    owner: base,
    run: (env, model, ids) => env.read(model, ids, ['create_uid', 'create_date', 'write_uid', 'write_date']).map((r) => ({ ...r, xmlid: false, xmlids: [], noupdate: false })),
  });
  t.set('exists', { api: 'records', params: [], owner: base, run: (env, model, ids) => new Recordset(model, env.existing(model, ids)) });
  t.set('fields_get', {
    api: 'model',
    params: [opt('allfields', null), opt('attributes', null)],
    owner: base,
    run: (env, model, _ids, a) => env.fieldsGet(model, a.allfields!, a.attributes!),
  });
  t.set('name_search', {
    api: 'model',
    params: [opt('name', ''), opt(version >= 19 ? 'domain' : 'args', null), opt('operator', 'ilike'), opt('limit', 100)],
    owner: base,
    run: (env, model, _ids, a) => env.nameSearch(model, a.name!, a[version >= 19 ? 'domain' : 'args']!, a.operator!, a.limit!),
  });
  t.set('name_create', { api: 'model', params: [req('name')], owner: base, run: (env, model, _ids, a) => env.nameCreate(model, a.name!) });
  t.set('default_get', {
    api: 'model',
    params: [req(version >= 19 ? 'fields' : 'fields_list')],
    owner: (m) => (m.name === 'crm.lead' ? 'UtmMixin' : m.mailThread ? 'MailThread' : 'BaseModel'),
    run: (env, model, _ids, a) => env.defaultGet(model, a[version >= 19 ? 'fields' : 'fields_list']!),
  });
  t.set('read_group', {
    api: 'model',
    params: [req('domain'), req('fields'), req('groupby'), opt('offset', 0), opt('limit', null), opt('orderby', false), opt('lazy', true)],
    owner: base,
    run: (env, model, _ids, a) => env.readGroup(model, domainArg(a.domain!), a.fields!, a.groupby!, a.offset!, a.limit!, a.orderby!, a.lazy!),
  });
  if (version >= 19) {
    t.set('formatted_read_group', {
      api: 'model',
      params: [req('domain'), opt('groupby', []), opt('aggregates', []), opt('having', []), opt('offset', 0), opt('limit', null), opt('order', null)],
      owner: base,
      run: (env, model, _ids, a) => env.formattedReadGroup(model, domainArg(a.domain!), a.groupby!, a.aggregates!, a.offset!, a.limit!),
    });
    t.set('has_access', { api: 'records', params: [req('operation')], owner: base, run: (env, model, _ids, a) => hasAccess(env, model, a.operation!) });
    t.set('check_access', {
      api: 'records',
      params: [req('operation')],
      owner: base,
      run: (env, model, _ids, a) => {
        env.checkAccess(model, operationOf(a.operation!));
        return null;
      },
    });
  } else {
    t.set('check_access_rights', {
      api: 'model',
      params: [req('operation'), opt('raise_exception', true)],
      owner: base,
      run: (env, model, _ids, a) => {
        if (a.raise_exception === false) return hasAccess(env, model, a.operation!);
        env.checkAccess(model, operationOf(a.operation!));
        return true;
      },
    });
  }
  t.set('web_search_read', {
    api: 'model',
    params: [req('domain'), req('specification'), opt('offset', 0), opt('limit', null), opt('order', null), opt('count_limit', null)],
    owner: base,
    run: (env, model, _ids, a) => env.webSearchRead(model, domainArg(a.domain!), a.specification!, a.offset!, a.limit!, a.order!, a.count_limit!),
  });
  t.set('web_read', { api: 'records', params: [req('specification')], owner: base, run: (env, model, ids, a) => env.webRead(model, ids, a.specification!) });
  const hasActive = (m: ModelDef): boolean => m.fields.has('active');
  t.set('action_archive', { api: 'records', params: [], owner: base, available: hasActive, run: (env, model, ids) => env.setActive(model, ids, false) });
  t.set('action_unarchive', { api: 'records', params: [], owner: base, available: hasActive, run: (env, model, ids) => env.setActive(model, ids, true) });
  if (version < 19) t.set('toggle_active', { api: 'records', params: [], owner: base, available: hasActive, run: (env, model, ids) => env.setActive(model, ids, 'toggle') });
  t.set('message_post', {
    api: 'records',
    params: [
      { name: 'body', default: '', kwOnly: true },
      { name: 'subject', default: null, kwOnly: true },
      { name: 'message_type', default: 'notification', kwOnly: true },
      { name: 'email_from', default: null, kwOnly: true },
      { name: 'author_id', default: null, kwOnly: true },
      { name: 'parent_id', default: false, kwOnly: true },
      { name: 'subtype_xmlid', default: null, kwOnly: true },
      { name: 'subtype_id', default: false, kwOnly: true },
      { name: 'partner_ids', default: null, kwOnly: true },
      { name: 'attachments', default: null, kwOnly: true },
      { name: 'attachment_ids', default: null, kwOnly: true },
      { name: 'body_is_html', default: false, kwOnly: true },
    ],
    varKw: true,
    owner: () => 'MailThread',
    available: (m) => Boolean(m.mailThread),
    run: (env, model, ids, a) => {
      const id = env.messagePost(model, ids, a as RpcStruct);
      // 18.0 decorates message_post with @api.returns: the id; 19.0 returns the record, hence [id].
      return version >= 19 ? new Recordset('mail.message', [id]) : id;
    },
  });
  // res_users.py: the user's lang and tz (read), then uid = env.uid, in that order.
  t.set('context_get', {
    api: 'model',
    params: [],
    owner: () => 'ResUsers',
    available: (m) => m.name === 'res.users',
    run: (env): RpcStruct => {
      const user = env.orm.record('res.users', env.uid);
      // lang and tz are the user's partner's (inherited fields)
      return user ? { lang: env.orm.valueOf('res.users', user, 'lang') || 'en_US', tz: env.orm.valueOf('res.users', user, 'tz'), uid: env.uid } : {};
    },
  });
  const isLead = (m: ModelDef): boolean => m.name === 'crm.lead';
  t.set('action_set_won', { api: 'records', params: [], owner: () => 'Lead', available: isLead, run: (env, _model, ids) => env.actionSetWon(ids) });
  t.set('action_set_lost', { api: 'records', params: [], varKw: true, owner: () => 'Lead', available: isLead, run: (env, _model, ids, _a, extra) => env.actionSetLost(ids, extra) });
  const isOrder = (m: ModelDef): boolean => m.name === 'sale.order';
  t.set('action_confirm', { api: 'records', params: [], owner: () => 'SaleOrder', available: isOrder, run: (env, model, ids) => env.setState(model, ids, 'sale') });
  t.set('action_cancel', { api: 'records', params: [], owner: () => 'SaleOrder', available: isOrder, run: (env, model, ids) => env.setState(model, ids, 'cancel') });
  t.set('action_draft', { api: 'records', params: [], owner: () => 'SaleOrder', available: isOrder, run: (env, model, ids) => env.setState(model, ids, 'draft') });
  return t;
}

function operationOf(v: RpcValue): 'read' | 'write' | 'create' | 'unlink' {
  if (v === 'read' || v === 'write' || v === 'create' || v === 'unlink') return v;
  throw raise.valueError(`Invalid access mode ${pyRepr(v)}`);
}

function hasAccess(env: Env, model: string, operation: RpcValue): boolean {
  try {
    env.checkAccess(model, operationOf(operation));
    return true;
  } catch {
    return false;
  }
}

/** Looks a method up on a model; undefined when the model has no such public method. */
export function findMethod(table: ReturnType<typeof methodTable>, model: ModelDef, name: string): MethodSpec | undefined {
  const m = table.get(name);
  if (!m) return undefined;
  if (m.available && !m.available(model)) return undefined;
  return m;
}

function quotedList(names: string[]): string {
  const q = names.map((n) => `'${n}'`);
  if (q.length === 1) return q[0]!;
  if (q.length === 2) return `${q[0]} and ${q[1]}`;
  return `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
}

/** Binds a Python call `method(self, *args, **kwargs)`, raising the TypeError CPython would. */
export function bindPython(qualname: string, spec: MethodSpec, args: RpcValue[], kwargs: RpcStruct): { bound: Record<string, RpcValue>; extra: RpcStruct } {
  const positional = spec.params.filter((p) => !p.kwOnly);
  const bound: Record<string, RpcValue> = {};
  const extra: RpcStruct = {};
  positional.forEach((p, i) => {
    if (i < args.length) bound[p.name] = args[i]!;
  });
  for (const [k, v] of Object.entries(kwargs)) {
    const p = spec.params.find((x) => x.name === k);
    if (!p) {
      if (spec.varKw) extra[k] = v;
      else throw raise.typeError(`${qualname}() got an unexpected keyword argument '${k}'`);
    } else if (k in bound) {
      throw raise.typeError(`${qualname}() got multiple values for argument '${k}'`);
    } else bound[k] = v;
  }
  if (args.length > positional.length) {
    const total = positional.length + 1;
    const required = positional.filter((p) => !('default' in p)).length + 1;
    const given = args.length + 1;
    const takes = required === total ? `${total} positional argument${total === 1 ? '' : 's'}` : `from ${required} to ${total} positional arguments`;
    throw raise.typeError(`${qualname}() takes ${takes} but ${given} ${given === 1 ? 'was' : 'were'} given`);
  }
  const missingPos = positional.filter((p) => !('default' in p) && !(p.name in bound)).map((p) => p.name);
  if (missingPos.length) throw raise.typeError(`${qualname}() missing ${missingPos.length} required positional argument${missingPos.length > 1 ? 's' : ''}: ${quotedList(missingPos)}`);
  const missingKw = spec.params.filter((p) => p.kwOnly && !('default' in p) && !(p.name in bound)).map((p) => p.name);
  if (missingKw.length) throw raise.typeError(`${qualname}() missing ${missingKw.length} required keyword-only argument${missingKw.length > 1 ? 's' : ''}: ${quotedList(missingKw)}`);
  for (const p of spec.params) if (!(p.name in bound)) bound[p.name] = p.default ?? null;
  return { bound, extra };
}

/** Binds named arguments as inspect.Signature.bind(records, **kwargs) does (JSON-2), raising 422 on failure. */
export function bindNamed(spec: MethodSpec, kwargs: RpcStruct): { bound: Record<string, RpcValue>; extra: RpcStruct } {
  const bound: Record<string, RpcValue> = {};
  for (const p of spec.params) {
    if (p.name in kwargs) bound[p.name] = kwargs[p.name]!;
    else if ('default' in p) bound[p.name] = p.default ?? null;
    else throw raise.http(422, `missing a required argument: '${p.name}'`);
  }
  const extra: RpcStruct = {};
  for (const [k, v] of Object.entries(kwargs)) {
    if (spec.params.some((p) => p.name === k)) continue;
    if (!spec.varKw) throw raise.http(422, `got an unexpected keyword argument '${k}'`);
    extra[k] = v;
  }
  return { bound, extra };
}

/** odoo.api.call_kw as XML-RPC and JSON-RPC reach it. */
export function callKw(env: Env, model: ModelDef, name: string, spec: MethodSpec, args: RpcValue[], kwargs: RpcStruct): RpcValue {
  let ids: number[] = [];
  let rest = args;
  if (spec.api === 'records') {
    if (args.length === 0) throw raise.builtin('IndexError', 'list index out of range');
    ids = Env.idsOf(args[0]!);
    rest = args.slice(1);
  }
  const kw = { ...kwargs };
  const context = kw.context;
  delete kw.context;
  const scoped = isStruct(context) ? env.withContext(context) : env;
  scoped.companies(); // allowed_company_ids outside the user's companies: AccessError, as env.companies raises
  const qualname = `${spec.owner(model)}.${name}`;
  const { bound, extra } = bindPython(qualname, spec, rest, kw);
  const result = spec.run(scoped, model.name, ids, bound, extra);
  if (spec.api === 'model_create' && result instanceof Recordset) return isStruct(rest[0]) ? result.ids[0]! : result.ids;
  return result instanceof Recordset ? result.ids : result;
}

/** The JSON-2 controller's call: ids and context apart, the rest bound by name. */
export function callJson2(env: Env, model: ModelDef, name: string, spec: MethodSpec, body: RpcStruct): RpcValue {
  const { ids: rawIds, context, ...kwargs } = body;
  const ids = rawIds === undefined ? [] : Env.idsOf(rawIds);
  if ((spec.api === 'model' || spec.api === 'model_create') && ids.length) throw raise.http(422, `cannot call ${model.name}.${name} with ids`);
  const scoped = isStruct(context) ? env.withContext(context) : env;
  const { bound, extra } = bindNamed(spec, kwargs);
  scoped.companies();
  const result = spec.run(scoped, model.name, ids, bound, extra);
  return result instanceof Recordset ? result.ids : result;
}

