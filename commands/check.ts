import { Args, Flags } from '../src/cli/oclif.js';
import { RegistryCommand } from './shared/registry-command.js';
import { requireKey, resolveProfile, keyStatus } from '../src/registry/registry.js';
import { readUpstreamKey } from '../src/secrets/index.js';
import { OdooClient, clientProtocolOf } from '../src/upstream/client.js';
import { CliError, EXIT, usageError } from '../src/cli/errors.js';
import { parseInstant } from '../src/cli/time.js';
import { palette } from '../src/cli/style.js';
import { decide, describeDecision, neededFromOdoo, callFromCheckArgs, CheckArgsError, SCHEMA_ATTRIBUTES, formatRule, type Decision, type ModelSchema } from '../src/policy/index.js';
import { currentLinksById, definitionsById, externalIdsFrom, externalIdsRead, irModelNamesById, linksOf, readByIds, readsFor, schemaFromFieldsGet, type LookupRead } from '../src/policy/schema.js';
import type { PropertiesDefinition } from '../src/policy/types.js';
import type { OdooCall } from '../src/rpc/call.js';
import type { RpcValue } from '../src/rpc/values.js';

export interface CheckResult {
  verdict: 'allow' | 'deny';
  key: { id: string; name: string };
  model: string;
  method: string;
  /** Index of the rule that allowed or denied, when one did. */
  rule: number | null;
  /** The rule in compact form. */
  rule_text: string | null;
  /** The key-level limit that denied (expires, ips, hours, ...), when one did. */
  limit: string | null;
  /** Why it is denied, as the client would be told. */
  reason: string | null;
  /** The full reason where `reason` withholds facts read upstream that the key may not read (the journal's `detail`). */
  detail: string | null;
  /** What the proxy would change on the way (fields narrowed, domain added, limit capped). */
  notes: string[];
  /** Checks the proxy would make upstream before forwarding. */
  checks: Array<{ model: string; ids: number[]; reason: string }>;
  /** Fields whose many2one names the proxy would hide. */
  hidden_names: string[];
  /** The call as the proxy would forward it, when it differs from the one checked. */
  forwarded: { args: unknown[]; kwargs: Record<string, unknown> } | null;
  /** Key limits not checked because the call did not say enough: 'ips' without --ip. */
  not_checked: string[];
}

export default class Check extends RegistryCommand {
  static override summary = 'Dry run: would the proxy allow this call for this key, and by which rule?';
  static override description = `Builds the call as an XML-RPC execute_kw would carry it (--args are the positional arguments: record ids first for record methods) and runs the scope engine on it, as the proxy does. Rate and records-per-hour budgets are not counted. When the engine needs Odoo's field definitions (relations, dotted paths), they are fetched from the key's profile unless --offline. Exit 0: allowed; 3: denied.`;
  static override examples = [
    `<%= config.bin %> check website-form crm.lead create --args '[{"name":"x","email_from":"a@b.c"}]'`,
    `<%= config.bin %> check ai-assistant crm.lead write --args '[[7], {"stage_id": 2}]' --ip 203.0.113.7 --at 2026-11-30T09:00:00Z`,
    `<%= config.bin %> check nightly-sync res.partner search_read --kwargs '{"fields": []}' --json`,
  ];

  static override args = {
    key: Args.string({ description: 'key name or id', required: true }),
    model: Args.string({ description: 'model, e.g. crm.lead', required: true }),
    method: Args.string({ description: 'method, e.g. search_read', required: true }),
  };

  static override flags = {
    args: Flags.string({ description: 'positional arguments as a JSON list (record ids first for record methods)' }),
    kwargs: Flags.string({ description: 'keyword arguments as a JSON object' }),
    context: Flags.string({ description: 'the context as a JSON object' }),
    ip: Flags.string({ description: 'client address to check against the key’s IP limits (without it, a key’s ips limit is not checked and the output says so)' }),
    at: Flags.string({ description: 'time of the call (ISO 8601), for hours and expiry', }),
    'odoo-version': Flags.integer({ description: 'Odoo major version (default: the profile’s, else 19)' }),
    offline: Flags.boolean({ description: 'never ask Odoo for field definitions', default: false }),
  };

