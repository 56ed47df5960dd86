/**
 * The Responses API against the official `openai` SDK and the real server: the SDK's request
 * building, SSE parsing, strict stream accumulator (`responses.stream()`), parsing helpers and
 * error classes all run, so a wire-format slip fails as it would for a user. The raw-wire tests
 * check what the SDK does not: `event:` lines, frame endings and the writer's sequence numbers.
 */
import { Ajv } from 'ajv';
import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import type { FunctionTool, Response, ResponseFunctionToolCall, ResponseInputItem, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ConfigInput, type Simulator } from '../src/index.js';
import { ResponseStore } from '../src/server/openai/responses-store.js';
import { countTokens } from '../src/corpus/tokens.js';
import { entry, writeTempCorpus } from './fixtures/corpus.js';
import { rejection } from './fixtures/sim.js';
import { WEATHER_PARAMS } from './fixtures/schemas.js';
import { useSimulator as useSharedSimulator } from './fixtures/sim.js';

const MODEL = 'gpt-4o';

/** This file's simulators pin seed 11. */
const useSimulator = (options: ConfigInput = {}): (() => Simulator) => useSharedSimulator({ seed: 11, ...options });

function clientFor(sim: Simulator, apiKey = 'sk-test'): OpenAI {
  return new OpenAI({ baseURL: `${sim.url}/v1`, apiKey, maxRetries: 0 });
}

const ajv = new Ajv({ strict: false, allErrors: true });

const validateWeather = ajv.compile(WEATHER_PARAMS);
const WEATHER_TOOL: FunctionTool = { type: 'function', name: 'get_weather', description: 'Forecast for a city', parameters: WEATHER_PARAMS, strict: true };

function functionCalls(r: Response): ResponseFunctionToolCall[] {
  return r.output.filter((o): o is ResponseFunctionToolCall => o.type === 'function_call');
}

function expectValidWeatherArgs(call: ResponseFunctionToolCall): void {
  expect(call.name).toBe('get_weather');
  const args: unknown = JSON.parse(call.arguments);
  expect(validateWeather(args), ajv.errorsText(validateWeather.errors)).toBe(true);
}

/** Raw SSE frames of a stream: each frame's event name, parsed data and whether it ended with a blank line. */
interface RawFrame {
  readonly event: string | undefined;
  readonly data: Record<string, unknown>;
}

function parseSse(text: string): RawFrame[] {
  expect(text.endsWith('\n\n')).toBe(true);
  const frames: RawFrame[] = [];
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l.length > 0);
    if (lines.length === 0) continue;
    const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
    const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
    expect(data).toHaveLength(1);
    frames.push({ event, data: JSON.parse(data[0]!) as Record<string, unknown> });
  }
  return frames;
}

