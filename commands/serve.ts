import { Flags } from '../src/cli/oclif.js';
import { RegistryCommand } from './shared/registry-command.js';
import { configHome } from '../src/registry/paths.js';
import { usageError, CliError, EXIT } from '../src/cli/errors.js';
import { parseDuration } from '../src/cli/time.js';
import { parseSize } from '../src/proxy/http.js';
import { LimitSyntaxError, parseCidr } from '../src/policy/limits.js';
import { createLogger, isLogLevel } from '../src/proxy/log.js';
import { parseListen } from '../src/proxy/server.js';
import { readTls, startProxy, StartupError } from '../src/proxy/runtime.js';

export default class Serve extends RegistryCommand {
  static override summary = 'Run the proxy: integrations call it as they would call Odoo, with an odk_ key.';
  static override description = `Serves /xmlrpc/2/*, /xmlrpc/*, /jsonrpc and /json/2/<model>/<method>, checks every call against the key's scope, forwards allowed calls to Odoo with the profile's real credentials and journals every call. keys.yaml is watched: create, scope, rotate and revoke take effect within a second. SIGHUP reloads; SIGTERM and SIGINT drain calls in flight and flush the journal, then exit 0 (1 when journal lines could not be written); a second SIGTERM or SIGINT during the drain stops waiting (clients still connected are cut off, calls still at Odoo are journaled as NotAwaited) and exits 0 as well.`;
  static override examples = ['<%= config.bin %> serve', '<%= config.bin %> serve --listen 0.0.0.0:8169 --trust-proxy 1 --retain 90d', '<%= config.bin %> serve --profile prod --profile staging --tls-cert cert.pem --tls-key key.pem'];

