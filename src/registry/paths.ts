// Where odoo-keys keeps its files: the registry under the XDG config folder, the journal and the
// last-used data under the XDG state folder. Environment overrides come first so tests and
// several installs on one machine never share files by accident.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== '' ? v : undefined;
}

/** The folder holding keys.yaml: --home, else $ODOO_KEYS_HOME, else $XDG_CONFIG_HOME/odoo-keys, else ~/.config/odoo-keys. */
export function configHome(homeFlag?: string): string {
  const explicit = nonEmpty(homeFlag) ?? nonEmpty(process.env.ODOO_KEYS_HOME);
  if (explicit) return resolve(explicit);
  const xdg = nonEmpty(process.env.XDG_CONFIG_HOME);
  return resolve(xdg ?? join(homedir(), '.config'), 'odoo-keys');
}

/** The registry file inside a config home. */
export function registryPath(home: string): string {
  return join(home, 'keys.yaml');
}

/** The folder for the journal and last-used data: $ODOO_KEYS_STATE_HOME, else $XDG_STATE_HOME/odoo-keys, else ~/.local/state/odoo-keys. */
export function stateHome(): string {
  const explicit = nonEmpty(process.env.ODOO_KEYS_STATE_HOME);
  if (explicit) return resolve(explicit);
  const xdg = nonEmpty(process.env.XDG_STATE_HOME);
  return resolve(xdg ?? join(homedir(), '.local', 'state'), 'odoo-keys');
}
