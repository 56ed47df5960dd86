/**
 * The o200k_base byte-pair encoding over one flat, shared rank table.
 *
 * gpt-tokenizer keeps its 200,000 ranks as 200,000 strings, an array and a Map of them, and a
 * merge cache of up to 100,000 more arrays: about 21 MB of small objects in every thread that
 * counts. Every mark-compact of a server thread walks all of them, and each such pause holds every
 * stream the thread paces: with the tables loaded, a thread's mark-compact pauses ran 9–16 ms,
 * without them 4 ms (decision 0014). So the ranks live here as three typed arrays (the tokens'
 * bytes, their offsets by rank, and an open-addressed hash of the bytes), built once from
 * gpt-tokenizer's rank list on the main thread and shared with every thread, which the collector
 * never walks. The pre-tokenizer is gpt-tokenizer's own pattern and the merge is tiktoken's, so
 * counts and ids are the library's (`test/o200k.test.ts` compares them).
 */
import { createRequire } from 'node:module';
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { rankSource, readO200kTableFile, type RankSource } from './o200k-table-file.js';

/** The shared table, cloneable into `workerData` (the buffers are shared, not copied). */
export interface O200kTableData {
  /** Every token's bytes, in rank order. */
  readonly bytes: SharedArrayBuffer;
  /** Uint32 offsets into `bytes` by rank, one more than there are ranks. */
  readonly offsets: SharedArrayBuffer;
  /** Int32 open-addressed hash of the tokens' bytes: rank + 1, 0 for an empty slot. */
  readonly slots: SharedArrayBuffer;
}

// 2^19 slots for 200,000 ranks: under 40% full, so a probe rarely goes past its first slot.
export const SLOT_BITS = 19;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
const NO_RANK = 0x7fffffff;

/** FNV-1a over bytes[start, end), its high bits folded in (the table indexes by the low bits). */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return (h ^ (h >>> SLOT_BITS)) & SLOT_MASK;
}

/*
 * The pre-tokenizer. gpt-tokenizer's o200k pattern, run by V8's regex engine, is three quarters of
 * counting a prompt (33 of 45 µs for 600 characters): its Unicode property classes are slow to
 * match. Its alternatives, in order:
 *
 *   1. [^\r\n\p{L}\p{N}]? [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]* [\p{Ll}\p{Lm}\p{Lo}\p{M}]+ ('s|'t|'re|'ve|'m|'ll|'d)?
 *   2. [^\r\n\p{L}\p{N}]? [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+ [\p{Ll}\p{Lm}\p{Lo}\p{M}]* ('s|...)?
 *   3. \p{N}{1,3}
 *   4. ' '? [^\s\p{L}\p{N}]+ [\r\n/]*
 *   5. \s* [\r\n]+
 *   6. \s+ (?!\S)
 *   7. \s+
 *
 * Every position starts a match, so the pieces tile the text. Over ASCII the classes are simple
 * (no titlecase, modifier or other letters, no marks, so the two letter classes are disjoint and
 * no backtracking succeeds), and `asciiPieceEnd` finds the same piece with a table lookup per
 * character. Where it would have to look at a character past ASCII, it gives up and that piece is
 * matched by the pattern itself, sticky at the same position.
 */
const PIECE = new RegExp(O200K_TOKEN_SPLIT_REGEX.source, 'uy');

/*
 * Classes of ASCII characters, computed by testing each one against the pattern's classes (as the
 * pattern writes them). The order of the alternatives is in the code below: `test/o200k.test.ts`
 * fails if a gpt-tokenizer upgrade changes the pattern, and compares pieces on seeded texts.
 */
const UPPER = 1; // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
const LOWER = 2; // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
const DIGIT = 4; // \p{N}
const SPACE = 8; // \s
const NEWLINE = 16; // [\r\n]
const OTHER = 32; // [^\s\p{L}\p{N}]
const PREFIX = 64; // [^\r\n\p{L}\p{N}]
const ASCII_CLASS = Uint8Array.from({ length: 128 }, (_, c) => {
  const ch = String.fromCharCode(c);
  const is = (re: RegExp): boolean => re.test(ch);
  return (
    (is(/[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]/u) ? UPPER : 0) |
    (is(/[\p{Ll}\p{Lm}\p{Lo}\p{M}]/u) ? LOWER : 0) |
    (is(/\p{N}/u) ? DIGIT : 0) |
    (is(/\s/u) ? SPACE : 0) |
    (is(/[\r\n]/u) ? NEWLINE : 0) |
    (is(/[^\s\p{L}\p{N}]/u) ? OTHER : 0) |
    (is(/[^\r\n\p{L}\p{N}]/u) ? PREFIX : 0)
  );
});
/** Past the end of the text: no class. */
const END = 0;
/** A character past ASCII: in no class either, so a run stops there, and the piece is left to the pattern. */
const BEYOND = 128;
/** What `asciiPieceEnd` returns when it cannot decide without a character past ASCII. */
const GIVE_UP = -1;

