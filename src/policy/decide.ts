// decide(key, call, env): allow (possibly rewritten), deny with a reason, or need_schema.
//
// Pure: no I/O, no clock (env.now), no randomness. Deny by default: a call is allowed when one rule
// allows all of it. Everything a call touches is checked against that rule: the fields it reads,
// writes, searches, groups and orders on; the records it reaches (the rule's domain, ANDed into
// searches, checked upstream for ids); the records of other models it reads or changes through
// relations (which need rules of their own); its context. See docs/scopes.md.

import { pyFalsy, type OdooCall } from '../rpc/call.js';
import { DateTimeValue, isStruct, numberOf, type RpcStruct, type RpcValue } from '../rpc/values.js';
import type { Decision, DecideEnv, FieldInfo, KeyScope, ModelSchema, NameReader, PropertiesDefinition, PropertyNameRedaction, ResultRedaction, Rule, UpstreamCheck } from './types.js';
import { importExportPath, isFieldName, isGlob, isMethodName, isModelName, modelMatches, visible } from './names.js';
import { andDomains, orDomains, domainShapeProblem, isConstantLeaf, LEAF_OPERATORS, SUBDOMAIN_OPERATORS, HIERARCHY_OPERATORS } from './domain.js';
import { conjuncts, domainTree, domainHoldsAfter, leafTruth, storedValue, EVALUATED_OPERATORS, type LeafAfter, type Stored } from './evaluate.js';
import { ipAllowed, parseHours, withinHours, LimitSyntaxError } from './limits.js';
import { expandMethods, nameSearchMatchesAll, odooFlag, odooLimit } from './methods.js';
import { bindCall, rebuildCall, own, BindError, type BoundCall } from './bind.js';
import { delegateLinks, PARENT_SYNC, type DelegateLink, type Delegates } from './inherits.js';

/**
 * Models no glob reaches and no rule reaches without `allow_sensitive: true`: they hold
 * credentials, decide who may do what, run code, or configure the whole database.
 */
export const SENSITIVE_MODELS: readonly string[] = [
  // named by the design
  'res.users', 'res.users.apikeys', 'res.groups', 'ir.config_parameter', 'ir.rule', 'ir.model.access',
  'ir.actions.server', 'ir.cron', 'ir.module.module', 'ir.attachment', 'ir.mail_server',
  // credentials and identity
  'res.users.apikeys.description', 'res.users.identitycheck', 'res.users.log', 'res.users.deletion', 'auth_totp.device',
  'fetchmail.server', 'payment.provider', 'iap.account', 'res.device', 'res.device.log',
  // code, views and data model: writing them runs code or changes every user's screens and rights
  'ir.model', 'ir.model.fields', 'ir.model.data', 'ir.model.constraint', 'ir.model.relation', 'ir.ui.view', 'ir.ui.menu',
  'ir.actions.report', 'ir.actions.act_window', 'ir.actions.actions', 'base.automation', 'ir.asset', 'ir.default',
  'res.config.settings', 'ir.logging', 'ir.profile', 'ir.sequence',
];

const SENSITIVE: ReadonlySet<string> = new Set(SENSITIVE_MODELS);

/** The ir.model.data fields an export's external id column sets when it creates one (BaseModel.__ensure_xml_id). */
const EXPORT_XMLID_FIELDS: string[] = ['module', 'model', 'name', 'res_id'];

export function isSensitiveModel(model: string): boolean {
  return SENSITIVE.has(model);
}

/**
 * The fields_get attributes the engine reads (FieldInfo): ask Odoo for exactly these when answering
 * need_schema, e.g. `fields_get([], {attributes: SCHEMA_ATTRIBUTES})`. `related` (Field._description_related)
 * lets writes to related fields be checked against the model they write through to; `depends`
 * (Field._description_depends) tells which computed fields a write may change, and `readonly`
 * whether a value written to a computed field is kept; `model_field` (Many2oneReference's
 * _description_model_field, 16-19) which field holds the model of a many2one_reference id;
 * `definition_record` and `definition_record_field` (Properties' _description_definition_record...,
 * 16-19) where a properties field's definition lives, by which its values are judged; `required`
 * (Field._description_required) with `related` and `readonly` which many2one is an `_inherits` link
 * (src/policy/inherits.ts).
 */
export const SCHEMA_ATTRIBUTES: readonly string[] = ['type', 'relation', 'relation_field', 'related', 'depends', 'readonly', 'required', 'model_field', 'definition_record', 'definition_record_field'];

/** Context keys every key may send: they change presentation, not what is reached or recorded. */
export const HARMLESS_CONTEXT_KEYS: readonly string[] = ['lang', 'tz', 'bin_size'];

/**
 * Context keys that are NOT harmless, with why (they must be listed in `limits.context_keys` to be
 * sent). The allowlist refuses every other key too; this list only gives better reasons.
 */
export const CONTEXT_KEY_RISKS: Readonly<Record<string, string>> = {
  tracking_disable: "silences Odoo's change tracking (the chatter trail)",
  mail_notrack: "silences Odoo's field tracking messages",
  mail_create_nolog: "silences the 'record created' log message",
  mail_create_nosubscribe: 'stops the creator from being subscribed as a follower',
  mail_auto_subscribe_no_notify: 'silences follower notifications',
  mail_post_autofollow: 'subscribes the recipients of a message as followers',
  active_test: 'reaches archived records',
  no_reset_password: 'skips the password reset invitation of new users',
  install_mode: 'changes how records are written (module install behaviour)',
  import_file: 'changes how records are written and how load reports and skips rows (import behaviour)',
  force_company: 'switches the company (old API)',
  company_id: 'switches the company',
  uid: 'claims another user (only the uid the proxy hands out is allowed)',
  su: 'claims superuser mode',
  active_id: 'makes a method act on another record',
  active_ids: 'makes a method act on other records',
  active_model: 'makes a method act on another model',
  show_email: 'adds e-mail addresses to display names',
  show_address: 'adds addresses to display names',
  formatted_display_name: 'changes display names',
  // Read by load (BaseModel.load, ir.fields.converter):
  name_create_enabled_fields: 'makes load create the records a name column names when none has that name (name_create)',
  module: 'puts the external ids load creates in that module, whose updates then act on them',
  noupdate: 'marks the external ids load creates as not to be updated by their module',
  mode: "makes load run as a module update ('update': rows without an external id are skipped)",
  update_many2many: 'makes load add many2many links instead of replacing them',
  import_skip_records: 'makes load skip rows whose relation or value is not found (a one2many line not found is created instead)',
  import_set_empty_fields: 'makes load leave a relation empty when its value is not found (a one2many line not found is created instead)',
  _import_limit: 'makes load stop after a number of rows',
  _import_current_module: 'names the module external ids are written into during an import, as superuser (load sets it itself)',
  defer_parent_store_computation: 'defers the parent_path computation of hierarchies',
};

// -------------------------------------------------------------------------------------------------

class Denied {
  constructor(
    readonly reason: string,
    readonly limit?: string,
    /** The reason with the facts `reason` withholds from the client (see withheld). */
    readonly detail?: string,
  ) {}
}

/** A flag parameter as Odoo reads it; one whose truth JavaScript and Python could read differently is refused. */
function flag(p: RpcStruct, name: string): boolean {
  const v = odooFlag(p[name]);
  if (v === 'unclear') deny(`${name} must be true or false`);
  return v;
}

/** An offset-like parameter: absent, null, false, '' (Odoo's Query: `OFFSET` only when truthy) or a non-negative integer. */
function wholeNumber(p: RpcStruct, name: string): void {
  const v = p[name];
  if (v === undefined || v === null || v === false || v === '') return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) deny(`${name} must be a non-negative integer`);
}

function deny(reason: string, limit?: string): never {
  throw new Denied(reason, limit);
}

/** The stand-in scopes a learning key's call is probed with (decideInner): nothing is looked up for them that only withholds. */
const LEARNING_PROBES = new WeakSet<KeyScope>();

/**
 * A refusal whose full reason holds facts the proxy read upstream as the integration user, which
 * the key's rules do not let it read (the model and id an external id names, the model an ir.model
 * id names, a properties definition): the client is told `told`, which must still say what to fix;
 * the journal and the operator get `detail` (Decision.detail). Without this, a key allowed only to
 * load crm.lead could learn from refusals what any external id names.
 */
function denyWithheld(told: string, detail: string, limit?: string): never {
  throw new Denied(told, limit, detail);
}

const TIME_PARTS = new Set(['year_number', 'quarter_number', 'month_number', 'iso_week_number', 'day_of_year', 'day_of_month', 'day_of_week', 'hour_number', 'minute_number', 'second_number']);
const GRANULARITIES = new Set(['day', 'week', 'month', 'quarter', 'year', ...TIME_PARTS]);
export const X2MANY: ReadonlySet<string> = new Set(['one2many', 'many2many']);
export const RELATIONAL: ReadonlySet<string> = new Set(['many2one', 'one2many', 'many2many']);
// Text compared with a relation or display_name, by any operator but these, is a name search
// (Odoo hands the operator on to _search_display_name, inequalities included: display_name >= 'j'
// ranges over email, vat, ref... on res.partner; 16-18 turn a many2one's < into a name search).
const NAME_OPERATORS: ReadonlySet<string> = new Set([...LEAF_OPERATORS].filter((op) => !SUBDOMAIN_OPERATORS.has(op) && !HIERARCHY_OPERATORS.has(op)));

/**
 * Whether a domain leaf on a field named `target` (the last segment of its path) is a name search:
 * display_name, or a relation compared with text. A name search matches fields the model picks
 * (res.partner: email, vat, ref...), so it needs read on every field of that model. Shared with
 * the learning facts (src/proxy/facts.ts), so `scope suggest` learns what decide will ask.
 */
export function isNameSearchLeaf(target: string, rawOp: string, value: RpcValue): boolean {
  const op = rawOp.toLowerCase();
  // A datetime compared with a text field is compared as its text ('2026-01-01 00:00:00'), so it
  // counts as text here: against a relation or display_name it is a name search like any string.
  const text = (v: RpcValue): boolean => typeof v === 'string' || v instanceof DateTimeValue;
  // Odoo 18/19 turn a like pattern that is not a string into one (_optimize_like_str:
  // str(value)), so `partner_id ilike 42` is a name search for '42' like any text.
  const textual = text(value) || (Array.isArray(value) && value.some(text)) || (op.endsWith('like') && !pyFalsy(value));
  // display_name is searched through the fields the model picks (_search_display_name), whatever
  // the value: a number is converted for them (display_name ilike 3100 matches vat and ref),
  // and False compares their emptiness (display_name != False: email, vat, ref... all set).
  return NAME_OPERATORS.has(op) && (target === 'display_name' || textual);
}

function ruleLabel(rule: Rule, index: number): string {
  return `rule ${index} (${rule.model}: ${rule.methods.join(', ')})`;
}

function sortedKeys(s: RpcStruct): string[] {
  return Object.keys(s).sort();
}

function quoteName(s: unknown): string {
  return typeof s === 'string' ? `'${visible(s)}'` : JSON.stringify(s) ?? String(s);
}

/** A positive integer id list from an ids argument (an int or a list of ints). */
/** The record a many2one value names (a link, an `_inherits` parent): an id, refused as anything else. */
function many2oneId(v: RpcValue, what: string): number[] {
  if (typeof v !== 'number') deny(`${what}: a many2one value must be a record id`);
  return idList(v, what);
}

function idList(v: RpcValue | undefined, what: string): number[] {
  if (v === undefined || v === null || v === false) return [];
  const one = numberOf(v);
  if (one !== undefined && typeof v === 'number') {
    if (!Number.isSafeInteger(one) || one <= 0) deny(`${what}: ${JSON.stringify(v)} is not a record id`);
    return [one];
  }
  if (!Array.isArray(v)) {
    if (isStruct(v)) deny(`${what} must be a list of record ids`);
    deny(`${what}: ${JSON.stringify(v) ?? String(v)} is not a record id`);
  }
  return v.map((x) => {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x <= 0) deny(`${what}: ${JSON.stringify(x) ?? String(x)} is not a record id`);
    return x;
  });
}

/** One access to a model other than the call's, through a relation. */
type Op = 'read' | 'create' | 'write' | 'unlink';

interface State {
  key: KeyScope;
  env: DecideEnv;
  rules: Rule[];
  missing: Set<string>;
  /** ir.model ids whose model is not known yet (env.irModelName): asked for like missing schemas. */
  missingIrModels: Set<number>;
  /** Properties definitions not read yet (env.propertiesDefinition), by model, id and field. */
  missingDefinitions: Map<string, { model: string; id: number; field: string; fresh?: true; within?: RpcValue[] }>;
  /** Many2one values of existing records not read yet (env.currentLinks). */
  missingCurrent: Map<string, { model: string; field: string; ids: number[]; within?: RpcValue[] }>;
  /** External ids not looked up yet (env.externalId): asked for like missing schemas, all of a call's at once. */
  missingXmlids: Set<string>;
  checks: UpstreamCheck[];
  redactions: ResultRedaction[];
  notes: string[];
  /** Records this call creates in other models, with the fields it sets there, for default_<field> context keys. */
  created: { model: string; fields: string[] }[];
  /** The call context's `default_<field>` values (field -> value): Odoo uses them for fields a create leaves out. */
  defaults: RpcStruct;
  /** The call creates records of its own model (create, name_create, load, copy, web_save without ids). */
  createsMain: boolean;
  /** A method outside the standard table: the records it creates, of any model, are not known. */
  opaque: boolean;
  /**
   * `_inherits` models whose created records had their inherited values judged on the parent
   * (delegatedCreate), the context's defaults for those fields with them.
   */
  delegated: Set<string>;
  /** delegateLinks by model, once per decide (the schemas do not change within one). */
  delegates: Map<string, Delegates>;
  /** A model's many2one_reference fields in name order, once per decide (refPairs runs per record written). */
  refFields: Map<string, string[]>;
}

/**
 * Set by Odoo on create, copy and write whatever the values say: it drops them from the values
 * (BaseModel.write's and _prepare_create_values' `bad_names`) and sets the bookkeeping ones itself.
 */
const LOG_ACCESS_FIELDS: ReadonlySet<string> = new Set(['create_uid', 'create_date', 'write_uid', 'write_date', 'parent_path']);

/**
 * What a call does to the records a rule's domain is judged on: creates them from `values` (with
 * the context's defaults under them), or writes `values` onto records (copy: the copy is the
 * original plus its `default`), that were checked upstream to lie inside the domain.
 */
interface Change {
  kind: 'create' | 'write' | 'copy';
  values: RpcStruct;
  /** Fields Odoo sets itself whatever the values say (a one2many line's inverse field). */
  forced?: readonly string[];
  /** Fields the call changes besides `values` (the inverse field of lines linked with commands 4 and 6). */
  alsoChanged?: readonly string[];
  /** name_create: the name goes to the model's name field (`_rec_name`, a text field the schema does not name). */
  textFieldsUnknown?: boolean;
  /** Replaces the explanation of a refusal (load, name_create: the advice to set fields does not apply). */
  refusal?: string;
}

/** Where a properties value is written: its model and field, the values beside it, the records written ([] on create, undefined when unknown). */
interface PropertyPlace {
  model: string;
  field: string;
  values: RpcStruct;
  owners: number[] | undefined;
}

/** How a many2one_reference pair is judged: on records being created, or on records that exist (write, copy). */
type RefMode = 'create' | 'write';

/** Types a model's name field (`_rec_name`) can have: name_create writes a string into it. */
const TEXT_TYPES: ReadonlySet<string> = new Set(['char', 'text', 'html']);

type DomainVerdict = { ok: true; checks: UpstreamCheck[] } | { ok: false; reason: string } | { ok: 'schema' };

/**
 * The many2one to ir.model whose `model` a char field is related to (mail.activity's and
 * calendar.event's res_model = res_model_id.model), or undefined for any other field: Odoo computes
 * such a field from the ir.model id, and the name that id stands for can be read (env.irModelName).
 */
function irModelThrough(schema: ModelSchema, field: string): string | undefined {
  const fieldOf = (f: string): FieldInfo | undefined => (own(schema, f) ? schema[f] : undefined);
  const info = fieldOf(field);
  const m = info?.type === 'char' ? info.related?.match(/^([^.]+)\.model$/) : undefined;
  const t = m ? fieldOf(m[1]!) : undefined;
  return m && t?.type === 'many2one' && t.relation === 'ir.model' && !t.related ? m[1] : undefined;
}

function hasDomain(rule: Rule): boolean {
  return !!rule.domain && rule.domain.length > 0;
}

/** The context's default_<field> values (invalid field names are refused by the allowlist). */
function contextDefaults(ctx: RpcValue | undefined): RpcStruct {
  const out: RpcStruct = {};
  if (ctx === undefined || !isStruct(ctx)) return out;
  for (const k of sortedKeys(ctx)) {
    const field = k.slice('default_'.length);
    if (k.startsWith('default_') && isFieldName(field)) out[field] = ctx[k]!;
  }
  return out;
}

function fieldList(fields: Iterable<string>): string {
  return [...new Set(fields)].map((f) => `'${f}'`).join(', ');
}

/** Whether a rule is allowed to match a model at all (globs never reach sensitive models). */
function ruleReaches(rule: Rule, model: string): boolean {
  if (!modelMatches(rule.model, model)) return false;
  if (SENSITIVE.has(model)) return !isGlob(rule.model) && rule.allow_sensitive === true;
  return true;
}

/**
 * Which names of `comodel` records a key may read, from a property_names redaction's readers (the
 * same choice as for a many2one field: the first reader matching, those without a domain first):
 * all of them, those inside a domain (counted upstream), or none (undefined).
 */
export function propertyNameReach(readers: readonly NameReader[], comodel: string): { all: true } | { domain: RpcValue[] } | undefined {
  for (const r of readers) {
    if (!modelMatches(r.model, comodel)) continue;
    if (SENSITIVE.has(comodel) && (isGlob(r.model) || r.allow_sensitive !== true)) continue;
    return r.domain && r.domain.length ? { domain: r.domain } : { all: true };
  }
  return undefined;
}

/**
 * Field types whose read answers hold relational property values as `[id, display_name]` beside
 * their comodel: a properties field (values and defaults, Properties.convert_to_read) and the
 * definition it is read by (defaults, PropertiesDefinition.convert_to_read: crm.team's
 * `lead_properties_definition`), in 16-19.
 */
const NAMED_PROPERTY_TYPES: ReadonlySet<string> = new Set(['properties', 'properties_definition']);

function isPositiveInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function fieldIn(rule: Rule, field: string): boolean {
  return rule.fields === undefined || field === 'id' || rule.fields.includes(field);
}

/**
 * Evaluates a call against one candidate rule. Throws Denied; records missing schemas in
 * state.missing and carries on without the checks they would allow (the caller then asks for them).
 */
class RuleEval {
  constructor(
    readonly st: State,
    readonly rule: Rule,
    readonly index: number,
    readonly model: string,
    readonly method: string,
  ) {}

  get label(): string {
    return ruleLabel(this.rule, this.index);
  }

  schema(model: string): ModelSchema | undefined {
    const s = this.st.env.schema?.(model);
    if (!s) this.st.missing.add(model);
    return s;
  }

  /** Field info when the schema is known; denies a field the schema says does not exist. */
  info(model: string, field: string): FieldInfo | undefined | null {
    const s = this.st.env.schema?.(model);
    if (!s) return null; // unknown: schema not fetched
    if (field === 'id') return { type: 'integer' };
    const f = Object.prototype.hasOwnProperty.call(s, field) ? s[field] : undefined;
    if (!f) deny(`${model} has no field '${visible(field)}'`);
    return f;
  }

  // --- fields of the call's own model ----------------------------------------------------------

  mainField(field: unknown, use: string): string {
    if (typeof field !== 'string' || !isFieldName(field)) deny(`${quoteName(field)} is not a field name (${use})`);
    if (!fieldIn(this.rule, field)) deny(`field '${field}' is not in ${this.label}${use ? ` (${use})` : ''}`);
    this.info(this.model, field);
    return field;
  }

  /**
   * A rule on `model` allowing `op` on all of `fields` (undefined: on every field). A rule without
   * a domain is preferred to one with a domain, whatever their order: the choice must not depend on
   * which other rules the key holds (removing a rule never allows more).
   */
  findRule(model: string, op: Op, fields: string[] | undefined): { rule: Rule; index: number } | undefined {
    return this.rulesFor(model, op, fields)[0];
  }

  /**
   * Whether the key may read `fields` of every `model` record (a rule without a domain allows it):
   * then facts the proxy read there as the integration user may be told in a refusal as they are.
   */
  mayRead(model: string, fields: string[]): boolean {
    return this.rulesFor(model, 'read', fields).some(({ rule }) => !hasDomain(rule));
  }

  /**
   * Refuses with `detail` where the key may read its facts anyway (`readable`), else tells the
   * client `told` and keeps `detail` for the journal (denyWithheld).
   */
  withhold(readable: boolean, told: string, detail: string, limit?: string): never {
    if (readable) deny(detail, limit);
    denyWithheld(told, detail, limit);
  }

  /** Whether the key may read what external ids name (ir.model.data's model and res_id). */
  readsXmlids(): boolean {
    return this.mayRead('ir.model.data', ['module', 'name', 'model', 'res_id']);
  }

  /** Whether the key may read which model an ir.model id names. */
  readsIrModels(): boolean {
    return this.mayRead('ir.model', ['model']);
  }

  /** Every rule on `model` allowing `op` on all of `fields`: those without a domain first, each group in key order. */
  rulesFor(model: string, op: Op, fields: string[] | undefined, anyModel = false): { rule: Rule; index: number }[] {
    const free: { rule: Rule; index: number }[] = [];
    const limited: { rule: Rule; index: number }[] = [];
    for (let i = 0; i < this.st.rules.length; i++) {
      const r = this.st.rules[i]!;
      if (!anyModel && !ruleReaches(r, model)) continue;
      if (!expandMethods(r.methods, this.st.env.version).has(op)) continue;
      if (fields === undefined ? r.fields !== undefined : !fields.every((f) => fieldIn(r, f))) continue;
      (hasDomain(r) ? limited : free).push({ rule: r, index: i });
    }
    return [...free, ...limited];
  }

  /**
   * Another model's records reached through a relation. Reads must be allowed by a rule without a
   * domain (the linked records are not filtered by it); writes and deletes of known ids are checked
   * against the rule's domain upstream. With `change` (command 0 / 1 values, lines moved by 4 / 6),
   * records created there must lie inside the rule's domain and records written stay inside it;
   * the first rule for which that can be shown is the one used.
   */
  comodel(model: string, op: Op, fields: string[] | undefined, via: string, ids?: number[], change?: Change): Rule {
    const what = fields === undefined ? 'every field' : fields.length ? fields.map((f) => `'${f}'`).join(', ') : 'no field';
    if (SENSITIVE.has(model) && !this.st.rules.some((r) => ruleReaches(r, model))) {
      deny(`${via} reaches ${model}, a sensitive model no rule names with allow_sensitive`);
    }
    const candidates = this.rulesFor(model, op, fields);
    if (candidates.length === 0) deny(`${via} needs ${op} on ${model} (${what}), which no rule allows`);
    const { rule, index } = candidates[0]!;
    if (!hasDomain(rule)) return rule;
    if (op === 'read') deny(`${via} reads ${model} records that ${ruleLabel(rule, index)} limits to a domain, which a relation cannot be checked against`);
    if (op !== 'create') {
      if (!ids) deny(`${via} would ${op} ${model} records without naming them, and ${ruleLabel(rule, index)} limits ${model} to a domain`);
    }
    if (op === 'unlink' || !change) {
      if (op !== 'create' && ids!.length) this.st.checks.push({ kind: 'ids_in_domain', model, ids: ids!, domain: rule.domain!, reason: `${via}: ${op} on ${model} records outside ${ruleLabel(rule, index)}'s domain` });
      if (op === 'create') deny(`${via} creates ${model} records, and ${ruleLabel(rule, index)} limits ${model} to a domain the engine cannot check them against`);
      return rule;
    }
    // Records created or written there must lie inside (stay inside) one such rule's domain.
    let firstFailure: string | undefined;
    for (const c of candidates) {
      const v = this.domainAfter(model, c.rule.domain!, change, ruleLabel(c.rule, c.index), via);
      if (v.ok === 'schema') return c.rule; // decided again once the schema is known
      if (v.ok === false) {
        firstFailure ??= v.reason;
        continue;
      }
      if (op !== 'create' && ids!.length) this.st.checks.push({ kind: 'ids_in_domain', model, ids: ids!, domain: c.rule.domain!, reason: `${via}: ${op} on ${model} records outside ${ruleLabel(c.rule, c.index)}'s domain` });
      this.st.checks.push(...v.checks);
      return c.rule;
    }
    return deny(firstFailure!);
  }

