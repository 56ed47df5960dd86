/**
 * Azure OpenAI requests, answered by the OpenAI handlers. Azure's gateway steps come first, as
 * they do there: a deployment URL without `?api-version=` matches no operation (404 "Resource not
 * found"), then the key (`api-key` header, or an Entra token as Bearer) is checked, with Azure's
 * 401 body, then the deployment (with `--strict-models`, one that names no model the simulator
 * knows is Azure's 404 DeploymentNotFound, whatever the body). The deployment name is the model:
 * it replaces the body's `model`. The `/openai/v1/…`
 * routes (Azure's v1 API) take the model from the body and need no api-version.
 */
import type { RouteId } from '../../metrics/counters.js';
import { type RequestInfo } from '../http-exchange.js';
import { chatCompletions } from '../openai/chat.js';
import { completions } from '../openai/completions.js';
import { embeddings } from '../openai/embeddings.js';
import { createResponse } from '../openai/responses.js';
import { requestIdFor } from '../openai/reply.js';
import type { RouteVariant } from '../openai/route-variant.js';
import type { Reply } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { azureErrorReply, azureHeaders, DEPLOYMENT_NOT_FOUND, INVALID_KEY, MISSING_KEY, RESOURCE_NOT_FOUND } from './errors.js';
import { AZURE_FAULTS } from './faults.js';
import { servingBucket } from '../answer-plan.js';
import { embeddingModel } from '../openai/embeddings-request.js';
import { safeDecode } from '../path-segment.js';
import { MAX_MODEL_ID_CHARS } from '../../corpus/model-catalog.js';

export type AzureOperation = 'chat' | 'completions' | 'embeddings' | 'responses';

type Handler = (ctx: ThreadContext, info: RequestInfo, body: string, variant: RouteVariant) => Reply | Promise<Reply>;

const OPERATIONS = {
  chat: { route: 'azure_chat_completions', handler: chatCompletions },
  // No Azure-specific counter label exists for legacy completions; they count with OpenAI's.
  completions: { route: 'completions', handler: completions },
  embeddings: { route: 'azure_embeddings', handler: embeddings },
  // Created here, then retrieved, cancelled or deleted on OpenAI's /v1 routes, which hold the same stores.
  responses: { route: 'responses', handler: createResponse },
} as const satisfies Record<AzureOperation, { route: RouteId; handler: Handler }>;

function hasApiVersion(query: string): boolean {
  return (new URLSearchParams(query).get('api-version') ?? '').length > 0;
}

/** The caller's key: Azure's `api-key` header, else a Bearer token. */
function azureKey(info: RequestInfo): string {
  if (info.azureApiKey.length > 0) return info.azureApiKey;
  return info.authorization.startsWith('Bearer ') ? info.authorization.slice(7).trim() : '';
}

function withAzureHeaders(reply: Reply): Reply {
  if (!('headers' in reply)) return reply;
  const requestId = headerValue(reply.headers, 'x-request-id') ?? '';
  return { ...reply, headers: [...reply.headers, ...azureHeaders(requestId)] };
}

function headerValue(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
  return undefined;
}

/**
 * A request on a response stored by the Responses routes (retrieve, delete, cancel, input items):
 * Azure's gateway steps, then OpenAI's handler, as Azure passes these through. The key the gateway
 * took is handed on as a Bearer token, which OpenAI's handlers check.
 */
export function azureStoredResponse(ctx: ThreadContext, info: RequestInfo, body: string, versioned: boolean, handler: (info: RequestInfo, body: string) => Reply | Promise<Reply>): Reply | Promise<Reply> {
  const other = ctx.counters.modelIndex('');
  if (versioned && !hasApiVersion(info.query)) {
    return azureErrorReply(requestIdFor(info, ctx.requestRng(undefined, '')), 'responses_get', RESOURCE_NOT_FOUND, 'not_found', other);
  }
  const key = azureKey(info);
  if (ctx.keyAccepted(key) === false) {
    return azureErrorReply(requestIdFor(info, ctx.requestRng(undefined, '')), 'responses_get', key.length === 0 ? MISSING_KEY : INVALID_KEY, 'authentication', other);
  }
  const reply = handler(key.length === 0 ? info : { ...info, authorization: `Bearer ${key}` }, body);
  return reply instanceof Promise ? reply.then(withAzureHeaders) : withAzureHeaders(reply);
}

/** Whether a deployment of this name would exist: it serves a model the simulator knows. */
function deploymentExists(ctx: ThreadContext, operation: AzureOperation, model: string): boolean {
  return operation === 'embeddings' ? embeddingModel(model).known : servingBucket(ctx, model) !== null;
}

/** Whether the gateway steps pass (the api-version, the key): only then is a large prompt worth counting before the handler runs. */
export function azureGatewayPasses(ctx: ThreadContext, info: RequestInfo, deployment: string | undefined, versioned = deployment !== undefined): boolean {
  if (versioned && !hasApiVersion(info.query)) return false;
  return ctx.keyAccepted(azureKey(info)) !== false;
}

/**
 * Answers one Azure request. `deployment` is the URL's deployment segment (raw), or undefined on
 * the `/openai/v1/…` routes and `/openai/responses`; `versioned` routes need `?api-version=`.
 */
export function azureRequest(ctx: ThreadContext, info: RequestInfo, body: string, operation: AzureOperation, deployment: string | undefined, versioned = deployment !== undefined): Reply | Promise<Reply> {
  const { route, handler } = OPERATIONS[operation];
  const other = ctx.counters.modelIndex('');
  if (versioned && !hasApiVersion(info.query)) {
    return azureErrorReply(requestIdFor(info, ctx.requestRng(undefined, '')), route, RESOURCE_NOT_FOUND, 'not_found', other);
  }
  const key = azureKey(info);
  const accepted = ctx.keyAccepted(key);
  if (accepted === false) {
    return azureErrorReply(requestIdFor(info, ctx.requestRng(undefined, '')), route, key.length === 0 ? MISSING_KEY : INVALID_KEY, 'authentication', other);
  }
  const model = deployment === undefined ? undefined : safeDecode(deployment);
  // A name past any model id's length names no deployment, strict or not (Azure's are at most 64 characters).
  if (model !== undefined && (ctx.config.strictModels || model.length > MAX_MODEL_ID_CHARS) && !deploymentExists(ctx, operation, model)) {
    return azureErrorReply(requestIdFor(info, ctx.requestRng(undefined, '')), route, DEPLOYMENT_NOT_FOUND, 'model_not_found', other);
  }
  const variant: RouteVariant = { route, model, authChecked: true, faults: AZURE_FAULTS[operation] };
  const reply = handler(ctx, info, body, variant);
  return reply instanceof Promise ? reply.then(withAzureHeaders) : withAzureHeaders(reply);
}
