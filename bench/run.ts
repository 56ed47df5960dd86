/**
 * `npm run bench`: one process runs every section and prints every figure. Servers run in worker
 * threads (one uWS thread each), the load generator in this main thread, so on a two-core machine
 * each gets a core. Results go to bench/results/latest.json and the lag chart to
 * bench/results/lag-vs-concurrency.svg, or with --json FILE to FILE alone.
 *
 *   node dist/bench/run.js [--only nonstream,stream,micro,policy,scaling] [--quick] [--concurrency 1000,2000]
 *                          [--duration S] [--seed N] [--json out.json] [--profile] [--alloc-profile] [--wait-quiet S]
 *                          [--pacing poll|spin|sleep] [--arrivals open|closed]
 *
 * --wait-quiet S: before each measured phase, wait up to S seconds for other processes to leave
 * the machine idle (shared machines); --profile: CPU-profile the server thread in each window;
 * --alloc-profile: sample where the server thread allocates in each realistic streaming window
 * (the sampling slows the thread several-fold: those windows' timing figures are not comparable);
 * --pacing: the simulator's pacing for realistic streams (spin, the simulator's default, and poll
 * keep the thread busy while streams are dense, so its CPU per event is only meaningful with sleep);
 * --arrivals: how the realistic levels start requests in the measured window (open, the default:
 * seeded Poisson arrivals at the rate that keeps N streams open at the planned timing; closed: each
 * connection's next request when its response ends).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RESULTS_DIR, resultsToWrite, saveResults, type KeptFrom } from './chart.js';
import { runMicro, type MicroResult } from './micro.js';
import { runPolicyCost, type PolicyCostResult } from './policy-cost.js';
import { runScaling, scalingLevels, type ScalingResult } from './scaling.js';
import { runStreamScaling, type StreamScalingResult } from './stream-scaling.js';
import { runNonStream, type NonStreamResult } from './nonstream.js';
import { packageRoot } from '../src/package-root.js';
import { runStream, type StreamResult } from './stream.js';
import type { Summary } from './percentiles.js';
import type { ArrivalMode } from './stream-client.js';
import { fmt, kib, pct, printTable, progress } from './table.js';
import { machineNoise, openFileLimit, outsideShare, waitForQuiet } from './thread-cpu.js';
import { ThreadInspector } from './thread-inspector.js';
import { evaluateTargets, type TargetVerdict } from './targets.js';

const SECTIONS = ['nonstream', 'stream', 'micro', 'policy', 'scaling'] as const;
type Section = (typeof SECTIONS)[number];

export interface BenchMeta {
  readonly date: string;
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly fdLimit: number | undefined;
  readonly commit: string;
  readonly seed: number;
  readonly quick: boolean;
  readonly command: string;
  /** Share of the machine's CPU other processes used in the second before the run. */
  readonly noiseAtStart: number;
  /** Sections of latest.json this (partial) run did not measure, and the run that did. */
  readonly kept?: Readonly<Record<string, KeptFrom>>;
}

export interface BenchResults {
  readonly meta: BenchMeta;
  readonly nonstream?: NonStreamResult;
  readonly stream?: StreamResult;
  readonly micro?: readonly MicroResult[];
  readonly policy?: PolicyCostResult;
  readonly scaling?: ScalingResult;
  readonly streamScaling?: StreamScalingResult;
  readonly targets: readonly TargetVerdict[];
}

interface Flags {
  readonly only: readonly Section[];
  readonly quick: boolean;
  readonly concurrency: readonly number[];
  readonly durationS: number | undefined;
  readonly seed: number;
  readonly json: string | undefined;
  readonly profile: boolean;
  readonly allocProfile: boolean;
  readonly waitQuietS: number;
  readonly pacing: 'poll' | 'spin' | 'sleep';
  readonly arrivals: ArrivalMode;
}

/** What `--help` prints; BENCHMARKS.md's options table says more about each. */
const USAGE = `Usage: npm run bench -- [options]   (or node dist/bench/run.js [options])

Starts the simulator and the load generator together and prints every figure; results go to
bench/results/latest.json and the lag chart to bench/results/lag-vs-concurrency.svg.

Options:
  --only nonstream,stream,micro,policy,scaling   sections to run (default: all)
  --quick                   short warmups and windows, concurrency 1000 and 2000
  --concurrency 1000,2000,5000,10000             realistic-streaming levels
  --duration S              length of every measured window, in seconds
  --seed N                  the simulator's and the micro benchmarks' seed (default 1)
  --json FILE               write this run's results to FILE alone
  --wait-quiet S            before each phase, wait up to S s for other processes to go idle
  --profile                 CPU-profile the server thread in each measured window
  --alloc-profile           sample the server thread's allocations in each realistic window
  --pacing spin|poll|sleep  the simulator's pacing for the realistic levels (default spin)
  --arrivals open|closed    how the realistic levels start requests (default open)
  -h, --help                print this and exit

Details: BENCHMARKS.md.
`;

