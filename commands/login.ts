import { Args, Flags } from '../src/cli/oclif.js';
import { resolve } from 'node:path';
import { RegistryCommand } from './shared/registry-command.js';
import { CliError, EXIT, usageError } from '../src/cli/errors.js';
import { interactive, valueOrAsk } from '../src/cli/tty.js';
import { NAME_PATTERN, preconnects } from '../src/registry/registry.js';
import type { Profile } from '../src/registry/types.js';
import {
  probeKeychain,
  readKeyFile,
  storeUpstreamKey,
  cleanKeyText,
  deleteKeychainAccount,
  keychainAccountOf,
  keychainRead,
  newKeychainAccount,
  UPSTREAM_KEY_ENV,
  KEYCHAIN_SERVICE,
} from '../src/secrets/index.js';
import { checkConnection, clientProtocolOf, UpstreamError } from '../src/upstream/client.js';

export interface LoginResult {
  profile: string;
  url: string;
  db: string;
  login: string;
  verified: boolean;
  uid: number | null;
  version: number | null;
  /** The protocol recorded in the profile (null: none, which is auto): what serve and the other commands use toward this Odoo. */
  protocol: NonNullable<Profile['protocol']> | null;
  /** Whether serve keeps a connection to this Odoo open ahead of the next call: as recorded, else on for https. */
  preconnect: boolean;
  key_source: 'keychain' | 'env' | 'file';
  key_file: string | null;
  /** The OS keychain account (service odoo-keys) holding the key, when key_source is keychain. */
  keychain_account: string | null;
  default: boolean;
  /** What could not be cleaned up (an old keychain entry), said on stderr too. */
  warnings: string[];
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function normaliseUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw usageError(`--url: '${text}' is not a URL (e.g. https://acme.odoo.com)`, 'bad_url');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw usageError(`--url: '${text}' must start with https:// or http://`, 'bad_url');
  if (u.username || u.password) throw usageError('--url: leave credentials out of the URL', 'bad_url');
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

export default class Login extends RegistryCommand {
  static override summary = 'Store an Odoo connection (url, db, login) and its upstream API key.';
  static override description = `Checks the connection with common.version and authenticate over XML-RPC (unless --no-verify; with --protocol json2 over JSON-2, then the key's user must have the --user login; an Odoo 19+ whose XML-RPC answers 404 is checked over JSON-2 and the profile records protocol json2), stores url, db and login in keys.yaml and the API key in the OS keychain (service ${KEYCHAIN_SERVICE}, account <profile>:<random id>, recorded in keys.yaml as keychain_account so that two registries on one machine never share an entry). The key is asked for on a terminal or read with --upstream-key-stdin, never given as a flag value. Without a keychain (headless servers, CI) keep it in a file with mode 0600 (--upstream-key-file) or in $${UPSTREAM_KEY_ENV}. The first profile becomes the default.`;
  static override examples = [
    '<%= config.bin %> login prod --url https://acme.odoo.com --db acme --user integration@acme.com',
    'printf %s "$KEY" | <%= config.bin %> login prod --url https://acme.odoo.com --db acme --user integration@acme.com --upstream-key-stdin',
    '<%= config.bin %> login prod --url https://acme.odoo.com --db acme --user integration@acme.com --upstream-key-file /etc/odoo-keys/prod.key',
    '<%= config.bin %> login prod --url https://acme.odoo.com --db acme --user integration@acme.com --protocol json2',
  ];

  static override args = {
    profile: Args.string({ description: 'profile name (default: --profile, else the default profile, else "default")' }),
  };

