/**
 * Gemini's explicit context caching (`/v1beta/cachedContents`), as `@google/genai`'s `ai.caches`
 * calls it: create a cache of contents, a system instruction and tools for one model, name it in
 * `generateContent`'s `cachedContent`, and the request reads the cache before its own contents;
 * `usageMetadata.cachedContentTokenCount` reports the cached part. Without these routes an app
 * that caches a long document failed at `caches.create` with 404.
 *
 * The API's rules, in its words: a cache under the model's minimum (1,024 tokens for Flash, 4,096
 * for Pro) is "too small"; a request naming a cache may not set `systemInstruction`, `tools` or
 * `toolConfig`, nor use another model; an unknown or expired cache is 403 "CachedContent not found
 * (or permission denied)". Caches live until their `ttl` (default one hour) or `expireTime`.
 *
 * Kept by the server thread that created one, bounded like the OpenAI stores; its id (40 lowercase
 * letters and digits, as the API's are) names that thread (`../owner-ids.ts`), and a request on
 * another thread asks it (`../peers.ts`).
 */
import { OTHER_MODEL } from '../../metrics/counters.js';
import { BoundedStore } from '../bounded-store.js';
import type { RequestInfo } from '../http-exchange.js';
import { ownedId } from '../owner-ids.js';
import { safeDecode } from '../path-segment.js';
import { foreignOwner, ownSlot, throwIfFailed, type GeminiCacheView, type ListedObject } from '../peers.js';
import type { Reply } from '../reply.js';
import { perThread, type ThreadContext } from '../thread-context.js';
import { servingBucket } from '../answer-plan.js';
import { geminiError, INVALID_JSON, invalidArgument, modelNotFound, ROOT_NOT_OBJECT, type GeminiError } from './errors.js';
import { bareModel } from './path.js';
import { countPromptTokens, NO_FILES, type FileTokens } from './prompt.js';
import { fileRefsIn, NO_REFS, resolveFiles, type FileResolution } from './files.js';
import { replyAfter } from '../http-exchange.js';
import { checkGeminiAuth, geminiErrorReply, geminiHeaders, geminiPage, JSON_TYPE, queryOf } from './reply.js';
import { isMessage, parseGenerateRequest, parseJsonBody } from './request.js';

const MAX_CACHES = 1000;
/** The cached fields a thread keeps, by their JSON size. */
const MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_TTL_MS = 3600 * 1000;
const MAX_PAGE_SIZE = 1000;

export const CACHE_NOT_FOUND: GeminiError = geminiError(403, 'CachedContent not found (or permission denied)');

/** The request fields a cache holds, which a request naming it may not set itself. */
const CACHED_FIELDS = ['systemInstruction', 'system_instruction', 'tools', 'toolConfig', 'tool_config'] as const;
export const CACHE_WITH_OWN_FIELDS: GeminiError = invalidArgument(
  'CachedContent can not be used with GenerateContent request setting system_instruction, tools or tool_config.\n\nProposed fix: move those values to CachedContent from GenerateContent request.',
);

/** The fewest tokens a cache may hold: 1,024 for Flash models, 4,096 for Pro (the API's caching docs). */
export function explicitCacheMinimum(model: string): number {
  return model.includes('-pro') ? 4096 : 1024;
}

interface StoredCache {
  readonly id: string;
  readonly seq: number;
  readonly model: string;
  readonly displayName: string | undefined;
  readonly createTime: string;
  updateTime: string;
  expireMs: number;
  readonly tokens: number;
  /** `{contents, systemInstruction, tools, toolConfig}` as sent (camelCase), as JSON text. */
  readonly fieldsJson: string;
  /** The tokens of the uploaded files its parts name, by id, for the requests that read it. */
  readonly fileTokens: readonly (readonly [string, number])[];
}

/** The thread's caches: bounded, and an expired one is dropped when next looked up. */
class CacheRegistry {
  readonly #store = new BoundedStore<StoredCache>(MAX_CACHES, MAX_BYTES, (c) => c.fieldsJson.length);

  add(c: StoredCache): void {
    this.#store.put(c.id, c);
  }

