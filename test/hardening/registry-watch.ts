// Shared by the registry hardening tests: a proxy watching keys.yaml that records every registry
// problem it reports, and calls from addresses of their own.
import { startHarness, post, type Harness } from '../support/proxy-harness.js';
import { silentLogger, type Logger } from '../../src/proxy/log.js';

export const partnerRead = [{ model: 'res.partner', methods: ['read'], fields: ['name'] }];

let client = 0;
/** One call, from an address of its own (so the failed-attempt throttle stays out of the way). */
export async function status(h: Harness, token: string): Promise<number> {
  client++;
  const from = `10.9.${(client >> 8) & 255}.${client & 255}`;
  return (await post(`${h.url}/json/2/res.partner/search_count`, '{"domain":[]}', { Authorization: `bearer ${token}`, 'Content-Type': 'application/json', 'X-Forwarded-For': from })).status;
}

/** A proxy whose log keeps every registry problem it reports (each one, not a sample). */
export async function startWatchedHarness(): Promise<{ h: Harness; problems: string[] }> {
  const problems: string[] = [];
  const log: Logger = {
    ...silentLogger,
    error: (msg, fields) => {
      if (/registry/.test(msg)) problems.push(`${msg}: ${String(fields?.error ?? '')}`);
    },
  };
  // One trusted hop: status() gives each call its own address.
  return { h: await startHarness({ version: 19, server: { trustProxyHops: 1 }, log }), problems };
}
