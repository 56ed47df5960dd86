/**
 * The ground-truth headers of an answer sent in one event. Its mean gap is 0, but the schedule
 * keeps due times as float32 while the TTFT was a double: the last due time minus the TTFT came out
 * a hair below 0 for about half of all TTFTs (523.3 ms is 523.2999878 as a float32), and
 * `x-understudy-itl-ms` read `-0.00`. A recorder's TTFT in tenths of a ms, with the whole answer in
 * one event (a short Gemini answer), met it every time; so did 115 of 200 short Gemini answers
 * at the default profile. The header's TTFT is now the first event's due time itself.
 */
import { describe, expect, it } from 'vitest';
import { ProfileLatency } from '../src/timing/latency.js';
import { loadProfiles } from '../src/timing/profiles.js';
import { SeededRandom } from '../src/timing/random.js';
import { planSchedule } from '../src/timing/schedule.js';
import { entry, recorded, writeTempCorpus } from './fixtures/corpus.js';
import { useSimulator } from './fixtures/sim.js';

const TTFT_MS = 523.3;

describe('a one-event answer\'s planned mean gap', () => {
  it('is 0, not a float32 rounding below it, and the TTFT is the first event\'s due time', () => {
    const latency = new ProfileLatency(loadProfiles().profiles['gemini-flash']!);
    const s = planSchedule({ laneSteps: [[4]], latency, rng: new SeededRandom(1), ttftMs: TTFT_MS, speed: 1, recordedGapsMs: [0, 0, 0] });
    expect(s.events).toBe(1);
    expect(s.ttftMs).toBe(s.atMs[0]);
    expect(s.meanItlMs).toBe(0);
    // A drawn TTFT and chunk: every short answer that fits the first chunk.
    for (let seed = 1; seed <= 200; seed++) {
      const rng = new SeededRandom(seed);
      const drawn = planSchedule({ laneSteps: [[5]], latency, rng, ttftMs: latency.ttftMs(rng, 10), speed: 1, recordedGapsMs: null });
      expect(drawn.meanItlMs, `seed ${seed}`).toBeGreaterThanOrEqual(0);
      expect(drawn.ttftMs).toBe(drawn.atMs[0]);
    }
  });
});

describe('x-understudy-itl-ms of a recording sent in one event', () => {
  const oneEvent = recorded(entry('one-event', 'gemini-2.0-flash', 'text', 'Paris is the capital.'), TTFT_MS, 0);
  const sim = useSimulator({ corpus: writeTempCorpus([oneEvent]), timing: 'recorded', speed: 1 });

  it('reads 0.00 beside the recorded TTFT', async () => {
    const res = await fetch(`${sim().url}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'capital?' }] }] }),
    });
    await res.text();
    expect(res.headers.get('x-understudy-entry')).toBe('one-event');
    expect(res.headers.get('x-understudy-ttft-ms')).toBe('523.3');
    expect(res.headers.get('x-understudy-itl-ms')).toBe('0.00');
  });
});
