import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { limitsFor, loadQuota } from '../src/quota/limits.js';
import { metric, rawPost, tempFile } from './fixtures/sim.js';

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 20 };

const post = (sim: Simulator, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-a', ...headers }, body: JSON.stringify(body) });

describe('quota presets', () => {
  it('give a small OpenAI model its own limit, not the flagship\'s whose id it extends', () => {
    const tier1 = loadQuota('openai-tier-1');
    expect(limitsFor(tier1, 'gpt-4o')).toEqual({ requestsPerMinute: 500, tokensPerMinute: 30_000 });
    expect(limitsFor(tier1, 'gpt-4o-2024-08-06')).toEqual({ requestsPerMinute: 500, tokensPerMinute: 30_000 });
    for (const model of ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 'gpt-4.1-mini', 'gpt-4.1-nano']) {
      expect(limitsFor(tier1, model)).toEqual({ requestsPerMinute: 500, tokensPerMinute: 200_000 });
    }
    expect(limitsFor(tier1, 'gpt-4.1')).toEqual({ requestsPerMinute: 500, tokensPerMinute: 30_000 });
    expect(limitsFor(loadQuota('openai-tier-3'), 'gpt-4o-mini')).toEqual({ requestsPerMinute: 5_000, tokensPerMinute: 4_000_000 });
    expect(limitsFor(loadQuota('openai-tier-5'), 'gpt-4o-mini')).toEqual({ requestsPerMinute: 30_000, tokensPerMinute: 150_000_000 });
  });
});

describe('rate limits', () => {
  it('admits exactly the limit across two threads, then 429s in OpenAI shape with retry headers', async () => {
    const quota = tempFile('q.json', { defaults: { requestsPerMinute: 20, tokensPerMinute: 10_000_000 } });
    const sim = await startSimulator({ threads: 2, speed: 0, quota });
    try {
      // Fresh connections spread over both threads.
      const statuses = await Promise.all(Array.from({ length: 40 }, () => post(sim, CHAT, { connection: 'close' }).then(async (r) => [r.status, r.headers, await r.text()] as const)));
      expect(statuses.filter(([s]) => s === 200).length).toBe(20);
      const refused = statuses.filter(([s]) => s === 429);
      expect(refused.length).toBe(20);
      const [, headers, body] = refused[0]!;
      expect(JSON.parse(body)).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded', param: null } });
      expect(JSON.parse(body).error.message).toMatch(/Rate limit reached for gpt-4o-mini .* on requests per min \(RPM\): Limit 20, Used 20, Requested 1\. Please try again in \d+(\.\d+)?m?s\./);
      expect(Number(headers.get('retry-after-ms'))).toBeGreaterThan(0);
      expect(Number(headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await metric(sim, 'understudy_quota_rejections_total{dimension="requests"}')).toBe(20);
    } finally {
      await sim.stop();
    }
  });

  it('counts the headers down and reports resets as Go durations', async () => {
    const sim = await startSimulator({ threads: 1, speed: 0, quota: 'openai-tier-1' });
    try {
      const seen: [string | null, string | null, string | null][] = [];
      for (let i = 0; i < 3; i++) {
        const r = await post(sim, { ...CHAT, model: 'gpt-4o', max_tokens: 100 });
        await r.text();
        seen.push([r.headers.get('x-ratelimit-remaining-requests'), r.headers.get('x-ratelimit-remaining-tokens'), r.headers.get('x-ratelimit-reset-requests')]);
        expect(r.headers.get('x-ratelimit-limit-requests')).toBe('500');
        expect(r.headers.get('x-ratelimit-limit-tokens')).toBe('30000');
      }
      // gpt-4o-mini has a limit of its own, though its id extends gpt-4o's.
      const mini = await post(sim, { ...CHAT, model: 'gpt-4o-mini', max_tokens: 100 });
      await mini.text();
      expect(mini.headers.get('x-ratelimit-limit-tokens')).toBe('200000');
      // Exact for a fresh bucket; after that the continuous refill (one request per 120 ms at
      // 500 RPM) may give back a charge between two requests on a slow machine.
      expect(seen[0]![0]).toBe('499');
      for (let i = 1; i < 3; i++) {
        const [prev, cur] = [Number(seen[i - 1]![0]), Number(seen[i]![0])];
        expect(cur === prev - 1 || cur === prev).toBe(true);
      }
      expect(Number(seen[0]![1])).toBeLessThan(30_000);
      for (const [, , reset] of seen) expect(reset).toMatch(/^(\d+(\.\d+)?ms|\d+(\.\d+)?s|\d+m\d+(\.\d+)?s)$/);
    } finally {
      await sim.stop();
    }
  });

  it('refuses a request larger than the whole token bucket without a retry-after', async () => {
    const quota = tempFile('q.json', { defaults: { requestsPerMinute: 100, tokensPerMinute: 500 } });
    const sim = await startSimulator({ threads: 1, speed: 0, quota });
    try {
      const r = await post(sim, { ...CHAT, max_tokens: 1000 });
      expect(r.status).toBe(429);
      expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/^Request too large for gpt-4o-mini .* Limit 500, Requested \d+\./);
      expect(r.headers.get('retry-after')).toBeNull();
    } finally {
      await sim.stop();
    }
  });
});

