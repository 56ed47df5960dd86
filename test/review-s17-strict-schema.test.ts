/**
 * The strict-schema checks (OpenAI's Structured Outputs subset, Anthropic's closed objects) against
 * hostile and framework-made schemas: they run on the server thread before any answer, so their cost
 * must grow with the schema, not with its square.
 */
import { describe, expect, it } from 'vitest';
import { strictSchemaViolation } from '../src/server/openai/strict-schema.js';

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
