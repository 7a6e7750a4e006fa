// The scope language's data: what a key may do, and what the engine answers about one call.
// These shapes are stored in the registry (YAML) and shared by the CLI, the proxy and `exec`.

import type { OdooCall } from '../rpc/call.js';
import type { RpcValue } from '../rpc/values.js';

/** One rule: a call is allowed when one rule allows all of it. */
export interface Rule {
  /** Exact model name or a glob (`crm.*`, `*`). Globs never reach the sensitive models. */
  model: string;
  /** Method names, or the presets `read`, `create`, `write`, `unlink`. Names starting with `_` never match. */
  methods: string[];
  /** The only fields that may be read, written, searched, grouped or ordered on. Absent: any field. */
  fields?: string[];
  /** An Odoo domain: the records the rule reaches. Searches get it ANDed in; calls on ids are checked upstream first. */
  domain?: RpcValue[];
  /** Largest number of records one search may return; a missing or larger limit is narrowed to it. */
  max_limit?: number;
  /** The operator confirmed (`--allow-sensitive`) that this rule may reach a sensitive model it names exactly. */
  allow_sensitive?: boolean;
}

/** Limits on the key as a whole. */
export interface Limits {
  /** Client addresses allowed, as CIDR (IPv4 and IPv6; IPv4-mapped IPv6 addresses match IPv4 ranges). */
  ips?: string[];
  /** When calls are allowed, e.g. `Mon-Fri 08:00-18:00 Europe/Amsterdam`. */
  hours?: string;
  /** Calls allowed per period, e.g. `60/min`, `1000/h` (a token bucket per key). */
  rate?: string;
  /** Companies reachable through `allowed_company_ids` in the context. */
  companies?: number[];
  /** Records a key may read per hour across all its searches. */
  records_per_hour?: number;
  /** Context keys allowed beyond the built-in harmless list. */
  context_keys?: string[];
}

/** What decide() needs to know about a key. */
export interface KeyScope {
  id: string;
  name: string;
  rules: Rule[];
  limits: Limits;
  /** ISO 8601 instant after which the key is dead. */
  expires?: string;
  /** Learning mode (issue 11): allowed as the upstream user may, except sensitive models; recorded. */
  learning?: boolean;
}

/** Field metadata the engine may ask for (fields_get of a model), to follow relations. */
export interface FieldInfo {
  type: string;
  /** Comodel of many2one / one2many / many2many fields. */
  relation?: string;
  /** The inverse field of a one2many. */
  relation_field?: string;
  /** For related fields, the path they follow (`partner_id.email`): writing one writes the target. */
  related?: string;
  /**
   * For computed fields, the paths they are computed from (fields_get's `depends`; empty or absent
   * for plain fields): writing one of them may change the computed field, and so whether a record
   * still matches a rule's domain that tests it.
   */
  depends?: string[];
  /**
   * fields_get's `readonly`. Odoo drops or recomputes a value written to a readonly computed field
   * (unless it has an inverse), so the engine trusts a written computed field only when this is false.
   */
  readonly?: boolean;
  /**
   * fields_get's `required` (Field._description_required). Odoo forces an `_inherits` link required,
   * which is one of the signs by which the engine recognises one (src/policy/inherits.ts).
   */
  required?: boolean;
  /**
   * fields_get's `model_field` (Many2oneReference._description_model_field): the char field holding
   * the model a many2one_reference id (`res_id`) belongs to (`res_model`, mail.message's `model`).
   */
  model_field?: string;
  /**
   * fields_get's `definition_record` and `definition_record_field` for a properties field
   * (Properties._description_definition_record..., 16-19): the many2one on the same model naming the
   * record that holds the properties' definition (crm.lead's `team_id`), and the field there holding
   * it (crm.team's `lead_properties_definition`).
   */
  definition_record?: string;
  definition_record_field?: string;
}

