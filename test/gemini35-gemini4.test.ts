/**
 * Gemini 4 Argon (`gemini-4-argon`), on Google's models page as stable and documented as the
 * successor to 3.1 Pro: it thinks by level, `LOW`, `MEDIUM` (its default) and `HIGH` (Google's
 * Gemini 4 Argon developer guide), with 65,536 output tokens a request. Before, the simulator took
 * it for a model that does not think (the catch-all `gemini-flash` timing, no thoughts, any level
 * taken, the unknown-model 32,768-token limit). No latency figures are published: it gets 3.1 Pro's
 * profile and Pro's thought ranges at its own default level (docs/latency-profiles.md).
 */
import { ApiError, GoogleGenAI, ThinkingLevel } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { maxOutputTokens } from '../src/corpus/model-catalog.js';
import { geminiThoughtTokens } from '../src/server/reasoning.js';
import { loadProfiles, profileNameFor } from '../src/timing/profiles.js';
import { SeededRandom } from '../src/timing/random.js';
import { rejection, useSimulator } from './fixtures/sim.js';

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const medianDraw = (model: string, thinking?: { thinkingLevel?: string }): number =>
  median(Array.from({ length: 2001 }, (_, i) => geminiThoughtTokens(model, thinking, new SeededRandom(i + 1))));

describe('Gemini 4 Argon', () => {
  it("takes 3.1 Pro's profile, Pro's thought ranges, medium by default, and a 65,536-token limit", () => {
    expect(profileNameFor(loadProfiles(), 'gemini-4-argon')).toBe('gemini-3-pro');
    expect(maxOutputTokens('gemini-4-argon')).toBe(65_536);
    expect(medianDraw('gemini-4-argon')).toBe(medianDraw('gemini-3.1-pro-preview', { thinkingLevel: 'medium' }));
    expect(medianDraw('gemini-4-argon', { thinkingLevel: 'high' })).toBe(medianDraw('gemini-3.1-pro-preview', { thinkingLevel: 'high' }));
  });

  const sim = useSimulator({ speed: 0, seed: 4 });
  const genai = (): GoogleGenAI => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url } });

  it('thinks on the server, takes low/medium/high and refuses minimal', async () => {
    const dflt = await genai().models.generateContent({ model: 'gemini-4-argon', contents: 'Hi' });
    expect(dflt.usageMetadata?.thoughtsTokenCount).toBeGreaterThan(0);
    for (const level of [ThinkingLevel.LOW, ThinkingLevel.MEDIUM, ThinkingLevel.HIGH]) {
      await expect(genai().models.generateContent({ model: 'gemini-4-argon', contents: 'Hi', config: { thinkingConfig: { thinkingLevel: level } } })).resolves.toBeDefined();
    }
    const err = await rejection(genai().models.generateContent({ model: 'gemini-4-argon', contents: 'Hi', config: { thinkingConfig: { thinkingLevel: ThinkingLevel.MINIMAL } } }), ApiError);
    expect(err.status).toBe(400);
    expect(err.message).toContain('Thinking level MINIMAL is not supported for this model.');
    // On the compat route, reasoning_effort none is its least level, low.
    const compat = new OpenAI({ apiKey: 'k', baseURL: `${sim().url}/v1beta/openai/`, maxRetries: 0 });
    const none = await compat.chat.completions.create({ model: 'gemini-4-argon', messages: [{ role: 'user', content: 'Hi' }], reasoning_effort: 'none' });
    expect(none.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
  });
});
