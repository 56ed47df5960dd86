/**
 * Timing-fidelity histograms (hdr-histogram-js), one set per server thread, recorded in integer
 * microseconds: emission lag (actual minus scheduled emission), time to first token and
 * inter-token gap as actually sent, and the thread's garbage-collection pauses (a pause delays
 * every stream of the thread at once, so it is what the lag tail is read against). Threads hand
 * over copies on request and the main thread decodes and merges them, so a read costs a server
 * thread a copy and nothing of hdr's per-value work.
 */
import * as hdr from 'hdr-histogram-js';

export const HISTOGRAMS = ['emissionLagMs', 'ttftMs', 'itlMs', 'gcPauseMs'] as const;
export type HistogramName = (typeof HISTOGRAMS)[number];

/** One hour in µs: anything longer is clamped rather than dropped. */
const HIGHEST_US = 3_600_000_000;

/**
 * A histogram of integer µs up to `highestUs`, as every timing histogram here (the bench's too) is
 * kept. Its counts are 64-bit: hdr's default 32-bit buckets wrapped once one value had been seen
 * 2^31 times, which a `--speed 0` run's 0 µs gaps reach within the hour.
 */
export function buildUsHistogram(highestUs: number = HIGHEST_US): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: highestUs, numberOfSignificantValueDigits: 3, bitBucketSize: 64, useWebAssembly: false });
}

/** A duration in ms as integer µs, clamped to [0, highestUs] rather than dropped. */
export function msToUs(ms: number, highestUs: number = HIGHEST_US): number {
  const us = Math.round(ms * 1000);
  return us < 0 ? 0 : us > highestUs ? highestUs : us;
}

/**
 * Values below this many µs are counted in a plain array rather than in hdr. Recording runs several
 * times per SSE event, and hdr's JS recorder does a log2 and two pow per value; most lags and gaps
 * are a few ms, so the common case becomes one array increment.
 */
const FAST_LIMIT_US = 32_768;

/**
 * One thread's histogram as it crosses to the main thread: a copy of the array of counts below
 * 32.768 ms (index = µs), and hdr's compressed encoding of the values past it (null when there are
 * none). The server thread only copies 256 KiB per histogram (and encodes the few values past the
 * array); hdr's per-value work (a log2 and two pow for each of up to 32,768 distinct values) and
 * the merge happen on the main thread. Done on the server thread, that work held every stream of
 * the thread for 9–30 ms per stats read or `/metrics` scrape.
 */
export interface HistogramPart {
  readonly small: Float64Array;
  readonly large: string | null;
  /** The exact sum of the values recorded, µs: hdr's mean is a bucket estimate, and a sum made from it moved down between scrapes. */
  readonly sumUs: number;
  /**
   * The least and greatest values recorded, µs (Infinity and -Infinity when none were): hdr gives
   * the edges of their buckets, up to 0.1% off (a single 205.363 ms TTFT read as a minimum of
   * 205.312), enough to put a TTFT's minimum under the one its header announced.
   */
  readonly minUs: number;
  readonly maxUs: number;
}

class FastHistogram {
  readonly #large: hdr.Histogram;
  /** Counts as doubles (exact to 2^53): 32-bit ones wrapped at 2^32 of one value, an hour of a `--speed 0` run's 0 µs gaps. */
  readonly #small: Float64Array;
  /**
   * [0]: the sum of the µs recorded (integers, so exact in a double for centuries of them); [1],
   * [2]: the least and greatest. An array, as the wheel keeps its double: a number field risks a
   * boxed store per record.
   */
  readonly #exact: Float64Array;

  constructor() {
    this.#large = buildUsHistogram();
    this.#small = new Float64Array(FAST_LIMIT_US);
    this.#exact = new Float64Array([0, Infinity, -Infinity]);
  }

  record(us: number, count: number): void {
    const exact = this.#exact;
    exact[0]! += us * count;
    if (us < exact[1]!) exact[1] = us;
    if (us > exact[2]!) exact[2] = us;
    if (us < FAST_LIMIT_US) this.#small[us] = this.#small[us]! + count;
    else if (count === 1) this.#large.recordValue(us);
    else this.#large.recordValueWithCount(us, count);
  }