/** One property of a properties definition, as the engine judges values by it. */
export interface PropertyDef {
  type: string;
  /** The model a many2one / many2many property links records of. */
  comodel?: string;
}

/** A properties definition (the definition record's field, read upstream): property name -> its definition. */
export type PropertiesDefinition = Record<string, PropertyDef>;

export type ModelSchema = Record<string, FieldInfo>;

export interface DecideEnv {
  /** Client address as seen by the proxy (after trusted proxy hops). */
  ip: string;
  now: Date;
  /** Odoo major version of the upstream (16 to 19+): decides the read preset and signatures. */
  version: number;
  /**
   * The upstream user's id, which the proxy hands to clients as theirs (authenticate): a context
   * `uid` equal to it claims nobody else (res.users.context_get returns it, and scripts send it back).
   */
  upstreamUid?: number;
  /** Schemas the proxy has fetched so far (model name -> fields). */
  schema?: (model: string) => ModelSchema | undefined;
  /**
   * The model an ir.model id names (its `model` field), as the proxy has read it: the name, null
   * when no such ir.model record exists or the upstream user cannot read it, undefined when not read
   * yet (decide then asks for it with need_schema's `irModels`). A many2one_reference whose model
   * field is related to an ir.model many2one (mail.activity's res_model = res_model_id.model) is set
   * through that id.
   */
  irModelName?: (id: number) => string | null | undefined;
  /**
   * The properties definition held by record `id` of `model` in `field` (crm.team 3's
   * `lead_properties_definition`), as the proxy read it: null when it cannot be read (no such
   * record, an error), undefined when not read yet (decide then asks with need_schema's
   * `definitions`). `fresh`: read for this call, never a cached one (the current definition a
   * definition write is judged against). `within`: read only if the record lies inside that domain
   * (the written records' own rule's), else null as for a missing one.
   */
  propertiesDefinition?: (model: string, id: number, field: string, fresh?: boolean, within?: RpcValue[]) => PropertiesDefinition | null | undefined;
  /**
   * The current value of the many2one `field` on records `ids` of `model` (the records a write
   * changes), one entry per record found, in any order: an id, or false when empty. null when it
   * cannot be read; undefined when not read yet (asked with need_schema's `current`). `within`:
   * only records inside that domain are read (the others are not found), so a record outside the
   * key's domain reads as a missing one: what the proxy reads there, the key may not learn.
   */
  currentLinks?: (model: string, field: string, ids: readonly number[], within?: RpcValue[]) => (number | false)[] | null | undefined;
  /**
   * The record an external id names (`module.name`, as ir.model.data holds it: its `model` and
   * `res_id`), as the proxy looked it up for this call: null when no ir.model.data row has that
   * module and name, undefined when not looked up yet (decide then asks with need_schema's
   * `xmlids`). Never cached across calls: an external id can be pointed at another record.
   */
  externalId?: (xmlid: string) => { model: string; id: number } | null | undefined;
}

/** A check the proxy must make upstream before forwarding (decide() does no I/O). */
export type UpstreamCheck =
  | {
      kind: 'ids_in_domain';
      model: string;
      ids: number[];
      domain: RpcValue[];
      /** Why, in words, for the denial message when the check fails. */
      reason: string;
    }
  | {
      /**
       * A many2many write that replaces or clears the links of existing records (commands 5 and 6,
       * a bare list of ids, `False`): Odoo removes every current link (Many2many.write_real), so
       * every record `field` links `ids` to now must lie inside `domain`. The proxy reads the field
       * on `ids` (as Odoo's write does, `active_test` off), then counts those links on `comodel`.
       */
      kind: 'links_in_domain';
      /** The model whose records hold the many2many field. */
      model: string;
      ids: number[];
      field: string;
      comodel: string;
      domain: RpcValue[];
      reason: string;
      /**
       * When the write sets the links to exactly these ids (command 6 alone, or a bare id list):
       * only the links it changes count. Per record, the current links it leaves out are removed
       * (checked with `reason`) and the ids it names that the record lacks are added (checked with
       * `set.reason`); a link kept (read, then written back whole) is neither.
       */
      set?: {
        ids: number[];
        reason: string;
        /**
         * Per record, where records get different ids (load: each row sets the links of the record
         * its `.id` cell names): the record and the ids its row sets, a record named by several rows
         * once per row (each compared with the links read before the call, which covers every
         * step in between). `ids` is then their union.
         */
        rows?: { id: number; ids: number[] }[];
        /** The ids are added and no link is removed (load under `update_many2many`: Command.link). */
        adds?: boolean;
      };
    };

