// What Odoo itself recorded as changed by the integration user in a window: creations and last
// writes (create_uid/create_date, write_uid/write_date) on the models the keys touched, chatter
// messages with their tracking values (mail.message, mail.tracking.value), and the OCA auditlog
// module's logs and lines when that module is installed (detected, never assumed). Only standard
// models and public ORM methods: nothing has to be installed in Odoo.
//
// Anything that cannot be read (no access, an older Odoo without a field) becomes a gap, worded for
// the operator, instead of failing the whole report.

import type { RpcValue } from '../rpc/values.js';
import { isStruct, numberOf } from '../rpc/values.js';
import type { ChangeValue, FieldChange, OdooChange } from './attribute.js';

/** The part of the Odoo client this needs (src/upstream/client.ts's OdooClient has it). */
export interface OdooReader {
  executeKw(model: string, method: string, args?: unknown[], kwargs?: Record<string, unknown>): Promise<RpcValue>;
}

export interface FetchChangesOptions {
  since: Date;
  until: Date;
  /** The integration user's uid (the profile's login). */
  uid: number;
  /** Models the keys touched in the window: their creations and last writes are read. */
  models: string[];
  /** Most records read per query (default 5000); more is reported as a gap. */
  limit?: number;
}

export interface FetchedChanges {
  changes: OdooChange[];
  /** What could not be read, in words. */
  gaps: string[];
  /** The OCA auditlog module was found installed (and its logs read, unless a gap says otherwise). */
  auditlog: boolean;
  /** Tracking values (field-level old/new) could be read. */
  tracking: boolean;
}

type Row = Record<string, RpcValue>;

/** `2026-11-28 10:04:05` (Odoo's UTC datetime) from a Date. */
export function toOdooDatetime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** ISO 8601 UTC from Odoo's `2026-11-28 10:04:05`. */
export function fromOdooDatetime(v: RpcValue): string | undefined {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/.test(v)) return undefined;
  return `${v.slice(0, 10)}T${v.slice(11, 19)}Z`;
}

function rows(v: RpcValue): Row[] {
  return Array.isArray(v) ? v.filter(isStruct) : [];
}

/** A many2one's id (`[id, name]`, a bare id, or false). */
function m2oId(v: RpcValue | undefined): number | undefined {
  if (Array.isArray(v) && v.length > 0) return numberOf(v[0]);
  const n = numberOf(v);
  return n && n > 0 ? n : undefined;
}

function m2oName(v: RpcValue | undefined): string | undefined {
  return Array.isArray(v) && typeof v[1] === 'string' ? v[1] : undefined;
}

