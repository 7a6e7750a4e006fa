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
