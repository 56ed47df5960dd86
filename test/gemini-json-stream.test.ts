/**
 * `streamGenerateContent` without `alt=sse` streams one JSON array, element by element, as Gemini
 * does: each chunk goes out at its planned time, so a raw-HTTP client's time to the first chunk is
 * the `x-understudy-ttft-ms` it is told, as on the SSE form. The array used to be sent whole once
 * the last chunk was due, so its first byte came at the end of the answer.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { entry, TINY_ENTRIES, writeTempCorpus } from './fixtures/corpus.js';
import { oneProfileFile, useSimulator } from './fixtures/sim.js';

interface Chunk {
  readonly candidates: { readonly index: number; readonly finishReason?: string; readonly content: { readonly parts?: { readonly text?: string }[] } }[];
  readonly usageMetadata: { readonly candidatesTokenCount?: number };
}

/** The body as the socket delivered it, read by read. */
async function reads(res: Response): Promise<string[]> {
  const { pieces, cut } = await readsUntilCut(res);
  if (cut) throw new Error(`the body was cut after ${JSON.stringify(pieces.join(''))}`);
  return pieces;
}

/** The body read by read, and whether the connection broke before its end. */
async function readsUntilCut(res: Response): Promise<{ pieces: string[]; cut: boolean }> {
  const pieces: string[] = [];
  const decoder = new TextDecoder();
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    try {
      const { done, value } = await reader.read();
      if (done) return { pieces, cut: false };
      pieces.push(decoder.decode(value, { stream: true }));
    } catch {
      return { pieces, cut: true };
    }
  }
}

const SEPARATOR = ',\r\n';

/** The complete chunks before the body's last element (the fault's). */
function chunksBefore(text: string): Chunk[] {
  const last = text.lastIndexOf(SEPARATOR);
  return last < 0 ? [] : (JSON.parse(`${text.slice(0, last)}]`) as Chunk[]);
}

