// The other standard entry points: what each one is checked for, through every call shape.
import { test } from 'node:test';
import { key, runCases, SCHEMAS, type Case } from './support.js';
import type { Rule } from '../../src/policy/types.js';

const lead: Rule = { model: 'crm.lead', methods: ['read', 'default_get', 'get_metadata', 'check_access_rights', 'has_access'], fields: ['name', 'stage_id', 'user_id', 'expected_revenue', 'tag_ids'], domain: [['type', '=', 'lead']] };
const k = key([lead, { model: 'crm.stage', methods: ['read'] }, { model: 'crm.tag', methods: ['read'], fields: ['name', 'display_name'] }]);
/** crm.lead with Odoo's log access fields, as every model with _log_access has them. */
const withLog = { schema: (m: string) => (m === 'crm.lead' ? { ...SCHEMAS[m], create_uid: { type: 'many2one', relation: 'res.users' }, write_uid: { type: 'many2one', relation: 'res.users' } } : SCHEMAS[m]) };
const logged = key([{ ...lead, fields: [...lead.fields!, 'create_uid', 'create_date', 'write_uid', 'write_date'] }]);

test('fields_get: described fields limited to the rule, an empty list narrowed', () => {
  const cases: Case[] = [
    { name: 'no allfields: narrowed', key: k, call: { model: 'crm.lead', method: 'fields_get', params: [['allfields', null], ['attributes', ['type']]] }, expect: { verdict: 'allow', params: { allfields: lead.fields! } } },
    { name: 'empty allfields: narrowed', key: k, call: { model: 'crm.lead', method: 'fields_get', params: [['allfields', []]] }, expect: { verdict: 'allow', params: { allfields: lead.fields! } } },
    { name: 'a field outside the rule', key: k, call: { model: 'crm.lead', method: 'fields_get', params: [['allfields', ['name', 'email_from']]] }, expect: { verdict: 'deny', reason: /field 'email_from' .*\(described\)/ } },
    { name: 'a rule without fields: unchanged', key: key([{ model: 'crm.lead', methods: ['read'] }]), call: { model: 'crm.lead', method: 'fields_get', params: [['allfields', null]] }, expect: { verdict: 'allow', params: { allfields: null } } },
  ];
  runCases(cases);
});

