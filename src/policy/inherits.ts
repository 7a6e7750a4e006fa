// Which many2one fields of a model are `_inherits` (delegate) links, from fields_get alone. Pure.
//
// fields_get reports neither `_inherits` nor a field's `delegate` or `inherited` flag (Field's
// _description_* attributes in 19.0 odoo/orm/fields.py: name, type, store, related, readonly,
// required, depends, ...). ir.model.inherit (`parent_field_id`) names the links, but only from 17.0,
// and base's ir.model.access.csv gives it no read access an integration user holds. So the link is
// recognised from what Odoo makes of it, in 16.0-19.0 alike (BaseModel._add_inherited_fields,
// _init_constraints_onchanges / _check_inherits):
//  - the link is a many2one forced `required`;
//  - every field of the parent is on the child: the ones the child does not define itself are
//    added as related fields `<link>.<same name>`, which is most of them;
//  - such an inherited field copies the parent field's `readonly` (a plain related field defaults
//    to readonly), so a field writable on the parent is writable on the child.
// A many2one through which a model merely mirrors a few fields by the same name (sale.order.line's
// order_id and currency_id, res.config.settings' company_id and dozens of res.company fields) lacks
// most of the parent's fields and is not taken for a link. A link missed (a child whose own fields
// hide some of the parent's from this user) is judged as before: its fields written through.

import type { ModelSchema } from './types.js';
import { own } from './bind.js';

export interface DelegateLink {
  /** The many2one on the child (product.product's product_tmpl_id). */
  field: string;
  /** The parent model (product.template). */
  parent: string;
  /** The child's fields inherited through it (related `<field>.<same name>`). */
  inherited: string[];
}

/** What delegateLinks finds on a model. */
export interface Delegates {
  links: DelegateLink[];
  unknown: { field: string; parent: string; mirrors: string[] }[];
}

/**
 * The delegate links of the model whose fields are `child`. `unknown`: parent models whose schema
 * is needed to tell (a required many2one through which some field is related by the same name),
 * with the fields that would be inherited through each; nothing is decided for those yet.
 */
export function delegateLinks(child: ModelSchema, schemaOf: (model: string) => ModelSchema | undefined): Delegates {
  // One pass over the child's fields for those related `<f>.<same name>`, by f (a search per
  // many2one made a 300-field model cost 0.4 ms per look).
  const mirrorsOf = new Map<string, string[]>();
  for (const g of Object.keys(child)) {
    const related = child[g]!.related;
    const dot = related ? related.indexOf('.') : -1;
    if (dot <= 0 || related!.slice(dot + 1) !== g) continue;
    const f = related!.slice(0, dot);
    const list = mirrorsOf.get(f);
    if (list) list.push(g);
    else mirrorsOf.set(f, [g]);
  }
  const links: DelegateLink[] = [];
  const unknown: { field: string; parent: string; mirrors: string[] }[] = [];
  for (const f of [...mirrorsOf.keys()].sort()) {
    const info = own(child, f) ? child[f]! : undefined;
    if (!info || info.type !== 'many2one' || !info.relation || info.required !== true || info.related) continue;
    const mirrors = mirrorsOf.get(f)!.sort();
    const parent = schemaOf(info.relation);
    if (!parent) {
      unknown.push({ field: f, parent: info.relation, mirrors });
      continue;
    }
    const names = Object.keys(parent);
    if (!names.every((n) => own(child, n))) continue;
    const inherited = names.filter((n) => child[n]!.related === `${f}.${n}`).sort();
    if (inherited.length * 2 < names.length) continue;
    if (inherited.some((n) => parent[n]!.readonly === false && child[n]!.readonly !== false)) continue;
    links.push({ field: f, parent: info.relation, inherited });
  }
  return { links, unknown };
}

/**
 * Writes an `_inherits` child's own create and write make on its parent, beyond BaseModel's. Only
 * res.users (odoo/addons/base/models/res_users.py, read on 16.0, 17.0, 18.0 and 19.0; none sudo):
 *  - ResUsers.create, after BaseModel.create, per user: `if user.partner_id.company_id:
 *    user.partner_id.company_id = user.company_id` (the partner's current company, unknown before
 *    the call), then `user.partner_id.active = user.active` (always);
 *  - ResUsers.write: `if vals.get('active')` the users' archived partners are unarchived before the
 *    write (16.0-18.0: `partner_id.toggle_active()` for users inactive with an archived partner;
 *    19.0: `self.partner_id.action_unarchive()`); `if 'company_id' in vals`, after it, each partner
 *    that has a company other than the one given gets the user's (`partner_id.write`).
 * (17.0+ also writes a generated avatar, image_1920, on internal users' partners without one.)
 */
export interface ParentSync {
  link: string;
  parent: string;
}

export const PARENT_SYNC: Readonly<Record<string, ParentSync>> = {
  'res.users': { link: 'partner_id', parent: 'res.partner' },
};
