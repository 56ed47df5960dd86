/**
 * A stream's chunked framing stays whole when its client stops reading and then reads again, on
 * the real server and kernel. uWS 20.30 drops the data of a write that overflows its 16 KiB cork
 * buffer when flushing that buffer first fails (the socket full): the chunk's size line goes out,
 * its data does not, and every byte after it is misframed. A socket whose client stopped reading
 * fills to exactly that state now and then, so no cork of the exchange writes more than the cork
 * buffer holds (`src/server/http-exchange.ts`, `CORK_BUFFER_BYTES`). Here the loss showed in
 * about half the runs before; `./cork-overflow.test.ts` reproduces it every time against a model
 * of uWS.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { dechunkStrict } from './fixtures/chunked.js';
import { entry, writeTempCorpus } from './fixtures/corpus.js';
import { metric, oneProfileFile, useSimulator } from './fixtures/sim.js';

/** Long answers of 64-byte tokens: a stream far larger than a loopback connection's kernel buffers. */
const CORPUS = writeTempCorpus([entry('long', 'gpt-3.5-turbo-instruct', 'text', ('-'.repeat(64) + ' ').repeat(20_000))]);

/** Sixteen choices: at --speed 0 each cork of the catch-up loop fills with events of every choice. */
const REQUEST = (() => {
  const body = JSON.stringify({ model: 'gpt-3.5-turbo-instruct', prompt: 'Hi', stream: true, max_tokens: 3500, n: 16 });
  return `POST /v1/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer sk-test\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
})();

function silentClient(port: number): Socket {
  const socket = connect(port, '127.0.0.1', () => socket.write(REQUEST));
  socket.pause();
  return socket;
}

/** Reads the socket to the end of its response and returns the raw bytes. */
function readAll(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise<Buffer>((resolve, reject) => {
    let tail = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      tail = Buffer.concat([tail, d]).subarray(-16);
      if (tail.includes('\r\n0\r\n\r\n')) resolve(Buffer.concat(chunks));
    });
    socket.on('close', () => reject(new Error(`closed after ${Buffer.concat(chunks).length} bytes, before the stream ended`)));
    socket.resume();
  });
}

/** How many events of a legacy completions stream each choice got, by choice index. */
function perChoice(body: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const event of body.split('\n\n')) {
    if (!event.startsWith('data: {')) continue;
    const index = (JSON.parse(event.slice(6)) as { choices: { index: number }[] }).choices[0]?.index ?? -1;
    counts.set(index, (counts.get(index) ?? 0) + 1);
  }
  return counts;
}

describe('chunked framing of streams resumed after backpressure', () => {
  const sim = useSimulator({ threads: 2, corpus: CORPUS, profiles: oneProfileFile(20, 1), stalledStreamTimeoutMs: 20_000 });

  it('delivers every resumed stream with whole chunks and every event of every choice', async () => {
    // The same stream read by a client that keeps up: the events each choice should get.
    const whole = perChoice(await (await fetch(`${sim().url}/v1/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' }, body: REQUEST.slice(REQUEST.indexOf('\r\n\r\n') + 4) })).text());
    expect(whole.size).toBe(16);
    for (let round = 0; round < 3; round++) {
      const sockets = Array.from({ length: 9 }, () => silentClient(sim().port));
      await expect.poll(() => metric(sim(), 'understudy_paused_streams'), { timeout: 10_000 }).toBe(sockets.length);
      const raws = await Promise.all(sockets.map(readAll));
      for (const raw of raws) {
        const body = dechunkStrict(raw).toString('utf8');
        expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
        expect(perChoice(body)).toEqual(whole);
      }
      for (const s of sockets) s.destroy();
      await expect.poll(() => metric(sim(), 'understudy_active_streams')).toBe(0);
    }
  }, 60_000);
});
