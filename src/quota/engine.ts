/**
 * Admission against the configured rate limits, exact across server threads, and the
 * rate-limit headers each provider sends with every response.
 *
 * Buckets live in one SharedArrayBuffer: a table of slots keyed by a 64-bit hash of
 * (API key, model), claimed with compare-and-swap, each slot holding one GCRA state per
 * dimension under one lock, so a request is charged on every dimension or on none. A full
 * table degrades to one shared overflow slot rather than failing.
 *
 * Anthropic charges max_tokens against its output-token limits when a request starts and corrects
 * the charge to the output actually produced when it ends: an admission returns an `OutputHold`
 * that gives the unused part back then.
 */
import type { Clock } from '../timing/clock.js';
import { hashString } from '../timing/random.js';
import { DecisionSlot, gcraStep, SharedBuckets, type Limit } from './gcra.js';
import { familyOf, limitsFor, type ModelLimits, type QuotaDimension, type QuotaTable } from './limits.js';
import { goDuration, rfc3339After } from './rate-headers.js';

export type QuotaDialect = 'openai' | 'anthropic' | 'gemini';

/** Dimensions each provider limits, in the order they are checked. */
const DIALECT_DIMENSIONS: Readonly<Record<QuotaDialect, readonly QuotaDimension[]>> = {
  openai: ['requests', 'tokens'],
  // `tokens` is a limit on input and output together (Anthropic's before it split them), so a
  // tokensPerMinute that reaches a Claude model limits it rather than nothing.
  anthropic: ['requests', 'tokens', 'input_tokens', 'output_tokens'],
  gemini: ['requests', 'tokens'],
};

const DIMENSION_INDEX: Readonly<Record<QuotaDimension, number>> = { requests: 0, tokens: 1, input_tokens: 2, output_tokens: 3 };
const SLOT_CELLS = 4;
/**
 * Buckets in shared memory, 44 bytes each (2.9 MB). A pair that finds no free slot within its
 * probes shares the last one with every other such pair: a load test with a key per tenant
 * filled 4,096 slots at about 3,400 tenants, and the rest then throttled one another.
 */
const SLOTS = 65_536;
/** (API key, model) pairs the table keeps apart (half the slots, where probes stay short); README promises this many. */
export const QUOTA_BUCKET_PAIRS = 32_768;
const WINDOW_MS = 60_000;
const KNOWN_LIMIT = 10_000;

export interface QuotaRequest {
  readonly dialect: QuotaDialect;
  readonly apiKey: string;
  /** The model whose bucket the request spends (the dated id an alias serves). */
  readonly model: string;
  /** The name the client sent, where it is not `model`: a limit written for it applies too. */
  readonly alias?: string | undefined;
  readonly inputTokens: number;
  /** The output the request may produce (max_tokens, or the provider's estimate). */
  readonly maxOutputTokens: number;
}

/** How a dimension charges a request. */
type Charge = 'request' | 'input_and_output' | 'input' | 'output';

/**
 * One limited dimension of a bucket for one dialect, resolved once per (key, model, dialect):
 * where its state lives, what it allows, and its header names and limit value, so admitting a
 * request resolves nothing by name.
 */
interface DimensionPlan {
  readonly dimension: QuotaDimension;
  readonly charge: Charge;
  /** The dimension's state within its bucket's slot. */
  readonly cell: number;
  readonly limit: Limit;
  /**
   * The limit, remaining and reset headers as one pair (the exchange writes `name: value`
   * verbatim, so the value carries the next two lines): `limitName`, then a value of `valueHead`,
   * the remaining count, `resetLead` and the reset. '' where the provider sends none (Gemini).
   */
  readonly limitName: string;
  readonly valueHead: string;
  readonly resetLead: string;
}

/** The cells of a bucket whose charge for max_tokens is corrected at the end, and each one's refill interval. */
export interface OutputCells {
  readonly cells: readonly number[];
  /** µs per token. */
  readonly intervalsUs: readonly number[];
}

interface Bucket {
  readonly slot: number;
  readonly limits: ModelLimits;
  readonly plans: { [D in QuotaDialect]?: readonly DimensionPlan[] };
  /** Per dialect: null where no charge is corrected (OpenAI, Gemini, or no output limit). */
  readonly outputCells: { [D in QuotaDialect]?: OutputCells | null };
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
  /** The provider's rate-limit headers for this response (flat name, value list; see `JsonReply.headers`). */
  readonly headers: string[];
  /** What the admitted request reserved of an output limit that is corrected at its end; null for none. */
  readonly hold: OutputHold | null;
}

