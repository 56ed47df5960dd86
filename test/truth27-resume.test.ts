/**
 * A background response's stream resumed with `GET /v1/responses/{id}?stream=true[&starting_after=n]`
 * carries the ground-truth headers, as every planned answer does: the entry and trace id of the
 * create (so a load tool joins the two) and the TTFT and mean gap of what the resume sends, timed
 * from the resume. It carried none of the four.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { positionAfterFrames, resumedSummary } from '../src/server/stream-resume.js';
import { Step } from '../src/server/stream-plan.js';
import type { EmissionSchedule } from '../src/timing/schedule.js';
import { useSimulator } from './fixtures/sim.js';

const PARAMS = { model: 'gpt-4o', input: 'Explain how a parcel is routed between depots.', max_output_tokens: 120 } as const;
/** A first event ten minutes out (the override is not scaled by --speed): nothing is due while a test runs. */
const FAR = { headers: { 'x-understudy-ttft-ms': '600000' } };

function truth(headers: Headers) {
  return {
    entry: headers.get('x-understudy-entry'),
    ttftMs: headers.get('x-understudy-ttft-ms'),
    itlMs: headers.get('x-understudy-itl-ms'),
    traceId: headers.get('x-understudy-trace-id'),
  };
}

describe('the timing a resumed stream reports', () => {
  // created and in_progress (numbered, static), five tokens, then completed (numbered, static).
  const frame = (s: string): Step => Step.numberedFrame(Buffer.from(s), Buffer.from('}\n\n'));
  const tokens = new Step(Buffer.from('{"delta":"'), Buffer.from('abcde'), Int32Array.from([0, 1, 2, 3, 4, 5]), 0, 5, Buffer.from('"'), Buffer.from('}\n\n'));
  const steps = [frame('created'), frame('in_progress'), tokens, frame('completed')];
  // Two tokens an event: at 100, 110 and 130 ms (the last carries one).
  const schedule: EmissionSchedule = { atMs: Float32Array.from([100, 110, 130]), chunk: Uint8Array.from([2, 2, 2]), events: 3, ttftMs: 100, meanItlMs: 7.5, totalMs: 130 };
  const after = (frames: number, elapsedMs: number) => resumedSummary(steps, schedule, positionAfterFrames(steps, schedule, frames), elapsedMs);

  it('from the start, before anything is due: the plan as the create reported it', () => {
    expect(after(0, 0)).toEqual({ ttftMs: 100, meanItlMs: 7.5, totalMs: 130 });
  });

  it('from the start, once events are due: those go out at once, the rest at their times', () => {
    // The first event went out at 0 with the second due 5 ms later: 25 ms over four gaps.
    expect(after(0, 105)).toEqual({ ttftMs: 0, meanItlMs: 6.25, totalMs: 25 });
  });

  it('after the first token event: the tokens left and their events', () => {
    expect(after(3, 0)).toEqual({ ttftMs: 110, meanItlMs: 10, totalMs: 130 });
    expect(after(3, 20)).toEqual({ ttftMs: 90, meanItlMs: 10, totalMs: 110 });
  });

  it('after every token, before the closing frame: no gaps, the frame due with the last event', () => {
    expect(after(5, 0)).toEqual({ ttftMs: 130, meanItlMs: 0, totalMs: 130 });
  });

  it('past the end: nothing left to time', () => {
    expect(after(6, 0)).toEqual({ ttftMs: 0, meanItlMs: 0, totalMs: 0 });
    expect(after(100, 500)).toEqual({ ttftMs: 0, meanItlMs: 0, totalMs: 0 });
  });
});

describe('ground truth on a resumed stream, paced', () => {
  const sim = useSimulator({ speed: 1, seed: 11 });
  const client = (): OpenAI => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });

  it('names the create\'s entry and trace id, its gaps, and a TTFT counted from the resume', async () => {
    const { data: queued, response: created } = await client().responses.create({ ...PARAMS, background: true }, FAR).withResponse();
    const planned = truth(created.headers);
    expect(planned.entry).toMatch(/^gpt-4o-/);
    const { data: stream, response } = await client().responses.retrieve(queued.id, { stream: true }).withResponse();
    stream.controller.abort();
    const resumed = truth(response.headers);
    expect(resumed.entry).toBe(planned.entry);
    expect(resumed.traceId).toBe(planned.traceId);
    // Nothing is due yet: the same events, each as far from the resume as it is from now.
    expect(Math.abs(Number(resumed.itlMs) - Number(planned.itlMs))).toBeLessThanOrEqual(0.01);
    expect(Number(resumed.ttftMs)).toBeGreaterThan(0);
    expect(Number(resumed.ttftMs)).toBeLessThanOrEqual(Number(planned.ttftMs));
  });

  it('a cancelled response: its events went out before the cancel, all due at once', async () => {
    const { data: queued, response: created } = await client().responses.create({ ...PARAMS, background: true }, FAR).withResponse();
    await client().responses.cancel(queued.id);
    const { data: stream, response } = await client().responses.retrieve(queued.id, { stream: true }).withResponse();
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.at(-1)).toBe('response.failed');
    expect(truth(response.headers)).toEqual({ ...truth(created.headers), ttftMs: '0.0', itlMs: '0.00' });
  });
});

describe('ground truth on a resumed stream, at speed 0', () => {
  const sim = useSimulator({ threads: 2, seed: 5 });
  /** Requests per check: all on the owning thread by chance once in 2^11 runs. */
  const SPREAD = 12;
  // `connection: close`: a new connection per request, which the kernel spreads over the threads.
  const client = (base: string): OpenAI => new OpenAI({ baseURL: `${sim().url}${base}`, apiKey: 'sk-test', maxRetries: 0, defaultHeaders: { connection: 'close' } });

  it('on either thread, the same entry and trace id as the create, every event already due', async () => {
    const { data: queued, response: created } = await client('/v1').responses.create({ ...PARAMS, background: true }).withResponse();
    const expected = { ...truth(created.headers), ttftMs: '0.0', itlMs: '0.00' };
    const resumes = await Promise.all(
      Array.from({ length: SPREAD }, async (_, i) => {
        const { data: stream, response } = await client('/v1').responses.retrieve(queued.id, { stream: true, starting_after: i }).withResponse();
        for await (const _event of stream);
        return truth(response.headers);
      }),
    );
    for (const resumed of resumes) expect(resumed).toEqual(expected);
  });

  it('on Azure\'s v1 routes', async () => {
    const azure = client('/openai/v1');
    const { data: queued, response: created } = await azure.responses.create({ ...PARAMS, background: true }).withResponse();
    const { data: stream, response } = await azure.responses.retrieve(queued.id, { stream: true, starting_after: 3 }).withResponse();
    for await (const _event of stream);
    expect(truth(response.headers)).toEqual({ ...truth(created.headers), ttftMs: '0.0', itlMs: '0.00' });
  });
});

describe('ground truth on a resumed stream, headers held to the first token', () => {
  const sim = useSimulator({ headersAt: 'first-token', seed: 9 });
  const client = (): OpenAI => new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'sk-test', maxRetries: 0 });

  it('the same four, whether events are left or none', async () => {
    const { data: queued, response: created } = await client().responses.create({ ...PARAMS, background: true }).withResponse();
    const expected = { ...truth(created.headers), ttftMs: '0.0', itlMs: '0.00' };
    for (const starting_after of [undefined, 1_000_000]) {
      const { data: stream, response } = await client().responses.retrieve(queued.id, { stream: true, starting_after }).withResponse();
      for await (const _event of stream);
      expect(truth(response.headers)).toEqual(expected);
    }
  });
});
