/**
 * The thread's garbage-collection pauses: the observer sees V8's collections (forced here), and the
 * server threads record theirs in `/_understudy/stats` and `/metrics` beside the timing figures.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { observeGcPauses } from '../src/metrics/gc-pauses.js';
import type { HistogramName, HistogramSummary } from '../src/metrics/histograms.js';
import { useSimulator } from './fixtures/sim.js';

// A full collection on demand, without starting the test process with --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('observeGcPauses', () => {
  it('reports each collection of its thread with its duration, until stopped', async () => {
    const stopped: number[] = [];
    const running: number[] = [];
    const stop = observeGcPauses((ms) => stopped.push(ms));
    stop();
    const stopRunning = observeGcPauses((ms) => running.push(ms));
    try {
      gc();
      // Entries arrive after the pause, in a batch: the running observer is the clock here.
      await expect.poll(() => running.length).toBeGreaterThan(0);
      for (const ms of running) expect(ms).toBeGreaterThanOrEqual(0);
      expect(stopped).toEqual([]);
    } finally {
      stopRunning();
    }
  });
});

describe('GC pauses of the server threads', () => {
  const sim = useSimulator({ threads: 2, speed: 0 });

  it('are counted in /_understudy/stats and exported as a summary in /metrics', async () => {
    await fetch(`${sim().url}/_understudy/stats/reset`, { method: 'POST' });
    // Distinct prompts of a few KB: each is parsed and counted afresh, garbage the young
    // generation is collected of, sooner or later. How soon depends on the heap V8 sized for the
    // thread, and an entry arrives a while after its pause: batches go on until one is seen (300
    // requests were not always enough), at most 200 of them.
    const filler = 'The quick brown fox jumps over the lazy dog. '.repeat(200);
    const read = async (): Promise<HistogramSummary> => ((await (await fetch(`${sim().url}/_understudy/stats`)).json()) as { histograms: Record<HistogramName, HistogramSummary> }).histograms.gcPauseMs;
    let gcPauses = await read();
    for (let batch = 0; batch < 200 && gcPauses.count === 0; batch++) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const res = await fetch(`${sim().url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `${batch}-${i} ${filler}` }], max_tokens: 50 }),
          });
          expect(res.status).toBe(200);
          await res.arrayBuffer();
        }),
      );
      if (batch % 5 === 4) gcPauses = await read();
    }
    expect(gcPauses.count).toBeGreaterThan(0);
    expect(gcPauses.max).toBeGreaterThan(0);
    expect(gcPauses.max).toBeGreaterThanOrEqual(gcPauses.p50);

    const text = await (await fetch(`${sim().url}/metrics`)).text();
    expect(text).toContain('# TYPE understudy_gc_pause_seconds summary');
    const count = /^understudy_gc_pause_seconds_count (\d+)$/m.exec(text);
    // A scrape reads the threads afresh, and a thread may have collected again since.
    expect(Number(count?.[1])).toBeGreaterThanOrEqual(gcPauses.count);
  });
});
