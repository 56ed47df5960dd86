/**
 * Embeddings (`POST /v1/embeddings`) through the official `openai` SDK against the real server,
 * both wire encodings (the SDK asks for base64 unless told otherwise and decodes it itself; floats
 * are the shortest decimals that read back as the float32s), token inputs, OpenAI's limits, and
 * large batches computed in the embedding pool while the server thread keeps answering.
 */
import OpenAI from 'openai';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedText } from '../src/corpus/embedding.js';
import { countTokens } from '../src/corpus/tokens.js';
import { startSimulator, type Simulator } from '../src/index.js';
import { float32Json } from '../src/server/float32-json.js';
import { loadProfiles, profileNameFor } from '../src/timing/profiles.js';
import { computeEmbeddings, destroyEmbeddingPool } from '../src/workers/embedding-pool.js';
import { runEmbeddingJob, type EmbeddingJob } from '../src/workers/embedding-task.js';
import { healthChecksWhile, rejection } from './fixtures/sim.js';

function norm(v: readonly number[]): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (norm(a) * norm(b));
}

const INVALID_INPUT = "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.";

describe('embeddings.create against the simulator', () => {
  let sim: Simulator;
  let client: OpenAI;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0 });
    client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  });
  afterAll(() => sim.stop());

  it.each([
    ['text-embedding-3-small', 1536],
    ['text-embedding-3-large', 3072],
    ['text-embedding-ada-002', 1536],
  ])('returns %s vectors of its default size (%i), unit length, with OpenAI usage', async (model, dims) => {
    const r = await client.embeddings.create({ model, input: 'The food was delicious and the waiter was kind.', encoding_format: 'float' });
    expect(r.object).toBe('list');
    expect(r.model).toBe(model);
    expect(r.data).toHaveLength(1);
    expect(r.data[0]!.object).toBe('embedding');
    expect(r.data[0]!.index).toBe(0);
    expect(r.data[0]!.embedding).toHaveLength(dims);
    expect(norm(r.data[0]!.embedding)).toBeCloseTo(1, 5);
    const tokens = countTokens('The food was delicious and the waiter was kind.');
    expect(r.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
  });

  it('shortens text-embedding-3 vectors to `dimensions`, still unit length', async () => {
    const r = await client.embeddings.create({ model: 'text-embedding-3-large', input: ['one', 'two'], dimensions: 256, encoding_format: 'float' });
    expect(r.data.map((d) => d.index)).toEqual([0, 1]);
    for (const d of r.data) {
      expect(d.embedding).toHaveLength(256);
      expect(norm(d.embedding)).toBeCloseTo(1, 5);
    }
  });

  it('is deterministic and puts similar texts closer than unrelated ones', async () => {
    const texts = ['the cat sat on the mat', 'a cat was sitting on the mat', 'quarterly revenue grew in the semiconductor segment'];
    const [a, b] = await Promise.all([
      client.embeddings.create({ model: 'text-embedding-3-small', input: texts, encoding_format: 'float' }),
      client.embeddings.create({ model: 'text-embedding-3-small', input: texts, encoding_format: 'float' }),
    ]);
    expect(a.data).toEqual(b.data);
    const [cat, cat2, revenue] = a.data.map((d) => d.embedding) as [number[], number[], number[]];
    expect(cosine(cat, cat2)).toBeGreaterThan(cosine(cat, revenue) + 0.2);
  });

  it('sends base64 when asked (the SDK default) and the SDK decodes it to the same floats', async () => {
    const input = ['hello world', 'embeddings in base64'];
    const floats = await client.embeddings.create({ model: 'text-embedding-3-small', input, encoding_format: 'float' });
    const decoded = await client.embeddings.create({ model: 'text-embedding-3-small', input });
    expect(decoded.data).toHaveLength(2);
    for (let i = 0; i < 2; i++) {
      expect(decoded.data[i]!.embedding).toHaveLength(1536);
      // The float body's numbers are the shortest decimals that read back as these float32s.
      expect(Array.from(decoded.data[i]!.embedding)).toEqual(Array.from(Float32Array.from(floats.data[i]!.embedding)));
    }
    // On the wire: a base64 string of 1,536 little-endian float32s.
    const res = await fetch(`${sim.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'text-embedding-3-small', input: 'hello world', encoding_format: 'base64' }) });
    const wire = (await res.json()) as { data: { embedding: string }[] };
    const bytes = Buffer.from(wire.data[0]!.embedding, 'base64');
    expect(bytes.length).toBe(1536 * 4);
    expect(bytes.readFloatLE(0)).toBe(Math.fround(floats.data[0]!.embedding[0]!));
  });

  it('sends each float as the shortest decimal that reads back as the float32, as OpenAI does', async () => {
    const input = 'The food was delicious and the waiter was kind.';
    const vector = embedText(input, new Float32Array(1536));
    const r = await client.embeddings.create({ model: 'text-embedding-3-small', input, encoding_format: 'float' });
    expect(Float32Array.from(r.data[0]!.embedding)).toEqual(vector);
    const res = await fetch(`${sim.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'text-embedding-3-small', input, encoding_format: 'float' }) });
    const text = await res.text();
    const open = text.indexOf('"embedding":[') + '"embedding":['.length;
    // `0.32767323`, not float64's `0.3276732265949249`.
    expect(text.slice(open, text.indexOf(']', open)).split(',')).toEqual(Array.from(vector, float32Json));
  });

  it('embeds token-id input, one array or many, counting ids as tokens', async () => {
    const one = await client.embeddings.create({ model: 'text-embedding-3-small', input: [101, 2023, 2003], encoding_format: 'float' });
    expect(one.data).toHaveLength(1);
    expect(one.usage.prompt_tokens).toBe(3);
    const many = await client.embeddings.create({ model: 'text-embedding-3-small', input: [[101, 2023, 2003], [7, 8]], encoding_format: 'float' });
    expect(many.data).toHaveLength(2);
    expect(many.usage.prompt_tokens).toBe(5);
    expect(many.data[0]!.embedding).toEqual(one.data[0]!.embedding);
    expect(norm(many.data[1]!.embedding)).toBeCloseTo(1, 5);
  });

  it('computes a 2,048 × 3,072 batch in the pool while the server thread keeps answering', async () => {
    const input = Array.from({ length: 2048 }, (_, i) => `document ${i} about topic ${i % 37}: retrieval, ranking and vector search`);
    // Round trips to the same (only) server thread while the batch is being computed.
    const { value: r, answered } = await healthChecksWhile(sim.url, client.embeddings.create({ model: 'text-embedding-3-large', input }));
    expect(answered).toBeGreaterThanOrEqual(3);
    expect(r.data).toHaveLength(2048);
    expect(r.data.map((d) => d.index)).toEqual(input.map((_, i) => i));
    for (const i of [0, 1023, 2047]) {
      expect(r.data[i]!.embedding).toHaveLength(3072);
      expect(norm(Array.from(r.data[i]!.embedding))).toBeCloseTo(1, 4);
    }
    // The pool computes exactly what the inline path does.
    const single = await client.embeddings.create({ model: 'text-embedding-3-large', input: input[1023]! });
    expect(Array.from(single.data[0]!.embedding)).toEqual(Array.from(r.data[1023]!.embedding));
    expect(r.usage.prompt_tokens).toBe(input.reduce((n, t) => n + countTokens(t), 0));
  });

  it('answers a batch over 300,000 tokens with max_tokens_per_request, from the pool', async () => {
    const input = Array.from({ length: 2048 }, (_, i) => `${i} ${'lorem ipsum dolor sit amet '.repeat(30)}`);
    const err = await rejection(client.embeddings.create({ model: 'text-embedding-3-small', input }), OpenAI.BadRequestError);
    expect(err.code).toBe('max_tokens_per_request');
    expect(err.message).toMatch(/Requested \d+ tokens, max 300000 tokens per request/);
  });

  it('refuses dimensions for text-embedding-ada-002, as OpenAI does', async () => {
    const err = await rejection(client.embeddings.create({ model: 'text-embedding-ada-002', input: 'x', dimensions: 256 }), OpenAI.BadRequestError);
    expect(err.message).toBe('400 This model does not support specifying dimensions.');
    expect(err.param).toBeNull();
  });

  it('refuses more dimensions than the model has', async () => {
    const err = await rejection(client.embeddings.create({ model: 'text-embedding-3-small', input: 'x', dimensions: 4000 }), OpenAI.BadRequestError);
    expect(err.param).toBe('dimensions');
  });

  it.each([
    ['an empty string', ''],
    ['an empty string in a list', ['a', '']],
    ['an empty list', []],
    ['2,049 inputs', Array.from({ length: 2049 }, () => 'x')],
    ['an empty token list', [[1, 2], []]],
    ['mixed types', ['a', 1]],
  ])('answers %s with OpenAI’s invalid-input 400', async (_name, input) => {
    const err = await rejection(client.embeddings.create({ model: 'text-embedding-3-small', input: input as string[] }), OpenAI.BadRequestError);
    expect(err.message).toBe(`400 ${INVALID_INPUT}`);
    expect(err.type).toBe('invalid_request_error');
  });

  it('answers an input over 8,192 tokens with a 400 naming it', async () => {
    const err = await rejection(client.embeddings.create({ model: 'text-embedding-3-small', input: ['ok', 'word '.repeat(9000)] }), OpenAI.BadRequestError);
    expect(err.param).toBe('input[1]');
  });

  it('rejects an unknown encoding_format and a missing input', async () => {
    // @ts-expect-error: not an encoding OpenAI offers
    await expect(client.embeddings.create({ model: 'text-embedding-3-small', input: 'x', encoding_format: 'int8' })).rejects.toMatchObject({ status: 400, param: 'encoding_format' });
    // @ts-expect-error: input is required
    await expect(client.embeddings.create({ model: 'text-embedding-3-small' })).rejects.toMatchObject({ status: 400, param: 'input' });
  });
});

