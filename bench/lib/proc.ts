// What the kernel says about a process: CPU time used and resident memory (current and peak).
// Read from /proc, so the measured process does nothing to be measured.

import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU time of a process, in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Resident memory now, in bytes. */
export function rssBytes(pid: number): number {
  return statusField(pid, 'VmRSS');
}

/** Peak resident memory since the process started (the kernel's high-water mark), in bytes. */
export function peakRssBytes(pid: number): number {
  return statusField(pid, 'VmHWM');
}

/**
 * Samples VmRSS every `everyMs` until stopped; returns the largest sample, and the largest
 * private part (RssAnon: the heap, buffers and stacks the process allocated; the rest of RSS is
 * the node binary and libraries mapped from disk, which every Node process shares).
 */
export function sampleRss(pid: number, everyMs = 10): { stop(): { maxBytes: number; maxAnonBytes: number; samples: number } } {
  let maxBytes = 0;
  let maxAnonBytes = 0;
  let samples = 0;
  const t = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
      maxBytes = Math.max(maxBytes, kb('VmRSS'));
      maxAnonBytes = Math.max(maxAnonBytes, kb('RssAnon'));
      samples++;
    } catch {
      // the process is gone
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(t);
      return { maxBytes, maxAnonBytes, samples };
    },
  };
}

/**
 * Restricts a running process and all its threads to the given CPUs (`taskset -a -p -c`, from
 * util-linux). Threads it starts later inherit the mask from the thread that starts them.
 */
export function pinToCpus(pid: number, cpus: string): void {
  const r = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset -a -p -c ${cpus} ${pid} failed: ${(r.stderr || r.error?.message || '').trim()}`);
}

/**
 * Puts `proxies` on the last CPU this process may use, and `others` and this process (the client or
 * load generator) on the rest: the proxy's cost when it does not share Odoo's cores. Returns the
 * sentence that says so, and `restore`, which gives this process back every CPU it had.
 */
export function pinProxiesApart(row: string, proxies: number[], others: number[]): { split: string; restore: () => void } {
  const cpus = allowedCpus();
  if (cpus.length < 2) throw new Error(`row ${row} needs 2 CPUs or more; this process may use ${cpus.join(',')}`);
  const own = String(cpus[cpus.length - 1]);
  const rest = cpus.slice(0, -1).join(',');
  for (const pid of proxies) pinToCpus(pid, own);
  for (const pid of [...others, process.pid]) pinToCpus(pid, rest);
  return { split: `The proxies (odoo-keys and the bare one) run on CPU ${own} alone; the stand-in and this process (the client) on CPU ${rest}, for direct calls too. `, restore: () => pinToCpus(process.pid, cpus.join(',')) };
}

/** The CPUs this process may run on, as taskset reports them (`0,1` or `0-3`). */
export function allowedCpus(): number[] {
  const r = spawnSync('taskset', ['-p', '-c', String(process.pid)], { encoding: 'utf8' });
  const list = /:\s*([\d,-]+)\s*$/.exec(r.stdout ?? '')?.[1];
  if (r.status !== 0 || !list) throw new Error(`taskset cannot read this process's CPUs: ${(r.stderr || r.error?.message || '').trim()}`);
  return parseCpuList(list);
}

/** A kernel CPU list (`0,2-4`) as numbers. */
export function parseCpuList(list: string): number[] {
  return list.split(',').flatMap((part) => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`not a CPU list: '${list}'`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}
