/**
 * The fidelity watch: the late-write counters against the real server, the watch's windows on
 * given readings, and the supervisor's warning and end-of-run line with a hand-driven interval.
 * Lateness is made without timing anything: a stream held back by a client that stops reading
 * keeps its planned due times, so every event written after the client reads again is late by at
 * least the time it was held.
 */
import { connect, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { resolveConfig, type ConfigInput } from '../src/config/schema.js';
import { FidelityWatch, type EmissionReading } from '../src/metrics/fidelity-watch.js';
import { startServer } from '../src/workers/supervisor.js';
import { recordingLogger } from './fixtures/sim.js';

const WATCH = { lateMs: 10, windowMs: 10_000, threads: 1, minEmissions: 1000, maxLateShare: 0.01 };
const at = (emissions: number, late: number, activeStreams = 0, pausedStreams = 0): EmissionReading => ({ emissions, late, activeStreams, pausedStreams });

describe('FidelityWatch windows', () => {
  it('stays quiet while at most 1% of a window is late', () => {
    const watch = new FidelityWatch(WATCH, at(0, 0));
    expect(watch.check(at(10_000, 100))).toBeNull();
    expect(watch.check(at(20_000, 100))).toBeNull();
  });

  it('warns for a window past 1% late, with its figures, and says when the server is back on schedule', () => {
    const watch = new FidelityWatch({ ...WATCH, threads: 2 }, at(5_000, 4_000));
    // The window is the difference from the previous reading, not the totals since start.
    const behind = watch.check(at(15_000, 4_200, 1_960));
    expect(behind).toEqual({
      level: 'warn',
      message:
        'timing fidelity: 2.0% of 10,000 timed writes in the last 10 s went out more than 10 ms late (1,960 streams open, 2 server threads): ' +
        "latencies measured by clients now include the simulator's own delay. Lower the load or add server threads (--threads); /_understudy/stats has the lag percentiles.",
    });
    expect(watch.check(at(45_000, 24_200))?.level).toBe('warn');
    expect(watch.check(at(65_000, 24_210))).toEqual({ level: 'info', message: 'timing fidelity: back on schedule (0.05% of 20,000 timed writes in the last 10 s more than 10 ms late)' });
    expect(watch.check(at(85_000, 24_220))).toBeNull();
  });

  it('says when streams paused on slow readers may be what is late, rather than only blaming the load', () => {
    const watch = new FidelityWatch(WATCH, at(0, 0));
    expect(watch.check(at(10_000, 500, 40, 12))?.message).toBe(
      'timing fidelity: 5.0% of 10,000 timed writes in the last 10 s went out more than 10 ms late (40 streams open, 1 server thread): ' +
        "latencies measured by clients now include the simulator's own delay. 12 of the streams are paused on clients that stopped reading, and their wait counts as lag too: " +
        'if they are not the cause, lower the load or add server threads (--threads); /_understudy/stats has the lag percentiles.',
    );
  });

  it('says nothing about a window with fewer writes than a load test makes, warning or recovery', () => {
    const watch = new FidelityWatch(WATCH, at(0, 0));
    expect(watch.check(at(999, 999))).toBeNull();
    expect(watch.check(at(11_000, 1_999))?.level).toBe('warn');
    // The load tails off while the server is still behind: 4.1% of 783 is no recovery.
    expect(watch.check(at(11_783, 2_031))).toBeNull();
    expect(watch.check(at(21_783, 2_041))?.message).toMatch(/^timing fidelity: back on schedule/);
  });

  it('sums up a run the size of a load test, and says nothing of a smaller one', () => {
    expect(FidelityWatch.summary(10, at(0, 0), 1000)).toBeNull();
    expect(FidelityWatch.summary(10, at(999, 999), 1000)).toBeNull();
    expect(FidelityWatch.summary(10, at(1_234_567, 4_000), 1000)).toBe('timing fidelity over the run: 1,234,567 timed writes, 0.32% more than 10 ms late');
  });
});

/** Many choices of long answers: far more bytes than the socket buffers hold. */
const BIG_REQUEST = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Write a long essay.' }], stream: true, n: 128, seed: 3 });

function openBigStream(port: number): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BIG_REQUEST)}\r\n\r\n${BIG_REQUEST}`);
  return socket;
}

function readToEnd(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    let tail = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      tail = Buffer.concat([tail, d]).subarray(-16);
      if (tail.includes('\r\n0\r\n\r\n')) resolve();
    });
    socket.resume();
  });
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line ? Number(line.split(' ').pop()) : NaN;
}

async function boot(options: ConfigInput) {
  const log = recordingLogger();
  const ticks: (() => void)[] = [];
  const server = await startServer(resolveConfig({ port: 0, threads: 1, logLevel: 'silent', ...options }), log, {
    every: (fn) => {
      ticks.push(fn);
      return () => ticks.splice(ticks.indexOf(fn), 1);
    },
  });
  return { server, log, ticks, url: `http://127.0.0.1:${server.port}` };
}

