/**
 * A background response's create (`background: true`, not streamed) answers at once with the
 * response queued. It is still an answer the simulator planned, and OpenAI sends its rate-limit
 * headers on it as on any request, so it carries the ground truth of the response it queued and
 * the quota's headers.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

describe('a background response create', () => {
  const speed = 0.01;
  const sim = useSimulator({ speed, quota: 'openai-tier-1' });
  const client = () => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'k', maxRetries: 0 });

  it('carries the ground truth of the response it queued', async () => {
    const { data, response } = await client().responses.create({ model: 'gpt-4o-mini', input: 'hello there', background: true }).withResponse();
    expect(data.status).toBe('queued');
    const h = response.headers;
    expect(h.get('x-understudy-entry')).toMatch(/^gpt-4o-mini-/);
    expect(Number(h.get('x-understudy-ttft-ms'))).toBeGreaterThan(0);
    expect(Number(h.get('x-understudy-itl-ms'))).toBeGreaterThan(0);
    expect(h.get('x-understudy-trace-id')).toMatch(/^trc_[A-Za-z0-9]{24}$/);

    // It finishes when its schedule ends (a few ms at this speed).
    await expect.poll(async () => (await client().responses.retrieve(data.id)).status, { timeout: 10_000, interval: 50 }).toBe('completed');
  });

  it('carries the rate-limit headers, as every OpenAI reply under a limit does', async () => {
    const { response } = await client().responses.create({ model: 'gpt-4o-mini', input: 'hello again', background: true }).withResponse();
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('500');
    expect(Number(response.headers.get('x-ratelimit-remaining-requests'))).toBeLessThan(500);
    expect(response.headers.get('x-ratelimit-limit-tokens')).not.toBeNull();
  });
});
