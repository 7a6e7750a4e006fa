// A proxy in its own process, for the benchmarks: started from a JSON config (no secrets: the
// upstream key is read from the profile's key file), it reports its URL over IPC and answers
// a few commands (reload, close).

import { startProxy, type RuntimeConfig } from '../../src/proxy/runtime.js';
import { silentLogger } from '../../src/proxy/log.js';

export interface ProxyChildConfig {
  home: string;
  stateDir: string;
  /** null: no journal. */
  auditDir: string | null;
  proxy?: RuntimeConfig['proxy'];
  server?: RuntimeConfig['server'];
}

type Command = { cmd: 'reload'; id: number } | { cmd: 'close'; id: number };

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as ProxyChildConfig;
  const proxy = await startProxy({
    home: config.home,
    profiles: [],
    host: '127.0.0.1',
    port: 0,
    auditDir: config.auditDir,
    stateDir: config.stateDir,
    proxy: config.proxy,
    server: config.server,
    log: silentLogger,
  });
  process.on('message', (m: Command) => {
    void (async () => {
      if (m.cmd === 'reload') {
        const t0 = process.hrtime.bigint();
        await proxy.reload();
        process.send!({ id: m.id, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
      } else if (m.cmd === 'close') {
        await proxy.close(2000);
        process.send!({ id: m.id }, () => process.exit(0));
      }
    })();
  });
  process.send!({ ready: true, url: proxy.url });
}

main().catch((e: unknown) => {
  process.stderr.write(`bench proxy failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
