import { Args, Flags } from '../src/cli/oclif.js';
import { RegistryCommand } from './shared/registry-command.js';
import { usageError } from '../src/cli/errors.js';
import { requireKey, resolveProfile } from '../src/registry/registry.js';
import { readLastUsed } from '../src/registry/usage.js';
import type { Limits, Rule } from '../src/policy/types.js';
import { addToScope, formatRule, parseCompactScope, removeFromScope } from '../src/policy/compact.js';
import { validateLimits } from '../src/policy/validate.js';
import { keyView, type KeyView } from './shared/view.js';
import { applyAllowSensitive, expiresFromFlag, fieldsFlag, limitFlags, limitsFromFlags, parseDomainFlag } from './shared/scope-input.js';
import { checkAgainstOdoo } from './create.js';
import { methodTypoWarnings } from './shared/model-check.js';

export interface ScopeResult {
  key: KeyView;
  changes: {
    /** Rules (compact form) that are new or changed, as they are now. */
    added: string[];
    /** Rules (compact form) that are gone or changed, as they were. */
    removed: string[];
    /** Limits (and `expires`) that changed: null means absent. */
    limits: Record<string, { from: unknown; to: unknown }>;
  };
}

const CLEARABLE = ['ips', 'hours', 'rate', 'expires', 'fields', 'domain', 'max_limit'] as const;

export default class Scope extends RegistryCommand {
  static override summary = "Change a key's scope and limits; prints what changed.";
  static override description =
    "--add and --remove take the compact form 'model:methods(fields)'. --fields, --domain and --max-limit replace those of the rules of --model (of the only rule when the key has one). --ip, --hours, --rate and --expires replace the limits; --clear removes one. A running proxy applies the change within a second.";
  static override examples = [
    "<%= config.bin %> scope website-form --add 'res.partner:read(name,email)' --remove 'crm.lead:unlink'",
    '<%= config.bin %> scope website-form --model crm.lead --fields name,email_from,phone,description',
    '<%= config.bin %> scope nightly-sync --rate 60/min --clear hours',
  ];

  static override args = {
    key: Args.string({ description: 'key name or id', required: true }),
  };

  static override flags = {
    add: Flags.string({ description: "rules to add, compact form 'model:methods(fields)' (repeatable)", multiple: true }),
    remove: Flags.string({ description: "methods to take away ('crm.lead:unlink'), or a whole model ('crm.lead') (repeatable)", multiple: true }),
    model: Flags.string({ description: 'the model whose rules --fields, --domain, --max-limit change' }),
    fields: Flags.string({ description: 'the only fields the rules may touch (comma list; replaces the current list)', multiple: true }),
    domain: Flags.string({ description: 'the records the rules reach, an Odoo domain as JSON (replaces the current one)' }),
    'max-limit': Flags.integer({ description: 'largest number of records one search may return', min: 1 }),
    'allow-sensitive': Flags.boolean({ description: 'confirm that added rules naming a sensitive model exactly may reach it', default: false }),
    ...limitFlags,
    clear: Flags.string({ description: `remove a limit or a rule setting: ${CLEARABLE.join(', ')} (repeatable)`, multiple: true, options: [...CLEARABLE] }),
    offline: Flags.boolean({ description: 'do not check added models and fields against Odoo', default: false }),
  };