test('default_get, get_metadata, access checks, search_fetch', () => {
  const cases: Case[] = [
    { name: 'default_get within the rule', key: k, call: { model: 'crm.lead', method: 'default_get', params: [['fields_list', ['name', 'stage_id']]] }, expect: { verdict: 'allow' } },
    { name: 'default_get outside', key: k, call: { model: 'crm.lead', method: 'default_get', params: [['fields_list', ['email_from']]] }, expect: { verdict: 'deny', reason: /field 'email_from'/ } },
    { name: '19: default_get fields', key: k, env: { version: 19 }, call: { model: 'crm.lead', method: 'default_get', params: [['fields', ['phone']]] }, expect: { verdict: 'deny', reason: /field 'phone'/ } },
    // get_metadata is read(['create_uid', 'create_date', 'write_uid', 'write_date']) plus external
    // ids: those fields must be allowed, and the users' names (res.users, sensitive) are hidden.
    { name: 'get_metadata: reads the log fields, which the rule does not list', key: k, env: withLog, call: { model: 'crm.lead', method: 'get_metadata', ids: [4] }, expect: { verdict: 'deny', reason: /field 'create_uid' is not in rule 0 .*\(get_metadata returns who created and last wrote the records, and when\)/ } },
    { name: 'get_metadata: ids checked, user names hidden', key: logged, env: withLog, call: { model: 'crm.lead', method: 'get_metadata', ids: [4] }, expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [4] }], redactions: [{ fields: ['create_uid', 'write_uid'], comodel: 'res.users' }] } },
    { name: 'get_metadata: a rule without a field list, user names hidden', key: key([{ model: 'crm.lead', methods: ['get_metadata'] }]), env: withLog, call: { model: 'crm.lead', method: 'get_metadata', ids: [4] }, expect: { verdict: 'allow', redactions: [{ fields: ['create_uid', 'write_uid'], comodel: 'res.users' }] } },
    { name: 'get_metadata: names shown when the key may read res.users names', key: key([{ model: 'crm.lead', methods: ['get_metadata'] }, { model: 'res.users', methods: ['read'], fields: ['display_name'], allow_sensitive: true }]), env: withLog, call: { model: 'crm.lead', method: 'get_metadata', ids: [4] }, expect: { verdict: 'allow', redactions: [] } },
    { name: 'check_access_rights', key: k, call: { model: 'crm.lead', method: 'check_access_rights', params: [['operation', 'write'], ['raise_exception', false]] }, expect: { verdict: 'allow' } },
    { name: '18: has_access on records', key: k, call: { model: 'crm.lead', method: 'has_access', ids: [4], params: [['operation', 'read']] }, expect: { verdict: 'allow', checks: [{ model: 'crm.lead', ids: [4] }] } },
    { name: '17: search_fetch narrowed and ANDed', key: k, env: { version: 17 }, call: { model: 'crm.lead', method: 'search_fetch', params: [['domain', []], ['field_names', []]] }, expect: { verdict: 'allow', params: { field_names: lead.fields!, domain: [['type', '=', 'lead']] } } },
    { name: '16: search_fetch does not exist yet', key: k, env: { version: 16 }, call: { model: 'crm.lead', method: 'search_fetch', params: [['domain', []]] }, expect: { verdict: 'deny', reason: /no rule allows search_fetch/ } },
    { name: '16: name_get needs display_name', key: k, env: { version: 16 }, call: { model: 'crm.lead', method: 'name_get', ids: [1] }, expect: { verdict: 'deny', reason: /field 'display_name'/ } },
  ];
  runCases(cases);
});

