// Relational property values (a properties field's many2one / many2many values) through the proxy.
// The stand-in holds no property definitions, so Odoo's answer is written in by a rewriting upstream,
// shaped as Properties.convert_to_read gives it (odoo/orm/fields_properties.py, 19.0): the parent's
// definitions, each with its value, relational ones as [id, display_name] pairs, defaults too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HIDDEN_NAME } from '../../src/proxy/core.js';
import { startHarness, post, type Harness, type Upstream } from '../support/proxy-harness.js';
import { rewritingUpstream } from '../support/rewriting-upstream.js';
import type { RpcValue } from '../../src/rpc/values.js';

const leadRule = { model: 'crm.lead', methods: ['read', 'write'], fields: ['name', 'lead_properties'] };
const customersOnly = { model: 'res.partner', methods: ['read'], domain: [['customer_rank', '>', 0]] };

async function call(h: Harness<Upstream | undefined>, token: string, model: string, method: string, args: RpcValue[], kwargs: Record<string, RpcValue> = {}): Promise<{ result?: unknown; error?: { message: string; data?: { message?: string } } }> {
  const r = await post(`${h.url}/jsonrpc`, JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params: { service: 'object', method: 'execute_kw', args: [h.db, h.uid, token, model, method, args, kwargs] } }), { 'Content-Type': 'application/json' });
  return JSON.parse(r.text) as { result?: unknown };
}

/**
 * A fields_get answer as Odoo 19 gives it for crm.lead's lead_properties: with definition_record and
 * definition_record_field (the stand-in leaves them out); `more` may change the fields further.
 */
function withDefinitionRecord(a: { status: number; text: string }, more?: (result: Record<string, Record<string, RpcValue>>) => void): { status: number; text: string } {
  const parsed = JSON.parse(a.text) as { result?: Record<string, Record<string, RpcValue>> };
  const lp = parsed.result?.lead_properties;
  if (lp) Object.assign(lp, { definition_record: 'team_id', definition_record_field: 'lead_properties_definition' });
  if (parsed.result) more?.(parsed.result);
  return { status: a.status, text: JSON.stringify(parsed) };
}

test('relational property values: names of records outside the key\'s rules are hidden per comodel, ordinary properties pass, id values are refused in writes', async (t) => {
  let definitions: (names: (id: number) => string) => RpcValue = () => [];
  let nameOf: (id: number) => string = () => '';
  const upstream = rewritingUpstream((_url, body) =>
    body.includes('"lead_properties"') && body.includes('"read"')
      ? (a) => {
          const parsed = JSON.parse(a.text) as { result?: Record<string, RpcValue>[] };
          for (const row of parsed.result ?? []) row.lead_properties = definitions(nameOf);
          return { status: a.status, text: JSON.stringify(parsed) };
        }
      : undefined,
  );
  const h = await startHarness({ version: 19, upstream });
  t.after(() => h.close());
  const orm = h.standin.orm;
  nameOf = (id) => orm.raw.displayName('res.partner', id);
  const inside = orm.search('res.partner', [['customer_rank', '>', 0]], { order: 'id', limit: 1 })[0]!;
  const outside = orm.search('res.partner', [['customer_rank', '=', 0]], { order: 'id', limit: 2 });
  assert.ok(inside && outside.length === 2, 'the stand-in has partners on both sides of the domain');
  const tag = orm.search('crm.tag', [], { limit: 1 })[0]!;
  const lead = orm.search('crm.lead', [], { order: 'id', limit: 1 })[0]!;
  definitions = (n): RpcValue => [
    { name: 'p_inside', string: 'Contact', type: 'many2one', comodel: 'res.partner', value: [inside, n(inside)] },
    { name: 'p_outside', string: 'Referrer', type: 'many2one', comodel: 'res.partner', value: [outside[0]!, n(outside[0]!)], default: [outside[1]!, n(outside[1]!)] } as RpcValue,
    { name: 'p_many', string: 'Others', type: 'many2many', comodel: 'res.partner', value: [[inside, n(inside)], [outside[1]!, n(outside[1]!)]] },
    { name: 'p_tag', string: 'Tag', type: 'many2one', comodel: 'crm.tag', value: [tag, 'Some tag'] },
    { name: 'p_code', string: 'Code', type: 'char', value: 'ABC' },
  ];

  const limited = (await h.addKey({ name: 'props-limited', rules: [leadRule, customersOnly] })).token;
  const r = await call(h, limited, 'crm.lead', 'read', [[lead]], { fields: ['name', 'lead_properties'] });
  const props = (r.result as { lead_properties: Record<string, RpcValue>[] }[])[0]!.lead_properties;
  const at = (name: string) => props.find((d) => d.name === name)!;
  assert.deepEqual(at('p_inside').value, [inside, nameOf(inside)], 'a partner inside the domain keeps its name');
  assert.deepEqual(at('p_outside').value, [outside[0], HIDDEN_NAME], 'a partner outside the domain: name hidden');
  assert.deepEqual(at('p_outside').default, [outside[1], HIDDEN_NAME], 'a default outside the domain: name hidden');
  assert.deepEqual(at('p_many').value, [[inside, nameOf(inside)], [outside[1], HIDDEN_NAME]], 'many2many values judged one by one');
  assert.deepEqual(at('p_tag').value, [tag, HIDDEN_NAME], 'a comodel no rule lets the key read: name hidden');
  assert.equal(at('p_code').value, 'ABC', 'a char property is untouched');
  const line = (await h.journal()).filter((e) => e.method === 'read').at(-1);
  assert.match((line?.notes ?? []).join(' '), /names hidden in lead_properties/);

  // A key that may read every partner and tag name sees them all.
  const open = (await h.addKey({ name: 'props-open', rules: [leadRule, { model: 'res.partner', methods: ['read'] }, { model: 'crm.tag', methods: ['read'] }] })).token;
  const all = ((await call(h, open, 'crm.lead', 'read', [[lead]], { fields: ['lead_properties'] })).result as { lead_properties: Record<string, RpcValue>[] }[])[0]!.lead_properties;
  assert.deepEqual(all, definitions(nameOf) as RpcValue[]);

  // Writes: a text property passes; a partner id outside the domain is refused before Odoo sees it.
  const ok = await call(h, limited, 'crm.lead', 'write', [[lead], { lead_properties: { p_code: 'XYZ' } }]);
  assert.equal(ok.result, true, JSON.stringify(ok));
  const before = orm.get('crm.lead', lead)?.lead_properties;
  const no = await call(h, limited, 'crm.lead', 'write', [[lead], { lead_properties: { p_outside: outside[0]! } }]);
  assert.match(no.error?.data?.message ?? '', /property 'p_outside' is given a record id/, JSON.stringify(no));
  assert.deepEqual(orm.get('crm.lead', lead)?.lead_properties, before, 'the refused write did not reach Odoo');
});