/**
 * The max_tokens an admitted Anthropic request holds of its output-token limits (and of a
 * `tokens` limit, which counts output too) while its answer is produced. Anthropic estimates
 * the output from max_tokens at the start and adjusts it to the output actually used at the end,
 * so requests running together see one another's whole reservations, and a finished one costs
 * what it produced.
 */
export class OutputHold {
  readonly #engine: QuotaEngine;
  readonly slot: number;
  /** The memory's generation at admission: buckets emptied for new limits since take nothing back. */
  readonly generation: number;
  /** Tokens reserved: max_tokens. */
  readonly reserved: number;
  readonly cells: OutputCells;

  constructor(engine: QuotaEngine, slot: number, generation: number, reserved: number, cells: OutputCells) {
    this.#engine = engine;
    this.slot = slot;
    this.generation = generation;
    this.reserved = reserved;
    this.cells = cells;
  }

  /** Once, when the answer ends (finished, sent, cut or left): keeps `produced` tokens charged and gives back the rest. */
  settle(produced: number): void {
    this.#engine.giveBack(this, produced);
  }
}

/** Per slot, two Int32 words of key hash, ahead of the buckets. */
const KEY_TABLE_BYTES = SLOTS * 8;
/** After the buckets: one Int32 counting the resets, so a reservation outliving its buckets is not given back to new ones. */
const GENERATION_OFFSET = KEY_TABLE_BYTES + SharedBuckets.bytes(SLOTS, SLOT_CELLS);

/** Shared memory for the buckets; allocate once in the main thread. */
export function allocateQuotaMemory(epochNowMs: number = Date.now()): SharedArrayBuffer {
  const memory = new SharedArrayBuffer(GENERATION_OFFSET + 8);
  SharedBuckets.init(memory, KEY_TABLE_BYTES, epochNowMs);
  return memory;
}

/**
 * Fresh buckets for new limits, the memory's epoch kept (see `SharedBuckets.clear`); in the main
 * thread, while server threads go on admitting. The key table stays: a key holds no charge, and
 * its two words are claimed one after the other, so zeroing them mid-claim could leave a first word
 * without its second, on which every later lookup of that key would spin for good.
 */
export function resetQuotaMemory(memory: SharedArrayBuffer): void {
  // A request admitted before this was charged to the buckets about to be emptied: it must not give
  // back to the fresh ones. The generation moves first: a give-back checks it under the slot's
  // lock, so one that saw the old generation lands before the slot is cleared, never after.
  Atomics.add(new Int32Array(memory, GENERATION_OFFSET, 1), 0, 1);
  SharedBuckets.clear(memory, KEY_TABLE_BYTES, SLOTS, SLOT_CELLS);
}

const CHARGE: Readonly<Record<QuotaDimension, Charge>> = { requests: 'request', tokens: 'input_and_output', input_tokens: 'input', output_tokens: 'output' };

