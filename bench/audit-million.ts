// Benchmark: a million journal lines, written through the real writer, then grouped.
//
//   npm run build && node dist/bench/audit-million.js [--lines 1000000] [--dir DIR] [--keep]
//
// Prints how long writing, grouping (read + parse + group, as `odoo-keys audit` does) and
// verifying take, as wall time and as this process's CPU time (the machines are shared: CPU time
// says more when others are busy). Not a test: no assertion, the figures go to the report.
// Target: grouping one million lines in under 3 s. A --dir that already holds a journal is reused.
import { existsSync, mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openJournal } from '../src/audit/journal.js';
import { readJournalBatches, readReportBatches } from '../src/audit/read.js';
import { ReportBuilder } from '../src/audit/report.js';
import { verifyJournal } from '../src/audit/verify.js';
import { scanJournal } from '../src/audit/scan.js';
import { groupJournal } from '../src/audit/group.js';
import { availableParallelism } from 'node:os';
import type { JournalEntry, JournalInput } from '../src/audit/types.js';
import type { LightEntry } from '../src/audit/fastparse.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const LINES = Number(arg('lines') ?? 1_000_000);
const keep = process.argv.includes('--keep');
const dir = arg('dir') ?? join(mkdtempSync(join(tmpdir(), 'odoo-keys-bench-')), 'journal');

// A small deterministic generator (mulberry32), so runs are comparable.
let seed = 42;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const MODELS = ['crm.lead', 'res.partner', 'sale.order', 'sale.order.line', 'product.product', 'account.move', 'stock.picking', 'project.task', 'hr.employee', 'x_saas_stats', 'mail.message', 'ir.attachment'];
const METHODS = ['search_read', 'search_read', 'search_read', 'read', 'search_count', 'create', 'write', 'unlink', 'name_search', 'action_confirm', 'fields_get'];
const KEYS = Array.from({ length: 30 }, (_, i) => ({
  key: (0x10000000 + i * 0x0123457).toString(16).slice(0, 8),
  name: `integration-${i}`,
  ips: Array.from({ length: 1 + (i % 3) }, (_, k) => `203.0.113.${i * 3 + k}`),
  proto: (['xmlrpc', 'jsonrpc', 'json2'] as const)[i % 3]!,
}));

function input(): JournalInput {
  const k = pick(KEYS);
  const method = pick(METHODS);
  const r = rand();
  const denied = r < 0.03;
  const odooError = !denied && r < 0.04;
  const ids = method === 'write' || method === 'unlink' || method === 'read' || method === 'action_confirm' ? Array.from({ length: 1 + Math.floor(rand() * 5) }, () => Math.floor(rand() * 100000)) : undefined;
  return {
    key: k.key,
    name: k.name,
    profile: 'prod',
    ip: pick(k.ips),
    proto: k.proto,
    model: pick(MODELS),
    method,
    ids,
    fields: method === 'create' || method === 'write' ? ['name', 'email_from', 'phone'] : undefined,
    decision: denied ? 'deny' : 'allow',
    rule: denied ? undefined : Math.floor(rand() * 3),
    reason: denied ? 'no rule allows this method on this model' : undefined,
    outcome: denied ? 'denied' : odooError ? 'odoo_error' : 'ok',
    error: odooError ? { name: 'odoo.exceptions.ValidationError', message: 'A required field is missing' } : undefined,
    result_ids: method === 'create' && !denied && !odooError ? [Math.floor(rand() * 100000)] : undefined,
    ms: Math.round(5 + rand() * rand() * 200),
    bytes_in: 200 + Math.floor(rand() * 800),
    bytes_out: 100 + Math.floor(rand() * 20000),
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Wall and CPU time since `start`. */
function timing(start: { wall: number; cpu: NodeJS.CpuUsage }): string {
  const cpu = process.cpuUsage(start.cpu);
  return `${seconds(performance.now() - start.wall)} (CPU ${seconds((cpu.user + cpu.system) / 1000)})`;
}
const mark = () => ({ wall: performance.now(), cpu: process.cpuUsage() });

const start = Date.parse('2026-11-21T00:00:00Z');
const span = 7 * 86_400_000;
const reuse = existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.jsonl'));
if (!reuse) {
  let clock = new Date(start);
  const journal = await openJournal({ dir, sync: 'interval', now: () => clock });
  const t = mark();
  const BATCH = 5000;
  for (let written = 0; written < LINES; written += BATCH) {
    clock = new Date(start + Math.floor((written / LINES) * span));
    const n = Math.min(BATCH, LINES - written);
    const pending: Promise<JournalEntry>[] = [];
    for (let i = 0; i < n; i++) pending.push(journal.append(input()));
    await Promise.all(pending);
  }
  await journal.close();
  console.log(`wrote ${LINES} lines through the journal writer in ${timing(t)}`);
}
const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
const bytes = files.reduce((s, f) => s + statSync(join(dir, f)).size, 0);
console.log(`journal: ${(bytes / 1e6).toFixed(0)} MB in ${files.length} files${reuse ? ' (reused)' : ''}`);

const since = new Date(start);
const until = new Date(start + span + 86_400_000);
for (const by of ['key', 'model', 'day'] as const) {
  const t = mark();
  const report = await groupJournal([dir], { since, until }, { by, since, until });
  console.log(`grouped ${report.totals.calls} lines by ${by} (as \`odoo-keys audit\` does, up to ${Math.min(4, availableParallelism())} threads) into ${report.rows.length} rows in ${timing(t)}`);
}
{
  const t = mark();
  const report = await groupJournal([dir], { since, until }, { by: 'key', since, until, workers: 1 });
  console.log(`grouped ${report.totals.calls} lines by key on one thread in ${timing(t)}`);
}

{
  const t = mark();
  let n = 0;
  for await (const batch of readJournalBatches([dir], { since, until })) n += batch.length;
  console.log(`read ${n} whole entries (JSON.parse, as --calls does) in ${timing(t)}`);
}

// Grouping alone, entries already in memory.
{
  const entries: LightEntry[] = [];
  for await (const batch of readReportBatches([dir])) for (const e of batch) entries.push(e);
  const t = mark();
  const inMemory = new ReportBuilder({ by: 'key', since, until });
  for (const e of entries) inMemory.add(e);
  inMemory.report();
  console.log(`grouped ${entries.length} entries already in memory by key in ${timing(t)}`);
}

{
  const t = mark();
  const filtered = new ReportBuilder({ by: 'key' });
  const m = await scanJournal([dir], { keys: [KEYS[3]!.name], denied: true }, (e, ms) => filtered.add(e, ms));
  console.log(`filtered to one key's denials (${m} lines) in ${timing(t)}`);
}

{
  const t = mark();
  const v = await verifyJournal(dir);
  console.log(`verified ${v.chains[0]?.lines ?? 0} lines (${v.ok ? 'intact' : 'BROKEN'}) in ${timing(t)}`);
}

if (keep) console.log(`journal kept in ${dir}`);
else if (!arg('dir')) rmSync(join(dir, '..'), { recursive: true, force: true });
