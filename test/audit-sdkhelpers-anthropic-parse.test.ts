/**
 * `messages.parse()` / `messages.stream()` with `zodOutputFormat`: the SDK sends the constraints the
 * API does not enforce in each schema's description and validates the answer against the zod
 * schema itself, so an answer that ignores them makes the helper throw.
 */
import Anthropic from '@anthropic-ai/sdk';
import { zodOutputFormat } from '@anthropic-ai/sdk/helpers/zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod/v4';
import { describedKeywords } from '../src/corpus/schema-described.js';
import { useSimulator } from './fixtures/sim.js';

const Order = z.object({
  quantity: z.number().int().min(1).max(5),
  price: z.number().min(0.5).max(20),
  sku: z.string().regex(/^[A-Z]{3}-\d{4}$/),
  note: z.string().min(3).max(12),
  lines: z.array(z.object({ label: z.string().max(8) })).min(2).max(3),
  tags: z.array(z.enum(['a', 'b', 'c'])).max(2),
});

describe('structured output constraints the Anthropic SDK moves into descriptions', () => {
  const sim = useSimulator();

  it('are met, so parse() and the stream parse the answer', async () => {
    const client = new Anthropic({ baseURL: sim().url, apiKey: 'k', maxRetries: 0 });
    for (const model of ['claude-haiku-4-5', 'claude-sonnet-4-6', 'claude-opus-4-6']) {
      for (let i = 0; i < 4; i++) {
        const params = { model, max_tokens: 2048, messages: [{ role: 'user' as const, content: `order ${i}` }], output_config: { format: zodOutputFormat(Order) } };
        const whole = await client.messages.parse(params);
        expect(Order.parse(whole.parsed_output)).toEqual(whole.parsed_output);
        const streamed = await client.messages.stream(params).finalMessage();
        expect(Order.safeParse(streamed.parsed_output).success).toBe(true);
      }
    }
  });
});

describe('describedKeywords', () => {
  it('reads the trailer the SDK writes, alone or after the author text', () => {
    expect(describedKeywords({ type: 'integer', description: '{minimum: 1, maximum: 5}' })).toEqual({ minimum: 1, maximum: 5 });
    expect(describedKeywords({ type: 'string', description: 'A code.\n\n{pattern: "^a, b: {2}$", maxLength: 9}' })).toEqual({ pattern: '^a, b: {2}$', maxLength: 9 });
  });

  it('keeps only the keywords it knows, and leaves prose alone', () => {
    expect(describedKeywords({ description: '{default: 3, minItems: 2}' })).toEqual({ minItems: 2 });
    expect(describedKeywords({ description: '{examples: [1]}' })).toBeUndefined();
    expect(describedKeywords({ description: 'Use {minimum: one}' })).toBeUndefined();
    expect(describedKeywords({ description: 'prose {minimum: 1}' })).toBeUndefined();
    expect(describedKeywords({ description: '{minimum: 1, maximum: five}' })).toBeUndefined();
  });
});
