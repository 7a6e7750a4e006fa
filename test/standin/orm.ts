// The in-memory ORM: tables of records, and the model methods with Odoo's semantics (access
// rights, defaults including default_* context keys, required fields, x2many commands, active_test,
// ordering, chatter tracking, the optional auditlog). Errors are raised as OdooRaise carrying the
// Odoo error; the RPC layer renders them per protocol.

import { PyFloat, isStruct, numberOf, type RpcStruct, type RpcValue } from '../../src/rpc/values.js';
import { andDomains, evaluate, mentionsField, parseDomain, validateDomain, type DomainHost, type DomainNode } from './domain.js';
import {
  convertScalar,
  emptyValue,
  FieldValueError,
  formatDatetime,
  isRelational,
  isStored,
  isX2many,
  outputValue,
  recordsetRepr,
  type FieldContext,
  type FieldDef,
  type Group,
  type ModelDef,
  type OrmLike,
  type Stored,
  type StoredRecord,
  type Version,
} from './fields.js';
import { GROUPS, isOdooValidation, setSortHook } from './schema.js';
import { OdooRaise, pyRepr, raise } from './raise.js';

export interface OrmOptions {
  version: Version;
  schema: Map<string, ModelDef>;
  /** Clock for create_date, write_date and message dates (default: the real time). */
  clock?: () => Date;
}

export interface Credentials {
  password: string;
  apiKeys: Array<{ key: string; name: string; revoked: boolean }>;
}

const MAGIC = new Set(['id', 'create_uid', 'create_date', 'write_uid', 'write_date', 'display_name']);


/** res.users fields a user may read of itself (Odoo's SELF_READABLE_FIELDS, those the stand-in has). */
const SELF_READABLE_USER_FIELDS = new Set(['signature', 'company_id', 'login', 'email', 'name', 'lang', 'tz', 'tz_offset', 'partner_id', 'write_date']);

export class Orm implements OrmLike, DomainHost {
  readonly version: Version;
  readonly schema: Map<string, ModelDef>;
  private readonly tables = new Map<string, Map<number, StoredRecord>>();
  private readonly sequences = new Map<string, number>();
  /** Groups of each user id. */
  readonly userGroups = new Map<number, Set<Group>>();
  /** Password and API keys of each user id. */
  readonly credentials = new Map<number, Credentials>();
  /** ir.model and ir.model.fields ids by model and by "model.field". */
  readonly irModelIds = new Map<string, number>();
  readonly irFieldIds = new Map<string, number>();
  clock: () => Date;

  constructor(opts: OrmOptions) {
    this.version = opts.version;
    this.schema = opts.schema;
    this.clock = opts.clock ?? (() => new Date());
    for (const name of this.schema.keys()) this.tables.set(name, new Map());
    setSortHook((ctx, model, recs) => (ctx.orm as Orm).sortRecords(model, recs, null).map((r) => r.id));
  }

  // -- OrmLike / DomainHost -----------------------------------------------------------------

  table(model: string): Map<number, StoredRecord> {
    let t = this.tables.get(model);
    if (!t) {
      t = new Map();
      this.tables.set(model, t);
    }
    return t;
  }

  model(name: string): ModelDef | undefined {
    return this.schema.get(name);
  }

  modelDef(name: string): ModelDef {
    const m = this.schema.get(name);
    if (!m) throw raise.builtin('KeyError', pyRepr(name));
    return m;
  }

  record(model: string, id: number): StoredRecord | undefined {
    return this.tables.get(model)?.get(id);
  }

  allRecords(model: string): StoredRecord[] {
    return [...this.table(model).values()];
  }

  now(): string {
    return formatDatetime(this.clock());
  }

  fieldContext(uid = 1, context: RpcStruct = {}): FieldContext {
    return { orm: this, uid, context, version: this.version };
  }

  /** A field's current value on a record: stored, or computed. */
  valueOf(model: string, rec: StoredRecord, field: string): Stored {
    if (field === 'id') return rec.id;
    const def = this.modelDef(model);
    if (field === 'display_name') return this.displayName(model, rec.id);
    const f = def.fields.get(field);
    if (!f) return false;
    if (f.compute) return f.compute(rec, this.fieldContext());
    if (f.type === 'one2many' && f.inverseName && !f.opaque) {
      const co = this.schema.get(f.relation!);
      const hits = this.allRecords(f.relation!).filter((r) => r[f.inverseName!] === rec.id && (!co?.fields.has('active') || r.active !== false));
      return this.sortRecords(f.relation!, hits, null).map((r) => r.id);
    }
    const v = rec[field];
    return v === undefined ? emptyValue(f) : v;
  }

  displayName(model: string, id: number): string {
    const def = this.schema.get(model);
    const rec = this.record(model, id);
    if (!def || !rec) return `${model},${id}`;
    if (def.displayName) return def.displayName(rec, this.fieldContext());
    const v = this.valueOf(model, rec, def.recName);
    if (typeof v === 'number' && def.fields.get(def.recName)?.type === 'many2one') return this.displayName(def.fields.get(def.recName)!.relation!, v);
    return typeof v === 'string' ? v : v === false ? '' : String(v);
  }

  // -- raw access for seeding and tests --------------------------------------------------

  nextId(model: string): number {
    const n = this.sequences.get(model) ?? Math.max(0, ...this.table(model).keys()) + 1;
    this.sequences.set(model, n + 1);
    return n;
  }

  /** Sets the id the next created record of `model` gets (to match the recordings' ids). */
  setNextId(model: string, id: number): void {
    this.sequences.set(model, id);
  }

  /** Inserts a record as given (stored format), filling unset stored fields with their empty value. */
  insertRaw(model: string, values: Partial<StoredRecord> & { id?: number }): StoredRecord {
    const def = this.modelDef(model);
    const id = values.id ?? this.nextId(model);
    const rec: StoredRecord = { id };
    for (const f of def.fields.values()) if (isStored(f) && f.name !== 'id') rec[f.name] = emptyValue(f);
    Object.assign(rec, values, { id });
    this.table(model).set(id, rec);
    if ((this.sequences.get(model) ?? 0) <= id) this.sequences.set(model, id + 1);
    return rec;
  }

  env(uid: number, context: RpcStruct = {}, su = false): Env {
    return new Env(this, uid, context, su);
  }

  // -- ordering ------------------------------------------------------------------------

  parseOrder(model: string, order: string | null): Array<{ field: string; desc: boolean; nullsFirst: boolean }> {
    const def = this.modelDef(model);
    const spec = order && order.trim() ? order : def.order;
    const out: Array<{ field: string; desc: boolean; nullsFirst: boolean }> = [];
    for (const part of spec.split(',')) {
      const m = /^\s*([a-zA-Z0-9_]+(?:\.[a-zA-Z0-9_]+)?)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*$/i.exec(part);
      if (!m) {
        throw raise.valueError(`Invalid "order" specified (${spec}). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`);
      }
      const field = m[1]!.split('.')[0]!;
      if (field !== 'id' && !def.fields.has(field)) throw this.invalidField(model, field);
      const desc = (m[2] ?? 'asc').toLowerCase() === 'desc';
      const nulls = m[3]?.toLowerCase();
      out.push({ field, desc, nullsFirst: nulls ? nulls === 'first' : desc });
    }
    return out;
  }

  sortRecords(model: string, recs: StoredRecord[], order: string | null): StoredRecord[] {
    const spec = this.parseOrder(model, order);
    const def = this.modelDef(model);
    // A many2one sorts by its comodel's own order (ORDER BY stage.sequence, stage.name, ...), as Odoo does.
    const ranks = new Map<string, Map<number, number>>();
    const rankOf = (comodel: string, id: number): number => {
      let r = ranks.get(comodel);
      if (!r) {
        r = new Map(comodel === model ? [...this.table(comodel).keys()].sort((a, b) => a - b).map((x, i) => [x, i]) : this.sortRecords(comodel, this.allRecords(comodel), null).map((x, i) => [x.id, i]));
        ranks.set(comodel, r);
      }
      return r.get(id) ?? Number.MAX_SAFE_INTEGER;
    };
    const keyOf = (rec: StoredRecord, field: string): string | number | boolean | null => {
      const f = def.fields.get(field);
      const v = this.valueOf(model, rec, field);
      if (f?.type === 'many2one' && !f.opaque) return typeof v === 'number' && v ? rankOf(f.relation!, v) : null;
      if (v === false && f?.type !== 'boolean') return null;
      if (v === null || v === undefined) return null;
      if (v instanceof PyFloat) return v.value;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
      return JSON.stringify(v);
    };
    // Keys computed once per record (computed fields such as complete_name are not free).
    const keyed = recs.map((rec) => ({ rec, keys: spec.map(({ field }) => keyOf(rec, field)) }));
    keyed.sort((a, b) => {
      for (let i = 0; i < spec.length; i++) {
        const { desc, nullsFirst } = spec[i]!;
        const x = a.keys[i]!;
        const y = b.keys[i]!;
        if (x === y) continue;
        if (x === null) return nullsFirst ? -1 : 1;
        if (y === null) return nullsFirst ? 1 : -1;
        const c = x < y ? -1 : 1;
        return desc ? -c : c;
      }
      return 0;
    });
    return keyed.map((k) => k.rec);
  }

