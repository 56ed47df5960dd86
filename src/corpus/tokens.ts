/**
 * Token counting and splitting with the o200k_base BPE (`./o200k.ts`). Prompt sizes drive
 * usage and prefill latency, so they are counted exactly; a bounded cache makes the repeated
 * prompts of a load test nearly free.
 *
 * Special-token strings (`<|endoftext|>`, `<|im_start|>`) in a prompt or a generated value are
 * ordinary text, as the providers' APIs treat them (tiktoken's `encode_ordinary`): the encoder has
 * no special tokens at all. (gpt-tokenizer's default threw on them, which once turned such a
 * request into a 500.)
 */
import { o200k } from './o200k.js';

export interface CacheStats {
  readonly entries: number;
  readonly chars: number;
  /** Lookups that found nothing, so far: each was a text counted afresh. */
  readonly misses: number;
}

/**
 * Token counts by text, oldest out first, bounded both by entries and by the characters of the
 * texts it keeps (a text is kept as a key; clients choose its length).
 */
class CountCache {
  readonly #counts = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #maxChars: number;
  #chars = 0;
  #misses = 0;

  constructor(maxEntries: number, maxChars: number) {
    this.#maxEntries = maxEntries;
    this.#maxChars = maxChars;
  }

  get(text: string): number | undefined {
    const n = this.#counts.get(text);
    if (n === undefined) this.#misses++;
    return n;
  }

  set(text: string, n: number): void {
    // Map keeps insertion order: the first key is the oldest entry.
    while (this.#counts.size > 0 && (this.#counts.size >= this.#maxEntries || this.#chars + text.length > this.#maxChars)) {
      const oldest = this.#counts.keys().next().value!;
      this.#counts.delete(oldest);
      this.#chars -= oldest.length;
    }
    this.#counts.set(text, n);
    this.#chars += text.length;
  }

  get stats(): CacheStats {
    return { entries: this.#counts.size, chars: this.#chars, misses: this.#misses };
  }
}

/** Texts up to this long go to the short cache: messages, tool arguments, a load test's prompts. */
const SHORT_MAX_CHARS = 16 * 1024;
const shortCache = new CountCache(4096, 4 * 1024 * 1024);

/*
 * Long texts are the ones worth caching most: a load test's app sends the same 100 KB system
 * prompt or RAG document with every request, and counting it costs a server thread about 5 ms
 * per 100 KB each time. These entries are few and large, so the cache is bounded by characters.
 * With the short cache, at most 12 Mi characters (24 MB) per thread.
 */
const LONG_MAX_CHARS = 2 * 1024 * 1024;
const longCache = new CountCache(Infinity, 8 * 1024 * 1024);

/*
 * A client's long run of letters (or of punctuation) is one pre-token, and merging one costs
 * more than its length: 250,000 random letters take 0.4 s whole, 0.1 s in slices (the merge is
 * O(n log n) past 128 bytes, `o200k.ts`; quadratic before, which made such a run minutes). Runs
 * longer than RUN_SLICE are counted in slices: exact for ordinary text, off by about a token per
 * slice for such runs. Whitespace runs are not sliced: they merge fast (64,000 spaces in 40 ms).
 */
const RUN_SLICE = 512;
// The lookbehinds start a match only where a run starts, which keeps the scan linear.
const LONG_RUN = /(?<![\p{L}\p{M}])[\p{L}\p{M}]{513,}|(?<![^\s\p{L}\p{N}])[^\s\p{L}\p{N}]{513,}/gu;

function countSliced(text: string): number {
  let n = 0;
  let from = 0;
  for (const m of text.matchAll(LONG_RUN)) {
    if (m.index > from) n += o200k().count(text.slice(from, m.index));
    const end = m.index + m[0].length;
    for (let i = m.index; i < end; ) {
      let j = Math.min(i + RUN_SLICE, end);
      // Never split a surrogate pair.
      const last = text.charCodeAt(j - 1);
      if (j < end && last >= 0xd800 && last <= 0xdbff) j++;
      n += o200k().count(text.slice(i, j));
      i = j;
    }
    from = end;
  }
  if (from < text.length) n += o200k().count(text.slice(from));
  return n;
}

/** What the count caches hold (for tests: both stay within their bounds). */
export function tokenCacheStats(): { short: CacheStats; long: CacheStats } {
  return { short: shortCache.stats, long: longCache.stats };
}

/*
 * A long text is counted paragraph by paragraph, each paragraph through the short cache. A RAG
 * app's prompts are new combinations of passages it retrieved before, so most paragraphs of a new
 * long prompt have been counted already, where the whole text has not.
 *
 * The sum is exact because the text is cut only where the o200k pre-tokenizer always cuts: after a
 * blank line (two or more line breaks) that a character other than whitespace or "/" follows.
 * BPE merges never cross a pre-token, and no pre-token pattern reaches across such a place: line
 * breaks end the whitespace patterns, letters and digits never take one in, and the punctuation
 * pattern ` ?[^\s\p{L}\p{N}]+[\r\n/]*` stops at its line breaks unless a "/" follows them.
 * (`test/corpus.test.ts` checks the sums against whole counts.)
 */
const PARAGRAPH_END = /\n[\r\n]*\n(?=[^\s/])/g;

/** The pieces `countTokens` counts a text in, each on its own: the text when short, else its paragraphs. */
export function countingPieces(text: string): string[] {
  if (text.length <= SHORT_MAX_CHARS) return [text];
  const pieces: string[] = [];
  let from = 0;
  for (const m of text.matchAll(PARAGRAPH_END)) {
    const end = m.index + m[0].length;
    pieces.push(text.slice(from, end));
    from = end;
  }
  pieces.push(from === 0 ? text : text.slice(from));
  return pieces;
}

/** A piece's count, with no cache: what `countTokens` computes on a miss, and what a pool worker computes. */
export function countPieceUncached(piece: string): number {
  return piece.length > RUN_SLICE ? countSliced(piece) : o200k().count(piece);
}

/** Counts made off the thread for the request being handled (see `src/workers/count-pool.ts`). */
export interface PrefetchedCounts {
  /** The count of a text that was counted whole. */
  whole(text: string): number | undefined;
  /** The count of a piece (`countingPieces`) of a text that was counted. */
  piece(piece: string): number | undefined;
}

const NO_PREFETCHED: PrefetchedCounts = { whole: () => undefined, piece: () => undefined };
let prefetched: PrefetchedCounts = NO_PREFETCHED;

/** Runs `run` (a request's handler) with `counts` taken as counted; consulted on a cache miss. */
export function withPrefetchedCounts<T>(counts: PrefetchedCounts, run: () => T): T {
  prefetched = counts;
  try {
    return run();
  } finally {
    prefetched = NO_PREFETCHED;
  }
}

/** The counts the running handler was given, for a handler that goes on after an await (`replyAfter`). */
export function currentPrefetchedCounts(): PrefetchedCounts {
  return prefetched;
}

/** A text (`asPiece` false) or a piece of one, up to SHORT_MAX_CHARS, through the short cache; on a miss, what was prefetched. */
function countShort(text: string, asPiece: boolean): number {
  const hit = shortCache.get(text);
  if (hit !== undefined) return hit;
  const n = (asPiece ? prefetched.piece(text) : prefetched.whole(text)) ?? countPieceUncached(text);
  shortCache.set(text, n);
  return n;
}

/** One paragraph: cached when short; a paragraph longer than the short cache takes is counted as it is. */
function countPiece(piece: string): number {
  if (piece.length <= SHORT_MAX_CHARS) return countShort(piece, true);
  return prefetched.piece(piece) ?? countPieceUncached(piece);
}

export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length <= SHORT_MAX_CHARS) return countShort(text, false);
  // Texts past LONG_MAX_CHARS are not kept whole: one would crowd out the rest.
  const keep = text.length <= LONG_MAX_CHARS;
  const hit = keep ? longCache.get(text) : undefined;
  if (hit !== undefined) return hit;
  let n = prefetched.whole(text);
  if (n === undefined) {
    n = 0;
    for (const piece of countingPieces(text)) n += countPiece(piece);
  }
  if (keep) longCache.set(text, n);
  return n;
}

