/**
 * Azure OpenAI's rate-limit refusals. Azure's own quota layer answers a 429 before the model
 * service, so it has Azure's error shape (`{"error":{"code":"429","message":"Requests to the
 * ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded call
 * rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second. …"}}`), not
 * OpenAI's organization and platform.openai.com links; a spent quota is its daily limit's 429, not
 * OpenAI's `insufficient_quota`. Other faults (5xx) come from the model
 * service behind it and keep OpenAI's shape, as Azure passes them through.
 */
import { INJECTED_RETRY_AFTER_MS } from '../../chaos/faults.js';
import type { Fault } from '../../chaos/scenario.js';
import type { QuotaRejection } from '../../quota/engine.js';
import type { RequestInfo } from '../http-exchange.js';
import { OPENAI_FAULTS } from '../openai/faults.js';
import type { DialectFaults } from '../policy.js';
import type { JsonReply } from '../reply.js';
import type { AzureOperation } from './routes.js';

/** The operations whose 429 wording is on record; a Responses request keeps OpenAI's. */
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

function rateLimitMessage(operation: NamedOperation, info: RequestInfo, dimension: 'requests' | 'tokens', retryAfterMs: number): string {
  const limit = dimension === 'requests' ? 'call' : 'token';
  // Azure says when to retry in whole seconds, the retry-after header's value; a request larger than the whole bucket gets no time.
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const retry = Number.isFinite(retryAfterMs) ? ` Please retry after ${seconds} second${seconds === 1 ? '' : 's'}.` : '';
  return `Requests to the ${OPERATION_NAMES[operation]} Operation under Azure OpenAI API version ${apiVersion(info)} have exceeded ${limit} rate limit of your current OpenAI S0 pricing tier.${retry} Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.`;
}

/** OpenAI's reply (status, headers, meta) with Azure's body. */
const withBody = (reply: JsonReply, message: string): JsonReply => ({ ...reply, body: JSON.stringify({ error: { code: '429', message } }) });

/**
 * Azure has no prepaid credit to run out of: a spent quota is its daily token limit, a 429 that
 * says to come back in a day (86400 s, as users report it), which SDKs may retry in vain.
 */
const SPENT_QUOTA_MS = 86_400_000;

function azureFaults(operation: NamedOperation): DialectFaults {
  return {
    rateLimited: (r: QuotaRejection, model, headers, meta, info) =>
      withBody(OPENAI_FAULTS.rateLimited(r, model, headers, meta, info), rateLimitMessage(operation, info, r.dimension === 'requests' ? 'requests' : 'tokens', r.retryAfterMs)),
    faultReply(fault: Fault, status, model, meta, info) {
      const reply = OPENAI_FAULTS.faultReply(fault, status, model, meta, info);
      if (fault.kind === 'rate_limit') return withBody(reply, rateLimitMessage(operation, info, 'requests', fault.retryAfterMs ?? INJECTED_RETRY_AFTER_MS));
      if (fault.kind === 'quota_exhausted') {
        const spent = withBody(reply, rateLimitMessage(operation, info, 'tokens', SPENT_QUOTA_MS));
        return { ...spent, headers: [...spent.headers, 'retry-after', String(SPENT_QUOTA_MS / 1000), 'retry-after-ms', String(SPENT_QUOTA_MS)] };
      }
      return reply;
    },
    badOverride: (message, meta, info) => OPENAI_FAULTS.badOverride(message, meta, info),
  };
}

export const AZURE_FAULTS: Readonly<Record<NamedOperation, DialectFaults>> = {
  chat: azureFaults('chat'),
  completions: azureFaults('completions'),
  embeddings: azureFaults('embeddings'),
};
