/**
 * A server thread that dies with requests in flight gives back their capacity slots. The count of
 * requests in flight per profile is shared memory, outside the dead thread: were its requests
 * left counted in it, every later request would be slowed as if they were still open (or refused
 * past the hard limit) for the rest of the run, while the stream gauges forgot them. The dying
 * thread closes its sockets first, and each exchange's abort gives its slot back.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/schema.js';
import type { Simulator } from '../src/index.js';
import { startServer, type RunningServer } from '../src/workers/supervisor.js';
import { capacityProbeProfiles, loneTtft, PROBE_TTFT_MS } from './fixtures/capacity-probe.js';
import { metric, recordingLogger } from './fixtures/sim.js';

const PROFILES = capacityProbeProfiles();

const CHAT = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true });

describe('capacity slots of a server thread that dies', () => {
  let server: RunningServer;
  let sim: Simulator;
  beforeAll(async () => {
    const config = resolveConfig({ port: 0, threads: 2, speed: 1, seed: 7, profiles: PROFILES, logLevel: 'silent' });
    server = await startServer(config, recordingLogger());
    sim = { url: `http://127.0.0.1:${server.port}`, port: server.port, config, stop: () => server.stop() };
  });
  afterAll(() => server.stop());

  it('are given back when it is restarted, so a lone request is not slowed by requests that died with it', async () => {
    expect(await loneTtft(sim)).toBe(`${PROBE_TTFT_MS}.0`);
    // Streams waiting ten minutes for their first token, spread over both threads by SO_REUSEPORT.
    const sockets: Socket[] = [];
    let closed = 0;
    for (let i = 0; i < 24; i++) {
      const s = connect(sim.port, '127.0.0.1', () =>
        s.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-understudy-ttft-ms: 600000\r\ncontent-length: ${CHAT.length}\r\n\r\n${CHAT}`),
      );
      s.on('error', () => {});
      s.on('close', () => closed++);
      // Read what comes: a socket that reads nothing never sees the server's FIN.
      s.resume();
      sockets.push(s);
    }
    await expect.poll(() => metric(sim, 'understudy_active_streams'), { timeout: 10_000 }).toBe(sockets.length);
    server.crashThread(0);
    await expect.poll(() => server.restarts(), { timeout: 10_000 }).toBe(1);
    // The dead thread's clients lost their connections; the others' streams still run.
    await expect.poll(() => closed, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(closed).toBeLessThan(sockets.length);
    for (const s of sockets) s.destroy();
    await expect.poll(() => metric(sim, 'understudy_active_streams'), { timeout: 10_000 }).toBe(0);
    expect(await loneTtft(sim)).toBe(`${PROBE_TTFT_MS}.0`);
    expect(await loneTtft(sim)).toBe(`${PROBE_TTFT_MS}.0`);
  }, 30_000);
});
