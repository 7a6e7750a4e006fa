// The registry's content as data: checking what came out of keys.yaml, and the lookups every
// command and the proxy share. Pure functions; the file itself is store.ts's business.
import type { KeyRecord, KeyStatus, Profile, RefusedEntries, RefusedKey, Registry } from './types.js';
import { REGISTRY_VERSION } from './types.js';
import { HASH_PATTERN, KEY_ID_PATTERN } from './keys.js';
import { NotFoundError, RegistryError } from './errors.js';
import { ScopeValidationError, validateLimits, validateRules } from '../policy/validate.js';

/** Profile and key names: they appear on command lines, in tables and as XML-RPC logins. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Fields a registry may hold. A field outside these is refused: a typo such as `expire:` must not silently drop a limit. */
export const REGISTRY_FIELDS = ['version', 'default_profile', 'profiles', 'keys'] as const;
export const PROFILE_FIELDS = ['url', 'db', 'login', 'protocol', 'preconnect', 'version', 'uid', 'key_file', 'key_source', 'keychain_account'] as const;
export const KEY_FIELDS = ['id', 'name', 'profile', 'hash', 'created', 'expires', 'revoked', 'previous', 'limits', 'rules', 'learning', 'description'] as const;

/** How soon before expiry a key shows as `expiring`. */
export const EXPIRING_SOON_MS = 7 * 86_400_000;

export function emptyRegistry(): Registry {
  return { version: REGISTRY_VERSION, profiles: {}, keys: [] };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function fail(path: string, problem: string): never {
  throw new ScopeValidationError(path, problem);
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKnown(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) fail(path ? `${path}.${k}` : k, `unknown field '${k}' (expected one of: ${allowed.join(', ')}; a typo, or a field of a newer odoo-keys)`);
  }
}

function str(v: unknown, path: string, what = 'a string'): string {
  if (typeof v !== 'string' || v === '') fail(path, `must be ${what}, not ${v === '' ? 'empty' : describe(v)}`);
  return v;
}

/** A learning key's longest life (odoo-keys learn --ttl caps it the same way). */
export const LEARNING_MAX_HOURS = 24;

/** How far ahead of this machine's clock a learning key's `created` may be (clocks drift a little). */
export const CREATED_AHEAD_MAX_MS = 5 * 60_000;

function instant(v: unknown, path: string): string {
  const s = str(v, path, 'an ISO 8601 date-time such as 2027-02-26T10:00:00Z');
  const m = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
  if (!m || Number.isNaN(Date.parse(s))) fail(path, `${JSON.stringify(s)} is not an ISO 8601 date-time such as 2027-02-26T10:00:00Z`);
  // A time without a zone would be read in each machine's own zone (a revocation hours late on
  // one of them): refused. A date alone is UTC midnight everywhere.
  if (m[4] !== undefined && m[7] === undefined) fail(path, `${JSON.stringify(s)} has no time zone: add Z (UTC) or an offset such as +01:00`);
  if (!dateExists(s)) fail(path, `${JSON.stringify(s)} is not a date that exists`);
  return s;
}

/**
 * Whether text starting `YYYY-MM-DD` names a day of the calendar: JavaScript's Date turns
 * 2027-02-30 into 2 March without a word, so a key would end, or be revoked, on another day.
 */