  invalidField(model: string, field: string): OdooRaise {
    return raise.valueError(this.version >= 19 ? `Invalid field ${pyRepr(field)} in ${pyRepr(model)}` : `Invalid field ${pyRepr(field)} on model ${pyRepr(model)}`);
  }

  groupLabel(g: Group): string {
    return GROUPS.find((x) => x.id === g)?.label[this.version] ?? g;
  }
}

const OPERATION_WORD: Record<'read' | 'write' | 'create' | 'unlink', string> = { read: 'access', write: 'modify', create: 'create', unlink: 'delete' };

/** One user's view of the ORM: uid, context, superuser mode. */
export class Env {
  constructor(
    readonly orm: Orm,
    readonly uid: number,
    readonly context: RpcStruct,
    readonly su: boolean,
  ) {}

  withContext(context: RpcStruct): Env {
    return new Env(this.orm, this.uid, { ...this.context, ...context }, this.su);
  }

  sudo(): Env {
    return new Env(this.orm, this.uid, this.context, true);
  }

  get version(): Version {
    return this.orm.version;
  }

  private ctx(): FieldContext {
    return this.orm.fieldContext(this.uid, this.context);
  }

  model(name: string): ModelDef {
    return this.orm.modelDef(name);
  }

  /** ir.model.access: raises AccessError the way Odoo words it. */
  checkAccess(model: string, operation: 'read' | 'write' | 'create' | 'unlink'): void {
    if (this.su || this.uid === 1) return;
    const def = this.model(model);
    const allowed = def.access[operation];
    if (allowed.includes('everyone')) return;
    const groups = this.orm.userGroups.get(this.uid) ?? new Set<Group>();
    if (allowed.some((g) => g !== 'everyone' && groups.has(g))) return;
    const names = (allowed as Group[]).map((g) => this.orm.groupLabel(g));
    const list = names.length ? `This operation is allowed for the following groups:\n${names.map((n) => `\t- ${n}`).join('\n')}` : 'No group currently allows this operation.';
    throw raise.accessError(`You are not allowed to ${OPERATION_WORD[operation]} '${def.description}' (${model}) records.\n\n${list}\n\nContact your administrator to request access if necessary.`, [
      ['/opt/odoo/odoo/addons/base/models/ir_model.py', 2315, 'check', `raise AccessError(msg) from None`],
    ]);
  }

  /**
   * env.companies: the context's allowed_company_ids (each must be one of the user's companies,
   * else AccessError), or all the user's companies.
   */
  companies(): number[] {
    const user = this.orm.record('res.users', this.uid);
    const mine = Array.isArray(user?.company_ids) ? (user!.company_ids as number[]) : [1];
    const asked = this.context.allowed_company_ids;
    if (Array.isArray(asked) && asked.length) {
      const ids = asked.map((x) => numberOf(x) ?? NaN);
      if (!this.su && this.uid !== 1 && ids.some((id) => !mine.includes(id))) throw raise.accessError('Access to unauthorized or invalid companies.');
      return ids;
    }
    return mine;
  }

  /** The multi-company record rule: a record with a company is visible only within env.companies. */
  private ruleAllows(model: string, rec: StoredRecord, companies: number[]): boolean {
    const f = this.model(model).fields.get('company_id');
    if (!f || f.type !== 'many2one' || f.relation !== 'res.company' || f.compute || model === 'res.users') return true;
    const c = rec.company_id;
    return c === false || c === null || c === undefined || companies.includes(c as number);
  }

  private rulesApply(): boolean {
    return !this.su && this.uid !== 1;
  }

  /** Raises the AccessError Odoo gives when record rules hide some of the records. */
  checkRules(model: string, ids: number[], operation: 'read' | 'write' | 'create' | 'unlink'): void {
    if (!this.rulesApply()) return;
    const companies = this.companies();
    const forbidden = ids.map((id) => this.orm.record(model, id)).filter((r): r is StoredRecord => !!r && !this.ruleAllows(model, r, companies));
    if (!forbidden.length) return;
    const def = this.model(model);
    const user = this.orm.displayName('res.users', this.uid);
    const records = forbidden.slice(0, 6).map((r) => `${this.orm.displayName(model, r.id)} (id=${r.id})`).join(', ');
    throw raise.accessError(
      `Due to security restrictions, you are not allowed to ${OPERATION_WORD[operation]} '${def.description}' (${model}) records.\n\nRecords: ${records}\nUser: ${user} (id=${this.uid})\n\nThis restriction is due to the following rules:\n- ${def.description} multi-company\n\nNote: this might be a multi-company issue. Switching company may help - in Odoo, not in real life!\n\nContact your administrator to request access if necessary.`,
    );
  }

  private missing(model: string, ids: number[]): OdooRaise {
    return raise.missingError(`Record does not exist or has been deleted.\n(Record: ${recordsetRepr(model, ids)}, User: ${this.uid})`);
  }

  /** browse(ids): the ids a method receives (int or list), as a list. */
  static idsOf(v: RpcValue): number[] {
    if (v === false || v === null || v === undefined) return [];
    if (typeof v === 'number') return [v];
    if (Array.isArray(v)) {
      return v.map((x) => {
        const n = numberOf(x);
        if (n === undefined || !Number.isInteger(n)) throw raise.typeError(`unhashable type: '${Array.isArray(x) ? 'list' : 'dict'}'`);
        return n;
      });
    }
    throw raise.typeError(`browse() expects ids, got ${pyRepr(v)}`);
  }

  existing(model: string, ids: number[]): number[] {
    const t = this.orm.table(model);
    return ids.filter((id) => t.has(id));
  }

  // -- search -------------------------------------------------------------------------

  private domainFor(model: string, domain: RpcValue): DomainNode {
    const node = parseDomain(domain, this.version);
    validateDomain(this.orm, model, node);
    const def = this.model(model);
    if (def.fields.has('active') && this.context.active_test !== false && !mentionsField(node, 'active')) {
      return { kind: 'and', children: [node, { kind: 'leaf', path: 'active', op: '=', value: true, raw: ['active', '=', true] }] };
    }
    return node;
  }

  searchRecords(model: string, domain: RpcValue, opts: { offset?: number; limit?: number | null; order?: string | null } = {}): StoredRecord[] {
    this.checkAccess(model, 'read');
    const node = this.domainFor(model, domain);
    const companies = this.rulesApply() ? this.companies() : null;
    const hits = this.orm.allRecords(model).filter((r) => (!companies || this.ruleAllows(model, r, companies)) && evaluate(this.orm, model, r, node));
    const sorted = this.orm.sortRecords(model, hits, opts.order ?? null);
    // Odoo treats limit 0 / None / False as "no limit".
    const offset = opts.offset ?? 0;
    return sorted.slice(offset, opts.limit ? offset + opts.limit : undefined);
  }

  search(model: string, domain: RpcValue, opts: { offset?: number; limit?: number | null; order?: string | null } = {}): number[] {
    return this.searchRecords(model, domain, opts).map((r) => r.id);
  }

  searchCount(model: string, domain: RpcValue, limit?: number | null): number {
    const n = this.searchRecords(model, domain).length;
    return limit ? Math.min(n, limit) : n;
  }

  // -- read ----------------------------------------------------------------------------

  /** The field names read() returns for `fields` (null or [] means all), validated. */
  fieldsToRead(model: string, fields: RpcValue): string[] {
    const def = this.model(model);
    if (fields === null || fields === false || fields === undefined || (Array.isArray(fields) && fields.length === 0)) {
      // "All fields" means all the fields this user may read: group-restricted ones are left out.
      return [...def.fields.values()].filter((f) => f.name !== 'id' && this.mayAccessField(f)).map((f) => f.name);
    }
    if (!Array.isArray(fields)) fields = [fields];
    const out: string[] = [];
    for (const f of fields) {
      if (typeof f !== 'string') throw raise.typeError(`unhashable type: '${Array.isArray(f) ? 'list' : 'dict'}'`);
      if (f !== 'id' && !def.fields.has(f)) throw this.orm.invalidField(model, f);
      if (f !== 'id' && !out.includes(f)) out.push(f);
    }
    // Odoo 18+ (_check_field_access) refuses the first field the user's groups do not allow.
    const denied = out.find((n) => !this.mayAccessField(def.fields.get(n)!));
    if (denied) {
      throw raise.accessError(`You do not have enough rights to access the field "${denied}" on ${def.description} (${model}). Please contact your system administrator.\n\nOperation: read`);
    }
    return out;
  }

  /** Field-level groups (fields.X(groups=...)): a field some groups only may see. */
  mayAccessField(f: FieldDef): boolean {
    if (!f.groups || this.su || this.uid === 1) return true;
    const mine = this.orm.userGroups.get(this.uid) ?? new Set<Group>();
    return f.groups.some((g) => mine.has(g));
  }

