/**
 * Micro cases for an embeddings response body: 8 vectors of 1,536 floats (text-embedding-3-small,
 * passages of about 600 characters, as a retrieval pipeline sends) encoded as OpenAI's
 * `encoding_format: "float"` body and as Gemini's batchEmbedContents body, against
 * `JSON.stringify` of the same 12,288 numbers as a plain array. The note gives each body's size.
 */
import { embedText } from '../src/corpus/embedding.js';
import { geminiEmbeddingsBody } from '../src/server/gemini/embed-encode.js';
import { embeddingsBody } from '../src/server/openai/embeddings-encode.js';
import { SeededRandom } from '../src/timing/random.js';
import { sink, type Body, type Pair } from './micro-harness.js';

const COUNT = 8;
const DIMS = 1536;
const MODEL_JSON = '"text-embedding-3-small"';

const WORDS = ['the', 'request', 'latency', 'token', 'stream', 'model', 'answer', 'customer', 'refund', 'policy', 'weather', 'Paris', 'invoice', 'schema', 'JSON', 'function', 'retrieval', 'context', 'summarize', 'translate', 'café', 'naïve', '東京', 'déjà', '2026-12-06', '42', '3.14', 'shipping', 'warranty', 'account', 'password', 'billing', 'order', 'delivery', 'return', 'support'];

function passages(seed: number): string[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: COUNT }, (_, i) => {
    let s = `Passage ${i}: `;
    while (s.length < 600) s += WORDS[rng.int(WORDS.length)]! + (rng.int(8) === 0 ? '. ' : ' ');
    return s;
  });
}

export function embeddingPairs(seed: number): Pair[] {
  const vectors = new Float32Array(COUNT * DIMS);
  passages(seed).forEach((text, i) => embedText(text, vectors.subarray(i * DIMS, (i + 1) * DIMS)));
  const numbers = Array.from(vectors);
  const stringify: Body = (ops) => {
    for (let i = 0; i < ops; i++) sink.value += JSON.stringify(numbers).length;
    return ops;
  };
  const plainBytes = JSON.stringify(numbers).length;
  const bodyCase = (name: string, build: () => Buffer): Pair => ({
    name,
    baseline: 'JSON.stringify of the same 12,288 numbers',
    note: `${build().length.toLocaleString('en-US')} B per body; the plain array ${plainBytes.toLocaleString('en-US')} B`,
    ops: 2000,
    minOps: 200,
    run: (ops) => {
      for (let i = 0; i < ops; i++) sink.value += build().length;
      return ops;
    },
    base: stringify,
  });
  return [
    bodyCase('embeddings: float body of 8 vectors of 1,536 dims (OpenAI encoding_format float)', () => embeddingsBody(vectors, COUNT, DIMS, 'float', MODEL_JSON, 1200)),
    bodyCase('embeddings: Gemini batchEmbedContents body of 8 vectors of 1,536 dims', () => geminiEmbeddingsBody(vectors, COUNT, DIMS, 'batch')),
  ];
}
