/**
 * Conformance of the official `@anthropic-ai/sdk` against the real server: every call goes
 * through the SDK's own request building, SSE parsing (which dispatches on `event:` names only),
 * MessageStream accumulation and error classes, so a wire-format slip shows up as the failure a
 * user would see.
 */
import Anthropic from '@anthropic-ai/sdk';
import { Stream } from '@anthropic-ai/sdk/core/streaming';
import type { Message, MessageCreateParamsNonStreaming, MessageParam, RawMessageStreamEvent, TextBlock, Tool, ToolUseBlock } from '@anthropic-ai/sdk/resources/messages';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ConfigInput, type Simulator } from '../src/index.js';
import { rejection } from './fixtures/sim.js';
import { WEATHER_PARAMS } from './fixtures/schemas.js';
import { useSimulator as useSharedSimulator } from './fixtures/sim.js';

const MODEL = 'claude-sonnet-4-6';
const HELLO: MessageParam[] = [{ role: 'user', content: 'Say hello in one sentence.' }];
const BASE: MessageCreateParamsNonStreaming = { model: MODEL, max_tokens: 1024, messages: HELLO };

/** This file's simulators pin seed 11. */
const useSimulator = (options: ConfigInput = {}): (() => Simulator) => useSharedSimulator({ seed: 11, ...options });

function clientFor(sim: Simulator, apiKey = 'k'): Anthropic {
  return new Anthropic({ baseURL: sim.url, apiKey, maxRetries: 0 });
}

function textOf(message: Message): string {
  return message.content
    .filter((b): b is TextBlock => b.type === 'text')
    .map((b) => b.text)
    .join('');
}

function toolUses(message: Message): ToolUseBlock[] {
  return message.content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
}

const ajv = new Ajv({ strict: false, allErrors: true });

const WEATHER_SCHEMA: Tool.InputSchema = WEATHER_PARAMS;
const TIME_SCHEMA: Tool.InputSchema = {
  type: 'object',
  properties: { timezone: { type: 'string', pattern: '^[A-Z][a-z]+/[A-Z][a-z]+$' } },
  required: ['timezone'],
  additionalProperties: false,
};
const WEATHER_TOOL: Tool = { name: 'get_weather', description: 'Forecast for a city', input_schema: WEATHER_SCHEMA };
const TIME_TOOL: Tool = { name: 'get_time', description: 'Local time in a timezone', input_schema: TIME_SCHEMA };
const validateWeather = ajv.compile(WEATHER_SCHEMA);
const validateTime = ajv.compile(TIME_SCHEMA);
const TOOL_PROMPT: MessageParam[] = [{ role: 'user', content: 'What is the weather and the time in Lisbon?' }];

function expectValidInput(block: ToolUseBlock): void {
  expect(block.id).toMatch(/^toolu_01[A-Za-z0-9]{22}$/);
  const validate = block.name === 'get_weather' ? validateWeather : validateTime;
  expect(validate(block.input), ajv.errorsText(validate.errors)).toBe(true);
}

interface WireEvent {
  readonly event: string | null;
  readonly data: Record<string, unknown>;
}

/** The SSE events exactly as sent, pings included (the SDK's iterator skips those). */
async function wireEvents(response: Response): Promise<WireEvent[]> {
  const events: WireEvent[] = [];
  for await (const sse of Stream.rawEvents(response)) events.push({ event: sse.event, data: JSON.parse(sse.data) as Record<string, unknown> });
  return events;
}

