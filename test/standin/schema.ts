// The models the stand-in serves, per Odoo version: fields (types, labels, relations, defaults,
// computations, tracking), access rights, default order. res.partner's field list and crm.lead's
// field metadata come from the recordings (data/recorded.ts); behaviour is added on top of them.

import { RECORDED } from './data/recorded.js';
import { emptyValue, makeFields, type AccessRights, type FieldContext, type FieldDef, type FieldType, type Group, type ModelDef, type Stored, type StoredRecord, type Version } from './fields.js';
import type { RpcStruct } from '../../src/rpc/values.js';

type FieldExtra = Partial<Omit<FieldDef, 'name' | 'type' | 'string'>>;

function fld(name: string, type: FieldType, string: string, extra: FieldExtra = {}): FieldDef {
  return { name, type, string, ...extra };
}

const READ_USERS_MANAGE = (manager: AccessRights['write']): AccessRights => ({ read: ['base.group_user'], write: manager, create: manager, unlink: manager });
const SYSTEM_ONLY: AccessRights = { read: ['base.group_system'], write: ['base.group_system'], create: ['base.group_system'], unlink: ['base.group_system'] };

/** The magic fields every model has, in the order Odoo puts them. */
function logFields(): FieldDef[] {
  return [
    fld('create_uid', 'many2one', 'Created by', { relation: 'res.users', readonly: true, copy: false }),
    fld('create_date', 'datetime', 'Created on', { readonly: true, copy: false }),
    fld('write_uid', 'many2one', 'Last Updated by', { relation: 'res.users', readonly: true, copy: false }),
    fld('write_date', 'datetime', 'Last Updated on', { readonly: true, copy: false }),
  ];
}

function idField(): FieldDef {
  return fld('id', 'integer', 'ID', { readonly: true, copy: false });
}

function displayNameField(): FieldDef {
  return fld('display_name', 'char', 'Display Name', { readonly: true, compute: () => false });
}

/** Orders the fields as read() with every field lists them: id, then display_name first on 19, else before create_uid. */
function ordered(version: Version, own: FieldDef[]): Map<string, FieldDef> {
  const head = version >= 19 ? [idField(), displayNameField()] : [idField()];
  const tail = version >= 19 ? logFields() : [displayNameField(), ...logFields()];
  return makeFields([...head, ...own, ...tail]);
}

// ---------------------------------------------------------------------------------------------
// Computations shared by several models

function rows(ctx: FieldContext, model: string): StoredRecord[] {
  return [...ctx.orm.table(model).values()];
}

/** One2many ids: the comodel records whose `inverse` points at rec, in the comodel's order, active ones only. */
function o2m(comodel: string, inverse: string, filter?: (r: StoredRecord) => boolean): (rec: StoredRecord, ctx: FieldContext) => Stored {
  return (rec, ctx) => {
    const m = ctx.orm.model(comodel);
    const hits = rows(ctx, comodel).filter((r) => r[inverse] === rec.id && (!m?.fields.has('active') || r.active !== false) && (!filter || filter(r)));
    return sortIds(ctx, comodel, hits);
  };
}

/** Sorting by a model's default order is the ORM's job; fields only need it for one2many values. */
let sortHook: (ctx: FieldContext, model: string, recs: StoredRecord[]) => number[] = (_c, _m, recs) => recs.map((r) => r.id);
export function setSortHook(fn: typeof sortHook): void {
  sortHook = fn;
}
function sortIds(ctx: FieldContext, model: string, recs: StoredRecord[]): number[] {
  return sortHook(ctx, model, recs);
}

function messagesOf(model: string): (rec: StoredRecord, ctx: FieldContext) => Stored {
  return (rec, ctx) =>
    rows(ctx, 'mail.message')
      .filter((m) => m.model === model && m.res_id === rec.id)
      .map((m) => m.id)
      .sort((a, b) => b - a);
}

function mailThreadFields(model: string): FieldDef[] {
  return [
    fld('message_is_follower', 'boolean', 'Is Follower', { readonly: true, compute: () => false }),
    fld('message_follower_ids', 'one2many', 'Followers', { relation: 'mail.followers', opaque: true, default: [] }),
    fld('message_partner_ids', 'many2many', 'Followers (Partners)', { relation: 'res.partner', compute: () => [] }),
    fld('message_ids', 'one2many', 'Messages', { relation: 'mail.message', inverseName: 'res_id', compute: messagesOf(model), copy: false }),
    fld('has_message', 'boolean', 'Has Message', { readonly: true, compute: (rec, ctx) => (messagesOf(model)(rec, ctx) as number[]).length > 0 }),
    fld('message_needaction', 'boolean', 'Action Needed', { readonly: true, compute: () => false }),
    fld('message_needaction_counter', 'integer', 'Number of Actions', { readonly: true, compute: () => 0 }),
    fld('message_has_error', 'boolean', 'Message Delivery error', { readonly: true, compute: () => false }),
    fld('message_has_error_counter', 'integer', 'Number of errors', { readonly: true, compute: () => 0 }),
    fld('message_attachment_count', 'integer', 'Attachment Count', { readonly: true, compute: () => 0 }),
    fld('website_message_ids', 'one2many', 'Website Messages', {
      relation: 'mail.message',
      inverseName: 'res_id',
      compute: (rec, ctx) =>
        rows(ctx, 'mail.message')
          .filter((m) => m.model === model && m.res_id === rec.id && ['comment', 'email', 'email_outgoing'].includes(String(m.message_type)))
          .map((m) => m.id)
          .sort((a, b) => b - a),
    }),
  ];
}

function get(ctx: FieldContext, model: string, id: Stored): StoredRecord | undefined {
  return typeof id === 'number' ? ctx.orm.table(model).get(id) : undefined;
}

// ---------------------------------------------------------------------------------------------
// res.partner

