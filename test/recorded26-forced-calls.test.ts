/**
 * `--timing recorded` and a forced tool choice. A tool-calling entry's recording times its text
 * (the lead-in before the calls): its TTFT is the time to that text's first token and its gaps the
 * gaps between that text's tokens. A forced tool choice (OpenAI `required`, Anthropic `any`, Gemini
 * mode `ANY`) drops the text and sends only the calls, so no recorded token is served: the answer
 * is timed by the profile, as any answer the recording does not describe (a thinking block first).
 * It used to take the recording's TTFT and pace the call's arguments at the text's gaps. A forced
 * custom tool's call is the entry's text itself (its input), so the recording still times it.
 */
import { describe, expect, it } from 'vitest';
import type { CorpusEntry } from '../src/corpus/format.js';
import { entry, recorded, writeTempCorpus } from './fixtures/corpus.js';
import { oneProfileFile, useSimulator } from './fixtures/sim.js';

/** Far from the profile's (TTFT about 300 ms, 5 ms a token): the headers tell the two apart. */
const TIMING = { ttftMs: 80, gapMs: 40 };

const toolEntry = (id: string, model: string, timed: boolean): CorpusEntry => {
  const e = entry(id, model, 'tool_call', 'Let me check the weather there.', [{ name: 'get_weather', arguments: '{"city":"Paris"}' }]);
  return timed ? recorded(e, TIMING.ttftMs, TIMING.gapMs) : e;
};

const PARAMS = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

interface Call {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: (forced: boolean) => unknown;
}

const SURFACES: Record<string, Call> = {
  'chat completions': {
    path: '/v1/chat/completions',
    headers: { authorization: 'Bearer sk-test', 'x-understudy-entry': 'oa' },
    body: (forced) => ({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: PARAMS } }],
      tool_choice: forced ? 'required' : 'auto',
    }),
  },
  responses: {
    path: '/v1/responses',
    headers: { authorization: 'Bearer sk-test', 'x-understudy-entry': 'oa' },
    body: (forced) => ({ model: 'gpt-4o-mini', stream: true, input: 'Weather in Paris?', tools: [{ type: 'function', name: 'get_weather', parameters: PARAMS }], tool_choice: forced ? 'required' : 'auto' }),
  },
  'anthropic messages': {
    path: '/v1/messages',
    headers: { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', 'x-understudy-entry': 'cl' },
    body: (forced) => ({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      stream: true,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [{ name: 'get_weather', input_schema: PARAMS }],
      tool_choice: { type: forced ? 'any' : 'auto' },
    }),
  },
  'gemini generateContent': {
    path: '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
    headers: { 'x-goog-api-key': 'k', 'x-understudy-entry': 'ge' },
    body: (forced) => ({
      contents: [{ role: 'user', parts: [{ text: 'Weather in Paris?' }] }],
      tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: PARAMS }] }],
      toolConfig: { functionCallingConfig: { mode: forced ? 'ANY' : 'AUTO' } },
    }),
  },
};

const SPEED = 0.1;
const profiles = oneProfileFile(300, 5);

/** The ground-truth headers of one request, its body read to the end. */
async function truth(url: string, call: Call, forced: boolean): Promise<{ entry: string | null; ttft: string | null; itl: string | null }> {
  const res = await fetch(`${url}${call.path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...call.headers }, body: JSON.stringify(call.body(forced)) });
  expect(res.status).toBe(200);
  await res.text();
  return { entry: res.headers.get('x-understudy-entry'), ttft: res.headers.get('x-understudy-ttft-ms'), itl: res.headers.get('x-understudy-itl-ms') };
}

describe('--timing recorded with a forced tool choice', () => {
  // The same entries with and without their recording: what the profile alone plans.
  const recorded = useSimulator({ corpus: writeTempCorpus([toolEntry('oa', 'gpt-4o-mini', true), toolEntry('cl', 'claude-haiku-4-5', true), toolEntry('ge', 'gemini-2.0-flash', true)]), timing: 'recorded', speed: SPEED, profiles });
  const profiled = useSimulator({ corpus: writeTempCorpus([toolEntry('oa', 'gpt-4o-mini', false), toolEntry('cl', 'claude-haiku-4-5', false), toolEntry('ge', 'gemini-2.0-flash', false)]), timing: 'recorded', speed: SPEED, profiles });

  for (const [name, call] of Object.entries(SURFACES)) {
    it(`${name}: the calls alone are timed by the profile, the text and calls by the recording`, async () => {
      // Both simulators answer the same sequence, so each request draws what its twin draws.
      const forced = await truth(recorded().url, call, true);
      expect(forced).toEqual(await truth(profiled().url, call, true));
      expect(forced.ttft).not.toBe((TIMING.ttftMs * SPEED).toFixed(1));
      // With the text served, the recording times it: its TTFT and, over the text, its gaps.
      const auto = await truth(recorded().url, call, false);
      await truth(profiled().url, call, false);
      expect(auto.ttft).toBe((TIMING.ttftMs * SPEED).toFixed(1));
    });
  }
});

describe('--timing recorded with a forced custom tool (its input is the entry\'s text)', () => {
  const text = recorded(entry('code', 'gpt-4o-mini', 'text', 'print("hello")'), 80, 40);
  const sim = useSimulator({ corpus: writeTempCorpus([text]), timing: 'recorded', speed: SPEED, profiles });

  it('replays the recording: the call carries the recorded tokens', async () => {
    const res = await fetch(`${sim().url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Say hello in Python.' }],
        tools: [{ type: 'custom', custom: { name: 'python' } }],
        tool_choice: { type: 'custom', custom: { name: 'python' } },
      }),
    });
    const body = (await res.json()) as { choices: { message: { tool_calls?: { custom?: { input: string } }[] } }[] };
    expect(body.choices[0]!.message.tool_calls?.[0]?.custom?.input).toBe('print("hello")');
    expect(res.headers.get('x-understudy-ttft-ms')).toBe((80 * SPEED).toFixed(1));
    expect(res.headers.get('x-understudy-itl-ms')).toBe((40 * SPEED).toFixed(2));
  });
});
