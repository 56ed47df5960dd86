/**
 * Azure OpenAI's own refusals and gateway failures. Azure's quota layer answers a 429 before the
 * model service, so it has Azure's error shape (`{"error":{"code":"429","message":"…"}}`), not
 * OpenAI's organization and platform.openai.com links; a spent quota is its daily limit's 429, not
 * OpenAI's `insufficient_quota`. Chat, completions and embeddings name their operation ("Requests
 * to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded
 * call rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second. …"); no
 * such wording is on record for the Responses API, which gets the gateway's generic one ("Rate
 * limit is exceeded. Try again in 2 seconds.", as Azure OpenAI users report it with Azure's
 * `apim-request-id` and `x-ms-region` headers).
 *
 * Azure is not behind Cloudflare, so a 502 is no Cloudflare HTML page: no Azure 502 body is on
 * record, so it is Azure's JSON shape. Azure's gateway timeout is a 408
 * `{"error":{"code":"Timeout","message":"The operation was timeout."}}`, as Azure OpenAI users
 * report it, which the SDKs retry. Other faults (500, 503) come from the model service behind
 * the gateway and keep OpenAI's shape, as Azure passes them through; a 500 in Azure's words.
 */
import { INJECTED_RETRY_AFTER_MS } from '../../chaos/faults.js';
import type { Fault } from '../../chaos/scenario.js';
import type { QuotaRejection } from '../../quota/engine.js';
import type { RequestInfo } from '../http-exchange.js';
import { openAIErrorBody } from '../openai/errors.js';
import { OPENAI_FAULTS } from '../openai/faults.js';
import type { DialectFaults } from '../policy.js';
import type { JsonReply } from '../reply.js';
import { apimRequestId } from './errors.js';
import type { AzureOperation } from './routes.js';

/** The operations whose 429 wording is on record; a Responses request gets the gateway's generic one. */
type NamedOperation = Exclude<AzureOperation, 'responses'>;

const OPERATION_NAMES: Readonly<Record<NamedOperation, string>> = {
  chat: 'ChatCompletions_Create',
  completions: 'Completions_Create',
  embeddings: 'Embeddings_Create',
};

/** The v1 routes take no api-version; their messages name the surface instead. */
function apiVersion(info: RequestInfo): string {
  return new URLSearchParams(info.query).get('api-version') || 'v1';
}

/** Azure says when to retry in whole seconds, the retry-after header's value. */
const wholeSeconds = (retryAfterMs: number): number => Math.max(1, Math.ceil(retryAfterMs / 1000));

function rateLimitMessage(operation: AzureOperation, info: RequestInfo, dimension: 'requests' | 'tokens', retryAfterMs: number): string {
  // A request larger than the whole bucket gets no time.
  const finite = Number.isFinite(retryAfterMs);
  const seconds = wholeSeconds(retryAfterMs);
  // The gateway's own wording says "seconds" whatever the number.
  if (operation === 'responses') return finite ? `Rate limit is exceeded. Try again in ${seconds} seconds.` : 'Rate limit is exceeded.';
  const limit = dimension === 'requests' ? 'call' : 'token';
  const retry = finite ? ` Please retry after ${seconds} second${seconds === 1 ? '' : 's'}.` : '';
  return `Requests to the ${OPERATION_NAMES[operation]} Operation under Azure OpenAI API version ${apiVersion(info)} have exceeded ${limit} rate limit of your current OpenAI S0 pricing tier.${retry} Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.`;
}

/** OpenAI's reply (status, headers, meta) with Azure's body. */
const withBody = (reply: JsonReply, code: string, message: string): JsonReply => ({ ...reply, contentType: 'application/json', body: JSON.stringify({ error: { code, message } }) });

/**
 * The model service's 500 in OpenAI's shape with Azure's words: where to get support, and the
 * request id to quote (the `apim-request-id` the reply carries), as Microsoft's model docs and
 * Azure OpenAI users quote it.
 */
function serverErrorBody(reply: JsonReply): string {
  const at = reply.headers.indexOf('x-request-id');
  const requestId = apimRequestId(at >= 0 ? (reply.headers[at + 1] ?? '') : '');
  return openAIErrorBody({
    status: 500,
    message: `The server had an error processing your request. Sorry about that! You can retry your request, or contact us through an Azure support request at: https://go.microsoft.com/fwlink/?linkid=2213926 if you keep seeing this error. (Please include the request ID ${requestId} in your email.)`,
    type: 'server_error',
    param: null,
    code: null,
  });
}

/**
 * Azure has no prepaid credit to run out of: a spent quota is its daily token limit, a 429 that
 * says to come back in a day (86400 s, as users report it), which SDKs may retry in vain.
 */
const SPENT_QUOTA_MS = 86_400_000;

function azureFaults(operation: AzureOperation): DialectFaults {
  return {
    rateLimited: (r: QuotaRejection, model, headers, meta, info) =>
      withBody(OPENAI_FAULTS.rateLimited(r, model, headers, meta, info), '429', rateLimitMessage(operation, info, r.dimension === 'requests' ? 'requests' : 'tokens', r.retryAfterMs)),
    faultReply(fault: Fault, status, model, meta, info) {
      const reply = OPENAI_FAULTS.faultReply(fault, status, model, meta, info);
      switch (fault.kind) {
        case 'rate_limit':
          return withBody(reply, '429', rateLimitMessage(operation, info, 'requests', fault.retryAfterMs ?? INJECTED_RETRY_AFTER_MS));
        case 'quota_exhausted': {
          const spent = withBody(reply, '429', rateLimitMessage(operation, info, 'tokens', SPENT_QUOTA_MS));
          return { ...spent, headers: [...spent.headers, 'retry-after', String(SPENT_QUOTA_MS / 1000), 'retry-after-ms', String(SPENT_QUOTA_MS)] };
        }
        case 'bad_gateway_502':
          return withBody(reply, '502', 'Bad gateway');
        case 'gateway_timeout_504':
          return { ...withBody(reply, 'Timeout', 'The operation was timeout.'), status: 408 };
        case 'server_error_500':
          return { ...reply, body: serverErrorBody(reply) };
        default:
          return reply;
      }
    },
    badOverride: (message, meta, info) => OPENAI_FAULTS.badOverride(message, meta, info),
  };
}

export const AZURE_FAULTS: Readonly<Record<AzureOperation, DialectFaults>> = {
  chat: azureFaults('chat'),
  completions: azureFaults('completions'),
  embeddings: azureFaults('embeddings'),
  responses: azureFaults('responses'),
};
