/**
 * Gemini's OpenAI-compatible endpoint, `/v1beta/openai/` (what the openai SDK calls with Google's
 * `baseURL` and a Gemini key): Chat Completions, Embeddings and Models, answered by the OpenAI
 * handlers with Gemini's models, thinking, quotas and failures. What differs from OpenAI's routes,
 * as Google documents it and its users have recorded it (docs/surfaces.md has the sources):
 * - the key is a Gemini key, sent as a Bearer token, and a wrong one is Gemini's 400
 *   `API_KEY_INVALID`, not a 401, so the SDK raises BadRequestError;
 * - every failure is in Google's shape, wrapped in a JSON array
 *   (`[{"error":{"code":400,"message":…,"status":"INVALID_ARGUMENT"}}]`): the SDKs still raise by
 *   status, but find no `error` field in it (Node's says only "400 status code (no body)",
 *   Python's prints the body);
 * - `reasoning_effort` sets Gemini's thinking (2.5: a budget of 0, 1,024, 8,192 or 24,576 tokens
 *   for none, low, medium, high; 3: a thinking level), as does
 *   `extra_body.google.thinking_config` (`thinking_budget`, `thinking_level`, with the native
 *   route's refusals), but not both;
 * - models are listed and retrieved by their Gemini resource names (`models/gemini-2.5-flash`);
 * - rate limits, quotas and chaos faults are Gemini's (the gemini quota dialect, its 429 bodies).
 */
import { geminiAliasTarget, vendorOf } from '../../corpus/model-catalog.js';
import { OTHER_MODEL, type RouteId } from '../../metrics/counters.js';
import type { SeededRandom } from '../../timing/random.js';
import { countsOffThread, getRoute, postRoute, type PostHandler, type RequestField, type RequestInfo, type RouteErrors } from '../http-exchange.js';
import type { ChatRequest } from '../openai/chat-request.js';
import { chatCompletions } from '../openai/chat.js';
import { embeddings } from '../openai/embeddings.js';
import type { EmbeddingModel as OpenAIEmbeddingModel } from '../openai/embeddings-request.js';
import { invalidRequest, type OpenAIError } from '../openai/errors.js';
import type { RouteVariant } from '../openai/route-variant.js';
import { safeDecode } from '../path-segment.js';
import { geminiTakesLevels, geminiThoughtTokens } from '../reasoning.js';
import type { JsonReply, Reply } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { EMBEDDING_MODELS } from './embed.js';
import { API_KEY_INVALID, API_KEY_MISSING, geminiError, geminiErrorBody, modelNotFound, type GeminiError } from './errors.js';
import { GEMINI_FAULTS } from './faults.js';
import { geminiHeaders, JSON_TYPE } from './reply.js';
import { invalidThinkingLevel, THINKING_LEVEL_NAMES, thinkingConfigRefusal, thinkingLevelRefusal } from './thinking-levels.js';

export const COMPAT_PREFIX = '/v1beta/openai';

/** How the models list names a model (`models/gemini-2.5-flash`); requests may name it so too. */
const MODEL_PREFIX = 'models/';
const bareModelId = (id: string): string => (id.startsWith(MODEL_PREFIX) ? id.slice(MODEL_PREFIX.length) : id);

/** What the compat routes read: the Bearer key (also the quota key) and a caller's request id. */
const COMPAT_FIELDS: readonly RequestField[] = ['authorization', 'x-request-id'];

/** Gemini 2.5's thinking budget for each OpenAI effort, as Google's compatibility guide maps them (`minimal` is refused: COMPAT_EFFORTS). */
const EFFORT_BUDGET: ReadonlyMap<string, number> = new Map([
  ['none', 0],
  ['low', 1_024],
  ['medium', 8_192],
  ['high', 24_576],
]);

interface ThinkingConfig {
  readonly thinkingBudget?: number;
  readonly thinkingLevel?: string;
}

/** `extra_body.google.thinking_config`: top-level `google` (Python's extra_body merged) or nested under a literal `extra_body` key (Google's own examples). */
function googleThinkingConfig(body: ChatRequest['body']): Record<string, unknown> | undefined {
  const record = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const google = record(body['google']) ?? record(record(body['extra_body'])?.['google']);
  return record(google?.['thinking_config']);
}

/** The request's thinking, in Gemini's terms; undefined for the model's default. */
function thinkingOf(model: string, body: ChatRequest['body']): ThinkingConfig | undefined {
  const config = googleThinkingConfig(body);
  if (config !== undefined) {
    const budget = config['thinking_budget'];
    const level = config['thinking_level'];
    return { thinkingBudget: typeof budget === 'number' ? budget : undefined, thinkingLevel: typeof level === 'string' ? level : undefined };
  }
  const effort = body.reasoning_effort;
  if (effort == null) return undefined;
  const target = geminiAliasTarget(model);
  if (geminiTakesLevels(target)) {
    // Gemini 3 and later cannot stop thinking: none is the least level (`low` where `minimal` is refused: Pro, 3.7 and 3.8 Flash, 4 Argon).
    const least = thinkingLevelRefusal(target, 'MINIMAL') === undefined ? 'minimal' : 'low';
    return { thinkingLevel: effort === 'none' ? least : effort };
  }
  return { thinkingBudget: EFFORT_BUDGET.get(effort) ?? EFFORT_BUDGET.get('medium')! };
}

