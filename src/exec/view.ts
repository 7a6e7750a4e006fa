// What `exec --dry-run` shows: the command, the temporary key's scope and the variables the
// child would get, the key masked. Pure.

import type { LiveKey } from '../proxy/keys.js';
import type { Limits, Rule } from '../policy/types.js';
import { formatRule } from '../policy/compact.js';
import { formatDuration } from '../cli/time.js';
import { EXEC_VARIABLES, execVariables, maskedVariables } from './environment.js';
import type { CommandProblem } from './process.js';

/** Stands for the port picked when the proxy starts. */
export const PORT_PLACEHOLDER = '<port>';

export interface DryRunView {
  dry_run: true;
  command: { name: string; args: string[]; path: string | null; problem: { code: string; message: string; exit_code: number } | null };
  profile: { name: string; url: string; db: string };
  key: {
    id: string;
    name: string;
    /** --key NAME, when the scope comes from an existing key. */
    from_key: string | null;
    expires: string;
    rules: Rule[];
    scope: string[];
    limits: Limits;
    /** The flags' scope every call must also pass (with --key and flags). */
    narrowing: { rules: Rule[]; scope: string[]; limits: Limits } | null;
  };
  kill_on_expiry: { grace_ms: number } | null;
  /** The child's variables, the key masked. */
  variables: Record<string, string>;
  /** Variables of exec's environment withheld from the child besides the replaced ones. */
  withheld: string[];
}

export interface DryRunInput {
  command: string;
  args: string[];
  found: { path: string } | { problem: CommandProblem };
  profile: { name: string; url: string; db: string; login: string };
  key: LiveKey;
  token: string;
  fromKey?: string;
  killOnExpiry: boolean;
  killGraceMs: number;
  withheld: string[];
}

export function dryRunView(i: DryRunInput): DryRunView {
  const r = i.key.record;
  const vars = execVariables({ url: `http://127.0.0.1:${PORT_PLACEHOLDER}`, db: i.profile.db, login: i.profile.login, token: i.token, expiresAt: r.expires!, keyId: r.id });
  const n = i.key.narrowing;
  return {
    dry_run: true,
    command: { name: i.command, args: i.args, path: 'path' in i.found ? i.found.path : null, problem: 'problem' in i.found ? { code: i.found.problem.code, message: i.found.problem.message, exit_code: i.found.problem.exitCode } : null },
    profile: { name: i.profile.name, url: i.profile.url, db: i.profile.db },
    key: {
      id: r.id,
      name: r.name,
      from_key: i.fromKey ?? null,
      expires: r.expires!,
      rules: r.rules,
      scope: r.rules.map(formatRule),
      limits: r.limits ?? {},
      narrowing: n ? { rules: n.rules, scope: n.rules.map(formatRule), limits: n.limits } : null,
    },
    kill_on_expiry: i.killOnExpiry ? { grace_ms: i.killGraceMs } : null,
    variables: maskedVariables(vars),
    withheld: i.withheld,
  };
}

function limitsLine(l: Limits): string | null {
  const parts = Object.entries(l).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') : String(v)}`);
  return parts.length ? parts.join('; ') : null;
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function dryRunText(v: DryRunView, now: Date): string {
  const out: string[] = [];
  const cmd = [v.command.name, ...v.command.args].map(shellQuote).join(' ');
  out.push(`Dry run: nothing started. exec would run  ${cmd}`);
  out.push(v.command.problem ? `  program     ${v.command.problem.message} (exec would exit ${v.command.problem.exit_code})` : `  program     ${v.command.path}`);
  out.push(`  profile     ${v.profile.name} (${v.profile.url}, database ${v.profile.db})`);
  out.push(`  key         ${v.key.name} (id ${v.key.id}), in memory only${v.key.from_key ? `, scope of key '${v.key.from_key}'` : ''}`);
  const left = Date.parse(v.key.expires) - now.getTime();
  out.push(`  expires     ${v.key.expires} (in ${formatDuration(left)})${v.kill_on_expiry ? `; then SIGTERM, and SIGKILL ${formatDuration(v.kill_on_expiry.grace_ms)} later` : '; then calls are refused'}`);
  out.push('Scope:');
  for (const s of v.key.scope) out.push(`  ${s}`);
  const limits = limitsLine(v.key.limits);
  if (limits) out.push(`  limits: ${limits}`);
  if (v.key.narrowing) {
    out.push('Narrowed by the flags (a call needs both):');
    for (const s of v.key.narrowing.scope) out.push(`  ${s}`);
    const nl = limitsLine(v.key.narrowing.limits);
    if (nl) out.push(`  limits: ${nl}`);
  }
  out.push('Variables:');
  for (const name of EXEC_VARIABLES) out.push(`  ${name}=${v.variables[name]}`);
  out.push(`  (${PORT_PLACEHOLDER}: a free port picked at start; variables of these names already set are replaced${v.withheld.length ? `; ${v.withheld.join(', ')} is not passed on` : ''})`);
  return out.join('\n');
}
