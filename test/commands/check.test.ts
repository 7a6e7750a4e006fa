// `odoo-keys check`: the scope engine as a dry run from the command line, exit 0 allow / 3 deny.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { json, loginWithKeyFile, runCli, tempFolders } from '../support/cli.js';
import { startStandin } from '../standin/server.js';

test('check allows, denies with the rule and reason, and fetches relations from Odoo when needed', async (t) => {
  const odoo = await startStandin({ version: 19 });
  const f = tempFolders();
  t.after(async () => {
    await odoo.close();
    f.cleanup();
  });
  await loginWithKeyFile(f, odoo);
  const created = await runCli(f, ['create', 'website-form', '--scope', 'crm.lead:create(name,email_from,phone)', '--ip', '203.0.113.0/24', '--json']);
  assert.equal(created.code, 0, created.stderr);

  const allow = await runCli(f, ['check', 'website-form', 'crm.lead', 'create', '--args', '[{"name":"x","email_from":"a@b.c"}]', '--ip', '203.0.113.9', '--json']);
  assert.equal(allow.code, 0, allow.stderr);
  assert.equal(json(allow).verdict, 'allow');
  assert.equal(json(allow).rule, 0);
  assert.match(json(allow).rule_text, /^crm\.lead:create\(/);

  const wrongField = await runCli(f, ['check', 'website-form', 'crm.lead', 'create', '--args', '[{"name":"x","user_id":2}]', '--ip', '203.0.113.9']);
  assert.equal(wrongField.code, 3, wrongField.stderr + wrongField.stdout);
  assert.match(wrongField.stdout, /DENY.*user_id/);

  const wrongIp = await runCli(f, ['check', 'website-form', 'crm.lead', 'create', '--args', '[{"name":"x"}]', '--ip', '198.51.100.1', '--json']);
  assert.equal(wrongIp.code, 3, wrongIp.stderr + wrongIp.stdout);
  assert.equal(json(wrongIp).verdict, 'deny');
  assert.equal(json(wrongIp).limit, 'ips');
  assert.deepEqual(json(wrongIp).not_checked, []);
  // Without --ip the rules decide, and the address limit is said to be unchecked (it denied a
  // made-up 127.0.0.1 and hid what the rules say).
  const noIp = await runCli(f, ['check', 'website-form', 'crm.lead', 'create', '--args', '[{"name":"x"}]', '--json']);
  assert.equal(noIp.code, 0, noIp.stderr + noIp.stdout);
  assert.deepEqual(json(noIp).not_checked, ['ips']);
  const noIpText = await runCli(f, ['check', 'website-form', 'crm.lead', 'create', '--args', '[{"name":"x","user_id":2}]']);
  assert.equal(noIpText.code, 3);
  assert.match(noIpText.stdout, /DENY.*user_id[\s\S]*not checked: the key's address limit \(203\.0\.113\.0\/24\); give --ip ADDR/);

  // An x2many command creating tags needs the comodel: the relation comes from Odoo's fields_get.
  assert.equal((await runCli(f, ['create', 'tagger', '--scope', 'crm.lead:create(name,tag_ids)'])).code, 0);
  const nested = await runCli(f, ['check', 'tagger', 'crm.lead', 'create', '--args', '[{"name":"x","tag_ids":[[0,0,{"name":"vip"}]]}]', '--json']);
  assert.equal(nested.code, 3, nested.stderr);
  assert.match(json(nested).reason, /crm\.tag/);
  const linkOnly = await runCli(f, ['check', 'tagger', 'crm.lead', 'create', '--args', '[{"name":"x","tag_ids":[[6,0,[1]]]}]', '--json']);
  assert.equal(linkOnly.code, 0, linkOnly.stdout + linkOnly.stderr);

  // An activity set through res_model_id: check reads which model the ir.model id names, as the proxy does.
  assert.equal((await runCli(f, ['create', 'activities', '--scope', 'mail.activity:create(summary,res_model_id,res_id)'])).code, 0);
  const activity = (model: string, resId: number) => `[{"summary":"x","res_model_id":${odoo.orm.raw.irModelIds.get(model)},"res_id":${resId}}]`;
  const onUser = await runCli(f, ['check', 'activities', 'mail.activity', 'create', '--args', activity('res.users', 2), '--json']);
  assert.equal(onUser.code, 3, onUser.stdout + onUser.stderr);
  // The client would not be told which model the ir.model id names (ir.model's); the operator sees it in detail.
  assert.match(json(onUser).reason, /links a record of the model ir\.model \d+ names, a sensitive model/);
  assert.doesNotMatch(json(onUser).reason, /res\.users/);
  assert.match(json(onUser).detail, /links a record of res\.users, a sensitive model/);
  const onLead = await runCli(f, ['check', 'activities', 'mail.activity', 'create', '--args', activity('crm.lead', 1), '--json']);
  assert.equal(onLead.code, 0, onLead.stdout + onLead.stderr);
  const unknownModel = await runCli(f, ['check', 'activities', 'mail.activity', 'create', '--args', '[{"res_model_id":99999,"res_id":1}]', '--json']);
  assert.equal(unknownModel.code, 3, unknownModel.stdout + unknownModel.stderr);
  assert.match(json(unknownModel).reason, /ir\.model 99999 does not exist/);
  const activityOffline = await runCli(f, ['check', 'activities', 'mail.activity', 'create', '--args', activity('res.users', 2), '--offline']);
  assert.equal(activityOffline.code, 1);
  assert.match(activityOffline.stderr, /needs the fields of mail\.activity/);

  const offline = await runCli(f, ['check', 'tagger', 'crm.lead', 'create', '--args', '[{"name":"x","tag_ids":[[0,0,{"name":"vip"}]]}]', '--offline']);
  assert.equal(offline.code, 1);
  assert.match(offline.stderr, /needs the fields of crm\.lead.*without --offline/);

  const badArgs = await runCli(f, ['check', 'website-form', 'crm.lead', 'create', '--args', '{not json']);
  assert.equal(badArgs.code, 2);
  assert.match(badArgs.stderr, /--args: not valid JSON/);

  const missing = await runCli(f, ['check', 'nope', 'crm.lead', 'create']);
  assert.equal(missing.code, 4);

  const revoked = await runCli(f, ['revoke', 'website-form', '--yes']);
  assert.equal(revoked.code, 0, revoked.stderr);
  const dead = await runCli(f, ['check', 'website-form', 'crm.lead', 'create', '--args', '[{"name":"x"}]', '--ip', '203.0.113.9', '--json']);
  assert.equal(dead.code, 3);
  assert.match(json(dead).reason, /revoked/);
  // Refused whatever the address: nothing is said to be left unchecked.
  const deadNoIp = await runCli(f, ['check', 'website-form', 'crm.lead', 'create', '--args', '[{"name":"x"}]', '--json']);
  assert.equal(deadNoIp.code, 3);
  assert.deepEqual(json(deadNoIp).not_checked, []);
});
