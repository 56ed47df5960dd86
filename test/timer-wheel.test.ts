import { describe, expect, it } from 'vitest';
import { ManualClock, MONOTONIC_CLOCK } from '../src/timing/clock.js';
import { initWheelTask, NODE_TIMER_HOST, TimerWheel, type TimerHost, type WheelTask } from '../src/timing/timer-wheel.js';

class Task implements WheelTask {
  wheelDueMs = 0;
  wheelNext: WheelTask | null = null;
  wheelPrev: WheelTask | null = null;
  wheelSlot = -1;
  constructor(readonly name: string) {
    initWheelTask(this);
  }
}

/** A host timer that records arming and is fired by hand. */
class ManualHost implements TimerHost {
  armed: (() => void) | null = null;
  arms = 0;
  lastDelayMs = -1;
  set(fn: () => void, delayMs: number): unknown {
    this.armed = fn;
    this.arms++;
    this.lastDelayMs = delayMs;
    return fn;
  }
  clear(): void {
    this.armed = null;
  }
  fire(): void {
    const fn = this.armed;
    this.armed = null;
    fn?.();
  }
}

function setup() {
  const clock = new ManualClock(1000);
  const host = new ManualHost();
  const fired: [string, number, number][] = [];
  const wheel = new TimerWheel<Task>((t, late) => fired.push([t.name, clock.now(), late]), clock, host);
  return { clock, host, fired, wheel };
}

