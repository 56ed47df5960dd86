/** OpenAI response headers and error replies. */
import type { ErrorKind, RouteId } from '../../metrics/counters.js';
import type { SeededRandom } from '../../timing/random.js';
import type { RequestInfo } from '../http-exchange.js';
import { heldMeta, type JsonReply } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { invalidApiKey, MISSING_API_KEY, openAIErrorBody, type OpenAIError } from './errors.js';

export const JSON_TYPE = 'application/json';

/** Echoes a well-formed caller request id, or mints one like OpenAI's `req_<32 hex>`. */
/**
 * Whether client text may be echoed as a header value: visible ASCII only, so no CR or LF (the
 * exchange writes header lines verbatim) and nothing a client's header parser refuses.
 */
export function echoableInHeader(value: string, maxLength: number): boolean {
  return value.length > 0 && value.length <= maxLength && /^[\x21-\x7e]+$/.test(value);
}

export function requestIdFor(info: RequestInfo, rng: SeededRandom): string {
  // Drawn even when the client's id is echoed: skipping the draws shifted everything drawn after
  // them (the answer, ids, schedule), so a header alone changed a seeded request's answer.
  const drawn = 'req_' + rng.hex(4);
  const id = info.requestId;
  return echoableInHeader(id, 128) ? id : drawn;
}

/**
 * OpenAI's fixed headers as one pair: the exchange writes `name: value` lines verbatim, so the
 * value carries the next lines. Three fewer pairs to join per response.
 */
const OPENAI_FIXED_VALUE = '2020-10-01\r\nopenai-organization: user-understudy\r\naccess-control-expose-headers: X-Request-ID';

/** OpenAI's response headers, then each list of `extras` (name, value pairs) appended in order. */
export function openAIHeaders(requestId: string, processingMs: number, ...extras: readonly (readonly string[])[]): string[] {
  const headers = [
    'x-request-id', requestId,
    'openai-version', OPENAI_FIXED_VALUE,
    'openai-processing-ms', String(Math.max(0, Math.round(processingMs))),
  ];
  // Pushed, not spread: this runs per request.
  for (const extra of extras) for (let i = 0; i < extra.length; i++) headers.push(extra[i]!);
  return headers;
}

export function openAIErrorReply(requestId: string, route: RouteId, err: OpenAIError, kind: ErrorKind, modelIndex: number): JsonReply {
  return {
    kind: 'json',
    status: err.status,
    contentType: JSON_TYPE,
    headers: openAIHeaders(requestId, 0),
    body: openAIErrorBody(err),
    delayMs: 0,
    completionTokens: 0,
    meta: { route, modelIndex, errorKind: kind },
  };
}

/**
 * A 400 for a request refused after it was admitted (what it asks for is known only once its
 * answers are drawn): the reply carries the admission's saturation slot, so the exchange gives it
 * back. `openAIErrorReply` carries none, and the slot was lost for good.
 */
export function refusedAfterAdmission(requestId: string, route: RouteId, err: OpenAIError, modelIndex: number, saturationSlot: number): JsonReply {
  const reply = openAIErrorReply(requestId, route, err, 'invalid_request', modelIndex);
  return { ...reply, meta: heldMeta(reply.meta, saturationSlot) };
}

/** The key from `Authorization: Bearer …`, or '' without one. */
export function bearerKey(info: RequestInfo): string {
  const header = info.authorization;
  return header.startsWith('Bearer ') ? header.slice(7).trim() : '';
}

/** The key rate limits are counted against: the Bearer token, else Azure's `api-key` header. */
export function quotaKey(info: RequestInfo): string {
  const bearer = bearerKey(info);
  return bearer.length > 0 ? bearer : info.azureApiKey;
}

/** Bearer auth as OpenAI checks it; `undefined` when the request may proceed. */
export function checkOpenAIAuth(ctx: ThreadContext, info: RequestInfo): OpenAIError | undefined {
  const key = bearerKey(info);
  const accepted = ctx.keyAccepted(key);
  if (accepted === undefined || accepted) return undefined;
  return key.length === 0 ? MISSING_API_KEY : invalidApiKey(key);
}
