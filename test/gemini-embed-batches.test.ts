/**
 * Gemini's embedding batches (`asyncBatchEmbedContent`) through `@google/genai`'s
 * `ai.batches.createEmbeddings` against the real server: inline and file batches whose every
 * request gets the vector embedContent gives the same input alone, the operation the SDK parses
 * (`dest.inlinedEmbedContentResponses`, `dest.fileName`), get, list, cancel and delete beside
 * generateContent batches, the API's errors, and a batch found from either of two server threads.
 */
import { GoogleGenAI, JobState, type BatchJob, type EmbedContentConfig } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiError } from './fixtures/gemini.js';
import { oneProfileFile, useSimulator } from './fixtures/sim.js';

const MODEL = 'gemini-embedding-001';
const KEY = { 'x-goog-api-key': 'k' };
const JSON_HEADERS = { ...KEY, 'content-type': 'application/json' };

// `createEmbeddings` warns on every call that it is experimental; the rest of console.warn goes through.
const warn = console.warn.bind(console);
beforeAll(() => {
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (!String(args[0]).includes('createEmbeddings() is experimental')) warn(...args);
  });
});
afterAll(() => vi.restoreAllMocks());

const clientAt = (url: string, headers: Record<string, string> = {}): GoogleGenAI => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: url, headers } });

async function done(ai: GoogleGenAI, name: string): Promise<BatchJob> {
  await expect.poll(async () => (await ai.batches.get({ name })).state).toBe(JobState.JOB_STATE_SUCCEEDED);
  return ai.batches.get({ name });
}

/** The vector the synchronous embedContent route gives one text. */
async function alone(url: string, text: string, config: EmbedContentConfig = {}): Promise<number[]> {
  const body = { content: { parts: [{ text }] }, ...config };
  const r = await fetch(`${url}/v1beta/models/${MODEL}:embedContent`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });
  expect(r.status).toBe(200);
  return ((await r.json()) as { embedding: { values: number[] } }).embedding.values;
}

interface RawOperation {
  name: string;
  done: boolean;
  metadata: { '@type': string; state: string; batchStats: Record<string, string>; output?: { inlinedResponses?: { inlinedResponses: unknown[] }; responsesFile?: string } };
  response?: { '@type': string };
}

async function rawGet(url: string, name: string): Promise<RawOperation> {
  return (await (await fetch(`${url}/v1beta/${name}`, { headers: KEY })).json()) as RawOperation;
}

