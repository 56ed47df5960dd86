/**
 * A quota table names models as clients send them. Charging an alias as the dated model it serves
 * must not drop a limit written for the alias: `claude-opus-4-0` serves `claude-opus-4-20250514`,
 * which no `claude-opus-4-0` prefix matches. And what Anthropic's input-token limit counts.
 */
import { describe, expect, it } from 'vitest';
import { postJson, useSimulator } from './fixtures/sim.js';

const sim = useSimulator();

async function setQuota(table: unknown): Promise<void> {
  expect((await postJson(sim().url, '/_understudy/quota', table)).status).toBe(200);
}

const claude = async (model: string, key: string): Promise<number> => {
  const r = await fetch(`${sim().url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await r.arrayBuffer();
  return r.status;
};
const chat = async (model: string, key: string): Promise<number> => {
  const r = await fetch(`${sim().url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await r.arrayBuffer();
  return r.status;
};

describe('a quota entry written for the name a client sends', () => {
  it('limits an alias whose dated id it does not prefix (claude-opus-4-0, claude-3-7-sonnet-latest)', async () => {
    await setQuota({ defaults: { requestsPerMinute: 1000 }, models: { 'claude-opus-4-0': { requestsPerMinute: 1 }, 'claude-3-7-sonnet-latest': { requestsPerMinute: 1 } } });
    expect([await claude('claude-opus-4-0', 'sk-a'), await claude('claude-opus-4-0', 'sk-a')]).toEqual([200, 429]);
    expect([await claude('claude-3-7-sonnet-latest', 'sk-b'), await claude('claude-3-7-sonnet-latest', 'sk-b')]).toEqual([200, 429]);
  });

  it('still shares one bucket between an alias and its dated id', async () => {
    await setQuota({ defaults: { requestsPerMinute: 1 } });
    expect([await claude('claude-opus-4-0', 'sk-c'), await claude('claude-opus-4-20250514', 'sk-c')]).toEqual([200, 429]);
    expect([await chat('gpt-4o', 'sk-d'), await chat('gpt-4o-2024-08-06', 'sk-d')]).toEqual([200, 429]);
  });

  it('gives a dated id the limit written for it', async () => {
    await setQuota({ defaults: { requestsPerMinute: 1000 }, models: { 'claude-opus-4-2025': { requestsPerMinute: 1 } } });
    expect([await claude('claude-opus-4-0', 'sk-e'), await claude('claude-opus-4-0', 'sk-e')]).toEqual([200, 429]);
  });
});

describe('Anthropic input tokens per minute on Claude 3.7 Sonnet', () => {
  const cached = async (key: string): Promise<{ remaining: number; read: number }> => {
    const r = await fetch(`${sim().url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-3-7-sonnet-20250219',
        max_tokens: 10,
        system: [{ type: 'text', text: 'Follow the house style guide closely. '.repeat(400), cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    const usage = ((await r.json()) as { usage: { cache_read_input_tokens: number } }).usage;
    return { remaining: Number(r.headers.get('anthropic-ratelimit-input-tokens-remaining')), read: usage.cache_read_input_tokens };
  };

  // "Prompt cache read tokens no longer count against your Input Tokens Per Minute (ITPM) limit for
  // Claude 3.7 Sonnet" (anthropic.com/news/token-saving-updates): the first cache-aware model.
  it('do not count what a request reads from the prompt cache', async () => {
    await setQuota({ defaults: { requestsPerMinute: 1000, inputTokensPerMinute: 100_000, outputTokensPerMinute: 100_000 } });
    const write = await cached('sk-f');
    const read = await cached('sk-f');
    expect(read.read).toBeGreaterThan(2000);
    // The bucket refills about 2 tokens a millisecond between the two: the charge is the uncached input, give or take that.
    expect(write.remaining - read.remaining).toBeLessThan(500);
  });
});
