#!/usr/bin/env node
// Runs n8n's own Odoo node code (n8n-nodes-base, node version 2) outside n8n, through the
// odoo-keys proxy: the contact operations' `execute` functions and the node's transport, with a
// minimal stand-in for what n8n's workflow runner hands them (credentials, parameters, HTTP).
// It lets you check what an n8n workflow's key allows without running n8n; as a script it does the
// enrichment of this example: Contact > Get Many (companies), then Contact > Update (phone, VAT).
//
// Needs n8n-nodes-base and n8n-workflow installed where Node can find them, or in the folder named
// by N8N_MODULES (`npm run test:n8n` in the odoo-keys repository installs the two into a temporary
// folder). Settings (environment), the same as n8n's Odoo credentials:
//   ODOO_URL         Site URL: the odoo-keys proxy, e.g. http://127.0.0.1:8169
//   ODOO_DB          Database Name
//   ODOO_API_KEY     API Key / Password or API Key: the odk_... key
//   ODOO_USER        Username (the "Odoo API" credential only; the proxy ignores it)
//   N8N_CREDENTIAL   odooApiKeyApi (Odoo 19+, JSON-2; default) or odooApi (/jsonrpc)
//   ENRICHMENT       JSON file: { "<company name>": { "phone": "...", "vat": "..." } } (default: enrichment.json here)
//
// Usage: node n8n_node.cjs [--json]
'use strict';

const { createRequire } = require('node:module');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

/** require() that also looks in $N8N_MODULES. */
function n8nRequire(id) {
  const from = process.env.N8N_MODULES ? createRequire(join(process.env.N8N_MODULES, 'noop.js')) : require;
  return from(id);
}

const CONTACT = 'n8n-nodes-base/dist/nodes/Odoo/v2/actions/contact';

/** The contact operations of n8n's Odoo node (version 2): { getAll, get, create, update, delete }. */
function contactOperations() {
  return {
    getAll: n8nRequire(`${CONTACT}/getAll.operation.js`),
    get: n8nRequire(`${CONTACT}/get.operation.js`),
    create: n8nRequire(`${CONTACT}/create.operation.js`),
    update: n8nRequire(`${CONTACT}/update.operation.js`),
    delete: n8nRequire(`${CONTACT}/delete.operation.js`),
  };
}

/** n8n's httpRequest: JSON in and out; a status >= 400 throws with the response attached (as axios does). */
async function httpRequest(options) {
  const headers = { ...(options.headers ?? {}) };
  let body = options.body;
  if (body !== undefined && typeof body !== 'string') {
    body = JSON.stringify(body);
    headers['Content-Type'] ??= 'application/json';
  }
  const r = await fetch(options.url, { method: options.method ?? 'GET', headers, body });
  const text = await r.text();
  let data = text;
  try {
    data = JSON.parse(text);
  } catch {
    // not JSON: handed back as text
  }
  if (r.status >= 400) {
    const message = (data && typeof data === 'object' && data.message) || `Request failed with status code ${r.status}`;
    const error = new Error(message);
    Object.assign(error, { isAxiosError: true, httpCode: String(r.status), response: { status: r.status, data, headers: Object.fromEntries(r.headers) } });
    throw error;
  }
  return data;
}

/**
 * What n8n gives a node operation as `this`: credentials, parameters (`a.b` paths into `params`,
 * resource locators by their value with extractValue), the node, and the helpers the Odoo node uses.
 */
