/**
 * Gemini's error shape, `google.rpc.Status` as JSON: `{"error":{"code","message","status","details"?}}`.
 * These are the simulated provider failures a client sees, apart from the simulator's SimError.
 */

/** The canonical `google.rpc.Code` names the Gemini API answers with. */
export type GeminiStatus =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'UNIMPLEMENTED'
  | 'RESOURCE_EXHAUSTED'
  | 'INTERNAL'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'UNKNOWN';

/** HTTP status → `status` name. 405 has no gRPC code; UNIMPLEMENTED says "not supported here". */
const STATUS_NAME: Readonly<Record<number, GeminiStatus>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'UNIMPLEMENTED',
  409: 'ALREADY_EXISTS',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function statusName(code: number): GeminiStatus {
  return STATUS_NAME[code] ?? 'UNKNOWN';
}

export interface GeminiError {
  /** HTTP status, repeated as `error.code`. */
  readonly code: number;
  readonly message: string;
  readonly status: GeminiStatus;
  /** `google.rpc` detail messages, each with its `@type`. */
  readonly details?: readonly Record<string, unknown>[];
}

export function geminiErrorBody(e: GeminiError): string {
  const error: Record<string, unknown> = { code: e.code, message: e.message, status: e.status };
  if (e.details !== undefined) error.details = e.details;
  return JSON.stringify({ error });
}

export const geminiError = (code: number, message: string, details?: readonly Record<string, unknown>[]): GeminiError =>
  details === undefined ? { code, message, status: statusName(code) } : { code, message, status: statusName(code), details };

/** A 400 INVALID_ARGUMENT; with a field, it carries a `BadRequest` field violation as the API does. */
export function invalidArgument(message: string, field?: string): GeminiError {
  if (field === undefined) return geminiError(400, message);
  return geminiError(400, message, [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description: message }] }]);
}

export const inputTooLong = (promptTokens: number, window: number): GeminiError =>
  geminiError(400, `The input token count (${promptTokens}) exceeds the maximum number of tokens allowed (${window}).`);

/** A maxOutputTokens past the model's output limit, worded as the API words it (quoted in public issues). */
export const outputTooLarge = (requested: number, limit: number): GeminiError =>
  geminiError(
    400,
    `Unable to submit request because it has a maxOutputTokens value of ${requested} but the supported range is from 1 (inclusive) to ${limit + 1} (exclusive). Update the value and try again.`,
  );

/** A zero thinking budget for a model that cannot answer without thinking (the Pro models). */
export const THINKING_REQUIRED: GeminiError = geminiError(400, 'Budget 0 is invalid. This model only works in thinking mode.');

/** Gemini 3's `thinkingLevel` and 2.5's `thinkingBudget` in one request. */
export const THINKING_BOTH: GeminiError = geminiError(400, 'thinking_budget and thinking_level are not supported together.');

/** `thinkingLevel` for a model that takes only a budget (2.5). */
export const THINKING_LEVEL_UNSUPPORTED: GeminiError = geminiError(400, 'Thinking level is not supported for this model.');

export const INVALID_JSON: GeminiError = geminiError(400, 'Invalid JSON payload received. Unexpected token.');

export const ROOT_NOT_OBJECT: GeminiError = geminiError(400, 'Invalid JSON payload received. Root element must be a message.');

const API_KEY_INVALID_MESSAGE = 'API key not valid. Please pass a valid API key.';

/** What the API answers for a wrong key: 400, not 401, with an ErrorInfo naming the reason. */
export const API_KEY_INVALID: GeminiError = geminiError(400, API_KEY_INVALID_MESSAGE, [
  {
    '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
    reason: 'API_KEY_INVALID',
    domain: 'googleapis.com',
    metadata: { service: 'generativelanguage.googleapis.com' },
  },
  { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: API_KEY_INVALID_MESSAGE },
]);

/** What the API answers when no key is sent at all. */
export const API_KEY_MISSING: GeminiError = geminiError(
  403,
  'Method doesn\'t allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.',
  [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'SERVICE_DISABLED',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    },
  ],
);

/** `models/x is not found for API version v1beta, or is not supported for generateContent. …` */
export const modelNotFound = (model: string, apiVersion: string, method: string): GeminiError =>
  geminiError(
    404,
    `models/${model} is not found for API version ${apiVersion}, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
  );

export const INTERNAL_ERROR: GeminiError = geminiError(
  500,
  'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
);
