/**
 * The Azure OpenAI surface: deployment routes (`/openai/deployments/{deployment}/…?api-version=`,
 * what `AzureOpenAI` from the openai SDK calls) and the v1 routes (`/openai/v1/…`, model in the
 * body). Every path under `/openai/` is Azure's, so unknown ones get Azure's 404.
 */
import { OTHER_MODEL } from '../../metrics/counters.js';
import { countsOffThread, getRoute, postRoute, type PostHandler, type RequestInfo, type RouteErrors } from '../http-exchange.js';
import { ownedRoute } from '../owned-routes.js';
import { streamStoredResponse, wantsStream } from '../openai/responses-resume.js';
import { errorRequestId, openAISurface } from '../openai/surface.js';
import type { JsonReply, Reply } from '../reply.js';
import { routeErrors, type Surface } from '../surface.js';
import { azureErrorReply, azureHeaders, RESOURCE_NOT_FOUND } from './errors.js';
import { azureGatewayPasses, azureRequest, azureStoredResponse, type AzureOperation } from './routes.js';

const DEPLOYMENT_PATHS: readonly (readonly [string, AzureOperation])[] = [
  ['chat/completions', 'chat'],
  ['completions', 'completions'],
  ['embeddings', 'embeddings'],
];
const V1_PATHS: readonly (readonly [string, AzureOperation])[] = [
  ['chat/completions', 'chat'],
  ['embeddings', 'embeddings'],
  ['responses', 'responses'],
];

export const azureSurface: Surface = {
  name: 'azure',
  paths: [
    [/^\/openai\/deployments\/[^/]+\/(chat\/completions|completions|embeddings)\/?$/, 'POST'],
    [/^\/openai\/v1\/(chat\/completions|embeddings|responses)\/?$/, 'POST'],
    [/^\/openai\/responses\/?$/, 'POST'],
    [/^\/openai\/(v1\/)?responses\/[^/]+\/?$/, 'GET, DELETE'],
    [/^\/openai\/(v1\/)?responses\/[^/]+\/cancel\/?$/, 'POST'],
    [/^\/openai\/(v1\/)?responses\/[^/]+\/input_items\/?$/, 'GET'],
  ],
  owns: (path) => path.startsWith('/openai/'),
  errors: {
    reply: (status, message, kind) =>
      azureErrorReply(errorRequestId(), 'unrouted', status === 404 ? RESOURCE_NOT_FOUND : { status, code: String(status), message }, kind, OTHER_MODEL),
  },
  register(app, ctx) {
    const limit = ctx.config.bodyLimitBytes;
    // A body nested too deeply is refused past the gateway, like any other bad field: in OpenAI's
    // shape, which Azure passes through, with Azure's headers.
    const tooDeep = (): JsonReply => {
      const reply = routeErrors(openAISurface.errors, limit).tooDeep();
      const requestId = reply.headers[reply.headers.indexOf('x-request-id') + 1] ?? '';
      return { ...reply, headers: [...reply.headers, ...azureHeaders(requestId)] };
    };
    const errors: RouteErrors = { ...routeErrors(this.errors, limit), tooDeep };
    // Prompt routes count large bodies off the thread once the gateway would let them through;
    // embeddings count in their own pool job.
    const prompts = (operation: AzureOperation, handler: PostHandler, deployment: (info: RequestInfo) => string | undefined): PostHandler =>
      operation === 'embeddings' ? handler : countsOffThread(handler, (info) => azureGatewayPasses(ctx, info, deployment(info)));
    const fromPath = (info: RequestInfo): string => info.params[0] ?? '';
    const none = (): undefined => undefined;
    for (const [path, operation] of DEPLOYMENT_PATHS) {
      postRoute(app, `/openai/deployments/:deployment/${path}`, 1, errors, prompts(operation, (info, body) => azureRequest(ctx, info, body, operation, fromPath(info)), fromPath));
    }
    // The Responses API's versioned route (what `AzureOpenAI`'s responses.create calls): no deployment, model in the body.
    const versioned = (info: RequestInfo, body: string): Reply | Promise<Reply> => azureRequest(ctx, info, body, 'responses', undefined, true);
    postRoute(app, '/openai/responses', 0, errors, countsOffThread(versioned, (info) => azureGatewayPasses(ctx, info, undefined, true)));
    for (const [path, operation] of V1_PATHS) {
      postRoute(app, `/openai/v1/${path}`, 0, errors, prompts(operation, (info, body) => azureRequest(ctx, info, body, operation, undefined), none));
    }
    // A response created on either Responses route is retrieved, cancelled or deleted under the
    // same prefix (`AzureOpenAI` calls `/openai/responses/{id}?api-version=…`), from the stores the
    // `/v1/responses/…` routes read.
    const get = ownedRoute(ctx, 'response_get');
    const del = ownedRoute(ctx, 'response_delete');
    const cancel = ownedRoute(ctx, 'response_cancel');
    const items = ownedRoute(ctx, 'response_input_items');
    for (const [prefix, versioned] of [['/openai', true], ['/openai/v1', false]] as const) {
      const stored = (handler: PostHandler): PostHandler => (info, body) => azureStoredResponse(ctx, info, body, versioned, handler);
      getRoute(app, 'get', `${prefix}/responses/:id`, 1, errors, (info) => stored((i, b) => (wantsStream(i) ? streamStoredResponse(ctx, i) : get(i, b)))(info, ''));
      getRoute(app, 'del', `${prefix}/responses/:id`, 1, errors, (info) => stored(del)(info, ''));
      postRoute(app, `${prefix}/responses/:id/cancel`, 1, errors, stored(cancel));
      getRoute(app, 'get', `${prefix}/responses/:id/input_items`, 1, errors, (info) => stored(items)(info, ''));
    }
  },
};
