/**
 * Prompt caching as OpenAI applies it on its own to every prompt of 1,024 tokens or more: a
 * request whose prompt starts with a prefix seen recently reports that prefix as
 * `cached_tokens`, counted from 1,024 in steps of 128 (platform.openai.com/docs/guides/prompt-caching).
 *
 * A prompt is seen as a chain of boundaries, one after each message (and after the tools, which
 * come first): each boundary has the prompt's token count up to it and a hash of everything before
 * it. A cache remembers boundary hashes for ten minutes after their last use; the longest known
 * boundary of a new prompt is its cached prefix. Real caching matches token by token and may miss
 * when requests land on different machines; boundaries at message ends give the same answer for
 * the usual case, a conversation that grows by appending turns, or a shared system prompt.
 *
 * Each server thread has its own cache, as each of OpenAI's machines has: a connection stays on
 * one thread, so an SDK client's follow-up requests find what its earlier ones stored.
 */
import { hashString } from '../timing/random.js';
import { perThread } from './thread-context.js';

/** Prompts shorter than this are never cached. */
export const MIN_CACHED_PROMPT = 1024;
/** Beyond the minimum, cached tokens grow in steps of this many. */
const CACHE_STEP = 128;
/** How long a prefix stays cached after its last use. */
const TTL_MS = 10 * 60_000;
/** Most prefixes a thread remembers: the oldest go first. */
const CAPACITY = 50_000;

/** A prompt's boundaries: token counts up to each, ascending, and the hash of what precedes it. */
export class PromptPrefixes {
  readonly tokens: number[] = [];
  readonly hashes: number[] = [];
  #a: number;
  #b: number;

  /** `model` starts the chain: prefixes are cached per model. */
  constructor(model: string) {
    this.#a = hashString(model);
    this.#b = hashString(model, 0x9747b28c);
  }

  /** Extends the prompt by `text` (a tool list, a message's role and content), ending a boundary at `tokensSoFar`. */
  add(text: string, tokensSoFar: number): void {
    this.#a = hashString(text, this.#a);
    this.#b = hashString(text, this.#b);
    this.tokens.push(tokensSoFar);
    // 53 bits of two independent 32-bit hashes: tens of thousands of entries never collide in practice.
    this.hashes.push((this.#a & 0x1fffff) * 0x100000000 + this.#b);
  }
}

/**
 * Prefix hashes a thread has cached, each until its expiry. Two generations bound it: entries go
 * into the young one, which becomes the old one when it holds half of CAPACITY, and the old one
 * is dropped then. A hash used again is copied into the young one, so what is in use survives.
 * (A single Map evicting its oldest key per insert slowed to ~25 µs an insert once full: V8 walks
 * the deleted slots at the front of the table each time.)
 */
export class PrefixStore {
  #young = new Map<number, number>();
  #old = new Map<number, number>();
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  now(): number {
    return this.#now();
  }

  #expiry(hash: number): number | undefined {
    return this.#young.get(hash) ?? this.#old.get(hash);
  }

  /** The index of the last of `hashes` (at `indices`, ascending) still cached at `now`, or -1. */
  longest(hashes: readonly number[], now: number, indices: readonly number[] = allIndices(hashes.length)): number {
    for (let k = indices.length - 1; k >= 0; k--) {
      const expires = this.#expiry(hashes[indices[k]!]!);
      if (expires !== undefined && expires > now) return indices[k]!;
    }
    return -1;
  }

  /** Caches `hash` for `ttlMs` from `now` (a use refreshes it). */
  remember(hash: number, now: number, ttlMs: number): void {
    this.#young.set(hash, now + ttlMs);
    if (this.#young.size >= CAPACITY / 2) {
      this.#old = this.#young;
      this.#young = new Map();
    }
  }
}

function allIndices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Boundaries of a long prompt that are looked up and remembered: the first few (a shared system prompt) and the last many (a conversation's latest turns). */
const HEAD_BOUNDARIES = 16;
const TAIL_BOUNDARIES = 48;

/** The indices of `n` boundaries a request looks up and remembers, ascending: all of them for up to 64. */
export function cachedIndices(n: number): number[] {
  if (n <= HEAD_BOUNDARIES + TAIL_BOUNDARIES) return allIndices(n);
  const out: number[] = [];
  for (let i = 0; i < HEAD_BOUNDARIES; i++) out.push(i);
  for (let i = n - TAIL_BOUNDARIES; i < n; i++) out.push(i);
  return out;
}

export class PromptCache {
  readonly #store: PrefixStore;

  constructor(now?: () => number) {
    this.#store = new PrefixStore(now);
  }

  /**
   * The tokens of `prompt` served from cache, as OpenAI counts them (0 below 1,024), then
   * remembers each of its boundaries. `total` is the whole prompt's token count.
   */
  use(prompt: PromptPrefixes, total: number): number {
    if (total < MIN_CACHED_PROMPT) return 0;
    const prefix = this.#longestThenRemember(prompt, total);
    return prefix === 0 ? 0 : cachedTokens(prefix);
  }

  /**
   * Gemini's implicit caching (2.5 and later): the tokens of the longest cached prefix as they are,
   * when it reaches the model's `minimum`; then remembers the prompt's boundaries, as `use` does.
   */
  useImplicit(prompt: PromptPrefixes, total: number, minimum: number): number {
    if (total < minimum) return 0;
    const prefix = this.#longestThenRemember(prompt, total);
    return prefix < minimum ? 0 : prefix;
  }

  /** The tokens of the longest known prefix of `prompt` (0 for none), then remembers its boundaries. */
  #longestThenRemember(prompt: PromptPrefixes, total: number): number {
    const now = this.#store.now();
    // A prompt of thousands of items looks up and remembers a bounded set of its boundaries.
    const indices = cachedIndices(prompt.hashes.length);
    const hit = this.#store.longest(prompt.hashes, now, indices);
    for (const i of indices) this.#store.remember(prompt.hashes[i]!, now, TTL_MS);
    return hit < 0 ? 0 : Math.min(prompt.tokens[hit]!, total);
  }
}

/** A matched prefix as OpenAI reports it: 1,024 and then whole steps of 128, or 0. */
export function cachedTokens(prefix: number): number {
  return prefix < MIN_CACHED_PROMPT ? 0 : MIN_CACHED_PROMPT + Math.floor((prefix - MIN_CACHED_PROMPT) / CACHE_STEP) * CACHE_STEP;
}

/** This thread's prompt cache. */
export const promptCacheFor = perThread(() => new PromptCache());
