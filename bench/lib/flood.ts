// Starting the flood (bench/lib/flood-child.ts, in its own process) and the decoy server the
// flood row aims it at as a control; shared by the flood row and bench/flood-probe.ts.

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuMs } from './proc.js';
import type { FloodConfig, FloodReport } from './flood-child.js';

const CHILD = fileURLToPath(new URL('./flood-child.js', import.meta.url));

/** Runs one flood to its end; resolves with its report and the CPU its process used. */
export function startFlood(cfg: FloodConfig): Promise<FloodReport & { cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [JSON.stringify(cfg)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m: FloodReport) => {
      let cpu = NaN;
      try {
        cpu = cpuMs(child.pid!);
      } catch {
        // gone already
      }
      resolve({ ...m, cpuMs: cpu });
    });
    child.once('exit', (code) => code !== 0 && reject(new Error(`the flood exited with ${code}`)));
  });
}

// A control: the same flood aimed at a minimal node:http server in another process, which answers
// every request at once. The machine's cores are as busy (flood generator, a server answering it)
// but the proxy is not involved, so what valid traffic loses then is not the proxy's doing.
const DECOY = `const s=require('http').createServer((q,r)=>{q.resume();q.on('end',()=>{r.setHeader('Content-Type','text/xml');r.setHeader('Content-Length','40');r.end('<fault>too many failed attempts</fault>\\n')})});s.listen(0,'127.0.0.1',()=>process.stdout.write(String(s.address().port)+'\\n'))`;

export async function startDecoy(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', DECOY], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the decoy exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

