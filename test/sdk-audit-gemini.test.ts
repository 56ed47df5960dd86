/**
 * Less-travelled paths of `@google/genai` against the real server, held to what the Gemini API
 * answers.
 */
import { ApiError, GoogleGenAI, HarmBlockThreshold, HarmCategory } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { rejection, useSimulator } from './fixtures/sim.js';

/** The categories the API takes, in its own order, as its refusal lists them. */
const SUPPORTED =
  'HarmCategory.HARM_CATEGORY_HATE_SPEECH, HarmCategory.HARM_CATEGORY_SEXUALLY_EXPLICIT, HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT, HarmCategory.HARM_CATEGORY_HARASSMENT, HarmCategory.HARM_CATEGORY_CIVIC_INTEGRITY, HarmCategory.HARM_CATEGORY_JAILBREAK';

describe('Gemini safetySettings', () => {
  const sim = useSimulator();
  const client = (): GoogleGenAI => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url } });
  const model = 'gemini-2.5-flash';
  const config = { maxOutputTokens: 20, thinkingConfig: { thinkingBudget: 0 } };

  it('takes the categories Gemini supports, streamed or not', async () => {
    const safetySettings = [
      { category: HarmCategory.HARM_CATEGORY_HARASSMENT, threshold: HarmBlockThreshold.BLOCK_LOW_AND_ABOVE },
      { category: HarmCategory.HARM_CATEGORY_HATE_SPEECH, threshold: HarmBlockThreshold.OFF },
      { category: HarmCategory.HARM_CATEGORY_SEXUALLY_EXPLICIT, threshold: HarmBlockThreshold.BLOCK_NONE },
      { category: HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT, threshold: HarmBlockThreshold.BLOCK_ONLY_HIGH },
      { category: HarmCategory.HARM_CATEGORY_CIVIC_INTEGRITY, threshold: HarmBlockThreshold.BLOCK_MEDIUM_AND_ABOVE },
    ];
    const r = await client().models.generateContent({ model, contents: 'hi', config: { ...config, safetySettings } });
    expect(r.candidates?.[0]?.finishReason).toBeDefined();
    let chunks = 0;
    for await (const c of await client().models.generateContentStream({ model, contents: 'hi', config: { ...config, safetySettings } })) chunks += c.candidates === undefined ? 0 : 1;
    expect(chunks).toBeGreaterThan(0);
  });

  // As the API answers (googleapis/js-genai#810, SillyTavern/SillyTavern#2728): a HarmCategory the
  // Gemini models do not filter on (the image ones the SDK marks "not supported in Gemini API",
  // PaLM's legacy ones, UNSPECIFIED) is a 400 naming each such setting, not a setting ignored.
  it('refuses a category Gemini does not filter on, naming each such setting', async () => {
    const err = await rejection(
      client().models.generateContent({
        model,
        contents: 'hi',
        config: {
          ...config,
          safetySettings: [
            { category: HarmCategory.HARM_CATEGORY_HARASSMENT, threshold: HarmBlockThreshold.BLOCK_NONE },
            { category: HarmCategory.HARM_CATEGORY_UNSPECIFIED, threshold: HarmBlockThreshold.BLOCK_NONE },
            // @ts-expect-error PaLM's category, not in the SDK's enum but in the API's
            { category: 'HARM_CATEGORY_DEROGATORY', threshold: HarmBlockThreshold.BLOCK_NONE },
          ],
        },
      }),
      ApiError,
    );
    expect(err.status).toBe(400);
    expect(JSON.parse(err.message)).toMatchObject({
      error: {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message:
          `* GenerateContentRequest.safety_settings[1]: element predicate failed: $.category in (${SUPPORTED})\n` +
          `* GenerateContentRequest.safety_settings[2]: element predicate failed: $.category in (${SUPPORTED})\n`,
      },
    });
  });

  // As the API answers a value outside the proto enum (NEKOparapa/AiNiee#746).
  it('refuses a category or threshold that is no enum value', async () => {
    const send = async (setting: Record<string, string>): Promise<{ message: string; details: unknown }> => {
      const res = await fetch(`${sim().url}/v1beta/models/${model}:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
        body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }], safety_settings: [setting] }),
      });
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: { message: string; details: unknown } }).error;
    };
    const image = await send({ category: 'HARM_CATEGORY_IMAGE_HATE', threshold: 'BLOCK_NONE' });
    expect(image.message).toBe(`Invalid value at 'safety_settings[0].category' (type.googleapis.com/google.ai.generativelanguage.v1beta.HarmCategory), "HARM_CATEGORY_IMAGE_HATE"`);
    expect(image.details).toEqual([{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'safety_settings[0].category', description: image.message }] }]);
    const threshold = await send({ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_SOME' });
    expect(threshold.message).toBe(`Invalid value at 'safety_settings[0].threshold' (type.googleapis.com/google.ai.generativelanguage.v1beta.SafetySetting.HarmBlockThreshold), "BLOCK_SOME"`);
  });

  it('checks the settings a countTokens generateContentRequest carries', async () => {
    const res = await fetch(`${sim().url}/v1beta/models/${model}:countTokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({
        generateContentRequest: { model: `models/${model}`, contents: [{ parts: [{ text: 'hi' }] }], safetySettings: [{ category: 'HARM_CATEGORY_MEDICAL', threshold: 'BLOCK_NONE' }] },
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      `* CountTokensRequest.generate_content_request.safety_settings[0]: element predicate failed: $.category in (${SUPPORTED})\n`,
    );
  });
});

describe('Gemini models.get and models.list', () => {
  const sim = useSimulator();
  const client = (): GoogleGenAI => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url } });

  // The API's Model has `thinking` ("Whether the model supports thinking features", the SDK's
  // type), true for the 2.5 and 3 models and absent for the others, as proto3 leaves a false out.
  it('says which models think', async () => {
    expect((await client().models.get({ model: 'gemini-2.5-flash' })).thinking).toBe(true);
    expect((await client().models.get({ model: 'gemini-2.5-pro' })).thinking).toBe(true);
    const listed = new Map<string, boolean | undefined>();
    for await (const m of await client().models.list({ config: { pageSize: 5 } })) listed.set(m.name!, m.thinking);
    expect(listed.get('models/gemini-2.5-flash-lite')).toBe(true);
    expect(listed.has('models/gemini-embedding-001')).toBe(true);
    expect(listed.get('models/gemini-embedding-001')).toBeUndefined();
    const raw = (await (await fetch(`${sim().url}/v1beta/models/gemini-embedding-001`, { headers: { 'x-goog-api-key': 'k' } })).json()) as Record<string, unknown>;
    expect('thinking' in raw).toBe(false);
  });
});
