import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../src/index.js';
import { parseProfiles } from '../src/timing/profiles.js';
import { SaturationTracker, slowdown, type Capacity } from '../src/timing/saturation.js';

const CAP: Capacity = { knee: 10, hardLimit: 20, ttftSlope: 2, itlSlope: 0.5, exponent: 1, queueMs: 50, overflowStatus: 429 };

describe('saturation curve', () => {
  it('is flat up to the knee and grows past it', () => {
    expect(slowdown(CAP, 10)).toEqual({ ttft: 1, itl: 1 });
    expect(slowdown(CAP, 15)).toEqual({ ttft: 2, itl: 1.25 });
    expect(slowdown(CAP, 20)).toEqual({ ttft: 3, itl: 1.5 });
  });

  it('counts requests in flight and refuses past the hard limit until slots are released', () => {
    const t = new SaturationTracker(SaturationTracker.allocate(2));
    const taken = Array.from({ length: 20 }, () => t.acquire(1, CAP));
    expect(taken.every((d) => d.overflow === null && d.slot === 1)).toBe(true);
    expect(taken[19]!.ttftFactor).toBe(3);
    expect(t.acquire(1, CAP).overflow).toEqual({ status: 429, queueMs: 50 });
    expect(t.inFlight(1)).toBe(20);
    t.release(1);
    expect(t.acquire(1, CAP).overflow).toBeNull();
    expect(t.acquire(0, undefined).slot).toBe(-1);
  });

  it('validates a capacity, naming the field', () => {
    const table = JSON.parse(readFileSync(new URL('../profiles/default.json', import.meta.url), 'utf8')) as { profiles: Record<string, Record<string, unknown>> };
    table.profiles['openai-fast']!.capacity = { knee: 10, hardLimit: 5 };
    expect(() => parseProfiles(table, 'p.json')).toThrow(/profiles\.openai-fast\.capacity\.hardLimit must be ≥ profiles\.openai-fast\.capacity\.knee/);
  });
});

describe('a saturated provider', () => {
  it('answers past the hard limit with 429 after queueing, and frees slots as requests finish', async () => {
    const table = JSON.parse(readFileSync(new URL('../profiles/default.json', import.meta.url), 'utf8')) as { profiles: Record<string, Record<string, unknown>> };
    table.profiles['openai-fast']!.capacity = { knee: 2, hardLimit: 4, queueMs: 20, overflowStatus: 429 };
    const file = join(mkdtempSync(join(tmpdir(), 'understudy-')), 'profiles.json');
    writeFileSync(file, JSON.stringify(table));
    const sim = await startSimulator({ threads: 2, speed: 0.3, profiles: file });
    try {
      const ask = () =>
        fetch(`${sim.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 30 }),
        }).then(async (r) => [r.status, await r.text()] as const);
      const first = await Promise.all(Array.from({ length: 7 }, ask));
      expect(first.filter(([s]) => s === 200).length).toBe(4);
      const refused = first.filter(([s]) => s === 429);
      expect(refused.length).toBe(3);
      expect(JSON.parse(refused[0]![1])).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
      // Everything finished: the slots are free again.
      const second = await Promise.all(Array.from({ length: 4 }, ask));
      expect(second.every(([s]) => s === 200)).toBe(true);
    } finally {
      await sim.stop();
    }
  });

  it('frees the slot of a request whose handler fails after it was admitted', async () => {
    const table = JSON.parse(readFileSync(new URL('../profiles/default.json', import.meta.url), 'utf8')) as { profiles: Record<string, Record<string, unknown>> };
    table.profiles['anthropic-sonnet']!.capacity = { knee: 1, hardLimit: 2, queueMs: 1, overflowStatus: 429 };
    const file = join(mkdtempSync(join(tmpdir(), 'understudy-')), 'profiles.json');
    writeFileSync(file, JSON.stringify(table));
    const sim = await startSimulator({ threads: 1, speed: 0, profiles: file });
    try {
      const post = (body: string) =>
        fetch(`${sim.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'k' }, body }).then(async (r) => [r.status, await r.text()] as const);
      // A cached block nested past the stack: admitted, then the prompt cache's walk of it fails (a 400).
      const deep = '{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000);
      const failing = `{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"},"extra":${deep}}]}]}`;
      for (let i = 0; i < 3; i++) expect((await post(failing))[0]).toBe(400);
      // Each failure let its slot go, so both slots are free for ordinary requests.
      const ok = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
      const statuses = await Promise.all([post(ok), post(ok)]);
      expect(statuses.map(([s]) => s)).toEqual([200, 200]);
    } finally {
      await sim.stop();
    }
  }, 30_000);

  it('frees the slot of a request refused after admission for asking too many log probabilities', async () => {
    const table = JSON.parse(readFileSync(new URL('../profiles/default.json', import.meta.url), 'utf8')) as { profiles: Record<string, Record<string, unknown>> };
    // gpt-4o-mini (chat) and gpt-3.5-turbo-instruct (legacy completions) each get two slots.
    table.profiles['openai-fast']!.capacity = { knee: 1, hardLimit: 2, queueMs: 1, overflowStatus: 429 };
    table.profiles['openai-standard']!.capacity = { knee: 1, hardLimit: 2, queueMs: 1, overflowStatus: 429 };
    const file = join(mkdtempSync(join(tmpdir(), 'understudy-')), 'profiles.json');
    writeFileSync(file, JSON.stringify(table));
    const sim = await startSimulator({ threads: 1, speed: 0, profiles: file });
    try {
      const post = (path: string, body: unknown) =>
        fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.status);
      const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
      const legacy = { model: 'gpt-3.5-turbo-instruct', prompt: ['hi', 'there', 'again'], max_tokens: 4000 };
      for (let i = 0; i < 3; i++) {
        expect(await post('/v1/chat/completions', { ...chat, n: 128, logprobs: true, top_logprobs: 20 })).toBe(400);
        // 3 prompts × 128 choices × 4,000 tokens: past the million entries a legacy reply is built with.
        expect(await post('/v1/completions', { ...legacy, n: 128, logprobs: 5 })).toBe(400);
      }
      // Every refusal let its slot go, so both slots of each are free for ordinary requests.
      expect(await Promise.all([post('/v1/chat/completions', chat), post('/v1/chat/completions', chat)])).toEqual([200, 200]);
      expect(await Promise.all([post('/v1/completions', legacy), post('/v1/completions', legacy)])).toEqual([200, 200]);
    } finally {
      await sim.stop();
    }
  }, 30_000);
});
