// Field and model definitions of the stand-in ORM, and the conversions between stored values and
// the values Odoo reads out and accepts in create/write.
//
// Stored values: many2one is an id or false, many2many a list of ids, one2many is not stored (it
// is the set of comodel records whose inverse many2one points here), float/monetary a plain
// number, everything else as Odoo reads it out (strings, false, numbers, booleans). A relational
// field whose comodel the stand-in does not model is "opaque": its value is kept as Odoo read it
// out ([id, name] or a list of ids) and returned unchanged.

import { PyFloat, numberOf, isStruct, Base64Value, DateTimeValue, type RpcValue } from '../../src/rpc/values.js';

export type FieldType =
  | 'char'
  | 'text'
  | 'html'
  | 'integer'
  | 'float'
  | 'monetary'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'selection'
  | 'many2one'
  | 'one2many'
  | 'many2many'
  | 'binary'
  | 'json'
  | 'properties'
  | 'many2one_reference';

/** A stored value (see the file comment). */
export type Stored = RpcValue;

export interface StoredRecord {
  id: number;
  [field: string]: Stored;
}

export type Version = 18 | 19;

/** What a compute or a default sees. */
export interface FieldContext {
  /** The ORM, for reading other records. */
  orm: OrmLike;
  uid: number;
  context: Record<string, RpcValue>;
  version: Version;
}

/** The part of the ORM that field computations use (kept small to avoid an import cycle). */
export interface OrmLike {
  version: Version;
  table(model: string): Map<number, StoredRecord>;
  model(name: string): ModelDef | undefined;
  displayName(model: string, id: number): string;
  valueOf(model: string, rec: StoredRecord, field: string): Stored;
  now(): string;
}

export interface FieldDef {
  name: string;
  type: FieldType;
  string: string;
  relation?: string;
  /** one2many: the many2one on the comodel that points back. */
  inverseName?: string;
  required?: boolean;
  /** As fields_get reports it; a readonly field can still be written over RPC unless it is computed. */
  readonly?: boolean;
  /** Computed on read (not stored, not writable unless `inverse` is set). */
  compute?: (rec: StoredRecord, ctx: FieldContext) => Stored;
  /** A computed field that accepts writes: turns the written value into stored values. */
  inverse?: (value: Stored, rec: StoredRecord, ctx: FieldContext) => Record<string, Stored>;
  default?: Stored | ((ctx: FieldContext) => Stored);
  selection?: Array<[string, string]>;
  /** mail.thread tracking: a write that changes it posts a tracking value. */
  tracking?: boolean;
  /** Copied by copy() (Odoo's default: stored fields except one2many). */
  copy?: boolean;
  /** many2one: what happens to this record when the target is deleted. */
  ondelete?: 'set null' | 'cascade' | 'restrict';
  /** Value kept as read out (comodel not modelled). */
  opaque?: boolean;
  help?: string;
  /** Searchable though not stored (it has a search method in Odoo). */
  searchable?: boolean;
  /** Only these groups may read it (fields.X(groups=...)); others do not see it in "all fields". */
  groups?: Group[];
  /** fields_get's `depends`: the paths a computed field is computed from (Odoo's @api.depends). */
  depends?: string[];
  /** fields_get's `related`: the path a related field reads (and writes) through. */
  related?: string;
  /** many2one_reference: the char field holding the model of the id (fields_get's `model_field`). */
  modelField?: string;
  /**
   * An `_inherits` field (BaseModel._add_inherited_fields): the parent's field of the same name,
   * read from and written to the parent record that `link` names, as the user.
   */
  inherited?: { link: string; parent: string };
}

export type Group =
  | 'base.group_user'
  | 'base.group_portal'
  | 'base.group_public'
  | 'base.group_erp_manager'
  | 'base.group_system'
  | 'sales_team.group_sale_salesman'
  | 'sales_team.group_sale_salesman_all_leads'
  | 'sales_team.group_sale_manager';

/** Who may do what on a model (ir.model.access): the groups that grant each right; 'everyone' grants it to all. */
export interface AccessRights {
  read: Array<Group | 'everyone'>;
  write: Array<Group | 'everyone'>;
  create: Array<Group | 'everyone'>;
  unlink: Array<Group | 'everyone'>;
}

export interface ModelDef {
  name: string;
  /** _description, as AccessError messages quote it. */
  description: string;
  /** _order */
  order: string;
  /** _rec_name */
  recName: string;
  fields: Map<string, FieldDef>;
  /** The order fields_get lists fields in, when it differs from `fields`. */
  fieldsGetOrder?: string[];
  access: AccessRights;
  /** Inherits mail.thread: message_post, tracking, message_ids. */
  mailThread?: boolean;
  /** Fields name_search matches on (_rec_names_search); default [recName]. */
  nameSearchFields?: string[];
  /** _parent_name, for child_of / parent_of. */
  parentName?: string;
  /** Python class name used in TypeError messages for methods defined on the model. */
  className?: string;
  /** Model-specific constraints checked after create and write. */
  check?: (rec: StoredRecord, ctx: FieldContext) => void;
  /** Computes display_name (default: the rec_name field). */
  displayName?: (rec: StoredRecord, ctx: FieldContext) => string;
  /** The module that defines it (ir.model.modules). */
  module: string;
  /** Odoo's `_inherits`: parent model → the required many2one that names the parent record. */
  inherits?: Record<string, string>;
}

export function makeFields(defs: FieldDef[]): Map<string, FieldDef> {
  const m = new Map<string, FieldDef>();
  for (const d of defs) m.set(d.name, d);
  return m;
}

