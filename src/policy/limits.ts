// Key-level limits: parsing their text forms and the pure checks decide() and the proxy use.
// Stateful limits (rate, records per hour) are pure functions over a state value the proxy keeps.

// ---------------------------------------------------------------------------------------------
// Rate: `60/min`, `1000/h`, `5/s`, `20000/day`

export interface Rate {
  /** Calls allowed per period (also the bucket's capacity: a full minute's worth may burst). */
  count: number;
  periodMs: number;
}

const RATE_UNITS: Record<string, number> = {
  s: 1000, sec: 1000, second: 1000,
  m: 60_000, min: 60_000, minute: 60_000,
  h: 3_600_000, hr: 3_600_000, hour: 3_600_000,
  d: 86_400_000, day: 86_400_000,
};

export class LimitSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LimitSyntaxError';
  }
}

/** Parses `60/min`; throws LimitSyntaxError saying what a rate looks like. */
export function parseRate(text: string): Rate {
  const m = /^\s*([0-9]+)\s*\/\s*([a-z]+)\s*$/.exec(String(text));
  const unit = m ? RATE_UNITS[m[2]!] : undefined;
  if (!m || unit === undefined) throw new LimitSyntaxError(`'${text}' is not a rate: write calls/period, e.g. 60/min, 1000/h, 5/s, 20000/day`);
  const count = Number(m[1]);
  if (!Number.isSafeInteger(count) || count < 1) throw new LimitSyntaxError(`'${text}': the number of calls must be a positive integer`);
  return { count, periodMs: unit };
}

/** A token bucket's state, kept by the proxy per key. */
export interface RateBucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms since the epoch). */
  updatedMs: number;
}

/**
 * Takes one token from the key's bucket. The bucket holds `count` tokens and refills at
 * count/period, so `60/min` allows a burst of 60 then one a second. Pure: returns the new state.
 */
export function takeToken(bucket: RateBucket | undefined, rate: string | Rate, nowMs: number): { ok: boolean; bucket: RateBucket; retryAfterMs: number } {
  const r = typeof rate === 'string' ? parseRate(rate) : rate;
  const perMs = r.count / r.periodMs;
  let tokens = r.count;
  if (bucket) {
    const elapsed = Math.max(0, nowMs - bucket.updatedMs); // a clock step backwards refills nothing
    tokens = Math.min(r.count, bucket.tokens + elapsed * perMs);
  }
  if (tokens >= 1) return { ok: true, bucket: { tokens: tokens - 1, updatedMs: nowMs }, retryAfterMs: 0 };
  return { ok: false, bucket: { tokens, updatedMs: nowMs }, retryAfterMs: Math.ceil((1 - tokens) / perMs) };
}

/** Records read in the current hour, per key (a fixed window aligned to the hour in UTC). */
export interface RecordsBudget {
  windowStartMs: number;
  used: number;
}

const HOUR_MS = 3_600_000;

/**
 * How many records a search may still return under `records_per_hour`. The proxy narrows the
 * search's limit to `allowed` before forwarding (deny when it is 0), then calls chargeRecords
 * with the number of records the answer actually held.
 */
export function recordsAllowance(budget: RecordsBudget | undefined, perHour: number, nowMs: number): { allowed: number; budget: RecordsBudget; retryAfterMs: number } {
  const windowStartMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  const current = budget && budget.windowStartMs === windowStartMs ? budget : { windowStartMs, used: 0 };
  const allowed = Math.max(0, perHour - current.used);
  return { allowed, budget: current, retryAfterMs: allowed > 0 ? 0 : windowStartMs + HOUR_MS - nowMs };
}

/**
 * Gives back records held for a call that read fewer (or none: an error, a refusal after the hold).
 * Only within the hour they were held in: a new hour started from zero anyway.
 */
export function refundRecords(budget: RecordsBudget | undefined, count: number, heldInWindowMs: number): RecordsBudget | undefined {
  if (!budget || budget.windowStartMs !== heldInWindowMs) return budget;
  return { windowStartMs: budget.windowStartMs, used: Math.max(0, budget.used - Math.max(0, count)) };
}

/** Adds the records an answer returned to the budget. */
export function chargeRecords(budget: RecordsBudget | undefined, count: number, nowMs: number): RecordsBudget {
  const windowStartMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  const used = budget && budget.windowStartMs === windowStartMs ? budget.used : 0;
  return { windowStartMs, used: used + Math.max(0, count) };
}

// ---------------------------------------------------------------------------------------------
// Hours: `Mon-Fri 08:00-18:00 Europe/Amsterdam`, `Mon-Fri 08:00-12:00; Sat 09:00-12:00 UTC`,
// `Fri 22:00-02:00 Europe/Paris` (past midnight: the window belongs to the day it starts on).

