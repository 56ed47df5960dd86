/**
 * How streaming scales with server threads, on a machine with cores to spare: the streaming side
 * of the thread-scaling section. Each level starts the simulator with N threads (one uWS app each
 * on the same port, connections spread by the kernel) on the last N cores, and load-generator
 * processes on the first cores, one per core, each holding an equal share of the streams. Two
 * phases per level:
 * - raw: `speed: 0`, `rawPerThread` streams per server thread; SSE events/s and the server
 *   threads' CPU per event. Efficiency is events/s ÷ (N × events/s at one thread).
 * - realistic: `speed: 1`, `realisticPerThread` streams per server thread with open-loop
 *   arrivals; events/s and the emission lag of all threads together. With no hop between threads
 *   the lag at N × S streams on N threads should read as S streams on one.
 * The load processes are the same client as the streaming section's (`stream-load-process.ts`).
 */
import { startSimulator, type Simulator } from '../src/index.js';
import { scalingLevels, pin } from './scaling.js';
import { readServerStats, resetServerStats } from './sim-stats.js';
import { LoadProcess } from './stream-load-process.js';
import { streamRequest } from './stream.js';
import { progress } from './table.js';
import { cpuSnapshot, threadIds } from './thread-cpu.js';

export interface StreamScalingPhase {
  readonly streams: number;
  readonly eventsPerSec: number;
  /** CPU of the server's threads per event, µs. */
  readonly serverUsPerEvent: number;
  /** Arrivals the load processes could not start (open loop, every connection busy). */
  readonly dropped: number;
  readonly errors: number;
  /** The busiest load process's event-loop utilization (near 1: the client, not the server, is the limit). */
  readonly maxClientElu: number;
}

export interface StreamScalingLevel {
  readonly threads: number;
  readonly loadProcesses: number;
  readonly raw: StreamScalingPhase & { readonly efficiency: number };
  readonly realistic: StreamScalingPhase & { readonly lagP50Ms: number; readonly lagP99Ms: number; readonly lagP999Ms: number };
  readonly pinned: boolean;
}

export interface StreamScalingResult {
  readonly cores: number;
  readonly windowS: number;
  readonly rawPerThread: number;
  readonly realisticPerThread: number;
  readonly levels: readonly StreamScalingLevel[];
}

export interface StreamScalingOptions {
  readonly seed: number;
  readonly windowS: number;
  readonly settleS: number;
  readonly rawPerThread: number;
  readonly realisticPerThread: number;
}

/** Where a level's threads go: the server on the last `threads` cores, one load process on each of the first ones (at most two per server thread). */
export interface Placement {
  readonly serverCpus: string;
  readonly loadCpus: readonly number[];
}

export function placement(threads: number, cores: number): Placement {
  const loadCores = Math.max(1, cores - threads);
  const processes = Math.min(loadCores, 2 * threads);
  return {
    serverCpus: threads === 1 ? String(cores - 1) : `${Math.max(0, cores - threads)}-${cores - 1}`,
    loadCpus: Array.from({ length: processes }, (_, i) => i),
  };
}

/** `total` split into `parts` shares that differ by at most one. */
export function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Started {
  readonly sim: Simulator;
  readonly tids: readonly number[];
  readonly pinned: boolean;
}

async function startServer(threads: number, where: Placement, options: { seed: number; speed: number }): Promise<Started> {
  // Threads inherit their creator's CPU set: the main thread goes onto the load cores first.
  let pinned = pin([process.pid], where.loadCpus.join(','));
  const before = new Set(threadIds());
  const sim = await startSimulator({ threads, speed: options.speed, seed: options.seed, logLevel: 'silent', overrideHeaders: false });
  const tids = threadIds().filter((t) => !before.has(t));
  pinned = pin(tids, where.serverCpus) && pinned;
  return { sim, tids, pinned };
}

