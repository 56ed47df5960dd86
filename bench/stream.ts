/**
 * Streaming: N concurrent SSE streams at realistic timing (`speed: 1`, one server thread) for
 * each concurrency level, and raw streaming throughput (`speed: 0`, ~200 streams). Each level gets
 * a fresh simulator: ramp up, settle, reset the server's histograms, measure a window, then read
 * the server's stats, its thread's heap and the process's memory with every stream still open.
 *
 * The load generator runs in a child process (`stream-load-process.ts`), so each side has the whole
 * descriptor limit and this process holds only the servers. Memory per open stream comes two ways.
 * Exact but partial: the server thread's V8 heap (after a forced GC) with N streams open minus idle,
 * ÷ N; it leaves out uWS's native buffers and Buffer backing stores. Whole: this process's RSS with
 * N streams open minus idle, ÷ N. Idle is read once the server has served a few streams, so
 * what its first requests allocate once is not counted per stream.
 */
import { startBareUnderTest, startSimulatorUnderTest, type ServerUnderTest } from './servers.js';
import { lateShare, readActiveStreams, readServerStats, resetServerStats, type ServerStats } from './sim-stats.js';
import { httpPost, type ArrivalMode, type WindowResult } from './stream-client.js';
import { LoadProcess } from './stream-load-process.js';
import { progress } from './table.js';
import { cpuSnapshot, openFileCount, openFileLimit, splitCpu, type CpuSplit } from './thread-cpu.js';
import { keepAllocationProfile, keepProfile, utilizationBetween, type AllocationSite, type ThreadInspector } from './thread-inspector.js';
import { CHAT_PATH, CHAT_REQUEST } from './nonstream.js';

export interface StreamOptions {
  readonly seed: number;
  readonly concurrency: readonly number[];
  readonly windowS: number;
  readonly settleS: number;
  readonly rampPerSec: number;
  readonly rawConcurrency: number;
  readonly rawWindowS: number;
  readonly profile: boolean;
  /** Sample the server thread's allocations in each realistic window (`--alloc-profile`). */
  readonly allocProfile: boolean;
  readonly raw: boolean;
  /** The simulator's `pacing` at realistic speed: spin (the default) or poll for lag, sleep for CPU per event. */
  readonly pacing: 'poll' | 'spin' | 'sleep';
  /**
   * How the realistic levels start requests in the window: open-loop arrivals at the rate that
   * keeps N streams open at the planned timing (the default), or closed-loop (each connection's
   * next request when its response ends).
   */
  readonly arrivals: ArrivalMode;
  /** Runs before each measured phase (waits for a quiet machine when asked to). */
  readonly beforePhase: (label: string) => Promise<void>;
}

export interface ServerFigures {
  /** `/_understudy/stats` at the end of the window; undefined when the endpoint is missing. */
  readonly stats: ServerStats | undefined;
  /** From the reset to the read of `stats`: the span their counts cover (GC pauses per second). */
  readonly statsWindowMs?: number;
  readonly statsReset: boolean;
  /** Share of the window's timed writes later than the server's `lateEmissionMs`. */
  readonly late: { share: number; thresholdMs: number } | undefined;
  /** `understudy_active_streams` at the end of the window. */
  readonly activeStreams: number | undefined;
  readonly elu: number | undefined;
  readonly cpu: CpuSplit;
  readonly profile?: readonly { readonly name: string; readonly share: number }[];
  /** What the server thread allocated in the window, and where (`--alloc-profile`). */
  readonly allocations?: { readonly bytesPerSec: number; readonly sites: readonly AllocationSite[] };
}

export interface MemoryFigures {
  /** Server thread V8 heap used (after GC), N open minus idle, ÷ N. */
  readonly serverHeapPerStreamBytes: number | undefined;
  /** Streams open at the server when memory was read (the divisor), and connections the client held. */
  readonly openStreams: number;
  readonly clientSockets: number;
  /** This process's RSS (the servers alone), N open minus idle, ÷ N: the server's whole cost of a stream. */
  readonly serverRssPerStreamBytes: number;
  /** The load generator's V8 heap per open stream. */
  readonly clientHeapPerStreamBytes: number | undefined;
}

/**
 * The same level served by the bare uWS thread in streaming mode: as many sockets, the simulator's
 * events/s written one per write from a 1 ms interval, events of the simulator's mean size. Its
 * CPU per write is the floor under the simulator's CPU per event on this machine.
 */
export interface WriteFloor {
  /** Streams the bare thread held (fewer than the level when it accepted too slowly while writing). */
  readonly streams?: number;
  readonly eventsPerSec: number;
  readonly eventBytes: number;
  readonly writesPerSec: number;
  readonly usPerWrite: number;
  /** Share of the window the bare thread was on CPU. */
  readonly busy: number;
}

