/**
 * The Gemini embeddings body, built whole from a batch's vectors: `{"embedding":{"values":[…]}}`
 * for embedContent, `{"embeddings":[{"values":[…]},…]}` for batchEmbedContents. Each number is the
 * shortest decimal that parses back to the float32 (`../float32-json.ts`), as protobuf's JSON
 * mapping prints a `float`. Pure and synchronous: large batches run it in the embedding pool, small
 * ones inline, with the same bytes.
 */
import { FLOAT32_JSON_TYPICAL_BYTES, Float32JsonBody } from '../float32-json.js';

/**
 * What a body holds: embedContent's one `embedding`, batchEmbedContents' `embeddings` list, or only
 * the list's items, comma-separated, for a batch whose items are made by several jobs (requests
 * that ask for different lengths) and listed by the server thread.
 */
export type GeminiBodyShape = 'single' | 'batch' | 'items';

const WRAP: Readonly<Record<GeminiBodyShape, readonly [string, string]>> = {
  single: ['{"embedding":', '}'],
  batch: ['{"embeddings":[', ']}'],
  items: ['', ''],
};

const VALUES_OPEN = '{"values":';

/**
 * `count` vectors of `dims` floats laid end to end in `vectors`. The body is unpooled memory, so
 * it owns its ArrayBuffer and can be transferred from a pool worker.
 */
export function geminiEmbeddingsBody(vectors: Float32Array, count: number, dims: number, shape: GeminiBodyShape): Buffer {
  const [open, close] = WRAP[shape];
  const body = new Float32JsonBody(open.length + close.length + count * (VALUES_OPEN.length + 2 + dims * FLOAT32_JSON_TYPICAL_BYTES));
  body.ascii(open);
  for (let i = 0; i < count; i++) {
    body.ascii(i > 0 ? `,${VALUES_OPEN}` : VALUES_OPEN);
    body.float32Array(vectors.subarray(i * dims, (i + 1) * dims));
    body.ascii('}');
  }
  body.ascii(close);
  return body.finish();
}
