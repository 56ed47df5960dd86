import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { tempFile } from './fixtures/sim.js';

/**
 * An injected `rate_limit` under a quota with `burstWindowMs`: its reset relates to its retry-after
 * as the engine's own refusals there do, the wait plus the burst window less one request's
 * interval (`gcraStep`), not a whole minute's. 600 RPM over 1 s: 100 ms a request, so a 1 s wait
 * reads full again 1 + 1 − 0.1 = 1.9 s on (the whole-minute rule gave 60.9 s).
 */
describe('an injected rate_limit under burstWindowMs', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0, seed: 7, quota: tempFile('q.json', { burstWindowMs: 1_000, defaults: { requestsPerMinute: 600, tokensPerMinute: 1_000_000 } }) });
  });
  afterAll(() => sim.stop());

  it('resets the exhausted requests dimension over the burst window', async () => {
    const r = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-b', 'x-understudy-fault': 'rate_limit' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 20 }),
    });
    await r.text();
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after-ms')).toBe('1000');
    expect(r.headers.get('x-ratelimit-limit-requests')).toBe('600');
    expect(r.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(r.headers.get('x-ratelimit-reset-requests')).toBe('1.9s');
  });

  it('matches an engine refusal of the same bucket: reset = retry-after + 0.9 s', async () => {
    const send = (): Promise<Response> =>
      fetch(`${sim.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-c' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 20 }),
      });
    let refused: Response | undefined;
    for (let i = 0; i < 30 && refused === undefined; i++) {
      const r = await send();
      await r.text();
      if (r.status === 429) refused = r;
    }
    expect(refused).toBeDefined();
    const retryMs = Number(refused!.headers.get('retry-after-ms'));
    const reset = refused!.headers.get('x-ratelimit-reset-requests')!;
    const resetMs = reset.endsWith('ms') ? Number(reset.slice(0, -2)) : Number(reset.slice(0, -1)) * 1000;
    // Headers are rounded (whole ms; reset to at most 3 digits): a few ms apart at most.
    expect(Math.abs(resetMs - (retryMs + 900))).toBeLessThan(15);
  });
});
