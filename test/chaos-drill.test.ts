/**
 * A chaos drill as an SRE runs one: a scenario file written the way the README shows (YAML,
 * counted phases so that every fault falls on a known request), loaded with `--scenario` on two
 * server threads, reloaded through the admin API mid-drill, and driven with each official SDK at
 * its default retry settings. What each SDK sees is what it would see from the provider: the
 * status, the error shape, the retry headers it obeys, its timeout error, and its error for a
 * stream broken mid-way.
 */
import { writeFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import { ApiError, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startSimulator, type Simulator } from '../src/index.js';
import { metric, rejection, tempFile } from './fixtures/sim.js';

const DRILL_YAML = `name: drill
description: a rate-limit storm, then 503s, then Anthropic's overload, then calm
phases:
  - name: storm
    requests: 3
    faults:
      - kind: rate_limit
        retryAfterMs: 120
  - name: unavailable
    startAfterRequests: 3
    requests: 3
    faults:
      - kind: unavailable_503
        retryAfterMs: 60
  - name: overloaded
    startAfterRequests: 6
    requests: 2
    faults:
      - kind: overloaded_529
        retryAfterMs: 40
`;

/** Each attempt an SDK made: the status it got and the retry headers it was told to obey. */
interface Attempt {
  readonly status: number;
  readonly retryAfterMs: string | null;
  readonly retryCount: string | null;
}

function recordingFetch(attempts: Attempt[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const sent = new Headers(init?.headers);
    attempts.push({ status: response.status, retryAfterMs: response.headers.get('retry-after-ms'), retryCount: sent.get('x-stainless-retry-count') });
    return response;
  };
}

async function loadScenario(sim: Simulator, scenario: unknown): Promise<Response> {
  return fetch(`${sim.url}/_understudy/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(scenario) });
}

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };
const MESSAGE = { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user' as const, content: 'Hi' }] };
const GEMINI = { model: 'gemini-2.5-flash', contents: 'Hi' };

describe('a drill scenario file through each SDK with its default retries, two threads', () => {
  const file = tempFile('drill.yaml', '');
  writeFileSync(file, DRILL_YAML);
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 2, speed: 0, seed: 5, scenario: file });
  });
  afterAll(() => sim.stop());

  it('openai: retries each 429 and 503 twice as told by retry-after-ms, gives up with the last error, then gets through the overload', async () => {
    const attempts: Attempt[] = [];
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-drill', fetch: recordingFetch(attempts) });
    const limited = await rejection(client.chat.completions.create(CHAT), OpenAI.RateLimitError);
    expect(limited.status).toBe(429);
    expect(limited.code).toBe('rate_limit_exceeded');
    expect(limited.message).toMatch(/Please try again in 120ms\./);
    const unavailable = await rejection(client.chat.completions.create(CHAT), OpenAI.InternalServerError);
    expect(unavailable.status).toBe(503);
    // OpenAI has no 529: the overload is its 503, which the SDK retries until the phase ends.
    const answer = await client.chat.completions.create(CHAT);
    expect(answer.choices[0]!.finish_reason).toBe('stop');
    expect(attempts.map((a) => a.status)).toEqual([429, 429, 429, 503, 503, 503, 503, 503, 200]);
    expect(attempts.map((a) => a.retryAfterMs)).toEqual(['120', '120', '120', '60', '60', '60', '40', '40', null]);
    expect(attempts.map((a) => a.retryCount)).toEqual(['0', '1', '2', '0', '1', '2', '0', '1', '2']);
  });

  it('anthropic: the same drill reloaded from the same YAML mid-run; 529 overloaded_error, retried, then the answer', async () => {
    expect((await loadScenario(sim, parse(DRILL_YAML))).status).toBe(200);
    const attempts: Attempt[] = [];
    const client = new Anthropic({ baseURL: sim.url, apiKey: 'sk-ant-drill', fetch: recordingFetch(attempts) });
    const limited = await rejection(client.messages.create(MESSAGE), Anthropic.RateLimitError);
    expect(limited.type).toBe('rate_limit_error');
    await rejection(client.messages.create(MESSAGE), Anthropic.ServiceUnavailableError);
    const answer = await client.messages.create(MESSAGE);
    expect(answer.stop_reason).toBe('end_turn');
    expect(attempts.map((a) => a.status)).toEqual([429, 429, 429, 503, 503, 503, 529, 529, 200]);
    expect(attempts.map((a) => a.retryAfterMs)).toEqual(['120', '120', '120', '60', '60', '60', '40', '40', null]);
    expect(await metric(sim, 'understudy_faults_injected_total{kind="overloaded_529"}')).toBe(4);
  });

  it('anthropic: an overload at the last attempt surfaces as an OverloadedError with the overloaded_error body', async () => {
    expect((await loadScenario(sim, { name: 'overload', phases: [{ name: 'p', requests: 3, faults: [{ kind: 'overloaded_529' }] }] })).status).toBe(200);
    const err = await rejection(new Anthropic({ baseURL: sim.url, apiKey: 'sk-ant-drill' }).messages.create(MESSAGE), Anthropic.OverloadedError);
    expect(err.status).toBe(529);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  });

  it('gemini: @google/genai does not retry by default; with retryOptions it retries 429 and 503 and gets through', async () => {
    expect((await loadScenario(sim, parse(DRILL_YAML))).status).toBe(200);
    const attempts: Attempt[] = [];
    const plain = new GoogleGenAI({ apiKey: 'drill', httpOptions: { baseUrl: sim.url, fetch: recordingFetch(attempts) } });
    const limited = await rejection(plain.models.generateContent(GEMINI), ApiError);
    expect(limited.status).toBe(429);
    // The wait is in RetryInfo alone, as Gemini sends it; the SDK ignores it.
    expect(limited.message).toMatch(/"retryDelay":"0\.12s"/);
    expect(attempts).toEqual([{ status: 429, retryAfterMs: null, retryCount: null }]);
    const retrying = new GoogleGenAI({ apiKey: 'drill', httpOptions: { baseUrl: sim.url, fetch: recordingFetch(attempts), retryOptions: { attempts: 8, initialDelay: 0.01, maxDelay: 0.02 } } });
    const answer = await retrying.models.generateContent(GEMINI);
    expect(answer.candidates?.[0]?.finishReason).toBe('STOP');
    // Gemini has no 529: the overload is its 503 UNAVAILABLE.
    expect(attempts.map((a) => a.status)).toEqual([429, 429, 429, 503, 503, 503, 503, 503, 200]);
  });
});

describe('requests held past the SDK timeout, two threads', () => {
  const scenario = tempFile('held.json', {
    name: 'held',
    phases: [
      { name: 'unanswered', target: { header: { name: 'x-drill', value: 'never' } }, faults: [{ kind: 'timeout_no_answer' }] },
      { name: 'late', target: { header: { name: 'x-drill', value: 'late' } }, faults: [{ kind: 'timeout_slow_answer', delayMs: 60_000 }] },
    ],
  });
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 2, speed: 1, seed: 5, scenario });
  });
  afterAll(() => sim.stop());
  const disconnects = (): Promise<number> => metric(sim, 'understudy_errors_total{kind="client_disconnect"}');

  it('end with each SDK\'s timeout error after its retries, and leave nothing open on the server', async () => {
    const before = await disconnects();
    const openai = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-drill', timeout: 150, defaultHeaders: { 'x-drill': 'never' } });
    const stream = openai.chat.completions.create({ ...CHAT, stream: true });
    await rejection(stream, OpenAI.APIConnectionTimeoutError);
    const anthropic = new Anthropic({ baseURL: sim.url, apiKey: 'sk-ant-drill', timeout: 150, defaultHeaders: { 'x-drill': 'late' } });
    await rejection(anthropic.messages.create(MESSAGE), Anthropic.APIConnectionTimeoutError);
    const gemini = new GoogleGenAI({ apiKey: 'drill', httpOptions: { baseUrl: sim.url, timeout: 150, headers: { 'x-drill': 'late' } } });
    const aborted = await rejection(gemini.models.generateContentStream(GEMINI), Error);
    expect(aborted.name).toBe('AbortError');
    // Three attempts each from the SDKs that retry a timeout, one from @google/genai.
    expect(await metric(sim, 'understudy_faults_injected_total{kind="timeout_no_answer"}')).toBe(3);
    expect(await metric(sim, 'understudy_faults_injected_total{kind="timeout_slow_answer"}')).toBe(4);
    await expect.poll(disconnects).toBe(before + 7);
    expect(await metric(sim, 'understudy_active_streams')).toBe(0);
  }, 20_000);
});

describe('streams broken mid-way, as each SDK surfaces them', () => {
  // One scenario, each fault on its own route, each striking after 3 tokens.
  const scenario = tempFile('broken.json', {
    name: 'broken',
    phases: [
      { name: 'openai', target: { routes: ['chat_completions'], header: { name: 'x-drill', value: 'cut' } }, faults: [{ kind: 'disconnect_after_tokens', afterTokens: 3 }] },
      { name: 'openai-error', target: { routes: ['chat_completions'], header: { name: 'x-drill', value: 'error' } }, faults: [{ kind: 'stream_overloaded', afterTokens: 3 }] },
      { name: 'anthropic', target: { routes: ['anthropic_messages'] }, faults: [{ kind: 'stream_overloaded', afterTokens: 3 }] },
      { name: 'gemini', target: { routes: ['gemini_stream_generate'] }, faults: [{ kind: 'stream_overloaded', afterTokens: 3 }] },
    ],
  });
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 2, speed: 0, seed: 5, scenario });
  });
  afterAll(() => sim.stop());

  it('openai: a cut connection is a raw "terminated" error, an in-stream error an APIError, neither retried', async () => {
    const cut = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-drill', defaultHeaders: { 'x-drill': 'cut' } });
    const chunks: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const c of await cut.chat.completions.create({ ...CHAT, stream: true })) chunks.push(c.choices[0]?.delta.content ?? '');
      })(),
      TypeError,
    );
    expect(error.message).toBe('terminated');
    expect(chunks.join('')).not.toBe('');
    const failing = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-drill', defaultHeaders: { 'x-drill': 'error' } });
    const apiError = await rejection(
      (async () => {
        for await (const _ of await failing.chat.completions.create({ ...CHAT, stream: true }));
      })(),
      OpenAI.APIError,
    );
    expect(apiError.status).toBeUndefined();
    expect(await metric(sim, 'understudy_faults_injected_total{kind="disconnect_after_tokens"}')).toBe(1);
  });

  it('anthropic: finalMessage() rejects with the overloaded_error event; gemini: an ApiError 503 mid-stream', async () => {
    const stream = new Anthropic({ baseURL: sim.url, apiKey: 'sk-ant-drill' }).messages.stream(MESSAGE);
    const overloaded = await rejection(stream.finalMessage(), Anthropic.APIError);
    expect(overloaded.error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    // @google/genai looks for an error in each network read before it yields the chunks in it, so
    // at --speed 0 (every event in one read) the text before the error never reaches the caller.
    const gemini = new GoogleGenAI({ apiKey: 'drill', httpOptions: { baseUrl: sim.url } });
    const unavailable = await rejection(
      (async () => {
        for await (const _ of await gemini.models.generateContentStream(GEMINI));
      })(),
      ApiError,
    );
    expect(unavailable.status).toBe(503);
    await expect.poll(() => metric(sim, 'understudy_active_streams')).toBe(0);
  });
});

describe('load-dependent slowdown', () => {
  // TTFT and gaps fixed (5 s, 10 ms), so the headers show the capacity's factor alone:
  // past 2 in flight, 1 + 2 × (n − 2) / 2 on the TTFT and 1 + (n − 2) / 2 on the gaps.
  const profiles = tempFile('capacity.json', {
    profiles: {
      only: {
        ttft: { p50Ms: 5000, p95Ms: 5000, minMs: 5000, maxMs: 5000 },
        prefillMsPerToken: 0,
        itl: { p50Ms: 10, p95Ms: 10, minMs: 10, maxMs: 10 },
        stall: { probability: 0, p50Ms: 1, p95Ms: 1 },
        tokensPerChunk: { min: 1, max: 1 },
        capacity: { knee: 2, hardLimit: 5, ttftSlope: 2, itlSlope: 1, exponent: 1, queueMs: 0, overflowStatus: 503 },
      },
    },
    models: [{ prefix: '', profile: 'only' }],
  });
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 2, speed: 1, seed: 5, profiles });
  });
  afterAll(() => sim.stop());

  it('grows TTFT and gaps with the streams in flight, reports the slowed values, and refuses past the hard limit', async () => {
    // Streams send their headers on accept, so each reports its schedule while all are in flight.
    const controllers = Array.from({ length: 6 }, () => new AbortController());
    const replies = await Promise.all(
      controllers.map((c, i) =>
        fetch(`${sim.url}/v1/chat/completions`, {
          method: 'POST',
          signal: c.signal,
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-drill' },
          body: JSON.stringify({ ...CHAT, stream: true, seed: i }),
        }),
      ),
    );
    const admitted = replies.filter((r) => r.status === 200);
    const ttfts = admitted.map((r) => Number(r.headers.get('x-understudy-ttft-ms'))).sort((a, b) => a - b);
    const itls = admitted.map((r) => Number(r.headers.get('x-understudy-itl-ms'))).sort((a, b) => a - b);
    expect(ttfts).toEqual([5000, 5000, 10_000, 15_000, 20_000]);
    expect(itls).toEqual([10, 10, 15, 20, 25]);
    const refused = replies.filter((r) => r.status !== 200);
    expect(refused.map((r) => r.status)).toEqual([503]);
    expect(await refused[0]!.json()).toEqual({ error: { message: 'The engine is currently overloaded, please try again later', type: 'server_error', param: null, code: null } });
    for (const c of controllers) c.abort();
    await expect.poll(() => metric(sim, 'understudy_active_streams')).toBe(0);
  });
});

/** What a client sees of one request: its status, and for a 200 whether the body ended whole. */
async function outcome(sim: Simulator, i: number): Promise<string> {
  const [path, headers, body] = [
    ['/v1/chat/completions', { authorization: 'Bearer sk-drill' }, { ...CHAT, stream: true }],
    ['/v1/messages', { 'x-api-key': 'sk-ant-drill', 'anthropic-version': '2023-06-01' }, { ...MESSAGE, stream: true }],
    ['/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', { 'x-goog-api-key': 'drill' }, { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }],
    ['/v1/chat/completions', { authorization: 'Bearer sk-drill' }, CHAT],
  ][i % 4] as [string, Record<string, string>, unknown];
  let response: Response;
  try {
    response = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  } catch {
    return 'reset';
  }
  try {
    const text = await response.text();
    return `${response.status} ${/\[DONE\]|message_stop|"finishReason"|"finish_reason":"stop"/.test(text) ? 'whole' : /"error"/.test(text) ? 'error' : 'unended'}`;
  } catch {
    return `${response.status} cut`;
  }
}

describe('reproducibility', () => {
  const scenario = tempFile('mixed.json', {
    name: 'mixed',
    phases: [
      {
        name: 'everything',
        faults: [
          { kind: 'rate_limit', probability: 0.1 },
          { kind: 'server_error_500', probability: 0.1 },
          { kind: 'overloaded_529', probability: 0.1 },
          { kind: 'reset_before_headers', probability: 0.05 },
          { kind: 'disconnect_after_tokens', probability: 0.1, afterTokens: 2 },
          { kind: 'stream_overloaded', probability: 0.1, afterTokens: 2 },
          { kind: 'missing_done', probability: 0.1 },
        ],
      },
    ],
  });
  const run = async (seed: number): Promise<string[]> => {
    const sim = await startSimulator({ threads: 2, speed: 0, seed, scenario });
    try {
      const first: string[] = [];
      for (let i = 0; i < 32; i++) first.push(await outcome(sim, i));
      // A reload mid-drill restarts the count: the same requests meet the same faults again.
      expect((await loadScenario(sim, parse(JSON.stringify((await (await fetch(`${sim.url}/_understudy/scenario`)).json() as { scenario: unknown }).scenario)))).status).toBe(200);
      const again: string[] = [];
      for (let i = 0; i < 32; i++) again.push(await outcome(sim, i));
      expect(again).toEqual(first);
      return first;
    } finally {
      await sim.stop();
    }
  };

  it('gives the same faults at the same requests for the same seed and sequence, on two threads, across restarts and reloads', async () => {
    const a = await run(21);
    const b = await run(21);
    expect(b).toEqual(a);
    // Some of each outcome, so that the comparison means something.
    for (const seen of ['200 whole', '200 cut', '200 error', '429 error', '529 error', 'reset']) expect(a).toContain(seen);
    const other = await run(22);
    expect(other).not.toEqual(a);
  }, 30_000);
});

describe('the scenario file\'s validation at start-up', () => {
  const phase = (extra: Record<string, unknown>, fault: Record<string, unknown> = { kind: 'rate_limit' }): unknown => ({ name: 'bad', phases: [{ name: 'p', ...extra, faults: [fault] }] });
  const cases: readonly [string, unknown, RegExp][] = [
    ['a typo in a field', phase({}, { kind: 'rate_limit', probabilty: 0.5 }), /phases\[0\]\.faults\[0\]: Unrecognized key: "probabilty"/],
    ['an unknown fault kind', phase({}, { kind: 'overload_529' }), /phases\[0\]\.faults\[0\]\.kind: Invalid option/],
    ['a probability over 1', phase({}, { kind: 'rate_limit', probability: 1.5 }), /phases\[0\]\.faults\[0\]\.probability: Too big/],
    ['a phase both timed and counted', phase({ start: '30s', requests: 10 }), /phases\[0\] sets both start and requests/],
    ['a route id that is a path', phase({ target: { routes: ['/v1/chat/completions'] } }), /phases\[0\]\.target\.routes\[0\]: "\/v1\/chat\/completions" is not a route id/],
    ['a field its kind does not use', phase({}, { kind: 'server_error_500', retryAfterMs: 100 }), /phases\[0\]\.faults\[0\]\.retryAfterMs: server_error_500 does not use it/],
    ['a duration without a unit', phase({ duration: '30' }), /phases\[0\]\.duration: must be a duration/],
  ];

  it.each(cases)('refuses %s with SIM_ERR_SCENARIO_INVALID, naming the field', async (_what, scenario, message) => {
    const file = tempFile('bad.json', scenario);
    await expect(startSimulator({ threads: 2, speed: 0, scenario: file })).rejects.toMatchObject({ code: 'SIM_ERR_SCENARIO_INVALID', message: expect.stringMatching(message) });
  });

  it('refuses a file that is not YAML, naming it', async () => {
    const file = tempFile('broken.yaml', '');
    writeFileSync(file, 'name: x\nphases: [\n');
    await expect(startSimulator({ threads: 1, speed: 0, scenario: file })).rejects.toMatchObject({ code: 'SIM_ERR_SCENARIO_INVALID', message: expect.stringContaining(`${file}: not valid YAML`) });
  });
});

describe('reloading the scenario mid-drill, two threads', () => {
  const file = tempFile('storm.yaml', '');
  writeFileSync(file, 'name: storm\nphases:\n  - name: all\n    faults:\n      - kind: rate_limit\n        retryAfterMs: 10\n');
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 2, speed: 0, seed: 5, scenario: file });
  });
  afterAll(() => sim.stop());

  it('replaces the storm on every thread at once, keeps it when the new one is refused, and clears it', async () => {
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-drill', maxRetries: 0 });
    for (let i = 0; i < 4; i++) await rejection(client.chat.completions.create(CHAT), OpenAI.RateLimitError);
    const refused = await loadScenario(sim, { name: 'typo', phases: [{ name: 'p', faults: [{ kind: 'server_error_501' }] }] });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 'SIM_ERR_SCENARIO_INVALID', message: expect.stringMatching(/^request body: phases\[0\]\.faults\[0\]\.kind: /) } });
    await rejection(client.chat.completions.create(CHAT), OpenAI.RateLimitError);
    expect((await loadScenario(sim, { name: 'blip', phases: [{ name: 'p', requests: 2, faults: [{ kind: 'server_error_500' }] }] })).status).toBe(200);
    // Every request after the load, on whichever thread, meets the new scenario.
    for (let i = 0; i < 2; i++) await rejection(client.chat.completions.create(CHAT), OpenAI.InternalServerError);
    for (let i = 0; i < 4; i++) expect((await client.chat.completions.create(CHAT)).choices).toHaveLength(1);
    const reported = (await (await fetch(`${sim.url}/_understudy/scenario`)).json()) as { scenario: { name: string } };
    expect(reported.scenario.name).toBe('blip');
    expect((await fetch(`${sim.url}/_understudy/scenario`, { method: 'DELETE' })).status).toBe(200);
    expect(await metric(sim, 'understudy_faults_injected_total{kind="rate_limit"}')).toBe(5);
  });
});

describe('overlapping phases and faults that meet on one request', () => {
  // Phases may overlap: a request in two meets the faults of both. Of those that end it before
  // any answer, the first drawn (in phase order, then fault order) is the one it gets; a stream
  // or latency fault drawn beside such a fault never reaches the client, and is not counted.
  const scenario = tempFile('overlap.json', {
    name: 'overlap',
    phases: [
      { name: 'cut-and-slow', requests: 4, faults: [{ kind: 'disconnect_after_tokens', afterTokens: 2 }, { kind: 'ttft_brownout', factorFrom: 3, factorTo: 3 }] },
      { name: 'errors', requests: 2, faults: [{ kind: 'server_error_500' }, { kind: 'rate_limit' }] },
      { name: 'late', startAfterRequests: 2, requests: 2, faults: [{ kind: 'timeout_slow_answer', delayMs: 10 }] },
    ],
  });
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 2, speed: 0, seed: 5, scenario });
  });
  afterAll(() => sim.stop());
  const injected = (kind: string): Promise<number> => metric(sim, `understudy_faults_injected_total{kind="${kind}"}`);

  it('answers with the first fault that ends a request, and counts only the faults a client met', async () => {
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-drill', maxRetries: 0 });
    // Positions 0 and 1: in all of the first two phases; the 500 ends them before any answer.
    for (let i = 0; i < 2; i++) await rejection(client.chat.completions.create({ ...CHAT, stream: true }), OpenAI.InternalServerError);
    // Positions 2 and 3: held, then slowed and cut mid-stream.
    for (let i = 0; i < 2; i++) {
      const { response } = await client.chat.completions.create({ ...CHAT, stream: true }).withResponse();
      expect(Number(response.headers.get('x-understudy-ttft-ms'))).toBe(10);
      await expect(response.text()).rejects.toThrow('terminated');
    }
    expect(await injected('server_error_500')).toBe(2);
    expect(await injected('rate_limit')).toBe(0);
    expect(await injected('timeout_slow_answer')).toBe(2);
    expect(await injected('disconnect_after_tokens')).toBe(2);
    expect(await injected('ttft_brownout')).toBe(2);
  });
});

describe('faults drawn for a request the rate limit then refuses', () => {
  const scenario = tempFile('cut.json', { name: 'cut', phases: [{ name: 'all', faults: [{ kind: 'disconnect_after_tokens', afterTokens: 2 }, { kind: 'slow_tokens', factorFrom: 2, factorTo: 2 }] }] });
  const quota = tempFile('quota.json', { defaults: { requestsPerMinute: 1 } });
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 2, speed: 0, seed: 5, scenario, quota });
  });
  afterAll(() => sim.stop());

  it('are not counted as injected: the 429 is all the client met', async () => {
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-drill', maxRetries: 0 });
    const { response } = await client.chat.completions.create({ ...CHAT, stream: true }).withResponse();
    await expect(response.text()).rejects.toThrow('terminated');
    await rejection(client.chat.completions.create({ ...CHAT, stream: true }), OpenAI.RateLimitError);
    expect(await metric(sim, 'understudy_quota_rejections_total{dimension="requests"}')).toBe(1);
    expect(await metric(sim, 'understudy_faults_injected_total{kind="disconnect_after_tokens"}')).toBe(1);
    expect(await metric(sim, 'understudy_faults_injected_total{kind="slow_tokens"}')).toBe(1);
  });
});
