/**
 * The streaming bench's measured window: the server's histograms are read as the window closes,
 * before a profile is collected (stopping a profiler serializes it on the server thread, a stall
 * that would otherwise be counted in the window's lag).
 */
import { describe, expect, it, vi } from 'vitest';
import type { ServerUnderTest } from '../bench/servers.js';
import type * as SimStats from '../bench/sim-stats.js';
import type { WorkerSession } from '../bench/thread-inspector.js';
import { useSimulator } from './fixtures/sim.js';

const order: string[] = [];

vi.mock('../bench/sim-stats.js', async (importOriginal) => {
  const real = await importOriginal<typeof SimStats>();
  return {
    ...real,
    readServerStats: async (url: string) => {
      order.push('stats read');
      return real.readServerStats(url);
    },
  };
});

const { measureWindow } = await import('../bench/stream.js');
const { LoadProcess } = await import('../bench/stream-load-process.js');
const { streamRequest } = await import('../bench/stream.js');

describe('the streaming bench window', () => {
  const sim = useSimulator({ speed: 0 });

  it('reads the server histograms before it stops the profiler, over the span since their reset', { timeout: 60_000 }, async () => {
    const session = {
      eventLoopUtilization: () => Promise.resolve({ idle: 0, active: 0 }),
      startProfile: () => {
        order.push('profile started');
        return Promise.resolve();
      },
      stopProfile: () => {
        order.push('profile stopped');
        return Promise.resolve({ nodes: [{ id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: 0, columnNumber: 0 } }], startTime: 0, endTime: 1, samples: [], timeDeltas: [] });
      },
    } as unknown as WorkerSession;
    const server: ServerUnderTest = { url: sim().url, port: sim().port, threadIds: [], session, pinned: false, stop: async () => {} };
    const load = await LoadProcess.start({ port: server.port, request: streamRequest(server.port), concurrency: 2, rampPerSec: 200 }, 5000);
    try {
      const w = await measureWindow(server, load, { settleS: 0, windowS: 0.2, profile: true, label: 'test', concurrency: 2, rampPerSec: 200 });
      expect(order).toEqual(['profile started', 'stats read', 'profile stopped']);
      expect(w.server.stats?.histograms.emissionLagMs.count).toBeGreaterThan(0);
      // The span the histograms cover starts at the reset, before the client's window opens.
      expect(w.server.statsWindowMs).toBeGreaterThanOrEqual(w.client.windowMs);
    } finally {
      await load.stop();
    }
  });
});