/** Types of res.partner's fields that the recordings show but the stand-in gives no behaviour: name type [relation] "label" [ro]. */
const PARTNER_FIELD_TABLE = `
message_has_sms_error boolean "SMS Delivery error" ro
is_blacklisted boolean "Blacklist" ro
message_bounce integer "Bounce"
activity_ids one2many mail.activity "Activities"
activity_state selection "Activity State" ro
activity_user_id many2one res.users "Responsible User" ro
activity_type_id many2one mail.activity.type "Next Activity Type"
activity_type_icon char "Activity Type Icon" ro
activity_date_deadline date "Next Activity Deadline" ro
my_activity_date_deadline date "My Activity Deadline" ro
activity_summary char "Next Activity Summary"
activity_exception_decoration selection "Activity Exception Decoration" ro
activity_exception_icon char "Icon" ro
activity_calendar_event_id many2one calendar.event "Next Activity Calendar Event" ro
properties properties "Properties"
properties_base_definition_id many2one properties.base.definition "Properties Base Definition" ro
avatar_1920 binary "Avatar" ro
avatar_1024 binary "Avatar 1024" ro
avatar_512 binary "Avatar 512" ro
avatar_256 binary "Avatar 256" ro
avatar_128 binary "Avatar 128" ro
title many2one res.partner.title "Title"
lang selection "Language"
active_lang_count integer "Active Lang Count" ro
tz selection "Timezone"
tz_offset char "Timezone offset" ro
vat_label char "Tax ID Label" ro
same_vat_partner_id many2one res.partner "Partner with same Tax ID" ro
same_company_registry_partner_id many2one res.partner "Partner with same Company Registry" ro
company_registry char "Company ID"
company_registry_label char "Company ID Label" ro
company_registry_placeholder char "Company Registry Placeholder" ro
bank_ids one2many res.partner.bank "Banks"
type_address_label char "Address Type Description" ro
partner_latitude float "Geo Latitude"
partner_longitude float "Geo Longitude"
is_public boolean "Is Public" ro
industry_id many2one res.partner.industry "Industry"
main_user_id many2one res.users "Main User" ro
partner_share boolean "Share Partner" ro
contact_address char "Complete Address" ro
application_statistics json "Stats" ro
im_status char "IM Status" ro
channel_ids many2many discuss.channel "Channels"
channel_member_ids one2many discuss.channel.member "Channel Member"
is_in_call boolean "Is In Call" ro
rtc_session_ids one2many discuss.channel.rtc.session "Rtc Session"
contact_address_inline char "Inlined Complete Address" ro
starred_message_ids many2many mail.message "Starred Message"
offline_since datetime "Offline since" ro
signup_type char "Signup Token Type"
meeting_count integer "# Meetings" ro
meeting_ids many2many calendar.event "Meetings"
calendar_last_notif_ack datetime "Last notification marked as read from base Calendar"
property_product_pricelist many2one product.pricelist "Pricelist"
specific_property_product_pricelist many2one product.pricelist "Specific Property Product Pricelist"
partner_gid integer "Company database ID"
additional_info char "Additional info"
phone_sanitized char "Sanitized Number" ro
phone_sanitized_blacklisted boolean "Phone Blacklisted" ro
phone_blacklisted boolean "Blacklisted Phone is Phone" ro
mobile_blacklisted boolean "Blacklisted Phone Is Mobile" ro
phone_mobile_search char "Phone/Mobile"
payment_token_ids one2many payment.token "Payment Tokens"
payment_token_count integer "Payment Token Count" ro
fiscal_country_codes char "Fiscal Country Codes" ro
fiscal_country_group_codes json "Fiscal Country Group Codes" ro
partner_vat_placeholder char "Partner Vat Placeholder" ro
partner_company_registry_placeholder char "Partner Company Registry Placeholder" ro
duplicate_bank_partner_ids many2many res.partner "Duplicate Bank Partner" ro
credit monetary "Total Receivable" ro
credit_to_invoice monetary "Credit To Invoice" ro
credit_limit float "Credit Limit"
use_partner_credit_limit boolean "Partner Limit"
show_credit_limit boolean "Show Credit Limit" ro
days_sales_outstanding float "Days Sales Outstanding (DSO)" ro
debit monetary "Total Payable" ro
debit_limit monetary "Payable Limit"
total_invoiced monetary "Total Invoiced" ro
currency_id many2one res.currency "Currency" ro
journal_item_count integer "Journal Items" ro
property_account_payable_id many2one account.account "Account Payable"
property_account_receivable_id many2one account.account "Account Receivable"
property_account_position_id many2one account.fiscal.position "Fiscal Position"
property_payment_term_id many2one account.payment.term "Customer Payment Terms"
property_supplier_payment_term_id many2one account.payment.term "Vendor Payment Terms"
ref_company_ids one2many res.company "Companies that refers to partner"
supplier_invoice_count integer "# Vendor Bills" ro
account_move_count integer "Account Move Count" ro
invoice_ids one2many account.move "Invoices"
contract_ids one2many account.analytic.account "Partner Contracts"
bank_account_count integer "Bank" ro
trust selection "Degree of trust you have in this debtor"
ignore_abnormal_invoice_date boolean "Ignore Abnormal Invoice Date"
ignore_abnormal_invoice_amount boolean "Ignore Abnormal Invoice Amount"
invoice_warn selection "Invoice"
invoice_warn_msg text "Message for Invoice"
invoice_sending_method selection "Invoice sending"
invoice_edi_format selection "eInvoice format"
invoice_edi_format_store char "Invoice Edi Format Store"
display_invoice_edi_format boolean "Display Invoice Edi Format" ro
invoice_template_pdf_report_id many2one ir.actions.report "Invoice template"
available_invoice_template_pdf_report_ids many2many ir.actions.report "Available Invoice Template Pdf Report" ro
display_invoice_template_pdf_report_id boolean "Display Invoice Template Pdf Report" ro
autopost_bills selection "Auto-post bills"
duplicated_bank_account_partners_count integer "Duplicated Bank Account Partners Count" ro
property_outbound_payment_method_line_id many2one account.payment.method.line "Property Outbound Payment Method Line"
property_inbound_payment_method_line_id many2one account.payment.method.line "Property Inbound Payment Method Line"
global_location_number char "GLN"
is_ubl_format boolean "Is Ubl Format" ro
is_peppol_edi_format boolean "Is Peppol Edi Format" ro
peppol_endpoint char "Peppol Endpoint"
peppol_eas selection "Peppol e-address (EAS)"
available_peppol_eas json "Available Peppol Eas" ro
sale_warn selection "Sales Warnings"
sale_warn_msg text "Message for Sales Order"
`;

function parseFieldTable(table: string): Map<string, FieldDef> {
  const out = new Map<string, FieldDef>();
  for (const line of table.trim().split('\n')) {
    const m = /^(\S+) (\S+)(?: (\S+))? "([^"]*)"( ro)?$/.exec(line.trim());
    if (!m) throw new Error(`bad field table line: ${line}`);
    const [, name, type, relation, string, ro] = m;
    out.set(name!, fld(name!, type as FieldType, string!, { relation, readonly: Boolean(ro) }));
  }
  return out;
}

function partnerCommercial(ctx: FieldContext, rec: StoredRecord): StoredRecord {
  let cur = rec;
  for (let i = 0; i < 20; i++) {
    if (cur.is_company) return cur;
    const parent = get(ctx, 'res.partner', cur.parent_id);
    if (!parent) return cur;
    cur = parent;
  }
  return cur;
}

export function partnerCompleteName(rec: StoredRecord, ctx: FieldContext): string {
  const name = typeof rec.name === 'string' ? rec.name : '';
  if (rec.is_company) return name;
  const commercial = partnerCommercial(ctx, rec);
  const companyName = commercial !== rec && commercial.is_company ? String(commercial.name) : typeof rec.company_name === 'string' ? rec.company_name : '';
  if (!companyName) {
    const parent = get(ctx, 'res.partner', rec.parent_id);
    return parent ? `${parent.name}, ${name}` : name;
  }
  return `${companyName}, ${name}`;
}

function addressLines(rec: StoredRecord, ctx: FieldContext): string[] {
  const state = get(ctx, 'res.country.state', rec.state_id);
  const country = get(ctx, 'res.country', rec.country_id);
  const cityLine = [rec.city || '', state ? String(state.code) : '', rec.zip || ''].filter((x) => x !== '').join(' ');
  return [String(rec.street || ''), String(rec.street2 || ''), cityLine, country ? String(country.name) : ''];
}