/** POST `:asyncBatchEmbedContent` with a body of our own (the SDK sends neither metadata nor mixed requests). */
const createRaw = (url: string, body: unknown, model = MODEL): Promise<Response> =>
  fetch(`${url}/v1beta/models/${model}:asyncBatchEmbedContent`, { method: 'POST', headers: JSON_HEADERS, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('Gemini embedding batches', () => {
  const sim = useSimulator({ seed: 31 });
  const ai = () => clientAt(sim().url);

  it('embeds inline contents as embedContent embeds each alone, in order, and the SDK reads them as embedding responses', async () => {
    const config = { outputDimensionality: 16, taskType: 'RETRIEVAL_DOCUMENT', title: 'Notes' };
    const texts = ['The tide comes in.', 'A hill at dusk.', 'The tide comes in.'];
    const created = await ai().batches.createEmbeddings({ model: MODEL, src: { inlinedRequests: { contents: texts, config } }, config: { displayName: 'tides' } });
    expect(created.name).toMatch(/^batches\/[a-z0-9]{36}$/);
    expect(created).toMatchObject({ displayName: 'tides', model: `models/${MODEL}`, state: JobState.JOB_STATE_PENDING });
    expect(created.dest).toBeUndefined();
    const batch = await done(ai(), created.name!);
    expect(batch.endTime).toBeDefined();
    expect(batch.dest!.inlinedResponses).toBeUndefined();
    const responses = batch.dest!.inlinedEmbedContentResponses!;
    expect(responses).toHaveLength(3);
    for (const [i, text] of texts.entries()) {
      const values = responses[i]!.response!.embedding!.values!;
      expect(values).toHaveLength(16);
      expect(values).toEqual(await alone(sim().url, text, config));
    }
    expect(responses[2]!.response).toEqual(responses[0]!.response);
    // What models.embedContent gives (it calls batchEmbedContents) is the same vector.
    const sdk = await ai().models.embedContent({ model: MODEL, contents: texts[1]!, config });
    expect(responses[1]!.response!.embedding!.values).toEqual(sdk.embeddings![0]!.values);

    const raw = await rawGet(sim().url, created.name!);
    expect(raw.done).toBe(true);
    expect(raw.metadata['@type']).toBe('type.googleapis.com/google.ai.generativelanguage.v1main.EmbedContentBatch');
    expect(raw.metadata.batchStats).toEqual({ requestCount: '3', successfulRequestCount: '3', failedRequestCount: '0', pendingRequestCount: '0' });
    expect(raw.metadata.output!.inlinedResponses!.inlinedResponses).toHaveLength(3);
    expect(raw.response!['@type']).toBe('type.googleapis.com/google.ai.generativelanguage.v1main.EmbedContentBatchOutput');
  });

  it('gives each vector the model\'s full length without outputDimensionality', async () => {
    const created = await ai().batches.createEmbeddings({ model: MODEL, src: { inlinedRequests: { contents: 'One line.' } } });
    const [only] = (await done(ai(), created.name!)).dest!.inlinedEmbedContentResponses!;
    expect(only!.response!.embedding!.values).toHaveLength(3072);
    expect(only!.response!.embedding!.values).toEqual(await alone(sim().url, 'One line.'));
  });

  it('reports a request embedContent would refuse as its error, with each request\'s metadata', async () => {
    const r = await createRaw(sim().url, {
      batch: {
        displayName: 'mixed',
        inputConfig: {
          requests: {
            requests: [
              { request: { content: { parts: [{ text: 'Fine.' }] }, outputDimensionality: 8 }, metadata: { id: 'a' } },
              { request: { content: { parts: [{ text: 'Too long.' }] }, outputDimensionality: 5000 }, metadata: { id: 'b' } },
              { request: { content: { parts: [] } }, metadata: { id: 'c' } },
            ],
          },
        },
      },
    });
    expect(r.status).toBe(200);
    const { name } = (await r.json()) as RawOperation;
    const batch = await done(ai(), name);
    const [good, tooLong, empty] = batch.dest!.inlinedEmbedContentResponses!;
    expect(good!.metadata).toEqual({ id: 'a' });
    expect(good!.response!.embedding!.values).toEqual(await alone(sim().url, 'Fine.', { outputDimensionality: 8 }));
    expect(good!.error).toBeUndefined();
    // A google.rpc.Status: the gRPC code (3, INVALID_ARGUMENT), as the API puts it in the request's slot.
    expect(tooLong).toMatchObject({ metadata: { id: 'b' }, error: { code: 3 } });
    expect(tooLong!.response).toBeUndefined();
    expect(tooLong!.error!.message).toContain('output_dimensionality must be at most 3072');
    expect(empty).toMatchObject({ metadata: { id: 'c' }, error: { code: 3 } });
    expect((await rawGet(sim().url, name)).metadata.batchStats).toEqual({ requestCount: '3', successfulRequestCount: '1', failedRequestCount: '2', pendingRequestCount: '0' });
  });

  it('reads an uploaded JSONL file of {key, request} lines and writes a responses file of embeddings', async () => {
    const lines = [
      JSON.stringify({ key: 'q1', request: { content: { parts: [{ text: 'Describe the sea.' }] }, output_dimensionality: 8 } }),
      JSON.stringify({ key: 'q2', request: { content: { parts: [{ text: 'Describe a hill.' }] }, task_type: 'RETRIEVAL_QUERY' } }),
      'not json',
      JSON.stringify({ key: 'q4', request: { content: { parts: [{ text: 'x' }] }, outputDimensionality: 'eight' } }),
    ];
    const input = await ai().files.upload({ file: new Blob([lines.join('\n') + '\n'], { type: 'application/jsonl' }), config: { mimeType: 'jsonl' } });
    const created = await ai().batches.createEmbeddings({ model: MODEL, src: { fileName: input.name! } });
    const raw = await rawGet(sim().url, created.name!);
    expect(raw.metadata).toMatchObject({ inputConfig: { fileName: input.name } });
    const batch = await done(ai(), created.name!);
    expect(batch.dest!.inlinedEmbedContentResponses).toBeUndefined();
    const out = batch.dest!.fileName!;
    expect(out).toMatch(/^files\/[a-z0-9]{12}$/);
    expect((await ai().files.get({ name: out })).mimeType).toBe('application/jsonl');
    const download = await fetch(`${sim().url}/v1beta/${out}:download?alt=media`, { headers: KEY });
    expect(download.status).toBe(200);
    const rows = (await download.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key?: string; response?: { embedding: { values: number[] } }; error?: { code: number; message: string } });
    expect(rows.map((r) => r.key)).toEqual(['q1', 'q2', undefined, 'q4']);
    expect(rows[0]!.response!.embedding.values).toEqual(await alone(sim().url, 'Describe the sea.', { outputDimensionality: 8 }));
    expect(rows[1]!.response!.embedding.values).toEqual(await alone(sim().url, 'Describe a hill.'));
    expect(rows[2]!.error).toMatchObject({ code: 3, message: 'Line 3 of the input file is not a JSON object.' });
    expect(rows[3]!.error).toMatchObject({ code: 3 });
    expect(rows[3]!.error!.message).toContain('output_dimensionality');
    expect((await rawGet(sim().url, created.name!)).metadata.batchStats).toMatchObject({ successfulRequestCount: '2', failedRequestCount: '2' });
  });

  it('lists embedding batches beside generateContent batches, and forgets a deleted one', async () => {
    const embed = await ai().batches.createEmbeddings({ model: MODEL, src: { inlinedRequests: { contents: ['listed'] } }, config: { displayName: 'e' } });
    const generate = await ai().batches.create({ model: 'gemini-2.5-flash', src: [{ contents: [{ role: 'user', parts: [{ text: 'Hi.' }] }] }], config: { displayName: 'g' } });
    await done(ai(), embed.name!);
    await done(ai(), generate.name!);
    const listed = new Map<string, BatchJob>();
    for await (const b of await ai().batches.list({ config: { pageSize: 2 } })) listed.set(b.name!, b);
    expect(listed.get(embed.name!)!.dest!.inlinedEmbedContentResponses![0]!.response!.embedding!.values).toEqual(await alone(sim().url, 'listed'));
    expect(listed.get(generate.name!)!.dest!.inlinedResponses).toHaveLength(1);
    await ai().batches.delete({ name: embed.name! });
    expect(await apiError(ai().batches.get({ name: embed.name! }))).toEqual({ status: 404, code: 'NOT_FOUND', message: 'Requested entity was not found.' });
    const after: string[] = [];
    for await (const b of await ai().batches.list()) after.push(b.name!);
    expect(after).not.toContain(embed.name);
    expect(after).toContain(generate.name);
  });

  it('refuses malformed batches with 400, a missing input file with 403 and an empty one with 400, in Gemini\'s error shape', async () => {
    const bad = [
      'not json',
      '[]',
      '{}',
      { batch: { inputConfig: {} } },
      { batch: { inputConfig: { requests: { requests: [] } } } },
      { batch: { inputConfig: { requests: { requests: [{ request: 'hi' }] } } } },
      { batch: { inputConfig: { file_name: 'files/a', requests: { requests: [{ request: {} }] } } } },
      { batch: { displayName: 5, inputConfig: { fileName: 'files/a' } } },
    ];
    for (const body of bad) {
      const r = await createRaw(sim().url, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      const json = (await r.json()) as { error: Record<string, unknown> };
      expect(json.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', message: expect.stringMatching(/./) });
    }
    const noSource = await createRaw(sim().url, { batch: { inputConfig: {} } });
    expect(((await noSource.json()) as { error: { message: string } }).error.message).toBe(
      "* AsyncBatchEmbedContentRequest.batch.input_config.source: required oneof field 'source' must have one initialized field\n",
    );
    const missing = await apiError(ai().batches.createEmbeddings({ model: MODEL, src: { fileName: 'files/nosuchfile12' } }));
    expect(missing).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
    expect(missing.message).toContain('nosuchfile12');
    const blank = await ai().files.upload({ file: new Blob(['\n'], { type: 'application/jsonl' }) });
    expect(await apiError(ai().batches.createEmbeddings({ model: MODEL, src: { fileName: blank.name! } }))).toEqual({
      status: 400,
      code: 'INVALID_ARGUMENT',
      message: `The input file ${blank.name} holds no requests.`,
    });
  });
});

describe('Gemini embedding batches with strictModels', () => {
  const sim = useSimulator({ strictModels: true });

  it('refuses a model that serves no embeddings with 404, naming the method', async () => {
    const err = await apiError(clientAt(sim().url).batches.createEmbeddings({ model: 'my-embedder', src: { inlinedRequests: { contents: ['x'] } } }));
    expect(err).toEqual({
      status: 404,
      code: 'NOT_FOUND',
      message:
        'models/my-embedder is not found for API version v1beta, or is not supported for asyncBatchEmbedContent. Call ListModels to see the list of available models and their supported methods.',
    });
    const model = await clientAt(sim().url).models.get({ model: MODEL });
    expect(model.supportedActions).toContain('asyncBatchEmbedContent');
  });
});

describe('Gemini embedding batches at realistic speed', () => {
  // Every answer takes about 20 s to generate: the batch runs until then, unless cancelled.
  const sim = useSimulator({ speed: 1, seed: 3, profiles: oneProfileFile(20_000, 5) });
  const ai = () => clientAt(sim().url);

  it('stays pending until its vectors would have been computed; a cancel ends it, its requests cancelled', async () => {
    const created = await ai().batches.createEmbeddings({ model: MODEL, src: { inlinedRequests: { contents: ['One', 'Two'] } } });
    await expect.poll(async () => (await rawGet(sim().url, created.name!)).metadata.batchStats.pendingRequestCount).toBe('2');
    expect((await ai().batches.get({ name: created.name! })).state).toBe(JobState.JOB_STATE_PENDING);
    await ai().batches.cancel({ name: created.name! });
    const cancelled = await ai().batches.get({ name: created.name! });
    expect(cancelled.state).toBe(JobState.JOB_STATE_CANCELLED);
    // No slot holds an embedding, so the SDK reads the output as it reads any batch's: inlinedResponses.
    expect(cancelled.dest!.inlinedResponses!.map((r) => r.error?.code)).toEqual([1, 1]);
    const raw = await rawGet(sim().url, created.name!);
    expect(raw.metadata.state).toBe('BATCH_STATE_CANCELLED');
    expect(raw.response!['@type']).toBe('type.googleapis.com/google.ai.generativelanguage.v1main.EmbedContentBatchOutput');
  });

  it('counts its requests against the bound the thread\'s running batches share with generateContent batches', async () => {
    // One embedding that takes about 20 s keeps the batch running; the other 99,999 are errors, answered at once.
    const full = await createRaw(sim().url, { batch: { inputConfig: { requests: { requests: [{ request: { content: { parts: [{ text: 'Slow' }] } } }, ...Array.from({ length: 99_999 }, () => ({ request: {} }))] } } } });
    expect(full.status).toBe(200);
    const { name } = (await full.json()) as RawOperation;
    const one = { batch: { inputConfig: { requests: { requests: [{ request: { content: { parts: [{ text: 'One more' }] } } }] } } } };
    for (const [method, body] of [
      ['asyncBatchEmbedContent', one],
      ['batchGenerateContent', { batch: { inputConfig: { requests: { requests: [{ request: { contents: [{ parts: [{ text: 'One more' }] }] } }] } } } }],
    ] as const) {
      const refused = await fetch(`${sim().url}/v1beta/models/${method === 'asyncBatchEmbedContent' ? MODEL : 'gemini-2.5-flash'}:${method}`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });
      expect(refused.status, method).toBe(429);
      expect(((await refused.json()) as { error: { status: string } }).error.status).toBe('RESOURCE_EXHAUSTED');
    }
    await ai().batches.cancel({ name });
    const after = await createRaw(sim().url, one);
    expect(after.status).toBe(200);
    await ai().batches.delete({ name: ((await after.json()) as RawOperation).name });
    await ai().batches.delete({ name });
  });
});

describe('Gemini embedding batches take their seeded time', () => {
  // Each vector takes 100–600 ms to compute; the batch ends when its slowest would have been.
  const profiles = oneProfileFile(200, 1);
  const one = useSimulator({ speed: 1, seed: 5, profiles });
  const same = useSimulator({ speed: 1, seed: 5, profiles });
  const other = useSimulator({ speed: 1, seed: 6, profiles });

  it('runs as long on two servers with the same seed, and another seed draws another time', async () => {
    const run = async (url: string): Promise<number> => {
      const ai = clientAt(url);
      const created = await ai.batches.createEmbeddings({ model: MODEL, src: { inlinedRequests: { contents: ['a', 'b', 'c', 'd', 'e'] } } });
      const batch = await done(ai, created.name!);
      return Date.parse(batch.endTime!) - Date.parse(batch.createTime!);
    };
    const [a, b, c] = await Promise.all([run(one().url), run(same().url), run(other().url)]);
    expect(a).toBeGreaterThanOrEqual(100);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });
});

describe('Gemini embedding batches across server threads', () => {
  const sim = useSimulator({ threads: 2, seed: 12 });
  // `connection: close`: a new connection per request, spread over the threads by the kernel.
  const ai = () => clientAt(sim().url, { connection: 'close' });
  const SPREAD = 12;
  const times = <T>(n: number, fn: () => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: n }, fn));

  it('finds a batch from any thread, to read, list, cancel and delete, and reads another thread\'s input file', async () => {
    const created = await ai().batches.createEmbeddings({ model: MODEL, src: { inlinedRequests: { contents: ['Across threads.'], config: { outputDimensionality: 32 } } } });
    await expect.poll(async () => (await ai().batches.get({ name: created.name! })).state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const expected = await alone(sim().url, 'Across threads.', { outputDimensionality: 32 });
    const got = await times(SPREAD, () => ai().batches.get({ name: created.name! }));
    for (const b of got) expect(b.dest!.inlinedEmbedContentResponses![0]!.response!.embedding!.values).toEqual(expected);
    const listed = await times(4, async () => {
      const names: string[] = [];
      for await (const b of await ai().batches.list()) names.push(b.name!);
      return names;
    });
    expect(listed.every((names) => names.includes(created.name!))).toBe(true);
    // Cancelling an ended batch is answered from either thread, and changes nothing.
    await times(SPREAD, () => ai().batches.cancel({ name: created.name! }));
    expect((await ai().batches.get({ name: created.name! })).state).toBe(JobState.JOB_STATE_SUCCEEDED);
    // Input files on either thread: each batch reads its file from the thread that holds it.
    const line = JSON.stringify({ key: 'k1', request: { content: { parts: [{ text: 'From a file.' }] }, outputDimensionality: 8 } }) + '\n';
    const files = await times(6, () => ai().files.upload({ file: new Blob([line], { type: 'application/jsonl' }) }));
    const batches = await Promise.all(files.map((f) => ai().batches.createEmbeddings({ model: MODEL, src: { fileName: f.name! } })));
    const fromFile = await alone(sim().url, 'From a file.', { outputDimensionality: 8 });
    for (const b of batches) {
      await expect.poll(async () => (await ai().batches.get({ name: b.name! })).state).toBe(JobState.JOB_STATE_SUCCEEDED);
      const out = (await ai().batches.get({ name: b.name! })).dest!.fileName!;
      const text = await (await fetch(`${sim().url}/v1beta/${out}:download?alt=media`, { headers: { ...KEY, connection: 'close' } })).text();
      expect(JSON.parse(text.trim())).toEqual({ key: 'k1', response: { embedding: { values: fromFile } } });
    }
    await ai().batches.delete({ name: created.name! });
    const gone = await times(SPREAD, () => ai().batches.get({ name: created.name! }).then(() => 200, (err: { status: number }) => err.status));
    expect(gone).toEqual(Array(SPREAD).fill(404));
  });
});
