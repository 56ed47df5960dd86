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

  it('takes an effort named like an Object member as any other unknown effort (medium), not a 500', async () => {
    for (const effort of ['constructor', '__proto__', 'toString']) {
      const chat = await client().chat.completions.create({ model: 'o3', messages: HELLO, reasoning_effort: effort as 'low' });
      expect(chat.usage!.completion_tokens_details!.reasoning_tokens).toBeGreaterThanOrEqual(192);
      const r = await client().responses.create({ model: 'gpt-5-mini', input: 'Hi', reasoning: { effort: effort as 'low' } });
      expect(r.status).toBe('completed');
      const g = await fetch(`${sim().url}/v1beta/models/gemini-3-pro-preview:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
        body: JSON.stringify({ contents: [{ parts: [{ text: 'Hi' }] }], generationConfig: { thinkingConfig: { thinkingLevel: effort } } }),
      });
      expect(g.status).toBe(200);
      await g.text();
    }
  });
});
