/**
 * Anthropic's GET /v1/models and /v1/models/{id}. The path is OpenAI's too: the OpenAI model
 * routes hand a request here when it carries `anthropic-version`, which Anthropic's SDK always
 * sends. Lists the Claude models served today and the corpus's (retired ones neither listed nor
 * retrieved), newest first, paginated with `limit`, `after_id` and `before_id` as Anthropic pages.
 */
import { anthropicModelId, anthropicReleaseDate, contextWindow, maxOutputTokens, vendorOf } from '../../corpus/model-catalog.js';
import { type RequestInfo } from '../http-exchange.js';
import type { Reply } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { invalidRequest, modelNotFound } from './errors.js';
import { anthropicErrorReply, anthropicHeaders, anthropicRequestId, checkAnthropicAuth, JSON_TYPE } from './reply.js';
import { safeDecode } from '../path-segment.js';

/** What the models API gives for a release date it does not know. */
const UNKNOWN_RELEASE = '1970-01-01T00:00:00Z';
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

/** `claude-sonnet-4-5` (and `claude-sonnet-4-5-20250929`) → `Claude Sonnet 4.5`, as Anthropic names its models. */
export function displayName(id: string): string {
  return id
    .replace(/-\d{8}$/, '')
    .replace(/-(\d+)-(\d{1,2})(?=-|$)/g, '-$1.$2')
    .split('-')
    .map((w) => (w.length > 0 ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join(' ');
}

type ModelLine = 'haiku' | 'sonnet' | 'opus' | 'fable' | 'mythos';

/**
 * Claude Sonnet 4 and 4.5 read 1M tokens only with the `context-1m` beta: the simulator refuses
 * only past 1M (it cannot see the beta header's effect on billing), but the models API reports the
 * standard window, and clients size prompts from it.
 */
const ONE_MILLION_BY_BETA = /^claude-sonnet-4(-0|-5|-20)/;
const STANDARD_WINDOW = 200_000;

/**
 * Every field Anthropic's `ModelInfo` has (the SDK types them as always present), from what the
 * simulator knows of the model: its limits come from the same tables it enforces. `capabilities`
 * is null, which the API allows: the simulator does not claim server tools, citations or batches.
 */
function modelInfo(id: string): Record<string, unknown> {
  const released = anthropicReleaseDate(id);
  const line = /^claude-(?:\d-\d-)?(haiku|sonnet|opus|fable|mythos)/.exec(id)?.[1] as ModelLine | undefined;
  return {
    type: 'model',
    id,
    display_name: displayName(id),
    created_at: released === undefined ? UNKNOWN_RELEASE : `${released}T00:00:00Z`,
    capabilities: null,
    deprecated_at: null,
    lifecycle: 'active',
    line: line ?? null,
    max_input_tokens: ONE_MILLION_BY_BETA.test(id) ? STANDARD_WINDOW : (contextWindow(id) ?? null),
    max_tokens: maxOutputTokens(id),
    retires_at: null,
  };
}

/**
 * The Claude models, by the dated ids the API lists (an alias and its snapshot once), newest
 * release first ("More recently released models are listed first.", the SDK's docs for
 * `models.list`), so a client that takes the first as the latest gets it; undated ones go last.
 */
function listed(ctx: ThreadContext): readonly string[] {
  const ids = [...new Set(ctx.corpus.listedModels.filter((m) => vendorOf(m) === 'anthropic').map(anthropicModelId))];
  const released = (id: string): string => anthropicReleaseDate(id) ?? '';
  return ids.sort((a, b) => released(b).localeCompare(released(a)) || a.localeCompare(b));
}

export function listAnthropicModels(ctx: ThreadContext, info: RequestInfo): Reply {
  const route = 'anthropic_models';
  const other = ctx.counters.modelIndex('');
  const requestId = anthropicRequestId(ctx.requestRng(undefined, ''));
  const authError = checkAnthropicAuth(ctx, info);
  if (authError) return anthropicErrorReply(requestId, route, authError, 'authentication', other);
  const query = new URLSearchParams(info.query);
  const limitText = query.get('limit');
  const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    return anthropicErrorReply(requestId, route, invalidRequest(`limit: Input should be an integer between 1 and ${MAX_LIMIT}`), 'invalid_request', other);
  }
  const all = listed(ctx);
  const after = query.get('after_id');
  const before = query.get('before_id');
  let from = 0;
  let to = all.length;
  if (after !== null) from = all.indexOf(after) + 1;
  if (before !== null) to = Math.max(0, all.indexOf(before));
  // Paging backwards (before_id) takes the page that ends just before the cursor.
  const page = before !== null && after === null ? all.slice(Math.max(from, to - limit), to) : all.slice(from, Math.min(to, from + limit));
  const start = all.indexOf(page[0] ?? '');
  const hasMore = before !== null && after === null ? start > from : start + page.length < to;
  return {
    kind: 'json',
    status: 200,
    contentType: JSON_TYPE,
    headers: anthropicHeaders(requestId),
    body: JSON.stringify({ data: page.map(modelInfo), has_more: page.length > 0 && hasMore, first_id: page[0] ?? null, last_id: page[page.length - 1] ?? null }),
    delayMs: 0,
    completionTokens: 0,
    meta: { route, modelIndex: other, errorKind: null },
  };
}

export function retrieveAnthropicModel(ctx: ThreadContext, info: RequestInfo): Reply {
  const route = 'anthropic_models';
  const other = ctx.counters.modelIndex('');
  const requestId = anthropicRequestId(ctx.requestRng(undefined, ''));
  const authError = checkAnthropicAuth(ctx, info);
  if (authError) return anthropicErrorReply(requestId, route, authError, 'authentication', other);
  const id = safeDecode(info.params[0] ?? '');
  const resolution = ctx.corpus.resolveModel(id);
  if (resolution?.known !== true) return anthropicErrorReply(requestId, route, modelNotFound(id), 'model_not_found', other);
  return {
    kind: 'json',
    status: 200,
    contentType: JSON_TYPE,
    headers: anthropicHeaders(requestId),
    // An alias resolves to the model it names.
    body: JSON.stringify(modelInfo(anthropicModelId(id))),
    delayMs: 0,
    completionTokens: 0,
    meta: { route, modelIndex: ctx.counters.modelIndex(resolution.key), errorKind: null },
  };
}
