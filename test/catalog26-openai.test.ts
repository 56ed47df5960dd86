/**
 * OpenAI's models of 2026 (GPT-5.3 to 5.5), as the official SDK calls them: the effort each reasons
 * at by default (GPT-5.4 and GPT-5.4 mini `none`, GPT-5.5 `medium`), what that does to the
 * planned TTFT and the reasoning tokens usage reports, the sampling and effort refusals that
 * follow from it, their context windows, and which profile their ids get. docs/latency-profiles.md
 * and docs/surfaces.md cite the sources.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { contextWindow } from '../src/corpus/model-catalog.js';
import { loadProfiles, profileNameFor } from '../src/timing/profiles.js';
import { rejection, useSimulator } from './fixtures/sim.js';

describe('GPT-5.4 and GPT-5.5 through the official SDK', () => {
  // Delays a thousandth of the plan, so each answer comes at once; the header reports plan × speed.
  const speed = 0.001;
  const sim = useSimulator({ speed, seed: 26 });
  const client = (): OpenAI => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'k', maxRetries: 0 });

  async function medianDefault(model: string): Promise<{ ttftMs: number; reasoning: number[] }> {
    const ttfts: number[] = [];
    const reasoning: number[] = [];
    for (let i = 0; i < 9; i++) {
      const { data, response } = await client()
        .chat.completions.create({ model, messages: [{ role: 'user', content: `hello ${i}` }] })
        .withResponse();
      ttfts.push(Number(response.headers.get('x-understudy-ttft-ms')) / speed);
      reasoning.push(data.usage!.completion_tokens_details!.reasoning_tokens!);
    }
    return { ttftMs: ttfts.sort((a, b) => a - b)[4]!, reasoning };
  }

  it.each(['gpt-5.4', 'gpt-5.4-2026-03-05', 'gpt-5.4-mini', 'gpt-5.4-mini-2026-03-17'])(
    '%s does not reason unless asked (effort none by default), so its first token is not held back',
    async (model) => {
      const { ttftMs, reasoning } = await medianDefault(model);
      expect(reasoning.every((r) => r === 0)).toBe(true);
      expect(ttftMs).toBeLessThan(1_500);
    },
  );

  it('gpt-5.5 reasons at medium by default and waits like a reasoning model', async () => {
    const { ttftMs, reasoning } = await medianDefault('gpt-5.5');
    expect(reasoning.every((r) => r > 0)).toBe(true);
    expect(ttftMs).toBeGreaterThan(1_500);
  });

  it('answers gpt-5.4 on the Responses API without reasoning by default, and gpt-5.5-pro with it', async () => {
    const plain = await client().responses.create({ model: 'gpt-5.4', input: 'hi' });
    expect(plain.usage!.output_tokens_details.reasoning_tokens).toBe(0);
    const pro = await client().responses.create({ model: 'gpt-5.5-pro', input: 'hi' });
    expect(pro.usage!.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
  });

  it('takes a temperature on gpt-5.4 at its default effort, as it does not reason', async () => {
    const res = await client().chat.completions.create({ model: 'gpt-5.4-mini', temperature: 0.2, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0]!.message.content).not.toBe('');
  });

  it("refuses an effort GPT-5.4 does not take, naming the ones it does", async () => {
    const err = await rejection(
      client().chat.completions.create({ model: 'gpt-5.4', reasoning_effort: 'minimal', messages: [{ role: 'user', content: 'hi' }] }),
      OpenAI.BadRequestError,
    );
    expect(err.message).toContain("Supported values are: 'none', 'low', 'medium', 'high', and 'xhigh'.");
    const ok = await client().chat.completions.create({ model: 'gpt-5.4', reasoning_effort: 'xhigh', messages: [{ role: 'user', content: 'hi' }] });
    expect(ok.usage!.completion_tokens_details!.reasoning_tokens).toBeGreaterThan(0);
  });

  it('reasons at xhigh at least as long as at high (it drew medium\'s 192–1,920 tokens)', async () => {
    for (let i = 0; i < 9; i++) {
      const res = await client().chat.completions.create({ model: 'gpt-5.4', reasoning_effort: 'xhigh', messages: [{ role: 'user', content: `hi ${i}` }] });
      expect(res.usage!.completion_tokens_details!.reasoning_tokens).toBeGreaterThanOrEqual(768);
    }
  });

  it('reads a 500,000-token prompt on gpt-5.4 (a 1,050,000 window), not on gpt-5.4-mini (400,000)', async () => {
    const content = 'hello '.repeat(500_000);
    const ok = await client().chat.completions.create({ model: 'gpt-5.4', max_completion_tokens: 16, messages: [{ role: 'user', content }] });
    expect(ok.usage!.prompt_tokens).toBeGreaterThan(400_000);
    const err = await rejection(client().chat.completions.create({ model: 'gpt-5.4-mini', messages: [{ role: 'user', content }] }), OpenAI.BadRequestError);
    expect(err.message).toContain('maximum context length is 400000 tokens');
  });
});

describe('context windows and profiles of the 2026 OpenAI ids', () => {
  it.each([
    ['gpt-5.4', 1_050_000],
    ['gpt-5.4-2026-03-05', 1_050_000],
    ['gpt-5.4-pro', 1_050_000],
    ['gpt-5.5', 1_050_000],
    ['gpt-5.5-pro', 1_050_000],
    ['gpt-5.4-mini', 400_000],
    ['gpt-5.4-nano-2026-03-17', 400_000],
    ['gpt-5.2', 400_000],
  ])('%s reads %i tokens', (model, window) => {
    expect(contextWindow(model)).toBe(window);
  });

  const table = loadProfiles();
  it.each([
    // Pro and codex models reason before they answer, by default.
    ['gpt-5.3-codex', 'openai-reasoning'],
    ['gpt-5.4-pro', 'openai-reasoning'],
    ['gpt-5.5-pro', 'openai-reasoning'],
    ['gpt-5.5', 'openai-reasoning'],
    ['gpt-5.5-2026-04-23', 'openai-reasoning'],
    ['gpt-5.4', 'openai-standard'],
    ['gpt-5.4-mini', 'openai-gpt-5.4-mini'],
    ['gpt-5.4-mini-2026-03-17', 'openai-gpt-5.4-mini'],
  ])('%s → %s', (model, profile) => {
    expect(profileNameFor(table, model)).toBe(profile);
  });
});
