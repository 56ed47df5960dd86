/**
 * An adversarial review of the twentieth session's changes: each test here failed before its fix.
 */
import { ApiError, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

const strict = useSimulator({ strictModels: true, speed: 0, seed: 20 });
const gemini = (url: string): GoogleGenAI => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: url } });
const HELLO = [{ role: 'user' as const, content: 'Hello there' }];

describe('--strict-models and the Gemini ids @google/genai names', () => {
  // Gemini 3 Flash's id is gemini-3-flash-preview (the SDK's `Model` union, genai.d.ts); it was
  // served under --strict-models as an id that starts with the corpus's gemini-3-flash until
  // e0981b9 took only dated snapshots and served ids, and served-models.ts never listed it.
  it.each(['gemini-3-flash-preview', 'gemini-3.1-pro-preview-customtools', 'gemini-3.1-flash-image'])('serves %s on the native route, the compat route and models.get', async (model) => {
    const ai = gemini(strict().url);
    const r = await ai.models.generateContent({ model, contents: 'Hello there' });
    expect(r.text?.length).toBeGreaterThan(0);
    expect((await ai.models.get({ model })).name).toBe(`models/${model}`);
    const compat = new OpenAI({ baseURL: `${strict().url}/v1beta/openai`, apiKey: 'k', maxRetries: 0 });
    await expect(compat.chat.completions.create({ model, messages: HELLO })).resolves.toBeTruthy();
  });

  it('lists them, and still refuses an id no source names', async () => {
    const ids: string[] = [];
    for await (const m of await gemini(strict().url).models.list({ config: { pageSize: 1000 } })) ids.push(m.name ?? '');
    expect(ids).toEqual(expect.arrayContaining(['models/gemini-3-flash-preview', 'models/gemini-3.1-pro-preview-customtools']));
    await expect(gemini(strict().url).models.generateContent({ model: 'gemini-3-flash-previeww', contents: 'Hi' })).rejects.toBeInstanceOf(ApiError);
  });
});

describe('--strict-models and the Grok models xAI serves today', () => {
  // Grok 4.5 (2026-07-09, docs.x.ai/developers/grok-4-5), 4.6 and 4.7 (2026-09-21; Google Cloud's
  // Model Garden lists 4.7, 4.6, 4.3, 4.20) were 404; grok-4-latest, xAI's `<model>-latest` alias,
  // was known until e0981b9 took it for a typo of grok-4.
  it.each(['grok-4.5', 'grok-4.6', 'grok-4.7', 'grok-4-latest', 'grok-3-mini-latest'])('serves %s', async (model) => {
    const client = new OpenAI({ baseURL: `${strict().url}/v1`, apiKey: 'k', maxRetries: 0 });
    const r = await client.chat.completions.create({ model, messages: HELLO });
    expect(r.model).toBe(model);
    expect((await client.models.retrieve(model)).owned_by).toBe('xai');
  });
});

describe('Grok 4.7 takes a reasoning effort', () => {
  // "reasoning effort from low to xhigh" (runware.ai's Grok 4.7 page; apidog's Grok 4.7 API guide):
  // it was refused as Grok 4's is ("does not support parameter reasoningEffort").
  it.each(['grok-4.6', 'grok-4.7'])('%s answers a request with reasoning_effort high', async (model) => {
    const client = new OpenAI({ baseURL: `${strict().url}/v1`, apiKey: 'k', maxRetries: 0 });
    const r = await client.chat.completions.create({ model, messages: HELLO, reasoning_effort: 'high' });
    expect(r.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
  });
});

describe('--strict-models and a dated snapshot of a served model the corpus lacks', () => {
  // A snapshot of a corpus model (gpt-4o-2024-08-06) is known; one of a served model the corpus
  // lacks was not: gpt-5.4-2026-03-05 and gpt-5.5-2026-04-23 (GPT-5.4's and 5.5's releases,
  // docs.oxen.ai's model pages; effortSupport already reads them as gpt-5.4 and gpt-5.5) were 404.
  it.each(['gpt-5.4-2026-03-05', 'gpt-5.5-2026-04-23'])('serves %s', async (model) => {
    const client = new OpenAI({ baseURL: `${strict().url}/v1`, apiKey: 'k', maxRetries: 0 });
    const r = await client.chat.completions.create({ model, messages: HELLO });
    expect(r.model).toBe(model);
  });

  it.each(['gpt-5.4-mnii', 'gpt-5.3-chat-latest-2026-01-01', 'gpt-5.4-2026-03-05x'])('still refuses %s', async (model) => {
    const client = new OpenAI({ baseURL: `${strict().url}/v1`, apiKey: 'k', maxRetries: 0 });
    await expect(client.chat.completions.create({ model, messages: HELLO })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('Gemini 4 Argon on both routes, as its developer guide describes it', () => {
  const sim = useSimulator({ speed: 0, seed: 20 });

  // Argon takes LOW/MEDIUM/HIGH only: like the Pro models it succeeds, it cannot answer without
  // thinking. The compat route already mapped `none` to `low`; the native route took a zero budget
  // and thought nothing, so the two routes disagreed on one model.
  it('refuses a zero thinking budget as the Pro models do', async () => {
    const refused = gemini(sim().url).models.generateContent({ model: 'gemini-4-argon', contents: 'Hi', config: { thinkingConfig: { thinkingBudget: 0 } } });
    await expect(refused).rejects.toThrow('Budget 0 is invalid. This model only works in thinking mode.');
  });

  // "Implicit caching applies automatically to shared prompt prefixes of 6,144 tokens or more"
  // (Google's Gemini 4 Argon developer guide); it had Flash's 1,024.
  it('caches implicitly from 6,144 prompt tokens, not 1,024', async () => {
    const ask = (system: string, question: string) => gemini(sim().url).models.generateContent({ model: 'gemini-4-argon', contents: question, config: { systemInstruction: system } });
    const short = 'You are a careful assistant for a shipping company. Answer with the tracking policy in mind. '.repeat(200);
    await ask(short, 'Where is parcel 1?');
    expect((await ask(short, 'Where is parcel 2?')).usageMetadata!.cachedContentTokenCount).toBeUndefined();
    const long = 'You are a careful assistant for a shipping company. Answer with the tracking policy in mind. '.repeat(400);
    await ask(long, 'Where is parcel 3?');
    expect((await ask(long, 'Where is parcel 4?')).usageMetadata!.cachedContentTokenCount).toBeGreaterThanOrEqual(6144);
  });
});