export function dateExists(text: string): boolean {
  const [y, mo, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, mo - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d;
}

function checkName(v: unknown, path: string, what: string): string {
  const s = str(v, path, `a ${what} name`);
  if (!NAME_PATTERN.test(s)) fail(path, `${JSON.stringify(s)} is not a valid ${what} name (letters, digits, '.', '_', '-', '@'; at most 64)`);
  return s;
}

function checkProfile(name: string, v: unknown, path: string): Omit<Profile, 'name'> {
  checkName(name, path, 'profile');
  if (!isMapping(v)) fail(path, `a profile must be a mapping with url, db and login, not ${describe(v)}`);
  onlyKnown(v, PROFILE_FIELDS, path);
  for (const f of ['url', 'db', 'login'] as const) if (!(f in v)) fail(path, `the profile needs ${f}`);
  const url = str(v.url, `${path}.url`, 'an http(s) URL');
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) fail(`${path}.url`, `${JSON.stringify(url)} is not an http(s) URL`);
  const out: Omit<Profile, 'name'> = { url, db: str(v.db, `${path}.db`), login: str(v.login, `${path}.login`) };
  if (v.protocol !== undefined) {
    if (!['auto', 'xmlrpc', 'jsonrpc', 'json2'].includes(v.protocol as string)) fail(`${path}.protocol`, `must be auto, xmlrpc, jsonrpc or json2, not ${describe(v.protocol)}`);
    out.protocol = v.protocol as Profile['protocol'];
  }
  if (v.preconnect !== undefined) {
    if (typeof v.preconnect !== 'boolean') fail(`${path}.preconnect`, `must be true or false, not ${describe(v.preconnect)}`);
    out.preconnect = v.preconnect;
  }
  if (v.version !== undefined) {
    if (typeof v.version !== 'number' || !Number.isInteger(v.version) || v.version < 1) fail(`${path}.version`, `must be an Odoo major version such as 18, not ${describe(v.version)}`);
    out.version = v.version;
  }
  if (v.uid !== undefined) {
    if (typeof v.uid !== 'number' || !Number.isSafeInteger(v.uid) || v.uid < 1) fail(`${path}.uid`, `must be a positive integer, not ${describe(v.uid)}`);
    out.uid = v.uid;
  }
  if (v.key_file !== undefined) out.key_file = str(v.key_file, `${path}.key_file`, 'a file path');
  if (v.key_source !== undefined) {
    if (!['keychain', 'env', 'file', 'none'].includes(v.key_source as string)) fail(`${path}.key_source`, `must be keychain, env, file or none, not ${describe(v.key_source)}`);
    out.key_source = v.key_source as Profile['key_source'];
  }
  if (v.keychain_account !== undefined) out.keychain_account = str(v.keychain_account, `${path}.keychain_account`, 'a keychain account name');
  return out;
}

