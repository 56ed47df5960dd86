/**
 * One hashed timer wheel per server thread drives every stream's next emission.
 *
 * Tasks sit in intrusive doubly linked lists (no allocation to schedule or cancel), one list per
 * 1 ms slot. A single re-armed host timer advances the wheel on real elapsed time: a late tick
 * processes every slot it skipped, and each task fires at its own due time regardless of when
 * the previous one actually fired, so lateness never accumulates.
 */
import type { Clock } from './clock.js';

/** Fields a schedulable object carries; set them in the object's constructor (`initWheelTask`). */
export interface WheelTask {
  wheelDueMs: number;
  wheelNext: WheelTask | null;
  wheelPrev: WheelTask | null;
  /** Slot index while scheduled, -1 when not. */
  wheelSlot: number;
}

export function initWheelTask(task: WheelTask): void {
  task.wheelDueMs = 0;
  task.wheelNext = null;
  task.wheelPrev = null;
  task.wheelSlot = -1;
}

/** The host timer, injectable so tests can drive the wheel with a manual clock. */
export interface TimerHost {
  /** Calls `fn` after `delayMs`; 0 means on the event loop's next turn, after pending I/O. */
  set(fn: () => void, delayMs: number): unknown;
  /** Cancels what `set` returned; `delayMs` is the delay it was set with. */
  clear(handle: unknown, delayMs: number): void;
}

export const NODE_TIMER_HOST: TimerHost = {
  set: (fn, delayMs) => (delayMs === 0 ? setImmediate(fn) : setTimeout(fn, delayMs)),
  clear: (handle, delayMs) => {
    if (delayMs === 0) clearImmediate(handle as NodeJS.Immediate);
    else clearTimeout(handle as NodeJS.Timeout);
  },
};

const SLOT_COUNT = 4096; // power of two; 4.096 s per revolution at 1 ms per slot
const SLOT_MASK = SLOT_COUNT - 1;

/**
 * How the wheel waits for its next task: `sleep` on a 1 ms host timer; `poll` by turning the event
 * loop while a task is due within about 1 ms; `spin` as poll, and within an advance it also
 * busy-waits for a task due in the next SPIN_AHEAD_MS (at most SPIN_MAX_MS per advance).
 */
export type WheelPacing = 'sleep' | 'poll' | 'spin';

/** A task due this soon is waited for in the advance rather than on another turn of the loop. */
export const SPIN_AHEAD_MS = 0.1;
/** Longest an advance keeps the thread from the loop's I/O by spinning. */
export const SPIN_MAX_MS = 0.4;

/**
 * Steps of arithmetic between two clock reads while spinning (about 1.2 µs). Every
 * `performance.now()` allocates its result (a 16-byte heap number: the native call is not
 * inlined), and a spin that read the clock back to back filled the young generation: at 1,000
 * realistic streams the server thread ran 121-135 scavenges per 8 s window, 38-45 with a read
 * every 128 steps and 20-21 with one every 1,024 (GC pauses 120-146 ms, then 53-57 ms). A wait
 * this much coarser costs no precision that matters at the wheel's millisecond scale.
 */
const SPIN_STEPS_PER_READ = 1024;
/** The spin's arithmetic goes here, so that the compiler cannot drop it as unused. */
let spinSink = 0;

/** Busy-waits about a microsecond without reading the clock or allocating. */
function spinPause(): void {
  let x = spinSink;
  for (let i = 0; i < SPIN_STEPS_PER_READ; i++) x = (Math.imul(x, 1_103_515_245) + 12_345) | 0;
  spinSink = x;
}

export class TimerWheel<T extends WheelTask> {
  readonly #slots: (WheelTask | null)[];
  readonly #onDue: (task: T, lateMs: number) => void;
  readonly #clock: Clock;
  readonly #host: TimerHost;
  /** First tick (integer ms) not fully processed: the current tick stays open, since tasks due later within it are still pending. */
  #cursor: number;
  #size: number;
  #armed: unknown;
  /** The delay `#armed` was set with (0: an immediate). */
  #armedDelayMs: number;
  #inAdvance: boolean;
  /** The tick the walk in progress ends on and the next advance walks again (-1: none); see `schedule`. */
  #openTick: number;
  /**
   * [0]: the largest lateness among the tasks the last `#fire` fired. An array, not a number
   * field or local: updating either made a poll turn 10–25% slower in the micro case (V8 evidently
   * boxed the double), against 5% for this.
   */
  readonly #firedLate: Float64Array;
  readonly #poll: boolean;
  readonly #spin: boolean;
  readonly #advanceBound: () => void;