  // --- a rule's domain after a create, write or copy ----------------------------------------------

  /**
   * Whether records of `model` created (or written, or copied) as `change` says lie inside `domain`
   * afterwards, decided from the values (src/policy/evaluate.ts). A leaf on a many2one path whose
   * many2one the values set to a known id (`partner_id.is_company`, `partner_id any [...]`) becomes
   * an upstream check on that record when the domain needs it. A char related to an ir.model
   * many2one's `model` (mail.activity's res_model) takes the model the id given names.
   */
  domainAfter(model: string, domain: RpcValue[], change: Change, label: string, what: string): DomainVerdict {
    const tree = domainTree(domain);
    if (!tree) return { ok: false, reason: `${what}: ${label}'s domain is not a well-formed domain, so no record can be shown to lie inside it` };
    const schema = this.schema(model);
    if (!schema) return { ok: 'schema' };
    const info = (f: string): FieldInfo | undefined => (Object.prototype.hasOwnProperty.call(schema, f) ? schema[f] : undefined);
    const values = change.kind === 'create' ? { ...this.st.defaults, ...change.values } : change.values;
    const forced = new Set(change.forced ?? []);
    const alsoChanged = new Set(change.alsoChanged ?? []);
    // A readonly computed field keeps no value written to it (Odoo drops or recomputes it).
    const computedByOdoo = (f: string): boolean => {
      const i = info(f);
      return !!i && !i.related && !!i.depends && i.depends.length > 0 && i.readonly !== false;
    };
    const given = (f: string): boolean => Object.prototype.hasOwnProperty.call(values, f) && !forced.has(f) && !LOG_ACCESS_FIELDS.has(f) && f !== 'id'
      && !computedByOdoo(f) && !(change.textFieldsUnknown && TEXT_TYPES.has(info(f)?.type ?? 'char'));

    // A char related to an ir.model many2one's `model` (mail.activity's res_model = res_model_id.model,
    // stored, precomputed on create and recomputed on write) gets the model the ir.model id given
    // names, read by the proxy (env.irModelName, asked for like a schema); False gives no model. Only
    // on create and write, and only when the field itself is not set (a value given for it is written
    // through to ir.model, and name_create's name field or a default for it is not known here).
    const irNames = new Map<string, { stored?: Stored; unknown?: string }>();
    let irUnread = false;
    const irNamed = (f: string): { stored?: Stored; unknown?: string } => {
      const seen = irNames.get(f);
      if (seen) return seen;
      let out: { stored?: Stored; unknown?: string } = {};
      const through = change.kind === 'copy' || change.textFieldsUnknown ? undefined : irModelThrough(schema, f);
      if (through && !Object.prototype.hasOwnProperty.call(values, f) && !forced.has(f) && !alsoChanged.has(f) && given(through)) {
        const v = values[through]!;
        if (v === false || v === null) out = { stored: { null: true } };
        else if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) {
          const name = this.st.env.irModelName?.(v);
          if (name === undefined) {
            this.st.missingIrModels.add(v);
            irUnread = true;
          } else if (name !== null && isModelName(name)) out = { stored: { value: name } };
          else out = { unknown: `'${through}' is ir.model ${v}, which does not exist or cannot be read, so '${f}' is not known` };
        } else out = { unknown: `'${through}' is ${JSON.stringify(v) ?? String(v)}, not an ir.model id, so '${f}' is not known` };
      }
      irNames.set(f, out);
      return out;
    };
    for (const l of tree.leaves) if (!l.path.includes('.') && EVALUATED_OPERATORS.has(l.operator)) irNamed(l.path);
    if (irUnread) return { ok: 'schema' }; // decided again with the names

    // Fields whose value may differ afterwards (write, copy), and relations whose targets change.
    const changed = new Set<string>([...Object.keys(change.values), ...(change.alsoChanged ?? [])]);
    const deep = new Set<string>();
    // Records of other models the call writes or deletes (related fields, x2many commands other than
    // links) may be reached through any relation, so every path may change with them, and a check
    // made upstream before the call would see them as they were.
    const writesOthers = Object.keys(values).some((f) => {
      const i = info(f);
      if (i?.related) return true;
      if (!i || !X2MANY.has(i.type)) return false;
      const v = values[f];
      if (!Array.isArray(v)) return false;
      return i.type === 'one2many' || v.some((c) => Array.isArray(c) && [0, 1, 2].includes(numberOf(c[0]) ?? -1));
    });
    const elsewhere = change.kind !== 'create' && writesOthers;
    if (change.kind !== 'create') {
      for (const f of LOG_ACCESS_FIELDS) if (change.kind === 'copy' || f.startsWith('write_')) changed.add(f);
      for (const f of Object.keys(change.values)) {
        const i = info(f);
        if (i?.related) deep.add(i.related.split('.')[0]!);
      }
      if (change.kind === 'copy') {
        // Odoo does not copy one2many, related and computed fields (unless a model says otherwise):
        // the copy gets their default or recomputed value. A field it does not copy takes a
        // default_<field> from the context, so those may change too.
        for (const [f, i] of Object.entries(schema)) {
          if (!given(f) && (i.type === 'one2many' || i.related || (i.depends && i.depends.length > 0))) changed.add(f);
        }
        for (const f of Object.keys(this.st.defaults)) if (!given(f)) changed.add(f);
      }
      const reaches = (path: string): boolean => {
        const segs = path.split('.');
        return changed.has(segs[0]!) || (segs.length > 1 && (deep.has(segs[0]!) || elsewhere));
      };
      for (let grew = true; grew; ) {
        grew = false;
        for (const [f, i] of Object.entries(schema)) {
          if (changed.has(f)) continue;
          const deps = [...(i.depends ?? []), ...(i.related ? [i.related] : [])];
          if (deps.some(reaches)) {
            changed.add(f);
            grew = true;
          }
        }
      }
    }

    const checkable = new Map<number, UpstreamCheck>();
    const after = (i: number): LeafAfter => {
      const leaf = tree.leaves[i]!;
      const segs = leaf.path.split('.');
      const head = segs[0]!;
      if (leaf.operator === '=?' && (leaf.value === false || leaf.value === null)) return true;
      if (change.kind !== 'create') {
        if (head === 'id' && segs.length === 1) return change.kind === 'write' ? 'same' : undefined;
        if (!(changed.has(head) || (segs.length > 1 && (deep.has(head) || elsewhere)))) return 'same';
      }
      const fi = info(head);
      if (segs.length === 1 && EVALUATED_OPERATORS.has(leaf.operator) && fi && given(head)) {
        return leafTruth(fi.type, storedValue(fi, values[head]!), leaf.operator, leaf.value);
      }
      const named = segs.length === 1 && EVALUATED_OPERATORS.has(leaf.operator) && fi ? irNamed(head).stored : undefined;
      if (named) return leafTruth(fi!.type, named, leaf.operator, leaf.value);
      // partner_id.is_company = true, partner_id any [...]: the linked record, by id, upstream.
      const id = given(head) ? values[head] : undefined;
      if (!writesOthers && fi?.type === 'many2one' && fi.relation && !fi.related && typeof id === 'number' && Number.isSafeInteger(id) && id > 0) {
        const sub = segs.length > 1 && !SUBDOMAIN_OPERATORS.has(leaf.operator)
          ? [[segs.slice(1).join('.'), leaf.operator, leaf.value]]
          : segs.length === 1 && leaf.operator === 'any' && Array.isArray(leaf.value) ? leaf.value : undefined;
        if (sub) {
          checkable.set(i, { kind: 'ids_in_domain', model: fi.relation, ids: [id], domain: sub as RpcValue[], reason: `${what}: the ${fi.relation} record ${id} set in '${head}' does not match ${label}'s domain leaf ${JSON.stringify([leaf.path, leaf.operator, leaf.value])}` });
        }
      }
      return undefined;
    };
    const heldBefore = change.kind !== 'create';
    if (domainHoldsAfter(tree, after, heldBefore)) return { ok: true, checks: [] };
    if (checkable.size > 0 && domainHoldsAfter(tree, (i) => (checkable.has(i) ? true : after(i)), heldBefore)) {
      return { ok: true, checks: [...checkable.keys()].sort((a, b) => a - b).map((i) => checkable.get(i)!) };
    }

