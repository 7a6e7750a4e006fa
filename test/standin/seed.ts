// Seed data shaped like the recorded demo databases (odoo18 and odoo19): the same ids, names and
// values wherever a recording shows them (partners, companies, countries, the demo opportunity
// 14, stages, the partners read in full), plausible demo-like values elsewhere.

import { randomBytes } from 'node:crypto';
import { PyFloat, type RpcStruct, type RpcValue } from '../../src/rpc/values.js';
import { RECORDED } from './data/recorded.js';
import { isStored, type Group, type Stored, type Version } from './fields.js';
import { GROUP_SETS } from './schema.js';
import type { Orm } from './orm.js';
import { WIRE_KEYS } from '../support/wire.js';

export interface SeedUser {
  uid: number;
  login: string;
  password: string;
  apiKey: string | null;
  partnerId: number;
  groups: keyof typeof GROUP_SETS;
}

export interface SeedResult {
  users: { admin: SeedUser; integration: SeedUser; demo: SeedUser; portal: SeedUser };
}

interface PartnerSeed {
  id: number;
  name: string;
  company?: boolean;
  parent?: number;
  email?: string | false;
  active?: boolean;
  street?: string;
  city?: string;
  zip?: string;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z]+/g, '.').replace(/^\.|\.$/g, '');
}

/** Partners of each demo database, with the parents that give the recorded complete names. */
function partners(version: Version): PartnerSeed[] {
  const v19 = version >= 19;
  const wood = v19 ? 8 : 9;
  const deco = v19 ? 9 : 10;
  const gemini = v19 ? 10 : 11;
  const ready = v19 ? 11 : 12;
  const openwood = v19 ? 12 : 13;
  const list: PartnerSeed[] = [
    { id: 1, name: 'YourCompany', company: true, email: 'info@yourcompany.com', street: '250 Executive Park Blvd, Suite 3400', city: 'San Francisco', zip: '94134' },
    { id: 2, name: 'OdooBot', email: 'odoobot@example.com', active: false },
    { id: 3, name: 'Mitchell Admin', parent: 1, email: 'admin@yourcompany.example.com' },
    { id: 4, name: 'Public user', active: false, email: false },
    { id: 5, name: v19 ? 'Portal User Template' : 'Default User Template', active: false, email: false },
    ...(v19 ? [] : [{ id: 6, name: 'Portal User Template', active: false, email: false as const }]),
    { id: v19 ? 6 : 7, name: 'Marc Demo', parent: 1, email: 'mark.brown23@example.com' },
    { id: v19 ? 7 : 8, name: 'Joel Willis', parent: 1, email: 'joel.willis63@example.com' },
    { id: wood, name: 'Wood Corner', company: true, email: 'bhu.a100@ic.example.com', street: '1839 Arbor Way', city: 'Turlock', zip: '95380' },
    { id: deco, name: v19 ? 'Acme Corporation' : 'Deco Addict', company: true, email: 'info@agrolait.com', street: '77 Santa Barbara Rd', city: 'Pleasant Hill', zip: '94523' },
    { id: gemini, name: 'Gemini Furniture', company: true, email: 'john.b@tech.info', street: '317 Fairchild Dr', city: 'Fairfield', zip: '94535' },
    { id: ready, name: 'Ready Mat', company: true, email: 'info@deltapc.example.com', street: '7500 W Linne Road', city: 'Tracy', zip: '95304' },
    { id: openwood, name: 'OpenWood', company: true, email: 'ErikNFrench@armyspy.com', street: '3404 Edgewood Road', city: 'Jonesboro', zip: '72401' },
    ...(v19 ? [{ id: 13, name: 'LightsUp', company: true, email: 'lightsup@example.com', street: '3661 Station Street', city: 'Fremont', zip: '94538' }] : []),
    { id: 14, name: 'The Jackson Group', company: true, email: 'jackson.group82@example.com', street: '1611 Peony Dr', city: 'Tracy', zip: '95377' },
    { id: 15, name: 'Azure Interior', company: true, email: 'vauxoo@yourcompany.example.com', street: '4557 De Silva St', city: 'Fremont', zip: '94538' },
    { id: 16, name: 'Lumber Inc', company: true, email: 'lumber-inv92@example.com', street: '1337 N San Joaquin St', city: 'Stockton', zip: '95202' },
    { id: 17, name: 'Willie Burke', parent: wood },
    { id: 18, name: 'Ron Gibson', parent: wood },
    { id: 19, name: 'Douglas Fletcher', parent: deco },
    { id: 20, name: 'Floyd Steward', parent: deco },
    { id: 21, name: 'Edwin Hansen', parent: gemini },
    { id: 22, name: 'Billy Fox', parent: ready },
    { id: 23, name: 'Jesse Brown', parent: gemini },
    { id: 24, name: 'Soham Palmer', parent: gemini },
    { id: 25, name: 'Kim Snyder', parent: ready },
    { id: 26, name: 'Edith Sanchez', parent: ready },
    { id: 27, name: 'Brandon Freeman', parent: 15 },
    { id: 28, name: 'Nicole Ford', parent: 15 },
    { id: 29, name: 'Toni Rhodes', parent: 14 },
    { id: 30, name: 'Gordon Owens', parent: 14 },
    { id: 31, name: 'Theodore Gardner', parent: ready },
    { id: 32, name: 'Oscar Morgan', parent: gemini },
    { id: 33, name: 'Tom Ruiz', parent: wood },
    { id: 34, name: 'Colleen Diaz', parent: 15 },
    { id: 35, name: 'Lorraine Douglas', parent: 16 },
    { id: 36, name: 'Addison Olson', parent: deco },
    { id: 37, name: 'Sandra Neal', parent: ready },
    { id: 38, name: 'Julie Richards', parent: ready },
    { id: 39, name: 'Travis Mendoza', parent: ready },
    { id: 40, name: 'Chester Reed', parent: 1 },
    { id: 41, name: 'Dwayne Newman', parent: 1 },
    ...(v19 ? [{ id: 42, name: 'My US Company', company: true, email: false as const, street: '', city: '', zip: '' }] : []),
    { id: v19 ? 43 : 42, name: 'Integration', email: 'integration@example.com' },
  ];
  // Contacts other clients had created before the recordings (recording xmlrpc/36 lists them).
  const xs = v19 ? [44, 45, 46, 47] : [44, 45, 46, 47, 48, 49, 50, 51];
  for (const id of xs) list.push({ id, name: id % 2 === 0 ? 'x' : 'x (copy)', email: false });
  return list;
}

