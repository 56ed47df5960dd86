/**
 * Admission against the configured rate limits, exact across server threads, and the
 * rate-limit headers each provider sends with every response.
 *
 * Buckets live in one SharedArrayBuffer: a table of slots keyed by a 64-bit hash of
 * (API key, model), claimed with compare-and-swap, each slot holding one GCRA state per
 * dimension. A full table degrades to one shared overflow slot rather than failing.
 */
import type { Clock } from '../timing/clock.js';
import { hashString } from '../timing/random.js';
import { admitShared, refundShared, type Decision, type Limit } from './gcra.js';
import { limitsFor, type ModelLimits, type QuotaDimension, type QuotaTable } from './limits.js';
import { goDuration, rfc3339After } from './rate-headers.js';

export type QuotaDialect = 'openai' | 'anthropic' | 'gemini';

/** Dimensions each provider limits, in the order they are checked. */
const DIALECT_DIMENSIONS: Readonly<Record<QuotaDialect, readonly QuotaDimension[]>> = {
  openai: ['requests', 'tokens'],
  anthropic: ['requests', 'input_tokens', 'output_tokens'],
  gemini: ['requests', 'tokens'],
};

const DIMENSION_INDEX: Readonly<Record<QuotaDimension, number>> = { requests: 0, tokens: 1, input_tokens: 2, output_tokens: 3 };
const SLOT_CELLS = 4;
const SLOTS = 4096;
const WINDOW_MS = 60_000;
const KNOWN_LIMIT = 10_000;

export interface QuotaRequest {
  readonly dialect: QuotaDialect;
  readonly apiKey: string;
  readonly model: string;
  readonly inputTokens: number;
  /** The output the request may produce (max_tokens, or the provider's estimate). */
  readonly maxOutputTokens: number;
}

interface Decided {
  readonly dimension: QuotaDimension;
  readonly limit: Limit;
  readonly cost: number;
  readonly decision: Decision;
}

export interface QuotaRejection {
  readonly dimension: QuotaDimension;
  readonly limit: number;
  readonly requested: number;
  /** Units in use in the window (limit minus remaining). */
  readonly used: number;
  readonly retryAfterMs: number;
}

export interface QuotaOutcome {
  /** Null when admitted. */
  readonly rejection: QuotaRejection | null;
  /** The provider's rate-limit headers for this response (flat name, value list). */
  readonly headers: string[];
}

/** Shared memory for the buckets; allocate once in the main thread. */
export function allocateQuotaMemory(): SharedArrayBuffer {
  // Per slot: two Int32 words of key hash (in a separate view) and four BigInt64 states.
  return new SharedArrayBuffer(SLOTS * 8 + SLOTS * SLOT_CELLS * 8);
}

function cost(dimension: QuotaDimension, req: QuotaRequest): number {
  switch (dimension) {
    case 'requests':
      return 1;
    case 'tokens':
      return req.inputTokens + req.maxOutputTokens;
    case 'input_tokens':
      return req.inputTokens;
    case 'output_tokens':
      return req.maxOutputTokens;
  }
}

function capacity(limits: ModelLimits, dimension: QuotaDimension): number | undefined {
  switch (dimension) {
    case 'requests':
      return limits.requestsPerMinute;
    case 'tokens':
      return limits.tokensPerMinute;
    case 'input_tokens':
      return limits.inputTokensPerMinute;
    case 'output_tokens':
      return limits.outputTokensPerMinute;
  }
}

