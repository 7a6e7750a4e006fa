// exec reads keys.yaml once (the --key, the profile) and hands that read to its proxy and to the
// watch that makes the temporary key follow its --key. A change made after that read, while the
// proxy was starting, must not be lost: here the --key is revoked between exec's read and runExec,
// and the command's very first call must already be refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execWorld } from './support.js';
import { runExec, temporaryOrigin } from '../../src/exec/run.js';
import { findCommand } from '../../src/exec/process.js';
import { mintKey } from '../../src/registry/keys.js';
import { resolveProfile } from '../../src/registry/registry.js';
import { silentLogger } from '../../src/proxy/log.js';

const FIRST_CALL = String.raw`
import os, sys, xmlrpc.client
objects = xmlrpc.client.ServerProxy(os.environ['ODOO_URL'] + '/xmlrpc/2/object')
try:
    answer = str(objects.execute_kw(os.environ['ODOO_DB'], 7, os.environ['ODOO_PASSWORD'], 'res.partner', 'search_count', [[]]))
except xmlrpc.client.Fault as f:
    answer = f.faultString
open(sys.argv[1], 'w').write(answer)
`;

test('a --key revoked after exec read keys.yaml: the command starts with a revoked temporary key', async (t) => {
  const w = await execWorld(19);
  t.after(() => w.close());
  const base = await w.addKey({ name: 'importer', rules: [{ model: 'res.partner', methods: ['read', 'search_count'] }] });
  const snapshot = await w.store.readSnapshot();
  const profile = resolveProfile(snapshot.registry);
  await w.store.update((reg) => {
    reg.keys.find((k) => k.id === base.id)!.revoked = new Date(Date.now() - 1000).toISOString();
  });

  const found = findCommand('python3', process.env.PATH, process.cwd());
  assert.ok('path' in found, 'python3 is needed');
  const minted = mintKey();
  const now = new Date();
  const out = join(w.dir, 'answer.txt');
  const notices: string[] = [];
  const outcome = await runExec({
    home: w.home,
    registry: snapshot,
    stateDir: w.state,
    auditDir: w.journalDir,
    profile,
    command: 'python3',
    args: [w.script('first-call.py', FIRST_CALL), out],
    commandPath: found.path,
    identity: { id: minted.id, hash: minted.hash, name: 'importer+exec', profile: profile.name, created: now.toISOString(), ttlExpires: new Date(now.getTime() + 600_000).toISOString(), origin: temporaryOrigin('python3') },
    token: minted.token,
    flags: { rules: [], limits: {} },
    baseKeyId: base.id,
    killOnExpiry: false,
    killGraceMs: 1000,
    log: silentLogger,
    notice: (m) => notices.push(m),
  });
  assert.deepEqual(outcome, { exitCode: 0 });
  assert.match(readFileSync(out, 'utf8'), /^odoo-keys: key 'importer\+exec' \([0-9a-f]{8}\) was revoked at /);
  assert.ok(notices.some((n) => n.includes('the temporary key was revoked')), notices.join('\n'));
});
