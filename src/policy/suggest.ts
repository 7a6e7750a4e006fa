// Scope learning (issue 11): from the journal of a learning key, the least scope that would have
// allowed exactly the calls that were seen. Pure: journal entries in, rules, limits and notes out.
//
// A learning key's journal entries carry, beside model, method and the fields written, the fields
// read (`read_fields`, `*` for "every field"), the fields searched, ordered and grouped on
// (`search_fields`), the constant leaves ANDed at the top of search domains (`domain_leaves`), the
// context keys sent and the x2many commands written (src/proxy/facts.ts). From those, per model:
//
// - read-only methods become one `read` rule whose fields are every field read or searched on
//   (no field list when some call read every field); a constant leaf that every search carried
//   becomes the rule's domain, unless records were also read by id (they may lie outside it);
// - create, write, copy, load and web_save become rules with the fields they wrote (default_<field>
//   context keys count as written); rules with the same fields merge (`methods: [create, write]`);
// - unlink, and methods outside the standard table, are allowed by name;
// - dotted paths and x2many commands reach other models: with their schemas (fields_get) those get
//   rules too, else a note says what is missing.
//
// What cannot be learned from a sample (addresses, rate, hours) is given as notes, never as limits.

import type { FieldInfo, Limits, ModelSchema, Rule } from './types.js';
import { READ_METHODS, READ_PRESET_ANY_VERSION, signatureOf, tableVersion } from './methods.js';
import { addToScope } from './compact.js';
import { HARMLESS_CONTEXT_KEYS, isSensitiveModel, RELATIONAL, X2MANY } from './decide.js';
import { isFieldName } from './names.js';
import { delegateLinks, type DelegateLink } from './inherits.js';
import type { RpcValue } from '../rpc/values.js';
import { printable } from '../cli/printable.js';
import { stringify } from 'yaml';

/** The members of a journal entry suggest reads (a JournalEntry is one). */
export interface LearnedCall {
  ts: string;
  ip?: string;
  model?: string;
  method?: string;
  ids?: number[];
  fields?: string[];
  decision: 'allow' | 'deny';
  outcome: string;
  reason?: string;
  learning?: boolean;
  read_fields?: string[];
  search_fields?: string[];
  domain_leaves?: [string, string, unknown][];
  context_keys?: string[];
  x2many?: { field: string; ops: number[]; fields: string[] }[];
  /** Relation paths whose records the call may match on any field (`id`: its own model); absent in older journals. */
  any_field?: string[];
  /** Of `fields`, those some record the call created left unset, and those none set (absent in older journals). */
  unset_fields?: string[];
  empty_fields?: string[];
  /** How many items each list left out (a journal line keeps 500 names per list). */
  more?: Record<string, number>;
  /** Set on lines that are not calls (an exec run's start and end): never learned from. */
  event?: string;
}

export interface SuggestOptions {
  /** The upstream's Odoo major version (the read preset differs per version); unknown: any version's. */
  version?: number;
  /** Fields of a model (fields_get with type and relation), to follow paths and x2many commands. */
  schema?: (model: string) => ModelSchema | undefined;
}

export interface Suggestion {
  rules: Rule[];
  limits: Limits;
  /** What the rules do not say: things left out, and limits to consider. One sentence each. */
  notes: string[];
  /** Models whose fields (fields_get) would let paths and x2many commands become rules: ask Odoo and suggest again. */
  missing_schemas: string[];
  seen: {
    /** Calls of the learning key that the suggestion covers (allowed in learning mode). */
    calls: number;
    /** Calls refused even in learning mode (sensitive models, private methods, limits). */
    denied: number;
    /** Covered calls Odoo answered with an error. */
    odoo_errors: number;
    first: string | null;
    last: string | null;
    /** Client addresses, sorted. */
    ips: string[];
    /** Most calls within one clock minute. */
    peak_per_minute: number;
  };
}

