/**
 * A stream whose events are all due at once (`--speed 0`, or a stream resumed after a pause)
 * goes out 32 KB per cork until the socket pushes back. Sent to a reader that keeps up, that is
 * hundreds of megabytes without a pause: the catch-up must be a loop, not a call per cork, or the
 * server thread runs out of stack and dies with every stream it holds; and it must yield, or the
 * thread serves nothing else until that one stream is sent.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/schema.js';
import { startServer, type RunningServer } from '../src/workers/supervisor.js';
import { entry, writeTempCorpus } from './fixtures/corpus.js';
import { recordingLogger } from './fixtures/sim.js';

/** 60,000 tokens of 64 bytes: about 4 MB of chat events per choice. */
const CORPUS = writeTempCorpus([entry('long', 'gpt-4o-mini', 'text', ('-'.repeat(64) + ' ').repeat(60_000))]);

describe('a stream all due at once, read as fast as it is sent', () => {
  let server: RunningServer;
  beforeAll(async () => {
    // A small stack (Node's default is 4 MB) so that a call per 32 KB cork shows within a test's
    // few hundred MB rather than at a few GB.
    const config = resolveConfig({ port: 0, threads: 1, speed: 0, seed: 3, corpus: CORPUS, logLevel: 'silent' });
    server = await startServer(config, recordingLogger(), { threadStackMb: 0.5 });
  });
  afterAll(() => server.stop());

  it('is sent whole by a thread that stays up', async () => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true, n: 64, max_tokens: 16_384 });
    const request = `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer sk-test\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const { bytes, ended } = await new Promise<{ bytes: number; ended: boolean }>((resolve) => {
      const socket = connect(server.port, '127.0.0.1', () => socket.write(request));
      let bytes = 0;
      let tail = '';
      socket.on('data', (d: Buffer) => {
        bytes += d.length;
        tail = (tail + d.toString('latin1', Math.max(0, d.length - 32))).slice(-32);
        if (tail.endsWith('data: [DONE]\n\n\r\n0\r\n\r\n')) {
          socket.destroy();
          resolve({ bytes, ended: true });
        }
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve({ bytes, ended: false }));
    });
    // `ended` is what shows a thread that died: its restart may not be counted yet when the socket closes.
    expect(ended).toBe(true);
    expect(bytes).toBeGreaterThan(100 * 1024 * 1024);
    expect(server.restarts()).toBe(0);
  }, 60_000);

  it('lets the thread serve another request while it goes', async () => {
    const big = rawStream(server.port, { n: 64, max_tokens: 16_384 });
    await big.firstBytes;
    const small = rawStream(server.port, { n: 1, max_tokens: 5 });
    // One stream took the thread until it had sent every byte (some 250 MB here); it now sends
    // about 1 MB before the wheel's other due work gets a turn.
    const first = await Promise.race([small.done.then(() => 'small'), big.done.then(() => 'big')]);
    expect(first).toBe('small');
    await big.done;
  }, 60_000);
});

/** A chat stream read as fast as it comes; resolves `done` with its bytes at `[DONE]` (or on close). */
function rawStream(port: number, fields: Record<string, unknown>): { firstBytes: Promise<void>; done: Promise<number> } {
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true, ...fields });
  const request = `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer sk-test\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  let first: () => void = () => {};
  const firstBytes = new Promise<void>((resolve) => (first = resolve));
  const done = new Promise<number>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let bytes = 0;
    let tail = '';
    socket.on('data', (d: Buffer) => {
      bytes += d.length;
      first();
      tail = (tail + d.toString('latin1', Math.max(0, d.length - 32))).slice(-32);
      if (tail.endsWith('data: [DONE]\n\n\r\n0\r\n\r\n')) {
        socket.destroy();
        resolve(bytes);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(bytes));
  });
  return { firstBytes, done };
}
