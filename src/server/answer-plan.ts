/**
 * Steps every surface's handler takes the same way: which corpus bucket serves a model id, the
 * emission schedule of an admitted answer, and the mid-stream fault in the dialect's bytes.
 */
import type { EntryMeta } from '../corpus/compiled.js';
import { MAX_MODEL_ID_CHARS } from '../corpus/model-catalog.js';
import { NO_LATENCY } from '../timing/latency.js';
import type { SeededRandom } from '../timing/random.js';
import { planSchedule, planTotals, type EmissionSchedule, type ScheduleSummary } from '../timing/schedule.js';
import { TimingDraws } from '../timing/timing-draws.js';
import { randomId } from './answer.js';
import { oneShotGroundTruthHeaders } from './ground-truth.js';
import { scheduleTiming, streamFaultKind, type Admission } from './policy.js';
import type { StreamPlan } from './stream-plan.js';
import type { ArrayElement, Reply, ReplyMeta, StreamFault } from './reply.js';
import type { ThreadContext } from './thread-context.js';

/** The corpus bucket that serves `model`; null for an id longer than any served, or under --strict-models when the corpus lacks the model. */
export function servingBucket(ctx: ThreadContext, model: string): { bucketKey: string; modelIndex: number } | null {
  if (model.length > MAX_MODEL_ID_CHARS) return null;
  const resolution = ctx.corpus.resolveModel(model);
  if (ctx.config.strictModels && resolution?.known !== true) return null;
  const bucketKey = resolution?.key ?? ctx.corpus.fallbackKey;
  return { bucketKey, modelIndex: ctx.counters.modelIndex(bucketKey) };
}

export interface TimingInput {
  readonly model: string;
  readonly laneSteps: readonly (readonly number[])[];
  readonly rng: SeededRandom;
  readonly promptTokens: number;
  readonly admission: Admission;
  /** The corpus entry leading the answer: its recorded timing replays under `--timing recorded`. */
  readonly lead: EntryMeta | null;
  /** False when the recording does not describe this answer (e.g. a thinking block goes first). */
  readonly recordingApplies?: boolean;
  /** Tokens the answer reasons unseen before its first visible token (the profile's `hiddenReasoning` scales the TTFT by them). */
  readonly hiddenReasoningTokens?: number;
}

/** This thread's timing streams, re-seeded per request (`../timing/timing-draws.ts`). */
const TIMING_DRAWS = new TimingDraws(NO_LATENCY);

/**
 * `model`'s latency, drawing from timing streams forked from the request's `rng` (one draw,
 * whatever timing then takes): pass it `.rng`. Valid until the next request's timing is drawn.
 */
export function timingDraws(ctx: ThreadContext, model: string, rng: SeededRandom): TimingDraws {
  return TIMING_DRAWS.fork(rng, ctx.latencyFor(model));
}

/**
 * The timing of a reply with no output tokens, sent whole (embeddings, moderations): when it is
 * due (ms from acceptance) and its ground-truth headers, whose trace id is drawn from `rng`.
 */
export function planOneShot(ctx: ThreadContext, model: string, rng: SeededRandom, admission: Admission, inputTokens: number): { readonly plannedMs: number; readonly truth: string[] } {
  const latency = timingDraws(ctx, model, rng);
  const timing = scheduleTiming(admission, latency.ttftMs(latency.rng, inputTokens));
  const plannedMs = timing.ttftMs * ctx.config.speed * timing.ttftFactor + timing.holdMs;
  return { plannedMs, truth: oneShotGroundTruthHeaders(plannedMs, randomId(rng, 'trc_', 24)) };
}

/** A streamed answer is planned event by event; one sent whole needs only its totals. */
export type PlannedTiming = { readonly stream: true; readonly schedule: EmissionSchedule } | { readonly stream: false; readonly schedule: ScheduleSummary };

