// `odoo-keys audit`: who did what, grouped by key (or model, method, day, address), from the journal.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { Flags } from '../../src/cli/oclif.js';
import { BaseCommand } from '../../src/cli/base.js';
import { palette } from '../../src/cli/style.js';
import { parseDuration, parseInstant } from '../../src/cli/time.js';
import { usageError } from '../../src/cli/errors.js';
import { journalDirs } from '../../src/audit/dirs.js';
import { readJournalBatches, type JournalFilter, type ReadStats } from '../../src/audit/read.js';
import { groupJournal } from '../../src/audit/group.js';
import { callRow, GROUP_BY, type CallRow, type GroupBy, type Report } from '../../src/audit/report.js';
import {
  CALLS_CSV_HEADER,
  callCsvLine,
  csvLine,
  renderAttribution,
  renderAttributionCsv,
  renderCallsTable,
  renderReportCsv,
  renderReportTable,
  shortTime,
  unexplainedBanner,
} from '../../src/audit/render.js';
import { toCliError } from '../shared/registry-command.js';
import { findKey, tokenGivenAsName } from '../../src/registry/registry.js';
import { JsonListWriter } from '../../src/cli/json-list.js';
import { printable } from '../../src/cli/printable.js';
import { auditFromOdoo } from '../shared/audit-from-odoo.js';

type Format = 'table' | 'json' | 'csv';

export default class Audit extends BaseCommand {
  static override summary = 'Who did what through the proxy, grouped by key, from the journal';
  static override description = [
    'Reads the journal (one folder per proxy replica may be given with several --journal) and shows one row per key:',
    'calls, allowed, denied, errors, records created/written/deleted, client addresses, first and last seen, latency',
    'and activity over the window. --calls lists the calls themselves. --denied and --errors together keep either.',
    '',
    "--odoo asks the profile's Odoo what its integration user changed in the window (creations and last writes on",
    'the models the keys touched, chatter tracking values, and the OCA auditlog module where installed) and',
    "attributes each change to the key whose journaled call touched the same record at the same time. Changes no",
    'journaled call explains are listed separately: the upstream credentials may be in use outside odoo-keys.',
  ].join('\n');

  static override examples = [
    '<%= config.bin %> audit',
    '<%= config.bin %> audit --since 30d --by model',
    '<%= config.bin %> audit --key website-form --calls --denied',
    '<%= config.bin %> audit --since 2026-11-01 --until 2026-12-01 --format csv > november.csv',
    '<%= config.bin %> audit --journal /var/lib/odoo-keys/a/journal --journal /var/lib/odoo-keys/b/journal',
    '<%= config.bin %> audit --odoo --since 24h',
  ];

