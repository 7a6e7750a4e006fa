// Exceptions the stand-in raises, carrying the Odoo error they stand for, plus Python's repr()
// for the values that Odoo quotes in its messages.

import { odooErrors, type OdooError } from '../../src/rpc/errors.js';
import { PyFloat, isStruct, pyFloatRepr, type RpcValue } from '../../src/rpc/values.js';

export class OdooRaise extends Error {
  constructor(
    readonly error: OdooError,
    /** Innermost frames of the fake traceback: [file, line, function, code]. */
    readonly frames: Frame[] = [],
  ) {
    super(error.message);
    this.name = 'OdooRaise';
  }
}

export type Frame = [file: string, line: number, fn: string, code: string];

export const raise = {
  accessError: (message: string, frames?: Frame[]) => new OdooRaise(odooErrors.accessError(message), frames),
  accessDenied: (frames?: Frame[]) => new OdooRaise(odooErrors.accessDenied(), frames),
  userError: (message: string, frames?: Frame[]) => new OdooRaise(odooErrors.userError(message), frames),
  validationError: (message: string, frames?: Frame[]) => new OdooRaise(odooErrors.validationError(message), frames),
  missingError: (message: string, frames?: Frame[]) => new OdooRaise(odooErrors.missingError(message), frames),
  builtin: (type: string, message: string, frames?: Frame[]) => new OdooRaise(odooErrors.builtin(type, message), frames),
  valueError: (message: string, frames?: Frame[]) => new OdooRaise(odooErrors.builtin('ValueError', message), frames),
  typeError: (message: string, frames?: Frame[]) => new OdooRaise(odooErrors.builtin('TypeError', message), frames),
  http: (status: number, message: string, frames?: Frame[]) => new OdooRaise(odooErrors.http(status, message), frames),
  other: (name: string, message: string, frames?: Frame[]) => new OdooRaise({ name, message }, frames),
};

/** Python's repr() of a decoded RPC value (lists print as lists; pass asTuple for a tuple). */
export function pyRepr(v: RpcValue | undefined, asTuple = false): string {
  if (v === undefined || v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === 'string') {
    const q = v.includes("'") && !v.includes('"') ? '"' : "'";
    const body = v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
    return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
  }
  if (Array.isArray(v)) {
    const inner = v.map((x) => pyRepr(x)).join(', ');
    return asTuple ? `(${inner}${v.length === 1 ? ',' : ''})` : `[${inner}]`;
  }
  if (isStruct(v)) return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

/** The Python type name of a decoded value, as TypeError messages print it. */
export function pyTypeName(v: RpcValue | undefined): string {
  if (v === undefined || v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  if (isStruct(v)) return 'dict';
  return 'object';
}