describe('late writes through the real server', () => {
  it('counts writes held back past lateEmissionMs, warns for the window, and sums up the run at stop', async () => {
    // speed 0.001: the whole schedule fits in a few ms, so only backpressure holds events back.
    const { server, log, ticks, url } = await boot({ speed: 0.001, lateEmissionMs: 1 });
    try {
      expect(ticks).toHaveLength(1);
      const socket = openBigStream(server.port);
      socket.pause();
      await expect.poll(() => metric(url, 'understudy_paused_streams'), { timeout: 5000 }).toBe(1);
      // Held at least 5 ms past due, well over the 1 ms threshold.
      await delay(5);
      await readToEnd(socket);
      socket.destroy();
      await expect.poll(() => metric(url, 'understudy_active_streams')).toBe(0);

      const emissions = await metric(url, 'understudy_emissions_total');
      const late = await metric(url, 'understudy_late_emissions_total');
      expect(emissions).toBeGreaterThan(1000);
      expect(late).toBeGreaterThan(0);
      expect(late).toBeLessThanOrEqual(emissions);
      const stats = (await (await fetch(`${url}/_understudy/stats`)).json()) as Record<string, unknown> & { histograms: { emissionLagMs: { count: number } } };
      expect(stats).toMatchObject({ emissions, lateEmissions: late, lateEmissionMs: 1 });
      // One count per timed write, as the lag histogram records them.
      expect(stats.histograms.emissionLagMs.count).toBe(emissions);

      ticks[0]!();
      expect(log.lines.filter((l) => l.startsWith('warn '))).toEqual([expect.stringMatching(/^warn timing fidelity: [\d.]+% of [\d,]+ timed writes in the last 10 s went out more than 1 ms late \(0 streams open, 1 server thread\)/)]);
    } finally {
      await server.stop();
    }
    expect(ticks).toHaveLength(0);
    expect(log.lines.at(-1)).toMatch(/^info timing fidelity over the run: [\d,]+ timed writes, [\d.]+% more than 1 ms late$/);
  });

  it('counts none late when every write is within the threshold, and the window stays quiet', async () => {
    const { server, log, ticks, url } = await boot({ speed: 0.001, lateEmissionMs: 60_000 });
    try {
      const socket = openBigStream(server.port);
      await readToEnd(socket);
      socket.destroy();
      await expect.poll(() => metric(url, 'understudy_active_streams')).toBe(0);
      expect(await metric(url, 'understudy_emissions_total')).toBeGreaterThan(1000);
      expect(await metric(url, 'understudy_late_emissions_total')).toBe(0);
      ticks[0]!();
      expect(log.lines).toEqual([]);
    } finally {
      await server.stop();
    }
    expect(log.lines).toEqual([expect.stringMatching(/^info timing fidelity over the run: [\d,]+ timed writes, 0\.00% more than 60000 ms late$/)]);
  });

  it('does not watch at speed 0, where every write is due at once', async () => {
    const { server, log, ticks } = await boot({ speed: 0, lateEmissionMs: 1 });
    await server.stop();
    expect(ticks).toHaveLength(0);
    expect(log.lines).toEqual([]);
  });
});
