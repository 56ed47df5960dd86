/**
 * Client-side latency histograms, kept as the server keeps its own (`src/metrics/histograms.ts`:
 * integer µs, summarized in ms), so client and server figures sit side by side in one table.
 */
import type * as hdr from 'hdr-histogram-js';
import { buildUsHistogram, msToUs, summarizeUs, type HistogramSummary } from '../src/metrics/histograms.js';

/** Ten minutes in µs: a longer value is clamped rather than dropped. */
const HIGHEST_US = 600_000_000;

export type Summary = HistogramSummary;

export function buildHistogram(): hdr.Histogram {
  return buildUsHistogram(HIGHEST_US);
}

/** Records a duration given in ms as integer µs, clamped to [0, HIGHEST_US]. */
export function recordMs(h: hdr.Histogram, ms: number): void {
  h.recordValue(msToUs(ms, HIGHEST_US));
}

export const summarize = summarizeUs;

/** The median of a few round figures (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
