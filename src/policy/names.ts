// Name syntax shared by the scope language and the engine: what a model, method and field name may
// look like. Deliberately strict ASCII: a name that Odoo would never define is refused rather than
// interpreted, so look-alikes (Cyrillic `а`, zero-width joiners, trailing spaces) never match a rule.

/** `crm.lead`, `x_saas_stats`, `res.partner.bank`. Odoo model names are lowercase dotted identifiers. */
export const MODEL_NAME = /^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*$/;

/** A model glob in a rule: the model syntax plus `*` (any run of characters, dots included). */
export const MODEL_GLOB = /^(?:\*|[a-z0-9_*]+)(?:\.(?:[a-z0-9_*]+))*$/;

/** A public method: an ASCII identifier that does not begin with `_`. */
export const METHOD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** A field name (fields may be `x_studio_...`, `__last_update` in 16, `id`). */
export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isModelName(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 128 && MODEL_NAME.test(s);
}

export function isModelPattern(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 128 && (MODEL_NAME.test(s) || (s.includes('*') && MODEL_GLOB.test(s)));
}

export function isGlob(pattern: string): boolean {
  return pattern.includes('*');
}

export function isMethodName(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 128 && METHOD_NAME.test(s);
}

export function isFieldName(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 128 && FIELD_NAME.test(s);
}

/** `partner_id.email`, `order_line.product_id.name`: dot-separated field names. */
export function isFieldPath(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 512 && s.split('.').every((part) => FIELD_NAME.test(part));
}

/**
 * A column of load or export_data as Odoo splits it (fix_import_export_id_paths, 16-19): the old
 * spellings 'partner_id.id' and 'partner_id:id' are 'partner_id/.id' and 'partner_id/id'. Same
 * regular expressions, applied left to right without overlap as Python's re.sub does.
 */
export function importExportPath(path: string): string[] {
  return path.replace(/([^/])\.id/g, '$1/.id').replace(/([^/]):id/g, '$1/id').split('/');
}

/** Whether a rule's model pattern covers a model name (`*` spans any characters, dots included). */
export function modelMatches(pattern: string, model: string): boolean {
  if (!isGlob(pattern)) return pattern === model;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.]/g, '\\.')).join('.*')}$`);
  return re.test(model);
}

/** Shows a string with invisible or non-ASCII characters made visible, for denial messages. */
export function visible(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x21 && cp <= 0x7e && ch !== "'" && ch !== '\\') out += ch;
    else out += cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\u{${cp.toString(16)}}`;
  }
  return out.length > 80 ? `${out.slice(0, 80)}...` : out;
}
