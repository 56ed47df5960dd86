/**
 * The chaos drill (`test/chaos-drill.test.ts`) under load: a profile's capacity slowing streams
 * as they pile up, as the ground-truth headers report, and refusing past its hard limit; and
 * what `understudy_faults_injected_total` counts when a drawn fault meets a request that ends
 * before it could strike.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { metric, rejection, tempFile } from './fixtures/sim.js';

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('load-dependent slowdown', () => {
  // TTFT and gaps fixed (5 s, 10 ms), so the headers show the capacity's factor alone:
  // past 2 in flight, 1 + 2 × (n − 2) / 2 on the TTFT and 1 + (n − 2) / 2 on the gaps.
  const profiles = tempFile('capacity.json', {
    profiles: {
      only: {
        ttft: { p50Ms: 5000, p95Ms: 5000, minMs: 5000, maxMs: 5000 },
        prefillMsPerToken: 0,
        itl: { p50Ms: 10, p95Ms: 10, minMs: 10, maxMs: 10 },
        stall: { probability: 0, p50Ms: 1, p95Ms: 1 },
        tokensPerChunk: { min: 1, max: 1 },
        capacity: { knee: 2, hardLimit: 5, ttftSlope: 2, itlSlope: 1, exponent: 1, queueMs: 0, overflowStatus: 503 },
      },
    },
    models: [{ prefix: '', profile: 'only' }],
  });
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 2, speed: 1, seed: 5, profiles });
  });
  afterAll(() => sim.stop());

  it('grows TTFT and gaps with the streams in flight, reports the slowed values, and refuses past the hard limit', async () => {
    // Streams send their headers on accept, so each reports its schedule while all are in flight.
    const controllers = Array.from({ length: 6 }, () => new AbortController());
    const replies = await Promise.all(
      controllers.map((c, i) =>
        fetch(`${sim.url}/v1/chat/completions`, {
          method: 'POST',
          signal: c.signal,
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-drill' },
          body: JSON.stringify({ ...CHAT, stream: true, seed: i }),
        }),
      ),
    );
    const admitted = replies.filter((r) => r.status === 200);
    const ttfts = admitted.map((r) => Number(r.headers.get('x-understudy-ttft-ms'))).sort((a, b) => a - b);
    const itls = admitted.map((r) => Number(r.headers.get('x-understudy-itl-ms'))).sort((a, b) => a - b);
    expect(ttfts).toEqual([5000, 5000, 10_000, 15_000, 20_000]);
    expect(itls).toEqual([10, 10, 15, 20, 25]);
    const refused = replies.filter((r) => r.status !== 200);
    expect(refused.map((r) => r.status)).toEqual([503]);
    expect(await refused[0]!.json()).toEqual({ error: { message: 'The engine is currently overloaded, please try again later', type: 'server_error', param: null, code: null } });
    for (const c of controllers) c.abort();
    await expect.poll(() => metric(sim, 'understudy_active_streams')).toBe(0);
  });
});

describe('overlapping phases and faults that meet on one request', () => {
  // Phases may overlap: a request in two meets the faults of both. Of those that end it before
  // any answer, the first drawn (in phase order, then fault order) is the one it gets; a stream
  // or latency fault drawn beside such a fault never reaches the client, and is not counted.
  const scenario = tempFile('overlap.json', {
    name: 'overlap',
    phases: [
      { name: 'cut-and-slow', requests: 4, faults: [{ kind: 'disconnect_after_tokens', afterTokens: 2 }, { kind: 'ttft_brownout', factorFrom: 3, factorTo: 3 }] },
      { name: 'errors', requests: 2, faults: [{ kind: 'server_error_500' }, { kind: 'rate_limit' }] },
      { name: 'late', startAfterRequests: 2, requests: 2, faults: [{ kind: 'timeout_slow_answer', delayMs: 10 }] },
    ],
  });
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 2, speed: 0, seed: 5, scenario });
  });
  afterAll(() => sim.stop());
  const injected = (kind: string): Promise<number> => metric(sim, `understudy_faults_injected_total{kind="${kind}"}`);

  it('answers with the first fault that ends a request, and counts only the faults a client met', async () => {
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-drill', maxRetries: 0 });
    // Positions 0 and 1: in all of the first two phases; the 500 ends them before any answer.
    for (let i = 0; i < 2; i++) await rejection(client.chat.completions.create({ ...CHAT, stream: true }), OpenAI.InternalServerError);
    // Positions 2 and 3: held, then slowed and cut mid-stream.
    for (let i = 0; i < 2; i++) {
      const { response } = await client.chat.completions.create({ ...CHAT, stream: true }).withResponse();
      expect(Number(response.headers.get('x-understudy-ttft-ms'))).toBe(10);
      await expect(response.text()).rejects.toThrow('terminated');
    }
    expect(await injected('server_error_500')).toBe(2);
    expect(await injected('rate_limit')).toBe(0);
    expect(await injected('timeout_slow_answer')).toBe(2);
    expect(await injected('disconnect_after_tokens')).toBe(2);
    expect(await injected('ttft_brownout')).toBe(2);
  });
});

describe('faults drawn for a request the rate limit then refuses', () => {
  const scenario = tempFile('cut.json', { name: 'cut', phases: [{ name: 'all', faults: [{ kind: 'disconnect_after_tokens', afterTokens: 2 }, { kind: 'slow_tokens', factorFrom: 2, factorTo: 2 }] }] });
  const quota = tempFile('quota.json', { defaults: { requestsPerMinute: 1 } });
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 2, speed: 0, seed: 5, scenario, quota });
  });
  afterAll(() => sim.stop());

  it('are not counted as injected: the 429 is all the client met', async () => {
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-drill', maxRetries: 0 });
    const { response } = await client.chat.completions.create({ ...CHAT, stream: true }).withResponse();
    await expect(response.text()).rejects.toThrow('terminated');
    await rejection(client.chat.completions.create({ ...CHAT, stream: true }), OpenAI.RateLimitError);
    expect(await metric(sim, 'understudy_quota_rejections_total{dimension="requests"}')).toBe(1);
    expect(await metric(sim, 'understudy_faults_injected_total{kind="disconnect_after_tokens"}')).toBe(1);
    expect(await metric(sim, 'understudy_faults_injected_total{kind="slow_tokens"}')).toBe(1);
  });
});