describe('chaos through the openai SDK', () => {
  it('retries a 429 storm honouring retry-after-ms and succeeds when it ends', async () => {
    const scenario = tempFile('s.json', { name: 'short-storm', phases: [{ name: 'storm', startAfterRequests: 0, requests: 2, faults: [{ kind: 'rate_limit', retryAfterMs: 30 }] }] });
    const sim = await startSimulator({ threads: 1, speed: 0, scenario });
    try {
      const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-a', maxRetries: 2 });
      const reply = await client.chat.completions.create(CHAT);
      expect(reply.choices[0]!.message.content!.length).toBeGreaterThan(0);
      expect(await metric(sim, 'understudy_faults_injected_total{kind="rate_limit"}')).toBe(2);
      expect(await metric(sim, 'understudy_requests_total{route="chat_completions",status="429",model="(other)"}')).toBe(0);
    } finally {
      await sim.stop();
    }
  });

  it('sends insufficient_quota without x-should-retry, as OpenAI does, so the SDK retries it as in production', async () => {
    const sim = await startSimulator({ threads: 1, speed: 0, scenario: 'quota-exhaustion' });
    try {
      const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-a', maxRetries: 2 });
      const { data, response } = await client.chat.completions.create(CHAT).withResponse();
      expect(response.status).toBe(200);
      expect(data.choices).toHaveLength(1);
      // Past the scenario's 200-request budget every request fails, once.
      const admin = await fetch(`${sim.url}/_understudy/scenario`, {
        method: 'POST',
        body: JSON.stringify({ name: 'x', phases: [{ name: 'broke', faults: [{ kind: 'quota_exhausted' }] }] }),
      });
      expect(admin.status).toBe(200);
      const err = await client.chat.completions.create(CHAT).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      const rateErr = err as InstanceType<typeof OpenAI.RateLimitError>;
      expect(rateErr.code).toBe('insufficient_quota');
      expect(rateErr.headers.get('x-should-retry')).toBeNull();
      // The first try and the SDK's two retries: the time an app wastes on an error retrying cannot fix.
      expect(await metric(sim, 'understudy_faults_injected_total{kind="quota_exhausted"}')).toBe(3);
    } finally {
      await sim.stop();
    }
  });

  it('gives the same fault sequence for the same seed, and another for another seed', async () => {
    const scenario = { name: 'coin', phases: [{ name: 'p', faults: [{ kind: 'server_error_500', probability: 0.5 }] }] };
    const run = async (seed: number): Promise<number[]> => {
      const sim = await startSimulator({ threads: 2, speed: 0, seed, scenario: tempFile('c.json', scenario) });
      try {
        const out: number[] = [];
        for (let i = 0; i < 24; i++) {
          const r = await post(sim, CHAT, { connection: 'close' });
          await r.text();
          out.push(r.status);
        }
        return out;
      } finally {
        await sim.stop();
      }
    };
    const a = await run(5);
    expect(a).toEqual(await run(5));
    expect(a).not.toEqual(await run(6));
    expect(new Set(a)).toEqual(new Set([200, 500]));
  });
});

