// Counters and a latency histogram, exposed in Prometheus text format on /metrics.

const BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export class Metrics {
  private readonly calls = new Map<string, { labels: Record<string, string>; n: number }>();
  private readonly upstreamErrors = new Map<string, number>();
  private readonly buckets = new Array<number>(BUCKETS_MS.length).fill(0);
  private latencySum = 0;
  private latencyCount = 0;
  authFailures = 0;
  throttled = 0;
  inFlight = 0;
  /** Connections closed at once because --max-connections (and the health reserve past it) were open. */
  droppedConnections = 0;
  /** Calls answered 503 on a connection of the health reserve (past --max-connections). */
  overLimitCalls = 0;

  /** One finished call: which key, allowed or denied, how it ended, how long it took. */
  observeCall(key: string, decision: string, outcome: string, ms: number): void {
    const labels = { key, decision, outcome };
    const id = `${key}\u0000${decision}\u0000${outcome}`;
    const c = this.calls.get(id);
    if (c) c.n++;
    else this.calls.set(id, { labels, n: 1 });
    for (let i = 0; i < BUCKETS_MS.length; i++) if (ms <= BUCKETS_MS[i]!) this.buckets[i]!++;
    this.latencySum += ms;
    this.latencyCount++;
  }

  /** One key's calls so far, and how many were not allowed (exec's end line counts its run's). */
  callsOf(key: string): { calls: number; denied: number } {
    let calls = 0;
    let denied = 0;
    for (const c of this.calls.values()) {
      if (c.labels.key !== key) continue;
      calls += c.n;
      if (c.labels.decision !== 'allow') denied += c.n;
    }
    return { calls, denied };
  }

  observeUpstreamError(profile: string): void {
    this.upstreamErrors.set(profile, (this.upstreamErrors.get(profile) ?? 0) + 1);
  }

  render(gauges: Record<string, number> = {}, counters: Record<string, number> = {}): string {
    const out: string[] = [];
    out.push('# HELP odoo_keys_calls_total Calls through the proxy by key, decision and outcome.', '# TYPE odoo_keys_calls_total counter');
    for (const { labels, n } of this.calls.values()) out.push(`odoo_keys_calls_total${labelText(labels)} ${n}`);
    out.push('# HELP odoo_keys_call_duration_ms Time from request to answer, in milliseconds.', '# TYPE odoo_keys_call_duration_ms histogram');
    BUCKETS_MS.forEach((b, i) => out.push(`odoo_keys_call_duration_ms_bucket{le="${b}"} ${this.buckets[i]}`));
    out.push(`odoo_keys_call_duration_ms_bucket{le="+Inf"} ${this.latencyCount}`);
    out.push(`odoo_keys_call_duration_ms_sum ${this.latencySum}`, `odoo_keys_call_duration_ms_count ${this.latencyCount}`);
    out.push('# HELP odoo_keys_upstream_errors_total Calls that could not reach Odoo or broke on the way back.', '# TYPE odoo_keys_upstream_errors_total counter');
    for (const [profile, n] of this.upstreamErrors) out.push(`odoo_keys_upstream_errors_total${labelText({ profile })} ${n}`);
    out.push('# HELP odoo_keys_auth_failures_total Calls with an unknown, malformed, revoked or expired key.', '# TYPE odoo_keys_auth_failures_total counter', `odoo_keys_auth_failures_total ${this.authFailures}`);
    out.push('# HELP odoo_keys_throttled_total Calls refused by rate limits, failed-attempt throttling or concurrency caps.', '# TYPE odoo_keys_throttled_total counter', `odoo_keys_throttled_total ${this.throttled}`);
    out.push('# HELP odoo_keys_connections_dropped_total Client connections closed at once because --max-connections and the health reserve past it were open.', '# TYPE odoo_keys_connections_dropped_total counter', `odoo_keys_connections_dropped_total ${this.droppedConnections}`);
    out.push('# HELP odoo_keys_calls_over_connection_limit_total Calls answered 503 on a connection past --max-connections (kept for health checks).', '# TYPE odoo_keys_calls_over_connection_limit_total counter', `odoo_keys_calls_over_connection_limit_total ${this.overLimitCalls}`);
    out.push('# HELP odoo_keys_in_flight Calls being handled now.', '# TYPE odoo_keys_in_flight gauge', `odoo_keys_in_flight ${this.inFlight}`);
    for (const [name, v] of Object.entries(gauges)) out.push(`# TYPE ${name} gauge`, `${name} ${v}`);
    for (const [name, v] of Object.entries(counters)) out.push(`# TYPE ${name} counter`, `${name} ${v}`);
    return `${out.join('\n')}\n`;
  }
}
