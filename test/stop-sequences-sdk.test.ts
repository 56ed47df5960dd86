/**
 * Stop sequences through each official SDK against the real server, streamed and not: the answer
 * ends just before the first occurrence, with each provider's finish reason (Anthropic names the
 * sequence). Each case first gets an answer, then asks again for the same corpus entry
 * (x-understudy-entry) with a stop sequence taken from the middle of its text.
 */
import Anthropic from '@anthropic-ai/sdk';
import { FinishReason, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

const PROMPT = 'Tell me about the history of the printing press.';

/** A stop sequence from the middle of `text`, and what the answer must be with it. */
function stopFrom(text: string): { stop: string; expected: string } {
  const stop = text.slice(Math.floor(text.length / 2), Math.floor(text.length / 2) + 4);
  expect(stop.length).toBe(4);
  return { stop, expected: text.slice(0, text.indexOf(stop)) };
}

describe('stop sequences', () => {
  const sim = useSimulator({ speed: 0 });

  it('OpenAI Chat Completions: content ends before the sequence, finish_reason stop', async () => {
    const client = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const params = { model: 'gpt-4o-mini', max_tokens: 1000, messages: [{ role: 'user' as const, content: PROMPT }] };
    const { data: first, response } = await client.chat.completions.create(params).withResponse();
    const headers = { 'x-understudy-entry': response.headers.get('x-understudy-entry')! };
    const { stop, expected } = stopFrom(first.choices[0]!.message.content!);
    const r = await client.chat.completions.create({ ...params, stop }, { headers });
    expect(r.choices[0]!.message.content).toBe(expected);
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage!.completion_tokens).toBeLessThan(first.usage!.completion_tokens);
    let streamed = '';
    let finish: string | null = null;
    for await (const chunk of await client.chat.completions.create({ ...params, stop: ['\u0000never', stop], stream: true }, { headers })) {
      streamed += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(streamed).toBe(expected);
    expect(finish).toBe('stop');
  });

  it('OpenAI legacy Completions: text ends before the sequence', async () => {
    const client = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const params = { model: 'gpt-3.5-turbo-instruct', max_tokens: 1000, prompt: PROMPT };
    const { data: first, response } = await client.completions.create(params).withResponse();
    const { stop, expected } = stopFrom(first.choices[0]!.text);
    const r = await client.completions.create({ ...params, stop }, { headers: { 'x-understudy-entry': response.headers.get('x-understudy-entry')! } });
    expect(r.choices[0]).toMatchObject({ text: expected, finish_reason: 'stop' });
  });

  it('Anthropic Messages: stop_reason stop_sequence names the sequence, streamed or not', async () => {
    const client = new Anthropic({ baseURL: sim().url, apiKey: 'sk-ant-test', maxRetries: 0 });
    const params = { model: 'claude-haiku-4-5', max_tokens: 1000, messages: [{ role: 'user' as const, content: PROMPT }] };
    const { data: first, response } = await client.messages.create(params).withResponse();
    const headers = { 'x-understudy-entry': response.headers.get('x-understudy-entry')! };
    const text = (m: Anthropic.Message): string => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    const { stop, expected } = stopFrom(text(first));
    const r = await client.messages.create({ ...params, stop_sequences: ['\u0000never', stop] }, { headers });
    expect(text(r)).toBe(expected);
    expect(r).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: stop });
    expect(r.usage.output_tokens).toBeLessThan(first.usage.output_tokens);
    const final = await client.messages.stream({ ...params, stop_sequences: [stop] }, { headers }).finalMessage();
    expect(text(final)).toBe(expected);
    expect(final).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: stop });
  });

  it('Gemini: text ends before the sequence, finishReason STOP, streamed or not', async () => {
    const url = `${sim().url}/v1beta/models/gemini-2.5-flash:generateContent`;
    const raw = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' }, body: JSON.stringify({ contents: [{ parts: [{ text: PROMPT }] }] }) });
    const entry = raw.headers.get('x-understudy-entry')!;
    const body = (await raw.json()) as { candidates: { content: { parts: { text: string }[] } }[] };
    const { stop, expected } = stopFrom(body.candidates[0]!.content.parts.map((p) => p.text).join(''));
    const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url, headers: { 'x-understudy-entry': entry } } });
    const r = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: PROMPT, config: { stopSequences: [stop] } });
    expect(r.text).toBe(expected);
    expect(r.candidates![0]!.finishReason).toBe(FinishReason.STOP);
    let streamed = '';
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: PROMPT, config: { stopSequences: [stop] } })) streamed += chunk.text ?? '';
    expect(streamed).toBe(expected);
  });
});
