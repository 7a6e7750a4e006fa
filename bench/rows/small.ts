// Row 1: small calls (search_read of 10 partners, read of one), proxy vs direct, at 1, 8 and
// 64 concurrent clients, over XML-RPC and JSON-2. Direct, odoo-keys and a bare Node
// pass-through proxy (the floor any Node proxy pays here) alternate, several rounds; each figure
// is the median over rounds, and differences/ratios are taken within a round (same minute, same
// machine load) before the median.

import { startStandinProcess, type StandinProcess } from '../lib/standin.js';
import { makeHome, startBareProxy, startProxyProcess, type ProxyProcess } from '../lib/proxy.js';
import { smallCall, sendOnce, FIELDS, type Protocol, type SmallCall, type Credentials } from '../lib/calls.js';
import { runLoad, type LoadResult, type RequestSpec } from '../lib/load.js';
import { cpuMs, pinProxiesApart } from '../lib/proc.js';
import { loadNow } from '../lib/machine.js';
import { median, ms, dms, pct, num, table } from '../lib/stats.js';
import type { Row, RowOptions } from '../lib/row.js';

export interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  count: number;
  /** CPU time per call of the stand-in, and of the proxy (0 for direct), in ms. */
  standinCpu: number;
  proxyCpu: number;
}

/** One load run with CPU accounting on the measured window. */
export async function measure(url: string, spec: RequestSpec, concurrency: number, durationMs: number, standin: StandinProcess, proxy: Pick<ProxyProcess, 'pid'> | null, warmupMs = 500, intervalMs?: number): Promise<Measured & { result: LoadResult }> {
  let s0 = 0;
  let p0 = 0;
  let s1 = 0;
  let p1 = 0;
  const result = await runLoad({
    url,
    requests: [spec],
    concurrency,
    durationMs,
    warmupMs,
    intervalMs,
    onWindow: (phase) => {
      const s = cpuMs(standin.pid);
      const p = proxy ? cpuMs(proxy.pid) : 0;
      if (phase === 'start') [s0, p0] = [s, p];
      else [s1, p1] = [s, p];
    },
  });
  return { rps: result.rps, p50: result.p50, p99: result.p99, errors: result.errors, count: result.count, standinCpu: (s1 - s0) / result.count, proxyCpu: proxy ? (p1 - p0) / result.count : 0, result };
}

interface Cell {
  protocol: Protocol;
  call: SmallCall;
  concurrency: number;
  rounds: { direct: Measured; proxy: Measured; bare: Measured; load: string }[];
}

export async function smallSetup(opts: { journal: boolean; upstreamMs?: number }): Promise<{ standin: StandinProcess; proxy: ProxyProcess; direct: Credentials; viaProxy: Credentials; readId: number; close(): Promise<void> }> {
  const standin = await startStandinProcess({ latencyMs: opts.upstreamMs });
  const home = await makeHome(standin);
  const [k] = await home.addKeys([{ name: 'bench-small', rules: [{ model: 'res.partner', methods: ['read'], fields: FIELDS }] }]);
  const proxy = await startProxyProcess(home, { journal: opts.journal });
  const direct = { db: standin.db, uid: standin.integration.uid, key: standin.integration.apiKey };
  const viaProxy = { db: standin.db, uid: standin.integration.uid, key: k!.token };
  const readId = 3;
  // Same answer both ways, or the comparison means nothing.
  for (const p of ['xmlrpc', 'json2'] as const) {
    for (const c of ['search_read', 'read'] as const) {
      const a = await sendOnce(standin.url, smallCall(p, c, direct, readId));
      const b = await sendOnce(proxy.url, smallCall(p, c, viaProxy, readId));
      if (a.status !== 200 || a.text !== b.text) throw new Error(`${p} ${c}: the proxy's answer differs from Odoo's (${a.status}/${b.status})`);
    }
  }
  return {
    standin,
    proxy,
    direct,
    viaProxy,
    readId,
    async close() {
      await proxy.stop();
      await standin.stop();
      home.remove();
    },
  };
}

