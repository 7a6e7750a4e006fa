// A minimal Odoo for the login/create tests: common.version and authenticate, and execute_kw
// for fields_get and ir.model search_read, over XML-RPC (/xmlrpc/2/*) and JSON-RPC (/jsonrpc).
// Answers and faults are rendered with src/rpc/errors.ts, which matches the recordings byte for
// byte. The full stand-in (test/standin) supersedes this where a real ORM is needed.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeMethodCall } from '../../src/rpc/xmlrpc.js';
import { parseJson } from '../../src/rpc/json.js';
import { isStruct, type RpcValue } from '../../src/rpc/values.js';
import { jsonrpcErrorAnswer, jsonrpcResultAnswer, odooErrors, xmlrpcFaultAnswer, xmlrpcResultAnswer, type OdooError, type RpcAnswer } from '../../src/rpc/errors.js';

export interface MiniOdooOptions {
  version?: 18 | 19;
  db?: string;
  login?: string;
  /** The API key of `login`. */
  key?: string;
  uid?: number;
  /** Model -> its field names. */
  models?: Record<string, string[]>;
}

export interface MiniOdoo {
  url: string;
  /** Every call received: service, method and params (the key is replaced by `<key>`). */
  calls: { service: string; method: string; model?: string; modelMethod?: string }[];
  /** Whether any request body carried this text (to check what was sent). */
  received: string[];
  close(): Promise<void>;
}

export const MINI_MODELS: Record<string, string[]> = {
  'crm.lead': ['id', 'name', 'email_from', 'phone', 'description', 'stage_id', 'user_id', 'partner_id', 'expected_revenue'],
  'res.partner': ['id', 'name', 'email', 'phone', 'customer_rank', 'is_company'],
  'sale.order': ['id', 'name', 'partner_id', 'amount_total', 'state'],
  'res.users': ['id', 'name', 'login'],
};

class Fault {
  constructor(readonly err: OdooError) {}
}

export async function startMiniOdoo(opts: MiniOdooOptions = {}): Promise<MiniOdoo> {
  const version = opts.version ?? 18;
  const db = opts.db ?? 'acme';
  const login = opts.login ?? 'integration@acme.com';
  const key = opts.key ?? 'upstream-test-key-0000000000000000000000';
  const uid = opts.uid ?? 7;
  const models = opts.models ?? MINI_MODELS;
  const calls: MiniOdoo['calls'] = [];
  const received: string[] = [];
  const serverVersion = `${version}.0`;

  const dispatch = (service: string, method: string, params: RpcValue[]): RpcValue => {
    if (service === 'common' && method === 'version') {
      return { server_version: serverVersion, server_version_info: [version, 0, 0, 'final', 0, ''], server_serie: serverVersion, protocol_version: 1 };
    }
    if (service === 'common' && method === 'authenticate') {
      const [d, l, k] = params;
      if (d !== db) throw new Fault(odooErrors.builtin('psycopg2.OperationalError', `connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  database "${String(d)}" does not exist`));
      return l === login && k === key ? uid : false;
    }
    if (service === 'object' && method === 'execute_kw') {
      const [d, u, k, model, modelMethod, args] = params;
      calls[calls.length - 1]!.model = String(model);
      calls[calls.length - 1]!.modelMethod = String(modelMethod);
      if (d !== db || u !== uid || k !== key) throw new Fault(odooErrors.accessDenied());
      if (model === 'ir.model' && modelMethod === 'search_read') return Object.keys(models).map((m, i) => ({ id: i + 1, model: m }));
      const fields = models[String(model)];
      if (!fields) throw new Fault(odooErrors.userError(`Object ${String(model)} doesn't exist`));
      if (modelMethod === 'fields_get') {
        const out: Record<string, RpcValue> = {};
        for (const f of fields) out[f] = { type: f === 'id' ? 'integer' : 'char' };
        return out;
      }
      void args;
      throw new Fault(odooErrors.builtin('AttributeError', `The method '${String(modelMethod)}' does not exist on the model '${String(model)}'`));
    }
    throw new Fault(odooErrors.builtin('NameError', `method ${method} is not supported by the mini Odoo`));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push(body.toString('utf8'));
      let answer: RpcAnswer;
      const path = req.url ?? '';
      if (path.startsWith('/xmlrpc/2/')) {
        const service = path.slice('/xmlrpc/2/'.length);
        try {
          const call = decodeMethodCall(body);
          calls.push({ service, method: call.methodName });
          answer = xmlrpcResultAnswer(dispatch(service, call.methodName, call.params));
        } catch (err) {
          answer = xmlrpcFaultAnswer(err instanceof Fault ? err.err : odooErrors.builtin('ValueError', String(err)), { legacy: false, version });
        }
      } else if (path === '/jsonrpc') {
        let id: RpcValue | undefined;
        try {
          const env = parseJson(body);
          if (!isStruct(env) || !isStruct(env.params)) throw new Error('bad envelope');
          id = env.id;
          const service = String(env.params.service);
          const method = String(env.params.method);
          calls.push({ service, method });
          answer = jsonrpcResultAnswer(id, dispatch(service, method, (env.params.args as RpcValue[]) ?? []));
        } catch (err) {
          answer = jsonrpcErrorAnswer(id, err instanceof Fault ? err.err : odooErrors.builtin('ValueError', String(err)), version);
        }
      } else {
        answer = { status: 404, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: 'Not Found' };
      }
      res.writeHead(answer.status, { ...answer.headers, Connection: 'close' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
