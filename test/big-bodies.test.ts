/**
 * Large replies that are not streams (a file's content, a batch's results) against the real
 * server and raw sockets that read slowly or not at all: uWS is handed the body a socket buffer at
 * a time, so memory does not grow by the body's size per connection, the body arrives intact once
 * the reader reads, and a reader that stops is closed at the stall limit.
 */
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { metric } from './fixtures/sim.js';

const MiB = 1024 * 1024;
const BODY_BYTES = 24 * MiB;
const AUTH = 'Bearer sk-big-bodies';

/** Bytes no compression or dedup could shrink, so a copy costs its full size. */
function bodyBytes(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function uploadFile(sim: Simulator, content: Buffer): Promise<string> {
  const form = new FormData();
  form.set('purpose', 'batch');
  form.set('file', new Blob([content]), 'big.jsonl');
  const res = await fetch(`${sim.url}/v1/files`, { method: 'POST', headers: { authorization: AUTH }, body: form });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

/** A raw GET whose reply the socket does not read until `readAll`. */
function openGet(port: number, path: string, method = 'GET'): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.pause();
  socket.write(`${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\n\r\n`);
  return socket;
}

interface RawReply {
  readonly head: string;
  readonly body: Buffer;
}

/** Reads a Content-Length reply to its end (or to the connection's close). */
function readAll(socket: Socket, headOnly = false): Promise<RawReply> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let got = 0;
    let want = -1;
    let headEnd = -1;
    const done = (): void => {
      const all = Buffer.concat(chunks);
      resolve({ head: all.subarray(0, Math.max(headEnd, 0)).toString('latin1'), body: all.subarray(headEnd + 4) });
    };
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (headEnd < 0) {
        const all = Buffer.concat(chunks);
        headEnd = all.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const m = /content-length: (\d+)/i.exec(all.subarray(0, headEnd).toString('latin1'));
        want = headOnly ? 0 : Number(m?.[1] ?? -1);
      }
      if (want >= 0 && got - headEnd - 4 >= want) done();
    });
    socket.on('close', done);
    socket.resume();
  });
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function inFlight(sim: Simulator): Promise<number> {
  return ((await (await fetch(`${sim.url}/_understudy/health`)).json()) as { inFlight: number }).inFlight;
}

/** The whole process's resident memory: the server threads run in it. */
const rss = (): number => process.memoryUsage().rss;


