/**
 * Token counting and splitting with the o200k_base BPE (gpt-tokenizer). Prompt sizes drive
 * usage and prefill latency, so they are counted exactly; a bounded cache makes the repeated
 * prompts of a load test nearly free.
 */
import { countTokens as bpeCount, decode, encode } from 'gpt-tokenizer/encoding/o200k_base';

const CACHE_LIMIT = 4096;
/** Strings longer than this are counted but not cached, so the cache's memory stays bounded. */
const CACHE_MAX_KEY_LENGTH = 16 * 1024;
const cache = new Map<string, number>();

export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const n = bpeCount(text);
  if (text.length <= CACHE_MAX_KEY_LENGTH) {
    // Map keeps insertion order: dropping the first key evicts the oldest entry.
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(text, n);
  }
  return n;
}

/**
 * Splits text into the token strings a provider would stream. A token that ends inside a
 * multi-byte character is merged with the next, so every piece is valid text and the pieces
 * join back to the input exactly.
 */
export function splitTokens(text: string): string[] {
  const ids = encode(text);
  const out: string[] = [];
  let pending: number[] = [];
  for (const id of ids) {
    pending.push(id);
    const piece = decode(pending);
    if (!piece.includes('\uFFFD') || pending.length >= 8) {
      out.push(piece);
      pending = [];
    }
  }
  if (pending.length > 0) out.push(decode(pending));
  return out;
}