/**
 * Row 1, against the stand-in as fast as it goes (`small`), or against one that waits `upstreamMs`
 * before each answer without using the CPU (`small-1ms`): the issue's "an upstream that answers in
 * about 1 ms", as Odoo's time goes to its database and to cores of its own, not to the proxy's.
 * `pinned`: the proxies on a CPU of their own, the stand-in and the load generator (this process)
 * on the others, for direct and proxied calls alike, as when the proxy does not share Odoo's
 * machine (Odoo Online); on 2 shared CPUs otherwise every call the proxy takes comes out of the
 * stand-in's and the clients' share.
 */
function smallCallsRow(id: string, title: string, upstreamMs: number, pinned = false): Row {
  return {
    id,
    title,
    estimate: '6 min',
    async run(o: RowOptions) {
      const rounds = o.quick ? 1 : 3;
      const durationMs = o.quick ? 1500 : 2500;
      const env = await smallSetup({ journal: true, upstreamMs });
      const { standin, proxy, direct, viaProxy, readId } = env;
      const bare = await startBareProxy(standin.url);
      const cells: Cell[] = [];
      let restore: (() => void) | undefined;
      let split = '';
      try {
        if (pinned) {
          const pinning = pinProxiesApart(id, [proxy.pid, bare.pid], [standin.pid]);
          split = pinning.split;
          restore = pinning.restore;
          o.log(split);
        }
        // Warm both JITs before anything counts.
        for (const p of ['xmlrpc', 'json2'] as const) {
          await measure(standin.url, smallCall(p, 'search_read', direct, readId), 8, 1000, standin, null);
          await measure(proxy.url, smallCall(p, 'search_read', viaProxy, readId), 8, 1000, standin, proxy);
        }
        for (const protocol of ['xmlrpc', 'json2'] as const) {
          for (const call of ['search_read', 'read'] as const) {
            for (const concurrency of [1, 8, 64]) {
              const cell: Cell = { protocol, call, concurrency, rounds: [] };
              for (let r = 0; r < rounds; r++) {
                const load = loadNow();
                // Alternate which goes first, so a drift in machine load does not favour one side.
                const runDirect = (): Promise<Measured> => measure(standin.url, smallCall(protocol, call, direct, readId), concurrency, durationMs, standin, null);
                const runProxy = (): Promise<Measured> => measure(proxy.url, smallCall(protocol, call, viaProxy, readId), concurrency, durationMs, standin, proxy);
                const runBare = (): Promise<Measured> => measure(bare.url, smallCall(protocol, call, direct, readId), concurrency, durationMs, standin, bare);
                // Rotate the order, so a drift in machine load does not favour one side.
                const order = [runDirect, runProxy, runBare];
                for (let k = 0; k < r % 3; k++) order.push(order.shift()!);
                const got = new Map<unknown, Measured>();
                for (const f of order) got.set(f, await f());
                const d = got.get(runDirect)!;
                const p = got.get(runProxy)!;
                const b = got.get(runBare)!;
                cell.rounds.push({ direct: strip(d), proxy: strip(p), bare: strip(b), load });
                o.log(`small ${protocol} ${call} c=${concurrency} round ${r + 1}: direct ${d.rps.toFixed(0)}/s p50 ${d.p50.toFixed(2)} | proxy ${p.rps.toFixed(0)}/s p50 ${p.p50.toFixed(2)} cpu ${p.proxyCpu.toFixed(3)} ms/call | bare ${b.rps.toFixed(0)}/s p50 ${b.p50.toFixed(2)} cpu ${b.proxyCpu.toFixed(3)} | errors ${d.errors}/${p.errors}/${b.errors} | load ${load}`);
              }
              cells.push(cell);
            }
          }
        }
      } finally {
        restore?.();
        await bare.stop();
        await env.close();
      }
      return { markdown: split + render(cells, rounds, durationMs, upstreamMs), data: cells };
    },
  };
}

