import { describe, expect, it } from 'vitest';
import { scalingLevels } from '../bench/scaling.js';

describe('bench thread scaling levels', () => {
  it('doubles the server threads while the load generator keeps as many cores', () => {
    expect(scalingLevels(2)).toEqual([1]);
    expect(scalingLevels(4)).toEqual([1, 2]);
    expect(scalingLevels(6)).toEqual([1, 2]);
    expect(scalingLevels(16)).toEqual([1, 2, 4, 8]);
  });
});
