/**
 * Micro case for a stats read as a server thread pays for it: `ThreadHistograms.encode()` of four
 * histograms holding a busy window's values (what every `/_understudy/stats` read, reset and
 * `/metrics` scrape costs each thread while its streams wait), against copying the four count
 * arrays alone.
 */
import { ThreadHistograms } from '../src/metrics/histograms.js';
import { SeededRandom } from '../src/timing/random.js';
import { sink, type Pair } from './micro-harness.js';

export function statsPairs(seed: number): Pair[] {
  const rng = new SeededRandom(seed);
  const h = new ThreadHistograms();
  // About 10 s at 1,000 streams: lags mostly under a millisecond with a tail to 30 ms, gaps of
  // 2–30 ms, a TTFT per stream, a few GC pauses.
  for (let i = 0; i < 400_000; i++) {
    h.record('emissionLagMs', rng.next() < 0.9 ? rng.next() * 0.3 : rng.next() * 30);
    h.record('itlMs', 2 + rng.next() * 28);
  }
  for (let i = 0; i < 10_000; i++) h.record('ttftMs', 200 + rng.next() * 3000);
  for (let i = 0; i < 60; i++) h.record('gcPauseMs', rng.next() * 10);
  const arrays = Array.from({ length: 4 }, () => new Float64Array(32_768).fill(1));
  return [
    {
      name: 'stats: a server thread reads its histograms (encode)',
      baseline: 'copy of four 256 KiB count arrays',
      note: '400,000 lags and gaps, 10,000 TTFTs; hdr work and the merge are left to the main thread',
      ops: 1000,
      run: (ops) => {
        for (let i = 0; i < ops; i++) sink.value += h.encode().ttftMs.small.length;
        return ops;
      },
      base: (ops) => {
        for (let i = 0; i < ops; i++) for (const a of arrays) sink.value += a.slice().length;
        return ops;
      },
    },
  ];
}
