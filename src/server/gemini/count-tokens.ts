/** POST /v1beta/models/{model}:countTokens → `{totalTokens, promptTokensDetails}`, counted as generateContent counts its prompt. */
import { replyAfter, type RequestInfo } from '../http-exchange.js';
import type { Reply } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { INVALID_JSON, modelNotFound } from './errors.js';
import { bareModel, type ModelPath } from './path.js';
import { countPromptTokens, NO_FILES, promptTokensDetails, type FileTokens } from './prompt.js';
import { checkGeminiAuth, geminiErrorReply, geminiHeaders, JSON_TYPE, queryOf } from './reply.js';
import { isMessage, parseCountTokensRequest, parseJsonBody } from './request.js';
import { cachedContentOf, findCache, withCache, withCacheFiles } from './caches.js';
import { fileRefsIn, NO_REFS, resolveFiles, type FileResolution } from './files.js';
import type { GeminiCacheView } from '../peers.js';

const route = 'gemini_count_tokens';

export function countTokensRoute(ctx: ThreadContext, info: RequestInfo, body: string, path: ModelPath): Reply | Promise<Reply> {
  const other = ctx.counters.modelIndex('');
  const authError = checkGeminiAuth(ctx, info, queryOf(info));
  if (authError) return geminiErrorReply(route, authError, 'authentication', other);
  const json = parseJsonBody(body);
  if (!json.ok) return geminiErrorReply(route, INVALID_JSON, 'invalid_json', other);
  // A generateContentRequest naming an explicit cache counts the cache's part too (`./caches.ts`).
  const inner = isMessage(json.value) && isMessage(json.value.generateContentRequest) ? json.value.generateContentRequest : undefined;
  const proceed = (files: FileTokens): Reply | Promise<Reply> => {
    const cacheName = inner === undefined ? undefined : cachedContentOf(inner);
    if (inner === undefined || cacheName === undefined) return countFrom(ctx, json.value, path, 0, files);
    const withCached = (cache: GeminiCacheView | null): Reply => {
      // The model is the request's own when it names one, else the path's.
      const merged = withCache(inner, cache, typeof inner.model === 'string' ? bareModel(inner.model) : path.model);
      if ('error' in merged) return geminiErrorReply(route, merged.error, merged.error.code === 403 ? 'not_found' : 'invalid_request', other);
      return countFrom(ctx, { ...(json.value as Record<string, unknown>), generateContentRequest: merged.request }, path, cache!.tokens, withCacheFiles(files, cache!));
    };
    const found = findCache(ctx, cacheName);
    return found instanceof Promise ? replyAfter(found, withCached) : withCached(found);
  };
  // `fileData` parts that name this API's files must name live ones, and count what they hold (`./files.ts`).
  const fileRefs = body.includes('fileData') || body.includes('file_data') ? fileRefsIn(inner ?? json.value, info.host) : NO_REFS;
  if (fileRefs.size === 0) return proceed(NO_FILES);
  const resolved = resolveFiles(ctx, fileRefs);
  const afterFiles = (r: FileResolution): Reply | Promise<Reply> => ('error' in r ? geminiErrorReply(route, r.error, r.error.code === 403 ? 'not_found' : 'invalid_request', other) : proceed(r.tokens));
  return resolved instanceof Promise ? replyAfter(resolved, afterFiles) : afterFiles(resolved);
}

/** countTokens for a parsed body; `cached`: the tokens of the explicit cache it read first (0: none); `files`: the named uploads' tokens. */
function countFrom(ctx: ThreadContext, value: unknown, path: ModelPath, cached: number, files: FileTokens): Reply {
  const other = ctx.counters.modelIndex('');
  const parsed = parseCountTokensRequest(value);
  if (parsed.error) return geminiErrorReply(route, parsed.error, 'invalid_request', other);
  const resolution = ctx.corpus.resolveModel(path.model);
  if (ctx.config.strictModels && resolution?.known !== true) {
    return geminiErrorReply(route, modelNotFound(path.model, path.apiVersion, 'countTokens'), 'model_not_found', other);
  }
  const req = parsed.body;
  const prompt = countPromptTokens(req.generateContentRequest ?? { contents: req.contents ?? [] }, files);
  const total = prompt.total;
  const details = (total > 0 ? `,"promptTokensDetails":${promptTokensDetails(prompt)}` : '') + (cached > 0 ? `,"cachedContentTokenCount":${cached}` : '');
  return {
    kind: 'json',
    status: 200,
    contentType: JSON_TYPE,
    headers: geminiHeaders(0),
    body: `{"totalTokens":${total}${details}}`,
    delayMs: 0,
    completionTokens: 0,
    meta: { route, modelIndex: ctx.counters.modelIndex(resolution?.key ?? ctx.corpus.fallbackKey), errorKind: null },
  };
}
