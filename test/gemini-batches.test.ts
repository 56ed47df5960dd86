/**
 * Gemini's Batch API through `@google/genai`'s `ai.batches` against the real server: inline and
 * file batches answered as generateContent would answer each request alone, the operation's
 * state and counts, list, cancel and delete, the API's errors, and a batch found from either of
 * two server threads.
 */
import { GoogleGenAI, JobState, type BatchJob, type GenerateContentResponse, type InlinedRequest } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { apiError } from './fixtures/gemini.js';
import { oneProfileFile, tempFile, useSimulator } from './fixtures/sim.js';
import { fileOwner } from '../src/server/gemini/files.js';

const MODEL = 'gemini-2.5-flash';

const ask = (text: string, seed?: number): InlinedRequest => ({ contents: [{ role: 'user', parts: [{ text }] }], ...(seed === undefined ? {} : { config: { seed } }) });

/** A response's answer text (its parts that are not thoughts): the SDK gives an inlined response as a plain object, without `.text`. */
function textOf(r: GenerateContentResponse | undefined): string {
  return (r?.candidates?.[0]?.content?.parts ?? [])
    .filter((p) => p.thought !== true)
    .map((p) => p.text ?? '')
    .join('');
}

async function done(ai: GoogleGenAI, name: string): Promise<BatchJob> {
  await expect.poll(async () => (await ai.batches.get({ name })).state).toBe(JobState.JOB_STATE_SUCCEEDED);
  return ai.batches.get({ name });
}

