// Signals: SIGINT, SIGTERM and SIGHUP sent to exec reach the command; Ctrl-C on a terminal
// reaches it once; exec killed with SIGKILL leaves no working key behind.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { PTY_SKIP, runCli, runCliInPty } from '../support/cli.js';
import { alive, execWorld, startExec, type ExecWorld } from './support.js';
import { startProxy } from '../../src/proxy/runtime.js';
import { silentLogger } from '../../src/proxy/log.js';

const SCOPE = ['--scope', 'res.partner:read(name)'];

const REPORT_SIGNAL = String.raw`
import os, signal, time
def report(n, frame):
    print('got', signal.Signals(n).name, flush=True)
    # Then die of it, as a command without a handler would.
    signal.signal(n, signal.SIG_DFL)
    os.kill(os.getpid(), n)
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, report)
print('ready', flush=True)
while True:
    time.sleep(1)
`;

// Every SIGINT the command gets, with its sender: the kernel (pid 0, SI_KERNEL) for the
// terminal's Ctrl-C, exec's pid for a forwarded one. Blocked and waited for, so none is missed
// once the first has been taken.
const COUNT_SIGINT = String.raw`
import os, signal
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
print('exec is', os.getppid(), flush=True)
print('ready', flush=True)
info = signal.sigwaitinfo({signal.SIGINT})
seen = [(info.si_pid, info.si_code)]
# A second SIGINT, if exec forwarded the terminal's Ctrl-C again, would land in this second.
while True:
    info = signal.sigtimedwait({signal.SIGINT}, 1.0)
    if info is None:
        break
    seen.append((info.si_pid, info.si_code))
print('sigints', seen, flush=True)
`;

const OUTLIVE_EXEC = String.raw`
import json, os, sys, xmlrpc.client
url, db, key = os.environ['ODOO_URL'], os.environ['ODOO_DB'], os.environ['ODOO_PASSWORD']
m = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object')
first = m.execute_kw(db, 7, key, 'res.partner', 'search_count', [[]])
print(json.dumps({'pid': os.getpid(), 'first': first, 'key': key, 'url': url}), flush=True)
sys.stdin.readline()
try:
    m.execute_kw(db, 7, key, 'res.partner', 'search_count', [[]])
    second = 'allowed'
except Exception as e:
    second = type(e).__name__
print(json.dumps({'second': second}), flush=True)
`;

// A command that leaves a process behind (a daemon, in a session of its own) with a write under
// way, and exits when told to on stdin. The daemon prints its pid so that the test can end it.
const LEAVE_A_CALL_BEHIND = String.raw`
import { spawn } from 'node:child_process';
const write = (name) => fetch(process.env.ODOO_URL + '/json/2/res.partner/write', { method: 'POST', body: JSON.stringify({ ids: [1], vals: { name } }),
  headers: { Authorization: 'bearer ' + process.env.ODOO_API_KEY, 'X-Odoo-Database': process.env.ODOO_DB, 'Content-Type': 'application/json' } });
if (process.argv[1] === 'daemon') {
  write('left behind').then(() => {}, () => {});
  setInterval(() => {}, 1 << 30);
} else {
  console.log('warm', (await write('warm')).status);
  process.stdin.once('data', () => {
    const d = spawn(process.execPath, ['--input-type=module', '-e', process.argv[1], 'daemon'], { detached: true, stdio: 'ignore' });
    d.unref();
    console.log('daemon', d.pid);
    process.stdin.once('data', () => process.exit(5));
  });
}
`;

