/**
 * Conformance of the official `openai` SDK against the real server: every call goes through the
 * SDK's own request building, SSE parsing, stream accumulation and error classes, so a wire-format
 * slip shows up as the SDK failure a user would see.
 */
import { Ajv } from 'ajv';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionFunctionTool,
  ChatCompletionMessage,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Simulator } from '../src/index.js';
import { entry, writeTempCorpus } from './fixtures/corpus.js';
import { rejection, useSimulator } from './fixtures/sim.js';
import { WEATHER_PARAMS } from './fixtures/schemas.js';

const MODEL = 'gpt-4o-mini';
const HELLO: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Say hello in one sentence.' }];

function clientFor(sim: Simulator, apiKey = 'sk-test'): OpenAI {
  return new OpenAI({ baseURL: `${sim.url}/v1`, apiKey, maxRetries: 0 });
}

function functionCalls(message: ChatCompletionMessage): ChatCompletionMessageFunctionToolCall[] {
  const calls = message.tool_calls ?? [];
  for (const call of calls) expect(call.type).toBe('function');
  return calls.filter((c): c is ChatCompletionMessageFunctionToolCall => c.type === 'function');
}

const ajv = new Ajv({ strict: false, allErrors: true });


const TIME_PARAMS = {
  type: 'object',
  properties: { timezone: { type: 'string', pattern: '^[A-Z][a-z]+/[A-Z][a-z]+$' } },
  required: ['timezone'],
  additionalProperties: false,
} as const;

const WEATHER_TOOL: ChatCompletionFunctionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Forecast for a city', parameters: WEATHER_PARAMS, strict: true },
};
const TIME_TOOL: ChatCompletionFunctionTool = {
  type: 'function',
  function: { name: 'get_time', description: 'Local time in a timezone', parameters: TIME_PARAMS, strict: true },
};
const validateWeather = ajv.compile(WEATHER_PARAMS);
const validateTime = ajv.compile(TIME_PARAMS);
const TOOL_PROMPT: ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather and the time in Lisbon?' }];

function expectValidArguments(call: ChatCompletionMessageFunctionToolCall): void {
  const validate = call.function.name === 'get_weather' ? validateWeather : validateTime;
  const args: unknown = JSON.parse(call.function.arguments);
  expect(validate(args), ajv.errorsText(validate.errors)).toBe(true);
}

