/**
 * Time sources. Server code reads time only through a `Clock`, so tests drive it by hand and the
 * scheduler's behaviour under late ticks is tested without sleeping.
 */
export interface Clock {
  /** Monotonic milliseconds (fractional). */
  now(): number;
}

export const MONOTONIC_CLOCK: Clock = { now: () => performance.now() };

/** A clock that moves only when told; for tests. */
export class ManualClock implements Clock {
  #nowMs: number;

  constructor(startMs = 0) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  advance(ms: number): void {
    this.#nowMs += ms;
  }

  set(ms: number): void {
    this.#nowMs = ms;
  }
}
