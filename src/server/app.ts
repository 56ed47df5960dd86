/**
 * Builds one thread's uWS app: the provider routes, the simulator's own endpoints, and the
 * 404/405 answers for everything else.
 */
import type { TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import { readCounters, type CounterLayout } from '../metrics/counters.js';
import type { MetricsExporter } from '../metrics/prometheus.js';
import type { MergedStats } from '../workers/messages.js';
import { getRoute, installInternalErrorReply, postRoute, type RequestInfo } from './http-exchange.js';
import { chatCompletions } from './openai/chat.js';
import { bodyTooLarge, INTERNAL_ERROR, methodNotAllowed, notFound } from './openai/errors.js';
import { listModels, retrieveModel } from './openai/models.js';
import { openAIErrorReply } from './openai/reply.js';
import type { JsonReply, Reply } from './reply.js';
import type { ThreadContext } from './thread-context.js';

/** Paths served, with the methods each accepts, for 405 answers. */
const KNOWN_PATHS: readonly (readonly [RegExp, string])[] = [
  [/^\/(v1\/)?chat\/completions\/?$/, 'POST'],
  [/^\/(v1\/)?models\/?$/, 'GET'],
  [/^\/(v1\/)?models\/[^/]+\/?$/, 'GET'],
  [/^\/metrics$/, 'GET'],
  [/^\/_understudy\/health$/, 'GET'],
  [/^\/_understudy\/stats$/, 'GET'],
  [/^\/_understudy\/stats\/reset$/, 'POST'],
];

export interface AppHooks {
  readonly metrics: MetricsExporter;
  readonly health: () => Record<string, unknown>;
  /** Histograms merged over every thread; `reset` zeroes them after reading. */
  readonly stats: (reset: boolean) => Promise<MergedStats>;
  readonly countersSab: SharedArrayBuffer;
  readonly countersLayout: CounterLayout;
}

export function buildApp(app: TemplatedApp, ctx: ThreadContext, hooks: AppHooks): TemplatedApp {
  const other = ctx.counters.modelIndex('');
  let errorSeq = 0;
  const errorId = (): string => `req_err${(errorSeq++).toString(16).padStart(25, '0')}`;
  installInternalErrorReply(() => openAIErrorReply(errorId(), 'unrouted', INTERNAL_ERROR, 'internal', other));
  const tooLarge = (_info: RequestInfo): JsonReply =>
    openAIErrorReply(errorId(), 'chat_completions', bodyTooLarge(ctx.config.bodyLimitBytes), 'body_too_large', other);

  for (const prefix of ['/v1', '']) {
    postRoute(app, `${prefix}/chat/completions`, 0, tooLarge, (info, body) => chatCompletions(ctx, info, body));
    getRoute(app, 'get', `${prefix}/models`, 0, (info) => listModels(ctx, info));
    getRoute(app, 'get', `${prefix}/models/:id`, 1, (info) => retrieveModel(ctx, info));
  }

  getRoute(app, 'get', '/metrics', 0, async (): Promise<Reply> => ({
    kind: 'json',
    status: 200,
    contentType: hooks.metrics.contentType,
    headers: [],
    body: await hooks.metrics.render(),
    delayMs: 0,
    completionTokens: 0,
    meta: { route: 'metrics', modelIndex: other, errorKind: null },
  }));
  getRoute(app, 'get', '/_understudy/health', 0, (): Reply => ({
    kind: 'json',
    status: 200,
    contentType: 'application/json',
    headers: [],
    body: JSON.stringify(hooks.health()),
    delayMs: 0,
    completionTokens: 0,
    meta: { route: 'health', modelIndex: other, errorKind: null },
  }));

  const statsReply = async (reset: boolean): Promise<Reply> => {
    const merged = await hooks.stats(reset);
    const counters = readCounters(hooks.countersSab, hooks.countersLayout);
    return {
      kind: 'json',
      status: 200,
      contentType: 'application/json',
      headers: [],
      body: JSON.stringify({ ...merged, activeStreams: counters.activeStreams, tokensOut: counters.tokensOut.reduce((n, t) => n + t.value, 0) }),
      delayMs: 0,
      completionTokens: 0,
      meta: { route: 'stats', modelIndex: other, errorKind: null },
    };
  };
  getRoute(app, 'get', '/_understudy/stats', 0, () => statsReply(false));
  // Reads and zeroes in one step, so load tools can measure one phase at a time.
  postRoute(app, '/_understudy/stats/reset', 0, tooLarge, () => statsReply(true));
  getRoute(app, 'any', '/*', 0, (info): Reply => {
    const known = KNOWN_PATHS.find(([re]) => re.test(info.url));
    if (known) {
      const reply = openAIErrorReply(errorId(), 'unrouted', methodNotAllowed(info.method, info.url), 'method_not_allowed', other);
      return { ...reply, headers: [...reply.headers, 'allow', known[1]] };
    }
    return openAIErrorReply(errorId(), 'unrouted', notFound(info.method, info.url), 'not_found', other);
  });
  return app;
}
