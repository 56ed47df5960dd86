/**
 * Request ids on replies answered before a request's seeded source exists (unrouted paths, rate
 * limits, faults): the n-th such reply of the run, counted across threads, draws from the run seed
 * and n, so ids never repeat, each looks like its provider's, and a seed repeats its sequence on
 * any number of threads.
 */
import { describe, expect, it } from 'vitest';
import { errorRequestId as anthropicErrorId } from '../src/server/anthropic/reply.js';
import { seedErrorIds } from '../src/server/error-ids.js';
import { errorRequestId as openAIErrorId } from '../src/server/openai/surface-ids.js';
import { useSimulator } from './fixtures/sim.js';

const OPENAI_ID = /^req_[0-9a-f]{32}$/;
const ANTHROPIC_ID = /^req_011C[A-Za-z0-9]{20}$/;

/** `n` ids from a run seeded `runSeed` whose shared count stands at `start`. */
const draw = (runSeed: number, start: number, n = 4): string[] => {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  counter[0] = start;
  seedErrorIds(runSeed, counter);
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? openAIErrorId() : anthropicErrorId()));
};

describe('error request ids', () => {
  it('look like each provider\'s', () => {
    seedErrorIds(1);
    for (let i = 0; i < 20; i++) {
      expect(openAIErrorId()).toMatch(OPENAI_ID);
      expect(anthropicErrorId()).toMatch(ANTHROPIC_ID);
    }
  });

  it('repeat their sequence for a seed', () => {
    expect(draw(7, 0)).toEqual(draw(7, 0));
  });

  it('go on from the run\'s count, and differ between seeds', () => {
    const ids = [draw(7, 0), draw(7, 4), draw(8, 0)].flat();
    expect(new Set(ids).size).toBe(ids.length);
    expect(draw(7, 0, 8).slice(4)).toEqual(draw(7, 4));
  });
});

describe('error request ids from two server threads', () => {
  const sim = useSimulator({ threads: 2, seed: 11 });
  /** Requests per provider: all on one thread by chance once in 2^23 runs. */
  const SPREAD = 24;
  // `connection: close` makes each request a new connection, which the kernel spreads over the threads.
  const ids = (path: string, header: string): Promise<string[]> =>
    Promise.all(
      Array.from({ length: SPREAD }, async () => {
        const res = await fetch(`${sim().url}${path}`, { headers: { connection: 'close' } });
        expect(res.status).toBe(404);
        const body = (await res.json()) as { request_id?: string };
        const id = res.headers.get(header) ?? '';
        if (body.request_id !== undefined) expect(body.request_id).toBe(id);
        return id;
      }),
    );

  it('never repeat, in each provider\'s format', async () => {
    const openai = await ids('/v1/no-such-route', 'x-request-id');
    const anthropic = await ids('/v1/messages/batches/x/y/z', 'request-id');
    const azure = await ids('/openai/no-such-route', 'x-request-id');
    for (const id of [...openai, ...azure]) expect(id).toMatch(OPENAI_ID);
    for (const id of anthropic) expect(id).toMatch(ANTHROPIC_ID);
    const all = [...openai, ...anthropic, ...azure];
    expect(new Set(all).size).toBe(all.length);
  });
});