const asOpenAIError = (e: GeminiError): OpenAIError => ({ ...invalidRequest(e.message, null, null), status: e.code });

/**
 * The efforts the compatibility layer takes. Its guide maps `minimal` too, but the API refuses it
 * (reported on Google's forum for 3 Flash, 2026-01: "Invalid reasoning_effort: minimal. Valid
 * values are: high, low, medium, none"); the list in that message names no model.
 */
const COMPAT_EFFORTS: ReadonlySet<string> = new Set(['high', 'low', 'medium', 'none']);

function thinkingRefusal(model: string, body: ChatRequest['body']): OpenAIError | undefined {
  if (googleThinkingConfig(body) !== undefined && body.reasoning_effort != null) {
    return asOpenAIError(geminiError(400, 'reasoning_effort and thinking_config cannot be set together; use one of them.'));
  }
  const effort = body.reasoning_effort;
  if (effort != null && !COMPAT_EFFORTS.has(effort)) return asOpenAIError(geminiError(400, `Invalid reasoning_effort: ${effort}. Valid values are: high, low, medium, none`));
  // `thinking_config` is generateContent's `thinkingConfig`, on any model: a name outside the enum
  // fails its parse, and a level with a budget, a level on 2.5 or one the model lacks (3 Pro's
  // `medium`, from `reasoning_effort` too: reported on Google's forum, 2025-12) its checks.
  const thinking = thinkingOf(model, body);
  const level = thinking?.thinkingLevel;
  if (level !== undefined && !THINKING_LEVEL_NAMES.has(level.toUpperCase())) return asOpenAIError(invalidThinkingLevel(level));
  const refused = thinkingConfigRefusal(model, thinking);
  return refused === undefined ? undefined : asOpenAIError(refused);
}

function hiddenThoughts(model: string, body: ChatRequest['body'], rng: SeededRandom): number {
  return geminiThoughtTokens(model, thinkingOf(model, body), rng);
}

/** Gemini's embedding models at their own sizes; both shorten (`dimensions` is their `outputDimensionality`). */
function compatEmbeddingModel(id: string): OpenAIEmbeddingModel {
  const m = EMBEDDING_MODELS.get(id) ?? EMBEDDING_MODELS.get('gemini-embedding-001')!;
  return { dims: m.defaultDims, maxDims: m.maxDims, shortens: true, known: EMBEDDING_MODELS.has(id) };
}

// A model named as the models list names it (`models/gemini-2.5-flash`) is that model, as a retrieve takes it.
const COMMON = { model: undefined, authChecked: true, faults: GEMINI_FAULTS, dialect: 'gemini', modelPrefix: MODEL_PREFIX } as const;
const CHAT_VARIANT: RouteVariant = { ...COMMON, route: 'gemini_openai_chat', refusal: thinkingRefusal, hiddenReasoning: hiddenThoughts };
const EMBEDDINGS_VARIANT: RouteVariant = { ...COMMON, route: 'gemini_openai_embeddings', embeddingModel: compatEmbeddingModel };

/** The Bearer token the openai SDK sends. */
function bearerKey(info: RequestInfo): string {
  return info.authorization.startsWith('Bearer ') ? info.authorization.slice(7).trim() : '';
}

function compatError(route: RouteId, err: GeminiError, kind: JsonReply['meta']['errorKind'], modelIndex: number): JsonReply {
  return { kind: 'json', status: err.code, contentType: JSON_TYPE, headers: geminiHeaders(0), body: `[${geminiErrorBody(err)}]`, delayMs: 0, completionTokens: 0, meta: { route, modelIndex, errorKind: kind } };
}

function checkKey(ctx: ThreadContext, info: RequestInfo, route: RouteId): JsonReply | undefined {
  const key = bearerKey(info);
  if (ctx.keyAccepted(key) !== false) return undefined;
  return compatError(route, key.length === 0 ? API_KEY_MISSING : API_KEY_INVALID, 'authentication', OTHER_MODEL);
}

/** The model a request body names, for the not-found message (the body is valid JSON by then). */
function bodyModel(body: string): string {
  try {
    const m = (JSON.parse(body) as { model?: unknown }).model;
    return typeof m === 'string' ? bareModelId(m) : '';
  } catch {
    return '';
  }
}

/**
 * A failure from the OpenAI handlers in Google's array shape: an OpenAI body becomes a
 * google.rpc.Status with the same status and message (an unknown model in Gemini's words), and a
 * Gemini body (quota, faults) is wrapped. Other bodies (a 502's HTML, an empty 200) pass as they are.
 */