interface LeadSeed {
  id: number;
  name: string;
  stage: number;
  revenue: number;
  partner?: number;
  priority?: string;
  user?: 'admin' | 'demo';
  tags?: number[];
  deadline?: string;
  active?: boolean;
}

/** 39 opportunities over the four stages, with the recorded per-stage counts (13, 13, 10, 3) and sums. */
function leads(version: Version): LeadSeed[] {
  const deco = version >= 19 ? 9 : 10;
  const gemini = version >= 19 ? 10 : 11;
  const ready = version >= 19 ? 11 : 12;
  const wood = version >= 19 ? 8 : 9;
  const names = [
    'Club Office Furnitures', 'Quote for 12 Tables', 'Quote for 150 carpets', 'Modern Open Space', 'Global Solutions: Furnitures', 'Distributor Contract',
    'Design New Shelves', 'Customizable Desk', 'Potential Distributor', 'DeltaPC: 10 Computer Desks', 'Access to Online Catalog', 'Info about services',
    'Need 20 Desks', 'Office Design Project', 'Interest in your customizable desks', 'Open Space Design', 'Furnitures', 'Cabinets',
    'Plan to buy 60 keyboards and mouses', '5 VP Chairs', 'Need a new design for my website', 'Quote for 600 Chairs', 'Pipeline Review', 'Conference Room Setup',
    'Reception Desk', 'Ergonomic Chairs', 'Office Renovation', 'Meeting Room Tables', 'Acoustic Panels', 'Storage Solutions',
    'Standing Desks', 'Lighting Upgrade', 'Lounge Area', 'Kitchen Furniture', 'Training Room', 'Outdoor Furniture',
    'Executive Office', 'Library Shelves', 'Call Center Desks', 'Warehouse Racks', 'Showroom Display',
  ];
  const newRev = [2500, 3800, 4500, 5600, 6000, 7500, 8000, 9500, 10000, 11000, 12000, 11075];
  const qualRev = [15000, 18000, 20000, 22000, 24000, 25000, 26000, 28000, 30000, 32000, 35000, 19000, 18568];
  const propRev = [20000, 22000, 25000, 28000, 30000, 32000, 35000, 38000, 40000, 9201];
  const wonRev = [8000, 9800, 6000];
  const partnersCycle = [wood, gemini, ready, 14, 16, 13, 22, 21, 25];
  const out: LeadSeed[] = [];
  let n = 0;
  for (let id = 1; id <= 12; id++) out.push({ id, name: names[id - 1]!, stage: 1, revenue: newRev[n++]!, partner: partnersCycle[id % partnersCycle.length], user: id % 3 ? 'admin' : 'demo', priority: String(id % 3) });
  out.push({ id: 14, name: 'Office Design Project', stage: 1, revenue: 24000, partner: deco, priority: '2', user: 'demo', tags: [2], deadline: '2026-12-28' });
  n = 0;
  for (const id of [13, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26]) out.push({ id, name: names[id - 1]!, stage: 2, revenue: qualRev[n++]!, partner: partnersCycle[id % partnersCycle.length], user: id % 2 ? 'admin' : 'demo', priority: '1' });
  n = 0;
  for (let id = 27; id <= 36; id++) out.push({ id, name: names[id - 1]!, stage: 3, revenue: propRev[n++]!, partner: partnersCycle[id % partnersCycle.length], user: id % 2 ? 'demo' : 'admin', priority: '1' });
  n = 0;
  for (let id = 37; id <= 39; id++) out.push({ id, name: names[id - 1]!, stage: 4, revenue: wonRev[n++]!, partner: partnersCycle[id % partnersCycle.length], user: 'admin', priority: '0' });
  // The recordings show: Azure Interior's opportunities are 22 and 19; on 19.0 Acme's are 27, 26, 14, 15 (plus one of a contact's).
  const set = (id: number, p: Partial<LeadSeed>): void => void Object.assign(out.find((l) => l.id === id)!, p);
  set(19, { partner: 15, priority: '1', tags: [1, 3] });
  set(22, { partner: 15, priority: '1', tags: [4] });
  set(26, { partner: deco, priority: '2' });
  set(27, { partner: deco, priority: '2' });
  set(15, { partner: deco, priority: '1' });
  set(16, { partner: 36, priority: '1' });
  for (const l of out) if (l.partner === 15 && ![19, 22].includes(l.id)) l.partner = 14;
  for (const l of out) if (l.partner === deco && ![14, 15, 26, 27].includes(l.id)) l.partner = gemini;
  // Two lost opportunities, archived: only active_test=False searches see them.
  out.push({ id: 40, name: names[39]!, stage: 1, revenue: 5000, partner: ready, user: 'demo', priority: '0', active: false });
  out.push({ id: 41, name: names[40]!, stage: 2, revenue: 7000, partner: wood, user: 'admin', priority: '0', active: false });
  return out.sort((a, b) => a.id - b.id);
}