    // Why not: the leaves the values leave open, or none (the values put the record outside).
    const open = tree.leaves.filter((l) => after(l.index) === undefined);
    const kept = tree.leaves.filter((l) => after(l.index) === 'same');
    const heads = (ls: typeof open) => ls.map((l) => l.path.split('.')[0]!);
    const byOdoo = (f: string): boolean => forced.has(f) || alsoChanged.has(f) || LOG_ACCESS_FIELDS.has(f) || f === 'id' || (computedByOdoo(f) && Object.prototype.hasOwnProperty.call(values, f));
    // Paths left open only because the call writes records of other models.
    const behind = change.kind === 'create' ? [] : open.filter((l) => {
      const segs = l.path.split('.');
      return segs.length > 1 && !changed.has(segs[0]!) && !deep.has(segs[0]!);
    });
    const irUnknown = [...new Set(heads(open).map((f) => irNames.get(f)?.unknown).filter((u): u is string => u !== undefined))];
    const absent = heads(open.filter((l) => !behind.includes(l))).filter((f) => !given(f) && !byOdoo(f) && !irNames.get(f)?.unknown);
    const setBy = heads(open).filter(byOdoo);
    const opaque = open.filter((l) => given(l.path.split('.')[0]!)).map((l) => l.path);
    const shown = JSON.stringify(domain);
    if (change.refusal) return { ok: false, reason: `${what}: the domain ${shown} of ${label} cannot be shown to hold for ${change.refusal}` };
    const notes: string[] = [];
    if (change.kind === 'create') {
      if (absent.length) notes.push(`set ${fieldList(absent)} explicitly (a field left out gets Odoo's default, which the engine does not know)`);
    } else if (absent.length) {
      notes.push(change.kind === 'copy'
        ? `set ${fieldList(absent)} in default (Odoo does not copy computed, related and one2many fields, and a default_<field> in the context sets fields it does not copy)`
        : `the written values change ${fieldList(absent)} through computed or related fields`);
    }
    notes.push(...irUnknown);
    if (behind.length) notes.push(`the call also writes or deletes records of other models, which may be the ones behind ${fieldList(behind.map((l) => l.path))}`);
    if (setBy.length) notes.push(`${fieldList(setBy)} ${setBy.length === 1 ? 'is' : 'are'} set by Odoo itself`);
    if (opaque.length) notes.push(`the leaves on ${fieldList(opaque)} cannot be evaluated from the values given (only =, !=, in, not in, <, <=, >, >=, =? on plain fields, with values of the field's type)`);
    if (open.length === 0 && kept.length === 0) {
      const outcome = change.kind === 'create' ? 'the created record would lie outside' : change.kind === 'copy' ? 'the copy would lie outside' : 'the written values would move the records out of';
      return { ok: false, reason: `${what}: ${outcome} the domain ${shown} of ${label}` };
    }
    if (open.length === 0) {
      // Some leaves keep their value: a record inside the domain only through the others leaves it.
      const moved = fieldList(tree.leaves.filter((l) => after(l.index) !== 'same').map((l) => l.path));
      const outcome = change.kind === 'copy' ? 'the copy may lie outside' : 'the written values may move records out of';
      return { ok: false, reason: `${what}: ${outcome} the domain ${shown} of ${label} (a record inside it through its leaves on ${moved} would leave it)` };
    }
    const subject = change.kind === 'create' ? 'the created record' : change.kind === 'copy' ? 'the copy' : 'the records after the write';
    return { ok: false, reason: `${what}: the domain ${shown} of ${label} cannot be shown to hold for ${subject}: ${notes.join('; ')}` };
  }

  /** Fields of `model` a record created with `vals` gets from the context's default_<field> (not `inverse`, which Odoo sets). */
  defaultedFields(model: string, vals: RpcStruct, inverse: string | undefined): string[] {
    const names = sortedKeys(this.st.defaults).filter((f) => f !== inverse && !Object.prototype.hasOwnProperty.call(vals, f));
    if (names.length === 0) return [];
    const schema = this.schema(model);
    if (!schema) return [];
    return names.filter((f) => Object.prototype.hasOwnProperty.call(schema, f));
  }

  /** The call's own rule: records created or written by this call must lie inside its domain. */
  mainDomainAfter(change: Change, what: string): void {
    if (!hasDomain(this.rule)) return;
    const v = this.domainAfter(this.model, this.rule.domain!, change, this.label, what);
    if (v.ok === false) deny(v.reason);
    if (v.ok === true) this.st.checks.push(...v.checks);
  }

  /** Whether records of `model` linked by id must be checked: the key has rules there, all limited to domains. */
  linksNeedCheck(model: string): boolean {
    const reaching = this.st.rules.filter((r) => ruleReaches(r, model));
    return reaching.length > 0 && reaching.every(hasDomain);
  }

  /**
   * Records of `model` linked by id through a relational value (a many2one id, commands 4 and 6, a
   * reference): when the key's rules on that model are all limited to domains, the ids must lie
   * inside one of them (checked upstream), so a key cannot attach records it may not reach. A key
   * with no rule on the model may link any of its records: the field being allowed is the operator's
   * choice.
   */
  linked(model: string, ids: number[], via: string, opts: { domainChecked?: boolean; byXmlid?: boolean; hideModel?: string } = {}): void {
    const unique = [...new Set(ids)];
    const companies = this.st.key.limits?.companies;
    if (model === 'res.company' && companies && companies.length > 0) {
      // A record put in another company leaves the companies the key is limited to.
      const outside = unique.filter((id) => !companies.includes(id));
      if (outside.length) {
        const detail = `${via} puts records in company ${outside.join(', ')}, outside the key's companies (${companies.join(', ')})`;
        // byXmlid: ids a load looked up from the client's external ids, ir.model.data's to tell;
        // hideModel: that the record is a company, where an ir.model id named the model.
        if (opts.hideModel !== undefined) denyWithheld(`${via} links a record of ${opts.hideModel} outside the key's limits`, detail, 'companies');
        if (!opts.byXmlid) deny(detail, 'companies');
        this.withhold(this.readsXmlids(), `${via} names by external id a company outside the key's companies (${companies.join(', ')})`, detail, 'companies');
      }
    }
    // domainChecked: a links_in_domain check with `set` holds the ids added to the domains.
    if (unique.length === 0 || opts.domainChecked || !this.linksNeedCheck(model)) return;
    const { domain, outside } = this.reach(model);
    // The check's refusal goes to the client: it names the rules (and so the model) only where the client named it.
    const told = opts.hideModel === undefined ? outside : `a record of ${opts.hideModel} outside the domains of the key's rules on it`;
    this.st.checks.push({ kind: 'ids_in_domain', model, ids: unique, domain, reason: `${via} links ${told}` });
  }

  /** What the key's rules reach on `model`: the OR of their domains, and its wording for refusals. */
  reach(model: string): { domain: RpcValue[]; outside: string } {
    const reaching = this.st.rules.map((rule, index) => ({ rule, index })).filter(({ rule }) => ruleReaches(rule, model));
    const domains: RpcValue[][] = [];
    const seen = new Set<string>();
    for (const { rule } of reaching) {
      const k = JSON.stringify(rule.domain);
      if (!seen.has(k)) {
        seen.add(k);
        domains.push(rule.domain!);
      }
    }
    const labels = reaching.map(({ rule, index }) => ruleLabel(rule, index)).join(', ');
    return { domain: orDomains(domains), outside: `${model} records outside the domain${reaching.length > 1 ? 's' : ''} of ${labels}` };
  }

  /**
   * Links a many2many command removes, under the same condition as links it adds (the key's rules
   * on the comodel all limited to domains): the records unlinked must lie inside one of those
   * domains too, or a key limited to some tags could drop tags it cannot even read. Command 3
   * names them (`ids`); 5, 6, a bare id list and `False` remove every current link of `owners`
   * (Many2many.write_real: `relation_set`), which the proxy reads upstream first. `owners` is []
   * for records being created (no links yet), undefined when the records are not known here.
   */
  unlinked(comodel: string, removed: { ids: number[] } | { model: string; field: string; owners: number[] | undefined; related: boolean; set?: number[]; rows?: LinkSet['rows']; adds?: boolean }, via: string): void {
    if (!this.linksNeedCheck(comodel)) return;
    const { domain, outside } = this.reach(comodel);
    if ('ids' in removed) {
      const unique = [...new Set(removed.ids)];
      if (unique.length) this.st.checks.push({ kind: 'ids_in_domain', model: comodel, ids: unique, domain, reason: `${via} removes links to ${outside}` });
      return;
    }
    const owners = removed.owners === undefined ? undefined : [...new Set(removed.owners)];
    // A related field writes through to another record (on a create too), whose links go.
    if (!removed.related && owners !== undefined && owners.length === 0) return;
    if (owners === undefined || removed.related) {
      deny(`${via} removes every current link of ${removed.model}.${removed.field}, and the engine cannot read which ${comodel} records those are${removed.related ? ' (a related field: the links belong to another record)' : ''}, while the key's rules limit ${comodel} to domains; remove links one by one with command 3 and add them with command 4`);
    }
    const check: UpstreamCheck = { kind: 'links_in_domain', model: removed.model, ids: owners, field: removed.field, comodel, domain, reason: `${via} removes links to ${outside}` };
    if (removed.set) check.set = { ids: [...new Set(removed.set)], reason: `${via} links ${outside}`, ...(removed.rows ? { rows: removed.rows } : {}), ...(removed.adds ? { adds: true } : {}) };
    this.st.checks.push(check);
  }

  /**
   * Command 6 alone, or a bare id list, on a many2many of existing records: Odoo sets each record's
   * links to the ids (Many2many.write_real compares the new set with the old one and inserts and
   * deletes only the difference), so a link kept is not touched. Clients read the field, add or
   * drop an id and write the list back (odoo-await's replace, Python's (6, 0, ids)): links the key
   * cannot reach that the record already has stay, and only the links added or removed must lie
   * inside the domains (one links_in_domain check with `set`, which also replaces the check of the
   * ids as linked). Returns false where that does not apply (the usual checks are made then).
   */
  setLinks(comodel: string, at: { model: string; field: string; owners: number[] | undefined }, related: boolean, ids: number[], via: string): boolean {
    if (related || at.owners === undefined || at.owners.length === 0 || !this.linksNeedCheck(comodel)) return false;
    this.unlinked(comodel, { ...at, related, set: ids }, via);
    this.linked(comodel, ids, via, { domainChecked: true }); // the companies limit still applies to every id named
    return true;
  }

  // --- paths: partner_id.email, order_line/product_id/id ------------------------------------------

  /**
   * Checks a field path starting on `model`; `first` checks the first segment (the rule of the call,
   * or a comodel rule). Following a relation needs read on the comodel for the next segments.
   */
  path(model: string, segments: string[], first: (field: string) => void, via: string, opts: { importPath?: boolean } = {}): void {
    let current = model;
    let check = first;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      if (opts.importPath && (seg === 'id' || seg === '.id')) {
        if (i !== segments.length - 1) deny(`${via}: '${seg}' must end the path`);
        return; // external or database id of the records reached so far
      }
      check(seg);
      if (i === segments.length - 1) return;
      const info = this.info(current, seg);
      if (info === null) {
        this.schema(current);
        return;
      }
      const next = segments[i + 1]!;
      if (info?.type === 'properties') return; // the next segment names a property of this field
      if ((info?.type === 'date' || info?.type === 'datetime') && GRANULARITIES.has(next) && i + 1 === segments.length - 1) return;
      if (!info?.relation || !RELATIONAL.has(info.type)) deny(`${via}: '${seg}' on ${current} is not a relation, so '${segments.slice(0, i + 2).join('.')}' is not a path`);
      const comodel = info.relation;
      current = comodel;
      check = (f: string) => {
        if (!isFieldName(f)) deny(`${via}: ${quoteName(f)} is not a field name`);
        this.comodel(comodel, 'read', [f], via);
        this.info(comodel, f);
      };
    }
  }

  // --- domains ----------------------------------------------------------------------------------

  /** Checks a domain on `model` whose fields are checked by `field` (this rule, or a comodel rule). */
  domain(model: string, domain: RpcValue, field: (f: string) => void, what: string, depth = 0): void {
    const problem = domainShapeProblem(domain);
    if (problem) deny(`${what}${problem.at}: ${problem.message}`);
    (domain as RpcValue[]).forEach((item, i) => {
      if (!Array.isArray(item) || isConstantLeaf(item)) return;
      const [p, rawOp, value] = item as [string, string, RpcValue];
      const op = rawOp.toLowerCase();
      const segments = p.split('.');
      const leafWhat = `${what}[${i}] on '${p}'`;
      this.path(model, segments, field, leafWhat);
      const target = segments[segments.length - 1]!;
      const nameSearch = isNameSearchLeaf(target, op, value);
      const relevant = SUBDOMAIN_OPERATORS.has(op) || HIERARCHY_OPERATORS.has(op) || (nameSearch && target !== 'display_name');
      const last = relevant ? this.lastRelation(model, segments) : '';
      if (SUBDOMAIN_OPERATORS.has(op)) {
        if (last === null) return; // schema not known yet
        if (!last) deny(`${leafWhat}: '${op}' needs a relational field`);
        const comodel = last;
        this.domain(comodel, value, (f) => {
          this.comodel(comodel, 'read', [f], `${leafWhat} (${op})`);
          this.info(comodel, f);
        }, `${leafWhat} ${op}`, depth + 1);
        return;
      }
      if (HIERARCHY_OPERATORS.has(op)) {
        // child_of / parent_of walk the hierarchy of the target model (its parent field).
        const own = target === 'id' && segments.length === 1;
        const hierarchyModel = own ? model : last;
        if (hierarchyModel === null) return;
        if (!hierarchyModel) deny(`${leafWhat}: '${op}' needs a relational field or id`);
        this.everyField(hierarchyModel, `${leafWhat} (${op} walks the ${hierarchyModel} hierarchy)`, !own);
        return;
      }
      if (nameSearch) {
        // A relation compared with text, or display_name, is a name search on the target model,
        // which matches fields the model picks (res.partner: email, vat, ref...).
        if (target === 'display_name') {
          const owner = segments.length === 1 ? model : this.ownerOf(model, segments);
          if (owner) this.everyField(owner, `${leafWhat} (a display name search matches fields the model chooses)`, segments.length > 1);
        } else if (last) {
          this.everyField(last, `${leafWhat} (text compared with a relation is a name search on ${last})`, true);
        }
      }
    });
  }

  /** The comodel of the last segment when it is relational; '' when it is not; null when unknown. */
  lastRelation(model: string, segments: string[]): string | '' | null {
    let current = model;
    for (let i = 0; i < segments.length; i++) {
      const info = this.info(current, segments[i]!);
      if (info === null) {
        this.schema(current);
        return null;
      }
      if (i === segments.length - 1) return info?.relation && RELATIONAL.has(info.type) ? info.relation : '';
      if (!info?.relation) return '';
      current = info.relation;
    }
    return '';
  }

  ownerOf(model: string, segments: string[]): string | null {
    let current = model;
    for (let i = 0; i < segments.length - 1; i++) {
      const info = this.info(current, segments[i]!);
      if (info === null) this.schema(current);
      if (!info?.relation) return null;
      current = info.relation;
    }
    return current;
  }

  /**
   * Access that may reveal any field of a model: the rule for it must list no fields. Through a
   * relation (`parent_id ilike 'x'` on res.partner) it reaches other records, which this rule's
   * domain does not filter, even on the call's own model: a comodel rule without a domain is needed.
   */
  everyField(model: string, why: string, viaRelation = false): void {
    if (model === this.model && !viaRelation) {
      if (this.rule.fields !== undefined) deny(`${why}: ${this.label} lists fields, and this can match any field of ${model}`);
      return;
    }
    this.comodel(model, 'read', undefined, why);
  }

  /** The call's domain on its own model: checked, then the rule's domain ANDed in. */
  searchDomain(b: BoundCall, param: string): void {
    const given = b.params[param];
    if (given !== undefined && given !== null && given !== false) {
      this.domain(this.model, given, (f) => this.mainField(f, 'searched'), param);
    }
    if (this.rule.domain && this.rule.domain.length > 0) {
      const base = Array.isArray(given) ? given : [];
      b.params[param] = andDomains(base, this.rule.domain);
      this.st.notes.push(`${param} ANDed with rule ${this.index}'s domain`);
    }
  }

  // --- order, groupby, aggregates ---------------------------------------------------------------

  order(model: string, order: RpcValue | undefined, field: (f: string) => void, what: string, allowAggregates = false): void {
    if (order === undefined || order === null || order === false || order === '') return;
    if (typeof order !== 'string') deny(`${what} must be a string`);
    for (const term of order.split(',')) {
      const m = /^\s*"?([A-Za-z0-9_]+)"?((?:\.[A-Za-z0-9_]+)*)(?::([a-z_]+)(?:\(([A-Za-z0-9_]+)\))?)?(?:\s+(?:asc|desc))?(?:\s+nulls\s+(?:first|last))?\s*$/i.exec(term);
      if (!m) deny(`${what}: ${quoteName(term.trim())} is not an order term (field [asc|desc] [nulls first|last])`);
      if (m[1] === '__count' && allowAggregates) continue;
      const base = m[4] ?? m[1]!;
      const segments = [base, ...(m[2] ? m[2].slice(1).split('.') : [])];
      if (m[3] && !allowAggregates && !GRANULARITIES.has(m[3])) deny(`${what}: ${quoteName(term.trim())} is not an order term`);
      this.path(model, segments, field, `${what} '${term.trim()}'`);
    }
  }

  /**
   * The field a dotted path ends on, following relations; null when a model's schema is not known
   * yet (asked for), the first non-relational field when the path goes on past one.
   */
  private fieldAtPathEnd(segments: string[]): FieldInfo | undefined | null {
    let current = this.model;
    let info: FieldInfo | undefined | null = null;
    for (const seg of segments) {
      info = this.info(current, seg);
      if (info === null) {
        this.schema(current);
        break;
      }
      if (!info?.relation) break;
      current = info.relation;
    }
    return info;
  }

  /**
   * Group keys hold `[id, display_name]` for many2one and many2many groupbys, also at the end of a
   * path (`partner_id.country_id`): hidden when the key may not read the names.
   */
  redactGroups(specs: string[]): void {
    const byComodel = new Map<string, { fields: string[]; domain?: RpcValue[] }>();
    for (const spec of [...new Set(specs)].sort()) {
      const segments = spec.split(':')[0]!.split('.');
      const info = this.fieldAtPathEnd(segments);
      if (info?.type === 'properties' && segments.length > 1) {
        // A property's groups are keyed [id, name] when it is relational, of a comodel named only
        // in the parent's definition, not in the answer: every such name is hidden.
        this.st.redactions.push({ kind: 'many2one_names', fields: [spec] });
        continue;
      }
      if (!info || !info.relation || (info.type !== 'many2one' && info.type !== 'many2many')) continue;
      this.noteNameToRedact(byComodel, info.relation, spec);
    }
    this.pushNameRedactions(byComodel);
  }

  /**
   * Answers keyed by field name (Odoo 16's onchange values) hold `[id, display_name]` for each
   * path ending in a many2one, at that field's name: hidden when the key may not read the names.
   */
  redactPathEnds(paths: string[]): void {
    const byComodel = new Map<string, { fields: string[]; domain?: RpcValue[] }>();
    for (const path of [...new Set(paths)].sort()) {
      const segments = path.split('.');
      const info = this.fieldAtPathEnd(segments);
      if (info && NAMED_PROPERTY_TYPES.has(info.type)) this.redactProperties([segments[segments.length - 1]!]);
      if (!info || info.type !== 'many2one' || !info.relation) continue;
      this.noteNameToRedact(byComodel, info.relation, segments[segments.length - 1]!);
    }
    this.pushNameRedactions(byComodel);
  }

  /** `field` shows names of `comodel` records: note it unless a rule lets the key read them all. */
  private noteNameToRedact(byComodel: Map<string, { fields: string[]; domain?: RpcValue[] }>, comodel: string, field: string): void {
    const found = this.findRule(comodel, 'read', ['display_name']);
    if (found && !(found.rule.domain && found.rule.domain.length)) return;
    const entry = byComodel.get(comodel) ?? { fields: [] };
    entry.fields.push(field);
    if (found) entry.domain = found.rule.domain;
    byComodel.set(comodel, entry);
  }

  /**
   * Properties fields in the answer hold many2one / many2many property values as `[id, name]`
   * pairs (also their defaults; a properties definition field its defaults), each beside the
   * comodel its definition names: the names are hidden as for many2one fields, per value, by the
   * proxy (propertyNameReach).
   */
  redactProperties(fields: string[]): void {
    if (fields.length === 0) return;
    const existing = this.st.redactions.find((r): r is PropertyNameRedaction => r.kind === 'property_names');
    if (existing) {
      existing.fields = [...new Set([...existing.fields, ...fields])].sort();
      return;
    }
    const readers = this.rulesFor('', 'read', ['display_name'], true).map(({ rule }) => ({
      model: rule.model,
      ...(rule.allow_sensitive === true ? { allow_sensitive: true } : {}),
      ...(hasDomain(rule) ? { domain: rule.domain! } : {}),
    }));
    this.st.redactions.push({ kind: 'property_names', fields: [...new Set(fields)].sort(), readers });
  }

  private pushNameRedactions(byComodel: Map<string, { fields: string[]; domain?: RpcValue[] }>): void {
    for (const [comodel, e] of [...byComodel].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const r: ResultRedaction = { kind: 'many2one_names', fields: e.fields, comodel };
      if (e.domain) r.domain = e.domain;
      this.st.redactions.push(r);
    }
  }

  /** A groupby spec: `field`, `field:month`, `partner_id.country_id`, `properties.tag`. */
  groupby(spec: RpcValue, what: string): string {
    if (typeof spec !== 'string') deny(`${what}: ${quoteName(spec)} is not a groupby`);
    const m = /^([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)(?::([a-z_]+))?$/.exec(spec);
    if (!m) deny(`${what}: ${quoteName(spec)} is not a groupby (field or field:granularity)`);
    if (m[2] && !GRANULARITIES.has(m[2])) deny(`${what}: '${m[2]}' is not a date granularity`);
    const segments = m[1]!.split('.');
    this.path(this.model, segments, (f) => this.mainField(f, 'grouped by'), `${what} '${spec}'`);
    return spec;
  }

  /** read_group `fields` (16-18: `name`, `name:agg`, `alias:agg(field)`) and 19 `aggregates`. */
  aggregate(spec: RpcValue, what: string): void {
    if (typeof spec !== 'string') deny(`${what}: ${quoteName(spec)} is not an aggregate`);
    if (spec === '__count') return;
    const m = /^([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)(?::([a-z_]+)(?:\(([A-Za-z0-9_]+)\))?)?$/.exec(spec);
    if (!m) deny(`${what}: ${quoteName(spec)} is not an aggregate (field:function)`);
    const base = m[3] ?? m[1]!;
    this.path(this.model, base.split('.'), (f) => this.mainField(f, 'aggregated'), `${what} '${spec}'`);
  }

  list(v: RpcValue | undefined, what: string): RpcValue[] {
    if (v === undefined || v === null || v === false) return [];
    if (typeof v === 'string') return [v]; // Odoo accepts a single groupby or field name
    if (!Array.isArray(v)) deny(`${what} must be a list`);
    return v;
  }

  // --- limits -------------------------------------------------------------------------------------

  capLimit(b: BoundCall, param: string, odooDefault: number | null = null): void {
    const max = this.rule.max_limit;
    const given = b.params[param];
    const n = numberOf(given);
    // '' is no limit to Odoo (Query.select writes LIMIT only when truthy; odoo-await sends '' for
    // an option it was not given): odooLimit reads it so, and max_limit then applies.
    if (given !== undefined && given !== null && given !== false && given !== '' && (n === undefined || !Number.isInteger(n) || n < 0)) deny(`${param} must be a non-negative integer`);
    if (max === undefined) return;
    // name_search(limit=0) returns every record: 0 is no limit, not the method's default.
    const effective = odooLimit(given, odooDefault);
    if (effective === null || effective > max) {
      b.params[param] = max;
      this.st.notes.push(`${param} narrowed to ${max} (rule ${this.index} max_limit)`);
    }
  }

  // --- records ------------------------------------------------------------------------------------

  ids(b: BoundCall, what = 'ids'): number[] {
    return idList(b.ids, what);
  }

  /** Calls on ids: each must lie inside the rule's domain (the proxy counts upstream first). */
  idsInDomain(ids: number[], op: string): void {
    if (!this.rule.domain || this.rule.domain.length === 0 || ids.length === 0) return;
    this.st.checks.push({ kind: 'ids_in_domain', model: this.model, ids, domain: this.rule.domain, reason: `${op} on ${this.model} records outside ${this.label}'s domain` });
  }

  readIdsBound(ids: number[]): void {
    if (this.rule.max_limit !== undefined && ids.length > this.rule.max_limit) {
      deny(`${this.method} on ${ids.length} records is more than ${this.label} allows at once (max_limit ${this.rule.max_limit})`);
    }
  }

  // --- reading fields -----------------------------------------------------------------------------

  /**
   * A field list of a read: checked, or (empty, missing) narrowed to the rule's fields, since Odoo
   * reads every field for an empty list. Returns the fields that will be read (undefined: all).
   */
  fieldList(b: BoundCall, param: string): string[] | undefined {
    const given = b.params[param];
    const list = given === undefined || given === null || given === false ? [] : given;
    if (!Array.isArray(list)) deny(`${param} must be a list of field names`);
    if (list.length > 0) return list.map((f) => this.mainField(f, 'read'));
    if (this.rule.fields === undefined) return undefined;
    const schema = this.st.env.schema?.(this.model);
    let narrowed = this.rule.fields.filter((f) => !schema || f === 'id' || Object.prototype.hasOwnProperty.call(schema, f));
    if (narrowed.length === 0) narrowed = ['id']; // an empty list would again mean every field
    b.params[param] = narrowed;
    this.st.notes.push(`${param} narrowed to rule ${this.index}'s fields`);
    return narrowed;
  }

  /** many2one values in the answer (`[id, display_name]`) whose comodel the key may not read. */
  redactNames(fields: string[] | undefined): void {
    const schema = this.schema(this.model);
    if (!schema) return;
    const names = fields ?? Object.keys(schema).filter((f) => fieldIn(this.rule, f));
    const byComodel = new Map<string, { fields: string[]; domain?: RpcValue[] }>();
    const properties: string[] = [];
    for (const f of [...names].sort()) {
      const info = Object.prototype.hasOwnProperty.call(schema, f) ? schema[f] : undefined;
      if (info && NAMED_PROPERTY_TYPES.has(info.type)) properties.push(f);
      if (!info || info.type !== 'many2one' || !info.relation) continue;
      this.noteNameToRedact(byComodel, info.relation, f);
    }
    this.pushNameRedactions(byComodel);
    this.redactProperties(properties);
  }

  /**
   * A web_read specification `{field: {fields: {...}, context: {...}, order, limit}}`: fields of
   * `model` checked by `field`; sub-specifications read comodels, which need rules of their own.
   */
  spec(model: string, spec: RpcValue | undefined, field: (f: string) => void, what: string, depth = 0): void {
    if (spec === undefined || spec === null) return;
    if (!isStruct(spec)) deny(`${what} must be a dictionary of field specifications`);
    if (depth > 8) deny(`${what} is nested too deeply`);
    for (const f of sortedKeys(spec)) {
      field(f);
      const sub = spec[f]!;
      // A properties field is answered with its definitions and values, relational ones as
      // [id, display_name] pairs (Properties.convert_to_read), whatever its sub-specification; a
      // properties definition with its defaults so (NAMED_PROPERTY_TYPES).
      const read = this.info(model, f);
      if (read === null) this.schema(model);
      else if (read && NAMED_PROPERTY_TYPES.has(read.type)) this.redactProperties([f]);
      if (sub === null || sub === false) continue;
      if (!isStruct(sub)) deny(`${what}['${f}'] must be a dictionary`);
      for (const k of sortedKeys(sub)) {
        if (!['fields', 'context', 'order', 'limit'].includes(k)) deny(`${what}['${f}'] has '${visible(k)}', which the engine does not know`);
      }
      if (sub.context !== undefined) this.context(sub.context, `${what}['${f}'].context`);
      if (sub.limit !== undefined && sub.limit !== null && sub.limit !== false && numberOf(sub.limit) === undefined) deny(`${what}['${f}'].limit must be a number`);
      const needsComodel = sub.fields !== undefined || (sub.order !== undefined && sub.order !== null && sub.order !== false && sub.order !== '');
      if (!needsComodel) continue;
      const info = this.info(model, f);
      if (info === null) {
        this.schema(model);
        continue;
      }
      if (!info || !info.relation || !RELATIONAL.has(info.type)) deny(`${what}['${f}'] reads through '${f}', which is not a many2one, one2many or many2many field`);
      const comodel = info.relation;
      const via = `${what}['${f}']`;
      const comodelField = (cf: string): void => {
        if (!isFieldName(cf)) deny(`${via}: ${quoteName(cf)} is not a field name`);
        this.comodel(comodel, 'read', [cf], via);
        this.info(comodel, cf);
      };
      this.order(comodel, sub.order, comodelField, `${via}.order`);
      if (sub.fields !== undefined) this.spec(comodel, sub.fields, comodelField, `${via}.fields`, depth + 1);
    }
  }

  // --- writing values -----------------------------------------------------------------------------

  /**
   * Values written to `model` (`create`/`write`/`copy` default...), their fields checked by `field`.
   * x2many commands reach the comodel: 0 creates and 1 updates records there (a rule allowing that
   * on the comodel, with those fields), 2 deletes (unlink on the comodel); 3, 5 and 6 on a one2many
   * may delete lines too (Odoo deletes lines whose inverse field is required), so they need unlink
   * on the comodel as well; on a many2many 3, 4, 5 and 6 change links, and the records linked or
   * unlinked must be ones the key reaches. `owners`: the existing records the values are written
   * to ([] for a create; undefined when unknown), whose current links 5 and 6 remove.
   */
  vals(model: string, vals: RpcValue, field: (f: string) => void, what: string, owners: number[] | undefined, depth = 0, pairs?: RefMode | 'skip', line?: { inverse: string; owners: number[] | undefined }): void {
    if (!isStruct(vals)) deny(`${what} must be a dictionary of field values`);
    if (depth > 8) deny(`${what} is nested too deeply`);
    // Records being created (owners []) take the context's defaults; anything else keeps its current values.
    if (pairs !== 'skip') this.refPairs(model, vals, what, pairs ?? (owners !== undefined && owners.length === 0 ? 'create' : 'write'), depth === 0 && model === this.model);
    // Existing records written (not created, not a copy's default): res.users' own write then writes their partners.
    if (pairs === undefined && (owners === undefined || owners.length > 0)) this.syncWrittenParents(model, vals, what);
    // Created records of an _inherits model: their inherited values create or write the parent.
    // Defaults (pairs 'skip') for those fields were judged with them.
    const delegated = owners !== undefined && owners.length === 0 && pairs === undefined ? this.delegatedCreate(model, vals, what, depth, line)
      : pairs === 'skip' && this.st.delegated.has(model) ? this.inheritedFields(model) : undefined;
    for (const f of sortedKeys(vals)) {
      field(f);
      if (delegated?.has(f)) continue;
      const v = vals[f]!;
      const info = this.info(model, f);
      if (info === null) {
        // Without the schema a list or dictionary value might be x2many commands, and any field
        // might be a related field writing through to another model.
        this.schema(model);
        continue;
      }
      if (info?.related) this.relatedWrite(model, f, info.related, `${what}['${f}']`, v);
      if (info && X2MANY.has(info.type) && info.relation) this.commands(info, v, `${what}['${f}']`, depth, { model, field: f, owners });
      // Values judged by the property's definition where the record holding it can be known: plain
      // create and write values (copy's default, context defaults and load cells keep the refusal).
      else if (info?.type === 'properties') this.propertiesValue(v, `${what}['${f}']`, pairs === undefined ? { model, field: f, values: vals, owners } : undefined);
      else if (info?.type === 'properties_definition') this.definitionWritten(v, `${what}['${f}']`, { model, field: f, owners });
      else if (Array.isArray(v) || isStruct(v)) {
        if (info && RELATIONAL.has(info.type)) deny(`${what}['${f}']: a ${info.type} value must be a record id`);
      } else if (info?.type === 'many2one' && info.relation && !info.related && v !== false && v !== null) {
        this.linked(info.relation, idList(v, `${what}['${f}']`), `${what}['${f}']`);
      } else if (info?.type === 'reference' && typeof v === 'string' && v !== '') {
        this.referenceValue(v, `${what}['${f}']`);
      }
    }
  }

  /** The fields of `model` inherited through its `_inherits` links (none while a schema is missing). */
  inheritedFields(model: string): Set<string> {
    const schema = this.st.env.schema?.(model);
    if (!schema) return new Set();
    return new Set(this.delegatesOf(model, schema).links.flatMap((l) => l.inherited));
  }

  /** The `_inherits` links of `model` (whose fields are `schema`), looked for once per decide: a vals_list of 10,000 records asks 10,000 times. */
  delegatesOf(model: string, schema: ModelSchema): Delegates {
    let found = this.st.delegates.get(model);
    if (!found) this.st.delegates.set(model, (found = delegateLinks(schema, (m) => this.st.env.schema?.(m))));
    return found;
  }

  /**
   * A record of an `_inherits` model (product.product, res.users) created with `vals`. Odoo's
   * BaseModel.create (19.0 odoo/orm/models.py, 17.0/18.0 odoo/models.py), after
   * _add_missing_default_values, puts the values of inherited fields in data['inherited'][parent]:
   * without the link (not in the values, no `default_<link>` in the context) it CREATES the parent
   * with them, as the user, even with none: create on the parent, with the fields the context's
   * default_<field> fill there too, that rule's domain judged on those values as for command 0
   * lines. With the link in the values it WRITES them on the record the link names: write on the
   * parent, that id checked against the write rule's domain. A `default_<link>` fills the link
   * without the values naming it, so _add_missing_default_values also fills every inherited field
   * that has a default and Odoo writes them all on that record: a write rule on every field
   * without a domain. A one2many line whose inverse field is the link gets its owner as parent
   * (the record being written, or being created: then no id is known). Parent values are judged
   * as values of the parent (their commands, links, its own _inherits). Returns the fields the
   * caller must not judge again as written through (or that wait for the parent's schema).
   */
  delegatedCreate(model: string, vals: RpcStruct, what: string, depth: number, line: { inverse: string; owners: number[] | undefined } | undefined): Set<string> {
    const skip = new Set<string>();
    const schema = this.st.env.schema?.(model);
    if (!schema) return skip; // asked for by the caller
    const { links, unknown } = this.delegatesOf(model, schema);
    for (const u of unknown) {
      this.schema(u.parent); // decided again with it
      for (const f of u.mirrors) skip.add(f);
    }
    if (links.length) this.st.delegated.add(model);
    for (const { field: link, parent, inherited: all } of links) {
      const inherited = all.filter((f) => own(vals, f));
      for (const f of inherited) skip.add(f);
      const parentVals: RpcStruct = Object.fromEntries(inherited.map((f) => [f, vals[f]!]));
      const parentField = (where: string) => (f: string): void => {
        if (!isFieldName(f)) deny(`${where}: ${quoteName(f)} is not a field name`);
      };
      let ids: number[] | undefined;
      let creates = false;
      let byDefault = false;
      if (line && line.inverse === link) ids = line.owners !== undefined && line.owners.length > 0 ? line.owners : undefined;
      else if (own(vals, link)) {
        if (pyFalsy(vals[link])) creates = true;
        else ids = many2oneId(vals[link]!, `${what}['${link}']`);
      } else if ((ids = this.defaultLinkIds(link)) !== undefined) byDefault = true;
      else creates = true;
      if (creates) {
        // The partner res.users' create makes ends with the user's active and company (syncedOnCreate).
        const synced = this.syncedOnCreate(model, link, vals);
        const createdVals: RpcStruct = { ...parentVals, ...synced };
        const given = [...inherited, ...Object.keys(synced)];
        const fields = [...given, ...this.defaultedFields(parent, createdVals, undefined)];
        const via = `${what}: creating ${model} also creates its ${parent} (${link})${fields.length ? ` with ${fieldList(fields)}` : ''}`;
        this.comodel(parent, 'create', fields, via, undefined, { kind: 'create', values: createdVals });
        this.st.created.push({ model: parent, fields: given });
        this.vals(parent, parentVals, parentField(via), via, [], depth + 1);
      } else if (byDefault) {
        this.defaultParentWrite(model, link, parent, ids!, all.filter((f) => !own(vals, f)), parentVals, `${what}: `, depth);
      } else {
        if (inherited.length > 0) {
          const via = ids
            ? `${what}: the inherited values write ${parent} record ${ids.join(', ')}, which its ${link} names`
            : `${what}: the inherited values write the ${parent} record the line's ${link} names (the record being created)`;
          this.comodel(parent, 'write', inherited, via, ids, { kind: 'write', values: parentVals });
          this.vals(parent, parentVals, parentField(via), via, ids, depth + 1);
        }
        this.syncNamedParent(model, link, vals, ids, what, false);
      }
    }
    return skip;
  }

  /**
   * The values res.users' create (PARENT_SYNC) leaves on the partner it created, beyond what its
   * create was given: `active` the user's where that differs from the partner's default (the
   * context's default_active, else true), `company_id` the user's where the partner got a company
   * (only from default_company_id: res.partner's company_id has no default in base) and the values
   * name another. A write on a record the call just created is judged as its create values, so
   * the create rule covers them and its domain is judged on them; nothing more otherwise.
   */
  syncedOnCreate(model: string, link: string, vals: RpcStruct): RpcStruct {
    if (PARENT_SYNC[model]?.link !== link) return {};
    const d = this.st.defaults;
    const out: RpcStruct = {};
    const partnerActive = own(d, 'active') ? !pyFalsy(d.active!) : true;
    if (own(vals, 'active') && !pyFalsy(vals.active!) !== partnerActive) out.active = !pyFalsy(vals.active!);
    if (own(d, 'company_id') && !pyFalsy(d.company_id!) && own(vals, 'company_id') && vals.company_id !== d.company_id) out.company_id = vals.company_id!;
    return out;
  }

  /**
   * res.users' create (PARENT_SYNC) on a partner the values name (or a line's owner: `ids`
   * undefined when that record is being created) writes there `active` (the user's) always and
   * `company_id` (the user's) where the partner has a company, which only Odoo knows: so write on
   * both, the ids checked against the rule's domain, judged on the values where known. A copy's
   * user keeps the original's active and company unless `default` gives them (`copied`).
   */
  syncNamedParent(model: string, link: string, vals: RpcStruct, ids: number[] | undefined, what: string, copied: boolean): void {
    const sync = PARENT_SYNC[model];
    if (sync?.link !== link) return;
    const d = this.st.defaults;
    const values: RpcStruct = {};
    const unknown: string[] = [];
    if (own(vals, 'active')) values.active = !pyFalsy(vals.active!);
    else if (copied) unknown.push('active');
    else values.active = own(d, 'active') ? !pyFalsy(d.active!) : true;
    if (own(vals, 'company_id')) values.company_id = vals.company_id!;
    else if (!copied && own(d, 'company_id')) values.company_id = d.company_id!;
    else unknown.push('company_id'); // the user's company: Odoo's env.company, or the original's
    const which = ids ? `${sync.parent} record ${ids.join(', ')}, which its ${link} names` : `the ${sync.parent} record the line's ${link} names (the record being created)`;
    const via = `${what}: creating ${model} on ${which}: Odoo's ${model} create then writes there 'active' (the user's) and, where that partner has a company, 'company_id' (the user's)`;
    this.comodel(sync.parent, 'write', ['active', 'company_id'], via, ids, { kind: 'write', values, alsoChanged: unknown });
  }

  /**
   * res.users' write (PARENT_SYNC) of a true `active` unarchives the users' partners, and of
   * `company_id` moves those with a company to the user's: writes on records known only upstream,
   * judged as a related field's write through (relatedWrite): a rule without a domain for that field.
   */
  syncWrittenParents(model: string, vals: RpcStruct, what: string): void {
    const sync = PARENT_SYNC[model];
    if (!sync) return;
    if (own(vals, 'active') && !pyFalsy(vals.active!)) {
      this.comodel(sync.parent, 'write', ['active'], `${what}['active']: Odoo's ${model} write of a true 'active' unarchives the users' ${sync.parent} records (${sync.link})`);
    }
    if (own(vals, 'company_id')) {
      this.comodel(sync.parent, 'write', ['company_id'], `${what}['company_id']: Odoo's ${model} write of 'company_id' moves the users' ${sync.parent} records (${sync.link}) that have a company to it`);
    }
  }

  /** The record a context `default_<link>` names for the records that leave the link out: none when absent or false. */
  defaultLinkIds(link: string): number[] | undefined {
    if (!own(this.st.defaults, link) || pyFalsy(this.st.defaults[link])) return undefined;
    return many2oneId(this.st.defaults[link]!, `context['default_${link}']`);
  }

  /**
   * A `default_<link>` names the parent of the `model` records created (delegatedCreate, load rows
   * without a link column): Odoo's default_get then fills every inherited field the values leave
   * out (`open`) with the parent's defaults, the context's default_<field> first, and
   * BaseModel.create writes them all on that record: write on every field without a domain, and
   * the context's defaults for those fields judged with `given` as values written there.
   */
  defaultParentWrite(model: string, link: string, parent: string, ids: number[], open: string[], given: RpcStruct, what: string, depth: number): void {
    const via = `${what}context 'default_${link}' names ${parent} record ${ids.join(', ')} as the parent of the ${model} record created, and Odoo then writes on it the inherited values and every ${parent} field with a default`;
    const found = this.findRule(parent, 'write', undefined);
    if (!found) deny(`${via}: that needs write on ${parent} (every field), which no rule allows; name '${link}' in the values instead`);
    if (hasDomain(found.rule)) deny(`${via}, which ${ruleLabel(found.rule, found.index)}'s domain cannot be checked against; name '${link}' in the values instead`);
    // defaultValues leaves the inherited fields of a delegated model to the parent, and no parent is created here.
    const defaulted = Object.fromEntries(open.filter((f) => own(this.st.defaults, f)).map((f) => [f, this.st.defaults[f]!]));
    this.vals(parent, { ...given, ...defaulted }, (f) => {
      if (!isFieldName(f)) deny(`${via}: ${quoteName(f)} is not a field name`);
    }, via, ids, depth + 1);
  }

  /** The call's model's `_inherits` links, undefined while its schema or a parent's is asked for (decided again with it). */
  parentLinks(): DelegateLink[] | undefined {
    const schema = this.schema(this.model);
    if (!schema) return undefined;
    const { links, unknown } = this.delegatesOf(this.model, schema);
    for (const u of unknown) this.schema(u.parent);
    return links;
  }

  /**
   * copy of an `_inherits` model's records copies their parents too: BaseModel.copy_data leaves the
   * link out (so create makes a new parent with every copied parent field, 16.0-19.0), and
   * product.product's own copy (addons/product, 16.0-19.0) copies the variant's template itself,
   * `default` included. Which fields get copied, and so whether the copy lies inside a domain, is
   * only known upstream: a rule allowing create on the parent on every field, without a domain.
   */
  copyParents(): void {
    const links = this.parentLinks();
    if (!links) return; // asked for
    for (const { field: link, parent } of links) {
      const via = `copy: copying ${this.model} records also copies their ${parent} (${link}), every field of it`;
      const found = this.findRule(parent, 'create', undefined);
      if (!found) deny(`${via}: that needs create on ${parent} (every field), which no rule allows`);
      if (hasDomain(found.rule)) deny(`${via}, which ${ruleLabel(found.rule, found.index)}'s domain cannot be checked against (the copied values are read upstream)`);
    }
  }

  /**
   * copy with `default` naming the parent (res.users' partner_id): copy_data then copies no inherited
   * field, and the user is created on that partner, which res.users' create writes (syncNamedParent).
   */
  copyNamedParents(given: RpcStruct): void {
    const sync = PARENT_SYNC[this.model];
    if (!sync || !own(given, sync.link) || pyFalsy(given[sync.link])) return;
    this.syncNamedParent(this.model, sync.link, given, many2oneId(given[sync.link]!, `default['${sync.link}']`), 'default', true);
  }

  /**
   * name_create on an `_inherits` model: BaseModel.name_create is create({_rec_name: name}), and
   * the name field (product.product's `name`) may be inherited, which the engine cannot tell. So,
   * as delegatedCreate: under `default_<link>` a write of every field on the record it names;
   * otherwise a create of the parent on any field, its domain judged with the text fields unknown.
   */
  nameCreateParents(): void {
    const links = this.parentLinks();
    if (!links) return; // asked for
    for (const { field: link, parent, inherited } of links) {
      const named = this.defaultLinkIds(link);
      if (named) {
        this.defaultParentWrite(this.model, link, parent, named, inherited, {}, 'name_create: ', 0);
        continue;
      }
      const via = `name_create: creating ${this.model} also creates its ${parent} (${link}; with the name, if the name field is inherited)`;
      this.comodel(parent, 'create', undefined, via, undefined, { kind: 'create', values: {}, textFieldsUnknown: true, refusal: `the ${parent} record name_create creates (its values are the name and the defaults; set the domain's fields with default_<field> in the context)` });
      this.st.created.push({ model: parent, fields: [] });
      this.st.delegated.add(this.model);
    }
  }

  /** 'res.partner,5': a link to a record of the model it names (create and write values, load cells). */
  referenceValue(v: string, via: string): void {
    const m = /^([a-z0-9_]+(?:\.[a-z0-9_]+)*),\s*([0-9]+)$/.exec(v);
    if (!m) deny(`${via}: ${quoteName(v)} is not a reference ('model,id')`);
    this.linkedAnyModel(m[1]!, Number(m[2]), via);
  }

  /** A link to a record of a model named by the value (reference, many2one_reference): any model, so sensitive ones too. */
  linkedAnyModel(model: string, id: number, via: string, irId?: number): void {
    if (SENSITIVE.has(model) && !this.st.rules.some((r) => ruleReaches(r, model))) {
      const detail = `${via} links a record of ${model}, a sensitive model no rule names with allow_sensitive`;
      // The model named through an ir.model id (irId) is ir.model's to tell.
      if (irId === undefined) deny(detail);
      this.withhold(this.readsIrModels(), `${via} links a record of the model ir.model ${irId} names, a sensitive model no rule names with allow_sensitive`, detail);
    }
    // Neither the companies limit's refusal nor the upstream check's may name the model then.
    this.linked(model, [id], via, irId !== undefined && !this.readsIrModels() ? { hideModel: `the model ir.model ${irId} names` } : {});
  }

  /**
   * many2one_reference fields (`res_id`) hold an id of the model named by another field, their
   * `model_field` (`res_model`; mail.message's `model`): the pair links a record of any model, checked
   * like a reference value. Odoo writes each field alone, so a write of one of them re-points the other
   * (`res_id` alone: the record's current model decides; `res_model` alone: the current id now names a
   * record of the new model), which the engine cannot see: refused unless both are given, or the
   * rule's domain pins the model (`[('res_model', '=', 'crm.lead')]`, checked upstream on the records
   * written and after the write). A model field related to an ir.model many2one (mail.activity's
   * `res_model`, related to `res_model_id.model`) is set through that id: the proxy reads which model
   * the ir.model record names (env.irModelName, asked for like a schema) and the id is checked against
   * it; an ir.model id that does not exist is refused. Given both ways (`res_model` and
   * `res_model_id`), the id is checked against each model named. Under a domain that pins the model,
   * an ir.model id naming another one is refused (with or without the id), as domainAfter judges it.
   * `mode`: 'create' (the context's default_<field> values fill what the values leave out) or 'write'
   * (existing records, or copy's default, whose other fields come from the original).
   */
  refPairs(model: string, values: RpcStruct, what: string, mode: RefMode, mayPin: boolean, prefix = ''): void {
    const at = (f: string): string => `${what}['${prefix}${f}']`;
    const schema = this.st.env.schema?.(model);
    if (!schema) return; // asked for by the caller; decided again with it
    const pick = (f: string): { given: boolean; value?: RpcValue } => {
      if (own(values, f)) return { given: true, value: values[f]! };
      if (mode === 'create' && own(this.st.defaults, f)) return { given: true, value: this.st.defaults[f]! };
      return { given: false };
    };
    let refFields = this.st.refFields.get(model);
    if (!refFields) this.st.refFields.set(model, (refFields = Object.keys(schema).sort().filter((g) => schema[g]!.type === 'many2one_reference' && !schema[g]!.related)));
    for (const g of refFields) {
      const info = schema[g]!;
      const mf = info.model_field;
      const idGiven = pick(g);
      const mfInfo = mf && own(schema, mf) ? schema[mf]! : undefined;
      // The many2one a related model field is set through (res_model_id for res_model.model).
      const through = mfInfo?.related && mfInfo.related.includes('.') ? mfInfo.related.split('.')[0]! : undefined;
      const modelGiven = mf ? pick(mf) : { given: false };
      const throughGiven = through ? pick(through) : { given: false };
      if (!idGiven.given && !modelGiven.given && !throughGiven.given) continue;
      const via = at(idGiven.given ? g : modelGiven.given ? mf! : through!);
      let id = 0;
      if (idGiven.given) {
        const v = idGiven.value;
        if (v !== false && v !== null && v !== 0) {
          // Odoo stores int(value): digits sent as text (form tools such as n8n send '42') are that id;
          // other text is refused (Python's int() reads '7_0' as 70).
          const n = typeof v === 'string' && /^[0-9]{1,15}$/.test(v) ? Number(v) : v;
          if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) deny(`${at(g)}: ${JSON.stringify(v) ?? String(v)} is not a record id`);
          id = n;
        }
      }
      if (!mf) {
        if (id) deny(`${at(g)} is a many2one_reference whose model field fields_get does not report, so the record it links cannot be checked`);
        continue;
      }
      const pinned = mayPin ? this.pinnedValue(mf) : undefined;
      const both = `send '${mf}' and '${g}' together`;
      // The models the id is checked against: the model field's value, and the model the ir.model id
      // it is set through names (both when both are given: which one Odoo keeps is not the engine's guess).
      const named: string[] = [];
      /** Of `named`, the one the ir.model id names, with that id (not given as a name by the client). */
      let byIr: { name: string; id: number } | undefined;
      let noModel = false;
      if (modelGiven.given) {
        const m = modelGiven.value;
        if (m === false || m === null || m === '') noModel = true; // no model: the id names no record
        else if (typeof m !== 'string' || !isModelName(m)) deny(`${at(mf)}: ${quoteName(m)} is not a model name`);
        else named.push(m);
      }
      let throughId = 0;
      if (throughGiven.given) {
        const v = throughGiven.value;
        if (v !== false && v !== null && v !== 0) {
          if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) deny(`${at(through!)}: ${JSON.stringify(v) ?? String(v)} is not an ir.model id`);
          throughId = v;
        } else if (!modelGiven.given) noModel = true;
      }
      // Under a rule whose domain pins the model, an ir.model id naming another model gives the record
      // that model (Odoo computes the related field from the id): outside the domain, as domainAfter
      // judges it too; refused here, with or without the id, before the id is checked against it.
      if (pinned && throughId && irModelThrough(schema, mf) === through) {
        const name = this.irModel(throughId, at(through!));
        if (name !== undefined && name !== pinned) {
          this.withhold(this.readsIrModels(), `${at(through!)}: ir.model ${throughId} does not name ${pinned}, and the domain of ${this.label} pins '${mf}' to ${pinned}, so the record would lie outside it`,
            `${at(through!)}: ir.model ${throughId} names ${name}, and the domain of ${this.label} pins '${mf}' to ${pinned}, so the record would lie outside it`);
        }
      }
      if (noModel && named.length === 0 && !throughId) continue;
      if (!idGiven.given) {
        // The model alone: on existing records it re-points their current id to a record of that model.
        if (mode === 'write' && !pinned) deny(`${via} changes the model of the record ${model}.${g} links without '${g}': the current id would name a record of another model, which the engine cannot check; ${both}`);
        continue;
      }
      if (!modelGiven.given && !throughGiven.given) {
        if (pinned) named.push(pinned);
        else if (mode === 'write' && id) deny(`${via} sets the id of a record of the model held in '${mf}' without '${mf}': the record's current '${mf}' decides which record is linked, which the engine cannot see; ${both}`);
        else if (id) deny(`${via} links record ${id} of no model the values name ('${mf}' is not given); ${both}`);
      }
      if (!id) continue;
      if (throughId) {
        const name = this.throughModel(schema, mf, through!, throughId, at(through!));
        if (name === undefined) continue; // asked for: decided again with it
        if (!named.includes(name)) byIr = { name, id: throughId };
        named.push(name);
      }
      for (const target of [...new Set(named)]) this.linkedAnyModel(target, id, `${at(g)} (of the model in '${mf}')`, byIr?.name === target ? byIr.id : undefined);
    }
  }

  /**
   * The model named by `id`, the value of the many2one `through` that the model field `mf` is related
   * to (`res_model_id` for `res_model` = `res_model_id.model`), when that is an ir.model id: read by
   * the proxy (undefined until then: noted as needed). Anything else cannot be named and is refused.
   */
  throughModel(schema: ModelSchema, mf: string, through: string, id: number, via: string): string | undefined {
    const t = Object.prototype.hasOwnProperty.call(schema, through) ? schema[through] : undefined;
    if (t?.type !== 'many2one' || t.relation !== 'ir.model' || schema[mf]?.related !== `${through}.model`) {
      deny(`${via}: '${mf}' is related to '${schema[mf]?.related ?? '?'}', which the engine cannot resolve to a model, so the record linked cannot be checked`);
    }
    return this.irModel(id, via);
  }

  /** The model an ir.model id names, as the proxy read it; undefined while not read (asked for). */
  irModel(id: number, via: string): string | undefined {
    const name = this.st.env.irModelName?.(id);
    if (name === undefined) {
      this.st.missingIrModels.add(id);
      return undefined;
    }
    if (name === null) deny(`${via}: ir.model ${id} does not exist or cannot be read, so the model of the record linked is not known`);
    if (!isModelName(name)) this.withhold(this.readsIrModels(), `${via}: ir.model ${id} names no model the engine can check`, `${via}: ir.model ${id} names ${quoteName(name)}, which is not a model name`);
    return name;
  }

  /**
   * A line created under a one2many whose inverse is a many2one_reference (crm.lead's activity_ids:
   * mail.activity's res_id) gets the parent's id there (One2many.write_real); the line's model field
   * (res_model, or the ir.model id it is set through, res_model_id), from its values or the context's
   * default_<field>, says which model that id belongs to: anything but the parent's model links the
   * record of another model that has the parent's id.
   */
  lineOwner(comodel: string, refInverse: FieldInfo, inverse: string, vals: RpcStruct, parent: string, where: string, prefix = ''): void {
    const at = (f: string): string => `${where}['${prefix}${f}']`;
    const mf = refInverse.model_field!;
    const m = Object.prototype.hasOwnProperty.call(vals, mf) ? vals[mf] : this.st.defaults[mf];
    if (m !== undefined && m !== false && m !== null && m !== '' && m !== parent) deny(`${at(mf)}: the line's '${inverse}' is set to the ${parent} record, so '${mf}' must be '${parent}', not ${quoteName(m)}`);
    // A model field set through an ir.model id (res_model_id): the model that id names, read by the proxy.
    const lineSchema = this.st.env.schema?.(comodel);
    const related = lineSchema?.[mf]?.related;
    const through = related && related.includes('.') ? related.split('.')[0]! : undefined;
    const t = through === undefined ? undefined : Object.prototype.hasOwnProperty.call(vals, through) ? vals[through] : this.st.defaults[through];
    if (through !== undefined && t !== undefined && t !== false && t !== null && t !== 0) {
      if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0) deny(`${at(through)}: ${JSON.stringify(t) ?? String(t)} is not an ir.model id`);
      const named = this.throughModel(lineSchema!, mf, through, t, at(through));
      if (named !== undefined && named !== parent) {
        this.withhold(this.readsIrModels(), `${at(through)}: the line's '${inverse}' is set to the ${parent} record, so '${through}' must name ${parent}, and ir.model ${t} names another model`,
          `${at(through)}: the line's '${inverse}' is set to the ${parent} record, so '${through}' must name ${parent}, not ${named} (ir.model ${t})`);
      }
    }
  }

  /** The value the rule's domain requires `field` to have (an ANDed `=` or single `in` leaf), if any. */
  pinnedValue(field: string): string | undefined {
    if (!hasDomain(this.rule)) return undefined;
    const tree = domainTree(this.rule.domain!);
    if (!tree) return undefined;
    const found = new Set<string>();
    for (const n of conjuncts(tree.root)) {
      if (n.kind !== 'leaf' || n.path !== field) continue;
      if (n.operator === '=' && typeof n.value === 'string') found.add(n.value);
      else if (n.operator === 'in' && Array.isArray(n.value) && n.value.length === 1 && typeof n.value[0] === 'string') found.add(n.value[0]);
    }
    return found.size === 1 ? [...found][0] : undefined;
  }

  /**
   * A properties field written as a list of definitions with `definition_changed` or
   * `definition_deleted` rewrites the definition on its container record, another model
   * (Properties.write: `container[definition_record_field] = ...`), which the engine does not check.
   * `at`: where the value is written (model, field, the other values, the records written), so its
   * relational values can be judged by the property's definition; absent, they are refused.
   */
  propertiesValue(v: RpcValue, via: string, at?: PropertyPlace): void {
    let value: unknown = v;
    if (typeof v === 'string') {
      try {
        value = JSON.parse(v);
      } catch {
        // Odoo's json.loads also reads NaN, Infinity and -Infinity: text JSON.parse refuses may still
        // be a list of definitions there.
        deny(`${via} is not JSON the engine can read, so what it changes cannot be checked`);
      }
    }
    if (Array.isArray(value)) {
      const changes = value.some((d) => d !== null && typeof d === 'object' && !Array.isArray(d) && ((d as Record<string, unknown>).definition_changed || (d as Record<string, unknown>).definition_deleted));
      if (changes) deny(`${via} changes the properties definition on the parent record (definition_changed / definition_deleted), a write to another model the engine does not check; change property definitions in Odoo`);
    }
    this.propertyLinks(value, via, at);
  }

  /**
   * Relational property values link records of the comodel the property's definition names, and
   * that definition lives on another record (crm.lead's `team_id`: crm.team's
   * `lead_properties_definition`; fields_get's definition_record / definition_record_field). Odoo
   * keeps only `{name: value}` (Properties._list_to_dict): the `type` and `comodel` a list of
   * definitions names prove nothing. Where a link could need checking (a rule with a domain, a
   * companies limit), a value Odoo can read as record ids (an integer above 0, or a list of integers,
   * after the `[id, name]` pairs of a list of definitions are reduced as _remove_display_name does)
   * is judged by the real definition, read by the proxy: a many2one / many2many property's ids are
   * checked like any linked id on its comodel; other types link nothing. When the definition cannot
   * be known, such values are refused.
   */
  private propertyLinks(value: unknown, via: string, at: PropertyPlace | undefined): void {
    const companies = this.st.key.limits?.companies;
    const byCompanies = !!companies && companies.length > 0;
    if (!this.st.rules.some(hasDomain) && !byCompanies) return;
    const idsOf = (v: unknown): number[] | undefined => {
      if (isPositiveInt(v)) return [v as number];
      if (Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x)) && v.some(isPositiveInt)) return (v as number[]).filter(isPositiveInt);
      return undefined;
    };
    // Each value Odoo can read as ids, with the property name it is stored under.
    const found: { name: string | undefined; label: string; ids: number[] }[] = [];
    const listForm = Array.isArray(value);
    if (isStruct(value as RpcValue)) {
      for (const [name, v] of Object.entries(value as RpcStruct)) {
        const ids = idsOf(v);
        if (ids) found.push({ name, label: name, ids });
      }
    } else if (Array.isArray(value)) {
      value.forEach((d, i) => {
        if (!isStruct(d as RpcValue)) return;
        const def = d as RpcStruct;
        const name = typeof def.name === 'string' ? def.name : undefined;
        for (const key of ['value', 'default']) {
          let v: unknown = def[key];
          if (def.type === 'many2one' && Array.isArray(v) && v.length === 2 && Number.isInteger(v[0])) v = v[0];
          else if (def.type === 'many2many' && Array.isArray(v) && v.every((x) => Array.isArray(x))) v = (v as RpcValue[][]).map((x) => x[0]);
          const ids = idsOf(v);
          if (ids) found.push({ name, label: name ?? `#${i}`, ids });
        }
      });
    }
    if (found.length === 0) return;
    const text = (label: string, why: string): string =>
      `${via}: property ${quoteName(label)} is given a record id or a list of ids, and ${why}; this key's ${byCompanies ? 'companies limit requires' : 'rules with a domain require'} every linked record to be checked`;
    // `told`: the same without the facts read upstream that the key may not read (the definition, the records' definition record).
    const refuse = (label: string, why: string, told?: string): never => (told === undefined ? deny(text(label, why)) : denyWithheld(text(label, told), text(label, why)));
    const known = at ? this.propertiesDefinitionAt(at) : { unknown: "whether that links a record, and of which model, is set by the property's definition on another record, which cannot be known here" };
    if (known === undefined) return; // asked for: decided again with it
    if ('unknown' in known) return refuse(found[0]!.label, known.unknown, known.told);
    const { definition, create, where } = known;
    const hidden = known.readable ? undefined : `${known.told}, which this key may not read, does not make it a link the engine can check`;
    for (const f of found) {
      const p = f.name !== undefined && Object.prototype.hasOwnProperty.call(definition, f.name) ? definition[f.name]! : undefined;
      if (!p) {
        // On create Odoo keeps only the definition's names of a dictionary (_add_default_values through
        // _dict_to_list); a list, and any write, is stored whole, and a name stored becomes a link
        // once the record's definition names it (another team, a property added).
        if (create && !listForm) continue;
        return refuse(f.label, `${where} names no such property, and Odoo stores the value, which links a record once the record's definition names it`, hidden);
      }
      if (p.type === 'ambiguous') return refuse(f.label, `${where} names it twice, as different types`, hidden);
      if (p.type !== 'many2one' && p.type !== 'many2many') continue; // integer, float, text...: no link
      const comodel = p.comodel;
      if (!comodel || !isModelName(comodel)) return refuse(f.label, `${where} makes it a ${p.type} of no model the engine can name`, hidden);
      this.linked(comodel, f.ids, `${via}: property ${quoteName(f.label)} (a ${p.type} of ${comodel} in ${known.readable ? where : known.told})`);
    }
  }

  /**
   * A properties definition written (crm.team's `lead_properties_definition`) names the comodel of
   * each relational property itself, and a many2one / many2many property's `default` (its
   * `[id, name]` pairs reduced as PropertiesDefinition.convert_to_cache does) links records of it:
   * Odoo puts them in every record created under that definition (Properties._add_default_values).
   * They are checked like a many2one field's ids on that comodel. Text that is not JSON the engine
   * reads is refused, as for a properties value.
   */
  definitionWritten(v: RpcValue, via: string, at: { model: string; field: string; owners: number[] | undefined }): void {
    let value: unknown = v;
    if (typeof v === 'string') {
      try {
        value = JSON.parse(v);
      } catch {
        deny(`${via} is not JSON the engine can read, so the defaults it sets cannot be checked`);
      }
    }
    if (!Array.isArray(value)) return;
    this.definitionDefaults(value, via);
    this.definitionRetypes(value, via, at);
  }

  private definitionDefaults(value: unknown[], via: string): void {
    for (const d of value) {
      if (!isStruct(d as RpcValue)) continue;
      const def = d as RpcStruct;
      if (def.type !== 'many2one' && def.type !== 'many2many') continue;
      let dv: unknown = def.default;
      if (def.type === 'many2one' && Array.isArray(dv) && dv.length === 2 && Number.isInteger(dv[0])) dv = dv[0];
      else if (def.type === 'many2many' && Array.isArray(dv) && dv.length > 0 && dv.every((x) => Array.isArray(x))) dv = (dv as RpcValue[][]).map((x) => x[0]);
      const ids = isPositiveInt(dv) ? [dv as number] : Array.isArray(dv) ? dv.filter(isPositiveInt) : [];
      if (ids.length === 0) continue;
      const label = typeof def.name === 'string' ? def.name : `#${value.indexOf(d)}`;
      if (typeof def.comodel !== 'string' || !isModelName(def.comodel)) deny(`${via}: property ${quoteName(label)} has a default of record ids and no model the engine can name`);
      this.linked(def.comodel, ids as number[], `${via}: the default of property ${quoteName(label)} (a ${def.type} of ${def.comodel})`);
    }
  }

  /**
   * A definition written over an existing one re-reads the values its records (crm.team's leads)
   * already store: Odoo keeps only `{name: value}` on them, whatever the type was, and reads it by
   * the definition of the moment (19.0 fields_properties.py: Properties._dict_to_list merges the
   * stored dict into the new definition, _parse_json_types keeps a many2one value that is an integer
   * and a many2many one that is a list of integers, when those records exist; nothing clears values
   * when a definition changes). So an integer property retyped to many2one (or a comodel changed)
   * links, on every lead that stored a number under that name, the record of that id, unchecked.
   * Where such links must be checked (the comodel's rules all have domains, or res.company under a
   * companies limit: as `linked` decides), a many2one / many2many property the record's current
   * definition does not hold under that name with the same type and comodel is refused; the
   * current definition is read upstream for this call (need_schema `definitions`, `fresh`: never a
   * cached one, which a retype in two steps could outrun). A name the current definition lacks
   * passes (a new property: no values are stored under it, unless one was deleted before, see
   * docs/scopes.md's known limits), as do records being created (no values yet).
   */
  private definitionRetypes(value: unknown[], via: string, at: { model: string; field: string; owners: number[] | undefined }): void {
    const relational: { name: string; type: string; comodel: string }[] = [];
    value.forEach((d, i) => {
      if (!isStruct(d as RpcValue)) return;
      const def = d as RpcStruct;
      if (def.type !== 'many2one' && def.type !== 'many2many') return;
      // A falsy comodel links nothing (PropertiesDefinition.convert_to_record: comodel False).
      if (def.comodel === undefined || def.comodel === null || def.comodel === false || def.comodel === '') return;
      const label = typeof def.name === 'string' ? def.name : `#${i}`;
      if (typeof def.comodel !== 'string' || !isModelName(def.comodel)) deny(`${via}: property ${quoteName(label)} names a comodel the engine cannot read`);
      if (typeof def.name !== 'string') return; // Odoo refuses a property without a name
      if (this.linkNeedsCheck(def.comodel)) relational.push({ name: def.name, type: def.type, comodel: def.comodel });
    });
    if (relational.length === 0) return;
    if (at.owners === undefined) {
      deny(`${via} sets the relational property ${quoteName(relational[0]!.name)} on records the engine cannot know, so the values they already store under that name, which it would make links to ${relational[0]!.comodel}, cannot be judged; create the property under a new name`);
    }
    const within = this.writtenWithin(at.model, at.field);
    for (const id of [...new Set(at.owners)].sort((a, b) => a - b)) {
      const current = this.st.env.propertiesDefinition?.(at.model, id, at.field, true, within);
      if (current === undefined) {
        this.st.missingDefinitions.set(`${at.model}\u0000${id}\u0000${at.field}\u0000fresh${within ? `\u0000${JSON.stringify(within)}` : ''}`, { model: at.model, id, field: at.field, fresh: true, ...(within ? { within } : {}) });
        continue;
      }
      if (current === null) deny(`${via}: the current definition in ${at.model} ${id}'s '${at.field}' could not be read, so whether the relational properties written retype ones whose stored values would become links cannot be known`);
      for (const p of relational) {
        if (!Object.prototype.hasOwnProperty.call(current, p.name)) continue; // a new name: nothing stored under it
        const was = current[p.name]!;
        if (was.type === p.type && was.comodel === p.comodel) continue;
        const now = (is: string): string =>
          `${via}: property ${quoteName(p.name)} ${is} in ${at.model} ${id}'s current definition and would become a ${p.type} of ${p.comodel}: Odoo keeps the values records already store under that name and reads them by the new definition, so every number stored there would link the ${p.comodel} record of that id, which this key's rules require to be checked; create the property under a new name instead`;
        // The current definition is read upstream: its type and comodel told only where the key may read it.
        this.withhold(this.mayRead(at.model, [at.field]), now('has another type or comodel'),
          now(was.type === 'ambiguous' ? 'is named twice' : `is ${/^[aeiou]/.test(was.type) ? 'an' : 'a'} ${was.type}${was.comodel ? ` of ${was.comodel}` : ''}`));
      }
    }
    // When some were asked for, decide runs again with them read.
  }

  /**
   * The domain records of `model` being written are checked against (the rule judged, or the first
   * write rule there for `field`), undefined without one. What the proxy reads on those records
   * before deciding (their definition record, their current definition) is read inside it only:
   * a record outside it reads as a missing one, as the id check upstream answers for both, so the
   * refusal (or the allow the id check then refuses) tells nothing of records outside the domain.
   */
  private writtenWithin(model: string, field: string): RpcValue[] | undefined {
    const rule = model === this.model ? this.rule : this.rulesFor(model, 'write', [field])[0]?.rule;
    return rule && hasDomain(rule) ? rule.domain : undefined;
  }

  /** Whether linking records of `model` by id is checked for this key (see `linked`): a domain on every rule reaching it, or res.company under a companies limit. */
  linkNeedsCheck(model: string): boolean {
    const companies = this.st.key.limits?.companies;
    return (model === 'res.company' && !!companies && companies.length > 0) || this.linksNeedCheck(model);
  }

  /**
   * The definition values written at `at` are judged by: the record holding it (the many2one
   * fields_get names as definition_record) from the values (or, on create, default_<field> in the
   * context), else the written records' current one (read by the proxy; all must share one), then
   * its definition field, read by the proxy. undefined while something is being asked for; `unknown`
   * with why when it cannot be known (Odoo may set the record itself, the records differ...).
   */
  private propertiesDefinitionAt(at: PropertyPlace): { definition: PropertiesDefinition; create: boolean; where: string; told: string; readable: boolean } | { unknown: string; told?: string } | undefined {
    const schema = this.st.env.schema?.(at.model);
    const info = schema && own(schema, at.field) ? schema[at.field] : undefined;
    const dr = info?.definition_record;
    const drf = info?.definition_record_field;
    const drInfo = dr && schema && own(schema, dr) ? schema[dr] : undefined;
    if (!dr || !drf || !isFieldName(drf) || drInfo?.type !== 'many2one' || !drInfo.relation) {
      return { unknown: `fields_get names no many2one holding the definition of ${at.model}.${at.field}, so which model it links cannot be known` };
    }
    const container = drInfo.relation;
    const create = at.owners !== undefined && at.owners.length === 0;
    const given = own(at.values, dr) ? at.values[dr] : create && own(this.st.defaults, dr) ? this.st.defaults[dr] : undefined;
    let id: number;
    if (given !== undefined) {
      if (!isPositiveInt(given)) return { unknown: `'${dr}' is given as ${JSON.stringify(given) ?? String(given)}, not a ${container} record, so the property's definition is not known` };
      id = given as number;
    } else if (create) {
      return { unknown: `'${dr}', whose ${container} record holds the property's definition, is not given (nor default_${dr} in the context) and Odoo may set it itself` };
    } else if (!at.owners) {
      return { unknown: `the records written are not known, nor so their '${dr}', which holds the property's definition` };
    } else {
      const ids = [...new Set(at.owners)].sort((a, b) => a - b);
      const within = this.writtenWithin(at.model, at.field);
      const current = this.st.env.currentLinks?.(at.model, dr, ids, within);
      if (current === undefined) {
        this.st.missingCurrent.set(`${at.model}\u0000${dr}\u0000${ids.join(',')}${within ? `\u0000${JSON.stringify(within)}` : ''}`, { model: at.model, field: dr, ids, ...(within ? { within } : {}) });
        return undefined;
      }
      const distinct = current === null ? [] : [...new Set(current)];
      // The records' current '${dr}' is read upstream: told only where the key may read it.
      const told = this.mayRead(at.model, [dr]) ? undefined : `the records' '${dr}', which holds the property's definition, does not give one definition the engine can judge the value by; send '${dr}' with the value`;
      if (current === null || current.length !== ids.length) return { unknown: `the records' '${dr}', which holds the property's definition, could not be read` };
      if (distinct.length !== 1) return { unknown: `the records written have different '${dr}' (or some none), so no one definition judges the value`, ...(told ? { told } : {}) };
      if (distinct[0] === false) return { unknown: `the records written have no '${dr}', so no definition: Odoo stores the value as given, and it links a record once '${dr}' is set`, ...(told ? { told } : {}) };
      id = distinct[0]!;
    }
    const definition = this.st.env.propertiesDefinition?.(container, id, drf);
    if (definition === undefined) {
      this.st.missingDefinitions.set(`${container}\u0000${id}\u0000${drf}`, { model: container, id, field: drf });
      return undefined;
    }
    if (definition === null) return { unknown: `the definition in ${container} ${id}'s '${drf}' could not be read` };
    // The definition (and, where the values do not name it, which record holds it) are read upstream
    // as the integration user: told only where the key may read them.
    const readable = this.mayRead(container, [drf]) && (given !== undefined || this.mayRead(at.model, [dr]));
    const told = given !== undefined ? `the definition in ${container} ${id}'s '${drf}'` : `the definition in the records' '${dr}' (${container}'s '${drf}')`;
    return { definition, create, where: `the definition in ${container} ${id}'s '${drf}'`, told, readable };
  }

  /**
   * A related field written writes the record its path ends on (Field._inverse_related assigns it
   * there), so that model's own write runs: res.users' write of `active` / `company_id` then writes
   * the users' partners (PARENT_SYNC, syncWrittenParents), judged on `value` where known (load's
   * text cells are not: judged as true).
   */
  relatedWrite(model: string, field: string, related: string, via: string, value: RpcValue = true): void {
    const segments = related.split('.');
    let current = model;
    for (let i = 0; i < segments.length - 1; i++) {
      const info = this.info(current, segments[i]!);
      if (info === null) {
        this.schema(current);
        return;
      }
      if (!info?.relation) deny(`${via}: the related path '${related}' of ${model}.${field} cannot be followed`);
      current = info.relation;
    }
    if (current === model && segments.length === 1) return;
    const last = segments[segments.length - 1]!;
    this.comodel(current, 'write', [last], `${via} (related to ${related})`);
    if (PARENT_SYNC[current] && (last === 'active' || last === 'company_id')) this.syncWrittenParents(current, { [last]: value }, `${via} (related to ${related})`);
  }

  commands(info: FieldInfo, value: RpcValue, via: string, depth: number, at: { model: string; field: string; owners: number[] | undefined }): void {
    const comodel = info.relation!;
    const o2m = info.type === 'one2many';
    if (value === false || value === null) {
      // Odoo reads False as [Command.clear()] (_RelationalMulti.write_batch): every current link or
      // line goes. Records being created have none.
      if (at.owners !== undefined && at.owners.length === 0 && !info.related) return;
      if (o2m) this.comodel(comodel, 'unlink', undefined, `${via} (${String(value)} is command 5: on a one2many it may delete every ${comodel} line)`);
      else this.unlinked(comodel, { ...at, related: !!info.related }, `${via} (${String(value)} is command 5: it removes every current link)`);
      return;
    }
    if (!Array.isArray(value)) deny(`${via}: x2many values must be a list of commands`);
    const inverse = o2m && info.relation_field ? info.relation_field : undefined;
    /** The inverse field when it is a many2one_reference (mail.activity's res_id under activity_ids), with its model field. */
    const inverseReference = (f: string | undefined): FieldInfo | undefined => {
      const i = f ? this.st.env.schema?.(comodel)?.[f] : undefined;
      if (!i || i.type !== 'many2one_reference') return undefined;
      if (!i.model_field) deny(`${via}: the lines' '${f}' is a many2one_reference whose model field fields_get does not report`);
      return i;
    };
    const comodelVals = (op: 'create' | 'write', vals: RpcValue, ids: number[] | undefined, where: string): void => {
      if (!isStruct(vals)) deny(`${where}: the values must be a dictionary`);
      const fields = Object.keys(vals).sort();
      // A one2many line gets the parent in its inverse field, whatever its values say.
      const change: Change = op === 'create' ? { kind: 'create', values: vals, forced: inverse ? [inverse] : [] } : { kind: 'write', values: vals };
      // default_<field> fills the fields a created line leaves out: one rule must allow the line
      // with those fields too, its domain judged with them (not one rule for the values, another
      // for each default, whose domain the defaults may not satisfy).
      const defaulted = op === 'create' ? this.defaultedFields(comodel, vals, inverse) : [];
      const missingRule = defaulted.find((f) => !this.findRule(comodel, 'create', [...fields, f]));
      if (missingRule) deny(`context: 'default_${missingRule}' also applies to the ${comodel} records this call creates, and no rule allows that field there`);
      this.comodel(comodel, op, [...fields, ...defaulted], where, ids, change);
      if (op === 'create') this.st.created.push({ model: comodel, fields });
      const refInverse = op === 'create' ? inverseReference(inverse) : undefined;
      if (refInverse) this.lineOwner(comodel, refInverse, inverse!, vals, at.model, where);
      this.vals(comodel, vals, (f) => {
        if (!isFieldName(f)) deny(`${where}: ${quoteName(f)} is not a field name`);
      }, where, op === 'create' ? [] : ids, depth + 1, undefined, op === 'create' && inverse ? { inverse, owners: at.owners } : undefined);
    };
    // Linking lines to a one2many writes their inverse field: the lines move from their old parent.
    const relink = (ids: number[], where: string, how: string): void => {
      this.linked(comodel, ids, where);
      if (!o2m || ids.length === 0) return;
      // Odoo writes the id alone: a line of another model's record would then name a record of that model.
      const ref = inverseReference(inverse);
      if (ref) deny(`${where} (${how}) moves ${comodel} lines by writing '${inverse}' alone, and their '${ref.model_field}' may name another model than ${at.model}; write the lines with '${ref.model_field}' and '${inverse}' together`);
      this.comodel(comodel, 'write', inverse ? [inverse] : undefined, `${where} (${how} on a one2many moves the ${comodel} lines to this record, writing their ${inverse ? `'${inverse}'` : 'inverse field'})`, ids,
        { kind: 'write', values: {}, alsoChanged: inverse ? [inverse] : [] });
    };
    // Bare ids (`[7, 8]`) set the relation to those records, like command 6.
    const bare: number[] = [];
    value.forEach((cmd, i) => {
      if (typeof cmd === 'number') bare.push(...idList(cmd, `${via}[${i}]`));
    });
    if (bare.length > 0 && bare.length === value.length && !o2m && this.setLinks(comodel, at, !!info.related, bare, `${via} (a list of ids sets the links)`)) return;
    if (value.length === 1 && Array.isArray(value[0]) && numberOf(value[0][0]) === 6 && !o2m && this.setLinks(comodel, at, !!info.related, idList(value[0][2] ?? null, `${via}[0]`), `${via}[0] (command 6 sets the links)`)) return;
    if (bare.length) {
      if (o2m) this.comodel(comodel, 'unlink', undefined, `${via}[${value.findIndex((c) => typeof c === 'number')}] (a list of ids replaces the lines of a one2many)`);
      else this.unlinked(comodel, { ...at, related: !!info.related }, `${via} (a list of ids replaces the current links)`);
      relink(bare, via, 'a list of ids');
    }
    value.forEach((cmd, i) => {
      const where = `${via}[${i}]`;
      if (typeof cmd === 'number') return;
      if (!Array.isArray(cmd) || cmd.length === 0) deny(`${where} is not an x2many command`);
      const code = numberOf(cmd[0]);
      switch (code) {
        case 0:
          comodelVals('create', cmd[2] ?? null, undefined, `${where} (command 0 creates ${comodel})`);
          return;
        case 1:
          comodelVals('write', cmd[2] ?? null, idList(cmd[1], where), `${where} (command 1 updates ${comodel})`);
          return;
        case 2:
          this.comodel(comodel, 'unlink', undefined, `${where} (command 2 deletes ${comodel})`, idList(cmd[1], where));
          return;
        case 3:
          if (o2m) this.comodel(comodel, 'unlink', undefined, `${where} (command 3 on a one2many may delete the ${comodel} line)`, idList(cmd[1], where));
          else this.unlinked(comodel, { ids: idList(cmd[1], where) }, `${where} (command 3)`);
          return;
        case 4:
          relink(idList(cmd[1], where), where, 'command 4');
          return;
        case 5:
          if (o2m) this.comodel(comodel, 'unlink', undefined, `${where} (command 5 on a one2many may delete every ${comodel} line)`);
          else this.unlinked(comodel, { ...at, related: !!info.related }, `${where} (command 5 removes every current link)`);
          return;
        case 6: {
          const ids = idList(cmd[2] ?? null, where);
          if (o2m) this.comodel(comodel, 'unlink', undefined, `${where} (command 6 on a one2many may delete the ${comodel} lines it leaves out)`);
          else this.unlinked(comodel, { ...at, related: !!info.related }, `${where} (command 6 removes the current links it leaves out)`);
          relink(ids, where, 'command 6');
          return;
        }
        default:
          deny(`${where}: ${JSON.stringify(cmd[0]) ?? String(cmd[0])} is not an x2many command (0 to 6)`);
      }
    });
  }

  // --- context ------------------------------------------------------------------------------------

  /** Context keys: an allowlist (HARMLESS_CONTEXT_KEYS, limits.context_keys, default_<allowed field>). */
  context(ctx: RpcValue | undefined, what: string): void {
    if (what === 'context') this.defaultValues(what);
    contextCheck(this.st, ctx, what, (field) => {
      if (!isFieldName(field)) deny(`${what}: 'default_${visible(field)}' does not name a field`);
      // Odoo's default_get applies default_<field> to every record created under this context, of
      // any model with that field: message_post's mail.message, action_confirm's pickings...
      // Which records a method outside the table creates is not known, so no rule can allow it.
      if (this.st.opaque) deny(`${what}: 'default_${field}' would apply to whatever records ${this.method}, a method outside the standard table, creates (of any model), which no rule can be checked against; the key's limits.context_keys can allow it`, 'context_keys');
      if (!fieldIn(this.rule, field)) deny(`${what}: 'default_${field}' sets a default for a field that is not in ${this.label}`);
      for (const c of this.st.created) {
        const s = this.st.env.schema?.(c.model);
        if (s && !Object.prototype.hasOwnProperty.call(s, field)) continue;
        if (!this.findRule(c.model, 'create', [...c.fields, field])) deny(`${what}: 'default_${field}' also applies to the ${c.model} records this call creates, and no rule allows that field there`);
      }
    });
  }

  /**
   * `default_<field>` values are values too: on every model this call creates records of that has
   * the field, x2many commands in them create, update or link records, many2one ids link records,
   * and related fields write through, exactly as in create values.
   */
  defaultValues(what: string): void {
    const defaults = this.st.defaults;
    const fields = sortedKeys(defaults).filter((f) => fieldIn(this.rule, f));
    if (fields.length === 0) return;
    const models = [...new Set([...(this.st.createsMain ? [this.model] : []), ...this.st.created.map((c) => c.model)])];
    for (const model of models) {
      const schema = this.schema(model);
      if (!schema) continue;
      for (const f of fields) {
        if (!Object.prototype.hasOwnProperty.call(schema, f)) continue; // Odoo ignores a default for a field the model lacks
        this.vals(model, { [f]: defaults[f]! }, () => undefined, `${what}['default_${f}'] (on ${model})`, [], 0, 'skip'); // defaults apply to created records only
      }
      // A many2one_reference pair in the defaults, judged on them alone: records created by calls
      // whose values the engine does not see (name_create, lines) take both halves from there.
      const given = Object.fromEntries(fields.filter((f) => Object.prototype.hasOwnProperty.call(schema, f)).map((f) => [f, defaults[f]!]));
      this.refPairs(model, given, what, 'create', model === this.model, 'default_');
    }
  }
}

