// The temporary key's life: refused after its TTL (the command keeps running), or the command
// stopped with --kill-on-expiry (SIGTERM, then SIGKILL after the grace period); revoking the
// --key it came from ends it too. The commands wait for events (the expiry instant exec gave
// them, a signal, a line on stdin), never for a measured time. The TTLs leave the commands a few
// seconds to start on a loaded machine; a command that starts after its key died fails loudly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execWorld, runExec, startExec, type ExecWorld } from './support.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { registryPath } from '../../src/registry/paths.js';

const SCOPE = ['--scope', 'res.partner:read(name)'];

const CALL = String.raw`
import os, xmlrpc.client
url, db, key = os.environ['ODOO_URL'], os.environ['ODOO_DB'], os.environ['ODOO_PASSWORD']
objects = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object')
common = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/common')
def call():
    try:
        return objects.execute_kw(db, 7, key, 'res.partner', 'search_count', [[]])
    except xmlrpc.client.Fault as f:
        return f.faultString
`;

const OUTLIVE_TTL =
  CALL +
  String.raw`
import datetime, json, time
before = call()
expires = datetime.datetime.fromisoformat(os.environ['ODOO_KEYS_EXPIRES_AT'].replace('Z', '+00:00')).timestamp()
# Until just past the instant exec gave: the key is dead then whatever the machine's speed.
while time.time() < expires + 0.2:
    time.sleep(0.05)
import urllib.error, urllib.request
json2 = urllib.request.Request(url + '/json/2/res.partner/search_count', data=b'{"domain": []}',
                               headers={'Authorization': 'bearer ' + key, 'Content-Type': 'application/json'})
try:
    urllib.request.urlopen(json2)
    json2_status = 200
except urllib.error.HTTPError as e:
    json2_status = e.code
print(json.dumps({'before': before, 'after': call(), 'authenticate': common.authenticate(db, 'x', key, {}), 'json2': json2_status}), flush=True)
`;

const ON_TERM_EXIT_7 =
  CALL +
  String.raw`
import signal, sys, time
def on_term(n, frame):
    print('got SIGTERM', flush=True)
    sys.exit(7)
signal.signal(signal.SIGTERM, on_term)
print('first', call(), flush=True)
while True:
    time.sleep(0.1)
`;

// sh starts faster than python3 (a pyenv shim here): SIGTERM must find it already deaf to it.
const IGNORE_TERM = `trap '' TERM; echo ready; while :; do sleep 0.1; done`;

const UNTIL_REFUSED =
  CALL +
  String.raw`
import sys, time
print('first', call(), flush=True)
sys.stdin.readline()
# keys.yaml is watched: poll until the change shows (bounded, so a broken build fails, not hangs).
deadline = time.time() + 30
answer = call()
while isinstance(answer, int) and time.time() < deadline:
    time.sleep(0.1)
    answer = call()
print('then', answer, flush=True)
`;

