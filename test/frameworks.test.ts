/**
 * The frameworks the README names, against the real server: the Vercel AI SDK (ai 6) through its
 * OpenAI (Responses and Chat Completions), Anthropic and Gemini providers, and LangChain.js's
 * ChatOpenAI and ChatAnthropic. The AI SDK parses every response and SSE chunk with zod schemas
 * and reports a chunk that fails them as an `error` part (or drops it), so a field the official
 * SDKs tolerate missing or mistyped shows up here as a failure a user of the framework would see.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { ChatAnthropic } from '@langchain/anthropic';
import type { AIMessageChunk } from '@langchain/core/messages';
import { tool as lcTool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { APICallError, embedMany, generateObject, generateText, RetryError, stepCountIs, streamObject, streamText, tool, type LanguageModel } from 'ai';
import type { ProviderOptions } from '@ai-sdk/provider-utils';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Simulator } from '../src/index.js';
import { tempFile, useSimulator } from './fixtures/sim.js';

const WEATHER_INPUT = z.object({
  city: z.string().min(1),
  unit: z.enum(['celsius', 'fahrenheit']),
  days: z.number().int().min(1).max(7),
});
const RECIPE = z.object({
  name: z.string(),
  servings: z.number().int(),
  ingredients: z.array(z.object({ item: z.string(), grams: z.number() })),
  vegetarian: z.boolean(),
});
/**
 * WEATHER_INPUT as @ai-sdk/google sends it: its conversion to Gemini's schema keeps minLength and
 * enums but drops minimum and maximum, so the API (real or simulated) is never told days is 1 to 7,
 * and the SDK then refuses a call with days: 59 as an invalid tool input. Not the wire format's doing.
 */
const WEATHER_INPUT_AS_GOOGLE_SENDS = WEATHER_INPUT.extend({ days: z.number().int() });
const PROMPT = 'Say hello in one sentence.';

/** Every fullStream part of a streamText call, with the `error` parts (unparseable chunks among them) apart. */
async function drain(stream: AsyncIterable<{ type: string; error?: unknown }>): Promise<{ parts: { type: string }[]; errors: unknown[] }> {
  const parts: { type: string }[] = [];
  const errors: unknown[] = [];
  for await (const part of stream) {
    parts.push(part);
    if (part.type === 'error') errors.push(part.error);
  }
  return { parts, errors };
}

interface Target {
  readonly name: string;
  /** The provider's model `id` (`modelId` when absent), through the framework's own client. */
  readonly model: (sim: Simulator, options?: { fetch?: typeof globalThis.fetch; id?: string }) => LanguageModel;
  readonly modelId: string;
  /** A model whose corpus holds turns with several tool calls. */
  readonly parallelModelId: string;
  /** A model that reasons, and the provider options that have its reasoning sent. */
  readonly reasoning: { readonly id: string; readonly providerOptions: ProviderOptions };
  /** A corpus entry of the model far longer than 20 tokens, to be cut. */
  readonly longEntry: string;
  /** The fault that overloads the provider and the status it answers with. */
  readonly overloaded: { readonly fault: string; readonly status: number };
  /** The tool's input schema as the provider can send it. */
  readonly toolInput: typeof WEATHER_INPUT | typeof WEATHER_INPUT_AS_GOOGLE_SENDS;
}

