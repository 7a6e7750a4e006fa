// `odoo-keys audit --odoo`: ask the profile's Odoo what the integration user changed in the window
// and attribute each change to the key whose journaled call made it.
import { CliError, EXIT } from '../../src/cli/errors.js';
import { configHome, registryPath } from '../../src/registry/paths.js';
import { RegistryStore } from '../../src/registry/store.js';
import { resolveProfile } from '../../src/registry/registry.js';
import { readUpstreamKey } from '../../src/secrets/index.js';
import { OdooClient, clientProtocolOf } from '../../src/upstream/client.js';
import { readReportBatches, compileFilter } from '../../src/audit/read.js';
import type { LightEntry } from '../../src/audit/fastparse.js';
import { fetchOdooChanges } from '../../src/audit/odoo.js';
import { attributeChanges, UNEXPLAINED_WARNING, type Attribution } from '../../src/audit/attribute.js';
import type { JournalEntry } from '../../src/audit/types.js';

export interface OdooAuditInput {
  home: string | undefined;
  profile: string | undefined;
  dirs: string[];
  since: Date;
  until: Date;
  toleranceMs: number;
  keys?: string[];
  models?: string[];
}

export interface OdooAuditResult extends Attribution {
  profile: string;
  url: string;
  login: string;
  uid: number;
  since: string;
  until: string;
  /** The OCA auditlog module was found installed. */
  auditlog: boolean;
  /** Field-level tracking values could be read. */
  tracking: boolean;
  /** What Odoo would not or could not tell. */
  gaps: string[];
  warning?: string;
  journal: string[];
}

export async function auditFromOdoo(input: OdooAuditInput): Promise<OdooAuditResult> {
  const reg = await new RegistryStore(registryPath(configHome(input.home))).read();
  const profile = resolveProfile(reg, input.profile);
  const key = await readUpstreamKey(profile);
  const client = new OdooClient({ url: profile.url, db: profile.db, login: profile.login, key, protocol: clientProtocolOf(profile.protocol) });
  const uid = await client.authenticate();
  if (uid === false) throw new CliError(`Odoo refused login '${profile.login}' on database '${profile.db}' with the stored key`, 'upstream_refused', EXIT.UPSTREAM);

  // Every key's calls take part in matching (else other keys' changes would look unexplained);
  // --key and --model only narrow what is shown. Calls just outside the window still explain
  // changes just inside it.
  const margin = input.toleranceMs + 60_000;
  const entries: LightEntry[] = [];
  for await (const batch of readReportBatches(input.dirs, { since: new Date(input.since.getTime() - margin), until: new Date(input.until.getTime() + margin) })) {
    // Calls only: exec's run lines (event) have no decision and changed nothing.
    for (const e of batch) if (e.event === undefined && e.decision === 'allow' && (e.profile === undefined || e.profile === profile.name)) entries.push(e);
  }
  const exactModels = (input.models ?? []).filter((m) => !m.includes('*'));
  const models = [...new Set([...entries.map((e) => e.model).filter((m): m is string => m !== undefined), ...exactModels])];
  const fetched = await fetchOdooChanges(client, { since: input.since, until: input.until, uid, models });
  const attribution = attributeChanges(entries, fetched.changes, input.toleranceMs);

  const showKey = input.keys?.length ? (k: { key: string | null; name: string | null }) => input.keys!.some((x) => x === k.key || x === k.name) : () => true;
  const modelOk = input.models?.length ? compileFilter({ models: input.models }) : undefined;
  const showModel = (model: string): boolean => !modelOk || modelOk({ model } as JournalEntry);
  const keys = attribution.keys
    .filter(showKey)
    .map((k) => ({ ...k, changes: k.changes.filter((c) => showModel(c.change.model)) }))
    .filter((k) => k.changes.length > 0);
  const unexplained = attribution.unexplained.filter((c) => showModel(c.model));
  return {
    profile: profile.name,
    url: profile.url,
    login: profile.login,
    uid,
    since: input.since.toISOString(),
    until: input.until.toISOString(),
    toleranceMs: attribution.toleranceMs,
    keys,
    unexplained,
    auditlog: fetched.auditlog,
    tracking: fetched.tracking,
    gaps: fetched.gaps,
    ...(unexplained.length ? { warning: UNEXPLAINED_WARNING } : {}),
    journal: input.dirs,
  };
}