interface ModelFacts {
  readMethods: Set<string>;
  readAll: boolean;
  readFields: Set<string>;
  /** Paths whose values a call returned (not only searched): one ending on a many2one or many2many shows names of its comodel. */
  shownFields: Set<string>;
  /** Leaves (as JSON) of each domain-carrying read call. */
  searchLeaves: Set<string>[];
  /** Read calls that named records by id (read, web_read, fetch, ...). */
  idReads: number;
  /** Writing methods (create, write, copy, load, web_save, ...) -> fields written (or read, for web_save). */
  writes: Map<string, Set<string>>;
  /** Methods allowed by name without a field list. */
  byName: Set<string>;
  readAllReasons: Set<string>;
}

const WRITING = new Set(['create', 'write', 'copy', 'load', 'web_save', 'web_save_multi']);
/** Methods the engine allows only under a rule without a field list. */
const NEEDS_ALL_FIELDS = new Set(['name_create', 'copy_data']);

function modelFacts(map: Map<string, ModelFacts>, model: string): ModelFacts {
  let f = map.get(model);
  if (!f) {
    f = { readMethods: new Set(), readAll: false, readFields: new Set(), shownFields: new Set(), searchLeaves: [], idReads: 0, writes: new Map(), byName: new Set(), readAllReasons: new Set() };
    map.set(model, f);
  }
  return f;
}

function sorted(set: Iterable<string>): string[] {
  return [...set].sort();
}

/**
 * A rule's field list from the names a learning key used: a name that is not a field name (the
 * client sent `"a b"` as a key of its values) is left out with a note, or it would make the whole
 * suggestion unwritable to keys.yaml.
 */
function fieldList(names: Iterable<string>, model: string, notes: Set<string>): string[] {
  const all = sorted(new Set(names));
  const bad = all.filter((n) => !isFieldName(n));
  if (bad.length) notes.add(`${model}: ${bad.length} name${bad.length === 1 ? '' : 's'} the client used ${bad.length === 1 ? 'is' : 'are'} not a field name (${bad.slice(0, 3).map((n) => JSON.stringify(n)).join(', ')}${bad.length > 3 ? ', ...' : ''}), left out`);
  return all.filter((n) => isFieldName(n));
}

function isReadMethod(method: string, version: number | undefined): boolean {
  return version === undefined ? READ_PRESET_ANY_VERSION.has(method) : READ_METHODS[tableVersion(version)].includes(method);
}

/** Things learned about other models, through paths and commands. */
interface Reach {
  /** model -> fields read through a path (`partner_id.email` on crm.lead: res.partner email). */
  read: Map<string, Set<string>>;
  /** model -> method (create/write/unlink) -> fields, through x2many commands. */
  lines: Map<string, Map<string, Set<string>>>;
  /** model -> methods needed on every field (an `_inherits` parent under default_<link>, or created by name_create). */
  whole: Map<string, Set<string>>;
  /** model -> why: records matched on any field through a relation (name searches, child_of): a read rule with no field list. */
  readAll: Map<string, Set<string>>;
  /** Models whose schema was needed and not given. */
  missing: Set<string>;
}

function addTo<K>(map: Map<K, Set<string>>, key: K, values: Iterable<string>): void {
  const set = map.get(key) ?? new Set<string>();
  for (const v of values) set.add(v);
  map.set(key, set);
}