function checkKey(v: unknown, path: string, hasProfile: (name: string) => boolean): KeyRecord {
  if (!isMapping(v)) fail(path, `a key must be a mapping, not ${describe(v)}`);
  onlyKnown(v, KEY_FIELDS, path);
  for (const f of ['id', 'name', 'profile', 'hash', 'created', 'rules'] as const) if (!(f in v)) fail(path, `the key needs ${f}`);
  if (typeof v.id !== 'string' || !KEY_ID_PATTERN.test(v.id)) {
    fail(`${path}.id`, `must be 8 lowercase hex characters in quotes, not ${describe(v.id)}`);
  }
  const key: KeyRecord = {
    id: v.id,
    name: checkName(v.name, `${path}.name`, 'key'),
    profile: str(v.profile, `${path}.profile`, 'a profile name'),
    hash: str(v.hash, `${path}.hash`, 'sha256:<64 hex>'),
    created: instant(v.created, `${path}.created`),
    rules: validateRules(v.rules ?? [], `${path}.rules`),
  };
  if (!hasProfile(key.profile)) fail(`${path}.profile`, `no profile named '${key.profile}' in profiles`);
  if (!HASH_PATTERN.test(key.hash)) fail(`${path}.hash`, 'must be sha256: followed by 64 lowercase hex characters');
  if (v.expires !== undefined && v.expires !== null) key.expires = instant(v.expires, `${path}.expires`);
  if (v.revoked !== undefined && v.revoked !== null) key.revoked = instant(v.revoked, `${path}.revoked`);
  if (v.previous !== undefined && v.previous !== null) {
    const p = v.previous;
    if (!isMapping(p)) fail(`${path}.previous`, `must be a mapping with hash and until, not ${describe(p)}`);
    onlyKnown(p, ['hash', 'until'], `${path}.previous`);
    const hash = str(p.hash, `${path}.previous.hash`, 'sha256:<64 hex>');
    if (!HASH_PATTERN.test(hash)) fail(`${path}.previous.hash`, 'must be sha256: followed by 64 lowercase hex characters');
    key.previous = { hash, until: instant(p.until, `${path}.previous.until`) };
  }
  if (v.limits !== undefined && v.limits !== null) {
    const limits = validateLimits(v.limits, `${path}.limits`);
    if (Object.keys(limits).length > 0) key.limits = limits;
  }
  if (v.learning !== undefined) {
    if (typeof v.learning !== 'boolean') fail(`${path}.learning`, `must be true or false, not ${describe(v.learning)}`);
    key.learning = v.learning;
  }
  // A learning key may do whatever the Odoo user may: it must end, within a day of its creation.
  if (key.learning) {
    if (key.expires === undefined) fail(`${path}.expires`, `a learning key must expire (at most ${LEARNING_MAX_HOURS}h after it was created); make it a scoped key with 'odoo-keys scope suggest ${key.name} --apply'`);
    if (Date.parse(key.expires) - Date.parse(key.created) > LEARNING_MAX_HOURS * 3_600_000) {
      fail(`${path}.expires`, `a learning key expires at most ${LEARNING_MAX_HOURS}h after it was created (${key.created}); make it a scoped key with 'odoo-keys scope suggest ${key.name} --apply'`);
    }
  }
  if (v.description !== undefined && v.description !== null) {
    if (typeof v.description !== 'string') fail(`${path}.description`, `must be text, not ${describe(v.description)}`);
    key.description = v.description;
  }
  return key;
}

/**
 * Checks the plain value read from keys.yaml and returns it as a Registry. Throws
 * ScopeValidationError with the path of the bad value (the store turns the path into a line).
 * `version` must be checked by the caller first (an unknown version is refused before anything).
 *
 * `perEntry` (a proxy's read): a key entry or a profile that cannot be read is set aside in
 * `refused` instead, with every key of such a profile, and the rest is returned. A proxy refuses
 * calls with those keys (fail closed) and takes every other change: a field written by a newer
 * odoo-keys, or a typo, in one entry must not hold back a revocation in another. The file's
 * own shape (version, top-level fields, profiles a mapping, keys a list) is still all or nothing.
 */