  read(model: string, ids: number[], fields: RpcValue = null, load: RpcValue = '_classic_read'): RpcStruct[] {
    // res_users.py read(): a user reading only its own SELF_READABLE_FIELDS does so as superuser,
    // so even a portal user reads its own login.
    if (model === 'res.users' && !this.su && ids.length === 1 && ids[0] === this.uid && Array.isArray(fields) && fields.length > 0 && fields.every((f) => typeof f === 'string' && (SELF_READABLE_USER_FIELDS.has(f) || f.startsWith('context_')))) {
      return this.sudo().read(model, ids, fields, load);
    }
    this.checkAccess(model, 'read');
    const names = this.fieldsToRead(model, fields);
    this.checkRules(model, ids, 'read');
    const def = this.model(model);
    const dn = (m: string, id: number): string => this.orm.displayName(m, id);
    const out: RpcStruct[] = [];
    const t = this.orm.table(model);
    for (const id of ids) {
      const rec = t.get(id);
      if (!rec) continue;
      const row: RpcStruct = { id };
      for (const n of names) {
        if (n === 'display_name') {
          row[n] = dn(model, id);
          continue;
        }
        const f = def.fields.get(n)!;
        row[n] = outputValue(f, this.orm.valueOf(model, rec, n), dn, Boolean(load));
      }
      out.push(row);
    }
    return out;
  }

  // -- create / write ------------------------------------------------------------------

  private checkFieldNames(model: string, vals: RpcStruct): void {
    const def = this.model(model);
    for (const k of Object.keys(vals)) if (k !== 'id' && !def.fields.has(k)) throw this.orm.invalidField(model, k);
  }

  defaultValues(model: string, fieldNames?: string[]): RpcStruct {
    const def = this.model(model);
    const ctx = this.ctx();
    const out: RpcStruct = {};
    for (const f of def.fields.values()) {
      if (fieldNames && !fieldNames.includes(f.name)) continue;
      if (MAGIC.has(f.name)) continue;
      const key = `default_${f.name}`;
      if (key in this.context) {
        out[f.name] = this.context[key]!;
        continue;
      }
      if (f.default === undefined) continue;
      const v = typeof f.default === 'function' ? f.default(ctx) : f.default;
      out[f.name] = f.type === 'many2one' && typeof v === 'number' && !this.orm.record(f.relation!, v) ? false : (v as RpcValue);
    }
    return out;
  }

  /**
   * The defaults create adds to `vals` (BaseModel._add_missing_default_values): the model's own, and
   * for `_inherits` fields the parent's default_get (context default_<field> keys included), except
   * for a parent whose link is in `vals`: its record keeps its values (the `avoid_models` rule).
   */
  private createDefaults(model: string, vals: RpcStruct): RpcStruct {
    const def = this.model(model);
    const names = [...def.fields.values()].filter((f) => !f.inherited && !(f.name in vals)).map((f) => f.name);
    const out = this.defaultValues(model, names);
    for (const [parent, link] of Object.entries(def.inherits ?? {})) {
      if (link in vals) continue;
      const wanted = [...def.fields.values()].filter((f) => f.inherited?.parent === parent && !(f.name in vals)).map((f) => f.name);
      Object.assign(out, this.defaultValues(parent, wanted));
    }
    return out;
  }

  create(model: string, valsList: RpcStruct[]): number[] {
    this.checkAccess(model, 'create');
    const def = this.model(model);
    // ProductProduct.create: its template must not create a variant of its own (create_product_product).
    const env = model === 'product.product' && !('create_product_product' in this.context) ? this.withContext({ create_product_product: true }) : this;
    const ids: number[] = [];
    for (const vals of valsList) {
      if (!isStruct(vals)) throw raise.builtin('AttributeError', `'${Array.isArray(vals) ? 'list' : typeof vals === 'string' ? 'str' : 'int'}' object has no attribute 'items'`);
      this.checkFieldNames(model, vals);
      const merged: RpcStruct = { ...this.createDefaults(model, vals), ...vals };
      delete merged.id;
      // BaseModel.create: the values of inherited fields go to the parent; without the link a new
      // parent is created with them (even with none), with it they are written on that parent. As the user.
      const createdParents: Array<[string, number]> = [];
      for (const [parent, link] of Object.entries(def.inherits ?? {})) {
        const inherited: RpcStruct = {};
        for (const [k, v] of Object.entries(merged)) {
          if (def.fields.get(k)?.inherited?.parent !== parent) continue;
          inherited[k] = v;
          delete merged[k];
        }
        const named = merged[link];
        if (named === false || named === null || named === undefined || named === 0) {
          const [pid] = env.create(parent, [inherited]);
          merged[link] = pid!;
          createdParents.push([parent, pid!]);
        } else if (Object.keys(inherited).length) {
          env.write(parent, [this.many2oneValue(model, def.fields.get(link)!, named) as number], inherited);
        }
      }
      try {
        ids.push(this.createOne(model, vals, merged));
      } catch (e) {
        for (const [parent, pid] of createdParents) this.orm.table(parent).delete(pid); // no transactions: undo what is easy to undo
        throw e;
      }
    }
    // ResUsers.create: the partner's company follows the user's where it has one, and its active
    // flag the user's, written as the user (on a partner the values named too).
    if (model === 'res.users') {
      for (const id of ids) {
        const user = this.orm.record(model, id)!;
        const partner = this.orm.record('res.partner', user.partner_id as number);
        if (!partner) continue;
        this.write('res.partner', [partner.id], { ...(partner.company_id ? { company_id: user.company_id as number } : {}), active: user.active !== false });
      }
    }
    // ProductTemplate.create: a template created on its own gets its variant (_create_variant_ids).
    if (model === 'product.template' && !('create_product_product' in this.context)) {
      this.create('product.product', ids.map((id) => ({ product_tmpl_id: id })));
    }
    return ids;
  }

  private createOne(model: string, vals: RpcStruct, merged: RpcStruct): number {
    const def = this.model(model);
    const id = this.orm.nextId(model);
    const rec: StoredRecord = { id };
    for (const f of def.fields.values()) if (isStored(f) && f.name !== 'id') rec[f.name] = emptyValue(f);
    const now = this.orm.now();
    Object.assign(rec, { create_uid: this.uid, create_date: now, write_uid: this.uid, write_date: now });
    const deferred = this.applyValues(model, rec, merged, true);
    this.checkRequired(model, rec);
    this.orm.table(model).set(id, rec);
    try {
      this.checkRules(model, [id], 'create');
      for (const run of deferred) run();
      this.checkConstraints(model, rec);
    } catch (e) {
      this.orm.table(model).delete(id);
      throw e;
    }
    if (def.mailThread) this.logCreation(model, rec);
    this.auditlog(model, 'create', rec, null, Object.keys(vals));
    return id;
  }

  write(model: string, ids: number[], vals: RpcStruct): true {
    this.checkAccess(model, 'write');
    if (!isStruct(vals)) throw raise.builtin('AttributeError', `'${Array.isArray(vals) ? 'list' : 'int'}' object has no attribute 'items'`);
    const missing = ids.filter((id) => !this.orm.record(model, id));
    if (missing.length) throw this.missing(model, missing);
    this.checkRules(model, ids, 'write');
    this.checkFieldNames(model, vals);
    const def = this.model(model);
    if (def.inherits) {
      // Inherited fields are written on the parents the records name (related, not sudo: as the user).
      const own: RpcStruct = {};
      const toParent = new Map<string, RpcStruct>();
      for (const [k, v] of Object.entries(vals)) {
        const parent = def.fields.get(k)?.inherited?.parent;
        if (parent) toParent.set(parent, { ...(toParent.get(parent) ?? {}), [k]: v });
        else own[k] = v;
      }
      for (const [parent, pvals] of toParent) {
        const link = def.inherits[parent]!;
        const pids = [...new Set(ids.map((id) => this.orm.record(model, id)![link]).filter((x): x is number => typeof x === 'number'))];
        this.write(parent, pids, pvals);
      }
      vals = own;
    }
    // ResUsers.write of a true active unarchives the partners first, as the user (19.0:
    // partner_id.action_unarchive(), every archived one; 16.0-18.0: partner_id.toggle_active() where
    // the user is inactive too).
    if (model === 'res.users' && vals.active !== undefined && vals.active !== false && vals.active !== null && vals.active !== 0 && vals.active !== '') {
      const pids = [...new Set(ids.map((id) => this.orm.record(model, id)!).filter((u) => this.version >= 19 || u.active === false).map((u) => u.partner_id).filter((x): x is number => typeof x === 'number'))];
      const archived = pids.filter((pid) => this.orm.record('res.partner', pid)?.active === false);
      if (archived.length) this.write('res.partner', archived, { active: true });
    }
    for (const id of ids) {
      const rec = this.orm.record(model, id)!;
      const before = this.snapshot(model, rec);
      const saved = { ...rec };
      try {
        const deferred = this.applyValues(model, rec, vals, false);
        for (const run of deferred) run();
        this.checkRequired(model, rec);
        this.checkConstraints(model, rec);
      } catch (e) {
        Object.keys(rec).forEach((k) => delete rec[k]);
        Object.assign(rec, saved);
        throw e;
      }
      rec.write_uid = this.uid;
      rec.write_date = this.orm.now();
      if (def.mailThread) this.track(model, rec, before);
      this.auditlog(model, 'write', rec, before, Object.keys(vals));
    }
    // ResUsers.write of company_id: a partner with a company other than the one given gets the user's.
    if (model === 'res.users' && 'company_id' in vals) {
      for (const id of ids) {
        const user = this.orm.record(model, id)!;
        const partner = this.orm.record('res.partner', user.partner_id as number);
        if (partner?.company_id && partner.company_id !== vals.company_id) this.write('res.partner', [partner.id], { company_id: user.company_id as number });
      }
    }
    return true;
  }