describe('per-request overrides and mid-stream faults', () => {
  let sim: Simulator;
  let client: OpenAI;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0 });
    client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-a', maxRetries: 0 });
  });
  afterAll(() => sim.stop());

  it('forces a fault, a corpus entry and a TTFT', async () => {
    await expect(client.chat.completions.create(CHAT, { headers: { 'x-understudy-fault': 'server_error_500' } })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(client.chat.completions.create(CHAT, { headers: { 'x-understudy-fault': 'bad_gateway_502' } })).rejects.toThrow(/502/);
    const { response } = await client.chat.completions.create({ ...CHAT, max_tokens: undefined }, { headers: { 'x-understudy-entry': 'gpt-4o-text-001', 'x-understudy-ttft-ms': '25' } }).withResponse();
    expect(response.headers.get('x-understudy-entry')).toBe('gpt-4o-text-001');
    expect(response.headers.get('x-understudy-ttft-ms')).toBe('25.0');
  });

  it('ends a stream without its finish chunk and [DONE]: the SDK helper reports it', async () => {
    const stream = client.chat.completions.stream({ ...CHAT, stream: true }, { headers: { 'x-understudy-fault': 'missing_done' } });
    await expect(stream.finalChatCompletion()).rejects.toThrow(/missing finish_reason/);
  });

  it('sends a malformed frame that the SDK refuses to parse', async () => {
    const stream = await client.chat.completions.create({ ...CHAT, stream: true }, { headers: { 'x-understudy-fault': 'malformed_frame' } });
    await expect(
      (async () => {
        for await (const _ of stream) void _;
      })(),
    ).rejects.toThrow();
  });

  it('drops the connection mid-stream, and cuts a non-streaming body', async () => {
    // The drop can surface before or after the headers arrive: either way no complete stream.
    const text = await post(sim, { ...CHAT, stream: true, max_tokens: 50 }, { 'x-understudy-fault': 'disconnect_after_tokens' })
      .then((r) => r.text())
      .catch(() => 'cut');
    expect(text).not.toContain('[DONE]');
    expect(await metric(sim, 'understudy_faults_injected_total{kind="disconnect_after_tokens"}')).toBe(1);
    await expect(client.chat.completions.create(CHAT, { headers: { 'x-understudy-fault': 'truncated_json' } })).rejects.toThrow();
  });

  it('a forced rate limit says when to retry, with the limit headers, and echoes the caller\'s x-request-id', async () => {
    const r = await post(sim, CHAT, { 'x-understudy-fault': 'rate_limit', 'x-request-id': 'mine-1' });
    expect(r.status).toBe(429);
    expect(r.headers.get('x-request-id')).toBe('mine-1');
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.headers.get('retry-after-ms')).toBe('1000');
    expect(r.headers.get('x-ratelimit-limit-requests')).toBe('500');
    expect(r.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(r.headers.get('x-ratelimit-reset-requests')).toBe('1s');
    expect(((await r.json()) as { error: { message: string } }).error.message).toContain('Please try again in 1s.');
    // Without one of the caller's, an id in OpenAI's form.
    const plain = await post(sim, CHAT, { 'x-understudy-fault': 'server_error_500' });
    expect(plain.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    await plain.text();
  });

  it('truncated_json sends the status, the headers and the first half of the body on every surface, then closes', async () => {
    const cases: [string, unknown][] = [
      ['/v1/chat/completions', CHAT],
      ['/v1/responses', { model: 'gpt-4o-mini', input: 'hi', max_output_tokens: 20 }],
      ['/v1/embeddings', { model: 'text-embedding-3-small', input: 'hi' }],
      ['/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }],
      ['/v1beta/models/gemini-2.5-flash:generateContent', { contents: [{ parts: [{ text: 'hi' }] }] }],
    ];
    for (const [path, body] of cases) {
      const { bytes, closed } = await rawPost(sim.port, path, body, { 'x-understudy-fault': 'truncated_json', 'anthropic-version': '2023-06-01' });
      expect(closed).toBe(true);
      const text = bytes.toString('latin1');
      expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      // The half body goes as one chunk of a chunked body that never ends.
      const chunk = bytes.subarray(text.indexOf('\r\n\r\n') + 4);
      const sizeEnd = chunk.indexOf('\r\n');
      const half = chunk.subarray(sizeEnd + 2);
      expect(half.length).toBe(Number.parseInt(chunk.subarray(0, sizeEnd).toString(), 16));
      expect(half.length).toBeGreaterThan(20);
      expect(half[0]).toBe(0x7b);
      expect(() => JSON.parse(half.toString('utf8')) as unknown).toThrow();
      expect(text).not.toMatch(/\r\n0\r\n\r\n$/);
    }
  });

  it('a mid-stream fault strikes before the end of an answer shorter than its afterTokens, never letting it complete', async () => {
    for (const kind of ['stream_overloaded', 'disconnect_after_tokens', 'malformed_frame']) {
      let finished = false;
      // A drop can surface while the SDK opens the stream or while it reads it.
      await expect(
        (async () => {
          const stream = await client.chat.completions.create({ ...CHAT, stream: true, max_tokens: 2 }, { headers: { 'x-understudy-fault': kind } });
          for await (const chunk of stream) if (chunk.choices[0]?.finish_reason) finished = true;
        })(),
      ).rejects.toThrow();
      expect(finished).toBe(false);
    }
  });

  it('sends an in-stream error event that the SDK raises as an APIError', async () => {
    const stream = await client.chat.completions.create({ ...CHAT, stream: true, max_tokens: 50 }, { headers: { 'x-understudy-fault': 'stream_overloaded' } });
    await expect(
      (async () => {
        for await (const _ of stream) void _;
      })(),
    ).rejects.toBeInstanceOf(OpenAI.APIError);
  });

  it('holds a request without answering until the client times out', async () => {
    const quick = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-a', maxRetries: 0, timeout: 300 });
    await expect(quick.chat.completions.create(CHAT, { headers: { 'x-understudy-fault': 'timeout_no_answer' } })).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await expect.poll(() => metric(sim, 'understudy_faults_injected_total{kind="timeout_no_answer"}')).toBe(1);
  });

  it('holds the answer back for a slow-answer fault', async () => {
    const scenario = tempFile('slow.json', { name: 'slow', phases: [{ name: 'p', faults: [{ kind: 'timeout_slow_answer', delayMs: 200 }] }] });
    const slow = await startSimulator({ threads: 1, speed: 0, scenario });
    try {
      const r = await post(slow, CHAT);
      await r.text();
      // The planned time to first token is the hold (speed 0 leaves nothing else).
      expect(Number(r.headers.get('x-understudy-ttft-ms'))).toBe(200);
    } finally {
      await slow.stop();
    }
  });

  it('resets the connection before any byte, and sends an empty 200', async () => {
    await expect(post(sim, CHAT, { 'x-understudy-fault': 'reset_before_headers' })).rejects.toThrow();
    const empty = await post(sim, CHAT, { 'x-understudy-fault': 'empty_200' });
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe('');
  });

  it('multiplies the time to first token in a brownout', async () => {
    // TTFTs of tens of ms: the header's one decimal then leaves the ratio within 0.01 of the factor.
    const slow = await startSimulator({ threads: 1, speed: 0.1 });
    try {
      const plain = await post(slow, { ...CHAT, seed: 9 });
      await plain.text();
      const brown = await post(slow, { ...CHAT, seed: 9 }, { 'x-understudy-fault': 'ttft_brownout' });
      await brown.text();
      const ratio = Number(brown.headers.get('x-understudy-ttft-ms')) / Number(plain.headers.get('x-understudy-ttft-ms'));
      expect(ratio).toBeCloseTo(5, 1);
    } finally {
      await slow.stop();
    }
  });

  it('ignores override headers when they are switched off', async () => {
    const strict = await startSimulator({ threads: 1, speed: 0, overrideHeaders: false });
    try {
      const r = await post(strict, CHAT, { 'x-understudy-fault': 'server_error_500' });
      expect(r.status).toBe(200);
      await r.text();
    } finally {
      await strict.stop();
    }
  });
});

describe('admin API', () => {
  it('loads, reports and clears scenarios and quotas', async () => {
    const sim = await startSimulator({ threads: 2, speed: 0 });
    try {
      const put = await fetch(`${sim.url}/_understudy/scenario`, { method: 'POST', body: JSON.stringify({ name: 'rate-limit-storm' }) });
      expect(put.status).toBe(200);
      expect(((await put.json()) as { scenario: { name: string } }).scenario.name).toBe('rate-limit-storm');
      const state = (await (await fetch(`${sim.url}/_understudy/scenario`)).json()) as { scenario: { phases: unknown[] } };
      expect(state.scenario.phases).toHaveLength(3);
      const bad = await fetch(`${sim.url}/_understudy/scenario`, { method: 'POST', body: JSON.stringify({ name: 'x', phases: [{ name: 'p', faults: [{ kind: 'nope' }] }] }) });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: unknown }).error).toMatchObject({ code: 'SIM_ERR_SCENARIO_INVALID', message: expect.stringMatching(/phases\[0\]\.faults\[0\]\.kind/) });
      const cleared = (await (await fetch(`${sim.url}/_understudy/scenario`, { method: 'DELETE' })).json()) as { scenario: unknown };
      expect(cleared.scenario).toBeNull();

      const quota = await fetch(`${sim.url}/_understudy/quota`, { method: 'POST', body: JSON.stringify({ preset: 'openai-tier-1' }) });
      expect(((await quota.json()) as { source: string }).source).toBe('openai-tier-1');
      // Once the admin call returns, every thread applies the change: fresh connections spread
      // over both threads all see it.
      const limits = async (): Promise<(string | null)[]> =>
        Promise.all(
          Array.from({ length: 10 }, async () => {
            const r = await post(sim, CHAT, { connection: 'close' });
            await r.text();
            return r.headers.get('x-ratelimit-limit-requests');
          }),
        );
      expect(await limits()).toEqual(Array(10).fill('500'));
      await fetch(`${sim.url}/_understudy/quota`, { method: 'DELETE' });
      expect(await limits()).toEqual(Array(10).fill(null));
    } finally {
      await sim.stop();
    }
  });

  it('refuses a preset with other fields beside it, and a scenario name that is not the library\'s, loading neither', async () => {
    const sim = await startSimulator({ threads: 1, speed: 0 });
    try {
      const postAdmin = async (path: string, body: unknown): Promise<{ status: number; error: { code: string; message: string } }> => {
        const r = await fetch(`${sim.url}/_understudy/${path}`, { method: 'POST', body: JSON.stringify(body) });
        return { status: r.status, ...((await r.json()) as { error: { code: string; message: string } }) };
      };
      // README: `{"preset": "openai-tier-1"}` or `{defaults, models}`, not both.
      expect(await postAdmin('quota', { preset: 'openai-tier-1', defaults: { requestsPerMinute: 5 } })).toMatchObject({
        status: 400,
        error: { code: 'SIM_ERR_QUOTA_INVALID', message: expect.stringMatching(/"defaults"/) },
      });
      expect(await postAdmin('quota', { preset: 5 })).toMatchObject({ status: 400, error: { code: 'SIM_ERR_QUOTA_INVALID', message: expect.stringMatching(/^preset: /) } });
      expect(((await (await fetch(`${sim.url}/_understudy/quota`)).json()) as { source: unknown }).source).toBeNull();

      // README: `{"name": "rate-limit-storm"}` from the library; a path names a file on the server.
      const path = new URL('../scenarios/rate-limit-storm.yaml', import.meta.url).pathname;
      expect(await postAdmin('scenario', { name: path })).toMatchObject({
        status: 400,
        error: { code: 'SIM_ERR_SCENARIO_INVALID', message: expect.stringMatching(/is not a library scenario \(flaky-streams, .*rate-limit-storm\)/) },
      });
      expect(await postAdmin('scenario', { name: 'rate-limit-storm', typo: 1 })).toMatchObject({
        status: 400,
        error: { code: 'SIM_ERR_SCENARIO_INVALID', message: expect.stringMatching(/^name loads a library scenario alone: .*"typo"/) },
      });
      expect(((await (await fetch(`${sim.url}/_understudy/scenario`)).json()) as { scenario: unknown }).scenario).toBeNull();
    } finally {
      await sim.stop();
    }
  });

  it('reports the loaded scenario as one that loads again as is: what GET returns can be posted back', async () => {
    // Saving the active scenario and restoring it later: GET gave each fault every field with its
    // default (afterTokens on an overloaded_529), which a load refuses as a field its kind does not use.
    const sim = await startSimulator({ threads: 1, speed: 0 });
    try {
      const url = `${sim.url}/_understudy/scenario`;
      for (const name of ['overload-529', 'provider-brownout', 'rate-limit-storm', 'flaky-streams', 'quota-exhaustion']) {
        expect((await fetch(url, { method: 'POST', body: JSON.stringify({ name }) })).status).toBe(200);
        const saved = ((await (await fetch(url)).json()) as { scenario: unknown }).scenario;
        const reloaded = await fetch(url, { method: 'POST', body: JSON.stringify(saved) });
        expect(reloaded.status, `${name}: ${await reloaded.clone().text()}`).toBe(200);
        expect(((await reloaded.json()) as { scenario: unknown }).scenario).toEqual(saved);
      }
    } finally {
      await sim.stop();
    }
  });

  it('restarts the request count with each load: the same requests fail again, and startAfterRequests counts from the load', async () => {
    const sim = await startSimulator({ threads: 2, speed: 0, seed: 9 });
    try {
      const statuses = async (n: number): Promise<number[]> => {
        const out: number[] = [];
        for (let i = 0; i < n; i++) {
          const r = await post(sim, CHAT, { connection: 'close' });
          await r.text();
          out.push(r.status);
        }
        return out;
      };
      const load = async (scenario: unknown): Promise<void> => {
        const r = await fetch(`${sim.url}/_understudy/scenario`, { method: 'POST', body: JSON.stringify(scenario) });
        expect(r.status).toBe(200);
      };
      const coin = { name: 'coin', phases: [{ name: 'p', faults: [{ kind: 'server_error_500', probability: 0.5 }] }] };
      // Traffic before the load is not counted in the scenario's run.
      expect(await statuses(7)).toEqual(Array(7).fill(200));
      await load(coin);
      const first = await statuses(16);
      expect(new Set(first)).toEqual(new Set([200, 500]));
      await load(coin);
      expect(await statuses(16)).toEqual(first);
      // Clearing restarts it too: a load after a clearing fails the same requests again.
      await fetch(`${sim.url}/_understudy/scenario`, { method: 'DELETE' });
      expect(await statuses(3)).toEqual(Array(3).fill(200));
      await load(coin);
      expect(await statuses(16)).toEqual(first);

      await load({ name: 'later', phases: [{ name: 'p', startAfterRequests: 3, requests: 2, faults: [{ kind: 'unavailable_503' }] }] });
      expect(await statuses(6)).toEqual([200, 200, 200, 503, 503, 200]);
    } finally {
      await sim.stop();
    }
  });

  it('starts a --scenario timeline and request count when the server listens, not before the corpus loads', async () => {
    const scenario = { name: 'first', phases: [{ name: 'p', requests: 2, faults: [{ kind: 'unavailable_503' }] }] };
    const before = Date.now();
    const sim = await startSimulator({ threads: 2, speed: 0, scenario: tempFile('first.json', scenario) });
    const listening = Date.now();
    try {
      const state = (await (await fetch(`${sim.url}/_understudy/scenario`)).json()) as { loadedAt: string };
      // Loaded at the end of start-up (threads up), not at its beginning.
      expect(Date.parse(state.loadedAt)).toBeGreaterThanOrEqual(before + (listening - before) / 2);
      const out: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await post(sim, CHAT, { connection: 'close' });
        await r.text();
        out.push(r.status);
      }
      expect(out).toEqual([503, 503, 200]);
    } finally {
      await sim.stop();
    }
  });

  it('requires the token when one is set, and is off beyond loopback without one', async () => {
    const guarded = await startSimulator({ threads: 1, speed: 0, adminToken: 'secret-token' });
    try {
      expect((await fetch(`${guarded.url}/_understudy/quota`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/_understudy/quota`, { headers: { authorization: 'Bearer secret-token' } })).status).toBe(200);
      // Zeroing the stats is an admin call too; reading them is not.
      expect((await fetch(`${guarded.url}/_understudy/stats/reset`, { method: 'POST' })).status).toBe(401);
      expect((await fetch(`${guarded.url}/_understudy/stats/reset`, { method: 'POST', headers: { authorization: 'Bearer secret-token' } })).status).toBe(200);
      expect((await fetch(`${guarded.url}/_understudy/stats`)).status).toBe(200);
    } finally {
      await guarded.stop();
    }
    const open = await startSimulator({ threads: 1, speed: 0, host: '0.0.0.0' });
    try {
      expect((await fetch(`${open.url}/_understudy/scenario`)).status).toBe(403);
      expect((await fetch(`${open.url}/_understudy/stats/reset`, { method: 'POST' })).status).toBe(403);
      expect((await fetch(`${open.url}/_understudy/stats`)).status).toBe(200);
    } finally {
      await open.stop();
    }
  });
});
