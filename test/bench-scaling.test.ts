import { describe, expect, it } from 'vitest';
import { scalingLevels } from '../bench/scaling.js';
import { placement, shares, streamScalingLevel } from '../bench/stream-scaling.js';

describe('bench thread scaling levels', () => {
  it('doubles the server threads while the load generator keeps as many cores', () => {
    expect(scalingLevels(2)).toEqual([1]);
    expect(scalingLevels(4)).toEqual([1, 2]);
    expect(scalingLevels(6)).toEqual([1, 2]);
    expect(scalingLevels(16)).toEqual([1, 2, 4, 8]);
  });
});

describe('bench streaming scaling', () => {
  it('puts the server on the last cores and one load process on each first core, at most two per server thread', () => {
    expect(placement(1, 2)).toEqual({ serverCpus: '1', loadCpus: [0] });
    expect(placement(2, 4)).toEqual({ serverCpus: '2-3', loadCpus: [0, 1] });
    expect(placement(1, 16)).toEqual({ serverCpus: '15', loadCpus: [0, 1] });
    expect(placement(8, 16)).toEqual({ serverCpus: '8-15', loadCpus: [0, 1, 2, 3, 4, 5, 6, 7] });
    // Forced onto a machine with no spare core (--only scaling on two cores): they share.
    expect(placement(2, 2)).toEqual({ serverCpus: '0-1', loadCpus: [0] });
  });

  it('splits streams into shares one apart at most that add up', () => {
    expect(shares(10, 3)).toEqual([4, 3, 3]);
    expect(shares(2000, 2)).toEqual([1000, 1000]);
    expect(shares(1, 2)).toEqual([1, 0]);
  });

  it('streams from two server threads, raw then realistic, and reads both phases', { timeout: 60_000 }, async () => {
    const level = await streamScalingLevel(2, 2, { seed: 1, windowS: 0.5, settleS: 0.2, rawPerThread: 4, realisticPerThread: 10 });
    expect(level.threads).toBe(2);
    expect(level.raw.streams).toBe(8);
    expect(level.raw.errors).toBe(0);
    expect(level.raw.eventsPerSec).toBeGreaterThan(0);
    expect(level.realistic.streams).toBe(20);
    expect(level.realistic.errors).toBe(0);
    expect(level.realistic.eventsPerSec).toBeGreaterThan(0);
    // The lag comes from the server's own histograms, merged over both threads.
    expect(Number.isFinite(level.realistic.lagP99Ms)).toBe(true);
  });
});
