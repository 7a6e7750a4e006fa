// Row 3: the scope engine's cost. decide() on a key with 50 rules for a sale.order write of 200
// fields with nested x2many commands (lines created, updated, deleted, linked, replaced; taxes
// set inside new lines), and for a plain search_read, in this process, timed by CPU and wall.

import { decide } from '../../src/policy/decide.js';
import type { OdooCall } from '../../src/rpc/call.js';
import type { RpcStruct, RpcValue } from '../../src/rpc/values.js';
import type { DecideEnv, KeyScope, ModelSchema, Rule } from '../../src/policy/types.js';
import { table, num } from '../lib/stats.js';
import type { Row, RowOptions } from '../lib/row.js';

const m2o = (relation: string) => ({ type: 'many2one', relation });
const EXTRA_TYPES = ['char', 'integer', 'float', 'boolean', 'date', 'text', 'monetary', 'selection'];

/** sale.order with 200 fields (the real ones the call touches, then x_field_N of assorted types). */
function schemas(): Record<string, ModelSchema> {
  const order: ModelSchema = {
    name: { type: 'char' }, state: { type: 'selection' }, date_order: { type: 'datetime' }, display_name: { type: 'char' },
    partner_id: m2o('res.partner'), user_id: m2o('res.users'), team_id: m2o('crm.team'), company_id: m2o('res.company'),
    order_line: { type: 'one2many', relation: 'sale.order.line', relation_field: 'order_id' }, tag_ids: { type: 'many2many', relation: 'crm.tag' },
    note: { type: 'html' }, client_order_ref: { type: 'char' }, amount_total: { type: 'monetary', depends: ['order_line.price_subtotal'], readonly: true } as never,
  };
  for (let i = 0; Object.keys(order).length < 200; i++) order[`x_field_${i}`] = i % 10 === 9 ? m2o('res.partner') : { type: EXTRA_TYPES[i % EXTRA_TYPES.length]! };
  return {
    'sale.order': order,
    'sale.order.line': {
      name: { type: 'char' }, product_id: m2o('product.product'), product_uom_qty: { type: 'float' }, price_unit: { type: 'float' }, discount: { type: 'float' }, sequence: { type: 'integer' },
      order_id: m2o('sale.order'), tax_id: { type: 'many2many', relation: 'account.tax' }, price_subtotal: { type: 'monetary', depends: ['product_uom_qty', 'price_unit', 'tax_id'], readonly: true } as never,
    },
    'res.partner': { name: { type: 'char' }, email: { type: 'char' }, phone: { type: 'char' }, city: { type: 'char' }, display_name: { type: 'char' }, customer_rank: { type: 'integer' } },
    'account.tax': { name: { type: 'char' }, amount: { type: 'float' } },
    'crm.tag': { name: { type: 'char' } },
    'product.product': { name: { type: 'char' } },
  };
}

/** 50 rules: 46 on other models (some with fields and domains), then the four the write needs, last. */
function fiftyRules(orderFields: string[]): Rule[] {
  const rules: Rule[] = [];
  const models = ['crm.lead', 'res.partner', 'product.product', 'project.task', 'account.move', 'stock.picking', 'hr.employee', 'mail.message'];
  for (let i = 0; rules.length < 46; i++) {
    const model = i < models.length ? models[i]! : `x_model_${i}`;
    const rule: Rule = { model, methods: i % 3 === 0 ? ['read'] : i % 3 === 1 ? ['read', 'write'] : ['create', 'write'] };
    if (i % 2 === 0) rule.fields = ['name', 'email', 'phone', `x_${i}`];
    if (i % 4 === 0) rule.domain = [['company_id', '=', 1], '|', ['active', '=', true], ['x_flag', '=', i]];
    rules.push(rule);
  }
  rules.push({ model: 'sale.order', methods: ['read', 'write'], fields: orderFields, domain: [['state', 'in', ['draft', 'sent']]] });
  rules.push({ model: 'sale.order.line', methods: ['read', 'create', 'write', 'unlink'], fields: ['name', 'product_id', 'product_uom_qty', 'price_unit', 'discount', 'sequence', 'tax_id', 'order_id'] });
  rules.push({ model: 'sale.order.line', methods: ['unlink'] });
  rules.push({ model: 'account.tax', methods: ['read'] });
  return rules;
}

