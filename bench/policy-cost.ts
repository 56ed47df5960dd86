/**
 * The cost of quotas and chaos on throughput (issue target: under 10%). Non-streaming chat at
 * `--speed 0` against one simulator whose policies are switched through the admin API between
 * rounds: off, and on with every request going through them (a rate limit too large to refuse
 * anything, and a scenario whose phase matches every request and draws for each of its faults, at
 * probability 0 so none fires). Rounds alternate (off, on, off, on), so drift hits both. One
 * server thread serves both sides: two simulators would be two V8 isolates whose JIT outcomes
 * differ by more than the effect measured (the same handler ran 9.2 or 11.5–14.6 µs in different
 * processes). The figure is the median over adjacent (off, on) pairs of server-thread CPU per
 * request on ÷ off. Pairing matters on a noisy VM: one configuration alone varied ±13% between
 * consecutive rounds.
 *
 * Rounds run at one fixed offered rate, below what the load generator can push, so both sides see
 * the same load. Flat out, the policies' six rate-limit headers slowed autocannon's parser, the
 * server thread then idled between smaller batches of requests, and its CPU per request rose for
 * that reason alone: the same build read 2% when the server was the bottleneck and 17-24% once it
 * no longer was. Req/s flat out (from the warmup) is reported beside it.
 */
import autocannon from 'autocannon';
import { CHAT_PATH, CHAT_REQUEST } from './nonstream.js';
import { startSimulatorUnderTest, type ServerUnderTest } from './servers.js';
import { cpuSnapshot, splitCpu } from './thread-cpu.js';
import { median } from './percentiles.js';
import { progress } from './table.js';
import type { ThreadInspector } from './thread-inspector.js';

/** Pairs of (off, on) rounds; their order alternates (off-on, on-off, ...) so a linear drift cancels. */
const PAIRS = 8;
/** The fixed offered rate, as a share of the slower side's flat-out req/s in the warmup. */
const RATE_SHARE = 0.7;

export interface PolicyCostResult {
  /** Medians over rounds at `offeredRate`. */
  readonly off: { readonly reqPerSec: number; readonly serverCpuUsPerReq: number };
  readonly on: { readonly reqPerSec: number; readonly serverCpuUsPerReq: number };
  /** Requests per second offered in every round. */
  readonly offeredRate: number;
  /** Flat-out req/s of each side in the warmup (the load generator's limit as much as the server's). */
  readonly flatOut: { readonly off: number; readonly on: number };
  /** Median over paired rounds of server CPU per request, on ÷ off, minus one: the overhead (target < 0.10). */
  readonly cpuOverhead: number;
  /** Req/s lost flat out with policies on (warmup figures; the load generator's parsing of the extra headers included). */
  readonly throughputLoss: number;
  /** Each pair's server CPU per request, on ÷ off, in round order: the spread behind the median. */
  readonly pairCpuRatios: readonly number[];
}

/**
 * The policies switched on in the `on` rounds (and in the handler micro case's policy cost), as the
 * admin API takes them: a rate limit too large to refuse anything, and a scenario whose phase
 * matches every request and draws each fault at probability 0. Only the brownout gets factors:
 * a fault field its kind does not read is refused.
 */
export function benchPolicies(): { quota: unknown; scenario: unknown } {
  const faults = ['rate_limit', 'server_error_500', 'disconnect_after_tokens', 'ttft_brownout'].map((kind) => ({ kind, probability: 0, ...(kind === 'ttft_brownout' ? { factorFrom: 1, factorTo: 1 } : {}) }));
  return {
    quota: { defaults: { requestsPerMinute: 1e9, tokensPerMinute: 1e12 } },
    scenario: { name: 'bench', phases: [{ name: 'all', target: { models: ['gpt-'] }, faults }, { name: 'second', faults }] },
  };
}