describe('Gemini batches', () => {
  const sim = useSimulator({ seed: 9 });
  const ai = () => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url } });

  it('answers inline requests as generateContent answers each alone, in order, with their metadata', async () => {
    const created = await ai().batches.create({
      model: MODEL,
      src: [
        { ...ask('Name a colour.', 11), metadata: { key: 'first' } },
        { ...ask('Count to three.', 12), metadata: { key: 'second' } },
      ],
      config: { displayName: 'colours' },
    });
    expect(created.name).toMatch(/^batches\/[a-z0-9]{36}$/);
    expect(created).toMatchObject({ displayName: 'colours', model: `models/${MODEL}`, state: JobState.JOB_STATE_PENDING });
    expect(created.dest).toBeUndefined();
    const batch = await done(ai(), created.name!);
    expect(batch.endTime).toBeDefined();
    const responses = batch.dest!.inlinedResponses!;
    expect(responses.map((r) => r.metadata)).toEqual([{ key: 'first' }, { key: 'second' }]);
    for (const [i, text] of ['Name a colour.', 'Count to three.'].entries()) {
      const alone = await ai().models.generateContent({ model: MODEL, contents: text, config: { seed: 11 + i } });
      const r = responses[i]!.response!;
      expect(textOf(r).length).toBeGreaterThan(0);
      expect(textOf(r)).toBe(alone.text);
      expect(r.usageMetadata!.promptTokenCount).toBe(alone.usageMetadata!.promptTokenCount);
      expect(r.usageMetadata!.candidatesTokenCount).toBeGreaterThan(0);
    }
  });

  it('reports a request generateContent would refuse as its error, and counts it', async () => {
    const created = await ai().batches.create({
      model: MODEL,
      src: [ask('Hello.'), { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }], config: { candidateCount: 99 } }],
    });
    const batch = await done(ai(), created.name!);
    const [good, bad] = batch.dest!.inlinedResponses!;
    expect(textOf(good!.response).length).toBeGreaterThan(0);
    expect(good!.error).toBeUndefined();
    expect(bad!.response).toBeUndefined();
    // A google.rpc.Status: the gRPC code (3, INVALID_ARGUMENT), as the API puts it in the request's slot.
    expect(bad!.error).toMatchObject({ code: 3 });
    expect(bad!.error!.message).toContain('candidate_count');
    const raw = (await (await fetch(`${sim().url}/v1beta/${created.name}`, { headers: { 'x-goog-api-key': 'k' } })).json()) as {
      name: string;
      done: boolean;
      metadata: { '@type': string; name: string; batchStats: Record<string, string> };
      response: { '@type': string };
    };
    // The operation's name is the batch's, lowercase as the API's are.
    expect(raw.name).toBe(created.name);
    expect(raw.metadata.name).toBe(created.name);
    expect(raw.name).toMatch(/^batches\/[a-z0-9]{36}$/);
    expect(raw.done).toBe(true);
    expect(raw.metadata['@type']).toBe('type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch');
    expect(raw.metadata.batchStats).toEqual({ requestCount: '2', successfulRequestCount: '1', failedRequestCount: '1', pendingRequestCount: '0' });
    expect(raw.response['@type']).toBe('type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput');
  });

  it('reads an uploaded JSONL file of {key, request} lines and writes the responses file', async () => {
    const lines = [
      { key: 'q1', request: { contents: [{ role: 'user', parts: [{ text: 'Describe the sea.' }] }] } },
      { key: 'q2', request: { contents: [{ role: 'user', parts: [{ text: 'Describe a hill.' }] }], generationConfig: { maxOutputTokens: 5 } } },
      { key: 'q3', request: { contents: [] } },
    ];
    const input = await ai().files.upload({ file: new Blob([lines.map((l) => JSON.stringify(l)).join('\n') + '\n'], { type: 'application/jsonl' }), config: { mimeType: 'jsonl' } });
    const created = await ai().batches.create({ model: MODEL, src: input.name! });
    const batch = await done(ai(), created.name!);
    const out = batch.dest!.fileName!;
    expect(out).toMatch(/^files\/[a-z0-9]{12}$/);
    expect((await ai().files.get({ name: out })).mimeType).toBe('application/jsonl');
    const download = await fetch(`${sim().url}/v1beta/${out}:download?alt=media`, { headers: { 'x-goog-api-key': 'k' } });
    expect(download.status).toBe(200);
    const rows = (await download.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; response?: { candidates: { content: { parts: { text: string }[] } }[]; usageMetadata: { candidatesTokenCount?: number } }; error?: { code: number } });
    expect(rows.map((r) => r.key)).toEqual(['q1', 'q2', 'q3']);
    expect(rows[0]!.response!.candidates[0]!.content.parts[0]!.text.length).toBeGreaterThan(0);
    expect(rows[1]!.response!.usageMetadata.candidatesTokenCount ?? 0).toBeLessThanOrEqual(5);
    expect(rows[2]!.error).toMatchObject({ code: 3 });
  });

  it('refuses a batch on a file that does not exist, as the API refuses the file, and one on a file with no requests', async () => {
    const missing = await apiError(ai().batches.create({ model: MODEL, src: 'files/nosuchfile12' }));
    expect(missing).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
    expect(missing.message).toContain('nosuchfile12');
    const blank = await ai().files.upload({ file: new Blob(['\n\n'], { type: 'application/jsonl' }) });
    const empty = await apiError(ai().batches.create({ model: MODEL, src: blank.name! }));
    expect(empty).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', message: `The input file ${blank.name} holds no requests.` });
  });

  it('lists batches page by page, and forgets a deleted one', async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i++) made.push((await ai().batches.create({ model: MODEL, src: [ask(`List ${i}`)], config: { displayName: `l${i}` } })).name!);
    const names: string[] = [];
    for await (const b of await ai().batches.list({ config: { pageSize: 2 } })) names.push(b.name!);
    expect(names.filter((n) => made.includes(n))).toEqual(made);
    await ai().batches.delete({ name: made[1]! });
    expect(await apiError(ai().batches.get({ name: made[1]! }))).toEqual({ status: 404, code: 'NOT_FOUND', message: 'Requested entity was not found.' });
    const after: string[] = [];
    for await (const b of await ai().batches.list()) after.push(b.name!);
    expect(after).not.toContain(made[1]);
    expect(after).toContain(made[2]);
  });

  it('answers an unknown batch with 404 on every route, and malformed batches with 400', async () => {
    const base = `${sim().url}/v1beta`;
    const headers = { 'x-goog-api-key': 'k', 'content-type': 'application/json' };
    for (const [method, path] of [
      ['GET', '/batches/nosuchbatch1'],
      ['POST', '/batches/nosuchbatch1:cancel'],
      ['DELETE', '/batches/nosuchbatch1'],
    ] as const) {
      const r = await fetch(`${base}${path}`, { method, headers });
      expect(r.status).toBe(404);
      expect(await r.json()).toEqual({ error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } });
    }
    const create = (body: string) => fetch(`${base}/models/${MODEL}:batchGenerateContent`, { method: 'POST', headers, body });
    const bad = [
      'not json',
      '[]',
      '{}',
      JSON.stringify({ batch: { inputConfig: {} } }),
      JSON.stringify({ batch: { inputConfig: { requests: { requests: [] } } } }),
      JSON.stringify({ batch: { inputConfig: { requests: { requests: [{ request: 'hi' }] } } } }),
      JSON.stringify({ batch: { inputConfig: { fileName: 'files/a', requests: { requests: [{ request: {} }] } } } }),
      JSON.stringify({ batch: { displayName: 5, inputConfig: { fileName: 'files/a' } } }),
    ];
    for (const body of bad) {
      const r = await create(body);
      expect(r.status, body).toBe(400);
      const json = (await r.json()) as { error: { code: number; status: string; message: string } };
      expect(json.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
      expect(json.error.message.length).toBeGreaterThan(0);
    }
    // An empty request is that request's error, not the batch's.
    const emptyRequest = await create(JSON.stringify({ batch: { inputConfig: { requests: { requests: [{ request: {} }] } } } }));
    expect(emptyRequest.status).toBe(200);
    const wrongMethod = await fetch(`${base}/batches/nosuchbatch1:cancel`, { headers });
    expect(wrongMethod.status).toBe(405);
  });

  it('downloads a file whose metadata gave a MIME type with CR LF without writing it into the headers', async () => {
    const base = sim().url;
    const start = await fetch(`${base}/upload/v1beta/files`, {
      method: 'POST',
      headers: { 'x-goog-api-key': 'k', 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start', 'content-type': 'application/json' },
      body: JSON.stringify({ file: { mimeType: 'text/plain\r\nx-injected: yes\r\n\r\nsmuggled' } }),
    });
    const at = new URL(start.headers.get('x-goog-upload-url')!);
    const done = await fetch(`${base}${at.pathname}${at.search}`, { method: 'POST', headers: { 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0' }, body: 'the bytes' });
    const { file } = (await done.json()) as { file: { name: string } };
    const download = await fetch(`${base}/v1beta/${file.name}:download?alt=media`, { headers: { 'x-goog-api-key': 'k' } });
    expect(download.status).toBe(200);
    expect(download.headers.get('x-injected')).toBeNull();
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(await download.text()).toBe('the bytes');
  });
});

describe('Gemini batches under chaos and quotas', () => {
  const storm = { name: 'three-503s', phases: [{ name: 'overloaded', startAfterRequests: 0, requests: 3, faults: [{ kind: 'unavailable_503' }] }] };
  const sim = useSimulator({ seed: 8, quota: 'gemini-free', scenario: tempFile('s.json', storm) });
  const ai = () => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url } });

  it('answers every request outside the live rate limits, each fault its request\'s error', async () => {
    const created = await ai().batches.create({ model: MODEL, src: Array.from({ length: 30 }, (_, i) => ask(`Question ${i}`)) });
    const batch = await done(ai(), created.name!);
    const codes = batch.dest!.inlinedResponses!.map((r) => r.error?.code ?? 0);
    // 14: UNAVAILABLE, the 503 each of the first three requests drew; no 8 (RESOURCE_EXHAUSTED), though the free tier takes 10 a minute.
    expect(codes).toEqual([14, 14, 14, ...Array<number>(27).fill(0)]);
    expect(batch.dest!.inlinedResponses![0]!.error!.message).toBe('The model is overloaded. Please try again later.');
  });
});

