import { describe, expect, it } from 'vitest';
import { ProfileLatency } from '../src/timing/latency.js';
import { loadProfiles } from '../src/timing/profiles.js';
import { SeededRandom } from '../src/timing/random.js';
import { planSchedule, planTotals } from '../src/timing/schedule.js';
import { TimingDraws } from '../src/timing/timing-draws.js';

const LATENCY = new ProfileLatency(loadProfiles().profiles['anthropic-sonnet']!);
const LANES = [[40, 12], [30]];

/** Plans a stream from a request source seeded `seed`; returns the schedule and the source's next draw. */
function planned(seed: number, speed: number, recordedGapsMs: number[] | null = null) {
  const source = new SeededRandom(seed);
  const draws = new TimingDraws(LATENCY).fork(source, LATENCY);
  const ttftMs = draws.ttftMs(draws.rng, 200);
  const schedule = planSchedule({ laneSteps: LANES, latency: draws, rng: draws.rng, ttftMs, speed, recordedGapsMs });
  return { schedule, next: source.nextUint32() };
}

const events = (s: ReturnType<typeof planned>['schedule']) => Array.from(s.chunk.subarray(0, s.events));

describe('TimingDraws', () => {
  it('takes one draw from the request source, however much timing then draws', () => {
    const alone = new SeededRandom(3);
    alone.nextUint32();
    const expected = alone.nextUint32();
    expect(planned(3, 0).next).toBe(expected);
    expect(planned(3, 1).next).toBe(expected);
    expect(planned(3, 2, [5, 5, 5]).next).toBe(expected);
    const source = new SeededRandom(3);
    const draws = new TimingDraws(LATENCY).fork(source, LATENCY);
    planTotals({ tokens: 500, latency: draws, rng: draws.rng, ttftMs: 100, speed: 1, recordedGapsMs: null });
    expect(source.nextUint32()).toBe(expected);
  });

  it('chunks a stream alike whether the gaps are drawn (speed 1) or skipped (speed 0), replayed or not', () => {
    const atOne = planned(8, 1).schedule;
    expect(new Set(events(atOne)).size).toBeGreaterThan(1);
    expect(events(planned(8, 0).schedule)).toEqual(events(atOne));
    expect(events(planned(9, 1).schedule)).not.toEqual(events(atOne));
    const recording = [3, 0, 2, 4];
    expect(events(planned(8, 0, recording).schedule)).toEqual(events(planned(8, 1, recording).schedule));
  });

  it('times the same seed alike at every speed, scaled', () => {
    const one = planned(4, 1).schedule;
    const two = planned(4, 2).schedule;
    expect(Array.from(two.atMs.subarray(0, two.events))).toEqual(Array.from(one.atMs.subarray(0, one.events), (t) => Math.fround(2 * t)));
  });
});