describe('openai SDK against the simulator', () => {
  const sim = useSimulator();
  let client: OpenAI;
  beforeAll(() => {
    client = clientFor(sim());
  });

  describe('chat.completions.create, non-streaming', () => {
    it('answers logprobs: one entry per content token, with its bytes and top_logprobs, streamed per chunk too', async () => {
      const r = await client.chat.completions.create({ model: MODEL, messages: HELLO, logprobs: true, top_logprobs: 3, seed: 5 });
      const choice = r.choices[0]!;
      const entries = choice.logprobs!.content!;
      expect(choice.logprobs!.refusal).toBeNull();
      expect(entries.map((e) => e.token).join('')).toBe(choice.message.content);
      expect(entries.length).toBe(r.usage!.completion_tokens);
      for (const e of entries) {
        expect(e.logprob).toBeLessThanOrEqual(0);
        expect(Buffer.from(e.bytes!).toString('utf8')).toBe(e.token);
        expect(e.top_logprobs).toHaveLength(3);
        expect(e.top_logprobs[0]).toEqual({ token: e.token, logprob: e.logprob, bytes: e.bytes });
        // The alternatives are other tokens, each listed once.
        expect(new Set(e.top_logprobs.map((t) => t.token)).size).toBe(e.top_logprobs.length);
        const lps = e.top_logprobs.map((t) => t.logprob);
        expect([...lps].sort((x, y) => y - x)).toEqual(lps);
      }
      // Streamed: each chunk carries the entries of the tokens it sends; the SDK's helper gathers them.
      const stream = client.chat.completions.stream({ model: MODEL, messages: HELLO, logprobs: true, seed: 5 });
      let chunkTokens = 0;
      stream.on('chunk', (c) => {
        const lp = c.choices[0]?.logprobs?.content ?? [];
        expect(lp.map((e) => e.token).join('')).toBe(c.choices[0]?.delta.content ?? '');
        chunkTokens += lp.length;
      });
      const final = await stream.finalChatCompletion();
      expect(final.choices[0]!.logprobs!.content!.map((e) => e.token).join('')).toBe(final.choices[0]!.message.content);
      expect(chunkTokens).toBe(final.choices[0]!.logprobs!.content!.length);
      // An unknown tier is refused as OpenAI refuses it.
      await expect(client.chat.completions.create({ model: MODEL, messages: HELLO, service_tier: 'bogus' as 'auto' })).rejects.toMatchObject({
        status: 400,
        param: 'service_tier',
        error: { message: "Invalid value: 'bogus'. Supported values are: 'auto', 'default', 'flex', 'scale', and 'priority'." },
      });
      // Without the flag, null as before.
      expect((await client.chat.completions.create({ model: MODEL, messages: HELLO })).choices[0]!.logprobs).toBeNull();
    });

    it('refuses a reply of more log probabilities than a thread builds without holding up its streams, and serves the same choices without alternatives', async () => {
      const big = { model: MODEL, messages: HELLO, logprobs: true, top_logprobs: 20, n: 128, seed: 5 } as const;
      const err = await rejection(client.chat.completions.create(big), OpenAI.BadRequestError);
      expect(err).toMatchObject({ param: 'top_logprobs', code: 'invalid_value' });
      expect(err.message).toMatch(/asks for \d+ log probabilities .* at most 200000 in one reply/);
      await expect(client.chat.completions.create({ ...big, stream: true })).rejects.toMatchObject({ status: 400, param: 'top_logprobs' });
      // Without alternatives the same choices fit, and the count is of what the answers hold.
      const plain = await client.chat.completions.create({ ...big, top_logprobs: 0 });
      expect(plain.choices.reduce((n, c) => n + c.logprobs!.content!.length, 0)).toBe(plain.usage!.completion_tokens);
    });

    it('stores a completion created with store: true: retrieve, its messages, the list (by model, paged), update and delete', async () => {
      const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: [{ type: 'text', text: 'Name a sea.' }] }];
      const stored = await client.chat.completions.create({ model: 'gpt-4.1-nano', messages, store: true, metadata: { run: 'eval-1' } });
      const plain = await client.chat.completions.create({ model: 'gpt-4.1-nano', messages });
      expect(await client.chat.completions.retrieve(stored.id)).toEqual(stored);
      await expect(client.chat.completions.retrieve(plain.id)).rejects.toMatchObject({ status: 404 });
      const msgs = (await client.chat.completions.messages.list(stored.id)).data;
      expect(msgs.map((m) => [m.id, m.role, m.content])).toEqual([
        [`${stored.id}-0`, 'system', 'Be terse.'],
        [`${stored.id}-1`, 'user', 'Name a sea.'],
      ]);
      const listed: string[] = [];
      for await (const c of client.chat.completions.list({ model: 'gpt-4.1-nano', limit: 1 })) listed.push(c.id);
      expect(listed).toContain(stored.id);
      expect(listed).not.toContain(plain.id);
      expect((await client.chat.completions.update(stored.id, { metadata: { run: 'eval-2' } })).id).toBe(stored.id);
      expect(await client.chat.completions.delete(stored.id)).toEqual({ id: stored.id, object: 'chat.completion.deleted', deleted: true });
      await expect(client.chat.completions.retrieve(stored.id)).rejects.toMatchObject({ status: 404 });
    });

    it("counts the prompt as OpenAI's cookbook does: framing, role, content, name", async () => {
      const one = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Say this is a test!' }] });
      expect(one.usage!.prompt_tokens).toBe(13);
      const named = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Say this is a test!', name: 'bob' }] });
      expect(named.usage!.prompt_tokens).toBe(15);
    });

    it('reports the service tier that served the request: flex and priority as asked, default otherwise, streamed or not', async () => {
      for (const [asked, served] of [['flex', 'flex'], ['priority', 'priority'], ['auto', 'default'], [undefined, 'default']] as const) {
        const r = await client.chat.completions.create({ model: MODEL, messages: HELLO, service_tier: asked });
        expect(r.service_tier).toBe(served);
        const tiers = new Set<string | null | undefined>();
        for await (const chunk of await client.chat.completions.create({ model: MODEL, messages: HELLO, service_tier: asked, stream: true, stream_options: { include_usage: true } })) tiers.add(chunk.service_tier);
        expect([...tiers]).toEqual([served]);
      }
    });

    it('returns a chat.completion with an assistant message and consistent usage', async () => {
      const r = await client.chat.completions.create({ model: MODEL, messages: HELLO, seed: 1 });
      expect(r.id).toMatch(/^chatcmpl-[A-Za-z0-9]+$/);
      expect(r.object).toBe('chat.completion');
      // An alias is answered by its dated snapshot, as OpenAI names it in `model`.
      expect(r.model).toBe('gpt-4o-mini-2024-07-18');
      expect(Number.isInteger(r.created)).toBe(true);
      expect(r.choices).toHaveLength(1);
      const choice = r.choices[0]!;
      expect(choice.index).toBe(0);
      expect(choice.message.role).toBe('assistant');
      expect(typeof choice.message.content).toBe('string');
      expect(choice.message.content!.length).toBeGreaterThan(0);
      expect(choice.message.refusal).toBeNull();
      expect(choice.finish_reason).toBe('stop');
      const usage = r.usage!;
      expect(usage.prompt_tokens).toBeGreaterThan(0);
      expect(usage.completion_tokens).toBeGreaterThan(0);
      expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    });

    it('counts more prompt tokens for a longer prompt', async () => {
      const short = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] });
      const long = await client.chat.completions.create({
        model: MODEL,
        messages: [
          { role: 'system', content: 'You are a careful assistant who explains things step by step.' },
          { role: 'user', content: 'Hi. Explain how a hash map handles collisions, with an example in TypeScript.' },
        ],
      });
      expect(long.usage!.prompt_tokens).toBeGreaterThan(short.usage!.prompt_tokens + 20);
    });

    it('counts an image part as OpenAI prices a 1024×1024 image: 765 tokens, 85 at detail low', async () => {
      const text = { type: 'text' as const, text: 'What is in this picture?' };
      const image = (detail: 'low' | 'high' | 'auto') => ({ type: 'image_url' as const, image_url: { url: 'https://example.com/cat.png', detail } });
      const usage = async (content: OpenAI.Chat.ChatCompletionContentPart[]) =>
        (await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content }], max_tokens: 5 })).usage!.prompt_tokens;
      const textOnly = await usage([text]);
      expect(await usage([text, image('high')])).toBe(textOnly + 765);
      expect(await usage([text, image('auto')])).toBe(textOnly + 765);
      expect(await usage([text, image('low'), image('low')])).toBe(textOnly + 170);
    });

    it('treats special-token strings as ordinary text, in the prompt and in a generated value', async () => {
      // gpt-tokenizer throws on them by default, which answered these with a 500 (and the SDK retried).
      const r = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Explain <|endoftext|> and <|im_start|>.' }], max_tokens: 5 });
      const plain = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Explain x and y.' }], max_tokens: 5 });
      expect(r.usage!.prompt_tokens).toBeGreaterThan(plain.usage!.prompt_tokens + 6);
      const schema = { type: 'object', properties: { marker: { const: '<|endoftext|>' } }, required: ['marker'], additionalProperties: false };
      const s = await client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'Give the marker.' }],
        response_format: { type: 'json_schema', json_schema: { name: 'marker', strict: true, schema } },
      });
      expect(JSON.parse(s.choices[0]!.message.content!)).toEqual({ marker: '<|endoftext|>' });
    });

    it('echoes x-request-id and sends the OpenAI headers', async () => {
      const { data, response, request_id } = await client.chat.completions
        .create({ model: MODEL, messages: HELLO }, { headers: { 'x-request-id': 'my-id' } })
        .withResponse();
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toBe('my-id');
      expect(request_id).toBe('my-id');
      expect(data.object).toBe('chat.completion');
      expect(response.headers.get('openai-version')).toBe('2020-10-01');
      expect(response.headers.get('openai-organization')).toBe('user-understudy');
      expect(response.headers.get('access-control-expose-headers')).toBe('X-Request-ID');
      expect(response.headers.get('openai-processing-ms')).toMatch(/^\d+$/);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it('exposes the request id as _request_id, minting an OpenAI-style one when the caller sends none', async () => {
      const echoed = await client.chat.completions.create({ model: MODEL, messages: HELLO }, { headers: { 'x-request-id': 'my-id' } });
      expect(echoed._request_id).toBe('my-id');
      const minted = await client.chat.completions.create({ model: MODEL, messages: HELLO });
      expect(minted._request_id).toMatch(/^req_[0-9a-f]{32}$/);
    });
  });

  describe('chat.completions.create, streaming', () => {
    async function collect(params: Omit<ChatCompletionCreateParamsNonStreaming, 'stream'> & { stream_options?: { include_usage: boolean } }): Promise<ChatCompletionChunk[]> {
      const stream = await client.chat.completions.create({ ...params, stream: true });
      const chunks: ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      return chunks;
    }

    it('streams a role chunk, content deltas and exactly one finish chunk, without usage', async () => {
      const chunks = await collect({ model: MODEL, messages: HELLO, seed: 1 });
      expect(chunks.length).toBeGreaterThan(2);
      const first = chunks[0]!;
      expect(first.object).toBe('chat.completion.chunk');
      expect(first.id).toMatch(/^chatcmpl-/);
      expect(first.choices[0]!.delta.role).toBe('assistant');
      for (const c of chunks) {
        expect(c.id).toBe(first.id);
        expect(c.created).toBe(first.created);
        expect(c.model).toBe('gpt-4o-mini-2024-07-18');
        expect('usage' in c).toBe(false);
      }
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      expect(text.length).toBeGreaterThan(0);
      const finishes = chunks.filter((c) => c.choices[0]?.finish_reason != null);
      expect(finishes).toHaveLength(1);
      expect(finishes[0]).toBe(chunks[chunks.length - 1]);
      expect(finishes[0]!.choices[0]!.finish_reason).toBe('stop');
      expect(finishes[0]!.choices[0]!.delta).toEqual({});
    });

    it('streams the same text as the non-streaming answer for the same seed', async () => {
      const whole = await client.chat.completions.create({ model: MODEL, messages: HELLO, seed: 3 });
      const chunks = await collect({ model: MODEL, messages: HELLO, seed: 3 });
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(whole.choices[0]!.message.content);
    });

    it('with include_usage, sends usage null on every chunk and a final usage chunk with no choices', async () => {
      const chunks = await collect({ model: MODEL, messages: HELLO, seed: 2, stream_options: { include_usage: true } });
      const last = chunks[chunks.length - 1]!;
      for (const c of chunks.slice(0, -1)) {
        expect(c.usage).toBeNull();
        expect(c.choices).toHaveLength(1);
      }
      expect(last.choices).toEqual([]);
      const usage = last.usage!;
      const contentChunks = chunks.filter((c) => (c.choices[0]?.delta.content ?? '').length > 0).length;
      expect(contentChunks).toBeGreaterThan(0);
      expect(usage.completion_tokens).toBeGreaterThanOrEqual(contentChunks);
      expect(usage.prompt_tokens).toBeGreaterThan(0);
      expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
      // The finish chunk precedes the usage chunk.
      expect(chunks[chunks.length - 2]!.choices[0]!.finish_reason).toBe('stop');
    });
  });

  describe('request seed', () => {
    const ask = (seed: number, model = MODEL): Promise<ChatCompletion> =>
      client.chat.completions.create({ model, seed, messages: [{ role: 'user', content: 'Tell me something useful.' }] });

    it('gives the same content for the same seed and messages, with other requests in between', async () => {
      const a = await ask(42);
      await client.chat.completions.create({ model: MODEL, messages: HELLO });
      await ask(43);
      const b = await ask(42);
      expect(b.choices[0]!.message.content).toBe(a.choices[0]!.message.content);
      expect(b.usage).toEqual(a.usage);
    });

    it('varies the content across seeds', async () => {
      const contents = new Set<string | null>();
      for (const seed of [1, 2, 3, 4, 5, 6]) contents.add((await ask(seed)).choices[0]!.message.content);
      expect(contents.size).toBeGreaterThan(1);
    });

    it('repeats for a model the corpus lacks, served from the fallback model each time', async () => {
      const first = await client.chat.completions.create({ model: 'my-finetune', seed: 9, messages: HELLO }).withResponse();
      const again = await client.chat.completions.create({ model: 'my-finetune', seed: 9, messages: HELLO }).withResponse();
      expect(again.data.choices[0]!.message.content).toBe(first.data.choices[0]!.message.content);
      // Ground-truth header: the corpus entry served, named after its model.
      expect(first.response.headers.get('x-understudy-entry')).toMatch(/^gpt-4o-mini-/);
      expect(again.response.headers.get('x-understudy-entry')).toBe(first.response.headers.get('x-understudy-entry'));
    });
  });

  describe('token limits', () => {
    // Every gpt-4o-mini text entry is longer than 5 tokens, so each limit cuts; seeds keep the
    // draws independent of test order.
    const LIMITS = [1, 2, 3, 4, 5];

    it.each(LIMITS)('max_completion_tokens %i cuts a non-streaming answer with finish_reason length', async (limit) => {
      const r = await client.chat.completions.create({ model: MODEL, messages: HELLO, seed: limit, max_completion_tokens: limit });
      const choice = r.choices[0]!;
      expect(choice.finish_reason).toBe('length');
      expect(r.usage!.completion_tokens).toBeGreaterThan(0);
      expect(r.usage!.completion_tokens).toBeLessThanOrEqual(limit);
      expect(choice.message.content!.length).toBeGreaterThan(0);
    });

    it.each(LIMITS)('max_completion_tokens %i cuts a streamed answer with finish_reason length', async (limit) => {
      const stream = await client.chat.completions.create({
        model: MODEL,
        messages: HELLO,
        seed: limit,
        max_completion_tokens: limit,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks: ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      const contentChunks = chunks.filter((c) => (c.choices[0]?.delta.content ?? '').length > 0);
      expect(contentChunks.length).toBeGreaterThan(0);
      expect(contentChunks.length).toBeLessThanOrEqual(limit);
      expect(chunks.filter((c) => c.choices[0]?.finish_reason != null).map((c) => c.choices[0]!.finish_reason)).toEqual(['length']);
      const usage = chunks[chunks.length - 1]!.usage!;
      expect(usage.completion_tokens).toBeGreaterThan(0);
      expect(usage.completion_tokens).toBeLessThanOrEqual(limit);
    });

    it('accepts max_tokens on a non-reasoning model and cuts there too', async () => {
      const r = await client.chat.completions.create({ model: MODEL, messages: HELLO, max_tokens: 2 });
      expect(r.choices[0]!.finish_reason).toBe('length');
      expect(r.usage!.completion_tokens).toBeLessThanOrEqual(2);
    });
  });

  describe('n choices', () => {
    it('returns n: 3 choices indexed 0..2', async () => {
      const r = await client.chat.completions.create({ model: MODEL, messages: HELLO, n: 3, seed: 12 });
      expect(r.choices.map((c) => c.index)).toEqual([0, 1, 2]);
      for (const c of r.choices) {
        expect(c.message.role).toBe('assistant');
        expect(c.finish_reason).toBe('stop');
        expect(c.message.content!.length).toBeGreaterThan(0);
      }
      // Each choice is drawn on its own.
      expect(new Set(r.choices.map((c) => c.message.content)).size).toBeGreaterThan(1);
      expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
    });

    it('streams n: 2 that the SDK accumulates into two complete choices', async () => {
      const stream = client.chat.completions.stream({ model: MODEL, messages: HELLO, n: 2, seed: 12 });
      const final = await stream.finalChatCompletion();
      expect(final.choices.map((c) => c.index)).toEqual([0, 1]);
      for (const c of final.choices) {
        expect(c.message.role).toBe('assistant');
        expect(c.finish_reason).toBe('stop');
        expect(c.message.content!.length).toBeGreaterThan(0);
      }
    });
  });

  describe('tool calls', () => {
    it("tool_choice 'required' calls an offered tool with arguments valid against its parameters", async () => {
      const r = await client.chat.completions.create({ model: MODEL, messages: TOOL_PROMPT, tools: [WEATHER_TOOL], tool_choice: 'required' });
      const choice = r.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      const calls = functionCalls(choice.message);
      expect(calls.length).toBeGreaterThan(0);
      const call = calls[0]!;
      expect(call.id).toMatch(/^call_[A-Za-z0-9]+$/);
      expect(call.function.name).toBe('get_weather');
      expectValidArguments(call);
    });

    it('validates arguments across seeds, where synthesized values vary', async () => {
      for (const seed of [1, 2, 3, 4, 5]) {
        const r = await client.chat.completions.create({ model: MODEL, seed, messages: TOOL_PROMPT, tools: [WEATHER_TOOL, TIME_TOOL], tool_choice: 'required' });
        for (const call of functionCalls(r.choices[0]!.message)) expectValidArguments(call);
      }
    });

    it('streams an xAI (grok) tool call whole in one chunk, as xAI does, where OpenAI sends fragments', async () => {
      const deltas: OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
      const stream = client.chat.completions.stream({ model: 'grok-4', messages: TOOL_PROMPT, tools: [WEATHER_TOOL, TIME_TOOL], tool_choice: 'required' });
      stream.on('chunk', (c) => deltas.push(...(c.choices[0]?.delta.tool_calls ?? [])));
      const final = await stream.finalChatCompletion();
      const calls = final.choices[0]!.message.tool_calls!;
      expect(calls.length).toBeGreaterThan(0);
      expect(deltas).toHaveLength(calls.length);
      for (const d of deltas) {
        expect(d).toMatchObject({ id: expect.stringMatching(/^call_/) as unknown, type: 'function', function: { name: expect.any(String) as unknown } });
        expect(() => JSON.parse(d.function!.arguments!) as unknown).not.toThrow();
      }
    });

    it('an allowed_tools tool_choice narrows the callable tools and forces a call in required mode', async () => {
      for (const seed of [1, 2, 3, 4]) {
        const r = await client.chat.completions.create({
          model: MODEL,
          seed,
          messages: TOOL_PROMPT,
          tools: [WEATHER_TOOL, TIME_TOOL],
          tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'get_time' } }] } },
        });
        const calls = r.choices[0]!.message.tool_calls ?? [];
        expect(calls.length).toBeGreaterThan(0);
        for (const call of calls) expect(call.type === 'function' && call.function.name).toBe('get_time');
      }
    });

    it('a named tool_choice calls that tool only', async () => {
      for (const seed of [1, 2, 3]) {
        const r = await client.chat.completions.create({
          model: 'gpt-4o',
          seed,
          messages: TOOL_PROMPT,
          tools: [WEATHER_TOOL, TIME_TOOL],
          tool_choice: { type: 'function', function: { name: 'get_time' } },
        });
        const calls = functionCalls(r.choices[0]!.message);
        expect(calls.length).toBeGreaterThan(0);
        for (const call of calls) {
          expect(call.function.name).toBe('get_time');
          expectValidArguments(call);
        }
      }
    });

    it("tool_choice 'none' answers in text", async () => {
      const r = await client.chat.completions.create({ model: MODEL, messages: TOOL_PROMPT, tools: [WEATHER_TOOL, TIME_TOOL], tool_choice: 'none' });
      const choice = r.choices[0]!;
      expect(choice.message.tool_calls ?? []).toEqual([]);
      expect(choice.finish_reason).toBe('stop');
      expect((choice.message.content ?? choice.message.refusal ?? '').length).toBeGreaterThan(0);
    });

    it('streams tool calls that the SDK accumulates and parses, firing the arguments.done event', async () => {
      const stream = client.chat.completions.stream({ model: MODEL, messages: TOOL_PROMPT, tools: [WEATHER_TOOL], tool_choice: 'required' });
      const done: { name: string; arguments: string; parsed: unknown }[] = [];
      stream.on('tool_calls.function.arguments.done', (e) => done.push({ name: e.name, arguments: e.arguments, parsed: e.parsed_arguments }));
      const final = await stream.finalChatCompletion();
      const choice = final.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      const calls = choice.message.tool_calls ?? [];
      expect(calls.length).toBeGreaterThan(0);
      const call = calls[0]!;
      expect(call.type).toBe('function');
      if (call.type !== 'function') return;
      expect(call.id).toMatch(/^call_/);
      expect(call.function.name).toBe('get_weather');
      expectValidArguments(call);
      // Strict tools are auto-parsed by the stream helper.
      expect(call.function.parsed_arguments).toEqual(JSON.parse(call.function.arguments));
      expect(done).toHaveLength(calls.length);
      expect(done[0]).toEqual({ name: 'get_weather', arguments: call.function.arguments, parsed: JSON.parse(call.function.arguments) });
    });

    it('makes parallel calls with distinct ids to distinct tools for some seeds', async () => {
      // gpt-4o's corpus holds recorded turns with two and three calls; with two tools offered, a
      // multi-call turn calls each tool once.
      let parallel = 0;
      for (let seed = 1; seed <= 12; seed++) {
        const r = await client.chat.completions.create({ model: 'gpt-4o', seed, messages: TOOL_PROMPT, tools: [WEATHER_TOOL, TIME_TOOL], tool_choice: 'required' });
        const calls = functionCalls(r.choices[0]!.message);
        if (calls.length < 2) continue;
        parallel++;
        expect(calls).toHaveLength(2);
        expect(new Set(calls.map((c) => c.id)).size).toBe(2);
        expect(calls.map((c) => c.function.name).sort()).toEqual(['get_time', 'get_weather']);
        for (const call of calls) expectValidArguments(call);
      }
      expect(parallel).toBeGreaterThan(0);
    });

    it('parallel_tool_calls false limits a turn to one call', async () => {
      for (let seed = 1; seed <= 12; seed++) {
        const r = await client.chat.completions.create({
          model: 'gpt-4o',
          seed,
          messages: TOOL_PROMPT,
          tools: [WEATHER_TOOL, TIME_TOOL],
          tool_choice: 'required',
          parallel_tool_calls: false,
        });
        expect(functionCalls(r.choices[0]!.message)).toHaveLength(1);
      }
    });

    it("answers a tool result in text under tool_choice 'auto'", async () => {
      const first = await client.chat.completions.create({ model: MODEL, messages: TOOL_PROMPT, tools: [WEATHER_TOOL], tool_choice: 'required' });
      const call = functionCalls(first.choices[0]!.message)[0]!;
      for (const seed of [1, 2, 3, 4]) {
        const r = await client.chat.completions.create({
          model: MODEL,
          seed,
          tools: [WEATHER_TOOL],
          tool_choice: 'auto',
          messages: [
            ...TOOL_PROMPT,
            { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: call.function }] },
            { role: 'tool', tool_call_id: call.id, content: '{"temp": 19, "wind": "light"}' },
          ],
        });
        const choice = r.choices[0]!;
        expect(choice.message.tool_calls ?? []).toEqual([]);
        expect(choice.finish_reason).toBe('stop');
        expect((choice.message.content ?? choice.message.refusal ?? '').length).toBeGreaterThan(0);
      }
    });
  });

  describe('custom (free-form) tools', () => {
    const PATCH: OpenAI.Chat.ChatCompletionCustomTool = { type: 'custom', custom: { name: 'apply_patch', description: 'Apply a patch to the repository' } };

    it('calls the custom tool the request requires, its free-form input in a custom tool call', async () => {
      const r = await client.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'Fix the typo in README.md' }], tools: [PATCH], tool_choice: { type: 'custom', custom: { name: 'apply_patch' } } });
      const choice = r.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.content).toBeNull();
      const call = choice.message.tool_calls![0]!;
      if (call.type !== 'custom') throw new Error(`expected a custom tool call, got ${call.type}`);
      expect(call.id).toMatch(/^call_/);
      expect(call.custom.name).toBe('apply_patch');
      expect(call.custom.input.length).toBeGreaterThan(0);
      // "required" with only custom tools offered calls one too; with a function tool beside, the function is called.
      const required = await client.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'Fix it' }], tools: [PATCH], tool_choice: 'required' });
      expect(required.choices[0]!.message.tool_calls![0]!.type).toBe('custom');
      const both = await client.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools: [PATCH, WEATHER_TOOL], tool_choice: 'required' });
      expect(both.choices[0]!.message.tool_calls!.every((c) => c.type === 'function')).toBe(true);
    });

    it('streams the call whole in one chunk, and counts a custom call sent back in the history', async () => {
      const stream = await client.chat.completions.create({ model: 'gpt-5', stream: true, messages: [{ role: 'user', content: 'Fix the typo' }], tools: [PATCH], tool_choice: { type: 'custom', custom: { name: 'apply_patch' } } });
      const calls: unknown[] = [];
      let finish: string | null = null;
      for await (const chunk of stream) {
        for (const c of chunk.choices[0]?.delta.tool_calls ?? []) calls.push(c);
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ index: 0, type: 'custom', custom: { name: 'apply_patch', input: expect.any(String) as string } });
      expect(finish).toBe('tool_calls');
      const input = (calls[0] as { custom: { input: string } }).custom.input;
      const base = await client.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'Fix the typo' }] });
      const after = await client.chat.completions.create({
        model: 'gpt-5',
        messages: [
          { role: 'user', content: 'Fix the typo' },
          { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'custom', custom: { name: 'apply_patch', input } }] },
          { role: 'tool', tool_call_id: 'call_1', content: 'Patch applied.' },
        ],
        tools: [PATCH],
      });
      expect(after.usage!.prompt_tokens).toBeGreaterThan(base.usage!.prompt_tokens + 10);
    });

    it('refuses a tool_choice naming a custom tool the request does not offer', async () => {
      const err = await rejection(client.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'x' }], tools: [PATCH], tool_choice: { type: 'custom', custom: { name: 'other' } } }), OpenAI.BadRequestError);
      expect(err.param).toBe('tool_choice');
    });
  });

  describe('structured output', () => {
    const PERSON_SCHEMA = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        age: { type: 'integer', minimum: 0, maximum: 150 },
        tags: { type: 'array', items: { type: 'string' } },
        role: { type: 'string', enum: ['admin', 'member'] },
        address: {
          type: 'object',
          properties: { city: { type: 'string' }, zip: { type: ['string', 'null'] } },
          required: ['city', 'zip'],
          additionalProperties: false,
        },
      },
      required: ['name', 'age', 'tags', 'role', 'address'],
      additionalProperties: false,
    } as const;

    it('json_object returns a JSON object', async () => {
      for (const seed of [1, 2, 3]) {
        const r = await client.chat.completions.create({
          model: MODEL,
          seed,
          messages: [{ role: 'user', content: 'Describe a cat as JSON.' }],
          response_format: { type: 'json_object' },
        });
        const parsed: unknown = JSON.parse(r.choices[0]!.message.content!);
        expect(parsed).toBeTypeOf('object');
        expect(parsed).not.toBeNull();
        expect(Array.isArray(parsed)).toBe(false);
      }
    });

    it('json_schema returns content that validates against the strict schema', async () => {
      const validate = ajv.compile(PERSON_SCHEMA);
      let validated = 0;
      for (const seed of [1, 2, 3, 4, 5]) {
        const r = await client.chat.completions.create({
          model: MODEL,
          seed,
          messages: [{ role: 'user', content: 'Invent a person.' }],
          response_format: { type: 'json_schema', json_schema: { name: 'person', strict: true, schema: PERSON_SCHEMA } },
        });
        expect(r.choices[0]!.finish_reason).toBe('stop');
        const message = r.choices[0]!.message;
        // Under Structured Outputs a refusal comes in `refusal`, with no content to parse.
        if (message.refusal !== null) {
          expect(message.content).toBeNull();
          continue;
        }
        const data: unknown = JSON.parse(message.content!);
        expect(validate(data), ajv.errorsText(validate.errors)).toBe(true);
        validated++;
      }
      expect(validated).toBeGreaterThanOrEqual(4);
    });

    it('an answer longer than the model writes stops at its output limit with length, streamed or not', async () => {
      // 3,000 required fields of 60+ characters: about 50,000 tokens, past gpt-4o-mini's 16,384.
      const properties: Record<string, unknown> = {};
      for (let i = 0; i < 3_000; i++) properties[`f${i}`] = { type: 'string', minLength: 60 };
      const schema = { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
      const params = {
        model: MODEL,
        seed: 4,
        messages: [{ role: 'user' as const, content: 'Fill the form.' }],
        response_format: { type: 'json_schema' as const, json_schema: { name: 'form', strict: true, schema } },
      };
      const r = await client.chat.completions.create(params);
      expect(r.choices[0]!.finish_reason).toBe('length');
      expect(r.usage!.completion_tokens).toBe(16_384);
      const content = r.choices[0]!.message.content!;
      expect(content.startsWith('{"f0":"')).toBe(true);
      expect(() => JSON.parse(content) as unknown).toThrow();

      const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
      let text = '';
      let finish: string | null = null;
      let completionTokens = 0;
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (choice?.delta.content) text += choice.delta.content;
        if (choice?.finish_reason) finish = choice.finish_reason;
        if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
      }
      expect(finish).toBe('length');
      expect(completionTokens).toBe(16_384);
      expect(text).toBe(content);
    });

    it('chat.completions.parse with zodResponseFormat yields a parsed object the zod schema accepts', async () => {
      const Person = z.object({
        name: z.string(),
        age: z.number().int(),
        nickname: z.string().nullable(),
        pets: z.array(z.object({ kind: z.enum(['cat', 'dog']), name: z.string() })),
      });
      const r = await client.chat.completions.parse({
        model: MODEL,
        messages: [{ role: 'user', content: 'Invent a person with pets.' }],
        response_format: zodResponseFormat(Person, 'person'),
      });
      const message = r.choices[0]!.message;
      expect(message.parsed).not.toBeNull();
      expect(Person.safeParse(message.parsed).success).toBe(true);
      expect(message.parsed).toEqual(JSON.parse(message.content!));
    });

    it('chat.completions.parse with a plain strict json_schema parses the content', async () => {
      const validate = ajv.compile(PERSON_SCHEMA);
      const r = await client.chat.completions.parse({
        model: MODEL,
        messages: [{ role: 'user', content: 'Invent a person.' }],
        response_format: { type: 'json_schema', json_schema: { name: 'person', strict: true, schema: PERSON_SCHEMA } },
      });
      const parsed = r.choices[0]!.message.parsed;
      expect(validate(parsed), ajv.errorsText(validate.errors)).toBe(true);
    });

    it("json_object without the word 'json' in the messages is a BadRequestError", async () => {
      const e = await rejection(
        client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Describe a cat.' }], response_format: { type: 'json_object' } }),
        OpenAI.BadRequestError,
      );
      expect(e.status).toBe(400);
      expect(e.type).toBe('invalid_request_error');
      expect(e.param).toBe('messages');
      expect(e.message).toMatch(/json/);
    });
  });

  describe('errors as typed SDK errors', () => {
    it('an invalid role is a BadRequestError naming messages[0].role', async () => {
      const e = await rejection(
        client.chat.completions.create({
          model: MODEL,
          messages: [
            {
              // @ts-expect-error 'wizard' is not a chat role
              role: 'wizard',
              content: 'hi',
            },
          ],
        }),
        OpenAI.BadRequestError,
      );
      expect(e.status).toBe(400);
      expect(e.param).toBe('messages[0].role');
      expect(e.code).toBe('invalid_value');
      expect(e.type).toBe('invalid_request_error');
      expect(e.requestID).toMatch(/^req_/);
    });

    it('a missing model is a BadRequestError naming model', async () => {
      // @ts-expect-error model is required
      const e = await rejection(client.chat.completions.create({ messages: HELLO }), OpenAI.BadRequestError);
      expect(e.param).toBe('model');
      expect(e.code).toBe('missing_required_parameter');
    });

    it.each(['o3', 'gpt-5-mini'])('stop on reasoning model %s is unsupported_parameter, as OpenAI answers it', async (model) => {
      const e = await rejection(client.chat.completions.create({ model, messages: HELLO, stop: ['. '] }), OpenAI.BadRequestError);
      expect(e).toMatchObject({ status: 400, param: 'stop', code: 'unsupported_parameter', message: "400 Unsupported parameter: 'stop' is not supported with this model." });
      expect((await client.chat.completions.create({ model: 'gpt-5-chat-latest', messages: HELLO, stop: ['. '] })).choices).toHaveLength(1);
    });

    it.each(['o3', 'gpt-5'])('max_tokens on reasoning model %s is unsupported_parameter', async (model) => {
      const e = await rejection(client.chat.completions.create({ model, messages: HELLO, max_tokens: 50 }), OpenAI.BadRequestError);
      expect(e.code).toBe('unsupported_parameter');
      expect(e.param).toBe('max_tokens');
      expect(e.message).toContain('max_completion_tokens');
    });

    it('a prompt past the context window is a BadRequestError context_length_exceeded', async () => {
      const long = 'word '.repeat(130_000);
      const e = await rejection(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: long }] }), OpenAI.BadRequestError);
      expect(e.status).toBe(400);
      expect(e.code).toBe('context_length_exceeded');
      expect(e.param).toBe('messages');
      const n = Number(/This model's maximum context length is 128000 tokens\. However, your messages resulted in (\d+) tokens\. Please reduce the length of the messages\.$/.exec(e.message)?.[1]);
      expect(n).toBeGreaterThan(130_000);
      expect(n).toBeLessThan(130_010);
      // gpt-4.1 takes about a million tokens.
      const r = await client.chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: long }], max_tokens: 5 });
      expect(r.usage!.prompt_tokens).toBe(n);
    });

    it('more output than the model writes is a BadRequestError invalid_value naming the field sent', async () => {
      const e = await rejection(client.chat.completions.create({ model: 'gpt-4o', messages: HELLO, max_tokens: 20_480 }), OpenAI.BadRequestError);
      expect(e.status).toBe(400);
      expect(e.param).toBe('max_tokens');
      expect(e.code).toBe('invalid_value');
      expect(e.message).toBe('400 max_tokens is too large: 20480. This model supports at most 16384 completion tokens, whereas you provided 20480.');
      const c = await rejection(client.chat.completions.create({ model: 'o3', messages: HELLO, max_completion_tokens: 100_001 }), OpenAI.BadRequestError);
      expect(c.param).toBe('max_completion_tokens');
      expect(c.message).toMatch(/^400 max_completion_tokens is too large: 100001\. This model supports at most 100000 completion tokens/);
      // At the limit it is accepted; an id the limits table does not know is cut, not refused.
      const at = await client.chat.completions.create({ model: 'gpt-4o', messages: HELLO, max_tokens: 16_384 });
      expect(at.choices[0]!.finish_reason).toBe('stop');
      const unknown = await client.chat.completions.create({ model: 'my-finetune', messages: HELLO, max_tokens: 1_000_000 });
      expect(unknown.object).toBe('chat.completion');
    });

    it('max_completion_tokens on a reasoning model is accepted', async () => {
      const r = await client.chat.completions.create({ model: 'o3', messages: HELLO, max_completion_tokens: 3 });
      expect(r.model).toBe('o3-2025-04-16');
      expect(r.usage!.completion_tokens).toBeLessThanOrEqual(3);
    });
  });

  describe('models', () => {
    it('models.list includes the corpus models with their owners', async () => {
      const models = [];
      for await (const m of client.models.list()) models.push(m);
      const mini = models.find((m) => m.id === MODEL);
      expect(mini).toMatchObject({ id: MODEL, object: 'model', owned_by: 'openai' });
      expect(Number.isInteger(mini!.created)).toBe(true);
      expect(models.find((m) => m.id === 'claude-sonnet-4-6')?.owned_by).toBe('anthropic');
      expect(models.map((m) => m.id)).toEqual(expect.arrayContaining(['gpt-4o', 'gpt-4.1', 'gpt-5', 'o3', 'gemini-2.5-flash', 'grok-4']));
    });

    it('models.retrieve returns one model', async () => {
      const m = await client.models.retrieve(MODEL);
      expect(m).toMatchObject({ id: MODEL, object: 'model', owned_by: 'openai' });
    });

    it('lists and retrieves the embedding models, which answer without a corpus entry', async () => {
      const ids: string[] = [];
      for await (const m of client.models.list()) ids.push(m.id);
      expect(ids).toEqual(expect.arrayContaining(['text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002']));
      expect(await client.models.retrieve('text-embedding-3-large')).toMatchObject({ id: 'text-embedding-3-large', object: 'model' });
    });

    it('models.retrieve of an unknown model is a NotFoundError', async () => {
      const e = await rejection(client.models.retrieve('gpt-nonexistent-9'), OpenAI.NotFoundError);
      expect(e.status).toBe(404);
      expect(e.code).toBe('model_not_found');
    });
  });

  describe('models the corpus lacks', () => {
    it.each(['gpt-4-turbo-preview', 'my-finetune'])('serves %s and echoes the model id', async (model) => {
      const r = await client.chat.completions.create({ model, messages: HELLO });
      expect(r.model).toBe(model);
      expect(r.choices[0]!.message.role).toBe('assistant');
      expect(r.usage!.completion_tokens).toBeGreaterThan(0);
    });
  });
});