export function suggestScope(entries: Iterable<LearnedCall>, opts: SuggestOptions = {}): Suggestion {
  const models = new Map<string, ModelFacts>();
  const reach: Reach = { read: new Map(), lines: new Map(), whole: new Map(), readAll: new Map(), missing: new Set() };
  const notes = new Set<string>();
  const contextKeys = new Set<string>();
  const ips = new Set<string>();
  const perMinute = new Map<string, number>();
  const denied = new Map<string, { count: number; reason: string }>();
  const pathNotes = new Map<string, Set<string>>();
  let calls = 0;
  let deniedCount = 0;
  let odooErrors = 0;
  /** Calls whose journal line could not keep every name they used (see JournalInput.more). */
  const cut = new Map<string, number>();
  let first: string | null = null;
  let last: string | null = null;

  for (const e of entries) {
    // An exec run's start and end (a learning --key's run) are not calls of the client.
    if (e.event !== undefined) continue;
    if (!e.learning || e.model === undefined || e.method === undefined) continue;
    if (e.decision === 'deny') {
      if (e.outcome !== 'denied') continue; // rejected before a decision: not the client's scope
      deniedCount++;
      const label = `${e.model}.${e.method}`;
      const d = denied.get(label) ?? { count: 0, reason: e.reason ?? 'denied' };
      d.count++;
      denied.set(label, d);
      continue;
    }
    calls++;
    if (e.outcome === 'odoo_error') odooErrors++;
    if (e.more && Object.keys(e.more).some((k) => k !== 'ids' && k !== 'result_ids')) cut.set(`${e.model}.${e.method}`, (cut.get(`${e.model}.${e.method}`) ?? 0) + 1);
    if (first === null || e.ts < first) first = e.ts;
    if (last === null || e.ts > last) last = e.ts;
    if (e.ip) ips.add(e.ip);
    const minute = e.ts.slice(0, 16);
    perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);

    const model = e.model;
    const method = e.method;
    const f = modelFacts(models, model);
    const defaults = (e.context_keys ?? []).filter((k) => k.startsWith('default_')).map((k) => k.slice('default_'.length));
    // A method outside the standard table applies default_<field> to whatever it creates, of any
    // model: decide allows that only by name in limits.context_keys.
    const opaque = signatureOf(method, opts.version ?? 19) === undefined;
    for (const k of e.context_keys ?? []) if ((opaque || !k.startsWith('default_')) && k !== 'allowed_company_ids' && !HARMLESS_CONTEXT_KEYS.includes(k)) contextKeys.add(k);

    // Paths: the first segment is a field of this model; the rest is read on the comodel.
    const ownFields = (paths: string[] | undefined): string[] => {
      const out: string[] = [];
      for (const p of paths ?? []) {
        if (p === '*') continue;
        const [head, ...rest] = p.split('.');
        if (head !== 'id') out.push(head!);
        if (rest.length) followPath(model, head!, rest, reach, opts, pathNotes);
      }
      return out;
    };
    const read = ownFields(e.read_fields);
    const searched = ownFields(e.search_fields);
    if (showsNames(method, opts.version)) for (const p of e.read_fields ?? []) if (p !== '*') f.shownFields.add(p);
    // Name searches and child_of match any field of the records they reach (decide's everyField).
    for (const p of e.any_field ?? []) {
      const why = `${model}.${method} matches its records on any field (a name search, display_name or child_of${method === 'load' ? ', or a load column naming records' : ''})`;
      if (p === 'id') {
        if (isReadMethod(method, opts.version)) {
          f.readAll = true;
          f.readAllReasons.add(`${method} with a domain that matches any field (display_name, child_of)`);
        }
      } else anyFieldPath(model, p.split('.'), why, reach, opts, pathNotes);
    }

    if (isReadMethod(method, opts.version)) {
      f.readMethods.add(method);
      if (e.read_fields?.includes('*')) {
        f.readAll = true;
        f.readAllReasons.add(method === 'name_search' || method === 'web_name_search' ? `${method} with a search text (it matches fields the model chooses)` : `${method} with no field list`);
      }
      for (const x of [...read, ...searched, ...defaults]) f.readFields.add(x);
      const kind = signatureOf(method, opts.version ?? 19)?.kind;
      if (kind === 'read') f.idReads++;
      else if (kind === 'search' || kind === 'group' || kind === 'name_search') {
        // A line whose leaves were cut (its `more` counts domain_leaves) cannot say what the search
        // was limited to: a cut `not in` list would widen the rule, a cut `in` list narrow it. No
        // domain is inferred from it (nor, so, for the rule: every search must share a leaf).
        const cutLeaves = Object.keys(e.more ?? {}).some((k) => k.startsWith('domain_leaves'));
        f.searchLeaves.push(cutLeaves ? new Set() : new Set((e.domain_leaves ?? []).filter((l) => !String(l[0]).includes('.')).map((l) => JSON.stringify(l))));
      }
    } else if (WRITING.has(method)) {
      const written = e.fields ?? [];
      addTo(f.writes, method, [...written.filter((x) => x !== 'id' && x !== '.id'), ...read, ...searched, ...defaults]);
      // load rows naming records by database id update them: a write there too (decide's load).
      if (method === 'load' && written.includes('.id')) addTo(f.writes, 'write', written.filter((x) => x !== 'id' && x !== '.id'));
      // Records created: on an _inherits model their parent is created too (decide's delegatedCreate).
      const creates = method === 'create' || method === 'load' || (method === 'web_save' && !(e.ids ?? []).length);
      const load = method === 'load';
      relatedWrites(model, [...written, ...defaults], reach, opts, creates ? {
        defaults,
        values: written,
        unset: e.unset_fields ?? [],
        empty: e.empty_fields ?? [],
        load,
        alsoWrites: load && written.some((x) => x === 'id' || x === '.id'),
        // every row updating a record by database id: none created (decide's allUpdate)
        noneCreated: load && written.includes('.id') && !written.includes('id') && !(e.unset_fields ?? []).includes('.id'),
      } : undefined);
      for (const x of e.x2many ?? []) followCommands(model, x, defaults, reach, opts, notes);
      if (method === 'copy') copyParents(model, reach, opts);
    } else if (method === 'export_data') {
      addTo(f.writes, method, read);
    } else if (method === 'name_create') {
      f.byName.add(method);
      nameCreateParents(model, defaults, reach, opts);
    } else if (NEEDS_ALL_FIELDS.has(method) || method === 'unlink') {
      f.byName.add(method);
    } else {
      f.byName.add(method);
      for (const x of e.x2many ?? []) followCommands(model, x, defaults, reach, opts, notes);
    }
  }

  // The answers showed the names of linked records (a many2one's [id, name], a many2many read
  // with names): without a read rule on the comodel the proxy hides them ("odoo-keys: hidden"), so
  // the applied scope would answer the client otherwise than while it learned.
  for (const [model, f] of models) {
    for (const path of f.shownFields) {
      const end = pathEnd(model, path.split('.'), reach, opts);
      if (!end) continue;
      const { info, owner, field } = end;
      if (!info.relation || (info.type !== 'many2one' && info.type !== 'many2many')) continue;
      const what = owner === model ? `${model}.${field}` : `${model}.${path} (${owner}.${field})`;
      // A sensitive model (res.users, ...) gets a rule only by an explicit allow_sensitive: said, not suggested.
      if (isSensitiveModel(info.relation)) {
        notes.add(`${info.relation}: the client read ${what} and got the names of its records; ${info.relation} is a sensitive model, so no rule is suggested and after --apply those names are hidden (odoo-keys: hidden) unless you add a read(display_name) rule on it with allow_sensitive: true`);
        continue;
      }
      addTo(reach.read, info.relation, ['display_name']);
      notes.add(`${info.relation}: read(display_name) added: the client read ${what} and got the names of its records (without it the proxy hides them)`);
    }
  }

  // Rules, model by model (models reached only through paths and commands included).
  let rules: Rule[] = [];
  const allModels = new Set([...models.keys(), ...reach.read.keys(), ...reach.lines.keys(), ...reach.whole.keys(), ...reach.readAll.keys()]);
  for (const model of sorted(allModels)) {
    const f = models.get(model);
    const viaAll = reach.readAll.get(model);
    const viaPaths = reach.read.get(model) ?? (viaAll ? new Set<string>() : undefined);
    if (f?.readMethods.size || viaPaths) {
      const rule: Rule = { model, methods: ['read'] };
      if (!f?.readAll && !viaAll) rule.fields = fieldList([...(f?.readFields ?? []), ...(viaPaths ?? [])], model, notes);
      else if (f?.readAll) notes.add(`${model}: read with every field (${sorted(f.readAllReasons).join('; ')}), so its read rule has no field list; narrow it with 'odoo-keys scope <key> --model ${model} --fields ...' if the client needs fewer`);
      else notes.add(`${model}: its read rule has no field list and no domain: ${sorted(viaAll!).join('; ')}`);
      const domain = f ? commonLeaves(f) : [];
      if (domain.length && f!.idReads === 0 && !viaPaths) rule.domain = domain;
      else if (domain.length) {
        notes.add(
          `${model}: every search used ${JSON.stringify(domain)}, but it is not made the read rule's domain because records were also read by id${viaPaths ? ' or through a relation' : ''} (they may lie outside it); add it with --domain if they never do`,
        );
      }
      rules.push(rule);
    }
    for (const [method, fields] of f?.writes ?? []) rules.push({ model, methods: [method], fields: fieldList(fields, model, notes) });
    const whole = reach.whole.get(model) ?? new Set<string>();
    for (const method of sorted(whole)) rules.push({ model, methods: [method] });
    for (const [method, fields] of reach.lines.get(model) ?? []) {
      if (whole.has(method)) continue; // allowed on every field already
      rules.push(method === 'unlink' ? { model, methods: ['unlink'] } : { model, methods: [method], fields: fieldList(fields, model, notes) });
    }
    const byName = sorted(f?.byName ?? []);
    if (byName.length) rules.push({ model, methods: byName });
  }
  rules = addToScope([], rules);
  for (const r of rules) {
    r.methods = orderMethods(r.methods);
    if (isSensitiveModel(r.model)) notes.add(`${r.model} is a sensitive model: learning never reaches it, and its rule needs allow_sensitive: true before it does anything`);
  }

  for (const [model, missing] of pathNotes) {
    notes.add(`${model}: ${sorted(missing).join(', ')} reach other models, and no rule was made for them (${model}'s fields could not be read from Odoo, or do not hold these names)`);
  }
  for (const [label, d] of [...denied].sort(([a], [b]) => (a < b ? -1 : 1))) {
    notes.add(`refused even while learning, so left out: ${label} (${d.count} call${d.count === 1 ? '' : 's'}): ${d.reason}`);
  }
  if (odooErrors) notes.add(`${odooErrors} of the calls failed in Odoo itself; they are covered all the same`);
  for (const [label, n] of [...cut].sort(([a], [b]) => (a < b ? -1 : 1))) {
    notes.add(`${label}: ${n} call${n === 1 ? '' : 's'} named more fields, context keys or domain values than a journal line keeps (500 per list), so the rules may lack some of them, and no domain is inferred from those searches`);
  }
  const peak = Math.max(0, ...perMinute.values());
  if (calls) {
    notes.add(`calls came from ${sorted(ips).join(', ') || 'unknown addresses'}; to allow only the client's own addresses, add --ip to 'odoo-keys scope'`);
    notes.add(`at most ${peak} call${peak === 1 ? '' : 's'} in one minute; a --rate limit with room above that stops a runaway client`);
  }

  const limits: Limits = {};
  if (contextKeys.size) limits.context_keys = sorted(contextKeys);
  return {
    rules,
    limits,
    notes: [...notes],
    missing_schemas: sorted(reach.missing),
    seen: { calls, denied: deniedCount, odoo_errors: odooErrors, first, last, ips: sorted(ips), peak_per_minute: peak },
  };
}

