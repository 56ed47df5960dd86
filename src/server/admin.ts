/**
 * The admin API under /_understudy/: load, replace and clear the chaos scenario and the rate
 * limits at run time, and report them. A change made on one thread reaches every thread through
 * the main thread. When the server listens beyond loopback, the API requires `--admin-token`.
 */
import type { TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import { loadLibraryScenario } from '../chaos/library.js';
import { parseScenario, reportedScenario } from '../chaos/scenario.js';
import { OTHER_MODEL } from '../metrics/counters.js';
import { isQuotaPreset, loadQuota, parseQuotaTable } from '../quota/limits.js';
import { simErrorCode } from '../sim-error.js';
import type { Policy, PolicyRestart } from '../workers/messages.js';
import { getRoute, postRoute, type RequestInfo, type RouteErrors } from './http-exchange.js';
import type { JsonReply, Reply } from './reply.js';
import type { ThreadContext } from './thread-context.js';

export interface AdminHooks {
  policy(): Policy;
  /**
   * Applies a new policy on every thread; resolves once every thread has it. `restarts: 'scenario'`
   * starts the scenario's timeline and request count afresh, `'quota'` the buckets.
   */
  setPolicy(policy: Policy, restarts: PolicyRestart): Promise<Policy>;
}

const LOOPBACK = /^(127\.|localhost$|::1$|\[::1\]$)/;

function json(status: number, body: unknown): JsonReply {
  return { kind: 'json', status, contentType: 'application/json', headers: [], body: JSON.stringify(body), delayMs: 0, completionTokens: 0, meta: { route: 'unrouted', modelIndex: OTHER_MODEL, errorKind: status >= 400 ? 'invalid_request' : null } };
}

function adminError(status: number, code: string, message: string): JsonReply {
  return json(status, { error: { code, message } });
}

/** `undefined` when the caller may use the admin API. */
export function checkAdmin(ctx: ThreadContext, info: RequestInfo): JsonReply | undefined {
  const token = ctx.config.adminToken;
  if (token === undefined) {
    // Browsers answer to the pages they show: any page could otherwise load a chaos scenario into
    // a simulator on the developer's loopback. A browser's request carries Origin; a script's or
    // a load tool's does not.
    if (info.origin !== '') return adminError(403, 'admin_browser', 'The admin API does not take requests from browsers unless --admin-token is set.');
    if (LOOPBACK.test(ctx.config.host)) return undefined;
    return adminError(403, 'admin_disabled', 'The admin API is disabled on a non-loopback address; start with --admin-token to enable it.');
  }
  return info.authorization === `Bearer ${token}` ? undefined : adminError(401, 'admin_unauthorized', 'Send the admin token as Authorization: Bearer <token>.');
}

function scenarioState(p: Policy): unknown {
  // Reported so that it loads again as is: a client can save the active scenario and restore it.
  return { scenario: p.scenario && reportedScenario(p.scenario), loadedAt: p.scenario ? new Date(p.scenarioLoadedAtMs).toISOString() : null, elapsedMs: p.scenario ? Date.now() - p.scenarioLoadedAtMs : null };
}

function quotaState(p: Policy): unknown {
  return { source: p.quotaSource, limits: p.quota };
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function invalid(err: unknown): JsonReply {
  const code = simErrorCode(err);
  if (code === undefined) throw err;
  return adminError(400, code, (err as Error).message);
}

export function registerAdmin(app: TemplatedApp, ctx: ThreadContext, hooks: AdminHooks, errors: RouteErrors): void {
  const guarded =
    (run: (info: RequestInfo, body: string) => Reply | Promise<Reply>) =>
    (info: RequestInfo, body = ''): Reply | Promise<Reply> =>
      checkAdmin(ctx, info) ?? run(info, body);

  getRoute(app, 'get', '/_understudy/scenario', 0, errors, guarded(() => json(200, scenarioState(hooks.policy()))));
  postRoute(
    app,
    '/_understudy/scenario',
    0,
    errors,
    guarded(async (_info, body) => {
      const raw = parseBody(body);
      if (raw === undefined) return adminError(400, 'invalid_json', 'The body is not JSON.');
      let scenario;
      try {
        // {"name": "<library scenario>"} loads from the library; anything else is a scenario.
        const fields = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? Object.keys(raw) : [];
        const named = fields.length > 0 && typeof (raw as { name?: unknown }).name === 'string';
        if (named && fields.length > 1 && !fields.includes('phases')) {
          // A library name with a typo'd or extra field beside it: read as a scenario of its own, it
          // was refused for its missing phases, which named neither the name nor the extra field.
          const others = fields.filter((f) => f !== 'name').map((f) => `"${f}"`).join(', ');
          return adminError(400, 'SIM_ERR_SCENARIO_INVALID', `name loads a library scenario alone: unknown field(s) ${others} beside it (a scenario of your own needs its phases)`);
        }
        scenario = named && fields.length === 1 ? loadLibraryScenario((raw as { name: string }).name) : parseScenario(raw, 'request body');
      } catch (err) {
        return invalid(err);
      }
      const next = await hooks.setPolicy({ ...hooks.policy(), scenario }, 'scenario');
      return json(200, scenarioState(next));
    }),
  );
  getRoute(app, 'del', '/_understudy/scenario', 0, errors, guarded(async () => json(200, scenarioState(await hooks.setPolicy({ ...hooks.policy(), scenario: null }, 'scenario')))));

  getRoute(app, 'get', '/_understudy/quota', 0, errors, guarded(() => json(200, quotaState(hooks.policy()))));
  postRoute(
    app,
    '/_understudy/quota',
    0,
    errors,
    guarded(async (_info, body) => {
      const raw = parseBody(body);
      if (raw === undefined) return adminError(400, 'invalid_json', 'The body is not JSON.');
      let quota;
      let source: string;
      try {
        if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && Object.hasOwn(raw, 'preset')) {
          // A preset is loaded whole: a field beside it (a `defaults` meant to adjust it, a typo)
          // would otherwise be dropped without a word.
          const { preset, ...rest } = raw as { preset: unknown };
          const others = Object.keys(rest);
          if (others.length > 0) return adminError(400, 'SIM_ERR_QUOTA_INVALID', `preset is loaded alone: unknown field(s) ${others.map((k) => `"${k}"`).join(', ')} beside it`);
          if (typeof preset !== 'string' || !isQuotaPreset(preset)) return adminError(400, 'SIM_ERR_QUOTA_INVALID', `preset: unknown quota preset ${JSON.stringify(preset)}`);
          quota = loadQuota(preset);
          source = preset;
        } else {
          quota = parseQuotaTable(raw, 'request body');
          source = 'admin API';
        }
      } catch (err) {
        return invalid(err);
      }
      return json(200, quotaState(await hooks.setPolicy({ ...hooks.policy(), quota, quotaSource: source }, 'quota')));
    }),
  );
  getRoute(app, 'del', '/_understudy/quota', 0, errors, guarded(async () => json(200, quotaState(await hooks.setPolicy({ ...hooks.policy(), quota: null, quotaSource: null }, 'quota')))));
}