/** Switches the simulator's quota and scenario on or off through the admin API. */
async function setPolicies(server: ServerUnderTest, on: boolean): Promise<void> {
  const p = benchPolicies();
  for (const [path, body] of [['/_understudy/quota', p.quota], ['/_understudy/scenario', p.scenario]] as const) {
    const res = await fetch(server.url + path, on ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : { method: 'DELETE' });
    if (!res.ok) throw new Error(`policy-cost: ${on ? 'POST' : 'DELETE'} ${path} answered ${res.status}: ${await res.text()}`);
  }
}

/** One window of autocannon; `rate` fixes the offered requests per second (undefined: flat out). */
async function phase(server: ServerUnderTest, connections: number, durationS: number, rate?: number): Promise<{ reqPerSec: number; serverCpuUsPerReq: number }> {
  const cpu0 = cpuSnapshot();
  const t0 = performance.now();
  const r = await autocannon({
    url: server.url + CHAT_PATH,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body: JSON.stringify(CHAT_REQUEST),
    connections,
    duration: durationS,
    ...(rate === undefined ? {} : { overallRate: rate }),
  });
  const cpu = splitCpu(cpu0, cpuSnapshot(), server.threadIds, performance.now() - t0);
  if (r.non2xx > 0) throw new Error(`policy-cost: ${r.non2xx} non-2xx answers: the policies must not refuse anything here`);
  return { reqPerSec: r.requests.total / r.duration, serverCpuUsPerReq: (cpu.serverMs * 1000) / r.requests.total };
}

export async function runPolicyCost(inspector: ThreadInspector, opts: { seed: number; durationS: number; connections: number }): Promise<PolicyCostResult> {
  const server = await startSimulatorUnderTest(inspector, { speed: 0, seed: opts.seed, overrideHeaders: false });
  try {
    progress(`policy cost: ${server.pinned ? 'load generator on CPU 0, server on CPU 1' : 'threads not pinned (no taskset)'}; policies switched through the admin API`);
    // Warm both paths before any round counts; flat out, which also finds the rate to offer.
    await setPolicies(server, false);
    const offFlat = await phase(server, opts.connections, 2);
    await setPolicies(server, true);
    const onFlat = await phase(server, opts.connections, 2);
    const rate = Math.round((RATE_SHARE * Math.min(offFlat.reqPerSec, onFlat.reqPerSec)) / 1000) * 1000;
    progress(`policy cost: ${rate} req/s offered in every round (${RATE_SHARE * 100}% of the slower side flat out)`);
    type Round = { reqPerSec: number; serverCpuUsPerReq: number };
    const runs = { off: [] as Round[], on: [] as Round[] };
    const round = async (on: boolean, i: number): Promise<void> => {
      progress(`policy cost: ${on ? 'on' : 'off'}, pair ${i + 1} of ${PAIRS}`);
      await setPolicies(server, on);
      (on ? runs.on : runs.off).push(await phase(server, opts.connections, opts.durationS, rate));
    };
    for (let i = 0; i < PAIRS; i++) {
      const onFirst = i % 2 === 1;
      await round(onFirst, i);
      await round(!onFirst, i);
    }
    const summary = (xs: Round[]) => ({
      reqPerSec: Math.round(median(xs.map((x) => x.reqPerSec))),
      serverCpuUsPerReq: median(xs.map((x) => x.serverCpuUsPerReq)),
    });
    const cpuRatios = runs.on.map((r, i) => r.serverCpuUsPerReq / runs.off[i]!.serverCpuUsPerReq);
    return {
      off: summary(runs.off),
      on: summary(runs.on),
      offeredRate: rate,
      flatOut: { off: Math.round(offFlat.reqPerSec), on: Math.round(onFlat.reqPerSec) },
      cpuOverhead: median(cpuRatios) - 1,
      throughputLoss: 1 - onFlat.reqPerSec / offFlat.reqPerSec,
      pairCpuRatios: cpuRatios,
    };
  } finally {
    await server.stop();
  }
}