/** The class of text[i]: END past the end, BEYOND at or after `ascii` (where ASCII stops). */
function classAt(text: string, i: number, ascii: number): number {
  if (i >= text.length) return END;
  return i >= ascii ? BEYOND : ASCII_CLASS[text.charCodeAt(i)]!;
}

/** The index of the first character past ASCII at or after `from`, or the text's length. */
function asciiUntil(text: string, from: number): number {
  let i = from;
  while (i < text.length && text.charCodeAt(i) < 0x80) i++;
  return i;
}

/** Where an optional contraction ('s, 't, 're, 've, 'm, 'll, 'd, either case) after a letter run at `at` ends. */
function contractionEnd(text: string, at: number): number {
  if (text.charCodeAt(at) !== 0x27) return at;
  const a = text.charCodeAt(at + 1) | 0x20;
  if (a === 0x73 || a === 0x74 || a === 0x6d || a === 0x64) return at + 2; // s t m d
  const b = text.charCodeAt(at + 2) | 0x20;
  if ((a === 0x6c && b === 0x6c) || ((a === 0x76 || a === 0x72) && b === 0x65)) return at + 3; // ll ve re
  return at;
}

/** Alternatives 1 and 2 from `s` (after any prefix): the end of the letters and contraction, `s` if none, or GIVE_UP. */
function lettersEnd(text: string, s: number, ascii: number): number {
  let q = s;
  let k: number;
  while ((k = classAt(text, q, ascii)) & UPPER) q++;
  if (k === BEYOND) return GIVE_UP;
  if (k & LOWER) {
    // 1: the upper run, then the lower one.
    let r = q + 1;
    while ((k = classAt(text, r, ascii)) & LOWER) r++;
    return k === BEYOND ? GIVE_UP : contractionEnd(text, r);
  }
  // 2: an upper run with no lower letter after it.
  return q > s ? contractionEnd(text, q) : s;
}

/** The end of the piece that starts at `p` (text[p] is ASCII), or GIVE_UP if deciding it needs a character past ASCII. */
function asciiPieceEnd(text: string, p: number, ascii: number): number {
  const c = ASCII_CLASS[text.charCodeAt(p)]!;
  if (c & (UPPER | LOWER)) return lettersEnd(text, p, ascii);
  if (c & PREFIX) {
    const e = lettersEnd(text, p + 1, ascii);
    if (e !== p + 1) return e; // letters after the prefix, or GIVE_UP
  }
  if (c & DIGIT) {
    let q = p + 1;
    let k = 0;
    while (q < p + 3 && (k = classAt(text, q, ascii)) & DIGIT) q++;
    return k === BEYOND ? GIVE_UP : q;
  }
  // 4: an optional space, then other characters, then any line breaks and slashes.
  let t = -1;
  if (c & OTHER) t = p;
  else if (text.charCodeAt(p) === 0x20) {
    const next = classAt(text, p + 1, ascii);
    if (next === BEYOND) return GIVE_UP;
    if (next & OTHER) t = p + 1;
  }
  if (t >= 0) {
    let k: number;
    while ((k = classAt(text, t, ascii)) & OTHER) t++;
    if (k === BEYOND) return GIVE_UP;
    for (let ch = text.charCodeAt(t); ch === 0x0d || ch === 0x0a || ch === 0x2f; ch = text.charCodeAt(++t));
    return t;
  }
  // 5 to 7: whitespace (every ASCII character is in one of the classes above or this one).
  let q = p;
  let lastBreak = -1;
  let k: number;
  while ((k = classAt(text, q, ascii)) & SPACE) {
    if (k & NEWLINE) lastBreak = q;
    q++;
  }
  if (k === BEYOND) return GIVE_UP;
  if (lastBreak >= 0) return lastBreak + 1; // 5: up to the last line break
  if (q === text.length) return q; // 6: all of it at the end of the text
  return q - p >= 2 ? q - 1 : q; // 6: all but the last, which goes with what follows; 7: the one
}