test('grouping: read_progress_bar and web_read_group per version', () => {
  const cases: Case[] = [
    { name: 'read_progress_bar within the rule', key: k, call: { model: 'crm.lead', method: 'read_progress_bar', params: [['domain', []], ['group_by', 'stage_id'], ['progress_bar', { field: 'name', colors: { a: 'success' }, sum_field: 'expected_revenue' }]] }, expect: { verdict: 'allow', params: { domain: [['type', '=', 'lead']] } } },
    // Before 17 the answer's keys are the group_by records' display names, which cannot be hidden.
    ...([16, 17] as const).map((version): Case => ({ name: `${version}: read_progress_bar by a relation whose names the key may not read`, key: k, env: { version }, call: { model: 'crm.lead', method: 'read_progress_bar', params: [['domain', []], ['group_by', 'user_id'], ['progress_bar', { field: 'name', colors: {} }]] }, expect: version < 17 ? { verdict: 'deny', reason: /display names of 'user_id'/ } : { verdict: 'allow' } })),
    { name: '16: read_progress_bar by a relation whose names the key may read', key: k, env: { version: 16 }, call: { model: 'crm.lead', method: 'read_progress_bar', params: [['domain', []], ['group_by', 'stage_id'], ['progress_bar', { field: 'name', colors: {} }]] }, expect: { verdict: 'allow' } },
    { name: '16: read_progress_bar by a relation whose names the key may read only some of', key: key([lead, { model: 'crm.stage', methods: ['read'], domain: [['fold', '=', false]] }]), env: { version: 16 }, call: { model: 'crm.lead', method: 'read_progress_bar', params: [['domain', []], ['group_by', 'stage_id'], ['progress_bar', { field: 'name', colors: {} }]] }, expect: { verdict: 'deny', reason: /display names of 'stage_id'/ } },
    { name: 'read_progress_bar on a forbidden field', key: k, call: { model: 'crm.lead', method: 'read_progress_bar', params: [['domain', []], ['group_by', 'stage_id'], ['progress_bar', { field: 'activity_ids', colors: {} }]] }, expect: { verdict: 'deny', reason: /field 'activity_ids'/ } },
    { name: '18: web_read_group', key: k, call: { model: 'crm.lead', method: 'web_read_group', params: [['domain', []], ['fields', ['expected_revenue:sum']], ['groupby', ['stage_id']]] }, expect: { verdict: 'allow', params: { domain: [['type', '=', 'lead']] } } },
    { name: '17: web_read_group with expand reads records', key: k, env: { version: 17 }, call: { model: 'crm.lead', method: 'web_read_group', params: [['domain', []], ['fields', []], ['groupby', ['stage_id']], ['limit', null], ['offset', 0], ['orderby', false], ['lazy', true], ['expand', true]] }, expect: { verdict: 'deny', reason: /with expand reads the records/ } },
    { name: '19: web_read_group unfolding reads through unfold_read_specification', key: k, env: { version: 19 }, call: { model: 'crm.lead', method: 'web_read_group', params: [['domain', []], ['groupby', ['stage_id']], ['aggregates', ['__count']], ['auto_unfold', true], ['unfold_read_specification', { name: {}, tag_ids: { fields: { color: {} } } }]] }, expect: { verdict: 'deny', reason: /needs read on crm.tag \('color'\)/ } },
    { name: '19: web_read_group unfolding capped', key: key([{ ...lead, max_limit: 10 }]), env: { version: 19 }, call: { model: 'crm.lead', method: 'web_read_group', params: [['domain', []], ['groupby', ['stage_id']], ['aggregates', ['__count']], ['auto_unfold', true], ['unfold_read_specification', { name: {} }]] }, expect: { verdict: 'allow', params: { unfold_read_default_limit: 10, limit: 10 } } },
    { name: '19: web_read_group opening_info', key: k, env: { version: 19 }, call: { model: 'crm.lead', method: 'web_read_group', params: [['domain', []], ['groupby', ['stage_id']], ['opening_info', [{ value: 1, folded: false, limit: 80, offset: 0, progressbar_domain: [['email_from', '=', 'x']] }]]] }, expect: { verdict: 'deny', reason: /opening_info/ } },
    { name: '19: web_read_group groupby_read_specification reads the comodel', key: k, env: { version: 19 }, call: { model: 'crm.lead', method: 'web_read_group', params: [['domain', []], ['groupby', ['stage_id']], ['groupby_read_specification', { stage_id: { sequence: {} } }]] }, expect: { verdict: 'allow' } },
    { name: '19: web_read_group groupby_read_specification for another field', key: k, env: { version: 19 }, call: { model: 'crm.lead', method: 'web_read_group', params: [['domain', []], ['groupby', ['stage_id']], ['groupby_read_specification', { user_id: { login: {} } }]] }, expect: { verdict: 'deny', reason: /is not one of the groupby fields/ } },
  ];
  runCases(cases);
});

test('max_limit: a limit given as 0, null or false is "no limit" to Odoo, not the method default, and is narrowed', () => {
  // name_search's own default is 100; limit=0 given makes Odoo return every matching record.
  const capped = key([{ model: 'crm.lead', methods: ['read'], max_limit: 500 }]);
  const cases: Case[] = [
    ...([0, null, false] as const).map((given): Case => ({ name: `name_search limit ${String(given)}`, key: capped, call: { model: 'crm.lead', method: 'name_search', params: [['name', ''], ['limit', given]] }, expect: { verdict: 'allow', params: { limit: 500 } } })),
    { name: 'name_search limit 200: within 500', key: capped, call: { model: 'crm.lead', method: 'name_search', params: [['name', ''], ['limit', 200]] }, expect: { verdict: 'allow', params: { limit: 200 } } },
    { name: '19: web_read_group unfold_read_default_limit 0', key: key([{ ...lead, max_limit: 10 }]), env: { version: 19 }, call: { model: 'crm.lead', method: 'web_read_group', params: [['domain', []], ['groupby', ['stage_id']], ['aggregates', ['__count']], ['auto_unfold', true], ['unfold_read_specification', { name: {} }], ['unfold_read_default_limit', 0]] }, expect: { verdict: 'allow', params: { unfold_read_default_limit: 10 } } },
  ];
  runCases(cases);
});