const TARGETS: readonly Target[] = [
  {
    name: 'OpenAI Responses (openai(...))',
    model: (sim, o = {}) => createOpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-test', fetch: o.fetch })(o.id ?? 'gpt-4o-mini'),
    modelId: 'gpt-4o-mini',
    parallelModelId: 'gpt-4o',
    longEntry: 'gpt-4o-mini-text-002',
    reasoning: { id: 'gpt-5', providerOptions: { openai: { reasoningSummary: 'auto', reasoningEffort: 'low' } } },
    overloaded: { fault: 'overloaded_529', status: 503 },
    toolInput: WEATHER_INPUT,
  },
  {
    name: 'OpenAI Chat Completions (openai.chat(...))',
    model: (sim, o = {}) => createOpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-test', fetch: o.fetch }).chat(o.id ?? 'gpt-4o-mini'),
    modelId: 'gpt-4o-mini',
    parallelModelId: 'gpt-4o',
    longEntry: 'gpt-4o-mini-text-002',
    // Chat Completions sends no reasoning text: the reasoning is in the usage only.
    reasoning: { id: 'o4-mini', providerOptions: { openai: { reasoningEffort: 'low' } } },
    overloaded: { fault: 'overloaded_529', status: 503 },
    toolInput: WEATHER_INPUT,
  },
  {
    name: 'Anthropic Messages',
    model: (sim, o = {}) => createAnthropic({ baseURL: `${sim.url}/v1`, apiKey: 'sk-ant-test', fetch: o.fetch })(o.id ?? 'claude-sonnet-4-6'),
    modelId: 'claude-sonnet-4-6',
    parallelModelId: 'claude-sonnet-4-5',
    longEntry: 'claude-sonnet-4-6-text-048',
    reasoning: { id: 'claude-sonnet-4-6', providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 2048 } } } },
    overloaded: { fault: 'overloaded_529', status: 529 },
    toolInput: WEATHER_INPUT,
  },
  {
    name: 'Gemini',
    model: (sim, o = {}) => createGoogleGenerativeAI({ baseURL: `${sim.url}/v1beta`, apiKey: 'test', fetch: o.fetch })(o.id ?? 'gemini-2.5-flash'),
    modelId: 'gemini-2.5-flash',
    parallelModelId: 'gemini-2.5-flash',
    longEntry: 'gemini-2.5-flash-text-006',
    reasoning: { id: 'gemini-2.5-flash', providerOptions: { google: { thinkingConfig: { includeThoughts: true } } } },
    overloaded: { fault: 'overloaded_529', status: 503 },
    toolInput: WEATHER_INPUT_AS_GOOGLE_SENDS,
  },
];