/** The connection, kept alive after a large reply, answers the next request: the file's object. */
async function expectServesNext(socket: Socket, id: string): Promise<void> {
  const next = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.endsWith('}')) resolve(text);
    });
  });
  socket.write(`GET /v1/files/${id} HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\n\r\n`);
  expect(await next).toContain(`"bytes":${BODY_BYTES}`);
}
describe('a large reply that is not a stream', () => {
  let sim: Simulator;
  let id: string;
  const content = bodyBytes(BODY_BYTES);
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0, bodyLimitBytes: 64 * MiB, stalledStreamTimeoutMs: 3000 });
    id = await uploadFile(sim, content);
    // One download read at full speed first: what the first reply allocates is not counted below.
    const warm = await readAll(openGet(sim.port, `/v1/files/${id}/content`));
    expect(warm.body.length).toBe(BODY_BYTES);
  });
  afterAll(() => sim.stop());

  it('is not buffered in full for each client that does not read it', async () => {
    const before = rss();
    const sockets = Array.from({ length: 8 }, () => openGet(sim.port, `/v1/files/${id}/content`));
    // Every request has been answered (the health check is behind them on the same thread)...
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await fetch(`${sim.url}/_understudy/health`)).status).toBe(200);
    // ...and memory has not grown by 8 × 24 MiB: at most a socket buffer's worth each.
    const grown = rss() - before;
    expect(grown).toBeLessThan(2 * BODY_BYTES);
    // A reader that resumes gets every byte.
    const first = await readAll(sockets[0]!);
    expect(first.head).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(first.body.length).toBe(BODY_BYTES);
    expect(sha(first.body)).toBe(sha(content));
    for (const s of sockets) s.destroy();
  });

  it('arrives intact, byte for byte, at a reader that reads in bursts with pauses between', async () => {
    const socket = openGet(sim.port, `/v1/files/${id}/content`);
    const chunks: Buffer[] = [];
    let got = 0;
    await new Promise<void>((resolve) => {
      socket.on('data', (d: Buffer) => {
        chunks.push(d);
        // Every MiB read stops the socket for a while, long enough for the server to pause on it.
        if (Math.floor((got + d.length) / MiB) > Math.floor(got / MiB)) {
          socket.pause();
          setTimeout(() => socket.resume(), 30);
        }
        got += d.length;
      });
      const check = setInterval(() => {
        const all = Buffer.concat(chunks);
        const headEnd = all.indexOf('\r\n\r\n');
        if (headEnd >= 0 && got - headEnd - 4 >= BODY_BYTES) {
          clearInterval(check);
          resolve();
        }
      }, 20);
      socket.resume();
    });
    const all = Buffer.concat(chunks);
    const body = all.subarray(all.indexOf('\r\n\r\n') + 4);
    expect(body.length).toBe(BODY_BYTES);
    expect(sha(body)).toBe(sha(content));
    // The connection, kept alive, serves the next request.
    socket.removeAllListeners('data');
    await expectServesNext(socket, id);
    socket.destroy();
  });

  it('is let go at once when its client goes away, counted as a disconnect', async () => {
    const disconnects = await metric(sim, 'understudy_errors_total{kind="client_disconnect"}');
    const stalled = await metric(sim, 'understudy_errors_total{kind="stalled_stream"}');
    const sockets = Array.from({ length: 4 }, () => openGet(sim.port, `/v1/files/${id}/content`));
    // The health request is in flight too while it reports.
    await expect.poll(() => inFlight(sim), { timeout: 2000 }).toBe(5);
    for (const s of sockets) s.destroy();
    await expect.poll(() => inFlight(sim), { timeout: 2000 }).toBe(1);
    expect(await metric(sim, 'understudy_errors_total{kind="client_disconnect"}')).toBe(disconnects + 4);
    expect(await metric(sim, 'understudy_errors_total{kind="stalled_stream"}')).toBe(stalled);
  });

  it('is cut at the stall limit when its client stops reading, counted as a stalled stream', async () => {
    const disconnects = await metric(sim, 'understudy_errors_total{kind="client_disconnect"}');
    const stalled = await metric(sim, 'understudy_errors_total{kind="stalled_stream"}');
    const socket = openGet(sim.port, `/v1/files/${id}/content`);
    await expect.poll(() => metric(sim, 'understudy_errors_total{kind="stalled_stream"}'), { timeout: 8000 }).toBe(stalled + 1);
    expect(await inFlight(sim)).toBe(1);
    // What the socket took before the cut, then the close: not the whole body.
    const cut = await readAll(socket);
    expect(cut.head).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(cut.body.length).toBeGreaterThan(0);
    expect(cut.body.length).toBeLessThan(BODY_BYTES);
    expect(await metric(sim, 'understudy_errors_total{kind="client_disconnect"}')).toBe(disconnects);
    socket.destroy();
  }, 15_000);

  it('answers HEAD with its length and no body, and the connection serves the next request', async () => {
    const socket = openGet(sim.port, `/v1/files/${id}/content`, 'HEAD');
    const head = await readAll(socket, true);
    expect(head.head).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(head.head.toLowerCase()).toContain(`content-length: ${BODY_BYTES}`);
    expect(head.body.length).toBe(0);
    await expectServesNext(socket, id);
    socket.destroy();
  });
});

describe('a large reply cut by a chaos fault', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ threads: 1, speed: 0 });
  });
  afterAll(() => sim.stop());

  it('announces its whole length, sends half of it, then closes the connection', async () => {
    const request = JSON.stringify({ model: 'text-embedding-3-small', input: Array.from({ length: 256 }, (_, i) => `input number ${i}`) });
    const send = (fault: string): Socket => {
      const socket = connect(sim.port, '127.0.0.1');
      socket.pause();
      socket.write(
        `POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nContent-Type: application/json\r\n${fault}Content-Length: ${Buffer.byteLength(request)}\r\n\r\n${request}`,
      );
      return socket;
    };
    const whole = await readAll(send(''));
    expect(whole.body.length).toBeGreaterThan(512 * 1024);
    const socket = send('x-understudy-fault: truncated_json\r\n');
    const cut = await readAll(socket);
    expect(cut.head.toLowerCase()).toContain(`content-length: ${whole.body.length}`);
    expect(cut.body.length).toBe(whole.body.length >> 1);
    expect(cut.body.equals(whole.body.subarray(0, whole.body.length >> 1))).toBe(true);
    expect(socket.readableEnded || socket.destroyed).toBe(true);
  });
});

describe('a large reply under way when the simulator stops', () => {
  it('is sent to the end before the thread shuts down', async () => {
    const sim = await startSimulator({ threads: 1, speed: 0, bodyLimitBytes: 64 * MiB });
    const content = bodyBytes(8 * MiB);
    const id = await uploadFile(sim, content);
    const socket = openGet(sim.port, `/v1/files/${id}/content`);
    await expect.poll(() => inFlight(sim), { timeout: 2000 }).toBe(2);
    const stopped = sim.stop();
    const reply = await readAll(socket);
    expect(reply.body.length).toBe(content.length);
    expect(sha(reply.body)).toBe(sha(content));
    await stopped;
    socket.destroy();
  });
});
