import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { metric } from './fixtures/sim.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ threads: 1, speed: 0, seed: 7, logLevel: 'silent' });
});
afterAll(() => sim.stop());

async function setQuota(table: unknown): Promise<void> {
  const r = await fetch(`${sim.url}/_understudy/quota`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(table) });
  expect(r.status).toBe(200);
}

async function post(path: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; h: (name: string) => string | null; json: Record<string, unknown> }> {
  const r = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, h: (name) => r.headers.get(name), json: JSON.parse(text) as Record<string, unknown> };
}

let keys = 0;
/** A key no earlier request charged, so its buckets start full and the headers are exact. */
const freshKey = (): string => `sk-audit-${++keys}`;

const claude = (key: string, maxTokens = 100) =>
  post('/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: maxTokens, messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': key });
/**
 * A stream whose first token is 5 s away, its headers read: it holds its max_tokens of the output
 * limits until it ends (Anthropic corrects the charge to the output produced then). `end` leaves it.
 */
async function runningClaude(key: string, maxTokens: number): Promise<{ h: (name: string) => string | null; end: () => void }> {
  const leave = new AbortController();
  const r = await fetch(`${sim.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key, 'x-understudy-ttft-ms': '5000' },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: maxTokens, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    signal: leave.signal,
  });
  expect(r.status).toBe(200);
  return { h: (name) => r.headers.get(name), end: () => leave.abort() };
}
const chat = (key: string, extra: Record<string, unknown> = {}) =>
  post('/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100, ...extra }, { authorization: `Bearer ${key}` });

describe('Anthropic rate-limit headers under a quota', () => {
  it('carry anthropic-ratelimit-tokens-*: input and output together, as the API and the unlimited headers send them', async () => {
    await setQuota({ preset: 'anthropic-tier-1' });
    const r = await claude(freshKey());
    expect(r.status).toBe(200);
    const input = Number(r.h('anthropic-ratelimit-input-tokens-remaining'));
    const output = Number(r.h('anthropic-ratelimit-output-tokens-remaining'));
    expect(r.h('anthropic-ratelimit-tokens-limit')).toBe('38000');
    expect(Number(r.h('anthropic-ratelimit-tokens-remaining'))).toBe(input + output);
    expect(r.h('anthropic-ratelimit-tokens-reset')).toMatch(RFC3339);
    // Fully replenished when both are: the later of the two resets.
    const later = [r.h('anthropic-ratelimit-input-tokens-reset')!, r.h('anthropic-ratelimit-output-tokens-reset')!].sort().at(-1);
    expect(r.h('anthropic-ratelimit-tokens-reset')).toBe(later);
  });

  it('are all sent on a 429, with the remaining the refused request did not use', async () => {
    await setQuota({ defaults: { requestsPerMinute: 50, inputTokensPerMinute: 30_000, outputTokensPerMinute: 8_000 } });
    const key = freshKey();
    const first = await runningClaude(key, 5000);
    // Output tokens run out: the request was refused on the last dimension, and charged nothing.
    const refused = await claude(key, 5000);
    first.end();
    expect(refused.status).toBe(429);
    expect(Number(refused.h('anthropic-ratelimit-requests-remaining'))).toBeGreaterThanOrEqual(Number(first.h('anthropic-ratelimit-requests-remaining')));
    expect(Number(refused.h('anthropic-ratelimit-input-tokens-remaining'))).toBeGreaterThanOrEqual(Number(first.h('anthropic-ratelimit-input-tokens-remaining')));
    expect(refused.h('anthropic-ratelimit-tokens-limit')).toBe('38000');

    // Requests run out first: the token headers still come.
    await setQuota({ defaults: { requestsPerMinute: 1, inputTokensPerMinute: 30_000, outputTokensPerMinute: 8_000 } });
    const k2 = freshKey();
    expect((await claude(k2)).status).toBe(200);
    const second = await claude(k2);
    expect(second.status).toBe(429);
    expect(second.json).toMatchObject({ error: { type: 'rate_limit_error' } });
    for (const d of ['requests', 'input-tokens', 'output-tokens', 'tokens']) {
      expect(second.h(`anthropic-ratelimit-${d}-limit`), d).not.toBeNull();
      expect(second.h(`anthropic-ratelimit-${d}-reset`), d).toMatch(RFC3339);
    }
    expect(second.h('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(Number(second.h('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

describe('OpenAI rate-limit headers under a quota', () => {
  it('are all sent on a 429 for requests, the tokens not charged for the refused request', async () => {
    await setQuota({ defaults: { requestsPerMinute: 1, tokensPerMinute: 100_000 } });
    const key = freshKey();
    const ok = await chat(key);
    expect(ok.status).toBe(200);
    const refused = await chat(key);
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded' } });
    expect(refused.h('x-ratelimit-limit-tokens')).toBe('100000');
    expect(Number(refused.h('x-ratelimit-remaining-tokens'))).toBeGreaterThanOrEqual(Number(ok.h('x-ratelimit-remaining-tokens')));
    expect(refused.h('x-ratelimit-reset-tokens')).toMatch(/^(\d+ms|\d+(\.\d+)?s|\d+m\d+(\.\d+)?s)$/);
    expect(refused.h('x-ratelimit-remaining-requests')).toBe('0');
  });

  it('charge the tokens per minute for every one of n completions (max_tokens × n)', async () => {
    await setQuota({ defaults: { requestsPerMinute: 500, tokensPerMinute: 100_000 } });
    const r = await chat(freshKey(), { n: 3 });
    expect(r.status).toBe(200);
    const prompt = (r.json.usage as { prompt_tokens: number }).prompt_tokens;
    expect(Number(r.h('x-ratelimit-remaining-tokens'))).toBe(100_000 - prompt - 3 * 100);
  });

  it('charge a legacy completion for every prompt and every completion it generates', async () => {
    await setQuota({ defaults: { requestsPerMinute: 500, tokensPerMinute: 100_000 } });
    const r = await post('/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: ['one', 'two'], n: 2, best_of: 3, max_tokens: 50 }, { authorization: `Bearer ${freshKey()}` });
    expect(r.status).toBe(200);
    const prompt = (r.json.usage as { prompt_tokens: number }).prompt_tokens;
    expect(Number(r.h('x-ratelimit-remaining-tokens'))).toBe(100_000 - prompt - 2 * 3 * 50);
  });

  it('refuse n completions whose max_tokens together pass the limit as too large', async () => {
    await setQuota({ defaults: { requestsPerMinute: 500, tokensPerMinute: 1_000 } });
    const r = await chat(freshKey(), { n: 4, max_tokens: 300 });
    expect(r.status).toBe(429);
    expect((r.json.error as { message: string }).message).toMatch(/^Request too large for gpt-4o .* Requested \d+\./);
  });
});

describe('a quota reloaded mid-traffic', () => {
  it('counts tokens as exactly as the first load: one token of a billion per minute is not lost to rounding', async () => {
    const exact = async (): Promise<void> => {
      for (let maxTokens = 1; maxTokens <= 6; maxTokens++) {
        const r = await chat(freshKey(), { max_tokens: maxTokens });
        const prompt = (r.json.usage as { prompt_tokens: number }).prompt_tokens;
        expect(Number(r.h('x-ratelimit-remaining-tokens'))).toBe(1e9 - prompt - maxTokens);
      }
    };
    await setQuota({ defaults: { requestsPerMinute: 10_000, tokensPerMinute: 1e9 } });
    await exact();
    await setQuota({ defaults: { requestsPerMinute: 10_000, tokensPerMinute: 1e9 } });
    await exact();
  });
});

describe('the bucket a request is charged to', () => {
  it('is the model an alias serves: an alias and its dated id share one limit', async () => {
    await setQuota({ defaults: { requestsPerMinute: 1, tokensPerMinute: 1_000_000, inputTokensPerMinute: 1_000_000, outputTokensPerMinute: 1_000_000 } });
    const openaiKey = freshKey();
    expect((await chat(openaiKey)).status).toBe(200);
    const dated = await post('/v1/chat/completions', { model: 'gpt-4o-2024-08-06', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 }, { authorization: `Bearer ${openaiKey}` });
    expect(dated.status).toBe(429);

    const anthropicKey = freshKey();
    expect((await claude(anthropicKey)).status).toBe(200);
    const datedClaude = await post('/v1/messages', { model: 'claude-sonnet-4-5-20250929', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': anthropicKey });
    expect(datedClaude.status).toBe(429);
  });
});

describe('Anthropic input tokens per minute', () => {
  const cached = (key: string, model: string) =>
    post(
      '/v1/messages',
      { model, max_tokens: 10, system: [{ type: 'text', text: 'Follow the house style guide closely. '.repeat(400), cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: 'hi' }] },
      { 'x-api-key': key },
    );
  const charged = (before: { h: (n: string) => string | null }, after: { h: (n: string) => string | null }): number =>
    Number(before.h('anthropic-ratelimit-input-tokens-remaining')) - Number(after.h('anthropic-ratelimit-input-tokens-remaining'));

  it('do not count what a request reads from the prompt cache, as on Claude 4 models', async () => {
    await setQuota({ defaults: { requestsPerMinute: 1000, inputTokensPerMinute: 100_000, outputTokensPerMinute: 100_000 } });
    const key = freshKey();
    const write = await cached(key, 'claude-sonnet-4-5');
    const usage1 = write.json.usage as { cache_creation_input_tokens: number };
    expect(usage1.cache_creation_input_tokens).toBeGreaterThan(2000);
    const read = await cached(key, 'claude-sonnet-4-5');
    const usage2 = read.json.usage as { input_tokens: number; cache_read_input_tokens: number };
    expect(usage2.cache_read_input_tokens).toBe(usage1.cache_creation_input_tokens);
    // The bucket refills about 2 tokens a millisecond between the two: the charge is the uncached input, give or take that.
    expect(charged(write, read)).toBeLessThan(usage2.input_tokens + 200);
  });

  it('still count cache reads on the Claude 3 models the docs mark', async () => {
    await setQuota({ defaults: { requestsPerMinute: 1000, inputTokensPerMinute: 100_000, outputTokensPerMinute: 100_000 } });
    const key = freshKey();
    const write = await cached(key, 'claude-3-5-haiku-20241022');
    const read = await cached(key, 'claude-3-5-haiku-20241022');
    const usage2 = read.json.usage as { input_tokens: number; cache_read_input_tokens: number };
    expect(usage2.cache_read_input_tokens).toBeGreaterThan(2000);
    expect(charged(write, read)).toBeGreaterThan(usage2.cache_read_input_tokens - 200);
  });
});

describe('OpenAI reset durations', () => {
  it('count whole milliseconds, in ASCII, as every recorded value does (120ms, 9ms, 0s, 23h55m16.126s)', async () => {
    // 150M tokens a minute refill in 0.4 µs each: a short request's reset is well under a millisecond.
    await setQuota({ defaults: { requestsPerMinute: 30_000, tokensPerMinute: 150_000_000 } });
    const fast = await chat(freshKey(), { max_tokens: 10 });
    expect(fast.h('x-ratelimit-reset-tokens')).toBe('0s');
    expect(fast.h('x-ratelimit-reset-requests')).toBe('2ms');
    // 100,000 a minute: 1.68 tokens a ms, so a charge of prompt + 100 is a fractional number of ms.
    await setQuota({ defaults: { requestsPerMinute: 500, tokensPerMinute: 100_000 } });
    const r = await chat(freshKey());
    const charged = (r.json.usage as { prompt_tokens: number }).prompt_tokens + 100;
    expect(r.h('x-ratelimit-reset-tokens')).toBe(`${Math.round((charged * 60_000) / 100_000)}ms`);
  });
});

describe('the SDKs against a quota', () => {
  it('wait out a token refusal by retry-after-ms and get the answer', async () => {
    // 6,000 tokens a minute refill 1 every 10 ms: two requests of just over 3,000 tokens back to back
    // overflow by a few dozen, and the second is told to wait a few hundred ms.
    await setQuota({ defaults: { requestsPerMinute: 500, tokensPerMinute: 6_000, inputTokensPerMinute: 100_000, outputTokensPerMinute: 6_000 } });
    const before = await metric(sim, 'understudy_quota_rejections_total{dimension="tokens"}') + (await metric(sim, 'understudy_quota_rejections_total{dimension="output_tokens"}'));
    const openai = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: freshKey(), maxRetries: 2 });
    const anthropic = new Anthropic({ baseURL: sim.url, apiKey: freshKey(), maxRetries: 2 });
    for (let i = 0; i < 2; i++) {
      const { response } = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3_000 }).withResponse();
      expect(response.status).toBe(200);
    }
    // Anthropic holds max_tokens only until an answer ends: the second is refused while the first streams.
    const claudeParams = { model: 'claude-haiku-4-5', max_tokens: 3_010, messages: [{ role: 'user' as const, content: 'hi' }] };
    const streaming = await anthropic.messages.create({ ...claudeParams, stream: true }, { headers: { 'x-understudy-ttft-ms': '1000' } });
    const reply = await anthropic.messages.create(claudeParams).withResponse();
    expect(reply.response.status).toBe(200);
    for await (const event of streaming) void event;
    const after = await metric(sim, 'understudy_quota_rejections_total{dimension="tokens"}') + (await metric(sim, 'understudy_quota_rejections_total{dimension="output_tokens"}'));
    expect(after - before).toBeGreaterThanOrEqual(2);
  });
});

describe('a tokensPerMinute limit on Claude models', () => {
  it('limits input and output together, as Anthropic\'s combined token limit did, instead of nothing', async () => {
    await setQuota({ defaults: { requestsPerMinute: 500, tokensPerMinute: 5_000 } });
    const key = freshKey();
    const first = await runningClaude(key, 4_000);
    expect(first.h('anthropic-ratelimit-tokens-limit')).toBe('5000');
    const second = await claude(key, 4_000);
    first.end();
    expect(second.status).toBe(429);
    expect((second.json.error as { message: string }).message).toContain('of 5,000 tokens per minute');
  });
});
