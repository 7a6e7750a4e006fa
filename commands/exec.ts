import { Flags } from '../src/cli/oclif.js';
import { RegistryCommand } from './shared/registry-command.js';
import { CliError, EXIT, usageError } from '../src/cli/errors.js';
import { parseDuration } from '../src/cli/time.js';
import { keyStatus, requireKey, resolveProfile } from '../src/registry/registry.js';
import { mintKey } from '../src/registry/keys.js';
import { configHome, stateHome } from '../src/registry/paths.js';
import { addToScope } from '../src/policy/compact.js';
import type { Limits, Rule } from '../src/policy/types.js';
import { createLogger, isLogLevel } from '../src/proxy/log.js';
import { StartupError } from '../src/proxy/runtime.js';
import { JournalError } from '../src/audit/journal.js';
import { enclosingExec, WITHHELD_VARIABLES } from '../src/exec/environment.js';
import { temporaryKeyName, temporaryLiveKey, type FlagScope, type TemporaryIdentity } from '../src/exec/key.js';
import { findCommand, type CommandProblem } from '../src/exec/process.js';
import { runExec, temporaryOrigin } from '../src/exec/run.js';
import { dryRunText, dryRunView, type DryRunView } from '../src/exec/view.js';
import { applyAllowSensitive, limitFlags, limitsFromFlags, readScopeFile, ruleFlags, rulesFromRuleFlags, rulesFromScopeFlags } from './shared/scope-input.js';
import { methodTypoWarnings } from './shared/model-check.js';
import { join } from 'node:path';

// exec's callers are always 127.0.0.1 (the proxy listens there only), so --ip would deny
// everything; --ttl takes the place of --expires.
const { hours, rate } = limitFlags;

export default class Exec extends RegistryCommand {
  static override summary = 'Run one command under a temporary key that dies when the command ends or the TTL runs out.';
  static override description = `Starts the proxy on 127.0.0.1 (a free port) inside this process, holding a temporary key in memory only (never in keys.yaml), and runs the command with ODOO_URL, ODOO_DB/ODOO_DATABASE, ODOO_USERNAME/ODOO_USER, ODOO_PASSWORD/ODOO_API_KEY (the temporary key), ODOO_KEYS_EXPIRES_AT and ODOO_KEYS_EXEC set (variables of those names already set are replaced). The scope comes from the flags, or from an existing key (--key), narrowed further by any flags. Standard input, output and error are the command's; SIGINT, SIGTERM and SIGHUP are forwarded; exec exits with the command's exit code, 128 + the signal's number when a signal ended it, 127 when the command is not found and 126 when it cannot be run. Put the command after --.`;
  static override usage = ['exec [--key NAME] [SCOPE FLAGS] [--ttl 15m] [--kill-on-expiry] [--allow-nested] [--dry-run] -- COMMAND [ARGS...]'];
  static override examples = [
    "<%= config.bin %> exec --scope 'res.partner:read(name,email)' --scope 'crm.lead:create' --ttl 15m -- python3 import.py leads.csv",
    '<%= config.bin %> exec --key nightly-sync --model res.partner --method read -- ./sync.sh',
    "<%= config.bin %> exec --model crm.lead --method read --ttl 5m --kill-on-expiry -- node report.js",
    "<%= config.bin %> exec --scope 'crm.lead:read' --dry-run -- python3 import.py",
  ];

  static override flags = {
    key: Flags.string({ description: "an existing key (name or id) whose scope the temporary key takes; scope flags narrow it further", helpGroup: 'SCOPE' }),
    ...ruleFlags,
    scope: Flags.string({ description: "a rule in the compact form 'model:methods(fields)', e.g. 'crm.lead:read,write(stage_id)' (repeatable)", multiple: true, helpGroup: 'SCOPE' }),
    'scope-file': Flags.string({ description: 'YAML file with a list of rules (or rules: and limits:)', helpGroup: 'SCOPE' }),
    hours,
    rate,
    ttl: Flags.string({ description: 'how long the temporary key lives', default: '15m' }),
    'kill-on-expiry': Flags.boolean({ description: 'when the key expires, send the command SIGTERM, then SIGKILL after --kill-grace', default: false }),
    'kill-grace': Flags.string({ description: 'with --kill-on-expiry: time between SIGTERM and SIGKILL', default: '10s' }),
    'allow-nested': Flags.boolean({ description: 'run even under another odoo-keys exec (its variables are replaced)', default: false }),
    'dry-run': Flags.boolean({ description: 'show the scope and the variables (the key masked) and run nothing', default: false }),
    'audit-dir': Flags.string({ description: 'journal folder (default: $XDG_STATE_HOME/odoo-keys/journal, as serve)' }),
    'log-level': Flags.string({ description: "the proxy's own log lines on stderr: debug, info, warn or error", default: 'warn' }),
  };

