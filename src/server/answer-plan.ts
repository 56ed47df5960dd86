/**
 * Steps every surface's handler takes the same way: which corpus bucket serves a model id, the
 * emission schedule of an admitted answer, and the mid-stream fault in the dialect's bytes.
 */
import type { EntryMeta } from '../corpus/compiled.js';
import type { SeededRandom } from '../timing/random.js';
import { planSchedule, type EmissionSchedule } from '../timing/schedule.js';
import { scheduleTiming, streamFaultKind, type Admission } from './policy.js';
import type { Lane } from './stream-plan.js';
import type { Reply, ReplyMeta, StreamFault } from './reply.js';
import type { ThreadContext } from './thread-context.js';

/** The corpus bucket that serves `model`; null under --strict-models when the corpus lacks the model. */
export function servingBucket(ctx: ThreadContext, model: string): { bucketKey: string; modelIndex: number } | null {
  const resolution = ctx.corpus.resolveModel(model);
  if (ctx.config.strictModels && resolution?.known !== true) return null;
  const bucketKey = resolution?.key ?? ctx.corpus.fallbackKey;
  return { bucketKey, modelIndex: ctx.counters.modelIndex(bucketKey) };
}

export interface AnswerTiming {
  readonly model: string;
  readonly laneSteps: readonly (readonly number[])[];
  readonly rng: SeededRandom;
  readonly promptTokens: number;
  readonly admission: Admission;
  /** The corpus entry leading the answer: its recorded timing replays under `--timing recorded`. */
  readonly lead: EntryMeta | null;
  /** False when the recording does not describe this answer (e.g. a thinking block goes first). */
  readonly recordingApplies?: boolean;
}

/** Plans when each event of an admitted answer goes out. */
export function planAnswerSchedule(ctx: ThreadContext, t: AnswerTiming): EmissionSchedule {
  const latency = ctx.latencyFor(t.model);
  const lead = t.lead;
  const recorded = ctx.config.timing === 'recorded' && t.recordingApplies !== false && lead !== null && lead.ttftMs !== null;
  return planSchedule({
    laneSteps: t.laneSteps,
    latency,
    rng: t.rng,
    ...scheduleTiming(t.admission, recorded ? lead.ttftMs : latency.ttftMs(t.rng, t.promptTokens)),
    speed: ctx.config.speed,
    recordedGapsMs: recorded ? lead.tokenGapsMs : null,
  });
}

/** A dialect's bytes for mid-stream faults: its in-stream error event, and optionally its own broken frames. */
export interface DialectStreamFrames {
  readonly error: Buffer;
  /** For numbered streams: what follows the error event's sequence number. */
  readonly errorEnd?: Buffer | null;
  readonly malformed?: Buffer;
  readonly half?: Buffer;
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
  };
}

export interface AnswerReply {
  readonly stream: boolean;
  readonly schedule: EmissionSchedule;
  readonly admission: Admission;
  readonly lead: EntryMeta | null;
  /** The reply's meta, with the admission's saturation slot. */
  readonly meta: ReplyMeta;
  /** Headers for the stream and for the JSON body (OpenAI's processing time differs between them). */
  readonly streamHeaders: readonly string[];
  readonly jsonHeaders: readonly string[];
  readonly contentType: string;
  /** The dialect's bytes for mid-stream faults. */
  readonly faultFrames: DialectStreamFrames;
  readonly plan: () => { lanes: Lane[]; trailer: Buffer };
  readonly body: () => Buffer | string;
  readonly completionTokens: number;
}

/**
 * The reply for an admitted answer: a paced stream, or a JSON body held back until the answer's
 * last token would have been generated. Any mid-stream fault on a non-streaming answer cuts its body.
 */
export function answerReply(a: AnswerReply): Reply {
  if (a.stream) {
    const { lanes, trailer } = a.plan();
    return {
      kind: 'stream',
      headers: a.streamHeaders,
      lanes,
      trailer,
      schedule: a.schedule,
      entry: a.lead,
      meta: a.meta,
      headersAtFirstEvent: a.admission.holdMs > 0,
      fault: streamFaultOf(a.admission, a.faultFrames),
    };
  }
  return {
    kind: 'json',
    status: 200,
    contentType: a.contentType,
    headers: a.jsonHeaders,
    body: a.body(),
    delayMs: a.schedule.totalMs,
    completionTokens: a.completionTokens,
    meta: a.meta,
    truncate: a.admission.faults.stream !== null,
  };
}
