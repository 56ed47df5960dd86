/**
 * OpenAI's Files and Batch APIs through the openai SDK against the real server: a JSONL file of
 * requests is uploaded, a batch answers each line with its endpoint's own handler, and the output
 * and error files come back as JSONL through `files.content`.
 */
import OpenAI, { toFile } from 'openai';
import { describe, expect, it } from 'vitest';
import { oneProfileFile, rejection, useSimulator } from './fixtures/sim.js';

const jsonl = (rows: readonly unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const chatLine = (id: string, content: string, extra: Record<string, unknown> = {}): unknown => ({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra } });

interface OutputLine {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: Record<string, unknown> } | null;
  error: unknown;
}

async function linesOf(client: OpenAI, fileId: string): Promise<OutputLine[]> {
  const text = await (await client.files.content(fileId)).text();
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as OutputLine);
}

describe('Files and Batch API', () => {
  const sim = useSimulator({ seed: 6 });
  const client = () => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });

  it('uploads a file, and retrieves, lists, reads and deletes it', async () => {
    const content = jsonl([chatLine('a', 'Hi')]);
    const file = await client().files.create({ file: await toFile(Buffer.from(content), 'requests.jsonl'), purpose: 'batch' });
    expect(file).toMatchObject({ object: 'file', filename: 'requests.jsonl', purpose: 'batch', bytes: Buffer.byteLength(content), status: 'processed' });
    expect(file.id).toMatch(/^file-[A-Za-z0-9]{22}$/);
    expect(await client().files.retrieve(file.id)).toEqual(file);
    expect(await (await client().files.content(file.id)).text()).toBe(content);
    const ids: string[] = [];
    for await (const f of client().files.list({ purpose: 'batch' })) ids.push(f.id);
    expect(ids).toContain(file.id);
    expect(await client().files.delete(file.id)).toEqual({ id: file.id, object: 'file', deleted: true });
    await rejection(client().files.retrieve(file.id), OpenAI.NotFoundError);
    // Any bytes come back as sent: an image, say.
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0xc3, 0x28, 0x80]);
    const image = await client().files.create({ file: await toFile(png, 'pixel.png'), purpose: 'vision' });
    expect(image.bytes).toBe(png.length);
    expect(Buffer.from(await (await client().files.content(image.id)).arrayBuffer())).toEqual(png);
    const bad = await rejection(client().files.create({ file: await toFile(Buffer.from('x'), 'x.txt'), purpose: 'nonsense' as 'batch' }), OpenAI.BadRequestError);
    expect(bad.param).toBe('purpose');
  });

  it('answers every line with its endpoint, writing the output and error files', async () => {
    const file = await client().files.create({
      file: await toFile(Buffer.from(jsonl([chatLine('first', 'Say hello.'), chatLine('bad', 'x', { temperature: 9 }), chatLine('third', 'Count to three.', { max_tokens: 8 })])), 'in.jsonl'),
      purpose: 'batch',
    });
    const batch = await client().batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { job: 'nightly' } });
    expect(batch).toMatchObject({ object: 'batch', endpoint: '/v1/chat/completions', input_file_id: file.id, completion_window: '24h', metadata: { job: 'nightly' } });
    expect(batch.id).toMatch(/^batch_/);
    await expect.poll(async () => (await client().batches.retrieve(batch.id)).status).toBe('completed');
    const done = await client().batches.retrieve(batch.id);
    expect(done.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    const output = await linesOf(client(), done.output_file_id!);
    expect(output.map((l) => l.custom_id)).toEqual(['first', 'third']);
    expect(output[0]!.response!.status_code).toBe(200);
    expect(output[0]!.response!.body).toMatchObject({ object: 'chat.completion', model: expect.stringContaining('gpt-4o-mini') as string });
    expect(output[0]!.id).toMatch(/^batch_req_[0-9a-f]{32}$/);
    expect(output[0]!.response!.request_id).toMatch(/^req_/);
    const errors = await linesOf(client(), done.error_file_id!);
    expect(errors.map((l) => [l.custom_id, l.response!.status_code])).toEqual([['bad', 400]]);
    const listed: string[] = [];
    for await (const b of client().batches.list({ limit: 1 })) listed.push(b.id);
    expect(listed).toContain(batch.id);
  });

  it('fails a batch whose file is not valid JSONL or calls another endpoint, naming the lines', async () => {
    const file = await client().files.create({ file: await toFile(Buffer.from(`${JSON.stringify(chatLine('a', 'Hi'))}\nnot json\n${JSON.stringify({ ...(chatLine('c', 'Hi') as object), url: '/v1/embeddings' })}\n`), 'in.jsonl'), purpose: 'batch' });
    const batch = await client().batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    expect(batch.status).toBe('failed');
    expect(batch.errors!.data!.map((e) => [e.code, e.line])).toEqual([
      ['invalid_json_line', 2],
      ['mismatched_endpoint', 3],
    ]);
    await expect(client().batches.create({ input_file_id: 'file-nosuchfile000000000000', endpoint: '/v1/chat/completions', completion_window: '24h' })).rejects.toMatchObject({ status: 404 });
    await expect(client().batches.create({ input_file_id: file.id, endpoint: '/v1/images/generations', completion_window: '24h' })).rejects.toMatchObject({ status: 400 });
    // A field left out is missing, one of another type mistyped: not the value 'undefined' or '[object Object]'.
    const create = (body: Record<string, unknown>) => client().batches.create(body as never);
    await expect(create({ input_file_id: file.id, completion_window: '24h' })).rejects.toMatchObject({ status: 400, param: 'endpoint', code: 'missing_required_parameter', error: { message: "Missing required parameter: 'endpoint'." } });
    await expect(create({ input_file_id: file.id, endpoint: {}, completion_window: '24h' })).rejects.toMatchObject({
      status: 400,
      param: 'endpoint',
      code: 'invalid_type',
      error: { message: "Invalid type for 'endpoint': expected a string, but got an object instead." },
    });
    await expect(create({ input_file_id: 5, endpoint: '/v1/chat/completions', completion_window: '24h' })).rejects.toMatchObject({ status: 400, param: 'input_file_id', code: 'invalid_type' });
    await expect(create({ input_file_id: file.id, endpoint: '/v1/chat/completions' })).rejects.toMatchObject({ status: 400, param: 'completion_window', code: 'missing_required_parameter' });
  });

  it("holds a batch's metadata to OpenAI's rules: string values, 16 pairs, 64 and 512 characters", async () => {
    const file = await client().files.create({ file: await toFile(Buffer.from(jsonl([chatLine('a', 'Hi')])), 'in.jsonl'), purpose: 'batch' });
    const create = (metadata: unknown) => client().batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: metadata as Record<string, string> });
    await expect(create({ attempt: 2 })).rejects.toMatchObject({ status: 400, param: 'metadata', code: 'invalid_type' });
    await expect(create('nightly')).rejects.toMatchObject({ status: 400, param: 'metadata', code: 'invalid_type' });
    await expect(create(Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])))).rejects.toMatchObject({ status: 400, param: 'metadata', code: 'object_above_max_properties' });
    await expect(create({ k: 'v'.repeat(513) })).rejects.toMatchObject({ status: 400, param: 'metadata', code: 'invalid_value' });
    expect((await create(null)).metadata).toBeNull();
    expect((await create({ job: 'nightly' })).metadata).toEqual({ job: 'nightly' });
  });

  it('runs embeddings and moderations lines too', async () => {
    const rows = [
      { custom_id: 'e1', method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: 'parcel' } },
      { custom_id: 'e2', method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: ['a', 'b'] } },
    ];
    const file = await client().files.create({ file: await toFile(Buffer.from(jsonl(rows)), 'emb.jsonl'), purpose: 'batch' });
    const batch = await client().batches.create({ input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h' });
    await expect.poll(async () => (await client().batches.retrieve(batch.id)).status).toBe('completed');
    const output = await linesOf(client(), (await client().batches.retrieve(batch.id)).output_file_id!);
    expect(output.map((l) => (l.response!.body.data as unknown[]).length)).toEqual([1, 2]);
  });
});

