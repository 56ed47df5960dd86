/**
 * Deterministic text embeddings: the same text always gives the same unit vector, and texts that
 * share words land near each other. Features (lower-cased words and character trigrams) are hashed
 * into a few signed positions each, a sparse random projection; the sum is normalized. No model,
 * no randomness beyond the fixed hash, so any thread or pool worker computes identical vectors.
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

/** How far a text's prefix norms stray from an evenly spread vector's: ±10% of the kept energy's weight. */
const PREFIX_SPREAD = 0.1;

/**
 * The norm the first `dims` values of a `fullDims`-long unit vector have, for a model that returns
 * a truncated (Matryoshka) embedding without normalizing it, as gemini-embedding-001 does below its
 * full 3,072. An evenly spread vector keeps sqrt(dims / fullDims) of its length; each text's weight
 * on its head is moved by up to ±10% (a fixed draw from the text), so norms differ between texts
 * as real ones do, yet grow with `dims`, stay below 1, and reach 1 at the full length.
 */
export function prefixNorm(text: string, dims: number, fullDims: number): number {
  if (dims >= fullDims) return 1;
  const a = PREFIX_SPREAD * ((mix32(hashString(text, 0x5bd1e995)) / 0x1_0000_0000) * 2 - 1);
  const head = dims * (1 + a);
  const tail = (fullDims - dims) * (1 - a);
  return Math.sqrt(head / (head + tail));
}