  async run(): Promise<CheckResult> {
    const { args, flags } = await this.parse(Check);
    const reg = await this.storeFor(flags.home).read();
    const key = requireKey(reg, args.key);
    const profile = resolveProfile(reg, key.profile);
    const now = flags.at ? parseInstant(flags.at, new Date(), '--at') : new Date();
    const version = flags['odoo-version'] ?? profile.version ?? 19;
    let call: OdooCall;
    try {
      call = callFromCheckArgs({ model: args.model, method: args.method, args: flags.args, kwargs: flags.kwargs, context: flags.context, db: profile.db });
    } catch (e) {
      if (e instanceof CheckArgsError) throw usageError(e.message, 'bad_check_args');
      throw e;
    }

    const status = keyStatus(key, now);
    let decision: Decision;
    if (status === 'revoked' || status === 'expired' || status === 'not_yet') {
      decision = { verdict: 'deny', reason: status === 'not_yet' ? 'the learning key ends more than a day from now (its created time is ahead of this clock)' : `the key is ${status}`, limit: status === 'revoked' ? 'revoked' : 'expires' };
    } else {
      const schemas = new Map<string, ModelSchema>();
      const irModels = new Map<number, string | null>();
      const definitions = new Map<string, PropertiesDefinition | null>();
      const current = new Map<string, (number | false)[] | null>();
      // Reads limited to a rule's domain (`within`) are kept apart from others, as the proxy keeps them.
      const inside = (within?: RpcValue[]): string => (within ? `\u0000${JSON.stringify(within)}` : '');
      const xmlids = new Map<string, { model: string; id: number } | null>();
      let client: OdooClient | undefined;
      // Without --ip an address limit would judge a made-up address (it denied 127.0.0.1 and hid what
      // the rules decide): it is left out and said so.
      const { ips: _ips, ...otherLimits } = key.limits ?? {};
      const limits = flags.ip === undefined ? otherLimits : key.limits ?? {};
      for (let round = 0; ; round++) {
        decision = decide(
          { id: key.id, name: key.name, rules: key.rules, limits, ...(key.expires ? { expires: key.expires } : {}), ...(key.learning ? { learning: true } : {}) },
          call,
          { ip: flags.ip ?? '127.0.0.1', now, version, ...(profile.uid !== undefined ? { upstreamUid: profile.uid } : {}), schema: (m) => schemas.get(m), irModelName: (id) => irModels.get(id),
            propertiesDefinition: (m, id, f, _fresh, within) => definitions.get(`${m}\u0000${id}\u0000${f}${inside(within)}`), currentLinks: (m, f, ids, within) => current.get(`${m}\u0000${f}\u0000${ids.join(',')}${inside(within)}`), externalId: (x) => xmlids.get(x) },
        );
        if (decision.verdict !== 'need_schema') break;
        if (flags.offline) {
          throw new CliError(`deciding this call needs ${neededFromOdoo(decision).join(' and ')} from Odoo; run check without --offline`, 'needs_odoo', EXIT.FAILURE);
        }
        if (round >= 8) throw new CliError('the call reaches too many related models to check', 'needs_odoo', EXIT.FAILURE);
        client ??= new OdooClient({ url: profile.url, db: profile.db, login: profile.login, key: await readUpstreamKey(profile), protocol: clientProtocolOf(profile.protocol), timeoutMs: 15_000 });
        for (const m of decision.models) schemas.set(m, await fetchSchema(client, m));
        if (decision.irModels?.length) for (const [id, model] of await fetchIrModels(client, decision.irModels)) irModels.set(id, model);
        // As the proxy reads them (ProxyCore.fetchCurrentLinks, fetchDefinitions: one search_read per
        // model and field): null when not readable.
        const searchRead = (model: string, field: string, ids: number[], within?: RpcValue[]): Promise<RpcValue | null> => lookUp(client!, readByIds(model, [field], ids, within)).catch(() => null);
        for (const read of readsFor(decision.current ?? [])) {
          const rows = await searchRead(read.model, read.field, read.ids, read.within);
          const byId = rows === null ? null : currentLinksById(rows, read.field);
          for (const q of read.queries) current.set(`${q.model}\u0000${q.field}\u0000${q.ids.join(',')}${inside(q.within)}`, linksOf(byId, q.ids));
        }
        for (const read of readsFor(decision.definitions ?? [])) {
          const found = definitionsById((await searchRead(read.model, read.field, read.ids, read.within)) ?? false, read.field, read.ids);
          for (const q of read.queries) definitions.set(`${q.model}\u0000${q.id}\u0000${q.field}${inside(q.within)}`, found.get(q.id) ?? null);
        }
        // As the proxy looks them up (ProxyCore.fetchExternalIds: one search_read, not cached); a
        // look-up Odoo refuses is an error here, never "no such external id" (which creates).
        if (decision.xmlids?.length) {
          const asked = decision.xmlids;
          const rows = await lookUp(client, externalIdsRead(asked)).catch(() => null);
          const found = rows === null ? null : externalIdsFrom(rows, asked);
          if (found === null) throw new CliError(`the external ids the call names could not be looked up in ir.model.data (${asked.slice(0, 3).join(', ')}${asked.length > 3 ? ', ...' : ''})`, 'needs_odoo', EXIT.FAILURE);
          for (const [x, r] of found) xmlids.set(x, r);
        }
      }
    }

    // A revoked or expired key is refused whatever the address: nothing was left unchecked.
    const dead = status === 'revoked' || status === 'expired' || status === 'not_yet';
    const notChecked = flags.ip === undefined && !dead && key.limits?.ips?.length ? ['ips'] : [];
    const result = { ...toResult(decision, key, args.model, args.method, call), not_checked: notChecked };
    const c = palette();
    const line = describeDecision(decision);
    this.log(decision.verdict === 'allow' ? c.green(line) : c.red(line));
    if (notChecked.length) this.log(c.yellow(`  not checked: the key's address limit (${key.limits!.ips!.join(', ')}); give --ip ADDR to check it`));
    if (result.rule_text) this.log(`  rule ${result.rule}: ${result.rule_text}`);
    if (result.forwarded) this.log(`  forwarded as: args ${JSON.stringify(result.forwarded.args)} kwargs ${JSON.stringify(result.forwarded.kwargs)}`);
    if (decision.verdict === 'deny') {
      if (this.jsonEnabled()) this.logJson(result);
      this.exit(EXIT.DENIED);
    }
    return result;
  }
}

