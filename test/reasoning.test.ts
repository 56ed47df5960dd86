/**
 * Hidden reasoning through the official SDKs against the real server: OpenAI's reasoning models
 * report `reasoning_tokens` inside their output tokens (and a reasoning item on the Responses API),
 * reasoning comes out of the output limit, and a small limit spent wholly on reasoning leaves an
 * empty answer cut with `length` (the classic GPT-5 surprise).
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

const HELLO = [{ role: 'user' as const, content: 'Explain how a hash map handles collisions.' }];

describe('OpenAI reasoning models', () => {
  const sim = useSimulator({ speed: 0 });
  const client = () => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });

  it('Chat Completions counts reasoning tokens inside completion_tokens, more for higher effort; other models reason none', async () => {
    const reasoning = async (effort: 'minimal' | 'low' | 'high', seed: number) => {
      const r = await client().chat.completions.create({ model: 'gpt-5-mini', messages: HELLO, reasoning_effort: effort, seed });
      const details = r.usage!.completion_tokens_details!;
      expect(r.choices[0]!.message.content!.length).toBeGreaterThan(0);
      expect(r.usage!.completion_tokens).toBeGreaterThan(details.reasoning_tokens!);
      return details.reasoning_tokens!;
    };
    let low = 0;
    let high = 0;
    for (let seed = 1; seed <= 8; seed++) {
      low += await reasoning('low', seed);
      high += await reasoning('high', seed);
      expect(await reasoning('minimal', seed)).toBe(0);
    }
    expect(low).toBeGreaterThan(8 * 64 - 1);
    expect(high).toBeGreaterThan(low);
    const plain = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO });
    expect(plain.usage!.completion_tokens_details!.reasoning_tokens).toBe(0);
  });

  it('a small max_completion_tokens spent on reasoning leaves empty content cut with length, streamed or not', async () => {
    const r = await client().chat.completions.create({ model: 'gpt-5-mini', messages: HELLO, max_completion_tokens: 50 });
    expect(r.choices[0]!.message.content).toBe('');
    expect(r.choices[0]!.finish_reason).toBe('length');
    expect(r.usage).toMatchObject({ completion_tokens: 50, completion_tokens_details: { reasoning_tokens: 50 } });
    let content = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of await client().chat.completions.create({ model: 'gpt-5-mini', messages: HELLO, max_completion_tokens: 50, stream: true, stream_options: { include_usage: true } })) {
      content += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(content).toBe('');
    expect(finish).toBe('length');
    expect(usage!.completion_tokens_details!.reasoning_tokens).toBe(50);
  });

  it('Responses: output starts with a reasoning item, and usage counts its tokens in output_tokens', async () => {
    const r = await client().responses.create({ model: 'gpt-5-mini', input: 'Explain how a hash map handles collisions.', reasoning: { effort: 'low' } });
    expect(r.output[0]).toEqual({ id: expect.stringMatching(/^rs_[A-Za-z0-9]{48}$/), type: 'reasoning', summary: [] });
    expect(r.output[1]!.type).toBe('message');
    expect(r.output_text.length).toBeGreaterThan(0);
    const reasoning = r.usage!.output_tokens_details.reasoning_tokens;
    expect(reasoning).toBeGreaterThanOrEqual(64);
    expect(r.usage!.output_tokens).toBeGreaterThan(reasoning);
    // The default effort is reported, as OpenAI echoes it.
    expect((await client().responses.create({ model: 'gpt-5-mini', input: 'Hi' })).reasoning).toEqual({ effort: 'medium', summary: null });
    // Stateless clients ask for the item's encrypted_content, to send it back next turn.
    const stateless = await client().responses.create({ model: 'gpt-5-mini', input: 'Hi', store: false, include: ['reasoning.encrypted_content'] });
    expect(stateless.output[0]).toEqual({ id: expect.stringMatching(/^rs_/), type: 'reasoning', encrypted_content: expect.stringMatching(/^gAAAAAB[A-Za-z0-9]{320}$/), summary: [] });
    const plain = await client().responses.create({ model: 'gpt-4.1-mini', input: 'Hi' });
    expect(plain.reasoning).toEqual({ effort: null, summary: null });
    expect(plain.output.map((o) => o.type)).toEqual(['message']);
    expect(plain.usage!.output_tokens_details.reasoning_tokens).toBe(0);
  });

  it('Responses: a limit spent on reasoning is incomplete with only the reasoning item, streamed in order', async () => {
    const params = { model: 'o4-mini', input: 'Explain how a hash map handles collisions.', max_output_tokens: 32 };
    const r = await client().responses.create(params);
    expect(r.status).toBe('incomplete');
    expect(r.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(r.output.map((o) => o.type)).toEqual(['reasoning']);
    expect(r.output_text).toBe('');
    expect(r.usage).toMatchObject({ output_tokens: 32, output_tokens_details: { reasoning_tokens: 32 } });

    const stream = client().responses.stream({ ...params, max_output_tokens: 4000 });
    const events: string[] = [];
    stream.on('event', (e) => events.push(e.type === 'response.output_item.added' || e.type === 'response.output_item.done' ? `${e.type}:${e.item.type}` : e.type));
    const final = await stream.finalResponse();
    expect(events.slice(0, 5)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added:reasoning',
      'response.output_item.done:reasoning',
      'response.output_item.added:message',
    ]);
    expect(final.output.map((o) => o.type)).toEqual(['reasoning', 'message']);
    expect(final.usage!.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
  });

  it('Responses: reasoning.summary adds a summary, streamed as summary events before the answer', async () => {
    const params = { model: 'gpt-5-mini', input: 'Explain how a hash map handles collisions.', reasoning: { effort: 'medium' as const, summary: 'auto' as const } };
    const r = await client().responses.create(params);
    const item = r.output[0]!;
    if (item.type !== 'reasoning') throw new Error('expected a reasoning item');
    expect(item.summary).toHaveLength(1);
    expect(item.summary[0]!.type).toBe('summary_text');
    expect(item.summary[0]!.text.length).toBeGreaterThan(0);
    expect(r.output_text.length).toBeGreaterThan(0);

    const stream = client().responses.stream(params);
    const events: string[] = [];
    let deltas = '';
    stream.on('event', (e) => events.push(e.type));
    stream.on('response.reasoning_summary_text.delta', (e) => (deltas += e.delta));
    const final = await stream.finalResponse();
    const summary = (final.output[0] as { summary: { text: string }[] }).summary[0]!.text;
    expect(deltas).toBe(summary);
    const first = (type: string) => events.indexOf(type);
    expect(first('response.output_item.added')).toBe(2);
    expect(first('response.reasoning_summary_part.added')).toBeGreaterThan(first('response.output_item.added'));
    expect(first('response.reasoning_summary_text.delta')).toBeGreaterThan(first('response.reasoning_summary_part.added'));
    expect(first('response.reasoning_summary_text.done')).toBeLessThan(first('response.reasoning_summary_part.done'));
    expect(first('response.reasoning_summary_part.done')).toBeLessThan(first('response.output_text.delta'));
    // Without the parameter there is no summary.
    const plain = await client().responses.create({ ...params, reasoning: { effort: 'medium' } });
    expect((plain.output[0] as { summary: unknown[] }).summary).toEqual([]);
  });

  it('takes an effort named like an Object member as any other unknown effort (medium) on a model whose efforts it does not list, not a 500', async () => {
    for (const effort of ['constructor', '__proto__', 'toString']) {
      const chat = await client().chat.completions.create({ model: 'gpt-5.6-sol', messages: HELLO, reasoning_effort: effort as 'low' });
      expect(chat.usage!.completion_tokens_details!.reasoning_tokens).toBeGreaterThanOrEqual(192);
      const r = await client().responses.create({ model: 'gpt-5.6-sol', input: 'Hi', reasoning: { effort: effort as 'low' } });
      expect(r.status).toBe('completed');
      // A model whose efforts are known refuses the name like any other it does not take.
      await expect(client().chat.completions.create({ model: 'o3', messages: HELLO, reasoning_effort: effort as 'low' })).rejects.toMatchObject({ status: 400, code: 'unsupported_value' });
      const g = await fetch(`${sim().url}/v1beta/models/gemini-3-pro-preview:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
        body: JSON.stringify({ contents: [{ parts: [{ text: 'Hi' }] }], generationConfig: { thinkingConfig: { thinkingLevel: effort } } }),
      });
      // Gemini's thinkingLevel is an enum: such a name is its parse error (a 400), not a 500.
      expect(g.status).toBe(400);
      expect(((await g.json()) as { error: { status: string } }).error.status).toBe('INVALID_ARGUMENT');
    }
  });

  it("xAI: Grok 3 Mini shows reasoning_content and Grok 4 hides it; both bill reasoning beside completion_tokens, as xAI does", async () => {
    type XaiMessage = OpenAI.Chat.Completions.ChatCompletionMessage & { reasoning_content?: string };
    const mini = await client().chat.completions.create({ model: 'grok-3-mini', messages: HELLO, reasoning_effort: 'high' });
    const u = mini.usage!;
    const reasoning = u.completion_tokens_details!.reasoning_tokens!;
    expect(reasoning).toBeGreaterThan(0);
    expect(u.total_tokens).toBe(u.prompt_tokens + u.completion_tokens + reasoning);
    expect((mini.choices[0]!.message as XaiMessage).reasoning_content!.length).toBeGreaterThan(0);
    // Streamed: the reasoning deltas come before the answer's.
    const kinds: string[] = [];
    for await (const c of await client().chat.completions.create({ model: 'grok-3-mini', messages: HELLO, stream: true })) {
      const d = c.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
      if (d?.reasoning_content) kinds.push('reasoning');
      if (d?.content) kinds.push('content');
    }
    expect(kinds[0]).toBe('reasoning');
    expect(kinds.lastIndexOf('reasoning')).toBeLessThan(kinds.indexOf('content'));
    const grok4 = await client().chat.completions.create({ model: 'grok-4', messages: HELLO });
    expect(grok4.usage!.completion_tokens_details!.reasoning_tokens).toBeGreaterThan(0);
    expect((grok4.choices[0]!.message as XaiMessage).reasoning_content).toBeUndefined();
    expect((await client().chat.completions.create({ model: 'grok-4-fast-non-reasoning', messages: HELLO })).usage!.completion_tokens_details!.reasoning_tokens).toBe(0);
    // A turn that only calls a tool still streams its reasoning first, as the body carries it.
    const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }];
    const order: string[] = [];
    for await (const c of await client().chat.completions.create({ model: 'grok-3-mini', messages: HELLO, tools, tool_choice: 'required', stream: true })) {
      const d = c.choices[0]?.delta as { reasoning_content?: string; tool_calls?: unknown[] } | undefined;
      if (d?.reasoning_content) order.push('reasoning');
      if (d?.tool_calls) order.push('tool');
    }
    expect(order[0]).toBe('reasoning');
    expect(order.at(-1)).toBe('tool');
  });

  it('xAI refuses what Grok does not take, in its own error shape: an effort on Grok 4, a presence penalty', async () => {
    const post = (body: unknown) => fetch(`${sim().url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const effort = await post({ model: 'grok-4', messages: HELLO, reasoning_effort: 'high' });
    expect(effort.status).toBe(400);
    expect(await effort.json()).toEqual({ code: 'invalid-argument', error: 'Model grok-4 does not support parameter reasoningEffort.' });
    const penalty = await post({ model: 'grok-3-mini', messages: HELLO, presence_penalty: 0.5 });
    expect(((await penalty.json()) as { error: string }).error).toBe('Argument not supported on this model: presencePenalty');
  });

  /** The error body a rejected request carried, as the SDK parsed it. */
  const refusal = async (call: Promise<unknown>) => {
    const err = await call.then(
      () => { throw new Error('expected a refusal'); },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    return { status: e.status, message: (e.error as { message: string }).message, param: e.param, code: e.code, type: e.type };
  };

  it('refuses an effort the model does not take, in OpenAI words, listing the ones it does', async () => {
    expect(await refusal(client().chat.completions.create({ model: 'o3', messages: HELLO, reasoning_effort: 'minimal' }))).toEqual({
      status: 400,
      message: "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. Supported values are: 'low', 'medium', and 'high'.",
      param: 'reasoning_effort',
      code: 'unsupported_value',
      type: 'invalid_request_error',
    });
    expect(await refusal(client().responses.create({ model: 'gpt-5-mini-2025-08-07', input: 'Hi', reasoning: { effort: 'none' } }))).toMatchObject({
      message: "Unsupported value: 'reasoning.effort' does not support 'none' with this model. Supported values are: 'minimal', 'low', 'medium', and 'high'.",
      param: 'reasoning.effort',
      code: 'unsupported_value',
    });
    // The pro models word it by model name.
    expect(await refusal(client().responses.create({ model: 'gpt-5-pro', input: 'Hi', reasoning: { effort: 'low' } }))).toMatchObject({
      message: "Unsupported value: 'low' is not supported with the 'gpt-5-pro' model. Supported values are: 'high'.",
      param: 'reasoning.effort',
    });
    // What a model does take goes through.
    const ok = await client().chat.completions.create({ model: 'gpt-5.2', messages: HELLO, reasoning_effort: 'xhigh' });
    expect(ok.usage!.completion_tokens_details!.reasoning_tokens).toBeGreaterThan(0);
  });

  it('refuses an effort sent to a model that does not reason, on both APIs', async () => {
    expect(await refusal(client().chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO, reasoning_effort: 'low' }))).toMatchObject({
      message: "Unsupported parameter: 'reasoning_effort' is not supported with this model.",
      param: 'reasoning_effort',
      code: 'unsupported_parameter',
    });
    expect(await refusal(client().responses.create({ model: 'gpt-4.1-mini', input: 'Hi', reasoning: { effort: 'none' } }))).toMatchObject({
      message: "Unsupported parameter: 'reasoning.effort' is not supported with this model.",
      param: 'reasoning.effort',
      code: 'unsupported_parameter',
    });
    // An explicit null is no effort at all.
    const plain = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: HELLO, reasoning_effort: null });
    expect(plain.choices[0]!.message.content!.length).toBeGreaterThan(0);
  });

  it('refuses a sampling temperature on a model that reasons, worded per API; GPT-5.1 takes one at its default effort none', async () => {
    expect(await refusal(client().chat.completions.create({ model: 'gpt-5-mini', messages: HELLO, temperature: 0.7 }))).toMatchObject({
      message: "Unsupported value: 'temperature' does not support 0.7 with this model. Only the default (1) value is supported.",
      param: 'temperature',
      code: 'unsupported_value',
    });
    expect(await refusal(client().responses.create({ model: 'o3', input: 'Hi', temperature: 0 }))).toMatchObject({
      message: "Unsupported parameter: 'temperature' is not supported with this model.",
      param: 'temperature',
      code: 'unsupported_parameter',
    });
    expect((await client().chat.completions.create({ model: 'gpt-5-mini', messages: HELLO, temperature: 1 })).choices).toHaveLength(1);
    // GPT-5.1 does not reason unless asked, and then takes a temperature; asked to reason, it refuses one.
    const none = await client().chat.completions.create({ model: 'gpt-5.1', messages: HELLO, temperature: 0.2 });
    expect(none.usage!.completion_tokens_details!.reasoning_tokens).toBe(0);
    await expect(client().chat.completions.create({ model: 'gpt-5.1', messages: HELLO, temperature: 0.2, reasoning_effort: 'low' })).rejects.toMatchObject({ status: 400, param: 'temperature' });
  });

  it("Responses echoes the model's default effort: none for GPT-5.1, high for GPT-5 pro, medium for o3", async () => {
    const effort = async (model: string) => (await client().responses.create({ model, input: 'Hi' })).reasoning!.effort;
    expect(await effort('gpt-5.1')).toBe('none');
    expect(await effort('gpt-5-pro')).toBe('high');
    expect(await effort('o3')).toBe('medium');
    expect(await effort('gpt-4o')).toBe(null);
  });
});
