// Scope learning end to end with the real CLI and real clients: `odoo-keys learn` -> the client
// runs through the proxy -> `odoo-keys scope suggest` -> `--apply` -> the same client run passes
// under the learned scope, and a call outside it is refused.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EXAMPLES, lastJson, run, startWorld, type World } from '../integrations/support.js';
import { json, runCli } from '../support/cli.js';
import { validateRules } from '../../src/policy/validate.js';
import { keyStatus } from '../../src/registry/registry.js';

const SYNC = join(EXAMPLES, 'nightly-sync', 'sync_stats.py');

describe('learn -> nightly sync (python3 xmlrpc.client) -> scope suggest -> --apply', () => {
  let w: World;
  let token: string;
  const cli = () => ({ home: w.home, state: w.stateDir });
  const sync = (day: string) => run('python3', [SYNC, '--json'], { ODOO_URL: w.url, ODOO_DB: w.db, ODOO_USER: 'sync', ODOO_API_KEY: token, STATS_DAY: day });
  before(async () => {
    w = await startWorld({ version: 19, studioStats: true });
  });
  after(() => w?.close());

  test('learn: a key printed once, loudly marked, expiring on its own, listed as learning', async () => {
    const r = await runCli(cli(), ['learn', 'stats-sync', '--ttl', '30m']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^!! LEARNING KEY stats-sync /m);
    assert.match(r.stdout, /may do whatever the Odoo user .* may, except the sensitive models; every call is recorded/);
    token = /(odk_[0-9a-f]{8}_[0-9A-Za-z]{43})/.exec(r.stdout)![1]!;
    const reg = await w.store.read();
    const key = reg.keys.find((k) => k.name === 'stats-sync')!;
    assert.equal(key.learning, true);
    assert.deepEqual(key.rules, []);
    const ttl = Date.parse(key.expires!) - Date.parse(key.created);
    assert.ok(ttl >= 30 * 60_000 - 1000 && ttl <= 30 * 60_000 + 1000, String(ttl));
    assert.doesNotMatch(JSON.stringify(reg), new RegExp(token.slice(13)), 'only the hash is kept');
    const list = json(await runCli(cli(), ['list', '--json']));
    assert.equal(list.keys[0].status, 'learning');
    assert.match(list.keys[0].summary, /^LEARNING/);
    const show = await runCli(cli(), ['show', 'stats-sync']);
    assert.match(show.stdout, /status +learning/);
    assert.match(show.stdout, /LEARNING: whatever the Odoo user may, except sensitive models/);
    await w.proxy.reload();
  });

  test('learning keys never reach sensitive models and die with their TTL; learn refuses long TTLs and taken names', async () => {
    const denied = await run('python3', ['-c', "import os,xmlrpc.client as x\ntry:\n  x.ServerProxy(os.environ['U']+'/xmlrpc/2/object').execute_kw(os.environ['D'],2,os.environ['K'],'res.users','search_read',[[]],{'fields':['login']})\nexcept x.Fault as f: print(f.faultString)"], { U: w.url, D: w.db, K: token });
    assert.match(denied.stdout, /res\.users is a sensitive model, which learning keys never reach/);
    const long = await runCli(cli(), ['learn', 'other', '--ttl', '2d']);
    assert.equal(long.code, 2);
    assert.match(long.stderr, /--ttl: at most 1d/);
    const taken = await runCli(cli(), ['learn', 'stats-sync']);
    assert.equal(taken.code, 2);
    assert.match(taken.stderr, /a key named 'stats-sync' exists already/);
    assert.equal(keyStatus({ ...(await w.store.read()).keys[0]!, expires: '2000-01-01T00:00:00Z' }, new Date()), 'expired');
  });

  test('a learning key keeps its end: scope cannot lift or extend it, and rule edits (which it would ignore) are refused', async () => {
    const before = JSON.stringify(await w.store.read());
    const lifted = await runCli(cli(), ['scope', 'stats-sync', '--clear', 'expires', '--offline']);
    assert.equal(lifted.code === 0, false, lifted.stdout);
    assert.match(lifted.stderr, /a learning key must expire/);
    const extended = await runCli(cli(), ['scope', 'stats-sync', '--expires', '3650d', '--offline']);
    assert.equal(extended.code === 0, false, extended.stdout);
    assert.match(extended.stderr, /a learning key expires at most 24h after it was created/);
    const edited = await runCli(cli(), ['scope', 'stats-sync', '--add', 'crm.lead:read', '--offline']);
    assert.equal(edited.code, 2, edited.stdout);
    assert.match(edited.stderr, /key 'stats-sync' is learning: its calls are not checked against rules until 'odoo-keys scope suggest stats-sync --apply'/);
    assert.equal(JSON.stringify(await w.store.read()), before, 'keys.yaml changed');
  });

  test('the sync runs in learning mode; suggest prints the least scope, with the domain every search used', async () => {
    const first = await sync('2026-11-29');
    assert.equal(first.status, 0, first.stderr);
    assert.equal(lastJson(first).action, 'created');
    assert.equal(lastJson(await sync('2026-11-29')).action, 'updated');
    const r = await runCli(cli(), ['scope', 'suggest', 'stats-sync']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# Suggested scope for key 'stats-sync' \([0-9a-f]{8}\), learned from 6 calls between /);
    const learned = validateRules((parse(r.stdout) as { rules: unknown }).rules, 'rules');
    assert.deepEqual(learned, [
      { model: 'res.partner', methods: ['read'], fields: ['customer_rank', 'email', 'id', 'name'].filter((f) => f !== 'id'), domain: [['customer_rank', '>', 0]] },
      { model: 'x_saas_stats', methods: ['read'], fields: ['x_name'] },
      { model: 'x_saas_stats', methods: ['create'], fields: ['x_customers', 'x_name', 'x_with_email'] },
      { model: 'x_saas_stats', methods: ['write'], fields: ['x_customers', 'x_with_email'] },
    ]);
    assert.match(r.stdout, /# - refused even while learning, so left out: res\.users\.search_read \(1 call\)/);
    const j = json(await runCli(cli(), ['scope', 'suggest', 'stats-sync', '--json']));
    assert.equal(j.applied, false);
    assert.equal(j.suggestion.seen.calls, 6);
    assert.deepEqual(j.suggestion.rules, learned);
    assert.equal((await w.store.read()).keys[0]!.learning, true, 'suggest alone changes nothing');
  });

  test('--apply: a scoped key (learning off, no learning expiry), under which the same run passes and anything else is refused', async () => {
    const r = await runCli(cli(), ['scope', 'suggest', 'stats-sync', '--apply']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /stats-sync is now a scoped key \(learning off\), with no expiry/);
    const key = (await w.store.read()).keys.find((k) => k.name === 'stats-sync')!;
    assert.equal(key.learning, undefined);
    assert.equal(key.expires, undefined);
    assert.equal(key.rules.length, 4);
    await w.proxy.reload();
    const again = await sync('2026-11-30');
    assert.equal(again.status, 0, again.stderr);
    assert.equal(lastJson(again).action, 'created');
    assert.equal(lastJson(await sync('2026-11-30')).action, 'updated');
    const outside = await run('python3', ['-c', "import os,xmlrpc.client as x\nm=x.ServerProxy(os.environ['U']+'/xmlrpc/2/object')\nfor a in (('res.partner','search_read',[[]],{'fields':['name','phone']}),('x_saas_stats','unlink',[[1]],{}),('crm.lead','search_count',[[]],{})):\n  try: print('ok', m.execute_kw(os.environ['D'],2,os.environ['K'],*a))\n  except x.Fault as f: print('refused', f.faultString)"], { U: w.url, D: w.db, K: token });
    assert.deepEqual(outside.stdout.trim().split('\n').map((l) => l.split(' ')[0]), ['refused', 'refused', 'refused'], outside.stdout + outside.stderr);
    assert.match(outside.stdout, /field 'phone'/);
    const entries = (await w.journal()).filter((e) => e.name === 'stats-sync' && e.model);
    const after = entries.filter((e) => !e.learning);
    assert.ok(after.length >= 6 && after.filter((e) => e.decision === 'allow').every((e) => typeof e.rule === 'number' && e.rule >= 0));
    // --apply again: the key is not learning any more
    const twice = await runCli(cli(), ['scope', 'suggest', 'stats-sync', '--apply']);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /is not in learning mode/);
    // without --apply it still prints what was learned, and does not offer the --apply just refused
    const later = await runCli(cli(), ['scope', 'suggest', 'stats-sync']);
    assert.equal(later.code, 0, later.stderr);
    assert.doesNotMatch(later.stdout, /--apply/);
    assert.match(later.stdout, /^# stats-sync is no longer in learning mode .*odoo-keys create <name> --scope-file <this file>$/m);
  });
});

describe('learn -> website form handler (JSON-2) -> suggest --apply --expires', () => {
  let w: World;
  before(async () => {
    w = await startWorld({ version: 19 });
  });
  after(() => w?.close());

  test('the form handler’s one create is learned with its four fields; after --apply a read is refused', async () => {
    const cli = { home: w.home, state: w.stateDir };
    const learned = json(await runCli(cli, ['learn', 'form', '--ttl', '15m', '--ip', '127.0.0.1', '--json']));
    assert.equal(learned.key.status, 'learning');
    assert.deepEqual(learned.key.limits, { ips: ['127.0.0.1'] });
    await w.proxy.reload();
    const token = learned.token as string;
    const submitOnce = async (): Promise<number> => {
      const child = spawn(process.execPath, [join(EXAMPLES, 'website-form', 'form_handler.mjs')], { env: { ...process.env, ODOO_URL: w.url, ODOO_DB: w.db, ODOO_API_KEY: token, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
      const closed = new Promise((r) => child.on('close', r));
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout!.setEncoding('utf8').on('data', (d: string) => {
            out += d;
            const m = /listening on (http:\/\/\S+)/.exec(out);
            if (m) resolve(m[1]!);
          });
          child.on('close', () => reject(new Error(`form handler exited: ${out}`)));
        });
        const r = await fetch(url, { method: 'POST', body: new URLSearchParams({ name: 'Ann', email: 'ann@example.com', phone: '1', message: 'hi' }) });
        await r.text();
        return r.status;
      } finally {
        child.kill('SIGTERM');
        await closed;
      }
    };
    assert.equal(await submitOnce(), 200);
    const applied = await runCli(cli, ['scope', 'suggest', 'form', '--apply', '--expires', '90d', '--json']);
    assert.equal(applied.code, 0, applied.stderr);
    const out = json(applied);
    assert.deepEqual(out.suggestion.rules, [{ model: 'crm.lead', methods: ['create'], fields: ['description', 'email_from', 'name', 'phone'] }]);
    assert.equal(out.key.status, 'active');
    assert.deepEqual(out.key.limits, { ips: ['127.0.0.1'] }, 'limits given at learn are kept');
    assert.ok(Date.parse(out.key.expires) > Date.now() + 80 * 86_400_000);
    await w.proxy.reload();
    assert.equal(await submitOnce(), 200);
    const read = await fetch(`${w.url}/json/2/crm.lead/search_read`, { method: 'POST', headers: { Authorization: `bearer ${token}`, 'X-Odoo-Database': w.db, 'Content-Type': 'application/json' }, body: JSON.stringify({ domain: [], fields: ['name'] }) });
    assert.equal(read.status, 403);
    assert.match(((await read.json()) as { message: string }).message, /may not call crm\.lead\.search_read/);
  });
});

describe('learn -> an assistant reading many2one fields and searching through relations (JSON-2) -> suggest --apply', () => {
  let w: World;
  before(async () => {
    w = await startWorld({ version: 19 });
  });
  after(() => w?.close());

  test('the names of linked records the client saw while learning are still shown after --apply (a read of display_name on the comodel is suggested), and its searches through relations are still allowed', async () => {
    const cli = { home: w.home, state: w.stateDir };
    const learned = json(await runCli(cli, ['learn', 'assistant', '--ttl', '15m', '--json']));
    await w.proxy.reload();
    const token = learned.token as string;
    const searchRead = async (): Promise<{ status: number; rows: { stage_id: unknown }[] }> => {
      const r = await fetch(`${w.url}/json/2/crm.lead/search_read`, { method: 'POST', headers: { Authorization: `bearer ${token}`, 'X-Odoo-Database': w.db, 'Content-Type': 'application/json' }, body: JSON.stringify({ domain: [['stage_id', '!=', false]], fields: ['name', 'stage_id'], limit: 3 }) });
      return { status: r.status, rows: (await r.json()) as { stage_id: unknown }[] };
    };
    // Searches through relations: a path (read on res.partner and res.country), and text compared
    // with a relation (a name search on crm.stage, which matches any of its fields).
    const count = async (): Promise<{ status: number; body: unknown }> => {
      const r = await fetch(`${w.url}/json/2/crm.lead/search_count`, { method: 'POST', headers: { Authorization: `bearer ${token}`, 'X-Odoo-Database': w.db, 'Content-Type': 'application/json' }, body: JSON.stringify({ domain: [['partner_id.country_id.code', '!=', 'XX'], ['partner_id.name', 'ilike', 'a'], ['stage_id', 'ilike', 'n']] }) });
      return { status: r.status, body: await r.json() };
    };
    const counted = await count();
    assert.equal(counted.status, 200, JSON.stringify(counted.body));
    assert.ok(typeof counted.body === 'number' && counted.body > 0, JSON.stringify(counted.body));
    const before = await searchRead();
    assert.equal(before.status, 200);
    assert.ok(before.rows.length > 0 && before.rows.every((r) => Array.isArray(r.stage_id) && typeof r.stage_id[1] === 'string' && r.stage_id[1] !== 'odoo-keys: hidden'), JSON.stringify(before.rows));
    const applied = await runCli(cli, ['scope', 'suggest', 'assistant', '--apply', '--json']);
    assert.equal(applied.code, 0, applied.stderr);
    const rules = json(applied).suggestion.rules as { model: string; fields?: string[]; domain?: unknown }[];
    // crm.stage: its names were shown, and the name search reads it on any field (no field list, no domain).
    assert.ok(rules.some((r) => r.model === 'crm.stage' && r.fields === undefined && r.domain === undefined), applied.stdout);
    assert.ok(rules.some((r) => r.model === 'res.country' && r.fields?.includes('code')), applied.stdout);
    assert.ok(rules.some((r) => r.model === 'res.partner' && r.fields?.includes('name') && r.fields?.includes('country_id')), applied.stdout);
    await w.proxy.reload();
    const after = await searchRead();
    assert.equal(after.status, 200);
    assert.deepEqual(after.rows.map((r) => r.stage_id), before.rows.map((r) => r.stage_id), 'the same answers as while learning');
    assert.deepEqual(await count(), counted, 'the searches through relations are allowed, with the same answer');
  });
});

describe('learn -> products created on an _inherits model (JSON-2) -> suggest --apply', () => {
  let w: World;
  before(async () => {
    w = await startWorld({ version: 19 });
    // Creating products takes Sales / Administrator (sale's ir.model.access.csv): the operator gave it.
    w.standin.orm.raw.userGroups.get(w.uid)!.add('sales_team.group_sale_manager');
  });
  after(() => w?.close());

  test('the templates the learned creates made or wrote are in the suggestion (create, write, name_create), so the same calls pass after --apply; a template field never written stays refused', async () => {
    const cli = { home: w.home, state: w.stateDir };
    const learned = json(await runCli(cli, ['learn', 'catalogue', '--ttl', '15m', '--json']));
    await w.proxy.reload();
    const token = learned.token as string;
    const call = async (model: string, method: string, body: unknown): Promise<{ status: number; body: unknown }> => {
      const r = await fetch(`${w.url}/json/2/${model}/${method}`, { method: 'POST', headers: { Authorization: `bearer ${token}`, 'X-Odoo-Database': w.db, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: await r.json() };
    };
    // one vals_list: a variant with a new template, one added to template 1 (renaming it); then name_create
    const calls = async (): Promise<{ status: number; body: unknown }[]> => [
      await call('product.product', 'create', { vals_list: [{ name: 'Chair', default_code: 'C1', list_price: 5 }, { default_code: 'C2', product_tmpl_id: 1, list_price: 7 }] }),
      await call('product.product', 'name_create', { name: 'Stool' }),
    ];
    const first = await calls();
    for (const r of first) assert.equal(r.status, 200, JSON.stringify(r.body));
    const applied = await runCli(cli, ['scope', 'suggest', 'catalogue', '--apply', '--json']);
    assert.equal(applied.code, 0, applied.stderr);
    const rules = json(applied).suggestion.rules as { model: string; methods: string[]; fields?: string[] }[];
    // name_create: create on every field; the write takes the inherited fields of the whole vals_list
    // (the journal keeps the union of the records' fields: 'name' came with the record that created)
    assert.deepEqual(rules.filter((r) => r.model === 'product.template'), [{ model: 'product.template', methods: ['create'] }, { model: 'product.template', methods: ['write'], fields: ['list_price', 'name'] }], applied.stdout);
    await w.proxy.reload();
    const again = await calls();
    for (const r of again) assert.equal(r.status, 200, JSON.stringify(r.body));
    const rename = await call('product.product', 'create', { vals_list: [{ default_code: 'C3', product_tmpl_id: 1, sale_ok: false }] });
    assert.equal(rename.status, 403, JSON.stringify(rename.body));
    assert.match((rename.body as { message: string }).message, /product\.template/);
  });
});
