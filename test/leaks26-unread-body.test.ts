/**
 * A request whose body the server will not read (chunked, on a route that takes none) has its
 * socket's reading stopped; the README promises nothing more of it is read. When its reply is
 * large and the client does not read that either, the reply pauses, and every 4 s the pause
 * re-arms uWS's timeout by pausing and resuming the socket: the resume turned reading back on,
 * and uWS then read (and dropped) whatever body the client kept sending until the stall limit.
 */
import { connect, type Socket } from 'node:net';
import { describe, it, expect } from 'vitest';
import { entry, writeTempCorpus } from './fixtures/corpus.js';
import { metric, useSimulator } from './fixtures/sim.js';

const AUTH = 'Bearer sk-unread';
const FILE_BYTES = 8 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;
const CHUNK = Buffer.concat([Buffer.from(`${CHUNK_BYTES.toString(16)}\r\n`), Buffer.alloc(CHUNK_BYTES, 0x61), Buffer.from('\r\n')]);
/** Kernel buffers on both sides hold a few MiB: a server that reads nothing stops the client well before this. */
const READ_BOUND_BYTES = 32 * 1024 * 1024;

const sim = useSimulator({ bodyLimitBytes: 16 * 1024 * 1024, stalledStreamTimeoutMs: 9000 });

/** Writes chunks as fast as the server takes them for `forMs`; the bytes the kernel took. */
async function floodFor(socket: Socket, forMs: number): Promise<number> {
  const until = Date.now() + forMs;
  while (!socket.destroyed && Date.now() < until) {
    // Never more than 1 MiB waiting in this process: what counts is what the kernel took.
    if (socket.writableLength < 1024 * 1024) socket.write(CHUNK);
    else await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), new Promise((resolve) => setTimeout(resolve, 100))]);
  }
  return socket.bytesWritten - socket.writableLength;
}

async function bigFile(): Promise<string> {
  const form = new FormData();
  form.set('purpose', 'batch');
  form.set('file', new Blob([Buffer.alloc(FILE_BYTES, 0x62)]), 'big.jsonl');
  return ((await (await fetch(`${sim().url}/v1/files`, { method: 'POST', headers: { authorization: AUTH }, body: form })).json()) as { id: string }).id;
}

/** A GET of the file's content with a chunked body that never ends. */
function contentRequest(id: string): string {
  return `GET /v1/files/${id}/content HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nTransfer-Encoding: chunked\r\n\r\n`;
}

it('reads at most the body limit of an unread body while the large reply waits on a client that reads none of it, then cuts the connection', async () => {
  const id = await bigFile();
  const tooLarge = await metric(sim(), 'understudy_errors_total{kind="body_too_large"}');
  const socket = connect(sim().port, '127.0.0.1');
  socket.on('error', () => {});
  // Reads nothing of the reply: it pauses on the server, and while it waits for the socket, the
  // socket reads again (uSockets polls for both); 14 GB went through in 7 s.
  socket.pause();
  socket.write(contentRequest(id));
  const sent = await floodFor(socket, 7000);
  expect(sent).toBeLessThan(READ_BOUND_BYTES);
  expect(await metric(sim(), 'understudy_errors_total{kind="body_too_large"}')).toBe(tooLarge + 1);
  expect(await metric(sim(), 'understudy_active_streams')).toBe(0);
  socket.destroy();
}, 30_000);

it('reads nothing more of an unread body once the large reply to it has gone out whole', async () => {
  const id = await bigFile();
  const socket = connect(sim().port, '127.0.0.1');
  socket.on('error', () => {});
  let got = 0;
  socket.on('data', (d: Buffer) => (got += d.length));
  socket.write(contentRequest(id));
  await expect.poll(() => got, { timeout: 10_000 }).toBeGreaterThan(FILE_BYTES);
  // 10 GB more of the body went through in 5 s after the reply.
  const sent = await floodFor(socket, 5000);
  expect(sent).toBeLessThan(READ_BOUND_BYTES);
  expect(socket.destroyed).toBe(false);
  socket.destroy();
}, 30_000);

describe('a resumed Responses stream asked for with a chunked body', () => {
  // One long answer: a stream of several MB, more than the socket's buffers take at once.
  const corpus = writeTempCorpus([{ ...entry('long', 'gpt-4.1', 'text', ('-'.repeat(64) + ' ').repeat(60_000)), id: 'long' }]);
  const streams = useSimulator({ corpus, bodyLimitBytes: 16 * 1024 * 1024 });

  it('reads nothing more of the body once the stream has gone out whole', async () => {
    const created = await fetch(`${streams().url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: AUTH }, body: JSON.stringify({ model: 'gpt-4.1', input: 'Hi', background: true }) });
    const id = ((await created.json()) as { id: string }).id;
    const socket = connect(streams().port, '127.0.0.1');
    socket.on('error', () => {});
    let tail = '';
    let got = 0;
    socket.on('data', (d: Buffer) => {
      got += d.length;
      tail = (tail + d.toString('latin1')).slice(-16);
    });
    socket.write(`GET /v1/responses/${id}?stream=true HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nTransfer-Encoding: chunked\r\n\r\n`);
    await expect.poll(() => tail.endsWith('\r\n0\r\n\r\n'), { timeout: 10_000 }).toBe(true);
    // Its corks were not all taken whole, and reading went on after the stream: 10–13 GB in 4 s.
    expect(got).toBeGreaterThan(4 * 1024 * 1024);
    const sent = await floodFor(socket, 4000);
    expect(sent).toBeLessThan(READ_BOUND_BYTES);
    socket.destroy();
  }, 30_000);
});
