// Values as they travel through Odoo's RPC protocols, with the few kinds that a
// JavaScript number or string alone cannot carry faithfully.

/** A float that must stay a float on the wire (`<double>1.0</double>`, JSON `1.0`). */
export class PyFloat {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}

/** XML-RPC `<base64>`: kept as its base64 text so it can be re-encoded unchanged. */
export class Base64Value {
  constructor(readonly base64: string) {}
  toJSON(): string {
    return this.base64;
  }
}

/** XML-RPC `<dateTime.iso8601>`: kept as its text, e.g. `20261128T10:00:00`. */
export class DateTimeValue {
  constructor(readonly iso: string) {}
  toJSON(): string {
    return this.iso;
  }
}

export type RpcValue =
  | null
  | boolean
  | number
  | string
  | PyFloat
  | Base64Value
  | DateTimeValue
  | RpcValue[]
  | RpcStruct;

export interface RpcStruct {
  [key: string]: RpcValue;
}

/** Keys that would change an object's prototype or shadow its machinery when copied. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__']);

export function isStruct(v: unknown): v is RpcStruct {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof PyFloat) &&
    !(v instanceof Base64Value) &&
    !(v instanceof DateTimeValue)
  );
}

/** The number inside a number or PyFloat, else undefined. */
export function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  return undefined;
}

/** Python's repr() of a float, which is what Odoo writes for XML-RPC doubles and JSON floats. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // JavaScript and Python both produce the shortest round-tripping digits; only the layout differs.
  const [mantissa, expPart] = x.toExponential().split('e');
  const exp = Number(expPart);
  const negative = mantissa!.startsWith('-');
  const digits = mantissa!.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp >= -4 && exp < 16) {
    // fixed notation
    if (exp >= 0) {
      const intLen = exp + 1;
      const intPart = digits.length >= intLen ? digits.slice(0, intLen) : digits + '0'.repeat(intLen - digits.length);
      const frac = digits.length > intLen ? digits.slice(intLen) : '0';
      return `${sign}${intPart}.${frac}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
}
