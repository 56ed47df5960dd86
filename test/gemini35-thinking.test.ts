/**
 * Gemini's current Flash models (3.5, GA 2026-05-19, and its successors 3.6, 3.7, 3.8) and the
 * floating `-latest` aliases. Before, every one of them fell to a Gemini 3 Flash or catch-all rule:
 * `gemini-3.5-flash` got 3 Flash's profile (1.1 s) and default level (`high`), where Google documents
 * `medium` by default and a measured default TTFT of 5.1–5.7 s; 3.7 and 3.8 Flash took `minimal`,
 * which Google refuses on them; and `gemini-flash-latest`, `gemini-flash-lite-latest` and
 * `gemini-pro-latest` got the catch-all `gemini-flash` timing, no thinking at all, no level refusals
 * and the unknown-model output limit (32,768). Sources and figures: docs/latency-profiles.md.
 */
import { ApiError, GoogleGenAI, ThinkingLevel } from '@google/genai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { maxOutputTokens } from '../src/corpus/model-catalog.js';
import { geminiThoughtTokens } from '../src/server/reasoning.js';
import { ProfileLatency } from '../src/timing/latency.js';
import { loadProfiles, profileNameFor } from '../src/timing/profiles.js';
import { SeededRandom } from '../src/timing/random.js';
import { rejection, useSimulator } from './fixtures/sim.js';

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function medianDraw(model: string, thinking: { thinkingLevel?: string; thinkingBudget?: number } | undefined, n = 4001): number {
  const draws: number[] = [];
  for (let seed = 1; seed <= n; seed++) draws.push(geminiThoughtTokens(model, thinking, new SeededRandom(seed)));
  return median(draws);
}

function ttftMedian(model: string, thinking?: { thinkingLevel: string }): number {
  const table = loadProfiles();
  const latency = new ProfileLatency(table.profiles[profileNameFor(table, model)]!);
  const xs: number[] = [];
  for (let seed = 1; seed <= 20_001; seed++) xs.push(latency.ttftMs(new SeededRandom(seed + 1e6), 0, geminiThoughtTokens(model, thinking, new SeededRandom(seed))));
  return median(xs);
}

describe('Gemini 3.5 Flash and its successors: profile, default level, thoughts', () => {
  it('maps the 3.5+ Flash ids to their own profile, 3.5 Flash-Lite to the Flash-Lite one', () => {
    const table = loadProfiles();
    for (const id of ['gemini-3.5-flash', 'gemini-3.6-flash', 'gemini-3.7-flash', 'gemini-3.8-flash']) expect(profileNameFor(table, id)).toBe('gemini-3.5-flash');
    expect(profileNameFor(table, 'gemini-3.5-flash-lite')).toBe('gemini-flash-lite');
    // 3 Flash and 3.1 Flash-Lite keep theirs.
    expect(profileNameFor(table, 'gemini-3-flash-preview')).toBe('gemini-3-flash');
    expect(profileNameFor(table, 'gemini-3.1-flash-lite')).toBe('gemini-flash-lite');
  });

  it('defaults to medium (about 1,195 thoughts), draws about 300 at low and none at minimal', () => {
    const dflt = medianDraw('gemini-3.5-flash', undefined);
    expect(dflt).toBe(medianDraw('gemini-3.5-flash', { thinkingLevel: 'MEDIUM' }));
    expect(dflt).toBeGreaterThan(1_195 * 0.93);
    expect(dflt).toBeLessThan(1_195 * 1.07);
    const low = medianDraw('gemini-3.5-flash', { thinkingLevel: 'low' });
    expect(low).toBeGreaterThan(300 * 0.93);
    expect(low).toBeLessThan(300 * 1.07);
    expect(medianDraw('gemini-3.5-flash', { thinkingLevel: 'high' })).toBeGreaterThan(dflt);
    expect(medianDraw('gemini-3.5-flash', { thinkingLevel: 'minimal' }, 50)).toBe(0);
    // The successors take the same default (no measurements of their own are published).
    for (const id of ['gemini-3.6-flash', 'gemini-3.7-flash', 'gemini-3.8-flash']) expect(medianDraw(id, undefined, 501)).toBe(medianDraw('gemini-3.5-flash', undefined, 501));
    // 3.5 Flash-Lite defaults to minimal, as 3.1 Flash-Lite does.
    expect(medianDraw('gemini-3.5-flash-lite', undefined, 50)).toBe(0);
  });

  it("puts the default's TTFT median on the measured 5.1–5.7 s and minimal's on about 1.1 s", () => {
    const dflt = ttftMedian('gemini-3.5-flash');
    expect(dflt).toBeGreaterThan(5_100);
    expect(dflt).toBeLessThan(5_700);
    const minimal = ttftMedian('gemini-3.5-flash', { thinkingLevel: 'minimal' });
    expect(minimal).toBeGreaterThan(900);
    expect(minimal).toBeLessThan(1_300);
    const low = ttftMedian('gemini-3.5-flash', { thinkingLevel: 'low' });
    expect(low).toBeGreaterThan(minimal);
    expect(low).toBeLessThan(dflt / 2);
  });
});

