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

export class ThreadHistograms {
  readonly #byName: Record<HistogramName, hdr.Histogram>;

  constructor() {
    this.#byName = { emissionLagMs: build(), ttftMs: build(), itlMs: build() };
  }

  record(name: HistogramName, ms: number, count = 1): void {
    if (count === 1) this.#byName[name].recordValue(toUs(ms));
    else this.#byName[name].recordValueWithCount(toUs(ms), count);
  }

  encode(): Record<HistogramName, string> {
    return {
      emissionLagMs: hdr.encodeIntoCompressedBase64(this.#byName.emissionLagMs),
      ttftMs: hdr.encodeIntoCompressedBase64(this.#byName.ttftMs),
      itlMs: hdr.encodeIntoCompressedBase64(this.#byName.itlMs),
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
