// Shared by the learn → suggest → decide tests: the stand-in's schemas as the proxy reads them, a
// learning key, and a call journaled as the proxy journals it for that key.
import { buildSchema, finishSchema } from '../standin/schema.js';
import { Orm } from '../standin/orm.js';
import { SCHEMA_ATTRIBUTES } from '../../src/policy/decide.js';
import { schemaFromFieldsGet } from '../../src/policy/schema.js';
import type { LearnedCall } from '../../src/policy/suggest.js';
import { callFacts } from '../../src/proxy/facts.js';
import { entryBody, sealLine, GENESIS } from '../../src/audit/chain.js';
import type { OdooCall } from '../../src/rpc/call.js';
import type { DecideEnv, KeyScope, ModelSchema } from '../../src/policy/types.js';

/** What `scope suggest` and the proxy read from Odoo: fields_get with SCHEMA_ATTRIBUTES, here from the stand-in. */
export function standinSchemas(version: 18 | 19): (model: string) => ModelSchema | undefined {
  const defs = buildSchema(version);
  finishSchema(defs);
  const env = new Orm({ version, schema: defs }).env(1, {}, true);
  const cache = new Map<string, ModelSchema>();
  return (model) => {
    if (!defs.has(model)) return undefined;
    if (!cache.has(model)) cache.set(model, schemaFromFieldsGet(env.fieldsGet(model, null, [...SCHEMA_ATTRIBUTES])));
    return cache.get(model);
  };
}

export function learnEnv(version: number, schema: DecideEnv['schema']): DecideEnv {
  // No external id the corpus names has a record: a key that may not read ir.model.data has its
  // load '/id' cells looked up (review6), and what they name does not change what suggest learns.
  return { ip: '127.0.0.1', now: new Date('2026-11-30T10:00:00Z'), version, schema, externalId: () => null };
}

export const LEARNING: KeyScope = { id: '1e4a2b3c', name: 'learner', rules: [], limits: {}, learning: true };

/** What the proxy journals for a learning key's allowed call, read back as `scope suggest` reads it. */
export function journaled(call: OdooCall, version: number, seq: number): LearnedCall {
  const body = entryBody(
    { key: LEARNING.id, name: LEARNING.name, ip: '127.0.0.1', proto: call.protocol, model: call.model, method: call.method, ...callFacts(call, version, { learning: true }), decision: 'allow', rule: -1, outcome: 'ok', learning: true },
    new Date(Date.parse('2026-11-30T09:00:00Z') + seq * 1000).toISOString(),
    seq,
    GENESIS,
  );
  return JSON.parse(sealLine(body).line) as LearnedCall;
}