  static override flags = {
    url: Flags.string({ description: 'Odoo address, e.g. https://acme.odoo.com' }),
    db: Flags.string({ description: 'database name' }),
    user: Flags.string({ description: 'login of the integration user', aliases: ['login'] }),
    'upstream-key-stdin': Flags.boolean({ description: 'read the API key from standard input', default: false, exclusive: ['upstream-key-file'] }),
    'upstream-key-file': Flags.string({ description: 'file (mode 0600) holding the API key, used instead of the keychain; its path is recorded, not the key' }),
    protocol: Flags.string({
      description:
        "how odoo-keys talks to this Odoo, recorded in the profile: 'auto' (XML-RPC for login, create, check and audit; serve carries each client in its own protocol) or 'json2' (everything over JSON-2, for an Odoo without XML-RPC and JSON-RPC; Odoo 19+); 'xmlrpc' and 'jsonrpc' name the commands' protocol. Default: the one recorded, else auto, switched to json2 when XML-RPC answers 404 on Odoo 19+",
      options: ['auto', 'xmlrpc', 'jsonrpc', 'json2'],
    }),
    preconnect: Flags.boolean({
      description:
        'keep a connection to this Odoo open ahead of the next call, recorded in the profile (Odoo closes each after its answer, so every call pays the TCP and TLS set-up). Default: the one recorded, else on for https, off for http (an http URL may be Odoo itself, whose prefork workers each wait up to 2 s on an open connection)',
      allowNo: true,
    }),
    verify: Flags.boolean({ description: 'check url, db, login and key against Odoo (--no-verify skips)', default: true, allowNo: true }),
    default: Flags.boolean({ description: 'make this the default profile', default: false }),
  };