describe('TimerWheel', () => {
  it('fires each task at its due time, in due order, with its lateness', () => {
    const { clock, host, fired, wheel } = setup();
    wheel.schedule(new Task('b'), 1005.5);
    wheel.schedule(new Task('a'), 1002);
    wheel.schedule(new Task('c'), 1010);
    expect(wheel.size).toBe(3);
    clock.set(1003);
    host.fire();
    expect(fired).toEqual([['a', 1003, 1]]);
    clock.set(1006);
    host.fire();
    expect(fired.map((f) => f[0])).toEqual(['a', 'b']);
    expect(fired[1]![2]).toBeCloseTo(0.5);
    clock.set(1010);
    host.fire();
    expect(fired.map((f) => f[0])).toEqual(['a', 'b', 'c']);
    expect(wheel.size).toBe(0);
    expect(host.armed).toBeNull();
  });

  it('catches up after a late tick: everything due fires once, nothing early', () => {
    const { clock, host, fired, wheel } = setup();
    for (let i = 1; i <= 50; i++) wheel.schedule(new Task(`t${i}`), 1000 + i * 10);
    clock.set(1255); // a 255 ms stall
    host.fire();
    expect(fired.length).toBe(25);
    expect(fired.every(([, , late]) => late >= 0)).toBe(true);
    expect(fired[0]![2]).toBe(245);
    clock.set(1500);
    host.fire();
    expect(fired.length).toBe(50);
  });

  it('keeps tasks due beyond one revolution until their round comes', () => {
    const { clock, host, fired, wheel } = setup();
    wheel.schedule(new Task('far'), 1000 + 4096 * 2 + 3);
    for (let t = 1000; t < 1000 + 4096 * 2; t += 500) {
      clock.set(t);
      host.fire();
    }
    expect(fired).toEqual([]);
    clock.set(1000 + 4096 * 2 + 3);
    host.fire();
    expect(fired.map((f) => f[0])).toEqual(['far']);
  });

  it('fires a task rescheduled from its own callback on a later advance, not recursively', () => {
    const clock = new ManualClock(0);
    const host = new ManualHost();
    let count = 0;
    const wheel: TimerWheel<Task> = new TimerWheel<Task>(
      (t) => {
        count++;
        if (count < 3) wheel.schedule(t, clock.now()); // due now: waits for the next advance
      },
      clock,
      host,
    );
    wheel.schedule(new Task('x'), 0);
    host.fire();
    expect(count).toBe(1);
    clock.advance(0.5);
    host.fire();
    expect(count).toBe(2);
  });

  it('fires a task a callback schedules later in the current millisecond on the advance after it is due, not at the next millisecond', () => {
    const clock = new ManualClock(1000.1);
    const host = new ManualHost();
    const fired: [string, number][] = [];
    const wheel: TimerWheel<Task> = new TimerWheel<Task>(
      (t, late) => {
        fired.push([t.name, late]);
        if (t.name === 'first') wheel.schedule(new Task('same millisecond'), 1000.6);
      },
      clock,
      host,
      'poll',
    );
    wheel.schedule(new Task('first'), 1000.05);
    host.fire();
    clock.set(1000.5);
    host.fire();
    expect(fired.map((f) => f[0])).toEqual(['first']);
    clock.set(1000.7);
    host.fire();
    expect(fired.map((f) => f[0])).toEqual(['first', 'same millisecond']);
    expect(fired[1]![1]).toBeCloseTo(0.1);
  });

  it('while catching up over several ticks, fires a task its callback schedules for an earlier tick once, on the walk', () => {
    const clock = new ManualClock(1000);
    const host = new ManualHost();
    let count = 0;
    const wheel: TimerWheel<Task> = new TimerWheel<Task>(
      (t) => {
        count++;
        // Due in the tick being walked: goes to the next tick's slot, which this walk reaches.
        if (count === 1) wheel.schedule(t, 1001.5);
      },
      clock,
      host,
    );
    wheel.schedule(new Task('x'), 1001.2);
    clock.set(1004.5);
    host.fire();
    expect(count).toBe(2);
    expect(wheel.size).toBe(0);
  });

  it('chained due times do not drift when ticks are late', () => {
    // A stream that emits every 7 ms, scheduling from its previous due time, as the exchange does.
    const clock = new ManualClock(0);
    const host = new ManualHost();
    const dues: number[] = [];
    const wheel: TimerWheel<Task> = new TimerWheel<Task>(
      (t) => {
        dues.push(t.wheelDueMs);
        if (dues.length < 100) wheel.schedule(t, t.wheelDueMs + 7);
      },
      clock,
      host,
    );
    wheel.schedule(new Task('s'), 7);
    // Ticks arrive irregularly late (1–13 ms apart).
    let step = 0;
    while (wheel.size > 0) {
      clock.advance(1 + ((step++ * 5) % 13));
      host.fire();
    }
    expect(dues).toEqual(Array.from({ length: 100 }, (_, i) => (i + 1) * 7));
  });

  it('cancel removes a task from anywhere in its slot and clear drops everything', () => {
    const { clock, host, fired, wheel } = setup();
    const tasks = ['a', 'b', 'c'].map((n) => new Task(n));
    for (const t of tasks) wheel.schedule(t, 1004);
    wheel.cancel(tasks[1]!);
    wheel.cancel(tasks[1]!); // idempotent
    expect(wheel.size).toBe(2);
    clock.set(1004);
    host.fire();
    expect(fired.map((f) => f[0]).sort()).toEqual(['a', 'c']);
    wheel.schedule(new Task('d'), 1100);
    wheel.clear();
    expect(wheel.size).toBe(0);
    clock.set(1200);
    host.fire();
    expect(fired.length).toBe(2);
  });
  it('a callback that cancels or moves the next task in its slot neither fires it nor strands the tasks after it', () => {
    const { clock, host } = setup();
    const fired: string[] = [];
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((n) => new Task(n)) as [Task, Task, Task, Task, Task];
    const w: TimerWheel<Task> = new TimerWheel<Task>(
      (t) => {
        fired.push(t.name);
        // A slot's list runs newest first: e, d, c, b, a.
        if (t === e) w.cancel(d);
        if (t === c) w.schedule(b, 1010);
      },
      clock,
      host,
    );
    for (const t of [a, b, c, d, e]) w.schedule(t, 1000.5);
    clock.set(1002);
    host.fire();
    expect(fired).toEqual(['e', 'c', 'a']);
    expect(w.size).toBe(1);
    clock.set(1010);
    host.fire();
    expect(fired).toEqual(['e', 'c', 'a', 'b']);
    expect(w.size).toBe(0);
  });

  it('fires a task scheduled a whole revolution ahead from a callback walking the same slot', () => {
    const { clock, host } = setup();
    const fired: [string, number][] = [];
    const later = new Task('a revolution on');
    const w: TimerWheel<Task> = new TimerWheel<Task>(
      (t) => {
        fired.push([t.name, clock.now()]);
        // 4096 ms on: the same slot as the one being walked, inserted at its head.
        if (t.name === 'first') w.schedule(later, 1002 + 4096);
      },
      clock,
      host,
    );
    w.schedule(new Task('first'), 1002);
    clock.set(1002.2);
    host.fire();
    expect(fired.map((f) => f[0])).toEqual(['first']);
    for (let t = 1003; t <= 1002 + 4096; t += 7) {
      clock.set(t);
      host.fire();
    }
    clock.set(1002 + 4096);
    host.fire();
    expect(fired.map((f) => f[0])).toEqual(['first', 'a revolution on']);
    expect(fired[1]![1]).toBe(1002 + 4096);
    expect(w.size).toBe(0);
  });

});