function partnerFields(version: Version): Map<string, FieldDef> {
  const extras = parseFieldTable(PARTNER_FIELD_TABLE);
  const behaviour: FieldDef[] = [
    ...mailThreadFields('res.partner'),
    fld('email_normalized', 'char', 'Normalized Email', {
      readonly: true,
      compute: (rec) => (typeof rec.email === 'string' && rec.email ? (/<([^>]+)>/.exec(rec.email)?.[1] ?? rec.email).trim().toLowerCase() : false),
      searchable: true,
      depends: ['email'],
    }),
    ...['1920', '1024', '512', '256', '128'].map((s) => fld(`image_${s}`, 'binary', s === '1920' ? 'Image' : `Image ${s}`, { readonly: s !== '1920' })),
    fld('name', 'char', 'Name', { tracking: true }),
    fld('complete_name', 'char', 'Complete Name', { readonly: true, compute: (rec, ctx) => partnerCompleteName(rec, ctx), searchable: true, depends: ['is_company', 'name', 'parent_id.name', 'type', 'company_name', 'commercial_company_name'] }),
    fld('parent_id', 'many2one', 'Related Company', { relation: 'res.partner', tracking: true }),
    fld('parent_name', 'char', 'Parent name', { readonly: true, related: 'parent_id.name', compute: (rec, ctx) => (get(ctx, 'res.partner', rec.parent_id)?.name as string) ?? false }),
    fld('child_ids', 'one2many', 'Contact', { relation: 'res.partner', inverseName: 'parent_id', compute: o2m('res.partner', 'parent_id') }),
    fld('ref', 'char', 'Reference'),
    fld('user_id', 'many2one', 'Salesperson', { relation: 'res.users', tracking: true }),
    fld('vat', 'char', 'Tax ID', { tracking: true }),
    fld('website', 'char', 'Website Link'),
    fld('comment', 'html', 'Notes'),
    fld('category_id', 'many2many', 'Tags', { relation: 'res.partner.category' }),
    fld('active', 'boolean', 'Active', { default: true }),
    fld('employee', 'boolean', 'Employee'),
    fld('function', 'char', 'Job Position'),
    fld('type', 'selection', 'Address Type', {
      default: 'contact',
      selection: version >= 19 ? [['contact', 'Contact'], ['invoice', 'Invoice'], ['delivery', 'Delivery'], ['other', 'Other']] : [['contact', 'Contact'], ['invoice', 'Invoice Address'], ['delivery', 'Delivery Address'], ['other', 'Other Address']],
    }),
    fld('street', 'char', 'Street'),
    fld('street2', 'char', 'Street2'),
    fld('zip', 'char', 'Zip'),
    fld('city', 'char', 'City'),
    fld('state_id', 'many2one', 'State', { relation: 'res.country.state' }),
    fld('country_id', 'many2one', 'Country', { relation: 'res.country' }),
    fld('country_code', 'char', 'Country Code', { readonly: true, related: 'country_id.code', compute: (rec, ctx) => (get(ctx, 'res.country', rec.country_id)?.code as string) ?? false }),
    fld('email', 'char', 'Email', { tracking: true }),
    fld('email_formatted', 'char', 'Formatted Email', { readonly: true, depends: ['name', 'email'], compute: (rec) => (typeof rec.email === 'string' && rec.email ? `"${rec.name || 'False'}" <${rec.email}>` : '') }),
    fld('phone', 'char', 'Phone', { tracking: true }),
    fld('mobile', 'char', 'Mobile'),
    fld('is_company', 'boolean', 'Is a Company', { default: false }),
    fld('company_type', 'selection', 'Company Type', {
      selection: [['person', 'Person'], ['company', 'Company']],
      compute: (rec) => (rec.is_company ? 'company' : 'person'),
      depends: ['is_company'],
      inverse: (value) => ({ is_company: value === 'company' }),
    }),
    fld('company_id', 'many2one', 'Company', { relation: 'res.company' }),
    fld('color', 'integer', 'Color Index'),
    fld('user_ids', 'one2many', 'Users', { relation: 'res.users', inverseName: 'partner_id', compute: o2m('res.users', 'partner_id') }),
    fld('commercial_partner_id', 'many2one', 'Commercial Entity', { relation: 'res.partner', readonly: true, depends: ['is_company', 'parent_id.commercial_partner_id'], compute: (rec, ctx) => partnerCommercial(ctx, rec).id }),
    fld('commercial_company_name', 'char', 'Company Name Entity', {
      readonly: true,
      depends: ['company_name', 'parent_id.is_company', 'commercial_partner_id.name'],
      compute: (rec, ctx) => {
        const c = partnerCommercial(ctx, rec);
        return c.is_company ? (c.name as string) : ((rec.company_name as string) || false);
      },
    }),
    fld('company_name', 'char', 'Company Name'),
    fld('barcode', 'char', 'Barcode'),
    fld('self', 'many2one', 'Self', { relation: 'res.partner', readonly: true, compute: (rec) => rec.id }),
    fld('contact_address', 'char', 'Complete Address', { readonly: true, compute: (rec, ctx) => [partnerCompleteName(rec, ctx), ...addressLines(rec, ctx)].join('\n') }),
    fld('contact_address_inline', 'char', 'Inlined Complete Address', {
      readonly: true,
      compute: (rec, ctx) => [partnerCompleteName(rec, ctx), ...addressLines(rec, ctx)].filter((x) => x !== '').join(', '),
    }),
    fld('opportunity_ids', 'one2many', 'Opportunities', { relation: 'crm.lead', inverseName: 'partner_id', compute: o2m('crm.lead', 'partner_id', (r) => r.type === 'opportunity') }),
    fld('opportunity_count', 'integer', 'Opportunity Count', {
      readonly: true,
      depends: ['opportunity_ids'],
      compute: (rec, ctx) => {
        const family = new Set<number>([rec.id]);
        for (const p of rows(ctx, 'res.partner')) if (p.parent_id === rec.id) family.add(p.id);
        // Odoo counts every lead of the partner and its contacts, archived ones included (active_test=False).
        return rows(ctx, 'crm.lead').filter((l) => family.has(l.partner_id as number)).length;
      },
    }),
    fld('sale_order_ids', 'one2many', 'Sales Order', { relation: 'sale.order', inverseName: 'partner_id', compute: o2m('sale.order', 'partner_id') }),
    fld('sale_order_count', 'integer', 'Sale Order Count', { readonly: true, depends: ['sale_order_ids'], compute: (rec, ctx) => rows(ctx, 'sale.order').filter((o) => o.partner_id === rec.id).length }),
    fld('customer_rank', 'integer', 'Customer Rank'),
    fld('supplier_rank', 'integer', 'Supplier Rank'),
  ];
  const byName = new Map(behaviour.map((f) => [f.name, f]));
  const magic = new Map([idField(), displayNameField(), ...logFields()].map((f) => [f.name, f]));
  // The recorded order, exactly; the magic fields sit where the recording has them.
  const all = new Map<string, FieldDef>();
  for (const name of RECORDED[version].partnerFieldOrder as readonly string[]) {
    const f = magic.get(name) ?? byName.get(name) ?? extras.get(name);
    if (!f) throw new Error(`res.partner ${version}: no type for recorded field ${name}`);
    all.set(name, f);
  }
  // Behaviour fields the recording does not list (mobile exists in 18 only).
  for (const f of behaviour) if (!all.has(f.name) && !(version >= 19 && f.name === 'mobile')) all.set(f.name, f);
  return all;
}

// ---------------------------------------------------------------------------------------------
// crm.lead: metadata as recorded (fields_get), behaviour added here

function leadBehaviour(version: Version): Map<string, FieldExtra> {
  const m = new Map<string, FieldExtra>();
  const set = (name: string, extra: FieldExtra): void => void m.set(name, { ...(m.get(name) ?? {}), ...extra });
  set('name', { tracking: true });
  set('email_from', { tracking: true });
  set('phone', { tracking: true });
  set('user_id', { tracking: true, default: (ctx) => ctx.uid });
  set('team_id', { tracking: true, default: 1 });
  set('company_id', { tracking: true, default: (ctx) => (ctx.orm.table('res.users').get(ctx.uid)?.company_id as number) || 1 });
  set('stage_id', { tracking: true, default: 1 });
  set('partner_id', { tracking: true });
  set('expected_revenue', { tracking: true });
  set('lost_reason_id', { tracking: true });
  set('active', { default: true, tracking: true });
  set('type', { default: 'opportunity', selection: [['lead', 'Lead'], ['opportunity', 'Opportunity']] });
  set('priority', { default: '0', selection: [['0', 'Low'], ['1', 'Medium'], ['2', 'High'], ['3', 'Very High']] });
  set('probability', { default: 10 });
  set('description', {});
  set('date_open', { default: (ctx) => ctx.orm.now() });
  set('date_last_stage_update', { default: (ctx) => ctx.orm.now() });
  set('activity_state', { selection: [['overdue', 'Overdue'], ['today', 'Today'], ['planned', 'Planned']] });
  set('activity_exception_decoration', { selection: [['warning', 'Alert'], ['danger', 'Error']] });
  set('phone_state', { selection: [['correct', 'Correct'], ['incorrect', 'Incorrect']] });
  set('email_state', { selection: [['correct', 'Correct'], ['incorrect', 'Incorrect']] });
  set('won_status', {
    selection: [['won', 'Won'], ['lost', 'Lost'], ['pending', 'Pending']],
    compute: (rec, ctx) => (rec.active === false && rec.probability === 0 ? 'lost' : get(ctx, 'crm.stage', rec.stage_id)?.is_won ? 'won' : 'pending'),
  });
  set('message_ids', { compute: messagesOf('crm.lead') });
  set('has_message', { compute: (rec, ctx) => (messagesOf('crm.lead')(rec, ctx) as number[]).length > 0 });
  set('website_message_ids', { compute: () => [] });
  set('message_partner_ids', { compute: () => [] });
  set('message_follower_ids', { opaque: true, default: [] });
  set('email_normalized', { compute: (rec) => (typeof rec.email_from === 'string' && rec.email_from ? rec.email_from.trim().toLowerCase() : false), searchable: true });
  set('company_currency', { compute: () => 1 });
  set('user_company_ids', { compute: (rec, ctx) => (ctx.orm.table('res.users').get(rec.user_id as number)?.company_ids as number[]) ?? [] });
  set('prorated_revenue', { compute: (rec) => (Number(rec.expected_revenue) || 0) * (Number(rec.probability) || 0) / 100 });
  set('stage_id_color', { compute: () => 0 });
  set('commercial_partner_id', { compute: (rec, ctx) => (get(ctx, 'res.partner', rec.partner_id) ? partnerCommercial(ctx, get(ctx, 'res.partner', rec.partner_id)!).id : false) });
  set('partner_is_blacklisted', { compute: () => false });
  set('order_ids', { inverseName: 'opportunity_id', compute: o2m('sale.order', 'opportunity_id') });
  set('sale_order_count', { compute: (rec, ctx) => rows(ctx, 'sale.order').filter((o) => o.opportunity_id === rec.id && o.state === 'sale').length });
  set('quotation_count', { compute: (rec, ctx) => rows(ctx, 'sale.order').filter((o) => o.opportunity_id === rec.id && ['draft', 'sent'].includes(String(o.state))).length });
  set('duplicate_lead_ids', { compute: () => [] });
  set('calendar_event_ids', { opaque: true, default: [] });
  set('activity_ids', { opaque: true, default: [] });
  // fields_get's depends, from crm_lead.py's @api.depends: the fields a write to these may change.
  const fromPartner = ['partner_id'];
  for (const f of ['contact_name', 'partner_name', 'function', 'email_from', 'phone', 'website', 'lang_id', 'street', 'street2', 'zip', 'city', 'state_id', 'country_id']) set(f, { depends: fromPartner });
  if (version < 19) set('title', { depends: fromPartner });
  set('name', { depends: ['partner_id'] });
  set('team_id', { depends: ['user_id', 'type'] });
  set('company_id', { depends: ['user_id', 'team_id', 'partner_id'] });
  set('stage_id', { depends: ['team_id', 'type'] });
  set('probability', { depends: ['stage_id', 'team_id', 'country_id', 'state_id', 'phone_state', 'email_state', 'source_id', 'lang_id', 'tag_ids'] });
  set('date_open', { depends: ['user_id'] });
  set('date_last_stage_update', { depends: ['stage_id'] });
  set('date_closed', { depends: ['probability'] });
  set('email_normalized', { depends: ['email_from'] });
  set('prorated_revenue', { depends: ['expected_revenue', 'probability'] });
  set('won_status', { depends: ['active', 'probability', 'stage_id'] });
  set('user_company_ids', { depends: ['user_id.company_ids'] });
  if (version >= 19) set('commercial_partner_id', { depends: ['partner_id'] });
  return m;
}

