// The registry's data: profiles (Odoo connections) and keys (hashes and scopes, never secrets).

import type { Limits, Rule } from '../policy/types.js';

export const REGISTRY_VERSION = 1;

/** An Odoo connection. Its upstream API key lives in the OS keychain (service `odoo-keys`, account `keychain_account`), a key file or $ODOO_KEYS_UPSTREAM_KEY. */
export interface Profile {
  name: string;
  url: string;
  db: string;
  login: string;
  /** Upstream protocol: 'auto' picks JSON-2 for JSON-2 clients on Odoo 19+, else the client's own. */
  protocol?: 'auto' | 'xmlrpc' | 'jsonrpc' | 'json2';
  /**
   * Keep a connection to this Odoo open ahead of the next call (upstream/wire.ts openAhead). Unset:
   * on for https (a front server ends TLS, Odoo itself does not), off for http (it may be Odoo
   * itself, whose prefork workers each wait up to 2 s on an open connection for its request).
   */
  preconnect?: boolean;
  /** Odoo major version seen at login (from common.version). */
  version?: number;
  /** uid of the login, from authenticate at login time. */
  uid?: number;
  /**
   * Where the upstream key comes from (never the key itself): the OS keychain, $ODOO_KEYS_UPSTREAM_KEY,
   * or key_file; `none` once `logout` removed it from the keychain (until the next `login`).
   */
  key_source?: 'keychain' | 'env' | 'file' | 'none';
  /** Absolute path of a file (mode 0600) holding the upstream key, for machines without a keychain. */
  key_file?: string;
  /**
   * The OS keychain account holding the key (service `odoo-keys`), recorded by `login`:
   * `<profile>:<16 hex>`, unique to this registry, because two registries on one machine may both
   * have a profile `prod`. Absent on profiles stored before it existed: their key is under the bare
   * profile name. Also kept after a switch to a file or the variable when the old entry could not
   * be deleted, so that `logout` tries again.
   */
  keychain_account?: string;
}

export interface KeyRecord {
  /** Public id: appears in `odk_<id>_<secret>` and in the journal. 8 lowercase hex characters. */
  id: string;
  name: string;
  profile: string;
  /** `sha256:<hex>` of the secret part. */
  hash: string;
  /** ISO 8601. */
  created: string;
  expires?: string;
  /** When `revoke` ran (ISO 8601). Set at all, the key is dead, whatever the time says. */
  revoked?: string;
  /** The secret before the last rotation, valid until `until`. */
  previous?: { hash: string; until: string };
  limits?: Limits;
  rules: Rule[];
  /** Learning mode (issue 11). */
  learning?: boolean;
  /** Free text for the operator. */
  description?: string;
}

export interface Registry {
  version: number;
  /** Name of the default profile (the first one created, unless changed). */
  default_profile?: string;
  profiles: Record<string, Omit<Profile, 'name'>>;
  keys: KeyRecord[];
  /**
   * Entries a proxy could not read and refuses while the rest is in force (only from a read for
   * serving, `perEntry`; a command that writes keys.yaml refuses the whole file instead).
   */
  refused?: RefusedEntries;
}

/** A key entry (or its profile) this odoo-keys cannot read: calls with it are refused. */
export interface RefusedKey {
  /** Its id, when that much could be read (else no token can name it: it is an unknown key anyway). */
  id?: string;
  name?: string;
  /** Its hash when readable: a caller holding the secret is told why, others get "invalid key". */
  hash?: string;
  /** A rotation's old secret, when readable: its holders too are told why (and not counted as guessing). */
  previous?: { hash: string; until: string };
  /** Where and what, e.g. `keys.yaml:14: keys[3].expire: unknown field 'expire' ...` (for the log, not the client). */
  problem: string;
  /** The field path alone (`keys[3].expire`), for the journal: the problem may quote a value of keys.yaml. */
  path: string;
}

export interface RefusedProfile {
  name: string;
  problem: string;
  path: string;
}

export interface RefusedEntries {
  keys: RefusedKey[];
  profiles: RefusedProfile[];
}

/** A key's status as shown by `list` and `show`. */
/** not_yet: a learning key whose end is more than its day away (see learningTooLong): refused until then. */
export type KeyStatus = 'active' | 'expiring' | 'expired' | 'revoked' | 'rotating' | 'learning' | 'not_yet';
