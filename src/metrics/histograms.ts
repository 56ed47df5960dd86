/**
 * Timing-fidelity histograms (hdr-histogram-js), one set per server thread, recorded in integer
 * microseconds: emission lag (actual minus scheduled emission), time to first token and
 * inter-token gap as actually sent. Threads hand over compressed encodings on request and the
 * main thread merges them, so reading never touches the hot path.
 */
import * as hdr from 'hdr-histogram-js';

export const HISTOGRAMS = ['emissionLagMs', 'ttftMs', 'itlMs'] as const;
export type HistogramName = (typeof HISTOGRAMS)[number];

/** One hour in µs: anything longer is clamped rather than dropped. */
const HIGHEST_US = 3_600_000_000;

function build(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

function toUs(ms: number): number {
  const us = Math.round(ms * 1000);
  return us < 0 ? 0 : us > HIGHEST_US ? HIGHEST_US : us;
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
    this.hdr = build();
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
    this.#byName = { emissionLagMs: new FastHistogram(), ttftMs: new FastHistogram(), itlMs: new FastHistogram() };
  }

  record(name: HistogramName, ms: number, count = 1): void {
    this.#byName[name].record(toUs(ms), count);
  }

  encode(): Record<HistogramName, string> {
    return {
      emissionLagMs: hdr.encodeIntoCompressedBase64(this.#byName.emissionLagMs.flush()),
      ttftMs: hdr.encodeIntoCompressedBase64(this.#byName.ttftMs.flush()),
      itlMs: hdr.encodeIntoCompressedBase64(this.#byName.itlMs.flush()),
    };
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

/** Merges per-thread encodings into one summary per histogram, in ms. */
export function mergeHistograms(parts: readonly Record<HistogramName, string>[]): Record<HistogramName, HistogramSummary> {
  const out = {} as Record<HistogramName, HistogramSummary>;
  for (const name of HISTOGRAMS) {
    const merged = build();
    for (const part of parts) merged.add(hdr.decodeFromCompressedBase64(part[name], 32, false));
    const count = merged.totalCount;
    out[name] = {
      count,
      min: count === 0 ? 0 : round3(merged.minNonZeroValue),
      mean: count === 0 ? 0 : round3(merged.mean),
      p50: round3(merged.getValueAtPercentile(50)),
      p90: round3(merged.getValueAtPercentile(90)),
      p99: round3(merged.getValueAtPercentile(99)),
      p999: round3(merged.getValueAtPercentile(99.9)),
      max: round3(merged.maxValue),
    };
  }
  return out;
}
