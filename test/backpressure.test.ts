import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';

/** A large stream: many choices of long answers, sent with no pacing so only backpressure holds it back. */
const BIG_REQUEST = JSON.stringify({
  model: 'gpt-4o',
  messages: [{ role: 'user', content: 'Write a long essay.' }],
  stream: true,
  n: 128,
  seed: 3,
});

function openStream(port: number): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BIG_REQUEST)}\r\n\r\n${BIG_REQUEST}`,
  );
  return socket;
}

/** The body of a raw HTTP/1.1 chunked response. */
function dechunk(raw: string): string {
  let rest = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  let body = '';
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return body;
    body += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/** Resumes a paused socket and reads its response to the chunked terminator; the body, dechunked. */
function readToEnd(socket: Socket): Promise<string> {
  const chunks: Buffer[] = [];
  const done = new Promise<string>((resolve) => {
    let tail = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      // The terminating chunk may straddle two reads.
      tail = Buffer.concat([tail, d]).subarray(-16);
      if (tail.includes('\r\n0\r\n\r\n')) resolve(dechunk(Buffer.concat(chunks).toString('latin1')));
    });
  });
  socket.resume();
  return done;
}

/** Every one of BIG_REQUEST's 128 choices finished, and the stream ended with [DONE]. */
function expectWholeStream(text: string): void {
  const finishes = Buffer.from(text, 'latin1').toString('utf8').match(/"finish_reason":"(stop|length|tool_calls)"/g) ?? [];
  expect(finishes.length).toBe(128);
  expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
}

async function metric(sim: Simulator, name: string): Promise<number> {
  const text = await (await fetch(`${sim.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  return line ? Number(line.split(' ').pop()) : NaN;
}

describe('backpressure', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0, stalledStreamTimeoutMs: 1500 });
  });
  afterAll(() => sim.stop());

  it('pauses a stream whose client does not read, then closes it at the stall limit', async () => {
    const socket = openStream(sim.port);
    socket.pause(); // never read: kernel buffers fill, then uWS reports backpressure
    await expect.poll(() => metric(sim, 'understudy_paused_streams'), { timeout: 5000 }).toBe(1);
    expect(await metric(sim, 'understudy_active_streams')).toBe(1);
    // The server cuts the stream at the stall limit; the paused socket only sees it once read.
    await expect.poll(() => metric(sim, 'understudy_errors_total{kind="stalled_stream"}'), { timeout: 5000 }).toBe(1);
    expect(await metric(sim, 'understudy_active_streams')).toBe(0);
    expect(await metric(sim, 'understudy_paused_streams')).toBe(0);
    socket.destroy();
  });

  it('resumes a paused stream when the client reads again, and delivers every frame', async () => {
    const socket = openStream(sim.port);
    socket.pause();
    await expect.poll(() => metric(sim, 'understudy_paused_streams'), { timeout: 5000 }).toBe(1);
    expectWholeStream(await readToEnd(socket));
    socket.destroy();
    await expect.poll(() => metric(sim, 'understudy_active_streams')).toBe(0);
  });
});

describe('a stall limit above uWS\'s own 10 s timeout', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0, stalledStreamTimeoutMs: 14_000 });
  });
  afterAll(() => sim.stop());

  // uWS closes a socket whose write has waited 10 s (swept every 4 s: 8–12 s into the pause) unless
  // the stream re-arms it; a closed stream would read as a client disconnect, not a stall. This
  // waits on uWS's real timer, which no clock of ours drives.
  it('is the limit that closes the stream, and the cut counts as a stall', async () => {
    const socket = openStream(sim.port);
    socket.pause();
    await expect.poll(() => metric(sim, 'understudy_paused_streams'), { timeout: 5000 }).toBe(1);
    const pausedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 12_500));
    expect(await metric(sim, 'understudy_active_streams')).toBe(1);
    expect(await metric(sim, 'understudy_paused_streams')).toBe(1);
    await expect.poll(() => metric(sim, 'understudy_errors_total{kind="stalled_stream"}'), { timeout: 5000 }).toBe(1);
    expect(Date.now() - pausedAt).toBeGreaterThanOrEqual(13_000);
    expect(await metric(sim, 'understudy_active_streams')).toBe(0);
    expect(await metric(sim, 'understudy_errors_total{kind="client_disconnect"}')).not.toBeGreaterThan(0);
    socket.destroy();
  }, 30_000);

  it('resumes a stream paused past a re-arm of uWS\'s timeout once the client reads, and delivers every frame', async () => {
    const stalledBefore = await metric(sim, 'understudy_errors_total{kind="stalled_stream"}');
    const socket = openStream(sim.port);
    socket.pause();
    await expect.poll(() => metric(sim, 'understudy_paused_streams'), { timeout: 5000 }).toBe(1);
    // Past the first re-arm (4 s into the pause), which pauses and resumes the socket in uWS.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expectWholeStream(await readToEnd(socket));
    socket.destroy();
    expect(await metric(sim, 'understudy_errors_total{kind="stalled_stream"}')).toBe(stalledBefore);
    await expect.poll(() => metric(sim, 'understudy_active_streams')).toBe(0);
  }, 30_000);
});
