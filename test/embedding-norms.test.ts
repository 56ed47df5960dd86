/**
 * The norms of embeddings against what the providers document, through the official SDKs and the
 * real server. Google: gemini-embedding-001's full 3,072-dimension output is normalized, a smaller
 * `outputDimensionality` is not ("you need to normalize the embeddings" yourself), the norm a
 * Matryoshka prefix of a unit vector has. OpenAI: text-embedding-3 with `dimensions` still returns
 * unit vectors (only a vector cut by hand needs normalizing), and base64 is little-endian float32.
 */
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { embedPrefix } from '../src/corpus/embedding.js';
import { postJson, useSimulator } from './fixtures/sim.js';

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

const TEXT = 'The quarterly report shows revenue growth in the cloud segment.';

describe('embedPrefix', () => {
  const full = (text: string): Float32Array => embedPrefix(text, 3072, new Float32Array(3072));

  it('gives the full length unit length, and each shorter length its first values', () => {
    for (const text of ['', 'a', 'hello world', TEXT]) {
      const f = full(text);
      expect(norm(f)).toBeCloseTo(1, 5);
      for (const dims of [1, 8, 128, 768, 1536, 3071]) expect(embedPrefix(text, 3072, new Float32Array(dims))).toEqual(f.subarray(0, dims));
    }
  });

  it('leaves no short prefix all zeros, even of a one-letter text', () => {
    for (const text of ['a', 'x', '', 'ok']) {
      for (const dims of [1, 8, 128]) expect(norm(embedPrefix(text, 3072, new Float32Array(dims)))).toBeGreaterThan(0);
    }
  });

  it('keeps texts that share words closer than unrelated ones', () => {
    const cos = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
    const cat = full('the cat sat on the mat');
    expect(cos(cat, full('a cat was sitting on the mat'))).toBeGreaterThan(cos(cat, full('quarterly revenue grew in the semiconductor segment')) + 0.2);
  });
});

describe('gemini-embedding-001 norms', () => {
  const sim = useSimulator();
  let ai: GoogleGenAI;
  beforeAll(() => {
    ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: sim().url } });
  });

  const embed = async (text: string, outputDimensionality?: number): Promise<number[]> => {
    const r = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: text, ...(outputDimensionality ? { config: { outputDimensionality } } : {}) });
    return r.embeddings![0]!.values!;
  };

  it('gives the full 3,072 dimensions unit length, asked for or by default', async () => {
    expect(norm(await embed(TEXT))).toBeCloseTo(1, 4);
    const full = await embed(TEXT, 3072);
    expect(full).toHaveLength(3072);
    expect(norm(full)).toBeCloseTo(1, 4);
  });

  it.each([128, 768, 1536, 3071])('gives a %i-dimension output as the full vector\'s first values, not normalized', async (dims) => {
    const v = await embed(TEXT, dims);
    expect(v).toHaveLength(dims);
    // "excessive values in the output embedding are truncated from the end"
    expect(v).toEqual((await embed(TEXT)).slice(0, dims));
    const n = norm(v);
    expect(n).toBeLessThan(1);
    // A prefix of an evenly spread unit vector keeps about sqrt(dims / 3072) of its length; each
    // text's features fall where they fall, so its own prefix keeps more or less.
    expect(n).toBeGreaterThan(Math.sqrt(dims / 3072) * 0.5);
    expect(n).toBeLessThan(Math.sqrt(dims / 3072) * 1.5);
  });

  it('gives the same truncated vector every time, and differing norms for differing texts', async () => {
    const a = await embed(TEXT, 768);
    expect(await embed(TEXT, 768)).toEqual(a);
    const norms = await Promise.all(['alpha', 'beta gamma', 'delta epsilon zeta', 'the cat sat on the mat'].map(async (t) => norm(await embed(t, 768))));
    expect(new Set(norms.map((n) => n.toFixed(6))).size).toBeGreaterThan(1);
    for (const n of norms) expect(n).toBeLessThan(1);
  });

  it('batchEmbedContents: truncated items below unit length, full ones unit, each as when sent alone', async () => {
    const res = await postJson(sim().url, '/v1beta/models/gemini-embedding-001:batchEmbedContents', {
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: TEXT }] }, outputDimensionality: 768 },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: TEXT }] } },
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { embeddings: { values: number[] }[] };
    expect(norm(body.embeddings[0]!.values)).toBeLessThan(0.9);
    expect(norm(body.embeddings[1]!.values)).toBeCloseTo(1, 4);
    expect(body.embeddings[0]!.values).toEqual(await embed(TEXT, 768));

    const same = await postJson(sim().url, '/v1beta/models/gemini-embedding-001:batchEmbedContents', {
      requests: ['one', 'two'].map((text) => ({ model: 'models/gemini-embedding-001', content: { parts: [{ text }] }, outputDimensionality: 1536 })),
    });
    const sameBody = (await same.json()) as { embeddings: { values: number[] }[] };
    for (const e of sameBody.embeddings) expect(norm(e.values)).toBeLessThan(0.9);
  });

  it('normalizing a truncated vector, as Google tells callers to, gives unit length', async () => {
    const v = await embed(TEXT, 768);
    const n = norm(v);
    expect(norm(v.map((x) => x / n))).toBeCloseTo(1, 6);
  });
});

describe('OpenAI text-embedding-3 norms', () => {
  const sim = useSimulator();
  let client: OpenAI;
  beforeAll(() => {
    client = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  });

  it.each([
    ['text-embedding-3-small', 256],
    ['text-embedding-3-small', 1536],
    ['text-embedding-3-large', 1024],
    ['text-embedding-3-large', 3072],
  ])('%s with dimensions %i is still unit length, in floats and through the SDK\'s base64', async (model, dimensions) => {
    const floats = await client.embeddings.create({ model, input: TEXT, dimensions, encoding_format: 'float' });
    expect(floats.data[0]!.embedding).toHaveLength(dimensions);
    expect(norm(floats.data[0]!.embedding)).toBeCloseTo(1, 5);
    // The SDK asks for base64 when not told, and decodes it.
    const decoded = await client.embeddings.create({ model, input: TEXT, dimensions });
    // The floats are the shortest decimals that read back as the float32s the base64 carries.
    expect(decoded.data[0]!.embedding).toEqual(floats.data[0]!.embedding.map(Math.fround));
  });

  it('sends base64 as little-endian float32', async () => {
    const res = await fetch(`${sim().url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
      body: JSON.stringify({ model: 'text-embedding-3-small', input: TEXT, dimensions: 64, encoding_format: 'base64' }),
    });
    const b64 = ((await res.json()) as { data: { embedding: string }[] }).data[0]!.embedding;
    const bytes = Buffer.from(b64, 'base64');
    expect(bytes.length).toBe(64 * 4);
    const values = Array.from({ length: 64 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(norm(values)).toBeCloseTo(1, 5);
    const floats = await client.embeddings.create({ model: 'text-embedding-3-small', input: TEXT, dimensions: 64, encoding_format: 'float' });
    expect(values).toEqual(floats.data[0]!.embedding.map(Math.fround));
  });
});
