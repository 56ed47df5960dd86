/**
 * What xAI's OpenAI-compatible chat API refuses that OpenAI's takes, in xAI's own error shape
 * (`{"code":"invalid-argument","error":"…"}`, which `@ai-sdk/xai` parses; the
 * openai SDK shows the body as the message). Only refusals clients have recorded are modelled.
 */
import type { RouteId } from '../../metrics/counters.js';
import type { JsonReply } from '../reply.js';
import { JSON_TYPE, openAIHeaders } from './reply.js';
import { XAI_INVALID_ARGUMENT } from './xai-errors.js';


/**
 * Grok 4 and 4.1 Fast reason on their own and refuse an effort. Grok 3 Mini takes one, and so do
 * the later Grok 4.x reasoning models xAI documents with effort levels (4.3, 4.5, 4.20 multi-agent,
 * 4.7: "reasoning effort from low to xhigh", runware.ai's Grok 4.7 page), and 4.6, between 4.5 and
 * 4.7, whose refusal no one has recorded.
 */
const TAKES_EFFORT = /^grok-4\.(?:3|5|6|7|20-multi-agent)(?![0-9])/;
const takesNoEffort = (model: string): boolean => model.startsWith('grok-4') && !TAKES_EFFORT.test(model);
/** The reasoning models (Grok 4's `-non-reasoning` variants are not among them). */
const reasons = (model: string): boolean => (model.startsWith('grok-4') && !model.includes('non-reasoning')) || model.startsWith('grok-3-mini');

/** The parameters xAI checks, as chat names them (a Responses request's `reasoning.effort` is passed as `reasoning_effort`). */
export interface XaiParams {
  readonly reasoning_effort?: string | null | undefined;
  readonly presence_penalty?: number | null | undefined;
  readonly frequency_penalty?: number | null | undefined;
  readonly stop?: string | readonly string[] | null | undefined;
}

/** A stop that names a sequence: xAI lets `null` and an empty list through. */
const hasStop = (stop: XaiParams['stop']): boolean => stop != null && (typeof stop === 'string' || stop.length > 0);

/**
 * The camelCase parameter a reasoning model refuses, in xAI's checking order: penalties (any value,
 * 0 too) and stop sequences.
 */
function refusedByReasoning(body: XaiParams): string | undefined {
  if (body.presence_penalty != null) return 'presencePenalty';
  if (body.frequency_penalty != null) return 'frequencyPenalty';
  if (hasStop(body.stop)) return 'stop';
  return undefined;
}

/** xAI's refusal of a grok request's parameters, or undefined when it takes them. */
export function xaiParamsRefusal(model: string, body: XaiParams): string | undefined {
  if (body.reasoning_effort != null && takesNoEffort(model)) return `Model ${model} does not support parameter reasoningEffort.`;
  const param = reasons(model) ? refusedByReasoning(body) : undefined;
  if (param === undefined) return undefined;
  // Grok 3 Mini's refusals were recorded in xAI's older wording; the Grok 4 family's in the current one.
  return model.startsWith('grok-3-mini') ? `Argument not supported on this model: ${param}` : `Model ${model} does not support parameter ${param}.`;
}

export function xaiErrorReply(requestId: string, route: RouteId, message: string, modelIndex: number): JsonReply {
  return {
    kind: 'json',
    status: 400,
    contentType: JSON_TYPE,
    headers: openAIHeaders(requestId, 0),
    body: JSON.stringify({ code: XAI_INVALID_ARGUMENT, error: message }),
    delayMs: 0,
    completionTokens: 0,
    meta: { route, modelIndex, errorKind: 'invalid_request' },
  };
}
