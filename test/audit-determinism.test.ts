/**
 * Reproducibility audit: the same seed and request sequence must give the same bytes, on any
 * number of threads, whatever the headers a client adds or what rate limits refused. Batches:
 * audit-determinism-batches.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { tempFile, useSimulator } from './fixtures/sim.js';

describe('a request seed', () => {
  const sim = useSimulator({ seed: 5 });
  const OPENAI = { authorization: 'Bearer sk-test', 'content-type': 'application/json' };

  /** The request id and answer of a seeded chat request: both drawn from the seed's source. */
  async function seeded(seed: number): Promise<string> {
    const res = await fetch(`${sim().url}/v1/chat/completions`, { method: 'POST', headers: OPENAI, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }], seed }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    return `${res.headers.get('x-request-id')} ${body.choices[0]!.message.content}`;
  }

  it('repeats its answer', async () => {
    expect(await seeded(2 ** 40 + 3)).toBe(await seeded(2 ** 40 + 3));
  });

  it('takes any 64-bit integer, as OpenAI does, with its own answer', async () => {
    // JSON numbers past 2^53 were refused ("Expected a value <= 9007199254740991"), a bound of
    // JavaScript's and not OpenAI's, whose seed is an int64: a 63-bit random seed got a 400.
    const big = async (seed: string, path = '/v1/chat/completions', body: Record<string, unknown> = { messages: [{ role: 'user', content: 'Hello there' }] }): Promise<string> => {
      const res = await fetch(`${sim().url}${path}`, { method: 'POST', headers: OPENAI, body: JSON.stringify({ model: path.includes('chat') ? 'gpt-4o-mini' : 'gpt-3.5-turbo-instruct', ...body, seed: 0 }).replace('"seed":0', `"seed":${seed}`) });
      const text = await res.text();
      expect(res.status, text).toBe(200);
      return res.headers.get('x-request-id')!;
    };
    expect(await big('9223372036854775807')).toBe(await big('9223372036854775807'));
    expect(await big('-9223372036854775808')).not.toBe(await big('9223372036854775807'));
    expect(await big('4611686018427387904')).not.toBe(await big('9223372036854775807'));
    await big('9007199254740993', '/v1/completions', { prompt: 'Once upon a time', max_tokens: 5 });
    // Past int64, and a fraction, are refused as before.
    const refused = async (seed: string): Promise<{ message: string }> => {
      const res = await fetch(`${sim().url}/v1/chat/completions`, { method: 'POST', headers: OPENAI, body: `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}],"seed":${seed}}` });
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: { message: string } }).error;
    };
    expect((await refused('1e20')).message).toContain('Expected a value <= 9223372036854775807');
    expect((await refused('-1e20')).message).toContain('Expected a value >= -9223372036854775808');
    expect((await refused('1.5')).message).toContain("Invalid type for 'seed'");
  });

  it('past 32 bits is a seed of its own: OpenAI seeds are 64-bit, and one 2^32 apart from another drew the same', async () => {
    // Only the low 32 bits were hashed, so 1 and 2^32 + 1, or -1 and 2^32 − 1, were the same seed.
    expect(await seeded(2 ** 32 + 1)).not.toBe(await seeded(1));
    expect(await seeded(-1)).not.toBe(await seeded(2 ** 32 - 1));
    expect(await seeded(-(2 ** 40))).not.toBe(await seeded(2 ** 40));
  });
});

describe('request ids of replies answered before a request has a source of its own (unrouted paths, bad overrides, faults)', () => {
  const one = useSimulator({ seed: 9, threads: 1 });
  const two = useSimulator({ seed: 9, threads: 2 });

  /** Each on a new connection, which the kernel gives to any thread. */
  async function ids(url: string): Promise<string[]> {
    const out: string[] = [];
    const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    for (let i = 0; i < 6; i++) {
      const unrouted = await fetch(`${url}/v1/no-such-route-${i}`, { headers: { connection: 'close' } });
      out.push(`${unrouted.status} ${unrouted.headers.get('x-request-id')}`);
      await unrouted.arrayBuffer();
      const faulted = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: chat, headers: { connection: 'close', 'content-type': 'application/json', 'x-understudy-fault': 'server_error_500' } });
      out.push(`${faulted.status} ${faulted.headers.get('x-request-id')}`);
      await faulted.arrayBuffer();
      const anthropic = await fetch(`${url}/v1/messages/x/y/z`, { headers: { connection: 'close', 'anthropic-version': '2023-06-01' } });
      out.push(`${anthropic.status} ${anthropic.headers.get('request-id')}`);
      await anthropic.arrayBuffer();
    }
    return out;
  }

  it('are the same on any --threads for requests sent one after another', async () => {
    const a = await ids(one().url);
    expect(new Set(a).size).toBe(a.length);
    // They came from a source per thread: which thread the kernel picked for a connection changed them.
    expect(await ids(two().url)).toEqual(a);
  });
});

describe('a Gemini embedding request a rate limit refuses', () => {
  // One request a minute for the embedding model: the second is refused, in one run and not the other.
  const limited = useSimulator({ seed: 4, quota: tempFile('quota.json', { defaults: { requestsPerMinute: 1000 }, models: { 'gemini-embedding': { requestsPerMinute: 1 } } }) });
  const free = useSimulator({ seed: 4 });
  const GEMINI = { 'x-goog-api-key': 'k', 'content-type': 'application/json' };

  async function run(url: string): Promise<unknown> {
    const embed = JSON.stringify({ content: { parts: [{ text: 'hello' }] } });
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${url}/v1beta/models/gemini-embedding-001:embedContent`, { method: 'POST', headers: GEMINI, body: embed });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    const res = await fetch(`${url}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', headers: GEMINI, body: JSON.stringify({ contents: [{ parts: [{ text: 'Hi' }] }] }) });
    expect(res.status).toBe(200);
    return { statuses, trace: res.headers.get('x-understudy-trace-id'), entry: res.headers.get('x-understudy-entry'), body: (await res.json()) };
  }

  it('takes its place in the order as an admitted one does, so the requests after it draw the same', async () => {
    const a = (await run(limited().url)) as { statuses: number[] };
    const b = (await run(free().url)) as { statuses: number[] };
    expect(a.statuses).toEqual([200, 429]);
    expect(b.statuses).toEqual([200, 200]);
    // It drew its source only once admitted: a refusal, which hangs on timing, shifted every later request.
    expect({ ...a, statuses: [] }).toEqual({ ...b, statuses: [] });
  });
});

describe('a client x-request-id header, which OpenAI replies echo', () => {
  const sim = useSimulator({ seed: 3 });

  /** What a seeded chat request drew: its answer, log probabilities and trace id (the request id aside). */
  async function drawn(headers: Record<string, string>): Promise<unknown> {
    const res = await fetch(`${sim().url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }], seed: 77, logprobs: true, top_logprobs: 2 }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; created: number; choices: unknown };
    return { trace: res.headers.get('x-understudy-trace-id'), entry: res.headers.get('x-understudy-entry'), id: body.id, choices: body.choices };
  }

  it('changes nothing a seeded request draws', async () => {
    const plain = await drawn({});
    const tagged = await drawn({ 'x-request-id': 'trace-from-my-app-1' });
    // The request id's draws were skipped when the client's was echoed, so everything drawn after
    // them (the answer, its log probabilities, ids, schedule) differed from the same request without it.
    expect(tagged).toEqual(plain);
  });
});
