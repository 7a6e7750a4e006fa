#!/usr/bin/env python3
"""Nightly statistics sync: counts the customers and keeps one x_saas_stats record per day.

Plain Python, xmlrpc.client only. Nothing in it knows about odoo-keys: it reads its connection
from the environment, so pointing it at the proxy is a change of settings, not of code.

  ODOO_URL      the odoo-keys proxy, e.g. http://127.0.0.1:8169 (was https://acme.odoo.com)
  ODOO_DB       the database
  ODOO_USER     the login; the proxy ignores it (the key's name reads well in logs)
  ODOO_API_KEY  the key odoo-keys printed, odk_... (was the integration user's API key),
                or ODOO_API_KEY_FILE: a file (mode 0600) holding it
  STATS_DAY     optional: the day to record (default: today, YYYY-MM-DD)

Usage: python3 sync_stats.py [--json]
"""
import datetime
import json
import os
import sys
import xmlrpc.client

PAGE = 500


def main() -> int:
    url = os.environ['ODOO_URL'].rstrip('/')
    db = os.environ['ODOO_DB']
    user = os.environ.get('ODOO_USER', 'nightly-sync')
    key = os.environ.get('ODOO_API_KEY')
    if not key:
        with open(os.environ['ODOO_API_KEY_FILE'], encoding='utf-8') as f:
            key = f.read().strip()
    day = os.environ.get('STATS_DAY') or datetime.date.today().isoformat()

    common = xmlrpc.client.ServerProxy(f'{url}/xmlrpc/2/common')
    uid = common.authenticate(db, user, key, {})
    if not uid:
        print('authentication failed', file=sys.stderr)
        return 1
    models = xmlrpc.client.ServerProxy(f'{url}/xmlrpc/2/object', allow_none=True)

    def call(model, method, args, **kwargs):
        return models.execute_kw(db, uid, key, model, method, args, kwargs)

    customers = with_email = 0
    offset = 0
    while True:
        rows = call('res.partner', 'search_read', [[['customer_rank', '>', 0]]],
                    fields=['name', 'email', 'customer_rank'], offset=offset, limit=PAGE, order='id')
        customers += len(rows)
        with_email += sum(1 for r in rows if r['email'])
        if len(rows) < PAGE:
            break
        offset += PAGE

    values = {'x_customers': customers, 'x_with_email': with_email}
    existing = call('x_saas_stats', 'search_read', [[['x_name', '=', day]]], fields=['x_name'], limit=1)
    if existing:
        record = existing[0]['id']
        call('x_saas_stats', 'write', [[record], values])
        action = 'updated'
    else:
        record = call('x_saas_stats', 'create', [{'x_name': day, **values}])
        action = 'created'

    summary = {'day': day, 'customers': customers, 'with_email': with_email, 'record': record, 'action': action}
    if '--json' in sys.argv[1:]:
        print(json.dumps(summary))
    else:
        print(f"{day}: {customers} customers, {with_email} with an e-mail address "
              f"(x_saas_stats record {record} {action})")
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except xmlrpc.client.Fault as fault:
        # odoo-keys refusals arrive as ordinary faults: "odoo-keys: key 'nightly-sync' may not call ..."
        print(f'Odoo refused: {fault.faultString.splitlines()[-1] if fault.faultString else fault.faultCode}', file=sys.stderr)
        sys.exit(2)
