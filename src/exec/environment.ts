// The child's environment under `odoo-keys exec`: the variables that point an unchanged Odoo
// script at the local proxy with the temporary key, the marker that makes a nested exec refuse,
// and what must never reach the child. Pure.

import { UPSTREAM_KEY_ENV } from '../secrets/upstream-key.js';

/** Set in the child's environment (to the temporary key's public id): a nested exec sees it. */
export const EXEC_MARKER = 'ODOO_KEYS_EXEC';

/** The variables exec sets, in the order they are shown. */
export const EXEC_VARIABLES = [
  'ODOO_URL',
  'ODOO_DB',
  'ODOO_DATABASE',
  'ODOO_USERNAME',
  'ODOO_USER',
  'ODOO_PASSWORD',
  'ODOO_API_KEY',
  'ODOO_KEYS_EXPIRES_AT',
  EXEC_MARKER,
] as const;

export type ExecVariable = (typeof EXEC_VARIABLES)[number];

/** The variables holding the temporary key: masked wherever they are shown. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set(['ODOO_PASSWORD', 'ODOO_API_KEY']);

/**
 * Never passed on: the profile's real upstream key may sit in exec's own environment (headless
 * servers), and a child holding it would not need the proxy at all.
 */
export const WITHHELD_VARIABLES: readonly string[] = [UPSTREAM_KEY_ENV];

export interface ExecVariableInput {
  /** The local proxy, `http://127.0.0.1:PORT`. */
  url: string;
  db: string;
  /** The profile's login: scripts that authenticate pass it; the proxy ignores it. */
  login: string;
  /** The temporary key, `odk_<id>_<secret>`. */
  token: string;
  /** ISO 8601. */
  expiresAt: string;
  /** The temporary key's public id. */
  keyId: string;
}

export function execVariables(v: ExecVariableInput): Record<ExecVariable, string> {
  return {
    ODOO_URL: v.url,
    ODOO_DB: v.db,
    ODOO_DATABASE: v.db,
    ODOO_USERNAME: v.login,
    ODOO_USER: v.login,
    ODOO_PASSWORD: v.token,
    ODOO_API_KEY: v.token,
    ODOO_KEYS_EXPIRES_AT: v.expiresAt,
    [EXEC_MARKER]: v.keyId,
  };
}

/** Names compare without case on Windows, where the environment does too. */
function sameName(a: string, b: string, platform: NodeJS.Platform): boolean {
  return platform === 'win32' ? a.toUpperCase() === b.toUpperCase() : a === b;
}

/**
 * The child's environment: exec's own, minus every variable exec sets (an ODOO_PASSWORD already
 * there is replaced, never passed on beside the new one) and the withheld ones, plus `vars`.
 */
export function childEnvironment(base: NodeJS.ProcessEnv, vars: Record<string, string>, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  const drop = [...Object.keys(vars), ...WITHHELD_VARIABLES];
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined) continue;
    if (drop.some((d) => sameName(d, name, platform))) continue;
    env[name] = value;
  }
  return Object.assign(env, vars);
}

/** `odk_1a2b3c4d_****`: the public id stays readable, the secret does not. */
export function maskToken(token: string): string {
  const m = /^(odk_[0-9a-f]{8}_)/.exec(token);
  return m ? `${m[1]}${'*'.repeat(8)}` : '*'.repeat(8);
}

/** The variables as shown by --dry-run and in messages: the key masked. */
export function maskedVariables(vars: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) out[k] = SECRET_VARIABLES.has(k) ? maskToken(v) : v;
  return out;
}

/** The temporary key id of the exec this process runs under, if any (a nested exec is refused without --allow-nested). */
export function enclosingExec(env: NodeJS.ProcessEnv): string | undefined {
  const v = env[EXEC_MARKER];
  return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
}