describe('openai SDK against a simulator with api keys and strict models', () => {
  const sim = useSimulator({ apiKeys: ['sk-good-0123456789'], strictModels: true });
  const BAD_KEY = 'sk-bad-abcdefghijklmnop';

  it('accepts a configured key', async () => {
    const r = await clientFor(sim(), 'sk-good-0123456789').chat.completions.create({ model: MODEL, messages: HELLO });
    expect(r.choices[0]!.message.role).toBe('assistant');
  });

  it('rejects a wrong key with AuthenticationError invalid_api_key, masking the key', async () => {
    const e = await rejection(clientFor(sim(), BAD_KEY).chat.completions.create({ model: MODEL, messages: HELLO }), OpenAI.AuthenticationError);
    expect(e.status).toBe(401);
    expect(e.code).toBe('invalid_api_key');
    expect(e.message).toContain('Incorrect API key provided');
    expect(e.message).not.toContain(BAD_KEY);
    expect(e.message).toContain(BAD_KEY.slice(-4));
  });

  it('rejects a wrong key on models.list too', async () => {
    const e = await rejection(clientFor(sim(), BAD_KEY).models.list(), OpenAI.AuthenticationError);
    expect(e.code).toBe('invalid_api_key');
  });

  // gpt-4-turbo-preview is retired (shut down 2026-03-26, OpenAI's deprecations page), as a shut-down model is refused.
  it.each(['gpt-4-turbo-preview', 'my-finetune'])('answers unknown model %s with NotFoundError model_not_found', async (model) => {
    const e = await rejection(clientFor(sim(), 'sk-good-0123456789').chat.completions.create({ model, messages: HELLO }), OpenAI.NotFoundError);
    expect(e.status).toBe(404);
    expect(e.code).toBe('model_not_found');
    expect(e.param).toBe('model');
    expect(e.message).toContain(model);
  });

  it('still serves dated snapshots of corpus models', async () => {
    const r = await clientFor(sim(), 'sk-good-0123456789').chat.completions.create({ model: 'gpt-4o-2024-08-06', messages: HELLO });
    expect(r.model).toBe('gpt-4o-2024-08-06');
  });
});

