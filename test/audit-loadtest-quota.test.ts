/**
 * Rate limits are per API key and model however many a load test sends: a multi-tenant app under
 * test gives each tenant its own key, and one tenant's traffic must not spend another's bucket.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/timing/clock.js';
import { allocateQuotaMemory, QUOTA_BUCKET_PAIRS, QuotaEngine } from '../src/quota/engine.js';
import { parseQuotaTable } from '../src/quota/limits.js';
import { tempFile, useSimulator } from './fixtures/sim.js';

describe('a quota with thousands of API keys, one request each', () => {
  const sim = useSimulator({ quota: tempFile('quota.json', { defaults: { requestsPerMinute: 2, tokensPerMinute: 1_000_000 } }) });

  it('admits every key its own requests (no tenant is charged for another)', async () => {
    // Past 4,095 (key, model) pairs every further pair once shared one bucket: 2 requests a
    // minute among all of them, so most of these were 429s from a limit no key had reached.
    const KEYS = 4_300;
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < KEYS) {
          const key = `sk-tenant-${next++}`;
          const res = await fetch(`${sim().url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] }),
          });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    expect(Object.fromEntries(statuses)).toEqual({ 200: KEYS });
  }, 30_000);
});

describe('the shared bucket table', () => {
  it(`keeps ${QUOTA_BUCKET_PAIRS.toLocaleString('en')} (key, model) pairs apart, as README promises`, () => {
    const engine = new QuotaEngine(allocateQuotaMemory(1e12), parseQuotaTable({ defaults: { requestsPerMinute: 1 } }, 'test'), new ManualClock(0), () => 1e12);
    let refused = 0;
    for (let i = 0; i < QUOTA_BUCKET_PAIRS; i++) {
      if (engine.admit({ dialect: 'openai', apiKey: `sk-${i}`, model: i % 2 === 0 ? 'gpt-4o-mini' : 'gpt-4o', inputTokens: 10, maxOutputTokens: 10 }).rejection !== null) refused++;
    }
    expect(refused).toBe(0);
  });
});