  private snapshot(model: string, rec: StoredRecord): Record<string, Stored> {
    const def = this.model(model);
    const out: Record<string, Stored> = {};
    for (const f of def.fields.values()) if (!MAGIC.has(f.name) && (isStored(f) || f.tracking)) out[f.name] = this.orm.valueOf(model, rec, f.name);
    return out;
  }

  private checkRequired(model: string, rec: StoredRecord): void {
    const def = this.model(model);
    for (const f of def.fields.values()) {
      if (!f.required || !isStored(f) || MAGIC.has(f.name) || f.type === 'boolean') continue;
      const v = rec[f.name];
      if (v === false || v === null || v === undefined) {
        if (def.check) def.check(rec, this.ctx()); // a model constraint may word it better (res.partner's name)
        throw raise.validationError(
          `The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: ${def.description} (${model})\nField: ${f.string} (${f.name})\n`,
        );
      }
    }
  }

  private checkConstraints(model: string, rec: StoredRecord): void {
    const def = this.model(model);
    if (!def.check) return;
    try {
      def.check(rec, this.ctx());
    } catch (e) {
      if (isOdooValidation(e)) throw raise.validationError(e.message);
      throw e;
    }
  }

  /** Applies create/write values to a record; x2many changes on other records run after it is stored. */
  private applyValues(model: string, rec: StoredRecord, vals: RpcStruct, creating: boolean): Array<() => void> {
    const def = this.model(model);
    const deferred: Array<() => void> = [];
    for (const [name, value] of Object.entries(vals)) {
      if (name === 'id') continue;
      const f = def.fields.get(name)!;
      if (MAGIC.has(name)) continue;
      if (f.type === 'one2many' && f.inverseName && !f.opaque) {
        deferred.push(() => this.applyOne2many(f, rec, value));
        continue;
      }
      if (f.compute) {
        if (f.inverse) Object.assign(rec, f.inverse(value as Stored, rec, this.ctx()));
        continue; // a computed field without inverse ignores writes
      }
      try {
        if (f.opaque) rec[name] = this.opaqueValue(f, value);
        else if (f.type === 'many2one') rec[name] = this.many2oneValue(model, f, value);
        else if (f.type === 'many2many') rec[name] = this.many2manyValue(f, (rec[name] as number[]) ?? [], value);
        else if (f.type === 'one2many') {
          if (f.inverseName) deferred.push(() => this.applyOne2many(f, rec, value));
          else rec[name] = Env.idsOf(value as RpcValue);
        } else rec[name] = convertScalar(f, value);
      } catch (e) {
        if (e instanceof FieldValueError) throw raise.builtin(e.pythonType, e.message);
        throw e;
      }
    }
    void creating;
    return deferred;
  }

  private opaqueValue(f: FieldDef, value: RpcValue): Stored {
    if (f.type === 'many2one') {
      if (value === false || value === null || value === 0) return false;
      const n = numberOf(Array.isArray(value) ? value[0] : value);
      return n ? [n, `${f.relation},${n}`] : false;
    }
    if (isX2many(f)) {
      if (!Array.isArray(value)) return [];
      return value.flatMap((c) => (typeof c === 'number' ? [c] : Array.isArray(c) && c[0] === 6 && Array.isArray(c[2]) ? (c[2] as number[]) : Array.isArray(c) && c[0] === 4 ? [c[1] as number] : []));
    }
    return value;
  }

  private many2oneValue(model: string, f: FieldDef, value: RpcValue): Stored {
    if (value === false || value === null || value === 0) return false;
    let id: number | undefined;
    if (typeof value === 'number') id = value;
    else if (Array.isArray(value) && typeof value[0] === 'number') id = value[0];
    else if (value instanceof PyFloat) id = value.value;
    if (id === undefined) throw raise.typeError(`int() argument must be a string, a bytes-like object or a real number, not '${Array.isArray(value) ? 'list' : isStruct(value) ? 'dict' : 'str'}'`);
    if (!this.orm.record(f.relation!, id)) {
      const def = this.model(model);
      throw raise.validationError(
        `The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: ${def.description} (${model})\nConstraint: ${model.replace(/\./g, '_')}_${f.name}_fkey\n`,
      );
    }
    return id;
  }

  /** Parses x2many commands (or a plain list of ids, taken as SET). */
  private commands(value: RpcValue): Array<[number, number, RpcValue]> {
    if (value === false || value === null) return [[5, 0, 0]];
    if (!Array.isArray(value)) throw raise.valueError(`Wrong value for x2many field: ${pyRepr(value)}`);
    if (value.every((v) => typeof v === 'number')) return [[6, 0, value]];
    return value.map((c) => {
      if (typeof c === 'number') return [4, c, 0] as [number, number, RpcValue];
      if (!Array.isArray(c) || c.length < 1 || typeof c[0] !== 'number') throw raise.valueError(`Invalid command ${pyRepr(c)}`);
      return [c[0], numberOf(c[1]) ?? 0, c[2] ?? 0] as [number, number, RpcValue];
    });
  }

  private many2manyValue(f: FieldDef, current: number[], value: RpcValue): number[] {
    let ids = [...current];
    for (const [cmd, id, arg] of this.commands(value)) {
      switch (cmd) {
        case 0: {
          if (!isStruct(arg)) throw raise.valueError(`Invalid values ${pyRepr(arg)} for command 0`);
          ids.push(...this.create(f.relation!, [arg]));
          break;
        }
        case 1:
          if (isStruct(arg)) this.write(f.relation!, [id], arg);
          break;
        case 2:
          this.unlink(f.relation!, [id]);
          ids = ids.filter((x) => x !== id);
          break;
        case 3:
          ids = ids.filter((x) => x !== id);
          break;
        case 4:
          if (!this.orm.record(f.relation!, id)) throw this.missing(f.relation!, [id]);
          if (!ids.includes(id)) ids.push(id);
          break;
        case 5:
          ids = [];
          break;
        case 6: {
          const set = Env.idsOf(arg);
          const absent = set.filter((x) => !this.orm.record(f.relation!, x));
          if (absent.length) throw this.missing(f.relation!, absent);
          ids = [...new Set(set)];
          break;
        }
        default:
          throw raise.valueError(`Unknown command ${cmd}`);
      }
    }
    return ids;
  }

  private applyOne2many(f: FieldDef, rec: StoredRecord, value: RpcValue): void {
    const co = f.relation!;
    const inv = f.inverseName!;
    const coDef = this.model(co);
    const detach = (id: number): void => {
      if (coDef.fields.get(inv)?.required || coDef.fields.get(inv)?.ondelete === 'cascade') this.unlink(co, [id]);
      else this.write(co, [id], { [inv]: false });
    };
    for (const [cmd, id, arg] of this.commands(value)) {
      switch (cmd) {
        case 0:
          if (!isStruct(arg)) throw raise.valueError(`Invalid values ${pyRepr(arg)} for command 0`);
          this.create(co, [{ ...arg, [inv]: rec.id }]);
          break;
        case 1:
          if (isStruct(arg)) this.write(co, [id], arg);
          break;
        case 2:
          this.unlink(co, [id]);
          break;
        case 3:
          detach(id);
          break;
        case 4:
          this.write(co, [id], { [inv]: rec.id });
          break;
        case 5:
          for (const r of this.orm.allRecords(co)) if (r[inv] === rec.id) detach(r.id);
          break;
        case 6: {
          const set = Env.idsOf(arg);
          for (const r of this.orm.allRecords(co)) if (r[inv] === rec.id && !set.includes(r.id)) detach(r.id);
          for (const x of set) this.write(co, [x], { [inv]: rec.id });
          break;
        }
        default:
          throw raise.valueError(`Unknown command ${cmd}`);
      }
    }
  }

  // -- unlink / copy -------------------------------------------------------------------

  unlink(model: string, ids: number[]): true {
    this.checkAccess(model, 'unlink');
    const missing = ids.filter((id) => !this.orm.record(model, id));
    if (missing.length) throw this.missing(model, missing);
    this.checkRules(model, ids, 'unlink');
    if (model === 'product.product') {
      // Not the ORM (an _inherits parent outlives its children) but ProductProduct.unlink: the
      // template of a last variant is unlinked after it, as the user.
      const templates = [...new Set(ids.map((id) => this.orm.record(model, id)!.product_tmpl_id as number))].filter(
        (t) => !this.orm.allRecords(model).some((p) => p.product_tmpl_id === t && !ids.includes(p.id)),
      );
      this.unlinkRecords(model, ids);
      const left = templates.filter((t) => this.orm.record('product.template', t));
      if (left.length) this.unlink('product.template', left);
      return true;
    }
    this.unlinkRecords(model, ids);
    return true;
  }

  private unlinkRecords(model: string, ids: number[]): void {
    for (const id of ids) {
      const rec = this.orm.record(model, id);
      if (!rec) continue; // removed by a cascade meanwhile
      this.auditlog(model, 'unlink', rec, this.snapshot(model, rec), []);
      this.orm.table(model).delete(id);
      this.cascade(model, id);
    }
  }