export function validateRegistry(value: unknown, perEntry = false): Registry {
  if (!isMapping(value)) fail('', `the registry must be a mapping starting with 'version: ${REGISTRY_VERSION}', not ${describe(value)}`);
  if (!('version' in value)) fail('version', `missing: the registry must start with 'version: ${REGISTRY_VERSION}'`);
  if (value.version !== REGISTRY_VERSION) fail('version', `unknown registry version ${JSON.stringify(value.version)}: this odoo-keys reads version ${REGISTRY_VERSION}`);
  onlyKnown(value, REGISTRY_FIELDS, '');
  const rawProfiles = value.profiles ?? {};
  if (!isMapping(rawProfiles)) fail('profiles', `must be a mapping of profile names, not ${describe(rawProfiles)}`);
  const rawKeys = value.keys ?? [];
  if (!Array.isArray(rawKeys)) fail('keys', `must be a list of keys, not ${describe(rawKeys)}`);
  const refused: RefusedEntries = { keys: [], profiles: [] };
  /** Runs a check; in perEntry mode a bad value is handed to `aside` (and undefined returned) instead of thrown. */
  const entry = <T>(check: () => T, aside: (e: ScopeValidationError) => void): T | undefined => {
    try {
      return check();
    } catch (e) {
      if (!perEntry || !(e instanceof ScopeValidationError)) throw e;
      aside(e);
      return undefined;
    }
  };

  const profiles: Registry['profiles'] = {};
  for (const [name, p] of Object.entries(rawProfiles)) {
    const path = /^[A-Za-z0-9_-]+$/.test(name) ? `profiles.${name}` : `profiles[${JSON.stringify(name)}]`;
    const checked = entry(() => checkProfile(name, p, path), (e) => refused.profiles.push({ name, path: e.path, problem: e.message }));
    if (checked) profiles[name] = checked;
  }
  const refusedProfile = (name: string): boolean => refused.profiles.some((p) => p.name === name);
  const hasProfile = (name: string): boolean => Object.hasOwn(profiles, name) || refusedProfile(name);
  const reg: Registry = { version: REGISTRY_VERSION, profiles, keys: [] };
  if (value.default_profile !== undefined && value.default_profile !== null) {
    const d = str(value.default_profile, 'default_profile', 'a profile name');
    if (!hasProfile(d)) fail('default_profile', `no profile named '${d}' in profiles`);
    reg.default_profile = d;
  }

  // Each entry read, or set aside; then ids and names must be unique across both.
  const entries: Array<{ key: KeyRecord } | { refused: RefusedKey }> = rawKeys.map((k, i) => {
    const path = `keys[${i}]`;
    let aside: RefusedKey | undefined;
    const key = entry(() => checkKey(k, path, hasProfile), (e) => (aside = refusedKey(k, e.path, e.message)));
    if (!key) return { refused: aside! };
    if (refusedProfile(key.profile)) return { refused: refusedKey(k, `${path}.profile`, `${path}.profile: the profile '${key.profile}' cannot be read, so neither can its keys`) };
    return { key };
  });
  const setAside = (i: number, path: string, problem: string): void => {
    const e = entries[i]!;
    if ('key' in e) entries[i] = { refused: refusedKey(rawKeys[i], path, `${path}: ${problem}`) };
  };
  const ids = new Map<string, number>();
  const names = new Map<string, number>();
  entries.forEach((e, i) => {
    const id = 'key' in e ? e.key.id : e.refused.id;
    const name = 'key' in e ? e.key.name : e.refused.name;
    const idTwice = id !== undefined ? ids.get(id) : undefined;
    if (idTwice !== undefined) {
      const problem = `the id ${id} is used twice (also keys[${idTwice}])`;
      if (!perEntry) fail(`keys[${i}].id`, problem);
      // Neither entry may be served: which one the file meant is not for the proxy to guess.
      setAside(i, `keys[${i}].id`, problem);
      setAside(idTwice, `keys[${idTwice}].id`, `the id ${id} is used twice (also keys[${i}])`);
    }
    const nameTwice = name !== undefined ? names.get(name) : undefined;
    if (nameTwice !== undefined) {
      const problem = `the name '${name}' is used twice (also keys[${nameTwice}])`;
      if (!perEntry) fail(`keys[${i}].name`, problem);
      setAside(i, `keys[${i}].name`, problem);
      setAside(nameTwice, `keys[${nameTwice}].name`, `the name '${name}' is used twice (also keys[${i}])`);
    }
    if (id !== undefined && idTwice === undefined) ids.set(id, i);
    if (name !== undefined && nameTwice === undefined) names.set(name, i);
  });
  // A name that is another key's id: `revoke <id>` (the id the journal shows) would hit the other key.
  entries.forEach((e, i) => {
    const name = 'key' in e ? e.key.name : e.refused.name;
    const j = name !== undefined ? ids.get(name) : undefined;
    if (j === undefined || j === i) return;
    const problem = `the name '${name}' is the id of keys[${j}]: a command given it could not tell them apart`;
    if (!perEntry) fail(`keys[${i}].name`, problem);
    setAside(i, `keys[${i}].name`, problem);
  });
  for (const e of entries) {
    if ('key' in e) reg.keys.push(e.key);
    else refused.keys.push(e.refused);
  }
  if (refused.keys.length || refused.profiles.length) reg.refused = refused;
  return reg;
}

