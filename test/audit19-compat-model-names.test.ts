/**
 * Gemini's OpenAI-compatible endpoint lists its models by resource name (`models/gemini-3-flash`),
 * and its retrieve takes an id with or without `models/`; chat and embeddings took only the bare
 * id. A listed name was served as an unknown model: gpt-4o-mini's entries, no thinking (3 Pro's
 * refused `medium` went through), OpenAI's catch-all timing, and with --strict-models a 404 naming
 * "models/models/…". It is now the model it names.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

describe.each([false, true])('the compat endpoint with a listed model name (strictModels %s)', (strictModels) => {
  const sim = useSimulator({ strictModels });
  const client = (): OpenAI => new OpenAI({ baseURL: `${sim().url}/v1beta/openai/`, apiKey: 'k', maxRetries: 0 });

  it('chat answers from that model, thinking as it does', async () => {
    const models = await client().models.list();
    const listed = models.data.map((m) => m.id).find((id) => id === 'models/gemini-2.5-flash');
    expect(listed).toBe('models/gemini-2.5-flash');
    const { response, data } = await client()
      .chat.completions.create({ model: listed!, messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    expect(response.headers.get('x-understudy-entry')).toMatch(/^gemini-2\.5-flash-/);
    expect(data.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
  });

  it("gets the model's own refusals", async () => {
    await expect(client().chat.completions.create({ model: 'models/gemini-3-pro-preview', reasoning_effort: 'medium', messages: [{ role: 'user', content: 'Hi' }] })).rejects.toMatchObject({ status: strictModels ? 404 : 400 });
  });

  it('embeddings are that model’s size', async () => {
    const reply = await client().embeddings.create({ model: 'models/text-embedding-004', input: 'hello', encoding_format: 'float' });
    expect(reply.data[0]!.embedding).toHaveLength(768);
  });

  it.runIf(strictModels)('an unknown one is not found under its own name, not models/models/…', async () => {
    const r = await fetch(`${sim().url}/v1beta/openai/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'models/gemini-9-nope', messages: [{ role: 'user', content: 'Hi' }] }) });
    expect(r.status).toBe(404);
    expect(await r.text()).toContain('"models/gemini-9-nope is not found');
  });
});