/** A rule that lets the key read `display_name` of the models it matches (see PropertyNameRedaction). */
export type NameReader = { model: string; allow_sensitive?: boolean; domain?: RpcValue[] };

/**
 * Relational values inside properties fields: each value names its comodel beside it (`{type:
 * 'many2one', comodel: 'res.partner', value: [7, 'Bob'], default: ...}`), so which names the key may
 * read is worked out per value from `readers` (propertyNameReach), where the answer is seen.
 */
export type PropertyNameRedaction = {
  kind: 'property_names';
  /** Properties fields whose many2one / many2many values (and defaults) must have names hidden. */
  fields: string[];
  /** The key's rules allowing read of display_name: those without a domain first, each group in key order. */
  readers: NameReader[];
};

/** A change the proxy applies to the answer before it reaches the client. */
export type ResultRedaction = PropertyNameRedaction | Many2oneNameRedaction;

export type Many2oneNameRedaction = {
  kind: 'many2one_names';
  /** Fields whose `[id, display_name]` pairs must have the name hidden. */
  fields: string[];
  /** The model those ids belong to (the fields' comodel). */
  comodel?: string;
  /**
   * When set, a rule lets the key read names of `comodel` records inside this domain only: the
   * proxy may count upstream which ids match and keep those names; without that check it hides all.
   */
  domain?: RpcValue[];
};

export type Decision =
  | {
      verdict: 'allow';
      /** Index of the rule that allowed the call (or -1 for calls no rule is needed for, such as learning keys). */
      rule: number;
      /** The call to forward: the client's, possibly narrowed (fields, domain, limit). */
      call: OdooCall;
      checks: UpstreamCheck[];
      redactions: ResultRedaction[];
      /** Short account of what was narrowed, for the journal (empty when nothing). */
      notes: string[];
    }
  | {
      verdict: 'deny';
      /** A sentence a person understands, naming the rule or limit. */
      reason: string;
      rule?: number;
      /** The key-level limit that refused (`expires`, `ips`, `hours`, `rate`, ...). */
      limit?: string;
      /**
       * The full reason, where `reason` (what the client is told) withholds facts the proxy read
       * upstream as the integration user that the key's rules do not let it read: what an external
       * id or an ir.model id names, a properties definition. For the journal and the operator
       * (`check`); absent when nothing is withheld.
       */
      detail?: string;
    }
  | {
      verdict: 'need_schema';
      /** Models whose fields the proxy must fetch (fields_get) before deciding again. */
      models: string[];
      /** ir.model ids whose model the proxy must look up (ir.model `model`, one search for them all) before deciding again; absent when none. */
      irModels?: number[];
      /** Properties definitions to read (`field` of record `id` of `model`, as the integration user; `fresh`: not from a cache); absent when none. */
      definitions?: { model: string; id: number; field: string; fresh?: true; within?: RpcValue[] }[];
      /** Many2one values to read on existing records (`field` of `ids` of `model`, only those inside `within`); absent when none. */
      current?: { model: string; field: string; ids: number[]; within?: RpcValue[] }[];
      /**
       * External ids (`module.name`) whose record the proxy must look up in ir.model.data (one
       * search_read for them all, `model` and `res_id`) before deciding again; absent when none.
       * Every external id the call names is asked for at once, so a call costs one look-up.
       */
      xmlids?: string[];
    };