describe('embeddings with keys and strict models', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, apiKeys: ['sk-good'], strictModels: true });
  });
  afterAll(() => sim.stop());

  it('answers a wrong key with AuthenticationError', async () => {
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-wrong-key-123', maxRetries: 0 });
    await rejection(client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }), OpenAI.AuthenticationError);
  });

  it('answers an unknown embedding model with 404 model_not_found', async () => {
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-good', maxRetries: 0 });
    const err = await rejection(client.embeddings.create({ model: 'text-embedding-9', input: 'x' }), OpenAI.NotFoundError);
    expect(err.code).toBe('model_not_found');
  });

  it('plans latency from the embedding profile and reports it', async () => {
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-good', maxRetries: 0 });
    const { response } = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' }).withResponse();
    // The profile's floor is 60 ms (speed 1 here).
    expect(Number(response.headers.get('openai-processing-ms'))).toBeGreaterThanOrEqual(60);
  });
});

describe('embedding jobs', () => {
  afterAll(() => destroyEmbeddingPool());

  const job = (texts: string[]): EmbeddingJob => ({
    inputs: { kind: 'text', texts },
    dimensions: 64,
    output: { kind: 'vectors' },
    maxInputTokens: 8192,
    maxRequestTokens: 300_000,
  });

  it('returns raw vectors and token counts, identical inline and from the pool', async () => {
    const inline = runEmbeddingJob(job(['alpha beta', 'gamma']));
    const pooled = await computeEmbeddings(job(['alpha beta', 'gamma']), 0, 1);
    expect(inline.kind).toBe('vectors');
    expect(pooled).toEqual(inline);
    if (pooled.kind !== 'vectors') throw new Error('expected vectors');
    expect(pooled.vectors).toHaveLength(128);
    expect(Array.from(pooled.tokens)).toEqual([countTokens('alpha beta'), countTokens('gamma')]);
  });

  it('stops at the first input over the token limit before computing vectors', () => {
    expect(runEmbeddingJob({ ...job(['short', 'a b c d e f']), maxInputTokens: 3 })).toEqual({ kind: 'input_too_long', index: 1, tokens: countTokens('a b c d e f') });
  });

  it('returns an OpenAI float body of the shortest decimals that read back as its base64 floats', () => {
    const base = { inputs: { kind: 'text', texts: ['x y'] }, dimensions: 8, maxInputTokens: 10, maxRequestTokens: 10 } as const;
    const f = runEmbeddingJob({ ...base, output: { kind: 'openai', encoding: 'float', modelJson: '"m"' } });
    const b = runEmbeddingJob({ ...base, output: { kind: 'openai', encoding: 'base64', modelJson: '"m"' } });
    if (f.kind !== 'openai' || b.kind !== 'openai') throw new Error('expected bodies');
    const raw = Buffer.from((JSON.parse(Buffer.from(b.body).toString()) as { data: { embedding: string }[] }).data[0]!.embedding, 'base64');
    const floats = Array.from({ length: 8 }, (_, i) => raw.readFloatLE(i * 4));
    expect(Buffer.from(f.body).toString()).toBe(
      `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[${floats.map(float32Json).join(',')}]}],"model":"m","usage":{"prompt_tokens":${f.promptTokens},"total_tokens":${f.promptTokens}}}`,
    );
    const parsed = (JSON.parse(Buffer.from(f.body).toString()) as CreateEmbeddingResponse).data[0]!.embedding;
    expect(parsed.map(Math.fround)).toEqual(floats);
  });
});

describe('embedding latency profiles', () => {
  const table = loadProfiles();

  it('maps OpenAI embedding models to the embedding profiles, the large model to its own', () => {
    expect(profileNameFor(table, 'text-embedding-3-large')).toBe('openai-embedding-large');
    expect(profileNameFor(table, 'text-embedding-3-small')).toBe('openai-embedding');
    expect(profileNameFor(table, 'text-embedding-ada-002')).toBe('openai-embedding');
    // Gemini's text-embedding-004 by a rule of its own, not OpenAI's `text-embedding-3` prefix:
    // embedding timing, as no Gemini embedding latency is published (test/audit19-gemini-embedding-timing.test.ts).
    expect(profileNameFor(table, 'text-embedding-004')).toBe('openai-embedding');
  });

  it('makes a larger batch take longer: per-token time on top of the base draw', () => {
    const p = table.profiles['openai-embedding']!;
    expect(p.prefillMsPerToken).toBeGreaterThan(0);
    expect(p.ttft.p50Ms).toBeLessThan(p.ttft.p95Ms);
  });
});
