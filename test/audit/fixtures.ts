// Journals for the audit tests: realistic entries written through the real writer, with a clock
// the test controls so daily files and windows are deterministic.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openJournal, type JournalOptions } from '../../src/audit/journal.js';
import type { JournalEntry, JournalInput } from '../../src/audit/types.js';

/** A temp folder removed when the test ends. */
export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'odoo-keys-audit-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The repository root, from dist/test/audit/. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export type TimedInput = JournalInput & { ts: string };

/**
 * Writes `inputs` one by one with the journal's clock at each entry's ts (so each lands in its
 * UTC day's file). `restartAt` closes and reopens the journal before those indexes.
 */
export async function writeJournal(
  dir: string,
  inputs: TimedInput[],
  opts: Partial<JournalOptions> & { restartAt?: number[] } = {},
): Promise<JournalEntry[]> {
  let clock = new Date(inputs[0]?.ts ?? Date.now());
  const open = () => openJournal({ sync: 'none', ...opts, dir, now: () => clock });
  let journal = await open();
  const out: JournalEntry[] = [];
  for (let i = 0; i < inputs.length; i++) {
    if (opts.restartAt?.includes(i)) {
      await journal.close();
      journal = await open();
    }
    clock = new Date(inputs[i]!.ts);
    out.push(await journal.append(inputs[i]!));
  }
  await journal.close();
  return out;
}

const base = { profile: 'prod', proto: 'json2' as const };

/** A week of traffic from four keys, one unknown key and one exec run, across several days. */
export function sampleInputs(): TimedInput[] {
  return [
    { ...base, ts: '2026-11-20T09:00:00.000Z', key: '7f3a9c2e', name: 'website-form', ip: '203.0.113.7', model: 'crm.lead', method: 'create', fields: ['name', 'email_from'], decision: 'allow', rule: 0, outcome: 'ok', result_ids: [512], ms: 14, bytes_in: 96, bytes_out: 5 },
    { ...base, ts: '2026-11-20T09:05:00.000Z', key: '7f3a9c2e', name: 'website-form', ip: '203.0.113.8', model: 'crm.lead', method: 'create', fields: ['name'], decision: 'allow', rule: 0, outcome: 'ok', result_ids: [513], ms: 20 },
    { ...base, ts: '2026-11-20T09:06:00.000Z', key: '7f3a9c2e', name: 'website-form', ip: '198.51.100.1', model: 'crm.lead', method: 'write', ids: [512], decision: 'deny', limit: 'ips', reason: 'address 198.51.100.1 is outside 203.0.113.0/24', outcome: 'denied', ms: 1 },
    { ...base, ts: '2026-11-21T01:00:00.000Z', key: '1c0de5a1', name: 'nightly-sync', ip: '10.0.0.5', proto: 'xmlrpc', model: 'res.partner', method: 'search_read', decision: 'allow', rule: 0, outcome: 'ok', ms: 30, notes: ['domain [customer_rank > 0] ANDed in'] },
    { ...base, ts: '2026-11-21T01:01:00.000Z', key: '1c0de5a1', name: 'nightly-sync', ip: '10.0.0.5', proto: 'xmlrpc', model: 'x_saas_stats', method: 'write', ids: [1, 2, 3], fields: ['x_count'], decision: 'allow', rule: 1, outcome: 'ok', ms: 40 },
    { ...base, ts: '2026-11-21T01:02:00.000Z', key: '1c0de5a1', name: 'nightly-sync', ip: '10.0.0.5', proto: 'xmlrpc', model: 'x_saas_stats', method: 'unlink', ids: [4, 5], decision: 'allow', rule: 1, outcome: 'odoo_error', error: { name: 'odoo.exceptions.AccessError', message: 'You are not allowed to delete' }, ms: 50 },
    { ...base, ts: '2026-11-21T01:03:00.000Z', key: '1c0de5a1', name: 'nightly-sync', ip: '10.0.0.5', proto: 'xmlrpc', model: 'x_saas_stats', method: 'create', decision: 'allow', rule: 1, outcome: 'upstream_error', error: { name: 'UpstreamError', message: 'connect ECONNREFUSED' }, ms: 5000 },
    { ts: '2026-11-22T12:00:00.000Z', key: null, name: null, ip: '192.0.2.66', proto: 'xmlrpc', service: 'common', function: 'authenticate', decision: 'deny', reason: 'unknown key', outcome: 'rejected', ms: 0.4 },
    { ...base, ts: '2026-11-23T15:00:00.000Z', key: 'c0ffee01', name: 'assistant', ip: '127.0.0.1', model: 'sale.order', method: 'search_read', decision: 'allow', outcome: 'ok', learning: true, ms: 12 },
    { ...base, ts: '2026-11-23T15:01:00.000Z', key: 'c0ffee01', name: 'assistant', ip: '127.0.0.1', model: 'sale.order', method: 'action_confirm', ids: [7], decision: 'allow', outcome: 'ok', learning: true, ms: 80 },
    { ...base, ts: '2026-11-24T08:00:00.000Z', key: 'e1e2e3e4', name: 'exec-import', ip: '127.0.0.1', model: 'product.product', method: 'create', decision: 'allow', rule: 0, outcome: 'ok', result_ids: [901, 902, 903], ms: 60, temporary: { user: 'alice', host: 'laptop', cwd: '/home/alice/import', command: 'python import.py --all' } },
    { ...base, ts: '2026-11-24T08:00:01.000Z', key: 'e1e2e3e4', name: 'exec-import', ip: '127.0.0.1', model: 'product.product', method: 'unlink', ids: [900], decision: 'deny', reason: 'no rule allows unlink on product.product', outcome: 'denied', ms: 0.5, temporary: { user: 'alice', host: 'laptop', cwd: '/home/alice/import', command: 'python import.py --all' } },
    { ...base, ts: '2026-11-25T10:00:00.000Z', key: '7f3a9c2e', name: 'website-form', ip: '203.0.113.7', model: 'crm.lead', method: 'create', fields: ['name'], decision: 'allow', rule: 0, outcome: 'ok', result_ids: [514], ms: 16 },
  ];
}