  /** A live cache; an expired one is dropped on the way. */
  get(id: string, nowMs: number): StoredCache | undefined {
    const c = this.#store.get(id);
    if (c === undefined || nowMs < c.expireMs) return c;
    this.#store.delete(id);
    return undefined;
  }

  delete(id: string): boolean {
    return this.#store.delete(id);
  }

  live(nowMs: number): StoredCache[] {
    return [...this.#store.values()].filter((c) => this.get(c.id, nowMs) !== undefined);
  }
}

const registryFor = perThread(() => new CacheRegistry());

const NAME_PREFIX = 'cachedContents/';
const idOf = (name: string): string => (name.startsWith(NAME_PREFIX) ? name.slice(NAME_PREFIX.length) : name);
/** The API's: `cachedContents/o239k1gxzz0juy9wqstndhncr85krehehf551hqh` in `@google/genai`'s (Python) tests. */
const ID_LENGTH = 40;

function cacheObject(c: StoredCache): Record<string, unknown> {
  return {
    name: `${NAME_PREFIX}${c.id}`,
    model: `models/${c.model}`,
    ...(c.displayName === undefined ? {} : { displayName: c.displayName }),
    createTime: c.createTime,
    updateTime: c.updateTime,
    expireTime: new Date(c.expireMs).toISOString(),
    usageMetadata: { totalTokenCount: c.tokens },
  };
}

/** The largest protobuf Duration (about 10,000 years), in seconds. */
const MAX_DURATION_S = 315_576_000_000;
/** The latest protobuf Timestamp: the end of year 9999. */
const MAX_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** A protobuf Duration in JSON (`"3600s"`, `"1.5s"`), in ms; undefined when it is not one. */
function durationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{1,12})(?:\.(\d{1,9}))?s$/.exec(value);
  if (m === null || Number(m[1]) > MAX_DURATION_S) return undefined;
  return Number(m[1]) * 1000 + Math.round(Number(`0.${m[2] ?? '0'}`) * 1000);
}

/** When a cache created or updated with `fields` expires, or the API's 400 for a value it cannot read. */
function expiryOf(fields: Record<string, unknown>, nowMs: number, fallbackMs: number): number | GeminiError {
  const ttl = fields.ttl;
  const expireTime = fields.expireTime ?? fields.expire_time;
  // An expiry must be a time a client can read back (`toISOString` throws past year 275,760).
  if (ttl !== undefined) {
    const ms = durationMs(ttl);
    return ms === undefined || nowMs + ms > MAX_TIMESTAMP_MS ? invalidArgument(`Invalid value at 'cached_content.ttl' (type.googleapis.com/google.protobuf.Duration), ${JSON.stringify(ttl)}`, 'cached_content.ttl') : nowMs + ms;
  }
  if (expireTime !== undefined) {
    const ms = typeof expireTime === 'string' && RFC3339.test(expireTime) ? Date.parse(expireTime) : NaN;
    return Number.isNaN(ms) || ms > MAX_TIMESTAMP_MS ? invalidArgument(`Invalid value at 'cached_content.expire_time' (type.googleapis.com/google.protobuf.Timestamp), ${JSON.stringify(expireTime)}`, 'cached_content.expire_time') : ms;
  }
  return fallbackMs;
}

type Op = 'get' | 'update' | 'delete' | 'list';

const route = 'gemini_caches';
const fail = (e: GeminiError, kind: 'invalid_request' | 'not_found' | 'invalid_json' | 'authentication' | 'model_not_found'): Reply => geminiErrorReply(route, e, kind, OTHER_MODEL);
const ok = (json: string): Reply => ({ kind: 'json', status: 200, contentType: JSON_TYPE, headers: geminiHeaders(0), body: json, delayMs: 0, completionTokens: 0, meta: { route, modelIndex: OTHER_MODEL, errorKind: null } });

/** The other thread that holds the cache a `/v1beta/cachedContents/{id}` route names, or undefined for this one. */
export function cacheRouteOwner(ctx: ThreadContext, info: RequestInfo): number | undefined {
  return foreignOwner(ctx, safeDecode(info.params[0] ?? ''), 'lower');
}

/**
 * Every `/v1beta/cachedContents…` request on this thread but a create; `params[0]` is the cache id
 * where the route has one. `others`: other threads' live caches, for a list.
 */
