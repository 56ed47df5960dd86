import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { allocateQuotaMemory, QuotaEngine } from '../src/quota/engine.js';
import { DecisionSlot, gcraStep, SharedBuckets, type Limit } from '../src/quota/gcra.js';
import { parseQuotaTable } from '../src/quota/limits.js';
import { ManualClock } from '../src/timing/clock.js';

const PER_MINUTE_60: Limit = { capacity: 60, windowMs: 60_000 };

describe('GCRA', () => {
  it('admits a full window at once, then refuses until one interval refills', () => {
    const d = new DecisionSlot();
    let tat = 0;
    const now = 1_000_000_000; // µs
    for (let i = 0; i < 60; i++) {
      tat = gcraStep(tat, now, 1, PER_MINUTE_60, d);
      expect(d.admitted).toBe(true);
      expect(d.remaining).toBe(59 - i);
    }
    expect(gcraStep(tat, now, 1, PER_MINUTE_60, d)).toBe(tat);
    expect(d.admitted).toBe(false);
    expect(d.retryAfterMs).toBeCloseTo(1000);
    expect(d.resetMs).toBeCloseTo(60_000);
    // One interval (1 s) later exactly one more fits.
    gcraStep(tat, now + 1_000_000, 1, PER_MINUTE_60, d);
    expect(d.admitted).toBe(true);
    gcraStep(tat, now + 999_000, 1, PER_MINUTE_60, d);
    expect(d.admitted).toBe(false);
  });

  it('refills continuously: the reset shrinks as time passes', () => {
    const d = new DecisionSlot();
    const now = 5_000_000;
    const tat = gcraStep(0, now, 30, PER_MINUTE_60, d); // half the bucket
    gcraStep(tat, now + 10_000_000, 1, PER_MINUTE_60, d);
    expect(d.resetMs).toBeCloseTo(21_000);
    expect(d.remaining).toBe(39);
  });

  it('charges token costs and refuses a cost larger than the whole bucket forever', () => {
    const tpm: Limit = { capacity: 30_000, windowMs: 60_000 };
    const d = new DecisionSlot();
    const tat = gcraStep(0, 0, 29_000, tpm, d);
    expect(d.admitted).toBe(true);
    expect(d.remaining).toBe(1000);
    gcraStep(tat, 0, 2_000, tpm, d);
    expect(d.admitted).toBe(false);
    expect(d.retryAfterMs).toBeCloseTo(2000);
    gcraStep(0, 0, 31_538, tpm, d);
    expect(d.admitted).toBe(false);
    expect(d.retryAfterMs).toBe(Number.POSITIVE_INFINITY);
  });

  it('keeps sub-microsecond intervals: a huge limit still runs out', () => {
    // 1e9 per minute is a 0.06 µs interval; states count from the memory's own epoch, so it is not rounded away.
    const memory = new SharedArrayBuffer(SharedBuckets.bytes(1, 1));
    SharedBuckets.init(memory, 0, 1.7e12);
    const buckets = new SharedBuckets(memory, 0, 1, 1);
    const d = new DecisionSlot();
    const limit: Limit = { capacity: 1e9, windowMs: 60_000 };
    buckets.setTat(0, 0, gcraStep(buckets.tat(0, 0), 0, 1e9 - 1, limit, d));
    buckets.setTat(0, 0, gcraStep(buckets.tat(0, 0), 0, 1, limit, d));
    expect(d.admitted).toBe(true);
    expect(d.remaining).toBe(0);
    gcraStep(buckets.tat(0, 0), 0, 1, limit, d);
    expect(d.admitted).toBe(false);
  });
});

describe('quota engine', () => {
  const table = parseQuotaTable({ defaults: { requestsPerMinute: 10, tokensPerMinute: 1_000 } }, 'test');
  const request = (inputTokens: number) => ({ dialect: 'openai' as const, apiKey: 'sk-a', model: 'gpt-4o-mini', inputTokens, maxOutputTokens: 0 });

  it('charges every dimension or none: a refusal on tokens leaves the request count alone', () => {
    const clock = new ManualClock(0);
    const engine = new QuotaEngine(allocateQuotaMemory(1e12), table, clock, () => 1e12);
    expect(engine.admit(request(900)).rejection).toBeNull();
    const refused = engine.admit(request(200));
    expect(refused.rejection).toMatchObject({ dimension: 'tokens', limit: 1000, requested: 200, used: 900 });
    // Nine requests were left: the refused one took none, so this one leaves eight.
    const lines = engine.admit(request(0)).headers.join(': ');
    expect(lines).toMatch(/x-ratelimit-remaining-requests: 8\r\n/);
  });

  it('admits exactly the limit across four threads hammering one shared bucket', async () => {
    const memory = allocateQuotaMemory(1e12);
    // The workers start together (a shared flag), so their admissions overlap and contend for the lock.
    const start = new Int32Array(new SharedArrayBuffer(8));
    // The workers run the real engine from dist/ (built by the test setup; workers cannot load TypeScript).
    const moduleUrl = (path: string) => new URL(`../dist/src/${path}`, import.meta.url).href;
    const source = `
      const { workerData, parentPort } = require('node:worker_threads');
      Promise.all([import(workerData.engine), import(workerData.limits)]).then(([{ QuotaEngine }, { parseQuotaTable }]) => {
        const table = parseQuotaTable({ defaults: { requestsPerMinute: 20000, tokensPerMinute: 1e9 } }, 'worker');
        // Time stands still at the memory's epoch: only exact admission keeps the total at the limit.
        const engine = new QuotaEngine(workerData.memory, table, { now: () => 0 }, () => 1e12);
        let admitted = 0;
        Atomics.add(workerData.start, 1, 1);
        Atomics.wait(workerData.start, 0, 0);
        for (let i = 0; i < 10000; i++) if (engine.admit({ dialect: 'openai', apiKey: 'k', model: 'm', inputTokens: 10, maxOutputTokens: 10 }).rejection === null) admitted++;
        parentPort.postMessage(admitted);
      });
    `;
    const settled = Promise.all(
      Array.from({ length: 4 }, () => {
        const w = new Worker(source, { eval: true, workerData: { memory, start, engine: moduleUrl('quota/engine.js'), limits: moduleUrl('quota/limits.js') } });
        return new Promise<number>((resolve, reject) => {
          w.once('message', (n: number) => resolve(n));
          w.once('error', reject);
        });
      }),
    );
    while (Atomics.load(start, 1) < 4) await new Promise((r) => setTimeout(r, 5));
    Atomics.store(start, 0, 1);
    Atomics.notify(start, 0);
    const counts = await settled;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(20_000);
    // And an engine in this thread sees the bucket the workers emptied.
    const here = new QuotaEngine(memory, parseQuotaTable({ defaults: { requestsPerMinute: 20_000, tokensPerMinute: 1e9 } }, 'here'), new ManualClock(0), () => 1e12);
    expect(here.admit({ dialect: 'openai', apiKey: 'k', model: 'm', inputTokens: 10, maxOutputTokens: 10 }).rejection?.dimension).toBe('requests');
  });
});