describe('Gemini batches are the same run however often they are polled', () => {
  const quiet = useSimulator({ seed: 21 });
  const polled = useSimulator({ seed: 21 });
  const src = Array.from({ length: 60 }, (_, i) => ask(`Question ${i}`));

  it('gives each request the same answer on two servers with the same seed, one polled all along', async () => {
    const run = async (url: string, polls: number): Promise<string> => {
      const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: url } });
      const created = await ai.batches.create({ model: MODEL, src });
      for (let i = 0; i < polls; i++) await ai.batches.get({ name: created.name! });
      return JSON.stringify((await done(ai, created.name!)).dest!.inlinedResponses);
    };
    const [a, b] = await Promise.all([run(quiet().url, 0), run(polled().url, 30)]);
    expect(JSON.parse(a)).toHaveLength(60);
    expect(b).toBe(a);
  });
});

describe('Gemini batches at realistic speed', () => {
  // Every answer takes about 20 s to generate: the batch runs until then, unless cancelled.
  const sim = useSimulator({ speed: 1, seed: 3, profiles: oneProfileFile(20_000, 5) });
  const ai = () => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url } });

  it('stays pending until its answers would have been generated; a cancel ends it, its requests cancelled', async () => {
    const created = await ai().batches.create({ model: MODEL, src: [ask('One'), ask('Two')] });
    await expect.poll(async () => {
      const raw = (await (await fetch(`${sim().url}/v1beta/${created.name}`, { headers: { 'x-goog-api-key': 'k' } })).json()) as { metadata: { batchStats: Record<string, string> } };
      return raw.metadata.batchStats.pendingRequestCount;
    }).toBe('2');
    expect((await ai().batches.get({ name: created.name! })).state).toBe(JobState.JOB_STATE_PENDING);
    await ai().batches.cancel({ name: created.name! });
    const cancelled = await ai().batches.get({ name: created.name! });
    expect(cancelled.state).toBe(JobState.JOB_STATE_CANCELLED);
    expect(cancelled.dest!.inlinedResponses!.map((r) => r.error?.code)).toEqual([1, 1]);
    // A second cancel of an ended batch changes nothing.
    await ai().batches.cancel({ name: created.name! });
    expect((await ai().batches.get({ name: created.name! })).state).toBe(JobState.JOB_STATE_CANCELLED);
    await ai().batches.delete({ name: created.name! });
    expect(await apiError(ai().batches.get({ name: created.name! }))).toMatchObject({ status: 404 });
  });

  it('refuses a batch while the running ones hold as many requests as a batch may, with 429, and takes it once they end', async () => {
    const headers = { 'x-goog-api-key': 'k', 'content-type': 'application/json' };
    const create = (requests: unknown[]) =>
      fetch(`${sim().url}/v1beta/models/${MODEL}:batchGenerateContent`, { method: 'POST', headers, body: JSON.stringify({ batch: { inputConfig: { requests: { requests } } } }) });
    // One answer that takes about 20 s keeps the batch running; the other 99,999 are errors, answered at once.
    const full = await create([{ request: { contents: [{ parts: [{ text: 'Slow' }] }] } }, ...Array.from({ length: 99_999 }, () => ({ request: {} }))]);
    expect(full.status).toBe(200);
    const { name } = (await full.json()) as { name: string };
    const refused = await create([{ request: { contents: [{ parts: [{ text: 'One more' }] }] } }]);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { status: string } }).error.status).toBe('RESOURCE_EXHAUSTED');
    await ai().batches.cancel({ name });
    const after = await create([{ request: { contents: [{ parts: [{ text: 'One more' }] }] } }]);
    expect(after.status).toBe(200);
    await ai().batches.delete({ name: ((await after.json()) as { name: string }).name });
  });
});