describe('the -latest aliases stand for their targets (mapping as of 2026-12-07)', () => {
  it('take their targets’ profiles and output limits', () => {
    const table = loadProfiles();
    expect(profileNameFor(table, 'gemini-flash-latest')).toBe('gemini-3.5-flash');
    expect(profileNameFor(table, 'gemini-flash-lite-latest')).toBe('gemini-flash-lite');
    expect(profileNameFor(table, 'gemini-pro-latest')).toBe('gemini-3-pro');
    for (const id of ['gemini-flash-latest', 'gemini-flash-lite-latest', 'gemini-pro-latest']) expect(maxOutputTokens(id)).toBe(65_536);
  });

  it('think as their targets do', () => {
    expect(medianDraw('gemini-flash-latest', undefined, 501)).toBe(medianDraw('gemini-3.8-flash', undefined, 501));
    expect(medianDraw('gemini-pro-latest', undefined, 501)).toBe(medianDraw('gemini-3.1-pro-preview', undefined, 501));
    expect(medianDraw('gemini-flash-lite-latest', undefined, 50)).toBe(0);
    expect(medianDraw('gemini-flash-lite-latest', { thinkingLevel: 'high' }, 501)).toBe(medianDraw('gemini-3.1-flash-lite', { thinkingLevel: 'high' }, 501));
  });
});

const sim = useSimulator({ speed: 0.01, seed: 35 });
const genai = (): GoogleGenAI => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url } });
const compat = (): OpenAI => new OpenAI({ apiKey: 'k', baseURL: `${sim().url}/v1beta/openai/`, maxRetries: 0 });
const HELLO = 'Say hello.';
const unsupported = (name: string): string => `Thinking level ${name} is not supported for this model. Please retry with other thinking level.`;

type Usage = { usageMetadata?: { thoughtsTokenCount?: number } };
const generate = (model: string, thinkingConfig?: { thinkingLevel?: string; thinkingBudget?: number }): Promise<Usage> =>
  genai().models.generateContent({ model, contents: HELLO, config: { seed: 3, ...(thinkingConfig ? { thinkingConfig: thinkingConfig as { thinkingLevel?: ThinkingLevel } } : {}) } });

async function refusalMessage(promise: Promise<unknown>): Promise<string> {
  const err = await rejection(promise, ApiError);
  expect(err.status).toBe(400);
  return (JSON.parse(err.message) as { error: { message: string } }).error.message;
}

