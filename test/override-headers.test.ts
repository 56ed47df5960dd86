/**
 * Override headers a simulator cannot honour (an unknown fault kind, a corpus entry it lacks) are
 * refused with a 400 in each provider's error shape, so a unit test cannot pass on another branch.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

describe('override headers the simulator cannot honour', () => {
  const sim = useSimulator({ speed: 0 });

  it('answers an unknown entry or fault kind with a 400 on every dialect', async () => {
    const openai = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };
    await expect(openai.chat.completions.create(chat, { headers: { 'x-understudy-entry': 'no-such-entry' } })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_override',
      message: '400 x-understudy-entry names no corpus entry: "no-such-entry"',
    });
    await expect(openai.chat.completions.create(chat, { headers: { 'x-understudy-fault': 'rate_limit_429' } })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('x-understudy-fault names no fault kind: "rate_limit_429" (kinds: rate_limit, '),
    });
    const anthropic = new Anthropic({ baseURL: sim().url, apiKey: 'sk-ant-test', maxRetries: 0 });
    await expect(
      anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }, { headers: { 'x-understudy-entry': 'nope' } }),
    ).rejects.toMatchObject({ status: 400, error: { error: { type: 'invalid_request_error', message: 'x-understudy-entry names no corpus entry: "nope"' } } });
    const gemini = await fetch(`${sim().url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k', 'x-understudy-fault': 'nope' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'Hi' }] }] }),
    });
    expect(gemini.status).toBe(400);
    expect(((await gemini.json()) as { error: { status: string } }).error.status).toBe('INVALID_ARGUMENT');
  });

  it('still serves a known entry, and embeddings whatever entry a client sends on every call', async () => {
    const openai = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const { response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    const entry = response.headers.get('x-understudy-entry')!;
    const again = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Other' }] }, { headers: { 'x-understudy-entry': entry } }).withResponse();
    expect(again.response.headers.get('x-understudy-entry')).toBe(entry);
    const embedded = await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'hi' }, { headers: { 'x-understudy-entry': 'nope' } });
    expect(embedded.data).toHaveLength(1);
  });
});
