/**
 * Rate limits, chaos faults and override headers on the Gemini surface, through `@google/genai`
 * against the real server: refusals in `google.rpc.Status` shape (RESOURCE_EXHAUSTED with
 * QuotaFailure / Help / RetryInfo), the SDK's opt-in retries, and a stream broken by an error frame.
 */
import { connect } from 'node:net';
import { ApiError, FinishReason, GoogleGenAI, type GenerateContentResponse, type HttpOptions } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { metric, tempFile } from './fixtures/sim.js';

const MODEL = 'gemini-2.5-flash';
const EMBEDDER = 'gemini-embedding-001';
const HELLO = 'Say hello in one sentence.';

interface RpcStatus {
  error: { code: number; message: string; status: string; details?: ({ '@type': string } & Record<string, unknown>)[] };
}

const clientFor = (sim: Simulator, apiKey = 'k', httpOptions: HttpOptions = {}): GoogleGenAI => new GoogleGenAI({ apiKey, httpOptions: { baseUrl: sim.url, ...httpOptions } });

/** Awaits a call that must fail with an ApiError; returns its status and the google.rpc.Status it carries. */
async function apiError(promise: Promise<unknown>): Promise<{ status: number; body: RpcStatus }> {
  const err = await promise.then(
    () => new Error('expected an ApiError, but the call succeeded'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  const e = err as ApiError;
  // A stream error frame reads "got status: UNAVAILABLE. {json}"; an HTTP error is the JSON alone.
  return { status: e.status, body: JSON.parse(e.message.slice(e.message.indexOf('{'))) as RpcStatus };
}

const detail = (body: RpcStatus, type: string): Record<string, unknown> | undefined => body.error.details?.find((d) => d['@type'] === `type.googleapis.com/google.rpc.${type}`);

const rawGenerate = (sim: Simulator, query: string, headers: Record<string, string> = {}, method = 'generateContent') =>
  fetch(`${sim.url}/v1beta/models/${MODEL}:${method}?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: HELLO }] }], generationConfig: { maxOutputTokens: 60, thinkingConfig: { thinkingBudget: 0 } } }),
  });

describe('rate limits in google.rpc.Status shape', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0, quota: tempFile('q.json', { defaults: { requestsPerMinute: 2, tokensPerMinute: 1_000_000 } }) });
  });
  afterAll(() => sim.stop());

  it('refuses the third generateContent with RESOURCE_EXHAUSTED, QuotaFailure, Help and RetryInfo', async () => {
    const ai = clientFor(sim, 'k-gen');
    for (let i = 0; i < 2; i++) expect((await ai.models.generateContent({ model: MODEL, contents: HELLO })).text!.length).toBeGreaterThan(0);

    const { status, body } = await apiError(ai.models.generateContent({ model: MODEL, contents: HELLO }));
    expect(status).toBe(429);
    expect(body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(body.error.message).toMatch(/^You exceeded your current quota, please check your plan and billing details\. For more information on this error, head to: https:\/\/ai\.google\.dev\/gemini-api\/docs\/rate-limits\./);
    expect(body.error.message).toMatch(/limit: 2, model: gemini-2\.5-flash\nPlease retry in \d+(\.\d+)?s\.$/);
    expect(body.error.details!.map((d) => d['@type'])).toEqual([
      'type.googleapis.com/google.rpc.QuotaFailure',
      'type.googleapis.com/google.rpc.Help',
      'type.googleapis.com/google.rpc.RetryInfo',
    ]);
    expect(detail(body, 'QuotaFailure')).toEqual({
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [
        {
          quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
          quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
          quotaDimensions: { location: 'global', model: MODEL },
          quotaValue: '2',
        },
      ],
    });
    // A protobuf Duration in decimal seconds, the same figure the message gives.
    const delay = String(detail(body, 'RetryInfo')!.retryDelay);
    expect(delay).toMatch(/^\d+(\.\d{1,3})?s$/);
    expect(Number(delay.slice(0, -1))).toBeGreaterThan(0);
    expect(body.error.message.endsWith(`Please retry in ${delay}.`)).toBe(true);
  });

  it('sends the same refusal on the wire: JSON, no retry or rate-limit headers (the wait is in RetryInfo); ?key= is the same key', async () => {
    const r = await rawGenerate(sim, 'key=k-gen');
    expect(r.status).toBe(429);
    expect(r.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect([...r.headers.keys()].filter((h) => h.startsWith('x-ratelimit') || h.startsWith('retry-after'))).toEqual([]);
    const body = (await r.json()) as RpcStatus;
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    const delay = String(detail(body, 'RetryInfo')!.retryDelay);
    expect(delay).toMatch(/^\d+(\.\d{1,3})?s$/);
    expect(body.error.message.endsWith(`Please retry in ${delay}.`)).toBe(true);

    // Another key has its own bucket; countTokens is not limited.
    const other = await rawGenerate(sim, 'key=k-other');
    expect(other.status).toBe(200);
    await other.text();
    const ai = clientFor(sim, 'k-gen');
    for (let i = 0; i < 3; i++) expect((await ai.models.countTokens({ model: MODEL, contents: HELLO })).totalTokens).toBeGreaterThan(0);
  });

  it('counts embedContent requests against the embedding model', async () => {
    const ai = clientFor(sim, 'k-embed');
    for (let i = 0; i < 2; i++) expect((await ai.models.embedContent({ model: EMBEDDER, contents: 'hello' })).embeddings![0]!.values).toHaveLength(3072);
    const { status, body } = await apiError(ai.models.embedContent({ model: EMBEDDER, contents: 'hello' }));
    expect(status).toBe(429);
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(detail(body, 'QuotaFailure')).toMatchObject({ violations: [{ quotaId: 'EmbedContentRequestsPerMinutePerProjectPerModel-FreeTier', quotaDimensions: { model: EMBEDDER }, quotaValue: '2' }] });
    // Two generate refusals above, one raw, this one.
    expect(await metric(sim, 'understudy_quota_rejections_total{dimension="requests"}')).toBe(3);
  });
});

describe('Gemini\'s token limit', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0, quota: tempFile('q.json', { defaults: { requestsPerMinute: 100, tokensPerMinute: 10_000 } }) });
  });
  afterAll(() => sim.stop());

  it('counts input tokens alone, as the quota it names does: a large maxOutputTokens is not charged', async () => {
    const ai = clientFor(sim, 'k-tokens');
    // Charged as OpenAI charges (prompt + maxOutputTokens), the second would pass 10,000.
    for (let i = 0; i < 3; i++) {
      const r = await ai.models.generateContent({ model: MODEL, contents: HELLO, config: { maxOutputTokens: 6000, thinkingConfig: { thinkingBudget: 0 } } });
      expect(r.text!.length).toBeGreaterThan(0);
    }
    // A prompt past the limit is refused, naming the input-token quota.
    const { status, body } = await apiError(ai.models.generateContent({ model: MODEL, contents: 'word '.repeat(11_000) }));
    expect(status).toBe(429);
    expect(JSON.stringify(body)).toContain('GenerateContentInputTokensPerModelPerMinute');
  });
});

describe('chaos scenarios through @google/genai', () => {
  let sim: Simulator;
  beforeAll(async () => {
    const storm = { name: 'two-503s', phases: [{ name: 'overloaded', startAfterRequests: 0, requests: 2, faults: [{ kind: 'unavailable_503' }] }] };
    sim = await startSimulator({ threads: 1, speed: 0, scenario: tempFile('s.json', storm) });
  });
  afterAll(() => sim.stop());

  it('does not retry without retryOptions; with them it retries the 503 and succeeds', async () => {
    const { status, body } = await apiError(clientFor(sim).models.generateContent({ model: MODEL, contents: HELLO }));
    expect(status).toBe(503);
    expect(body).toEqual({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });

    const patient = clientFor(sim, 'k', { retryOptions: { attempts: 3, initialDelay: 0.01, maxDelay: 0.02 } });
    const reply = await patient.models.generateContent({ model: MODEL, contents: HELLO });
    expect(reply.text!.length).toBeGreaterThan(0);
    expect(await metric(sim, 'understudy_faults_injected_total{kind="unavailable_503"}')).toBe(2);
  });

  it('answers a 529 scenario loaded through the admin API as 503 UNAVAILABLE (Gemini has no 529)', async () => {
    const load = await fetch(`${sim.url}/_understudy/scenario`, {
      method: 'POST',
      body: JSON.stringify({ name: 'overload', phases: [{ name: 'p', target: { dialects: ['gemini'] }, faults: [{ kind: 'overloaded_529' }] }] }),
    });
    expect(load.status).toBe(200);
    try {
      const { status, body } = await apiError(clientFor(sim).models.generateContent({ model: MODEL, contents: HELLO }));
      expect(status).toBe(503);
      expect(body.error.status).toBe('UNAVAILABLE');
    } finally {
      await (await fetch(`${sim.url}/_understudy/scenario`, { method: 'DELETE' })).text();
    }
  });

  it('sends scenario 429s and 503s with a wait but no retry headers, as Gemini does', async () => {
    const faults = [{ kind: 'rate_limit', probability: 0.5, retryAfterMs: 2500 }, { kind: 'unavailable_503', probability: 0.5, retryAfterMs: 2500 }];
    const load = await fetch(`${sim.url}/_understudy/scenario`, { method: 'POST', body: JSON.stringify({ name: 'storm', phases: [{ name: 'p', target: { dialects: ['gemini'] }, faults }] }) });
    expect(load.status).toBe(200);
    try {
      const statuses = new Set<number>();
      for (let i = 0; i < 12; i++) {
        const r = await rawGenerate(sim, '', { 'x-goog-api-key': 'k' });
        statuses.add(r.status);
        expect([...r.headers.keys()].filter((h) => h.startsWith('retry-after'))).toEqual([]);
        const body = (await r.json()) as RpcStatus;
        if (r.status === 429) expect(detail(body, 'RetryInfo')!.retryDelay).toBe('2.5s');
      }
      expect(statuses.has(429) && statuses.has(503)).toBe(true);
    } finally {
      await (await fetch(`${sim.url}/_understudy/scenario`, { method: 'DELETE' })).text();
    }
  });
});

describe('override headers on the Gemini surface', () => {
  let sim: Simulator;
  let ai: GoogleGenAI;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0 });
    ai = clientFor(sim);
  });
  afterAll(() => sim.stop());

  const fault = (kind: string) => ({ httpOptions: { headers: { 'x-understudy-fault': kind } } });

  it('breaks a stream with an error frame that the SDK throws mid-stream', async () => {
    const stream = await ai.models.generateContentStream({ model: MODEL, contents: HELLO, config: { maxOutputTokens: 60, thinkingConfig: { thinkingBudget: 0 }, ...fault('stream_overloaded') } });
    const chunks: GenerateContentResponse[] = [];
    const { status, body } = await apiError(
      (async () => {
        for await (const chunk of stream) chunks.push(chunk);
      })(),
    );
    expect(chunks.length).toBeGreaterThan(0);
    expect(status).toBe(503);
    expect(body.error).toEqual({ code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' });
  });

  it('a forced rate limit carries RetryInfo and says when to retry in its message', async () => {
    const r = await rawGenerate(sim, '', { 'x-goog-api-key': 'k', 'x-understudy-fault': 'rate_limit' });
    expect(r.status).toBe(429);
    const body = (await r.json()) as { error: { message: string; details: { '@type': string; retryDelay?: string }[] } };
    expect(body.error.message).toMatch(/Please retry in 1s\.$/);
    expect(body.error.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1s' });
  });

  it('breaks a stream cut before its first chunk mid-body, not as a complete empty 200', async () => {
    const SHORT = 'gemini-2.5-flash-lite-text-019';
    // An answer of 8 tokens is one Gemini event, so the fault strikes before it: Gemini holds its
    // headers until then, and the cut must still leave a body that did not end.
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    const raw = await new Promise<string>((resolve) => {
      let got = '';
      const socket = connect(sim.port, '127.0.0.1', () =>
        socket.write(
          `POST /v1beta/models/gemini-2.5-flash-lite:streamGenerateContent?alt=sse HTTP/1.1\r\nHost: x\r\nx-goog-api-key: k\r\nx-understudy-fault: disconnect_after_tokens\r\nx-understudy-entry: ${SHORT}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        ),
      );
      socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
      socket.on('close', () => resolve(got));
      socket.on('error', () => {});
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
    expect(raw.toLowerCase()).toContain('transfer-encoding: chunked');
    expect(raw.endsWith('0\r\n\r\n')).toBe(false);
    // The SDK sees the stream break, not an answer with no candidates.
    const stream = await ai.models.generateContentStream({
      model: 'gemini-2.5-flash-lite',
      contents: HELLO,
      config: { httpOptions: { headers: { 'x-understudy-fault': 'disconnect_after_tokens', 'x-understudy-entry': SHORT } } },
    });
    await expect(
      (async () => {
        for await (const chunk of stream) void chunk;
      })(),
    ).rejects.toThrow();
  });

  it('frames the error as one more `data: <json>\\r\\n\\r\\n` event', async () => {
    // An answer long enough to stream in several events before the fault.
    const r = await rawGenerate(sim, 'alt=sse', { 'x-goog-api-key': 'k', 'x-understudy-fault': 'stream_overloaded', 'x-understudy-entry': 'gemini-2.5-flash-text-002' }, 'streamGenerateContent');
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text.endsWith('\r\n\r\n')).toBe(true);
    const events = text.slice(0, -4).split('\r\n\r\n');
    for (const e of events) expect(e).toMatch(/^data: \{.*\}$/);
    expect(events.length).toBeGreaterThan(1);
    expect(JSON.parse(events[events.length - 1]!.slice(6))).toEqual({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });
  });

  it('ends a missing_done stream with all its text and no finishReason on any chunk', async () => {
    const collect = async (extra: object) => {
      const chunks: GenerateContentResponse[] = [];
      for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: HELLO, config: { seed: 3, ...extra } })) chunks.push(chunk);
      return chunks;
    };
    const whole = await collect({});
    const broken = await collect(fault('missing_done'));
    expect(whole.at(-1)!.candidates![0]!.finishReason).toBe(FinishReason.STOP);
    expect(broken.map((c) => c.candidates![0]!.finishReason)).toEqual(broken.map(() => undefined));
    expect(broken.map((c) => c.text).join('')).toBe(whole.map((c) => c.text).join(''));
  });

  it('answers quota_exhausted with limit: 0 and no RetryInfo', async () => {
    const { status, body } = await apiError(ai.models.generateContent({ model: MODEL, contents: HELLO, config: fault('quota_exhausted') }));
    expect(status).toBe(429);
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(body.error.message).toContain(', limit: 0, model: gemini-2.5-flash');
    expect(detail(body, 'QuotaFailure')).toMatchObject({ violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier', quotaValue: '0' }] });
    expect(detail(body, 'Help')).toBeDefined();
    expect(detail(body, 'RetryInfo')).toBeUndefined();
  });

  it('answers 500, 502 and 504 as the API and its front end do', async () => {
    const internal = await apiError(ai.models.generateContent({ model: MODEL, contents: HELLO, config: fault('server_error_500') }));
    expect(internal.status).toBe(500);
    expect(internal.body.error.status).toBe('INTERNAL');
    const timeout = await apiError(ai.models.generateContent({ model: MODEL, contents: HELLO, config: fault('gateway_timeout_504') }));
    expect(timeout.body.error).toEqual({ code: 504, message: 'The request timed out. Please try again.', status: 'DEADLINE_EXCEEDED' });
    // A 502 is an HTML page: the SDK wraps its text as the message.
    const gateway = await apiError(ai.models.generateContent({ model: MODEL, contents: HELLO, config: fault('bad_gateway_502') }));
    expect(gateway.status).toBe(502);
    expect(gateway.body.error.message).toContain('<b>502.</b> <ins>That’s an error.</ins>');
  });

  it('applies faults to embeddings, and cuts a non-streaming body', async () => {
    const failed = await apiError(ai.models.embedContent({ model: EMBEDDER, contents: 'hello', config: fault('unavailable_503') }));
    expect(failed.status).toBe(503);
    await expect(ai.models.generateContent({ model: MODEL, contents: HELLO, config: fault('truncated_json') })).rejects.toThrow();
    expect(await metric(sim, 'understudy_faults_injected_total{kind="truncated_json"}')).toBe(1);
  });
});