test('property values written under a key with domains are judged by the definition on the lead\'s team, read upstream: integers pass, partner ids are checked against the partner rule', async (t) => {
  // The stand-in has no property definitions: the rewriting upstream answers as Odoo 19 does
  // fields_get's definition_record / definition_record_field on crm.lead's lead_properties, and the
  // team's lead_properties_definition (odoo/orm/fields_properties.py, 19.0).
  const reads: string[] = [];
  const upstream = rewritingUpstream((_url, body) => {
    if (body.includes('"fields_get"') && body.includes('"crm.lead"')) return withDefinitionRecord;
    if (body.includes('"crm.team"') && body.includes('"lead_properties_definition"')) {
      reads.push(body);
      return (a) => {
        const parsed = JSON.parse(a.text) as { id?: RpcValue };
        const definition = [
          { name: 'p_count', string: 'Count', type: 'integer' },
          { name: 'p_contact', string: 'Contact', type: 'many2one', comodel: 'res.partner' },
        ];
        return { status: 200, text: JSON.stringify({ jsonrpc: '2.0', id: parsed.id ?? null, result: [{ id: 1, lead_properties_definition: definition }] }) };
      };
    }
    return undefined;
  });
  const h = await startHarness({ version: 19, upstream });
  t.after(() => h.close());
  const orm = h.standin.orm;
  const inside = orm.search('res.partner', [['customer_rank', '>', 0]], { order: 'id', limit: 1 })[0]!;
  const outside = orm.search('res.partner', [['customer_rank', '=', 0]], { order: 'id', limit: 1 })[0]!;
  const lead = orm.search('crm.lead', [['team_id', '=', 1]], { order: 'id', limit: 1 })[0]!;
  assert.ok(inside && outside && lead, 'the stand-in has partners on both sides of the domain and a lead of team 1');
  const limited = (await h.addKey({ name: 'props-defs', rules: [leadRule, customersOnly] })).token;

  // An integer property: allowed, as under a key without domains (it was refused before).
  const int = await call(h, limited, 'crm.lead', 'write', [[lead], { lead_properties: { p_count: 42 } }]);
  assert.equal(int.result, true, JSON.stringify(int));
  assert.deepEqual(orm.get('crm.lead', lead)?.lead_properties, { p_count: 42 });
  assert.equal(reads.length, 1, 'the team\'s definition was read once');
  // A many2one property to a partner inside the rule's domain: allowed; outside: refused before Odoo.
  const ok = await call(h, limited, 'crm.lead', 'write', [[lead], { lead_properties: { p_contact: inside } }]);
  assert.equal(ok.result, true, JSON.stringify(ok));
  const before = orm.get('crm.lead', lead)?.lead_properties;
  const no = await call(h, limited, 'crm.lead', 'write', [[lead], { lead_properties: { p_contact: outside } }]);
  assert.match(no.error?.data?.message ?? '', /property 'p_contact' \(a many2one of res\.partner .*\) links res\.partner records outside the domain/, JSON.stringify(no));
  assert.deepEqual(orm.get('crm.lead', lead)?.lead_properties, before, 'the refused write did not reach Odoo');
  // The list form calling it an integer of another model is judged by the team's definition all the same.
  const lying = await call(h, limited, 'crm.lead', 'write', [[lead], { lead_properties: [{ name: 'p_contact', type: 'integer', comodel: 'crm.tag', value: outside }] }]);
  assert.match(lying.error?.data?.message ?? '', /links res\.partner records outside the domain/, JSON.stringify(lying));
  assert.equal(reads.length, 1, 'the definition is kept briefly, like a schema');
});

