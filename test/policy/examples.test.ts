// The example keys in docs/scopes.md, read from the document itself: valid, and deciding as the
// text says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { validateRules, validateLimits } from '../../src/policy/validate.js';
import { decide } from '../../src/policy/decide.js';
import { bindCall } from '../../src/policy/bind.js';
import type { KeyScope } from '../../src/policy/types.js';
import type { OdooCall } from '../../src/rpc/call.js';
import { env } from './support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const doc = readFileSync(join(root, 'docs', 'scopes.md'), 'utf8');

function examples(): Map<string, KeyScope> {
  const out = new Map<string, KeyScope>();
  for (const m of doc.matchAll(/```yaml\n# example: ([a-z0-9-]+)\n([\s\S]*?)```/g)) {
    const name = m[1]!;
    const data = parse(m[2]!) as { rules: unknown; limits?: unknown };
    out.set(name, { id: name, name, rules: validateRules(data.rules, `${name}.rules`), limits: validateLimits(data.limits, `${name}.limits`) });
  }
  return out;
}

const call = (model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}, entry: OdooCall['entry'] = 'execute_kw'): OdooCall =>
  ({ protocol: 'xmlrpc', entry, db: 'odoo', uid: 8, credential: 'odk_x', model, method, args, kwargs }) as OdooCall;

test('docs/scopes.md: the five integration examples are valid keys', () => {
  assert.deepEqual([...examples().keys()], ['ai-assistant', 'website-form', 'nightly-sync', 'n8n-enrichment', 'one-off-import']);
});

test('docs/scopes.md: each example decides as described', () => {
  const ex = examples();
  const at = (iso: string) => ({ now: new Date(iso) });
  const cases: [string, OdooCall, string, Partial<Parameters<typeof env>[0]>?, RegExp?][] = [
    ['ai-assistant', call('crm.lead', 'search_read', [[]], { fields: [] }), 'allow'],
    ['ai-assistant', call('crm.lead', 'write', [[5], { stage_id: 3 }]), 'allow'],
    ['ai-assistant', call('crm.lead', 'write', [[5], { name: 'x' }]), 'deny', {}, /field 'name' is not in rule 1/],
    ['ai-assistant', call('crm.lead', 'message_post', [[5]], { body: 'Called the customer' }), 'allow'],
    ['ai-assistant', call('crm.lead', 'search_read', [[['partner_id.email', 'ilike', '@gmail']]], { fields: ['name'] }), 'deny', {}, /needs read on res.partner \('email'\)/],
    ['ai-assistant', call('res.partner', 'search_read', [[]], { fields: ['name', 'email'] }), 'deny', {}, /field 'email'/],
    ['website-form', call('crm.lead', 'create', [{ name: 'Quote', email_from: 'a@b.c', description: 'hi' }]), 'allow'],
    ['website-form', call('crm.lead', 'create', [{ name: 'Quote' }]), 'deny', { ip: '198.51.100.1' }, /outside the key's allowed addresses/],
    ['website-form', call('crm.lead', 'create', [{ name: 'Quote', user_id: 2 }]), 'deny', {}, /field 'user_id'/],
    ['website-form', call('crm.lead', 'search_read', [[]]), 'deny', {}, /no rule allows search_read/],
    ['nightly-sync', call('res.partner', 'search_read', [[]], { fields: ['name', 'email'] }), 'allow', at('2026-11-30T00:30:00Z')],
    ['nightly-sync', call('res.partner', 'search_read', [[]], { fields: ['name'] }), 'deny', at('2026-11-30T10:00:00Z'), /outside hours Mon-Sun 01:00-03:00 Europe\/Amsterdam/],
    ['nightly-sync', call('x_saas_stats', 'create', [{ x_name: 'mrr', x_value: 5 }]), 'allow', at('2026-11-30T01:00:00Z')],
    ['n8n-enrichment', call('res.partner', 'search_read', [[], [], 0, 1], {}, 'execute'), 'allow'],
    ['n8n-enrichment', call('res.partner', 'write', [[3], { phone: '+31 20 000 0000' }]), 'allow'],
    ['n8n-enrichment', call('res.partner', 'write', [[3], { email: 'x@y.z' }]), 'deny', {}, /field 'email'/],
    ['one-off-import', call('crm.lead', 'create', [[{ name: 'L', tag_ids: [[0, 0, { name: 'import-2026' }]] }]]), 'allow'],
    ['one-off-import', call('crm.lead', 'load', [['name', 'email_from', 'tag_ids/id'], [['L', 'a@b.c', 'crm.tag_1']]]), 'allow'],
    ['one-off-import', call('crm.lead', 'unlink', [[1]]), 'deny', {}, /no rule allows unlink/],
  ];
  for (const [name, c, verdict, over, reason] of cases) {
    const d = decide(ex.get(name)!, c, env(over ?? {}));
    assert.equal(d.verdict, verdict, `${name} ${c.method}: ${JSON.stringify(d)}`);
    if (reason && d.verdict === 'deny') assert.match(d.reason, reason, name);
  }
  // the narrowing the text promises
  const ai = decide(ex.get('ai-assistant')!, call('crm.lead', 'search_read', [[]], { fields: [] }), env());
  assert.equal(ai.verdict, 'allow');
  if (ai.verdict === 'allow') assert.equal(bindCall(ai.call, 18).params.limit, 80);
  const n8n = decide(ex.get('n8n-enrichment')!, call('res.partner', 'search_read', [[], [], 0, 1], {}, 'execute'), env());
  assert.equal(n8n.verdict, 'allow');
  if (n8n.verdict === 'allow') {
    const p = bindCall(n8n.call, 18).params;
    assert.deepEqual(p.fields, ['name', 'email', 'phone', 'vat']);
    assert.deepEqual(p.domain, [['is_company', '=', true]]);
    assert.equal(p.limit, 1);
  }
});
