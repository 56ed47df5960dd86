/**
 * The reply for an admitted OpenAI answer (chat, legacy completions, Responses): OpenAI's headers
 * with the ground truth and rate-limit headers, around the shared `answerReply`.
 */
import type { EntryMeta } from '../../corpus/compiled.js';
import { answerReply, type DialectStreamFrames, type PlannedTiming } from '../answer-plan.js';
import { groundTruthHeaders } from '../ground-truth.js';
import type { Admission } from '../policy.js';
import type { StreamPlan } from '../stream-plan.js';
import type { Reply, ReplyMeta } from '../reply.js';
import { OPENAI_STREAM_ERROR } from './faults.js';
import { JSON_TYPE, openAIHeaders } from './reply.js';

export interface OpenAIAnswer {
  /** Drawn from the request's source after the response's own ids, so the sequence of draws stays fixed. */
  readonly traceId: string;
  readonly requestId: string;
  readonly timing: PlannedTiming;
  readonly admission: Admission;
  readonly lead: EntryMeta | null;
  readonly meta: ReplyMeta;
  readonly plan: () => StreamPlan;
  /** See `AnswerReply.body`. */
  readonly body: (transient: boolean) => Buffer | string;
  readonly completionTokens: number;
  /** Default: Chat Completions' in-stream error event. */
  readonly faultFrames?: DialectStreamFrames;
}

export function openAIAnswerReply(a: OpenAIAnswer): Reply {
  const { stream, schedule } = a.timing;
  const truth = groundTruthHeaders(a.lead, schedule, a.traceId);
  return answerReply({
    timing: a.timing,
    admission: a.admission,
    lead: a.lead,
    meta: a.meta,
    // openai-processing-ms: time to the headers for a stream, to the whole body otherwise.
    headers: openAIHeaders(a.requestId, stream ? schedule.ttftMs : schedule.totalMs, truth, a.admission.headers),
    contentType: JSON_TYPE,
    faultFrames: a.faultFrames ?? { error: OPENAI_STREAM_ERROR },
    plan: a.plan,
    body: a.body,
    completionTokens: a.completionTokens,
  });
}
