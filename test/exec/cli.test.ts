// `odoo-keys exec` as a user runs it: real child processes (Python's xmlrpc.client, a Node
// script with an npm client, sh), against the Odoo 18 and 19 stand-in.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { BIN, REPO_ROOT, json } from '../support/cli.js';
import { TOKEN_SCAN_PATTERN } from '../../src/registry/keys.js';
import { execWorld, runExec, type ExecWorld } from './support.js';

const PYTHON_SCENARIO = String.raw`
import json, os, xmlrpc.client
url, db, user, key = os.environ['ODOO_URL'], os.environ['ODOO_DB'], os.environ['ODOO_USERNAME'], os.environ['ODOO_PASSWORD']
out = {'url': url, 'db': db, 'user': user, 'key_id': os.environ['ODOO_KEYS_EXEC'], 'expires_at': os.environ['ODOO_KEYS_EXPIRES_AT'],
       'same': [os.environ['ODOO_API_KEY'] == key, os.environ['ODOO_DATABASE'] == db, os.environ['ODOO_USER'] == user]}
common = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/common')
uid = out['uid'] = common.authenticate(db, user, key, {})
models = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object')
out['customers'] = models.execute_kw(db, uid, key, 'res.partner', 'search_read', [[['customer_rank', '>', 0]]], {'fields': ['name', 'email'], 'limit': 3, 'order': 'id'})
for name, call in [('other_model', ('crm.lead', 'search_read', [[]], {'fields': ['name'], 'limit': 1})),
                   ('other_field', ('res.partner', 'search_read', [[]], {'fields': ['phone'], 'limit': 1})),
                   ('write', ('res.partner', 'write', [[1], {'name': 'renamed'}], {}))]:
    try:
        models.execute_kw(db, uid, key, *call)
        out[name] = 'allowed'
    except xmlrpc.client.Fault as f:
        out[name] = f.faultString
# Is the key on the command line of any process on this machine (exec's and this one's included)?
hits = []
for pid in os.listdir('/proc'):
    if pid.isdigit():
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as fh:
                if key.encode() in fh.read():
                    hits.append(int(pid))
        except OSError:
            pass
out['cmdline_hits'] = hits
with open('/proc/%d/cmdline' % os.getppid(), 'rb') as fh:
    out['parent_cmdline'] = fh.read().decode().split('\0')
out['key'] = key
print(json.dumps(out))
`;

const SCOPE = ['--scope', 'res.partner:read(name,email,customer_rank)'];

