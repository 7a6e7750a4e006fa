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
  /**
   * The value as Odoo's JSON layers take a datetime: `YYYY-MM-DD HH:MM:SS` (fields.Datetime.to_string).
   * Odoo's XML-RPC reads the text into a datetime (loads(use_datetime=True)), so a call carried to
   * JSON-2 must send that datetime, not the XML-RPC text, which Odoo's fields refuse. Text Python
   * cannot read is refused by the request decoder first; such a value (from an answer, say) is kept.
   */
  toJSON(): string {
    const d = parsePyDateTime(this.iso);
    return typeof d === 'string' ? this.iso : odooDateTimeString(d);
  }
}

export interface DateTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * Python's `datetime.strptime(text, '%Y%m%dT%H:%M:%S')`, which xmlrpc.client.loads(use_datetime=True)
 * applies to a `<dateTime.iso8601>` text as it stands (untrimmed): the parts, or the ValueError
 * message Python gives. The pattern is _strptime's (each field 1 or 2 digits but %Y, `T` in any
 * case), matched from the start with its alternatives tried in order, then "unconverted data
 * remains" for what is left: a date alone, a `Z` or `+01:00` suffix, fractions of a second all
 * fail as they fail in Odoo. Python also reads digits of other scripts (`\d` is Unicode there);
 * these are refused here, with a message of our own: the safe side of the difference.
 */
export function parsePyDateTime(text: string): DateTimeParts | string {
  const doesNotMatch = `time data ${pyStrRepr(text)} does not match format '%Y%m%dT%H:%M:%S'`;
  const m = PY_DATETIME_RE.exec(text);
  if (!m) {
    if (/[^\x00-\x7f]/.test(text) && /\p{Nd}/u.test(text.replace(/[0-9]/g, ''))) return `the dateTime ${pyStrRepr(text)} has digits other than 0-9, which the proxy does not read`;
    return doesNotMatch;
  }
  if (m[0].length !== text.length) return `unconverted data remains: ${text.slice(m[0].length)}`;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((g) => Number(g!.trim()));
  if (year! < 1) return `year ${year} is out of range`;
  const daysIn = new Date(Date.UTC(2000, month!, 0)).getUTCDate(); // a leap year, for 29 February
  const leap = (year! % 4 === 0 && year! % 100 !== 0) || year! % 400 === 0;
  if (day! > (month === 2 ? (leap ? 29 : 28) : daysIn)) return 'day is out of range for month';
  if (second! > 59) return 'second must be in 0..59';
  return { year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second: second! };
}

// _strptime's regexes for %Y %m %d T %H %M %S, in its order of alternatives; case-insensitive as Python compiles it.
const PY_DATETIME_RE = /^(\d\d\d\d)(1[0-2]|0[1-9]|[1-9])(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])T(2[0-3]|[0-1]\d|\d):([0-5]\d|\d):(6[0-1]|[0-5]\d|\d)/i;

/** fields.Datetime.to_string: `YYYY-MM-DD HH:MM:SS` (the year always 4 digits, which Odoo reads back). */
export function odooDateTimeString(d: DateTimeParts): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.year, 4)}-${p(d.month)}-${p(d.day)} ${p(d.hour)}:${p(d.minute)}:${p(d.second)}`;
}

/** Python's repr() of a str, enough for error messages: single quotes unless the text holds one. */
function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
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
