/**
 * Non-streaming throughput: autocannon in this thread against the simulator (`speed: 0`, one
 * server thread) and against the bare uWS thread answering a static body of the same length.
 * The figure is the simulator's req/s as a share of bare uWS's. With both on one core each and
 * autocannon on the other, the load generator can be the limit; the server thread's CPU time per
 * request (from /proc) is reported beside it as the ratio that does not depend on the client.
 * A third run has the bare thread send the simulator's own headers too: the headers cost the
 * server and, above all, autocannon's parser, so that ratio isolates the simulator's own work.
 */
import autocannon from 'autocannon';
import { cpuSnapshot, splitCpu, type CpuSplit } from './thread-cpu.js';
import { startBareUnderTest, startSimulatorUnderTest, type ServerUnderTest } from './servers.js';
import { progress } from './table.js';
import { keepProfile, utilizationBetween, type ThreadInspector } from './thread-inspector.js';

export interface NonStreamOptions {
  readonly seed: number;
  readonly durationS: number;
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
  /** Response headers the simulator sent beyond uWS's own, and their bytes on the wire. */
  readonly headerCount: number;
  readonly headerBytes: number;
  readonly simulator: LoadFigures;
  readonly bare: LoadFigures;
  /** Bare uWS sending the simulator's headers as well: the same response bytes. */
  readonly bareSameHeaders: LoadFigures;
  /** Simulator req/s ÷ bare uWS req/s (target ≥ 0.85). */
  readonly ratio: number;
  /** Bare uWS CPU µs/req ÷ simulator CPU µs/req: the same ratio measured as server cost. */
  readonly cpuRatio: number;
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

async function measure(server: ServerUnderTest, opts: NonStreamOptions, label: string): Promise<LoadFigures> {
  await opts.beforePhase(`non-streaming: ${label}`);
  progress(`non-streaming: ${label}: warmup ${opts.warmupS} s${server.pinned ? ' (server on CPU 1, load generator on CPU 0)' : ' (threads not pinned)'}`);
  await cannon(server.url, opts.connections, opts.warmupS);
  progress(`non-streaming: ${label}: ${opts.durationS} s at ${opts.connections} connections`);
  const elu0 = await server.session?.eventLoopUtilization();
  if (opts.profile) await server.session?.startProfile();
  const cpu0 = cpuSnapshot();
  const t0 = performance.now();
  const r = await cannon(server.url, opts.connections, opts.durationS);
  const cpu = splitCpu(cpu0, cpuSnapshot(), server.threadIds, performance.now() - t0);
  const profile = opts.profile && server.session ? await keepProfile(server.session, `nonstream-${label}`) : undefined;
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
    ...(profile ? { profile } : {}),
  };
}

export async function runNonStream(inspector: ThreadInspector, opts: NonStreamOptions): Promise<NonStreamResult> {
  const sim = await startSimulatorUnderTest(inspector, { speed: 0, seed: opts.seed });
  let simulator: LoadFigures;
  let typical: { bytes: number; headers: string[] };
  try {
    typical = await typicalResponse(sim.url, 21);
    progress(`non-streaming: typical simulator response is ${typical.bytes} bytes with ${typical.headers.length / 2} headers of its own`);
    simulator = await measure(sim, opts, 'simulator');
  } finally {
    await sim.stop();
  }
  const measureBare = async (headers: readonly string[], label: string): Promise<LoadFigures> => {
    const server = await startBareUnderTest(inspector, typical.bytes, headers);
    try {
      return await measure(server, opts, label);
    } finally {
      await server.stop();
    }
  };
  const bare = await measureBare([], 'bare uWS');
  const bareSameHeaders = await measureBare(typical.headers, 'bare uWS, same headers');
  let headerBytes = 0;
  for (let i = 0; i < typical.headers.length; i += 2) headerBytes += typical.headers[i]!.length + typical.headers[i + 1]!.length + 4;
  return {
    responseBytes: typical.bytes,
    headerCount: typical.headers.length / 2,
    headerBytes,
    connections: opts.connections,
    durationS: opts.durationS,
    simulator,
    bare,
    bareSameHeaders,
    ratio: simulator.reqPerSec / bare.reqPerSec,
    cpuRatio: bare.serverCpuUsPerReq / simulator.serverCpuUsPerReq,
    ratioSameHeaders: simulator.reqPerSec / bareSameHeaders.reqPerSec,
    cpuRatioSameHeaders: bareSameHeaders.serverCpuUsPerReq / simulator.serverCpuUsPerReq,
  };
}
