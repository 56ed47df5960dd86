import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { admitShared, gcraStep, refundShared, type Limit } from '../src/quota/gcra.js';

const PER_MINUTE_60: Limit = { capacity: 60, windowMs: 60_000 };

describe('GCRA', () => {
  it('admits a full window at once, then refuses until one interval refills', () => {
    let tat = 0;
    const now = 1_000_000_000; // µs
    for (let i = 0; i < 60; i++) {
      const r = gcraStep(tat, now, 1, PER_MINUTE_60);
      expect(r.decision.admitted).toBe(true);
      expect(r.decision.remaining).toBe(59 - i);
      tat = r.tatUs;
    }
    const refused = gcraStep(tat, now, 1, PER_MINUTE_60);
    expect(refused.decision.admitted).toBe(false);
    expect(refused.decision.retryAfterMs).toBeCloseTo(1000);
    expect(refused.decision.resetMs).toBeCloseTo(60_000);
    // One interval (1 s) later exactly one more fits.
    expect(gcraStep(tat, now + 1_000_000, 1, PER_MINUTE_60).decision.admitted).toBe(true);
    expect(gcraStep(tat, now + 999_000, 1, PER_MINUTE_60).decision.admitted).toBe(false);
  });

  it('refills continuously: the reset shrinks as time passes', () => {
    let tat = 0;
    const now = 5_000_000;
    tat = gcraStep(tat, now, 30, PER_MINUTE_60).tatUs; // half the bucket
    const later = gcraStep(tat, now + 10_000_000, 1, PER_MINUTE_60).decision;
    expect(later.resetMs).toBeCloseTo(21_000);
    expect(later.remaining).toBe(39);
  });

  it('charges token costs and refuses a cost larger than the whole bucket forever', () => {
    const tpm: Limit = { capacity: 30_000, windowMs: 60_000 };
    const first = gcraStep(0, 0, 29_000, tpm);
    expect(first.decision.admitted).toBe(true);
    expect(first.decision.remaining).toBe(1000);
    const second = gcraStep(first.tatUs, 0, 2_000, tpm);
    expect(second.decision.admitted).toBe(false);
    expect(second.decision.retryAfterMs).toBeCloseTo(2000);
    const tooBig = gcraStep(0, 0, 31_538, tpm);
    expect(tooBig.decision.admitted).toBe(false);
    expect(tooBig.decision.retryAfterMs).toBe(Number.POSITIVE_INFINITY);
  });

  it('refunds without moving the bucket behind now', () => {
    const cells = new BigInt64Array(new SharedArrayBuffer(8));
    admitShared(cells, 0, 0, 60, PER_MINUTE_60);
    expect(admitShared(cells, 0, 0, 1, PER_MINUTE_60).admitted).toBe(false);
    refundShared(cells, 0, 0, 10, PER_MINUTE_60);
    expect(admitShared(cells, 0, 0, 10, PER_MINUTE_60).admitted).toBe(true);
    refundShared(cells, 0, 0, 1_000, PER_MINUTE_60);
    expect(Number(cells[0])).toBe(0);
  });

  it('admits exactly the limit across four threads hammering one shared bucket', async () => {
    const sab = new SharedArrayBuffer(8);
    // The workers run the real admitShared from dist/ (built by the test setup; workers cannot load TypeScript).
    const moduleUrl = new URL('../dist/src/quota/gcra.js', import.meta.url).href;
    const source = `
      const { workerData, parentPort } = require('node:worker_threads');
      import(workerData.moduleUrl).then(({ admitShared }) => {
        const cells = new BigInt64Array(workerData.sab, 0, 1);
        let admitted = 0;
        for (let i = 0; i < 5000; i++) if (admitShared(cells, 0, 0, 1, { capacity: 1000, windowMs: 60000 }).admitted) admitted++;
        parentPort.postMessage(admitted);
      });
    `;
    const counts = await Promise.all(
      Array.from({ length: 4 }, () => {
        const w = new Worker(source, { eval: true, workerData: { sab, moduleUrl } });
        return new Promise<number>((resolve, reject) => {
          w.once('message', (n: number) => resolve(n));
          w.once('error', reject);
        });
      }),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1000);
    // And the module's own function agrees with the state the workers left.
    expect(admitShared(new BigInt64Array(sab, 0, 1), 0, 0, 1, { capacity: 1000, windowMs: 60_000 }).admitted).toBe(false);
  });
});
