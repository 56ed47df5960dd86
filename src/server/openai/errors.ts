/**
 * OpenAI's error shape: `{"error":{"message","type","param","code"}}` with all four keys present.
 * These are the simulated provider failures a client sees, apart from the simulator's SimError.
 */
export type OpenAIErrorType = 'invalid_request_error' | 'server_error' | 'rate_limit_exceeded' | 'insufficient_quota' | 'not_found_error';

export interface OpenAIError {
  readonly status: number;
  readonly message: string;
  readonly type: OpenAIErrorType;
  readonly param: string | null;
  readonly code: string | null;
}

export function openAIErrorBody(e: OpenAIError): string {
  return JSON.stringify({ error: { message: e.message, type: e.type, param: e.param, code: e.code } });
}

export const invalidRequest = (message: string, param: string | null, code: string | null): OpenAIError => ({
  status: 400,
  message,
  type: 'invalid_request_error',
  param,
  code,
});

/** A stored response (or one of its routes) that no thread holds. */
export const responseNotFound = (id: string): OpenAIError => ({
  status: 404,
  message: `Response with id '${id}' not found.`,
  type: 'invalid_request_error',
  param: null,
  code: null,
});

/** Chat Completions' answer to a prompt past the model's context window. */
export const contextLengthExceeded = (window: number, promptTokens: number): OpenAIError =>
  invalidRequest(
    `This model's maximum context length is ${window} tokens. However, your messages resulted in ${promptTokens} tokens. Please reduce the length of the messages.`,
    'messages',
    'context_length_exceeded',
  );

/**
 * Legacy Completions' answer when a prompt and `max_tokens` (16 when unset) together pass the
 * model's context window: the long-standing wording, with no param and no code.
 */
export const completionContextExceeded = (window: number, promptTokens: number, maxTokens: number): OpenAIError =>
  invalidRequest(
    `This model's maximum context length is ${window} tokens, however you requested ${promptTokens + maxTokens} tokens (${promptTokens} in your prompt; ${maxTokens} for the completion). Please reduce your prompt; or completion length.`,
    null,
    null,
  );

/** Chat Completions' answer to more output than the model writes; `param` is the field the client sent. */
export const maxTokensTooLarge = (param: 'max_tokens' | 'max_completion_tokens', requested: number, limit: number): OpenAIError =>
  invalidRequest(`${param} is too large: ${requested}. This model supports at most ${limit} completion tokens, whereas you provided ${requested}.`, param, 'invalid_value');

/** The Responses API's: it names neither figure. */
export const INPUT_EXCEEDS_CONTEXT: OpenAIError = invalidRequest(
  'Your input exceeds the context window of this model. Please adjust your input and try again.',
  'input',
  'context_length_exceeded',
);

export const INVALID_JSON: OpenAIError = invalidRequest(
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
  null,
  null,
);

export const bodyTooLarge = (limitBytes: number): OpenAIError => ({
  status: 413,
  message: `Request body too large: the limit is ${limitBytes} bytes.`,
  type: 'invalid_request_error',
  param: null,
  code: 'request_too_large',
});

export const notFound = (method: string, path: string): OpenAIError => ({
  status: 404,
  message: `Invalid URL (${method} ${path})`,
  type: 'invalid_request_error',
  param: null,
  code: null,
});

export const methodNotAllowed = (method: string, path: string): OpenAIError => ({
  status: 405,
  message: `Method not allowed: ${method} ${path}`,
  type: 'invalid_request_error',
  param: null,
  code: 'method_not_allowed',
});

export const modelNotFound = (model: string): OpenAIError => ({
  status: 404,
  message: `The model \`${model}\` does not exist or you do not have access to it.`,
  type: 'invalid_request_error',
  param: 'model',
  code: 'model_not_found',
});

/** Masks a key as OpenAI does (`sk-abc***wxyz`) so the full key never appears in a body or log. */
export function maskKey(key: string): string {
  if (key.length <= 8) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}${'*'.repeat(Math.min(key.length - 7, 20))}${key.slice(-4)}`;
}

export const invalidApiKey = (key: string): OpenAIError => ({
  status: 401,
  message: `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
  type: 'invalid_request_error',
  param: null,
  code: 'invalid_api_key',
});

export const MISSING_API_KEY: OpenAIError = {
  status: 401,
  message:
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
  type: 'invalid_request_error',
  param: null,
  code: null,
};

export const INTERNAL_ERROR: OpenAIError = {
  status: 500,
  message: 'The server had an error while processing your request. Sorry about that!',
  type: 'server_error',
  param: null,
  code: null,
};

/** OpenAI's 404s for a model sent to an endpoint that does not serve it, by the endpoint asked. */
export function wrongEndpoint(asked: 'chat' | 'completions', serves: 'chat' | 'completions' | 'responses'): OpenAIError {
  const message =
    asked === 'completions'
      ? 'This is a chat model and not supported in the v1/completions endpoint. Did you mean to use v1/chat/completions?'
      : serves === 'responses'
        ? 'This model is only supported in v1/responses and not in v1/chat/completions.'
        : 'This is not a chat model and thus not supported in the v1/chat/completions endpoint. Did you mean to use v1/completions?';
  return { status: 404, message, type: 'invalid_request_error', param: 'model', code: null };
}

/** OpenAI's 400 for a request body that is JSON but not an object; undefined for an object. */
export function bodyNotObject(input: unknown): OpenAIError | undefined {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) return undefined;
  return invalidRequest(`Invalid type for request body: expected an object, but got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input} instead.`, null, 'invalid_type');
}
