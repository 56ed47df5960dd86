import { MessageChannel } from 'node:worker_threads';
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { addPart, buildUsHistogram, mergeHistograms, summarizeUs, ThreadHistograms, type HistogramPart } from '../src/metrics/histograms.js';

function direct(values: readonly [number, number][]): hdr.Histogram {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  for (const [ms, count] of values) h.recordValueWithCount(Math.max(0, Math.round(ms * 1000)), count);
  return h;
}

/** A thread's part as the main thread reads it. */
function decoded(part: HistogramPart): hdr.Histogram {
  const h = buildUsHistogram();
  addPart(h, part);
  return h;
}

describe('thread histograms', () => {
  it('encode exactly what recording each value into hdr would, small values and large', () => {
    const values: [number, number][] = [];
    for (let i = 0; i < 5000; i++) values.push([(i * 7919) % 40_000 / 1000, 1]);
    values.push([0, 3], [0.0004, 1], [-2, 1], [32.767, 2], [32.768, 1], [2_500, 1], [90_000, 4], [1.5, 7]);
    const h = new ThreadHistograms();
    for (const [ms, count] of values) h.record('emissionLagMs', ms, count);
    const got = hdr.decodeFromCompressedBase64(hdr.encodeIntoCompressedBase64(decoded(h.encode().emissionLagMs)), 32, false);
    // Through the same encoding, which rounds the max to its bucket.
    const want = hdr.decodeFromCompressedBase64(hdr.encodeIntoCompressedBase64(direct(values)), 32, false);
    expect(got.totalCount).toBe(want.totalCount);
    expect(got.minNonZeroValue).toBe(want.minNonZeroValue);
    expect(got.maxValue).toBe(want.maxValue);
    for (const q of [0, 10, 50, 90, 99, 99.9, 100]) expect(got.getValueAtPercentile(q), `p${q}`).toBe(want.getValueAtPercentile(q));
  });

  it('counts values recorded after a read, and forgets everything on reset', () => {
    const h = new ThreadHistograms();
    h.record('itlMs', 5);
    h.encode();
    h.record('itlMs', 7, 2);
    expect(decoded(h.encode().itlMs).totalCount).toBe(3);
    h.reset();
    h.record('itlMs', 9);
    expect(decoded(h.encode().itlMs).totalCount).toBe(1);
  });

  it('keep the exact sum of what they record, merged across threads, which only grows (a sum made from hdr\'s mean moved down between scrapes)', () => {
    const h = new ThreadHistograms();
    let exactUs = 0;
    let last = 0;
    for (let i = 1; i <= 400; i++) {
      // Values past the array, where hdr's buckets are 32 µs wide: its mean is an estimate.
      const ms = 40 + ((i * 37) % 97) / 1000;
      h.record('emissionLagMs', ms, 50);
      exactUs += Math.round(ms * 1000) * 50;
      const parts = [h.encode()];
      const merged = mergeHistograms(parts).emissionLagMs;
      expect(merged.sum).toBe(Math.round(exactUs) / 1000);
      expect(merged.sum).toBeGreaterThan(last);
      last = merged.sum;
    }
    h.reset();
    expect(mergeHistograms([h.encode()]).emissionLagMs.sum).toBe(0);
  });

  it('hand over a copy of the counts below 32.768 ms, leaving hdr work to the reader', () => {
    const h = new ThreadHistograms();
    for (const ms of [0.5, 0.5, 1.25, 30, 0.5]) h.record('emissionLagMs', ms);
    const part = h.encode().emissionLagMs;
    // The array's counts by µs, and nothing for hdr to encode.
    const counted = [...part.small.entries()].filter(([, n]) => n !== 0);
    expect(counted).toEqual([[500, 3], [1250, 1], [30_000, 1]]);
    expect(part.large).toBeNull();
    // A copy: what is recorded after the read is not in it.
    h.record('emissionLagMs', 0.5);
    expect(part.small[500]).toBe(3);
    h.record('emissionLagMs', 40);
    expect(h.encode().emissionLagMs.large).not.toBeNull();
  });

  it('merge threads whose parts crossed a message port into what one histogram of every value gives', async () => {
    const values: [number, number][] = [];
    for (let i = 0; i < 3000; i++) values.push([((i * 104_729) % 60_000) / 1000, 1 + (i % 3)]);
    const threads = [new ThreadHistograms(), new ThreadHistograms(), new ThreadHistograms()];
    values.forEach(([ms, count], i) => threads[i % 3]!.record('itlMs', ms, count));
    // Structured clone, as postMessage between threads does.
    const parts = await Promise.all(
      threads.map(
        (t) =>
          new Promise<ReturnType<ThreadHistograms['encode']>>((resolve) => {
            const { port1, port2 } = new MessageChannel();
            port2.once('message', (data: ReturnType<ThreadHistograms['encode']>) => {
              port1.close();
              port2.close();
              resolve(data);
            });
            port1.postMessage(t.encode());
          }),
      ),
    );
    // Values past 32.768 ms cross as hdr's encoding, which rounds them to their buckets.
    const want = hdr.decodeFromCompressedBase64(hdr.encodeIntoCompressedBase64(direct(values)), 32, false);
    // The sum, least and greatest are the recorded values' own, not hdr's bucket estimates.
    const us = values.map(([ms]) => Math.round(ms * 1000));
    const sumUs = values.reduce((n, [ms, count]) => n + Math.round(ms * 1000) * count, 0);
    const merged = mergeHistograms(parts).itlMs;
    expect(merged).toEqual(summarizeUs(want, { sumUs, minUs: Math.min(...us), maxUs: Math.max(...us) }));
    expect(merged.max).toBe(Math.max(...us) / 1000);
  });
  it('count past 2^32 of one value, and merge such counts across threads (a --speed 0 soak sends over a million 0 µs gaps a second)', () => {
    const a = new ThreadHistograms();
    const b = new ThreadHistograms();
    a.record('itlMs', 0, 2 ** 32 - 1);
    a.record('itlMs', 0, 2);
    b.record('itlMs', 0, 2 ** 31);
    b.record('itlMs', 5, 1);
    const merged = mergeHistograms([a.encode(), b.encode()]).itlMs;
    expect(merged.count).toBe(2 ** 32 + 1 + 2 ** 31 + 1);
    expect(merged.p50).toBe(0);
    expect(merged.max).toBe(5);
  });
});

describe('summarizeUs', () => {
  it('never reports a percentile past the largest value recorded', () => {
    // hdr answers with the top of a value's bucket: 20,431 µs for 20,422.
    const h = buildUsHistogram();
    h.recordValue(8_000);
    h.recordValue(20_422);
    expect(h.getValueAtPercentile(99.9)).toBeGreaterThan(20_422);
    const s = summarizeUs(h);
    expect(s.max).toBe(20.422);
    expect(s.p99).toBe(20.422);
    expect(s.p999).toBe(20.422);
  });
});
