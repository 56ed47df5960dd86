/**
 * Client-side latency histograms: hdr-histogram-js recorded in integer microseconds, reported
 * in milliseconds in the same shape as the server's `/_understudy/stats` summaries, so client
 * and server figures sit side by side in one table.
 */
import * as hdr from 'hdr-histogram-js';

/** Ten minutes in µs: a longer value is clamped rather than dropped. */
const HIGHEST_US = 600_000_000;

/** Summary of one histogram, in milliseconds. */
export interface Summary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export function buildHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, autoResize: false, useWebAssembly: false });
}

/** Records a duration given in ms as integer µs, clamped to [0, HIGHEST_US]. */
export function recordMs(h: hdr.Histogram, ms: number): void {
  const us = Math.round(ms * 1000);
  h.recordValue(us < 0 ? 0 : us > HIGHEST_US ? HIGHEST_US : us);
}

const round3 = (ms: number): number => Math.round(ms * 1000) / 1000;

export function summarize(h: hdr.Histogram): Summary {
  const n = h.totalCount;
  const at = (p: number): number => (n === 0 ? 0 : round3(h.getValueAtPercentile(p) / 1000));
  return {
    count: n,
    min: at(0),
    mean: n === 0 ? 0 : round3(h.mean / 1000),
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: n === 0 ? 0 : round3(h.maxValue / 1000),
  };
}
