// Fuzzing the running proxy: recorded requests (whose credentials are upstream keys, never valid
// odk_ keys), near misses of a valid key, and mutations of both, sent over HTTP to a proxy in
// front of a stand-in that counts what reaches it. Invariants: nothing unauthenticated reaches
// Odoo, no exception escapes the pipeline (no 500 'internal error'), every answer is a complete
// HTTP answer, and the proxy still serves a valid call at the end.

import fc from 'fast-check';
import { startHarness, type Harness } from '../support/proxy-harness.js';
import { fillKeys, loadWire, WIRE_KEYS } from '../support/wire.js';

interface Seed {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** A key that differs from `token` in one place (a changed, dropped, added or case-flipped character, or a swapped part). */
function nearMiss(token: string, kind: number, at: number): string {
  const i = 4 + (at % (token.length - 4));
  const c = token[i]!;
  const other = c === 'A' ? 'B' : 'A';
  switch (kind % 7) {
    case 0:
      return token.slice(0, i) + other + token.slice(i + 1);
    case 1:
      return token.slice(0, i) + token.slice(i + 1);
    case 2:
      return `${token}${other}`;
    case 3:
      return token.slice(0, i) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + token.slice(i + 1) + (c.toLowerCase() === c.toUpperCase() ? 'x' : '');
    case 4: {
      const [, id, secret] = token.split('_');
      return `odk_${id!.split('').reverse().join('')}_${secret}`;
    }
    case 5:
      return ` ${token}`;
    default:
      return `${token.slice(0, -1)}\u0000`;
  }
}

function seeds(): Seed[] {
  return loadWire().map((w) => ({
    path: w.request.path,
    headers: Object.fromEntries(Object.entries(w.request.headers).map(([k, v]) => [k, fillKeys(v)])),
    body: Buffer.from(fillKeys(w.request.body), 'utf8'),
  }));
}

export interface ProxyFuzzResult {
  requests: number;
  statuses: Record<string, number>;
}

/**
 * Runs the proxy fuzz for `numRuns` requests (or until `timeMs`), with `seed`. Throws on the first
 * broken invariant, with fast-check's counterexample and replay seed.
 */
export async function fuzzProxy(opts: { seed: number; numRuns?: number; timeMs?: number }): Promise<ProxyFuzzResult> {
  const h: Harness = await startHarness({ version: 19, server: { trustProxyHops: 1 } });
  const statuses: Record<string, number> = {};
  let requests = 0;
  try {
    const { token } = await h.addKey({ name: 'valid', rules: [{ model: 'res.partner', methods: ['read', 'write', 'create'] }, { model: 'crm.*', methods: ['read', 'create'] }] });
    const all = seeds();
    const wireKeys = [WIRE_KEYS.admin, WIRE_KEYS.integration];
    const reqArb = fc.record({
      seed: fc.nat(all.length - 1),
      credential: fc.oneof(fc.constant('recorded'), fc.tuple(fc.nat(6), fc.nat()).map(([k, at]) => nearMiss(token, k, at)), fc.constantFrom('', 'odk_', 'odk__', `odk_${'0'.repeat(8)}_${'A'.repeat(43)}`, 'admin', 'null')),
      flips: fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3 }),
      cut: fc.option(fc.nat(), { nil: undefined, freq: 6 }),
      from: fc.nat(0xffffff),
    });
    h.standin.clearReceived();
    const prop = fc.asyncProperty(reqArb, async (r) => {
      const s = all[r.seed]!;
      let text = s.body.toString('utf8');
      const headers: Record<string, string> = { ...s.headers };
      if (r.credential !== 'recorded') {
        for (const k of wireKeys) text = text.split(k).join(r.credential);
        if (headers.Authorization) headers.Authorization = `bearer ${r.credential}`;
      }
      let body = Buffer.from(text, 'utf8');
      if (r.flips.length && body.length) {
        body = Buffer.from(body);
        for (const [at, v] of r.flips) body[at % body.length] = v;
      }
      if (r.cut !== undefined) body = body.subarray(0, r.cut % (body.length + 1));
      // A mutation that happened to rebuild the valid key would be a valid call: not what this tests.
      fc.pre(!body.includes(token) && !(headers.Authorization ?? '').includes(token));
      for (const k of Object.keys(headers)) if (/[^\t\x20-\x7e]/.test(headers[k]!)) delete headers[k]; // fetch refuses such headers
      headers['X-Forwarded-For'] = `10.${(r.from >> 16) & 255}.${(r.from >> 8) & 255}.${r.from & 255}`;
      const res = await fetch(`${h.url}${s.path}`, { method: 'POST', body, headers, signal: AbortSignal.timeout(30_000) });
      const answer = await res.text();
      requests++;
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status >= 500 && /internal error/.test(answer)) throw new Error(`an exception escaped the pipeline: ${res.status} ${answer}`);
      const reached = h.standin.received.filter((c) => c.function !== 'version');
      if (reached.length) throw new Error(`an unauthenticated request reached Odoo: ${JSON.stringify(reached.map((c) => [c.path, c.function, c.method]))}`);
    });
    await fc.assert(prop, {
      seed: opts.seed,
      numRuns: opts.numRuns ?? Number.MAX_SAFE_INTEGER,
      ...(opts.timeMs !== undefined ? { interruptAfterTimeLimit: opts.timeMs, markInterruptAsFailure: false } : {}),
    });
    // Still serving a valid call.
    const ok = await fetch(`${h.url}/json/2/res.partner/search_count`, { method: 'POST', body: '{"domain":[]}', headers: { Authorization: `bearer ${token}`, 'Content-Type': 'application/json' } });
    if (ok.status !== 200) throw new Error(`the proxy no longer serves a valid call: ${ok.status} ${await ok.text()}`);
    return { requests, statuses };
  } finally {
    await h.close();
  }
}
