/**
 * Hostile HTTP against the real server, on raw sockets: a body with no end, sent chunked past the
 * limit, gets each provider's 413 at once, and the server stops reading it (the connection closes
 * at uWS's idle timeout), rather than reading whatever the client keeps sending.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

const LIMIT = 64 * 1024;
/** What a flooding client writes at most before the test gives up on the server closing. */
const FLOOD_CAP_BYTES = 256 * 1024 * 1024;
/** Kernel buffers on both sides hold a few MiB; a server that stops reading stops the client well before this. */
const READ_BOUND_BYTES = 32 * 1024 * 1024;

const CHUNK_BYTES = 64 * 1024;
const CHUNK = Buffer.concat([Buffer.from(`${CHUNK_BYTES.toString(16)}\r\n`), Buffer.alloc(CHUNK_BYTES, 0x61), Buffer.from('\r\n')]);

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

interface Flood {
  /** Everything the server sent, as latin1. */
  readonly raw: string;
  readonly sentBytes: number;
  /** The server stopped taking bytes (no drain for STALL_MS) or closed the connection, before the client stopped writing. */
  readonly refused: boolean;
  /** Bytes the client had written when the first reply bytes arrived. */
  readonly sentAtReply: number;
}

/** How long the socket's buffers stay full, with the reply in, before the server counts as no longer reading. */
const STALL_MS = 500;

/** Sends `head` and then a chunked body that never ends, until the server stops reading or closes, or FLOOD_CAP_BYTES have gone out. */
async function flood(port: number, head: string): Promise<Flood> {
  const socket = await rawSocket(port);
  let raw = '';
  let closed = false;
  let sent = 0;
  let sentAtReply = -1;
  socket.on('data', (d: Buffer) => {
    if (sentAtReply < 0) sentAtReply = sent;
    raw += d.toString('latin1');
  });
  const gone = new Promise<'closed'>((resolve) => socket.once('close', () => resolve('closed')));
  void gone.then(() => (closed = true));
  // EPIPE or ECONNRESET once the server has closed: the end of the flood, not a failure.
  socket.on('error', () => {});
  socket.write(head);
  let refused = false;
  while (!closed && sent < FLOOD_CAP_BYTES) {
    const more = socket.write(CHUNK);
    sent += CHUNK.length;
    if (more) continue;
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<'stalled'>((resolve) => (timer = setTimeout(() => resolve('stalled'), STALL_MS)));
    const drained = new Promise<'drained'>((resolve) => socket.once('drain', () => resolve('drained')));
    const outcome = await Promise.race([drained, gone, stalled]);
    clearTimeout(timer);
    if (outcome === 'stalled' && sentAtReply >= 0) {
      refused = true;
      break;
    }
  }
  refused ||= closed;
  socket.destroy();
  await gone;
  return { raw, sentBytes: sent, refused, sentAtReply };
}

/** Status, lower-cased head and body of a raw HTTP/1.1 reply with a Content-Length. */
function parseReply(raw: string): { status: number; head: string; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).toLowerCase();
  const length = Number(/\r\ncontent-length: (\d+)/.exec(head)?.[1] ?? -1);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]), head, body: raw.slice(split + 4, split + 4 + length) };
}

function chunkedHead(path: string, headers: Record<string, string> = {}): string {
  const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Content-Type: application/json', 'Transfer-Encoding: chunked', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

const ROUTES = [
  {
    name: 'OpenAI chat',
    path: '/v1/chat/completions',
    headers: {},
    shape: (body: unknown) => expect(body).toEqual({ error: { message: expect.stringContaining(String(LIMIT)) as unknown, type: 'invalid_request_error', param: null, code: 'request_too_large' } }),
  },
  {
    name: 'Anthropic messages',
    path: '/v1/messages',
    headers: { 'anthropic-version': '2023-06-01' },
    shape: (body: unknown) => expect(body).toMatchObject({ type: 'error', error: { type: 'request_too_large' } }),
  },
  {
    name: 'Gemini generateContent',
    path: '/v1beta/models/gemini-2.5-flash:generateContent',
    headers: { 'x-goog-api-key': 'k' },
    shape: (body: unknown) => expect(body).toMatchObject({ error: { code: 413 } }),
  },
] as const;

async function expectAlive(url: string): Promise<void> {
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { object: string }).object).toBe('chat.completion');
}

