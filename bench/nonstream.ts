/**
 * Non-streaming throughput: autocannon in this thread against the simulator (`speed: 0`, one
 * server thread) and against the bare uWS thread answering a static body of the same length.
 * The figure is the simulator's req/s as a share of bare uWS's. With both on one core each and
 * autocannon on the other, the load generator can be the limit; the server thread's CPU time per
 * request (from /proc) is reported beside it as the ratio that does not depend on the client.
 * A third run has the bare thread send the simulator's own headers too: the headers cost the
 * server and, above all, autocannon's parser, so that ratio isolates the simulator's own work.
 *
 * The three servers run side by side and are measured in interleaved rounds (each round in a
 * rotated order), and the ratios are medians over rounds of simulator ÷ bare measured in the same
 * round. Run one after the other, the same code gave ratios from 0.61 to 0.92 on this VM: the
 * host's load drifts over tens of seconds and hit one server's window and not another's.
 */
import autocannon from 'autocannon';
import { cpuSnapshot, splitCpu, type CpuSplit } from './thread-cpu.js';
import { startBareUnderTest, startSimulatorUnderTest, type ServerUnderTest } from './servers.js';
import { median } from './percentiles.js';
import { progress } from './table.js';
import { keepProfile, utilizationBetween, type ThreadInspector } from './thread-inspector.js';

export interface NonStreamOptions {
  readonly seed: number;
  /** Measured seconds per server, split over the rounds. */
  readonly durationS: number;
  readonly rounds: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly profile: boolean;
  /** Runs before each measured phase (waits for a quiet machine when asked to). */
  readonly beforePhase: (label: string) => Promise<void>;
}

export interface LoadFigures {
  readonly requests: number;
  readonly reqPerSec: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
  /** Server-thread CPU µs per request. */
  readonly serverCpuUsPerReq: number;
  /** Server thread's event-loop utilization during the run, 0..1. */
  readonly serverElu: number | undefined;
  readonly cpu: CpuSplit;
  /** Server thread on CPU 1, load generator on CPU 0. */
  readonly pinned: boolean;
  readonly profile?: readonly { readonly name: string; readonly share: number }[];
}

export interface NonStreamResult {
  readonly responseBytes: number;
  readonly connections: number;
  readonly durationS: number;
  /** Interleaved rounds the duration was split over; the ratios are medians over them. */
  readonly rounds: number;
  /** Response headers the simulator sent beyond uWS's own, and their bytes on the wire. */
  readonly headerCount: number;
  readonly headerBytes: number;
  readonly simulator: LoadFigures;
  readonly bare: LoadFigures;
  /** Bare uWS sending the simulator's headers as well: the same response bytes. */
  readonly bareSameHeaders: LoadFigures;
  /** Simulator req/s ÷ bare uWS req/s, median over rounds (target ≥ 0.85). */
  readonly ratio: number;
  /** Bare uWS CPU µs/req ÷ simulator CPU µs/req, median over rounds: simulator ÷ bare in requests per server CPU second (not in CPU per request, which is its inverse). */
  readonly cpuRatio: number;
  /** Each round's req/s ratio, in round order. */
  readonly roundRatios: readonly number[];
  /** The two ratios against the bare thread sending the same headers. */
  readonly ratioSameHeaders: number;
  readonly cpuRatioSameHeaders: number;
}

export const CHAT_PATH = '/v1/chat/completions';

/** The fixed non-streaming request. */
export const CHAT_REQUEST = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Write a short note about load testing.' }],
  max_tokens: 200,
} as const;

/** Headers uWS writes itself (and content-type, which the baseline always sends). */
const UWS_OWN_HEADERS = new Set(['date', 'content-length', 'uwebsockets', 'connection', 'content-type', 'transfer-encoding', 'keep-alive']);

/** The median-length answer of `samples` simulator answers to the fixed request: its body length and headers. */
async function typicalResponse(url: string, samples: number): Promise<{ bytes: number; headers: string[] }> {
  const seen: { bytes: number; headers: string[] }[] = [];
  for (let i = 0; i < samples; i++) {
    const r = await fetch(url + CHAT_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CHAT_REQUEST) });
    const headers: string[] = [];
    r.headers.forEach((value, name) => {
      if (!UWS_OWN_HEADERS.has(name)) headers.push(name, value);
    });
    seen.push({ bytes: (await r.arrayBuffer()).byteLength, headers });
  }
  seen.sort((a, b) => a.bytes - b.bytes);
  return seen[seen.length >> 1]!;
}

function cannon(url: string, connections: number, durationS: number): Promise<autocannon.Result> {
  return autocannon({
    url: url + CHAT_PATH,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body: JSON.stringify(CHAT_REQUEST),
    connections,
    pipelining: 1,
    duration: durationS,
  });
}

/** One measured window of autocannon against `server`. */
async function measure(server: ServerUnderTest, opts: NonStreamOptions, label: string, durationS: number, profile: boolean): Promise<LoadFigures> {
  await opts.beforePhase(`non-streaming: ${label}`);
  progress(`non-streaming: ${label}: ${durationS} s at ${opts.connections} connections`);
  const elu0 = await server.session?.eventLoopUtilization();
  if (profile) await server.session?.startProfile();
  const cpu0 = cpuSnapshot();
  const t0 = performance.now();
  const r = await cannon(server.url, opts.connections, durationS);
  const cpu = splitCpu(cpu0, cpuSnapshot(), server.threadIds, performance.now() - t0);
  const kept = profile && server.session ? await keepProfile(server.session, `nonstream-${label.replace(/, round \d+$/, '')}`) : undefined;
  const elu1 = await server.session?.eventLoopUtilization();
  const requests = r.requests.total;
  return {
    requests,
    reqPerSec: Math.round(requests / r.duration),
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
    serverCpuUsPerReq: requests > 0 ? (cpu.serverMs * 1000) / requests : Number.NaN,
    serverElu: elu0 && elu1 ? utilizationBetween(elu0, elu1) : undefined,
    cpu,
    pinned: server.pinned,
    ...(kept ? { profile: kept } : {}),
  };
}