describe('Gemini batches across server threads', () => {
  const sim = useSimulator({ threads: 2, seed: 12 });
  // `connection: close`: a new connection per request, spread over the threads by the kernel.
  const ai = () => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url, headers: { connection: 'close' } } });
  const SPREAD = 12;
  const times = <T>(n: number, fn: () => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: n }, fn));

  it('finds a batch from any thread, to read, list, cancel and delete, and reads another thread\'s input file', async () => {
    const created = await ai().batches.create({ model: MODEL, src: [ask('Across threads.', 4)] });
    expect(created.name).toMatch(/^batches\/[a-z0-9]{36}$/);
    await expect.poll(async () => (await ai().batches.get({ name: created.name! })).state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const got = await times(SPREAD, () => ai().batches.get({ name: created.name! }));
    const texts = new Set(got.map((b) => textOf(b.dest!.inlinedResponses![0]!.response)));
    expect(texts.size).toBe(1);
    expect([...texts][0]!.length).toBeGreaterThan(0);
    expect(got.every((b) => b.state === JobState.JOB_STATE_SUCCEEDED)).toBe(true);
    const listed = await times(4, async () => {
      const names: string[] = [];
      for await (const b of await ai().batches.list()) names.push(b.name!);
      return names;
    });
    expect(listed.every((names) => names.includes(created.name!))).toBe(true);
    // Cancelling an ended batch is answered from either thread, and changes nothing.
    await Promise.all(Array.from({ length: SPREAD }, () => ai().batches.cancel({ name: created.name! })));
    // Input files on either thread: each batch reads its file from the thread that holds it.
    const files = await times(6, () => ai().files.upload({ file: new Blob([JSON.stringify({ key: 'k1', request: { contents: [{ parts: [{ text: 'From a file.' }] }] } }) + '\n'], { type: 'application/jsonl' }) }));
    const batches = await Promise.all(files.map((f) => ai().batches.create({ model: MODEL, src: f.name! })));
    for (const b of batches) {
      await expect.poll(async () => (await ai().batches.get({ name: b.name! })).state).toBe(JobState.JOB_STATE_SUCCEEDED);
      const out = (await ai().batches.get({ name: b.name! })).dest!.fileName!;
      const text = await (await fetch(`${sim().url}/v1beta/${out}:download?alt=media`, { headers: { 'x-goog-api-key': 'k', connection: 'close' } })).text();
      expect(JSON.parse(text.trim())).toMatchObject({ key: 'k1', response: { candidates: [{ finishReason: expect.any(String) }] } });
    }
    await ai().batches.delete({ name: created.name! });
    const gone = await times(SPREAD, () => ai().batches.get({ name: created.name! }).then(() => 200, (err: { status: number }) => err.status));
    expect(gone).toEqual(Array(SPREAD).fill(404));
  });

});