  /** What the database does with references to a deleted record: ondelete cascade / set null, m2m rows removed, chatter removed. */
  private cascade(model: string, id: number): void {
    const su = this.sudo();
    for (const other of this.orm.schema.values()) {
      for (const f of other.fields.values()) {
        if (f.relation !== model || f.opaque || !isStored(f)) continue;
        for (const r of this.orm.allRecords(other.name)) {
          if (f.type === 'many2one' && r[f.name] === id) {
            if (f.ondelete === 'cascade') su.unlink(other.name, [r.id]);
            else r[f.name] = false;
          } else if (f.type === 'many2many' && Array.isArray(r[f.name]) && (r[f.name] as number[]).includes(id)) {
            r[f.name] = (r[f.name] as number[]).filter((x) => x !== id);
          }
        }
      }
    }
    if (this.model(model).mailThread) {
      for (const m of this.orm.allRecords('mail.message')) if (m.model === model && m.res_id === id) su.unlink('mail.message', [m.id]);
    }
  }

  copy(model: string, ids: number[], defaults: RpcValue): number[] {
    const def = this.model(model);
    this.checkAccess(model, 'read');
    const missing = ids.filter((id) => !this.orm.record(model, id));
    if (missing.length) throw this.missing(model, missing);
    this.checkRules(model, ids, 'read');
    const out: number[] = [];
    for (const id of ids) {
      const rec = this.orm.record(model, id)!;
      const vals: RpcStruct = {};
      // BaseModel.copy_data on an _inherits model leaves the link out (a new parent is created with
      // the copied inherited fields), unless `default` names it: then the parent's fields are its.
      const links = new Set(Object.values(def.inherits ?? {}));
      const linkGiven = (f: FieldDef): boolean => isStruct(defaults) && f.inherited !== undefined && f.inherited.link in defaults;
      for (const f of def.fields.values()) {
        if (MAGIC.has(f.name) || f.copy === false || f.type === 'one2many' || links.has(f.name)) continue;
        // an inherited field is copied as its parent field is (stored ones: `copy=field.copy`)
        const copied = f.inherited ? !linkGiven(f) && isStored(this.model(f.inherited.parent).fields.get(f.name)!) : isStored(f);
        if (!copied) continue;
        const v = f.inherited ? this.orm.valueOf(model, rec, f.name) : rec[f.name];
        if (f.type === 'many2many' && !f.opaque) vals[f.name] = [[6, 0, (v as number[]) ?? []]];
        else if (f.type === 'many2one' && !f.opaque) vals[f.name] = v as RpcValue;
        else if (!f.opaque) vals[f.name] = outputValue(f, v, () => '', false);
      }
      if (model === 'res.partner' && typeof rec.name === 'string') vals.name = `${rec.name} (copy)`;
      // ResUsers.copy_data: "<name> (copy)" unless default gives a name or a partner, "<login> (copy)".
      if (model === 'res.users') {
        const given = isStruct(defaults) ? defaults : {};
        if (!('name' in given) && !('partner_id' in given)) vals.name = `${String(this.orm.valueOf(model, rec, 'name'))} (copy)`;
        if (!('login' in given)) vals.login = `${String(rec.login)} (copy)`;
      }
      if (isStruct(defaults)) Object.assign(vals, defaults);
      out.push(...this.create(model, [vals]));
    }
    return out;
  }

  // -- introspection -------------------------------------------------------------------

  fieldsGet(model: string, allfields: RpcValue, attributes: RpcValue): RpcStruct {
    const def = this.model(model);
    const order = def.fieldsGetOrder ?? [...def.fields.keys()];
    const wanted = Array.isArray(allfields) && allfields.length ? new Set(allfields.map(String)) : null;
    const attrs = Array.isArray(attributes) && attributes.length ? new Set(attributes.map(String)) : null;
    const out: RpcStruct = {};
    for (const name of order) {
      if (wanted && !wanted.has(name)) continue;
      const f = def.fields.get(name)!;
      if (!this.mayAccessField(f)) continue;
      const d = this.describeField(model, f);
      const kept: RpcStruct = {};
      for (const k of Object.keys(d).sort()) if (!attrs || attrs.has(k)) kept[k] = d[k]!;
      out[name] = kept;
    }
    return out;
  }

  private describeField(model: string, f: FieldDef): RpcStruct {
    const stored = isStored(f) || MAGIC.has(f.name);
    const d: RpcStruct = {
      change_default: false,
      company_dependent: false,
      depends: [...(f.depends ?? (f.related ? [f.related] : []))],
      manual: false,
      name: f.name,
      readonly: f.readonly ?? Boolean((f.compute && !f.inverse) || MAGIC.has(f.name)),
      required: Boolean(f.required),
      searchable: stored || Boolean(f.searchable),
      sortable: stored && !isX2many(f) && f.type !== 'binary',
      store: stored && f.type !== 'one2many',
      string: f.string,
      type: f.type,
    };
    if (f.help) d.help = f.help;
    if (f.related) d.related = f.related;
    if (isRelational(f)) {
      d.relation = f.relation!;
      d.context = {};
      d.domain = [];
      if (f.type === 'one2many' && f.inverseName) d.relation_field = f.inverseName;
    }
    // Many2oneReference._description_model_field (odoo/fields.py 16-18, odoo/orm/fields_reference.py 19).
    if (f.type === 'many2one_reference' && f.modelField) d.model_field = f.modelField;
    if (f.type === 'selection') d.selection = (f.selection ?? []).map(([k, v]) => [k, v]);
    if (['char', 'text', 'html'].includes(f.type)) d.translate = false;
    if (f.type === 'monetary') d.currency_field = 'currency_id';
    if (this.version >= 19) d.groupable = stored && f.type !== 'binary' && f.type !== 'html';
    if (f.inherited) {
      // Not stored, but sorted and grouped through the parent's column (_description_sortable,
      // _description_groupable: `self.inherited_field and self.inherited_field._description_...`).
      const p = this.describeField(f.inherited.parent, this.model(f.inherited.parent).fields.get(f.name)!);
      d.sortable = p.sortable!;
      if (this.version >= 19) d.groupable = p.groupable!;
    }
    return d;
  }

  defaultGet(model: string, fieldsList: RpcValue): RpcStruct {
    const def = this.model(model);
    const names = Array.isArray(fieldsList) ? fieldsList.map(String) : [];
    for (const n of names) if (!def.fields.has(n)) throw this.orm.invalidField(model, n);
    const values = this.defaultValues(model, names);
    const out: RpcStruct = {};
    for (const n of names) {
      if (!(n in values)) continue;
      const f = def.fields.get(n)!;
      const v = values[n]!;
      out[n] = f.type === 'many2many' && Array.isArray(v) && v.every((x) => typeof x === 'number') ? [[6, 0, v]] : f.type === 'float' || f.type === 'monetary' ? new PyFloat(numberOf(v) ?? 0) : v;
    }
    return out;
  }

  nameSearch(model: string, name: RpcValue, domain: RpcValue, operator: RpcValue, limit: RpcValue): RpcValue[] {
    const def = this.model(model);
    const op = typeof operator === 'string' ? operator : 'ilike';
    const text = typeof name === 'string' ? name : '';
    const base = Array.isArray(domain) ? domain : [];
    let nameDomain: RpcValue[] = [];
    if (text || !['ilike', 'like', '=like', '=ilike'].includes(op)) {
      const fields = (def.nameSearchFields ?? [def.recName]).filter((f) => def.fields.has(f));
      const leaves: RpcValue[] = fields.map((f) => [f, op, text]);
      const negative = op.startsWith('not') || op === '!=';
      nameDomain = [...Array(Math.max(0, leaves.length - 1)).fill(negative ? '&' : '|'), ...leaves];
    }
    const ids = this.search(model, andDomains(base, nameDomain), { limit: numberOf(limit) ?? (limit === false || limit === null || limit === '' ? null : 100) });
    return ids.map((id) => [id, this.orm.displayName(model, id)]);
  }

