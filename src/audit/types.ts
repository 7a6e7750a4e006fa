// The journal's data: one entry per call through a proxy. Never a secret, never field values.

export type JournalProto = 'xmlrpc' | 'jsonrpc' | 'json2';
export type JournalDecision = 'allow' | 'deny';
/**
 * ok: Odoo answered normally. odoo_error: Odoo answered with an error (access, validation, ...).
 * upstream_error: Odoo could not be reached or answered garbage. denied: the scope refused the call.
 * rejected: the call never got as far as a decision (unknown or dead key, malformed request, journal down).
 */
export type JournalOutcome = 'ok' | 'odoo_error' | 'upstream_error' | 'denied' | 'rejected';

/** Who ran a temporary key minted by `odoo-keys exec`. */
export interface TemporaryRun {
  user: string;
  host: string;
  cwd: string;
  /** The command line as typed (the secret is never part of it: exec passes the key in the environment). */
  command: string;
}

/** A constant a learning key's domain leaf compared with (see `domain_leaves`). */
export type JournalConstant = string | number | boolean | null | Array<string | number | boolean | null>;
export type JournalDomainLeaf = [path: string, operator: string, value: JournalConstant];
export interface JournalX2many {
  field: string;
  /** Command numbers used (0 create, 1 update, 2 delete, 3 unlink, 4 link, 5 clear, 6 set). */
  ops: number[];
  /** Fields given in the values of commands 0 and 1. */
  fields: string[];
}

/** What the proxy hands to `journal.append` for one call. */
export interface JournalInput {
  /** ISO 8601 UTC; when the call finished. Default: the journal's clock at append time. */
  ts?: string;
  /** The key's public id, or null when the key presented was unknown or malformed. */
  key: string | null;
  /** The key's name (null when the key was unknown). */
  name?: string | null;
  profile?: string;
  /** Client address. */
  ip?: string;
  proto: JournalProto;
  /** For calls that are not object calls: the service and function, e.g. 'common' / 'authenticate'. */
  service?: string;
  function?: string;
  model?: string;
  method?: string;
  /** Record ids the call named (never values). */
  ids?: number[];
  /** Names of the fields written (create/write values, load columns), never their values. */
  fields?: string[];
  // What `odoo-keys scope suggest` learns from, journaled for learning keys only (issue 11):
  /** Fields the call reads (field lists, specifications, export paths); `*` when it reads every field. */
  read_fields?: string[];
  /** Field paths the call searches, orders or groups on (domain leaves, `order`, `groupby`, aggregates). */
  search_fields?: string[];
  /**
   * Leaves ANDed at the top of the call's search domain whose value is a plain constant: a boolean,
   * null, a number, or a short lowercase code such as a selection value (`opportunity`). Leaves with
   * any other value (names, e-mail addresses, dates, free text) are never recorded.
   */
  domain_leaves?: JournalDomainLeaf[];
  /** Context keys the call sent beyond lang, tz and bin_size (names only). */
  context_keys?: string[];
  /**
   * x2many fields written with commands: the command numbers and the fields of the lines they create
   * or update. Commands inside those lines' values name their field by its path (`child_ids.category_id`);
   * a bare list of ids counts as command 6, load's line columns (`order_line/product_id`) as command 0.
   */
  x2many?: JournalX2many[];
  /**
   * Paths whose records the call may match on ANY field (a name search): a display_name leaf (the
   * path to its owner), child_of / parent_of, and, when the path turns out to end on a relation, text
   * compared with it (`partner_id ilike 'azure'`) or a load column naming records. `id` is the call's
   * own model. The journal has no schema: `scope suggest` keeps the paths that end on relations.
   * Added after the first learning journals: a line without it is read as having none.
   */
  any_field?: string[];
  /**
   * Of `fields`, those some record the call creates (create, web_save without ids, load rows)
   * leaves unset: out of its values, a value Python reads as false, a load cell naming nothing.
   * `scope suggest` reads from them whether records of an `_inherits` model named their parent.
   * Added after the first learning journals: a line without them is read as every record setting
   * every field it names.
   */
  unset_fields?: string[];
  /** Of `unset_fields`, those no record sets. */
  empty_fields?: string[];
  decision: JournalDecision;
  /** Index of the rule that allowed (or, for learning keys, would have allowed) the call. */
  rule?: number;
  /** The key limit that denied the call: 'expires', 'ips', 'hours', 'rate', ... */
  limit?: string;
  /** Why the call was denied or rejected, in words (no secret, no field value): what the client was told. */
  reason?: string;
  /**
   * The full reason, where `reason` withholds facts the proxy read upstream as the integration user
   * that the key may not read (what an external id or an ir.model id names, a properties
   * definition): for the administrator. Added later: older lines never have it.
   */
  detail?: string;
  outcome: JournalOutcome;
  /** Odoo's exception name and message, for odoo_error / upstream_error. */
  error?: { name: string; message: string };
  /** Ids of the records a create made. */
  result_ids?: number[];
  /** Duration of the call in milliseconds, from arrival to the end of the answer. */
  ms?: number;
  bytes_in?: number;
  bytes_out?: number;
  /** What the scope changed on the way through (a domain ANDed in, a limit narrowed, ...). */
  notes?: string[];
  /**
   * How many items a list member left out, by member name (`ids`, `result_ids`, `fields`, ...;
   * `x2many.fields` for the lists inside x2many): a line lists at most 1000 record ids and 500
   * names per list. Absent when nothing was left out. A report counts `ids.length + more.ids`.
   */
  more?: Record<string, number>;
  /** Set for the temporary keys of `odoo-keys exec`. */
  temporary?: TemporaryRun;
  /** The key is in learning mode: the call was allowed without a rule. */
  learning?: boolean;
  /** The caller used the key's previous secret, in the grace period of a `rotate --grace`. */
  previous_secret?: boolean;
}

