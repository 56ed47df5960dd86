/**
 * The cost of quotas and chaos on throughput (issue target: under 10%). Non-streaming chat at
 * `--speed 0` against one simulator whose policies are switched through the admin API between
 * rounds: off, and on with every request going through them (a rate limit too large to refuse
 * anything, and a scenario whose phase matches every request and draws for each of its faults, at
 * probability 0 so none fires). Rounds alternate (off, on, off, on), so drift hits both. One
 * server thread serves both sides: two simulators would be two V8 isolates whose JIT outcomes
 * differ by more than the effect measured (the same handler ran 9.2 or 11.5–14.6 µs in different
 * processes). The figure is the median over adjacent (off, on) pairs of server-thread CPU per
 * request on ÷ off, which does not depend on the client; req/s is reported beside it the same way.
 * Pairing matters on a noisy VM: one configuration alone varied ±13% between consecutive rounds.
 */
import autocannon from 'autocannon';
import { CHAT_PATH, CHAT_REQUEST } from './nonstream.js';
import { startSimulatorUnderTest, type ServerUnderTest } from './servers.js';
import { cpuSnapshot, splitCpu } from './thread-cpu.js';
import { progress } from './table.js';
import type { ThreadInspector } from './thread-inspector.js';

/** Pairs of (off, on) rounds; their order alternates (off-on, on-off, ...) so a linear drift cancels. */
const PAIRS = 8;

export interface PolicyCostResult {
  readonly off: { readonly reqPerSec: number; readonly serverCpuUsPerReq: number };
  readonly on: { readonly reqPerSec: number; readonly serverCpuUsPerReq: number };
  /** Median over paired rounds of server CPU per request, on ÷ off, minus one: the overhead (target < 0.10). */
  readonly cpuOverhead: number;
  /** Req/s lost with policies on: 1 − the median over paired rounds of on ÷ off. */
  readonly throughputLoss: number;
}

/** The policies switched on in the `on` rounds, as the admin API takes them. */
function policies(): { quota: unknown; scenario: unknown } {
  const faults = ['rate_limit', 'server_error_500', 'disconnect_after_tokens', 'ttft_brownout'].map((kind) => ({ kind, probability: 0, factorFrom: 1, factorTo: 1 }));
  return {
    quota: { defaults: { requestsPerMinute: 1e9, tokensPerMinute: 1e12 } },
    scenario: { name: 'bench', phases: [{ name: 'all', target: { models: ['gpt-'] }, faults }, { name: 'second', faults }] },
  };
}

/** Switches the simulator's quota and scenario on or off through the admin API. */
async function setPolicies(server: ServerUnderTest, on: boolean): Promise<void> {
  const p = policies();
  for (const [path, body] of [['/_understudy/quota', p.quota], ['/_understudy/scenario', p.scenario]] as const) {
    const res = await fetch(server.url + path, on ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : { method: 'DELETE' });
    if (!res.ok) throw new Error(`policy-cost: ${on ? 'POST' : 'DELETE'} ${path} answered ${res.status}: ${await res.text()}`);
  }
}

async function phase(server: ServerUnderTest, connections: number, durationS: number): Promise<{ reqPerSec: number; serverCpuUsPerReq: number }> {
  const cpu0 = cpuSnapshot();
  const t0 = performance.now();
  const r = await autocannon({
    url: server.url + CHAT_PATH,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body: JSON.stringify(CHAT_REQUEST),
    connections,
    duration: durationS,
  });
  const cpu = splitCpu(cpu0, cpuSnapshot(), server.threadIds, performance.now() - t0);
  if (r.non2xx > 0) throw new Error(`policy-cost: ${r.non2xx} non-2xx answers: the policies must not refuse anything here`);
  return { reqPerSec: r.requests.total / r.duration, serverCpuUsPerReq: (cpu.serverMs * 1000) / r.requests.total };
}

export async function runPolicyCost(inspector: ThreadInspector, opts: { seed: number; durationS: number; connections: number }): Promise<PolicyCostResult> {
  const server = await startSimulatorUnderTest(inspector, { speed: 0, seed: opts.seed, overrideHeaders: false });
  try {
    progress(`policy cost: ${server.pinned ? 'load generator on CPU 0, server on CPU 1' : 'threads not pinned (no taskset)'}; policies switched through the admin API`);
    // Warm both paths before any round counts.
    await setPolicies(server, false);
    await phase(server, opts.connections, 2);
    await setPolicies(server, true);
    await phase(server, opts.connections, 2);
    type Round = { reqPerSec: number; serverCpuUsPerReq: number };
    const runs = { off: [] as Round[], on: [] as Round[] };
    const round = async (on: boolean, i: number): Promise<void> => {
      progress(`policy cost: ${on ? 'on' : 'off'}, pair ${i + 1} of ${PAIRS}`);
      await setPolicies(server, on);
      (on ? runs.on : runs.off).push(await phase(server, opts.connections, opts.durationS));
    };
    for (let i = 0; i < PAIRS; i++) {
      const onFirst = i % 2 === 1;
      await round(onFirst, i);
      await round(!onFirst, i);
    }
    const median = (xs: number[]): number => {
      const s = [...xs].sort((p, q) => p - q);
      return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    };
    const summary = (xs: Round[]) => ({
      reqPerSec: Math.round(median(xs.map((x) => x.reqPerSec))),
      serverCpuUsPerReq: median(xs.map((x) => x.serverCpuUsPerReq)),
    });
    const cpuRatios = runs.on.map((r, i) => r.serverCpuUsPerReq / runs.off[i]!.serverCpuUsPerReq);
    const rateRatios = runs.on.map((r, i) => r.reqPerSec / runs.off[i]!.reqPerSec);
    return { off: summary(runs.off), on: summary(runs.on), cpuOverhead: median(cpuRatios) - 1, throughputLoss: 1 - median(rateRatios) };
  } finally {
    await server.stop();
  }
}