describe('Gemini streamGenerateContent without alt=sse', () => {
  // One token an event, 15-16 ms apart: each chunk is its own write, well apart from the next.
  const sim = useSimulator({ speed: 1, profiles: oneProfileFile(20, 15) });

  async function stream(candidateCount: number): Promise<{ res: Response; pieces: string[] }> {
    const res = await request(candidateCount, 6, {});
    return { res, pieces: await reads(res) };
  }

  function request(candidateCount: number, maxOutputTokens: number, headers: Record<string, string>): Promise<Response> {
    return fetch(`${sim().url}/v1beta/models/gemini-2.5-flash:streamGenerateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k', ...headers },
      body: JSON.stringify({
        contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
        generationConfig: { maxOutputTokens, candidateCount, thinkingConfig: { thinkingBudget: 0 } },
      }),
    });
  }

  /** A stream that a fault strikes after 5 tokens (the header's), one token an element. */
  async function faulted(kind: string, candidateCount = 1): Promise<{ res: Response; pieces: string[]; cut: boolean; text: string }> {
    const res = await request(candidateCount, 12, { 'x-understudy-fault': kind, 'x-understudy-entry': 'gemini-2.5-flash-text-002' });
    const { pieces, cut } = await readsUntilCut(res);
    return { res, pieces, cut, text: pieces.join('') };
  }

  // A stream fault used to send the array whole once the answer had finished, then cut it: each
  // of these read the whole body in one piece, and no element was the fault's.
  it('ends a stream_overloaded array with Gemini\'s error object as its last element, streamed up to it', async () => {
    const { res, pieces, cut, text } = await faulted('stream_overloaded');
    expect(res.status).toBe(200);
    expect(cut).toBe(false);
    expect(pieces.length).toBeGreaterThan(1);
    const elements = JSON.parse(text) as unknown[];
    expect(elements.at(-1)).toEqual({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });
    const chunks = elements.slice(0, -1) as Chunk[];
    expect(chunks.length).toBe(5);
    expect(chunks.at(-1)!.usageMetadata.candidatesTokenCount).toBe(5);
    expect(chunks.every((c) => c.candidates[0]!.finishReason === undefined)).toBe(true);
  });

  it('ends a malformed_frame array with an element that is not JSON', async () => {
    const { pieces, cut, text } = await faulted('malformed_frame');
    expect(cut).toBe(false);
    expect(pieces.length).toBeGreaterThan(1);
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
    expect(chunksBefore(text)).toHaveLength(5);
    expect(text.slice(text.lastIndexOf(SEPARATOR) + SEPARATOR.length)).toMatch(/^\{"candidates":\[\{"content":.*unterminated\s*\]$/);
  });

  it('cuts a truncated_json array inside its next element, and a disconnect_after_tokens one after its fifth', async () => {
    const half = await faulted('truncated_json');
    expect(half.cut).toBe(true);
    expect(half.pieces.length).toBeGreaterThan(1);
    expect(chunksBefore(half.text)).toHaveLength(5);
    expect(half.text.endsWith(`${SEPARATOR}{"candidates":[{"conte`)).toBe(true);

    const dropped = await faulted('disconnect_after_tokens');
    expect(dropped.cut).toBe(true);
    expect(dropped.pieces.length).toBeGreaterThan(1);
    expect(JSON.parse(`${dropped.text}]`)).toHaveLength(5);
  });

  it('leaves a missing_done array open: every token, no finishReason, no closing bracket', async () => {
    const whole = JSON.parse((await reads(await request(1, 12, { 'x-understudy-entry': 'gemini-2.5-flash-text-002' }))).join('')) as Chunk[];
    const { cut, text } = await faulted('missing_done');
    expect(cut).toBe(false);
    expect(text.trimEnd().endsWith(']')).toBe(false);
    const chunks = JSON.parse(`${text}]`) as Chunk[];
    expect(chunks.every((c) => c.candidates[0]!.finishReason === undefined)).toBe(true);
    const textOf = (cs: Chunk[]): string => cs.map((c) => c.candidates[0]!.content.parts?.map((p) => p.text ?? '').join('') ?? '').join('');
    expect(textOf(chunks)).toBe(textOf(whole));
  });

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

describe('a fault in a JSON-array stream whose first element comes late', () => {
  // A recorded Gemini function call has no text before it (the default corpus's all do), so its
  // one element goes out with the call's last token.
  const corpus = writeTempCorpus([...TINY_ENTRIES, entry('g1', 'gemini-2.5-flash', 'tool_call', '', [{ name: 'get_weather', arguments: '{"city":"Paris"}' }])]);
  const recorded = useSimulator({ speed: 1, profiles: oneProfileFile(20, 15), corpus });

  it('opens the array before a fault that strikes ahead of every element: a function call goes out whole with its last token', async () => {
    const res = await fetch(`${recorded().url}/v1beta/models/gemini-2.5-flash:streamGenerateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k', 'x-understudy-fault': 'stream_overloaded' },
      body: JSON.stringify({
        contents: [{ role: 'user', parts: [{ text: 'Weather in Paris?' }] }],
        tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city', 'unit'] } }] }],
        toolConfig: { functionCallingConfig: { mode: 'ANY' } },
        generationConfig: { thinkingConfig: { thinkingBudget: 0 } },
      }),
    });
    const text = (await reads(res)).join('');
    // The call's tokens pass the fault's 5 before its element is due: the error is the only element.
    expect(JSON.parse(text)).toEqual([{ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } }]);
  });


  /** The request by hand, and each read of the socket, until it closes. */
  async function rawReads(query: string, fault: string): Promise<string[]> {
    const body = JSON.stringify({
      contents: [{ role: 'user', parts: [{ text: 'Weather in Paris?' }] }],
      tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
      generationConfig: { thinkingConfig: { thinkingBudget: 0 } },
    });
    const socket = connect(Number(new URL(recorded().url).port), '127.0.0.1');
    const pieces: string[] = [];
    socket.on('data', (d: Buffer) => pieces.push(d.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(
      `POST /v1beta/models/gemini-2.5-flash:streamGenerateContent${query} HTTP/1.1\r\nHost: x\r\nx-goog-api-key: k\r\n${fault === '' ? '' : `x-understudy-fault: ${fault}\r\n`}` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    await closed;
    return pieces;
  }

  it('sends the status and headers with the call\'s element, not before it with their block unfinished', async () => {
    for (const query of ['', '?alt=sse']) {
      const pieces = await rawReads(query, '');
      // The first read holds the whole header block and the body's first bytes: the headers used
      // to go out at the first (empty) event, their block ended only when the call went out.
      const head = pieces[0]!.indexOf('\r\n\r\n');
      expect(head, `${query}: ${JSON.stringify(pieces[0])}`).toBeGreaterThan(0);
      expect(pieces[0]!.slice(head + 4)).toMatch(query === '' ? /^[0-9a-f]+\r\n\[\{"candidates"/ : /^[0-9a-f]+\r\ndata: \{"candidates"/);
    }
  });

  it('breaks the body of a 200, not its header block, when the connection drops before the call\'s element', async () => {
    for (const query of ['', '?alt=sse']) {
      const text = (await rawReads(query, 'disconnect_after_tokens')).join('');
      // A header block cut off reads as a connection that failed before any response (clients
      // retry those); a 200 whose body breaks is the fault.
      expect(text, query).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\nTransfer-Encoding: chunked\r\n\r\n/i);
      expect(text.endsWith('0\r\n\r\n')).toBe(false);
    }
  });
});
