/**
 * Embedding work for clients that have left stops at once. A batch large enough for the thread's
 * embedding pool (2,048 long texts, as a client may send) was computed whole after its client had
 * aborted: 20 clients that sent one and left kept the pool busy for 11 s of CPU, and a live request
 * behind them took 12 s where it took 1 s alone. Now a job still waiting for a worker when its
 * client leaves is dropped with its input, and a Gemini batch split into one job per input (its
 * requests ask for different lengths) stops handing its remaining jobs to the pool. A job already
 * on a worker runs to its end: at most one per pool worker (two per thread), each one batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyCountPool, countOffThread } from '../src/workers/count-pool.js';
import { dropUnwantedJobs } from '../src/workers/task-pool.js';
import { SeededRandom } from '../src/timing/random.js';
import { useSimulator } from './fixtures/sim.js';

interface PoolLoad {
  readonly running: number;
  readonly waiting: number;
  readonly started: number;
}

interface Health {
  readonly inFlight: number;
  readonly wheelTasks: number;
  readonly pools: { readonly embedding: PoolLoad; readonly count: PoolLoad };
}

async function health(url: string): Promise<Health> {
  return (await (await fetch(`${url}/_understudy/health`)).json()) as Health;
}

/** Seeded words, different for each seed: no cache has seen them. */
function words(seed: number, count: number): string {
  const rng = new SeededRandom(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let w = '';
    for (let n = 2 + rng.int(7); n > 0; n--) w += String.fromCharCode(97 + rng.int(26));
    out.push(w);
  }
  return out.join(' ');
}

/**
 * Sends each body to `path` with its own AbortController, waits until the pool holds a job for
 * every one (on a worker or waiting), then aborts them all. Returns the pool's load at that moment.
 */
async function sendThenLeave(url: string, path: string, headers: Record<string, string>, bodies: readonly string[], jobsPerBody: number): Promise<PoolLoad> {
  const before = (await health(url)).pools.embedding;
  const controllers = bodies.map(() => new AbortController());
  const sent = bodies.map((body, i) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: controllers[i]!.signal }).then(
    (r) => r.status,
    () => 'aborted',
  ));
  let at: PoolLoad = before;
  await expect
    .poll(
      async () => {
        at = (await health(url)).pools.embedding;
        return at.started - before.started + at.waiting;
      },
      { timeout: 30_000, interval: 5 },
    )
    .toBe(bodies.length * jobsPerBody);
  for (const c of controllers) c.abort();
  expect(await Promise.all(sent)).toEqual(bodies.map(() => 'aborted'));
  return at;
}

/** Waits, within a bound, until no exchange but the health check's is in flight and neither pool holds a job. */
async function expectIdle(url: string): Promise<Health> {
  await expect
    .poll(
      async () => {
        const h = await health(url);
        return [h.inFlight, h.wheelTasks, h.pools.embedding.running, h.pools.embedding.waiting, h.pools.count.running, h.pools.count.waiting];
      },
      { timeout: 30_000, interval: 20 },
    )
    .toEqual([1, 0, 0, 0, 0, 0]);
  return health(url);
}

describe('embedding work for clients that left', () => {
  const sim = useSimulator({ threads: 1, speed: 0, seed: 27 });
  // What the server thread logs (its stderr reaches this process's): a dropped job is no internal error.
  const logged: string[] = [];
  beforeAll(() => {
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk: string | Uint8Array, ...rest: never[]) => {
      logged.push(String(chunk));
      return write(chunk, ...rest);
    };
    return () => {
      process.stderr.write = write;
    };
  });

  it('OpenAI: batches still waiting for a worker when their clients abort are dropped unrun', async () => {
    const url = sim().url;
    // 2,048 texts of 45 words (about 290k tokens, under the request limit) at 3,072 dimensions:
    // each batch keeps a worker busy for most of a second.
    const bodies = Array.from({ length: 8 }, (_, b) => JSON.stringify({ model: 'text-embedding-3-large', input: Array.from({ length: 2048 }, (_, i) => words(b * 10_000 + i, 45)) }));
    const atAbort = await sendThenLeave(url, '/v1/embeddings', { authorization: 'Bearer sk-test' }, bodies, 1);
    // One thread's pool runs at most two jobs: the rest were waiting when their clients left.
    expect(atAbort.waiting).toBeGreaterThanOrEqual(2);
    const after = await expectIdle(url);
    // None of those was run (one may have started as a worker came free before the aborts arrived).
    expect(after.pools.embedding.started - atAbort.started).toBeLessThan(atAbort.waiting);
    // A live batch is answered as before.
    const live = await fetch(`${url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' }, body: bodies[0] });
    expect(live.status).toBe(200);
    expect(((await live.json()) as { data: unknown[] }).data).toHaveLength(2048);
    await expectIdle(url);
    expect(logged.filter((l) => l.includes('internal error'))).toEqual([]);
  });

  it('Gemini batchEmbedContents split into one job per request stops handing its jobs to the pool', async () => {
    const url = sim().url;
    // Requests asking for different lengths make one job each; long texts make each job last.
    const requests = Array.from({ length: 100 }, (_, i) => ({ content: { parts: [{ text: words(500_000 + i, 9_000) }] }, outputDimensionality: i % 2 === 0 ? 3072 : 768 }));
    const body = JSON.stringify({ requests });
    const atAbort = await sendThenLeave(url, '/v1beta/models/gemini-embedding-001:batchEmbedContents', { 'x-goog-api-key': 'test' }, [body], 100);
    expect(atAbort.waiting).toBeGreaterThanOrEqual(2);
    const after = await expectIdle(url);
    expect(after.pools.embedding.started - atAbort.started).toBeLessThan(atAbort.waiting);
    // Sent whole by a client that stays, it is answered whole.
    const live = await fetch(`${url}/v1beta/models/gemini-embedding-001:batchEmbedContents`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': 'test' }, body });
    expect(live.status).toBe(200);
    expect(((await live.json()) as { embeddings: unknown[] }).embeddings).toHaveLength(100);
    await expectIdle(url);
    expect(logged.filter((l) => l.includes('internal error'))).toEqual([]);
  });
});

describe('a pool job whose client leaves', () => {
  afterAll(() => destroyCountPool());

  it('is dropped as the client leaves, not when a worker next comes free', async () => {
    let gone = false;
    const settled: string[] = [];
    // Two long counts fill the pool's workers (one on a one-core machine); the rest wait.
    const kept = [countOffThread([words(1, 60_000)], 1).then(() => settled.push('kept')), countOffThread([words(2, 60_000)], 1).then(() => settled.push('kept'))];
    const left = Array.from({ length: 5 }, (_, i) =>
      countOffThread([words(10 + i, 60_000)], 1, () => !gone).then(
        () => settled.push('counted'),
        () => settled.push('dropped'),
      ),
    );
    gone = true;
    dropUnwantedJobs();
    await Promise.all(left);
    // Every waiting job is refused before either running count is done.
    expect(settled).toEqual(new Array<string>(5).fill('dropped'));
    await Promise.all(kept);
  });
});
