/**
 * Gemini 3 thinks unseen before its first token, as 2.5 does, and its default (`high`, dynamic)
 * thinks about as long as its published medians allow: 3.1 Pro answers in about 7.6 s
 * (bridgebench.ai, 122 tokens/s: about 800 thoughts past a ~1.1 s base; promptfoo saw 404–800+
 * at high), 3 Flash in about 1.1 s (zapsas.tech). Before, Gemini 3 drew OpenAI's effort ranges
 * (high 768–7,680, median 2,428) and its profiles had no `hiddenReasoning`, so `thinkingLevel:
 * low` answered exactly as fast as the default while billing a tenth of the thoughts.
 */
import { describe, expect, it } from 'vitest';
import { geminiThoughtTokens } from '../src/server/reasoning.js';
import { ProfileLatency } from '../src/timing/latency.js';
import { loadProfiles, profileNameFor } from '../src/timing/profiles.js';
import { SeededRandom } from '../src/timing/random.js';
import { useSimulator } from './fixtures/sim.js';

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** The median thought draw over `n` seeds. */
function medianDraw(model: string, thinking: { thinkingLevel?: string; thinkingBudget?: number } | undefined, n = 4001): number {
  const draws: number[] = [];
  for (let seed = 1; seed <= n; seed++) draws.push(geminiThoughtTokens(model, thinking, new SeededRandom(seed)));
  return median(draws);
}

describe("Gemini 3's thought draw, per level", () => {
  it('defaults (high) to a median of about 809 thoughts on Pro and 126 on Flash, not OpenAI high’s 2,428', () => {
    for (const model of ['gemini-3-pro-preview', 'gemini-3.1-pro-preview']) {
      const m = medianDraw(model, undefined);
      expect(m).toBeGreaterThan(809 * 0.93);
      expect(m).toBeLessThan(809 * 1.07);
      expect(medianDraw(model, { thinkingLevel: 'high' })).toBe(m);
    }
    const flash = medianDraw('gemini-3-flash', undefined);
    expect(flash).toBeGreaterThan(126 * 0.93);
    expect(flash).toBeLessThan(126 * 1.07);
  });

  it('draws fewer thoughts at each lower level; Flash at minimal, and 3.1 Flash-Lite by default, none', () => {
    for (const model of ['gemini-3-pro-preview', 'gemini-3-flash']) {
      const high = medianDraw(model, { thinkingLevel: 'HIGH' });
      const medium = medianDraw(model, { thinkingLevel: 'medium' });
      const low = medianDraw(model, { thinkingLevel: 'low' });
      expect(medium).toBeLessThan(high / 2);
      expect(low).toBeLessThan(medium / 2);
      expect(low).toBeGreaterThan(0);
    }
    expect(medianDraw('gemini-3-flash', { thinkingLevel: 'minimal' }, 50)).toBe(0);
    // 3.1 Flash-Lite defaults to minimal (the Gemini 3 guide); it thinks when asked.
    expect(medianDraw('gemini-3.1-flash-lite-preview', undefined, 50)).toBe(0);
    expect(medianDraw('gemini-3.1-flash-lite-preview', { thinkingLevel: 'high' })).toBe(medianDraw('gemini-3-flash', undefined));
  });

  it("puts the default's TTFT median on the published one (3.x Pro 7.6 s, 3 Flash 1.1 s), and low's far below", () => {
    const profiles = loadProfiles().profiles;
    const ttftMedian = (model: string, profile: string, thinking?: { thinkingLevel: string }): number => {
      const latency = new ProfileLatency(profiles[profile]!);
      const xs: number[] = [];
      // Thoughts and the TTFT draw from separate sources, as on the server (the timing streams).
      for (let seed = 1; seed <= 20_001; seed++) xs.push(latency.ttftMs(new SeededRandom(seed + 1e6), 0, geminiThoughtTokens(model, thinking, new SeededRandom(seed))));
      return median(xs);
    };
    const pro = ttftMedian('gemini-3.1-pro-preview', 'gemini-3-pro');
    expect(pro).toBeGreaterThan(7_600 * 0.97);
    expect(pro).toBeLessThan(7_600 * 1.05);
    const flash = ttftMedian('gemini-3-flash', 'gemini-3-flash');
    expect(flash).toBeGreaterThan(1_100 * 0.97);
    expect(flash).toBeLessThan(1_100 * 1.05);
    expect(ttftMedian('gemini-3.1-pro-preview', 'gemini-3-pro', { thinkingLevel: 'low' })).toBeLessThan(pro / 3);
    // Minimal thinks none: 2.5 Flash's thinking-off timing, about 0.47 s.
    expect(ttftMedian('gemini-3-flash', 'gemini-3-flash', { thinkingLevel: 'minimal' })).toBeLessThan(flash / 2);
  });

  it('keeps the budget rule for an explicit thinkingBudget, and takes -1 (dynamic) as the default level', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const n = geminiThoughtTokens('gemini-3-pro-preview', { thinkingBudget: 512 }, new SeededRandom(seed));
      expect(n).toBeGreaterThanOrEqual(64);
      expect(n).toBeLessThanOrEqual(512);
    }
    expect(geminiThoughtTokens('gemini-3-flash', { thinkingBudget: 0 }, new SeededRandom(1))).toBe(0);
    expect(medianDraw('gemini-3-pro-preview', { thinkingBudget: -1 })).toBe(medianDraw('gemini-3-pro-preview', undefined));
  });
});