export function isRelational(f: FieldDef): boolean {
  return f.type === 'many2one' || f.type === 'one2many' || f.type === 'many2many';
}

export function isX2many(f: FieldDef): boolean {
  return f.type === 'one2many' || f.type === 'many2many';
}

/** Stored fields hold their value in the record; computed ones and one2many with an inverse are derived. */
export function isStored(f: FieldDef): boolean {
  return !f.compute && !(f.type === 'one2many' && f.inverseName && !f.opaque);
}

/** The value a field holds before anything is written to it. */
export function emptyValue(f: FieldDef): Stored {
  switch (f.type) {
    case 'integer':
      return 0;
    case 'float':
    case 'monetary':
      return 0;
    case 'boolean':
      return false;
    case 'many2many':
    case 'one2many':
      return [];
    case 'properties':
      return [];
    default:
      return false;
  }
}

/** A stored value as Odoo reads it out (read(), search_read()). */
export function outputValue(f: FieldDef, v: Stored, displayName: (model: string, id: number) => string, load = true): RpcValue {
  if (f.opaque) return v;
  switch (f.type) {
    case 'float':
    case 'monetary': {
      const n = numberOf(v);
      return new PyFloat(n ?? 0);
    }
    case 'many2one':
      if (typeof v !== 'number' || v === 0) return false;
      return load ? [v, displayName(f.relation!, v)] : v;
    case 'integer':
      return typeof v === 'number' ? v : 0;
    case 'boolean':
      return v === true;
    case 'many2many':
    case 'one2many':
      return Array.isArray(v) ? [...v] : [];
    default:
      if (v === null || v === undefined) return false;
      return v;
  }
}

export class FieldValueError extends Error {
  constructor(
    message: string,
    readonly pythonType = 'ValueError',
  ) {
    super(message);
  }
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.\d+)?$/;

function pyRepr(v: RpcValue): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null) return 'None';
  return String(v);
}

/** Odoo's html_sanitize in the one respect the recordings show: plain text becomes a paragraph. */
export function sanitizeHtml(s: string): string {
  if (s === '') return '';
  if (/^\s*</.test(s)) return s;
  const escaped = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<p>${escaped}</p>`;
}

/** A value written over RPC, converted to its stored form (relational fields are handled by the ORM). */
export function convertScalar(f: FieldDef, v: RpcValue): Stored {
  if (v instanceof DateTimeValue) {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2}:\d{2}:\d{2})/.exec(v.iso);
    v = m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}` : v.iso;
  }
  if (v instanceof Base64Value) v = v.base64;
  switch (f.type) {
    case 'char':
    case 'text':
    case 'selection':
      if (v === false || v === null) return false;
      if (typeof v === 'string') {
        if (f.type === 'selection' && f.selection && f.selection.length && !f.selection.some(([k]) => k === v)) {
          throw new FieldValueError(`Wrong value for ${f.name}: ${pyRepr(v)}`);
        }
        return v;
      }
      if (typeof v === 'number' || v instanceof PyFloat) return String(numberOf(v));
      return String(v);
    case 'html':
      if (v === false || v === null) return false;
      return sanitizeHtml(typeof v === 'string' ? v : String(v));
    case 'integer': {
      if (v === false || v === null) return 0;
      if (v === true) return 1;
      const n = numberOf(v) ?? (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : undefined);
      if (n === undefined) throw new FieldValueError(`invalid literal for int() with base 10: ${pyRepr(v)}`);
      return Math.trunc(n);
    }
    case 'float':
    case 'monetary': {
      if (v === false || v === null) return 0;
      if (v === true) return 1;
      const n = numberOf(v) ?? (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : undefined);
      if (n === undefined) throw new FieldValueError(`could not convert string to float: ${pyRepr(v)}`);
      return n;
    }
    case 'boolean':
      if (typeof v === 'string') return v !== '';
      if (Array.isArray(v)) return v.length > 0;
      if (isStruct(v)) return Object.keys(v).length > 0;
      return Boolean(numberOf(v) ?? v);
    case 'date': {
      if (v === false || v === null || v === '') return false;
      if (typeof v !== 'string') throw new FieldValueError(`strptime() argument 1 must be str, not ${typeof v}`, 'TypeError');
      if (DATE_RE.test(v)) return v;
      const m = DATETIME_RE.exec(v);
      if (m) return m[1]!;
      throw new FieldValueError(`time data ${pyRepr(v)} does not match format '%Y-%m-%d'`);
    }
    case 'datetime': {
      if (v === false || v === null || v === '') return false;
      if (typeof v !== 'string') throw new FieldValueError(`strptime() argument 1 must be str, not ${typeof v}`, 'TypeError');
      const m = DATETIME_RE.exec(v);
      if (m) return `${m[1]} ${m[2]}`;
      if (DATE_RE.test(v)) return `${v} 00:00:00`;
      throw new FieldValueError(`time data ${pyRepr(v)} does not match format '%Y-%m-%d %H:%M:%S'`);
    }
    case 'binary':
      if (v === false || v === null || v === '') return false;
      return String(v);
    case 'json':
    case 'properties':
    case 'many2one_reference':
      return v;
    default:
      return v;
  }
}

/** Python's repr of a tuple of ids, as MissingError and ensure_one messages print a recordset. */
export function recordsetRepr(model: string, ids: number[]): string {
  return `${model}(${ids.join(', ')}${ids.length === 1 ? ',' : ''})`;
}

/** UTC now as Odoo writes datetimes. */
export function formatDatetime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}