/** The allowlist check shared by rule evaluation and learning keys. */
function contextCheck(st: State, ctx: RpcValue | undefined, what: string, defaultField: ((field: string) => void) | null): void {
  // Odoo reads a context Python takes as false ('', 0, [], None...) as none (call_kw's `or {}`;
  // JSON-2's with_context reads '' and [] as empty and refuses the others itself).
  if (pyFalsy(ctx)) return;
  if (!isStruct(ctx)) deny(`${what} must be a dictionary`);
  const extra = st.key.limits.context_keys ?? [];
  for (const k of sortedKeys(ctx)) {
    const v = ctx[k]!;
    if (k === 'allowed_company_ids') {
      companiesCheck(st, v, what);
      continue;
    }
    if (HARMLESS_CONTEXT_KEYS.includes(k)) {
      if (k === 'bin_size' ? typeof v !== 'boolean' : typeof v !== 'string' && v !== false && v !== null) deny(`${what}: '${k}' has a value of the wrong type`);
      continue;
    }
    if (extra.includes(k)) continue;
    if (k === 'uid' && typeof v === 'number' && st.env.upstreamUid !== undefined && v === st.env.upstreamUid) continue;
    if (k.startsWith('default_') && defaultField) {
      defaultField(k.slice('default_'.length));
      continue;
    }
    if (k.startsWith('default_')) continue; // learning keys
    if (!defaultField) continue; // learning keys: recorded, not refused
    const why = CONTEXT_KEY_RISKS[k];
    deny(`context key ${quoteName(k)} is not allowed${why ? ` (it ${why})` : ''}; the key's limits.context_keys can allow it`, 'context_keys');
  }
}