  async run(): Promise<ScopeResult> {
    const { args, flags } = await this.parse(Scope);
    const now = new Date();
    const store = this.storeFor(flags.home);
    const clear = new Set(flags.clear ?? []);
    const adds = applyAllowSensitive((flags.add ?? []).flatMap((s) => parseCompactScope(s)), flags['allow-sensitive']);
    const removes = (flags.remove ?? []).flatMap((s) => parseCompactScope(s));
    const fields = fieldsFlag(flags.fields);
    const domain = parseDomainFlag(flags.domain);
    const ruleEdit = fields !== undefined || domain !== undefined || flags['max-limit'] !== undefined || clear.has('fields') || clear.has('domain') || clear.has('max_limit');
    const limitEdit = flags.ip !== undefined || flags.hours !== undefined || flags.rate !== undefined || flags.expires !== undefined || clear.has('ips') || clear.has('hours') || clear.has('rate') || clear.has('expires');
    if (!adds.length && !removes.length && !ruleEdit && !limitEdit) {
      throw usageError('nothing to change: give --add, --remove, --fields, --domain, --max-limit, --ip, --hours, --rate, --expires or --clear', 'missing_flag');
    }
    const expires = expiresFromFlag(flags.expires, now);
    const limitFlagValues = limitsFromFlags({ ip: flags.ip, hours: flags.hours, rate: flags.rate });

    const before = await store.read();
    const target = requireKey(before, args.key);
    if (target.learning && (adds.length || removes.length || ruleEdit)) {
      // Its rules are not used while it learns: an edit would say it changed and change nothing.
      throw usageError(`key '${target.name}' is learning: its calls are not checked against rules until 'odoo-keys scope suggest ${target.name} --apply' makes it a scoped key`, 'key_learning');
    }
    for (const w of methodTypoWarnings(adds)) this.logToStderr(`odoo-keys: warning: ${w}`);
    if (!flags.offline && (adds.length || fields !== undefined || domain !== undefined)) {
      const toCheck: Rule[] = [...adds];
      for (const r of fields !== undefined || domain !== undefined ? selectRules(target.rules, flags.model) : []) {
        toCheck.push({ ...r, ...(fields !== undefined ? { fields } : {}), ...(domain !== undefined ? { domain } : {}) });
      }
      await checkAgainstOdoo(resolveProfile(before, target.profile), toCheck, (m) => this.logToStderr(`odoo-keys: warning: ${m}`));
    }

    const out = await store.update((reg) => {
      const key = requireKey(reg, target.id);
      const oldRules = key.rules.map(formatRule);
      const oldLimits: Record<string, unknown> = { ...(key.limits ?? {}), expires: key.expires };
      let rules = key.rules;
      if (removes.length) rules = removeFromScope(rules, removes);
      if (adds.length) rules = addToScope(rules, adds);
      if (ruleEdit) {
        const chosen = new Set(selectRules(rules, flags.model));
        rules = rules.map((r) => {
          if (!chosen.has(r)) return r;
          const next: Rule = { ...r };
          if (clear.has('fields')) delete next.fields;
          if (clear.has('domain')) delete next.domain;
          if (clear.has('max_limit')) delete next.max_limit;
          if (fields !== undefined) next.fields = fields;
          if (domain !== undefined) next.domain = domain;
          if (flags['max-limit'] !== undefined) next.max_limit = flags['max-limit'];
          return next;
        });
        rules = addToScope([], rules); // rules that became alike merge
      }
      key.rules = rules;
      const limits: Limits = { ...(key.limits ?? {}), ...limitFlagValues };
      for (const k of ['ips', 'hours', 'rate'] as const) if (clear.has(k)) delete limits[k];
      const checked = validateLimits(limits, 'limits');
      if (Object.keys(checked).length) key.limits = checked;
      else delete key.limits;
      if (expires !== undefined) key.expires = expires;
      if (clear.has('expires')) delete key.expires;
      const newRules = key.rules.map(formatRule);
      const newLimits: Record<string, unknown> = { ...(key.limits ?? {}), expires: key.expires };
      const limitChanges: ScopeResult['changes']['limits'] = {};
      for (const k of new Set([...Object.keys(oldLimits), ...Object.keys(newLimits)])) {
        const from = oldLimits[k] ?? null;
        const to = newLimits[k] ?? null;
        if (JSON.stringify(from) !== JSON.stringify(to)) limitChanges[k] = { from, to };
      }
      return {
        key: structuredClone(key),
        changes: { added: newRules.filter((r) => !oldRules.includes(r)), removed: oldRules.filter((r) => !newRules.includes(r)), limits: limitChanges },
      };
    });

    const view = keyView(out.key, now, readLastUsed());
    const { added, removed, limits } = out.changes;
    if (!added.length && !removed.length && !Object.keys(limits).length) this.log(`No change to ${view.name}.`);
    else {
      this.log(`Changed ${view.name} (${view.id}):`);
      for (const r of removed) this.log(`  - ${r}`);
      for (const r of added) this.log(`  + ${r}`);
      for (const [k, c] of Object.entries(limits)) this.log(`  ${k}: ${show(c.from)} -> ${show(c.to)}`);
    }
    return { key: view, changes: out.changes };
  }
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  return Array.isArray(v) ? v.join(', ') : String(v);
}

/** The rules --fields/--domain apply to: those of --model, or the only rule. */
function selectRules(rules: Rule[], model: string | undefined): Rule[] {
  if (model !== undefined) {
    const picked = rules.filter((r) => r.model === model);
    if (!picked.length) throw usageError(`--model: the key has no rule for '${model}' (its rules: ${rules.map((r) => r.model).join(', ') || 'none'})`, 'bad_flag');
    return picked;
  }
  if (rules.length === 1) return rules;
  throw usageError(`--model: the key has ${rules.length} rules (${[...new Set(rules.map((r) => r.model))].join(', ')}); name the one to change with --model`, 'missing_flag');
}
