/**
 * Azure OpenAI's own failures: the gateway answers before the model service with
 * `{"error":{"code":"<status or name>","message":"…"}}` (no `type`, no `param`). Failures from
 * the model service itself (a bad field, a wrong model) keep OpenAI's shape, as Azure passes them
 * through. Every Azure reply carries `apim-request-id` and `x-ms-region`.
 */
import type { ErrorKind, RouteId } from '../../metrics/counters.js';
import { hashString } from '../../timing/random.js';
import type { JsonReply } from '../reply.js';

export interface AzureError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export const RESOURCE_NOT_FOUND: AzureError = { status: 404, code: '404', message: 'Resource not found' };

export const DEPLOYMENT_NOT_FOUND: AzureError = {
  status: 404,
  code: 'DeploymentNotFound',
  message: 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
};

export const INVALID_KEY: AzureError = {
  status: 401,
  code: '401',
  message: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
};

export const MISSING_KEY: AzureError = {
  status: 401,
  code: '401',
  message: 'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.',
};

/** The region every simulated resource reports. */
const REGION = 'East US';

/** A UUID derived from the reply's request id, so it is as deterministic as the id. */
export function apimRequestId(requestId: string): string {
  let hex = '';
  for (let i = 0; i < 4; i++) hex += hashString(requestId, 0x9e3779b9 + i).toString(16).padStart(8, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function azureHeaders(requestId: string): string[] {
  return ['apim-request-id', apimRequestId(requestId), 'x-ms-region', REGION];
}

export function azureErrorReply(requestId: string, route: RouteId, err: AzureError, kind: ErrorKind, modelIndex: number): JsonReply {
  return {
    kind: 'json',
    status: err.status,
    contentType: 'application/json',
    headers: ['x-request-id', requestId, ...azureHeaders(requestId)],
    body: JSON.stringify({ error: { code: err.code, message: err.message } }),
    delayMs: 0,
    completionTokens: 0,
    meta: { route, modelIndex, errorKind: kind },
  };
}