/** Plans the timing of an admitted answer: when each event goes out, or for a body only when it is done. */
export function planAnswerTiming(ctx: ThreadContext, t: TimingInput, stream: boolean): PlannedTiming {
  const latency = timingDraws(ctx, t.model, t.rng);
  const rng = latency.rng;
  const lead = t.lead;
  const recorded = ctx.config.timing === 'recorded' && t.recordingApplies !== false && lead !== null && lead.ttftMs !== null;
  const { ttftMs, ttftFactor, itlFactor, holdMs } = scheduleTiming(t.admission, recorded ? lead.ttftMs : latency.ttftMs(rng, t.promptTokens, t.hiddenReasoningTokens ?? 0));
  const speed = ctx.config.speed;
  const recordedGapsMs = recorded ? lead.tokenGapsMs : null;
  // Literal inputs rather than spreads: this runs per request.
  if (stream) {
    return { stream, schedule: planSchedule({ laneSteps: t.laneSteps, latency, rng, ttftMs, ttftFactor, itlFactor, holdMs, speed, recordedGapsMs }) };
  }
  let tokens = 0;
  let firstStep = 0;
  for (const steps of t.laneSteps) {
    let n = 0;
    for (const k of steps) n += k;
    if (n > tokens) tokens = n;
    if (steps.length > 0 && steps[0]! > firstStep) firstStep = steps[0]!;
  }
  return { stream, schedule: planTotals({ tokens, firstStep, latency, rng, ttftMs, ttftFactor, itlFactor, holdMs, speed, recordedGapsMs }) };
}

/** A dialect's bytes for mid-stream faults: its in-stream error event, and optionally its own broken frames. */
export interface DialectStreamFrames {
  readonly error: Buffer;
  /** For numbered streams: what follows the error event's sequence number. */
  readonly errorEnd?: Buffer | null;
  readonly malformed?: Buffer;
  readonly half?: Buffer;
  /** For a stream that is one JSON array: what opens it and separates its elements. */
  readonly element?: ArrayElement;
}

/** The admission's mid-stream fault in the dialect's bytes; null for none. */
export function streamFaultOf(admission: Admission, frames: DialectStreamFrames): StreamFault | null {
  const fault = admission.faults.stream;
  if (fault === null) return null;
  return {
    kind: streamFaultKind(fault.kind),
    afterTokens: fault.afterTokens,
    errorFrame: frames.error,
    errorEnd: frames.errorEnd ?? null,
    ...(frames.malformed ? { malformedFrame: frames.malformed } : {}),
    ...(frames.half ? { halfFrame: frames.half } : {}),
    ...(frames.element ? { element: frames.element } : {}),
  };
}

export interface AnswerReply {
  readonly timing: PlannedTiming;
  readonly admission: Admission;
  readonly lead: EntryMeta | null;
  /** The reply's meta, with the admission's saturation slot. */
  readonly meta: ReplyMeta;
  /** Headers for the reply `stream` chooses (OpenAI's processing time differs between the two). */
  readonly headers: readonly string[];
  readonly contentType: string;
  /** The dialect's bytes for mid-stream faults. */
  readonly faultFrames: DialectStreamFrames;
  readonly plan: () => StreamPlan;
  /**
   * The JSON body. `transient`: the reply goes out before the handler returns (it is not held
   * back), so the body may be a view of the thread's scratch buffer rather than its own bytes.
   */
  readonly body: (transient: boolean) => Buffer | string;
  readonly completionTokens: number;
}

/**
 * The reply for an admitted answer: a paced stream, or a JSON body held back until the answer's
 * last token would have been generated. Any mid-stream fault on a non-streaming answer cuts its body.
 */
export function answerReply(a: AnswerReply): Reply {
  const timing = a.timing;
  if (timing.stream) {
    const { lanes, trailer, preludeSteps } = a.plan();
    return {
      kind: 'stream',
      headers: a.headers,
      lanes,
      trailer,
      preludeSteps: preludeSteps ?? 0,
      schedule: timing.schedule,
      entry: a.lead,
      meta: a.meta,
      headersAtFirstEvent: a.admission.holdMs > 0,
      fault: streamFaultOf(a.admission, a.faultFrames),
    };
  }
  const transient = !(timing.schedule.totalMs > 0);
  return {
    kind: 'json',
    status: 200,
    contentType: a.contentType,
    headers: a.headers,
    body: a.body(transient),
    transient,
    delayMs: timing.schedule.totalMs,
    completionTokens: a.completionTokens,
    meta: a.meta,
    truncate: a.admission.faults.stream !== null,
  };
}
