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
  readonly #poll: boolean;
  readonly #advanceBound: () => void;

  /** `poll`: turn the loop without sleeping while a task is due within about 1 ms (see `#arm`). */
  constructor(onDue: (task: T, lateMs: number) => void, clock: Clock, host: TimerHost, poll = false) {
    this.#slots = new Array<WheelTask | null>(SLOT_COUNT).fill(null);
    this.#onDue = onDue;
    this.#clock = clock;
    this.#host = host;
    this.#cursor = Math.floor(clock.now());
    this.#size = 0;
    this.#armed = null;
    this.#armedDelayMs = 1;
    this.#inAdvance = false;
    this.#poll = poll;
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
    // A task due in the past or this tick goes to the next unprocessed slot, so it fires on the
    // next advance and never re-enters the slot being processed now.
    const tick = Math.max(Math.floor(dueMs), this.#inAdvance ? this.#cursor + 1 : this.#cursor);
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

  /** Fires every task due at or before now. Called by the host timer; public for tests. */
  advance(): void {
    const now = this.#clock.now();
    const target = Math.floor(now);
    if (target < this.#cursor) {
      this.#arm();
      return;
    }
    // After a stall longer than one revolution every slot is visited once; due tasks still fire.
    const last = target - this.#cursor >= SLOT_COUNT ? this.#cursor + SLOT_COUNT - 1 : target;
    this.#inAdvance = true;
    try {
      for (let tick = this.#cursor; tick <= last; tick++) {
        this.#cursor = tick;
        let task = this.#slots[tick & SLOT_MASK] ?? null;
        while (task !== null) {
          const next = task.wheelNext;
          if (task.wheelDueMs <= now) {
            this.cancel(task as T);
            this.#onDue(task as T, now - task.wheelDueMs);
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
    this.#arm();
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
