// The machine a run happened on, for RESULTS.md: CPU, cores, memory, Node, load, date.

import { cpus, loadavg, totalmem, release, platform, availableParallelism } from 'node:os';

export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  os: string;
  loadAtStart: number[];
}

export function machineInfo(): MachineInfo {
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    os: `${platform()} ${release()}`,
    loadAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function loadNow(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}, ${m.os}; ${m.date}; load average at start ${m.loadAtStart.join(' ')}`;
}
