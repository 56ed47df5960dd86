/**
 * The strict-schema checks (OpenAI's Structured Outputs subset, Anthropic's closed objects) against
 * hostile and framework-made schemas: they run on the server thread before any answer, so their cost
 * must grow with the schema, not with its square.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { strictSchemaViolation } from '../src/server/openai/strict-schema.js';
import { rejection, useSimulator } from './fixtures/sim.js';

/** `values` behind a proxy that counts reads of its elements. */
function counted(values: string[]): { list: string[]; reads: () => number } {
  let reads = 0;
  const list = new Proxy(values, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { list, reads: () => reads };
}

describe('strict schema check cost', () => {
  it('reads each required entry a bounded number of times, however many properties', () => {
    const n = 2000;
    const properties: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) properties[`p${i}`] = { type: 'string' };
    // Listed backwards with the last key left out: a scan of required per key reads it n²/2 times.
    const { list, reads } = counted(Array.from({ length: n - 1 }, (_, i) => `p${n - 2 - i}`));
    const violation = strictSchemaViolation({ type: 'object', properties, required: list, additionalProperties: false });
    expect(violation).toContain(`Missing 'p${n - 1}'.`);
    expect(reads()).toBeLessThanOrEqual(2 * n);
  });
});

describe('strict schema: a required key that is not a property', () => {
  const sim = useSimulator();
  const client = (): OpenAI => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'k', maxRetries: 0 });
  // A typo in required, or a property dropped but still required: OpenAI refuses it under strict
  // (its words as SamSaffron/term-llm#180 quotes them), where the simulator answered.
  const extra = { type: 'object', properties: { city: { type: 'string' } }, required: ['city', 'state'], additionalProperties: false };
  const words = "In context=(), 'required' is required to be supplied and to be an array including every key in properties. Extra required key 'state' supplied.";

  it('is refused on Chat Completions and Responses, as a response format and as a strict function', async () => {
    const messages = [{ role: 'user' as const, content: 'Hi' }];
    const format = await rejection(client().chat.completions.create({ model: 'gpt-4o', messages, response_format: { type: 'json_schema', json_schema: { name: 'place', strict: true, schema: extra } } }), OpenAI.BadRequestError);
    expect(format.error).toMatchObject({ message: `Invalid schema for response_format 'place': ${words}`, param: 'response_format' });
    const tool = await rejection(client().responses.create({ model: 'gpt-4o', input: 'Hi', tools: [{ type: 'function', name: 'lookup', strict: true, parameters: extra }] }), OpenAI.BadRequestError);
    expect(tool.error).toMatchObject({ message: `Invalid schema for function 'lookup': ${words}`, code: 'invalid_function_parameters' });
    // Not strict: answered.
    const loose = await client().chat.completions.create({ model: 'gpt-4o', messages, response_format: { type: 'json_schema', json_schema: { name: 'place', schema: extra } } });
    expect(loose.choices[0]!.message.content).toMatch(/^\{/);
  });
});
