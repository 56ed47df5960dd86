/**
 * Conformance of the official `@google/genai` SDK against the real server: every call goes through
 * the SDK's own request building, SSE parsing and error handling, so a wire-format slip shows up as
 * the SDK failure a user would see.
 */
import { ApiError, FinishReason, FunctionCallingConfigMode, GoogleGenAI, ThinkingLevel, Type, type Content, type FunctionDeclaration, type GenerateContentResponse } from '@google/genai';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { embedPrefix } from '../src/corpus/embedding.js';
import { type Simulator } from '../src/index.js';
import { float32Json } from '../src/server/float32-json.js';
import { healthChecksWhile, postJson, useSimulator } from './fixtures/sim.js';

const MODEL = 'gemini-2.5-flash';
const HELLO = 'Say hello in one sentence.';

function clientFor(sim: Simulator, apiKey = 'k'): GoogleGenAI {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl: sim.url } });
}

/** Awaits a request that must fail with an ApiError, and returns it with its parsed google.rpc.Status body. */
async function apiError(promise: Promise<unknown>): Promise<{ status: number; body: { error: { code: number; message: string; status: string; details?: Record<string, unknown>[] } } }> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    return { status: e.status, body: JSON.parse(e.message) as { error: { code: number; message: string; status: string } } };
  }
  throw new Error('expected an ApiError, but the request succeeded');
}

/** Gemini schemas use OpenAPI's uppercase type names; JSON Schema validators want lowercase. */
function lowerTypes(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(lowerTypes);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'type' && typeof v === 'string' ? v.toLowerCase() : lowerTypes(v);
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true, formats: { enum: true } });

const WEATHER_PARAMS = {
  type: Type.OBJECT,
  properties: {
    city: { type: Type.STRING },
    unit: { type: Type.STRING, enum: ['celsius', 'fahrenheit'], format: 'enum' },
    days: { type: Type.INTEGER, minimum: 1, maximum: 7 },
    fields: { type: Type.ARRAY, items: { type: Type.STRING, enum: ['temp', 'wind', 'rain'], format: 'enum' } },
  },
  required: ['city', 'unit', 'days', 'fields'],
};
const TIME_PARAMS = { type: Type.OBJECT, properties: { timezone: { type: Type.STRING } }, required: ['timezone'] };
const WEATHER: FunctionDeclaration = { name: 'get_weather', description: 'Forecast for a city', parameters: WEATHER_PARAMS };
const TIME: FunctionDeclaration = { name: 'get_time', description: 'Local time in a timezone', parameters: TIME_PARAMS };
const validators: Record<string, ReturnType<typeof ajv.compile>> = {
  get_weather: ajv.compile({ ...(lowerTypes(WEATHER_PARAMS) as object), additionalProperties: false }),
  get_time: ajv.compile({ ...(lowerTypes(TIME_PARAMS) as object), additionalProperties: false }),
};
const TOOL_PROMPT = 'What is the weather and the time in Lisbon?';

function expectValidCall(call: { name?: string; args?: Record<string, unknown> }): void {
  const validate = validators[call.name ?? '']!;
  expect(validate, `unexpected function ${call.name}`).toBeDefined();
  expect(validate(call.args), ajv.errorsText(validate.errors)).toBe(true);
}