async function rawPost(sim: Simulator, path: string, body: unknown): Promise<globalThis.Response> {
  return fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('openai SDK responses against the simulator', () => {
  const sim = useSimulator();
  let client: OpenAI;
  beforeAll(() => {
    client = clientFor(sim());
  });

  describe('logprobs', () => {
    it('include message.output_text.logprobs gives an entry per token, with top_logprobs, in the part and per delta', async () => {
      const params = { model: MODEL, input: 'Say hello in one sentence.', include: ['message.output_text.logprobs' as const], top_logprobs: 2 };
      const r = await client.responses.create(params);
      const part = (r.output.find((o) => o.type === 'message') as OpenAI.Responses.ResponseOutputMessage).content[0] as OpenAI.Responses.ResponseOutputText;
      expect(part.logprobs!.map((l) => l.token).join('')).toBe(part.text);
      expect(part.logprobs![0]!.top_logprobs).toHaveLength(2);
      const deltas: { delta: string; logprobs: { token: string }[] }[] = [];
      let done: { text: string; logprobs: { token: string }[] } | undefined;
      for await (const e of await client.responses.create({ ...params, stream: true })) {
        if (e.type === 'response.output_text.delta') deltas.push(e);
        if (e.type === 'response.output_text.done') done = e;
      }
      for (const d of deltas) expect(d.logprobs.map((l) => l.token).join('')).toBe(d.delta);
      expect(done!.logprobs.map((l) => l.token).join('')).toBe(done!.text);
      // The SDK's accumulator (strict about sequence numbers and indexes) takes the stream whole.
      const final = await client.responses.stream({ ...params, reasoning: { effort: 'low', summary: 'auto' }, model: 'gpt-5-mini', top_logprobs: 0 }).finalResponse();
      expect(final.output_text.length).toBeGreaterThan(0);
      // Not asked for: empty, as before.
      const plain = await client.responses.create({ model: MODEL, input: 'Hi' });
      expect(((plain.output.find((o) => o.type === 'message') as OpenAI.Responses.ResponseOutputMessage).content[0] as OpenAI.Responses.ResponseOutputText).logprobs).toEqual([]);
    });
  });

  describe('input items', () => {
    it('lists the request\'s input items, newest first by default, paged, with the same ids every time; gone with the response', async () => {
      const r = await client.responses.create({
        model: MODEL,
        input: [
          { role: 'user', content: 'First question' },
          { role: 'assistant', content: 'First answer' },
          { role: 'user', content: [{ type: 'input_text', text: 'Second question' }] },
        ],
      });
      const texts = (items: OpenAI.Responses.ResponseItem[]) => items.map((i) => (i.type === 'message' ? (i.content[0] as { text: string }).text : i.type));
      const desc = (await client.responses.inputItems.list(r.id)).data;
      expect(texts(desc)).toEqual(['Second question', 'First answer', 'First question']);
      const asc: OpenAI.Responses.ResponseItem[] = [];
      for await (const item of client.responses.inputItems.list(r.id, { order: 'asc', limit: 1 })) asc.push(item);
      expect(texts(asc)).toEqual(['First question', 'First answer', 'Second question']);
      expect(asc.map((i) => i.id)).toEqual([...desc].reverse().map((i) => i.id));
      await client.responses.delete(r.id);
      await expect(client.responses.inputItems.list(r.id)).rejects.toMatchObject({ status: 404 });
    });
  });

  describe('background mode', () => {
    it('answers queued at once; a retrieve sees it in progress until it would finish, and a cancel ends it cancelled', async () => {
      // A TTFT of a minute keeps it running for the whole test, with no waiting.
      const slow = { headers: { 'x-understudy-ttft-ms': '60000' } };
      const queued = await client.responses.create({ model: MODEL, input: 'Write a report.', background: true }, slow);
      expect(queued).toMatchObject({ status: 'queued', background: true, output: [], usage: null });
      expect((await client.responses.retrieve(queued.id)).status).toBe('in_progress');
      const cancelled = await client.responses.cancel(queued.id);
      expect(cancelled).toMatchObject({ id: queued.id, status: 'cancelled', background: true, output: [] });
      expect((await client.responses.retrieve(queued.id)).status).toBe('cancelled');
      // A response that was not created in background cannot be cancelled.
      const plain = await client.responses.create({ model: MODEL, input: 'Hi' });
      await expect(client.responses.cancel(plain.id)).rejects.toMatchObject({ status: 400, error: { message: 'Only responses created with background=true can be cancelled.' } });
    });

    it('a background response that has finished is retrieved whole, and cancelling it is refused, as at OpenAI', async () => {
      // At speed 0 it finishes at once.
      const queued = await client.responses.create({ model: MODEL, input: 'Hi', background: true });
      expect(queued.status).toBe('queued');
      const done = await client.responses.retrieve(queued.id);
      expect(done).toMatchObject({ status: 'completed', background: true });
      expect(done.output_text.length).toBeGreaterThan(0);
      await expect(client.responses.cancel(queued.id)).rejects.toMatchObject({ status: 400, error: { message: 'Cannot cancel a completed response.' } });
      expect(await client.responses.retrieve(queued.id)).toEqual(done);
    });
  });

  describe('responses.inputTokens.count', () => {
    it('counts the input a create with the same body reports, a previous response included, without answering', async () => {
      const params = { model: MODEL, instructions: 'Be terse.', input: 'What is the weather in Lisbon?', tools: [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }] };
      const counted = await client.responses.inputTokens.count(params);
      expect(counted.object).toBe('response.input_tokens');
      const created = await client.responses.create(params);
      expect(counted.input_tokens).toBe(created.usage!.input_tokens);
      const next = { model: MODEL, input: 'And tomorrow?', previous_response_id: created.id };
      const followUp = await client.responses.inputTokens.count(next);
      expect(followUp.input_tokens).toBe((await client.responses.create(next)).usage!.input_tokens);
      // The earlier turns count; the earlier instructions and tools do not carry over.
      expect(followUp.input_tokens).toBeGreaterThan((await client.responses.inputTokens.count({ model: MODEL, input: 'And tomorrow?' })).input_tokens + 10);
    });
  });

  describe('responses.create, non-streaming', () => {
    it('echoes the request fields a Response repeats: service tier served, max_tool_calls, prompt_cache_key, safety_identifier, top_logprobs', async () => {
      // max_tool_calls is newer than this SDK's request type, which the Response type already has.
      const params: OpenAI.Responses.ResponseCreateParamsNonStreaming = { model: MODEL, input: 'Hi', service_tier: 'flex', prompt_cache_key: 'tenant-7', safety_identifier: 'user-hash-1', top_logprobs: 2 };
      const r = await client.responses.create({ ...params, max_tool_calls: 3 } as typeof params);
      expect(r).toMatchObject({ service_tier: 'flex', max_tool_calls: 3, prompt_cache_key: 'tenant-7', safety_identifier: 'user-hash-1', top_logprobs: 2 });
      const plain = await client.responses.create({ model: MODEL, input: 'Hi' });
      expect(plain).toMatchObject({ service_tier: 'default', max_tool_calls: null, prompt_cache_key: null, safety_identifier: null, top_logprobs: 0 });
      // Until it is final, the object names the tier asked for (auto when none), as OpenAI's response.created does.
      const tiers: (string | null | undefined)[] = [];
      for await (const e of await client.responses.create({ model: MODEL, input: 'Hi', stream: true })) {
        if (e.type === 'response.created' || e.type === 'response.completed') tiers.push(e.response.service_tier);
      }
      expect(tiers).toEqual(['auto', 'default']);
    });

    it('returns a completed Response with a message, output_text and consistent usage', async () => {
      const { data: r, response } = await client.responses.create({ model: MODEL, input: 'Say hello in one sentence.' }).withResponse();
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
      expect(r.id).toMatch(/^resp_[A-Za-z0-9]+$/);
      expect(r.object).toBe('response');
      expect(r.status).toBe('completed');
      expect(r.model).toBe('gpt-4o-2024-08-06');
      expect(Number.isInteger(r.created_at)).toBe(true);
      expect(r.error).toBeNull();
      expect(r.incomplete_details).toBeNull();
      expect(r.output).toHaveLength(1);
      const message = r.output[0]!;
      if (message.type !== 'message') throw new Error(`expected a message, got ${message.type}`);
      expect(message.id).toMatch(/^msg_/);
      expect(message.role).toBe('assistant');
      expect(message.status).toBe('completed');
      expect(message.content).toHaveLength(1);
      const part = message.content[0]!;
      if (part.type !== 'output_text') throw new Error(`expected output_text, got ${part.type}`);
      expect(part.annotations).toEqual([]);
      expect(r.output_text.length).toBeGreaterThan(0);
      expect(r.output_text).toBe(part.text);
      const usage = r.usage!;
      expect(usage.input_tokens).toBeGreaterThan(0);
      expect(usage.output_tokens).toBeGreaterThan(0);
      expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
      expect(usage.input_tokens_details.cached_tokens).toBe(0);
      expect(usage.output_tokens_details.reasoning_tokens).toBe(0);
      // `store` is on the wire though this SDK version's Response type omits it.
      expect(r).toMatchObject({ store: true });
      expect(r.text?.format).toEqual({ type: 'text' });
      expect(r.tools).toEqual([]);
      expect(r.tool_choice).toBe('auto');
    });

    it('echoes instructions, metadata and settings, and counts instructions as input', async () => {
      const bare = await client.responses.create({ model: MODEL, input: 'Hi' });
      const r = await client.responses.create({
        model: MODEL,
        input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }],
        instructions: 'You are a careful assistant who explains things step by step, with examples.',
        metadata: { run: 'r1' },
        temperature: 0.2,
        parallel_tool_calls: false,
      });
      expect(r.instructions).toBe('You are a careful assistant who explains things step by step, with examples.');
      expect(r.metadata).toEqual({ run: 'r1' });
      expect(r.temperature).toBe(0.2);
      expect(r.parallel_tool_calls).toBe(false);
      expect(r.usage!.input_tokens).toBeGreaterThan(bare.usage!.input_tokens + 10);
    });

    it('counts an input_image as a 1024×1024 image: 765 input tokens, 85 at detail low', async () => {
      const tokens = async (content: OpenAI.Responses.ResponseInputMessageContentList) =>
        (await client.responses.create({ model: MODEL, input: [{ role: 'user', content }], max_output_tokens: 16 })).usage!.input_tokens;
      const text = { type: 'input_text' as const, text: 'Describe the picture.' };
      const textOnly = await tokens([text]);
      expect(await tokens([text, { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' }])).toBe(textOnly + 765);
      expect(await tokens([text, { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'low' }])).toBe(textOnly + 85);
    });

    it('refuses input past the context window with context_length_exceeded on input', async () => {
      const e = await rejection(client.responses.create({ model: MODEL, input: 'word '.repeat(130_000) }), OpenAI.BadRequestError);
      expect(e.code).toBe('context_length_exceeded');
      expect(e.param).toBe('input');
      expect(e.message).toBe('400 Your input exceeds the context window of this model. Please adjust your input and try again.');
    });

    it('is also served without the /v1 prefix', async () => {
      const res = await rawPost(sim(), '/responses', { model: MODEL, input: 'Hi' });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { object: string }).object).toBe('response');
    });
  });

  describe('responses.create, streaming', () => {
    async function events(params: Omit<OpenAI.Responses.ResponseCreateParamsStreaming, 'stream'>): Promise<ResponseStreamEvent[]> {
      const stream = await client.responses.create({ ...params, stream: true });
      const out: ResponseStreamEvent[] = [];
      for await (const e of stream) out.push(e);
      return out;
    }

    it('sends the typed events in order, numbered 0, 1, 2, … with matching item ids', async () => {
      const all = await events({ model: MODEL, input: 'Say hello.' });
      expect(all.map((e) => e.sequence_number)).toEqual(all.map((_, i) => i));
      const types = all.map((e) => e.type);
      const deltas = types.filter((t) => t === 'response.output_text.delta').length;
      expect(deltas).toBeGreaterThan(0);
      expect(types).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        ...Array<string>(deltas).fill('response.output_text.delta'),
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
      const created = all[0]!;
      if (created.type !== 'response.created') throw new Error('first event must be response.created');
      expect(created.response.status).toBe('in_progress');
      expect(created.response.output).toEqual([]);
      const added = all[2]!;
      if (added.type !== 'response.output_item.added' || added.item.type !== 'message') throw new Error('expected a message item');
      expect(added.item).toEqual({ id: added.item.id, type: 'message', status: 'in_progress', role: 'assistant', content: [] });
      const itemId = added.item.id;
      let text = '';
      for (const e of all) {
        if (e.type === 'response.output_text.delta') {
          expect(e.item_id).toBe(itemId);
          expect(e.output_index).toBe(0);
          expect(e.content_index).toBe(0);
          expect(e.logprobs).toEqual([]);
          text += e.delta;
        }
      }
      const done = all.find((e) => e.type === 'response.output_text.done');
      if (done?.type !== 'response.output_text.done') throw new Error('missing output_text.done');
      expect(done.item_id).toBe(itemId);
      expect(done.text).toBe(text);
      const completed = all[all.length - 1]!;
      if (completed.type !== 'response.completed') throw new Error('last event must be response.completed');
      expect(completed.response.id).toBe(created.response.id);
      expect(completed.response.status).toBe('completed');
      const message = completed.response.output[0]!;
      if (message.type !== 'message' || message.content[0]?.type !== 'output_text') throw new Error('expected a text message');
      expect(message.id).toBe(itemId);
      expect(message.content[0].text).toBe(text);
      expect(completed.response.usage!.total_tokens).toBe(completed.response.usage!.input_tokens + completed.response.usage!.output_tokens);
    });

    it('responses.stream() accumulates a final response equal to the streamed text', async () => {
      const stream = client.responses.stream({ model: MODEL, input: 'Tell me something useful.' });
      let text = '';
      stream.on('response.output_text.delta', (e) => {
        text += e.delta;
        expect(e.snapshot).toBe(text);
      });
      const final = await stream.finalResponse();
      expect(final.status).toBe('completed');
      expect(final.output_text.length).toBeGreaterThan(0);
      expect(final.output_text).toBe(text);
      expect(final.usage!.output_tokens).toBeGreaterThan(0);
    });

    it('numbers each concurrent stream from 0', async () => {
      const [a, b] = await Promise.all([events({ model: MODEL, input: 'One' }), events({ model: MODEL, input: 'Two' })]);
      for (const all of [a, b]) expect(all.map((e) => e.sequence_number)).toEqual(all.map((_, i) => i));
    });
  });

  describe('responses.compact', () => {
    const history: OpenAI.Responses.ResponseInputItem[] = [
      { role: 'user', content: 'Plan a three-day trip to Lisbon.' },
      { role: 'assistant', content: 'Day one: Alfama and the castle. '.repeat(40) },
      { role: 'user', content: 'Add a day trip to Sintra.' },
      { role: 'assistant', content: 'Take the train from Rossio early. '.repeat(40) },
    ];

    it('keeps the user messages and replaces the rest with one compaction item that counts for less', async () => {
      const compacted = await client.responses.compact({ model: 'gpt-5', input: history });
      expect(compacted.object).toBe('response.compaction');
      expect(compacted.id).toMatch(/^resp_/);
      expect(compacted.output.map((o) => o.type)).toEqual(['message', 'message', 'compaction']);
      expect(compacted.output.slice(0, 2).map((o) => (o.type === 'message' ? o.role : ''))).toEqual(['user', 'user']);
      const full = await client.responses.inputTokens.count({ model: 'gpt-5', input: history });
      expect(compacted.usage.input_tokens).toBe(full.input_tokens);
      expect(compacted.usage.output_tokens).toBeGreaterThan(0);
      expect(compacted.usage.output_tokens).toBeLessThan(full.input_tokens / 2);
      // The next turn sends the compacted output back: it counts for the users' messages and the summary, not the history.
      const next = [...(compacted.output as OpenAI.Responses.ResponseInputItem[]), { role: 'user' as const, content: 'And a day in Cascais?' }];
      const after = await client.responses.inputTokens.count({ model: 'gpt-5', input: next });
      expect(after.input_tokens).toBeLessThan(full.input_tokens);
      expect(after.input_tokens).toBeGreaterThan(compacted.usage.output_tokens);
      const answer = await client.responses.create({ model: 'gpt-5', input: next });
      expect(answer.usage!.input_tokens).toBe(after.input_tokens);
    });

    it('refuses an input past the model\'s window, and keeps only user messages, not other items a client marked user', async () => {
      const long = 'word '.repeat(140_000);
      const err = await rejection(client.responses.compact({ model: 'gpt-4o', input: [{ role: 'user', content: long }] }), OpenAI.BadRequestError);
      expect(err.code).toBe('context_length_exceeded');
      const odd = await client.responses.compact({ model: 'gpt-5', input: [{ role: 'user', content: 'Hi' }, { type: 'function_call_output', call_id: 'c', output: 'ok', role: 'user' } as OpenAI.Responses.ResponseInputItem] });
      expect(odd.output.map((o) => o.type)).toEqual(['message', 'compaction']);
    });

    it('compacts a stored response\'s context named by previous_response_id', async () => {
      const first = await client.responses.create({ model: 'gpt-5', input: history });
      const compacted = await client.responses.compact({ model: 'gpt-5', previous_response_id: first.id });
      expect(compacted.output.map((o) => o.type)).toEqual(['compaction']);
      expect(compacted.usage.input_tokens).toBeGreaterThan(first.usage!.input_tokens);
    });
  });

  describe('custom (free-form) tools', () => {
    const PATCH_TOOL = { type: 'custom' as const, name: 'apply_patch', description: 'Apply a patch to the repository' };

    it('calls a custom tool the request requires, its free-form input in a custom_tool_call item', async () => {
      const r = await client.responses.create({ model: 'gpt-5', input: 'Fix the typo in README.md', tools: [PATCH_TOOL, WEATHER_TOOL], tool_choice: { type: 'custom', name: 'apply_patch' } });
      const calls = r.output.filter((o): o is OpenAI.Responses.ResponseCustomToolCall => o.type === 'custom_tool_call');
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', status: 'completed' });
      expect(calls[0]!.id).toMatch(/^ctc_/);
      expect(calls[0]!.call_id).toMatch(/^call_/);
      expect(calls[0]!.input.length).toBeGreaterThan(0);
      expect(r.output.some((o) => o.type === 'message' || o.type === 'function_call')).toBe(false);
      expect(r.tools).toEqual([{ ...PATCH_TOOL, format: { type: 'text' } }, expect.objectContaining({ type: 'function', name: 'get_weather' })]);
      // tool_choice "required" with only custom tools calls one too.
      const required = await client.responses.create({ model: 'gpt-5', input: 'Fix it', tools: [PATCH_TOOL], tool_choice: 'required' });
      expect(required.output.map((o) => o.type)).toEqual(['reasoning', 'custom_tool_call']);
    });

    it('streams the input as custom_tool_call_input deltas the SDK assembles, and counts the call and its output sent back', async () => {
      const stream = client.responses.stream({ model: 'gpt-5', input: 'Fix the typo', tools: [PATCH_TOOL], tool_choice: { type: 'custom', name: 'apply_patch' } });
      let deltas = '';
      let done = '';
      for await (const event of stream) {
        if (event.type === 'response.custom_tool_call_input.delta') deltas += event.delta;
        if (event.type === 'response.custom_tool_call_input.done') done = event.input;
      }
      const final = await stream.finalResponse();
      const call = final.output.find((o): o is OpenAI.Responses.ResponseCustomToolCall => o.type === 'custom_tool_call')!;
      expect(deltas).toBe(call.input);
      expect(done).toBe(call.input);
      const alone = await client.responses.inputTokens.count({ model: 'gpt-5', input: 'Fix the typo' });
      const withCall = await client.responses.inputTokens.count({
        model: 'gpt-5',
        input: [
          { role: 'user', content: 'Fix the typo' },
          { type: 'custom_tool_call', call_id: call.call_id, name: 'apply_patch', input: call.input },
          { type: 'custom_tool_call_output', call_id: call.call_id, output: 'Patch applied.' },
        ],
      });
      expect(withCall.input_tokens).toBeGreaterThan(alone.input_tokens + 10);
    });

    it('calls nothing when reasoning spent the whole limit, rather than a call with no input', async () => {
      const r = await client.responses.create({ model: 'gpt-5', input: 'Fix it', tools: [PATCH_TOOL], tool_choice: { type: 'custom', name: 'apply_patch' }, max_output_tokens: 16 });
      expect(r.status).toBe('incomplete');
      expect(r.output.filter((o) => o.type === 'custom_tool_call')).toEqual([]);
    });

    it('refuses a tool_choice naming a custom tool the request does not offer', async () => {
      const err = await rejection(client.responses.create({ model: 'gpt-5', input: 'x', tools: [PATCH_TOOL], tool_choice: { type: 'custom', name: 'other' } }), OpenAI.BadRequestError);
      expect(err.param).toBe('tool_choice');
    });
  });

  describe('function calling', () => {
    it('with tool_choice required, returns function_call items whose arguments validate', async () => {
      const r = await client.responses.create({ model: MODEL, input: 'Weather in Lisbon?', tools: [WEATHER_TOOL], tool_choice: 'required' });
      const calls = functionCalls(r);
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) {
        expect(call.id).toMatch(/^fc_/);
        expect(call.call_id).toMatch(/^call_/);
        expect(call.status).toBe('completed');
        expectValidWeatherArgs(call);
      }
      expect(r.tools).toEqual([WEATHER_TOOL]);
      expect(r.tool_choice).toBe('required');
    });

    it('streams argument deltas that reassemble into the item, and the stream helper parses them', async () => {
      const stream = client.responses.stream({ model: MODEL, input: 'Weather in Lisbon?', tools: [WEATHER_TOOL], tool_choice: { type: 'function', name: 'get_weather' } });
      const deltas = new Map<string, string>();
      const done = new Map<string, string>();
      const seen: number[] = [];
      stream.on('event', (e) => seen.push(e.sequence_number));
      stream.on('response.function_call_arguments.delta', (e) => deltas.set(e.item_id, (deltas.get(e.item_id) ?? '') + e.delta));
      stream.on('response.function_call_arguments.done', (e) => done.set(e.item_id, e.arguments));
      const final = await stream.finalResponse();
      expect(seen).toEqual(seen.map((_, i) => i));
      const calls = final.output.filter((o) => o.type === 'function_call');
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) {
        expect(deltas.get(call.id!)).toBe(call.arguments);
        expect(done.get(call.id!)).toBe(call.arguments);
        expectValidWeatherArgs(call);
        // Strict function tools are parsed by the SDK helper.
        expect(call.parsed_arguments).toEqual(JSON.parse(call.arguments));
      }
    });

    it('answers a function_call_output turn in text', async () => {
      const first = await client.responses.create({ model: MODEL, input: 'Weather in Lisbon?', tools: [WEATHER_TOOL], tool_choice: 'required' });
      const call = functionCalls(first)[0]!;
      const input: ResponseInputItem[] = [
        { role: 'user', content: 'Weather in Lisbon?' },
        { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: '{"temp":21}' },
      ];
      for (let i = 0; i < 3; i++) {
        const r = await client.responses.create({ model: MODEL, input, tools: [WEATHER_TOOL] });
        expect(functionCalls(r)).toEqual([]);
        expect(r.output_text.length).toBeGreaterThan(0);
      }
    });

    it('accepts the previous output items fed back as input, with previous_response_id', async () => {
      const first = await client.responses.create({ model: MODEL, input: 'Weather in Lisbon?', tools: [WEATHER_TOOL], tool_choice: 'required' });
      const call = functionCalls(first)[0]!;
      const r = await client.responses.create({
        model: MODEL,
        previous_response_id: first.id,
        input: [...(first.output as ResponseInputItem[]), { type: 'function_call_output', call_id: call.call_id, output: 'sunny' }],
        tools: [WEATHER_TOOL],
      });
      expect(r.previous_response_id).toBe(first.id);
      expect(r.output_text.length).toBeGreaterThan(0);
    });
  });

  describe('text.format', () => {
    const Plan = z.object({ title: z.string(), steps: z.array(z.object({ order: z.number().int(), action: z.string() })), urgent: z.boolean() });

    it('json_schema: output_text validates against the schema', async () => {
      const schema = {
        type: 'object',
        properties: {
          title: { type: 'string', minLength: 1 },
          priority: { type: 'string', enum: ['low', 'high'] },
          steps: { type: 'array', minItems: 1, items: { type: 'object', properties: { order: { type: 'integer', minimum: 1 }, action: { type: 'string' } }, required: ['order', 'action'], additionalProperties: false } },
        },
        required: ['title', 'priority', 'steps'],
        additionalProperties: false,
      };
      const r = await client.responses.create({ model: MODEL, input: 'Plan a release.', text: { format: { type: 'json_schema', name: 'plan', schema, strict: true } } });
      const validate = ajv.compile(schema);
      const value: unknown = JSON.parse(r.output_text);
      expect(validate(value), ajv.errorsText(validate.errors)).toBe(true);
      expect(r.text?.format).toMatchObject({ type: 'json_schema', name: 'plan' });
    });

    it('responses.parse() with zodTextFormat gives output_parsed', async () => {
      const r = await client.responses.parse({ model: MODEL, input: 'Plan a release.', text: { format: zodTextFormat(Plan, 'plan') } });
      expect(Plan.parse(r.output_parsed)).toEqual(r.output_parsed);
    });

    it('json_object: output_text is a JSON object', async () => {
      const r = await client.responses.create({ model: MODEL, input: 'Reply in json.', text: { format: { type: 'json_object' } } });
      const value: unknown = JSON.parse(r.output_text);
      expect(typeof value).toBe('object');
    });
  });

  describe('max_output_tokens', () => {
    it('cuts a non-streaming answer: status incomplete with reason max_output_tokens', async () => {
      const r = await client.responses.create({ model: MODEL, input: 'Write an essay.', max_output_tokens: 16 });
      expect(r.status).toBe('incomplete');
      expect(r.incomplete_details).toEqual({ reason: 'max_output_tokens' });
      expect(r.max_output_tokens).toBe(16);
      expect(r.usage!.output_tokens).toBe(16);
      expect(r.output_text.length).toBeGreaterThan(0);
      const first = r.output[0]!;
      expect(first.type === 'message' && first.status).toBe('incomplete');
    });

    it('ends a cut stream with response.incomplete, which the stream helper accepts', async () => {
      const stream = client.responses.stream({ model: MODEL, input: 'Write an essay.', max_output_tokens: 16 });
      const types: string[] = [];
      stream.on('event', (e) => types.push(e.type));
      const final = await stream.finalResponse();
      expect(types[types.length - 1]).toBe('response.incomplete');
      expect(types).not.toContain('response.completed');
      expect(final.status).toBe('incomplete');
      expect(final.incomplete_details?.reason).toBe('max_output_tokens');
      expect(final.output_text.length).toBeGreaterThan(0);
    });

    it('cuts a synthesized json_schema object too', async () => {
      const schema = { type: 'object', properties: { items: { type: 'array', minItems: 20, items: { type: 'string' } } }, required: ['items'], additionalProperties: false };
      const r = await client.responses.create({ model: MODEL, input: 'List things.', max_output_tokens: 16, text: { format: { type: 'json_schema', name: 'list', schema, strict: true } } });
      expect(r.status).toBe('incomplete');
      expect(r.usage!.output_tokens).toBe(16);
    });
  });

  describe('stored responses', () => {
    it('retrieve() returns the created response', async () => {
      const created = await client.responses.create({ model: MODEL, input: 'Remember me.' });
      const got = await client.responses.retrieve(created.id);
      expect(got).toEqual(created);
    });

    it('stores streamed responses as their final object', async () => {
      const final = await client.responses.stream({ model: MODEL, input: 'Remember me.' }).finalResponse();
      const got = await client.responses.retrieve(final.id);
      expect(got.status).toBe('completed');
      expect(got.output_text).toBe(final.output_text);
    });

    it('with store:false, retrieve() is a NotFoundError', async () => {
      const created = await client.responses.create({ model: MODEL, input: 'Forget me.', store: false });
      expect(created).toMatchObject({ store: false });
      const e = await rejection(client.responses.retrieve(created.id), OpenAI.NotFoundError);
      expect(e.status).toBe(404);
      expect(e.type).toBe('invalid_request_error');
      expect(e.message).toContain(created.id);
    });

    it('delete() removes a stored response', async () => {
      const created = await client.responses.create({ model: MODEL, input: 'Delete me.' });
      const res = await fetch(`${sim().url}/v1/responses/${created.id}`, { method: 'DELETE' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id: created.id, object: 'response', deleted: true });
      await rejection(client.responses.retrieve(created.id), OpenAI.NotFoundError);
      await rejection(client.responses.delete(created.id), OpenAI.NotFoundError);
    });

    it('an unknown id is a NotFoundError', async () => {
      await rejection(client.responses.retrieve('resp_nope'), OpenAI.NotFoundError);
    });
  });

  describe('bad requests', () => {
    it('missing model is a BadRequestError naming model', async () => {
      // The SDK types leave model optional (a stored prompt may supply it); the API requires it here.
      const e = await rejection(client.responses.create({ input: 'Hi' }), OpenAI.BadRequestError);
      expect(e.param).toBe('model');
      expect(e.code).toBe('missing_required_parameter');
      expect(e.message).toContain("Missing required parameter: 'model'.");
    });

    it('missing input is a BadRequestError naming input', async () => {
      const e = await rejection(client.responses.create({ model: MODEL }), OpenAI.BadRequestError);
      expect(e.param).toBe('input');
    });

    it('names the field of a bad input item', async () => {
      // @ts-expect-error: a function_call_output needs call_id
      const e = await rejection(client.responses.create({ model: MODEL, input: [{ type: 'function_call_output', output: 'x' }] }), OpenAI.BadRequestError);
      expect(e.param).toBe('input[0].call_id');
      // @ts-expect-error: not a role
      const role = await rejection(client.responses.create({ model: MODEL, input: [{ role: 'robot', content: 'x' }] }), OpenAI.BadRequestError);
      expect(role.param).toBe('input[0].role');
    });

    it('rejects a Chat-shaped tool, naming the missing name', async () => {
      const e = await rejection(
        // @ts-expect-error: the Responses API takes flat function tools
        client.responses.create({ model: MODEL, input: 'Hi', tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }),
        OpenAI.BadRequestError,
      );
      expect(e.param).toBe('tools[0].name');
    });

    it('rejects tool_choice naming a function that is not offered', async () => {
      const e = await rejection(client.responses.create({ model: MODEL, input: 'Hi', tools: [WEATHER_TOOL], tool_choice: { type: 'function', name: 'nope' } }), OpenAI.BadRequestError);
      expect(e.param).toBe('tool_choice');
    });

    it('rejects max_output_tokens below 16', async () => {
      const e = await rejection(client.responses.create({ model: MODEL, input: 'Hi', max_output_tokens: 5 }), OpenAI.BadRequestError);
      expect(e.param).toBe('max_output_tokens');
      expect(e.code).toBe('integer_below_min_value');
    });

    it('rejects json_object without the word json in the input', async () => {
      const e = await rejection(client.responses.create({ model: MODEL, input: 'Hi', text: { format: { type: 'json_object' } } }), OpenAI.BadRequestError);
      expect(e.param).toBe('input');
    });

    it('rejects a body that is not JSON', async () => {
      const res = await fetch(`${sim().url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { type: string } };
      expect(body.error.type).toBe('invalid_request_error');
    });

    it('answers a wrong method with 405 and the allowed methods', async () => {
      const put = await fetch(`${sim().url}/v1/responses`, { method: 'PUT' });
      expect(put.status).toBe(405);
      expect(put.headers.get('allow')).toBe('POST');
      const post = await fetch(`${sim().url}/v1/responses/resp_x`, { method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, DELETE');
    });
  });

  describe('wire format and the stream writer', () => {
    it('sends event lines equal to data.type, consecutive sequence numbers and no [DONE]', async () => {
      const res = await rawPost(sim(), '/v1/responses', { model: MODEL, input: 'Weather?', stream: true, tools: [WEATHER_TOOL], tool_choice: 'required' });
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const text = await res.text();
      expect(text).not.toContain('[DONE]');
      const frames = parseSse(text);
      frames.forEach((f, i) => {
        expect(f.event).toBe(f.data.type);
        expect(f.data.sequence_number).toBe(i);
      });
      expect(frames[frames.length - 1]!.event).toBe('response.completed');
      expect(frames.some((f) => f.event === 'response.function_call_arguments.delta')).toBe(true);
    });

    it('keeps numbering across writer calls: a stream longer than the 64 KiB scratch buffer', async () => {
      // At --speed 0 the writer sends until its scratch buffer is half full, then continues in a
      // later call, so a long stream exercises the per-exchange counter being saved and restored.
      let longest = 0;
      for (let i = 0; i < 20 && longest < 96 * 1024; i++) {
        const res = await rawPost(sim(), '/v1/responses', { model: MODEL, input: 'Write a long essay.', stream: true });
        const text = await res.text();
        const frames = parseSse(text);
        expect(frames.map((f) => f.data.sequence_number)).toEqual(frames.map((_, j) => j));
        longest = Math.max(longest, Buffer.byteLength(text));
      }
      expect(longest).toBeGreaterThanOrEqual(96 * 1024);
    });

    it('leaves other dialects unnumbered', async () => {
      const res = await rawPost(sim(), '/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'Hi' }], stream: true });
      expect(await res.text()).not.toContain('sequence_number');
    });
  });
});

describe('responses with keys and strict models', () => {
  const sim = useSimulator({ apiKeys: ['sk-good-0123456789'], strictModels: true });

  it('rejects a wrong key with AuthenticationError', async () => {
    const e = await rejection(clientFor(sim(), 'sk-bad-0123456789').responses.create({ model: MODEL, input: 'Hi' }), OpenAI.AuthenticationError);
    expect(e.code).toBe('invalid_api_key');
    await rejection(clientFor(sim(), 'sk-bad-0123456789').responses.retrieve('resp_x'), OpenAI.AuthenticationError);
  });

  it('answers an unknown model with NotFoundError model_not_found', async () => {
    const e = await rejection(clientFor(sim(), 'sk-good-0123456789').responses.create({ model: 'gpt-nope', input: 'Hi' }), OpenAI.NotFoundError);
    expect(e.code).toBe('model_not_found');
  });
});

describe('responses from a hand-made corpus', () => {
  const TRICKY = 'Hello there! A "quoted" line\nand émoji 🌍 and CJK 漢字, a \\ backslash.';
  const sim = useSimulator({
    corpus: writeTempCorpus([entry('r1', 'gpt-4o-mini', 'refusal', "I'm sorry, but I can't help with that."), entry('t1', 'gpt-4.1', 'text', TRICKY)]),
  });

  const PERSON = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false };

  it('streams a Structured Outputs refusal as refusal events the stream helper accepts', async () => {
    const stream = clientFor(sim()).responses.stream({ model: 'gpt-4o-mini', input: 'Do something bad.', text: { format: { type: 'json_schema', name: 'person', strict: true, schema: PERSON } } });
    const types: string[] = [];
    let refusal = '';
    stream.on('event', (e) => types.push(e.type));
    stream.on('response.refusal.delta', (e) => (refusal += e.delta));
    const final = await stream.finalResponse();
    expect(types).toContain('response.refusal.done');
    expect(types).not.toContain('response.output_text.delta');
    const message = final.output[0]!;
    if (message.type !== 'message') throw new Error('expected a message');
    expect(message.content).toEqual([{ type: 'refusal', refusal: "I'm sorry, but I can't help with that.", parsed: null }]);
    expect(refusal).toBe("I'm sorry, but I can't help with that.");
    expect(final.output_text).toBe('');
  });

  it('sends a refusal to a plain request as ordinary output text, as OpenAI does', async () => {
    const r = await clientFor(sim()).responses.create({ model: 'gpt-4o-mini', input: 'Do something bad.' });
    expect(r.output_text).toBe("I'm sorry, but I can't help with that.");
    const message = r.output[0]!;
    if (message.type !== 'message') throw new Error('expected a message');
    expect(message.content.map((c) => c.type)).toEqual(['output_text']);
  });

  it('keeps quotes, newlines, backslashes and non-ASCII text intact in every frame', async () => {
    const client = clientFor(sim());
    const whole = await client.responses.create({ model: 'gpt-4.1', input: 'Hi' });
    expect(whole.output_text).toBe(TRICKY);
    const stream = client.responses.stream({ model: 'gpt-4.1', input: 'Hi' });
    let text = '';
    let done = '';
    stream.on('response.output_text.delta', (e) => (text += e.delta));
    stream.on('response.output_text.done', (e) => (done = e.text));
    const final = await stream.finalResponse();
    expect(text).toBe(TRICKY);
    expect(done).toBe(TRICKY);
    expect(final.output_text).toBe(TRICKY);
  });
});

describe('ResponseStore', () => {
  it('evicts the least recently used entry past its entry limit', () => {
    const store = new ResponseStore(2, 1024);
    store.put('a', Buffer.from('A'));
    store.put('b', Buffer.from('B'));
    expect(store.get('a')?.toString()).toBe('A');
    store.put('c', Buffer.from('C'));
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')?.toString()).toBe('A');
    expect(store.size).toBe(2);
  });

  it('evicts by bytes and refuses a body larger than the whole store', () => {
    const store = new ResponseStore(10, 8);
    store.put('a', Buffer.alloc(5));
    store.put('b', Buffer.alloc(5));
    expect(store.get('a')).toBeUndefined();
    expect(store.get('b')).toBeDefined();
    store.put('huge', Buffer.alloc(9));
    expect(store.get('huge')).toBeUndefined();
    expect(store.delete('b')).toBe(true);
    expect(store.delete('b')).toBe(false);
    expect(store.size).toBe(0);
  });
});

describe('conversations on the Responses API count their whole context', () => {
  const sim = useSimulator({ speed: 0, threads: 1 });
  const QUESTION = 'Explain how a hash map handles collisions, with an example.';

  it('previous_response_id and item_reference count the earlier turns as the same items sent inline', async () => {
    const client = clientFor(sim());
    const first = await client.responses.create({ model: 'gpt-4.1-mini', input: QUESTION });
    const message = first.output.find((o) => o.type === 'message')!;
    const answer = first.output_text;
    // The earlier turn inline (what `store: false` clients send).
    const inline = await client.responses.create({
      model: 'gpt-4.1-mini',
      store: false,
      input: [
        { role: 'user', content: QUESTION },
        { role: 'assistant', content: answer },
        { role: 'user', content: 'Why?' },
      ],
    });
    // The same turn by reference (what the Vercel AI SDK sends when responses are stored).
    const referenced = await client.responses.create({
      model: 'gpt-4.1-mini',
      input: [{ role: 'user', content: QUESTION }, { type: 'item_reference', id: message.id }, { role: 'user', content: 'Why?' }],
    });
    const continued = await client.responses.create({ model: 'gpt-4.1-mini', previous_response_id: first.id, input: 'Why?' });
    const expected = first.usage!.input_tokens + 3 + first.usage!.output_tokens + 3 + countTokens('Why?');
    expect(inline.usage!.input_tokens).toBe(expected);
    expect(referenced.usage!.input_tokens).toBe(expected);
    expect(continued.usage!.input_tokens).toBe(expected);
    // A continuation of a continuation carries all of it.
    const again = await client.responses.create({ model: 'gpt-4.1-mini', previous_response_id: continued.id, input: 'And then?' });
    expect(again.usage!.input_tokens).toBe(continued.usage!.input_tokens + 3 + continued.usage!.output_tokens + 3 + countTokens('And then?'));
  });

  it('counts a referenced function call as the same call sent inline', async () => {
    const client = clientFor(sim());
    const tools = [{ type: 'function' as const, name: 'get_weather', parameters: WEATHER_PARAMS, strict: false }];
    const first = await client.responses.create({ model: 'gpt-4.1-mini', input: 'Weather in Lisbon?', tools, tool_choice: 'required' });
    const call = first.output.find((o) => o.type === 'function_call')!;
    if (call.type !== 'function_call') throw new Error('expected a function call');
    const output = { type: 'function_call_output' as const, call_id: call.call_id, output: '{"temperature":21}' };
    const inline = await client.responses.create({
      model: 'gpt-4.1-mini',
      store: false,
      tools,
      input: [{ role: 'user', content: 'Weather in Lisbon?' }, { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments }, output],
    });
    const referenced = await client.responses.create({ model: 'gpt-4.1-mini', tools, input: [{ role: 'user', content: 'Weather in Lisbon?' }, { type: 'item_reference', id: call.id! }, output] });
    expect(referenced.usage!.input_tokens).toBe(inline.usage!.input_tokens);
  });

  it('takes ids this thread does not hold as empty rather than refusing them', async () => {
    const client = clientFor(sim());
    const r = await client.responses.create({ model: 'gpt-4.1-mini', previous_response_id: 'resp_unknown', input: [{ type: 'item_reference', id: 'msg_unknown' }, { role: 'user', content: 'Hi' }] });
    expect(r.status).toBe('completed');
    expect(r.usage!.input_tokens).toBe(3 + 3 + 3 + countTokens('Hi'));
  });
});
