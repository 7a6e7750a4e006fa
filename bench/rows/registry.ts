// Row 4: a registry of 10,000 keys. Key lookup and authentication per call (10 keys vs 10,000),
// reading the file again (what a reload does), one change written (what `create` does), and how
// long a change takes to be live in a running proxy that watches the file.

import { appendFileSync, statSync } from 'node:fs';
import { RegistryStore } from '../../src/registry/store.js';
import { registryPath } from '../../src/registry/paths.js';
import { mintKey } from '../../src/registry/keys.js';
import type { KeyRecord } from '../../src/registry/types.js';
import { KeyIndex, authenticateKey } from '../../src/proxy/keys.js';
import { encodeMethodCall } from '../../src/rpc/xmlrpc.js';
import { startStandinProcess } from '../lib/standin.js';
import { makeHome, startProxyProcess, type BenchHome } from '../lib/proxy.js';
import { sendOnce } from '../lib/calls.js';
import { median, table, ms } from '../lib/stats.js';
import type { Row, RowOptions } from '../lib/row.js';

function keyRecords(n: number, profile: string): { records: KeyRecord[]; tokens: string[] } {
  const records: KeyRecord[] = [];
  const tokens: string[] = [];
  const used = new Set<string>();
  for (let i = 0; i < n; i++) {
    let id: string;
    do id = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0').slice(0, 8);
    while (used.has(id));
    used.add(id);
    const m = mintKey(id);
    tokens.push(m.token);
    const r: KeyRecord = {
      id,
      name: `integration-${i}`,
      profile,
      hash: m.hash,
      created: '2026-11-01T10:00:00.000Z',
      rules: [
        { model: i % 2 ? 'crm.lead' : 'res.partner', methods: ['read'], fields: ['name', 'email', 'phone'] },
        ...(i % 3 === 0 ? [{ model: 'sale.order', methods: ['read', 'create'], domain: [['state', '=', 'draft']] }] : []),
      ],
    };
    if (i % 5 === 0) r.expires = '2027-11-01T10:00:00.000Z';
    if (i % 7 === 0) r.limits = { rate: '60/min', ips: ['203.0.113.0/24'] };
    records.push(r);
  }
  return { records, tokens };
}

