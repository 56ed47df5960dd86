/**
 * The Anthropic surface: Messages and token counting under `/v1` (the official SDK's base URL has
 * no `/v1`) and without it (`@ai-sdk/anthropic` puts `/v1` in the base URL). Anthropic's model
 * listing shares OpenAI's `/v1/models` path; see `models.ts`.
 */
import { OTHER_MODEL } from '../../metrics/counters.js';
import { countsOffThread, postRoute, type RequestField, type RequestInfo } from '../http-exchange.js';
import { routeErrors, type Surface } from '../surface.js';
import { errorTypeFor } from './errors.js';
import { countMessageTokens, createMessage } from './messages.js';
import { anthropicErrorReply, checkAnthropicAuth, errorRequestId } from './reply.js';

/** What the Messages routes read: the key, as x-api-key or a Bearer token. */
const ANTHROPIC_FIELDS: readonly RequestField[] = ['authorization', 'x-api-key', 'anthropic-beta'];

export const anthropicSurface: Surface = {
  name: 'anthropic',
  paths: [
    [/^\/(v1\/)?messages$/, 'POST'],
    [/^\/(v1\/)?messages\/count_tokens$/, 'POST'],
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
    for (const prefix of ['/v1', '']) {
      postRoute(app, `${prefix}/messages`, 0, errors, countsOffThread((info, body) => createMessage(ctx, info, body), keyed), ANTHROPIC_FIELDS);
      postRoute(app, `${prefix}/messages/count_tokens`, 0, errors, countsOffThread((info, body) => countMessageTokens(ctx, info, body), keyed), ANTHROPIC_FIELDS);
    }
  },
};