export interface HoursWindow {
  /** Days the window starts on, 0 = Monday ... 6 = Sunday. */
  days: number[];
  /** Minutes after local midnight. */
  start: number;
  /** Minutes after local midnight; <= start means the window runs past midnight. 1440 = 24:00. */
  end: number;
}

export interface Hours {
  windows: HoursWindow[];
  zone: string;
  /** The text it was parsed from, for messages. */
  text: string;
}

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

// Answers of isTimeZone: building an Intl.DateTimeFormat to ask costs about 0.2 ms, and an hours
// limit is parsed again on every call the proxy decides. Zones come from the registry; bounded anyway.
const knownZones = new Map<string, boolean>();

/** Whether Intl knows the zone (the IANA database ICU carries, aliases such as UTC included). */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-]*(?:\/[A-Za-z0-9_+\-]+)*$/.test(zone)) return false;
  const known = knownZones.get(zone);
  if (known !== undefined) return known;
  let ok: boolean;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    ok = true;
  } catch {
    ok = false;
  }
  if (knownZones.size < 1000) knownZones.set(zone, ok);
  return ok;
}

function parseDayList(text: string, whole: string): number[] {
  const days = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^([A-Za-z]{3})(?:-([A-Za-z]{3}))?$/.exec(part);
    const a = m ? DAY_NAMES.indexOf(m[1]!.toLowerCase()) : -1;
    const b = m && m[2] ? DAY_NAMES.indexOf(m[2].toLowerCase()) : a;
    if (!m || a < 0 || b < 0) throw new LimitSyntaxError(`'${whole}': '${part}' is not a day or day range (Mon, Tue, Wed, Thu, Fri, Sat, Sun; e.g. Mon-Fri)`);
    for (let d = a; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === b) break;
    }
  }
  return [...days].sort((x, y) => x - y);
}

function parseClock(text: string, whole: string, allow24: boolean): number {
  const m = /^([0-9]{2}):([0-9]{2})$/.exec(text);
  const h = m ? Number(m[1]) : NaN;
  const min = m ? Number(m[2]) : NaN;
  if (!m || min > 59 || h > 24 || (h === 24 && (min !== 0 || !allow24))) throw new LimitSyntaxError(`'${whole}': '${text}' is not a time of day (HH:MM, 00:00 to 24:00)`);
  return h * 60 + min;
}

/** Parses an hours limit; throws LimitSyntaxError naming the part that is wrong. */
export function parseHours(text: string): Hours {
  const whole = String(text).trim();
  const zoneMatch = /\s(\S+)$/.exec(whole);
  const zone = zoneMatch ? zoneMatch[1]! : '';
  if (!zoneMatch || /^[0-9]/.test(zone) || zone.includes(':')) {
    throw new LimitSyntaxError(`'${text}' is not an hours limit: write days, times and an IANA time zone, e.g. 'Mon-Fri 08:00-18:00 Europe/Amsterdam'`);
  }
  if (!isTimeZone(zone)) throw new LimitSyntaxError(`'${text}': '${zone}' is not a known IANA time zone (e.g. Europe/Amsterdam, America/New_York, UTC)`);
  const body = whole.slice(0, zoneMatch.index).trim();
  const windows: HoursWindow[] = [];
  for (const part of body.split(';')) {
    const m = /^\s*(\S+)\s+(\S+?)-(\S+)\s*$/.exec(part);
    if (!m) throw new LimitSyntaxError(`'${text}': '${part.trim()}' should be days and a time range, e.g. 'Mon-Fri 08:00-18:00'`);
    const days = parseDayList(m[1]!, text);
    const start = parseClock(m[2]!, text, false);
    const end = parseClock(m[3]!, text, true);
    if (start === end) throw new LimitSyntaxError(`'${text}': the time range ${m[2]}-${m[3]} is empty`);
    windows.push({ days, start, end });
  }
  return { windows, zone, text: whole };
}

const weekdayFormatters = new Map<string, Intl.DateTimeFormat>();

/** Local weekday (0 = Monday) and minutes after midnight of an instant in a zone, through Intl. */
export function localTime(now: Date, zone: string): { day: number; minutes: number } {
  let f = weekdayFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    weekdayFormatters.set(zone, f);
  }
  const parts = f.formatToParts(now);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const day = DAY_NAMES.indexOf(get('weekday').toLowerCase());
  const minutes = (Number(get('hour')) % 24) * 60 + Number(get('minute'));
  return { day, minutes };
}

