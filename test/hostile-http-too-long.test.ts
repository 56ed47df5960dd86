/**
 * A list longer than OpenAI takes is refused in OpenAI's words: the wording clients have recorded
 * ("Invalid 'tools': array too long. Expected an array with maximum length 128, but got an array
 * with length 150 instead.", code `array_above_max_length`).
 */
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

const tool = (i: number) => ({ type: 'function', function: { name: `f${i}`, parameters: { type: 'object', properties: {} } } });

describe('an array past OpenAI\'s maximum length', () => {
  const sim = useSimulator();

  it('is refused with the length it has and the one allowed', async () => {
    const res = await fetch(`${sim().url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], tools: Array.from({ length: 150 }, (_, i) => tool(i)) }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: "Invalid 'tools': array too long. Expected an array with maximum length 128, but got an array with length 150 instead.",
        type: 'invalid_request_error',
        param: 'tools',
        code: 'array_above_max_length',
      },
    });
  });
});
