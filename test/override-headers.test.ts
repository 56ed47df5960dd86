/**
 * Override headers a simulator cannot honour (an unknown fault kind, a corpus entry it lacks, a
 * TTFT out of range) are refused with a 400 in each provider's error shape, so a unit test cannot
 * pass on another branch.
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

  it('answers a TTFT override that is not a number of ms from 0 to 600000 with a 400 on every dialect', async () => {
    const openai = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }], stream: true as const };
    // Negative and non-numeric values were dropped (the profile's TTFT served); 1e12 ms held the stream for 31 years.
    for (const bad of ['-5', 'abc', '1e12', '600000.5', '0x10', 'Infinity']) {
      await expect(openai.chat.completions.create(chat, { headers: { 'x-understudy-ttft-ms': bad } }), bad).rejects.toMatchObject({
        status: 400,
        code: 'invalid_override',
        message: `400 x-understudy-ttft-ms must be a decimal number of milliseconds from 0 to 600000: ${JSON.stringify(bad)}`,
      });
    }
    const anthropic = new Anthropic({ baseURL: sim().url, apiKey: 'sk-ant-test', maxRetries: 0 });
    await expect(
      anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }, { headers: { 'x-understudy-ttft-ms': '-5' } }),
    ).rejects.toMatchObject({ status: 400, error: { error: { type: 'invalid_request_error', message: 'x-understudy-ttft-ms must be a decimal number of milliseconds from 0 to 600000: "-5"' } } });
    const gemini = await fetch(`${sim().url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k', 'x-understudy-ttft-ms': '1e12' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'Hi' }] }] }),
    });
    expect(gemini.status).toBe(400);
    expect(((await gemini.json()) as { error: { status: string; message: string } }).error).toMatchObject({ status: 'INVALID_ARGUMENT', message: expect.stringContaining('x-understudy-ttft-ms must be') });
  });

  it('serves a TTFT override in range exactly, whatever --speed', async () => {
    const openai = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };
    for (const [sent, header] of [['0', '0.0'], ['12.5', '12.5'], ['007', '7.0']] as const) {
      const { response } = await openai.chat.completions.create(chat, { headers: { 'x-understudy-ttft-ms': sent } }).withResponse();
      expect(response.headers.get('x-understudy-ttft-ms'), sent).toBe(header);
    }
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