/** Converts a value as read out (recordings) into its stored form for `field` of `model`. */
function storedFromRead(orm: Orm, model: string, field: string, v: RpcValue): Stored {
  const f = orm.modelDef(model).fields.get(field);
  if (!f || f.opaque) return v;
  if (f.type === 'many2one') return Array.isArray(v) ? (v[0] as number) : false;
  if (f.type === 'float' || f.type === 'monetary') return v instanceof PyFloat ? v.value : typeof v === 'number' ? v : 0;
  return v;
}

export function seed(orm: Orm, opts: { auditlog?: boolean } = {}): SeedResult {
  const version = orm.version;
  const v19 = version >= 19;
  const bot = 1;
  const seedDate = '2026-11-28 18:23:23';
  const leadDate = v19 ? '2026-11-27 18:24:24' : '2026-11-27 18:24:18';
  const stamp = (date = seedDate): RpcStruct => ({ create_uid: bot, create_date: date, write_uid: bot, write_date: date });

  // Reference data
  orm.insertRaw('res.currency', { id: 1, name: 'USD', symbol: '$', active: true, ...stamp() });
  orm.insertRaw('res.currency', { id: 2, name: 'EUR', symbol: '€', active: false, ...stamp() });
  orm.insertRaw('res.country', { id: 233, name: 'United States', code: 'US', phone_code: 1, ...stamp() });
  orm.insertRaw('res.country.state', { id: 13, name: 'California', code: 'CA', country_id: 233, ...stamp() });
  const categories = ['Prospects', 'Vendor', 'Services', 'Consulting Services', 'Desk Manufacturers', 'Office Supplies', 'Manufacturer', 'Wholesaler'];
  categories.forEach((name, i) => orm.insertRaw('res.partner.category', { id: i + 1, name, color: i, active: true, ...stamp() }));

  // Partners
  const pdef = orm.modelDef('res.partner');
  for (const p of partners(version)) {
    const person = !p.company && p.name !== 'x' && p.name !== 'x (copy)';
    const email = p.email !== undefined ? p.email : person ? `${slug(p.name)}@example.com` : false;
    orm.insertRaw('res.partner', {
      id: p.id,
      name: p.name,
      is_company: Boolean(p.company),
      parent_id: p.parent ?? false,
      email,
      active: p.active !== false,
      type: 'contact',
      lang: 'en_US',
      tz: false,
      street: p.street || false,
      city: p.city || false,
      zip: p.zip || false,
      state_id: p.company && p.city ? 13 : false,
      country_id: p.company || p.parent ? 233 : false,
      company_id: false,
      customer_rank: p.company ? 1 : 0,
      supplier_rank: 0,
      currency_id: [1, 'USD'],
      signup_type: false,
      active_lang_count: 1,
      tz_offset: '+0000',
      partner_share: p.id > 8 || p.id === 4,
      im_status: 'im_partner',
      trust: 'normal',
      autopost_bills: 'ask',
      display_invoice_edi_format: true,
      ...(v19 ? {} : { invoice_warn: 'no-message', sale_warn: 'no-message' }),
      ...stamp(),
    });
  }
  // The partners the recordings read with every field: exactly as recorded.
  for (const [id, recorded] of Object.entries(RECORDED[version].partners as Record<string, RpcStruct>)) {
    const rec = orm.record('res.partner', Number(id))!;
    for (const [k, v] of Object.entries(recorded)) {
      const f = pdef.fields.get(k);
      if (!f || k === 'id' || !isStored(f)) continue;
      rec[k] = storedFromRead(orm, 'res.partner', k, v);
    }
    for (const k of ['create_uid', 'write_uid']) rec[k] = (recorded[k] as [number, string])[0];
    rec.create_date = recorded.create_date as string;
    rec.write_date = recorded.write_date as string;
  }
  if (v19) orm.record('res.partner', 27)!.image_128 = RECORDED[19].partner27Image128 as Stored;

  // Companies
  orm.insertRaw('res.company', { id: 1, name: 'YourCompany', partner_id: 1, currency_id: 1, sequence: 0, active: true, ...stamp() });
  if (v19) orm.insertRaw('res.company', { id: 2, name: 'My US Company', partner_id: 42, currency_id: 1, sequence: 10, active: true, ...stamp() });
  orm.record('res.partner', 1)!.company_id = 1;

  // Users: uid 2 is admin; Marc Demo and Joel Willis follow; the integration user is 8 on 18.0 and 7 on 19.0.
  const password = (): string => randomBytes(12).toString('base64url');
  const users: SeedResult['users'] = {
    admin: { uid: 2, login: 'admin', password: password(), apiKey: WIRE_KEYS.admin, partnerId: 3, groups: 'admin' },
    demo: { uid: v19 ? 5 : 6, login: 'demo', password: password(), apiKey: null, partnerId: v19 ? 6 : 7, groups: 'sales' },
    portal: { uid: v19 ? 6 : 7, login: 'portal', password: password(), apiKey: null, partnerId: v19 ? 7 : 8, groups: 'portal' },
    integration: { uid: v19 ? 7 : 8, login: 'integration', password: password(), apiKey: WIRE_KEYS.integration, partnerId: v19 ? 43 : 42, groups: 'sales' },
  };
  const companies = v19 ? [1, 2] : [1];
  orm.insertRaw('res.users', { id: 1, login: '__system__', partner_id: 2, active: false, company_id: 1, company_ids: companies, share: false, ...stamp() });
  orm.insertRaw('res.users', { id: 3, login: 'public', partner_id: 4, active: false, company_id: 1, company_ids: [1], share: true, ...stamp() });
  orm.insertRaw('res.users', { id: 4, login: v19 ? 'portaltemplate' : 'default', partner_id: 5, active: false, company_id: 1, company_ids: [1], share: !v19 ? false : true, ...stamp() });
  if (!v19) orm.insertRaw('res.users', { id: 5, login: 'portaltemplate', partner_id: 6, active: false, company_id: 1, company_ids: [1], share: true, ...stamp() });
  for (const u of Object.values(users)) {
    orm.insertRaw('res.users', { id: u.uid, login: u.login, partner_id: u.partnerId, active: true, company_id: 1, company_ids: u.groups === 'admin' ? companies : [1], share: u.groups === 'portal', ...stamp() });
    orm.userGroups.set(u.uid, new Set<Group>(GROUP_SETS[u.groups]));
    orm.credentials.set(u.uid, { password: u.password, apiKeys: u.apiKey ? [{ key: u.apiKey, name: 'wire', revoked: false }] : [] });
  }
  orm.userGroups.set(1, new Set<Group>(GROUP_SETS.admin));
  orm.setNextId('res.users', v19 ? 8 : 9);

  // CRM
  orm.insertRaw('crm.team', { id: 1, name: 'Sales', sequence: 10, active: true, user_id: 2, company_id: 1, ...stamp() });
  orm.insertRaw('crm.team', { id: 2, name: 'Website', sequence: 20, active: true, user_id: false, company_id: 1, ...stamp() });
  const stages: Array<[number, string, number, boolean]> = [
    [1, 'New', 1, false],
    [2, 'Qualified', 2, false],
    [3, 'Proposition', 3, false],
    [4, 'Won', 70, true],
  ];
  for (const [id, name, sequence, isWon] of stages) orm.insertRaw('crm.stage', { id, name, sequence, is_won: isWon, fold: false, team_id: false, ...stamp() });
  ['Product', 'Software', 'Services', 'Information', 'Design', 'Training', 'Consulting', 'Other'].forEach((name, i) => orm.insertRaw('crm.tag', { id: i + 1, name, color: i + 1, ...stamp() }));
  ['Too expensive', "We don't have people/skills", 'Not enough stock'].forEach((name, i) => orm.insertRaw('crm.lost.reason', { id: i + 1, name, active: true, ...stamp() }));
  const probability: Record<number, number> = { 1: 10, 2: 30, 3: 60, 4: 100 };
  for (const l of leads(version)) {
    const partner = l.partner ? orm.record('res.partner', l.partner) : undefined;
    const won = l.stage === 4;
    orm.insertRaw('crm.lead', {
      id: l.id,
      name: l.name,
      type: 'opportunity',
      stage_id: l.stage,
      expected_revenue: l.revenue,
      probability: l.active === false ? 0 : probability[l.stage]!,
      automated_probability: probability[l.stage]!,
      priority: l.priority ?? '0',
      partner_id: l.partner ?? false,
      partner_name: partner?.is_company ? (partner.name as string) : false,
      contact_name: partner && !partner.is_company ? (partner.name as string) : false,
      email_from: (partner?.email as string) ?? false,
      user_id: l.user === 'demo' ? users.demo.uid : users.admin.uid,
      team_id: 1,
      company_id: 1,
      tag_ids: l.tags ?? [],
      date_deadline: l.deadline ?? false,
      date_closed: won || l.active === false ? leadDate : false,
      date_open: leadDate,
      date_last_stage_update: leadDate,
      active: l.active !== false,
      lost_reason_id: l.active === false ? 1 : false,
      description: false,
      color: 0,
      country_id: partner ? 233 : false,
      lang_id: [1, 'English (US)'],
      lang_code: 'en_US',
      ...stamp(leadDate),
    });
  }
  orm.setNextId('crm.lead', v19 ? 83 : 89);
  orm.setNextId('crm.tag', v19 ? 9 : 9);

  // Sales
  const products: Array<[string, string, number]> = [
    ['Office Chair', 'FURN_7777', 70],
    ['Office Lamp', 'FURN_8888', 40],
    ['Office Design Software', 'FURN_9999', 280],
    ['Desk Combination', 'FURN_7800', 450],
    ['Customizable Desk', 'FURN_0096', 750],
    ['Large Cabinet', 'E-COM07', 320],
    ['Cabinet with Doors', 'E-COM11', 140],
    ['Conference Chair', 'E-COM06', 33],
    ['Corner Desk Right Sit', 'E-COM09', 147],
    ['Large Desk', 'E-COM08', 1799],
    ['Three-Seat Sofa', 'FURN_8999', 1500],
  ];
  // Each variant has its template (product.product _inherits product.template), with the same id.
  products.forEach(([name, code, price], i) => {
    orm.insertRaw('product.template', { id: i + 1, name, list_price: price, type: 'consu', sale_ok: true, purchase_ok: true, active: true, sequence: 1, ...stamp() });
    orm.insertRaw('product.product', { id: i + 1, product_tmpl_id: i + 1, default_code: code, standard_price: Math.round(price * 0.6), active: true, ...stamp() });
  });
  const deco = v19 ? 9 : 10;
  const orders: Array<[number, number, string, string, Array<[number, number]>]> = [
    [1, deco, 'sale', '2026-11-20 10:00:00', [[1, 3], [5, 1]]],
    [2, v19 ? 11 : 12, 'draft', '2026-11-21 10:00:00', [[10, 1]]],
    [3, v19 ? 10 : 11, 'sent', '2026-11-22 10:00:00', [[8, 12], [2, 4]]],
    [4, 14, 'sale', '2026-11-23 10:00:00', [[11, 1]]],
    [5, deco, 'draft', '2026-11-26 10:00:00', [[4, 2]]],
    [6, 16, 'cancel', '2026-11-24 10:00:00', [[6, 1]]],
  ];
  let lineId = 1;
  for (const [id, partner, state, date, lines] of orders) {
    orm.insertRaw('sale.order', { id, name: `S${String(id).padStart(5, '0')}`, partner_id: partner, state, date_order: date, user_id: users.admin.uid, team_id: 1, company_id: 1, opportunity_id: false, ...stamp() });
    lines.forEach(([product, qty], i) => {
      const p = orm.record('product.product', product)!;
      const tmpl = orm.record('product.template', p.product_tmpl_id as number)!;
      orm.insertRaw('sale.order.line', { id: lineId++, order_id: id, sequence: 10 + i, product_id: product, name: `[${p.default_code}] ${tmpl.name}`, product_uom_qty: qty, price_unit: tmpl.list_price, discount: 0, ...stamp() });
    });
  }

  // Chatter
  const subtypes: Array<[number, string, boolean, string | false, number]> = [
    [1, 'Discussions', false, false, 0],
    [2, 'Note', true, false, 100],
    [3, 'Activities', true, false, 90],
    [4, 'Stage Changed', false, 'crm.lead', 1],
    [5, 'Opportunity Won', false, 'crm.lead', 2],
    [6, 'Opportunity Created', false, 'crm.lead', 0],
  ];
  for (const [id, name, internal, resModel, sequence] of subtypes) orm.insertRaw('mail.message.subtype', { id, name, internal, res_model: resModel, sequence, default: true, ...stamp() });
  const msg = (id: number, model: string, resId: number, type: string, body: string): void => {
    orm.insertRaw('mail.message', {
      id,
      model,
      res_id: resId,
      record_name: orm.displayName(model, resId),
      message_type: type,
      body,
      subtype_id: type === 'comment' ? 1 : 2,
      author_id: type === 'comment' ? 3 : 2,
      date: seedDate,
      ...stamp(),
    });
  };
  if (v19) {
    msg(71, 'res.partner', 9, 'comment', '<p>Would you be interested in a custom-made desk?</p>');
    msg(302, 'res.partner', 9, 'notification', '<p>Contact created</p>');
    msg(304, 'res.partner', 15, 'notification', '<p>Contact created</p>');
    orm.setNextId('mail.message', 541);
  } else {
    msg(229, 'res.partner', 15, 'notification', '<p>Contact created</p>');
    orm.setNextId('mail.message', 432);
  }
  orm.setNextId('res.partner', v19 ? 55 : 60);

  // Technical models
  let modelId = 1;
  let fieldId = 1;
  for (const m of orm.schema.values()) {
    const mid = modelId++;
    orm.irModelIds.set(m.name, mid);
    orm.insertRaw('ir.model', { id: mid, name: m.description, model: m.name, state: 'base', modules: m.module, transient: false, ...stamp() });
    let seq = 1;
    for (const f of m.fields.values()) {
      const fid = fieldId++;
      orm.irFieldIds.set(`${m.name}.${f.name}`, fid);
      orm.insertRaw('ir.model.fields', {
        id: fid,
        name: f.name,
        model: m.name,
        model_id: mid,
        field_description: f.string,
        ttype: f.type,
        relation: f.relation ?? false,
        required: Boolean(f.required),
        readonly: Boolean(f.readonly),
        store: isStored(f),
        tracking: f.tracking ? 1 : 0,
        sequence: seq++,
        ...stamp(),
      });
    }
  }
  // External ids of the seeded records, as base and sales_team's data files name them (load's `id`
  // and `/id` columns find records through them).
  const xmlids: Array<[string, string, string, number]> = [
    ['base', 'main_company', 'res.company', 1],
    ['base', 'main_partner', 'res.partner', 1],
    ['base', 'partner_admin', 'res.partner', 3],
    ...['Product', 'Software', 'Services', 'Information', 'Design', 'Training', 'Consulting', 'Other'].map((_, i): [string, string, string, number] => ['sales_team', `categ_oppor${i + 1}`, 'crm.tag', i + 1]),
  ];
  xmlids.forEach(([module, name, model, resId], i) => orm.insertRaw('ir.model.data', { id: i + 1, module, name, model, res_id: resId, noupdate: false, ...stamp() }));
  const modules: Array<[string, string, boolean]> = [
    ['base', 'Base', false],
    ['web', 'Web', false],
    ['mail', 'Discuss', true],
    ['contacts', 'Contacts', true],
    ['utm', 'UTM Trackers', false],
    ['sales_team', 'Sales Teams', false],
    ['product', 'Products & Pricelists', false],
    ['crm', 'CRM', true],
    ['sale', 'Sales', false],
    ['sale_management', 'Sales', true],
    ['calendar', 'Calendar', true],
    ['account', 'Invoicing', true],
    ...(opts.auditlog ? [['auditlog', 'Audit Log', false] as [string, string, boolean]] : []),
  ];
  modules.forEach(([name, shortdesc, application], i) =>
    orm.insertRaw('ir.module.module', {
      id: i + 1,
      name,
      shortdesc,
      state: 'installed',
      latest_version: `${version}.0.1.0`,
      application,
      author: name === 'auditlog' ? 'ABF OSIELL, Odoo Community Association (OCA)' : 'Odoo S.A.',
      summary: false,
      sequence: 100,
      ...stamp(),
    }),
  );
  const params: Array<[string, string]> = [
    ['base.login_cooldown_after', '10'],
    ['base.login_cooldown_duration', '60'],
    ['database.create_date', seedDate],
    ['database.uuid', '8c7b6c1e-6f0a-11ef-9c3b-0242ac120002'],
    ['web.base.url', 'http://localhost:8069'],
  ];
  params.forEach(([key, value], i) => orm.insertRaw('ir.config_parameter', { id: i + 1, key, value, ...stamp() }));

  if (opts.auditlog) {
    const rule = (id: number, model: string, name: string): void => {
      orm.insertRaw('auditlog.rule', {
        id,
        name,
        model_id: orm.irModelIds.get(model)!,
        model_name: orm.modelDef(model).description,
        model_model: model,
        log_read: false,
        log_write: true,
        log_unlink: true,
        log_create: true,
        log_type: 'full',
        state: 'subscribed',
        users_to_exclude_ids: [],
        capture_record: false,
        ...stamp(),
      });
    };
    rule(1, 'crm.lead', 'Leads');
    rule(2, 'res.partner', 'Contacts');
  }
  return { users };
}
