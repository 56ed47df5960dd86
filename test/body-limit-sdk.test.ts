/**
 * A request over the body limit, sent by the official SDKs: they write the whole body before they
 * read, so a 413 sent (and its socket closed) while body bytes are still unread would reach them as
 * a connection reset, which they retry, uploading the body again.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { metric, rejection, useSimulator } from './fixtures/sim.js';

const LIMIT = 64 * 1024;
const PROMPT = 'x'.repeat(4 * 1024 * 1024);

describe('a body over the limit, from the SDKs', () => {
  const sim = useSimulator({ bodyLimitBytes: LIMIT });

  it('reaches the openai SDK as a 413 on every try, and the connection stays usable', async () => {
    const client = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'k', maxRetries: 0 });
    for (let i = 0; i < 4; i++) {
      const err = await rejection(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] }), OpenAI.APIError);
      expect(err.status).toBe(413);
    }
    const ok = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(ok.object).toBe('chat.completion');
  });

  it('reaches the Anthropic SDK as its 413 on every try', async () => {
    const client = new Anthropic({ baseURL: sim().url, apiKey: 'k', maxRetries: 0 });
    for (let i = 0; i < 4; i++) {
      const err = await rejection(client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: PROMPT }] }), Anthropic.APIError);
      expect(err.status).toBe(413);
      expect(err.error).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    }
  });

  it('counts each try once as a refused body, and no client disconnects', async () => {
    expect(await metric(sim(), 'understudy_errors_total{kind="body_too_large"}')).toBe(8);
    expect(await metric(sim(), 'understudy_errors_total{kind="client_disconnect"}')).toBe(0);
  });
});
