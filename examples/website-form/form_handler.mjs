#!/usr/bin/env node
// A website contact form that files each message as a lead in Odoo (crm.lead), through the
// odoo-keys proxy. Node 20+, no dependencies. It speaks JSON-2 (Odoo 19 and later) or JSON-RPC
// (Odoo 14 to 18); nothing in it knows about odoo-keys: the key is used as Odoo's API key.
//
// Settings (environment):
//   ODOO_URL        the odoo-keys proxy, e.g. http://10.0.0.5:8169 (was https://acme.odoo.com)
//   ODOO_DB         the database
//   ODOO_API_KEY    the key odoo-keys printed, odk_... (was the integration user's API key)
//   ODOO_PROTOCOL   json2 (default) or jsonrpc
//   ODOO_USER       JSON-RPC only: the login given to authenticate (the proxy ignores it)
//   LEAD_DEFAULTS   optional JSON object of values every lead gets, e.g. {"team_id": 2}; each field
//                   must be allowed by the key (the example key allows name, email_from, phone and
//                   description only, so this stays empty)
//   HOST, PORT      where the form listens (default 127.0.0.1:3000; PORT=0 picks a free port)
//
// POST / with name, email, phone, message (application/x-www-form-urlencoded) creates a lead;
// GET / shows the form. Visitors never see Odoo's errors; they go to stderr (never the key).

import http from 'node:http';

const url = (process.env.ODOO_URL ?? '').replace(/\/+$/, '');
const db = process.env.ODOO_DB ?? '';
const key = process.env.ODOO_API_KEY ?? '';
const protocol = process.env.ODOO_PROTOCOL ?? 'json2';
const login = process.env.ODOO_USER ?? 'website-form';
const defaults = JSON.parse(process.env.LEAD_DEFAULTS || '{}');
if (!url || !db || !key) {
  console.error('set ODOO_URL, ODOO_DB and ODOO_API_KEY');
  process.exit(2);
}
if (protocol !== 'json2' && protocol !== 'jsonrpc') {
  console.error("ODOO_PROTOCOL is json2 or jsonrpc");
  process.exit(2);
}

class OdooError extends Error {}

async function json2(model, method, body) {
  const r = await fetch(`${url}/json/2/${model}/${method}`, {
    method: 'POST',
    headers: { Authorization: `bearer ${key}`, 'X-Odoo-Database': db, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await r.json().catch(() => null);
  if (!r.ok) throw new OdooError(answer?.message ?? `HTTP ${r.status}`);
  return answer;
}

async function jsonrpc(service, method, args) {
  const r = await fetch(`${url}/jsonrpc`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id: Date.now() }),
  });
  const answer = await r.json();
  if (answer.error) throw new OdooError(answer.error.data?.message ?? answer.error.message);
  return answer.result;
}

let uid;
async function createLead(vals) {
  if (protocol === 'json2') {
    const ids = await json2('crm.lead', 'create', { vals_list: [vals] });
    return Array.isArray(ids) ? ids[0] : ids;
  }
  uid ??= await jsonrpc('common', 'authenticate', [db, login, key, {}]);
  if (!uid) throw new OdooError('authentication failed');
  return jsonrpc('object', 'execute_kw', [db, uid, key, 'crm.lead', 'create', [vals]]);
}

const FORM = `<!doctype html><meta charset="utf-8"><title>Contact us</title>
<form method="post"><p><input name="name" placeholder="Your name" required>
<p><input name="email" type="email" placeholder="E-mail" required><p><input name="phone" placeholder="Phone">
<p><textarea name="message" placeholder="How can we help?"></textarea><p><button>Send</button></form>`;

function reply(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><meta charset="utf-8"><p>${text}</p>`);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(FORM);
    return;
  }
  if (req.method !== 'POST') return reply(res, 405, 'Method not allowed.');
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => {
    body += chunk;
    if (body.length > 64 * 1024) req.destroy();
  });
  req.on('end', async () => {
    const form = new URLSearchParams(body);
    const name = form.get('name')?.trim();
    const email = form.get('email')?.trim();
    if (!name || !email) return reply(res, 400, 'Please give your name and e-mail address.');
    const vals = {
      ...defaults,
      name: `Website: ${name}`.slice(0, 200),
      email_from: email,
      ...(form.get('phone') ? { phone: form.get('phone') } : {}),
      description: form.get('message') ?? '',
    };
    try {
      const id = await createLead(vals);
      console.log(`lead ${id} created`);
      reply(res, 200, 'Thank you! We will be in touch.');
    } catch (err) {
      console.error(`lead not created: ${err.message}`);
      reply(res, 502, 'Sorry, something went wrong; please try again later or write to us.');
    }
  });
});

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const a = server.address();
  console.log(`contact form listening on http://${a.address}:${a.port}/`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
