/**
 * Everything a server thread's routes share: config, corpus, latency models and counters.
 * Built once per thread; request handlers read it and never mutate it (except the caches).
 */
import type { Config } from '../config/schema.js';
import type { Corpus } from '../corpus/sampler.js';
import type { Scenario } from '../chaos/scenario.js';
import type { CounterWriter } from '../metrics/counters.js';
import type { QuotaEngine } from '../quota/engine.js';
import type { Capacity, SaturationTracker } from '../timing/saturation.js';
import { ProfileLatency, type LatencyModel } from '../timing/latency.js';
import { profileNameFor, type ProfileTable } from '../timing/profiles.js';
import { SeededRandom, combineSeeds, hashString } from '../timing/random.js';
import type { Peers } from './peers.js';
import { CANCEL_TABLE_BYTES, StopMarks } from './stream-stop.js';

const LATENCY_CACHE_LIMIT = 1024;
/** Int32 counters the threads share in the `arrivals` buffer. */
const ARRIVAL_COUNTERS = 2;
/** Where the fault-position word sits in the `arrivals` buffer (a BigInt64 needs 8-byte alignment). */
const FAULT_WORD_OFFSET = 8;
/** Where the count of error-reply ids (`./error-ids.ts`) sits in the `arrivals` buffer. */
const ERROR_ID_WORD_OFFSET = FAULT_WORD_OFFSET + 8;
/** Where the marks of cancelled background responses (`./stream-stop.ts`) start in the `arrivals` buffer. */
const STOP_MARKS_OFFSET = ERROR_ID_WORD_OFFSET + 4;
/** Bytes of the `arrivals` buffer a context takes. */
export const ARRIVALS_BYTES = STOP_MARKS_OFFSET + CANCEL_TABLE_BYTES;

/** The word of the `arrivals` buffer that counts error-reply ids across threads. */
export function errorIdCounter(arrivals: SharedArrayBuffer): Int32Array {
  return new Int32Array(arrivals, ERROR_ID_WORD_OFFSET, 1);
}
const LOW32 = 0xffffffffn;

/**
 * The random-source position pinned for the request running now (a batch's item: its own, reserved
 * at create); -1 when none. Per thread, as each server thread is its own worker.
 */
let pinnedRng = -1;

/** The position pinned now, for a continuation after an await to run at again (`replyAfter`). */
export function pinnedArrival(): number {
  return pinnedRng;
}

/** Runs `run` at the random-source position `source` (-1: none pinned), restoring the one before. */
export function atPinnedArrival<T>(source: number, run: () => T): T {
  const before = pinnedRng;
  pinnedRng = source;
  try {
    return run();
  } finally {
    pinnedRng = before;
  }
}

export class ThreadContext {
  readonly config: Config;
  readonly corpus: Corpus;
  readonly counters: CounterWriter;
  readonly #profiles: ProfileTable;
  readonly #byProfile: Map<string, LatencyModel>;
  readonly #byModel: Map<string, LatencyModel>;
  /** Shared across threads: the n-th request of the run gets the n-th random stream, whichever thread takes it. */
  readonly #arrivals: Int32Array;
  readonly #apiKeys: ReadonlySet<string>;
  readonly #profileSlots: Map<string, number>;
  /** Requests in flight per latency profile, across threads; null when no profile has a capacity. */
  saturation: SaturationTracker | null;
  /** Rate limits, exact across threads; null when none are configured. */
  quota: QuotaEngine | null;
  /**
   * Fault positions, shared across threads: the run of the scenario loaded last (its
   * `scenarioRun`) in the high 32 bits, the positions taken in that run in the low 32.
   */
  readonly #faultWord: BigInt64Array;
  /** The chaos scenario in force and when it was loaded (epoch ms); replaced through the admin API. */
  scenario: Scenario | null;
  scenarioLoadedAtMs: number;
  /** Which load of a scenario is in force (`Policy.scenarioRun`): fault positions count from 0 in each. */
  scenarioRun: number;
  /** The other server threads, to ask for objects they hold; null with one thread (or in process). */
  peers: Peers | null;
  /** Cancelled background responses, read by their open streams on any thread. */
  readonly stopMarks: StopMarks;

  constructor(config: Config, corpus: Corpus, counters: CounterWriter, profiles: ProfileTable, arrivals: SharedArrayBuffer) {
    this.config = config;
    this.corpus = corpus;
    this.counters = counters;
    this.#profiles = profiles;
    this.#byProfile = new Map(Object.entries(profiles.profiles).map(([name, p]) => [name, new ProfileLatency(p)]));
    this.#byModel = new Map();
    // [0]: random-stream index; [1]: order of stored objects. Fault positions are in #faultWord.
    // Both counters are read as unsigned (`>>> 0`): an Int32 turns negative after 2^31 requests (12
    // hours at 50,000 a second); a negative reserved source read as "none pinned" gave a batch's
    // items fresh streams instead of their own, and a negative store position listed a new object
    // before every older one. They wrap to 0 after 2^32.
    this.#arrivals = new Int32Array(arrivals, 0, ARRIVAL_COUNTERS);
    this.#faultWord = new BigInt64Array(arrivals, FAULT_WORD_OFFSET, 1);
    this.#apiKeys = new Set(config.apiKeys);
    this.quota = null;
    this.#profileSlots = new Map(Object.keys(profiles.profiles).map((name, i) => [name, i]));
    this.saturation = null;
    this.scenario = null;
    this.scenarioLoadedAtMs = 0;
    this.scenarioRun = 0;
    this.peers = null;
    this.stopMarks = new StopMarks(arrivals, STOP_MARKS_OFFSET);
  }

