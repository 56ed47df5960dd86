/**
 * GET /v1beta/models (paged with `pageSize` and `pageToken`, as `@google/genai`'s pager reads it)
 * and GET /v1beta/models/{model}: the Gemini models served today, the corpus's models and the
 * embedding models in Gemini's `Model` shape.
 */
import { contextWindow, maxOutputTokens, vendorOf } from '../../corpus/model-catalog.js';
import { OTHER_MODEL } from '../../metrics/counters.js';
import type { RequestInfo } from '../http-exchange.js';
import type { Reply } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { geminiThinks } from '../reasoning.js';
import { geminiError, modelNotFound } from './errors.js';
import { EMBEDDING_MODELS } from './embed.js';
import type { ModelPath } from './path.js';
import { checkGeminiAuth, geminiErrorReply, geminiHeaders, JSON_TYPE, queryOf } from './reply.js';

const GENERATE_METHODS = ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'] as const;
const EMBED_METHODS = ['embedContent', 'batchEmbedContents', 'countTokens', 'asyncBatchEmbedContent'] as const;

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/** `gemini-2.5-flash` → `Gemini 2.5 Flash`. */
function displayName(id: string): string {
  return id
    .split('-')
    .map((w) => (w.length > 0 ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join(' ');
}

function generativeModel(id: string): Record<string, unknown> {
  return {
    name: `models/${id}`,
    version: '001',
    displayName: displayName(id),
    description: `${displayName(id)}, served by llm-understudy from its corpus.`,
    inputTokenLimit: contextWindow(id) ?? 128_000,
    outputTokenLimit: maxOutputTokens(id),
    supportedGenerationMethods: GENERATE_METHODS,
    temperature: 1,
    topP: 0.95,
    topK: 64,
    maxTemperature: 2,
    // The API sends `thinking` only when true, as proto3 leaves a false bool out.
    ...(geminiThinks(id) ? { thinking: true } : {}),
  };
}

function embeddingModel(id: string): Record<string, unknown> {
  const m = EMBEDDING_MODELS.get(id)!;
  return {
    name: `models/${id}`,
    version: '001',
    displayName: m.displayName,
    description: `${m.displayName}, deterministic vectors from llm-understudy.`,
    inputTokenLimit: m.inputTokenLimit,
    outputTokenLimit: 1,
    supportedGenerationMethods: EMBED_METHODS,
  };
}

/** Google's models first (what a Gemini client expects to see), then the other corpus models this API also serves. */
function allModels(ctx: ThreadContext): Record<string, unknown>[] {
  const google = ctx.corpus.listedModels.filter((m) => vendorOf(m) === 'google');
  const others = ctx.corpus.models.filter((m) => vendorOf(m) !== 'google' && ctx.corpus.resolveModel(m)?.known === true);
  return [...google.map(generativeModel), ...[...EMBEDDING_MODELS.keys()].map(embeddingModel), ...others.map(generativeModel)];
}

function ok(body: string, modelIndex: number): Reply {
  return {
    kind: 'json',
    status: 200,
    contentType: JSON_TYPE,
    headers: geminiHeaders(0),
    body,
    delayMs: 0,
    completionTokens: 0,
    meta: { route: 'gemini_models', modelIndex, errorKind: null },
  };
}

/** Page tokens are opaque to clients; here, the offset of the page in base64url. */
const encodeToken = (offset: number): string => Buffer.from(`o${offset}`).toString('base64url');

function decodeToken(token: string): number | null {
  if (token.length === 0) return 0;
  const m = /^o(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('latin1'));
  return m === null ? null : Number(m[1]);
}

export function listGeminiModels(ctx: ThreadContext, info: RequestInfo): Reply {
  const route = 'gemini_models';
  const query = queryOf(info);
  const authError = checkGeminiAuth(ctx, info, query);
  if (authError) return geminiErrorReply(route, authError, 'authentication', OTHER_MODEL);
  const sizeParam = query.get('pageSize');
  const size = sizeParam === null || sizeParam === '' ? DEFAULT_PAGE_SIZE : Number(sizeParam);
  if (!Number.isInteger(size) || size < 0) {
    return geminiErrorReply(route, geminiError(400, `Invalid value at 'page_size' (TYPE_INT32), "${sizeParam}"`), 'invalid_request', OTHER_MODEL);
  }
  const offset = decodeToken(query.get('pageToken') ?? '');
  if (offset === null) return geminiErrorReply(route, geminiError(400, 'Invalid page token.'), 'invalid_request', OTHER_MODEL);
  const models = allModels(ctx);
  const end = offset + Math.min(size === 0 ? DEFAULT_PAGE_SIZE : size, MAX_PAGE_SIZE);
  const page: Record<string, unknown> = { models: models.slice(offset, end) };
  if (end < models.length) page.nextPageToken = encodeToken(end);
  return ok(JSON.stringify(page), OTHER_MODEL);
}

export function getGeminiModel(ctx: ThreadContext, info: RequestInfo, path: ModelPath): Reply {
  const route = 'gemini_models';
  const authError = checkGeminiAuth(ctx, info, queryOf(info));
  if (authError) return geminiErrorReply(route, authError, 'authentication', OTHER_MODEL);
  if (EMBEDDING_MODELS.has(path.model)) return ok(JSON.stringify(embeddingModel(path.model)), OTHER_MODEL);
  const resolution = ctx.corpus.resolveModel(path.model);
  if (resolution?.known !== true) return geminiErrorReply(route, modelNotFound(path.model, path.apiVersion, 'get'), 'model_not_found', OTHER_MODEL);
  return ok(JSON.stringify(generativeModel(path.model)), ctx.counters.modelIndex(resolution.key));
}
