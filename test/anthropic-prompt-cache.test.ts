/**
 * Anthropic's prompt caching (`cache_control` breakpoints): the accounting under a hand-driven
 * clock, and the usage fields through the official SDK against the real server.
 */
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { countWithCache } from '../src/server/anthropic/prompt-cache.js';
import { countInputTokens } from '../src/server/anthropic/prompt-tokens.js';
import { parseMessagesRequest, type MessagesRequest } from '../src/server/anthropic/messages-request.js';
import { PrefixStore } from '../src/server/prompt-cache.js';
import type { ThreadContext } from '../src/server/thread-context.js';
import { useSimulator } from './fixtures/sim.js';

const MODEL = 'claude-sonnet-4-5';
const LONG = 'Follow the house style guide in every answer, and cite the handbook section you rely on. '.repeat(100);
const SYSTEM = [{ type: 'text' as const, text: LONG, cache_control: { type: 'ephemeral' as const } }];

function request(body: object): { req: MessagesRequest; raw: string } {
  const full = { model: MODEL, max_tokens: 100, ...body };
  const req = parseMessagesRequest(full, false);
  if ('error' in req) throw new Error(JSON.stringify(req));
  return { req: req as MessagesRequest, raw: JSON.stringify(full) };
}

describe('countWithCache', () => {
  const ctx = {} as ThreadContext;

  it('writes a breakpoint prefix once, reads it after, and lets it expire five minutes after its last use', () => {
    let now = 0;
    const store = new PrefixStore(() => now);
    const ask = (question: string) => {
      const { req, raw } = request({ system: SYSTEM, messages: [{ role: 'user', content: question }] });
      return countWithCache(ctx, req, raw, MODEL, countInputTokens(req), store);
    };
    const first = ask('First?');
    expect(first.read).toBe(0);
    expect(first.write5m).toBeGreaterThan(1024);
    expect(first.write1h).toBe(0);
    expect(first.input).toBeLessThan(20);
    const second = ask('Second?');
    expect(second).toEqual({ input: second.input, read: first.write5m, write5m: 0, write1h: 0 });
    now += 4 * 60_000;
    expect(ask('Third?').read).toBe(first.write5m);
    now += 5 * 60_000 + 1;
    expect(ask('Fourth?')).toMatchObject({ read: 0, write5m: first.write5m });
  });

  it('reads the last turn of a conversation through the lookback, writes only what is new, and honours ttl 1h', () => {
    let now = 0;
    const store = new PrefixStore(() => now);
    const turn = (text: string, cached: boolean) => ({ role: 'user' as const, content: [{ type: 'text', text, ...(cached ? { cache_control: { type: 'ephemeral', ttl: '1h' } } : {}) }] });
    const one = request({ system: LONG, messages: [turn(LONG, true)] });
    const a = countWithCache(ctx, one.req, one.raw, MODEL, countInputTokens(one.req), store);
    expect(a).toMatchObject({ read: 0, write5m: 0 });
    expect(a.write1h).toBeGreaterThan(2000);
    const two = request({ system: LONG, messages: [turn(LONG, false), { role: 'assistant', content: 'Noted.' }, turn('And now this?', true)] });
    now += 30 * 60_000;
    const b = countWithCache(ctx, two.req, two.raw, MODEL, countInputTokens(two.req), store);
    expect(b.read).toBe(a.write1h);
    expect(b.write1h).toBeGreaterThan(0);
    expect(b.write1h).toBeLessThan(30);
  });

  it('does not cache a prefix under the model minimum, nor a prompt without breakpoints', () => {
    const store = new PrefixStore(() => 0);
    const short = request({ system: [{ type: 'text', text: 'Be terse.', cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: 'Hi' }] });
    expect(countWithCache(ctx, short.req, short.raw, MODEL, countInputTokens(short.req), store)).toMatchObject({ read: 0, write5m: 0, write1h: 0 });
    expect(countWithCache(ctx, short.req, short.raw, MODEL, countInputTokens(short.req), store)).toMatchObject({ read: 0, write5m: 0 });
    // Haiku 4.5 needs 4,096 tokens: the 1,800-token system prompt is not cached there.
    const { req, raw } = request({ model: 'claude-haiku-4-5', system: SYSTEM, messages: [{ role: 'user', content: 'Hi' }] });
    expect(countWithCache(ctx, req, raw, 'claude-haiku-4-5', countInputTokens(req), store).write5m).toBe(0);
    const plain = request({ system: LONG, messages: [{ role: 'user', content: 'Hi' }] });
    expect(countWithCache(ctx, plain.req, plain.raw, MODEL, countInputTokens(plain.req), store)).toMatchObject({ read: 0, write5m: 0 });
  });
});

describe('prompt caching through the SDK', () => {
  const sim = useSimulator({ speed: 0, threads: 1 });

  it('reports cache creation, then cache reads, with input_tokens the uncached rest, streamed or not', async () => {
    const client = new Anthropic({ baseURL: sim().url, apiKey: 'sk-ant-test', maxRetries: 0 });
    const ask = (content: string) => client.messages.create({ model: MODEL, max_tokens: 200, system: SYSTEM, messages: [{ role: 'user', content }] });
    const first = await ask('What does the guide say about tone?');
    const written = first.usage.cache_creation_input_tokens!;
    expect(written).toBeGreaterThan(1024);
    expect(first.usage).toMatchObject({ cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: written, ephemeral_1h_input_tokens: 0 } });
    const second = await ask('And about citations?');
    expect(second.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: written });
    expect(second.usage.input_tokens).toBeLessThan(30);
    const streamed = await client.messages.stream({ model: MODEL, max_tokens: 200, system: SYSTEM, messages: [{ role: 'user', content: 'One more?' }] }).finalMessage();
    expect(streamed.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: written });
    // Five breakpoints are one too many, as Anthropic answers.
    const five = Array.from({ length: 5 }, (_, i) => ({ type: 'text' as const, text: `Part ${i}.`, cache_control: { type: 'ephemeral' as const } }));
    await expect(client.messages.create({ model: MODEL, max_tokens: 10, system: five, messages: [{ role: 'user', content: 'Hi' }] })).rejects.toMatchObject({
      status: 400,
      error: { type: 'error', error: { type: 'invalid_request_error', message: 'A maximum of 4 blocks with cache_control may be provided. Found 5.' } },
    });
    // count_tokens counts the whole prompt, cached or not.
    const counted = await client.messages.countTokens({ model: MODEL, system: SYSTEM, messages: [{ role: 'user', content: 'And about citations?' }] });
    expect(counted.input_tokens).toBe(second.usage.input_tokens + written);
  });
});