describe('@anthropic-ai/sdk against the simulator', () => {
  const sim = useSimulator();
  let client: Anthropic;
  beforeAll(() => {
    client = clientFor(sim());
  });

  describe('messages.create, non-streaming', () => {
    it('returns a message with text content, end_turn and full usage', async () => {
      const m = await client.messages.create(BASE);
      expect(m.id).toMatch(/^msg_01[A-Za-z0-9]{22}$/);
      expect(m.type).toBe('message');
      expect(m.role).toBe('assistant');
      expect(m.model).toBe(MODEL);
      expect(m.content).toHaveLength(1);
      expect(m.content[0]!.type).toBe('text');
      expect(textOf(m).length).toBeGreaterThan(0);
      expect(m.stop_reason).toBe('end_turn');
      expect(m.stop_sequence).toBeNull();
      expect(m.usage.input_tokens).toBeGreaterThan(0);
      expect(m.usage.output_tokens).toBeGreaterThan(0);
      expect(m.usage.cache_creation_input_tokens).toBe(0);
      expect(m.usage.cache_read_input_tokens).toBe(0);
      expect(m._request_id).toMatch(/^req_011C/);
    });

    it('echoes the requested model id, dated snapshots included', async () => {
      const m = await client.messages.create({ ...BASE, model: 'claude-haiku-4-5-20251001' });
      expect(m.model).toBe('claude-haiku-4-5-20251001');
    });

    it("sends Anthropic's headers, rate limits and the ground truth", async () => {
      const { data, response, request_id } = await client.messages.create(BASE).withResponse();
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('request-id')).toMatch(/^req_011C[A-Za-z0-9]{20}$/);
      expect(request_id).toBe(response.headers.get('request-id'));
      expect(data.type).toBe('message');
      for (const kind of ['requests', 'tokens', 'input-tokens', 'output-tokens']) {
        expect(Number(response.headers.get(`anthropic-ratelimit-${kind}-limit`))).toBeGreaterThan(0);
        expect(Number(response.headers.get(`anthropic-ratelimit-${kind}-remaining`))).toBeGreaterThan(0);
        expect(response.headers.get(`anthropic-ratelimit-${kind}-reset`)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      }
      expect(response.headers.get('x-understudy-entry')).toMatch(/\S/);
      expect(response.headers.get('x-understudy-ttft-ms')).toMatch(/^\d+\.\d$/);
      expect(response.headers.get('x-understudy-trace-id')).toMatch(/^trc_/);
    });

    it('accepts a system prompt as a string or as text blocks, and counts it', async () => {
      const plain = await client.messages.create(BASE);
      const system = 'You are a careful assistant who explains things step by step, with examples.';
      const asString = await client.messages.create({ ...BASE, system });
      const asBlocks = await client.messages.create({ ...BASE, system: [{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }] });
      expect(asString.usage.input_tokens).toBeGreaterThan(plain.usage.input_tokens + 10);
      expect(asBlocks.usage.input_tokens).toBe(asString.usage.input_tokens);
      expect(textOf(asBlocks).length).toBeGreaterThan(0);
    });

    it('cuts the answer at a small max_tokens with stop_reason max_tokens', async () => {
      const m = await client.messages.create({ ...BASE, max_tokens: 3 });
      expect(m.stop_reason).toBe('max_tokens');
      expect(m.usage.output_tokens).toBeLessThanOrEqual(3);
      expect(m.usage.output_tokens).toBeGreaterThan(0);
    });

    it('answers structured output (output_config.format) with JSON that validates against the schema', async () => {
      const m = await client.messages.create({ ...BASE, output_config: { format: { type: 'json_schema', schema: WEATHER_SCHEMA } } });
      const parsed: unknown = JSON.parse(textOf(m));
      expect(validateWeather(parsed), ajv.errorsText(validateWeather.errors)).toBe(true);
      expect(m.stop_reason).toBe('end_turn');
    });

    it('takes content blocks (text, image, tool_use, tool_result) and answers a tool result in text', async () => {
      const m = await client.messages.create({
        ...BASE,
        tools: [WEATHER_TOOL],
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is the weather in this picture?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            ],
          },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01abc', name: 'get_weather', input: { city: 'Lisbon' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01abc', content: [{ type: 'text', text: '21°C, sunny' }] }] },
        ],
      });
      expect(m.stop_reason).toBe('end_turn');
      expect(toolUses(m)).toEqual([]);
      expect(textOf(m).length).toBeGreaterThan(0);
      // The image counts as media, far more than its few bytes of text.
      expect(m.usage.input_tokens).toBeGreaterThan(1000);
    });
  });

  describe('messages.create({ stream: true })', () => {
    it('yields the events in order, with deltas of several tokens and cumulative usage', async () => {
      const stream = await client.messages.create({ ...BASE, stream: true });
      const events: RawMessageStreamEvent[] = [];
      for await (const e of stream) events.push(e);
      const types = events.map((e) => e.type);
      const deltas = types.filter((t) => t === 'content_block_delta').length;
      expect(deltas).toBeGreaterThan(0);
      expect(types).toEqual(['message_start', 'content_block_start', ...Array<string>(deltas).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop']);

      const start = events[0] as Extract<RawMessageStreamEvent, { type: 'message_start' }>;
      expect(start.message).toMatchObject({ type: 'message', role: 'assistant', model: MODEL, content: [], stop_reason: null, stop_sequence: null });
      expect(start.message.id).toMatch(/^msg_01/);
      expect(start.message.usage).toMatchObject({ output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
      expect(start.message.usage.input_tokens).toBeGreaterThan(0);

      let text = '';
      for (const e of events) {
        if (e.type === 'content_block_delta') {
          expect(e.index).toBe(0);
          expect(e.delta.type).toBe('text_delta');
          if (e.delta.type === 'text_delta') text += e.delta.text;
        }
      }
      expect(text.length).toBeGreaterThan(0);
      const delta = events.at(-2) as Extract<RawMessageStreamEvent, { type: 'message_delta' }>;
      expect(delta.delta).toEqual({ stop_reason: 'end_turn', stop_sequence: null });
      expect(delta.usage.output_tokens).toBeGreaterThan(1);
      // anthropic-* profiles send 2 to 8 tokens per event; only the last may carry fewer.
      expect(deltas).toBeLessThanOrEqual(Math.ceil(delta.usage.output_tokens / 2));
    });

    it('puts event: lines equal to data.type on the wire, with a ping after the first block opens', async () => {
      const response = await client.messages.create({ ...BASE, stream: true }).asResponse();
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('request-id')).toMatch(/^req_/);
      const events = await wireEvents(response);
      for (const e of events) expect(e.event).toBe(e.data.type);
      expect(events.slice(0, 3).map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'ping']);
      expect(events.filter((e) => e.event === 'ping')).toHaveLength(1);
      expect(events.at(-1)!.event).toBe('message_stop');
    });
  });

  describe('messages.stream() with a small max_tokens', () => {
    it('ends with stop_reason max_tokens and output_tokens at the limit', async () => {
      const final = await client.messages.stream({ ...BASE, max_tokens: 5 }).finalMessage();
      expect(final.stop_reason).toBe('max_tokens');
      expect(final.usage.output_tokens).toBe(5);
      expect(textOf(final).length).toBeGreaterThan(0);
    });
  });

  describe('messages.stream()', () => {
    it('emits text events that add up to finalMessage()', async () => {
      const stream = client.messages.stream(BASE);
      let streamed = '';
      stream.on('text', (delta) => {
        streamed += delta;
      });
      const final = await stream.finalMessage();
      expect(streamed.length).toBeGreaterThan(0);
      expect(textOf(final)).toBe(streamed);
      expect(await stream.finalText()).toBe(streamed);
      expect(final.stop_reason).toBe('end_turn');
      expect(final.usage.output_tokens).toBeGreaterThan(1);
    });
  });

  describe('tool use', () => {
    it("returns tool_use blocks whose input validates against the schema, for tool_choice 'any'", async () => {
      const m = await client.messages.create({ ...BASE, messages: TOOL_PROMPT, tools: [WEATHER_TOOL, TIME_TOOL], tool_choice: { type: 'any' } });
      expect(m.stop_reason).toBe('tool_use');
      const calls = toolUses(m);
      expect(calls.length).toBeGreaterThan(0);
      // A forced tool_choice goes straight to tool_use: no text block first.
      expect(calls).toHaveLength(m.content.length);
      for (const call of calls) {
        expect(['get_weather', 'get_time']).toContain(call.name);
        expectValidInput(call);
      }
    });

    it('calls the named tool, once when parallel use is disabled', async () => {
      const m = await client.messages.create({
        ...BASE,
        messages: TOOL_PROMPT,
        tools: [WEATHER_TOOL, TIME_TOOL],
        tool_choice: { type: 'tool', name: 'get_time', disable_parallel_tool_use: true },
      });
      const calls = toolUses(m);
      expect(calls).toHaveLength(1);
      expect(calls[0]!.name).toBe('get_time');
      expectValidInput(calls[0]!);
    });

    it("answers in text for tool_choice 'none'", async () => {
      const m = await client.messages.create({ ...BASE, messages: TOOL_PROMPT, tools: [WEATHER_TOOL], tool_choice: { type: 'none' } });
      expect(toolUses(m)).toEqual([]);
      expect(m.stop_reason).toBe('end_turn');
    });

    it('streams input_json_delta pieces that finalMessage() reassembles into the input object', async () => {
      const stream = client.messages.stream({ ...BASE, messages: TOOL_PROMPT, tools: [WEATHER_TOOL], tool_choice: { type: 'tool', name: 'get_weather' } });
      const pieces: string[] = [];
      stream.on('streamEvent', (e) => {
        if (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta') pieces.push(e.delta.partial_json);
      });
      const final = await stream.finalMessage();
      expect(final.stop_reason).toBe('tool_use');
      const calls = toolUses(final);
      expect(calls).toHaveLength(1);
      expectValidInput(calls[0]!);
      // The block's first fragment is empty, as Anthropic sends it; the rest carry several tokens each.
      expect(pieces[0]).toBe('');
      expect(pieces.length).toBeGreaterThan(2);
      expect(JSON.parse(pieces.join(''))).toEqual(calls[0]!.input);
    });
  });

  describe('extended thinking', () => {
    const THINKING: MessageCreateParamsNonStreaming = { ...BASE, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 1024 } };

    it('streams a thinking block (thinking_delta, then signature_delta) before the text block', async () => {
      const response = await client.messages.create({ ...THINKING, stream: true }).asResponse();
      const events = await wireEvents(response);
      const block0 = events.filter((e) => e.data.index === 0);
      expect(block0[0]!.data).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } });
      const kinds = block0.slice(1).map((e) => (e.data.delta as { type?: string } | undefined)?.type ?? e.event);
      expect(kinds.at(-1)).toBe('content_block_stop');
      expect(kinds.at(-2)).toBe('signature_delta');
      expect(kinds.slice(0, -2).every((k) => k === 'thinking_delta')).toBe(true);
      expect(kinds.length).toBeGreaterThan(2);
      const block1 = events.find((e) => e.event === 'content_block_start' && e.data.index === 1);
      expect(block1?.data.content_block).toEqual({ type: 'text', text: '' });
    });

    it('gives finalMessage() a signed thinking block and counts its tokens as output', async () => {
      const stream = client.messages.stream(THINKING);
      let thought = '';
      stream.on('thinking', (delta) => {
        thought += delta;
      });
      const final = await stream.finalMessage();
      expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text']);
      const thinking = final.content[0]!;
      if (thinking.type !== 'thinking') throw new Error('expected a thinking block');
      expect(thinking.thinking).toBe(thought);
      expect(thought.length).toBeGreaterThan(0);
      expect(thinking.signature.length).toBeGreaterThan(40);
      expect(final.usage.output_tokens).toBeGreaterThan(2);
    });

    it('returns the thinking block in a non-streaming message too, and for adaptive thinking', async () => {
      const m = await client.messages.create(THINKING);
      expect(m.content.map((b) => b.type)).toEqual(['thinking', 'text']);
      expect(m.stop_reason).toBe('end_turn');
      const adaptive = await client.messages.create({ ...BASE, thinking: { type: 'adaptive' } });
      expect(adaptive.content.map((b) => b.type)).toEqual(['thinking', 'text']);
      const off = await client.messages.create({ ...BASE, thinking: { type: 'disabled' } });
      expect(off.content.map((b) => b.type)).toEqual(['text']);
    });

    it('display "omitted" sends the thinking block with its signature and no text, still billed, streamed or not', async () => {
      const omitted: MessageCreateParamsNonStreaming = { ...THINKING, thinking: { type: 'enabled', budget_tokens: 1024, display: 'omitted' } };
      const m = await client.messages.create(omitted);
      const block = m.content[0]!;
      if (block.type !== 'thinking') throw new Error('expected a thinking block');
      expect(block.thinking).toBe('');
      expect(block.signature.length).toBeGreaterThan(40);
      expect(m.usage.output_tokens).toBeGreaterThan(textOf(m).split(' ').length);
      const events = await wireEvents(await client.messages.create({ ...omitted, stream: true }).asResponse());
      const kinds = events.filter((e) => e.data.index === 0).map((e) => (e.data.delta as { type?: string } | undefined)?.type ?? e.event);
      expect(kinds).toEqual(['content_block_start', 'signature_delta', 'content_block_stop']);
      const final = await client.messages.stream(omitted).finalMessage();
      expect(final.content[0]).toMatchObject({ type: 'thinking', thinking: '' });
    });

    it('thinks once per turn: no new thinking block after a tool result, unless interleaved thinking is on', async () => {
      const turn: MessageParam = {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'The user wants the weather in Lisbon.', signature: 'EqQBCkgIARABGAIiQ' },
          { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Lisbon', unit: 'celsius' } },
        ],
      };
      const followUp: MessageCreateParamsNonStreaming = {
        ...THINKING,
        tools: [WEATHER_TOOL],
        messages: [...TOOL_PROMPT, turn, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', content: '21°C, sunny' }] }],
      };
      const next = await client.messages.create(followUp);
      expect(next.content.some((b) => b.type === 'thinking')).toBe(false);
      const interleaved = await client.messages.create(followUp, { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } });
      expect(interleaved.content[0]!.type).toBe('thinking');
    });

    it('with interleaved thinking and tools, the budget may exceed max_tokens; without, that is refused', async () => {
      const big: MessageCreateParamsNonStreaming = { ...BASE, max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 4000 }, messages: TOOL_PROMPT, tools: [WEATHER_TOOL] };
      await expect(client.messages.create(big)).rejects.toMatchObject({ status: 400 });
      const m = await client.messages.create(big, { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } });
      expect(m.usage.output_tokens).toBeLessThanOrEqual(2000);
    });
  });

  describe('sampling parameters', () => {
    it('refuses temperature and top_p together on Claude 4.5 and later, as Anthropic does; either alone, or on older models, is taken', async () => {
      // This SDK's request type no longer lists the sampling fields, which the API still takes.
      const sampled = (fields: Record<string, unknown>): MessageCreateParamsNonStreaming => ({ ...BASE, ...fields });
      const err = await rejection(client.messages.create(sampled({ model: 'claude-haiku-4-5', temperature: 0.3, top_p: 0.9 })), Anthropic.BadRequestError);
      expect(err.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: '`temperature` and `top_p` cannot both be specified for this model. Please use only one.' } });
      expect((await client.messages.create(sampled({ model: 'claude-haiku-4-5', temperature: 0.3, top_k: 5 }))).content.length).toBeGreaterThan(0);
      expect((await client.messages.create(sampled({ model: 'claude-3-7-sonnet-20250219', temperature: 0.3, top_p: 0.9 }))).content.length).toBeGreaterThan(0);
      // With thinking, only the default temperature.
      const thinking = await rejection(client.messages.create(sampled({ temperature: 0.5, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 1024 } })), Anthropic.BadRequestError);
      expect(thinking.error).toMatchObject({ error: { message: '`temperature` may only be set to 1 when thinking is enabled or in adaptive mode' } });
      expect((await client.messages.create(sampled({ temperature: 1, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 1024 } }))).content[0]!.type).toBe('thinking');
    });
  });

  describe('messages.countTokens', () => {
    it('counts the same input tokens a message reports', async () => {
      const params = { model: MODEL, system: 'Be terse.', messages: TOOL_PROMPT, tools: [WEATHER_TOOL] };
      const counted = await client.messages.countTokens(params);
      expect(counted.input_tokens).toBeGreaterThan(300);
      const m = await client.messages.create({ ...params, max_tokens: 1024 });
      expect(m.usage.input_tokens).toBe(counted.input_tokens);
    });
  });

  describe('models', () => {
    it('lists the Claude models in Anthropic\'s shape', async () => {
      const ids: string[] = [];
      for await (const model of client.models.list()) {
        expect(model.type).toBe('model');
        expect(model.id).toMatch(/^claude-/);
        expect(model.display_name).toMatch(/^Claude /);
        expect(model.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
        ids.push(model.id);
      }
      expect(ids).toContain(MODEL);
    });

    it('pages with limit and after_id', async () => {
      const first = await client.models.list({ limit: 1 });
      expect(first.data).toHaveLength(1);
      expect(first.has_more).toBe(true);
      expect(first.first_id).toBe(first.data[0]!.id);
      const all: string[] = [];
      for await (const model of client.models.list({ limit: 1 })) all.push(model.id);
      expect(new Set(all).size).toBe(all.length);
      expect(all.length).toBeGreaterThan(1);
    });

    it('retrieves one model with every ModelInfo field, its limits the ones the simulator enforces', async () => {
      const model = await client.models.retrieve(MODEL);
      expect(model).toEqual({
        type: 'model',
        id: MODEL,
        display_name: 'Claude Sonnet 4.6',
        created_at: '2026-02-17T00:00:00Z',
        capabilities: null,
        deprecated_at: null,
        lifecycle: 'active',
        line: 'sonnet',
        max_input_tokens: 1_000_000,
        max_tokens: 128_000,
        retires_at: null,
      });
      await rejection(client.models.retrieve('claude-nonexistent'), Anthropic.NotFoundError);
    });

    it('resolves an alias to the dated model it names, and lists dated ids', async () => {
      expect(await client.models.retrieve('claude-opus-4-5')).toMatchObject({ id: 'claude-opus-4-5-20251101', display_name: 'Claude Opus 4.5', created_at: '2025-11-01T00:00:00Z', max_tokens: 64_000, max_input_tokens: 200_000 });
      expect((await client.models.retrieve('claude-haiku-4-5-20251001')).display_name).toBe('Claude Haiku 4.5');
      const ids: string[] = [];
      for await (const model of client.models.list()) ids.push(model.id);
      expect(ids).toContain('claude-opus-4-5-20251101');
      expect(ids).not.toContain('claude-opus-4-5');
    });

    it("still answers OpenAI's shape at /v1/models without anthropic-version", async () => {
      const res = await fetch(`${sim().url}/v1/models`);
      expect(((await res.json()) as { object: string }).object).toBe('list');
    });
  });

  describe('base URL with /v1 (as @ai-sdk/anthropic sets it)', () => {
    it('serves POST /messages and /messages/count_tokens', async () => {
      const headers = { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' };
      const res = await fetch(`${sim().url}/messages`, { method: 'POST', headers, body: JSON.stringify(BASE) });
      expect(res.status).toBe(200);
      const m = (await res.json()) as Message;
      expect(m.type).toBe('message');
      expect(textOf(m).length).toBeGreaterThan(0);
      const count = await fetch(`${sim().url}/messages/count_tokens`, { method: 'POST', headers, body: JSON.stringify({ model: MODEL, messages: HELLO }) });
      expect(await count.json()).toEqual({ input_tokens: m.usage.input_tokens });
    });
  });

  describe('errors', () => {
    it('throws BadRequestError with Anthropic\'s exact body when max_tokens is missing', async () => {
      // @ts-expect-error max_tokens is required
      const err = await rejection(client.messages.create({ model: MODEL, messages: HELLO }), Anthropic.BadRequestError);
      expect(err.status).toBe(400);
      expect(err.error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' }, request_id: err.requestID });
      expect(err.requestID).toMatch(/^req_/);
    });

    it("throws BadRequestError 'prompt is too long' past the 200,000-token window; count_tokens still counts", async () => {
      const messages = [{ role: 'user' as const, content: 'word '.repeat(210_000) }];
      const err = await rejection(client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages }), Anthropic.BadRequestError);
      const body = err.error as { error: { type: string; message: string } };
      expect(body.error.type).toBe('invalid_request_error');
      const n = Number(/^prompt is too long: (\d+) tokens > 200000 maximum$/.exec(body.error.message)?.[1]);
      expect(n).toBeGreaterThan(210_000);
      const counted = await client.messages.countTokens({ model: 'claude-haiku-4-5', messages });
      expect(counted.input_tokens).toBe(n);
    });

    it('throws BadRequestError naming the model when max_tokens is past its output limit', async () => {
      // Streamed: the SDK refuses on its own a non-streaming request with this large a max_tokens.
      const err = await rejection(client.messages.create({ model: 'claude-haiku-4-5-20251001', max_tokens: 64_001, messages: HELLO, stream: true }), Anthropic.BadRequestError);
      expect(err.status).toBe(400);
      expect(err.error).toEqual({
        type: 'error',
        error: { type: 'invalid_request_error', message: 'max_tokens: 64001 > 64000, which is the maximum allowed number of output tokens for claude-haiku-4-5-20251001' },
        request_id: err.requestID,
      });
      // Claude 3.7 Sonnet writes up to 128,000 behind a beta header the simulator does not read: only past that is it refused.
      const beta = await client.messages.create({ model: 'claude-3-7-sonnet-20250219', max_tokens: 100_000, messages: HELLO, stream: true });
      for await (const event of beta) void event;
      const over = await rejection(client.messages.create({ model: 'claude-3-7-sonnet-20250219', max_tokens: 128_001, messages: HELLO, stream: true }), Anthropic.BadRequestError);
      expect((over.error as { error: { message: string } }).error.message).toBe('max_tokens: 128001 > 64000, which is the maximum allowed number of output tokens for claude-3-7-sonnet-20250219');
    });

    it('streams nothing and throws BadRequestError for a bad streaming request', async () => {
      const err = await rejection(client.messages.stream({ ...BASE, messages: [] }).finalMessage(), Anthropic.BadRequestError);
      expect(err.message).toContain('messages: at least one message is required');
    });
  });

  describe('with apiKeys configured', () => {
    const keyed = useSimulator({ apiKeys: ['sk-ant-good'] });

    it('throws AuthenticationError for a bad key', async () => {
      const err = await rejection(clientFor(keyed(), 'sk-ant-bad').messages.create(BASE), Anthropic.AuthenticationError);
      expect(err.status).toBe(401);
      expect(err.error).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
    });

    it('accepts the key as x-api-key or as a bearer token', async () => {
      expect((await clientFor(keyed(), 'sk-ant-good').messages.create(BASE)).type).toBe('message');
      const bearer = new Anthropic({ baseURL: keyed().url, authToken: 'sk-ant-good', apiKey: null, maxRetries: 0 });
      expect((await bearer.messages.create(BASE)).type).toBe('message');
    });
  });

  describe('with strictModels', () => {
    const strict = useSimulator({ strictModels: true });

    it('throws NotFoundError for an unknown model, and serves a known one', async () => {
      const client = clientFor(strict());
      const err = await rejection(client.messages.create({ ...BASE, model: 'claude-nonexistent-9' }), Anthropic.NotFoundError);
      expect(err.error).toMatchObject({ type: 'error', error: { type: 'not_found_error', message: 'model: claude-nonexistent-9' } });
      expect((await client.messages.create(BASE)).model).toBe(MODEL);
    });
  });
});