/**
 * Lines that are not calls: an `odoo-keys exec` run's start and end. They have no proto,
 * decision or outcome (an older reader sees them as calls: see docs/audit.md), and every reader
 * of the journal checks `event` before treating a line as a call.
 */
export type JournalEvent = 'exec_start' | 'exec_end';

/** An exec run's start: what the temporary key may do and until when. Names only, never a value. */
export interface ExecStartInfo {
  /** When the key stops working (the TTL, or --key's own expiry if earlier), ISO 8601 UTC. */
  expires: string;
  /** The TTL asked for, in ms. */
  ttl_ms: number;
  /** The rules in compact form (`res.partner:read(name,email)`); a domain is named by its fields only. */
  scope: string[];
  /** The limits on the key (`rate 30/min`, `hours Mon-Fri 08:00-18:00 Europe/Amsterdam`). */
  limits?: string[];
  /** --key NAME: the key the scope came from. */
  from_key?: { id: string; name: string };
  /** With --key, the flags' scope every call must pass as well. */
  narrowed_by?: string[];
  /** The key is in learning mode (a learning --key). */
  learning?: boolean;
  /** --kill-on-expiry. */
  kill_on_expiry?: boolean;
}

/** How an exec run ended. */
export interface ExecEndInfo {
  /** exited: the command exited; signal: a signal ended it; not_started: it could not be started. */
  how: 'exited' | 'signal' | 'not_started';
  /** exec's exit code (the command's own, 128 + n for a signal, 126/127 when it could not start). */
  exit_code: number;
  /** The signal that ended the command. */
  signal?: string;
  /** Why the command could not be started (`command_not_found`, `command_not_executable`). */
  problem?: string;
  /** The key expired (its TTL, or --key's own expiry) while the command ran. */
  ttl_expired?: boolean;
  /** --key NAME was revoked or removed while the command ran. */
  revoked?: boolean;
  /** exec stopped the command because the key died (--kill-on-expiry). */
  killed_on_expiry?: boolean;
  /** The first signal exec itself received while the command ran (SIGINT, SIGTERM, SIGHUP). */
  interrupted?: string;
  /** Calls journaled under the temporary key in this run, and how many of them were denied or rejected. */
  calls: number;
  denied: number;
  /** From the start line to the end line, in ms. */
  ms: number;
}

/** What exec hands to `journal.append` for a run's start or end. */
export interface JournalEventInput {
  ts?: string;
  event: JournalEvent;
  /** The temporary key's id and name. */
  key: string;
  name: string;
  profile?: string;
  exec: ExecStartInfo | ExecEndInfo;
  temporary: TemporaryRun;
}

/**
 * One line of the journal as written: the input plus its place in the hash chain. A line with
 * `event` is not a call (see JournalEvent): it has `exec` and no proto, decision or outcome.
 */
export interface JournalEntry extends JournalInput {
  /** Set on the lines that are not calls (an exec run's start and end). */
  event?: JournalEvent;
  /** With `event`: the run's start or end. */
  exec?: ExecStartInfo | ExecEndInfo;
  ts: string;
  /** 1, 2, 3, ... per chain (one chain per journal folder and replica), across daily files and restarts. */
  seq: number;
  /** `hash` of the line before (64 zeros for the first line ever written). */
  prev: string;
  /** SHA-256 (hex) of this line's own text without its `hash` member. */
  hash: string;
}