function inGoogleShape(reply: Reply, body: string, method: string): Reply {
  if (reply.kind !== 'json' || reply.status < 400 || typeof reply.body !== 'string') return reply;
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.body);
  } catch {
    return reply;
  }
  const error = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as { error?: unknown }).error : undefined;
  if (typeof error !== 'object' || error === null) return reply;
  // Google's front end's headers in place of OpenAI's (the ground-truth and limit headers stay).
  const keep = [...reply.headers.filter((_, i, h) => !h[i - (i % 2)]!.startsWith('openai-')), ...geminiHeaders(0)];
  if (typeof (error as { status?: unknown }).status === 'string') return { ...reply, contentType: JSON_TYPE, headers: keep, body: `[${reply.body}]` };
  const text = (error as { message?: unknown }).message;
  const message = typeof text === 'string' ? text : '';
  const err = reply.meta.errorKind === 'model_not_found' ? modelNotFound(bodyModel(body), 'v1beta', method) : geminiError(reply.status, message);
  return { ...reply, status: err.code, contentType: JSON_TYPE, headers: keep, body: `[${geminiErrorBody(err)}]` };
}

function compatRoute(ctx: ThreadContext, route: RouteId, method: string, handler: (info: RequestInfo, body: string) => Reply | Promise<Reply>): PostHandler {
  return (info, body) => {
    const refused = checkKey(ctx, info, route);
    if (refused) return refused;
    const reply = handler(info, body);
    return reply instanceof Promise ? reply.then((r) => inGoogleShape(r, body, method)) : inGoogleShape(reply, body, method);
  };
}

/** The models this endpoint serves: the Gemini models served today and the corpus's, then Gemini's embedding models. */
function compatModelIds(ctx: ThreadContext): string[] {
  return [...ctx.corpus.listedModels.filter((m) => vendorOf(m) === 'google'), ...EMBEDDING_MODELS.keys()];
}

const modelObject = (id: string): Record<string, unknown> => ({ id: `${MODEL_PREFIX}${id}`, object: 'model', owned_by: 'google' });

function modelsReply(body: string): JsonReply {
  return { kind: 'json', status: 200, contentType: JSON_TYPE, headers: geminiHeaders(0), body, delayMs: 0, completionTokens: 0, meta: { route: 'gemini_openai_models', modelIndex: OTHER_MODEL, errorKind: null } };
}

function listCompatModels(ctx: ThreadContext, info: RequestInfo): Reply {
  return checkKey(ctx, info, 'gemini_openai_models') ?? modelsReply(JSON.stringify({ object: 'list', data: compatModelIds(ctx).map(modelObject) }));
}

function retrieveCompatModel(ctx: ThreadContext, info: RequestInfo): Reply {
  const refused = checkKey(ctx, info, 'gemini_openai_models');
  if (refused) return refused;
  // The SDK sends the id as given: `gemini-2.5-flash` or the listed `models/gemini-2.5-flash`.
  const id = bareModelId(safeDecode(info.params[0] ?? ''));
  if (!compatModelIds(ctx).includes(id)) return compatError('gemini_openai_models', modelNotFound(id, 'v1beta', 'get'), 'model_not_found', OTHER_MODEL);
  return modelsReply(JSON.stringify(modelObject(id)));
}

export const COMPAT_PATHS: readonly (readonly [RegExp, string])[] = [
  [/^\/v1beta\/openai\/(chat\/completions|embeddings)\/?$/, 'POST'],
  [/^\/v1beta\/openai\/models\/?$/, 'GET'],
  [/^\/v1beta\/openai\/models\/.+$/, 'GET'],
];

export function registerOpenAICompat(app: Parameters<typeof getRoute>[0], ctx: ThreadContext, nativeErrors: RouteErrors): void {
  // The exchange's own refusals (a body past the limit or nested too deep, a drain) in the compat
  // layer's array too: a JsonReply in, a JsonReply out.
  const shaped = (reply: JsonReply): JsonReply => inGoogleShape(reply, '', 'generateContent') as JsonReply;
  const errors: RouteErrors = {
    tooLarge: (info) => shaped(nativeErrors.tooLarge(info)),
    internal: (err) => shaped(nativeErrors.internal(err)),
    tooDeep: () => shaped(nativeErrors.tooDeep()),
    shuttingDown: () => shaped(nativeErrors.shuttingDown()),
  };
  const chat = compatRoute(ctx, 'gemini_openai_chat', 'generateContent', (info, body) => chatCompletions(ctx, info, body, CHAT_VARIANT));
  // A refused key is answered at once, before its prompt is counted.
  postRoute(app, `${COMPAT_PREFIX}/chat/completions`, 0, errors, countsOffThread(chat, (info) => ctx.keyAccepted(bearerKey(info)) !== false), COMPAT_FIELDS);
  postRoute(app, `${COMPAT_PREFIX}/embeddings`, 0, errors, compatRoute(ctx, 'gemini_openai_embeddings', 'embedContent', (info, body) => embeddings(ctx, info, body, EMBEDDINGS_VARIANT)), COMPAT_FIELDS);
  getRoute(app, 'get', `${COMPAT_PREFIX}/models`, 0, errors, (info) => listCompatModels(ctx, info));
  getRoute(app, 'get', `${COMPAT_PREFIX}/models/*`, 0, errors, (info) => retrieveCompatModel(ctx, { ...info, params: [info.url.slice(`${COMPAT_PREFIX}/models/`.length)] }));
}
