/**
 * Anthropic's error shape: `{"type":"error","error":{"type","message"},"request_id"}`. These are
 * the simulated provider failures a client sees, apart from the simulator's own SimError.
 */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

export interface AnthropicError {
  readonly status: number;
  readonly type: AnthropicErrorType;
  readonly message: string;
  /**
   * `error.details.error_code`, which the SDK maps to a narrower class (`400 file_not_downloadable`
   * is its `FileNotDownloadableError`); absent on most errors, as on the API's.
   */
  readonly errorCode?: string;
}

/** The type Anthropic sends with each status; any other 4xx is an `invalid_request_error`. */
const TYPE_BY_STATUS: Readonly<Record<number, AnthropicErrorType>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

export function errorTypeFor(status: number): AnthropicErrorType {
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

export function anthropicErrorBody(e: AnthropicError, requestId: string): string {
  const details = e.errorCode === undefined ? {} : { details: { error_code: e.errorCode } };
  return JSON.stringify({ type: 'error', error: { type: e.type, message: e.message, ...details }, request_id: requestId });
}

export const invalidRequest = (message: string): AnthropicError => ({ status: 400, type: 'invalid_request_error', message });

/** Node's JSON.parse message, reworded the way Anthropic words a body it cannot parse. */
export function invalidJson(err: unknown): AnthropicError {
  const detail = err instanceof SyntaxError ? err.message : 'invalid syntax';
  return invalidRequest(`The request body is not valid JSON: ${detail}`);
}

export const tooManyBreakpoints = (found: number): AnthropicError => invalidRequest(`A maximum of 4 blocks with cache_control may be provided. Found ${found}.`);

export const promptTooLong = (inputTokens: number, window: number): AnthropicError => invalidRequest(`prompt is too long: ${inputTokens} tokens > ${window} maximum`);

/** More output asked for than the model writes; Anthropic names the model id as sent. */
export const maxTokensTooLarge = (requested: number, limit: number, model: string): AnthropicError =>
  invalidRequest(`max_tokens: ${requested} > ${limit}, which is the maximum allowed number of output tokens for ${model}`);

export const modelNotFound = (model: string): AnthropicError => ({ status: 404, type: 'not_found_error', message: `model: ${model}` });

export const INVALID_API_KEY: AnthropicError = { status: 401, type: 'authentication_error', message: 'invalid x-api-key' };

export const MISSING_API_KEY: AnthropicError = { status: 401, type: 'authentication_error', message: 'x-api-key header is required' };
export const BROWSER_ACCESS_REQUIRED: AnthropicError = { status: 401, type: 'authentication_error', message: "CORS requests must set 'anthropic-dangerous-direct-browser-access' header" };