function leadFields(version: Version): { fields: Map<string, FieldDef>; fieldsGetOrder: string[] } {
  const recorded = RECORDED[version].leadFields as Record<string, RpcStruct>;
  const behaviour = leadBehaviour(version);
  const defs: FieldDef[] = [];
  for (const [name, meta] of Object.entries(recorded)) {
    const extra = behaviour.get(name) ?? {};
    const f = fld(name, meta.type as FieldType, meta.string as string, {
      relation: typeof meta.relation === 'string' ? meta.relation : undefined,
      required: meta.required === true,
      readonly: meta.readonly === true,
      ...extra,
    });
    if (name === 'display_name') f.compute = () => false;
    // Computed in Odoo and without behaviour here: readonly fields read their default.
    defs.push(f);
  }
  const byName = new Map(defs.map((f) => [f.name, f]));
  const fieldsGetOrder = defs.map((f) => f.name);
  // read() with every field: id first (and display_name second on 19), then fields_get's order.
  const head = version >= 19 ? ['id', 'display_name'] : ['id'];
  const rest = fieldsGetOrder.filter((n) => !head.includes(n));
  return { fields: makeFields([...head, ...rest].map((n) => byName.get(n)!)), fieldsGetOrder };
}

// ---------------------------------------------------------------------------------------------
// _inherits

/**
 * The fields a child inherits through `link` (BaseModel._add_inherited_fields, 17.0-19.0): every
 * parent field the child does not define itself becomes a related field `<link>.<name>` of the same
 * type, string, relation, selection, copy and readonly as the parent's, required when the parent's
 * is (Field._setup_related_full), read from the parent record (the ORM writes them there too).
 */
function inheritedFields(parent: ModelDef, link: string, own: Map<string, FieldDef>): FieldDef[] {
  const out: FieldDef[] = [];
  for (const pf of parent.fields.values()) {
    if (own.has(pf.name)) continue;
    const name = pf.name;
    out.push({
      name,
      type: pf.type,
      string: pf.string,
      relation: pf.relation,
      inverseName: pf.inverseName,
      selection: pf.selection,
      help: pf.help,
      copy: pf.copy,
      opaque: pf.opaque,
      required: pf.required,
      readonly: pf.readonly ?? Boolean(pf.compute && !pf.inverse),
      related: `${link}.${name}`,
      searchable: true,
      inherited: { link, parent: parent.name },
      compute: (rec, ctx) => {
        const target = typeof rec[link] === 'number' ? ctx.orm.table(parent.name).get(rec[link] as number) : undefined;
        return target ? ctx.orm.valueOf(parent.name, target, name) : emptyValue(pf);
      },
    });
  }
  return out;
}

