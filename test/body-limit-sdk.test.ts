/**
 * A request over the body limit, sent by the official SDKs: they write the whole body before they
 * read, so a 413 sent (and its socket closed) while body bytes are still unread would reach them as
 * a connection reset, which they retry, uploading the body again.
 */
import { connect } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { metric, rejection, useSimulator } from './fixtures/sim.js';

const LIMIT = 64 * 1024;
const PROMPT = 'x'.repeat(4 * 1024 * 1024);

describe('a body over the limit, from the SDKs', () => {
  const sim = useSimulator({ bodyLimitBytes: LIMIT });

  it('reaches the openai SDK as a 413 on every try, and the next request is served', async () => {
    const client = new OpenAI({ baseURL: `${sim().url}/v1`, apiKey: 'k', maxRetries: 0 });
    for (let i = 0; i < 4; i++) {
      const err = await rejection(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] }), OpenAI.APIError);
      expect(err.status).toBe(413);
    }
    const ok = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(ok.object).toBe('chat.completion');
  });

  it('reaches the Anthropic SDK as its 413 on every try', async () => {
    const client = new Anthropic({ baseURL: sim().url, apiKey: 'k', maxRetries: 0 });
    for (let i = 0; i < 4; i++) {
      const err = await rejection(client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: PROMPT }] }), Anthropic.APIError);
      expect(err.status).toBe(413);
      expect(err.error).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    }
  });

  it('counts each try once as a refused body, and no client disconnects', async () => {
    expect(await metric(sim(), 'understudy_errors_total{kind="body_too_large"}')).toBe(8);
    expect(await metric(sim(), 'understudy_errors_total{kind="client_disconnect"}')).toBe(0);
  });
});

describe('a declared body over the limit, sent slowly', () => {
  const sim = useSimulator({ bodyLimitBytes: 1024 });

  // uWS closes a connection whose response has ended and whose reads have no handler 8–12 s
  // later, upload or not: this waits on its real timer, which no clock of ours drives.
  it('keeps the connection while the refused body trickles in for longer than uWS\'s timeout, then serves the next request', async () => {
    // uWS cuts any upload slower than about 16 KiB/s; this one sends 64 KiB/s.
    const total = 26 * 32 * 1024;
    const socket = connect(sim().port, '127.0.0.1');
    let raw = '';
    let closed = false;
    socket.on('data', (d: Buffer) => (raw += d.toString('latin1')));
    socket.on('close', () => (closed = true));
    socket.on('error', () => {});
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`);
    // 32 KiB every 500 ms: 13 s of upload.
    for (let sent = 0; sent < total && !closed; sent += 32 * 1024) {
      socket.write(Buffer.alloc(32 * 1024, 0x61));
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(raw).toMatch(/^HTTP\/1\.1 413 /);
    expect(closed).toBe(false);
    raw = '';
    const next = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(next)}\r\n\r\n${next}`);
    await expect.poll(() => raw.startsWith('HTTP/1.1 200 ') && raw.includes('"chat.completion"'), { timeout: 5000 }).toBe(true);
    socket.destroy();
  }, 30_000);
});