  async run(): Promise<LoginResult> {
    const { args, flags } = await this.parse(Login);
    const store = this.storeFor(flags.home);
    const before = await store.read();
    const name = args.profile ?? flags.profile ?? before.default_profile ?? 'default';
    if (!NAME_PATTERN.test(name)) throw usageError(`'${name}' is not a valid profile name (letters, digits, '.', '_', '-', '@')`, 'bad_name');
    const existing = before.profiles[name];
    const { input, password } = await import('@inquirer/prompts');

    const url = normaliseUrl(await valueOrAsk(flags.url ?? existing?.url, '--url', () => input({ message: 'Odoo URL (e.g. https://acme.odoo.com):', required: true })));
    const db = (await valueOrAsk(flags.db ?? existing?.db, '--db', () => input({ message: 'Database:', required: true }))).trim();
    const login = (await valueOrAsk(flags.user ?? existing?.login, '--user', () => input({ message: 'Login of the integration user:', required: true }))).trim();
    if (!db) throw usageError('--db must not be empty', 'missing_flag');
    if (!login) throw usageError('--user must not be empty', 'missing_flag');

    // Where the key comes from, and where it will live. The keychain is proven before a key is
    // asked for, so nobody types a key that then has nowhere to go.
    let source: LoginResult['key_source'];
    let keyFile: string | undefined;
    if (flags['upstream-key-file']) {
      keyFile = resolve(flags['upstream-key-file']);
      source = 'file';
    } else if (flags['upstream-key-stdin']) source = 'keychain';
    else if (cleanKeyText(process.env[UPSTREAM_KEY_ENV] ?? '') !== '') source = 'env';
    else if (interactive()) source = 'keychain';
    else {
      throw usageError(
        `missing the upstream API key (no terminal to ask on): pipe it with --upstream-key-stdin, give --upstream-key-file PATH (mode 0600), or set ${UPSTREAM_KEY_ENV}`,
        'missing_flag',
      );
    }
    if (source === 'keychain') {
      const probe = await probeKeychain();
      if (!probe.ok) {
        throw new CliError(
          `no OS keychain is usable here (${probe.reason}). On a machine without one, keep the key in a file only you can read and pass --upstream-key-file PATH (chmod 600 PATH), or set ${UPSTREAM_KEY_ENV} where odoo-keys runs`,
          'keychain_unavailable',
          EXIT.UPSTREAM,
        );
      }
    }
    let key: string;
    if (keyFile) key = await readKeyFile(keyFile);
    else if (source === 'env') key = cleanKeyText(process.env[UPSTREAM_KEY_ENV]!);
    else if (flags['upstream-key-stdin']) {
      key = cleanKeyText(await readAllStdin());
      if (!key) throw usageError('--upstream-key-stdin: standard input was empty', 'missing_flag');
    } else {
      key = cleanKeyText(await password({ message: `API key of ${login}:`, mask: '*' }));
      if (!key) throw usageError('no API key given', 'missing_flag');
    }

    // The protocol given, else the one recorded (a re-login keeps it, as it keeps the url).
    let protocol = (flags.protocol as Profile['protocol']) ?? existing?.protocol;
    let uid: number | undefined;
    let version: number | undefined;
    const warnings: string[] = [];
    const notes: string[] = [];
    if (flags.verify) {
      // Only an unnamed protocol falls back: one the admin gave, now or at an earlier login, is
      // what they asked for (one 404 from a reverse proxy must not switch a profile for good).
      const check = await checkConnection({ url, db, login, key, protocol: clientProtocolOf(protocol), fallback: flags.protocol === undefined && existing?.protocol === undefined }).catch((err: unknown) => {
        // The protocol was named, so nothing fell back: say what would work on an Odoo without XML-RPC.
        if (err instanceof UpstreamError && err.kind === 'http' && err.details.status === 404 && clientProtocolOf(protocol) !== 'json2') {
          throw new CliError(`${err.message}; an Odoo 19+ with XML-RPC and JSON-RPC switched off needs --protocol json2`, 'upstream_error', EXIT.UPSTREAM);
        }
        throw err;
      });
      if (check.uid === false) throw new CliError(`Odoo at ${url} refused login '${login}' on database '${db}' with this API key`, 'upstream_refused', EXIT.UPSTREAM);
      uid = check.uid;
      version = check.version;
      if (check.fellBack) {
        protocol = 'json2';
        notes.push(`${check.fellBack}: this Odoo has no XML-RPC, so the profile records protocol json2 (serve and the other commands talk JSON-2 to it)`);
      }
      if (check.loginUnchecked) {
        warnings.push(`JSON-2 identifies the user by the key alone, and this key may not read its user's login (${check.loginUnchecked}): uid ${uid} was NOT checked to be '${login}'`);
      }
    }

    // The keychain entry is this registry's own: an account recorded at an earlier login, or a new
    // random one. The account of a profile stored before accounts were recorded is the bare
    // profile name, which any other registry on this machine with a profile of that name shares;
    // its entry is moved (stored anew, then deleted) below.
    const previousAccount = existing ? keychainAccountOf({ name, ...existing }) : undefined;
    // An account recorded as the bare name itself is the shared one, not this registry's own.
    const ownAccount = existing?.keychain_account !== undefined && existing.keychain_account !== name ? existing.keychain_account : undefined;
    const account = source === 'keychain' ? (ownAccount ?? newKeychainAccount(name)) : undefined;
    if (account !== undefined) await storeUpstreamKey({ name, keychain_account: account }, key);
    // The entry the profile leaves behind (a move to a new account, or to a key file or the variable).
    let leftover = previousAccount !== undefined && previousAccount !== account ? previousAccount : undefined;
    // An entry under the bare profile name is shared by every registry on this machine with a
    // profile of that name (older versions): it is ours to remove only when it holds the key just
    // given. Another key there may be another registry's, whose Odoo would then lose its key.
    if (leftover !== undefined && leftover === name) {
      // Unreadable (no keychain here, say): not known to be ours, so left alone too.
      const held = await keychainRead(leftover).then(
        (v) => v,
        () => undefined,
      );
      if (held === undefined) {
        warnings.push(`left the OS keychain entry of the bare name '${leftover}' (service ${KEYCHAIN_SERVICE}) alone: the keychain could not be read here to tell whether it holds this registry's key; older versions shared it with every registry on this machine that has a profile '${name}'`);
        leftover = undefined;
      } else if (held !== null && held !== key) {
        warnings.push(
          `left the OS keychain entry of the bare name '${leftover}' (service ${KEYCHAIN_SERVICE}) alone: it holds another key than the one given, and older versions shared it with every registry on this machine that has a profile '${name}'; if none other does, remove it with the keychain tool`,
        );
        leftover = undefined;
      }
    }

    let makeDefault: boolean;
    let preconnect: boolean | undefined;
    try {
      makeDefault = await store.update((reg) => {
        const profile: Omit<Profile, 'name'> = { url, db, login, key_source: source };
        const prev = reg.profiles[name];
        // Recorded as given or found; else as it is in the file now.
        const recorded = flags.protocol !== undefined || protocol !== existing?.protocol ? protocol : prev?.protocol;
        if (recorded) profile.protocol = recorded;
        protocol = recorded;
        preconnect = flags.preconnect ?? prev?.preconnect;
        if (preconnect !== undefined) profile.preconnect = preconnect;
        if (flags.verify) {
          if (version !== undefined) profile.version = version;
          profile.uid = uid;
        } else if (prev && prev.url === url && prev.db === db && prev.login === login) {
          if (prev.version !== undefined) profile.version = prev.version;
          if (prev.uid !== undefined) profile.uid = prev.uid;
        }
        if (keyFile) profile.key_file = keyFile;
        if (account !== undefined) profile.keychain_account = account;
        // Recorded until the old entry is gone, so that logout can still find it; never the bare
        // name, which another registry may use (a later login would write into it).
        else if (leftover !== undefined && leftover !== name) profile.keychain_account = leftover;
        reg.profiles[name] = profile;
        if (flags.default || !reg.default_profile || !reg.profiles[reg.default_profile]) reg.default_profile = name;
        return reg.default_profile === name;
      });
    } catch (err) {
      // A new entry nobody records would linger: take it back (the old one is untouched).
      if (account !== undefined && account !== existing?.keychain_account) await deleteKeychainAccount(account).catch(() => undefined);
      throw err;
    }

    if (leftover !== undefined) {
      let removed = false;
      try {
        await deleteKeychainAccount(leftover);
        removed = true;
      } catch (err) {
        warnings.push(
          `the OS keychain could not be cleared of the old upstream key of ${name}, if any (service ${KEYCHAIN_SERVICE}, account ${leftover}): ${(err as Error).message}; ` +
            (account === undefined ? `odoo-keys logout ${name} removes it once the keychain works` : 'remove it with the keychain tool'),
        );
      }
      if (removed && account === undefined) {
        await store.update((reg) => {
          const p = reg.profiles[name];
          if (p?.keychain_account === leftover) delete p.keychain_account;
        });
      }
    }

    const result: LoginResult = {
      profile: name,
      url,
      db,
      login,
      verified: flags.verify,
      uid: uid ?? null,
      version: version ?? null,
      protocol: protocol ?? null,
      preconnect: preconnects({ url, ...(preconnect === undefined ? {} : { preconnect }) }),
      key_source: source,
      key_file: keyFile ?? null,
      keychain_account: account ?? null,
      default: makeDefault,
      warnings,
    };
    const where =
      source === 'keychain'
        ? `in the OS keychain (service ${KEYCHAIN_SERVICE}, account ${account})`
        : source === 'file'
          ? `read from ${keyFile} when needed`
          : `read from $${UPSTREAM_KEY_ENV} when needed (set it wherever odoo-keys runs)`;
    this.log(
      `Profile ${name}${makeDefault ? ' (default)' : ''}: ${url} database ${db} as ${login}` +
        (flags.verify ? ` (uid ${uid}${version ? `, Odoo ${version}` : ''}${protocol === 'json2' ? ', over JSON-2' : ''})` : ' (not verified)'),
    );
    for (const n of notes) this.log(n);
    this.log(`The upstream API key is ${where}; keys.yaml records only where it is.`);
    for (const w of warnings) this.logToStderr(`odoo-keys: warning: ${w}`);
    return result;
  }
}