function writeCall(schema: ModelSchema): OdooCall {
  const vals: RpcStruct = {};
  for (const [name, f] of Object.entries(schema)) {
    if (['display_name', 'amount_total', 'order_line', 'tag_ids', 'state'].includes(name)) continue;
    vals[name] = f.type === 'many2one' ? 3 : f.type === 'integer' ? 7 : f.type === 'float' || f.type === 'monetary' ? 1.5 : f.type === 'boolean' ? true : f.type === 'date' ? '2026-11-28' : f.type === 'datetime' ? '2026-11-28 10:00:00' : f.type === 'selection' ? 'a' : `value of ${name}`;
  }
  const line = (i: number): RpcStruct => ({ name: `line ${i}`, product_id: 1 + i, product_uom_qty: 2, price_unit: 9.5, discount: 0, sequence: i, tax_id: [[6, 0, [1, 2]]] });
  vals.order_line = [
    ...Array.from({ length: 5 }, (_, i): RpcValue => [0, 0, line(i)]),
    ...Array.from({ length: 3 }, (_, i): RpcValue => [1, 100 + i, { product_uom_qty: 3 + i, tax_id: [[4, 3], [3, 1]] }]),
    [2, 110],
    [4, 111],
  ];
  vals.tag_ids = [[6, 0, [1, 2, 3]]];
  return {
    protocol: 'xmlrpc', entry: 'execute_kw', db: 'odoo19', uid: 7, credential: null, model: 'sale.order', method: 'write',
    args: [[41, 42, 43], vals], kwargs: { context: { lang: 'en_US', tz: 'Europe/Amsterdam' } },
  };
}

function searchReadCall(): OdooCall {
  return { protocol: 'xmlrpc', entry: 'execute_kw', db: 'odoo19', uid: 7, credential: null, model: 'res.partner', method: 'search_read', args: [[['city', '!=', false]]], kwargs: { fields: ['name', 'email', 'phone', 'city'], limit: 10, order: 'id' } };
}

/** Runs fn repeatedly for about `ms` (after a warm-up), returns calls per second by CPU and wall. */
function rate(fn: () => unknown, ms: number): { perSecondCpu: number; perSecondWall: number; usCpu: number; n: number } {
  for (let i = 0; i < 2000; i++) fn();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
  }
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000;
  return { perSecondCpu: (n * 1000) / cpuMs, perSecondWall: (n * 1000) / wall, usCpu: (cpuMs * 1000) / n, n };
}

export const decideRow: Row = {
  id: 'decide',
  title: 'Scope cost: decide() with 50 rules',
  estimate: '15 s',
  async run(o: RowOptions) {
    const s = schemas();
    const env: DecideEnv = { ip: '203.0.113.7', now: new Date('2026-11-30T10:00:00Z'), version: 19, schema: (m) => s[m] };
    const orderFields = Object.keys(s['sale.order']!).filter((f) => f !== 'amount_total');
    const key50: KeyScope = { id: '7f3a9c2e', name: 'bench-50', rules: fiftyRules(orderFields), limits: { ips: ['203.0.113.0/24', '198.51.100.0/24'], hours: 'Mon-Sun 00:00-24:00 Europe/Amsterdam' } };
    const key1: KeyScope = { id: '7f3a9c2f', name: 'bench-1', rules: [{ model: 'res.partner', methods: ['read'], fields: ['name', 'email', 'phone', 'city'] }], limits: {} };
    const write = writeCall(s['sale.order']!);
    const fieldsWritten = Object.keys((write.args[1] as RpcStruct) ?? {}).length;
    const first = decide(key50, write, env);
    if (first.verdict !== 'allow') throw new Error(`the benchmark write is not allowed: ${JSON.stringify(first).slice(0, 400)}`);
    const sr = searchReadCall();
    for (const [k, c] of [[key50, sr], [key1, sr]] as const) {
      const d = decide(k, c, env);
      if (d.verdict !== 'allow') throw new Error(`the benchmark search_read is not allowed: ${JSON.stringify(d).slice(0, 300)}`);
    }
    const ms = o.quick ? 1000 : 3000;
    const cases = [
      { what: `write of ${fieldsWritten} fields with nested x2many commands (5 lines created with taxes, 3 updated, 1 deleted, 1 linked; tags replaced), 50 rules, the matching ones last`, r: rate(() => decide(key50, write, env), ms), checks: first.checks.length },
      { what: 'search_read of 4 fields, 50 rules (the matching one second)', r: rate(() => decide(key50, sr, env), ms), checks: 0 },
      { what: 'search_read of 4 fields, 1 rule', r: rate(() => decide(key1, sr, env), ms), checks: 0 },
    ];
    for (const c of cases) o.log(`decide: ${c.what}: ${num(c.r.perSecondCpu)}/s of CPU (${c.r.usCpu.toFixed(1)} µs)`);
    const markdown = [
      `In one process, after a warm-up; rate by this process's CPU time (wall-clock rate in brackets). The write's verdict is allow, with ${first.checks.length} upstream id check(s) for the proxy to make. For scale: the stand-in answers a small call in about 1 ms, real Odoo in 10-14 ms (FACTS.md).`,
      '',
      table(
        ['call', 'decide() calls per second', 'per call', 'share of a 1 ms / 10 ms upstream call'],
        cases.map((c) => [c.what, `${num(c.r.perSecondCpu)} (${num(c.r.perSecondWall)})`, `${c.r.usCpu.toFixed(1)} µs`, `${((c.r.usCpu / 1000) * 100).toFixed(1)}% / ${((c.r.usCpu / 10000) * 100).toFixed(2)}%`]),
      ),
    ].join('\n');
    return { markdown, data: cases.map((c) => ({ what: c.what, ...c.r })) };
  },
};
