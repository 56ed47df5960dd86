/**
 * xAI's own error bodies for Grok on the OpenAI routes, as the openai SDK (pointed at xAI with a
 * baseURL) meets them against the real server: a wrong or missing key, rate limits and spent
 * credits. xAI's body is `{"code":"…","error":"…"}`, so the SDK's `err.error` is the message string
 * and `err.code` is undefined; what it retries follows the status and headers.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { countingFetch, rejection, tempFile, useSimulator } from './fixtures/sim.js';
import type { Simulator } from '../src/index.js';

const HELLO = [{ role: 'user' as const, content: 'Say hello in one sentence.' }];

function xai(sim: Simulator, apiKey: string, maxRetries = 0, counted?: { fetch: typeof fetch }): OpenAI {
  return new OpenAI({ baseURL: `${sim.url}/v1`, apiKey, maxRetries, ...(counted ? { fetch: counted.fetch } : {}) });
}

const fault = (kind: string): { headers: Record<string, string> } => ({ headers: { 'x-understudy-fault': kind } });

const WRONG_KEY = 'Incorrect API key provided. You can obtain an API key from https://console.x.ai.';

describe('xAI with keys configured: a wrong or missing key', () => {
  const sim = useSimulator({ apiKeys: ['xai-good'] });

  it('a wrong key on Grok is xAI’s 400 with its own body, not OpenAI’s 401, and is not retried', async () => {
    const counted = countingFetch();
    const err = await rejection(xai(sim(), 'xai-wrong', 2, counted).chat.completions.create({ model: 'grok-4', messages: HELLO }), OpenAI.BadRequestError);
    expect(err.status).toBe(400);
    expect(err.error).toBe(WRONG_KEY);
    expect(err.code).toBeUndefined();
    expect(err.message).toBe(`400 ${JSON.stringify(WRONG_KEY)}`);
    expect(counted.attempts()).toBe(1);
  });

  it('the body is xAI’s on the Responses API too, and a raw request sees both fields', async () => {
    const err = await rejection(xai(sim(), 'xai-wrong').responses.create({ model: 'grok-4', input: 'hi' }), OpenAI.BadRequestError);
    expect(err.error).toBe(WRONG_KEY);
    const res = await fetch(`${sim().url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer xai-wrong', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'grok-3-mini', messages: HELLO }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 'invalid-argument', error: WRONG_KEY });
  });

  it('a missing key is a 401 in xAI’s shape', async () => {
    const res = await fetch(`${sim().url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'grok-4', messages: HELLO }) });
    expect(res.status).toBe(401);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['code', 'error']);
    expect(body.code).toBe('unauthenticated');
  });

  it('OpenAI’s models keep OpenAI’s 401', async () => {
    const err = await rejection(xai(sim(), 'xai-wrong').chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO }), OpenAI.AuthenticationError);
    expect(err.code).toBe('invalid_api_key');
  });

  it('the right key is served', async () => {
    expect((await xai(sim(), 'xai-good').chat.completions.create({ model: 'grok-4', messages: HELLO, max_tokens: 5 })).choices).toHaveLength(1);
  });
});

describe("xAI's rate limits and spent credits", () => {
  const sim = useSimulator();

  it('an injected rate limit is xAI’s resource-exhausted 429 naming the team and model, retried as retry-after says', async () => {
    const counted = countingFetch();
    const err = await rejection(xai(sim(), 'k', 1, counted).chat.completions.create({ model: 'grok-4', messages: HELLO }, fault('rate_limit')), OpenAI.RateLimitError);
    expect(err.status).toBe(429);
    expect(typeof err.error).toBe('string');
    expect(err.error as unknown as string).toMatch(/^Too many requests for team [0-9a-f-]{36} and model grok-4\. Your team's rate limit is — Requests per Minute \(actual\/limit\): 500\/500\. .*https:\/\/console\.x\.ai\/team\/default\/rate-limits\.$/);
    expect(JSON.stringify(err.error)).not.toMatch(/org-understudy|platform\.openai\.com/);
    expect(err.headers.get('retry-after')).toBe('1');
    expect(counted.attempts()).toBe(2);
  });

  it('a spent quota is xAI’s 429 for used-up credits, on chat and on the Responses API', async () => {
    for (const call of [
      xai(sim(), 'k').chat.completions.create({ model: 'grok-4', messages: HELLO }, fault('quota_exhausted')),
      xai(sim(), 'k').responses.create({ model: 'grok-4', input: 'hi' }, fault('quota_exhausted')),
    ]) {
      const err = await rejection(call, OpenAI.RateLimitError);
      expect(err.error as unknown as string).toMatch(
        /^Your team [0-9a-f-]{36} has either used all available credits or reached its monthly spending limit\. To continue making API requests, please purchase more credits or raise your spending limit\.$/,
      );
      expect(JSON.stringify(err.error)).not.toMatch(/insufficient_quota/);
    }
  });

  it('OpenAI’s models keep OpenAI’s 429', async () => {
    const err = await rejection(xai(sim(), 'k').chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO }, fault('rate_limit')), OpenAI.RateLimitError);
    expect(err.code).toBe('rate_limit_exceeded');
  });
});

describe("xAI's rate limits under a quota", () => {
  const sim = useSimulator({ quota: tempFile('quota.json', { defaults: { requestsPerMinute: 1, tokensPerMinute: 1_000_000 } }) });

  it('the quota engine’s 429 on Grok is xAI’s, with the limit it hit', async () => {
    const client = xai(sim(), 'k');
    await client.chat.completions.create({ model: 'grok-4', messages: HELLO, max_tokens: 5 });
    const err = await rejection(client.chat.completions.create({ model: 'grok-4', messages: HELLO, max_tokens: 5 }), OpenAI.RateLimitError);
    expect(err.error as unknown as string).toMatch(/^Too many requests for team [0-9a-f-]{36} and model grok-4\. Your team's rate limit is — Requests per Minute \(actual\/limit\): 1\/1\. /);
    expect(Number(err.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe("xAI's code for a refused parameter", () => {
  const sim = useSimulator();

  it('is the same invalid-argument its other 400s carry', async () => {
    const post = (body: unknown) => fetch(`${sim().url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const effort = await post({ model: 'grok-4', messages: HELLO, reasoning_effort: 'high' });
    expect(effort.status).toBe(400);
    expect(await effort.json()).toEqual({ code: 'invalid-argument', error: 'Model grok-4 does not support parameter reasoningEffort.' });
  });
});
