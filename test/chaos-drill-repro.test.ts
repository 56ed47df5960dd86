/**
 * The chaos drill (`test/chaos-drill.test.ts`): streams broken mid-way as each SDK surfaces them;
 * the same seed and requests meet the same faults, across restarts and reloads on two threads;
 * and a scenario file with a mistake is refused at start-up with SIM_ERR_SCENARIO_INVALID and the
 * field it names.
 */
import { writeFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import { ApiError, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startSimulator, type Simulator } from '../src/index.js';
import { metric, rejection, tempFile } from './fixtures/sim.js';

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };
const MESSAGE = { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user' as const, content: 'Hi' }] };
const GEMINI = { model: 'gemini-2.5-flash', contents: 'Hi' };

async function loadScenario(sim: Simulator, scenario: unknown): Promise<Response> {
  return fetch(`${sim.url}/_understudy/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(scenario) });
}

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
          { kind: 'reset_before_headers', probability: 0.1 },
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
      for (let i = 0; i < 24; i++) first.push(await outcome(sim, i));
      // A reload mid-drill restarts the count: the same requests meet the same faults again.
      expect((await loadScenario(sim, parse(JSON.stringify((await (await fetch(`${sim.url}/_understudy/scenario`)).json() as { scenario: unknown }).scenario)))).status).toBe(200);
      const again: string[] = [];
      for (let i = 0; i < 24; i++) again.push(await outcome(sim, i));
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