describe('Gemini batches across server threads at realistic speed', () => {
  const sim = useSimulator({ threads: 2, speed: 1, seed: 13, profiles: oneProfileFile(20_000, 5) });
  const ai = () => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url, headers: { connection: 'close' } } });

  it('cancels a running batch from either thread', async () => {
    const created = await ai().batches.create({ model: MODEL, src: Array.from({ length: 3 }, (_, i) => ask(`Cancel ${i}`)) });
    expect((await ai().batches.get({ name: created.name! })).state).toBe(JobState.JOB_STATE_PENDING);
    await Promise.all(Array.from({ length: 6 }, () => ai().batches.cancel({ name: created.name! })));
    const states = await Promise.all(Array.from({ length: 12 }, async () => (await ai().batches.get({ name: created.name! })).state));
    expect(states).toEqual(Array(12).fill(JobState.JOB_STATE_CANCELLED));
  });
});

describe('Gemini batches naming files on another thread draw as if the files were their own', () => {
  const one = useSimulator({ threads: 1, seed: 17 });
  const two = useSimulator({ threads: 2, seed: 17 });
  // Named files: one held by each of two threads, so a batch on either has one request that waits for the other thread.
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((c) => `files/held-${c}`);
  const byThread = [names.find((n) => fileOwner(n.slice(6), 2) === 0)!, names.find((n) => fileOwner(n.slice(6), 2) === 1)!];

  it('answers each request at its reserved position, as one thread holding every file answers it', async () => {
    const run = async (url: string): Promise<string[]> => {
      const headers = { 'x-goog-api-key': 'k', connection: 'close' };
      for (const name of byThread) {
        const start = await fetch(`${url}/upload/v1beta/files`, { method: 'POST', headers: { ...headers, 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start' }, body: JSON.stringify({ file: { name, mimeType: 'text/plain' } }) });
        const at = new URL(start.headers.get('x-goog-upload-url')!);
        expect((await fetch(`${url}${at.pathname}${at.search}`, { method: 'POST', headers: { connection: 'close', 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0' }, body: `Notes kept as ${name}.` })).status).toBe(200);
      }
      const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: url, headers: { connection: 'close' } } });
      const created = await ai.batches.create({ model: MODEL, src: byThread.map((name) => ({ contents: [{ role: 'user', parts: [{ fileData: { fileUri: `${url}/v1beta/${name}`, mimeType: 'text/plain' } }, { text: 'Summarise.' }] }] })) });
      const batch = await done(ai, created.name!);
      return batch.dest!.inlinedResponses!.map((r) => `${r.response?.responseId} ${textOf(r.response)}`);
    };
    const alone = await run(one().url);
    expect(alone).toHaveLength(2);
    expect(await run(two().url)).toEqual(alone);
  });
});
