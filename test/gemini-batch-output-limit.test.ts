/**
 * A Gemini batch whose output passes what the simulator can keep, through `@google/genai`'s
 * `ai.batches` against the real server: it ends `BATCH_STATE_FAILED` with the operation's `error`
 * (RESOURCE_EXHAUSTED, naming the limit), leaves no responses file to miss, and a batch within the
 * limit still succeeds. The limits themselves (128 MiB inline, 256 MiB of file) take minutes of
 * answers to reach, so the tests lower them with the `x-understudy-batch-output-limit-bytes` override.
 */
import { constants } from 'node:buffer';
import { GoogleGenAI, JobState, type BatchJob } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_INLINE_OUTPUT_BYTES } from '../src/server/gemini/batch-output.js';
import { MAX_FILE_BYTES } from '../src/server/gemini/files.js';
import { apiError } from './fixtures/gemini.js';
import { oneProfileFile, useSimulator } from './fixtures/sim.js';

const MODEL = 'gemini-2.5-flash';
const LIMIT_HEADER = 'x-understudy-batch-output-limit-bytes';
const KEY = { 'x-goog-api-key': 'k' };

// `createEmbeddings` warns on every call that it is experimental; the rest of console.warn goes through.
const warn = console.warn.bind(console);
beforeAll(() => {
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (!String(args[0]).includes('createEmbeddings() is experimental')) warn(...args);
  });
});
afterAll(() => vi.restoreAllMocks());

interface RawOperation {
  done: boolean;
  metadata: { state: string; batchStats: Record<string, string>; output?: unknown };
  response?: unknown;
  error?: { code: number; message: string };
}

/** Twenty questions, each with its own seed, so its answer does not depend on where the batch runs it. */
const QUESTIONS = Array.from({ length: 20 }, (_, i) => ({ contents: [{ role: 'user', parts: [{ text: `Question ${i}: describe the weather.` }] }], generationConfig: { seed: 100 + i } }));
const inline = QUESTIONS.map(({ contents, generationConfig }) => ({ contents, config: { seed: generationConfig.seed } }));
const jsonl = QUESTIONS.map((request, i) => JSON.stringify({ key: `q${i}`, request })).join('\n') + '\n';