export interface StreamLevelResult {
  readonly requested: number;
  readonly concurrency: number;
  readonly cappedBecause?: string;
  readonly client: WindowResult;
  readonly server: ServerFigures;
  readonly memory: MemoryFigures;
  readonly floor?: WriteFloor;
}

export interface RawStreamResult {
  readonly concurrency: number;
  readonly client: WindowResult;
  readonly server: ServerFigures;
}

export interface StreamResult {
  readonly fdLimit: number | undefined;
  /** The simulator's pacing in the realistic levels. */
  readonly pacing?: 'poll' | 'spin' | 'sleep';
  /** How the realistic levels started requests in the window (absent in runs before it was recorded: closed). */
  readonly arrivals?: ArrivalMode;
  readonly levels: readonly StreamLevelResult[];
  readonly raw: RawStreamResult | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The streaming chat request every streaming phase sends (the thread-scaling section's too). */
export function streamRequest(port: number): Buffer {
  return httpPost(port, CHAT_PATH, JSON.stringify({ ...CHAT_REQUEST, stream: true, stream_options: { include_usage: true } }));
}

/**
 * Streams the descriptor limit allows: the client's sockets live in the load generator's process
 * and the server's in this one, so each side has the whole limit to itself.
 */
function maxStreams(): { max: number; limit: number | undefined } {
  const limit = openFileLimit();
  if (limit === undefined) return { max: Number.POSITIVE_INFINITY, limit };
  // Headroom for the threads' own descriptors (epoll, eventfds, files) and sockets in closing.
  return { max: Math.floor((limit - openFileCount() - 256) / 100) * 100, limit };
}

async function rssAfterGc(inspector: ThreadInspector): Promise<{ rss: number; heapUsed: number }> {
  await inspector.collectMainGarbage();
  await sleep(50);
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

/**
 * Streams a fresh server serves to completion before its idle memory is read. A server's first
 * requests allocate once what every later one shares (compiled code, caches, tables built on first
 * use): about 1 MiB of V8 heap and 3–6 MiB of RSS that stay once every stream has ended. Read from
 * a server that had served nothing, the idle figure left all of that in the per-stream delta
 * (1.1 of the 2.4 KiB of heap per stream at 1,000 streams).
 */
export const WARM_STREAMS = 20;

/**
 * The server's memory with no stream open, after `warmStreams` streams (closed loop, one per
 * connection at least) have run to completion and the server has let go of them: the baseline
 * that memory per open stream is measured from. `heap` is the server thread's V8 heap after a GC
 * (undefined without an inspector session), `rss` this process's.
 */
export async function idleMemory(inspector: ThreadInspector, server: ServerUnderTest, warmStreams = WARM_STREAMS): Promise<{ heap: number | undefined; rss: number }> {
  if (warmStreams > 0) {
    const deadline = performance.now() + 30_000;
    const load = await LoadProcess.start({ port: server.port, request: streamRequest(server.port), concurrency: warmStreams, rampPerSec: 2000 }, 10_000);
    try {
      while ((await load.status()).served < warmStreams && performance.now() < deadline) await sleep(100);
    } finally {
      await load.stop();
    }
    // The streams cut by the stop end at the server once it sees the disconnects.
    while (((await readActiveStreams(server.url)) ?? 0) > 0 && performance.now() < deadline) await sleep(50);
  }
  const heap = await server.session?.heapUsedBytes(true);
  const { rss } = await rssAfterGc(inspector);
  return { heap, rss };
}

export interface WindowOptions {
  readonly settleS: number;
  readonly windowS: number;
  readonly profile: boolean;
  readonly allocProfile?: boolean;
  readonly label: string;
  readonly concurrency: number;
  readonly rampPerSec: number;
  /** Open loop from the end of the closed-loop settle, with this seed and connection cap; closed when absent. */
  readonly open?: { readonly seed: number; readonly maxConnections: number };
}

/** Starts the load generator against `server` and ramps it up (closed loop). */
async function rampUp(server: ServerUnderTest, opts: Pick<WindowOptions, 'label' | 'concurrency' | 'rampPerSec'>, timeoutMs?: number): Promise<LoadProcess> {
  progress(`${opts.label}: ramping to ${opts.concurrency} streams`);
  const load = await LoadProcess.start(
    { port: server.port, request: streamRequest(server.port), concurrency: opts.concurrency, rampPerSec: opts.rampPerSec },
    timeoutMs ?? Math.max(10_000, (opts.concurrency / opts.rampPerSec) * 3000),
  );
  const { connected } = await load.status();
  if (connected < opts.concurrency) progress(`${opts.label}: only ${connected} of ${opts.concurrency} connected`);
  return load;
}

/** Settle, reset, window; returns the client's and the server's figures for the window. */
export async function measureWindow(server: ServerUnderTest, load: LoadProcess, opts: WindowOptions): Promise<{ client: WindowResult; server: ServerFigures }> {
  await sleep(opts.settleS * 1000);
  if (opts.open !== undefined) {
    // Little's law: N streams open on average need N / (planned duration) arrivals per second.
    // The planned duration comes from the ground-truth headers of a cohort of streams, so a server
    // running late does not lower the rate it is offered.
    const planned = await load.plannedDuration(2000, 30_000);
    if (Number.isFinite(planned.meanMs) && planned.meanMs > 0) {
      const rate = (opts.concurrency * 1000) / planned.meanMs;
      progress(
        `${opts.label}: open-loop arrivals at ${Math.round(rate)}/s (planned stream ${Math.round(planned.meanMs)} ms over ${planned.streams} streams, ${planned.lost} not counted), up to ${opts.open.maxConnections} connections`,
      );
      await load.openLoop(rate, opts.open.seed, opts.open.maxConnections);
      await sleep(opts.settleS * 1000);
    } else progress(`${opts.label}: no stream of the cohort completed; staying closed-loop`);
  }
  const reset = await resetServerStats(server.url);
  const resetAt = performance.now();
  const elu0 = await server.session?.eventLoopUtilization();
  if (opts.profile) await server.session?.startProfile();
  if (opts.allocProfile === true) await server.session?.startAllocationSampling();
  const cpu0 = cpuSnapshot(load.pid);
  const t0 = performance.now();
  await load.beginWindow();
  progress(`${opts.label}: measuring ${opts.windowS} s`);
  await sleep(opts.windowS * 1000);
  const client = await load.endWindow();
  const cpu = splitCpu(cpu0, cpuSnapshot(load.pid), server.threadIds, performance.now() - t0);
  const windowMs = performance.now() - t0;
  // The server's figures come before the profiles: stopping a profiler serializes its profile on
  // the server thread, a stall whose lag was counted in the window's histograms when they were
  // read after it.
  const statsWindowMs = performance.now() - resetAt;
  const [stats, activeStreams] = await Promise.all([readServerStats(server.url), readActiveStreams(server.url)]);
  const elu1 = await server.session?.eventLoopUtilization();
  const profile = opts.profile && server.session ? await keepProfile(server.session, `stream-${opts.label}`) : undefined;
  const allocations = opts.allocProfile === true && server.session ? await keepAllocationProfile(server.session, `stream-${opts.label}`, windowMs) : undefined;
  return {
    client,
    server: {
      stats,
      statsWindowMs,
      statsReset: reset.ok,
      late: lateShare(reset.before, stats),
      activeStreams,
      elu: elu0 && elu1 ? utilizationBetween(elu0, elu1) : undefined,
      cpu,
      ...(profile ? { profile } : {}),
      ...(allocations ? { allocations } : {}),
    },
  };
}

/**
 * Levels above this get no floor. Past 2,000 streams the bare thread cannot keep up with the
 * simulator's event rate on this VM either (98–99% busy at 5,000 in the runs that measured it), and
 * its uWS aborted the whole bench process ("Returning from a request handler without responding or
 * attaching an abort handler is forbidden!") while ramping to 9,800 and to 10,000 streams, and
 * on 2026-12-06 to 5,000, with the load generator in a process of its own, so descriptors were not
 * the cause. A floor is worth less than a run that finishes.
 */
const FLOOR_MAX_STREAMS = 2000;

/** An SSE chunk of `bytes` bytes shaped like the simulator's. */
function floorEvent(bytes: number): string {
  const head = 'data: {"id":"chatcmpl-floor","object":"chat.completion.chunk","created":0,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"';
  const tail = '"},"logprobs":null,"finish_reason":null}]}\n\n';
  return head + 'x'.repeat(Math.max(1, bytes - head.length - tail.length)) + tail;
}

async function measureFloor(inspector: ThreadInspector, n: number, eventsPerSec: number, eventBytes: number, windowS: number): Promise<WriteFloor> {
  const bare = await startBareUnderTest(inspector, 64, [], { eventsPerSec, event: floorEvent(eventBytes) });
  try {
    // The bare thread writes to its streams from the first one on; a busy writer accepts slowly.
    const load = await rampUp(bare, { label: `floor ${n}`, concurrency: n, rampPerSec: 5000 }, 30_000);
    await sleep(1000);
    const w0 = bare.writes!();
    const cpu0 = cpuSnapshot(load.pid);
    const t0 = performance.now();
    await sleep(windowS * 1000);
    const wallMs = performance.now() - t0;
    const cpu = splitCpu(cpu0, cpuSnapshot(load.pid), bare.threadIds, wallMs);
    const writes = bare.writes!() - w0;
    const { connected } = await load.status();
    await load.stop();
    return { streams: connected, eventsPerSec, eventBytes, writesPerSec: (writes * 1000) / wallMs, usPerWrite: writes > 0 ? (cpu.serverMs * 1000) / writes : Number.NaN, busy: cpu.serverMs / wallMs };
  } finally {
    await bare.stop();
  }
}

/** `maxConnections`: what the descriptor limit allows each side, measured before the level opens any socket. */
async function runLevel(inspector: ThreadInspector, opts: StreamOptions, requested: number, n: number, maxConnections: number, cappedBecause: string | undefined): Promise<StreamLevelResult> {
  const label = `streaming ${n}`;
  await opts.beforePhase(label);
  const sim = await startSimulatorUnderTest(inspector, { speed: 1, seed: opts.seed, pacing: opts.pacing });
  try {
    const idle = await idleMemory(inspector, sim);
    const heapIdle = idle.heap;
    const load = await rampUp(sim, { label, concurrency: n, rampPerSec: opts.rampPerSec });
    const openLoop = opts.arrivals === 'open' ? { seed: opts.seed, maxConnections: Math.max(n, maxConnections) } : undefined;
    const measured = await measureWindow(sim, load, { ...opts, label, concurrency: n, ...(openLoop ? { open: openLoop } : {}) });
    // Memory with every stream still open; the forced GC in the server thread comes after the window.
    const heapOpen = await sim.session?.heapUsedBytes(true);
    const open = await rssAfterGc(inspector);
    const client = await load.status(true);
    const streams = measured.server.activeStreams ?? client.open;
    await load.stop();
    await sim.stop();
    const events = measured.client.eventsPerSec;
    progress(
      n <= FLOOR_MAX_STREAMS ? `${label}: floor: bare uWS writing ${Math.round(events)} events/s to ${n} streams` : `${label}: no floor above ${FLOOR_MAX_STREAMS} streams`,
    );
    const floor =
      events > 0 && n <= FLOOR_MAX_STREAMS ? await measureFloor(inspector, n, events, measured.client.bytesPerSec / events, Math.max(3, Math.round(opts.windowS / 3))) : undefined;
    const rssDelta = open.rss - idle.rss;
    return {
      requested,
      concurrency: n,
      ...(cappedBecause === undefined ? {} : { cappedBecause }),
      ...measured,
      ...(floor ? { floor } : {}),
      memory: {
        serverHeapPerStreamBytes: heapIdle !== undefined && heapOpen !== undefined ? (heapOpen - heapIdle) / streams : undefined,
        openStreams: streams,
        clientSockets: client.connected,
        serverRssPerStreamBytes: rssDelta / streams,
        clientHeapPerStreamBytes: Number.isNaN(load.idleHeapUsed) ? undefined : (client.heapUsed - load.idleHeapUsed) / streams,
      },
    };
  } finally {
    await sim.stop();
  }
}

async function runRaw(inspector: ThreadInspector, opts: StreamOptions): Promise<RawStreamResult> {
  await opts.beforePhase(`raw streaming ${opts.rawConcurrency}`);
  const sim = await startSimulatorUnderTest(inspector, { speed: 0, seed: opts.seed });
  try {
    const label = `raw streaming ${opts.rawConcurrency}`;
    const load = await rampUp(sim, { label, concurrency: opts.rawConcurrency, rampPerSec: 20_000 });
    const measured = await measureWindow(sim, load, {
      settleS: 1,
      windowS: opts.rawWindowS,
      profile: opts.profile,
      label,
      concurrency: opts.rawConcurrency,
      rampPerSec: 20_000,
    });
    await load.stop();
    return { concurrency: opts.rawConcurrency, ...measured };
  } finally {
    await sim.stop();
  }
}

export async function runStream(inspector: ThreadInspector, opts: StreamOptions): Promise<StreamResult> {
  const raw = opts.raw ? await runRaw(inspector, opts) : undefined;
  const levels: StreamLevelResult[] = [];
  for (const requested of opts.concurrency) {
    const { max, limit } = maxStreams();
    const n = Math.min(requested, max);
    const cappedBecause = n < requested ? `ulimit -n is ${limit}, so at most ${max} streams fit` : undefined;
    if (cappedBecause !== undefined) progress(`streaming ${requested}: capped at ${n} (${cappedBecause})`);
    levels.push(await runLevel(inspector, opts, requested, n, max, cappedBecause));
  }
  return { fdLimit: openFileLimit(), pacing: opts.pacing, arrivals: opts.arrivals, levels, raw };
}
