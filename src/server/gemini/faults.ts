/**
 * Gemini's answers to rate limits and injected faults, as `google.rpc.Status`: 429
 * RESOURCE_EXHAUSTED with QuotaFailure, Help and RetryInfo details (a spent quota says `limit: 0`
 * and carries no RetryInfo), 500 INTERNAL, 503 UNAVAILABLE (Gemini has no 529), 504
 * DEADLINE_EXCEEDED, and the HTML page Google's front end serves for a 502. `@google/genai`
 * ignores RetryInfo and retries only with `httpOptions.retryOptions`.
 */
import { INJECTED_RETRY_AFTER_MS } from '../../chaos/faults.js';
import type { Fault } from '../../chaos/scenario.js';
import type { RouteId } from '../../metrics/counters.js';
import type { QuotaRejection } from '../../quota/engine.js';
import type { DialectFaults } from '../policy.js';
import type { DialectStreamFrames } from '../answer-plan.js';
import { ARRAY_SEPARATOR } from './generate-encode.js';
import type { JsonReply, ReplyMeta } from '../reply.js';
import { geminiError, geminiErrorBody, INTERNAL_ERROR, type GeminiError } from './errors.js';
import { geminiHeaders, JSON_TYPE } from './reply.js';

const QUOTA_MESSAGE =
  'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.';

const OVERLOADED = geminiError(503, 'The model is overloaded. Please try again later.');
const TIMED_OUT = geminiError(504, 'The request timed out. Please try again.');

const HELP = {
  '@type': 'type.googleapis.com/google.rpc.Help',
  links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }],
} as const;

/** A quota as the API names it in a QuotaFailure violation (modelled on the free tier's names). */
interface QuotaName {
  readonly metric: string;
  readonly id: string;
}

const QUOTAS = {
  generateRequests: { metric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', id: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' },
  generateTokens: { metric: 'generativelanguage.googleapis.com/generate_content_free_tier_input_token_count', id: 'GenerateContentInputTokensPerModelPerMinute-FreeTier' },
  generateDaily: { metric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', id: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' },
  embedRequests: { metric: 'generativelanguage.googleapis.com/embed_content_free_tier_requests', id: 'EmbedContentRequestsPerMinutePerProjectPerModel-FreeTier' },
  embedTokens: { metric: 'generativelanguage.googleapis.com/embed_content_free_tier_input_token_count', id: 'EmbedContentInputTokensPerModelPerMinute-FreeTier' },
  embedDaily: { metric: 'generativelanguage.googleapis.com/embed_content_free_tier_requests', id: 'EmbedContentRequestsPerDayPerProjectPerModel-FreeTier' },
} as const satisfies Record<string, QuotaName>;

function quotaName(route: RouteId, what: 'requests' | 'tokens' | 'daily'): QuotaName {
  const embed = route === 'gemini_embed' || route === 'gemini_openai_embeddings';
  switch (what) {
    case 'requests':
      return embed ? QUOTAS.embedRequests : QUOTAS.generateRequests;
    case 'tokens':
      return embed ? QUOTAS.embedTokens : QUOTAS.generateTokens;
    case 'daily':
      return embed ? QUOTAS.embedDaily : QUOTAS.generateDaily;
  }
}