  static override flags = {
    since: Flags.string({ description: 'start of the window: a duration back from now (7d, 12h) or a date/time', default: '7d' }),
    until: Flags.string({ description: 'end of the window (exclusive): a duration back from now or a date/time; default: now' }),
    key: Flags.string({ description: 'only this key (id or name; repeatable)', multiple: true }),
    model: Flags.string({ description: 'only this model (glob such as crm.*; repeatable)', multiple: true }),
    method: Flags.string({ description: 'only this method (or service.function such as common.authenticate; repeatable)', multiple: true }),
    denied: Flags.boolean({ description: 'only denied calls (with --errors: denied calls or errors)' }),
    errors: Flags.boolean({ description: 'only calls that failed in or on the way to Odoo (with --denied: either)' }),
    by: Flags.string({ description: 'what one row stands for', options: [...GROUP_BY], default: 'key' }),
    calls: Flags.boolean({ description: 'list the calls themselves (time, method, model, ids, decision, reason, outcome)' }),
    format: Flags.string({ description: 'output format (--json is --format json)', options: ['table', 'json', 'csv'] }),
    journal: Flags.string({ description: 'journal folder (repeatable, one per replica); default: <state home>/journal', multiple: true }),
    odoo: Flags.boolean({ description: "also ask the profile's Odoo what changed, and attribute each change to a key" }),
    tolerance: Flags.string({ description: 'with --odoo: how far apart a change and a call may be and still match', default: '5s' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Audit);
    const now = new Date();
    const since = parseInstant(flags.since, now, '--since', 'past');
    const until = flags.until !== undefined ? parseInstant(flags.until, now, '--until', 'past') : undefined;
    for (const k of flags.key ?? []) {
      const refusal = tokenGivenAsName(k);
      if (refusal) throw usageError(`--key: ${refusal}`, 'usage');
    }
    if (until && until <= since) throw usageError(`--until (${until.toISOString()}) must come after --since (${since.toISOString()})`, 'bad_window');
    const format: Format = this.jsonEnabled() ? 'json' : ((flags.format ?? 'table') as Format);
    const { dirs, missingDefault } = await journalDirs(flags.journal);
    const filter: JournalFilter = {
      since,
      until,
      keys: flags.key,
      models: flags.model,
      methods: flags.method,
      denied: flags.denied,
      errors: flags.errors,
    };
    const stats: ReadStats = { unreadable: 0 };
    if (flags.odoo) {
      if (flags.calls) throw usageError('--calls and --odoo do not go together', 'usage');
      return this.fromOdoo({ ...flags, since, until: until ?? now, dirs, format });
    }
    if (missingDefault) this.logToStderr(`odoo-keys: no journal yet at ${missingDefault} (no proxy has run with this state folder)`);
    const c = palette(process.stdout);

    let result: unknown;
    let empty: boolean;
    if (flags.calls) {
      const calls: CallRow[] = [];
      let count = 0;
      const head = { since: since.toISOString(), until: (until ?? now).toISOString(), journal: dirs };
      // CSV and JSON are written a batch at a time: a big journal's calls need not fit in one string.
      const json = format === 'json' ? new JsonListWriter((text) => this.outAsync(text), head, 'calls') : undefined;
      if (format === 'csv') await this.outAsync(csvLine(CALLS_CSV_HEADER) + '\n');
      for await (const batch of readJournalBatches(dirs, filter, stats)) {
        count += batch.length;
        if (format === 'csv') await this.outAsync(batch.map((e) => callCsvLine(callRow(e))).join('\n') + '\n');
        else if (json) await json.items(batch.map(callRow));
        else for (const e of batch) calls.push(callRow(e));
      }
      empty = count === 0;
      if (json) await json.end();
      // Written already: nothing left for --json to print.
      result = json ? undefined : { ...head, calls };
      if (format === 'table' && !empty) this.log(renderCallsTable(calls, c, !(flags.key && flags.key.length === 1)));
    } else {
      const report: Report = await groupJournal(dirs, filter, { by: flags.by as GroupBy, since, until: until ?? now }, stats);
      empty = report.rows.length === 0;
      result = { ...report, journal: dirs };
      if (format === 'table' && !empty) this.log(renderReportTable(report, c));
      if (format === 'csv') this.out(renderReportCsv(report));
    }
    if (format === 'json' && !this.jsonEnabled() && result !== undefined) this.log(JSON.stringify(result, null, 2));
    if (empty && format === 'table') {
      const who = flags.key?.length ? ` by ${flags.key.join(', ')}` : '';
      this.logToStderr(`odoo-keys: no calls${who} match from ${since.toISOString()} to ${(until ?? now).toISOString()}`);
      if (flags.key?.length) {
        const unknown = await keysNotInRegistry(flags.key, flags.home);
        // A misspelt --key reads as "this integration made no calls": say that keys.yaml has no such key.
        if (unknown.length) this.logToStderr(`odoo-keys: keys.yaml has no key named ${unknown.map((k) => `'${k}'`).join(', ')} and none with that id (a typo? odoo-keys list shows the keys)`);
      }
    }
    if (stats.unreadable) {
      this.logToStderr(`odoo-keys: ${stats.unreadable} journal line${stats.unreadable === 1 ? '' : 's'} could not be read; run \`odoo-keys audit verify\``);
    }
    return result;
  }

  private async fromOdoo(o: {
    home?: string;
    profile?: string;
    key?: string[];
    model?: string[];
    tolerance: string;
    since: Date;
    until: Date;
    dirs: string[];
    format: Format;
  }): Promise<unknown> {
    const toleranceMs = parseDuration(o.tolerance, '--tolerance');
    let result;
    try {
      result = await auditFromOdoo({ home: o.home, profile: o.profile, dirs: o.dirs, since: o.since, until: o.until, toleranceMs, keys: o.key, models: o.model });
    } catch (err) {
      throw toCliError(err);
    }
    // Notes may quote Odoo's messages and the journal's model names.
    for (const gap of result.gaps) this.logToStderr(`odoo-keys: note: ${printable(gap)}`);
    if (o.format === 'table') {
      const c = palette(process.stdout);
      this.log(`Changes by ${printable(result.login)} (uid ${result.uid}) in ${printable(result.url)} from ${shortTime(result.since)} to ${shortTime(result.until)} UTC` +
        ` (chatter${result.tracking ? ' with tracking values' : ''}${result.auditlog ? ', auditlog' : ''}, creations and last writes):`);
      if (result.keys.length === 0 && result.unexplained.length === 0) this.log('no changes');
      else this.log(renderAttribution(result, c));
    } else if (o.format === 'csv') this.out(renderAttributionCsv(result));
    else if (!this.jsonEnabled()) this.log(JSON.stringify(result, null, 2));
    // The warning goes to stderr too (even with --json, which silences logToStderr), so it is seen
    // when the output is piped into a file.
    if (result.unexplained.length && o.format !== 'table') process.stderr.write(`odoo-keys: ${unexplainedBanner(result.unexplained.length)}\n`);
    return result;
  }

  /** Raw output (CSV), written as is. */
  private out(text: string): void {
    process.stdout.write(text);
  }

  /** Raw output, waiting while stdout's buffer is full (a slow reader must not make it grow without end). */
  private async outAsync(text: string): Promise<void> {
    if (!process.stdout.write(text)) await once(process.stdout, 'drain');
  }
}

/** The --key values that name no key of keys.yaml, by name or id; none when keys.yaml cannot be read (a log host has none). */
async function keysNotInRegistry(wanted: string[], home: string | undefined): Promise<string[]> {
  const { configHome, registryPath } = await import('../../src/registry/paths.js');
  const { RegistryStore } = await import('../../src/registry/store.js');
  try {
    const path = registryPath(configHome(home));
    if (!existsSync(path)) return [];
    const reg = await new RegistryStore(path).read();
    return wanted.filter((k) => !findKey(reg, k));
  } catch {
    return [];
  }
}