/**
 * Whether an instant falls inside the hours, judged on the local wall clock of the zone: a window
 * 01:00-03:00 lasts one hour on the spring-forward night and three on the fall-back night, as a
 * person reading the clock on the wall would expect.
 */
export function withinHours(hours: Hours | string, now: Date): boolean {
  const h = typeof hours === 'string' ? parseHours(hours) : hours;
  const { day, minutes } = localTime(now, h.zone);
  const yesterday = (day + 6) % 7;
  for (const w of h.windows) {
    if (w.end > w.start) {
      if (w.days.includes(day) && minutes >= w.start && minutes < w.end) return true;
    } else {
      // Past midnight: from start on the listed day to end on the next one.
      if (w.days.includes(day) && minutes >= w.start) return true;
      if (w.days.includes(yesterday) && minutes < w.end) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Addresses: CIDR v4 and v6; IPv4-mapped IPv6 (::ffff:a.b.c.d) is compared as IPv4.

export interface Cidr {
  family: 4 | 6;
  /** The network address as a number (32 or 128 bits). */
  network: bigint;
  prefix: number;
  text: string;
}

function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0n;
  for (const p of parts) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return null; // no leading zeros: octal ambiguity
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

function parseIpv6(input: string): bigint | null {
  let text = input;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone); // a link-local zone id names an interface, not an address
  let tail: bigint | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail = parseIpv4(text.slice(lastColon + 1));
    if (tail === null) return null;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === '') return [];
    const g = s.split(':');
    if (!g.every((x) => /^[0-9a-fA-F]{1,4}$/.test(x))) return null;
    return g.map((x) => parseInt(x, 16));
  };
  const head = parseGroups(halves[0]!);
  const rest = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !rest) return null;
  let groups: number[];
  if (halves.length === 2) {
    if (head.length + rest.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  } else {
    if (head.length !== 8) return null;
    groups = head;
  }
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  if (tail !== null) n = (n & ~0xffffffffn) | tail;
  return n;
}

/** An address as (family, number); IPv4-mapped IPv6 comes back as IPv4. Null when not an address. */
export function parseIp(text: string): { family: 4 | 6; value: bigint } | null {
  const s = String(text).trim();
  const v4 = parseIpv4(s);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = s.includes(':') ? parseIpv6(s.replace(/^\[|\]$/g, '')) : null;
  if (v6 === null) return null;
  if (v6 >> 32n === 0xffffn) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

/** Parses `203.0.113.0/24`, `2001:db8::/32` or a single address; host bits must be zero. */
export function parseCidr(text: string): Cidr {
  const s = String(text).trim();
  const slash = s.indexOf('/');
  const addrText = slash >= 0 ? s.slice(0, slash) : s;
  const v4 = parseIpv4(addrText);
  const v6 = v4 === null && addrText.includes(':') ? parseIpv6(addrText) : null;
  if (v4 === null && v6 === null) throw new LimitSyntaxError(`'${text}' is not an IP address or CIDR range (e.g. 203.0.113.0/24, 2001:db8::/32)`);
  let family: 4 | 6 = v4 !== null ? 4 : 6;
  let network = (v4 ?? v6)!;
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > bits) throw new LimitSyntaxError(`'${text}': the prefix length must be 0 to ${bits}`);
    prefix = Number(p);
  }
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  if ((network & hostMask) !== 0n) {
    const fixed = network & ~hostMask;
    const shown = family === 4 ? formatIpv4(fixed) : formatIpv6Plain(fixed);
    throw new LimitSyntaxError(`'${text}' has host bits set; did you mean ${shown}/${prefix}?`);
  }
  // ::ffff:0:0/96 and longer: the mapped range is an IPv4 range.
  if (family === 6 && prefix >= 96 && network >> 32n === 0xffffn) {
    family = 4;
    network &= 0xffffffffn;
    prefix -= 96;
  }
  return { family, network, prefix, text: s };
}

function formatIpv4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((sh) => String((n >> sh) & 255n)).join('.');
}

function formatIpv6Plain(n: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

/** Whether a client address falls in a CIDR range. */
export function cidrContains(cidr: Cidr | string, address: string): boolean {
  const c = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
  const ip = parseIp(address);
  if (!ip || ip.family !== c.family) return false;
  const bits = c.family === 4 ? 32 : 128;
  const shift = BigInt(bits - c.prefix);
  return ip.value >> shift === c.network >> shift;
}

/** Whether an address falls in any of the ranges. */
export function ipAllowed(ranges: readonly (string | Cidr)[], address: string): boolean {
  return ranges.some((r) => cidrContains(r, address));
}
