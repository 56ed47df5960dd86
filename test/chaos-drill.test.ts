/**
 * A chaos drill as an SRE runs one: a scenario file written the way the README shows (YAML,
 * counted phases so that every fault falls on a known request), loaded with `--scenario` on two
 * server threads, reloaded through the admin API mid-drill, and driven with each official SDK at
 * its default retry settings. What each SDK sees is what it would see from the provider: the
 * status, the error shape, the retry headers it obeys, its timeout error, and its error for a
 * stream broken mid-way (`chaos-drill-repro.test.ts`, with reproducibility and the file's
 * validation). Load and fault counting: `chaos-drill-load.test.ts`.
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