  /**
   * BaseModel.load (odoo/models.py load, _extract_records, _convert_records, _load_records;
   * ir.fields.converter, read on 17.0-19.0) for the columns the tests import: `id` (an external id:
   * the record ir.model.data names is updated, or one is created and the external id written, in
   * the context's `module`, `__import__` by default), `.id`, plain fields, and many2one / many2many
   * columns by name, by external id (`/id`: db_id_for, of the comodel, a many2many cell split at
   * each comma) and by database id (`/.id`). No one2many lines, no flush between rows (a row cannot
   * link what an earlier row creates), no other context keys. Every row is converted first; any
   * error gives `ids: False` with nothing written, as Odoo's savepoint rollback leaves it.
   */
  load(model: string, fields: RpcValue, data: RpcValue): RpcStruct {
    const def = this.model(model);
    if (!Array.isArray(fields) || !Array.isArray(data)) throw raise.typeError("'fields' and 'data' must be lists");
    const module = typeof this.context.module === 'string' ? this.context.module : '__import__';
    const xmlid = (name: string): string => (name.includes('.') ? name : `${module}.${name}`);
    const imd = (x: string): StoredRecord | undefined => {
      const dot = x.indexOf('.');
      return [...this.orm.table('ir.model.data').values()].find((r) => r.module === x.slice(0, dot) && r.name === x.slice(dot + 1));
    };
    const messages: RpcStruct[] = [];
    const converted: { xid: string | false; dbid: number | false; values: RpcStruct; row: number }[] = [];
    data.forEach((row, r) => {
      if (!Array.isArray(row)) throw raise.typeError('a row must be a list');
      const error = (field: string, message: string): void => void messages.push({ type: 'error', rows: { from: r, to: r }, record: r, field, message });
      const values: RpcStruct = {};
      let xid: string | false = false;
      let dbid: number | false = false;
      fields.forEach((col, i) => {
        const cell = row[i];
        const [head, sub] = String(col).split('/') as [string, string | undefined];
        if (head === 'id') return void (xid = typeof cell === 'string' && cell ? cell : false);
        if (head === '.id') return void (dbid = cell ? Number(cell) : false);
        const f = def.fields.get(head);
        if (!f) throw raise.valueError(`Invalid field name '${head}'`);
        if (cell === '' || cell === false || cell === null || cell === undefined) return void (values[head] = f.type === 'many2many' ? [[6, 0, []]] : false);
        const text = String(cell);
        if (f.type !== 'many2one' && f.type !== 'many2many') {
          values[head] = f.type === 'integer' ? Number(text) : f.type === 'float' || f.type === 'monetary' ? Number(text) : f.type === 'boolean' ? ['1', 'true', 'yes'].includes(text.toLowerCase()) : text;
          return;
        }
        const comodel = f.relation!;
        const ids: number[] = [];
        for (const ref of f.type === 'many2many' ? text.split(',') : [text]) {
          if (sub === 'id') {
            if (['', '0', 'false', 'no'].includes(ref.toLowerCase())) continue;
            const x = xmlid(ref);
            const found = imd(x);
            const exists = found && typeof found.res_id === 'number' && this.orm.table(comodel).has(found.res_id);
            if (!found || !exists) return error(head, `No matching record found for external id '${ref}' in field '${f.string}'`);
            if (found.model !== comodel) return error(head, `Invalid external ID ${x}: expected model '${comodel}', found '${String(found.model)}'`);
            ids.push(found.res_id as number);
          } else if (sub === '.id') {
            const id = Number(ref);
            if (!this.sudo().search(comodel, [['id', '=', id]]).length) return error(head, `No matching record found for database id '${ref}' in field '${f.string}'`);
            ids.push(id);
          } else {
            const hit = this.nameSearch(comodel, ref, [], '=', null);
            if (!hit.length) return error(head, `No matching record found for name '${ref}' in field '${f.string}'`);
            ids.push((hit[0] as RpcValue[])[0] as number);
          }
        }
        values[head] = f.type === 'many2one' ? ids[0] ?? false : this.context.update_many2many ? ids.map((id) => [4, id]) : [[6, 0, ids]];
      });
      converted.push({ xid, dbid, values, row: r });
    });
    const ids: number[] = [];
    for (const c of messages.length ? [] : converted) {
      if (c.xid) {
        const x = xmlid(c.xid);
        const found = imd(x);
        if (found && found.model !== model) {
          messages.push({ type: 'error', rows: { from: c.row, to: c.row }, record: c.row, message: `For external id ${x} when trying to create/update a record of model ${model} found record of different model ${String(found.model)} (${found.id})` });
          break;
        }
        if (found && typeof found.res_id === 'number' && this.orm.table(model).has(found.res_id)) {
          this.write(model, [found.res_id], c.values);
          ids.push(found.res_id);
          continue;
        }
        const [id] = this.create(model, [c.values]);
        if (found) this.orm.table('ir.model.data').delete(found.id);
        const dot = x.indexOf('.');
        this.orm.insertRaw('ir.model.data', { module: x.slice(0, dot), name: x.slice(dot + 1), model, res_id: id!, noupdate: false });
        ids.push(id!);
      } else if (c.dbid) {
        this.write(model, [c.dbid], c.values);
        ids.push(c.dbid);
      } else ids.push(...this.create(model, [c.values]));
    }
    return messages.length ? { ids: false, messages, nextrow: 0 } : { ids, messages: [], nextrow: 0 };
  }

  nameCreate(model: string, name: RpcValue): RpcValue {
    const def = this.model(model);
    const [id] = this.create(model, [{ [def.recName]: name }]);
    return [id!, this.orm.displayName(model, id!)];
  }

  // -- read_group ----------------------------------------------------------------------

  private groupKey(model: string, rec: StoredRecord, spec: string): { key: string; value: RpcValue; domainValue: RpcValue; field: FieldDef; granularity?: string } {
    const def = this.model(model);
    const [fname, gran] = spec.split(':') as [string, string | undefined];
    const f = def.fields.get(fname);
    if (!f) throw this.orm.invalidField(model, fname);
    const v = this.orm.valueOf(model, rec, fname);
    if ((f.type === 'date' || f.type === 'datetime') && typeof v === 'string') {
      const g = gran ?? 'month';
      const d = new Date(`${v.slice(0, 10)}T00:00:00Z`);
      const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
      const y = d.getUTCFullYear();
      const m = d.getUTCMonth();
      const label = g === 'year' ? String(y) : g === 'quarter' ? `Q${Math.floor(m / 3) + 1} ${y}` : g === 'day' ? `${String(d.getUTCDate()).padStart(2, '0')} ${months[m]!.slice(0, 3)} ${y}` : `${months[m]} ${y}`;
      const start = g === 'year' ? `${y}-01-01` : g === 'quarter' ? `${y}-${String(Math.floor(m / 3) * 3 + 1).padStart(2, '0')}-01` : g === 'day' ? v.slice(0, 10) : `${y}-${String(m + 1).padStart(2, '0')}-01`;
      return { key: `${g}:${start}`, value: label, domainValue: start, field: f, granularity: g };
    }
    if (f.type === 'many2one' && !f.opaque) {
      if (typeof v !== 'number' || !v) return { key: 'false', value: false, domainValue: false, field: f };
      return { key: `m2o:${v}`, value: [v, this.orm.displayName(f.relation!, v)], domainValue: v, field: f };
    }
    const out = v === null || v === undefined ? false : (v as RpcValue);
    return { key: JSON.stringify(out), value: out, domainValue: out, field: f };
  }

  private aggregate(model: string, recs: StoredRecord[], fname: string, func: string): RpcValue {
    const def = this.model(model);
    const f = def.fields.get(fname);
    if (!f) throw this.orm.invalidField(model, fname);
    const values = recs.map((r) => this.orm.valueOf(model, r, fname));
    const nums = values.map((v) => numberOf(v) ?? 0);
    const isFloat = f.type === 'float' || f.type === 'monetary';
    const num = (n: number): RpcValue => (isFloat ? new PyFloat(n) : n);
    switch (func) {
      case 'sum':
        return num(nums.reduce((a, b) => a + b, 0));
      case 'avg':
        return nums.length ? new PyFloat(nums.reduce((a, b) => a + b, 0) / nums.length) : false;
      case 'min':
        return nums.length ? num(Math.min(...nums)) : false;
      case 'max':
        return nums.length ? num(Math.max(...nums)) : false;
      case 'count':
        return values.filter((v) => v !== false && v !== null).length;
      case 'count_distinct':
        return new Set(values.filter((v) => v !== false).map((v) => JSON.stringify(v))).size;
      case 'bool_and':
        return values.every(Boolean);
      case 'bool_or':
        return values.some(Boolean);
      case 'array_agg':
        return values.map((v) => (v instanceof PyFloat ? v : (v as RpcValue)));
      default:
        throw raise.valueError(`Invalid aggregate function ${pyRepr(func)}.`);
    }
  }

  private groups(model: string, domain: RpcValue, groupby: string): Array<{ key: ReturnType<Env['groupKey']>; recs: StoredRecord[] }> {
    const recs = this.searchRecords(model, domain);
    const map = new Map<string, { key: ReturnType<Env['groupKey']>; recs: StoredRecord[] }>();
    for (const r of recs) {
      const k = this.groupKey(model, r, groupby);
      const g = map.get(k.key) ?? { key: k, recs: [] };
      g.recs.push(r);
      map.set(k.key, g);
    }
    const def = this.model(model);
    const f = def.fields.get(groupby.split(':')[0]!)!;
    // crm.lead's stage_id has a group_expand: every stage is a group, even an empty one.
    if (model === 'crm.lead' && f.name === 'stage_id') {
      for (const s of this.orm.allRecords('crm.stage')) {
        const key = `m2o:${s.id}`;
        if (!map.has(key)) map.set(key, { key: { key, value: [s.id, this.orm.displayName('crm.stage', s.id)], domainValue: s.id, field: f }, recs: [] });
      }
    }
    const list = [...map.values()];
    if (f.type === 'many2one' && !f.opaque) {
      const order = this.orm.sortRecords(f.relation!, this.orm.allRecords(f.relation!), null).map((r) => r.id);
      const pos = (g: { key: { domainValue: RpcValue } }): number => (typeof g.key.domainValue === 'number' ? order.indexOf(g.key.domainValue) : Number.MAX_SAFE_INTEGER);
      list.sort((a, b) => pos(a) - pos(b));
    } else {
      // ORDER BY the grouped value, NULLs (False) last as PostgreSQL sorts them.
      const rank = (g: { key: { domainValue: RpcValue } }): [number, string | number] => {
        const v = g.key.domainValue;
        if (v === false || v === null) return [1, 0];
        return [0, typeof v === 'number' ? v : v instanceof PyFloat ? v.value : String(v)];
      };
      list.sort((a, b) => {
        const [na, va] = rank(a);
        const [nb, vb] = rank(b);
        if (na !== nb) return na - nb;
        return va < vb ? -1 : va > vb ? 1 : 0;
      });
    }
    return list;
  }

