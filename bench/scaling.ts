/**
 * How non-streaming throughput scales with server threads, on a machine with cores to spare.
 * Each level starts the simulator with N threads (one uWS app each on the same port) on the
 * last N cores, and autocannon in worker threads on the rest; the cores are split so the load
 * generator always has at least as many as the server. Efficiency is req/s ÷ (N × req/s at one
 * thread). A two-core machine has one level only (one core each), so the default run skips the
 * section there.
 */
import { spawnSync } from 'node:child_process';
import autocannon from 'autocannon';
import { startSimulator } from '../src/index.js';
import { CHAT_PATH, CHAT_REQUEST } from './nonstream.js';
import { cpuSnapshot, threadIds } from './thread-cpu.js';
import { progress } from './table.js';

export interface ScalingLevel {
  readonly threads: number;
  /** Autocannon worker threads (one per load-generator core). */
  readonly loadWorkers: number;
  readonly reqPerSec: number;
  /** req/s ÷ (threads × the one-thread level's req/s). */
  readonly efficiency: number;
  /** CPU of the server's threads per request, µs. */
  readonly serverCpuUsPerReq: number;
  readonly pinned: boolean;
}

export interface ScalingResult {
  readonly cores: number;
  readonly durationS: number;
  readonly levels: readonly ScalingLevel[];
}

/** Server thread counts to measure: 1, 2, 4… while the load generator keeps as many cores. */
export function scalingLevels(cores: number): number[] {
  const out: number[] = [];
  for (let n = 1; 2 * n <= cores; n *= 2) out.push(n);
  return out;
}

/** `taskset -pc LIST TID` for each thread; false when taskset is missing. */
export function pin(tids: readonly number[], cpus: string): boolean {
  let ok = true;
  for (const tid of tids) ok = spawnSync('taskset', ['-pc', cpus, String(tid)]).status === 0 && ok;
  return ok;
}

async function level(n: number, cores: number, opts: { seed: number; durationS: number; warmupS: number }): Promise<Omit<ScalingLevel, 'efficiency'>> {
  const loadCores = cores - n;
  // Threads inherit their creator's CPU set: the main thread goes onto the load generator's
  // cores first, so autocannon's workers start there; the server's threads are moved after.
  const loadCpus = `0-${loadCores - 1}`;
  const serverCpus = n === 1 ? String(cores - 1) : `${cores - n}-${cores - 1}`;
  let pinned = pin([process.pid], loadCpus);
  const before = new Set(threadIds());
  const sim = await startSimulator({ threads: n, speed: 0, seed: opts.seed, logLevel: 'silent', overrideHeaders: false });
  try {
    const added = threadIds().filter((t) => !before.has(t));
    pinned = pin(added, serverCpus) && pinned;
    const run = (durationS: number): Promise<autocannon.Result> =>
      autocannon({
        url: sim.url + CHAT_PATH,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
        body: JSON.stringify(CHAT_REQUEST),
        connections: 100 * n,
        pipelining: 1,
        duration: durationS,
        // One worker per load-generator core; a single generator runs on this thread.
        ...(loadCores > 1 ? { workers: loadCores } : {}),
      });
    progress(`scaling: ${n} server thread(s) on CPU ${serverCpus}, load generator on CPU ${loadCpus}: warmup ${opts.warmupS} s`);
    await run(opts.warmupS);
    progress(`scaling: ${n} server thread(s): ${opts.durationS} s`);
    const cpu0 = cpuSnapshot();
    const t0 = performance.now();
    const r = await run(opts.durationS);
    const wallMs = performance.now() - t0;
    const cpu1 = cpuSnapshot();
    // Every added thread counts as the server's (its uWS threads and their helpers).
    let serverMs = 0;
    for (const tid of added) serverMs += (cpu1.threads.get(tid) ?? 0) - (cpu0.threads.get(tid) ?? 0);
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`scaling: ${r.non2xx} non-2xx answers and ${r.errors} errors at ${n} threads`);
    return {
      threads: n,
      loadWorkers: Math.max(1, loadCores),
      reqPerSec: Math.round((r.requests.total * 1000) / wallMs),
      serverCpuUsPerReq: r.requests.total > 0 ? (serverMs * 1000) / r.requests.total : Number.NaN,
      pinned,
    };
  } finally {
    await sim.stop();
    // Back to every core for the sections that follow.
    pin([process.pid], `0-${cores - 1}`);
  }
}

export async function runScaling(opts: { seed: number; cores: number; durationS: number; warmupS: number }): Promise<ScalingResult> {
  const levels: ScalingLevel[] = [];
  for (const n of scalingLevels(opts.cores)) {
    const l = await level(n, opts.cores, opts);
    const base = levels[0]?.reqPerSec ?? l.reqPerSec;
    levels.push({ ...l, efficiency: l.reqPerSec / (n * base) });
  }
  return { cores: opts.cores, durationS: opts.durationS, levels };
}