/** Limit, remaining and reset header names per dimension, built once rather than per response. */
const OPENAI_HEADER_NAMES: Readonly<Record<QuotaDimension, readonly [string, string, string]>> = {
  requests: ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'],
  tokens: ['x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
  input_tokens: ['x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
  output_tokens: ['x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
};
const ANTHROPIC_HEADER_NAMES: Readonly<Record<QuotaDimension, readonly [string, string, string]>> = {
  requests: ['anthropic-ratelimit-requests-limit', 'anthropic-ratelimit-requests-remaining', 'anthropic-ratelimit-requests-reset'],
  tokens: ['anthropic-ratelimit-output-tokens-limit', 'anthropic-ratelimit-output-tokens-remaining', 'anthropic-ratelimit-output-tokens-reset'],
  input_tokens: ['anthropic-ratelimit-input-tokens-limit', 'anthropic-ratelimit-input-tokens-remaining', 'anthropic-ratelimit-input-tokens-reset'],
  output_tokens: ['anthropic-ratelimit-output-tokens-limit', 'anthropic-ratelimit-output-tokens-remaining', 'anthropic-ratelimit-output-tokens-reset'],
};

export class QuotaEngine {
  readonly #keys: Int32Array;
  readonly #cells: BigInt64Array;
  readonly #table: QuotaTable;
  readonly #clock: Clock;
  /** Epoch ms at the clock's zero, so shared TATs are comparable across threads. */
  readonly #epochOffsetMs: number;
  /** Per (key, model): the bucket slot and limits, so a repeat caller costs one Map lookup. */
  readonly #known: Map<string, { slot: number; limits: ModelLimits }>;
  /** This admission's decisions, reused across requests (a thread admits one request at a time). */
  readonly #decided: Decided[];
  readonly #limits: Map<number, Limit>;
  readonly #capacityTexts: Map<number, string>;
  #lastKey: string;
  #lastModel: string;
  #lastBucket: { slot: number; limits: ModelLimits } | null;

  constructor(memory: SharedArrayBuffer, table: QuotaTable, clock: Clock, epochNowMs: () => number = Date.now) {
    this.#keys = new Int32Array(memory, 0, SLOTS * 2);
    this.#cells = new BigInt64Array(memory, SLOTS * 8, SLOTS * SLOT_CELLS);
    this.#table = table;
    this.#clock = clock;
    this.#epochOffsetMs = epochNowMs() - clock.now();
    this.#known = new Map();
    this.#decided = [];
    this.#limits = new Map();
    this.#capacityTexts = new Map();
    this.#lastKey = '';
    this.#lastModel = '';
    this.#lastBucket = null;
  }

  #bucket(apiKey: string, model: string): { slot: number; limits: ModelLimits } {
    // A load test sends one key and model over and over: the last pair skips the key string and the Map.
    if (apiKey === this.#lastKey && model === this.#lastModel && this.#lastBucket !== null) return this.#lastBucket;
    const b = this.#bucketFor(apiKey, model);
    this.#lastKey = apiKey;
    this.#lastModel = model;
    this.#lastBucket = b;
    return b;
  }

  #bucketFor(apiKey: string, model: string): { slot: number; limits: ModelLimits } {
    const id = `${apiKey}\u0000${model}`;
    let b = this.#known.get(id);
    if (b === undefined) {
      b = { slot: this.#slot(id), limits: limitsFor(this.#table, model) };
      // Keys and models come from clients: the cache is bounded.
      if (this.#known.size < KNOWN_LIMIT) this.#known.set(id, b);
    }
    return b;
  }

  /** Slot index for a key; claims an empty slot with CAS, probing linearly. */
  #slot(id: string): number {
    // Zero marks an empty slot, so hashes are forced odd.
    const a = hashString(id) | 1;
    const b = hashString(id, 0x5bd1e995) | 1;
    const start = (a >>> 0) % (SLOTS - 1);
    for (let probe = 0; probe < 64; probe++) {
      const slot = (start + probe) % (SLOTS - 1);
      const at = slot * 2;
      const seen = Atomics.compareExchange(this.#keys, at, 0, a);
      if (seen === 0) {
        Atomics.store(this.#keys, at + 1, b);
        return slot;
      }
      if (seen === a) {
        // The claimant may not have written the second word yet; wait for it.
        let second = Atomics.load(this.#keys, at + 1);
        while (second === 0) second = Atomics.load(this.#keys, at + 1);
        if (second === b) return slot;
      }
    }
    return SLOTS - 1;
  }

  admit(req: QuotaRequest): QuotaOutcome {
    const { slot, limits } = this.#bucket(req.apiKey, req.model);
    const nowUs = (this.#clock.now() + this.#epochOffsetMs) * 1000;
    const dims = DIALECT_DIMENSIONS[req.dialect];
    const decided = this.#decided;
    decided.length = 0;
    for (let i = 0; i < dims.length; i++) {
      const dimension = dims[i]!;
      const cap = capacity(limits, dimension);
      if (cap === undefined) continue;
      const limit = this.#limit(cap);
      const c = cost(dimension, req);
      const decision = admitShared(this.#cells, slot * SLOT_CELLS + DIMENSION_INDEX[dimension], nowUs, c, limit);
      if (!decision.admitted) {
        // A refusal on one dimension takes back the charges already made on the others.
        for (const d of decided) refundShared(this.#cells, slot * SLOT_CELLS + DIMENSION_INDEX[d.dimension], nowUs, d.cost, d.limit);
        decided.push({ dimension, limit, cost: c, decision });
        const rejection: QuotaRejection = { dimension, limit: cap, requested: c, used: cap - decision.remaining, retryAfterMs: decision.retryAfterMs };
        return { rejection, headers: this.#headers(req.dialect, decided, rejection) };
      }
      decided.push({ dimension, limit, cost: c, decision });
    }
    return { rejection: null, headers: this.#headers(req.dialect, decided, null) };
  }

  /** A limit's header value, formatted once per capacity: it goes out on every response. */
  #capacityText(cap: number): string {
    let text = this.#capacityTexts.get(cap);
    if (text === undefined) this.#capacityTexts.set(cap, (text = String(cap)));
    return text;
  }

  /** Limits are shared objects per capacity, so admission allocates none. */
  #limit(cap: number): Limit {
    let l = this.#limits.get(cap);
    if (l === undefined) this.#limits.set(cap, (l = { capacity: cap, windowMs: WINDOW_MS }));
    return l;
  }

  #headers(dialect: QuotaDialect, decided: readonly Decided[], rejection: QuotaRejection | null): string[] {
    const out: string[] = [];
    if (dialect === 'openai') {
      for (const d of decided) {
        const names = OPENAI_HEADER_NAMES[d.dimension];
        out.push(names[0], this.#capacityText(d.limit.capacity), names[1], String(d.decision.remaining), names[2], goDuration(d.decision.resetMs));
      }
    } else if (dialect === 'anthropic') {
      const now = this.#clock.now() + this.#epochOffsetMs;
      for (const d of decided) {
        const names = ANTHROPIC_HEADER_NAMES[d.dimension];
        out.push(names[0], this.#capacityText(d.limit.capacity), names[1], String(d.decision.remaining), names[2], rfc3339After(now, d.decision.resetMs));
      }
    }
    if (rejection !== null && Number.isFinite(rejection.retryAfterMs)) {
      out.push('retry-after', String(Math.max(1, Math.ceil(rejection.retryAfterMs / 1000))), 'retry-after-ms', String(Math.ceil(rejection.retryAfterMs)));
    }
    return out;
  }

}
