/**
 * Server lifecycle: several threads share one port, a crashed thread is restarted, stop() is
 * idempotent, and the native uWS check tells the binding from a stand-in.
 */
import { createRequire } from 'node:module';
import { Agent, request } from 'undici';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/schema.js';
import { isNativeUws, loadUws, type UwsModule } from '../src/server/uws.js';
import { startServer, type RunningServer } from '../src/workers/supervisor.js';
import { recordingLogger } from './fixtures/sim.js';

const chatBody = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });

/** One request on its own connection, so SO_REUSEPORT picks a thread afresh each time. */
async function freshRequest(url: string, path: string, body?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const agent = new Agent({ pipelining: 0 });
  try {
    const res = await request(`${url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', connection: 'close' },
      ...(body === undefined ? {} : { body }),
    });
    return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
  } finally {
    await agent.close();
  }
}

describe('two server threads on port 0', () => {
  let server: RunningServer;
  let url: string;
  const log = recordingLogger();
  beforeAll(async () => {
    server = await startServer(resolveConfig({ port: 0, threads: 2, speed: 0, logLevel: 'silent' }), log);
    url = `http://127.0.0.1:${server.port}`;
    return () => server.stop();
  });

  it('reports the real port and the thread count', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.threads).toBe(2);
    expect(server.restarts()).toBe(0);
  });

  it('answers every request on fresh connections, from the started threads only', async () => {
    const replies = await Promise.all(Array.from({ length: 50 }, () => freshRequest(url, '/v1/chat/completions', chatBody)));
    for (const r of replies) {
      expect(r.status).toBe(200);
      expect(r.json.object).toBe('chat.completion');
    }
    const threads = new Set<unknown>();
    for (let i = 0; i < 50; i++) {
      const h = await freshRequest(url, '/_understudy/health');
      expect(h.status).toBe(200);
      expect(h.json.status).toBe('ok');
      threads.add(h.json.thread);
    }
    // SO_REUSEPORT spreads connections by a hash of the 4-tuple, so both threads are likely but not certain.
    for (const t of threads) expect([0, 1]).toContain(t);
  });

  it('restarts a thread that crashes and keeps serving', async () => {
    server.crashThread(0);
    await expect.poll(() => server.restarts(), { timeout: 10_000 }).toBe(1);
    expect(log.lines.some((l) => /server thread 0 exited with code 1; restarting it/.test(l))).toBe(true);
    const replies = await Promise.all(Array.from({ length: 20 }, () => freshRequest(url, '/v1/chat/completions', chatBody)));
    for (const r of replies) expect(r.status).toBe(200);
    // The restarted thread serves on the same port.
    await expect
      .poll(async () => (await freshRequest(url, '/_understudy/health')).json.thread, { timeout: 10_000, interval: 0 })
      .toBe(0);
  });

  it('counts each restart', async () => {
    server.crashThread(1);
    await expect.poll(() => server.restarts(), { timeout: 10_000 }).toBe(2);
    expect((await freshRequest(url, '/v1/chat/completions', chatBody)).status).toBe(200);
  });
});

describe('stop()', () => {
  it('resolves, closes the port, and a second stop() is harmless', async () => {
    const log = recordingLogger();
    const server = await startServer(resolveConfig({ port: 0, threads: 2, speed: 0, logLevel: 'silent' }), log);
    const url = `http://127.0.0.1:${server.port}`;
    expect((await freshRequest(url, '/_understudy/health')).status).toBe(200);
    const first = server.stop();
    const second = server.stop();
    await expect(first).resolves.toBeUndefined();
    await expect(second).resolves.toBeUndefined();
    await expect(server.stop()).resolves.toBeUndefined();
    await expect(freshRequest(url, '/_understudy/health')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // A thread that ends because of stop() is not restarted.
    expect(server.restarts()).toBe(0);
    expect(log.lines.filter((l) => l.startsWith('error'))).toEqual([]);
  });
});

describe('a port already in use', () => {
  it('is refused with SIM_ERR_PORT_IN_USE, though the threads themselves share it', async () => {
    const first = await startServer(resolveConfig({ port: 0, threads: 2, speed: 0, logLevel: 'silent' }), recordingLogger());
    try {
      // SO_REUSEPORT would let this one listen too and take half of the first one's connections.
      await expect(startServer(resolveConfig({ port: first.port, threads: 1, speed: 0, logLevel: 'silent' }), recordingLogger())).rejects.toMatchObject({
        code: 'SIM_ERR_PORT_IN_USE',
        message: `127.0.0.1:${first.port} is already in use (a simulator left running?)`,
      });
      expect((await freshRequest(`http://127.0.0.1:${first.port}`, '/_understudy/health')).status).toBe(200);
    } finally {
      await first.stop();
    }
    // Once the first has stopped, the port is free again.
    const again = await startServer(resolveConfig({ port: first.port, threads: 1, speed: 0, logLevel: 'silent' }), recordingLogger());
    await again.stop();
  });

  it('lets only one of two simulators started at the same moment have it', async () => {
    const probe = await startServer(resolveConfig({ port: 0, threads: 1, speed: 0, logLevel: 'silent' }), recordingLogger());
    const port = probe.port;
    await probe.stop();
    const config = resolveConfig({ port, threads: 2, speed: 0, logLevel: 'silent' });
    const started = await Promise.allSettled([startServer(config, recordingLogger()), startServer(config, recordingLogger())]);
    const up = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = started.flatMap((r) => (r.status === 'rejected' ? [r.reason as { code?: string }] : []));
    try {
      expect(up).toHaveLength(1);
      expect(refused.map((e) => e.code)).toEqual(['SIM_ERR_PORT_IN_USE']);
      expect((await freshRequest(`http://127.0.0.1:${port}`, '/_understudy/health')).status).toBe(200);
    } finally {
      await Promise.all(up.map((s) => s.stop()));
    }
  });
});

describe('the native uWS check', () => {
  it('accepts the installed native binding', () => {
    const mod = createRequire(import.meta.url)('@trufflesuite/uws-js-unofficial') as UwsModule;
    expect(isNativeUws(mod)).toBe(true);
    expect(isNativeUws(loadUws())).toBe(true);
  });

  it('refuses an App written in JavaScript', () => {
    // @ts-expect-error: a stand-in App that returns no TemplatedApp
    expect(isNativeUws({ App: function App() {} })).toBe(false);
    // @ts-expect-error: a stand-in whose App is not a function at all
    expect(isNativeUws({ App: 'App' })).toBe(false);
    // A JS function whose body merely mentions the native marker is still JS, and so is a bound one.
    const mentionsMarker = function App() {
      return '{ [native code] }';
    } as unknown as UwsModule['App'];
    expect(isNativeUws({ App: mentionsMarker })).toBe(false);
    const jsApp = createRequire(import.meta.url)('@trufflesuite/uws-js-unofficial/dist/index.js') as UwsModule;
    expect(isNativeUws({ App: jsApp.App.bind(null) })).toBe(false);
  });

  it("refuses the package's own pure-JS fallback", () => {
    const fallback = createRequire(import.meta.url)('@trufflesuite/uws-js-unofficial/dist/index.js') as UwsModule;
    expect(typeof fallback.App).toBe('function');
    expect(isNativeUws(fallback)).toBe(false);
  });
});
