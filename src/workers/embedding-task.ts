/**
 * The embedding pool's task: count each input's tokens, compute the deterministic vectors into
 * one Float32Array, and either return them or encode a whole OpenAI response body. Runs in a
 * piscina worker for large batches and inline for small ones (`runEmbeddingJob` is pure), so both
 * paths give identical bytes. Results travel back as transferred buffers, never copied.
 *
 * Loaded by piscina from `dist/` (Node 20 workers cannot load TypeScript), like the server threads.
 */
import { isWorkerThread, move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { embedPrefix, embedText, embedTokenIds, tokenIdsText } from '../corpus/embedding.js';
import { installO200kTable } from '../corpus/o200k.js';
import { countTokens } from '../corpus/tokens.js';
import { geminiEmbeddingsBody, type GeminiBodyShape } from '../server/gemini/embed-encode.js';
import { embeddingsBody, type EmbeddingEncoding } from '../server/openai/embeddings-encode.js';
import type { TaskWorkerData } from './task-pool.js';

// Inline runs (on a server thread) use the thread's own table; a pool worker takes its thread's.
if (isWorkerThread) installO200kTable((workerData as TaskWorkerData).o200k);

/** A batch's inputs: texts, or pre-tokenized id arrays (OpenAI accepts both). */
export type EmbeddingInputs =
  | { readonly kind: 'text'; readonly texts: readonly string[] }
  | { readonly kind: 'tokens'; readonly ids: readonly (readonly number[])[] };

/** What comes back: the raw vectors, or an OpenAI or Gemini embeddings response body. */
export type EmbeddingOutput =
  | { readonly kind: 'vectors' }
  | { readonly kind: 'openai'; readonly encoding: EmbeddingEncoding; readonly modelJson: string }
  | { readonly kind: 'gemini'; readonly shape: GeminiBodyShape };

export interface EmbeddingJob {
  readonly inputs: EmbeddingInputs;
  readonly dimensions: number;
  /**
   * The model's full length, for a model whose shorter outputs are its full vector's first values,
   * not normalized (gemini-embedding-001): every vector is `embedPrefix`'s. Absent, each is
   * `embedText`'s unit vector at its own length (OpenAI normalizes what `dimensions` shortens).
   */
  readonly prefixOf?: number;
  readonly output: EmbeddingOutput;
  /** An input longer than this many tokens stops the job before any vector is computed. */
  readonly maxInputTokens: number;
  /** So does a batch whose inputs sum to more than this. */
  readonly maxRequestTokens: number;
}

export type EmbeddingResult =
  /** `vectors` holds `tokens.length` vectors of `dimensions` floats, end to end. */
  | { readonly kind: 'vectors'; readonly vectors: Float32Array; readonly tokens: Int32Array }
  | { readonly kind: 'openai' | 'gemini'; readonly body: Uint8Array; readonly promptTokens: number }
  | { readonly kind: 'input_too_long'; readonly index: number; readonly tokens: number }
  | { readonly kind: 'request_too_large'; readonly tokens: number };

export function inputCount(inputs: EmbeddingInputs): number {
  return inputs.kind === 'text' ? inputs.texts.length : inputs.ids.length;
}

/** Computes a job on the calling thread. */
export function runEmbeddingJob(job: EmbeddingJob): EmbeddingResult {
  const { inputs, dimensions } = job;
  const count = inputCount(inputs);
  const tokens = new Int32Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const n = inputs.kind === 'text' ? countTokens(inputs.texts[i]!) : inputs.ids[i]!.length;
    if (n > job.maxInputTokens) return { kind: 'input_too_long', index: i, tokens: n };
    tokens[i] = n;
    total += n;
  }
  if (total > job.maxRequestTokens) return { kind: 'request_too_large', tokens: total };
  const vectors = new Float32Array(count * dimensions);
  for (let i = 0; i < count; i++) {
    const out = vectors.subarray(i * dimensions, (i + 1) * dimensions);
    if (job.prefixOf !== undefined) embedPrefix(inputs.kind === 'text' ? inputs.texts[i]! : tokenIdsText(inputs.ids[i]!), job.prefixOf, out);
    else if (inputs.kind === 'text') embedText(inputs.texts[i]!, out);
    else embedTokenIds(inputs.ids[i]!, out);
  }
  if (job.output.kind === 'vectors') return { kind: 'vectors', vectors, tokens };
  if (job.output.kind === 'gemini') return { kind: 'gemini', body: geminiEmbeddingsBody(vectors, count, dimensions, job.output.shape), promptTokens: total };
  return { kind: 'openai', body: embeddingsBody(vectors, count, dimensions, job.output.encoding, job.output.modelJson, total), promptTokens: total };
}

/** Piscina's Transferable: the result is posted with its buffers moved, not cloned. */
class MovedResult {
  readonly #value: EmbeddingResult;
  readonly #buffers: ArrayBufferLike[];

  constructor(value: EmbeddingResult, buffers: ArrayBufferLike[]) {
    this.#value = value;
    this.#buffers = buffers;
  }

  get [transferableSymbol](): object {
    return this.#buffers;
  }

  get [valueSymbol](): EmbeddingResult {
    return this.#value;
  }
}

/** The pool's entry point. */
export default function embeddingTask(job: EmbeddingJob): unknown {
  const result = runEmbeddingJob(job);
  if (result.kind === 'vectors') return move(new MovedResult(result, [result.vectors.buffer, result.tokens.buffer]));
  if (result.kind === 'openai' || result.kind === 'gemini') return move(new MovedResult(result, [result.body.buffer]));
  return result;
}