  async run(): Promise<DryRunView | undefined> {
    // The command is everything after the first `--`, taken as typed: oclif must not read its
    // flags as exec's, and its own argv handling reorders repeated values.
    // (parse() replaces this.argv with what it was given, so the whole line is kept first.)
    const argv = [...this.argv];
    const dashDash = argv.indexOf('--');
    const { flags } = await this.parse(Exec, dashDash < 0 ? argv : argv.slice(0, dashDash));
    if (dashDash < 0) throw usageError("missing the command: put it after '--', e.g. odoo-keys exec --scope 'res.partner:read' -- python3 import.py", 'missing_command');
    const [command, ...commandArgs] = argv.slice(dashDash + 1);
    if (command === undefined || command === '') throw usageError("missing the command after '--'", 'missing_command');

    const outer = enclosingExec(process.env);
    if (outer && !flags['allow-nested']) {
      throw new CliError(
        `already running under odoo-keys exec (temporary key ${outer}): a nested exec would replace its variables with a new key; pass --allow-nested to do that`,
        'nested_exec',
        EXIT.USAGE,
      );
    }
    if (!isLogLevel(flags['log-level'])) throw usageError(`--log-level: '${flags['log-level']}' is not one of debug, info, warn, error`);
    const ttlMs = parseDuration(flags.ttl, '--ttl');
    const killGraceMs = parseDuration(flags['kill-grace'], '--kill-grace');

    const now = new Date();
    const home = configHome(flags.home);
    // Read once: runExec and its proxy work from this snapshot and apply any change made since.
    // Per entry, as serve reads it: exec writes nothing back, and another key's entry this version
    // cannot read (a newer version's field) must not stop every run; --key's own is refused below.
    const snapshot = await this.storeFor(flags.home).readSnapshot({ perEntry: true });
    const reg = snapshot.registry;
    const base = flags.key === undefined ? undefined : requireKey(reg, flags.key);
    if (base) {
      const status = keyStatus(base, now);
      if (status === 'revoked' || status === 'expired') throw new CliError(`key '${base.name}' is ${status}: a temporary key made from it could do nothing`, `key_${status}`, EXIT.USAGE);
      if (status === 'not_yet') throw new CliError(`learning key '${base.name}' ends at ${base.expires}, more than a day from now by this machine's clock (its created time is ahead of it): refused until then`, 'key_not_yet', EXIT.USAGE);
      if (flags.profile !== undefined && flags.profile !== base.profile) {
        throw usageError(`key '${base.name}' belongs to profile '${base.profile}', not '${flags.profile}'`, 'profile_mismatch');
      }
    }
    const profile = resolveProfile(reg, base?.profile ?? flags.profile);

    const fromFile = flags['scope-file'] ? await readScopeFile(flags['scope-file']) : { rules: [] as Rule[], limits: {} as Limits };
    const rules = addToScope([], [
      ...rulesFromRuleFlags(flags),
      ...applyAllowSensitive(rulesFromScopeFlags(flags.scope), flags['allow-sensitive']),
      ...applyAllowSensitive(fromFile.rules, flags['allow-sensitive']),
    ]);
    const scope: FlagScope = { rules, limits: limitsFromFlags(flags, fromFile.limits) };
    if (!base && rules.length === 0) {
      throw usageError("missing a scope: give --model and --method, --scope 'model:methods', --scope-file, or --key NAME", 'missing_flag');
    }
    // As create warns: a misspelt method is taken as a method of that name, and the command's calls refused.
    for (const w of methodTypoWarnings(rules)) this.logToStderr(`odoo-keys: warning: ${w}`);

    const found = findCommand(command, process.env.PATH, process.cwd());
    const ids = new Set(reg.keys.map((k) => k.id));
    let minted = mintKey();
    while (ids.has(minted.id)) minted = mintKey();
    const identity: TemporaryIdentity = {
      id: minted.id,
      hash: minted.hash,
      name: temporaryKeyName(command, base),
      profile: profile.name,
      created: now.toISOString(),
      ttlExpires: new Date(now.getTime() + ttlMs).toISOString(),
      origin: temporaryOrigin(command),
    };

    if (flags['dry-run']) {
      const view = dryRunView({
        command,
        args: commandArgs,
        found,
        profile,
        key: temporaryLiveKey(identity, scope, base),
        token: minted.token,
        fromKey: base?.name,
        killOnExpiry: flags['kill-on-expiry'],
        killGraceMs,
        withheld: WITHHELD_VARIABLES.filter((v) => process.env[v] !== undefined),
      });
      this.log(dryRunText(view, now));
      return view;
    }
    if ('problem' in found) return this.cannotRun(found.problem);

    const stateDir = stateHome();
    let outcome;
    try {
      outcome = await runExec({
        home,
        registry: snapshot,
        stateDir,
        auditDir: flags['audit-dir'] ?? join(stateDir, 'journal'),
        profile,
        command,
        args: commandArgs,
        commandPath: found.path,
        identity,
        token: minted.token,
        flags: scope,
        baseKeyId: base?.id,
        killOnExpiry: flags['kill-on-expiry'],
        killGraceMs,
        log: createLogger(flags['log-level']),
        notice: (m) => process.stderr.write(`odoo-keys: ${m}\n`),
      });
    } catch (e) {
      if (e instanceof StartupError) throw new CliError(`the proxy could not start, nothing was run: ${e.message}`, 'startup_failed', EXIT.UPSTREAM);
      if (e instanceof JournalError) throw new CliError(`the journal cannot be written, nothing was run: ${e.message}`, 'journal_unavailable', EXIT.FAILURE);
      throw e;
    }
    if ('problem' in outcome) return this.cannotRun(outcome.problem);
    this.exit(outcome.exitCode);
  }

  /** 127 or 126, as a shell would answer, with the reason on stderr (or as JSON with --json). */
  private cannotRun(problem: CommandProblem): never {
    if (this.jsonEnabled()) this.logJson({ error: { code: problem.code, message: problem.message } });
    else this.logToStderr(`odoo-keys: ${problem.message}`);
    this.exit(problem.exitCode);
  }
}