describe('a chunked body that never ends', () => {
  const sim = useSimulator({ bodyLimitBytes: LIMIT, threads: 2 });

  for (const route of ROUTES) {
    it(`gets ${route.name}'s 413 while it is still being sent, and the server stops reading`, async () => {
      const result = await flood(sim().port, chunkedHead(route.path, route.headers));
      expect(result.refused, `the server read ${result.sentBytes} bytes`).toBe(true);
      expect(result.sentBytes).toBeLessThan(READ_BOUND_BYTES);
      expect(result.sentAtReply).toBeGreaterThanOrEqual(0);
      expect(result.sentAtReply).toBeLessThan(READ_BOUND_BYTES);
      const reply = parseReply(result.raw);
      expect(reply.status).toBe(413);
      expect(reply.head).toContain('\r\nconnection: close');
      route.shape(JSON.parse(reply.body));
    });
  }

  it('leaves the server serving, with nothing in flight', async () => {
    await expectAlive(sim().url);
    await expect.poll(async () => ((await (await fetch(`${sim().url}/_understudy/health`)).json()) as { inFlight: number }).inFlight).toBe(1);
  });
});

describe('a body that never ends, on a route that takes none', () => {
  const sim = useSimulator({ bodyLimitBytes: LIMIT });

  for (const [method, path, status] of [
    ['POST', '/v1/nowhere', 404],
    ['GET', '/v1/models', 200],
    ['PUT', '/v1/chat/completions', 405],
    ['DELETE', '/v1/responses/resp_x', 404],
  ] as const) {
    it(`gets the ${method} ${path} reply (${status}), and the server stops reading`, async () => {
      const result = await flood(sim().port, `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n`);
      expect(result.refused, `the server read ${result.sentBytes} bytes`).toBe(true);
      expect(result.sentBytes).toBeLessThan(READ_BOUND_BYTES);
      const reply = parseReply(result.raw);
      expect(reply.status).toBe(status);
      expect(reply.head).toContain('\r\nconnection: close');
    });
  }

  it('answers a declared body past the limit without waiting for it, and reads none of it', async () => {
    const socket = await rawSocket(sim().port);
    let raw = '';
    socket.on('data', (d: Buffer) => (raw += d.toString('latin1')));
    socket.on('error', () => {});
    socket.write(`GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${900_000_000}\r\n\r\n`);
    await expect.poll(() => parseReply(raw).body.endsWith('}'), { timeout: 5000 }).toBe(true);
    expect(parseReply(raw).status).toBe(200);
    expect(parseReply(raw).head).toContain('\r\nconnection: close');
    socket.destroy();
  });

  it('still reads a small declared body and serves the next request on the connection', async () => {
    const socket = await rawSocket(sim().port);
    let raw = '';
    socket.on('data', (d: Buffer) => (raw += d.toString('latin1')));
    socket.write('DELETE /v1/responses/resp_x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhelloGET /_understudy/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await expect.poll(() => raw.includes('"status":"ok"'), { timeout: 5000 }).toBe(true);
    expect(raw).toMatch(/^HTTP\/1\.1 404 /);
    expect(raw.toLowerCase()).not.toContain('connection: close');
    socket.destroy();
  });

  it('leaves the server serving', async () => {
    await expectAlive(sim().url);
  });
});

describe('a chunked body past the limit, from a fetch client', () => {
  const sim = useSimulator({ bodyLimitBytes: LIMIT });

  it('reaches the client as the 413 and its body, not a connection error', async () => {
    const piece = new Uint8Array(CHUNK_BYTES).fill(0x61);
    for (let i = 0; i < 5; i++) {
      let pieces = 64; // 4 MiB
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pieces-- > 0) controller.enqueue(piece);
          else controller.close();
        },
      });
      const res = await fetch(`${sim().url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ error: { code: 'request_too_large' } });
    }
    await expectAlive(sim().url);
  });
});
