// Loads the recorded Odoo exchanges from ../shared/odoo-wire (the ground truth for formats).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WireExchange {
  file: string; // e.g. "18/xmlrpc/07-search-read-fields.json"
  odoo: '18.0' | '19.0';
  protocol: 'xmlrpc' | 'jsonrpc' | 'json2';
  title: string;
  as_user: 'admin' | 'integration' | 'none';
  request: { method: string; path: string; headers: Record<string, string>; body: string };
  response: { status: number; headers: Record<string, string>; body: string };
  notes: string;
}

/** The odoo-wire folder: ODOO_WIRE_DIR, or ../shared/odoo-wire beside the checkout. */
export function wireDir(): string {
  if (process.env.ODOO_WIRE_DIR) return resolve(process.env.ODOO_WIRE_DIR);
  // dist/test/support/wire.js -> repo root is three levels up; the shared folder sits beside it.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, '..', 'shared', 'odoo-wire');
    if (existsSync(candidate)) return resolve(candidate);
    dir = join(dir, '..');
  }
  throw new Error('odoo-wire recordings not found: set ODOO_WIRE_DIR or put shared/ beside the checkout');
}

export function loadWire(filter?: { version?: '18' | '19'; protocol?: WireExchange['protocol'] }): WireExchange[] {
  const root = wireDir();
  const out: WireExchange[] = [];
  for (const version of ['18', '19'] as const) {
    if (filter?.version && filter.version !== version) continue;
    for (const protocol of ['xmlrpc', 'jsonrpc', 'json2'] as const) {
      if (filter?.protocol && filter.protocol !== protocol) continue;
      const dir = join(root, version, protocol);
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
        const data = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Omit<WireExchange, 'file'>;
        out.push({ file: `${version}/${protocol}/${name}`, ...data });
      }
    }
  }
  return out;
}

/** Test keys standing in for the recordings' <ADMIN_KEY> / <INTEGRATION_KEY> placeholders. */
export const WIRE_KEYS = {
  admin: 'a1f0c3e2d4b5a6978899aabbccddeeff00112233',
  integration: 'b2e1d4c3f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0',
} as const;

export function fillKeys(s: string): string {
  return s.replaceAll('<ADMIN_KEY>', WIRE_KEYS.admin).replaceAll('<INTEGRATION_KEY>', WIRE_KEYS.integration);
}