/** Kills a detached exec's whole process group (exec and its command), whatever state the test left. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

describe('exec and signals', () => {
  let w: ExecWorld;
  before(async () => {
    w = await execWorld(19);
  });
  after(() => w.close());

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    test(`${signal} sent to exec is forwarded; exec exits 128 + ${constants.signals[signal]}`, async (t) => {
      const script = w.script(`report-${signal}.py`, REPORT_SIGNAL);
      // A session of its own: no terminal, as under a supervisor or in CI.
      const run = startExec(w, ['--log-level', 'debug', ...SCOPE, '--', 'python3', script], { detached: true });
      t.after(() => killGroup(run.child.pid));
      await run.waitFor(/^ready\n/m);
      process.kill(run.child.pid!, signal);
      const r = await run.done;
      assert.match(r.stdout, new RegExp(`^got ${signal}$`, 'm'), r.stderr);
      assert.equal(r.code, 128 + constants.signals[signal]);
      assert.match(r.stderr, new RegExp(`"msg":"signal forwarded to the command","signal":"${signal}"`));
    });
  }

  test('a signal sent to exec by its command as its very first act is forwarded, not fatal to exec (exec catches signals before the command starts)', async (t) => {
    // The command signals exec the moment it runs, before it could print anything: exec must
    // already be listening, or SIGTERM's default action ends exec and leaves the command running
    // without its proxy, holding exec's output open (`exec sleep`: the forwarded SIGTERM ends it).
    const run = startExec(w, ['--log-level', 'debug', ...SCOPE, '--', 'sh', '-c', 'kill -TERM $PPID; exec sleep 3'], { detached: true });
    t.after(() => killGroup(run.child.pid));
    const r = await run.done;
    assert.equal(r.signal, null, `exec died of ${r.signal}: ${r.stderr}`);
    assert.equal(r.code, 128 + constants.signals.SIGTERM, r.stderr);
    assert.match(r.stderr, /"msg":"signal forwarded to the command","signal":"SIGTERM"/);
  });

  test('Ctrl-C on a terminal reaches the command once (the terminal sends it; exec does not repeat it)', { skip: PTY_SKIP }, async () => {
    const script = w.script('count-sigint.py', COUNT_SIGINT);
    const r = await runCliInPty(w, ['exec', '--log-level', 'debug', ...SCOPE, '--', 'python3', script], [{ expect: 'ready\r\n', send: '\x03' }]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // exec saw the Ctrl-C too, and left it to the terminal (its log says so: the count below can
    // miss a repeat that arrives before the command took the first).
    assert.match(r.stdout, /"msg":"signal not forwarded: the terminal sent it to the command as well","signal":"SIGINT"/);
    assert.doesNotMatch(r.stdout, /signal forwarded to the command/);
    // One SIGINT, from the terminal (SI_KERNEL = 128); none from exec.
    assert.match(r.stdout, /sigints \[\(0, 128\)\]/, r.stdout);
  });

  test("SIGUSR1 does not open Node's inspector (every local user could reach it, and the upstream key in memory)", async (t) => {
    const script = w.script('report-usr1.py', REPORT_SIGNAL);
    const run = startExec(w, [...SCOPE, '--', 'python3', script], { detached: true });
    t.after(() => killGroup(run.child.pid));
    await run.waitFor(/^ready\n/m);
    process.kill(run.child.pid!, 'SIGUSR1');
    const seen = await run.waitFor(/SIGUSR1 ignored|Debugger listening|Starting inspector/, 'stderr');
    assert.equal(seen[0], 'SIGUSR1 ignored');
    // Still serving, and still forwarding signals: the command ends as usual.
    process.kill(run.child.pid!, 'SIGTERM');
    const r = await run.done;
    assert.equal(r.code, 128 + constants.signals.SIGTERM, r.stderr);
    assert.doesNotMatch(r.stderr, /Debugger listening|Starting inspector/);
  });

  test('exec killed with SIGKILL: the command lives on, its key works nowhere', async (t) => {
    const script = w.script('outlive.py', OUTLIVE_EXEC);
    const run = startExec(w, [...SCOPE, '--', 'python3', script], { detached: true });
    t.after(() => killGroup(run.child.pid));
    const first = JSON.parse((await run.waitFor(/^\{"pid".*\n/m))[0]);
    assert.equal(typeof first.first, 'number', 'the key worked while exec ran');
    const execExited = new Promise((resolve) => run.child.once('exit', resolve));
    process.kill(run.child.pid!, 'SIGKILL');
    await execExited;
    assert.ok(alive(first.pid), 'the command outlived exec');
    // The command tries its key again through the proxy it was given: nothing is there.
    run.child.stdin!.write('go\n');
    const second = JSON.parse((await run.waitFor(/^\{"second".*\n/m))[0]);
    assert.equal(second.second, 'ConnectionRefusedError');
    // Nor through any other proxy of this registry: the key was never anywhere but in exec's memory.
    const proxy = await startProxy({ home: w.home, profiles: [], host: '127.0.0.1', port: 0, auditDir: null, stateDir: w.state, log: silentLogger, watch: false });
    t.after(() => proxy.close(500));
    const res = await fetch(`${proxy.url}/jsonrpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'call', params: { service: 'object', method: 'execute_kw', args: [w.standin.db, 7, first.key, 'res.partner', 'search_count', [[]]] } }),
    });
    const body = (await res.json()) as { error?: { data?: { message?: string } } };
    assert.equal(body.error?.data?.message, 'odoo-keys: invalid key');
    // The journal exec left behind (killed mid-run) still verifies, and the next exec takes over its chain.
    const verify = await runCli(w, ['audit', 'verify']);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    const again = startExec(w, [...SCOPE, '--', 'true']);
    again.child.stdin!.end();
    assert.equal((await again.done).code, 0);
  });

  test("a signal while exec waits for a call its command left at Odoo stops the wait: the call is journaled, exec exits with the command's code", async (t) => {
    const run = startExec(w, ['--scope', 'res.partner:read,write(name)', '--', process.execPath, '--input-type=module', '-e', LEAVE_A_CALL_BEHIND, LEAVE_A_CALL_BEHIND], { detached: true });
    let daemon: number | undefined;
    t.after(() => {
      killGroup(run.child.pid);
      if (daemon !== undefined) killGroup(daemon);
      w.standin.faults.delayMs = 0;
    });
    await run.waitFor(/^warm 200$/m);
    // Odoo holds the daemon's write far longer than the test runs (exec would wait 30 s for it).
    w.standin.faults.delayMs = 10 * 60_000;
    const seen = w.standin.received.length;
    run.child.stdin!.write('go\n');
    daemon = Number((await run.waitFor(/^daemon (\d+)$/m))[1]);
    for (let i = 0; i < 3000 && w.standin.received.length === seen; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(w.standin.received.length > seen, "the daemon's write reached Odoo");
    run.child.stdin!.write('exit\n');
    // exec says what it waits for, and that Ctrl-C ends the wait; then it gets a SIGTERM (or the Ctrl-C).
    await run.waitFor(/ended; waiting for Odoo to answer 1 call still in flight.*\(Ctrl-C to stop waiting\)/, 'stderr');
    process.kill(run.child.pid!, 'SIGTERM');
    const r = await run.done;
    assert.equal(r.signal, null, 'exec was not killed by the signal');
    assert.equal(r.code, 5, "the command's own exit code");
    assert.match(r.stderr, /not waiting any longer: the calls still at Odoo are journaled as not awaited/);
    const line = w.journal().filter((e) => e.method === 'write' && e.decision === 'allow').at(-1)!;
    assert.equal(line.outcome, 'upstream_error');
    assert.equal(line.error?.name, 'NotAwaited', JSON.stringify(line));
    const verify = await runCli(w, ['audit', 'verify']);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  });
});