async function fetchSchema(client: OdooClient, model: string): Promise<ModelSchema> {
  return schemaFromFieldsGet(await client.executeKw(model, 'fields_get', [], { attributes: [...SCHEMA_ATTRIBUTES] }).catch(() => ({})));
}

/** The model each ir.model id names (null: no such record, or not readable), as the proxy looks them up: one search. */
async function fetchIrModels(client: OdooClient, ids: number[]): Promise<Map<number, string | null>> {
  const rows = await lookUp(client, readByIds('ir.model', ['model'], ids)).catch(() => null);
  return irModelNamesById(rows, ids);
}

/** One look-up before deciding, the search_read the proxy makes for it (schema.ts). */
function lookUp(client: OdooClient, read: LookupRead): Promise<RpcValue> {
  return client.executeKw(read.model, 'search_read', [], read.kwargs);
}

function toResult(d: Decision, key: { id: string; name: string; rules: import('../src/policy/types.js').Rule[] }, model: string, method: string, call: OdooCall): Omit<CheckResult, 'not_checked'> {
  const ruleIndex = d.verdict === 'allow' ? (d.rule >= 0 ? d.rule : null) : d.verdict === 'deny' ? d.rule ?? null : null;
  const rule = ruleIndex !== null ? key.rules[ruleIndex] : undefined;
  const changed = d.verdict === 'allow' && (JSON.stringify(d.call.args) !== JSON.stringify(call.args) || JSON.stringify(d.call.kwargs) !== JSON.stringify(call.kwargs));
  return {
    verdict: d.verdict === 'allow' ? 'allow' : 'deny',
    key: { id: key.id, name: key.name },
    model,
    method,
    rule: ruleIndex,
    rule_text: rule ? formatRule(rule) : null,
    limit: d.verdict === 'deny' ? d.limit ?? null : null,
    reason: d.verdict === 'deny' ? d.reason : null,
    detail: d.verdict === 'deny' ? d.detail ?? null : null,
    notes: d.verdict === 'allow' ? d.notes : [],
    checks: d.verdict === 'allow' ? d.checks.map((c) => ({ model: c.model, ids: c.ids, reason: c.reason })) : [],
    hidden_names: d.verdict === 'allow' ? d.redactions.flatMap((r) => r.fields) : [],
    forwarded: changed && d.verdict === 'allow' ? { args: d.call.args, kwargs: d.call.kwargs } : null,
  };
}