  /** Position of a stored object among every thread's, for lists in creation order. */
  nextStoreSeq(): number {
    return Atomics.add(this.#arrivals, 1, 1) >>> 0;
  }

  /**
   * Position of a request since the scenario in force was loaded, across all threads, for fault
   * decisions. -1 while another thread already runs a newer load and this one has not applied it
   * yet: the request is decided by the scenario it still holds, outside the new run's count.
   */
  nextArrival(): number {
    return this.#takeFaultPositions(1, false);
  }

  /**
   * Reserves `n` consecutive positions for random sources and for fault decisions: `[first source, first fault]`.
   * A batch's items run later, under the newest scenario, so a thread not yet switched takes them in its run.
   */
  reserveArrivals(n: number): readonly [number, number] {
    return [Atomics.add(this.#arrivals, 0, n) >>> 0, this.#takeFaultPositions(n, true)];
  }

  /**
   * The first of `n` fault positions in this thread's scenario run. The first thread to count in a
   * newer run starts it at 0 in the same compare-and-swap, so no request of the old scenario takes a
   * position of the new one.
   */
  #takeFaultPositions(n: number, joinNewer: boolean): number {
    const run = BigInt(this.scenarioRun);
    const step = BigInt(n);
    for (;;) {
      const word = Atomics.load(this.#faultWord, 0);
      const at = word >> 32n;
      // The count stays in the low 32 bits (it wraps after 2^32 positions of one run rather than
      // carry into the run number, which would make every thread read a newer run).
      if (at > run) {
        if (!joinNewer) return -1;
        const first = word & LOW32;
        if (Atomics.compareExchange(this.#faultWord, 0, word, (at << 32n) | ((first + step) & LOW32)) === word) return Number(first);
        continue;
      }
      const first = at === run ? word & LOW32 : 0n;
      if (Atomics.compareExchange(this.#faultWord, 0, word, (run << 32n) | ((first + step) & LOW32)) === word) return Number(first);
    }
  }

  /**
   * Runs a request at a reserved random-source position: its draws are the same whatever else the
   * run did meanwhile (a batch answered while clients poll it). Its fault position travels in its
   * `RequestInfo.batchFault`, which also holds across an await.
   */
  atArrival<T>(source: number, run: () => T): T {
    return atPinnedArrival(source, run);
  }

  /** The saturation slot and capacity of a model's profile (capacity undefined: never saturates). */
  capacityFor(model: string): { slot: number; capacity: Capacity | undefined } {
    const name = profileNameFor(this.#profiles, model);
    return { slot: this.#profileSlots.get(name)!, capacity: this.#profiles.profiles[name]!.capacity };
  }

  latencyFor(model: string): LatencyModel {
    let m = this.#byModel.get(model);
    if (m === undefined) {
      m = this.#byProfile.get(profileNameFor(this.#profiles, model))!;
      if (this.#byModel.size < LATENCY_CACHE_LIMIT) this.#byModel.set(model, m);
    }
    return m;
  }

  /**
   * The request's random source. With a request `seed`, it depends only on the run seed, that
   * seed and the prompt, as OpenAI's best-effort determinism does; otherwise on the arrival index.
   */
  requestRng(requestSeed: number | null | undefined, promptKey: string): SeededRandom {
    if (requestSeed !== null && requestSeed !== undefined) {
      // OpenAI's seeds are 64-bit: hashing the low 32 bits alone made seeds 2^32 apart (1 and
      // 2^32 + 1, -1 and 2^32 - 1) one seed. The high word folds in only where it is not 0, so a
      // seed from 0 to 2^32 - 1 draws as it always did.
      const high = Math.floor(requestSeed / 0x100000000);
      // The sign too: high words of -2^31 and 2^31 (-2^63 and int64's largest, read as 2^63) agree in 32 bits.
      const seed = high === 0 ? requestSeed >>> 0 : combineSeeds(combineSeeds(requestSeed >>> 0, high >>> 0), requestSeed < 0 ? 1 : 0);
      return new SeededRandom(combineSeeds(this.config.seed, hashString(promptKey, seed)));
    }
    return new SeededRandom(combineSeeds(this.config.seed, pinnedRng >= 0 ? pinnedRng : Atomics.add(this.#arrivals, 0, 1) >>> 0));
  }

  /** `undefined` when no keys are configured (any key, or none, is accepted). */
  keyAccepted(key: string): boolean | undefined {
    if (this.#apiKeys.size === 0) return undefined;
    return this.#apiKeys.has(key);
  }
}

/**
 * A getter for a value each server thread keeps for itself (a store, a cache), made on first use.
 * Keyed by the thread's context, so a test's in-process contexts each get their own.
 */
export function perThread<T>(make: () => T): (ctx: ThreadContext) => T {
  const values = new WeakMap<ThreadContext, T>();
  return (ctx) => {
    let value = values.get(ctx);
    if (value === undefined) {
      value = make();
      values.set(ctx, value);
    }
    return value;
  };
}