function plain(v: RpcValue | undefined): ChangeValue {
  if (v === undefined || v === false || v === null) return null;
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  const n = numberOf(v);
  if (n !== undefined) return n;
  return JSON.stringify(v);
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isAccessProblem(err: unknown): boolean {
  return /AccessError|access|not allowed|Access Denied|permission/i.test(errText(err));
}

const TRACKING_NEEDS_ADMIN =
  'field-level old and new values from chatter are not shown: reading tracking values (mail.tracking.value) needs the Settings (Administration) rights, which the integration user does not have';

interface FieldMeta {
  name: string;
  label?: string;
  ttype?: string;
}

class Fetcher {
  readonly changes: OdooChange[] = [];
  readonly gaps: string[] = [];
  private readonly limit: number;
  private readonly since: string;
  private readonly until: string;
  private readonly fieldMeta = new Map<number, FieldMeta>();

  constructor(
    private readonly odoo: OdooReader,
    private readonly opts: FetchChangesOptions,
  ) {
    this.limit = opts.limit ?? 5000;
    this.since = toOdooDatetime(opts.since);
    // Odoo keeps whole seconds: a change in the second `until` falls in (the current one, by
    // default) is stored as that second, so the exclusive end is rounded up, else it is missed.
    this.until = toOdooDatetime(new Date(Math.ceil(opts.until.getTime() / 1000) * 1000));
  }

  /** search_read with the archived records too; a result at the limit is reported as cut short. */
  private async searchRead(model: string, domain: unknown[], fields: string[], what: string): Promise<Row[]> {
    const found = rows(await this.odoo.executeKw(model, 'search_read', [domain], { fields, limit: this.limit + 1, order: 'id', context: { active_test: false } }));
    if (found.length > this.limit) {
      this.gaps.push(`${what}: more than ${this.limit} records in the window, only the first ${this.limit} were read (narrow --since/--until)`);
      found.length = this.limit;
    }
    return found;
  }

  /** Names and labels of ir.model.fields ids (tracking values and auditlog lines point at them). */
  private async loadFieldMeta(ids: number[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.fieldMeta.has(id));
    if (!missing.length) return;
    try {
      for (const r of rows(await this.odoo.executeKw('ir.model.fields', 'read', [missing], { fields: ['name', 'field_description', 'ttype'] }))) {
        const id = numberOf(r.id);
        if (id === undefined || typeof r.name !== 'string') continue;
        this.fieldMeta.set(id, { name: r.name, label: typeof r.field_description === 'string' ? r.field_description : undefined, ttype: typeof r.ttype === 'string' ? r.ttype : undefined });
      }
    } catch (err) {
      this.gaps.push(`field names (ir.model.fields) could not be read: ${errText(err)}; fields are shown by label`);
    }
  }

  async creationsAndWrites(): Promise<void> {
    const uid = this.opts.uid;
    for (const model of [...new Set(this.opts.models)].sort()) {
      try {
        const created = await this.searchRead(
          model,
          [['create_uid', '=', uid], ['create_date', '>=', this.since], ['create_date', '<', this.until]],
          ['create_date', 'display_name'],
          `${model} creations`,
        );
        for (const r of created) {
          const at = fromOdooDatetime(r.create_date);
          const id = numberOf(r.id);
          if (!at || id === undefined) continue;
          this.changes.push({ model, res_id: id, kind: 'create', at, sources: ['create_uid'], ...(typeof r.display_name === 'string' ? { record_name: r.display_name } : {}) });
        }
        const written = await this.searchRead(
          model,
          [['write_uid', '=', uid], ['write_date', '>=', this.since], ['write_date', '<', this.until]],
          ['create_date', 'create_uid', 'write_date', 'display_name'],
          `${model} writes`,
        );
        for (const r of written) {
          const at = fromOdooDatetime(r.write_date);
          const id = numberOf(r.id);
          if (!at || id === undefined) continue;
          // A record never written after its creation has write_date = create_date: that is the creation.
          if (m2oId(r.create_uid) === uid && fromOdooDatetime(r.create_date) === at) continue;
          this.changes.push({ model, res_id: id, kind: 'write', at, sources: ['write_uid'], ...(typeof r.display_name === 'string' ? { record_name: r.display_name } : {}) });
        }
      } catch (err) {
        this.gaps.push(`${model}: creations and writes could not be read: ${errText(err)}`);
      }
    }
  }

  /** Chatter: messages by the integration user, with their tracking values where readable. Returns whether tracking values were read. */
  async chatter(): Promise<boolean> {
    const uid = this.opts.uid;
    let partnerId: number | undefined;
    try {
      const user = rows(await this.odoo.executeKw('res.users', 'read', [[uid]], { fields: ['partner_id'] }))[0];
      partnerId = m2oId(user?.partner_id);
    } catch (err) {
      this.gaps.push(`the integration user's partner could not be read (${errText(err)}); messages are found by creator only`);
    }
    const who = partnerId !== undefined ? ['|', ['author_id', '=', partnerId], ['create_uid', '=', uid]] : [['create_uid', '=', uid]];
    const domain = [...who, ['date', '>=', this.since], ['date', '<', this.until], ['model', '!=', false], ['res_id', '!=', 0]];
    const fields = ['date', 'model', 'res_id', 'message_type', 'record_name'];
    let messages: Row[];
    let trackingDenied = false;
    try {
      messages = await this.searchRead('mail.message', domain, [...fields, 'tracking_value_ids'], 'chatter messages');
    } catch (err) {
      // Odoo keeps mail.message's tracking_value_ids to Settings administrators (groups=base.group_system).
      if (!/tracking_value_ids/.test(errText(err))) {
        this.gaps.push(`chatter messages (mail.message) could not be read: ${errText(err)}`);
        return false;
      }
      trackingDenied = true;
      try {
        // The body tells a tracking notice (empty) from a posted message; it is looked at, never kept.
        messages = await this.searchRead('mail.message', domain, [...fields, 'body'], 'chatter messages');
      } catch (err2) {
        this.gaps.push(`chatter messages (mail.message) could not be read: ${errText(err2)}`);
        return false;
      }
    }
    if (trackingDenied) this.gaps.push(TRACKING_NEEDS_ADMIN);
    const trackingIds = messages.flatMap((m) => (Array.isArray(m.tracking_value_ids) ? m.tracking_value_ids.map((x) => numberOf(x)).filter((x): x is number => x !== undefined) : []));
    const valuesByMessage = new Map<number, FieldChange[]>();
    let trackingRead = false;
    if (trackingIds.length) {
      try {
        const values = rows(
          await this.odoo.executeKw('mail.tracking.value', 'read', [trackingIds], {
            fields: [
              'field_id', 'mail_message_id', 'old_value_char', 'new_value_char', 'old_value_integer', 'new_value_integer', 'old_value_float',
              'new_value_float', 'old_value_datetime', 'new_value_datetime', 'old_value_text', 'new_value_text',
            ],
          }),
        );
        await this.loadFieldMeta(values.map((v) => m2oId(v.field_id)).filter((x): x is number => x !== undefined));
        for (const v of values) {
          const msg = m2oId(v.mail_message_id);
          if (msg === undefined) continue;
          const list = valuesByMessage.get(msg) ?? [];
          list.push(this.trackingChange(v));
          valuesByMessage.set(msg, list);
        }
        trackingRead = true;
      } catch (err) {
        this.gaps.push(isAccessProblem(err) ? TRACKING_NEEDS_ADMIN : `tracking values (mail.tracking.value) could not be read: ${errText(err)}`);
      }
    }
    for (const m of messages) {
      const at = fromOdooDatetime(m.date);
      const id = numberOf(m.id);
      const resId = numberOf(m.res_id);
      if (!at || id === undefined || typeof m.model !== 'string' || !resId) continue;
      const tracked = trackingDenied
        ? m.message_type === 'notification' && (m.body === false || (typeof m.body === 'string' && m.body.replace(/<[^>]*>/g, '').trim() === ''))
        : Array.isArray(m.tracking_value_ids) && m.tracking_value_ids.length > 0;
      const fields = valuesByMessage.get(id);
      this.changes.push({
        model: m.model,
        res_id: resId,
        kind: tracked ? 'write' : 'message',
        at,
        sources: [tracked && !trackingDenied ? 'tracking' : 'message'],
        ...(fields?.length ? { fields } : {}),
        ...(typeof m.record_name === 'string' && m.record_name ? { record_name: m.record_name } : {}),
        refs: [`mail.message/${id}`],
      });
    }
    return trackingRead;
  }

  /** A tracking value's old and new value, from the column its field type uses. */
  private trackingChange(v: Row): FieldChange {
    const fid = m2oId(v.field_id);
    const meta = fid !== undefined ? this.fieldMeta.get(fid) : undefined;
    const label = meta?.label ?? m2oName(v.field_id);
    const pick = (suffix: string): [ChangeValue, ChangeValue] => [plain(v[`old_value_${suffix}`]), plain(v[`new_value_${suffix}`])];
    let pair: [ChangeValue, ChangeValue];
    switch (meta?.ttype) {
      case 'integer':
        pair = pick('integer');
        break;
      case 'boolean': {
        const [o, n] = pick('integer');
        pair = [Boolean(o), Boolean(n)];
        break;
      }
      case 'float':
      case 'monetary':
        pair = pick('float');
        break;
      case 'date':
      case 'datetime':
        pair = pick('datetime');
        break;
      case 'text':
      case 'html':
        pair = pick('text');
        break;
      case undefined: {
        // Unknown type: the first column that holds something.
        pair = [null, null];
        for (const s of ['char', 'text', 'datetime', 'float', 'integer']) {
          const p = pick(s);
          if ((p[0] !== null && p[0] !== 0 && p[0] !== '') || (p[1] !== null && p[1] !== 0 && p[1] !== '')) {
            pair = p;
            break;
          }
        }
        break;
      }
      default:
        // char, selection (its label), many2one (the display name): the char column.
        pair = pick('char');
    }
    return { field: meta?.name ?? (fid !== undefined ? `field#${fid}` : '?'), ...(label ? { label } : {}), old: pair[0], new: pair[1] };
  }

  /** The OCA auditlog module, when installed: its logs by the integration user, with their lines. */
  async auditlog(): Promise<boolean> {
    let installed: boolean;
    try {
      const n = await this.odoo.executeKw('ir.module.module', 'search_count', [[['name', '=', 'auditlog'], ['state', '=', 'installed']]]);
      installed = (numberOf(n) ?? 0) > 0;
    } catch (err) {
      this.gaps.push(`could not tell whether the auditlog module is installed: ${errText(err)}`);
      return false;
    }
    if (!installed) return false;
    try {
      const logs = await this.searchRead(
        'auditlog.log',
        [['user_id', '=', this.opts.uid], ['create_date', '>=', this.since], ['create_date', '<', this.until], ['method', 'in', ['create', 'write', 'unlink']]],
        ['create_date', 'model_id', 'res_id', 'method', 'name'],
        'auditlog logs',
      );
      // model_id points at ir.model: its technical name is what the journal knows.
      const modelIds = [...new Set(logs.map((l) => m2oId(l.model_id)).filter((x): x is number => x !== undefined))];
      const modelNames = new Map<number, string>();
      if (modelIds.length) {
        for (const r of rows(await this.odoo.executeKw('ir.model', 'read', [modelIds], { fields: ['model'] }))) {
          const id = numberOf(r.id);
          if (id !== undefined && typeof r.model === 'string') modelNames.set(id, r.model);
        }
      }
      const logIds = logs.map((l) => numberOf(l.id)).filter((x): x is number => x !== undefined);
      const linesByLog = new Map<number, FieldChange[]>();
      if (logIds.length) {
        const lines = await this.searchRead('auditlog.log.line', [['log_id', 'in', logIds]], ['log_id', 'field_id', 'old_value_text', 'new_value_text', 'old_value', 'new_value'], 'auditlog lines');
        await this.loadFieldMeta(lines.map((l) => m2oId(l.field_id)).filter((x): x is number => x !== undefined));
        for (const l of lines) {
          const log = m2oId(l.log_id);
          if (log === undefined) continue;
          const fid = m2oId(l.field_id);
          const meta = fid !== undefined ? this.fieldMeta.get(fid) : undefined;
          const label = meta?.label ?? m2oName(l.field_id);
          // The readable column first; the raw one holds Python's repr, where 'False' means empty.
          const text = (t: RpcValue | undefined, raw: RpcValue | undefined): ChangeValue =>
            typeof t === 'string' && t !== '' && t !== 'False' ? t : raw === '' || raw === 'False' ? null : plain(raw);
          const list = linesByLog.get(log) ?? [];
          list.push({ field: meta?.name ?? (fid !== undefined ? `field#${fid}` : '?'), ...(label ? { label } : {}), old: text(l.old_value_text, l.old_value), new: text(l.new_value_text, l.new_value) });
          linesByLog.set(log, list);
        }
      }
      for (const l of logs) {
        const at = fromOdooDatetime(l.create_date);
        const id = numberOf(l.id);
        const resId = numberOf(l.res_id);
        const mid = m2oId(l.model_id);
        const model = mid !== undefined ? modelNames.get(mid) : undefined;
        if (!at || id === undefined || !resId || !model) continue;
        const method = l.method === 'create' || l.method === 'unlink' ? l.method : 'write';
        const fields = linesByLog.get(id);
        this.changes.push({
          model,
          res_id: resId,
          kind: method,
          at,
          sources: ['auditlog'],
          ...(fields?.length ? { fields } : {}),
          ...(typeof l.name === 'string' && l.name ? { record_name: l.name } : {}),
          refs: [`auditlog.log/${id}`],
        });
      }
    } catch (err) {
      this.gaps.push(`the auditlog module is installed but its logs could not be read: ${errText(err)}`);
    }
    return true;
  }
}

/** Asks Odoo what the integration user changed in the window. Never throws for a part it cannot read. */
export async function fetchOdooChanges(odoo: OdooReader, opts: FetchChangesOptions): Promise<FetchedChanges> {
  const f = new Fetcher(odoo, opts);
  await f.creationsAndWrites();
  const tracking = await f.chatter();
  const auditlog = await f.auditlog();
  return { changes: f.changes, gaps: f.gaps, auditlog, tracking };
}
