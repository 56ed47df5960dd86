/**
 * The OpenAI embeddings body, built whole from a batch's vectors: `{"object":"list","data":[…],
 * "model","usage"}`. `base64` is each vector's raw little-endian float32 bytes (what openai-node
 * decodes, and what it asks for by default); `float` is a JSON array of each float32 as the shortest
 * decimal that parses back to it (`../float32-json.ts`), as OpenAI's are. Pure and synchronous:
 * large batches run it in the embedding pool.
 */
import { endianness } from 'node:os';
import { FLOAT32_JSON_TYPICAL_BYTES, Float32JsonBody } from '../float32-json.js';

export type EmbeddingEncoding = 'float' | 'base64';

const LITTLE_ENDIAN = endianness() === 'LE';

/** Base64 of one vector's float32 bytes in little-endian order, whatever the host's order. */
function base64Of(vectors: Float32Array, start: number, dims: number): string {
  if (LITTLE_ENDIAN) return Buffer.from(vectors.buffer, vectors.byteOffset + start * 4, dims * 4).toString('base64');
  const le = Buffer.allocUnsafe(dims * 4);
  for (let i = 0; i < dims; i++) le.writeFloatLE(vectors[start + i]!, i * 4);
  return le.toString('base64');
}

const HEAD = '{"object":"list","data":[';
const ITEM_OPEN = '{"object":"embedding","index":';
const ITEM_VALUE = ',"embedding":';

function tailOf(modelJson: string, promptTokens: number): string {
  return `],"model":${modelJson},"usage":{"prompt_tokens":${promptTokens},"total_tokens":${promptTokens}}}`;
}

/**
 * The response body for `count` vectors of `dims` floats laid end to end in `vectors`.
 * `modelJson` is the model id already JSON-encoded (quotes included). The body is unpooled
 * memory, so it owns its ArrayBuffer and can be transferred from a pool worker.
 */
export function embeddingsBody(vectors: Float32Array, count: number, dims: number, encoding: EmbeddingEncoding, modelJson: string, promptTokens: number): Buffer {
  return encoding === 'base64' ? base64Body(vectors, count, dims, tailOf(modelJson, promptTokens)) : floatBody(vectors, count, dims, tailOf(modelJson, promptTokens));
}

/**
 * Sized exactly up front and written as each vector is encoded: holding 2,048 large base64
 * strings until a join costs ten times the encoding itself.
 */
function base64Body(vectors: Float32Array, count: number, dims: number, tail: string): Buffer {
  const encodedBytes = 4 * Math.ceil((dims * 4) / 3);
  let size = HEAD.length + Buffer.byteLength(tail, 'utf8');
  for (let i = 0; i < count; i++) size += (i > 0 ? 1 : 0) + ITEM_OPEN.length + String(i).length + ITEM_VALUE.length + encodedBytes + 3;
  const body = Buffer.allocUnsafeSlow(size);
  let at = body.write(HEAD, 0, 'latin1');
  for (let i = 0; i < count; i++) {
    at += body.write(`${i > 0 ? ',' : ''}${ITEM_OPEN}${i}${ITEM_VALUE}"`, at, 'latin1');
    at += body.write(base64Of(vectors, i * dims, dims), at, 'latin1');
    at += body.write('"}', at, 'latin1');
  }
  body.write(tail, at, 'utf8');
  return body;
}

function floatBody(vectors: Float32Array, count: number, dims: number, tail: string): Buffer {
  const body = new Float32JsonBody(HEAD.length + tail.length + count * (ITEM_OPEN.length + ITEM_VALUE.length + 8 + dims * FLOAT32_JSON_TYPICAL_BYTES));
  body.ascii(HEAD);
  for (let i = 0; i < count; i++) {
    body.ascii(`${i > 0 ? ',' : ''}${ITEM_OPEN}${i}${ITEM_VALUE}`);
    body.float32Array(vectors.subarray(i * dims, (i + 1) * dims));
    body.ascii('}');
  }
  body.utf8(tail);
  return body.finish();
}