function nodeContext({ credentialType, credentials, params }) {
  const ctx = {
    async getCredentials(type) {
      if (type !== credentialType) throw new Error(`the node asked for ${type} credentials, not ${credentialType}`);
      return credentials;
    },
    getNodeParameter(name, _item, fallback, options) {
      let value = name.split('.').reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), params);
      if (value === undefined) {
        if (fallback !== undefined) return fallback;
        throw new Error(`no value for the parameter ${name}`);
      }
      if (options?.extractValue && value && typeof value === 'object' && '__rl' in value) value = value.value;
      return value;
    },
    getNode() {
      return { id: 'odoo-keys-check', name: 'Odoo', type: 'n8n-nodes-base.odoo', typeVersion: 2, position: [0, 0], parameters: params };
    },
    continueOnFail() {
      return false;
    },
    helpers: {
      httpRequest,
      async httpRequestWithAuthentication(type, options) {
        const c = await ctx.getCredentials(type);
        // OdooApiKeyApi.authenticate: headers.Authorization = 'bearer {{$credentials.apiKey}}'
        return httpRequest({ ...options, headers: { ...(options.headers ?? {}), Authorization: `bearer ${c.apiKey}` } });
      },
      returnJsonArray(data) {
        return (Array.isArray(data) ? data : [data]).map((json) => ({ json }));
      },
      constructExecutionMetaData(items, { itemData }) {
        return items.map((item) => ({ ...item, pairedItem: itemData }));
      },
    },
  };
  return ctx;
}

/** Credentials as n8n stores them for the chosen credential type. */
function credentialsFromEnv(env = process.env) {
  const credentialType = env.N8N_CREDENTIAL ?? 'odooApiKeyApi';
  if (credentialType !== 'odooApiKeyApi' && credentialType !== 'odooApi') throw new Error('N8N_CREDENTIAL is odooApiKeyApi or odooApi');
  const credentials =
    credentialType === 'odooApiKeyApi'
      ? { url: env.ODOO_URL, db: env.ODOO_DB, apiKey: env.ODOO_API_KEY }
      : { url: env.ODOO_URL, db: env.ODOO_DB, username: env.ODOO_USER ?? 'n8n', password: env.ODOO_API_KEY };
  return { credentialType, credentials };
}

/**
 * Runs one contact operation as n8n would for one input item: `params` are the node's settings
 * (as in the workflow JSON: returnAll, limit, filters, options, contactId, fieldsToSend, ...).
 * Returns the output items' json.
 */
async function runContact(operation, params, { credentialType, credentials }, input = [{ json: {} }]) {
  const op = contactOperations()[operation];
  if (!op) throw new Error(`no contact operation ${operation}`);
  const ctx = nodeContext({ credentialType, credentials, params: { authentication: credentialType, resource: 'contact', operation, ...params } });
  const out = await op.execute.call(ctx, input);
  return out.map((item) => item.json);
}

/** The error text n8n would show for a failed node (NodeApiError's message and description). */
function errorText(error) {
  return [error.message, error.description].filter(Boolean).join(': ');
}

async function main() {
  const creds = credentialsFromEnv();
  if (!creds.credentials.url || !creds.credentials.db || !process.env.ODOO_API_KEY) throw new Error('set ODOO_URL, ODOO_DB and ODOO_API_KEY');
  const data = JSON.parse(readFileSync(process.env.ENRICHMENT ?? join(__dirname, 'enrichment.json'), 'utf8'));
  // Contact > Get Many: Return All off, Limit 200, no filters, no field list (n8n sends fields: [])
  const companies = await runContact('getAll', { returnAll: false, limit: 200, filters: {}, options: {} }, creds);
  const updated = [];
  for (const company of companies) {
    const found = data[company.name];
    if (!found) continue;
    // Contact > Update: Contact ID from the item, fields defined below
    await runContact('update', { contactId: { __rl: true, mode: 'id', value: String(company.id) }, fieldsToSend: { mappingMode: 'defineBelow', value: found } }, creds);
    updated.push({ id: company.id, name: company.name, ...found });
  }
  const summary = { read: companies.length, updated };
  if (process.argv.includes('--json')) console.log(JSON.stringify(summary));
  else {
    console.log(`read ${companies.length} companies`);
    for (const u of updated) console.log(`updated ${u.name} (${u.id}): ${Object.entries(found(u)).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
}

function found(u) {
  const { id: _id, name: _name, ...rest } = u;
  return rest;
}

module.exports = { contactOperations, nodeContext, credentialsFromEnv, runContact, errorText, httpRequest };

if (require.main === module) {
  main().catch((error) => {
    console.error(`n8n's Odoo node failed: ${errorText(error)}`);
    process.exit(1);
  });
}