/** Builds the table from a rank list as gpt-tokenizer ships it (a string or the bytes of each rank). */
export function buildO200kTable(ranks: readonly (string | readonly number[] | undefined)[]): O200kTableData {
  const lengths = ranks.map((r) => (r === undefined ? 0 : typeof r === 'string' ? Buffer.byteLength(r, 'utf8') : r.length));
  const total = lengths.reduce((n, len) => n + len, 0);
  const data: O200kTableData = {
    bytes: new SharedArrayBuffer(total),
    offsets: new SharedArrayBuffer(4 * (ranks.length + 1)),
    slots: new SharedArrayBuffer(4 << SLOT_BITS),
  };
  const bytes = Buffer.from(data.bytes);
  const offsets = new Uint32Array(data.offsets);
  const slots = new Int32Array(data.slots);
  let at = 0;
  ranks.forEach((r, rank) => {
    offsets[rank] = at;
    if (r === undefined) return; // a hole in the rank list: never matched
    if (typeof r === 'string') bytes.write(r, at, 'utf8');
    else bytes.set(r, at);
    const end = at + lengths[rank]!;
    let h = hashBytes(bytes, at, end);
    while (slots[h] !== 0) h = (h + 1) & SLOT_MASK;
    slots[h] = rank + 1;
    at = end;
  });
  offsets[ranks.length] = at;
  return data;
}

/** The end of the pre-token that starts at `p`; `ascii` is where ASCII stops at or after p. */
function pieceEnd(text: string, p: number, ascii: number): number {
  const end = p < ascii ? asciiPieceEnd(text, p, ascii) : GIVE_UP;
  if (end !== GIVE_UP) return end;
  PIECE.lastIndex = p;
  return p + PIECE.exec(text)![0].length;
}

/** Pieces longer than this (in bytes) merge through the heap. */
const LONG_PIECE_BYTES = 128;
/** The UTF-8 scratch for one piece: grown for a longer one, and given back after a text past the kept size. */
const SCRATCH_BYTES = 1024;
const MAX_KEPT_SCRATCH_BYTES = 64 * 1024;

/**
 * A binary min-heap of pairs keyed by rank then start byte, in one Float64Array (rank × 2^32 +
 * start is exact in a double), with each entry's version beside it.
 */
class PairHeap {
  readonly #keys: Float64Array;
  readonly #versions: Int32Array;
  size = 0;

  /** Room for a piece of `n` bytes: its first pairs, then at most two per merge. */
  constructor(n: number) {
    this.#keys = new Float64Array(3 * n + 1);
    this.#versions = new Int32Array(3 * n + 1);
  }

  /** Pushes a pair; one that is no token (NO_RANK) can never merge and is left out. */
  push(rank: number, start: number, version: number): void {
    if (rank === NO_RANK) return;
    const keys = this.#keys;
    const versions = this.#versions;
    const key = rank * 0x100000000 + start;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! <= key) break;
      keys[i] = keys[parent]!;
      versions[i] = versions[parent]!;
      i = parent;
    }
    keys[i] = key;
    versions[i] = version;
  }

  topStart(): number {
    return this.#keys[0]! % 0x100000000;
  }

  topVersion(): number {
    return this.#versions[0]!;
  }

  pop(): void {
    const keys = this.#keys;
    const versions = this.#versions;
    const last = --this.size;
    const key = keys[last]!;
    const version = versions[last]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && keys[child + 1]! < keys[child]!) child++;
      if (keys[child]! >= key) break;
      keys[i] = keys[child]!;
      versions[i] = versions[child]!;
      i = child;
    }
    keys[i] = key;
    versions[i] = version;
  }
}

export class O200k {
  readonly #bytes: Uint8Array;
  readonly #offsets: Uint32Array;
  readonly #slots: Int32Array;
  readonly #utf8 = new TextEncoder();
  // Scratch for one pre-token: its UTF-8 bytes, its parts' starts and the rank of each pair of parts.
  #piece = new Uint8Array(SCRATCH_BYTES);
  readonly #starts = new Int32Array(LONG_PIECE_BYTES + 1);
  readonly #pairRanks = new Int32Array(LONG_PIECE_BYTES + 1);

  constructor(data: O200kTableData) {
    this.#bytes = new Uint8Array(data.bytes);
    this.#offsets = new Uint32Array(data.offsets);
    this.#slots = new Int32Array(data.slots);
  }

