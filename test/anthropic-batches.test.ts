/**
 * Anthropic's Message Batches through the official SDK against the real server: each request is
 * answered as the Messages API would answer it alone, the batch ends when its slowest answer would
 * have been generated, and the results stream back as JSONL from `results_url`.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import { describe, expect, it } from 'vitest';
import { oneProfileFile, rejection, useSimulator } from './fixtures/sim.js';

const MODEL = 'claude-sonnet-4-5';

async function results(client: Anthropic, id: string): Promise<MessageBatchIndividualResponse[]> {
  const out: MessageBatchIndividualResponse[] = [];
  for await (const r of await client.messages.batches.results(id)) out.push(r);
  return out;
}

describe('Message Batches', () => {
  const sim = useSimulator({ seed: 3 });
  const client = () => new Anthropic({ baseURL: sim().url, apiKey: 'sk-ant-test', maxRetries: 0 });

  it('answers each request as Messages would, and returns the results in order', async () => {
    const batch = await client().messages.batches.create({
      requests: [
        { custom_id: 'first', params: { model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Say hello.' }] } },
        // @ts-expect-error: max_tokens is required; the API reports it in the result, not at create
        { custom_id: 'no-max-tokens', params: { model: MODEL, messages: [{ role: 'user', content: 'Hi' }] } },
        { custom_id: 'third', params: { model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'Count to three.' }] } },
      ],
    });
    expect(batch).toMatchObject({ type: 'message_batch', processing_status: 'in_progress', results_url: null, ended_at: null, archived_at: null, cancel_initiated_at: null });
    expect(batch.id).toMatch(/^msgbatch_01[A-Za-z0-9]{22}$/);
    expect(batch.request_counts).toEqual({ processing: 3, succeeded: 0, errored: 0, canceled: 0, expired: 0 });
    await expect.poll(async () => (await client().messages.batches.retrieve(batch.id)).processing_status).toBe('ended');
    const ended = await client().messages.batches.retrieve(batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 2, errored: 1, canceled: 0, expired: 0 });
    expect(ended.results_url).toBe(`${sim().url}/v1/messages/batches/${batch.id}/results`);
    const rs = await results(client(), batch.id);
    expect(rs.map((r) => [r.custom_id, r.result.type])).toEqual([
      ['first', 'succeeded'],
      ['no-max-tokens', 'errored'],
      ['third', 'succeeded'],
    ]);
    const first = rs[0]!.result;
    if (first.type !== 'succeeded') throw new Error('expected a message');
    expect(first.message).toMatchObject({ type: 'message', role: 'assistant', model: MODEL });
    expect(first.message.content[0]!.type).toBe('text');
    const third = rs[2]!.result;
    if (third.type !== 'succeeded') throw new Error('expected a message');
    expect(third.message.usage.output_tokens).toBeLessThanOrEqual(16);
    const errored = rs[1]!.result;
    if (errored.type !== 'errored') throw new Error('expected an error');
    expect(errored.error.error.type).toBe('invalid_request_error');
  });

  it('lists batches newest first in pages, and deletes one', async () => {
    const params = { model: MODEL, max_tokens: 8, messages: [{ role: 'user' as const, content: 'Hi' }] };
    const a = await client().messages.batches.create({ requests: [{ custom_id: 'a', params }] });
    const b = await client().messages.batches.create({ requests: [{ custom_id: 'b', params }] });
    const page = await client().messages.batches.list({ limit: 1 });
    expect(page.data.map((x) => x.id)).toEqual([b.id]);
    expect(page.has_more).toBe(true);
    const ids: string[] = [];
    for await (const x of client().messages.batches.list({ limit: 1 })) ids.push(x.id);
    expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
    await expect.poll(async () => (await client().messages.batches.retrieve(a.id)).processing_status).toBe('ended');
    expect(await client().messages.batches.delete(a.id)).toEqual({ id: a.id, type: 'message_batch_deleted' });
    const err = await rejection(client().messages.batches.retrieve(a.id), Anthropic.NotFoundError);
    expect(err.status).toBe(404);
  });

  it('refuses a batch without requests, with a bad or repeated custom_id', async () => {
    const params = { model: MODEL, max_tokens: 8, messages: [{ role: 'user' as const, content: 'Hi' }] };
    await expect(client().messages.batches.create({ requests: [] })).rejects.toMatchObject({ status: 400 });
    await expect(client().messages.batches.create({ requests: [{ custom_id: 'has space', params }] })).rejects.toMatchObject({ status: 400 });
    await expect(client().messages.batches.create({ requests: [{ custom_id: 'x', params }, { custom_id: 'x', params }] })).rejects.toMatchObject({ status: 400 });
    const res = await fetch(`${sim().url}/v1/messages/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"requests": 5}' });
    expect(res.status).toBe(400);
  });
});

describe('Message Batches at realistic speed', () => {
  // Every answer takes about 20 s to generate: the batch runs until then, unless cancelled.
  const sim = useSimulator({ speed: 1, seed: 3, profiles: oneProfileFile(20_000, 5) });
  const client = () => new Anthropic({ baseURL: sim().url, apiKey: 'sk-ant-test', maxRetries: 0 });

  it('stays in progress until its answers would have been generated; a cancel ends it with them canceled', async () => {
    const params = { model: MODEL, max_tokens: 8, messages: [{ role: 'user' as const, content: 'Hi' }] };
    const batch = await client().messages.batches.create({ requests: [{ custom_id: 'one', params }, { custom_id: 'two', params }] });
    const running = await client().messages.batches.retrieve(batch.id);
    expect(running.processing_status).toBe('in_progress');
    const results = await fetch(`${sim().url}/v1/messages/batches/${batch.id}/results`);
    expect(results.status).toBe(400);
    const busy = await fetch(`${sim().url}/v1/messages/batches/${batch.id}`, { method: 'DELETE' });
    expect(busy.status).toBe(400);
    const cancelled = await client().messages.batches.cancel(batch.id);
    expect(cancelled.processing_status).toBe('ended');
    expect(cancelled.cancel_initiated_at).not.toBeNull();
    expect(cancelled.request_counts).toEqual({ processing: 0, succeeded: 0, errored: 0, canceled: 2, expired: 0 });
    const rs: MessageBatchIndividualResponse[] = [];
    for await (const r of await client().messages.batches.results(batch.id)) rs.push(r);
    expect(rs.map((r) => r.result.type)).toEqual(['canceled', 'canceled']);
    expect(await client().messages.batches.delete(batch.id)).toEqual({ id: batch.id, type: 'message_batch_deleted' });
  });
});

describe('Message Batches under chaos and quotas', () => {
  const sim = useSimulator({ seed: 8, quota: 'anthropic-tier-1', scenario: 'overload-529' });
  const client = () => new Anthropic({ baseURL: sim().url, apiKey: 'sk-ant-test', maxRetries: 0 });
  const params = { model: MODEL, max_tokens: 8000, messages: [{ role: 'user' as const, content: 'Summarise the contract.' }] };

  it('answers every request outside the live rate limits, each fault an errored result, in valid JSONL', async () => {
    const batch = await client().messages.batches.create({ requests: Array.from({ length: 40 }, (_, i) => ({ custom_id: `r${i}`, params })) });
    await expect.poll(async () => (await client().messages.batches.retrieve(batch.id)).processing_status).toBe('ended');
    const out: MessageBatchIndividualResponse[] = [];
    for await (const r of await client().messages.batches.results(batch.id)) out.push(r);
    const types = out.map((r) => (r.result.type === 'errored' ? r.result.error.error.type : r.result.type));
    expect(types).toHaveLength(40);
    expect(types).not.toContain('rate_limit_error');
    expect(types).toContain('succeeded');
    expect(types).toContain('overloaded_error');
  });
});

describe('Message Batches are the same run however often they are polled', () => {
  const quiet = useSimulator({ seed: 21 });
  const polled = useSimulator({ seed: 21 });
  const requests = Array.from({ length: 60 }, (_, i) => ({ custom_id: `r${i}`, params: { model: MODEL, max_tokens: 32, messages: [{ role: 'user' as const, content: `Question ${i}` }] } }));

  it('gives each request the same answer on two servers with the same seed, one polled all along', async () => {
    const run = async (url: string, polls: number): Promise<string> => {
      const client = new Anthropic({ baseURL: url, apiKey: 'sk-ant-test', maxRetries: 0 });
      const batch = await client.messages.batches.create({ requests });
      for (let i = 0; i < polls; i++) await client.messages.batches.retrieve(batch.id);
      await expect.poll(async () => (await client.messages.batches.retrieve(batch.id)).processing_status).toBe('ended');
      return (await fetch(`${url}/v1/messages/batches/${batch.id}/results`)).text();
    };
    const [a, b] = await Promise.all([run(quiet().url, 0), run(polled().url, 30)]);
    expect(a.split('\n').length).toBe(61);
    expect(b).toBe(a);
  });
});
