// The one-off import of examples/one-off-import: the Python script (xmlrpc.client) run by the real
// `odoo-keys exec` with the example's scope file, against the stand-in: leads with their company
// and tags, under a temporary key that is journaled with who ran it; a CSV column outside the
// scope makes the import fail before anything is created.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { EXAMPLES, lastJson, startWorld, type World } from './support.js';
import { runCli } from '../support/cli.js';

const DIR = join(EXAMPLES, 'one-off-import');

for (const version of [18, 19] as const) {
  describe(`one-off import under odoo-keys exec (Odoo ${version})`, () => {
    let w: World;
    let scratch: string;
    before(async () => {
      w = await startWorld({ version });
      scratch = mkdtempSync(join(tmpdir(), 'odoo-keys-import-'));
    });
    after(async () => {
      rmSync(scratch, { recursive: true, force: true });
      await w?.close();
    });
    const exec = (csv: string) =>
      runCli({ home: w.home, state: w.stateDir }, ['exec', '--scope-file', join(DIR, 'scope.yaml'), '--ttl', '10m', '--', 'python3', join(DIR, 'import_leads.py'), csv, '--json']);

    test('leads.csv: four leads with their companies and tags, two tags found and one created', async () => {
      const before = w.standin.orm.search('crm.lead', []).length;
      const r = await exec(join(DIR, 'leads.csv'));
      assert.equal(r.code, 0, r.stderr);
      const out = lastJson({ status: r.code, stdout: r.stdout, stderr: r.stderr });
      assert.equal(out.leads.length, 4);
      assert.deepEqual(out.new_tags, ['Trade fair 2026']);
      assert.deepEqual(out.companies_missing, ['Unknown Shelving Ltd']);
      assert.equal(w.standin.orm.search('crm.lead', []).length, before + 4);
      const leads = w.standin.orm.read('crm.lead', out.leads, ['name', 'email_from', 'phone', 'partner_id', 'tag_ids', 'create_uid']);
      const chairs = leads.find((l) => l.name === 'Office chairs for 40 people')!;
      assert.equal((chairs.partner_id as [number, string])[1], 'Azure Interior');
      const tagNames = w.standin.orm.read('crm.tag', chairs.tag_ids as number[], ['name']).map((t) => t.name).sort();
      assert.deepEqual(tagNames, ['Product', 'Trade fair 2026']);
      assert.equal((chairs.create_uid as [number, string])[0], w.uid);
      assert.equal(leads.find((l) => l.name === 'Warehouse shelving')!.partner_id, false);
      // journaled under the temporary key, with who ran it, and the key is nowhere on disk
      const lines = (await w.journal()).filter((e) => e.temporary);
      // The run's start and end lines frame its calls; they are not calls (no decision).
      assert.deepEqual([lines[0]!.event, lines.at(-1)!.event], ['exec_start', 'exec_end']);
      const mine = lines.slice(1, -1);
      assert.ok(mine.length >= 4);
      assert.ok(mine.every((e) => e.name === 'exec-python3' && e.temporary!.command === 'python3' && e.decision === 'allow'), JSON.stringify(mine.find((e) => e.decision !== 'allow')));
      assert.deepEqual(mine.find((e) => e.model === 'crm.lead' && e.method === 'create')!.result_ids, out.leads);
      assert.doesNotMatch(readFileSync(join(w.home, 'keys.yaml'), 'utf8'), /exec-python3|odk_/);
    });

    test('a CSV with a column the scope does not allow: refused before anything is created, exit code from the script', async () => {
      const csv = join(scratch, 'with-revenue.csv');
      writeFileSync(csv, 'name,email,expected_revenue\nBig deal,big@example.com,90000\n');
      const before = w.standin.orm.search('crm.lead', []).length;
      const r = await exec(csv);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /Odoo refused: odoo-keys: key 'exec-python3' may not call crm\.lead\.create: .*field 'expected_revenue'/);
      assert.equal(w.standin.orm.search('crm.lead', []).length, before);
    });
  });
}