function companiesCheck(st: State, v: RpcValue, what: string): void {
  const allowed = st.key.limits.companies;
  if (allowed === undefined) return;
  if (!Array.isArray(v) || v.length === 0) deny(`${what}: allowed_company_ids must be a non-empty list of company ids`, 'companies');
  for (const c of v) {
    if (typeof c !== 'number' || !allowed.includes(c)) {
      deny(`${what}: company ${JSON.stringify(c) ?? String(c)} in allowed_company_ids is outside the key's companies (${allowed.join(', ')})`, 'companies');
    }
  }
}

// -------------------------------------------------------------------------------------------------
// Per-method analysis

const NO_FIELDS_METHODS = new Set(['unlink', 'exists', 'check_access_rights', 'has_access', 'check_access']);

function analyse(ev: RuleEval, b: BoundCall): void {
  const { st } = ev;
  const m = ev.method;
  const p = b.params;
  const version = st.env.version;
  if (!b.signature) {
    // A method the engine has no signature for (action_confirm, message_post...): the operator
    // named it; its arguments are forwarded as given. The records it runs on must lie in the domain.
    st.opaque = true;
    if (ev.rule.domain && ev.rule.domain.length > 0) {
      if (b.ids === undefined) deny(`${m} names no records, and ${ev.label} limits ${ev.model} to a domain`);
      let ids: number[];
      try {
        ids = idList(b.ids, `${m}'s first argument`);
      } catch {
        return deny(`${m}'s first argument is not a list of record ids, so ${ev.label}'s domain cannot be checked`);
      }
      ev.idsInDomain(ids, m);
    }
    if (ev.rule.fields !== undefined) st.notes.push(`${m} is not a standard ORM method: rule ${ev.index}'s field list cannot be applied to its arguments`);
    return;
  }
  if (NO_FIELDS_METHODS.has(m)) {
    if (b.signature.records) ev.idsInDomain(ev.ids(b), m);
    return;
  }
  switch (m) {
    case 'search':
    case 'search_count': {
      ev.searchDomain(b, 'domain');
      if (m === 'search') {
        ev.order(ev.model, p.order, (f) => ev.mainField(f, 'ordered by'), 'order');
        if (!flag(p, 'count')) ev.capLimit(b, 'limit');
      }
      return;
    }
    case 'search_read':
    case 'search_fetch':
    case 'web_search_read': {
      ev.searchDomain(b, 'domain');
      ev.order(ev.model, p.order, (f) => ev.mainField(f, 'ordered by'), 'order');
      ev.capLimit(b, 'limit');
      if (m === 'web_search_read' && version >= 17) {
        ev.spec(ev.model, p.specification ?? {}, (f) => ev.mainField(f, 'read'), 'specification');
        return;
      }
      const fields = ev.fieldList(b, m === 'search_fetch' ? 'field_names' : 'fields');
      if (m !== 'search_fetch' && p.load !== null && p.load !== false) ev.redactNames(fields);
      return;
    }
    case 'read': {
      const ids = ev.ids(b);
      ev.readIdsBound(ids);
      ev.idsInDomain(ids, 'read');
      const fields = ev.fieldList(b, 'fields');
      if (p.load !== null && p.load !== false) ev.redactNames(fields);
      return;
    }
    case 'fetch': {
      const ids = ev.ids(b);
      ev.readIdsBound(ids);
      ev.idsInDomain(ids, 'fetch');
      ev.fieldList(b, 'field_names');
      return;
    }
    case 'name_get': {
      const ids = ev.ids(b);
      ev.readIdsBound(ids);
      ev.idsInDomain(ids, 'name_get');
      ev.mainField('display_name', 'name_get returns display names');
      return;
    }
    case 'web_read': {
      const ids = ev.ids(b);
      ev.readIdsBound(ids);
      ev.idsInDomain(ids, 'web_read');
      ev.spec(ev.model, p.specification ?? {}, (f) => ev.mainField(f, 'read'), 'specification');
      return;
    }
    case 'name_search':
    case 'web_name_search': {
      const domainParam = b.signature.params.includes('domain') ? 'domain' : 'args';
      ev.searchDomain(b, domainParam);
      const name = p.name;
      if (name !== undefined && name !== null && name !== false && typeof name !== 'string') deny('name must be a string');
      const operator = p.operator;
      if (operator !== undefined && (typeof operator !== 'string' || !['=', '!=', 'like', 'not like', 'ilike', 'not ilike', '=like', '=ilike'].includes(operator.toLowerCase()))) {
        deny(`operator ${quoteName(operator)} is not a name_search operator`);
      }
      if (!nameSearchMatchesAll(name, operator)) {
        const what = typeof name === 'string' && name !== '' ? 'a search text' : `${quoteName(name ?? null)} and operator ${quoteName(operator)}`;
        ev.everyField(ev.model, `${m} with ${what} (it matches fields the model chooses, e.g. email on res.partner)`);
      }
      ev.capLimit(b, 'limit', 100);
      if (m === 'web_name_search') ev.spec(ev.model, p.specification ?? {}, (f) => ev.mainField(f, 'read'), 'specification');
      else ev.mainField('display_name', 'name_search returns display names');
      return;
    }
    case 'fields_get': {
      const given = p.allfields;
      if (given !== undefined && given !== null && given !== false && !(Array.isArray(given) && given.length === 0)) {
        for (const f of ev.list(given, 'allfields')) ev.mainField(f, 'described');
      } else if (ev.rule.fields !== undefined) {
        p.allfields = ev.rule.fields.length ? [...ev.rule.fields] : ['id'];
        st.notes.push(`allfields narrowed to rule ${ev.index}'s fields`);
      }
      return;
    }
    case 'default_get': {
      const param = b.signature.params[0]!;
      for (const f of ev.list(p[param], param)) ev.mainField(f, 'default asked');
      return;
    }
    case 'read_group':
    case 'web_read_group':
    case 'formatted_read_group':
    case 'formatted_read_grouping_sets':
    case 'read_progress_bar':
      return analyseGroup(ev, b);
    case 'create': {
      st.createsMain = true;
      const list = Array.isArray(p.vals_list) ? p.vals_list : [p.vals_list ?? null];
      list.forEach((vals, i) => {
        const what = Array.isArray(p.vals_list) ? `vals_list[${i}]` : 'vals';
        ev.vals(ev.model, vals, (f) => ev.mainField(f, 'written'), what, []);
        ev.mainDomainAfter({ kind: 'create', values: vals as RpcStruct }, what);
      });
      return;
    }
    case 'write': {
      ev.idsInDomain(ev.ids(b), 'write');
      ev.vals(ev.model, p.vals ?? null, (f) => ev.mainField(f, 'written'), 'vals', ev.ids(b));
      ev.mainDomainAfter({ kind: 'write', values: p.vals as RpcStruct }, 'vals');
      return;
    }
    case 'web_save': {
      // On no records web_save creates one (BaseModel.web_save: `self.create(vals)`).
      const ids = ev.ids(b);
      if (ids.length === 0) st.createsMain = true;
      ev.idsInDomain(ids, 'web_save');
      ev.vals(ev.model, p.vals ?? {}, (f) => ev.mainField(f, 'written'), 'vals', ids);
      ev.mainDomainAfter({ kind: ids.length === 0 ? 'create' : 'write', values: (p.vals ?? {}) as RpcStruct }, 'vals');
      ev.spec(ev.model, p.specification ?? {}, (f) => ev.mainField(f, 'read'), 'specification');
      if (p.next_id !== undefined && p.next_id !== null && p.next_id !== false) ev.idsInDomain(idList(p.next_id, 'next_id'), 'web_save next_id');
      return;
    }
    case 'web_save_multi': {
      ev.idsInDomain(ev.ids(b), 'web_save_multi');
      const list = ev.list(p.vals_list, 'vals_list');
      list.forEach((vals, i) => {
        ev.vals(ev.model, vals, (f) => ev.mainField(f, 'written'), `vals_list[${i}]`, ev.ids(b)); // every record, to be safe
        ev.mainDomainAfter({ kind: 'write', values: vals as RpcStruct }, `vals_list[${i}]`);
      });
      ev.spec(ev.model, p.specification ?? {}, (f) => ev.mainField(f, 'read'), 'specification');
      return;
    }
    case 'copy': {
      st.createsMain = true; // default_<field> in the context fills the fields Odoo does not copy
      ev.idsInDomain(ev.ids(b), 'copy');
      ev.copyParents();
      if (p.default !== undefined && p.default !== null && p.default !== false && isStruct(p.default)) ev.copyNamedParents(p.default);
      const given = p.default !== undefined && p.default !== null && p.default !== false;
      // The copy is a new record, but the fields default leaves out come from the original: a
      // many2one_reference pair is judged as on a write.
      if (given) ev.vals(ev.model, p.default!, (f) => ev.mainField(f, 'set by copy default'), 'default', [], 0, 'write');
      ev.mainDomainAfter({ kind: 'copy', values: (given ? p.default : {}) as RpcStruct }, 'default');
      return;
    }
    case 'copy_data': {
      ev.idsInDomain(ev.ids(b), 'copy_data');
      ev.everyField(ev.model, 'copy_data returns the values of every copied field');
      if (p.default !== undefined && p.default !== null && p.default !== false) ev.vals(ev.model, p.default, (f) => ev.mainField(f, 'set by copy default'), 'default', [], 0, 'write'); // returned, not written
      return;
    }
    case 'name_create': {
      st.createsMain = true;
      if (typeof p.name !== 'string') deny('name_create needs a name');
      ev.everyField(ev.model, "name_create writes the model's name field, which the engine cannot see");
      // The name goes to a text field the engine cannot name, over any default_<field> for it.
      ev.mainDomainAfter({ kind: 'create', values: {}, textFieldsUnknown: true, refusal: "the created record (name_create sets only the record's name; use create with the domain's fields set, or set them with default_<field> in the context)" }, 'name_create');
      ev.nameCreateParents();
      return;
    }
    case 'export_data': {
      const ids = ev.ids(b);
      ev.readIdsBound(ids);
      ev.idsInDomain(ids, 'export_data');
      for (const path of ev.list(p.fields_to_export, 'fields_to_export')) {
        if (typeof path !== 'string') deny(`fields_to_export: ${quoteName(path)} is not a field path`);
        const segments = importExportPath(path);
        ev.path(ev.model, segments, (f) => ev.mainField(f, 'exported'), `fields_to_export '${path}'`, { importPath: true });
        const last = segments[segments.length - 1]!;
        if (last === 'id') {
          // An external id column writes: Odoo (_export_rows -> __ensure_xml_id, 16-19) inserts an
          // __export__.<table>_<id>_<hash> row into ir_model_data, by SQL whatever the user's rights,
          // for every exported record that has none (also many2many lines, 'tag_ids/id').
          const owner = ev.ownerOf(ev.model, segments) ?? 'exported';
          const alt = [...segments.slice(0, -1), '.id'].join('/');
          ev.comodel('ir.model.data', 'create', EXPORT_XMLID_FIELDS, `fields_to_export '${path}' (external ids: Odoo creates one in ir.model.data for each ${owner} record without one; '${alt}' gives the database id and writes nothing)`);
        } else if (last !== '.id') {
          // A relational column is exported as the linked records' display names.
          const comodel = ev.lastRelation(ev.model, segments);
          if (comodel) ev.comodel(comodel, 'read', ['display_name'], `fields_to_export '${path}' (exports ${comodel} display names)`);
          // A reference is exported as its record's display name, and it may point at any model.
          const owner = ev.ownerOf(ev.model, segments);
          if (owner && ev.info(owner, last)?.type === 'reference') deny(`fields_to_export '${path}': a reference field exports the display name of a record of any model; read the field (model,id) instead`);
        }
      }
      return;
    }
    case 'load':
      return analyseLoad(ev, b);
    case 'onchange': {
      const ids = ev.ids(b);
      ev.idsInDomain(ids, 'onchange');
      const values = p.values ?? {};
      if (!isStruct(values)) deny('values must be a dictionary');
      for (const f of sortedKeys(values)) ev.mainField(f, 'onchange value');
      if (version >= 17) {
        for (const f of ev.list(p.field_names, 'field_names')) ev.mainField(f, 'changed');
        ev.spec(ev.model, p.fields_spec ?? {}, (f) => ev.mainField(f, 'read'), 'fields_spec');
      } else {
        for (const f of ev.list(p.field_name, 'field_name')) ev.mainField(f, 'changed');
        const spec = p.field_onchange ?? {};
        if (!isStruct(spec)) deny('field_onchange must be a dictionary');
        for (const path of sortedKeys(spec)) ev.path(ev.model, path.split('.'), (f) => ev.mainField(f, 'read'), `field_onchange '${path}'`);
        // 16 answers many2one values as [id, display_name] (Many2one.convert_to_onchange), also in
        // the lines of x2many paths (order_line.product_id); 17+ return ids unless a spec asks.
        ev.redactPathEnds(sortedKeys(spec));
      }
      return;
    }
    case 'get_metadata': {
      // Odoo answers with `self.read(LOG_ACCESS_COLUMNS)` (plus external ids): the dates and the
      // users who created and last wrote the records, as [id, name] pairs of res.users. Those fields
      // are read like any other, and the users' names hidden unless the key may read them.
      ev.idsInDomain(ev.ids(b), m);
      const schema = ev.schema(ev.model);
      if (!schema) return;
      const logged = ['create_uid', 'create_date', 'write_uid', 'write_date'].filter((f) => Object.prototype.hasOwnProperty.call(schema, f));
      for (const f of logged) ev.mainField(f, 'get_metadata returns who created and last wrote the records, and when');
      ev.redactNames(logged);
      return;
    }
    default:
      deny(`${m} is not handled by the scope engine`);
  }
}

