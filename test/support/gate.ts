// A pass-through in front of the stand-in that holds the calls a test picks until it opens the
// gate: a test can then act (revoke a key, send another call) while a call is known to be upstream.
import http from 'node:http';
import type { Standin } from '../standin/server.js';

export interface Gate {
  url: string;
  close(): Promise<void>;
  /** Paths of the calls that reached Odoo (through the gate), in order. */
  passed: string[];
  /** Resolves when the first held call arrives. */
  arrived: Promise<void>;
  /** Lets the held calls through, and every later one. */
  open(): void;
  /** Resolves when the proxy closes the connection of a held call before the gate let it through. */
  droppedWhileHeld: Promise<void>;
}

/** Starts a gate holding every call whose path ends with `/<method>` (JSON-2) until open(). */
export function gateHolding(method: string): (standin: Standin) => Promise<Gate> {
  return async (standin) => {
    const target = new URL(standin.url);
    let opened = false;
    const held: (() => void)[] = [];
    let signal!: () => void;
    const arrived = new Promise<void>((r) => (signal = r));
    let dropped!: () => void;
    const droppedWhileHeld = new Promise<void>((r) => (dropped = r));
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const send = (): void => {
          gate.passed.push(req.url!);
          const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
            res.writeHead(r.statusCode!, r.headers);
            r.pipe(res);
          });
          up.end(Buffer.concat(chunks));
        };
        if (!opened && req.url!.endsWith(`/${method}`)) {
          held.push(send);
          res.once('close', () => {
            if (held.includes(send)) dropped();
          });
          signal();
        } else send();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const gate: Gate = {
      url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      passed: [],
      arrived,
      droppedWhileHeld,
      open() {
        opened = true;
        for (const s of held.splice(0)) s();
      },
      close: () => new Promise<void>((r) => server.close(() => r())),
    };
    return gate;
  };
}
