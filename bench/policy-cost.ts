/**
 * The cost of quotas and chaos on throughput (issue target: under 10%). Non-streaming chat at
 * `--speed 0` against two simulators: policies off, and policies on with every request going
 * through them (a rate limit too large to refuse anything, and a scenario whose phase matches
 * every request and draws for each of its faults, at probability 0 so none fires). The figure is
 * server-thread CPU per request with policies on ÷ off, which does not depend on the client; req/s
 * is reported beside it. Phases alternate (off, on, off, on) so drift hits both.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { CHAT_PATH, CHAT_REQUEST } from './nonstream.js';
import { startSimulatorUnderTest, type ServerUnderTest } from './servers.js';
import { cpuSnapshot, splitCpu } from './thread-cpu.js';
import { progress } from './table.js';
import type { ThreadInspector } from './thread-inspector.js';

const ROUNDS = 5;

export interface PolicyCostResult {
  readonly off: { readonly reqPerSec: number; readonly serverCpuUsPerReq: number };
  readonly on: { readonly reqPerSec: number; readonly serverCpuUsPerReq: number };
  /** Server CPU per request, on ÷ off, minus one: the overhead (target < 0.10). */
  readonly cpuOverhead: number;
  /** Req/s lost with policies on (1 − on ÷ off). */
  readonly throughputLoss: number;
}

function policyFiles(): { quota: string; scenario: string } {
  const dir = mkdtempSync(join(tmpdir(), 'understudy-bench-'));
  const quota = join(dir, 'quota.json');
  writeFileSync(quota, JSON.stringify({ defaults: { requestsPerMinute: 1e9, tokensPerMinute: 1e12 } }));
  const scenario = join(dir, 'scenario.json');
  const faults = ['rate_limit', 'server_error_500', 'disconnect_after_tokens', 'ttft_brownout'].map((kind) => ({ kind, probability: 0, factorFrom: 1, factorTo: 1 }));
  writeFileSync(scenario, JSON.stringify({ name: 'bench', phases: [{ name: 'all', target: { models: ['gpt-'] }, faults }, { name: 'second', faults }] }));
  return { quota, scenario };
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
  const files = policyFiles();
  // Every started simulator is stopped: a process that exits with uWS threads running aborts.
  const off = await startSimulatorUnderTest(inspector, { speed: 0, seed: opts.seed, overrideHeaders: false });
  let on: ServerUnderTest;
  try {
    on = await startSimulatorUnderTest(inspector, { speed: 0, seed: opts.seed, overrideHeaders: false, quota: files.quota, scenario: files.scenario });
  } catch (err) {
    await off.stop();
    throw err;
  }
  try {
    progress(`policy cost: ${off.pinned && on.pinned ? 'load generator on CPU 0, servers on CPU 1' : 'threads not pinned (no taskset)'}`);
    await phase(off, opts.connections, 2);
    await phase(on, opts.connections, 2);
    const runs = { off: [] as { reqPerSec: number; serverCpuUsPerReq: number }[], on: [] as { reqPerSec: number; serverCpuUsPerReq: number }[] };
    // Alternating rounds and medians: this figure is a difference of two noisy measurements.
    for (let i = 0; i < ROUNDS; i++) {
      progress(`policy cost: off, round ${i + 1}`);
      runs.off.push(await phase(off, opts.connections, opts.durationS));
      progress(`policy cost: on, round ${i + 1}`);
      runs.on.push(await phase(on, opts.connections, opts.durationS));
    }
    const median = (xs: number[]): number => {
      const s = [...xs].sort((p, q) => p - q);
      return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    };
    const summary = (xs: { reqPerSec: number; serverCpuUsPerReq: number }[]) => ({
      reqPerSec: Math.round(median(xs.map((x) => x.reqPerSec))),
      serverCpuUsPerReq: median(xs.map((x) => x.serverCpuUsPerReq)),
    });
    const a = summary(runs.off);
    const b = summary(runs.on);
    return { off: a, on: b, cpuOverhead: b.serverCpuUsPerReq / a.serverCpuUsPerReq - 1, throughputLoss: 1 - b.reqPerSec / a.reqPerSec };
  } finally {
    await off.stop();
    await on.stop();
  }
}
