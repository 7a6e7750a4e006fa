// Run by journal.test.ts under a file size limit (ulimit -f, SIGXFSZ ignored), so that writing the
// journal really fails in the kernel (EFBIG), as on a full disk. Prints what it saw as JSON.
import { openJournal } from '../../src/audit/journal.js';

const dir = process.argv[2]!;
let clock = new Date('2026-11-27T10:00:00Z');
const health: boolean[] = [];
const journal = await openJournal({ dir, now: () => clock, sync: 'batch', retryMs: 20, onHealthChange: (h) => health.push(h) });
const call = (n: number) => ({ key: '7f3a9c2e', name: 'website-form', proto: 'json2' as const, model: 'crm.lead', method: 'create', decision: 'allow' as const, outcome: 'ok' as const, result_ids: [n], ms: 1 });

let written = 0;
let firstError = '';
// Groups of 10, so a group is cut in the middle by the limit.
for (let i = 0; i < 5000 && !firstError; i += 10) {
  const results = await Promise.allSettled(Array.from({ length: 10 }, (_, k) => journal.append(call(i + k))));
  for (const r of results) {
    if (r.status === 'fulfilled') written++;
    else if (!firstError) firstError = String(r.reason?.message ?? r.reason);
  }
}
const healthyAfterFailure = journal.healthy;
const lastError = journal.lastError?.message ?? '';
// Twice the group that did not fit: it cannot fit now either, so this is refused again.
let secondError = '';
await Promise.all(Array.from({ length: 20 }, (_, k) => journal.append(call(-100 - k)))).catch((e: Error) => (secondError = e.message));
// The next day's file is a new file, under the limit again.
clock = new Date('2026-11-28T00:00:01Z');
const after = await journal.append(call(-2));
const healthyAtEnd = journal.healthy;
await journal.close();
console.log(JSON.stringify({ written, firstError, healthyAfterFailure, lastError, secondError, seqAfter: after.seq, healthyAtEnd, health }));
