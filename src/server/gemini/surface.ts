/**
 * The Gemini surface (Generative Language API): `/v1beta/models/{model}:{method}` for generation,
 * token counting and embeddings, and `/v1beta/models[/{model}]` listings. The same methods answer
 * under `/v1/models/{model}:{method}` (`httpOptions.apiVersion: 'v1'`); a POST there cannot be
 * OpenAI's, whose `/v1/models/{id}` is GET only. `GET /v1/models` stays OpenAI's. Google's
 * OpenAI-compatible endpoint answers under `/v1beta/openai/` (`./openai-compat.ts`).
 */
import { OTHER_MODEL } from '../../metrics/counters.js';
import { countsOffThread, getRoute, postRoute, takesBytes, type RequestField, type RequestInfo, type RouteErrors } from '../http-exchange.js';
import type { Reply } from '../reply.js';
import { routeErrors, type Surface } from '../surface.js';
import type { ThreadContext } from '../thread-context.js';
import { countTokensRoute } from './count-tokens.js';
import { embedRoute } from './embed.js';
import { geminiError, INTERNAL_ERROR } from './errors.js';
import { generateContent } from './generate.js';
import { getGeminiModel, listGeminiModels } from './models.js';
import { GEMINI_METHODS, parseModelPath } from './path.js';
import { checkGeminiAuth, geminiErrorReply, queryOf } from './reply.js';
import { cacheRouteOwner, createCachedContent } from './caches.js';
import { listRoute, ownedRoute } from '../owned-routes.js';
import { fileRouteOwner, isDownload, uploadOwner } from './files.js';
import { batchRouteOwner, createBatch, isCancel } from './batches.js';
import { COMPAT_PATHS, registerOpenAICompat } from './openai-compat.js';

/** What the model routes read: the path (model and method), the key (header or `?key=`), and the method for errors. */
const EMBED_METHOD = /:(batchEmbedContents|embedContent)(\?|$)/;
/** A batch's requests are counted when each is answered, after the create has replied. */
const BATCH_METHOD = /:(batchGenerateContent|asyncBatchEmbedContent)(\?|$)/;
// `host`: a `fileData` URI on this server's own host names one of its files (`./files.ts`).
const GEMINI_FIELDS: readonly RequestField[] = ['method', 'url', 'query', 'x-goog-api-key', 'authorization', 'host'];
/** The model routes' fields: a batch create (`./batches.ts`) also reads the override that lowers its output limit. */
const MODEL_FIELDS: readonly RequestField[] = [...GEMINI_FIELDS, 'x-understudy-batch-output-limit-bytes'];

function notFound(info: RequestInfo): Reply {
  return geminiErrorReply('unrouted', geminiError(404, `Invalid URL (${info.method} ${info.url})`), 'not_found', OTHER_MODEL);
}

function methodNotAllowed(info: RequestInfo, allow: string): Reply {
  const reply = geminiErrorReply('unrouted', geminiError(405, `Method not allowed: ${info.method} ${info.url}`), 'method_not_allowed', OTHER_MODEL);
  return { ...reply, headers: [...reply.headers, 'allow', allow] };
}

/** POST `/{version}/models/{model}:{method}`. */
function modelMethod(ctx: ThreadContext, info: RequestInfo, body: string): Reply | Promise<Reply> {
  const path = parseModelPath(info.url);
  if (path === null) return notFound(info);
  switch (path.method) {
    case null:
      return methodNotAllowed(info, 'GET');
    case 'generateContent':
      return generateContent(ctx, info, body, path, false);
    case 'streamGenerateContent':
      return generateContent(ctx, info, body, path, true);
    case 'countTokens':
      return countTokensRoute(ctx, info, body, path);
    case 'embedContent':
      return embedRoute(ctx, info, body, path, false);
    case 'batchEmbedContents':
      return embedRoute(ctx, info, body, path, true);
    case 'batchGenerateContent':
      return createBatch(ctx, info, body, path, 'generate');
    case 'asyncBatchEmbedContent':
      return createBatch(ctx, info, body, path, 'embed');
    default:
      return geminiErrorReply(
        'unrouted',
        geminiError(404, `Method not found: ${path.method}. The methods on models/${path.model} are ${GEMINI_METHODS.join(', ')}.`),
        'not_found',
        OTHER_MODEL,
      );
  }
}

/** GET `/v1beta/models/{model}`. */
function modelGet(ctx: ThreadContext, info: RequestInfo): Reply {
  if (info.url === '/v1beta/models/') return listGeminiModels(ctx, info);
  const path = parseModelPath(info.url);
  if (path === null) return notFound(info);
  if (path.method !== null) return methodNotAllowed(info, 'POST');
  return getGeminiModel(ctx, info, path);
}