/** A server's rounds as one run: totals over all of them, latency percentiles as medians. */
function combine(rounds: readonly LoadFigures[]): LoadFigures {
  const sum = (f: (r: LoadFigures) => number): number => rounds.reduce((n, r) => n + f(r), 0);
  const requests = sum((r) => r.requests);
  const cpu: CpuSplit = {
    mainMs: sum((r) => r.cpu.mainMs),
    serverMs: sum((r) => r.cpu.serverMs),
    otherMs: sum((r) => r.cpu.otherMs),
    outsideMs: sum((r) => r.cpu.outsideMs),
    wallMs: sum((r) => r.cpu.wallMs),
    cores: rounds[0]!.cpu.cores,
  };
  const elus = rounds.map((r) => r.serverElu).filter((e): e is number => e !== undefined);
  const profile = rounds.find((r) => r.profile !== undefined)?.profile;
  return {
    requests,
    reqPerSec: Math.round((requests * 1000) / cpu.wallMs),
    latencyP50Ms: median(rounds.map((r) => r.latencyP50Ms)),
    latencyP99Ms: median(rounds.map((r) => r.latencyP99Ms)),
    errors: sum((r) => r.errors),
    non2xx: sum((r) => r.non2xx),
    serverCpuUsPerReq: (cpu.serverMs * 1000) / requests,
    serverElu: elus.length > 0 ? elus.reduce((a, b) => a + b, 0) / elus.length : undefined,
    cpu,
    pinned: rounds.every((r) => r.pinned),
    ...(profile ? { profile } : {}),
  };
}

export async function runNonStream(inspector: ThreadInspector, opts: NonStreamOptions): Promise<NonStreamResult> {
  const started: ServerUnderTest[] = [];
  try {
    const sim = await startSimulatorUnderTest(inspector, { speed: 0, seed: opts.seed });
    started.push(sim);
    const typical = await typicalResponse(sim.url, 21);
    progress(`non-streaming: typical simulator response is ${typical.bytes} bytes with ${typical.headers.length / 2} headers of its own`);
    const bare = await startBareUnderTest(inspector, typical.bytes, []);
    started.push(bare);
    const bareSame = await startBareUnderTest(inspector, typical.bytes, typical.headers);
    started.push(bareSame);
    const servers = [
      { label: 'simulator', server: sim },
      { label: 'bare uWS', server: bare },
      { label: 'bare uWS, same headers', server: bareSame },
    ];
    for (const { label, server } of servers) {
      progress(`non-streaming: ${label}: warmup ${opts.warmupS} s${server.pinned ? ' (server on CPU 1, load generator on CPU 0)' : ' (threads not pinned)'}`);
      await cannon(server.url, opts.connections, opts.warmupS);
    }
    const roundS = Math.max(1, Math.round(opts.durationS / opts.rounds));
    const runs: LoadFigures[][] = servers.map(() => []);
    for (let round = 0; round < opts.rounds; round++) {
      // Rotated order, so no server always runs first (or right after another's load).
      for (let k = 0; k < servers.length; k++) {
        const i = (k + round) % servers.length;
        runs[i]!.push(await measure(servers[i]!.server, opts, `${servers[i]!.label}, round ${round + 1}`, roundS, opts.profile && round === 0));
      }
    }
    const [simRuns, bareRuns, sameRuns] = runs as [LoadFigures[], LoadFigures[], LoadFigures[]];
    const paired = (a: readonly LoadFigures[], b: readonly LoadFigures[], f: (x: LoadFigures, y: LoadFigures) => number): number[] => a.map((x, i) => f(x, b[i]!));
    const byReq = (x: LoadFigures, y: LoadFigures): number => x.reqPerSec / y.reqPerSec;
    const byCpu = (x: LoadFigures, y: LoadFigures): number => y.serverCpuUsPerReq / x.serverCpuUsPerReq;
    const roundRatios = paired(simRuns, bareRuns, byReq);
    let headerBytes = 0;
    for (let i = 0; i < typical.headers.length; i += 2) headerBytes += typical.headers[i]!.length + typical.headers[i + 1]!.length + 4;
    return {
      responseBytes: typical.bytes,
      headerCount: typical.headers.length / 2,
      headerBytes,
      connections: opts.connections,
      durationS: roundS * opts.rounds,
      rounds: opts.rounds,
      simulator: combine(simRuns),
      bare: combine(bareRuns),
      bareSameHeaders: combine(sameRuns),
      ratio: median(roundRatios),
      cpuRatio: median(paired(simRuns, bareRuns, byCpu)),
      roundRatios,
      ratioSameHeaders: median(paired(simRuns, sameRuns, byReq)),
      cpuRatioSameHeaders: median(paired(simRuns, sameRuns, byCpu)),
    };
  } finally {
    for (const s of started) await s.stop();
  }
}
