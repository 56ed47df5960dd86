/**
 * Embeddings request validation (`POST /v1/embeddings`) and the embedding models' sizes. OpenAI
 * answers every malformed `input` (an empty string, an empty or oversized array, mixed types)
 * with the same terse message, so this does too.
 */
import { z } from 'zod';
import type { EmbeddingInputs } from '../../workers/embedding-task.js';
import type { EmbeddingEncoding } from './embeddings-encode.js';
import { bodyNotObject, invalidRequest, type OpenAIError } from './errors.js';
import { issueToOpenAIError } from './request-issues.js';
import { parseReportingInput } from '../request-schema.js';

/** Inputs per request, and tokens per input and per request, as OpenAI documents them. */
export const MAX_INPUTS = 2048;
export const MAX_INPUT_TOKENS = 8192;
export const MAX_REQUEST_TOKENS = 300_000;

export interface EmbeddingModel {
  /** Vector size when `dimensions` is not given. */
  readonly dims: number;
  /** Largest `dimensions` accepted. */
  readonly maxDims: number;
  /** Accepts `dimensions` (text-embedding-3 and later). */
  readonly shortens: boolean;
  readonly known: boolean;
}

/** A Map, not an object: a model id is the client's text, and `__proto__` must find nothing. */
const EMBEDDING_MODELS: ReadonlyMap<string, EmbeddingModel> = new Map([
  ['text-embedding-3-small', { dims: 1536, maxDims: 1536, shortens: true, known: true }],
  ['text-embedding-3-large', { dims: 3072, maxDims: 3072, shortens: true, known: true }],
  ['text-embedding-ada-002', { dims: 1536, maxDims: 1536, shortens: false, known: true }],
]);

/** OpenAI's embedding models, as `/v1/models` lists them. */
export const OPENAI_EMBEDDING_MODEL_IDS: readonly string[] = [...EMBEDDING_MODELS.keys()];

/** Other ids (a self-hosted model behind an OpenAI-compatible API): 1,536 floats, shortened up to 4,096. */
const OTHER_MODEL: EmbeddingModel = { dims: 1536, maxDims: 4096, shortens: true, known: false };

export function embeddingModel(model: string): EmbeddingModel {
  const exact = EMBEDDING_MODELS.get(model);
  if (exact) return exact;
  for (const [id, m] of EMBEDDING_MODELS) if (model.startsWith(`${id}-`)) return m;
  return OTHER_MODEL;
}

export const INVALID_INPUT: OpenAIError = invalidRequest("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", null, null);

export const DIMENSIONS_UNSUPPORTED: OpenAIError = invalidRequest('This model does not support specifying dimensions.', null, null);

export const inputTooLong = (param: string, limit: number): OpenAIError => invalidRequest(`Invalid '${param}': maximum input length is ${limit} tokens.`, param, null);

export const requestTooLarge = (tokens: number, limit: number): OpenAIError =>
  invalidRequest(`Requested ${tokens} tokens, max ${limit} tokens per request`, null, 'max_tokens_per_request');

const embeddingsRequest = z.looseObject({
  model: z.string(),
  // Checked by hand (inputsOf): one fixed message for every problem, and no per-element parse of 2,048 strings.
  input: z.unknown(),
  encoding_format: z.enum(['float', 'base64']).nullable().optional(),
  dimensions: z.int().min(1).nullable().optional(),
  user: z.string().optional(),
});

export interface EmbeddingsRequest {
  readonly model: string;
  readonly inputs: EmbeddingInputs;
  readonly encoding: EmbeddingEncoding;
  readonly dimensions: number | undefined;
  /** `input` was one string or one id array, not a list: errors name `input`, not `input[i]`. */
  readonly single: boolean;
}

const isTokenId = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function isTokenList(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every(isTokenId);
}

/** The inputs, or undefined when OpenAI would call `input` invalid. */
function inputsOf(input: unknown): EmbeddingInputs | undefined {
  if (typeof input === 'string') return input.length > 0 ? { kind: 'text', texts: [input] } : undefined;
  if (!Array.isArray(input) || input.length === 0) return undefined;
  const first: unknown = input[0];
  // A flat id array is one pre-tokenized input, limited by tokens rather than by count.
  if (typeof first === 'number') return isTokenList(input) ? { kind: 'tokens', ids: [input] } : undefined;
  if (input.length > MAX_INPUTS) return undefined;
  if (typeof first === 'string') {
    for (const t of input) if (typeof t !== 'string' || t.length === 0) return undefined;
    return { kind: 'text', texts: input as string[] };
  }
  for (const ids of input) if (!isTokenList(ids)) return undefined;
  return { kind: 'tokens', ids: input as number[][] };
}

export function parseEmbeddingsRequest(input: unknown): EmbeddingsRequest | OpenAIError {
  const notObject = bodyNotObject(input);
  if (notObject) return notObject;
  const parsed = parseReportingInput(embeddingsRequest, input);
  if (!parsed.success) return issueToOpenAIError(parsed.error.issues[0]!);
  const body = parsed.data;
  if (body.input === undefined) return invalidRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  const inputs = inputsOf(body.input);
  if (inputs === undefined) return INVALID_INPUT;
  const single = typeof body.input === 'string' || (Array.isArray(body.input) && typeof body.input[0] === 'number');
  return { model: body.model, inputs, encoding: body.encoding_format ?? 'float', dimensions: body.dimensions ?? undefined, single };
}

/** The vector size for a request, or the 400 OpenAI gives for `dimensions` the model refuses. */
export function dimensionsFor(model: EmbeddingModel, requested: number | undefined): number | OpenAIError {
  if (requested === undefined) return model.dims;
  if (!model.shortens) return DIMENSIONS_UNSUPPORTED;
  if (requested > model.maxDims) {
    return invalidRequest(`Invalid 'dimensions': integer above maximum value. Expected a value <= ${model.maxDims}, but got ${requested} instead.`, 'dimensions', 'integer_above_max_value');
  }
  return requested;
}
