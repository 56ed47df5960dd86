/**
 * Reproducibility audit: the same seed and request sequence must give the same bytes, whatever a
 * chaos scenario did to requests that are not the ones compared.
 */
import OpenAI, { toFile } from 'openai';
import { describe, expect, it } from 'vitest';
import { tempFile, useSimulator } from './fixtures/sim.js';

const ANTHROPIC = { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' };

/** Faults every request for one model, by `kind`; other models pass untouched. */
const faultHaiku = (kind: string): string => tempFile('scenario.json', { name: `haiku-${kind}`, phases: [{ name: 'all', target: { models: ['claude-3-5-haiku'] }, faults: [{ kind, probability: 1 }] }] });

describe('an Anthropic batch whose requests a fault leaves without a JSON answer', () => {
  // An empty 200 (like a reset or a held request) makes an errored result line with a request id of its own.
  const emptied = useSimulator({ seed: 5, scenario: faultHaiku('empty_200') });
  // A 500 is an errored result too, with the fault reply's own JSON.
  const failed = useSimulator({ seed: 5, scenario: faultHaiku('server_error_500') });

  /** A batch of three faulted requests, then a live request the scenario does not touch. */
  async function run(url: string): Promise<{ live: unknown; errored: string[] }> {
    const params = { model: 'claude-3-5-haiku-latest', max_tokens: 32, messages: [{ role: 'user', content: 'Hi' }] };
    const created = await fetch(`${url}/v1/messages/batches`, { method: 'POST', headers: ANTHROPIC, body: JSON.stringify({ requests: ['a', 'b', 'c'].map((custom_id) => ({ custom_id, params })) }) });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    const res = await fetch(`${url}/v1/messages`, { method: 'POST', headers: ANTHROPIC, body: JSON.stringify({ ...params, model: 'claude-sonnet-4-5' }) });
    expect(res.status).toBe(200);
    const live = { requestId: res.headers.get('request-id'), body: (await res.json()) };
    await expect.poll(async () => ((await (await fetch(`${url}/v1/messages/batches/${id}`, { headers: ANTHROPIC })).json()) as { processing_status: string }).processing_status).toBe('ended');
    const lines = (await (await fetch(`${url}/v1/messages/batches/${id}/results`, { headers: ANTHROPIC })).text()).trim().split('\n');
    const errored = lines.map((l) => (JSON.parse(l) as { result: { type: string; error?: { request_id: string } } }).result).map((r) => `${r.type} ${r.error?.request_id ?? ''}`);
    return { live, errored };
  }

  it('takes no place in the run: a later request is answered as after any other batch', async () => {
    const a = await run(emptied().url);
    const b = await run(failed().url);
    expect(a.errored.every((l) => /^errored req_011C\w{20}$/.test(l))).toBe(true);
    // The batch's items run at the positions it reserved; drawing an errored line's id from the
    // live order shifted every later request's answer, by as many items as had failed.
    expect(a.live).toEqual(b.live);
  });
});

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

describe('an OpenAI batch whose requests a fault refuses', () => {
  const scenario = tempFile('scenario.json', { name: 'mini-500', phases: [{ name: 'all', target: { models: ['gpt-4o-mini'] }, faults: [{ kind: 'server_error_500', probability: 1 }] }] });
  const quiet = useSimulator({ seed: 8, scenario });
  const noisy = useSimulator({ seed: 8, scenario });

  /** The request ids of a faulted batch's lines, after `before` other error replies. */
  async function requestIds(url: string, before: number): Promise<string[]> {
    for (let i = 0; i < before; i++) await (await fetch(`${url}/v1/no-such-route`)).arrayBuffer();
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const rows = ['a', 'b', 'c'].map((id) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] } }));
    const file = await client.files.create({ file: await toFile(Buffer.from(rows.join('\n') + '\n'), 'in.jsonl'), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await expect.poll(async () => (await client.batches.retrieve(batch.id)).status).toBe('completed');
    const errors = await (await client.files.content((await client.batches.retrieve(batch.id)).error_file_id!)).text();
    return errors
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { response: { status_code: number; request_id: string } }).response)
      .map((r) => `${r.status_code} ${r.request_id}`);
  }

  it('gives each the request id of its reserved position, whatever error replies went before', async () => {
    const a = await requestIds(quiet().url, 0);
    expect(a).toHaveLength(3);
    expect(a.every((l) => /^500 req_[0-9a-f]{32}$/.test(l))).toBe(true);
    // A fault reply's id came from the run's count of error replies, which live traffic (and the
    // moment a batch slice ran between live requests) moves.
    expect(await requestIds(noisy().url, 2)).toEqual(a);
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

describe('an OpenAI batch line too deep for its handler', () => {
  const deep = useSimulator({ seed: 12 });
  const refused = useSimulator({ seed: 12 });
  const chatRow = (content: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ custom_id: 'only', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra } });

  /** A batch of one failing line, then a live request; the live request's draws. */
  async function liveAfter(url: string, row: string): Promise<unknown> {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const file = await client.files.create({ file: await toFile(Buffer.from(row + '\n'), 'in.jsonl'), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    await expect.poll(async () => (await client.batches.retrieve(batch.id)).request_counts?.failed).toBe(1);
    return { requestId: response.headers.get('x-request-id'), id: data.id, choices: data.choices };
  }

  it('takes no place in the run: a later request is answered as after any other failed line', async () => {
    // One word of 6 MB overflows the tokenizer's stack: the handler throws, and the line fails.
    const a = await liveAfter(deep().url, chatRow('x'.repeat(6_000_000)));
    const b = await liveAfter(refused().url, chatRow('Hi', { temperature: 9 }));
    expect(a).toEqual(b);
  });
});
