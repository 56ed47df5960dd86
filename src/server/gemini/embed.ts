/**
 * POST /v1beta/models/{model}:embedContent → `{embedding:{values}}` and :batchEmbedContents →
 * `{embeddings:[{values}]}` (what `@google/genai`'s `models.embedContent` calls, even for one
 * input). Vectors are deterministic, `outputDimensionality` long (default: the model's full size):
 * gemini-embedding-001's are the first values of one unit vector of 3,072 (`embedPrefix`), so a
 * shorter one is not normalized, as Google documents; the 768-long models' are `embedText`'s unit
 * vectors at any length. Generation time is one prefill: the model's time to first token.
 */
import { OTHER_MODEL } from '../../metrics/counters.js';
import { computeEmbeddings, embeddingWork, POOL_THRESHOLD } from '../../workers/embedding-pool.js';
import type { EmbeddingJob, EmbeddingResult } from '../../workers/embedding-task.js';
import { planOneShot } from '../answer-plan.js';
import { clientWaiting, type RequestInfo } from '../http-exchange.js';
import { admit, isAdmission } from '../policy.js';
import type { Reply } from '../reply.js';
import { heldMeta } from '../reply.js';
import type { ThreadContext } from '../thread-context.js';
import { INVALID_JSON, modelNotFound, type GeminiError } from './errors.js';
import { GEMINI_FAULTS } from './faults.js';
import { bareModel, type ModelPath } from './path.js';
import { partText } from './prompt.js';
import { checkGeminiAuth, geminiErrorReply, geminiHeaders, geminiKey, JSON_TYPE, queryOf } from './reply.js';
import { parseBatchEmbedRequest, parseEmbedRequest, parseJsonBody, type EmbedRequest } from './request.js';
import { ruleViolation, type RequestName } from './request-issues.js';

export interface EmbeddingModel {
  /** Vector length when the request names no `outputDimensionality`. */
  readonly defaultDims: number;
  /** Largest `outputDimensionality` accepted. */
  readonly maxDims: number;
  /**
   * A shorter `outputDimensionality` is the full vector's prefix, not normalized: Google documents
   * that only gemini-embedding-001's 3,072-dimension output is, and callers normalize the rest.
   */
  readonly prefixUnnormalized: boolean;
  readonly inputTokenLimit: number;
  readonly displayName: string;
}

/**
 * The Gemini API's embedding models. gemini-embedding-001 truncates (MRL) from 3072; the older ones
 * are 768. A Map, not an object: the id comes from the URL, and `constructor` must find nothing.
 */
export const EMBEDDING_MODELS: ReadonlyMap<string, EmbeddingModel> = new Map([
  ['gemini-embedding-001', { defaultDims: 3072, maxDims: 3072, prefixUnnormalized: true, inputTokenLimit: 2048, displayName: 'Gemini Embedding 001' }],
  ['text-embedding-004', { defaultDims: 768, maxDims: 768, prefixUnnormalized: false, inputTokenLimit: 2048, displayName: 'Text Embedding 004' }],
  ['embedding-001', { defaultDims: 768, maxDims: 768, prefixUnnormalized: false, inputTokenLimit: 2048, displayName: 'Embedding 001' }],
]);

/** Models outside the table (served when strictModels is off) get gemini-embedding-001's sizes. */
const DEFAULT_EMBEDDING_MODEL = EMBEDDING_MODELS.get('gemini-embedding-001')!;

/** One text to embed, its vector length, and the full length it is an unnormalized prefix of. */
export interface EmbedInput {
  readonly text: string;
  readonly dims: number;
  readonly prefixOf: number | undefined;
}

const LIST_OPEN = Buffer.from('{"embeddings":[');
const COMMA = Buffer.from(',');
const LIST_CLOSE = Buffer.from(']}');

/**
 * A batch whose requests ask for different lengths (each names its own `outputDimensionality`):
 * one job per input, since a job has one length, sent to the pool when the batch as a whole is
 * over the threshold. Each job makes its item of the list; the thread lists them.
 */
function mixedLengthBody(inputs: readonly EmbedInput[], serverThreads: number): { body: Buffer; tokens: number } | Promise<{ body: Buffer; tokens: number }> {
  const jobs = inputs.map((input): EmbeddingJob => ({ inputs: { kind: 'text', texts: [input.text] }, dimensions: input.dims, prefixOf: input.prefixOf, output: { kind: 'gemini', shape: 'items' }, maxInputTokens: Infinity, maxRequestTokens: Infinity }));
  const threshold = jobs.reduce((n, job) => n + embeddingWork(job), 0) > POOL_THRESHOLD ? 0 : POOL_THRESHOLD;
  // The jobs not yet on a worker when the client leaves are dropped unrun; the rest of the list is not made.
  const wanted = clientWaiting();
  const results = jobs.map((job) => computeEmbeddings(job, threshold, serverThreads, wanted));
  const list = (done: readonly EmbeddingResult[]): { body: Buffer; tokens: number } => {
    const parts: Uint8Array[] = [LIST_OPEN];
    let tokens = 0;
    done.forEach((r, i) => {
      if (r.kind !== 'gemini') throw new Error(`batchEmbedContents: the job returned ${r.kind}, not a response body`);
      if (i > 0) parts.push(COMMA);
      parts.push(r.body);
      tokens += r.promptTokens;
    });
    parts.push(LIST_CLOSE);
    return { body: Buffer.concat(parts), tokens };
  };
  return results.some((r) => r instanceof Promise) ? Promise.all(results.map((r) => Promise.resolve(r))).then(list) : list(results as EmbeddingResult[]);
}

