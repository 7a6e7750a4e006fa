// An upstream that stands where Odoo is, passes every call on to the stand-in, and may change the
// answer to some of them: what Odoo answers that the stand-in cannot (other data, other versions,
// errors), for tests of how the proxy reads answers and its own look-ups.

import http from 'node:http';
import type { Standin } from '../standin/server.js';
import type { Upstream } from './proxy-harness.js';

/** An answer as the upstream passes it on: status and body text. */
export interface PassedAnswer {
  status: number;
  text: string;
}

/**
 * Starts such an upstream: `pick` sees each request (its URL and body) and returns how to change
 * the answer to it, or undefined to pass the stand-in's answer on unchanged.
 */
export function rewritingUpstream(pick: (url: string, body: string) => ((answer: PassedAnswer) => PassedAnswer) | undefined): (standin: Standin) => Promise<Upstream> {
  return async (standin) => {
    const target = new URL(standin.url);
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const change = pick(req.url ?? '/', body.toString('utf8'));
        const call = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
          const parts: Buffer[] = [];
          r.on('data', (c: Buffer) => parts.push(c));
          r.on('end', () => {
            const answer = { status: r.statusCode!, text: Buffer.concat(parts).toString('utf8') };
            const out = change ? change(answer) : answer;
            res.writeHead(out.status, { 'Content-Type': r.headers['content-type'] ?? 'text/plain', 'Content-Length': String(Buffer.byteLength(out.text)) });
            res.end(out.text);
          });
        });
        call.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
  };
}
