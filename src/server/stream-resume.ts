/**
 * Where a one-lane stream plan stands part-way through, without sending it: for a stream resumed
 * after a sequence number (OpenAI Responses' `starting_after`), and for a stream that stops where
 * its response was cancelled. Both replay the stream writer's rule (`./http-exchange.ts`,
 * `emitLane`) on the plan's schedule: an event sends the lane's leading static frames, up to its
 * chunk of the current token step, and, when that was the last token, the static frames after it.
 * Replaying the rule, rather than keeping what was sent, keeps a resumed stream's frames and
 * sequence numbers identical to the original's with nothing stored per event.
 */
import type { EmissionSchedule, ScheduleSummary } from '../timing/schedule.js';
import { Step } from './stream-plan.js';

/** A point in a one-lane plan: the lane's next step and token, the next event, and the frames numbered before it. */
export interface PlanPosition {
  readonly stepIndex: number;
  readonly tokenIndex: number;
  readonly eventIndex: number;
  readonly frames: number;
}

const START: PlanPosition = { stepIndex: 0, tokenIndex: 0, eventIndex: 0, frames: 0 };

/**
 * Walks `steps` event by event from the start until `frames` numbered frames have been passed
 * (possibly part-way through an event: the writer then sends the event's remaining frames as it
 * would have) or `events` whole events have; whichever comes first. Past the end, it stops there.
 */
function walk(steps: readonly Step[], schedule: EmissionSchedule, frames: number, events: number): PlanPosition {
  let step = 0;
  let token = 0;
  let passed = 0;
  for (let e = 0; e < events; e++) {
    // Leading static frames.
    while (step < steps.length && steps[step]!.source === null) {
      if (passed >= frames) return { stepIndex: step, tokenIndex: token, eventIndex: e, frames: passed };
      if (steps[step]!.numberedEnd !== null) passed++;
      step++;
    }
    if (step >= steps.length || passed >= frames) return { stepIndex: step, tokenIndex: token, eventIndex: e, frames: passed };
    // The event's token frame.
    const s = steps[step]!;
    const k = e < schedule.events ? schedule.chunk[e]! : 1;
    token += Math.min(k, s.count - token);
    if (s.numberedEnd !== null) passed++;
    if (token >= s.count) {
      step++;
      token = 0;
      let next = step;
      while (next < steps.length && steps[next]!.source === null) next++;
      // The last token carries the closing static frames in the same event.
      if (next >= steps.length) {
        while (step < steps.length) {
          if (passed >= frames) return { stepIndex: step, tokenIndex: 0, eventIndex: e, frames: passed };
          if (steps[step]!.numberedEnd !== null) passed++;
          step++;
        }
      }
    }
  }
  return { stepIndex: step, tokenIndex: token, eventIndex: events, frames: passed };
}

/** The position after the first `frames` numbered frames: where a stream resumed after sequence number `frames - 1` starts. */
export function positionAfterFrames(steps: readonly Step[], schedule: EmissionSchedule, frames: number): PlanPosition {
  return frames <= 0 ? START : walk(steps, schedule, frames, Number.MAX_SAFE_INTEGER);
}

/**
 * The plan as far as the first `events` events send it, and the `preludeSteps` that go out with
 * the headers whatever the events: what a response cancelled before its event `events` had sent.
 * A token step cut part-way keeps the tokens sent (a shorter copy of it); what followed is dropped.
 */
export function stepsBeforeEvent(steps: readonly Step[], schedule: EmissionSchedule, events: number, preludeSteps: number): readonly Step[] {
  const at = walk(steps, schedule, Number.MAX_SAFE_INTEGER, events);
  if (at.stepIndex < preludeSteps && at.tokenIndex === 0) return steps.slice(0, preludeSteps);
  const kept = steps.slice(0, at.stepIndex);
  if (at.tokenIndex > 0) {
    const s = steps[at.stepIndex]!;
    kept.push(new Step(s.head, s.source, s.offsets, s.first, at.tokenIndex, s.tail, s.numberedEnd, s.prefix));
  }
  return kept;
}

/** How many of the schedule's events are due by `elapsedMs` after the stream was accepted. */
export function eventsDueBy(schedule: EmissionSchedule, elapsedMs: number): number {
  let n = 0;
  while (n < schedule.events && schedule.atMs[n]! <= elapsedMs) n++;
  return n;
}

/**
 * The timing of a stream resumed at `at`, `elapsedMs` after the original was accepted, as its
 * client sees it from the resume: what the resume's ground-truth headers report. An event already
 * due goes out at once (0 ms); the TTFT is when the first event it sends is due, and the mean gap
 * the time from that event to the last over the tokens it carries − 1, as on a stream from the
 * start. With no event left to send, all three are 0.
 */
export function resumedSummary(steps: readonly Step[], schedule: EmissionSchedule, at: PlanPosition, elapsedMs: number): ScheduleSummary {
  if (at.eventIndex >= schedule.events) return { ttftMs: 0, meanItlMs: 0, totalMs: 0 };
  let tokens = -at.tokenIndex;
  for (let i = at.stepIndex; i < steps.length; i++) if (steps[i]!.source !== null) tokens += steps[i]!.count;
  const firstMs = Math.max(0, schedule.atMs[at.eventIndex]! - elapsedMs);
  const lastMs = Math.max(0, schedule.atMs[schedule.events - 1]! - elapsedMs);
  return { ttftMs: firstMs, meanItlMs: tokens > 1 ? (lastMs - firstMs) / (tokens - 1) : 0, totalMs: lastMs };
}