function analyseGroup(ev: RuleEval, b: BoundCall): void {
  const p = b.params;
  const m = ev.method;
  const version = ev.st.env.version;
  ev.searchDomain(b, 'domain');
  const groupFields: string[] = [];
  const mainOrder = (param: string): void => ev.order(ev.model, p[param], (f) => ev.mainField(f, 'ordered by'), param, true);
  if (m === 'read_progress_bar') {
    const groupBy = ev.groupby(p.group_by ?? null, 'group_by');
    if (version < 17) {
      // Before 17, Odoo keys the groups by the display name of a relational group_by value
      // (web/models/models.py: `value = value[1]  # FIXME should use technical value`), where later
      // versions key them by id: names the answer's keys carry cannot be hidden afterwards.
      const before = ev.st.redactions.length;
      ev.redactGroups([groupBy]);
      if (ev.st.redactions.length > before) deny(`read_progress_bar on Odoo ${version} names its groups by the display names of ${quoteName(groupBy)}'s records, which this key may not read all of`);
    }
    const bar = p.progress_bar;
    if (!isStruct(bar)) deny('progress_bar must be a dictionary');
    ev.groupby(bar.field ?? null, 'progress_bar.field');
    if (bar.sum_field !== undefined && bar.sum_field !== null && bar.sum_field !== false) ev.mainField(bar.sum_field, 'summed');
    return;
  }
  if (m === 'formatted_read_grouping_sets') {
    for (const set of ev.list(p.grouping_sets, 'grouping_sets')) for (const g of ev.list(set, 'grouping_sets[]')) groupFields.push(ev.groupby(g, 'grouping_sets'));
    for (const a of ev.list(p.aggregates, 'aggregates')) ev.aggregate(a, 'aggregates');
    mainOrder('order');
    ev.redactGroups(groupFields);
    return;
  }
  for (const g of ev.list(p.groupby, 'groupby')) groupFields.push(ev.groupby(g, 'groupby'));
  const v19Style = m === 'formatted_read_group' || (m === 'web_read_group' && version >= 19);
  if (v19Style) {
    for (const a of ev.list(p.aggregates, 'aggregates')) ev.aggregate(a, 'aggregates');
    mainOrder('order');
    if (m === 'formatted_read_group' && p.having !== undefined && p.having !== null && p.having !== false) {
      // A domain whose "fields" are aggregates (`amount:sum`); only those are checked here.
      const having = p.having;
      if (!Array.isArray(having)) deny('having must be a list');
      having.forEach((leaf, i) => {
        if (leaf === '&' || leaf === '|' || leaf === '!') return;
        if (!Array.isArray(leaf) || leaf.length !== 3) deny(`having[${i}] is not a leaf [aggregate, operator, value]`);
        if (!isConstantLeaf(leaf)) ev.aggregate(leaf[0] ?? null, `having[${i}]`);
      });
    }
  } else {
    // Checked by type, so that an Odoo build that moved read_group's parameters (after 19.0:
    // domain, groupby, aggregates, having, offset, limit, order) cannot be handed a having or an
    // order where this signature puts offset and lazy, which nothing else here reads.
    wholeNumber(p, 'offset');
    flag(p, 'lazy');
    const fieldsParam = 'fields';
    const given = ev.list(p[fieldsParam], fieldsParam);
    if (given.length === 0 && ev.rule.fields !== undefined) {
      // Odoo aggregates every numeric field for an empty list: ask for the group counts only.
      p[fieldsParam] = [...new Set(groupFields.map((g) => g.split(':')[0]!.split('.')[0]!))];
      ev.st.notes.push(`${fieldsParam} narrowed to the groupby fields`);
    }
    for (const a of given) ev.aggregate(a, fieldsParam);
    mainOrder('orderby');
    if (m === 'web_read_group' && flag(p, 'expand')) deny('web_read_group with expand reads the records of each group, which the engine does not check; read them with search_read');
  }
  if (m === 'read_group' || m === 'web_read_group') ev.capLimit(b, 'limit');
  if (m === 'web_read_group' && version >= 19) {
    const opening = p.opening_info;
    if (opening !== undefined && opening !== null && opening !== false && !(Array.isArray(opening) && opening.length === 0)) {
      deny('web_read_group with opening_info carries domains the engine does not check; read the groups with formatted_read_group and the records with web_search_read');
    }
    if (flag(p, 'auto_unfold')) {
      ev.spec(ev.model, p.unfold_read_specification ?? {}, (f) => ev.mainField(f, 'read'), 'unfold_read_specification');
      ev.capLimit(b, 'unfold_read_default_limit', 80);
    }
    const gspec = p.groupby_read_specification;
    if (gspec !== undefined && gspec !== null && gspec !== false) {
      if (!isStruct(gspec)) deny('groupby_read_specification must be a dictionary');
      for (const g of sortedKeys(gspec)) {
        if (!groupFields.includes(g) || g.includes('.') || g.includes(':')) deny(`groupby_read_specification['${visible(g)}'] is not one of the groupby fields`);
        ev.spec(ev.model, { [g]: { fields: gspec[g]! } }, () => undefined, 'groupby_read_specification');
      }
    }
  }
  ev.redactGroups(groupFields);
}

/** What _str_to_boolean reads as false in every database (besides the installed languages' words): db_id_for then links nothing. */
const FALSE_WORDS: ReadonlySet<string> = new Set(['', '0', 'false', 'no']);

/**
 * Whether a load cell certainly names a record (or, for a plain column, holds a value): not empty;
 * under '.id' or 'id' (`rest`, the column's path after its field) not a word db_id_for reads as
 * false ('0', 'false', 'no', any case), and under 'id' not a bare external id, which may be an
 * installed language's "no". Shared with the learning facts (src/proxy/facts.ts), so `scope
 * suggest` learns which rows named their `_inherits` parent as decide reads them.
 */
export function loadCellNames(cell: RpcValue | undefined, rest: readonly string[]): boolean {
  return loadCellMayName(cell, rest) && (rest[0] !== 'id' || String(cell).includes('.'));
}

/** Whether a load cell may name a record: not empty, and not a word db_id_for reads as false ('0', 'false', 'no'). */
export function loadCellMayName(cell: RpcValue | undefined, rest: readonly string[]): boolean {
  if (cell === undefined || cell === null || cell === false || cell === '') return false;
  return rest.length === 0 || !FALSE_WORDS.has(String(cell).toLowerCase());
}

/** The module Odoo's load puts an external id without one in (BaseModel.load: context `module`, default `__import__`). */
const IMPORT_MODULE = '__import__';
/**
 * Namespaces no module installs or updates: load's own, and `__export__`, which Odoo's export gives
 * records (export_data's external id column), so an export re-imported to update names them.
 */
const FREE_NAMESPACES: ReadonlySet<string> = new Set([IMPORT_MODULE, '__export__']);

/**
 * load(fields, data): Odoo's import (odoo/models.py BaseModel.load, _extract_records,
 * _convert_records, _load_records; odoo/addons/base/models/ir_fields.py, read on 17.0 to 19.0).
 * Columns are `field`, `field/id`, `field/.id`, one2many `lines/sub` (and `lines/sub/id`,
 * `lines/sub/.id`), `id` and `.id`. Rows naming an existing record (`id`, `.id`) update it, relations
 * given by name are name searches, and one2many references link (move) existing lines and update them.
 */
