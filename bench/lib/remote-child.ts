// A remote Odoo for the benchmarks, in its own process: a TLS front server (as nginx, Odoo.sh or
// Odoo Online put in front of Odoo: Odoo itself does not speak TLS) passing each connection to the
// stand-in, behind a relay that delays every byte by half a round trip each way. The relay accepts
// at once (loopback), so the TCP handshake's round trip is added to the first bytes a connection
// sends: they reach the server no sooner than 1.5 round trips after the connect, as on a real link.
//   node remote-child.js '{"upstream":"http://127.0.0.1:PORT","rttMs":20,"key":"...pem","cert":"...pem"}'

import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { delayed } from './delayed.js';

interface Config {
  upstream: string;
  rttMs: number;
  key: string;
  cert: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const upstream = new URL(config.upstream);
const front = tls.createServer({ key: readFileSync(config.key), cert: readFileSync(config.cert) }, (client) => {
  const odoo = net.connect({ host: upstream.hostname, port: Number(upstream.port) });
  client.on('error', () => odoo.destroy());
  odoo.on('error', () => client.destroy());
  client.pipe(odoo);
  odoo.pipe(client);
});
front.on('tlsClientError', () => {});
await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
const frontPort = (front.address() as net.AddressInfo).port;

const half = config.rttMs / 2;
const relay = net.createServer((client) => {
  const accepted = performance.now();
  const server = net.connect({ host: '127.0.0.1', port: frontPort });
  client.setNoDelay(true);
  server.setNoDelay(true);
  client.on('error', () => server.destroy());
  server.on('error', () => client.destroy());
  client.on('close', () => setTimeout(() => server.destroy(), config.rttMs));
  server.on('close', () => setTimeout(() => client.destroy(), config.rttMs));
  // SYN, SYN-ACK: the client's first bytes leave one round trip after it began to connect.
  delayed(client, server, half, accepted + config.rttMs + half);
  delayed(server, client, half, 0);
});
await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
process.send!({ port: (relay.address() as net.AddressInfo).port });
process.on('disconnect', () => process.exit(0));
