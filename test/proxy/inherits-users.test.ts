// Creating users through the proxy: res.users `_inherits` res.partner (partner_id), so Odoo turns a
// user's name and email into a create of its partner, or, when the values name a partner, into a
// write on that partner. An onboarding script (Python xmlrpc.client, unchanged whatever the key may
// do) creates a user under scoped keys, against the stand-in (which creates and writes the partners
// as Odoo does): refused without create on res.partner, allowed with it (user and partner read back
// through the proxy), and a user on a named partner outside the partner write rule's domain refused
// by the proxy's id check upstream, before the create reaches Odoo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../support/proxy-harness.js';
import { PYTHON_XMLRPC_PRELUDE, pythonCommand, runPython } from '../support/python.js';

const CREATE_USER = PYTHON_XMLRPC_PRELUDE + String.raw`
vals = {'name': os.environ['USER_NAME'], 'login': os.environ['USER_LOGIN'], 'email': os.environ['USER_EMAIL']}
if os.environ.get('USER_PARTNER_ID'):
    vals['partner_id'] = int(os.environ['USER_PARTNER_ID'])
try:
    out['id'] = models.execute_kw(db, uid, key, 'res.users', 'create', [vals])
    [user] = models.execute_kw(db, uid, key, 'res.users', 'read', [[out['id']]], {'fields': ['name', 'login', 'email', 'partner_id']})
    out['user'] = user
    out['partner'] = models.execute_kw(db, uid, key, 'res.partner', 'read', [[user['partner_id'][0]]], {'fields': ['name', 'email', 'user_ids']})[0]
except xmlrpc.client.Fault as f:
    out['fault'] = f.faultString
print(json.dumps(out))
`;

interface Outcome {
  uid: number;
  id?: number;
  user?: { id: number; name: string; login: string; email: string; partner_id: [number, string] };
  partner?: { id: number; name: string; email: string; user_ids: number[] };
  fault?: string;
}

