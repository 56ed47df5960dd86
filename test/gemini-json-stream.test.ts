/**
 * `streamGenerateContent` without `alt=sse` streams one JSON array, element by element, as Gemini
 * does: each chunk goes out at its planned time, so a raw-HTTP client's time to the first chunk is
 * the `x-understudy-ttft-ms` it is told, as on the SSE form. The array used to be sent whole once
 * the last chunk was due, so its first byte came at the end of the answer.
 */
import { describe, expect, it } from 'vitest';
import { oneProfileFile, useSimulator } from './fixtures/sim.js';

interface Chunk {
  readonly candidates: { readonly index: number; readonly finishReason?: string; readonly content: { readonly parts?: { readonly text?: string }[] } }[];
  readonly usageMetadata: { readonly candidatesTokenCount?: number };
}

/** The body as the socket delivered it, read by read. */
async function reads(res: Response): Promise<string[]> {
  const out: string[] = [];
  const decoder = new TextDecoder();
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(decoder.decode(value, { stream: true }));
  }
}

describe('Gemini streamGenerateContent without alt=sse', () => {
  // One token an event, 15-16 ms apart: each chunk is its own write, well apart from the next.
  const sim = useSimulator({ speed: 1, profiles: oneProfileFile(20, 15) });

  async function stream(candidateCount: number): Promise<{ res: Response; pieces: string[] }> {
    const res = await fetch(`${sim().url}/v1beta/models/gemini-2.5-flash:streamGenerateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({
        contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
        generationConfig: { maxOutputTokens: 6, candidateCount, thinkingConfig: { thinkingBudget: 0 } },
      }),
    });
    return { res, pieces: await reads(res) };
  }

  it('sends the array chunk by chunk: the first read is the array\'s opening and its first chunks, not all of them', async () => {
    const { res, pieces } = await stream(1);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const chunks = JSON.parse(pieces.join('')) as Chunk[];
    // One token an event: a chunk per token.
    expect(chunks.length).toBe(chunks.at(-1)!.usageMetadata.candidatesTokenCount);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.at(-1)!.candidates[0]!.finishReason).toBeDefined();
    // Sent whole, the body came in one read; streamed, the first read is the array's opening and
    // whole chunks, fewer than all of them (a thread running late on a loaded machine may send
    // two due chunks in one write).
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces[0]!.startsWith('[')).toBe(true);
    const first = JSON.parse(`${pieces[0]!}]`) as Chunk[];
    expect(first.length).toBeGreaterThanOrEqual(1);
    expect(first.length).toBeLessThan(chunks.length);
    expect(first).toEqual(chunks.slice(0, first.length));
    expect(pieces.at(-1)!.endsWith(']')).toBe(true);
  });

  it('interleaves candidates into one valid array, in the order the SSE form sends them', async () => {
    const { pieces } = await stream(2);
    const chunks = JSON.parse(pieces.join('')) as Chunk[];
    expect(new Set(chunks.map((c) => c.candidates[0]!.index))).toEqual(new Set([0, 1]));
    expect(chunks[0]!.candidates[0]!.index).toBe(0);
    expect(pieces.length).toBeGreaterThan(1);
  });
});
