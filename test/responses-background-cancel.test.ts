/**
 * Cancelling a background response while a stream of it is open (`POST /v1/responses/{id}/cancel`),
 * through the official `openai` SDK against the real server. OpenAI ends an open stream with a
 * `response.failed` event whose response is `cancelled` (no output, no usage); a retrieve finds it
 * cancelled; a second cancel answers the same object; a cancel of a finished response is a 400.
 */
import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { describe, expect, it } from 'vitest';
import { oneProfileFile, rejection, useSimulator } from './fixtures/sim.js';

const PARAMS = { model: 'gpt-4o', input: 'Write a long report on how parcels are routed between depots.', max_output_tokens: 400 } as const;

const clientFor = (url: string, headers: Record<string, string> = {}): OpenAI => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-test', maxRetries: 0, defaultHeaders: headers });

async function collect(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** Reads `stream` until `deltas` text deltas have arrived, then runs `then` and reads the rest. */
async function cancelAfter(stream: AsyncIterable<ResponseStreamEvent>, deltas: number, then: (id: string) => Promise<unknown>): Promise<{ before: ResponseStreamEvent[]; after: ResponseStreamEvent[] }> {
  const before: ResponseStreamEvent[] = [];
  const after: ResponseStreamEvent[] = [];
  let seen = 0;
  let cancelled = false;
  for await (const event of stream) {
    (cancelled ? after : before).push(event);
    if (event.type === 'response.output_text.delta') seen++;
    if (!cancelled && seen === deltas) {
      const created = before.find((e) => e.type === 'response.created');
      await then(created !== undefined && created.type === 'response.created' ? created.response.id : '');
      cancelled = true;
    }
  }
  return { before, after };
}

/** The stream ended as OpenAI ends a cancelled one: a last `response.failed`, its response cancelled and empty. */
function expectCancelledEnd(events: readonly ResponseStreamEvent[], id: string): void {
  const last = events.at(-1)!;
  expect(last.type).toBe('response.failed');
  if (last.type === 'response.failed') expect(last.response).toMatchObject({ id, status: 'cancelled', output: [], usage: null });
  expect(events.some((e) => e.type === 'response.completed')).toBe(false);
  const numbers = events.map((e) => e.sequence_number);
  expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
}

// Tokens 20 ms apart: a 400-token answer runs for seconds, so the cancel lands mid-stream.
const PROFILES = oneProfileFile(10, 20);

describe('cancelling a background response with its stream open', () => {
  const sim = useSimulator({ speed: 1, seed: 3, profiles: PROFILES });

  it('ends the create stream with response.failed (cancelled); retrieve and a second cancel find it cancelled', async () => {
    const client = clientFor(sim().url);
    let answered: OpenAI.Responses.Response | undefined;
    const { before, after } = await cancelAfter(await client.responses.create({ ...PARAMS, background: true, stream: true }), 3, async (id) => {
      answered = await client.responses.cancel(id);
    });
    const id = answered!.id;
    expect(answered).toMatchObject({ status: 'cancelled', output: [], background: true });
    // The deltas sent while the cancel was on its way (20 ms apart), then the end: not the rest of the answer.
    expect(after.filter((e) => e.type === 'response.output_text.delta').length).toBeLessThan(15);
    expectCancelledEnd([...before, ...after], id);
    expect((await client.responses.retrieve(id)).status).toBe('cancelled');
    const again = await client.responses.cancel(id);
    expect(again).toMatchObject({ id, status: 'cancelled', output: [] });
    // Resumed after the cancel: the events sent before it, then the same end.
    const replay = await collect(await client.responses.retrieve(id, { stream: true }));
    // Its end as the open stream got it; the events before may differ by the one in flight at the cancel.
    const live = [...before, ...after].at(-1)!;
    const last = replay.at(-1)!;
    if (live.type === 'response.failed' && last.type === 'response.failed') expect(last.response).toEqual(live.response);
    expectCancelledEnd(replay, id);
  });

  it('ends a resumed stream (GET ?stream=true) open at the cancel the same way', async () => {
    const client = clientFor(sim().url);
    const queued = await client.responses.create({ ...PARAMS, background: true });
    const { before, after } = await cancelAfter(await client.responses.retrieve(queued.id, { stream: true, starting_after: 1 }), 2, (id) => client.responses.cancel(id === '' ? queued.id : id));
    expect(before[0]!.sequence_number).toBe(2);
    expectCancelledEnd([...before, ...after], queued.id);
  });
});

describe('cancelling a background response that has ended', () => {
  // At speed 0 a response has finished by the time the create answers.
  const sim = useSimulator({ seed: 3 });

  it('is refused once it has finished, as it is for a response not created in background', async () => {
    const client = clientFor(sim().url);
    const events = await collect(await client.responses.create({ model: 'gpt-4o', input: 'Hi', background: true, stream: true }));
    expect(events.at(-1)!.type).toBe('response.completed');
    const id = events[0]!.type === 'response.created' ? events[0].response.id : '';
    const refused = await rejection(client.responses.cancel(id), OpenAI.BadRequestError);
    expect(refused.error).toMatchObject({ message: 'Cannot cancel a completed response.', type: 'invalid_request_error' });
    expect((await client.responses.retrieve(id)).status).toBe('completed');
    // Cut short by max_output_tokens, it has ended too.
    const cut = await client.responses.create({ model: 'gpt-4o', input: 'Write a long report.', max_output_tokens: 16, background: true });
    expect((await client.responses.retrieve(cut.id)).status).toBe('incomplete');
    await expect(client.responses.cancel(cut.id)).rejects.toMatchObject({ status: 400, error: { type: 'invalid_request_error' } });
    const plain = await client.responses.create({ model: 'gpt-4o', input: 'Hi' });
    await expect(client.responses.cancel(plain.id)).rejects.toMatchObject({ status: 400 });
  });
});

describe('cancelling with two server threads', () => {
  const sim = useSimulator({ speed: 1, seed: 4, threads: 2, profiles: PROFILES });
  /** Streams opened: all on the owning thread by chance once in 2^7 runs. */
  const SPREAD = 8;
  // `connection: close`: a new connection per request, which the kernel spreads over the threads.
  const client = (): OpenAI => clientFor(sim().url, { connection: 'close' });

  it('ends every open stream of the response, whichever thread streams it and whichever takes the cancel', async () => {
    const queued = await client().responses.create({ ...PARAMS, background: true });
    const streams = await Promise.all(Array.from({ length: SPREAD }, () => client().responses.retrieve(queued.id, { stream: true })));
    const reading = streams.map((s) => collect(s));
    // Once every stream has its first events, the answer is still being written.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await client().responses.cancel(queued.id)).toMatchObject({ status: 'cancelled' });
    for (const events of await Promise.all(reading)) expectCancelledEnd(events, queued.id);
    expect((await client().responses.retrieve(queued.id)).status).toBe('cancelled');
  });
});
