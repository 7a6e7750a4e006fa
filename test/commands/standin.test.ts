// login and create against the Odoo stand-in (test/standin): the same ORM answers, fault codes
// and fields_get output as Odoo 18 and 19, for the integration user (a Sales user).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { json, runCli, tempFolders } from '../support/cli.js';
import { startStandin } from '../standin/server.js';

for (const version of [18, 19] as const) {
  test(`login and create against the Odoo ${version} stand-in`, async (t) => {
    const odoo = await startStandin({ version });
    t.after(() => odoo.close());
    const f = tempFolders();
    t.after(f.cleanup);
    const user = odoo.users.integration;
    assert.ok(user.apiKey);
    mkdirSync(f.state, { recursive: true });
    const keyFile = join(f.state, 'prod.key');
    writeFileSync(keyFile, user.apiKey, { mode: 0o600 });

    const login = await runCli(f, ['login', 'prod', '--url', odoo.url, '--db', odoo.db, '--user', user.login, '--upstream-key-file', keyFile, '--json']);
    assert.equal(login.code, 0, login.stderr);
    assert.equal(json(login).uid, user.uid);
    assert.equal(json(login).version, version);
    assert.ok(!readFileSync(join(f.home, 'keys.yaml'), 'utf8').includes(user.apiKey));

    const wrongKey = join(f.state, 'wrong.key');
    writeFileSync(wrongKey, 'wrong-key-0000000000000000000000000000', { mode: 0o600 });
    const refused = await runCli(f, ['login', 'other', '--url', odoo.url, '--db', odoo.db, '--user', user.login, '--upstream-key-file', wrongKey]);
    assert.equal(refused.code, 6);
    assert.match(refused.stderr, /refused login/);

    const typo = await runCli(f, ['create', '--model', 'crm.leed', '--method', 'create']);
    assert.equal(typo.code, 2, typo.stderr);
    assert.match(typo.stderr, /crm\.leed: no such model, did you mean crm\.lead\?/);
    const field = await runCli(f, ['create', '--scope', 'crm.lead:create(name,email_form)']);
    assert.equal(field.code, 2, field.stderr);
    assert.match(field.stderr, /crm\.lead: no field 'email_form', did you mean email_from\?/);

    const ok = await runCli(f, ['create', 'website-form', '--model', 'crm.lead', '--method', 'create', '--fields', 'name,email_from,phone', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(json(ok).warnings, []);
    assert.equal(json(ok).client.db, odoo.db);
  });
}

test('create and scope check the field names of a rule domain against Odoo, following dotted paths through relations (exit 2, nothing stored)', async (t) => {
  const odoo = await startStandin({ version: 19 });
  t.after(() => odoo.close());
  const f = tempFolders();
  t.after(f.cleanup);
  mkdirSync(f.state, { recursive: true });
  const keyFile = join(f.state, 'prod.key');
  writeFileSync(keyFile, odoo.users.integration.apiKey!, { mode: 0o600 });
  const login = await runCli(f, ['login', 'prod', '--url', odoo.url, '--db', odoo.db, '--user', odoo.users.integration.login, '--upstream-key-file', keyFile]);
  assert.equal(login.code, 0, login.stderr);

  // A misspelt domain field would make Odoo refuse every call the rule allows.
  const top = await runCli(f, ['create', 'a', '--model', 'crm.lead', '--method', 'read', '--domain', '[["stagee_id", "=", 1]]', '--json']);
  assert.equal(top.code, 2, top.stdout);
  assert.equal(json(top).error.code, 'unknown_name');
  assert.match(json(top).error.message, /crm\.lead: no field 'stagee_id' \(domain of crm\.lead: 'stagee_id'\), did you mean stage_id\?/);
  const dotted = await runCli(f, ['create', 'b', '--model', 'crm.lead', '--method', 'read', '--domain', '["|", ["partner_id.emial", "=", "x"], ["stage_id.name", "=", "New"]]']);
  assert.equal(dotted.code, 2, dotted.stderr);
  assert.match(dotted.stderr, /res\.partner: no field 'emial' \(domain of crm\.lead: 'partner_id\.emial'\), did you mean email\?/);
  assert.doesNotMatch(dotted.stderr, /stage_id/, 'a good dotted path is not reported');
  const list = await runCli(f, ['list', '--json']);
  assert.deepEqual(json(list).keys, []);

  const good = await runCli(f, ['create', 'c', '--model', 'crm.lead', '--method', 'read', '--domain', '[["stage_id.name", "=", "New"], ["type", "=", "opportunity"]]']);
  assert.equal(good.code, 0, good.stderr);
  const scoped = await runCli(f, ['scope', 'c', '--domain', '[["tpye", "=", "lead"]]']);
  assert.equal(scoped.code, 2, scoped.stderr);
  assert.match(scoped.stderr, /crm\.lead: no field 'tpye' \(domain of crm\.lead: 'tpye'\), did you mean type\?/);
  assert.match(readFileSync(join(f.home, 'keys.yaml'), 'utf8'), /stage_id\.name/, 'the domain is unchanged');
  const offline = await runCli(f, ['scope', 'c', '--domain', '[["tpye", "=", "lead"]]', '--offline']);
  assert.equal(offline.code, 0, offline.stderr);

  // A model pattern that matches no model: a warning (a module may bring one later), the key is made.
  const glob = await runCli(f, ['create', 'd', '--model', 'crm.leads*', '--method', 'read', '--json']);
  assert.equal(glob.code, 0, glob.stderr);
  assert.deepEqual(json(glob).warnings, ['crm.leads*: matches no model of this Odoo (yet); did you mean crm.lead?']);
  const matching = await runCli(f, ['create', 'e', '--model', 'crm.*', '--method', 'read', '--json']);
  assert.equal(matching.code, 0, matching.stderr);
  assert.deepEqual(json(matching).warnings, []);
});
