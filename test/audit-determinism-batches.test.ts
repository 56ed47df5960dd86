/**
 * Reproducibility audit, batches: a batch's requests run at the positions the batch reserved, so
 * what a fault or a failure does to them neither moves the requests after them nor hangs on live
 * traffic.
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