export function cachedContentsRequest(ctx: ThreadContext, info: RequestInfo, body: string, op: Op, others: readonly ListedObject[] = []): Reply {
  const authError = checkGeminiAuth(ctx, info, queryOf(info));
  if (authError) return fail(authError, 'authentication');
  const registry = registryFor(ctx);
  const nowMs = Date.now();

  if (op === 'list') {
    const all = [...registry.live(nowMs).map((c) => ({ seq: c.seq, json: JSON.stringify(cacheObject(c)) })), ...others].sort((a, b) => a.seq - b.seq);
    return ok(geminiPage(all, queryOf(info), 'cachedContents', MAX_PAGE_SIZE));
  }
  const c = registry.get(safeDecode(info.params[0] ?? ''), nowMs);
  if (c === undefined) return fail(CACHE_NOT_FOUND, 'not_found');
  if (op === 'get') return ok(JSON.stringify(cacheObject(c)));
  if (op === 'delete') {
    registry.delete(c.id);
    return ok('{}');
  }
  const json = parseJsonBody(body);
  if (!json.ok) return fail(INVALID_JSON, 'invalid_json');
  if (!isMessage(json.value)) return fail(ROOT_NOT_OBJECT, 'invalid_request');
  const fields = json.value;
  const expireMs = expiryOf(fields, nowMs, c.expireMs);
  if (typeof expireMs !== 'number') return fail(expireMs, 'invalid_request');
  c.expireMs = expireMs;
  c.updateTime = new Date(nowMs).toISOString();
  return ok(JSON.stringify(cacheObject(c)));
}

/**
 * POST /v1beta/cachedContents. Uploaded files its parts name must exist, and count what they hold
 * (`./files.ts`): the caching docs' own example caches an uploaded document, which as one media
 * part would be "too small".
 */
export function createCachedContent(ctx: ThreadContext, info: RequestInfo, body: string): Reply | Promise<Reply> {
  const authError = checkGeminiAuth(ctx, info, queryOf(info));
  if (authError) return fail(authError, 'authentication');
  const registry = registryFor(ctx);
  const json = parseJsonBody(body);
  if (!json.ok) return fail(INVALID_JSON, 'invalid_json');
  if (!isMessage(json.value)) return fail(ROOT_NOT_OBJECT, 'invalid_request');
  const fields = json.value;
  if (typeof fields.model !== 'string' || fields.model.length === 0) return fail(invalidArgument('CachedContent.model is required.', 'cached_content.model'), 'invalid_request');
  const model = bareModel(fields.model);
  if (servingBucket(ctx, model) === null) return fail(modelNotFound(model, 'v1beta', 'createCachedContent'), 'model_not_found');
  // The cached fields are checked as generateContent checks them; a cache may hold no contents.
  const contents: unknown = fields.contents ?? [];
  const held = { contents, systemInstruction: fields.systemInstruction ?? fields.system_instruction, tools: fields.tools, toolConfig: fields.toolConfig ?? fields.tool_config };
  const parsed = parseGenerateRequest({ ...held, contents: Array.isArray(contents) && contents.length === 0 ? [{ role: 'user', parts: [{ text: '' }] }] : contents });
  if (parsed.error) return fail(parsed.error, 'invalid_request');
  const create = (resolved: FileResolution): Reply => {
    if ('error' in resolved) return fail(resolved.error, resolved.error.code === 403 ? 'not_found' : 'invalid_request');
    return storeCache(ctx, registry, fields, model, held, countPromptTokens({ ...parsed.body, contents: Array.isArray(contents) && contents.length === 0 ? [] : parsed.body.contents }, resolved.tokens).total, resolved.tokens);
  };
  const fileRefs = body.includes('fileData') || body.includes('file_data') ? fileRefsIn(held, info.host) : NO_REFS;
  if (fileRefs.size === 0) return create({ tokens: NO_FILES });
  const resolved = resolveFiles(ctx, fileRefs);
  return resolved instanceof Promise ? replyAfter(resolved, create) : create(resolved);
}

