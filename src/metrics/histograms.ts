/**
 * Timing-fidelity histograms (hdr-histogram-js), one set per server thread, recorded in integer
 * microseconds: emission lag (actual minus scheduled emission), time to first token and
 * inter-token gap as actually sent, and the thread's garbage-collection pauses (a pause delays
 * every stream of the thread at once, so it is what the lag tail is read against). Threads hand
 * over compressed encodings on request and the main thread merges them, so reading never touches
 * the hot path.
 */
import * as hdr from 'hdr-histogram-js';

export const HISTOGRAMS = ['emissionLagMs', 'ttftMs', 'itlMs', 'gcPauseMs'] as const;
export type HistogramName = (typeof HISTOGRAMS)[number];

/** One hour in µs: anything longer is clamped rather than dropped. */
const HIGHEST_US = 3_600_000_000;

/** A histogram of integer µs up to `highestUs`, as every timing histogram here (the bench's too) is kept. */
export function buildUsHistogram(highestUs: number = HIGHEST_US): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: highestUs, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

/** A duration in ms as integer µs, clamped to [0, highestUs] rather than dropped. */
export function msToUs(ms: number, highestUs: number = HIGHEST_US): number {
  const us = Math.round(ms * 1000);
  return us < 0 ? 0 : us > highestUs ? highestUs : us;
}

/**
 * Values below this many µs are counted in a plain array and handed to hdr in bulk when read.
 * Recording runs several times per SSE event, and hdr's JS recorder does a log2 and two pow per
 * value; most lags and gaps are a few ms, so the common case becomes one array increment. The
 * histogram read afterwards is exactly the one direct recording would give.
 */
const FAST_LIMIT_US = 32_768;

class FastHistogram {
  readonly hdr: hdr.Histogram;
  readonly #small: Uint32Array;
  #pending: boolean;

  constructor() {
    this.hdr = buildUsHistogram();
    this.#small = new Uint32Array(FAST_LIMIT_US);
    this.#pending = false;
  }

  record(us: number, count: number): void {
    if (us < FAST_LIMIT_US) {
      this.#small[us] = this.#small[us]! + count;
      this.#pending = true;
    } else if (count === 1) this.hdr.recordValue(us);
    else this.hdr.recordValueWithCount(us, count);
  }

  /** Moves the array's counts into hdr; call before reading it. */
  flush(): hdr.Histogram {
    if (this.#pending) {
      const small = this.#small;
      for (let us = 0; us < FAST_LIMIT_US; us++) {
        const n = small[us]!;
        if (n !== 0) {
          this.hdr.recordValueWithCount(us, n);
          small[us] = 0;
        }
      }
      this.#pending = false;
    }
    return this.hdr;
  }

  reset(): void {
    this.#small.fill(0);
    this.#pending = false;
    this.hdr.reset();
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

  encode(): Record<HistogramName, string> {
    const out = {} as Record<HistogramName, string>;
    for (const name of HISTOGRAMS) out[name] = hdr.encodeIntoCompressedBase64(this.#byName[name].flush());
    return out;
  }

  reset(): void {
    for (const name of HISTOGRAMS) this.#byName[name].reset();
  }
}

export interface HistogramSummary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

const round3 = (us: number): number => Math.round(us) / 1000;

/** A µs histogram's summary in ms (three decimals); all zero when empty. */
export function summarizeUs(h: hdr.Histogram): HistogramSummary {
  const count = h.totalCount;
  if (count === 0) return { count, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return {
    count,
    // Percentile 0 is the least value recorded, zero included (a lag of 0 is a real minimum).
    min: round3(h.getValueAtPercentile(0)),
    mean: round3(h.mean),
    p50: round3(h.getValueAtPercentile(50)),
    p90: round3(h.getValueAtPercentile(90)),
    p99: round3(h.getValueAtPercentile(99)),
    p999: round3(h.getValueAtPercentile(99.9)),
    max: round3(h.maxValue),
  };
}

/** Merges per-thread encodings into one summary per histogram, in ms. */
export function mergeHistograms(parts: readonly Record<HistogramName, string>[]): Record<HistogramName, HistogramSummary> {
  const out = {} as Record<HistogramName, HistogramSummary>;
  for (const name of HISTOGRAMS) {
    const merged = buildUsHistogram();
    for (const part of parts) merged.add(hdr.decodeFromCompressedBase64(part[name], 32, false));
    out[name] = summarizeUs(merged);
  }
  return out;
}
