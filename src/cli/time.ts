// Durations and instants as users type them: `15m`, `24h`, `90d`, `2w`, or an ISO date/time.
import { usageError } from './errors.js';
import { dateExists } from '../registry/registry.js';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

const MAX_DURATION_MS = 100 * 365.25 * 86_400_000;

/** `90d` -> milliseconds. Several parts may be combined: `1h30m`. Throws a usage error naming `flag`. */
export function parseDuration(text: string, flag = 'duration'): number {
  const t = text.trim();
  const re = /(\d+(?:\.\d+)?)(ms|sec|min|s|m|h|d|w)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t))) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (!t || matched !== t.length || !(total > 0) || !Number.isFinite(total)) {
    throw usageError(`${flag}: '${text}' is not a duration (use e.g. 30s, 15m, 24h, 90d, 2w)`, 'bad_duration');
  }
  // Far beyond any key's life, and past what a date can hold (a bare RangeError later).
  if (total > MAX_DURATION_MS) throw usageError(`${flag}: '${text}' is longer than 100 years`, 'bad_duration');
  return Math.round(total);
}

/** A duration from now (`90d`) or an absolute ISO 8601 date or date-time (`2027-02-26`, `2027-02-26T10:00:00Z`). */
export function parseInstant(text: string, now: Date, flag = 'time', direction: 'future' | 'past' = 'future'): Date {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) {
    // A bare date or a date-time without zone is read as UTC, so the result does not depend on the machine.
    const iso = /T|\s/.test(t) ? t.replace(' ', 'T') + (/(Z|[+-]\d{2}:?\d{2})$/.test(t) ? '' : 'Z') : `${t}T00:00:00Z`;
    const d = new Date(iso);
    if (Number.isNaN(d.getTime()) || !dateExists(t)) throw usageError(`${flag}: '${text}' is not a valid date`, 'bad_time');
    return d;
  }
  const ms = parseDuration(t, flag);
  const at = new Date(now.getTime() + (direction === 'future' ? ms : -ms));
  // Past year 275760 a Date is invalid, and toISOString throws a bare RangeError later.
  if (Number.isNaN(at.getTime())) throw usageError(`${flag}: '${text}' is too long a time`, 'bad_duration');
  return at;
}

/** `90d` style text for a duration, largest unit first, for messages. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(ms / 1000));
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.length ? parts.slice(0, 2).join('') : '0s';
}
