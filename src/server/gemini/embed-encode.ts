/**
 * The Gemini embeddings body, built whole from a batch's vectors: `{"embedding":{"values":[…]}}`
 * for embedContent, `{"embeddings":[{"values":[…]},…]}` for batchEmbedContents. Each number is the
 * shortest decimal that parses back to the float32. Pure and synchronous: large batches run it in
 * the embedding pool, small ones inline, with the same bytes.
 */

/**
 * `count` vectors of `dims` floats laid end to end in `vectors`. The body is unpooled memory, so
 * it owns its ArrayBuffer and can be transferred from a pool worker.
 */
export function geminiEmbeddingsBody(vectors: Float32Array, count: number, dims: number, batch: boolean): Buffer {
  const pieces: string[] = [batch ? '{"embeddings":[' : '{"embedding":'];
  for (let i = 0; i < count; i++) pieces.push((i > 0 ? ',' : '') + valuesObject(vectors.subarray(i * dims, (i + 1) * dims)));
  pieces.push(batch ? ']}' : '}');
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
