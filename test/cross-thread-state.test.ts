/**
 * Stored objects with several server threads, through the openai SDK on a new connection per
 * request, so that the kernel spreads the requests over the threads (SO_REUSEPORT) as it spreads a
 * client's reconnections. Every request must find what an earlier one stored, wherever each
 * landed; before ids named their owner, about half of these requests answered 404.
 */
import { GoogleGenAI } from '@google/genai';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { toFile } from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ownedId, ownerOf } from '../src/server/owner-ids.js';
import type { PeerAnswer } from '../src/server/peers.js';
import type { FromThread } from '../src/workers/messages.js';
import { PEER_ANSWER_TIMEOUT_MS, PeerLink } from '../src/workers/peer-link.js';
import { SeededRandom } from '../src/timing/random.js';
import { rejection, useSimulator } from './fixtures/sim.js';

const MODEL = 'gpt-4o-mini';
/** Requests per check: all on one thread by chance once in 2^11 runs. */
const SPREAD = 12;

describe('owner ids', () => {
  it('name their owner, for every slot the config allows, and look random', () => {
    const rng = new SeededRandom(3);
    for (let slot = 0; slot < 256; slot++) {
      const id = ownedId(rng, 'resp_', 48, slot);
      expect(id).toMatch(/^resp_[A-Za-z0-9]{48}$/);
      expect(ownerOf(id, 256, 'mixed')).toBe(slot);
    }
    const ids = Array.from({ length: 50 }, () => ownedId(rng, 'conv_', 48, 0));
    expect(new Set(ids.map((id) => id.slice(-2))).size).toBeGreaterThan(40);
    // Nor do they repeat the two characters before them.
    expect(ids.filter((id) => id.slice(-2) === id.slice(-4, -2)).length).toBeLessThan(3);
  });

  it('name no thread for an id too short, with other characters, or past the thread count', () => {
    expect(ownerOf('abc', 4, 'mixed')).toBeUndefined();
    expect(ownerOf('resp_abc-_', 4, 'mixed')).toBeUndefined();
    expect(ownerOf('resp_ABCDéA', 4, 'mixed')).toBeUndefined();
    const id = ownedId(new SeededRandom(1), 'resp_', 48, 3);
    expect(ownerOf(id, 3, 'mixed')).toBeUndefined();
    expect(ownerOf(id, 4, 'mixed')).toBe(3);
  });

  it('name their owner in lowercase letters and digits, as Gemini\'s ids are, for every slot, and look random', () => {
    const rng = new SeededRandom(3);
    for (let slot = 0; slot < 256; slot++) {
      const id = ownedId(rng, '', 36, slot, 'lower');
      expect(id).toMatch(/^[a-z0-9]{36}$/);
      expect(ownerOf(id, 256, 'lower')).toBe(slot);
    }
    const ids = Array.from({ length: 50 }, () => ownedId(rng, '', 40, 0, 'lower'));
    expect(new Set(ids.map((id) => id.slice(-2))).size).toBeGreaterThan(40);
    expect(ids.filter((id) => id.slice(-2) === id.slice(-4, -2)).length).toBeLessThan(3);
    // Seeded: the same source draws the same ids.
    expect(ownedId(new SeededRandom(5), '', 40, 1, 'lower')).toBe(ownedId(new SeededRandom(5), '', 40, 1, 'lower'));
  });

  it('are read in the digits the route names: a lowercase id is base-62 digits too, naming another owner there', () => {
    const rng = new SeededRandom(4);
    const ids = Array.from({ length: 64 }, (_, slot) => ownedId(rng, '', 40, slot, 'lower'));
    expect(ids.map((id) => ownerOf(id, 64, 'lower'))).toEqual(ids.map((_, slot) => slot));
    expect(ids.filter((id, slot) => ownerOf(id, 64, 'mixed') === slot).length).toBeLessThan(4);
    // Capitals are no lowercase digits; nor is an OpenAI id's dash.
    expect(ownerOf('abcdEFGH', 4, 'lower')).toBeUndefined();
    expect(ownerOf('file-ab-c', 4, 'lower')).toBeUndefined();
  });
});