describe('Gemini batches whose output passes what the simulator keeps', () => {
  const sim = useSimulator({ seed: 41 });
  /** A client whose batches' output limit is `limit` bytes (none lowered: the simulator's own). */
  const ai = (limit?: number) => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url, headers: limit === undefined ? {} : { [LIMIT_HEADER]: String(limit) } } });
  const raw = async (name: string): Promise<RawOperation> => (await (await fetch(`${sim().url}/v1beta/${name}`, { headers: KEY })).json()) as RawOperation;

  async function ended(name: string): Promise<BatchJob> {
    await expect.poll(async () => (await ai().batches.get({ name })).state).not.toMatch(/PENDING|RUNNING/);
    return ai().batches.get({ name });
  }

  /** The operation of a batch that failed for its size: done, its error, and neither output nor response. */
  async function expectTooLarge(name: string, limit: number, what: string): Promise<RawOperation> {
    const batch = await ended(name);
    expect(batch.state).toBe(JobState.JOB_STATE_FAILED);
    expect(batch.dest).toBeUndefined();
    const op = await raw(name);
    expect(op.done).toBe(true);
    expect(op.metadata.state).toBe('BATCH_STATE_FAILED');
    expect(op.metadata.output).toBeUndefined();
    expect(op.response).toBeUndefined();
    // 8: RESOURCE_EXHAUSTED, as a google.rpc.Status.
    expect(op.error!.code).toBe(8);
    expect(op.error!.message).toContain(`The batch's ${what} passed the ${limit} bytes that ${LIMIT_HEADER} allows`);
    expect(op.error!.message).toContain('split it into batches of fewer requests');
    // It stopped answering once over: the requests it answered count as they went, those it never ran as failed, none as pending.
    const stats = op.metadata.batchStats;
    expect(stats.requestCount).toBe('20');
    expect(stats.pendingRequestCount).toBe('0');
    expect(Number(stats.successfulRequestCount) + Number(stats.failedRequestCount)).toBe(20);
    return op;
  }

  /** The names of the responses files the thread holds. */
  async function responsesFiles(): Promise<string[]> {
    const names: string[] = [];
    for await (const f of await ai().files.list({ config: { pageSize: 100 } })) if (f.displayName?.endsWith(' responses') === true) names.push(f.name!);
    return names;
  }

  it('keeps the inline limit at about half of the longest string the operation could be, below the file limit', () => {
    // A get builds the operation, which holds the inlined output twice, as one string.
    expect(2 * MAX_INLINE_OUTPUT_BYTES).toBeLessThan(0.6 * constants.MAX_STRING_LENGTH);
    expect(MAX_INLINE_OUTPUT_BYTES).toBeLessThan(MAX_FILE_BYTES);
  });

  it('fails a file batch whose responses file would pass the limit, writing no file, and succeeds at exactly the limit', async () => {
    const input = await ai().files.upload({ file: new Blob([jsonl], { type: 'application/jsonl' }) });
    // Within the simulator's own limit: the responses file, whose size is the output's.
    const whole = await ended((await ai().batches.create({ model: MODEL, src: input.name! })).name!);
    expect(whole.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const download = await fetch(`${sim().url}/v1beta/${whole.dest!.fileName}:download?alt=media`, { headers: KEY });
    expect(download.status).toBe(200);
    const bytes = (await download.arrayBuffer()).byteLength;
    expect(bytes).toBeGreaterThan(2000);
    const before = await responsesFiles();
    expect(before).toEqual([whole.dest!.fileName]);

    // The same requests (seeded, so the same answers) with the limit at exactly that size: kept.
    const exact = await ended((await ai(bytes).batches.create({ model: MODEL, src: input.name! })).name!);
    expect(exact.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const again = await fetch(`${sim().url}/v1beta/${exact.dest!.fileName}:download?alt=media`, { headers: KEY });
    expect(again.status).toBe(200);
    expect((await again.arrayBuffer()).byteLength).toBe(bytes);

    // One byte less: failed, and no file named that no download could read.
    const over = await ai(bytes - 1).batches.create({ model: MODEL, src: input.name! });
    const op = await expectTooLarge(over.name!, bytes - 1, 'responses file');
    expect(op.error!.message).toContain('at request 20 of 20');
    expect(op.metadata.batchStats).toMatchObject({ successfulRequestCount: '20', failedRequestCount: '0' });
    expect(await responsesFiles()).toEqual([whole.dest!.fileName, exact.dest!.fileName]);

    // Far less: it stops answering early.
    const early = await ai(2000).batches.create({ model: MODEL, src: input.name! });
    const stopped = await expectTooLarge(early.name!, 2000, 'responses file');
    expect(Number(stopped.metadata.batchStats.failedRequestCount)).toBeGreaterThan(10);
    expect(stopped.error!.message).toMatch(/at request \d of 20/);
    expect(await responsesFiles()).toHaveLength(2);
  });

  it('fails an inline batch whose inlined responses would pass the limit, and runs the same batch within it', async () => {
    const over = await ai(2000).batches.create({ model: MODEL, src: inline });
    await expectTooLarge(over.name!, 2000, 'inlined responses');
    const within = await ended((await ai(1_000_000).batches.create({ model: MODEL, src: inline })).name!);
    expect(within.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    expect(within.dest!.inlinedResponses).toHaveLength(20);
    expect(within.dest!.inlinedResponses!.every((r) => r.response !== undefined)).toBe(true);
  });

  it('fails an embedding batch the same way', async () => {
    const contents = Array.from({ length: 20 }, (_, i) => `Text ${i} about the weather.`);
    const over = await ai(20_000).batches.createEmbeddings({ model: 'gemini-embedding-001', src: { inlinedRequests: { contents } } });
    await expectTooLarge(over.name!, 20_000, 'inlined responses');
    const within = await ended((await ai().batches.createEmbeddings({ model: 'gemini-embedding-001', src: { inlinedRequests: { contents } } })).name!);
    expect(within.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    expect(within.dest!.inlinedEmbedContentResponses).toHaveLength(20);
  });

  it('refuses an override that is no number of bytes', async () => {
    for (const bad of ['0', 'lots', '-5', '1.5']) {
      const refused = await apiError(new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url, headers: { [LIMIT_HEADER]: bad } } }).batches.create({ model: MODEL, src: inline }));
      expect(refused).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
      expect(refused.message).toContain(LIMIT_HEADER);
    }
  });
});

describe('Gemini batches that pass their output limit at realistic speed', () => {
  // Every answer takes about 20 s to generate.
  const sim = useSimulator({ speed: 1, seed: 42, profiles: oneProfileFile(20_000, 5) });
  const ai = (headers: Record<string, string> = {}) => new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url, headers } });

  it('stays pending until the answers it gave would have been generated, and a cancel then ends it failed, not cancelled', async () => {
    const created = await ai({ [LIMIT_HEADER]: '1' }).batches.create({ model: MODEL, src: inline });
    // Answered (and stopped) at once, but not ended before its first answer's time.
    await expect.poll(async () => {
      const op = (await (await fetch(`${sim().url}/v1beta/${created.name}`, { headers: KEY })).json()) as RawOperation;
      return op.metadata.batchStats.pendingRequestCount;
    }).toBe('20');
    expect((await ai().batches.get({ name: created.name! })).state).toBe(JobState.JOB_STATE_PENDING);
    await ai().batches.cancel({ name: created.name! });
    const cancelled = await ai().batches.get({ name: created.name! });
    expect(cancelled.state).toBe(JobState.JOB_STATE_FAILED);
    const op = (await (await fetch(`${sim().url}/v1beta/${created.name}`, { headers: KEY })).json()) as RawOperation;
    expect(op).toMatchObject({ done: true, error: { code: 8 } });
    expect(op.metadata.batchStats).toEqual({ requestCount: '20', successfulRequestCount: '0', failedRequestCount: '20', pendingRequestCount: '0' });
  });
});

describe('Gemini batches with override headers off', () => {
  const sim = useSimulator({ seed: 41, overrideHeaders: false });

  it('ignores the output limit override', async () => {
    const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url, headers: { [LIMIT_HEADER]: '1' } } });
    const created = await ai.batches.create({ model: MODEL, src: inline });
    await expect.poll(async () => (await ai.batches.get({ name: created.name! })).state).toBe(JobState.JOB_STATE_SUCCEEDED);
  });
});