test('property values: one client call reads the definitions of all the teams it names in one upstream call, and the written leads\' teams in one', async (t) => {
  // Amplification: a create of leads in many teams (or a write of many command lines) named one
  // definition read per team, each a call to Odoo; they are read together, by model and field.
  const teamReads: string[] = [];
  const leadReads: string[] = [];
  const upstream = rewritingUpstream((_url, body) => {
    if (body.includes('"fields_get"') && body.includes('"crm.lead"')) return withDefinitionRecord;
    if (body.includes('"crm.lead"') && body.includes('"search_read"') && body.includes('"team_id"')) leadReads.push(body);
    if (body.includes('"crm.team"') && body.includes('"lead_properties_definition"')) {
      teamReads.push(body);
      const ids = (/\["id","in",\[([\d,]+)\]\]/.exec(body)?.[1] ?? '').split(',').filter(Boolean).map(Number);
      return (a) => {
        const parsed = JSON.parse(a.text) as { id?: RpcValue };
        const definition = [{ name: 'p_count', string: 'Count', type: 'integer' }];
        return { status: 200, text: JSON.stringify({ jsonrpc: '2.0', id: parsed.id ?? null, result: ids.map((id) => ({ id, lead_properties_definition: definition })) }) };
      };
    }
    return undefined;
  });
  const h = await startHarness({ version: 19, upstream });
  t.after(() => h.close());
  const orm = h.standin.orm;
  const limited = (await h.addKey({ name: 'props-batch', rules: [{ ...leadRule, methods: ['read', 'write', 'create'], fields: ['name', 'team_id', 'lead_properties'] }, customersOnly] })).token;

  const created = await call(h, limited, 'crm.lead', 'create', [[
    { name: 'A', team_id: 1, lead_properties: { p_count: 1 } },
    { name: 'B', team_id: 2, lead_properties: { p_count: 2 } },
    { name: 'C', team_id: 1, lead_properties: { p_count: 3 } },
  ]]);
  assert.ok(Array.isArray(created.result) && created.result.length === 3, JSON.stringify(created));
  assert.equal(teamReads.length, 1, 'both teams\' definitions in one read');
  assert.match(teamReads[0]!, /\["id","in",\[1,2\]\]/);

  const ids = created.result as number[];
  const written = await call(h, limited, 'crm.lead', 'write', [[ids[0]!, ids[2]!], { lead_properties: { p_count: 4 } }]);
  assert.equal(written.result, true, JSON.stringify(written));
  assert.equal(leadReads.length, 1, 'the written leads\' team in one read');
  assert.equal(teamReads.length, 1, 'the definitions were kept');
  assert.deepEqual(orm.get('crm.lead', ids[0]!)?.lead_properties, { p_count: 4 });
});

