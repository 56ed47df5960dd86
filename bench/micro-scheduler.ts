/**
 * Micro cases for the scheduler: the timer wheel with 10,000 resident tasks, each firing and
 * rescheduling itself as a stream does between events, against a binary heap doing the same; and
 * a polling thread's turns (an advance every 10 µs with 2,000 streams resident) against a heap's
 * peek-and-pop on the same turns.
 */
import { ManualClock } from '../src/timing/clock.js';
import { SeededRandom } from '../src/timing/random.js';
import { TimerWheel, type TimerHost, type WheelTask } from '../src/timing/timer-wheel.js';
import { sink, type Body, type Pair } from './micro-harness.js';

class Task implements WheelTask {
  wheelDueMs: number;
  wheelNext: WheelTask | null;
  wheelPrev: WheelTask | null;
  wheelSlot: number;
  gapIndex: number;

  constructor(i: number) {
    this.wheelDueMs = 0;
    this.wheelNext = null;
    this.wheelPrev = null;
    this.wheelSlot = -1;
    this.gapIndex = i;
  }
}

const NO_HOST: TimerHost = { set: () => 0, clear: () => {} };
const RESIDENT = 10_000;
/** Streams resident in the poll-turn case: the bench's 2,000-stream level, about 100 due per ms. */
const POLLED = 2_000;
/** Clock step between poll turns: a turn of the loop that finds little to do. */
const TURN_MS = 0.01;

/** Gaps like a realistic stream's between events: 5–20 ms. */
function eventGaps(seed: number): Float64Array {
  const rng = new SeededRandom(seed);
  const gaps = new Float64Array(1024);
  for (let i = 0; i < gaps.length; i++) gaps[i] = 5 + rng.next() * 15;
  return gaps;
}

/** A binary min-heap of due times: the textbook scheduler, as the baseline. */
class DueHeap {
  readonly due: Float64Array;
  readonly id: Int32Array;
  size: number;
  poppedDue: number;
  poppedId: number;

  constructor(capacity: number) {
    this.due = new Float64Array(capacity);
    this.id = new Int32Array(capacity);
    this.size = 0;
    this.poppedDue = 0;
    this.poppedId = 0;
  }

  push(due: number, id: number): void {
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.due[parent]! <= due) break;
      this.due[i] = this.due[parent]!;
      this.id[i] = this.id[parent]!;
      i = parent;
    }
    this.due[i] = due;
    this.id[i] = id;
  }

  /** Removes the earliest entry; its due time and id are left in `poppedDue` / `poppedId`. */
  pop(): void {
    this.poppedDue = this.due[0]!;
    this.poppedId = this.id[0]!;
    const n = --this.size;
    const lastDue = this.due[n]!;
    const lastId = this.id[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.due[c + 1]! < this.due[c]!) c++;
      if (this.due[c]! >= lastDue) break;
      this.due[i] = this.due[c]!;
      this.id[i] = this.id[c]!;
      i = c;
    }
    this.due[i] = lastDue;
    this.id[i] = lastId;
  }
}

export function schedulerPairs(seed: number): Pair[] {
  const gaps = eventGaps(seed);
  const clock = new ManualClock(0);
  let fired = 0;
  const wheel: TimerWheel<Task> = new TimerWheel<Task>(
    (task) => {
      fired++;
      wheel.schedule(task, task.wheelDueMs + gaps[task.gapIndex++ & 1023]!);
    },
    clock,
    NO_HOST,
  );
  for (let i = 0; i < RESIDENT; i++) wheel.schedule(new Task(i), (i * 12) / RESIDENT);
  // Runs the wheel on a manual clock, 1 ms per tick, until `ops` tasks have fired and been rescheduled.
  const wheelRun: Body = (ops) => {
    const start = fired;
    while (fired - start < ops) {
      clock.advance(1);
      wheel.advance();
    }
    return fired - start;
  };

  const heap = new DueHeap(RESIDENT + 1);
  const heapGap = new Int32Array(RESIDENT);
  for (let i = 0; i < RESIDENT; i++) {
    heap.push((i * 12) / RESIDENT, i);
    heapGap[i] = i;
  }
  const heapRun: Body = (ops) => {
    for (let i = 0; i < ops; i++) {
      heap.pop();
      const id = heap.poppedId;
      heap.push(heap.poppedDue + gaps[heapGap[id]!++ & 1023]!, id);
    }
    sink.value += heap.size;
    return ops;
  };

  // Poll turns: the clock moves 10 µs between advances, so most turns fire nothing and some fire one.
  const pollClock = new ManualClock(0);
  const polled: TimerWheel<Task> = new TimerWheel<Task>((task) => polled.schedule(task, task.wheelDueMs + gaps[task.gapIndex++ & 1023]!), pollClock, NO_HOST);
  for (let i = 0; i < POLLED; i++) polled.schedule(new Task(i), (i * 20) / POLLED);
  const pollRun: Body = (ops) => {
    for (let i = 0; i < ops; i++) {
      pollClock.advance(TURN_MS);
      polled.advance();
    }
    return ops;
  };
  const turnHeap = new DueHeap(POLLED + 1);
  const turnGap = new Int32Array(POLLED);
  for (let i = 0; i < POLLED; i++) {
    turnHeap.push((i * 20) / POLLED, i);
    turnGap[i] = i;
  }
  let heapNow = 0;
  const heapTurns: Body = (ops) => {
    for (let i = 0; i < ops; i++) {
      heapNow += TURN_MS;
      while (turnHeap.due[0]! <= heapNow) {
        turnHeap.pop();
        const id = turnHeap.poppedId;
        turnHeap.push(turnHeap.poppedDue + gaps[turnGap[id]!++ & 1023]!, id);
      }
    }
    sink.value += turnHeap.size;
    return ops;
  };

  return [
    {
      name: `scheduler: a poll turn of the timer wheel (${POLLED.toLocaleString('en-US')} resident, advance every 10 µs)`,
      baseline: 'binary heap peek + due pops',
      note: 'manual clock, gaps 5–20 ms, no-op host timer; 1.6 tasks fire per turn on average, 160 share each 1 ms slot',
      ops: 1_000_000,
      run: pollRun,
      base: heapTurns,
    },
    {
      name: `scheduler: timer wheel fire + reschedule (${RESIDENT.toLocaleString('en-US')} resident)`,
      baseline: 'binary heap pop + push',
      note: 'manual clock, 1 ms ticks, gaps 5–20 ms, no-op host timer',
      ops: 2_000_000,
      run: wheelRun,
      base: heapRun,
    },
  ];
}
