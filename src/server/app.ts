/**
 * Builds one thread's uWS app: each provider surface's routes, the simulator's own endpoints, and
 * the 404/405 answers for everything else, in the shape of the surface the path looks like.
 */
import type { TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import { OTHER_MODEL, readCounters, type CounterLayout } from '../metrics/counters.js';
import type { MetricsExporter } from '../metrics/prometheus.js';
import type { MergedStats } from '../workers/messages.js';
import { anthropicSurface } from './anthropic/surface.js';
import { azureSurface } from './azure/surface.js';
import { geminiSurface } from './gemini/surface.js';
import { checkAdmin, registerAdmin, type AdminHooks } from './admin.js';
import { getRoute, postRoute } from './http-exchange.js';
import { openAISurface } from './openai/surface.js';
import type { Reply } from './reply.js';
import { routeErrors, type Surface } from './surface.js';
import type { ThreadContext } from './thread-context.js';

/**
 * Every surface, most specific first: the last one owns every path, so an unknown path gets its
 * 404 shape.
 */
export const SURFACES: readonly Surface[] = [anthropicSurface, azureSurface, geminiSurface, openAISurface];

/** The simulator's own endpoints. */
const OWN_PATHS: readonly (readonly [RegExp, string])[] = [
  [/^\/metrics$/, 'GET'],
  [/^\/_understudy\/health$/, 'GET'],
  [/^\/_understudy\/stats$/, 'GET'],
  [/^\/_understudy\/stats\/reset$/, 'POST'],
  [/^\/_understudy\/(scenario|quota)$/, 'GET, POST, DELETE'],
];

export interface AppHooks {
  readonly metrics: MetricsExporter;
  readonly health: () => Record<string, unknown>;
  /** Histograms merged over every thread; `reset` zeroes them after reading. */
  readonly stats: (reset: boolean) => Promise<MergedStats>;
  readonly countersSab: SharedArrayBuffer;
  readonly countersLayout: CounterLayout;
  readonly admin: AdminHooks;
}

const PREFLIGHT_METHODS = 'GET, POST, PATCH, DELETE, OPTIONS';

function jsonReply(route: 'metrics' | 'health' | 'stats' | 'preflight', contentType: string, body: string): Reply {
  return { kind: 'json', status: 200, contentType, headers: [], body, delayMs: 0, completionTokens: 0, meta: { route, modelIndex: OTHER_MODEL, errorKind: null } };
}

export function buildApp(app: TemplatedApp, ctx: ThreadContext, hooks: AppHooks): TemplatedApp {
  for (const surface of SURFACES) surface.register(app, ctx);

  const fallback = SURFACES[SURFACES.length - 1]!;
  const ownErrors = routeErrors(fallback.errors, ctx.config.bodyLimitBytes);
  getRoute(app, 'get', '/metrics', 0, ownErrors, async () => jsonReply('metrics', hooks.metrics.contentType, await hooks.metrics.render()));
  getRoute(app, 'get', '/_understudy/health', 0, ownErrors, () => jsonReply('health', 'application/json', JSON.stringify(hooks.health())));
  const statsReply = async (reset: boolean): Promise<Reply> => {
    const merged = await hooks.stats(reset);
    const counters = readCounters(hooks.countersSab, hooks.countersLayout);
    const tokensOut = counters.tokensOut.reduce((n, t) => n + t.value, 0);
    // The emission counts run from the server's start: a reset zeroes the histograms only.
    const emissions = { emissions: counters.emissions, lateEmissions: counters.lateEmissions, lateEmissionMs: ctx.config.lateEmissionMs };
    return jsonReply('stats', 'application/json', JSON.stringify({ ...merged, activeStreams: counters.activeStreams, pausedStreams: counters.pausedStreams, heldRequests: counters.heldRequests, tokensOut, ...emissions }));
  };
  getRoute(app, 'get', '/_understudy/stats', 0, ownErrors, () => statsReply(false));
  // Reads and zeroes in one step, so load tools can measure one phase at a time. Zeroing changes
  // what everyone else reads, so it is an admin call (reading the stats is not).
  postRoute(app, '/_understudy/stats/reset', 0, ownErrors, (info) => checkAdmin(ctx, info) ?? statsReply(true));
  registerAdmin(app, ctx, hooks.admin, ownErrors);

  // A browser's preflight, for any path: every method and header the request may carry (the SDKs
  // add x-stainless-* headers; `*` does not cover Authorization, so it is named), cached a day.
  getRoute(app, 'options', '/*', 0, ownErrors, () => ({
    ...jsonReply('preflight', 'text/plain', ''),
    headers: ['allow', PREFLIGHT_METHODS, 'access-control-allow-methods', PREFLIGHT_METHODS, 'access-control-allow-headers', '*, authorization', 'access-control-max-age', '86400'],
  }));

  getRoute(app, 'any', '/*', 0, ownErrors, (info): Reply => {
    for (const surface of SURFACES) {
      const known = surface.paths.find(([re]) => re.test(info.url));
      if (known) {
        const reply = surface.errors.reply(405, `Method not allowed: ${info.method} ${info.url}`, 'method_not_allowed');
        return { ...reply, headers: [...reply.headers, 'allow', known[1]] };
      }
    }
    const own = OWN_PATHS.find(([re]) => re.test(info.url));
    if (own) {
      const reply = fallback.errors.reply(405, `Method not allowed: ${info.method} ${info.url}`, 'method_not_allowed');
      return { ...reply, headers: [...reply.headers, 'allow', own[1]] };
    }
    const owner = SURFACES.find((s) => s.owns(info.url)) ?? fallback;
    // Anthropic's SDK sends anthropic-version on every call: a path no other surface claims
    // (batches, files) gets Anthropic's 404, which the SDK parses, rather than OpenAI's.
    const answering = owner === openAISurface && info.anthropicVersion !== '' ? anthropicSurface : owner;
    return answering.errors.reply(404, `Invalid URL (${info.method} ${info.url})`, 'not_found');
  });
  return app;
}
