/**
 * Resuming a background response's stream (`GET /v1/responses/{id}?stream=true&starting_after=n`)
 * through the official `openai` SDK against the real server: a stream cut part-way and resumed
 * gives the events of an uninterrupted one, frame for frame, on the owning thread or another.
 */
import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { describe, expect, it } from 'vitest';
import type { HistogramName, HistogramSummary } from '../src/metrics/histograms.js';
import { oneProfileFile, rejection, useSimulator } from './fixtures/sim.js';

const MODEL = 'gpt-4o';
const PARAMS = { model: MODEL, input: 'Explain how a parcel is routed between depots.', max_output_tokens: 120 } as const;

const clientFor = (url: string, headers: Record<string, string> = {}): OpenAI => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-test', maxRetries: 0, defaultHeaders: headers });

async function collect(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** An event with the response's times left out: two servers started a second apart may stamp different ones. */
function timeless(event: ResponseStreamEvent): unknown {
  if (!('response' in event)) return event;
  const { created_at: _created, completed_at: _completed, ...response } = event.response;
  return { ...event, response };
}

/** The text the deltas of `events` carry. */
const deltaText = (events: readonly ResponseStreamEvent[]): string => events.map((e) => (e.type === 'response.output_text.delta' ? e.delta : '')).join('');

/**
 * One profile for every model: tokens 3 ms apart, so a stream cut early is still being generated
 * when it is resumed, and 1 to 3 tokens an event, so a cut can fall inside an event.
 */
const PROFILES = oneProfileFile(10, 3, { min: 1, max: 3 });

describe('resuming a background stream, paced', () => {
  const options = { speed: 1, seed: 5, profiles: PROFILES };
  const sim = useSimulator(options);
  // The same seed and the same first request: the uninterrupted reference.
  const reference = useSimulator(options);
  let whole: ResponseStreamEvent[] = [];
  let resumedId = '';

  it('gives the events of an uninterrupted stream: those before the cut, then the rest from starting_after', async () => {
    const client = clientFor(sim().url);
    const cut = await client.responses.create({ ...PARAMS, background: true, stream: true });
    const before: ResponseStreamEvent[] = [];
    for await (const event of cut) {
      before.push(event);
      if (event.type === 'response.output_text.delta' && before.length >= 6) break;
    }
    cut.controller.abort();
    const id = before[0]!.type === 'response.created' ? before[0].response.id : '';
    const last = before.at(-1)!.sequence_number;
    const after = await collect(await client.responses.retrieve(id, { stream: true, starting_after: last }));
    expect(after[0]!.sequence_number).toBe(last + 1);
    expect(after.at(-1)!.type).toBe('response.completed');

    whole = await collect(await clientFor(reference().url).responses.create({ ...PARAMS, background: true, stream: true }));
    resumedId = id;
    const joined = [...before, ...after];
    expect(joined.map((e) => e.sequence_number)).toEqual(whole.map((_, i) => i));
    expect(joined.map(timeless)).toEqual(whole.map(timeless));
    expect(deltaText(joined).length).toBeGreaterThan(0);

    // Once it has finished, a resume replays what follows starting_after at once; past the last event, nothing.
    const replay = await collect(await client.responses.retrieve(id, { stream: true, starting_after: 3 }));
    expect(replay).toEqual(joined.slice(4));
    expect(await collect(await client.responses.retrieve(id, { stream: true, starting_after: last + after.length }))).toEqual([]);
    // Without starting_after: every event, from response.created.
    expect(await collect(await client.responses.retrieve(id, { stream: true }))).toEqual(joined);
  });

  it('resumes after every sequence number with the uninterrupted stream\'s events, a cut inside an event included', async () => {
    const client = clientFor(sim().url);
    expect(whole.length).toBeGreaterThan(10);
    // Some events carry more than one token: fewer deltas than output tokens.
    const completed = whole.at(-1)!;
    const deltas = whole.filter((e) => e.type === 'response.output_text.delta').length;
    expect(completed.type === 'response.completed' ? completed.response.usage!.output_tokens : 0).toBeGreaterThan(deltas);
    for (let n = 0; n < whole.length; n++) {
      const rest = await collect(await client.responses.retrieve(resumedId, { stream: true, starting_after: n }));
      expect(rest.map(timeless)).toEqual(whole.slice(n + 1).map(timeless));
    }
  });

  it('streams through responses.stream({ response_id }) to the final response a retrieve gives', async () => {
    const client = clientFor(sim().url);
    const queued = await client.responses.create({ ...PARAMS, background: true });
    expect(queued.status).toBe('queued');
    const stream = client.responses.stream({ response_id: queued.id, starting_after: 2 });
    const seen: number[] = [];
    stream.on('event', (e) => seen.push(e.sequence_number));
    const final = await stream.finalResponse();
    const stored = await client.responses.retrieve(queued.id);
    expect(final.id).toBe(queued.id);
    expect(final.output_text).toBe(stored.output_text);
    expect(final.output_text.length).toBeGreaterThan(0);
    expect(seen[0]).toBe(3);
  });

  it('streams a cancelled response up to its cancel, then ends it as OpenAI does; a retrieve finds it cancelled', async () => {
    const client = clientFor(sim().url);
    const slow = { headers: { 'x-understudy-ttft-ms': '60000' } };
    const queued = await client.responses.create({ ...PARAMS, background: true }, slow);
    await client.responses.cancel(queued.id);
    const events = await collect(await client.responses.retrieve(queued.id, { stream: true }));
    expect(events.map((e) => e.type)).toEqual(['response.created', 'response.in_progress', 'response.failed']);
    expect(events.map((e) => e.sequence_number)).toEqual([0, 1, 2]);
    const last = events[2]!;
    if (last.type === 'response.failed') expect(last.response).toMatchObject({ id: queued.id, status: 'cancelled', output: [] });
    // After its last event: nothing; after the one before, the end again.
    expect(await collect(await client.responses.retrieve(queued.id, { stream: true, starting_after: 2 }))).toEqual([]);
    expect(await collect(await client.responses.retrieve(queued.id, { stream: true, starting_after: 1 }))).toEqual([last]);
    expect((await client.responses.retrieve(queued.id)).status).toBe('cancelled');
  });
});

describe('streaming a stored response, at speed 0', () => {
  const sim = useSimulator({ seed: 5 });

  it('streams a background response created without stream, with the text and ids a retrieve gives', async () => {
    const client = clientFor(sim().url);
    const queued = await client.responses.create({ ...PARAMS, background: true });
    const events = await collect(await client.responses.retrieve(queued.id, { stream: true }));
    const done = await client.responses.retrieve(queued.id);
    expect(events[0]).toMatchObject({ type: 'response.created', sequence_number: 0, response: { id: queued.id } });
    const completed = events.at(-1)!;
    expect(completed.type).toBe('response.completed');
    if (completed.type === 'response.completed') expect(completed.response.output).toEqual(done.output);
    expect(deltaText(events)).toBe(done.output_text);
  });

  it('refuses a response not created in background, an unknown id, and a starting_after that is not a sequence number', async () => {
    const client = clientFor(sim().url);
    const plain = await client.responses.create(PARAMS);
    const notBackground = await rejection(client.responses.retrieve(plain.id, { stream: true }), OpenAI.BadRequestError);
    expect(notBackground).toMatchObject({ status: 400, param: 'stream', error: { message: 'This response cannot be streamed because it was not created with background=true.' } });
    await rejection(client.responses.retrieve('resp_unknown', { stream: true }), OpenAI.NotFoundError);
    const queued = await client.responses.create({ ...PARAMS, background: true });
    // @ts-expect-error: starting_after is a number; a client may still send anything.
    const notInteger = await rejection(client.responses.retrieve(queued.id, { stream: true, starting_after: 'abc' }), OpenAI.BadRequestError);
    expect(notInteger).toMatchObject({ status: 400, param: 'starting_after', code: 'invalid_type' });
    const negative = await rejection(client.responses.retrieve(queued.id, { stream: true, starting_after: -1 }), OpenAI.BadRequestError);
    expect(negative).toMatchObject({ status: 400, param: 'starting_after', code: 'integer_below_min_value' });
    // Without stream=true, starting_after is not read: a plain retrieve.
    expect((await client.responses.retrieve(queued.id, { starting_after: 2 })).id).toBe(queued.id);
  });
});

describe('resuming on a thread that does not hold the response', () => {
  const sim = useSimulator({ threads: 2, seed: 5 });
  /** Requests per check: all on the owning thread by chance once in 2^11 runs. */
  const SPREAD = 12;
  // `connection: close`: a new connection per request, which the kernel spreads over the threads.
  const client = (): OpenAI => clientFor(sim().url, { connection: 'close' });

  it('streams the same events from either thread', async () => {
    const queued = await client().responses.create({ ...PARAMS, background: true });
    const whole = await collect(await client().responses.retrieve(queued.id, { stream: true }));
    expect(whole.at(-1)!.type).toBe('response.completed');
    const resumed = await Promise.all(Array.from({ length: SPREAD }, async () => collect(await client().responses.retrieve(queued.id, { stream: true, starting_after: 4 }))));
    for (const events of resumed) expect(events).toEqual(whole.slice(5));
    const plain = await client().responses.create(PARAMS);
    const refused = await Promise.all(Array.from({ length: SPREAD }, () => rejection(client().responses.retrieve(plain.id, { stream: true }), OpenAI.BadRequestError)));
    expect(refused.map((e) => e.param)).toEqual(Array(SPREAD).fill('stream'));
  });
});

describe('the figures a resumed stream records', () => {
  // TTFT 200 ms at least, then a token every 2 to 3 ms, one an event.
  const sim = useSimulator({ speed: 1, seed: 5, profiles: oneProfileFile(400, 2) });

  it('times its first event after the resume point from the plan, not from when the thread started', async () => {
    const client = clientFor(sim().url);
    // Created without stream: the create itself sends no events and records nothing.
    const queued = await client.responses.create({ ...PARAMS, background: true });
    // After the first two deltas (sequence numbers 4 and 5): events from the third on, none yet due.
    const rest = await collect(await client.responses.retrieve(queued.id, { stream: true, starting_after: 5 }));
    expect(rest[0]!.sequence_number).toBe(6);
    const deltas = rest.filter((e) => e.type === 'response.output_text.delta').length;
    const stats = (await (await fetch(`${sim().url}/_understudy/stats`)).json()) as { histograms: Record<HistogramName, HistogramSummary> };
    expect(stats.histograms.ttftMs.count).toBe(0);
    expect(stats.histograms.emissionLagMs.count).toBe(deltas);
    expect(stats.histograms.itlMs.count).toBe(deltas);
    // Every gap is a planned 2 to 3 ms and its lag: none is the time since the thread started.
    expect(stats.histograms.itlMs.max).toBeLessThan(100);
  });
});
