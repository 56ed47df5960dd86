import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../src/index.js';

function rawRequest(socket: Socket, path: string, body: string): void {
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function readUntil(socket: Socket, marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer): void => {
      text += d.toString('utf8');
      if (text.includes(marker)) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

const CHAT = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], seed: 1 });

describe('drain on stop', () => {
  it('finishes in-flight streams, and answers new requests on open connections with 503 and connection: close', async () => {
    const sim = await startSimulator({ threads: 1, speed: 0.5, drainTimeoutMs: 20_000 });
    // A keep-alive connection that has already served one request.
    const idle = connect(sim.port, '127.0.0.1');
    rawRequest(idle, '/v1/chat/completions', JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3, seed: 1 }));
    await readUntil(idle, '}}');
    // A stream in flight.
    const streaming = connect(sim.port, '127.0.0.1');
    rawRequest(streaming, '/v1/chat/completions', JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, max_tokens: 40, seed: 2 }));
    const streamDone = readUntil(streaming, 'data: [DONE]');
    await readUntil(streaming, 'HTTP/1.1 200');

    const stopped = sim.stop();
    await new Promise((r) => setTimeout(r, 50)); // let the drain message reach the thread
    const refused = readUntil(idle, '}}');
    rawRequest(idle, '/v1/chat/completions', CHAT);
    const answer = await refused;
    expect(answer).toMatch(/^HTTP\/1\.1 503/);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(answer).toContain('shutting down');

    const text = await streamDone;
    expect(text).toContain('"finish_reason":"');
    await stopped;
    idle.destroy();
    streaming.destroy();
  });
});
