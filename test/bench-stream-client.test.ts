/**
 * The streaming bench's load generator: its seeded arrival schedule, and its open loop against the
 * real server (connections reused when idle, arrivals dropped at the connection cap, the planned
 * stream duration read from the ground-truth headers).
 */
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PoissonArrivals, StreamLoad, httpPost, type WindowResult } from '../bench/stream-client.js';
import { LoadProcess } from '../bench/stream-load-process.js';
import { lateShare, readServerStats, resetServerStats } from '../bench/sim-stats.js';
import type { Simulator } from '../src/index.js';
import { oneProfileFile, useSimulator } from './fixtures/sim.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function chatStream(sim: Simulator, maxTokens: number): Buffer {
  return httpPost(sim.port, '/v1/chat/completions', JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], max_tokens: maxTokens, stream: true, stream_options: { include_usage: true } }));
}

describe('Poisson arrivals', () => {
  it('repeat for a seed and differ across seeds', () => {
    const gaps = (seed: number): number[] => {
      const a = new PoissonArrivals(500, seed);
      return Array.from({ length: 50 }, () => a.nextGapMs());
    };
    expect(gaps(3)).toEqual(gaps(3));
    expect(gaps(3)).not.toEqual(gaps(4));
  });

  it('average 1000 / rate ms apart, with the spread of an exponential', () => {
    const a = new PoissonArrivals(2000, 1);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let least = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const g = a.nextGapMs();
      least = Math.min(least, g);
      sum += g;
      sumSq += g * g;
    }
    expect(least).toBeGreaterThanOrEqual(0);
    const mean = sum / n;
    expect(mean).toBeCloseTo(0.5, 2);
    // An exponential's standard deviation equals its mean.
    expect(Math.sqrt(sumSq / n - mean * mean)).toBeCloseTo(0.5, 2);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new PoissonArrivals(0, 1)).toThrow(RangeError);
  });
});

/**
 * One connection ramped up closed-loop, then `ms` of open-loop arrivals at `rate`/s with at most
 * `cap` connections; the window's figures and the connections held at its end.
 */
async function openLoopWindow(sim: Simulator, maxTokens: number, rate: number, cap: number, ms: number): Promise<{ w: WindowResult; connections: number }> {
  const load = new StreamLoad({ port: sim.port, request: chatStream(sim, maxTokens), concurrency: 1, rampPerSec: 100 });
  await load.start(5000);
  load.openLoop(rate, 1, cap);
  load.beginWindow();
  await sleep(ms);
  const w = load.endWindow();
  const connections = load.open;
  await load.stop();
  return { w, connections };
}

describe('open loop against the server', () => {
  describe('short streams', () => {
    const sim = useSimulator({ speed: 0 });

    it('starts each arrival on an idle keep-alive connection instead of opening new ones', async () => {
      const { w, connections } = await openLoopWindow(sim(), 5, 200, 50, 400);
      expect(w.arrivals).toBe('open');
      expect(w.offeredPerSec).toBe(200);
      expect(w.startedPerSec).toBeGreaterThan(0);
      expect(w.streamsCompleted).toBeGreaterThan(0);
      expect(w.dropped).toBe(0);
      expect(w.errors + w.non200).toBe(0);
      // Streams at speed 0 end long before the next arrival (5 ms apart on average), so a few
      // connections carry the window's ~80 streams; opening one per arrival would reach the cap
      // of 50. The bound leaves room for the stalls of a test run sharing two busy cores (9
      // connections were seen there, and more than 20 once with two suites running at once),
      // which overlap streams that would otherwise not; it stays well below the cap.
      expect(connections).toBeLessThanOrEqual(35);
    });
  });

  describe('long streams', () => {
    // 20 ms to the first token, then one every 2 s: streams outlast the test.
    const sim = useSimulator({ speed: 1, profiles: oneProfileFile(20, 2000) });

    it('drops arrivals once every allowed connection is busy', async () => {
      const { w, connections } = await openLoopWindow(sim(), 50, 500, 3, 300);
      expect(connections).toBe(3);
      expect(w.dropped).toBeGreaterThan(0);
      expect(w.meanInFlight).toBeLessThanOrEqual(3);
    });
  });

  describe('planned duration', () => {
    const sim = useSimulator({ speed: 1, profiles: oneProfileFile(20, 2) });

    it('averages the ground-truth duration of every stream started in the window', async () => {
      const load = new StreamLoad({ port: sim().port, request: chatStream(sim(), 5), concurrency: 4, rampPerSec: 400 });
      await load.start(5000);
      const planned = await load.plannedDuration(200, 10_000);
      await load.stop();
      expect(planned.streams).toBeGreaterThan(0);
      expect(planned.lost).toBe(0);
      // TTFT 10–60 ms, then at most 4 gaps of 2–3 ms.
      expect(planned.meanMs).toBeGreaterThanOrEqual(10);
      expect(planned.meanMs).toBeLessThanOrEqual(72);
    });
  });
});