/** Per-call cost of fn in µs (CPU of this process), over about `msec` after a warm-up. */
function usPerCall(fn: (i: number) => unknown, msec: number): number {
  for (let i = 0; i < 2000; i++) fn(i);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < msec) {
    for (let i = 0; i < 200; i++) fn(n + i);
    n += 200;
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

export const registryRow: Row = {
  id: 'registry',
  title: 'Registry of 10,000 keys',
  estimate: '1 min',
  async run(o: RowOptions) {
    const N = 10_000;
    const reps = o.quick ? 1 : 3;
    const standin = await startStandinProcess();
    let home: BenchHome | undefined;
    try {
      home = await makeHome(standin);
      const h = home;
      const { records, tokens } = keyRecords(N, h.profile);
      const write = await timed(() => h.store.update((reg) => void reg.keys.push(...records)));
      const size = statSync(registryPath(h.home)).size;
      o.log(`registry: wrote ${N} keys (${(size / 1e6).toFixed(1)} MB) in ${write.ms.toFixed(0)} ms`);

      // Reading again: what a reload does (read, parse, check), and the index it builds.
      const readTimes: number[] = [];
      const indexTimes: number[] = [];
      let reg = await h.store.read();
      for (let i = 0; i < reps; i++) {
        const r = await timed(() => h.store.read());
        reg = r.value;
        readTimes.push(r.ms);
        const t0 = performance.now();
        new KeyIndex(reg.keys);
        indexTimes.push(performance.now() - t0);
      }
      o.log(`registry: read ${ms(median(readTimes))}, index ${ms(median(indexTimes))}`);
      // One key added, as `odoo-keys create` does (lock, read, change, write atomically).
      const updateTimes: number[] = [];
      for (let i = 0; i < reps; i++) {
        const m = mintKey();
        updateTimes.push((await timed(() => h.store.update((r) => void r.keys.push({ id: m.id, name: `added-${i}`, profile: h.profile, hash: m.hash, created: new Date().toISOString(), rules: [{ model: 'res.partner', methods: ['read'] }] })))).ms);
      }
      o.log(`registry: one key added ${ms(median(updateTimes))}`);
      // The same with 10 keys, for scale.
      const small = new RegistryStore(registryPath(`${h.root}/small`));
      await small.update((r) => {
        r.profiles[h.profile] = { url: standin.url, db: standin.db, login: 'x' } as (typeof r.profiles)[string];
        r.keys.push(...records.slice(0, 10));
      });
      const smallRead: number[] = [];
      for (let i = 0; i < reps; i++) smallRead.push((await timed(() => small.read())).ms);

      // Lookup + authentication per call, 10 keys vs 10,000.
      const now = new Date('2026-11-28T12:00:00Z');
      const big = new KeyIndex(reg.keys);
      const ten = new KeyIndex(reg.keys.slice(0, 10));
      const msec = o.quick ? 500 : 1500;
      const auth10 = usPerCall((i) => authenticateKey(ten, tokens[i % 10]!, now), msec);
      const auth10k = usPerCall((i) => authenticateKey(big, tokens[(i * 7919) % N]!, now), msec);
      const unknown = mintKey().token;
      const authUnknown = usPerCall(() => authenticateKey(big, unknown, now), msec);
      const get10 = usPerCall((i) => ten.get(records[i % 10]!.id), msec);
      const get10k = usPerCall((i) => big.get(records[(i * 7919) % N]!.id), msec);

      o.log(`registry: authenticate ${auth10.toFixed(2)} / ${auth10k.toFixed(2)} µs`);
      // A running proxy watching the 10,000-key file: how soon a new key works, and an explicit reload.
      const proxy = await startProxyProcess(h, { journal: false });
      const live: number[] = [];
      const liveAfterWrite: number[] = [];
      const reloads: number[] = [];
      let stallMs = NaN;
      try {
        // First how soon a change made by another process is live (the watcher alone), then
        // explicit reloads (SIGHUP's path), so the two never run into each other.
        // Watched through /healthz's key count, not by trying the new key: failed tries would
        // soon lock the address out (10 failures, 60 s), as they would for any client.
        const keysLoaded = async (): Promise<number> => {
          const r = (await (await fetch(`${proxy.url}/healthz`)).json()) as { checks: { registry: { detail?: string } } };
          return Number(/^(\d+) keys/.exec(r.checks.registry.detail ?? '')?.[1] ?? NaN);
        };
        for (let i = 0; i < reps; i++) {
          const m = mintKey();
          const before = await keysLoaded();
          const t0 = performance.now();
          await h.store.update((r) => void r.keys.push({ id: m.id, name: `live-${i}`, profile: h.profile, hash: m.hash, created: new Date().toISOString(), rules: [{ model: 'res.partner', methods: ['read'] }] }));
          const written = performance.now() - t0;
          while ((await keysLoaded()) !== before + 1) {
            if (performance.now() - t0 > 180_000) throw new Error('a new key was not live after 180 s');
            await new Promise((res) => setTimeout(res, 5));
          }
          live.push(performance.now() - t0);
          liveAfterWrite.push(performance.now() - t0 - written);
          o.log(`registry: live after ${ms(live[live.length - 1]!)} (${ms(liveAfterWrite[liveAfterWrite.length - 1]!)} after the write)`);
        }
        // A reload of an unchanged file is a no-op (the watch compares the text): each one follows
        // a change (a comment line appended), and measures until that change is in force.
        for (let i = 0; i < reps; i++) {
          appendFileSync(registryPath(h.home), `# reload ${i}\n`);
          reloads.push(await proxy.reload());
        }
        // Meanwhile the proxy keeps answering: the longest a call waited during a reload.
        const stalls: number[] = [];
        for (let i = 0; i < reps; i++) {
          appendFileSync(registryPath(h.home), `# reload again ${i}\n`);
          const reloading = proxy.reload();
          let done = false;
          void reloading.then(() => (done = true));
          let worst = 0;
          const body = Buffer.from(encodeMethodCall('version', []));
          while (!done) {
            const t0 = performance.now();
            await sendOnce(proxy.url, { path: '/xmlrpc/2/common', headers: { 'Content-Type': 'text/xml' }, body });
            worst = Math.max(worst, performance.now() - t0);
          }
          stalls.push(worst);
        }
        stallMs = median(stalls);
        o.log(`registry: reloads ${reloads.map((x) => ms(x)).join(', ')}`);
      } finally {
        await proxy.stop();
      }
      const rows = [
        ['authenticate a key (lookup + 2 SHA-256 + constant-time compares), per call', `${auth10.toFixed(2)} µs`, `${auth10k.toFixed(2)} µs`, `${(auth10k - auth10 >= 0 ? '+' : '')}${(auth10k - auth10).toFixed(2)} µs`],
        ['authenticate an unknown key (decoy compares), per call', '-', `${authUnknown.toFixed(2)} µs`, ''],
        ['lookup by id alone, per call', `${(get10 * 1000).toFixed(0)} ns`, `${(get10k * 1000).toFixed(0)} ns`, ''],
        ['read + parse + check keys.yaml (a reload)', ms(median(smallRead)), ms(median(readTimes)), ''],
        ['build the key index', '-', ms(median(indexTimes)), ''],
        ['add one key (`create`: lock, read, write atomically)', '-', ms(median(updateTimes)), ''],
        ['reload inside a running proxy after a change (SIGHUP path; parsed in a worker thread)', '-', ms(median(reloads)), ''],
        ['the longest a call through that proxy waited during a reload', '-', ms(stallMs), ''],
        ['new key live in a running proxy: from the start of the write (lock, write) / from the end of the write', '-', `${ms(median(live))} / ${ms(median(liveAfterWrite))}`, ''],
      ];
      const markdown = [
        `keys.yaml with ${N.toLocaleString('en-US')} keys is ${(size / 1e6).toFixed(1)} MB (1-2 rules each, some with limits). Medians of ${reps} runs; per-call costs by CPU time in this process. Writing all ${N.toLocaleString('en-US')} keys at once took ${ms(write.ms)}.`,
        '',
        table(['what', '10 keys', '10,000 keys', 'difference'], rows),
      ].join('\n');
      return { markdown, data: { size, write: write.ms, readTimes, smallRead, indexTimes, updateTimes, reloads, stallMs, live, liveAfterWrite, auth10, auth10k, authUnknown, get10, get10k } };
    } finally {
      home?.remove();
      await standin.stop();
    }
  },
};