for (const version of [18, 19] as const) {
  test(`an unchanged Python script creates users through scoped keys (${version}.0): a create of res.partner without partner_id, a write of the named partner with it (id checked upstream)`, async (t) => {
    const python = pythonCommand();
    if (!python) return t.skip('no python');
    const h = await startHarness({ version });
    t.after(() => h.close());
    const orm = h.standin.orm;
    // Creating users takes Administration / Access Rights in Odoo; the operator gave the
    // integration user that group.
    orm.raw.userGroups.get(h.uid)!.add('base.group_erp_manager');

    const creates = (): number => h.standin.received.filter((r) => r.model === 'res.users' && r.method === 'create').length;
    const partners = (): number => orm.search('res.partner', [], { context: { active_test: false } }).length;
    const run = async (token: string, user: { name: string; login: string; email: string; partner?: number }): Promise<Outcome> => {
      const r = await runPython(python, CREATE_USER, {
        ODOO_URL: h.url,
        ODOO_DB: h.db,
        ODOO_USER: 'anything',
        ODOO_PASSWORD: token,
        USER_NAME: user.name,
        USER_LOGIN: user.login,
        USER_EMAIL: user.email,
        USER_PARTNER_ID: user.partner ? String(user.partner) : '',
      });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as Outcome;
    };
    const userRules = { model: 'res.users', methods: ['create', 'read'], fields: ['name', 'login', 'email', 'partner_id'], allow_sensitive: true };

    // res.users: create alone. Odoo would create a res.partner with the name and the email:
    // refused, naming that create, before anything reaches Odoo.
    const usersOnly = await h.addKey({ name: 'users-only', rules: [userRules] });
    let before = { creates: creates(), partners: partners() };
    const refused = await run(usersOnly.token, { name: 'Py Ann', login: 'py-ann', email: 'ann@example.com' });
    assert.equal(refused.uid, h.uid);
    assert.equal(refused.id, undefined, 'the create was allowed');
    assert.match(refused.fault ?? '', /key 'users-only' may not call res\.users\.create: vals: creating res\.users also creates its res\.partner \(partner_id\) with 'email', 'name' needs create on res\.partner/, refused.fault);
    assert.equal(creates(), before.creates, 'the create reached Odoo');
    assert.equal(partners(), before.partners);

    // With create (and read) on res.partner: the same script creates the user and its partner and
    // reads both back.
    const onboarding = await h.addKey({ name: 'onboarding', rules: [userRules, { model: 'res.partner', methods: ['create', 'read'], fields: ['name', 'email', 'user_ids', 'display_name'] }] });
    before = { creates: creates(), partners: partners() };
    const made = await run(onboarding.token, { name: 'Py Ann', login: 'py-ann', email: 'ann@example.com' });
    assert.equal(made.fault, undefined, made.fault);
    assert.equal(creates(), before.creates + 1);
    assert.equal(partners(), before.partners + 1);
    const partnerId = made.user!.partner_id[0];
    assert.deepEqual(made.user, { id: made.id, name: 'Py Ann', login: 'py-ann', email: 'ann@example.com', partner_id: [partnerId, 'Py Ann'] });
    assert.deepEqual(made.partner, { id: partnerId, name: 'Py Ann', email: 'ann@example.com', user_ids: [made.id] });
    assert.equal(orm.get('res.users', made.id!)!.name, undefined, 'the name was stored on the user, not its partner');

    // A user on an existing partner (partner_id in the values): Odoo writes the name and the email
    // on that partner. The key may write the partners its integration user created only; the proxy
    // counts the named one upstream under that domain: Azure Interior (demo data) is outside it.
    const onExisting = await h.addKey({ name: 'on-existing', rules: [userRules, { model: 'res.partner', methods: ['write', 'read'], domain: [['create_uid', '=', h.uid]] }] });
    const idChecks = (): number => h.standin.received.filter((r) => r.model === 'res.partner' && r.method === 'search_count').length;
    before = { creates: creates(), partners: partners() };
    const checksBefore = idChecks();
    const outside = await run(onExisting.token, { name: 'Azure renamed', login: 'py-azure', email: 'azure@example.com', partner: 15 });
    assert.equal(outside.id, undefined, 'the create was allowed');
    assert.match(outside.fault ?? '', /the inherited values write res\.partner record 15, which its partner_id names: write on res\.partner records outside rule 1 \(res\.partner: write, read\)'s domain/, outside.fault);
    assert.equal(idChecks() - checksBefore, 1, 'one look-up of the named partner upstream');
    assert.equal(creates(), before.creates, 'the create reached Odoo');
    assert.equal(orm.read('res.partner', 15, ['name'])[0]!.name, 'Azure Interior', 'the partner was renamed');
    // Inside the domain (a partner the integration user created) the same script makes the user on it.
    const mine = orm.create('res.partner', { name: 'Py Bob' }, { uid: h.uid });
    const inside = await run(onExisting.token, { name: 'Py Bob B', login: 'py-bob', email: 'bob@example.com', partner: mine });
    assert.equal(inside.fault, undefined, inside.fault);
    assert.equal(partners(), before.partners + 1, 'a partner was created');
    assert.deepEqual(inside.user, { id: inside.id, name: 'Py Bob B', login: 'py-bob', email: 'bob@example.com', partner_id: [mine, 'Py Bob B'] });
    assert.deepEqual(orm.read('res.partner', mine, ['name', 'email'])[0], { id: mine, name: 'Py Bob B', email: 'bob@example.com' });

    // A user created on an archived partner: Odoo's ResUsers.create then writes the user's active
    // on it (and its company where it has one), unarchiving it. A key writing partners' names and
    // emails only is refused, before anything reaches Odoo; with active and company_id it passes.
    const archived = orm.create('res.partner', { name: 'Py Gone', active: false }, { uid: h.uid });
    const namesOnly = await h.addKey({ name: 'names-only', rules: [userRules, { model: 'res.partner', methods: ['write', 'read'], fields: ['name', 'email', 'user_ids', 'display_name'] }] });
    before = { creates: creates(), partners: partners() };
    const revived = await run(namesOnly.token, { name: 'Py Gone', login: 'py-gone', email: 'gone@example.com', partner: archived });
    assert.equal(revived.id, undefined, 'the create was allowed');
    assert.match(revived.fault ?? '', /creating res\.users on res\.partner record \d+, which its partner_id names: Odoo's res\.users create then writes there 'active' \(the user's\).* needs write on res\.partner \('active', 'company_id'\)/, revived.fault);
    assert.equal(creates(), before.creates, 'the create reached Odoo');
    assert.equal(orm.get('res.partner', archived)!.active, false, 'the partner was unarchived');
    const withActive = await h.addKey({ name: 'with-active', rules: [userRules, { model: 'res.partner', methods: ['write', 'read'], fields: ['name', 'email', 'user_ids', 'display_name', 'active', 'company_id'] }] });
    const made2 = await run(withActive.token, { name: 'Py Gone', login: 'py-gone', email: 'gone@example.com', partner: archived });
    assert.equal(made2.fault, undefined, made2.fault);
    assert.equal(orm.get('res.partner', archived)!.active, true, 'Odoo (the stand-in) unarchives the partner');
  });
}
