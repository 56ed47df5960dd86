/**
 * A response's emission schedule, planned when the request is accepted: how many tokens each SSE
 * event carries and when it is due. Planning up front makes timing a pure function of the
 * request's seeded source (a replayed run has identical schedules), gives exact ground truth for
 * the response headers, and leaves the exchange nothing to draw while it paces.
 *
 * Events follow the stream writer's rule: each event sends up to `k` tokens from the current token
 * step of every unfinished lane, never crossing into a lane's next step. The first event is due at
 * the TTFT; each later one when its last token would have been generated.
 *
 * While a recording covers the next token, the recording sets `k` too: an event carries that token
 * and the ones recorded at the same instant (gap 0), which is how the provider's own events look
 * in a recording. Every recorded token then goes out at its recorded time, never early nor held for
 * a chunk, and the answer ends at the recorded end.
 */
import type { LatencyModel } from './latency.js';
import type { SeededRandom } from './random.js';

/** An answer's timing as a whole: what a JSON body needs, and what the ground-truth headers report. */
export interface ScheduleSummary {
  /** Time to first token, ms: when a stream's first event is due, or a body's first token is generated. */
  readonly ttftMs: number;
  /** Mean gap between tokens after the first, ms (0 for a single token): (last − first) ÷ (tokens − 1), as a client measures it. */
  readonly meanItlMs: number;
  /** When the last token is generated: the whole answer's generation time, ms. */
  readonly totalMs: number;
}

/** A streamed answer's timing, event by event. */
export interface EmissionSchedule extends ScheduleSummary {
  /** Due time of each event, ms after the request was accepted. */
  readonly atMs: Float32Array;
  /** Tokens per lane each event carries. */
  readonly chunk: Uint8Array;
  readonly events: number;
}

export interface ScheduleInput {
  /** Per lane (choice), the token counts of its token steps in order (zero counts omitted). */
  readonly laneSteps: readonly (readonly number[])[];
  readonly latency: LatencyModel;
  readonly rng: SeededRandom;
  /** Unscaled time to first token (drawn or recorded). */
  readonly ttftMs: number;
  readonly speed: number;
  /** Recorded gaps before tokens 1..n of lane 0, replayed first when present. */
  readonly recordedGapsMs: ArrayLike<number> | null;
  /** Chaos latency faults: multipliers on TTFT and on the gaps (default 1). */
  readonly ttftFactor?: number;
  readonly itlFactor?: number;
  /** A slow-answer fault: extra wait before the first event, ms (not scaled by speed). */
  readonly holdMs?: number;
}

const MAX_CHUNK = 255;

/**
 * Tokens in one recorded event: the token whose gap is `gaps[from - 1]` (the first token when
 * `from` is 0) and those after it recorded at the same instant (gap 0), up to MAX_CHUNK.
 */
function recordedRun(gaps: ArrayLike<number>, from: number): number {
  let run = 1;
  while (run < MAX_CHUNK && from + run - 1 < gaps.length && gaps[from + run - 1] === 0) run++;
  return run;
}

/** What `planTotals` needs: the schedule input without the event structure. */
export type TotalsInput = Omit<ScheduleInput, 'laneSteps'> & {
  /** Tokens in the longest lane: lanes generate side by side, so it sets the total. */
  readonly tokens: number;
  /** The largest first step of any lane: the first chunk never carries more (default: `tokens`). */
  readonly firstStep?: number;
};

/**
 * The timing of an answer sent whole (a JSON body): done when the same answer streamed would send
 * its last token, so a body and a stream of one answer take the same time. The TTFT covers a first
 * chunk as in `planSchedule` (its size drawn, or the recording's, and its tokens' gaps drawn and
 * dropped); then one gap per later token of the longest lane. Same models and scaling, without
 * storing events.
 */
export function planTotals(input: TotalsInput): ScheduleSummary {
  const { latency, rng, speed, recordedGapsMs, tokens } = input;
  const ttftMs = input.ttftMs * speed * (input.ttftFactor ?? 1) + (input.holdMs ?? 0);
  const gapScale = speed * (input.itlFactor ?? 1);
  let gapsMs = 0;
  // With no delay (--speed 0) the gaps are all zero: skip drawing them.
  if (gapScale !== 0 && tokens > 1) {
    const chunk = recordedGapsMs !== null && recordedGapsMs.length > 0 ? recordedRun(recordedGapsMs, 0) : Math.min(MAX_CHUNK, latency.tokensPerChunk(rng));
    const first = Math.min(chunk, input.firstStep ?? tokens);
    let gapIndex = 0;
    for (let i = 1; i < tokens; i++) {
      const gap = recordedGapsMs !== null && gapIndex < recordedGapsMs.length ? recordedGapsMs[gapIndex++]! : latency.tokenGapMs(rng);
      if (i >= first) gapsMs += gap;
    }
  }
  const totalMs = ttftMs + gapsMs * gapScale;
  return { ttftMs, meanItlMs: tokens > 1 ? (totalMs - ttftMs) / (tokens - 1) : 0, totalMs };
}

