/**
 * Claude Opus 4.7 (2026-04-16) and 4.8 (2026-05-28), Sonnet 5, Fable 5 and Mythos 5 (2026-06-09),
 * as the official SDK calls them: 128,000 output tokens and a 1M-token window (Opus fell on
 * `claude-opus-4`'s 32,000, all on `claude-`'s 200,000), adaptive thinking only
 * (`thinking.type.enabled` is refused), and no sampling parameters (Opus 4.7 and 4.8: `temperature`
 * but 1, `top_p`, `top_k` are deprecated; Sonnet 5: any but the defaults). docs/surfaces.md cites
 * the sources.
 */
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { rejection, useSimulator } from './fixtures/sim.js';

const HI = [{ role: 'user' as const, content: 'hi' }];

describe('Claude Opus 4.7 and 4.8 through the official SDK', () => {
  const sim = useSimulator();
  const client = (): Anthropic => new Anthropic({ baseURL: sim().url, apiKey: 'k', maxRetries: 0 });

  const LATEST = ['claude-opus-4-7', 'claude-opus-4-8', 'claude-sonnet-5', 'claude-fable-5', 'claude-mythos-5'];

  it.each(LATEST)('%s writes up to 128,000 tokens and refuses more, naming that limit', async (model) => {
    // Streamed: the SDK refuses a non-streaming request this long before sending it.
    const message = await client().messages.stream({ model, max_tokens: 128_000, messages: HI }).finalMessage();
    expect(message.content.length).toBeGreaterThan(0);
    const err = await rejection(client().messages.create({ model, max_tokens: 128_001, messages: HI, stream: true }), Anthropic.BadRequestError);
    expect(err.message).toContain(`max_tokens: 128001 > 128000, which is the maximum allowed number of output tokens for ${model}`);
  });

  it.each(LATEST)('%s reads a 300,000-token prompt (a 1M window)', async (model) => {
    const message = await client().messages.create({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hello '.repeat(300_000) }] });
    expect(message.usage.input_tokens).toBeGreaterThan(200_000);
  });

  it.each(LATEST)('%s refuses thinking.type.enabled and takes adaptive thinking', async (model) => {
    const err = await rejection(
      client().messages.create({ model, max_tokens: 4_000, thinking: { type: 'enabled', budget_tokens: 2_000 }, messages: HI }),
      Anthropic.BadRequestError,
    );
    expect((err.error as { error: { message: string } }).error.message).toBe(
      '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.',
    );
    const ok = await client().messages.create({ model, max_tokens: 4_000, thinking: { type: 'adaptive' }, messages: HI });
    expect(ok.content.some((b) => b.type === 'text')).toBe(true);
  });

  it.each(['claude-opus-4-7', 'claude-opus-4-8'])('%s refuses temperature (but 1), top_p and top_k as deprecated', async (model) => {
    const refused = async (params: { temperature?: number; top_p?: number; top_k?: number }): Promise<string> =>
      (await rejection(client().messages.create({ model, max_tokens: 100, messages: HI, ...params }), Anthropic.BadRequestError)).message;
    expect(await refused({ temperature: 0.5 })).toContain('`temperature` is deprecated for this model.');
    expect(await refused({ temperature: 0 })).toContain('`temperature` is deprecated for this model.');
    expect(await refused({ top_p: 1 })).toContain('`top_p` is deprecated for this model.');
    expect(await refused({ top_k: 0 })).toContain('`top_k` is deprecated for this model.');
    // The SDK's types no longer carry sampling parameters; clients still send them.
    const ok = await client().messages.create({ model, max_tokens: 100, messages: HI, ...{ temperature: 1 } });
    expect(ok.content.length).toBeGreaterThan(0);
  });

  it.each(LATEST)('%s omits the thinking text unless display asks for a summary', async (model) => {
    const thinkingOf = async (display?: 'summarized' | 'omitted'): Promise<{ thinking: string; signature: string }> => {
      const m = await client().messages.create({ model, max_tokens: 4_000, thinking: { type: 'adaptive', ...(display ? { display } : {}) }, messages: HI });
      const block = m.content.find((b) => b.type === 'thinking');
      return block as { thinking: string; signature: string };
    };
    const plain = await thinkingOf();
    expect(plain.thinking).toBe('');
    expect(plain.signature.length).toBeGreaterThan(0);
    expect((await thinkingOf('summarized')).thinking.length).toBeGreaterThan(0);
  });

  it('refuses a non-default temperature or top_p on Sonnet 5, and takes the defaults', async () => {
    const model = 'claude-sonnet-5';
    const refused = async (params: { temperature?: number; top_p?: number }): Promise<string> =>
      (await rejection(client().messages.create({ model, max_tokens: 100, messages: HI, ...params }), Anthropic.BadRequestError)).message;
    expect(await refused({ temperature: 0.5 })).toContain('`temperature` is deprecated for this model.');
    expect(await refused({ top_p: 0.9 })).toContain('`top_p` is deprecated for this model.');
    for (const sampling of [{ temperature: 1 }, { top_p: 1 }]) {
      const ok = await client().messages.create({ model, max_tokens: 100, messages: HI, ...sampling });
      expect(ok.content.length).toBeGreaterThan(0);
    }
  });

  it('still takes budgeted thinking and a temperature on Opus 4.6', async () => {
    const model = 'claude-opus-4-6';
    const thought = await client().messages.create({ model, max_tokens: 4_000, thinking: { type: 'enabled', budget_tokens: 2_000 }, messages: HI });
    expect(thought.content[0]!.type).toBe('thinking');
    expect((thought.content[0] as { thinking: string }).thinking.length).toBeGreaterThan(0);
    const ok = await client().messages.create({ model, max_tokens: 100, messages: HI, ...{ temperature: 0.5 } });
    expect(ok.content.length).toBeGreaterThan(0);
  });
});
