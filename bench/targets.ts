/** The project's performance targets, each checked against the figures of one run. */
import type { NonStreamResult } from './nonstream.js';
import type { PolicyCostResult } from './policy-cost.js';
import type { StreamLevelResult, StreamResult } from './stream.js';

export interface TargetVerdict {
  readonly target: string;
  readonly figure: string;
  readonly verdict: 'met' | 'not met' | 'not measured';
}

interface Measured {
  readonly nonstream?: NonStreamResult;
  readonly stream?: StreamResult;
  readonly policy?: PolicyCostResult;
}

const NON_STREAM_RATIO = 0.85;
const RAW_EVENTS_PER_SEC = 100_000;
const STREAM_KIB = 20;
const POLICY_OVERHEAD = 0.1;
const LAG_TARGETS = [
  { streams: 2000, p99Ms: 2 },
  { streams: 10_000, p99Ms: 10 },
] as const;

const verdict = (ok: boolean): TargetVerdict['verdict'] => (ok ? 'met' : 'not met');

function levelFor(stream: StreamResult | undefined, streams: number): StreamLevelResult | undefined {
  return stream?.levels.find((l) => l.requested === streams);
}

export function evaluateTargets(m: Measured): TargetVerdict[] {
  const out: TargetVerdict[] = [];
  const ns = m.nonstream;
  out.push({
    target: `non-streaming req/s ≥ ${NON_STREAM_RATIO * 100}% of bare uWS`,
    figure: ns
      ? `${(ns.ratio * 100).toFixed(1)}% (${ns.simulator.reqPerSec.toLocaleString('en-US')} vs ${ns.bare.reqPerSec.toLocaleString('en-US')} req/s; by requests per server CPU second ${(ns.cpuRatio * 100).toFixed(1)}%, the simulator taking ${(ns.simulator.serverCpuUsPerReq / ns.bare.serverCpuUsPerReq).toFixed(2)}× bare's CPU per request)` +
        (ns.ratioSameHeaders === undefined ? '' : `; with the same headers ${(ns.ratioSameHeaders * 100).toFixed(1)}%`)
      : 'n/a',
    verdict: ns ? verdict(ns.ratio >= NON_STREAM_RATIO) : 'not measured',
  });
  const raw = m.stream?.raw;
  out.push({
    target: `≥ ${RAW_EVENTS_PER_SEC.toLocaleString('en-US')} SSE events/s by one server thread`,
    figure: raw ? `${raw.client.eventsPerSec.toLocaleString('en-US')} events/s (speed 0, ${raw.concurrency} streams)` : 'n/a',
    verdict: raw ? verdict(raw.client.eventsPerSec >= RAW_EVENTS_PER_SEC) : 'not measured',
  });
  for (const t of LAG_TARGETS) {
    const level = levelFor(m.stream, t.streams);
    const lag = level?.server.stats?.histograms.emissionLagMs;
    const capped = level !== undefined && level.concurrency !== level.requested ? ` at ${level.concurrency} streams (capped)` : '';
    out.push({
      target: `emission lag p99 ≤ ${t.p99Ms} ms at ${t.streams.toLocaleString('en-US')} realistic streams`,
      figure: lag ? `p99 ${lag.p99} ms, p50 ${lag.p50} ms${capped}` : 'n/a',
      verdict: lag ? verdict(lag.p99 <= t.p99Ms) : 'not measured',
    });
  }
  // Judged on the whole-cost estimate (heap alone leaves out native buffers), at the largest level
  // where the server kept ≥ 90% of the streams open: past saturation, requests queue unread on
  // the server's sockets and the per-stream figure stops describing an open stream.
  const byLevel = [...(m.stream?.levels ?? [])].sort((a, b) => b.concurrency - a.concurrency);
  const largest = byLevel.find((l) => (l.server.activeStreams ?? 0) >= 0.9 * l.concurrency) ?? byLevel[0];
  const est = largest?.memory.serverRssPerStreamBytes;
  const heap = largest?.memory.serverHeapPerStreamBytes;
  out.push({
    target: `≤ ${STREAM_KIB} KiB server memory per open stream`,
    figure:
      largest && est !== undefined
        ? `${(est / 1024).toFixed(1)} KiB RSS, ${heap === undefined ? 'n/a' : (heap / 1024).toFixed(1)} KiB V8 heap, at ${largest.concurrency} streams (${largest.server.activeStreams ?? '?'} open)`
        : 'n/a',
    verdict: est !== undefined ? verdict(est <= STREAM_KIB * 1024) : 'not measured',
  });
  const policy = m.policy;
  out.push({
    target: `quotas and chaos cost < ${POLICY_OVERHEAD * 100}% (server CPU per request)`,
    figure: policy
      ? `${(policy.cpuOverhead * 100).toFixed(1)}% server CPU per request at ${policy.offeredRate === undefined ? 'full load' : `${policy.offeredRate.toLocaleString('en-US')} req/s`} (median of paired rounds); ${(policy.throughputLoss * 100).toFixed(1)}% req/s flat out`
      : 'n/a',
    verdict: policy ? verdict(policy.cpuOverhead < POLICY_OVERHEAD) : 'not measured',
  });
  return out;
}
