/**
 * xAI's answers, for Grok on the OpenAI routes, to a wrong or missing key, a rate limit and spent
 * credits, in xAI's body (`{"code":"…","error":"…"}`: the openai SDK keeps the `error` string as
 * `err.error` and shows it as the message; `@ai-sdk/xai` parses both fields). The wording is what
 * xAI's users have recorded (docs/surfaces.md has the sources):
 * - a wrong key is a 400, not a 401 (xAI's docs list "An incorrect API key was supplied" under
 *   400): `{"code":"invalid-argument","error":"Incorrect API key provided. You can obtain an API
 *   key from https://console.x.ai."}`;
 * - a rate limit is a 429 `resource-exhausted` naming the team, the model and the limit hit
 *   ("Too many requests for team … and model grok-4.3. Your team's rate limit is — Requests per
 *   Second (actual/limit): 2/2. …");
 * - spent credits are a 429 `resource-exhausted` too ("Your team … has either used all available
 *   credits or reached its monthly spending limit. …"), which the SDKs retry as they do any 429.
 * A missing key is a 401 ("No authorization header or an invalid authorization token was
 * provided", xAI's docs say); its body is not on record, so it is xAI's shape with those words.
 * Other faults keep OpenAI's answers.
 */
import type { Fault } from '../../chaos/scenario.js';
import { vendorOf } from '../../corpus/model-catalog.js';
import type { ErrorKind, RouteId } from '../../metrics/counters.js';
import type { QuotaRejection } from '../../quota/engine.js';
import type { RequestInfo } from '../http-exchange.js';
import type { DialectFaults } from '../policy.js';
import type { JsonReply } from '../reply.js';
import { OPENAI_FAULTS } from './faults.js';
import { JSON_TYPE, openAIHeaders } from './reply.js';

/** xAI's codes: gRPC's status names, in kebab case. */
export const XAI_INVALID_ARGUMENT = 'invalid-argument';
const RESOURCE_EXHAUSTED = 'resource-exhausted';
const UNAUTHENTICATED = 'unauthenticated';

/** The team every simulated xAI key belongs to (xAI names teams by UUID). */
const TEAM = '00000000-0000-4000-8000-00000000c0de';

/** The requests-per-minute limit an injected rate limit names, as OpenAI's does. */
const INJECTED_RPM_LIMIT = 500;

const WRONG_KEY = 'Incorrect API key provided. You can obtain an API key from https://console.x.ai.';
const MISSING_KEY = 'No authorization header or an invalid authorization token was provided.';
const SPENT_CREDITS = `Your team ${TEAM} has either used all available credits or reached its monthly spending limit. To continue making API requests, please purchase more credits or raise your spending limit.`;

export const xaiErrorBody = (code: string, message: string): string => JSON.stringify({ code, error: message });

/** Whether a request names a Grok model: only xAI's models answer in xAI's shape. */
export const isXaiModel = (model: string): boolean => vendorOf(model) === 'xai';

/** The model a body names, read only to pick the shape of a refusal sent before the body is checked. */
export function modelNamed(body: string): string {
  try {
    const input: unknown = JSON.parse(body);
    const model = typeof input === 'object' && input !== null ? (input as { model?: unknown }).model : undefined;
    return typeof model === 'string' ? model : '';
  } catch {
    return '';
  }
}

/** xAI's refusal of a key: 400 for a wrong one, 401 for none. */
export function xaiAuthReply(requestId: string, route: RouteId, missing: boolean, modelIndex: number): JsonReply {
  return xaiReply(requestId, route, missing ? 401 : 400, missing ? UNAUTHENTICATED : XAI_INVALID_ARGUMENT, missing ? MISSING_KEY : WRONG_KEY, 'authentication', modelIndex);
}

export function xaiReply(requestId: string, route: RouteId, status: number, code: string, message: string, kind: ErrorKind, modelIndex: number): JsonReply {
  return {
    kind: 'json',
    status,
    contentType: JSON_TYPE,
    headers: openAIHeaders(requestId, 0),
    body: xaiErrorBody(code, message),
    delayMs: 0,
    completionTokens: 0,
    meta: { route, modelIndex, errorKind: kind },
  };
}

function tooManyRequests(model: string, unit: 'Requests' | 'Tokens', used: number, limit: number): string {
  return `Too many requests for team ${TEAM} and model ${model}. Your team's rate limit is — ${unit} per Minute (actual/limit): ${used}/${limit}. Your rate limit tier is determined based on your historical API spend. To learn how to increase your rate limit tier, please visit https://console.x.ai/team/default/rate-limits.`;
}

/** OpenAI's reply (status, headers, meta) with xAI's body. */
const withBody = (reply: JsonReply, code: string, message: string): JsonReply => ({ ...reply, contentType: JSON_TYPE, body: xaiErrorBody(code, message) });

export const XAI_FAULTS: DialectFaults = {
  rateLimited(r: QuotaRejection, model, headers, meta, info: RequestInfo) {
    const reply = OPENAI_FAULTS.rateLimited(r, model, headers, meta, info);
    // The limit counted is what the message names; a request larger than the whole bucket went over it alone.
    const unit = r.dimension === 'requests' ? 'Requests' : 'Tokens';
    return withBody(reply, RESOURCE_EXHAUSTED, tooManyRequests(model, unit, Math.min(r.limit, r.used + r.requested), r.limit));
  },
  faultReply(fault: Fault, status, model, meta, info) {
    const reply = OPENAI_FAULTS.faultReply(fault, status, model, meta, info);
    // OpenAI's reply keeps its retry-after: when to come back is the fault's, whatever the words.
    if (fault.kind === 'rate_limit') return withBody(reply, RESOURCE_EXHAUSTED, tooManyRequests(model, 'Requests', INJECTED_RPM_LIMIT, INJECTED_RPM_LIMIT));
    if (fault.kind === 'quota_exhausted') return withBody(reply, RESOURCE_EXHAUSTED, SPENT_CREDITS);
    return reply;
  },
  badOverride: (message, meta, info) => OPENAI_FAULTS.badOverride(message, meta, info),
};
