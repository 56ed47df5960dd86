/** The OpenAI surface: Chat Completions, legacy Completions, Embeddings and Models, under `/v1` and without the prefix. */
import { OTHER_MODEL } from '../../metrics/counters.js';
import { countsOffThread, getRoute, postRoute, takesBytes, type PostHandler, type RequestField, type RequestInfo, type RouteErrors } from '../http-exchange.js';
import { routeErrors, type Surface } from '../surface.js';
import { chatCompletions } from './chat.js';
import { withFileRefs } from './file-refs.js';
import { completions } from './completions.js';
import { embeddings } from './embeddings.js';
import { moderations } from './moderations.js';
import { type OpenAIError } from './errors.js';
import { listModels, retrieveModel } from './models.js';
import { checkOpenAIAuth, openAIErrorReply } from './reply.js';
import { conversationsRequest } from './conversations.js';
import { countResponseInputTokens, createResponse } from './responses.js';
import { compactResponse } from './responses-compact.js';
import { streamStoredResponse, wantsStream } from './responses-resume.js';
import { listRoute, OWNED_ROUTES, ownedRoute } from '../owned-routes.js';
import { uploadFile } from './files.js';
import { anthropicSurface } from '../anthropic/surface.js';
import { isAnthropicRequest, uploadFile as uploadAnthropicFile } from '../anthropic/files.js';
import { createBatch } from './batches.js';
import type { OwnedRoute } from '../peers.js';

import { errorRequestId } from './surface-ids.js';

export { errorRequestId };

/** What OpenAI's POST routes read: the Bearer key, Azure's key header (the quota key), the caller's request id. */
const OPENAI_FIELDS: readonly RequestField[] = ['authorization', 'api-key', 'x-request-id'];
const ERROR_TYPE: Readonly<Record<number, OpenAIError['type']>> = { 500: 'server_error' };
const ERROR_CODE: Readonly<Record<number, string>> = { 405: 'method_not_allowed', 413: 'request_too_large' };

