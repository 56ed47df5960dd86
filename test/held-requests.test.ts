/**
 * Requests a chaos fault holds (timeout_no_answer, or timeout_slow_answer before its answer
 * starts) are counted in a gauge, merged over threads, in /_understudy/stats and /metrics: they
 * appeared in no stat, so holds piling up, or one leaked, went unseen.
 */
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../src/index.js';
import { metric, tempFile, useSimulator } from './fixtures/sim.js';

const scenario = {
  name: 'holds',
  phases: [
    { name: 'never', target: { header: { name: 'x-hold', value: 'never' } }, faults: [{ kind: 'timeout_no_answer' }] },
    { name: 'slow', target: { header: { name: 'x-hold', value: 'slow' } }, faults: [{ kind: 'timeout_slow_answer', delayMs: 60_000 }] },
    { name: 'short', target: { header: { name: 'x-hold', value: 'short' } }, faults: [{ kind: 'timeout_slow_answer', delayMs: 150 }] },
  ],
};

const chat = (stream: boolean) => JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: 'hi' }] });
const claude = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });

async function held(sim: Simulator): Promise<{ stats: number; metrics: number }> {
  const stats = (await (await fetch(`${sim.url}/_understudy/stats`)).json()) as { heldRequests: number };
  return { stats: stats.heldRequests, metrics: await metric(sim, 'understudy_held_requests') };
}

/** Polls until both stats read `n` (the requests reach the threads a moment after they are sent). */
async function heldReaches(sim: Simulator, n: number): Promise<{ stats: number; metrics: number }> {
  let now = await held(sim);
  for (let i = 0; i < 200 && (now.stats !== n || now.metrics !== n); i++) {
    await new Promise((r) => setTimeout(r, 25));
    now = await held(sim);
  }
  return now;
}

describe('the held-requests gauge, on two threads', () => {
  const sim = useSimulator({ threads: 2, scenario: tempFile('holds.json', scenario) });

  it('reads 0 with nothing held', async () => {
    expect(await held(sim())).toEqual({ stats: 0, metrics: 0 });
    const text = await (await fetch(`${sim().url}/metrics`)).text();
    expect(text).toContain('# TYPE understudy_held_requests gauge');
  });

  it('counts a slow answer while it is held, and not once it is answered', async () => {
    const res = await fetch(`${sim().url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hold': 'short' }, body: chat(false) });
    expect(res.status).toBe(200);
    await res.json();
    expect(await heldReaches(sim(), 0)).toEqual({ stats: 0, metrics: 0 });
  });

  it('counts every held request across threads, and none once their clients abort', async () => {
    const abort = new AbortController();
    const send = (path: string, hold: string, body: string, extra: Record<string, string> = {}) =>
      fetch(`${sim().url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hold': hold, ...extra }, body, signal: abort.signal }).then(
        (r) => r.arrayBuffer(),
        (err: unknown) => err,
      );
    const pending = [
      send('/v1/chat/completions', 'never', chat(false)),
      send('/v1/chat/completions', 'never', chat(true)),
      send('/v1/messages', 'never', claude, { 'anthropic-version': '2023-06-01' }),
      send('/v1/chat/completions', 'slow', chat(true)),
      send('/v1/chat/completions', 'slow', chat(false)),
      send('/v1/messages', 'slow', claude, { 'anthropic-version': '2023-06-01' }),
    ];
    expect(await heldReaches(sim(), 6)).toEqual({ stats: 6, metrics: 6 });
    abort.abort();
    for (const p of pending) expect(await p).toBeInstanceOf(Error);
    expect(await heldReaches(sim(), 0)).toEqual({ stats: 0, metrics: 0 });
    // The disconnects are counted as such.
    expect(await metric(sim(), 'understudy_errors_total{kind="client_disconnect"}')).toBeGreaterThanOrEqual(6);
  });
});
