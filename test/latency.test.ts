import { describe, expect, it } from 'vitest';
import { Lognormal, ProfileLatency } from '../src/timing/latency.js';
import { loadProfiles, parseProfiles, profileNameFor } from '../src/timing/profiles.js';
import { SeededRandom } from '../src/timing/random.js';

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(q * (s.length - 1))]!;
}

describe('latency models', () => {
  it('a lognormal set by p50/p95 reproduces them and respects the clamp', () => {
    const d = new Lognormal(500, 1500, 100, 4000);
    const rng = new SeededRandom(42);
    const xs = Array.from({ length: 40_000 }, () => d.sample(rng));
    expect(quantile(xs, 0.5)).toBeGreaterThan(470);
    expect(quantile(xs, 0.5)).toBeLessThan(530);
    expect(quantile(xs, 0.95)).toBeGreaterThan(1380);
    expect(quantile(xs, 0.95)).toBeLessThan(1620);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...xs)).toBeLessThanOrEqual(4000);
  });

  it('draws the exact same schedule for the same seed', () => {
    const profile = loadProfiles().profiles['openai-fast']!;
    const schedule = (seed: number) => {
      const m = new ProfileLatency(profile);
      const rng = new SeededRandom(seed);
      return [m.ttftMs(rng, 100), ...Array.from({ length: 20 }, () => [m.tokensPerChunk(rng), m.tokenGapMs(rng)]).flat()];
    };
    expect(schedule(9)).toEqual(schedule(9));
    expect(schedule(9)).not.toEqual(schedule(10));
  });

  it('adds prefill time per prompt token', () => {
    const profile = { ...loadProfiles().profiles['openai-fast']!, prefillMsPerToken: 0.5 };
    const m = new ProfileLatency(profile);
    expect(m.ttftMs(new SeededRandom(1), 1000) - m.ttftMs(new SeededRandom(1), 0)).toBeCloseTo(500);
  });

  it('chunks tokens within the profile bounds', () => {
    const m = new ProfileLatency(loadProfiles().profiles['gemini-flash']!);
    const rng = new SeededRandom(3);
    const sizes = Array.from({ length: 1000 }, () => m.tokensPerChunk(rng));
    expect(Math.min(...sizes)).toBe(12);
    expect(Math.max(...sizes)).toBe(40);
  });
});

describe('latency profiles', () => {
  const table = loadProfiles();
  it('maps model ids to profiles by prefix, longest rules first', () => {
    expect(profileNameFor(table, 'gpt-4o-mini-2024-07-18')).toBe('openai-fast');
    expect(profileNameFor(table, 'gpt-4o')).toBe('openai-standard');
    expect(profileNameFor(table, 'o3-mini')).toBe('openai-reasoning');
    expect(profileNameFor(table, 'claude-haiku-4-5')).toBe('anthropic-haiku');
    expect(profileNameFor(table, 'claude-sonnet-4-6')).toBe('anthropic-sonnet');
    expect(profileNameFor(table, 'gemini-2.5-flash')).toBe('gemini-2.5-flash');
    expect(profileNameFor(table, 'gemini-2.5-flash-lite')).toBe('gemini-flash-lite');
    expect(profileNameFor(table, 'gemini-2.0-flash')).toBe('gemini-flash');
    expect(profileNameFor(table, 'who-knows')).toBe('openai-standard');
    // Not the o-series' reasoning profile, whose prefix "o" they also start with.
    expect(profileNameFor(table, 'omni-moderation-latest')).toBe('openai-moderation');
    expect(profileNameFor(table, 'text-moderation-latest')).toBe('openai-moderation');
  });

  const base = () => structuredClone(table) as unknown as { profiles: Record<string, Record<string, Record<string, number>>>; models: { prefix: string; profile: string }[] };
  it.each([
    ['p95 below p50', (t: ReturnType<typeof base>) => (t.profiles['openai-fast']!.ttft!.p95Ms = 10), /profiles\.openai-fast\.ttft\.p95Ms must be ≥/],
    ['max below min', (t: ReturnType<typeof base>) => (t.profiles['openai-fast']!.itl!.maxMs = 0.5), /itl\.maxMs must be ≥/],
    ['chunk max below min', (t: ReturnType<typeof base>) => (t.profiles['openai-fast']!.tokensPerChunk!.max = 0), /tokensPerChunk/],
    ['unknown profile', (t: ReturnType<typeof base>) => (t.models[0]!.profile = 'nope'), /models\[0\]\.profile names unknown profile "nope"/],
    ['profile named after an Object.prototype member', (t: ReturnType<typeof base>) => (t.models[0]!.profile = 'constructor'), /models\[0\]\.profile names unknown profile "constructor"/],
    ['no catch-all', (t: ReturnType<typeof base>) => (t.models = t.models.filter((m) => m.prefix !== '')), /catch-all/],
    ['a rule no model can reach', (t: ReturnType<typeof base>) => t.models.unshift({ prefix: 'claude', profile: 'anthropic-opus' }), /models\[\d+\] \(prefix "claude-haiku"\) never applies: models\[0\] \(prefix "claude"\) comes first/],
    ['a rule after the catch-all', (t: ReturnType<typeof base>) => t.models.push({ prefix: 'late-', profile: 'openai-fast' }), /prefix "late-"\) never applies/],
    ['negative prefill', (t: ReturnType<typeof base>) => (t.profiles['openai-fast']!.prefillMsPerToken = -1 as never), /prefillMsPerToken/],
  ])('rejects a profile table with %s, naming the field', (_name, mutate, message) => {
    const t = base();
    mutate(t);
    expect(() => parseProfiles(t, 'p.json')).toThrow(message);
    try {
      parseProfiles(t, 'p.json');
    } catch (err) {
      expect((err as { code: string }).code).toBe('SIM_ERR_PROFILE_INVALID');
    }
  });
});

describe('seeded random', () => {
  it('hex(n) spells n draws as zero-padded hex, most significant first', () => {
    const a = new SeededRandom(99);
    const b = new SeededRandom(99);
    let expected = '';
    for (let i = 0; i < 6; i++) expected += b.nextUint32().toString(16).padStart(8, '0');
    expect(a.hex(6)).toBe(expected);
    expect(a.nextUint32()).toBe(b.nextUint32());
    expect(new SeededRandom(7).hex(4)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('reseed(n) starts over as new SeededRandom(n) starts, spare normal included', () => {
    const reused = new SeededRandom(1);
    reused.normal();
    reused.reseed(5);
    const fresh = new SeededRandom(5);
    expect([reused.normal(), reused.normal(), reused.nextUint32()]).toEqual([fresh.normal(), fresh.normal(), fresh.nextUint32()]);
  });

  it('draws what it drew before its warm-up ran in locals', () => {
    const r = new SeededRandom(7);
    expect([r.nextUint32(), r.nextUint32(), new SeededRandom(0xffffffff).nextUint32(), new SeededRandom(-5).nextUint32()]).toEqual([4244348465, 3792777784, 3199221271, 608207602]);
  });
});
