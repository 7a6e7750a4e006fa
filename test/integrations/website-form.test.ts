// The public website form of examples/website-form: the example's Node form handler, run as a
// child process, files leads through the proxy with JSON-2 (Odoo 19) or JSON-RPC (Odoo 18), with
// the example key's address and rate limits, and a handler configured to set a field outside the
// scope is refused before Odoo hears of it.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { EXAMPLES, exampleScope, startWorld, type World } from './support.js';

const HANDLER = join(EXAMPLES, 'website-form', 'form_handler.mjs');

interface Handler {
  url: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  stop: () => Promise<void>;
}

/** Starts the form handler on a free port and waits for its "listening" line. */
function startHandler(env: Record<string, string>): Promise<Handler> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HANDLER], { env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const closed = new Promise<void>((r) => child.on('close', () => r()));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, child, stdout: () => out, stderr: () => err, stop: async () => void (child.kill('SIGTERM'), await closed) });
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`the form handler exited (${code}) before listening:\n${out}\n${err}`)));
  });
}

async function submit(h: Handler, fields: Record<string, string>): Promise<{ status: number; text: string }> {
  const r = await fetch(h.url, { method: 'POST', body: new URLSearchParams(fields), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  return { status: r.status, text: await r.text() };
}

for (const [version, protocol] of [[19, 'json2'], [18, 'jsonrpc']] as const) {
  describe(`website form over ${protocol} (Odoo ${version})`, () => {
    let w: World;
    let h: Handler;
    let token: string;
    const leads = (): number[] => w.standin.orm.search('crm.lead', [['name', '=like', 'Website: %']]);
    const objectCalls = (): number => w.standin.received.filter((c) => c.model === 'crm.lead').length;
    before(async () => {
      w = await startWorld({ version });
      w.clock.at = new Date('2026-11-30T10:00:00Z'); // a stopped clock: the rate limit's bucket does not refill
      ({ token } = await w.addKey('website-form', exampleScope('website-form')));
      h = await startHandler({ ODOO_URL: w.url, ODOO_DB: w.db, ODOO_API_KEY: token, ODOO_PROTOCOL: protocol });
    });
    after(async () => {
      await h?.stop();
      await w?.close();
    });

    test('from an address outside the key’s ips the form fails politely and Odoo sees nothing', async () => {
      const r = await submit(h, { name: 'Jane Roe', email: 'jane@example.com', message: 'Quote for 20 desks?' });
      assert.equal(r.status, 502);
      assert.doesNotMatch(r.text, /odoo-keys|odk_/, 'visitors never see why');
      assert.match(h.stderr(), /lead not created: odoo-keys: key 'website-form' may not call crm\.lead\.create: .*allowed addresses/);
      assert.equal(objectCalls(), 0);
      assert.equal(leads().length, 0);
    });

    test('from the web server’s address a submission becomes a lead with exactly the four fields', async () => {
      await w.editKey('website-form', (k) => k.limits!.ips!.push('127.0.0.1/32'));
      const r = await submit(h, { name: 'Jane Roe', email: 'jane@example.com', phone: '+31 20 555 0101', message: 'Quote for 20 desks?' });
      assert.equal(r.status, 200, h.stderr());
      assert.match(r.text, /Thank you/);
      const [id] = leads();
      assert.ok(id);
      const [lead] = w.standin.orm.read('crm.lead', id, ['name', 'email_from', 'phone', 'description', 'create_uid']);
      assert.equal(lead!.name, 'Website: Jane Roe');
      assert.equal(lead!.email_from, 'jane@example.com');
      assert.equal(lead!.phone, '+31 20 555 0101');
      assert.match(String(lead!.description), /Quote for 20 desks\?/);
      assert.equal((lead!.create_uid as [number, string])[0], w.uid, 'created as the integration user');
      const entry = (await w.journal()).filter((e) => e.method === 'create' && e.decision === 'allow').at(-1)!;
      assert.equal(entry.name, 'website-form');
      assert.deepEqual(entry.fields, ['description', 'email_from', 'name', 'phone']);
      assert.deepEqual(entry.result_ids, [id]);
    });

    test('a handler set up to add a field outside the scope (team_id) is refused; the key cannot read either', async () => {
      const before = objectCalls();
      const other = await startHandler({ ODOO_URL: w.url, ODOO_DB: w.db, ODOO_API_KEY: token, ODOO_PROTOCOL: protocol, LEAD_DEFAULTS: '{"team_id": 2}' });
      try {
        const r = await submit(other, { name: 'John Doe', email: 'john@example.com' });
        assert.equal(r.status, 502);
        assert.match(other.stderr(), /may not call crm\.lead\.create: .*field 'team_id'/);
      } finally {
        await other.stop();
      }
      assert.equal(objectCalls(), before, 'the refused create never reached Odoo');
      // Someone holding the form's key gets nothing out of the CRM.
      const read = await fetch(`${w.url}/json/2/crm.lead/search_read`, { method: 'POST', headers: { Authorization: `bearer ${token}`, 'X-Odoo-Database': w.db, 'Content-Type': 'application/json' }, body: JSON.stringify({ domain: [], fields: ['name', 'email_from'] }) });
      // (also on Odoo 18, which has no JSON-2: the proxy refuses before any forwarding)
      assert.equal(read.status, 403);
      assert.match(((await read.json()) as { message: string }).message, /may not call crm\.lead\.search_read/);
    });

    test('the 30/min rate limit: the 31st submission within the minute is refused', async () => {
      const start = leads().length;
      const results: number[] = [];
      for (let i = 0; i < 31 - start; i++) results.push((await submit(h, { name: `Visitor ${i}`, email: `v${i}@example.com` })).status);
      assert.deepEqual(results.slice(0, -1), Array(30 - start).fill(200));
      assert.equal(results.at(-1), 502);
      assert.match(h.stderr(), /key 'website-form' is over its rate of 30\/min/);
      assert.equal(leads().length, 30);
      const denied = (await w.journal()).filter((e) => e.limit === 'rate');
      assert.equal(denied.length, 1);
    });
  });
}
