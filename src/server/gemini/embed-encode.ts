/**
 * The Gemini embeddings body, built whole from a batch's vectors: `{"embedding":{"values":[…]}}`
 * for embedContent, `{"embeddings":[{"values":[…]},…]}` for batchEmbedContents. Each number is the
 * shortest decimal that parses back to the float32. Pure and synchronous: large batches run it in
 * the embedding pool, small ones inline, with the same bytes.
 */

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

/**
 * `count` vectors of `dims` floats laid end to end in `vectors`. The body is unpooled memory, so
 * it owns its ArrayBuffer and can be transferred from a pool worker.
 */
export function geminiEmbeddingsBody(vectors: Float32Array, count: number, dims: number, shape: GeminiBodyShape): Buffer {
  const [open, close] = WRAP[shape];
  const pieces: string[] = [open];
  for (let i = 0; i < count; i++) pieces.push((i > 0 ? ',' : '') + valuesObject(vectors.subarray(i * dims, (i + 1) * dims)));
  pieces.push(close);
  // Every piece is ASCII, so string lengths are byte counts.
  let bytes = 0;
  for (const piece of pieces) bytes += piece.length;
  const body = Buffer.allocUnsafeSlow(bytes);
  let at = 0;
  for (const piece of pieces) at += body.write(piece, at, 'latin1');
  return body;
}

/** `{"values":[…]}` for one vector. */
function valuesObject(vector: Float32Array): string {
  return `{"values":${JSON.stringify(Array.from(vector))}}`;
}