describe('a thread\'s link to the others', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('posts each ask to the owner, resolves it with its answer, and drops a second answer', async () => {
    const sent: FromThread[] = [];
    const link = new PeerLink(1, 3, 0, (msg) => sent.push(msg));
    const asked = link.ask(2, { kind: 'list', list: 'files', host: '' });
    expect(sent).toEqual([{ type: 'peer-ask', slot: 1, to: 2, askId: 0, query: { kind: 'list', list: 'files', host: '' } }]);
    const answer: PeerAnswer = { kind: 'list', entries: [] };
    link.answered(0, answer);
    link.answered(0, { kind: 'unanswered' });
    expect(await asked).toBe(answer);
  });

  it('numbers a restarted thread\'s asks apart from its predecessor\'s, so a late answer meets no one', async () => {
    const sent: FromThread[] = [];
    const before = new PeerLink(1, 2, 7, (msg) => sent.push(msg));
    void before.ask(0, { kind: 'list', list: 'files', host: '' });
    const after = new PeerLink(1, 2, 8, (msg) => sent.push(msg));
    const asked = after.ask(0, { kind: 'list', list: 'files', host: '' });
    const [old, fresh] = sent.map((m) => (m.type === 'peer-ask' ? m.askId : -1));
    expect(old).not.toBe(fresh);
    after.answered(old!, { kind: 'list', entries: [{ seq: 1, json: '{}' }] });
    const answer: PeerAnswer = { kind: 'list', entries: [] };
    after.answered(fresh!, answer);
    expect(await asked).toBe(answer);
  });

  it('answers a query it cannot send as failed, at once', async () => {
    const link = new PeerLink(0, 2, 0, () => {
      throw new Error('could not be cloned');
    });
    expect(await link.ask(1, { kind: 'list', list: 'files', host: '' })).toEqual({ kind: 'failed', reason: 'internal' });
  });

  it('takes an owner that does not answer in time as late', async () => {
    vi.useFakeTimers();
    const link = new PeerLink(0, 2, 0, () => undefined);
    const asked = link.ask(1, { kind: 'context', previous: 'resp_x', refs: [], conversation: null });
    await vi.advanceTimersByTimeAsync(PEER_ANSWER_TIMEOUT_MS - 1);
    let settled = false;
    void asked.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await asked).toEqual({ kind: 'late' });
    // The late answer finds no one waiting.
    link.answered(0, { kind: 'list', entries: [] });
  });
});

