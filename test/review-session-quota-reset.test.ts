/**
 * A quota reload empties the buckets while server threads go on admitting. It must leave the key
 * table alone: a key's two words are claimed one after the other (compare-and-swap of the first,
 * then a store of the second), and a claimant that finds its first word waits for the second. A
 * reset zeroing the table mid-claim leaves a first word without its second (or takes the second
 * from under a thread that has read the first), and every thread that looks that key up spins
 * forever. Keys hold no charge, so keeping them costs nothing: README promises a pair keeps its
 * bucket for the run.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/timing/clock.js';
import { allocateQuotaMemory, QuotaEngine, resetQuotaMemory } from '../src/quota/engine.js';
import { parseQuotaTable } from '../src/quota/limits.js';

const KEY_TABLE_WORDS = 65_536 * 2;

describe('resetQuotaMemory', () => {
  it('empties every bucket but keeps the key table, so no claim in flight is torn', () => {
    const memory = allocateQuotaMemory(1e12);
    const table = parseQuotaTable({ defaults: { requestsPerMinute: 1 } }, 'test');
    const engine = new QuotaEngine(memory, table, new ManualClock(0), () => 1e12);
    const req = (apiKey: string) => ({ dialect: 'openai', apiKey, model: 'gpt-4o', inputTokens: 1, maxOutputTokens: 1 }) as const;
    for (let i = 0; i < 100; i++) expect(engine.admit(req(`sk-${i}`)).rejection).toBeNull();
    expect(engine.admit(req('sk-0')).rejection).not.toBeNull();
    const keys = new Int32Array(memory, 0, KEY_TABLE_WORDS).slice();
    expect(keys.some((w) => w !== 0)).toBe(true);

    resetQuotaMemory(memory);

    expect(new Int32Array(memory, 0, KEY_TABLE_WORDS)).toEqual(keys);
    // The charges are gone: a fresh engine (as a thread builds for the new limits) admits every key again.
    const fresh = new QuotaEngine(memory, table, new ManualClock(0), () => 1e12);
    for (let i = 0; i < 100; i++) expect(fresh.admit(req(`sk-${i}`)).rejection).toBeNull();
    expect(fresh.admit(req('sk-0')).rejection).not.toBeNull();
  });
});
