/**
 * OpenAI's answers to rate limits and injected faults: the 429 bodies (`rate_limit_exceeded` with
 * type `requests` / `tokens`, `insufficient_quota`), 5xx bodies, and the HTML pages an edge proxy
 * returns for 502 and 504, which the SDK surfaces as raw text.
 */
import { INJECTED_RETRY_AFTER_MS } from '../../chaos/faults.js';
import type { Fault } from '../../chaos/scenario.js';
import type { QuotaRejection } from '../../quota/engine.js';
import type { DialectFaults } from '../policy.js';
import type { JsonReply, ReplyMeta } from '../reply.js';
import { openAIErrorBody, type OpenAIError } from './errors.js';
import { goDuration } from '../../quota/rate-headers.js';
import type { RequestInfo } from '../http-exchange.js';
import { echoableInHeader, JSON_TYPE, openAIHeaders } from './reply.js';
import { errorRequestId } from './surface-ids.js';

/** "644ms" below a second, "9.816s" above, as OpenAI's 429 messages phrase it. */
export function tryAgainIn(ms: number): string {
  return ms < 1000 ? `${Math.max(1, Math.ceil(ms))}ms` : `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
}

/** The requests-per-minute limit an injected rate limit names (the quota engine's are unknown here). */
const INJECTED_RPM_LIMIT = 500;

const DIMENSION_TEXT = { requests: ['requests per min (RPM)', 'requests'], tokens: ['tokens per min (TPM)', 'tokens'] } as const;

const echoedOr = (echoed: string, drawn: string): string => (echoableInHeader(echoed, 128) ? echoed : drawn);

function reply(status: number, body: string, headers: readonly string[], meta: ReplyMeta, info: RequestInfo, contentType = JSON_TYPE): JsonReply {
  return {
    kind: 'json',
    status,
    contentType,
    // The caller's own x-request-id comes back on these replies too, as on every other.
    // An id is drawn even when the caller's is echoed, so the ids of later error replies do not hang on the header.
    headers: [...openAIHeaders(echoedOr(info.requestId, errorRequestId()), 0), ...headers],
    body,
    delayMs: 0,
    completionTokens: 0,
    meta: { ...meta, errorKind: null },
  };
}

const err = (status: number, message: string, type: OpenAIError['type'] | 'requests' | 'tokens' | 'server_error', code: string | null): string =>
  openAIErrorBody({ status, message, type: type as OpenAIError['type'], param: null, code });

function html(status: number, title: string): string {
  return `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n`;
}

function retryHeaders(ms: number | undefined): string[] {
  return ms === undefined ? [] : ['retry-after', String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms', String(Math.ceil(ms))];
}

export const OPENAI_FAULTS: DialectFaults = {
  rateLimited(r: QuotaRejection, model, headers, meta, info) {
    const [unit, type] = r.dimension === 'requests' ? DIMENSION_TEXT.requests : DIMENSION_TEXT.tokens;
    const message = Number.isFinite(r.retryAfterMs)
      ? `Rate limit reached for ${model} in organization org-understudy on ${unit}: Limit ${r.limit}, Used ${r.used}, Requested ${r.requested}. Please try again in ${tryAgainIn(r.retryAfterMs)}. Visit https://platform.openai.com/account/rate-limits to learn more.`
      : `Request too large for ${model} in organization org-understudy on ${unit}: Limit ${r.limit}, Requested ${r.requested}. The input or output tokens must be reduced in order to run successfully. Visit https://platform.openai.com/account/rate-limits to learn more.`;
    return reply(429, err(429, message, type, 'rate_limit_exceeded'), headers, meta, info);
  },

  badOverride(message, meta, info) {
    return reply(400, err(400, message, 'invalid_request_error', 'invalid_override'), [], meta, info);
  },

  faultReply(fault: Fault, status, model, meta, info) {
    switch (fault.kind) {
      case 'rate_limit': {
        const waitMs = fault.retryAfterMs ?? INJECTED_RETRY_AFTER_MS;
        return reply(
          429,
          err(429, `Rate limit reached for ${model} in organization org-understudy on requests per min (RPM): Limit ${INJECTED_RPM_LIMIT}, Used ${INJECTED_RPM_LIMIT}, Requested 1. Please try again in ${tryAgainIn(waitMs)}. Visit https://platform.openai.com/account/rate-limits to learn more.`, 'requests', 'rate_limit_exceeded'),
          [...retryHeaders(waitMs), 'x-ratelimit-limit-requests', String(INJECTED_RPM_LIMIT), 'x-ratelimit-remaining-requests', '0', 'x-ratelimit-reset-requests', goDuration(waitMs)],
          meta,
          info,
        );
      }
      case 'quota_exhausted':
        // No x-should-retry: OpenAI sends none, so the SDKs retry this 429 as they do in production.
        return reply(
          429,
          err(429, 'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.', 'insufficient_quota', 'insufficient_quota'),
          [],
          meta,
          info,
        );
      case 'bad_gateway_502':
        return reply(502, html(502, 'Bad Gateway'), [], meta, info, 'text/html');
      case 'gateway_timeout_504':
        return reply(504, html(504, 'Gateway Time-out'), [], meta, info, 'text/html');
      case 'unavailable_503':
      case 'overloaded_529':
        return reply(503, err(503, 'The engine is currently overloaded, please try again later', 'server_error', null), retryHeaders(fault.retryAfterMs), meta, info);
      case 'empty_200':
        return reply(200, '', [], meta, info);
      default:
        return reply(status >= 400 ? status : 500, err(500, 'The server had an error while processing your request. Sorry about that!', 'server_error', null), [], meta, info);
    }
  },
};

/** What openai-node turns into an APIError mid-stream: an event whose data has a top-level `error`. */
export const OPENAI_STREAM_ERROR = Buffer.from(
  `data: ${openAIErrorBody({ status: 500, message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null })}\n\n`,
);