  private groupDomain(k: ReturnType<Env['groupKey']>, fname: string): RpcValue[] {
    if (k.granularity && typeof k.domainValue === 'string') {
      const start = k.domainValue;
      const d = new Date(`${start}T00:00:00Z`);
      if (k.granularity === 'year') d.setUTCFullYear(d.getUTCFullYear() + 1);
      else if (k.granularity === 'quarter') d.setUTCMonth(d.getUTCMonth() + 3);
      else if (k.granularity === 'day') d.setUTCDate(d.getUTCDate() + 1);
      else d.setUTCMonth(d.getUTCMonth() + 1);
      const end = d.toISOString().slice(0, 10);
      const fmt = (s: string): string => (k.field.type === 'datetime' ? `${s} 00:00:00` : s);
      return ['&', [fname, '>=', fmt(start)], [fname, '<', fmt(end)]];
    }
    return [[fname, '=', k.domainValue]];
  }

  readGroup(model: string, domain: RpcValue, fields: RpcValue, groupby: RpcValue, offset: RpcValue, limit: RpcValue, orderby: RpcValue, lazy: RpcValue): RpcStruct[] {
    this.checkAccess(model, 'read');
    const def = this.model(model);
    const gbs = (typeof groupby === 'string' ? [groupby] : Array.isArray(groupby) ? groupby : []).map(String);
    if (gbs.length === 0) throw raise.valueError('read_group() needs at least one groupby');
    const useLazy = lazy !== false;
    const first = gbs[0]!;
    const fname = first.split(':')[0]!;
    const aggs: Array<{ alias: string; field: string; func: string }> = [];
    for (const spec of Array.isArray(fields) ? fields.map(String) : []) {
      let m = /^(\w+):(\w+)\((\w+)\)$/.exec(spec);
      if (m) {
        aggs.push({ alias: m[1]!, field: m[3]!, func: m[2]! });
        continue;
      }
      m = /^(\w+)(?::(\w+))?$/.exec(spec);
      if (!m) throw raise.valueError(`Invalid field specification ${pyRepr(spec)}.`);
      const name = m[1]!;
      if (gbs.some((g) => g.split(':')[0] === name) || name === '__count') continue;
      const f = def.fields.get(name);
      if (!f) throw this.orm.invalidField(model, name);
      const func = m[2] ?? (['integer', 'float', 'monetary'].includes(f.type) ? 'sum' : '');
      if (func) aggs.push({ alias: name, field: name, func });
    }
    const baseDomain = Array.isArray(domain) ? domain : [];
    const groupsFor = useLazy ? [first] : gbs;
    let groups = this.groups(model, domain, first);
    if (!useLazy && gbs.length > 1) {
      // Non-lazy: one group per combination of all groupbys.
      const combos: Array<{ keys: Array<ReturnType<Env['groupKey']>>; recs: StoredRecord[] }> = groups.map((g) => ({ keys: [g.key], recs: g.recs }));
      let current = combos;
      for (const gb of gbs.slice(1)) {
        const next: typeof combos = [];
        for (const c of current) {
          const sub = new Map<string, { key: ReturnType<Env['groupKey']>; recs: StoredRecord[] }>();
          for (const r of c.recs) {
            const k = this.groupKey(model, r, gb);
            const g = sub.get(k.key) ?? { key: k, recs: [] };
            g.recs.push(r);
            sub.set(k.key, g);
          }
          for (const g of sub.values()) next.push({ keys: [...c.keys, g.key], recs: g.recs });
        }
        current = next;
      }
      const off = numberOf(offset) ?? 0;
      const lim = numberOf(limit);
      return current.slice(off, lim ? off + lim : undefined).map((c) => {
        const row: RpcStruct = {};
        gbs.forEach((gb, i) => (row[gb] = c.keys[i]!.value));
        row.__count = c.recs.length;
        for (const a of aggs) row[a.alias] = this.aggregate(model, c.recs, a.field, a.func);
        let dom: RpcValue[] = [];
        gbs.forEach((gb, i) => (dom = andDomains(dom, this.groupDomain(c.keys[i]!, gb.split(':')[0]!))));
        row.__domain = andDomains(dom, baseDomain);
        return row;
      });
    }
    void groupsFor;
    void orderby;
    const off = numberOf(offset) ?? 0;
    const lim = numberOf(limit);
    groups = groups.slice(off, lim ? off + lim : undefined);
    const comodel = def.fields.get(fname)?.relation;
    const foldable = def.fields.get(fname)?.type === 'many2one' && comodel && this.orm.model(comodel)?.fields.has('fold');
    return groups.map((g) => {
      const row: RpcStruct = { [first]: g.key.value };
      row[useLazy ? `${fname}_count` : '__count'] = g.recs.length;
      for (const a of aggs) row[a.alias] = this.aggregate(model, g.recs, a.field, a.func);
      if (foldable) row.__fold = typeof g.key.domainValue === 'number' ? Boolean(this.orm.record(comodel!, g.key.domainValue)?.fold) : false;
      if (useLazy && gbs.length > 1) row.__context = { group_by: gbs.slice(1) };
      if (g.key.granularity) row.__range = { [first]: { from: String(g.key.domainValue), to: '' } };
      row.__domain = andDomains(this.groupDomain(g.key, fname), baseDomain);
      return row;
    });
  }

  formattedReadGroup(model: string, domain: RpcValue, groupby: RpcValue, aggregates: RpcValue, offset: RpcValue, limit: RpcValue): RpcStruct[] {
    this.checkAccess(model, 'read');
    const gbs = (Array.isArray(groupby) ? groupby : typeof groupby === 'string' ? [groupby] : []).map(String);
    const aggSpecs = (Array.isArray(aggregates) ? aggregates : []).map(String);
    const recs = this.searchRecords(model, domain);
    type Bucket = { keys: Array<ReturnType<Env['groupKey']>>; recs: StoredRecord[] };
    let buckets: Bucket[] = [{ keys: [], recs }];
    for (const gb of gbs) {
      const next: Bucket[] = [];
      for (const b of buckets) {
        const sub = gb === gbs[0] ? this.groups(model, domain, gb).map((g) => ({ key: g.key, recs: g.recs.filter((r) => b.recs.includes(r)) })) : null;
        const parts = sub ?? [];
        if (!sub) {
          const map = new Map<string, { key: ReturnType<Env['groupKey']>; recs: StoredRecord[] }>();
          for (const r of b.recs) {
            const k = this.groupKey(model, r, gb);
            const g = map.get(k.key) ?? { key: k, recs: [] };
            g.recs.push(r);
            map.set(k.key, g);
          }
          parts.push(...map.values());
        }
        for (const p of parts) next.push({ keys: [...b.keys, p.key], recs: p.recs });
      }
      buckets = next;
    }
    const off = numberOf(offset) ?? 0;
    const lim = numberOf(limit);
    return buckets.slice(off, lim ? off + lim : undefined).map((b) => {
      const row: RpcStruct = {};
      gbs.forEach((gb, i) => (row[gb] = b.keys[i]!.value));
      let dom: RpcValue[] = [];
      gbs.forEach((gb, i) => (dom = andDomains(dom, this.groupDomain(b.keys[i]!, gb.split(':')[0]!))));
      row.__extra_domain = dom;
      for (const spec of aggSpecs) {
        if (spec === '__count') {
          row.__count = b.recs.length;
          continue;
        }
        const [field, func] = spec.split(':') as [string, string | undefined];
        if (!func) throw raise.valueError(`Invalid aggregate ${pyRepr(spec)}`);
        row[spec] = this.aggregate(model, b.recs, field, func);
      }
      return row;
    });
  }

  // -- chatter -------------------------------------------------------------------------

  private userPartner(): number | false {
    return (this.orm.record('res.users', this.uid)?.partner_id as number) ?? false;
  }

  private subtypeId(name: string): number | false {
    for (const s of this.orm.allRecords('mail.message.subtype')) if (s.name === name) return s.id;
    return false;
  }

  postMessage(model: string, resId: number, values: RpcStruct): number {
    const rec: RpcStruct = {
      model,
      res_id: resId,
      record_name: this.orm.displayName(model, resId),
      author_id: this.userPartner(),
      date: this.orm.now(),
      ...values,
    };
    return this.sudo().create('mail.message', [rec])[0]!;
  }

  messagePost(model: string, ids: number[], kw: RpcStruct): number {
    if (ids.length !== 1) throw raise.valueError(`Expected singleton: ${recordsetRepr(model, ids).replace(/,\)$/, ')')}`);
    const existing = this.existing(model, ids);
    if (!existing.length) throw this.missing(model, ids);
    this.checkAccess(model, 'read');
    const body = typeof kw.body === 'string' ? kw.body : '';
    const values: RpcStruct = {
      body,
      message_type: typeof kw.message_type === 'string' ? kw.message_type : 'notification',
      subtype_id: typeof kw.subtype_id === 'number' ? kw.subtype_id : this.subtypeId(kw.subtype_xmlid === 'mail.mt_comment' ? 'Discussions' : 'Note'),
    };
    if (typeof kw.subject === 'string') values.subject = kw.subject;
    if (typeof kw.author_id === 'number') values.author_id = kw.author_id;
    if (typeof kw.email_from === 'string') values.email_from = kw.email_from;
    if (Array.isArray(kw.partner_ids)) values.partner_ids = [[6, 0, kw.partner_ids]];
    return this.postMessage(model, ids[0]!, values);
  }

