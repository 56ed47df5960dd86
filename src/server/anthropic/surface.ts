/**
 * The Anthropic surface: Messages and token counting under `/v1` (the official SDK's base URL has
 * no `/v1`) and without it (`@ai-sdk/anthropic` puts `/v1` in the base URL). Anthropic's model
 * listing shares OpenAI's `/v1/models` path; see `models.ts`.
 */
import { OTHER_MODEL } from '../../metrics/counters.js';
import { countsOffThread, getRoute, postRoute, type RequestField, type RequestInfo } from '../http-exchange.js';
import { listRoute, ownedRoute } from '../owned-routes.js';
import { batchesRequest } from './batches.js';
import { routeErrors, type Surface } from '../surface.js';
import { errorTypeFor } from './errors.js';
import { countMessageTokens, createMessage } from './messages.js';
import { anthropicErrorReply, checkAnthropicAuth, errorRequestId } from './reply.js';

/** What the Messages routes read: the key, as x-api-key or a Bearer token. */
const ANTHROPIC_FIELDS: readonly RequestField[] = ['authorization', 'x-api-key', 'anthropic-beta'];
/** The batch routes also name this server in `results_url`. */
const BATCH_FIELDS: readonly RequestField[] = [...ANTHROPIC_FIELDS, 'host'];

export const anthropicSurface: Surface = {
  name: 'anthropic',
  paths: [
    [/^\/(v1\/)?messages$/, 'POST'],
    [/^\/(v1\/)?messages\/count_tokens$/, 'POST'],
    [/^\/(v1\/)?messages\/batches\/?$/, 'GET, POST'],
    [/^\/(v1\/)?messages\/batches\/[^/]+$/, 'GET, DELETE'],
    [/^\/(v1\/)?messages\/batches\/[^/]+\/cancel$/, 'POST'],
    [/^\/(v1\/)?messages\/batches\/[^/]+\/results$/, 'GET'],
  ],
  owns: (path) => /^\/(v1\/)?messages(\/|$)/.test(path),
  errors: {
    reply: (status, message, kind) =>
      anthropicErrorReply(
        errorRequestId(),
        'unrouted',
        { status, type: errorTypeFor(status), message: status === 500 ? 'Internal server error' : message },
        kind,
        OTHER_MODEL,
      ),
  },
  register(app, ctx) {
    const errors = routeErrors(this.errors, ctx.config.bodyLimitBytes);
    // A request with a wrong key gets its 401 at once: its prompt is not counted first.
    const keyed = (info: RequestInfo): boolean => checkAnthropicAuth(ctx, info) === undefined;
    const batch = {
      anthropic_batch_get: ownedRoute(ctx, 'anthropic_batch_get'),
      anthropic_batch_cancel: ownedRoute(ctx, 'anthropic_batch_cancel'),
      anthropic_batch_delete: ownedRoute(ctx, 'anthropic_batch_delete'),
      anthropic_batch_results: ownedRoute(ctx, 'anthropic_batch_results'),
    };
    const listBatches = listRoute(ctx, 'message_batches');
    for (const prefix of ['/v1', '']) {
      postRoute(app, `${prefix}/messages`, 0, errors, countsOffThread((info, body) => createMessage(ctx, info, body), keyed), ANTHROPIC_FIELDS);
      postRoute(app, `${prefix}/messages/count_tokens`, 0, errors, countsOffThread((info, body) => countMessageTokens(ctx, info, body), keyed), ANTHROPIC_FIELDS);
      // Message batches (`./batches.ts`); one batch's routes run on the thread that holds it.
      postRoute(app, `${prefix}/messages/batches`, 0, errors, (info, body) => batchesRequest(ctx, info, body, 'create'), BATCH_FIELDS);
      getRoute(app, 'get', `${prefix}/messages/batches`, 0, errors, (info) => listBatches(info, ''));
      getRoute(app, 'get', `${prefix}/messages/batches/:id`, 1, errors, (info) => batch.anthropic_batch_get(info, ''));
      getRoute(app, 'del', `${prefix}/messages/batches/:id`, 1, errors, (info) => batch.anthropic_batch_delete(info, ''));
      postRoute(app, `${prefix}/messages/batches/:id/cancel`, 1, errors, batch.anthropic_batch_cancel, BATCH_FIELDS);
      getRoute(app, 'get', `${prefix}/messages/batches/:id/results`, 1, errors, (info) => batch.anthropic_batch_results(info, ''));
    }
  },
};