  /** `pacing`: see `WheelPacing`; polling is described at `#arm`, spinning at `advance`. */
  constructor(onDue: (task: T, lateMs: number) => void, clock: Clock, host: TimerHost, pacing: WheelPacing = 'sleep') {
    this.#slots = new Array<WheelTask | null>(SLOT_COUNT).fill(null);
    this.#onDue = onDue;
    this.#clock = clock;
    this.#host = host;
    this.#cursor = Math.floor(clock.now());
    this.#size = 0;
    this.#armed = null;
    this.#armedDelayMs = 1;
    this.#inAdvance = false;
    this.#openTick = -1;
    this.#firedLate = new Float64Array(1);
    this.#poll = pacing !== 'sleep';
    this.#spin = pacing === 'spin';
    this.#advanceBound = () => {
      this.#armed = null;
      this.advance();
    };
  }

  get size(): number {
    return this.#size;
  }

  schedule(task: T, dueMs: number): void {
    if (task.wheelSlot !== -1) this.cancel(task);
    task.wheelDueMs = dueMs;
    // During an advance, a task due by the tick being walked goes to a slot this walk has not
    // reached or has passed, so it never fires twice in one advance: the next tick's slot while
    // catching up, and in the walk's last tick (the current millisecond, which the next advance
    // walks again) the current slot, at the head the walk has passed, so it fires on the next
    // advance rather than at the next millisecond.
    const earliest = this.#inAdvance && this.#cursor !== this.#openTick ? this.#cursor + 1 : this.#cursor;
    const tick = Math.max(Math.floor(dueMs), earliest);
    const slot = tick & SLOT_MASK;
    const head = this.#slots[slot] ?? null;
    task.wheelPrev = null;
    task.wheelNext = head;
    if (head !== null) head.wheelPrev = task;
    this.#slots[slot] = task;
    task.wheelSlot = slot;
    this.#size++;
    this.#arm();
  }

  cancel(task: T): void {
    const slot = task.wheelSlot;
    if (slot === -1) return;
    const { wheelPrev: prev, wheelNext: next } = task;
    if (prev !== null) prev.wheelNext = next;
    else this.#slots[slot] = next;
    if (next !== null) next.wheelPrev = prev;
    task.wheelNext = null;
    task.wheelPrev = null;
    task.wheelSlot = -1;
    this.#size--;
  }

  /**
   * Fires every task due at or before now. Called by the host timer; public for tests.
   *
   * With `spin`, a task due within SPIN_AHEAD_MS is then waited for here: a turn of the loop (epoll,
   * the I/O it finds, a fresh `Immediate`) costs more than such a wait and can overshoot it.
   * The spin is bounded so that reads of new requests are held back by SPIN_MAX_MS at most, and
   * it stops once the wheel is behind (it fired a task late by more than SPIN_AHEAD_MS): a busy
   * thread's time then goes to the loop's I/O and to catching up, not to waiting.
   */
  advance(): void {
    let now = this.#clock.now();
    if (!this.#spin) {
      this.#fire(now);
      this.#arm();
      return;
    }
    const spinEnd = now + SPIN_MAX_MS;
    for (;;) {
      // The time bound is checked here too, not only through the next due time: a callback that
      // keeps rescheduling its task overdue is stopped by the behind rule, one that keeps it due
      // at the current time by `next`; this holds whatever a callback does.
      if (!this.#fire(now) || this.#firedLate[0]! > SPIN_AHEAD_MS || now >= spinEnd) break;
      const next = this.#earliestDue(now + SPIN_AHEAD_MS);
      if (next > spinEnd) break;
      do {
        spinPause();
        now = this.#clock.now();
      } while (now < next);
    }
    this.#arm();
  }

  /** Fires what is due at `now`; false when the clock read behind the cursor (nothing to do). */
  #fire(now: number): boolean {
    const target = Math.floor(now);
    if (target < this.#cursor) return false;
    // After a stall longer than one revolution every slot is visited once; due tasks still fire.
    const last = target - this.#cursor >= SLOT_COUNT ? this.#cursor + SLOT_COUNT - 1 : target;
    // After a stall of a revolution the walk ends short of the current tick: nothing is open then.
    this.#openTick = last === target ? target : -1;
    const firedLate = this.#firedLate;
    firedLate[0] = 0;
    this.#inAdvance = true;
    try {
      for (let tick = this.#cursor; tick <= last; tick++) {
        this.#cursor = tick;
        const slot = tick & SLOT_MASK;
        let task = this.#slots[slot] ?? null;
        while (task !== null) {
          let next = task.wheelNext;
          const late = now - task.wheelDueMs;
          if (late >= 0) {
            this.cancel(task as T);
            if (late > firedLate[0]) firedLate[0] = late;
            this.#onDue(task as T, late);
            // The callback cancelled or moved the next task: the slot is walked again from its
            // head, since `next` no longer leads to the rest (what is there and not due is skipped).
            if (next !== null && next.wheelSlot !== slot) next = this.#slots[slot] ?? null;
          }
          task = next;
        }
      }
    } finally {
      this.#inAdvance = false;
      // The current tick is revisited next time: a task due at 1731.3 must not be passed over
      // by an advance at 1731.1 and wait a whole revolution.
      this.#cursor = target;
    }
    return true;
  }

  /**
   * The earliest time at or before `limitMs` (at most a tick past the cursor) that a task can
   * fire; Infinity if none. It walks the slots again rather than have `#fire` note it: tracking it
   * in that walk made every poll turn about a tenth slower in the micro case, and only spinning
   * needs it.
   */
  #earliestDue(limitMs: number): number {
    let earliest = Infinity;
    const lastTick = Math.floor(limitMs);
    for (let tick = this.#cursor; tick <= lastTick; tick++) {
      for (let task = this.#slots[tick & SLOT_MASK] ?? null; task !== null; task = task.wheelNext) {
        // A task fires no sooner than its slot's tick: one overdue when it was scheduled from a
        // callback sits in the next slot (see `schedule`).
        const at = task.wheelDueMs > tick ? task.wheelDueMs : tick;
        if (at <= limitMs && at < earliest) earliest = at;
      }
    }
    return earliest;
  }

  #arm(): void {
    if (this.#armed !== null || this.#inAdvance || this.#size === 0) return;
    // A 1 ms host timer fires 1–2 ms late, which would be most of an event's lag. When polling,
    // with a task due in this tick or the next, the wheel is advanced on every loop turn instead:
    // sub-millisecond emission while streams are dense, for CPU that would otherwise sit idle.
    // With nothing due that soon it sleeps on the timer either way. (A task a whole revolution
    // away, 4.1 s or more, shares its slot with nearer ones and can cause a spin of up to 2 ms.)
    const soon = this.#poll && (this.#slots[this.#cursor & SLOT_MASK] !== null || this.#slots[(this.#cursor + 1) & SLOT_MASK] !== null);
    this.#armedDelayMs = soon ? 0 : 1;
    this.#armed = this.#host.set(this.#advanceBound, this.#armedDelayMs);
  }

  /** Drops every task and the host timer (thread shutdown). */
  clear(): void {
    for (let i = 0; i < SLOT_COUNT; i++) {
      let task = this.#slots[i] ?? null;
      while (task !== null) {
        const next = task.wheelNext;
        task.wheelNext = null;
        task.wheelPrev = null;
        task.wheelSlot = -1;
        task = next;
      }
      this.#slots[i] = null;
    }
    this.#size = 0;
    if (this.#armed !== null) this.#host.clear(this.#armed, this.#armedDelayMs);
    this.#armed = null;
  }
}
