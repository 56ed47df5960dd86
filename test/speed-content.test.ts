/**
 * Timing never changes content: two simulators with the same seed, one at --speed 0 (nothing
 * drawn for the gaps) and one at --speed 1 (every gap drawn), serve the same requests with the
 * same ids, answers, log probabilities, tool calls and stream events. Timing draws from its own
 * streams (`src/timing/timing-draws.ts`); when it drew from the request's source, everything drawn
 * after it (ids, trace ids, log probabilities, chunk sizes) differed between the two.
 */
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI, FunctionCallingConfigMode, Type } from '@google/genai';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../src/index.js';
import { tempFile, useSimulator } from './fixtures/sim.js';
import { WEATHER_PARAMS } from './fixtures/schemas.js';

/** A fast profile that still draws everything: TTFT and gaps under a few ms, stalls, chunks of 1–4 tokens. */
const FAST_PROFILES = tempFile('profiles.json', {
  profiles: {
    fast: {
      ttft: { p50Ms: 2, p95Ms: 4, minMs: 1, maxMs: 6 },
      prefillMsPerToken: 0,
      itl: { p50Ms: 0.1, p95Ms: 0.2, minMs: 0.05, maxMs: 0.3 },
      stall: { probability: 0.05, p50Ms: 0.5, p95Ms: 1 },
      tokensPerChunk: { min: 1, max: 4 },
    },
  },
  models: [{ prefix: '', profile: 'fast' }],
});

const OPTIONS = { seed: 11, profiles: FAST_PROFILES } as const;

/** Wall-clock fields: two runs straddle a second boundary now and then. */
const CLOCK_KEYS = new Set(['created', 'created_at', 'completed_at', 'sdkHttpResponse']);

function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!CLOCK_KEYS.has(k)) out[k] = scrub(v);
  return out;
}

const WEATHER_TOOL = { type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: WEATHER_PARAMS } } as const;

/** The same requests, in the same order, through each SDK: what came back, less the clock. */
async function transcript(sim: Simulator): Promise<unknown[]> {
  const out: unknown[] = [];
  const openai = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Say hello in one sentence.' }];

  const { data: chat, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, n: 2, logprobs: true, top_logprobs: 2 }).withResponse();
  expect(chat.choices[0]!.logprobs?.content?.length).toBeGreaterThan(0);
  out.push(chat, response.headers.get('x-request-id'), response.headers.get('x-understudy-trace-id'));

  const calls = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [WEATHER_TOOL], tool_choice: 'required', stream: true });
  const chunks: unknown[] = [];
  for await (const chunk of calls) chunks.push(chunk);
  expect(JSON.stringify(chunks)).toContain('"arguments"');
  out.push(chunks);

  out.push(await openai.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Once upon a time', max_tokens: 20, logprobs: 2 }));

  const events: unknown[] = [];
  for await (const event of await openai.responses.create({ model: 'gpt-4o-mini', input: 'Say hello.', stream: true })) events.push(event);
  out.push(events);

  const moderation = await openai.moderations.create({ input: 'hello there' }).withResponse();
  const embedding = await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'hello there' }).withResponse();
  out.push(moderation.data, [moderation, embedding].map((r) => r.response.headers.get('x-understudy-trace-id')));

  const anthropic = new Anthropic({ baseURL: sim.url, apiKey: 'sk-ant-test', maxRetries: 0 });
  const tool = { name: 'get_weather', description: 'Current weather', input_schema: WEATHER_PARAMS };
  const anthropicEvents: unknown[] = [];
  const stream = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 512, messages: [{ role: 'user', content: 'Weather?' }], tools: [tool], tool_choice: { type: 'any' }, stream: true });
  for await (const event of stream) anthropicEvents.push(event);
  out.push(anthropicEvents);

  const gemini = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim.url } });
  const declaration = { name: 'get_weather', description: 'Current weather', parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ['city'] } };
  const config = { tools: [{ functionDeclarations: [declaration] }], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } } };
  const geminiChunks: unknown[] = [];
  for await (const chunk of await gemini.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Weather in Paris?', config })) geminiChunks.push(chunk);
  out.push(geminiChunks, await gemini.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Say hello.' }));
  return scrub(JSON.parse(JSON.stringify(out))) as unknown[];
}

describe('content at --speed 0 and --speed 1', () => {
  const still = useSimulator({ ...OPTIONS, speed: 0 });
  const paced = useSimulator({ ...OPTIONS, speed: 1 });

  it('is the same: ids, answers, log probabilities, tool calls, stream events', async () => {
    const atZero = await transcript(still());
    const atOne = await transcript(paced());
    expect(atOne).toEqual(atZero);
  });
});
