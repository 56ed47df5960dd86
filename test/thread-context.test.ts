/**
 * The counters every server thread shares (random-stream index, fault positions, store order)
 * keep counting past their word sizes: a soak test at tens of thousands of requests a second
 * passes 2^31 requests in half a day.
 */
import { describe, expect, it } from 'vitest';
import type { Config } from '../src/config/schema.js';
import type { Corpus } from '../src/corpus/sampler.js';
import type { CounterWriter } from '../src/metrics/counters.js';
import { ARRIVALS_BYTES, ThreadContext } from '../src/server/thread-context.js';
import type { ProfileTable } from '../src/timing/profiles.js';
import { SeededRandom, combineSeeds } from '../src/timing/random.js';

const SEED = 7;

/** A context over `arrivals` with only what the counters read. */
function context(arrivals: SharedArrayBuffer, scenarioRun = 0): ThreadContext {
  const ctx = new ThreadContext({ seed: SEED, apiKeys: [] } as unknown as Config, {} as Corpus, {} as CounterWriter, { profiles: {} } as unknown as ProfileTable, arrivals);
  ctx.scenarioRun = scenarioRun;
  return ctx;
}

const firstDraw = (rng: SeededRandom): number => rng.next();
const streamAt = (index: number): number => firstDraw(new SeededRandom(combineSeeds(SEED, index)));

describe('shared arrival counters', () => {
  it('give the 2^31-th request and a batch reserved there their own streams, never a negative index', () => {
    const arrivals = new SharedArrayBuffer(ARRIVALS_BYTES);
    new Int32Array(arrivals, 0, 2).set([0x7fffffff, 0x7fffffff]);
    const ctx = context(arrivals);
    expect(firstDraw(ctx.requestRng(undefined, ''))).toBe(streamAt(2 ** 31 - 1));
    expect(firstDraw(ctx.requestRng(undefined, ''))).toBe(streamAt(2 ** 31));
    const [source] = ctx.reserveArrivals(3);
    expect(source).toBe(2 ** 31 + 1);
    // A batch item runs at its reserved source: the stream it planned at create, not the next free one.
    expect(ctx.atArrival(source + 2, () => firstDraw(ctx.requestRng(undefined, '')))).toBe(streamAt(2 ** 31 + 3));
    expect(firstDraw(ctx.requestRng(undefined, ''))).toBe(streamAt(2 ** 31 + 4));
    expect(ctx.nextStoreSeq()).toBe(2 ** 31 - 1);
    expect(ctx.nextStoreSeq()).toBe(2 ** 31);
  });

  it('wrap the random-stream index to 0 after 2^32', () => {
    const arrivals = new SharedArrayBuffer(ARRIVALS_BYTES);
    new Int32Array(arrivals, 0, 2).set([-1, 0]);
    const ctx = context(arrivals);
    expect(firstDraw(ctx.requestRng(undefined, ''))).toBe(streamAt(2 ** 32 - 1));
    expect(firstDraw(ctx.requestRng(undefined, ''))).toBe(streamAt(0));
  });

  it('wrap fault positions inside their run: no thread reads a newer scenario load', () => {
    const arrivals = new SharedArrayBuffer(ARRIVALS_BYTES);
    const word = new BigInt64Array(arrivals, 8, 1);
    word[0] = (3n << 32n) | 0xfffffffen;
    const a = context(arrivals, 3);
    const b = context(arrivals, 3);
    expect(a.nextArrival()).toBe(2 ** 32 - 2);
    expect(b.nextArrival()).toBe(2 ** 32 - 1);
    expect(a.nextArrival()).toBe(0);
    expect(b.nextArrival()).toBe(1);
    expect(word[0] >> 32n).toBe(3n);
    // A thread still on the run before takes no position of this one.
    expect(context(arrivals, 2).nextArrival()).toBe(-1);
    // The next load starts its count at 0.
    expect(context(arrivals, 4).nextArrival()).toBe(0);
  });
});