describe('first events sent ahead of plan', () => {
  /** A server that names a TTFT of `ttftMs` and sends its first event at once; one short stream per request. */
  async function earlyServer(ttftMs: string): Promise<{ port: number; close: () => void }> {
    const events = 'data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: {"choices":[],"usage":{"completion_tokens":1}}\n\ndata: [DONE]\n\n';
    const server = createServer((socket) => {
      socket.on('data', () => {
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nx-understudy-ttft-ms: ${ttftMs}\r\nx-understudy-itl-ms: 1.00\r\ntransfer-encoding: chunked\r\n\r\n`);
        socket.write(`${Buffer.byteLength(events).toString(16)}\r\n${events}\r\n0\r\n\r\n`);
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, close: () => server.close() };
  }

  it.each([
    ['counts every stream whose first event beat its header', '500.0', true],
    ['counts none that arrive within the header\'s rounding of it', '0.0', false],
  ])('%s', async (_name, ttftMs, early) => {
    const server = await earlyServer(ttftMs);
    const load = new StreamLoad({ port: server.port, request: httpPost(server.port, '/v1/chat/completions', '{}'), concurrency: 2, rampPerSec: 100 });
    try {
      await load.start(5000);
      load.beginWindow();
      await expect.poll(() => load.streamsCompleted, { timeout: 5000 }).toBeGreaterThan(3);
      const w = load.endWindow();
      expect(w.errors + w.non200).toBe(0);
      if (early) {
        expect(w.ttftEarly).toBeGreaterThanOrEqual(w.streamsCompleted);
        // The excess histogram holds an early stream as 0, like one exactly on time.
        expect(w.ttftExcessMs.max).toBe(0);
      } else expect(w.ttftEarly).toBe(0);
    } finally {
      await load.stop();
      server.close();
    }
  });
});

describe('the load generator in its own process', () => {
  const sim = useSimulator({ speed: 0 });

  it('ramps up, measures a window, reports its connections and heap, and exits on stop', async () => {
    const load = await LoadProcess.start({ port: sim().port, request: chatStream(sim(), 5), concurrency: 3, rampPerSec: 300 }, 5000);
    expect(load.idleHeapUsed).toBeGreaterThan(0);
    const status = await load.status(true);
    expect(status.connected).toBe(3);
    await load.beginWindow();
    await sleep(300);
    const w = await load.endWindow();
    expect(w.arrivals).toBe('closed');
    expect(w.streamsCompleted).toBeGreaterThan(0);
    expect(w.errors + w.non200).toBe(0);
    expect(w.meanInFlight).toBeGreaterThan(0);
    // A window too short for a sample has no mean: NaN must survive the trip (JSON would make it null).
    await load.beginWindow();
    expect(Number.isNaN((await load.endWindow()).meanInFlight)).toBe(true);
    const pid = load.pid!;
    await load.stop();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe("the bench's late-write share", () => {
  const sim = useSimulator({ speed: 0.001, lateEmissionMs: 60_000 });

  it('is the window\'s late writes over its timed writes, from the counters a reset leaves running', async () => {
    const stream = async (): Promise<void> => {
      const res = await fetch(`${sim().url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true, max_tokens: 20 }),
      });
      await res.text();
    };
    await stream();
    const reset = await resetServerStats(sim().url);
    expect(reset.ok).toBe(true);
    expect(reset.before?.emissions).toBeGreaterThan(0);
    await stream();
    const end = await readServerStats(sim().url);
    expect(end!.emissions).toBeGreaterThan(reset.before!.emissions!);
    // Nothing is 60 s late.
    expect(lateShare(reset.before, end)).toEqual({ share: 0, thresholdMs: 60_000 });
    expect(lateShare({ ...end!, emissions: 100, lateEmissions: 4 }, { ...end!, emissions: 300, lateEmissions: 10 })).toEqual({ share: 0.03, thresholdMs: 60_000 });
    // A build without the counters, or an empty window, has no figure.
    expect(lateShare({ ...end!, emissions: undefined }, end)).toBeUndefined();
    expect(lateShare(end, end)).toBeUndefined();
  });
});
