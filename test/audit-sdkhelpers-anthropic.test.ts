/**
 * The @anthropic-ai/sdk's helpers as apps use them (MessageStream's `inputJson`, `finalMessage()`),
 * against the real server: where the simulator's answer makes the helper report what the API would not.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Tool } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

const TOOLS: Tool[] = [
  { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] } },
  { name: 'get_time', input_schema: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] } },
];

describe('a forced tool_choice under max_tokens', () => {
  const sim = useSimulator();

  it('spends max_tokens on the tool call alone: a cut reports output_tokens equal to max_tokens', async () => {
    const client = new Anthropic({ baseURL: sim().url, apiKey: 'k', maxRetries: 0 });
    const seen: string[] = [];
    for (const model of ['claude-haiku-4-5', 'claude-sonnet-4-6']) {
      for (let i = 0; i < 8; i++) {
        for (const tool_choice of [{ type: 'any' }, { type: 'tool', name: 'get_time' }] as const) {
          const params = { model, max_tokens: 12, messages: [{ role: 'user' as const, content: `hello ${i}` }], tools: TOOLS, tool_choice };
          const streamed = await client.messages.stream(params).finalMessage();
          const whole = await client.messages.create(params);
          for (const m of [streamed, whole]) {
            // The prefilled turn has no text before its tool_use, so nothing but the call spends the budget.
            expect(m.content.every((b) => b.type === 'tool_use')).toBe(true);
            if (m.stop_reason === 'max_tokens') expect(m.usage.output_tokens).toBe(12);
            else expect(m.usage.output_tokens).toBeLessThanOrEqual(12);
            seen.push(m.stop_reason!);
          }
        }
      }
    }
    expect(seen).toContain('max_tokens');
  });

  it('completes a call that fits max_tokens, whatever preamble the corpus entry had', async () => {
    const client = new Anthropic({ baseURL: sim().url, apiKey: 'k', maxRetries: 0 });
    const tools: Tool[] = [{ name: 'ping', input_schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } }];
    for (let i = 0; i < 16; i++) {
      const stream = client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 40, messages: [{ role: 'user', content: `go ${i}` }], tools, tool_choice: { type: 'any' } });
      let partial: unknown = null;
      stream.on('inputJson', (_delta, snapshot) => {
        partial = snapshot;
      });
      const m = await stream.finalMessage();
      expect(m.stop_reason).toBe('tool_use');
      expect(m.content).toEqual([expect.objectContaining({ type: 'tool_use', name: 'ping', input: { ok: expect.any(Boolean) } })]);
      expect(partial).toEqual(m.content[0]!.type === 'tool_use' ? m.content[0]!.input : null);
    }
  });
});
