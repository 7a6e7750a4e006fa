// wrk (Debian's `wrk` package, written in C) as a second, independent load generator: the same
// requests as lib/load.ts, so the small-call figures do not rest on our own generator alone, and
// with a generator that takes far less of the shared CPU than a Node one.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs } from './proc.js';
import type { RequestSpec } from './load.js';

export interface WrkResult {
  /** Answers counted as successes per second over the whole run (wrk has no warm-up). */
  rps: number;
  requests: number;
  /** Answers that were not a success (HTTP status, an XML-RPC fault) plus socket errors and timeouts. */
  errors: number;
  p50: number;
  p99: number;
  /** CPU time of wrk itself per request, ms. */
  generatorCpu: number;
}

/** Whether wrk is installed (`apt-get install wrk`); the bench never downloads anything. */
export function wrkAvailable(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

// One Lua state per wrk thread: `bad` is a global so that done() can read each thread's count.
const SCRIPT = `
local f = assert(io.open(os.getenv("WRK_BODY"), "rb"))
wrk.method = "POST"
wrk.path = os.getenv("WRK_PATH")
wrk.body = f:read("*a")
f:close()
for line in io.lines(os.getenv("WRK_HEADERS")) do
  local k, v = line:match("^([^:]+): (.*)$")
  if k then wrk.headers[k] = v end
end
bad = 0
local fault = os.getenv("WRK_FAULT")
function response(status, headers, body)
  if status ~= 200 or (fault ~= "" and body:find(fault, 1, true)) then bad = bad + 1 end
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  local e = summary.errors
  io.write(string.format('WRK-RESULT {"requests":%d,"durationUs":%d,"bad":%d,"socketErrors":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, b, e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
`;

/**
 * Runs wrk with `connections` connections on one thread (one core's worth is plenty for wrk and
 * leaves the other to the servers) for `durationS` seconds. `onRunning` gets wrk's pid once it
 * runs, `onEnd` is called when it exits (for CPU counters of the servers, read around the same
 * window). `faultMarker`: a string whose presence in a 200 answer marks a failure (XML-RPC).
 */
export async function runWrk(opts: { url: string; spec: RequestSpec; connections: number; durationS: number; faultMarker?: string; onStart?: () => void; onEnd?: () => void }): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'odoo-keys-wrk-'));
  try {
    writeFileSync(join(dir, 'script.lua'), SCRIPT);
    writeFileSync(join(dir, 'body'), opts.spec.body);
    writeFileSync(join(dir, 'headers'), Object.entries(opts.spec.headers).map(([k, v]) => `${k}: ${v}\n`).join(''));
    const child = spawn('wrk', ['-t1', `-c${opts.connections}`, `-d${opts.durationS}s`, '--timeout', '10s', '-s', join(dir, 'script.lua'), opts.url], {
      env: { ...process.env, WRK_BODY: join(dir, 'body'), WRK_HEADERS: join(dir, 'headers'), WRK_PATH: opts.spec.path, WRK_FAULT: opts.faultMarker ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    opts.onStart?.();
    let out = '';
    let err = '';
    let lastCpu = 0;
    // wrk's own CPU, read just before it exits (the last sample within the run is close enough).
    const sampler = setInterval(() => {
      try {
        lastCpu = cpuMs(child.pid!);
      } catch {
        /* exited */
      }
    }, 50);
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    clearInterval(sampler);
    opts.onEnd?.();
    const line = /^WRK-RESULT (.*)$/m.exec(out);
    if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${err || out}`);
    const r = JSON.parse(line[1]!) as { requests: number; durationUs: number; bad: number; socketErrors: number; p50Us: number; p99Us: number };
    const good = r.requests - r.bad;
    return { rps: good / (r.durationUs / 1e6), requests: r.requests, errors: r.bad + r.socketErrors, p50: r.p50Us / 1000, p99: r.p99Us / 1000, generatorCpu: lastCpu / Math.max(1, r.requests) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
