// A bare pass-through proxy on node:http (read the request, send it upstream on a keep-alive
// agent, pipe the answer back): the floor any Node proxy pays on this machine, to set the
// odoo-keys proxy's cost against. Run as a child: `node bare-proxy.js <upstream url>`.

import http from 'node:http';

const upstream = new URL(process.argv[2]!);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = { 'Content-Length': String(body.length) };
    for (const h of ['content-type', 'authorization', 'x-odoo-database']) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const up = http.request({ hostname: upstream.hostname, port: upstream.port, method: 'POST', path: req.url, headers, agent }, (ur) => {
      const out: Record<string, string> = {};
      for (const h of ['content-type', 'content-length']) {
        const v = ur.headers[h];
        if (typeof v === 'string') out[h] = v;
      }
      res.writeHead(ur.statusCode ?? 502, out);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    up.end(body);
  });
});
process.on('SIGTERM', () => process.exit(0));
server.listen(0, '127.0.0.1', () => {
  const a = server.address() as { port: number };
  process.send?.({ ready: true, url: `http://127.0.0.1:${a.port}` });
});
