import { describe, expect, it } from 'vitest';
import { nestedDeeperThan } from '../src/server/json-depth.js';

const nested = (depth: number, open = '[', close = ']'): unknown => JSON.parse(`${open.repeat(depth)}${close.repeat(depth)}`);

describe('nestedDeeperThan', () => {
  it('counts arrays and objects as levels and scalars as none', () => {
    expect(nestedDeeperThan(1, 0)).toBe(false);
    expect(nestedDeeperThan('x', 0)).toBe(false);
    expect(nestedDeeperThan(null, 0)).toBe(false);
    expect(nestedDeeperThan([], 0)).toBe(true);
    expect(nestedDeeperThan([], 1)).toBe(false);
    expect(nestedDeeperThan({ a: { b: [1] } }, 3)).toBe(false);
    expect(nestedDeeperThan({ a: { b: [1] } }, 2)).toBe(true);
  });

  it('finds the deepest branch whatever its position', () => {
    const value = { shallow: [1, 2], deep: { x: 1, y: [{ z: [[]] }] }, after: 'x' };
    expect(nestedDeeperThan(value, 5)).toBe(true);
    expect(nestedDeeperThan(value, 6)).toBe(false);
  });

  it('walks 100,000 levels without recursion', () => {
    expect(nestedDeeperThan(nested(100_000), 99_999)).toBe(true);
    expect(nestedDeeperThan(nested(100_000), 100_000)).toBe(false);
    expect(nestedDeeperThan(JSON.parse(`${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`), 1000)).toBe(true);
  });
});