describe.each(TARGETS)('Vercel AI SDK, $name', (target) => {
  const getSim = useSimulator();
  let model: LanguageModel;
  beforeAll(() => {
    model = target.model(getSim());
  });

  it('generateText and streamText of one corpus entry give the same text, finish reason and usage, and no error part', async () => {
    const generated = await generateText({ model, prompt: PROMPT, maxRetries: 0 });
    expect(generated.text.length).toBeGreaterThan(0);
    expect(generated.finishReason).toBe('stop');
    expect(generated.warnings).toEqual([]);
    expect(generated.usage.inputTokens).toBeGreaterThan(0);
    expect(generated.usage.outputTokens).toBeGreaterThan(0);
    expect(generated.usage.totalTokens).toBe(generated.usage.inputTokens! + generated.usage.outputTokens!);
    const entry = generated.response.headers?.['x-understudy-entry'];
    expect(entry).toMatch(/\S/);

    const streamed = streamText({ model, prompt: PROMPT, maxRetries: 0, headers: { 'x-understudy-entry': entry! } });
    const { parts, errors } = await drain(streamed.fullStream);
    expect(errors).toEqual([]);
    expect(parts.filter((p) => p.type === 'text-delta').length).toBeGreaterThan(0);
    expect(await streamed.text).toBe(generated.text);
    expect(await streamed.finishReason).toBe('stop');
    const usage = await streamed.totalUsage;
    expect(usage.inputTokens).toBe(generated.usage.inputTokens);
    // The answer's tokens, not the output's: a thinking model (gemini-2.5-flash) reasons for a
    // number of tokens drawn per request, which the pinned entry does not fix, as on the real API.
    expect(usage.outputTokenDetails.textTokens).toBe(generated.usage.outputTokenDetails.textTokens);
    expect(usage.totalTokens).toBe(usage.inputTokens! + usage.outputTokens!);
  });

  it('an answer cut at maxOutputTokens finishes with length, generated and streamed', async () => {
    // 20: the Responses API refuses a max_output_tokens under 16. Gemini 2.5 Flash's thoughts
    // count against the limit too, so its cut may come before any text.
    const request = { model, prompt: PROMPT, maxOutputTokens: 20, maxRetries: 0, headers: { 'x-understudy-entry': target.longEntry } };
    const generated = await generateText(request);
    expect(generated.finishReason).toBe('length');
    expect(generated.usage.outputTokens).toBe(20);
    const streamed = streamText(request);
    const { errors } = await drain(streamed.fullStream);
    expect(errors).toEqual([]);
    expect(await streamed.finishReason).toBe('length');
    expect((await streamed.totalUsage).outputTokens).toBe(20);
    expect(await streamed.text).toBe(generated.text);
  });

  it('a forced tool call is parsed into the zod schema, generated and streamed', async () => {
    const request = { model, prompt: 'What is the weather in Lisbon?', tools: { get_weather: tool({ description: 'Forecast for a city', inputSchema: target.toolInput }) }, toolChoice: { type: 'tool', toolName: 'get_weather' }, maxRetries: 0 } as const;
    // Chat Completions ends a named function's call with finish_reason "stop", which the SDK reads as 'stop'.
    const forcedFinish = target.name.startsWith('OpenAI Chat') ? 'stop' : 'tool-calls';
    const generated = await generateText(request);
    expect(generated.finishReason).toBe(forcedFinish);
    expect(generated.toolCalls).toHaveLength(1);
    const [call] = generated.toolCalls;
    expect(call!.toolName).toBe('get_weather');
    expect(call!.invalid).toBeFalsy();
    expect(target.toolInput.parse(call!.input)).toEqual(call!.input);
    expect(call!.toolCallId).toMatch(/\S/);

    const streamed = streamText(request);
    const { parts, errors } = await drain(streamed.fullStream);
    expect(errors).toEqual([]);
    const calls = await streamed.toolCalls;
    expect(calls).toHaveLength(1);
    expect(calls[0]!.invalid).toBeFalsy();
    expect(target.toolInput.parse(calls[0]!.input)).toEqual(calls[0]!.input);
    expect(parts.some((p) => p.type === 'tool-input-start')).toBe(true);
    expect(await streamed.finishReason).toBe(forcedFinish);
  });

  it('several tool calls in one streamed turn are each parsed', async () => {
    const tools = {
      get_weather: tool({ description: 'Forecast for a city', inputSchema: target.toolInput }),
      get_time: tool({ description: 'Local time in a timezone', inputSchema: z.object({ timezone: z.string() }) }),
    };
    const parallelModel = target.model(getSim(), { id: target.parallelModelId });
    // Whether a turn holds several calls is the sampled entry's; a few turns find one.
    let several = 0;
    for (let i = 0; i < 10 && several === 0; i++) {
      const streamed = streamText({ model: parallelModel, prompt: 'Weather and time in Lisbon?', tools, toolChoice: 'required', maxRetries: 0 });
      const { errors } = await drain(streamed.fullStream);
      expect(errors).toEqual([]);
      const calls = await streamed.toolCalls;
      for (const call of calls) expect(call.invalid, String(call.error)).toBeFalsy();
      expect(new Set(calls.map((c) => c.toolCallId)).size).toBe(calls.length);
      if (calls.length > 1) several++;
    }
    expect(several).toBe(1);
  });

  it('a tool loop sends the tool result back and the next turn answers in text', async () => {
    const executed: unknown[] = [];
    const tools = { get_weather: tool({ description: 'Forecast for a city', inputSchema: target.toolInput, execute: (input) => (executed.push(input), { tempC: 21 }) }) };
    const streamed = streamText({ model, prompt: 'What is the weather in Lisbon?', tools, toolChoice: 'auto', stopWhen: stepCountIs(3), maxRetries: 0, prepareStep: ({ stepNumber }) => (stepNumber === 0 ? { toolChoice: 'required' } : {}) });
    const { errors } = await drain(streamed.fullStream);
    expect(errors).toEqual([]);
    const steps = await streamed.steps;
    expect(steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
    expect(executed).toHaveLength(1);
    expect((await streamed.text).length).toBeGreaterThan(0);
  });

  it('the reasoning of a model that reasons comes through, generated and streamed', async () => {
    const { id, providerOptions } = target.reasoning;
    const reasoner = target.model(getSim(), { id });
    const generated = await generateText({ model: reasoner, prompt: PROMPT, providerOptions, maxRetries: 0 });
    expect(generated.text.length).toBeGreaterThan(0);
    const streamed = streamText({ model: reasoner, prompt: PROMPT, providerOptions, maxRetries: 0 });
    const { parts, errors } = await drain(streamed.fullStream);
    expect(errors).toEqual([]);
    expect((await streamed.text).length).toBeGreaterThan(0);
    const usage = await streamed.totalUsage;
    if (id === 'o4-mini') {
      expect(generated.usage.outputTokenDetails.reasoningTokens).toBeGreaterThan(0);
      expect(usage.outputTokenDetails.reasoningTokens).toBeGreaterThan(0);
    } else {
      expect(generated.reasoningText?.length).toBeGreaterThan(0);
      expect(parts.some((p) => p.type === 'reasoning-delta')).toBe(true);
      expect((await streamed.reasoningText)?.length).toBeGreaterThan(0);
    }
  });

  it('generateObject and streamObject return an object of the zod schema', async () => {
    const generated = await generateObject({ model, schema: RECIPE, prompt: 'A recipe for pancakes.', maxRetries: 0 });
    expect(RECIPE.parse(generated.object)).toEqual(generated.object);
    expect(generated.finishReason).toBe('stop');

    const errors: unknown[] = [];
    const streamed = streamObject({ model, schema: RECIPE, prompt: 'A recipe for pancakes.', maxRetries: 0, onError: ({ error }) => void errors.push(error) });
    // streamObject's promises settle as its stream is read.
    let partials = 0;
    for await (const partial of streamed.partialObjectStream) if (partial) partials++;
    expect(partials).toBeGreaterThan(0);
    const object = await streamed.object;
    expect(errors).toEqual([]);
    expect(RECIPE.parse(object)).toEqual(object);
  });

  it('an injected 429 and an overload are APICallErrors with the status, retryable', async () => {
    for (const [fault, status] of [['rate_limit', 429], ['server_error_500', 500], [target.overloaded.fault, target.overloaded.status]] as const) {
      const err = await generateText({ model, prompt: PROMPT, maxRetries: 0, headers: { 'x-understudy-fault': fault } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(APICallError.isInstance(err), `${fault}: ${String(err)}`).toBe(true);
      expect((err as APICallError).statusCode).toBe(status);
      expect((err as APICallError).isRetryable).toBe(true);
      expect((err as APICallError).message.length).toBeGreaterThan(0);
    }
  });

  it('a stream broken after it started ends in an error part, not a parse failure', async () => {
    // onError: streamText logs an error part to the console unless the caller takes it.
    const streamed = streamText({ model, prompt: PROMPT, maxRetries: 0, headers: { 'x-understudy-fault': 'stream_overloaded' }, onError: () => {} });
    const { errors } = await drain(streamed.fullStream);
    expect(errors).toHaveLength(1);
    // The provider's in-stream error, as the framework reads it from the real API: not a zod
    // type-validation error about the chunk's shape.
    expect(String((errors[0] as Error).message ?? JSON.stringify(errors[0]))).not.toMatch(/Type validation failed|Invalid JSON/);
  });
});

describe('Vercel AI SDK embeddings', () => {
  const getSim = useSimulator();

  it('embedMany through the OpenAI and Gemini providers gives a vector of the model\'s size per value', async () => {
    const sim = getSim();
    const openaiEmbedding = createOpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-test' }).embedding('text-embedding-3-small');
    const geminiEmbedding = createGoogleGenerativeAI({ baseURL: `${sim.url}/v1beta`, apiKey: 'test' }).textEmbeddingModel('gemini-embedding-001');
    const fromOpenAI = await embedMany({ model: openaiEmbedding, values: ['a', 'b'], maxRetries: 0 });
    expect(fromOpenAI.embeddings.map((e) => e.length)).toEqual([1536, 1536]);
    expect(fromOpenAI.usage.tokens).toBeGreaterThan(0);
    const fromGemini = await embedMany({ model: geminiEmbedding, values: ['a', 'b'], maxRetries: 0 });
    expect(fromGemini.embeddings.map((e) => e.length)).toEqual([3072, 3072]);
    expect(fromGemini.embeddings[0]).not.toEqual(fromGemini.embeddings[1]);
  });
});

describe('Vercel AI SDK retries honour the simulator\'s retry-after', () => {
  // A phase aimed at one header: only a request that carries it is rate-limited, with a short retry-after.
  const getSim = useSimulator({
    scenario: tempFile('storm.json', {
      name: 'storm',
      phases: [{ name: 'all', target: { header: { name: 'x-storm', value: 'on' } }, faults: [{ kind: 'rate_limit', retryAfterMs: 40 }] }],
    }),
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /**
   * The delays the SDK waits between attempts, read from the timers it sets: its retry-after delay
   * or its own backoff (2 s first), told apart from the HTTP client's timers by those values.
   */
  function retryDelays(spy: { mock: { calls: unknown[][] } }): unknown[] {
    // Not 4 s: undici arms its 4 s keep-alive timer on each connection.
    return spy.mock.calls.map((c) => c[1]).filter((ms) => ms === 40 || ms === 2000);
  }

  for (const target of TARGETS.filter((t) => !t.name.startsWith('Gemini'))) {
    it(`${target.name}: every attempt 429 ends in a RetryError after waiting retry-after-ms each time`, async () => {
      const timers = vi.spyOn(globalThis, 'setTimeout');
      const err = await generateText({ model: target.model(getSim()), prompt: PROMPT, maxRetries: 2, headers: { 'x-storm': 'on' } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(RetryError.isInstance(err), String(err)).toBe(true);
      const retry = err as RetryError;
      expect(retry.reason).toBe('maxRetriesExceeded');
      expect(retry.errors).toHaveLength(3);
      for (const e of retry.errors) expect((e as APICallError).statusCode).toBe(429);
      // 40 ms from retry-after-ms, not the SDK's own 2 s and 4 s backoff.
      expect(retryDelays(timers)).toEqual([40, 40]);
    });

    it(`${target.name}: a 429 then an answer: the retry succeeds`, async () => {
      let calls = 0;
      const firstStorms: typeof globalThis.fetch = (input, init) => {
        calls++;
        const headers = new Headers(init?.headers);
        if (calls === 1) headers.set('x-storm', 'on');
        return globalThis.fetch(input, { ...init, headers });
      };
      const result = await generateText({ model: target.model(getSim(), { fetch: firstStorms }), prompt: PROMPT, maxRetries: 2 });
      expect(calls).toBe(2);
      expect(result.text.length).toBeGreaterThan(0);
    });
  }
});

describe('LangChain.js retries', () => {
  // LangChain retries in its own AsyncCaller (the SDK client under it gets maxRetries 0): a 429
  // with a retry-after is waited out, at least its p-retry backoff of 1 to 2 s; a 429 whose code
  // is insufficient_quota is not retried.
  const getSim = useSimulator();
  /** A fetch that sends `fault` on the first request only, counting requests. */
  function faultFirst(fault: string): { fetch: typeof globalThis.fetch; calls: () => number } {
    let calls = 0;
    return {
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        if (calls++ === 0) headers.set('x-understudy-fault', fault);
        return globalThis.fetch(input, { ...init, headers });
      },
      calls: () => calls,
    };
  }

  it('ChatOpenAI retries an injected 429 and answers; insufficient_quota is not retried', async () => {
    const limited = faultFirst('rate_limit');
    const chat = (fetch: typeof globalThis.fetch) => new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'sk-test', configuration: { baseURL: `${getSim().url}/v1`, fetch }, maxRetries: 2 });
    expect((await chat(limited.fetch).invoke(PROMPT)).text.length).toBeGreaterThan(0);
    expect(limited.calls()).toBe(2);

    const quota = faultFirst('quota_exhausted');
    const err = await chat(quota.fetch).invoke(PROMPT).then(
      () => undefined,
      (e: unknown) => e as { name?: string; status?: number },
    );
    expect(err).toMatchObject({ name: 'InsufficientQuotaError', status: 429 });
    expect(quota.calls()).toBe(1);
  });

  it('ChatAnthropic retries an injected 529 and answers', async () => {
    const overloaded = faultFirst('overloaded_529');
    const chat = new ChatAnthropic({ model: 'claude-sonnet-4-6', apiKey: 'sk-ant-test', anthropicApiUrl: getSim().url, clientOptions: { fetch: overloaded.fetch }, maxRetries: 2 });
    expect((await chat.invoke(PROMPT)).text.length).toBeGreaterThan(0);
    expect(overloaded.calls()).toBe(2);
  });
});

describe('LangChain.js', () => {
  const getSim = useSimulator();
  const lcWeather = lcTool(() => 'sunny', { name: 'get_weather', description: 'Forecast for a city', schema: WEATHER_INPUT });

  const chats = [
    { name: 'ChatOpenAI, Chat Completions', make: (sim: Simulator, defaultHeaders: Record<string, string> = {}) => new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'sk-test', configuration: { baseURL: `${sim.url}/v1`, defaultHeaders }, maxRetries: 0 }) },
    { name: 'ChatOpenAI, Responses', make: (sim: Simulator, defaultHeaders: Record<string, string> = {}) => new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'sk-test', configuration: { baseURL: `${sim.url}/v1`, defaultHeaders }, maxRetries: 0, useResponsesApi: true }) },
    { name: 'ChatAnthropic', make: (sim: Simulator, defaultHeaders: Record<string, string> = {}) => new ChatAnthropic({ model: 'claude-sonnet-4-6', apiKey: 'sk-ant-test', anthropicApiUrl: sim.url, clientOptions: { defaultHeaders }, maxRetries: 0 }) },
  ];

  describe.each(chats)('$name', ({ make }) => {
    it('invoke and stream give text and usage metadata', async () => {
      const chat = make(getSim());
      const reply = await chat.invoke(PROMPT);
      expect(reply.text.length).toBeGreaterThan(0);
      expect(reply.usage_metadata?.input_tokens).toBeGreaterThan(0);
      expect(reply.usage_metadata?.output_tokens).toBeGreaterThan(0);

      let merged: AIMessageChunk | undefined;
      for await (const chunk of await chat.stream(PROMPT)) merged = merged ? merged.concat(chunk) : chunk;
      expect(merged!.text.length).toBeGreaterThan(0);
      expect(merged!.usage_metadata?.output_tokens).toBeGreaterThan(0);
    });

    it('a bound tool is called with arguments of its schema', async () => {
      const chat = make(getSim()).bindTools([lcWeather], { tool_choice: 'get_weather' });
      const reply = await chat.invoke('What is the weather in Lisbon?');
      expect(reply.tool_calls).toHaveLength(1);
      expect(reply.tool_calls![0]!.name).toBe('get_weather');
      expect(WEATHER_INPUT.parse(reply.tool_calls![0]!.args)).toEqual(reply.tool_calls![0]!.args);
    });

    it('withStructuredOutput returns an object of the schema', async () => {
      const chat = make(getSim()).withStructuredOutput(RECIPE);
      const recipe = await chat.invoke('A recipe for pancakes.');
      expect(RECIPE.parse(recipe)).toEqual(recipe);
    });

    it('an injected 429 is an error with status 429', async () => {
      const chat = make(getSim(), { 'x-understudy-fault': 'rate_limit' });
      const err = await chat.invoke(PROMPT).then(
        () => undefined,
        (e: unknown) => e as { status?: number },
      );
      expect(err?.status).toBe(429);
    });
  });
});