  private logCreation(model: string, rec: StoredRecord): void {
    const def = this.model(model);
    const word = model === 'crm.lead' ? (rec.type === 'lead' ? 'Lead' : 'Opportunity') : def.description;
    this.postMessage(model, rec.id, { body: `<p>${word} created</p>`, message_type: 'notification', subtype_id: this.subtypeId(model === 'crm.lead' ? 'Opportunity Created' : 'Note') });
  }

  /** mail.thread tracking: one message per record write, with a tracking value per changed tracked field. */
  private track(model: string, rec: StoredRecord, before: Record<string, Stored>): void {
    const def = this.model(model);
    const values: RpcStruct[] = [];
    let stageChanged = false;
    for (const f of def.fields.values()) {
      if (!f.tracking) continue;
      const old = before[f.name];
      const now = this.orm.valueOf(model, rec, f.name);
      if (JSON.stringify(old ?? false) === JSON.stringify(now ?? false)) continue;
      if (f.name === 'stage_id') stageChanged = true;
      values.push(this.trackingValue(model, f, old ?? false, now ?? false));
    }
    if (!values.length) return;
    const msgId = this.postMessage(model, rec.id, { body: '', message_type: 'notification', subtype_id: this.subtypeId(stageChanged && model === 'crm.lead' ? 'Stage Changed' : 'Note') });
    const su = this.sudo();
    su.create(
      'mail.tracking.value',
      values.map((v) => ({ ...v, mail_message_id: msgId })),
    );
  }

  private trackingValue(model: string, f: FieldDef, old: Stored, now: Stored): RpcStruct {
    const out: RpcStruct = { field_id: this.orm.irFieldIds.get(`${model}.${f.name}`) ?? false };
    const put = (suffix: string, o: RpcValue, n: RpcValue): void => {
      out[`old_value_${suffix}`] = o;
      out[`new_value_${suffix}`] = n;
    };
    switch (f.type) {
      case 'many2one':
        put('integer', typeof old === 'number' ? old : 0, typeof now === 'number' ? now : 0);
        put('char', typeof old === 'number' ? this.orm.displayName(f.relation!, old) : '', typeof now === 'number' ? this.orm.displayName(f.relation!, now) : '');
        break;
      case 'integer':
      case 'boolean':
        put('integer', Number(old) || 0, Number(now) || 0);
        break;
      case 'float':
      case 'monetary':
        put('float', numberOf(old) ?? 0, numberOf(now) ?? 0);
        if (f.type === 'monetary') out.currency_id = 1;
        break;
      case 'date':
      case 'datetime': {
        const dt = (v: Stored): RpcValue => (typeof v === 'string' ? (v.length === 10 ? `${v} 00:00:00` : v) : false);
        put('datetime', dt(old), dt(now));
        break;
      }
      case 'selection': {
        const label = (v: Stored): RpcValue => (typeof v === 'string' ? (f.selection?.find(([k]) => k === v)?.[1] ?? v) : '');
        put('char', label(old), label(now));
        break;
      }
      case 'text':
      case 'html':
        put('text', typeof old === 'string' ? old : '', typeof now === 'string' ? now : '');
        break;
      default:
        put('char', typeof old === 'string' ? old : '', typeof now === 'string' ? now : '');
    }
    return out;
  }

  // -- OCA auditlog --------------------------------------------------------------------

  private auditlog(model: string, method: 'create' | 'write' | 'unlink' | 'read', rec: StoredRecord, before: Record<string, Stored> | null, fieldNames: string[]): void {
    if (!this.orm.schema.has('auditlog.rule') || model.startsWith('auditlog.') || model === 'mail.message' || model === 'mail.tracking.value') return;
    const modelId = this.orm.irModelIds.get(model);
    const rule = this.orm.allRecords('auditlog.rule').find(
      (r) => r.model_id === modelId && r.state === 'subscribed' && r[`log_${method}`] === true && !((r.users_to_exclude_ids as number[]) ?? []).includes(this.uid),
    );
    if (!rule) return;
    const def = this.model(model);
    const su = this.sudo();
    const [logId] = su.create('auditlog.log', [
      {
        name: this.orm.displayName(model, rec.id),
        model_id: modelId ?? false,
        model_name: def.description,
        model_model: model,
        res_id: rec.id,
        user_id: this.uid,
        method,
        log_type: rule.log_type as RpcValue,
      },
    ]);
    if (rule.log_type !== 'full' && method !== 'create') return;
    const lines: RpcStruct[] = [];
    const names = method === 'unlink' ? [] : fieldNames.filter((n) => def.fields.has(n) && !MAGIC.has(n));
    for (const n of names) {
      const f = def.fields.get(n)!;
      const old = before ? (before[n] ?? false) : false;
      const now = this.orm.valueOf(model, rec, n);
      if (method === 'write' && JSON.stringify(old) === JSON.stringify(now)) continue;
      const repr = (v: Stored): string => (f.type === 'many2one' && typeof v === 'number' ? pyRepr([v, this.orm.displayName(f.relation!, v)], true) : pyRepr(outputValue(f, v, (m, id) => this.orm.displayName(m, id), false)));
      const text = (v: Stored): string => (f.type === 'many2one' ? (typeof v === 'number' ? this.orm.displayName(f.relation!, v) : '') : v === false ? '' : String(outputValue(f, v, () => '', false)));
      lines.push({
        log_id: logId!,
        field_id: this.orm.irFieldIds.get(`${model}.${n}`) ?? false,
        field_name: n,
        field_description: f.string,
        old_value: method === 'create' ? '' : repr(old),
        new_value: repr(now),
        old_value_text: method === 'create' ? '' : text(old),
        new_value_text: text(now),
      });
    }
    if (lines.length) su.create('auditlog.log.line', lines);
  }

  // -- actions -------------------------------------------------------------------------

  actionSetWon(ids: number[]): true {
    const won = this.orm.sortRecords('crm.stage', this.orm.allRecords('crm.stage').filter((s) => s.is_won === true), null)[0];
    for (const id of ids) {
      this.write('crm.lead', [id], { active: true, probability: new PyFloat(100), ...(won ? { stage_id: won.id } : {}) });
      const rec = this.orm.record('crm.lead', id)!;
      rec.date_closed = this.orm.now();
    }
    return true;
  }

  actionSetLost(ids: number[], extra: RpcStruct): true {
    this.write('crm.lead', ids, { active: false, probability: 0, ...extra });
    for (const id of ids) this.orm.record('crm.lead', id)!.date_closed = this.orm.now();
    return true;
  }

  setActive(model: string, ids: number[], active: boolean | 'toggle'): true {
    const def = this.model(model);
    if (!def.fields.has('active')) throw raise.builtin('AttributeError', `'${model}' object has no attribute 'active'`);
    for (const id of ids) {
      const rec = this.orm.record(model, id);
      if (!rec) throw this.missing(model, [id]);
      this.write(model, [id], { active: active === 'toggle' ? rec.active === false : active });
    }
    return true;
  }

  setState(model: string, ids: number[], state: string): true {
    const missing = ids.filter((id) => !this.orm.record(model, id));
    if (missing.length) throw this.missing(model, missing);
    this.checkAccess(model, 'write');
    for (const id of ids) {
      const rec = this.orm.record(model, id)!;
      const before = this.snapshot(model, rec);
      rec.state = state;
      if (state === 'sale') rec.date_order = this.orm.now();
      if (state === 'sale' && typeof rec.name === 'string' && rec.name === 'New') rec.name = `S${String(id).padStart(5, '0')}`;
      rec.write_uid = this.uid;
      rec.write_date = this.orm.now();
      if (this.model(model).mailThread) this.track(model, rec, before);
    }
    return true;
  }

  // -- web_* ---------------------------------------------------------------------------

  webRead(model: string, ids: number[], spec: RpcValue): RpcStruct[] {
    const specification = isStruct(spec) ? spec : {};
    const names = Object.keys(specification);
    const rows = this.read(model, ids, names.length ? names : ['display_name'], false);
    const def = this.model(model);
    for (const row of rows) {
      for (const n of names) {
        const f = def.fields.get(n);
        const sub = specification[n];
        if (!f || !isRelational(f) || f.opaque) continue;
        const subSpec = isStruct(sub) && isStruct(sub.fields) ? sub.fields : null;
        if (f.type === 'many2one') {
          const id = row[n];
          if (typeof id !== 'number') continue;
          row[n] = subSpec ? (this.sudo().webRead(f.relation!, [id], subSpec)[0] ?? { id }) : { id, display_name: this.orm.displayName(f.relation!, id) };
        } else if (subSpec) {
          row[n] = this.webRead(f.relation!, row[n] as number[], subSpec);
        }
      }
    }
    return rows;
  }

  webSearchRead(model: string, domain: RpcValue, spec: RpcValue, offset: RpcValue, limit: RpcValue, order: RpcValue, countLimit: RpcValue): RpcStruct {
    const all = this.search(model, domain, { order: typeof order === 'string' ? order : null });
    const off = numberOf(offset) ?? 0;
    const lim = numberOf(limit);
    const page = all.slice(off, lim ? off + lim : undefined);
    const cl = numberOf(countLimit);
    return { length: cl ? Math.min(all.length, cl) : all.length, records: this.webRead(model, page, spec) };
  }
}
