/**
 * `x-understudy-entry` with tools offered. The override names the entry a test wants answered,
 * which is how a test replays one recorded tool-calling turn (`--timing recorded`). With tools on
 * the request, the turn that called one used to draw its tool-calling entry at random, ignoring the
 * override (a forced text entry was likewise answered by a random call four times in five), and
 * the headers named and timed whichever entry came up. The forced entry now answers as what it
 * is: a tool-calling entry with its calls, another entry with its text unless a call is required.
 */
import { describe, expect, it } from 'vitest';
import type { CorpusEntry } from '../src/corpus/format.js';
import { entry, recorded, writeTempCorpus } from './fixtures/corpus.js';
import { useSimulator } from './fixtures/sim.js';

const SPEED = 0.01;

/** Entry i's recording starts at (i + 1) seconds, so the TTFT header names the recording replayed. */
const ttftOf = (i: number): number => 1000 * (i + 1);

const CALLS = [{ name: 'get_weather', arguments: '{"city":"Paris"}' }];
const timedEntry = (id: string, i: number, kind: 'text' | 'tool_call', text: string): CorpusEntry =>
  recorded(entry(id, 'gpt-4o-mini', kind, text, kind === 'tool_call' ? CALLS : []), ttftOf(i), 10);

const ENTRIES = [...Array.from({ length: 6 }, (_, i) => timedEntry(`call-${i}`, i, 'tool_call', `Checking ${i}.`)), timedEntry('plain', 6, 'text', 'It is sunny in Paris.')];
const PARAMS = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

interface Served {
  readonly entry: string | null;
  readonly ttft: string | null;
  readonly text: string;
  readonly calls: number;
}

async function chat(url: string, forced: string, toolChoice: string, turn: number): Promise<Served> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', 'x-understudy-entry': forced },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: `Weather in Paris? (${turn})` }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: PARAMS } }],
      tool_choice: toolChoice,
    }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { choices: { message: { content: string | null; tool_calls?: unknown[] } }[] };
  const message = body.choices[0]!.message;
  return { entry: res.headers.get('x-understudy-entry'), ttft: res.headers.get('x-understudy-ttft-ms'), text: message.content ?? '', calls: message.tool_calls?.length ?? 0 };
}

async function anthropic(url: string, forced: string, turn: number): Promise<Served> {
  const res = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', 'x-understudy-entry': forced },
    body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 200, messages: [{ role: 'user', content: `Weather in Paris? (${turn})` }], tools: [{ name: 'get_weather', input_schema: PARAMS }] }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { content: { type: string; text?: string }[] };
  return {
    entry: res.headers.get('x-understudy-entry'),
    ttft: res.headers.get('x-understudy-ttft-ms'),
    text: body.content.map((b) => b.text ?? '').join(''),
    calls: body.content.filter((b) => b.type === 'tool_use').length,
  };
}

async function gemini(url: string, forced: string, turn: number): Promise<Served> {
  const res = await fetch(`${url}/v1beta/models/gemini-2.0-flash:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k', 'x-understudy-entry': forced },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: `Weather in Paris? (${turn})` }] }], tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: PARAMS }] }] }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { candidates: { content: { parts: { text?: string; functionCall?: unknown }[] } }[] };
  const parts = body.candidates[0]!.content.parts;
  return {
    entry: res.headers.get('x-understudy-entry'),
    ttft: res.headers.get('x-understudy-ttft-ms'),
    text: parts.map((p) => p.text ?? '').join(''),
    calls: parts.filter((p) => p.functionCall !== undefined).length,
  };
}

describe('x-understudy-entry when the request offers tools', () => {
  // One corpus model: Anthropic's and Gemini's requests are served from it too.
  const sim = useSimulator({ corpus: writeTempCorpus(ENTRIES), timing: 'recorded', speed: SPEED });
  const TURNS = 6;

  it('answers a forced tool-calling entry with its text, its calls and its recording, on every surface', async () => {
    const ttft = (ttftOf(3) * SPEED).toFixed(1);
    for (let turn = 0; turn < TURNS; turn++) {
      for (const served of [await chat(sim().url, 'call-3', 'auto', turn), await anthropic(sim().url, 'call-3', turn), await gemini(sim().url, 'call-3', turn)]) {
        expect(served, `turn ${turn}`).toEqual({ entry: 'call-3', ttft, text: 'Checking 3.', calls: 1 });
      }
    }
  });

  it('answers a forced text entry with its text while a call is not required, and calls when one is', async () => {
    for (let turn = 0; turn < TURNS; turn++) {
      expect(await chat(sim().url, 'plain', 'auto', turn)).toEqual({ entry: 'plain', ttft: (ttftOf(6) * SPEED).toFixed(1), text: 'It is sunny in Paris.', calls: 0 });
      const required = await chat(sim().url, 'plain', 'required', turn);
      expect(required).toMatchObject({ entry: 'plain', text: '', calls: 1 });
    }
  });
});
