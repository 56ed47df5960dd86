/**
 * Load-dependent slowdown: each latency profile with a `capacity` counts its requests in flight
 * across all server threads (one shared Int32 per profile, Atomics). Past the knee, latency grows
 * along the profile's curve; past the hard limit, the request is refused after a queueing delay.
 */
import type { LatencyProfile } from './profiles.js';

export type Capacity = NonNullable<LatencyProfile['capacity']>;

export interface SaturationDecision {
  /** Slot to release when the request finishes; -1 when nothing was taken. */
  readonly slot: number;
  readonly ttftFactor: number;
  readonly itlFactor: number;
  /** Set when refused: the status and how long the request waited in the queue first. */
  readonly overflow: { readonly status: 429 | 503; readonly queueMs: number } | null;
}

export const UNSATURATED: SaturationDecision = { slot: -1, ttftFactor: 1, itlFactor: 1, overflow: null };

/** Latency multipliers at `inFlight` concurrent requests. */
export function slowdown(capacity: Capacity, inFlight: number): { ttft: number; itl: number } {
  if (inFlight <= capacity.knee) return { ttft: 1, itl: 1 };
  const over = Math.pow((inFlight - capacity.knee) / capacity.knee, capacity.exponent);
  return { ttft: 1 + capacity.ttftSlope * over, itl: 1 + capacity.itlSlope * over };
}

export class SaturationTracker {
  readonly #inFlight: Int32Array;

  /** `memory` holds one Int32 per profile, shared by every thread. */
  constructor(memory: SharedArrayBuffer) {
    this.#inFlight = new Int32Array(memory);
  }

  static allocate(profiles: number): SharedArrayBuffer {
    return new SharedArrayBuffer(Math.max(1, profiles) * 4);
  }

  acquire(slot: number, capacity: Capacity | undefined): SaturationDecision {
    if (capacity === undefined) return UNSATURATED;
    const inFlight = Atomics.add(this.#inFlight, slot, 1) + 1;
    if (inFlight > capacity.hardLimit) {
      Atomics.sub(this.#inFlight, slot, 1);
      return { slot: -1, ttftFactor: 1, itlFactor: 1, overflow: { status: capacity.overflowStatus, queueMs: capacity.queueMs } };
    }
    const s = slowdown(capacity, inFlight);
    return { slot, ttftFactor: s.ttft, itlFactor: s.itl, overflow: null };
  }

  release(slot: number): void {
    if (slot >= 0) Atomics.sub(this.#inFlight, slot, 1);
  }

  inFlight(slot: number): number {
    return Atomics.load(this.#inFlight, slot);
  }
}