function storeCache(ctx: ThreadContext, registry: CacheRegistry, fields: Record<string, unknown>, model: string, held: Record<string, unknown>, tokens: number, files: FileTokens): Reply {
  const nowMs = Date.now();
  const minimum = explicitCacheMinimum(model);
  if (tokens < minimum) return fail(invalidArgument(`Cached content is too small. total_token_count=${tokens}, min_total_token_count=${minimum}`), 'invalid_request');
  const expireMs = expiryOf(fields, nowMs, nowMs + DEFAULT_TTL_MS);
  if (typeof expireMs !== 'number') return fail(expireMs, 'invalid_request');
  const created = new Date(nowMs).toISOString();
  const rng = ctx.requestRng(undefined, '');
  const c: StoredCache = {
    // The id names this thread, which keeps the cache (`../owner-ids.ts`).
    id: ownedId(rng, '', ID_LENGTH, ownSlot(ctx), 'lower'),
    seq: ctx.nextStoreSeq(),
    model,
    displayName: typeof fields.displayName === 'string' ? fields.displayName : typeof fields.display_name === 'string' ? fields.display_name : undefined,
    createTime: created,
    updateTime: created,
    expireMs,
    tokens,
    fieldsJson: JSON.stringify(held),
    fileTokens: [...files],
  };
  registry.add(c);
  return ok(JSON.stringify(cacheObject(c)));
}

/** This thread's live caches, for a list on another thread. */
export function cacheListings(ctx: ThreadContext): ListedObject[] {
  return registryFor(ctx)
    .live(Date.now())
    .map((c) => ({ seq: c.seq, json: JSON.stringify(cacheObject(c)) }));
}

/** A cache this thread holds, as a generate request on any thread reads it; null when it holds none by that name. */
export function cacheView(ctx: ThreadContext, name: string): GeminiCacheView | null {
  const c = registryFor(ctx).get(idOf(name), Date.now());
  return c === undefined ? null : { model: c.model, tokens: c.tokens, fieldsJson: c.fieldsJson, fileTokens: c.fileTokens };
}

/** The cache a generate request names: this thread's, or its owner's answer. */
export function findCache(ctx: ThreadContext, name: string): GeminiCacheView | null | Promise<GeminiCacheView | null> {
  const owner = foreignOwner(ctx, idOf(name), 'lower');
  if (owner === undefined) return cacheView(ctx, name);
  return ctx.peers!.ask(owner, { kind: 'gemini_cache', name }).then((answer) => {
    throwIfFailed(answer, 'the cached content');
    return answer.kind === 'gemini_cache' ? answer.cache : null;
  });
}

/**
 * The request a generate call makes with the cache it names: the cache's fields, its contents
 * before the request's own; or the API's error for a request that sets what the cache holds, or
 * uses another model.
 */
export function withCache(value: Record<string, unknown>, cache: GeminiCacheView | null, model: string): { readonly request: Record<string, unknown> } | { readonly error: GeminiError } {
  if (cache === null) return { error: CACHE_NOT_FOUND };
  if (CACHED_FIELDS.some((f) => value[f] !== undefined)) return { error: CACHE_WITH_OWN_FIELDS };
  if (cache.model !== model) return { error: invalidArgument(`Model used by GenerateContent request (models/${model}) and CachedContent (models/${cache.model}) has to be the same.`) };
  const held = JSON.parse(cache.fieldsJson) as { contents: unknown[]; systemInstruction?: unknown; tools?: unknown; toolConfig?: unknown };
  const own: unknown = value.contents;
  const merged: Record<string, unknown> = { ...value, ...held, contents: [...held.contents, ...(Array.isArray(own) ? (own as unknown[]) : [])] };
  delete merged.cachedContent;
  delete merged.cached_content;
  return { request: merged };
}

/** The `cachedContent` a generate request names (camelCase or snake_case), or undefined. */
export function cachedContentOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { cachedContent?: unknown; cached_content?: unknown };
  const name = v.cachedContent ?? v.cached_content;
  return typeof name === 'string' ? name : undefined;
}

/** The file tokens a request reading `cache` counts with: its own files' and the cache's. */
export function withCacheFiles(files: FileTokens, cache: GeminiCacheView): FileTokens {
  return cache.fileTokens.length === 0 ? files : new Map([...files, ...cache.fileTokens]);
}