  static override flags = {
    listen: Flags.string({ description: 'address and port to listen on', default: '127.0.0.1:8169' }),
    profile: Flags.string({ description: 'profile to serve (repeatable); default: the default profile', multiple: true, env: 'ODOO_KEYS_PROFILE' }),
    'tls-cert': Flags.string({ description: 'TLS certificate (PEM); serve HTTPS', dependsOn: ['tls-key'] }),
    'tls-key': Flags.string({ description: 'TLS private key (PEM)', dependsOn: ['tls-cert'] }),
    'trust-proxy': Flags.integer({ description: 'reverse proxies in front whose X-Forwarded-For to believe', default: 0, min: 0 }),
    'trust-proxy-from': Flags.string({ description: 'addresses (CIDR, repeatable or comma-separated) of those reverse proxies; default: loopback and private networks', multiple: true }),
    metrics: Flags.boolean({ description: 'serve GET /metrics (Prometheus: calls by key id, decision, outcome); readable by whoever reaches the port', default: false }),
    'max-body': Flags.string({ description: "largest request body accepted (Odoo's own limit is 128 MiB)", default: '10mb' }),
    'audit-dir': Flags.string({ description: 'journal folder (default: $XDG_STATE_HOME/odoo-keys/journal)' }),
    retain: Flags.string({ description: 'remove journal files older than this (e.g. 90d)' }),
    'log-level': Flags.string({ description: 'debug, info, warn or error', default: 'info' }),
    'upstream-protocol': Flags.string({
      description: "'auto' (the client's own, JSON-2 for JSON-2 clients) or 'json2' (every client carried over JSON-2, for an Odoo without XML-RPC and JSON-RPC); for every profile served; default: each profile's own (json2 when it records protocol json2, as login --protocol json2 does, else auto)",
      options: ['auto', 'json2'],
    }),
    'upstream-key-file': Flags.string({ description: 'file (mode 0600) holding the upstream API key of the one profile served, for servers without a keychain (several profiles: record a key file for each with login --upstream-key-file)' }),
    'upstream-timeout': Flags.string({ description: 'give up on an Odoo answer after this long', default: '120s' }),
    'max-concurrent': Flags.integer({ description: 'calls in flight to Odoo at once, all keys together', default: 32, min: 1 }),
    'max-connections': Flags.integer({ description: 'client connections open at once; past it 8 more are kept for /healthz and /metrics (calls there get a 503), then new ones are closed at once (default: what the open-files limit leaves after Odoo sockets and the proxy\'s own files)', min: 1 }),
    'max-concurrent-per-key': Flags.integer({ description: 'calls in flight to Odoo at once for one key', default: 8, min: 1 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    if (!isLogLevel(flags['log-level'])) throw usageError(`--log-level: '${flags['log-level']}' is not one of debug, info, warn, error`);
    let listenAt: { host: string; port: number };
    let maxBody: number;
    let trustFrom: string[] | undefined;
    try {
      listenAt = parseListen(flags.listen);
      maxBody = parseSize(flags['max-body']);
      trustFrom = flags['trust-proxy-from']?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
      for (const c of trustFrom ?? []) parseCidr(c);
    } catch (e) {
      throw usageError(`${e instanceof LimitSyntaxError ? '--trust-proxy-from: ' : ''}${(e as Error).message}`);
    }
    if (trustFrom && flags['trust-proxy'] === 0) throw usageError('--trust-proxy-from needs --trust-proxy (how many reverse proxies are in front)');
    // One key file, one key: applied to several profiles it would be sent to each one's Odoo.
    const served = new Set(flags.profile ?? []);
    if (flags['upstream-key-file'] && served.size > 1) {
      throw usageError(
        `--upstream-key-file holds one key and ${served.size} profiles are served (${[...served].join(', ')}); record a key file for each instead: odoo-keys login <profile> --upstream-key-file PATH`,
      );
    }
    const retainMs = flags.retain ? parseDuration(flags.retain, '--retain') : undefined;
    const log = createLogger(flags['log-level']);
    const tls = flags['tls-cert'] && flags['tls-key'] ? await readTls(flags['tls-cert'], flags['tls-key']) : undefined;

    let proxy;
    try {
      proxy = await startProxy({
        home: configHome(flags.home),
        profiles: flags.profile ?? [],
        host: listenAt.host,
        port: listenAt.port,
        auditDir: flags['audit-dir'],
        retainMs,
        upstreamKeyFile: flags['upstream-key-file'],
        upstreamTimeoutMs: parseDuration(flags['upstream-timeout'], '--upstream-timeout'),
        proxy: {
          maxBodyBytes: maxBody,
          // Unset: startProxy takes it from the profiles.
          ...(flags['upstream-protocol'] ? { upstreamProtocol: flags['upstream-protocol'] as 'auto' | 'json2' } : {}),
          maxConcurrent: flags['max-concurrent'],
          maxConcurrentPerKey: flags['max-concurrent-per-key'],
        },
        server: { metrics: flags.metrics, trustProxyHops: flags['trust-proxy'], ...(trustFrom ? { trustProxyFrom: trustFrom } : {}), maxBodyBytes: maxBody, ...(flags['max-connections'] ? { maxConnections: flags['max-connections'] } : {}), ...(tls ? { tls } : {}) },
        log,
      });
    } catch (e) {
      if (e instanceof StartupError && e.source === 'journal') throw new CliError(e.message, 'journal_unavailable', EXIT.FAILURE);
      if (e instanceof StartupError) throw new CliError(e.message, 'startup_failed', EXIT.UPSTREAM);
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new CliError(`${flags.listen} is already in use`, 'address_in_use', EXIT.FAILURE);
      throw e;
    }
    this.logToStderr(`odoo-keys: proxy listening on ${proxy.url} (Ctrl-C to stop)`);

    const failed = await new Promise<Error | null>((resolve) => {
      let stopping = false;
      let hurried = false;
      const stop = (signal: string): void => {
        if (stopping) {
          // A second Ctrl-C: the operator will not wait for the drain. Clients are cut off and Odoo's
          // answers are not awaited, but every call still gets its journal line. Later ones: nothing more to do.
          if (hurried) return;
          hurried = true;
          log.warn('second signal: not waiting for calls in flight', { signal });
          proxy.hurry();
          return;
        }
        stopping = true;
        log.info('draining calls in flight', { signal });
        proxy.close().then(
          () => resolve(null),
          (e: Error) => {
            log.error('shutdown failed', { error: e.message });
            resolve(e);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGHUP', () => {
        log.info('reloading registry', { signal: 'SIGHUP' });
        void proxy.reload();
      });
    });
    // Not 0: a service manager must see a shutdown that lost journal lines (they are in the log).
    if (failed) throw new CliError(`shutdown failed: ${failed.message}`, 'shutdown_failed', EXIT.FAILURE);
  }
}
