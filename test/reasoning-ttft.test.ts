/**
 * Hidden reasoning holds the first visible token back by how much a request reasons: a profile's
 * `hiddenReasoning` scales the TTFT draw by `1 + (R − typicalTokens) × msPerToken / ttft.p50Ms`.
 * GPT-5 at `reasoning_effort: "minimal"` reasons nothing and answers in about a second (Artificial
 * Analysis: 0.89 s), at `high` it waits many seconds; gpt-5.1, which reasons only when asked, waits
 * when asked. docs/latency-profiles.md gives the calibration.
 */
import { describe, expect, it } from 'vitest';
import { ProfileLatency } from '../src/timing/latency.js';
import { loadProfiles, parseProfiles, type LatencyProfile } from '../src/timing/profiles.js';
import { SeededRandom } from '../src/timing/random.js';
import { useSimulator } from './fixtures/sim.js';

const table = loadProfiles();
const reasoning = table.profiles['openai-reasoning']!;

describe('a profile with hiddenReasoning', () => {
  const draw = (profile: LatencyProfile, hidden: number, seed = 5): number => new ProfileLatency(profile).ttftMs(new SeededRandom(seed), 0, hidden);

  it('draws the measured TTFT at the typical reasoning, and scales it linearly in the reasoned tokens', () => {
    const { typicalTokens, msPerToken } = reasoning.hiddenReasoning!;
    const { hiddenReasoning: _, ...plain } = reasoning;
    const base = draw(plain, 0);
    expect(draw(reasoning, typicalTokens)).toBeCloseTo(base, 9);
    expect(draw(reasoning, 0)).toBeCloseTo(base * (1 - (typicalTokens * msPerToken) / reasoning.ttft.p50Ms), 9);
    expect(draw(reasoning, 2_000)).toBeCloseTo(base * (1 + ((2_000 - typicalTokens) * msPerToken) / reasoning.ttft.p50Ms), 9);
  });

  it('still clamps the scaled draw at ttft.maxMs, and takes no extra draw', () => {
    expect(draw(reasoning, 10_000_000)).toBe(reasoning.ttft.maxMs);
    const rng = new SeededRandom(3);
    const m = new ProfileLatency(reasoning);
    m.ttftMs(rng, 0, 700);
    const after = rng.next();
    const rng2 = new SeededRandom(3);
    m.ttftMs(rng2, 0, 0);
    expect(rng2.next()).toBe(after);
  });

  it('is refused when the typical reasoning alone would take the whole median', () => {
    const raw = JSON.parse(JSON.stringify(table)) as { profiles: Record<string, { hiddenReasoning?: unknown }> };
    raw.profiles['openai-reasoning']!.hiddenReasoning = { typicalTokens: 1_000, msPerToken: reasoning.ttft.p50Ms / 1_000 };
    expect(() => parseProfiles(raw, 'p.json')).toThrow(/hiddenReasoning\.typicalTokens × msPerToken must be < profiles\.openai-reasoning\.ttft\.p50Ms/);
  });
});

describe('the planned TTFT follows the reasoning effort, as the server reports it', () => {
  // Delays a thousandth of the plan, so each stream ends at once; the headers report the plan × speed.
  const speed = 0.001;
  const sim = useSimulator({ speed, seed: 13 });

  async function plan(path: string, body: Record<string, unknown>): Promise<{ ttftMs: number; reasoningTokens: number }[]> {
    const out: { ttftMs: number; reasoningTokens: number }[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await fetch(`${sim().url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
        body: JSON.stringify({ ...body, [path.endsWith('responses') ? 'input' : 'messages']: path.endsWith('responses') ? `hello ${i}` : [{ role: 'user', content: `hello ${i}` }] }),
      });
      expect(res.status).toBe(200);
      const json = (await res.json()) as { usage: { completion_tokens_details?: { reasoning_tokens: number }; output_tokens_details?: { reasoning_tokens: number } } };
      const details = json.usage.completion_tokens_details ?? json.usage.output_tokens_details!;
      out.push({ ttftMs: Number(res.headers.get('x-understudy-ttft-ms')) / speed, reasoningTokens: details.reasoning_tokens });
    }
    return out;
  }
  const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

  it('gpt-5: minimal answers in about a second, medium in seconds, high in many', async () => {
    const minimal = await plan('/v1/chat/completions', { model: 'gpt-5', reasoning_effort: 'minimal' });
    const medium = await plan('/v1/chat/completions', { model: 'gpt-5' });
    const high = await plan('/v1/chat/completions', { model: 'gpt-5', reasoning_effort: 'high' });
    expect(minimal.every((r) => r.reasoningTokens === 0)).toBe(true);
    expect(median(minimal.map((r) => r.ttftMs))).toBeLessThan(1_600);
    expect(median(medium.map((r) => r.ttftMs))).toBeGreaterThan(2_000);
    expect(median(high.map((r) => r.ttftMs))).toBeGreaterThan(2 * median(medium.map((r) => r.ttftMs)));
  });

  it('the Responses API the same, and gpt-5.1 waits only when asked to reason', async () => {
    const minimal = await plan('/v1/responses', { model: 'gpt-5', reasoning: { effort: 'minimal' } });
    const high = await plan('/v1/responses', { model: 'gpt-5', reasoning: { effort: 'high' } });
    expect(median(minimal.map((r) => r.ttftMs))).toBeLessThan(1_600);
    expect(median(high.map((r) => r.ttftMs))).toBeGreaterThan(6_000);
    const none = await plan('/v1/chat/completions', { model: 'gpt-5.1' });
    const asked = await plan('/v1/chat/completions', { model: 'gpt-5.1', reasoning_effort: 'high' });
    expect(none.every((r) => r.reasoningTokens === 0)).toBe(true);
    expect(median(none.map((r) => r.ttftMs))).toBeLessThan(1_600);
    expect(median(asked.map((r) => r.ttftMs))).toBeGreaterThan(6_000);
  });
});
