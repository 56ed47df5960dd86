/**
 * A Gemini thinking model thinks unseen before its first answer token, so its TTFT grows with the
 * thought tokens it reports (`thoughtsTokenCount`): gemini-2.5-flash with `thinkingBudget: 0`
 * answers about as fast as 2.0 Flash, with a large budget many seconds later. Before, both got
 * the same TTFT distribution (generate.ts passed no hidden tokens to the plan and
 * the Gemini profiles had no `hiddenReasoning`). The models that never think keep their timing.
 */
import { describe, expect, it } from 'vitest';
import { loadProfiles, profileNameFor } from '../src/timing/profiles.js';
import { useSimulator } from './fixtures/sim.js';

// Delays a hundredth of the plan, so each answer ends within a few hundred ms; the header reports
// the plan × speed to 0.1 ms, so 10 ms of the plan.
const speed = 0.01;
const sim = useSimulator({ speed, seed: 17 });
const PROMPTS = ['Hello there', 'Name three rivers', 'What is a monad?', 'Write a haiku about rain', 'Explain TCP slow start'];

interface Planned {
  readonly ttftMs: number;
  readonly thoughts: number;
}

/** The planned TTFT and reported thought tokens of one request per prompt (same seed and prompt across configs). */
async function plan(model: string, thinkingConfig: Record<string, unknown> | undefined, stream: boolean, prompts: readonly string[] = PROMPTS): Promise<Planned[]> {
  const out: Planned[] = [];
  for (const text of prompts) {
    const res = await fetch(`${sim().url}/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({
        contents: [{ role: 'user', parts: [{ text }] }],
        generationConfig: { seed: 7, ...(thinkingConfig ? { thinkingConfig } : {}) },
      }),
    });
    expect(res.status).toBe(200);
    const body = await res.text();
    const usages = stream ? [...body.matchAll(/"thoughtsTokenCount":(\d+)/g)].map((m) => Number(m[1])) : [Number(/"thoughtsTokenCount":(\d+)/.exec(body)?.[1] ?? 0)];
    out.push({ ttftMs: Number(res.headers.get('x-understudy-ttft-ms')) / speed, thoughts: usages.at(-1) ?? 0 });
  }
  return out;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

describe('a Gemini thinking model waits for its unseen thoughts before the first token', () => {
  for (const stream of [false, true]) {
    it(`gemini-2.5-flash: budget 0 plans a far shorter TTFT than a large budget (${stream ? 'streamGenerateContent' : 'generateContent'})`, async () => {
      const none = await plan('gemini-2.5-flash', { thinkingBudget: 0 }, stream);
      const large = await plan('gemini-2.5-flash', { thinkingBudget: 8_192 }, stream);
      const dynamic = await plan('gemini-2.5-flash', undefined, stream);
      expect(none.every((p) => p.thoughts === 0)).toBe(true);
      expect(large.every((p) => p.thoughts >= 1_024)).toBe(true);
      // Thinking off answers as 2.0 Flash does (about half a second); thousands of thoughts take many seconds.
      expect(median(none.map((p) => p.ttftMs))).toBeLessThan(1_200);
      // Each config draws its TTFT apart (the thought draw comes first), so compare medians.
      expect(median(large.map((p) => p.ttftMs))).toBeGreaterThan(10 * median(none.map((p) => p.ttftMs)));
      expect(median(dynamic.map((p) => p.ttftMs))).toBeGreaterThan(3 * median(none.map((p) => p.ttftMs)));
      expect(median(large.map((p) => p.ttftMs))).toBeGreaterThan(2 * median(dynamic.map((p) => p.ttftMs)));
    });
  }

  it('2.5 Flash-Lite, which does not think by default, waits only when given a budget', async () => {
    const plain = await plan('gemini-2.5-flash-lite', undefined, false);
    const budget = await plan('gemini-2.5-flash-lite', { thinkingBudget: 8_192 }, false);
    expect(plain.every((p) => p.thoughts === 0)).toBe(true);
    expect(median(plain.map((p) => p.ttftMs))).toBeLessThan(1_200);
    expect(median(budget.map((p) => p.ttftMs))).toBeGreaterThan(5 * median(plain.map((p) => p.ttftMs)));
  });

  it('gemini-2.5-pro, which must think, waits longer for a larger budget', async () => {
    const least = await plan('gemini-2.5-pro', { thinkingBudget: 128 }, false);
    const more = await plan('gemini-2.5-pro', { thinkingBudget: 4_096 }, false);
    expect(median(more.map((p) => p.ttftMs))).toBeGreaterThan(3 * median(least.map((p) => p.ttftMs)));
  });

  it('shown thoughts (includeThoughts) stream instead of holding the first token back', async () => {
    // A budget of 256 is mostly shown as the thought summary (up to 256 tokens of a corpus answer),
    // so little is left unseen: about as fast as thinking off, where the same thoughts hidden wait.
    const prompts = Array.from({ length: 21 }, (_, i) => `prompt ${i}`);
    const none = await plan('gemini-2.5-flash', { thinkingBudget: 0 }, true, prompts);
    const shown = await plan('gemini-2.5-flash', { thinkingBudget: 256, includeThoughts: true }, true, prompts);
    const hidden = await plan('gemini-2.5-flash', { thinkingBudget: 256 }, true, prompts);
    expect(shown.every((p) => p.thoughts > 0)).toBe(true);
    expect(median(shown.map((p) => p.ttftMs))).toBeLessThan(1.3 * median(none.map((p) => p.ttftMs)));
    expect(median(hidden.map((p) => p.ttftMs))).toBeGreaterThan(1.3 * median(shown.map((p) => p.ttftMs)));
  });

  it('a model that does not think keeps its timing: the same planned TTFT as before thinking counted', async () => {
    // These are the TTFTs gemini-2.0-flash was planned before thoughts counted.
    const body = await plan('gemini-2.0-flash', undefined, false);
    const stream = await plan('gemini-2.0-flash', undefined, true);
    expect(body.every((p) => p.thoughts === 0)).toBe(true);
    expect(stream.map((p) => p.ttftMs)).toEqual(body.map((p) => p.ttftMs));
    expect(body.map((p) => Math.round(p.ttftMs))).toEqual(PINNED_2_0_FLASH);
    expect(profileNameFor(loadProfiles(), 'gemini-2.0-flash')).toBe('gemini-flash');
  });
});

const PINNED_2_0_FLASH: readonly number[] = [520, 610, 370, 890, 410];
