/** Anthropic response headers, request ids, error replies and the key check. */
import type { ErrorKind, RouteId } from '../../metrics/counters.js';
import type { SeededRandom } from '../../timing/random.js';
import { randomId } from '../answer.js';
import { errorIdSource } from '../error-ids.js';
import type { RequestInfo } from '../http-exchange.js';
import type { JsonReply } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { anthropicErrorBody, BROWSER_ACCESS_REQUIRED, INVALID_API_KEY, MISSING_API_KEY, type AnthropicError } from './errors.js';
import { rateLimitHeaders } from './rate-limit-headers.js';

export const JSON_TYPE = 'application/json';
export const ORGANIZATION_ID = '6f1c1a52-0d5e-4c71-9a3e-0000000000a1';

/** A request id like Anthropic's `req_011CSLsW7mFqvHHnzrKdKjAE`, drawn from the request's source. */
export function anthropicRequestId(rng: SeededRandom): string {
  return randomId(rng, 'req_011C', 20);
}

/** Request ids for replies answered before a request's seeded source exists, from the thread's error-id source (`../error-ids.ts`). */
export const errorRequestId = (): string => anthropicRequestId(errorIdSource());

/** `rateLimits`: the quota engine's headers when a quota is configured; else the static, generous ones. */
export function anthropicHeaders(requestId: string, extra: readonly string[] = [], rateLimits: readonly string[] = rateLimitHeaders(Date.now())): string[] {
  return ['request-id', requestId, 'anthropic-organization-id', ORGANIZATION_ID, ...rateLimits, ...extra];
}

/** Anthropic tells its SDK not to retry a request that can only fail again. */
function retryHeader(status: number): string[] {
  return status >= 400 && status < 500 && status !== 408 && status !== 409 && status !== 429 ? ['x-should-retry', 'false'] : [];
}

export function anthropicErrorReply(requestId: string, route: RouteId, err: AnthropicError, kind: ErrorKind, modelIndex: number): JsonReply {
  return {
    kind: 'json',
    status: err.status,
    contentType: JSON_TYPE,
    headers: ['request-id', requestId, ...retryHeader(err.status)],
    body: anthropicErrorBody(err, requestId),
    delayMs: 0,
    completionTokens: 0,
    meta: { route, modelIndex, errorKind: kind },
  };
}

/** The key comes as `x-api-key` (the SDK's `apiKey`) or as a bearer token (its `authToken`). */
export function anthropicKey(info: RequestInfo): string {
  if (info.xApiKey.length > 0) return info.xApiKey;
  return info.authorization.startsWith('Bearer ') ? info.authorization.slice(7).trim() : '';
}

export function checkAnthropicAuth(ctx: ThreadContext, info: RequestInfo): AnthropicError | undefined {
  // A browser's request must opt in, whatever its key: the SDK sends the header only when built
  // with dangerouslyAllowBrowser.
  if (info.origin !== '' && info.browserAccess !== 'true') return BROWSER_ACCESS_REQUIRED;
  const key = anthropicKey(info);
  const accepted = ctx.keyAccepted(key);
  if (accepted === undefined || accepted) return undefined;
  return key.length === 0 ? MISSING_API_KEY : INVALID_API_KEY;
}