/** What can be told of a key entry that cannot be read: enough to refuse it by id, and to tell its holder why. */
function refusedKey(raw: unknown, path: string, problem: string): RefusedKey {
  const out: RefusedKey = { path, problem };
  if (isMapping(raw)) {
    if (typeof raw.id === 'string' && KEY_ID_PATTERN.test(raw.id)) out.id = raw.id;
    if (typeof raw.name === 'string' && NAME_PATTERN.test(raw.name)) out.name = raw.name;
    if (typeof raw.hash === 'string' && HASH_PATTERN.test(raw.hash)) out.hash = raw.hash;
    const p = raw.previous;
    if (isMapping(p) && typeof p.hash === 'string' && HASH_PATTERN.test(p.hash) && typeof p.until === 'string' && !Number.isNaN(Date.parse(p.until))) out.previous = { hash: p.hash, until: p.until };
  }
  return out;
}

/** A key by name, or by id. */
export function findKey(reg: Registry, nameOrId: string): KeyRecord | undefined {
  return reg.keys.find((k) => k.name === nameOrId) ?? reg.keys.find((k) => k.id === nameOrId);
}

/** Text holding what looks like a key's token (`odk_<id>_`, anywhere: a pasted space before it): it may hold a secret, so it is never echoed. */
const TOKEN_LIKE = /odk_([0-9a-f]{8})_/i;

/**
 * Why `name` cannot be a new key's name, or null: not NAME_PATTERN, or holding a token (a secret
 * pasted as a name would be stored and shown, and `audit --key` could not tell it from a token).
 * The name itself is echoed only when it holds no token.
 */
export function newKeyNameProblem(name: string): string | null {
  const token = tokenGivenAsName(name);
  if (token) return token;
  if (!NAME_PATTERN.test(name)) return `'${name}' is not a valid key name (letters, digits, '.', '_', '-', '@'; at most 64)`;
  return null;
}

/** The refusal for a token given where a key's name or id is expected (its secret left out), or null. */
export function tokenGivenAsName(text: string): string | null {
  const token = TOKEN_LIKE.exec(text);
  if (!token) return null;
  const id = token[1]!.toLowerCase();
  return `that is a key's token (odk_${id}_…), a secret: give the key's name or id (${id}) instead`;
}

/**
 * A key by name or id, or a NotFoundError naming it. A token given instead (pasted by mistake)
 * is refused without its secret in the message, even when it is the key's own: taking it would
 * need its secret checked, and a name or id does the job without a secret on a command line.
 */
export function requireKey(reg: Registry, nameOrId: string): KeyRecord {
  const key = findKey(reg, nameOrId);
  if (key) return key;
  const refusal = tokenGivenAsName(nameOrId);
  if (refusal) throw new NotFoundError(refusal, 'key_not_found');
  // An entry a per-entry read set aside (validateRegistry): there, but not usable.
  const unreadable = reg.refused?.keys.find((r) => r.name === nameOrId) ?? reg.refused?.keys.find((r) => r.id === nameOrId);
  if (unreadable) throw new RegistryError(`key '${nameOrId}' cannot be read by this odoo-keys: ${unreadable.problem}`, 'registry_invalid', '', undefined, unreadable.path);
  throw new NotFoundError(`no key named '${nameOrId}' (odoo-keys list shows the keys)`, 'key_not_found');
}

/**
 * A learning key whose end is further from `now` than a learning key's whole day can be: its
 * `created` was moved ahead by hand (keeping it alive for years), or this machine's clock is behind
 * the one that ran `learn` by more than CREATED_AHEAD_MAX_MS. Refused until then (status not_yet).
 * Judged when the key is used, not when keys.yaml is read: refusing the whole file on a replica
 * whose clock is behind would hold back the changes beside it (a revocation).
 */
