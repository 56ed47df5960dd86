/**
 * What chat, legacy completions and Responses do before they answer, in OpenAI's order: the key
 * (checked before the body is read), the JSON, the fields, then the model. Each failure is the
 * error reply OpenAI sends; success carries the parsed request, its random source and ids.
 */
import type { SeededRandom } from '../../timing/random.js';
import { servingBucket } from '../answer-plan.js';
import type { RequestInfo } from '../http-exchange.js';
import type { Reply } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { INVALID_JSON, modelNotFound, type OpenAIError } from './errors.js';
import { checkOpenAIAuth, openAIErrorReply, requestIdFor } from './reply.js';
import { withRouteModel, type RouteVariant } from './route-variant.js';
import { isXaiModel, modelNamed, xaiAuthReply } from './xai-errors.js';

/** How a route's request seeds its random source: a `seed` field, and the prompt it keys. */
export interface RequestSeeding<R> {
  /** The request's `seed`; null or undefined draws from the run's arrival-indexed source. */
  seed(req: R): number | null | undefined;
  /** The prompt text, built only when a seed is given (it costs a join of every message). */
  promptKey(req: R): string;
}

export interface AcceptedOpenAI<R> {
  readonly req: R;
  readonly rng: SeededRandom;
  readonly requestId: string;
  readonly model: string;
  readonly bucketKey: string;
  readonly modelIndex: number;
}

export function acceptOpenAI<R extends { readonly body: { readonly model: string } }>(
  ctx: ThreadContext,
  info: RequestInfo,
  body: string,
  variant: RouteVariant,
  parse: (input: unknown) => R | OpenAIError,
  seeding: RequestSeeding<R>,
): AcceptedOpenAI<R> | Reply {
  const route = variant.route;
  const other = ctx.counters.modelIndex('');
  const unseededId = (): string => requestIdFor(info, ctx.requestRng(undefined, ''));
  const authError = variant.authChecked ? undefined : checkOpenAIAuth(ctx, info);
  if (authError) {
    // A key for Grok is xAI's to refuse (api.x.ai), in its own words: the body is read for the model only here.
    if (isXaiModel(modelNamed(body))) return xaiAuthReply(unseededId(), route, authError.code !== 'invalid_api_key', other);
    return openAIErrorReply(unseededId(), route, authError, 'authentication', other);
  }
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    return openAIErrorReply(unseededId(), route, INVALID_JSON, 'invalid_json', other);
  }
  const req = parse(withRouteModel(input, variant));
  if ('status' in req) return openAIErrorReply(unseededId(), route, req, 'invalid_request', other);
  const seed = seeding.seed(req);
  const rng = ctx.requestRng(seed, seed == null ? '' : seeding.promptKey(req));
  const requestId = requestIdFor(info, rng);
  const model = req.body.model;
  const serving = servingBucket(ctx, model);
  if (serving === null) return openAIErrorReply(requestId, route, modelNotFound(model), 'model_not_found', other);
  return { req, rng, requestId, model, bucketKey: serving.bucketKey, modelIndex: serving.modelIndex };
}

/** Whether `acceptOpenAI` let the request through. */
export function isAccepted<R>(a: AcceptedOpenAI<R> | Reply): a is AcceptedOpenAI<R> {
  return 'req' in a;
}
