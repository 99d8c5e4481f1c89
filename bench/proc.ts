// What /proc tells about a server and its worker processes: CPU time and resident memory.
import { readFileSync, readdirSync } from 'node:fs';

// USER_HZ of /proc/<pid>/stat: 100 on Linux
export const CLOCK_TICKS = 100;

export function childrenOf(pid: number): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      return readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(pid);
    } catch {
      return false;
    }
  }).map(Number);
}

/**
 * CPU time (user + system, in clock ticks) of a server and its worker processes. Per request it is
 * steadier than req/s on a noisy machine: it does not count the time the server waited for a core.
 */
export function treeCpuTicks(pid: number): number {
  let ticks = 0;
  for (const p of [pid, ...childrenOf(pid)]) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch { /* exited */ }
  }
  return ticks;
}

function rssOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of the largest process in the tree (a worker, or the server itself). */
export function workerRss(pid: number): number {
  return Math.max(rssOf(pid), ...childrenOf(pid).map(rssOf));
}