  /** Number of ranks (token ids) the table holds. */
  get size(): number {
    return this.#offsets.length - 1;
  }

  /** Tokens in `text`, special-token strings counted as ordinary text (tiktoken's `encode_ordinary`). */
  count(text: string): number {
    return this.#encodeText(text, null);
  }

  /** Token ids of `text`, special-token strings encoded as ordinary text. */
  encode(text: string): number[] {
    const ids: number[] = [];
    this.#encodeText(text, ids);
    return ids;
  }

  /** The pre-tokens of `text`, as the o200k pattern splits it (for tests). */
  pieces(text: string): string[] {
    const out: string[] = [];
    for (let p = 0, ascii = -1; p < text.length; ) {
      if (ascii < p) ascii = asciiUntil(text, p);
      const end = pieceEnd(text, p, ascii);
      out.push(text.slice(p, end));
      p = end;
    }
    return out;
  }

  #encodeText(text: string, out: number[] | null): number {
    let n = 0;
    for (let p = 0, ascii = -1; p < text.length; ) {
      if (ascii < p) ascii = asciiUntil(text, p);
      const end = pieceEnd(text, p, ascii);
      n += this.#encodePiece(text, p, end, out);
      p = end;
    }
    // One huge piece should not keep its scratch for the thread's life.
    if (this.#piece.length > MAX_KEPT_SCRATCH_BYTES) this.#piece = new Uint8Array(SCRATCH_BYTES);
    return n;
  }

  /** The bytes of token `id` (a view of the shared table: read, never write), or undefined if there is no such token. */
  tokenBytes(id: number): Uint8Array | undefined {
    if (!Number.isInteger(id) || id < 0 || id >= this.size) return undefined;
    const from = this.#offsets[id]!;
    const to = this.#offsets[id + 1]!;
    return to === from ? undefined : this.#bytes.subarray(from, to);
  }

  /** The length in bytes of token `id` (0 if there is no such token). */
  tokenLength(id: number): number {
    // `>>> 0` keeps integers below 2^32 as they are and changes anything else.
    return id >>> 0 === id && id < this.size ? this.#offsets[id + 1]! - this.#offsets[id]! : 0;
  }

