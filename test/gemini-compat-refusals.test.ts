/**
 * The exchange's own refusals on Google's OpenAI-compatible routes (`/v1beta/openai/`): a body past
 * the limit is answered in the compat layer's shape, a
 * google.rpc.Status inside a JSON array, as every other failure there is
 * (`src/server/gemini/openai-compat.ts`), not as native Gemini's bare object.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

interface Status {
  readonly error: { readonly code: number; readonly message: string; readonly status: string };
}

describe("the exchange's refusals on Gemini's OpenAI-compatible routes", () => {
  const sim = useSimulator({ bodyLimitBytes: 4096 });
  const url = (): string => `${sim().url}/v1beta/openai/chat/completions`;
  const post = (body: string): Promise<Response> => fetch(url(), { method: 'POST', headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' }, body });

  it('answers a body past the limit in the array, with the status and message the native routes give', async () => {
    const big = JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x'.repeat(8000) }] });
    const res = await post(big);
    const native = await fetch(`${sim().url}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', headers: { 'x-goog-api-key': 'test-key', 'content-type': 'application/json' }, body: big });
    const nativeBody = (await native.json()) as Status;
    expect(res.status).toBe(native.status);
    const body = (await res.json()) as Status[];
    expect(Array.isArray(body)).toBe(true);
    expect(body[0]!.error).toEqual(nativeBody.error);
  });

  it('reaches the openai SDK as the error class it raises for the array shape', async () => {
    const client = new OpenAI({ apiKey: 'test-key', baseURL: `${sim().url}/v1beta/openai/`, maxRetries: 0 });
    const err = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x'.repeat(8000) }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    // The array has no `error` field: the SDK finds no error object in it, as against Google.
    expect((err as InstanceType<typeof OpenAI.APIError>).error).toBeUndefined();
  });
});
