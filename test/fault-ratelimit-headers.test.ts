import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { tempFile } from './fixtures/sim.js';

/**
 * An injected `rate_limit` fault while a quota is loaded: its 429 reads like the quota's own, with
 * the configured limits, the requests dimension exhausted (remaining 0, full again a minute less
 * one request's interval after the retry-after, as an exhausted bucket would be) and the other
 * dimensions as they stand.
 */
const QUOTA = {
  defaults: { requestsPerMinute: 50, tokensPerMinute: 100_000 },
  models: { 'claude-': { requestsPerMinute: 40, inputTokensPerMinute: 30_000, outputTokensPerMinute: 8_000 } },
};

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 20 };
const CLAUDE = { model: 'claude-sonnet-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] };
const GEMINI = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };

function post(sim: Simulator, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-f', 'x-api-key': 'sk-f', 'x-goog-api-key': 'sk-f', ...headers },
    body: JSON.stringify(body),
  });
}

const FAULT = { 'x-understudy-fault': 'rate_limit' };

describe('an injected rate_limit with a quota loaded', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0, seed: 7, quota: tempFile('q.json', QUOTA) });
  });
  afterAll(() => sim.stop());

  it('OpenAI: names the configured limit, the requests dimension exhausted, tokens as they stand', async () => {
    const r = await post(sim, '/v1/chat/completions', CHAT, FAULT);
    expect(r.status).toBe(429);
    const body = (await r.json()) as { error: { message: string; type: string; code: string } };
    expect(body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    expect(body.error.message).toContain('on requests per min (RPM): Limit 50, Used 50, Requested 1. Please try again in 1s.');
    expect(r.headers.get('x-ratelimit-limit-requests')).toBe('50');
    expect(r.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    // 1 s to the next request at 1.2 s per request: a bucket empty for that long is full 60 - 1.2 + 1 s on.
    expect(r.headers.get('x-ratelimit-reset-requests')).toBe('59.8s');
    expect(r.headers.get('x-ratelimit-limit-tokens')).toBe('100000');
    expect(r.headers.get('x-ratelimit-remaining-tokens')).toBe('100000');
    expect(r.headers.get('x-ratelimit-reset-tokens')).toBe('0s');
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.headers.get('retry-after-ms')).toBe('1000');
  });

  it('OpenAI: takes nothing from the bucket, so the next request counts from a full one', async () => {
    // The same key and model as the fault above.
    const r = await post(sim, '/v1/chat/completions', CHAT);
    await r.text();
    expect(r.status).toBe(200);
    expect(r.headers.get('x-ratelimit-remaining-requests')).toBe('49');
  });

  it('Anthropic: the configured limits in every anthropic-ratelimit-* header', async () => {
    const before = Date.now();
    const r = await post(sim, '/v1/messages', CLAUDE, FAULT);
    expect(r.status).toBe(429);
    const body = (await r.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('rate_limit_error');
    expect(body.error.message).toContain('of 40 requests per minute');
    expect(r.headers.get('anthropic-ratelimit-requests-limit')).toBe('40');
    expect(r.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    // 1.5 s per request: full 60 - 1.5 + 1 = 59.5 s on, in whole seconds.
    const reset = Date.parse(r.headers.get('anthropic-ratelimit-requests-reset')!);
    expect(reset).toBeGreaterThanOrEqual(Math.floor((before + 59_500) / 1000) * 1000);
    expect(reset).toBeLessThanOrEqual(Date.now() + 59_500);
    expect(r.headers.get('anthropic-ratelimit-input-tokens-limit')).toBe('30000');
    expect(r.headers.get('anthropic-ratelimit-input-tokens-remaining')).toBe('30000');
    expect(r.headers.get('anthropic-ratelimit-output-tokens-limit')).toBe('8000');
    expect(r.headers.get('anthropic-ratelimit-output-tokens-remaining')).toBe('8000');
    expect(r.headers.get('anthropic-ratelimit-tokens-limit')).toBe('38000');
    expect(r.headers.get('anthropic-ratelimit-tokens-remaining')).toBe('38000');
    expect(r.headers.get('retry-after')).toBe('1');
  });

  it('a scenario\'s fault: its retryAfterMs sets the wait and the reset, for the key and model it strikes', async () => {
    const scenario = { name: 'storm', phases: [{ name: 'all', target: { apiKeys: ['sk-s'] }, faults: [{ kind: 'rate_limit', probability: 1, retryAfterMs: 2500 }] }] };
    const loaded = await fetch(`${sim.url}/_understudy/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(scenario) });
    expect(loaded.status).toBe(200);
    try {
      const r = await post(sim, '/v1/chat/completions', { ...CHAT, model: 'gpt-4o' }, { authorization: 'Bearer sk-s' });
      expect(r.status).toBe(429);
      expect(((await r.json()) as { error: { message: string } }).error.message).toContain('Limit 50, Used 50, Requested 1. Please try again in 2.5s.');
      expect(r.headers.get('retry-after')).toBe('3');
      expect(r.headers.get('retry-after-ms')).toBe('2500');
      expect(r.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      // 2.5 s + 60 s - 1.2 s.
      expect(r.headers.get('x-ratelimit-reset-requests')).toBe('1m1.3s');
    } finally {
      await fetch(`${sim.url}/_understudy/scenario`, { method: 'DELETE' });
    }
  });

  it('Gemini: the body names the configured limit, still with no retry headers', async () => {
    const r = await post(sim, '/v1beta/models/gemini-2.5-flash:generateContent', GEMINI, FAULT);
    expect(r.status).toBe(429);
    const text = await r.text();
    expect(text).toContain('limit: 50, model: gemini-2.5-flash');
    expect(text).toContain('Please retry in 1s.');
    expect(r.headers.get('retry-after')).toBeNull();
  });
});

describe('an injected rate_limit without a quota', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0, seed: 7 });
  });
  afterAll(() => sim.stop());

  it('keeps the documented fixed values', async () => {
    const r = await post(sim, '/v1/chat/completions', CHAT, FAULT);
    expect(r.status).toBe(429);
    await r.text();
    expect(r.headers.get('x-ratelimit-limit-requests')).toBe('500');
    expect(r.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(r.headers.get('x-ratelimit-reset-requests')).toBe('1s');
    expect(r.headers.get('x-ratelimit-limit-tokens')).toBeNull();
    const a = await post(sim, '/v1/messages', CLAUDE, FAULT);
    await a.text();
    expect(a.headers.get('anthropic-ratelimit-requests-limit')).toBe('50');
    expect(a.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
  });
});
