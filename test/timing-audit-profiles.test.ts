/**
 * Which built-in latency profile a model id gets. The models that always reason before their first
 * visible token (GPT-5 and its mini and nano, Grok 4, the Gemini Pro models) must get a reasoning
 * model's seconds of TTFT, and the ones that do not reason by default (gpt-5-chat, GPT-5.1 and
 * later at effort none) must not; docs/latency-profiles.md
 * gives the measurements behind each.
 */
import { describe, expect, it } from 'vitest';
import { loadProfiles, profileNameFor } from '../src/timing/profiles.js';
import { useSimulator } from './fixtures/sim.js';

describe('built-in profile for a model id', () => {
  const table = loadProfiles();

  it.each([
    ['gpt-5', 'openai-reasoning'],
    ['gpt-5-mini', 'openai-reasoning'],
    ['gpt-5-mini-2025-08-07', 'openai-reasoning'],
    ['gpt-5-nano', 'openai-reasoning'],
    ['gpt-5-chat-latest', 'openai-standard'],
    // GPT-5.1 and later reason at effort none unless asked (reasoning_tokens 0 by default).
    ['gpt-5.1', 'openai-standard'],
    ['gpt-5.2', 'openai-standard'],
    ['gpt-5.2-pro', 'openai-reasoning'],
    ['gpt-5.1-codex', 'openai-reasoning'],
    ['gpt-4o-mini', 'openai-fast'],
    ['gpt-4.1-nano', 'openai-fast'],
    ['o4-mini', 'openai-reasoning'],
    ['grok-4', 'xai-grok-reasoning'],
    ['grok-4-0709', 'xai-grok-reasoning'],
    ['grok-4-fast-non-reasoning', 'xai-grok'],
    ['grok-4-1-fast-non-reasoning', 'xai-grok'],
    ['grok-3-mini', 'xai-grok'],
    ['claude-3-5-haiku-20241022', 'anthropic-haiku'],
    ['claude-3-haiku-20240307', 'anthropic-haiku'],
    ['claude-haiku-4-5', 'anthropic-haiku'],
    ['claude-3-7-sonnet-20250219', 'anthropic-sonnet'],
    ['claude-opus-4-6', 'anthropic-opus'],
    ['gemini-3-pro-preview', 'gemini-3-pro'],
    ['gemini-3.1-pro-preview', 'gemini-3-pro'],
    ['gemini-2.5-pro', 'gemini-2.5-pro'],
    ['gemini-3-flash', 'gemini-3-flash'],
    ['gemini-3-flash-preview', 'gemini-3-flash'],
    ['gemini-3.1-flash-lite-preview', 'gemini-flash-lite'],
    ['gemini-2.0-flash', 'gemini-flash'],
  ])('%s → %s', (model, profile) => {
    expect(profileNameFor(table, model)).toBe(profile);
  });
});

describe('the planned TTFT a reasoning model streams with, as the server reports it', () => {
  // Delays a thousandth of the plan, so each stream ends at once; the headers report the plan × speed.
  const speed = 0.001;
  const sim = useSimulator({ speed, seed: 11 });

  async function medianTtftMs(model: string): Promise<number> {
    const ttfts: number[] = [];
    for (let i = 0; i < 15; i++) {
      const res = await fetch(`${sim().url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
        body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: `hello ${i}` }] }),
      });
      expect(res.status).toBe(200);
      await res.text();
      ttfts.push(Number(res.headers.get('x-understudy-ttft-ms')) / speed);
    }
    return ttfts.sort((a, b) => a - b)[7]!;
  }

  it('gpt-5-mini, gpt-5-nano and grok-4 plan seconds before their first token, gpt-4o-mini does not', async () => {
    // Reasoning profiles have TTFT medians of 3.7-4 s; the fast ones 0.45-0.7 s.
    for (const model of ['gpt-5-mini', 'gpt-5-nano', 'grok-4']) expect(await medianTtftMs(model)).toBeGreaterThan(1500);
    expect(await medianTtftMs('gpt-4o-mini')).toBeLessThan(1500);
  });
});
