#!/usr/bin/env python3
"""The Odoo calls an AI assistant makes through an MCP server, over JSON-2 (Odoo 19 and later).

An Odoo MCP server turns the assistant's tool calls into ORM calls: search_records -> search_read,
get_record -> read, model_fields -> fields_get, update_record -> write, post_note -> message_post.
This script makes those calls, with the same settings MCP servers read, so you can see what the
assistant's key allows before you hand it to the assistant. Python 3.8+, standard library only.

  ODOO_URL      the odoo-keys proxy, e.g. http://127.0.0.1:8169 (was https://acme.odoo.com)
  ODOO_DB       the database (JSON-2 sends it as X-Odoo-Database)
  ODOO_API_KEY  the key odoo-keys printed, odk_... (was the integration user's API key)

Usage: python3 mcp_tools.py [--json]
"""
import json
import os
import sys
import urllib.error
import urllib.request


class OdooError(Exception):
    pass


class Odoo:
    """A JSON-2 client: POST /json/2/<model>/<method>, the key as a bearer token."""

    def __init__(self, url, db, key):
        self.url, self.db, self.key = url.rstrip('/'), db, key

    def call(self, model, method, **params):
        request = urllib.request.Request(
            f'{self.url}/json/2/{model}/{method}',
            data=json.dumps(params).encode(),
            headers={'Authorization': f'bearer {self.key}', 'X-Odoo-Database': self.db,
                     'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(request) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            try:
                message = json.load(error).get('message', '')
            except ValueError:
                message = ''
            raise OdooError(message or f'HTTP {error.code}') from None

    # The tools an Odoo MCP server offers, as ORM calls.
    def search_records(self, model, domain, fields=(), limit=None, order=None):
        params = {'domain': domain, 'fields': list(fields)}
        if limit is not None:
            params['limit'] = limit
        if order:
            params['order'] = order
        return self.call(model, 'search_read', **params)

    def get_record(self, model, record_id, fields=()):
        return self.call(model, 'read', ids=[record_id], fields=list(fields))[0]

    def model_fields(self, model):
        return self.call(model, 'fields_get', attributes=['string', 'type', 'relation'])

    def update_record(self, model, record_id, values):
        return self.call(model, 'write', ids=[record_id], vals=values)

    def post_note(self, model, record_id, body):
        return self.call(model, 'message_post', ids=[record_id], body=body,
                         message_type='comment', subtype_xmlid='mail.mt_note')


def session(odoo):
    """What an assistant does when asked "move our best opportunity on and note the customer's PO"."""
    steps = {}

    def step(name, fn):
        try:
            steps[name] = {'ok': True, 'result': fn()}
        except OdooError as error:
            steps[name] = {'ok': False, 'error': str(error)}
        return steps[name]

    step('lead_fields', lambda: sorted(odoo.model_fields('crm.lead')))
    stages = step('stages', lambda: odoo.search_records('crm.stage', [], ['name', 'sequence'], order='sequence'))
    # Many MCP servers ask for every field (an empty list); the key narrows that to its own fields.
    pipeline = step('pipeline', lambda: odoo.search_records(
        'crm.lead', [['type', '=', 'opportunity']], [], limit=200, order='expected_revenue desc'))
    if pipeline['ok'] and pipeline['result'] and stages['ok']:
        best = pipeline['result'][0]
        step('best', lambda: odoo.get_record('crm.lead', best['id'], ['name', 'stage_id', 'expected_revenue']))
        later = [s for s in stages['result'] if best['stage_id'] and s['sequence'] > next(
            (x['sequence'] for x in stages['result'] if x['id'] == best['stage_id'][0]), 0)]
        if later:
            step('move', lambda: odoo.update_record('crm.lead', best['id'], {'stage_id': later[0]['id'], 'priority': '2'}))
            step('note', lambda: odoo.post_note('crm.lead', best['id'], f"Moved to {later[0]['name']} by the assistant."))
        # Overreaching: renaming the opportunity, and reading the customer's contact details.
        step('rename', lambda: odoo.update_record('crm.lead', best['id'], {'name': 'Renamed by the assistant'}))
        if best['partner_id']:
            step('contact', lambda: odoo.get_record('res.partner', best['partner_id'][0], ['name', 'email', 'phone']))
    quotes = step('quotations', lambda: odoo.search_records(
        'sale.order', [['state', 'in', ['draft', 'sent']]], ['name', 'partner_id', 'amount_total', 'client_order_ref'], limit=5, order='id'))
    if quotes['ok'] and quotes['result']:
        step('reference', lambda: odoo.update_record('sale.order', quotes['result'][0]['id'], {'client_order_ref': 'PO-4711'}))
    orders = step('orders', lambda: odoo.search_records('sale.order', [['state', '=', 'sale']], ['name'], limit=1, order='id'))
    if orders['ok'] and orders['result']:
        # Confirmed orders are outside the write rule's domain.
        step('confirmed', lambda: odoo.update_record('sale.order', orders['result'][0]['id'], {'client_order_ref': 'PO-4712'}))
    return steps


def main():
    odoo = Odoo(os.environ['ODOO_URL'], os.environ['ODOO_DB'], os.environ['ODOO_API_KEY'])
    steps = session(odoo)
    if '--json' in sys.argv[1:]:
        print(json.dumps(steps))
        return 0
    for name, outcome in steps.items():
        if outcome['ok']:
            result = outcome['result']
            shown = f'{len(result)} rows' if isinstance(result, list) else json.dumps(result)[:100]
            print(f'{name:12} ok      {shown}')
        else:
            print(f"{name:12} REFUSED {outcome['error']}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