export const geminiSurface: Surface = {
  name: 'gemini',
  paths: [
    [/^\/(v1beta|v1)\/models\/[^/]+:[A-Za-z]+$/, 'POST'],
    [/^\/v1beta\/models\/?$/, 'GET'],
    [/^\/v1beta\/models\/[^/:]+$/, 'GET'],
    [/^\/v1beta\/cachedContents\/?$/, 'GET, POST'],
    [/^\/v1beta\/cachedContents\/[^/]+$/, 'GET, PATCH, DELETE'],
    [/^\/v1beta\/files\/?$/, 'GET'],
    [/^\/v1beta\/files\/[^/]+$/, 'GET, DELETE'],
    [/^\/upload\/v1beta\/files\/?$/, 'POST'],
    [/^\/v1beta\/batches\/?$/, 'GET'],
    [/^\/v1beta\/batches\/[^/:]+$/, 'GET, DELETE'],
    [/^\/v1beta\/batches\/[^/:]+:cancel$/, 'POST'],
    ...COMPAT_PATHS,
  ],
  owns: (path) => /^\/(upload\/)?v1beta(\/|$)/.test(path) || /^\/v1\/models\/[^/]+:[A-Za-z]+$/.test(path),
  errors: {
    reply: (status, message, kind) =>
      geminiErrorReply('unrouted', status === 500 ? INTERNAL_ERROR : geminiError(status, message), kind, OTHER_MODEL),
  },
  register(app, ctx) {
    const limit = ctx.config.bodyLimitBytes;
    // The API's own wording for an oversized payload; the status stays 413 like every surface's.
    const tooLarge = geminiError(413, `Request payload size exceeds the limit: ${limit} bytes.`);
    const errors: RouteErrors = { ...routeErrors(this.errors, limit), tooLarge: () => geminiErrorReply('unrouted', tooLarge, 'body_too_large', OTHER_MODEL) };
    // uWS parameters cannot split `{model}:{method}`, so the model routes are wildcards parsed in `path.ts`.
    // Embedding methods count their texts in the embedding pool's job; a wrong key is answered at once.
    const prompts = (info: RequestInfo): boolean => !EMBED_METHOD.test(info.url) && !BATCH_METHOD.test(info.url) && checkGeminiAuth(ctx, info, queryOf(info)) === undefined;
    for (const version of ['/v1beta', '/v1']) postRoute(app, `${version}/models/*`, 0, errors, countsOffThread((info, body) => modelMethod(ctx, info, body), prompts), MODEL_FIELDS);
    getRoute(app, 'get', '/v1beta/models', 0, errors, (info) => listGeminiModels(ctx, info));
    getRoute(app, 'get', '/v1beta/models/*', 0, errors, (info) => modelGet(ctx, info));
    // Explicit caches (`./caches.ts`); one cache's routes run on the thread that holds it.
    postRoute(app, '/v1beta/cachedContents', 0, errors, (info, body) => createCachedContent(ctx, info, body), GEMINI_FIELDS);
    const list = listRoute(ctx, 'cached_contents');
    getRoute(app, 'get', '/v1beta/cachedContents', 0, errors, (info) => list(info, ''));
    const cacheOwner = (info: RequestInfo): number | undefined => cacheRouteOwner(ctx, info);
    const get = ownedRoute(ctx, 'gemini_cache_get', cacheOwner);
    const update = ownedRoute(ctx, 'gemini_cache_update', cacheOwner);
    const remove = ownedRoute(ctx, 'gemini_cache_delete', cacheOwner);
    getRoute(app, 'get', '/v1beta/cachedContents/:id', 1, errors, (info) => get(info, ''));
    postRoute(app, '/v1beta/cachedContents/:id', 1, errors, update, GEMINI_FIELDS, 'patch');
    getRoute(app, 'del', '/v1beta/cachedContents/:id', 1, errors, (info) => remove(info, ''));
    // Files (`./files.ts`): a file's routes, and its upload's, run on the thread that holds it.
    const upload = ownedRoute(ctx, 'gemini_upload', (info, body) => uploadOwner(ctx, info, body));
    postRoute(app, '/upload/v1beta/files', 0, errors, takesBytes(upload), [...GEMINI_FIELDS, 'x-goog-upload']);
    const files = listRoute(ctx, 'gemini_files');
    getRoute(app, 'get', '/v1beta/files', 0, errors, (info) => files(info, ''));
    const fileGet = ownedRoute(ctx, 'gemini_file_get', (info) => fileRouteOwner(ctx, info));
    const fileDelete = ownedRoute(ctx, 'gemini_file_delete', (info) => fileRouteOwner(ctx, info));
    const fileDownload = ownedRoute(ctx, 'gemini_file_download', (info) => fileRouteOwner(ctx, info));
    getRoute(app, 'get', '/v1beta/files/:id', 1, errors, (info) => (isDownload(info) ? fileDownload(info, '') : fileGet(info, '')));
    getRoute(app, 'del', '/v1beta/files/:id', 1, errors, (info) => fileDelete(info, ''));
    // Batches (`./batches.ts`), created on a model; one batch's routes run on the thread that holds it.
    const batches = listRoute(ctx, 'gemini_batches');
    const batchOwner = (info: RequestInfo): number | undefined => batchRouteOwner(ctx, info);
    const batchGet = ownedRoute(ctx, 'gemini_batch_get', batchOwner);
    const batchCancel = ownedRoute(ctx, 'gemini_batch_cancel', batchOwner);
    const batchDelete = ownedRoute(ctx, 'gemini_batch_delete', batchOwner);
    getRoute(app, 'get', '/v1beta/batches', 0, errors, (info) => batches(info, ''));
    getRoute(app, 'get', '/v1beta/batches/:id', 1, errors, (info) => (isCancel(info) ? methodNotAllowed(info, 'POST') : batchGet(info, '')));
    getRoute(app, 'del', '/v1beta/batches/:id', 1, errors, (info) => (isCancel(info) ? methodNotAllowed(info, 'POST') : batchDelete(info, '')));
    postRoute(app, '/v1beta/batches/:id', 1, errors, (info, body) => (isCancel(info) ? batchCancel(info, body) : methodNotAllowed(info, 'GET, DELETE')), GEMINI_FIELDS);
    // The OpenAI-compatible endpoint (`./openai-compat.ts`).
    registerOpenAICompat(app, ctx, errors);
  },
};