describe('the temporary key over time', { concurrency: true }, () => {
  let w: ExecWorld;
  before(async () => {
    w = await execWorld(19);
  });
  after(() => w.close());

  test('after the TTL calls are refused with "odoo-keys: temporary key expired"; the command runs on', async () => {
    const r = await runExec(w, [...SCOPE, '--ttl', '8s', '--', 'python3', w.script('outlive-ttl.py', OUTLIVE_TTL)]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(typeof out.before, 'number', `the first call must come within the TTL: ${out.before}`);
    assert.equal(out.after, 'odoo-keys: temporary key expired');
    assert.equal(out.authenticate, false, 'authenticate answers False, as Odoo does for a dead key');
    assert.equal(out.json2, 401);
    assert.match(r.stderr, /^odoo-keys: the temporary key expired; calls through it are refused from now on$/m);
    const refused = w.journal().filter((e) => e.name === 'exec-python3' && e.reason?.includes('temporary key expired'));
    assert.ok(refused.length >= 1);
    assert.ok(refused.every((e) => e.decision === 'deny' && e.temporary?.command === 'python3'));
  });

  test('--kill-on-expiry: SIGTERM at expiry; the command exits as it chooses', async () => {
    const r = await runExec(w, [...SCOPE, '--ttl', '8s', '--kill-on-expiry', '--kill-grace', '5m', '--', 'python3', w.script('term-7.py', ON_TERM_EXIT_7)]);
    assert.match(r.stdout, /^first \d+$/m, r.stderr);
    assert.match(r.stdout, /^got SIGTERM$/m);
    assert.equal(r.code, 7);
    assert.match(r.stderr, /odoo-keys: the temporary key expired; stopping python3 \(SIGTERM, then SIGKILL after 5m\)/);
  });

  test('--kill-on-expiry: SIGKILL after the grace period when SIGTERM is ignored (exit 137)', async () => {
    const r = await runExec(w, [...SCOPE, '--ttl', '8s', '--kill-on-expiry', '--kill-grace', '1s', '--', 'sh', '-c', IGNORE_TERM]);
    assert.match(r.stdout, /^ready$/m, r.stderr);
    assert.equal(r.code, 137);
    assert.match(r.stderr, /SIGKILL after 1s/);
  });

  test('revoking the --key the temporary key came from stops it while the command runs', async () => {
    const k = await w.addKey({ name: 'importer', rules: [{ model: 'res.partner', methods: ['read'] }] });
    const run = startExec(w, ['--key', 'importer', '--', 'python3', w.script('until-refused.py', UNTIL_REFUSED)]);
    const first = await run.waitFor(/^first (.*)\n/m);
    assert.match(first[1]!, /^\d+$/, 'the key works at first');
    await w.store.update((reg) => {
      reg.keys.find((x) => x.id === k.id)!.revoked = new Date().toISOString();
    });
    run.child.stdin!.end('go\n');
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^then odoo-keys: key 'importer\+exec' \([0-9a-f]{8}\) was revoked at /m);
    assert.match(r.stderr, /the temporary key was revoked \(its --key was revoked or removed/);
  });
});

/**
 * Adds to a key's entry a field this version does not know, as a newer odoo-keys would write it
 * (this version's store refuses to); the file is put back when the test ends.
 */
function fieldOfANewerVersion(w: ExecWorld, id: string, t: { after: (fn: () => void) => void }): void {
  const path = registryPath(w.home);
  const text = readFileSync(path, 'utf8');
  t.after(() => writeFileSync(path, text));
  const doc = parseDocument(text);
  const i = (doc.toJS() as { keys: Array<{ id: string }> }).keys.findIndex((x) => x.id === id);
  doc.setIn(['keys', i, 'max_records'], 10);
  writeFileSync(path, doc.toString());
}

// A world of its own: the file written here is one this version's store refuses to edit, which the
// concurrent tests above do.
describe("the --key's entry in keys.yaml", () => {
  let w: ExecWorld;
  before(async () => {
    w = await execWorld(19);
  });
  after(() => w.close());

  test("the --key's entry turning unreadable to this version (a newer version's field) stops the temporary key, fail closed", async (t) => {
    const k = await w.addKey({ name: 'importer2', rules: [{ model: 'res.partner', methods: ['read'] }] });
    const run = startExec(w, ['--key', 'importer2', '--', 'python3', w.script('until-refused.py', UNTIL_REFUSED)]);
    const first = await run.waitFor(/^first (.*)\n/m);
    assert.match(first[1]!, /^\d+$/, 'the key works at first');
    fieldOfANewerVersion(w, k.id, t);
    run.child.stdin!.end('go\n');
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^then odoo-keys: key 'importer2\+exec' \([0-9a-f]{8}\) was revoked at /m);
    assert.match(r.stderr, /its entry in keys\.yaml can no longer be read/);
  });

  test('exec reads keys.yaml per entry, as serve does: another key this version cannot read does not stop a run; --key naming it is refused with why (exit 5)', async (t) => {
    const k = await w.addKey({ name: 'future-one', rules: [{ model: 'res.partner', methods: ['read'] }] });
    fieldOfANewerVersion(w, k.id, t);
    const ran = await runExec(w, ['--model', 'res.partner', '--method', 'read', '--', 'true']);
    assert.equal(ran.code, 0, ran.stderr);
    const refused = await runExec(w, ['--key', 'future-one', '--', 'true']);
    assert.equal(refused.code, 5, refused.stderr);
    assert.match(refused.stderr, /key 'future-one' cannot be read by this odoo-keys: .*keys\.yaml:\d+: keys\[\d+\]\.max_records: unknown field/);
  });
});