describe('@google/genai against the simulator', () => {
  const sim = useSimulator();
  let ai: GoogleGenAI;
  beforeAll(() => {
    ai = clientFor(sim());
  });

  describe('models.generateContent', () => {
    it('returns text, finishReason STOP, consistent usageMetadata, modelVersion and a responseId', async () => {
      const r = await ai.models.generateContent({ model: MODEL, contents: HELLO, config: { seed: 1 } });
      expect(r.text!.length).toBeGreaterThan(0);
      expect(r.candidates).toHaveLength(1);
      const c = r.candidates![0]!;
      expect(c.index).toBe(0);
      expect(c.content!.role).toBe('model');
      expect(c.finishReason).toBe(FinishReason.STOP);
      const u = r.usageMetadata!;
      expect(u.promptTokenCount).toBeGreaterThan(0);
      expect(u.candidatesTokenCount).toBeGreaterThan(0);
      // Gemini 2.5 thinks by default: its thoughts are billed and counted in the total.
      expect(u.thoughtsTokenCount).toBeGreaterThan(0);
      expect(u.totalTokenCount).toBe(u.promptTokenCount! + u.candidatesTokenCount! + u.thoughtsTokenCount!);
      expect(r.modelVersion).toBe(MODEL);
      expect(r.responseId).toMatch(/^[A-Za-z0-9]{20,}$/);
    });

    it('gives the same answer for the same seed and prompt', async () => {
      const a = await ai.models.generateContent({ model: MODEL, contents: 'Tell me something useful.', config: { seed: 42 } });
      await ai.models.generateContent({ model: MODEL, contents: HELLO });
      const b = await ai.models.generateContent({ model: MODEL, contents: 'Tell me something useful.', config: { seed: 42 } });
      expect(b.text).toBe(a.text);
      expect(b.usageMetadata).toEqual(a.usageMetadata);
    });

    it('counts a systemInstruction into the prompt', async () => {
      const plain = await ai.models.generateContent({ model: MODEL, contents: HELLO });
      const withSystem = await ai.models.generateContent({
        model: MODEL,
        contents: HELLO,
        config: { systemInstruction: 'You are a careful assistant who explains every step in plain, friendly language.' },
      });
      expect(withSystem.text!.length).toBeGreaterThan(0);
      expect(withSystem.usageMetadata!.promptTokenCount).toBeGreaterThan(plain.usageMetadata!.promptTokenCount! + 10);
    });

    it.each([1, 3, 8])('maxOutputTokens %i cuts the answer with finishReason MAX_TOKENS (thinking off)', async (limit) => {
      const r = await ai.models.generateContent({ model: MODEL, contents: HELLO, config: { maxOutputTokens: limit, seed: limit, thinkingConfig: { thinkingBudget: 0 } } });
      expect(r.usageMetadata!.thoughtsTokenCount).toBeUndefined();
      expect(r.candidates![0]!.finishReason).toBe(FinishReason.MAX_TOKENS);
      expect(r.usageMetadata!.candidatesTokenCount).toBeGreaterThan(0);
      expect(r.usageMetadata!.candidatesTokenCount).toBeLessThanOrEqual(limit);
      expect(r.text!.length).toBeGreaterThan(0);
    });

    it('candidateCount 2 returns two candidates indexed 0 and 1', async () => {
      const r = await ai.models.generateContent({ model: MODEL, contents: HELLO, config: { candidateCount: 2, seed: 12 } });
      expect(r.candidates!.map((c) => c.index)).toEqual([0, 1]);
      for (const c of r.candidates!) {
        expect(c.finishReason).toBe(FinishReason.STOP);
        expect(c.content!.parts![0]!.text!.length).toBeGreaterThan(0);
      }
      const u = r.usageMetadata!;
      expect(u.totalTokenCount).toBe(u.promptTokenCount! + u.candidatesTokenCount! + u.thoughtsTokenCount!);
    });

    it('spends a small maxOutputTokens on thinking: no text, MAX_TOKENS, every token a thought', async () => {
      const r = await ai.models.generateContent({ model: MODEL, contents: HELLO, config: { maxOutputTokens: 40 } });
      expect(r.text).toBeUndefined();
      expect(r.candidates![0]!.finishReason).toBe(FinishReason.MAX_TOKENS);
      expect(r.usageMetadata).toMatchObject({ thoughtsTokenCount: 40, totalTokenCount: r.usageMetadata!.promptTokenCount! + 40 });
      expect(r.usageMetadata!.candidatesTokenCount).toBeUndefined();
    });

    it('includeThoughts shows thought parts before the answer, counted as thoughts, streamed first', async () => {
      const config = { seed: 8, thinkingConfig: { includeThoughts: true } };
      const plain = await ai.models.generateContent({ model: MODEL, contents: HELLO, config: { seed: 8 } });
      const r = await ai.models.generateContent({ model: MODEL, contents: HELLO, config });
      const parts = r.candidates![0]!.content!.parts!;
      expect(parts[0]!.thought).toBe(true);
      expect(parts[0]!.text!.length).toBeGreaterThan(0);
      expect(parts.slice(1).every((p) => p.thought === undefined)).toBe(true);
      // The answer and its count are the same as without the thoughts, which count as thoughts.
      expect(r.text).toBe(plain.text);
      expect(r.usageMetadata!.candidatesTokenCount).toBe(plain.usageMetadata!.candidatesTokenCount);
      let thoughts = '';
      let text = '';
      let seenText = false;
      for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: HELLO, config })) {
        for (const p of chunk.candidates?.[0]?.content?.parts ?? []) {
          if (p.thought === true) {
            expect(seenText).toBe(false);
            thoughts += p.text ?? '';
          } else {
            seenText = true;
            text += p.text ?? '';
          }
        }
        expect(chunk.usageMetadata!.candidatesTokenCount ?? 0).toBeLessThanOrEqual(plain.usageMetadata!.candidatesTokenCount!);
      }
      expect(thoughts).toBe(parts[0]!.text);
      expect(text).toBe(plain.text);
    });

    it('thinks within a thinkingBudget, not at all on Flash with 0, and refuses 0 on Pro', async () => {
      for (let seed = 1; seed <= 5; seed++) {
        const r = await ai.models.generateContent({ model: MODEL, contents: HELLO, config: { seed, thinkingConfig: { thinkingBudget: 100 } } });
        expect(r.usageMetadata!.thoughtsTokenCount).toBeGreaterThanOrEqual(13);
        expect(r.usageMetadata!.thoughtsTokenCount).toBeLessThanOrEqual(100);
      }
      const off = await ai.models.generateContent({ model: MODEL, contents: HELLO, config: { thinkingConfig: { thinkingBudget: 0 } } });
      expect(off.usageMetadata!.thoughtsTokenCount).toBeUndefined();
      expect(off.usageMetadata!.totalTokenCount).toBe(off.usageMetadata!.promptTokenCount! + off.usageMetadata!.candidatesTokenCount!);
      const { status, body } = await apiError(ai.models.generateContent({ model: 'gemini-2.5-pro', contents: HELLO, config: { thinkingConfig: { thinkingBudget: 0 } } }));
      expect(status).toBe(400);
      expect(body.error).toEqual({ code: 400, message: 'Budget 0 is invalid. This model only works in thinking mode.', status: 'INVALID_ARGUMENT' });
      // Gemini 3's thinkingLevel sets how much (high by default).
      const thoughts = async (thinkingLevel?: ThinkingLevel) => {
        let n = 0;
        for (let seed = 1; seed <= 6; seed++) {
          const r = await ai.models.generateContent({ model: 'gemini-3-pro-preview', contents: HELLO, config: { seed, ...(thinkingLevel ? { thinkingConfig: { thinkingLevel } } : {}) } });
          n += r.usageMetadata!.thoughtsTokenCount!;
        }
        return n;
      };
      // Pro's low is 21-213 thoughts (Gemini 3's own ranges, docs/surfaces.md).
      const low = await thoughts(ThinkingLevel.LOW);
      expect(low).toBeGreaterThanOrEqual(6 * 21);
      expect(low).toBeLessThanOrEqual(6 * 213);
      expect(await thoughts(ThinkingLevel.HIGH)).toBeGreaterThan(low);
      expect(await thoughts()).toBe(await thoughts(ThinkingLevel.HIGH));
      // The two controls do not mix, and 2.5 takes only a budget, as Gemini refuses them.
      const both = await apiError(ai.models.generateContent({ model: 'gemini-3-pro-preview', contents: HELLO, config: { thinkingConfig: { thinkingLevel: ThinkingLevel.LOW, thinkingBudget: 512 } } }));
      expect(both.body.error).toEqual({ code: 400, message: 'thinking_budget and thinking_level are not supported together.', status: 'INVALID_ARGUMENT' });
      const level25 = await apiError(ai.models.generateContent({ model: MODEL, contents: HELLO, config: { thinkingConfig: { thinkingLevel: ThinkingLevel.LOW } } }));
      expect(level25.body.error.message).toBe('Thinking level is not supported for this model.');
      // 2.5 Flash-Lite thinks only when given a budget.
      const lite = async (thinkingConfig?: { thinkingBudget: number }) =>
        (await ai.models.generateContent({ model: 'gemini-2.5-flash-lite', contents: HELLO, config: thinkingConfig ? { thinkingConfig } : {} })).usageMetadata!.thoughtsTokenCount;
      expect(await lite()).toBeUndefined();
      expect(await lite({ thinkingBudget: 512 })).toBeGreaterThan(0);
      // Models before 2.5 do not think.
      const older = await ai.models.generateContent({ model: 'gemini-2.0-flash', contents: HELLO });
      expect(older.usageMetadata!.thoughtsTokenCount).toBeUndefined();
    });
  });

  describe('models.generateContentStream', () => {
    async function collect(contents: string, config: Record<string, unknown> = {}): Promise<GenerateContentResponse[]> {
      const stream = await ai.models.generateContentStream({ model: MODEL, contents, config });
      const chunks: GenerateContentResponse[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      return chunks;
    }

    it('streams chunks whose text concatenates to the non-streaming answer, finishReason on the last only', async () => {
      const chunks = await collect(HELLO, { seed: 3 });
      const whole = await ai.models.generateContent({ model: MODEL, contents: HELLO, config: { seed: 3 } });
      expect(chunks.length).toBeGreaterThan(0);
      expect(chunks.map((c) => c.text ?? '').join('')).toBe(whole.text);
      const finishes = chunks.filter((c) => c.candidates?.[0]?.finishReason !== undefined);
      expect(finishes).toEqual([chunks[chunks.length - 1]]);
      expect(finishes[0]!.candidates![0]!.finishReason).toBe(FinishReason.STOP);
      for (const c of chunks) {
        expect(c.responseId).toBe(chunks[0]!.responseId);
        expect(c.modelVersion).toBe(MODEL);
      }
    });

    it('repeats usageMetadata on every chunk with a cumulative candidatesTokenCount', async () => {
      const chunks = await collect('Explain how a hash map handles collisions, in detail.', { seed: 5 });
      expect(chunks.length).toBeGreaterThan(1);
      let previous = 0;
      for (const c of chunks) {
        const u = c.usageMetadata!;
        expect(u.promptTokenCount).toBeGreaterThan(0);
        expect(u.candidatesTokenCount).toBeGreaterThan(previous);
        // The thoughts came before the first chunk, so every chunk reports all of them.
        expect(u.thoughtsTokenCount).toBe(chunks[0]!.usageMetadata!.thoughtsTokenCount);
        expect(u.totalTokenCount).toBe(u.promptTokenCount! + u.candidatesTokenCount! + u.thoughtsTokenCount!);
        previous = u.candidatesTokenCount!;
      }
      const whole = await ai.models.generateContent({ model: MODEL, contents: 'Explain how a hash map handles collisions, in detail.', config: { seed: 5 } });
      expect(previous).toBe(whole.usageMetadata!.candidatesTokenCount);
    });

    it('ends a cut stream with MAX_TOKENS', async () => {
      const chunks = await collect(HELLO, { maxOutputTokens: 4, seed: 4, thinkingConfig: { thinkingBudget: 0 } });
      expect(chunks[chunks.length - 1]!.candidates![0]!.finishReason).toBe(FinishReason.MAX_TOKENS);
      expect(chunks[chunks.length - 1]!.usageMetadata!.candidatesTokenCount).toBeLessThanOrEqual(4);
    });

    it('sends a function call whole in one chunk, args an object', async () => {
      const stream = await ai.models.generateContentStream({
        model: MODEL,
        contents: TOOL_PROMPT,
        config: { tools: [{ functionDeclarations: [WEATHER] }], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } } },
      });
      const calls = [];
      let last: GenerateContentResponse | undefined;
      for await (const chunk of stream) {
        calls.push(...(chunk.functionCalls ?? []));
        last = chunk;
      }
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) {
        expect(call.name).toBe('get_weather');
        expectValidCall(call);
      }
      expect(last!.candidates![0]!.finishReason).toBe(FinishReason.STOP);
    });
  });

  describe('structured output', () => {
    const PERSON = {
      type: Type.OBJECT,
      properties: {
        name: { type: Type.STRING },
        age: { type: Type.INTEGER, minimum: 0, maximum: 150 },
        tags: { type: Type.ARRAY, items: { type: Type.STRING } },
        role: { type: Type.STRING, enum: ['admin', 'member'], format: 'enum' },
        nickname: { type: Type.STRING, nullable: true },
      },
      required: ['name', 'age', 'tags', 'role', 'nickname'],
      propertyOrdering: ['name', 'age', 'tags', 'role', 'nickname'],
    };

    it('responseSchema (uppercase OpenAPI types) gives JSON text that validates', async () => {
      const validate = ajv.compile({ ...(lowerTypes(PERSON) as object), properties: { ...(lowerTypes(PERSON.properties) as object), nickname: { type: ['string', 'null'] } }, additionalProperties: false });
      for (const seed of [1, 2, 3, 4]) {
        const r = await ai.models.generateContent({ model: MODEL, contents: 'Invent a person.', config: { seed, responseMimeType: 'application/json', responseSchema: PERSON } });
        expect(r.candidates![0]!.finishReason).toBe(FinishReason.STOP);
        const data: unknown = JSON.parse(r.text!);
        expect(validate(data), ajv.errorsText(validate.errors)).toBe(true);
      }
    });

    it('responseJsonSchema (JSON Schema) gives JSON text that validates, streamed too', async () => {
      const schema = { type: 'object', properties: { n: { type: 'integer', minimum: 1, maximum: 9 }, word: { type: 'string' } }, required: ['n', 'word'], additionalProperties: false };
      const validate = ajv.compile(schema);
      const stream = await ai.models.generateContentStream({ model: MODEL, contents: 'Pick a number.', config: { responseMimeType: 'application/json', responseJsonSchema: schema } });
      let text = '';
      for await (const chunk of stream) text += chunk.text ?? '';
      const data: unknown = JSON.parse(text);
      expect(validate(data), ajv.errorsText(validate.errors)).toBe(true);
    });

    it('application/json without a schema gives a JSON value', async () => {
      for (const seed of [1, 2, 3, 4]) {
        const r = await ai.models.generateContent({ model: MODEL, contents: 'Describe a cat as JSON.', config: { seed, responseMimeType: 'application/json' } });
        expect(() => JSON.parse(r.text!) as unknown, r.text).not.toThrow();
      }
    });

    it('text/x.enum answers with one of the enum values, bare', async () => {
      const r = await ai.models.generateContent({
        model: MODEL,
        contents: 'Which instrument?',
        config: { responseMimeType: 'text/x.enum', responseSchema: { type: Type.STRING, format: 'enum', enum: ['Percussion', 'String', 'Woodwind'] } },
      });
      expect(['Percussion', 'String', 'Woodwind']).toContain(r.text);
    });
  });

  describe('function calling', () => {
    it('mode ANY calls a declared function with args valid against its parameters', async () => {
      for (const seed of [1, 2, 3, 4, 5]) {
        const r = await ai.models.generateContent({
          model: MODEL,
          contents: TOOL_PROMPT,
          config: { seed, tools: [{ functionDeclarations: [WEATHER, TIME] }], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } } },
        });
        const calls = r.functionCalls ?? [];
        expect(calls.length).toBeGreaterThan(0);
        for (const call of calls) {
          expect(typeof call.args).toBe('object');
          expectValidCall(call);
        }
        expect(r.candidates![0]!.finishReason).toBe(FinishReason.STOP);
        // A thinking model signs its first call; the client sends the signature back with it.
        const parts = r.candidates![0]!.content!.parts!.filter((p) => p.functionCall !== undefined);
        expect(parts[0]!.thoughtSignature).toMatch(/^[A-Za-z0-9+/]{128}$/);
        for (const p of parts.slice(1)) expect(p.thoughtSignature).toBeUndefined();
      }
      // Streamed too; and with thinking off there is nothing to sign.
      const config = { seed: 1, tools: [{ functionDeclarations: [WEATHER] }], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } } };
      const signed: (string | undefined)[] = [];
      for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: TOOL_PROMPT, config })) {
        for (const p of chunk.candidates?.[0]?.content?.parts ?? []) if (p.functionCall) signed.push(p.thoughtSignature);
      }
      expect(signed[0]).toMatch(/^[A-Za-z0-9+/]{128}$/);
      const off = await ai.models.generateContent({ model: MODEL, contents: TOOL_PROMPT, config: { ...config, thinkingConfig: { thinkingBudget: 0 } } });
      expect(off.candidates![0]!.content!.parts!.every((p) => p.thoughtSignature === undefined)).toBe(true);
    });

    it('Gemini 3 signs its text: on the text part, and streamed as a last empty text part carrying the finish; 2.5 does not', async () => {
      const r = await ai.models.generateContent({ model: 'gemini-3-flash', contents: HELLO });
      const parts = r.candidates![0]!.content!.parts!;
      expect(parts).toHaveLength(1);
      expect(parts[0]!.text!.length).toBeGreaterThan(0);
      expect(parts[0]!.thoughtSignature).toMatch(/^[A-Za-z0-9+/]{128}$/);
      const chunks: GenerateContentResponse[] = [];
      for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-3-flash', contents: HELLO })) chunks.push(chunk);
      const last = chunks.at(-1)!.candidates![0]!;
      expect(last.content!.parts).toEqual([{ text: '', thoughtSignature: expect.stringMatching(/^[A-Za-z0-9+/]{128}$/) as unknown }]);
      expect(last.finishReason).toBe(FinishReason.STOP);
      for (const c of chunks.slice(0, -1)) expect(c.candidates![0]!.finishReason).toBeUndefined();
      const flash25 = await ai.models.generateContent({ model: MODEL, contents: HELLO });
      expect(flash25.candidates![0]!.content!.parts!.every((p) => p.thoughtSignature === undefined)).toBe(true);
    });

    it('caches implicitly on 2.5 and later: a repeated prefix past the model\'s minimum comes back as cachedContentTokenCount', async () => {
      const system = 'You are a careful assistant for a shipping company. Answer with the tracking policy in mind. '.repeat(90);
      const systemTokens = (await ai.models.countTokens({ model: MODEL, contents: [{ role: 'user', parts: [{ text: system }] }] })).totalTokens!;
      expect(systemTokens).toBeGreaterThan(1024);
      const ask = (model: string, question: string) => ai.models.generateContent({ model, contents: question, config: { systemInstruction: system, thinkingConfig: { thinkingBudget: 128 } } });
      const first = await ask(MODEL, 'Where is parcel 1?');
      expect(first.usageMetadata!.cachedContentTokenCount).toBeUndefined();
      const second = await ask(MODEL, 'Where is parcel 2?');
      expect(second.usageMetadata!.cachedContentTokenCount).toBe(systemTokens);
      expect(second.usageMetadata!.cacheTokensDetails).toEqual([{ modality: 'TEXT', tokenCount: systemTokens }]);
      expect(second.usageMetadata!.promptTokenCount).toBeGreaterThan(systemTokens);
      // An image inside the cached prefix is reported apart from its text.
      const png = Buffer.from('89504e470d0a1a0a', 'hex').toString('base64');
      const withImage = (q: string) => ai.models.generateContent({ model: MODEL, contents: [{ role: 'user', parts: [{ text: system }, { inlineData: { mimeType: 'image/png', data: png } }] }, { role: 'model', parts: [{ text: 'Noted.' }] }, { role: 'user', parts: [{ text: q }] }], config: { thinkingConfig: { thinkingBudget: 128 } } });
      await withImage('Where is parcel 5?');
      const cachedImage = (await withImage('Where is parcel 6?')).usageMetadata!;
      expect(cachedImage.cacheTokensDetails).toContainEqual({ modality: 'IMAGE', tokenCount: 258 });
      expect(cachedImage.cacheTokensDetails!.reduce((n, d) => n + d.tokenCount!, 0)).toBe(cachedImage.cachedContentTokenCount);
      // Pro caches from 4,096 tokens: this prefix is too short there.
      await ask('gemini-2.5-pro', 'Where is parcel 3?');
      expect((await ask('gemini-2.5-pro', 'Where is parcel 4?')).usageMetadata!.cachedContentTokenCount).toBeUndefined();
    });

    it('reports prompt tokens by modality: an image counts apart from the text, in usage and in countTokens', async () => {
      const png = Buffer.from('89504e470d0a1a0a', 'hex').toString('base64');
      const contents = [{ role: 'user', parts: [{ text: 'Describe this picture.' }, { inlineData: { mimeType: 'image/png', data: png } }, { fileData: { mimeType: 'application/pdf', fileUri: 'gs://b/f.pdf' } }] }];
      const r = await ai.models.generateContent({ model: MODEL, contents, config: { thinkingConfig: { thinkingBudget: 0 } } });
      const usage = r.usageMetadata!;
      const text = usage.promptTokenCount! - 2 * 258;
      expect(text).toBeGreaterThan(0);
      expect(usage.promptTokensDetails).toEqual([
        { modality: 'TEXT', tokenCount: text },
        { modality: 'IMAGE', tokenCount: 258 },
        { modality: 'DOCUMENT', tokenCount: 258 },
      ]);
      // This SDK keeps only totalTokens of countTokens' answer; the REST body has the details too.
      expect((await ai.models.countTokens({ model: MODEL, contents })).totalTokens).toBe(usage.promptTokenCount);
      const raw = await fetch(`${sim().url}/v1beta/models/${MODEL}:countTokens`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' }, body: JSON.stringify({ contents }) });
      expect(((await raw.json()) as { promptTokensDetails: unknown }).promptTokensDetails).toEqual(usage.promptTokensDetails);
    });

    it('allowedFunctionNames limits the calls to those names', async () => {
      for (const seed of [1, 2, 3]) {
        const r = await ai.models.generateContent({
          model: MODEL,
          contents: TOOL_PROMPT,
          config: {
            seed,
            tools: [{ functionDeclarations: [WEATHER, TIME] }],
            toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ['get_time'] } },
          },
        });
        expect(r.functionCalls!.length).toBeGreaterThan(0);
        for (const call of r.functionCalls!) expect(call.name).toBe('get_time');
      }
    });

    it('mode NONE answers in text', async () => {
      const r = await ai.models.generateContent({
        model: MODEL,
        contents: TOOL_PROMPT,
        config: { tools: [{ functionDeclarations: [WEATHER] }], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.NONE } } },
      });
      expect(r.functionCalls).toBeUndefined();
      expect(r.text!.length).toBeGreaterThan(0);
    });

    it('answers a functionResponse turn in text', async () => {
      const first = await ai.models.generateContent({
        model: MODEL,
        contents: TOOL_PROMPT,
        config: { tools: [{ functionDeclarations: [WEATHER] }], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } } },
      });
      const call = first.functionCalls![0]!;
      for (const seed of [1, 2, 3, 4]) {
        const contents: Content[] = [
          { role: 'user', parts: [{ text: TOOL_PROMPT }] },
          { role: 'model', parts: [{ functionCall: call }] },
          { role: 'user', parts: [{ functionResponse: { name: call.name!, response: { temp: 19, wind: 'light' } } }] },
        ];
        const r = await ai.models.generateContent({ model: MODEL, contents, config: { seed, tools: [{ functionDeclarations: [WEATHER] }] } });
        expect(r.functionCalls).toBeUndefined();
        expect(r.text!.length).toBeGreaterThan(0);
        expect(r.candidates![0]!.finishReason).toBe(FinishReason.STOP);
      }
    });
  });

  describe('models.embedContent', () => {
    const BATCH_PATH = '/v1beta/models/gemini-embedding-001:batchEmbedContents';
    const norm = (v: readonly number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

    it('embeds one content with gemini-embedding-001 at 3072 dimensions, unit length', async () => {
      const r = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: 'hello world' });
      expect(r.embeddings).toHaveLength(1);
      const values = r.embeddings![0]!.values!;
      expect(values).toHaveLength(3072);
      expect(norm(values)).toBeCloseTo(1, 4);
    });

    it('sends each value as the shortest decimal that reads back as the float32, as the API does', async () => {
      const vector = embedPrefix('hello world', 3072, new Float32Array(3072));
      const r = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: 'hello world' });
      expect(Float32Array.from(r.embeddings![0]!.values!)).toEqual(vector);
      const res = await postJson(sim().url, '/v1beta/models/gemini-embedding-001:embedContent', { content: { parts: [{ text: 'hello world' }] } });
      // `{"embedding":{"values":[0.0023064255,…]}}`: float64's form would be about twice as long.
      expect(await res.text()).toBe(`{"embedding":{"values":[${Array.from(vector, float32Json).join(',')}]}}`);
    });

    it('embeds several contents with text-embedding-004 at 768 dimensions, deterministically', async () => {
      const contents = ['the cat sat on the mat', 'quarterly revenue grew', 'the cat sat on the mat'];
      const a = await ai.models.embedContent({ model: 'text-embedding-004', contents });
      const b = await ai.models.embedContent({ model: 'text-embedding-004', contents });
      expect(a.embeddings).toHaveLength(3);
      for (const e of a.embeddings!) expect(e.values).toHaveLength(768);
      expect(a.embeddings).toEqual(b.embeddings);
      expect(a.embeddings![0]!.values).toEqual(a.embeddings![2]!.values);
      expect(a.embeddings![0]!.values).not.toEqual(a.embeddings![1]!.values);
    });

    it('computes a 100 × 3,072 batch in the pool while the server thread keeps answering, with the inline bytes', async () => {
      const contents = Array.from({ length: 100 }, (_, i) => `document ${i} about topic ${i % 37}: retrieval, ranking and vector search`);
      const requests = contents.map((text) => ({ model: 'models/gemini-embedding-001', content: { parts: [{ text }] } }));
      // Done when the reply's headers arrive: the client's parsing of 2 MB of floats is not counted.
      const { value: res, answered } = await healthChecksWhile(sim().url, postJson(sim().url, BATCH_PATH, { requests }));
      expect(res.status).toBe(200);
      const body = (await res.json()) as { embeddings: { values: number[] }[] };
      expect(answered).toBeGreaterThanOrEqual(3);
      expect(body.embeddings).toHaveLength(100);
      for (const e of body.embeddings) expect(norm(e.values)).toBeCloseTo(1, 4);
      // A batch of one is computed inline: the same floats, through the SDK.
      const single = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: contents[42]! });
      expect(single.embeddings![0]!.values).toEqual(body.embeddings[42]!.values);
    });

    it('computes a large batch of mixed lengths in the pool too, with the same floats as alone', async () => {
      const texts = Array.from({ length: 100 }, (_, i) => `passage ${i} on topic ${i % 13}: caching, queues and backpressure`);
      const requests = texts.map((text, i) => ({ model: 'models/gemini-embedding-001', content: { parts: [{ text }] }, ...(i % 10 === 0 ? { outputDimensionality: 768 } : {}) }));
      const { value: res, answered } = await healthChecksWhile(sim().url, postJson(sim().url, BATCH_PATH, { requests }));
      expect(res.status).toBe(200);
      const body = (await res.json()) as { embeddings: { values: number[] }[] };
      expect(answered).toBeGreaterThanOrEqual(3);
      expect(body.embeddings.map((e) => e.values.length)).toEqual(texts.map((_, i) => (i % 10 === 0 ? 768 : 3072)));
      const alone = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: texts[10]!, config: { outputDimensionality: 768 } });
      expect(alone.embeddings![0]!.values).toEqual(body.embeddings[10]!.values);
      const alone2 = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: texts[11]! });
      expect(alone2.embeddings![0]!.values).toEqual(body.embeddings[11]!.values);
    });

    it('answers a batch whose requests ask for different lengths', async () => {
      const res = await postJson(sim().url, BATCH_PATH, {
        requests: [
          { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'a' }] }, outputDimensionality: 8 },
          { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'a' }] } },
        ],
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { embeddings: { values: number[] }[] };
      expect(body.embeddings.map((e) => e.values.length)).toEqual([8, 3072]);
      // Only the full 3,072 is normalized (Google's docs); a shorter one is a prefix's norm.
      expect(norm(body.embeddings[0]!.values)).toBeLessThan(0.1);
      expect(norm(body.embeddings[1]!.values)).toBeCloseTo(1, 4);
    });

    it('honours outputDimensionality', async () => {
      const r = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: ['a', 'b'], config: { outputDimensionality: 256, taskType: 'RETRIEVAL_DOCUMENT' } });
      for (const e of r.embeddings!) {
        expect(e.values).toHaveLength(256);
        // Not normalized below 3,072, as Google documents.
        expect(norm(e.values!)).toBeGreaterThan(0);
        expect(norm(e.values!)).toBeLessThan(0.9);
      }
    });
  });

  describe('context window', () => {
    it('refuses input past 1,048,576 tokens with 400 INVALID_ARGUMENT; countTokens still counts it', async () => {
      const contents = 'word '.repeat(1_050_000);
      const { status, body } = await apiError(ai.models.generateContent({ model: MODEL, contents }));
      expect(status).toBe(400);
      expect(body.error.status).toBe('INVALID_ARGUMENT');
      const n = Number(/^The input token count \((\d+)\) exceeds the maximum number of tokens allowed \(1048576\)\.$/.exec(body.error.message)?.[1]);
      expect(n).toBeGreaterThan(1_048_576);
      expect((await ai.models.countTokens({ model: MODEL, contents })).totalTokens).toBe(n);
    }, 30_000);
  });

  describe('output limit', () => {
    it('refuses maxOutputTokens past the model limit with 400 INVALID_ARGUMENT and the range it takes, streamed too', async () => {
      const over = (model: string, maxOutputTokens: number, stream = false) =>
        apiError(stream ? ai.models.generateContentStream({ model, contents: HELLO, config: { maxOutputTokens } }) : ai.models.generateContent({ model, contents: HELLO, config: { maxOutputTokens } }));
      for (const stream of [false, true]) {
        const { status, body } = await over(MODEL, 65_537, stream);
        expect(status).toBe(400);
        expect(body.error).toEqual({
          code: 400,
          message: 'Unable to submit request because it has a maxOutputTokens value of 65537 but the supported range is from 1 (inclusive) to 65537 (exclusive). Update the value and try again.',
          status: 'INVALID_ARGUMENT',
        });
      }
      expect((await over('gemini-2.0-flash', 8_193)).body.error.message).toContain('value of 8193 but the supported range is from 1 (inclusive) to 8193 (exclusive)');
      // The limit itself is taken, and an id the table does not know is cut rather than refused.
      expect((await ai.models.generateContent({ model: MODEL, contents: HELLO, config: { maxOutputTokens: 65_536 } })).candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
      expect((await ai.models.generateContent({ model: 'my-tuned-model', contents: HELLO, config: { maxOutputTokens: 1_000_000 } })).candidates).toHaveLength(1);
    });
  });

  describe('models.countTokens', () => {
    it('counts what generateContent reports as promptTokenCount, more for longer text', async () => {
      const short = await ai.models.countTokens({ model: MODEL, contents: 'Hi' });
      const long = await ai.models.countTokens({ model: MODEL, contents: 'Explain how a hash map handles collisions, with an example in TypeScript.' });
      expect(short.totalTokens).toBeGreaterThan(0);
      expect(long.totalTokens).toBeGreaterThan(short.totalTokens! + 5);
      const r = await ai.models.generateContent({ model: MODEL, contents: 'Explain how a hash map handles collisions, with an example in TypeScript.' });
      expect(r.usageMetadata!.promptTokenCount).toBe(long.totalTokens);
    });
  });

  describe('models.list and models.get', () => {
    it('lists the corpus models and the embedding models through the pager', async () => {
      const names: string[] = [];
      const pager = await ai.models.list({ config: { pageSize: 5 } });
      for await (const m of pager) names.push(m.name!);
      expect(names).toContain(`models/${MODEL}`);
      expect(names).toContain('models/gemini-embedding-001');
      expect(new Set(names).size).toBe(names.length);
      expect(names.length).toBeGreaterThan(5);
    });

    it("answers the v1 API's models at /v1/models in Gemini's shape, not OpenAI's", async () => {
      const v1 = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url, apiVersion: 'v1' } });
      const names: string[] = [];
      for await (const m of await v1.models.list()) names.push(m.name!);
      expect(names).toContain(`models/${MODEL}`);
      const m = await v1.models.get({ model: MODEL });
      expect(m).toMatchObject({ name: `models/${MODEL}`, outputTokenLimit: 65_536 });
    });

    it('gets one model with its limits and supported actions', async () => {
      const m = await ai.models.get({ model: MODEL });
      expect(m.name).toBe(`models/${MODEL}`);
      expect(m.displayName).toBe('Gemini 2.5 Flash');
      // The limits the simulator enforces: the context window it refuses past, the output it cuts at.
      expect(m.inputTokenLimit).toBe(1_048_576);
      expect(m.outputTokenLimit).toBe(65_536);
      const other = await ai.models.get({ model: 'gpt-4.1-mini' });
      expect(other.inputTokenLimit).toBe(1_047_576);
      expect(other.outputTokenLimit).toBe(32_768);
      expect(m.supportedActions).toContain('generateContent');
    });
  });

  describe('raw stream bytes', () => {
    it('are data-only frames of one-line JSON ending in CRLF CRLF, with no event lines and no [DONE]', async () => {
      const res = await fetch(`${sim().url}/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: HELLO }] }], generationConfig: { candidateCount: 2 } }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(String.fromCharCode(bytes[0]!)).toBe('d');
      const text = bytes.toString('utf8');
      expect(text).not.toMatch(/^event:/m);
      expect(text).not.toMatch(/^:/m);
      expect(text).not.toContain('[DONE]');
      expect(text.endsWith('\r\n\r\n')).toBe(true);
      const frames = text.slice(0, -4).split('\r\n\r\n');
      expect(frames.length).toBeGreaterThan(1);
      const lanes = new Set<number>();
      for (const frame of frames) {
        expect(frame).toMatch(/^data: \{[^\r\n]*\}$/);
        const chunk = JSON.parse(frame.slice(6)) as { candidates: { index: number }[] };
        lanes.add(chunk.candidates[0]!.index);
      }
      expect([...lanes].sort()).toEqual([0, 1]);
    });
  });
});

describe('@google/genai errors', () => {
  describe('with apiKeys configured', () => {
    const sim = useSimulator({ apiKeys: ['good-key'] });

    it('a wrong key is ApiError 400 INVALID_ARGUMENT with ErrorInfo API_KEY_INVALID', async () => {
      const { status, body } = await apiError(clientFor(sim(), 'bad-key').models.generateContent({ model: MODEL, contents: HELLO }));
      expect(status).toBe(400);
      expect(body.error.code).toBe(400);
      expect(body.error.status).toBe('INVALID_ARGUMENT');
      expect(body.error.message).toBe('API key not valid. Please pass a valid API key.');
      expect(body.error.details).toContainEqual(expect.objectContaining({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }));
    });

    it('a wrong key fails a stream before it starts', async () => {
      const { status, body } = await apiError(clientFor(sim(), 'bad-key').models.generateContentStream({ model: MODEL, contents: HELLO }));
      expect(status).toBe(400);
      expect(body.error.status).toBe('INVALID_ARGUMENT');
    });

    it('the right key works', async () => {
      const r = await clientFor(sim(), 'good-key').models.generateContent({ model: MODEL, contents: HELLO });
      expect(r.text!.length).toBeGreaterThan(0);
    });
  });

  describe('with strictModels', () => {
    const sim = useSimulator({ strictModels: true });

    it('an unknown model is ApiError 404 NOT_FOUND naming the model and method', async () => {
      const { status, body } = await apiError(clientFor(sim()).models.generateContent({ model: 'gemini-1.0-nope', contents: HELLO }));
      expect(status).toBe(404);
      expect(body.error.status).toBe('NOT_FOUND');
      expect(body.error.message).toBe(
        'models/gemini-1.0-nope is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.',
      );
    });

    it('an unknown embedding model is 404 too', async () => {
      const { status, body } = await apiError(clientFor(sim()).models.embedContent({ model: 'my-embedder', contents: 'x' }));
      expect(status).toBe(404);
      expect(body.error.message).toMatch(/^models\/my-embedder is not found .* batchEmbedContents/);
    });

    it('a corpus model still works', async () => {
      const r = await clientFor(sim()).models.generateContent({ model: MODEL, contents: HELLO });
      expect(r.text!.length).toBeGreaterThan(0);
    });
  });

  describe('invalid requests', () => {
    const sim = useSimulator();

    it('a bad role is ApiError 400 INVALID_ARGUMENT', async () => {
      const { status, body } = await apiError(clientFor(sim()).models.generateContent({ model: MODEL, contents: [{ role: 'assistant', parts: [{ text: 'hi' }] }] }));
      expect(status).toBe(400);
      expect(body.error.status).toBe('INVALID_ARGUMENT');
      expect(body.error.message).toBe('Please use a valid role: user, model.');
    });
  });
});
