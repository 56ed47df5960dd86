import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { ThreadHistograms } from '../src/metrics/histograms.js';

function direct(values: readonly [number, number][]): hdr.Histogram {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  for (const [ms, count] of values) h.recordValueWithCount(Math.max(0, Math.round(ms * 1000)), count);
  return h;
}

describe('thread histograms', () => {
  it('encode exactly what recording each value into hdr would, small values and large', () => {
    const values: [number, number][] = [];
    for (let i = 0; i < 5000; i++) values.push([(i * 7919) % 40_000 / 1000, 1]);
    values.push([0, 3], [0.0004, 1], [-2, 1], [32.767, 2], [32.768, 1], [2_500, 1], [90_000, 4], [1.5, 7]);
    const h = new ThreadHistograms();
    for (const [ms, count] of values) h.record('emissionLagMs', ms, count);
    const decoded = hdr.decodeFromCompressedBase64(h.encode().emissionLagMs, 32, false);
    // Through the same encoding, which rounds the max to its bucket.
    const want = hdr.decodeFromCompressedBase64(hdr.encodeIntoCompressedBase64(direct(values)), 32, false);
    expect(decoded.totalCount).toBe(want.totalCount);
    expect(decoded.minNonZeroValue).toBe(want.minNonZeroValue);
    expect(decoded.maxValue).toBe(want.maxValue);
    for (const q of [0, 10, 50, 90, 99, 99.9, 100]) expect(decoded.getValueAtPercentile(q), `p${q}`).toBe(want.getValueAtPercentile(q));
  });

  it('counts values recorded after a read, and forgets everything on reset', () => {
    const h = new ThreadHistograms();
    h.record('itlMs', 5);
    h.encode();
    h.record('itlMs', 7, 2);
    expect(hdr.decodeFromCompressedBase64(h.encode().itlMs, 32, false).totalCount).toBe(3);
    h.reset();
    h.record('itlMs', 9);
    expect(hdr.decodeFromCompressedBase64(h.encode().itlMs, 32, false).totalCount).toBe(1);
  });
});
