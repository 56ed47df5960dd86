/**
 * Seeded randomness. Every random choice in the simulator (corpus sampling, latencies, ids,
 * faults) draws from a `SeededRandom` derived from the run seed and something stable about the
 * request, so a run with the same seed and requests is the same run.
 */

/** 32-bit FNV-1a over a string's UTF-16 code units; stable across threads and runs. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** 32-bit FNV-1a over bytes. */
export function hashBytes(b: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < b.length; i++) {
    h ^= b[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Finalizer from murmur3: spreads the bits of a 32-bit value, so adjacent inputs give unrelated outputs. */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Combines two 32-bit values into one seed. */
export function combineSeeds(a: number, b: number): number {
  return mix32((a ^ mix32(b + 0x9e3779b9)) >>> 0);
}

const HEX_CODES = Buffer.from('0123456789abcdef', 'latin1');
const HEX_SCRATCH = Buffer.allocUnsafe(64);

/**
 * sfc32: small, fast and passes PractRand to 2^40+ bytes; state is four 32-bit integers, so
 * creating one per request is cheap. Every field is set in the constructor to keep it monomorphic.
 */
export class SeededRandom {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spareNormal: number;
  #hasSpare: boolean;

  constructor(seed: number) {
    this.#a = 0;
    this.#b = 0;
    this.#c = 0;
    this.#d = 0;
    this.#spareNormal = 0;
    this.#hasSpare = false;
    this.reseed(seed);
  }

  /** Starts over as `new SeededRandom(seed)` starts, without allocating one (a per-thread source reused per request). */
  reseed(seed: number): this {
    let a = 0x9e3779b9 | 0;
    let b = 0x243f6a88;
    let c = 0xb7e15162 | 0;
    let d = seed | 0;
    // Warm-up discards the first outputs, which correlate with the seed. The steps of
    // `nextUint32` in locals: this runs for every request, and field by field it cost 100 ns.
    for (let i = 0; i < 12; i++) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (((c << 21) | (c >>> 11)) + t) | 0;
    }
    this.#a = a;
    this.#b = b;
    this.#c = c;
    this.#d = d;
    this.#spareNormal = 0;
    this.#hasSpare = false;
    return this;
  }

  nextUint32(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.#c = (r + t) | 0;
    return t >>> 0;
  }

  /** An independent source in the same state: it draws what this one would draw next. */
  clone(): SeededRandom {
    const copy = new SeededRandom(0);
    copy.copyFrom(this);
    return copy;
  }

  /** Puts this source in `other`'s state (after a trial run on a clone is kept). */
  copyFrom(other: SeededRandom): void {
    this.#a = other.#a;
    this.#b = other.#b;
    this.#c = other.#c;
    this.#d = other.#d;
    this.#spareNormal = other.#spareNormal;
    this.#hasSpare = other.#hasSpare;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** `words` draws as 8·words lower-case hex digits, most significant first (ids like `req_<32 hex>`). */
  hex(words: number): string {
    const bytes = 8 * words <= HEX_SCRATCH.length ? HEX_SCRATCH : Buffer.allocUnsafe(8 * words);
    let at = 0;
    for (let i = 0; i < words; i++) {
      const u = this.nextUint32();
      for (let shift = 28; shift >= 0; shift -= 4) bytes[at++] = HEX_CODES[(u >>> shift) & 0xf]!;
    }
    // One flat string: appending per draw built a rope that lived as long as the id did.
    return bytes.toString('latin1', 0, at);
  }

  /** Standard normal (Box-Muller, caching the second value). */
  normal(): number {
    if (this.#hasSpare) {
      this.#hasSpare = false;
      return this.#spareNormal;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    this.#hasSpare = true;
    return r * Math.cos(2 * Math.PI * v);
  }
}
