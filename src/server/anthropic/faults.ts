/**
 * Anthropic's answers to rate limits and injected faults: 429 `rate_limit_error` (a per-minute
 * limit with retry-after, or a spend limit with `details.error_code` and x-should-retry false),
 * 529 `overloaded_error`, the 5xx bodies, and the in-stream `error` event of a stream that
 * fails after its 200.
 */
import { INJECTED_RETRY_AFTER_MS } from '../../chaos/faults.js';
import type { Fault } from '../../chaos/scenario.js';
import { rfc3339After } from '../../quota/rate-headers.js';
import type { QuotaDimension } from '../../quota/limits.js';
import type { QuotaRejection } from '../../quota/engine.js';
import type { DialectFaults } from '../policy.js';
import type { JsonReply, ReplyMeta } from '../reply.js';
import type { AnthropicErrorType } from './errors.js';
import { errorRequestId, JSON_TYPE, ORGANIZATION_ID } from './reply.js';

const DIMENSION_TEXT = {
  requests: 'requests',
  tokens: 'tokens',
  input_tokens: 'input tokens',
  output_tokens: 'output tokens',
} as const satisfies Record<QuotaDimension, string>;

/** The requests-per-minute limit an injected rate limit names: Anthropic's first tier. */
const INJECTED_RPM_LIMIT = 50;

const RATE_LIMIT_ADVICE =
  'For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.';

const SPEND_LIMIT_MESSAGE =
  "This request would exceed your organization's monthly usage limit. You can raise the limit at https://console.anthropic.com/settings/limits.";

function send(status: number, requestId: string, body: string, headers: readonly string[], meta: ReplyMeta): JsonReply {
  return {
    kind: 'json',
    status,
    contentType: JSON_TYPE,
    headers: ['request-id', requestId, 'anthropic-organization-id', ORGANIZATION_ID, ...headers],
    body,
    delayMs: 0,
    completionTokens: 0,
    meta: { ...meta, errorKind: null },
  };
}

function reply(status: number, type: AnthropicErrorType, message: string, headers: readonly string[], meta: ReplyMeta, errorCode: string | null = null): JsonReply {
  const requestId = errorRequestId();
  const details = errorCode === null ? '' : `,"details":{"error_code":"${errorCode}"}`;
  return send(status, requestId, `{"type":"error","error":{"type":"${type}","message":${JSON.stringify(message)}${details}},"request_id":"${requestId}"}`, headers, meta);
}

/** Anthropic sends whole seconds; retry-after-ms rides along (as the quota engine's refusals carry it) so short waits are honoured exactly. */
function retryHeaders(ms: number | undefined): string[] {
  return ms === undefined ? [] : ['retry-after', String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms', String(Math.ceil(ms))];
}

function rateLimitMessage(limit: number, dimension: QuotaDimension): string {
  return `This request would exceed the rate limit for your organization (${ORGANIZATION_ID}) of ${limit.toLocaleString('en-US')} ${DIMENSION_TEXT[dimension]} per minute. ${RATE_LIMIT_ADVICE}`;
}

export const ANTHROPIC_FAULTS: DialectFaults = {
  rateLimited(r: QuotaRejection, _model, headers, meta) {
    return reply(429, 'rate_limit_error', rateLimitMessage(r.limit, r.dimension), headers, meta);
  },

  badOverride(message, meta) {
    return reply(400, 'invalid_request_error', message, [], meta);
  },

  faultReply(fault: Fault, status, _model, meta) {
    switch (fault.kind) {
      case 'rate_limit': {
        const waitMs = fault.retryAfterMs ?? INJECTED_RETRY_AFTER_MS;
        const reset = rfc3339After(Date.now(), waitMs);
        return reply(429, 'rate_limit_error', rateLimitMessage(INJECTED_RPM_LIMIT, 'requests'), [
          ...retryHeaders(waitMs),
          'anthropic-ratelimit-requests-limit', String(INJECTED_RPM_LIMIT),
          'anthropic-ratelimit-requests-remaining', '0',
          'anthropic-ratelimit-requests-reset', reset,
        ], meta);
      }
      case 'quota_exhausted':
        // A spend limit: retrying cannot help, and the SDK obeys x-should-retry before the status.
        return reply(429, 'rate_limit_error', SPEND_LIMIT_MESSAGE, ['x-should-retry', 'false'], meta, 'enforced_spend_limit_reached');
      case 'overloaded_529':
        return reply(529, 'overloaded_error', 'Overloaded', retryHeaders(fault.retryAfterMs), meta);
      case 'unavailable_503':
        return reply(503, 'api_error', 'Service unavailable', retryHeaders(fault.retryAfterMs), meta);
      case 'bad_gateway_502':
        return reply(502, 'api_error', 'Bad gateway', [], meta);
      case 'gateway_timeout_504':
        return reply(504, 'timeout_error', 'Request timed out', [], meta);
      case 'empty_200':
        return send(200, errorRequestId(), '', [], meta);
      default:
        return reply(status >= 400 ? status : 500, 'api_error', 'Internal server error', [], meta);
    }
  },
};

/** Anthropic's in-stream failure after a 200: the SDK throws an APIError of the event's error type. */
export const ANTHROPIC_STREAM_OVERLOADED = Buffer.from('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n');

/** malformed_frame: a named content_block_delta event (the SDK dispatches it) whose data is not JSON. */
export const ANTHROPIC_MALFORMED_FRAME = Buffer.from('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"unterminated\n\n');
/** truncated_json: half a content_block_delta event, then the connection drops. */
export const ANTHROPIC_HALF_FRAME = Buffer.from('event: content_block_delta\ndata: {"type":"content_bl');
