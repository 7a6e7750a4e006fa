#!/usr/bin/env python3
"""One-off import: leads from a CSV file into Odoo, with their company and tags.

Plain Python, xmlrpc.client only. Run it under `odoo-keys exec`, which starts a local proxy with a
temporary key that dies when the script ends, and hands the script its connection in the usual
variables: ODOO_URL, ODOO_DB, ODOO_USERNAME, ODOO_PASSWORD (the temporary key).

CSV columns: name (the lead's title), email, phone, company (looked up by exact name; left empty
when not found), tags (separated by ';'; missing tags are created). Any other column is written to
the lead field of the same name, if the key allows it.

Usage: odoo-keys exec --scope-file scope.yaml --ttl 15m -- python3 import_leads.py leads.csv [--json]
"""
import csv
import json
import os
import sys
import xmlrpc.client

BATCH = 100
KNOWN = {'name', 'email', 'phone', 'company', 'tags'}


def main(path: str) -> int:
    url, db = os.environ['ODOO_URL'].rstrip('/'), os.environ['ODOO_DB']
    user, key = os.environ['ODOO_USERNAME'], os.environ['ODOO_PASSWORD']
    uid = xmlrpc.client.ServerProxy(f'{url}/xmlrpc/2/common').authenticate(db, user, key, {})
    models = xmlrpc.client.ServerProxy(f'{url}/xmlrpc/2/object', allow_none=True)

    def call(model, method, args, **kwargs):
        return models.execute_kw(db, uid, key, model, method, args, kwargs)

    with open(path, newline='', encoding='utf-8') as f:
        rows = list(csv.DictReader(f))

    # Companies, by exact name.
    names = sorted({r['company'].strip() for r in rows if r.get('company', '').strip()})
    companies = {}
    if names:
        for p in call('res.partner', 'search_read', [[['name', 'in', names]]], fields=['name']):
            companies.setdefault(p['name'], p['id'])

    # Tags: find the ones that exist, create the others once.
    wanted = sorted({t.strip() for r in rows for t in (r.get('tags') or '').split(';') if t.strip()})
    tags = {t['name']: t['id'] for t in call('crm.tag', 'search_read', [[['name', 'in', wanted]]], fields=['name'])} if wanted else {}
    missing = [t for t in wanted if t not in tags]
    if missing:
        for name, tag_id in zip(missing, call('crm.tag', 'create', [[{'name': t} for t in missing]])):
            tags[name] = tag_id

    values = []
    for r in rows:
        v = {'name': r['name'].strip(), 'email_from': r.get('email') or False, 'phone': r.get('phone') or False}
        company = (r.get('company') or '').strip()
        if company in companies:
            v['partner_id'] = companies[company]
        row_tags = [tags[t.strip()] for t in (r.get('tags') or '').split(';') if t.strip()]
        if row_tags:
            v['tag_ids'] = [(6, 0, row_tags)]
        for column, value in r.items():
            if column not in KNOWN and value not in (None, ''):
                v[column] = value
        values.append(v)

    created = []
    for start in range(0, len(values), BATCH):
        created += call('crm.lead', 'create', [values[start:start + BATCH]])

    summary = {'leads': created, 'new_tags': missing, 'companies_found': sorted(companies),
               'companies_missing': [n for n in names if n not in companies]}
    if '--json' in sys.argv[2:]:
        print(json.dumps(summary))
    else:
        print(f"imported {len(created)} leads; new tags: {', '.join(missing) or 'none'}; "
              f"companies not found: {', '.join(summary['companies_missing']) or 'none'}")
    return 0


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    try:
        sys.exit(main(sys.argv[1]))
    except xmlrpc.client.Fault as fault:
        print(f'Odoo refused: {fault.faultString.splitlines()[-1] if fault.faultString else fault.faultCode}', file=sys.stderr)
        sys.exit(2)