/**
 * The embedding model an embedding method on `path` serves: one of the table's, or, for an id
 * outside it, gemini-embedding-001's sizes, unless strictModels makes that id the API's 404.
 */
export function embeddingModelFor(ctx: ThreadContext, path: ModelPath, method: string): EmbeddingModel | GeminiError {
  const known = EMBEDDING_MODELS.get(path.model);
  if (known === undefined && ctx.config.strictModels) return modelNotFound(path.model, path.apiVersion, method);
  return known ?? DEFAULT_EMBEDDING_MODEL;
}

function inputFor(req: EmbedRequest, model: EmbeddingModel, field: string, request: RequestName): EmbedInput | GeminiError {
  const dims = req.outputDimensionality ?? model.defaultDims;
  if (dims > model.maxDims) return ruleViolation(request, `${field}output_dimensionality`, `output_dimensionality must be at most ${model.maxDims} for this model.`);
  return { text: req.content.parts.map(partText).join('\n'), dims, prefixOf: model.prefixUnnormalized ? model.maxDims : undefined };
}

export function embedRoute(ctx: ThreadContext, info: RequestInfo, body: string, path: ModelPath, batch: boolean): Reply | Promise<Reply> {
  const route = 'gemini_embed';
  const method = batch ? 'batchEmbedContents' : 'embedContent';
  const query = queryOf(info);
  const authError = checkGeminiAuth(ctx, info, query);
  if (authError) return geminiErrorReply(route, authError, 'authentication', OTHER_MODEL);
  const json = parseJsonBody(body);
  if (!json.ok) return geminiErrorReply(route, INVALID_JSON, 'invalid_json', OTHER_MODEL);

  let requests: readonly EmbedRequest[];
  if (batch) {
    const parsed = parseBatchEmbedRequest(json.value);
    if (parsed.error) return geminiErrorReply(route, parsed.error, 'invalid_request', OTHER_MODEL);
    requests = parsed.body.requests;
  } else {
    const parsed = parseEmbedRequest(json.value);
    if (parsed.error) return geminiErrorReply(route, parsed.error, 'invalid_request', OTHER_MODEL);
    requests = [parsed.body];
  }

  const model = embeddingModelFor(ctx, path, method);
  if ('code' in model) return geminiErrorReply(route, model, 'model_not_found', OTHER_MODEL);
  const request: RequestName = batch ? 'BatchEmbedContentsRequest' : 'EmbedContentRequest';
  const inputs: EmbedInput[] = [];
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i]!;
    const field = batch ? `requests[${i}].` : '';
    if (batch && r.model !== undefined && bareModel(r.model) !== path.model) {
      return geminiErrorReply(
        route,
        ruleViolation(request, `${field}model`, `Model in the request (${r.model}) does not match the model in the URL (models/${path.model}).`),
        'invalid_request',
        OTHER_MODEL,
      );
    }
    const input = inputFor(r, model, field, request);
    if ('code' in input) return geminiErrorReply(route, input, 'invalid_request', OTHER_MODEL);
    inputs.push(input);
  }

  const finish = (body: Buffer, tokens: number): Reply => {
    // Embeddings count requests and input tokens; they produce no output tokens.
    const meta = { route, modelIndex: OTHER_MODEL, errorKind: null } as const;
    // Drawn before admission, as every surface draws it: a request a rate limit refuses (which hangs
    // on timing) then takes its place in the order all the same, and the requests after it draw alike.
    const rng = ctx.requestRng(undefined, '');
    const admission = admit(ctx, { route, dialect: 'gemini', model: path.model, apiKey: geminiKey(info, query), info, inputTokens: tokens, maxOutputTokens: 0, meta }, GEMINI_FAULTS);
    if (!isAdmission(admission)) return admission;
    const { plannedMs: delayMs, truth } = planOneShot(ctx, path.model, rng, admission, tokens);
    return {
      kind: 'json',
      status: 200,
      contentType: JSON_TYPE,
      headers: geminiHeaders(delayMs, [...truth, ...admission.headers]),
      body,
      delayMs,
      completionTokens: 0,
      meta: heldMeta(meta, admission.saturationSlot, null, admission.holdMs > 0),
      // A mid-stream fault on a one-shot body cuts it.
      truncate: admission.faults.stream !== null,
    };
  };

  const dims = inputs[0]!.dims;
  if (inputs.some((input) => input.dims !== dims)) {
    const mixed = mixedLengthBody(inputs, ctx.config.threads);
    return mixed instanceof Promise ? mixed.then((m) => finish(m.body, m.tokens)) : finish(mixed.body, mixed.tokens);
  }
  // Gemini truncates an input past its limit rather than refusing it: no token limits here.
  const job: EmbeddingJob = {
    inputs: { kind: 'text', texts: inputs.map((input) => input.text) },
    dimensions: dims,
    prefixOf: inputs[0]!.prefixOf,
    output: { kind: 'gemini', shape: batch ? 'batch' : 'single' },
    maxInputTokens: Infinity,
    maxRequestTokens: Infinity,
  };
  const done = (result: EmbeddingResult): Reply => {
    if (result.kind !== 'gemini') throw new Error(`embedContent: the job returned ${result.kind}, not a response body`);
    // A body computed in the pool arrives as a plain Uint8Array over a transferred buffer.
    return finish(Buffer.from(result.body.buffer, result.body.byteOffset, result.body.byteLength), result.promptTokens);
  };
  // A pooled batch is dropped unrun if its client leaves while it waits for a worker.
  const result = computeEmbeddings(job, POOL_THRESHOLD, ctx.config.threads, clientWaiting());
  return result instanceof Promise ? result.then(done) : done(result);
}