/** The planned TTFT (ms, at speed 1) and thought tokens of a native generateContent call. */
async function planned(model: string, thinkingConfig?: Record<string, unknown>): Promise<{ ttftMs: number; thoughts: number }> {
  const res = await fetch(`${sim().url}/v1beta/models/${model}:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: HELLO }] }], generationConfig: { seed: 9, ...(thinkingConfig ? { thinkingConfig } : {}) } }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Usage;
  return { ttftMs: Number(res.headers.get('x-understudy-ttft-ms')) / 0.01, thoughts: body.usageMetadata?.thoughtsTokenCount ?? 0 };
}

describe('on the server (@google/genai and the openai SDK on the compat route)', () => {
  it('gemini-3.5-flash by default thinks at medium and waits for it; minimal answers seconds sooner', async () => {
    const dflt = await planned('gemini-3.5-flash');
    const medium = await planned('gemini-3.5-flash', { thinkingLevel: 'MEDIUM' });
    const minimal = await planned('gemini-3.5-flash', { thinkingLevel: 'MINIMAL' });
    expect(dflt).toEqual(medium);
    expect(dflt.thoughts).toBeGreaterThanOrEqual(378);
    expect(minimal.thoughts).toBe(0);
    expect(dflt.ttftMs).toBeGreaterThan(minimal.ttftMs * 2);
  });

  it('3.5 and 3.6 Flash take all four levels; 3.7 and 3.8 Flash refuse minimal, as Google does', async () => {
    for (const model of ['gemini-3.5-flash', 'gemini-3.6-flash']) {
      for (const level of [ThinkingLevel.MINIMAL, ThinkingLevel.LOW, ThinkingLevel.MEDIUM, ThinkingLevel.HIGH]) await expect(generate(model, { thinkingLevel: level })).resolves.toBeDefined();
    }
    for (const model of ['gemini-3.7-flash', 'gemini-3.8-flash', 'gemini-flash-latest']) {
      expect(await refusalMessage(generate(model, { thinkingLevel: ThinkingLevel.MINIMAL }))).toBe(unsupported('MINIMAL'));
      await expect(generate(model, { thinkingLevel: ThinkingLevel.LOW })).resolves.toBeDefined();
    }
  });

  it("gemini-flash-latest thinks by default, as 3.8 Flash; gemini-pro-latest refuses minimal and a zero budget, as 3.1 Pro; gemini-flash-lite-latest thinks only when asked", async () => {
    expect((await generate('gemini-flash-latest')).usageMetadata?.thoughtsTokenCount).toBeGreaterThan(0);
    expect((await planned('gemini-flash-latest')).ttftMs).toBeGreaterThan(1_500);
    expect((await generate('gemini-pro-latest')).usageMetadata?.thoughtsTokenCount).toBeGreaterThanOrEqual(256);
    expect(await refusalMessage(generate('gemini-pro-latest', { thinkingLevel: ThinkingLevel.MINIMAL }))).toBe(unsupported('MINIMAL'));
    expect(await refusalMessage(generate('gemini-pro-latest', { thinkingBudget: 0 }))).toContain('thinking');
    expect((await generate('gemini-flash-lite-latest')).usageMetadata?.thoughtsTokenCount ?? 0).toBe(0);
    expect((await generate('gemini-flash-lite-latest', { thinkingLevel: ThinkingLevel.HIGH })).usageMetadata?.thoughtsTokenCount).toBeGreaterThan(0);
  });

  it('the aliases cache implicitly as their targets do (gemini-flash-latest had no implicit caching)', async () => {
    const system = 'You are a careful assistant for a shipping company. Answer with the tracking policy in mind. '.repeat(90);
    const ask = (question: string) => genai().models.generateContent({ model: 'gemini-flash-latest', contents: question, config: { systemInstruction: system } });
    expect((await ask('Where is parcel 1?')).usageMetadata!.cachedContentTokenCount).toBeUndefined();
    expect((await ask('Where is parcel 2?')).usageMetadata!.cachedContentTokenCount).toBeGreaterThan(1024);
  });

  it('3.5 Flash still takes a thinkingBudget (no refusal is on record): up to the budget, none for 0', async () => {
    const budget = (await generate('gemini-3.5-flash', { thinkingBudget: 512 })).usageMetadata?.thoughtsTokenCount;
    expect(budget).toBeGreaterThanOrEqual(64);
    expect(budget).toBeLessThanOrEqual(512);
    expect((await generate('gemini-3.5-flash', { thinkingBudget: 0 })).usageMetadata?.thoughtsTokenCount ?? 0).toBe(0);
  });

  it("the compat route: reasoning_effort none on 3.8 Flash and its alias is its least level (low), not the minimal it refuses", async () => {
    for (const model of ['gemini-3.8-flash', 'gemini-flash-latest', 'gemini-pro-latest']) {
      const res = await compat().chat.completions.create({ model, messages: [{ role: 'user', content: HELLO }], reasoning_effort: 'none' });
      expect(res.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
    }
    const low = await compat().chat.completions.create({ model: 'gemini-flash-latest', messages: [{ role: 'user', content: HELLO }], reasoning_effort: 'low' });
    expect(low.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
    // 3.5 Flash can stop thinking: none is minimal there.
    const none = await compat().chat.completions.create({ model: 'gemini-3.5-flash', messages: [{ role: 'user', content: HELLO }], reasoning_effort: 'none' });
    expect(none.usage?.completion_tokens_details?.reasoning_tokens ?? 0).toBe(0);
  });
});
