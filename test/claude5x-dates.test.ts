/**
 * The Claude 5.x ids the simulator serves (Sonnet 5 and 5.5, Opus 5 and 5.5, Haiku 5.5, Fable and
 * Mythos 5.1 and 5.2), as the official SDK sees them: each listed and retrieved with its published
 * release date (they were 1970-01-01), and Opus 5, Opus 5.5 and Haiku 5.5 writing up to 128,000
 * tokens from a 1M-token window (they were cut at the 32,768 default and held to `claude-`'s 200,000).
 * docs/surfaces.md cites the sources.
 */
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { rejection, useSimulator } from './fixtures/sim.js';

const HI = [{ role: 'user' as const, content: 'hi' }];

const RELEASED: ReadonlyArray<readonly [string, string]> = [
  ['claude-sonnet-5', '2026-06-30'],
  ['claude-opus-5', '2026-07-24'],
  ['claude-opus-5-5', '2026-09-22'],
  ['claude-sonnet-5-5', '2026-09-28'],
  ['claude-haiku-5-5', '2026-10-07'],
  ['claude-fable-5-1', '2026-09-01'],
  ['claude-mythos-5-1', '2026-09-01'],
  ['claude-fable-5-2', '2026-11-09'],
  ['claude-mythos-5-2', '2026-11-09'],
];
/** The ids whose limits the catalog lacked; the others already fell on `claude-sonnet-5`'s, `-fable-5`'s and `-mythos-5`'s. */
const UNLIMITED = ['claude-opus-5', 'claude-opus-5-5', 'claude-haiku-5-5'];

describe('Claude 5.x ids through the official SDK', () => {
  const sim = useSimulator({ strictModels: true });
  const client = (): Anthropic => new Anthropic({ baseURL: sim().url, apiKey: 'k', maxRetries: 0 });

  it('lists every one with its release date and its published limits', async () => {
    const page = await client().models.list({ limit: 1000 });
    for (const [id, date] of RELEASED) {
      expect(page.data.find((m) => m.id === id), id).toMatchObject({ id, created_at: `${date}T00:00:00Z`, max_tokens: 128_000, max_input_tokens: 1_000_000 });
    }
  });

  it.each(RELEASED)('retrieves %s with its release date %s', async (id, date) => {
    expect(await client().models.retrieve(id)).toMatchObject({ id, type: 'model', created_at: `${date}T00:00:00Z` });
  });

  it.each(UNLIMITED)('%s writes up to 128,000 tokens and refuses 128,001 as Anthropic does', async (model) => {
    // Streamed: the SDK refuses a non-streaming request this long before sending it.
    const message = await client().messages.stream({ model, max_tokens: 128_000, messages: HI }).finalMessage();
    expect(message.content.length).toBeGreaterThan(0);
    const err = await rejection(client().messages.create({ model, max_tokens: 128_001, messages: HI, stream: true }), Anthropic.BadRequestError);
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: `max_tokens: 128001 > 128000, which is the maximum allowed number of output tokens for ${model}` },
    });
  });

  it.each(UNLIMITED)('%s reads a 300,000-token prompt and refuses one past 1M', async (model) => {
    const message = await client().messages.create({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hello '.repeat(300_000) }] });
    expect(message.usage.input_tokens).toBeGreaterThan(200_000);
    const err = await rejection(
      client().messages.create({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hello '.repeat(1_100_000) }] }),
      Anthropic.BadRequestError,
    );
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(err.message).toMatch(/prompt is too long: \d+ tokens > 1000000 maximum/);
  });
});
