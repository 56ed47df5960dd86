/**
 * CPU time per thread of this process, from /proc (Linux). The bench names the server thread by
 * elimination: the threads that appear when a server starts, busiest first. Used to report where
 * the CPU goes (server thread vs load generator) and CPU time per request, a server-cost figure
 * that does not depend on how fast the load generator can push.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Per-thread CPU of this process, plus the whole machine's, at one moment. */
export interface CpuSnapshot {
  /** Thread id → CPU ms used so far. */
  readonly threads: ReadonlyMap<number, number>;
  /** CPU ms this process (all threads) has used so far. */
  readonly processMs: number;
  /** CPU ms every core of the machine has spent busy so far, or NaN when /proc/stat is unreadable. */
  readonly machineBusyMs: number;
  /** CPU ms the load generator's own process has used so far, when it runs in one. */
  readonly loadGenMs?: number;
}

function threadCpuMs(tid: number, pid: number | 'self' = 'self'): number | undefined {
  try {
    // schedstat's first field is on-CPU time in ns; stat's utime + stime are in clock ticks (USER_HZ = 100).
    const sched = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1');
    const ns = Number(sched.split(' ')[0]);
    if (Number.isFinite(ns) && ns > 0) return ns / 1e6;
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined; // the thread exited between listing and reading
  }
}

/** Busy time of all cores from /proc/stat's first line (USER_HZ = 100 ticks per second). */
function machineBusyMs(): number {
  try {
    const fields = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - fields[3]! - fields[4]!) * 10;
  } catch {
    return Number.NaN;
  }
}

export function threadIds(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [];
  }
}

/** CPU ms another process has used so far, summed over its threads; undefined once it is gone. */
function processCpuMs(pid: number): number | undefined {
  try {
    let ms = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) ms += threadCpuMs(tid, pid) ?? 0;
    return ms;
  } catch {
    return undefined;
  }
}

/** `loadGenPid`: the load generator's process, when it runs apart from this one. */
export function cpuSnapshot(loadGenPid?: number): CpuSnapshot {
  const threads = new Map<number, number>();
  for (const tid of threadIds()) {
    const ms = threadCpuMs(tid);
    if (ms !== undefined) threads.set(tid, ms);
  }
  const u = process.cpuUsage();
  const loadGenMs = loadGenPid === undefined ? undefined : processCpuMs(loadGenPid);
  return { threads, processMs: (u.user + u.system) / 1000, machineBusyMs: machineBusyMs(), ...(loadGenMs === undefined ? {} : { loadGenMs }) };
}

export interface CpuSplit {
  /** CPU ms of the load generator: its own process when it runs in one, else this main thread. */
  readonly mainMs: number;
  /** CPU ms of the busiest thread among `serverCandidates` (the server's uWS thread). */
  readonly serverMs: number;
  /** The rest of this process: GC helpers, the libuv pool. */
  readonly otherMs: number;
  /** CPU ms other processes on the machine used meanwhile (noise: builds, tests), or NaN. */
  readonly outsideMs: number;
  readonly wallMs: number;
  readonly cores: number;
}

export function splitCpu(before: CpuSnapshot, after: CpuSnapshot, serverCandidates: readonly number[], wallMs: number): CpuSplit {
  const delta = (tid: number): number => (after.threads.get(tid) ?? 0) - (before.threads.get(tid) ?? 0);
  const ownMainMs = delta(process.pid);
  const loadGenMs = after.loadGenMs !== undefined && before.loadGenMs !== undefined ? after.loadGenMs - before.loadGenMs : undefined;
  let serverMs = 0;
  for (const tid of serverCandidates) serverMs = Math.max(serverMs, delta(tid));
  const processMs = after.processMs - before.processMs;
  return {
    mainMs: loadGenMs ?? ownMainMs,
    serverMs,
    // With the load generator apart, this process's main thread (the harness) counts as other.
    otherMs: Math.max(0, processMs - (loadGenMs === undefined ? ownMainMs : 0) - serverMs),
    outsideMs: Math.max(0, after.machineBusyMs - before.machineBusyMs - processMs - (loadGenMs ?? 0)),
    wallMs,
    cores: availableParallelism(),
  };
}

/** Share of the machine's CPU that other processes took, 0..1. */
export function outsideShare(c: CpuSplit): number {
  return c.outsideMs / (c.wallMs * c.cores);
}

/** Measures for `ms` how much CPU other processes use now, as a share of the machine. */
export async function machineNoise(ms: number): Promise<number> {
  const a = cpuSnapshot();
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return outsideShare(splitCpu(a, cpuSnapshot(), [], performance.now() - t0));
}

/** The open-file limit that this process runs under (`ulimit -n`), or undefined when unknown. */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'latin1')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    const n = Number(soft);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** File descriptors this process holds now. */
export function openFileCount(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

/**
 * Waits until other processes leave the machine nearly idle (under `threshold` of its CPU for a
 * whole second), or until `maxMs` has passed; returns the last reading. For shared machines,
 * where a build or test run on the other core would otherwise land in a measured window.
 */
export async function waitForQuiet(maxMs: number, threshold = 0.1): Promise<number> {
  const deadline = performance.now() + maxMs;
  let noise = await machineNoise(1000);
  while (noise > threshold && performance.now() < deadline) noise = await machineNoise(1000);
  return noise;
}