describe('run seed determinism', () => {
  const sameA = useSimulator({ seed: 7 });
  const sameB = useSimulator({ seed: 7 });
  const other = useSimulator({ seed: 8 });

  const REQUESTS: Omit<ChatCompletionCreateParamsNonStreaming, 'model'>[] = [
    { messages: HELLO },
    { messages: [{ role: 'user', content: 'Explain recursion briefly.' }], n: 2 },
    { messages: TOOL_PROMPT, tools: [WEATHER_TOOL, TIME_TOOL] },
  ];

  /** The observable answer to each request in order: text and tool calls of every choice. */
  async function run(sim: Simulator): Promise<string[]> {
    const client = clientFor(sim);
    const out: string[] = [];
    for (const req of REQUESTS) {
      const r = await client.chat.completions.create({ model: MODEL, ...req });
      out.push(JSON.stringify(r.choices.map((c) => [c.message.content, c.message.tool_calls ?? null, c.finish_reason])));
    }
    return out;
  }

  it('fresh simulators with the same seed answer the same requests identically; another seed differs', async () => {
    const a = await run(sameA());
    const b = await run(sameB());
    const c = await run(other());
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});

describe('bodies of replies in flight together', () => {
  // Held replies (speed > 0) wait on the wheel while later requests build theirs in the same
  // thread; replies sent at once reuse one scratch buffer. Each must still carry its own body.
  const held = useSimulator({ speed: 0.02 });
  const immediate = useSimulator({ speed: 0 });

  const PROMPTS = Array.from({ length: 12 }, (_, i) => `Question ${i}: explain topic ${i * 7} briefly.`);

  async function answers(sim: Simulator): Promise<string[]> {
    const client = clientFor(sim);
    const replies = await Promise.all(PROMPTS.map((content, i) => client.chat.completions.create({ model: MODEL, seed: 100 + i, messages: [{ role: 'user', content }] })));
    return replies.map((r) => JSON.stringify([r.choices[0]!.message.content, r.usage]));
  }

  it('a held reply keeps its own body while others are built, and matches the same request served at once', async () => {
    const slow = await answers(held());
    const fast = await answers(immediate());
    expect(slow).toEqual(fast);
    // The requests differ, so equal lists cannot come from one body repeated.
    expect(new Set(fast).size).toBeGreaterThan(3);
  });
});

describe('refusals', () => {
  // A corpus whose gpt-4o-mini answers are all refusals: every request draws one.
  const REFUSAL = "I'm sorry, but I can't help with that.";
  const sim = useSimulator({ corpus: writeTempCorpus([entry('r1', MODEL, 'refusal', REFUSAL)]) });
  const person = z.object({ name: z.string() });

  it('a plain chat refusal is ordinary content with refusal null, streamed or not', async () => {
    const client = clientFor(sim());
    const r = await client.chat.completions.create({ model: MODEL, messages: HELLO });
    expect(r.choices[0]!.message).toMatchObject({ content: REFUSAL, refusal: null });
    expect(r.choices[0]!.finish_reason).toBe('stop');
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model: MODEL, messages: HELLO, stream: true })) {
      const delta = chunk.choices[0]?.delta;
      expect(delta?.refusal ?? null).toBeNull();
      text += delta?.content ?? '';
    }
    expect(text).toBe(REFUSAL);
  });

  it('under Structured Outputs the refusal is in `refusal`, which the parse helper reports with parsed null', async () => {
    const client = clientFor(sim());
    const r = await client.chat.completions.parse({ model: MODEL, messages: HELLO, response_format: zodResponseFormat(person, 'person') });
    expect(r.choices[0]!.message).toMatchObject({ content: null, refusal: REFUSAL, parsed: null });
    const stream = client.chat.completions.stream({ model: MODEL, messages: HELLO, response_format: zodResponseFormat(person, 'person') });
    let refusal = '';
    stream.on('refusal.delta', (e) => (refusal += e.delta));
    const final = await stream.finalChatCompletion();
    expect(refusal).toBe(REFUSAL);
    expect(final.choices[0]!.message).toMatchObject({ content: null, refusal: REFUSAL, parsed: null });
  });
});

describe('Responses log probabilities past the limit', () => {
  // About 12,000 tokens: with 20 alternatives each, past the 200,000 a reply is built with.
  const sim = useSimulator({ corpus: writeTempCorpus([entry('long', MODEL, 'text', 'word '.repeat(12_000))]) });

  it('refuses them as chat does, and serves the same answer with fewer alternatives', async () => {
    const client = clientFor(sim());
    const params = { model: MODEL, input: 'Write at length.', include: ['message.output_text.logprobs' as const] };
    await expect(client.responses.create({ ...params, top_logprobs: 20 })).rejects.toMatchObject({ status: 400, param: 'top_logprobs', code: 'invalid_value' });
    const r = await client.responses.create({ ...params, top_logprobs: 5 });
    const text = r.output.find((o) => o.type === 'message')!;
    const part = text.type === 'message' ? text.content[0]! : null;
    expect(part?.type === 'output_text' ? part.logprobs!.length : 0).toBe(r.usage!.output_tokens);
  });
});
