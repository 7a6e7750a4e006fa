// How a key looks in --json output and in tables. The JSON shape is documented in the README
// ("--json shapes") and kept stable: fields are added, never renamed or removed.
import type { KeyRecord, KeyStatus, Registry } from '../../src/registry/types.js';
import { keyStatus } from '../../src/registry/registry.js';
import type { Limits, Rule } from '../../src/policy/types.js';
import { describeRules, formatLimits, formatRule } from '../../src/policy/compact.js';
import { formatDuration } from '../../src/cli/time.js';
import { palette, table } from '../../src/cli/style.js';

export interface KeyView {
  id: string;
  name: string;
  profile: string;
  status: KeyStatus;
  description: string | null;
  created: string;
  expires: string | null;
  revoked: string | null;
  /** Until when the secret from before the last rotation still works (null when it does not). */
  previous_valid_until: string | null;
  last_used: string | null;
  learning: boolean;
  /** The rules in the compact form (`crm.lead:create(name,email_from)`), one per rule. */
  scope: string[];
  /** One-line summary of the rules. */
  summary: string;
  rules: Rule[];
  limits: Limits;
}

/** What a learning key may do (issue 11): its rules are empty until `scope suggest --apply`. */
export const LEARNING_SUMMARY = 'LEARNING: whatever the Odoo user may, except sensitive models';

export function keyView(key: KeyRecord, now: Date, lastUsed: Record<string, string>): KeyView {
  const prevLive = key.previous && Date.parse(key.previous.until) > now.getTime() && !key.revoked;
  return {
    id: key.id,
    name: key.name,
    profile: key.profile,
    status: keyStatus(key, now),
    description: key.description ?? null,
    created: key.created,
    expires: key.expires ?? null,
    revoked: key.revoked ?? null,
    previous_valid_until: prevLive ? key.previous!.until : null,
    last_used: lastUsed[key.id] ?? null,
    learning: key.learning ?? false,
    scope: key.rules.map(formatRule),
    summary: key.learning ? LEARNING_SUMMARY : describeRules(key.rules),
    rules: key.rules,
    limits: key.limits ?? {},
  };
}

/** `2027-02-26 10:00Z (in 89d)`; `-` for none. */
export function when(iso: string | null | undefined, now: Date): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  const shown = new Date(t).toISOString().slice(0, 16).replace('T', ' ') + 'Z';
  const delta = t - now.getTime();
  if (Math.abs(delta) < 60_000) return `${shown} (now)`;
  return `${shown} (${delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`})`;
}

/** A key's limits in one line, worded as keys.yaml and the journal word them (formatLimits). */
export function limitsText(limits: Limits): string {
  return formatLimits(limits).join('; ') || '-';
}

export function statusText(status: KeyStatus, stream: NodeJS.WriteStream = process.stdout): string {
  const c = palette(stream);
  switch (status) {
    case 'active':
      return c.green(status);
    case 'expiring':
      return c.yellow('expiring soon');
    case 'rotating':
      return c.cyan(status);
    case 'learning':
      return c.magenta(status);
    case 'not_yet':
      return c.red('not yet (clock)');
    default:
      return c.red(status);
  }
}

export function keysTable(views: KeyView[], now: Date): string {
  return table(
    ['name', 'id', 'profile', 'scope', 'limits', 'created', 'expires', 'status', 'last used'],
    views.map((v) => [
      v.name,
      v.id,
      v.profile,
      v.summary.length > 60 ? `${v.summary.slice(0, 57)}...` : v.summary,
      limitsText(v.limits),
      v.created.slice(0, 10),
      v.expires ? when(v.expires, now) : 'never',
      statusText(v.status),
      v.last_used ? when(v.last_used, now) : 'never',
    ]),
  );
}

/** The detailed view of one key for `show` (and after scope/rotate). */
export function keyDetails(v: KeyView, now: Date): string {
  const c = palette();
  const lines = [
    `${c.bold(v.name)}  (id ${v.id}, profile ${v.profile})`,
    `status     ${statusText(v.status)}`,
    ...(v.description ? [`about      ${v.description}`] : []),
    `created    ${when(v.created, now)}`,
    `expires    ${v.expires ? when(v.expires, now) : 'never'}`,
    ...(v.revoked ? [`revoked    ${when(v.revoked, now)}`] : []),
    ...(v.previous_valid_until ? [`old secret valid until ${when(v.previous_valid_until, now)} (who still uses it: odoo-keys audit --key ${v.name} --calls)`] : []),
    `last used  ${v.last_used ? when(v.last_used, now) : 'never'}`,
    `limits     ${limitsText(v.limits)}`,
  ];
  const rules = v.learning
    ? `${c.bold.yellow(LEARNING_SUMMARY)}; every call is recorded (odoo-keys scope suggest ${v.name} prints the scope learned so far)`
    : v.rules.length
    ? table(
        ['#', 'model', 'methods', 'fields', 'records'],
        v.rules.map((r, i) => [
          String(i),
          r.model + (r.allow_sensitive ? ' (sensitive allowed)' : ''),
          r.methods.join(', '),
          r.fields === undefined ? 'any' : r.fields.length ? r.fields.join(', ') : 'none',
          (r.domain ? JSON.stringify(r.domain) : 'all') + (r.max_limit ? `, at most ${r.max_limit} per search` : ''),
        ]),
      )
    : 'no rules: every call is denied';
  return `${lines.join('\n')}\n${rules}`;
}

export function profileNames(reg: Registry): string[] {
  return Object.keys(reg.profiles);
}