/** product.template as 18.0's product module declares the fields the stand-in serves (a small set). */
function productTemplate(version: Version): ModelDef {
  return simpleModel(version, {
    name: 'product.template',
    description: 'Product',
    order: 'name',
    recName: 'name',
    // product's and sale's ir.model.access.csv: every employee reads, Sales administrators manage.
    access: { read: ['base.group_user'], write: [...SALES_MANAGER], create: [...SALES_MANAGER], unlink: [...SALES_MANAGER] },
    module: 'product',
    className: 'ProductTemplate',
    own: [
      fld('name', 'char', 'Name', { required: true }),
      fld('sequence', 'integer', 'Sequence', { default: 1 }),
      fld('description', 'html', 'Description'),
      fld('description_sale', 'text', 'Sales Description'),
      fld('type', 'selection', 'Product Type', { required: true, default: 'consu', selection: [['consu', 'Goods'], ['service', 'Service'], ['combo', 'Combo']] }),
      fld('list_price', 'float', 'Sales Price', { default: 1 }),
      fld('sale_ok', 'boolean', 'Sales', { default: true }),
      fld('purchase_ok', 'boolean', 'Purchase', { default: true }),
      fld('active', 'boolean', 'Active', { default: true }),
      fld('color', 'integer', 'Color Index'),
      fld('product_variant_ids', 'one2many', 'Products', { relation: 'product.product', inverseName: 'product_tmpl_id' }),
      fld('product_variant_count', 'integer', '# Product Variants', { readonly: true, depends: ['product_variant_ids'], compute: (rec, ctx) => rows(ctx, 'product.product').filter((p) => p.product_tmpl_id === rec.id && p.active !== false).length }),
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// The registry

export interface GroupInfo {
  id: Group;
  /** The name AccessError messages give, per version. */
  label: Record<Version, string>;
}

export const GROUPS: GroupInfo[] = [
  { id: 'base.group_user', label: { 18: 'User types / Internal User', 19: 'Role / User' } },
  { id: 'base.group_portal', label: { 18: 'User types / Portal', 19: 'Portal' } },
  { id: 'base.group_public', label: { 18: 'User types / Public', 19: 'Public' } },
  { id: 'base.group_erp_manager', label: { 18: 'Administration/Access Rights', 19: 'Access Rights' } },
  { id: 'base.group_system', label: { 18: 'Administration/Settings', 19: 'Role / Administrator' } },
  { id: 'sales_team.group_sale_salesman', label: { 18: 'Sales/User: Own Documents Only', 19: 'Sales / User: Own Documents Only' } },
  { id: 'sales_team.group_sale_salesman_all_leads', label: { 18: 'Sales/User: All Documents', 19: 'Sales / User: All Documents' } },
  { id: 'sales_team.group_sale_manager', label: { 18: 'Sales/Administrator', 19: 'Sales / Administrator' } },
];

/** Groups each kind of user has (implied groups included). */
export const GROUP_SETS: Record<'admin' | 'sales' | 'portal', Group[]> = {
  admin: ['base.group_user', 'base.group_erp_manager', 'base.group_system', 'sales_team.group_sale_salesman', 'sales_team.group_sale_salesman_all_leads', 'sales_team.group_sale_manager'],
  sales: ['base.group_user', 'sales_team.group_sale_salesman', 'sales_team.group_sale_salesman_all_leads'],
  portal: ['base.group_portal'],
};

const SALES = ['sales_team.group_sale_salesman'] as const;
const SALES_MANAGER = ['sales_team.group_sale_manager'] as const;

function simpleModel(version: Version, def: Omit<ModelDef, 'fields'> & { own: FieldDef[] }): ModelDef {
  const { own, ...rest } = def;
  return { ...rest, fields: ordered(version, own) };
}

export interface SchemaOptions {
  /** Serve the OCA auditlog models (auditlog.rule, auditlog.log, auditlog.log.line). */
  auditlog?: boolean;
}

export function buildSchema(version: Version, opts: SchemaOptions = {}): Map<string, ModelDef> {
  const models: ModelDef[] = [];
  const partner = partnerFields(version);
  models.push({
    name: 'res.partner',
    description: 'Contact',
    order: 'complete_name ASC, id DESC',
    recName: 'name',
    fields: partner,
    access: { read: ['everyone'], write: ['base.group_user'], create: ['base.group_user'], unlink: ['base.group_user'] },
    mailThread: true,
    nameSearchFields: ['complete_name', 'email', 'ref', 'vat', 'company_registry'],
    parentName: 'parent_id',
    className: 'Partner',
    module: 'base',
    displayName: (rec, ctx) => partnerCompleteName(rec, ctx),
    check: (rec) => {
      if (rec.type === 'contact' && (rec.name === false || rec.name === '' || rec.name === null)) {
        throw Object.assign(new Error('The operation cannot be completed: Contacts require a name'), { odoo: 'validation' });
      }
    },
  });

  // res.users `_inherits` res.partner through partner_id (odoo/addons/base/models/res_users.py,
  // 16.0-19.0): the user defines partner_id, login, active, company_id, company_ids, share,
  // login_date and tz_offset itself (its own definitions win over the partner's active, company_id
  // and tz_offset); name and email it declares as `related='partner_id.<name>', inherited=True,
  // readonly=False`, which is what _add_inherited_fields makes of every other partner field (lang,
  // tz, phone, street, ...). Reads, searches, orders and writes of those go through the partner.
  const partnerDef = models.find((m) => m.name === 'res.partner')!;
  const userOwn = [
    fld('partner_id', 'many2one', 'Related Partner', { relation: 'res.partner', required: true, ondelete: 'restrict' }),
    fld('login', 'char', 'Login', { required: true }),
    fld('active', 'boolean', 'Active', { default: true }),
    fld('company_id', 'many2one', 'Company', { relation: 'res.company', required: true, default: 1 }),
    fld('company_ids', 'many2many', 'Companies', { relation: 'res.company', default: [1] }),
    fld('share', 'boolean', 'Share User', { readonly: true }),
    fld('login_date', 'datetime', 'Latest Login', { readonly: true }),
    fld('tz_offset', 'char', 'Timezone offset', { readonly: true, compute: () => '+0000' }),
  ];
  const userFields = ordered(version, userOwn);
  const userInherited = inheritedFields(partnerDef, 'partner_id', userFields);
  // name and email where res_users.py declares them (after company_ids), the rest after the own fields.
  const declared = new Set(['name', 'email']);
  const withDeclared = new Map<string, FieldDef>();
  for (const [n, f] of userFields) {
    withDeclared.set(n, f);
    if (n === 'company_ids') for (const g of userInherited) if (declared.has(g.name)) withDeclared.set(g.name, g);
  }
  for (const g of userInherited) if (!declared.has(g.name)) withDeclared.set(g.name, g);
  models.push({
    name: 'res.users',
    description: 'User',
    order: 'name, login',
    recName: 'name',
    fields: withDeclared,
    inherits: { 'res.partner': 'partner_id' },
    access: READ_USERS_MANAGE(['base.group_erp_manager']),
    className: 'Users',
    module: 'base',
    displayName: (rec, ctx) => String(ctx.orm.table('res.partner').get(rec.partner_id as number)?.name ?? rec.login),
  });

  models.push(
    simpleModel(version, {
      name: 'res.company',
      description: 'Companies',
      order: 'sequence, name',
      recName: 'name',
      access: READ_USERS_MANAGE(['base.group_erp_manager']),
      module: 'base',
      own: [
        fld('name', 'char', 'Company Name', { required: true }),
        fld('partner_id', 'many2one', 'Partner', { relation: 'res.partner', required: true }),
        fld('currency_id', 'many2one', 'Currency', { relation: 'res.currency', required: true, default: 1 }),
        fld('sequence', 'integer', 'Sequence', { default: 10 }),
        fld('email', 'char', 'Email', { compute: (rec, ctx) => (ctx.orm.table('res.partner').get(rec.partner_id as number)?.email as string) ?? false }),
        fld('country_id', 'many2one', 'Country', { relation: 'res.country', compute: (rec, ctx) => (ctx.orm.table('res.partner').get(rec.partner_id as number)?.country_id as number) ?? false }),
        fld('active', 'boolean', 'Active', { default: true }),
      ],
    }),
  );

  models.push(
    simpleModel(version, {
      name: 'res.country',
      description: 'Country',
      order: 'name, id',
      recName: 'name',
      access: { read: ['everyone'], write: ['base.group_system'], create: ['base.group_system'], unlink: ['base.group_system'] },
      module: 'base',
      own: [fld('name', 'char', 'Country Name', { required: true }), fld('code', 'char', 'Country Code'), fld('phone_code', 'integer', 'Country Calling Code')],
    }),
  );
  models.push(
    simpleModel(version, {
      name: 'res.country.state',
      description: 'Country state',
      order: 'code',
      recName: 'name',
      access: { read: ['everyone'], write: ['base.group_system'], create: ['base.group_system'], unlink: ['base.group_system'] },
      module: 'base',
      displayName: (rec, ctx) => `${rec.name} (${ctx.orm.table('res.country').get(rec.country_id as number)?.code ?? ''})`,
      own: [fld('name', 'char', 'State Name', { required: true }), fld('code', 'char', 'State Code', { required: true }), fld('country_id', 'many2one', 'Country', { relation: 'res.country', required: true })],
    }),
  );
  models.push(
    simpleModel(version, {
      name: 'res.currency',
      description: 'Currency',
      order: 'active desc, name',
      recName: 'name',
      access: { read: ['everyone'], write: ['base.group_system'], create: ['base.group_system'], unlink: ['base.group_system'] },
      module: 'base',
      own: [fld('name', 'char', 'Currency', { required: true }), fld('symbol', 'char', 'Symbol', { required: true }), fld('active', 'boolean', 'Active', { default: true })],
    }),
  );
  models.push(
    simpleModel(version, {
      name: 'res.partner.category',
      description: 'Partner Tags',
      order: 'name, id',
      recName: 'name',
      access: { read: ['base.group_user'], write: ['base.group_user'], create: ['base.group_user'], unlink: ['base.group_user'] },
      module: 'base',
      parentName: 'parent_id',
      own: [
        fld('name', 'char', 'Name', { required: true }),
        fld('color', 'integer', 'Color'),
        fld('parent_id', 'many2one', 'Parent Category', { relation: 'res.partner.category', ondelete: 'cascade' }),
        fld('active', 'boolean', 'Active', { default: true }),
      ],
    }),
  );

  const lead = leadFields(version);
  models.push({
    name: 'crm.lead',
    description: 'Lead/Opportunity',
    order: 'priority desc, id desc',
    recName: 'name',
    fields: lead.fields,
    fieldsGetOrder: lead.fieldsGetOrder,
    access: { read: [...SALES], write: [...SALES], create: [...SALES], unlink: [...SALES] },
    mailThread: true,
    nameSearchFields: ['name', 'partner_name', 'contact_name', 'email_from'],
    className: 'Lead',
    module: 'crm',
  });
  models.push(
    simpleModel(version, {
      name: 'crm.stage',
      description: 'CRM Stages',
      order: 'sequence, name, id',
      recName: 'name',
      access: { read: ['base.group_user'], write: [...SALES_MANAGER], create: [...SALES_MANAGER], unlink: [...SALES_MANAGER] },
      module: 'crm',
      own: [
        fld('name', 'char', 'Stage Name', { required: true }),
        fld('sequence', 'integer', 'Sequence', { default: 1 }),
        fld('is_won', 'boolean', 'Is Won Stage?'),
        fld('fold', 'boolean', 'Folded in Pipeline'),
        fld('requirements', 'text', 'Requirements'),
        fld('team_id', 'many2one', 'Sales Team', { relation: 'crm.team' }),
      ],
    }),
  );
  models.push(
    simpleModel(version, {
      name: 'crm.tag',
      description: 'CRM Tag',
      order: 'name',
      recName: 'name',
      access: { read: ['base.group_user'], write: [...SALES], create: [...SALES], unlink: [...SALES_MANAGER] },
      module: 'sales_team',
      own: [fld('name', 'char', 'Tag Name', { required: true }), fld('color', 'integer', 'Color')],
    }),
  );
  models.push(
    simpleModel(version, {
      name: 'crm.team',
      description: 'Sales Team',
      order: 'sequence ASC, create_date DESC, id DESC',
      recName: 'name',
      access: { read: ['base.group_user'], write: [...SALES_MANAGER], create: [...SALES_MANAGER], unlink: [...SALES_MANAGER] },
      module: 'sales_team',
      own: [
        fld('name', 'char', 'Sales Team', { required: true }),
        fld('sequence', 'integer', 'Sequence', { default: 10 }),
        fld('active', 'boolean', 'Active', { default: true }),
        fld('user_id', 'many2one', 'Team Leader', { relation: 'res.users' }),
        fld('company_id', 'many2one', 'Company', { relation: 'res.company' }),
      ],
    }),
  );
  models.push(
    simpleModel(version, {
      name: 'crm.lost.reason',
      description: 'Opp. Lost Reason',
      order: 'id',
      recName: 'name',
      access: { read: ['base.group_user'], write: [...SALES_MANAGER], create: [...SALES_MANAGER], unlink: [...SALES_MANAGER] },
      module: 'crm',
      own: [fld('name', 'char', 'Description', { required: true }), fld('active', 'boolean', 'Active', { default: true })],
    }),
  );

  // product.product `_inherits` product.template through product_tmpl_id (addons/product/models/
  // product_product.py and product_template.py, 18.0): the variant defines product_tmpl_id,
  // default_code, barcode, active and standard_price itself and reads and writes every other
  // template field on its template. The template is served after the others (see the end), so
  // that their ir.model ids stay as recorded; product.product's fields point at it by name.
  const template = productTemplate(version);
  const variantOwn = [
    fld('product_tmpl_id', 'many2one', 'Product Template', { relation: 'product.template', required: true, ondelete: 'cascade' }),
    fld('default_code', 'char', 'Internal Reference'),
    fld('standard_price', 'float', 'Cost'),
    fld('active', 'boolean', 'Active', { default: true }),
    fld('barcode', 'char', 'Barcode', { copy: false }),
  ];
  const variantFields = ordered(version, variantOwn);
  for (const f of inheritedFields(template, 'product_tmpl_id', variantFields)) variantFields.set(f.name, f);
  models.push({
    name: 'product.product',
    description: 'Product Variant',
    order: 'default_code, name, id',
    recName: 'name',
    fields: variantFields,
    inherits: { 'product.template': 'product_tmpl_id' },
    access: { read: ['base.group_user'], write: [...SALES_MANAGER], create: [...SALES_MANAGER], unlink: [...SALES_MANAGER] },
    module: 'product',
    nameSearchFields: ['name', 'default_code'],
    className: 'ProductProduct',
    displayName: (rec, ctx) => {
      const name = String(ctx.orm.valueOf('product.product', rec, 'name') || '');
      return rec.default_code ? `[${rec.default_code}] ${name}` : name;
    },
  });
  models.push(
    simpleModel(version, {
      name: 'sale.order',
      description: 'Sales Order',
      order: 'date_order desc, id desc',
      recName: 'name',
      access: { read: [...SALES], write: [...SALES], create: [...SALES], unlink: [...SALES_MANAGER] },
      mailThread: true,
      className: 'SaleOrder',
      module: 'sale',
      own: [
        ...mailThreadFields('sale.order'),
        fld('name', 'char', 'Order Reference', { required: true, readonly: true, default: 'New', copy: false }),
        fld('partner_id', 'many2one', 'Customer', { relation: 'res.partner', required: true, tracking: true }),
        fld('date_order', 'datetime', 'Order Date', { required: true, default: (ctx) => ctx.orm.now(), copy: false }),
        fld('state', 'selection', 'Status', { default: 'draft', readonly: true, tracking: true, copy: false, selection: [['draft', 'Quotation'], ['sent', 'Quotation Sent'], ['sale', 'Sales Order'], ['cancel', 'Cancelled']] }),
        fld('user_id', 'many2one', 'Salesperson', { relation: 'res.users', default: (ctx) => ctx.uid, tracking: true }),
        fld('team_id', 'many2one', 'Sales Team', { relation: 'crm.team', default: 1 }),
        fld('company_id', 'many2one', 'Company', { relation: 'res.company', required: true, default: 1 }),
        fld('currency_id', 'many2one', 'Currency', { relation: 'res.currency', compute: () => 1 }),
        fld('order_line', 'one2many', 'Order Lines', { relation: 'sale.order.line', inverseName: 'order_id', compute: o2m('sale.order.line', 'order_id'), copy: true }),
        fld('amount_untaxed', 'monetary', 'Untaxed Amount', { readonly: true, depends: ['order_line.price_subtotal'], compute: (rec, ctx) => orderTotal(rec, ctx) }),
        fld('amount_total', 'monetary', 'Total', { readonly: true, depends: ['order_line.price_subtotal'], compute: (rec, ctx) => orderTotal(rec, ctx), tracking: true }),
        fld('opportunity_id', 'many2one', 'Opportunity', { relation: 'crm.lead' }),
        fld('client_order_ref', 'char', 'Customer Reference', { copy: false }),
        fld('note', 'html', 'Terms and conditions'),
      ],
    }),
  );
  models.push(
    simpleModel(version, {
      name: 'sale.order.line',
      description: 'Sales Order Line',
      order: 'order_id, sequence, id',
      recName: 'name',
      access: { read: [...SALES], write: [...SALES], create: [...SALES], unlink: [...SALES] },
      module: 'sale',
      own: [
        fld('order_id', 'many2one', 'Order Reference', { relation: 'sale.order', required: true, ondelete: 'cascade' }),
        fld('sequence', 'integer', 'Sequence', { default: 10 }),
        fld('product_id', 'many2one', 'Product', { relation: 'product.product' }),
        fld('name', 'text', 'Description', { compute: undefined }),
        fld('product_uom_qty', 'float', 'Quantity', { default: 1 }),
        fld('price_unit', 'float', 'Unit Price'),
        fld('discount', 'float', 'Discount (%)'),
        fld('price_subtotal', 'monetary', 'Subtotal', { readonly: true, depends: ['product_uom_qty', 'discount', 'price_unit'], compute: (rec) => lineSubtotal(rec) }),
        fld('order_partner_id', 'many2one', 'Customer', { relation: 'res.partner', readonly: true, related: 'order_id.partner_id', compute: (rec, ctx) => (get(ctx, 'sale.order', rec.order_id)?.partner_id as number) ?? false }),
        fld('state', 'selection', 'Order Status', { readonly: true, related: 'order_id.state', selection: [['draft', 'Quotation'], ['sent', 'Quotation Sent'], ['sale', 'Sales Order'], ['cancel', 'Cancelled']], compute: (rec, ctx) => (get(ctx, 'sale.order', rec.order_id)?.state as string) ?? false }),
      ],
    }),
  );

  models.push(
    simpleModel(version, {
      name: 'mail.message',
      description: 'Message',
      order: 'id desc',
      recName: 'record_name',
      access: { read: ['base.group_user', 'base.group_portal'], write: ['base.group_user'], create: ['base.group_user'], unlink: ['base.group_user'] },
      module: 'mail',
      displayName: (rec) => (rec.subject ? String(rec.subject) : `${rec.record_name || ''}`),
      own: [
        fld('subject', 'char', 'Subject'),
        fld('date', 'datetime', 'Date', { default: (ctx) => ctx.orm.now() }),
        fld('body', 'html', 'Contents', { default: '' }),
        fld('model', 'char', 'Related Document Model'),
        fld('res_id', 'many2one_reference', 'Related Document ID', { modelField: 'model' }),
        fld('record_name', 'char', 'Message Record Name', { readonly: true }),
        fld('message_type', 'selection', 'Type', {
          required: true,
          default: 'comment',
          selection: [['email', 'Incoming Email'], ['comment', 'Comment'], ['email_outgoing', 'Outgoing Email'], ['notification', 'System notification'], ['auto_comment', 'Automated Targeted Notification'], ['user_notification', 'User Specific Notification']],
        }),
        fld('subtype_id', 'many2one', 'Subtype', { relation: 'mail.message.subtype', ondelete: 'set null' }),
        fld('author_id', 'many2one', 'Author', { relation: 'res.partner' }),
        fld('email_from', 'char', 'From'),
        fld('partner_ids', 'many2many', 'Recipients', { relation: 'res.partner' }),
        fld('attachment_ids', 'many2many', 'Attachments', { relation: 'ir.attachment', opaque: true, default: [] }),
        fld('parent_id', 'many2one', 'Parent Message', { relation: 'mail.message', ondelete: 'set null' }),
        // groups="base.group_system" in mail: other users neither see nor may ask for it.
        fld('tracking_value_ids', 'one2many', 'Tracking values', { relation: 'mail.tracking.value', inverseName: 'mail_message_id', compute: trackingIds, groups: ['base.group_system'] }),
      ],
    }),
  );
  models.push(
    simpleModel(version, {
      name: 'mail.message.subtype',
      description: 'Message subtypes',
      order: 'sequence, id',
      recName: 'name',
      access: { read: ['everyone'], write: ['base.group_system'], create: ['base.group_system'], unlink: ['base.group_system'] },
      module: 'mail',
      own: [
        fld('name', 'char', 'Message Type', { required: true }),
        fld('description', 'text', 'Description'),
        fld('internal', 'boolean', 'Internal Only'),
        fld('res_model', 'char', 'Model'),
        fld('sequence', 'integer', 'Sequence', { default: 1 }),
        fld('default', 'boolean', 'Default', { default: true }),
      ],
    }),
  );
  models.push(
    simpleModel(version, {
      name: 'mail.tracking.value',
      description: 'Mail Tracking Value',
      order: 'id DESC',
      recName: 'field_id',
      // Only Settings administrators may read tracking values directly (mail's ir.model.access.csv).
      access: SYSTEM_ONLY,
      module: 'mail',
      displayName: (rec, ctx) => (typeof rec.field_id === 'number' ? ctx.orm.displayName('ir.model.fields', rec.field_id) : String(rec.id)),
      own: [
        fld('field_id', 'many2one', 'Field', { relation: 'ir.model.fields', readonly: true }),
        fld('field_info', 'json', 'Removed field information'),
        fld('field_groups', 'char', 'Field Groups', { compute: () => false }),
        fld('old_value_integer', 'integer', 'Old Value Integer', { readonly: true }),
        fld('old_value_float', 'float', 'Old Value Float', { readonly: true }),
        fld('old_value_char', 'char', 'Old Value Char', { readonly: true }),
        fld('old_value_text', 'text', 'Old Value Text', { readonly: true }),
        fld('old_value_datetime', 'datetime', 'Old Value DateTime', { readonly: true }),
        fld('new_value_integer', 'integer', 'New Value Integer', { readonly: true }),
        fld('new_value_float', 'float', 'New Value Float', { readonly: true }),
        fld('new_value_char', 'char', 'New Value Char', { readonly: true }),
        fld('new_value_text', 'text', 'New Value Text', { readonly: true }),
        fld('new_value_datetime', 'datetime', 'New Value Datetime', { readonly: true }),
        fld('currency_id', 'many2one', 'Currency', { relation: 'res.currency', readonly: true }),
        fld('mail_message_id', 'many2one', 'Message ID', { relation: 'mail.message', required: true, ondelete: 'cascade' }),
      ],
    }),
  );

  models.push(
    simpleModel(version, {
      name: 'ir.config_parameter',
      description: 'System Parameter',
      order: 'key',
      recName: 'key',
      access: SYSTEM_ONLY,
      module: 'base',
      own: [fld('key', 'char', 'Key', { required: true }), fld('value', 'text', 'Value', { required: true })],
    }),
  );
  models.push(
    simpleModel(version, {
      name: 'ir.model',
      description: 'Models',
      order: 'model',
      recName: 'name',
      access: { read: ['base.group_user'], write: ['base.group_system'], create: ['base.group_system'], unlink: ['base.group_system'] },
      module: 'base',
      own: [
        fld('name', 'char', 'Model Description', { required: true }),
        fld('model', 'char', 'Model', { required: true }),
        fld('state', 'selection', 'Type', { default: 'manual', selection: [['manual', 'Custom Object'], ['base', 'Base Object']] }),
        fld('modules', 'char', 'In Apps', { readonly: true }),
        fld('transient', 'boolean', 'Transient Model'),
        fld('field_id', 'one2many', 'Fields', { relation: 'ir.model.fields', inverseName: 'model_id', compute: o2m('ir.model.fields', 'model_id') }),
      ],
    }),
  );
  models.push(
    simpleModel(version, {
      name: 'ir.model.fields',
      description: 'Fields',
      order: 'sequence, id',
      recName: 'field_description',
      access: { read: ['base.group_user'], write: ['base.group_system'], create: ['base.group_system'], unlink: ['base.group_system'] },
      module: 'base',
      displayName: (rec) => `${rec.field_description} (${rec.model})`,
      own: [
        fld('name', 'char', 'Field Name', { required: true }),
        fld('model', 'char', 'Model Name', { required: true }),
        fld('model_id', 'many2one', 'Model', { relation: 'ir.model', required: true, ondelete: 'cascade' }),
        fld('field_description', 'char', 'Field Label', { required: true }),
        fld('ttype', 'selection', 'Field Type', { required: true }),
        fld('relation', 'char', 'Related Model'),
        fld('required', 'boolean', 'Required'),
        fld('readonly', 'boolean', 'Readonly'),
        fld('store', 'boolean', 'Stored', { default: true }),
        fld('tracking', 'integer', 'Enable Ordered Tracking'),
        fld('sequence', 'integer', 'Sequence'),
      ],
    }),
  );
  models.push(
    simpleModel(version, {
      name: 'ir.module.module',
      description: 'Module',
      order: 'application desc,sequence,name',
      recName: 'name',
      access: { read: ['base.group_user'], write: ['base.group_system'], create: ['base.group_system'], unlink: ['base.group_system'] },
      module: 'base',
      displayName: (rec) => String(rec.shortdesc || rec.name),
      own: [
        fld('name', 'char', 'Technical Name', { required: true, readonly: true }),
        fld('shortdesc', 'char', 'Module Name', { readonly: true }),
        fld('summary', 'char', 'Summary', { readonly: true }),
        fld('author', 'char', 'Author', { readonly: true }),
        fld('state', 'selection', 'Status', {
          readonly: true,
          default: 'uninstallable',
          selection: [['uninstallable', 'Uninstallable'], ['uninstalled', 'Not Installed'], ['installed', 'Installed'], ['to upgrade', 'To be upgraded'], ['to remove', 'To be removed'], ['to install', 'To be installed']],
        }),
        fld('latest_version', 'char', 'Installed Version', { readonly: true }),
        fld('application', 'boolean', 'Application', { readonly: true }),
        fld('sequence', 'integer', 'Sequence', { default: 100 }),
      ],
    }),
  );

  if (opts.auditlog) models.push(...auditlogModels(version));
  // Last, so that the ir.model and ir.model.fields ids of the other models stay as recorded.
  // mail.activity as Odoo 17-19 declare its owner fields (addons/mail/models/mail_activity.py):
  // res_model_id = Many2one('ir.model', required=True, ondelete='cascade'); res_model = Char(related=
  // 'res_model_id.model', precompute=True, store=True, readonly=True); res_id = Many2oneReference(
  // model_field='res_model'). Clients create activities by res_model_id; res_model follows from it.
  models.push(
    simpleModel(version, {
      name: 'mail.activity',
      description: 'Activity',
      order: 'date_deadline ASC, id ASC',
      recName: 'summary',
      access: { read: ['base.group_user'], write: ['base.group_user'], create: ['base.group_user'], unlink: ['base.group_user'] },
      module: 'mail',
      own: [
        fld('res_model_id', 'many2one', 'Document Model', { relation: 'ir.model', required: true, ondelete: 'cascade' }),
        fld('res_model', 'char', 'Related Document Model', {
          readonly: true,
          related: 'res_model_id.model',
          compute: (rec, ctx) => (get(ctx, 'ir.model', rec.res_model_id)?.model as string) ?? false,
          searchable: true,
        }),
        fld('res_id', 'many2one_reference', 'Related Document ID', { modelField: 'res_model' }),
        fld('res_name', 'char', 'Document Name', { readonly: true, depends: ['res_model', 'res_id'], compute: (rec, ctx) => {
          const model = get(ctx, 'ir.model', rec.res_model_id)?.model;
          return typeof model === 'string' && ctx.orm.model(model) && typeof rec.res_id === 'number' && ctx.orm.table(model).has(rec.res_id) ? ctx.orm.displayName(model, rec.res_id) : false;
        } }),
        fld('activity_type_id', 'many2one', 'Activity Type', { relation: 'mail.activity.type', opaque: true }),
        fld('summary', 'char', 'Summary'),
        fld('note', 'html', 'Note'),
        fld('date_deadline', 'date', 'Due Date', { required: true, default: (ctx) => ctx.orm.now().slice(0, 10) }),
        fld('user_id', 'many2one', 'Assigned to', { relation: 'res.users', required: true, default: (ctx) => ctx.uid }),
      ],
    }),
  );
  // ir.model.data as base declares it (odoo/addons/base/models/ir_model.py IrModelData: name,
  // module, model, res_id = Many2oneReference(model_field='model'), noupdate); load's `id` and `/id`
  // columns name records through it. Readable by every user (base's ir.model.access.csv gives
  // read to all), written by Settings administrators. After the others: their ids stay as recorded.
  models.push(
    simpleModel(version, {
      name: 'ir.model.data',
      description: 'Model Data',
      order: 'module, model, name',
      recName: 'name',
      access: { read: ['everyone'], write: ['base.group_system'], create: ['base.group_system'], unlink: ['base.group_system'] },
      module: 'base',
      displayName: (rec) => `${rec.module}.${rec.name}`,
      own: [
        fld('name', 'char', 'External Identifier', { required: true }),
        fld('module', 'char', 'Module', { required: true, default: () => '' }),
        fld('model', 'char', 'Model Name', { required: true }),
        fld('res_id', 'many2one_reference', 'Record ID', { modelField: 'model' }),
        fld('noupdate', 'boolean', 'Non Updatable', { default: () => false }),
      ],
    }),
  );

  // After ir.model.data: the ir.model ids of the models before it stay as they were.
  models.push(template);

  return new Map(models.map((m) => [m.name, m]));
}

function trackingIds(rec: StoredRecord, ctx: FieldContext): Stored {
  return rows(ctx, 'mail.tracking.value')
    .filter((t) => t.mail_message_id === rec.id)
    .map((t) => t.id)
    .sort((a, b) => b - a);
}

function lineSubtotal(rec: StoredRecord): number {
  return (Number(rec.product_uom_qty) || 0) * (Number(rec.price_unit) || 0) * (1 - (Number(rec.discount) || 0) / 100);
}

function orderTotal(rec: StoredRecord, ctx: FieldContext): number {
  return rows(ctx, 'sale.order.line')
    .filter((l) => l.order_id === rec.id)
    .reduce((s, l) => s + lineSubtotal(l), 0);
}

function auditlogModels(version: Version): ModelDef[] {
  // OCA server-tools auditlog: rules are managed by Settings administrators; every internal user may read the logs.
  const access: AccessRights = { read: ['base.group_user'], write: ['base.group_system'], create: ['base.group_system'], unlink: ['base.group_system'] };
  return [
    simpleModel(version, {
      name: 'auditlog.rule',
      description: 'Auditlog - Rule',
      order: 'id',
      recName: 'name',
      access,
      module: 'auditlog',
      own: [
        fld('name', 'char', 'Name', { required: true }),
        fld('model_id', 'many2one', 'Model', { relation: 'ir.model', required: true }),
        fld('model_name', 'char', 'Model Name', { readonly: true }),
        fld('model_model', 'char', 'Technical Model Name', { readonly: true }),
        fld('log_read', 'boolean', 'Log Reads'),
        fld('log_write', 'boolean', 'Log Writes', { default: true }),
        fld('log_unlink', 'boolean', 'Log Deletes', { default: true }),
        fld('log_create', 'boolean', 'Log Creates', { default: true }),
        fld('log_type', 'selection', 'Type', { required: true, default: 'full', selection: [['full', 'Full log'], ['fast', 'Fast log']] }),
        fld('state', 'selection', 'State', { required: true, default: 'draft', selection: [['draft', 'Draft'], ['subscribed', 'Subscribed']] }),
        fld('users_to_exclude_ids', 'many2many', 'Users to Exclude', { relation: 'res.users' }),
        fld('capture_record', 'boolean', 'Capture Record'),
      ],
    }),
    simpleModel(version, {
      name: 'auditlog.log',
      description: 'Auditlog - Log',
      order: 'create_date desc',
      recName: 'name',
      access,
      module: 'auditlog',
      own: [
        fld('name', 'char', 'Resource Name'),
        fld('model_id', 'many2one', 'Model', { relation: 'ir.model' }),
        fld('model_name', 'char', 'Model Name', { readonly: true }),
        fld('model_model', 'char', 'Technical Model Name', { readonly: true }),
        fld('res_id', 'integer', 'Resource ID'),
        fld('user_id', 'many2one', 'User', { relation: 'res.users' }),
        fld('method', 'char', 'Method'),
        fld('line_ids', 'one2many', 'Fields updated', { relation: 'auditlog.log.line', inverseName: 'log_id', compute: o2m('auditlog.log.line', 'log_id') }),
        fld('http_session_id', 'many2one', 'Session', { relation: 'auditlog.http.session' }),
        fld('http_request_id', 'many2one', 'HTTP Request', { relation: 'auditlog.http.request' }),
        fld('log_type', 'selection', 'Type', { selection: [['full', 'Full log'], ['fast', 'Fast log']] }),
      ],
    }),
    simpleModel(version, {
      name: 'auditlog.log.line',
      description: 'Auditlog - Log details (fields updated)',
      order: 'id',
      recName: 'name',
      access,
      module: 'auditlog',
      own: [
        fld('field_id', 'many2one', 'Field', { relation: 'ir.model.fields' }),
        fld('log_id', 'many2one', 'Log', { relation: 'auditlog.log', ondelete: 'cascade' }),
        fld('old_value', 'text', 'Old Value'),
        fld('new_value', 'text', 'New Value'),
        fld('old_value_text', 'text', 'Old value Text'),
        fld('new_value_text', 'text', 'New value Text'),
        fld('field_name', 'char', 'Technical name', { readonly: true }),
        fld('field_description', 'char', 'Description', { readonly: true }),
        fld('name', 'char', 'Resource Name', { compute: (rec, ctx) => (get(ctx, 'auditlog.log', rec.log_id)?.name as string) ?? false }),
        fld('model_id', 'many2one', 'Model', { relation: 'ir.model', compute: (rec, ctx) => (get(ctx, 'auditlog.log', rec.log_id)?.model_id as number) ?? false }),
        fld('res_id', 'integer', 'Resource ID', { compute: (rec, ctx) => (get(ctx, 'auditlog.log', rec.log_id)?.res_id as number) ?? 0 }),
        fld('user_id', 'many2one', 'User', { relation: 'res.users', compute: (rec, ctx) => (get(ctx, 'auditlog.log', rec.log_id)?.user_id as number) ?? false }),
        fld('method', 'char', 'Method', { compute: (rec, ctx) => (get(ctx, 'auditlog.log', rec.log_id)?.method as string) ?? false }),
      ],
    }),
  ];
}

/** Marks opaque the relational fields whose comodel the registry does not hold. */
export function finishSchema(models: Map<string, ModelDef>): void {
  for (const m of models.values()) {
    for (const f of m.fields.values()) if (f.relation && !models.has(f.relation) && !f.compute) f.opaque = true;
  }
}

export function isOdooValidation(e: unknown): e is Error & { odoo: 'validation' } {
  return e instanceof Error && (e as { odoo?: string }).odoo === 'validation';
}

