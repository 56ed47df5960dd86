/**
 * What a background Responses run keeps while it runs (its in-progress and cancelled objects,
 * `src/server/openai/responses-background.ts`) is bounded as the stored responses are, and goes
 * when the response is deleted.
 */
import { describe, expect, it } from 'vitest';
import { BackgroundResponses } from '../src/server/openai/responses-background.js';
import { STORE_MAX_BYTES, STORE_MAX_ENTRIES } from '../src/server/openai/responses-store.js';
import type { Simulator } from '../src/index.js';
import { useSimulator } from './fixtures/sim.js';

const OPENAI = { 'content-type': 'application/json', authorization: 'Bearer sk-test' };

describe('the running background responses of a thread', () => {
  it("hold at most the store's bytes: each echoes its instructions twice, and 1,000 of them held gigabytes", () => {
    const running = new BackgroundResponses();
    // 1 MiB instructions, echoed in the in-progress object and in the cancelled one.
    const object = (i: number, status: string): Buffer => Buffer.from(`{"id":"resp_${i}","status":"${status}","instructions":"${'x'.repeat(1 << 20)}"}`);
    for (let i = 0; i < 100; i++) running.start(`resp_${i}`, Number.MAX_SAFE_INTEGER, object(i, 'in_progress'), object(i, 'cancelled'), i + 1);
    expect(running.bytes).toBeLessThanOrEqual(STORE_MAX_BYTES);
    // The newest still run; the oldest were let go, as the store lets its oldest go.
    expect(running.pending('resp_99', 0)?.toString('latin1')).toContain('"status":"in_progress"');
    expect(running.pending('resp_0', 0)).toBeUndefined();
  });

  it('still hold their 1,000 newest small ones', () => {
    const running = new BackgroundResponses();
    const small = Buffer.from('{"status":"in_progress"}');
    for (let i = 0; i < STORE_MAX_ENTRIES + 10; i++) running.start(`resp_${i}`, Number.MAX_SAFE_INTEGER, small, small, i + 1);
    expect(running.pending(`resp_${STORE_MAX_ENTRIES + 9}`, 0)).toBeDefined();
    expect(running.pending('resp_10', 0)).toBeDefined();
    expect(running.pending('resp_9', 0)).toBeUndefined();
  });
});

async function call(sim: Simulator, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${sim.url}${path}`, { method, headers: { ...OPENAI, 'x-understudy-ttft-ms': '60000' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, text: await res.text() };
}

describe.each([1, 2])('a background response deleted while it runs, %i thread(s)', (threads) => {
  const sim = useSimulator({ threads, speed: 1 });

  it('is gone: a retrieve, a cancel and a second delete are 404s, as for any deleted response', async () => {
    const created = await call(sim(), 'POST', '/v1/responses', { model: 'gpt-4o-mini', input: 'Hi', background: true });
    expect(created.status).toBe(200);
    const { id, status } = JSON.parse(created.text) as { id: string; status: string };
    expect(status).toBe('queued');
    expect(JSON.parse((await call(sim(), 'GET', `/v1/responses/${id}`)).text)).toMatchObject({ status: 'in_progress' });
    expect(await call(sim(), 'DELETE', `/v1/responses/${id}`)).toEqual({ status: 200, text: JSON.stringify({ id, object: 'response', deleted: true }) });
    // It answered 200 in_progress until it would have finished, and a cancel stored it again.
    const retrieved = await call(sim(), 'GET', `/v1/responses/${id}`);
    expect(retrieved.status).toBe(404);
    expect(retrieved.text).toContain(`Response with id '${id}' not found.`);
    expect((await call(sim(), 'POST', `/v1/responses/${id}/cancel`)).status).toBe(404);
    expect((await call(sim(), 'GET', `/v1/responses/${id}`)).status).toBe(404);
    expect((await call(sim(), 'DELETE', `/v1/responses/${id}`)).status).toBe(404);
  });
});