  /** What has been recorded since the last reset; recording goes on unchanged. */
  snapshot(): HistogramPart {
    const exact = this.#exact;
    return { small: this.#small.slice(), large: this.#large.totalCount === 0 ? null : hdr.encodeIntoCompressedBase64(this.#large), sumUs: exact[0]!, minUs: exact[1]!, maxUs: exact[2]! };
  }

  reset(): void {
    this.#small.fill(0);
    this.#large.reset();
    this.#exact.set([0, Infinity, -Infinity]);
  }
}

export class ThreadHistograms {
  readonly #byName: Record<HistogramName, FastHistogram>;

  constructor() {
    this.#byName = { emissionLagMs: new FastHistogram(), ttftMs: new FastHistogram(), itlMs: new FastHistogram(), gcPauseMs: new FastHistogram() };
  }

  record(name: HistogramName, ms: number, count = 1): void {
    this.#byName[name].record(msToUs(ms), count);
  }

  /** A copy of every histogram, for the main thread to add up (`addPart`, `mergeHistograms`). */
  encode(): Record<HistogramName, HistogramPart> {
    const out = {} as Record<HistogramName, HistogramPart>;
    for (const name of HISTOGRAMS) out[name] = this.#byName[name].snapshot();
    return out;
  }

  reset(): void {
    for (const name of HISTOGRAMS) this.#byName[name].reset();
  }
}

/** Adds a thread's part into `into` (a µs histogram from `buildUsHistogram`). */
export function addPart(into: hdr.Histogram, part: HistogramPart): void {
  if (part.large !== null) into.add(hdr.decodeFromCompressedBase64(part.large, 64, false));
  const small = part.small;
  for (let us = 0; us < small.length; us++) {
    const n = small[us]!;
    if (n !== 0) into.recordValueWithCount(us, n);
  }
}

export interface HistogramSummary {
  readonly count: number;
  /** The exact sum of the values, ms (three decimals): what a Prometheus summary's `_sum` reports. */
  readonly sum: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

const round3 = (us: number): number => Math.round(us) / 1000;

/** What a recorder kept exactly beside its histogram, µs. */
export interface ExactFigures {
  readonly sumUs: number;
  readonly minUs: number;
  readonly maxUs: number;
}

/**
 * A µs histogram's summary in ms (three decimals); all zero when empty. `exact`: the sum, least
 * and greatest values when the recorder kept them; otherwise hdr's mean × count and the edges of
 * the extreme buckets (estimates).
 */
export function summarizeUs(h: hdr.Histogram, exact?: ExactFigures): HistogramSummary {
  const count = h.totalCount;
  if (count === 0) return { count, sum: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const max = exact?.maxUs ?? h.maxValue;
  // Percentile 0 is the least value recorded, zero included (a lag of 0 is a real minimum).
  const min = exact?.minUs ?? h.getValueAtPercentile(0);
  // hdr answers a percentile with an edge of its bucket, which can lie above the largest value
  // recorded (a p99.9 of 20.431 ms beside a max of 20.422) or below the least; no percentile is
  // reported outside them.
  const at = (percentile: number): number => round3(Math.max(min, Math.min(h.getValueAtPercentile(percentile), max)));
  const sum = exact?.sumUs ?? h.mean * count;
  return {
    count,
    sum: round3(sum),
    min: round3(min),
    mean: round3(exact === undefined ? h.mean : sum / count),
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: round3(max),
  };
}

/** Merges per-thread parts into one summary per histogram, in ms. Runs on the main thread. */
export function mergeHistograms(parts: readonly Record<HistogramName, HistogramPart>[]): Record<HistogramName, HistogramSummary> {
  const out = {} as Record<HistogramName, HistogramSummary>;
  for (const name of HISTOGRAMS) {
    const merged = buildUsHistogram();
    let sumUs = 0;
    let minUs = Infinity;
    let maxUs = -Infinity;
    for (const part of parts) {
      const p = part[name];
      addPart(merged, p);
      sumUs += p.sumUs;
      minUs = Math.min(minUs, p.minUs);
      maxUs = Math.max(maxUs, p.maxUs);
    }
    out[name] = summarizeUs(merged, { sumUs, minUs, maxUs });
  }
  return out;
}