function analyseLoad(ev: RuleEval, b: BoundCall): void {
  const p = b.params;
  ev.st.createsMain = true;
  // Odoo iterates `fields` and every row: a string is read as its characters (a row '7' under a
  // 'partner_id/.id' column links partner 7), a dictionary as its keys.
  if (!Array.isArray(p.fields)) deny('fields must be a list of columns');
  if (!Array.isArray(p.data)) deny('data must be a list of rows');
  const rows = p.data;
  rows.forEach((row, r) => {
    if (!Array.isArray(row)) deny(`data[${r}] must be a list of cells (Odoo would pair the columns with the characters or keys of anything else)`);
  });
  // Odoo splits each column with fix_import_export_id_paths ('partner_id.id' is 'partner_id/.id',
  // 'partner_id:id' is 'partner_id/id', as older scripts write them): judged as Odoo reads them.
  const columns = p.fields.map((col) => {
    if (typeof col !== 'string') deny(`fields: ${quoteName(col)} is not a column`);
    return importExportPath(col).join('/');
  });
  const ctx = isStruct(b.context) ? b.context : {};
  // Odoo takes context.get('module', '__import__'): a False or None there makes 'False.x' / 'None.x'.
  const module = ctx.module === undefined ? IMPORT_MODULE : ctx.module;
  if (typeof module !== 'string') deny("context key 'module' must be a module name");
  const nameCreate = ctx.name_create_enabled_fields;
  if (!pyFalsy(nameCreate ?? null) && !isStruct(nameCreate)) deny('context: name_create_enabled_fields must be a dictionary');
  /** name_create_enabled_fields on a column: a name no record of `comodel` has creates one (name_create). */
  const nameCreates = (col: string, comodel: string, noun = `${comodel} record`): void => {
    if (isStruct(nameCreate) && !pyFalsy(nameCreate[col] ?? null)) ev.comodel(comodel, 'create', undefined, `load column '${col}' (name_create_enabled_fields: a name no ${noun} has creates one with name_create)`);
  };

  // import_set_empty_fields / import_skip_records name columns by path ('order_line',
  // 'order_line/product_id'). Odoo's db_id_for (ir_fields.py, 16.0-18.0) lets a reference on such a
  // column match nothing (under import_file), and under import_skip_records its _str_to_boolean
  // reads an `id` / `.id` cell that is not a yes/no word ('11') as no reference at all (without
  // import_file too): on a many2one or many2many that leaves the value empty or the row skipped,
  // creating and linking nothing; on a one2many line _str_to_one2many then makes Command.create of
  // the line's sub-fields, an empty line when the column has none. Hence checked without import_file.
  /** Whether a column path is named in one of them, as Python's `in` reads the value. */
  const unmatchedAllowed = (path: string): boolean => ['import_set_empty_fields', 'import_skip_records'].some((k) => namedIn(ctx[k] ?? null, path));

  /** The non-empty cells of a column. */
  const cellsOf = (index: number): RpcValue[] => rows.map((row) => (row as RpcValue[])[index]).filter((c): c is RpcValue => c !== undefined && c !== null && c !== false && c !== '');
  /**
   * Cells Odoo writes as given (ir.fields.converter: a reference through _str_id, a properties list
   * through _str_to_properties): a reference links the record it names, a properties list with
   * definition_changed rewrites the definition on the container record; checked as create values are.
   */
  const plainCells = (info: FieldInfo | undefined, index: number, col: string): void => {
    if (info?.type === 'reference') {
      for (const cell of cellsOf(index)) {
        if (typeof cell !== 'string') deny(`load column '${col}': ${quoteName(cell)} is not a reference ('model,id')`);
        ev.referenceValue(cell, `load column '${col}'`);
      }
    } else if (info?.type === 'properties') {
      for (const cell of cellsOf(index)) ev.propertiesValue(cell, `load column '${col}'`);
    } else if (info?.type === 'properties_definition' && cellsOf(index).length) {
      // A definition names the comodels of its relational properties and their defaults: a retype
      // over values already stored, or a default outside the key's rules, makes links. A write of it
      // is judged for both (definitionWritten, against the current definition read upstream); a load
      // cell is not, so it is refused wherever links are checked.
      const companies = ev.st.key.limits?.companies;
      if (ev.st.rules.some(hasDomain) || (companies !== undefined && companies.length > 0)) {
        deny(`load column '${col}' writes a properties definition (the models its relational properties link, and their defaults), which is not judged in load cells while this key's ${companies?.length ? 'companies limit' : 'rules with a domain'} require${companies?.length ? 's' : ''} links to be checked; write it with write, which judges it`);
      }
    }
  };
  const empty = (cell: RpcValue | undefined): boolean => cell === undefined || cell === null || cell === false || cell === '';
  /** The database ids of one `.id` cell (a many2many cell lists several, comma-separated); none when empty. */
  const idsIn = (cell: RpcValue | undefined, col: string, several: boolean): number[] => {
    if (empty(cell)) return [];
    const ids: number[] = [];
    for (const part of several ? String(cell).split(',') : [String(cell)]) {
      const t = part.trim();
      if ((typeof cell !== 'string' && typeof cell !== 'number') || !/^[0-9]+$/.test(t) || Number(t) <= 0 || !Number.isSafeInteger(Number(t))) deny(`load column '${col}': ${quoteName(cell!)} is not ${several ? 'a list of record ids' : 'a record id'}`);
      ids.push(Number(t));
    }
    return ids;
  };
  /** Database ids in a `.id` column. */
  const idsOf = (index: number, col: string, several: boolean): number[] => cellsOf(index).flatMap((cell) => idsIn(cell, col, several));
  /** The external id a cell names: a name without a module is in the context's `module` (load's `_import_current_module`). */
  const fullXmlid = (name: string): string => (name.includes('.') ? name : `${module}.${name}`);
  /**
   * The many2one fields through which the model may inherit another (`_inherits`: product.product's
   * product_tmpl_id, res.users' partner_id), with the parent's table name. fields_get does not
   * report `_inherits`; its inherited fields are related fields named as the parent's
   * (`name` related to `product_tmpl_id.name`), which is what is looked for. A field found so that
   * is not a delegate (sale.order.line's `currency_id` related to `order_id.currency_id`) only adds
   * a name to the look-up, refused only where that external id exists.
   */
  let parents: { field: string; table: string }[] | undefined;
  const parentTables = (): { field: string; table: string }[] => {
    if (parents) return parents;
    const schema = ev.st.env.schema?.(ev.model);
    if (!schema) return [];
    const out: { field: string; table: string }[] = [];
    for (const [f, i] of Object.entries(schema)) {
      if (i.type !== 'many2one' || !i.relation) continue;
      if (Object.entries(schema).some(([g, gi]) => g !== f && gi.related === `${f}.${g}`)) out.push({ field: f, table: i.relation.replace(/\./g, '_') });
    }
    return (parents = out);
  };
  /**
   * Every external id the call names, asked for at once so that a call costs one look-up however
   * many rows and columns name them: each cell of an `id` column and of every `/id` column, and each
   * comma-separated part of those (a many2many cell names several).
   */
  let everyXmlid: Set<string> | undefined;
  /** The external ids a cell may name: the whole cell and each comma-separated part (a many2many or line cell names several), false words left out. */
  const cellXmlids = (cell: string): string[] => [...new Set([cell, ...cell.split(',')])].filter((part) => !FALSE_WORDS.has(part.toLowerCase())).map(fullXmlid);
  const callXmlids = (): Set<string> => {
    if (everyXmlid) return everyXmlid;
    const all = new Set<string>();
    const parents = parentTables();
    columns.forEach((col, index) => {
      if (col !== 'id' && !col.endsWith('/id')) return;
      for (const cell of cellsOf(index)) {
        if (typeof cell !== 'string') continue;
        for (const xmlid of cellXmlids(cell)) all.add(xmlid);
        if (col === 'id') for (const { table } of parents) all.add(`${fullXmlid(cell)}_${table}`);
      }
    });
    return (everyXmlid = all);
  };
  /**
   * The record an external id names (null: none has it), as looked up upstream; undefined until then
   * (every one of the call's is asked for, once: asking them all again for each cell not looked up
   * made a call with n external ids cost n² look-ups in the engine, 15 s for 20,000).
   */
  let askedAll = false;
  const lookUp = (xmlid: string): { model: string; id: number } | null | undefined => {
    const found = ev.st.env.externalId?.(xmlid);
    if (found === undefined) {
      // Asked for once the model's fields are known, so that the parent external ids of rows
      // creating records (parentTables) go in the same look-up.
      if (!ev.schema(ev.model)) return undefined;
      ev.st.missingXmlids.add(xmlid);
      if (!askedAll) for (const x of callXmlids()) if (ev.st.env.externalId?.(x) === undefined) ev.st.missingXmlids.add(x);
      askedAll = true;
    }
    return found;
  };
  /** The parts of an `/id` cell (a many2many cell lists several, split at each comma and not trimmed), without those _str_to_boolean reads as false. */
  const cellParts = (cell: string, several: boolean): string[] => (several ? cell.split(',') : [cell]).filter((part) => !FALSE_WORDS.has(part.toLowerCase()));
  // One text to the client for an external id no record has and one of another model's record:
  // whether an external id exists, and what it names, is ir.model.data's, which the key may not read.
  const namesNoRecord = (col: string, xmlid: string, comodel: string): string =>
    `load column '${col}': the external id ${quoteName(xmlid)} names no ${comodel} record (Odoo fails the row; a record an earlier row of the same load would create with it is not known before the call)`;
  const refuseOtherModel = (col: string, xmlid: string, found: { model: string; id: number }, comodel: string): never =>
    ev.withhold(ev.readsXmlids(), namesNoRecord(col, xmlid, comodel), `load column '${col}': the external id ${quoteName(xmlid)} names a ${found.model} record (${found.id}), not a ${comodel} one (Odoo fails the row)`);
  /**
   * The records of `comodel` the external ids of one `/id` cell name (ir.fields.converter.db_id_for;
   * a many2many cell lists several, split at each comma and not trimmed, as Odoo splits it). A part
   * _str_to_boolean reads as false ('0', 'false', 'no', any case) is no reference. An external id no
   * record has fails the row, and so does one naming a record of another model
   * (_xmlid_to_record_id): both refused. `bare`: ids named without a module, which a language the
   * database has installed may read as its "no" or "false" (no link then).
   */
  const xidsIn = (cell: RpcValue | undefined, col: string, several: boolean, comodel: string): { ids: number[]; bare: number[] } => {
    const out = { ids: [] as number[], bare: [] as number[] };
    if (empty(cell)) return out;
    if (typeof cell !== 'string') deny(`load column '${col}': ${quoteName(cell!)} is not an external id`);
    for (const part of cellParts(cell, several)) {
      const xmlid = fullXmlid(part);
      const found = lookUp(xmlid);
      if (found === undefined) continue;
      if (found === null) ev.withhold(ev.readsXmlids(), namesNoRecord(col, xmlid, comodel), `load column '${col}' names the external id ${quoteName(xmlid)}, which no ${comodel} record has (Odoo fails the row; a record an earlier row of the same load would create with it is not known before the call)`);
      if (found.model !== comodel) refuseOtherModel(col, xmlid, found, comodel);
      (part.includes('.') ? out.ids : out.bare).push(found.id);
    }
    return out;
  };
  /** Refuses a `/id` cell naming a record of another model than `comodel` (told without it), as xidsIn does; the rest is Odoo's to judge. */
  const otherModelIn = (index: number, col: string, several: boolean, comodel: string): void => {
    for (const cell of cellsOf(index)) {
      if (typeof cell !== 'string') continue; // Odoo's to refuse
      for (const part of cellParts(cell, several)) {
        const xmlid = fullXmlid(part);
        const found = lookUp(xmlid);
        if (found && found.model !== comodel) refuseOtherModel(col, xmlid, found, comodel);
      }
    }
  };
  /** The ids of a link column's cells: by database id (`.id`) or by external id (`id`, resolved). */
  const linkIds = (index: number, col: string, ref: string | null, several: boolean, comodel: string): number[] =>
    ref === 'id' ? cellsOf(index).flatMap((cell) => Object.values(xidsIn(cell, col, several, comodel)).flat()) : idsOf(index, col, several);
  /**
   * External ids an `id` column names. A new one is written into ir.model.data (as superuser) in
   * its module's namespace: outside `__import__` and `__export__`, which no module installs, Odoo's
   * module updates trust it (an update of the module deletes the records of its namespace it did
   * not load, a module installed later updates the record instead of creating its own).
   */
  const externalIds = (index: number, col: string): void => {
    for (const cell of cellsOf(index)) {
      if (typeof cell !== 'string') deny(`load column '${col}': ${quoteName(cell)} is not an external id`);
      const owner = cell.includes('.') ? cell.slice(0, cell.indexOf('.')) : module;
      if (!FREE_NAMESPACES.has(owner)) {
        ev.comodel('ir.model.data', 'create', EXPORT_XMLID_FIELDS, `load column '${col}' names the external id ${quoteName(cell.includes('.') ? cell : `${owner}.${cell}`)} in module '${visible(owner)}' (a new one is written into ir.model.data there, which that module's updates act on: they delete the records of its namespace they did not load; use names without a module, kept in ${IMPORT_MODULE}, names in __export__, or '.id')`);
      }
    }
  };
  /**
   * One2many lines named by external id (`order_line/id`): _str_to_one2many links the line one
   * names, but where db_id_for raises on it (none has it, or it names a record of another model,
   * which _xmlid_to_record_id refuses) it creates a line with that external id, and the create
   * writes it into ir.model.data as superuser with an upsert (_update_xmlids: ON CONFLICT (module,
   * name) DO UPDATE model, res_id): an external id of another model's record would be taken from
   * that record. Refused; looked up with the call's others (a cell lists several lines when it is the
   * only row of its lines and they have no sub-fields: both readings looked up).
   */
  const lineExternalIds = (index: number, col: string, lineModel: string): void => {
    for (const cell of cellsOf(index)) {
      if (typeof cell !== 'string') continue; // refused by externalIds
      for (const xmlid of cellXmlids(cell)) {
        const found = lookUp(xmlid);
        if (found && found.model !== lineModel) {
          ev.withhold(ev.readsXmlids(), `load column '${col}' names the external id ${quoteName(xmlid)}, which names a record of another model than ${lineModel}: Odoo creates a ${lineModel} line instead and moves that external id to it (ir.model.data, written as superuser)`,
            `load column '${col}' names the external id ${quoteName(xmlid)}, which names a ${found.model} record (${found.id}): Odoo creates a ${lineModel} line instead and moves that external id to it (ir.model.data, written as superuser)`);
        }
      }
    }
  };

  // Columns by their first segment, in order (after fix_import_export_id_paths, above: 'partner_id.id'
  // and 'partner_id/.id' are one column, named twice).
  const byHead = new Map<string, { index: number; rest: string[]; col: string }[]>();
  columns.forEach((col, index) => {
    if (columns.indexOf(col) !== index) deny(`fields: '${visible(col)}' appears twice (Odoo keeps one of the cells)`);
    const segments = col.split('/');
    segments.forEach((s, i) => {
      if (!(s === '.id' && (i > 0 || segments.length === 1)) && !isFieldName(s)) deny(`load column ${quoteName(col)}: ${quoteName(s)} is not a field name`);
    });
    const [head, ...rest] = segments;
    const list = byHead.get(head!) ?? [];
    list.push({ index, rest, col });
    byHead.set(head!, list);
  });
  const heads = [...byHead.keys()];
  // Whether an id column names any record: an empty cell makes a new one (a column left empty, as an
  // export re-imported with new rows only has it, updates nothing).
  const namesRecords = (head: string): boolean => (byHead.get(head) ?? []).some(({ index }) => cellsOf(index).length > 0);
  const byExternalId = namesRecords('id');
  const byDatabaseId = namesRecords('.id');
  const updatesById = byExternalId || byDatabaseId;
  const databaseIdIndex = byHead.get('.id')?.[0]?.index ?? -1;
  const externalIdIndex = byHead.get('id')?.[0]?.index ?? -1;
  /**
   * The record a row updates (null: the row creates one). An external id wins over '.id' (load
   * passes '.id' on only for rows without one): _load_records updates the record ir.model.data
   * names, creates one (and the external id) when none has it, and raises for a record of another
   * model. Rows without one update the record their '.id' names. Looked up only when needed.
   */
  const ownerOf = (row: RpcValue[]): number | null => {
    const cell = externalIdIndex >= 0 ? row[externalIdIndex] : undefined;
    if (!empty(cell)) {
      if (typeof cell !== 'string') deny(`load column 'id': ${quoteName(cell!)} is not an external id`);
      const xmlid = fullXmlid(cell);
      const found = lookUp(xmlid);
      if (!found) return null; // none has it: the row creates a record (or not looked up yet: asked for)
      if (found.model !== ev.model) {
        ev.withhold(ev.readsXmlids(), `load column 'id': the external id ${quoteName(xmlid)} names a record of another model than ${ev.model} (Odoo refuses the row); use an external id no record has, or the ${ev.model} record's own`,
          `load column 'id': the external id ${quoteName(xmlid)} names a ${found.model} record (${found.id}), not a ${ev.model} one (Odoo refuses the row)`);
      }
      return found.id;
    }
    return databaseIdIndex >= 0 ? idsIn(row[databaseIdIndex], '.id', false)[0] ?? null : null;
  };
  let owners: (number | null)[] | undefined;
  const rowOwners = (): (number | null)[] => (owners ??= rows.map((row) => ownerOf(row as RpcValue[])));
  /** The existing records rows update, by external id or database id. */
  const updatedIds = (): number[] => rowOwners().filter((id): id is number => id !== null);
  /**
   * The first row naming an external id an earlier row names too (-1: none). When none has it yet,
   * the earlier row creates the record, and a flush before the later one (load flushes its batch
   * when a later cell links that external id or names a record of the model by name) turns the later
   * row into an update of that record: a write the engine cannot name, whatever the look-up says.
   */
  const repeatedRow = (): number => {
    if (!byExternalId) return -1;
    const seen = new Set<string>();
    return rows.findIndex((row) => {
      const cell = (row as RpcValue[])[externalIdIndex];
      if (empty(cell) || typeof cell !== 'string') return false;
      const xmlid = fullXmlid(cell);
      return seen.has(xmlid) || !seen.add(xmlid);
    });
  };
  /** Rows update existing records by external id: looked up (the external ids of new records create), or named twice. */
  const updatesByExternalId = (): boolean => byExternalId && (repeatedRow() >= 0 || rows.some((row, r) => !empty((row as RpcValue[])[externalIdIndex]) && rowOwners()[r] !== null));

  for (const head of ['id', '.id']) {
    for (const { index, rest, col } of byHead.get(head) ?? []) {
      if (rest.length > 0) deny(`load column '${col}' is not a column`);
      if (head === 'id') externalIds(index, col);
      // Rows naming an existing record update it: only where the rule reaches every record. An
      // external id no record has creates one, judged with the created records below.
      if (cellsOf(index).length === 0 || !hasDomain(ev.rule)) continue;
      if (head === '.id') deny(`load column '${col}' updates existing records by id, and ${ev.label} limits ${ev.model} to a domain`);
      const r = rows.findIndex((row, i) => !empty((row as RpcValue[])[index]) && rowOwners()[i] !== null);
      if (r >= 0) {
        const named = quoteName(fullXmlid(String((rows[r] as RpcValue[])[index])));
        // The record's id is ir.model.data's (the key may not read it, nor that record, outside its domain).
        ev.withhold(ev.readsXmlids(), `load column '${col}' updates existing records (data[${r}]: ${named} names an existing ${ev.model} record), and ${ev.label} limits ${ev.model} to a domain`,
          `load column '${col}' updates existing records (data[${r}]: ${named} names ${ev.model} record ${rowOwners()[r]}), and ${ev.label} limits ${ev.model} to a domain`);
      }
      const again = repeatedRow();
      if (again >= 0) deny(`load column '${col}' names ${quoteName(fullXmlid(String((rows[again] as RpcValue[])[index])))} again at data[${again}] (a later row naming the external id of a record an earlier row creates may update that record), and ${ev.label} limits ${ev.model} to a domain`);
    }
  }

  // On an _inherits model (product.product), rows creating records create their parent with the
  // inherited columns, as create does (RuleEval.delegatedCreate): a create on the parent, where no
  // row can name one (no link column, no default_<link>). Where rows may update records or name the
  // parent, the inherited columns also write through as before (a write without ids).
  const loadSchema = ev.st.env.schema?.(ev.model);
  const delegates: Delegates = loadSchema ? ev.delegatesOf(ev.model, loadSchema) : { links: [], unknown: [] };
  for (const u of delegates.unknown) ev.schema(u.parent); // decided again with it
  // Every row updates a record only where every '.id' cell is one Python takes for true: 19.0's
  // _convert_records reads `if record.get('.id')`, so a cell 0 is no id and the row creates a
  // record (and its parent), where older copies (`'.id' in record`) fail the row on it.
  const allUpdate = databaseIdIndex >= 0 && externalIdIndex < 0 && rows.every((row) => !pyFalsy((row as RpcValue[])[databaseIdIndex] ?? null));
  const parentCreates: { link: string; parent: string; heads: string[]; alone: boolean }[] = [];
  const throughOnly = new Set<string>(delegates.unknown.flatMap((u) => u.mirrors));
  for (const { field: link, parent, inherited } of delegates.links) {
    const heads = inherited.filter((f) => byHead.has(f));
    const linkCols = byHead.get(link) ?? [];
    if (allUpdate) continue;
    // A link column puts the link in every row's values (an empty cell as False), so a
    // default_<link> fills it only where there is none: then every row writes that record, as in
    // create (RuleEval.defaultParentWrite), the columns also written through below.
    const named = linkCols.length === 0 ? ev.defaultLinkIds(link) : undefined;
    if (named) {
      ev.defaultParentWrite(ev.model, link, parent, named, inherited.filter((f) => !byHead.has(f)), {}, 'load: ', 0);
      continue;
    }
    // A cell names the parent only where Odoo certainly reads it as a reference: db_id_for reads
    // a '.id' or 'id' cell _str_to_boolean takes as false ('0', 'false', 'no', any case) as no
    // link, and a bare external id may be an installed language's "no" (as namesParent below).
    // Under import_set_empty_fields / import_skip_records naming the link, a reference that
    // matches nothing is left empty (db_id_for), which creates the parent too.
    const certain = !unmatchedAllowed(link);
    const cellsDo = (test: (cell: RpcValue | undefined, rest: string[]) => boolean) => rows.map((row) => linkCols.some(({ index, rest }) => test((row as RpcValue[])[index], rest)));
    // res.users' create writes 'active' and (where it has a company) 'company_id' on a partner a row
    // names (PARENT_SYNC): records read by name or reference, known only upstream, so as a related
    // write, a rule without a domain.
    const sync = PARENT_SYNC[ev.model]?.link === link;
    if (sync && cellsDo(loadCellMayName).some(Boolean)) {
      ev.comodel(parent, 'write', ['active', 'company_id'], `load column '${link}': rows naming ${parent} records create ${ev.model} records on them, and Odoo's ${ev.model} create then writes there 'active' (the user's) and, where the partner has a company, 'company_id' (the user's)`);
    }
    if (linkCols.length > 0 && certain && cellsDo(loadCellNames).every(Boolean)) continue;
    // Where no row may name one (a bare external id may: `__import__.<it>`) and none updates a
    // record, the inherited columns go to the parents created alone: nothing is written through.
    const alone = !updatesById && !cellsDo(loadCellMayName).some(Boolean);
    if (alone) for (const h of heads) throughOnly.add(h);
    // The partners created end with the user's active (a column's, judged unevaluated) and, under
    // default_company_id, the user's company (syncedOnCreate).
    const synced = !sync ? [] : ['active', ...(pyFalsy(ev.st.defaults.company_id) ? [] : ['company_id'])].filter((f) => byHead.has(f));
    parentCreates.push({ link, parent, heads: [...heads, ...synced], alone });
  }
  for (const [head, cols] of byHead) {
    if (head === 'id' || head === '.id') continue;
    ev.mainField(head, 'imported');
    const info = ev.info(ev.model, head);
    if (info === null) {
      ev.schema(ev.model);
      continue;
    }
    // A related field writes through to the record it is related to, as in create values.
    if (info?.related && !throughOnly.has(head)) ev.relatedWrite(ev.model, head, info.related, `load column '${head}'`);
    if (!info || !info.relation || !RELATIONAL.has(info.type)) {
      for (const { col, rest } of cols) if (rest.length > 0) deny(`load column '${col}': '${head}' is not a relation`);
      for (const { col, index } of cols) plainCells(info, index, col);
      continue;
    }
    if (info.type !== 'one2many') {
      for (const { col, rest } of cols) {
        if (rest.length > 1 || (rest.length === 1 && rest[0] !== 'id' && rest[0] !== '.id')) deny(`load column '${col}': only one2many lines can be imported with sub-fields`);
      }
      for (const { col, rest, index } of cols) {
        // Row by row, where rows name the records they update by '.id': the record (null for a new
        // one) and the ids of its cell, which Odoo writes to that record alone. Not where the column
        // is named in import_set_empty_fields / import_skip_records: there _str_to_many2many drops
        // an id its search misses (an archived tag) and _str_to_boolean reads every '.id' but '1'
        // as no reference (False), so a link the cell keeps may be removed; every current link is
        // checked instead, as before.
        const ref = rest[0] ?? null;
        const byRow = updatesById && !unmatchedAllowed(head)
          ? () => rows.map((row, r) => ({ owner: rowOwners()[r]!, ...(ref === 'id' ? xidsIn((row as RpcValue[])[index], col, true, info.relation!) : { ids: idsIn((row as RpcValue[])[index], col, true), bare: [] }) }))
          : undefined;
        loadLink(ev, { model: ev.model, field: head, info, col, ref, ids: () => linkIds(index, col, ref, info.type === 'many2many', info.relation!), owners: () => (updatesById ? updatedIds() : []), byRow, adds: !pyFalsy(ctx.update_many2many ?? null), otherModel: () => otherModelIn(index, col, info.type === 'many2many', info.relation!) });
        if (rest.length === 0) nameCreates(col, info.relation);
      }
      continue;
    }
    // one2many lines: `lines/sub` columns create lines; a reference (`lines` by name, `lines/id`,
    // `lines/.id`) links an existing line (Command.link, which moves it from its old parent by
    // writing its inverse field) and updates it with the row's sub-fields (Command.update).
    const lineModel = info.relation;
    const inverse = info.relation_field || undefined;
    const refs = cols.filter(({ rest }) => rest.length === 0 || (rest.length === 1 && (rest[0] === 'id' || rest[0] === '.id')));
    const subCols = cols.filter((c) => !refs.includes(c));
    const subs = [...new Set(subCols.map(({ rest }) => rest[0]!))].sort();
    // A reference that matches nothing creates a line where the context lets it (above): checked
    // as a line created from the row's sub-fields, with no values when there are none.
    const unmatchedCreates = refs.length > 0 && unmatchedAllowed(head);
    if (subs.length || refs.some(({ rest }) => rest[0] === 'id') || unmatchedCreates) {
      // A line whose external id does not exist yet is created with it (O2MIdMapper writes it to ir.model.data).
      const why = unmatchedCreates && !subs.length ? `; ${head} is named in import_set_empty_fields or import_skip_records, so a reference that matches no line creates an empty one` : '';
      ev.comodel(lineModel, 'create', subs, `load column${subCols.length > 1 ? 's' : ''} ${fieldList(subCols.length ? subCols.map((c) => c.col) : refs.map((c) => c.col))} (creates ${lineModel} lines${why})`, undefined,
        { kind: 'create', values: {}, forced: [...subs, ...(inverse ? [inverse] : [])] });
      ev.st.created.push({ model: lineModel, fields: subs });
      // Lines are created with no model-field column (refused below), so only the context's
      // default_<field> can name their model: as for command 0 lines, it must be the imported model.
      const lineSchema = Object.keys(ev.st.defaults).length ? ev.schema(lineModel) : undefined;
      const refInverse = inverse && lineSchema && Object.prototype.hasOwnProperty.call(lineSchema, inverse) ? lineSchema[inverse]! : undefined;
      if (refInverse?.type === 'many2one_reference') {
        if (!refInverse.model_field) deny(`load column '${head}': the lines' '${inverse}' is a many2one_reference whose model field fields_get does not report`);
        ev.lineOwner(lineModel, refInverse, inverse!, {}, ev.model, `load column '${head}' (creates ${lineModel} lines): context`, 'default_');
      }
    }
    for (const { col, rest, index } of refs) {
      const ref = rest[0] ?? null;
      const ids = ref === '.id' ? idsOf(index, col, true) : undefined;
      if (ref === null) {
        ev.comodel(lineModel, 'read', undefined, `load column '${col}' (a ${info.type} given by name is a name search on ${lineModel})`);
        nameCreates(col, lineModel, `${lineModel} line`);
      }
      if (ref === 'id') {
        externalIds(index, col);
        lineExternalIds(index, col, lineModel);
      }
      if (ids) ev.linked(lineModel, ids, `load column '${col}'`);
      const changed = [...(inverse ? [inverse] : []), ...subs];
      ev.comodel(lineModel, 'write', inverse ? changed : undefined, `load column '${col}' (links existing ${lineModel} lines to the imported records, moving them from their old parent by writing their ${inverse ? `'${inverse}'` : 'inverse field'}${subs.length ? `, and updates them with ${fieldList(subs)}` : ''})`, ids,
        { kind: 'write', values: {}, alsoChanged: changed });
    }
    const lineSchema = ev.st.env.schema?.(lineModel);
    if (lineSchema) {
      for (const [f, i] of Object.entries(lineSchema)) {
        if (i.type !== 'many2one_reference') continue;
        if (f === inverse && refs.length) deny(`load column '${refs[0]!.col}' links existing ${lineModel} lines by writing '${f}' alone, and their '${i.model_field ?? 'model field'}' may name another model than ${ev.model}; write the lines with both`);
        const pair = [f, ...(i.model_field ? [i.model_field, lineSchema[i.model_field]?.related?.split('.')[0] ?? ''] : [])];
        const hit = subs.find((sub) => pair.includes(sub) && sub !== inverse);
        if (hit) deny(`load column '${head}/${hit}' sets a many2one_reference pair ('${f}' and the model in '${i.model_field ?? '?'}') on lines, which the engine does not check in load; create the lines with create`);
      }
    }
    for (const sub of subs) {
      const lineInfo = ev.info(lineModel, sub);
      if (lineInfo === null) {
        ev.schema(lineModel);
        continue;
      }
      if (lineInfo?.related) ev.relatedWrite(lineModel, sub, lineInfo.related, `load column '${head}/${sub}'`);
      const own = subCols.filter(({ rest }) => rest[0] === sub);
      if (!lineInfo || !lineInfo.relation || !RELATIONAL.has(lineInfo.type)) {
        for (const { col, rest } of own) if (rest.length > 1) deny(`load column '${col}': '${sub}' is not a relation`);
        for (const { col, index } of own) plainCells(lineInfo, index, col);
        continue;
      }
      if (lineInfo.type === 'one2many') deny(`load column '${own[0]!.col}' is nested deeper than the engine checks`);
      for (const { col, rest, index } of own) {
        if (rest.length > 2 || (rest.length === 2 && rest[1] !== 'id' && rest[1] !== '.id')) deny(`load column '${col}' is nested deeper than the engine checks`);
        // Lines that are linked by reference are updated: their many2many links are replaced.
        loadLink(ev, { model: lineModel, field: sub, info: lineInfo, col, ref: rest[1] ?? null, ids: () => linkIds(index, col, rest[1] ?? null, lineInfo.type === 'many2many', lineInfo.relation!), owners: () => (refs.length ? undefined : []), otherModel: () => otherModelIn(index, col, lineInfo.type === 'many2many', lineInfo.relation!) });
        if (rest.length === 1) nameCreates(col, lineInfo.relation);
      }
    }
  }
  // many2one_reference columns (res_id) and their model columns (res_model), row by row, as the
  // values of a create (or of a write, where rows name records by id). Odoo reads a res_id cell as
  // an integer (ir.fields.converter._str_to_many2one_reference); an empty cell is taken as not given.
  const schema = ev.st.env.schema?.(ev.model);
  if (schema) {
    // A model field related to a many2one (mail.activity's res_model = res_model_id.model) is set
    // through that ir.model id: by database id ('res_model_id/.id') the engine reads which model it
    // names; by name (a name search on ir.model) or by external id, Odoo resolves it inside, unseen.
    const throughs = new Set<string>();
    for (const i of Object.values(schema)) {
      const related = i.type === 'many2one_reference' && !i.related && i.model_field ? schema[i.model_field]?.related : undefined;
      if (related && related.includes('.')) throughs.add(related.split('.')[0]!);
    }
    for (const t of throughs) {
      for (const { col, rest, index } of byHead.get(t) ?? []) {
        if (rest[0] !== '.id' && cellsOf(index).length > 0) deny(`load column '${col}' names the ir.model of ${ev.model} records ${rest.length ? 'by external id' : 'by name'}, which the engine cannot resolve to a model, so the records their many2one_reference links cannot be checked; use '${t}/.id' (the ir.model's database id)`);
      }
    }
    const column = (h: string, cols: { index: number; rest: string[]; col: string }[]): { index: number; rest: string[]; col: string } | undefined => cols.find((c) => (throughs.has(h) ? c.rest.length === 1 && c.rest[0] === '.id' : c.rest.length === 0));
    const plain = [...byHead].filter(([h, cols]) => h !== 'id' && h !== '.id' && column(h, cols));
    rows.forEach((row, r) => {
      const values: RpcStruct = {};
      for (const [h, cols] of plain) {
        const { index, col } = column(h, cols)!;
        const cell = (row as RpcValue[])[index];
        if (cell === undefined || cell === null || cell === false || cell === '') continue;
        if (schema[h]?.type !== 'many2one_reference' && !throughs.has(h)) values[h] = cell;
        else if (typeof cell === 'number' || (typeof cell === 'string' && /^\s*[0-9]+\s*$/.test(cell))) values[h] = Number(cell);
        else deny(`load column '${col}': ${quoteName(cell)} is not a record id`);
      }
      ev.refPairs(ev.model, values, `load data[${r}]`, updatesById ? 'write' : 'create', true);
    });
  }
  // A row creating a record of an _inherits model with an external id also creates the parent
  // record, and _load_records names it `<external id>_<parent table>` (`__import__.p1_product_template`)
  // in ir.model.data with the upsert that repoints a name another record has (_update_xmlids: ON
  // CONFLICT (module, name) DO UPDATE model, res_id; noupdate does not stop it outside mode
  // 'update'): that external id would be taken from the record it names. Not where the row names
  // the parent itself (Odoo then creates none).
  if (externalIdIndex >= 0) {
    for (const { field, table } of parentTables()) {
      const setters = byHead.get(field) ?? [];
      rows.forEach((row, r) => {
        const cells = row as RpcValue[];
        const cell = cells[externalIdIndex];
        if (empty(cell) || typeof cell !== 'string') return;
        // A reference Odoo certainly reads as one (a bare external id may be a language's "no").
        const namesParent = setters.some(({ index, rest }) => loadCellNames(cells[index], rest));
        if (namesParent || lookUp(fullXmlid(cell)) !== null) return; // an update, or not looked up yet
        const name = `${fullXmlid(cell)}_${table}`;
        const found = lookUp(name);
        if (found) {
          const head = `load data[${r}] creates a ${ev.model} record with the external id ${quoteName(fullXmlid(cell))}, and Odoo names the ${field} record it creates with it ${quoteName(name)}`;
          const tail = `ir.model.data (written as superuser) would move that external id to the new record; use another external id, or '${field}/.id' for the parent`;
          ev.withhold(ev.readsXmlids(), `${head}, which already names a record: ${tail}`, `${head}, which names ${found.model} record ${found.id}: ${tail}`);
        }
      });
    }
  }
  // Rows naming existing records update them: a write, which a rule must allow with those fields.
  // By external id, only where one names an existing record (looked up unless a rule without a
  // domain allows the write anyway): new external ids create records.
  if (updatesById) {
    const written = heads.filter((h) => h !== 'id' && h !== '.id');
    const free = ev.rulesFor(ev.model, 'write', written)[0];
    if (byDatabaseId || (free && !hasDomain(free.rule)) || updatesByExternalId()) {
      ev.comodel(ev.model, 'write', written, `load column '${byHead.has('id') ? 'id' : '.id'}' (rows naming existing ${ev.model} records update them)`);
      // res.users' write of 'active' / 'company_id' writes the users' partners (syncWrittenParents).
      const sync = PARENT_SYNC[ev.model];
      const synced = sync ? written.filter((h) => h === 'active' || h === 'company_id') : [];
      if (synced.length) ev.comodel(sync!.parent, 'write', synced, `load column '${byHead.has('id') ? 'id' : '.id'}' (rows naming existing ${ev.model} records update them, and Odoo's ${ev.model} write of ${fieldList(synced)} writes the users' ${sync!.parent} records)`);
    }
  }
  for (const { link, parent, heads: inherited, alone } of parentCreates) {
    const fields = [...inherited, ...ev.defaultedFields(parent, Object.fromEntries(inherited.map((h) => [h, true])), undefined)];
    ev.comodel(parent, 'create', fields, `load: rows creating ${ev.model} records also create their ${parent} (${link})${fields.length ? ` with ${fieldList(fields)}` : ''}`, undefined,
      { kind: 'create', values: {}, forced: inherited, refusal: `the ${parent} records the rows create (their values come as text, which the engine does not evaluate; use create, or set the fields no column sets with default_<field> in the context)` });
    ev.st.created.push({ model: parent, fields: inherited });
    if (alone) ev.st.delegated.add(ev.model);
  }
  // Rows create records from text the engine does not evaluate: under a domain, only the context's
  // default_<field> values for fields no column sets can show that they lie inside it.
  ev.mainDomainAfter({ kind: 'create', values: {}, forced: heads, refusal: 'the imported records (their values come as text, which the engine does not evaluate; use create, or set the fields no column sets with default_<field> in the context)' }, 'load');
}