describe('stored objects across server threads', () => {
  const sim = useSimulator({ threads: 2, seed: 11 });
  // `connection: close` makes the SDK's fetch open a new connection for every request.
  const client = () => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0, defaultHeaders: { connection: 'close' } });
  const times = <T>(n: number, fn: (i: number) => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: n }, (_, i) => fn(i)));

  it('spreads new connections over both threads (what every test below relies on)', async () => {
    const threads = await times(SPREAD, async () => ((await (await fetch(`${sim().url}/_understudy/health`, { headers: { connection: 'close' } })).json()) as { thread: number }).thread);
    expect(new Set(threads)).toEqual(new Set([0, 1]));
  });

  it('retrieves, lists the input of, and deletes a response from any thread', async () => {
    const created = await client().responses.create({ model: MODEL, input: 'Where is parcel 7?' });
    const got = await times(SPREAD, () => client().responses.retrieve(created.id));
    expect(got.map((r) => r.id)).toEqual(Array(SPREAD).fill(created.id));
    expect(got.every((r) => r.output_text === created.output_text)).toBe(true);
    const inputs = await times(SPREAD, () => client().responses.inputItems.list(created.id));
    expect(inputs.every((page) => page.data.length === 1)).toBe(true);
    await client().responses.delete(created.id);
    const gone = await times(SPREAD, (): Promise<unknown> => rejection(client().responses.retrieve(created.id), OpenAI.NotFoundError));
    expect(gone).toHaveLength(SPREAD);
  });

  it('counts a previous response\'s context and referenced items on every thread alike', async () => {
    const first = await client().responses.create({ model: MODEL, input: 'Summarise the refund policy for damaged goods, in detail.' });
    const alone = await client().responses.inputTokens.count({ model: MODEL, input: 'And for late ones?' });
    const followUps = await times(SPREAD, () => client().responses.inputTokens.count({ model: MODEL, input: 'And for late ones?', previous_response_id: first.id }));
    expect(new Set(followUps.map((c) => c.input_tokens))).toEqual(new Set([followUps[0]!.input_tokens]));
    expect(followUps[0]!.input_tokens).toBeGreaterThan(alone.input_tokens + first.usage!.output_tokens);
    // The Vercel AI SDK sends earlier assistant turns as references to the stored output items.
    const message = first.output.find((item) => item.type === 'message')!;
    const referenced = await times(SPREAD, () =>
      client().responses.inputTokens.count({ model: MODEL, input: [{ role: 'user', content: 'And for late ones?' }, { type: 'item_reference', id: message.id }] }),
    );
    expect(new Set(referenced.map((c) => c.input_tokens))).toEqual(new Set([referenced[0]!.input_tokens]));
    expect(referenced[0]!.input_tokens).toBeGreaterThanOrEqual(alone.input_tokens + first.usage!.output_tokens);
    // A create on any thread continues the same context.
    const continued = await times(SPREAD, () => client().responses.create({ model: MODEL, input: 'And for late ones?', previous_response_id: first.id }));
    expect(new Set(continued.map((r) => r.usage!.input_tokens))).toEqual(new Set([followUps[0]!.input_tokens]));
  });

  it('keeps one conversation whichever thread each turn lands on', async () => {
    const conversation = await client().conversations.create({ metadata: { topic: 'parcels' } });
    const turns: OpenAI.Responses.Response[] = [];
    // One turn after another, as an app holds a conversation; each on a new connection.
    for (let i = 0; i < SPREAD; i++) turns.push(await client().responses.create({ model: MODEL, input: `Question ${i} about parcel 7.`, conversation: conversation.id }));
    // Each turn reads every earlier turn's input and output.
    for (let i = 1; i < SPREAD; i++) expect(turns[i]!.usage!.input_tokens).toBeGreaterThan(turns[i - 1]!.usage!.input_tokens);
    const lists = await times(SPREAD, () => client().conversations.items.list(conversation.id, { limit: 100, order: 'asc' }));
    expect(lists.every((page) => page.data.length === 2 * SPREAD)).toBe(true);
    expect(lists[0]!.data.filter((item) => item.type === 'message' && item.role === 'assistant').map((item) => item.id)).toEqual(turns.map((t) => t.output.find((o) => o.type === 'message')!.id));
    const updated = await client().conversations.update(conversation.id, { metadata: { topic: 'refunds' } });
    const seen = await times(SPREAD, () => client().conversations.retrieve(conversation.id));
    expect(seen.every((c) => c.metadata === null ? false : (c.metadata as Record<string, string>).topic === 'refunds')).toBe(true);
    expect(updated.id).toBe(conversation.id);
    await client().conversations.delete(conversation.id);
    const gone = await times(SPREAD, (): Promise<unknown> => rejection(client().responses.create({ model: MODEL, input: 'Hello?', conversation: conversation.id }), OpenAI.NotFoundError));
    expect(gone).toHaveLength(SPREAD);
  });

  it('adds a turn to another thread\'s conversation whatever the client nested in its items', async () => {
    const conversation = await client().conversations.create({});
    // Items nested as deep as a conversation keeps (they cross between threads as JSON text),
    // then deeper (refused before anything is added, so the conversation is left as it was):
    // 20,000 deep used to take the owner 100 ms to find out, and each listing re-serialized them.
    const turn = (i: number, depth: number): Promise<Response> =>
      fetch(`${sim().url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: `{"model":"${MODEL}","conversation":"${conversation.id}","input":[{"type":"function_call_output","call_id":"call_${i}","output":"ok","extra":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}]}`,
      });
    const deep: number[] = [];
    for (let i = 0; i < SPREAD; i++) deep.push((await turn(i, 999)).status);
    expect(deep).toEqual(Array(SPREAD).fill(200));
    const tooDeep = await times(SPREAD, async (i) => (await turn(i, i % 2 === 0 ? 1000 : 20_000)).status);
    expect(tooDeep).toEqual(Array(SPREAD).fill(400));
    const lists = await times(4, () => client().conversations.items.list(conversation.id, { limit: 100 }));
    expect(lists.map((page) => page.data.length)).toEqual(Array(4).fill(2 * SPREAD));
  });

  it('lists every thread\'s stored chat completions in the order they were made, and finds each', async () => {
    const made: string[] = [];
    for (let i = 0; i < SPREAD; i++) made.push((await client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: `Stored ${i}` }], store: true })).id);
    const lists = await times(4, async () => {
      const ids: string[] = [];
      for await (const c of client().chat.completions.list({ model: 'gpt-4o', limit: 5 })) ids.push(c.id);
      return ids;
    });
    for (const ids of lists) expect(ids).toEqual(made);
    const found = await times(SPREAD, (i) => client().chat.completions.retrieve(made[i]!));
    expect(found.map((c) => c.id)).toEqual(made);
    const messages = await times(SPREAD, (i) => client().chat.completions.messages.list(made[i]!));
    expect(messages.map((page) => page.data[0]!.content)).toEqual(made.map((_, i) => `Stored ${i}`));
  });

  it('finds a Gemini cached content from any thread, to read, list, generate with and delete', async () => {
    const ai = () => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url, headers: { connection: 'close' } } });
    const text = Array.from({ length: 150 }, (_, i) => `Clause ${i}: parcels arrive within five working days.`).join('\n');
    const cache = await ai().caches.create({ model: 'gemini-2.5-flash', config: { contents: [{ role: 'user', parts: [{ text }] }] } });
    expect(cache.name).toMatch(/^cachedContents\/[a-z0-9]{40}$/);
    const tokens = cache.usageMetadata!.totalTokenCount!;
    const answers = await times(SPREAD, () => ai().models.generateContent({ model: 'gemini-2.5-flash', contents: 'How fast?', config: { cachedContent: cache.name! } }));
    expect(answers.map((r) => r.usageMetadata!.cachedContentTokenCount)).toEqual(Array(SPREAD).fill(tokens));
    const got = await times(SPREAD, () => ai().caches.get({ name: cache.name! }));
    expect(got.every((c) => c.name === cache.name)).toBe(true);
    const listed = await times(4, async () => {
      const names: string[] = [];
      for await (const c of await ai().caches.list()) names.push(c.name!);
      return names;
    });
    expect(listed.every((names) => names.includes(cache.name!))).toBe(true);
    await ai().caches.delete({ name: cache.name! });
    const gone = await times(SPREAD, () => ai().caches.get({ name: cache.name! }).then(() => 200, (err: { status: number }) => err.status));
    expect(gone).toEqual(Array(SPREAD).fill(403));
  });

  it('gives Gemini files, caches and batches lowercase ids, and gets and deletes each from either thread', async () => {
    const ai = () => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url, headers: { connection: 'close' } } });
    const text = Array.from({ length: 150 }, (_, i) => `Clause ${i}: parcels arrive within five working days.`).join('\n');
    // SPREAD of each, created and then each read and deleted on a new connection: some on their
    // owner's thread, the rest on the other, which must reach the owner.
    const files = await times(SPREAD, () => ai().files.upload({ file: new Blob(['Parcels arrive within five working days.'], { type: 'text/plain' }) }));
    const caches = await times(SPREAD, () => ai().caches.create({ model: 'gemini-2.5-flash', config: { contents: [{ role: 'user', parts: [{ text }] }] } }));
    const batches = await times(SPREAD, () => ai().batches.create({ model: 'gemini-2.5-flash', src: [{ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }] }));
    const names = (made: readonly { name?: string }[]): string[] => made.map((m) => m.name!);
    for (const name of names(files)) expect(name).toMatch(/^files\/[a-z0-9]{12}$/);
    for (const name of names(caches)) expect(name).toMatch(/^cachedContents\/[a-z0-9]{40}$/);
    for (const name of names(batches)) expect(name).toMatch(/^batches\/[a-z0-9]{36}$/);
    // Made on both threads, and each id names the one that made it.
    const idOf = (name: string): string => name.slice(name.indexOf('/') + 1);
    expect(new Set(names([...caches, ...batches]).map((name) => ownerOf(idOf(name), 2, 'lower')))).toEqual(new Set([0, 1]));
    expect(names(await times(SPREAD, (i) => ai().files.get({ name: files[i]!.name! })))).toEqual(names(files));
    expect(names(await times(SPREAD, (i) => ai().caches.get({ name: caches[i]!.name! })))).toEqual(names(caches));
    expect(names(await times(SPREAD, (i) => ai().batches.get({ name: batches[i]!.name! })))).toEqual(names(batches));
    await times(SPREAD, (i) => ai().files.delete({ name: files[i]!.name! }));
    await times(SPREAD, (i) => ai().caches.delete({ name: caches[i]!.name! }));
    await times(SPREAD, (i) => ai().batches.delete({ name: batches[i]!.name! }));
    const status = (p: Promise<unknown>): Promise<number> => p.then(() => 200, (err: { status: number }) => err.status);
    expect(await times(SPREAD, (i) => status(ai().files.get({ name: files[i]!.name! })))).toEqual(Array(SPREAD).fill(403));
    expect(await times(SPREAD, (i) => status(ai().caches.get({ name: caches[i]!.name! })))).toEqual(Array(SPREAD).fill(403));
    expect(await times(SPREAD, (i) => status(ai().batches.get({ name: batches[i]!.name! })))).toEqual(Array(SPREAD).fill(404));
  });

  it('finds an Anthropic message batch and its results from any thread', async () => {
    const anthropic = () => new Anthropic({ baseURL: sim().url, apiKey: 'sk-ant-test', maxRetries: 0, defaultHeaders: { connection: 'close' } });
    const params = { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user' as const, content: 'Hi' }] };
    const batch = await anthropic().messages.batches.create({ requests: [{ custom_id: 'a', params }, { custom_id: 'b', params }] });
    await expect.poll(async () => (await anthropic().messages.batches.retrieve(batch.id)).processing_status).toBe('ended');
    const seen = await times(SPREAD, () => anthropic().messages.batches.retrieve(batch.id));
    expect(seen.map((b) => b.request_counts.succeeded)).toEqual(Array(SPREAD).fill(2));
    const lists = await times(4, async () => (await anthropic().messages.batches.list()).data.map((b) => b.id));
    expect(lists.every((ids) => ids.includes(batch.id))).toBe(true);
    const results = await times(4, async () => {
      const ids: string[] = [];
      for await (const r of await anthropic().messages.batches.results(batch.id)) ids.push(r.custom_id);
      return ids;
    });
    expect(results).toEqual(Array(4).fill(['a', 'b']));
  });

  it('runs an OpenAI batch over a file any thread holds, its output readable from any thread', async () => {
    const line = (id: string): string => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `Hi ${id}` }] } });
    const files = await times(4, async (i) => client().files.create({ file: await toFile(Buffer.from(`${line(`a${i}`)}\n${line(`b${i}`)}\n`), `in${i}.jsonl`), purpose: 'batch' }));
    const batches = await times(4, (i) => client().batches.create({ input_file_id: files[i]!.id, endpoint: '/v1/chat/completions', completion_window: '24h' }));
    for (const b of batches) await expect.poll(async () => (await client().batches.retrieve(b.id)).status).toBe('completed');
    const outputs = await times(SPREAD, async (i) => {
      const b = await client().batches.retrieve(batches[i % 4]!.id);
      return (await (await client().files.content(b.output_file_id!)).text()).trim().split('\n').length;
    });
    expect(outputs).toEqual(Array(SPREAD).fill(2));
  });
});
