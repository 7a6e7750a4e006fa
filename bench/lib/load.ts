// A closed-loop load generator on node:http: `concurrency` clients, each sending its next
// request as soon as the previous answer is read whole, for a fixed time. Keep-alive is used
// wherever the server allows it (the proxy does; Odoo and the stand-in close every connection,
// so a direct client opens a new one per call, as real clients of Odoo do).

import http from 'node:http';
import https from 'node:https';
import { sortedCopy, percentile } from './stats.js';

export interface RequestSpec {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Whether an answer counts as a success (default: HTTP 200 and no XML-RPC fault / JSON error). */
  ok?: (status: number, body: string) => boolean;
}

export interface LoadOptions {
  url: string;
  /** Requests to cycle through (each client takes the next one). */
  requests: RequestSpec[];
  concurrency: number;
  durationMs: number;
  /** Answers in this first period are not counted. */
  warmupMs?: number;
  /** Source addresses to bind, cycled over the clients (e.g. 127.0.0.2 for a second "machine"). */
  localAddresses?: string[];
  /** Stop early when this returns true (checked after each answer). */
  stop?: () => boolean;
  /**
   * Paced clients: each starts a call at most every `intervalMs` (a steady integration, not a
   * client that sends as fast as answers come). Latency is still measured from each call's start.
   */
  intervalMs?: number;
  /** Called when the measured period starts and when it ends (e.g. to read CPU counters). */
  onWindow?: (phase: 'start' | 'end') => void;
  /** For an https URL: the certificate (authority) to trust. */
  ca?: Buffer;
}

export interface LoadResult {
  /** Calls answered within the measured period. */
  count: number;
  errors: number;
  /** Calls per second within the measured period. */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  /** Sorted latencies in ms. */
  latencies: Float64Array;
  /** Status/outcome counts, for the flood row. */
  outcomes: Map<string, number>;
  elapsedMs: number;
}

export function defaultOk(status: number, body: string): boolean {
  if (status !== 200) return false;
  return !body.includes('<fault>') && !body.startsWith('{"jsonrpc": "2.0", "id": null, "error"') && !/"error"\s*:\s*\{/.test(body.slice(0, 64));
}

function once(agent: http.Agent, url: URL, spec: RequestSpec, localAddress: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(
      {
        hostname: url.hostname,
        port: url.port,
        method: 'POST',
        path: spec.path,
        headers: { ...spec.headers, 'Content-Length': String(spec.body.length) },
        agent,
        ...(localAddress ? { localAddress } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(spec.body);
  });
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const url = new URL(o.url);
  const warmup = o.warmupMs ?? 500;
  const agentOptions = { keepAlive: true, maxSockets: o.concurrency, keepAliveMsecs: 1000 };
  // https: Node's agent resumes TLS sessions, as the proxy does (Python's xmlrpc.client does not).
  const newAgent = (): http.Agent => (url.protocol === 'https:' ? new https.Agent({ ...agentOptions, ...(o.ca ? { ca: o.ca } : {}) }) : new http.Agent(agentOptions));
  const agents = (o.localAddresses?.length ? o.localAddresses : [undefined]).map((addr) => ({ addr, agent: newAgent() }));
  let lat = new Float64Array(1 << 16);
  let n = 0;
  let errors = 0;
  const outcomes = new Map<string, number>();
  let next = 0;
  const t0 = performance.now();
  const measureFrom = t0 + warmup;
  const end = measureFrom + o.durationMs;
  let stopped = false;
  let windowPhase: 'before' | 'start' | 'end' = 'before';
  const windowAt = (phase: 'start' | 'end'): void => {
    if (!o.onWindow || windowPhase === 'end' || (phase === 'end' && windowPhase === 'before')) return;
    windowPhase = phase;
    o.onWindow(phase);
  };
  const windowTimers = o.onWindow ? [setTimeout(() => windowAt('start'), warmup), setTimeout(() => windowAt('end'), warmup + o.durationMs)] : [];
  const client = async (i: number): Promise<void> => {
    const { addr, agent } = agents[i % agents.length]!;
    const interval = o.intervalMs ?? 0;
    // Paced clients start spread over one interval, not all at once.
    let due = performance.now() + (interval * i) / o.concurrency;
    while (!stopped) {
      if (interval > 0) {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        due = Math.max(due + interval, performance.now());
      }
      const spec = o.requests[next++ % o.requests.length]!;
      const start = performance.now();
      if (start >= end) break;
      let ok: boolean;
      let label: string;
      try {
        const r = await once(agent, url, spec, addr);
        ok = (spec.ok ?? defaultOk)(r.status, r.body);
        label = String(r.status);
      } catch (e) {
        ok = false;
        label = (e as NodeJS.ErrnoException).code ?? 'error';
      }
      const done = performance.now();
      if (start >= measureFrom && done <= end) {
        if (n === lat.length) {
          const bigger = new Float64Array(lat.length * 2);
          bigger.set(lat);
          lat = bigger;
        }
        lat[n++] = done - start;
        if (!ok) errors++;
        outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
      }
      if (o.stop?.()) stopped = true;
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_, i) => client(i)));
  for (const t of windowTimers) clearTimeout(t);
  windowAt('end'); // stopped early
  for (const a of agents) a.agent.destroy();
  const elapsedMs = Math.min(performance.now(), end) - measureFrom;
  const sorted = sortedCopy(lat.subarray(0, n));
  let sum = 0;
  for (const x of sorted) sum += x;
  return {
    count: n,
    errors,
    rps: (n * 1000) / elapsedMs,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    mean: sum / n,
    latencies: sorted,
    outcomes,
    elapsedMs,
  };
}
