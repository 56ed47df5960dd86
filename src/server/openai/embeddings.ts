/**
 * POST /v1/embeddings: deterministic unit vectors (`src/corpus/embedding.ts`), so the same text
 * always embeds the same and texts sharing words land close. Large batches are computed and
 * encoded in the thread's embedding pool; the route then returns a Promise<Reply>.
 *
 * Latency comes from the model's latency profile, read as "time to the whole answer": the TTFT
 * draw plus `prefillMsPerToken` × input tokens (the built-in `openai-embedding*` profiles, matched
 * by the `text-embedding-3` / `text-embedding-ada` prefixes). Time spent computing counts toward
 * it, so a pooled batch is not answered later than planned.
 */
import { performance } from 'node:perf_hooks';
import { computeEmbeddings, POOL_THRESHOLD } from '../../workers/embedding-pool.js';
import type { EmbeddingResult } from '../../workers/embedding-task.js';
import { planOneShot } from '../answer-plan.js';
import { clientWaiting, type RequestInfo } from '../http-exchange.js';
import { admit, isAdmission } from '../policy.js';
import type { Reply } from '../reply.js';
import { heldMeta } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { dimensionsFor, embeddingModel, inputTooLong, MAX_INPUT_TOKENS, MAX_REQUEST_TOKENS, parseEmbeddingsRequest, requestTooLarge } from './embeddings-request.js';
import { INVALID_JSON, modelNotFound } from './errors.js';
import { OPENAI_FAULTS } from './faults.js';
import { checkOpenAIAuth, echoableInHeader, JSON_TYPE, openAIErrorReply, openAIHeaders, quotaKey, requestIdFor } from './reply.js';
import { withRouteModel, type RouteVariant } from './route-variant.js';

export const OPENAI_EMBEDDINGS: RouteVariant<'embeddings'> = { route: 'embeddings', model: undefined, authChecked: false };

export function embeddings(ctx: ThreadContext, info: RequestInfo, body: string, variant: RouteVariant = OPENAI_EMBEDDINGS): Reply | Promise<Reply> {
  const acceptedAtMs = performance.now();
  const route = variant.route;
  const other = ctx.counters.modelIndex('');
  // Auth comes first, as OpenAI checks the key before reading the body.
  const authError = variant.authChecked ? undefined : checkOpenAIAuth(ctx, info);
  if (authError) return openAIErrorReply(requestIdFor(info, ctx.requestRng(undefined, '')), route, authError, 'authentication', other);
  const rng = ctx.requestRng(undefined, '');
  const requestId = requestIdFor(info, rng);
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    return openAIErrorReply(requestId, route, INVALID_JSON, 'invalid_json', other);
  }
  const req = parseEmbeddingsRequest(withRouteModel(input, variant));
  if ('status' in req) return openAIErrorReply(requestId, route, req, 'invalid_request', other);
  const model = (variant.embeddingModel ?? embeddingModel)(req.model);
  if (ctx.config.strictModels && !model.known) return openAIErrorReply(requestId, route, modelNotFound(req.model), 'model_not_found', other);
  const dimensions = dimensionsFor(model, req.dimensions);
  if (typeof dimensions !== 'number') return openAIErrorReply(requestId, route, dimensions, 'invalid_request', other);
  const modelIndex = ctx.counters.modelIndex(req.model);

  const finish = (result: EmbeddingResult): Reply => {
    if (result.kind === 'input_too_long') {
      const param = req.single ? 'input' : `input[${result.index}]`;
      return openAIErrorReply(requestId, route, inputTooLong(param, MAX_INPUT_TOKENS), 'invalid_request', other);
    }
    if (result.kind === 'request_too_large') return openAIErrorReply(requestId, route, requestTooLarge(result.tokens, MAX_REQUEST_TOKENS), 'invalid_request', other);
    if (result.kind !== 'openai') throw new Error(`embeddings: the job returned ${result.kind}, not a response body`);
    // Admitted once the exact token count is known (the pool counts it); embeddings produce no output tokens.
    const meta = { route, modelIndex, errorKind: null } as const;
    const admission = admit(ctx, { route, dialect: variant.dialect ?? 'openai', model: req.model, apiKey: quotaKey(info), info, inputTokens: result.promptTokens, maxOutputTokens: 0, meta }, variant.faults ?? OPENAI_FAULTS);
    if (!isAdmission(admission)) return admission;
    const { plannedMs, truth } = planOneShot(ctx, req.model, rng, admission, result.promptTokens);
    return {
      kind: 'json',
      status: 200,
      contentType: JSON_TYPE,
      // The model id is the client's text: echoed only when it is a plain header token.
      headers: openAIHeaders(requestId, plannedMs, echoableInHeader(req.model, 256) ? ['openai-model', req.model] : [], truth, admission.headers),
      // A body computed in the pool arrives as a plain Uint8Array over a transferred buffer.
      body: Buffer.from(result.body.buffer, result.body.byteOffset, result.body.byteLength),
      delayMs: Math.max(0, plannedMs - (performance.now() - acceptedAtMs)),
      completionTokens: 0,
      meta: heldMeta(meta, admission.saturationSlot, null, admission.holdMs > 0),
      // Embeddings never stream: a mid-stream fault cuts the body.
      truncate: admission.faults.stream !== null,
    };
  };
  const result = computeEmbeddings(
    {
      inputs: req.inputs,
      dimensions,
      output: { kind: 'openai', encoding: req.encoding, modelJson: JSON.stringify(req.model) },
      maxInputTokens: MAX_INPUT_TOKENS,
      maxRequestTokens: MAX_REQUEST_TOKENS,
    },
    POOL_THRESHOLD,
    ctx.config.threads,
    // A pooled batch is dropped unrun if its client leaves while it waits for a worker.
    clientWaiting(),
  );
  return result instanceof Promise ? result.then(finish) : finish(result);
}