export function planSchedule(input: ScheduleInput): EmissionSchedule {
  const { laneSteps, latency, rng, speed, recordedGapsMs } = input;
  const lanes = laneSteps.length;
  const step = new Int32Array(lanes);
  const used = new Int32Array(lanes);
  let longest = 0;
  for (const s of laneSteps) longest = Math.max(longest, s.reduce((a, b) => a + b, 0));
  // At most one event per token of the longest lane plus one per step boundary, plus one.
  let capacity = 1;
  for (const s of laneSteps) capacity = Math.max(capacity, s.reduce((a, b) => a + b, 0) + s.length + 1);
  const atMs = new Float32Array(capacity);
  const chunk = new Uint8Array(capacity);

  let gapIndex = 0;
  const recordedGaps = recordedGapsMs?.length ?? 0;
  const gapScale = speed * (input.itlFactor ?? 1);
  const gaps = (tokens: number): number => {
    // With no delay (--speed 0) the gaps are all zero: skip drawing them (chunk sizes still are,
    // and a recording's still sets them, so its place is kept).
    if (gapScale === 0) {
      gapIndex = Math.min(recordedGaps, gapIndex + tokens);
      return 0;
    }
    let ms = 0;
    for (let i = 0; i < tokens; i++) {
      ms += recordedGapsMs !== null && gapIndex < recordedGapsMs.length ? recordedGapsMs[gapIndex++]! : latency.tokenGapMs(rng);
    }
    return ms;
  };

  const ttftMs = input.ttftMs * speed * (input.ttftFactor ?? 1) + (input.holdMs ?? 0);
  let t = ttftMs;
  let events = 0;
  for (;;) {
    // The recording's event while it covers the next token: the first event's run starts at gap
    // 0, a later one's after the gap at gapIndex (its first token's). The profile's chunk after.
    const recordedFrom = events === 0 ? 0 : gapIndex + 1;
    const k = recordedGaps > 0 && recordedFrom <= recordedGaps ? recordedRun(recordedGapsMs!, recordedFrom) : Math.min(MAX_CHUNK, latency.tokensPerChunk(rng));
    // The tokens this event carries: up to k from every open lane, stopping at a step's end.
    let carried = 0;
    for (let l = 0; l < lanes; l++) {
      const steps = laneSteps[l]!;
      if (step[l]! < steps.length) carried = Math.max(carried, Math.min(k, steps[step[l]!]! - used[l]!));
    }
    if (events === 0) {
      // The first event goes out at the TTFT with the tokens generated by then: published TTFTs
      // are the time to the first streamed chunk, and a client (or k6's time to first byte, with
      // headers at the first token) sees exactly the TTFT the header reports. Those tokens' gaps
      // are drawn and dropped, so every later draw, and a recorded gap's token, keeps its place
      // (a recorded first event's gaps are all 0: it drops no recorded time).
      gaps(carried - 1);
    } else {
      // Due when its last token is generated: a short event (a step's or the answer's end) waits
      // only for the tokens it carries, so the answer lasts TTFT + one gap per later token.
      t += gaps(carried) * gapScale;
    }
    atMs[events] = t;
    chunk[events] = k;
    events++;
    let open = false;
    for (let l = 0; l < lanes; l++) {
      const steps = laneSteps[l]!;
      if (step[l]! >= steps.length) continue;
      const left = steps[step[l]!]! - used[l]!;
      const n = Math.min(k, left);
      used[l] = used[l]! + n;
      if (used[l] === steps[step[l]!]) {
        step[l] = step[l]! + 1;
        used[l] = 0;
      }
      if (step[l]! < steps.length) open = true;
    }
    if (!open || events >= capacity) break;
  }
  // The due times as stored (float32), not the doubles they came from: a one-event answer's
  // last-minus-first is then exactly 0, never a rounding below it (a header of "-0.00").
  const firstMs = atMs[0]!;
  const totalMs = atMs[events - 1]!;
  return {
    atMs,
    chunk,
    events,
    ttftMs: firstMs,
    meanItlMs: longest > 1 ? (totalMs - firstMs) / (longest - 1) : 0,
    totalMs,
  };
}
