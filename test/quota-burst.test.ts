/**
 * A per-minute limit enforced over a shorter window (`burstWindowMs`), as both providers say theirs
 * may be ("60 RPM may be enforced as 1 request per second"): under a fake clock, exact.
 */
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../src/index.js';
import { allocateQuotaMemory, QuotaEngine, type QuotaRequest } from '../src/quota/engine.js';
import { parseQuotaTable } from '../src/quota/limits.js';
import { ManualClock } from '../src/timing/clock.js';
import { tempFile } from './fixtures/sim.js';

const EPOCH = 1e12;

function engineAt(clock: ManualClock, table: unknown): QuotaEngine {
  return new QuotaEngine(allocateQuotaMemory(EPOCH), parseQuotaTable(table, 'q.json'), clock, () => EPOCH);
}

const chat = (inputTokens: number, maxOutputTokens = 0): QuotaRequest => ({ dialect: 'openai', apiKey: 'sk-a', model: 'gpt-4o', inputTokens, maxOutputTokens });

/** The value of header `name` in the engine's flat list (a value carries the next lines of its group). */
function header(flat: readonly string[], name: string): string | undefined {
  const joined = flat.map((v, i) => (i % 2 === 0 ? `${v}: ` : `${v}\r\n`)).join('');
  return new RegExp(`(?:^|\\r\\n)${name}: ([^\\r]*)`).exec(joined)?.[1];
}

describe('without burstWindowMs', () => {
  it('a bucket holds a whole minute: the minute\'s allowance goes through at once', () => {
    const clock = new ManualClock(0);
    const e = engineAt(clock, { defaults: { requestsPerMinute: 60, tokensPerMinute: 1_000_000 } });
    for (let i = 0; i < 60; i++) expect(e.admit(chat(1)).rejection).toBeNull();
    expect(e.admit(chat(1)).rejection).toMatchObject({ dimension: 'requests', retryAfterMs: 1000 });
  });
});

describe('burstWindowMs', () => {
  it('60 RPM over 1 s: one request a second, the headers still counting the minute', () => {
    const clock = new ManualClock(0);
    const e = engineAt(clock, { defaults: { requestsPerMinute: 60, tokensPerMinute: 1_000_000 }, burstWindowMs: 1000 });
    const first = e.admit(chat(1));
    expect(first.rejection).toBeNull();
    expect(header(first.headers, 'x-ratelimit-remaining-requests')).toBe('59');
    expect(header(first.headers, 'x-ratelimit-reset-requests')).toBe('1s');
    const refused = e.admit(chat(1));
    expect(refused.rejection).toEqual({ dimension: 'requests', limit: 60, requested: 1, used: 1, retryAfterMs: 1000 });
    expect(header(refused.headers, 'x-ratelimit-remaining-requests')).toBe('59');
    expect(header(refused.headers, 'retry-after-ms')).toBe('1000');
    clock.advance(999);
    expect(e.admit(chat(1)).rejection).toMatchObject({ dimension: 'requests' });
    clock.advance(1);
    expect(e.admit(chat(1)).rejection).toBeNull();
    // A request a second for the rest of the minute: 60 in all, as the minute's limit allows.
    let admitted = 2;
    for (let t = 0; t < 58; t++) {
      clock.advance(1000);
      if (e.admit(chat(1)).rejection === null) admitted++;
      expect(e.admit(chat(1)).rejection).not.toBeNull();
    }
    expect(admitted).toBe(60);
  });

  it('600 RPM over 1 s: ten at once, then one every 100 ms', () => {
    const clock = new ManualClock(0);
    const e = engineAt(clock, { defaults: { requestsPerMinute: 600, tokensPerMinute: 1_000_000 }, burstWindowMs: 1000 });
    for (let i = 0; i < 10; i++) expect(e.admit(chat(1)).rejection).toBeNull();
    expect(e.admit(chat(1)).rejection).toMatchObject({ dimension: 'requests', retryAfterMs: 100 });
    clock.advance(100);
    expect(e.admit(chat(1)).rejection).toBeNull();
    expect(e.admit(chat(1)).rejection).not.toBeNull();
  });

  it('a request larger than the burst goes through on an idle bucket, and the next waits for its tokens', () => {
    const clock = new ManualClock(0);
    // 30,000 TPM over 1 s: 500 tokens a second, 2 ms a token.
    const e = engineAt(clock, { defaults: { requestsPerMinute: 10_000, tokensPerMinute: 30_000 }, burstWindowMs: 1000 });
    const big = e.admit(chat(1500, 500));
    expect(big.rejection).toBeNull();
    expect(header(big.headers, 'x-ratelimit-remaining-tokens')).toBe('28000');
    expect(header(big.headers, 'x-ratelimit-reset-tokens')).toBe('4s');
    // 100 tokens fit once 4 s of backlog is down to 1 s less their 200 ms.
    expect(e.admit(chat(100)).rejection).toEqual({ dimension: 'tokens', limit: 30_000, requested: 100, used: 2000, retryAfterMs: 3200 });
    clock.advance(3199);
    expect(e.admit(chat(100)).rejection).not.toBeNull();
    clock.advance(1);
    expect(e.admit(chat(100)).rejection).toBeNull();
  });

  it('never lets more through in a minute than the limit, nor a request larger than it', () => {
    const clock = new ManualClock(0);
    const e = engineAt(clock, { defaults: { requestsPerMinute: 1000, tokensPerMinute: 30_000 }, burstWindowMs: 30_000 });
    expect(e.admit(chat(30_001)).rejection).toMatchObject({ dimension: 'tokens', retryAfterMs: Number.POSITIVE_INFINITY });
    // 15,000 tokens fit in a 30 s burst; one request of the whole minute's 30,000 is still admitted when idle.
    expect(e.admit(chat(30_000)).rejection).toBeNull();
    expect(e.admit(chat(1)).rejection).toMatchObject({ dimension: 'tokens' });
  });

  it('is validated when loaded', () => {
    for (const bad of [0, -5, 1.5, 60_001, '1s']) {
      expect(() => parseQuotaTable({ defaults: {}, burstWindowMs: bad }, 'q.json')).toThrow(/q\.json: burstWindowMs: /);
    }
    expect(parseQuotaTable({ defaults: {}, burstWindowMs: 60_000 }, 'q.json').burstWindowMs).toBe(60_000);
  });

  it('refuses a quick second request on the server, with the wait in retry-after', async () => {
    const quota = tempFile('q.json', { defaults: { requestsPerMinute: 60, tokensPerMinute: 1_000_000 }, burstWindowMs: 1000 });
    const sim = await startSimulator({ threads: 1, speed: 0, seed: 7, quota });
    try {
      const send = () =>
        fetch(`${sim.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-burst' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
        });
      const first = await send();
      await first.text();
      expect(first.status).toBe(200);
      const second = await send();
      const body = (await second.json()) as { error: { code: string; message: string } };
      expect(second.status).toBe(429);
      expect(body.error.code).toBe('rate_limit_exceeded');
      expect(body.error.message).toContain('on requests per min (RPM): Limit 60, Used 1, Requested 1.');
      expect(second.headers.get('retry-after')).toBe('1');
      expect(second.headers.get('x-ratelimit-remaining-requests')).toBe('59');
    } finally {
      await sim.stop();
    }
  });
});