async function phase(
  started: Started,
  where: Placement,
  streams: number,
  opts: StreamScalingOptions & { readonly label: string; readonly openLoop: boolean },
): Promise<StreamScalingPhase & { readonly lag: { p50: number; p99: number; p999: number } | undefined }> {
  const { sim } = started;
  const request = streamRequest(sim.port);
  const perProcess = shares(streams, where.loadCpus.length);
  progress(`${opts.label}: ${streams} streams from ${perProcess.length} load process(es) on CPU ${where.loadCpus.join(',')}`);
  const loads = await Promise.all(
    perProcess.map((n, i) => LoadProcess.start({ port: sim.port, request, concurrency: n, rampPerSec: 2000 }, Math.max(10_000, (n / 2000) * 3000), where.loadCpus[i])),
  );
  try {
    await sleep(opts.settleS * 1000);
    if (opts.openLoop) {
      // As the streaming section does: each process offers its share at the rate that keeps its
      // streams open at the planned timing (Little's law), seeded apart so arrivals interleave.
      await Promise.all(
        loads.map(async (load, i) => {
          const planned = await load.plannedDuration(2000, 30_000);
          if (Number.isFinite(planned.meanMs) && planned.meanMs > 0) await load.openLoop((perProcess[i]! * 1000) / planned.meanMs, opts.seed + i, perProcess[i]! * 2);
        }),
      );
      await sleep(opts.settleS * 1000);
    }
    await resetServerStats(sim.url);
    const cpu0 = cpuSnapshot();
    const t0 = performance.now();
    await Promise.all(loads.map((l) => l.beginWindow()));
    progress(`${opts.label}: measuring ${opts.windowS} s`);
    await sleep(opts.windowS * 1000);
    const windows = await Promise.all(loads.map((l) => l.endWindow()));
    const wallMs = performance.now() - t0;
    const cpu1 = cpuSnapshot();
    const stats = await readServerStats(sim.url);
    let serverMs = 0;
    for (const tid of started.tids) serverMs += (cpu1.threads.get(tid) ?? 0) - (cpu0.threads.get(tid) ?? 0);
    const events = windows.reduce((sum, w) => sum + w.events, 0);
    const lag = stats?.histograms.emissionLagMs;
    return {
      streams,
      eventsPerSec: Math.round((events * 1000) / wallMs),
      serverUsPerEvent: events > 0 ? (serverMs * 1000) / events : Number.NaN,
      dropped: windows.reduce((sum, w) => sum + w.dropped, 0),
      errors: windows.reduce((sum, w) => sum + w.errors + w.non200, 0),
      maxClientElu: Math.max(...windows.map((w) => w.clientElu)),
      lag: lag === undefined ? undefined : { p50: lag.p50, p99: lag.p99, p999: lag.p999 },
    };
  } finally {
    await Promise.all(loads.map((l) => l.stop()));
  }
}

/** One level: the raw phase, then the realistic one, each on a fresh simulator with `threads` threads. */
export async function streamScalingLevel(threads: number, cores: number, opts: StreamScalingOptions): Promise<Omit<StreamScalingLevel, 'raw'> & { raw: StreamScalingPhase }> {
  const where = placement(threads, cores);
  try {
    const rawServer = await startServer(threads, where, { seed: opts.seed, speed: 0 });
    let raw;
    try {
      raw = await phase(rawServer, where, opts.rawPerThread * threads, { ...opts, label: `stream scaling: ${threads} thread(s), raw`, openLoop: false });
    } finally {
      await rawServer.sim.stop();
    }
    const realServer = await startServer(threads, where, { seed: opts.seed, speed: 1 });
    let real;
    try {
      real = await phase(realServer, where, opts.realisticPerThread * threads, { ...opts, label: `stream scaling: ${threads} thread(s), realistic`, openLoop: true });
    } finally {
      await realServer.sim.stop();
    }
    const { lag: _rawLag, ...rawFigures } = raw;
    const { lag, ...realFigures } = real;
    return {
      threads,
      loadProcesses: where.loadCpus.length,
      raw: rawFigures,
      realistic: { ...realFigures, lagP50Ms: lag?.p50 ?? Number.NaN, lagP99Ms: lag?.p99 ?? Number.NaN, lagP999Ms: lag?.p999 ?? Number.NaN },
      pinned: rawServer.pinned && realServer.pinned,
    };
  } finally {
    // Back to every core for the sections that follow.
    pin([process.pid], `0-${cores - 1}`);
  }
}

export async function runStreamScaling(opts: StreamScalingOptions & { readonly cores: number }): Promise<StreamScalingResult> {
  const levels: StreamScalingLevel[] = [];
  for (const n of scalingLevels(opts.cores)) {
    const l = await streamScalingLevel(n, opts.cores, opts);
    const base = levels[0]?.raw.eventsPerSec ?? l.raw.eventsPerSec;
    levels.push({ ...l, raw: { ...l.raw, efficiency: l.raw.eventsPerSec / (n * base) } });
  }
  return { cores: opts.cores, windowS: opts.windowS, rawPerThread: opts.rawPerThread, realisticPerThread: opts.realisticPerThread, levels };
}