describe('Batch API at realistic speed', () => {
  const sim = useSimulator({ speed: 1, seed: 6, profiles: oneProfileFile(20_000, 5) });
  const client = () => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });

  it('stays in progress until its answers would have been generated; a cancel ends it', async () => {
    const file = await client().files.create({ file: await toFile(Buffer.from(jsonl([chatLine('a', 'Hi'), chatLine('b', 'Hi')])), 'in.jsonl'), purpose: 'batch' });
    const batch = await client().batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const running = await client().batches.retrieve(batch.id);
    expect(running.status).toBe('in_progress');
    // Nothing would have been generated yet: the counts move as answers would arrive.
    expect(running.request_counts).toEqual({ total: 2, completed: 0, failed: 0 });
    const cancelled = await client().batches.cancel(batch.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.cancelled_at).not.toBeNull();
  });
});

describe('Batch API under quotas, with hostile lines', () => {
  const sim = useSimulator({ seed: 6, quota: 'openai-tier-1' });
  const client = () => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });

  it('answers lines outside the live limits, pooled embeddings included, and a line too deep to count as its error, not a crash', async () => {
    const rows = [
      ...Array.from({ length: 6 }, (_, i) => ({ custom_id: `e${i}`, method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-large', input: Array.from({ length: 120 }, (_, k) => `parcel ${i} ${k}`) } })),
    ];
    const file = await client().files.create({ file: await toFile(Buffer.from(jsonl(rows)), 'emb.jsonl'), purpose: 'batch' });
    const batch = await client().batches.create({ input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h' });
    await expect.poll(async () => (await client().batches.retrieve(batch.id)).status).toBe('completed');
    expect((await client().batches.retrieve(batch.id)).request_counts).toEqual({ total: 6, completed: 6, failed: 0 });
    // One word of 6 MB overflows the tokenizer's stack: the line fails as the route would answer it, and the thread goes on.
    const deep = jsonl([chatLine('deep', 'x'.repeat(6_000_000)), chatLine('fine', 'Hi')]);
    const deepFile = await client().files.create({ file: await toFile(Buffer.from(deep), 'deep.jsonl'), purpose: 'batch' });
    const deepBatch = await client().batches.create({ input_file_id: deepFile.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await expect.poll(async () => (await client().batches.retrieve(deepBatch.id)).status).toBe('completed');
    expect((await client().batches.retrieve(deepBatch.id)).request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
  });
});

describe('Batch API runs are the same however often they are polled', () => {
  const quiet = useSimulator({ seed: 31 });
  const polled = useSimulator({ seed: 31 });

  it('writes the same output file, ids included, on two servers with the same seed, one polled all along', async () => {
    const run = async (url: string, polls: number): Promise<string> => {
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
      const file = await client.files.create({ file: await toFile(Buffer.from(jsonl(Array.from({ length: 40 }, (_, i) => chatLine(`r${i}`, `Question ${i}`)))), 'in.jsonl'), purpose: 'batch' });
      const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
      for (let i = 0; i < polls; i++) await client.batches.retrieve(batch.id);
      await expect.poll(async () => (await client.batches.retrieve(batch.id)).status).toBe('completed');
      const done = await client.batches.retrieve(batch.id);
      // Times differ between the servers; everything drawn from the seed does not.
      return `${done.output_file_id}\n${(await (await client.files.content(done.output_file_id!)).text()).replace(/"created":\d+/g, '')}`;
    };
    const [a, b] = await Promise.all([run(quiet().url, 0), run(polled().url, 25)]);
    expect(a.split('\n').length).toBe(42);
    expect(b).toBe(a);
  });
});