  /** The rank of piece[start, end), or NO_RANK. */
  #rank(start: number, end: number): number {
    return this.#find(hashBytes(this.#piece, start, end), start, end - start);
  }

  /** The rank whose bytes are piece[start, start + len), probing from slot `h`, or NO_RANK. */
  #find(h: number, start: number, len: number): number {
    const piece = this.#piece;
    const bytes = this.#bytes;
    const offsets = this.#offsets;
    const slots = this.#slots;
    for (; ; h = (h + 1) & SLOT_MASK) {
      const slot = slots[h]!;
      if (slot === 0) return NO_RANK;
      const rank = slot - 1;
      const at = offsets[rank]!;
      if (offsets[rank + 1]! - at !== len) continue;
      let i = 0;
      while (i < len && bytes[at + i] === piece[start + i]) i++;
      if (i === len) return rank;
    }
  }

  /** Encodes one pre-token, pushing its ids to `out` when given; returns how many there are. */
  #encodePiece(text: string, start: number, end: number, out: number[] | null): number {
    if ((end - start) * 3 > this.#piece.length) this.#grow((end - start) * 3);
    const piece = this.#piece;
    // Most pre-tokens are ASCII: copy and hash them in one pass, as hashBytes would.
    let n = 0;
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        n = -1;
        break;
      }
      piece[n++] = c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    let whole: number;
    if (n >= 0) {
      whole = this.#find((h ^ (h >>> SLOT_BITS)) & SLOT_MASK, 0, n);
    } else {
      n = this.#utf8.encodeInto(text.slice(start, end), piece).written;
      whole = this.#rank(0, n);
    }
    if (whole !== NO_RANK) {
      out?.push(whole);
      return 1;
    }
    return this.#merge(n, out);
  }

  /**
   * tiktoken's merge: start from single bytes, and merge the adjacent pair of lowest rank (the
   * leftmost of equals) until no pair is a token. This form scans every pair for each merge,
   * quadratic in the pre-token's length and the fastest for the short pieces nearly all text
   * is made of; a longer one goes to `#mergeLong`.
   */
  #merge(n: number, out: number[] | null): number {
    if (n > LONG_PIECE_BYTES) return this.#mergeLong(n, out);
    const starts = this.#starts;
    const ranks = this.#pairRanks;
    // Parts are starts[0, parts - 1); starts[parts - 1] === n closes the last one.
    let parts = n + 1;
    for (let i = 0; i <= n; i++) starts[i] = i;
    for (let i = 0; i < n - 1; i++) ranks[i] = this.#rank(i, i + 2);
    ranks[n - 1] = NO_RANK;
    for (;;) {
      let best = NO_RANK;
      let at = -1;
      for (let i = 0; i < parts - 2; i++) {
        if (ranks[i]! < best) {
          best = ranks[i]!;
          at = i;
        }
      }
      if (at < 0) break;
      starts.copyWithin(at + 1, at + 2, parts);
      ranks.copyWithin(at + 1, at + 2, parts - 1);
      parts--;
      ranks[at] = at + 2 < parts ? this.#rank(starts[at]!, starts[at + 2]!) : NO_RANK;
      if (at > 0) ranks[at - 1] = this.#rank(starts[at - 1]!, starts[at + 1]!);
    }
    if (out !== null) for (let i = 0; i < parts - 1; i++) out.push(this.#rank(starts[i]!, starts[i + 1]!));
    return parts - 1;
  }

  /**
   * The same merge in O(n log n), for long pieces: nothing bounds a run of whitespace (64,000
   * spaces took the quadratic form 3.8 s, and a request body can hold far more). Parts are a
   * linked list by start byte; a binary heap holds (rank, start) of every pair, so the smallest
   * key is the lowest rank and, among equals, the leftmost pair, as in the scan. A pair whose
   * parts changed since it was pushed is stale (its start's version moved on) and skipped.
   */
  #mergeLong(n: number, out: number[] | null): number {
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const version = new Int32Array(n);
    const heap = new PairHeap(n);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1;
      prev[i] = i - 1;
      if (i + 2 <= n) heap.push(this.#rank(i, i + 2), i, 0);
    }
    let parts = n;
    while (heap.size > 0) {
      const at = heap.topStart();
      const seen = heap.topVersion();
      heap.pop();
      if (seen !== version[at]) continue;
      // Part `at` takes in the part after it.
      const gone = next[at]!;
      const after = next[gone]!;
      next[at] = after;
      if (after < n) prev[after] = at;
      version[gone]!++;
      parts--;
      version[at]++;
      if (after < n) heap.push(this.#rank(at, next[after]!), at, version[at]);
      if (at > 0) {
        const before = prev[at]!;
        version[before]!++;
        heap.push(this.#rank(before, after), before, version[before]!);
      }
    }
    if (out !== null) for (let i = 0; i < n; i = next[i]!) out.push(this.#rank(i, next[i]!));
    return parts;
  }

  #grow(min: number): void {
    let size = this.#piece.length;
    while (size < min) size *= 2;
    this.#piece = new Uint8Array(size);
  }
}

let shared: O200kTableData | null = null;
let instance: O200k | null = null;
/** Where this thread's table came from, for the start's debug line. */
export type O200kTableOrigin = 'installed' | 'file' | 'ranks';
let origin: O200kTableOrigin | null = null;

/**
 * Takes the table the main thread built: a server or pool thread calls this before it counts, so
 * it never loads gpt-tokenizer's rank list itself.
 */
export function installO200kTable(data: O200kTableData): void {
  shared = data;
  origin = 'installed';
  instance = new O200k(data);
}

/** Builds the table from gpt-tokenizer's rank list (what the build writes to the table file). */
export function buildO200kTableFromRanks(source: RankSource = rankSource()): O200kTableData {
  const require = createRequire(import.meta.url);
  const table = buildO200kTable((require(source.path) as { default: (string | number[])[] }).default);
  // The list is garbage once the table is built: let the collector have it.
  delete require.cache[source.path];
  return table;
}

/**
 * The table this thread uses: the one installed, else the build's table file, else built from
 * gpt-tokenizer's rank list (a checkout built without the file, or with another gpt-tokenizer).
 */
export function o200kTableData(): O200kTableData {
  if (shared === null) {
    const source = rankSource();
    shared = readO200kTableFile(source, SLOT_BITS);
    origin = 'file';
    if (shared === null) {
      shared = buildO200kTableFromRanks(source);
      origin = 'ranks';
    }
  }
  return shared;
}

/** Where the table came from (null before it is needed). */
export function o200kTableOrigin(): O200kTableOrigin | null {
  return origin;
}

/** This thread's encoder. */
export function o200k(): O200k {
  instance ??= new O200k(o200kTableData());
  return instance;
}