/**
 * Whether `path` is `in` a context value as Python reads it after `or []`: an element of a list, a
 * substring of a string, a key of a dictionary. Anything else truthy (Python would raise) counts as
 * naming it.
 */
export function namedIn(value: RpcValue, path: string): boolean {
  if (pyFalsy(value)) return false;
  if (Array.isArray(value)) return value.includes(path);
  if (typeof value === 'string') return value.includes(path);
  if (isStruct(value)) return Object.prototype.hasOwnProperty.call(value, path);
  return true;
}

/**
 * A many2one or many2many column of load (on the imported model or on its lines): by name, a name
 * search on the comodel; by database id (`/.id`) or external id (`/id`, looked up in ir.model.data
 * for the call), links to those ids, checked like any linked id. A many2many value replaces the
 * links of the records it is written to (Command.set): on records that exist (`owners`; undefined
 * when the rows name lines by reference, which the engine does not resolve) the links removed are
 * checked too, row by row where `byRow` gives the record each row updates (loadLinksByRow; `adds`
 * under update_many2many).
 */
function loadLink(ev: RuleEval, c: { model: string; field: string; info: FieldInfo; col: string; ref: string | null; ids: () => number[]; owners: () => number[] | undefined; byRow?: () => LoadRow[]; adds?: boolean; otherModel?: () => void }): void {
  const comodel = c.info.relation!;
  const companies = ev.st.key.limits?.companies;
  const companyLimited = comodel === 'res.company' && companies !== undefined && companies.length > 0;
  if (companyLimited && c.ref === null) {
    deny(`load column '${c.col}' names companies by name, which cannot be checked against the key's companies (${companies.join(', ')}); use '${c.col}/.id' or '${c.col}/id'`, 'companies');
  }
  if (c.ref === null) {
    // A relation given by name is looked up with a name search on the comodel (no domain: the
    // rule on the comodel must reach every record and field).
    ev.comodel(comodel, 'read', undefined, `load column '${c.col}' (a ${c.info.type} given by name is a name search on ${comodel})`);
    return;
  }
  // Links by database id or external id: the linked records must lie inside what the key's rules
  // reach on the comodel, when those are limited to domains (external ids are looked up only then).
  const byXmlid = c.ref === 'id';
  if (!ev.linksNeedCheck(comodel)) {
    if (companyLimited) ev.linked(comodel, c.ids(), `load column '${c.col}'`, { byXmlid }); // the companies limit
    // Forwarded, Odoo itself would answer an external id of another model's record with that model
    // (_xmlid_to_record_id: "Invalid external ID x: expected model 'res.partner', found '...'", in
    // load's messages): where the key may not read ir.model.data, the cells are looked up here
    // (one look-up for the call) and such a one refused without the model. One no record has goes
    // on to Odoo as before (its answer names no model; a bare one may be a language's "no").
    // Not for a learning key: its calls go to Odoo whatever it answers (only sensitive models are kept from it).
    else if (byXmlid && c.otherModel && !ev.readsXmlids() && !LEARNING_PROBES.has(ev.st.key)) c.otherModel();
    return;
  }
  const ids = c.ids();
  if (c.info.type === 'many2many') {
    const owners = c.owners();
    if (owners === undefined) deny(`load column '${c.col}' replaces the ${comodel} links of the existing records the rows update, which the engine does not read (lines named by reference), while the key's rules limit ${comodel} to domains; write them with commands 3 and 4`);
    if (c.byRow && owners.length > 0 && !c.info.related) return loadLinksByRow(ev, comodel, { ...c, byRow: c.byRow, byXmlid });
    ev.unlinked(comodel, { model: c.model, field: c.field, owners, related: !!c.info.related }, `load column '${c.col}' (a many2many cell replaces the links of the records the rows update)`);
  }
  ev.linked(comodel, ids, `load column '${c.col}'`, { byXmlid });
}

/**
 * One row of a many2many column on rows that update records: the record it updates (null: a new
 * one), the ids its cell names, and `bare`: ids named by an external id without a module, which Odoo
 * may read as no reference (an installed language's "no"), so they count as named but not as kept.
 */
type LoadRow = { owner: number | null; ids: number[]; bare: number[] };

/**
 * A many2many column on rows naming the records they update (by `.id` or external id): each row
 * writes its cell to its own record (ir.fields.converter._str_to_many2many: Command.set of the
 * cell's ids, or Command.link of each under `update_many2many`; an empty cell is False, which clears
 * the links either way), so it is checked as command 6 on that record: the links it removes and the
 * ids it adds, from the links read upstream (one links_in_domain check with `set` row by row). A
 * link the cell keeps is neither, so an export re-imported with a tag the key cannot reach left as
 * it was passes. Rows creating records: their ids are checked as linked.
 */
function loadLinksByRow(ev: RuleEval, comodel: string, c: { model: string; field: string; col: string; byRow: () => LoadRow[]; adds?: boolean; byXmlid: boolean }): void {
  const rows = c.byRow();
  const at = { model: c.model, field: c.field, related: false };
  const sets = rows.filter((r) => r.owner !== null && !(c.adds && r.ids.length === 0)).map((r) => ({ id: r.owner!, ids: r.ids }));
  const cleared = rows.filter((r) => r.owner !== null && c.adds && r.ids.length === 0).map((r) => r.owner!);
  const named = sets.flatMap((r) => r.ids);
  if (sets.length) {
    const how = c.adds ? 'adds links to the record its row updates (update_many2many)' : 'sets the links of the record its row updates';
    ev.unlinked(comodel, { ...at, owners: sets.map((r) => r.id), set: named, rows: sets, adds: c.adds }, `load column '${c.col}' (a many2many cell ${how})`);
  }
  if (cleared.length) ev.unlinked(comodel, { ...at, owners: cleared }, `load column '${c.col}' (an empty many2many cell clears the links of the record its row updates)`);
  ev.linked(comodel, named, `load column '${c.col}'`, { domainChecked: true, byXmlid: c.byXmlid }); // the companies limit still applies to every id named
  ev.linked(comodel, [...rows.filter((r) => r.owner === null).flatMap((r) => r.ids), ...rows.flatMap((r) => r.bare)], `load column '${c.col}'`, { byXmlid: c.byXmlid });
}

// -------------------------------------------------------------------------------------------------

/** The `set` of a links_in_domain check: what the write sets the links of the records to. */
export type LinkSet = NonNullable<Extract<UpstreamCheck, { kind: 'links_in_domain' }>['set']>;

/**
 * What a many2many write that sets the links to `set` changes (a links_in_domain check with `set`),
 * from the field as read on the written records `owners`: the links it removes (current ones not in
 * the ids a record is set to) and the ones it adds (ids a record lacks). Many2many.write_real works
 * per record, inserting and deleting only the difference. `set` is the ids every record is set to,
 * or a LinkSet whose `rows` give each record its own ids (load rows) and whose `adds` removes
 * nothing (Command.link). A record whose row is missing from the answer, or comes twice, counts as
 * linked to nothing: every id it is set to is added there (checked, never assumed kept).
 */
export function linkChanges(owners: number[], rows: { id: unknown; links: number[] }[], set: number[] | Pick<LinkSet, 'ids' | 'rows' | 'adds'>): { removed: number[]; added: number[] } {
  const spec = Array.isArray(set) ? { ids: set } : set;
  const targets = spec.rows ?? owners.map((id) => ({ id, ids: spec.ids }));
  const setsOf = new Map<number, Set<number>[]>();
  for (const t of targets) {
    const list = setsOf.get(t.id) ?? [];
    list.push(new Set(t.ids));
    setsOf.set(t.id, list);
  }
  const current = new Map<number, Set<number> | null>();
  const removed = new Set<number>();
  // A read row for no record the write names (not asked for) keeps the one set all records get,
  // or none where each record gets its own.
  const fallback = [new Set(spec.rows ? [] : spec.ids)];
  for (const row of rows) {
    if (!spec.adds) {
      const sets = (typeof row.id === 'number' ? setsOf.get(row.id) : undefined) ?? fallback;
      for (const wanted of sets) for (const id of row.links) if (!wanted.has(id)) removed.add(id);
    }
    // A record answered twice is taken as linked to nothing (its links cannot be told).
    if (typeof row.id === 'number') current.set(row.id, current.has(row.id) ? null : new Set(row.links));
  }
  const added = new Set<number>();
  for (const t of targets) for (const id of t.ids) if (!current.get(t.id)?.has(id)) added.add(id);
  return { removed: [...removed], added: [...added] };
}

/**
 * The checks without repeats: one value reached from two places (a default and the values, a load
 * column and its lines) asks for the same check twice, and each costs the proxy a call to Odoo.
 * Two checks are the same when everything but their reason is; the first one's reason is kept.
 */
function distinctChecks(checks: UpstreamCheck[]): UpstreamCheck[] {
  const seen = new Set<string>();
  return checks.filter((c) => {
    const { reason: _reason, ...what } = c;
    const set = c.kind === 'links_in_domain' && c.set ? { ...c.set, reason: undefined } : undefined;
    const k = JSON.stringify({ ...what, ids: [...new Set(c.ids)].sort((a, b) => a - b), ...(set ? { set } : {}) });
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function keyLimits(key: KeyScope, env: DecideEnv): void {
  if (key.expires !== undefined) {
    const t = Date.parse(key.expires);
    if (Number.isNaN(t)) deny(`the key's expiry '${key.expires}' is not a valid time, so the key is treated as expired`, 'expires');
    if (env.now.getTime() >= t) deny(`the key expired at ${new Date(t).toISOString()}`, 'expires');
  }
  const l = key.limits ?? {};
  if (l.ips) {
    // An empty list allows no address (validate.ts refuses one; a key built elsewhere fails closed).
    if (l.ips.length === 0) deny("the key's ips limit lists no address", 'ips');
    let ok = false;
    try {
      ok = ipAllowed(l.ips, env.ip);
    } catch (e) {
      if (e instanceof LimitSyntaxError) deny(`the key's ips limit is invalid: ${e.message}`, 'ips');
      throw e;
    }
    if (!ok) deny(`address ${visible(String(env.ip))} is outside the key's allowed addresses (${l.ips.join(', ')})`, 'ips');
  }
  if (l.companies && l.companies.length === 0) deny("the key's companies limit lists no company", 'companies');
  if (l.hours) {
    let inside = false;
    try {
      inside = withinHours(parseHours(l.hours), env.now);
    } catch (e) {
      if (e instanceof LimitSyntaxError) deny(`the key's hours limit is invalid: ${e.message}`, 'hours');
      throw e;
    }
    if (!inside) deny(`outside hours ${l.hours}`, 'hours');
  }
}

function emptyState(key: KeyScope, env: DecideEnv): State {
  return { key, env, rules: key.rules ?? [], missing: new Set(), missingIrModels: new Set(), missingDefinitions: new Map(), missingCurrent: new Map(), missingXmlids: new Set(), checks: [], redactions: [], notes: [], created: [], defaults: {}, createsMain: false, opaque: false, delegated: new Set(), delegates: new Map(), refFields: new Map() };
}

/** The context with allowed_company_ids set to the key's companies when the client sent none. */
function withCompanies(b: BoundCall, key: KeyScope, notes: string[]): void {
  const companies = key.limits?.companies;
  if (!companies || companies.length === 0) return;
  const ctx = b.context;
  if (isStruct(ctx) && Object.prototype.hasOwnProperty.call(ctx, 'allowed_company_ids')) return;
  b.context = { ...(isStruct(ctx) ? ctx : {}), allowed_company_ids: [...companies] };
  notes.push("allowed_company_ids set to the key's companies");
}

function cloneValue<T extends RpcValue | undefined>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => cloneValue(x)) as T;
  if (v !== undefined && isStruct(v)) {
    const out: RpcStruct = {};
    for (const [k, x] of Object.entries(v)) out[k] = cloneValue(x);
    return out as T;
  }
  return v;
}

function cloneBound(b: BoundCall): BoundCall {
  return { ...b, params: cloneValue(b.params as RpcStruct), context: cloneValue(b.context), ids: cloneValue(b.ids), extraArgs: cloneValue(b.extraArgs), extraKwargs: cloneValue(b.extraKwargs) };
}

function scrub(reason: string, credential: string | null): string {
  if (credential && credential.length >= 4 && reason.includes(credential)) return reason.split(credential).join('<credential>');
  return reason;
}

/**
 * Decides one call for one key. Rules are tried in order; the first that allows all of the call
 * wins (its index is the decision's `rule`). When an earlier rule could only be judged with a
 * model's fields, the answer is need_schema, so that the final decision does not depend on which
 * schemas the proxy happened to have.
 */
export function decide(key: KeyScope, call: OdooCall, env: DecideEnv): Decision {
  const out = decideInner(key, call, env);
  if (out.verdict === 'deny') return { ...out, reason: scrub(out.reason, call.credential), ...(out.detail !== undefined ? { detail: scrub(out.detail, call.credential) } : {}) };
  return out;
}

function decideInner(key: KeyScope, call: OdooCall, env: DecideEnv): Decision {
  try {
    keyLimits(key, env);
    if (typeof call.model !== 'string' || !isModelName(call.model)) deny(`model name ${quoteName(call.model)} is not a plain Odoo model name (lowercase ASCII letters, digits, '_' and '.')`);
    if (typeof call.method !== 'string' || !isMethodName(call.method)) {
      if (typeof call.method === 'string' && String(call.method).startsWith('_')) deny(`method '${visible(String(call.method))}' is private: methods beginning with '_' are never callable`);
      deny(`method name ${quoteName(call.method)} is not a plain ASCII method name`);
    }
  } catch (e) {
    if (e instanceof Denied) return { verdict: 'deny', reason: e.reason, ...(e.limit ? { limit: e.limit } : {}), ...(e.detail !== undefined ? { detail: e.detail } : {}) };
    throw e;
  }
  const model = call.model;
  const method = call.method;
  let bound: BoundCall;
  try {
    bound = bindCall(call, env.version);
  } catch (e) {
    if (e instanceof BindError) return { verdict: 'deny', reason: e.message };
    throw e;
  }

  if (key.learning) {
    if (SENSITIVE.has(model)) return { verdict: 'deny', reason: `${model} is a sensitive model, which learning keys never reach` };
    // Relations, specifications, x2many commands and paths reach other models: checked as under a
    // rule for every model but the sensitive ones (what globs never reach), so that a learning key
    // cannot read or write res.users through res.partner's user_ids.
    const probeKey: KeyScope = { ...key, learning: false, rules: [{ model: '*', methods: ['read', 'create', 'write', 'unlink', method] }] };
    LEARNING_PROBES.add(probeKey);
    const probe = decideInner(probeKey, call, env);
    if (probe.verdict === 'need_schema') return probe;
    if (probe.verdict === 'deny' && /sensitive model/.test(probe.detail ?? probe.reason)) {
      const learning = (r: string): string => `${r.replace(/ no rule names with allow_sensitive$/, '')}, which learning keys never reach`;
      return { verdict: 'deny', reason: learning(probe.reason), ...(probe.detail !== undefined ? { detail: learning(probe.detail) } : {}) };
    }
    const st = emptyState(key, env);
    try {
      contextCheck(st, bound.context, 'context', null);
    } catch (e) {
      if (e instanceof Denied) return { verdict: 'deny', reason: e.reason, ...(e.limit ? { limit: e.limit } : {}), ...(e.detail !== undefined ? { detail: e.detail } : {}) };
      throw e;
    }
    const b = cloneBound(bound);
    withCompanies(b, key, st.notes);
    return { verdict: 'allow', rule: -1, call: st.notes.length ? rebuildCall(b) : call, checks: [], redactions: [], notes: ['learning key: allowed as the upstream user may', ...st.notes] };
  }

  const rules = key.rules ?? [];
  const reasons: { reason: string; rule: number; detail?: string }[] = [];
  const missing = new Set<string>();
  const missingIrModels = new Set<number>();
  const missingDefinitions = new Map<string, { model: string; id: number; field: string; fresh?: true; within?: RpcValue[] }>();
  const missingCurrent = new Map<string, { model: string; field: string; ids: number[]; within?: RpcValue[] }>();
  const missingXmlids = new Set<string>();
  const anyMissing = (): boolean => missing.size > 0 || missingIrModels.size > 0 || missingDefinitions.size > 0 || missingCurrent.size > 0 || missingXmlids.size > 0;
  let candidates = 0;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (!modelMatches(rule.model, model)) continue;
    if (!expandMethods(rule.methods, env.version).has(method)) continue;
    if (SENSITIVE.has(model) && (isGlob(rule.model) || rule.allow_sensitive !== true)) {
      reasons.push({
        rule: i,
        reason: isGlob(rule.model)
          ? `${model} is a sensitive model, which the glob '${rule.model}' of rule ${i} never reaches`
          : `${model} is a sensitive model: ${ruleLabel(rule, i)} names it but was not confirmed with allow_sensitive`,
      });
      continue;
    }
    candidates++;
    const st = emptyState(key, env);
    const b = cloneBound(bound);
    st.defaults = contextDefaults(b.context);
    const ev = new RuleEval(st, rule, i, model, method);
    try {
      analyse(ev, b);
      ev.context(b.context, 'context');
    } catch (e) {
      if (e instanceof Denied) {
        if (e.limit) return { verdict: 'deny', reason: e.reason, limit: e.limit, rule: i, ...(e.detail !== undefined ? { detail: e.detail } : {}) };
        reasons.push({ reason: e.reason, rule: i, ...(e.detail !== undefined ? { detail: e.detail } : {}) });
        continue;
      }
      throw e;
    }
    if (st.missing.size > 0 || st.missingIrModels.size > 0 || st.missingDefinitions.size > 0 || st.missingCurrent.size > 0 || st.missingXmlids.size > 0) {
      for (const x of st.missingXmlids) missingXmlids.add(x);
      for (const m of st.missing) missing.add(m);
      for (const id of st.missingIrModels) missingIrModels.add(id);
      for (const [k, v] of st.missingDefinitions) missingDefinitions.set(k, v);
      for (const [k, v] of st.missingCurrent) missingCurrent.set(k, v);
      continue;
    }
    if (anyMissing()) break;
    withCompanies(b, key, st.notes);
    const changed = st.notes.length > 0;
    return { verdict: 'allow', rule: i, call: changed ? rebuildCall(b) : call, checks: distinctChecks(st.checks), redactions: st.redactions, notes: st.notes };
  }
  if (anyMissing()) {
    const byKey = <T>(m: Map<string, T>): T[] => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
    return {
      verdict: 'need_schema',
      models: [...missing].sort(),
      ...(missingIrModels.size ? { irModels: [...missingIrModels].sort((a, b) => a - b) } : {}),
      ...(missingDefinitions.size ? { definitions: byKey(missingDefinitions) } : {}),
      ...(missingCurrent.size ? { current: byKey(missingCurrent) } : {}),
      ...(missingXmlids.size ? { xmlids: [...missingXmlids].sort() } : {}),
    };
  }
  if (reasons.length === 0) {
    const sameModel = rules.map((r, i) => [r, i] as const).filter(([r]) => modelMatches(r.model, model));
    const hint = sameModel.length
      ? ` (${sameModel.map(([r, i]) => ruleLabel(r, i)).join('; ')} ${sameModel.length === 1 ? 'does' : 'do'} not include it)`
      : '';
    return { verdict: 'deny', reason: `no rule allows ${method} on ${model}${hint}` };
  }
  const first = reasons[0]!;
  const others = reasons.length === 1 || candidates <= 1 ? '' : ` (and ${reasons.length - 1} other rule${reasons.length > 2 ? 's' : ''} refused too)`;
  // Only the first rule's reason is told: the others' details stay out of the journal's too.
  return { verdict: 'deny', reason: `${first.reason}${others}`, rule: first.rule, ...(first.detail !== undefined ? { detail: `${first.detail}${others}` } : {}) };
}
