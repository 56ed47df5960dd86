/**
 * Rate limits, chaos faults and override headers on legacy completions and embeddings, and on
 * Azure OpenAI, which reuses the same handlers: through the openai SDK against the real server.
 */
import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { metric, tempFile } from './fixtures/sim.js';

const INSTRUCT = 'gpt-3.5-turbo-instruct';
const EMBEDDER = 'text-embedding-3-small';
const COMPLETION = { model: INSTRUCT, prompt: 'Say this is a test', max_tokens: 20 };
const EMBEDDING = { model: EMBEDDER, input: ['alpha', 'beta'] };

/**
 * A 429 storm that each call meets on its first two attempts: the SDK numbers its attempts in
 * `x-stainless-retry-count`, so the third attempt (retry 2) gets through, whatever the route.
 */
function stormOnFirstTwoAttempts(routes: string[]): string {
  const phase = (attempt: string) => ({ name: `attempt-${attempt}`, target: { routes, header: { name: 'x-stainless-retry-count', value: attempt } }, faults: [{ kind: 'rate_limit', retryAfterMs: 20 }] });
  return tempFile('storm.json', { name: 'storm', phases: [phase('0'), phase('1')] });
}

const rateHeaders = (h: Headers): Record<string, string | null> => ({
  limitRequests: h.get('x-ratelimit-limit-requests'),
  remainingRequests: h.get('x-ratelimit-remaining-requests'),
  limitTokens: h.get('x-ratelimit-limit-tokens'),
  resetRequests: h.get('x-ratelimit-reset-requests'),
});

describe('a 429 storm on completions and embeddings', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0, scenario: stormOnFirstTwoAttempts(['completions', 'embeddings']) });
  });
  afterAll(() => sim.stop());

  it('sends retry-after-ms with each 429', async () => {
    const r = await fetch(`${sim.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-a', 'x-stainless-retry-count': '0' }, body: JSON.stringify(COMPLETION) });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after-ms')).toBe('20');
    expect(r.headers.get('retry-after')).toBe('1');
    expect(await r.json()).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded' } });
  });

  it('is retried by the SDK until it passes', async () => {
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-a', maxRetries: 2 });
    const completion = await client.completions.create(COMPLETION);
    expect(completion.choices[0]!.text.length).toBeGreaterThan(0);
    const embedded = await client.embeddings.create({ ...EMBEDDING, encoding_format: 'float' });
    expect(embedded.data).toHaveLength(2);
    expect(embedded.data[0]!.embedding).toHaveLength(1536);
    // One raw 429 above, then two per SDK call.
    expect(await metric(sim, 'understudy_faults_injected_total{kind="rate_limit"}')).toBe(5);
    await expect(new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-a', maxRetries: 1 }).completions.create(COMPLETION)).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });
});

describe('override headers and quota headers on completions and embeddings', () => {
  let sim: Simulator;
  let client: OpenAI;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0, quota: 'openai-tier-1' });
    client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-a', maxRetries: 0 });
  });
  afterAll(() => sim.stop());

  const fault = (kind: string) => ({ headers: { 'x-understudy-fault': kind } });

  it('raises a forced 500 as InternalServerError on both routes', async () => {
    await expect(client.completions.create(COMPLETION, fault('server_error_500'))).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(client.embeddings.create(EMBEDDING, fault('server_error_500'))).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    expect(await metric(sim, 'understudy_faults_injected_total{kind="server_error_500"}')).toBe(2);
  });

  it('counts x-ratelimit-* headers down on completions and embeddings, per key', async () => {
    const first = await client.completions.create(COMPLETION).withResponse();
    const second = await client.completions.create(COMPLETION).withResponse();
    expect(rateHeaders(first.response.headers)).toMatchObject({ limitRequests: '500', remainingRequests: '499', limitTokens: '200000' });
    // The bucket refills continuously (one request per 120 ms at 500 RPM): on a slow machine the
    // second request may find the first one's charge already refilled.
    expect(['498', '499']).toContain(rateHeaders(second.response.headers).remainingRequests);
    expect(rateHeaders(first.response.headers).resetRequests).toMatch(/^\d+(\.\d+)?m?s$/);
    expect(Number(first.response.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(200_000);

    const embedded = await client.embeddings.create(EMBEDDING).withResponse();
    expect(rateHeaders(embedded.response.headers)).toMatchObject({ limitRequests: '500', remainingRequests: '499', limitTokens: '200000' });
    const other = await new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-b', maxRetries: 0 }).embeddings.create(EMBEDDING).withResponse();
    expect(other.response.headers.get('x-ratelimit-remaining-requests')).toBe('499');
  });

  it('breaks a completions stream with an in-stream error, and cuts an embeddings body', async () => {
    const stream = await client.completions.create({ ...COMPLETION, max_tokens: 50, stream: true }, fault('stream_overloaded'));
    await expect(
      (async () => {
        for await (const _ of stream) void _;
      })(),
    ).rejects.toBeInstanceOf(OpenAI.APIError);
    // Embeddings never stream: a stream fault cuts the JSON body.
    await expect(client.embeddings.create(EMBEDDING, fault('disconnect_after_tokens'))).rejects.toThrow();
  });
});

describe('Azure OpenAI under a quota and a 429 storm', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0, quota: 'openai-tier-1', scenario: stormOnFirstTwoAttempts(['azure_chat_completions']) });
  });
  afterAll(() => sim.stop());

  const azure = (apiKey: string, deployment: string, maxRetries: number) => new AzureOpenAI({ endpoint: sim.url, apiKey, apiVersion: '2024-10-21', deployment, maxRetries });
  const HELLO = [{ role: 'user' as const, content: 'Say hello in one sentence.' }];

  it('retries the forced 429s on chat and answers with x-ratelimit headers counted per api-key', async () => {
    const { data, response } = await azure('az-1', 'gpt-4o', 2).chat.completions.create({ model: 'gpt-4o', messages: HELLO, max_tokens: 100 }).withResponse();
    expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(rateHeaders(response.headers)).toMatchObject({ limitRequests: '500', remainingRequests: '499', limitTokens: '30000' });
    expect(response.headers.get('apim-request-id')).not.toBeNull();
    expect(await metric(sim, 'understudy_faults_injected_total{kind="rate_limit"}')).toBe(2);

    await expect(azure('az-1', 'gpt-4o', 0).chat.completions.create({ model: 'gpt-4o', messages: HELLO })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    const second = await azure('az-2', 'gpt-4o', 2).chat.completions.create({ model: 'gpt-4o', messages: HELLO, max_tokens: 100 }).withResponse();
    expect(second.response.headers.get('x-ratelimit-remaining-requests')).toBe('499');
  });

  it('sends x-ratelimit headers on Azure embeddings and completions too', async () => {
    const embedded = await azure('az-3', EMBEDDER, 0).embeddings.create(EMBEDDING).withResponse();
    expect(rateHeaders(embedded.response.headers)).toMatchObject({ limitRequests: '500', remainingRequests: '499' });
    const completed = await azure('az-3', INSTRUCT, 0).completions.create(COMPLETION).withResponse();
    expect(rateHeaders(completed.response.headers)).toMatchObject({ limitRequests: '500', remainingRequests: '499' });
  });
});
