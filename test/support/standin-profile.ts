// Fresh config and state folders whose registry's default profile points at a stand-in Odoo (or at
// an upstream a test puts in front of it), the upstream key in a 0600 file: what the proxy harness
// and the exec tests start from.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Standin } from '../standin/server.js';
import { tempFolders } from './cli.js';
import { RegistryStore } from '../../src/registry/store.js';
import { registryPath } from '../../src/registry/paths.js';
import { mintKey } from '../../src/registry/keys.js';
import type { KeyRecord } from '../../src/registry/types.js';
import type { Limits, Rule } from '../../src/policy/types.js';

export interface NewKey {
  /** Default: key-N. */
  name?: string;
  rules: Rule[];
  limits?: Limits;
  expires?: string;
  learning?: boolean;
}

export interface StandinProfile {
  /** Config folder (keys.yaml): what the CLI gets as ODOO_KEYS_HOME. */
  home: string;
  /** State folder: what the CLI gets as ODOO_KEYS_STATE_HOME. */
  state: string;
  store: RegistryStore;
  profile: string;
  /** Adds a key to the registry (as `create` would) and returns its token. */
  addKey(key: NewKey): Promise<{ token: string; id: string; name: string }>;
  /** Changes a key in the registry (as `scope`, `rotate` or `revoke` would). */
  editKey(id: string, change: (k: KeyRecord) => void): Promise<void>;
  /** Removes the folders (the stand-in is the caller's to close). */
  cleanup(): void;
}

let counter = 0;

/** The folders live next to each other under one temp folder named with `prefix`. */
export async function standinProfile(standin: Standin, opts: { profile?: string; url?: string; prefix?: string } = {}): Promise<StandinProfile> {
  const f = tempFolders(opts.prefix);
  const keyFile = join(f.home, '..', 'upstream.key');
  writeFileSync(keyFile, `${standin.users.integration.apiKey}\n`, { mode: 0o600 });
  const profile = opts.profile ?? 'test';
  const store = new RegistryStore(registryPath(f.home));
  await store.update((reg) => {
    reg.profiles[profile] = { url: opts.url ?? standin.url, db: standin.db, login: standin.users.integration.login, key_file: keyFile } as (typeof reg.profiles)[string];
    reg.default_profile = profile;
  });
  return {
    home: f.home,
    state: f.state,
    store,
    profile,
    async addKey(k) {
      const minted = mintKey();
      const name = k.name ?? `key-${++counter}`;
      const record: KeyRecord = { id: minted.id, name, profile, hash: minted.hash, created: new Date().toISOString(), rules: k.rules };
      if (k.limits) record.limits = k.limits;
      if (k.expires) record.expires = k.expires;
      if (k.learning) record.learning = true;
      await store.update((reg) => {
        reg.keys.push(record);
      });
      return { token: minted.token, id: minted.id, name };
    },
    async editKey(id, change) {
      await store.update((reg) => {
        const k = reg.keys.find((x) => x.id === id);
        if (!k) throw new Error(`no key ${id}`);
        change(k);
      });
    },
    cleanup: f.cleanup,
  };
}
