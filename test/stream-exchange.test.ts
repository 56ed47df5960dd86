/**
 * Stream timing options and disconnects as a client on a raw socket sees them, against the real
 * server: when the status and headers go out (`headersAt`), and thousands of clients leaving
 * while tokens flow on two threads.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../src/index.js';
import { metric, oneProfileFile, useSimulator } from './fixtures/sim.js';

function chatRequest(body: Record<string, unknown>, headers: Record<string, string>): string {
  const json = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true, ...body });
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
}

interface OpenStream {
  readonly socket: Socket;
  /** The bytes of the first read. */
  readonly first: string;
  /** Resolves with everything read once the response holds a whole SSE event. */
  readonly firstEvent: Promise<string>;
}

function openStream(sim: Simulator, body: Record<string, unknown>, headers: Record<string, string>): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const socket = connect(sim.port, '127.0.0.1');
    socket.once('error', reject);
    let all = '';
    let eventSeen: (text: string) => void = () => {};
    const firstEvent = new Promise<string>((r) => (eventSeen = r));
    let seen = false;
    socket.on('data', (d: Buffer) => {
      if (seen) return;
      const first = all === '';
      all += d.toString('latin1');
      if (first) resolve({ socket, first: all, firstEvent });
      if (/\r\n\r\n[\s\S]*data: [^\n]*\n\n/.test(all)) {
        seen = true;
        eventSeen(all);
      }
    });
    socket.write(chatRequest(body, headers));
  });
}

describe("headersAt 'accept' (the default)", () => {
  const sim = useSimulator({ speed: 1 });

  it('sends the status and headers when the request is accepted, before any token', async () => {
    const s = await openStream(sim(), { max_tokens: 3 }, { 'x-understudy-ttft-ms': '60000' });
    expect(s.first).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(s.first).toContain('x-understudy-ttft-ms: 60000');
    expect(s.first).not.toContain('data:');
    s.socket.destroy();
  });
});

describe('the Responses API on accept', () => {
  const sim = useSimulator({ speed: 1 });

  it('sends response.created and response.in_progress with the headers, before any token', async () => {
    const json = JSON.stringify({ model: 'gpt-4o-mini', input: 'Hi', stream: true, max_output_tokens: 16 });
    const socket = connect(sim().port, '127.0.0.1');
    const first = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
    socket.write(`POST /v1/responses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-understudy-ttft-ms: 60000\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    const text = await first;
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const events = [...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    expect(events).toEqual(['response.created', 'response.in_progress']);
    expect([...text.matchAll(/"sequence_number":(\d+)/g)].map((m) => Number(m[1]))).toEqual([0, 1]);
    expect(text).not.toContain('output_text.delta');
  });

  it("adds a reasoning model's reasoning item on accept; the item is done with the first token", async () => {
    const json = JSON.stringify({ model: 'o4-mini', input: 'Hi', stream: true });
    const socket = connect(sim().port, '127.0.0.1');
    const first = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
    socket.write(`POST /v1/responses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-understudy-ttft-ms: 60000\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    const text = await first;
    socket.destroy();
    expect([...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1])).toEqual(['response.created', 'response.in_progress', 'response.output_item.added']);
    expect(text).toContain('"item":{"id":"rs_');
  });
});

describe('Anthropic Messages on accept', () => {
  const sim = useSimulator({ speed: 1 });

  it('sends message_start with the headers, and the first block with the first token', async () => {
    const json = JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    const socket = connect(sim().port, '127.0.0.1');
    const first = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
    socket.write(`POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-understudy-ttft-ms: 60000\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    const text = await first;
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect([...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1])).toEqual(['message_start']);
    expect(text).toMatch(/"usage":\{"input_tokens":\d+/);
  });
});

describe("headersAt 'first-token'", () => {
  const sim = useSimulator({ speed: 1, headersAt: 'first-token' });

  it('holds the status and headers back and sends them in one write with the first event', async () => {
    const s = await openStream(sim(), { max_tokens: 3 }, { 'x-understudy-ttft-ms': '30' });
    // The first bytes a client (or k6's time to first byte) sees carry the first token already.
    expect(s.first).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n[\s\S]*data: \{/);
    expect(s.first).toContain('x-understudy-ttft-ms: 30');
    s.socket.destroy();
  });
});

describe('clients leaving while tokens flow, on two threads', () => {
  // One token every 2 s and no stalls: the shortest answer (5 tokens) still has 8 s to go after
  // its first token, so every stream is mid-flight when its client leaves.
  const sim = useSimulator({ threads: 2, speed: 1, profiles: oneProfileFile(20, 2000) });
  const CLIENTS = 2000;

  it(`frees all ${CLIENTS} streams and counts each disconnect`, async () => {
    const disconnects = 'understudy_errors_total{kind="client_disconnect"}';
    const before = await metric(sim(), disconnects);
    const open: OpenStream[] = [];
    // In batches, so the listen backlog never overflows into SYN retries.
    for (let i = 0; i < CLIENTS; i += 250) {
      open.push(...(await Promise.all(Array.from({ length: Math.min(250, CLIENTS - i) }, () => openStream(sim(), { max_tokens: 4000 }, { 'x-understudy-ttft-ms': '1' })))));
    }
    // Every client has a token in hand and more scheduled when it leaves.
    const firsts = await Promise.all(open.map((s) => s.firstEvent));
    for (const text of firsts) expect(text).not.toContain('[DONE]');
    expect(await metric(sim(), 'understudy_active_streams')).toBe(CLIENTS);
    for (const s of open) s.socket.destroy();
    await expect.poll(() => metric(sim(), 'understudy_active_streams'), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => metric(sim(), disconnects), { timeout: 10_000 }).toBe(before + CLIENTS);
    expect(await metric(sim(), 'understudy_paused_streams')).toBe(0);
    // Both threads still serve whole streams afterwards.
    const bodies = await Promise.all(
      Array.from({ length: 8 }, () =>
        fetch(`${sim().url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-understudy-ttft-ms': '1' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true, max_tokens: 1 }),
        }).then((r) => r.text()),
      ),
    );
    for (const b of bodies) expect(b).toMatch(/data: \[DONE\]\n\n$/);
  }, 30_000);
});
