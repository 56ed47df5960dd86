/**
 * Rate limits, chaos faults and override headers on the Messages API, through the official
 * `@anthropic-ai/sdk`: its retry policy (x-should-retry, then 429/≥500, retry-after-ms before
 * retry-after), its error classes (529 is an OverloadedError) and its in-stream `error` handling
 * see exactly what a user's app would.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { metric, rejection, tempFile } from './fixtures/sim.js';

const BASE: MessageCreateParamsNonStreaming = { model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user', content: 'Say hello in one sentence.' }] };
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const OVERLOADED_FRAME = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';

function clientFor(sim: Simulator, maxRetries: number): Anthropic {
  return new Anthropic({ baseURL: sim.url, apiKey: 'k', maxRetries });
}

const post = (sim: Simulator, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${sim.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify(body),
  });

describe('529 overloaded', () => {
  let sim: Simulator;
  beforeAll(async () => {
    const scenario = tempFile('s.json', { name: 'overload', phases: [{ name: 'p', startAfterRequests: 0, requests: 2, faults: [{ kind: 'overloaded_529', retryAfterMs: 20 }] }] });
    sim = await startSimulator({ threads: 1, speed: 0, scenario });
  });
  afterAll(() => sim.stop());

  it('is retried by the SDK, which succeeds once the overload passes', async () => {
    const m = await clientFor(sim, 2).messages.create(BASE);
    expect(m.content[0]!.type).toBe('text');
    expect(await metric(sim, 'understudy_faults_injected_total{kind="overloaded_529"}')).toBe(2);
  });

  it('surfaces as an OverloadedError with the overloaded_error body when not retried', async () => {
    const err = await rejection(clientFor(sim, 0).messages.create(BASE, { headers: { 'x-understudy-fault': 'overloaded_529' } }), Anthropic.OverloadedError);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(err.status).toBe(529);
    expect(err.type).toBe('overloaded_error');
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: expect.stringMatching(/^req_011/) });
    expect(err.requestID).toMatch(/^req_011/);
  });

  it('answers the other injected statuses in Anthropic shape', async () => {
    const client = clientFor(sim, 0);
    const cases = [
      ['server_error_500', Anthropic.InternalServerError, 500, 'api_error'],
      ['unavailable_503', Anthropic.ServiceUnavailableError, 503, 'api_error'],
      ['gateway_timeout_504', Anthropic.GatewayTimeoutError, 504, 'timeout_error'],
      ['bad_gateway_502', Anthropic.InternalServerError, 502, 'api_error'],
    ] as const;
    for (const [fault, type, status, errorType] of cases) {
      const err = await rejection(client.messages.create(BASE, { headers: { 'x-understudy-fault': fault } }), type);
      expect(err.status).toBe(status);
      expect(err.type).toBe(errorType);
    }
    const empty = await post(sim, BASE, { 'x-understudy-fault': 'empty_200' });
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe('');
  });
});

describe('mid-stream overload and override headers', () => {
  let sim: Simulator;
  let client: Anthropic;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0 });
    client = clientFor(sim, 0);
  });
  afterAll(() => sim.stop());

  it('ends a 200 stream with an overloaded_error event that finalMessage() rejects with', async () => {
    const stream = client.messages.stream(BASE, { headers: { 'x-understudy-fault': 'stream_overloaded' } });
    const err = await rejection(stream.finalMessage(), Anthropic.APIError);
    expect(err.status).toBeUndefined();
    expect(err.type).toBe('overloaded_error');
    expect(err.error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  });

  it('a forced rate limit says when to retry (retry-after, the requests limit headers), so the SDK waits and retries', async () => {
    const err = await rejection(clientFor(sim, 1).messages.create(BASE, { headers: { 'x-understudy-fault': 'rate_limit' } }), Anthropic.RateLimitError);
    expect(err.headers.get('retry-after')).toBe('1');
    expect(err.headers.get('retry-after-ms')).toBe('1000');
    expect(err.headers.get('anthropic-ratelimit-requests-limit')).toBe('50');
    expect(err.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(Date.parse(err.headers.get('anthropic-ratelimit-requests-reset')!)).toBeGreaterThan(Date.now() - 1000);
    expect(await metric(sim, 'understudy_faults_injected_total{kind="rate_limit"}')).toBe(2);
  });

  it('sends a malformed frame as a named Anthropic event, so the SDK sees it and fails to parse it', async () => {
    const stream = client.messages.stream(BASE, { headers: { 'x-understudy-fault': 'malformed_frame' } });
    await expect(stream.finalMessage()).rejects.toThrow(/JSON|Unexpected|parse/i);
    const raw = await (await post(sim, { ...BASE, stream: true }, { 'x-understudy-fault': 'malformed_frame' })).text();
    expect(raw).toContain('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"unterminated');
    expect(raw).not.toContain('message_stop');
  });

  it('makes the raw iterator throw the same error after some text', async () => {
    const stream = await client.messages.create({ ...BASE, stream: true }, { headers: { 'x-understudy-fault': 'stream_overloaded' } });
    const seen: string[] = [];
    const err = await rejection(
      (async () => {
        for await (const event of stream) seen.push(event.type);
      })(),
      Anthropic.APIError,
    );
    expect(err.type).toBe('overloaded_error');
    expect(seen[0]).toBe('message_start');
    expect(seen).toContain('content_block_delta');
    expect(seen).not.toContain('message_stop');
  });

  it('sends the error as the last frame on the wire, after the 200', async () => {
    const r = await post(sim, { ...BASE, stream: true }, { 'x-understudy-fault': 'stream_overloaded' });
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text.endsWith(OVERLOADED_FRAME)).toBe(true);
    expect(text).not.toContain('message_stop');
    expect(await metric(sim, 'understudy_faults_injected_total{kind="stream_overloaded"}')).toBe(3);
  });

  it('cuts a non-streaming body on a mid-stream fault', async () => {
    await expect(client.messages.create(BASE, { headers: { 'x-understudy-fault': 'truncated_json' } })).rejects.toThrow();
  });

  it('answers with the forced corpus entry and TTFT', async () => {
    const { response } = await client.messages.create(BASE, { headers: { 'x-understudy-entry': 'claude-haiku-4-5-text-002', 'x-understudy-ttft-ms': '25' } }).withResponse();
    expect(response.headers.get('x-understudy-entry')).toBe('claude-haiku-4-5-text-002');
    expect(response.headers.get('x-understudy-ttft-ms')).toBe('25.0');
  });

  it('keeps the static rate-limit headers when no quota is configured', async () => {
    const { response } = await client.messages.create(BASE).withResponse();
    expect(response.headers.get('anthropic-ratelimit-requests-limit')).toBe('4000');
    expect(response.headers.get('anthropic-ratelimit-tokens-limit')).toBe('2400000');
  });
});

describe('rate limits', () => {
  it('counts the anthropic-tier-1 headers down per request, with RFC 3339 resets', async () => {
    const sim = await startSimulator({ threads: 1, speed: 0, quota: 'anthropic-tier-1' });
    try {
      const client = clientFor(sim, 0);
      // A long prompt, so each charge dwarfs what the bucket refills between requests.
      const long: MessageCreateParamsNonStreaming = { ...BASE, messages: [{ role: 'user', content: 'Summarize this. '.repeat(1000) }] };
      const seen: { requests: number; input: number; output: number }[] = [];
      for (let i = 0; i < 3; i++) {
        const { response } = await client.messages.create(long).withResponse();
        const h = (name: string): string | null => response.headers.get(`anthropic-ratelimit-${name}`);
        expect(h('requests-limit')).toBe('50');
        expect(h('input-tokens-limit')).toBe('30000');
        expect(h('output-tokens-limit')).toBe('8000');
        for (const d of ['requests', 'input-tokens', 'output-tokens']) expect(h(`${d}-reset`)).toMatch(RFC3339);
        seen.push({ requests: Number(h('requests-remaining')), input: Number(h('input-tokens-remaining')), output: Number(h('output-tokens-remaining')) });
      }
      expect(seen.map((s) => s.requests)).toEqual([49, 48, 47]);
      // max_tokens is charged against the output limit when the request is admitted.
      expect(seen[0]!.output).toBeLessThanOrEqual(8000 - 1024);
      expect(seen[0]!.input).toBeLessThan(30_000 - 3000);
      for (let i = 1; i < 3; i++) {
        expect(seen[i]!.input).toBeLessThan(seen[i - 1]!.input - 2000);
        expect(seen[i]!.output).toBeLessThan(seen[i - 1]!.output);
      }
    } finally {
      await sim.stop();
    }
  });

  it('refuses past the limit with a RateLimitError, retry-after and the limit headers; count_tokens is not limited', async () => {
    const quota = tempFile('q.json', { defaults: { requestsPerMinute: 2 } });
    const sim = await startSimulator({ threads: 1, speed: 0, quota });
    try {
      const client = clientFor(sim, 0);
      await client.messages.create(BASE);
      await client.messages.create(BASE);
      const err = await rejection(client.messages.create(BASE), Anthropic.RateLimitError);
      expect(err.status).toBe(429);
      expect(err.type).toBe('rate_limit_error');
      expect(err.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
      expect(err.apiMessage).toMatch(/^This request would exceed the rate limit for your organization \([0-9a-f-]+\) of 2 requests per minute\. /);
      expect(Number(err.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(err.headers.get('anthropic-ratelimit-requests-limit')).toBe('2');
      expect(err.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
      expect(err.headers.get('x-should-retry')).toBeNull();
      expect(await metric(sim, 'understudy_quota_rejections_total{dimension="requests"}')).toBe(1);
      const counted = await client.messages.countTokens({ model: BASE.model, messages: BASE.messages });
      expect(counted.input_tokens).toBeGreaterThan(0);
    } finally {
      await sim.stop();
    }
  });

  it('does not retry a spend limit: x-should-retry false, no retry-after', async () => {
    const scenario = tempFile('s.json', { name: 'broke', phases: [{ name: 'p', faults: [{ kind: 'quota_exhausted' }] }] });
    const sim = await startSimulator({ threads: 1, speed: 0, scenario });
    try {
      const err = await rejection(clientFor(sim, 2).messages.create(BASE), Anthropic.RateLimitError);
      expect(err.type).toBe('rate_limit_error');
      expect(err.errorCode).toBe('enforced_spend_limit_reached');
      expect(err.headers.get('x-should-retry')).toBe('false');
      expect(err.headers.get('retry-after')).toBeNull();
      expect(await metric(sim, 'understudy_faults_injected_total{kind="quota_exhausted"}')).toBe(1);
    } finally {
      await sim.stop();
    }
  });
});