function fail(msg: string): never {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

/** parseArgs, with a mistyped option said in one line (its own error is a stack trace) and --help answered. */
function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        only: { type: 'string' },
        quick: { type: 'boolean', default: false },
        concurrency: { type: 'string' },
        duration: { type: 'string' },
        seed: { type: 'string', default: '1' },
        json: { type: 'string' },
        profile: { type: 'boolean', default: false },
        'alloc-profile': { type: 'boolean', default: false },
        'wait-quiet': { type: 'string', default: '0' },
        pacing: { type: 'string', default: 'spin' },
        arrivals: { type: 'string', default: 'open' },
      },
      strict: true,
    });
  } catch (err) {
    return fail(`${err instanceof Error ? err.message : String(err)} (--help lists the options)`);
  }
}

function readFlags(argv: readonly string[]): Flags {
  const { values } = parseFlags(argv);
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const only = (values.only ?? SECTIONS.join(',')).split(',').map((s) => s.trim());
  for (const s of only) if (!(SECTIONS as readonly string[]).includes(s)) fail(`--only takes ${SECTIONS.join(', ')}; got "${s}"`);
  const quick = values.quick;
  const concurrency = (values.concurrency ?? (quick ? '1000,2000' : '1000,2000,5000,10000')).split(',').map(Number);
  if (concurrency.some((n) => !Number.isInteger(n) || n < 1)) fail(`--concurrency must be positive integers separated by commas; got "${values.concurrency}"`);
  const durationS = values.duration === undefined ? undefined : Number(values.duration);
  if (durationS !== undefined && !(durationS > 0)) fail(`--duration must be a positive number of seconds; got "${values.duration}"`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail(`--seed must be an integer in [0, 2^32); got "${values.seed}"`);
  const waitQuietS = Number(values['wait-quiet']);
  if (!(waitQuietS >= 0)) fail(`--wait-quiet must be a number of seconds ≥ 0; got "${values['wait-quiet']}"`);
  const pacing = values.pacing;
  if (pacing !== 'poll' && pacing !== 'spin' && pacing !== 'sleep') fail(`--pacing must be poll, spin or sleep; got "${pacing}"`);
  const arrivals = values.arrivals;
  if (arrivals !== 'open' && arrivals !== 'closed') fail(`--arrivals must be open or closed; got "${arrivals}"`);
  return { only: only as Section[], quick, concurrency, durationS, seed, json: values.json, profile: values.profile, allocProfile: values['alloc-profile'], waitQuietS, pacing, arrivals };
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'latin1')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line?.split(':')[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function commit(): string {
  try {
    const opts = { cwd: packageRoot(), encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'ignore'] as ('ignore' | 'pipe')[] };
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src'], opts).trim() !== '';
    return dirty ? `${sha} (src modified)` : sha;
  } catch {
    return 'unknown';
  }
}

function printNonStream(r: NonStreamResult): void {
  const row = (name: string, f: NonStreamResult['simulator']): (string | number | undefined)[] => [
    name,
    f.reqPerSec,
    fmt(f.latencyP50Ms),
    fmt(f.latencyP99Ms),
    f.errors + f.non2xx,
    fmt(f.serverCpuUsPerReq),
    pct(f.serverElu),
    pct(f.cpu.mainMs / f.cpu.wallMs),
    pct(outsideShare(f.cpu)),
  ];
  printTable(
    `Non-streaming: autocannon, ${r.connections} connections, pipelining 1, ${r.durationS} s per server in ${r.rounds} interleaved rounds; response body ${r.responseBytes} B, ${r.headerCount} headers of the simulator's own (${r.headerBytes} B)`,
    ['server', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU µs/req', 'server thread busy', 'load gen CPU', 'other processes'],
    [
      row('simulator (speed 0, 1 thread)', r.simulator),
      row('bare uWS thread (static body)', r.bare),
      row('bare uWS thread (static body + same headers)', r.bareSameHeaders),
    ],
  );
  // The CPU figure is requests per server CPU second, simulator ÷ bare (bare µs/req ÷ simulator
  // µs/req), so that it reads like the req/s one: labelled "by server CPU per request" it read as
  // the simulator costing 0.58× bare where it costs 1.7×.
  process.stdout.write(`ratio simulator/bare (median of rounds): ${r.ratio.toFixed(3)} by req/s, ${r.cpuRatio.toFixed(3)} by requests per server CPU second; rounds by req/s: ${r.roundRatios.map((x) => x.toFixed(3)).join(', ')}\n`);
  process.stdout.write(`ratio simulator/bare with the same headers: ${r.ratioSameHeaders.toFixed(3)} by req/s, ${r.cpuRatioSameHeaders.toFixed(3)} by requests per server CPU second\n`);
}

/** Server-thread CPU per delivered SSE event: the cost figure that load from other processes disturbs least. */
function usPerEvent(serverMs: number, events: number): number {
  return events > 0 ? (serverMs * 1000) / events : Number.NaN;
}

function printStream(r: StreamResult): void {
  if (r.raw !== undefined) {
    const { client, server } = r.raw;
    printTable(
      `Raw streaming throughput: speed 0, ${r.raw.concurrency} concurrent streams, one server thread, ${(client.windowMs / 1000).toFixed(0)} s`,
      ['streams', 'SSE events/s', 'MB/s', 'streams/s', 'server µs/event', 'server thread busy', 'server CPU', 'load gen busy', 'other processes', 'errors'],
      [
        [
          String(r.raw.concurrency),
          client.eventsPerSec,
          fmt(client.bytesPerSec / 1e6),
          client.streamsPerSec,
          fmt(usPerEvent(server.cpu.serverMs, client.events)),
          pct(server.elu),
          pct(server.cpu.serverMs / server.cpu.wallMs),
          pct(client.clientElu),
          pct(outsideShare(server.cpu)),
          client.errors + client.non200,
        ],
      ],
    );
  }
  if (r.levels.length === 0) return;
  const lag = (l: StreamResult['levels'][number]): StreamResult['levels'][number]['server']['stats'] => l.server.stats;
  printTable(
    `Realistic streaming (speed 1, one server thread, pacing ${r.pacing ?? 'sleep'}, ${r.arrivals ?? 'closed'}-loop arrivals): throughput and server emission lag${r.pacing === 'poll' || r.pacing === 'spin' ? `; with ${r.pacing} pacing the thread stays busy while streams are dense, so its µs/event is an upper bound` : ''}`,
    ['streams', 'open (server)', 'in flight (client mean)', 'offered/s', 'started/s', 'dropped', 'SSE events/s', 'streams/s', 'lag p50 ms', 'lag p99 ms', 'lag p99.9 ms', 'lag max ms', 'server µs/event', 'server busy', 'bare uWS µs/write', 'bare busy', 'load gen busy', 'errors'],
    r.levels.map((l) => [
      l.concurrency === l.requested ? l.concurrency : `${l.concurrency} (asked ${l.requested})`,
      l.server.activeStreams,
      fmt(l.client.meanInFlight, 0),
      l.client.offeredPerSec === undefined ? '' : Math.round(l.client.offeredPerSec),
      l.client.startedPerSec,
      l.client.dropped,
      l.client.eventsPerSec,
      l.client.streamsPerSec,
      fmt(lag(l)?.histograms.emissionLagMs.p50),
      fmt(lag(l)?.histograms.emissionLagMs.p99),
      fmt(lag(l)?.histograms.emissionLagMs.p999),
      fmt(lag(l)?.histograms.emissionLagMs.max),
      fmt(usPerEvent(l.server.cpu.serverMs, l.client.events)),
      pct(l.server.elu),
      l.floor === undefined ? 'n/a' : `${fmt(l.floor.usPerWrite)}${l.floor.streams !== undefined && l.floor.streams < l.concurrency ? ` (${l.floor.streams.toLocaleString('en-US')} streams)` : ''}`,
      pct(l.floor?.busy),
      pct(l.client.clientElu),
      l.client.errors + l.client.non200,
    ]),
  );
  const pair = (a: number | undefined, b: number | undefined): string => `${fmt(a, 1)} / ${fmt(b, 1)}`;
  printTable(
    'Realistic streaming: timing fidelity, client-observed vs meant (p50 / p99, ms)',
    ['streams', 'TTFT client', 'TTFT header', 'TTFT client−header', 'TTFT server', 'event gap client', 'ITL client', 'ITL header', 'ITL server'],
    r.levels.map((l) => [
      l.concurrency,
      pair(l.client.clientTtftMs.p50, l.client.clientTtftMs.p99),
      pair(l.client.headerTtftMs.p50, l.client.headerTtftMs.p99),
      // An early stream's excess is held at 0 in the histogram; their number says they happened.
      pair(l.client.ttftExcessMs.p50, l.client.ttftExcessMs.p99) + (l.client.ttftEarly > 0 ? ` (${l.client.ttftEarly} early)` : ''),
      pair(lag(l)?.histograms.ttftMs.p50, lag(l)?.histograms.ttftMs.p99),
      pair(l.client.eventGapMs.p50, l.client.eventGapMs.p99),
      pair(l.client.clientItlMs.p50, l.client.clientItlMs.p99),
      pair(l.client.headerItlMs.p50, l.client.headerItlMs.p99),
      pair(lag(l)?.histograms.itlMs.p50, lag(l)?.histograms.itlMs.p99),
    ]),
  );
  const gc = (l: StreamResult['levels'][number]): Summary | undefined => lag(l)?.histograms.gcPauseMs;
  printTable(
    'Realistic streaming: the server thread\'s GC pauses in the window, beside the lag tail (ms) and the share of late writes',
    ['streams', 'GC pauses/s', 'GC ms/s', 'pause p50', 'pause p99', 'pause max', 'lag p99.9', 'lag max', 'late writes'],
    r.levels.map((l) => {
      const g = gc(l);
      // Over the span the server's histograms cover, from their reset to their read.
      const seconds = (l.server.statsWindowMs ?? l.client.windowMs) / 1000;
      return [
        l.concurrency,
        g === undefined ? 'n/a' : fmt(g.count / seconds, 1),
        g === undefined ? 'n/a' : fmt(g.sum / seconds, 1),
        fmt(g?.p50),
        fmt(g?.p99),
        fmt(g?.max),
        fmt(lag(l)?.histograms.emissionLagMs.p999),
        fmt(lag(l)?.histograms.emissionLagMs.max),
        // What the simulator's fidelity watch reads: it warns past 1%.
        l.server.late === undefined ? 'n/a' : `${fmt(l.server.late.share * 100, 2)}% > ${l.server.late.thresholdMs} ms`,
      ];
    }),
  );
  printTable(
    'Realistic streaming: memory per open stream and CPU',
    ['streams', 'open (server)', 'server heap/stream', 'server RSS/stream', 'load gen heap/stream', 'server CPU', 'load gen CPU', 'other threads', 'other processes'],
    r.levels.map((l) => [
      l.concurrency,
      l.memory.openStreams,
      kib(l.memory.serverHeapPerStreamBytes),
      kib(l.memory.serverRssPerStreamBytes),
      kib(l.memory.clientHeapPerStreamBytes),
      pct(l.server.cpu.serverMs / l.server.cpu.wallMs),
      pct(l.server.cpu.mainMs / l.server.cpu.wallMs),
      pct(l.server.cpu.otherMs / l.server.cpu.wallMs),
      pct(outsideShare(l.server.cpu)),
    ]),
  );
  for (const l of r.levels) if (l.cappedBecause !== undefined) process.stdout.write(`note: ${l.requested} streams capped at ${l.concurrency}: ${l.cappedBecause}\n`);
  if (r.levels.some((l) => l.server.stats === undefined)) {
    process.stdout.write('note: GET /_understudy/stats is missing or malformed on this build: server lag, TTFT and ITL print n/a\n');
  }
}

function printProfiles(results: BenchResults): void {
  const profiles: [string, readonly { name: string; share: number }[] | undefined][] = [
    ['non-streaming simulator', results.nonstream?.simulator.profile],
    ['raw streaming', results.stream?.raw?.server.profile],
    ...(results.stream?.levels ?? []).map((l): [string, readonly { name: string; share: number }[] | undefined] => [`realistic ${l.concurrency}`, l.server.profile]),
  ];
  for (const [name, p] of profiles) {
    if (p === undefined) continue;
    printTable(`Server thread CPU profile, self time: ${name}`, ['function', 'share'], p.map((e) => [e.name, pct(e.share)]));
  }
}

function printAllocations(results: BenchResults): void {
  for (const l of results.stream?.levels ?? []) {
    const a = l.server.allocations;
    if (a === undefined) continue;
    printTable(
      `Server thread allocations, realistic ${l.concurrency}: ${(a.bytesPerSec / 1e6).toFixed(1)} MB/s in all`,
      ['allocating function', 'MB/s', 'share'],
      a.sites.map((e) => [e.name, (e.bytesPerSec / 1e6).toFixed(2), pct(e.share)]),
    );
  }
}

function printMicro(r: readonly MicroResult[]): void {
  printTable(
    'Micro benchmarks (main thread, median of rounds)',
    ['case', 'ns/op', 'baseline', 'baseline ns/op', 'ratio', 'note'],
    r.map((m) => [m.name, fmt(m.nsPerOp, 1), m.baseline, fmt(m.baselineNsPerOp, 1), `${m.ratio.toFixed(2)}×`, m.note]),
  );
}

function printTargets(t: readonly TargetVerdict[]): void {
  printTable('Targets', ['target', 'figure', 'verdict'], t.map((v) => [v.target, v.figure, v.verdict]));
}

function readPrevious(): Partial<BenchResults> {
  try {
    return JSON.parse(readFileSync(join(RESULTS_DIR(), 'latest.json'), 'utf8')) as Partial<BenchResults>;
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  const flags = readFlags(process.argv.slice(2));
  const started = performance.now();
  const meta: BenchMeta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpuModel(),
    cores: availableParallelism(),
    fdLimit: openFileLimit(),
    commit: commit(),
    seed: flags.seed,
    quick: flags.quick,
    command: ['node', 'dist/bench/run.js', ...process.argv.slice(2)].join(' '),
    noiseAtStart: await machineNoise(1000),
  };
  process.stdout.write(`llm-understudy bench: ${meta.cpu}, ${meta.cores} cores, Node ${meta.node}, ulimit -n ${meta.fdLimit ?? '?'}, commit ${meta.commit}, seed ${meta.seed}${meta.quick ? ', --quick' : ''}\n`);
  if (meta.noiseAtStart > 0.05) {
    process.stdout.write(`warning: other processes use ${pct(meta.noiseAtStart)} of this machine's CPU; figures will be noisy (see the "other processes" columns)\n`);
  }
  const beforePhase = async (label: string): Promise<void> => {
    if (flags.waitQuietS <= 0) return;
    const noise = await waitForQuiet(flags.waitQuietS * 1000);
    if (noise > 0.1) progress(`${label}: machine still busy (${pct(noise)} used by other processes) after waiting ${flags.waitQuietS} s; measuring anyway`);
  };
  const inspector = await ThreadInspector.open();
  let nonstream: NonStreamResult | undefined;
  let stream: StreamResult | undefined;
  let micro: MicroResult[] | undefined;
  let policy: PolicyCostResult | undefined;
  let scaling: ScalingResult | undefined;
  let streamScaling: StreamScalingResult | undefined;
  try {
    if (flags.only.includes('nonstream')) {
      nonstream = await runNonStream(inspector, {
        seed: flags.seed,
        durationS: flags.durationS ?? (flags.quick ? 4 : 15),
        warmupS: flags.quick ? 1 : 2,
        rounds: flags.quick ? 2 : 5,
        connections: 100,
        profile: flags.profile,
        beforePhase,
      });
      printNonStream(nonstream);
    }
    if (flags.only.includes('stream')) {
      stream = await runStream(inspector, {
        seed: flags.seed,
        concurrency: flags.concurrency,
        windowS: flags.durationS ?? (flags.quick ? 3 : 15),
        settleS: flags.quick ? 1 : 2,
        rampPerSec: 2000,
        rawConcurrency: 200,
        rawWindowS: flags.durationS ?? (flags.quick ? 2 : 10),
        profile: flags.profile,
        allocProfile: flags.allocProfile,
        raw: true,
        pacing: flags.pacing,
        arrivals: flags.arrivals,
        beforePhase,
      });
      printStream(stream);
    }
    if (flags.only.includes('micro')) {
      micro = runMicro({ seed: flags.seed, scale: flags.quick ? 0.2 : 1, rounds: flags.quick ? 3 : 7 });
      printMicro(micro);
    }
    if (flags.only.includes('policy')) {
      await beforePhase('policy cost');
      policy = await runPolicyCost(inspector, { seed: flags.seed, durationS: flags.durationS ?? (flags.quick ? 2 : 3), connections: 100 });
      printTable(
        `Cost of quotas and chaos (non-streaming, speed 0, every request through both, ${policy.offeredRate.toLocaleString('en-US')} req/s offered; target < 10%)`,
        ['policies', 'req/s served', 'server CPU µs/req', 'req/s flat out (warmup)'],
        [
          ['off', policy.off.reqPerSec, fmt(policy.off.serverCpuUsPerReq), policy.flatOut.off],
          ['on', policy.on.reqPerSec, fmt(policy.on.serverCpuUsPerReq), policy.flatOut.on],
          ['overhead', '', pct(policy.cpuOverhead), pct(policy.throughputLoss)],
        ],
      );
      process.stdout.write(`pairs, server CPU on ÷ off: ${policy.pairCpuRatios.map((r) => r.toFixed(3)).join(', ')}\n`);
    }
    if (flags.only.includes('scaling')) {
      // One level is no scaling: on two cores the default run skips it; --only scaling runs it anyway.
      if (scalingLevels(meta.cores).length < 2 && flags.only.length > 1) {
        process.stdout.write(`\nThread scaling: skipped, ${meta.cores} cores allow one level only (server and load generator get as many cores each); --only scaling runs it anyway\n`);
      } else {
        await beforePhase('scaling');
        scaling = await runScaling({ seed: flags.seed, cores: meta.cores, durationS: flags.durationS ?? (flags.quick ? 3 : 10), warmupS: flags.quick ? 1 : 2 });
        printTable(
          `Thread scaling: non-streaming chat, speed 0, the simulator's threads on the last N cores, autocannon workers on the rest, ${scaling.durationS} s per level`,
          ['server threads', 'load generator workers', 'req/s', 'efficiency', 'server CPU µs/req', 'pinned'],
          scaling.levels.map((l) => [l.threads, l.loadWorkers, l.reqPerSec, pct(l.efficiency), fmt(l.serverCpuUsPerReq), l.pinned ? 'yes' : 'no']),
        );
        await beforePhase('stream scaling');
        streamScaling = await runStreamScaling({
          seed: flags.seed,
          cores: meta.cores,
          windowS: flags.durationS ?? (flags.quick ? 3 : 10),
          settleS: flags.quick ? 1 : 2,
          rawPerThread: 200,
          realisticPerThread: 1000,
        });
        printTable(
          `Thread scaling: streaming chat, the simulator's threads on the last N cores, one load process per core on the first ones; raw at speed 0 with ${streamScaling.rawPerThread} streams per thread, realistic at speed 1 with ${streamScaling.realisticPerThread} per thread (open loop), ${streamScaling.windowS} s per phase`,
          ['server threads', 'load processes', 'raw streams', 'raw events/s', 'efficiency', 'server µs/event', 'realistic streams', 'realistic events/s', 'lag p50 ms', 'lag p99 ms', 'lag p99.9 ms', 'dropped', 'load gen busy (max)', 'errors', 'pinned'],
          streamScaling.levels.map((l) => [
            l.threads,
            l.loadProcesses,
            l.raw.streams,
            l.raw.eventsPerSec,
            pct(l.raw.efficiency),
            fmt(l.raw.serverUsPerEvent),
            l.realistic.streams,
            l.realistic.eventsPerSec,
            fmt(l.realistic.lagP50Ms),
            fmt(l.realistic.lagP99Ms),
            fmt(l.realistic.lagP999Ms),
            l.realistic.dropped,
            pct(Math.max(l.raw.maxClientElu, l.realistic.maxClientElu)),
            l.raw.errors + l.realistic.errors,
            l.pinned ? 'yes' : 'no',
          ]),
        );
      }
    }
  } finally {
    inspector.close();
  }
  // A partial run (--only) into latest.json keeps the other sections of that file, named in
  // meta.kept with the run that measured them; a --json file holds this run's sections alone.
  const partial = resultsToWrite(
    flags.json === undefined ? readPrevious() : {},
    {
      meta,
      ...(nonstream ? { nonstream } : {}),
      ...(stream ? { stream } : {}),
      ...(micro ? { micro } : {}),
      ...(policy ? { policy } : {}),
      ...(scaling ? { scaling } : {}),
      ...(streamScaling ? { streamScaling } : {}),
    },
    flags.json,
  ) as Omit<BenchResults, 'targets'>;
  const results: BenchResults = { ...partial, targets: evaluateTargets(partial) };
  printProfiles(results);
  printAllocations(results);
  printTargets(results.targets);

  const written = saveResults(results, flags.json);
  const kept = flags.json === undefined ? '' : ` (${join(RESULTS_DIR(), 'latest.json')} left as it was)`;
  progress(`done in ${fmt((performance.now() - started) / 1000, 0)} s; wrote ${written.join(', ')}${kept}`);
}

main().then(
  // Exits at once: a keep-alive socket of fetch's pool must not hold the process open.
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