test('a properties definition written cannot retype a property whose stored values would become links: the current definition is read fresh, not from the cache', async (t) => {
  // Odoo keeps only {name: value} on each lead and reads it by the definition of the moment (19.0
  // odoo/orm/fields_properties.py, _dict_to_list / _parse_json_types): an integer property retyped to a
  // many2one links every number stored under it. The stand-in has no definitions: the rewriting
  // upstream answers fields_get, the team's definition, and stores what a team write sets.
  type Def = { name: string; string: string; type: string; comodel?: string }[];
  let definition: Def = [
    { name: 'p_count', string: 'Count', type: 'integer' },
    { name: 'p_contact', string: 'Contact', type: 'many2one', comodel: 'res.partner' },
  ];
  const definitionReads: string[] = [];
  const teamWrites: unknown[] = [];
  const find = (v: unknown, k: string): unknown => {
    if (v === null || typeof v !== 'object') return undefined;
    if (!Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, k)) return (v as Record<string, unknown>)[k];
    for (const x of Object.values(v as Record<string, unknown>)) {
      const found = find(x, k);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const answer = (a: { text: string }, result: unknown) => ({ status: 200, text: JSON.stringify({ jsonrpc: '2.0', id: (JSON.parse(a.text) as { id?: unknown }).id ?? null, result }) });
  const upstream = rewritingUpstream((_url, body) => {
    if (body.includes('"fields_get"') && (body.includes('"crm.lead"') || body.includes('"crm.team"'))) {
      return (a) => withDefinitionRecord(a, (result) => {
        if (body.includes('"crm.team"')) result.lead_properties_definition = { type: 'properties_definition', string: 'Lead Properties', readonly: false };
      });
    }
    if (body.includes('"crm.team"') && body.includes('"search_read"') && body.includes('"lead_properties_definition"')) {
      definitionReads.push(body);
      return (a) => answer(a, [{ id: 1, lead_properties_definition: definition }]);
    }
    if (body.includes('"crm.team"') && body.includes('"write"') && body.includes('"lead_properties_definition"')) {
      const written = find(JSON.parse(body), 'lead_properties_definition');
      teamWrites.push(written);
      definition = written as Def; // what Odoo would store
      return (a) => answer(a, true);
    }
    return undefined;
  });
  const h = await startHarness({ version: 19, upstream });
  t.after(() => h.close());
  const orm = h.standin.orm;
  const inside = orm.search('res.partner', [['customer_rank', '>', 0]], { order: 'id', limit: 1 })[0]!;
  const lead = orm.search('crm.lead', [['team_id', '=', 1]], { order: 'id', limit: 1 })[0]!;
  const teamRule = { model: 'crm.team', methods: ['read', 'write'], fields: ['name', 'lead_properties_definition'] };
  const token = (await h.addKey({ name: 'props-retype', rules: [teamRule, leadRule, customersOnly] })).token;
  const writeDef = (value: Def) => call(h, token, 'crm.team', 'write', [[1], { lead_properties_definition: value as RpcValue }]);
  const asPartner = (d: Def): Def => d.map((p) => (p.name === 'p_count' ? { ...p, type: 'many2one', comodel: 'res.partner' } : p));

  // The integer retyped to a many2one of res.partner: refused before Odoo sees it.
  const no = await writeDef(asPartner(definition));
  assert.match(no.error?.data?.message ?? '', /property 'p_count' is an integer in crm\.team 1's current definition and would become a many2one of res\.partner.*create the property under a new name/, JSON.stringify(no));
  assert.equal(teamWrites.length, 0, 'the refused write did not reach Odoo');
  // Ordinary edits pass: a text property added, a many2one property under a new name.
  const added = await writeDef([...definition, { name: 'p_note', string: 'Note', type: 'char' }, { name: 'p_buyer', string: 'Buyer', type: 'many2one', comodel: 'res.partner' }]);
  assert.equal(added.result, true, JSON.stringify(added));
  assert.equal(teamWrites.length, 1);

  // In two steps within the cache's minute: p_count made a many2one (refused above), so first the
  // definition is read for a lead write and cached, then set to integer, then back to many2one. The
  // last write is judged by the definition read now (integer), not the cached one (many2one).
  definition = asPartner(definition); // as if an administrator had made it a many2one in Odoo
  const leadWrite = await call(h, token, 'crm.lead', 'write', [[lead], { lead_properties: { p_count: inside } }]);
  assert.equal(leadWrite.result, true, JSON.stringify(leadWrite));
  const toInteger = await writeDef(definition.map((p) => (p.name === 'p_count' ? { name: 'p_count', string: 'Count', type: 'integer' } : p)));
  assert.equal(toInteger.result, true, JSON.stringify(toInteger));
  const readsBefore = definitionReads.length;
  const back = await writeDef(asPartner(definition));
  assert.match(back.error?.data?.message ?? '', /property 'p_count' is an integer in crm\.team 1's current definition/, JSON.stringify(back));
  assert.equal(definitionReads.length, readsBefore + 1, 'the current definition was read for the write, not taken from the cache');
  assert.equal(teamWrites.length, 2);
});