export const openAISurface: Surface = {
  name: 'openai',
  paths: [
    [/^\/(v1\/)?chat\/completions\/?$/, 'GET, POST'],
    [/^\/(v1\/)?chat\/completions\/[^/]+\/?$/, 'GET, POST, DELETE'],
    [/^\/(v1\/)?chat\/completions\/[^/]+\/messages\/?$/, 'GET'],
    [/^\/(v1\/)?completions\/?$/, 'POST'],
    [/^\/(v1\/)?embeddings\/?$/, 'POST'],
    [/^\/(v1\/)?moderations\/?$/, 'POST'],
    [/^\/(v1\/)?files\/?$/, 'GET, POST'],
    [/^\/(v1\/)?files\/[^/]+\/?$/, 'GET, DELETE'],
    [/^\/(v1\/)?files\/[^/]+\/content\/?$/, 'GET'],
    [/^\/(v1\/)?batches\/?$/, 'GET, POST'],
    [/^\/(v1\/)?batches\/[^/]+\/?$/, 'GET'],
    [/^\/(v1\/)?batches\/[^/]+\/cancel\/?$/, 'POST'],
    [/^\/(v1\/)?models\/?$/, 'GET'],
    [/^\/(v1\/)?models\/[^/]+\/?$/, 'GET'],
    [/^\/(v1\/)?responses\/?$/, 'POST'],
    [/^\/(v1\/)?responses\/input_tokens\/?$/, 'POST'],
    [/^\/(v1\/)?responses\/compact\/?$/, 'POST'],
    [/^\/(v1\/)?responses\/[^/]+\/?$/, 'GET, DELETE'],
    [/^\/(v1\/)?responses\/[^/]+\/cancel\/?$/, 'POST'],
    [/^\/(v1\/)?responses\/[^/]+\/input_items\/?$/, 'GET'],
    [/^\/(v1\/)?conversations\/?$/, 'POST'],
    [/^\/(v1\/)?conversations\/[^/]+\/?$/, 'GET, POST, DELETE'],
    [/^\/(v1\/)?conversations\/[^/]+\/items\/?$/, 'GET, POST'],
    [/^\/(v1\/)?conversations\/[^/]+\/items\/[^/]+\/?$/, 'GET, DELETE'],
  ],
  owns: () => true,
  errors: {
    reply: (status, message, kind) =>
      openAIErrorReply(
        errorRequestId(),
        'unrouted',
        { status, message, type: ERROR_TYPE[status] ?? 'invalid_request_error', param: null, code: ERROR_CODE[status] ?? null },
        kind,
        OTHER_MODEL,
      ),
  },
  register(app, ctx) {
    const errors = routeErrors(this.errors, ctx.config.bodyLimitBytes);
    // A request with a wrong key gets its 401 at once, as OpenAI checks the key first: its prompt is not counted.
    const keyed = (info: RequestInfo): boolean => checkOpenAIAuth(ctx, info) === undefined;
    // Routes on one stored object run where it is held (`../owned-routes.ts`).
    const owned = Object.fromEntries(OWNED_ROUTES.map((r) => [r, ownedRoute(ctx, r)])) as Record<OwnedRoute, PostHandler>;
    const listChats = listRoute(ctx, 'chat_completions');
    // Anthropic's Files API shares the path; its SDK's headers tell it apart (`../anthropic/files.ts`).
    const anthropicOwned = { get: ownedRoute(ctx, 'anthropic_file_get'), content: ownedRoute(ctx, 'anthropic_file_content'), delete: ownedRoute(ctx, 'anthropic_file_delete') };
    const anthropicList = listRoute(ctx, 'anthropic_files');
    const anthropicErrors = routeErrors(anthropicSurface.errors, ctx.config.bodyLimitBytes);
    // An upload over the body limit gets its 413 in the shape its client reads.
    const fileErrors: RouteErrors = { ...errors, tooLarge: (info) => (isAnthropicRequest(info) ? anthropicErrors : errors).tooLarge(info) };
    const files = listRoute(ctx, 'files');
    const batches = listRoute(ctx, 'batches');
    for (const prefix of ['/v1', '']) {
      postRoute(app, `${prefix}/chat/completions`, 0, errors, countsOffThread((info, body) => withFileRefs(ctx, info, body, 'chat_completions', chatCompletions), keyed), OPENAI_FIELDS);
      getRoute(app, 'get', `${prefix}/chat/completions`, 0, errors, (info) => listChats(info, ''));
      getRoute(app, 'get', `${prefix}/chat/completions/:id`, 1, errors, (info) => owned.chat_get(info, ''));
      postRoute(app, `${prefix}/chat/completions/:id`, 1, errors, owned.chat_update, OPENAI_FIELDS);
      getRoute(app, 'del', `${prefix}/chat/completions/:id`, 1, errors, (info) => owned.chat_delete(info, ''));
      getRoute(app, 'get', `${prefix}/chat/completions/:id/messages`, 1, errors, (info) => owned.chat_messages(info, ''));
      postRoute(app, `${prefix}/completions`, 0, errors, countsOffThread((info, body) => completions(ctx, info, body), keyed), OPENAI_FIELDS);
      postRoute(app, `${prefix}/embeddings`, 0, errors, (info, body) => embeddings(ctx, info, body), OPENAI_FIELDS);
      postRoute(app, `${prefix}/moderations`, 0, errors, countsOffThread((info, body) => moderations(ctx, info, body), keyed), OPENAI_FIELDS);
      // Files and batches (`./files.ts`, `./batches.ts`); one object's routes run on the thread that holds it.
      postRoute(
        app,
        `${prefix}/files`,
        0,
        fileErrors,
        takesBytes((info, body) => (isAnthropicRequest(info) ? uploadAnthropicFile(ctx, info, body) : uploadFile(ctx, info, body))),
        [...OPENAI_FIELDS, 'content-type', 'anthropic-version', 'anthropic-beta', 'x-api-key', 'query'],
      );
      getRoute(app, 'get', `${prefix}/files`, 0, errors, (info) => (isAnthropicRequest(info) ? anthropicList(info, '') : files(info, '')));
      getRoute(app, 'get', `${prefix}/files/:id`, 1, errors, (info) => (isAnthropicRequest(info) ? anthropicOwned.get(info, '') : owned.file_get(info, '')));
      getRoute(app, 'get', `${prefix}/files/:id/content`, 1, errors, (info) => (isAnthropicRequest(info) ? anthropicOwned.content(info, '') : owned.file_content(info, '')));
      getRoute(app, 'del', `${prefix}/files/:id`, 1, errors, (info) => (isAnthropicRequest(info) ? anthropicOwned.delete(info, '') : owned.file_delete(info, '')));
      postRoute(app, `${prefix}/batches`, 0, errors, (info, body) => createBatch(ctx, info, body), OPENAI_FIELDS);
      getRoute(app, 'get', `${prefix}/batches`, 0, errors, (info) => batches(info, ''));
      getRoute(app, 'get', `${prefix}/batches/:id`, 1, errors, (info) => owned.batch_get(info, ''));
      postRoute(app, `${prefix}/batches/:id/cancel`, 1, errors, owned.batch_cancel, OPENAI_FIELDS);
      getRoute(app, 'get', `${prefix}/models`, 0, errors, (info) => listModels(ctx, info));
      getRoute(app, 'get', `${prefix}/models/:id`, 1, errors, (info) => retrieveModel(ctx, info));
      postRoute(app, `${prefix}/responses`, 0, errors, countsOffThread((info, body) => withFileRefs(ctx, info, body, 'responses', createResponse), keyed), OPENAI_FIELDS);
      postRoute(app, `${prefix}/responses/input_tokens`, 0, errors, countsOffThread((info, body) => withFileRefs(ctx, info, body, 'responses_input_tokens', countResponseInputTokens), keyed), OPENAI_FIELDS);
      postRoute(app, `${prefix}/responses/compact`, 0, errors, countsOffThread((info, body) => compactResponse(ctx, info, body), keyed), OPENAI_FIELDS);
      // stream=true streams a background response, on this thread whichever holds it (`./responses-resume.ts`).
      getRoute(app, 'get', `${prefix}/responses/:id`, 1, errors, (info) => (wantsStream(info) ? streamStoredResponse(ctx, info) : owned.response_get(info, '')));
      getRoute(app, 'del', `${prefix}/responses/:id`, 1, errors, (info) => owned.response_delete(info, ''));
      postRoute(app, `${prefix}/responses/:id/cancel`, 1, errors, owned.response_cancel, OPENAI_FIELDS);
      getRoute(app, 'get', `${prefix}/responses/:id/input_items`, 1, errors, (info) => owned.response_input_items(info, ''));
      postRoute(app, `${prefix}/conversations`, 0, errors, (info, body) => conversationsRequest(ctx, info, body, 'create'), OPENAI_FIELDS);
      getRoute(app, 'get', `${prefix}/conversations/:id`, 1, errors, (info) => owned.conversation_get(info, ''));
      postRoute(app, `${prefix}/conversations/:id`, 1, errors, owned.conversation_update, OPENAI_FIELDS);
      getRoute(app, 'del', `${prefix}/conversations/:id`, 1, errors, (info) => owned.conversation_delete(info, ''));
      postRoute(app, `${prefix}/conversations/:id/items`, 1, errors, owned.conversation_items_create, OPENAI_FIELDS);
      getRoute(app, 'get', `${prefix}/conversations/:id/items`, 1, errors, (info) => owned.conversation_items_list(info, ''));
      getRoute(app, 'get', `${prefix}/conversations/:id/items/:item`, 2, errors, (info) => owned.conversation_item_get(info, ''));
      getRoute(app, 'del', `${prefix}/conversations/:id/items/:item`, 2, errors, (info) => owned.conversation_item_delete(info, ''));
    }
  },
};