export function learningTooLong(key: KeyRecord, now: Date): boolean {
  return key.learning === true && key.expires !== undefined && Date.parse(key.expires) - now.getTime() > LEARNING_MAX_HOURS * 3_600_000 + CREATED_AHEAD_MAX_MS;
}

/** Where a key stands at `now`, for list and show (the proxy decides on expires/revoked itself). */
export function keyStatus(key: KeyRecord, now: Date): KeyStatus {
  const t = now.getTime();
  // Revoked whatever the time says (it is the revoking machine's clock, not this one's).
  if (key.revoked !== undefined) return 'revoked';
  if (key.expires !== undefined && Date.parse(key.expires) <= t) return 'expired';
  if (learningTooLong(key, now)) return 'not_yet';
  if (key.learning) return 'learning';
  if (key.previous !== undefined && Date.parse(key.previous.until) > t) return 'rotating';
  if (key.expires !== undefined && Date.parse(key.expires) - t <= EXPIRING_SOON_MS) return 'expiring';
  return 'active';
}

/** Whether a key accepts calls at `now` (not revoked, not expired). */
export function keyUsable(key: KeyRecord, now: Date): boolean {
  const s = keyStatus(key, now);
  return s !== 'revoked' && s !== 'expired' && s !== 'not_yet';
}

/** The named profile, or the default one (the registry's default_profile, or the only profile). */
export function resolveProfile(reg: Registry, name?: string): Profile {
  // A profile a proxy's read set aside (validateRegistry perEntry) is there, but cannot be used.
  const unreadable = (n: string): RegistryError | undefined => {
    const r = reg.refused?.profiles.find((p) => p.name === n);
    return r && new RegistryError(`the profile '${n}' cannot be read by this odoo-keys: ${r.problem}`, 'registry_invalid', '', undefined, r.path);
  };
  if (name !== undefined && name !== '') {
    const p = reg.profiles[name];
    if (!p) {
      const refused = unreadable(name);
      if (refused) throw refused;
      const known = Object.keys(reg.profiles);
      throw new NotFoundError(
        `no profile named '${name}'${known.length ? ` (profiles: ${known.join(', ')})` : ''}; create it with: odoo-keys login ${name} --url ... --db ... --user ...`,
        'profile_not_found',
      );
    }
    return { name, ...p };
  }
  const names = [...Object.keys(reg.profiles), ...(reg.refused?.profiles.map((p) => p.name) ?? [])];
  const chosen = reg.default_profile ?? (names.length === 1 ? names[0] : undefined);
  const refused = chosen !== undefined ? unreadable(chosen) : undefined;
  if (refused) throw refused;
  if (chosen === undefined || !reg.profiles[chosen]) {
    if (names.length === 0) throw new NotFoundError('no profile yet: connect to Odoo first with: odoo-keys login <profile> --url ... --db ... --user ...', 'no_profile');
    throw new NotFoundError(`no default profile: pick one with --profile (profiles: ${names.join(', ')})`, 'no_profile');
  }
  return { name: chosen, ...reg.profiles[chosen]! };
}

/**
 * Whether serve keeps a connection to the profile's Odoo open ahead of the next call: as the profile
 * says, else for https only (types.ts Profile.preconnect says why).
 */
export function preconnects(profile: Pick<Profile, 'url' | 'preconnect'>): boolean {
  return profile.preconnect ?? profile.url.startsWith('https:');
}

/**
 * preconnects for served profiles that share one origin (scheme, host, port): the pool keeps one set
 * of spares per origin, for whichever profile's call comes. A recorded setting beats the scheme's
 * default, and off beats on: who turned it off spoke for that server (an http Odoo whose prefork
 * workers would wait on spares), and the last profile served must not overrule it.
 */
export function preconnectsShared(profiles: ReadonlyArray<Pick<Profile, 'url' | 'preconnect'>>): boolean {
  const said = profiles.filter((p) => p.preconnect !== undefined);
  return said.length ? said.every((p) => p.preconnect) : profiles.every(preconnects);
}
