import { describe, expect, it } from 'vitest';
import type { LatencyModel } from '../src/timing/latency.js';
import { ProfileLatency } from '../src/timing/latency.js';
import { loadProfiles } from '../src/timing/profiles.js';
import { SeededRandom } from '../src/timing/random.js';
import { planSchedule, planTotals } from '../src/timing/schedule.js';

/** A latency model that replays scripted values, so schedules can be asserted exactly. */
function scripted(chunks: number[], gapMs = 10, ttftMs = 100): LatencyModel {
  let c = 0;
  return {
    ttftMs: () => ttftMs,
    tokenGapMs: () => gapMs,
    tokensPerChunk: () => chunks[c++ % chunks.length]!,
  };
}

const plan = (laneSteps: number[][], model: LatencyModel, speed = 1, recorded: number[] | null = null) =>
  planSchedule({ laneSteps, latency: model, rng: new SeededRandom(1), ttftMs: model.ttftMs(new SeededRandom(1), 0), speed, recordedGapsMs: recorded });

describe('planSchedule', () => {
  it('puts the first event at the TTFT with its whole chunk, and each later one when its last token is generated', () => {
    const s = plan([[7]], scripted([2, 3, 1, 5]));
    // events carry 2, 3, 1, then 1 of a chunk of 5 (only 1 left): due at 100, +30, +10, +10
    expect(Array.from(s.chunk.subarray(0, s.events))).toEqual([2, 3, 1, 5]);
    expect(Array.from(s.atMs.subarray(0, s.events))).toEqual([100, 130, 140, 150]);
    // The header's TTFT is the first event's due time, and its mean gap spans first to last token.
    expect(s.ttftMs).toBe(s.atMs[0]);
    expect(s.totalMs).toBe(150);
    expect(s.meanItlMs).toBeCloseTo((150 - 100) / 6);
  });

  it('sends each recorded token at its recorded time, one event per recorded instant, whatever the profile chunks', () => {
    // The audit's entry: TTFT 300, seven gaps of 100, the last token at 1,000. The profile's
    // chunk of 3 would have sent three tokens at 300 and ended at 800.
    const s = plan([[8]], scripted([3], 10, 300), 1, [100, 100, 100, 100, 100, 100, 100]);
    expect(Array.from(s.chunk.subarray(0, s.events))).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(s.atMs.subarray(0, s.events))).toEqual([300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(s).toMatchObject({ ttftMs: 300, totalMs: 1000, meanItlMs: 100 });
    // Gaps before tokens 2..6: each token keeps its own gap, the first event carries one token.
    const t = plan([[6]], scripted([3], 10), 1, [1, 2, 4, 8, 16]);
    expect(Array.from(t.atMs.subarray(0, t.events))).toEqual([100, 101, 103, 107, 115, 131]);
  });

  it('sends tokens recorded at one instant (gap 0) in one event, as the provider did', () => {
    const s = plan([[8]], scripted([5], 10, 300), 1, [0, 100, 0, 0, 100, 100, 0]);
    expect(Array.from(s.chunk.subarray(0, s.events))).toEqual([2, 3, 1, 2]);
    expect(Array.from(s.atMs.subarray(0, s.events))).toEqual([300, 400, 500, 600]);
    expect(s).toMatchObject({ ttftMs: 300, totalMs: 600 });
    expect(s.meanItlMs).toBeCloseTo(300 / 7);
  });

  it('splits a recorded event at a step boundary without moving any token from its recorded time', () => {
    // Tokens 0..3 recorded at 300; the first step ends after token 2, so token 3 goes alone, also at 300.
    const s = plan([[3, 5]], scripted([1], 10, 300), 1, [0, 0, 0, 50, 0, 0, 0]);
    expect(Array.from(s.chunk.subarray(0, s.events))).toEqual([4, 1, 4]);
    expect(Array.from(s.atMs.subarray(0, s.events))).toEqual([300, 300, 350]);
  });

  it('scales a recording by speed, and keeps its events at speed 0', () => {
    const gaps = [0, 100, 0, 0, 100, 100, 0];
    const half = plan([[8]], scripted([5], 10, 300), 0.5, gaps);
    expect(Array.from(half.atMs.subarray(0, half.events))).toEqual([150, 200, 250, 300]);
    const zero = plan([[8]], scripted([5], 10, 300), 0, gaps);
    expect(Array.from(zero.chunk.subarray(0, zero.events))).toEqual([2, 3, 1, 2]);
    expect(Array.from(zero.atMs.subarray(0, zero.events))).toEqual([0, 0, 0, 0]);
  });

  it('ends a recording at its recorded end under every real profile (Gemini sends 12-40 tokens a chunk)', () => {
    const gaps = Array.from({ length: 99 }, (_, i) => (i % 3 === 0 ? 0 : 10 + (i % 7)));
    const recordedEnd = 450 + gaps.reduce((a, b) => a + b, 0);
    for (const name of ['gemini-flash', 'anthropic-haiku', 'openai-fast']) {
      const profile = new ProfileLatency(loadProfiles().profiles[name]!);
      const s = planSchedule({ laneSteps: [[100]], latency: profile, rng: new SeededRandom(3), ttftMs: 450, speed: 1, recordedGapsMs: gaps });
      expect(s.ttftMs, name).toBe(450);
      expect(s.totalMs, name).toBeCloseTo(recordedEnd, 3);
      expect(s.meanItlMs, name).toBeCloseTo((recordedEnd - 450) / 99, 3);
      expect(s.events, name).toBe(1 + gaps.filter((g) => g !== 0).length);
    }
  });

  it('never crosses a step boundary within one event (tool-call arguments start a new event)', () => {
    const s = plan([[3, 4]], scripted([5]));
    // 3 content tokens in one event, then 4 argument tokens in the next, due 4 gaps later (not 5).
    expect(s.events).toBe(2);
    expect(Array.from(s.atMs.subarray(0, s.events))).toEqual([100, 140]);
  });

  it('lasts as long as the longest choice', () => {
    const s = plan([[2], [9], [4]], scripted([3]));
    expect(s.events).toBe(3);
    expect(s.totalMs).toBe(100 + 30 + 30);
  });

  it('gives an answer with no tokens one event at TTFT', () => {
    const s = plan([[]], scripted([1]));
    expect(s.events).toBe(1);
    expect(s.atMs[0]).toBe(100);
    expect(s.meanItlMs).toBe(0);
  });

  it('scales every delay by speed, and speed 0 makes every event due at once', () => {
    expect(plan([[5]], scripted([1]), 2).totalMs).toBe(2 * (100 + 40));
    const zero = plan([[50]], scripted([2]), 0);
    expect(zero.events).toBe(25);
    expect(Array.from(zero.atMs.subarray(0, zero.events)).every((t) => t === 0)).toBe(true);
  });

  it('replays recorded gaps before drawing from the model', () => {
    const s = plan([[4]], scripted([1], 10), 1, [1, 2]);
    expect(Array.from(s.atMs.subarray(0, s.events))).toEqual([100, 101, 103, 113]);
  });

  it('is a pure function of the seed under the real profiles', () => {
    const profile = new ProfileLatency(loadProfiles().profiles['anthropic-sonnet']!);
    const make = (seed: number) => {
      const rng = new SeededRandom(seed);
      const s = planSchedule({ laneSteps: [[120, 30]], latency: profile, rng, ttftMs: profile.ttftMs(rng, 500), speed: 1, recordedGapsMs: null });
      return [Array.from(s.atMs.subarray(0, s.events)), Array.from(s.chunk.subarray(0, s.events))];
    };
    expect(make(11)).toEqual(make(11));
    expect(make(11)).not.toEqual(make(12));
    const [at, chunk] = make(11);
    expect(chunk!.every((k) => k >= 2 && k <= 8)).toBe(true);
    expect(at!.every((t, i) => i === 0 || t >= at![i - 1]!)).toBe(true);
  });
});

describe('planTotals (answers sent whole)', () => {
  const totals = (tokens: number, model: LatencyModel, speed = 1, recorded: number[] | null = null, extra = {}) =>
    planTotals({ tokens, latency: model, rng: new SeededRandom(1), ttftMs: model.ttftMs(new SeededRandom(1), 0), speed, recordedGapsMs: recorded, ...extra });

  it('is TTFT plus one gap per token after the first chunk, as the same answer streamed', () => {
    // A first chunk of 3: tokens 4..7 add a gap each.
    const t = totals(7, scripted([3]));
    expect(t).toEqual({ ttftMs: 100, totalMs: 100 + 4 * 10, meanItlMs: 40 / 6 });
    expect(totals(7, scripted([1]))).toEqual({ ttftMs: 100, totalMs: 100 + 6 * 10, meanItlMs: 10 });
    // The first chunk stops at the first step's end, as a stream's does.
    expect(totals(7, scripted([5]), 1, null, { firstStep: 3 }).totalMs).toBe(plan([[3, 4]], scripted([5])).totalMs);
    for (const [tokens, chunks] of [[7, [3]], [7, [2, 3, 1, 5]], [40, [12, 40]], [2, [5]]] as const) {
      expect(totals(tokens, scripted([...chunks])).totalMs).toBe(plan([[tokens]], scripted([...chunks])).totalMs);
    }
    // A recording sets the first chunk: it drops no recorded gap, only the zeros of tokens sent with the first.
    expect(totals(6, scripted([3]), 1, [1, 2, 4, 8, 16]).totalMs).toBe(100 + 1 + 2 + 4 + 8 + 16);
    expect(totals(8, scripted([5], 10, 300), 1, [0, 100, 0, 0, 100, 100, 0]).totalMs).toBe(600);
    expect(totals(8, scripted([5], 10, 300), 1, [0, 100, 0, 0, 100, 100, 0]).totalMs).toBe(plan([[8]], scripted([5], 10, 300), 1, [0, 100, 0, 0, 100, 100, 0]).totalMs);
  });

  it('ends, on average, when a stream of the same answer does, even with large chunks', () => {
    // Gemini's profile sends 12-40 tokens an event; counting the first chunk's gaps again (as
    // the first version did) put a body about 25 gaps after the stream's last event.
    for (const name of ['gemini-flash', 'gemini-3-pro', 'openai-fast', 'anthropic-sonnet']) {
      const profile = new ProfileLatency(loadProfiles().profiles[name]!);
      let streamed = 0;
      let whole = 0;
      for (let seed = 1; seed <= 400; seed++) {
        streamed += planSchedule({ laneSteps: [[150]], latency: profile, rng: new SeededRandom(seed), ttftMs: 0, speed: 1, recordedGapsMs: null }).totalMs;
        whole += planTotals({ tokens: 150, latency: profile, rng: new SeededRandom(seed + 100_000), ttftMs: 0, speed: 1, recordedGapsMs: null }).totalMs;
      }
      expect(Math.abs(whole / streamed - 1), name).toBeLessThan(0.03);
    }
  });

  it('gives a single token, or none, its TTFT alone', () => {
    expect(totals(1, scripted([1]))).toEqual({ ttftMs: 100, totalMs: 100, meanItlMs: 0 });
    expect(totals(0, scripted([1]))).toEqual({ ttftMs: 100, totalMs: 100, meanItlMs: 0 });
  });

  it('scales by speed and the chaos factors, adds a hold unscaled, and is all zero at speed 0', () => {
    expect(totals(5, scripted([1]), 2).totalMs).toBe(2 * (100 + 40));
    expect(totals(5, scripted([1]), 1, null, { ttftFactor: 3, itlFactor: 2, holdMs: 7 })).toEqual({ ttftMs: 307, totalMs: 307 + 80, meanItlMs: 20 });
    expect(totals(50, scripted([1]), 0)).toEqual({ ttftMs: 0, totalMs: 0, meanItlMs: 0 });
  });

  it('replays recorded gaps before drawing from the model, as planSchedule does', () => {
    expect(totals(4, scripted([1], 10), 1, [1, 2]).totalMs).toBe(113);
    expect(totals(4, scripted([1], 10), 1, [1, 2]).totalMs).toBe(plan([[4]], scripted([1], 10), 1, [1, 2]).totalMs);
  });

  it('is a pure function of the seed under the real profiles, near the streamed total', () => {
    const profile = new ProfileLatency(loadProfiles().profiles['anthropic-sonnet']!);
    const make = (seed: number) => {
      const rng = new SeededRandom(seed);
      return planTotals({ tokens: 150, latency: profile, rng, ttftMs: profile.ttftMs(rng, 500), speed: 1, recordedGapsMs: null });
    };
    expect(make(11)).toEqual(make(11));
    expect(make(11)).not.toEqual(make(12));
    expect(make(11).meanItlMs).toBeGreaterThan(0);
  });
});
