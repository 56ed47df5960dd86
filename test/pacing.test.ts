/**
 * Each pacing mode serves real streams through the real server: every planned event goes out once,
 * and the thread ends with no stream open. How late the events go out is the bench's to
 * measure (`--pacing`); here a mode that lost, repeated or stalled an event, or spun forever,
 * fails. Short gaps (1–2 ms, one token per event) keep several events due within the spin's 0.1 ms
 * horizon across 24 concurrent streams.
 */
import { describe, expect, it } from 'vitest';
import type { HistogramName, HistogramSummary } from '../src/metrics/histograms.js';
import { oneProfileFile, useSimulator } from './fixtures/sim.js';

const STREAMS = 24;

async function stream(url: string, i: number): Promise<{ tokens: number; frames: number }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `pace ${i}` }], max_tokens: 40, stream: true, stream_options: { include_usage: true } }),
  });
  expect(res.status).toBe(200);
  let tokens = -1;
  let frames = 0;
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const chunk = JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[]; usage?: { completion_tokens: number } | null };
    if (chunk.usage) tokens = chunk.usage.completion_tokens;
    if ((chunk.choices[0]?.delta.content ?? '') !== '') frames++;
  }
  return { tokens, frames };
}

describe.each(['poll', 'spin', 'sleep'] as const)('pacing: %s', (pacing) => {
  const sim = useSimulator({ speed: 1, seed: 5, pacing, profiles: oneProfileFile(5, 1) });

  it('sends every planned event of concurrent streams and leaves none open', async () => {
    const done = await Promise.all(Array.from({ length: STREAMS }, (_, i) => stream(sim().url, i)));
    let tokens = 0;
    for (const s of done) {
      expect(s.tokens).toBeGreaterThan(1);
      // One token per event: a lost or repeated event shows as frames ≠ tokens.
      expect(s.frames).toBe(s.tokens);
      tokens += s.tokens;
    }
    const stats = (await (await fetch(`${sim().url}/_understudy/stats`)).json()) as { activeStreams: number; histograms: Record<HistogramName, HistogramSummary> };
    expect(stats.activeStreams).toBe(0);
    // One lag sample per event sent, each event on the wheel's schedule.
    expect(stats.histograms.emissionLagMs.count).toBe(tokens);
    expect(stats.histograms.ttftMs.count).toBe(STREAMS);
  });
});
