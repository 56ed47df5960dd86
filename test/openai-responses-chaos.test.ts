/**
 * Rate limits, chaos faults and override headers on the Responses API, through the official
 * `openai` SDK (`responses.create`, `responses.stream()`), plus the raw wire where the SDK hides
 * what matters: the in-stream `error` event is numbered in sequence with the frames before it.
 */
import OpenAI from 'openai';
import type { ResponseCreateParamsNonStreaming, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { metric, rawPost, tempFile } from './fixtures/sim.js';

const BASE: ResponseCreateParamsNonStreaming = { model: 'gpt-4o', input: 'Say hello in one sentence.', max_output_tokens: 200 };
const SERVER_ERROR = 'The server had an error while processing your request. Sorry about that!';

function clientFor(sim: Simulator, maxRetries: number): OpenAI {
  return new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-a', maxRetries });
}

const post = (sim: Simulator, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${sim.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-a', ...headers }, body: JSON.stringify(body) });

describe('a 429 storm', () => {
  let sim: Simulator;
  beforeAll(async () => {
    const scenario = tempFile('s.json', { name: 'short-storm', phases: [{ name: 'storm', startAfterRequests: 0, requests: 2, faults: [{ kind: 'rate_limit', retryAfterMs: 30 }] }] });
    sim = await startSimulator({ threads: 1, speed: 0, scenario });
  });
  afterAll(() => sim.stop());

  it('is retried by responses.create, which succeeds when it ends', async () => {
    const r = await clientFor(sim, 2).responses.create(BASE);
    expect(r.status).toBe('completed');
    expect(r.output_text.length).toBeGreaterThan(0);
    expect(await metric(sim, 'understudy_faults_injected_total{kind="rate_limit"}')).toBe(2);
  });
});

describe('faults and overrides', () => {
  let sim: Simulator;
  let client: OpenAI;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0 });
    client = clientFor(sim, 0);
  });
  afterAll(() => sim.stop());

  it('raises the in-stream error event from responses.stream(), with its sequence number', async () => {
    const stream = client.responses.stream({ ...BASE, stream: true }, { headers: { 'x-understudy-fault': 'stream_overloaded' } });
    const types: string[] = [];
    stream.on('event', (e) => types.push(e.type));
    const err: unknown = await stream.finalResponse().then(
      () => new Error('expected the stream to fail'),
      (e: unknown) => e,
    );
    expect(err).toEqual({ type: 'error', code: 'server_error', message: SERVER_ERROR, param: null, sequence_number: types.length - 1 });
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_text.delta');
    expect(types).not.toContain('response.completed');
  });

  it('yields the error event, numbered after the frames before it, to the raw iterator', async () => {
    const stream = await client.responses.create({ ...BASE, stream: true }, { headers: { 'x-understudy-fault': 'stream_overloaded' } });
    const events: ResponseStreamEvent[] = [];
    for await (const e of stream) events.push(e);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const last = events[events.length - 1]!;
    expect(last).toEqual({ type: 'error', code: 'server_error', message: SERVER_ERROR, param: null, sequence_number: events.length - 1 });
  });

  it('sends the error as a complete, numbered `event: error` frame on the wire', async () => {
    const r = await post(sim, { ...BASE, stream: true }, { 'x-understudy-fault': 'stream_overloaded' });
    expect(r.status).toBe(200);
    // The stream opens with the blank line that flushes the headers early.
    const frames = (await r.text())
      .split('\n\n')
      .map((f) => f.trimStart())
      .filter((f) => f.length > 0);
    const last = frames[frames.length - 1]!;
    expect(last).toBe(`event: error\ndata: {"type":"error","code":"server_error","message":"${SERVER_ERROR}","param":null,"sequence_number":${frames.length - 1}}`);
    expect(frames.every((f) => f.startsWith('event: '))).toBe(true);
  });

  it('cuts a stream with half of a Responses event, not of a chat chunk, after the events before it (speed 0)', async () => {
    const { bytes, closed } = await rawPost(sim.port, '/v1/responses', { ...BASE, stream: true }, { 'x-understudy-fault': 'truncated_json' });
    const text = bytes.toString('utf8');
    expect(closed).toBe(true);
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toContain('event: response.created\n');
    expect(text).toContain('event: response.output_text.delta\n');
    expect(text.endsWith('event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_')).toBe(true);
  });

  it('cuts a non-streaming body on a mid-stream fault', async () => {
    await expect(client.responses.create(BASE, { headers: { 'x-understudy-fault': 'truncated_json' } })).rejects.toThrow();
  });

  it('answers injected statuses in OpenAI shape; insufficient_quota is retried, as against OpenAI', async () => {
    await expect(client.responses.create(BASE, { headers: { 'x-understudy-fault': 'server_error_500' } })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    const err = await clientFor(sim, 2)
      .responses.create(BASE, { headers: { 'x-understudy-fault': 'quota_exhausted' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('insufficient_quota');
    expect(await metric(sim, 'understudy_faults_injected_total{kind="quota_exhausted"}')).toBe(3);
  });

  it('answers with the forced corpus entry and TTFT', async () => {
    const { response } = await client.responses
      .create({ ...BASE, max_output_tokens: undefined }, { headers: { 'x-understudy-entry': 'gpt-4o-text-001', 'x-understudy-ttft-ms': '25' } })
      .withResponse();
    expect(response.headers.get('x-understudy-entry')).toBe('gpt-4o-text-001');
    expect(response.headers.get('x-understudy-ttft-ms')).toBe('25.0');
  });
});

describe('rate limits', () => {
  it('sends the quota headers and refuses past the limit with a RateLimitError', async () => {
    const quota = tempFile('q.json', { defaults: { requestsPerMinute: 2, tokensPerMinute: 1_000_000 } });
    const sim = await startSimulator({ threads: 1, speed: 0, quota });
    try {
      const client = clientFor(sim, 0);
      const { response } = await client.responses.create(BASE).withResponse();
      expect(response.headers.get('x-ratelimit-limit-requests')).toBe('2');
      expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
      await client.responses.create(BASE);
      const err = await client.responses.create(BASE).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      const limited = err as InstanceType<typeof OpenAI.RateLimitError>;
      expect(limited.code).toBe('rate_limit_exceeded');
      expect(limited.message).toMatch(/Rate limit reached for gpt-4o .* on requests per min \(RPM\): Limit 2, Used 2, Requested 1\./);
      expect(Number(limited.headers.get('retry-after-ms'))).toBeGreaterThan(0);
    } finally {
      await sim.stop();
    }
  });
});
