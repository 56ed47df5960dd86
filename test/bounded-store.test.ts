import { describe, expect, it } from 'vitest';
import { BoundedStore } from '../src/server/bounded-store.js';

describe('BoundedStore', () => {
  it('keeps at most its entries and bytes, the least recently used out first', () => {
    const store = new BoundedStore<string>(3, 10, (s) => s.length);
    store.put('a', 'aaaa');
    store.put('b', 'bbbb');
    store.get('a');
    store.put('c', 'cccc');
    expect([...store.values()]).toEqual(['aaaa', 'cccc']);
    expect(store.bytes).toBe(8);
    store.put('huge', 'x'.repeat(11));
    expect(store.get('huge')).toBeUndefined();
    expect(store.bytes).toBe(8);
  });

  it('counts an object that grew between two puts at its new size, and evicts for it', () => {
    const session = (n: number) => ({ received: n });
    const store = new BoundedStore<{ received: number }>(100, 100, (s) => s.received);
    const grown = Array.from({ length: 5 }, (_, i) => {
      const s = session(0);
      store.put(`s${i}`, s);
      s.received = 30;
      store.put(`s${i}`, s);
      return s;
    });
    expect(grown).toHaveLength(5);
    // 5 × 30 bytes cannot all stay under 100: only the three most recent do.
    expect(store.size).toBe(3);
    expect(store.bytes).toBe(90);
    expect(store.get('s0')).toBeUndefined();
    expect(store.delete('s4')).toBe(true);
    expect(store.bytes).toBe(60);
  });
});
