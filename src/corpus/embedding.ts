/**
 * Deterministic text embeddings: the same text always gives the same unit vector, and texts that
 * share words land near each other. Features (lower-cased words and character trigrams) are hashed
 * into a few signed positions each, a sparse random projection; the sum is normalized. No model,
 * no randomness beyond the fixed hash, so any thread or pool worker computes identical vectors.
 * `embedPrefix` gives a truncating model's shorter outputs: the first values of a full vector.
 */
import { hashString, mix32 } from '../timing/random.js';

/** Positions each feature touches: enough to spread energy, few enough to stay cheap. */
const TOUCHES = 4;
const WORD_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.35;

function addFeature(out: Float32Array, feature: string, weight: number): void {
  const h = hashString(feature);
  for (let t = 0; t < TOUCHES; t++) {
    const r = mix32((h + Math.imul(t + 1, 0x9e3779b9)) >>> 0);
    const index = r % out.length;
    out[index]! += r & 0x80000000 ? -weight : weight;
  }
}

/**
 * Writes the embedding of `text` into `out` (its length is the dimension count) and returns it.
 * Empty text gets a fixed unit vector, so the result is always unit length.
 */
export function embedText(text: string, out: Float32Array): Float32Array {
  out.fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const w of words) {
    addFeature(out, w, WORD_WEIGHT);
    const padded = ` ${w} `;
    for (let i = 0; i + 3 <= padded.length; i++) addFeature(out, padded.slice(i, i + 3), TRIGRAM_WEIGHT);
  }
  let norm = 0;
  for (let i = 0; i < out.length; i++) norm += out[i]! * out[i]!;
  if (norm === 0) {
    addFeature(out, '\u0000empty', 1);
    for (let i = 0; i < out.length; i++) norm += out[i]! * out[i]!;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < out.length; i++) out[i]! *= scale;
  return out;
}

/** The text a token-id array input embeds as: ids become words. */
export function tokenIdsText(ids: readonly number[]): string {
  return ids.map((id) => `t${id}`).join(' ');
}

/** Embedding of a token-id array input (OpenAI accepts pre-tokenized input). */
export function embedTokenIds(ids: readonly number[], out: Float32Array): Float32Array {
  return embedText(tokenIdsText(ids), out);
}

/**
 * The share of a Matryoshka embedding's energy spread thinly over every position: a trained model's
 * vectors are dense, and without it a short text's sparse features could miss a short prefix
 * entirely, leaving a zero vector no real model returns (normalizing it gives NaN).
 */
const DENSE_SHARE = 0.2;

/** A full-length vector reused between calls: one per thread, each call overwrites it. */
let scratch: Float32Array | undefined;

/** One position's value in a text's dense part, uniform in [-1, 1). */
function denseValue(seed: number, i: number): number {
  return mix32((seed + Math.imul(i + 1, 0x9e3779b9)) >>> 0) / 0x8000_0000 - 1;
}

/**
 * Writes the first `out.length` values of the `fullDims`-long unit embedding of `text` into `out`:
 * what a Matryoshka model that truncates without normalizing returns (gemini-embedding-001 below
 * its full 3,072: "excessive values in the output embedding are truncated from the end", and only
 * the full length is normalized). So a shorter vector is the longer one's prefix, and its norm is
 * below 1, about sqrt(out.length / fullDims). The full vector is `embedText`'s, sharing a fifth of
 * its energy with a dense part drawn from the text, so no prefix is all zeros.
 */
export function embedPrefix(text: string, fullDims: number, out: Float32Array): Float32Array {
  const full = out.length === fullDims ? out : (scratch = scratch?.length === fullDims ? scratch : new Float32Array(fullDims));
  embedText(text, full);
  const seed = hashString(text, 0x5bd1e995);
  const sparseScale = Math.sqrt(1 - DENSE_SHARE);
  // Uniform values in [-1, 1) square to 1/3 on average; the final scaling makes the norm exactly 1.
  const denseScale = Math.sqrt((3 * DENSE_SHARE) / fullDims);
  let norm = 0;
  for (let i = 0; i < fullDims; i++) {
    full[i] = sparseScale * full[i]! + denseScale * denseValue(seed, i);
    norm += full[i]! * full[i]!;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < fullDims; i++) full[i]! *= scale;
  if (full !== out) out.set(full.subarray(0, out.length));
  return out;
}
