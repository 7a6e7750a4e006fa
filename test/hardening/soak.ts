// A bounded soak of `odoo-keys serve` (a real child process) in front of the Odoo stand-in, on
// loopback: a steady mix of XML-RPC, JSON-RPC and JSON-2 calls, allowed and denied, from several
// keys and addresses. At the end it reports whether the proxy's memory, file descriptors and
// sockets stayed flat, and whether every call was journaled exactly once (client counts against
// journal lines, by seq and by key and decision), and `audit verify` checks the chain.
//
//   npm run soak -- --minutes 5 [--rate 60] [--concurrency 16]
//
// test/hardening/soak.test.ts runs a short, count-bounded version of the same.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, REPO_ROOT, cliEnvironment, freePort, json, loginWithKeyFile, runCli, tempFolders } from '../support/cli.js';
import { startStandin, type Standin } from '../standin/server.js';
import { encodeMethodCall, decodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { stringifyJson, parseJson } from '../../src/rpc/json.js';
import { isStruct } from '../../src/rpc/values.js';
import { fdCounts, rssBytes, sleep } from './support.js';
import { journalLines } from '../support/journal.js';

export interface SoakOptions {
  /** Stop after this long (ms)... */
  durationMs?: number;
  /** ...or after this many calls, whichever comes first. */
  calls?: number;
  /** Calls started per second (open loop); 0: as fast as `concurrency` allows. */
  rate: number;
  concurrency: number;
  /** Resource samples every this long (ms). */
  sampleEveryMs: number;
  log?: (line: string) => void;
}

export interface Sample {
  atS: number;
  calls: number;
  rssMB: number;
  fds: number;
  sockets: number;
}

export interface SoakReport {
  calls: number;
  seconds: number;
  callsPerSecond: number;
  byKind: Record<string, number>;
  samples: Sample[];
  /** After warm-up, and after the load stopped and idle connections closed. */
  warm: Sample;
  idle: Sample;
  baseline: Sample;
  journalLines: number;
  seqContiguous: boolean;
  duplicateSeqs: number;
  /** Client and journal counts per key and decision that differ. */
  mismatches: string[];
  verifyExit: number | null;
  latencyMs: { p50: number; p99: number; max: number };
  problems: string[];
}


function sample(pid: number, started: number, calls: number): Sample {
  const { fds, sockets } = fdCounts(pid);
  return { atS: Math.round((Date.now() - started) / 100) / 10, calls, rssMB: Math.round((rssBytes(pid) / 1024 / 1024) * 10) / 10, fds, sockets };
}

interface Kind {
  name: string;
  weight: number;
  /** Key id expected in the journal (null: none), and the decision. */
  expect: { key: string | null; decision: 'allow' | 'deny' };
  send(n: number): Promise<{ ok: boolean; allowed: boolean }>;
}

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const log = opts.log ?? (() => undefined);
  const odoo: Standin = await startStandin({ version: 19, logLimit: 0 });
  const f = tempFolders('odoo-keys-soak-');
  let child: ChildProcess | undefined;
  try {
    await loginWithKeyFile(f, odoo);
    const mk = async (name: string, scope: string): Promise<{ token: string; id: string }> => {
      const r = await runCli(f, ['create', name, '--scope', scope, '--offline', '--json']);
      if (r.code !== 0) throw new Error(`create failed: ${r.stderr}`);
      const out = json<{ token: string; key: { id: string } }>(r);
      return { token: out.token, id: out.key.id };
    };
    const reader = await mk('soak-reader', 'res.partner:read(name,email)');
    const writer = await mk('soak-writer', 'crm.lead:create(name,email_from)');
    const gone = await mk('soak-revoked', 'res.partner:read(name)');
    const rv = await runCli(f, ['revoke', 'soak-revoked', '--yes']);
    if (rv.code !== 0) throw new Error(`revoke failed: ${rv.stderr}`);

    const port = await freePort();
    // The proxy itself, nothing else, in the measured process.
    child = spawn(process.execPath, [BIN, 'serve', '--listen', `127.0.0.1:${port}`, '--log-level', 'warn', '--trust-proxy', '1', '--max-concurrent-per-key', '16'], {
      cwd: REPO_ROOT,
      env: cliEnvironment(f),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-20_000)));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await fetch(`${url}/healthz`)).status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serve did not start: ${stderr}`);
      await sleep(100);
    }
    const pid = child.pid!;

    const from = (n: number): string => `10.77.${(n >> 8) & 255}.${n & 255}`;
    const xml = async (body: string, n: number): Promise<{ status: number; text: string }> => {
      const r = await fetch(`${url}/xmlrpc/2/object`, { method: 'POST', body, headers: { 'Content-Type': 'text/xml', 'X-Forwarded-For': from(n) } });
      return { status: r.status, text: await r.text() };
    };
    const jr = async (service: string, method: string, args: unknown[], n: number): Promise<{ status: number; text: string }> => {
      const r = await fetch(`${url}/jsonrpc`, { method: 'POST', body: stringifyJson({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id: n }), headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': from(n) } });
      return { status: r.status, text: await r.text() };
    };
    const j2 = async (token: string, path: string, body: unknown, n: number, db = odoo.db): Promise<{ status: number; text: string }> => {
      const r = await fetch(`${url}/json/2/${path}`, { method: 'POST', body: stringifyJson(body), headers: { 'Content-Type': 'application/json', Authorization: `bearer ${token}`, 'X-Odoo-Database': db, 'X-Forwarded-For': from(n) } });
      return { status: r.status, text: await r.text() };
    };
    const xmlOk = (t: string): boolean => decodeMethodResponse(t).kind === 'params';
    const jrOk = (t: string): boolean => {
      const v = parseJson(t);
      return isStruct(v) && 'result' in v;
    };
    const randomKey = (n: number): string => `odk_${(0x10000000 + ((n * 2654435761) % 0xefffffff)).toString(16).slice(-8)}_${'Q'.repeat(43)}`;

    const kinds: Kind[] = [
      { name: 'xmlrpc search_read (allowed)', weight: 20, expect: { key: reader.id, decision: 'allow' }, send: async (n) => { const r = await xml(encodeMethodCall('execute_kw', [odoo.db, 2, reader.token, 'res.partner', 'search_read', [[]], { fields: ['name', 'email'], limit: 5 }]), n); return { ok: r.status === 200, allowed: xmlOk(r.text) }; } },
      { name: 'jsonrpc search_count (allowed)', weight: 15, expect: { key: reader.id, decision: 'allow' }, send: async (n) => { const r = await jr('object', 'execute_kw', [odoo.db, 2, reader.token, 'res.partner', 'search_count', [[]]], n); return { ok: r.status === 200, allowed: jrOk(r.text) }; } },
      { name: 'json2 search_read (allowed)', weight: 15, expect: { key: reader.id, decision: 'allow' }, send: async (n) => { const r = await j2(reader.token, 'res.partner/search_read', { domain: [], fields: ['name'], limit: 3 }, n); return { ok: true, allowed: r.status === 200 }; } },
      { name: 'json2 create lead (allowed)', weight: 3, expect: { key: writer.id, decision: 'allow' }, send: async (n) => { const r = await j2(writer.token, 'crm.lead/create', { vals_list: [{ name: `soak ${n}`, email_from: 'soak@example.com' }] }, n); return { ok: true, allowed: r.status === 200 }; } },
      { name: 'xmlrpc authenticate (allowed)', weight: 5, expect: { key: reader.id, decision: 'allow' }, send: async (n) => { const r = await fetch(`${url}/xmlrpc/2/common`, { method: 'POST', body: encodeMethodCall('authenticate', [odoo.db, 'soak-reader', reader.token, {}]), headers: { 'X-Forwarded-For': from(n) } }); const t = await r.text(); const v = decodeMethodResponse(t); return { ok: r.status === 200, allowed: v.kind === 'params' && typeof v.value === 'number' }; } },
      { name: 'json2 field outside the scope (denied)', weight: 12, expect: { key: reader.id, decision: 'deny' }, send: async (n) => { const r = await j2(reader.token, 'res.partner/search_read', { domain: [], fields: ['phone'] }, n); return { ok: r.status === 403, allowed: r.status === 200 }; } },
      { name: 'xmlrpc method outside the scope (denied)', weight: 10, expect: { key: reader.id, decision: 'deny' }, send: async (n) => { const r = await xml(encodeMethodCall('execute_kw', [odoo.db, 2, reader.token, 'res.partner', 'unlink', [[1]]]), n); return { ok: r.status === 200, allowed: xmlOk(r.text) }; } },
      { name: 'jsonrpc unknown key (denied)', weight: 8, expect: { key: null, decision: 'deny' }, send: async (n) => { const r = await jr('object', 'execute_kw', [odoo.db, 2, randomKey(n), 'res.partner', 'search_count', [[]]], n); return { ok: r.status === 200, allowed: jrOk(r.text) }; } },
      { name: 'json2 revoked key (denied)', weight: 6, expect: { key: gone.id, decision: 'deny' }, send: async (n) => { const r = await j2(gone.token, 'res.partner/search_count', { domain: [] }, n); return { ok: r.status === 401, allowed: r.status === 200 }; } },
      { name: 'json2 wrong database (denied)', weight: 6, expect: { key: reader.id, decision: 'deny' }, send: async (n) => { const r = await j2(reader.token, 'res.partner/search_count', { domain: [] }, n, 'postgres'); return { ok: r.status === 403, allowed: r.status === 200 }; } },
    ];
    const totalWeight = kinds.reduce((s, k) => s + k.weight, 0);
    const pick = (n: number): Kind => {
      let x = (n * 7919) % totalWeight;
      for (const k of kinds) {
        if (x < k.weight) return k;
        x -= k.weight;
      }
      return kinds[0]!;
    };

    const started = Date.now();
    const baseline = sample(pid, started, 0);
    const samples: Sample[] = [baseline];
    log(`soak: serve pid ${pid} on ${url}; ${opts.durationMs ? `${opts.durationMs / 1000} s` : ''}${opts.calls ? ` up to ${opts.calls} calls` : ''} at ${opts.rate || 'max'} calls/s, ${opts.concurrency} at once`);
    log(`${'t(s)'.padStart(7)} ${'calls'.padStart(7)} ${'RSS MB'.padStart(7)} ${'fds'.padStart(5)} ${'sockets'.padStart(7)}`);
    const show = (s: Sample): void => log(`${String(s.atS).padStart(7)} ${String(s.calls).padStart(7)} ${String(s.rssMB).padStart(7)} ${String(s.fds).padStart(5)} ${String(s.sockets).padStart(7)}`);
    show(baseline);

    const expected = new Map<string, number>();
    const byKind: Record<string, number> = {};
    const latencies: number[] = [];
    const problems: string[] = [];
    let sent = 0;
    let done = 0;
    let inFlight = 0;
    const endAt = opts.durationMs ? started + opts.durationMs : Infinity;
    const limit = opts.calls ?? Infinity;
    let nextSample = started + opts.sampleEveryMs;
    let warm: Sample | undefined;
    const warmAt = started + Math.min(30_000, (opts.durationMs ?? 60_000) / 5);
    const warmCalls = Math.min(opts.calls ?? Infinity, 5000) / 5;

    await new Promise<void>((resolve) => {
      const tickMs = 10;
      let budget = 0;
      const timer = setInterval(() => {
        const now = Date.now();
        if (now >= nextSample) {
          const s = sample(pid, started, done);
          samples.push(s);
          show(s);
          nextSample += opts.sampleEveryMs;
        }
        if (!warm && (now >= warmAt || done >= warmCalls)) warm = sample(pid, started, done);
        const stopping = now >= endAt || sent >= limit;
        if (stopping) {
          if (inFlight === 0) {
            clearInterval(timer);
            resolve();
          }
          return;
        }
        budget = opts.rate > 0 ? Math.min(budget + (opts.rate * tickMs) / 1000, opts.concurrency) : opts.concurrency;
        while (budget >= 1 && inFlight < opts.concurrency && sent < limit) {
          budget -= opts.rate > 0 ? 1 : 0;
          const n = sent++;
          const kind = pick(n);
          inFlight++;
          const t0 = performance.now();
          kind
            .send(n)
            .then(
              (r) => {
                latencies.push(performance.now() - t0);
                byKind[kind.name] = (byKind[kind.name] ?? 0) + 1;
                const tag = `${kind.expect.key ?? 'none'} ${kind.expect.decision}`;
                expected.set(tag, (expected.get(tag) ?? 0) + 1);
                if (!r.ok || r.allowed !== (kind.expect.decision === 'allow')) problems.push(`${kind.name}: unexpected answer (call ${n})`);
              },
              (e: Error) => problems.push(`${kind.name}: ${e.message} (call ${n})`),
            )
            .finally(() => {
              inFlight--;
              done++;
            });
          if (opts.rate === 0 && inFlight >= opts.concurrency) break;
        }
      }, tickMs);
    });
    const seconds = (Date.now() - started) / 1000;
    const loaded = sample(pid, started, done);
    samples.push(loaded);
    show(loaded);
    // Let keep-alive connections time out (5 s) so idle sockets can be compared with the baseline.
    await sleep(6500);
    const idle = sample(pid, started, done);
    samples.push(idle);
    show(idle);

    // Every call journaled exactly once: contiguous seqs, one line per call, same counts per key and decision.
    child.kill('SIGTERM');
    await new Promise<void>((r) => (child!.exitCode !== null ? r() : child!.once('exit', () => r())));
    const dir = join(f.state, 'journal');
    const lines = journalLines(dir);
    const seqs = lines.map((l) => l.seq).sort((a, b) => a - b);
    const duplicateSeqs = seqs.length - new Set(seqs).size;
    const seqContiguous = seqs.every((s, i) => s === i + 1);
    const journaled = new Map<string, number>();
    for (const l of lines) {
      const tag = `${l.key ?? 'none'} ${l.decision}`;
      journaled.set(tag, (journaled.get(tag) ?? 0) + 1);
    }
    const mismatches: string[] = [];
    for (const tag of new Set([...expected.keys(), ...journaled.keys()])) {
      if ((expected.get(tag) ?? 0) !== (journaled.get(tag) ?? 0)) mismatches.push(`${tag}: client ${expected.get(tag) ?? 0}, journal ${journaled.get(tag) ?? 0}`);
    }
    const verify = await runCli(f, ['audit', 'verify']);
    latencies.sort((a, b) => a - b);
    const q = (p: number): number => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0) * 10) / 10;
    return {
      calls: done,
      seconds: Math.round(seconds * 10) / 10,
      callsPerSecond: Math.round((done / seconds) * 10) / 10,
      byKind,
      samples,
      baseline,
      warm: warm ?? samples[1] ?? baseline,
      idle,
      journalLines: lines.length,
      seqContiguous,
      duplicateSeqs,
      mismatches,
      verifyExit: verify.code,
      latencyMs: { p50: q(0.5), p99: q(0.99), max: q(1) },
      problems,
    };
  } finally {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await odoo.close();
    f.cleanup();
  }
}

/** Whether the figures are flat enough: the verdicts printed by the script and asserted by the test. */
export function verdicts(r: SoakReport): { name: string; ok: boolean; detail: string }[] {
  const rssGrowth = r.idle.rssMB - r.warm.rssMB;
  return [
    { name: 'every call answered as expected', ok: r.problems.length === 0, detail: r.problems.slice(0, 5).join('; ') || `${r.calls} calls` },
    { name: 'every call journaled exactly once', ok: r.journalLines === r.calls && r.seqContiguous && r.duplicateSeqs === 0 && r.mismatches.length === 0, detail: `${r.journalLines} lines for ${r.calls} calls, seqs ${r.seqContiguous ? '1..N contiguous' : 'with gaps'}, ${r.duplicateSeqs} duplicates${r.mismatches.length ? `; ${r.mismatches.join('; ')}` : ''}` },
    { name: 'the chain verifies', ok: r.verifyExit === 0, detail: `audit verify exit ${r.verifyExit}` },
    { name: 'memory flat', ok: rssGrowth < Math.max(40, r.warm.rssMB * 0.25), detail: `RSS ${r.baseline.rssMB} MB at start, ${r.warm.rssMB} MB warm, ${r.idle.rssMB} MB at the end (${rssGrowth >= 0 ? '+' : ''}${Math.round(rssGrowth * 10) / 10} MB)` },
    { name: 'file descriptors flat', ok: r.idle.fds <= r.baseline.fds + 4, detail: `${r.baseline.fds} at start, ${r.idle.fds} once idle (max ${Math.max(...r.samples.map((s) => s.fds))} under load)` },
    { name: 'sockets flat', ok: r.idle.sockets <= r.baseline.sockets + 2, detail: `${r.baseline.sockets} at start, ${r.idle.sockets} once idle (max ${Math.max(...r.samples.map((s) => s.sockets))} under load)` },
  ];
}

// Run as a script: npm run soak -- --minutes 5 [--rate 60] [--concurrency 16]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const minutes = Number(arg('minutes') ?? 5);
  const rate = Number(arg('rate') ?? 60);
  const concurrency = Number(arg('concurrency') ?? 16);
  if (!(minutes > 0) || !(rate >= 0) || !(concurrency > 0)) {
    console.error('usage: npm run soak -- --minutes 5 [--rate 60] [--concurrency 16]');
    process.exit(2);
  }
  const report = await runSoak({ durationMs: minutes * 60_000, rate, concurrency, sampleEveryMs: minutes >= 2 ? 30_000 : 5000, log: (l) => console.log(l) });
  console.log(`\n${report.calls} calls in ${report.seconds} s (${report.callsPerSecond}/s); latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, max ${report.latencyMs.max} ms`);
  for (const [k, n] of Object.entries(report.byKind)) console.log(`  ${String(n).padStart(7)}  ${k}`);
  let ok = true;
  for (const v of verdicts(report)) {
    ok &&= v.ok;
    console.log(`${v.ok ? 'ok  ' : 'FAIL'}  ${v.name}: ${v.detail}`);
  }
  process.exit(ok ? 0 : 1);
}
