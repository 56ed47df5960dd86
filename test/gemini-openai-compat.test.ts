/**
 * Gemini's OpenAI-compatible endpoint (`https://generativelanguage.googleapis.com/v1beta/openai/`),
 * which LangChain's ChatOpenAI, the AI SDK's openai-compatible provider and LiteLLM reach Gemini
 * through, driven with the official openai SDK. Before, every path under `/v1beta/openai/` was a
 * 404. Google's compat layer answers failures in its own shape, wrapped in a JSON array
 * (`[{"error":{"code":400,…,"status":"INVALID_ARGUMENT"}}]`): a wrong key is a 400, not a 401.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { rejection, useSimulator } from './fixtures/sim.js';

const speed = 0.01;
const sim = useSimulator({ speed, seed: 17, apiKeys: ['gemini-key'] });
const strictSim = useSimulator({ strictModels: true });
const quotaSim = useSimulator({ quota: 'gemini-free' });
const client = (apiKey = 'gemini-key'): OpenAI => new OpenAI({ apiKey, baseURL: `${sim().url}/v1beta/openai/`, maxRetries: 0 });

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

describe("Gemini's OpenAI-compatible endpoint", () => {
  it('answers a chat completion with content and usage, naming the model as given', async () => {
    const res = await client().chat.completions.create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'Say hello' }] });
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('gemini-2.0-flash');
    expect(res.choices[0]!.message.role).toBe('assistant');
    expect(res.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(res.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
  });

  it('streams chunks and [DONE], with usage when stream_options asks for it', async () => {
    const stream = await client().chat.completions.create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'Say hello' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(finish).toBe('stop');
    expect(usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('calls a tool', async () => {
    const res = await client().chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }],
      tool_choice: 'required',
    });
    const call = res.choices[0]!.message.tool_calls![0]!;
    expect(call.type).toBe('function');
    expect(call.type === 'function' && call.function.name).toBe('get_weather');
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it("embeds with Gemini's embedding models, at their sizes", async () => {
    const res = await client().embeddings.create({ model: 'gemini-embedding-001', input: ['one text', 'another'] });
    expect(res.data).toHaveLength(2);
    expect(res.data[0]!.embedding).toHaveLength(3072);
    const small = await client().embeddings.create({ model: 'text-embedding-004', input: 'one text' });
    expect(small.data[0]!.embedding).toHaveLength(768);
  });

  it('lists and retrieves models by their `models/` names', async () => {
    const ids: string[] = [];
    for await (const m of client().models.list()) ids.push(m.id);
    expect(ids).toContain('models/gemini-2.5-flash');
    expect(ids).toContain('models/gemini-embedding-001');
    expect(ids.every((id) => id.startsWith('models/'))).toBe(true);
    const one = await client().models.retrieve('gemini-2.5-flash');
    expect(one.id).toBe('models/gemini-2.5-flash');
    expect(one.object).toBe('model');
  });

  it('refuses a wrong key with a 400 (BadRequestError) in Google\'s array shape', async () => {
    const err = await rejection(client('wrong-key').chat.completions.create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }] }), OpenAI.BadRequestError);
    expect(err.status).toBe(400);
    // The array has no `error` field for the Node SDK to read, so it reports the status alone (as it does against Google).
    expect(err.error).toBeUndefined();
    const raw = await fetch(`${sim().url}/v1beta/openai/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-key' },
      body: JSON.stringify({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = (await raw.json()) as { error: { code: number; status: string; message: string } }[];
    expect(Array.isArray(body)).toBe(true);
    expect(body[0]!.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', message: 'API key not valid. Please pass a valid API key.' });
  });

  it('with --strict-models, an unknown model is a 404 (NotFoundError) in Gemini\'s words', async () => {
    const strict = new OpenAI({ apiKey: 'gemini-key', baseURL: `${strictSim().url}/v1beta/openai/`, maxRetries: 0 });
    const missing = await rejection(strict.chat.completions.create({ model: 'gemini-0-nonexistent', messages: [{ role: 'user', content: 'hi' }] }), OpenAI.NotFoundError);
    expect(missing.status).toBe(404);
    const raw = await fetch(`${strictSim().url}/v1beta/openai/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer gemini-key' },
      body: JSON.stringify({ model: 'gemini-0-nonexistent', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = (await raw.json()) as { error: { status: string; message: string } }[];
    expect(body[0]!.error.status).toBe('NOT_FOUND');
    expect(body[0]!.error.message).toContain('models/gemini-0-nonexistent is not found for API version v1beta');
  });

  it('refuses thinking off for 2.5 Pro, and reasoning_effort with thinking_config, as 400s', async () => {
    const off = await rejection(client().chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'none' }), OpenAI.BadRequestError);
    expect(off.status).toBe(400);
    const both = { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'low', extra_body: { google: { thinking_config: { thinking_budget: 0 } } } };
    const raw = await fetch(`${sim().url}/v1beta/openai/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer gemini-key' }, body: JSON.stringify(both) });
    expect(raw.status).toBe(400);
    const body = (await raw.json()) as { error: { status: string } }[];
    expect(body[0]!.error.status).toBe('INVALID_ARGUMENT');
    expect(raw.headers.get('openai-version')).toBeNull();
  });

  it("an injected rate limit is Gemini's RESOURCE_EXHAUSTED 429, in the array, and the SDK raises RateLimitError", async () => {
    const err = await rejection(
      client().chat.completions.create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-understudy-fault': 'rate_limit' } }),
      OpenAI.RateLimitError,
    );
    expect(err.status).toBe(429);
    const raw = await fetch(`${sim().url}/v1beta/openai/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer gemini-key', 'x-understudy-fault': 'rate_limit' },
      body: JSON.stringify({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = (await raw.json()) as { error: { status: string } }[];
    expect(body[0]!.error.status).toBe('RESOURCE_EXHAUSTED');
  });

  it("a chaos scenario aimed at the gemini dialect strikes these routes, in Gemini's shape, and not OpenAI's /v1", async () => {
    const url = strictSim().url;
    const scenario = { name: 'gemini-500', phases: [{ name: 'all', target: { dialects: ['gemini'] }, faults: [{ kind: 'server_error_500' }] }] };
    const loaded = await fetch(`${url}/_understudy/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(scenario) });
    expect(loaded.status).toBe(200);
    try {
      const raw = await fetch(`${url}/v1beta/openai/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer gemini-key' },
        body: JSON.stringify({ model: 'gemini-2.5-flash-lite', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(raw.status).toBe(500);
      const body = (await raw.json()) as { error: { status: string } }[];
      expect(body[0]!.error.status).toBe('INTERNAL');
      const openai = new OpenAI({ apiKey: 'k', baseURL: `${url}/v1`, maxRetries: 0 });
      const res = await openai.chat.completions.create({ model: 'gemini-2.5-flash-lite', messages: [{ role: 'user', content: 'hi' }] });
      expect(res.choices[0]!.message.content!.length).toBeGreaterThan(0);
    } finally {
      await fetch(`${url}/_understudy/scenario`, { method: 'DELETE' });
    }
  });

  it("counts against the gemini-free quota with native Gemini calls on the same key, refusing in Gemini's words", async () => {
    const url = quotaSim().url;
    const compat = new OpenAI({ apiKey: 'quota-key', baseURL: `${url}/v1beta/openai/`, maxRetries: 0 });
    const ask = { model: 'gemini-2.5-pro', messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 2_000 };
    // gemini-2.5-pro's free tier: 5 requests a minute. Two native calls, then three compat ones, spend it.
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${url}/v1beta/models/gemini-2.5-pro:generateContent`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': 'quota-key' }, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }) });
      expect(res.status).toBe(200);
    }
    for (let i = 0; i < 3; i++) {
      // Gemini sends no rate-limit headers (OpenAI's dialect would add x-ratelimit-*).
      const { response } = await compat.chat.completions.create(ask).withResponse();
      expect(response.headers.get('x-ratelimit-limit-requests')).toBeNull();
    }
    const err = await rejection(compat.chat.completions.create(ask), OpenAI.RateLimitError);
    expect(err.status).toBe(429);
    const raw = await fetch(`${url}/v1beta/openai/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer quota-key' }, body: JSON.stringify(ask) });
    const body = (await raw.json()) as { error: { status: string; message: string } }[];
    expect(body[0]!.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(body[0]!.error.message).toContain('generativelanguage.googleapis.com/generate_content_free_tier_requests');
  });

  it('reasoning_effort sets the thinking budget, which moves the planned TTFT', async () => {
    const ttfts = async (extra: Record<string, unknown>): Promise<{ ttft: number; reasoning: number }[]> => {
      const out: { ttft: number; reasoning: number }[] = [];
      for (const text of ['Hello there', 'Name three rivers', 'What is a monad?', 'Write a haiku', 'Explain TCP slow start']) {
        const { data, response } = await client()
          .chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: text }], seed: 7, ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming)
          .withResponse();
        out.push({ ttft: Number(response.headers.get('x-understudy-ttft-ms')) / speed, reasoning: data.usage?.completion_tokens_details?.reasoning_tokens ?? 0 });
      }
      return out;
    };
    const none = await ttfts({ reasoning_effort: 'none' });
    const high = await ttfts({ reasoning_effort: 'high' });
    const budget = await ttfts({ extra_body: { google: { thinking_config: { thinking_budget: 0 } } } });
    expect(none.every((p) => p.reasoning === 0)).toBe(true);
    expect(budget.every((p) => p.reasoning === 0)).toBe(true);
    expect(high.every((p) => p.reasoning >= 1_024)).toBe(true);
    expect(median(high.map((p) => p.ttft))).toBeGreaterThan(10 * median(none.map((p) => p.ttft)));
  });
});
