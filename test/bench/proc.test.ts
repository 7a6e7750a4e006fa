// The benchmark's CPU pinning: the kernel's CPU lists read right, and a pinned process really runs
// only where it was put (taskset, from util-linux, is on every Debian machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { allowedCpus, parseCpuList, pinProxiesApart, pinToCpus } from '../../bench/lib/proc.js';

test('CPU lists: single CPUs, ranges and both', () => {
  assert.deepEqual(parseCpuList('0'), [0]);
  assert.deepEqual(parseCpuList('0,1'), [0, 1]);
  assert.deepEqual(parseCpuList('0-3'), [0, 1, 2, 3]);
  assert.deepEqual(parseCpuList('0,2-4,7'), [0, 2, 3, 4, 7]);
  assert.throws(() => parseCpuList('0-'), /not a CPU list/);
  assert.throws(() => parseCpuList(''), /not a CPU list/);
});

const TASKSET = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).error === undefined;

test('a process pinned to one CPU reports that CPU alone, for every thread', { skip: TASKSET ? false : 'taskset is not installed (util-linux)' }, async (t) => {
  const cpus = allowedCpus();
  assert.ok(cpus.length >= 1);
  // Pinned once it runs, its threads started, as the benchmark pins its servers.
  const child = spawn(process.execPath, ['-e', 'console.log("ready"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => child.kill('SIGKILL'));
  await new Promise((r) => child.stdout.once('data', r));
  const last = cpus[cpus.length - 1]!;
  pinToCpus(child.pid!, String(last));
  // Every thread of the child (node's libuv and V8 threads among them) has the new mask.
  const threads = spawnSync('ls', [`/proc/${child.pid}/task`], { encoding: 'utf8' }).stdout.trim().split('\n');
  assert.ok(threads.length > 1, 'node runs more than one thread');
  for (const tid of threads) {
    const r = spawnSync('taskset', ['-p', '-c', tid], { encoding: 'utf8' });
    assert.match(r.stdout, new RegExp(`:\\s*${last}\\s*$`), `thread ${tid}: ${r.stdout}`);
  }
  assert.throws(() => pinToCpus(child.pid!, '999'), /taskset -a -p -c 999/);
});

test('pinned rows: the proxies on the last CPU alone, the others and this process on the rest, until restore', { skip: !TASKSET ? 'taskset is not installed (util-linux)' : allowedCpus().length < 2 ? 'needs 2 CPUs' : false }, async (t) => {
  const cpus = allowedCpus();
  const start = () => spawn(process.execPath, ['-e', 'console.log("ready"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const proxy = start();
  const other = start();
  t.after(() => {
    proxy.kill('SIGKILL');
    other.kill('SIGKILL');
    pinToCpus(process.pid, cpus.join(','));
  });
  await Promise.all([proxy, other].map((c) => new Promise((r) => c.stdout.once('data', r))));
  const maskOf = (pid: number): number[] => parseCpuList(/:\s*([\d,-]+)\s*$/.exec(spawnSync('taskset', ['-p', '-c', String(pid)], { encoding: 'utf8' }).stdout)![1]!);
  const { split, restore } = pinProxiesApart('test', [proxy.pid!], [other.pid!]);
  const last = cpus[cpus.length - 1]!;
  assert.deepEqual(maskOf(proxy.pid!), [last]);
  assert.deepEqual(maskOf(other.pid!), cpus.slice(0, -1));
  assert.deepEqual(maskOf(process.pid), cpus.slice(0, -1));
  assert.match(split, new RegExp(`CPU ${last} alone`));
  restore();
  assert.deepEqual(maskOf(process.pid), cpus);
});
