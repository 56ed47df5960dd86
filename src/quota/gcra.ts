/**
 * Rate limits as the providers apply them: continuously refilling buckets ("1,000 requests per
 * minute" refills one request every 60 ms, up to a full minute's worth), implemented as GCRA.
 *
 * A bucket's whole state is one number, its theoretical arrival time (TAT, µs): admitting a cost
 * `c` moves it `c × interval` forward; a request is refused when that would put it more than one
 * window ahead of now. One number per bucket means a compare-and-swap on a shared BigInt64Array
 * updates it exactly across threads, with no lock and no message.
 */

export interface Limit {
  /** Units (requests or tokens) the bucket holds: the per-window limit. */
  readonly capacity: number;
  /** Window over which `capacity` refills, ms (60,000 for "per minute"). */
  readonly windowMs: number;
}

export interface Decision {
  readonly admitted: boolean;
  /** Units left after this decision. */
  readonly remaining: number;
  /** Time until the bucket is full again, ms. */
  readonly resetMs: number;
  /** For a refusal: time until this cost would be admitted, ms. */
  readonly retryAfterMs: number;
}

/**
 * Pure GCRA step. `tatUs` is the stored state (0 for a fresh bucket); returns the decision and
 * the new state to store (unchanged when refused).
 */
export function gcraStep(tatUs: number, nowUs: number, cost: number, limit: Limit): { decision: Decision; tatUs: number } {
  const windowUs = limit.windowMs * 1000;
  const intervalUs = windowUs / limit.capacity;
  const base = tatUs > nowUs ? tatUs : nowUs;
  const next = base + cost * intervalUs;
  const ahead = next - nowUs;
  if (cost > limit.capacity || ahead > windowUs) {
    const backlog = base - nowUs;
    const retryUs = cost > limit.capacity ? Number.POSITIVE_INFINITY : ahead - windowUs;
    return {
      decision: {
        admitted: false,
        remaining: Math.max(0, Math.floor((windowUs - backlog) / intervalUs)),
        resetMs: backlog / 1000,
        retryAfterMs: retryUs / 1000,
      },
      tatUs,
    };
  }
  return {
    decision: { admitted: true, remaining: Math.max(0, Math.floor((windowUs - ahead) / intervalUs)), resetMs: ahead / 1000, retryAfterMs: 0 },
    tatUs: next,
  };
}

/**
 * Admits `cost` against a bucket stored at `cells[index]` (BigInt64Array over shared memory),
 * exactly across threads: the TAT is updated with compare-and-swap and retried on contention.
 */
export function admitShared(cells: BigInt64Array, index: number, nowUs: number, cost: number, limit: Limit): Decision {
  for (;;) {
    const stored = Atomics.load(cells, index);
    const { decision, tatUs } = gcraStep(Number(stored), nowUs, cost, limit);
    if (!decision.admitted) return decision;
    const next = BigInt(Math.ceil(tatUs));
    if (Atomics.compareExchange(cells, index, stored, next) === stored) return decision;
  }
}

/**
 * Refunds `cost` to a bucket (a request admitted on one dimension but refused on another must
 * not keep its charge on the first). Never moves the TAT behind now.
 */
export function refundShared(cells: BigInt64Array, index: number, nowUs: number, cost: number, limit: Limit): void {
  const intervalUs = (limit.windowMs * 1000) / limit.capacity;
  for (;;) {
    const stored = Atomics.load(cells, index);
    const next = BigInt(Math.ceil(Math.max(nowUs, Number(stored) - cost * intervalUs)));
    if (Atomics.compareExchange(cells, index, stored, next) === stored) return;
  }
}