export const smallRow = smallCallsRow('small', 'Small calls: proxy vs direct', 0);
export const small1msRow = smallCallsRow('small-1ms', 'Small calls: proxy vs direct, the upstream answering in about 1 ms', 1);
export const small1msPinnedRow = smallCallsRow('small-1ms-pinned', 'Small calls: proxy vs direct, the upstream answering in about 1 ms, the proxy on a CPU of its own', 1, true);

function strip(m: Measured): Measured {
  return { rps: m.rps, p50: m.p50, p99: m.p99, errors: m.errors, count: m.count, standinCpu: m.standinCpu, proxyCpu: m.proxyCpu };
}

/** The figures of one side of a round that rows 1 and 1b both report. */
type SideFigures = Pick<Measured, 'rps' | 'p50' | 'p99' | 'errors' | 'proxyCpu' | 'standinCpu'>;

/** Headers of the columns rows 1 and 1b share, before the row's own and `errors`. */
export function sideBySideHead(clients: string): string[] {
  return ['protocol', 'call', clients, 'calls/s direct / proxy', 'proxy/direct (bare)', 'p50 direct / proxy', 'added p50 (bare)', 'p99 direct / proxy', 'proxy CPU per call (bare)', 'stand-in CPU per call'];
}

/**
 * One table row of direct / odoo-keys / bare rounds: medians over rounds, ratios and differences
 * paired within a round; `extra` adds the row's own columns before the error count.
 */
export function sideBySideRow<R extends { direct: SideFigures; proxy: SideFigures; bare: SideFigures }>(protocol: Protocol, call: SmallCall, clients: number, rounds: R[], extra: (med: (f: (r: R) => number) => number) => string[] = () => []): string[] {
  const med = (f: (r: R) => number): number => median(rounds.map(f));
  const errors = rounds.reduce((a, r) => a + r.direct.errors + r.proxy.errors + r.bare.errors, 0);
  return [
    protocol === 'xmlrpc' ? 'XML-RPC' : 'JSON-2',
    call === 'search_read' ? 'search_read 10' : 'read 1',
    String(clients),
    `${num(med((r) => r.direct.rps))} / ${num(med((r) => r.proxy.rps))}`,
    `${pct(med((r) => r.proxy.rps / r.direct.rps))} (${pct(med((r) => r.bare.rps / r.direct.rps))})`,
    `${ms(med((r) => r.direct.p50))} / ${ms(med((r) => r.proxy.p50))}`,
    `${dms(med((r) => r.proxy.p50 - r.direct.p50))} (${dms(med((r) => r.bare.p50 - r.direct.p50))})`,
    `${ms(med((r) => r.direct.p99))} / ${ms(med((r) => r.proxy.p99))}`,
    `${med((r) => r.proxy.proxyCpu).toFixed(2)} ms (${med((r) => r.bare.proxyCpu).toFixed(2)} ms)`,
    `${med((r) => r.direct.standinCpu).toFixed(2)} ms`,
    ...extra(med),
    String(errors),
  ];
}

function render(cells: Cell[], rounds: number, durationMs: number, upstreamMs: number): string {
  const rows = cells.map((c) => sideBySideRow(c.protocol, c.call, c.concurrency, c.rounds));
  const upstream = upstreamMs ? `The stand-in waits ${upstreamMs} ms (a timer, no CPU) before each answer. ` : '';
  return [
    `${upstream}${rounds} round(s) of ${durationMs / 1000} s per side; medians over rounds; "added" and "ratio" are paired within a round. In brackets: a bare Node pass-through proxy (bench/lib/bare-proxy.ts: read the request, send it upstream, pipe the answer back; no parsing, no checks, no journal), the floor any Node proxy pays on this machine.`,
    '',
    table([...sideBySideHead('clients'), 'errors'], rows),
  ].join('\n');
}