describe('Gemini 3 waits for its unseen thoughts before the first token', () => {
  // Delays a hundredth of the plan; the header reports the plan × speed to 0.1 ms, so 10 ms of the plan.
  const speed = 0.01;
  const sim = useSimulator({ speed, seed: 23 });
  const PROMPTS = Array.from({ length: 11 }, (_, i) => `Question number ${i}: what is a monad?`);

  interface Planned {
    readonly ttftMs: number;
    readonly thoughts: number;
  }

  async function native(model: string, thinkingConfig: Record<string, unknown> | undefined, stream: boolean): Promise<Planned[]> {
    const out: Planned[] = [];
    for (const text of PROMPTS) {
      const res = await fetch(`${sim().url}/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }], generationConfig: { seed: 7, ...(thinkingConfig ? { thinkingConfig } : {}) } }),
      });
      expect(res.status).toBe(200);
      const body = await res.text();
      const counts = [...body.matchAll(/"thoughtsTokenCount":(\d+)/g)].map((m) => Number(m[1]));
      out.push({ ttftMs: Number(res.headers.get('x-understudy-ttft-ms')) / speed, thoughts: counts.at(-1) ?? 0 });
    }
    return out;
  }

  async function compat(model: string, effort: string | undefined, stream: boolean): Promise<Planned[]> {
    const out: Planned[] = [];
    for (const content of PROMPTS) {
      const res = await fetch(`${sim().url}/v1beta/openai/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
        body: JSON.stringify({ model, seed: 7, messages: [{ role: 'user', content }], ...(effort ? { reasoning_effort: effort } : {}), ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) }),
      });
      expect(res.status).toBe(200);
      const body = await res.text();
      const counts = [...body.matchAll(/"reasoning_tokens":(\d+)/g)].map((m) => Number(m[1]));
      out.push({ ttftMs: Number(res.headers.get('x-understudy-ttft-ms')) / speed, thoughts: counts.at(-1) ?? 0 });
    }
    return out;
  }

  const ttfts = (ps: readonly Planned[]): number[] => ps.map((p) => p.ttftMs);

  /** The same seed and prompt thinks less at `fewer`, and so plans its first token sooner. */
  function expectSooner(fewer: readonly Planned[], more: readonly Planned[]): void {
    fewer.forEach((p, i) => {
      expect(p.thoughts).toBeLessThan(more[i]!.thoughts);
      expect(p.ttftMs).toBeLessThan(more[i]!.ttftMs);
    });
  }

  for (const stream of [false, true]) {
    const surface = stream ? 'streamGenerateContent' : 'generateContent';
    it(`gemini-3-pro-preview: thinkingLevel low plans its first token sooner than the default (${surface})`, async () => {
      const dflt = await native('gemini-3-pro-preview', undefined, stream);
      const low = await native('gemini-3-pro-preview', { thinkingLevel: 'low' }, stream);
      expectSooner(low, dflt);
      expect(median(ttfts(dflt))).toBeGreaterThan(2.5 * median(ttfts(low)));
    });

    it(`gemini-3-flash: low and minimal plan sooner than the default (${surface})`, async () => {
      const dflt = await native('gemini-3-flash', undefined, stream);
      const low = await native('gemini-3-flash', { thinkingLevel: 'low' }, stream);
      const minimal = await native('gemini-3-flash', { thinkingLevel: 'minimal' }, stream);
      expectSooner(low, dflt);
      expect(minimal.every((p) => p.thoughts === 0)).toBe(true);
      expect(median(ttfts(minimal))).toBeLessThan(median(ttfts(dflt)) / 1.5);
    });

    it(`the OpenAI-compatible route: reasoning_effort low plans gemini-3-pro-preview's first token sooner than its default (${stream ? 'stream' : 'body'})`, async () => {
      const dflt = await compat('gemini-3-pro-preview', undefined, stream);
      const low = await compat('gemini-3-pro-preview', 'low', stream);
      expectSooner(low, dflt);
      expect(median(ttfts(dflt))).toBeGreaterThan(2.5 * median(ttfts(low)));
    });
  }

  it('maps Gemini 3 ids to thinking profiles, 3.1 Flash-Lite to the one that waits only when asked', () => {
    const table = loadProfiles();
    expect(profileNameFor(table, 'gemini-3-pro-preview')).toBe('gemini-3-pro');
    expect(profileNameFor(table, 'gemini-3.1-pro-preview')).toBe('gemini-3-pro');
    expect(profileNameFor(table, 'gemini-3-flash-preview')).toBe('gemini-3-flash');
    expect(profileNameFor(table, 'gemini-3.1-flash-lite-preview')).toBe('gemini-flash-lite');
  });
});