/** Leaves every domain-carrying read call used (none when there was no search). */
function commonLeaves(f: ModelFacts): RpcValue[] {
  if (f.searchLeaves.length === 0) return [];
  let common = new Set(f.searchLeaves[0]);
  for (const s of f.searchLeaves.slice(1)) common = new Set([...common].filter((l) => s.has(l)));
  return sorted(common).map((l) => JSON.parse(l) as RpcValue);
}

const METHOD_ORDER = ['read', 'create', 'write', 'unlink', 'copy', 'load', 'web_save', 'web_save_multi', 'export_data'];

function orderMethods(methods: string[]): string[] {
  const rank = (m: string): number => (METHOD_ORDER.includes(m) ? METHOD_ORDER.indexOf(m) : METHOD_ORDER.length);
  return [...methods].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** `partner_id.country_id.code` read on crm.lead: read on res.partner (country_id), res.country (code). */
function followPath(model: string, head: string, rest: string[], reach: Reach, opts: SuggestOptions, pathNotes: Map<string, Set<string>>): void {
  const schema = opts.schema?.(model);
  if (!schema?.[head]) {
    if (!schema) reach.missing.add(model);
    addTo(pathNotes, model, [`${head}.${rest.join('.')}`]);
    return;
  }
  const comodel = schema[head]!.relation;
  if (!comodel) return; // a date part (date.year_number) or a property (props.tag): allowed with the field
  const [next, ...more] = rest;
  if (next === undefined) return;
  if (next !== 'id') addTo(reach.read, comodel, [next]);
  if (more.length) followPath(comodel, next, more, reach, opts, pathNotes);
}

/**
 * The field a path ends on, following relations from `model`: its info, the model owning it and its
 * name. Undefined when a schema is missing (noted in reach.missing) or the path does not resolve.
 */
function pathEnd(model: string, segments: string[], reach: Reach, opts: SuggestOptions): { info: FieldInfo; owner: string; field: string } | undefined {
  let current = model;
  for (let i = 0; i < segments.length; i++) {
    const schema = opts.schema?.(current);
    if (!schema) {
      reach.missing.add(current);
      return undefined;
    }
    const seg = segments[i]!;
    const info = Object.prototype.hasOwnProperty.call(schema, seg) ? schema[seg] : undefined;
    if (!info) return undefined;
    if (i === segments.length - 1) return { info, owner: current, field: seg };
    if (!info.relation) return undefined;
    current = info.relation;
  }
  return undefined;
}

/** `partner_id.parent_id` matched on any field: read with no field list on the comodel it ends on. */
function anyFieldPath(model: string, segments: string[], why: string, reach: Reach, opts: SuggestOptions, pathNotes: Map<string, Set<string>>): void {
  const end = pathEnd(model, segments, reach, opts);
  if (!end) {
    addTo(pathNotes, model, [segments.join('.')]);
    return;
  }
  // A plain field (a load column of text): no name search.
  if (!end.info.relation || !RELATIONAL.has(end.info.type)) return;
  addTo(reach.readAll, end.info.relation, [why]);
}


/** Methods whose answers carry linked records' names ([id, name]) for the fields or groups they read: specifications do not. */
function showsNames(method: string, version: number | undefined): boolean {
  const v = version ?? 19;
  if (['web_read', 'web_save', 'web_save_multi', 'web_name_search'].includes(method)) return false;
  if ((method === 'web_search_read' || method === 'onchange') && v >= 17) return false;
  return true;
}

/**
 * Related fields written (`parent_name` = parent_id.name) write the field they follow: a write rule
 * there. `creates`: the records are created, and on an `_inherits` model (product.product) the
 * parent is judged as decide judges it (RuleEval.delegatedCreate, load): records leaving the link
 * unset (`values` without it, or `unset` naming it) create the parent, with the inherited fields
 * and the parent's fields default_<field> fills (create there); under `default_<link>` records
 * leaving it out write every field of the record it names (write there without a field list);
 * records setting it (in `values`, not `empty`) write the inherited values there, as a load's rows
 * do where any row names one or updates a record (`alsoWrites`). `given`: a line's inverse field,
 * which Odoo fills (the owner is written). `noneCreated`: load rows all updating records by id.
 */
function relatedWrites(model: string, fields: string[], reach: Reach, opts: SuggestOptions, creates?: { defaults: string[]; values?: string[]; unset?: string[]; empty?: string[]; load?: boolean; given?: string; alsoWrites?: boolean; noneCreated?: boolean }): void {
  const schema = opts.schema?.(model);
  if (!schema) {
    // Its fields tell related fields and _inherits links apart: asked for.
    reach.missing.add(model);
    return;
  }
  const inParent = new Set<string>();
  if (creates && !creates.noneCreated) {
    const { links, unknown } = delegateLinks(schema, (m) => opts.schema?.(m));
    for (const u of unknown) reach.missing.add(u.parent);
    const values = creates.values ?? fields;
    for (const l of links) {
      if (creates.given === l.field) continue; // the line's owner is written
      const inValues = values.includes(l.field);
      const setSome = inValues && !(creates.empty ?? []).includes(l.field);
      const unsetSome = !inValues || (creates.unset ?? []).includes(l.field);
      if (!unsetSome) continue; // every record names its parent: the inherited values write it
      const given = l.inherited.filter((f) => fields.includes(f));
      // Where no record names a parent (and no load row updates one), nothing is written through.
      if (!setSome && !creates.alsoWrites) for (const f of given) inParent.add(f);
      // default_<link> fills the link of records leaving it out (not a load's link column's cells).
      const byDefault = creates.defaults.includes(l.field) && !(creates.load && inValues);
      if (byDefault) addTo(reach.whole, l.parent, ['write']);
      // Records leaving it out under the default write; only a record giving it false creates (the
      // journal does not tell the two apart within one vals_list: both asked for then).
      if (!byDefault || inValues) {
        const parentSchema = opts.schema?.(l.parent) ?? {};
        const defaulted = creates.defaults.filter((d) => Object.prototype.hasOwnProperty.call(parentSchema, d));
        const lines = reach.lines.get(l.parent) ?? new Map<string, Set<string>>();
        reach.lines.set(l.parent, lines);
        addTo(lines, 'create', [...given, ...defaulted]);
      }
    }
  }
  for (const f of fields) {
    if (inParent.has(f)) continue;
    const related = Object.prototype.hasOwnProperty.call(schema, f) ? schema[f]!.related : undefined;
    if (!related) continue;
    const segments = related.split('.');
    if (segments.length < 2) continue;
    const owner = pathEnd(model, segments, reach, opts)?.owner;
    if (!owner) continue;
    const lines = reach.lines.get(owner) ?? new Map<string, Set<string>>();
    reach.lines.set(owner, lines);
    addTo(lines, 'write', [segments[segments.length - 1]!]);
  }
}

/** The `_inherits` links of `model`, or none while its schema (asked for) or a parent's is missing. */
function parentLinks(model: string, reach: Reach, opts: SuggestOptions): DelegateLink[] {
  const schema = opts.schema?.(model);
  if (!schema) {
    reach.missing.add(model);
    return [];
  }
  const { links, unknown } = delegateLinks(schema, (m) => opts.schema?.(m));
  for (const u of unknown) reach.missing.add(u.parent);
  return links;
}

/** copy on an `_inherits` model copies the parent on every field (decide's copyParents): create there without a field list. */
function copyParents(model: string, reach: Reach, opts: SuggestOptions): void {
  for (const l of parentLinks(model, reach, opts)) addTo(reach.whole, l.parent, ['create']);
}

/**
 * name_create on an `_inherits` model (decide's nameCreateParents): it creates the parent on any
 * field (the name field may be inherited), or under default_<link> writes every field of the
 * record that names.
 */
function nameCreateParents(model: string, defaults: string[], reach: Reach, opts: SuggestOptions): void {
  for (const l of parentLinks(model, reach, opts)) addTo(reach.whole, l.parent, [defaults.includes(l.field) ? 'write' : 'create']);
}

/**
 * x2many commands written on `model` (`field` may be a path: commands inside the lines' values): 0
 * creates and 1 updates lines of the comodel, 2 deletes them; 3, 5 and 6 may delete one2many lines;
 * 4 and 6 on a one2many move lines here, writing their inverse field.
 */
function followCommands(model: string, x: { field: string; ops: number[]; fields: string[] }, defaults: string[], reach: Reach, opts: SuggestOptions, notes: Set<string>): void {
  const segments = x.field.split('.');
  const end = segments.length > 1 ? pathEnd(model, segments, reach, opts) : undefined;
  const owner = end?.owner ?? model;
  const field = segments[segments.length - 1]!;
  const info = segments.length > 1 ? end?.info : opts.schema?.(model)?.[field];
  if (info && !X2MANY.has(info.type)) return; // a list value of another kind of field (json...)
  const needs = (op: number): boolean => x.ops.includes(op);
  const o2m = info?.type !== 'many2many';
  const changesLines = needs(0) || needs(1) || needs(2) || (o2m && (needs(3) || needs(4) || needs(5) || needs(6)));
  if (!changesLines) return;
  if (!info?.relation) {
    if (!opts.schema?.(owner)) reach.missing.add(owner);
    notes.add(`${model}.${x.field} was written with x2many commands (${x.ops.join(', ')}) that change records of its comodel; without ${owner}'s fields no rule was made for them`);
    return;
  }
  const comodel = info.relation;
  const lines = reach.lines.get(comodel) ?? new Map<string, Set<string>>();
  reach.lines.set(comodel, lines);
  const inverse = o2m ? info.relation_field : undefined;
  if (needs(0)) {
    // default_<field> also fills the lines' fields their values leave out (not the inverse, Odoo sets it).
    const comodelSchema = opts.schema?.(comodel);
    if (defaults.length && !comodelSchema) reach.missing.add(comodel);
    const defaulted = defaults.filter((d) => d !== inverse && !!comodelSchema && Object.prototype.hasOwnProperty.call(comodelSchema, d));
    addTo(lines, 'create', [...x.fields, ...defaulted]);
  }
  if (needs(1)) addTo(lines, 'write', x.fields);
  if (needs(0)) relatedWrites(comodel, x.fields, reach, opts, { defaults, ...(inverse ? { given: inverse } : {}) });
  if (needs(1)) relatedWrites(comodel, x.fields, reach, opts);
  if (info.type === 'one2many' && (needs(4) || needs(6))) {
    if (inverse) addTo(lines, 'write', [inverse]);
    else notes.add(`${model}.${x.field}: commands 4 and 6 move ${comodel} lines, writing their inverse field, which ${owner}'s fields do not name (relation_field); add a write rule on ${comodel} for it`);
  }
  if (needs(2) || (info.type === 'one2many' && (needs(3) || needs(5) || needs(6)))) addTo(lines, 'unlink', []);
}

/** The suggestion as a scope file (YAML: rules and limits, one flow mapping per rule), the notes as comments. */
export function suggestionYaml(s: Suggestion, heading: string[] = []): string {
  const lines = heading.map((h) => `# ${h}`);
  if (s.rules.length === 0) lines.push('rules: []');
  else {
    lines.push('rules:');
    for (const r of s.rules) lines.push(`  - ${stringify(r, { collectionStyle: 'flow', lineWidth: 0, flowCollectionPadding: true }).trim()}`);
  }
  if (Object.keys(s.limits).length) lines.push(`limits: ${stringify(s.limits, { collectionStyle: 'flow', lineWidth: 0, flowCollectionPadding: true }).trim()}`);
  if (s.notes.length) {
    lines.push('# Notes:');
    // Notes quote names the learning client chose: a CR would end the comment in YAML, an escape would reach the terminal.
    for (const n of s.notes) lines.push(`# - ${printable(n.replace(/\n/g, ' '))}`);
  }
  return `${lines.join('\n')}\n`;
}