for (const version of [18, 19] as const) {
  describe(`exec against the Odoo ${version} stand-in`, () => {
    let w: ExecWorld;
    before(async () => {
      w = await execWorld(version);
    });
    after(() => w.close());

    test("Python's xmlrpc.client reads within the scope and is refused outside it; the key on no command line, not in the journal", async () => {
      const script = w.script('scenario.py', PYTHON_SCENARIO);
      const r = await runExec(w, [...SCOPE, '--ttl', '10m', '--', 'python3', script, 'an-argument']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.match(out.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(out.db, w.standin.db);
      assert.equal(out.user, w.standin.users.integration.login);
      assert.deepEqual(out.same, [true, true, true]);
      assert.match(out.key, /^odk_[0-9a-f]{8}_[0-9A-Za-z]{43}$/);
      assert.equal(out.key.slice(4, 12), out.key_id);
      const ttlLeft = Date.parse(out.expires_at) - Date.now();
      assert.ok(ttlLeft > 0 && ttlLeft <= 10 * 60_000, out.expires_at);
      // The uid is the real integration user's, as authenticate through the proxy answers.
      assert.equal(out.uid, w.standin.users.integration.uid);
      assert.equal(out.customers.length, 3);
      for (const c of out.customers) assert.deepEqual(Object.keys(c).sort(), ['email', 'id', 'name']);
      assert.match(out.other_model, /^odoo-keys: key 'exec-python3' may not call crm\.lead\.search_read/);
      assert.match(out.other_field, /may not call res\.partner\.search_read: .*'phone'/);
      assert.match(out.write, /may not call res\.partner\.write/);
      assert.deepEqual(out.cmdline_hits, []);
      assert.equal(out.parent_cmdline[1], BIN, 'the parent checked is exec itself');

      // Journaled under the temporary key's own id, with who ran it; the program only, not its arguments.
      const lines = w.journal().filter((e) => e.key === out.key_id);
      // The run's start and end lines frame its calls (they are not calls: no decision).
      assert.deepEqual([lines[0]!.event, lines.at(-1)!.event], ['exec_start', 'exec_end']);
      assert.deepEqual((lines.at(-1)!.exec as { calls: number; denied: number }), { ...(lines.at(-1)!.exec as object), how: 'exited', exit_code: 0, calls: 5, denied: 3 });
      const entries = lines.slice(1, -1);
      assert.deepEqual(
        entries.map((e) => [e.service === 'common' ? `common.${e.function}` : `${e.model}.${e.method}`, e.decision]),
        [['common.authenticate', 'allow'], ['res.partner.search_read', 'allow'], ['crm.lead.search_read', 'deny'], ['res.partner.search_read', 'deny'], ['res.partner.write', 'deny']],
      );
      for (const e of lines) {
        assert.equal(e.name, 'exec-python3');
        assert.deepEqual(e.temporary, { user: userInfo().username, host: hostname(), cwd: REPO_ROOT, command: 'python3' });
      }
      // The secret: not in the journal, keys.yaml, last-used.json or anything else exec keeps, nor on exec's stderr.
      const secret = out.key.slice(13);
      assert.ok(!w.allFilesText().includes(secret));
      assert.ok(!r.stderr.includes(secret));
      assert.ok(!readFileSync(join(w.home, 'keys.yaml'), 'utf8').includes(out.key_id), 'never written to the registry');
      // The command has ended: its proxy is gone.
      await assert.rejects(fetch(`${out.url}/xmlrpc/2/common`, { method: 'POST', body: '<methodCall><methodName>version</methodName></methodCall>' }));
      // Odoo only ever saw the real integration user.
      const upstream = w.standin.received.filter((c) => c.uid !== undefined);
      assert.ok(upstream.length > 0);
      assert.ok(upstream.every((c) => c.uid === w.standin.users.integration.uid));
    });

    test('the examples in docs/exec.md run as written (xmlrpc.client, and JSON-2 on Odoo 19)', async () => {
      const doc = readFileSync(join(REPO_ROOT, 'docs', 'exec.md'), 'utf8');
      const blocks = [...doc.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]!);
      assert.equal(blocks.length, 2);
      const xmlrpc = await runExec(w, [...SCOPE, '--', 'python3', w.script('customers.py', blocks[0]!)]);
      assert.equal(xmlrpc.code, 0, xmlrpc.stderr);
      const expected = w.standin.orm.searchRead('res.partner', [['customer_rank', '>', 0]], ['name', 'email'], { limit: 5, order: 'id', uid: w.standin.users.integration.uid });
      assert.equal(expected.length, 5);
      assert.equal(xmlrpc.stdout, expected.map((c) => `${String(c.name)} ${c.email ? String(c.email) : ''}\n`).join(''));
      if (version >= 19) {
        const json2 = await runExec(w, [...SCOPE, '--', 'python3', w.script('customers-json2.py', blocks[1]!)]);
        assert.equal(json2.code, 0, json2.stderr);
        assert.equal(json2.stdout, xmlrpc.stdout);
      }
    });

    test('a Node script with @fernandoslim/odoo-jsonrpc, unchanged but for where its settings come from', async () => {
      const code = `
        import mod from '@fernandoslim/odoo-jsonrpc';
        const OdooJSONRpc = mod.default;
        const u = new URL(process.env.ODOO_URL);
        const odoo = new OdooJSONRpc({ baseUrl: u.protocol + '//' + u.hostname, port: Number(u.port), db: process.env.ODOO_DB, username: process.env.ODOO_USERNAME, apiKey: process.env.ODOO_API_KEY });
        const out = { auth: await odoo.connect() };
        out.rows = await odoo.searchRead('res.partner', [['customer_rank', '>', 0]], ['name'], { limit: 2, order: 'id' });
        try { await odoo.create('res.partner', { name: 'not allowed' }); out.create = 'allowed'; } catch (e) { out.create = String(e && e.message || e); }
        console.log(JSON.stringify(out));`;
      const r = await runExec(w, [...SCOPE, '--', process.execPath, '--input-type=module', '-e', code]);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.deepEqual(out.auth, { uid: w.standin.users.integration.uid });
      assert.equal(out.rows.length, 2);
      assert.match(out.create, /may not call res\.partner\.create/);
      const names = new Set(w.journal().map((e) => e.name));
      assert.ok(names.has(`exec-${process.execPath.split('/').pop()}`));
    });
  });
}

describe('exec: exit codes, commands that cannot run, variables, nesting, --key, dry run', () => {
  let w: ExecWorld;
  before(async () => {
    w = await execWorld(19);
  });
  after(() => w.close());

  test("exit codes: the command's own, 128 + signal", async () => {
    const cases: [string[], number][] = [
      [['true'], 0],
      [['sh', '-c', 'exit 3'], 3],
      [['sh', '-c', 'exit 255'], 255],
      [['sh', '-c', 'kill -TERM $$'], 143],
      [['sh', '-c', 'kill -KILL $$'], 137],
      [['sh', '-c', 'kill -INT $$'], 130],
    ];
    const results = await Promise.all(cases.map(([cmd]) => runExec(w, [...SCOPE, '--', ...cmd])));
    results.forEach((r, i) => assert.equal(r.code, cases[i]![1], `${cases[i]![0].join(' ')}: ${r.stderr}`));
  });

  test('a command that cannot be started: 127 not found, 126 not executable or a folder, with a clear message; nothing started', async () => {
    const before = w.standin.received.length;
    const missing = await runExec(w, [...SCOPE, '--', 'no-such-command-odoo-keys', '--flag']);
    assert.equal(missing.code, 127);
    assert.equal(missing.stderr, 'odoo-keys: no-such-command-odoo-keys: command not found\n');
    const missingPath = await runExec(w, [...SCOPE, '--', './no/such/script.py']);
    assert.equal(missingPath.code, 127);
    assert.match(missingPath.stderr, /\.\/no\/such\/script\.py: command not found/);
    const data = w.script('data.csv', 'a,b\n', 0o644);
    const notExec = await runExec(w, [...SCOPE, '--', data]);
    assert.equal(notExec.code, 126);
    assert.equal(notExec.stderr, `odoo-keys: ${data}: permission denied (not executable)\n`);
    const folder = await runExec(w, [...SCOPE, '--', w.dir]);
    assert.equal(folder.code, 126);
    assert.match(folder.stderr, /is a directory/);
    const asJson = await runExec(w, [...SCOPE, '--json', '--', 'no-such-command-odoo-keys']);
    assert.equal(asJson.code, 127);
    assert.deepEqual(json(asJson), { error: { code: 'command_not_found', message: 'no-such-command-odoo-keys: command not found' } });
    // No proxy was started: Odoo was never asked anything.
    assert.equal(w.standin.received.length, before);
  });

  test("exec's own usage errors", async () => {
    const noDash = await runExec(w, [...SCOPE, 'true']);
    assert.equal(noDash.code, 2);
    const noCommand = await runExec(w, [...SCOPE, '--']);
    assert.equal(noCommand.code, 2);
    assert.match(noCommand.stderr, /missing the command after '--'/);
    const noScope = await runExec(w, ['--', 'true']);
    assert.equal(noScope.code, 2);
    assert.match(noScope.stderr, /missing a scope/);
    const ip = await runExec(w, [...SCOPE, '--ip', '10.0.0.0/8', '--', 'true']);
    assert.equal(ip.code, 2, 'exec has no --ip: its only caller is 127.0.0.1');
    const badTtl = await runExec(w, [...SCOPE, '--ttl', 'soon', '--', 'true']);
    assert.equal(badTtl.code, 2);
    assert.match(badTtl.stderr, /--ttl: 'soon' is not a duration/);
    const unknownKey = await runExec(w, ['--key', 'nope', '--', 'true']);
    assert.equal(unknownKey.code, 4);
    // Odoo unreachable (and no uid recorded to fall back on): exit 6, and the command never ran.
    await w.store.update((reg) => {
      reg.profiles.down = { url: 'http://127.0.0.1:1', db: 'x', login: 'y', key_file: (reg.profiles.test as { key_file: string }).key_file } as (typeof reg.profiles)[string];
    });
    const down = await runExec(w, [...SCOPE, '--profile', 'down', '--', 'sh', '-c', 'echo ran']);
    assert.equal(down.code, 6, down.stderr);
    assert.equal(down.stdout, '');
    assert.match(down.stderr, /^odoo-keys: the proxy could not start, nothing was run: profile 'down'/);
    // A journal that cannot be written would refuse every call (fail closed): exec says so first.
    const notAFolder = w.script('not-a-folder', '');
    const noJournal = await runExec(w, [...SCOPE, '--audit-dir', join(notAFolder, 'journal'), '--', 'sh', '-c', 'echo ran']);
    assert.equal(noJournal.code, 1, noJournal.stderr);
    assert.equal(noJournal.stdout, '');
    assert.match(noJournal.stderr, /^odoo-keys: the journal cannot be written, nothing was run: /);
    // Flags after -- belong to the command, never to exec.
    const theirs = await runExec(w, [...SCOPE, '--', 'sh', '-c', 'echo "$@"', 'sh', '--json', '--ttl', '1s', '--dry-run']);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.equal(theirs.stdout, '--json --ttl 1s --dry-run\n');
  });

  test('variables of the same names are replaced, never passed on; the upstream key is withheld', async () => {
    const upstreamKey = w.standin.users.integration.apiKey!;
    const stale = {
      ODOO_URL: 'https://odoo.invalid',
      ODOO_DB: 'stale-db',
      ODOO_DATABASE: 'stale-db',
      ODOO_USERNAME: 'stale-user',
      ODOO_USER: 'stale-user',
      ODOO_PASSWORD: 'stale-password',
      ODOO_API_KEY: 'stale-api-key',
      ODOO_KEYS_EXPIRES_AT: '1999-01-01T00:00:00Z',
      ODOO_KEYS_EXEC: 'feedf00d',
      ODOO_KEYS_UPSTREAM_KEY: upstreamKey,
      ODOO_SOMETHING_ELSE: 'kept',
    };
    const dump = "console.log(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => /^odoo/i.test(k)))))";
    const r = await runExec(w, [...SCOPE, '--allow-nested', '--', process.execPath, '-e', dump], { env: stale });
    assert.equal(r.code, 0, r.stderr);
    const env = JSON.parse(r.stdout) as Record<string, string>;
    assert.match(env.ODOO_URL!, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(env.ODOO_DB, w.standin.db);
    assert.equal(env.ODOO_DATABASE, w.standin.db);
    assert.equal(env.ODOO_USERNAME, 'integration');
    assert.equal(env.ODOO_USER, 'integration');
    assert.match(env.ODOO_PASSWORD!, TOKEN_SCAN_PATTERN);
    assert.equal(env.ODOO_API_KEY, env.ODOO_PASSWORD);
    assert.notEqual(env.ODOO_KEYS_EXEC, 'feedf00d');
    assert.ok(Date.parse(env.ODOO_KEYS_EXPIRES_AT!) > Date.now());
    assert.equal(env.ODOO_SOMETHING_ELSE, 'kept');
    assert.ok(!('ODOO_KEYS_UPSTREAM_KEY' in env));
    for (const v of Object.values(stale)) if (v !== 'kept' && v !== upstreamKey) assert.ok(!Object.values(env).includes(v), v);
    assert.ok(!r.stdout.includes(upstreamKey));
  });

  test('a nested exec is refused unless --allow-nested', async () => {
    const inner = `"$NODE" "$BIN" exec --scope 'res.partner:read' $NESTED -- sh -c 'echo "inner $ODOO_KEYS_EXEC $ODOO_URL"'`;
    const outer = `echo "outer $ODOO_KEYS_EXEC $ODOO_URL"; ${inner}`;
    const env = { NODE: process.execPath, BIN };
    const refused = await runExec(w, [...SCOPE, '--', 'sh', '-c', outer], { env: { ...env, NESTED: '' } });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /already running under odoo-keys exec \(temporary key [0-9a-f]{8}\).*--allow-nested/);
    assert.doesNotMatch(refused.stdout, /inner/);
    const allowed = await runExec(w, [...SCOPE, '--', 'sh', '-c', outer], { env: { ...env, NESTED: '--allow-nested' } });
    assert.equal(allowed.code, 0, allowed.stderr);
    const [o, i] = allowed.stdout.trim().split('\n').map((l) => l.split(' '));
    assert.equal(o![0], 'outer');
    assert.equal(i![0], 'inner');
    assert.notEqual(o![1], i![1], 'the inner command has its own key');
    assert.notEqual(o![2], i![2], 'and its own proxy');
  });

  test('--key NAME: its scope, narrowed by flags (a call needs both)', async () => {
    await w.addKey({ name: 'sync', rules: [{ model: 'res.partner', methods: ['read'] }, { model: 'crm.lead', methods: ['read'] }] });
    const script = w.script(
      'two-models.py',
      String.raw`
import json, os, xmlrpc.client
url, db, key = os.environ['ODOO_URL'], os.environ['ODOO_DB'], os.environ['ODOO_PASSWORD']
m = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object')
out = {}
for model in ['res.partner', 'crm.lead', 'sale.order']:
    try:
        m.execute_kw(db, 7, key, model, 'search_read', [[]], {'fields': ['name'], 'limit': 1})
        out[model] = 'allowed'
    except xmlrpc.client.Fault as f:
        out[model] = f.faultString
print(json.dumps(out))
`,
    );
    const whole = await runExec(w, ['--key', 'sync', '--', 'python3', script]);
    assert.equal(whole.code, 0, whole.stderr);
    const a = JSON.parse(whole.stdout);
    assert.equal(a['res.partner'], 'allowed');
    assert.equal(a['crm.lead'], 'allowed');
    assert.match(a['sale.order'], /key 'sync\+exec' may not call sale\.order\.search_read/);
    const narrowed = await runExec(w, ['--key', 'sync', '--model', 'res.partner', '--method', 'read', '--', 'python3', script]);
    assert.equal(narrowed.code, 0, narrowed.stderr);
    const b = JSON.parse(narrowed.stdout);
    assert.equal(b['res.partner'], 'allowed');
    assert.match(b['crm.lead'], /\(the temporary key's narrower scope\)/);
    // Flags cannot widen it: sale.order is not in sync's scope.
    const widened = await runExec(w, ['--key', 'sync', '--model', 'sale.order', '--method', 'read', '--', 'python3', script]);
    const c = JSON.parse(widened.stdout);
    assert.match(c['sale.order'], /may not call sale\.order\.search_read/);
    assert.match(c['res.partner'], /narrower scope/);
    // A revoked key gives nothing to exec.
    await w.store.update((reg) => {
      reg.keys.find((k) => k.name === 'sync')!.revoked = new Date(Date.now() - 1000).toISOString();
    });
    const revoked = await runExec(w, ['--key', 'sync', '--', 'true']);
    assert.equal(revoked.code, 2);
    assert.match(revoked.stderr, /key 'sync' is revoked/);
  });

  test("other local clients' made-up keys do not lock the command out (every caller of exec's port is 127.0.0.1)", async () => {
    // Another OS user finds the port in /proc/net/tcp; what it sends arrives from 127.0.0.1 as the
    // command's own calls do. The command itself stands in for it here.
    const code = `
      const call = async (key) => (await fetch(process.env.ODOO_URL + '/json/2/res.partner/search_count', { method: 'POST', body: '{"domain":[]}',
        headers: { Authorization: 'bearer ' + key, 'X-Odoo-Database': process.env.ODOO_DB, 'Content-Type': 'application/json' } })).status;
      const out = { before: await call(process.env.ODOO_API_KEY), guesses: [] };
      for (let i = 0; i < 12; i++) out.guesses.push(await call('odk_4000000' + (i % 10) + '_' + 'H'.repeat(43)));
      // Wrong secrets for the key's own id too (the id is public: it is in ODOO_KEYS_EXEC and the journal).
      for (let i = 0; i < 12; i++) out.guesses.push(await call('odk_' + process.env.ODOO_KEYS_EXEC + '_' + 'J'.repeat(43)));
      out.after = await call(process.env.ODOO_API_KEY);
      console.log(JSON.stringify(out));`;
    const r = await runExec(w, ['--scope', 'res.partner:read(name)', '--', process.execPath, '--input-type=module', '-e', code]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { before: number; guesses: number[]; after: number };
    assert.equal(out.before, 200);
    assert.deepEqual(out.guesses, Array(24).fill(401));
    assert.equal(out.after, 200, 'the command is still served');
    // Each failed attempt is journaled all the same.
    const failed = w.journal().filter((e) => e.decision === 'deny' && /invalid key/.test(e.reason ?? '') && e.key === null);
    assert.ok(failed.length >= 24, `${failed.length} lines for failed attempts`);
  });

  test('--key NAME with records_per_hour in a --scope-file: the stricter budget applies', async () => {
    await w.addKey({ name: 'budgeted', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name'] }], limits: { records_per_hour: 1000 } });
    const scopeFile = w.script('budget.yaml', 'rules: []\nlimits: { records_per_hour: 2 }\n', 0o644);
    const script = w.script(
      'budget.py',
      String.raw`
import json, os, xmlrpc.client
url, db, key = os.environ['ODOO_URL'], os.environ['ODOO_DB'], os.environ['ODOO_PASSWORD']
m = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object')
out = {'first': len(m.execute_kw(db, 7, key, 'res.partner', 'search_read', [[]], {'fields': ['name'], 'limit': 5}))}
try:
    out['second'] = len(m.execute_kw(db, 7, key, 'res.partner', 'search_read', [[]], {'fields': ['name'], 'limit': 5}))
except xmlrpc.client.Fault as f:
    out['second'] = f.faultString
print(json.dumps(out))
`,
    );
    const r = await runExec(w, ['--key', 'budgeted', '--scope-file', scopeFile, '--', 'python3', script]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { first: number; second: number | string };
    assert.equal(out.first, 2, 'the search is narrowed to the flags\' budget');
    assert.match(String(out.second), /has read its 2 records this hour/);
  });

  test('a misspelt method in the scope is warned about before the command runs, as create does', async () => {
    const r = await runExec(w, ['--scope', 'res.partner:reed(name)', '--dry-run', '--', 'true']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^odoo-keys: warning: res\.partner: 'reed' is not a standard method \(a rule allows it as written\); did you mean read\?$/m);
  });

  test('--dry-run shows the scope and the variables with the key masked, and starts nothing', async () => {
    const before = w.standin.received.length;
    const journalBefore = w.journal().length;
    const r = await runExec(w, ['--scope', 'res.partner:read(name,email)', '--rate', '30/min', '--kill-on-expiry', '--dry-run', '--json', '--', 'python3', 'import.py', '--verbose']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, TOKEN_SCAN_PATTERN);
    const view = json(r);
    assert.equal(view.dry_run, true);
    assert.deepEqual(view.command.args, ['import.py', '--verbose']);
    assert.match(view.command.path, /python3$/);
    assert.deepEqual(view.key.scope, ['res.partner:read(name,email)']);
    assert.deepEqual(view.key.limits, { rate: '30/min' });
    assert.deepEqual(view.kill_on_expiry, { grace_ms: 10_000 });
    assert.equal(view.variables.ODOO_PASSWORD, `odk_${view.key.id}_********`);
    assert.equal(view.variables.ODOO_API_KEY, `odk_${view.key.id}_********`);
    assert.equal(view.variables.ODOO_DB, w.standin.db);
    assert.equal(view.variables.ODOO_URL, 'http://127.0.0.1:<port>');
    const text = await runExec(w, ['--scope', 'res.partner:read(name,email)', '--dry-run', '--', 'no-such-command-odoo-keys']);
    assert.equal(text.code, 0, text.stderr);
    assert.doesNotMatch(text.stdout, TOKEN_SCAN_PATTERN);
    assert.match(text.stdout, /^Dry run: nothing started/);
    assert.match(text.stdout, /no-such-command-odoo-keys: command not found \(exec would exit 127\)/);
    assert.match(text.stdout, /ODOO_PASSWORD=odk_[0-9a-f]{8}_\*{8}\n/);
    assert.equal(w.standin.received.length, before, 'no proxy, no Odoo connection');
    assert.equal(w.journal().length, journalBefore);
  });
});
