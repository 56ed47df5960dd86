/** GET /v1/models and GET /v1/models/{id}, listing the models served today and the corpus's. */
import { OWNED_BY, vendorOf } from '../../corpus/model-catalog.js';
import { listAnthropicModels, retrieveAnthropicModel } from '../anthropic/models.js';
import { getGeminiModel, listGeminiModels } from '../gemini/models.js';
import { parseModelPath } from '../gemini/path.js';
import { OPENAI_EMBEDDING_MODEL_IDS } from './embeddings-request.js';
import { MODERATION_MODEL_IDS } from './moderations.js';
import { type RequestInfo } from '../http-exchange.js';
import type { Reply } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { modelNotFound } from './errors.js';
import { checkOpenAIAuth, JSON_TYPE, openAIErrorReply, openAIHeaders, requestIdFor } from './reply.js';
import { safeDecode } from '../path-segment.js';

/** A fixed creation time keeps listings identical across runs. */
const CREATED = 1_735_689_600;

function modelObject(id: string): Record<string, unknown> {
  const vendor = vendorOf(id);
  return { id, object: 'model', created: CREATED, owned_by: vendor ? OWNED_BY[vendor] : 'system' };
}

/**
 * Anthropic's SDK lists models at this same path, and `@google/genai` does too with
 * `apiVersion: 'v1'`; their own headers (anthropic-version, x-goog-api-key) tell them apart.
 */
export function listModels(ctx: ThreadContext, info: RequestInfo): Reply {
  if (info.anthropicVersion !== '') return listAnthropicModels(ctx, info);
  if (info.xGoogApiKey !== '') return listGeminiModels(ctx, info);
  const rng = ctx.requestRng(undefined, '');
  const requestId = requestIdFor(info, rng);
  const other = ctx.counters.modelIndex('');
  const authError = checkOpenAIAuth(ctx, info);
  if (authError) return openAIErrorReply(requestId, 'models', authError, 'authentication', other);
  return {
    kind: 'json',
    status: 200,
    contentType: JSON_TYPE,
    headers: openAIHeaders(requestId, 0),
    // The embedding and moderation models answer from no corpus entry, and are listed too.
    body: JSON.stringify({ object: 'list', data: [...ctx.corpus.listedModels, ...OPENAI_EMBEDDING_MODEL_IDS, ...MODERATION_MODEL_IDS].map(modelObject) }),
    delayMs: 0,
    completionTokens: 0,
    meta: { route: 'models', modelIndex: other, errorKind: null },
  };
}

export function retrieveModel(ctx: ThreadContext, info: RequestInfo): Reply {
  if (info.anthropicVersion !== '') return retrieveAnthropicModel(ctx, info);
  if (info.xGoogApiKey !== '') {
    const path = parseModelPath(info.url);
    if (path !== null && path.method === null) return getGeminiModel(ctx, info, path);
  }
  const rng = ctx.requestRng(undefined, '');
  const requestId = requestIdFor(info, rng);
  const other = ctx.counters.modelIndex('');
  const authError = checkOpenAIAuth(ctx, info);
  if (authError) return openAIErrorReply(requestId, 'model', authError, 'authentication', other);
  const id = safeDecode(info.params[0] ?? '');
  const resolution = OPENAI_EMBEDDING_MODEL_IDS.includes(id) || MODERATION_MODEL_IDS.includes(id) ? { known: true, key: '' } : ctx.corpus.resolveModel(id);
  if (resolution?.known !== true) return openAIErrorReply(requestId, 'model', modelNotFound(id), 'model_not_found', other);
  return {
    kind: 'json',
    status: 200,
    contentType: JSON_TYPE,
    headers: openAIHeaders(requestId, 0),
    body: JSON.stringify(modelObject(id)),
    delayMs: 0,
    completionTokens: 0,
    meta: { route: 'model', modelIndex: ctx.counters.modelIndex(resolution.key), errorKind: null },
  };
}