function cost(charge: Charge, req: QuotaRequest): number {
  switch (charge) {
    case 'request':
      return 1;
    case 'input_and_output':
      return req.inputTokens + req.maxOutputTokens;
    case 'input':
      return req.inputTokens;
    case 'output':
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
  tokens: ['anthropic-ratelimit-tokens-limit', 'anthropic-ratelimit-tokens-remaining', 'anthropic-ratelimit-tokens-reset'],
  input_tokens: ['anthropic-ratelimit-input-tokens-limit', 'anthropic-ratelimit-input-tokens-remaining', 'anthropic-ratelimit-input-tokens-reset'],
  output_tokens: ['anthropic-ratelimit-output-tokens-limit', 'anthropic-ratelimit-output-tokens-remaining', 'anthropic-ratelimit-output-tokens-reset'],
};

export class QuotaEngine {
  readonly #keys: Int32Array;
  readonly #generation: Int32Array;
  readonly #buckets: SharedBuckets;
  readonly #table: QuotaTable;
  readonly #clock: Clock;
  /** Epoch ms at the clock's zero, so shared TATs are comparable across threads. */
  readonly #epochOffsetMs: number;
  /** Per (key, model): the bucket slot and limits, so a repeat caller costs one Map lookup. */
  readonly #known: Map<string, Bucket>;
  /** This admission's decisions and next states per dimension, reused (a thread admits one request at a time). */
  readonly #decisions: DecisionSlot[];
  readonly #next: Float64Array;
  readonly #limits: Map<number, Limit>;
  #lastKey: string;
  #lastModel: string;
  #lastAlias: string | undefined;
  #lastBucket: Bucket | null;

  constructor(memory: SharedArrayBuffer, table: QuotaTable, clock: Clock, epochNowMs: () => number = Date.now) {
    this.#keys = new Int32Array(memory, 0, SLOTS * 2);
    this.#generation = new Int32Array(memory, GENERATION_OFFSET, 1);
    this.#buckets = new SharedBuckets(memory, KEY_TABLE_BYTES, SLOTS, SLOT_CELLS);
    this.#table = table;
    this.#clock = clock;
    this.#epochOffsetMs = epochNowMs() - clock.now();
    this.#known = new Map();
    this.#decisions = Array.from({ length: SLOT_CELLS }, () => new DecisionSlot());
    this.#next = new Float64Array(SLOT_CELLS);
    this.#limits = new Map();
    this.#lastKey = '';
    this.#lastModel = '';
    this.#lastAlias = undefined;
    this.#lastBucket = null;
  }

  #bucket(apiKey: string, model: string, alias: string | undefined): Bucket {
    // A load test sends one key and model over and over: the last pair skips the key string and the Map.
    if (apiKey === this.#lastKey && model === this.#lastModel && alias === this.#lastAlias && this.#lastBucket !== null) return this.#lastBucket;
    const b = this.#bucketFor(apiKey, model, alias);
    this.#lastKey = apiKey;
    this.#lastModel = model;
    this.#lastAlias = alias;
    this.#lastBucket = b;
    return b;
  }

  #bucketFor(apiKey: string, model: string, alias: string | undefined): Bucket {
    const id = `${apiKey}\u0000${model}`;
    // An alias shares its dated model's slot, with the limits its own name may add.
    const known = alias === undefined ? id : `${id}\u0000${alias}`;
    let b = this.#known.get(known);
    if (b === undefined) {
      // A family's models share one slot per key; \u0001 keeps a family's name apart from a model's.
      const family = familyOf(this.#table, model, alias);
      b = { slot: this.#slot(family === undefined ? id : `${apiKey}\u0000\u0001${family}`), limits: limitsFor(this.#table, model, alias), plans: {}, outputCells: {} };
      // Keys and models come from clients: the cache is bounded.
      if (this.#known.size < KNOWN_LIMIT) this.#known.set(known, b);
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

  /** The dimensions `dialect` limits on a bucket, in the order they are checked. */
  #planFor(bucket: Bucket, dialect: QuotaDialect): readonly DimensionPlan[] {
    const plans: DimensionPlan[] = [];
    for (const dimension of DIALECT_DIMENSIONS[dialect]) {
      const cap = capacity(bucket.limits, dimension);
      if (cap === undefined) continue;
      const names = dialect === 'openai' ? OPENAI_HEADER_NAMES[dimension] : dialect === 'anthropic' ? ANTHROPIC_HEADER_NAMES[dimension] : null;
      plans.push({
        dimension,
        // Gemini's per-minute token limit counts input tokens alone (its quota is
        // GenerateContentInputTokensPerModelPerMinute); OpenAI's charges the prompt plus max_tokens.
        charge: dialect === 'gemini' && dimension === 'tokens' ? 'input' : CHARGE[dimension],
        cell: DIMENSION_INDEX[dimension],
        limit: this.#limit(cap),
        limitName: names === null ? '' : names[0],
        valueHead: names === null ? '' : `${cap}\r\n${names[1]}: `,
        resetLead: names === null ? '' : `\r\n${names[2]}: `,
      });
    }
    return plans;
  }

  /** Anthropic's dimensions that count output (its output tokens, and tokens, input and output together). */
  #outputCellsFor(plans: readonly DimensionPlan[], dialect: QuotaDialect): OutputCells | null {
    if (dialect !== 'anthropic') return null;
    const cells: number[] = [];
    const intervalsUs: number[] = [];
    for (const p of plans) {
      if (p.charge !== 'output' && p.charge !== 'input_and_output') continue;
      cells.push(p.cell);
      intervalsUs.push((p.limit.windowMs * 1000) / p.limit.capacity);
    }
    return cells.length === 0 ? null : { cells, intervalsUs };
  }

  admit(req: QuotaRequest): QuotaOutcome {
    const bucket = this.#bucket(req.apiKey, req.model, req.alias);
    const plans = (bucket.plans[req.dialect] ??= this.#planFor(bucket, req.dialect));
    let outputCells = bucket.outputCells[req.dialect];
    if (outputCells === undefined) outputCells = bucket.outputCells[req.dialect] = this.#outputCellsFor(plans, req.dialect);
    const buckets = this.#buckets;
    const nowUs = (this.#clock.now() + this.#epochOffsetMs - buckets.baseEpochMs) * 1000;
    const decisions = this.#decisions;
    const next = this.#next;
    const slot = bucket.slot;
    let refused = -1;
    let refusedCost = 0;
    let refusedRemaining = 0;
    let retryAfterMs = 0;
    // Read before the charge: a reset after it gives the hold a generation that takes nothing back.
    const generation = Atomics.load(this.#generation, 0);
    buckets.lock(slot);
    try {
      for (let i = 0; i < plans.length; i++) {
        const plan = plans[i]!;
        const c = cost(plan.charge, req);
        next[i] = gcraStep(buckets.tat(slot, plan.cell), nowUs, c, plan.limit, decisions[i]!);
        if (!decisions[i]!.admitted) {
          refused = i;
          refusedCost = c;
          break;
        }
      }
      // All or nothing: a refusal on one dimension charges none of them.
      if (refused < 0) for (let i = 0; i < plans.length; i++) buckets.setTat(slot, plans[i]!.cell, next[i]!);
      else {
        refusedRemaining = decisions[refused]!.remaining;
        retryAfterMs = decisions[refused]!.retryAfterMs;
        // A 429 carries every dimension's headers, as the providers send them, with what is left
        // now: the refused request took nothing, so the dimensions checked before the refusal
        // must not report a charge for it. A step of cost 0 reads a bucket without moving it.
        for (let i = 0; i < plans.length; i++) gcraStep(buckets.tat(slot, plans[i]!.cell), nowUs, 0, plans[i]!.limit, decisions[i]!);
      }
    } finally {
      buckets.unlock(slot);
    }
    if (refused < 0) {
      const hold = outputCells === null || req.maxOutputTokens <= 0 ? null : new OutputHold(this, slot, generation, req.maxOutputTokens, outputCells);
      return { rejection: null, headers: this.#headers(req.dialect, plans, null), hold };
    }
    const plan = plans[refused]!;
    const cap = plan.limit.capacity;
    const rejection: QuotaRejection = { dimension: plan.dimension, limit: cap, requested: refusedCost, used: cap - refusedRemaining, retryAfterMs };
    return { rejection, headers: this.#headers(req.dialect, plans, rejection), hold: null };
  }

  /**
   * A 429 the chaos scenario injects, in the loaded limits' terms: the first dimension the dialect
   * limits (requests, where limited) reads exhausted, the others as they stand, and nothing is
   * charged. The exhausted dimension's reset is what a bucket refusing one more request for
   * `retryAfterMs` reports: that wait plus a window (the burst window where one is set) less the
   * request's cost, as the engine's own refusals relate the two. Null where the dialect limits nothing here (the caller then sends
   * the fault's fixed 429).
   */
  injected(req: QuotaRequest, retryAfterMs: number): { readonly rejection: QuotaRejection; readonly headers: string[] } | null {
    const bucket = this.#bucket(req.apiKey, req.model, req.alias);
    const plans = (bucket.plans[req.dialect] ??= this.#planFor(bucket, req.dialect));
    if (plans.length === 0) return null;
    const buckets = this.#buckets;
    const nowUs = (this.#clock.now() + this.#epochOffsetMs - buckets.baseEpochMs) * 1000;
    const decisions = this.#decisions;
    const slot = bucket.slot;
    buckets.lock(slot);
    try {
      for (let i = 0; i < plans.length; i++) gcraStep(buckets.tat(slot, plans[i]!.cell), nowUs, 0, plans[i]!.limit, decisions[i]!);
    } finally {
      buckets.unlock(slot);
    }
    const plan = plans[0]!;
    const { capacity: cap, windowMs, burstMs } = plan.limit;
    const requested = cost(plan.charge, req);
    const exhausted = decisions[0]!;
    exhausted.remaining = 0;
    // Under `burstWindowMs` the engine's own refusals come from the shorter window (`gcraStep`):
    // their backlog is the wait plus that window less the request's cost, capped at the window.
    const spanMs = burstMs !== undefined && burstMs < windowMs ? burstMs : windowMs;
    const costMs = (Math.min(requested, cap) * windowMs) / cap;
    exhausted.resetMs = retryAfterMs + spanMs - (costMs < spanMs ? costMs : spanMs);
    const rejection: QuotaRejection = { dimension: plan.dimension, limit: cap, requested, used: cap, retryAfterMs };
    return { rejection, headers: this.#headers(req.dialect, plans, rejection) };
  }

  /**
   * Gives back the part of `hold`'s reservation its answer did not produce (see `OutputHold.settle`).
   * Moving a TAT back by the unused tokens is what charging only the produced ones at admission
   * would have left, give or take where the bucket was full in between; it never goes below now,
   * where the bucket is full.
   */
  giveBack(hold: OutputHold, produced: number): void {
    const unused = hold.reserved - produced;
    if (!(unused > 0)) return;
    const buckets = this.#buckets;
    const nowUs = (this.#clock.now() + this.#epochOffsetMs - buckets.baseEpochMs) * 1000;
    const { cells, intervalsUs } = hold.cells;
    const slot = hold.slot;
    buckets.lock(slot);
    try {
      if (Atomics.load(this.#generation, 0) !== hold.generation) return;
      for (let i = 0; i < cells.length; i++) {
        const tat = buckets.tat(slot, cells[i]!);
        if (tat <= nowUs) continue;
        const back = tat - unused * intervalsUs[i]!;
        buckets.setTat(slot, cells[i]!, back > nowUs ? back : nowUs);
      }
    } finally {
      buckets.unlock(slot);
    }
  }

  /** Limits are shared objects per capacity, so admission allocates none. */
  #limit(cap: number): Limit {
    let l = this.#limits.get(cap);
    if (l === undefined) this.#limits.set(cap, (l = { capacity: cap, windowMs: WINDOW_MS, burstMs: this.#table.burstWindowMs ?? WINDOW_MS }));
    return l;
  }

  /** Headers for every dimension of `plans`, from this admission's decisions. */
  #headers(dialect: QuotaDialect, plans: readonly DimensionPlan[], rejection: QuotaRejection | null): string[] {
    const out: string[] = [];
    const decisions = this.#decisions;
    const count = plans.length;
    if (dialect === 'openai') {
      for (let i = 0; i < count; i++) {
        const p = plans[i]!;
        const d = decisions[i]!;
        out.push(p.limitName, p.valueHead + d.remaining + p.resetLead + goDuration(d.resetMs));
      }
    } else if (dialect === 'anthropic') {
      const now = this.#clock.now() + this.#epochOffsetMs;
      // Without a limit of its own, anthropic-ratelimit-tokens-* sums the input and output limits
      // (a recorded response: input 80,000 + output 16,000 = tokens 96,000, as the unlimited
      // headers send it); it is full again when both are, at the later reset.
      let combined = false;
      let tokensLimit = 0;
      let tokensRemaining = 0;
      let tokensResetMs = 0;
      for (let i = 0; i < count; i++) {
        const p = plans[i]!;
        const d = decisions[i]!;
        out.push(p.limitName, p.valueHead + d.remaining + p.resetLead + rfc3339After(now, d.resetMs));
        if (p.dimension === 'tokens') combined = true;
        else if (p.dimension === 'input_tokens' || p.dimension === 'output_tokens') {
          tokensLimit += p.limit.capacity;
          tokensRemaining += d.remaining;
          if (d.resetMs > tokensResetMs) tokensResetMs = d.resetMs;
        }
      }
      if (tokensLimit > 0 && !combined) {
        out.push('anthropic-ratelimit-tokens-limit', `${tokensLimit}\r\nanthropic-ratelimit-tokens-remaining: ${tokensRemaining}\r\nanthropic-ratelimit-tokens-reset: ${rfc3339After(now, tokensResetMs)}`);
      }
    }
    // Gemini sends no retry headers: how long to wait is only in the body's RetryInfo.
    if (rejection !== null && Number.isFinite(rejection.retryAfterMs) && dialect !== 'gemini') {
      out.push('retry-after', String(Math.max(1, Math.ceil(rejection.retryAfterMs / 1000))), 'retry-after-ms', String(Math.ceil(rejection.retryAfterMs)));
    }
    return out;
  }
}
