/** HEAD gets the status and headers of the GET it names, and never a body, on a connection that stays usable. */
import http from 'node:http';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { useSimulator } from './fixtures/sim.js';

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

describe('HEAD requests', () => {
  const sim = useSimulator({ apiKeys: ['sk-head-key'] });
  // One socket for every request: a body sent after a HEAD's headers would be parsed as the next response.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  afterAll(() => agent.destroy());

  const send = (method: string, path: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const { port } = new URL(sim().url);
      const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: { authorization: 'Bearer sk-head-key' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });

  it('answers HEAD on a GET route with the GET\'s status, type and length, and no body', async () => {
    for (const path of ['/_understudy/health', '/v1/models', '/metrics']) {
      const get = await send('GET', path);
      const head = await send('HEAD', path);
      expect(head.status).toBe(get.status);
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
      expect(head.body).toBe('');
      if (path !== '/metrics') expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(get.body));
    }
  });

  it('answers HEAD on a POST route and on an unknown path with the 405 or 404, without the error body', async () => {
    const post = await send('HEAD', '/v1/embeddings');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('POST');
    expect(post.body).toBe('');
    const unknown = await send('HEAD', '/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toBe('');
    // The same socket then serves a GET whole.
    const after = await send('GET', '/_understudy/health');
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body)).toMatchObject({ status: 'ok' });
  });

  it('answers HEAD on a stream (a background response retrieved with stream=true) with its headers and no length', async () => {
    const created = await fetch(`${sim().url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-head-key' },
      body: JSON.stringify({ model: 'gpt-4o-mini', input: 'hi', background: true }),
    });
    const { id } = (await created.json()) as { id: string };
    const head = await send('HEAD', `/v1/responses/${id}?stream=true`);
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(head.headers['content-length']).toBeUndefined();
    expect(head.body).toBe('');
  });

  it('sends no bytes after the header block, read off the wire', async () => {
    const { port } = new URL(sim().url);
    const raw = await new Promise<string>((resolve) => {
      let got = '';
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('HEAD /v1/embeddings HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
      socket.on('close', () => resolve(got));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 405/);
    expect(raw.endsWith('\r\n\r\n')).toBe(true);
    expect(raw.indexOf('\r\n\r\n')).toBe(raw.length - 4);
  });
});
