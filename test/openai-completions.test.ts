/**
 * Legacy Completions (`POST /v1/completions`) through the official `openai` SDK against the real
 * server: shapes, streaming, echo, n, prompt batches and the implicit 16-token cut.
 */
import OpenAI from 'openai';
import type { Completion } from 'openai/resources/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';

const MODEL = 'gpt-3.5-turbo-instruct';

describe('completions.create against the simulator', () => {
  let sim: Simulator;
  let client: OpenAI;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0, seed: 11 });
    client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  });
  afterAll(() => sim.stop());

  async function collect(params: Omit<OpenAI.CompletionCreateParamsStreaming, 'stream'>): Promise<Completion[]> {
    const stream = await client.completions.create({ ...params, stream: true });
    const chunks: Completion[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    return chunks;
  }

  it('returns a text_completion with one choice, a cmpl- id and consistent usage', async () => {
    const r = await client.completions.create({ model: MODEL, prompt: 'Say this is a test', max_tokens: 200, seed: 1 });
    expect(r.id).toMatch(/^cmpl-[A-Za-z0-9]{29}$/);
    expect(r.object).toBe('text_completion');
    expect(r.model).toBe('gpt-3.5-turbo-instruct:20230824-v2');
    expect(Number.isInteger(r.created)).toBe(true);
    expect(r.choices).toHaveLength(1);
    const choice = r.choices[0]!;
    expect(choice.index).toBe(0);
    expect(choice.logprobs).toBeNull();
    expect(choice.text.length).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(choice.finish_reason);
    const usage = r.usage!;
    expect(usage.prompt_tokens).toBe(5);
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens).toBeLessThanOrEqual(200);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
  });

  it('cuts at 16 tokens when max_tokens is absent, with finish_reason "length"', async () => {
    const cut = [];
    for (let seed = 0; seed < 6; seed++) {
      const r = await client.completions.create({ model: MODEL, prompt: 'Tell me about the sea.', seed });
      expect(r.usage!.completion_tokens).toBeLessThanOrEqual(16);
      if (r.choices[0]!.finish_reason === 'length') {
        expect(r.usage!.completion_tokens).toBe(16);
        cut.push(r);
      }
    }
    expect(cut.length).toBeGreaterThan(0);
  });

  it('honours an explicit max_tokens cut', async () => {
    const r = await client.completions.create({ model: MODEL, prompt: 'Write a long story.', max_tokens: 3, seed: 4 });
    expect(r.usage!.completion_tokens).toBeLessThanOrEqual(3);
    if (r.usage!.completion_tokens === 3) expect(['stop', 'length']).toContain(r.choices[0]!.finish_reason);
  });

  it('echoes the prompt before the completion', async () => {
    const prompt = 'Once upon a "time"\n';
    const r = await client.completions.create({ model: MODEL, prompt, echo: true, max_tokens: 20, seed: 5 });
    const plain = await client.completions.create({ model: MODEL, prompt, max_tokens: 20, seed: 5 });
    expect(r.choices[0]!.text).toBe(prompt + plain.choices[0]!.text);
  });

  it('echoes a token-array prompt as its text and counts its tokens', async () => {
    // o200k ids of "Hello world".
    const r = await client.completions.create({ model: MODEL, prompt: [13225, 2375], echo: true, max_tokens: 5, seed: 5 });
    expect(r.choices[0]!.text.startsWith('Hello world')).toBe(true);
    expect(r.usage!.prompt_tokens).toBe(2);
  });

  it('keeps a byte-order mark that a token-array prompt starts with, as tiktoken decodes it', async () => {
    // 5574 is U+FEFF; 13225, 2375 "Hello world".
    const r = await client.completions.create({ model: MODEL, prompt: [5574, 13225, 2375], echo: true, max_tokens: 5, seed: 5 });
    expect(r.choices[0]!.text.startsWith('\ufeffHello world')).toBe(true);
    expect(r.usage!.prompt_tokens).toBe(3);
  });

  it('gives n choices per prompt, prompt-major, for an array of prompts', async () => {
    const r = await client.completions.create({ model: MODEL, prompt: ['First prompt', 'Second prompt here', 'Third'], n: 2, max_tokens: 8, echo: true, seed: 6 });
    expect(r.choices.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.choices[0]!.text.startsWith('First prompt')).toBe(true);
    expect(r.choices[1]!.text.startsWith('First prompt')).toBe(true);
    expect(r.choices[2]!.text.startsWith('Second prompt here')).toBe(true);
    expect(r.choices[5]!.text.startsWith('Third')).toBe(true);
    expect(r.usage!.completion_tokens).toBeLessThanOrEqual(6 * 8);
  });

  it('streams text chunks with finish_reason on the last text chunk, then [DONE]', async () => {
    const whole = await client.completions.create({ model: MODEL, prompt: 'Say hello', max_tokens: 40, seed: 7 });
    const chunks = await collect({ model: MODEL, prompt: 'Say hello', max_tokens: 40, seed: 7 });
    expect(chunks.length).toBeGreaterThan(1);
    const first = chunks[0]!;
    for (const c of chunks) {
      expect(c.object).toBe('text_completion');
      expect(c.id).toBe(first.id);
      expect(c.model).toBe('gpt-3.5-turbo-instruct:20230824-v2');
      expect(c.choices).toHaveLength(1);
      expect(c.choices[0]!.logprobs).toBeNull();
      expect('usage' in c).toBe(false);
    }
    const finishes = chunks.filter((c) => c.choices[0]!.finish_reason !== null);
    expect(finishes).toEqual([chunks[chunks.length - 1]]);
    expect(finishes[0]!.choices[0]!.finish_reason).toBe(whole.choices[0]!.finish_reason);
    expect(finishes[0]!.choices[0]!.text.length).toBeGreaterThan(0);
    expect(chunks.map((c) => c.choices[0]!.text).join('')).toBe(whole.choices[0]!.text);
  });

  it('streams n choices and, with include_usage, a final usage chunk with no choices', async () => {
    const chunks = await collect({ model: MODEL, prompt: 'Count to three', n: 2, max_tokens: 10, seed: 8, stream_options: { include_usage: true } });
    const last = chunks[chunks.length - 1]!;
    expect(last.choices).toEqual([]);
    expect(last.usage!.total_tokens).toBe(last.usage!.prompt_tokens + last.usage!.completion_tokens);
    for (const c of chunks.slice(0, -1)) expect(c.usage).toBeNull();
    const texts = ['', ''];
    for (const c of chunks.slice(0, -1)) texts[c.choices[0]!.index] += c.choices[0]!.text;
    expect(texts[0]!.length).toBeGreaterThan(0);
    expect(texts[1]!.length).toBeGreaterThan(0);
    for (const index of [0, 1]) expect(chunks.filter((c) => c.choices[0]?.index === index && c.choices[0].finish_reason !== null)).toHaveLength(1);
  });

  it('streams the echoed prompt first', async () => {
    const chunks = await collect({ model: MODEL, prompt: 'Echo me', echo: true, max_tokens: 4, seed: 9 });
    expect(chunks[0]!.choices[0]!.text).toBe('Echo me');
  });

  it('accepts suffix, stop and best_of, and answers logprobs as parallel arrays: tokens, their logprobs, the top ones, offsets', async () => {
    const prompt = 'def f():';
    const r = await client.completions.create({ model: MODEL, prompt, suffix: '\n    return 1', stop: ['\n\n'], logprobs: 2, best_of: 2, max_tokens: 8 });
    const choice = r.choices[0]!;
    const lp = choice.logprobs!;
    expect(lp.tokens!.join('')).toBe(choice.text);
    expect(lp.token_logprobs).toHaveLength(lp.tokens!.length);
    for (const x of lp.token_logprobs!) expect(x).toBeLessThanOrEqual(0);
    expect(lp.top_logprobs![0]![lp.tokens![0]!]).toBe(lp.token_logprobs![0]);
    expect(lp.text_offset![0]).toBe(prompt.length);
    // With echo, the prompt's tokens lead, the first with no logprob.
    const echoed = (await client.completions.create({ model: MODEL, prompt, echo: true, logprobs: 0, max_tokens: 5 })).choices[0]!;
    expect(echoed.logprobs!.tokens!.join('')).toBe(echoed.text);
    expect(echoed.logprobs!.token_logprobs![0]).toBeNull();
    expect(echoed.logprobs!.text_offset![0]).toBe(0);
    expect(echoed.logprobs!.top_logprobs).toBeNull();
    // The prompt's part is the prompt's: the same in every choice.
    const two = (await client.completions.create({ model: MODEL, prompt, echo: true, logprobs: 1, n: 2, max_tokens: 3 })).choices;
    const promptPart = (c: (typeof two)[number]) => c.logprobs!.token_logprobs!.filter((_, i) => c.logprobs!.text_offset![i]! < prompt.length);
    expect(promptPart(two[0]!)).toEqual(promptPart(two[1]!));
    expect((await client.completions.create({ model: MODEL, prompt, max_tokens: 5 })).choices[0]!.logprobs).toBeNull();
    // A request for millions of entries (every choice repeats its echoed prompt's) is refused, not built.
    const long = 'the quick brown fox jumps over the lazy dog. '.repeat(300);
    await expect(client.completions.create({ model: MODEL, prompt: Array.from({ length: 16 }, () => long), n: 128, echo: true, logprobs: 5, max_tokens: 1 })).rejects.toMatchObject({ status: 400, param: 'logprobs' });
  });

  it('streams logprobs per chunk: each carries its tokens, the echoed prompt its own, and they join to the whole', async () => {
    const prompt = 'Tell me about the sea.';
    const chunks = await collect({ model: MODEL, prompt, echo: true, logprobs: 1, n: 2, max_tokens: 12, seed: 3 });
    const byChoice = new Map<number, { text: string; tokens: string[] }>();
    for (const c of chunks) {
      for (const choice of c.choices) {
        const lp = choice.logprobs!;
        expect(lp.tokens!.join('')).toBe(choice.text);
        const acc = byChoice.get(choice.index) ?? { text: '', tokens: [] };
        acc.text += choice.text;
        acc.tokens.push(...lp.tokens!);
        byChoice.set(choice.index, acc);
      }
    }
    expect(byChoice.size).toBe(2);
    for (const { text, tokens } of byChoice.values()) {
      expect(text.startsWith(prompt)).toBe(true);
      expect(tokens.join('')).toBe(text);
    }
  });

  it('rejects bad input with OpenAI 400s', async () => {
    // @ts-expect-error: prompt is required
    await expect(client.completions.create({ model: MODEL })).rejects.toMatchObject({ status: 400, param: 'prompt' });
    // A chat model is OpenAI's 404 here, and a completion model is one on chat; other vendors' ids pass.
    await expect(client.completions.create({ model: 'gpt-4o-mini', prompt: 'x' })).rejects.toMatchObject({
      status: 404,
      param: 'model',
      error: { message: 'This is a chat model and not supported in the v1/completions endpoint. Did you mean to use v1/chat/completions?' },
    });
    await expect(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 404,
      error: { message: 'This is not a chat model and thus not supported in the v1/chat/completions endpoint. Did you mean to use v1/completions?' },
    });
    await expect(client.chat.completions.create({ model: 'gpt-5-pro', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 404,
      error: { message: 'This model is only supported in v1/responses and not in v1/chat/completions.' },
    });
    expect((await client.responses.create({ model: 'gpt-5-pro', input: 'x' })).status).toBe('completed');
    expect((await client.completions.create({ model: 'grok-3-mini', prompt: 'x', max_tokens: 5 })).choices).toHaveLength(1);
    await expect(client.completions.create({ model: MODEL, prompt: 'x', n: 0 })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(client.completions.create({ model: MODEL, prompt: 'x', best_of: 1, n: 2 })).rejects.toMatchObject({ status: 400, param: 'best_of' });
    await expect(client.completions.create({ model: MODEL, prompt: [] })).rejects.toMatchObject({ status: 400, param: 'prompt' });
    await expect(client.completions.create({ model: MODEL, prompt: 'x', stream_options: { include_usage: true } })).rejects.toMatchObject({ status: 400, param: 'stream_options' });
  });

  it("refuses a prompt plus max_tokens past the context window in OpenAI's words, per prompt of a batch", async () => {
    const over = client.completions.create({ model: MODEL, prompt: 'Say this is a test', max_tokens: 4092 });
    await expect(over).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(over).rejects.toMatchObject({
      status: 400,
      param: null,
      code: null,
      error: {
        message: "This model's maximum context length is 4096 tokens, however you requested 4097 tokens (5 in your prompt; 4092 for the completion). Please reduce your prompt; or completion length.",
        type: 'invalid_request_error',
      },
    });
    // Exactly the window is taken; the unset max_tokens counts as 16.
    expect((await client.completions.create({ model: MODEL, prompt: 'Say this is a test', max_tokens: 4091 })).choices).toHaveLength(1);
    const long = 'word '.repeat(4085);
    await expect(client.completions.create({ model: MODEL, prompt: ['hi', long] })).rejects.toMatchObject({ status: 400, error: { message: expect.stringMatching(/^This model's maximum context length is 4096 tokens, however you requested 41\d\d tokens \(40\d\d in your prompt; 16 for the completion\)/) } });
    // davinci-002 has 16,384 tokens, so the same prompt fits.
    expect((await client.completions.create({ model: 'davinci-002', prompt: ['hi', long] })).choices).toHaveLength(2);
  });

  it('serves /completions without the /v1 prefix', async () => {
    const res = await fetch(`${sim.url}/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, prompt: 'hi', max_tokens: 2 }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Completion).object).toBe('text_completion');
  });
});

describe('completions with keys configured', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0, apiKeys: ['sk-good'] });
  });
  afterAll(() => sim.stop());

  it('answers a wrong key with AuthenticationError', async () => {
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-wrong-key-123', maxRetries: 0 });
    await expect(client.completions.create({ model: MODEL, prompt: 'hi' })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