describe('TimerWheel with fractional due times', () => {
  it('fires a task due later within the current millisecond on the next advance, not a revolution later', () => {
    const { clock, host, fired, wheel } = setup();
    wheel.schedule(new Task('frac'), 1005.7);
    clock.set(1005.2);
    host.fire();
    expect(fired).toEqual([]);
    clock.set(1005.9);
    host.fire();
    expect(fired.map((f) => f[0])).toEqual(['frac']);
    expect(fired[0]![2]).toBeCloseTo(0.2);
  });

  it('keeps a chained stream on time when ticks land mid-millisecond', () => {
    const clock = new ManualClock(0.3);
    const host = new ManualHost();
    const times: number[] = [];
    const wheel: TimerWheel<Task> = new TimerWheel<Task>(
      (t) => {
        times.push(clock.now());
        if (times.length < 20) wheel.schedule(t, t.wheelDueMs + 30.4);
      },
      clock,
      host,
    );
    wheel.schedule(new Task('s'), 10.55);
    while (wheel.size > 0 && clock.now() < 10_000) {
      clock.advance(0.25);
      if (host.armed) host.fire();
    }
    expect(times.length).toBe(20);
    times.forEach((t, i) => {
      const due = 10.55 + i * 30.4;
      expect(t).toBeGreaterThanOrEqual(due);
      expect(t - due).toBeLessThan(0.3);
    });
  });

  it('when polling, turns the loop (delay 0) only while a task is due in this tick or the next', () => {
    const clock = new ManualClock(1000);
    const host = new ManualHost();
    const fired: string[] = [];
    const wheel = new TimerWheel<Task>((t) => fired.push(t.name), clock, host, 'poll');
    wheel.schedule(new Task('far'), 1010);
    expect(host.lastDelayMs).toBe(1);
    clock.set(1008.5);
    host.fire();
    // Due two ticks on: still sleeping.
    expect(host.lastDelayMs).toBe(1);
    clock.set(1009.1);
    host.fire();
    // Due in the next tick: the wheel polls.
    expect(host.lastDelayMs).toBe(0);
    clock.set(1009.6);
    host.fire();
    expect(fired).toEqual([]);
    expect(host.lastDelayMs).toBe(0);
    clock.set(1010.01);
    host.fire();
    expect(fired).toEqual(['far']);
    expect(host.armed).toBeNull();
    wheel.schedule(new Task('soon'), 1010.6);
    expect(host.lastDelayMs).toBe(0);
  });

  it('when spinning, waits in the advance for tasks due within 0.1 ms, for 0.4 ms at most', () => {
    // A clock that moves 0.01 ms on every read: the spin's busy-wait reads it until a task is due.
    const ticking = new ManualClock(1000);
    const clock = { now: () => (ticking.advance(0.01), ticking.now()) };
    const host = new ManualHost();
    const fired: [string, number][] = [];
    const wheel = new TimerWheel<Task>((t, late) => fired.push([t.name, late]), clock, host, 'spin');
    wheel.schedule(new Task('now'), 1000.005);
    wheel.schedule(new Task('near'), 1000.08);
    // Due 0.1 ms after the advance's first read, within the spin's horizon only once 'near' has fired.
    wheel.schedule(new Task('chained'), 1000.17);
    wheel.schedule(new Task('past the horizon'), 1000.5);
    host.fire();
    expect(fired.map((f) => f[0])).toEqual(['now', 'near', 'chained']);
    // Each fires within two of the clock's 0.01 ms steps of its due time (float sums drift a little).
    for (const [, late] of fired) expect(late).toBeLessThan(0.02);
    // What the spin left is polled for on the next turn of the loop.
    expect(host.lastDelayMs).toBe(0);
    expect(ticking.now()).toBeLessThan(1000.2);
    ticking.set(1000.6);
    host.fire();
    expect(fired.map((f) => f[0])).toEqual(['now', 'near', 'chained', 'past the horizon']);
    // A stream of tasks 0.05 ms apart keeps the advance spinning until its 0.4 ms run out.
    fired.length = 0;
    ticking.set(2000);
    for (let i = 0; i < 20; i++) wheel.schedule(new Task(`t${i}`), 2000.02 + i * 0.05);
    host.fire();
    const start = 2000.01;
    const spun = fired.map((f) => f[0]);
    expect(spun).toEqual(Array.from({ length: spun.length }, (_, i) => `t${i}`));
    // Tasks due up to 0.4 ms after the advance began fire in it, and none later.
    expect(spun.length).toBe(Math.floor((start + 0.4 - 2000.02) / 0.05) + 1);
    expect(host.lastDelayMs).toBe(0);
  });

  it('spins without reading the clock back to back (each read allocates)', () => {
    // Real time, counted reads: a spin that read performance.now() back to back read it about 20
    // times a microsecond, each read a new heap number, which made most of a streaming thread's
    // scavenges. It now reads about once a microsecond. The bound (4 reads a µs) holds wherever
    // 1,024 multiply-adds take 0.25 µs or more; a slower or preempted spin reads less.
    let reads = 0;
    let first = 0;
    let last = 0;
    const clock = {
      now: (): number => {
        last = performance.now();
        if (reads++ === 0) first = last;
        return last;
      },
    };
    const host = new ManualHost();
    let fired = 0;
    const wheel = new TimerWheel<Task>(() => fired++, clock, host, 'spin');
    let spunReads = 0;
    let spunMs = 0;
    // The first rounds warm the spin up (interpreted, a pause takes far longer); the rest count.
    for (let round = 0; round < 300; round++) {
      reads = 0;
      wheel.schedule(new Task(`due ${round}`), performance.now() + 0.09);
      host.fire();
      if (round >= 200) {
        spunReads += reads;
        spunMs += last - first;
      }
    }
    expect(fired).toBe(300);
    // The rounds did spin (most of their 0.09 ms), so the rate below is a spin's.
    expect(spunMs).toBeGreaterThan(100 * 0.05);
    expect(spunReads / (spunMs * 1000)).toBeLessThan(4);
  });

  it('does not spin once it is behind', () => {
    const ticking = new ManualClock(1000);
    const clock = { now: () => (ticking.advance(0.01), ticking.now()) };
    const host = new ManualHost();
    const fired: string[] = [];
    const wheel = new TimerWheel<Task>((t) => fired.push(t.name), clock, host, 'spin');
    wheel.schedule(new Task('late'), 1000.2);
    wheel.schedule(new Task('next'), 1000.33);
    // The advance comes 0.11 ms after 'late' was due: too late to spin for 'next'.
    ticking.set(1000.3);
    host.fire();
    expect(fired).toEqual(['late']);
    expect(host.lastDelayMs).toBe(0);
  });

  it('ends the spin within its bounds when a callback keeps rescheduling its task overdue', () => {
    const ticking = new ManualClock(1000);
    const clock = { now: () => (ticking.advance(0.001), ticking.now()) };
    const host = new ManualHost();
    let fired = 0;
    const wheel: TimerWheel<Task> = new TimerWheel<Task>(
      (t) => {
        fired++;
        // Always overdue: due at a fixed time already past.
        wheel.schedule(t, 1000.01);
      },
      clock,
      host,
      'spin',
    );
    wheel.schedule(new Task('again'), 1000.01);
    ticking.set(1000.02);
    host.fire();
    // Bounded by the spin's 0.4 ms: a few hundred reads of this clock, not an endless loop.
    expect(fired).toBeGreaterThan(1);
    expect(ticking.now() - 1000.02).toBeLessThan(0.41 + 0.01);
    expect(host.lastDelayMs).toBe(0);
  });

  it('when polling without spinning, fires only what is due at the advance', () => {
    const ticking = new ManualClock(1000);
    const clock = { now: () => (ticking.advance(0.01), ticking.now()) };
    const host = new ManualHost();
    const fired: string[] = [];
    const wheel = new TimerWheel<Task>((t) => fired.push(t.name), clock, host, 'poll');
    wheel.schedule(new Task('now'), 1000.005);
    wheel.schedule(new Task('near'), 1000.08);
    host.fire();
    expect(fired).toEqual(['now']);
    expect(host.lastDelayMs).toBe(0);
  });

  it('without polling, always sleeps on the 1 ms timer', () => {
    const { clock, host, wheel } = setup();
    wheel.schedule(new Task('soon'), 1000.5);
    expect(host.lastDelayMs).toBe(1);
    clock.set(1000.2);
    host.fire();
    expect(host.lastDelayMs).toBe(1);
  });

  it("clears the Node host's immediate and its timer, whichever was armed", async () => {
    let ran = 0;
    const counting: TimerHost = { set: (fn, delayMs) => NODE_TIMER_HOST.set(() => (ran++, fn()), delayMs), clear: (h, d) => NODE_TIMER_HOST.clear(h, d) };
    const armed: number[] = [];
    const spy: TimerHost = { set: (fn, delayMs) => (armed.push(delayMs), counting.set(fn, delayMs)), clear: (h, d) => counting.clear(h, d) };
    // Due before the wheel exists, so due in its first slot however long the constructor took
    // (read after it, `now` may already be 2 ms on on a loaded machine: then the 1 ms timer is armed).
    const dueNow = MONOTONIC_CLOCK.now();
    const soon = new TimerWheel<Task>(() => {}, MONOTONIC_CLOCK, spy, 'poll');
    soon.schedule(new Task('now'), dueNow);
    const later = new TimerWheel<Task>(() => {}, MONOTONIC_CLOCK, spy, 'poll');
    later.schedule(new Task('later'), MONOTONIC_CLOCK.now() + 60_000);
    expect(armed).toEqual([0, 1]);
    soon.clear();
    later.clear();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ran).toBe(0);
  });
});
