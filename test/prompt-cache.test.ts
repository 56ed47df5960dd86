/**
 * OpenAI's automatic prompt caching: the cache itself under a hand-driven clock, and
 * `cached_tokens` through the official SDK against the real server.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { cachedIndices, cachedTokens, PrefixStore, PromptCache, PromptPrefixes } from '../src/server/prompt-cache.js';
import { useSimulator } from './fixtures/sim.js';

function prompt(model: string, boundaries: [string, number][]): PromptPrefixes {
  const p = new PromptPrefixes(model);
  for (const [text, tokens] of boundaries) p.add(text, tokens);
  return p;
}

describe('PromptCache', () => {
  it('counts 1,024 and then steps of 128, nothing below 1,024', () => {
    expect([0, 1023, 1024, 1151, 1152, 5000].map(cachedTokens)).toEqual([0, 0, 1024, 1024, 1152, 4992]);
  });

  it('serves the longest prefix seen before, per model, for ten minutes after its last use', () => {
    let now = 0;
    const cache = new PromptCache(() => now);
    const system: [string, number] = ['system: a long shared prompt', 1500];
    expect(cache.use(prompt('m', [system, ['user: one', 1520]]), 1523)).toBe(0);
    // Same system prompt, another question: the system prompt is cached.
    expect(cache.use(prompt('m', [system, ['user: two', 1700]]), 1703)).toBe(1408);
    // The conversation grows by appending: all of the earlier request is cached.
    expect(cache.use(prompt('m', [system, ['user: two', 1700], ['assistant: answer', 2400], ['user: more', 2410]]), 2413)).toBe(1664);
    // Another model has its own cache; a prompt under 1,024 tokens is never served from one.
    expect(cache.use(prompt('other', [system, ['user: one', 1520]]), 1523)).toBe(0);
    expect(cache.use(prompt('m', [['system: a long shared prompt', 900]]), 903)).toBe(0);
    // Unused for ten minutes, it is gone; each use keeps it alive.
    now += 9 * 60_000;
    expect(cache.use(prompt('m', [system, ['user: three', 1530]]), 1533)).toBe(1408);
    now += 10 * 60_000 + 1;
    expect(cache.use(prompt('m', [system, ['user: four', 1530]]), 1533)).toBe(0);
  });
});

describe('PrefixStore', () => {
  it('stays bounded: what is used again survives, what is not is dropped after two generations', () => {
    const store = new PrefixStore(() => 0);
    store.remember(1, 0, 60_000);
    store.remember(2, 0, 60_000);
    for (let h = 1000; h < 30_000; h++) store.remember(h, 0, 60_000);
    store.remember(1, 0, 60_000); // used again
    for (let h = 30_000; h < 90_000; h++) store.remember(h, 0, 60_000);
    store.remember(1, 0, 60_000);
    for (let h = 90_000; h < 110_000; h++) store.remember(h, 0, 60_000);
    expect(store.longest([1], 0)).toBe(0);
    expect(store.longest([2], 0)).toBe(-1);
    expect(store.longest([1500], 0)).toBe(-1);
  });

  it('looks up and remembers a bounded set of a long prompt boundaries: the first 16 and the last 48', () => {
    expect(cachedIndices(64)).toHaveLength(64);
    const many = cachedIndices(240_000);
    expect(many).toHaveLength(64);
    expect(many.slice(0, 17)).toEqual([...Array.from({ length: 16 }, (_, i) => i), 240_000 - 48]);
    expect(many.at(-1)).toBe(239_999);
  });
});

describe('cached_tokens through the SDK', () => {
  const sim = useSimulator({ speed: 0, threads: 1 });
  const SYSTEM = 'You are a meticulous assistant. ' + 'Follow the house style guide in every answer, citing sources where you can. '.repeat(90);

  it('Chat Completions reports a repeated system prompt and a growing conversation as cached', async () => {
    const client = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const ask = (messages: OpenAI.ChatCompletionMessageParam[]) => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: SYSTEM }, ...messages] });
    const first = await ask([{ role: 'user', content: 'First question?' }]);
    expect(first.usage!.prompt_tokens).toBeGreaterThan(1024);
    expect(first.usage!.prompt_tokens_details!.cached_tokens).toBe(0);
    const second = await ask([{ role: 'user', content: 'Another question?' }]);
    const cached = second.usage!.prompt_tokens_details!.cached_tokens!;
    expect(cached).toBe(cachedTokens(first.usage!.prompt_tokens - 3 - 3 - 3));
    expect(cached).toBeLessThan(second.usage!.prompt_tokens);
    const third = await ask([
      { role: 'user', content: 'Another question?' },
      { role: 'assistant', content: second.choices[0]!.message.content! },
      { role: 'user', content: 'And a follow-up?' },
    ]);
    expect(third.usage!.prompt_tokens_details!.cached_tokens).toBe(cachedTokens(second.usage!.prompt_tokens - 3));
    // A short prompt is never cached.
    const short = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    const again = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    expect([short, again].map((r) => r.usage!.prompt_tokens_details!.cached_tokens)).toEqual([0, 0]);
  });

  it('the Responses API reports repeated instructions as cached input', async () => {
    const client = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const first = await client.responses.create({ model: 'gpt-4.1-mini', instructions: SYSTEM, input: 'First question?' });
    expect(first.usage!.input_tokens_details.cached_tokens).toBe(0);
    const second = await client.responses.create({ model: 'gpt-4.1-mini', instructions: SYSTEM, input: 'Second question?' });
    expect(second.usage!.input_tokens_details.cached_tokens).toBeGreaterThanOrEqual(1024);
    expect(second.usage!.input_tokens_details.cached_tokens).toBeLessThan(second.usage!.input_tokens);
  });
});