/** Seconds as the API writes them in RetryInfo.retryDelay (a `google.protobuf.Duration`, "45.837s") and in "Please retry in …". */
const seconds = (ms: number): string => `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;

/** RESOURCE_EXHAUSTED with its details; no RetryInfo when waiting cannot help (`retryAfterMs` undefined). */
function resourceExhausted(quota: QuotaName, model: string, limit: number, retryAfterMs: number | undefined): GeminiError {
  const violation = { quotaMetric: quota.metric, quotaId: quota.id, quotaDimensions: { location: 'global', model }, quotaValue: String(limit) };
  const details: Record<string, unknown>[] = [{ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [violation] }, HELP];
  let message = `${QUOTA_MESSAGE}\n* Quota exceeded for metric: ${quota.metric}, limit: ${limit}, model: ${model}`;
  if (retryAfterMs !== undefined) {
    details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: seconds(retryAfterMs) });
    message += `\nPlease retry in ${seconds(retryAfterMs)}.`;
  }
  return geminiError(429, message, details);
}

function reply(status: number, body: string, headers: readonly string[], meta: ReplyMeta, contentType = JSON_TYPE): JsonReply {
  return {
    kind: 'json',
    status,
    contentType,
    headers: [...geminiHeaders(0), ...headers],
    body,
    delayMs: 0,
    completionTokens: 0,
    meta: { ...meta, errorKind: null },
  };
}

const errorReply = (e: GeminiError, headers: readonly string[], meta: ReplyMeta): JsonReply => reply(e.code, geminiErrorBody(e), headers, meta);


/** The page Google's front end serves for a 502; `@google/genai` wraps non-JSON text as the error message. */
const BAD_GATEWAY_HTML =
  '<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 502 (Server Error)!!1</title>\n' +
  '  <p><b>502.</b> <ins>That’s an error.</ins>\n' +
  '  <p>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.  <ins>That’s all we know.</ins>\n';

/** A rate limit the fault table injects names a free-tier-like limit, as the engine's limits are unknown here. */
const INJECTED_RPM_LIMIT = 10;

export const GEMINI_FAULTS: DialectFaults = {
  rateLimited(r: QuotaRejection, model, headers, meta) {
    const quota = quotaName(meta.route, r.dimension === 'requests' ? 'requests' : 'tokens');
    return errorReply(resourceExhausted(quota, model, r.limit, Number.isFinite(r.retryAfterMs) ? r.retryAfterMs : undefined), headers, meta);
  },

  badOverride(message, meta) {
    return errorReply(geminiError(400, message), [], meta);
  },

  faultReply(fault: Fault, _status, model, meta) {
    switch (fault.kind) {
      case 'rate_limit':
        return errorReply(resourceExhausted(quotaName(meta.route, 'requests'), model, INJECTED_RPM_LIMIT, fault.retryAfterMs ?? INJECTED_RETRY_AFTER_MS), [], meta);
      case 'quota_exhausted':
        // "limit: 0": the project has no quota for this model; waiting does not help.
        return errorReply(resourceExhausted(quotaName(meta.route, 'daily'), model, 0, undefined), [], meta);
      case 'bad_gateway_502':
        return reply(502, BAD_GATEWAY_HTML, [], meta, 'text/html; charset=UTF-8');
      case 'gateway_timeout_504':
        return errorReply(TIMED_OUT, [], meta);
      case 'unavailable_503':
      case 'overloaded_529':
        return errorReply(OVERLOADED, [], meta);
      case 'empty_200':
        return reply(200, '', [], meta);
      default:
        // server_error_500, and any reply fault without a Gemini form of its own.
        return errorReply(INTERNAL_ERROR, [], meta);
    }
  },
};

/**
 * How the API ends a stream that breaks after it started: one more `data:` frame holding a
 * google.rpc.Status. `@google/genai` throws it as an ApiError with the frame's `code`.
 */
export const GEMINI_STREAM_ERROR = Buffer.from(`data: ${geminiErrorBody(OVERLOADED)}\r\n\r\n`);

/** malformed_frame: a Gemini data frame (one line, CRLF-terminated) whose JSON is cut off. */
export const GEMINI_MALFORMED_FRAME = Buffer.from('data: {"candidates":[{"content":{"parts":[{"text":"unterminated\r\n\r\n');
/** truncated_json: half a Gemini frame, then the connection drops. */
export const GEMINI_HALF_FRAME = Buffer.from('data: {"candidates":[{"conte');

/**
 * The same faults in the JSON array `streamGenerateContent` sends without `alt=sse`: each is one
 * more element (after the array's `[`, or a separator once the array has opened at event
 * `opensAt`): the error object, then the array's end; a chunk whose JSON is cut off, then the end;
 * half a chunk, then the drop.
 */
export function geminiArrayFaults(opensAt: number): DialectStreamFrames {
  return { ...ARRAY_FAULT_FRAMES, element: { open: ARRAY_OPEN, separator: ARRAY_SEPARATOR_BYTES, opensAt } };
}

const ARRAY_FAULT_FRAMES: DialectStreamFrames = {
  error: Buffer.from(`${geminiErrorBody(OVERLOADED)}\r\n]`),
  malformed: Buffer.from('{"candidates":[{"content":{"parts":[{"text":"unterminated\r\n]'),
  half: Buffer.from('{"candidates":[{"conte'),
};
const ARRAY_OPEN = Buffer.from('[');
const ARRAY_SEPARATOR_BYTES = Buffer.from(ARRAY_SEPARATOR);
