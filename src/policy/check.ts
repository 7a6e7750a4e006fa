// What `odoo-keys check <key> <model> <method> [--args JSON] [--kwargs JSON] [--context JSON]`
// needs: the call it describes, built the way the proxy would see an execute_kw call.

import type { OdooCall } from '../rpc/call.js';
import { parseJson, JsonParseError } from '../rpc/json.js';
import { isStruct, type RpcStruct, type RpcValue } from '../rpc/values.js';
import type { Decision } from './types.js';

export class CheckArgsError extends Error {
  constructor(
    /** The flag that is wrong (`--args`, `--kwargs`, `--context`). */
    readonly flag: string,
    message: string,
  ) {
    super(`${flag}: ${message}`);
    this.name = 'CheckArgsError';
  }
}

function parseFlag(flag: string, text: string | undefined): RpcValue | undefined {
  if (text === undefined) return undefined;
  try {
    return parseJson(text);
  } catch (e) {
    if (e instanceof JsonParseError) throw new CheckArgsError(flag, `not valid JSON (${e.message})`);
    throw e;
  }
}

/**
 * An execute_kw call from check's arguments. `args` is the positional list (record methods take
 * their ids first, as over XML-RPC), `kwargs` the keyword dictionary, `context` goes into kwargs.
 */
export function callFromCheckArgs(o: { model: string; method: string; args?: string; kwargs?: string; context?: string; db?: string }): OdooCall {
  const args = parseFlag('--args', o.args) ?? [];
  if (!Array.isArray(args)) throw new CheckArgsError('--args', 'must be a JSON list (the positional arguments; record ids first for record methods)');
  const kwargs = parseFlag('--kwargs', o.kwargs) ?? {};
  if (!isStruct(kwargs)) throw new CheckArgsError('--kwargs', 'must be a JSON object');
  const context = parseFlag('--context', o.context);
  if (context !== undefined && !isStruct(context)) throw new CheckArgsError('--context', 'must be a JSON object');
  const kw: RpcStruct = { ...kwargs };
  if (context !== undefined) {
    if ('context' in kw) throw new CheckArgsError('--context', 'the context is given twice (also in --kwargs)');
    kw.context = context;
  }
  return { protocol: 'xmlrpc', entry: 'execute_kw', db: o.db ?? '', uid: null, credential: null, model: o.model, method: o.method, args, kwargs: kw };
}

/** One line for check's output: `ALLOW rule 0: ...`, `DENY: ...`, `NEED SCHEMA: ...`. */
export function describeDecision(d: Decision): string {
  if (d.verdict === 'allow') {
    const extra = [...d.notes, ...d.checks.map((c) => (c.kind === 'links_in_domain' ? (c.set ? `upstream check: the ${c.comodel} links '${c.field}' of ${c.ids.length} ${c.model} record(s) ${c.set.adds ? 'gains' : 'gains or loses'} (${c.set.adds ? 'adds' : c.set.rows ? 'set row by row to' : 'set to'} ${c.set.ids.length} id(s); links kept are not checked) must match ${JSON.stringify(c.domain)}` : `upstream check: the ${c.comodel} records ${c.ids.length} ${c.model} record(s) link to in '${c.field}' must match ${JSON.stringify(c.domain)}`) : `upstream check: ${c.ids.length} id(s) of ${c.model} must match ${JSON.stringify(c.domain)}`)), ...d.redactions.map((r) => `names hidden in ${r.fields.join(', ')}`)];
    return `ALLOW by ${d.rule >= 0 ? `rule ${d.rule}` : 'learning mode'}${extra.length ? `: ${extra.join('; ')}` : ''}`;
  }
  // The operator's dry run: the full reason (the client would be told `reason`).
  if (d.verdict === 'deny') return `DENY${d.limit ? ` (limit ${d.limit})` : d.rule !== undefined ? ` (rule ${d.rule})` : ''}: ${d.detail ?? d.reason}${d.detail !== undefined ? ` [the client is told: ${d.reason}]` : ''}`;
  const needs = neededFromOdoo(d);
  return `NEED SCHEMA: ${needs.join(' and ')} ${needs.length > 1 ? 'are' : 'is'} needed to decide`;
}

/** What a need_schema decision asks Odoo for, in words (`check` says it, offline or not). */
export function neededFromOdoo(d: Extract<Decision, { verdict: 'need_schema' }>): string[] {
  return [
    ...(d.models.length ? [`the fields of ${d.models.join(', ')}`] : []),
    ...(d.irModels?.length ? [`the models ir.model ${d.irModels.join(', ')} names`] : []),
    ...(d.definitions?.length || d.current?.length ? ['the properties definitions of the records written'] : []),
    ...(d.xmlids?.length ? [`the records external id${d.xmlids.length > 1 ? 's' : ''} ${d.xmlids.slice(0, 3).join(', ')}${d.xmlids.length > 3 ? ` (and ${d.xmlids.length - 3} more)` : ''} name${d.xmlids.length > 1 ? '' : 's'} (ir.model.data)`] : []),
  ];
}
