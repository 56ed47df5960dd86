/**
 * xAI's Grok 4.20 (2026-03/04) and Grok 4.3 (2026-04-30) through the openai SDK: their first token
 * and decode speed as published (BridgeBench: 4.20 reasoning 1,497 ms and 238 tokens/s, 4.20
 * non-reasoning 1,999 ms and 243 tokens/s; Grok 4.3 1.0 s p50 on Vercel's gateway and 199 tokens/s
 * on Artificial Analysis), where they fell on `grok-4` → `xai-grok-reasoning` (Grok 4's 3.7 s and
 * 61 tokens/s; the non-reasoning variant, which reasons no tokens, about 0.6 s).
 * docs/latency-profiles.md cites the sources.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { loadProfiles, profileNameFor } from '../src/timing/profiles.js';
import { useSimulator } from './fixtures/sim.js';

describe('Grok 4.20 and 4.3 planned timing, as the server reports it', () => {
  // Delays a hundredth of the plan: the headers (plan × speed, to 0.1 and 0.01 ms) then resolve 10 ms of TTFT and 1 ms of gap.
  const speed = 0.01;
  const sim = useSimulator({ speed, seed: 26 });

  async function medians(model: string): Promise<{ ttftMs: number; itlMs: number }> {
    const client = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'k', maxRetries: 0 });
    const ttfts: number[] = [];
    const itls: number[] = [];
    for (let i = 0; i < 9; i++) {
      const { response } = await client.chat.completions
        .create({ model, stream: true, messages: [{ role: 'user', content: `hello ${i}` }] })
        .withResponse();
      ttfts.push(Number(response.headers.get('x-understudy-ttft-ms')) / speed);
      itls.push(Number(response.headers.get('x-understudy-itl-ms')) / speed);
    }
    const mid = (xs: number[]): number => xs.sort((a, b) => a - b)[4]!;
    return { ttftMs: mid(ttfts), itlMs: mid(itls) };
  }

  it.each([
    // [model, TTFT median within, most ms a token]
    ['grok-4.20-reasoning', [900, 2_500], 6],
    ['grok-4.20-0309-reasoning', [900, 2_500], 6],
    ['grok-4.20-non-reasoning', [1_300, 3_200], 6],
    ['grok-4.20-0309-non-reasoning', [1_300, 3_200], 6],
    ['grok-4.3', [600, 1_700], 9],
  ] as const)('%s plans its published first token and decode speed', async (model, [lo, hi], maxItl) => {
    const { ttftMs, itlMs } = await medians(model);
    expect(ttftMs).toBeGreaterThan(lo);
    expect(ttftMs).toBeLessThan(hi);
    expect(itlMs).toBeLessThan(maxItl);
  });

  it('keeps Grok 4 on its own measured profile', async () => {
    const { ttftMs } = await medians('grok-4');
    expect(ttftMs).toBeGreaterThan(2_000);
  });
});

describe('built-in profile for the Grok 4.x ids', () => {
  const table = loadProfiles();
  it.each([
    ['grok-4.20-reasoning', 'xai-grok-4.20'],
    ['grok-4.20-multi-agent-beta', 'xai-grok-4.20'],
    ['grok-4.20-non-reasoning', 'xai-grok-4.20-non-reasoning'],
    ['grok-4.20-0309-non-reasoning', 'xai-grok-4.20-non-reasoning'],
    ['grok-4.3', 'xai-grok-4.3'],
    ['grok-4', 'xai-grok-reasoning'],
    ['grok-4-1-fast-reasoning', 'xai-grok-reasoning'],
    ['grok-4-1-fast-non-reasoning', 'xai-grok'],
  ])('%s → %s', (model, profile) => {
    expect(profileNameFor(table, model)).toBe(profile);
  });
});