export interface TokenizedText {
  /** Token strings in order; each is whole characters, and they join to the input exactly. */
  readonly tokens: string[];
  /** Number of o200k token ids, before partial-character ids were merged. */
  readonly tokenIdCount: number;
}

/** UTF-8 bytes of the character at `i` of `text` (a lone surrogate encodes as U+FFFD: 3 bytes). */
function charBytes(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return 4;
  }
  return 3;
}

/**
 * Tokenizes `text` with o200k_base. Rather than decode each token's bytes, it walks the text's
 * characters by their UTF-8 lengths beside the tokens' byte lengths, and cuts the text where both
 * meet: a token that ends inside a character runs on into the next. So every piece is a slice of
 * the input (a lone surrogate stays as it came, where a decoder would make it U+FFFD). Throws if
 * the lengths disagree.
 */
export function tokenizeText(text: string): TokenizedText {
  const enc = o200k();
  const ids = enc.encode(text);
  const tokens: string[] = [];
  let char = 0;
  let from = 0;
  let walked = 0;
  let wanted = 0;
  for (const id of ids) {
    wanted += enc.tokenLength(id);
    while (walked < wanted && char < text.length) {
      const b = charBytes(text, char);
      walked += b;
      char += b === 4 ? 2 : 1;
    }
    if (walked === wanted) {
      tokens.push(text.slice(from, char));
      from = char;
    }
  }
  if (from !== text.length || walked !== wanted) {
    throw new Error(`tokenizeText: o200k tokens do not cover the input (${ids.length} ids, starts ${JSON.stringify(text.slice(0, 40))})`);
  }
  return { tokens, tokenIdCount: ids.length };
}

/**
 * Splits text into the token strings a provider would stream. A token that ends inside a
 * multi-byte character is merged with the next, so every piece is valid text and the pieces
 * join back to the input exactly.
 */
export function splitTokens(text: string): string[] {
  return tokenizeText(text).tokens;
}
