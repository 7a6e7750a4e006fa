#!/usr/bin/env node
// Runs the Odoo stand-in on its own, for the demo script and benchmarks:
//   node dist/test/standin/main.js --version 19 --port 8069 [--host 127.0.0.1] [--fast] [--auditlog] [--no-rpc] [--print-keys]
// Prints its URL, database and the users' logins; API keys only with --print-keys.

import { parseArgs } from 'node:util';
import { startStandin } from './server.js';

const USAGE = 'usage: main.js --version 18|19 [--port N] [--host ADDR] [--fast] [--auditlog] [--no-rpc] [--latency MS] [--keep-alive] [--print-keys] [--json]';

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        version: { type: 'string', default: '19' },
        port: { type: 'string', default: '8069' },
        host: { type: 'string', default: '127.0.0.1' },
        fast: { type: 'boolean', default: false },
        auditlog: { type: 'boolean', default: false },
        // An Odoo without XML-RPC and JSON-RPC (announced after 19): /xmlrpc* and /jsonrpc answer 404.
        'no-rpc': { type: 'boolean', default: false },
        latency: { type: 'string', default: '0' },
        // Not Odoo: connections stay open (benchmarks only, to measure what Connection: close costs).
        'keep-alive': { type: 'boolean', default: false },
        'print-keys': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const version = Number(values.version);
  const port = Number(values.port);
  const latency = Number(values.latency);
  if ((version !== 18 && version !== 19) || !Number.isInteger(port) || port < 0 || port > 65535 || !(latency >= 0)) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  // --fast: nothing kept per request (no `received` log), no added latency: an answer in about a millisecond.
  const standin = await startStandin({ version, port, host: values.host, auditlog: values.auditlog, rpc: !values['no-rpc'], latencyMs: values.fast ? 0 : latency, logLimit: values.fast ? 0 : 1000, keepAlive: values['keep-alive'] });
  // Registered before anything is printed: whoever reads our first line may stop us at once.
  const stop = (): void => {
    standin.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Benchmarks only (node --expose-gc): SIGUSR2 runs a full collection and says so on stdout, so
  // each large transfer starts from the same heap rather than from the garbage of the one before.
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    process.on('SIGUSR2', () => {
      const t0 = performance.now();
      gc();
      process.stdout.write(`${JSON.stringify({ gc: performance.now() - t0 })}\n`);
    });
  }
  const users = Object.fromEntries(
    Object.entries(standin.users).map(([name, u]) => [name, { login: u.login, uid: u.uid, ...(values['print-keys'] ? { apiKey: u.apiKey, password: u.password } : {}) }]),
  );
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ url: standin.url, db: standin.db, version: standin.version, auditlog: standin.auditlog, users })}\n`);
  } else {
    process.stdout.write(`Odoo ${version}.0 stand-in listening on ${standin.url}\ndatabase: ${standin.db}\n`);
    for (const [name, u] of Object.entries(users)) {
      const extra = values['print-keys'] ? `  api key: ${u.apiKey ?? '-'}  password: ${u.password}` : '';
      process.stdout.write(`user ${name}: login ${u.login}, uid ${u.uid}${extra}\n`);
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`stand-in failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
