// The AI assistant of examples/ai-assistant: the calls an Odoo MCP server makes (search_read, read,
// fields_get, write, message_post) over JSON-2, from the example's Python script, through the proxy
// with the example key.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLES, exampleScope, lastJson, run, startWorld, type World } from './support.js';

const SCRIPT = join(EXAMPLES, 'ai-assistant', 'mcp_tools.py');
type Step = { ok: true; result: any } | { ok: false; error: string };

describe('AI assistant over MCP, JSON-2 (Odoo 19)', () => {
  let w: World;
  let token: string;
  let steps: Record<string, Step>;
  before(async () => {
    w = await startWorld({ version: 19 });
    ({ token } = await w.addKey('ai-assistant', exampleScope('ai-assistant')));
    const r = await run('python3', [SCRIPT, '--json'], { ODOO_URL: w.url, ODOO_DB: w.db, ODOO_API_KEY: token });
    assert.equal(r.status, 0, r.stderr);
    steps = lastJson(r);
  });
  after(() => w?.close());

  const ok = (name: string): any => {
    const s = steps[name];
    assert.ok(s, `step ${name} ran`);
    assert.equal(s.ok, true, `${name}: ${JSON.stringify(s)}`);
    return (s as { result: unknown }).result;
  };
  const refused = (name: string): string => {
    const s = steps[name];
    assert.ok(s, `step ${name} ran`);
    assert.equal(s.ok, false, `${name} should be refused: ${JSON.stringify(s)}`);
    return (s as { error: string }).error;
  };

  test('fields_get describes only the fields the key may read', () => {
    assert.deepEqual(ok('lead_fields'), ['date_deadline', 'display_name', 'expected_revenue', 'id', 'name', 'partner_id', 'priority', 'stage_id', 'type', 'user_id'].filter((f) => f !== 'id'));
  });

  test('search_read with every field asked for gets the rule’s fields and at most 80 rows', () => {
    const pipeline = ok('pipeline') as Record<string, unknown>[];
    const opportunities = w.standin.orm.search('crm.lead', [['type', '=', 'opportunity']]).length;
    assert.equal(pipeline.length, Math.min(80, opportunities));
    for (const row of pipeline) assert.deepEqual(Object.keys(row).sort(), ['date_deadline', 'display_name', 'expected_revenue', 'id', 'name', 'partner_id', 'priority', 'stage_id', 'type', 'user_id']);
    assert.ok(ok('stages').length >= 2);
    assert.equal(ok('best').id, pipeline[0]!.id);
  });

  test('it moves the opportunity, sets its priority and logs a note: Odoo has them, as the integration user', async () => {
    assert.equal(ok('move'), true);
    const best = ok('best') as { id: number; stage_id: [number, string] };
    const [lead] = w.standin.orm.read('crm.lead', best.id, ['stage_id', 'priority', 'write_uid']);
    assert.notEqual((lead!.stage_id as [number, string])[0], best.stage_id[0]);
    assert.equal(lead!.priority, '2');
    assert.equal((lead!.write_uid as [number, string])[0], w.uid);
    ok('note');
    const notes = w.standin.orm.searchRead('mail.message', [['model', '=', 'crm.lead'], ['res_id', '=', best.id], ['body', 'ilike', 'by the assistant']], ['body']);
    assert.equal(notes.length, 1);
    const journal = (await w.journal()).filter((e) => e.model);
    assert.ok(journal.every((e) => e.name === 'ai-assistant' && e.proto === 'json2'));
    assert.deepEqual(journal.find((e) => e.method === 'write' && e.model === 'crm.lead' && e.decision === 'allow')?.fields, ['priority', 'stage_id']);
  });

  test('it fills in a quotation’s customer reference, but not a confirmed order’s', () => {
    const [quote] = ok('quotations') as { id: number }[];
    assert.equal(ok('reference'), true);
    assert.equal(w.standin.orm.read('sale.order', quote!.id, ['client_order_ref'])[0]!.client_order_ref, 'PO-4711');
    assert.match(refused('confirmed'), /may not call sale\.order\.write/);
    const [order] = ok('orders') as { id: number }[];
    assert.notEqual(w.standin.orm.read('sale.order', order!.id, ['client_order_ref'])[0]!.client_order_ref, 'PO-4712');
  });

  test('renaming an opportunity and reading a customer’s e-mail are refused', () => {
    assert.match(refused('rename'), /may not call crm\.lead\.write: .*field 'name'/);
    assert.match(refused('contact'), /may not call res\.partner\.read: .*field 'email'/);
  });
});
