/**
 * Rate limits as the providers apply them: continuously refilling buckets ("1,000 requests per
 * minute" refills one request every 60 ms, up to a full minute's worth), implemented as GCRA.
 *
 * A bucket's whole state is one number, its theoretical arrival time (TAT, µs): admitting a cost
 * `c` moves it `c × interval` forward; a request is refused when that would put it more than one
 * window ahead of now.
 *
 * Across threads, the buckets of one (key, model) live in shared memory behind one lock word:
 * a thread takes the lock, decides every dimension (requests, tokens…), writes them all or none,
 * and lets go. Plain Float64 states under a lock replaced a compare-and-swap per dimension on a
 * BigInt64Array: every BigInt load and store allocated, and a refusal on a later dimension had to
 * refund the earlier ones, which other threads could briefly see charged.
 */

export interface Limit {
  /** Units (requests or tokens) the bucket holds: the per-window limit. */
  readonly capacity: number;
  /** Window over which `capacity` refills, ms (60,000 for "per minute"). */
  readonly windowMs: number;
  /**
   * A shorter window the limit is also enforced over, ms: the bucket then holds only this
   * window's share of `capacity` (60 a minute over 1,000 ms: one at a time), refilling at the same
   * rate. A cost larger than that share is admitted when none of the share is in use. Absent or
   * `windowMs`: the bucket holds the whole window.
   */
  readonly burstMs?: number;
}

/** A decision, written in place so admission allocates nothing. */
export class DecisionSlot {
  admitted = false;
  /** Units left after this decision. */
  remaining = 0;
  /** Time until the bucket is full again, ms. */
  resetMs = 0;
  /** For a refusal: time until this cost would be admitted, ms. */
  retryAfterMs = 0;
}

/**
 * Pure GCRA step. `tatUs` is the stored state (0 for a fresh bucket); writes the decision into
 * `out` and returns the state to store (unchanged when refused).
 */
export function gcraStep(tatUs: number, nowUs: number, cost: number, limit: Limit, out: DecisionSlot): number {
  const windowUs = limit.windowMs * 1000;
  const intervalUs = windowUs / limit.capacity;
  const base = tatUs > nowUs ? tatUs : nowUs;
  const costUs = cost * intervalUs;
  const next = base + costUs;
  const ahead = next - nowUs;
  // Positive: how long until the cost fits.
  let waitUs = ahead - windowUs;
  const burstMs = limit.burstMs;
  if (burstMs !== undefined && burstMs < limit.windowMs && cost > 0) {
    const burstUs = burstMs * 1000;
    const burstWaitUs = base - nowUs - (burstUs - (costUs < burstUs ? costUs : burstUs));
    if (burstWaitUs > waitUs) waitUs = burstWaitUs;
  }
  if (cost > limit.capacity || waitUs > 0) {
    const backlog = base - nowUs;
    out.admitted = false;
    out.remaining = Math.max(0, Math.floor((windowUs - backlog) / intervalUs));
    out.resetMs = backlog / 1000;
    out.retryAfterMs = cost > limit.capacity ? Number.POSITIVE_INFINITY : waitUs / 1000;
    return tatUs;
  }
  out.admitted = true;
  out.remaining = Math.max(0, Math.floor((windowUs - ahead) / intervalUs));
  out.resetMs = ahead / 1000;
  out.retryAfterMs = 0;
  return next;
}

const UNLOCKED = 0;
const LOCKED = 1;
/** Spins before sleeping: a holder runs a few dozen instructions, unless its thread was descheduled. */
const SPINS = 1000;

/**
 * Bucket states in shared memory: one lock word per slot and `cellsPerSlot` TATs under it.
 * TATs count µs from the epoch written into the memory when it was allocated, so every thread
 * reads the same time scale and small increments (a 0.06 µs token interval) are not lost to
 * the rounding of a 1.7e15 µs epoch time.
 */
export class SharedBuckets {
  readonly #locks: Int32Array;
  readonly #tats: Float64Array;
  readonly #cellsPerSlot: number;
  /** Epoch ms that TATs count from. */
  readonly baseEpochMs: number;

  /** Bytes the buckets of `slots` slots take (a multiple of 8). */
  static bytes(slots: number, cellsPerSlot: number): number {
    return 8 + slots * cellsPerSlot * 8 + Math.ceil(slots / 2) * 8;
  }

  /** Prepares fresh memory at `byteOffset` (a multiple of 8); once, in the main thread, before any thread reads it. */
  static init(memory: SharedArrayBuffer, byteOffset: number, epochNowMs: number): void {
    new Float64Array(memory, byteOffset, 1)[0] = epochNowMs;
  }

  /**
   * Empties every bucket, keeping the epoch and the locks. A zeroed epoch made later TATs count
   * from 1970, where a Float64 of µs steps by 0.25 µs and the small charges the epoch is there
   * for were rounded; a zeroed lock could let a second thread into a section another still held.
   * Each slot is emptied under its lock, so a charge a thread decided from the old state does not
   * land after it.
   */
  static clear(memory: SharedArrayBuffer, byteOffset: number, slots: number, cellsPerSlot: number): void {
    const buckets = new SharedBuckets(memory, byteOffset, slots, cellsPerSlot);
    for (let slot = 0; slot < slots; slot++) {
      buckets.lock(slot);
      for (let cell = 0; cell < cellsPerSlot; cell++) buckets.setTat(slot, cell, 0);
      buckets.unlock(slot);
    }
  }

  constructor(memory: SharedArrayBuffer, byteOffset: number, slots: number, cellsPerSlot: number) {
    this.baseEpochMs = new Float64Array(memory, byteOffset, 1)[0]!;
    this.#tats = new Float64Array(memory, byteOffset + 8, slots * cellsPerSlot);
    this.#locks = new Int32Array(memory, byteOffset + 8 + slots * cellsPerSlot * 8, slots);
    this.#cellsPerSlot = cellsPerSlot;
  }

  lock(slot: number): void {
    const locks = this.#locks;
    if (Atomics.compareExchange(locks, slot, UNLOCKED, LOCKED) === UNLOCKED) return;
    for (let spins = 0; ; spins++) {
      if (Atomics.load(locks, slot) === UNLOCKED && Atomics.compareExchange(locks, slot, UNLOCKED, LOCKED) === UNLOCKED) return;
      // The holder's thread was descheduled mid-section: sleep rather than burn the core it needs.
      if (spins >= SPINS) Atomics.wait(locks, slot, LOCKED, 0.1);
    }
  }

  unlock(slot: number): void {
    // A sequentially consistent store: the TATs written under the lock are visible to the next holder.
    Atomics.store(this.#locks, slot, UNLOCKED);
  }

  /** Read or write only under the slot's lock. */
  tat(slot: number, cell: number): number {
    return this.#tats[slot * this.#cellsPerSlot + cell]!;
  }

  setTat(slot: number, cell: number, tatUs: number): void {
    this.#tats[slot * this.#cellsPerSlot + cell] = tatUs;
  }
}
